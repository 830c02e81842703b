/* pylit.c - Python literal syntax to JSON (see pylit.h). A recursive
 * descent over a length-counted slice; depth is capped, so the stack is. */
#include "ingest/pylit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"

struct rd {
    const char *s;
    size_t len, i;
    struct pb_buf *out;
    char *why;
    size_t why_cap;
    int rc; /* first error */
};

__attribute__((format(printf, 2, 3))) static int fail(struct rd *r,
                                                      const char *fmt, ...)
{
    if (r->rc)
        return r->rc;
    r->rc = PB_EPARSE;
    int n = snprintf(r->why, r->why_cap, "byte %zu: ", r->i);
    if (n >= 0 && (size_t)n < r->why_cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->why + n, r->why_cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return r->rc;
}

static int put(struct rd *r, const char *p, size_t n)
{
    if (r->rc)
        return r->rc;
    if (pb_buf_append(r->out, p, n) != PB_OK) {
        r->rc = PB_ETOOBIG;
        snprintf(r->why, r->why_cap, "byte %zu: the JSON is over %zu bytes",
                 r->i, r->out->max);
    }
    return r->rc;
}

static int putc_(struct rd *r, char c) { return put(r, &c, 1); }

static void skip_ws(struct rd *r)
{
    while (r->i < r->len) {
        char c = r->s[r->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            r->i++;
        else
            break;
    }
}

static int at(struct rd *r, char c)
{
    return r->i < r->len && r->s[r->i] == c;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A code point as JSON string content. */
static int put_cp(struct rd *r, unsigned cp)
{
    if (cp == 0)
        return fail(r, "NUL in a string");
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return fail(r, "lone surrogate \\u%04X in a string", cp);
    if (cp > 0x10FFFF)
        return fail(r, "code point %X is over U+10FFFF", cp);
    if (cp == '"' || cp == '\\') {
        char e[2] = {'\\', (char)cp};
        return put(r, e, 2);
    }
    static const char short_esc[] = {['\b'] = 'b', ['\t'] = 't',
                                     ['\n'] = 'n', ['\f'] = 'f',
                                     ['\r'] = 'r'};
    if (cp < sizeof short_esc && short_esc[cp]) {
        char e[2] = {'\\', short_esc[cp]};
        return put(r, e, 2);
    }
    if (cp < 0x20 || cp == 0x7F) {
        char e[12];
        snprintf(e, sizeof e, "\\u%04x", cp & 0xFFu);
        return put(r, e, 6);
    }
    char u[4];
    size_t n = pb_utf8_encode(cp, u);
    return put(r, u, n);
}

static int hex_escape(struct rd *r, int digits)
{
    unsigned cp = 0;
    for (int k = 0; k < digits; k++) {
        int h = r->i < r->len ? hexval(r->s[r->i]) : -1;
        if (h < 0)
            return fail(r, "\\x, \\u or \\U escape needs %d hex digits",
                        digits);
        cp = cp * 16 + (unsigned)h;
        r->i++;
    }
    return put_cp(r, cp);
}

static int string(struct rd *r)
{
    char q = r->s[r->i++];
    if (putc_(r, '"'))
        return r->rc;
    for (;;) {
        if (r->i >= r->len)
            return fail(r, "unterminated string");
        unsigned char c = (unsigned char)r->s[r->i];
        if (c == (unsigned char)q) {
            r->i++;
            return putc_(r, '"');
        }
        if (c == '\n' || c == '\r')
            return fail(r, "newline in a string");
        if (c != '\\') {
            if (c < 0x80) {
                r->i++;
                if (put_cp(r, c))
                    return r->rc;
                continue;
            }
            size_t ok = pb_utf8_check(r->s + r->i, r->len - r->i);
            /* one whole character: from its lead byte, how long it is */
            size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (ok < n)
                return fail(r, "invalid UTF-8 in a string");
            if (put(r, r->s + r->i, n))
                return r->rc;
            r->i += n;
            continue;
        }
        r->i++;
        if (r->i >= r->len)
            return fail(r, "unterminated string");
        char e = r->s[r->i++];
        switch (e) {
        case '\\': if (put_cp(r, '\\')) return r->rc; break;
        case '\'': if (put_cp(r, '\'')) return r->rc; break;
        case '"': if (put_cp(r, '"')) return r->rc; break;
        case 'n': if (put_cp(r, '\n')) return r->rc; break;
        case 'r': if (put_cp(r, '\r')) return r->rc; break;
        case 't': if (put_cp(r, '\t')) return r->rc; break;
        case 'a': if (put_cp(r, 7)) return r->rc; break;
        case 'b': if (put_cp(r, 8)) return r->rc; break;
        case 'f': if (put_cp(r, 12)) return r->rc; break;
        case 'v': if (put_cp(r, 11)) return r->rc; break;
        case '\n': break; /* a line continuation */
        case 'x': if (hex_escape(r, 2)) return r->rc; break;
        case 'u': if (hex_escape(r, 4)) return r->rc; break;
        case 'U': if (hex_escape(r, 8)) return r->rc; break;
        case 'N': return fail(r, "\\N{...} escapes are not read");
        default:
            if (e >= '0' && e <= '7') {
                unsigned cp = (unsigned)(e - '0');
                for (int k = 0; k < 2 && r->i < r->len &&
                                r->s[r->i] >= '0' && r->s[r->i] <= '7';
                     k++)
                    cp = cp * 8 + (unsigned)(r->s[r->i++] - '0');
                if (put_cp(r, cp))
                    return r->rc;
            } else {
                /* Python keeps an unknown escape as written */
                r->i--;
                if (put_cp(r, '\\'))
                    return r->rc;
            }
        }
    }
}

static int number(struct rd *r)
{
    size_t start = r->i;
    char buf[64];
    size_t n = 0;
    if (at(r, '-') || at(r, '+')) {
        if (r->s[r->i] == '-')
            buf[n++] = '-';
        r->i++;
        skip_ws(r);
    }
    size_t int0 = r->i;
    while (r->i < r->len && is_digit(r->s[r->i]))
        r->i++;
    size_t nint = r->i - int0;
    size_t frac0 = 0, nfrac = 0;
    int is_float = 0;
    if (at(r, '.')) {
        is_float = 1;
        r->i++;
        frac0 = r->i;
        while (r->i < r->len && is_digit(r->s[r->i]))
            r->i++;
        nfrac = r->i - frac0;
    }
    if (nint == 0 && nfrac == 0) {
        r->i = start;
        return fail(r, "expected a value");
    }
    size_t exp0 = r->i, nexp = 0;
    if (at(r, 'e') || at(r, 'E')) {
        is_float = 1;
        r->i++;
        if (at(r, '-') || at(r, '+'))
            r->i++;
        size_t d0 = r->i;
        while (r->i < r->len && is_digit(r->s[r->i]))
            r->i++;
        if (r->i == d0)
            return fail(r, "exponent without digits");
        nexp = r->i - exp0;
    }
    if (r->i < r->len &&
        (r->s[r->i] == '_' || r->s[r->i] == 'j' || r->s[r->i] == 'J' ||
         r->s[r->i] == 'x' || r->s[r->i] == 'X' || r->s[r->i] == 'o' ||
         r->s[r->i] == 'b' || (r->s[r->i] >= 'a' && r->s[r->i] <= 'z') ||
         (r->s[r->i] >= 'A' && r->s[r->i] <= 'Z')))
        return fail(r, "not a plain decimal number");
    if (!is_float) {
        if (nint > 1 && r->s[int0] == '0')
            return fail(r, "leading zeros in an integer");
        if (nint > 18)
            return fail(r, "integer of %zu digits is over 64 bits", nint);
        if (n + nint >= sizeof buf)
            return fail(r, "number too long");
        memcpy(buf + n, r->s + int0, nint);
        n += nint;
        if (n == 2 && buf[0] == '-' && buf[1] == '0')
            n = 1, buf[0] = '0';
        return put(r, buf, n);
    }
    if (nint + nfrac + nexp + 4 >= sizeof buf)
        return fail(r, "number too long");
    /* JSON wants digits on both sides of the dot, and no leading zeros
     * (Python takes 00.5 and 007e1 as floats) */
    while (nint > 1 && r->s[int0] == '0')
        int0++, nint--;
    if (nint) {
        memcpy(buf + n, r->s + int0, nint);
        n += nint;
    } else {
        buf[n++] = '0';
    }
    buf[n++] = '.';
    if (nfrac) {
        memcpy(buf + n, r->s + frac0, nfrac);
        n += nfrac;
    } else {
        buf[n++] = '0';
    }
    if (nexp) {
        memcpy(buf + n, r->s + exp0, nexp);
        n += nexp;
    }
    buf[n] = '\0';
    errno = 0;
    double d = strtod(buf, NULL);
    if (errno == ERANGE && (d > 1 || d < -1))
        return fail(r, "float out of range");
    return put(r, buf, n);
}

static int value(struct rd *r, int depth);

/* Items of a list, tuple or dict up to the closing bracket; is_dict reads
 * key: value pairs. Returns the number of items through *count. */
static int items(struct rd *r, int depth, char close, int is_dict,
                 size_t *count)
{
    for (;;) {
        skip_ws(r);
        if (r->i >= r->len)
            return fail(r, "unterminated %s",
                        close == '}' ? "dict" : close == ']' ? "list"
                                                             : "tuple");
        if (r->s[r->i] == close) {
            r->i++;
            return PB_OK;
        }
        if (*count && putc_(r, ','))
            return r->rc;
        if (is_dict) {
            if (!at(r, '\'') && !at(r, '"'))
                return fail(r, "a dict key must be a string");
            if (string(r))
                return r->rc;
            skip_ws(r);
            if (!at(r, ':'))
                return fail(r, "expected ':' after a dict key");
            r->i++;
            if (putc_(r, ':'))
                return r->rc;
        }
        if (value(r, depth + 1))
            return r->rc;
        (*count)++;
        skip_ws(r);
        if (at(r, ',')) {
            r->i++;
            continue;
        }
        skip_ws(r);
        if (r->i >= r->len)
            continue; /* unterminated: said above */
        if (!at(r, close))
            return fail(r, "expected ',' or '%c'", close);
    }
}

static int word(struct rd *r, const char *w)
{
    size_t n = strlen(w);
    if (r->len - r->i < n || memcmp(r->s + r->i, w, n))
        return 0;
    size_t e = r->i + n;
    if (e < r->len) {
        char c = r->s[e];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
            is_digit(c) || c == '(')
            return 0;
    }
    r->i = e;
    return 1;
}

static int value(struct rd *r, int depth)
{
    if (depth > PB_PYLIT_MAX_DEPTH)
        return fail(r, "nested deeper than %d", PB_PYLIT_MAX_DEPTH);
    skip_ws(r);
    if (r->i >= r->len)
        return fail(r, "expected a value");
    char c = r->s[r->i];
    size_t count;
    switch (c) {
    case '{': {
        r->i++;
        /* {} is a dict; a set ({1, 2}) fails on its first key */
        count = 0;
        if (putc_(r, '{') || items(r, depth, '}', 1, &count))
            return r->rc;
        return putc_(r, '}');
    }
    case '[':
        r->i++;
        count = 0;
        if (putc_(r, '[') || items(r, depth, ']', 0, &count))
            return r->rc;
        return putc_(r, ']');
    case '(': {
        r->i++;
        /* (x) is x; (x,) and (x, y) and () are tuples */
        size_t mark = r->out->len;
        if (putc_(r, '['))
            return r->rc;
        skip_ws(r);
        if (at(r, ')')) {
            r->i++;
            return putc_(r, ']');
        }
        if (value(r, depth + 1))
            return r->rc;
        skip_ws(r);
        if (at(r, ')')) {
            r->i++;
            /* parentheses only: drop the '[' written ahead */
            memmove(r->out->p + mark, r->out->p + mark + 1,
                    r->out->len - mark - 1);
            r->out->len--;
            r->out->p[r->out->len] = '\0';
            return PB_OK;
        }
        if (!at(r, ','))
            return fail(r, "expected ',' or ')'");
        r->i++;
        count = 1;
        if (items(r, depth, ')', 0, &count))
            return r->rc;
        return putc_(r, ']');
    }
    case '\'':
    case '"':
        return string(r);
    default:
        break;
    }
    if (word(r, "True"))
        return put(r, "true", 4);
    if (word(r, "False"))
        return put(r, "false", 5);
    if (word(r, "None"))
        return put(r, "null", 4);
    if (c == '-' || c == '+' || c == '.' || is_digit(c))
        return number(r);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
        size_t e = r->i;
        while (e < r->len && ((r->s[e] >= 'a' && r->s[e] <= 'z') ||
                              (r->s[e] >= 'A' && r->s[e] <= 'Z') ||
                              is_digit(r->s[e]) || r->s[e] == '_' ||
                              r->s[e] == '.'))
            e++;
        int call = e < r->len && r->s[e] == '(';
        return fail(r, "%s \"%.*s\" is not a literal",
                    call ? "call of" : "name", (int)(e - r->i > 40 ? 40
                                                                   : e - r->i),
                    r->s + r->i);
    }
    return fail(r, "unexpected '%c'", c);
}

int pb_pylit_to_json(const char *s, size_t len, struct pb_buf *out,
                     char *why, size_t why_cap)
{
    struct rd r = {s, len, 0, out, why, why_cap, PB_OK};
    if (why_cap)
        why[0] = '\0';
    size_t mark = out->len;
    if (value(&r, 0) == PB_OK) {
        skip_ws(&r);
        if (r.i < r.len)
            fail(&r, "trailing bytes after the value");
    }
    if (r.rc) {
        out->len = mark;
        if (out->p)
            out->p[mark] = '\0';
        return r.rc;
    }
    return PB_OK;
}
