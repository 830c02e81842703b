/*
 * store_media.h - the images of papers (table media, schema migration 7):
 * which images a paper's sources name, which of them paperboy has fetched
 * and stored beside the database (DB.media/FILE, a content-hashed name),
 * and which it gave up on. The harvester (harvest_thumbs.c) fills it, the
 * web pages read it (web/media.c).
 *
 * A paper has at most one thumbnail: its source's (kind PB_MEDIA_THUMB),
 * else the first page of its arXiv PDF (PB_MEDIA_PDF); pages with neither
 * show a generated cover. Source media URLs (PB_MEDIA_EXTRA, pos in their
 * order) are fetched the same way when they are images.
 *
 * Functions take a struct pb_store used from one thread at a time; strings
 * are borrowed for the call.
 */
#ifndef PB_STORE_STORE_MEDIA_H
#define PB_STORE_STORE_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/paper.h"
#include "store/store.h"

enum pb_media_kind { PB_MEDIA_THUMB = 0, PB_MEDIA_EXTRA = 1, PB_MEDIA_PDF = 2 };
enum pb_media_state {
    PB_MEDIA_TODO = 0,    /* to fetch */
    PB_MEDIA_STORED = 1,  /* in DB.media/file */
    PB_MEDIA_REFUSED = 2, /* for good: not an image, too big, gone */
    PB_MEDIA_FAILED = 3,  /* a passing failure: tried again later */
};

#define PB_MEDIA_URL_MAX 2048
#define PB_MEDIA_FILE_MAX 80

struct pb_media {
    int64_t pid;
    int kind, pos, state, tries;
    char paper_id[PB_MAX_ID];
    char url[PB_MEDIA_URL_MAX + 1];
    char file[PB_MEDIA_FILE_MAX]; /* "" unless stored */
    char type[32];                /* "image/png", ... */
    int width, height;
    int64_t bytes;
};

/* Note the images p names (p->thumbnail, p->media_urls) for paper pid: a
 * slot already noted keeps its URL and state. No-op when p names none.
 * Called by pb_store_paper_upsert inside its transaction. */
int pb_store_media_note(struct pb_store *st, int64_t pid,
                        const struct pb_paper *p) PB_WUR;

/* Add one row (kind, pos) to fetch from url; an existing row is kept. */
int pb_store_media_add(struct pb_store *st, int64_t pid, int kind, int pos,
                       const char *url) PB_WUR;

/* Up to max rows to fetch, newest papers first: state TODO, or FAILED
 * with fewer than max_tries tries. *out is a heap array the caller frees
 * (NULL when *n is 0). */
int pb_store_media_todo(struct pb_store *st, int max_tries, size_t max,
                        struct pb_media **out, size_t *n) PB_WUR;

/* Up to max papers that want a thumbnail rendered from their arXiv PDF:
 * live, listed on the daily feed, with an arXiv id, no PDF row yet, and
 * no source thumbnail other than one refused for good. Newest listed day
 * first. Each out row has pid and paper_id set. */
int pb_store_media_pdf_todo(struct pb_store *st, size_t max,
                            struct pb_media **out, size_t *n) PB_WUR;

/* Record an attempt on (pid, kind, pos): state, and when stored the file,
 * type and dimensions; error (may be NULL) says why it failed. tries is
 * counted up. */
int pb_store_media_done(struct pb_store *st, const struct pb_media *m,
                        int state, const char *error, int64_t now) PB_WUR;

/* The thumbnail of pid: the stored source thumbnail, else the stored PDF
 * page. PB_ENOTFOUND when neither is stored. */
int pb_store_media_thumb(struct pb_store *st, int64_t pid,
                         struct pb_media *out) PB_WUR;

/* The stored source media of pid in their order, up to max, into out
 * (caller storage); *n how many. */
int pb_store_media_extras(struct pb_store *st, int64_t pid,
                          struct pb_media *out, size_t max,
                          size_t *n) PB_WUR;

/* Counts of rows per state (index enum pb_media_state), for reports. */
int pb_store_media_counts(struct pb_store *st, int64_t out[4]) PB_WUR;

#endif
