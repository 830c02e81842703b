/* cmd_export.c - paperboy export [--db PATH] [--since DATE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/date.h"
#include "core/paper_json.h"
#include "store/store.h"

static int write_line(void *ctx, int64_t pid, int64_t seq, int deleted,
                      const struct pb_paper *p)
{
    (void)pid;
    (void)seq;
    (void)deleted;
    json_t *o = pb_paper_to_json(p);
    int rc = json_dumpf(o, ctx, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (rc || fputc('\n', ctx) == EOF)
        return PB_EIO;
    return PB_OK;
}

int pb_cli_export(int argc, char **argv)
{
    const char *db = NULL;
    int64_t since = 0;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy export [--db PATH] [--since YYYY-MM-DD]\n\n"
                   "Write every paper (or those published, updated or listed "
                   "on or after DATE)\nas paperboy JSON lines on standard "
                   "output; `paperboy import` reads them back.\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--since") && i + 1 < argc) {
            i++;
            if (pb_date_parse(argv[i], strlen(argv[i]), &since) != PB_OK) {
                fprintf(stderr, "paperboy export: --since wants a date like "
                                "2024-05-27, not '%s'\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "paperboy export: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(db), PB_STORE_READONLY, &st, &err)) {
        fprintf(stderr, "paperboy export: %s\n", err.msg);
        return 1;
    }
    int rc = pb_store_paper_each(st, since, write_line, stdout);
    if (fflush(stdout) != 0)
        rc = PB_EIO;
    if (rc)
        fprintf(stderr, "paperboy export: %s\n",
                rc == PB_EIO ? "write error" : pb_store_errmsg(st));
    pb_store_close(st);
    return rc ? 1 : 0;
}
