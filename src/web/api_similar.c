/* api_similar.c - similar papers: page section and JSON API
 * (web_similar.h). */
#include "web/web_similar.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/paper.h"
#include "store/store.h"
#include "store/store_feed.h"
#include "vector/vindex.h"
#include "web/html.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct pb_vindex *vi;
static int tried;
static pthread_key_t vq_key;

static void vq_free(void *p) { pb_vquery_free(p); }

static void close_index(void)
{
    pb_vindex_free(vi);
    vi = NULL;
}

/* The process's index, opened on first use; NULL when there is none. */
static struct pb_vindex *index_get(const char *db_path)
{
    pthread_mutex_lock(&mu);
    if (!tried) {
        tried = 1;
        struct pb_err err = {0};
        if (pb_vindex_open(db_path, &vi, &err) == PB_OK) {
            if (pthread_key_create(&vq_key, vq_free) != 0)
                abort();
            atexit(close_index);
        }
    }
    pthread_mutex_unlock(&mu);
    return vi;
}

const struct pb_vecset *pb_web_vecset(struct pb_web_req *rq)
{
    struct pb_vindex *v = index_get(rq->site->db_path);
    return v ? v->vs : NULL;
}

/* This thread's query handle on the index, or NULL when there is none. */
static struct pb_vquery *query_handle(const char *db_path)
{
    if (!index_get(db_path))
        return NULL;
    struct pb_vquery *vq = pthread_getspecific(vq_key);
    if (!vq) {
        vq = pb_vquery_new(vi);
        if (pthread_setspecific(vq_key, vq) != 0)
            abort();
    }
    return vq;
}

struct pb_vquery *pb_web_vquery(const struct pb_web_req *rq)
{
    return query_handle(rq->site->db_path);
}

/* The papers similar to pid into l (up to n). */
static int similar(struct pb_web_req *rq, int64_t pid, size_t n,
                   struct pb_feed_list *l, float *scores)
{
    struct pb_vquery *vq = query_handle(rq->site->db_path);
    if (!vq)
        return PB_ENOTFOUND;
    struct pb_vhit h[100];
    size_t nh = 0;
    int rc = pb_vquery_similar(vq, pid, n, 0, h, &nh);
    if (rc)
        return rc;
    l->v = calloc(nh ? nh : 1, sizeof *l->v);
    l->pid = calloc(nh ? nh : 1, sizeof *l->pid);
    if (!l->v || !l->pid)
        abort();
    for (size_t i = 0; i < nh; i++) {
        pb_paper_init(&l->v[l->n]);
        if (pb_store_paper_get_pid(rq->th->st, h[i].pid, &l->v[l->n]) ==
            PB_OK) {
            l->pid[l->n] = h[i].pid;
            scores[l->n++] = h[i].score;
        } else {
            pb_paper_clear(&l->v[l->n]);
        }
    }
    return PB_OK;
}

int pb_web_similar_section(struct pb_web_req *rq, struct pb_buf *b,
                           int64_t pid)
{
    struct pb_feed_list l;
    float scores[PB_WEB_SIMILAR_N];
    pb_feed_list_init(&l);
    int rc = similar(rq, pid, PB_WEB_SIMILAR_N, &l, scores);
    if (rc || !l.n) { /* no index, or no vector yet: no section */
        pb_feed_list_clear(&l);
        return PB_OK;
    }
    rc = pb_buf_puts(b, "<section class=\"similar\"><h2>Similar papers</h2>");
    if (!rc)
        rc = pb_web_html_cards(b, rq, &l, NULL, "");
    if (!rc)
        rc = pb_buf_puts(b, "</section>");
    pb_feed_list_clear(&l);
    return rc;
}

static int api_similar(struct pb_web_req *rq, const char *id,
                       struct pb_web_resp *rs)
{
    const char *lim = pb_web_arg(rq, "limit");
    long n = 10;
    if (lim) {
        char *end;
        n = strtol(lim, &end, 10);
        if (*end || n < 1 || n > 50)
            return pb_web_fail(rs, 400, "limit must be a number from 1 to 50");
    }
    struct pb_paper p;
    int64_t pid = 0;
    pb_paper_init(&p);
    int rc = pb_store_feed_paper(rq->th->feed, id, &p, &pid);
    pb_paper_clear(&p);
    if (rc == PB_ENOTFOUND)
        return pb_web_fail(rs, 404, "paper not found");
    if (rc)
        return rc;
    struct pb_feed_list l;
    float scores[50];
    pb_feed_list_init(&l);
    rc = similar(rq, pid, (size_t)n, &l, scores);
    if (rc == PB_ENOTFOUND) {
        pb_feed_list_clear(&l);
        return pb_web_fail(rs, 404, "no vectors for this paper yet "
                                    "(paperboy embed)");
    }
    json_t *a = json_array();
    for (size_t i = 0; !rc && i < l.n; i++)
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:f}", "id", l.v[i].id, "title",
                         l.v[i].title ? l.v[i].title : "", "score",
                         (double)scores[i]));
    json_t *o = json_pack("{s:s,s:o}", "id", id, "similar", a);
    pb_feed_list_clear(&l);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s)
        return PB_ENOMEM;
    if (!rc)
        rc = pb_buf_puts(&rs->body, s);
    free(s);
    return rc ? rc : pb_buf_putc(&rs->body, '\n');
}

int pb_web_api_papers_sub(struct pb_web_req *rq, const char *rest,
                          struct pb_web_resp *rs)
{
    static const char suffix[] = "/similar";
    size_t n = strlen(rest), k = sizeof suffix - 1;
    if (n <= k || strcmp(rest + n - k, suffix) != 0)
        return pb_web_api_paper(rq, rest, rs);
    char id[PB_MAX_ID];
    if (n - k >= sizeof id)
        return pb_web_fail(rs, 400, "not a paper id");
    memcpy(id, rest, n - k);
    id[n - k] = 0;
    if (!pb_web_id_ok(id))
        return pb_web_fail(rs, 400, "not a paper id");
    return api_similar(rq, id, rs);
}
