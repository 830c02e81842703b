/* store_notify.c - LISTEN on a connection of its own (store_notify.h). */
#include "store/store_notify.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "store/store.h"
#include "store/store_pg.h"

/* between two attempts to connect while the database is away */
#define RETRY_MS 500

enum state { UP, CONNECTING, DOWN };

struct pb_store_listener {
    PGconn *conn;
    enum state state;
    int resetting;                /* connecting again (PQresetPoll) */
    PostgresPollingStatusType ps; /* what the connection waits for */
    int64_t retry_at;             /* DOWN: when to try again (ms) */
    int wake_fd;                  /* an eventfd */
    _Atomic long n;               /* notifications received */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The connection is made: LISTEN (a short blocking exchange). */
static int listen_now(struct pb_store_listener *l)
{
    PQsetNoticeProcessor(l->conn, quiet, NULL);
    PGresult *r = PQexec(l->conn, "LISTEN " PB_PG_CHANNEL);
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

static void went_down(struct pb_store_listener *l, int64_t retry_in)
{
    l->state = DOWN;
    l->retry_at = now_ms() + retry_in;
}

int pb_store_listener_open(const char *db, struct pb_store_listener **out,
                           struct pb_err *err)
{
    *out = NULL;
    if (!pb_store_is_url(db))
        return pb_err_set(err, PB_EUNSUP,
                          "%s: a SQLite store has no notifications", db);
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return pb_err_set(err, PB_EIO, "eventfd: %s", strerror(errno));
    /* keepalives: a connection cut without a word (a network partition)
     * is noticed within a minute, not the kernel's two hours; the
     * caller's string comes last and wins */
    const char *const kw[] = {"application_name", "keepalives_idle",
                              "keepalives_interval", "keepalives_count",
                              "dbname", NULL};
    const char *const val[] = {"paperboy-listen", "20", "10", "3", db, NULL};
    struct pb_store_listener *l = pb_calloc(1, sizeof *l);
    l->wake_fd = fd;
    l->conn = PQconnectStartParams(kw, val, 1);
    if (!l->conn) {
        pb_store_listener_free(l);
        return pb_err_set(err, PB_ENOMEM, "PostgreSQL: out of memory");
    }
    if (PQstatus(l->conn) == CONNECTION_BAD) {
        went_down(l, 0);
    } else {
        l->state = CONNECTING;
        l->ps = PGRES_POLLING_WRITING; /* as libpq's documentation says */
    }
    *out = l;
    return PB_OK;
}

void pb_store_listener_free(struct pb_store_listener *l)
{
    if (!l)
        return;
    if (l->conn)
        PQfinish(l->conn);
    close(l->wake_fd);
    free(l);
}

void pb_store_listener_wake(struct pb_store_listener *l)
{
    uint64_t one = 1;
    ssize_t w = write(l->wake_fd, &one, sizeof one);
    (void)w; /* full (it holds 2^64 - 2): a wake-up is pending anyway */
}

long pb_store_listener_count(const struct pb_store_listener *l)
{
    return atomic_load(&l->n);
}

/* How many notifications have arrived (each is freed). */
static long drain(struct pb_store_listener *l)
{
    long n = 0;
    PGnotify *nf;
    while ((nf = PQnotifies(l->conn))) {
        n++;
        PQfreemem(nf);
    }
    if (n)
        atomic_fetch_add(&l->n, n);
    return n;
}

/* One step of connecting, the socket being ready: 1 when up. */
static int connect_step(struct pb_store_listener *l)
{
    l->ps = l->resetting ? PQresetPoll(l->conn) : PQconnectPoll(l->conn);
    if (l->ps == PGRES_POLLING_FAILED) {
        went_down(l, RETRY_MS);
        return 0;
    }
    if (l->ps != PGRES_POLLING_OK)
        return 0;
    if (!listen_now(l)) {
        went_down(l, RETRY_MS);
        return 0;
    }
    l->state = UP;
    return 1;
}

enum pb_listen_ev pb_store_listener_wait(struct pb_store_listener *l,
                                         int timeout_ms)
{
    int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int64_t now = now_ms();
        if (l->state == UP && drain(l))
            return PB_LISTEN_CHANGED;
        if (l->state == DOWN && now >= l->retry_at) {
            l->resetting = 1;
            if (PQresetStart(l->conn)) {
                l->state = CONNECTING;
                l->ps = PGRES_POLLING_WRITING;
            } else {
                went_down(l, RETRY_MS);
            }
        }
        if (now >= deadline)
            return l->state == UP ? PB_LISTEN_TIMEOUT : PB_LISTEN_DOWN;
        int64_t wait = deadline - now;
        if (l->state == DOWN && l->retry_at - now < wait)
            wait = l->retry_at - now > 0 ? l->retry_at - now : 0;
        struct pollfd fds[2] = {{.fd = l->wake_fd, .events = POLLIN},
                                {.fd = -1}};
        nfds_t nfds = 1;
        if (l->state != DOWN && PQsocket(l->conn) >= 0) {
            fds[1].fd = PQsocket(l->conn);
            fds[1].events = l->state == CONNECTING &&
                                    l->ps == PGRES_POLLING_WRITING
                                ? POLLOUT
                                : POLLIN;
            nfds = 2;
        }
        int n = poll(fds, nfds, (int)wait);
        if (n < 0 && errno != EINTR)
            return l->state == UP ? PB_LISTEN_TIMEOUT : PB_LISTEN_DOWN;
        if (n <= 0)
            continue;
        if (fds[0].revents) {
            uint64_t v;
            ssize_t r = read(l->wake_fd, &v, sizeof v);
            (void)r;
            return PB_LISTEN_WOKEN;
        }
        if (nfds < 2 || !fds[1].revents)
            continue;
        if (l->state == CONNECTING) {
            if (connect_step(l))
                return PB_LISTEN_RESUMED;
        } else if (!PQconsumeInput(l->conn) ||
                   PQstatus(l->conn) != CONNECTION_OK) {
            /* the server went away (a restart, a cut): connect again now */
            went_down(l, 0);
        }
    }
}
