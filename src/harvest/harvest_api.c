/* harvest_api.c - the arXiv API (Atom): search_query paged by start and
 * max_results. */
#include "harvest/harvest.h"

#include <inttypes.h>
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
