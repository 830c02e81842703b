/*
 * import_oai.c - OAI-PMH responses (ListRecords, GetRecord) to papers.
 *
 * Three metadata formats, told apart by the namespace (or, failing that,
 * the local name) of the element under <metadata>:
 *   arXiv     http://arxiv.org/OAI/arXiv/: id, created (v1 date), updated,
 *             authors/author/{keyname,forenames,suffix}, title, categories,
 *             comments, journal-ref, doi, license, abstract. No version.
 *   arXivRaw  http://arxiv.org/OAI/arXivRaw/: id, submitter, one
 *             <version version="vN"><date>RFC 2822</date> per version (the
 *             highest N is p->version, v1's date published, the last date
 *             updated), authors as one string split by
 *             pb_ingest_split_authors() (parenthesised affiliations
 *             dropped), and the fields of arXiv.
 *   oai_dc    dc:title, dc:creator "Surname, Forenames[, Suffix]" (turned
 *             into "Forenames Surname Suffix"), dc:description (the first
 *             is the abstract; "Comment: ..." is the comments), dc:date
 *             (earliest published, latest updated), dc:identifier (the
 *             arxiv.org/abs URL is the id, "doi:..." the doi, other text the
 *             journal-ref), dc:rights (license), dc:subject (only subjects
 *             that are arXiv category codes: arXiv writes subject names such
 *             as "Computer Science - Learning" there, which are left out).
 * The id comes from the metadata, else from the header's identifier
 * (oai:arXiv.org:ID). Titles, names and one-line fields have white space
 * collapsed; abstracts are trimmed.
 *
 * DELETED RECORDS: a record whose header has status="deleted" goes to
 * sink->paper() as a paper with only p->id and p->sources (PB_SRC_OAI) set;
 * p->title == NULL (and p->abstract == NULL) means "deleted", and the import
 * driver deletes the paper from the store. Every live record delivered has a
 * title; one without is rejected ("record has no title").
 *
 * Streaming, caps and hostile input are as in import_atom.c: 64 KiB chunks,
 * each text field capped (a record over a cap is rejected, the import goes
 * on), entity declarations refused, a token over TOKEN_MAX stops the import,
 * XML errors are reported with their line after the records before them.
 */
#include "ingest/oai.h"

#include <expat.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/mem.h"
#include "ingest/fields.h"
#include "ingest/xml_util.h"

#define CHUNK (64u << 10)
#define TOKEN_MAX (8u << 20)
#define NS_SEP PB_XML_NS_SEP
#define MAX_CATS 64
#define CAT_MAX PB_XML_CAT_MAX

#define NS_ARXIV "http://arxiv.org/OAI/arXiv/"
#define NS_RAW "http://arxiv.org/OAI/arXivRaw/"
#define NS_OAI_DC "http://www.openarchives.org/OAI/2.0/oai_dc/"

enum fmt { FMT_NONE, FMT_ARXIV, FMT_RAW, FMT_DC, FMT_OTHER };

enum field {
    F_NONE,
    /* outside metadata */
    F_RESPDATE,
    F_TOKEN,
    F_ERROR,
    F_HDR_ID,
    /* arXiv and arXivRaw */
    F_ID,
    F_TITLE,
    F_ABSTRACT,
    F_CATEGORIES,
    F_COMMENTS,
    F_JOURNAL,
    F_DOI,
    F_LICENSE,
    F_CREATED,
    F_UPDATED,
    F_SUBMITTER,
    F_AUTHORS,
    F_KEYNAME,
    F_FORENAMES,
    F_SUFFIX,
    F_VDATE,
    /* oai_dc */
    F_CREATOR,
    F_SUBJECT,
    F_DESCRIPTION,
    F_DATE,
    F_IDENTIFIER,
    F_COUNT
};

static const struct {
    const char *label;
    size_t cap;
    int collapse;
} fields[F_COUNT] = {
    [F_RESPDATE] = {"responseDate", 256, 1},
    [F_TOKEN] = {"resumptionToken", PB_OAI_TOKEN_MAX - 1, 1},
    [F_ERROR] = {"error", 4096, 1},
    [F_HDR_ID] = {"identifier", 1024, 1},
    [F_ID] = {"id", 1024, 1},
    [F_TITLE] = {"title", PB_MAX_TITLE, 1},
    [F_ABSTRACT] = {"abstract", PB_MAX_ABSTRACT, 0},
    [F_CATEGORIES] = {"categories", 4096, 1},
    [F_COMMENTS] = {"comments", PB_MAX_FIELD, 1},
    [F_JOURNAL] = {"journal-ref", PB_MAX_FIELD, 1},
    [F_DOI] = {"doi", 1024, 1},
    [F_LICENSE] = {"license", 2048, 1},
    [F_CREATED] = {"created", 256, 1},
    [F_UPDATED] = {"updated", 256, 1},
    [F_SUBMITTER] = {"submitter", PB_MAX_NAME, 1},
    [F_AUTHORS] = {"authors", PB_MAX_FIELD * 4, 1},
    [F_KEYNAME] = {"keyname", PB_MAX_NAME, 1},
    [F_FORENAMES] = {"forenames", PB_MAX_NAME, 1},
    [F_SUFFIX] = {"suffix", PB_MAX_NAME, 1},
    [F_VDATE] = {"version date", 256, 1},
    [F_CREATOR] = {"creator", PB_MAX_NAME, 1},
    [F_SUBJECT] = {"subject", 1024, 1},
    [F_DESCRIPTION] = {"description", PB_MAX_ABSTRACT, 0},
    [F_DATE] = {"date", 256, 1},
    [F_IDENTIFIER] = {"identifier", 1024, 1},
};

/* Direct children of the metadata root, per format. */
static const struct {
    enum fmt fmt;
    const char *elem;
    enum field f;
} meta_map[] = {
    {FMT_ARXIV, "id", F_ID},           {FMT_ARXIV, "created", F_CREATED},
    {FMT_ARXIV, "updated", F_UPDATED}, {FMT_ARXIV, "title", F_TITLE},
    {FMT_ARXIV, "categories", F_CATEGORIES},
    {FMT_ARXIV, "comments", F_COMMENTS},
    {FMT_ARXIV, "journal-ref", F_JOURNAL},
    {FMT_ARXIV, "doi", F_DOI},         {FMT_ARXIV, "license", F_LICENSE},
    {FMT_ARXIV, "abstract", F_ABSTRACT},
    {FMT_RAW, "id", F_ID},             {FMT_RAW, "submitter", F_SUBMITTER},
    {FMT_RAW, "title", F_TITLE},       {FMT_RAW, "authors", F_AUTHORS},
    {FMT_RAW, "categories", F_CATEGORIES},
    {FMT_RAW, "comments", F_COMMENTS}, {FMT_RAW, "journal-ref", F_JOURNAL},
    {FMT_RAW, "doi", F_DOI},           {FMT_RAW, "license", F_LICENSE},
    {FMT_RAW, "abstract", F_ABSTRACT},
    {FMT_DC, "title", F_TITLE},        {FMT_DC, "creator", F_CREATOR},
    {FMT_DC, "subject", F_SUBJECT},    {FMT_DC, "description", F_DESCRIPTION},
    {FMT_DC, "date", F_DATE},          {FMT_DC, "identifier", F_IDENTIFIER},
    {FMT_DC, "rights", F_LICENSE},
};

struct oai {
    XML_Parser xp;
    const char *name;
    const struct pb_sink *sink;
    struct pb_err *err; /* never NULL: the caller's or own_err */
    struct pb_err own_err;
    struct pb_oai_info *info; /* never NULL: the caller's or own_info */
    struct pb_oai_info own_info;
    int oai_rc;              /* PB_EPARSE after an OAI error other than
                                noRecordsMatch */
    struct pb_err oai_err;
    uint64_t fed;
    uint64_t depth;
    /* depths of open elements; 0 when not open */
    uint64_t rec_depth, hdr_depth, md_depth, meta_depth, author_depth,
        version_depth;
    enum fmt fmt;       /* of the record */
    enum fmt parse_fmt; /* of the metadata root being parsed */
    struct pb_srcpos pos;
    struct pb_paper p;
    int deleted;
    char *hdr_id, *meta_id;
    char *keyname, *forenames, *suffix; /* of the open arXiv <author> */
    int cur_version, max_version, min_version, upd_version, n_vdates;
    int64_t v_first_date; /* date of the lowest version seen */
    int64_t dc_first, dc_last;
    struct pb_strlist cats; /* dc:subject codes */
    enum field field;
    uint64_t field_depth;
    struct pb_buf text;
    uint64_t text_len;
    int text_over;
    char err_code[PB_OAI_CODE_MAX]; /* of the open <error> */
    char why[256];
    int rc;
    char stop_why[256];
};

/* --- small helpers --------------------------------------------------------- */

static int has_ns(const XML_Char *name, const char *ns)
{
    size_t k = strlen(ns);
    return strncmp(name, ns, k) == 0 && name[k] == NS_SEP;
}

/* Trimmed slice of s[0..n) (a borrowed view, nothing written). */
static const char *trim_view(const char *s, size_t *n)
{
    while (*n && pb_xml_is_space(*s))
        s++, (*n)--;
    while (*n && pb_xml_is_space(s[*n - 1]))
        (*n)--;
    return s;
}

/* Non-negative decimal; -1 when s is not one (or does not fit). */
static int64_t parse_count(const char *s)
{
    int64_t v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static void reason(struct oai *a, const char *fmt, ...) PB_PRINTF(2, 3);
static void reason(struct oai *a, const char *fmt, ...)
{
    if (a->why[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->why, sizeof a->why, fmt, ap);
    va_end(ap);
}

static void stop(struct oai *a, int rc, const char *fmt, ...) PB_PRINTF(3, 4);
static void stop(struct oai *a, int rc, const char *fmt, ...)
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

static struct pb_srcpos here(struct oai *a)
{
    XML_Index at = XML_GetCurrentByteIndex(a->xp);
    struct pb_srcpos pos = {
        .file = a->name,
        .line = XML_GetCurrentLineNumber(a->xp),
        .offset = at >= 0 ? (uint64_t)at : a->fed,
        .entry = a->rec_depth ? a->info->n_records : 0,
    };
    return pos;
}

/* --- authors --------------------------------------------------------------- */

/* Push "first last suffix" (parts may be NULL or empty). */
static void push_name(struct oai *a, const char *first, const char *last,
                      const char *suffix)
{
    const char *parts[3] = {first, last, suffix};
    struct pb_buf b;
    pb_buf_init(&b, PB_MAX_NAME);
    int rc = PB_OK;
    for (int i = 0; i < 3 && !rc; i++) {
        if (!parts[i] || !parts[i][0])
            continue;
        if (b.len)
            rc = pb_buf_putc(&b, ' ');
        if (!rc)
            rc = pb_buf_puts(&b, parts[i]);
    }
    if (rc)
        reason(a, "an author name is over the %d-byte limit", PB_MAX_NAME);
    else if (b.len && a->p.authors.n >= PB_MAX_AUTHORS)
        reason(a, "over %d authors", PB_MAX_AUTHORS);
    else if (b.len)
        pb_strlist_push(&a->p.authors, b.p, b.len);
    pb_buf_clear(&b);
}

/* dc:creator "Surname, Forenames[, Suffix]"; s is tidied and writable. */
static void push_creator(struct oai *a, char *s)
{
    char *c1 = strchr(s, ',');
    if (!c1) {
        push_name(a, NULL, s, NULL);
        return;
    }
    *c1 = '\0';
    char *first = c1 + 1, *suffix = NULL;
    char *c2 = strchr(first, ',');
    if (c2) {
        *c2 = '\0';
        suffix = c2 + 1;
        pb_xml_tidy(suffix, strlen(suffix), 1);
    }
    pb_xml_tidy(first, strlen(first), 1);
    pb_xml_tidy(s, strlen(s), 1);
    push_name(a, first, s, suffix);
}

static void author_end(struct oai *a)
{
    a->author_depth = 0;
    push_name(a, a->forenames, a->keyname, a->suffix);
    free(a->keyname);
    free(a->forenames);
    free(a->suffix);
    a->keyname = a->forenames = a->suffix = NULL;
}

/* --- records --------------------------------------------------------------- */

static void record_reset(struct oai *a)
{
    pb_paper_clear(&a->p);
    free(a->hdr_id);
    free(a->meta_id);
    free(a->keyname);
    free(a->forenames);
    free(a->suffix);
    a->hdr_id = a->meta_id = a->keyname = a->forenames = a->suffix = NULL;
    pb_strlist_clear(&a->cats);
    a->rec_depth = a->hdr_depth = a->md_depth = a->meta_depth = 0;
    a->author_depth = a->version_depth = 0;
    a->fmt = a->parse_fmt = FMT_NONE;
    a->deleted = 0;
    a->cur_version = a->max_version = a->min_version = 0;
    a->upd_version = a->n_vdates = 0;
    a->v_first_date = 0;
    a->dc_first = a->dc_last = 0;
    a->why[0] = '\0';
    a->field = F_NONE;
    pb_buf_clear(&a->text);
}

static void record_begin(struct oai *a)
{
    record_reset(a);
    a->rec_depth = a->depth;
    a->info->n_records++;
    a->pos = here(a);
}

/* Canonical id from the metadata's id, else the header's identifier. */
static int record_id(struct oai *a)
{
    const char *raw = a->meta_id ? a->meta_id : a->hdr_id;
    int version = 0;
    if (!raw) {
        reason(a, "record has no identifier");
        return PB_EINVAL;
    }
    if (pb_arxiv_id_parse(raw, strlen(raw), a->p.id, &version) != PB_OK) {
        reason(a, "identifier \"%.80s\" is not an arXiv id", raw);
        return PB_EINVAL;
    }
    if (version > a->p.version)
        a->p.version = version;
    return PB_OK;
}

static void join_cats(struct oai *a)
{
    if (!a->cats.n || a->p.categories)
        return;
    a->p.categories = pb_strlist_join(&a->cats, ' ');
}

/* Everything that needs the whole record; may set why. */
static void record_complete(struct oai *a)
{
    struct pb_paper *p = &a->p;
    if (a->deleted) {
        /* only the id survives: title == NULL tells the driver "deleted" */
        pb_paper_clear(p);
        if (record_id(a) == PB_OK)
            p->sources |= PB_SRC_OAI;
        return;
    }
    if (a->fmt == FMT_NONE) {
        reason(a, "record has no metadata");
        return;
    }
    if (a->fmt == FMT_OTHER) {
        reason(a, "metadata format is not arXiv, arXivRaw or oai_dc");
        return;
    }
    if (record_id(a) != PB_OK)
        return;
    if (!p->title) {
        reason(a, "record has no title");
        return;
    }
    if (a->fmt == FMT_RAW) {
        if (a->max_version > p->version)
            p->version = a->max_version;
        if (a->v_first_date)
            p->published = a->v_first_date;
    }
    if (a->fmt == FMT_DC) {
        p->published = a->dc_first;
        if (a->dc_last != a->dc_first)
            p->updated = a->dc_last;
        join_cats(a);
    }
    p->sources |= PB_SRC_OAI;
    pb_paper_extract_links(p);
}

static void record_end(struct oai *a)
{
    int rc = PB_OK;
    if (!a->why[0])
        record_complete(a);
    if (a->why[0]) {
        a->sink->reject(a->sink->ctx, &a->pos, a->why);
    } else {
        if (a->deleted)
            a->info->n_deleted++;
        rc = a->sink->paper(a->sink->ctx, &a->p, &a->pos);
    }
    record_reset(a);
    if (rc)
        stop(a, rc, "%s", "");
}

/* --- text fields ----------------------------------------------------------- */

static void field_begin(struct oai *a, enum field f)
{
    a->field = f;
    a->field_depth = a->depth;
    pb_buf_init(&a->text, fields[f].cap * 2 + 1024);
    a->text_len = 0;
    a->text_over = 0;
}

static void set_date(struct oai *a, int64_t *slot, enum field f,
                     const char *s, size_t n)
{
    if (pb_date_parse(s, n, slot) != PB_OK)
        reason(a, "%s \"%.40s\" is not a date", fields[f].label, s);
}

static void store_version_date(struct oai *a, const char *s, size_t n)
{
    int64_t t = 0;
    set_date(a, &t, F_VDATE, s, n);
    if (a->why[0])
        return;
    /* the lowest version gives published, the highest updated; a version
     * without a number counts as coming after those seen */
    int v = a->cur_version;
    if (!a->n_vdates || (v && v < a->min_version)) {
        a->v_first_date = t;
        a->min_version = v;
    }
    if (!a->n_vdates || !v || v >= a->upd_version) {
        a->p.updated = t;
        a->upd_version = v;
    }
    a->n_vdates++;
}

static void store_dc_date(struct oai *a, const char *s, size_t n)
{
    int64_t t = 0;
    set_date(a, &t, F_DATE, s, n);
    if (a->why[0])
        return;
    if (!a->dc_first || t < a->dc_first)
        a->dc_first = t;
    if (!a->dc_last || t > a->dc_last)
        a->dc_last = t;
}

static void store_description(struct oai *a, const char *s, size_t n)
{
    if (n >= 8 && strncasecmp(s, "Comment:", 8) == 0) {
        size_t k = n - 8;
        char *c = pb_strndup(s + 8, k);
        k = pb_xml_tidy(c, k, 1);
        if (k && !a->p.comments)
            pb_str_set(&a->p.comments, c, k);
        free(c);
    } else if (!a->p.abstract) {
        pb_str_set(&a->p.abstract, s, n);
    }
}

static void store_identifier(struct oai *a, const char *s, size_t n)
{
    char id[PB_MAX_ID];
    int v = 0;
    if (n > 4 && strncasecmp(s, "doi:", 4) == 0) {
        size_t k = n - 4;
        const char *d = trim_view(s + 4, &k);
        if (k && !a->p.doi)
            pb_str_set(&a->p.doi, d, k);
    } else if (strncasecmp(s, "http", 4) == 0) {
        if (!a->meta_id && pb_arxiv_id_parse(s, n, id, &v) == PB_OK)
            a->meta_id = pb_strndup(s, n);
    } else if (!a->p.journal_ref) {
        pb_str_set(&a->p.journal_ref, s, n);
    }
}

static void store_oai(struct oai *a, enum field f, const char *s, size_t n)
{
    struct pb_oai_info *in = a->info;
    switch (f) {
    case F_RESPDATE:
        if (pb_date_parse(s, n, &in->response_date) != PB_OK)
            in->response_date = 0;
        break;
    case F_TOKEN: copy_str(in->resumption_token, PB_OAI_TOKEN_MAX, s, n); break;
    case F_ERROR:
        if (!in->error_code[0]) {
            copy_str(in->error_code, PB_OAI_CODE_MAX, a->err_code,
                     strlen(a->err_code));
            copy_str(in->error_text, PB_OAI_TEXT_MAX, s, n);
        }
        if (strcmp(a->err_code, "noRecordsMatch") != 0) {
            struct pb_srcpos pos = here(a);
            char msg[256];
            snprintf(msg, sizeof msg, "OAI-PMH error %s: %.*s", a->err_code,
                     (int)(n > 200 ? 200 : n), s);
            a->sink->reject(a->sink->ctx, &pos, msg);
            if (!a->oai_rc) {
                a->oai_rc = PB_EPARSE;
                pb_err_set(&a->oai_err, PB_EPARSE, "%s:%" PRIu64 ": %s",
                           a->name, pos.line, msg);
            }
        }
        break;
    case F_HDR_ID:
        free(a->hdr_id);
        a->hdr_id = pb_strndup(s, n);
        break;
    default: break;
    }
}

static void store_meta(struct oai *a, enum field f, char *s, size_t n)
{
    struct pb_paper *p = &a->p;
    switch (f) {
    case F_ID:
        free(a->meta_id);
        a->meta_id = pb_strndup(s, n);
        break;
    case F_TITLE: pb_str_set(&p->title, s, n); break;
    case F_ABSTRACT: pb_str_set(&p->abstract, s, n); break;
    case F_CATEGORIES: pb_str_set(&p->categories, s, n); break;
    case F_COMMENTS: pb_str_set(&p->comments, s, n); break;
    case F_JOURNAL: pb_str_set(&p->journal_ref, s, n); break;
    case F_DOI: pb_str_set(&p->doi, s, n); break;
    case F_LICENSE: pb_str_set(&p->license, s, n); break;
    case F_SUBMITTER: pb_str_set(&p->submitter, s, n); break;
    case F_CREATED: set_date(a, &p->published, f, s, n); break;
    case F_UPDATED: set_date(a, &p->updated, f, s, n); break;
    case F_AUTHORS:
        pb_ingest_split_authors(&p->authors, s, n);
        if (p->authors.n > PB_MAX_AUTHORS)
            reason(a, "%zu authors, over the limit of %d", p->authors.n,
                   PB_MAX_AUTHORS);
        break;
    case F_KEYNAME: pb_str_set(&a->keyname, s, n); break;
    case F_FORENAMES: pb_str_set(&a->forenames, s, n); break;
    case F_SUFFIX: pb_str_set(&a->suffix, s, n); break;
    case F_VDATE: store_version_date(a, s, n); break;
    case F_CREATOR: push_creator(a, s); break;
    case F_SUBJECT:
        if (pb_xml_is_arxiv_category(s) && a->cats.n < MAX_CATS)
            pb_strlist_push(&a->cats, s, n);
        break;
    case F_DESCRIPTION: store_description(a, s, n); break;
    case F_DATE: store_dc_date(a, s, n); break;
    case F_IDENTIFIER: store_identifier(a, s, n); break;
    default: store_oai(a, f, s, n); break;
    }
}

static void field_end(struct oai *a)
{
    enum field f = a->field;
    a->field = F_NONE;
    size_t n = a->text.len;
    char *s = a->text.p ? a->text.p : (char *)"";
    if (!a->text_over && a->text.p)
        n = pb_xml_tidy(s, n, fields[f].collapse);
    int over = a->text_over || n > fields[f].cap;
    uint64_t len = a->text_over ? a->text_len : (uint64_t)n;
    if (over && f == F_TOKEN) {
        stop(a, PB_ETOOBIG, "resumptionToken is %" PRIu64
             " bytes, over the %zu-byte limit", len, fields[f].cap);
    } else if (over && f == F_ERROR) {
        store_oai(a, f, s, n > fields[f].cap ? fields[f].cap : n);
    } else if (over && a->rec_depth) {
        reason(a, "%s is %" PRIu64 " bytes, over the %zu-byte limit",
               fields[f].label, len, fields[f].cap);
    } else if (!over && (n > 0 || f == F_ERROR)) {
        store_meta(a, f, s, n);
    }
    pb_buf_clear(&a->text);
}

/* --- expat handlers -------------------------------------------------------- */

static enum fmt detect_fmt(const XML_Char *name)
{
    const char *local = pb_xml_local_name(name);
    if (has_ns(name, NS_ARXIV))
        return FMT_ARXIV;
    if (has_ns(name, NS_RAW))
        return FMT_RAW;
    if (has_ns(name, NS_OAI_DC))
        return FMT_DC;
    /* lenient about the namespace, not about the element */
    if (strcmp(local, "arXiv") == 0)
        return FMT_ARXIV;
    if (strcmp(local, "arXivRaw") == 0)
        return FMT_RAW;
    if (strcmp(local, "dc") == 0)
        return FMT_DC;
    return FMT_OTHER;
}

static enum field meta_field(enum fmt fmt, const char *local)
{
    for (size_t i = 0; i < sizeof meta_map / sizeof meta_map[0]; i++)
        if (meta_map[i].fmt == fmt && strcmp(meta_map[i].elem, local) == 0)
            return meta_map[i].f;
    return F_NONE;
}

static int version_number(const char *s)
{
    if (!s || (*s != 'v' && *s != 'V'))
        return 0;
    int64_t v = parse_count(s + 1);
    return v > 0 && v < 100000 ? (int)v : 0;
}

static void top_start(struct oai *a, const char *local, const XML_Char **attr)
{
    struct pb_oai_info *in = a->info;
    if (strcmp(local, "record") == 0) {
        record_begin(a);
    } else if (strcmp(local, "resumptionToken") == 0) {
        in->has_token = 1;
        in->resumption_token[0] = '\0';
        in->cursor = parse_count(pb_xml_attr(attr, "cursor"));
        in->complete_list_size = parse_count(pb_xml_attr(attr, "completeListSize"));
        field_begin(a, F_TOKEN);
    } else if (strcmp(local, "error") == 0) {
        const char *code = pb_xml_attr(attr, "code");
        if (!code || !code[0])
            code = "unknown";
        copy_str(a->err_code, sizeof a->err_code, code, strlen(code));
        field_begin(a, F_ERROR);
    } else if (strcmp(local, "responseDate") == 0) {
        field_begin(a, F_RESPDATE);
    }
}

static void record_start(struct oai *a, const XML_Char *name,
                         const char *local, const XML_Char **attr)
{
    uint64_t rel = a->depth - a->rec_depth;
    if (rel == 1 && strcmp(local, "header") == 0) {
        const char *st = pb_xml_attr(attr, "status");
        a->hdr_depth = a->depth;
        if (st && strcmp(st, "deleted") == 0)
            a->deleted = 1;
    } else if (rel == 2 && a->hdr_depth && strcmp(local, "identifier") == 0) {
        field_begin(a, F_HDR_ID);
    } else if (rel == 1 && strcmp(local, "metadata") == 0) {
        a->md_depth = a->depth;
    } else if (rel == 2 && a->md_depth) {
        a->meta_depth = a->depth;
        /* one metadata root per record; a second one is skipped */
        a->parse_fmt = a->fmt == FMT_NONE ? detect_fmt(name) : FMT_OTHER;
        if (a->fmt == FMT_NONE)
            a->fmt = a->parse_fmt;
    }
}

static void meta_start(struct oai *a, const char *local, const XML_Char **attr)
{
    uint64_t rel = a->depth - a->meta_depth;
    enum fmt fmt = a->parse_fmt;
    if (rel == 1 && fmt == FMT_RAW && strcmp(local, "version") == 0) {
        a->version_depth = a->depth;
        a->cur_version = version_number(pb_xml_attr(attr, "version"));
        if (a->cur_version > a->max_version)
            a->max_version = a->cur_version;
    } else if (rel == 1) {
        enum field f = meta_field(fmt, local);
        if (f != F_NONE)
            field_begin(a, f);
    } else if (rel == 2 && fmt == FMT_ARXIV && strcmp(local, "author") == 0) {
        a->author_depth = a->depth;
    } else if (rel == 3 && a->author_depth) {
        if (strcmp(local, "keyname") == 0)
            field_begin(a, F_KEYNAME);
        else if (strcmp(local, "forenames") == 0)
            field_begin(a, F_FORENAMES);
        else if (strcmp(local, "suffix") == 0)
            field_begin(a, F_SUFFIX);
    } else if (rel == 2 && a->version_depth && strcmp(local, "date") == 0) {
        field_begin(a, F_VDATE);
    }
}

static void on_start(void *u, const XML_Char *name, const XML_Char **attr)
{
    struct oai *a = u;
    const char *local = pb_xml_local_name(name);
    a->depth++;
    if (a->field != F_NONE)
        return; /* markup inside a text field: its text joins the field */
    if (a->meta_depth)
        meta_start(a, local, attr);
    else if (a->rec_depth)
        record_start(a, name, local, attr);
    else
        top_start(a, local, attr);
}

static void on_end(void *u, const XML_Char *name)
{
    struct oai *a = u;
    uint64_t d = a->depth;
    (void)name;
    if (a->field != F_NONE && d == a->field_depth) {
        field_end(a);
    } else if (d == a->author_depth) {
        author_end(a);
    } else if (d == a->version_depth) {
        a->version_depth = 0;
        a->cur_version = 0;
    } else if (d == a->meta_depth) {
        a->meta_depth = 0;
        a->parse_fmt = FMT_NONE;
    } else if (d == a->md_depth) {
        a->md_depth = 0;
    } else if (d == a->hdr_depth) {
        a->hdr_depth = 0;
    } else if (d == a->rec_depth) {
        record_end(a);
    }
    a->depth--;
}

static void on_text(void *u, const XML_Char *s, int len)
{
    struct oai *a = u;
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

static int doc_fail(struct oai *a, int rc, const char *msg)
{
    struct pb_srcpos pos = here(a);
    a->sink->reject(a->sink->ctx, &pos, msg);
    return pb_err_set(a->err, rc, "%s:%" PRIu64 ": %s", a->name, pos.line,
                      msg);
}

static int xml_error(struct oai *a)
{
    char msg[256];
    enum XML_Error code = XML_GetErrorCode(a->xp);
    snprintf(msg, sizeof msg, "XML error at line %lu, column %lu: %s%s",
             (unsigned long)XML_GetCurrentLineNumber(a->xp),
             (unsigned long)XML_GetCurrentColumnNumber(a->xp) + 1,
             XML_ErrorString(code),
             a->rec_depth ? " (the record in progress is dropped)" : "");
    return doc_fail(a, code == XML_ERROR_NO_MEMORY ? PB_ENOMEM : PB_EPARSE,
                    msg);
}

static int stopped(struct oai *a)
{
    if (a->stop_why[0])
        return doc_fail(a, a->rc, a->stop_why);
    return pb_err_set(a->err, a->rc,
                      "%s: record %" PRIu64 ": import stopped: %s", a->name,
                      a->info->n_records, pb_strerror(a->rc));
}

static int drive(struct oai *a, struct pb_reader *r)
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

void pb_oai_info_init(struct pb_oai_info *info)
{
    memset(info, 0, sizeof *info);
    info->cursor = -1;
    info->complete_list_size = -1;
}

int pb_ingest_oai_ex(struct pb_reader *r, const char *name,
                     const struct pb_sink *s, struct pb_oai_info *out_info,
                     struct pb_err *err)
{
    struct oai *a = pb_calloc(1, sizeof *a); /* ~1.6 KiB: keep off stack */
    a->name = name ? name : "(oai)";
    a->sink = s;
    a->err = err ? err : &a->own_err;
    a->info = out_info ? out_info : &a->own_info;
    pb_err_clear(a->err);
    pb_oai_info_init(a->info);
    pb_paper_init(&a->p);
    int rc = PB_OK;
    a->xp = XML_ParserCreateNS(NULL, NS_SEP);
    if (!a->xp) {
        rc = pb_err_set(a->err, PB_ENOMEM, "%s: cannot create XML parser",
                        a->name);
        goto out;
    }
    XML_SetUserData(a->xp, a);
    XML_SetElementHandler(a->xp, on_start, on_end);
    XML_SetCharacterDataHandler(a->xp, on_text);
    XML_SetEntityDeclHandler(a->xp, on_entity_decl);
    pb_xml_no_reparse_deferral(a->xp);
    rc = drive(a, r);
    if (rc == PB_OK && a->oai_rc) {
        rc = a->oai_rc;
        pb_err_set(a->err, rc, "%s", a->oai_err.msg);
    }
out:
    record_reset(a);
    if (a->xp)
        XML_ParserFree(a->xp);
    free(a);
    return rc;
}

int pb_ingest_oai(struct pb_reader *r, const char *name,
                  const struct pb_sink *s, struct pb_err *err)
{
    return pb_ingest_oai_ex(r, name, s, NULL, err);
}
