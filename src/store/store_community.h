/*
 * store_community.h - the SQL of the community: members and sessions,
 * upvotes, comments, submissions, collections, follows, moderation and the
 * trending listing (docs/TRENDING.md), and the marks recommendations
 * learn from (upvoted, collected, "not interested"). Tables: schema.c,
 * migrations 3 and 5 (dismissals).
 *
 * A struct pb_cmdb holds prepared statements for one struct pb_store
 * (borrowed; a read-write connection for the writers). Use it from the
 * thread that uses that store; free it before closing the store.
 *
 * Every write that changes what a page shows bumps the community
 * generation (pb_cmdb_generation) in the same transaction. Counts are
 * exact under concurrency: each change runs in one BEGIN IMMEDIATE
 * transaction, and votes are rows under UNIQUE(member, pid).
 *
 * Strings passed in are borrowed for the call. Times are Unix seconds from
 * the caller's clock (this module never reads the time itself).
 */
#ifndef PB_STORE_STORE_COMMUNITY_H
#define PB_STORE_STORE_COMMUNITY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"
#include "store/store_feed.h"

struct pb_cmdb;

struct pb_cmdb *pb_cmdb_new(struct pb_store *st); /* never NULL */
void pb_cmdb_free(struct pb_cmdb *db);             /* NULL is a no-op */

enum pb_role { PB_ROLE_USER = 0, PB_ROLE_MOD = 1, PB_ROLE_ADMIN = 2 };

#define PB_CM_NAME_MAX 40    /* bytes of a member name */
#define PB_CM_EMAIL_MAX 254
#define PB_CM_PWHASH_MAX 128 /* crypto_pwhash_STRBYTES */

struct pb_member {
    int64_t id;
    char name[PB_CM_NAME_MAX + 1];
    char email[PB_CM_EMAIL_MAX + 1];
    int role;     /* enum pb_role */
    int disabled; /* 1: may not log in, sessions refused */
    int64_t created;
};

/* Add a member; PB_EEXIST when the name is taken (case-insensitively). */
int pb_cmdb_member_add(struct pb_cmdb *db, const char *name,
                       const char *email, const char *pwhash, int role,
                       int64_t now, int64_t *out_id) PB_WUR;
/* By name (case-insensitive); pwhash (may be NULL) receives the stored hash
 * string in PB_CM_PWHASH_MAX + 1 bytes. PB_ENOTFOUND when none. */
int pb_cmdb_member_get(struct pb_cmdb *db, const char *name,
                       struct pb_member *out, char *pwhash) PB_WUR;
int pb_cmdb_member_get_id(struct pb_cmdb *db, int64_t id,
                          struct pb_member *out) PB_WUR;
int pb_cmdb_member_set_role(struct pb_cmdb *db, int64_t id,
                            int role) PB_WUR;
/* Disable or enable; disabling also ends the member's sessions. */
int pb_cmdb_member_set_disabled(struct pb_cmdb *db, int64_t id,
                                int disabled) PB_WUR;
typedef int (*pb_cmdb_member_fn)(void *ctx, const struct pb_member *m);
int pb_cmdb_member_each(struct pb_cmdb *db, pb_cmdb_member_fn fn,
                        void *ctx) PB_WUR;

/* Sessions by the hash of their token (32 bytes). get: the member of a
 * live session (not expired, member not disabled), else PB_ENOTFOUND. */
int pb_cmdb_session_add(struct pb_cmdb *db, const unsigned char hash[32],
                        int64_t member, int64_t now, int64_t expires) PB_WUR;
int pb_cmdb_session_get(struct pb_cmdb *db, const unsigned char hash[32],
                        int64_t now, struct pb_member *out) PB_WUR;
int pb_cmdb_session_del(struct pb_cmdb *db,
                        const unsigned char hash[32]) PB_WUR;

/* Local counts and state of a paper; zeros when nothing was recorded. */
struct pb_paper_stats {
    int64_t votes, comments;
    int hidden;
    char submitted_by[PB_CM_NAME_MAX + 1]; /* "" when not submitted here */
};
int pb_cmdb_stats(struct pb_cmdb *db, int64_t pid,
                  struct pb_paper_stats *out) PB_WUR;
/* Add local votes and comments to the imported counts of every paper of
 * l (displayed = imported + local). */
int pb_cmdb_fill_counts(struct pb_cmdb *db, struct pb_feed_list *l) PB_WUR;

/* Vote: want 1 = upvote, 0 = take back, -1 = toggle. *out_voted is the
 * member's state afterwards and *out_local the paper's local votes. */
int pb_cmdb_vote(struct pb_cmdb *db, int64_t member, int64_t pid, int want,
                 int64_t now, int *out_voted, int64_t *out_local) PB_WUR;
int pb_cmdb_voted(struct pb_cmdb *db, int64_t member, int64_t pid,
                  int *out) PB_WUR;

/* Comments. */
struct pb_comment {
    int64_t id, pid, member;
    char author[PB_CM_NAME_MAX + 1];
    char *body; /* owned: free() */
    int64_t created, edited;
    int hidden;
};
/* Add one unless the member wrote max_n or more since `since`
 * (PB_EBUSY: the rate limit). */
int pb_cmdb_comment_add(struct pb_cmdb *db, int64_t pid, int64_t member,
                        const char *body, int64_t now, int64_t since,
                        int max_n, int64_t *out_id) PB_WUR;
/* One live (not deleted) comment; caller frees out->body. */
int pb_cmdb_comment_get(struct pb_cmdb *db, int64_t id,
                        struct pb_comment *out) PB_WUR;
/* Replace the body; PB_EPERM unless member wrote it and it was made after
 * not_before (the edit window). */
int pb_cmdb_comment_edit(struct pb_cmdb *db, int64_t id, int64_t member,
                         const char *body, int64_t now,
                         int64_t not_before) PB_WUR;
/* Delete: the author, or anyone when as_mod. PB_EPERM otherwise. */
int pb_cmdb_comment_delete(struct pb_cmdb *db, int64_t id, int64_t member,
                           int as_mod) PB_WUR;
int pb_cmdb_comment_hide(struct pb_cmdb *db, int64_t id, int hidden) PB_WUR;
/* Comments of a paper, oldest first; hidden ones only when with_hidden.
 * c and its strings are borrowed for the call. */
typedef int (*pb_cmdb_comment_fn)(void *ctx, const struct pb_comment *c);
int pb_cmdb_comment_each(struct pb_cmdb *db, int64_t pid, int with_hidden,
                         pb_cmdb_comment_fn fn, void *ctx) PB_WUR;

/* Submit: list paper id on day. Checks, in order: the paper is known
 * (PB_ENOTFOUND), not already listed (PB_EEXIST), published on or after
 * min_published (PB_EINVAL: too old), and the member submitted fewer than
 * max_n since `since` (PB_EBUSY). Sets listed_day and submitter through
 * pb_store_paper_upsert (so the search index and caches see it). */
int pb_cmdb_submit(struct pb_cmdb *db, const char *id, int64_t member,
                   const char *member_name, const char *day, int64_t now,
                   int64_t min_published, int64_t since, int max_n,
                   char out_id[PB_MAX_ID]) PB_WUR;

/* Collections. name 1..100 bytes; PB_EEXIST for a name the member has. */
struct pb_collection {
    int64_t id, member;
    char owner[PB_CM_NAME_MAX + 1];
    char name[101];
    int public_;
    int64_t n_items;
};
int pb_cmdb_coll_create(struct pb_cmdb *db, int64_t member, const char *name,
                        int public_, int64_t now, int64_t *out_id) PB_WUR;
int pb_cmdb_coll_get(struct pb_cmdb *db, int64_t id,
                     struct pb_collection *out) PB_WUR;
/* The following change a collection only when member owns it: PB_EPERM
 * otherwise (PB_ENOTFOUND when there is no such collection). */
int pb_cmdb_coll_delete(struct pb_cmdb *db, int64_t id, int64_t member) PB_WUR;
int pb_cmdb_coll_rename(struct pb_cmdb *db, int64_t id, int64_t member,
                        const char *name, int public_) PB_WUR;
int pb_cmdb_coll_add(struct pb_cmdb *db, int64_t id, int64_t member,
                     int64_t pid, int64_t now) PB_WUR;
int pb_cmdb_coll_remove(struct pb_cmdb *db, int64_t id, int64_t member,
                        int64_t pid) PB_WUR;
typedef int (*pb_cmdb_coll_fn)(void *ctx, const struct pb_collection *c);
/* A member's collections; only public ones unless with_private. */
int pb_cmdb_coll_each(struct pb_cmdb *db, int64_t member, int with_private,
                      pb_cmdb_coll_fn fn, void *ctx) PB_WUR;
/* The papers of a collection, newest addition first (up to 1000). */
int pb_cmdb_coll_papers(struct pb_cmdb *db, int64_t id,
                        struct pb_feed_list *out) PB_WUR;

/* What a member did with papers: the likes and dislikes of their
 * recommendations (rank/member_recs.h). */
enum pb_cm_mark {
    PB_MARK_UPVOTED = 0,   /* papers they upvoted */
    PB_MARK_COLLECTED = 1, /* papers in any of their collections */
    PB_MARK_DISMISSED = 2, /* papers they marked "not interested" */
};
#define PB_CM_MARKS_MAX 5000 /* the newest this many of each kind count */

/* "Not interested" in paper pid: on 1 sets the mark (again: no change),
 * 0 clears it (none: no change). Does not bump the community generation:
 * only the member's own, never cached, pages read it. */
int pb_cmdb_dismiss(struct pb_cmdb *db, int64_t member, int64_t pid, int on,
                    int64_t now) PB_WUR;
int pb_cmdb_dismissed(struct pb_cmdb *db, int64_t member, int64_t pid,
                      int *out) PB_WUR;
/* The pids of live papers member marked `which` (enum pb_cm_mark), newest
 * first (the vote, the latest addition to a collection, the mark), at most
 * max (capped at PB_CM_MARKS_MAX). *out is a heap array (caller frees with
 * free(); NULL when *out_n is 0). */
int pb_cmdb_member_pids(struct pb_cmdb *db, int64_t member, int which,
                        size_t max, int64_t **out, size_t *out_n) PB_WUR;
/* The same as a listing of papers, skipping offset, up to limit (1..1000;
 * out->more when there are more). Local counts are added. */
int pb_cmdb_member_papers(struct pb_cmdb *db, int64_t member, int which,
                          int64_t offset, int limit,
                          struct pb_feed_list *out) PB_WUR;
/* *out 1 when paper pid may be shown in a listing: known, not deleted, not
 * hidden by a moderator. */
int pb_cmdb_paper_shown(struct pb_cmdb *db, int64_t pid, int *out) PB_WUR;

/* Follows: kind 0 author, 1 category; target 1..PB_MAX_NAME bytes. */
int pb_cmdb_follow(struct pb_cmdb *db, int64_t member, int kind,
                   const char *target, int on) PB_WUR;
typedef int (*pb_cmdb_follow_fn)(void *ctx, int kind, const char *target);
int pb_cmdb_follow_each(struct pb_cmdb *db, int64_t member,
                        pb_cmdb_follow_fn fn, void *ctx) PB_WUR;

/* Moderation; each change is logged with actor and time in one
 * transaction. */
int pb_cmdb_paper_hide(struct pb_cmdb *db, int64_t pid, int hidden,
                       const char *actor, const char *target,
                       int64_t now) PB_WUR;
int pb_cmdb_modlog(struct pb_cmdb *db, const char *actor, const char *action,
                   const char *target, int64_t now) PB_WUR;
typedef int (*pb_cmdb_log_fn)(void *ctx, int64_t at, const char *actor,
                              const char *action, const char *target);
/* The newest limit entries, newest first. */
int pb_cmdb_modlog_each(struct pb_cmdb *db, int limit, pb_cmdb_log_fn fn,
                        void *ctx) PB_WUR;

/* Trending (docs/TRENDING.md): live, unhidden papers listed in
 * [from, to], by score = (upvotes + comment_weight * comments) /
 * (age_hours + 2)^gravity, age from the listing (or submission) to ref. */
struct pb_trend_params {
    int64_t ref;           /* Unix seconds the ages are measured to */
    double gravity;        /* > 0; 1.8 by default */
    double comment_weight; /* >= 0; 0.5 by default */
};
int pb_cmdb_trending(struct pb_cmdb *db, const char *from, const char *to,
                     const struct pb_trend_params *tp, int64_t offset,
                     int limit, struct pb_feed_list *out) PB_WUR;

/* The community generation: changes whenever community data does. */
int pb_cmdb_generation(struct pb_cmdb *db, int64_t *out) PB_WUR;

#endif
