/* test_ingest_chunk.c - line-based dumps cut into chunks (ingest/chunk.h):
 * parsed chunk by chunk they give the sink exactly what the line-by-line
 * importer gives (papers, rejections, line numbers, offsets, order), for
 * records across the reader's buffer boundaries and the chunks' limits,
 * CRLF endings, a last line without '\n', a NUL byte, an over-long line
 * and an xz stream damaged in the middle. */
#include "harness.h"

#include <lzma.h>

#include "core/buf.h"
#include "ingest/chunk.h"
#include "ingest/ingest.h"

static void put(struct pb_buf *b, const void *p, size_t n)
{
    CHECK_EQ(pb_buf_append(b, p, n), PB_OK);
}

/* A sink that writes what it gets as text: one line per paper or
 * rejection, with its position. */
struct trace {
    struct pb_buf b;
    int papers, rejects;
};

static int t_paper(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    struct trace *t = ctx;
    char line[512];
    int n = snprintf(line, sizeof line, "paper %s v%d line %llu byte %llu: %.200s\n",
                     p->id, p->version, (unsigned long long)pos->line,
                     (unsigned long long)pos->offset, p->title ? p->title : "-");
    put(&t->b, line, (size_t)n);
    t->papers++;
    pb_paper_clear(p);
    return PB_OK;
}

static void t_reject(void *ctx, const struct pb_srcpos *pos, const char *why)
{
    struct trace *t = ctx;
    char line[512];
    int n = snprintf(line, sizeof line, "reject line %llu byte %llu: %s\n",
                     (unsigned long long)pos->line,
                     (unsigned long long)pos->offset, why);
    put(&t->b, line, (size_t)n);
    t->rejects++;
}

static void trace_init(struct trace *t)
{
    memset(t, 0, sizeof *t);
    pb_buf_init(&t->b, 64u << 20);
}

static const char *trace_str(struct trace *t)
{
    return t->b.p ? t->b.p : "";
}

/* The reference: the importer reading line by line. */
static int by_lines(enum pb_format f, const void *doc, size_t len,
                    size_t line_max, struct trace *t)
{
    trace_init(t);
    struct pb_reader *r = NULL;
    struct pb_err err;
    pb_err_clear(&err);
    if (pb_reader_open_mem(doc, len, &r, &err) != PB_OK)
        return -1;
    if (line_max)
        pb_reader_set_line_max(r, line_max);
    struct pb_sink s = {t_paper, t_reject, t};
    int rc = pb_ingest_run(f, r, "f", &s, &err);
    pb_reader_free(r);
    return rc;
}

/* The same through chunks of at most max_lines lines / max_bytes bytes;
 * *n_chunks says how many. Returns the stream's rc. */
static int by_chunks(enum pb_format f, const void *doc, size_t len,
                     size_t line_max, size_t max_lines, size_t max_bytes,
                     struct trace *t, int *n_chunks)
{
    trace_init(t);
    *n_chunks = 0;
    struct pb_reader *r = NULL;
    struct pb_err err;
    pb_err_clear(&err);
    if (pb_reader_open_mem(doc, len, &r, &err) != PB_OK)
        return -1;
    if (line_max)
        pb_reader_set_line_max(r, line_max);
    struct pb_sink s = {t_paper, t_reject, t};
    struct pb_chunk c;
    pb_chunk_init(&c);
    int rc;
    while ((rc = pb_chunk_fill(&c, r, max_lines, max_bytes)) == PB_OK) {
        (*n_chunks)++;
        CHECK(c.n >= 1 && c.n <= max_lines);
        CHECK_EQ(pb_ingest_chunk(&c, "f", &s, pb_ingest_line_parser(f)), PB_OK);
        if (c.rc) {
            /* broken: the next call says so again, with nothing in it */
            CHECK_EQ(pb_chunk_fill(&c, r, max_lines, max_bytes), c.rc);
            CHECK_EQ(c.n, 0);
            rc = c.rc;
            break;
        }
    }
    if (rc == PB_EEOF)
        rc = PB_OK;
    pb_chunk_clear(&c);
    pb_reader_free(r);
    return rc;
}

/* Both ways, at several chunk sizes; the traces must be equal. */
static void same_both_ways(enum pb_format f, const void *doc, size_t len,
                           size_t line_max, int want_rc, struct trace *ref)
{
    CHECK_EQ(by_lines(f, doc, len, line_max, ref), want_rc);
    static const size_t sizes[][2] = {{1, 1}, {3, 1 << 20}, {7, 900},
                                      {4096, 8 << 20}, {50, 5000}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct trace t;
        int n_chunks;
        CHECK_EQ(by_chunks(f, doc, len, line_max, sizes[i][0], sizes[i][1],
                           &t, &n_chunks),
                 want_rc);
        if (strcmp(trace_str(&t), trace_str(ref)) != 0) {
            fprintf(stderr, "  chunks of %zu lines / %zu bytes differ:\n%s\n--- vs "
                            "line by line:\n%s\n",
                    sizes[i][0], sizes[i][1], trace_str(&t), trace_str(ref));
            CHECK(0);
        }
        pb_buf_clear(&t.b);
    }
}

/* n arXiv snapshot lines, ids 2101.00001.., abstracts of hex words so that
 * compression leaves the stream long. */
static char *arxiv_doc(int n, const char *eol, size_t *len)
{
    struct pb_buf b;
    pb_buf_init(&b, 64u << 20);
    unsigned x = 12345;
    for (int i = 0; i < n; i++) {
        char line[2048];
        int k = snprintf(line, sizeof line,
                         "{\"id\":\"2101.%05d\",\"title\":\"Paper %d\","
                         "\"authors\":\"A. One and B. Two\",\"abstract\":\"",
                         i + 1, i);
        for (int w = 0; w < 40; w++) {
            x = x * 1103515245u + 12345u;
            k += snprintf(line + k, sizeof line - (size_t)k, "%08x ", x);
        }
        k += snprintf(line + k, sizeof line - (size_t)k,
                      "\",\"categories\":\"cs.CL\",\"versions\":[{\"version\":"
                      "\"v1\",\"created\":\"Mon, 4 Jan 2021 10:00:00 GMT\"}],"
                      "\"update_date\":\"2021-01-05\"}%s",
                      eol);
        put(&b, line, (size_t)k);
    }
    *len = b.len;
    return b.p;
}

static void t_spanning(void)
{
    /* 300 lines of ~500 bytes: 150 KB, across the memory reader's 64 KiB
     * buffers, cut into chunks of 1, 3, 7 (or 900 bytes), 50 lines */
    size_t len;
    char *doc = arxiv_doc(300, "\n", &len);
    CHECK(len > 2 * 65536);
    struct trace ref;
    same_both_ways(PB_FMT_ARXIV_JSONL, doc, len, 0, PB_OK, &ref);
    CHECK_EQ(ref.papers, 300);
    CHECK_EQ(ref.rejects, 0);
    CHECK(strstr(trace_str(&ref), "paper 2101.00300 v1 line 300 byte ") != NULL);
    /* chunk counts: lines or bytes, whichever limit comes first */
    struct trace t;
    int n;
    CHECK_EQ(by_chunks(PB_FMT_ARXIV_JSONL, doc, len, 0, 7, 1 << 20, &t, &n), PB_OK);
    CHECK_EQ(n, (300 + 6) / 7);
    pb_buf_clear(&t.b);
    CHECK_EQ(by_chunks(PB_FMT_ARXIV_JSONL, doc, len, 0, 4096, 1, &t, &n), PB_OK);
    CHECK_EQ(n, 300); /* one line each: a line is never cut */
    pb_buf_clear(&t.b);
    pb_buf_clear(&ref.b);
    free(doc);
}

static void t_crlf_and_last_line(void)
{
    /* CRLF endings, a blank line, and a last line without '\n' */
    size_t len;
    char *doc = arxiv_doc(5, "\r\n", &len);
    struct pb_buf b;
    pb_buf_init(&b, 64u << 20);
    put(&b, doc, len);
    put(&b, "\r\n", 2); /* blank: line 6 */
    const char *last = "{\"id\":\"2101.09999\",\"title\":\"Last\",\"abstract\":"
                       "\"no newline after me\",\"versions\":[],"
                       "\"update_date\":\"2021-01-05\"}";
    put(&b, last, strlen(last));
    struct trace ref;
    same_both_ways(PB_FMT_ARXIV_JSONL, b.p, b.len, 0, PB_OK, &ref);
    CHECK_EQ(ref.papers, 6);
    CHECK_EQ(ref.rejects, 0);
    const char *s = trace_str(&ref);
    CHECK(strstr(s, "paper 2101.09999 v0 line 7 byte ") != NULL);
    CHECK(strstr(s, "Last\n") != NULL);
    CHECK(strstr(s, "\r") == NULL); /* no CR left in a title */
    pb_buf_clear(&ref.b);
    /* the same in paperboy JSON lines */
    const char *pj = "{\"title\": \"One\"}\r\n\r\n{\"title\": \"Two\"}";
    same_both_ways(PB_FMT_PB_JSONL, pj, strlen(pj), 0, PB_OK, &ref);
    CHECK_EQ(ref.papers, 2);
    CHECK(strstr(trace_str(&ref), "line 3 byte 20: Two\n") != NULL);
    pb_buf_clear(&ref.b);
    pb_buf_clear(&b);
    free(doc);
}

static void t_nul_and_long_line(void)
{
    /* a NUL byte in line 3 rejects that line; a line over the cap (line 6)
     * is skipped whole and rejected; the others import */
    size_t len;
    char *doc = arxiv_doc(8, "\n", &len);
    char *nl = doc;
    for (int i = 0; i < 2; i++)
        nl = strchr(nl, '\n') + 1;
    nl[40] = '\0'; /* inside line 3's title or authors */
    struct trace ref;
    same_both_ways(PB_FMT_ARXIV_JSONL, doc, len, 0, PB_OK, &ref);
    CHECK_EQ(ref.papers, 7);
    CHECK_EQ(ref.rejects, 1);
    CHECK(strstr(trace_str(&ref), "reject line 3 byte ") != NULL);
    pb_buf_clear(&ref.b);
    /* line max 600: the lines are ~500 bytes; make line 6 longer */
    struct pb_buf b;
    pb_buf_init(&b, 64u << 20);
    const char *p = doc;
    for (int i = 1; i <= 8; i++) {
        const char *e = memchr(p, '\n', len - (size_t)(p - doc));
        if (i == 6) {
            put(&b, p, 20);
            for (int k = 0; k < 200; k++)
                put(&b, "long ", 5);
            put(&b, p + 20, (size_t)(e - p - 20));
        } else {
            put(&b, p, (size_t)(e - p));
        }
        put(&b, "\n", 1);
        p = e + 1;
    }
    same_both_ways(PB_FMT_ARXIV_JSONL, b.p, b.len, 600, PB_OK, &ref);
    CHECK_EQ(ref.papers, 6);
    CHECK_EQ(ref.rejects, 2);
    CHECK(strstr(trace_str(&ref), "reject line 6 byte ") != NULL);
    CHECK(strstr(trace_str(&ref), "over the 600-byte limit") != NULL);
    pb_buf_clear(&ref.b);
    pb_buf_clear(&b);
    free(doc);
}

static void t_damaged_xz(void)
{
    /* an xz stream damaged in the middle: the records before the damage,
     * then one rejection at the line that could not be read, and the
     * stream's error; chunked exactly as line by line */
    size_t len;
    char *doc = arxiv_doc(600, "\n", &len);
    size_t cap = len + 4096, xz_len = 0;
    unsigned char *xz = malloc(cap);
    CHECK_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
                                     (const uint8_t *)doc, len, xz, &xz_len, cap),
             LZMA_OK);
    CHECK(xz_len > 90000);
    for (size_t k = xz_len / 2; k < xz_len / 2 + 64; k++)
        xz[k] ^= 0x5a;
    struct trace ref;
    same_both_ways(PB_FMT_ARXIV_JSONL, xz, xz_len, 0, PB_EPARSE, &ref);
    CHECK(ref.papers > 50 && ref.papers < 600);
    CHECK(ref.rejects >= 1);
    const char *s = trace_str(&ref), *last = strstr(s, "reject line ");
    CHECK(last != NULL);
    if (last) {
        while (strstr(last + 1, "reject line "))
            last = strstr(last + 1, "reject line ");
        CHECK(strstr(last, "xz") != NULL);
        CHECK(strstr(last, "\npaper") == NULL); /* nothing after it */
    }
    pb_buf_clear(&ref.b);
    /* an empty input: no chunk at all */
    struct trace t;
    int n;
    CHECK_EQ(by_chunks(PB_FMT_ARXIV_JSONL, "", 0, 0, 10, 100, &t, &n), PB_OK);
    CHECK_EQ(n, 0);
    pb_buf_clear(&t.b);
    free(xz);
    free(doc);
}

int main(void)
{
    static const struct pb_test tests[] = {
        {"spanning", t_spanning},
        {"crlf_and_last_line", t_crlf_and_last_line},
        {"nul_and_long_line", t_nul_and_long_line},
        {"damaged_xz", t_damaged_xz},
        {0, 0},
    };
    return pb_test_run(tests);
}
