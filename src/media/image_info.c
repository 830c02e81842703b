/* image_info.c - PNG, JPEG and WebP headers (see image_info.h). */
#include "media/image_info.h"

#include <string.h>
#include <strings.h>

static uint32_t be16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static uint32_t le24(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static int png(const unsigned char *p, size_t len, struct pb_image_info *o)
{
    /* signature, then IHDR must be the first chunk, 13 bytes long */
    if (len < 24 || be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4))
        return PB_EPARSE;
    o->width = be32(p + 16);
    o->height = be32(p + 20);
    return PB_OK;
}

/* The frame header (SOFn) gives the size; it may follow any number of
 * other segments (Exif, ICC profiles, tables). */
static int jpeg(const unsigned char *p, size_t len, struct pb_image_info *o)
{
    size_t i = 2;
    while (i + 1 < len) {
        if (p[i] != 0xFF)
            return PB_EPARSE;
        unsigned char m = p[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        i += 2;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) /* no length */
            continue;
        if (m == 0xD8 || m == 0xD9 || m == 0xDA) /* SOI again, EOI, SOS */
            return PB_EPARSE;
        if (i + 2 > len)
            return PB_EPARSE;
        uint32_t seg = be16(p + i);
        if (seg < 2)
            return PB_EPARSE;
        int sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 &&
                  m != 0xCC;
        if (sof) {
            if (seg < 7 || i + 7 > len)
                return PB_EPARSE;
            o->height = be16(p + i + 3);
            o->width = be16(p + i + 5);
            return PB_OK;
        }
        i += seg;
    }
    return PB_EPARSE;
}

static int webp(const unsigned char *p, size_t len, struct pb_image_info *o)
{
    if (len < 30)
        return PB_EPARSE;
    const unsigned char *d = p + 20; /* the first chunk's data */
    if (!memcmp(p + 12, "VP8 ", 4)) {
        if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
            return PB_EPARSE;
        o->width = (d[6] | (uint32_t)d[7] << 8) & 0x3fff;
        o->height = (d[8] | (uint32_t)d[9] << 8) & 0x3fff;
        return PB_OK;
    }
    if (!memcmp(p + 12, "VP8L", 4)) {
        if (d[0] != 0x2f)
            return PB_EPARSE;
        uint32_t b = (uint32_t)d[1] | (uint32_t)d[2] << 8 |
                     (uint32_t)d[3] << 16 | (uint32_t)d[4] << 24;
        o->width = (b & 0x3fff) + 1;
        o->height = ((b >> 14) & 0x3fff) + 1;
        return PB_OK;
    }
    if (!memcmp(p + 12, "VP8X", 4)) {
        o->width = le24(d + 4) + 1;
        o->height = le24(d + 7) + 1;
        return PB_OK;
    }
    return PB_EPARSE;
}

int pb_image_info(const unsigned char *p, size_t len,
                  struct pb_image_info *out)
{
    struct pb_image_info o = {PB_IMG_NONE, 0, 0};
    int rc;
    if (!p)
        return PB_EPARSE;
    if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        o.type = PB_IMG_PNG, rc = png(p, len, &o);
    else if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        o.type = PB_IMG_JPEG, rc = jpeg(p, len, &o);
    else if (len >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        o.type = PB_IMG_WEBP, rc = webp(p, len, &o);
    else
        return PB_EPARSE;
    if (rc)
        return rc;
    if (!o.width || !o.height)
        return PB_EPARSE;
    if (o.width > PB_IMAGE_MAX_SIDE || o.height > PB_IMAGE_MAX_SIDE ||
        (unsigned long long)o.width * o.height > PB_IMAGE_MAX_PIXELS)
        return PB_ETOOBIG;
    *out = o;
    return PB_OK;
}

const char *pb_image_mime(enum pb_image_type t)
{
    switch (t) {
    case PB_IMG_PNG: return "image/png";
    case PB_IMG_JPEG: return "image/jpeg";
    case PB_IMG_WEBP: return "image/webp";
    default: return NULL;
    }
}

const char *pb_image_ext(enum pb_image_type t)
{
    switch (t) {
    case PB_IMG_PNG: return "png";
    case PB_IMG_JPEG: return "jpg";
    case PB_IMG_WEBP: return "webp";
    default: return NULL;
    }
}

enum pb_image_type pb_image_type_from_mime(const char *ct)
{
    if (!ct)
        return PB_IMG_NONE;
    while (*ct == ' ')
        ct++;
    size_t n = strcspn(ct, "; \t");
    static const struct {
        const char *name;
        enum pb_image_type t;
    } names[] = {{"image/png", PB_IMG_PNG},
                 {"image/jpeg", PB_IMG_JPEG},
                 {"image/jpg", PB_IMG_JPEG},
                 {"image/pjpeg", PB_IMG_JPEG},
                 {"image/webp", PB_IMG_WEBP}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && !strncasecmp(ct, names[i].name, n))
            return names[i].t;
    return PB_IMG_NONE;
}

enum pb_image_type pb_image_type_from_ext(const char *ext)
{
    if (!ext)
        return PB_IMG_NONE;
    if (!strcmp(ext, "png"))
        return PB_IMG_PNG;
    if (!strcmp(ext, "jpg") || !strcmp(ext, "jpeg"))
        return PB_IMG_JPEG;
    if (!strcmp(ext, "webp"))
        return PB_IMG_WEBP;
    return PB_IMG_NONE;
}
