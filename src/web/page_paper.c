/* page_paper.c - /papers/ID (HTML) and /papers/ID.md (Markdown). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "text/latex_plain.h"
#include "core/escape.h"
#include "web/media.h"
#include "web/html.h"
#include "web/web_int.h"
#include "web/web_similar.h"

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)))                                                      \
            goto out;                                                        \
    } while (0)

int pb_web_id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= PB_MAX_ID)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
              c == '/' || c == ':'))
            return 0;
    }
    return 1;
}

static int is_arxiv(const struct pb_paper *p)
{
    return strncmp(p->id, "t-", 2) != 0;
}

static int link(struct pb_buf *b, const char *href, const char *text)
{
    int rc = PB_OK;
    TRY(pb_buf_puts(b, "<li><a href=\""));
    TRY(pb_web_html_s(b, href));
    TRY(pb_buf_puts(b, "\" rel=\"nofollow noopener\">"));
    TRY(pb_web_html_s(b, text));
    TRY(pb_buf_puts(b, "</a></li>"));
out:
    return rc;
}

static int plural(struct pb_buf *b, int64_t n, const char *one,
                  const char *many)
{
    return pb_buf_printf(b, "%" PRId64 " %s", n, n == 1 ? one : many);
}

static int html_paper(struct pb_web_req *rq, struct pb_web_resp *rs,
                      const struct pb_paper *p, int64_t pid, int64_t hf_comments)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    char *title = pb_text_latex_plain(p->title, strlen(p->title));
    char url[160];
    TRY(pb_web_html_head(b, rq, title, NULL, NULL));
    TRY(pb_buf_puts(b, "<article class=\"paper\"><h1>"));
    TRY(pb_web_html_s(b, title));
    TRY(pb_buf_puts(b, "</h1>"));
    if (p->authors.n) {
        TRY(pb_buf_puts(b, "<p class=\"authors\">"));
        for (size_t i = 0; i < p->authors.n; i++) {
            if (i)
                TRY(pb_buf_puts(b, ", "));
            TRY(pb_web_html_author(b, p->authors.v[i]));
        }
        TRY(pb_buf_puts(b, "</p>"));
    }
    TRY(pb_buf_puts(b, "<ul class=\"meta\"><li class=\"up\"><span "
                       "aria-hidden=\"true\">\xE2\x96\xB2</span> "));
    TRY(plural(b, p->upvotes > 0 ? p->upvotes : 0, "upvote", "upvotes"));
    TRY(pb_buf_puts(b, "</li>"));
    /* Hugging Face's count is theirs: their comments are not shown here,
     * so it is said whose it is, beside the comments made here */
    if (hf_comments > 0) {
        TRY(pb_buf_puts(b, "<li>"));
        TRY(plural(b, hf_comments, "comment", "comments"));
        TRY(pb_buf_puts(b, " on Hugging Face</li>"));
    }
    {
        int64_t here = (p->n_comments > 0 ? p->n_comments : 0) -
                       (hf_comments > 0 ? hf_comments : 0);
        TRY(pb_buf_puts(b, "<li>"));
        TRY(plural(b, here > 0 ? here : 0, "comment", "comments"));
        TRY(pb_buf_puts(b, " here</li>"));
    }
    if (p->listed_day[0]) {
        TRY(pb_buf_puts(b, "<li>Listed <a href=\"/date/"));
        TRY(pb_web_url_s(b, p->listed_day));
        TRY(pb_buf_puts(b, "\">"));
        TRY(pb_web_html_s(b, p->listed_day));
        TRY(pb_buf_puts(b, "</a></li>"));
    }
    if (p->published) {
        char d[11];
        pb_day_format(p->published, d);
        TRY(pb_buf_printf(b, "<li>Published %s</li>", d));
    }
    if (p->submitter) {
        TRY(pb_buf_puts(b, "<li>Submitted by "));
        TRY(pb_web_html_member(b, p->submitter));
        TRY(pb_buf_puts(b, "</li>"));
    }
    TRY(pb_buf_puts(b, "</ul>"));
    TRY(pb_web_media_img(b, rq, p, pid, "lead"));
    TRY(pb_buf_puts(b, "<ul class=\"links\">"));
    if (is_arxiv(p)) {
        /* ids are [A-Za-z0-9./-] (checked by the store's id parser) */
        snprintf(url, sizeof url, "https://arxiv.org/abs/%s", p->id);
        rc = link(b, url, "arXiv abstract");
        snprintf(url, sizeof url, "https://arxiv.org/pdf/%s", p->id);
        if (!rc)
            rc = link(b, url, "PDF on arXiv");
        if (rc)
            goto out;
    }
    if (pb_web_url_is_safe(p->github_repo)) {
        TRY(pb_buf_puts(b, "<li><a href=\""));
        TRY(pb_web_html_s(b, p->github_repo));
        TRY(pb_buf_puts(b, "\" rel=\"nofollow noopener\">Code</a>"));
        if (p->github_stars >= 0) {
            TRY(pb_buf_puts(b, " ("));
            TRY(plural(b, p->github_stars, "star", "stars"));
            TRY(pb_buf_puts(b, ")"));
        }
        TRY(pb_buf_puts(b, "</li>"));
    }
    if (pb_web_url_is_safe(p->project_page))
        TRY(link(b, p->project_page, "Project page"));
    for (size_t i = 0; i < p->links.n; i++)
        if (pb_web_url_is_safe(p->links.v[i]) &&
            !(p->github_repo && !strcmp(p->links.v[i], p->github_repo)) &&
            !(p->project_page && !strcmp(p->links.v[i], p->project_page)))
            TRY(link(b, p->links.v[i], p->links.v[i]));
    TRY(pb_buf_puts(b, "<li><a href=\"/papers/"));
    TRY(pb_web_url_s(b, p->id));
    TRY(pb_buf_puts(b, ".md\">Markdown</a></li><li><a href=\"/api/papers/"));
    TRY(pb_web_url_s(b, p->id));
    TRY(pb_buf_puts(b, "\">JSON</a></li></ul>"));
    if (p->summary && p->summary[0]) {
        TRY(pb_buf_puts(b, "<section><h2>In short</h2><p class=\"summary\">"));
        TRY(pb_web_html_latex(b, p->summary));
        TRY(pb_buf_puts(b, "</p></section>"));
    }
    TRY(pb_buf_puts(b, "<section><h2>Abstract</h2><p class=\"full\">"));
    TRY(pb_web_html_latex(b, p->abstract));
    TRY(pb_buf_puts(b, "</p></section>"));
    TRY(pb_web_media_extras(b, rq, p, pid));
    if (p->keywords.n || (p->categories && p->categories[0])) {
        TRY(pb_buf_puts(b, "<section><h2>Topics</h2><ul class=\"tags\">"));
        if (p->categories && p->categories[0]) {
            struct pb_strlist c = {0};
            pb_strlist_split(&c, p->categories, ' ');
            for (size_t i = 0; i < c.n && !rc; i++)
                if (!(rc = pb_buf_puts(b, "<li><a href=\"/cat/")) &&
                    !(rc = pb_web_url_s(b, c.v[i])) &&
                    !(rc = pb_buf_puts(b, "\">")) &&
                    !(rc = pb_web_html_s(b, c.v[i])))
                    rc = pb_buf_puts(b, "</a></li>");
            pb_strlist_clear(&c);
            if (rc)
                goto out;
        }
        for (size_t i = 0; i < p->keywords.n; i++) {
            TRY(pb_buf_puts(b, "<li>"));
            TRY(pb_web_html_s(b, p->keywords.v[i]));
            TRY(pb_buf_puts(b, "</li>"));
        }
        TRY(pb_buf_puts(b, "</ul></section>"));
    }
    TRY(pb_web_paper_community(rq, b, p, pid));
    TRY(pb_buf_puts(b, "</article>"));
    TRY(pb_web_similar_section(rq, b, pid));
    TRY(pb_web_html_foot(b));
out:
    free(title);
    return rc;
}

static int md_plain(struct pb_buf *b, const char *s)
{
    if (!s)
        return PB_OK;
    char *plain = pb_text_latex_plain(s, strlen(s));
    int rc = pb_web_md_s(b, plain);
    free(plain);
    return rc;
}

static int md_paper(struct pb_web_req *rq, struct pb_web_resp *rs,
                    const struct pb_paper *p)
{
    int rc = PB_OK;
    struct pb_buf *b = &rs->body;
    TRY(pb_buf_puts(b, "# "));
    TRY(md_plain(b, p->title));
    TRY(pb_buf_puts(b, "\n\n"));
    if (p->authors.n) {
        TRY(pb_buf_puts(b, "**Authors:** "));
        for (size_t i = 0; i < p->authors.n; i++) {
            if (i)
                TRY(pb_buf_puts(b, ", "));
            TRY(pb_web_md_s(b, p->authors.v[i]));
        }
        TRY(pb_buf_puts(b, "\n\n"));
    }
    if (is_arxiv(p))
        TRY(pb_buf_printf(b, "- arXiv: <https://arxiv.org/abs/%s>\n"
                             "- PDF: <https://arxiv.org/pdf/%s>\n",
                          p->id, p->id));
    TRY(pb_buf_puts(b, "- Page: <"));
    TRY(pb_buf_puts(b, rq->site->base_url));
    TRY(pb_buf_puts(b, "/papers/"));
    TRY(pb_web_url_s(b, p->id));
    TRY(pb_buf_puts(b, ">\n"));
    if (pb_web_url_is_safe(p->github_repo)) {
        TRY(pb_buf_puts(b, "- Code: <"));
        TRY(pb_buf_puts(b, p->github_repo));
        TRY(pb_buf_puts(b, ">"));
        if (p->github_stars >= 0) {
            TRY(pb_buf_puts(b, " ("));
            TRY(plural(b, p->github_stars, "star", "stars"));
            TRY(pb_buf_puts(b, ")"));
        }
        TRY(pb_buf_puts(b, "\n"));
    }
    if (pb_web_url_is_safe(p->project_page)) {
        TRY(pb_buf_puts(b, "- Project page: <"));
        TRY(pb_buf_puts(b, p->project_page));
        TRY(pb_buf_puts(b, ">\n"));
    }
    TRY(pb_buf_printf(b, "- Upvotes: %" PRId64 "\n",
                      p->upvotes > 0 ? p->upvotes : 0));
    if (p->listed_day[0])
        TRY(pb_buf_printf(b, "- Listed: %s\n", p->listed_day));
    if (p->summary && p->summary[0]) {
        TRY(pb_buf_puts(b, "\n## In short\n\n"));
        TRY(md_plain(b, p->summary));
        TRY(pb_buf_puts(b, "\n"));
    }
    TRY(pb_buf_puts(b, "\n## Abstract\n\n"));
    TRY(md_plain(b, p->abstract));
    TRY(pb_buf_puts(b, "\n"));
out:
    return rc;
}

int pb_web_page_paper(struct pb_web_req *rq, const char *rest,
                      struct pb_web_resp *rs)
{
    int rc = PB_OK;
    char id[PB_MAX_ID + 4];
    size_t len = strlen(rest);
    int md = len > 3 && !strcmp(rest + len - 3, ".md");
    if (md)
        len -= 3;
    if (len >= PB_MAX_ID)
        return pb_web_fail(rs, 400, "that is not a paper id");
    memcpy(id, rest, len);
    id[len] = '\0';
    if (!pb_web_id_ok(id))
        return pb_web_fail(rs, 400,
                           "\"%.64s\" is not a paper id; ids look like "
                           "2406.01234",
                           id);
    struct pb_paper p;
    pb_paper_init(&p);
    int64_t pid = 0;
    rc = pb_store_feed_paper(rq->th->feed, id, &p, &pid);
    if (rc == PB_ENOTFOUND) {
        rc = pb_web_fail(rs, 404, "there is no paper %s here", id);
        goto out;
    }
    if (rc)
        goto out;
    int64_t hf_comments = p.n_comments; /* imported, before local ones */
    struct pb_feed_list one = {.v = &p, .pid = &pid, .n = 1};
    pb_web_fill_counts(rq, &one); /* imported + local */
    if (md) {
        rs->type = "text/markdown; charset=utf-8";
        rs->fmt = PB_FMT_TEXT;
        rc = md_paper(rq, rs, &p);
    } else {
        rc = html_paper(rq, rs, &p, pid, hf_comments);
    }
out:
    pb_paper_clear(&p);
    return rc;
}
