/* metrics.c - the counters of /metrics and their exposition in the
 * Prometheus text format (web_ops.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/web_ops.h"

/* statuses paperboy answers; anything else counts as "other" */
static const int statuses[] = {200, 204, 301, 302, 303, 304, 400, 401,
                               403, 404, 405, 409, 413, 414, 415, 429,
                               431, 500, 503};
#define N_STATUS (sizeof statuses / sizeof statuses[0] + 1)

/* upper bounds of the latency buckets, in microseconds */
static const uint64_t bounds_us[] = {1000,   2500,   5000,    10000,
                                     25000,  50000,  100000,  250000,
                                     500000, 1000000, 2500000, 10000000};
#define N_BUCKET (sizeof bounds_us / sizeof bounds_us[0] + 1) /* + +Inf */

static struct {
    _Atomic uint64_t req[PB_WEB_ROUTE_SLOTS][N_STATUS];
    _Atomic uint64_t bucket[PB_WEB_ROUTE_SLOTS][N_BUCKET];
    _Atomic uint64_t sum_us[PB_WEB_ROUTE_SLOTS];
    _Atomic uint64_t cache_hit, cache_miss;
    _Atomic int64_t start;
} m;

static int status_slot(int status)
{
    for (size_t i = 0; i + 1 < N_STATUS; i++)
        if (statuses[i] == status)
            return (int)i;
    return (int)N_STATUS - 1;
}

void pb_web_metrics_request(int slot, int status, uint64_t usec)
{
    if (slot < 0 || slot >= PB_WEB_ROUTE_SLOTS)
        slot = PB_WEB_ROUTE_NONE;
    size_t b = 0;
    while (b + 1 < N_BUCKET && usec > bounds_us[b])
        b++;
    atomic_fetch_add_explicit(&m.req[slot][status_slot(status)], 1,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&m.bucket[slot][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m.sum_us[slot], usec, memory_order_relaxed);
}

void pb_web_metrics_cache(int hit)
{
    atomic_fetch_add_explicit(hit ? &m.cache_hit : &m.cache_miss, 1,
                              memory_order_relaxed);
}

void pb_web_metrics_start(void)
{
    int64_t zero = 0;
    atomic_compare_exchange_strong(&m.start, &zero, (int64_t)time(NULL));
}

static uint64_t get(_Atomic uint64_t *a)
{
    return atomic_load_explicit(a, memory_order_relaxed);
}

static int head(struct pb_buf *b, const char *name, const char *type,
                const char *help)
{
    return pb_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                         type);
}

/* One metric without labels: its HELP and TYPE lines, then its value. */
static int scalar(struct pb_buf *b, const char *name, const char *type,
                  const char *help, long long v)
{
    int rc = head(b, name, type, help);
    return rc ? rc : pb_buf_printf(b, "%s %lld\n", name, v);
}

int pb_web_metrics_requests(struct pb_buf *b)
{
    char route[80];
    int rc = head(b, "paperboy_http_requests_total", "counter",
                  "HTTP requests answered, by route pattern and status.");
    for (int r = 0; r < PB_WEB_ROUTE_SLOTS && !rc; r++) {
        if (pb_web_route_pattern(r, route, sizeof route))
            continue;
        for (size_t s = 0; s < N_STATUS && !rc; s++) {
            uint64_t n = get(&m.req[r][s]);
            if (!n)
                continue;
            char st[8];
            if (s + 1 < N_STATUS)
                snprintf(st, sizeof st, "%d", statuses[s]);
            else
                snprintf(st, sizeof st, "other");
            rc = pb_buf_printf(b, "paperboy_http_requests_total{route=\"%s\","
                                  "status=\"%s\"} %llu\n",
                               route, st, (unsigned long long)n);
        }
    }
    if (!rc)
        rc = head(b, "paperboy_http_request_duration_seconds", "histogram",
                  "Time from a request's headers to its answer queued, by "
                  "route pattern.");
    for (int r = 0; r < PB_WEB_ROUTE_SLOTS && !rc; r++) {
        if (pb_web_route_pattern(r, route, sizeof route))
            continue;
        uint64_t c[N_BUCKET], total = 0;
        for (size_t i = 0; i < N_BUCKET; i++)
            total += c[i] = get(&m.bucket[r][i]);
        if (!total)
            continue;
        uint64_t cum = 0;
        for (size_t i = 0; i < N_BUCKET && !rc; i++) {
            char le[24];
            cum += c[i];
            if (i + 1 < N_BUCKET)
                snprintf(le, sizeof le, "%g", (double)bounds_us[i] / 1e6);
            else
                snprintf(le, sizeof le, "+Inf");
            rc = pb_buf_printf(b, "paperboy_http_request_duration_seconds_"
                                  "bucket{route=\"%s\",le=\"%s\"} %llu\n",
                               route, le, (unsigned long long)cum);
        }
        if (!rc)
            rc = pb_buf_printf(
                b,
                "paperboy_http_request_duration_seconds_sum{route=\"%s\"} "
                "%.6f\npaperboy_http_request_duration_seconds_count{route="
                "\"%s\"} %llu\n",
                route, (double)get(&m.sum_us[r]) / 1e6, route,
                (unsigned long long)total);
    }
    if (!rc)
        rc = scalar(b, "paperboy_response_cache_hits_total", "counter",
                    "Requests answered from the response cache.",
                    (long long)get(&m.cache_hit));
    if (!rc)
        rc = scalar(b, "paperboy_response_cache_misses_total", "counter",
                    "Cacheable requests the response cache did not hold.",
                    (long long)get(&m.cache_miss));
    if (!rc)
        rc = scalar(b, "paperboy_start_time_seconds", "gauge",
                    "When the server started, in Unix time.",
                    (long long)atomic_load(&m.start));
    return rc;
}
