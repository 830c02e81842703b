/* conn_guard.c - header deadline and framing checks (see conn_guard.h). */
#include "web/conn_guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "core/error.h"
#include "core/mem.h"

struct tracked {
    struct tracked *prev, *next;
    int fd;
    int awaiting;     /* 1 while the request headers are being read */
    int64_t since_ms; /* when the wait began */
    int reaped;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct tracked head; /* circular list */
    unsigned deadline_s;
    int running, stop;
    pthread_t thread;
    unsigned long reaped;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void list_init(void)
{
    if (!g.head.next)
        g.head.next = g.head.prev = &g.head;
}

static void *reaper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g.lock);
    while (!g.stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L; /* a quarter second: cheap enough */
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g.wake, &g.lock, &ts);
        if (g.stop)
            break;
        int64_t limit = now_ms() - (int64_t)g.deadline_s * 1000;
        for (struct tracked *t = g.head.next; t != &g.head; t = t->next)
            if (t->awaiting && !t->reaped && t->since_ms < limit) {
                /* MHD notices the dead socket, closes it and tells us
                 * (MHD_CONNECTION_NOTIFY_CLOSED) before the descriptor
                 * is released, so fd is still this connection's here */
                shutdown(t->fd, SHUT_RDWR);
                t->reaped = 1;
                g.reaped++;
            }
    }
    pthread_mutex_unlock(&g.lock);
    return NULL;
}

int pb_web_guard_start(unsigned deadline_s)
{
    pthread_mutex_lock(&g.lock);
    list_init();
    g.deadline_s = deadline_s;
    g.stop = 0;
    g.reaped = 0;
    int rc = PB_OK;
    if (deadline_s && !g.running) {
        if (pthread_create(&g.thread, NULL, reaper, NULL) == 0)
            g.running = 1;
        else
            rc = PB_EIO;
    }
    pthread_mutex_unlock(&g.lock);
    return rc;
}

void pb_web_guard_stop(void)
{
    pthread_mutex_lock(&g.lock);
    int was = g.running;
    g.stop = 1;
    g.running = 0;
    pthread_cond_signal(&g.wake);
    pthread_mutex_unlock(&g.lock);
    if (was)
        pthread_join(g.thread, NULL);
}

unsigned pb_web_guard_unread(void)
{
    unsigned n = 0;
    pthread_mutex_lock(&g.lock);
    list_init();
    for (struct tracked *t = g.head.next; t != &g.head; t = t->next) {
        int avail = 0;
        /* the descriptor is this connection's until MHD tells us it
         * closed it (see reaper) */
        if (t->awaiting && !t->reaped && ioctl(t->fd, FIONREAD, &avail) == 0 &&
            avail > 0)
            n++;
    }
    pthread_mutex_unlock(&g.lock);
    return n;
}

unsigned long pb_web_guard_reaped(void)
{
    pthread_mutex_lock(&g.lock);
    unsigned long n = g.reaped;
    pthread_mutex_unlock(&g.lock);
    return n;
}

void pb_web_guard_notify(void *cls, struct MHD_Connection *c,
                         void **socket_context,
                         enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct tracked *t = pb_calloc(1, sizeof *t);
        t->fd = ci ? ci->connect_fd : -1;
        t->awaiting = t->fd >= 0;
        t->since_ms = now_ms();
        pthread_mutex_lock(&g.lock);
        list_init();
        t->next = g.head.next;
        t->prev = &g.head;
        g.head.next->prev = t;
        g.head.next = t;
        pthread_mutex_unlock(&g.lock);
        *socket_context = t;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct tracked *t = *socket_context;
        pthread_mutex_lock(&g.lock);
        t->prev->next = t->next;
        t->next->prev = t->prev;
        pthread_mutex_unlock(&g.lock);
        free(t);
        *socket_context = NULL;
    }
}

static void mark(struct MHD_Connection *c, int awaiting)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct tracked *t = ci ? ci->socket_context : NULL;
    if (!t)
        return;
    pthread_mutex_lock(&g.lock);
    t->awaiting = awaiting && t->fd >= 0;
    t->since_ms = now_ms();
    pthread_mutex_unlock(&g.lock);
}

void pb_web_guard_headers_done(struct MHD_Connection *c)
{
    mark(c, 0);
}

void pb_web_guard_request_done(struct MHD_Connection *c)
{
    mark(c, 1);
}

/* --- framing ------------------------------------------------------------- */

struct framing {
    unsigned n_cl, n_te;
    int cl_bad, te_bad;
    uint64_t cl;
};

static int is_chunked(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return n == 7 && !strncasecmp(v, "chunked", 7);
}

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind,
                                 const char *k, const char *v)
{
    (void)kind;
    struct framing *f = cls;
    if (!strcasecmp(k, "Content-Length")) {
        f->n_cl++;
        uint64_t x = 0;
        const char *p = v ? v : "";
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p < '0' || *p > '9')
            f->cl_bad = 1;
        for (; *p >= '0' && *p <= '9'; p++)
            if (__builtin_mul_overflow(x, 10, &x) ||
                __builtin_add_overflow(x, (uint64_t)(*p - '0'), &x))
                f->cl_bad = 1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p)
            f->cl_bad = 1;
        f->cl = x;
    } else if (!strcasecmp(k, "Transfer-Encoding")) {
        f->n_te++;
        if (!v || !is_chunked(v))
            f->te_bad = 1;
    }
    return MHD_YES;
}

int pb_web_guard_framing(struct MHD_Connection *c, size_t max_body,
                         const char **why)
{
    struct framing f = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, on_header, &f);
    *why = NULL;
    if (f.n_cl && f.n_te)
        *why = "a request may not carry both Content-Length and "
               "Transfer-Encoding";
    else if (f.n_cl > 1)
        *why = "a request may carry one Content-Length";
    else if (f.cl_bad)
        *why = "the Content-Length is not a number";
    else if (f.n_te > 1 || f.te_bad)
        *why = "only Transfer-Encoding: chunked is understood";
    if (*why)
        return 400;
    if (f.n_cl && f.cl > max_body) {
        *why = "the request body is too large";
        return 413;
    }
    return 0;
}
