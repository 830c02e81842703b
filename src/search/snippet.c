/* snippet.c - the best passage of an abstract for a query (see search.h). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "search/search.h"
#include "text/latex_plain.h"

/* Set by search.c's pb_searcher_analyzer(): the snippet reuses the
 * searcher's analyser. */
struct pb_analyzer *pb_searcher_analyzer(struct pb_searcher *s);

struct sctx {
    const struct pb_query *q;
    size_t starts[512], ends[512];
    int term[512]; /* clause index of the match */
    size_t n;
};

static int on_tok(void *ctx, const struct pb_token *t)
{
    struct sctx *c = ctx;
    if (c->n == 512)
        return PB_OK;
    for (size_t i = 0; i < c->q->n_cl; i++) {
        const struct pb_qclause *qc = &c->q->cl[i];
        if (qc->occur == PB_MUST_NOT)
            continue;
        for (size_t k = 0; k < qc->n_terms; k++)
            if (qc->terms[k].len == t->len &&
                memcmp(qc->terms[k].t, t->p, t->len) == 0) {
                /* a joined form overlapping the previous match replaces it */
                if (c->n && c->starts[c->n - 1] == t->start)
                    c->n--;
                if (c->n && t->start < c->ends[c->n - 1])
                    return PB_OK;
                c->starts[c->n] = t->start;
                c->ends[c->n] = t->end;
                c->term[c->n++] = (int)(i * PB_QUERY_MAX_PHRASE + k);
                return PB_OK;
            }
    }
    return PB_OK;
}

static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

void pb_search_snippet(struct pb_searcher *s, const char *abstract,
                       size_t len, size_t max_bytes, struct pb_snippet *out)
{
    memset(out, 0, sizeof *out);
    char *plain = pb_text_latex_plain(abstract ? abstract : "",
                                      abstract ? len : 0);
    size_t n = strlen(plain);
    if (max_bytes < 40)
        max_bytes = 40;
    struct sctx *c = pb_calloc(1, sizeof *c);
    c->q = pb_searcher_query(s);
    if (pb_analyze(pb_searcher_analyzer(s), plain, n, PB_AN_PLAIN, 0, on_tok,
                   c, NULL) != PB_OK)
        c->n = 0;
    /* the window starting at a match that covers most distinct terms */
    size_t best = 0, best_i = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t score = 0;
        int seen[64];
        size_t ns = 0;
        for (size_t j = i; j < c->n && c->ends[j] - c->starts[i] <= max_bytes; j++) {
            int dup = 0;
            for (size_t k = 0; k < ns; k++)
                dup |= seen[k] == c->term[j];
            if (!dup && ns < 64)
                seen[ns++] = c->term[j];
            score += dup ? 1 : 10;
        }
        if (score > best) {
            best = score;
            best_i = i;
        }
    }
    size_t a = 0;
    if (c->n && n > max_bytes) {
        a = c->starts[best_i];
        /* a little context before the first match, from a sentence start
         * when there is one close by */
        size_t lead = max_bytes / 5, back = a > lead ? a - lead : 0;
        size_t k = a;
        while (k > back && !(k >= 2 && plain[k - 1] == ' ' &&
                             plain[k - 2] == '.'))
            k--;
        if (k > back || back == 0)
            a = k;
        else {
            a = back;
            while (a < c->starts[best_i] && plain[a] != ' ')
                a++;
            if (a < c->starts[best_i])
                a++;
        }
    }
    size_t e = a + max_bytes < n ? a + max_bytes : n;
    if (e < n) {
        size_t k = e;
        while (k > a && plain[k] != ' ')
            k--;
        if (k > a)
            e = k;
        while (e > a && is_cont((unsigned char)plain[e]))
            e--;
    }
    if (a == 0 && e == n && n > max_bytes)
        e = max_bytes; /* no space anywhere: cut */
    while (e > a && e < n && is_cont((unsigned char)plain[e]))
        e--;
    struct pb_buf b;
    pb_buf_init(&b, max_bytes + 16);
    const char *ell = "…";
    size_t shift = 0;
    if (a > 0) {
        if (pb_buf_puts(&b, ell) == PB_OK)
            shift = b.len;
    }
    if (pb_buf_append(&b, plain + a, e - a) != PB_OK)
        e = a;
    if (e < n && pb_buf_puts(&b, ell) != PB_OK)
        (void)0;
    for (size_t i = 0; i < c->n && out->n_marks < 32; i++)
        if (c->starts[i] >= a && c->ends[i] <= e) {
            out->marks[out->n_marks].start = c->starts[i] - a + shift;
            out->marks[out->n_marks++].len = c->ends[i] - c->starts[i];
        }
    out->text = pb_buf_steal(&b);
    free(c);
    free(plain);
}

void pb_snippet_clear(struct pb_snippet *sn)
{
    free(sn->text);
    memset(sn, 0, sizeof *sn);
}
