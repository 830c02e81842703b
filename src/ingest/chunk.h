/*
 * chunk.h - a line-based dump (arXiv snapshot, paperboy JSON lines) cut
 * into chunks of whole lines, so that several threads can parse one file
 * while another decompresses it.
 *
 * A chunk is cut by pb_reader_line(), so lines, line numbers, byte offsets,
 * CRLF endings, a last line without '\n', over-long lines and a stream that
 * breaks off (corrupt xz or gzip) mean exactly what they mean to
 * pb_ingest_each_line(), which reads the same reader line by line:
 * pb_ingest_chunk() over the chunks of a file hands the sink the same papers
 * and rejections, at the same positions, in the same order.
 */
#ifndef PB_INGEST_CHUNK_H
#define PB_INGEST_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest.h"

enum pb_chunk_kind {
    PB_CHUNK_LINE,   /* a line: text[start..start+len) */
    PB_CHUNK_TOOBIG, /* a line over the reader's cap: skipped, len is its size */
    PB_CHUNK_BROKEN, /* the stream broke off here: chunk->msg says why */
};

struct pb_chunk_line {
    uint64_t lineno; /* 1-based; for BROKEN the line that could not be read */
    uint64_t offset; /* decompressed byte offset of the line's start */
    size_t start, len;
    enum pb_chunk_kind kind;
};

struct pb_chunk {
    char *text; /* the lines' bytes back to back (no '\n'); owned */
    size_t len, cap;
    struct pb_chunk_line *v; /* owned */
    size_t n, vcap;
    size_t line_max; /* the reader's cap, for the TOOBIG message */
    int rc;          /* PB_OK, or the stream's error (last entry BROKEN) */
    char msg[256];   /* the stream's error message when rc */
};

void pb_chunk_init(struct pb_chunk *c);
void pb_chunk_clear(struct pb_chunk *c); /* frees; c is as new */

/*
 * Empty c and fill it with the next lines of r: at most max_lines lines,
 * and no more once max_bytes of text are held (a line is never cut, so a
 * chunk holds at least one line whatever its size, up to the reader's
 * line cap). Returns PB_OK with c->n > 0; PB_EEOF when r had no line left
 * (c->n == 0); when the stream breaks off, the lines before the damage and
 * a last BROKEN entry, c->rc and c->msg set, and PB_OK (the next call
 * returns c->rc again with nothing in c).
 */
int pb_chunk_fill(struct pb_chunk *c, struct pb_reader *r, size_t max_lines,
                  size_t max_bytes) PB_WUR;

/* Turn one line into p, or write a reason to why and fail. */
typedef int (*pb_line_parser)(const char *line, size_t len,
                              struct pb_paper *p, char *why, size_t why_cap);

/* The line parser of a line-based format (arXiv snapshot, paperboy JSON
 * lines); NULL for the others. */
pb_line_parser pb_ingest_line_parser(enum pb_format f);

/*
 * Parse every entry of c as pb_ingest_each_line() would: blank lines are
 * skipped, over-long ones and a broken stream rejected, the others parsed
 * and handed to the sink. name is the file name for positions (borrowed).
 * Returns PB_OK, or what the sink returned to stop; a BROKEN entry is
 * reported but not returned (c->rc says it).
 */
int pb_ingest_chunk(const struct pb_chunk *c, const char *name,
                    const struct pb_sink *s, pb_line_parser parse);

#endif
