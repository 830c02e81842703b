/*
 * store_files.h - where a server keeps the files of its own (the search
 * index, vectors, the neighbour graph, images) for a store.
 *
 * A SQLite store at PATH keeps them beside it: PATH.idx, PATH.vec, ...,
 * PATH.media/. A store named by a URL or a libpq keyword string
 * (PostgreSQL, shared by several servers) has no path: each server keeps
 * them in its local directory (pb_local_dir_set(), else
 * $PAPERBOY_LOCAL_DIR, else the working directory) under the database's
 * name: DIR/paperboy-DBNAME.idx, ... (DBNAME the last dbname= of a keyword
 * string, the one libpq connects to; cut to letters, digits, '-' and '_';
 * "paperboy" when the URL names none).
 */
#ifndef PB_STORE_STORE_FILES_H
#define PB_STORE_STORE_FILES_H

#include <stddef.h>

#include "core/error.h"

/* The directory for URL stores' local files (borrowed; NULL: the default
 * above). Call before any thread starts. */
void pb_local_dir_set(const char *dir);

/* The base name of db's local files into out (cap bytes): "PATH" for a
 * path, "DIR/paperboy-DBNAME" for a URL. PB_ETOOBIG when it does not fit. */
int pb_local_base(const char *db, char *out, size_t cap) PB_WUR;

#endif
