/* fuzz_index_file.c - the search index file (DB.idx) as a whole file: any
 * bytes must be refused at open or load and then search, take additions
 * and deletions, and write back out without reading outside the file
 * (issue 15: a damaged index crashed `search` and the server). The corpus
 * holds indexes of a tiny store. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "search/index.h"
#include "search/search.h"

static char path[64], out_path[80];

static void put_file(const char *p, const uint8_t *data, size_t size)
{
    FILE *f = fopen(p, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size))
        abort();
    fclose(f);
}

static const char *queries[] = {
    "language",        "title:language model", "\"large language\"",
    "graph -neural",   "cat:cs.CL",            "author:turing",
    "year:2019",       "+model cat:cs.LG",     "id:2303.08774",
    "a b c d e f g h", "neur*",                "after:2018-01-01 data",
};

static void search_all(struct pb_index *ix)
{
    struct pb_searcher *s = pb_searcher_new(ix);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        struct pb_results r;
        struct pb_search_opts o = {5, 0, PB_SEARCH_COUNT};
        if (i % 3 == 1)
            o.flags |= PB_SEARCH_EXHAUSTIVE | PB_SEARCH_EXPLAIN;
        if (pb_search(s, queries[i], strlen(queries[i]), &o, &r) == PB_OK) {
            struct pb_snippet sn;
            pb_search_snippet(s, "A large language model of graphs.", 33, 80,
                              &sn);
            pb_snippet_clear(&sn);
        }
        pb_results_clear(&r);
    }
    pb_searcher_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        /* tmpfs when there is one: pb_index_write() fsyncs */
        snprintf(path, sizeof path, "%s/pb-fuzz-index-%d.idx",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
                 (int)getpid());
        snprintf(out_path, sizeof out_path, "%s.out", path);
    }
    put_file(path, data, size);
    struct pb_index *ix = NULL;
    struct pb_err err;
    if (pb_index_open(path, &ix, &err) == PB_OK) {
        search_all(ix);
        int damaged = pb_index_check_all(ix, NULL) != PB_OK;
        /* the delta segment on top of the file, then a merge */
        struct pb_analyzer *az = pb_analyzer_new();
        const char *authors[] = {"Alan Turing"};
        struct pb_index_doc d = {.pid = 2, .id = "2303.08774",
                                 .title = "Large language model graphs",
                                 .abstract = "Language models, neural data.",
                                 .authors = authors, .n_authors = 1,
                                 .categories = "cs.CL cs.LG",
                                 .date = 1546300800, .upvotes = 3};
        if (pb_index_add(ix, az, &d) != PB_OK)
            abort();
        int rc = pb_index_delete(ix, 1);
        if (rc != PB_OK && rc != PB_ENOTFOUND)
            abort();
        search_all(ix);
        if (pb_index_write(ix, out_path, &err) == PB_OK) {
            struct pb_index *back = NULL;
            /* what we write from a loaded file must load again */
            if (pb_index_open(out_path, &back, &err) != PB_OK)
                abort();
            if (pb_index_check_all(back, NULL) != PB_OK)
                abort();
            (void)damaged;
            search_all(back);
            pb_index_free(back);
        }
        pb_analyzer_free(az);
        pb_index_free(ix);
    }
    unlink(path);
    unlink(out_path);
    return 0;
}
