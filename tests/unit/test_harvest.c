/*
 * test_harvest.c - the harvest module with a fake clock and a scripted
 * fetcher: the polite scheduler's gaps, Retry-After and backoff (exact
 * times, no real waiting), giving up, URL escaping, the User-Agent, and
 * the one-transaction page import (all or nothing).
 */
#include "harness.h"

#include <unistd.h>

#include "harvest/harvest.h"
#include "harvest/harvest_schedule.h"
#include "harvest/harvest_url.h"
#include "store/store.h"

/* --- fakes ------------------------------------------------------------- */

struct fake_clock {
    int64_t now, slept, unix_s;
    int n_sleeps;
};

static int64_t fk_now(void *ctx) { return ((struct fake_clock *)ctx)->now; }
static void fk_sleep(void *ctx, int64_t ms)
{
    struct fake_clock *c = ctx;
    c->now += ms;
    c->slept += ms;
    c->n_sleeps++;
}
static int64_t fk_unix(void *ctx) { return ((struct fake_clock *)ctx)->unix_s; }

struct step {
    int rc;          /* what get() returns */
    long status;
    int64_t retry_after;
    int unreachable;
    const char *body;
    int64_t takes_ms; /* the transfer's duration on the fake clock */
};

#define MAX_CALLS 64
struct fake_fetch {
    const struct step *steps;
    int n_steps, n_calls;
    int64_t at[MAX_CALLS]; /* fake time of each request */
    char url[MAX_CALLS][512];
    struct fake_clock *clock;
};

static int ff_get(void *ctx, const char *url, struct pb_http_response *out,
                  struct pb_err *err)
{
    struct fake_fetch *f = ctx;
    pb_http_response_reset(out);
    int i = f->n_calls++;
    if (i < MAX_CALLS) {
        f->at[i] = f->clock->now;
        snprintf(f->url[i], sizeof f->url[i], "%s", url);
    }
    if (i >= f->n_steps)
        return pb_err_set(err, PB_EIO, "script ran out");
    const struct step *s = &f->steps[i];
    f->clock->now += s->takes_ms;
    out->unreachable = s->unreachable;
    if (s->rc)
        return pb_err_set(err, s->rc, "scripted failure %d", s->rc);
    out->status = s->status;
    out->retry_after_s = s->retry_after;
    if (s->body && pb_buf_puts(&out->body, s->body))
        return pb_err_set(err, PB_ETOOBIG, "too big");
    return PB_OK;
}

struct rig {
    struct fake_clock fc;
    struct pb_clock clock;
    struct fake_fetch ff;
    struct pb_fetcher fetcher;
    struct pb_polite pl;
};

static void rig_init(struct rig *r, const struct step *steps, int n,
                     int64_t interval)
{
    memset(r, 0, sizeof *r);
    r->fc.now = 1000000;
    r->fc.unix_s = 1795000000; /* 2026-11-18 */
    r->clock = (struct pb_clock){fk_now, fk_sleep, fk_unix, &r->fc};
    r->ff.steps = steps;
    r->ff.n_steps = n;
    r->ff.clock = &r->fc;
    r->fetcher = (struct pb_fetcher){ff_get, &r->ff};
    struct pb_polite_opts o;
    pb_polite_opts_default(&o, interval);
    pb_polite_init(&r->pl, &o, &r->clock, &r->fetcher, 1 << 20);
}

static int accept_all(void *ctx, const struct pb_http_response *r,
                      struct pb_err *err)
{
    (void)ctx, (void)r, (void)err;
    return PB_OK;
}

/* Rejects bodies that are "bad" as malformed (retryable). */
static int reject_bad(void *ctx, const struct pb_http_response *r,
                      struct pb_err *err)
{
    int *n = ctx;
    (*n)++;
    if (r->body.len && !strcmp(r->body.p, "bad"))
        return pb_err_set(err, PB_EPARSE, "malformed body");
    if (r->body.len && !strcmp(r->body.p, "fatal"))
        return pb_err_set(err, PB_EDB, "store is full");
    return PB_OK;
}

/* --- pure logic --------------------------------------------------------- */

static void t_classify(void)
{
    static const struct {
        int rc;
        long status;
        int64_t ra;
        int unreachable;
        enum pb_polite_outcome want;
    } T[] = {
        {PB_OK, 200, -1, 0, PB_POLITE_OK},
        {PB_OK, 204, -1, 0, PB_POLITE_OK},
        {PB_OK, 503, 10, 0, PB_POLITE_RETRY_AFTER},
        {PB_OK, 429, 2, 0, PB_POLITE_RETRY_AFTER},
        {PB_OK, 503, -1, 0, PB_POLITE_TRANSIENT},
        {PB_OK, 500, 5, 0, PB_POLITE_TRANSIENT},
        {PB_OK, 502, -1, 0, PB_POLITE_TRANSIENT},
        {PB_OK, 408, -1, 0, PB_POLITE_TRANSIENT},
        {PB_OK, 404, -1, 0, PB_POLITE_FATAL},
        {PB_OK, 400, -1, 0, PB_POLITE_FATAL},
        {PB_OK, 301, -1, 0, PB_POLITE_FATAL},
        {PB_EIO, 0, -1, 0, PB_POLITE_TRANSIENT},
        {PB_EIO, 0, -1, 1, PB_POLITE_UNREACHABLE},
        {PB_ETOOBIG, 0, -1, 0, PB_POLITE_FATAL},
        {PB_EINVAL, 0, -1, 0, PB_POLITE_FATAL},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        struct pb_http_response r;
        pb_http_response_init(&r, 16);
        r.status = T[i].status;
        r.retry_after_s = T[i].ra;
        r.unreachable = T[i].unreachable;
        if (pb_polite_classify(T[i].rc, &r) != T[i].want) {
            fprintf(stderr, "  case %zu\n", i);
            CHECK(0);
        }
        pb_http_response_clear(&r);
    }
}

static void t_backoff_sequence(void)
{
    struct pb_polite_opts o;
    pb_polite_opts_default(&o, 3000);
    CHECK_EQ(pb_polite_backoff_ms(&o, 1), 6000);
    CHECK_EQ(pb_polite_backoff_ms(&o, 2), 12000);
    CHECK_EQ(pb_polite_backoff_ms(&o, 3), 24000);
    CHECK_EQ(pb_polite_backoff_ms(&o, 5), 96000);
    CHECK_EQ(pb_polite_backoff_ms(&o, 7), 300000); /* capped at 5 min */
    CHECK_EQ(pb_polite_backoff_ms(&o, 60), 300000); /* no overflow */
    pb_polite_opts_default(&o, 0);
    CHECK_EQ(pb_polite_backoff_ms(&o, 3), 8); /* a zero gap still backs off */
}

static void t_judge(void)
{
    struct pb_polite_opts o;
    pb_polite_opts_default(&o, 3000);
    struct pb_polite_try t = {0, 0};
    int64_t w;
    CHECK_EQ(pb_polite_judge(&o, &t, PB_POLITE_OK, -1, 1, &w), PB_POLITE_DONE);
    CHECK_EQ(pb_polite_judge(&o, &t, PB_POLITE_FATAL, -1, 1, &w),
             PB_POLITE_GIVE_UP);
    /* Retry-After: as told, but never under the gap; too long: give up */
    CHECK_EQ(pb_polite_judge(&o, &t, PB_POLITE_RETRY_AFTER, 10, 1, &w),
             PB_POLITE_RETRY);
    CHECK_EQ(w, 10000);
    CHECK_EQ(pb_polite_judge(&o, &t, PB_POLITE_RETRY_AFTER, 1, 1, &w),
             PB_POLITE_RETRY);
    CHECK_EQ(w, 3000);
    CHECK_EQ(pb_polite_judge(&o, &t, PB_POLITE_RETRY_AFTER, 3600, 1, &w),
             PB_POLITE_GIVE_UP);
    CHECK_EQ(t.errors, 0); /* waits are not errors */
    /* no network at the first request: give up at once */
    struct pb_polite_try t2 = {0, 0};
    CHECK_EQ(pb_polite_judge(&o, &t2, PB_POLITE_UNREACHABLE, -1, 0, &w),
             PB_POLITE_GIVE_UP);
    /* ... but later it is a passing fault */
    CHECK_EQ(pb_polite_judge(&o, &t2, PB_POLITE_UNREACHABLE, -1, 1, &w),
             PB_POLITE_RETRY);
    CHECK_EQ(w, 6000);
    /* errors: 5 retries, then give up */
    struct pb_polite_try t3 = {0, 0};
    for (int i = 1; i <= 5; i++) {
        CHECK_EQ(pb_polite_judge(&o, &t3, PB_POLITE_TRANSIENT, -1, 1, &w),
                 PB_POLITE_RETRY);
        CHECK_EQ(w, pb_polite_backoff_ms(&o, i));
    }
    CHECK_EQ(pb_polite_judge(&o, &t3, PB_POLITE_TRANSIENT, -1, 1, &w),
             PB_POLITE_GIVE_UP);
    /* Retry-After answers have their own cap */
    struct pb_polite_try t4 = {0, 0};
    int given_up = 0;
    for (int i = 0; i < 30 && !given_up; i++)
        given_up = pb_polite_judge(&o, &t4, PB_POLITE_RETRY_AFTER, 5, 1, &w) ==
                   PB_POLITE_GIVE_UP;
    CHECK(given_up);
    CHECK_EQ(t4.waits, o.max_waits + 1);
}

/* --- the scheduler on a fake clock --------------------------------------- */

static void t_gap_between_requests(void)
{
    static const struct step S[] = {
        {PB_OK, 200, -1, 0, "a", 500},
        {PB_OK, 200, -1, 0, "b", 0},
        {PB_OK, 200, -1, 0, "c", 0},
    };
    struct rig r;
    rig_init(&r, S, 3, PB_POLITE_ARXIV_MS);
    struct pb_err err;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(pb_polite_fetch(&r.pl, "http://x/", accept_all, NULL, &err),
                 PB_OK);
    CHECK_EQ(r.ff.n_calls, 3);
    /* first at once; then 3 s after the end of the previous response */
    CHECK_EQ(r.ff.at[0], 1000000);
    CHECK_EQ(r.ff.at[1] - r.ff.at[0], 3500);
    CHECK_EQ(r.ff.at[2] - r.ff.at[1], 3000);
    pb_polite_clear(&r.pl);
}

static void t_retry_after_honoured(void)
{
    static const struct step S[] = {
        {PB_OK, 503, 10, 0, "busy", 0},
        {PB_OK, 503, 1, 0, "busy", 0},
        {PB_OK, 200, -1, 0, "ok", 0},
    };
    struct rig r;
    rig_init(&r, S, 3, PB_POLITE_ARXIV_MS);
    struct pb_err err;
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://x/", accept_all, NULL, &err),
             PB_OK);
    CHECK_EQ(r.ff.n_calls, 3);
    CHECK_EQ(r.ff.at[1] - r.ff.at[0], 10000); /* Retry-After: 10 */
    CHECK_EQ(r.ff.at[2] - r.ff.at[1], 3000);  /* Retry-After: 1 < the gap */
    pb_polite_clear(&r.pl);
}

static void t_backoff_then_success(void)
{
    static const struct step S[] = {
        {PB_OK, 500, -1, 0, "oops", 0},
        {PB_EIO, 0, -1, 0, NULL, 0}, /* connection reset */
        {PB_OK, 502, -1, 0, "", 0},
        {PB_OK, 200, -1, 0, "ok", 0},
    };
    struct rig r;
    rig_init(&r, S, 4, 3000);
    struct pb_err err;
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://x/", accept_all, NULL, &err),
             PB_OK);
    CHECK_EQ(r.ff.n_calls, 4);
    CHECK_EQ(r.ff.at[1] - r.ff.at[0], 6000);
    CHECK_EQ(r.ff.at[2] - r.ff.at[1], 12000);
    CHECK_EQ(r.ff.at[3] - r.ff.at[2], 24000);
    /* a success resets nothing that carries over: the next request only
     * keeps the gap */
    pb_polite_clear(&r.pl);
}

static void t_give_up_after_retries(void)
{
    static const struct step S[] = {
        {PB_OK, 500, -1, 0, "", 0}, {PB_OK, 500, -1, 0, "", 0},
        {PB_OK, 500, -1, 0, "", 0}, {PB_OK, 500, -1, 0, "", 0},
        {PB_OK, 500, -1, 0, "", 0}, {PB_OK, 500, -1, 0, "", 0},
        {PB_OK, 200, -1, 0, "never", 0},
    };
    struct rig r;
    rig_init(&r, S, 7, 100);
    struct pb_err err;
    pb_err_clear(&err);
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://example.test/oai?x=1", accept_all,
                             NULL, &err),
             PB_EIO);
    CHECK_EQ(r.ff.n_calls, 6);
    CHECK_STR(err.msg, "example.test: HTTP 500 (gave up after 6 attempts)");
    /* waited 200 + 400 + 800 + 1600 + 3200 ms in all */
    CHECK_EQ(r.fc.slept, 6200);
    pb_polite_clear(&r.pl);
}

static void t_fatal_and_unreachable(void)
{
    static const struct step S404[] = {{PB_OK, 404, -1, 0, "no", 0}};
    struct rig r;
    rig_init(&r, S404, 1, 100);
    struct pb_err err;
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://h/x", accept_all, NULL, &err),
             PB_ENOTFOUND);
    CHECK_EQ(r.ff.n_calls, 1);
    CHECK_STR(err.msg, "h: HTTP 404");
    pb_polite_clear(&r.pl);

    static const struct step SNET[] = {{PB_EIO, 0, -1, 1, NULL, 0},
                                       {PB_OK, 200, -1, 0, "", 0}};
    rig_init(&r, SNET, 2, 100);
    CHECK_EQ(pb_polite_fetch(&r.pl, "https://huggingface.co/api/daily_papers",
                             accept_all, NULL, &err),
             PB_EIO);
    CHECK_EQ(r.ff.n_calls, 1);
    CHECK_EQ(r.fc.slept, 0);
    CHECK_STR(err.msg, "cannot reach huggingface.co: scripted failure 6 "
                       "(no network?)");
    pb_polite_clear(&r.pl);

    static const struct step BIG[] = {{PB_ETOOBIG, 0, -1, 0, NULL, 0}};
    rig_init(&r, BIG, 1, 100);
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://h/", accept_all, NULL, &err),
             PB_ETOOBIG);
    CHECK_EQ(r.ff.n_calls, 1);
    pb_polite_clear(&r.pl);
}

static void t_bad_body_is_retried(void)
{
    static const struct step S[] = {
        {PB_OK, 200, -1, 0, "bad", 0},
        {PB_OK, 200, -1, 0, "good", 0},
        {PB_OK, 200, -1, 0, "fatal", 0},
    };
    struct rig r;
    rig_init(&r, S, 3, 1000);
    struct pb_err err;
    int n = 0;
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://h/", reject_bad, &n, &err), PB_OK);
    CHECK_EQ(n, 2);
    CHECK_EQ(r.ff.at[1] - r.ff.at[0], 2000);
    /* an error that asking again cannot mend stops at once */
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://h/", reject_bad, &n, &err), PB_EDB);
    CHECK_STR(err.msg, "store is full");
    CHECK_EQ(r.ff.n_calls, 3);
    pb_polite_clear(&r.pl);
}

static volatile sig_atomic_t fake_stop;

static void t_stop_flag(void)
{
    static const struct step S[] = {{PB_OK, 200, -1, 0, "", 0},
                                    {PB_OK, 200, -1, 0, "", 0}};
    struct rig r;
    rig_init(&r, S, 2, 1000);
    r.pl.stop = &fake_stop;
    struct pb_err err;
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://h/", accept_all, NULL, &err), PB_OK);
    fake_stop = 1;
    CHECK_EQ(pb_polite_fetch(&r.pl, "http://h/", accept_all, NULL, &err),
             PB_EINTR);
    CHECK_EQ(r.ff.n_calls, 1);
    fake_stop = 0;
    pb_polite_clear(&r.pl);
}

static void t_interval_lowered_only_on_loopback(void)
{
    int refused;
    CHECK_EQ(pb_polite_interval(-1, 3000, "https://oaipmh.arxiv.org/oai",
                                &refused), 3000);
    CHECK_EQ(refused, 0);
    CHECK_EQ(pb_polite_interval(0, 3000, "https://oaipmh.arxiv.org/oai",
                                &refused), 3000);
    CHECK_EQ(refused, 1);
    CHECK_EQ(pb_polite_interval(5000, 3000, "https://oaipmh.arxiv.org/oai",
                                &refused), 5000); /* slower is fine */
    CHECK_EQ(refused, 0);
    CHECK_EQ(pb_polite_interval(0, 3000, "http://127.0.0.1:8080/oai", &refused),
             0);
    CHECK_EQ(pb_polite_interval(10, 3000, "http://localhost/x", &refused), 10);
    CHECK_EQ(pb_polite_interval(10, 3000, "http://[::1]:99", &refused), 10);
    static const char *const not_local[] = {
        "http://localhost.example.org/", "http://127.0.0.1.nip.io/",
        "http://localhost:80@example.org/", "http://127.0.0.1@example.org",
        "http://example.org/?http://127.0.0.1/", "127.0.0.1", "http://127.0.0.10/",
    };
    for (size_t i = 0; i < sizeof not_local / sizeof not_local[0]; i++) {
        CHECK_EQ(pb_polite_interval(0, 3000, not_local[i], &refused), 3000);
        CHECK_EQ(refused, 1);
    }
}

/* --- URLs and the User-Agent --------------------------------------------- */

static void t_url(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 1024);
    CHECK_EQ(pb_buf_puts(&b, "http://h/oai"), PB_OK);
    CHECK_EQ(pb_url_add_param(&b, "verb", "ListRecords"), PB_OK);
    CHECK_EQ(pb_url_add_param(&b, "set", "physics:hep-th"), PB_OK);
    CHECK_EQ(pb_url_add_param(&b, "resumptionToken", "a b|c&d=e/~_.-"), PB_OK);
    CHECK_STR(b.p, "http://h/oai?verb=ListRecords&set=physics%3Ahep-th&"
                   "resumptionToken=a%20b%7Cc%26d%3De%2F~_.-");
    pb_buf_clear(&b);
    pb_buf_init(&b, 20);
    CHECK_EQ(pb_buf_puts(&b, "http://h/"), PB_OK);
    CHECK_EQ(pb_url_add_param(&b, "q", "0123456789"), PB_ETOOBIG);
    pb_buf_clear(&b);
}

static void t_user_agent(void)
{
    char ua[256];
    CHECK_EQ(pb_fetch_user_agent("1.2", "me@example.org", ua, sizeof ua),
             PB_OK);
    CHECK_STR(ua, "paperboy/1.2 (self-hosted research-paper feed; "
                  "mailto:me@example.org)");
    CHECK_EQ(pb_fetch_user_agent("1.2", NULL, ua, sizeof ua), PB_OK);
    CHECK(strstr(ua, "no contact configured") != NULL);
    CHECK_EQ(pb_fetch_user_agent("1.2", "a@b\r\nX-Evil: 1", ua, sizeof ua),
             PB_EINVAL);
    CHECK_EQ(pb_fetch_user_agent("1.2", "a) (b", ua, sizeof ua), PB_EINVAL);
    char small[20];
    CHECK_EQ(pb_fetch_user_agent("1.2", "me@example.org", small, sizeof small),
             PB_ETOOBIG);
}

/* --- pages into the store, and the OAI run over the fakes ----------------- */

#define OAI_HEAD                                                              \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OAI-PMH xmlns=\"http://"   \
    "www.openarchives.org/OAI/2.0/\"><responseDate>2026-11-18T10:00:00Z"     \
    "</responseDate><request verb=\"ListRecords\">http://h/oai</request>"    \
    "<ListRecords>"
#define REC(id, title)                                                        \
    "<record><header><identifier>oai:arXiv.org:" id "</identifier>"          \
    "<datestamp>2026-11-17</datestamp><setSpec>cs</setSpec></header>"        \
    "<metadata><arXivRaw xmlns=\"http://arxiv.org/OAI/arXivRaw/\"><id>" id   \
    "</id><version version=\"v1\"><date>Mon, 16 Nov 2026 10:00:00 GMT"       \
    "</date></version><title>" title "</title><authors>A. Author</authors>"  \
    "<categories>cs.CL</categories><abstract>Text.</abstract></arXivRaw>"    \
    "</metadata></record>"
#define TOKEN(t) "<resumptionToken cursor=\"0\" completeListSize=\"3\">" t   \
                 "</resumptionToken>"
#define OAI_TAIL "</ListRecords></OAI-PMH>\n"

static struct pb_store *temp_store(char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/pb-test-harvest-%d.db", (int)getpid());
    unlink(path);
    struct pb_store *st = NULL;
    struct pb_err err;
    if (pb_store_open(path, 0, &st, &err) != PB_OK)
        fprintf(stderr, "  %s\n", err.msg);
    return st;
}

static void drop_store(struct pb_store *st, const char *path)
{
    pb_store_close(st);
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static int n_papers(struct pb_store *st)
{
    struct pb_store_stats s;
    if (pb_store_stats(st, &s))
        return -1;
    return (int)s.papers;
}

static void t_page_all_or_nothing(void)
{
    char path[256];
    struct pb_store *st = temp_store(path, sizeof path);
    CHECK(st != NULL);
    if (!st)
        return;
    static const char broken[] = OAI_HEAD REC("2611.00001", "One")
        REC("2611.00002", "Two") "<record><header><identif";
    struct pb_oai_info info;
    struct pb_harvest_counts c;
    struct pb_err err;
    FILE *devnull = fopen("/dev/null", "w");
    CHECK_EQ(pb_harvest_import(st, PB_FMT_OAI, broken, sizeof broken - 1,
                               "p1", devnull, &info, NULL, NULL, &c, &err),
             PB_EPARSE);
    CHECK_EQ(n_papers(st), 0); /* the two good records were not written */
    CHECK_EQ(c.added, 0);
    static const char good[] = OAI_HEAD REC("2611.00001", "One")
        REC("2611.00002", "Two") TOKEN("t2") OAI_TAIL;
    CHECK_EQ(pb_harvest_import(st, PB_FMT_OAI, good, sizeof good - 1, "p1",
                               devnull, &info, NULL, NULL, &c, &err),
             PB_OK);
    CHECK_EQ(c.added, 2);
    CHECK_EQ(c.entries, 2);
    CHECK_STR(info.resumption_token, "t2");
    CHECK_EQ(n_papers(st), 2);
    fclose(devnull);
    drop_store(st, path);
}

static void t_oai_resume_and_bad_token(void)
{
    char path[256];
    struct pb_store *st = temp_store(path, sizeof path);
    CHECK(st != NULL);
    if (!st)
        return;
    static const char p1[] = OAI_HEAD REC("2611.00001", "One") TOKEN("t2")
        OAI_TAIL;
    static const char p2[] = OAI_HEAD REC("2611.00002", "Two") TOKEN("t3")
        OAI_TAIL;
    static const char p3[] = OAI_HEAD REC("2611.00003", "Three")
        "<resumptionToken completeListSize=\"3\" cursor=\"2\"/>" OAI_TAIL;
    static const char bad_token[] =
        "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/"
        "OAI/2.0/\"><responseDate>2026-11-19T10:00:00Z</responseDate>"
        "<request verb=\"ListRecords\">http://h/oai</request><error code=\""
        "badResumptionToken\">expired</error></OAI-PMH>";
    /* run 1: page 1, then page 2 fails for good (404) */
    static const struct step S1[] = {{PB_OK, 200, -1, 0, p1, 0},
                                     {PB_OK, 404, -1, 0, "", 0}};
    struct rig r;
    rig_init(&r, S1, 2, 3000);
    struct pb_harvest_env env = {st, &r.pl, &r.clock, NULL, NULL, NULL};
    FILE *devnull = fopen("/dev/null", "w");
    env.report = devnull;
    struct pb_harvest_oai_opts o = {"http://h/oai", "cs", NULL, NULL, NULL};
    struct pb_harvest_counts c;
    struct pb_err err;
    CHECK_EQ(pb_harvest_oai(&env, &o, &c, &err), PB_ENOTFOUND);
    CHECK_EQ(c.added, 1);
    CHECK_STR(r.ff.url[0], "http://h/oai?verb=ListRecords&metadataPrefix="
                           "arXivRaw&set=cs&from=2026-11-11");
    CHECK_STR(r.ff.url[1], "http://h/oai?verb=ListRecords&resumptionToken=t2");
    pb_polite_clear(&r.pl);
    /* run 2 resumes at t2: the token is now unknown, so the list restarts
     * from its start; page 1 merges as unchanged */
    static const struct step S2[] = {
        {PB_OK, 200, -1, 0, bad_token, 0}, {PB_OK, 200, -1, 0, p1, 0},
        {PB_OK, 200, -1, 0, p2, 0},        {PB_OK, 200, -1, 0, p3, 0}};
    rig_init(&r, S2, 4, 3000);
    env.pl = &r.pl;
    env.clock = &r.clock;
    CHECK_EQ(pb_harvest_oai(&env, &o, &c, &err), PB_OK);
    CHECK_STR(r.ff.url[0], "http://h/oai?verb=ListRecords&resumptionToken=t2");
    CHECK_STR(r.ff.url[1], "http://h/oai?verb=ListRecords&metadataPrefix="
                           "arXivRaw&set=cs&from=2026-11-11");
    CHECK_STR(r.ff.url[3], "http://h/oai?verb=ListRecords&resumptionToken=t3");
    CHECK_EQ(c.added, 2);
    CHECK_EQ(c.unchanged, 1);
    CHECK_EQ(n_papers(st), 3);
    char *v = NULL;
    CHECK_EQ(pb_store_meta_get(st, "harvest.oai.cs.from", &v), PB_OK);
    CHECK_STR(v, "2026-11-18"); /* the responseDate of the restarted list */
    free(v);
    CHECK_EQ(pb_store_meta_get(st, "harvest.oai.cs.token", &v), PB_OK);
    CHECK_STR(v, "");
    free(v);
    pb_polite_clear(&r.pl);
    /* run 3 is incremental from that day */
    static const char none[] =
        "<?xml version=\"1.0\"?><OAI-PMH xmlns=\"http://www.openarchives.org/"
        "OAI/2.0/\"><responseDate>2026-11-20T10:00:00Z</responseDate>"
        "<request verb=\"ListRecords\">http://h/oai</request><error code=\""
        "noRecordsMatch\"/></OAI-PMH>";
    static const struct step S3[] = {{PB_OK, 200, -1, 0, none, 0}};
    rig_init(&r, S3, 1, 3000);
    env.pl = &r.pl;
    env.clock = &r.clock;
    CHECK_EQ(pb_harvest_oai(&env, &o, &c, &err), PB_OK);
    CHECK_STR(r.ff.url[0], "http://h/oai?verb=ListRecords&metadataPrefix="
                           "arXivRaw&set=cs&from=2026-11-18");
    CHECK_EQ(c.added + c.updated + c.unchanged, 0);
    pb_polite_clear(&r.pl);
    fclose(devnull);
    drop_store(st, path);
}

#define ATOM_ENTRY(id, title)                                                 \
    "<entry><id>http://arxiv.org/abs/" id "v2</id>"                           \
    "<updated>2026-11-18T18:00:00Z</updated>"                                 \
    "<published>2026-11-17T18:00:00Z</published><title>" title "</title>"     \
    "<summary>About " title ".</summary><author><name>Grace Hopper</name>"    \
    "</author><category term=\"cs.CL\"/></entry>"
#define ATOM(entries)                                                         \
    "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"    \
    "<title>ArXiv Query</title>" entries "</feed>"

static void t_arxiv_ids(void)
{
    char path[256];
    struct pb_store *st = temp_store(path, sizeof path);
    CHECK(st != NULL);
    if (!st)
        return;
    FILE *devnull = fopen("/dev/null", "w");
    static const char one[] = ATOM(ATOM_ENTRY("2611.00001", "One"));
    static const char err_entry[] = ATOM(
        "<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_"
        "2611.0000x</id><title>Error</title><summary>incorrect id format"
        "</summary><updated>2026-11-18T00:00:00Z</updated></entry>");
    static const struct step S[] = {{PB_OK, 200, -1, 0, one, 0},
                                    {PB_OK, 200, -1, 0, err_entry, 0},
                                    {PB_OK, 404, -1, 0, "", 0}};
    struct rig r;
    rig_init(&r, S, 3, 3000);
    struct pb_harvest_env env = {st, &r.pl, &r.clock, NULL, devnull, NULL};
    struct pb_harvest_counts c;
    struct pb_err err;
    int found[3] = {-1, -1, -1};
    const char *ids[] = {"2611.00001", "2611.00002"};
    CHECK_EQ(pb_harvest_arxiv_ids(&env, "http://h", ids, 2, found, &c, &err),
             PB_OK);
    CHECK_STR(r.ff.url[0],
              "http://h/api/query?id_list=2611.00001%2C2611.00002&"
              "max_results=2");
    CHECK_EQ(found[0], 1);
    CHECK_EQ(found[1], 0);
    CHECK_EQ(c.added, 1);
    CHECK_EQ(n_papers(st), 1);
    /* an error entry is rejected: not found, nothing written */
    const char *bad[] = {"2611.0000x"};
    CHECK_EQ(pb_harvest_arxiv_ids(&env, "http://h", bad, 1, found, &c, &err),
             PB_OK);
    CHECK_EQ(found[0], 0);
    CHECK_EQ(c.rejected, 1);
    CHECK_EQ(r.ff.at[1] - r.ff.at[0] >= 3000, 1); /* the polite gap */
    /* a failing response writes nothing and says so */
    CHECK(pb_harvest_arxiv_ids(&env, "http://h", bad, 1, found, &c,
                               &err) != PB_OK);
    CHECK_EQ(n_papers(st), 1);
    /* no request for ids it will not send */
    const char *evil[] = {"2611.00001&search_query=all"};
    CHECK_EQ(pb_harvest_arxiv_ids(&env, "http://h", evil, 1, found, &c, &err),
             PB_EINVAL);
    CHECK_EQ(pb_harvest_arxiv_ids(&env, "http://h", ids, 0, found, &c, &err),
             PB_EINVAL);
    CHECK_EQ(r.ff.n_calls, 3);
    pb_polite_clear(&r.pl);
    fclose(devnull);
    drop_store(st, path);
}

/* Expected values from Python's zoneinfo (America/New_York). */
static void t_schedule(void)
{
    /* Friday noon UTC: next is Sunday 20:00 EST, last was Thursday's */
    CHECK_EQ(pb_harvest_next_run(1795780800, 0), 1796000400);
    CHECK_EQ(pb_harvest_last_announcement(1795780800), 1795741200);
    /* a summer Wednesday: 20:00 EDT is 00:00 UTC the next day */
    CHECK_EQ(pb_harvest_next_run(1782907200, 0), 1782950400);
    CHECK_EQ(pb_harvest_last_announcement(1782950400), 1782950400);
    CHECK_EQ(pb_harvest_last_announcement(1782950399), 1782864000);
    /* the days the clocks change */
    CHECK_EQ(pb_harvest_next_run(1772971200, 0), 1773014400);
    CHECK_EQ(pb_harvest_next_run(1793534400, 0), 1793581200);
    /* half an hour after an announcement: with an hour's margin it is
     * still ahead; without, the next day's */
    CHECK_EQ(pb_harvest_next_run(1782952200, 3600), 1782950400 + 3600);
    CHECK_EQ(pb_harvest_next_run(1782952200, 0), 1783036800);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"classify", t_classify},
        {"backoff_sequence", t_backoff_sequence},
        {"judge", t_judge},
        {"gap_between_requests", t_gap_between_requests},
        {"retry_after_honoured", t_retry_after_honoured},
        {"backoff_then_success", t_backoff_then_success},
        {"give_up_after_retries", t_give_up_after_retries},
        {"fatal_and_unreachable", t_fatal_and_unreachable},
        {"bad_body_is_retried", t_bad_body_is_retried},
        {"stop_flag", t_stop_flag},
        {"interval_lowered_only_on_loopback",
         t_interval_lowered_only_on_loopback},
        {"url", t_url},
        {"user_agent", t_user_agent},
        {"page_all_or_nothing", t_page_all_or_nothing},
        {"oai_resume_and_bad_token", t_oai_resume_and_bad_token},
        {"arxiv_ids", t_arxiv_ids},
        {"schedule", t_schedule},
        {0},
    };
    return pb_test_run(T);
}
