/* web_search.c - the search engine (src/search) behind /search,
 * /api/papers/search and /atom/search.xml: one shared index, one searcher
 * per worker thread, papers loaded from the thread's store. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "search/index_store.h"
#include "rank/hybrid.h"
#include "search/search.h"
#include "core/escape.h"
#include "web/web_similar.h"
#include "web/web_int.h"
#include "web/web_ops.h"

struct pb_web_search {
    struct pb_index *ix;
    pthread_mutex_t sync_lock;
    pthread_t checker; /* checks every term's postings once, off the
                        * request path (else each first use of a word pays) */
    int checking;
    _Atomic int stop;
};

static void *check_terms(void *arg)
{
    struct pb_web_search *ws = arg;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = pb_index_check_all(ws->ix, &ws->stop);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == PB_EPARSE)
        fprintf(stderr, "paperboy serve: some words of the search index are "
                        "damaged (above); run paperboy reindex\n");
    else if (rc == PB_OK)
        fprintf(stderr, "paperboy serve: search index checked in %.1f s\n",
                (double)(t1.tv_sec - t0.tv_sec) +
                    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return NULL;
}

struct pb_web_search *pb_web_search_open(const char *db_path,
                                         struct pb_store *st)
{
    struct pb_err err = {0};
    struct pb_index *ix = NULL;
    int rc = pb_index_open_synced(db_path, st, &ix, &err);
    if (rc == PB_EPARSE) {
        /* a damaged or old file: say so, and serve from memory */
        fprintf(stderr, "paperboy serve: %s; building the index in memory "
                        "from the store meanwhile\n", err.msg);
        memset(&err, 0, sizeof err);
        rc = PB_ENOTFOUND;
    }
    if (rc == PB_ENOTFOUND) {
        /* no index file: build one in memory (the server writes no files) */
        ix = pb_index_new(NULL);
        rc = pb_index_sync(ix, st, NULL);
        if (rc)
            snprintf(err.msg, sizeof err.msg, "indexing: %s", pb_strerror(rc));
    }
    if (rc) {
        fprintf(stderr, "paperboy serve: search disabled: %s\n", err.msg);
        pb_index_free(ix);
        return NULL;
    }
    struct pb_web_search *ws = pb_calloc(1, sizeof *ws);
    ws->ix = ix;
    pthread_mutex_init(&ws->sync_lock, NULL);
    ws->checking = pthread_create(&ws->checker, NULL, check_terms, ws) == 0;
    return ws;
}

void pb_web_search_free(struct pb_web_search *ws)
{
    if (!ws)
        return;
    if (ws->checking) {
        atomic_store(&ws->stop, 1);
        pthread_join(ws->checker, NULL);
    }
    pb_index_free(ws->ix);
    pthread_mutex_destroy(&ws->sync_lock);
    free(ws);
}

void pb_web_search_sync(struct pb_web_search *ws, struct pb_store *st)
{
    if (!ws || pthread_mutex_trylock(&ws->sync_lock))
        return;
    if (pb_index_sync(ws->ix, st, NULL))
        fprintf(stderr, "paperboy serve: index sync failed\n");
    pthread_mutex_unlock(&ws->sync_lock);
}

void pb_web_search_sync_wait(struct pb_web_search *ws, struct pb_store *st)
{
    if (!ws)
        return;
    pthread_mutex_lock(&ws->sync_lock);
    if (pb_index_sync(ws->ix, st, NULL))
        fprintf(stderr, "paperboy serve: index sync failed\n");
    pthread_mutex_unlock(&ws->sync_lock);
}

void pb_web_searcher_free(struct pb_searcher *s)
{
    pb_searcher_free(s);
}

void pb_web_snips_free(char **snips, size_t n)
{
    if (!snips)
        return;
    for (size_t i = 0; i < n; i++)
        free(snips[i]);
    free(snips);
}

/* The snippet as HTML: escaped text with <mark> around matched words. */
static char *snip_html(struct pb_searcher *s, const char *abstract)
{
    struct pb_snippet sn = {0};
    struct pb_buf b;
    int rc = PB_OK;
    pb_buf_init(&b, 1 << 16);
    pb_search_snippet(s, abstract, strlen(abstract), 300, &sn);
    size_t at = 0, tlen = strlen(sn.text);
    for (size_t i = 0; i < sn.n_marks && !rc; i++) {
        const struct pb_mark *m = &sn.marks[i];
        if (m->start < at || m->start + m->len > tlen)
            continue;
        if (!(rc = pb_web_html(&b, sn.text + at, m->start - at)) &&
            !(rc = pb_buf_puts(&b, "<mark>")) &&
            !(rc = pb_web_html(&b, sn.text + m->start, m->len)))
            rc = pb_buf_puts(&b, "</mark>");
        at = m->start + m->len;
    }
    if (!rc)
        rc = pb_web_html(&b, sn.text + at, tlen - at);
    pb_snippet_clear(&sn);
    char *out = rc ? NULL : pb_buf_steal(&b);
    pb_buf_clear(&b);
    return out;
}

/* Load the papers pids[0..n) into out (ids deleted since they were
 * indexed are left out), in one read transaction: one snapshot and one
 * round of SQLite's locks for all the lookups. */
static int load_papers(struct pb_web_req *rq, const int64_t *pids, size_t n,
                       struct pb_feed_list *out)
{
    int rc, began = 0;
    out->v = pb_reallocarray(NULL, n + 1, sizeof *out->v);
    out->pid = pb_reallocarray(NULL, n + 1, sizeof *out->pid);
    if ((rc = pb_store_read_begin(rq->th->st, &began)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct pb_paper *p = &out->v[out->n];
        pb_paper_init(p);
        rc = pb_store_paper_get_pid(rq->th->st, pids[i], p);
        if (rc == PB_ENOTFOUND) {
            pb_paper_clear(p);
            rc = PB_OK;
            continue;
        }
        if (rc) {
            pb_paper_clear(p);
            break;
        }
        out->pid[out->n++] = pids[i];
    }
    pb_store_read_end(rq->th->st, began);
    return rc;
}

/* mode=semantic|hybrid: pb_hybrid_search() over the top PB_HYBRID_DEPTH;
 * the page is a slice of that list, and total its length. */
static int run_vector(struct pb_web_req *rq, struct pb_vquery *vq,
                      enum pb_search_mode mode, const char *q,
                      int64_t offset, int limit, struct pb_feed_list *out,
                      int64_t *total, int want_marks)
{
    struct pb_ranked f[PB_HYBRID_DEPTH];
    int64_t pids[PB_HYBRID_DEPTH];
    size_t nf = 0, n = 0;
    struct pb_searcher *s = rq->th->searcher;
    /* the whole list (both engines look PB_HYBRID_DEPTH deep whatever k
     * is), so that total and "more" are known */
    int rc = pb_hybrid_search(s, vq, mode, q, strlen(q), -1, PB_HYBRID_DEPTH,
                              f, &nf);
    if (rc)
        return rc;
    if (want_marks && mode == PB_MODE_SEMANTIC) {
        /* the snippets mark the searcher's last query: make it this one
         * (hybrid has just run it) */
        struct pb_results r;
        struct pb_search_opts o = {.limit = 1};
        if ((rc = pb_search(s, q, strlen(q), &o, &r)))
            return rc;
        pb_results_clear(&r);
    }
    for (size_t i = (size_t)offset; i < nf && n < (size_t)limit; i++)
        pids[n++] = f[i].key;
    *total = (int64_t)nf;
    if ((rc = load_papers(rq, pids, n, out)))
        return rc;
    out->more = (uint64_t)offset + (uint64_t)limit < nf;
    return PB_OK;
}

int pb_web_search_id(struct pb_web_req *rq, const char *q,
                     struct pb_paper *out, int64_t *out_pid)
{
    char id[PB_MAX_ID];
    int v;
    if (!q || strlen(q) > 200 ||
        pb_arxiv_id_parse(q, strlen(q), id, &v) != PB_OK)
        return PB_ENOTFOUND;
    return pb_store_feed_paper(rq->th->feed, id, out, out_pid);
}

int pb_web_search_run(struct pb_web_req *rq, const char *q,
                      enum pb_search_mode *mode, int64_t offset, int limit,
                      struct pb_feed_list *out, int64_t *total,
                      struct pb_results *res, char ***snips)
{
    int rc = PB_OK;
    struct pb_results own = {0};
    struct pb_results *r = res ? res : &own;
    int64_t *pids = NULL;
    pb_feed_list_clear(out);
    *total = 0;
    if (snips)
        *snips = NULL;
    if (!rq->site->search)
        return PB_EUNSUP;
    if (offset < 0 || offset > 10000 || limit < 1 || limit > 1000)
        return PB_EINVAL;
    if (!rq->th->searcher)
        rq->th->searcher = pb_searcher_new(rq->site->search->ix);
    enum pb_search_mode m = mode ? *mode : PB_MODE_KEYWORD;
    struct pb_vquery *vq = NULL;
    if (m != PB_MODE_KEYWORD && !(vq = pb_web_vquery(rq)))
        m = PB_MODE_KEYWORD; /* no vectors: the caller tells the reader */
    if (mode)
        *mode = m;
    if (m != PB_MODE_KEYWORD) {
        rc = run_vector(rq, vq, m, q, offset, limit, out, total, !!snips);
    } else {
        struct pb_search_opts o = {.limit = (size_t)limit,
                                   .offset = (size_t)offset,
                                   .flags = res ? PB_SEARCH_COUNT |
                                                      PB_SEARCH_ESTIMATE
                                                : 0};
        if ((rc = pb_search(rq->th->searcher, q, strlen(q), &o, r)))
            goto out;
        *total = (int64_t)r->total;
        pids = pb_reallocarray(NULL, r->n_hits + 1, sizeof *pids);
        for (size_t i = 0; i < r->n_hits; i++)
            pids[i] = r->hits[i].pid;
        rc = load_papers(rq, pids, r->n_hits, out);
        /* an estimated total may be high or low: the lower bound tells */
        out->more = (uint64_t)offset + r->n_hits < r->total_min;
    }
    if (rc)
        goto out;
    if (snips) {
        *snips = pb_calloc(out->n + 1, sizeof **snips);
        for (size_t i = 0; i < out->n; i++)
            (*snips)[i] = snip_html(rq->th->searcher, out->v[i].abstract
                                                          ? out->v[i].abstract
                                                          : "");
    }
out:
    free(pids);
    if (!res)
        pb_results_clear(&own);
    return rc;
}

void pb_web_search_stat(struct pb_web_search *ws,
                        struct pb_web_search_stat *out)
{
    memset(out, 0, sizeof *out);
    if (!ws)
        return;
    struct pb_index_info info;
    pthread_mutex_lock(&ws->sync_lock); /* not while a sync changes it */
    out->seq = pb_index_seq(ws->ix);
    pb_index_info(ws->ix, &info);
    pthread_mutex_unlock(&ws->sync_lock);
    out->papers = info.docs;
    out->bytes = info.file_bytes;
}
