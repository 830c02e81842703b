/* test_core.c - arXiv ids, title ids, dates, UTF-8, buffers, validation,
 * link extraction, the JSON writer (against jansson), the 64-bit hash. */
#include "harness.h"

#include <jansson.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/hash.h"
#include "core/json_write.h"
#include "core/paper.h"
#include "core/utf8.h"

static void t_arxiv_ids(void)
{
    static const struct {
        const char *in, *id;
        int version;
    } ok[] = {
        {"2504.08385", "2504.08385", 0},
        {"2504.08385v2", "2504.08385", 2},
        {"arXiv:2504.08385v12", "2504.08385", 12},
        {"https://arxiv.org/abs/2504.08385v2", "2504.08385", 2},
        {"http://arxiv.org/pdf/2504.08385.pdf", "2504.08385", 0},
        {"https://arxiv.org/pdf/2504.08385v3", "2504.08385", 3},
        {"oai:arXiv.org:0704.0002", "0704.0002", 0},
        {"  0704.0002 ", "0704.0002", 0},
        {"hep-th/9901001", "hep-th/9901001", 0},
        {"hep-th/9901001v3", "hep-th/9901001", 3},
        {"math.GT/0309136", "math/0309136", 0},
        {"http://arxiv.org/abs/cond-mat/0102536v1", "cond-mat/0102536", 1},
        {"https://huggingface.co/papers/2505.24864", "2505.24864", 0},
        {"1412.9999", "1412.9999", 0},
        {"1501.00001v3", "1501.00001", 3},
        {"0704.0001", "0704.0001", 0},
        {"hep-th/9108001", "hep-th/9108001", 0},
        {"cs/0703999", "cs/0703999", 0},
        {"math.AG/0112004v2", "math/0112004", 2},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char id[PB_MAX_ID];
        int v = -1;
        CHECK_EQ(pb_arxiv_id_parse(ok[i].in, strlen(ok[i].in), id, &v), PB_OK);
        CHECK_STR(id, ok[i].id);
        CHECK_EQ(v, ok[i].version);
    }
    static const char *const bad[] = {
        "", "2504", "2504.083", "2504.083851", "2513.08385", "2504.08385v",
        "2504.08385v0", "2504.08385x", "hep-th/990100", "HEP-TH/9901001",
        "hello world", "808.1058", "https://example.org/abs/2504.08385",
        "hep-th/9901001vx", "/9901001",
        /* arXiv's rules: 4 digits until 1412, 5 from 1501; 0704 on */
        "1704.0162", "1501.0001", "1412.00001", "0703.0001", "0001.0001",
        "0704.0000", "2504.00000", "2500.00001",
        /* old style: the archives of the time, 9108 to 0703 */
        "foo-bar/9901001", "hep-th/9013001", "hep-th/0704001",
        "hep-th/9107001", "hep-th/9901000", "cs/9913001",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char id[PB_MAX_ID];
        int v;
        int rc = pb_arxiv_id_parse(bad[i], strlen(bad[i]), id, &v);
        if (rc != PB_EINVAL)
            fprintf(stderr, "  accepted bad id '%s'\n", bad[i]);
        CHECK_EQ(rc, PB_EINVAL);
    }
}

/* Ids that went through a float, read back by arXiv's widths. */
static void t_arxiv_float_ids(void)
{
    static const struct {
        const char *in, *id;
    } ok[] = {
        {"704.0002", "0704.0002"},
        {"808.106", "0808.1060"},
        {"1001.5", "1001.5000"},
        {"1704.0162", "1704.01620"},
        {"1501.0003199999999", "1501.00032"},
        {"1710.0313199999998", "1710.03132"},
        {"1610.1", "1610.10000"},
        {"2001.0000100000001", "2001.00001"},
        {"1412.99990000000001", "1412.9999"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char id[PB_MAX_ID], why[128];
        CHECK_EQ(pb_arxiv_id_from_number(ok[i].in, strlen(ok[i].in), id, why,
                                         sizeof why),
                 PB_OK);
        CHECK_STR(id, ok[i].id);
    }
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"1713.0001", "\"1713.0001\": 1713 is no month of arXiv's new-style "
                      "ids (0704 on)"},
        {"612.0001", "\"612.0001\": 0612 is no month of arXiv's new-style "
                     "ids (0704 on)"},
        {"1412.12345", "\"1412.12345\": 5 digits after the dot, arXiv used 4 "
                       "in 1412"},
        {"1704.0162345", "\"1704.0162345\": 7 digits after the dot, arXiv "
                         "used 5 in 1704"},
        {"1704.0", "\"1704.0\": no paper number"},
        {"hello", "\"hello\""},
        {"17a4.0001", "\"17a4.0001\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char id[PB_MAX_ID], why[128];
        CHECK_EQ(pb_arxiv_id_from_number(bad[i].in, strlen(bad[i].in), id,
                                         why, sizeof why),
                 PB_EINVAL);
        CHECK_STR(why, bad[i].why);
    }
}

static void t_title_ids(void)
{
    char a[PB_MAX_ID], b[PB_MAX_ID], c[PB_MAX_ID];
    const char *t1 = "Attention Is All You Need";
    const char *t2 = "  attention is all you NEED! ";
    const char *t3 = "Attention is all you need, again";
    pb_paper_title_id(t1, strlen(t1), a);
    pb_paper_title_id(t2, strlen(t2), b);
    pb_paper_title_id(t3, strlen(t3), c);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK_EQ(strlen(a), 18);
    CHECK(strncmp(a, "t-", 2) == 0);
    /* accents fold: "Schrödinger" and "Schrodinger" are one title */
    const char *u1 = "Schr\xc3\xb6" "dinger bridges";
    const char *u2 = "Schrodinger Bridges";
    pb_paper_title_id(u1, strlen(u1), a);
    pb_paper_title_id(u2, strlen(u2), b);
    CHECK_STR(a, b);
}

static void t_dates(void)
{
    static const struct {
        const char *in;
        int64_t t;
    } ok[] = {
        {"1970-01-01", 0},
        {"2024-05-27", 1716768000},
        {"2024-05-27T10:11:12Z", 1716768000 + 36672},
        {"2024-05-27T10:11:12.654Z", 1716768000 + 36672},
        {"2024-05-27T12:11:12+02:00", 1716768000 + 36672},
        {"2024-05-27 10:11:12", 1716768000 + 36672},
        {"Fri, 30 Mar 2007 00:00:00 GMT", 1175212800},
        {"Mon, 2 Apr 2007 19:18:42 GMT", 1175541522},
        {"2000-02-29", 951782400},
        {"30 Mar 2007", 1175212800},
        {"Mon, 2 Apr 2007 21:18:42 +0200", 1175541522},
        {"Mon, 02 Apr 2007 19:18 UT", 1175541480},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t t = -1;
        CHECK_EQ(pb_date_parse(ok[i].in, strlen(ok[i].in), &t), PB_OK);
        CHECK_EQ(t, ok[i].t);
    }
    static const char *const bad[] = {"", "2024-13-01", "2024-02-30",
                                      "1900-02-29", "2024-05-32", "yesterday",
                                      "2024-05-27T25:00:00Z", "2024-5-27",
                                      "Fri, 30 Foo 2007 00:00:00 GMT",
                                      "Fri, 30 Mar 2007 00:00:00 GMT junk",
                                      "Fri, 30 Mar 2007 25:00:00 GMT",
                                      "Fri, 30 Mar 2007 00:00:00 +02",
                                      "Fri, 31 Apr 2007"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t;
        CHECK_EQ(pb_date_parse(bad[i], strlen(bad[i]), &t), PB_EINVAL);
    }
    char d[11], ts[21];
    pb_day_format(1716768000 + 36672, d);
    CHECK_STR(d, "2024-05-27");
    pb_time_format(1716768000 + 36672, ts);
    CHECK_STR(ts, "2024-05-27T10:11:12Z");
    /* the digit writer against the snprintf it replaced, from 1601 to
     * past 9999 (years wrap to four digits) */
    for (int64_t t = -11644473600LL; t < 253402300800LL + 86400LL * 800;
         t += 86400LL * 37 + 3677) {
        char want[64], got[21], dwant[64], dgot[11];
        int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
        int64_t secs = t - days * 86400;
        int y;
        unsigned mo, da;
        pb_civil_from_days(days, &y, &mo, &da);
        snprintf(want, sizeof want, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                 (y % 10000 + 10000) % 10000, mo % 100, da % 100,
                 (int)(secs / 3600) % 100, (int)(secs / 60 % 60),
                 (int)(secs % 60));
        snprintf(dwant, sizeof dwant, "%.10s", want);
        pb_time_format(t, got);
        pb_day_format(t, dgot);
        if (strcmp(got, want) || strcmp(dgot, dwant)) {
            CHECK_STR(got, want);
            CHECK_STR(dgot, dwant);
            break;
        }
    }
    pb_day_format(-1, d);
    CHECK_STR(d, "1969-12-31");
}

static void t_utf8(void)
{
    CHECK_EQ(pb_utf8_check("abc", 3), 3);
    CHECK_EQ(pb_utf8_check("\xc3\xb6k", 3), 3);
    CHECK_EQ(pb_utf8_check("ab\xc3", 3), 2);        /* truncated */
    CHECK_EQ(pb_utf8_check("ab\xc0\xaf", 4), 2);    /* overlong */
    CHECK_EQ(pb_utf8_check("a\xed\xa0\x80", 4), 1); /* surrogate */
    CHECK_EQ(pb_utf8_check("a\0b", 3), 1);          /* NUL */
    CHECK_EQ(pb_utf8_check("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    CHECK_EQ(pb_utf8_check("0123456789abcdef\xff", 17), 16);
    char out[4];
    CHECK_EQ(pb_utf8_encode(0xF6, out), 2);
    CHECK_EQ(pb_utf8_encode(0x1F600, out), 4);
    CHECK_EQ(pb_utf8_encode(0xD800, out), 0);
}

static void t_buf_cap(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 10);
    CHECK_EQ(pb_buf_puts(&b, "hello"), PB_OK);
    CHECK_EQ(pb_buf_printf(&b, "%d", 12345), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "hello12345");
    CHECK_EQ(pb_buf_putc(&b, 'x'), PB_ETOOBIG);
    CHECK_EQ(pb_buf_printf(&b, "%s", "y"), PB_ETOOBIG);
    CHECK_STR(pb_buf_cstr(&b), "hello12345");
    pb_buf_clear(&b);
}

static void t_validate(void)
{
    struct pb_paper p;
    char why[256];
    pb_paper_init(&p);
    CHECK_EQ(pb_paper_validate(&p, why, sizeof why), PB_EINVAL);
    snprintf(p.id, sizeof p.id, "2401.00001");
    CHECK_EQ(pb_paper_validate(&p, why, sizeof why), PB_EINVAL);
    CHECK_STR(why, "no title");
    pb_str_set(&p.title, "ok\x01title", 9);
    CHECK_EQ(pb_paper_validate(&p, why, sizeof why), PB_OK);
    CHECK_STR(p.title, "ok title"); /* control characters become spaces */
    char *big = malloc(PB_MAX_TITLE + 2);
    memset(big, 'a', PB_MAX_TITLE + 1);
    big[PB_MAX_TITLE + 1] = '\0';
    free(p.title);
    p.title = big;
    CHECK_EQ(pb_paper_validate(&p, why, sizeof why), PB_ETOOBIG);
    CHECK_STR(why, "title is 4097 bytes, over the 4096-byte limit");
    pb_str_set(&p.title, "fine", 4);
    pb_str_set(&p.abstract, "bad \xff byte", 10);
    CHECK_EQ(pb_paper_validate(&p, why, sizeof why), PB_EINVAL);
    CHECK_STR(why, "abstract is not valid UTF-8 (byte 4)");
    pb_paper_clear(&p);
}

static void t_links(void)
{
    struct pb_paper p;
    pb_paper_init(&p);
    const char *abs = "We release code at https://github.com/foo/bar. See "
                      "also http://example.org/x and "
                      "https://foo.github.io/proj/, or "
                      "https://github.com/foo/bar.";
    pb_str_set(&p.abstract, abs, strlen(abs));
    pb_str_set(&p.comments, "Code: https://gitlab.com/a/b)", 29);
    pb_paper_extract_links(&p);
    CHECK_EQ(p.links.n, 3);
    if (p.links.n == 3) {
        CHECK_STR(p.links.v[0], "https://github.com/foo/bar");
        CHECK_STR(p.links.v[1], "https://foo.github.io/proj/");
        CHECK_STR(p.links.v[2], "https://gitlab.com/a/b");
    }
    pb_paper_clear(&p);
}

static void t_strlist(void)
{
    struct pb_strlist l = {0};
    pb_strlist_split(&l, "a\n\nbc\nd", '\n');
    CHECK_EQ(l.n, 3);
    char *j = pb_strlist_join(&l, ',');
    CHECK_STR(j, "a,bc,d");
    free(j);
    pb_strlist_clear(&l);
    CHECK_EQ(l.n, 0);
    /* split sizes the array once; pushes after it must still find room
     * (ASan catches an overflow): every count, with empty pieces around */
    for (int k = 0; k <= 20; k++) {
        char s[128] = "\n";
        for (int i = 0; i < k; i++)
            snprintf(s + strlen(s), sizeof s - strlen(s), "w%d\n\n", i);
        struct pb_strlist a = {0};
        pb_strlist_split(&a, s, '\n');
        CHECK_EQ(a.n, k);
        for (int i = 0; i < 9; i++)
            pb_strlist_push(&a, "x", 1);
        CHECK_EQ(a.n, k + 9);
        CHECK_STR(a.v[k ? k - 1 : 0], k ? (snprintf(s, sizeof s, "w%d",
                                                    k - 1), s) : "x");
        pb_strlist_split(&a, "y\nz", '\n'); /* appends */
        CHECK_EQ(a.n, k + 11);
        CHECK_STR(a.v[a.n - 1], "z");
        pb_strlist_clear(&a);
    }
}


/* jansson's compact text for the JSON string s[0..len) (the oracle). */
static char *jansson_str(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (!j)
        return NULL;
    char *out = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    return out;
}

static char *jw_str(const char *s, size_t len)
{
    struct pb_buf b;
    struct pb_jw w;
    pb_buf_init(&b, 1 << 20);
    pb_jw_init(&w, &b);
    pb_jw_strn(&w, s, len);
    if (pb_jw_end(&w)) {
        pb_buf_clear(&b);
        return NULL;
    }
    return pb_buf_steal(&b);
}

/* Same bytes as jansson for every string jansson accepts. */
static void same_as_jansson(const char *s, size_t len)
{
    char *a = jansson_str(s, len), *b = jw_str(s, len);
    CHECK(a != NULL);
    if (a && b && strcmp(a, b))
        fprintf(stderr, "  jansson %s\n  ours    %s\n", a, b);
    CHECK(a && b && !strcmp(a, b));
    free(a);
    free(b);
}

static void t_json_escape(void)
{
    static const char *const tricky[] = {
        "",
        "plain ascii",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "quote \" backslash \\ slash / done",
        "\\\\\\\"\"\"",
        "tab\tnl\ncr\rbs\bff\f",
        "\x01\x02\x03\x04\x05\x06\x07\x0b\x0e\x0f\x10\x11\x1a\x1b\x1f end",
        "del \x7f kept",
        "caf\xC3\xA9 \xE2\x80\x94 \xE2\x80\xA8 \xE2\x80\xA9 \xEF\xBB\xBF",
        "emoji \xF0\x9F\x98\x80 and \xF4\x8F\xBF\xBF max",
        "nonchar \xEF\xBF\xBE\xEF\xBF\xBF",
        "sixteen bytes!!!\"then a quote after a full block\n",
        "0123456789abcdef0123456789abcdef\x1f",
        "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\\",
        "$\\mathcal{O}(n^2)$ and \\textbf{bold} in LaTeX",
    };
    for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++)
        same_as_jansson(tricky[i], strlen(tricky[i]));
    /* a long abstract, with specials at every alignment */
    char big[3000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = "abcdefgh ijklmnop\"\\\n\t<>&'"[i % 26];
    for (size_t n = 0; n < 200; n++)
        same_as_jansson(big, n);
    same_as_jansson(big, sizeof big);

    /* random valid UTF-8: code points of every length, controls, quotes */
    srand(12345);
    for (int round = 0; round < 3000; round++) {
        char s[512];
        size_t n = 0, want = (size_t)(rand() % 120);
        while (n + 4 < sizeof s && want--) {
            unsigned r = (unsigned)rand(), cp;
            switch (r % 6) {
            case 0: cp = 1 + r / 6 % 0x7F; break;          /* ASCII, controls */
            case 1: cp = "\"\\\n/\x7f\x01"[r / 6 % 6]; break;
            case 2: cp = 0x80 + r / 6 % 0x780; break;       /* 2 bytes */
            case 3: cp = 0x800 + r / 6 % 0xF800; break;     /* 3 bytes */
            case 4: cp = 0x10000 + r / 6 % 0x100000; break; /* 4 bytes */
            default: cp = 'a' + r / 6 % 26; break;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD;
            n += pb_utf8_encode(cp, s + n);
        }
        same_as_jansson(s, n);
    }

    /* where jansson refuses (invalid UTF-8), U+FFFD per bad byte; NUL in a
     * counted string is \u0000 as jansson writes it */
    static const struct { const char *in; size_t len; const char *out; } bad[] = {
        {"bad \xC3 utf", 9, "\"bad \xEF\xBF\xBD utf\""},
        {"over \xC0\xAF long", 12, "\"over \xEF\xBF\xBD\xEF\xBF\xBD long\""},
        {"sur \xED\xA0\x80!", 8, "\"sur \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!\""},
        {"cut \xE2\x80", 6, "\"cut \xEF\xBF\xBD\xEF\xBF\xBD\""},
        {"a\0b", 3, "\"a\\u0000b\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *o = jw_str(bad[i].in, bad[i].len);
        CHECK_STR(o, bad[i].out);
        free(o);
    }
    same_as_jansson("a\0b", 3);
}

static void t_json_writer(void)
{
    struct pb_buf b;
    struct pb_jw w;
    pb_buf_init(&b, 1 << 16);
    pb_jw_init(&w, &b);
    pb_jw_obj_open(&w);
    pb_jw_key(&w, "a");
    pb_jw_int(&w, -9223372036854775807LL - 1);
    pb_jw_key(&w, "b\"");
    pb_jw_arr_open(&w);
    pb_jw_int(&w, 0);
    pb_jw_null(&w);
    pb_jw_str(&w, NULL);
    pb_jw_name_obj(&w, "x");
    pb_jw_arr_open(&w);
    pb_jw_arr_close(&w);
    pb_jw_arr_close(&w);
    pb_jw_key(&w, "c");
    pb_jw_obj_open(&w);
    pb_jw_obj_close(&w);
    pb_jw_key(&w, "d");
    pb_jw_int(&w, 1234567890123LL);
    pb_jw_obj_close(&w);
    CHECK_EQ(pb_jw_end(&w), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "{\"a\":-9223372036854775808,\"b\\\"\":[0,null,"
                               "null,{\"name\":\"x\"},[]],\"c\":{},"
                               "\"d\":1234567890123}");
    /* the same through jansson */
    json_t *j = json_pack("{s:I,s:[i,n,n,{s:s},[]],s:{},s:I}", "a",
                          (json_int_t)(-9223372036854775807LL - 1), "b\"", 0,
                          "name", "x", "c", "d", (json_int_t)1234567890123LL);
    char *js = json_dumps(j, JSON_COMPACT);
    CHECK_STR(js, pb_buf_cstr(&b));
    free(js);
    json_decref(j);

    /* keys of every length around the plain-key buffer, and with escapes */
    for (size_t n = 55; n < 70; n++) {
        char k[80];
        memset(k, 'k', n);
        k[n] = '\0';
        if (n == 66)
            k[3] = '"';
        pb_buf_reset(&b);
        pb_jw_init(&w, &b);
        pb_jw_obj_open(&w);
        pb_jw_key(&w, k);
        pb_jw_name_obj(&w, "caf\xC3\xA9 \"x\"");
        pb_jw_obj_close(&w);
        CHECK_EQ(pb_jw_end(&w), PB_OK);
        json_t *o = json_pack("{s:{s:s}}", k, "name", "caf\xC3\xA9 \"x\"");
        char *os = json_dumps(o, JSON_COMPACT);
        CHECK_STR(pb_buf_cstr(&b), os);
        free(os);
        json_decref(o);
    }

    /* misuse: a value without a key, a key in an array, unbalanced */
    pb_buf_reset(&b);
    pb_jw_init(&w, &b);
    pb_jw_obj_open(&w);
    pb_jw_int(&w, 1);
    CHECK_EQ(pb_jw_end(&w), PB_EINVAL);
    pb_jw_init(&w, &b);
    pb_jw_arr_open(&w);
    pb_jw_key(&w, "k");
    CHECK_EQ(pb_jw_end(&w), PB_EINVAL);
    pb_jw_init(&w, &b);
    pb_jw_arr_open(&w);
    CHECK_EQ(pb_jw_end(&w), PB_EINVAL);
    pb_jw_init(&w, &b);
    pb_jw_obj_open(&w);
    pb_jw_key(&w, "k");
    pb_jw_obj_close(&w);
    CHECK_EQ(pb_jw_end(&w), PB_EINVAL);
    pb_jw_init(&w, &b);
    pb_jw_arr_close(&w);
    CHECK_EQ(pb_jw_end(&w), PB_EINVAL);
    pb_jw_init(&w, &b);
    for (int i = 0; i < PB_JW_MAX_DEPTH + 1; i++)
        pb_jw_arr_open(&w);
    CHECK_EQ(pb_jw_end(&w), PB_EINVAL);
    pb_buf_clear(&b);

    /* the cap: PB_ETOOBIG, sticky */
    struct pb_buf small;
    pb_buf_init(&small, 10);
    pb_jw_init(&w, &small);
    pb_jw_arr_open(&w);
    pb_jw_str(&w, "0123456789");
    pb_jw_int(&w, 1);
    pb_jw_arr_close(&w);
    CHECK_EQ(pb_jw_end(&w), PB_ETOOBIG);
    CHECK(small.len <= 10);
    pb_buf_clear(&small);
}

static void t_buf_reserve(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 100);
    pb_buf_reserve(&b, 1000); /* clamped to the cap */
    CHECK(b.cap >= 101 && b.cap <= 101);
    CHECK_STR(pb_buf_cstr(&b), "");
    char *p = b.p;
    for (int i = 0; i < 100; i++)
        CHECK_EQ(pb_buf_putc(&b, 'x'), PB_OK);
    CHECK(b.p == p); /* no reallocation */
    CHECK_EQ(pb_buf_putc(&b, 'x'), PB_ETOOBIG);
    pb_buf_clear(&b);
}

static void t_hash64(void)
{
    /* equal input, equal hash; one flipped bit anywhere, at any length,
     * a different hash; lengths differ though bytes are zero */
    unsigned char a[300];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (unsigned char)(i * 7 + 3);
    CHECK(pb_hash64(a, 100) == pb_hash64(a, 100));
    int collisions = 0;
    for (size_t len = 1; len <= 130; len++) {
        uint64_t h = pb_hash64(a, len);
        for (size_t i = 0; i < len; i++)
            for (int bit = 0; bit < 8; bit += 3) {
                a[i] ^= (unsigned char)(1u << bit);
                collisions += pb_hash64(a, len) == h;
                a[i] ^= (unsigned char)(1u << bit);
            }
    }
    CHECK_EQ(collisions, 0);
    unsigned char z[64] = {0};
    uint64_t seen[65];
    for (size_t len = 0; len <= 64; len++) {
        seen[len] = pb_hash64(z, len);
        for (size_t k = 0; k < len; k++)
            CHECK(seen[k] != seen[len]);
    }
}

int main(void)
{
    static const struct pb_test tests[] = {
        {"arxiv_float_ids", t_arxiv_float_ids},
        {"arxiv_ids", t_arxiv_ids}, {"title_ids", t_title_ids},
        {"dates", t_dates},         {"utf8", t_utf8},
        {"buf_cap", t_buf_cap},     {"validate", t_validate},
        {"links", t_links},         {"strlist", t_strlist},
        {"json_escape", t_json_escape}, {"json_writer", t_json_writer},
        {"buf_reserve", t_buf_reserve}, {"hash64", t_hash64},
        {0, 0},
    };
    return pb_test_run(tests);
}
