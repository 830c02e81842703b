/* cmd_reindex.c - paperboy reindex [--db PATH]: rebuild PATH.idx. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "search/index_store.h"
#include "store/store.h"

int pb_cli_reindex(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy reindex [--db PATH]\n\nRebuilds the search "
                   "index PATH.idx from every paper in the store.\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else {
            fprintf(stderr, "reindex: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    db = pb_cli_db_path(db);
    struct pb_err err = {0};
    struct pb_store *st;
    /* no mmap: reading every paper once would map the whole store */
    if (pb_store_open(db, PB_STORE_READONLY | PB_STORE_NOMMAP, &st, &err) !=
        PB_OK) {
        fprintf(stderr, "reindex: %s\n", err.msg);
        return 1;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    size_t n = 0;
    int rc = pb_index_rebuild(db, st, NULL, &n, &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    pb_store_close(st);
    if (rc) {
        fprintf(stderr, "reindex: %s\n", err.msg);
        return 1;
    }
    char ipath[4200];
    if (pb_index_path(db, ipath, sizeof ipath))
        snprintf(ipath, sizeof ipath, "%s.idx", db);
    printf("indexed %zu papers into %s in %.1f s\n", n, ipath,
           (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
