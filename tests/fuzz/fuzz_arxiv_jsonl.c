/* fuzz_arxiv_jsonl.c - libFuzzer target: pb_ingest_arxiv_jsonl() over arbitrary bytes. */
#include "fuzz/fuzz_sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_run_importer(pb_ingest_arxiv_jsonl, data, size);
}
