/*
 * fuzz_atom.c - libFuzzer target for the arXiv API Atom importer.
 *
 * Feeds the bytes through a memory reader (so compressed inputs reach the
 * decompressors too) and checks what the importer promises of each paper.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/reader.h"

static int on_paper(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    (void)ctx;
    char why[256];
    if (!p->id[0] || !pos || !pos->entry)
        __builtin_trap();
    /* a live entry always has a title: no paper may look like a deletion */
    if (!p->title || !(p->sources & PB_SRC_ATOM))
        __builtin_trap();
    (void)!pb_paper_validate(p, why, sizeof why);
    pb_paper_clear(p);
    return PB_OK;
}

static void on_reject(void *ctx, const struct pb_srcpos *pos,
                      const char *reason)
{
    (void)ctx;
    if (!pos || !reason || !reason[0] || strlen(reason) > 255)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_reader *r = NULL;
    struct pb_sink s = {on_paper, on_reject, NULL};
    struct pb_err err;
    if (pb_reader_open_mem(data, size, &r, NULL) != PB_OK)
        return 0;
    int rc = pb_ingest_atom(r, "fuzz", &s, &err);
    if (rc != PB_OK && (err.rc != rc || !err.msg[0]))
        __builtin_trap();
    pb_reader_free(r);
    return 0;
}
