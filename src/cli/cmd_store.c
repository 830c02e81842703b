/* cmd_store.c - paperboy store copy --from SRC --to DST: a store copied
 * into another, SQLite <-> PostgreSQL (store_copy.h, docs/STORE.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/store.h"
#include "store/store_copy.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: paperboy store copy --from SRC --to DST [--batch N]\n\n"
            "Copy every table of the store SRC into DST, either one a SQLite "
            "file or a\nPostgreSQL URL (postgres://user@host/db, or a libpq "
            "keyword string): the same\npids, seqs, ids and rows. DST is "
            "created or migrated to this paperboy's schema.\nRows go in "
            "batches of N (2000), one transaction each; run it again after "
            "a\nstop and it continues. At the end the row counts of every "
            "table are compared\n(exit 1 when they differ). Stop writers to "
            "SRC first.\n");
}

static int quiet;

static void progress(void *ctx, const char *table, int64_t rows, int done)
{
    (void)ctx;
    /* tests: slow the copy down (ms after each batch) so that a kill lands
     * in the middle of it however fast the machine is */
    const char *d = getenv("PB_TEST_COPY_DELAY_MS");
    if (!done && d && atoi(d) > 0)
        usleep((useconds_t)atoi(d) * 1000);
    if (done && !quiet)
        fprintf(stderr, "  %-18s %lld rows copied\n", table,
                (long long)rows);
}

static void counted(void *ctx, const char *table, int64_t a, int64_t b)
{
    int *bad = ctx;
    if (a != b) {
        *bad = 1;
        printf("%-18s %lld -> %lld  DIFFERENT\n", table, (long long)a,
               (long long)b);
    } else {
        printf("%-18s %lld\n", table, (long long)a);
    }
}

int pb_cli_store(int argc, char **argv)
{
    if (argc < 2 || pb_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "copy")) {
        fprintf(stderr, "paperboy store: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    const char *from = NULL, *to = NULL;
    long batch = 2000;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (pb_cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--from") && v) {
            from = v, i++;
        } else if (!strcmp(a, "--to") && v) {
            to = v, i++;
        } else if (!strcmp(a, "--batch") && v) {
            char *end;
            batch = strtol(v, &end, 10);
            if (*end || batch < 1 || batch > 1000000) {
                fprintf(stderr, "paperboy store copy: --batch wants 1 to "
                                "1000000, not '%s'\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else {
            fprintf(stderr, "paperboy store copy: unknown argument '%s'\n", a);
            return 2;
        }
    }
    if (!from || !to) {
        fprintf(stderr, "paperboy store copy: --from and --to are needed\n");
        return 2;
    }
    if (!strcmp(from, to)) {
        fprintf(stderr, "paperboy store copy: --from and --to are the same\n");
        return 2;
    }
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *src = NULL, *dst = NULL;
    if (pb_store_open(from, PB_STORE_READONLY, &src, &err)) {
        fprintf(stderr, "paperboy store copy: %s\n", err.msg);
        return 1;
    }
    if (pb_store_open(to, 0, &dst, &err)) {
        fprintf(stderr, "paperboy store copy: %s\n", err.msg);
        pb_store_close(src);
        return 1;
    }
    int rc = pb_store_copy(src, dst, (size_t)batch, progress, NULL, &err);
    int bad = 0;
    if (!rc) {
        rc = pb_store_copy_check(src, dst, counted, &bad, &err);
        if (bad)
            rc = PB_EINVAL;
    }
    if (rc)
        fprintf(stderr, "paperboy store copy: %s\n", err.msg);
    pb_store_close(dst);
    pb_store_close(src);
    return rc ? 1 : 0;
}
