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
#include "pgtest.h"
#include "mail/mail.h"
#include "mail/mail_prefs.h"
#include "mail/mail_text.h"
#include "mail/mail_token.h"
#include "sched/sched.h"
#include "store/store_community.h"
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

/* Issue 15: numbers of 19 digits overflowed int64 (UB) before they were
 * refused; the unsubscribe page reads such a token from the URL. */
static void t_token_overflow(void)
{
    int kind;
    int64_t sub = -1, e = -1;
    static const char *const big[] = {
        "u9999999999999999999.1.AAAAAAAAAAAAAAAAAAAAAA",
        "u1.9999999999999999999.AAAAAAAAAAAAAAAAAAAAAA",
        "c99999999999999999999999999999.1.AAAAAAAAAAAAAAAAAAAAAA",
        "u9999999999999999999.1.AAAA",
    };
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        CHECK_EQ(pb_mail_token_parse(big[i], &kind, &sub, &e), PB_EINVAL);
    /* 18 digits still parse */
    CHECK_EQ(pb_mail_token_parse("u999999999999999999.1.AAAAAAAAAAAAAAAAAAAAAA",
                                 &kind, &sub, &e),
             PB_OK);
    CHECK_EQ(sub, 999999999999999999LL);
}

/* Issue 15: the label check indexed back with an unsigned negative offset
 * (pointer overflow under UBSan) on every address. */
static void t_addr_labels(void)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"a@b", 1},          {"a@b.c", 1},       {"a@-b.c", 0},
        {"a@b-.c", 0},       {"a@b.-c", 0},      {"a@b.c-", 0},
        {"a@b..c", 0},       {"a@.b", 0},        {"a@b.", 0},
        {"a@x-y.example", 1}, {"a@1.2.3.4", 1},  {"a@-", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (pb_mail_addr_ok(cases[i].s) != cases[i].ok) {
            fprintf(stderr, "  address \"%s\"\n", cases[i].s);
            CHECK(0);
        }
}

/* --- preferences ----------------------------------------------------------- */

static void t_prefs(void)
{
    struct pb_sub s;
    char why[256];
    struct pb_mail_form f = {" alice@example.org ", "weekly", "5", "30",
                             "cs.CL, cs.LG cs.CL", "Tri Dao\nAlbert Gu; tri dao",
                             "mamba, state space\n", NULL, NULL};
    CHECK_EQ(pb_mail_prefs_parse(&f, &s, why, sizeof why), PB_OK);
    CHECK_STR(s.email, "alice@example.org");
    CHECK_EQ(s.freq, PB_SUB_WEEKLY);
    CHECK_EQ(s.top_n, 5);
    CHECK_EQ(s.max_papers, 30);
    CHECK_STR(s.categories, "cs.CL cs.LG");
    CHECK_STR(s.authors, "Tri Dao\nAlbert Gu");
    CHECK_STR(s.keywords, "mamba\nstate space");
    CHECK_EQ(s.n_colls, 0);
    CHECK_EQ(s.recs, 0);
    CHECK_EQ(s.member, 0);
    struct pb_mail_form d = {.email = "b@example.org"};
    CHECK_EQ(pb_mail_prefs_parse(&d, &s, why, sizeof why), PB_OK);
    CHECK_EQ(s.freq, PB_SUB_DAILY);
    CHECK_EQ(s.top_n, 10);
    CHECK_EQ(s.max_papers, 20);
    CHECK_EQ(s.n_colls, 0);
    CHECK_EQ(s.recs, 0);
    /* collections: numbers or links, any separator, duplicates dropped,
     * ascending; recommendations on */
    struct pb_mail_form c = {.email = "c@example.org",
                             .collections = " 12, https://pb.example/"
                                            "collections/3/\n/collections/12"
                                            "\r\n7 3",
                             .recs = "on"};
    CHECK_EQ(pb_mail_prefs_parse(&c, &s, why, sizeof why), PB_OK);
    CHECK_EQ(s.n_colls, 3);
    CHECK_EQ(s.colls[0], 3);
    CHECK_EQ(s.colls[1], 7);
    CHECK_EQ(s.colls[2], 12);
    CHECK_EQ(s.recs, 1);
    c.recs = "1";
    c.collections = "";
    CHECK_EQ(pb_mail_prefs_parse(&c, &s, why, sizeof why), PB_OK);
    CHECK_EQ(s.recs, 1);
    CHECK_EQ(s.n_colls, 0);
    c.recs = "0";
    CHECK_EQ(pb_mail_prefs_parse(&c, &s, why, sizeof why), PB_OK);
    CHECK_EQ(s.recs, 0);
    /* twenty are the most; the same twenty and a repeat are fine */
    char many[400] = "";
    for (int i = 1; i <= PB_SUB_COLLS_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%d ", i);
    c.collections = many;
    CHECK_EQ(pb_mail_prefs_parse(&c, &s, why, sizeof why), PB_OK);
    CHECK_EQ(s.n_colls, PB_SUB_COLLS_MAX);
    snprintf(many + strlen(many), sizeof many - strlen(many), "1 99");
    CHECK_EQ(pb_mail_prefs_parse(&c, &s, why, sizeof why), PB_EINVAL);
    CHECK(strstr(why, "at most") != NULL);
    static const char *const bad_colls[] = {
        "0", "-3", "12a", "x", "/collections/", "https://pb.example/papers/12",
        "99999999999999999", "1.5", "/collections/12/add", "<script>",
    };
    for (size_t i = 0; i < sizeof bad_colls / sizeof bad_colls[0]; i++) {
        c.collections = bad_colls[i];
        if (pb_mail_prefs_parse(&c, &s, why, sizeof why) != PB_EINVAL) {
            fprintf(stderr, "  collections \"%s\"\n", bad_colls[i]);
            CHECK(0);
        }
        CHECK(strstr(why, "collections") != NULL);
    }
    c.collections = NULL;
    c.recs = "yes please";
    CHECK_EQ(pb_mail_prefs_parse(&c, &s, why, sizeof why), PB_EINVAL);
#define F(e, fr, t, m, c, a, k) {e, fr, t, m, c, a, k, NULL, NULL}
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
    int lost_answer;        /* while > 0: the message goes out (counted in
                               n_sent) and the answer never comes */
    int n_sent;
    char to[MAX_SENT][64];
    char mid[MAX_SENT][160];
    int n_calls;
    char last[16384]; /* the last message accepted (its start) */
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
    snprintf(f->last, sizeof f->last, "%.*s", (int)len, data);
    if (f->lost_answer > 0) {
        f->lost_answer--;
        res->code = 354;
        res->uncertain = 1;
        snprintf(res->msg, sizeof res->msg, "connection lost after DATA");
        return PB_EIO;
    }
    res->code = 250;
    return PB_OK;
}

static struct pb_store *st;
static char dbpath[512];
static int on_pg; /* the test runs on PostgreSQL (tests/pgtest.h) */

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
    if (on_pg) {
        const char *url = pb_test_pg_db("test_mail");
        CHECK(url && pb_test_pg_reset(url));
        snprintf(dbpath, sizeof dbpath, "%s", url ? url : "");
    } else {
        snprintf(dbpath, sizeof dbpath, "/tmp/pb-test-mail-%d.db",
                 (int)getpid());
        unlink(dbpath);
    }
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
    if (on_pg)
        return;
    char p[600];
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
    struct pb_digest_item *items = NULL;
    int64_t *pids = NULL;
    size_t np = 0;
    CHECK_EQ(pb_store_digest_papers(st, a, "D2024-06-03", &items, &np),
             PB_OK);
    CHECK_EQ(np, 3);
    free(items);
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

static int64_t pid_of(const char *id)
{
    struct pb_paper p;
    int64_t pid = 0;
    pb_paper_init(&p);
    CHECK_EQ(pb_store_paper_get(st, id, &p, &pid), PB_OK);
    pb_paper_clear(&p);
    return pid;
}

/* The claim of a process of this host that is gone. */
static const char *dead_run(void)
{
    static char by[128];
    char host[64] = "";
    CHECK_EQ(gethostname(host, sizeof host - 1), 0);
    snprintf(by, sizeof by, "%s 999999999", host);
    return by;
}

static void t_crash_after_log(void)
{
    /* at most once across crashes: a digest logged and never claimed (a
     * crash before the SMTP transaction began) is sent by the next run;
     * one claimed (a crash during or after the transaction) never again
     * until an admin releases it */
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
    struct pb_digest_item it[1] = {{pid_of("2406.00003"), PB_DSRC_PERIOD, 0}};
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-03", "pb.crash@x", it,
                                     1, fc.now_s), PB_OK);
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-03", "pb.other@x", it,
                                     1, fc.now_s), PB_EEXIST);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 1);
    CHECK_STR(f.mid[0], "pb.crash@x");
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 1);
    /* claimed by a process that is gone (a kill between the claim and the
     * log's "sent"): the server may have it; no run sends it, not even a
     * day later; every run reports it */
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-04", "pb.lease@x", it,
                                     1, fc.now_s), PB_OK);
    CHECK_EQ(pb_store_digest_claim(st, a, "D2024-06-04", fc.now_s,
                                   fc.now_s + 300, dead_run()),
             PB_OK);
    CHECK_EQ(pb_store_digest_claim(st, a, "D2024-06-04", fc.now_s,
                                   fc.now_s + 300, "nohost 1"), PB_EBUSY);
    struct pb_digest_rec rec;
    CHECK_EQ(pb_store_digest_get(st, a, "D2024-06-04", &rec), PB_OK);
    CHECK_EQ(rec.state, PB_DIGEST_SENDING);
    CHECK_STR(rec.claimed_by, dead_run());
    CHECK_EQ(rec.claimed_at, fc.now_s);
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(f.n_calls, 1);
    CHECK_EQ(n.uncertain, 1);
    CHECK_EQ(n.already, 0);
    fc.now_s += 86400;
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    CHECK_EQ(f.n_calls, 1);
    CHECK_EQ(n.uncertain, 1);
    /* the admin knows it was not delivered: released, sent once, with its
     * Message-ID */
    CHECK_EQ(pb_store_digest_release(st, a, "D2024-06-04", 0, fc.now_s),
             PB_OK);
    CHECK_EQ(pb_store_digest_release(st, a, "D2024-06-04", 0, fc.now_s),
             PB_ENOTFOUND);
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 2);
    CHECK_STR(f.mid[1], "pb.lease@x");
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 2);
    CHECK_EQ(n.uncertain, 0);
    /* or knows it was: recorded as sent, nothing goes out */
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-05", "pb.was@x", it, 1,
                                     fc.now_s), PB_OK);
    CHECK_EQ(pb_store_digest_claim(st, a, "D2024-06-05", fc.now_s,
                                   fc.now_s + 300, dead_run()),
             PB_OK);
    CHECK_EQ(pb_store_digest_release(st, a, "D2024-06-05", 1, fc.now_s),
             PB_OK);
    CHECK_EQ(pb_store_digest_get(st, a, "D2024-06-05", &rec), PB_OK);
    CHECK_EQ(rec.state, PB_DIGEST_SENT);
    CHECK_EQ(pb_mail_retry_due(st, &c, &n, &err), PB_OK);
    CHECK_EQ(f.n_sent, 2);
    teardown_store();
}

/* The papers of sub's digest for period as "id:src:coll ..." into out. */
static void digest_items(int64_t sub, const char *period, char *out,
                         size_t cap)
{
    struct pb_digest_item *it = NULL;
    size_t n = 0;
    out[0] = '\0';
    CHECK_EQ(pb_store_digest_papers(st, sub, period, &it, &n), PB_OK);
    for (size_t i = 0; i < n; i++) {
        struct pb_paper p;
        pb_paper_init(&p);
        CHECK_EQ(pb_store_paper_get_pid(st, it[i].pid, &p), PB_OK);
        snprintf(out + strlen(out), cap - strlen(out), "%s%s:%d:%lld",
                 i ? " " : "", p.id, it[i].src, (long long)it[i].coll);
        pb_paper_clear(&p);
    }
    free(it);
}

static void t_collections(void)
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
    int64_t t0 = fc.now_s;
    struct pb_cmdb *db = pb_cmdb_new(st);
    int64_t ann, bob, pub, priv, other;
    CHECK_EQ(pb_cmdb_member_add(db, "ann", "ann@example.org", "x", 0, t0,
                                &ann), PB_OK);
    CHECK_EQ(pb_cmdb_member_add(db, "bob", "bob@example.org", "x", 0, t0,
                                &bob), PB_OK);
    CHECK_EQ(pb_cmdb_coll_create(db, ann, "Reading list", 1, t0, &pub),
             PB_OK);
    CHECK_EQ(pb_cmdb_coll_create(db, ann, "Secret", 0, t0, &priv), PB_OK);
    CHECK_EQ(pb_cmdb_coll_create(db, bob, "Bob's", 1, t0, &other), PB_OK);
    /* who may follow what: a private one only its owner's subscription;
     * a private one and none look the same */
    char name[101];
    CHECK_EQ(pb_store_mail_coll_visible(st, pub, 0, name), PB_OK);
    CHECK_STR(name, "Reading list");
    CHECK_EQ(pb_store_mail_coll_visible(st, priv, 0, NULL), PB_ENOTFOUND);
    CHECK_EQ(pb_store_mail_coll_visible(st, priv, bob, NULL), PB_ENOTFOUND);
    CHECK_EQ(pb_store_mail_coll_visible(st, priv, ann, NULL), PB_OK);
    CHECK_EQ(pb_store_mail_coll_visible(st, 999, ann, NULL), PB_ENOTFOUND);
    /* 00003 was in the list before anyone followed it */
    CHECK_EQ(pb_cmdb_coll_add(db, pub, ann, pid_of("2406.00003"), t0 - 100),
             PB_OK);
    /* v: a visitor following the public list (and, unchecked by the
     * store's caller here, nothing else); m: ann's own subscription
     * following both of hers */
    struct pb_sub s;
    memset(&s, 0, sizeof s);
    snprintf(s.email, sizeof s.email, "v@example.org");
    s.max_papers = 10;
    s.n_colls = 1, s.colls[0] = pub;
    int64_t v, m;
    CHECK_EQ(pb_store_sub_add(st, &s, t0, 600, &v), PB_OK);
    CHECK_EQ(pb_store_sub_confirm(st, v, t0), PB_OK);
    snprintf(s.email, sizeof s.email, "ann@example.org");
    s.member = ann;
    s.n_colls = 2, s.colls[0] = pub, s.colls[1] = priv;
    CHECK_EQ(pb_store_sub_add(st, &s, t0, 600, &m), PB_OK);
    CHECK_EQ(pb_store_sub_confirm(st, m, t0), PB_OK);
    struct pb_sub got;
    CHECK_EQ(pb_store_sub_get(st, m, &got), PB_OK);
    CHECK_EQ(got.n_colls, 2);
    CHECK_EQ(got.member, ann);
    CHECK_EQ(got.member_ok, 1);
    /* added after following: 00006 (listed on another day) and 00001 */
    CHECK_EQ(pb_cmdb_coll_add(db, pub, ann, pid_of("2406.00006"), t0 + 10),
             PB_OK);
    CHECK_EQ(pb_cmdb_coll_add(db, pub, ann, pid_of("2406.00001"), t0 + 20),
             PB_OK);
    CHECK_EQ(pb_cmdb_coll_add(db, priv, ann, pid_of("2406.00002"), t0 + 30),
             PB_OK);
    CHECK_EQ(pb_cmdb_coll_add(db, other, bob, pid_of("2406.00004"), t0 + 30),
             PB_OK);
    fc.now_s = t0 + 100;
    /* 2024-06-05 lists nothing: the collections alone make the digests */
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-05", &n, &err), PB_OK);
    CHECK_EQ(n.sent, 2);
    char items[512];
    digest_items(v, "D2024-06-05", items, sizeof items);
    char want[512];
    snprintf(want, sizeof want, "2406.00001:1:%lld 2406.00006:1:%lld",
             (long long)pub, (long long)pub);
    CHECK_STR(items, want);
    digest_items(m, "D2024-06-05", items, sizeof items);
    snprintf(want, sizeof want,
             "2406.00002:1:%lld 2406.00001:1:%lld 2406.00006:1:%lld",
             (long long)priv, (long long)pub, (long long)pub);
    CHECK_STR(items, want);
    /* the reason, as for a followed category */
    CHECK(strstr(f.last, "in collection Reading list") != NULL);
    /* next digest: only what was added since the previous one; a paper
     * sent before is never sent again, whatever collection it enters */
    CHECK_EQ(pb_cmdb_coll_add(db, pub, ann, pid_of("2406.00005"),
                              t0 + 200), PB_OK);
    CHECK_EQ(pb_cmdb_coll_add(db, priv, ann, pid_of("2406.00006"),
                              t0 + 200), PB_OK);
    fc.now_s = t0 + 86400;
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-06", &n, &err), PB_OK);
    CHECK_EQ(n.sent, 2);
    digest_items(v, "D2024-06-06", items, sizeof items);
    snprintf(want, sizeof want, "2406.00005:1:%lld", (long long)pub);
    CHECK_STR(items, want);
    digest_items(m, "D2024-06-06", items, sizeof items);
    CHECK_STR(items, want);
    /* ann suspended: her private list is no longer followed by anyone */
    CHECK_EQ(pb_cmdb_member_set_disabled(db, ann, 1), PB_OK);
    CHECK_EQ(pb_cmdb_coll_add(db, priv, ann, pid_of("2406.00004"),
                              t0 + 86400 + 10), PB_OK);
    fc.now_s = t0 + 2 * 86400;
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-07", &n, &err), PB_OK);
    CHECK_EQ(n.sent, 0);
    CHECK_EQ(n.empty, 2);
    /* a deleted collection is followed no more */
    CHECK_EQ(pb_cmdb_member_set_disabled(db, ann, 0), PB_OK);
    CHECK_EQ(pb_cmdb_coll_delete(db, pub, ann), PB_OK);
    CHECK_EQ(pb_store_sub_get(st, v, &got), PB_OK);
    CHECK_EQ(got.n_colls, 0);
    /* preferences saved again keep the start of a follow */
    s.n_colls = 1, s.colls[0] = priv;
    CHECK_EQ(pb_store_sub_set_prefs(st, m, &s, t0 + 5 * 86400), PB_OK);
    CHECK_EQ(pb_store_sub_get(st, m, &got), PB_OK);
    CHECK_EQ(got.n_colls, 1);
    CHECK_EQ(got.colls[0], priv);
    pb_cmdb_free(db);
    teardown_store();
}

static int busy_of(void *ctx, int64_t sub, const char *email,
                   const char *period, const struct pb_digest_rec *rec,
                   int busy)
{
    (void)sub, (void)email, (void)rec;
    int *v = ctx;
    if (!strcmp(period, "D2024-06-03"))
        v[0] = busy;
    else
        v[1] = busy;
    return PB_OK;
}

static void t_uncertain(void)
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
    c.tries = 3;
    int64_t a = add_sub("a@example.org", PB_SUB_DAILY, 1, 5, "");
    add_sub("b@example.org", PB_SUB_DAILY, 1, 5, "");
    /* the whole message went out and the answer never came: not tried
     * again in this run or any later one; the run stops there (the
     * server is in trouble) */
    f.lost_answer = 1;
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_EIO);
    CHECK_EQ(f.n_calls, 1);
    CHECK_EQ(n.uncertain, 1);
    CHECK_EQ(n.sent, 0);
    CHECK_EQ(fc.n_sleeps, 0);
    struct pb_digest_rec rec;
    CHECK_EQ(pb_store_digest_get(st, a, "D2024-06-03", &rec), PB_OK);
    CHECK_EQ(rec.state, PB_DIGEST_SENDING);
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-03", &n, &err), PB_OK);
    CHECK_EQ(f.n_calls, 2); /* b only */
    CHECK_EQ(n.sent, 1);
    CHECK_EQ(n.uncertain, 1);
    /* a claim of a live process on this host, within its lease, is being
     * sent, not uncertain; the same claim past its lease is uncertain */
    struct pb_digest_item it[1] = {{pid_of("2406.00004"), PB_DSRC_PERIOD, 0}};
    char host[64] = "", by[128];
    CHECK_EQ(gethostname(host, sizeof host - 1), 0);
    snprintf(by, sizeof by, "%s %ld", host, (long)getppid());
    CHECK_EQ(pb_store_digest_prepare(st, a, "D2024-06-04", "pb.live@x", it,
                                     1, fc.now_s), PB_OK);
    CHECK_EQ(pb_store_digest_claim(st, a, "D2024-06-04", fc.now_s,
                                   fc.now_s + 300, by), PB_OK);
    int busy[2] = {-1, -1};
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_report_uncertain(st, &c, &n, busy_of, busy, &err),
             PB_OK);
    CHECK_EQ(busy[0], 0);
    CHECK_EQ(busy[1], 1);
    CHECK_EQ(n.uncertain, 1);
    fc.now_s += 301;
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_report_uncertain(st, &c, &n, busy_of, busy, &err),
             PB_OK);
    CHECK_EQ(busy[1], 0);
    CHECK_EQ(n.uncertain, 2);
    /* a temporary failure before the message went out is released at
     * once: retried in the run (with backoff) and prepared after it */
    int64_t cc = add_sub("c@example.org", PB_SUB_DAILY, 1, 5, "");
    f.fail_temp = 2;
    int calls = f.n_calls, sleeps = (int)fc.n_sleeps;
    memset(&n, 0, sizeof n);
    CHECK_EQ(pb_mail_send_digests(st, &c, "2024-06-04", &n, &err), PB_OK);
    /* a: its 06-04 digest is claimed (uncertain): skipped; b: two 451s,
     * then sent; c: sent */
    CHECK_EQ(f.n_calls - calls, 3 + 1);
    CHECK_EQ((int)fc.n_sleeps - sleeps, 2);
    CHECK_EQ(n.sent, 2);
    CHECK_EQ(n.uncertain, 2);
    CHECK_EQ(pb_store_digest_get(st, 2, "D2024-06-04", &rec), PB_OK);
    CHECK_EQ(rec.state, PB_DIGEST_SENT);
    CHECK_EQ(pb_store_digest_get(st, cc, "D2024-06-04", &rec), PB_OK);
    CHECK_EQ(rec.state, PB_DIGEST_SENT);
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
    struct pb_digest_item *items = NULL;
    size_t np = 0;
    CHECK_EQ(pb_store_digest_papers(st, whole, "D2024-06-03", &items, &np),
             PB_OK);
    CHECK_EQ(np, 2);
    free(items);
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

/* The same test on PostgreSQL: the digest reads papers through store.c
 * and store_feed.c, so these wait for PB_TEST_PG_PAPERS. */
#define ON_PG(name, fn)                                                      \
    static void name(void)                                                   \
    {                                                                        \
        if (!pb_test_pg_db("test_mail"))                                     \
            PB_TEST_SKIP("no PostgreSQL (PB_TEST_PG)");                      \
        if (!PB_TEST_PG_PAPERS)                                              \
            PB_TEST_SKIP("store.c's paper functions not on PostgreSQL yet"); \
        on_pg = 1;                                                           \
        fn();                                                                \
        on_pg = 0;                                                           \
    }
ON_PG(pg_idempotent, t_idempotent)
ON_PG(pg_retry_backoff, t_retry_backoff)
ON_PG(pg_crash_after_log, t_crash_after_log)
ON_PG(pg_collections, t_collections)
ON_PG(pg_uncertain, t_uncertain)
ON_PG(pg_refused_paused, t_refused_paused)
ON_PG(pg_confirmations, t_confirmations)
ON_PG(pg_keywords_and_stop, t_keywords_and_stop)

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
        {"tokens: 19-digit numbers refused without overflow", t_token_overflow},
        {"addresses: domain labels checked without pointer overflow",
         t_addr_labels},
        {"preferences from forms", t_prefs},
        {"messages: headers, parts, lines", t_message},
        {"scheduler times and time zones", t_sched_times},
        {"digest periods", t_period},
        {"keywords as whole words; a stopped run", t_keywords_and_stop},
        {"sent-log: reruns send nothing", t_idempotent},
        {"retries with backoff, deferred, due later", t_retry_backoff},
        {"at most once: a crash before and after the claim", t_crash_after_log},
        {"uncertain digests: a lost answer, live and dead claims", t_uncertain},
        {"collections as a source: since the last digest, private ones",
         t_collections},
        {"refused addresses paused", t_refused_paused},
        {"confirmations: once, resend later", t_confirmations},
        {"pg: keywords as whole words; a stopped run", pg_keywords_and_stop},
        {"pg: sent-log: reruns send nothing", pg_idempotent},
        {"pg: retries with backoff, deferred, due later", pg_retry_backoff},
        {"pg: at most once: a crash before and after the claim",
         pg_crash_after_log},
        {"pg: uncertain digests", pg_uncertain},
        {"pg: collections as a source", pg_collections},
        {"pg: refused addresses paused", pg_refused_paused},
        {"pg: confirmations: once, resend later", pg_confirmations},
        {NULL, NULL},
    };
    return pb_test_run(tests);
}
