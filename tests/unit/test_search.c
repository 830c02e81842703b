/* test_search.c - index, BM25F exactness (reference and SQLite FTS5),
 * pruning exactness, incremental add/update/delete, persistence, the query
 * language and snippets. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "harness.h"
#include "search/index.h"
#include "search/search.h"
#include "search/search_int.h" /* pb_index_append */

static struct pb_analyzer *az;
static char tmpdir[256];

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Zipf-ish word wNN: small numbers are frequent. */
static int zipf(int n)
{
    double u = (rnd() + 1.0) / 4294967297.0;
    int k = (int)(n * u * u * u);
    return k < n ? k : n - 1;
}

static void rand_text(struct pb_buf *b, int words, int vocab)
{
    pb_buf_reset(b);
    for (int i = 0; i < words; i++)
        if (pb_buf_printf(b, "%sw%d", i ? " " : "", zipf(vocab)))
            abort();
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

/* Count of token w in s (space separated). */
static int tf_of(const char *s, const char *w)
{
    int n = 0;
    size_t l = strlen(w);
    for (const char *p = s; p && *p;) {
        const char *e = strchr(p, ' ');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        n += k == l && memcmp(p, w, l) == 0;
        p = e ? e + 1 : NULL;
    }
    return n;
}

static int ntok(const char *s)
{
    return *s ? tf_of(s, "") + 1 + (int)(strchr(s, ' ') ? 0 : 0) : 0;
}

static int count_words(const char *s)
{
    int n = 0, in = 0;
    for (; *s; s++) {
        if (*s != ' ' && !in)
            n++;
        in = *s != ' ';
    }
    return n;
}

#define NDOC 300
static char *titles[NDOC], *abstracts[NDOC];

/* BM25F by the book, from the raw texts. */
static double ref_score(const struct pb_bm25 *p, const char **terms, int nt,
                        int doc, int ndocs)
{
    double avg[2] = {0, 0};
    for (int d = 0; d < ndocs; d++) {
        avg[0] += count_words(titles[d]);
        avg[1] += count_words(abstracts[d]);
    }
    avg[0] /= ndocs;
    avg[1] /= ndocs;
    double score = 0;
    for (int t = 0; t < nt; t++) {
        int df = 0;
        for (int d = 0; d < ndocs; d++)
            df += tf_of(titles[d], terms[t]) || tf_of(abstracts[d], terms[t]);
        if (!df)
            continue;
        double idf = log(1 + (ndocs - df + 0.5) / (df + 0.5));
        double x = 0;
        const char *f[2] = {titles[doc], abstracts[doc]};
        for (int k = 0; k < 2; k++)
            x += p->w[k] * tf_of(f[k], terms[t]) /
                 (1 - p->b[k] + p->b[k] * count_words(f[k]) / avg[k]);
        score += idf * x * (p->k1 + 1) / (p->k1 + x);
    }
    return score;
}

static void t_bm25f_reference(void)
{
    struct pb_bm25 p;
    pb_bm25_defaults(&p);
    p.k1 = 1.1;
    p.b[0] = 0.6;
    p.w[0] = 2.5;
    struct pb_index *ix = pb_index_new(&p);
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    for (int d = 0; d < NDOC; d++) {
        rand_text(&b, 3 + (int)(rnd() % 8), 40);
        titles[d] = pb_buf_steal(&b);
        rand_text(&b, 10 + (int)(rnd() % 60), 60);
        abstracts[d] = pb_buf_steal(&b);
        add(ix, d + 1, titles[d], abstracts[d], "cs.CL", 0);
    }
    struct pb_searcher *s = pb_searcher_new(ix);
    const char *queries[][3] = {{"w1", NULL, NULL}, {"w3", "w17", NULL},
                                {"w0", "w5", "w39"}, {"w50", "w2", NULL}};
    for (size_t q = 0; q < 4; q++) {
        char qs[64] = "";
        int nt = 0;
        size_t off = 0;
        for (; nt < 3 && queries[q][nt]; nt++)
            off += (size_t)snprintf(qs + off, sizeof qs - off, " %s",
                                    queries[q][nt]);
        struct pb_results r;
        struct pb_search_opts o = {1000, 0, PB_SEARCH_EXHAUSTIVE};
        CHECK_EQ(pb_search(s, qs, strlen(qs), &o, &r), PB_OK);
        CHECK(r.n_hits > 0);
        for (size_t h = 0; h < r.n_hits; h++) {
            double want = ref_score(&p, queries[q], nt, (int)r.hits[h].pid - 1,
                                    NDOC);
            CHECK_NEAR(r.hits[h].score, want, 1e-6);
        }
        pb_results_clear(&r);
    }
    pb_searcher_free(s);
    pb_index_free(ix);
    pb_buf_clear(&b);
    (void)ntok;
}

static void t_bm25_fts5(void)
{
    struct pb_bm25 p;
    pb_bm25_defaults(&p);
    p.fts5_idf = 1;
    p.w[PB_F_ABSTRACT] = 1.0;
    struct pb_index *ix = pb_index_new(&p);
    sqlite3 *db;
    CHECK_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    CHECK_EQ(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x)", 0, 0, 0),
             SQLITE_OK);
    sqlite3_stmt *ins;
    CHECK_EQ(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, x) VALUES(?, ?)", -1,
                                &ins, 0),
             SQLITE_OK);
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    for (int d = 1; d <= 400; d++) {
        rand_text(&b, 5 + (int)(rnd() % 80), 50);
        add(ix, d, NULL, pb_buf_cstr(&b), NULL, 0);
        sqlite3_bind_int(ins, 1, d);
        sqlite3_bind_text(ins, 2, pb_buf_cstr(&b), -1, SQLITE_TRANSIENT);
        CHECK_EQ(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    struct pb_searcher *s = pb_searcher_new(ix);
    const char *qs[] = {"w1", "w2 w30", "w0 w7 w44", "w49 w13"};
    int compared = 0;
    for (size_t q = 0; q < 4; q++) {
        char fq[64];
        snprintf(fq, sizeof fq, "%s", qs[q]);
        for (char *c = fq; *c; c++)
            if (*c == ' ')
                *c = '|';
        struct pb_buf m;
        pb_buf_init(&m, 256);
        for (char *tok = fq; *tok;) {
            char *e = strchr(tok, '|');
            size_t l = e ? (size_t)(e - tok) : strlen(tok);
            if (pb_buf_printf(&m, "%s%.*s", m.len ? " OR " : "", (int)l, tok))
                abort();
            tok = e ? e + 1 : tok + l;
        }
        struct pb_results r;
        struct pb_search_opts o = {1000, 0, PB_SEARCH_EXHAUSTIVE};
        CHECK_EQ(pb_search(s, qs[q], strlen(qs[q]), &o, &r), PB_OK);
        sqlite3_stmt *st;
        CHECK_EQ(sqlite3_prepare_v2(db,
                                    "SELECT rowid, -bm25(t) FROM t WHERE t "
                                    "MATCH ? ORDER BY rowid",
                                    -1, &st, 0),
                 SQLITE_OK);
        sqlite3_bind_text(st, 1, pb_buf_cstr(&m), -1, SQLITE_TRANSIENT);
        size_t rows = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            rows++;
            int64_t pid = sqlite3_column_int64(st, 0);
            double want = sqlite3_column_double(st, 1);
            int found = 0;
            for (size_t h = 0; h < r.n_hits; h++)
                if (r.hits[h].pid == pid) {
                    CHECK_NEAR(r.hits[h].score, want, 1e-6);
                    found = 1;
                    compared++;
                }
            CHECK(found);
        }
        CHECK_EQ(rows, r.n_hits);
        sqlite3_finalize(st);
        pb_buf_clear(&m);
        pb_results_clear(&r);
    }
    CHECK(compared > 100);
    sqlite3_close(db);
    pb_searcher_free(s);
    pb_index_free(ix);
    pb_buf_clear(&b);
}

static void build_random(struct pb_index *ix, int64_t from, int n)
{
    struct pb_buf t, a;
    pb_buf_init(&t, 1 << 20);
    pb_buf_init(&a, 1 << 20);
    for (int64_t d = from; d < from + n; d++) {
        rand_text(&t, 2 + (int)(rnd() % 10), 300);
        rand_text(&a, 20 + (int)(rnd() % 150), 2000);
        add(ix, d, pb_buf_cstr(&t), pb_buf_cstr(&a),
            d % 3 ? "cs.CL cs.LG" : "math.CO", 1500000000 + d * 86400);
    }
    pb_buf_clear(&t);
    pb_buf_clear(&a);
}

static void same_topk(struct pb_searcher *s, const char *q, size_t k)
{
    struct pb_results a, b;
    struct pb_search_opts o1 = {k, 0, 0}, o2 = {k, 0, PB_SEARCH_EXHAUSTIVE};
    CHECK_EQ(pb_search(s, q, strlen(q), &o1, &a), PB_OK);
    CHECK_EQ(pb_search(s, q, strlen(q), &o2, &b), PB_OK);
    CHECK_EQ(a.n_hits, b.n_hits);
    int bad = 0;
    for (size_t i = 0; i < a.n_hits && i < b.n_hits; i++)
        if (a.hits[i].doc != b.hits[i].doc ||
            fabs(a.hits[i].score - b.hits[i].score) > 1e-9) {
            if (!bad)
                fprintf(stderr, "  #%zu: %u %.9f vs %u %.9f\n", i,
                        a.hits[i].doc, a.hits[i].score, b.hits[i].doc,
                        b.hits[i].score);
            bad = 1;
        }
    if (bad)
        fprintf(stderr, "  pruned top-k differs for \"%s\"\n", q);
    CHECK(!bad);
    pb_results_clear(&a);
    pb_results_clear(&b);
}

static void t_pruning_exact(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/prune.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    build_random(ix, 1, 3000);
    struct pb_err err;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    /* a delta over the main segment, and some deletions in both */
    build_random(ix, 3001, 400);
    for (int64_t d = 5; d < 3400; d += 97)
        CHECK_EQ(pb_index_delete(ix, d), PB_OK);
    struct pb_searcher *s = pb_searcher_new(ix);
    char q[256];
    for (int i = 0; i < 300; i++) {
        int nt = 1 + (int)(rnd() % 6);
        size_t off = 0;
        for (int t = 0; t < nt; t++) {
            int plus = rnd() % 9 == 0, minus = rnd() % 11 == 0;
            off += (size_t)snprintf(q + off, sizeof q - off, "%s%sw%d ",
                                    plus ? "+" : "", minus ? "-" : "",
                                    zipf(rnd() % 2 ? 300 : 2000));
        }
        if (i % 10 == 0)
            off += (size_t)snprintf(q + off, sizeof q - off, "title:w%d ",
                                    zipf(300));
        same_topk(s, q, i % 3 ? 10 : 50);
    }
    pb_searcher_free(s);
    pb_index_free(ix);
    unlink(path);
}

static size_t hits(struct pb_searcher *s, const char *q, int64_t *first)
{
    struct pb_results r;
    struct pb_search_opts o = {100, 0, PB_SEARCH_COUNT};
    if (pb_search(s, q, strlen(q), &o, &r) != PB_OK)
        return 999;
    size_t n = r.n_hits;
    if (first)
        *first = n ? r.hits[0].pid : -1;
    CHECK_EQ(r.total, n);
    pb_results_clear(&r);
    return n;
}

static void t_incremental(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/inc.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    add(ix, 1, "Graph neural networks", "We study message passing.", "cs.LG",
        1546300800);
    add(ix, 2, "Vision-language models", "Contrastive pretraining of images.",
        "cs.CV", 1561939200);
    struct pb_searcher *s = pb_searcher_new(ix);
    int64_t first;
    CHECK_EQ(hits(s, "graph", &first), 1);
    CHECK_EQ(first, 1);
    CHECK_EQ(hits(s, "visionlanguage", &first), 1);
    CHECK_EQ(hits(s, "\"vision language\"", &first), 1);
    /* update replaces */
    add(ix, 1, "Transformers for parsing", "Attention everywhere.", "cs.CL",
        1546300800);
    CHECK_EQ(hits(s, "graph", NULL), 0);
    CHECK_EQ(hits(s, "transformer", &first), 1);
    CHECK_EQ(first, 1);
    /* persist, reopen, add a day's papers on top, delete */
    struct pb_err err;
    pb_index_set_seq(ix, 42);
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_searcher_free(s);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    CHECK_EQ(pb_index_seq(ix), 42);
    s = pb_searcher_new(ix);
    CHECK_EQ(hits(s, "transformer", &first), 1);
    CHECK_EQ(hits(s, "contrastive", &first), 1);
    CHECK_EQ(first, 2);
    add(ix, 3, "Contrastive graph learning", "Graph views.", "cs.LG",
        1577836800);
    CHECK_EQ(hits(s, "contrastive", NULL), 2);
    CHECK_EQ(hits(s, "graph", &first), 1);
    CHECK_EQ(first, 3);
    CHECK_EQ(pb_index_delete(ix, 2), PB_OK);
    CHECK_EQ(pb_index_delete(ix, 2), PB_ENOTFOUND);
    CHECK_EQ(hits(s, "contrastive", &first), 1);
    CHECK_EQ(first, 3);
    /* filters */
    CHECK_EQ(hits(s, "cat:cs.LG", NULL), 1);
    CHECK_EQ(hits(s, "cat:cs.cl", NULL), 1);
    CHECK_EQ(hits(s, "year:2019", NULL), 1);
    CHECK_EQ(hits(s, "after:2019-06-01", NULL), 1);
    CHECK_EQ(hits(s, "before:2019-06-01 transformer", NULL), 1);
    CHECK_EQ(hits(s, "id:p3", NULL), 1);
    CHECK_EQ(hits(s, "contrastive -graph", NULL), 0);
    CHECK_EQ(hits(s, "transformer OR graph", NULL), 2);
    CHECK_EQ(hits(s, "+transformer graph", NULL), 1);
    CHECK_EQ(hits(s, "title:views", NULL), 0);
    CHECK_EQ(hits(s, "abstract:views", NULL), 1);
    /* negated filters exclude (live: 1 cs.CL 2019-01-01, 3 cs.LG 2020) */
    CHECK_EQ(hits(s, "-cat:cs.LG", &first), 1);
    CHECK_EQ(first, 1);
    CHECK_EQ(hits(s, "transformer graph -cat:cs.lg", &first), 1);
    CHECK_EQ(first, 1);
    CHECK_EQ(hits(s, "transformer graph -cat:cs.CL -cat:cs.LG", NULL), 0);
    CHECK_EQ(hits(s, "-year:2019", &first), 1);
    CHECK_EQ(first, 3);
    CHECK_EQ(hits(s, "graph -after:2019-06-01", NULL), 0);
    CHECK_EQ(hits(s, "transformer graph -before:2019-06-01", &first), 1);
    CHECK_EQ(first, 3);
    CHECK_EQ(hits(s, "transformer graph -id:p3", &first), 1);
    CHECK_EQ(first, 1);
    CHECK_EQ(hits(s, "transformer graph -cat:nonesuch", NULL), 2);
    /* the compacted file drops the deleted doc */
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_searcher_free(s);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    struct pb_index_info info;
    pb_index_info(ix, &info);
    CHECK_EQ(info.docs, 2);
    s = pb_searcher_new(ix);
    CHECK_EQ(hits(s, "contrastive graph", NULL), 1);
    CHECK_EQ(hits(s, "transformer graph", NULL), 2);
    pb_searcher_free(s);
    pb_index_free(ix);
    unlink(path);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_ENOTFOUND);
}

static double top_score(struct pb_searcher *s, const char *q)
{
    struct pb_results r;
    struct pb_search_opts o = {10, 0, 0};
    if (pb_search(s, q, strlen(q), &o, &r) != PB_OK || !r.n_hits)
        return -1;
    double x = r.hits[0].score;
    pb_results_clear(&r);
    return x;
}

/* A deleted document no longer counts in df (idf), in the delta and in the
 * main segment: scores equal those of an index that never had it. */
static void t_deleted_df(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/del.idx", tmpdir);
    struct pb_index *ref = pb_index_new(NULL), *ix = pb_index_new(NULL);
    add(ref, 1, "alpha beta", "gamma delta epsilon", "cs.LG", 1546300800);
    add(ref, 3, "zeta", "eta theta alpha", "cs.LG", 1546300800);
    add(ref, 4, "iota", "kappa lambda", "cs.LG", 1546300800);
    add(ix, 1, "alpha beta", "gamma delta epsilon", "cs.LG", 1546300800);
    add(ix, 2, "alpha alpha", "alpha beta gamma", "cs.LG", 1546300800);
    add(ix, 3, "zeta", "eta theta alpha", "cs.LG", 1546300800);
    struct pb_err err;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    add(ix, 4, "iota", "kappa lambda", "cs.LG", 1546300800);
    add(ix, 5, "alpha", "beta", "cs.LG", 1546300800);
    CHECK_EQ(pb_index_delete(ix, 2), PB_OK); /* main */
    CHECK_EQ(pb_index_delete(ix, 5), PB_OK); /* delta */
    struct pb_searcher *a = pb_searcher_new(ref), *b = pb_searcher_new(ix);
    static const char *qs[] = {"alpha", "beta", "gamma", "alpha beta",
                               "alpha zeta kappa"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        double x = top_score(a, qs[i]), y = top_score(b, qs[i]);
        if (fabs(x - y) > 1e-9)
            fprintf(stderr, "  \"%s\": %.9f vs %.9f\n", qs[i], x, y);
        CHECK(fabs(x - y) <= 1e-9);
    }
    /* and again after one more deletion (the per-term cache must see it) */
    CHECK_EQ(pb_index_delete(ix, 3), PB_OK);
    pb_searcher_free(a);
    pb_index_free(ref);
    ref = pb_index_new(NULL);
    add(ref, 1, "alpha beta", "gamma delta epsilon", "cs.LG", 1546300800);
    add(ref, 4, "iota", "kappa lambda", "cs.LG", 1546300800);
    a = pb_searcher_new(ref);
    CHECK(fabs(top_score(a, "alpha") - top_score(b, "alpha")) <= 1e-9);
    pb_searcher_free(a);
    pb_searcher_free(b);
    pb_index_free(ref);
    pb_index_free(ix);
    unlink(path);
}

/* Partitions built apart and appended (as the threaded rebuild does) give
 * the same index as one built in one go. */
/* Whether the files at a and b hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = getc(fa), cb = getc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static void t_append_partitions(void)
{
    struct pb_index *one = pb_index_new(NULL), *a = pb_index_new(NULL),
                    *b = pb_index_new(NULL);
    uint64_t seed = rng;
    build_random(one, 1, 2000);
    rng = seed;
    build_random(a, 1, 1200);
    build_random(b, 1201, 800);
    pb_index_append(a, b);
    pb_index_free(b);
    struct pb_index_info i1, i2;
    pb_index_info(one, &i1);
    pb_index_info(a, &i2);
    CHECK_EQ(i1.docs, i2.docs);
    CHECK_EQ(i1.terms_delta, i2.terms_delta);
    struct pb_searcher *s1 = pb_searcher_new(one), *s2 = pb_searcher_new(a);
    char q[128];
    for (int i = 0; i < 100; i++) {
        snprintf(q, sizeof q, "w%d w%d%s", zipf(300), zipf(2000),
                 i % 4 ? "" : " cat:math.CO");
        struct pb_results r1, r2;
        struct pb_search_opts o = {20, 0, PB_SEARCH_COUNT};
        CHECK_EQ(pb_search(s1, q, strlen(q), &o, &r1), PB_OK);
        CHECK_EQ(pb_search(s2, q, strlen(q), &o, &r2), PB_OK);
        CHECK_EQ(r1.n_hits, r2.n_hits);
        CHECK_EQ(r1.total, r2.total);
        for (size_t k = 0; k < r1.n_hits && k < r2.n_hits; k++) {
            CHECK_EQ(r1.hits[k].pid, r2.hits[k].pid);
            CHECK(fabs(r1.hits[k].score - r2.hits[k].score) < 1e-9);
        }
        pb_results_clear(&r1);
        pb_results_clear(&r2);
    }
    pb_searcher_free(s1);
    pb_searcher_free(s2);
    pb_index_free(one);
    pb_index_free(a);
    /* a rebuild's bulk partitions (no pid map; the append takes the
     * streams without copying, the writer joins and frees them) write the
     * bytes the copying append writes */
    char p1[300], p2[300];
    snprintf(p1, sizeof p1, "%s/app1.idx", tmpdir);
    snprintf(p2, sizeof p2, "%s/app2.idx", tmpdir);
    struct pb_err err;
    for (int bulk = 0; bulk < 2; bulk++) {
        a = pb_index_new(NULL);
        b = pb_index_new(NULL);
        a->bulk = b->bulk = bulk;
        rng = seed;
        build_random(a, 1, 1200);
        build_random(b, 1201, 800);
        pb_index_append(a, b);
        pb_index_free(b);
        CHECK_EQ(pb_index_write_threads(a, bulk ? p2 : p1, 2, &err), PB_OK);
        pb_index_free(a);
    }
    CHECK(same_bytes(p1, p2));
    CHECK_EQ(pb_index_open(p2, &a, &err), PB_OK);
    CHECK_EQ(pb_index_check_all(a, NULL), PB_OK);
    pb_index_free(a);
    unlink(p1);
    unlink(p2);
}

/* The postings are built a unit of terms at a time on several threads and
 * written in order: the file is the same bytes with 1, 2 or 3 threads, for
 * a fresh build (many units: more terms than a unit holds) and for a
 * compaction of a mapped file plus a delta with deletions. */
/* Top hits of q: pids and scores (up to 50). */
static size_t top(struct pb_index *ix, const char *q, int64_t *pid,
                  double *score)
{
    struct pb_searcher *s = pb_searcher_new(ix);
    struct pb_results r;
    struct pb_search_opts o = {50, 0, PB_SEARCH_COUNT};
    size_t n = 0;
    if (pb_search(s, q, strlen(q), &o, &r) == PB_OK) {
        n = r.n_hits;
        for (size_t i = 0; i < n; i++) {
            pid[i] = r.hits[i].pid;
            score[i] = r.hits[i].score;
        }
        pb_results_clear(&r);
    }
    pb_searcher_free(s);
    return n;
}

/* A written index numbers papers by their categories (as names, primary
 * first), then pid (docorder.c): 240 papers in six category lists, given
 * in an interleaved order; the same hits and scores before and after
 * (phrases need the positions moved with their postings), every pid found
 * again, and a rewrite after deletions keeps the order. */
static void t_doc_order(void)
{
    static const char *cats[6] = {"cs.LG", "cs.CL cs.AI", "math.CO",
                                  "cs.CL", "", "cs.AI cs.CL"};
    /* the lists sorted by names: "", "cs.AI cs.CL", "cs.CL",
     * "cs.CL cs.AI", "cs.LG", "math.CO" */
    static const int rank[6] = {4, 3, 5, 2, 0, 1};
    char path[300];
    snprintf(path, sizeof path, "%s/order.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    for (int i = 0; i < 240; i++) {
        char ab[200];
        snprintf(ab, sizeof ab,
                 "common words here topic%d then common phrase u%d %s", i % 6,
                 i, i % 4 ? "sparse" : "common phrase again");
        add(ix, 240 - i, i % 5 ? "a paper" : "a common paper", ab,
            cats[i % 6], 1546300800 + i * 86400);
    }
    static const char *qs[] = {"common", "\"common phrase\"", "topic3 sparse",
                               "common words topic1 paper u17 again",
                               "\"common phrase again\" topic5"};
    size_t nq = sizeof qs / sizeof *qs, nb[5];
    int64_t pb[5][50], pa[50];
    double sb[5][50], sa[50];
    for (size_t q = 0; q < nq; q++)
        nb[q] = top(ix, qs[q], pb[q], sb[q]);
    CHECK_EQ(nb[1], 50u); /* of 240 */
    struct pb_err err;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    CHECK_EQ(pb_index_ndocs(ix), 240u);
    /* paper pid was given as i = 240 - pid: list i % 6 */
    for (uint32_t d = 1; d < 240; d++) {
        int64_t p0 = ix->d.pid[d - 1], p1 = ix->d.pid[d];
        int r0 = rank[(240 - p0) % 6], r1 = rank[(240 - p1) % 6];
        CHECK(r0 < r1 || (r0 == r1 && p0 < p1));
    }
    CHECK_EQ(ix->d.pid[0], 2); /* i = 238: no category, the smallest pid */
    pb_index_pmap_rebuild(ix);
    for (int64_t p = 1; p <= 240; p++) {
        uint32_t d = 0;
        CHECK_EQ(pb_index_docid(ix, p, &d), PB_OK);
        CHECK_EQ(ix->d.pid[d], p);
        size_t len;
        const char *id = pb_index_doc_id(ix, d, &len);
        char want[32];
        snprintf(want, sizeof want, "p%lld", (long long)p);
        CHECK(len == strlen(want) && memcmp(id, want, len) == 0);
        const char *c = pb_index_cat_name(ix, ix->d.cats[ix->d.cat_off[d]]);
        const char *wc = cats[(240 - p) % 6];
        if (*wc)
            CHECK(strncmp(c, wc, strlen(c)) == 0);
        else
            CHECK_EQ(ix->d.cat_off[d + 1], ix->d.cat_off[d]);
    }
    for (size_t q = 0; q < nq; q++) {
        size_t n = top(ix, qs[q], pa, sa);
        CHECK_EQ(n, nb[q]);
        for (size_t i = 0; i < n && i < nb[q]; i++) {
            CHECK_EQ(pa[i], pb[q][i]);
            CHECK(sa[i] == sb[q][i]);
        }
    }
    CHECK_EQ(pb_index_check_all(ix, NULL), PB_OK);
    /* delete every third, add two more cs.AI papers; rewrite */
    for (int64_t p = 3; p <= 240; p += 3)
        CHECK_EQ(pb_index_delete(ix, p), PB_OK);
    add(ix, 1000, "late", "common phrase late", "cs.AI", 1700000000);
    add(ix, 999, "late", "common phrase late", "cs.AI cs.CL", 1700000000);
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    CHECK_EQ(pb_index_ndocs(ix), 242u - 80u);
    /* "" (pids 2, 8, ..., 236: none deleted), "cs.AI" (1000), then
     * "cs.AI cs.CL" (1, 7, ..., 235, none deleted, then 999) */
    size_t k = 0;
    while (ix->d.cat_off[k + 1] == ix->d.cat_off[k])
        k++;
    CHECK_EQ(k, 40u);
    CHECK_EQ(ix->d.pid[k], 1000);
    CHECK_EQ(ix->d.pid[k + 1], 1);
    CHECK_EQ(ix->d.pid[k + 40], 235);
    CHECK_EQ(ix->d.pid[k + 41], 999);
    struct pb_searcher *s = pb_searcher_new(ix);
    CHECK_EQ(hits(s, "\"phrase late\"", NULL), 2u);
    pb_searcher_free(s);
    CHECK_EQ(pb_index_check_all(ix, NULL), PB_OK);
    pb_index_free(ix);
    unlink(path);
}

/* pb_sort_u64 (the writer's sort of a term's postings by new docid)
 * equals qsort on random keys, small and large. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void t_sort_u64(void)
{
    static const size_t ns[] = {0, 1, 2, 47, 48, 49, 300, 5000, 100000};
    for (size_t t = 0; t < sizeof ns / sizeof *ns; t++) {
        size_t n = ns[t];
        uint64_t *a = malloc((n + 1) * 8), *b = malloc((n + 1) * 8),
                 *tmp = malloc((n + 1) * 8);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (uint64_t)(rnd() & 0x3FFFFF) << 32 | i;
        pb_sort_u64(a, tmp, n, 32, 22);
        qsort(b, n, 8, cmp_u64);
        CHECK(n == 0 || memcmp(a, b, n * 8) == 0);
        free(a);
        free(b);
        free(tmp);
    }
}

static void t_write_threads(void)
{
    char p1[300], p2[300], p3[300];
    snprintf(p1, sizeof p1, "%s/wt1.idx", tmpdir);
    snprintf(p2, sizeof p2, "%s/wt2.idx", tmpdir);
    snprintf(p3, sizeof p3, "%s/wt3.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    struct pb_buf t, a;
    pb_buf_init(&t, 1 << 20);
    pb_buf_init(&a, 1 << 20);
    for (int64_t d = 1; d <= 3000; d++) {
        rand_text(&t, 3 + (int)(rnd() % 8), 30000);
        rand_text(&a, 40 + (int)(rnd() % 100), 30000);
        add(ix, d, pb_buf_cstr(&t), pb_buf_cstr(&a), "cs.CL",
            1500000000 + d * 86400);
    }
    struct pb_index_info in;
    pb_index_info(ix, &in);
    CHECK(in.terms_delta > 3 * 8192); /* several units */
    struct pb_err err;
    CHECK_EQ(pb_index_write_threads(ix, p1, 1, &err), PB_OK);
    CHECK_EQ(pb_index_write_threads(ix, p2, 2, &err), PB_OK);
    CHECK_EQ(pb_index_write_threads(ix, p3, 3, &err), PB_OK);
    CHECK(same_bytes(p1, p2));
    CHECK(same_bytes(p1, p3));
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(p1, &ix, &err), PB_OK);
    for (int64_t d = 3001; d <= 3400; d++) {
        rand_text(&t, 3 + (int)(rnd() % 8), 40000);
        rand_text(&a, 40 + (int)(rnd() % 100), 40000);
        add(ix, d, pb_buf_cstr(&t), pb_buf_cstr(&a), "math.CO",
            1500000000 + d * 86400);
    }
    for (int64_t d = 7; d < 3400; d += 13)
        CHECK_EQ(pb_index_delete(ix, d), PB_OK);
    CHECK_EQ(pb_index_write_threads(ix, p2, 1, &err), PB_OK);
    CHECK_EQ(pb_index_write_threads(ix, p3, 2, &err), PB_OK);
    CHECK(same_bytes(p2, p3));
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(p3, &ix, &err), PB_OK);
    pb_index_info(ix, &in);
    CHECK_EQ(in.docs, (uint64_t)(3400 - (3400 - 7 + 12) / 13));
    CHECK_EQ(pb_index_check_all(ix, NULL), PB_OK);
    pb_index_free(ix);
    pb_buf_clear(&t);
    pb_buf_clear(&a);
    unlink(p1);
    unlink(p2);
    unlink(p3);
}

/* The pid map of a mapped index, built at its first change (presized for
 * all its documents and a day's additions): every pid still finds its
 * document after the first add, replacements replace (the live count stays)
 * and deletions delete, across the whole range and past the reserve. */
/* A word for number i, its decimal digits as consonants ("zqb", "zqc", ...):
 * no digits, vowels, s or y, so the analyser neither splits nor stems it. */
static const char *word_of(int i, char w[16])
{
    static const char d[] = "bcdfghjkmn";
    int k = 0;
    w[k++] = 'z';
    w[k++] = 'q';
    do {
        w[k++] = d[i % 10];
        i /= 10;
    } while (i && k < 14);
    w[k] = '\0';
    return w;
}

static void t_pid_map_after_open(void)
{
    enum { N = 5000 };
    char path[300], title[64], w[16], q[64];
    snprintf(path, sizeof path, "%s/pmap.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    for (int i = 1; i <= N; i++) {
        snprintf(title, sizeof title, "paper %s common", word_of(i, w));
        add(ix, i * 7919LL, title, "shared words", "cs.LG", 1546300800);
    }
    struct pb_err err;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    /* first change: a new paper, so the map is built */
    add(ix, 1, "a new paper zebra", "shared words", "cs.CL", 1546300800);
    struct pb_index_info in;
    pb_index_info(ix, &in);
    CHECK_EQ(in.docs, (uint64_t)N + 1);
    uint32_t doc;
    for (int i = 1; i <= N; i++)
        CHECK_EQ(pb_index_docid(ix, i * 7919LL, &doc), PB_OK);
    CHECK_EQ(pb_index_docid(ix, 7918, &doc), PB_ENOTFOUND);
    /* replace every 10th paper, delete every 25th */
    for (int i = 10; i <= N; i += 10) {
        snprintf(title, sizeof title, "paper %s replaced", word_of(i, w));
        add(ix, i * 7919LL, title, "other words", "cs.LG", 1546300800);
    }
    for (int i = 25; i <= N; i += 25)
        CHECK_EQ(pb_index_delete(ix, i * 7919LL), PB_OK);
    /* more additions than the reserve's 1,024 on top */
    for (int i = 0; i < 2000; i++) {
        snprintf(title, sizeof title, "later %s", word_of(100000 + i, w));
        add(ix, -1 - i, title, "shared words", "cs.CL", 1577836800);
    }
    pb_index_info(ix, &in);
    CHECK_EQ(in.docs, (uint64_t)N + 1 - N / 25 + 2000);
    struct pb_searcher *s = pb_searcher_new(ix);
    int64_t first;
    snprintf(q, sizeof q, "+%s +replaced", word_of(4990, w));
    CHECK_EQ(hits(s, q, &first), 1);
    CHECK_EQ(first, 4990 * 7919LL);
    snprintf(q, sizeof q, "+%s +common", word_of(4990, w));
    CHECK_EQ(hits(s, q, NULL), 0); /* the old text is gone */
    CHECK_EQ(hits(s, word_of(5000, w), NULL), 0); /* deleted */
    snprintf(q, sizeof q, "+%s +common", word_of(4999, w));
    CHECK_EQ(hits(s, q, &first), 1);
    CHECK_EQ(first, 4999 * 7919LL);
    CHECK_EQ(hits(s, word_of(101999, w), &first), 1);
    CHECK_EQ(first, -2000);
    pb_searcher_free(s);
    /* written and opened again: the same live documents */
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    pb_index_info(ix, &in);
    CHECK_EQ(in.docs, (uint64_t)N + 1 - N / 25 + 2000);
    CHECK_EQ(pb_index_delete(ix, 4976 * 7919LL), PB_OK);
    CHECK_EQ(pb_index_delete(ix, 5000 * 7919LL), PB_ENOTFOUND);
    pb_index_free(ix);
    unlink(path);
}

static void t_phrases_and_facets(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    add(ix, 1, "A", "the large language model is large", "cs.LG", 1546300800);
    add(ix, 2, "B", "language large model", "cs.CL cs.AI", 1577836800);
    add(ix, 3, "C", "models of large language", "cs.AI", 1577836800);
    struct pb_searcher *s = pb_searcher_new(ix);
    CHECK_EQ(hits(s, "\"large language model\"", NULL), 1);
    CHECK_EQ(hits(s, "\"large language\"", NULL), 2);
    CHECK_EQ(hits(s, "-\"large language\" model", NULL), 1);
    struct pb_results r;
    struct pb_search_opts o = {10, 0, PB_SEARCH_COUNT | PB_SEARCH_EXPLAIN};
    CHECK_EQ(pb_search(s, "language", 8, &o, &r), PB_OK);
    CHECK_EQ(r.total, 3);
    CHECK(r.n_cats == 3);
    CHECK_STR(r.cats[0].name, "cs.AI");
    CHECK_EQ(r.cats[0].count, 2);
    CHECK(r.n_years == 2);
    CHECK_STR(r.years[0].name, "2020");
    CHECK_EQ(r.years[0].count, 2);
    CHECK(r.explain && strstr(r.explain, "languag"));
    pb_results_clear(&r);
    /* sort by date: newest first, ties by docid */
    CHECK_EQ(pb_search(s, "language sort:date", 18, &o, &r), PB_OK);
    CHECK(r.n_hits == 3 && r.hits[0].pid == 2 && r.hits[2].pid == 1);
    pb_results_clear(&r);
    pb_searcher_free(s);
    pb_index_free(ix);
}

/* Totals with PB_SEARCH_ESTIMATE: 2,000 papers of three words each (equal
 * lengths); alpha in the even ones (1,000), beta in every fourth of the
 * second half (250, all with alpha), gamma in every third (667); the first
 * half is cs.AA of 2019, the second cs.BB of 2021; papers 999 and 1998
 * (from 0) are cs.CC too: a written index numbers each after the rest of
 * its category (pb_doc_order()), which moves only 1998, past 1999, outside
 * every sampled range, so delta and file give the same figures. Budget 100: a sample of 64 docid ranges (each of 31 or 32
 * docids), the first 100 / (most possible matches) of each. */
static void estimate_checks(struct pb_index *ix)
{
    struct pb_searcher *s = pb_searcher_new(ix);
    struct pb_results r;
    struct pb_search_opts est = {10, 0, PB_SEARCH_COUNT | PB_SEARCH_ESTIMATE};
    struct pb_search_opts exact = {10, 0, PB_SEARCH_COUNT};
    pb_searcher_set_count_budget(s, 100);
    /* one word: its df, exact, whatever the budget */
    CHECK_EQ(pb_search(s, "alpha", 5, &est, &r), PB_OK);
    CHECK_EQ(r.total, 1000);
    CHECK_EQ(r.total_min, 1000);
    CHECK(r.total_exact && !r.total_estimated);
    pb_results_clear(&r);
    /* a union of at most 1,250: 100/1250 of each range (3 docids, 192 in
     * all), 96 matches there: 96 x 2000 / 192 */
    CHECK_EQ(pb_search(s, "alpha beta", 10, &est, &r), PB_OK);
    CHECK_EQ(r.total, 1000);
    CHECK_EQ(r.total_min, 100); /* the ranked top PB_FACET_TOP */
    CHECK(!r.total_exact && r.total_estimated);
    CHECK_EQ(r.n_hits, 10);
    for (size_t i = 0; i < r.n_hits; i++)
        CHECK(r.hits[i].pid > 1000 && (r.hits[i].pid - 1) % 4 == 0);
    /* facets: of the ranked top 100 (the alpha-and-beta papers, all of
     * the second half), not of the sample */
    CHECK_EQ(r.n_cats, 1);
    CHECK_STR(r.cats[0].name, "cs.BB");
    CHECK_EQ(r.cats[0].count, 100);
    CHECK_EQ(r.n_years, 1);
    CHECK_STR(r.years[0].name, "2021");
    CHECK_EQ(r.years[0].count, 100);
    pb_results_clear(&r);
    /* asked exact: exact, and the same facets */
    CHECK_EQ(pb_search(s, "alpha beta", 10, &exact, &r), PB_OK);
    CHECK_EQ(r.total, 1000);
    CHECK_EQ(r.total_min, 1000);
    CHECK(r.total_exact && !r.total_estimated);
    CHECK_EQ(r.n_cats, 1);
    CHECK_EQ(r.cats[0].count, 100);
    pb_results_clear(&r);
    /* an intersection (334): at most 667, 5 docids a range (320), 53
     * matches: 53 x 2000 / 320 = 331.25 */
    CHECK_EQ(pb_search(s, "+alpha +gamma", 13, &est, &r), PB_OK);
    CHECK_EQ(r.total, 331);
    CHECK_EQ(r.total_min, 100);
    CHECK(r.total_estimated);
    pb_results_clear(&r);
    CHECK_EQ(pb_search(s, "+alpha +gamma", 13, &exact, &r), PB_OK);
    CHECK_EQ(r.total, 334);
    CHECK(r.total_exact);
    pb_results_clear(&r);
    /* 83 (1008..1992, multiples of 12): at most 250, 13 docids a range
     * (832), 36 matches: 36 x 2000 / 832 = 86.5; ranking found all 83 */
    CHECK_EQ(pb_search(s, "+beta +gamma", 12, &est, &r), PB_OK);
    CHECK_EQ(r.total, 87);
    CHECK_EQ(r.total_min, 83);
    CHECK(r.total_estimated);
    pb_results_clear(&r);
    /* with a filter (500): 64 of 256 sampled docids */
    CHECK_EQ(pb_search(s, "alpha cat:cs.BB", 15, &est, &r), PB_OK);
    CHECK_EQ(r.total, 500);
    CHECK(r.total_estimated);
    pb_results_clear(&r);
    /* a filter alone: every docid a candidate, 64 of 128 match */
    CHECK_EQ(pb_search(s, "cat:cs.BB", 9, &est, &r), PB_OK);
    CHECK_EQ(r.total, 1000);
    CHECK(r.total_estimated);
    pb_results_clear(&r);
    /* a narrow filter: the sample finds none (5 docids a range), under a
     * tenth of the budget, too few to scale: every candidate is counted */
    CHECK_EQ(pb_search(s, "gamma cat:cs.CC", 15, &est, &r), PB_OK);
    CHECK_EQ(r.total, 2);
    CHECK(r.total_exact && !r.total_estimated);
    pb_results_clear(&r);
    /* at most twice the budget: counted */
    pb_searcher_set_count_budget(s, 200);
    CHECK_EQ(pb_search(s, "+beta +gamma", 12, &est, &r), PB_OK);
    CHECK_EQ(r.total, 83);
    CHECK(r.total_exact);
    pb_results_clear(&r);
    pb_searcher_set_count_budget(s, 0); /* PB_COUNT_BUDGET: all counted */
    CHECK_EQ(pb_search(s, "alpha beta", 10, &est, &r), PB_OK);
    CHECK_EQ(r.total, 1000);
    CHECK(r.total_exact && !r.total_estimated);
    pb_results_clear(&r);
    pb_searcher_free(s);
}

static void t_estimated_totals(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/est.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    for (int i = 0; i < 2000; i++) {
        char ab[64];
        snprintf(ab, sizeof ab, "%s %s %s", i % 2 ? "xa" : "alpha",
                 i >= 1000 && i % 4 == 0 ? "beta" : "xb",
                 i % 3 ? "xc" : "gamma");
        add(ix, i + 1, "paper", ab,
            i == 999    ? "cs.AA cs.CC"
            : i == 1998 ? "cs.BB cs.CC"
            : i < 1000  ? "cs.AA"
                        : "cs.BB",
            i < 1000 ? 1546300800 : 1609459200);
    }
    estimate_checks(ix); /* the delta segment */
    struct pb_err err;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    estimate_checks(ix); /* the main segment: blocks */
    /* a deleted alpha paper: one word's total is its live df */
    CHECK_EQ(pb_index_delete(ix, 1), PB_OK);
    struct pb_searcher *s = pb_searcher_new(ix);
    struct pb_results r;
    struct pb_search_opts est = {10, 0, PB_SEARCH_COUNT | PB_SEARCH_ESTIMATE};
    CHECK_EQ(pb_search(s, "alpha", 5, &est, &r), PB_OK);
    CHECK_EQ(r.total, 999);
    CHECK(r.total_exact);
    pb_results_clear(&r);
    pb_searcher_free(s);
    pb_index_free(ix);
    unlink(path);
}

/* Estimates on a written index, whose docids follow topic: 65,536
 * papers in 16 categories, given interleaved (paper i in category i % 16,
 * the (i / 16)-th of its category); "w" in the oldest eighth of each
 * category and in one paper in 16 after (drawn at random), "v" in every
 * third paper. The
 * sample must see each category's oldest eighth in proportion: 64 ranges
 * of a quarter category each, sampled at their starts, counted it in one
 * range of four (w estimated about 1.6x). Budget 1,000: a sample of about
 * 700 matches, within 10%. */
static void t_estimate_topics(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/esttopic.idx", tmpdir);
    struct pb_index *ix = pb_index_new(NULL);
    for (int i = 0; i < 65536; i++) {
        int j = i / 16;
        char cat[16];
        snprintf(cat, sizeof cat, "t.%02d", i % 16);
        int w = j < 512 || rnd() % 16 == 0;
        add(ix, i + 1, "paper", w ? (i % 3 ? "w x" : "w v")
                                  : (i % 3 ? "x" : "v x"),
            cat, 1546300800);
    }
    struct pb_err err;
    CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
    pb_index_free(ix);
    CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
    struct pb_searcher *s = pb_searcher_new(ix);
    pb_searcher_set_count_budget(s, 1000);
    struct pb_results r;
    struct pb_search_opts est = {10, 0, PB_SEARCH_COUNT | PB_SEARCH_ESTIMATE};
    struct pb_search_opts exact = {10, 0, PB_SEARCH_COUNT};
    static const char *qs[] = {"w v", "w x", "+w +x"};
    for (size_t q = 0; q < 3; q++) {
        CHECK_EQ(pb_search(s, qs[q], strlen(qs[q]), &exact, &r), PB_OK);
        uint64_t want = r.total;
        CHECK(r.total_exact);
        pb_results_clear(&r);
        CHECK_EQ(pb_search(s, qs[q], strlen(qs[q]), &est, &r), PB_OK);
        CHECK(r.total_estimated);
        double e = (double)r.total / (double)want;
        if (!(e > 0.9 && e < 1.1))
            fprintf(stderr, "  %s: estimated %llu, exact %llu\n", qs[q],
                    (unsigned long long)r.total, (unsigned long long)want);
        CHECK(e > 0.9 && e < 1.1);
        pb_results_clear(&r);
    }
    pb_searcher_free(s);
    pb_index_free(ix);
    unlink(path);
}

static void t_query_language(void)
{
    struct pb_query q;
    const char *s = "+graph -\"neural net\" title:attention cat:cs.CL "
                    "after:2019-01-01 before:2019-06 sort:upvotes";
    CHECK_EQ(pb_query_parse(az, s, strlen(s), &q), PB_OK);
    CHECK_EQ(q.n_cl, 3);
    CHECK_EQ(q.cl[0].occur, PB_MUST);
    CHECK_EQ(q.cl[1].occur, PB_MUST_NOT);
    CHECK_EQ(q.cl[1].n_terms, 2);
    CHECK_EQ(q.cl[1].terms[1].rel, 1);
    CHECK_EQ(q.cl[2].fields, 1u << PB_F_TITLE);
    CHECK_STR(q.cats[0], "cs.CL");
    CHECK_EQ(q.after_day, 17897);
    CHECK_EQ(q.before_day, 18077);
    CHECK_EQ(q.sort, PB_SORT_UPVOTES);
    CHECK_STR(q.notice, "");
    /* malformed: never fails, always says why */
    static const char *bad[] = {"\"unbalanced phrase", "foo:bar baz",
                                "the of and", "", "a\x01" "b\xff",
                                "after:yesterday x", "sort:random x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(pb_query_parse(az, bad[i], strlen(bad[i]), &q), PB_OK);
        CHECK(q.notice[0] != 0);
    }
    CHECK_EQ(pb_query_parse(az, "\"unbalanced phrase", 18, &q), PB_OK);
    CHECK_EQ(q.n_cl, 1);
    CHECK_EQ(q.cl[0].n_terms, 2);
    CHECK_EQ(pb_query_parse(az, "foo:bar baz", 11, &q), PB_OK);
    CHECK_EQ(q.n_cl, 3);
    char *big = malloc(20000);
    for (int i = 0; i < 20000; i++)
        big[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 5);
    CHECK_EQ(pb_query_parse(az, big, 20000, &q), PB_OK);
    CHECK(strstr(q.notice, "10 kB") != NULL);
    CHECK(q.n_cl <= PB_QUERY_MAX_CLAUSES);
    free(big);
    CHECK_EQ(pb_query_parse(az, "arXiv:2504.08385v2", 18, &q), PB_OK);
    CHECK_EQ(q.n_ids, 1);
    CHECK_STR(q.ids[0], "2504.08385");
    CHECK_EQ(pb_query_parse(az, "year:2019", 9, &q), PB_OK);
    CHECK_EQ(q.after_day, 17897);
    CHECK_EQ(q.before_day, 18261);
    /* negated filters are filters of their own, not positive ones */
    s = "x -cat:cs.CL -id:2504.08385 -year:2019 -after:2020-01-01";
    CHECK_EQ(pb_query_parse(az, s, strlen(s), &q), PB_OK);
    CHECK_STR(q.notice, "");
    CHECK_EQ(q.n_cats, 0);
    CHECK_EQ(q.n_not_cats, 1);
    CHECK_STR(q.not_cats[0], "cs.CL");
    CHECK_EQ(q.n_ids, 0);
    CHECK_EQ(q.n_not_ids, 1);
    CHECK_EQ(q.after_day, INT32_MIN);
    CHECK_EQ(q.n_not_days, 2);
    CHECK_EQ(q.not_day_lo[0], 17897);
    CHECK_EQ(q.not_day_hi[0], 18261);
    CHECK_EQ(q.not_day_lo[1], 18262);
    CHECK_EQ(pb_query_parse(az, "-cat:cs.CL", 10, &q), PB_OK);
    CHECK(!pb_query_empty(&q));
}

/* Re-ranking features of hand-made documents, in memory and mapped. */
static void t_features(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    add(ix, 1, "cat dog", "a note on pets", "", 0);        /* title pair */
    add(ix, 2, "pets", "cat one two three four five six dog", "", 0);
    add(ix, 3, "pets", "the cat sat", "", 0);               /* cat only */
    add(ix, 4, "birds", "sparrow finch", "", 0);            /* neither */
    add(ix, 5, "pets", "a dog and a cat", "", 0);           /* near, abstract */
    char path[300];
    snprintf(path, sizeof path, "%s/feat.idx", tmpdir);
    struct pb_err err;
    for (int mapped = 0; mapped < 2; mapped++) {
        struct pb_searcher *s = pb_searcher_new(ix);
        struct pb_results r;
        struct pb_search_opts o = {10, 0, PB_SEARCH_EXHAUSTIVE};
        CHECK_EQ(pb_search(s, "cat dog", 7, &o, &r), PB_OK);
        CHECK_EQ(r.n_hits, 4);
        int64_t pids[] = {3, 1, 4, 2, 5, 99};
        struct pb_doc_features f[6];
        CHECK_EQ(pb_search_features(s, pids, 6, f), PB_OK);
        /* bm25 is the score the search ranked by */
        for (size_t h = 0; h < r.n_hits; h++)
            for (int k = 0; k < 6; k++)
                if (pids[k] == r.hits[h].pid)
                    CHECK_NEAR(f[k].bm25, r.hits[h].score, 1e-9);
        /* no match, unknown pid: zeros */
        CHECK_NEAR(f[2].bm25, 0, 0);
        CHECK_NEAR(f[2].coverage, 0, 0);
        CHECK_NEAR(f[5].bm25, 0, 0);
        /* title and abstract parts */
        CHECK(f[1].title > 0);
        CHECK_NEAR(f[1].abstract, 0, 0);
        CHECK_NEAR(f[0].title, 0, 0);
        CHECK(f[0].abstract > 0);
        /* coverage: both words 1, "cat" alone its share of the idf */
        CHECK_NEAR(f[1].coverage, 1, 1e-12);
        CHECK_NEAR(f[3].coverage, 1, 1e-12);
        CHECK(f[0].coverage > 0.3 && f[0].coverage < 0.7);
        /* proximity: adjacent (1), within 4 (5: "dog and a cat"), seven
         * apart (2), one word (3) */
        CHECK_NEAR(f[1].proximity, 1, 1e-12);
        CHECK_NEAR(f[4].proximity, 1, 1e-12);
        CHECK_NEAR(f[3].proximity, 0, 0);
        CHECK_NEAR(f[0].proximity, 0, 0);
        CHECK_EQ(pb_search_features(s, NULL, 0, NULL), PB_OK);
        CHECK_EQ(pb_search_features(s, NULL, 1, f), PB_EINVAL);
        pb_results_clear(&r);
        pb_searcher_free(s);
        if (!mapped) { /* again on the mapped file (pid map built lazily) */
            CHECK_EQ(pb_index_write(ix, path, &err), PB_OK);
            pb_index_free(ix);
            ix = NULL;
            CHECK_EQ(pb_index_open(path, &ix, &err), PB_OK);
        }
    }
    pb_index_free(ix);
    unlink(path);
}

static void t_snippet(void)
{
    struct pb_index *ix = pb_index_new(NULL);
    struct pb_searcher *s = pb_searcher_new(ix);
    struct pb_results r;
    CHECK_EQ(pb_search(s, "sparse attention", 16, NULL, &r), PB_OK);
    pb_results_clear(&r);
    const char *abs = "We begin with background. Many words here fill the "
                      "space before the interesting part arrives. Our "
                      "\\emph{sparse} attention layer is fast; attention "
                      "costs $O(n)$. More text follows to make it long "
                      "enough to be cut somewhere sensible at the end.";
    struct pb_snippet sn;
    pb_search_snippet(s, abs, strlen(abs), 80, &sn);
    CHECK(sn.n_marks >= 2);
    CHECK(strlen(sn.text) <= 80 + 6);
    for (size_t i = 0; i < sn.n_marks; i++) {
        const char *m = sn.text + sn.marks[i].start;
        CHECK(strncmp(m, "sparse", 6) == 0 || strncmp(m, "attention", 9) == 0);
    }
    pb_snippet_clear(&sn);
    pb_search_snippet(s, "", 0, 80, &sn);
    CHECK_STR(sn.text, "");
    pb_snippet_clear(&sn);
    pb_searcher_free(s);
    pb_index_free(ix);
}

/* Docid gaps unpacked with SIMD (AVX2, where the CPU has it) equal the
 * scalar unpacking and the values packed, for every width and for block
 * lengths around the 8-value steps; the input is a heap buffer of exactly
 * the packed size, so ASan catches a read past it. */
static void t_unpack_gaps(void)
{
    static const size_t lens[] = {1, 7, 8, 9, 31, 32, 33, 40, 64, 100, 127, 128};
    uint64_t r = 0x2545F4914F6CDD1Dull;
    int checked = 0;
    for (unsigned w = 0; w <= 32; w++) {
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            size_t n = lens[li];
            uint32_t gaps[128], want[128], got[128], ref[128];
            uint32_t prev = li % 3 == 0 ? UINT32_MAX : (uint32_t)(li * 1000);
            uint32_t d = prev;
            for (size_t i = 0; i < n; i++) {
                r ^= r << 13, r ^= r >> 7, r ^= r << 17;
                uint32_t m = w == 32 ? UINT32_MAX : (1u << w) - 1;
                /* every fourth value the widest the width holds */
                gaps[i] = i % 4 == 1 ? m : (uint32_t)r & m;
                d += gaps[i] + 1;
                want[i] = d;
            }
            size_t words = pb_bitpack_words(n, w);
            uint32_t *packed = malloc(words ? words * 4 : 1);
            CHECK(packed != NULL);
            pb_bitpack(gaps, n, w, packed);
            pb_bitunpack_gaps((const uint8_t *)packed, n, w, prev, got);
            pb_bitunpack_gaps_scalar((const uint8_t *)packed, n, w, prev, ref);
            free(packed);
            CHECK(memcmp(got, want, n * sizeof *got) == 0);
            CHECK(memcmp(ref, want, n * sizeof *ref) == 0);
            checked++;
        }
    }
    CHECK_EQ(checked, 33 * 12);
    /* the comparison above is only worth its name where the SIMD path
     * runs: on x86-64 it must whenever the CPU has AVX2 */
#if defined(__x86_64__)
    CHECK_EQ(pb_bitunpack_simd(), __builtin_cpu_supports("avx2") ? 1 : 0);
#endif
    fprintf(stderr, "  docid gaps: SIMD path %s\n",
            pb_bitunpack_simd() ? "taken (AVX2)" : "not available");
}

int main(void)
{
    az = pb_analyzer_new();
    const char *base = getenv("PB_TEST_OUT");
    snprintf(tmpdir, sizeof tmpdir, "%s/search-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        snprintf(tmpdir, sizeof tmpdir, "/tmp");
    static const struct pb_test T[] = {
        {"bm25f_reference", t_bm25f_reference},
        {"bm25_fts5_oracle", t_bm25_fts5},
        {"pruning_exact", t_pruning_exact},
        {"incremental", t_incremental},
        {"deleted_df", t_deleted_df},
        {"append_partitions", t_append_partitions},
        {"write_threads", t_write_threads},
        {"written index: papers numbered by topic", t_doc_order},
        {"sorting a term's postings", t_sort_u64},
        {"pid_map_after_open", t_pid_map_after_open},
        {"phrases_and_facets", t_phrases_and_facets},
        {"estimated_totals", t_estimated_totals},
        {"estimated totals on a topic-ordered index", t_estimate_topics},
        {"query_language", t_query_language},
        {"snippet", t_snippet},
        {"features for re-ranking", t_features},
        {"docid gaps: SIMD unpacking equals scalar", t_unpack_gaps},
        {0},
    };
    int rc = pb_test_run(T);
    for (int d = 0; d < NDOC; d++) {
        free(titles[d]);
        free(abstracts[d]);
    }
    pb_analyzer_free(az);
    rmdir(tmpdir);
    return rc;
}
