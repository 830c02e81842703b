/* ratelimit.c - rate limits by key (see community.h).
 *
 * The in-memory store: a fixed table of slots found by a keyed hash of the
 * key (SipHash-2-4 with 128-bit output and a random key per process,
 * libsodium's crypto_shorthash_siphashx24), probing a few slots. A slot
 * keeps the 128-bit hash, not the key, so long keys are not cut and nobody
 * without the process's key can aim keys at a slot. Each slot counts events
 * in the current and the previous window; the estimate weighs the previous
 * window by how much of it still overlaps the sliding window, so a burst at
 * a window edge does not get twice the allowance.
 *
 * A slot whose window is live is never taken for another key: a limit must
 * hold whatever else an attacker sends. When a new key finds its slots all
 * live, its events go to a coarser counter shared by every key of its class
 * (the text before the first ':', e.g. "login-name") that did not fit, with
 * the same limit; such a key is allowed only while that shared counter is
 * under the limit. So a flood of keys can only make limits stricter (for
 * the keys that overflowed), never looser, and members who do not trip a
 * limit are not affected. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community/community.h"

#define SLOTS 16384
#define PROBE 16
#define CLASSES 32
#define CLASS_MAX 32

struct slot {
    unsigned char id[16]; /* keyed hash of the key; all zero: free */
    int64_t start;        /* start of the current window */
    int window_s;
    int cur, prev;
};

struct klass {
    char name[CLASS_MAX]; /* "" = free */
    struct slot s;
};

static struct slot table[SLOTS];
static struct klass classes[CLASSES];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char sip_key[crypto_shorthash_siphashx24_KEYBYTES];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static _Atomic(const struct pb_cm_rl_store *) store;

static void make_key(void)
{
    if (sodium_init() < 0)
        abort(); /* no randomness: nothing here could be trusted */
    randombytes_buf(sip_key, sizeof sip_key);
}

static void key_id(const char *key, unsigned char id[16])
{
    pthread_once(&key_once, make_key);
    crypto_shorthash_siphashx24(id, (const unsigned char *)key, strlen(key),
                                sip_key);
    static const unsigned char zero[16];
    if (!memcmp(id, zero, 16))
        id[0] = 1; /* all zero marks a free slot */
}

static void roll(struct slot *s, int64_t now, int window_s)
{
    if (window_s < 1)
        window_s = 1;
    int64_t w = now - now % window_s;
    s->window_s = window_s;
    if (s->start == w)
        return;
    s->prev = s->start == w - window_s ? s->cur : 0;
    s->cur = 0;
    s->start = w;
}

static double estimate(const struct slot *s, int64_t now, int window_s)
{
    double into = (double)(now - s->start) / window_s;
    return s->cur + s->prev * (1.0 - into);
}

/* 1 when s counts nothing that could still limit anyone at now. */
static int dead(const struct slot *s, int64_t now)
{
    static const unsigned char zero[16];
    if (!memcmp(s->id, zero, 16))
        return 1;
    int w = s->window_s > 0 ? s->window_s : 1;
    int64_t cur_start = now - now % w;
    if (s->start < cur_start - w)
        return 1; /* both windows over */
    if (s->start == cur_start - w)
        return s->cur == 0;
    return s->cur == 0 && s->prev == 0;
}

/* The slot of key id; with create, a free or dead one made fresh. NULL when
 * absent (create 0) or when every slot of its probe is live (*full = 1). */
static struct slot *find(const unsigned char id[16], int64_t now, int create,
                         int *full)
{
    uint64_t h;
    memcpy(&h, id, sizeof h);
    struct slot *room = NULL;
    for (int i = 0; i < PROBE; i++) {
        struct slot *s = &table[(h + (uint64_t)i) % SLOTS];
        if (!memcmp(s->id, id, 16))
            return s;
        if (!room && dead(s, now))
            room = s;
    }
    *full = !room;
    if (!create || !room)
        return NULL;
    memset(room, 0, sizeof *room);
    memcpy(room->id, id, 16);
    return room;
}

/* The shared counter of key's class (created when create). */
static struct slot *class_of(const char *key, int create)
{
    char name[CLASS_MAX];
    size_t n = strcspn(key, ":");
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, key, n);
    name[n] = '\0';
    struct klass *free_k = NULL;
    for (int i = 0; i < CLASSES; i++) {
        if (!strcmp(classes[i].name, name) && classes[i].name[0])
            return &classes[i].s;
        if (!classes[i].name[0] && !free_k)
            free_k = &classes[i];
    }
    if (!create)
        return NULL;
    if (!free_k) /* more classes than we have: the last one is shared */
        return &classes[CLASSES - 1].s;
    snprintf(free_k->name, sizeof free_k->name, "%s", name[0] ? name : "-");
    return &free_k->s;
}

static int mem_check(const char *key, int64_t now, int max, int window_s)
{
    unsigned char id[16];
    int ok = 1, full = 0;
    key_id(key, id);
    pthread_mutex_lock(&lock);
    struct slot *s = find(id, now, 0, &full);
    if (!s && full)
        s = class_of(key, 0); /* its events went to the class, if any */
    if (s) {
        roll(s, now, window_s);
        ok = estimate(s, now, window_s) < max;
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

static void mem_add(const char *key, int64_t now, int window_s)
{
    unsigned char id[16];
    int full = 0;
    key_id(key, id);
    pthread_mutex_lock(&lock);
    struct slot *s = find(id, now, 1, &full);
    if (!s)
        s = class_of(key, 1);
    roll(s, now, window_s);
    s->cur++;
    pthread_mutex_unlock(&lock);
}

static void mem_forget(const char *key)
{
    unsigned char id[16];
    int full = 0;
    key_id(key, id);
    pthread_mutex_lock(&lock);
    struct slot *s = find(id, 0, 0, &full);
    if (s)
        memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&lock);
}

void pb_cm_rl_use(const struct pb_cm_rl_store *s)
{
    atomic_store(&store, s);
}

int pb_cm_rl_check(const char *key, int64_t now, int max, int window_s)
{
    const struct pb_cm_rl_store *s = atomic_load(&store);
    return s ? s->check(s->ctx, key, now, max, window_s)
             : mem_check(key, now, max, window_s);
}

void pb_cm_rl_add(const char *key, int64_t now, int window_s)
{
    const struct pb_cm_rl_store *s = atomic_load(&store);
    if (s)
        s->add(s->ctx, key, now, window_s);
    else
        mem_add(key, now, window_s);
}

void pb_cm_rl_forget(const char *key)
{
    const struct pb_cm_rl_store *s = atomic_load(&store);
    if (s)
        s->forget(s->ctx, key);
    else
        mem_forget(key);
}

void pb_cm_rl_reset(void)
{
    pthread_mutex_lock(&lock);
    memset(table, 0, sizeof table);
    memset(classes, 0, sizeof classes);
    pthread_mutex_unlock(&lock);
}

void pb_cm_rl_addr(const char *ip, char out[PB_CM_RL_ADDR_MAX])
{
    /* one IPv6 user holds a /64 (billions of addresses): count the /64 */
    struct in6_addr a6;
    if (ip && strchr(ip, ':') && inet_pton(AF_INET6, ip, &a6) == 1 &&
        !IN6_IS_ADDR_V4MAPPED(&a6)) {
        memset(a6.s6_addr + 8, 0, 8);
        if (inet_ntop(AF_INET6, &a6, out, PB_CM_RL_ADDR_MAX)) {
            size_t n = strlen(out);
            if (n + 3 < PB_CM_RL_ADDR_MAX)
                memcpy(out + n, "/64", 4);
            return;
        }
    }
    snprintf(out, PB_CM_RL_ADDR_MAX, "%s", ip && *ip ? ip : "-");
}
