/*
 * harvest_polite.h - the polite scheduler: at most one request in flight,
 * a minimum gap between requests, Retry-After honoured, exponential backoff
 * on errors with a cap on retries. Time goes through the clock seam and
 * requests through the fetcher seam, so tests drive it with fakes.
 *
 * arXiv asks for one connection at a time and at least 3 s between
 * requests; PB_POLITE_ARXIV_MS is that. The gap runs from the end of one
 * response to the start of the next request (more polite than from start
 * to start when the server is slow).
 */
#ifndef PB_HARVEST_POLITE_H
#define PB_HARVEST_POLITE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "harvest/harvest_clock.h"
#include "harvest/harvest_fetch.h"

#define PB_POLITE_ARXIV_MS 3000 /* arXiv's terms of use */
#define PB_POLITE_HF_MS 1000

struct pb_polite_opts {
    int64_t interval_ms;        /* gap between requests */
    int max_retries;            /* failed attempts tolerated per request */
    int max_waits;              /* Retry-After answers tolerated per request */
    int64_t backoff_max_ms;     /* cap on one backoff wait */
    int64_t retry_after_max_ms; /* a longer Retry-After: give up instead */
};

/* interval_ms as given; 5 retries, 20 waits, backoff capped at 5 min,
 * Retry-After up to 10 min. */
void pb_polite_opts_default(struct pb_polite_opts *o, int64_t interval_ms);

/*
 * The gap to use: requested (ms; < 0 = not given) where allowed, else dflt.
 * A gap under dflt is allowed only when url's host is this machine
 * (127.0.0.1, localhost, [::1]; no user info): the override exists for
 * tests, never to hurry a real server. *out_refused (may be NULL) is set
 * when a lower value was refused.
 */
int64_t pb_polite_interval(int64_t requested, int64_t dflt, const char *url,
                           int *out_refused);

/* Whether url (scheme://authority/...) names this machine, as above. */
int pb_url_is_loopback(const char *url);

/* What one attempt came to. */
enum pb_polite_outcome {
    PB_POLITE_OK,          /* a 2xx that the caller accepted */
    PB_POLITE_TRANSIENT,   /* try again after a backoff */
    PB_POLITE_RETRY_AFTER, /* 503/429 with Retry-After: wait as told */
    PB_POLITE_UNREACHABLE, /* no route to the host (DNS, refused) */
    PB_POLITE_FATAL,       /* retrying cannot help (404, too big, ...) */
};

/* Classify a fetch: rc from pb_fetcher.get and the response. A 2xx is
 * PB_POLITE_OK (the caller then judges the body); 408, 425, 429 and 5xx
 * are transient (or RETRY_AFTER with a Retry-After), other statuses fatal;
 * PB_EIO is transient (or unreachable), other rcs fatal. */
enum pb_polite_outcome pb_polite_classify(int rc,
                                          const struct pb_http_response *r);

/* Counters of one request's attempts. */
struct pb_polite_try {
    int errors, waits;
};

enum pb_polite_next { PB_POLITE_DONE, PB_POLITE_RETRY, PB_POLITE_GIVE_UP };

/* The wait before retry n (1-based) after an error: interval * 2^n (at
 * least 2^n ms), capped at backoff_max_ms. */
int64_t pb_polite_backoff_ms(const struct pb_polite_opts *o, int n);

/*
 * Decide what follows an attempt with this outcome; counts it in *t. On
 * PB_POLITE_RETRY *out_wait_ms is the least time to wait before the next
 * attempt (the caller still keeps the usual gap). An unreachable host
 * gives up at once unless any_ok (a response came earlier in this run:
 * then it is a passing fault and is retried like any other).
 */
enum pb_polite_next pb_polite_judge(const struct pb_polite_opts *o,
                                    struct pb_polite_try *t,
                                    enum pb_polite_outcome out,
                                    int64_t retry_after_s, int any_ok,
                                    int64_t *out_wait_ms);

/*
 * Called with each 2xx response. Return PB_OK to accept it; PB_EPARSE or
 * PB_EIO when the body was bad (malformed, truncated): the request is
 * retried after a backoff like a failed transfer; any other rc stops
 * pb_polite_fetch() with that rc (err set by the callback).
 */
typedef int (*pb_polite_consume_fn)(void *ctx,
                                    const struct pb_http_response *r,
                                    struct pb_err *err);

struct pb_polite {
    struct pb_polite_opts o;
    const struct pb_clock *clock;     /* borrowed */
    const struct pb_fetcher *fetcher; /* borrowed */
    volatile sig_atomic_t *stop;      /* borrowed, may be NULL */
    FILE *log;                        /* retry notices; NULL = none */
    const char *label;                /* "arxiv", ... for notices; borrowed */
    int64_t next_ok_ms;               /* earliest start of the next request */
    int started, any_ok;
    int64_t n_requests;               /* attempts made, retries included */
    struct pb_http_response resp;     /* reused between requests */
};

/* Everything borrowed until pb_polite_clear(). max_body caps each
 * response. */
void pb_polite_init(struct pb_polite *pl, const struct pb_polite_opts *o,
                    const struct pb_clock *clock,
                    const struct pb_fetcher *fetcher, size_t max_body);
void pb_polite_clear(struct pb_polite *pl);

/*
 * GET url politely: wait for the gap, fetch, hand a 2xx to consume, and
 * retry as pb_polite_judge() says. PB_OK once consume accepted a
 * response; PB_EINTR when *stop was set; otherwise the last failure's rc
 * with err saying what and after how many attempts, in one line. url and
 * ctx are borrowed for the call.
 */
int pb_polite_fetch(struct pb_polite *pl, const char *url,
                    pb_polite_consume_fn consume, void *ctx,
                    struct pb_err *err) PB_WUR;

#endif
