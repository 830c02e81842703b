/* test_core.c - arXiv ids, title ids, dates, UTF-8, buffers, validation,
 * link extraction. */
#include "harness.h"

#include "core/buf.h"
#include "core/date.h"
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
}

int main(void)
{
    static const struct pb_test tests[] = {
        {"arxiv_ids", t_arxiv_ids}, {"title_ids", t_title_ids},
        {"dates", t_dates},         {"utf8", t_utf8},
        {"buf_cap", t_buf_cap},     {"validate", t_validate},
        {"links", t_links},         {"strlist", t_strlist},
        {0, 0},
    };
    return pb_test_run(tests);
}
