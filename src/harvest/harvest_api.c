/* harvest_api.c - the arXiv API (Atom): search_query paged by start and
 * max_results. */
#include "harvest/harvest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "harvest/harvest_url.h"

#define URL_MAX 8192
#define QUERY_MAX 2048

struct apirun {
    const struct pb_harvest_env *h;
    char name[64];
    struct pb_harvest_counts page_counts;
};

static int consume(void *ctx, const struct pb_http_response *resp,
                   struct pb_err *err)
{
    struct apirun *a = ctx;
    return pb_harvest_import(a->h->st, PB_FMT_ATOM, resp->body.p,
                             resp->body.len, a->name, a->h->report, NULL,
                             NULL, NULL, &a->page_counts, err);
}

int pb_harvest_arxiv_api(const struct pb_harvest_env *h,
                         const struct pb_harvest_api_opts *o,
                         struct pb_harvest_counts *out, struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    if (!o->query || !o->query[0])
        return pb_err_set(err, PB_EINVAL, "no --query");
    if (strlen(o->query) > QUERY_MAX)
        return pb_err_set(err, PB_EINVAL, "query is over %d bytes", QUERY_MAX);
    int64_t max = o->max > 0 ? o->max : 100;
    int64_t page = o->page_size > 0 ? o->page_size : 100;
    struct apirun a;
    memset(&a, 0, sizeof a);
    a.h = h;
    struct pb_buf url;
    pb_buf_init(&url, URL_MAX);
    int rc = PB_OK;
    for (int64_t start = 0, n_page = 1; start < max; n_page++) {
        if (h->stop && *h->stop) {
            rc = pb_err_set(err, PB_EINTR, "interrupted");
            break;
        }
        int64_t want = max - start < page ? max - start : page;
        char s_start[24], s_want[24];
        snprintf(s_start, sizeof s_start, "%" PRId64, start);
        snprintf(s_want, sizeof s_want, "%" PRId64, want);
        pb_buf_reset(&url);
        rc = pb_buf_puts(&url, o->base_url ? o->base_url : PB_HARVEST_API_BASE);
        if (!rc)
            rc = pb_buf_puts(&url, "/api/query");
        if (!rc)
            rc = pb_url_add_param(&url, "search_query", o->query);
        if (!rc)
            rc = pb_url_add_param(&url, "start", s_start);
        if (!rc)
            rc = pb_url_add_param(&url, "max_results", s_want);
        if (!rc)
            rc = pb_url_add_param(&url, "sortBy", "submittedDate");
        if (!rc)
            rc = pb_url_add_param(&url, "sortOrder", "descending");
        if (rc) {
            pb_err_set(err, rc, "request URL is over %u bytes", URL_MAX);
            break;
        }
        snprintf(a.name, sizeof a.name, "api page %" PRId64, n_page);
        if ((rc = pb_polite_fetch(h->pl, url.p, consume, &a, err)))
            break;
        pb_harvest_counts_add(out, &a.page_counts);
        const struct pb_harvest_counts *c = &a.page_counts;
        if (h->log) {
            fprintf(h->log,
                    "arxiv-api: page %" PRId64 ": %" PRId64 " entries: %" PRId64
                    " added, %" PRId64 " updated, %" PRId64 " unchanged, %" PRId64
                    " rejected\n",
                    n_page, c->entries, c->added, c->updated, c->unchanged,
                    c->rejected);
            fflush(h->log);
        }
        start += want;
        if (c->entries < want)
            break; /* the result list ended */
    }
    pb_buf_clear(&url);
    return rc;
}

/* --- by id ------------------------------------------------------------- */

struct idrun {
    const struct pb_harvest_env *h;
    const char *const *ids;
    size_t n_ids;
    int *found;
    struct pb_harvest_counts counts;
};

/* Inside the response's transaction: which ids the store now holds. */
static int note_found(void *ctx, struct pb_store *st, struct pb_err *err)
{
    struct idrun *r = ctx;
    struct pb_paper p;
    for (size_t i = 0; i < r->n_ids; i++) {
        pb_paper_init(&p);
        int rc = pb_store_paper_get(st, r->ids[i], &p, NULL);
        pb_paper_clear(&p);
        if (rc && rc != PB_ENOTFOUND)
            return pb_err_set(err, PB_EDB, "store: %s", pb_store_errmsg(st));
        r->found[i] = rc == PB_OK;
    }
    return PB_OK;
}

static int consume_ids(void *ctx, const struct pb_http_response *resp,
                       struct pb_err *err)
{
    struct idrun *r = ctx;
    return pb_harvest_import(r->h->st, PB_FMT_ATOM, resp->body.p,
                             resp->body.len, "api id_list", r->h->report,
                             NULL, note_found, r, &r->counts, err);
}

/* An arXiv id as id_list takes it: new (2406.01234) or old style
 * (hep-th/9901001), with or without a version. */
static int id_ok(const char *id)
{
    size_t n = strlen(id);
    if (!n || n >= PB_MAX_ID)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '/'))
            return 0;
    }
    return 1;
}

int pb_harvest_arxiv_ids(const struct pb_harvest_env *h, const char *base_url,
                         const char *const *ids, size_t n_ids, int *found,
                         struct pb_harvest_counts *out, struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    if (!n_ids || n_ids > PB_HARVEST_IDS_MAX)
        return pb_err_set(err, PB_EINVAL, "give 1..%d ids",
                          PB_HARVEST_IDS_MAX);
    struct pb_buf list, url;
    pb_buf_init(&list, PB_HARVEST_IDS_MAX * PB_MAX_ID);
    pb_buf_init(&url, URL_MAX);
    int rc = PB_OK;
    for (size_t i = 0; i < n_ids; i++) {
        found[i] = 0;
        if (!id_ok(ids[i])) {
            rc = pb_err_set(err, PB_EINVAL, "not an arXiv id: %.80s", ids[i]);
            goto out;
        }
        if ((i && (rc = pb_buf_putc(&list, ','))) ||
            (rc = pb_buf_puts(&list, ids[i])))
            goto toobig;
    }
    char s_n[24];
    snprintf(s_n, sizeof s_n, "%zu", n_ids);
    if ((rc = pb_buf_puts(&url, base_url ? base_url : PB_HARVEST_API_BASE)) ||
        (rc = pb_buf_puts(&url, "/api/query")) ||
        (rc = pb_url_add_param(&url, "id_list", pb_buf_cstr(&list))) ||
        (rc = pb_url_add_param(&url, "max_results", s_n)))
        goto toobig;
    struct idrun r;
    memset(&r, 0, sizeof r);
    r.h = h;
    r.ids = ids;
    r.n_ids = n_ids;
    r.found = found;
    if ((rc = pb_polite_fetch(h->pl, url.p, consume_ids, &r, err)))
        goto out;
    *out = r.counts;
    if (h->log) {
        fprintf(h->log,
                "arxiv-api: id_list %s: %" PRId64 " entries: %" PRId64
                " added, %" PRId64 " updated, %" PRId64 " unchanged, %" PRId64
                " rejected\n",
                pb_buf_cstr(&list), out->entries, out->added, out->updated,
                out->unchanged, out->rejected);
        fflush(h->log);
    }
    goto out;
toobig:
    pb_err_set(err, rc, "request URL is over %u bytes", URL_MAX);
out:
    pb_buf_clear(&list);
    pb_buf_clear(&url);
    return rc;
}

int pb_harvest_fill(const struct pb_harvest_env *h, const char *base_url,
                    int64_t max, struct pb_harvest_counts *out,
                    struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t after = 0, done = 0;
    char *cur = NULL;
    if (pb_store_meta_get(h->st, "harvest.fill.after", &cur) == PB_OK) {
        after = strtoll(cur, NULL, 10);
        free(cur);
    }
    static int64_t pids[PB_HARVEST_IDS_MAX];
    static char ids[PB_HARVEST_IDS_MAX][PB_MAX_ID];
    const char *idp[PB_HARVEST_IDS_MAX];
    int found[PB_HARVEST_IDS_MAX];
    int rc = PB_OK;
    for (;;) {
        if (h->stop && *h->stop)
            return pb_err_set(err, PB_EINTR, "stopped");
        size_t want = PB_HARVEST_IDS_MAX, n = 0;
        if (max > 0 && max - done < (int64_t)want)
            want = (size_t)(max - done);
        if (!want)
            break;
        if (pb_store_missing_meta(h->st, after, want, pids, ids, &n))
            return pb_err_set(err, PB_EDB, "reading the store: %s",
                              pb_store_errmsg(h->st));
        if (!n)
            break;
        for (size_t i = 0; i < n; i++)
            idp[i] = ids[i];
        struct pb_harvest_counts c;
        if ((rc = pb_harvest_arxiv_ids(h, base_url, idp, n, found, &c, err)))
            return rc;
        out->entries += c.entries;
        out->added += c.added;
        out->updated += c.updated;
        out->unchanged += c.unchanged;
        out->rejected += c.rejected;
        after = pids[n - 1];
        done += (int64_t)n;
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)after);
        if (pb_store_meta_set(h->st, "harvest.fill.after", v))
            return pb_err_set(err, PB_EDB, "writing the store: %s",
                              pb_store_errmsg(h->st));
    }
    if (max > 0 && done >= max)
        return PB_OK; /* the next run goes on from here */
    /* the end of the list: the next run starts over (papers that were
     * unknown to arXiv then may be known now) */
    return pb_store_meta_set(h->st, "harvest.fill.after", "0")
               ? pb_err_set(err, PB_EDB, "writing the store")
               : PB_OK;
}
