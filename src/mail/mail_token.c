/* mail_token.c - signed confirm and unsubscribe tokens (mail_token.h). */
#include "mail/mail_token.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* HMAC-SHA-512-256 cut to 128 bits (RFC 2104 allows it): short enough
 * that a List-Unsubscribe URL fits a header line */
#define MAC_BYTES 16
#define MAC_CHARS 22 /* base64url without padding */

/* The MAC over "paperboy-mail" NUL kind NUL id NUL expires NUL email, the
 * address folded to lower case (addresses differ only in case here). */
static void mac(const unsigned char key[PB_MAIL_KEY_BYTES], int kind,
                int64_t sub, const char *email, int64_t expires,
                unsigned char out[crypto_auth_BYTES])
{
    char head[80];
    int n = snprintf(head, sizeof head, "paperboy-mail%c%c%c%lld%c%lld%c",
                     0, kind, 0, (long long)sub, 0, (long long)expires, 0);
    crypto_auth_hmacsha512256_state st;
    crypto_auth_hmacsha512256_init(&st, key, PB_MAIL_KEY_BYTES);
    crypto_auth_hmacsha512256_update(&st, (const unsigned char *)head,
                                     (unsigned long long)n);
    for (const char *c = email ? email : ""; *c; c++) {
        unsigned char l = (unsigned char)*c;
        if (l >= 'A' && l <= 'Z')
            l = (unsigned char)(l - 'A' + 'a');
        crypto_auth_hmacsha512256_update(&st, &l, 1);
    }
    crypto_auth_hmacsha512256_final(&st, out);
}

void pb_mail_token_make(const unsigned char key[PB_MAIL_KEY_BYTES], int kind,
                        int64_t sub, const char *email, int64_t expires,
                        char out[PB_MAIL_TOKEN_MAX])
{
    unsigned char m[crypto_auth_BYTES];
    char b64[sodium_base64_ENCODED_LEN(MAC_BYTES,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    mac(key, kind, sub, email, expires, m);
    sodium_bin2base64(b64, sizeof b64, m, MAC_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, PB_MAIL_TOKEN_MAX, "%c%lld.%lld.%s", kind, (long long)sub,
             (long long)expires, b64);
}

/* Digits into *out (1..18 of them, so no overflow); the end in *end. A
 * 19th digit refuses the number before it is multiplied in. */
static int number(const char *s, int64_t *out, const char **end)
{
    int64_t v = 0;
    int n = 0;
    for (; *s >= '0' && *s <= '9'; s++, n++) {
        if (n == 18)
            return PB_EINVAL;
        v = v * 10 + (*s - '0');
    }
    if (!n)
        return PB_EINVAL;
    *out = v;
    *end = s;
    return PB_OK;
}

int pb_mail_token_parse(const char *tok, int *out_kind, int64_t *out_sub,
                        int64_t *out_expires)
{
    const char *p;
    if (!tok || (tok[0] != PB_MAIL_TOKEN_CONFIRM &&
                 tok[0] != PB_MAIL_TOKEN_UNSUB))
        return PB_EINVAL;
    if (number(tok + 1, out_sub, &p) || *p != '.' ||
        number(p + 1, out_expires, &p) || *p != '.')
        return PB_EINVAL;
    p++;
    if (strlen(p) != MAC_CHARS)
        return PB_EINVAL;
    for (const char *c = p; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
              (*c >= 'A' && *c <= 'Z') || *c == '-' || *c == '_'))
            return PB_EINVAL;
    *out_kind = tok[0];
    return PB_OK;
}

int pb_mail_token_check(const unsigned char key[PB_MAIL_KEY_BYTES],
                        const char *tok, int kind, const char *email,
                        int64_t now)
{
    int k;
    int64_t sub, exp;
    if (pb_mail_token_parse(tok, &k, &sub, &exp) || k != kind)
        return PB_EINVAL;
    unsigned char want[crypto_auth_BYTES], got[MAC_BYTES];
    size_t got_len = 0;
    mac(key, kind, sub, email, exp, want);
    const char *b64 = strrchr(tok, '.') + 1;
    if (sodium_base642bin(got, sizeof got, b64, strlen(b64), NULL, &got_len,
                          NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
        got_len != MAC_BYTES || sodium_memcmp(want, got, MAC_BYTES))
        return PB_EINVAL;
    if (exp && now > exp)
        return PB_EPERM;
    return PB_OK;
}

void pb_mail_key_new(unsigned char key[PB_MAIL_KEY_BYTES])
{
    randombytes_buf(key, PB_MAIL_KEY_BYTES);
}
