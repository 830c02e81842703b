/* media.c - thumbnails, covers and their tags (see media.h). */
#include "web/media.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/mem.h"
#include "media/image_info.h"
#include "store/store_files.h"
#include "store/store_media.h"
#include "text/latex_plain.h"
#include "core/escape.h"
#include "web/html.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

#define MEDIA_FILE_MAX (16u << 20)
#define IMMUTABLE "public, max-age=31536000, immutable"

/* "<32 hex>.<png|jpg|webp>": the type, or PB_IMG_NONE for another name. */
static enum pb_image_type media_name(const char *s)
{
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return PB_IMG_NONE;
    if (s[32] != '.')
        return PB_IMG_NONE;
    return pb_image_type_from_ext(s + 33);
}

int pb_web_media(struct pb_web_req *rq, const char *rest,
                 struct pb_web_resp *rs)
{
    rs->fmt = PB_FMT_TEXT;
    enum pb_image_type t = media_name(rest);
    if (t == PB_IMG_NONE)
        return pb_web_fail(rs, 404, "no such image");
    char path[4200], base[4096];
    if (pb_local_base(rq->site->db_path, base, sizeof base) ||
        snprintf(path, sizeof path, "%s.media/%s", base, rest) >=
            (int)sizeof path)
        return pb_web_fail(rs, 404, "no such image");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pb_web_fail(rs, 404, "no such image");
    struct stat sb;
    int rc = PB_OK;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > MEDIA_FILE_MAX) {
        close(fd);
        return pb_web_fail(rs, 404, "no such image");
    }
    size_t n = (size_t)sb.st_size;
    pb_buf_reserve(&rs->body, n);
    char chunk[65536];
    while (!rc) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = PB_EIO;
        if (r <= 0)
            break;
        rc = pb_buf_append(&rs->body, chunk, (size_t)r);
    }
    close(fd);
    if (rc)
        return rc;
    rs->type = pb_image_mime(t);
    rs->cache = IMMUTABLE;
    rs->shared = 1;
    return PB_OK;
}

/* --- covers -------------------------------------------------------------- */

/* A muted background from a hash of s: hsl(h, 35%, 28%). */
static int hue_of(const char *s)
{
    return (int)(pb_hash64(s, strlen(s)) % 360);
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

int pb_web_cover_svg(struct pb_buf *b, const struct pb_paper *p)
{
    int rc = PB_OK;
    char cat[64];
    pb_paper_primary_category(p, cat, sizeof cat);
    const char *label = cat[0] ? cat : "paper";
    const char *title = p->title ? p->title : "";
    char *plain = pb_text_latex_plain(title, strlen(title));
    TRY(pb_buf_printf(b,
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                      "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">"
                      "<title>",
                      PB_COVER_W, PB_COVER_H, PB_COVER_W, PB_COVER_H));
    TRY(pb_web_xml_s(b, plain));
    TRY(pb_buf_printf(b, "</title><rect width=\"%d\" height=\"%d\" "
                         "fill=\"hsl(%d,35%%,26%%)\"/>"
                         "<text x=\"40\" y=\"64\" fill=\"#fff\" "
                         "fill-opacity=\".8\" font-family=\"system-ui,"
                         "sans-serif\" font-size=\"24\">",
                      PB_COVER_W, PB_COVER_H, hue_of(label)));
    TRY(pb_web_xml_s(b, label));
    TRY(pb_buf_puts(b, "</text><text fill=\"#fff\" font-family=\"system-ui,"
                       "sans-serif\" font-size=\"32\" font-weight=\"700\">"));
    /* words into lines of at most 30 characters, 5 lines at most */
    const char *s = plain;
    int line = 0;
    while (*s && line < 5) {
        while (*s == ' ' || *s == '\n' || *s == '\t')
            s++;
        if (!*s)
            break;
        const char *end = s, *cut = NULL;
        size_t chars = 0;
        while (*end) {
            size_t w = strcspn(end, " \n\t");
            size_t wc = utf8_chars(end, w);
            if (chars && chars + 1 + wc > 30)
                break;
            chars += (chars ? 1 : 0) + wc;
            end += w;
            cut = end;
            while (*end == ' ' || *end == '\n' || *end == '\t')
                end++;
            if (chars >= 30)
                break;
        }
        if (!cut)
            cut = end;
        size_t len = (size_t)(cut - s);
        if (utf8_chars(s, len) > 34) { /* one long word: cut it */
            len = 0;
            for (size_t c = 0; s[len] && c < 33; c++) {
                len++;
                while (((unsigned char)s[len] & 0xC0) == 0x80)
                    len++;
            }
        }
        int last = line == 4 && s[len] && s[len + strspn(s + len, " \n\t")];
        TRY(pb_buf_printf(b, "<tspan x=\"40\" y=\"%d\">", 130 + 44 * line));
        TRY(pb_web_xml(b, s, len));
        if (last)
            TRY(pb_buf_puts(b, "\xE2\x80\xA6"));
        TRY(pb_buf_puts(b, "</tspan>"));
        s += len;
        line++;
    }
    TRY(pb_buf_printf(b, "</text><text x=\"40\" y=\"%d\" fill=\"#fff\" "
                         "fill-opacity=\".6\" font-family=\"system-ui,"
                         "sans-serif\" font-size=\"20\">paperboy</text></svg>",
                      PB_COVER_H - 28));
out:
    free(plain);
    return rc;
}

int pb_web_cover(struct pb_web_req *rq, const char *rest,
                 struct pb_web_resp *rs)
{
    rs->fmt = PB_FMT_TEXT;
    size_t n = strlen(rest);
    char id[PB_MAX_ID];
    if (n < 5 || n - 4 >= sizeof id || strcmp(rest + n - 4, ".svg"))
        return pb_web_fail(rs, 404, "no such cover");
    memcpy(id, rest, n - 4);
    id[n - 4] = '\0';
    if (!pb_web_id_ok(id))
        return pb_web_fail(rs, 404, "no such cover");
    struct pb_paper p;
    pb_paper_init(&p);
    int rc = pb_store_feed_paper(rq->th->feed, id, &p, NULL);
    if (rc == PB_ENOTFOUND)
        rc = pb_web_fail(rs, 404, "no such paper");
    else if (!rc) {
        rc = pb_web_cover_svg(&rs->body, &p);
        rs->type = "image/svg+xml";
        rs->cache = "public, max-age=86400";
        rs->shared = 1;
    }
    pb_paper_clear(&p);
    return rc;
}

/* --- avatars ------------------------------------------------------------- */

int pb_web_avatar_svg(struct pb_buf *b, const char *name)
{
    int rc = PB_OK;
    /* names are case-insensitive (members.name COLLATE NOCASE) */
    char low[256];
    size_t n = strlen(name);
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] + 32)
                                                  : name[i];
    low[n] = '\0';
    uint64_t h = pb_hash64(low, n);
    int hue = (int)((h >> 32) % 360);
    TRY(pb_buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                       "width=\"70\" height=\"70\" viewBox=\"0 0 70 70\" "
                       "role=\"img\"><title>"));
    TRY(pb_web_xml_s(b, name));
    TRY(pb_buf_printf(b, "</title><rect width=\"70\" height=\"70\" "
                         "fill=\"hsl(%d,30%%,92%%)\"/><path fill=\"hsl(%d,"
                         "55%%,42%%)\" d=\"",
                      hue, hue));
    /* a 5 x 5 grid, mirrored left to right: 15 bits decide it */
    int any = 0;
    for (int col = 0; col < 3; col++)
        for (int row = 0; row < 5; row++) {
            if (!((h >> (col * 5 + row)) & 1))
                continue;
            any = 1;
            TRY(pb_buf_printf(b, "M%d %dh10v10h-10z", 10 + col * 10,
                              10 + row * 10));
            if (col < 2)
                TRY(pb_buf_printf(b, "M%d %dh10v10h-10z", 10 + (4 - col) * 10,
                                  10 + row * 10));
        }
    if (!any) /* never an empty face */
        TRY(pb_buf_puts(b, "M30 30h10v10h-10z"));
    TRY(pb_buf_puts(b, "\"/></svg>"));
out:
    return rc;
}

int pb_web_avatar(struct pb_web_req *rq, const char *rest,
                  struct pb_web_resp *rs)
{
    (void)rq;
    rs->fmt = PB_FMT_TEXT;
    size_t n = strlen(rest);
    if (n < 5 || n - 4 > PB_MAX_NAME || strcmp(rest + n - 4, ".svg"))
        return pb_web_fail(rs, 404, "no such avatar");
    char *name = pb_strndup(rest, n - 4);
    int rc = pb_web_avatar_svg(&rs->body, name);
    free(name);
    rs->type = "image/svg+xml";
    /* the same name always draws the same face */
    rs->cache = "public, max-age=604800";
    rs->shared = 1;
    return rc;
}

int pb_web_avatar_img(struct pb_buf *b, const char *name, int size)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<img class=\"avatar\" src=\"/avatars/"));
    TRY(pb_web_url_s(b, name));
    TRY(pb_buf_printf(b, ".svg\" width=\"%d\" height=\"%d\" alt=\"\" "
                         "loading=\"lazy\" decoding=\"async\">",
                      size, size));
out:
    return rc;
}

/* --- tags and JSON ------------------------------------------------------- */

static int cover_src(struct pb_buf *b, const struct pb_paper *p)
{
    int rc = pb_buf_puts(b, "/cover/");
    if (!rc)
        rc = pb_web_url_s(b, p->id);
    return rc ? rc : pb_buf_puts(b, ".svg");
}

int pb_web_media_img(struct pb_buf *b, struct pb_web_req *rq,
                     const struct pb_paper *p, int64_t pid, const char *cls)
{
    int rc = PB_OK;
    struct pb_media m;
    int have = rq && rq->th && rq->th->st && pid &&
               pb_store_media_thumb(rq->th->st, pid, &m) == PB_OK;
    TRY(pb_buf_puts(b, "<img class=\""));
    TRY(pb_web_html_s(b, cls));
    TRY(pb_buf_puts(b, "\" src=\""));
    if (have) {
        TRY(pb_buf_puts(b, "/media/"));
        TRY(pb_web_html_s(b, m.file));
    } else {
        TRY(cover_src(b, p));
    }
    TRY(pb_buf_printf(b, "\" width=\"%d\" height=\"%d\" loading=\"lazy\" "
                         "decoding=\"async\" alt=\"",
                      have ? m.width : PB_COVER_W,
                      have ? m.height : PB_COVER_H));
    TRY(pb_buf_puts(b, !have ? "Cover of " : m.kind == PB_MEDIA_PDF
                                                 ? "First page of "
                                                 : "Thumbnail of "));
    char *plain = pb_text_latex_plain(p->title ? p->title : "",
                                      p->title ? strlen(p->title) : 0);
    rc = pb_web_html_s(b, plain);
    free(plain);
    if (rc)
        goto out;
    TRY(pb_buf_puts(b, "\">"));
out:
    return rc;
}

int pb_web_media_extras(struct pb_buf *b, struct pb_web_req *rq,
                        const struct pb_paper *p, int64_t pid)
{
    int rc = PB_OK;
    struct pb_media m[8];
    size_t n = 0;
    if (!rq || !rq->th || !rq->th->st || !pid ||
        pb_store_media_extras(rq->th->st, pid, m, 8, &n) || !n)
        return PB_OK;
    TRY(pb_buf_puts(b, "<div class=\"extras\">"));
    for (size_t i = 0; i < n; i++) {
        TRY(pb_buf_puts(b, "<img class=\"fig\" src=\"/media/"));
        TRY(pb_web_html_s(b, m[i].file));
        TRY(pb_buf_printf(b, "\" width=\"%d\" height=\"%d\" loading=\"lazy\" "
                             "decoding=\"async\" alt=\"Figure %zu of ",
                          m[i].width, m[i].height, i + 1));
        TRY(pb_web_html_latex(b, p->title));
        TRY(pb_buf_puts(b, "\">"));
    }
    TRY(pb_buf_puts(b, "</div>"));
out:
    return rc;
}

/* base + path into a string for JSON (base may be NULL: root-relative). */
static void url_json(struct pb_jw *w, const char *base, const char *path,
                     const char *id_or_file, const char *suffix)
{
    struct pb_buf u;
    pb_buf_init(&u, 8192);
    if ((!base || !pb_buf_puts(&u, base)) && !pb_buf_puts(&u, path) &&
        !pb_web_url_s(&u, id_or_file) && !pb_buf_puts(&u, suffix))
        pb_jw_strn(w, u.p, u.len);
    else
        pb_jw_null(w);
    pb_buf_clear(&u);
}

void pb_web_media_json(struct pb_jw *w, struct pb_web_req *rq,
                       const struct pb_paper *p, int64_t pid)
{
    if (!rq)
        return;
    const char *base = rq->site ? rq->site->base_url : NULL;
    struct pb_media m;
    int have = rq->th && rq->th->st && pid &&
               pb_store_media_thumb(rq->th->st, pid, &m) == PB_OK;
    pb_jw_key(w, "thumbnail");
    if (have)
        url_json(w, base, "/media/", m.file, "");
    else
        url_json(w, base, "/cover/", p->id, ".svg");
    struct pb_media x[8];
    size_t n = 0;
    if (!rq->th || !rq->th->st || !pid ||
        pb_store_media_extras(rq->th->st, pid, x, 8, &n) || !n)
        return;
    pb_jw_key(w, "mediaUrls");
    pb_jw_arr_open(w);
    for (size_t i = 0; i < n; i++)
        url_json(w, base, "/media/", x[i].file, "");
    pb_jw_arr_close(w);
}
