/* fuzz_mail.c - the mail module's parsers and encoders of outside bytes:
 * subscription forms (nine NUL-separated fields: email, freq, top, max,
 * categories, authors, keywords, collections, recs), link tokens, and every e-mail encoder
 * over any bytes. Headers must come out 7-bit, CRLF-folded and within 78
 * columns, bodies within 76, and an accepted form must hold a valid
 * address and lists without control characters. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "mail/mail_prefs.h"
#include "mail/mail_text.h"
#include "mail/mail_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines end in CRLF (no bare CR or LF) and hold at most max bytes. */
static void lines(const struct pb_buf *b, size_t max, int seven_bit)
{
    size_t col = 0;
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->p[i];
        if (c == '\r') {
            assert(i + 1 < b->len && b->p[i + 1] == '\n');
            i++;
            col = 0;
            continue;
        }
        assert(c != '\n' && c != '\0');
        assert(!seven_bit || c < 0x80);
        assert(++col <= max);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *s = pb_strndup((const char *)data, size);
    /* the form: fields split at NUL bytes of the input */
    const char *f[9] = {0};
    size_t nf = 0;
    for (size_t i = 0, start = 0; i <= size && nf < 9; i++)
        if (i == size || data[i] == 0) {
            f[nf++] = s + start;
            start = i + 1;
        }
    struct pb_mail_form form = {f[0], f[1], f[2], f[3], f[4],
                                f[5], f[6], f[7], f[8]};
    struct pb_sub sub;
    char why[256];
    if (!pb_mail_prefs_parse(&form, &sub, why, sizeof why)) {
        assert(pb_mail_addr_ok(sub.email));
        assert(sub.top_n >= 0 && sub.top_n <= PB_MAIL_TOP_MAX);
        assert(sub.max_papers >= 1 && sub.max_papers <= PB_MAIL_PAPERS_MAX);
        for (const char *c = sub.authors; *c; c++)
            assert((unsigned char)*c >= 0x20 || *c == '\n');
        for (const char *c = sub.categories; *c; c++)
            assert((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
        assert(sub.n_colls <= PB_SUB_COLLS_MAX);
        for (size_t i = 0; i < sub.n_colls; i++)
            assert(sub.colls[i] > 0 && (!i || sub.colls[i] > sub.colls[i - 1]));
        assert(sub.recs == 0 || sub.recs == 1);
    } else {
        assert(why[0]);
    }
    int kind;
    int64_t id, exp;
    if (!pb_mail_token_parse(s, &kind, &id, &exp))
        assert((kind == 'c' || kind == 'u') && id >= 0 && exp >= 0);
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    if (!pb_mail_header_text(&b, 9, s))
        lines(&b, 78 - 9 + 9, 1); /* "Subject: " counted by the caller */
    pb_buf_reset(&b);
    if (!pb_mail_header_phrase(&b, 6, s)) {
        lines(&b, 78, 1);
        /* raw, it is atoms only: nothing that could start another
         * address or header */
        if (b.len && strncmp(b.p, "=?", 2))
            for (size_t i = 0; i < b.len; i++)
                assert(!strchr("<>,;:@\"()[]\\", b.p[i]));
    }
    pb_buf_reset(&b);
    if (!pb_mail_qp(&b, (const char *)data, size))
        lines(&b, 76, 1);
    pb_buf_reset(&b);
    if (!pb_mail_plain_line(&b, s))
        for (size_t i = 0; i < b.len; i++)
            assert((unsigned char)b.p[i] >= 0x20 && b.p[i] != 0x7f);
    pb_buf_clear(&b);
    free(s);
    return 0;
}
