/* fuzz_query.c - the query parser and the search over a tiny index: any
 * bytes must parse (with notices) and search without a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search/index.h"
#include "search/search.h"

static struct pb_index *ix;
static struct pb_searcher *s;

static void setup(void)
{
    struct pb_analyzer *az = pb_analyzer_new();
    ix = pb_index_new(NULL);
    static const char *docs[][3] = {
        {"Graph neural networks", "Message passing on graphs, $O(n)$ time.",
         "cs.LG"},
        {"Vision-language models", "Contrastive \\emph{pretraining}.", "cs.CV"},
        {"GPT-4 technical report", "A large language model. arXiv:2303.08774",
         "cs.CL cs.AI"},
        {"Deleted graph models", "Large graphs, removed again.", "cs.LG"},
    };
    for (size_t i = 0; i < 4; i++) {
        const char *authors[] = {"Ada Lovelace", "Alan Turing"};
        struct pb_index_doc d = {.pid = (int64_t)i + 1, .id = "x",
                                 .title = docs[i][0], .abstract = docs[i][1],
                                 .authors = authors, .n_authors = 2,
                                 .categories = docs[i][2],
                                 .date = 1546300800 + (int64_t)i * 86400 * 400,
                                 .upvotes = (int64_t)i};
        if (pb_index_add(ix, az, &d) != PB_OK)
            abort();
    }
    /* a deleted document: df corrections and accept() see it */
    if (pb_index_delete(ix, 4) != PB_OK)
        abort();
    pb_analyzer_free(az);
    s = pb_searcher_new(ix);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ix)
        setup();
    struct pb_results r;
    struct pb_search_opts o = {5, 0, PB_SEARCH_COUNT | PB_SEARCH_EXPLAIN};
    if (size && (data[0] & 1))
        o.flags |= PB_SEARCH_EXHAUSTIVE;
    if (pb_search(s, (const char *)data, size, &o, &r) != PB_OK)
        abort();
    if (r.n_hits > 5 || r.total < r.n_hits)
        abort();
    for (size_t i = 0; i < r.n_hits; i++) {
        struct pb_snippet sn;
        pb_search_snippet(s, "Message passing on graphs, with large models.",
                          46, 40, &sn);
        for (size_t m = 0; m < sn.n_marks; m++)
            if (sn.marks[m].start + sn.marks[m].len > strlen(sn.text))
                abort();
        pb_snippet_clear(&sn);
    }
    pb_results_clear(&r);
    return 0;
}
