/* main.c - paperboy: dispatch to the subcommands in src/cli/cmd_*.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"import", pb_cli_import, "import papers from dumps (arXiv, Daily Papers, Atom, OAI-PMH, JSON lines)"},
    {"stats", pb_cli_stats, "counts: papers, authors, days listed, dates, sources"},
    {"show", pb_cli_show, "show one paper by id"},
    {"export", pb_cli_export, "export papers as paperboy JSON lines"},
    {"search", pb_cli_search, "search papers (words, \"phrases\", +must -not, title: cat: year: sort:)"},
    {"reindex", pb_cli_reindex, "rebuild the search index (DB.idx) from the store"},
    {"eval", pb_cli_eval, "search relevance on a BEIR dataset: nDCG@10, recall@100, MRR@10"},
    {"harvest", pb_cli_harvest, "pull new papers live: arXiv (OAI-PMH, API) and Daily Papers, politely"},
    {"user", pb_cli_user, "members of the site: add, list, role, disable"},
    {"digest", pb_cli_digest, "e-mail digests of trending papers to confirmed subscribers (send, subscribers)"},
    {"backup", pb_cli_backup, "a consistent copy of the store, taken while the server runs (SQLite online backup)"},
    {"store", pb_cli_store, "store copy --from SRC --to DST: SQLite <-> PostgreSQL, lossless and resumable"},
    {"serve", pb_cli_serve, "serve the daily papers site, JSON API and RSS/Atom feeds over HTTP"},
    {"embed", pb_cli_embed, "paper vectors and their nearest-neighbour graph (DB.vec, DB.hnsw)"},
    {"vsearch", pb_cli_vsearch, "search by meaning: --mode keyword|semantic|hybrid"},
    {"train-vectors", pb_cli_train_vectors, "train word vectors (skip-gram) on the store's papers"},
    {"vbench", pb_cli_vbench, "nearest-neighbour graph: recall@10 against exact search, queries/s"},
    {"recommend", pb_cli_recommend, "papers for one reader: a linear model over paper vectors (liblinear)"},
    {"similar", pb_cli_similar, "papers similar to one paper, by meaning"},
    {NULL, NULL, NULL},
};

const char *pb_cli_db_path(const char *flag_value)
{
    if (flag_value && flag_value[0])
        return flag_value;
    const char *env = getenv("PAPERBOY_DB");
    if (env && env[0])
        return env;
    return "paperboy.db";
}

int pb_cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: paperboy COMMAND [options]\n\n"
               "paperboy delivers the day's research papers: a daily feed, "
               "search and digests.\n\ncommands:\n");
    for (const struct command *c = commands; c->name; c++)
        fprintf(f, "  %-14s %s\n", c->name, c->summary);
    fprintf(f, "\nEvery command takes --help. The database is --db PATH, "
               "else $PAPERBOY_DB, else ./paperboy.db.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (pb_cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("paperboy %s\n", PB_VERSION);
        return 0;
    }
    for (const struct command *c = commands; c->name; c++) {
        if (strcmp(argv[1], c->name) != 0)
            continue;
        int n = argc - 1, rc;
        char **v = argv + 1, **to_free = NULL;
        if ((rc = pb_cli_config_apply(c->name, &n, &v, &to_free)))
            return rc;
        rc = c->fn(n, v);
        free(to_free);
        return rc;
    }
    fprintf(stderr, "paperboy: unknown command '%s' (try paperboy --help)\n",
            argv[1]);
    return 2;
}
