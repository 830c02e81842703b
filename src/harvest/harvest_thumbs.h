/*
 * harvest_thumbs.h - `paperboy harvest thumbnails`: the images of papers,
 * fetched once and stored beside the database, so that the site serves
 * them from its own origin (web/media.c) and never hot-links.
 *
 * 1. Every image a source named (store_media.h: Daily Papers' thumbnail
 *    and mediaUrls) not yet stored is fetched through the polite client
 *    (one connection, a gap between requests, a size cap); a URL whose host
 *    is not allowed, a status other than 2xx, a Content-Type other than
 *    PNG, JPEG or WebP, bytes that do not parse as the announced type
 *    (media/image_info.h), or dimensions out of bounds are refused for
 *    good; network failures are retried on a later run.
 * 2. Listed papers with an arXiv id and no usable source thumbnail get
 *    their PDF fetched from pdf_base/pdf/ID (arXiv's gap: its own polite
 *    client) and the first page rendered to PNG by poppler's pdftoppm, run
 *    as a subprocess with a time limit and resource limits.
 *
 * Stored files are named by the BLAKE2b hash of their bytes
 * (DB.media/<32 hex>.<png|jpg|webp>): a name never changes meaning, so the
 * site can tell browsers to cache them forever. Files are written to a
 * temporary name and renamed, so a killed run leaves no half file under a
 * real name.
 */
#ifndef PB_HARVEST_THUMBS_H
#define PB_HARVEST_THUMBS_H

#include <stddef.h>
#include <stdint.h>

#include "harvest/harvest.h"

#define PB_HARVEST_PDF_BASE "https://arxiv.org"
/* hosts images may come from, unless configured: each entry matches the
 * host itself and its subdomains */
#define PB_HARVEST_MEDIA_HOSTS "huggingface.co,hf.co"
#define PB_HARVEST_IMAGE_MAX (5u << 20)
#define PB_HARVEST_PDF_MAX (40u << 20)

struct pb_harvest_thumbs_opts {
    const char *media_dir;  /* DB.media, made when missing; required */
    const char *pdf_base;   /* NULL = PB_HARVEST_PDF_BASE */
    const char *hosts;      /* comma-separated; NULL = PB_HARVEST_MEDIA_HOSTS */
    int64_t limit;          /* attempts this run; <= 0: 200 */
    int max_tries;          /* failed attempts per image before giving up;
                               <= 0: 3 */
    int pdf;                /* 1: render PDFs of papers without a thumbnail */
    int render_timeout_s;   /* pdftoppm's time limit; <= 0: 30 */
    const char *pdftoppm;   /* the program; NULL = "pdftoppm" (PATH) */
    struct pb_polite *pdf_pl; /* the polite client for PDFs (arXiv's gap,
                                 its body cap); NULL = h->pl */
};

struct pb_harvest_thumbs_counts {
    int64_t stored;   /* images stored (rendered pages included) */
    int64_t rendered; /* of which first pages of PDFs */
    int64_t refused;  /* refused for good */
    int64_t failed;   /* failed this time, tried again later */
};

/* Run both steps (the second only with o->pdf) until o->limit attempts.
 * PB_OK when the run ended normally (refusals and failures are counted,
 * not errors); PB_EINTR when stopped; PB_EDB or PB_EIO (the media
 * directory) with err set. */
int pb_harvest_thumbs(const struct pb_harvest_env *h,
                      const struct pb_harvest_thumbs_opts *o,
                      struct pb_harvest_thumbs_counts *out,
                      struct pb_err *err) PB_WUR;

/* Whether url's host is one of hosts (comma-separated; an entry matches
 * the host and its subdomains, case-insensitively). URLs with user info
 * or another scheme than http(s) never match. */
int pb_harvest_host_allowed(const char *url, const char *hosts);

/* The media directory of a database: "DB.media" into out (cap bytes). */
int pb_harvest_media_dir(const char *db_path, char *out, size_t cap) PB_WUR;

#endif
