/* fuzz_line_chunks.c - libFuzzer target: an arXiv snapshot file cut into
 * chunks (ingest/chunk.h) and parsed chunk by chunk must give the sink
 * exactly what the line-by-line importer gives: the same papers and
 * rejections at the same lines and offsets, in the same order. The first
 * byte picks the chunk limits; the rest is the file (plain, gzip or xz). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "ingest/chunk.h"
#include "ingest/ingest.h"

static void note(struct pb_buf *b, const char *kind, const struct pb_srcpos *pos,
                 const char *what)
{
    char line[400];
    int n = snprintf(line, sizeof line, "%s %llu %llu %.300s\n", kind,
                     (unsigned long long)pos->line,
                     (unsigned long long)pos->offset, what);
    (void)!pb_buf_append(b, line, (size_t)n);
}

static int take(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    note(ctx, "paper", pos, p->id);
    pb_paper_clear(p);
    return PB_OK;
}

static void drop(void *ctx, const struct pb_srcpos *pos, const char *reason)
{
    note(ctx, "reject", pos, reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max_lines = 1 + (data[0] & 7), max_bytes = 1 + (size_t)(data[0] >> 3) * 64;
    data++;
    size--;
    struct pb_buf a, b;
    pb_buf_init(&a, 64u << 20);
    pb_buf_init(&b, 64u << 20);
    struct pb_reader *r = NULL;
    struct pb_err err;
    int rc_a = -1, rc_b = -1;
    if (pb_reader_open_mem(data, size, &r, &err) == PB_OK) {
        pb_reader_set_line_max(r, 1 << 12);
        struct pb_sink s = {take, drop, &a};
        rc_a = pb_ingest_arxiv_jsonl(r, "f", &s, &err);
        pb_reader_free(r);
    }
    if (pb_reader_open_mem(data, size, &r, &err) == PB_OK) {
        pb_reader_set_line_max(r, 1 << 12);
        struct pb_sink s = {take, drop, &b};
        struct pb_chunk c;
        pb_chunk_init(&c);
        int rc;
        while ((rc = pb_chunk_fill(&c, r, max_lines, max_bytes)) == PB_OK) {
            if (c.n < 1 || c.n > max_lines)
                abort();
            (void)pb_ingest_chunk(&c, "f", &s, pb_ingest_line_parser(PB_FMT_ARXIV_JSONL));
            if (c.rc)
                break;
        }
        rc_b = c.rc ? c.rc : PB_OK;
        pb_chunk_clear(&c);
        pb_reader_free(r);
    }
    if (rc_a != rc_b || a.len != b.len || (a.len && memcmp(a.p, b.p, a.len)))
        abort();
    pb_buf_clear(&a);
    pb_buf_clear(&b);
    return 0;
}
