/* test_ingest_json.c - the JSON tokenizer and the three JSON importers
 * (arXiv snapshot lines, Daily Papers, paperboy JSON lines) on hand-made
 * documents, through the same sink interface the import pipeline uses. */
#include "harness.h"

#include <lzma.h>
#include <zlib.h>

#include "ingest/ingest.h"
#include "ingest/fields.h"
#include "ingest/json_pull.h"
#include "ingest/pylit.h"

/* A sink that keeps papers and rejection reasons. */
#define MAXP 16
struct got {
    struct pb_paper p[MAXP];
    int n;
    char why[MAXP][256];
    uint64_t why_line[MAXP], why_entry[MAXP];
    int n_rej;
};

static int keep(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    (void)pos;
    struct got *g = ctx;
    if (g->n < MAXP) {
        pb_paper_init(&g->p[g->n]);
        pb_paper_move(&g->p[g->n++], p);
    }
    return PB_OK;
}

static void rej(void *ctx, const struct pb_srcpos *pos, const char *reason)
{
    struct got *g = ctx;
    if (g->n_rej < MAXP) {
        snprintf(g->why[g->n_rej], 256, "%s", reason);
        g->why_line[g->n_rej] = pos->line;
        g->why_entry[g->n_rej] = pos->entry;
    }
    g->n_rej++;
}

static int run(enum pb_format f, const char *name, const void *p, size_t len,
               struct got *g)
{
    memset(g, 0, sizeof *g);
    struct pb_reader *r = NULL;
    struct pb_err err = {0};
    if (pb_reader_open_mem(p, len, &r, &err) != PB_OK)
        return -1;
    struct pb_sink s = {keep, rej, g};
    int rc = pb_ingest_run(f, r, name, &s, &err);
    pb_reader_free(r);
    return rc;
}

static void got_clear(struct got *g)
{
    for (int i = 0; i < g->n && i < MAXP; i++)
        pb_paper_clear(&g->p[i]);
}

static void t_json_pull(void)
{
    const char *doc = "{\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\", true, "
                      "null, {}], \"b\\n\": false}";
    struct pb_jp jp;
    pb_jp_init(&jp, doc, strlen(doc));
    enum pb_jt want[] = {PB_JT_OBJ,  PB_JT_KEY,    PB_JT_ARR,  PB_JT_NUM,
                         PB_JT_NUM,  PB_JT_STR,    PB_JT_TRUE, PB_JT_NULL,
                         PB_JT_OBJ,  PB_JT_OBJ_END, PB_JT_ARR_END, PB_JT_KEY,
                         PB_JT_FALSE, PB_JT_OBJ_END, PB_JT_END};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        enum pb_jt t = pb_jp_next(&jp);
        CHECK_EQ(t, want[i]);
        if (i == 5)
            CHECK(jp.len == 7 && !memcmp(jp.s, "x\xc3\xa9\xf0\x9f\x98\x80", 7));
        if (i == 11)
            CHECK(jp.len == 2 && !memcmp(jp.s, "b\n", 2));
    }
    pb_jp_clear(&jp);
    static const char *const bad[] = {
        "{\"a\" 1}", "{\"a\": 1,}", "[1 2]", "{\"a\": \"\\ud800\"}",
        "{\"a\": \"\\u0000\"}", "\"\xff\"", "{\"a\": 01}", "[1] x", "[",
        "{\"a\": tru}", "{\"a\": \"x\ny\"}", "{\"a\": 1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pb_jp_init(&jp, bad[i], strlen(bad[i]));
        enum pb_jt t;
        int n = 0;
        while ((t = pb_jp_next(&jp)) != PB_JT_ERROR && t != PB_JT_END && n < 50)
            n++;
        if (t != PB_JT_ERROR)
            fprintf(stderr, "  accepted bad JSON: %s\n", bad[i]);
        CHECK_EQ(t, PB_JT_ERROR);
        pb_jp_clear(&jp);
    }
    /* depth cap */
    char deep[200];
    memset(deep, '[', sizeof deep);
    pb_jp_init(&jp, deep, sizeof deep);
    enum pb_jt t;
    while ((t = pb_jp_next(&jp)) == PB_JT_ARR)
        ;
    CHECK_EQ(t, PB_JT_ERROR);
    CHECK_STR(jp.err, "nested too deeply");
    pb_jp_clear(&jp);
}

static const char arxiv_doc[] =
    "{\"id\": \"0704.0002\", \"submitter\": null, \"authors\": \"Ileana "
    "Streinu, Louis Theran\", \"title\": \"Sparsity-certifying Graph\\n  "
    "Decompositions\", \"comments\": \"Code at https://github.com/a/b\", "
    "\"journal-ref\": null, \"doi\": \"10.1/x\", \"categories\": \"math.CO "
    "cs.CG\", \"license\": null, \"abstract\": \"  We describe $(k,\\\\ell)$"
    " games.\\n\", \"versions\": [{\"version\": \"v1\", \"created\": \"Fri, 30 "
    "Mar 2007 00:00:00 GMT\"}, {\"version\": \"v2\", \"created\": \"Sat, 31 "
    "Mar 2007 00:00:00 GMT\"}], \"update_date\": \"2008-12-13\"}\n"
    "\n"
    "{\"id\": \"808.106\", \"authors\": \"A. One, B. Two and C. Three (MIT)\", "
    "\"title\": \"Float id\", \"abstract\": \"x\", \"categories\": \"hep-th\","
    " \"versions\": []}\n"
    "{\"id\": \"1710.0313199999998\", \"title\": \"Float id 2\", "
    "\"abstract\": \"y\", \"versions\": []}\n"
    "{\"id\": \"hep-th/9901001\", \"title\": \"Old style\", \"abstract\": "
    "\"z\", \"authors\": \"Q. Physicist\"}\n"
    "{\"id\": \"not-an-id\", \"title\": \"bad\"}\n"
    "{\"id\": \"0704.0003\", \"title\": \"truncated\n"
    "[1, 2]\n"
    "{\"id\": \"0704.0004\", \"title\": \"bad utf8 \xff\"}\n";

static void t_arxiv(void)
{
    struct got g;
    CHECK_EQ(run(PB_FMT_UNKNOWN, "a.jsonl", arxiv_doc, sizeof arxiv_doc - 1, &g),
             PB_OK);
    CHECK_EQ(g.n, 4);
    CHECK_EQ(g.n_rej, 4);
    struct pb_paper *p = &g.p[0];
    CHECK_STR(p->id, "0704.0002");
    CHECK_EQ(p->version, 2);
    CHECK_STR(p->title, "Sparsity-certifying Graph Decompositions");
    CHECK_STR(p->abstract, "We describe $(k,\\ell)$ games.");
    CHECK_EQ(p->authors.n, 2);
    CHECK_STR(p->authors.v[1], "Louis Theran");
    CHECK_STR(p->categories, "math.CO cs.CG");
    CHECK_EQ(p->published, 1175212800);
    CHECK_EQ(p->updated, 1229126400); /* update_date is later than v2 */
    CHECK_STR(p->doi, "10.1/x");
    CHECK(p->license == NULL && p->submitter == NULL);
    CHECK_EQ(p->links.n, 1);
    CHECK_EQ(p->sources, PB_SRC_ARXIV_SNAPSHOT);
    CHECK_STR(g.p[1].id, "0808.1060");
    CHECK_EQ(g.p[1].authors.n, 3);
    if (g.p[1].authors.n == 3)
        CHECK_STR(g.p[1].authors.v[2], "C. Three");
    CHECK_STR(g.p[2].id, "1710.03132");
    CHECK_STR(g.p[3].id, "hep-th/9901001");
    CHECK_EQ(g.why_line[0], 6);
    CHECK_STR(g.why[0], "\"id\" is not an arXiv id: \"not-an-id\"");
    CHECK_EQ(g.why_line[1], 7);
    CHECK(strstr(g.why[1], "unterminated string") != NULL);
    CHECK_EQ(g.why_line[2], 8);
    CHECK(strstr(g.why[2], "not a JSON object") != NULL);
    CHECK(strstr(g.why[3], "invalid UTF-8") != NULL);
    got_clear(&g);
}

static const char hf_bare[] =
    "[{\"paper\": {\"id\": \"2505.24864\", \"authors\": [{\"_id\": \"1\", "
    "\"name\": \"Mingjie Liu\"}, {\"name\": \"Shizhe Diao\"}], "
    "\"publishedAt\": \"2025-05-30T17:59:01.000Z\", \"submittedOnDailyAt\": "
    "\"2025-06-02T03:18:21.654Z\", \"title\": \"ProRL: Prolonged\\n  RL\", "
    "\"summary\": \"Recent [advances] {x}\", \"upvotes\": 35, "
    "\"githubRepo\": \"https://github.com/NVlabs/ProRL\", \"githubStars\": 12,"
    " \"ai_summary\": \"Short.\", \"ai_keywords\": [\"RL\", \"KL "
    "divergence\"]}, \"publishedAt\": \"2025-05-30T13:59:01.000Z\", "
    "\"title\": \"ProRL\", \"numComments\": 3, \"submittedBy\": {\"user\": "
    "\"shizhediao\", \"fullname\": \"Shizhe Diao\"}},\n"
    " \"{'paper': {'id': '2412.15115', 'title': \\\"Qwen2.5\\\"}}\",\n"
    " {\"paper\": {\"title\": \"no id\"}},\n"
    " 42]";

static void t_hf_bare(void)
{
    struct got g;
    CHECK_EQ(run(PB_FMT_UNKNOWN, "/x/2025-06-02.json", hf_bare,
                 sizeof hf_bare - 1, &g),
             PB_OK);
    CHECK_EQ(g.n, 2);
    CHECK_EQ(g.n_rej, 2);
    struct pb_paper *p = &g.p[0];
    CHECK_STR(p->id, "2505.24864");
    CHECK_STR(p->title, "ProRL: Prolonged RL");
    CHECK_STR(p->abstract, "Recent [advances] {x}");
    CHECK_EQ(p->authors.n, 2);
    CHECK_STR(p->listed_day, "2025-06-02");
    CHECK_EQ(p->published, 1748627941);
    CHECK_EQ(p->upvotes, 35);
    CHECK_EQ(p->n_comments, 3);
    CHECK_EQ(p->github_stars, 12);
    CHECK_STR(p->github_repo, "https://github.com/NVlabs/ProRL");
    CHECK_STR(p->submitter, "shizhediao");
    CHECK_STR(p->summary, "Short.");
    CHECK_EQ(p->keywords.n, 2);
    CHECK_EQ(p->sources, PB_SRC_HF_DAILY);
    /* the listing: when, and the entry for the API without the texts */
    CHECK_EQ(p->submitted_at, 1748834301);
    CHECK(p->listing_src != NULL);
    CHECK(strstr(p->listing_src, "\"numComments\":3") != NULL);
    CHECK(strstr(p->listing_src, "\"_id\":\"1\"") != NULL);
    CHECK(strstr(p->listing_src, "Prolonged") == NULL);
    CHECK(strstr(p->listing_src, "advances") == NULL);
    /* the Python repr entry is read as the object it spells */
    CHECK_STR(g.p[1].id, "2412.15115");
    CHECK_STR(g.p[1].title, "Qwen2.5");
    CHECK_STR(g.p[1].listed_day, "2025-06-02");
    CHECK_EQ(g.why_entry[0], 3);
    CHECK_STR(g.why[0], "paper.id is missing");
    CHECK_EQ(g.why_entry[1], 4);
    CHECK_STR(g.why[1], "entry is a non-object value, not a JSON object");
    got_clear(&g);
}

static void t_hf_wrapped_and_broken(void)
{
    const char *wrapped =
        "{\"status\": \"ok\", \"date\": \"2025-01-10\", \"count\": 1, "
        "\"note\": \"a [tricky] {string}\", \"data\": [{\"paper\": {\"id\": "
        "\"2501.00001\", \"title\": \"W\", \"summary\": \"s\", "
        "\"submittedOnDailyAt\": \"2025-01-10T01:00:00Z\"}}]}";
    struct got g;
    CHECK_EQ(run(PB_FMT_UNKNOWN, "wrapped.json", wrapped, strlen(wrapped), &g),
             PB_OK);
    CHECK_EQ(g.n, 1);
    CHECK_EQ(g.n_rej, 0);
    if (g.n)
        CHECK_STR(g.p[0].listed_day, "2025-01-10");
    got_clear(&g);
    /* truncated in the middle of the second element: the first is kept */
    const char *trunc = "[{\"paper\": {\"id\": \"2501.00002\", \"title\": "
                        "\"T\"}}, {\"paper\": {\"id\": \"2501.000";
    CHECK_EQ(run(PB_FMT_HF_DAILY, "t.json", trunc, strlen(trunc), &g),
             PB_EPARSE);
    CHECK_EQ(g.n, 1);
    CHECK_EQ(g.n_rej, 1);
    CHECK(strstr(g.why[0], "truncated") != NULL);
    got_clear(&g);
    CHECK_EQ(run(PB_FMT_HF_DAILY, "e.json", "", 0, &g), PB_EPARSE);
    CHECK_EQ(g.n_rej, 1);
    got_clear(&g);
}

static void t_pb_jsonl(void)
{
    const char *doc =
        "{\"title\": \"Only a title\", \"abstract\": \"And an abstract.\"}\n"
        "{\"id\": \"2401.00001v3\", \"title\": \"Full\", \"authors\": [\"A\", "
        "\"B\"], \"listed_day\": \"2024-01-02\", \"upvotes\": 4, "
        "\"published\": \"2024-01-01T00:00:00Z\", \"sources\": [\"hf-daily\"]}\n"
        "{\"abstract\": \"no title\"}\n"
        "{\"title\": \"bad day\", \"listed_day\": \"2024-02-30\"}\n"
        "{\"title\": \"bad id\", \"id\": \"nope\"}\n"
        "not json\n";
    struct got g;
    CHECK_EQ(run(PB_FMT_UNKNOWN, "p.jsonl", doc, strlen(doc), &g), PB_OK);
    CHECK_EQ(g.n, 2);
    CHECK_EQ(g.n_rej, 4);
    CHECK(strncmp(g.p[0].id, "t-", 2) == 0);
    CHECK_EQ(g.p[0].sources, PB_SRC_JSONL);
    CHECK_STR(g.p[1].id, "2401.00001");
    CHECK_EQ(g.p[1].version, 3);
    CHECK_EQ(g.p[1].upvotes, 4);
    CHECK_STR(g.p[1].listed_day, "2024-01-02");
    CHECK_EQ(g.p[1].sources, PB_SRC_HF_DAILY);
    CHECK_STR(g.why[0], "no \"title\"");
    CHECK_STR(g.why[1], "\"listed_day\" is not a YYYY-MM-DD day");
    got_clear(&g);
}

static void t_compressed(void)
{
    /* the same document through gzip and xz */
    const char *doc = "{\"title\": \"Compressed\", \"abstract\": \"x\"}\n";
    unsigned char gz[256], xz[256];
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)doc;
    z.avail_in = (uInt)strlen(doc);
    z.next_out = gz;
    z.avail_out = sizeof gz;
    deflate(&z, Z_FINISH);
    size_t gz_len = sizeof gz - z.avail_out;
    deflateEnd(&z);
    size_t xz_len = 0;
    CHECK_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
                                     (const uint8_t *)doc, strlen(doc), xz,
                                     &xz_len, sizeof xz),
             LZMA_OK);
    struct got g;
    CHECK_EQ(run(PB_FMT_UNKNOWN, "c.jsonl.gz", gz, gz_len, &g), PB_OK);
    CHECK_EQ(g.n, 1);
    got_clear(&g);
    CHECK_EQ(run(PB_FMT_UNKNOWN, "c.jsonl.xz", xz, xz_len, &g), PB_OK);
    CHECK_EQ(g.n, 1);
    got_clear(&g);
    /* truncated xz (the stream footer is cut): the complete record is
     * delivered, then a clear error */
    CHECK_EQ(run(PB_FMT_PB_JSONL, "c.jsonl.xz", xz, xz_len - 10, &g), PB_EPARSE);
    CHECK_EQ(g.n, 1);
    CHECK_EQ(g.n_rej, 1);
    CHECK(strstr(g.why[0], "xz") != NULL);
    got_clear(&g);
    /* binary and unknown content are refused before any importer runs */
    CHECK_EQ(run(PB_FMT_UNKNOWN, "b.bin", "\x01\x02\x00\x03", 4, &g), PB_EUNSUP);
    CHECK_EQ(run(PB_FMT_UNKNOWN, "u.txt", "hello", 5, &g), PB_EUNSUP);
}

static void t_long_line(void)
{
    /* a line over the cap is skipped whole; the next one still imports */
    size_t big = 70000;
    char *doc = malloc(big + 100);
    size_t n = 0;
    n += (size_t)snprintf(doc, 100, "{\"title\": \"");
    memset(doc + n, 'a', big);
    n += big;
    n += (size_t)snprintf(doc + n, 100, "\"}\n{\"title\": \"next\"}\n");
    struct pb_reader *r = NULL;
    struct pb_err err;
    CHECK_EQ(pb_reader_open_mem(doc, n, &r, &err), PB_OK);
    pb_reader_set_line_max(r, 65536);
    struct got g;
    memset(&g, 0, sizeof g);
    struct pb_sink s = {keep, rej, &g};
    CHECK_EQ(pb_ingest_pb_jsonl(r, "big.jsonl", &s, &err), PB_OK);
    CHECK_EQ(g.n, 1);
    CHECK_EQ(g.n_rej, 1);
    CHECK_EQ(g.why_line[0], 1);
    CHECK(strstr(g.why[0], "over the") != NULL);
    if (g.n)
        CHECK_STR(g.p[0].title, "next");
    got_clear(&g);
    pb_reader_free(r);
    free(doc);
}

/* The eight-bytes-at-a-time whitespace folding against a plain one. */
static void ref_clean(const char *p, size_t len, char *out)
{
    size_t w = 0;
    int space = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (strchr(" \n\r\t\f\v", c) && c) {
            space = w > 0;
            continue;
        }
        if (space)
            out[w++] = ' ';
        space = 0;
        out[w++] = c;
    }
    out[w] = '\0';
}

static void t_clean_random(void)
{
    static const char alphabet[] = "ab  \n\t\r\x01";
    unsigned seed = 12345;
    char in[80], want[90];
    for (int t = 0; t < 20000; t++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % 70;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        ref_clean(in, len, want);
        char *got = NULL;
        pb_ingest_set_clean(&got, in, len);
        const char *g = got ? got : "";
        if (strcmp(g, want) != 0) {
            fprintf(stderr, "  clean(%.*s): got [%s] want [%s]\n", (int)len, in,
                    g, want);
            CHECK(0);
            free(got);
            break;
        }
        free(got);
    }
}

static void t_detect(void)
{
    CHECK_EQ(pb_format_detect("  [{\"paper\"", 11), PB_FMT_HF_DAILY);
    CHECK_EQ(pb_format_detect("<?xml?><OAI-PMH>", 16), PB_FMT_OAI);
    CHECK_EQ(pb_format_detect("<feed xmlns=", 12), PB_FMT_ATOM);
    const char *ax = "{\"id\": \"1\", \"versions\": [], \"update_date\": \"\"}";
    CHECK_EQ(pb_format_detect(ax, strlen(ax)), PB_FMT_ARXIV_JSONL);
    CHECK_EQ(pb_format_detect("{\"title\": 1}", 12), PB_FMT_PB_JSONL);
    CHECK_EQ(pb_format_detect("hello", 5), PB_FMT_UNKNOWN);
}


/* Python literals (the repr() entries of Dec 2024) to JSON, strictly. */
static void t_pylit(void)
{
    static const struct {
        const char *in, *json;
    } ok[] = {
        {"{'a': [1, (2, 3), {'b': None}], 'c': (True,), 'd': (), 'e': False}",
         "{\"a\":[1,[2,3],{\"b\":null}],\"c\":[true],\"d\":[],\"e\":false}"},
        {"'it\\'s \"q\" \\\\ \\n \\t \\x41 \\u00e9 \\U0001F600 \\101'",
         "\"it's \\\"q\\\" \\\\ \\n \\t A \xc3\xa9 \xf0\x9f\x98\x80 A\""},
        {"\"don't\"", "\"don't\""},
        {"'Zetta \xce\xb6'", "\"Zetta \xce\xb6\""},
        {"'\\x00x'", NULL}, /* NUL: rejected below */
        {"[-1, 0, 1.5, 1e-3, 1., .5, -0.25, +7, - 2]",
         "[-1,0,1.5,1.0e-3,1.0,0.5,-0.25,7,-2]"},
        /* leading zeros are fine in a Python float, not in JSON (found by
         * fuzz_pylit: "00." came out as 00.0) */
        {"[00., 007.5, -00.25, 000e1, 0.5]", "[0.0,7.5,-0.25,0.0e1,0.5]"},
        {" ( 1 ) ", "1"},
        {"((1, 2),)", "[[1,2]]"},
        {"{}", "{}"},
        {"[1, 2,]", "[1,2]"},
        {"'a\\\nb'", "\"ab\""},
        {"'\\d\\x7f'", "\"\\\\d\\u007f\""},
        {"{'x': {'y': {'z': [[[]]]}}}", "{\"x\":{\"y\":{\"z\":[[[]]]}}}"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (!ok[i].json)
            continue;
        struct pb_buf b;
        pb_buf_init(&b, 1 << 20);
        char why[160];
        CHECK_EQ(pb_pylit_to_json(ok[i].in, strlen(ok[i].in), &b, why,
                                  sizeof why),
                 PB_OK);
        CHECK_STR(pb_buf_cstr(&b), ok[i].json);
        pb_buf_clear(&b);
    }
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"datetime.datetime(2024, 1, 1)",
         "byte 0: call of \"datetime.datetime\" is not a literal"},
        {"{'a': x}", "byte 6: name \"x\" is not a literal"},
        {"'abc", "byte 4: unterminated string"},
        {"{'a': 1", "byte 7: unterminated dict"},
        {"[1, 2", "byte 5: unterminated list"},
        {"(1, 2", "byte 5: unterminated tuple"},
        {"{1, 2}", "byte 1: a dict key must be a string"},
        {"b'x'", "byte 0: name \"b\" is not a literal"},
        {"'\\ud800'", "byte 7: lone surrogate \\uD800 in a string"},
        {"'\\x00x'", "byte 5: NUL in a string"},
        {"1_000", "byte 1: not a plain decimal number"},
        {"01", "byte 2: leading zeros in an integer"},
        {"{'a': 1} x", "byte 9: trailing bytes after the value"},
        {"'a' 'b'", "byte 4: trailing bytes after the value"},
        {"nan", "byte 0: name \"nan\" is not a literal"},
        {"123456789012345678901",
         "byte 21: integer of 21 digits is over 64 bits"},
        {"'\\N{DASH}'", "byte 3: \\N{...} escapes are not read"},
        {"'\\xZZ'", "byte 3: \\x, \\u or \\U escape needs 2 hex digits"},
        {"'\xff'", "byte 1: invalid UTF-8 in a string"},
        {"{'a' 1}", "byte 5: expected ':' after a dict key"},
        {"", "byte 0: expected a value"},
        {"[1 2]", "byte 3: expected ',' or ']'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pb_buf b;
        pb_buf_init(&b, 1 << 20);
        char why[160];
        CHECK_EQ(pb_pylit_to_json(bad[i].in, strlen(bad[i].in), &b, why,
                                  sizeof why),
                 PB_EPARSE);
        CHECK_STR(why, bad[i].why);
        CHECK_EQ(b.len, 0);
        pb_buf_clear(&b);
    }
    /* nesting is capped */
    char deep[200];
    memset(deep, '[', sizeof deep);
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    char why[160];
    CHECK_EQ(pb_pylit_to_json(deep, sizeof deep, &b, why, sizeof why),
             PB_EPARSE);
    CHECK_STR(why, "byte 65: nested deeper than 64");
    /* and so is the output */
    pb_buf_clear(&b);
    pb_buf_init(&b, 8);
    CHECK_EQ(pb_pylit_to_json("'0123456789'", 12, &b, why, sizeof why),
             PB_ETOOBIG);
    pb_buf_clear(&b);
}

int main(void)
{
    static const struct pb_test tests[] = {
        {"json_pull", t_json_pull},
        {"arxiv", t_arxiv},
        {"hf_bare", t_hf_bare},
        {"hf_wrapped_and_broken", t_hf_wrapped_and_broken},
        {"pb_jsonl", t_pb_jsonl},
        {"compressed", t_compressed},
        {"long_line", t_long_line},
        {"detect", t_detect},
        {"clean_random", t_clean_random},
        {"pylit", t_pylit},
        {0, 0},
    };
    return pb_test_run(tests);
}
