/* index_store.c - the index beside the store (see index_store.h). */
#include "search/index_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "search/search_int.h"
#include "store/store_files.h"

int pb_index_path(const char *db_path, char *out, size_t cap)
{
    char base[4096];
    if (pb_local_base(db_path, base, sizeof base))
        return PB_ETOOBIG;
    int n = snprintf(out, cap, "%s.idx", base);
    return n < 0 || (size_t)n >= cap ? PB_ETOOBIG : PB_OK;
}

struct syncctx {
    struct pb_index *ix;
    struct pb_analyzer *az;
    size_t n;
    int64_t seq;
};

static int on_change(void *ctx, int64_t pid, int64_t seq, int deleted,
                     const struct pb_paper *p)
{
    struct syncctx *c = ctx;
    int rc = PB_OK;
    if (deleted) {
        rc = pb_index_delete(c->ix, pid);
        if (rc == PB_ENOTFOUND)
            rc = PB_OK;
    } else {
        rc = pb_index_add_paper(c->ix, c->az, pid, p);
    }
    if (seq > c->seq)
        c->seq = seq;
    c->n++;
    return rc;
}

int pb_index_sync(struct pb_index *ix, struct pb_store *st, size_t *out_n)
{
    struct syncctx c = {ix, pb_analyzer_new(), 0, pb_index_seq(ix)};
    int rc = pb_store_paper_changes(st, pb_index_seq(ix), on_change, &c);
    pb_index_set_seq(ix, c.seq);
    pb_analyzer_free(c.az);
    if (out_n)
        *out_n = c.n;
    return rc;
}

int pb_index_open_synced(const char *db_path, struct pb_store *st,
                         struct pb_index **out, struct pb_err *err)
{
    char path[4096];
    int rc = pb_index_path(db_path, path, sizeof path);
    if (rc)
        return pb_err_set(err, rc, "%s: path too long", db_path);
    rc = pb_index_open(path, out, err);
    if (rc)
        return rc;
    if (st) {
        struct timespec t0, t1;
        size_t n = 0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = pb_index_sync(*out, st, &n);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (getenv("PB_REINDEX_TIMES"))
            fprintf(stderr, "index sync: %zu changes applied in %.1f ms\n", n,
                    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                        (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        if (rc) {
            pb_err_set(err, rc, "%s: cannot read changes: %s", db_path,
                       pb_store_errmsg(st));
            pb_index_free(*out);
            *out = NULL;
        }
    }
    return rc;
}

/* ---- rebuild: one reader, two indexing threads ---------------------------
 *
 * The store is read on the calling thread (SQLite is a small part of the
 * time); papers are copied into batches on one queue that NWORK threads
 * take from, each with its own analyser (libstemmer is not thread-safe) and
 * its own in-memory index. The partitions are then appended in worker
 * order (postings streams concatenate: only their first docid changes)
 * and written. Docids depend on which thread took which batch (a thread
 * that loses its core does not hold the others up); results do not, since
 * ranking ties go by pid. */

#define NWORK 2
#define RB_DOCS 512
#define RB_QUEUE 8
#define RB_NONE UINT32_MAX

struct rb_doc {
    int64_t pid, date, upvotes;
    uint32_t id, title, abstract, cats; /* arena offsets or RB_NONE */
    uint32_t authors, n_authors, keywords, n_keywords; /* into strs */
};

struct rbatch {
    char *arena;
    size_t len, cap;
    uint32_t *strs;
    size_t n_strs, cap_strs;
    struct rb_doc doc[RB_DOCS];
    size_t n;
};

struct rqueue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct rbatch *q[RB_QUEUE];
    size_t head, count;
    int done;
};

struct rworker {
    pthread_t th;
    struct rqueue *qu;
    int rc;
    struct pb_index *ix;
    struct pb_analyzer *az;
};

static uint32_t rb_str(struct rbatch *b, const char *s)
{
    if (!s)
        return RB_NONE;
    size_t n = strlen(s) + 1;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 20;
        while (cap < b->len + n)
            cap *= 2;
        b->arena = pb_realloc(b->arena, cap);
        b->cap = cap;
    }
    memcpy(b->arena + b->len, s, n);
    b->len += n;
    return (uint32_t)(b->len - n);
}

static uint32_t rb_list(struct rbatch *b, char *const *v, size_t n)
{
    size_t at = b->n_strs;
    for (size_t i = 0; i < n; i++) {
        uint32_t off = rb_str(b, v[i]);
        if (b->n_strs == b->cap_strs) {
            b->cap_strs = b->cap_strs ? b->cap_strs * 2 : 4096;
            b->strs = pb_reallocarray(b->strs, b->cap_strs, sizeof *b->strs);
        }
        b->strs[b->n_strs++] = off;
    }
    return (uint32_t)at;
}

static void rb_free(struct rbatch *b)
{
    if (!b)
        return;
    free(b->arena);
    free(b->strs);
    free(b);
}

static const char *rb_at(const struct rbatch *b, uint32_t off)
{
    return off == RB_NONE ? NULL : b->arena + off;
}

static int rb_index(struct rworker *w, const struct rbatch *b,
                    const char ***vec, size_t *cap)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct rb_doc *r = &b->doc[i];
        size_t need = (size_t)r->n_authors + r->n_keywords + 1;
        if (need > *cap) {
            *cap = need * 2;
            *vec = pb_reallocarray(*vec, *cap, sizeof **vec);
        }
        const char **au = *vec, **kw = *vec + r->n_authors;
        for (uint32_t k = 0; k < r->n_authors; k++)
            au[k] = rb_at(b, b->strs[r->authors + k]);
        for (uint32_t k = 0; k < r->n_keywords; k++)
            kw[k] = rb_at(b, b->strs[r->keywords + k]);
        struct pb_index_doc d = {
            .pid = r->pid,
            .id = rb_at(b, r->id),
            .title = rb_at(b, r->title),
            .abstract = rb_at(b, r->abstract),
            .authors = au,
            .n_authors = r->n_authors,
            .keywords = kw,
            .n_keywords = r->n_keywords,
            .categories = rb_at(b, r->cats),
            .date = r->date,
            .upvotes = r->upvotes,
        };
        int rc = pb_index_add(w->ix, w->az, &d);
        if (rc)
            return rc;
    }
    return PB_OK;
}

static void *rb_main(void *arg)
{
    struct rworker *w = arg;
    struct rqueue *qu = w->qu;
    const char **vec = NULL;
    size_t cap = 0;
    for (;;) {
        pthread_mutex_lock(&qu->mu);
        while (!qu->count && !qu->done)
            pthread_cond_wait(&qu->cv, &qu->mu);
        if (!qu->count) {
            pthread_mutex_unlock(&qu->mu);
            break;
        }
        struct rbatch *b = qu->q[qu->head];
        qu->head = (qu->head + 1) % RB_QUEUE;
        qu->count--;
        pthread_cond_broadcast(&qu->cv);
        pthread_mutex_unlock(&qu->mu);
        if (!w->rc)
            w->rc = rb_index(w, b, &vec, &cap);
        rb_free(b);
    }
    free(vec);
    return NULL;
}

static void rb_push(struct rqueue *qu, struct rbatch *b)
{
    pthread_mutex_lock(&qu->mu);
    while (qu->count == RB_QUEUE)
        pthread_cond_wait(&qu->cv, &qu->mu);
    qu->q[(qu->head + qu->count) % RB_QUEUE] = b;
    qu->count++;
    pthread_cond_broadcast(&qu->cv);
    pthread_mutex_unlock(&qu->mu);
}

struct rbctx {
    struct rqueue *qu;
    struct rbatch *cur;
    size_t n_batches, n;
};

static int on_paper(void *ctx, int64_t pid, int64_t seq, int deleted,
                    const struct pb_paper *p)
{
    (void)seq;
    if (deleted)
        return PB_OK;
    struct rbctx *c = ctx;
    if (!c->cur)
        c->cur = pb_calloc(1, sizeof *c->cur);
    struct rbatch *b = c->cur;
    struct rb_doc *r = &b->doc[b->n++];
    r->pid = pid;
    r->date = p->published ? p->published : p->updated;
    r->upvotes = p->upvotes;
    r->id = rb_str(b, p->id);
    r->title = rb_str(b, p->title);
    r->abstract = rb_str(b, p->abstract);
    r->cats = rb_str(b, p->categories);
    r->n_authors = (uint32_t)p->authors.n;
    r->authors = rb_list(b, p->authors.v, p->authors.n);
    r->n_keywords = (uint32_t)p->keywords.n;
    r->keywords = rb_list(b, p->keywords.v, p->keywords.n);
    c->n++;
    if (b->n == RB_DOCS) {
        rb_push(c->qu, b);
        c->n_batches++;
        c->cur = NULL;
    }
    return PB_OK;
}

/* The process's peak RSS so far (VmHWM), in kB; 0 if unknown. */
static long peak_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static double phase_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int pb_index_rebuild(const char *db_path, struct pb_store *st,
                     const struct pb_bm25 *params, size_t *out_docs,
                     struct pb_err *err)
{
    char path[4096];
    int rc = pb_index_path(db_path, path, sizeof path);
    if (rc)
        return pb_err_set(err, rc, "%s: path too long", db_path);
    int64_t seq = 0;
    rc = pb_store_max_seq(st, &seq);
    if (rc)
        return pb_err_set(err, rc, "%s: %s", db_path, pb_store_errmsg(st));
    double t0 = phase_s();
    struct rworker w[NWORK];
    struct rqueue qu;
    memset(w, 0, sizeof w);
    memset(&qu, 0, sizeof qu);
    pthread_mutex_init(&qu.mu, NULL);
    pthread_cond_init(&qu.cv, NULL);
    int started = 0;
    for (int k = 0; k < NWORK; k++) {
        w[k].qu = &qu;
        w[k].ix = pb_index_new(params);
        w[k].ix->bulk = 1; /* the store's pids are distinct */
        w[k].az = pb_analyzer_new();
        if (pthread_create(&w[k].th, NULL, rb_main, &w[k]) != 0)
            break;
        started++;
    }
    struct rbctx c = {&qu, NULL, 0, 0};
    if (started < NWORK) {
        rc = pb_err_set(err, PB_ENOMEM, "cannot start indexing threads");
    } else {
        rc = pb_store_paper_each(st, 0, on_paper, &c);
        if (rc)
            pb_err_set(err, rc, "%s: reading papers: %s", db_path,
                       pb_store_errmsg(st));
        else if (c.cur && c.cur->n)
            rb_push(&qu, c.cur);
        else
            rb_free(c.cur);
        if (rc)
            rb_free(c.cur);
    }
    pthread_mutex_lock(&qu.mu);
    qu.done = 1;
    pthread_cond_broadcast(&qu.cv);
    pthread_mutex_unlock(&qu.mu);
    for (int k = 0; k < started; k++) {
        pthread_join(w[k].th, NULL);
        if (!rc && w[k].rc)
            rc = pb_err_set(err, w[k].rc, "%s: indexing: %s", db_path,
                            pb_strerror(w[k].rc));
    }
    double t_read = phase_s();
    long hwm_read = peak_kb();
    for (int k = 0; k < NWORK; k++)
        pb_index_drop_add_cache(w[k].ix);
    struct pb_index *ix = w[0].ix;
    for (int k = 1; k < NWORK; k++) {
        if (!rc)
            pb_index_append(ix, w[k].ix);
        pb_index_free(w[k].ix);
    }
    double t_merge = phase_s();
    long hwm_merge = peak_kb();
    pb_index_set_seq(ix, seq);
    if (!rc)
        rc = pb_index_write_threads(ix, path, NWORK, err);
    if (getenv("PB_REINDEX_TIMES"))
        fprintf(stderr, "reindex: read+analyse %.1f s, merge %.1f s, "
                "write %.1f s; peak RSS after each %ld / %ld / %ld MB\n",
                t_read - t0, t_merge - t_read, phase_s() - t_merge,
                hwm_read / 1024, hwm_merge / 1024, peak_kb() / 1024);
    if (out_docs)
        *out_docs = c.n;
    for (int k = 0; k < NWORK; k++)
        pb_analyzer_free(w[k].az);
    pthread_mutex_destroy(&qu.mu);
    pthread_cond_destroy(&qu.cv);
    pb_index_free(ix);
    return rc;
}
