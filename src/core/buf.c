/* buf.c - capped growable buffer. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void pb_buf_init(struct pb_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void pb_buf_clear(struct pb_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void pb_buf_reset(struct pb_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

static int grow(struct pb_buf *b, size_t extra)
{
    size_t need;
    if (__builtin_add_overflow(b->len, extra, &need) || need > b->max)
        return PB_ETOOBIG;
    need += 1; /* NUL */
    if (need <= b->cap)
        return PB_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need) {
        if (ncap > ((size_t)-1) / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    b->p = pb_realloc(b->p, ncap);
    b->cap = ncap;
    return PB_OK;
}

void pb_buf_reserve(struct pb_buf *b, size_t extra)
{
    if (extra > b->max - b->len)
        extra = b->max - b->len;
    if (!grow(b, extra) && b->len == 0)
        b->p[0] = '\0';
}

int pb_buf_append(struct pb_buf *b, const void *p, size_t len)
{
    int rc = grow(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->p + b->len, p, len);
    b->len += len;
    b->p[b->len] = '\0';
    return PB_OK;
}

int pb_buf_puts(struct pb_buf *b, const char *s)
{
    return pb_buf_append(b, s, strlen(s));
}

int pb_buf_putc(struct pb_buf *b, char c)
{
    if (b->len + 1 < b->cap && b->len < b->max) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return PB_OK;
    }
    return pb_buf_append(b, &c, 1);
}

int pb_buf_vprintf(struct pb_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return PB_EINVAL;
    if ((size_t)n < sizeof small)
        return pb_buf_append(b, small, (size_t)n);
    int rc = grow(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return PB_OK;
}

int pb_buf_printf(struct pb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pb_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *pb_buf_steal(struct pb_buf *b)
{
    char *s = b->p ? b->p : pb_strndup("", 0);
    b->p = NULL;
    b->len = b->cap = 0;
    return s;
}

const char *pb_buf_cstr(const struct pb_buf *b)
{
    return b->p ? b->p : "";
}
