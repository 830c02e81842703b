/* fuzz_arxiv_jsonl.c - libFuzzer target: pb_ingest_arxiv_jsonl() over arbitrary bytes (plain, or
 * gzip/xz when the bytes start with their magic). Every paper it hands out
 * must pass through validation without crashing. */
#include <stdint.h>
#include <stddef.h>

#include "ingest/ingest.h"

static int take(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    (void)ctx;
    (void)pos;
    char why[256];
    (void)!pb_paper_validate(p, why, sizeof why);
    pb_paper_clear(p);
    return PB_OK;
}

static void drop(void *ctx, const struct pb_srcpos *pos, const char *reason)
{
    (void)ctx;
    (void)pos;
    (void)reason;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_reader *r = NULL;
    struct pb_err err;
    if (pb_reader_open_mem(data, size, &r, &err) != PB_OK)
        return 0;
    pb_reader_set_line_max(r, 1 << 16);
    struct pb_sink s = {take, drop, NULL};
    (void)!pb_ingest_arxiv_jsonl(r, "fuzz/2025-01-01.json", &s, &err);
    pb_reader_free(r);
    return 0;
}
