/* mem.c - aborting allocators. */
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "paperboy: out of memory allocating %zu bytes\n", n);
    abort();
}

void *pb_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *pb_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *pb_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

void *pb_reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total))
        oom((size_t)-1);
    return pb_realloc(p, total);
}

char *pb_strndup(const char *p, size_t len)
{
    char *s = pb_malloc(len + 1);
    if (len)
        memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

char *pb_strdup(const char *s)
{
    return s ? pb_strndup(s, strlen(s)) : NULL;
}
