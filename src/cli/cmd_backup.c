/* cmd_backup.c - paperboy backup [--db PATH] [--pages N] DEST: a
 * consistent copy of the store, taken while the server writes
 * (store_ops.h, docs/DEPLOY.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "store/store_ops.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: paperboy backup [--db PATH] [--config FILE] [--pages N] "
            "DEST\n\n"
            "Copies the store into DEST with SQLite's online backup API while "
            "the server keeps\nreading and writing: one consistent snapshot, "
            "N pages a step (256). DEST is\nreplaced atomically; a directory "
            "gets paperboy-YYYYMMDDTHHMMSSZ.db inside.\nThe search index "
            "(DB.idx) and vectors are not copied: after a restore,\n"
            "`paperboy reindex` rebuilds the index (docs/DEPLOY.md).\n");
}

int pb_cli_backup(int argc, char **argv)
{
    const char *db = NULL, *dest = NULL;
    int pages = 256;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (pb_cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--db") && v) {
            db = v, i++;
        } else if (!strcmp(a, "--pages") && v) {
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 1000000) {
                fprintf(stderr, "paperboy backup: --pages %s: give "
                                "1..1000000\n", v);
                return 2;
            }
            pages = (int)n, i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "paperboy backup: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!dest) {
            dest = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!dest) {
        usage(stderr);
        return 2;
    }
    const char *src = pb_cli_db_path(db);
    struct stat sb;
    if (stat(src, &sb)) {
        fprintf(stderr, "paperboy backup: %s: no such store\n", src);
        return 1;
    }
    char path[4096];
    if (!stat(dest, &sb) && S_ISDIR(sb.st_mode)) {
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
        if (snprintf(path, sizeof path, "%s/paperboy-%s.db", dest, when) >=
            (int)sizeof path) {
            fprintf(stderr, "paperboy backup: %s: path too long\n", dest);
            return 2;
        }
        dest = path;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct pb_err err;
    pb_err_clear(&err);
    int n = 0;
    if (pb_store_backup(src, dest, pages, NULL, NULL, &n, &err)) {
        fprintf(stderr, "paperboy backup: %s\n", err.msg);
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    long long bytes = stat(dest, &sb) ? 0 : (long long)sb.st_size;
    printf("backup: %s -> %s: %d pages, %lld bytes in %.2f s\n", src, dest, n,
           bytes, s);
    return 0;
}
