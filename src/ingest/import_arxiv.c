/* import_arxiv.c - the arXiv metadata snapshot: one JSON object a line
 * ({"id","submitter","authors","title","comments","journal-ref","doi",
 * "report-no","categories","license","abstract","versions","update_date"}).
 * Hot path of the full import: parsed with the pull tokenizer, no tree. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "ingest/fields.h"
#include "ingest/ingest_int.h"
#include "ingest/json_pull.h"

#define KEY(k) (jp->len == sizeof(k) - 1 && memcmp(jp->s, k, sizeof(k) - 1) == 0)

/* "versions": [{"version":"v1","created":"Mon, 2 Apr 2007 19:18:42 GMT"}] */
static int versions(struct pb_jp *jp, struct pb_paper *p, char *why,
                    size_t why_cap)
{
    enum pb_jt t;
    while ((t = pb_jp_next(jp)) == PB_JT_OBJ) {
        int v = 0;
        int64_t created = 0;
        while ((t = pb_jp_next(jp)) == PB_JT_KEY) {
            int is_v = KEY("version"), is_c = KEY("created");
            t = pb_jp_next(jp);
            if (t == PB_JT_STR && is_v && jp->len > 1 &&
                (jp->s[0] == 'v' || jp->s[0] == 'V'))
                v = (int)strtol(jp->s + 1, NULL, 10);
            else if (t == PB_JT_STR && is_c &&
                     pb_date_parse(jp->s, jp->len, &created) != PB_OK)
                created = 0;
            else if (pb_jp_skip(jp, t) == PB_JT_ERROR)
                goto bad;
        }
        if (t != PB_JT_OBJ_END)
            goto bad;
        if (v > p->version)
            p->version = v;
        if (created) {
            if (v == 1 || !p->published || created < p->published)
                p->published = created;
            if (created > p->updated)
                p->updated = created;
        }
    }
    if (t == PB_JT_ARR_END)
        return PB_OK;
bad:
    snprintf(why, why_cap, "bad \"versions\": %s",
             jp->err ? jp->err : "expected objects");
    return PB_EPARSE;
}

static void set_str(char **slot, const struct pb_jp *jp)
{
    pb_str_set(slot, jp->s, jp->len);
}

/* Parse one line into p; on failure write the reason to why. */
int pb_ingest_arxiv_line(const char *line, size_t len, struct pb_paper *p,
                         char *why, size_t why_cap)
{
    struct pb_jp jpv, *jp = &jpv;
    pb_jp_init(jp, line, len);
    int rc = PB_EPARSE;
    enum pb_jt t = pb_jp_next(jp);
    if (t != PB_JT_OBJ) {
        snprintf(why, why_cap, "not a JSON object%s%s", jp->err ? ": " : "",
                 jp->err ? jp->err : "");
        goto out;
    }
    char rawid[PB_MAX_ID * 2] = "";
    int64_t update_date = 0;
    while ((t = pb_jp_next(jp)) == PB_JT_KEY) {
        char key[24];
        size_t kl = jp->len < sizeof key - 1 ? jp->len : sizeof key - 1;
        memcpy(key, jp->s, kl);
        key[kl] = '\0';
        int is_versions = strcmp(key, "versions") == 0;
        t = pb_jp_next(jp);
        if (is_versions && t == PB_JT_ARR) {
            if ((rc = versions(jp, p, why, why_cap)))
                goto out;
            rc = PB_EPARSE;
            continue;
        }
        if (t != PB_JT_STR) {
            if (pb_jp_skip(jp, t) == PB_JT_ERROR)
                break;
            continue;
        }
        if (!strcmp(key, "id"))
            snprintf(rawid, sizeof rawid, "%.*s", (int)jp->len, jp->s);
        else if (!strcmp(key, "title"))
            pb_ingest_set_clean(&p->title, jp->s, jp->len);
        else if (!strcmp(key, "abstract"))
            pb_ingest_set_clean(&p->abstract, jp->s, jp->len);
        else if (!strcmp(key, "authors"))
            pb_ingest_split_authors(&p->authors, jp->s, jp->len);
        else if (!strcmp(key, "categories"))
            pb_ingest_set_clean(&p->categories, jp->s, jp->len);
        else if (!strcmp(key, "comments"))
            pb_ingest_set_clean(&p->comments, jp->s, jp->len);
        else if (!strcmp(key, "journal-ref"))
            pb_ingest_set_clean(&p->journal_ref, jp->s, jp->len);
        else if (!strcmp(key, "doi"))
            pb_ingest_set_clean(&p->doi, jp->s, jp->len);
        else if (!strcmp(key, "license"))
            set_str(&p->license, jp);
        else if (!strcmp(key, "submitter"))
            pb_ingest_set_clean(&p->submitter, jp->s, jp->len);
        else if (!strcmp(key, "update_date") &&
                 pb_date_parse(jp->s, jp->len, &update_date) != PB_OK)
            update_date = 0;
    }
    if (t != PB_JT_OBJ_END || pb_jp_next(jp) != PB_JT_END) {
        snprintf(why, why_cap, "byte %zu: %s", pb_jp_offset(jp),
                 jp->err ? jp->err : "malformed JSON");
        goto out;
    }
    if (!rawid[0]) {
        snprintf(why, why_cap, "no \"id\"");
        goto out;
    }
    /* Some dumps (the Zenodo conversion in ../shared/data/arxiv among
     * them) went through a tool that read new-style ids as numbers:
     * 0808.1060 became "808.106", 1710.03132 "1710.0313199999998" and
     * 1704.01620 "1704.0162". A string that is no id by arXiv's rules is
     * read back as such a number (pb_arxiv_id_from_number). */
    char fixed[PB_MAX_ID], whyid[200] = "no id";
    if (pb_ingest_set_arxiv_id(p, rawid, strlen(rawid)) != PB_OK) {
        if (pb_arxiv_id_from_number(rawid, strlen(rawid), fixed, whyid,
                                    sizeof whyid) != PB_OK ||
            pb_ingest_set_arxiv_id(p, fixed, strlen(fixed)) != PB_OK) {
            snprintf(why, why_cap, "\"id\" is not an arXiv id: %s", whyid);
            goto out;
        }
    }
    if (update_date > p->updated)
        p->updated = update_date;
    p->sources |= PB_SRC_ARXIV_SNAPSHOT;
    pb_paper_extract_links(p);
    rc = PB_OK;
out:
    pb_jp_clear(jp);
    return rc;
}

int pb_ingest_arxiv_jsonl(struct pb_reader *r, const char *name,
                          const struct pb_sink *s, struct pb_err *err)
{
    return pb_ingest_each_line(r, name, s, pb_ingest_arxiv_line, err);
}
