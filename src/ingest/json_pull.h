/*
 * json_pull.h - a small pull tokenizer for JSON text in memory.
 *
 * Why not jansson here: the arXiv snapshot is 0.9 GB of JSON lines, and
 * jansson builds a tree at about 84 MB/s on this machine, as slow as the xz
 * decompression in front of it; this tokenizer allocates nothing per token
 * and runs several times faster (docs/BENCHMARKS.md). Strict RFC 8259:
 * strings must be valid UTF-8 with valid escapes; depth is capped.
 *
 * A struct pb_jp borrows the input until pb_jp_clear(). Strings are handed
 * out as slices borrowed until the next call: into the input when they hold
 * no escape, else into the tokenizer's scratch buffer.
 */
#ifndef PB_INGEST_JSON_PULL_H
#define PB_INGEST_JSON_PULL_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

enum pb_jt {
    PB_JT_ERROR = 0,
    PB_JT_END, /* end of input after one complete value */
    PB_JT_OBJ, PB_JT_OBJ_END, PB_JT_ARR, PB_JT_ARR_END,
    PB_JT_KEY, /* an object key (string) */
    PB_JT_STR, PB_JT_NUM, PB_JT_TRUE, PB_JT_FALSE, PB_JT_NULL,
};

#define PB_JP_MAX_DEPTH 64

struct pb_jp {
    const char *p, *end, *start;
    struct pb_buf scratch;
    const char *s;  /* last string/number slice */
    size_t len;
    int depth;
    unsigned char stack[PB_JP_MAX_DEPTH]; /* 'o' or 'a' */
    int need_value; /* after a key or a comma in an array */
    int first;      /* no member/element yet at this depth */
    int done;       /* top-level value complete */
    const char *err;/* static reason after PB_JT_ERROR */
};

void pb_jp_init(struct pb_jp *jp, const char *p, size_t len);
void pb_jp_clear(struct pb_jp *jp);
/* Next token; string and key contents in jp->s / jp->len. */
enum pb_jt pb_jp_next(struct pb_jp *jp);
/* Skip the value whose first token t was just returned (no-op for scalars).
 * Returns t's closing token or PB_JT_ERROR. */
enum pb_jt pb_jp_skip(struct pb_jp *jp, enum pb_jt t);
/* Byte offset of the tokenizer in the input. */
size_t pb_jp_offset(const struct pb_jp *jp);

#endif
