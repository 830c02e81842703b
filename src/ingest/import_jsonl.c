/*
 * import_jsonl.c - paperboy JSON lines: {"title","abstract"} plus any
 * optional field of the paper, spelled as `paperboy export` writes them
 * (docs/FORMATS.md): id, version, authors [..], categories, published,
 * updated (ISO 8601), listed_day, submitter, upvotes, n_comments,
 * github_repo, github_stars, project_page, doi, journal_ref, comments,
 * license, keywords [..], summary, links [..], sources [..].
 * A record without an arXiv id gets the title-derived id.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/paper_json.h"
#include "ingest/fields.h"
#include "ingest/ingest_int.h"


static void str_field(json_t *o, const char *k, char **slot)
{
    json_t *v = json_object_get(o, k);
    if (json_is_string(v))
        pb_str_set(slot, json_string_value(v), json_string_length(v));
}

static void list_field(json_t *o, const char *k, struct pb_strlist *l)
{
    json_t *v = json_object_get(o, k), *e;
    size_t i;
    if (json_is_string(v) && !strcmp(k, "authors")) {
        pb_ingest_split_authors(l, json_string_value(v), json_string_length(v));
        return;
    }
    json_array_foreach(v, i, e)
    {
        if (json_is_string(e) && json_string_length(e))
            pb_strlist_push(l, json_string_value(e), json_string_length(e));
        else if (json_is_object(e) && json_is_string(json_object_get(e, "name")))
            pb_strlist_push(l, json_string_value(json_object_get(e, "name")),
                            strlen(json_string_value(json_object_get(e, "name"))));
    }
}

static int64_t num_field(json_t *o, const char *k, int64_t none)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) && json_integer_value(v) >= 0
               ? json_integer_value(v)
               : none;
}

static int date_field(json_t *o, const char *k, int64_t *out, char *why,
                      size_t why_cap)
{
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v))
        return PB_OK;
    if (!json_is_string(v) ||
        pb_date_parse(json_string_value(v), json_string_length(v), out)) {
        snprintf(why, why_cap, "\"%s\" is not a date", k);
        return PB_EINVAL;
    }
    return PB_OK;
}

static int convert(json_t *o, struct pb_paper *p, char *why, size_t why_cap)
{
    if (!json_is_object(o)) {
        snprintf(why, why_cap, "not a JSON object");
        return PB_EPARSE;
    }
    json_t *t = json_object_get(o, "title");
    if (!json_is_string(t) || !json_string_length(t)) {
        snprintf(why, why_cap, "no \"title\"");
        return PB_EINVAL;
    }
    pb_str_set(&p->title, json_string_value(t), json_string_length(t));
    str_field(o, "abstract", &p->abstract);
    json_t *id = json_object_get(o, "id");
    if (json_is_string(id) && json_string_length(id)) {
        const char *s = json_string_value(id);
        if (pb_ingest_set_arxiv_id(p, s, json_string_length(id)) != PB_OK) {
            if (strncmp(s, "t-", 2) == 0 && json_string_length(id) == 18)
                snprintf(p->id, sizeof p->id, "%s", s);
            else {
                snprintf(why, why_cap, "\"id\" is not an arXiv id: \"%.60s\"", s);
                return PB_EINVAL;
            }
        }
    } else {
        pb_paper_title_id(p->title, strlen(p->title), p->id);
    }
    int64_t v = num_field(o, "version", 0);
    if (v > p->version && v < 100000)
        p->version = (int)v;
    list_field(o, "authors", &p->authors);
    str_field(o, "categories", &p->categories);
    if (date_field(o, "published", &p->published, why, why_cap) ||
        date_field(o, "updated", &p->updated, why, why_cap))
        return PB_EINVAL;
    json_t *day = json_object_get(o, "listed_day");
    if (json_is_string(day)) {
        int64_t d;
        if (pb_day_parse(json_string_value(day), json_string_length(day), &d)) {
            snprintf(why, why_cap, "\"listed_day\" is not a YYYY-MM-DD day");
            return PB_EINVAL;
        }
        pb_day_format(d, p->listed_day);
    }
    str_field(o, "submitter", &p->submitter);
    p->upvotes = num_field(o, "upvotes", -1);
    p->n_comments = num_field(o, "n_comments", -1);
    str_field(o, "github_repo", &p->github_repo);
    p->github_stars = num_field(o, "github_stars", -1);
    str_field(o, "project_page", &p->project_page);
    str_field(o, "doi", &p->doi);
    str_field(o, "journal_ref", &p->journal_ref);
    str_field(o, "comments", &p->comments);
    str_field(o, "license", &p->license);
    list_field(o, "keywords", &p->keywords);
    str_field(o, "summary", &p->summary);
    json_t *links = json_object_get(o, "links");
    if (links)
        list_field(o, "links", &p->links);
    else
        pb_paper_extract_links(p);
    json_t *src = json_object_get(o, "sources"), *e;
    size_t i;
    json_array_foreach(src, i, e)
    {
        for (unsigned k = 0; k < 6; k++)
            if (json_is_string(e) && !strcmp(json_string_value(e), pb_source_name(1u << k)))
                p->sources |= 1u << k;
    }
    if (!p->sources)
        p->sources = PB_SRC_JSONL;
    return PB_OK;
}

int pb_ingest_pb_jsonl_line(const char *line, size_t len, struct pb_paper *p,
                            char *why, size_t why_cap)
{
    json_error_t je;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        snprintf(why, why_cap, "invalid JSON at column %d: %s", je.column,
                 je.text);
        return PB_EPARSE;
    }
    int rc = convert(o, p, why, why_cap);
    json_decref(o);
    return rc;
}

int pb_ingest_pb_jsonl(struct pb_reader *r, const char *name,
                       const struct pb_sink *s, struct pb_err *err)
{
    return pb_ingest_each_line(r, name, s, pb_ingest_pb_jsonl_line, err);
}
