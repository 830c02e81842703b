/* analyze.c - text to index terms (see analyze.h). */
#include "text/analyze.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/paper.h"
#include "core/utf8.h"
#include "text/latex_plain.h"

/* One normalised code point and the byte range of the source character it
 * came from (a decomposed character gives several with the same range). */
struct ncp {
    int32_t cp;
    uint32_t s, e;
};

#define CACHE_BITS 20
#define CACHE_MAX_ENTRIES (1u << (CACHE_BITS - 1))

struct pb_analyzer {
    struct sb_stemmer *stemmer;
    struct pb_buf conv;   /* LaTeX-converted text */
    const char *text;     /* what the last call tokenised */
    size_t text_len;
    struct ncp *cps;
    size_t n_cps, cap_cps;
    /* Stem cache: open addressing, slot = 1 + entry offset in pool. */
    uint32_t *slots;
    size_t n_entries;
    char *pool;
    size_t pool_len, pool_cap;
};

static const char *const stopwords[] = {
    "a",    "an",    "and",  "are",  "as",   "at",    "be",   "but",
    "by",   "for",   "if",   "in",   "into", "is",    "it",   "no",
    "not",  "of",    "on",   "or",   "such", "that",  "the",  "their",
    "then", "there", "these", "they", "this", "to",   "was",  "will",
    "with", NULL,
};

int pb_text_is_stopword(const char *w, size_t len)
{
    if (len == 0 || len > 5)
        return 0;
    for (const char *const *s = stopwords; *s; s++)
        if ((*s)[0] == w[0] && strlen(*s) == len && memcmp(*s, w, len) == 0)
            return 1;
    return 0;
}

struct pb_analyzer *pb_analyzer_new(void)
{
    struct pb_analyzer *az = pb_calloc(1, sizeof *az);
    az->stemmer = sb_stemmer_new("english", NULL);
    if (!az->stemmer)
        abort(); /* only fails on allocation */
    pb_buf_init(&az->conv, (size_t)1 << 30);
    az->slots = pb_calloc((size_t)1 << CACHE_BITS, sizeof *az->slots);
    return az;
}

void pb_analyzer_free(struct pb_analyzer *az)
{
    if (!az)
        return;
    sb_stemmer_delete(az->stemmer);
    pb_buf_clear(&az->conv);
    free(az->cps);
    free(az->slots);
    free(az->pool);
    free(az);
}

const char *pb_analyzer_text(const struct pb_analyzer *az, size_t *out_len)
{
    if (out_len)
        *out_len = az->text_len;
    return az->text ? az->text : "";
}

static uint32_t fnv1a(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

size_t pb_analyzer_stem(struct pb_analyzer *az, const char *w, size_t len,
                        char *out)
{
    if (len > PB_TERM_MAX)
        len = PB_TERM_MAX;
    uint32_t mask = (1u << CACHE_BITS) - 1, h = fnv1a(w, len);
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t s = az->slots[i];
        if (!s)
            break;
        const unsigned char *e = (const unsigned char *)az->pool + s - 1;
        if (e[0] == len && memcmp(e + 2, w, len) == 0) {
            memcpy(out, e + 2 + len, e[1]);
            return e[1];
        }
    }
    const sb_symbol *st = sb_stemmer_stem(az->stemmer, (const sb_symbol *)w,
                                          (int)len);
    size_t sl = st ? (size_t)sb_stemmer_length(az->stemmer) : len;
    if (!st || sl > PB_TERM_MAX)
        st = (const sb_symbol *)w, sl = len;
    memcpy(out, st, sl);
    /* A full cache starts over: cheaper than eviction and bounded. */
    if (az->n_entries >= CACHE_MAX_ENTRIES || az->pool_len > (1u << 30)) {
        memset(az->slots, 0, ((size_t)1 << CACHE_BITS) * sizeof *az->slots);
        az->n_entries = 0;
        az->pool_len = 0;
    }
    size_t need = 2 + len + sl;
    if (az->pool_len + need > az->pool_cap) {
        az->pool_cap = az->pool_cap ? az->pool_cap * 2 : 1 << 16;
        az->pool = pb_realloc(az->pool, az->pool_cap);
    }
    unsigned char *e = (unsigned char *)az->pool + az->pool_len;
    e[0] = (unsigned char)len;
    e[1] = (unsigned char)sl;
    memcpy(e + 2, w, len);
    memcpy(e + 2 + len, out, sl);
    for (uint32_t i = h & mask;; i = (i + 1) & mask)
        if (!az->slots[i]) {
            az->slots[i] = (uint32_t)az->pool_len + 1;
            break;
        }
    az->pool_len += need;
    az->n_entries++;
    return sl;
}

/* Decode one UTF-8 character at p[i]; invalid bytes read as U+FFFD. */
static int32_t decode(const unsigned char *p, size_t len, size_t *i)
{
    unsigned c = p[*i];
    size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c < 0xC2 || c > 0xF4 || *i + n > len ||
        pb_utf8_check((const char *)p + *i, n) != n) {
        (*i)++;
        return 0xFFFD;
    }
    int32_t cp = (int32_t)(c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07));
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (p[*i + k] & 0x3F);
    *i += n;
    return cp;
}

static void push_cp(struct pb_analyzer *az, int32_t cp, size_t s, size_t e)
{
    if (az->n_cps == az->cap_cps) {
        az->cap_cps = az->cap_cps ? az->cap_cps * 2 : 1024;
        az->cps = pb_reallocarray(az->cps, az->cap_cps, sizeof *az->cps);
    }
    az->cps[az->n_cps++] = (struct ncp){cp, (uint32_t)s, (uint32_t)e};
}

static void normalise(struct pb_analyzer *az, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    az->n_cps = 0;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c < 0x80) {
            push_cp(az, (int32_t)(c >= 'A' && c <= 'Z' ? c + 32 : c), i, i + 1);
            i++;
            continue;
        }
        size_t st = i;
        int32_t cp = decode(p, len, &i);
        int32_t buf[32];
        utf8proc_ssize_t n = utf8proc_decompose_char(
            cp, buf, 32,
            UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                UTF8PROC_STRIPMARK,
            NULL);
        if (n < 0 || n > 32) {
            push_cp(az, 0xFFFD, st, i);
            continue;
        }
        for (utf8proc_ssize_t k = 0; k < n; k++)
            push_cp(az, buf[k], st, i);
    }
}

static int is_word(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

static int is_digit(int32_t cp) { return cp >= '0' && cp <= '9'; }
static int is_lower(int32_t cp) { return cp >= 'a' && cp <= 'z'; }

static int is_joiner(int32_t cp)
{
    return cp == '-' || cp == '.' || cp == '/' || cp == '_' || cp == 0x2010 ||
           cp == 0x2011;
}

struct emit {
    struct pb_analyzer *az;
    pb_token_fn fn;
    void *ctx;
    int nostem;
};

static int digits_at(const struct ncp *c, size_t n, size_t i, size_t k)
{
    if (i + k > n)
        return 0;
    for (size_t j = 0; j < k; j++)
        if (!is_digit(c[i + j].cp))
            return 0;
    return 1;
}

/* Length in code points of an arXiv id or DOI starting at cps[i], or 0.
 * The ASCII text of the term goes into out (lower case, cap bytes). */
static size_t match_id(const struct ncp *c, size_t n, size_t i, char *out,
                       size_t cap, size_t *out_len)
{
    size_t j = i, m;
    char raw[PB_MAX_ID + 8];
    *out_len = 0;
    static const char arx[] = "arxiv:", doi[] = "doi:";
    size_t pre = 0;
    for (m = 0; m < 6 && j + m < n && c[j + m].cp == arx[m]; m++)
        ;
    if (m == 6)
        pre = 6;
    else {
        for (m = 0; m < 4 && j + m < n && c[j + m].cp == doi[m]; m++)
            ;
        if (m == 4)
            pre = 4;
    }
    j += pre;
    /* DOI: 10.NNNN/suffix up to white space, minus trailing punctuation. */
    if (j + 8 < n && c[j].cp == '1' && c[j + 1].cp == '0' &&
        c[j + 2].cp == '.' && digits_at(c, n, j + 3, 4)) {
        size_t k = j + 7;
        while (k < n && is_digit(c[k].cp))
            k++;
        if (k < n && c[k].cp == '/' && k - j - 3 <= 9) {
            size_t e = k + 1;
            while (e < n && c[e].cp > 0x20 && c[e].cp < 0x7F &&
                   !strchr("\"'<>", (int)c[e].cp))
                e++;
            while (e > k + 1 && strchr(".,;:)]}", (int)c[e - 1].cp))
                e--;
            if (e > k + 1 && e - j < cap) {
                for (size_t q = j; q < e; q++)
                    out[q - j] = (char)c[q].cp;
                *out_len = e - j;
                return e - i;
            }
        }
    }
    /* arXiv: new style NNNN.NNNN(N), old style archive(.XX)/NNNNNNN. */
    size_t e = 0;
    if (digits_at(c, n, j, 4) && j + 4 < n && c[j + 4].cp == '.' &&
        digits_at(c, n, j + 5, 4)) {
        e = j + 9;
        if (e < n && is_digit(c[e].cp))
            e++;
    } else if (j < n && is_lower(c[j].cp)) {
        size_t k = j;
        while (k < n && (is_lower(c[k].cp) || c[k].cp == '-') && k - j < 20)
            k++;
        if (k + 3 < n && c[k].cp == '.' && is_lower(c[k + 1].cp) &&
            is_lower(c[k + 2].cp))
            k += 3;
        if (k < n && c[k].cp == '/' && digits_at(c, n, k + 1, 7))
            e = k + 8;
    }
    if (!e)
        return 0;
    if (e + 1 < n && c[e].cp == 'v' && is_digit(c[e + 1].cp)) {
        e++;
        while (e < n && is_digit(c[e].cp))
            e++;
    }
    if (e < n && (is_word(c[e].cp) ||
                  (e + 1 < n && c[e].cp == '.' && is_digit(c[e + 1].cp))))
        return 0;
    if (e - j >= sizeof raw)
        return 0;
    for (size_t q = j; q < e; q++)
        raw[q - j] = (char)c[q].cp;
    int version;
    if (pb_arxiv_id_parse(raw, e - j, out, &version) != PB_OK)
        return 0;
    *out_len = strlen(out);
    for (size_t q = 0; q < *out_len; q++)
        if (out[q] >= 'A' && out[q] <= 'Z')
            out[q] = (char)(out[q] + 32);
    (void)cap;
    return e - i;
}

/* UTF-8 of cps[a..b), NFC-composed when not ASCII; 0 when over the cap. */
static size_t part_text(const struct ncp *c, size_t a, size_t b, char *out,
                        int *has_digit)
{
    int32_t tmp[PB_TERM_MAX];
    size_t n = 0, len = 0;
    int ascii = 1;
    *has_digit = 0;
    if (b - a > PB_TERM_MAX)
        return 0;
    for (size_t i = a; i < b; i++) {
        tmp[n++] = c[i].cp;
        if (c[i].cp >= 0x80)
            ascii = 0;
        else if (is_digit(c[i].cp))
            *has_digit = 1;
    }
    if (!ascii) {
        utf8proc_ssize_t r =
            utf8proc_normalize_utf32(tmp, (utf8proc_ssize_t)n,
                                     UTF8PROC_COMPOSE | UTF8PROC_STABLE);
        if (r < 0)
            return 0;
        n = (size_t)r;
    }
    for (size_t i = 0; i < n; i++) {
        char u[4];
        size_t k = pb_utf8_encode((unsigned)tmp[i], u);
        if (len + k > PB_TERM_MAX)
            return 0;
        memcpy(out + len, u, k);
        len += k;
    }
    return len;
}

static int emit_term(struct emit *em, const char *w, size_t len, int digit,
                     uint32_t pos, size_t s, size_t e, unsigned flags)
{
    char st[PB_TERM_MAX];
    struct pb_token t = {w, len, pos, s, e, flags};
    if (!digit && em->nostem) {
        t.len = len > PB_TERM_MAX ? PB_TERM_MAX : len;
        t.flags |= PB_TOK_STEM;
    } else if (!digit) {
        t.len = pb_analyzer_stem(em->az, w, len, st);
        t.p = st;
    }
    return em->fn(em->ctx, &t);
}

#define MAX_PARTS 16

static int tokenise(struct emit *em, uint32_t pos0, uint32_t *out_pos)
{
    struct pb_analyzer *az = em->az;
    const struct ncp *c = az->cps;
    size_t n = az->n_cps, i = 0;
    uint32_t pos = pos0;
    int rc = PB_OK;
    while (i < n && rc == PB_OK) {
        if (!is_word(c[i].cp)) {
            i++;
            continue;
        }
        char idt[PB_MAX_ID + 64];
        size_t idlen, m = 0;
        if (i == 0 || c[i - 1].cp != '/')
            m = match_id(c, n, i, idt, sizeof idt, &idlen);
        if (m && idlen <= PB_TERM_MAX) {
            struct pb_token t = {idt, idlen, pos++, c[i].s, c[i + m - 1].e,
                                 PB_TOK_ID};
            rc = em->fn(em->ctx, &t);
            i += m;
            continue;
        }
        /* Gather the compound: parts [ps[k], pe[k]) joined by one joiner. */
        size_t ps[MAX_PARTS], pe[MAX_PARTS], np = 0, j = i;
        for (;;) {
            size_t k = j;
            while (k < n && (is_word(c[k].cp) ||
                             (c[k].cp == '.' && k > j && is_digit(c[k - 1].cp) &&
                              k + 1 < n && is_digit(c[k + 1].cp))))
                k++;
            if (np < MAX_PARTS) {
                ps[np] = j;
                pe[np] = k;
                np++;
            } else {
                break; /* the rest starts a new compound */
            }
            j = k;
            if (k + 1 < n && is_joiner(c[k].cp) && is_word(c[k + 1].cp)) {
                j = k + 1;
                continue;
            }
            /* Possessive 's is dropped; other apostrophes split words. */
            if (k + 1 < n && (c[k].cp == '\'' || c[k].cp == 0x2019) &&
                c[k + 1].cp == 's' && (k + 2 >= n || !is_word(c[k + 2].cp)))
                j = k + 2;
            break;
        }
        char parts[MAX_PARTS][PB_TERM_MAX];
        size_t plen[MAX_PARTS];
        int pdig[MAX_PARTS];
        size_t total = 0;
        int joinable = np >= 2 && np <= 4, any_digit = 0;
        for (size_t k = 0; k < np; k++) {
            plen[k] = part_text(c, ps[k], pe[k], parts[k], &pdig[k]);
            if (!plen[k])
                joinable = 0;
            total += plen[k];
            any_digit |= pdig[k];
        }
        if (joinable && total <= PB_TERM_MAX) {
            char jt[PB_TERM_MAX];
            size_t off = 0;
            for (size_t k = 0; k < np; k++) {
                memcpy(jt + off, parts[k], plen[k]);
                off += plen[k];
            }
            rc = emit_term(em, jt, total, any_digit, pos, c[ps[0]].s,
                           c[pe[np - 1] - 1].e, PB_TOK_JOINED);
        }
        for (size_t k = 0; k < np && rc == PB_OK; k++, pos++) {
            if (!plen[k])
                continue;
            if (!pdig[k] && pb_text_is_stopword(parts[k], plen[k]))
                continue;
            rc = emit_term(em, parts[k], plen[k], pdig[k], pos, c[ps[k]].s,
                           c[pe[k] - 1].e, 0);
        }
        i = j > i ? j : i + 1;
    }
    if (out_pos)
        *out_pos = pos;
    return rc;
}

static int needs_latex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\\' || ch == '$' || ch == '{' || ch == '}' || ch == '~')
            return 1;
    }
    return 0;
}

int pb_analyze(struct pb_analyzer *az, const char *s, size_t len,
               unsigned flags, uint32_t pos0, pb_token_fn fn, void *ctx,
               uint32_t *out_pos)
{
    int rc = PB_OK;
    az->text = s;
    az->text_len = len;
    if (!(flags & PB_AN_PLAIN) && needs_latex(s, len)) {
        pb_buf_reset(&az->conv);
        rc = pb_text_latex_convert(s, len, PB_LATEX_INDEX, &az->conv);
        if (rc)
            goto out;
        az->text = pb_buf_cstr(&az->conv);
        az->text_len = az->conv.len;
    }
    normalise(az, az->text, az->text_len);
    struct emit em = {az, fn, ctx, (flags & PB_AN_NOSTEM) != 0};
    rc = tokenise(&em, pos0, out_pos);
out:
    if (rc && out_pos)
        *out_pos = pos0;
    return rc;
}
