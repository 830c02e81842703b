/* fields.c - cleaning source text into paper fields. */
#include "ingest/fields.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
           c == '\v';
}

void pb_ingest_set_clean(char **slot, const char *p, size_t len)
{
    free(*slot);
    *slot = NULL;
    /* fast path: nothing to collapse (most abstracts of the JSON dumps) */
    size_t i = 0;
    if (len && !is_ws((unsigned char)p[0]) && !is_ws((unsigned char)p[len - 1])) {
        for (i = 1; i < len; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c <= ' ' && (is_ws(c) && (c != ' ' || p[i - 1] == ' ')))
                break;
        }
        if (i == len) {
            *slot = pb_strndup(p, len);
            return;
        }
    }
    char *out = pb_malloc(len + 1), *w = out;
    int space = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c > ' ') {
            if (space) {
                *w++ = ' ';
                space = 0;
            }
            *w++ = (char)c;
        } else if (is_ws(c)) {
            space = w > out;
        } else {
            *w++ = (char)c; /* other controls: validation replaces them */
        }
    }
    *w = '\0';
    if (w == out) {
        free(out);
        return;
    }
    *slot = out;
}

static void push_name(struct pb_strlist *out, const char *p, size_t len)
{
    char *name = NULL;
    pb_ingest_set_clean(&name, p, len);
    if (!name)
        return;
    /* "and" left over from "A, B, and C" */
    const char *n = name;
    if (strncmp(n, "and ", 4) == 0)
        n += 4;
    if (*n && strcmp(n, "and") != 0 && strcmp(n, "et al.") != 0 &&
        strcmp(n, "et al") != 0)
        pb_strlist_push(out, n, strlen(n));
    free(name);
}

void pb_ingest_split_authors(struct pb_strlist *out, const char *p, size_t len)
{
    size_t start = 0;
    int depth = 0;
    /* copy without parenthesised parts, then split on ',' ';' and " and " */
    char *flat = pb_malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '(') {
            depth++;
            continue;
        }
        if (p[i] == ')' && depth) {
            depth--;
            continue;
        }
        if (!depth)
            flat[n++] = p[i];
    }
    flat[n] = '\0';
    for (size_t i = 0; i <= n; i++) {
        int cut = 0, skip = 0;
        if (i == n || flat[i] == ',' || flat[i] == ';') {
            cut = 1;
            skip = 1;
        } else if (is_ws((unsigned char)flat[i]) && i + 4 < n &&
                   strncmp(flat + i + 1, "and", 3) == 0 &&
                   is_ws((unsigned char)flat[i + 4])) {
            cut = 1;
            skip = 5;
        }
        if (cut) {
            push_name(out, flat + start, i - start);
            i += (size_t)skip - 1;
            start = i + 1;
        }
    }
    free(flat);
}

int pb_ingest_set_arxiv_id(struct pb_paper *p, const char *s, size_t len)
{
    char id[PB_MAX_ID];
    int v;
    int rc = pb_arxiv_id_parse(s, len, id, &v);
    if (rc)
        return rc;
    memcpy(p->id, id, sizeof id);
    if (v > p->version)
        p->version = v;
    return PB_OK;
}
