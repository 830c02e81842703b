/* form.c - application/x-www-form-urlencoded bodies (see web_int.h). */
#include <string.h>

#include "core/utf8.h"
#include "web/web_int.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode p[0..len) in place ('+' is a space); the result is NUL-terminated
 * at its new end. PB_EPARSE for a bad escape, a NUL or bad UTF-8. */
static int decode(char *p, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval(p[i + 1])) < 0 ||
                (lo = hexval(p[i + 2])) < 0)
                return PB_EPARSE;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return PB_EPARSE;
        p[o++] = c;
    }
    p[o] = '\0';
    return pb_utf8_check(p, o) == o ? PB_OK : PB_EPARSE;
}

int pb_web_form_parse(char *p, size_t len, struct pb_web_arg *args,
                      size_t max, size_t *n)
{
    *n = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && p[end] != '&')
            end++;
        if (end > i) { /* skip empty pairs: "a=1&&b=2" */
            if (*n == max)
                return PB_ETOOBIG;
            size_t eq = i;
            while (eq < end && p[eq] != '=')
                eq++;
            char *k = p + i, *v = eq < end ? p + eq + 1 : p + end;
            size_t klen = eq - i, vlen = eq < end ? end - eq - 1 : 0;
            /* decode writes a NUL at most at k[klen] (the '=' or '&') and
             * v[vlen] (the '&' or the end, which the caller keeps) */
            int rc = decode(v, vlen);
            if (!rc)
                rc = decode(k, klen);
            if (rc)
                return rc;
            args[*n].key = k;
            args[*n].value = v;
            (*n)++;
        }
        i = end + 1;
    }
    return PB_OK;
}

int64_t pb_web_parse_id(const char *s, size_t len)
{
    int64_t v = 0;
    if (!len || len > 15)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}
