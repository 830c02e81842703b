/*
 * harvest_fetch.h - the HTTP fetcher seam: GET as a table of functions, so
 * that tests can script responses and faults (503, timeouts, truncated
 * bodies) without a network, and the real one runs on libcurl.
 *
 * A fetcher is used by one thread at a time and holds at most one
 * connection (the real one reuses it between requests: keep-alive).
 */
#ifndef PB_HARVEST_FETCH_H
#define PB_HARVEST_FETCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

/* One response. Caller storage: pb_http_response_init / _clear. */
struct pb_http_response {
    long status;           /* HTTP status; 0 when no response came */
    int64_t retry_after_s; /* Retry-After in seconds (either form); -1 none */
    int unreachable;       /* set with PB_EIO: the host could not be
                              resolved or refused the connection */
    struct pb_buf body;    /* decoded body (Content-Encoding undone), capped */
    char content_type[128];/* the Content-Type header, "" when none (cut
                              to fit) */
};

void pb_http_response_init(struct pb_http_response *r, size_t max_body);
/* Forget the last response (body emptied, memory and cap kept). */
void pb_http_response_reset(struct pb_http_response *r);
void pb_http_response_clear(struct pb_http_response *r);

struct pb_fetcher {
    /*
     * GET url into *out (reset first). PB_OK when a response arrived,
     * whatever its status. Otherwise: PB_EIO when the transfer failed
     * (timeout, connection lost, truncated body, bad compression;
     * out->unreachable tells "no route at all"), PB_ETOOBIG when the body
     * passed out->body.max, PB_EINTR when stopped, PB_EINVAL for a URL it
     * will not fetch. err says why in one line. url is borrowed.
     */
    int (*get)(void *ctx, const char *url, struct pb_http_response *out,
               struct pb_err *err);
    void *ctx; /* owned by whoever made the fetcher */
};

/* What the real fetcher needs to know. Strings are borrowed for the call
 * to pb_fetcher_curl_new() only (it copies them). */
struct pb_fetch_opts {
    const char *user_agent;        /* required: printable ASCII */
    long connect_timeout_ms;       /* 0 = 15 s */
    long total_timeout_ms;         /* one whole transfer; 0 = 300 s */
    long max_redirects;            /* 0 = 5 */
    volatile sig_atomic_t *stop;   /* set by a signal handler: abort the
                                      transfer in progress; may be NULL */
};

struct pb_fetcher_curl;

/*
 * The real fetcher on libcurl: http and https only (redirects too), every
 * compression libcurl knows (Accept-Encoding), connect and total timeouts,
 * one connection kept alive at a time, no signals used. On success *out is
 * filled (the table's ctx is the returned object) and *out_h must be freed
 * with pb_fetcher_curl_free() after the last use of *out.
 */
int pb_fetcher_curl_new(const struct pb_fetch_opts *o,
                        struct pb_fetcher_curl **out_h, struct pb_fetcher *out,
                        struct pb_err *err) PB_WUR;
void pb_fetcher_curl_free(struct pb_fetcher_curl *h);

/* "paperboy/VERSION (self-hosted research-paper feed; mailto:CONTACT)" into
 * out (cap bytes). PB_EINVAL when contact holds anything but printable
 * ASCII or is over 200 bytes; contact may be NULL or "" (no contact). */
int pb_fetch_user_agent(const char *version, const char *contact, char *out,
                        size_t cap) PB_WUR;

#endif
