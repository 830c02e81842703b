/*
 * image_info.h - what an image file is, from its first bytes: PNG, JPEG or
 * WebP, and its width and height, read from the headers by our own parser
 * (no decoder: paperboy stores and serves the bytes as they came). Used to
 * check every image the harvester fetches before it is stored and served.
 *
 * Pure functions on borrowed bytes; thread-safe.
 */
#ifndef PB_MEDIA_IMAGE_INFO_H
#define PB_MEDIA_IMAGE_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum pb_image_type { PB_IMG_NONE = 0, PB_IMG_PNG, PB_IMG_JPEG, PB_IMG_WEBP };

struct pb_image_info {
    enum pb_image_type type;
    uint32_t width, height; /* pixels, both >= 1 */
};

#define PB_IMAGE_MAX_SIDE 20000u        /* pixels per side */
#define PB_IMAGE_MAX_PIXELS 100000000ull /* width * height */

/*
 * Read type and dimensions from p[0..len) (the whole file or at least its
 * headers: a JPEG's size can sit after its metadata). PB_EPARSE when the
 * bytes are none of the three formats, a header is cut short or broken,
 * or a side is 0; PB_ETOOBIG when a side is over PB_IMAGE_MAX_SIDE or the
 * area over PB_IMAGE_MAX_PIXELS. out is filled only on PB_OK.
 */
int pb_image_info(const unsigned char *p, size_t len,
                  struct pb_image_info *out) PB_WUR;

/* "image/png", "image/jpeg", "image/webp"; NULL for PB_IMG_NONE. */
const char *pb_image_mime(enum pb_image_type t);
/* "png", "jpg", "webp"; NULL for PB_IMG_NONE. */
const char *pb_image_ext(enum pb_image_type t);
/* The type a Content-Type header value names ("image/png",
 * "IMAGE/JPEG; q=1", "image/jpg"); PB_IMG_NONE for anything else or NULL. */
enum pb_image_type pb_image_type_from_mime(const char *content_type);
/* The type a file extension names ("png", "jpg", "jpeg", "webp"). */
enum pb_image_type pb_image_type_from_ext(const char *ext);

#endif
