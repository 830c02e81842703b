/* cmd_show.c - paperboy show ID [--db PATH] [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/date.h"
#include "core/paper_json.h"
#include "store/store.h"

static void print_paper(const struct pb_paper *p)
{
    char d[11];
    printf("%s%s%.0d\n", p->id, p->version ? "v" : "", p->version);
    printf("%s\n", p->title);
    for (size_t i = 0; i < p->authors.n; i++)
        printf("%s%s", i ? ", " : "", p->authors.v[i]);
    if (p->authors.n)
        printf("\n");
    if (p->categories)
        printf("categories: %s\n", p->categories);
    if (p->published) {
        pb_day_format(p->published, d);
        printf("published:  %s\n", d);
    }
    if (p->updated) {
        pb_day_format(p->updated, d);
        printf("updated:    %s\n", d);
    }
    if (p->listed_day[0])
        printf("listed:     %s%s%s\n", p->listed_day,
               p->submitter ? " by " : "", p->submitter ? p->submitter : "");
    if (p->upvotes >= 0)
        printf("upvotes:    %lld\n", (long long)p->upvotes);
    if (p->n_comments >= 0)
        printf("comments:   %lld\n", (long long)p->n_comments);
    if (p->github_repo)
        printf("code:       %s", p->github_repo);
    if (p->github_repo && p->github_stars >= 0)
        printf(" (%lld stars)", (long long)p->github_stars);
    if (p->github_repo)
        printf("\n");
    if (p->project_page)
        printf("project:    %s\n", p->project_page);
    if (p->doi)
        printf("doi:        %s\n", p->doi);
    if (p->journal_ref)
        printf("journal:    %s\n", p->journal_ref);
    if (p->comments)
        printf("note:       %s\n", p->comments);
    for (size_t i = 0; i < p->links.n; i++)
        printf("link:       %s\n", p->links.v[i]);
    if (p->keywords.n) {
        printf("keywords:   ");
        for (size_t i = 0; i < p->keywords.n; i++)
            printf("%s%s", i ? ", " : "", p->keywords.v[i]);
        printf("\n");
    }
    if (p->summary)
        printf("summary:    %s\n", p->summary);
    if (p->abstract && p->abstract[0])
        printf("\n%s\n", p->abstract);
}

int pb_cli_show(int argc, char **argv)
{
    const char *db = NULL, *id = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy show ID [--db PATH] [--json]\n\nShow one "
                   "paper. ID is an arXiv id in any spelling (2504.08385, "
                   "2504.08385v2,\narXiv:2504.08385, an arxiv.org URL, "
                   "hep-th/9901001) or a title id (t-...).\n");
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!id && argv[i][0] != '-') {
            id = argv[i];
        } else {
            fprintf(stderr, "paperboy show: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!id) {
        fprintf(stderr, "usage: paperboy show ID [--db PATH] [--json]\n");
        return 2;
    }
    struct pb_err err;
    pb_err_clear(&err);
    struct pb_store *st = NULL;
    if (pb_store_open(pb_cli_db_path(db), 0, &st, &err)) {
        fprintf(stderr, "paperboy show: %s\n", err.msg);
        return 1;
    }
    struct pb_paper p;
    pb_paper_init(&p);
    int rc = pb_store_paper_get(st, id, &p, NULL), status = 0;
    if (rc == PB_ENOTFOUND) {
        fprintf(stderr, "paperboy show: no paper '%s'\n", id);
        status = 1;
    } else if (rc) {
        fprintf(stderr, "paperboy show: %s\n", pb_store_errmsg(st));
        status = 1;
    } else if (json) {
        json_t *o = pb_paper_to_json(&p);
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("\n");
        json_decref(o);
    } else {
        print_paper(&p);
    }
    pb_paper_clear(&p);
    pb_store_close(st);
    return status;
}
