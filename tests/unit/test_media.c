/* test_media.c - image headers (PNG, JPEG, WebP), the hosts images may come
 * from, the media table (note, to-do, done, thumbnail), identicons and
 * covers (escaped, deterministic). */
#include "harness.h"

#include <unistd.h>

#include "core/paper.h"
#include "harvest/harvest_thumbs.h"
#include "media/image_info.h"
#include "store/store.h"
#include "store/store_media.h"
#include "web/media.h"

static const unsigned char PNG_1x2[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D',
    'R',  0,   0,   0,   1,    0,    0,    0,    2, 8, 2, 0, 0, 0};
/* SOI, an APP1 segment, then SOF0 with height 480 and width 640 */
static const unsigned char JPEG_640x480[] = {
    0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 'E',  'x',  'i',  'f', 0xFF, 0xFF,
    0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03, 0,   0,    0};
static const unsigned char WEBP_VP8[] = {
    'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' ',
    0,   0,   0,   0,   0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00};
static const unsigned char WEBP_VP8L[] = {
    'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L',
    0,   0,   0,   0,   0x2f, 99, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0};
static const unsigned char WEBP_VP8X[] = {
    'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'X',
    10,  0,   0,   0,   0, 0, 0, 0, 0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00};

static void t_image_info(void)
{
    struct pb_image_info i;
    CHECK_EQ(pb_image_info(PNG_1x2, sizeof PNG_1x2, &i), PB_OK);
    CHECK(i.type == PB_IMG_PNG && i.width == 1 && i.height == 2);
    CHECK_EQ(pb_image_info(JPEG_640x480, sizeof JPEG_640x480, &i), PB_OK);
    CHECK(i.type == PB_IMG_JPEG && i.width == 640 && i.height == 480);
    CHECK_EQ(pb_image_info(WEBP_VP8, sizeof WEBP_VP8, &i), PB_OK);
    CHECK(i.type == PB_IMG_WEBP && i.width == 320 && i.height == 240);
    CHECK_EQ(pb_image_info(WEBP_VP8L, sizeof WEBP_VP8L, &i), PB_OK);
    CHECK(i.width == 100 && i.height == 1);
    CHECK_EQ(pb_image_info(WEBP_VP8X, sizeof WEBP_VP8X, &i), PB_OK);
    CHECK(i.width == 640 && i.height == 480);
    /* cut short, empty, garbage, GIF, SVG */
    for (size_t n = 0; n < 24; n++) /* signature, IHDR length, type, sides */
        CHECK_EQ(pb_image_info(PNG_1x2, n, &i), PB_EPARSE);
    for (size_t n = 0; n < sizeof JPEG_640x480 - 5; n++)
        CHECK_EQ(pb_image_info(JPEG_640x480, n, &i), PB_EPARSE);
    CHECK_EQ(pb_image_info((const unsigned char *)"GIF89a....", 10, &i),
             PB_EPARSE);
    CHECK_EQ(pb_image_info((const unsigned char *)"<svg xmlns=", 11, &i),
             PB_EPARSE);
    CHECK_EQ(pb_image_info(NULL, 0, &i), PB_EPARSE);
    /* zero and huge sides */
    unsigned char z[sizeof PNG_1x2];
    memcpy(z, PNG_1x2, sizeof z);
    z[19] = 0;
    CHECK_EQ(pb_image_info(z, sizeof z, &i), PB_EPARSE);
    z[19] = 1;
    z[17] = 0x10; /* width 1 + 2^20 */
    CHECK_EQ(pb_image_info(z, sizeof z, &i), PB_ETOOBIG);
    CHECK_STR(pb_image_mime(PB_IMG_WEBP), "image/webp");
    CHECK_STR(pb_image_ext(PB_IMG_JPEG), "jpg");
    CHECK(pb_image_mime(PB_IMG_NONE) == NULL);
}

static void t_mime(void)
{
    CHECK_EQ(pb_image_type_from_mime("image/png"), PB_IMG_PNG);
    CHECK_EQ(pb_image_type_from_mime("IMAGE/JPEG; charset=x"), PB_IMG_JPEG);
    CHECK_EQ(pb_image_type_from_mime(" image/webp"), PB_IMG_WEBP);
    CHECK_EQ(pb_image_type_from_mime("image/svg+xml"), PB_IMG_NONE);
    CHECK_EQ(pb_image_type_from_mime("image/pngx"), PB_IMG_NONE);
    CHECK_EQ(pb_image_type_from_mime("text/html"), PB_IMG_NONE);
    CHECK_EQ(pb_image_type_from_mime(NULL), PB_IMG_NONE);
    CHECK_EQ(pb_image_type_from_ext("jpeg"), PB_IMG_JPEG);
    CHECK_EQ(pb_image_type_from_ext("svg"), PB_IMG_NONE);
}

static void t_hosts(void)
{
    const char *h = PB_HARVEST_MEDIA_HOSTS;
    CHECK(pb_harvest_host_allowed(
        "https://cdn-thumbnails.huggingface.co/social-thumbnails/x.png", h));
    CHECK(pb_harvest_host_allowed("https://huggingface.co/x", h));
    CHECK(pb_harvest_host_allowed("https://HF.CO:443/x", h));
    CHECK(!pb_harvest_host_allowed("https://evilhuggingface.co/x", h));
    CHECK(!pb_harvest_host_allowed("https://huggingface.co.evil.net/x", h));
    CHECK(!pb_harvest_host_allowed("https://huggingface.co@evil.net/x", h));
    CHECK(!pb_harvest_host_allowed("ftp://huggingface.co/x", h));
    CHECK(!pb_harvest_host_allowed("file:///etc/passwd", h));
    CHECK(pb_harvest_host_allowed("http://127.0.0.1:8000/a.png",
                                  "a.example, 127.0.0.1"));
    CHECK(!pb_harvest_host_allowed("http://127.0.0.2/a.png", "127.0.0.1"));
}

static void t_store_media(void)
{
    char path[] = "/tmp/pb-media-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    struct pb_store *st = NULL;
    struct pb_err err;
    CHECK_EQ(pb_store_open(path, 0, &st, &err), PB_OK);
    if (!st)
        return;
    struct pb_paper p;
    pb_paper_init(&p);
    snprintf(p.id, sizeof p.id, "2608.00001");
    pb_str_set(&p.title, "T", 1);
    memcpy(p.listed_day, "2026-08-20", 11);
    pb_str_set(&p.thumbnail, "https://hf.co/a.png", 19);
    pb_strlist_push(&p.media_urls, "https://hf.co/b.png", 19);
    enum pb_upsert up;
    int64_t pid = 0;
    CHECK_EQ(pb_store_paper_upsert(st, &p, &up, &pid), PB_OK);
    /* importing again, with another URL: the first is kept */
    pb_str_set(&p.thumbnail, "https://hf.co/other.png", 23);
    CHECK_EQ(pb_store_paper_upsert(st, &p, &up, &pid), PB_OK);
    struct pb_media *v = NULL;
    size_t n = 0;
    CHECK_EQ(pb_store_media_todo(st, 3, 10, &v, &n), PB_OK);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_STR(v[0].url, "https://hf.co/a.png");
        CHECK_STR(v[0].paper_id, "2608.00001");
        struct pb_media m;
        CHECK_EQ(pb_store_media_thumb(st, pid, &m), PB_ENOTFOUND);
        /* no PDF while the source's thumbnail is pending */
        struct pb_media *w = NULL;
        size_t nw = 9;
        CHECK_EQ(pb_store_media_pdf_todo(st, 10, &w, &nw), PB_OK);
        CHECK_EQ(nw, 0);
        free(w);
        snprintf(v[0].file, sizeof v[0].file, "%032d.png", 0);
        snprintf(v[0].type, sizeof v[0].type, "image/png");
        v[0].width = 10, v[0].height = 20, v[0].bytes = 99;
        CHECK_EQ(pb_store_media_done(st, &v[0], PB_MEDIA_STORED, NULL, 1), 0);
        CHECK_EQ(pb_store_media_done(st, &v[1], PB_MEDIA_FAILED, "x", 1), 0);
        CHECK_EQ(pb_store_media_thumb(st, pid, &m), PB_OK);
        CHECK(m.width == 10 && m.height == 20 && m.kind == PB_MEDIA_THUMB);
        free(v);
        /* the failed one comes back until it has used its tries */
        CHECK_EQ(pb_store_media_todo(st, 3, 10, &v, &n), PB_OK);
        CHECK_EQ(n, 1);
        free(v);
        CHECK_EQ(pb_store_media_todo(st, 1, 10, &v, &n), PB_OK);
        CHECK_EQ(n, 0);
        int64_t c[4];
        CHECK_EQ(pb_store_media_counts(st, c), PB_OK);
        CHECK(c[1] == 1 && c[3] == 1);
    }
    pb_paper_clear(&p);
    pb_store_close(st);
    char aux[64];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

static void t_avatar(void)
{
    struct pb_buf a, b, c;
    pb_buf_init(&a, 1 << 16);
    pb_buf_init(&b, 1 << 16);
    pb_buf_init(&c, 1 << 16);
    CHECK_EQ(pb_web_avatar_svg(&a, "Grace"), PB_OK);
    CHECK_EQ(pb_web_avatar_svg(&b, "grace"), PB_OK);
    CHECK_EQ(pb_web_avatar_svg(&c, "<ada>"), PB_OK);
    /* the face is the same for both spellings; only the title differs */
    const char *fa = strstr(a.p, "</title>"), *fb = strstr(b.p, "</title>");
    CHECK(fa && fb && !strcmp(fa, fb));
    CHECK(strstr(c.p, "&lt;ada&gt;") && !strstr(c.p, "<ada>"));
    CHECK(strcmp(strstr(c.p, "</title>"), fa) != 0);
    CHECK(!strncmp(a.p, "<svg ", 5));
    pb_buf_clear(&a);
    pb_buf_clear(&b);
    pb_buf_clear(&c);
}

static void t_cover(void)
{
    struct pb_paper p;
    pb_paper_init(&p);
    snprintf(p.id, sizeof p.id, "2608.00005");
    const char *t = "A title </text><script>x</script> & a very long "
                    "second part that wraps onto several lines of the "
                    "cover until it has to stop with an ellipsis because "
                    "five lines are all there is room for on it";
    pb_str_set(&p.title, t, strlen(t));
    pb_str_set(&p.categories, "cs.CV cs.LG", 11);
    struct pb_buf b;
    pb_buf_init(&b, 1 << 16);
    CHECK_EQ(pb_web_cover_svg(&b, &p), PB_OK);
    CHECK(!strstr(b.p, "<script") && strstr(b.p, "&lt;script&gt;"));
    CHECK(strstr(b.p, ">cs.CV<") != NULL);
    size_t lines = 0;
    for (const char *s = b.p; (s = strstr(s, "<tspan")); s++)
        lines++;
    CHECK_EQ(lines, 5);
    CHECK(strstr(b.p, "\xE2\x80\xA6</tspan>") != NULL);
    pb_buf_clear(&b);
    pb_paper_clear(&p);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"image headers", t_image_info}, {"content types", t_mime},
        {"allowed hosts", t_hosts},      {"media table", t_store_media},
        {"identicons", t_avatar},        {"covers", t_cover},
        {NULL, NULL},
    };
    return pb_test_run(T);
}
