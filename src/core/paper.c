/* paper.c - the paper model: lifetime, ids, validation, links. */
#include "core/paper.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/mem.h"
#include "core/swar.h"
#include "core/utf8.h"

void pb_paper_init(struct pb_paper *p)
{
    memset(p, 0, sizeof *p);
    p->upvotes = -1;
    p->n_comments = -1;
    p->github_stars = -1;
}

void pb_strlist_clear(struct pb_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void pb_paper_clear(struct pb_paper *p)
{
    free(p->title);
    free(p->abstract);
    pb_strlist_clear(&p->authors);
    free(p->categories);
    free(p->submitter);
    free(p->github_repo);
    free(p->project_page);
    free(p->doi);
    free(p->journal_ref);
    free(p->comments);
    free(p->license);
    pb_strlist_clear(&p->keywords);
    free(p->summary);
    pb_strlist_clear(&p->links);
    free(p->listing_src);
    free(p->org);
    free(p->org_src);
    free(p->thumbnail);
    pb_strlist_clear(&p->media_urls);
    pb_paper_init(p);
}

void pb_paper_move(struct pb_paper *dst, struct pb_paper *src)
{
    if (dst == src)
        return;
    pb_paper_clear(dst);
    *dst = *src;
    pb_paper_init(src);
}

static void copy_list(struct pb_strlist *dst, const struct pb_strlist *src)
{
    for (size_t i = 0; i < src->n; i++)
        pb_strlist_push(dst, src->v[i], strlen(src->v[i]));
}

void pb_paper_copy(struct pb_paper *dst, const struct pb_paper *src)
{
    if (dst == src)
        return;
    pb_paper_clear(dst);
    *dst = *src;
    char **strs[] = {&dst->title,     &dst->abstract,     &dst->categories,
                     &dst->submitter, &dst->github_repo,  &dst->project_page,
                     &dst->doi,       &dst->journal_ref,  &dst->comments,
                     &dst->license,   &dst->summary,      &dst->listing_src,
                     &dst->org,       &dst->org_src,      &dst->thumbnail};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        *strs[i] = pb_strdup(*strs[i]);
    memset(&dst->authors, 0, sizeof dst->authors);
    memset(&dst->keywords, 0, sizeof dst->keywords);
    memset(&dst->links, 0, sizeof dst->links);
    memset(&dst->media_urls, 0, sizeof dst->media_urls);
    copy_list(&dst->authors, &src->authors);
    copy_list(&dst->keywords, &src->keywords);
    copy_list(&dst->links, &src->links);
    copy_list(&dst->media_urls, &src->media_urls);
}

void pb_str_set(char **slot, const char *p, size_t len)
{
    free(*slot);
    *slot = pb_strndup(p, len);
}

void pb_strlist_push(struct pb_strlist *l, const char *p, size_t len)
{
    /* grow by powers of two: n is a power of two exactly when full */
    if ((l->n & (l->n - 1)) == 0)
        l->v = pb_reallocarray(l->v, l->n ? l->n * 2 : 1, sizeof *l->v);
    l->v[l->n++] = pb_strndup(p, len);
}

char *pb_strlist_join(const struct pb_strlist *l, char sep)
{
    size_t total = 1;
    for (size_t i = 0; i < l->n; i++)
        total += strlen(l->v[i]) + 1;
    char *s = pb_malloc(total), *w = s;
    for (size_t i = 0; i < l->n; i++) {
        size_t k = strlen(l->v[i]);
        if (i)
            *w++ = sep;
        memcpy(w, l->v[i], k);
        w += k;
    }
    *w = '\0';
    return s;
}

void pb_strlist_split(struct pb_strlist *l, const char *s, char sep)
{
    if (!s)
        return;
    while (*s) {
        const char *e = strchr(s, sep);
        size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k)
            pb_strlist_push(l, s, k);
        s += k;
        if (*s)
            s++;
    }
}

int pb_strlist_eq(const struct pb_strlist *a, const struct pb_strlist *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return 0;
    return 1;
}

/* --- arXiv ids ------------------------------------------------------------ */

static int strip_prefix(const char **s, const char *end, const char *pre)
{
    size_t k = strlen(pre);
    if ((size_t)(end - *s) >= k && strncasecmp(*s, pre, k) == 0) {
        *s += k;
        return 1;
    }
    return 0;
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    return n > 0;
}

static int all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '0')
            return 0;
    return 1;
}

/* arXiv's archives of old-style ids (1991-2007), as arXiv lists them */
static int old_archive(const char *a, size_t n)
{
    static const char *const names[] = {
        "acc-phys", "adap-org", "alg-geom", "ao-sci",   "astro-ph",
        "atom-ph",  "bayes-an", "chao-dyn", "chem-ph",  "cmp-lg",
        "comp-gas", "cond-mat", "cs",       "dg-ga",    "funct-an",
        "gr-qc",    "hep-ex",   "hep-lat",  "hep-ph",   "hep-th",
        "math",     "math-ph",  "mtrl-th",  "nlin",     "nucl-ex",
        "nucl-th",  "patt-sol", "physics",  "plasm-ph", "q-alg",
        "q-bio",    "quant-ph", "solv-int", "supr-con",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], a, n) == 0)
            return 1;
    return 0;
}

/* Parse "vN" at p (up to end); returns chars used, 0 when absent. */
static size_t parse_version(const char *p, const char *end, int *v)
{
    if (p >= end || (*p != 'v' && *p != 'V'))
        return 0;
    const char *q = p + 1;
    long n = 0;
    while (q < end && isdigit((unsigned char)*q) && n < 100000)
        n = n * 10 + (*q++ - '0');
    if (q == p + 1 || n <= 0 || n >= 100000)
        return 0;
    *v = (int)n;
    return (size_t)(q - p);
}

int pb_arxiv_id_parse(const char *s, size_t len, char out[PB_MAX_ID],
                      int *out_version)
{
    const char *p = s, *end = s + len;
    int version = 0;
    while (p < end && isspace((unsigned char)*p))
        p++;
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    /* URLs and prefixes */
    if (!strip_prefix(&p, end, "https://"))
        strip_prefix(&p, end, "http://");
    strip_prefix(&p, end, "www.");
    strip_prefix(&p, end, "export.");
    if (strip_prefix(&p, end, "arxiv.org/")) {
        if (!strip_prefix(&p, end, "abs/") && !strip_prefix(&p, end, "pdf/") &&
            !strip_prefix(&p, end, "html/"))
            return PB_EINVAL;
    } else if (strip_prefix(&p, end, "huggingface.co/papers/")) {
    } else {
        strip_prefix(&p, end, "oai:arXiv.org:");
        strip_prefix(&p, end, "arXiv:");
    }
    if (end - p > 4 && strncasecmp(end - 4, ".pdf", 4) == 0)
        end -= 4;
    while (end > p && end[-1] == '/')
        end--;
    if (p >= end)
        return PB_EINVAL;

    /* new style (April 2007 on): YYMM.NNNN until 1412, YYMM.NNNNN from
     * 1501; optional vN */
    if (end - p >= 9 && all_digits(p, 4) && p[4] == '.') {
        const char *q = p + 5;
        size_t nd = 0;
        while (q + nd < end && isdigit((unsigned char)q[nd]))
            nd++;
        int yymm = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
                   (p[2] - '0') * 10 + (p[3] - '0');
        int mm = yymm % 100;
        if (mm < 1 || mm > 12 || yymm < 704)
            return PB_EINVAL;
        if (nd != (yymm >= 1501 ? 5u : 4u) || all_zero(q, nd))
            return PB_EINVAL;
        const char *r = q + nd;
        if (r < end) {
            size_t k = parse_version(r, end, &version);
            if (!k || r + k != end)
                return PB_EINVAL;
        }
        memcpy(out, p, (size_t)(q + nd - p));
        out[q + nd - p] = '\0';
        *out_version = version;
        return PB_OK;
    }
    /* old style (August 1991 to March 2007): archive[.SC]/YYMMNNN, archive
     * one of arXiv's archives of the time */
    const char *slash = memchr(p, '/', (size_t)(end - p));
    if (!slash)
        return PB_EINVAL;
    const char *a = p, *ae = slash;
    for (const char *c = a; c < ae; c++)
        if (*c == '.') {
            ae = c; /* drop the subject class */
            break;
        }
    if (!old_archive(a, (size_t)(ae - a)))
        return PB_EINVAL;
    if (ae != slash) { /* subject class: letters only */
        if (slash - ae < 2)
            return PB_EINVAL;
        for (const char *c = ae + 1; c < slash; c++)
            if (!isalpha((unsigned char)*c))
                return PB_EINVAL;
    }
    const char *num = slash + 1;
    if (end - num < 7 || !all_digits(num, 7))
        return PB_EINVAL;
    {
        int yy = (num[0] - '0') * 10 + (num[1] - '0');
        int mm = (num[2] - '0') * 10 + (num[3] - '0');
        int ym = (yy >= 91 ? 1900 + yy : 2000 + yy) * 100 + mm;
        if (mm < 1 || mm > 12 || ym < 199108 || ym > 200703 ||
            all_zero(num + 4, 3))
            return PB_EINVAL;
    }
    const char *r = num + 7;
    if (r < end) {
        size_t k = parse_version(r, end, &version);
        if (!k || r + k != end)
            return PB_EINVAL;
    }
    int n = snprintf(out, PB_MAX_ID, "%.*s/%.7s", (int)(ae - a), a, num);
    if (n < 0 || n >= PB_MAX_ID)
        return PB_EINVAL;
    *out_version = version;
    return PB_OK;
}

int pb_arxiv_id_from_number(const char *s, size_t len, char out[PB_MAX_ID],
                            char *why, size_t why_cap)
{
    size_t dot = 0, nd = 0;
    char digits[32];
    if (len == 0 || len > 30)
        goto bad;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' && !dot && i > 0)
            dot = i;
        else if (!isdigit((unsigned char)s[i]))
            goto bad;
    }
    if (dot < 3 || dot > 4 || dot + 1 >= len)
        goto bad;
    /* YYMM before the dot, the month padded back to four digits */
    int yymm = 0;
    for (size_t i = 0; i < dot; i++)
        yymm = yymm * 10 + (s[i] - '0');
    if (yymm % 100 < 1 || yymm % 100 > 12 || yymm < 704) {
        snprintf(why, why_cap, "\"%.*s\": %04d is no month of arXiv's "
                 "new-style ids (0704 on)", (int)len, s, yymm);
        return PB_EINVAL;
    }
    int width = yymm >= 1501 ? 5 : 4;
    /* the fraction as a decimal string, rounded to the width arXiv used:
     * a float kept 15-17 significant digits, so 0.0313199999998 is
     * 0.03132 and 0.106 is 0.1060 (trailing zeros were dropped) */
    nd = len - dot - 1;
    if (nd > sizeof digits - 1)
        nd = sizeof digits - 1;
    memcpy(digits, s + dot + 1, nd);
    long num = 0;
    for (int i = 0; i < width; i++)
        num = num * 10 + ((size_t)i < nd ? digits[i] - '0' : 0);
    if ((size_t)width < nd) {
        /* digits beyond the width must be float noise: all 9s or all 0s
         * after rounding, else the number cannot be an arXiv id */
        int nines = 1, zeros = 1;
        for (size_t i = (size_t)width; i < nd; i++) {
            nines &= digits[i] == '9';
            zeros &= digits[i] == '0';
        }
        int noise = nd - (size_t)width >= 4 &&
                    (nines || zeros ||
                     /* ...9999998, ...0000001: the last digit is noise */
                     (nd - (size_t)width >= 6 &&
                      (strspn(digits + width, "9") >= nd - width - 1 ||
                       strspn(digits + width, "0") >= nd - width - 1)));
        if (!noise) {
            snprintf(why, why_cap, "\"%.*s\": %zu digits after the dot, "
                     "arXiv used %d in %04d", (int)len, s, nd, width, yymm);
            return PB_EINVAL;
        }
        if (digits[width] >= '5')
            num++;
    }
    if (num < 1 || num >= (width == 5 ? 100000 : 10000)) {
        snprintf(why, why_cap, "\"%.*s\": no paper number", (int)len, s);
        return PB_EINVAL;
    }
    snprintf(out, PB_MAX_ID, "%04d.%0*ld", yymm, width, num);
    return PB_OK;
bad:
    snprintf(why, why_cap, "\"%.*s\"", (int)(len > 60 ? 60 : len), s);
    return PB_EINVAL;
}

void pb_paper_title_id(const char *title, size_t len, char out[PB_MAX_ID])
{
    /* Fold case and accents, keep letters and digits, one space between
     * words; then FNV-1a 64. */
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t n = utf8proc_map(
        (const utf8proc_uint8_t *)title, (utf8proc_ssize_t)len, &folded,
        UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
            UTF8PROC_DECOMPOSE | UTF8PROC_IGNORE);
    const unsigned char *src = (const unsigned char *)title;
    size_t srclen = len;
    if (n >= 0 && folded) {
        src = folded;
        srclen = (size_t)n;
    }
    uint64_t h = 1469598103934665603ULL;
    int pending_space = 0, any = 0;
    for (size_t i = 0; i < srclen; i++) {
        unsigned char c = src[i];
        int word = c >= 0x80 || isalnum(c);
        if (!word) {
            pending_space = any;
            continue;
        }
        if (pending_space) {
            h = (h ^ ' ') * 1099511628211ULL;
            pending_space = 0;
        }
        c = (unsigned char)tolower(c);
        h = (h ^ c) * 1099511628211ULL;
        any = 1;
    }
    free(folded);
    snprintf(out, PB_MAX_ID, "t-%016" PRIx64, h);
}

void pb_paper_primary_category(const struct pb_paper *p, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = '\0';
    if (!p->categories)
        return;
    const char *s = p->categories;
    while (*s == ' ')
        s++;
    size_t k = strcspn(s, " ");
    if (k >= cap)
        k = cap - 1;
    memcpy(out, s, k);
    out[k] = '\0';
}

/* --- validation ---------------------------------------------------------- */

static int check_text(char **slot, const char *name, size_t cap, char *why,
                      size_t why_cap)
{
    char *s = *slot;
    if (!s)
        return PB_OK;
    size_t len = strlen(s);
    if (len > cap) {
        snprintf(why, why_cap, "%s is %zu bytes, over the %zu-byte limit",
                 name, len, cap);
        return PB_ETOOBIG;
    }
    size_t bad = pb_utf8_check(s, len);
    if (bad != len) {
        snprintf(why, why_cap, "%s is not valid UTF-8 (byte %zu)", name, bad);
        return PB_EINVAL;
    }
    for (size_t i = 0; i < len;) {
        if (len - i >= 8 && !pb_swar_below(pb_swar_load(s + i), 0x20)) {
            i += 8;
            continue;
        }
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
            s[i] = ' ';
        i++;
    }
    return PB_OK;
}

static int check_list(struct pb_strlist *l, const char *name, size_t max_n,
                      size_t cap, char *why, size_t why_cap)
{
    if (l->n > max_n) {
        snprintf(why, why_cap, "%zu %s, over the limit of %zu", l->n, name,
                 max_n);
        return PB_ETOOBIG;
    }
    for (size_t i = 0; i < l->n; i++) {
        int rc = check_text(&l->v[i], name, cap, why, why_cap);
        if (rc)
            return rc;
        /* lists are stored newline-joined: no newline inside an item */
        for (char *c = l->v[i]; *c; c++)
            if (*c == '\n' || *c == '\t')
                *c = ' ';
    }
    return PB_OK;
}

int pb_paper_validate(struct pb_paper *p, char *why, size_t why_cap)
{
    int rc;
    if (!p->id[0]) {
        snprintf(why, why_cap, "no id");
        return PB_EINVAL;
    }
    if (!p->title || !p->title[0]) {
        snprintf(why, why_cap, "no title");
        return PB_EINVAL;
    }
    struct {
        char **slot;
        const char *name;
        size_t cap;
    } fields[] = {
        {&p->title, "title", PB_MAX_TITLE},
        {&p->abstract, "abstract", PB_MAX_ABSTRACT},
        {&p->categories, "categories", 4096},
        {&p->submitter, "submitter", PB_MAX_NAME},
        {&p->github_repo, "githubRepo", 2048},
        {&p->project_page, "projectPage", 2048},
        {&p->doi, "doi", 1024},
        {&p->journal_ref, "journal-ref", PB_MAX_FIELD},
        {&p->comments, "comments", PB_MAX_FIELD},
        {&p->license, "license", 2048},
        {&p->summary, "summary", PB_MAX_FIELD},
        {&p->thumbnail, "thumbnail", 2048},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if ((rc = check_text(fields[i].slot, fields[i].name, fields[i].cap, why,
                             why_cap)))
            return rc;
    if ((rc = check_list(&p->authors, "authors", PB_MAX_AUTHORS, PB_MAX_NAME,
                         why, why_cap)))
        return rc;
    if ((rc = check_list(&p->keywords, "keywords", PB_MAX_KEYWORDS, 1024, why,
                         why_cap)))
        return rc;
    if ((rc = check_list(&p->links, "links", PB_MAX_LINKS, 2048, why,
                         why_cap)))
        return rc;
    if ((rc = check_list(&p->media_urls, "mediaUrls", PB_MAX_LINKS, 2048,
                         why, why_cap)))
        return rc;
    if (p->categories)
        for (char *c = p->categories; *c; c++)
            if (*c == '\n' || *c == '\t')
                *c = ' ';
    return PB_OK;
}

/* --- links --------------------------------------------------------------- */

static const char *const link_hosts[] = {
    "github.com/", "gitlab.com/", "bitbucket.org/", "huggingface.co/",
    "codeberg.org/", "sourceforge.net/", "github.io",  "zenodo.org/",
    "pypi.org/",   "kaggle.com/",
};

static int is_link_host(const char *u, size_t n)
{
    for (size_t i = 0; i < sizeof link_hosts / sizeof link_hosts[0]; i++) {
        size_t k = strlen(link_hosts[i]);
        for (size_t j = 0; j + k <= n; j++)
            if (strncasecmp(u + j, link_hosts[i], k) == 0)
                return 1;
    }
    return 0;
}

static void scan_links(struct pb_strlist *out, const char *s)
{
    if (!s)
        return;
    const char *p = s;
    while ((p = strstr(p, "http"))) {
        size_t pre = 0;
        if (strncmp(p, "https://", 8) == 0)
            pre = 8;
        else if (strncmp(p, "http://", 7) == 0)
            pre = 7;
        if (!pre) {
            p += 4;
            continue;
        }
        size_t n = pre;
        while (p[n] && !isspace((unsigned char)p[n]) && p[n] != '"' &&
               p[n] != '<' && p[n] != '>' && p[n] != '}' && p[n] != '\\' &&
               n < 2048)
            n++;
        /* trailing punctuation belongs to the sentence, not the URL */
        while (n > pre && strchr(".,;:)]'", p[n - 1]))
            n--;
        if (n > pre + 3 && is_link_host(p + pre, n - pre) &&
            out->n < PB_MAX_LINKS) {
            int dup = 0;
            for (size_t i = 0; i < out->n; i++)
                if (strlen(out->v[i]) == n && !strncmp(out->v[i], p, n))
                    dup = 1;
            if (!dup)
                pb_strlist_push(out, p, n);
        }
        p += n;
    }
}

void pb_paper_extract_links(struct pb_paper *p)
{
    struct pb_strlist l = {0};
    scan_links(&l, p->abstract);
    scan_links(&l, p->comments);
    if (l.n) {
        pb_strlist_clear(&p->links);
        p->links = l;
    }
}
