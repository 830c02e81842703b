/* web_fetch.c - a submitted paper the store does not know, fetched from the
 * arXiv API under one lock (see web_fetch.h). */
#include "web/web_fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "harvest/harvest.h"
#include "harvest/harvest_fetch.h"

struct pb_web_fetch {
    pthread_mutex_t lock; /* one fetch at a time; guards all below */
    struct pb_fetcher fetcher;
    struct pb_fetcher_curl *fc;
    struct pb_polite pl;
    char *api_url;
};

int pb_web_fetch_new(const struct pb_web_fetch_opts *o,
                     struct pb_web_fetch **out, struct pb_err *err)
{
    *out = NULL;
    struct pb_web_fetch *f = pb_calloc(1, sizeof *f);
    const char *url = o->api_url ? o->api_url : PB_HARVEST_API_BASE;
    size_t n = strlen(url);
    while (n && url[n - 1] == '/')
        n--;
    f->api_url = pb_malloc(n + 1);
    memcpy(f->api_url, url, n);
    f->api_url[n] = '\0';
    /* a web request waits for this, so one short attempt: no retries */
    struct pb_fetch_opts fo = {
        .user_agent = o->user_agent,
        .connect_timeout_ms = PB_WEB_FETCH_TIMEOUT_MS / 2,
        .total_timeout_ms = PB_WEB_FETCH_TIMEOUT_MS,
        .max_redirects = 2,
    };
    int rc = pb_fetcher_curl_new(&fo, &f->fc, &f->fetcher, err);
    if (rc) {
        free(f->api_url);
        free(f);
        return rc;
    }
    struct pb_polite_opts po;
    pb_polite_opts_default(
        &po, pb_polite_interval(o->gap_ms, PB_POLITE_ARXIV_MS, f->api_url,
                                NULL));
    po.max_retries = 0;
    po.max_waits = 0;
    pb_polite_init(&f->pl, &po, pb_clock_system(), &f->fetcher,
                   PB_WEB_FETCH_MAX_BODY);
    f->pl.label = "arxiv";
    pthread_mutex_init(&f->lock, NULL);
    *out = f;
    return PB_OK;
}

void pb_web_fetch_free(struct pb_web_fetch *f)
{
    if (!f)
        return;
    pb_polite_clear(&f->pl);
    pb_fetcher_curl_free(f->fc);
    pthread_mutex_destroy(&f->lock);
    free(f->api_url);
    free(f);
}

int pb_web_fetch_paper(struct pb_web_fetch *f, struct pb_store *st,
                       const char *id, struct pb_err *err)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PB_WEB_FETCH_WAIT_MS / 1000;
    int e = pthread_mutex_timedlock(&f->lock, &until);
    if (e == ETIMEDOUT)
        return pb_err_set(err, PB_EBUSY, "another fetch from arXiv is slow");
    if (e)
        return pb_err_set(err, PB_EIO, "lock: %s", strerror(e));
    struct pb_harvest_env h = {.st = st, .pl = &f->pl,
                               .clock = pb_clock_system()};
    /* rejected entries (an arXiv error entry for the id) to stderr */
    struct pb_harvest_counts c;
    int found = 0;
    const char *ids[1] = {id};
    int rc = pb_harvest_arxiv_ids(&h, f->api_url, ids, 1, &found, &c, err);
    pthread_mutex_unlock(&f->lock);
    if (rc == PB_ENOTFOUND) { /* the API's address answered 404 */
        if (err)
            err->rc = PB_EIO;
        return PB_EIO;
    }
    if (rc)
        return rc;
    if (!found)
        return pb_err_set(err, PB_ENOTFOUND, "arXiv does not know %s", id);
    return PB_OK;
}
