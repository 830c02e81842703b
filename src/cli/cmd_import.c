/* cmd_import.c - paperboy import [--db PATH] [--format F] [--json] FILE|DIR... */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/import_run.h"
#include "store/store.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: paperboy import [--db PATH] [--format F] [--json] "
            "[--threads N] [--batch N] FILE|DIR...\n\n"
            "Import papers. The format is detected from the content (F: "
            "arxiv, hf-daily, atom, oai, jsonl);\n.xz and .gz files are "
            "read transparently. Bad records are reported with file and\n"
            "line and skipped. Exit status: 0 all imported, 3 some records "
            "rejected, 1 could not run,\n130 interrupted (what was "
            "committed stays; run it again to finish).\n\n"
            "--threads N  threads that read and parse (default 2; 1: one "
            "thread reads and\n             parses, the store comes out the "
            "same)\n"
            "--batch N    papers per transaction (default 4096)\n");
}

int pb_cli_import(int argc, char **argv)
{
    const char *db = NULL;
    struct pb_import_opts opts = {0};
    int json = 0, i;
    for (i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
            opts.format = pb_format_from_name(argv[++i]);
            if (opts.format == PB_FMT_UNKNOWN) {
                fprintf(stderr, "paperboy import: unknown format '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            opts.threads = (int)strtol(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
            long b = strtol(argv[++i], NULL, 10);
            if (b < 1 || b > 1000000) {
                fprintf(stderr, "paperboy import: --batch wants 1 to "
                                "1000000, not '%s'\n", argv[i]);
                return 2;
            }
            opts.batch = (size_t)b;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "paperboy import: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            break;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(db), 0, &st, &err)) {
        fprintf(stderr, "paperboy import: %s\n", err.msg);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    opts.stop = &stop_flag;
    opts.progress = !json && isatty(STDERR_FILENO);
    struct pb_import_summary sum;
    int rc = pb_import_paths(st, argv + i, argc - i, &opts, &sum, &err);
    pb_store_close(st);
    if (rc && rc != PB_EINTR) {
        fprintf(stderr, "paperboy import: %s\n", err.msg);
        return 1;
    }
    if (json)
        printf("{\"added\": %lld, \"updated\": %lld, \"unchanged\": %lld, "
               "\"rejected\": %lld, \"deleted\": %lld, \"files\": %lld, "
               "\"seconds\": %.3f, \"interrupted\": %s}\n",
               (long long)sum.added, (long long)sum.updated,
               (long long)sum.unchanged, (long long)sum.rejected,
               (long long)sum.deleted, (long long)sum.files, sum.seconds,
               sum.interrupted ? "true" : "false");
    else
    {
        printf("added %lld, updated %lld, unchanged %lld, rejected %lld",
               (long long)sum.added, (long long)sum.updated,
               (long long)sum.unchanged, (long long)sum.rejected);
        if (sum.deleted)
            printf(", deleted %lld", (long long)sum.deleted);
        printf("%s\n", sum.interrupted ? " (interrupted: run again to finish)"
                                        : "");
    }
    if (sum.interrupted)
        return 130;
    return sum.rejected ? 3 : 0;
}
