/* test_web.c - escaping (HTML, XML, URL, Markdown), periods (days, ISO
 * weeks, months), safe URLs, and the JSON API's objects (byte for byte what
 * the jansson version wrote) of src/web/. */
#include "harness.h"

#include <jansson.h>

#include "core/date.h"
#include "web/web_int.h"

#include "core/escape.h"
#include "core/period.h"
#include "web/hash_proc.h"
#include "web/work_pool.h"

#include <pthread.h>
#include <sodium.h>
#include <unistd.h>

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

/* Issue 15: a tab (which browsers drop) turned "/\t/evil.example" into
 * "//evil.example"; one check for every redirect target. */
static void t_local_path(void)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"/", 1},
        {"/papers/2405.21060#comments", 1},
        {"/search?q=a+b&mode=keyword", 1},
        {"/author/Zo\xC3\xAB Ada", 1},
        {"/a//b", 1},
        {"//evil.example", 0},
        {"/\\evil.example", 0},
        {"/\t/evil.example", 0},
        {"/\r\n/evil.example", 0},
        {"/\n/evil.example", 0},
        {"/x\x7F", 0},
        {"/x\\y", 0},
        {"/ok\tstill-not", 0},
        {"https://evil.example/", 0},
        {"javascript:alert(1)", 0},
        {"evil.example", 0},
        {"", 0},
        {"/\xC3", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (pb_web_local_path_ok(cases[i].s) != cases[i].ok) {
            fprintf(stderr, "  case %zu: \"%s\"\n", i, cases[i].s);
            CHECK(0);
        }
    CHECK(!pb_web_local_path_ok(NULL));
}

/* The hashing pool: jobs run once each, in order; past the queue's bound a
 * submit is refused at once; freeing runs what waits as cancelled. */
struct pool_probe {
    pthread_mutex_t lock;
    int ran, cancelled, order[16], n;
    int gate;    /* the first job waits while 1 */
    int started; /* the first job has begun (it holds the pool's thread) */
};

struct probe_arg {
    struct pool_probe *p;
    int id;
};

static void probe_job(void *arg, int cancelled)
{
    struct pool_probe *p = ((struct probe_arg *)arg)->p;
    int id = ((struct probe_arg *)arg)->id;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        if (id == 0)
            p->started = 1;
        int g = p->gate && id == 0;
        pthread_mutex_unlock(&p->lock);
        if (!g)
            break;
        usleep(1000);
    }
    pthread_mutex_lock(&p->lock);
    p->ran++;
    p->cancelled += cancelled;
    if (p->n < 16)
        p->order[p->n++] = id;
    pthread_mutex_unlock(&p->lock);
}

static void t_work_pool(void)
{
    struct pool_probe pr = {.lock = PTHREAD_MUTEX_INITIALIZER, .gate = 1};
    struct probe_arg args[5];
    struct pb_work_pool *wp = pb_work_pool_new(1, 3);
    CHECK(wp != NULL);
    for (int i = 0; i < 5; i++)
        args[i].p = &pr, args[i].id = i;
    CHECK_EQ(pb_work_pool_submit(wp, probe_job, &args[0]), PB_OK);
    for (int s = 0; !s; usleep(1000)) { /* job 0 runs, held at the gate */
        pthread_mutex_lock(&pr.lock);
        s = pr.started;
        pthread_mutex_unlock(&pr.lock);
    }
    for (int i = 1; i <= 3; i++)
        CHECK_EQ(pb_work_pool_submit(wp, probe_job, &args[i]), PB_OK);
    /* 3 waiting: the bound */
    CHECK_EQ(pb_work_pool_submit(wp, probe_job, &args[4]), PB_ETOOBIG);
    CHECK_EQ(pb_work_pool_pending(wp), 4);
    pthread_mutex_lock(&pr.lock);
    pr.gate = 0;
    pthread_mutex_unlock(&pr.lock);
    while (pb_work_pool_pending(wp))
        usleep(1000);
    CHECK_EQ(pr.ran, 4);
    CHECK(pr.order[0] == 0 && pr.order[1] == 1 && pr.order[2] == 2 &&
          pr.order[3] == 3);
    CHECK_EQ(pr.cancelled, 0);
    pb_work_pool_free(wp);
}

/* argon2id in the helper process answers as in-process does. */
static void t_hash_proc(void)
{
    if (sodium_init() < 0) {
        CHECK(0);
        return;
    }
    struct pb_hash_proc *hp = pb_hash_proc_start();
    CHECK(hp != NULL);
    if (!hp)
        return;
    pb_cm_hasher_set_thread(pb_hash_proc_hasher(hp));
    char h[128];
    CHECK_EQ(pb_cm_password_hash("correct horse battery", h), PB_OK);
    CHECK(!strncmp(h, "$argon2id$", 10));
    CHECK(pb_cm_password_verify(h, "correct horse battery"));
    CHECK(!pb_cm_password_verify(h, "wrong horse battery"));
    CHECK(!pb_cm_password_verify(NULL, "correct horse battery"));
    CHECK(!pb_cm_password_verify(h, NULL));
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(!pb_cm_password_verify(h, big));
    CHECK_EQ(pb_cm_password_hash("short", h), PB_EINVAL);
    pb_cm_hasher_set_thread(NULL);
    /* and the hash made there verifies here */
    CHECK_EQ(pb_cm_password_hash("correct horse battery", h), PB_OK);
    pb_cm_hasher_set_thread(pb_hash_proc_hasher(hp));
    CHECK(pb_cm_password_verify(h, "correct horse battery"));
    pb_cm_hasher_set_thread(NULL);
    pb_hash_proc_stop(hp);
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


/* --- the JSON API's objects: Hugging Face's shape, exact strings ------- */

static json_t *write_json(const struct pb_paper *p, int kind)
{
    struct pb_buf b;
    struct pb_jw w;
    pb_buf_init(&b, 1 << 20);
    pb_jw_init(&w, &b);
    if (kind == 0)
        pb_web_json_daily(&w, p, NULL, 0);
    else
        pb_web_json_paper(&w, p, kind == 2 ? PB_JSON_EXTRAS : 0);
    CHECK_EQ(pb_jw_end(&w), PB_OK);
    json_error_t je;
    json_t *j = json_loads(pb_buf_cstr(&b), 0, &je);
    if (!j)
        fprintf(stderr, "  invalid JSON: %s\n  %s\n", je.text,
                pb_buf_cstr(&b));
    CHECK(j != NULL);
    pb_buf_clear(&b);
    return j;
}

static const char *js(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void t_api_json(void)
{
    struct pb_paper p;
    /* 1. hostile and tricky text everywhere, every field present */
    pb_paper_init(&p);
    snprintf(p.id, sizeof p.id, "2401.00001");
    p.title = strdup("<script>alert(1)</script> Attention");
    p.abstract = strdup("\"><img src=x onerror=alert(1)> line one\nline "
                        "two\twith tab, \\backslash\\, \x01\x1f controls, "
                        "caf\xC3\xA9, \xE2\x80\xA8 LS, \xF0\x9F\x98\x80, "
                        "$\\alpha$ </script>");
    pb_strlist_push(&p.authors, "<script>alert(3)</script>", 25);
    pb_strlist_push(&p.authors, "Mallory \"><svg onload=alert(1)>", 31);
    pb_strlist_push(&p.keywords, "kw\"1", 4);
    p.categories = strdup("cs.CL cs.LG");
    p.published = 1717200000;
    snprintf(p.listed_day, sizeof p.listed_day, "2024-06-10");
    p.submitter = strdup("eve\"<b>");
    p.upvotes = 42;
    p.n_comments = 7;
    p.github_repo = strdup("javascript:alert(1)");
    p.github_stars = 0;
    p.summary = strdup("AI summary with \"quotes\" and\nnewline");
    json_t *d = write_json(&p, 0), *pp = json_object_get(d, "paper");
    CHECK_STR(js(d, "title"), p.title);
    CHECK_STR(js(d, "summary"), p.abstract);
    CHECK_STR(js(pp, "summary"), p.abstract);
    CHECK_STR(js(json_array_get(json_object_get(pp, "authors"), 1), "name"),
              p.authors.v[1]);
    CHECK_EQ(strlen(js(json_array_get(json_object_get(pp, "authors"), 1),
                       "_id")),
             24);
    CHECK_STR(js(json_object_get(d, "submittedBy"), "name"), "eve\"<b>");
    CHECK_STR(js(d, "publishedAt"), "2024-06-01T00:00:00.000Z");
    CHECK_STR(js(pp, "submittedOnDailyAt"), "2024-06-10T00:00:00.000Z");
    CHECK_EQ(json_integer_value(json_object_get(pp, "githubStars")), 0);
    CHECK_EQ(json_integer_value(json_object_get(d, "numComments")), 7);
    CHECK(json_is_false(json_object_get(d, "isAuthorParticipating")));
    /* absent, not null */
    CHECK(json_object_get(pp, "projectPage") == NULL);
    CHECK(json_object_get(pp, "categories") == NULL);
    json_decref(d);
    json_t *x = write_json(&p, 2);
    CHECK_STR(js(x, "categories"), "cs.CL cs.LG");
    CHECK_STR(js(x, "listedDay"), "2024-06-10");
    json_decref(x);
    /* 2. a source object: its values pass through, the store's win for
     * what paperboy keeps itself */
    p.listing_src = strdup(
        "{\"paper\":{\"id\":\"2401.00001\",\"authors\":[{\"_id\":\"aaa\","
        "\"name\":\"<script>alert(3)</script>\",\"hidden\":false}],"
        "\"publishedAt\":\"2024-05-31T00:00:00.000Z\",\"upvotes\":1,"
        "\"discussionId\":\"ddd\"},\"publishedAt\":\"2024-05-30T20:00:00.000Z\","
        "\"numComments\":1,\"submittedBy\":{\"_id\":\"sss\",\"name\":\"x\"},"
        "\"organization\":{\"_id\":\"o1\",\"name\":\"Org\",\"fullname\":"
        "\"The Org\"},\"isAuthorParticipating\":true}");
    d = write_json(&p, 0);
    pp = json_object_get(d, "paper");
    CHECK_STR(js(d, "publishedAt"), "2024-05-30T20:00:00.000Z");
    CHECK_STR(js(pp, "publishedAt"), "2024-05-31T00:00:00.000Z");
    CHECK_STR(js(pp, "discussionId"), "ddd");
    CHECK_EQ(json_integer_value(json_object_get(pp, "upvotes")), 42);
    CHECK_STR(js(json_array_get(json_object_get(pp, "authors"), 0), "_id"),
              "aaa");
    CHECK_EQ(strlen(js(json_array_get(json_object_get(pp, "authors"), 1),
                       "_id")),
             24);
    CHECK_STR(js(json_object_get(d, "submittedBy"), "_id"), "sss");
    CHECK_STR(js(json_object_get(d, "organization"), "fullname"), "The Org");
    CHECK(json_is_true(json_object_get(d, "isAuthorParticipating")));
    json_decref(d);
    pb_paper_clear(&p);
    /* 3. the bare minimum: optional keys absent, still well formed */
    pb_paper_init(&p);
    snprintf(p.id, sizeof p.id, "t-0123456789abcdef");
    d = write_json(&p, 0);
    pp = json_object_get(d, "paper");
    CHECK(json_object_get(d, "submittedBy") == NULL);
    CHECK(json_object_get(pp, "githubStars") == NULL);
    CHECK(json_object_get(pp, "submittedOnDailyAt") == NULL);
    CHECK_STR(js(pp, "title"), "");
    json_decref(d);
    pb_paper_clear(&p);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"html escaping", t_html},   {"xml escaping", t_xml},
        {"url encoding", t_url},
        {"redirect targets: same-site paths only", t_local_path},
        {"hashing pool: bounded queue, order, refusal", t_work_pool},
        {"hashing helper process: same answers as in-process", t_hash_proc},     {"markdown escaping", t_md},
        {"truncation", t_trunc},     {"periods", t_period},
        {"api json in HF shape", t_api_json},
        {NULL, NULL},
    };
    int rc = pb_test_run(T);
    esc(pb_web_html, "", 0); /* keep the static buffer reachable */
    return rc;
}
