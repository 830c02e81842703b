/* chunk.c - line-based dumps cut into chunks of whole lines, and parsed. */
#include "ingest/chunk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "ingest/ingest_int.h"

void pb_chunk_init(struct pb_chunk *c)
{
    memset(c, 0, sizeof *c);
}

void pb_chunk_clear(struct pb_chunk *c)
{
    free(c->text);
    free(c->v);
    pb_chunk_init(c);
}

static struct pb_chunk_line *add(struct pb_chunk *c)
{
    if (c->n == c->vcap) {
        c->vcap = c->vcap ? c->vcap * 2 : 256;
        c->v = pb_reallocarray(c->v, c->vcap, sizeof *c->v);
    }
    struct pb_chunk_line *l = &c->v[c->n++];
    memset(l, 0, sizeof *l);
    return l;
}

int pb_chunk_fill(struct pb_chunk *c, struct pb_reader *r, size_t max_lines,
                  size_t max_bytes)
{
    c->len = 0;
    c->n = 0;
    c->line_max = pb_reader_line_max(r);
    if (c->rc)
        return c->rc; /* the stream broke off before */
    if (max_lines == 0)
        max_lines = 1;
    while (c->n < max_lines && (c->n == 0 || c->len < max_bytes)) {
        const char *line;
        size_t len;
        uint64_t off = pb_reader_offset(r);
        struct pb_err err;
        pb_err_clear(&err);
        int rc = pb_reader_line(r, &line, &len, &err);
        if (rc == PB_EEOF)
            break;
        struct pb_chunk_line *l = add(c);
        l->offset = off;
        if (rc == PB_ETOOBIG) {
            l->kind = PB_CHUNK_TOOBIG;
            l->lineno = pb_reader_lineno(r);
            l->len = len;
            continue;
        }
        if (rc) {
            l->kind = PB_CHUNK_BROKEN;
            l->lineno = pb_reader_lineno(r) + 1;
            c->rc = rc;
            snprintf(c->msg, sizeof c->msg, "%s",
                     err.msg[0] ? err.msg : pb_strerror(rc));
            break;
        }
        l->kind = PB_CHUNK_LINE;
        l->lineno = pb_reader_lineno(r);
        if (c->len + len + 1 > c->cap) {
            size_t ncap = c->cap ? c->cap : 64u << 10;
            while (ncap < c->len + len + 1)
                ncap *= 2;
            c->text = pb_realloc(c->text, ncap);
            c->cap = ncap;
        }
        memcpy(c->text + c->len, line, len);
        l->start = c->len;
        l->len = len;
        c->len += len;
    }
    return c->n ? PB_OK : PB_EEOF;
}

pb_line_parser pb_ingest_line_parser(enum pb_format f)
{
    switch (f) {
    case PB_FMT_ARXIV_JSONL:
        return pb_ingest_arxiv_line;
    case PB_FMT_PB_JSONL:
        return pb_ingest_pb_jsonl_line;
    default:
        return NULL;
    }
}

int pb_ingest_chunk(const struct pb_chunk *c, const char *name,
                    const struct pb_sink *s, pb_line_parser parse)
{
    struct pb_paper p;
    pb_paper_init(&p);
    char why[256];
    int rc = PB_OK;
    for (size_t i = 0; i < c->n && !rc; i++) {
        const struct pb_chunk_line *l = &c->v[i];
        struct pb_srcpos pos = {name, l->lineno, l->offset, 0};
        if (l->kind == PB_CHUNK_TOOBIG) {
            snprintf(why, sizeof why,
                     "line is %zu bytes, over the %zu-byte limit", l->len,
                     c->line_max);
            s->reject(s->ctx, &pos, why);
            continue;
        }
        if (l->kind == PB_CHUNK_BROKEN) {
            s->reject(s->ctx, &pos, c->msg);
            break;
        }
        const char *line = c->text + l->start;
        size_t k = 0;
        while (k < l->len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == l->len)
            continue; /* blank line */
        if (parse(line, l->len, &p, why, sizeof why) != PB_OK) {
            s->reject(s->ctx, &pos, why);
            pb_paper_clear(&p);
            continue;
        }
        rc = s->paper(s->ctx, &p, &pos);
        pb_paper_clear(&p);
    }
    pb_paper_clear(&p);
    return rc;
}
