/* harvest_polite.c - the polite scheduler (see harvest_polite.h). */
#include "harvest/harvest_polite.h"

#include <inttypes.h>
#include <string.h>

void pb_polite_opts_default(struct pb_polite_opts *o, int64_t interval_ms)
{
    o->interval_ms = interval_ms < 0 ? 0 : interval_ms;
    o->max_retries = 5;
    o->max_waits = 20;
    o->backoff_max_ms = 5 * 60 * 1000;
    o->retry_after_max_ms = 10 * 60 * 1000;
}

int pb_url_is_loopback(const char *url)
{
    const char *s = strstr(url, "://");
    if (!s)
        return 0;
    s += 3;
    size_t n = strcspn(s, "/?#");
    /* "http://localhost:80@example.org/" goes to example.org */
    if (memchr(s, '@', n))
        return 0;
    static const char *const hosts[] = {"127.0.0.1", "localhost", "[::1]"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        size_t k = strlen(hosts[i]);
        if (n >= k && !strncmp(s, hosts[i], k) && (n == k || s[k] == ':'))
            return 1;
    }
    return 0;
}

int64_t pb_polite_interval(int64_t requested, int64_t dflt, const char *url,
                           int *out_refused)
{
    if (out_refused)
        *out_refused = 0;
    if (requested < 0)
        return dflt;
    if (requested < dflt && !(url && pb_url_is_loopback(url))) {
        if (out_refused)
            *out_refused = 1;
        return dflt;
    }
    return requested;
}

enum pb_polite_outcome pb_polite_classify(int rc,
                                          const struct pb_http_response *r)
{
    if (rc == PB_EIO)
        return r->unreachable ? PB_POLITE_UNREACHABLE : PB_POLITE_TRANSIENT;
    if (rc)
        return PB_POLITE_FATAL;
    long s = r->status;
    if (s >= 200 && s < 300)
        return PB_POLITE_OK;
    if ((s == 429 || s == 503) && r->retry_after_s >= 0)
        return PB_POLITE_RETRY_AFTER;
    if (s == 408 || s == 425 || s == 429 || (s >= 500 && s < 600))
        return PB_POLITE_TRANSIENT;
    return PB_POLITE_FATAL;
}

int64_t pb_polite_backoff_ms(const struct pb_polite_opts *o, int n)
{
    int64_t base = o->interval_ms > 0 ? o->interval_ms : 1;
    int64_t w = base;
    for (int i = 0; i < n && w < o->backoff_max_ms; i++)
        w *= 2;
    return w > o->backoff_max_ms ? o->backoff_max_ms : w;
}

enum pb_polite_next pb_polite_judge(const struct pb_polite_opts *o,
                                    struct pb_polite_try *t,
                                    enum pb_polite_outcome out,
                                    int64_t retry_after_s, int any_ok,
                                    int64_t *out_wait_ms)
{
    *out_wait_ms = 0;
    switch (out) {
    case PB_POLITE_OK: return PB_POLITE_DONE;
    case PB_POLITE_FATAL: return PB_POLITE_GIVE_UP;
    case PB_POLITE_UNREACHABLE:
        /* at the first request this is "no network": say so at once
         * rather than after minutes of backoff */
        if (!any_ok)
            return PB_POLITE_GIVE_UP;
        break;
    case PB_POLITE_RETRY_AFTER: {
        if (++t->waits > o->max_waits)
            return PB_POLITE_GIVE_UP;
        int64_t ms = retry_after_s > INT64_MAX / 1000 ? INT64_MAX
                                                      : retry_after_s * 1000;
        if (ms > o->retry_after_max_ms)
            return PB_POLITE_GIVE_UP;
        *out_wait_ms = ms > o->interval_ms ? ms : o->interval_ms;
        return PB_POLITE_RETRY;
    }
    case PB_POLITE_TRANSIENT: break;
    }
    if (++t->errors > o->max_retries)
        return PB_POLITE_GIVE_UP;
    *out_wait_ms = pb_polite_backoff_ms(o, t->errors);
    return PB_POLITE_RETRY;
}

void pb_polite_init(struct pb_polite *pl, const struct pb_polite_opts *o,
                    const struct pb_clock *clock,
                    const struct pb_fetcher *fetcher, size_t max_body)
{
    memset(pl, 0, sizeof *pl);
    pl->o = *o;
    pl->clock = clock;
    pl->fetcher = fetcher;
    pl->label = "harvest";
    pb_http_response_init(&pl->resp, max_body);
}

void pb_polite_clear(struct pb_polite *pl)
{
    pb_http_response_clear(&pl->resp);
}

static int stopping(const struct pb_polite *pl)
{
    return pl->stop && *pl->stop;
}

/* Sleep until next_ok_ms; PB_EINTR when asked to stop meanwhile. */
static int wait_turn(struct pb_polite *pl)
{
    for (;;) {
        if (stopping(pl))
            return PB_EINTR;
        int64_t left = pl->next_ok_ms - pl->clock->now_ms(pl->clock->ctx);
        if (!pl->started || left <= 0)
            return PB_OK;
        pl->clock->sleep_ms(pl->clock->ctx, left);
    }
}

/* The host of url, for messages ("export.arxiv.org"). */
static void url_host(const char *url, char *out, size_t cap)
{
    const char *s = strstr(url, "://");
    s = s ? s + 3 : url;
    size_t n = strcspn(s, "/?#");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static void describe(const struct pb_http_response *r, int rc,
                     const struct pb_err *e, char *out, size_t cap)
{
    if (rc)
        snprintf(out, cap, "%s", e->msg[0] ? e->msg : pb_strerror(rc));
    else
        snprintf(out, cap, "HTTP %ld", r->status);
}

int pb_polite_fetch(struct pb_polite *pl, const char *url,
                    pb_polite_consume_fn consume, void *ctx,
                    struct pb_err *err)
{
    struct pb_polite_try t = {0, 0};
    int attempts = 0;
    struct pb_err e;
    char host[128], what[300];
    url_host(url, host, sizeof host);
    for (;;) {
        int rc = wait_turn(pl);
        if (rc)
            return pb_err_set(err, rc, "interrupted");
        pb_err_clear(&e);
        rc = pl->fetcher->get(pl->fetcher->ctx, url, &pl->resp, &e);
        pl->n_requests++;
        attempts++;
        pl->started = 1;
        int64_t now = pl->clock->now_ms(pl->clock->ctx);
        pl->next_ok_ms = now + pl->o.interval_ms;
        if (rc == PB_EINTR || stopping(pl))
            return pb_err_set(err, PB_EINTR, "interrupted");
        enum pb_polite_outcome out = pb_polite_classify(rc, &pl->resp);
        if (rc == PB_OK)
            pl->any_ok = 1;
        describe(&pl->resp, rc, &e, what, sizeof what);
        if (out == PB_POLITE_OK) {
            rc = consume(ctx, &pl->resp, &e);
            if (rc == PB_OK)
                return PB_OK;
            if (rc != PB_EPARSE && rc != PB_EIO)
                return pb_err_set(err, rc, "%s", e.msg);
            out = PB_POLITE_TRANSIENT; /* rc stays: the body's fault */
            snprintf(what, sizeof what, "%s", e.msg);
        }
        int64_t wait_ms;
        enum pb_polite_next nx = pb_polite_judge(
            &pl->o, &t, out, pl->resp.retry_after_s, pl->any_ok, &wait_ms);
        if (nx == PB_POLITE_GIVE_UP) {
            if (!rc)
                rc = pl->resp.status == 404 ? PB_ENOTFOUND : PB_EIO;
            if (out == PB_POLITE_UNREACHABLE)
                return pb_err_set(err, rc, "cannot reach %s: %s (no network?)",
                                  host, what);
            if (out == PB_POLITE_RETRY_AFTER && t.waits <= pl->o.max_waits)
                return pb_err_set(err, rc,
                                  "%s: HTTP %ld asks to come back in %" PRId64
                                  " s, longer than paperboy waits; giving up",
                                  host, pl->resp.status,
                                  pl->resp.retry_after_s);
            if (attempts > 1)
                return pb_err_set(err, rc, "%s: %s (gave up after %d attempts)",
                                  host, what, attempts);
            return pb_err_set(err, rc, "%s: %s", host, what);
        }
        if (wait_ms + now > pl->next_ok_ms)
            pl->next_ok_ms = now + wait_ms;
        if (pl->log) {
            int64_t w = pl->next_ok_ms - now;
            fprintf(pl->log, "%s: %s: %s; retrying in %" PRId64 ".%01" PRId64
                    " s%s\n",
                    pl->label, host, what, w / 1000, (w % 1000) / 100,
                    out == PB_POLITE_RETRY_AFTER ? " (Retry-After)" : "");
            fflush(pl->log);
        }
    }
}
