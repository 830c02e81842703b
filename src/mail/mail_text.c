/* mail_text.c - e-mail text: headers, addresses, bodies (see mail_text.h).
 */
#include "mail/mail_text.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/utf8.h"

/* Length of the valid UTF-8 character at p[0..len), 0 when invalid. */
static size_t char_len(const char *p, size_t len)
{
    unsigned char c = (unsigned char)p[0];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4 : 0;
    if (!n || n > len || pb_utf8_check(p, n) != n)
        return 0;
    return n;
}

/* Whether the character p[0..n) is a control: C0, DEL, C1, or the line
 * and paragraph separators some clients break lines at. */
static int is_control(const char *p, size_t n)
{
    unsigned char c = (unsigned char)p[0];
    if (n == 1)
        return c < 0x20 || c == 0x7f;
    if (n == 2 && c == 0xC2 && (unsigned char)p[1] < 0xA0)
        return 1;
    return n == 3 && !memcmp(p, "\xE2\x80", 2) &&
           ((unsigned char)p[2] == 0xA8 || (unsigned char)p[2] == 0xA9);
}

/* s as one clean line: valid UTF-8, controls as spaces, space runs as
 * one, trimmed. keep_nl keeps '\n' (and tabs) for body text. */
static int clean(struct pb_buf *b, const char *s, int one_line)
{
    int rc = PB_OK, space = 0;
    size_t len = strlen(s), start = b->len;
    for (size_t i = 0; i < len && !rc;) {
        size_t n = char_len(s + i, len - i);
        if (!n) { /* invalid byte: U+FFFD */
            rc = pb_buf_append(b, "\xEF\xBF\xBD", 3);
            space = 0;
            i++;
            continue;
        }
        if (!one_line && (s[i] == '\n' || s[i] == '\t')) {
            rc = pb_buf_putc(b, s[i]);
            space = 0;
        } else if (!one_line && s[i] == '\r') {
            /* CRLF or a lone CR: the '\n' (if any) says it */
        } else if (is_control(s + i, n) || s[i] == ' ') {
            if (!one_line)
                rc = pb_buf_putc(b, ' ');
            else if (!space && b->len > start)
                rc = pb_buf_putc(b, ' ');
            space = 1;
        } else {
            rc = pb_buf_append(b, s + i, n);
            space = 0;
        }
        i += n;
    }
    if (one_line)
        while (b->len > start && b->p[b->len - 1] == ' ')
            b->p[--b->len] = '\0';
    return rc;
}

int pb_mail_plain(struct pb_buf *b, const char *s)
{
    return s ? clean(b, s, 0) : PB_OK;
}

int pb_mail_plain_line(struct pb_buf *b, const char *s)
{
    return s ? clean(b, s, 1) : PB_OK;
}

int pb_mail_wrap(struct pb_buf *b, const char *s, size_t indent,
                 size_t width)
{
    if (!s)
        return PB_OK;
    struct pb_buf t;
    pb_buf_init(&t, 1u << 20);
    int rc = clean(&t, s, 1);
    size_t col = indent;
    for (size_t i = 0; i < t.len && !rc;) {
        size_t e = i, chars = 0;
        while (e < t.len && t.p[e] != ' ') {
            if (((unsigned char)t.p[e] & 0xC0) != 0x80)
                chars++;
            e++;
        }
        if (col > indent && col + 1 + chars > width) {
            if (!(rc = pb_buf_putc(b, '\n')))
                for (size_t k = 0; k < indent && !rc; k++)
                    rc = pb_buf_putc(b, ' ');
            col = indent;
        } else if (col > indent) {
            rc = pb_buf_putc(b, ' ');
            col++;
        }
        if (!rc)
            rc = pb_buf_append(b, t.p + i, e - i);
        col += chars;
        i = e + (e < t.len);
    }
    pb_buf_clear(&t);
    return rc;
}

static int is_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-/^_`{|}~", c));
}

int pb_mail_addr_ok(const char *s)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    const char *at = strrchr(s, '@');
    if (len > PB_MAIL_ADDR_MAX || !at || at == s || at - s > 64)
        return 0;
    /* local part: dot-atom ('=' and '?' are atext too) */
    int prev_dot = 1;
    for (const char *c = s; c < at; c++) {
        if (*c == '.') {
            if (prev_dot)
                return 0;
            prev_dot = 1;
        } else if (is_atext((unsigned char)*c) || *c == '=' || *c == '?') {
            prev_dot = 0;
        } else {
            return 0;
        }
    }
    if (prev_dot)
        return 0;
    /* domain: labels */
    const char *d = at + 1;
    if (!*d)
        return 0;
    size_t lab = 0;
    for (const char *c = d;; c++) {
        if (*c == '.' || !*c) {
            if (lab == 0 || lab > 63 || c[-1] == '-' || *(c - lab) == '-')
                return 0;
            if (!*c)
                break;
            lab = 0;
        } else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '-') {
            lab++;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Encoded-words of t[0..len) (clean UTF-8), starting at column col. */
static int encoded_words(struct pb_buf *b, size_t col, const char *t,
                         size_t len)
{
    int rc = PB_OK;
    size_t i = 0;
    char b64[80];
    do {
        if (i) { /* a continuation line */
            if ((rc = pb_buf_puts(b, "\r\n ")))
                return rc;
            col = 1;
        }
        size_t avail = PB_MAIL_LINE_MAX > col ? PB_MAIL_LINE_MAX - col : 0;
        if (avail > 75)
            avail = 75;
        if (avail < 12 + 8) /* a name too long: start on the next line */
            avail = 20;
        size_t raw = (avail - 12) / 4 * 3, take = 0;
        while (i + take < len) {
            size_t n = char_len(t + i + take, len - i - take);
            if (!n)
                n = 1; /* cannot happen: t is clean */
            if (take + n > raw)
                break;
            take += n;
        }
        if (!take) /* raw >= 6 > 4: never; guard a loop anyway */
            take = len - i < 4 ? len - i : 4;
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)t + i,
                          take, sodium_base64_VARIANT_ORIGINAL);
        if ((rc = pb_buf_printf(b, "=?UTF-8?B?%s?=", b64)))
            return rc;
        i += take;
    } while (i < len);
    return rc;
}

static int header(struct pb_buf *b, size_t name_len, const char *s,
                  int phrase)
{
    if (!s)
        return PB_OK;
    struct pb_buf t;
    pb_buf_init(&t, 1u << 16);
    int rc = clean(&t, s, 1), raw = 1;
    if (rc)
        goto out;
    for (size_t i = 0; i < t.len && raw; i++) {
        unsigned char c = (unsigned char)t.p[i];
        if (c >= 0x80 || (phrase && c != ' ' && !is_atext(c)) ||
            (c == '=' && i + 1 < t.len && t.p[i + 1] == '?'))
            raw = 0;
    }
    if (raw && name_len + t.len <= PB_MAIL_LINE_MAX)
        rc = pb_buf_append(b, t.p ? t.p : "", t.len);
    else if (t.len)
        rc = encoded_words(b, name_len, t.p, t.len);
out:
    pb_buf_clear(&t);
    return rc;
}

int pb_mail_header_text(struct pb_buf *b, size_t name_len, const char *s)
{
    return header(b, name_len, s, 0);
}

int pb_mail_header_phrase(struct pb_buf *b, size_t name_len, const char *s)
{
    return header(b, name_len, s, 1);
}

int pb_mail_qp(struct pb_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = PB_OK;
    size_t col = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r')
            continue;
        if (c == '\n') {
            rc = pb_buf_puts(b, "\r\n");
            col = 0;
            continue;
        }
        int at_end = i + 1 == len || s[i + 1] == '\n' ||
                     (s[i + 1] == '\r' && (i + 2 == len || s[i + 2] == '\n'));
        int enc = c == '=' || c >= 0x7f || (c < 0x20 && c != '\t') ||
                  ((c == ' ' || c == '\t') && at_end) ||
                  (col == 0 && (c == '.' || c == 'F'));
        size_t w = enc ? 3 : 1;
        /* 75 + the soft break's '=' = 76 */
        if (col + w > 75 && !(at_end && col + w <= 76)) {
            if ((rc = pb_buf_puts(b, "=\r\n")))
                break;
            col = 0;
            enc |= c == '.' || c == 'F';
            w = enc ? 3 : 1;
        }
        if (enc) {
            char e[3] = {'=', hex[c >> 4], hex[c & 15]};
            rc = pb_buf_append(b, e, 3);
        } else {
            rc = pb_buf_putc(b, (char)c);
        }
        col += w;
    }
    if (!rc && col)
        rc = pb_buf_puts(b, "\r\n");
    return rc;
}

int pb_mail_base64_lines(struct pb_buf *b, const void *p, size_t len)
{
    const unsigned char *u = p;
    char line[80];
    int rc = PB_OK;
    for (size_t i = 0; i < len && !rc; i += 57) {
        size_t n = len - i < 57 ? len - i : 57;
        sodium_bin2base64(line, sizeof line, u + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        if (!(rc = pb_buf_puts(b, line)))
            rc = pb_buf_puts(b, "\r\n");
    }
    return rc;
}

void pb_mail_date(int64_t t, char out[40])
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr",
                                     "May", "Jun", "Jul", "Aug",
                                     "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000",
             wd[tm.tm_wday % 7], tm.tm_mday, mo[tm.tm_mon % 12],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
