/* sched.c - the scheduler thread of serve (sched.h). */
#include "sched/sched.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/mem.h"
#include "harvest/harvest.h"
#include "harvest/harvest_thumbs.h"
#include "harvest/harvest_fetch.h"
#include "harvest/harvest_schedule.h"
#include "store/store_cluster.h"
#include "store/store_ops.h"
#include "store/store.h"

/* How long a job's lease lasts without renewal (a holder that dies is
 * replaced after this long), and how soon a node that found a job's lease
 * busy asks again. */
#define LEASE_TTL_S 60
#define LEASE_RETRY_S 15

struct pb_sched {
    struct pb_sched_opts o;
    pthread_t th, hb;
    int hb_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    volatile sig_atomic_t stop;
    struct pb_clock clock; /* the system clock, with sleeps that stop ends */
    /* job leases (store_cluster.h): this process's holder name, the ttl,
     * and the lease the running job holds ("" = none; under mu), which
     * the heartbeat thread renews every ttl / 3 */
    char holder[64];
    int ttl;
    char lease[32];
};

int pb_sched_parse_time(const char *s, int *out)
{
    int v[3] = {0, 0, 0}, n = 0;
    const char *p = s;
    if (!s)
        return PB_EINVAL;
    for (;;) {
        if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
            return PB_EINVAL;
        v[n++] = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (!*p)
            break;
        if (*p != ':' || n == 3)
            return PB_EINVAL;
        p++;
    }
    if (n < 2 || v[0] > 23 || v[1] > 59 || v[2] > 59)
        return PB_EINVAL;
    *out = v[0] * 3600 + v[1] * 60 + v[2];
    return PB_OK;
}

int64_t pb_sched_next_local(int64_t now, int at)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    for (int d = 0; d < 3; d++) {
        struct tm c = tm;
        c.tm_mday += d;
        c.tm_hour = at / 3600;
        c.tm_min = at / 60 % 60;
        c.tm_sec = at % 60;
        c.tm_isdst = -1;
        time_t x = mktime(&c);
        if (x != (time_t)-1 && (int64_t)x > now)
            return (int64_t)x;
    }
    return now + 86400;
}

static void logf_(struct pb_sched *s, const char *fmt, ...) PB_PRINTF(2, 3);
static void logf_(struct pb_sched *s, const char *fmt, ...)
{
    if (!s->o.log)
        return;
    char when[21];
    pb_time_format((int64_t)time(NULL), when);
    va_list ap;
    va_start(ap, fmt);
    fprintf(s->o.log, "paperboy serve: %s ", when);
    vfprintf(s->o.log, fmt, ap);
    fputc('\n', s->o.log);
    fflush(s->o.log);
    va_end(ap);
}

/* --- the clock: real time, sleeps that pb_sched_stop() cuts short ------- */

static int64_t clock_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t clock_unix(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static void clock_sleep(void *ctx, int64_t ms)
{
    struct pb_sched *s = ctx;
    if (ms <= 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->stop &&
           pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT) {
    }
    pthread_mutex_unlock(&s->mu);
}

/* --- jobs ---------------------------------------------------------------- */

/* The images of what the daily harvest brought (harvest_thumbs.h), on the
 * same connection, at the CDN's gap and arXiv's. */
static void thumbs(struct pb_sched *s, const struct pb_harvest_env *h,
                   const struct pb_fetcher *fetcher)
{
    struct pb_err err;
    pb_err_clear(&err);
    char media[4096];
    if (pb_harvest_media_dir(s->o.db_path, media, sizeof media))
        return;
    struct pb_polite_opts po, ppo;
    pb_polite_opts_default(&po, PB_POLITE_HF_MS);
    pb_polite_opts_default(&ppo, PB_POLITE_ARXIV_MS);
    po.max_retries = ppo.max_retries = 2;
    struct pb_polite pl, ppl;
    pb_polite_init(&pl, &po, &s->clock, fetcher, PB_HARVEST_IMAGE_MAX);
    pb_polite_init(&ppl, &ppo, &s->clock, fetcher, PB_HARVEST_PDF_MAX);
    pl.stop = ppl.stop = &s->stop;
    pl.label = "thumbnails";
    ppl.label = "pdf";
    struct pb_harvest_env env = *h;
    env.pl = &pl;
    struct pb_harvest_thumbs_opts o = {.media_dir = media,
                                       .hosts = s->o.media_hosts,
                                       .limit = 300,
                                       .pdf = 1,
                                       .pdf_pl = &ppl};
    struct pb_harvest_thumbs_counts c;
    int rc = pb_harvest_thumbs(&env, &o, &c, &err);
    logf_(s, "harvest thumbnails: stored %lld (rendered %lld), refused %lld, "
             "failed %lld%s%s",
          (long long)c.stored, (long long)c.rendered, (long long)c.refused,
          (long long)c.failed, rc ? ": " : "",
          rc ? (rc == PB_EINTR ? "interrupted" : err.msg) : "");
    pb_polite_clear(&pl);
    pb_polite_clear(&ppl);
}

static void harvest(struct pb_sched *s, struct pb_store *st, int arxiv)
{
    struct pb_err err;
    pb_err_clear(&err);
    const char *base = arxiv ? s->o.arxiv_url : s->o.daily_url;
    const char *eff = base ? base : arxiv ? PB_HARVEST_OAI_BASE
                                          : PB_HARVEST_HF_BASE;
    int64_t dflt = arxiv ? PB_POLITE_ARXIV_MS : PB_POLITE_HF_MS;
    const char *env = getenv("PAPERBOY_HARVEST_DELAY_MS");
    int refused = 0;
    int64_t gap = env && *env ? pb_polite_interval(strtoll(env, NULL, 10),
                                                   dflt, eff, &refused)
                              : dflt;
    struct pb_fetch_opts fo = {.user_agent = s->o.user_agent,
                               .stop = &s->stop};
    struct pb_fetcher fetcher;
    struct pb_fetcher_curl *fc = NULL;
    if (pb_fetcher_curl_new(&fo, &fc, &fetcher, &err)) {
        logf_(s, "harvest %s: %s", arxiv ? "arxiv" : "daily", err.msg);
        return;
    }
    struct pb_polite_opts po;
    pb_polite_opts_default(&po, gap);
    struct pb_polite pl;
    pb_polite_init(&pl, &po, &s->clock, &fetcher, 64u << 20);
    pl.stop = &s->stop;
    pl.label = arxiv ? "arxiv" : "daily";
    struct pb_harvest_env env_ = {.st = st, .pl = &pl, .clock = &s->clock,
                                  .report = s->o.log, .stop = &s->stop};
    struct pb_harvest_counts c;
    memset(&c, 0, sizeof c);
    int rc;
    if (arxiv) {
        struct pb_harvest_oai_opts o = {base, s->o.arxiv_set, NULL, NULL,
                                        NULL};
        rc = pb_harvest_oai(&env_, &o, &c, &err);
    } else {
        struct pb_harvest_daily_opts o = {base, NULL, 2};
        rc = pb_harvest_daily(&env_, &o, &c, &err);
    }
    if (c.added || c.updated || c.unchanged || c.rejected || c.deleted) {
        char what[300];
        snprintf(what, sizeof what, "scheduled harvest %s %.200s",
                 arxiv ? "arxiv" : "daily", eff);
        if (pb_store_import_log(st, what, arxiv ? "oai" : "hf-daily",
                                c.added, c.updated, c.unchanged, c.rejected))
            logf_(s, "harvest: cannot write the import log");
    }
    if (rc == PB_OK && pb_store_harvest_ok(st, (int64_t)time(NULL)))
        logf_(s, "harvest: cannot record the harvest");
    logf_(s, "harvest %s: added %lld, updated %lld, unchanged %lld, "
             "rejected %lld%s%s",
          arxiv ? "arxiv" : "daily", (long long)c.added, (long long)c.updated,
          (long long)c.unchanged, (long long)c.rejected, rc ? ": " : "",
          rc ? (rc == PB_EINTR ? "interrupted" : err.msg) : "");
    if (!arxiv && s->o.harvest_thumbs && !s->stop)
        thumbs(s, &env_, &fetcher);
    pb_polite_clear(&pl);
    pb_fetcher_curl_free(fc);
}

static void mail_job(struct pb_sched *s, struct pb_store *st,
                     const struct pb_mail_config *mc, int digests)
{
    struct pb_mail_counts n;
    struct pb_err err;
    memset(&n, 0, sizeof n);
    pb_err_clear(&err);
    int rc = pb_mail_send_confirmations(st, mc, &n, &err);
    if (!rc)
        rc = digests ? pb_mail_send_digests(st, mc, NULL, &n, &err)
                     : pb_mail_retry_due(st, mc, &n, &err);
    if (digests || rc || n.sent || n.confirmations || n.refused ||
        n.uncertain)
        logf_(s, "mail: %d digests sent, %d confirmations, %d already sent, "
                 "%d deferred, %d refused, %d paused, %d uncertain%s%s",
              n.sent, n.confirmations, n.already, n.deferred, n.refused,
              n.paused, n.uncertain, rc && rc != PB_EINTR ? ": " : "",
              rc && rc != PB_EINTR ? err.msg : "");
}

/* --- leases: each job runs on one node at a time ------------------------ */

static void *heartbeat(void *arg)
{
    struct pb_sched *s = arg;
    struct pb_store *st = NULL;
    struct pb_err err;
    pb_err_clear(&err);
    if (pb_store_open(s->o.db_path, 0, &st, &err)) {
        logf_(s, "scheduler: lease heartbeat: %s", err.msg);
        return NULL;
    }
    int period = s->ttl / 3 > 0 ? s->ttl / 3 : 1;
    while (!s->stop) {
        clock_sleep(s, (int64_t)period * 1000);
        char name[sizeof s->lease];
        pthread_mutex_lock(&s->mu);
        memcpy(name, s->lease, sizeof name);
        pthread_mutex_unlock(&s->mu);
        if (!name[0] || s->stop)
            continue;
        int rc = pb_store_lease_renew(st, name, s->holder, (int64_t)time(NULL),
                                      s->ttl);
        if (rc)
            logf_(s, "scheduler: cannot renew the lease of %s: %s", name,
                  rc == PB_ENOTFOUND ? "another node has taken it over"
                                     : pb_store_errmsg(st));
    }
    pb_store_close(st);
    return NULL;
}

/* Ask for job name's lease for slot. 1: run it now (the heartbeat renews
 * the lease until lease_end); 0: not now, *retry says whether to ask again
 * in LEASE_RETRY_S (another node runs it) or move to the next slot (done,
 * by this node or another). */
static int lease_begin(struct pb_sched *s, struct pb_store *st,
                       const char *name, int64_t slot, int *retry)
{
    int state = PB_LEASE_BUSY;
    *retry = 1;
    int rc = pb_store_lease_take(st, name, s->holder, slot,
                                 (int64_t)time(NULL), s->ttl, &state);
    if (rc) {
        logf_(s, "scheduler: %s: cannot take its lease: %s", name,
              pb_store_errmsg(st));
        return 0;
    }
    if (state == PB_LEASE_DONE) {
        *retry = 0;
        return 0;
    }
    if (state != PB_LEASE_TAKEN) {
        /* a process of this host that died holding it (a crash, kill -9,
         * then a restart): no need to wait for its lease to expire */
        char dead[64];
        if (pb_store_lease_holder_of(st, name, dead, sizeof dead) ||
            !pb_store_lease_holder_gone(dead) ||
            pb_store_lease_take_over(st, name, dead, s->holder,
                                     (int64_t)time(NULL), s->ttl))
            return 0;
        logf_(s, "scheduler: %s: took over the lease of %s, which no longer "
                 "runs", name, dead);
    }
    pthread_mutex_lock(&s->mu);
    snprintf(s->lease, sizeof s->lease, "%s", name);
    pthread_mutex_unlock(&s->mu);
    return 1;
}

/* The job ran: mark slot done (finished) or let the lease go so that
 * another node picks the job up at once (stopped early). */
static void lease_end(struct pb_sched *s, struct pb_store *st,
                      const char *name, int64_t slot, int finished)
{
    pthread_mutex_lock(&s->mu);
    s->lease[0] = '\0';
    pthread_mutex_unlock(&s->mu);
    int rc = finished ? pb_store_lease_done(st, name, s->holder, slot)
                      : pb_store_lease_drop(st, name, s->holder);
    if (rc == PB_ENOTFOUND)
        logf_(s, "scheduler: %s: the lease expired while it ran (another "
                 "node may run it again)", name);
    else if (rc)
        logf_(s, "scheduler: %s: cannot release its lease: %s", name,
              pb_store_errmsg(st));
}

static void *run(void *arg)
{
    struct pb_sched *s = arg;
    struct pb_store *st = NULL;
    struct pb_smtp_curl *sc = NULL;
    struct pb_smtp tr;
    struct pb_mail_config mc = s->o.mail;
    struct pb_err err;
    pb_err_clear(&err);
    if (pb_store_open(s->o.db_path, 0, &st, &err)) {
        logf_(s, "scheduler: %s", err.msg);
        return NULL;
    }
    const char *ttl = getenv("PAPERBOY_LEASE_TTL_S"); /* tests */
    s->ttl = ttl && atoi(ttl) > 0 ? atoi(ttl) : LEASE_TTL_S;
    pb_store_lease_holder(s->holder);
    s->hb_started = pthread_create(&s->hb, NULL, heartbeat, s) == 0;
    int mail = s->o.smtp.url != NULL;
    if (mail && pb_smtp_curl_new(&s->o.smtp, &sc, &tr, &err)) {
        logf_(s, "scheduler: %s", err.msg);
        mail = 0;
    }
    mc.smtp = &tr;
    mc.clock = &s->clock;
    mc.stop = &s->stop;
    mc.out = s->o.log; /* refusals and pauses are reported in the log */
    if (!mc.db_path)
        mc.db_path = s->o.db_path; /* its semantic index: recommendations */
    int64_t now = (int64_t)time(NULL);
    int every = s->o.confirm_every_s > 0 ? s->o.confirm_every_s : 5;
    int64_t margin = s->o.arxiv_margin_s > 0 ? s->o.arxiv_margin_s : 1800;
    int64_t t_mail = now, t_digest = 0, t_arxiv = 0, t_daily = 0;
    if (mail && s->o.digest_at >= 0)
        t_digest = pb_sched_next_local(now, s->o.digest_at);
    if (s->o.harvest_arxiv)
        t_arxiv = pb_harvest_next_run(now, margin);
    if (s->o.harvest_daily)
        t_daily = pb_sched_next_local(now, s->o.daily_at);
    char buf[3][21];
    pb_time_format(t_digest, buf[0]);
    pb_time_format(t_arxiv, buf[1]);
    pb_time_format(t_daily, buf[2]);
    logf_(s, "scheduler: digests %s, arxiv harvest %s, daily harvest %s",
          t_digest ? buf[0] : "off", t_arxiv ? buf[1] : "off",
          t_daily ? buf[2] : "off");
    /* each due job runs under its lease: on one node at a time, and a
     * slot done by any node is not run again; the slots (the times jobs
     * are due) are the same on every node with the same settings */
    int64_t s_arxiv = t_arxiv, s_daily = t_daily, s_digest = t_digest;
    int retry = 0;
    while (!s->stop) {
        now = (int64_t)time(NULL);
        if (t_arxiv && now >= t_arxiv) {
            if (lease_begin(s, st, "harvest-arxiv", s_arxiv, &retry)) {
                harvest(s, st, 1);
                lease_end(s, st, "harvest-arxiv", s_arxiv, !s->stop);
                retry = 0;
            }
            if (retry) {
                t_arxiv = (int64_t)time(NULL) + LEASE_RETRY_S;
            } else {
                s_arxiv = t_arxiv =
                    pb_harvest_next_run((int64_t)time(NULL), margin);
            }
        }
        if (!s->stop && t_daily && now >= t_daily) {
            if (lease_begin(s, st, "harvest-daily", s_daily, &retry)) {
                harvest(s, st, 0);
                lease_end(s, st, "harvest-daily", s_daily, !s->stop);
                retry = 0;
            }
            if (retry) {
                t_daily = (int64_t)time(NULL) + LEASE_RETRY_S;
            } else {
                s_daily = t_daily = pb_sched_next_local((int64_t)time(NULL),
                                                        s->o.daily_at);
            }
        }
        if (!s->stop && mail && t_digest && now >= t_digest) {
            if (lease_begin(s, st, "digest", s_digest, &retry)) {
                mail_job(s, st, &mc, 1);
                lease_end(s, st, "digest", s_digest, !s->stop);
                retry = 0;
            }
            if (retry) {
                t_digest = (int64_t)time(NULL) + LEASE_RETRY_S;
            } else {
                s_digest = t_digest = pb_sched_next_local(
                    (int64_t)time(NULL), s->o.digest_at);
            }
            t_mail = (int64_t)time(NULL) + every;
        }
        if (!s->stop && mail && now >= t_mail) {
            /* confirmations and retries: whichever node has the lease;
             * let go after each round so any live node can take the next */
            if (lease_begin(s, st, "mail-queue", now, &retry)) {
                mail_job(s, st, &mc, 0);
                lease_end(s, st, "mail-queue", now, 0);
            }
            t_mail = (int64_t)time(NULL) + every;
        }
        int64_t next = mail ? t_mail : now + 60;
        if (t_digest && t_digest < next)
            next = t_digest;
        if (t_arxiv && t_arxiv < next)
            next = t_arxiv;
        if (t_daily && t_daily < next)
            next = t_daily;
        now = (int64_t)time(NULL);
        if (next > now)
            clock_sleep(s, (next - now) * 1000);
    }
    if (s->hb_started)
        pthread_join(s->hb, NULL); /* stop is set: it ends within a sleep */
    pb_smtp_curl_free(sc);
    pb_store_close(st);
    return NULL;
}

int pb_sched_start(const struct pb_sched_opts *o, struct pb_sched **out,
                   struct pb_err *err)
{
    *out = NULL;
    if ((o->harvest_arxiv || o->harvest_daily) && !o->user_agent)
        return pb_err_set(err, PB_EINVAL, "harvests need a User-Agent");
    struct pb_sched *s = pb_calloc(1, sizeof *s);
    s->o = *o;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->clock = (struct pb_clock){clock_ms, clock_sleep, clock_unix, s};
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    int r = pthread_create(&s->th, NULL, run, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return pb_err_set(err, PB_EIO, "cannot start the scheduler thread");
    }
    *out = s;
    return PB_OK;
}

void pb_sched_stop(struct pb_sched *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
