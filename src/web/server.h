/*
 * server.h - paperboy's web server: the daily papers site, the JSON API and
 * the feeds over HTTP/1.1 (libmicrohttpd, keep-alive, a fixed pool of
 * worker threads, each with its own read-only store connection).
 *
 * Limits: request headers and URL within 32 KiB in all (MHD answers 431 or
 * 414 beyond), at most 64 header fields (431), request bodies at most
 * 64 KiB (GET, HEAD, and POST with a form body; others get 405), idle
 * connections
 * closed after timeout_s. Responses to GET carry an ETag (If-None-Match
 * answers 304) and Cache-Control; static assets are fingerprinted and
 * cached for a year. Every response has the security headers (CSP without
 * inline script, nosniff, Referrer-Policy, frame-ancestors 'none').
 */
#ifndef PB_WEB_SERVER_H
#define PB_WEB_SERVER_H

#include <stdio.h>

#include "core/error.h"

struct pb_cm_config;
struct pb_web_fetch_opts;

struct pb_web_config {
    const char *bind;       /* IPv4 or IPv6 address; "127.0.0.1" default */
    unsigned port;          /* 8080 default */
    const char *db_path;    /* borrowed */
    /* a streaming replica of db_path (PostgreSQL) for reads, or NULL
     * (web_replica.h); borrowed */
    const char *db_replica;
    unsigned threads;       /* worker threads; 0 = number of CPUs */
    const char *base_url;   /* absolute URL for feeds; NULL = from bind/port */
    FILE *access_log;       /* combined log format; NULL = none */
    int no_cache;           /* 1: render every request (no response cache) */
    unsigned timeout_s;     /* idle connection timeout; 0 = 15 s */
    unsigned max_conns;     /* 0 = 4096 */
    /* connections one client address may hold at once: 0 = 256, -1 = no
     * cap (behind a proxy every client has the proxy's address: cap per
     * client there, docs/SECURITY.md) */
    int per_ip_limit;
    int shared_limits;      /* rate limits in the store (shared_limits.h):
                               1 on, 0 off, -1 when the store is shared */
    unsigned header_timeout_s; /* all request headers within; 0 = 20 s */
    const struct pb_cm_config *cm; /* community settings; NULL = defaults */
    /* a submitted paper the store does not know is fetched from the arXiv
     * API with these (web_fetch.h); NULL = answer 404 instead */
    const struct pb_web_fetch_opts *fetch;
    int no_mail;            /* 1: no SMTP, /subscribe says no mail is sent */
    /* SIGTERM/SIGINT: seconds to let requests in flight finish (0: none) */
    unsigned shutdown_s;
    /* SIGHUP: called on the thread of pb_web_serve() (NULL: ignored) */
    void (*on_hup)(void *ctx);
    void *hup_ctx;
};

/*
 * Fork the helper processes that hash passwords (hash_proc.h). Call while
 * the process has one thread, before any other thread starts (serve's
 * scheduler): a child forked beside a running thread can inherit a lock
 * that thread held (the allocator's) and hang on its first allocation,
 * and with it every log-in. pb_web_serve() calls it if nobody did.
 */
void pb_web_hashers_start(void);

/*
 * Serve until SIGTERM or SIGINT, then close the listening socket (new
 * connections are refused), let the requests in flight finish (up to
 * cfg->shutdown_s seconds; it stops waiting sooner once no request has
 * been in flight for half a second, so idle keep-alive connections do not
 * hold it) and return PB_OK. SIGHUP calls cfg->on_hup. Prints "listening on URL" to stderr
 * once ready. Errors (cannot open the store, cannot bind) go to err.
 * Call from the main thread: it blocks those signals in all threads and
 * waits for them itself.
 */
int pb_web_serve(const struct pb_web_config *cfg, struct pb_err *err) PB_WUR;

#endif
