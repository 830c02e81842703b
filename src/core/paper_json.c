/* paper_json.c - paper -> JSON object. */
#include "core/paper_json.h"

#include "core/date.h"

static void put_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

static void put_list(json_t *o, const char *k, const struct pb_strlist *l)
{
    if (!l->n)
        return;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    json_object_set_new(o, k, a);
}

static void put_time(json_t *o, const char *k, int64_t t)
{
    if (!t)
        return;
    char buf[21];
    pb_time_format(t, buf);
    json_object_set_new(o, k, json_string(buf));
}

static void put_num(json_t *o, const char *k, int64_t v)
{
    if (v >= 0)
        json_object_set_new(o, k, json_integer(v));
}

static const char *const source_names[] = {"arxiv", "hf-daily", "atom",
                                           "oai",   "jsonl",    "local"};

const char *pb_source_name(unsigned bit)
{
    for (unsigned i = 0; i < 6; i++)
        if (bit == 1u << i)
            return source_names[i];
    return "?";
}

json_t *pb_paper_to_json(const struct pb_paper *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->id));
    if (p->version)
        json_object_set_new(o, "version", json_integer(p->version));
    put_str(o, "title", p->title);
    put_str(o, "abstract", p->abstract);
    put_list(o, "authors", &p->authors);
    put_str(o, "categories", p->categories);
    put_time(o, "published", p->published);
    put_time(o, "updated", p->updated);
    if (p->listed_day[0])
        json_object_set_new(o, "listed_day", json_string(p->listed_day));
    put_str(o, "submitter", p->submitter);
    put_num(o, "upvotes", p->upvotes);
    put_num(o, "n_comments", p->n_comments);
    put_str(o, "github_repo", p->github_repo);
    put_num(o, "github_stars", p->github_stars);
    put_str(o, "project_page", p->project_page);
    put_str(o, "doi", p->doi);
    put_str(o, "journal_ref", p->journal_ref);
    put_str(o, "comments", p->comments);
    put_str(o, "license", p->license);
    put_list(o, "keywords", &p->keywords);
    put_str(o, "summary", p->summary);
    put_list(o, "links", &p->links);
    json_t *src = json_array();
    for (unsigned i = 0; i < 6; i++)
        if (p->sources & (1u << i))
            json_array_append_new(src, json_string(pb_source_name(1u << i)));
    json_object_set_new(o, "sources", src);
    return o;
}
