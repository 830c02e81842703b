/* harvest_import.c - a downloaded document into the store in one
 * transaction (see harvest_import.h). */
#include "harvest/harvest_import.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "ingest/import_run.h"

#define REJECTS_MAX (1u << 20) /* bytes of rejection lines kept per page */

struct item {
    struct pb_paper p; /* a deletion record when pb_import_is_delete() */
};

struct page {
    struct item *v;
    size_t n, cap;
    struct pb_buf rejects; /* lines for the report */
    int64_t n_rejected, n_entries;
    int rejects_cut;
};

static void on_reject(void *ctx, const struct pb_srcpos *pos,
                      const char *reason)
{
    struct page *pg = ctx;
    pg->n_rejected++;
    pg->n_entries++;
    int rc;
    if (pos->entry)
        rc = pb_buf_printf(&pg->rejects, "%s: entry %" PRIu64 " (byte %" PRIu64
                           "): %s\n",
                           pos->file, pos->entry, pos->offset, reason);
    else
        rc = pb_buf_printf(&pg->rejects, "%s: byte %" PRIu64 ": %s\n",
                           pos->file, pos->offset, reason);
    if (rc)
        pg->rejects_cut = 1;
}

static int on_paper(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    struct page *pg = ctx;
    /* what import_run.c calls a deletion: an OAI deleted record */
    int is_delete = pb_import_is_delete(p);
    char why[256];
    if (!is_delete && pb_paper_validate(p, why, sizeof why) != PB_OK) {
        on_reject(ctx, pos, why);
        pb_paper_clear(p);
        return PB_OK;
    }
    pg->n_entries++;
    if (pg->n == pg->cap) {
        pg->cap = pg->cap ? pg->cap * 2 : 64;
        pg->v = pb_reallocarray(pg->v, pg->cap, sizeof *pg->v);
    }
    struct item *it = &pg->v[pg->n++];
    pb_paper_init(&it->p);
    pb_paper_move(&it->p, p);
    return PB_OK;
}

static int write_page(struct pb_store *st, struct page *pg,
                      pb_harvest_commit_fn before_commit, void *ctx,
                      struct pb_harvest_counts *c, struct pb_err *err)
{
    int rc = pb_store_begin(st);
    if (rc)
        return pb_err_set(err, PB_EDB, "store: %s", pb_store_errmsg(st));
    struct pb_import_counts n = {0};
    for (size_t i = 0; i < pg->n && !rc; i++)
        rc = pb_import_apply(st, &pg->v[i].p, &n);
    c->added += n.added;
    c->updated += n.updated;
    c->unchanged += n.unchanged;
    c->deleted += n.deleted;
    if (rc) {
        pb_err_set(err, PB_EDB, "store: %s", pb_store_errmsg(st));
        goto fail;
    }
    if (before_commit && (rc = before_commit(ctx, st, err)))
        goto fail;
    if ((rc = pb_store_commit(st)))
        return pb_err_set(err, PB_EDB, "store: %s", pb_store_errmsg(st));
    return PB_OK;
fail:
    pb_store_rollback(st);
    return rc;
}

void pb_harvest_counts_add(struct pb_harvest_counts *a,
                           const struct pb_harvest_counts *b)
{
    a->added += b->added;
    a->updated += b->updated;
    a->unchanged += b->unchanged;
    a->rejected += b->rejected;
    a->deleted += b->deleted;
    a->entries += b->entries;
}

int pb_harvest_import(struct pb_store *st, enum pb_format fmt, const void *p,
                      size_t len, const char *name, FILE *report,
                      struct pb_oai_info *out_oai,
                      pb_harvest_commit_fn before_commit, void *ctx,
                      struct pb_harvest_counts *out, struct pb_err *err)
{
    struct page pg;
    memset(&pg, 0, sizeof pg);
    pb_buf_init(&pg.rejects, REJECTS_MAX);
    memset(out, 0, sizeof *out);
    struct pb_reader *r = NULL;
    struct pb_sink sink = {on_paper, on_reject, &pg};
    int rc = pb_reader_open_mem(p, len, &r, err);
    if (rc)
        goto out;
    if (fmt == PB_FMT_OAI)
        rc = pb_ingest_oai_ex(r, name, &sink, out_oai, err);
    else
        rc = pb_ingest_run(fmt, r, name, &sink, err);
    if (rc) {
        if (err && !err->msg[0])
            pb_err_set(err, rc, "%s: %s", name, pb_strerror(rc));
        goto out;
    }
    struct pb_harvest_counts c;
    memset(&c, 0, sizeof c);
    if ((rc = write_page(st, &pg, before_commit, ctx, &c, err)))
        goto out;
    c.rejected = pg.n_rejected;
    c.entries = pg.n_entries;
    *out = c;
    FILE *f = report ? report : stderr;
    if (pg.rejects.len)
        fwrite(pg.rejects.p, 1, pg.rejects.len, f);
    if (pg.rejects_cut)
        fprintf(f, "%s: more rejections than shown\n", name);
out:
    pb_reader_free(r);
    for (size_t i = 0; i < pg.n; i++)
        pb_paper_clear(&pg.v[i].p);
    free(pg.v);
    pb_buf_clear(&pg.rejects);
    return rc;
}
