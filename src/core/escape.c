/* escape.c - HTML, XML, URL and Markdown escaping (see escape.h). */
#include "core/escape.h"

#include <string.h>

#include "core/utf8.h"

#define REPLACEMENT "\xEF\xBF\xBD"

enum mode { M_HTML, M_XML, M_MD };

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when invalid. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    size_t want = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2
                                : (s[0] & 0xF0) == 0xE0   ? 3
                                : (s[0] & 0xF8) == 0xF0   ? 4
                                                          : 0;
    if (!want || want > n)
        return 0;
    return pb_utf8_check((const char *)s, want) == want ? want : 0;
}

static int escape(struct pb_buf *b, const char *s, size_t len, enum mode m)
{
    int rc = PB_OK;
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0; /* u[run..i) is pending plain text */
    if (!s)
        return PB_OK;
    while (i < len) {
        unsigned char c = u[i];
        const char *rep = NULL;
        size_t n = 1;
        if (c < 0x80) {
            switch (c) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = m == M_MD ? "\\\"" : "&quot;"; break;
            case '\'': rep = m == M_MD ? "\\'" : "&#39;"; break;
            case '\t': case '\r': case '\n':
                rep = m == M_MD ? " " : NULL;
                break;
            default:
                if (c < 0x20 || c == 0x7F)
                    rep = m == M_HTML ? " " : "";
                else if (m == M_MD && strchr("\\`*_{}[]()#+-.!|~", c))
                    rep = NULL, n = 0; /* escaped below */
                break;
            }
        } else {
            n = seq_len(u + i, len - i);
            if (!n) {
                rep = REPLACEMENT;
                n = 1;
            } else if (m == M_XML && n == 3 && u[i] == 0xEF &&
                       u[i + 1] == 0xBF && (u[i + 2] == 0xBE ||
                                            u[i + 2] == 0xBF)) {
                rep = "";
            }
        }
        if (n == 0) { /* a Markdown punctuation character */
            if ((rc = pb_buf_append(b, s + run, i - run)) ||
                (rc = pb_buf_putc(b, '\\')) || (rc = pb_buf_putc(b, (char)c)))
                return rc;
            run = ++i;
            continue;
        }
        if (rep) {
            if ((rc = pb_buf_append(b, s + run, i - run)) ||
                (rc = pb_buf_puts(b, rep)))
                return rc;
            run = i + n;
        }
        i += n;
    }
    return pb_buf_append(b, s + run, i - run);
}

int pb_web_html(struct pb_buf *b, const char *s, size_t len)
{
    return escape(b, s, len, M_HTML);
}

int pb_web_html_s(struct pb_buf *b, const char *s)
{
    return s ? escape(b, s, strlen(s), M_HTML) : PB_OK;
}

int pb_web_xml(struct pb_buf *b, const char *s, size_t len)
{
    return escape(b, s, len, M_XML);
}

int pb_web_xml_s(struct pb_buf *b, const char *s)
{
    return s ? escape(b, s, strlen(s), M_XML) : PB_OK;
}

int pb_web_md(struct pb_buf *b, const char *s, size_t len)
{
    return escape(b, s, len, M_MD);
}

int pb_web_md_s(struct pb_buf *b, const char *s)
{
    return s ? escape(b, s, strlen(s), M_MD) : PB_OK;
}

int pb_web_url(struct pb_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = PB_OK;
    if (!s)
        return PB_OK;
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            rc = pb_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = pb_buf_append(b, e, 3);
        }
    }
    return rc;
}

int pb_web_url_s(struct pb_buf *b, const char *s)
{
    return s ? pb_web_url(b, s, strlen(s)) : PB_OK;
}

int pb_web_url_is_safe(const char *s)
{
    if (!s)
        return 0;
    size_t skip;
    if (!strncmp(s, "https://", 8))
        skip = 8;
    else if (!strncmp(s, "http://", 7))
        skip = 7;
    else
        return 0;
    if (!s[skip] || s[skip] == '/')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '"' || *p == '<' || *p == '>' ||
            *p == '\\' || *p == '`')
            return 0;
    return 1;
}

int pb_web_local_path_ok(const char *s)
{
    /* Browsers drop tab, CR and LF anywhere in a URL and read '\\' as '/',
     * so "/\t/evil.example" and "/\\evil.example" are "//evil.example": a
     * link to another site. Only "/" followed by no second slash, and no
     * control character or backslash anywhere, is a path of ours. */
    if (!s || s[0] != '/' || s[1] == '/')
        return 0;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
        if (*p < 0x20 || *p == 0x7F || *p == '\\')
            return 0;
    return pb_utf8_check(s, n) == n;
}

int pb_web_trunc(struct pb_buf *b, const char *s, size_t max)
{
    if (!s)
        return PB_OK;
    size_t len = strlen(s);
    if (len <= max)
        return pb_buf_append(b, s, len);
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    size_t sp = cut;
    while (sp > cut * 3 / 4 && s[sp] != ' ')
        sp--;
    if (s[sp] == ' ')
        cut = sp;
    int rc = pb_buf_append(b, s, cut);
    return rc ? rc : pb_buf_puts(b, "\xE2\x80\xA6");
}
