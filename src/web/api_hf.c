/* api_hf.c - the JSON API's objects in Hugging Face's shape: keys, types
 * and order as huggingface.co/api/daily_papers answers them, so client code
 * written for it works unchanged (tests/integ/test_api_schema.py checks the
 * shape against the real archive).
 *
 * What the Daily Papers source said about a listing (the stored entry,
 * listings.src) is passed through: ids, author objects, submitter objects,
 * organization, publication time. What paperboy knows better (title,
 * abstract, upvotes and comments with the local ones, code links, summary)
 * comes from the store. For papers and members without a source object,
 * values are made up consistently: ids are 24 hex digits of a fixed hash of
 * what they name, avatars are local URLs. A key Hugging Face leaves out when
 * it has no value (githubRepo, githubStars, projectPage, ...) is left out,
 * never null. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_write.h"
#include "web/media.h"
#include "web/web_int.h"

/* FNV-1a, fixed forever: ids made from it are shown to clients */
static uint64_t fnv(const char *a, const char *b, uint64_t h)
{
    for (const char *s = a; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *s = b; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* A stable 24-hex-digit id (Hugging Face's ObjectId shape) for kind:what. */
static void made_id(const char *kind, const char *what, char out[25])
{
    uint64_t h1 = fnv(kind, what, 14695981039346656037ULL);
    uint64_t h2 = fnv(kind, what, h1 ^ 0x9e3779b97f4a7c15ULL);
    snprintf(out, 25, "%016llx%08llx", (unsigned long long)h1,
             (unsigned long long)(h2 >> 32));
}

static void jw_id(struct pb_jw *w, const char *kind, const char *what)
{
    char id[25];
    made_id(kind, what, id);
    pb_jw_str(w, id);
}

/* Hugging Face writes milliseconds: 2024-05-31T17:50:01.000Z */
static void time_json(struct pb_jw *w, int64_t t)
{
    char s[32], d[21];
    pb_time_format(t, d);
    memcpy(s, d, 19);
    memcpy(s + 19, ".000Z", 5);
    pb_jw_strn(w, s, 24);
}

static void day_json(struct pb_jw *w, const char *day)
{
    char s[32];
    size_t n = strnlen(day, 10);
    memcpy(s, day, n);
    memcpy(s + n, "T00:00:00.000Z", 15);
    pb_jw_str(w, s);
}

static void raw(struct pb_jw *w, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                JSON_ENCODE_ANY);
    if (s) {
        pb_jw_raw(w, s, strlen(s));
        free(s);
    } else {
        pb_jw_null(w);
    }
}

/* A local member as Hugging Face's user object: the submittedBy shape
 * (top level) or the submittedOnDailyBy and authors[].user shape. */
static void member_json(struct pb_jw *w, const char *name, int top)
{
    char av[PB_MAX_NAME + 32];
    snprintf(av, sizeof av, "/avatars/%s.svg", name);
    pb_jw_obj_open(w);
    pb_jw_key(w, "_id");
    jw_id(w, "member", name);
    pb_jw_key(w, "avatarUrl");
    pb_jw_str(w, av);
    if (!top) {
        pb_jw_key(w, "isPro");
        pb_jw_raw(w, "false", 5); /* the writer has no booleans */
    }
    pb_jw_key(w, "fullname");
    pb_jw_str(w, name);
    if (!top) {
        pb_jw_key(w, "user");
        pb_jw_str(w, name);
    }
    pb_jw_key(w, "name");
    pb_jw_str(w, name);
    pb_jw_key(w, "type");
    pb_jw_str(w, "user");
    if (top) {
        static const char *const flags[] = {"isPro", "isHf", "isHfAdmin",
                                            "isMod", "isUserFollowing"};
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            pb_jw_key(w, flags[i]);
            pb_jw_raw(w, "false", 5);
        }
        pb_jw_key(w, "followerCount");
        pb_jw_int(w, 0);
    }
    pb_jw_obj_close(w);
}

static void str_list(struct pb_jw *w, const struct pb_strlist *l)
{
    pb_jw_arr_open(w);
    for (size_t i = 0; i < l->n; i++)
        pb_jw_str(w, l->v[i]);
    pb_jw_arr_close(w);
}

/* The source's author i when it names the same person, else a made one. */
static void authors_json(struct pb_jw *w, const struct pb_paper *p,
                         json_t *src_authors)
{
    pb_jw_arr_open(w);
    for (size_t i = 0; i < p->authors.n; i++) {
        json_t *a = json_array_get(src_authors, i);
        const char *n = json_string_value(json_object_get(a, "name"));
        if (json_is_object(a) && n && !strcmp(n, p->authors.v[i]) &&
            json_is_string(json_object_get(a, "_id"))) {
            raw(w, a);
            continue;
        }
        char what[PB_MAX_ID + 32];
        snprintf(what, sizeof what, "%s#%zu", p->id, i);
        pb_jw_obj_open(w);
        pb_jw_key(w, "_id");
        jw_id(w, "author", what);
        pb_jw_key(w, "name");
        pb_jw_str(w, p->authors.v[i]);
        pb_jw_key(w, "hidden");
        pb_jw_raw(w, "false", 5);
        pb_jw_obj_close(w);
    }
    pb_jw_arr_close(w);
}

/* Keys of the paper object paperboy writes from the store; a source's
 * value of these is not passed through. */
static int own_paper_key(const char *k)
{
    static const char *const own[] = {
        "id",         "authors",     "title",       "summary",
        "upvotes",    "githubRepo",  "githubStars", "projectPage",
        "ai_summary", "ai_keywords", "mediaUrls",   "categories",
        "listedDay",
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!strcmp(k, own[i]))
            return 1;
    return 0;
}

/* The store's value of own key k, when there is one (else nothing). */
static void own_paper_value(struct pb_jw *w, const struct pb_paper *p,
                            const char *k, json_t *sp)
{
    if (!strcmp(k, "id")) {
        pb_jw_key(w, k);
        pb_jw_str(w, p->id);
    } else if (!strcmp(k, "authors")) {
        pb_jw_key(w, k);
        authors_json(w, p, json_object_get(sp, "authors"));
    } else if (!strcmp(k, "title")) {
        pb_jw_key(w, k);
        pb_jw_str(w, p->title ? p->title : "");
    } else if (!strcmp(k, "summary")) {
        pb_jw_key(w, k);
        pb_jw_str(w, p->abstract ? p->abstract : "");
    } else if (!strcmp(k, "upvotes")) {
        pb_jw_key(w, k);
        pb_jw_int(w, p->upvotes > 0 ? p->upvotes : 0);
    } else if (!strcmp(k, "githubRepo") && p->github_repo) {
        pb_jw_key(w, k);
        pb_jw_str(w, p->github_repo);
    } else if (!strcmp(k, "githubStars") && p->github_stars >= 0) {
        pb_jw_key(w, k);
        pb_jw_int(w, p->github_stars);
    } else if (!strcmp(k, "projectPage") && p->project_page) {
        pb_jw_key(w, k);
        pb_jw_str(w, p->project_page);
    } else if (!strcmp(k, "ai_summary") && p->summary) {
        pb_jw_key(w, k);
        pb_jw_str(w, p->summary);
    } else if (!strcmp(k, "ai_keywords") && p->keywords.n) {
        pb_jw_key(w, k);
        str_list(w, &p->keywords);
    }
}

static json_t *parse_src(const struct pb_paper *p)
{
    if (!p->listing_src)
        return NULL;
    json_t *o = json_loads(p->listing_src, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static void paper_obj(struct pb_jw *w, const struct pb_paper *p, json_t *sp,
                      int flags)
{
    /* Hugging Face's order when the source gives it; made keys go where
     * Hugging Face puts them */
    static const char *const order[] = {
        "id",          "authors",          "publishedAt", "submittedOnDailyAt",
        "title",       "submittedOnDailyBy", "summary",   "upvotes",
        "discussionId", "projectPage",     "githubRepo",  "ai_summary",
        "ai_keywords", "githubStars",
    };
    pb_jw_obj_open(w);
    const char *k;
    json_t *v;
    int have_pub = 0, have_disc = 0, have_sat = 0, have_sby = 0;
    if (sp) {
        json_object_foreach(sp, k, v)
        {
            if (own_paper_key(k)) {
                own_paper_value(w, p, k, sp);
                continue;
            }
            pb_jw_key(w, k);
            raw(w, v);
            have_pub |= !strcmp(k, "publishedAt");
            have_disc |= !strcmp(k, "discussionId");
            have_sat |= !strcmp(k, "submittedOnDailyAt");
            have_sby |= !strcmp(k, "submittedOnDailyBy");
        }
    }
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        k = order[i];
        if (sp && json_object_get(sp, k))
            continue;
        if (own_paper_key(k)) {
            own_paper_value(w, p, k, sp);
        } else if (!strcmp(k, "publishedAt") && !have_pub) {
            pb_jw_key(w, k);
            if (p->published || p->updated)
                time_json(w, p->published ? p->published : p->updated);
            else if (p->listed_day[0])
                day_json(w, p->listed_day);
            else
                time_json(w, 0);
        } else if (!strcmp(k, "discussionId") && !have_disc) {
            pb_jw_key(w, k);
            jw_id(w, "discussion", p->id);
        } else if (!strcmp(k, "submittedOnDailyAt") && !have_sat &&
                   p->listed_day[0]) {
            pb_jw_key(w, k);
            if (p->submitted_at)
                time_json(w, p->submitted_at);
            else
                day_json(w, p->listed_day);
        } else if (!strcmp(k, "submittedOnDailyBy") && !have_sby &&
                   p->listed_day[0] && p->submitter) {
            pb_jw_key(w, k);
            member_json(w, p->submitter, 0);
        }
    }
    if (flags & PB_JSON_EXTRAS) {
        pb_jw_key(w, "categories");
        pb_jw_str(w, p->categories);
        pb_jw_key(w, "listedDay");
        pb_jw_str(w, p->listed_day[0] ? p->listed_day : NULL);
    }
    pb_jw_obj_close(w);
}

void pb_web_json_paper(struct pb_jw *w, const struct pb_paper *p, int flags)
{
    json_t *src = parse_src(p);
    json_t *sp = json_object_get(src, "paper");
    paper_obj(w, p, json_is_object(sp) ? sp : NULL, flags);
    json_decref(src);
}

void pb_web_json_daily(struct pb_jw *w, const struct pb_paper *p,
                       struct pb_web_req *rq, int64_t pid)
{
    json_t *src = parse_src(p);
    json_t *sp = json_object_get(src, "paper");
    pb_jw_obj_open(w);
    pb_jw_key(w, "paper");
    paper_obj(w, p, json_is_object(sp) ? sp : NULL, 0);
    /* the source's publishedAt (arXiv's time as Hugging Face gives it),
     * else arXiv's date as the store has it */
    json_t *pub = json_object_get(src, "publishedAt");
    pb_jw_key(w, "publishedAt");
    if (json_is_string(pub))
        raw(w, pub);
    else if (p->published || p->updated)
        time_json(w, p->published ? p->published : p->updated);
    else if (p->listed_day[0])
        day_json(w, p->listed_day);
    else
        time_json(w, 0);
    pb_jw_key(w, "title");
    pb_jw_str(w, p->title ? p->title : "");
    pb_jw_key(w, "summary");
    pb_jw_str(w, p->abstract ? p->abstract : "");
    pb_jw_key(w, "numComments");
    pb_jw_int(w, p->n_comments > 0 ? p->n_comments : 0);
    json_t *by = json_object_get(src, "submittedBy");
    if (json_is_object(by)) {
        pb_jw_key(w, "submittedBy");
        raw(w, by);
    } else if (p->submitter) {
        pb_jw_key(w, "submittedBy");
        member_json(w, p->submitter, 1);
    }
    static const char *const pass[] = {"organization",
                                       "submitterOrganization"};
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++) {
        json_t *v = json_object_get(src, pass[i]);
        if (json_is_object(v)) {
            pb_jw_key(w, pass[i]);
            raw(w, v);
        }
    }
    json_t *part = json_object_get(src, "isAuthorParticipating");
    pb_jw_key(w, "isAuthorParticipating");
    pb_jw_raw(w, json_is_true(part) ? "true" : "false",
              json_is_true(part) ? 4 : 5);
    pb_web_media_json(w, rq, p, pid); /* thumbnail, mediaUrls (media.c) */
    pb_jw_obj_close(w);
    json_decref(src);
}
