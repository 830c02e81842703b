/* json_write.c - a streaming JSON writer with jansson's compact output. */
#include "core/json_write.h"

#include <string.h>


/* Bytes a JSON string cannot hold as they are: controls, '"' and '\\'. */
static int special(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* pb_buf_putc without the call: the writer puts a quote, comma or colon
 * around every value. */
static inline int put1(struct pb_buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return PB_OK;
    }
    return pb_buf_putc(b, c);
}

static int put(struct pb_buf *b, const char *p, size_t len)
{
    return len ? pb_buf_append(b, p, len) : PB_OK;
}

static int put_escape(struct pb_buf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 0, '0', '0', 0, 0};
    switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\b': e[1] = 'b'; break;
    case '\f': e[1] = 'f'; break;
    case '\n': e[1] = 'n'; break;
    case '\r': e[1] = 'r'; break;
    case '\t': e[1] = 't'; break;
    default: /* as jansson: \u%04X */
        e[1] = 'u';
        e[4] = hex[c >> 4];
        e[5] = hex[c & 15];
        return pb_buf_append(b, e, 6);
    }
    return pb_buf_append(b, e, 2);
}

/* Length of the valid UTF-8 sequence starting at p[0] >= 0x80 (n bytes
 * available), 0 when there is none: strict as pb_utf8_check (no overlongs,
 * no surrogates, nothing above U+10FFFF), which is also what jansson
 * accepts. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0], cp, min;
    size_t k;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

/* Sixteen bytes at a time with GCC's portable vector extensions (SSE2 on
 * x86-64, NEON on arm64): one pass finds the bytes that need a look,
 * controls, '"', '\\' and anything >= 0x80 (UTF-8 to check). */
typedef unsigned char pb_v16 __attribute__((vector_size(16)));
typedef uint64_t pb_v2 __attribute__((vector_size(16)));

static int block_plain(const unsigned char *p)
{
    pb_v16 v;
    memcpy(&v, p, 16);
    pb_v16 m = (pb_v16)((v < 0x20) | (v == '"') | (v == '\\') | (v >= 0x80));
    pb_v2 q = (pb_v2)m;
    return !(q[0] | q[1]);
}

int pb_json_escape(struct pb_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0, i = 0;
    int rc = PB_OK;
    if (len > 64)
        pb_buf_reserve(b, len + 2);
    while (i < len && !rc) {
        if (len - i >= 16 && block_plain(p + i)) {
            i += 16;
            continue;
        }
        unsigned c = p[i];
        if (c >= 0x80) {
            size_t k = utf8_seq(p + i, len - i);
            if (k) {
                i += k;
                continue;
            }
            /* a bad byte: U+FFFD, as the HTML escaper does */
            if (!(rc = put(b, s + start, i - start)))
                rc = pb_buf_append(b, "\xEF\xBF\xBD", 3);
        } else if (special((unsigned char)c)) {
            if (!(rc = put(b, s + start, i - start)))
                rc = put_escape(b, (unsigned char)c);
        } else {
            i++;
            continue;
        }
        start = ++i;
    }
    return rc ? rc : put(b, s + start, len - start);
}

void pb_jw_init(struct pb_jw *w, struct pb_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

/* Before a value or a key: the comma, and the check that a value in an
 * object has its key (and a key is only written in an object). */
static int before(struct pb_jw *w, int is_key)
{
    if (w->rc)
        return 0;
    if (w->depth == 0) {
        if (is_key)
            w->rc = PB_EINVAL;
        return !w->rc;
    }
    unsigned d = w->depth - 1;
    if (w->key) {
        if (is_key)
            w->rc = PB_EINVAL;
        w->key = 0;
        return !w->rc;
    }
    if (w->obj[d] != is_key) {
        w->rc = PB_EINVAL;
        return 0;
    }
    if (w->has[d] && (w->rc = put1(w->b, ',')))
        return 0;
    w->has[d] = 1;
    return 1;
}

static void open_(struct pb_jw *w, char c, int is_obj)
{
    if (!before(w, 0))
        return;
    if (w->depth == PB_JW_MAX_DEPTH) {
        w->rc = PB_EINVAL;
        return;
    }
    w->has[w->depth] = 0;
    w->obj[w->depth] = (unsigned char)is_obj;
    w->depth++;
    w->rc = put1(w->b, c);
}

static void close_(struct pb_jw *w, char c, int is_obj)
{
    if (w->rc)
        return;
    if (!w->depth || w->obj[w->depth - 1] != is_obj || w->key) {
        w->rc = PB_EINVAL;
        return;
    }
    w->depth--;
    w->rc = put1(w->b, c);
}

void pb_jw_obj_open(struct pb_jw *w) { open_(w, '{', 1); }
void pb_jw_obj_close(struct pb_jw *w) { close_(w, '}', 1); }
void pb_jw_arr_open(struct pb_jw *w) { open_(w, '[', 0); }
void pb_jw_arr_close(struct pb_jw *w) { close_(w, ']', 0); }

static void quoted(struct pb_jw *w, const char *s, size_t len)
{
    if (!(w->rc = put1(w->b, '"')) &&
        !(w->rc = pb_json_escape(w->b, s, len)))
        w->rc = put1(w->b, '"');
}

/* 1 when k needs no escaping and fits t with its quotes and colon; t then
 * holds "k": and *n its length. Keys are almost always such literals. */
static int plain_key(const char *k, char t[64], size_t *n)
{
    size_t i = 0;
    t[0] = '"';
    for (; k[i]; i++) {
        unsigned char c = (unsigned char)k[i];
        if (i > 60 || special(c) || c >= 0x80)
            return 0;
        t[i + 1] = (char)c;
    }
    t[i + 1] = '"';
    t[i + 2] = ':';
    *n = i + 3;
    return 1;
}

void pb_jw_key(struct pb_jw *w, const char *k)
{
    char t[64];
    size_t n;
    if (!before(w, 1))
        return;
    w->key = 1;
    if (plain_key(k, t, &n)) {
        w->rc = pb_buf_append(w->b, t, n);
        return;
    }
    quoted(w, k, strlen(k));
    if (!w->rc)
        w->rc = put1(w->b, ':');
}

void pb_jw_strn(struct pb_jw *w, const char *s, size_t len)
{
    if (before(w, 0))
        quoted(w, s, len);
}

void pb_jw_str(struct pb_jw *w, const char *s)
{
    if (s)
        pb_jw_strn(w, s, strlen(s));
    else
        pb_jw_null(w);
}

void pb_jw_int(struct pb_jw *w, int64_t v)
{
    if (!before(w, 0))
        return;
    char t[24], *e = t + sizeof t, *p = e;
    /* through uint64_t so that INT64_MIN negates without overflow */
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    w->rc = pb_buf_append(w->b, p, (size_t)(e - p));
}

void pb_jw_null(struct pb_jw *w)
{
    if (before(w, 0))
        w->rc = pb_buf_append(w->b, "null", 4);
}

void pb_jw_name_obj(struct pb_jw *w, const char *s)
{
    /* one complete value, written at once: an author in every list */
    if (!before(w, 0))
        return;
    if (!(w->rc = pb_buf_append(w->b, "{\"name\":\"", 9)) &&
        !(w->rc = pb_json_escape(w->b, s, strlen(s))))
        w->rc = pb_buf_append(w->b, "\"}", 2);
}

void pb_jw_raw(struct pb_jw *w, const char *json, size_t len)
{
    if (!before(w, 0))
        return;
    w->rc = pb_buf_append(w->b, json, len);
}

int pb_jw_end(struct pb_jw *w)
{
    if (!w->rc && (w->depth || w->key))
        w->rc = PB_EINVAL;
    return w->rc;
}
