/* harvest_url.c - percent-encoding of query parameters. */
#include "harvest/harvest_url.h"

#include <string.h>

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

int pb_url_escape(struct pb_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = PB_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        if (unreserved(*p)) {
            rc = pb_buf_putc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = pb_buf_append(b, e, 3);
        }
    }
    return rc;
}

int pb_url_add_param(struct pb_buf *b, const char *key, const char *value)
{
    int has_q = b->len && memchr(b->p, '?', b->len) != NULL;
    int rc = pb_buf_putc(b, has_q ? '&' : '?');
    if (!rc)
        rc = pb_url_escape(b, key);
    if (!rc)
        rc = pb_buf_putc(b, '=');
    if (!rc)
        rc = pb_url_escape(b, value);
    return rc;
}
