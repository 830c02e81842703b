/* cmd_recommend.c - paperboy recommend (--user NAME | --like ID,ID
 * [--dislike ID,ID]) [--db PATH] [--limit N]: papers for one reader from a
 * linear model over paper vectors (src/rank/recommend.h); for a member, the
 * same list as their "For you" page (src/rank/member_recs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/mem.h"
#include "rank/member_recs.h"
#include "rank/recommend.h"
#include "store/store.h"
#include "store/store_community.h"
#include "text/latex_plain.h"
#include "vector/vindex.h"

struct ids {
    int64_t *v;
    size_t n, cap;
};

static void push(struct ids *l, int64_t pid)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = pb_reallocarray(l->v, l->cap, sizeof *l->v);
    }
    l->v[l->n++] = pid;
}

/* "ID,ID,..." into pids; unknown ids are reported and skipped */
static void parse_ids(struct pb_store *st, const char *s, struct ids *out)
{
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char id[PB_MAX_ID];
        if (n && n < sizeof id) {
            memcpy(id, s, n);
            id[n] = 0;
            struct pb_paper p;
            int64_t pid;
            pb_paper_init(&p);
            if (pb_store_paper_get(st, id, &p, &pid) == PB_OK)
                push(out, pid);
            else
                fprintf(stderr, "recommend: no paper %s\n", id);
            pb_paper_clear(&p);
        }
        s = e ? e + 1 : NULL;
    }
}

int pb_cli_recommend(int argc, char **argv)
{
    const char *db = NULL, *like_s = NULL, *dislike_s = NULL, *user = NULL;
    unsigned long limit = 10;
    double dislike_w = -1;
    for (int i = 1; i < argc; i++) {
        if (pb_cli_is_help(argv[i])) {
            printf("usage: paperboy recommend (--user NAME | --like ID,ID "
                   "[--dislike ID,ID]\n       [--dislike-weight W]) "
                   "[--db PATH] [--limit N]\n\n"
                   "Papers for one reader: a linear SVM (liblinear) over "
                   "paper vectors, trained\non the papers they liked against"
                   " those they disliked and a sample of\nothers. --user: "
                   "the member's upvoted and collected papers against those"
                   "\nthey marked \"not interested\" (their For you page). "
                   "Needs paperboy embed.\n--dislike-weight: how many "
                   "likes a dislike weighs (default %g).\n",
                   PB_REC_DISLIKE_WEIGHT);
            return 0;
        } else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
            db = argv[++i];
        } else if (!strcmp(argv[i], "--like") && i + 1 < argc) {
            like_s = argv[++i];
        } else if (!strcmp(argv[i], "--dislike") && i + 1 < argc) {
            dislike_s = argv[++i];
        } else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
            user = argv[++i];
        } else if (!strcmp(argv[i], "--dislike-weight") && i + 1 < argc) {
            char *end;
            dislike_w = strtod(argv[++i], &end);
            if (*end || !(dislike_w >= 0) || dislike_w > 100)
                return 2;
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            char *end;
            limit = strtoul(argv[++i], &end, 10);
            if (*end || !limit || limit > 1000)
                return 2;
        } else {
            fprintf(stderr, "recommend: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!like_s == !user || (user && (dislike_s || dislike_w >= 0))) {
        fprintf(stderr, "usage: paperboy recommend (--user NAME | --like "
                        "ID,ID) [--dislike ID,ID]\n");
        return 2;
    }
    db = pb_cli_db_path(db);
    struct pb_err err = {0};
    struct pb_store *st = NULL;
    struct pb_vecset *vs = NULL;
    char vpath[4200];
    struct ids like = {0}, dislike = {0};
    struct pb_ranked *out = pb_calloc(limit, sizeof *out);
    int ret = 1;
    /* the paper vectors are all it takes (not the word vectors, not the
     * graph) */
    if (pb_store_open(db, PB_STORE_READONLY, &st, &err) ||
        pb_vindex_path(db, "vec", vpath, sizeof vpath) ||
        pb_vecset_open(vpath, &vs, &err)) {
        fprintf(stderr, "recommend: %s\n", err.msg);
        goto out;
    }
    struct pb_rec_opts o;
    pb_rec_defaults(&o);
    if (dislike_w >= 0)
        o.dislike_weight = dislike_w;
    size_t n = 0;
    struct timespec t0, t1;
    int rc;
    if (user) {
        struct pb_cmdb *cm = pb_cmdb_new(st);
        struct pb_member m;
        rc = pb_cmdb_member_get(cm, user, &m, NULL);
        pb_cmdb_free(cm);
        if (rc) {
            fprintf(stderr, "recommend: member %s: %s\n", user,
                    pb_strerror(rc));
            goto out;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = pb_member_recs(st, vs, m.id, limit, out, &n);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (rc == PB_ENOTFOUND) {
            fprintf(stderr, "recommend: %s has upvoted or collected no paper "
                            "with a vector yet\n", m.name);
            goto out;
        }
    } else {
        parse_ids(st, like_s, &like);
        parse_ids(st, dislike_s, &dislike);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = pb_recommend(vs, like.v, like.n, dislike.v, dislike.n, &o,
                          limit, out, &n);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (rc == PB_EINVAL) {
            fprintf(stderr, "recommend: nothing liked has a vector yet\n");
            goto out;
        }
    }
    if (rc) {
        fprintf(stderr, "recommend: %s\n", pb_strerror(rc));
        goto out;
    }
    if (user)
        printf("recommend: for %s; %.1f ms\n", user,
               (t1.tv_sec - t0.tv_sec) * 1e3 +
                   (t1.tv_nsec - t0.tv_nsec) / 1e6);
    else
        printf("recommend: %zu liked, %zu disliked; %.1f ms\n", like.n,
               dislike.n,
               (t1.tv_sec - t0.tv_sec) * 1e3 +
                   (t1.tv_nsec - t0.tv_nsec) / 1e6);
    for (size_t i = 0; i < n; i++) {
        struct pb_paper p;
        pb_paper_init(&p);
        if (pb_store_paper_get_pid(st, out[i].key, &p) == PB_OK) {
            char *t = pb_text_latex_plain(p.title ? p.title : "",
                                          p.title ? strlen(p.title) : 0);
            printf("%2zu. %-16s %.3f  %s\n", i + 1, p.id, out[i].score, t);
            free(t);
        }
        pb_paper_clear(&p);
    }
    ret = 0;
out:
    free(like.v);
    free(dislike.v);
    free(out);
    pb_vecset_free(vs);
    pb_store_close(st);
    return ret;
}
