/* json_pull.c - allocation-free JSON tokenizer (see json_pull.h). */
#include "ingest/json_pull.h"

#include <string.h>

#include "core/swar.h"
#include "core/utf8.h"

void pb_jp_init(struct pb_jp *jp, const char *p, size_t len)
{
    memset(jp, 0, sizeof *jp);
    jp->p = jp->start = p;
    jp->end = p + len;
    jp->first = 1;
    pb_buf_init(&jp->scratch, (size_t)64 << 20);
}

void pb_jp_clear(struct pb_jp *jp)
{
    pb_buf_clear(&jp->scratch);
}

size_t pb_jp_offset(const struct pb_jp *jp)
{
    return (size_t)(jp->p - jp->start);
}

static enum pb_jt fail(struct pb_jp *jp, const char *why)
{
    jp->err = why;
    return PB_JT_ERROR;
}

static void ws(struct pb_jp *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\n' ||
                               *jp->p == '\r' || *jp->p == '\t'))
        jp->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* The longest run from p holding no '"', no '\\' and no control byte. */
static const char *span_plain(const char *p, const char *end)
{
    while (end - p >= 8) {
        uint64_t w = pb_swar_load(p);
        if (pb_swar_eq(w, '"') | pb_swar_eq(w, '\\') | pb_swar_below(w, 0x20))
            break;
        p += 8;
    }
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    return p;
}

/* jp->p is just past the opening quote. */
static enum pb_jt string(struct pb_jp *jp, enum pb_jt kind)
{
    const char *s = jp->p;
    /* fast path: no escapes, ASCII or valid UTF-8 */
    const char *q = span_plain(s, jp->end);
    if (q < jp->end && *q == '"') {
        if (pb_utf8_check(s, (size_t)(q - s)) != (size_t)(q - s))
            return fail(jp, "invalid UTF-8 in string");
        jp->s = s;
        jp->len = (size_t)(q - s);
        jp->p = q + 1;
        return kind;
    }
    pb_buf_reset(&jp->scratch);
    if (pb_buf_append(&jp->scratch, s, (size_t)(q - s)))
        return fail(jp, "string too long");
    const char *p = q;
    for (;;) {
        if (p >= jp->end)
            return fail(jp, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fail(jp, "control character in string");
        if (c != '\\') {
            const char *r = span_plain(p, jp->end);
            if (pb_buf_append(&jp->scratch, p, (size_t)(r - p)))
                return fail(jp, "string too long");
            p = r;
            continue;
        }
        if (jp->end - p < 2)
            return fail(jp, "unterminated string");
        char e = p[1], out;
        p += 2;
        switch (e) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (jp->end - p < 4 || !hex4(p, &cp))
                return fail(jp, "bad \\u escape");
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (jp->end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                    !hex4(p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return fail(jp, "unpaired surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(jp, "unpaired surrogate in \\u escape");
            }
            if (cp == 0)
                return fail(jp, "NUL character in string");
            char u[4];
            size_t n = pb_utf8_encode(cp, u);
            if (!n || pb_buf_append(&jp->scratch, u, n))
                return fail(jp, "bad \\u escape");
            continue;
        }
        default:
            return fail(jp, "bad escape in string");
        }
        if (pb_buf_putc(&jp->scratch, out))
            return fail(jp, "string too long");
    }
    size_t n = jp->scratch.len;
    if (pb_utf8_check(pb_buf_cstr(&jp->scratch), n) != n)
        return fail(jp, "invalid UTF-8 in string");
    jp->s = pb_buf_cstr(&jp->scratch);
    jp->len = n;
    jp->p = p + 1;
    return kind;
}

static enum pb_jt number(struct pb_jp *jp)
{
    const char *s = jp->p, *p = s;
    if (p < jp->end && *p == '-')
        p++;
    if (p >= jp->end || *p < '0' || *p > '9')
        return fail(jp, "bad number");
    if (*p == '0')
        p++;
    else
        while (p < jp->end && *p >= '0' && *p <= '9')
            p++;
    if (p < jp->end && *p == '.') {
        p++;
        if (p >= jp->end || *p < '0' || *p > '9')
            return fail(jp, "bad number");
        while (p < jp->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < jp->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < jp->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= jp->end || *p < '0' || *p > '9')
            return fail(jp, "bad number");
        while (p < jp->end && *p >= '0' && *p <= '9')
            p++;
    }
    jp->s = s;
    jp->len = (size_t)(p - s);
    jp->p = p;
    return PB_JT_NUM;
}

static enum pb_jt word(struct pb_jp *jp, const char *w, enum pb_jt t)
{
    size_t n = strlen(w);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, w, n) != 0)
        return fail(jp, "unexpected character");
    jp->p += n;
    return t;
}

static enum pb_jt value_done(struct pb_jp *jp, enum pb_jt t)
{
    if (jp->depth == 0)
        jp->done = 1;
    return t;
}

enum pb_jt pb_jp_next(struct pb_jp *jp)
{
    ws(jp);
    if (jp->done) {
        if (jp->p != jp->end)
            return fail(jp, "text after the JSON value");
        return PB_JT_END;
    }
    if (jp->p >= jp->end)
        return fail(jp, "unexpected end of JSON");
    int in_obj = jp->depth && jp->stack[jp->depth - 1] == 'o';
    char c = *jp->p;
    if (jp->depth && !jp->need_value) {
        /* between members/elements: a closer, or a comma (not first) */
        char closer = in_obj ? '}' : ']';
        if (c == closer) {
            jp->p++;
            jp->depth--;
            jp->first = 0;
            return value_done(jp, in_obj ? PB_JT_OBJ_END : PB_JT_ARR_END);
        }
        if (!jp->first) {
            if (c != ',')
                return fail(jp, "expected ',' or a closing bracket");
            jp->p++;
            ws(jp);
            if (jp->p >= jp->end)
                return fail(jp, "unexpected end of JSON");
            c = *jp->p;
        }
        if (in_obj) {
            if (c != '"')
                return fail(jp, "expected a key");
            jp->p++;
            enum pb_jt t = string(jp, PB_JT_KEY);
            if (t == PB_JT_ERROR)
                return t;
            ws(jp);
            if (jp->p >= jp->end || *jp->p != ':')
                return fail(jp, "expected ':' after a key");
            jp->p++;
            jp->need_value = 1;
            jp->first = 0;
            return t;
        }
    }
    /* a value */
    jp->need_value = 0;
    jp->first = 0;
    switch (c) {
    case '{':
    case '[':
        if (jp->depth >= PB_JP_MAX_DEPTH)
            return fail(jp, "nested too deeply");
        jp->stack[jp->depth++] = c == '{' ? 'o' : 'a';
        jp->p++;
        jp->first = 1;
        return c == '{' ? PB_JT_OBJ : PB_JT_ARR;
    case '"':
        jp->p++;
        return value_done(jp, string(jp, PB_JT_STR));
    case 't':
        return value_done(jp, word(jp, "true", PB_JT_TRUE));
    case 'f':
        return value_done(jp, word(jp, "false", PB_JT_FALSE));
    case 'n':
        return value_done(jp, word(jp, "null", PB_JT_NULL));
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return value_done(jp, number(jp));
        if (c == '}' || c == ']')
            return fail(jp, "expected a value");
        return fail(jp, "unexpected character");
    }
}

enum pb_jt pb_jp_skip(struct pb_jp *jp, enum pb_jt t)
{
    if (t != PB_JT_OBJ && t != PB_JT_ARR)
        return t;
    int depth = jp->depth;
    for (;;) {
        enum pb_jt u = pb_jp_next(jp);
        if (u == PB_JT_ERROR || u == PB_JT_END)
            return PB_JT_ERROR;
        if ((u == PB_JT_OBJ_END || u == PB_JT_ARR_END) && jp->depth < depth)
            return u;
    }
}
