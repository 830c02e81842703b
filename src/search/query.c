/* query.c - parse the query language (see query.h). */
#include "search/query.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/date.h"
#include "core/paper.h"
#include "core/utf8.h"
#include "search/index.h"

static void notice(struct pb_query *q, const char *msg)
{
    if (strstr(q->notice, msg))
        return;
    size_t n = strlen(q->notice);
    snprintf(q->notice + n, sizeof q->notice - n, "%s%s", n ? "; " : "", msg);
}

struct tokbuf {
    struct pb_qterm t[PB_QUERY_MAX_CLAUSES];
    unsigned flags[PB_QUERY_MAX_CLAUSES];
    size_t n;
    int overflow;
};

static int on_tok(void *ctx, const struct pb_token *t)
{
    struct tokbuf *b = ctx;
    if (b->n == PB_QUERY_MAX_CLAUSES) {
        b->overflow = 1;
        return PB_OK;
    }
    struct pb_qterm *q = &b->t[b->n];
    memcpy(q->t, t->p, t->len);
    q->t[t->len] = 0;
    q->len = (uint8_t)t->len;
    q->rel = t->pos;
    b->flags[b->n++] = t->flags;
    return PB_OK;
}

static int same_clause(const struct pb_qclause *a, const struct pb_qclause *b)
{
    if (a->occur != b->occur || a->fields != b->fields ||
        a->n_terms != b->n_terms)
        return 0;
    for (size_t i = 0; i < a->n_terms; i++)
        if (strcmp(a->terms[i].t, b->terms[i].t) != 0 ||
            a->terms[i].rel != b->terms[i].rel)
            return 0;
    return 1;
}

static void add_clause(struct pb_query *q, const struct pb_qclause *c)
{
    for (size_t i = 0; i < q->n_cl; i++)
        if (same_clause(&q->cl[i], c))
            return;
    if (q->n_cl == PB_QUERY_MAX_CLAUSES) {
        notice(q, "query cut to its first 64 terms");
        return;
    }
    q->cl[q->n_cl++] = *c;
}

/* Analyse text and add it as clauses: SHOULD words each on their own;
 * a phrase (quoted, or a required/excluded compound) as one clause. */
static void add_text(struct pb_query *q, struct pb_analyzer *az,
                     const char *s, size_t len, enum pb_occur occur,
                     unsigned fields, int quoted)
{
    struct tokbuf b;
    b.n = 0;
    b.overflow = 0;
    if (pb_analyze(az, s, len, PB_AN_PLAIN, 0, on_tok, &b, NULL) != PB_OK)
        return;
    if (b.overflow)
        notice(q, "query cut to its first 64 terms");
    struct pb_qclause c;
    memset(&c, 0, sizeof c);
    c.occur = occur;
    c.fields = fields;
    if (!quoted && occur == PB_SHOULD) {
        for (size_t i = 0; i < b.n; i++) {
            c.terms[0] = b.t[i];
            c.terms[0].rel = 0;
            c.n_terms = 1;
            add_clause(q, &c);
        }
        return;
    }
    /* A phrase: the parts in order (joined forms are alternatives of the
     * parts, so they are left out); one term alone is a term clause. */
    uint32_t base = 0;
    int first = 1;
    for (size_t i = 0; i < b.n; i++) {
        if (b.flags[i] & PB_TOK_JOINED)
            continue;
        if (c.n_terms == PB_QUERY_MAX_PHRASE) {
            notice(q, "phrase cut to its first 16 words");
            break;
        }
        if (first) {
            base = b.t[i].rel;
            first = 0;
        }
        c.terms[c.n_terms] = b.t[i];
        c.terms[c.n_terms].rel = b.t[i].rel - base;
        c.n_terms++;
    }
    if (c.n_terms)
        add_clause(q, &c);
}

static const struct {
    const char *name;
    int kind; /* 0..3 a field, 10 cat, 11 id, 12 after, 13 before, 14 year,
                 15 sort */
} fields[] = {
    {"title", PB_F_TITLE},       {"ti", PB_F_TITLE},
    {"abstract", PB_F_ABSTRACT}, {"abs", PB_F_ABSTRACT},
    {"author", PB_F_AUTHORS},    {"authors", PB_F_AUTHORS},
    {"au", PB_F_AUTHORS},        {"keyword", PB_F_KEYWORDS},
    {"keywords", PB_F_KEYWORDS}, {"kw", PB_F_KEYWORDS},
    {"cat", 10},                 {"category", 10},
    {"id", 11},                  {"arxiv", 11},
    {"after", 12},               {"since", 12},
    {"before", 13},              {"until", 13},
    {"year", 14},                {"sort", 15},
};

static int is_space(char c) { return c == ' '; }

/* A loose day: YYYY, YYYY-MM or YYYY-MM-DD; end selects the last day of a
 * year or month. */
static int parse_day(const char *s, size_t len, int end, int32_t *out)
{
    int64_t t;
    if (len == 10 && pb_day_parse(s, len, &t) == PB_OK) {
        *out = (int32_t)(t / 86400);
        return 1;
    }
    int y = 0, m = 1;
    if (len != 4 && len != 7)
        return 0;
    for (size_t i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        y = y * 10 + (s[i] - '0');
    }
    if (len == 7) {
        if (s[4] != '-' || s[5] < '0' || s[5] > '1' || s[6] < '0' || s[6] > '9')
            return 0;
        m = (s[5] - '0') * 10 + (s[6] - '0');
        if (m < 1 || m > 12)
            return 0;
    }
    int64_t day = pb_days_from_civil(y, (unsigned)m, 1);
    if (end) {
        int ny = len == 4 || m == 12 ? y + 1 : y;
        int nm = len == 4 || m == 12 ? 1 : m + 1;
        day = pb_days_from_civil(ny, (unsigned)nm, 1) - 1;
    }
    *out = (int32_t)day;
    return 1;
}

static void not_days(struct pb_query *q, int32_t lo, int32_t hi)
{
    if (q->n_not_days == 8) {
        notice(q, "too many negated date filters; extra ones ignored");
        return;
    }
    q->not_day_lo[q->n_not_days] = lo;
    q->not_day_hi[q->n_not_days++] = hi;
}

/* A filter; neg for its negation (-cat: and the like). */
static void filter(struct pb_query *q, int kind, const char *v, size_t len,
                   int neg)
{
    char tmp[64];
    int32_t day;
    switch (kind) {
    case 10: {
        char(*cats)[32] = neg ? q->not_cats : q->cats;
        size_t *n = neg ? &q->n_not_cats : &q->n_cats;
        if (len == 0 || len >= sizeof q->cats[0]) {
            notice(q, "bad category ignored");
        } else if (*n < 8) {
            memcpy(cats[*n], v, len);
            cats[(*n)++][len] = 0;
        }
        return;
    }
    case 11: {
        int version;
        char id[PB_MAX_ID];
        char(*ids)[64] = neg ? q->not_ids : q->ids;
        size_t *n = neg ? &q->n_not_ids : &q->n_ids;
        if (len && len < sizeof tmp && *n < 8) {
            if (pb_arxiv_id_parse(v, len, id, &version) == PB_OK) {
                snprintf(ids[(*n)++], sizeof q->ids[0], "%s", id);
            } else {
                memcpy(ids[*n], v, len);
                ids[(*n)++][len] = 0;
            }
        } else {
            notice(q, "bad id ignored");
        }
        return;
    }
    case 12:
    case 13:
        if (neg && parse_day(v, len, kind == 13, &day)) {
            /* -after:D is "before D", -before:D "after D" */
            if (kind == 12)
                not_days(q, day, INT32_MAX);
            else
                not_days(q, INT32_MIN + 1, day);
        } else if (parse_day(v, len, kind == 13, &day)) {
            if (kind == 12 && day > q->after_day)
                q->after_day = day;
            if (kind == 13 && day < q->before_day)
                q->before_day = day;
        } else {
            notice(q, kind == 12 ? "after: wants a date like 2019-01-31; ignored"
                                 : "before: wants a date like 2019-01-31; ignored");
        }
        return;
    case 14: {
        int32_t a, b;
        if (len == 4 && parse_day(v, 4, 0, &a) && parse_day(v, 4, 1, &b) &&
            neg) {
            not_days(q, a, b);
        } else if (len == 4 && parse_day(v, 4, 0, &a) &&
                   parse_day(v, 4, 1, &b)) {
            if (a > q->after_day)
                q->after_day = a;
            if (b < q->before_day)
                q->before_day = b;
        } else {
            notice(q, "year: wants a year like 2019; ignored");
        }
        return;
    }
    case 15:
        if (neg)
            notice(q, "-sort: means nothing; used as sort:");
        if ((len == 9 && !strncasecmp(v, "relevance", 9)) ||
            (len == 9 && !strncasecmp(v, "relevancy", 9)))
            q->sort = PB_SORT_RELEVANCE;
        else if ((len == 4 && !strncasecmp(v, "date", 4)) ||
                 (len == 3 && !strncasecmp(v, "new", 3)) ||
                 (len == 6 && !strncasecmp(v, "newest", 6)))
            q->sort = PB_SORT_DATE;
        else if ((len == 7 && !strncasecmp(v, "upvotes", 7)) ||
                 (len == 5 && !strncasecmp(v, "votes", 5)) ||
                 (len == 7 && !strncasecmp(v, "popular", 7)))
            q->sort = PB_SORT_UPVOTES;
        else
            notice(q, "sort: is relevance, date or upvotes; using relevance");
        return;
    default:
        return;
    }
}

/* Copy q into out (cap PB_QUERY_MAX_BYTES + 1) with invalid UTF-8 and
 * control characters as spaces. */
static size_t sanitise(struct pb_query *pq, const char *q, size_t len,
                       char *out)
{
    if (len > PB_QUERY_MAX_BYTES) {
        len = PB_QUERY_MAX_BYTES;
        /* back up to a character boundary */
        while (len > 0 && ((unsigned char)q[len] & 0xC0) == 0x80)
            len--;
        notice(pq, "query cut to its first 10 kB");
    }
    size_t i = 0, o = 0;
    int ctrl = 0;
    while (i < len) {
        size_t ok = pb_utf8_check(q + i, len - i);
        for (size_t k = 0; k < ok; k++) {
            unsigned char c = (unsigned char)q[i + k];
            if (c < 0x20 || c == 0x7F) {
                if (c != '\t' && c != '\n' && c != '\r')
                    ctrl = 1;
                c = ' ';
            }
            out[o++] = (char)c;
        }
        i += ok;
        if (i < len) {
            ctrl = 1;
            out[o++] = ' ';
            i++;
        }
    }
    out[o] = 0;
    if (ctrl)
        notice(pq, "control characters and invalid UTF-8 ignored");
    return o;
}

int pb_query_parse(struct pb_analyzer *az, const char *qs, size_t qlen,
                   struct pb_query *q)
{
    char buf[PB_QUERY_MAX_BYTES + 1];
    /* everything but the clause array (73 kB; clauses are written whole
     * before n_cl counts them) */
    memset(&q->n_cl, 0, sizeof *q - offsetof(struct pb_query, n_cl));
    q->after_day = INT32_MIN;
    q->before_day = INT32_MAX;
    size_t len = sanitise(q, qs, qlen, buf);
    int had_text = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && is_space(buf[i]))
            i++;
        if (i >= len)
            break;
        enum pb_occur occur = PB_SHOULD;
        if ((buf[i] == '+' || buf[i] == '-') && i + 1 < len &&
            !is_space(buf[i + 1])) {
            occur = buf[i] == '+' ? PB_MUST : PB_MUST_NOT;
            i++;
        }
        /* field: */
        int kind = -1;
        size_t j = i;
        while (j < len && ((buf[j] >= 'a' && buf[j] <= 'z') ||
                           (buf[j] >= 'A' && buf[j] <= 'Z')))
            j++;
        if (j > i && j + 1 < len && buf[j] == ':' && !is_space(buf[j + 1])) {
            for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
                if (strlen(fields[k].name) == j - i &&
                    strncasecmp(fields[k].name, buf + i, j - i) == 0)
                    kind = fields[k].kind;
            if (kind >= 0) {
                i = j + 1;
            } else if (!(j + 2 < len && buf[j + 1] == '/' && buf[j + 2] == '/') &&
                       !(j - i == 3 && !strncasecmp(buf + i, "doi", 3))) {
                char m[96];
                snprintf(m, sizeof m, "unknown field %.*s: searched as words",
                         (int)(j - i > 20 ? 20 : j - i), buf + i);
                notice(q, m);
                buf[j] = ' ';
            }
        }
        /* value */
        int quoted = 0;
        size_t vs, ve;
        if (buf[i] == '"') {
            quoted = 1;
            vs = ++i;
            while (i < len && buf[i] != '"')
                i++;
            ve = i;
            if (i < len)
                i++;
            else
                notice(q, "unbalanced quote: phrase runs to the end");
        } else {
            vs = i;
            while (i < len && !is_space(buf[i]))
                i++;
            ve = i;
        }
        if (kind >= 10) {
            filter(q, kind, buf + vs, ve - vs, occur == PB_MUST_NOT);
            continue;
        }
        if (ve > vs)
            had_text = 1;
        unsigned fmask = kind >= 0 ? 1u << kind : PB_F_ALL;
        if (quoted && occur == PB_SHOULD)
            occur = PB_MUST;
        add_text(q, az, buf + vs, ve - vs, occur, fmask, quoted);
    }
    if (pb_query_empty(q)) {
        if (had_text)
            notice(q, "only common words (stop words): nothing to search for");
        else
            notice(q, "empty query");
    }
    return PB_OK;
}

int pb_query_empty(const struct pb_query *q)
{
    return q->n_cl == 0 && q->n_cats == 0 && q->n_ids == 0 &&
           q->n_not_cats == 0 && q->n_not_ids == 0 && q->n_not_days == 0 &&
           q->after_day == INT32_MIN && q->before_day == INT32_MAX;
}
