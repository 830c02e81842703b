/* test_mail.c - e-mail: RFC 2047 headers, quoted-printable and line
 * lengths, addresses, signed tokens on a fake clock, preferences, message
 * rendering, and the sent-log's idempotence with a scripted transport. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "harness.h"
#include "mail/mail.h"
#include "mail/mail_prefs.h"
#include "mail/mail_text.h"
#include "mail/mail_token.h"
#include "sched/sched.h"
#include "store/store_mail.h"

/* --- helpers --------------------------------------------------------------- */

/* Every line of s (CRLF-separated) at most max; no bare CR or LF. */
static int lines_ok(const char *s, size_t len, size_t max)
{
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r') {
            if (i + 1 >= len || s[i + 1] != '\n')
                return 0;
            i++;
            col = 0;
        } else if (s[i] == '\n') {
            return 0;
        } else if (++col > max) {
            return 0;
        }
    }
    return 1;
}

/* Decode the encoded-words of a header value (and raw text) as a mail
 * reader would: words separated only by folding white space join. */
static void decode_2047(const char *s, struct pb_buf *out)
{
    const char *p = s;
    while (*p) {
        if (!strncmp(p, "=?UTF-8?B?", 10)) {
            const char *e = strstr(p + 10, "?=");
            unsigned char bin[256];
            size_t n = 0;
            CHECK(e != NULL);
            if (!e)
                return;
            CHECK(e - p <= 75);
            CHECK_EQ(sodium_base642bin(bin, sizeof bin, p + 10,
                                       (size_t)(e - p - 10), NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
            CHECK_EQ(pb_buf_append(out, bin, n), PB_OK);
            p = e + 2;
            if (!strncmp(p, "\r\n ", 3) && !strncmp(p + 3, "=?", 2))
                p += 3;
        } else {
            CHECK_EQ(pb_buf_putc(out, *p++), PB_OK);
        }
    }
}

static void qp_decode(const char *s, size_t len, struct pb_buf *out)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=' && i + 2 < len && s[i + 1] == '\r') {
            i += 2; /* soft break */
        } else if (s[i] == '=' && i + 2 < len) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            CHECK_EQ(pb_buf_putc(out, (char)strtol(h, NULL, 16)), PB_OK);
            i += 2;
        } else if (s[i] == '\r') {
            /* CRLF -> LF */
        } else {
            CHECK_EQ(pb_buf_putc(out, s[i]), PB_OK);
        }
    }
}

/* --- RFC 2047 ------------------------------------------------------------- */

static void t_header_ascii(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 1 << 16);
    CHECK_EQ(pb_mail_header_text(&b, 9, "Trending papers"), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "Trending papers");
    pb_buf_reset(&b);
    /* CR/LF never pass: the value stays on its line */
    CHECK_EQ(pb_mail_header_text(&b, 9, "a\r\nBcc: x@y.z\n\tc"), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "a Bcc: x@y.z c");
    pb_buf_reset(&b);
    /* "=?" could read as an encoded-word: encoded itself */
    CHECK_EQ(pb_mail_header_text(&b, 9, "=?UTF-8?B?QQ==?="), PB_OK);
    CHECK(!strncmp(pb_buf_cstr(&b), "=?UTF-8?B?", 10));
    struct pb_buf d;
    pb_buf_init(&d, 1 << 16);
    decode_2047(pb_buf_cstr(&b), &d);
    CHECK_STR(pb_buf_cstr(&d), "=?UTF-8?B?QQ==?=");
    pb_buf_clear(&d);
    pb_buf_clear(&b);
}

static void t_header_utf8(void)
{
    static const char *const cases[] = {
        "Zoë Müller: ∑ über alles",
        "日本語のタイトルはとても長いのでいくつかのエンコードされた単語に分割されます"
        "そしてもっと長く",
        "Long ASCII subject that is much longer than seventy-eight characters "
        "in all, so it must fold",
        "emoji 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
        "bad \xff\xfe bytes",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_buf b, d;
        pb_buf_init(&b, 1 << 16);
        pb_buf_init(&d, 1 << 16);
        CHECK_EQ(pb_buf_puts(&b, "Subject: "), PB_OK);
        CHECK_EQ(pb_mail_header_text(&b, 9, cases[i]), PB_OK);
        CHECK(lines_ok(b.p, b.len, 78));
        for (size_t k = 0; k < b.len; k++) /* 7-bit on the wire */
            CHECK((unsigned char)b.p[k] < 0x80);
        decode_2047(b.p + 9, &d);
        if (i < 4)
            CHECK_STR(pb_buf_cstr(&d), cases[i]);
        else
            CHECK_STR(pb_buf_cstr(&d), "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
        /* each decoded word is whole UTF-8 (split between characters) */
        CHECK_EQ(pb_utf8_check(d.p, d.len), d.len);
        pb_buf_clear(&b);
        pb_buf_clear(&d);
    }
}

static void t_header_phrase(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 4096);
    CHECK_EQ(pb_mail_header_phrase(&b, 6, "paperboy"), PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "paperboy");
    pb_buf_reset(&b);
    /* specials of an address: encoded, so no second address appears */
    CHECK_EQ(pb_mail_header_phrase(&b, 6, "Eve <eve@evil>, x"), PB_OK);
    CHECK(!strchr(pb_buf_cstr(&b), '<') && !strchr(pb_buf_cstr(&b), ','));
    pb_buf_clear(&b);
}

/* --- bodies ---------------------------------------------------------------- */

static void t_qp(void)
{
    static const char *const cases[] = {
        "plain line\nsecond line\n",
        "a = b and trailing space \nand tab\t\n",
        ".starts with a dot\nFrom the start\n",
        "ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé ünïcödé "
        "ünïcödé ünïcödé ünïcödé ünïcödé\n",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxx=\n",
        "exactly seventy-six characters on this line, no soft break is needed.."
        "....\n",
        "no newline at the end",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb_buf b, d;
        pb_buf_init(&b, 1 << 16);
        pb_buf_init(&d, 1 << 16);
        CHECK_EQ(pb_mail_qp(&b, cases[i], strlen(cases[i])), PB_OK);
        CHECK(lines_ok(b.p, b.len, 76));
        qp_decode(b.p, b.len, &d);
        if (i == 6)
            CHECK_STR(pb_buf_cstr(&d), "no newline at the end\n");
        else
            CHECK_STR(pb_buf_cstr(&d), cases[i]);
        /* nothing a line ends with may be white space; no line starts
         * with '.' (SMTP) or "From " (mbox) */
        for (size_t k = 0; k + 1 < b.len; k++) {
            if (b.p[k + 1] == '\r')
                CHECK(b.p[k] != ' ' && b.p[k] != '\t');
            if (k == 0 || b.p[k - 1] == '\n')
                CHECK(b.p[k] != '.' && b.p[k] != 'F');
        }
        pb_buf_clear(&b);
        pb_buf_clear(&d);
    }
}

static void t_wrap(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 4096);
    CHECK_EQ(pb_buf_puts(&b, "   "), PB_OK);
    CHECK_EQ(pb_mail_wrap(&b, "one two three four five six seven eight nine "
                              "ten eleven twelve thirteen fourteen\r\nBcc: x",
                          3, 30),
             PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "   one two three four five six\n"
                               "   seven eight nine ten eleven\n"
                               "   twelve thirteen fourteen\n   Bcc: x");
    pb_buf_reset(&b);
    /* a word longer than the width stays whole; columns count characters,
     * not bytes */
    CHECK_EQ(pb_mail_wrap(&b, "go https://example.org/a/very/long/url/that/"
                              "does/not/fit ünïcödé ünïcödé",
                          0, 20),
             PB_OK);
    CHECK_STR(pb_buf_cstr(&b), "go\nhttps://example.org/a/very/long/url/that/"
                               "does/not/fit\nünïcödé ünïcödé");
    pb_buf_clear(&b);
}

static void t_addr(void)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"alice@example.org", 1},
        {"a.b+tag@sub.example-x.org", 1},
        {"o'neil@example.org", 1},
        {"x@localhost", 1},
        {"", 0},
        {"@example.org", 0},
        {"alice@", 0},
        {"alice", 0},
        {"a..b@example.org", 0},
        {".a@example.org", 0},
        {"a.@example.org", 0},
        {"a b@example.org", 0},
        {"a@example.org\r\nBcc: x@y.z", 0},
        {"a@exa mple.org", 0},
        {"a@-example.org", 0},
        {"a@example-.org", 0},
        {"a@example..org", 0},
        {"\"quoted\"@example.org", 0},
        {"a<b>@example.org", 0},
        {"a@b@example.org", 0},
        {"ünï@example.org", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (pb_mail_addr_ok(cases[i].s) != cases[i].ok) {
            fprintf(stderr, "  addr \"%s\"\n", cases[i].s);
            CHECK(0);
        }
    char big[300];
    memset(big, 'a', 250);
    memcpy(big + 250, "@x.y", 5);
    CHECK(!pb_mail_addr_ok(big)); /* 254 bytes at most */
    memset(big, 'a', 65);
    memcpy(big + 65, "@x.y", 5);
    CHECK(!pb_mail_addr_ok(big)); /* 64 in the local part */
}

static void t_date(void)
{
    char d[40];
    pb_mail_date(1717372800, d); /* 2024-06-03 00:00:00 UTC, a Monday */
    CHECK_STR(d, "Mon, 03 Jun 2024 00:00:00 +0000");
}

/* --- tokens on a fake clock -------------------------------------------------- */

static void t_tokens(void)
{
    unsigned char key[PB_MAIL_KEY_BYTES], other[PB_MAIL_KEY_BYTES];
    char tok[PB_MAIL_TOKEN_MAX];
    int64_t now = 1700000000, exp = now + PB_MAIL_CONFIRM_TTL;
    pb_mail_key_new(key);
    pb_mail_key_new(other);
    pb_mail_token_make(key, PB_MAIL_TOKEN_CONFIRM, 42, "Alice@Example.org",
                       exp, tok);
    CHECK(strlen(tok) < PB_MAIL_TOKEN_MAX);
    for (const char *c = tok; *c; c++)
        CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789._-", *c));
    int kind;
    int64_t sub, e;
    CHECK_EQ(pb_mail_token_parse(tok, &kind, &sub, &e), PB_OK);
    CHECK_EQ(kind, 'c');
    CHECK_EQ(sub, 42);
    CHECK_EQ(e, exp);
    CHECK_EQ(pb_mail_token_check(key, tok, 'c', "alice@example.org", now),
             PB_OK); /* the address's case does not matter */
    CHECK_EQ(pb_mail_token_check(key, tok, 'c', "alice@example.org", exp),
             PB_OK);
    CHECK_EQ(pb_mail_token_check(key, tok, 'c', "alice@example.org", exp + 1),
             PB_EPERM);
    CHECK_EQ(pb_mail_token_check(key, tok, 'u', "alice@example.org", now),
             PB_EINVAL);
    CHECK_EQ(pb_mail_token_check(key, tok, 'c', "bob@example.org", now),
             PB_EINVAL);
    CHECK_EQ(pb_mail_token_check(other, tok, 'c', "alice@example.org", now),
             PB_EINVAL);
    /* another subscriber or expiry with the same MAC: forged */
    char forged[PB_MAIL_TOKEN_MAX];
    snprintf(forged, sizeof forged, "c43%s", strchr(tok, '.'));
    CHECK_EQ(pb_mail_token_check(key, forged, 'c', "alice@example.org", now),
             PB_EINVAL);
    char *dot = strrchr(tok, '.');
    snprintf(forged, sizeof forged, "c42.%lld%s", (long long)exp + 999999,
             dot);
    CHECK_EQ(pb_mail_token_check(key, forged, 'c', "alice@example.org", now),
             PB_EINVAL);
    /* a flipped MAC character */
    snprintf(forged, sizeof forged, "%s", tok);
    char *m = strrchr(forged, '.') + 1;
    m[3] = m[3] == 'A' ? 'B' : 'A';
    CHECK_EQ(pb_mail_token_check(key, forged, 'c', "alice@example.org", now),
             PB_EINVAL);
    /* unsubscribe tokens do not expire */
    pb_mail_token_make(key, PB_MAIL_TOKEN_UNSUB, 7, "b@x.org", 0, tok);
    CHECK_EQ(pb_mail_token_check(key, tok, 'u', "b@x.org", INT64_MAX / 2),
             PB_OK);
    static const char *const bad[] = {
        "", "c", "c1", "c1.2", "c1.2.", "x1.2.AAAAAAAAAAAAAAAAAAAAAA",
        "c1.2.AAAAAAAAAAAAAAAAAAAAA", "c1.2.AAAAAAAAAAAAAAAAAAAAAAA",
        "c.2.AAAAAAAAAAAAAAAAAAAAAA", "c1..AAAAAAAAAAAAAAAAAAAAAA",
        "c1.2.AAAAAAAAAAAAAAAAAAAAA=", "c1234567890123456789.2.AAAAAAAAAAAAAAAAAAAAAA",
        "c-1.2.AAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pb_mail_token_parse(bad[i], &kind, &sub, &e) != PB_EINVAL) {
            fprintf(stderr, "  token \"%s\"\n", bad[i]);
            CHECK(0);
        }
    }
}

/* --- preferences ----------------------------------------------------------- */

static void t_prefs(void)
{
    struct pb_sub s;
    char why[256];
    struct pb_mail_form f = {" alice@example.org ", "weekly", "5", "30",
                             "cs.CL, cs.LG cs.CL", "Tri Dao\nAlbert Gu; tri dao",
                             "mamba, state space\n"};
    CHECK_EQ(pb_mail_prefs_parse(&f, &s, why, sizeof why), PB_OK);
    CHECK_STR(s.email, "alice@example.org");
    CHECK_EQ(s.freq, PB_SUB_WEEKLY);
    CHECK_EQ(s.top_n, 5);
    CHECK_EQ(s.max_papers, 30);
    CHECK_STR(s.categories, "cs.CL cs.LG");
    CHECK_STR(s.authors, "Tri Dao\nAlbert Gu");
    CHECK_STR(s.keywords, "mamba\nstate space");
    struct pb_mail_form d = {.email = "b@example.org"};
    CHECK_EQ(pb_mail_prefs_parse(&d, &s, why, sizeof why), PB_OK);
    CHECK_EQ(s.freq, PB_SUB_DAILY);
    CHECK_EQ(s.top_n, 10);
    CHECK_EQ(s.max_papers, 20);
#define F(e, fr, t, m, c, a, k) {e, fr, t, m, c, a, k}
    static const struct pb_mail_form bad[] = {
        F(NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        F("not an address", NULL, NULL, NULL, NULL, NULL, NULL),
        F("a@example.org\r\nBcc: v@evil.test", NULL, NULL, NULL, NULL, NULL,
          NULL),
        F("a@example.org", "hourly", NULL, NULL, NULL, NULL, NULL),
        F("a@example.org", NULL, "51", NULL, NULL, NULL, NULL),
        F("a@example.org", NULL, "-1", NULL, NULL, NULL, NULL),
        F("a@example.org", NULL, NULL, "0", NULL, NULL, NULL),
        F("a@example.org", NULL, NULL, "999999999999999999999", NULL, NULL,
          NULL),
        F("a@example.org", NULL, NULL, NULL, "cs.CL <script>", NULL, NULL),
        F("a@example.org", NULL, NULL, NULL, NULL, "Eve\x01", NULL),
        F("a@example.org", NULL, NULL, NULL, NULL, NULL, "\xff"),
    };
#undef F
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pb_mail_prefs_parse(&bad[i], &s, why, sizeof why) != PB_EINVAL) {
            fprintf(stderr, "  prefs case %zu\n", i);
            CHECK(0);
        }
        CHECK(why[0] != '\0');
    }
}

/* --- whole messages ----------------------------------------------------------- */

static void t_message(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    struct pb_mail_msg m = {
        .from = "digest@paperboy.test", .from_name = "Pb\r\nBcc: v@evil",
        .to = "alice@example.org",
        .subject = "Trending: Ünïcode\r\nBcc: victim@evil.test",
        .message_id = "pb.D2024-06-03.1.ab@paperboy.test", .date = 1717372800,
        .unsub_url = "https://paperboy.test/mail/unsubscribe?t=u1.0.x",
        .text = "1. A title\n   https://paperboy.test/papers/1\n",
        .html = "<!doctype html><p>A title</p>",
    };
    CHECK_EQ(pb_mail_msg_render(&m, &b), PB_OK);
    CHECK(lines_ok(b.p, b.len, 78));
    const char *body = strstr(b.p, "\r\n\r\n");
    CHECK(body != NULL);
    size_t head = body ? (size_t)(body - b.p) : 0;
    char *h = pb_strndup(b.p, head);
    CHECK(strstr(h, "\r\nBcc:") == NULL && strncmp(h, "Bcc:", 4));
    CHECK(strstr(h, "MIME-Version: 1.0") != NULL);
    CHECK(strstr(h, "Date: Mon, 03 Jun 2024 00:00:00 +0000") != NULL);
    CHECK(strstr(h, "Message-ID: <pb.D2024-06-03.1.ab@paperboy.test>"));
    CHECK(strstr(h, "List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    CHECK(strstr(h, "multipart/alternative") != NULL);
    free(h);
    CHECK(strstr(b.p, "Content-Type: text/plain; charset=utf-8") != NULL);
    CHECK(strstr(b.p, "Content-Type: text/html; charset=utf-8") != NULL);
    /* a bad address or a header-breaking id is refused */
    struct pb_mail_msg bad = m;
    bad.to = "a@example.org\r\nBcc: v@evil";
    CHECK_EQ(pb_mail_msg_render(&bad, &b), PB_EINVAL);
    bad = m;
    bad.message_id = "x\r\nBcc: v@evil";
    CHECK_EQ(pb_mail_msg_render(&bad, &b), PB_EINVAL);
    pb_buf_clear(&b);
}

/* --- the scheduler's clock arithmetic ---------------------------------------- */

static void t_sched_times(void)
{
    int at;
    CHECK_EQ(pb_sched_parse_time("07:00", &at), PB_OK);
    CHECK_EQ(at, 7 * 3600);
    CHECK_EQ(pb_sched_parse_time("23:59:59", &at), PB_OK);
    CHECK_EQ(at, 86399);
    static const char *const bad[] = {"", "7:00", "24:00", "12:60",
                                      "12:00:60", "12", "12:00:00:00",
                                      "ab:cd", "12:0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(pb_sched_parse_time(bad[i], &at), PB_EINVAL);
    setenv("TZ", "America/New_York", 1);
    tzset();
    /* 2024-03-09 12:00 UTC (07:00 EST): the next 07:00 is on the 10th,
     * after the change to EDT: 11:00 UTC */
    CHECK_EQ(pb_sched_next_local(1709985600, 7 * 3600), 1710068400);
    /* just before 07:00 EST on the 9th: 12:00 UTC that day */
    CHECK_EQ(pb_sched_next_local(1709985599, 7 * 3600), 1709985600);
    /* 02:30 does not exist on 2024-03-10 in New York: never stuck */
    int64_t n = pb_sched_next_local(1710054000, 2 * 3600 + 1800);
    CHECK(n > 1710054000 && n <= 1710054000 + 2 * 86400);
    setenv("TZ", "UTC", 1);
    tzset();
    CHECK_EQ(pb_sched_next_local(1717372800, 7 * 3600), 1717372800 + 25200);
    CHECK_EQ(pb_sched_next_local(1717372800 + 25200, 7 * 3600),
             1717372800 + 25200 + 86400);
}

/* --- idempotence with a scripted transport ------------------------------------- */

struct fake_clock {
    int64_t now_s, slept_ms, n_sleeps;
};
static int64_t fk_ms(void *c) { return ((struct fake_clock *)c)->now_s * 1000; }
static int64_t fk_s(void *c) { return ((struct fake_clock *)c)->now_s; }
static void fk_sleep(void *c, int64_t ms)
{
    struct fake_clock *f = c;
    f->slept_ms += ms;
    f->n_sleeps++;
    f->now_s += ms / 1000;
}

#define MAX_SENT 64
struct fake_smtp {
    int fail_temp;          /* answer PB_EIO while > 0 (counts down) */
    int fail_always;        /* 1: every send fails temporarily */
    const char *refuse;     /* this recipient: PB_EPERM */
    int n_sent;
    char to[MAX_SENT][64];
    char mid[MAX_SENT][160];
    int n_calls;
};

static int fake_send(void *ctx, const char *from, const char *to,
                     const char *data, size_t len,
                     struct pb_smtp_result *res)
{
    struct fake_smtp *f = ctx;
    (void)from;
    f->n_calls++;
    memset(res, 0, sizeof *res);
    CHECK(lines_ok(data, len, 78));
    if (f->refuse && !strcmp(f->refuse, to)) {
        res->code = 550;
        snprintf(res->msg, sizeof res->msg, "550 no such user");
        return PB_EPERM;
    }
    if (f->fail_always || f->fail_temp > 0) {
        f->fail_temp--;
        res->code = 451;
        snprintf(res->msg, sizeof res->msg, "451 try later");
        return PB_EIO;
    }
    if (f->n_sent < MAX_SENT) {
        snprintf(f->to[f->n_sent], sizeof f->to[0], "%s", to);
        const char *m = strstr(data, "Message-ID: <");
        CHECK(m != NULL);
        if (m)
            snprintf(f->mid[f->n_sent], sizeof f->mid[0], "%.*s",
                     (int)strcspn(m + 13, ">"), m + 13);
    }
    f->n_sent++;
    res->code = 250;
    return PB_OK;
}

static struct pb_store *st;
static char dbpath[64];

static void add_paper(const char *id, const char *day, int64_t up,
                      const char *cat, const char *author)
{
    struct pb_paper p;
    pb_paper_init(&p);
    snprintf(p.id, sizeof p.id, "%s", id);
    pb_str_set(&p.title, "A paper", 7);
    pb_str_set(&p.abstract, "About mamba and attention.", 26);
    pb_str_set(&p.categories, cat, strlen(cat));
    pb_strlist_push(&p.authors, author, strlen(author));
    snprintf(p.listed_day, sizeof p.listed_day, "%s", day);
    p.upvotes = up;
    p.sources = PB_SRC_JSONL;
    enum pb_upsert how;
    CHECK_EQ(pb_store_paper_upsert(st, &p, &how, NULL), PB_OK);
    pb_paper_clear(&p);
}

static int64_t add_sub(const char *email, int freq, int top, int max,
                       const char *cats)
{
    struct pb_sub s;
    memset(&s, 0, sizeof s);
    snprintf(s.email, sizeof s.email, "%s", email);
    s.freq = freq, s.top_n = top, s.max_papers = max;
    snprintf(s.categories, sizeof s.categories, "%s", cats);
    int64_t id = 0;
    CHECK_EQ(pb_store_sub_add(st, &s, 1000, 600, &id), PB_OK);
    CHECK_EQ(pb_store_sub_confirm(st, id, 1001), PB_OK);
    return id;
}

static void setup_store(void)
{
    struct pb_err err;
    snprintf(dbpath, sizeof dbpath, "/tmp/pb-test-mail-%d.db", (int)getpid());
    unlink(dbpath);
    CHECK_EQ(pb_store_open(dbpath, 0, &st, &err), PB_OK);
    CHECK_EQ(pb_store_begin(st), PB_OK);
    add_paper("2406.00001", "2024-06-03", 50, "cs.CL", "Ann");
    add_paper("2406.00002", "2024-06-03", 40, "cs.LG", "Bob");
    add_paper("2406.00003", "2024-06-03", 30, "math.CO", "Cy");
    add_paper("2406.00004", "2024-06-03", 1, "cs.CL", "Dee");
    add_paper("2406.00005", "2024-06-04", 9, "cs.CL", "Eve");
    add_paper("2406.00006", "2024-06-04", 8, "cs.LG", "Fay");
    CHECK_EQ(pb_store_commit(st), PB_OK);
}

static void teardown_store(void)
{
    pb_store_close(st);
    st = NULL;
    char p[80];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
}

static void config(struct pb_mail_config *c, struct pb_smtp *tr,
                   struct fake_smtp *f, struct pb_clock *ck,
                   struct fake_clock *fc)
{
    *tr = (struct pb_smtp){fake_send, f};
    *ck = (struct pb_clock){fk_ms, fk_sleep, fk_s, fc};
    memset(c, 0, sizeof *c);
    c->base_url = "https://paperboy.test";
    c->from = "digest@paperboy.test";
    c->smtp = tr;
    c->clock = ck;
}

static void t_idempotent(void)
{
    setup_store();
    struct fake_smtp f = {0};
    struct fake_clock fc = {1717459200, 0, 0};
    struct pb_smtp tr;
    struct pb_clock ck;
    struct pb_mail_config c;
    struct pb_mail_counts n = {0};
    struct pb_err err;
    config(&c, &tr, &f, &ck, &fc);
    int64_t a = add_sub("a@example.org", PB_SUB_DAILY, 2, 3, "cs.CL");
    add_sub("b@example.org", PB_SUB_DAILY, 1, 5, "");
    (void)a;
    /* dry run: nothing sent, nothing logged */
    c.dry_run = 1;
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_calls, 0);
    c.dry_run = 0;
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(n.sent, 2);
    CHECK_EQ(f.n_sent, 2);
    /* a: top 2 (00001, 00002) + cs.CL follow (00004), max 3 */
    int64_t *pids = NULL;
    size_t np = 0;
    CHECK_EQ(pb_store_digest_papers(st, a, "D2024-06-03", &pids, &np), PB_OK);
    CHECK_EQ(np, 3);
    free(pids);
    /* the rerun sends nothing */
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(n.sent, 0);
    CHECK_EQ(n.already, 2);
    CHECK_EQ(f.n_sent, 2);
    /* no paper twice: a weekly view of the same days has nothing new for
     * a on 2024-06-03 except what it was not sent */
    CHECK_EQ(pb_store_mail_candidates(st, a, "2024-06-03", "2024-06-03", 100,
                                      &pids, &np), PB_OK);
    CHECK_EQ(np, 1); /* 00003 (math.CO, not trending enough) */
    free(pids);
    teardown_store();
}

static void t_retry_backoff(void)
{
    setup_store();
    struct fake_smtp f = {0};
    struct fake_clock fc = {1717459200, 0, 0};
    struct pb_smtp tr;
    struct pb_clock ck;
    struct pb_mail_config c;
    struct pb_mail_counts n = {0};
    struct pb_err err;
    config(&c, &tr, &f, &ck, &fc);
    add_sub("a@example.org", PB_SUB_DAILY, 2, 3, "");
    int64_t b = add_sub("b@example.org", PB_SUB_DAILY, 2, 3, "");
    add_sub("c@example.org", PB_SUB_DAILY, 2, 3, "");
    /* a goes through; then the server answers 451 for good: b is tried
     * three times (waits 2 s, 4 s), deferred, and the run stops before c */
    f.fail_temp = 0;
    struct fake_smtp *fp = &f;
    c.tries = 3;
    /* fail from the second message on */
    fp->fail_always = 0;
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 3);
    /* next day: everything fails */
    f.fail_always = 1;
    memset(&n, 0, sizeof n);
    int calls = f.n_calls;
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_EIO);
    CHECK_EQ(f.n_calls - calls, 3);
    CHECK_EQ(fc.slept_ms, 2000 + 4000);
    CHECK_EQ(n.deferred, 1);
    CHECK_EQ(n.sent, 0);
    struct pb_digest_rec rec;
    CHECK_EQ(pb_store_digest_get(st, 1, "D2024-06-04", &rec), PB_OK);
    CHECK_EQ(rec.state, PB_DIGEST_PREPARED);
    CHECK_EQ(rec.attempts, 1);
    CHECK_EQ(rec.next_try, fc.now_s + 300);
    CHECK_EQ(pb_store_digest_get(st, b, "D2024-06-04", &rec), PB_ENOTFOUND);
    char mid[128];
    CHECK_EQ(pb_store_digest_get(st, 1, "D2024-06-04", &rec), PB_OK);
    snprintf(mid, sizeof mid, "%s", rec.message_id);
    /* not due yet: retry_due does nothing */
    f.fail_always = 0;
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(n.sent, 0);
    /* due: sent once, with the logged Message-ID */
    fc.now_s += 301;
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(n.sent, 1);
    CHECK_STR(f.mid[f.n_sent - 1], mid);
    /* the rerun of the day sends the other two, each once */
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    CHECK_EQ(n.sent, 2);
    CHECK_EQ(n.already, 1);
    CHECK_EQ(f.n_sent, 6);
    for (int i = 0; i < f.n_sent; i++)
        for (int j = i + 1; j < f.n_sent; j++)
            CHECK(strcmp(f.mid[i], f.mid[j]));
    teardown_store();
}

static void t_crash_after_log(void)
{
    /* a run that logged a digest and died before sending: the next run
     * sends that digest, with its papers, once */
    setup_store();
    struct fake_smtp f = {0};
    struct fake_clock fc = {1717459200, 0, 0};
    struct pb_smtp tr;
    struct pb_clock ck;
    struct pb_mail_config c;
    struct pb_mail_counts n = {0};
    struct pb_err err;
    config(&c, &tr, &f, &ck, &fc);
    int64_t a = add_sub("a@example.org", PB_SUB_DAILY, 1, 5, "");
    int64_t pid_list[1];
    struct pb_paper p;
    pb_paper_init(&p);
    CHECK_EQ(pb_store_paper_get(st, "2406.00003", &p, &pid_list[0]), PB_OK);
    pb_paper_clear(&p);
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-03", "pb.crash@x",
                                     pid_list, 1, fc.now_s), PB_OK);
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-03", "pb.other@x",
                                     pid_list, 1, fc.now_s), PB_EEXIST);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 1);
    CHECK_STR(f.mid[0], "pb.crash@x");
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 1);
    /* a run that claimed a digest and died in the middle of sending it:
     * nobody else sends it while its lease lasts (it may be on the wire),
     * then the next run does, once */
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-04", "pb.lease@x",
                                     pid_list, 1, fc.now_s), PB_OK);
    CHECK_EQ(pb_store_digest_claim(st, a, "D2024-06-04", fc.now_s,
                                   fc.now_s + 1800), PB_OK);
    CHECK_EQ(pb_store_digest_claim(st, a, "D2024-06-04", fc.now_s,
                                   fc.now_s + 1800), PB_EBUSY);
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 1);
    CHECK_EQ(n.already, 1);
    fc.now_s += 1801;
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 2);
    CHECK_STR(f.mid[1], "pb.lease@x");
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 2);
    teardown_store();
}

static void t_refused_paused(void)
{
    setup_store();
    struct fake_smtp f = {0};
    struct fake_clock fc = {1717459200, 0, 0};
    struct pb_smtp tr;
    struct pb_clock ck;
    struct pb_mail_config c;
    struct pb_mail_counts n = {0};
    struct pb_err err;
    config(&c, &tr, &f, &ck, &fc);
    c.pause_after = 2;
    int64_t a = add_sub("gone@example.org", PB_SUB_DAILY, 1, 5, "");
    add_sub("ok@example.org", PB_SUB_DAILY, 1, 5, "");
    f.refuse = "gone@example.org";
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(n.refused, 1);
    CHECK_EQ(n.sent, 1);
    CHECK_EQ(f.n_calls, 2); /* a refusal is not retried */
    struct pb_sub s;
    CHECK_EQ(pb_store_sub_get(st, a, &s), PB_OK);
    CHECK_EQ(s.state, PB_SUB_ACTIVE);
    CHECK_EQ(s.refusals, 1);
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    CHECK_EQ(n.paused, 1);
    CHECK_EQ(pb_store_sub_get(st, a, &s), PB_OK);
    CHECK_EQ(s.state, PB_SUB_PAUSED);
    CHECK(strstr(s.last_error, "550") != NULL);
    memset(&n, 0, sizeof n);
    int calls = f.n_calls;
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-05", &n, &err), PB_OK);
    CHECK_EQ(f.n_calls, calls); /* paused, and ok has nothing new */
    teardown_store();
}

static void t_confirmations(void)
{
    setup_store();
    struct fake_smtp f = {0};
    struct fake_clock fc = {1717459200, 0, 0};
    struct pb_smtp tr;
    struct pb_clock ck;
    struct pb_mail_config c;
    struct pb_mail_counts n = {0};
    struct pb_err err;
    config(&c, &tr, &f, &ck, &fc);
    struct pb_sub s;
    memset(&s, 0, sizeof s);
    snprintf(s.email, sizeof s.email, "new@example.org");
    s.top_n = 3, s.max_papers = 5;
    int64_t id;
    CHECK_EQ(pb_store_sub_add(st, &s, fc.now_s, 600, &id), PB_OK);
    /* pending: no digest, one confirmation, once */
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_calls, 0);
    CHECK_EQ(pb_mail_send_confirmations(st, &c, &n, &err), PB_OK);
    CHECK_EQ(n.confirmations, 1);
    CHECK_EQ(pb_mail_send_confirmations(st, &c, &n, &err), PB_OK);
    CHECK_EQ(n.confirmations, 1);
    /* subscribing again within 10 minutes sends no second mail; later it
     * does */
    CHECK_EQ(pb_store_sub_add(st, &s, fc.now_s + 60, 600, &id), PB_OK);
    CHECK_EQ(pb_mail_send_confirmations(st, &c, &n, &err), PB_OK);
    CHECK_EQ(n.confirmations, 1);
    CHECK_EQ(pb_store_sub_add(st, &s, fc.now_s + 601, 600, &id), PB_OK);
    CHECK_EQ(pb_mail_send_confirmations(st, &c, &n, &err), PB_OK);
    CHECK_EQ(n.confirmations, 2);
    /* the secret is made once and kept */
    unsigned char k1[32], k2[32];
    CHECK_EQ(pb_store_mail_key(st, k1), PB_OK);
    CHECK_EQ(pb_store_mail_key(st, k2), PB_OK);
    CHECK(!memcmp(k1, k2, 32));
    teardown_store();
}

static void t_keywords_and_stop(void)
{
    setup_store();
    struct fake_smtp f = {0};
    struct fake_clock fc = {1717459200, 0, 0};
    struct pb_smtp tr;
    struct pb_clock ck;
    struct pb_mail_config c;
    struct pb_mail_counts n = {0};
    struct pb_err err;
    config(&c, &tr, &f, &ck, &fc);
    struct pb_sub s;
    int64_t whole, part;
    memset(&s, 0, sizeof s);
    snprintf(s.email, sizeof s.email, "whole@example.org");
    s.max_papers = 2;
    snprintf(s.keywords, sizeof s.keywords, "MAMBA");
    CHECK_EQ(pb_store_sub_add(st, &s, 1000, 600, &whole), PB_OK);
    CHECK_EQ(pb_store_sub_confirm(st, whole, 1001), PB_OK);
    snprintf(s.email, sizeof s.email, "part@example.org");
    snprintf(s.keywords, sizeof s.keywords, "amba\nattent");
    CHECK_EQ(pb_store_sub_add(st, &s, 1000, 600, &part), PB_OK);
    CHECK_EQ(pb_store_sub_confirm(st, part, 1001), PB_OK);
    /* stopped before anything goes: nothing sent, nothing held */
    volatile sig_atomic_t stop = 1;
    c.stop = &stop;
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err),
             PB_EINTR);
    CHECK_EQ(f.n_calls, 0);
    stop = 0;
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    /* whole words only, case-insensitive; max 2 */
    int64_t *pids = NULL;
    size_t np = 0;
    CHECK_EQ(pb_store_digest_papers(st, whole, "D2024-06-03", &pids, &np),
             PB_OK);
    CHECK_EQ(np, 2);
    free(pids);
    struct pb_digest_rec rec;
    CHECK_EQ(pb_store_digest_get(st, part, "D2024-06-03", &rec),
             PB_ENOTFOUND);
    CHECK_EQ(f.n_sent, 1);
    teardown_store();
}

static void t_period(void)
{
    char key[16], from[11], to[11];
    CHECK_EQ(pb_mail_period("2024-06-05", 0, key, from, to), PB_OK);
    CHECK_STR(key, "D2024-06-05");
    CHECK_STR(from, "2024-06-05");
    CHECK_EQ(pb_mail_period("2024-06-05", 1, key, from, to), PB_OK);
    CHECK_STR(key, "W2024-W23");
    CHECK_STR(from, "2024-05-30");
    CHECK_STR(to, "2024-06-05");
    CHECK_EQ(pb_mail_period("2024-02-30", 0, key, from, to), PB_EINVAL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    static const struct pb_test tests[] = {
        {"rfc2047 ascii and injection", t_header_ascii},
        {"rfc2047 utf-8 words and folding", t_header_utf8},
        {"rfc2047 phrases", t_header_phrase},
        {"quoted-printable line lengths", t_qp},
        {"plain text wrapping", t_wrap},
        {"addresses", t_addr},
        {"date", t_date},
        {"tokens: signing and expiry on a fake clock", t_tokens},
        {"preferences from forms", t_prefs},
        {"messages: headers, parts, lines", t_message},
        {"scheduler times and time zones", t_sched_times},
        {"digest periods", t_period},
        {"keywords as whole words; a stopped run", t_keywords_and_stop},
        {"sent-log: reruns send nothing", t_idempotent},
        {"retries with backoff, deferred, due later", t_retry_backoff},
        {"a crash after logging; a run's lease", t_crash_after_log},
        {"refused addresses paused", t_refused_paused},
        {"confirmations: once, resend later", t_confirmations},
        {NULL, NULL},
    };
    return pb_test_run(tests);
}
