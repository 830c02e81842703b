/*
 * web_fetch.h - fetching a paper the store does not know from the arXiv
 * API while a member submits it (`paperboy serve --fetch-unknown`, on by
 * default). One fetch at a time for the whole server (a mutex), through
 * one polite client, so requests to arXiv keep its 3 s gap; each fetch is
 * a single attempt with a short timeout, so a submission waits at most
 * PB_WEB_FETCH_WAIT_MS + the gap + PB_WEB_FETCH_TIMEOUT_MS (11 s), and
 * other workers never wait on it.
 */
#ifndef PB_WEB_FETCH_H
#define PB_WEB_FETCH_H

#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

#define PB_WEB_FETCH_WAIT_MS 2000 /* for another submission's fetch */
#define PB_WEB_FETCH_TIMEOUT_MS 6000 /* one transfer, connect included */
#define PB_WEB_FETCH_MAX_BODY (1u << 20)

/* Strings borrowed for pb_web_fetch_new() only. */
struct pb_web_fetch_opts {
    const char *api_url;    /* NULL = PB_HARVEST_API_BASE */
    const char *user_agent; /* required, see pb_fetch_user_agent() */
    int64_t gap_ms;         /* < 0 = PB_POLITE_ARXIV_MS; less only for a
                               server on this machine */
};

struct pb_web_fetch;

/* The fetcher (libcurl) and its polite client; caller frees with
 * pb_web_fetch_free(). PB_EIO when libcurl cannot start. */
int pb_web_fetch_new(const struct pb_web_fetch_opts *o,
                     struct pb_web_fetch **out, struct pb_err *err) PB_WUR;
void pb_web_fetch_free(struct pb_web_fetch *f);

/*
 * Ask arXiv for id and upsert what it answers into st (a read-write store
 * of the calling thread, not in a transaction). PB_OK: st now holds the
 * paper; PB_ENOTFOUND: arXiv does not know it; PB_EBUSY: another fetch
 * held the lock too long; PB_EIO (or another rc): arXiv could not be
 * reached or answered badly, err says how. Thread-safe.
 */
int pb_web_fetch_paper(struct pb_web_fetch *f, struct pb_store *st,
                       const char *id, struct pb_err *err) PB_WUR;

#endif
