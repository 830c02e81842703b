/* mail_prefs.c - preferences from form fields (mail_prefs.h). */
#include "mail/mail_prefs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/utf8.h"
#include "mail/mail_text.h"

static int number(const char *s, int lo, int hi, int dflt, int *out)
{
    if (!s || !*s) {
        *out = dflt;
        return PB_OK;
    }
    int v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9' || v > hi)
            return PB_EINVAL;
        v = v * 10 + (*c - '0');
    }
    if (v < lo || v > hi)
        return PB_EINVAL;
    *out = v;
    return PB_OK;
}

/* Whether item (len bytes) is already in list (sep-separated). */
static int has_item(const char *list, char sep, const char *item, size_t len)
{
    for (const char *p = list; *p;) {
        const char *e = strchr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == len && !strncasecmp(p, item, len))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* Append item p[0..len) to out (cap bytes incl. NUL) after sep. */
static int add_item(char *out, size_t cap, char sep, const char *p,
                    size_t len)
{
    size_t have = strlen(out);
    if (has_item(out, sep, p, len))
        return PB_OK;
    if (have + (have ? 1 : 0) + len + 1 > cap)
        return PB_ETOOBIG;
    if (have)
        out[have++] = sep;
    memcpy(out + have, p, len);
    out[have + len] = '\0';
    return PB_OK;
}

/* Split s on any byte of seps; each piece trimmed, checked by kind:
 * 'c' category word, 't' free text. */
static int list(const char *s, const char *seps, char kind, char out_sep,
                char *out, size_t cap, const char *what, char *why,
                size_t wcap)
{
    out[0] = '\0';
    if (!s)
        return PB_OK;
    size_t len = strlen(s);
    if (pb_utf8_check(s, len) != len) {
        snprintf(why, wcap, "%s: not valid UTF-8", what);
        return PB_EINVAL;
    }
    for (size_t i = 0; i <= len;) {
        size_t e = i;
        while (e < len && !strchr(seps, s[e]))
            e++;
        const char *p = s + i;
        size_t n = e - i;
        /* trim spaces, tabs and CRs */
        while (n && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
            n--;
        if (n) {
            size_t max = kind == 'c' ? 32 : PB_MAIL_ITEM_MAX;
            int ok = n <= max;
            for (size_t k = 0; k < n && ok; k++) {
                unsigned char c = (unsigned char)p[k];
                if (kind == 'c')
                    ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '-';
                else
                    ok = c >= 0x20 && c != 0x7f;
            }
            if (!ok) {
                snprintf(why, wcap, "%s: \"%.*s\" is not one", what,
                         (int)(n > 40 ? 40 : n), p);
                return PB_EINVAL;
            }
            if (add_item(out, cap, out_sep, p, n)) {
                snprintf(why, wcap, "%s: too many (at most %d bytes)", what,
                         PB_SUB_LIST_MAX);
                return PB_EINVAL;
            }
        }
        i = e + 1;
    }
    return PB_OK;
}

/* One collection: "12", or a link whose path ends in /collections/12. */
static int coll_id(const char *p, size_t n, int64_t *out)
{
    while (n && p[n - 1] == '/')
        n--;
    for (size_t i = n; i >= 13; i--)
        if (!memcmp(p + i - 13, "/collections/", 13)) {
            p += i, n -= i;
            break;
        }
    if (!n || n > 16)
        return PB_EINVAL;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return PB_EINVAL;
        v = v * 10 + (p[i] - '0');
    }
    if (v < 1 || v > ((int64_t)1 << 53))
        return PB_EINVAL;
    *out = v;
    return PB_OK;
}

static int colls(const char *s, struct pb_sub *out, char *why, size_t wcap)
{
    out->n_colls = 0;
    if (!s)
        return PB_OK;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, " ,\t\r\n");
        if (n) {
            int64_t id;
            if (coll_id(p, n, &id)) {
                snprintf(why, wcap, "collections: \"%.*s\" is not a "
                         "collection's number or link",
                         (int)(n > 40 ? 40 : n), p);
                return PB_EINVAL;
            }
            size_t at = 0;
            while (at < out->n_colls && out->colls[at] < id)
                at++;
            if (at == out->n_colls || out->colls[at] != id) {
                if (out->n_colls == PB_SUB_COLLS_MAX) {
                    snprintf(why, wcap, "collections: at most %d",
                             PB_SUB_COLLS_MAX);
                    return PB_EINVAL;
                }
                memmove(out->colls + at + 1, out->colls + at,
                        (out->n_colls - at) * sizeof out->colls[0]);
                out->colls[at] = id;
                out->n_colls++;
            }
        }
        p += n;
        if (*p)
            p++;
    }
    return PB_OK;
}

int pb_mail_prefs_parse(const struct pb_mail_form *f, struct pb_sub *out,
                        char *why, size_t cap)
{
    memset(out, 0, sizeof *out);
    why[0] = '\0';
    const char *e = f->email ? f->email : "";
    while (*e == ' ' || *e == '\t')
        e++;
    size_t n = strlen(e);
    while (n && (e[n - 1] == ' ' || e[n - 1] == '\t'))
        n--;
    if (n > PB_SUB_EMAIL_MAX) {
        snprintf(why, cap, "that address is too long");
        return PB_EINVAL;
    }
    memcpy(out->email, e, n);
    out->email[n] = '\0';
    if (!pb_mail_addr_ok(out->email)) {
        snprintf(why, cap, "give an e-mail address like name@example.org");
        return PB_EINVAL;
    }
    if (!f->freq || !*f->freq || !strcmp(f->freq, "daily")) {
        out->freq = PB_SUB_DAILY;
    } else if (!strcmp(f->freq, "weekly")) {
        out->freq = PB_SUB_WEEKLY;
    } else {
        snprintf(why, cap, "frequency: daily or weekly");
        return PB_EINVAL;
    }
    if (number(f->top, 0, PB_MAIL_TOP_MAX, 10, &out->top_n)) {
        snprintf(why, cap, "trending papers: a number from 0 to %d",
                 PB_MAIL_TOP_MAX);
        return PB_EINVAL;
    }
    if (number(f->max, 1, PB_MAIL_PAPERS_MAX, 20, &out->max_papers)) {
        snprintf(why, cap, "papers per mail: a number from 1 to %d",
                 PB_MAIL_PAPERS_MAX);
        return PB_EINVAL;
    }
    if (list(f->categories, " ,\t\r\n", 'c', ' ', out->categories,
             sizeof out->categories, "categories", why, cap) ||
        list(f->authors, ";\n", 't', '\n', out->authors, sizeof out->authors,
             "authors", why, cap) ||
        list(f->keywords, ",\n", 't', '\n', out->keywords,
             sizeof out->keywords, "keywords", why, cap) ||
        colls(f->collections, out, why, cap))
        return PB_EINVAL;
    if (!f->recs || !*f->recs || !strcmp(f->recs, "0")) {
        out->recs = 0;
    } else if (!strcmp(f->recs, "1") || !strcmp(f->recs, "on")) {
        out->recs = 1;
    } else {
        snprintf(why, cap, "recommendations: on or off");
        return PB_EINVAL;
    }
    out->state = PB_SUB_PENDING;
    return PB_OK;
}
