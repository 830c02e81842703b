/* store_cluster.c - job leases and shared rate-limit counts (see
 * store_cluster.h). Portable SQL through the statement helper. */
#include "store/store_cluster.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "store/store_int.h"
#include "store/store_stmt.h"

#define NAME_MAX_LEN 200

int pb_store_is_shared(const struct pb_store *st)
{
    return st && st->backend == PB_BACKEND_PG;
}

static int name_ok(const char *s)
{
    return s && *s && strlen(s) <= NAME_MAX_LEN;
}

static int read_done(void *ctx, const struct pb_row *r)
{
    *(int64_t *)ctx = pb_row_int(r, 0);
    return PB_OK;
}

int pb_store_lease_take(struct pb_store *st, const char *name,
                        const char *holder, int64_t slot, int64_t now,
                        int ttl_s, int *out)
{
    *out = PB_LEASE_BUSY;
    if (!name_ok(name) || !name_ok(holder) || ttl_s <= 0)
        return PB_EINVAL;
    /* one statement, so two nodes racing for it cannot both win: the row
     * changes only when the slot is not done and the lease is free (never
     * taken, expired) or already the holder's */
    int rc = pb_stmt_exec(
        st,
        "INSERT INTO leases(name, holder, expires, done) VALUES(?1, ?2, ?3, 0)"
        " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
        " expires = excluded.expires"
        " WHERE leases.done < ?4"
        " AND (leases.expires <= ?5 OR leases.holder = excluded.holder)",
        PB_ARGS(pb_text(name), pb_text(holder), pb_int(now + ttl_s),
                pb_int(slot), pb_int(now)));
    if (rc)
        return rc;
    if (pb_stmt_changes(st) > 0) {
        *out = PB_LEASE_TAKEN;
        return PB_OK;
    }
    int64_t done = 0;
    rc = pb_stmt_one(st, "SELECT done FROM leases WHERE name = ?1",
                     PB_ARGS(pb_text(name)), read_done, &done);
    if (rc)
        return rc;
    *out = done >= slot ? PB_LEASE_DONE : PB_LEASE_BUSY;
    return PB_OK;
}

int pb_store_lease_renew(struct pb_store *st, const char *name,
                         const char *holder, int64_t now, int ttl_s)
{
    if (!name_ok(name) || !name_ok(holder) || ttl_s <= 0)
        return PB_EINVAL;
    int rc = pb_stmt_exec(st,
                          "UPDATE leases SET expires = ?3"
                          " WHERE name = ?1 AND holder = ?2",
                          PB_ARGS(pb_text(name), pb_text(holder),
                                  pb_int(now + ttl_s)));
    if (rc)
        return rc;
    return pb_stmt_changes(st) > 0 ? PB_OK : PB_ENOTFOUND;
}

int pb_store_lease_done(struct pb_store *st, const char *name,
                        const char *holder, int64_t slot)
{
    if (!name_ok(name) || !name_ok(holder))
        return PB_EINVAL;
    int rc = pb_stmt_exec(st,
                          "UPDATE leases SET done = ?3, expires = 0"
                          " WHERE name = ?1 AND holder = ?2",
                          PB_ARGS(pb_text(name), pb_text(holder),
                                  pb_int(slot)));
    if (rc)
        return rc;
    return pb_stmt_changes(st) > 0 ? PB_OK : PB_ENOTFOUND;
}

int pb_store_lease_drop(struct pb_store *st, const char *name,
                        const char *holder)
{
    if (!name_ok(name) || !name_ok(holder))
        return PB_EINVAL;
    int rc = pb_stmt_exec(st,
                          "UPDATE leases SET expires = 0"
                          " WHERE name = ?1 AND holder = ?2",
                          PB_ARGS(pb_text(name), pb_text(holder)));
    if (rc)
        return rc;
    return pb_stmt_changes(st) > 0 ? PB_OK : PB_ENOTFOUND;
}

struct holder_buf {
    char *out;
    size_t cap;
};

static int read_holder(void *ctx, const struct pb_row *r)
{
    struct holder_buf *h = ctx;
    pb_row_copy(r, 0, h->out, h->cap);
    return PB_OK;
}

int pb_store_lease_holder_of(struct pb_store *st, const char *name,
                             char *out, size_t cap)
{
    if (cap)
        out[0] = '\0';
    if (!name_ok(name) || cap == 0)
        return PB_EINVAL;
    struct holder_buf h = {out, cap};
    int rc = pb_stmt_one(st, "SELECT holder FROM leases WHERE name = ?1",
                         PB_ARGS(pb_text(name)), read_holder, &h);
    return rc == PB_ENOTFOUND ? PB_OK : rc;
}

int pb_store_lease_take_over(struct pb_store *st, const char *name,
                             const char *dead, const char *holder,
                             int64_t now, int ttl_s)
{
    if (!name_ok(name) || !name_ok(dead) || !name_ok(holder) || ttl_s <= 0)
        return PB_EINVAL;
    int rc = pb_stmt_exec(st,
                          "UPDATE leases SET holder = ?3, expires = ?4"
                          " WHERE name = ?1 AND holder = ?2",
                          PB_ARGS(pb_text(name), pb_text(dead),
                                  pb_text(holder), pb_int(now + ttl_s)));
    if (rc)
        return rc;
    return pb_stmt_changes(st) > 0 ? PB_OK : PB_ENOTFOUND;
}

static void host_name(char out[32])
{
    if (gethostname(out, 31))
        snprintf(out, 32, "host");
    out[31] = '\0';
    for (char *p = out; *p; p++)
        if (*p == ':')
            *p = '-';
}

int pb_store_lease_holder_gone(const char *holder)
{
    char host[32];
    host_name(host);
    size_t n = strlen(host);
    if (!holder || strncmp(holder, host, n) || holder[n] != ':')
        return 0; /* another machine's: only its expiry tells */
    char *end = NULL;
    errno = 0;
    long pid = strtol(holder + n + 1, &end, 10);
    if (errno || end == holder + n + 1 || *end != ':' || pid <= 0 ||
        pid == (long)getpid())
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

void pb_store_lease_holder(char out[64])
{
    char host[32];
    host_name(host);
    snprintf(out, 64, "%.31s:%ld:%08x", host, (long)getpid(),
             (unsigned)randombytes_random());
}

/* The stored form of a rate-limit key: 32 hex digits of BLAKE2b-128. */
static void key_hash(const char *key, char out[33])
{
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key),
                       NULL, 0);
    sodium_bin2hex(out, 33, h, sizeof h);
}

int pb_store_rl_count(struct pb_store *st, const char *key, int64_t since,
                      int64_t *out)
{
    char k[33];
    key_hash(key, k);
    return pb_stmt_int(st,
                       "SELECT count(*) FROM rate_events"
                       " WHERE key = ?1 AND at >= ?2",
                       PB_ARGS(pb_text(k), pb_int(since)), out);
}

int pb_store_rl_add(struct pb_store *st, const char *key, int64_t at,
                    int keep_s)
{
    char k[33];
    key_hash(key, k);
    int rc = pb_stmt_exec(st, "INSERT INTO rate_events(key, at) VALUES(?1, ?2)",
                          PB_ARGS(pb_text(k), pb_int(at)));
    if (rc == PB_OK && keep_s > 0 && (randombytes_random() & 255) == 0)
        rc = pb_stmt_exec(st, "DELETE FROM rate_events WHERE at < ?1",
                          PB_ARGS(pb_int(at - keep_s)));
    return rc;
}

int pb_store_rl_forget(struct pb_store *st, const char *key)
{
    char k[33];
    key_hash(key, k);
    return pb_stmt_exec(st, "DELETE FROM rate_events WHERE key = ?1",
                        PB_ARGS(pb_text(k)));
}
