/*
 * import_hf.c - Hugging Face Daily Papers: the response of
 * GET /api/daily_papers?date=YYYY-MM-DD, one day a file, either a bare array
 * or wrapped as {"status","date","count","data":[...]}.
 *
 * The file is streamed: a byte scanner cuts the array into its elements and
 * each element alone is parsed (with jansson), so memory holds one element
 * whatever the file size. An element that is a string holding a Python
 * repr() of the object (~300 entries of Dec 2024) is read with the strict
 * literal reader (pylit.h); another non-object is rejected with its entry
 * number.
 *
 * Besides the paper, each entry is a listing (the paper on that day): who
 * submitted it, when, for which organization, and the entry itself (without
 * title, summary and thumbnails) for the API to pass through.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "ingest/fields.h"
#include "ingest/ingest.h"
#include "ingest/pylit.h"

#define ELEM_MAX (16u << 20)

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void set_clean(char **slot, const char *s)
{
    if (s)
        pb_ingest_set_clean(slot, s, strlen(s));
}

static int64_t jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        return json_integer_value(v) < 0 ? -1 : json_integer_value(v);
    return -1;
}

static void set_day(char out[11], const char *s)
{
    int64_t t;
    if (s && pb_date_parse(s, strlen(s), &t) == PB_OK)
        pb_day_format(t, out);
}

/* The listing's source object for the API: the entry without what the
 * paper row holds already (title, summary) and without the thumbnail and
 * media keys, which the media code owns. Compact JSON, heap. */
static char *listing_src(json_t *e)
{
    json_t *c = json_deep_copy(e);
    json_t *pp = json_object_get(c, "paper");
    static const char *const drop[] = {"title", "summary", "thumbnail",
                                       "mediaUrls", "mediaUrl"};
    for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
        json_object_del(c, drop[i]);
    json_object_del(pp, "title");
    json_object_del(pp, "summary");
    json_object_del(pp, "mediaUrls");
    char *out = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(c);
    return out;
}

/* An image URL worth keeping: http(s), at most 2048 bytes, no spaces or
 * controls (anything else is left out, never a reason to reject). */
static int media_url_ok(const char *u)
{
    if (!u || (strncmp(u, "https://", 8) && strncmp(u, "http://", 7)))
        return 0;
    size_t n = strlen(u);
    if (n > 2048)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
            return 0;
    return 1;
}

/* The top-level thumbnail and mediaUrls (else paper.mediaUrls). */
static void take_media(json_t *e, json_t *pp, struct pb_paper *p)
{
    const char *t = jstr(e, "thumbnail");
    if (media_url_ok(t))
        pb_str_set(&p->thumbnail, t, strlen(t));
    json_t *m = json_object_get(e, "mediaUrls");
    if (!json_is_array(m))
        m = json_object_get(pp, "mediaUrls");
    size_t i;
    json_t *a;
    json_array_foreach(m, i, a)
    {
        if (json_is_string(a) && media_url_ok(json_string_value(a)) &&
            p->media_urls.n < PB_MAX_LINKS)
            pb_strlist_push(&p->media_urls, json_string_value(a),
                            json_string_length(a));
    }
}

/* Convert one element; on failure write why. file_day may be "". */
static int convert(json_t *e, const char *file_day, struct pb_paper *p,
                   char *why, size_t why_cap)
{
    if (!json_is_object(e)) {
        snprintf(why, why_cap, "entry is a %s, not a JSON object",
                 json_is_string(e) ? "string" : "non-object value");
        return PB_EPARSE;
    }
    json_t *pp = json_object_get(e, "paper");
    if (!json_is_object(pp)) {
        snprintf(why, why_cap, "entry has no \"paper\" object");
        return PB_EPARSE;
    }
    const char *id = jstr(pp, "id");
    if (!id || pb_ingest_set_arxiv_id(p, id, strlen(id)) != PB_OK) {
        snprintf(why, why_cap, "paper.id is %s%.60s%s",
                 id ? "not an arXiv id: \"" : "missing", id ? id : "",
                 id ? "\"" : "");
        return PB_EPARSE;
    }
    set_clean(&p->title, jstr(pp, "title") ? jstr(pp, "title") : jstr(e, "title"));
    set_clean(&p->abstract,
              jstr(pp, "summary") ? jstr(pp, "summary") : jstr(e, "summary"));
    json_t *authors = json_object_get(pp, "authors");
    size_t i;
    json_t *a;
    json_array_foreach(authors, i, a)
    {
        const char *name = jstr(a, "name");
        if (name && name[0])
            pb_strlist_push(&p->authors, name, strlen(name));
    }
    const char *pub = jstr(pp, "publishedAt");
    int64_t t;
    if (pub && pb_date_parse(pub, strlen(pub), &t) == PB_OK)
        p->published = t;
    if (file_day[0])
        memcpy(p->listed_day, file_day, 11);
    else
        set_day(p->listed_day, jstr(pp, "submittedOnDailyAt")
                                   ? jstr(pp, "submittedOnDailyAt")
                                   : jstr(e, "publishedAt"));
    json_t *by = json_object_get(e, "submittedBy");
    if (!json_is_object(by))
        by = json_object_get(pp, "submittedOnDailyBy");
    if (json_is_object(by)) {
        const char *u = jstr(by, "user") ? jstr(by, "user") : jstr(by, "name");
        set_clean(&p->submitter, u);
    }
    const char *sat = jstr(pp, "submittedOnDailyAt");
    if (sat && pb_date_parse(sat, strlen(sat), &t) == PB_OK)
        p->submitted_at = t;
    json_t *org = json_object_get(e, "organization");
    if (!json_is_object(org))
        org = json_object_get(pp, "organization");
    const char *oname = json_is_object(org) ? jstr(org, "name") : NULL;
    if (oname && oname[0] && strlen(oname) < 256 &&
        pb_utf8_check(oname, strlen(oname)) == strlen(oname) &&
        !strpbrk(oname, "/?#\\\n\r\t")) {
        p->org = pb_strdup(oname);
        p->org_src = json_dumps(org, JSON_COMPACT | JSON_PRESERVE_ORDER);
    }
    if (p->listed_day[0])
        p->listing_src = listing_src(e);
    p->upvotes = jint(pp, "upvotes");
    p->n_comments = jint(e, "numComments");
    set_clean(&p->github_repo, jstr(pp, "githubRepo"));
    p->github_stars = jint(pp, "githubStars");
    set_clean(&p->project_page, jstr(pp, "projectPage"));
    set_clean(&p->summary, jstr(pp, "ai_summary"));
    json_t *kw = json_object_get(pp, "ai_keywords");
    json_array_foreach(kw, i, a)
    {
        if (json_is_string(a) && json_string_length(a))
            pb_strlist_push(&p->keywords, json_string_value(a),
                            json_string_length(a));
    }
    take_media(e, pp, p);
    p->sources |= PB_SRC_HF_DAILY;
    pb_paper_extract_links(p);
    return PB_OK;
}

/* The scanner: finds the array (top level, or the value of "data" in a top
 * level object) and hands out each element's bytes. */
struct scan {
    int depth;       /* bracket depth */
    int in_str, esc;
    int arr_depth;   /* depth inside the element array; 0 = not found yet */
    int top_obj;     /* top level is an object */
    char key[16];    /* last short string at depth 1 of the top object */
    size_t key_len;
    int key_overflow;
    int after_key;   /* saw ':' after "data" */
    int in_elem;
    struct pb_buf elem;
    uint64_t elem_off, entry;
    int elem_toobig;
};

static int emit(struct scan *sc, const char *name, const char *file_day,
                const struct pb_sink *s, struct pb_paper *p)
{
    struct pb_srcpos pos = {name, 0, sc->elem_off, ++sc->entry};
    char why[256];
    if (sc->elem_toobig) {
        snprintf(why, sizeof why, "entry is over the %u-byte limit", ELEM_MAX);
        s->reject(s->ctx, &pos, why);
        return PB_OK;
    }
    json_error_t je;
    json_t *e = json_loadb(sc->elem.p, sc->elem.len,
                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!e) {
        snprintf(why, sizeof why, "invalid JSON: %s", je.text);
        s->reject(s->ctx, &pos, why);
        return PB_OK;
    }
    if (json_is_string(e)) {
        /* a Python repr() of the entry: read it as a literal, strictly */
        struct pb_buf js;
        pb_buf_init(&js, ELEM_MAX);
        char pwhy[160];
        int prc = pb_pylit_to_json(json_string_value(e), json_string_length(e),
                                   &js, pwhy, sizeof pwhy);
        json_decref(e);
        e = NULL;
        if (prc == PB_OK)
            e = json_loadb(js.p, js.len, JSON_REJECT_DUPLICATES, &je);
        pb_buf_clear(&js);
        if (!e) {
            snprintf(why, sizeof why, "entry is a string that is no Python "
                     "literal of an object: %.160s", prc ? pwhy : je.text);
            s->reject(s->ctx, &pos, why);
            return PB_OK;
        }
    }
    int rc = convert(e, file_day, p, why, sizeof why);
    json_decref(e);
    if (rc) {
        s->reject(s->ctx, &pos, why);
        pb_paper_clear(p);
        return PB_OK;
    }
    rc = s->paper(s->ctx, p, &pos);
    pb_paper_clear(p);
    return rc;
}

static void start_elem(struct scan *sc, uint64_t off, char c)
{
    sc->in_elem = 1;
    sc->elem_off = off;
    pb_buf_reset(&sc->elem);
    sc->elem_toobig = pb_buf_putc(&sc->elem, c) != PB_OK;
}

/* The listing day from a file name like ".../2024-05-27.json[.gz]". */
static void day_from_name(const char *name, char out[11])
{
    out[0] = '\0';
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    int64_t t;
    if (strlen(b) >= 10 && pb_day_parse(b, 10, &t) == PB_OK &&
        (b[10] == '.' || b[10] == '\0'))
        pb_day_format(t, out);
}

int pb_ingest_hf_daily(struct pb_reader *r, const char *name,
                       const struct pb_sink *s, struct pb_err *err)
{
    struct scan sc;
    memset(&sc, 0, sizeof sc);
    pb_buf_init(&sc.elem, ELEM_MAX);
    struct pb_paper p;
    pb_paper_init(&p);
    char file_day[11];
    day_from_name(name, file_day);
    char *buf = pb_malloc(1 << 16);
    int rc = PB_OK, started = 0, finished = 0;
    uint64_t base = 0;
    for (;;) {
        size_t n;
        if ((rc = pb_reader_read(r, buf, 1 << 16, &n, err))) {
            struct pb_srcpos pos = {name, 0, pb_reader_offset(r), 0};
            s->reject(s->ctx, &pos, err ? err->msg : pb_strerror(rc));
            goto out;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < n && !finished; i++) {
            char c = buf[i];
            if (sc.in_elem && !sc.elem_toobig &&
                pb_buf_putc(&sc.elem, c) != PB_OK)
                sc.elem_toobig = 1;
            if (sc.in_str) {
                if (sc.esc)
                    sc.esc = 0;
                else if (c == '\\')
                    sc.esc = 1;
                else if (c == '"')
                    sc.in_str = 0;
                else if (sc.depth == 1 && sc.top_obj && !sc.in_elem) {
                    if (sc.key_len < sizeof sc.key - 1)
                        sc.key[sc.key_len++] = c;
                    else
                        sc.key_overflow = 1;
                }
                continue;
            }
            if (isspace((unsigned char)c))
                continue;
            if (!started) {
                started = 1;
                if (c == '{')
                    sc.top_obj = 1;
                else if (c != '[') {
                    rc = pb_err_set(err, PB_EPARSE,
                                    "not a Daily Papers document (starts "
                                    "with '%c')", c);
                    goto bad;
                }
            }
            if (c == '"') {
                sc.in_str = 1;
                if (sc.depth == 1 && sc.top_obj && !sc.in_elem) {
                    sc.key_len = 0;
                    sc.key_overflow = 0;
                    sc.after_key = 0;
                }
                if (sc.arr_depth && sc.depth == sc.arr_depth && !sc.in_elem) {
                    start_elem(&sc, base + i, c);
                }
                continue;
            }
            if (c == ':' && sc.depth == 1 && sc.top_obj) {
                sc.key[sc.key_len] = '\0';
                sc.after_key = !sc.key_overflow && !strcmp(sc.key, "data");
                continue;
            }
            int opener = c == '{' || c == '[';
            if (opener && sc.arr_depth && sc.depth == sc.arr_depth &&
                !sc.in_elem) {
                start_elem(&sc, base + i, c);
            }
            if (opener) {
                if (c == '[' && !sc.arr_depth &&
                    ((sc.depth == 0 && !sc.top_obj) ||
                     (sc.depth == 1 && sc.after_key)))
                    sc.arr_depth = sc.depth + 1;
                sc.depth++;
                continue;
            }
            if (c == '}' || c == ']') {
                if (sc.arr_depth && sc.depth == sc.arr_depth && sc.in_elem) {
                    /* a scalar element ends where its array does */
                    if (!sc.elem_toobig)
                        sc.elem.len--;
                    sc.in_elem = 0;
                    if ((rc = emit(&sc, name, file_day, s, &p)))
                        goto out;
                }
                sc.depth--;
                if (sc.arr_depth && sc.depth == sc.arr_depth && sc.in_elem) {
                    sc.in_elem = 0;
                    if ((rc = emit(&sc, name, file_day, s, &p)))
                        goto out;
                } else if (sc.arr_depth && sc.depth == sc.arr_depth - 1) {
                    finished = 1; /* end of the element array */
                }
                if (sc.depth < 0) {
                    rc = pb_err_set(err, PB_EPARSE, "unbalanced brackets");
                    goto bad;
                }
                continue;
            }
            if (c == ',' && sc.arr_depth && sc.depth == sc.arr_depth &&
                sc.in_elem) {
                /* a scalar element (string/number) ends at the comma */
                if (!sc.elem_toobig)
                    sc.elem.len--;
                sc.in_elem = 0;
                if ((rc = emit(&sc, name, file_day, s, &p)))
                    goto out;
                continue;
            }
            if (sc.arr_depth && sc.depth == sc.arr_depth && !sc.in_elem &&
                c != ',') {
                start_elem(&sc, base + i, c);
            }
        }
        base += n;
        if (finished)
            break;
    }
    if (!started) {
        rc = pb_err_set(err, PB_EPARSE, "empty file");
        goto bad;
    }
    if (!finished) {
        rc = pb_err_set(err, PB_EPARSE,
                        sc.arr_depth ? "truncated: the array of papers does "
                                       "not end"
                                     : "no array of papers found");
        goto bad;
    }
    goto out;
bad : {
    struct pb_srcpos pos = {name, 0, base, 0};
    s->reject(s->ctx, &pos, err ? err->msg : pb_strerror(rc));
}
out:
    free(buf);
    pb_buf_clear(&sc.elem);
    pb_paper_clear(&p);
    return rc;
}
