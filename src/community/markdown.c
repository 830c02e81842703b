/* markdown.c - comments in CommonMark through Debian's cmark, and BibTeX
 * (see community.h). */
#include <cmark.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "community/community.h"
#include "core/date.h"

int pb_cm_markdown(struct pb_buf *b, const char *md, size_t len)
{
    /* CMARK_OPT_SAFE (the default since cmark 0.29, asked for anyway):
     * raw HTML becomes a comment, javascript:/vbscript:/file:/data: links
     * (but image data:) are emptied; cmark escapes all text itself */
    char *html = cmark_markdown_to_html(
        md, len, CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_NOBREAKS);
    if (!html)
        return PB_ENOMEM;
    int rc = pb_buf_puts(b, html);
    free(html);
    return rc;
}

int pb_cm_bibtex_escape(struct pb_buf *b, const char *s)
{
    int rc = PB_OK;
    for (; s && *s && !rc; s++) {
        switch (*s) {
        case '\\': rc = pb_buf_puts(b, "\\textbackslash{}"); break;
        case '{': rc = pb_buf_puts(b, "\\{"); break;
        case '}': rc = pb_buf_puts(b, "\\}"); break;
        case '$': rc = pb_buf_puts(b, "\\$"); break;
        case '&': rc = pb_buf_puts(b, "\\&"); break;
        case '%': rc = pb_buf_puts(b, "\\%"); break;
        case '#': rc = pb_buf_puts(b, "\\#"); break;
        case '_': rc = pb_buf_puts(b, "\\_"); break;
        case '^': rc = pb_buf_puts(b, "\\^{}"); break;
        case '~': rc = pb_buf_puts(b, "\\~{}"); break;
        case '\n': case '\r': case '\t': rc = pb_buf_putc(b, ' '); break;
        default: rc = pb_buf_putc(b, *s);
        }
    }
    return rc;
}

/* The key: letters and digits of the id (arXiv ids keep their dot). */
static int bib_key(struct pb_buf *b, const char *id)
{
    int rc = pb_buf_puts(b, "arxiv:");
    for (; *id && !rc; id++)
        if ((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
            (*id >= '0' && *id <= '9') || *id == '.' || *id == '-')
            rc = pb_buf_putc(b, *id);
    return rc;
}

static int field(struct pb_buf *b, const char *name, const char *v)
{
    int rc = PB_OK;
    if (!v || !*v)
        return PB_OK;
    if (!(rc = pb_buf_printf(b, "  %s = {", name)) &&
        !(rc = pb_cm_bibtex_escape(b, v)))
        rc = pb_buf_puts(b, "},\n");
    return rc;
}

int pb_cm_bibtex(struct pb_buf *b, const struct pb_paper *p)
{
    int rc = PB_OK;
    int arxiv = strncmp(p->id, "t-", 2) != 0;
    struct pb_buf authors;
    pb_buf_init(&authors, PB_MAX_FIELD);
    for (size_t i = 0; i < p->authors.n && !rc; i++) {
        if (i)
            rc = pb_buf_puts(&authors, " and ");
        if (!rc)
            rc = pb_buf_puts(&authors, p->authors.v[i]);
    }
    if (rc)
        goto out;
    if ((rc = pb_buf_puts(b, p->doi && *p->doi ? "@article{" : "@misc{")) ||
        (rc = bib_key(b, p->id)) || (rc = pb_buf_puts(b, ",\n")) ||
        (rc = field(b, "title", p->title)) ||
        (rc = field(b, "author", pb_buf_cstr(&authors))))
        goto out;
    if (p->published) {
        int y;
        unsigned m, d;
        pb_civil_from_days(p->published / 86400, &y, &m, &d);
        if ((rc = pb_buf_printf(b, "  year = {%d},\n  month = {%u},\n", y,
                                m)))
            goto out;
    }
    if (arxiv) {
        char cat[64] = "";
        if (p->categories) {
            size_t n = strcspn(p->categories, " ");
            if (n >= sizeof cat)
                n = sizeof cat - 1;
            memcpy(cat, p->categories, n);
            cat[n] = '\0';
        }
        if ((rc = field(b, "eprint", p->id)) ||
            (rc = pb_buf_puts(b, "  archivePrefix = {arXiv},\n")) ||
            (rc = field(b, "primaryClass", cat)) ||
            (rc = pb_buf_puts(b, "  url = {https://arxiv.org/abs/")) ||
            (rc = pb_cm_bibtex_escape(b, p->id)) ||
            (rc = pb_buf_puts(b, "},\n")))
            goto out;
    }
    if ((rc = field(b, "doi", p->doi)) ||
        (rc = field(b, "journal", p->journal_ref)))
        goto out;
    rc = pb_buf_puts(b, "}\n");
out:
    pb_buf_clear(&authors);
    return rc;
}
