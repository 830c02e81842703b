/*
 * fmap.h - a whole file read-only in memory (the index, vector and graph
 * files beside the store).
 *
 * Two ways, chosen once per process with pb_fmap_private():
 *  - shared (the default, for the CLI): the file is mapped; pages come from
 *    the page cache as they are touched, so a command that reads a little
 *    of a big file pays for a little. A file truncated in place underneath
 *    turns the next read of a vanished page into SIGBUS.
 *  - private (the server): the bytes are read into anonymous memory, so
 *    nothing done to the file afterwards (truncated, rewritten in place)
 *    can reach the process. The cost is the file's size in anonymous
 *    memory, read at open (docs/BENCHMARKS.md, "Index in private memory").
 */
#ifndef PB_CORE_FMAP_H
#define PB_CORE_FMAP_H

#include <stddef.h>

#include "core/error.h"

/* Load path into *map (read-only, page-aligned), its size into *len.
 * PB_ENOTFOUND when the file does not exist, PB_EIO when it cannot be
 * read, PB_EPARSE (message "PATH: not WHAT") when it is shorter than
 * min_len bytes or changes size while being read. The caller owns the
 * memory and releases it with pb_fmap_free(). */
int pb_fmap(const char *path, size_t min_len, const char *what, void **map,
            size_t *len, struct pb_err *err) PB_WUR;
void pb_fmap_free(void *map, size_t len);
/* 1: later pb_fmap() calls read files into private memory; 0: map them.
 * Call before any thread opens files (not synchronised). */
void pb_fmap_private(int on);

#endif
