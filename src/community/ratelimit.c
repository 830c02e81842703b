/* ratelimit.c - in-memory rate limits by key (see community.h).
 *
 * A fixed table of slots found by hashing the key (linear probing over a
 * few slots). Each slot counts events in the current and the previous
 * window; the estimate weighs the previous window by how much of it still
 * overlaps the sliding window, so a burst at a window edge does not get
 * twice the allowance. When the probe finds no free slot, the stalest one
 * is reused: an attacker flooding keys can only make us forget, so the
 * table stays bounded. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "community/community.h"

#define SLOTS 8192
#define PROBE 8
#define KEY_MAX 128

struct slot {
    char key[KEY_MAX];
    int64_t start; /* start of the current window */
    int cur, prev;
};

static struct slot table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t hash(const char *k)
{
    uint64_t h = 1469598103934665603u;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211u;
    return h;
}

/* The slot of key, made fresh when new; with create 0, NULL when absent. */
static struct slot *find(const char *key, int create)
{
    uint64_t h = hash(key);
    struct slot *free_s = NULL, *stalest = NULL;
    for (int i = 0; i < PROBE; i++) {
        struct slot *s = &table[(h + (uint64_t)i) % SLOTS];
        if (!strncmp(s->key, key, KEY_MAX - 1))
            return s;
        if (!s->key[0] && !free_s)
            free_s = s;
        if (!stalest || s->start < stalest->start)
            stalest = s;
    }
    if (!create)
        return NULL;
    struct slot *s = free_s ? free_s : stalest;
    memset(s, 0, sizeof *s);
    snprintf(s->key, sizeof s->key, "%s", key);
    return s;
}

static void roll(struct slot *s, int64_t now, int window_s)
{
    int64_t w = now - now % window_s;
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

int pb_cm_rl_check(const char *key, int64_t now, int max, int window_s)
{
    int ok = 1;
    pthread_mutex_lock(&lock);
    struct slot *s = find(key, 0);
    if (s) {
        roll(s, now, window_s);
        ok = estimate(s, now, window_s) < max;
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

void pb_cm_rl_add(const char *key, int64_t now, int window_s)
{
    pthread_mutex_lock(&lock);
    struct slot *s = find(key, 1);
    roll(s, now, window_s);
    s->cur++;
    pthread_mutex_unlock(&lock);
}

void pb_cm_rl_forget(const char *key)
{
    pthread_mutex_lock(&lock);
    struct slot *s = find(key, 0);
    if (s)
        memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&lock);
}
