/* test_text.c - the analyser and the LaTeX-to-text conversion. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/buf.h"
#include "core/utf8.h"
#include "harness.h"
#include "text/analyze.h"
#include "text/latex_plain.h"

static struct pb_analyzer *az;

static int collect(void *ctx, const struct pb_token *t)
{
    struct pb_buf *b = ctx;
    int rc = PB_OK;
    if (b->len)
        rc = pb_buf_putc(b, ' ');
    if (!rc)
        rc = pb_buf_append(b, t->p, t->len);
    if (!rc && (t->flags & PB_TOK_JOINED))
        rc = pb_buf_putc(b, '*');
    if (!rc && (t->flags & PB_TOK_ID))
        rc = pb_buf_putc(b, '#');
    return rc;
}

/* The terms of s, space separated; joined forms end in '*', ids in '#'. */
static char *terms(const char *s)
{
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    uint32_t next;
    int rc = pb_analyze(az, s, strlen(s), 0, 0, collect, &b, &next);
    CHECK_EQ(rc, PB_OK);
    return pb_buf_steal(&b);
}

static const struct {
    const char *in, *want;
} cases[] = {
    {"Graph Neural Networks", "graph neural network"},
    {"the models of a system", "model system"},
    {"vision-language models", "visionlanguag* vision languag model"},
    {"GPT-4 and BERT-base", "gpt4* gpt 4 bertbas* bert base"},
    {"k-means clustering", "kmean* k mean cluster"},
    {"3D reconstruction", "3d reconstruct"},
    {"Schr\xc3\xb6""dinger equation", "schroding equat"},
    {"{\\\"o}ffentlich \\\"{U}ber", "offentlich uber"},
    {"\\emph{sparse} attention", "spars attent"},
    {"$\\mathcal{O}(n \\log n)$ time", "o n log n time"},
    {"$\\alpha$-stable", "alpha stabl"},
    {"see arXiv:2504.08385v2 now", "see 2504.08385# now"},
    {"hep-th/9901001 and math.GT/0309136", "hep-th/9901001# math/0309136#"},
    {"doi:10.1103/PhysRevLett.98.010401.", "10.1103/physrevlett.98.010401#"},
    {"version 1.5 of GPT-3.5", "version 1.5 gpt3.5* gpt 3.5"},
    {"the model's output", "model output"},
    {"\xef\xac\x81nite caf\xc3\xa9", "finit cafe"},
    {"CAFE\xcc\x81 ma\xc3\x9f", "cafe mass"},
    {"", ""},
    {"\xff\xfe bad \xc3", "bad"},
    {"state-of-the-art results", "stateoftheart* state art result"},
};

static void t_terms(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = terms(cases[i].in);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "  case %zu: \"%s\"\n", i, cases[i].in);
        CHECK_STR(got, cases[i].want);
        free(got);
    }
}

/* collect(), stemming PB_TOK_STEM words as the indexer does. */
static int collect_stem(void *ctx, const struct pb_token *t)
{
    if (!(t->flags & PB_TOK_STEM))
        return collect(ctx, t);
    char st[PB_TERM_MAX];
    struct pb_token u = *t;
    u.len = pb_analyzer_stem(az, t->p, t->len, st);
    u.p = st;
    return collect(ctx, &u);
}

/* PB_AN_NOSTEM then pb_analyzer_stem() gives the same terms. */
static void t_nostem(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_buf b;
        pb_buf_init(&b, 1 << 20);
        const char *in = cases[i].in;
        CHECK_EQ(pb_analyze(az, in, strlen(in), PB_AN_NOSTEM, 0, collect_stem,
                            &b, NULL),
                 PB_OK);
        char *got = pb_buf_steal(&b);
        CHECK_STR(got, cases[i].want);
        free(got);
    }
}

struct posrec {
    uint32_t pos[16];
    size_t start[16], end[16];
    int n;
};

static int rec_pos(void *ctx, const struct pb_token *t)
{
    struct posrec *r = ctx;
    if (r->n < 16) {
        r->pos[r->n] = t->pos;
        r->start[r->n] = t->start;
        r->end[r->n] = t->end;
        r->n++;
    }
    return PB_OK;
}

static void t_positions(void)
{
    struct posrec r = {0};
    const char *s = "the cat and the dog";
    uint32_t next = 0;
    CHECK_EQ(pb_analyze(az, s, strlen(s), PB_AN_PLAIN, 10, rec_pos, &r, &next),
             PB_OK);
    CHECK_EQ(r.n, 2);
    CHECK_EQ(r.pos[0], 11); /* stop words keep their positions */
    CHECK_EQ(r.pos[1], 14);
    CHECK_EQ(next, 15);
    CHECK_EQ(r.start[1], 16);
    CHECK_EQ(r.end[1], 19);
}

static void t_stop_and_stem(void)
{
    CHECK(pb_text_is_stopword("the", 3));
    CHECK(!pb_text_is_stopword("model", 5));
    char out[PB_TERM_MAX];
    size_t n = pb_analyzer_stem(az, "networks", 8, out);
    CHECK(n == 7 && memcmp(out, "network", 7) == 0);
    n = pb_analyzer_stem(az, "networks", 8, out); /* cached */
    CHECK(n == 7 && memcmp(out, "network", 7) == 0);
}

static void t_long_and_odd(void)
{
    /* A 100-letter word is skipped; control characters separate words. */
    char s[200];
    memset(s, 'x', 100);
    memcpy(s + 100, " ok\x01word", 9);
    char *got = terms(s);
    CHECK_STR(got, "ok word");
    free(got);
}

static const struct {
    const char *in, *want;
} plain_cases[] = {
    {"\\emph{Deep} learning", "Deep learning"},
    {"Schr{\\\"o}dinger", "Schrödinger"},
    {"Erd\\H{o}s and G\\\"odel", "Erdős and Gödel"},
    {"$\\alpha \\leq \\beta$", "α ≤ β"},
    {"100\\% of \\cite{foo} cases", "100% of cases"},
    {"pages 1--5 --- really", "pages 1–5 — really"},
    {"  a \n\n b  ", "a b"},
    {"\\unknown{kept} \\", "kept"},
    {"{\\ss}e \\c{c}a", "ße ça"},
    {"$\\mathcal{O}(n^2)$", "O(n^2)"},
    {"unbalanced {brace", "unbalanced brace"},
};

static void t_plain(void)
{
    for (size_t i = 0; i < sizeof plain_cases / sizeof plain_cases[0]; i++) {
        char *got = pb_text_latex_plain(plain_cases[i].in,
                                        strlen(plain_cases[i].in));
        CHECK_STR(got, plain_cases[i].want);
        free(got);
    }
}

/* NFC of the UTF-8 of cps[0..n) is itself. */
static int nfc_same(const uint32_t *cps, size_t n)
{
    char in[64];
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += pb_utf8_encode(cps[i], in + len);
    in[len] = 0;
    char *out = (char *)utf8proc_NFC((const utf8proc_uint8_t *)in);
    int same = out && strcmp(out, in) == 0;
    free(out);
    return same;
}

/* The code points pb_text_latex_plain() passes by utf8proc's NFC: NFC
 * leaves each alone, after and before a letter, doubled, and after
 * every 5th of them (so no two of them compose), and the text checks
 * agree with the code point check. */
static void t_nfc_inert(void)
{
    size_t n = 0, bad = 0;
    uint32_t firsts[600];
    size_t nf = 0;
    for (uint32_t cp = 1; cp < 0x2300; cp++)
        if (pb_text_nfc_inert_cp(cp) && cp % 5 == 0 && nf < 600)
            firsts[nf++] = cp;
    for (uint32_t cp = 1; cp < 0x30000; cp++) {
        if (!pb_text_nfc_inert_cp(cp))
            continue;
        n++;
        uint32_t one[1] = {cp}, e1[2] = {'e', cp}, e2[2] = {cp, 'e'},
                 d[2] = {cp, cp}, g[2] = {0x3B1, cp};
        int ok = nfc_same(one, 1) && nfc_same(e1, 2) && nfc_same(e2, 2) &&
                 nfc_same(d, 2) && nfc_same(g, 2);
        for (size_t k = 0; k < nf && ok; k++) {
            uint32_t p[2] = {firsts[k], cp};
            ok = nfc_same(p, 2);
        }
        if (!ok && bad++ < 5)
            fprintf(stderr, "  U+%04X is not NFC-inert\n", (unsigned)cp);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(n, 1317); /* 767 + 111 + 24 + 47 + 368 */
    CHECK(pb_text_nfc_inert("plain ascii", 11));
    CHECK(pb_text_nfc_inert("\xce\xb1 \xe2\x89\xa4 \xce\xb2 caf\xc3\xa9", 13));
    CHECK(!pb_text_nfc_inert("cafe\xcc\x81", 6));    /* combining acute */
    CHECK(!pb_text_nfc_inert("\xe2\x84\xab", 3));    /* angstrom sign */
    CHECK(!pb_text_nfc_inert("\xf0\x9f\x98\x80", 4)); /* 4-byte form */
    CHECK(!pb_text_nfc_inert("\xc3", 1));             /* cut short */
    CHECK(!pb_text_nfc_inert("\xe0\x80\xaf", 3));     /* overlong */
    /* and the conversion gives utf8proc's NFC either way */
    const char *in = "Schr{\\\"o}dinger $\\alpha$";
    char *a = pb_text_latex_plain(in, strlen(in));
    CHECK_STR(a, "Schrödinger α");
    free(a);
    a = pb_text_latex_plain("cafe\xcc\x81 \xe2\x84\xab", 10);
    CHECK_STR(a, "caf\xc3\xa9 \xc3\x85");
    free(a);
}

int main(void)
{
    az = pb_analyzer_new();
    static const struct pb_test T[] = {
        {"terms", t_terms},
        {"nostem", t_nostem},
        {"positions", t_positions},
        {"stop_and_stem", t_stop_and_stem},
        {"long_and_odd", t_long_and_odd},
        {"latex_plain", t_plain},
        {"nfc_inert", t_nfc_inert},
        {0},
    };
    int rc = pb_test_run(T);
    pb_analyzer_free(az);
    return rc;
}
