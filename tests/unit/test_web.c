/* test_web.c - escaping (HTML, XML, URL, Markdown), periods (days, ISO
 * weeks, months) and safe URLs of src/web/. */
#include "harness.h"

#include "web/escape.h"
#include "web/period.h"

typedef int (*esc_fn)(struct pb_buf *, const char *, size_t);

static const char *esc(esc_fn f, const char *s, size_t len)
{
    static struct pb_buf b;
    pb_buf_clear(&b);
    pb_buf_init(&b, 1 << 16);
    if (f(&b, s, len))
        return "(error)";
    return pb_buf_cstr(&b);
}

static void t_html(void)
{
    static const struct { const char *in, *out; } T[] = {
        {"plain", "plain"},
        {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"\"><img src=x onerror=alert(1)>",
         "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
        {"a & b 'c'", "a &amp; b &#39;c&#39;"},
        {"tab\tnl\nbell\x07", "tab\tnl\nbell "},
        {"caf\xC3\xA9 \xE2\x80\x94", "caf\xC3\xA9 \xE2\x80\x94"},
        {"bad \xC3 utf", "bad \xEF\xBF\xBD utf"},
        {"over \xC0\xAF long", "over \xEF\xBF\xBD\xEF\xBF\xBD long"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        CHECK_STR(esc(pb_web_html, T[i].in, strlen(T[i].in)), T[i].out);
    CHECK_STR(esc(pb_web_html, "a\0b", 3), "a b");
    struct pb_buf small;
    pb_buf_init(&small, 8);
    CHECK_EQ(pb_web_html_s(&small, "<<<<<<"), PB_ETOOBIG);
    pb_buf_clear(&small);
    CHECK_EQ(pb_web_html_s(&small, NULL), PB_OK);
    pb_buf_clear(&small);
}

static void t_xml(void)
{
    CHECK_STR(esc(pb_web_xml, "a<b>&\"'", 7), "a&lt;b&gt;&amp;&quot;&#39;");
    CHECK_STR(esc(pb_web_xml, "ctl\x01\x1f\x7f end", 10), "ctl end");
    CHECK_STR(esc(pb_web_xml, "nc \xEF\xBF\xBE\xEF\xBF\xBF!", 10), "nc !");
    CHECK_STR(esc(pb_web_xml, "]]> x", 5), "]]&gt; x");
}

static void t_url(void)
{
    CHECK_STR(esc(pb_web_url, "Tri Dao", 7), "Tri%20Dao");
    CHECK_STR(esc(pb_web_url, "a/b?c=d&e#f", 11), "a%2Fb%3Fc%3Dd%26e%23f");
    CHECK_STR(esc(pb_web_url, "Zo\xC3\xAB-._~", 8), "Zo%C3%AB-._~");
    CHECK_STR(esc(pb_web_url, "<\">", 3), "%3C%22%3E");
    CHECK(pb_web_url_is_safe("https://github.com/a/b"));
    CHECK(pb_web_url_is_safe("http://example.org/x?y=1"));
    CHECK(!pb_web_url_is_safe("javascript:alert(1)"));
    CHECK(!pb_web_url_is_safe("JAVASCRIPT:alert(1)"));
    CHECK(!pb_web_url_is_safe("https://a.org/\"><script>"));
    CHECK(!pb_web_url_is_safe("https:///x"));
    CHECK(!pb_web_url_is_safe("https://a b"));
    CHECK(!pb_web_url_is_safe("data:text/html,x"));
    CHECK(!pb_web_url_is_safe(NULL));
}

static void t_md(void)
{
    CHECK_STR(esc(pb_web_md, "[x](javascript:y)", 17),
              "\\[x\\]\\(javascript:y\\)");
    CHECK_STR(esc(pb_web_md, "<script>*a*_b_`c`", 17),
              "&lt;script&gt;\\*a\\*\\_b\\_\\`c\\`");
    CHECK_STR(esc(pb_web_md, "# h\nnext", 8), "\\# h next");
}

static void t_trunc(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 1024);
    CHECK_EQ(pb_web_trunc(&b, "short", 10), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "short");
    pb_buf_reset(&b);
    CHECK_EQ(pb_web_trunc(&b, "one two three four", 9), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "one two\xE2\x80\xA6");
    pb_buf_reset(&b);
    /* never cuts inside a UTF-8 sequence */
    CHECK_EQ(pb_web_trunc(&b, "\xC3\xA9\xC3\xA9\xC3\xA9", 3), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "\xC3\xA9\xE2\x80\xA6");
    pb_buf_clear(&b);
}

static void t_period(void)
{
    static const struct {
        enum pb_period_kind k;
        const char *in, *name, *from, *to, *prev, *next;
    } T[] = {
        {PB_PERIOD_DAY, "2024-06-03", "2024-06-03", "2024-06-03",
         "2024-06-03", "2024-06-02", "2024-06-04"},
        {PB_PERIOD_DAY, "2024-03-01", "2024-03-01", "2024-03-01",
         "2024-03-01", "2024-02-29", "2024-03-02"},
        {PB_PERIOD_WEEK, "2024-W23", "2024-W23", "2024-06-03", "2024-06-09",
         "2024-W22", "2024-W24"},
        {PB_PERIOD_WEEK, "2024-w01", "2024-W01", "2024-01-01", "2024-01-07",
         "2023-W52", "2024-W02"},
        {PB_PERIOD_WEEK, "2020-W53", "2020-W53", "2020-12-28", "2021-01-03",
         "2020-W52", "2021-W01"},
        {PB_PERIOD_WEEK, "2021-W01", "2021-W01", "2021-01-04", "2021-01-10",
         "2020-W53", "2021-W02"},
        {PB_PERIOD_MONTH, "2024-02", "2024-02", "2024-02-01", "2024-02-29",
         "2024-01", "2024-03"},
        {PB_PERIOD_MONTH, "2023-12", "2023-12", "2023-12-01", "2023-12-31",
         "2023-11", "2024-01"},
        {PB_PERIOD_MONTH, "2024-01", "2024-01", "2024-01-01", "2024-01-31",
         "2023-12", "2024-02"},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        struct pb_period p;
        CHECK_EQ(pb_web_period_parse(T[i].k, T[i].in, strlen(T[i].in), &p),
                 PB_OK);
        CHECK_STR(p.name, T[i].name);
        CHECK_STR(p.from, T[i].from);
        CHECK_STR(p.to, T[i].to);
        CHECK_STR(p.prev, T[i].prev);
        CHECK_STR(p.next, T[i].next);
    }
    static const struct { enum pb_period_kind k; const char *in; } B[] = {
        {PB_PERIOD_DAY, "2024-02-30"}, {PB_PERIOD_DAY, "2024-6-3"},
        {PB_PERIOD_DAY, "abcd-ef-gh"}, {PB_PERIOD_DAY, ""},
        {PB_PERIOD_DAY, "0001-01-01"}, {PB_PERIOD_DAY, "2024-06-03x"},
        {PB_PERIOD_WEEK, "2024-W53"},  {PB_PERIOD_WEEK, "2024-W00"},
        {PB_PERIOD_WEEK, "2024W23"},   {PB_PERIOD_WEEK, "2024-W2"},
        {PB_PERIOD_MONTH, "2024-13"},  {PB_PERIOD_MONTH, "2024-00"},
        {PB_PERIOD_MONTH, "2024-1"},   {PB_PERIOD_MONTH, "1899-12"},
    };
    for (size_t i = 0; i < sizeof B / sizeof B[0]; i++) {
        struct pb_period p;
        CHECK_EQ(pb_web_period_parse(B[i].k, B[i].in, strlen(B[i].in), &p),
                 PB_EINVAL);
    }
    char w[11];
    CHECK_EQ(pb_web_week_of("2024-06-09", w), PB_OK);
    CHECK_STR(w, "2024-W23");
    CHECK_EQ(pb_web_week_of("2021-01-01", w), PB_OK);
    CHECK_STR(w, "2020-W53");
    CHECK_EQ(pb_web_week_of("2019-12-30", w), PB_OK);
    CHECK_STR(w, "2020-W01");
    CHECK_EQ(pb_web_month_of("2024-06-09", w), PB_OK);
    CHECK_STR(w, "2024-06");
    CHECK_EQ(pb_web_week_of("nope", w), PB_EINVAL);
    char label[64];
    pb_web_day_label("2024-06-03", label, sizeof label);
    CHECK_STR(label, "Mon, June 3, 2024");
}

int main(void)
{
    static const struct pb_test T[] = {
        {"html escaping", t_html},   {"xml escaping", t_xml},
        {"url encoding", t_url},     {"markdown escaping", t_md},
        {"truncation", t_trunc},     {"periods", t_period},
        {NULL, NULL},
    };
    int rc = pb_test_run(T);
    esc(pb_web_html, "", 0); /* keep the static buffer reachable */
    return rc;
}
