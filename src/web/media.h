/*
 * media.h - images on the site: thumbnails fetched by `harvest thumbnails`
 * (store_media.h) served from our own origin under /media/<hash>.<ext>
 * with a year-long immutable cache lifetime; a generated cover
 * (/cover/ID.svg: title and category) for papers without one; identicon
 * avatars of members and submitters (/avatars/NAME.svg); the <img> tags
 * pages use and the thumbnail / mediaUrls keys of the JSON API.
 *
 * Every <img> has width, height (no layout shift), alt text and
 * loading="lazy". Text in SVG goes through escape.h like every page.
 */
#ifndef PB_WEB_MEDIA_H
#define PB_WEB_MEDIA_H

#include <stdint.h>

#include "core/buf.h"
#include "core/json_write.h"
#include "core/paper.h"
#include "web/web_int.h"

#define PB_COVER_W 640
#define PB_COVER_H 360

/* Handlers: GET /media/NAME, /cover/ID.svg, /avatars/NAME.svg. */
int pb_web_media(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_cover(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;
int pb_web_avatar(struct pb_web_req *, const char *, struct pb_web_resp *) PB_WUR;

/* The thumbnail of paper p (pid) as an <img> with class cls: the stored
 * image, else the generated cover. rq may be NULL (cover only). */
int pb_web_media_img(struct pb_buf *b, struct pb_web_req *rq,
                     const struct pb_paper *p, int64_t pid,
                     const char *cls) PB_WUR;

/* The stored source media of a paper (kind EXTRA) as a row of <img>s
 * (nothing when there are none). */
int pb_web_media_extras(struct pb_buf *b, struct pb_web_req *rq,
                        const struct pb_paper *p, int64_t pid) PB_WUR;

/* An avatar <img> of name, size px square. */
int pb_web_avatar_img(struct pb_buf *b, const char *name, int size) PB_WUR;

/* The identicon SVG of name into b (pure: the same name, the same
 * bytes). */
int pb_web_avatar_svg(struct pb_buf *b, const char *name) PB_WUR;

/* The cover SVG of p into b. */
int pb_web_cover_svg(struct pb_buf *b, const struct pb_paper *p) PB_WUR;

/* The JSON API's "thumbnail" key (our /media URL, else the cover) and,
 * when any image of the source's mediaUrls is stored, "mediaUrls"; URLs
 * absolute with the site's base URL when it is known, else root-relative.
 * rq may be NULL (keys left out). */
void pb_web_media_json(struct pb_jw *w, struct pb_web_req *rq,
                       const struct pb_paper *p, int64_t pid);

#endif
