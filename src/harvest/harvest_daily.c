/* harvest_daily.c - Hugging Face Daily Papers, one request a day. */
#include "harvest/harvest.h"

#include <inttypes.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "harvest/harvest_url.h"

#define URL_MAX 4096
#define MAX_DAYS 3660

struct dayrun {
    const struct pb_harvest_env *h;
    char day[11];
    char name[64]; /* ends with "/DAY.json": the importer takes the day */
    struct pb_harvest_counts page_counts;
};

static int on_commit(void *ctx, struct pb_store *st, struct pb_err *err)
{
    struct dayrun *d = ctx;
    if (pb_store_meta_set(st, "harvest.daily.last", d->day))
        return pb_err_set(err, PB_EDB, "store: %s", pb_store_errmsg(st));
    return PB_OK;
}

static int consume(void *ctx, const struct pb_http_response *resp,
                   struct pb_err *err)
{
    struct dayrun *d = ctx;
    return pb_harvest_import(d->h->st, PB_FMT_HF_DAILY, resp->body.p,
                             resp->body.len, d->name, d->h->report, NULL,
                             on_commit, d, &d->page_counts, err);
}

int pb_harvest_daily(const struct pb_harvest_env *h,
                     const struct pb_harvest_daily_opts *o,
                     struct pb_harvest_counts *out, struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t first, n;
    if (o->date) {
        if (strlen(o->date) != 10 ||
            pb_day_parse(o->date, 10, &first) != PB_OK)
            return pb_err_set(err, PB_EINVAL,
                              "--date \"%s\" is not a day YYYY-MM-DD",
                              o->date);
        n = 1;
    } else {
        n = o->days > 0 ? o->days : 1;
        if (n > MAX_DAYS)
            return pb_err_set(err, PB_EINVAL, "--days is over %d", MAX_DAYS);
        int64_t today = h->clock->unix_s(h->clock->ctx);
        today -= today % 86400;
        first = today - (n - 1) * 86400;
    }
    struct dayrun d;
    memset(&d, 0, sizeof d);
    d.h = h;
    struct pb_buf url;
    pb_buf_init(&url, URL_MAX);
    int rc = PB_OK;
    for (int64_t i = 0; i < n; i++) {
        if (h->stop && *h->stop) {
            rc = pb_err_set(err, PB_EINTR, "interrupted");
            break;
        }
        pb_day_format(first + i * 86400, d.day);
        snprintf(d.name, sizeof d.name, "daily_papers/%s.json", d.day);
        pb_buf_reset(&url);
        rc = pb_buf_puts(&url, o->base_url ? o->base_url : PB_HARVEST_HF_BASE);
        if (!rc)
            rc = pb_buf_puts(&url, "/api/daily_papers");
        if (!rc)
            rc = pb_url_add_param(&url, "date", d.day);
        if (rc) {
            pb_err_set(err, rc, "request URL is over %u bytes", URL_MAX);
            break;
        }
        if ((rc = pb_polite_fetch(h->pl, url.p, consume, &d, err)))
            break;
        pb_harvest_counts_add(out, &d.page_counts);
        const struct pb_harvest_counts *c = &d.page_counts;
        if (h->log) {
            fprintf(h->log,
                    "daily: %s: %" PRId64 " papers: %" PRId64 " added, %" PRId64
                    " updated, %" PRId64 " unchanged, %" PRId64 " rejected\n",
                    d.day, c->entries, c->added, c->updated, c->unchanged,
                    c->rejected);
            fflush(h->log);
        }
    }
    pb_buf_clear(&url);
    return rc;
}
