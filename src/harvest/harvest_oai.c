/*
 * harvest_oai.c - arXiv over OAI-PMH ListRecords with resumption tokens
 * (see harvest.h for the state kept in the store and why it gives no gap
 * and no duplicate).
 *
 * arXiv's OAI-PMH granularity is the day, so the next incremental harvest
 * starts at the day its predecessor's list began (the responseDate of its
 * first page): records changed later that day are asked again, and merge
 * as unchanged when they were not.
 */
#include "harvest/harvest.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "harvest/harvest_url.h"

#define URL_MAX 8192
#define KEY_MAX 160

struct run {
    const struct pb_harvest_env *h;
    char key[KEY_MAX]; /* "harvest.oai.<set>." */
    char from[11], until[11], started[11];
    char token[PB_OAI_TOKEN_MAX]; /* to send; "" = first request */
    int advance_cursor;
    int page;
    int complete;
    int oai_error; /* the last response was an OAI error (not retried) */
    struct pb_oai_info info;
    struct pb_harvest_counts page_counts;
    char name[64];
    char pending_note[PB_OAI_TOKEN_MAX + 128]; /* said once a page came */
};

static int meta_set(struct run *r, struct pb_store *st, const char *field,
                    const char *value, struct pb_err *err)
{
    char key[KEY_MAX + 32];
    snprintf(key, sizeof key, "%s%s", r->key, field);
    if (pb_store_meta_set(st, key, value))
        return pb_err_set(err, PB_EDB, "store: %s", pb_store_errmsg(st));
    return PB_OK;
}

/* *out: heap string or NULL when unset (or empty). */
static int meta_get(struct run *r, const char *field, char **out,
                    struct pb_err *err)
{
    char key[KEY_MAX + 32];
    snprintf(key, sizeof key, "%s%s", r->key, field);
    int rc = pb_store_meta_get(r->h->st, key, out);
    if (rc == PB_ENOTFOUND || (rc == PB_OK && !(*out)[0])) {
        free(*out);
        *out = NULL;
        return PB_OK;
    }
    if (rc)
        return pb_err_set(err, PB_EDB, "store: %s",
                          pb_store_errmsg(r->h->st));
    return PB_OK;
}

static void copy_day(char out[11], const char *s)
{
    snprintf(out, 11, "%s", s ? s : "");
}

/* In the page's transaction: the token to ask next, or the end. */
static int on_commit(void *ctx, struct pb_store *st, struct pb_err *err)
{
    struct run *r = ctx;
    int rc;
    if (!r->started[0]) {
        int64_t t = r->info.response_date;
        if (!t)
            t = r->h->clock->unix_s(r->h->clock->ctx);
        pb_day_format(t, r->started);
    }
    if (r->info.has_token && r->info.resumption_token[0]) {
        if ((rc = meta_set(r, st, "token", r->info.resumption_token, err)) ||
            (rc = meta_set(r, st, "run_from", r->from, err)) ||
            (rc = meta_set(r, st, "run_until", r->until, err)) ||
            (rc = meta_set(r, st, "run_started", r->started, err)))
            return rc;
        return PB_OK;
    }
    if ((rc = meta_set(r, st, "token", "", err)))
        return rc;
    if (r->advance_cursor && (rc = meta_set(r, st, "from", r->started, err)))
        return rc;
    return PB_OK;
}

static int consume(void *ctx, const struct pb_http_response *resp,
                   struct pb_err *err)
{
    struct run *r = ctx;
    r->oai_error = 0;
    int rc = pb_harvest_import(r->h->st, PB_FMT_OAI, resp->body.p,
                               resp->body.len, r->name, r->h->report,
                               &r->info, on_commit, r, &r->page_counts, err);
    if (rc && r->info.error_code[0] &&
        strcmp(r->info.error_code, "noRecordsMatch") != 0) {
        /* a well-formed answer that asking again will not change */
        r->oai_error = 1;
        return pb_err_set(err, PB_EINVAL, "OAI-PMH error %s: %s",
                          r->info.error_code, r->info.error_text);
    }
    return rc;
}

static int build_url(const struct run *r, const struct pb_harvest_oai_opts *o,
                     struct pb_buf *u)
{
    pb_buf_reset(u);
    int rc = pb_buf_puts(u, o->base_url ? o->base_url : PB_HARVEST_OAI_BASE);
    if (!rc)
        rc = pb_url_add_param(u, "verb", "ListRecords");
    if (!rc && r->token[0])
        return pb_url_add_param(u, "resumptionToken", r->token);
    if (!rc)
        rc = pb_url_add_param(u, "metadataPrefix",
                              o->prefix ? o->prefix : "arXivRaw");
    if (!rc && o->set && o->set[0])
        rc = pb_url_add_param(u, "set", o->set);
    if (!rc && r->from[0])
        rc = pb_url_add_param(u, "from", r->from);
    if (!rc && r->until[0])
        rc = pb_url_add_param(u, "until", r->until);
    return rc;
}

static void note(const struct pb_harvest_env *h, const char *fmt, ...)
    PB_PRINTF(2, 3);
static void note(const struct pb_harvest_env *h, const char *fmt, ...)
{
    if (!h->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("arxiv: ", h->log);
    vfprintf(h->log, fmt, ap);
    fputc('\n', h->log);
    va_end(ap);
    fflush(h->log);
}

static int check_day(const char *what, const char *s, struct pb_err *err)
{
    int64_t t;
    if (s && (strlen(s) != 10 || pb_day_parse(s, 10, &t) != PB_OK))
        return pb_err_set(err, PB_EINVAL, "%s \"%s\" is not a day YYYY-MM-DD",
                          what, s);
    return PB_OK;
}

/* Work out where this harvest starts: resume, or a fresh list. */
static int plan(struct run *r, const struct pb_harvest_oai_opts *o,
                struct pb_err *err)
{
    const struct pb_harvest_env *h = r->h;
    char *token = NULL, *rfrom = NULL, *runtil = NULL, *rstarted = NULL,
         *cursor = NULL;
    int rc;
    if ((rc = meta_get(r, "token", &token, err)) ||
        (rc = meta_get(r, "run_from", &rfrom, err)) ||
        (rc = meta_get(r, "run_until", &runtil, err)) ||
        (rc = meta_get(r, "run_started", &rstarted, err)) ||
        (rc = meta_get(r, "from", &cursor, err)))
        goto out;
    int explicit_range = o->from || o->until;
    if (token && token[0]) {
        int same = !strcmp(rfrom ? rfrom : "", o->from ? o->from : "") &&
                   !strcmp(runtil ? runtil : "", o->until ? o->until : "");
        if (!explicit_range || same) {
            copy_day(r->from, rfrom);
            copy_day(r->until, runtil);
            copy_day(r->started, rstarted);
            snprintf(r->token, sizeof r->token, "%s", token);
            snprintf(r->pending_note, sizeof r->pending_note,
                     "resumed the harvest from %s%s%s at resumptionToken %s",
                     r->from[0] ? r->from : "the start",
                     r->until[0] ? " to " : "", r->until, r->token);
        } else {
            note(h, "an interrupted harvest from %s%s%s is dropped for this "
                 "range", rfrom ? rfrom : "the start", runtil ? " to " : "",
                 runtil ? runtil : "");
        }
    }
    if (!r->token[0]) {
        if (o->from) {
            copy_day(r->from, o->from);
        } else if (cursor) {
            copy_day(r->from, cursor);
        } else {
            int64_t t = h->clock->unix_s(h->clock->ctx) -
                        (int64_t)PB_HARVEST_OAI_FIRST_DAYS * 86400;
            pb_day_format(t, r->from);
            snprintf(r->pending_note, sizeof r->pending_note,
                     "first harvest: from %s (--from DATE reaches further "
                     "back)",
                     r->from);
        }
        copy_day(r->until, o->until);
    }
    /* the cursor moves only when this list reaches today and starts no
     * later than the cursor: otherwise it would jump over a gap */
    r->advance_cursor =
        !r->until[0] && (!cursor || strcmp(r->from, cursor) <= 0);
out:
    free(token);
    free(rfrom);
    free(runtil);
    free(rstarted);
    free(cursor);
    return rc;
}

int pb_harvest_oai(const struct pb_harvest_env *h,
                   const struct pb_harvest_oai_opts *o,
                   struct pb_harvest_counts *out, struct pb_err *err)
{
    memset(out, 0, sizeof *out);
    int rc;
    if ((rc = check_day("--from", o->from, err)) ||
        (rc = check_day("--until", o->until, err)))
        return rc;
    if (o->set && strlen(o->set) > 100)
        return pb_err_set(err, PB_EINVAL, "set is over 100 bytes");
    struct run *r = pb_calloc(1, sizeof *r); /* ~2 KiB: off the stack */
    r->h = h;
    snprintf(r->key, sizeof r->key, "harvest.oai.%s.",
             o->set && o->set[0] ? o->set : "*");
    struct pb_buf url;
    pb_buf_init(&url, URL_MAX);
    int restarted = 0;
    if ((rc = plan(r, o, err)))
        goto out;
    for (;;) {
        if (h->stop && *h->stop) {
            rc = pb_err_set(err, PB_EINTR, "interrupted");
            break;
        }
        r->page++;
        snprintf(r->name, sizeof r->name, "oai page %d", r->page);
        if ((rc = build_url(r, o, &url))) {
            pb_err_set(err, rc, "request URL is over %u bytes", URL_MAX);
            break;
        }
        rc = pb_polite_fetch(h->pl, url.p, consume, r, err);
        if (rc && r->oai_error && r->token[0] && !restarted &&
            !strcmp(r->info.error_code, "badResumptionToken")) {
            /* the token expired (or the server restarted): ask for the
             * list again from its start; what was committed merges */
            note(h, "the server no longer knows resumptionToken %s "
                 "(badResumptionToken); asking for the list again from %s",
                 r->token, r->from[0] ? r->from : "the start");
            restarted = 1;
            r->token[0] = '\0';
            r->started[0] = '\0';
            if ((rc = meta_set(r, h->st, "token", "", err)))
                break;
            continue;
        }
        if (rc)
            break;
        pb_harvest_counts_add(out, &r->page_counts);
        if (r->pending_note[0]) {
            /* only now: without network the one line says just that */
            note(h, "%s", r->pending_note);
            r->pending_note[0] = '\0';
        }
        const struct pb_harvest_counts *c = &r->page_counts;
        char where[64] = "";
        if (r->info.complete_list_size >= 0)
            snprintf(where, sizeof where, " (%" PRId64 " in the list)",
                     r->info.complete_list_size);
        note(h,
             "page %d: %" PRIu64 " records%s: %" PRId64 " added, %" PRId64
             " updated, %" PRId64 " unchanged, %" PRId64 " deleted, %" PRId64
             " rejected",
             r->page, r->info.n_records, where, c->added, c->updated,
             c->unchanged, c->deleted, c->rejected);
        if (!r->info.has_token || !r->info.resumption_token[0])
            break; /* complete */
        if (!strcmp(r->info.resumption_token, r->token)) {
            rc = pb_err_set(err, PB_EPARSE,
                            "the server answered resumptionToken %s with "
                            "itself; stopping",
                            r->token);
            break;
        }
        snprintf(r->token, sizeof r->token, "%s", r->info.resumption_token);
    }
out:
    pb_buf_clear(&url);
    free(r);
    return rc;
}
