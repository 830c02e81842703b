/*
 * reader.h - a byte stream over a file or memory, decompressing .xz and .gz
 * transparently (detected from the magic bytes, not the name).
 *
 * Reads are buffered; pb_reader_line() hands out lines as borrowed slices,
 * valid until the next call. Lines longer than the reader's line cap are
 * skipped whole (memory stays flat) and answered with PB_ETOOBIG once.
 * A reader is used by one thread at a time.
 */
#ifndef PB_INGEST_READER_H
#define PB_INGEST_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PB_READER_LINE_MAX (16u << 20) /* 16 MiB: arXiv lines are < 1 MiB */

enum pb_compression { PB_COMP_NONE, PB_COMP_XZ, PB_COMP_GZIP };

struct pb_reader;

/* Open path for reading. On failure *out is NULL and err says why. The
 * caller frees the reader with pb_reader_free(). */
int pb_reader_open(const char *path, struct pb_reader **out,
                   struct pb_err *err) PB_WUR;

/* A reader over p[0..len), borrowed until pb_reader_free(). */
int pb_reader_open_mem(const void *p, size_t len, struct pb_reader **out,
                       struct pb_err *err) PB_WUR;

void pb_reader_free(struct pb_reader *r);

/* on: keep the xz decoders' dictionaries after pb_reader_free() for the
 * next reader (two at most; an import of many files); off (the default):
 * unmap them, now and when freed. Any thread, any time. */
void pb_reader_keep_dicts(int on);

/* Set / get the line cap (default PB_READER_LINE_MAX). */
void pb_reader_set_line_max(struct pb_reader *r, size_t max);
size_t pb_reader_line_max(const struct pb_reader *r);

/* Read up to cap bytes into buf; *out_n == 0 with PB_OK means end of input.
 * PB_EIO / PB_EPARSE (corrupt or truncated compressed data) with err set. */
int pb_reader_read(struct pb_reader *r, void *buf, size_t cap, size_t *out_n,
                   struct pb_err *err) PB_WUR;

/* Look at up to cap bytes of decompressed data without consuming them;
 * *out_n < cap only at end of input. */
int pb_reader_peek(struct pb_reader *r, const char **out_p, size_t cap,
                   size_t *out_n, struct pb_err *err) PB_WUR;

/*
 * Next line without its '\n' (and '\r'). *out_p / *out_len borrowed until the
 * next call. PB_EEOF at end of input. PB_ETOOBIG when the line was longer than
 * the cap: it has been skipped, *out_len holds its length (or the cap
 * reached when end of input came first), and the next call continues after it.
 */
int pb_reader_line(struct pb_reader *r, const char **out_p, size_t *out_len,
                   struct pb_err *err) PB_WUR;

/* Number of the line last returned by pb_reader_line (1-based). */
uint64_t pb_reader_lineno(const struct pb_reader *r);
/* Decompressed bytes consumed so far (the offset of the next byte). */
uint64_t pb_reader_offset(const struct pb_reader *r);
/* Raw (compressed) bytes read from the file so far, and its size (0 when
 * unknown): for progress bars. */
uint64_t pb_reader_raw_offset(const struct pb_reader *r);
uint64_t pb_reader_raw_size(const struct pb_reader *r);
enum pb_compression pb_reader_compression(const struct pb_reader *r);

#endif
