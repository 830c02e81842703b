/* fields.c - cleaning source text into paper fields. */
#include "ingest/fields.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/swar.h"

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
           c == '\v';
}

void pb_ingest_set_clean(char **slot, const char *p, size_t len)
{
    free(*slot);
    *slot = NULL;
    /* trim both ends: inside, every run of white space then lies between
     * two other bytes and becomes exactly one space */
    while (len && is_ws((unsigned char)p[0])) {
        p++;
        len--;
    }
    while (len && is_ws((unsigned char)p[len - 1]))
        len--;
    if (!len)
        return;
    char *out = pb_malloc(len + 1), *w = out;
    size_t i = 0;
    int prev_space = 0;
    while (i < len) {
        /* eight bytes without control bytes or a second space in a row
         * are copied as they are */
        if (len - i >= 8) {
            uint64_t b = pb_swar_load(p + i);
            uint64_t sp = pb_swar_eq(b, ' ');
            if (!pb_swar_below(b, 0x20) && !(sp & (sp << 8)) &&
                !(prev_space && (sp & 0x80))) {
                memcpy(w, p + i, 8);
                w += 8;
                i += 8;
                prev_space = (sp >> 63) != 0;
                continue;
            }
        }
        unsigned char c = (unsigned char)p[i++];
        if (is_ws(c)) {
            if (!prev_space)
                *w++ = ' ';
            prev_space = 1;
        } else {
            *w++ = (char)c; /* other controls: validation replaces them */
            prev_space = 0;
        }
    }
    *w = '\0';
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
