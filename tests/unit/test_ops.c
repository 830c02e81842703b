/* test_ops.c - the operators' side of the web server (web/web_ops.h):
 * route patterns for metrics, the request counters and histograms in the
 * Prometheus text format. */
#include "harness.h"

#include "web/web_ops.h"

static void t_route_slots(void)
{
    char b[80];
    struct {
        const char *path, *pattern;
    } cases[] = {
        {"/", "/"},
        {"/papers/2406.00001", "/papers/*"},
        {"/papers/", "other"},            /* a prefix route needs more */
        {"/api/papers/2406.00001", "/api/papers/*"},
        {"/api/papers/2406.00001/similar", "/api/papers/*"},
        {"/api/papers", "/api/papers"},
        {"/healthz", "/healthz"},
        {"/metrics", "/metrics"},
        {"/no/such/thing", "other"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int s = pb_web_route_slot(cases[i].path);
        CHECK_EQ(pb_web_route_pattern(s, b, sizeof b), 0);
        CHECK_STR(b, cases[i].pattern);
    }
    /* every pattern once: duplicates and unused slots have none */
    int seen = 0;
    for (int s = 0; s < PB_WEB_ROUTE_SLOTS; s++) {
        if (pb_web_route_pattern(s, b, sizeof b))
            continue;
        seen++;
        for (int t = 0; t < s; t++) {
            char c[80];
            if (!pb_web_route_pattern(t, c, sizeof c))
                CHECK(strcmp(b, c) != 0);
        }
    }
    CHECK(seen > 40 && seen < PB_WEB_ROUTE_SLOTS);
}

static unsigned long long value(const char *text, const char *series)
{
    const char *p = strstr(text, series);
    if (!p)
        return ~0ull;
    return strtoull(p + strlen(series), NULL, 10);
}

static void t_counters(void)
{
    int home = pb_web_route_slot("/"), paper = pb_web_route_slot("/papers/x");
    pb_web_metrics_request(home, 200, 500);       /* 0.5 ms */
    pb_web_metrics_request(home, 200, 1000);      /* on the 1 ms bound */
    pb_web_metrics_request(home, 304, 3000);
    pb_web_metrics_request(paper, 404, 20000000); /* 20 s: only +Inf */
    pb_web_metrics_request(paper, 299, 10);       /* an odd status */
    pb_web_metrics_cache(1);
    pb_web_metrics_cache(0);
    pb_web_metrics_cache(0);
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    CHECK_EQ(pb_web_metrics_requests(&b), PB_OK);
    const char *t = pb_buf_cstr(&b);
    CHECK_EQ(value(t, "paperboy_http_requests_total{route=\"/\",status=\"200\"} "), 2);
    CHECK_EQ(value(t, "paperboy_http_requests_total{route=\"/\",status=\"304\"} "), 1);
    CHECK_EQ(value(t, "paperboy_http_requests_total{route=\"/papers/*\",status=\"404\"} "), 1);
    CHECK_EQ(value(t, "paperboy_http_requests_total{route=\"/papers/*\",status=\"other\"} "), 1);
    const char *h = "paperboy_http_request_duration_seconds";
    char s[160];
    snprintf(s, sizeof s, "%s_bucket{route=\"/\",le=\"0.001\"} ", h);
    CHECK_EQ(value(t, s), 2);
    snprintf(s, sizeof s, "%s_bucket{route=\"/\",le=\"0.005\"} ", h);
    CHECK_EQ(value(t, s), 3);
    snprintf(s, sizeof s, "%s_count{route=\"/\"} ", h);
    CHECK_EQ(value(t, s), 3);
    snprintf(s, sizeof s, "%s_bucket{route=\"/papers/*\",le=\"10\"} ", h);
    CHECK_EQ(value(t, s), 1);
    snprintf(s, sizeof s, "%s_bucket{route=\"/papers/*\",le=\"+Inf\"} ", h);
    CHECK_EQ(value(t, s), 2);
    snprintf(s, sizeof s, "%s_sum{route=\"/\"} 0.004500\n", h);
    CHECK(strstr(t, s) != NULL);
    CHECK_EQ(value(t, "\npaperboy_response_cache_hits_total "), 1);
    CHECK_EQ(value(t, "\npaperboy_response_cache_misses_total "), 2);
    /* routes without requests print nothing */
    CHECK(strstr(t, "route=\"/trending\"") == NULL);
    CHECK(strstr(t, "# TYPE paperboy_http_request_duration_seconds histogram\n"));
    pb_buf_clear(&b);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"route_slots", t_route_slots},
        {"counters", t_counters},
        {0},
    };
    return pb_test_run(T);
}
