/*
 * mail_token.h - the signed tokens in the links of our mails: confirm a
 * subscription (double opt-in, expiring) and unsubscribe (one click, no
 * login). A token names its kind, the subscriber and when it expires, and
 * carries an HMAC (libsodium crypto_auth, HMAC-SHA-512-256) over those and
 * the subscriber's address under the server's secret; so it cannot be
 * forged, moved to another address or kept alive past its expiry.
 *
 * Form: KIND ID "." EXPIRES "." MAC, the MAC 128 bits in 22 base64url
 * characters, e.g. "c12.1767225600.q3Jx..."; only [A-Za-z0-9._-], safe in
 * a URL as it is. Thread-safe (no state).
 */
#ifndef PB_MAIL_MAIL_TOKEN_H
#define PB_MAIL_MAIL_TOKEN_H

#include <stdint.h>

#include "core/error.h"

#define PB_MAIL_KEY_BYTES 32
#define PB_MAIL_TOKEN_MAX 64 /* with the NUL */
#define PB_MAIL_CONFIRM_TTL (48 * 3600)

enum pb_mail_token_kind {
    PB_MAIL_TOKEN_CONFIRM = 'c',
    PB_MAIL_TOKEN_UNSUB = 'u',
};

/* Make a token into out. expires is Unix seconds; 0 never expires (the
 * unsubscribe links of sent mail must keep working). email borrowed. */
void pb_mail_token_make(const unsigned char key[PB_MAIL_KEY_BYTES], int kind,
                        int64_t sub, const char *email, int64_t expires,
                        char out[PB_MAIL_TOKEN_MAX]);

/* Read kind, subscriber and expiry from tok without checking it (to find
 * the subscriber whose address the check needs). PB_EINVAL when tok is
 * not of the form above. */
int pb_mail_token_parse(const char *tok, int *out_kind, int64_t *out_sub,
                        int64_t *out_expires) PB_WUR;

/* PB_OK when tok is a token of kind for sub's email, signed with key and
 * not expired at now; PB_EINVAL when malformed, of another kind or forged;
 * PB_EPERM when expired. Compared in constant time. */
int pb_mail_token_check(const unsigned char key[PB_MAIL_KEY_BYTES],
                        const char *tok, int kind, const char *email,
                        int64_t now) PB_WUR;

/* Fill key with random bytes (a new server secret). */
void pb_mail_key_new(unsigned char key[PB_MAIL_KEY_BYTES]);

#endif
