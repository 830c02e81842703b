/* cmd_stats.c - paperboy stats [--db PATH] [--json] */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/date.h"
#include "store/store.h"

static const char *const source_names[] = {"arxiv", "hf-daily", "atom",
                                           "oai",   "jsonl",    "local"};

int pb_cli_stats(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy stats [--db PATH] [--json]\n\nCounts "
                   "papers, authors, days listed, the date range and the "
                   "sources.\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            fprintf(stderr, "paperboy stats: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(db), 0, &st, &err)) {
        fprintf(stderr, "paperboy stats: %s\n", err.msg);
        return 1;
    }
    struct pb_store_stats s;
    int rc = pb_store_stats(st, &s);
    if (rc) {
        fprintf(stderr, "paperboy stats: %s\n", pb_store_errmsg(st));
        pb_store_close(st);
        return 1;
    }
    pb_store_close(st);
    char p0[11] = "", p1[11] = "";
    if (s.first_published)
        pb_day_format(s.first_published, p0);
    if (s.last_published)
        pb_day_format(s.last_published, p1);
    if (json) {
        printf("{\"papers\": %lld, \"authors\": %lld, \"days_listed\": %lld, "
               "\"listed_papers\": %lld, \"listings\": %lld, "
               "\"first_day\": \"%s\", "
               "\"last_day\": \"%s\", \"first_published\": \"%s\", "
               "\"last_published\": \"%s\", \"with_arxiv_id\": %lld, "
               "\"with_code\": %lld, \"deleted\": %lld, \"sources\": {",
               (long long)s.papers, (long long)s.authors,
               (long long)s.days_listed, (long long)s.listed,
               (long long)s.listings, s.first_day, s.last_day, p0, p1, (long long)s.with_arxiv_id,
               (long long)s.with_code, (long long)s.deleted);
        for (int i = 0; i < 6; i++)
            printf("%s\"%s\": %lld", i ? ", " : "", source_names[i],
                   (long long)s.by_source[i]);
        printf("}}\n");
        return 0;
    }
    printf("papers        %lld\n", (long long)s.papers);
    printf("authors       %lld\n", (long long)s.authors);
    printf("days listed   %lld (%lld papers, %lld listings)%s%s%s%s\n",
           (long long)s.days_listed, (long long)s.listed,
           (long long)s.listings,
           s.first_day[0] ? ", " : "", s.first_day,
           s.first_day[0] ? " to " : "", s.last_day);
    if (p0[0])
        printf("published     %s to %s\n", p0, p1);
    printf("arXiv ids     %lld\n", (long long)s.with_arxiv_id);
    printf("with code     %lld\n", (long long)s.with_code);
    if (s.deleted)
        printf("deleted       %lld\n", (long long)s.deleted);
    printf("sources      ");
    for (int i = 0; i < 6; i++)
        if (s.by_source[i])
            printf(" %s %lld", source_names[i], (long long)s.by_source[i]);
    printf("\n");
    return 0;
}
