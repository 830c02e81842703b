/*
 * fuzz_oai.c - libFuzzer target for the OAI-PMH importer.
 *
 * Feeds the bytes through a memory reader (so compressed inputs reach the
 * decompressors too) and checks what the importer promises of each paper.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ingest/oai.h"
#include "ingest/reader.h"

static int on_paper(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    (void)ctx;
    char why[256];
    if (!p->id[0] || !pos || !pos->entry)
        __builtin_trap();
    if (!(p->sources & PB_SRC_OAI))
        __builtin_trap();
    /* a deletion carries the id and nothing else */
    if (!p->title && (p->abstract || p->authors.n || p->categories))
        __builtin_trap();
    if (p->title)
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
    struct pb_oai_info info;
    int rc = pb_ingest_oai_ex(r, "fuzz", &s, &info, &err);
    if (rc != PB_OK && (err.rc != rc || !err.msg[0]))
        __builtin_trap();
    if (memchr(info.resumption_token, '\0', sizeof info.resumption_token) ==
        NULL)
        __builtin_trap();
    pb_reader_free(r);
    return 0;
}
