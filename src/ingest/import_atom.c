/*
 * import_atom.c - arXiv API Atom XML (export.arxiv.org/api/query) to papers.
 *
 * Streaming with expat: the reader is fed in 64 KiB chunks and each <entry>
 * becomes one paper when it closes, so memory is bounded by one entry
 * whatever the size of the document. Elements are matched by local name (the
 * API mixes the Atom, arxiv and opensearch namespaces) and only as direct
 * children of <entry>, so the feed's own <title>, <id> and <updated> are
 * never taken for a paper's; author names come from <entry><author><name>.
 *
 * An entry gives: id and version from <id>, title (whitespace collapsed, as
 * the API wraps long titles), abstract from <summary> (trimmed, line breaks
 * kept), published and updated, authors in order, categories
 * (arxiv:primary_category first, then each <category> term that is an arXiv
 * category: ACM and MSC classes such as "I.2.7" or "68T05" are left out),
 * comments, journal_ref and doi. <link> elements say nothing the paper model
 * keeps. The API answers a bad query with an entry whose id is
 * http://arxiv.org/api/errors#...; that entry is rejected with its text.
 *
 * Hostile input: a DOCTYPE that declares entities stops the import (billion
 * laughs; expat's own amplification limit stays on too), every text field
 * is capped and a record over a cap is rejected while the import goes on,
 * and a single token that expat has to buffer whole (a giant tag, comment or
 * attribute) stops the import once it passes TOKEN_MAX bytes.
 */
#include "ingest/ingest.h"
#include "ingest/xml_util.h"

#include <expat.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"

#define CHUNK (64u << 10)     /* bytes handed to expat per read */
#define TOKEN_MAX (8u << 20)  /* bytes expat may hold for one token */
#define NS_SEP PB_XML_NS_SEP
#define MAX_CATS 64
#define CAT_MAX PB_XML_CAT_MAX

enum field {
    F_NONE,
    F_ID,
    F_TITLE,
    F_SUMMARY,
    F_PUBLISHED,
    F_UPDATED,
    F_NAME,
    F_COMMENT,
    F_JOURNAL,
    F_DOI,
    F_COUNT
};

static const struct {
    const char *elem;  /* local name under <entry> */
    const char *label; /* for people */
    size_t cap;        /* after tidying */
    int collapse;      /* 1: runs of white space become one space */
} fields[F_COUNT] = {
    [F_ID] = {"id", "id", 1024, 1},
    [F_TITLE] = {"title", "title", PB_MAX_TITLE, 1},
    [F_SUMMARY] = {"summary", "abstract", PB_MAX_ABSTRACT, 0},
    [F_PUBLISHED] = {"published", "published", 256, 1},
    [F_UPDATED] = {"updated", "updated", 256, 1},
    [F_NAME] = {NULL, "author name", PB_MAX_NAME, 1},
    [F_COMMENT] = {"comment", "comments", PB_MAX_FIELD, 1},
    [F_JOURNAL] = {"journal_ref", "journal-ref", PB_MAX_FIELD, 1},
    [F_DOI] = {"doi", "doi", 1024, 1},
};

struct atom {
    XML_Parser xp;
    const char *name;
    const struct pb_sink *sink;
    struct pb_err *err;  /* never NULL: the caller's or own_err */
    struct pb_err own_err;
    uint64_t fed;        /* bytes given to expat */
    uint64_t depth;      /* of the element being parsed */
    uint64_t entry_depth;  /* of the open <entry>; 0 outside */
    uint64_t author_depth; /* of the open <author>; 0 outside */
    uint64_t n_entries;
    struct pb_srcpos pos;  /* of the open entry */
    struct pb_paper p;
    char *id_raw;
    struct pb_strlist cats;
    char primary[CAT_MAX];
    enum field field;      /* text being captured; F_NONE when none */
    uint64_t field_depth;
    struct pb_buf text;
    uint64_t text_len;     /* bytes of the field, also past text.max */
    int text_over;
    char why[256];         /* why the open entry is rejected; "" while fine */
    int rc;                /* what stopped the parser; PB_OK while running */
    char stop_why[256];    /* "" when the sink stopped it */
};

/* --- small helpers --------------------------------------------------------- */

static void reason(struct atom *a, const char *fmt, ...) PB_PRINTF(2, 3);
static void reason(struct atom *a, const char *fmt, ...)
{
    if (a->why[0])
        return; /* the first reason is the one people need */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->why, sizeof a->why, fmt, ap);
    va_end(ap);
}

static void stop(struct atom *a, int rc, const char *fmt, ...)
    PB_PRINTF(3, 4);
static void stop(struct atom *a, int rc, const char *fmt, ...)
{
    if (a->rc)
        return;
    a->rc = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->stop_why, sizeof a->stop_why, fmt, ap);
    va_end(ap);
    XML_StopParser(a->xp, XML_FALSE);
}

/* --- entries --------------------------------------------------------------- */

static void entry_reset(struct atom *a)
{
    pb_paper_clear(&a->p);
    free(a->id_raw);
    a->id_raw = NULL;
    pb_strlist_clear(&a->cats);
    a->primary[0] = '\0';
    a->why[0] = '\0';
    a->entry_depth = a->author_depth = 0;
    a->field = F_NONE;
    pb_buf_clear(&a->text);
}

static void entry_begin(struct atom *a)
{
    entry_reset(a);
    a->entry_depth = a->depth;
    a->n_entries++;
    XML_Index at = XML_GetCurrentByteIndex(a->xp);
    a->pos.file = a->name;
    a->pos.line = XML_GetCurrentLineNumber(a->xp);
    a->pos.offset = at > 0 ? (uint64_t)at : 0;
    a->pos.entry = a->n_entries;
}

static void add_category(struct atom *a, const char *term)
{
    if (!term || !pb_xml_is_arxiv_category(term))
        return;
    for (size_t i = 0; i < a->cats.n; i++)
        if (strcmp(a->cats.v[i], term) == 0)
            return;
    if (a->cats.n >= MAX_CATS) {
        reason(a, "over %d categories", MAX_CATS);
        return;
    }
    pb_strlist_push(&a->cats, term, strlen(term));
}

static void join_categories(struct atom *a)
{
    struct pb_buf b;
    pb_buf_init(&b, MAX_CATS * CAT_MAX + CAT_MAX);
    int rc = pb_buf_puts(&b, a->primary);
    for (size_t i = 0; i < a->cats.n && !rc; i++) {
        if (strcmp(a->cats.v[i], a->primary) == 0)
            continue;
        if (b.len)
            rc = pb_buf_putc(&b, ' ');
        if (!rc)
            rc = pb_buf_puts(&b, a->cats.v[i]);
    }
    if (b.len && !rc)
        a->p.categories = pb_buf_steal(&b);
    pb_buf_clear(&b);
}

/* Id, categories and links once the whole entry is known; may set why. */
static void entry_complete(struct atom *a)
{
    struct pb_paper *p = &a->p;
    if (a->id_raw && strstr(a->id_raw, "arxiv.org/api/errors")) {
        const char *msg = p->abstract ? p->abstract : p->title;
        reason(a, "arXiv API error: %s", msg ? msg : a->id_raw);
        return;
    }
    if (a->id_raw) {
        if (pb_arxiv_id_parse(a->id_raw, strlen(a->id_raw), p->id,
                              &p->version) != PB_OK) {
            reason(a, "id \"%.80s\" is not an arXiv id", a->id_raw);
            return;
        }
    } else if (p->title) {
        pb_paper_title_id(p->title, strlen(p->title), p->id);
    }
    if (!p->title) {
        /* the import driver reads a paper without title and abstract as a
         * deletion: an entry without title must never look like one */
        reason(a, "entry has no title");
        return;
    }
    join_categories(a);
    p->sources |= PB_SRC_ATOM;
    pb_paper_extract_links(p);
}

static void entry_end(struct atom *a)
{
    int rc = PB_OK;
    if (!a->why[0])
        entry_complete(a);
    if (a->why[0])
        a->sink->reject(a->sink->ctx, &a->pos, a->why);
    else
        rc = a->sink->paper(a->sink->ctx, &a->p, &a->pos);
    entry_reset(a);
    if (rc)
        stop(a, rc, "%s", "");
}

/* --- text fields ----------------------------------------------------------- */

static void field_begin(struct atom *a, enum field f)
{
    a->field = f;
    a->field_depth = a->depth;
    /* room for the wrapping white space that pb_xml_tidy() will remove */
    pb_buf_init(&a->text, fields[f].cap * 2 + 1024);
    a->text_len = 0;
    a->text_over = 0;
}

static void set_date(struct atom *a, int64_t *slot, const char *label,
                     const char *s, size_t n)
{
    if (pb_date_parse(s, n, slot) != PB_OK)
        reason(a, "%s \"%.40s\" is not a date", label, s);
}

static void field_store(struct atom *a, enum field f, const char *s, size_t n)
{
    struct pb_paper *p = &a->p;
    switch (f) {
    case F_ID:
        free(a->id_raw);
        a->id_raw = pb_strndup(s, n);
        break;
    case F_TITLE: pb_str_set(&p->title, s, n); break;
    case F_SUMMARY: pb_str_set(&p->abstract, s, n); break;
    case F_PUBLISHED: set_date(a, &p->published, "published", s, n); break;
    case F_UPDATED: set_date(a, &p->updated, "updated", s, n); break;
    case F_NAME:
        if (p->authors.n >= PB_MAX_AUTHORS)
            reason(a, "over %d authors", PB_MAX_AUTHORS);
        else
            pb_strlist_push(&p->authors, s, n);
        break;
    case F_COMMENT: pb_str_set(&p->comments, s, n); break;
    case F_JOURNAL: pb_str_set(&p->journal_ref, s, n); break;
    case F_DOI: pb_str_set(&p->doi, s, n); break;
    default: break;
    }
}

static void field_end(struct atom *a)
{
    enum field f = a->field;
    a->field = F_NONE;
    size_t n = a->text.len;
    if (!a->text_over && a->text.p)
        n = pb_xml_tidy(a->text.p, n, fields[f].collapse);
    if (a->text_over || n > fields[f].cap)
        reason(a, "%s is %" PRIu64 " bytes, over the %zu-byte limit",
               fields[f].label, a->text_over ? a->text_len : (uint64_t)n,
               fields[f].cap);
    else if (n > 0)
        field_store(a, f, a->text.p, n);
    pb_buf_clear(&a->text);
}

static enum field entry_field(const char *local)
{
    for (int f = F_ID; f < F_COUNT; f++)
        if (fields[f].elem && strcmp(fields[f].elem, local) == 0)
            return (enum field)f;
    return F_NONE;
}

/* --- expat handlers -------------------------------------------------------- */

static void on_start(void *u, const XML_Char *name, const XML_Char **attr)
{
    struct atom *a = u;
    const char *local = pb_xml_local_name(name);
    a->depth++;
    if (!a->entry_depth) {
        if (strcmp(local, "entry") == 0)
            entry_begin(a);
        return;
    }
    if (a->field != F_NONE)
        return; /* markup inside a text field: its text joins the field */
    uint64_t rel = a->depth - a->entry_depth;
    if (rel == 1) {
        if (strcmp(local, "author") == 0) {
            a->author_depth = a->depth;
        } else if (strcmp(local, "primary_category") == 0) {
            const char *t = pb_xml_attr(attr, "term");
            if (t && pb_xml_is_arxiv_category(t))
                snprintf(a->primary, sizeof a->primary, "%s", t);
        } else if (strcmp(local, "category") == 0) {
            add_category(a, pb_xml_attr(attr, "term"));
        } else {
            enum field f = entry_field(local);
            if (f != F_NONE)
                field_begin(a, f);
        }
    } else if (rel == 2 && a->author_depth && strcmp(local, "name") == 0) {
        field_begin(a, F_NAME);
    }
}

static void on_end(void *u, const XML_Char *name)
{
    struct atom *a = u;
    (void)name;
    if (a->field != F_NONE && a->depth == a->field_depth)
        field_end(a);
    else if (a->author_depth && a->depth == a->author_depth)
        a->author_depth = 0;
    else if (a->entry_depth && a->depth == a->entry_depth)
        entry_end(a);
    a->depth--;
}

static void on_text(void *u, const XML_Char *s, int len)
{
    struct atom *a = u;
    if (a->field == F_NONE || len <= 0)
        return;
    a->text_len += (uint64_t)len;
    if (!a->text_over && pb_buf_append(&a->text, s, (size_t)len) != PB_OK)
        a->text_over = 1;
}

static void on_entity_decl(void *u, const XML_Char *name, int is_param,
                           const XML_Char *value, int value_len,
                           const XML_Char *base, const XML_Char *sys_id,
                           const XML_Char *pub_id, const XML_Char *notation)
{
    (void)is_param, (void)value, (void)value_len, (void)base, (void)sys_id,
        (void)pub_id, (void)notation;
    stop(u, PB_EPARSE,
         "the DOCTYPE declares entity \"%.40s\"; entity declarations are "
         "refused",
         name);
}

/* --- the document ---------------------------------------------------------- */

/* Report a stream-level failure: a rejection at the parser's position, and
 * err. Returns rc. */
static int doc_fail(struct atom *a, int rc, const char *msg)
{
    XML_Index at = XML_GetCurrentByteIndex(a->xp);
    struct pb_srcpos pos = {
        .file = a->name,
        .line = XML_GetCurrentLineNumber(a->xp),
        .offset = at >= 0 ? (uint64_t)at : a->fed,
        .entry = a->entry_depth ? a->n_entries : 0,
    };
    a->sink->reject(a->sink->ctx, &pos, msg);
    return pb_err_set(a->err, rc, "%s:%" PRIu64 ": %s", a->name, pos.line,
                      msg);
}

static int xml_error(struct atom *a)
{
    char msg[256];
    enum XML_Error code = XML_GetErrorCode(a->xp);
    snprintf(msg, sizeof msg, "XML error at line %lu, column %lu: %s%s",
             (unsigned long)XML_GetCurrentLineNumber(a->xp),
             (unsigned long)XML_GetCurrentColumnNumber(a->xp) + 1,
             XML_ErrorString(code),
             a->entry_depth ? " (the entry in progress is dropped)" : "");
    return doc_fail(a, code == XML_ERROR_NO_MEMORY ? PB_ENOMEM : PB_EPARSE,
                    msg);
}

static int stopped(struct atom *a)
{
    if (a->stop_why[0])
        return doc_fail(a, a->rc, a->stop_why);
    return pb_err_set(a->err, a->rc, "%s: entry %" PRIu64 ": import stopped: %s",
                      a->name, a->n_entries, pb_strerror(a->rc));
}

static int drive(struct atom *a, struct pb_reader *r)
{
    for (;;) {
        void *buf = XML_GetBuffer(a->xp, CHUNK);
        if (!buf)
            return xml_error(a);
        size_t n = 0;
        int rc = pb_reader_read(r, buf, CHUNK, &n, a->err);
        if (rc) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s", a->err->msg);
            return doc_fail(a, rc, msg);
        }
        a->fed += n;
        enum XML_Status st = XML_ParseBuffer(a->xp, (int)n, n == 0);
        if (a->rc)
            return stopped(a);
        if (st != XML_STATUS_OK)
            return xml_error(a);
        if (n == 0)
            return PB_OK;
        /* after a parse, the byte index is where the unfinished token
         * starts: everything after it sits in expat's buffer */
        XML_Index at = XML_GetCurrentByteIndex(a->xp);
        if (at >= 0 && a->fed - (uint64_t)at > TOKEN_MAX) {
            char msg[128];
            snprintf(msg, sizeof msg, "an XML token is over %u bytes",
                     TOKEN_MAX);
            return doc_fail(a, PB_ETOOBIG, msg);
        }
    }
}

int pb_ingest_atom(struct pb_reader *r, const char *name,
                   const struct pb_sink *s, struct pb_err *err)
{
    struct atom a;
    memset(&a, 0, sizeof a);
    a.name = name ? name : "(atom)";
    a.sink = s;
    a.err = err ? err : &a.own_err;
    pb_err_clear(a.err);
    pb_paper_init(&a.p);
    a.xp = XML_ParserCreateNS(NULL, NS_SEP);
    if (!a.xp)
        return pb_err_set(a.err, PB_ENOMEM, "%s: cannot create XML parser",
                          a.name);
    XML_SetUserData(a.xp, &a);
    XML_SetElementHandler(a.xp, on_start, on_end);
    XML_SetCharacterDataHandler(a.xp, on_text);
    XML_SetEntityDeclHandler(a.xp, on_entity_decl);
    pb_xml_no_reparse_deferral(a.xp);
    int rc = drive(&a, r);
    entry_reset(&a);
    pb_buf_clear(&a.text);
    XML_ParserFree(a.xp);
    return rc;
}
