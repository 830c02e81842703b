/* test_search_topk.c - top-k of many-term queries: the pruned evaluation
 * (block-max MaxScore, the windowed impact pass for long queries, the lead
 * pass) must return exactly the exhaustive top-k (same papers, same order,
 * same scores, ties to the older paper) on hand-made cases built to break
 * pruning and on random corpora and queries; and the index file's score
 * bounds (block maxima, impact bytes) are checked before they are trusted. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "harness.h"
#include "search/index.h"
#include "search/search.h"
#include "search/search_int.h"

static struct pb_analyzer *az;
static char tmpdir[256];

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Zipf-ish: small numbers are frequent. */
static int zipf(int n)
{
    double u = (rnd() + 1.0) / 4294967297.0;
    int k = (int)(n * u * u * u);
    return k < n ? k : n - 1;
}

static void add(struct pb_index *ix, int64_t pid, const char *title,
                const char *abstract, const char *cats, int64_t date)
{
    char id[32];
    snprintf(id, sizeof id, "p%lld", (long long)pid);
    struct pb_index_doc d = {.pid = pid, .id = id, .title = title,
                             .abstract = abstract, .categories = cats,
                             .date = date, .upvotes = pid % 7};
    CHECK_EQ(pb_index_add(ix, az, &d), PB_OK);
}

/* Write ix to a file and open it back (the main segment, with its block
 * maxima and impacts); ix is freed. */
/* Write ix and open the file. The hand-made layouts keep their docids
 * (keep_order); the random corpora take a written index's topic order. */
static struct pb_index *reopen(struct pb_index *ix, const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s.idx", tmpdir, name);
    struct pb_err err;
    ix->keep_order = strcmp(name, "random") != 0;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    struct pb_index *back = NULL;
    CHECK_EQ(pb_index_open(path, &back, &err), PB_OK);
    CHECK_EQ(pb_index_check_all(back, NULL), PB_OK);
    unlink(path);
    return back;
}

static int n_compared, n_differ;

/* Pruned and exhaustive top-k of q: the same documents in the same order
 * with bit-identical scores. Returns the pruned results in *out when
 * out is not NULL (the caller clears them). */
static void same_topk(struct pb_searcher *s, const char *q, size_t k,
                      struct pb_results *out)
{
    struct pb_results a, b;
    struct pb_search_opts o1 = {k, 0, 0}, o2 = {k, 0, PB_SEARCH_EXHAUSTIVE};
    CHECK_EQ(pb_search(s, q, strlen(q), &o1, &a), PB_OK);
    CHECK_EQ(pb_search(s, q, strlen(q), &o2, &b), PB_OK);
    int bad = a.n_hits != b.n_hits;
    for (size_t i = 0; i < a.n_hits && i < b.n_hits; i++)
        if (a.hits[i].doc != b.hits[i].doc ||
            a.hits[i].score != b.hits[i].score) {
            if (!bad)
                fprintf(stderr, "  #%zu: pruned %s %.17g, exhaustive %s %.17g\n",
                        i, a.hits[i].id, a.hits[i].score, b.hits[i].id,
                        b.hits[i].score);
            bad = 1;
        }
    if (bad)
        fprintf(stderr, "  pruned top-%zu differs (%zu vs %zu hits) for \"%.200s\"\n",
                k, a.n_hits, b.n_hits, q);
    CHECK(!bad);
    n_compared++;
    n_differ += bad;
    if (out)
        *out = a;
    else
        pb_results_clear(&a);
    pb_results_clear(&b);
}

/* A long query of n words ti..: "t0 t1 ... t(n-1)". */
static void words(char *q, size_t cap, const char *prefix, int from, int n)
{
    size_t off = 0;
    q[0] = 0;
    for (int i = from; i < from + n && off < cap; i++)
        off += (size_t)snprintf(q + off, cap - off, "%s%s%d", off ? " " : "",
                                prefix, i);
}

/* Filler text: n words drawn from a vocabulary of v ("fNN"). */
#define PUT(...) CHECK_EQ(pb_buf_printf(__VA_ARGS__), PB_OK)

static void filler(struct pb_buf *b, int n, int v)
{
    pb_buf_reset(b);
    for (int i = 0; i < n; i++)
        if (pb_buf_printf(b, "%sf%d", i ? " " : "", zipf(v)))
            abort();
}

/* --- hand-made cases ------------------------------------------------------- */

/*
 * Ties across windows and blocks: 60 identical papers spread over 20,000
 * (every ~333 docids, so in different blocks of the rare words and in
 * different windows), added with pids falling as docids rise, so the older
 * paper (the tie winner) comes last in docid order: a pruned pass that
 * drops a document equal to the threshold loses it. The top-10 must be
 * the ten smallest pids of the tie group, in pid order.
 */
static void t_ties(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    struct pb_buf t, a;
    pb_buf_init(&t, 1 << 16);
    pb_buf_init(&a, 1 << 16);
    const int N = 20000;
    char q[512];
    words(q, sizeof q, "t", 0, 14);
    for (int d = 0; d < N; d++) {
        int64_t pid = 100000 - d;
        if (d % 333 == 7 && d / 333 < 60) {
            add(ix, pid, "t0 t1 t2 t3 t4 t5 t6", "t7 t8 t9 t10 t11 t12 t13",
                "cs.CL", 1500000000);
        } else {
            filler(&t, 6, 400);
            filler(&a, 40 + (int)(rnd() % 40), 3000);
            /* each query word now and then, alone */
            if (d % 11 == 0)
                PUT(&a, " t%d", (int)(rnd() % 14));
            add(ix, pid, pb_buf_cstr(&t), pb_buf_cstr(&a), "math.CO",
                1500000000);
        }
    }
    ix = reopen(ix, "ties");
    struct pb_searcher *s = pb_searcher_new(ix);
    pb_searcher_set_window(s, 12); /* five windows */
    struct pb_results r;
    same_topk(s, q, 10, &r);
    CHECK_EQ(r.n_hits, 10);
    /* the tie group's docids d = 333 j + 7, pids 100000 - d: the smallest
     * pids are the largest j */
    for (size_t i = 0; i < r.n_hits; i++) {
        int64_t want = 100000 - (333 * (59 - (int)i) + 7);
        CHECK_EQ(r.hits[i].pid, want);
        CHECK(r.hits[i].score == r.hits[0].score);
    }
    pb_results_clear(&r);
    /* the cut inside the group at other depths */
    same_topk(s, q, 1, NULL);
    same_topk(s, q, 59, NULL);
    same_topk(s, q, 61, NULL);
    pb_searcher_free(s);
    pb_index_free(ix);
    pb_buf_clear(&t);
    pb_buf_clear(&a);
}

/*
 * Very different idf, and a paper that wins only through many low-scoring
 * words: "r0" is in 3 papers (high idf), "c0".."c19" each in about half of
 * the papers (low idf). Paper WIN holds every c word once and no r word;
 * papers R1..R3 hold r0 (three times, short) and one c word. WIN must
 * come first, R1..R3 right after, in both passes.
 */
static void t_many_weak_words(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    struct pb_buf t, a;
    pb_buf_init(&t, 1 << 16);
    pb_buf_init(&a, 1 << 16);
    const int N = 12000;
    for (int d = 0; d < N; d++) {
        int64_t pid = d + 1;
        if (d == 9000) {
            char ab[400];
            words(ab, sizeof ab, "c", 0, 20);
            add(ix, pid, "f1 f2", ab, "cs.CL", 1500000000);
            continue;
        }
        if (d == 100 || d == 5000 || d == 11000) {
            add(ix, pid, "r0 r0", "r0 c3 f7", "cs.CL", 1500000000);
            continue;
        }
        filler(&t, 5, 300);
        filler(&a, 30 + (int)(rnd() % 60), 3000);
        /* about half of the papers get each c word (never all twenty) */
        for (int c = 0; c < 20; c++)
            if (rnd() % 2 && c != d % 20)
                PUT(&a, " c%d", c);
        add(ix, pid, pb_buf_cstr(&t), pb_buf_cstr(&a), "math.CO", 1500000000);
    }
    ix = reopen(ix, "weak");
    struct pb_searcher *s = pb_searcher_new(ix);
    pb_searcher_set_window(s, 12); /* three windows */
    char q[600];
    words(q, sizeof q, "c", 0, 20);
    strcat(q, " r0");
    struct pb_results r;
    same_topk(s, q, 10, &r);
    CHECK(r.n_hits == 10);
    if (r.n_hits == 10)
        CHECK_EQ(r.hits[0].pid, 9001);
    pb_results_clear(&r);
    /* and the rare word first, with fewer common ones */
    same_topk(s, "r0 c0 c1 c2 c3 c4 c5 c6", 10, &r);
    CHECK(r.n_hits == 10);
    int rs = 0;
    for (size_t i = 0; i < 3 && i < r.n_hits; i++)
        rs += r.hits[i].pid == 101 || r.hits[i].pid == 5001 ||
              r.hits[i].pid == 11001;
    CHECK_EQ(rs, 3);
    pb_results_clear(&r);
    for (int k = 1; k <= 40; k += 13)
        same_topk(s, q, (size_t)k, NULL);
    pb_searcher_free(s);
    pb_index_free(ix);
    pb_buf_clear(&t);
    pb_buf_clear(&a);
}

/*
 * Block maxima just at the threshold: papers of identical length and
 * content in whole blocks (so a block's maximum is exactly each of its
 * papers' pseudo-tf and the bound of a window is exactly a paper's score,
 * up to the inflation), interleaved with slightly better and slightly
 * worse papers; k cuts between equal scores.
 */
static void t_block_max_at_threshold(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    const int N = 16000;
    for (int d = 0; d < N; d++) {
        int64_t pid = (d * 7919) % N + 1; /* pids not in docid order */
        const char *ab;
        switch ((d / 128) % 4) {
        case 0:
            ab = "u0 u1 u2 u3 u4 u5 u6 u7 f1 f2 f3 f4"; /* the plateau */
            break;
        case 1:
            ab = "u0 u1 u2 u3 u4 u5 u6 f1 f2 f3 f4 f5"; /* one word less */
            break;
        case 2:
            ab = d % 997 == 0 ? "u0 u1 u2 u3 u4 u5 u6 u7 u8 f1 f2 f3"
                              : "f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 f11 f12";
            break;
        default:
            ab = "u8 f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 f11";
            break;
        }
        add(ix, pid, "f0 f9", ab, d % 2 ? "cs.CL" : "cs.LG", 1500000000);
    }
    ix = reopen(ix, "plateau");
    struct pb_searcher *s = pb_searcher_new(ix);
    pb_searcher_set_window(s, 12); /* four windows */
    const char *q = "u0 u1 u2 u3 u4 u5 u6 u7 u8";
    size_t ks[] = {1, 5, 10, 17, 50, 129, 300};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        same_topk(s, q, ks[i], NULL);
    struct pb_results r;
    same_topk(s, q, 20, &r);
    /* the u8 papers (d % 997 == 0 in blocks of kind 2) lead */
    CHECK(r.n_hits == 20 && r.hits[0].score > r.hits[19].score);
    pb_results_clear(&r);
    pb_searcher_free(s);
    pb_index_free(ix);
}

/* The long and short queries of t_window_edges on s. */
static void edge_queries(struct pb_searcher *s, const char *common,
                         const char *rare)
{
    char q[2048];
    snprintf(q, sizeof q, "%s %s", common, rare);
    size_t ks[] = {1, 2, 3, 5, 10, 40};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
        same_topk(s, q, ks[i], NULL);
    same_topk(s, common, 1, NULL);
    same_topk(s, common, 10, NULL);
    /* two to four words (the window pass too): the border winners'
     * rare words, rare and common words, common words only */
    static const char *const shortq[] = {
        "r1 r2", "r1 c5", "r1 r2 c5", "c0 c1", "c3 c7 c11", "c0 r0 q0",
        "title:r1 r2", "\"r1 r2\" c5", "q0 c1 c2 r3"};
    for (size_t i = 0; i < sizeof shortq / sizeof shortq[0]; i++) {
        same_topk(s, shortq[i], 1, NULL);
        same_topk(s, shortq[i], 10, NULL);
    }
    snprintf(q, sizeof q, "%s title:q0 \"q1 q2\"", common);
    same_topk(s, q, 1, NULL);
    same_topk(s, q, 10, NULL);
    /* only the field and phrase clauses, with fewer hits than k */
    same_topk(s, "title:q0 \"q1 q2\" title:r1 title:r3 title:r5 "
                 "\"r0 r4\" title:c3",
              100, NULL);
}

/*
 * The window pass of long queries at its edges, with windows of 4,096
 * docids (pb_searcher_set_window(); the default window holds all 12,600
 * papers, and is checked too): the best papers sit on both sides of
 * window borders (docids 4095, 4096, 8191, 8192), one wins only through words that are
 * non-essential everywhere (every common word once, no rare one), one
 * only through a title: clause and a phrase (whose window bounds come
 * from their first word's impacts and are never taken off a
 * candidate's bound), and the delta segment holds a rival scored from
 * exact scores, with deletions of earlier winners. Then a k1 of 40 on
 * 60 rare words: bounds large enough to need a coarser fixed point.
 */
static void t_window_edges(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    struct pb_buf t, a;
    pb_buf_init(&t, 1 << 16);
    pb_buf_init(&a, 1 << 16);
    const int N = 12300;
    char common[600], rare[600];
    words(common, sizeof common, "c", 0, 24);
    words(rare, sizeof rare, "r", 0, 8);
    for (int d = 0; d < N; d++) {
        int64_t pid = 500000 - d;
        filler(&t, 5, 300);
        filler(&a, 30 + (int)(rnd() % 50), 2500);
        if (d == 4095 || d == 8192) {
            /* every common word once: non-essential words only */
            add(ix, pid, pb_buf_cstr(&t), common, "cs.CL", 1500000000);
            continue;
        }
        if (d == 4096 || d == 8191) {
            /* two rare words, twice each, short */
            add(ix, pid, "r1 r2", "r1 r2 c5", "cs.CL", 1500000000);
            continue;
        }
        if (d == 100) {
            add(ix, pid, "q0 q1 q2", "q0 q1 q2 c1 c2", "cs.CL", 1500000000);
            continue;
        }
        /* common words: each in about a third of the papers */
        for (int c = 0; c < 24; c++)
            if (rnd() % 3 == 0)
                PUT(&a, " c%d", c);
        if (rnd() % 97 == 0)
            PUT(&a, " r%d", (int)(rnd() % 8));
        if (rnd() % 211 == 0)
            PUT(&t, " q%d", (int)(rnd() % 3));
        add(ix, pid, pb_buf_cstr(&t), pb_buf_cstr(&a), "math.CO", 1500000000);
    }
    ix = reopen(ix, "edges");
    /* the delta: a rival with the common words and one rare word, and
     * ordinary papers; delete a window-border winner */
    add(ix, 1, "c0 c1 c2", common, "cs.CL", 1500000000);
    for (int d = 0; d < 300; d++) {
        filler(&a, 40, 2500);
        for (int c = 0; c < 24; c++)
            if (rnd() % 3 == 0)
                PUT(&a, " c%d", c);
        add(ix, 2 + d, "f1 f2", pb_buf_cstr(&a), "math.CO", 1500000000);
    }
    pb_index_pmap_rebuild(ix);
    static const int edge[] = {4095, 4096, 8191, 8192};
    for (size_t i = 0; i < 4; i++) {
        uint32_t d = 0;
        CHECK(pb_index_docid(ix, 500000 - edge[i], &d) == PB_OK &&
              d == (uint32_t)edge[i]);
    }
    struct pb_searcher *s = pb_searcher_new(ix);
    char q[2048];
    for (unsigned shift = 12;; shift = 0) {
        pb_searcher_set_window(s, shift);
        edge_queries(s, common, rare);
        if (!shift)
            break;
    }
    CHECK_EQ(pb_index_delete(ix, 500000 - 4095), PB_OK);
    CHECK_EQ(pb_index_delete(ix, 500000 - 8192), PB_OK);
    for (unsigned shift = 12;; shift = 0) {
        pb_searcher_set_window(s, shift);
        same_topk(s, common, 1, NULL);
        same_topk(s, common, 10, NULL);
        snprintf(q, sizeof q, "%s %s", common, rare);
        same_topk(s, q, 10, NULL);
        if (!shift)
            break;
    }
    pb_searcher_set_window(s, 12);
    /* sixty rare-ish words at k1 40: clause bounds near 20 idf each */
    struct pb_bm25 p = *pb_index_params(ix);
    p.k1 = 40;
    pb_searcher_set_params(s, &p);
    size_t off = 0;
    for (int i = 0; i < 60 && off < sizeof q - 16; i++)
        off += (size_t)snprintf(q + off, sizeof q - off, "%sf%d", i ? " " : "",
                                2440 + i);
    same_topk(s, q, 1, NULL);
    same_topk(s, q, 10, NULL);
    snprintf(q + off, sizeof q - off, " %s", common);
    same_topk(s, q, 10, NULL);
    pb_searcher_free(s);
    pb_index_free(ix);
    pb_buf_clear(&t);
    pb_buf_clear(&a);
}

/* A random corpus for the mixed and randomized cases: n papers from pid
 * `from`, words "wNN" from a Zipf vocabulary of v, some titles repeated. */
static void build_random(struct pb_index *ix, int64_t from, int n, int v)
{
    struct pb_buf t, a;
    pb_buf_init(&t, 1 << 20);
    pb_buf_init(&a, 1 << 20);
    static const char *cats[] = {"cs.CL cs.LG", "math.CO", "cs.CL",
                                 "hep-th", "cs.LG stat.ML"};
    for (int64_t d = from; d < from + n; d++) {
        pb_buf_reset(&t);
        pb_buf_reset(&a);
        int nt = 2 + (int)(rnd() % 10), na = 10 + (int)(rnd() % 160);
        for (int i = 0; i < nt; i++)
            PUT(&t, "%sw%d", i ? " " : "", zipf(v / 4));
        for (int i = 0; i < na; i++)
            PUT(&a, "%sw%d", i ? " " : "", zipf(v));
        /* every 50th paper repeats an earlier one's text: exact ties */
        add(ix, d, d % 50 ? pb_buf_cstr(&t) : "w1 w2 w3 w5 w8",
            d % 50 ? pb_buf_cstr(&a) : "w13 w21 w34 w55 w89 w144",
            cats[rnd() % 5], 1262304000 + (d % 3650) * 86400);
    }
    pb_buf_clear(&t);
    pb_buf_clear(&a);
}

/* A random query of nt words from vocabulary v; with ops, now and then a
 * +must, a -not, a phrase, a field and a filter. */
static void rand_query(char *q, size_t cap, int nt, int v, int ops)
{
    size_t off = 0;
    q[0] = 0;
    for (int t = 0; t < nt && off < cap - 64; t++) {
        const char *pre = "";
        if (ops) {
            uint32_t r = rnd() % 40;
            pre = r == 0 ? "+" : r == 1 ? "-" : r == 2 ? "title:" : "";
        }
        off += (size_t)snprintf(q + off, cap - off, "%s%sw%d", off ? " " : "",
                                pre, zipf(v));
    }
    if (ops && off < cap - 64) {
        switch (rnd() % 8) {
        case 0:
            snprintf(q + off, cap - off, " \"w%d w%d\"", zipf(20), zipf(20));
            break;
        case 1:
            snprintf(q + off, cap - off, " cat:cs.CL");
            break;
        case 2:
            snprintf(q + off, cap - off, " -cat:math.CO year:201%d",
                     (int)(rnd() % 10));
            break;
        case 3:
            snprintf(q + off, cap - off, " after:2014-03-01");
            break;
        default:
            break;
        }
    }
}

/*
 * Phrases, +must, -not, fields and filters mixed with many words, on a
 * corpus with a delta segment and deletions over the file.
 */
static void t_operators_and_filters(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    build_random(ix, 1, 9000, 2000);
    ix = reopen(ix, "mixed");
    build_random(ix, 9001, 700, 2000);
    for (int64_t d = 3; d < 9700; d += 61)
        CHECK_EQ(pb_index_delete(ix, d), PB_OK);
    struct pb_searcher *s = pb_searcher_new(ix);
    pb_searcher_set_window(s, 11); /* five windows */
    static const char *fixed[] = {
        "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18",
        "\"w1 w2\" w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13",
        "+w40 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12",
        "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 -w3 -w11 w12 w13",
        "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 cat:cs.CL -year:2015",
        "title:w1 title:w2 w3 w4 w5 w6 w7 w8 w9 w10 w11",
        "w1 w2 w3 w5 w8 w13 w21 w34 w55 w89 w144", /* the repeated papers */
        "w900 w1500 w1999 w3 w4 w5 w6 w7 w8 w9 w10 w11",
        "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 before:2012-06-30 -cat:hep-th",
        "w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 id:p77",
        "w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 -id:p100 -id:p200",
        "w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 sort:date",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        same_topk(s, fixed[i], 10, NULL);
        same_topk(s, fixed[i], 3, NULL);
    }
    char q[1024];
    for (int i = 0; i < 150; i++) {
        rand_query(q, sizeof q, 6 + (int)(rnd() % 25), 600, 1);
        same_topk(s, q, i % 3 ? 10 : 40, NULL);
    }
    pb_searcher_free(s);
    pb_index_free(ix);
}

/*
 * Randomized: several corpora (sizes, vocabularies, with and without a
 * delta segment and deletions, file parameters left as made, windows of
 * 1,024 to 65,536 docids) and long queries (5 to 40 words), pruned
 * against exhaustive.
 */
static void t_random_corpora(void)
{
    static const struct {
        int n, v, delta, ops;
    } C[] = {
        {3000, 500, 0, 0},
        {14000, 4000, 0, 0},
        {9000, 1500, 600, 1},
        {6000, 20000, 300, 0},
    };
    int before = n_compared, bad = n_differ;
    for (size_t c = 0; c < sizeof C / sizeof C[0]; c++) {
        rng = 0x1234567ull + c * 7777;
        struct pb_index *ix = pb_index_new(NULL);
        build_random(ix, 1, C[c].n, C[c].v);
        ix = reopen(ix, "random");
        if (C[c].delta) {
            build_random(ix, C[c].n + 1, C[c].delta, C[c].v);
            for (int64_t d = 2; d < C[c].n + C[c].delta; d += 37)
                CHECK_EQ(pb_index_delete(ix, d), PB_OK);
        }
        struct pb_searcher *s = pb_searcher_new(ix);
        /* several windows (the default holds each corpus whole) */
        static const unsigned shift[] = {10, 0, 12, 11};
        pb_searcher_set_window(s, shift[c]);
        char q[2048];
        for (int i = 0; i < 120; i++) {
            rand_query(q, sizeof q, 5 + (int)(rnd() % 36),
                       i % 2 ? C[c].v : C[c].v / 10, C[c].ops);
            same_topk(s, q, i % 4 == 0 ? 1 : i % 4 == 1 ? 10 : i % 4 == 2 ? 25 : 100,
                      NULL);
            /* and a short one: two to four words */
            rand_query(q, sizeof q, 2 + (int)(rnd() % 3),
                       i % 2 ? C[c].v : C[c].v / 10, C[c].ops);
            same_topk(s, q, i % 3 == 0 ? 1 : i % 3 == 1 ? 10 : 100, NULL);
        }
        pb_searcher_free(s);
        pb_index_free(ix);
    }
    CHECK_EQ(n_compared - before, 960);
    CHECK_EQ(n_differ - bad, 0);
}

/* --- the bounds in the file are checked before they are trusted ------------ */

/* The term record of word w in the open index ix (a stem: "t5"). */
static const struct term_disk *find_term(struct pb_index *ix, const char *w)
{
    const struct term_disk *tm;
    const struct dterm *td;
    pb_index_lookup(ix, w, strlen(w), &tm, &td);
    return tm;
}

static size_t hits_of(struct pb_index *ix, const char *q)
{
    struct pb_searcher *s = pb_searcher_new(ix);
    struct pb_results r;
    struct pb_search_opts o = {100, 0, PB_SEARCH_EXHAUSTIVE};
    size_t n = 999;
    if (pb_search(s, q, strlen(q), &o, &r) == PB_OK)
        n = r.n_hits;
    pb_results_clear(&r);
    pb_searcher_free(s);
    return n;
}

/* Lower one score bound in the file at path (what: 0 an impact byte, 1 a
 * block maximum, 2 the term's maximum) of word w; open it: the word must
 * read as absent (damaged), the others not. */
static void lowered_bound(const char *path, const char *w, int what)
{
    struct pb_index *ix = NULL;
    struct pb_err err;
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    if (!ix)
        return;
    const struct term_disk *tm = find_term(ix, w);
    CHECK(tm != NULL);
    if (!tm) {
        pb_index_free(ix);
        return;
    }
    uint64_t term_off = tm->off, imp = tm->imp;
    size_t k = (size_t)(tm - ix->tterms);
    uint64_t tdisk = ix->hdr->terms + k * sizeof(struct term_disk);
    pb_index_free(ix);
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f)
        return;
    if (what == 0) {
        /* the impact of posting 3: 0 (every posting of w has x > 0) */
        uint8_t z = 0;
        fseek(f, (long)(term_off + imp + 3), SEEK_SET);
        fwrite(&z, 1, 1, f);
    } else if (what == 1) {
        float z = 0.01f; /* block 0's maxtf */
        fseek(f, (long)(term_off + offsetof(struct blk_disk, maxtf)), SEEK_SET);
        fwrite(&z, sizeof z, 1, f);
    } else {
        float z = 0.01f; /* the term's maxtf */
        fseek(f, (long)(tdisk + offsetof(struct term_disk, maxtf)), SEEK_SET);
        fwrite(&z, sizeof z, 1, f);
    }
    fclose(f);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    if (!ix)
        return;
    CHECK(hits_of(ix, "t6") > 0);
    CHECK_EQ(hits_of(ix, w), 0);
    CHECK(pb_index_check_all(ix, NULL) != PB_OK);
    pb_index_free(ix);
}

static void t_bounds_checked(void)
{
    char path[400], copy[420];
    snprintf(path, sizeof path, "%s/bounds.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    struct pb_buf a;
    pb_buf_init(&a, 1 << 16);
    for (int d = 0; d < 600; d++) {
        filler(&a, 20, 200);
        PUT(&a, " t5 t6%s", d % 3 ? " t5" : "");
        add(ix, d + 1, "t7 title", pb_buf_cstr(&a), "cs.CL", 1500000000);
    }
    struct pb_err err;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    CHECK_EQ(pb_index_check_all(ix, NULL), PB_OK);
    CHECK_EQ(hits_of(ix, "t5"), 100);
    pb_index_free(ix);
    for (int what = 0; what < 3; what++) {
        snprintf(copy, sizeof copy, "%s.%d", path, what);
        FILE *in = fopen(path, "rb"), *out = fopen(copy, "wb");
        CHECK(in && out);
        if (!in || !out)
            break;
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, n, out);
        fclose(in);
        fclose(out);
        lowered_bound(copy, "t5", what);
        unlink(copy);
    }
    unlink(path);
    pb_buf_clear(&a);
}

int main(void)
{
    az = pb_analyzer_new();
    const char *base = getenv("PB_TEST_OUT");
    snprintf(tmpdir, sizeof tmpdir, "%s/topk-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        snprintf(tmpdir, sizeof tmpdir, "/tmp");
    static const struct pb_test T[] = {
        {"ties across windows, older paper first", t_ties},
        {"many weak words beat one rare word", t_many_weak_words},
        {"block maxima at the threshold", t_block_max_at_threshold},
        {"window borders, non-essential winners, delta, big bounds",
         t_window_edges},
        {"phrases, must, not, fields, filters with many words",
         t_operators_and_filters},
        {"random corpora and long queries", t_random_corpora},
        {"the file's score bounds are checked", t_bounds_checked},
        {0},
    };
    int rc = pb_test_run(T);
    fprintf(stderr, "  %d top-k comparisons, %d differed\n", n_compared,
            n_differ);
    pb_analyzer_free(az);
    rmdir(tmpdir);
    return rc;
}
