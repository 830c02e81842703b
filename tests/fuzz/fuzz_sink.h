/*
 * fuzz_sink.h - the body every importer's fuzz target shares: run one
 * importer over the bytes (plain, or gzip/xz by their magic) with a sink
 * that validates and frees each paper, as the import pipeline would.
 */
#ifndef PB_TESTS_FUZZ_SINK_H
#define PB_TESTS_FUZZ_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest.h"

static int fuzz_take(void *ctx, struct pb_paper *p,
                     const struct pb_srcpos *pos)
{
    (void)ctx;
    (void)pos;
    char why[256];
    (void)!pb_paper_validate(p, why, sizeof why);
    pb_paper_clear(p);
    return PB_OK;
}

static void fuzz_drop(void *ctx, const struct pb_srcpos *pos,
                      const char *reason)
{
    (void)ctx;
    (void)pos;
    (void)reason;
}

typedef int (*fuzz_importer)(struct pb_reader *, const char *,
                             const struct pb_sink *, struct pb_err *);

static inline int fuzz_run_importer(fuzz_importer fn, const uint8_t *data,
                                    size_t size)
{
    struct pb_reader *r = NULL;
    struct pb_err err;
    if (pb_reader_open_mem(data, size, &r, &err) != PB_OK)
        return 0;
    pb_reader_set_line_max(r, 1 << 16);
    struct pb_sink s = {fuzz_take, fuzz_drop, NULL};
    (void)!fn(r, "fuzz/2025-01-01.json", &s, &err);
    pb_reader_free(r);
    return 0;
}

#endif
