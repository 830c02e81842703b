/* test_member_recs.c - a member's recommendations (rank/member_recs.h) on a
 * hand-made corpus in a real store: three topics, topic A in two
 * sub-topics, among background papers on other subjects (as in a real
 * store, where one reader's topic is a small part of it); upvotes and
 * collections as likes, "not interested" marks as dislikes; and the
 * store's listings of those marks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "rank/member_recs.h"
#include "store/store.h"
#include "store/store_community.h"
#include "vector/vecset.h"

#define PER 30   /* papers per topic (A1, A2, B, C) */
#define BG 1000  /* background papers, on 24 other subjects */
#define DIM 32

static struct pb_store *st;
static struct pb_cmdb *db;
static struct pb_vecset *vs;
static char path[256];
/* pids by group: 0 A1, 1 A2, 2 B, 3 C */
static int64_t pid_of[4][PER];

static uint64_t rng = 7;
static double noise(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0 - 0.5;
}

/* Group g's direction: A1 = e0 + .6 e3, A2 = e0 + .6 e4, B = e1, C = e2,
 * background paper i e(8 + i % 24); each paper that plus uniform noise of
 * width .3 on every axis. */
static void vec(int g, int i, float *v)
{
    double n = 0;
    for (int d = 0; d < DIM; d++) {
        double x = 0.3 * noise();
        if ((g <= 1 && d == 0) || (g == 2 && d == 1) || (g == 3 && d == 2) ||
            (g == 4 && d == 8 + i % 24))
            x += 1;
        if ((g == 0 && d == 3) || (g == 1 && d == 4))
            x += 0.6;
        v[d] = (float)x;
        n += x * x;
    }
    for (int d = 0; d < DIM; d++)
        v[d] = (float)(v[d] / sqrt(n));
}

static int group(int64_t pid)
{
    for (int g = 0; g < 4; g++)
        for (int i = 0; i < PER; i++)
            if (pid_of[g][i] == pid)
                return g;
    return 4; /* background */
}

static void setup(void)
{
    struct pb_err err = {0};
    const char *dir = getenv("PB_TEST_OUT");
    snprintf(path, sizeof path, "%s/test_member_recs_%d.db",
             dir ? dir : "/tmp", (int)getpid());
    unlink(path);
    if (pb_store_open(path, 0, &st, &err)) {
        fprintf(stderr, "open: %s\n", err.msg);
        abort();
    }
    db = pb_cmdb_new(st);
    vs = pb_vecset_new(DIM);
    static const char *const name[] = {"a1", "a2", "b", "c", "other"};
    /* interleave the groups so that pid order says nothing of topics */
    if (pb_store_begin(st))
        abort();
    for (int i = 0; i < BG; i++)
        for (int g = 0; g < 5; g++) {
            if (g < 4 && i >= PER)
                continue;
            struct pb_paper p;
            pb_paper_init(&p);
            snprintf(p.id, sizeof p.id, "2406.%d%04d", g + 1, i);
            char t[32];
            snprintf(t, sizeof t, "%s paper %d", name[g], i);
            pb_str_set(&p.title, t, strlen(t));
            snprintf(p.listed_day, sizeof p.listed_day, "2024-06-03");
            p.sources = PB_SRC_JSONL;
            enum pb_upsert how;
            int64_t pid = 0;
            if (pb_store_paper_upsert(st, &p, &how, &pid))
                abort();
            if (g < 4)
                pid_of[g][i] = pid;
            pb_paper_clear(&p);
            float v[DIM];
            vec(g, i, v);
            pb_vecset_add(vs, pid, v);
        }
    if (pb_store_commit(st))
        abort();
}

static void teardown(void)
{
    char side[300];
    pb_vecset_free(vs);
    pb_cmdb_free(db);
    pb_store_close(st);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static int64_t member(const char *name)
{
    int64_t id = 0;
    CHECK(pb_cmdb_member_add(db, name, "x@y.z", "nohash", 0, 0, &id) ==
          PB_OK);
    return id;
}

static void upvote(int64_t m, int64_t pid, int64_t at)
{
    int on = 0;
    int64_t local = 0;
    CHECK(pb_cmdb_vote(db, m, pid, 1, at, &on, &local) == PB_OK);
    CHECK_EQ(on, 1);
}

/* The rank (0-based) of pid in out[0..n), or n when absent. */
static size_t rank_of(const struct pb_ranked *out, size_t n, int64_t pid)
{
    for (size_t i = 0; i < n; i++)
        if (out[i].key == pid)
            return i;
    return n;
}

static double mean_rank(const struct pb_ranked *out, size_t n, int g)
{
    double s = 0;
    int c = 0;
    for (size_t i = 0; i < n; i++)
        if (group(out[i].key) == g)
            s += (double)i, c++;
    return c ? s / c : 1e9;
}

/* Upvoted topic A (both sub-topics): every other topic-A paper ranks above
 * every topic-B and topic-C paper, and nothing liked comes back. */
static void t_topic_first(void)
{
    setup();
    int64_t m = member("alice");
    int64_t liked[] = {pid_of[0][0], pid_of[0][1], pid_of[1][0],
                       pid_of[1][1]};
    for (int i = 0; i < 4; i++)
        upvote(m, liked[i], 100 + i);
    struct pb_ranked out[4 * PER];
    size_t n = 0;
    CHECK_EQ(pb_member_recs(st, vs, m, 4 * PER, out, &n), PB_OK);
    CHECK_EQ(n, 4 * PER);
    for (size_t i = 0; i < n; i++) {
        if (i < 2 * PER - 4)
            CHECK(group(out[i].key) <= 1); /* topic A first, all of it */
        else
            CHECK(group(out[i].key) >= 2);
        for (int j = 0; j < 4; j++)
            CHECK(out[i].key != liked[j]);
        if (i)
            CHECK(out[i].score <= out[i - 1].score);
    }
    /* k smaller than the topic: the same head */
    struct pb_ranked top[10];
    size_t nt = 0;
    CHECK_EQ(pb_member_recs(st, vs, m, 10, top, &nt), PB_OK);
    CHECK_EQ(nt, 10);
    CHECK(!memcmp(top, out, sizeof top));
    teardown();
}

/* Collections count as likes; a member who collected topic B gets B. */
static void t_collections_like(void)
{
    setup();
    int64_t m = member("bob"), c = 0;
    CHECK(pb_cmdb_coll_create(db, m, "private reading", 0, 1, &c) == PB_OK);
    for (int i = 0; i < 3; i++)
        CHECK(pb_cmdb_coll_add(db, c, m, pid_of[2][i], 10 + i) == PB_OK);
    struct pb_ranked out[PER];
    size_t n = 0;
    CHECK_EQ(pb_member_recs(st, vs, m, PER - 3, out, &n), PB_OK);
    CHECK_EQ(n, PER - 3);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(group(out[i].key), 2);
    teardown();
}

/* "Not interested": the paper goes, and its sub-topic moves down. */
static void t_not_interested(void)
{
    setup();
    int64_t m = member("carol");
    for (int i = 0; i < 3; i++) {
        upvote(m, pid_of[0][i], 100 + i);
        upvote(m, pid_of[1][i], 200 + i);
    }
    const size_t K = 2 * PER + 30; /* the rest of topic A, and more */
    struct pb_ranked before[3 * PER], after[3 * PER];
    size_t nb = 0, na = 0;
    CHECK_EQ(pb_member_recs(st, vs, m, K, before, &nb), PB_OK);
    CHECK_EQ(nb, K);
    /* the best-ranked A2 paper is the one they do not want */
    int64_t x = 0;
    for (size_t i = 0; i < nb && !x; i++)
        if (group(before[i].key) == 1)
            x = before[i].key;
    CHECK(x != 0);
    CHECK_EQ(pb_cmdb_dismiss(db, m, x, 1, 300), PB_OK);
    CHECK_EQ(pb_cmdb_dismiss(db, m, x, 1, 301), PB_OK); /* again: once */
    int on = 0;
    CHECK_EQ(pb_cmdb_dismissed(db, m, x, &on), PB_OK);
    CHECK_EQ(on, 1);
    CHECK_EQ(pb_member_recs(st, vs, m, K, after, &na), PB_OK);
    CHECK_EQ(na, K);
    CHECK_EQ(rank_of(after, na, x), na); /* gone */
    /* its nearest neighbours (not liked) each moved down, by 5 ranks on
     * average here (30 -> 40, 19 -> 25, 21 -> 24, 34 -> 37, 18 -> 21):
     * one dismissal weighs a tenth of a like (PB_REC_DISLIKE_WEIGHT) */
    int64_t slot = pb_vecset_slot(vs, x);
    struct pb_vhit h[16];
    size_t nh = 0, n_nn = 0;
    double moved = 0;
    pb_vecset_exact(vs, pb_vecset_q(vs, (uint32_t)slot),
                    pb_vecset_scale(vs, (uint32_t)slot), 16, h, &nh);
    for (size_t i = 1; i < nh && n_nn < 5; i++) {
        size_t rb = rank_of(before, nb, h[i].pid);
        if (rb == nb)
            continue; /* liked */
        size_t ra = rank_of(after, na, h[i].pid);
        CHECK_EQ(group(h[i].pid), 1);
        CHECK(ra > rb);
        moved += (double)ra - (double)rb;
        n_nn++;
    }
    CHECK_EQ(n_nn, 5);
    CHECK(moved / 5 >= 4);
    /* the sub-topic moved down, the other one up */
    double a2_before = mean_rank(before, nb, 1), a2_after = mean_rank(after, na, 1);
    double a1_before = mean_rank(before, nb, 0), a1_after = mean_rank(after, na, 0);
    CHECK(a2_after > a2_before + 1.5); /* 35.3 -> 37.3 here */
    CHECK(a1_after < a1_before - 1.5); /* 17.7 -> 15.1 */
    /* the head is still topic A */
    for (size_t i = 0; i < 20; i++)
        CHECK(group(after[i].key) <= 1);
    /* cleared: the paper is back, and the list is the first one again */
    CHECK_EQ(pb_cmdb_dismiss(db, m, x, 0, 302), PB_OK);
    CHECK_EQ(pb_member_recs(st, vs, m, K, after, &na), PB_OK);
    CHECK(na == nb && !memcmp(after, before, nb * sizeof *after));
    teardown();
}

/* What is left out, and the errors. */
static void t_left_out(void)
{
    setup();
    int64_t m = member("dave"), idle = member("erin");
    for (int i = 0; i < 3; i++)
        upvote(m, pid_of[3][i], 100 + i);
    struct pb_ranked out[PER];
    size_t n = 99;
    CHECK_EQ(pb_member_recs(st, vs, idle, 10, out, &n), PB_ENOTFOUND);
    CHECK_EQ(n, 0);
    CHECK_EQ(pb_member_recs(st, vs, 12345, 10, out, &n), PB_ENOTFOUND);
    CHECK_EQ(pb_member_recs(st, NULL, m, 10, out, &n), PB_EUNSUP);
    /* likes without vectors: as if nothing was liked */
    struct pb_vecset *empty = pb_vecset_new(DIM);
    CHECK_EQ(pb_member_recs(st, empty, m, 10, out, &n), PB_ENOTFOUND);
    pb_vecset_free(empty);
    CHECK_EQ(pb_member_recs(st, vs, m, 0, out, &n), PB_OK);
    CHECK_EQ(n, 0);
    /* the best one hidden by a moderator, the second deleted, the third
     * liked and dismissed (liked wins: left out as liked, not a dislike) */
    CHECK_EQ(pb_member_recs(st, vs, m, 3, out, &n), PB_OK);
    CHECK_EQ(n, 3);
    int64_t h = out[0].key, d = out[1].key, b = out[2].key;
    CHECK_EQ(pb_cmdb_paper_hide(db, h, 1, "mod", "x", 5), PB_OK);
    struct pb_paper p;
    pb_paper_init(&p);
    CHECK_EQ(pb_store_paper_get_pid(st, d, &p), PB_OK);
    CHECK_EQ(pb_store_paper_delete(st, p.id), PB_OK);
    pb_paper_clear(&p);
    upvote(m, b, 150);
    CHECK_EQ(pb_cmdb_dismiss(db, m, b, 1, 160), PB_OK);
    int shown = 1;
    CHECK_EQ(pb_cmdb_paper_shown(db, h, &shown), PB_OK);
    CHECK_EQ(shown, 0);
    CHECK_EQ(pb_cmdb_paper_shown(db, d, &shown), PB_OK);
    CHECK_EQ(shown, 0);
    CHECK_EQ(pb_cmdb_paper_shown(db, 999999, &shown), PB_OK);
    CHECK_EQ(shown, 0);
    CHECK_EQ(pb_cmdb_paper_shown(db, b, &shown), PB_OK);
    CHECK_EQ(shown, 1);
    /* 30 C papers: 4 liked, one hidden, one deleted; then other topics */
    CHECK_EQ(pb_member_recs(st, vs, m, PER - 5, out, &n), PB_OK);
    CHECK_EQ(n, PER - 5);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(group(out[i].key), i < PER - 6 ? 3 : 4);
        CHECK(out[i].key != h && out[i].key != d && out[i].key != b);
    }
    /* a vector whose paper the store does not know is never returned */
    float v[DIM];
    vec(3, 0, v);
    pb_vecset_add(vs, 777777, v);
    CHECK_EQ(pb_member_recs(st, vs, m, PER - 6, out, &n), PB_OK);
    CHECK_EQ(n, PER - 6);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(group(out[i].key), 3);
    teardown();
}

static int ids_are(struct pb_feed_list *l, const int64_t *pids, size_t n)
{
    if (l->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (l->pid[i] != pids[i])
            return 0;
    return 1;
}

/* The listings of a member's marks, newest first. */
static void t_listings(void)
{
    setup();
    int64_t m = member("fay"), other = member("gus"), c = 0, c2 = 0;
    upvote(m, pid_of[0][0], 10);
    upvote(m, pid_of[0][2], 30);
    upvote(m, pid_of[0][1], 20);
    upvote(other, pid_of[3][0], 40);
    CHECK(pb_cmdb_coll_create(db, m, "one", 0, 1, &c) == PB_OK);
    CHECK(pb_cmdb_coll_create(db, m, "two", 1, 1, &c2) == PB_OK);
    CHECK(pb_cmdb_coll_add(db, c, m, pid_of[2][0], 50) == PB_OK);
    CHECK(pb_cmdb_coll_add(db, c2, m, pid_of[2][1], 60) == PB_OK);
    CHECK(pb_cmdb_coll_add(db, c2, m, pid_of[2][0], 70) == PB_OK);
    CHECK_EQ(pb_cmdb_dismiss(db, m, pid_of[1][5], 1, 80), PB_OK);
    CHECK_EQ(pb_cmdb_dismiss(db, m, pid_of[1][6], 1, 90), PB_OK);
    CHECK_EQ(pb_cmdb_dismiss(db, m, pid_of[1][7], 1, 95), PB_OK);
    CHECK_EQ(pb_cmdb_dismiss(db, m, pid_of[1][7], 0, 96), PB_OK);
    CHECK_EQ(pb_cmdb_dismiss(db, m, pid_of[1][8], 0, 97), PB_OK); /* none */
    int64_t *v = NULL;
    size_t n = 0;
    CHECK_EQ(pb_cmdb_member_pids(db, m, PB_MARK_UPVOTED, 10, &v, &n), PB_OK);
    CHECK_EQ(n, 3);
    if (n == 3) {
        CHECK_EQ(v[0], pid_of[0][2]);
        CHECK_EQ(v[1], pid_of[0][1]);
        CHECK_EQ(v[2], pid_of[0][0]);
    }
    free(v);
    CHECK_EQ(pb_cmdb_member_pids(db, m, PB_MARK_UPVOTED, 2, &v, &n), PB_OK);
    CHECK_EQ(n, 2);
    free(v);
    /* one paper in two collections: once, by its latest addition */
    CHECK_EQ(pb_cmdb_member_pids(db, m, PB_MARK_COLLECTED, 10, &v, &n),
             PB_OK);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_EQ(v[0], pid_of[2][0]);
        CHECK_EQ(v[1], pid_of[2][1]);
    }
    free(v);
    CHECK_EQ(pb_cmdb_member_pids(db, m, PB_MARK_DISMISSED, 10, &v, &n),
             PB_OK);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_EQ(v[0], pid_of[1][6]);
        CHECK_EQ(v[1], pid_of[1][5]);
    }
    free(v);
    CHECK_EQ(pb_cmdb_member_pids(db, m, 3, 10, &v, &n), PB_EINVAL);
    CHECK_EQ(pb_cmdb_member_pids(db, other, PB_MARK_DISMISSED, 10, &v, &n),
             PB_OK);
    CHECK_EQ(n, 0);
    CHECK(v == NULL);
    /* as papers, with paging */
    struct pb_feed_list l;
    pb_feed_list_init(&l);
    CHECK_EQ(pb_cmdb_member_papers(db, m, PB_MARK_UPVOTED, 0, 2, &l), PB_OK);
    int64_t up2[] = {pid_of[0][2], pid_of[0][1]};
    CHECK(ids_are(&l, up2, 2));
    CHECK_EQ(l.more, 1);
    CHECK_EQ(l.v[0].upvotes, 1); /* the local vote counted */
    CHECK_STR(l.v[0].id, "2406.10002");
    CHECK_EQ(pb_cmdb_member_papers(db, m, PB_MARK_UPVOTED, 2, 2, &l), PB_OK);
    int64_t up3[] = {pid_of[0][0]};
    CHECK(ids_are(&l, up3, 1));
    CHECK_EQ(l.more, 0);
    CHECK_EQ(pb_cmdb_member_papers(db, m, PB_MARK_COLLECTED, 0, 10, &l),
             PB_OK);
    int64_t co[] = {pid_of[2][0], pid_of[2][1]};
    CHECK(ids_are(&l, co, 2));
    CHECK_EQ(pb_cmdb_member_papers(db, m, PB_MARK_DISMISSED, 0, 10, &l),
             PB_OK);
    int64_t di[] = {pid_of[1][6], pid_of[1][5]};
    CHECK(ids_are(&l, di, 2));
    CHECK_EQ(pb_cmdb_member_papers(db, m, PB_MARK_DISMISSED, 0, 0, &l),
             PB_EINVAL);
    pb_feed_list_clear(&l);
    teardown();
}

int main(void)
{
    static const struct pb_test T[] = {
        {"upvoted topic ranks above the others", t_topic_first},
        {"collections count as likes", t_collections_like},
        {"not interested: gone, and its neighbours move down",
         t_not_interested},
        {"hidden, deleted, unknown papers left out; errors", t_left_out},
        {"listings of upvoted, collected, dismissed", t_listings},
        {0}};
    return pb_test_run(T);
}
