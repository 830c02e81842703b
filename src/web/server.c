/* server.c - libmicrohttpd glue: limits, per-thread store handles, the
 * response cache, ETags, security headers, access log, shutdown (see
 * server.h). Pages, API and feeds are rendered by router.c's handlers. */
#include "web/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "community/community.h"
#include "core/fmap.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "web/access_log.h"
#include "core/escape.h"
#include "web/conn_guard.h"
#include "web/web_fetch.h"
#include "web/web_int.h"
#include "web/hash_proc.h"
#include "web/work_pool.h"
#include "web/web_ops.h"
#include "web/web_replica.h"
#include "web/shared_limits.h"
#include "store/store_cluster.h"
#include "store/store_notify.h"
#include "store/store_replica.h"

#define MAX_HEADERS 64
#define MAX_UPLOAD (64u << 10) /* a 10,000-byte comment, percent-encoded */
#define DISCARD_MAX (4u << 20) /* bodies up to this are read to answer 413 */
#define MEMORY_LIMIT (32u << 10)
#define CACHE_BUCKETS 4096
#define CACHE_MAX_ENTRIES 4096
#define CACHE_MAX_BYTES (64u << 20)
#define CSP                                                                  \
    "default-src 'none'; style-src 'self'; img-src 'self'; "                 \
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

/* --- per-thread handles -------------------------------------------------- */

static const struct pb_web_site *g_site;
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pb_web_thread *all_threads[256];
static size_t n_threads;
static __thread struct pb_web_thread *tl;

static struct pb_web_thread *thread_handles(void)
{
    if (tl)
        return tl;
    struct pb_err err = {0};
    struct pb_store *st = NULL;
    if (pb_store_open(g_site->db_path, PB_STORE_READONLY, &st, &err)) {
        fprintf(stderr, "paperboy serve: %s\n", err.msg);
        return NULL;
    }
    struct pb_web_thread *t = pb_calloc(1, sizeof *t);
    t->st = st;
    pb_web_replica_attach(g_site, st);
    t->feed = pb_store_feed_new(st);
    pthread_mutex_lock(&threads_lock);
    if (n_threads < sizeof all_threads / sizeof all_threads[0]) {
        all_threads[n_threads++] = t;
        tl = t;
    }
    pthread_mutex_unlock(&threads_lock);
    if (!tl) { /* more threads than we track: should not happen */
        pb_store_feed_free(t->feed);
        pb_store_close(t->st);
        free(t);
    }
    return tl;
}

static void close_threads(void)
{
    pthread_mutex_lock(&threads_lock);
    for (size_t i = 0; i < n_threads; i++) {
        struct pb_web_thread *t = all_threads[i];
        pb_web_searcher_free(t->searcher);
        pb_cmdb_free(t->cmdb);
        pb_store_close(t->rw);
        pb_store_feed_free(t->feed);
        pb_store_close(t->st);
        free(t);
    }
    n_threads = 0;
    pthread_mutex_unlock(&threads_lock);
}

/* --- response cache ------------------------------------------------------ */

/* Finished 200 responses by request key. Responses are queued while the
 * read lock is held, so a flush (write lock) never frees one in use. */
struct centry {
    struct centry *next;
    uint64_t hash;
    char *key;
    size_t klen, bytes;
    struct MHD_Response *resp;
    char etag[24];
};

static struct {
    int on;
    pthread_rwlock_t lock;
    struct centry *b[CACHE_BUCKETS];
    size_t n, bytes;
    _Atomic int64_t gen;        /* store generation the entries reflect */
    _Atomic int64_t checked_at; /* when gen was last compared (seconds) */
} cache;

static uint64_t fnv64(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h;
}

static void cache_flush_locked(void)
{
    for (size_t i = 0; i < CACHE_BUCKETS; i++) {
        struct centry *e = cache.b[i], *next;
        for (; e; e = next) {
            next = e->next;
            MHD_destroy_response(e->resp);
            free(e->key);
            free(e);
        }
        cache.b[i] = NULL;
    }
    cache.n = cache.bytes = 0;
}

/* Make room for an entry of bytes: drop whole buckets, a clock hand
 * going round, until an eighth of the cache is free. Dropping everything
 * at once (as before) made every 4,096th miss stall all threads on the
 * write lock while thousands of responses were freed, and left the cache
 * empty for the queries asked again right after. */
static void cache_evict_locked(size_t bytes)
{
    static size_t hand;
    size_t want_n = CACHE_MAX_ENTRIES - CACHE_MAX_ENTRIES / 8;
    size_t want_bytes = CACHE_MAX_BYTES - CACHE_MAX_BYTES / 8;
    want_bytes = bytes < want_bytes ? want_bytes - bytes : 0;
    for (size_t k = 0; k < CACHE_BUCKETS &&
                       (cache.n > want_n || cache.bytes > want_bytes);
         k++) {
        struct centry *e = cache.b[hand], *next;
        for (; e; e = next) {
            next = e->next;
            cache.n--;
            cache.bytes -= e->bytes;
            MHD_destroy_response(e->resp);
            free(e->key);
            free(e);
        }
        cache.b[hand] = NULL;
        hand = (hand + 1) % CACHE_BUCKETS;
    }
}

/* Compare the store's generation at most once a second; on a change drop
 * every cached response and bring the search index up to date. */
static void check_generation(struct pb_web_thread *t)
{
    int64_t now = (int64_t)time(NULL), was = atomic_load(&cache.checked_at);
    if (now == was ||
        !atomic_compare_exchange_strong(&cache.checked_at, &was, now))
        return;
    int64_t gen, cgen = 0;
    struct pb_web_req rq = {.site = g_site, .th = t};
    struct pb_cmdb *db = pb_web_cmdb(&rq);
    if (pb_store_feed_generation(t->feed, &gen) ||
        (db && pb_cmdb_generation(db, &cgen)))
        return;
    /* votes, comments and moderation change pages too, and trending
     * scores move with the clock (docs/TRENDING.md): add the community
     * counter and a 10-minute tick; all three only grow, so the sum
     * changes whenever one does */
    gen += cgen + now / 600;
    if (gen == atomic_load(&cache.gen))
        return;
    pb_web_search_sync(g_site->search, t->st);
    pthread_rwlock_wrlock(&cache.lock);
    cache_flush_locked();
    atomic_store(&cache.gen, gen);
    pthread_rwlock_unlock(&cache.lock);
}

/* --- following a shared store ----------------------------------------------
 *
 * On PostgreSQL other servers write too: a thread of its own LISTENs
 * (store_notify.h) and brings the index and the cache up to date as soon
 * as a commit that changed papers notifies, and once a second anyway (the
 * catch-up for notifications missed while the connection was lost, and
 * for votes and comments, which do not notify). Request threads then
 * leave it to this thread. SQLite keeps check_generation on requests. */

#define FOLLOW_POLL_MS 1000

static struct {
    struct pb_store_listener *l;
    pthread_t th;
    int running;
    _Atomic int stop;
} follow;

/* check_generation without its once-a-second gate, on this thread's own
 * handles. The generation is read before the index is synced, so what is
 * cached under it holds at least what it counts. */
static void follow_once(struct pb_web_thread *t)
{
    int64_t gen, cgen = 0;
    if (pb_store_feed_generation(t->feed, &gen) ||
        pb_cmdb_generation(t->cmdb, &cgen))
        return;
    gen += cgen + (int64_t)time(NULL) / 600;
    pb_web_search_sync_wait(g_site->search, t->st);
    if (gen == atomic_load(&cache.gen))
        return;
    pthread_rwlock_wrlock(&cache.lock);
    cache_flush_locked();
    atomic_store(&cache.gen, gen);
    pthread_rwlock_unlock(&cache.lock);
}

/* The generation and the index follow what anonymous pages read: the
 * replica, when there is one, so that no page older than the cache's
 * generation is cached under it. */
static void follow_now(struct pb_web_thread *t)
{
    pb_web_replica_set(t, 1, 0);
    follow_once(t);
    pb_web_replica_set(t, 0, 0);
}

static void *follow_main(void *arg)
{
    (void)arg;
    struct pb_web_thread t = {0};
    while (!atomic_load(&follow.stop)) {
        enum pb_listen_ev ev =
            pb_store_listener_wait(follow.l, FOLLOW_POLL_MS);
        /* DOWN (no LISTEN now) polls all the same: the store may still
         * answer, e.g. when LISTEN itself is refused */
        if (ev == PB_LISTEN_WOKEN)
            continue;
        if (!t.st) {
            struct pb_err err = {0};
            if (pb_store_open(g_site->db_path, PB_STORE_READONLY, &t.st,
                              &err))
                continue; /* the database is away: next time */
            pb_web_replica_attach(g_site, t.st);
            t.feed = pb_store_feed_new(t.st);
            t.cmdb = pb_cmdb_new(t.st);
        }
        follow_now(&t);
    }
    pb_cmdb_free(t.cmdb);
    pb_store_feed_free(t.feed);
    pb_store_close(t.st);
    return NULL;
}

static void follow_start(const char *db_path)
{
    struct pb_err err = {0};
    if (!pb_store_is_url(db_path))
        return;
    if (pb_store_listener_open(db_path, &follow.l, &err)) {
        fprintf(stderr, "paperboy serve: not listening for changes: %s\n",
                err.msg);
        return;
    }
    atomic_store(&follow.stop, 0);
    follow.running = pthread_create(&follow.th, NULL, follow_main, NULL) == 0;
    if (!follow.running) {
        pb_store_listener_free(follow.l);
        follow.l = NULL;
    }
}

static void follow_stop(void)
{
    if (!follow.running)
        return;
    atomic_store(&follow.stop, 1);
    pb_store_listener_wake(follow.l);
    pthread_join(follow.th, NULL);
    pb_store_listener_free(follow.l);
    follow.l = NULL;
    follow.running = 0;
}

/* If-None-Match holds etag (or "*")? */
static int etag_match(const char *inm, const char *etag)
{
    if (!inm)
        return 0;
    size_t n = strlen(etag);
    for (const char *p = inm; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (!strncmp(p, "W/", 2))
            p += 2;
        if (!strncmp(p, etag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

static void security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

static enum MHD_Result queue_304(struct MHD_Connection *c, const char *etag,
                                 const char *cache_control)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Cache-Control", cache_control);
    security_headers(r);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED, r);
    MHD_destroy_response(r);
    return ok;
}

/* Serve key from the cache; 1 when it was there (*ok, *status, *bytes set). */
static int cache_serve(const char *key, size_t klen, struct MHD_Connection *c,
                       enum MHD_Result *ok, int *status, size_t *bytes)
{
    uint64_t h = fnv64(key, klen);
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    int hit = 0, not_modified = 0;
    char etag[24];
    const char *cc = NULL;
    pthread_rwlock_rdlock(&cache.lock);
    for (struct centry *e = cache.b[h % CACHE_BUCKETS]; e; e = e->next) {
        if (e->hash != h || e->klen != klen || memcmp(e->key, key, klen))
            continue;
        hit = 1;
        if (etag_match(inm, e->etag)) {
            not_modified = 1;
            memcpy(etag, e->etag, sizeof etag);
            cc = MHD_get_response_header(e->resp, "Cache-Control");
            *status = 304, *bytes = 0;
        } else {
            *ok = MHD_queue_response(c, MHD_HTTP_OK, e->resp);
            *status = 200, *bytes = e->bytes;
        }
        break;
    }
    if (not_modified) /* the header string lives in the entry: copy first */
        *ok = queue_304(c, etag, cc ? cc : "no-cache");
    pthread_rwlock_unlock(&cache.lock);
    return hit;
}

static void cache_put(const char *key, size_t klen, struct MHD_Response *r,
                      const char *etag, size_t bytes)
{
    uint64_t h = fnv64(key, klen);
    struct centry *e = pb_calloc(1, sizeof *e);
    e->hash = h;
    e->key = pb_strndup(key, klen);
    e->klen = klen;
    e->bytes = bytes;
    e->resp = r;
    snprintf(e->etag, sizeof e->etag, "%s", etag);
    pthread_rwlock_wrlock(&cache.lock);
    for (struct centry *o = cache.b[h % CACHE_BUCKETS]; o; o = o->next)
        if (o->hash == h && o->klen == klen && !memcmp(o->key, key, klen)) {
            pthread_rwlock_unlock(&cache.lock); /* another thread was first */
            MHD_destroy_response(r);
            free(e->key);
            free(e);
            return;
        }
    if (cache.n >= CACHE_MAX_ENTRIES || cache.bytes + bytes > CACHE_MAX_BYTES)
        cache_evict_locked(bytes);
    e->next = cache.b[h % CACHE_BUCKETS];
    cache.b[h % CACHE_BUCKETS] = e;
    cache.n++;
    cache.bytes += bytes;
    pthread_rwlock_unlock(&cache.lock);
}

/* --- requests ------------------------------------------------------------ */

static char first_call; /* marks a GET/HEAD request seen once */
static char refused;    /* marks a request already answered with an error */

struct deferred;
/* requests between their first on_request call and on_completed */
static _Atomic long in_flight;

struct upload {
    size_t bytes;
    struct pb_buf body; /* a POST's body, up to MAX_UPLOAD */
    struct deferred *job; /* a request handed to the hashing pool */
};

struct argctx {
    struct pb_web_req *rq;
    struct pb_buf *key;
    int bad;
};

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind,
                              const char *k, const char *v)
{
    (void)kind;
    struct argctx *a = cls;
    if (a->rq->n_args == PB_WEB_MAX_ARGS) {
        a->bad = 1;
        return MHD_NO;
    }
    if (pb_utf8_check(k, strlen(k)) != strlen(k) ||
        (v && pb_utf8_check(v, strlen(v)) != strlen(v))) {
        a->bad = 2;
        return MHD_NO;
    }
    a->rq->args[a->rq->n_args].key = k;
    a->rq->args[a->rq->n_args].value = v;
    a->rq->n_args++;
    if ((a->key->len && pb_buf_putc(a->key, '&')) || pb_web_url_s(a->key, k) ||
        (v && (pb_buf_putc(a->key, '=') || pb_web_url_s(a->key, v))))
        a->bad = 3;
    return MHD_YES;
}

/* Build the MHD response for rs (taking its body). */
static struct MHD_Response *make_response(struct pb_web_resp *rs,
                                          char etag[24])
{
    size_t len = rs->body.len;
    char *body = pb_buf_steal(&rs->body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", rs->type ? rs->type
                                                        : "text/plain");
    MHD_add_response_header(r, "Cache-Control",
                            rs->cache ? rs->cache : "no-store");
    security_headers(r);
    etag[0] = '\0';
    if (rs->status == 200) {
        snprintf(etag, 24, "\"%016llx\"",
                 (unsigned long long)pb_hash64(body, len));
        MHD_add_response_header(r, "ETag", etag);
    }
    if (rs->status == 405)
        MHD_add_response_header(r, "Allow", "GET, HEAD, POST");
    if (rs->search_mode)
        MHD_add_response_header(r, "X-Search-Mode", rs->search_mode);
    if (rs->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", rs->retry_after);
        MHD_add_response_header(r, "Retry-After", ra);
    }
    if (rs->location[0])
        MHD_add_response_header(r, "Location", rs->location);
    for (size_t i = 0; i < sizeof rs->cookies / sizeof rs->cookies[0]; i++)
        if (rs->cookies[i][0])
            MHD_add_response_header(r, "Set-Cookie", rs->cookies[i]);
    return r;
}

/* An error answer; close: also end the connection after it (the rest of
 * what the client sent cannot be trusted to be a next request). */
static enum MHD_Result error_answer(struct MHD_Connection *c,
                                    struct pb_web_req *rq, int status,
                                    const char *msg, int close,
                                    int *out_status, size_t *out_bytes)
{
    struct pb_web_resp rs;
    char etag[24];
    pb_web_resp_init(&rs);
    rs.fmt = !strncmp(rq->path, "/api/", 5) ? PB_FMT_JSON : PB_FMT_TEXT;
    pb_web_fail(&rs, status, "%s", msg);
    pb_web_render_error(rq, &rs);
    *out_status = status;
    *out_bytes = rs.body.len;
    struct MHD_Response *r = make_response(&rs, etag);
    if (close)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    pb_web_resp_clear(&rs);
    return ok;
}

static enum MHD_Result simple_error(struct MHD_Connection *c,
                                    struct pb_web_req *rq, int status,
                                    const char *msg, int *out_status,
                                    size_t *out_bytes)
{
    return error_answer(c, rq, status, msg, 0, out_status, out_bytes);
}

static void client_ip(struct MHD_Connection *c, char ip[INET6_ADDRSTRLEN])
{
    snprintf(ip, INET6_ADDRSTRLEN, "-");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
                      ip, INET6_ADDRSTRLEN);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                      ip, INET6_ADDRSTRLEN);
    }
}

static void log_request(struct MHD_Connection *c, const char *method,
                        const char *url, const char *query,
                        const char *version, int status, size_t bytes)
{
    char ip[INET6_ADDRSTRLEN];
    client_ip(c, ip);
    pb_web_log(ip, method, url, query, version, status, bytes,
               MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Referer"),
               MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent"));
}

/* --- requests that hash passwords ------------------------------------------
 *
 * A log-in or sign-up runs argon2id (64 MiB, 0.1 s or more). On the request
 * threads a handful of them would stall every page (issue 15), so such a
 * request is handed whole to a small pool of its own: the connection is
 * suspended (its thread serves others meanwhile), the pool thread routes
 * it with its own store handles, and resumes the connection, which then
 * queues the finished response. The pool's queue is bounded: past it a
 * log-in is told to try again (503) at once. Half the cores hash (at
 * least one, at most 4: argon2id takes 64 MiB each), each pool thread
 * through a helper process of its own at nice 10 (hash_proc.h), so pages
 * always have a core and their memory map is never locked by argon2id. */
#define HASH_QUEUE 64

struct deferred {
    struct MHD_Connection *c;
    struct pb_web_req rq; /* pointers into MHD's connection, live while
                             it is suspended, and into ip and the upload */
    char ip[INET6_ADDRSTRLEN];
    struct pb_buf query;  /* for the access log */
    struct MHD_Response *resp;
    int status;
    size_t bytes;
};

static struct pb_work_pool *g_hash_pool;
/* one helper process per pool thread (hash_proc.h): argon2id's 64 MiB
 * mappings stay out of the server's memory map */
static struct pb_hash_proc *g_hash_procs[4];
static unsigned g_n_hash_procs;
static int g_hashers_started;

/* hashing threads and helper processes: half the cores, 1 to 4 */
static unsigned hasher_count(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = ncpu >= 4 ? (unsigned)ncpu / 2 : 1;
    return n > 4 ? 4 : n;
}

void pb_web_hashers_start(void)
{
    if (g_hashers_started)
        return;
    g_hashers_started = 1;
    unsigned hashers = hasher_count();
    for (g_n_hash_procs = 0; g_n_hash_procs < hashers; g_n_hash_procs++)
        if (!(g_hash_procs[g_n_hash_procs] = pb_hash_proc_start()))
            break; /* the pool threads hash in-process then */
}
static atomic_uint g_hash_next;

static void run_deferred(void *arg, int cancelled)
{
    struct deferred *j = arg;
    struct pb_web_resp rs;
    char etag[24];
    pb_web_resp_init(&rs);
    static __thread struct pb_hash_proc *mine;
    if (!mine && g_n_hash_procs) {
        mine = g_hash_procs[atomic_fetch_add(&g_hash_next, 1) %
                            g_n_hash_procs];
        pb_cm_hasher_set_thread(pb_hash_proc_hasher(mine));
    }
    j->rq.th = cancelled ? NULL : thread_handles();
    if (!j->rq.th) {
        rs.fmt = PB_FMT_TEXT;
        pb_web_fail(&rs, 503, "the server is busy: try again in a moment");
        pb_web_render_error(&j->rq, &rs);
    } else {
        if (j->rq.cookie_session || j->rq.cookie_pre)
            pb_web_session_load(&j->rq);
        pb_web_replica_begin(&j->rq);
        pb_web_route(&j->rq, &rs);
        pb_web_replica_end(&j->rq, &rs);
    }
    rs.private_ = 1;
    rs.cache = "private, no-store";
    j->status = rs.status;
    j->bytes = rs.body.len;
    j->resp = make_response(&rs, etag);
    pb_web_resp_clear(&rs);
    MHD_resume_connection(j->c);
}

/* Hand rq (a POST whose upload is u) to the pool and suspend c. 1 when
 * handed over; 0 when the queue is full (nothing changed). */
static int defer_request(struct MHD_Connection *c, struct upload *u,
                         const struct pb_web_req *rq, struct pb_buf *query)
{
    struct deferred *j = pb_calloc(1, sizeof *j);
    j->c = c;
    j->rq = *rq;
    snprintf(j->ip, sizeof j->ip, "%s", rq->ip ? rq->ip : "-");
    j->rq.ip = j->ip;
    j->rq.th = NULL;
    j->query = *query; /* taken: the caller's buffer is left empty */
    pb_buf_init(query, 1);
    u->job = j;
    MHD_suspend_connection(c);
    /* from a successful submit on, j and u belong to the pool thread and
     * then to the resumed connection: not touched here again */
    if (pb_work_pool_submit(g_hash_pool, run_deferred, j)) {
        *query = j->query;
        MHD_resume_connection(c);
        u->job = NULL;
        free(j);
        return 0;
    }
    return 1;
}

/* Answer status with Connection: close and log it (framing errors, bodies
 * over the limit: what follows on the connection is not read). */
static enum MHD_Result refuse(struct MHD_Connection *c, const char *method,
                              const char *url, const char *version,
                              int status, const char *why)
{
    struct pb_web_req rq = {.path = url, .site = g_site};
    int st = status;
    size_t bytes = 0;
    enum MHD_Result ok = error_answer(c, &rq, status, why, 1, &st, &bytes);
    log_request(c, method, url, NULL, version, st, bytes);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls;
    int get = !strcmp(method, "GET"), head = !strcmp(method, "HEAD"),
        post = !strcmp(method, "POST");
    /* Queue nothing on the first call: MHD would close a keep-alive
     * connection when a response comes before it has read the headers. */
    if (!*con_cls) {
        atomic_fetch_add(&in_flight, 1);
        pb_web_guard_headers_done(c);
        const char *why;
        int bad = pb_web_guard_framing(c, MAX_UPLOAD, &why);
        /* a body declared too big: refuse now when the client waits for
         * "100 Continue" or the body is huge; else read it (see below) */
        if (bad == 413 && post && !pb_web_guard_framing(c, DISCARD_MAX, &why) &&
            !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Expect"))
            bad = 0;
        if (bad) {
            /* no context: on_completed has nothing to free, and a later
             * call for this request (its body) is refused below */
            *con_cls = (void *)&refused;
            return refuse(c, method, url, version, bad, why);
        }
        if (get || head) {
            *con_cls = (void *)&first_call;
        } else {
            struct upload *u = pb_calloc(1, sizeof *u);
            pb_buf_init(&u->body, MAX_UPLOAD);
            *con_cls = u;
        }
        return MHD_YES;
    }
    if (*con_cls == &refused) {
        *upload_size = 0;
        return MHD_NO; /* the answer is queued; the body is not read */
    }
    if (*con_cls != &first_call && ((struct upload *)*con_cls)->job) {
        /* resumed: the pool has answered */
        struct deferred *j = ((struct upload *)*con_cls)->job;
        enum MHD_Result r = MHD_queue_response(c, (unsigned)j->status,
                                               j->resp);
        MHD_destroy_response(j->resp);
        j->resp = NULL;
        log_request(c, method, url, j->query.p, version, j->status,
                    j->bytes);
        return r;
    }
    if (*upload_size) {
        struct upload *u = *con_cls != &first_call ? *con_cls : NULL;
        if (u) {
            u->bytes += *upload_size;
            if (post && u->bytes <= MAX_UPLOAD &&
                pb_buf_append(&u->body, upload, *upload_size))
                u->bytes = MAX_UPLOAD + 1;
        }
        *upload_size = 0;
        /* a body on GET, or one far too big: drop the connection; one a
         * little too big is read and dropped so that the client, still
         * sending, reads the 413 (a close with unread bytes is a reset) */
        if (!u || u->bytes > DISCARD_MAX)
            return MHD_NO;
        return MHD_YES;
    }
    if (*con_cls != &first_call &&
        ((struct upload *)*con_cls)->bytes > MAX_UPLOAD)
        return refuse(c, method, url, version, 413,
                      "the request body is too large");
    enum MHD_Result ok = MHD_YES;
    int status = 200;
    size_t bytes = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct pb_web_req rq = {.path = url, .site = g_site, .post = post};
    struct pb_buf key;
    pb_buf_init(&key, MEMORY_LIMIT * 4);
    if (!get && !head && !post) {
        ok = simple_error(c, &rq, 405, "only GET, HEAD and POST are served "
                                       "here",
                          &status, &bytes);
        goto out;
    }
    if (MHD_get_connection_values(c, MHD_HEADER_KIND, NULL, NULL) >
        MAX_HEADERS) {
        ok = simple_error(c, &rq, 431, "too many header fields", &status,
                          &bytes);
        goto out;
    }
    if (pb_utf8_check(url, strlen(url)) != strlen(url) || url[0] != '/') {
        ok = simple_error(c, &rq, 400, "the address is not valid UTF-8",
                          &status, &bytes);
        goto out;
    }
    struct argctx a = {&rq, &key, 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_arg, &a);
    if (a.bad) {
        ok = simple_error(c, &rq, 400,
                          a.bad == 1 ? "too many query parameters"
                                     : "a query parameter is not valid UTF-8",
                          &status, &bytes);
        goto out;
    }
    char ip[INET6_ADDRSTRLEN];
    client_ip(c, ip);
    rq.ip = ip;
    rq.cookie_session =
        MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "pb_session");
    rq.cookie_pre = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "pb_pre");
    rq.cookie_lsn = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "pb_lsn");
    rq.csrf_header =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
    if (post) {
        struct upload *u = *con_cls;
        const char *ct =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        int form = ct && !strncasecmp(ct, "application/x-www-form-urlencoded",
                                      33);
        /* RFC 8058 lets a one-click unsubscribe come as multipart too; its
         * token is in the URL, so the body is not read (and a form that
         * needs a CSRF field fails that check) */
        int multipart = ct && !strncasecmp(ct, "multipart/form-data", 19);
        if (u->body.len && !form && !multipart) {
            ok = simple_error(c, &rq, 415, "send forms as application/"
                                           "x-www-form-urlencoded",
                              &status, &bytes);
            goto out;
        }
        if (u->body.len && form &&
            pb_web_form_parse(u->body.p, u->body.len, rq.form,
                              PB_WEB_MAX_ARGS, &rq.n_form)) {
            ok = simple_error(c, &rq, 400, "the form could not be read",
                              &status, &bytes);
            goto out;
        }
    }
    /* per-member pages and every POST bypass the response cache */
    int personal = post || rq.cookie_session || pb_web_ops_path(url) ||
                   pb_web_replica_pending(g_site, rq.cookie_lsn);
    /* the cache key: path, NUL, the canonical query */
    size_t qlen = key.len;
    char *k = NULL;
    struct pb_buf full;
    pb_buf_init(&full, MEMORY_LIMIT * 8);
    if (!pb_buf_puts(&full, url) && !pb_buf_putc(&full, '\0') &&
        !pb_buf_append(&full, key.p ? key.p : "", qlen))
        k = full.p;
    if (cache.on) {
        /* members' requests too: they also bring the search index up to
         * date with what was submitted */
        struct pb_web_thread *t = follow.running ? NULL : thread_handles();
        if (t) {
            /* what anonymous pages read: the replica's state, when there
             * is one, so the cache never holds older pages than its
             * generation says */
            pb_web_replica_set(t, 1, 0);
            check_generation(t);
            pb_web_replica_set(t, 0, 0);
        }
    }
    if (cache.on && k && !personal) {
        int hit = cache_serve(k, full.len, c, &ok, &status, &bytes);
        pb_web_metrics_cache(hit);
        if (hit) {
            pb_buf_clear(&full);
            goto out;
        }
    }
    if (post && g_hash_pool && pb_web_path_hashes(url)) {
        pb_buf_clear(&full);
        if (defer_request(c, *con_cls, &rq, &key)) {
            pb_buf_clear(&key);
            return MHD_YES;
        }
        ok = simple_error(c, &rq, 503, "too many log-ins at once: try "
                                       "again in a moment",
                          &status, &bytes);
        goto out;
    }
    rq.th = thread_handles();
    if (!rq.th && strcmp(url, "/healthz")) { /* alive without a store */
        pb_buf_clear(&full);
        ok = simple_error(c, &rq, 503, "the database cannot be opened",
                          &status, &bytes);
        goto out;
    }
    struct pb_web_resp rs;
    char etag[24];
    pb_web_resp_init(&rs);
    if (rq.th && (rq.cookie_session || rq.cookie_pre))
        pb_web_session_load(&rq); /* on the primary: always current */
    pb_web_replica_begin(&rq);
    pb_web_route(&rq, &rs);
    pb_web_replica_end(&rq, &rs);
    if (!rs.shared && (rq.me.id || rs.private_ || rs.cookies[0][0])) {
        rs.private_ = 1;
        rs.cache = "private, no-store";
    }
    status = rs.status;
    bytes = rs.body.len;
    const char *cc = rs.cache;
    struct MHD_Response *r = make_response(&rs, etag);
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    if (status == 200 && etag_match(inm, etag)) {
        ok = queue_304(c, etag, cc ? cc : "no-cache");
        status = 304, bytes = 0;
    } else {
        ok = MHD_queue_response(c, (unsigned)status, r);
    }
    if (status == 200 && cache.on && k && !personal && !rs.private_ &&
        !rs.shared)
        cache_put(k, full.len, r, etag, bytes);
    else
        MHD_destroy_response(r);
    pb_web_resp_clear(&rs);
    pb_buf_clear(&full);
out:
    log_request(c, method, url, key.p, version, status, bytes);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pb_web_metrics_request(
        pb_web_route_slot(url), status,
        (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
                   (t1.tv_nsec - t0.tv_nsec) / 1000));
    pb_buf_clear(&key);
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    pb_web_guard_request_done(c);
    if (*con_cls)
        atomic_fetch_sub(&in_flight, 1);
    if (*con_cls && *con_cls != &first_call && *con_cls != &refused) {
        struct upload *u = *con_cls;
        pb_buf_clear(&u->body);
        if (u->job) {
            if (u->job->resp)
                MHD_destroy_response(u->job->resp);
            pb_buf_clear(&u->job->query);
            free(u->job);
        }
        free(u);
    }
    *con_cls = NULL;
}

/* --- the daemon ---------------------------------------------------------- */

/* Stop accepting (closing the socket, so new connections are refused,
 * not queued), then wait up to limit_s for the requests in flight: those
 * a handler has seen (in_flight) and those whose bytes have arrived on an
 * accepted connection but are not read yet (pb_web_guard_unread). Half a
 * second with neither means every thread was free to take what came, so
 * the wait ends there; connections that sent nothing are then closed. */
static void drain(struct MHD_Daemon *d, unsigned limit_s)
{
    MHD_socket ls = MHD_quiesce_daemon(d);
    if (ls != MHD_INVALID_SOCKET) {
        /* connections the kernel completed but no thread accepted yet
         * have sent their requests too: take them before closing, or
         * closing would reset them */
        int fl = fcntl(ls, F_GETFL);
        if (fl >= 0)
            fcntl(ls, F_SETFL, fl | O_NONBLOCK);
        for (;;) {
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            int fd = accept4(ls, (struct sockaddr *)&ss, &sl,
                             SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0)
                break;
            /* on errors MHD closes fd itself */
            (void)MHD_add_connection(d, fd, (struct sockaddr *)&ss, sl);
        }
        close(ls);
    }
    fprintf(stderr, "paperboy serve: no longer accepting connections\n");
    long quiet_ms = 0;
    for (long ms = 0; ms < (long)limit_s * 1000; ms += 10) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!di || di->num_connections == 0)
            break;
        quiet_ms = atomic_load(&in_flight) || pb_web_guard_unread()
                       ? 0
                       : quiet_ms + 10;
        if (quiet_ms >= 500)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&in_flight))
        fprintf(stderr, "paperboy serve: %ld requests still in flight after "
                        "%u s: closing them\n",
                atomic_load(&in_flight), limit_s);
}

int pb_web_serve(const struct pb_web_config *cfg, struct pb_err *err)
{
    int rc = PB_OK;
    struct pb_store *st = NULL;
    struct MHD_Daemon *d = NULL;
    struct pb_web_site site = {0};
    char base[300];
    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } sa;
    const char *bind_addr = cfg->bind ? cfg->bind : "127.0.0.1";
    unsigned port = cfg->port ? cfg->port : 8080;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
                     MHD_ALLOW_SUSPEND_RESUME;
    memset(&sa, 0, sizeof sa);
    if (inet_pton(AF_INET, bind_addr, &sa.v4.sin_addr) == 1) {
        sa.v4.sin_family = AF_INET;
        sa.v4.sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, bind_addr, &sa.v6.sin6_addr) == 1) {
        sa.v6.sin6_family = AF_INET6;
        sa.v6.sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        return pb_err_set(err, PB_EINVAL, "--bind %s: not an IP address",
                          bind_addr);
    }
    if (port > 65535)
        return pb_err_set(err, PB_EINVAL, "--port %u: out of range", port);
    struct pb_cm_config cm_default;
    pb_cm_config_default(&cm_default);
    if (pb_cm_init())
        return pb_err_set(err, PB_EIO, "cannot initialise libsodium");
    if (cfg->db_replica && !pb_store_is_url(cfg->db_path))
        return pb_err_set(err, PB_EINVAL,
                          "--db-replica needs a PostgreSQL --db (%s is a "
                          "SQLite file; SQLite has no replicas)",
                          cfg->db_path);
    if (cfg->db_replica && !pb_store_is_url(cfg->db_replica))
        return pb_err_set(err, PB_EINVAL,
                          "--db-replica: not a PostgreSQL address (give "
                          "postgresql://... or host=... dbname=...)");
    /* open read-write once: creates and migrates; workers then read */
    if ((rc = pb_store_open(cfg->db_path, 0, &st, err)))
        return rc;
    if (cfg->db_replica) {
        /* a replica down now is no reason not to start: reads go to the
         * primary until it answers */
        int standby = 0;
        struct pb_err e2 = {0};
        if (pb_store_replica_probe(cfg->db_replica, &standby, &e2))
            fprintf(stderr, "paperboy serve: warning: %s: reading from the "
                            "primary until it answers\n", e2.msg);
        else if (!standby)
            fprintf(stderr, "paperboy serve: warning: --db-replica is not "
                            "a standby (not in recovery)\n");
        else
            fprintf(stderr, "paperboy serve: reads go to the read replica "
                            "(docs/DEPLOY.md)\n");
    }
    /* rate limits across servers when they share the store */
    struct pb_shared_limits *limits = NULL;
    struct pb_cm_rl_store limits_store;
    if (cfg->shared_limits > 0 ||
        (cfg->shared_limits < 0 && pb_store_is_shared(st))) {
        if ((rc = pb_shared_limits_open(cfg->db_path, &limits, &limits_store,
                                        err))) {
            pb_store_close(st);
            return rc;
        }
        pb_cm_rl_use(&limits_store);
    }
    pb_web_hashers_start(); /* (serve's caller may have done it sooner) */
    unsigned hashers = hasher_count();
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (cfg->base_url)
        snprintf(base, sizeof base, "%s", cfg->base_url);
    else if (sa.v4.sin_family == AF_INET)
        snprintf(base, sizeof base, "http://%s:%u", bind_addr, port);
    else
        snprintf(base, sizeof base, "http://[%s]:%u", bind_addr, port);
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        base[--bl] = '\0';
    site.base_url = base;
    site.db_path = cfg->db_path;
    site.db_replica = cfg->db_replica;
    pb_web_assets_init(&site);
    /* the index, vector and graph files in private memory: changed or
     * truncated underneath, they cannot take the server down (fmap.h) */
    pb_fmap_private(1);
    site.search = pb_web_search_open(cfg->db_path, st);
    site.cm = cfg->cm ? cfg->cm : &cm_default;
    site.no_mail = cfg->no_mail;
    g_site = &site;

    cache.on = !cfg->no_cache;
    pthread_rwlock_init(&cache.lock, NULL);
    int64_t gen = 0;
    struct pb_feed *f = pb_store_feed_new(st);
    if (pb_store_feed_generation(f, &gen))
        gen = 0;
    pb_store_feed_free(f);
    atomic_store(&cache.gen, gen);
    atomic_store(&cache.checked_at, (int64_t)time(NULL));

    /* workers inherit this mask; only sigwait below sees the signals */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pb_web_metrics_start();
    follow_start(cfg->db_path); /* (after the mask: it inherits it) */

    pb_web_log_open(cfg->access_log);
    if (cfg->fetch && (rc = pb_web_fetch_new(cfg->fetch, &site.fetch, err)))
        goto out;
    unsigned threads = cfg->threads ? cfg->threads
                                    : (unsigned)(ncpu > 1 ? ncpu : 2);
    if (threads > 64)
        threads = 64;
    g_hash_pool = pb_work_pool_new(hashers, HASH_QUEUE);
    if (!g_hash_pool) {
        rc = pb_err_set(err, PB_EIO, "cannot start the hashing threads");
        goto out;
    }
    if (pb_web_guard_start(cfg->header_timeout_s ? cfg->header_timeout_s
                                                 : 20)) {
        rc = pb_err_set(err, PB_EIO, "cannot start the connection guard");
        goto out;
    }
    d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns ? cfg->max_conns : 4096,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s ? cfg->timeout_s : 15,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, pb_web_guard_notify, NULL,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        cfg->per_ip_limit < 0 ? 0u : (unsigned)(cfg->per_ip_limit ? cfg->per_ip_limit : 256),
        MHD_OPTION_END);
    if (!d) {
        rc = pb_err_set(err, PB_EIO, "cannot listen on %s port %u", bind_addr,
                        port);
        goto out;
    }
    fprintf(stderr, "paperboy serve: listening on %s (%u threads, search %s)\n",
            base, threads, site.search ? "on" : "off");
    int sig = 0;
    for (;;) {
        if (sigwait(&set, &sig))
            break;
        if (sig == SIGHUP) {
            pb_web_log_flush();
            if (cfg->on_hup)
                cfg->on_hup(cfg->hup_ctx);
        } else if (sig != SIGPIPE) {
            break;
        }
    }
    fprintf(stderr, "paperboy serve: signal %d, shutting down\n", sig);
    drain(d, cfg->shutdown_s);
out:
    /* answer (503) what waits for the pool and resume every suspended
     * connection before MHD stops */
    pb_work_pool_free(g_hash_pool);
    g_hash_pool = NULL;
    for (unsigned i = 0; i < g_n_hash_procs; i++)
        pb_hash_proc_stop(g_hash_procs[i]);
    g_n_hash_procs = 0;
    g_hashers_started = 0;
    if (d)
        MHD_stop_daemon(d);
    follow_stop();
    pb_web_guard_stop();
    pb_web_log_close();
    close_threads();
    pthread_rwlock_wrlock(&cache.lock);
    cache_flush_locked();
    pthread_rwlock_unlock(&cache.lock);
    pthread_rwlock_destroy(&cache.lock);
    pb_web_search_free(site.search);
    pb_web_fetch_free(site.fetch);
    pb_cm_rl_use(NULL);
    pb_shared_limits_free(limits);
    g_site = NULL;
    pb_store_close(st);
    return rc;
}
