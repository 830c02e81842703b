/* auth.c - passwords, tokens, CSRF, names (see community.h). */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "community/community.h"
#include "core/utf8.h"

static const unsigned char csrf_key[32] = "paperboy csrf token v1 ........";

/* Each argon2id run takes MEMLIMIT_INTERACTIVE (64 MiB): at most this many
 * at once, so a flood of log-ins cannot take the server's memory with it
 * (the rest wait their turn). */
#define MAX_HASHING 4
static pthread_mutex_t hash_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cond = PTHREAD_COND_INITIALIZER;
static int hashing;

static void hash_enter(void)
{
    pthread_mutex_lock(&hash_lock);
    while (hashing >= MAX_HASHING)
        pthread_cond_wait(&hash_cond, &hash_lock);
    hashing++;
    pthread_mutex_unlock(&hash_lock);
}

static void hash_leave(void)
{
    pthread_mutex_lock(&hash_lock);
    hashing--;
    pthread_cond_signal(&hash_cond);
    pthread_mutex_unlock(&hash_lock);
}

int64_t pb_cm_now(const struct pb_cm_clock *c)
{
    return c && c->now ? c->now(c->ctx) : (int64_t)time(NULL);
}

void pb_cm_config_default(struct pb_cm_config *c)
{
    memset(c, 0, sizeof *c);
    c->submit_max_age_days = 14;
    c->submit_daily_cap = 5;
    c->comment_edit_s = 900;
    c->comment_rate_n = 5;
    c->comment_rate_s = 60;
    c->login_fail_account = 5;
    c->login_fail_addr = 20;
    c->login_window_s = 900;
    c->signup_addr = 10;
    c->signup_window_s = 3600;
    c->session_days = 30;
    c->gravity = 1.8;
    c->comment_weight = 0.5;
}

int pb_cm_init(void)
{
    return sodium_init() < 0 ? PB_EIO : PB_OK;
}

static int utf8_ok(const char *s, size_t len)
{
    return pb_utf8_check(s, len) == len;
}

int pb_cm_password_ok(const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    return n >= PB_CM_PW_MIN && n <= PB_CM_PW_MAX && utf8_ok(pw, n);
}

static __thread const struct pb_cm_hasher *tl_hasher;

void pb_cm_hasher_set_thread(const struct pb_cm_hasher *h)
{
    tl_hasher = h;
}

int pb_cm_password_hash(const char *pw, char out[128])
{
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash string fits");
    if (!pb_cm_password_ok(pw))
        return PB_EINVAL;
    if (tl_hasher)
        return tl_hasher->hash(tl_hasher->ctx, pw, out);
    hash_enter();
    int r = crypto_pwhash_str_alg(out, pw, strlen(pw),
                                  crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                  crypto_pwhash_ALG_ARGON2ID13);
    hash_leave();
    return r ? PB_ENOMEM : PB_OK; /* libsodium could not get the memory */
}

static int verify(const char *hash, const char *pw);

int pb_cm_password_verify(const char *hash, const char *pw)
{
    if (tl_hasher)
        return tl_hasher->verify(tl_hasher->ctx, hash, pw);
    hash_enter();
    int ok = verify(hash, pw);
    hash_leave();
    return ok;
}

/* A fixed argon2id hash (of "not a password") at the INTERACTIVE limits:
 * checking against it costs what checking a member's hash costs, from the
 * first attempt on (no one-off cost to make it that would time the first
 * unknown name). Its password is no secret: nothing accepts it. */
static const char dummy[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$UVGpeEnU4DqX8kEn8VvT+A$"
    "WjrqfYYbOh5/bpOKhLrQ6iTCmY5z1gHRjXzCUIgiyjc";

/* Every way a check can fail costs one argon2id run, like a success: an
 * unknown name, a missing or over-long password, a stored hash libsodium
 * cannot read. Otherwise the time would tell which names exist (issue 15:
 * a 257-byte password for a real account came back at once). */
static int verify(const char *hash, const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    if (hash && pw && n <= PB_CM_PW_MAX &&
        crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) !=
            -1)
        return crypto_pwhash_str_verify(hash, pw, n) == 0;
    /* the same work as a real check */
    int r = crypto_pwhash_str_verify(dummy, pw ? pw : "", n);
    (void)r; /* the time is the point, not the answer */
    return 0;
}

void pb_cm_token_new(char out[PB_CM_TOKEN_LEN + 1], unsigned char hash[32])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, PB_CM_TOKEN_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_generichash(hash, 32, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
}

int pb_cm_token_hash(const char *token, unsigned char hash[32])
{
    unsigned char raw[32];
    size_t n = 0;
    if (!token || strlen(token) != PB_CM_TOKEN_LEN ||
        sodium_base642bin(raw, sizeof raw, token, PB_CM_TOKEN_LEN, NULL, &n,
                          NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
        n != sizeof raw)
        return PB_EINVAL;
    crypto_generichash(hash, 32, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
    return PB_OK;
}

void pb_cm_csrf(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token,
                       strlen(token), csrf_key, sizeof csrf_key);
    sodium_bin2hex(out, 65, h, sizeof h);
}

int pb_cm_csrf_ok(const char *expected, const char *given)
{
    if (!expected || !given || strlen(expected) != 64 || strlen(given) != 64)
        return 0;
    return sodium_memcmp(expected, given, 64) == 0;
}

static int has_controls(const char *s, size_t n, int allow_lines)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0x7f || (c < 0x20 && !(allow_lines && (c == '\t' ||
                                                        c == '\n' ||
                                                        c == '\r'))))
            return 1;
    }
    return 0;
}

int pb_cm_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n >= 2 && n <= 40 && utf8_ok(name, n) &&
           !has_controls(name, n, 0) && name[0] != ' ' && name[n - 1] != ' ';
}

int pb_cm_email_ok(const char *email)
{
    size_t n = email ? strlen(email) : 0;
    if (n < 3 || n > 254 || !utf8_ok(email, n) || has_controls(email, n, 0) ||
        strchr(email, ' '))
        return 0;
    const char *at = strchr(email, '@');
    return at && at != email && at[1] && !strchr(at + 1, '@');
}

int pb_cm_text_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= max && utf8_ok(s, n) && !has_controls(s, n, 1);
}
