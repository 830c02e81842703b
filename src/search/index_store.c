/* index_store.c - the index beside the store (see index_store.h). */
#include "search/index_store.h"

#include <stdio.h>

#include "search/search_int.h"

int pb_index_path(const char *db_path, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s.idx", db_path);
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
        rc = pb_index_sync(*out, st, NULL);
        if (rc) {
            pb_err_set(err, rc, "%s: cannot read changes: %s", db_path,
                       pb_store_errmsg(st));
            pb_index_free(*out);
            *out = NULL;
        }
    }
    return rc;
}

static int on_paper(void *ctx, int64_t pid, int64_t seq, int deleted,
                    const struct pb_paper *p)
{
    (void)seq;
    if (deleted)
        return PB_OK;
    struct syncctx *c = ctx;
    c->n++;
    return pb_index_add_paper(c->ix, c->az, pid, p);
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
    struct pb_index *ix = pb_index_new(params);
    struct syncctx c = {ix, pb_analyzer_new(), 0, seq};
    rc = pb_store_paper_each(st, 0, on_paper, &c);
    if (rc)
        pb_err_set(err, rc, "%s: reading papers: %s", db_path,
                   pb_store_errmsg(st));
    pb_index_set_seq(ix, seq);
    if (!rc)
        rc = pb_index_write(ix, path, err);
    if (out_docs)
        *out_docs = c.n;
    pb_analyzer_free(c.az);
    pb_index_free(ix);
    return rc;
}
