/*
 * fmap.h - map a whole file read-only (the index, vector and graph files
 * beside the store are read in place, shared through the page cache).
 */
#ifndef PB_CORE_FMAP_H
#define PB_CORE_FMAP_H

#include <stddef.h>

#include "core/error.h"

/* Map path read-only into *map, its size into *len. PB_ENOTFOUND when the
 * file does not exist, PB_EIO when it cannot be read or mapped, PB_EPARSE
 * (message "PATH: not WHAT") when it is shorter than min_len bytes. The
 * caller owns the mapping and releases it with pb_fmap_free(). */
int pb_fmap(const char *path, size_t min_len, const char *what, void **map,
            size_t *len, struct pb_err *err) PB_WUR;
void pb_fmap_free(void *map, size_t len);

#endif
