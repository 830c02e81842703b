/*
 * test_ingest_xml.c - the arXiv API Atom and OAI-PMH importers, on
 * hand-written documents in the formats arXiv serves.
 */
#include "harness.h"

#include "core/buf.h"
#include "ingest/ingest.h"
#include "ingest/oai.h"
#include "ingest/reader.h"

#define MAX_KEEP 64
#define MAX_REJ 16

/* A sink that keeps what it is given. */
struct got {
    struct pb_paper p[MAX_KEEP];
    struct pb_srcpos pos[MAX_KEEP];
    size_t n;         /* papers delivered (all, also past MAX_KEEP) */
    char rej[MAX_REJ][256];
    struct pb_srcpos rpos[MAX_REJ];
    size_t n_rej;
    size_t stop_after; /* answer PB_EINTR to paper number stop_after */
};

static int on_paper(void *ctx, struct pb_paper *p, const struct pb_srcpos *pos)
{
    struct got *g = ctx;
    size_t i = g->n++;
    if (i < MAX_KEEP) {
        pb_paper_move(&g->p[i], p);
        g->pos[i] = *pos;
    } else {
        pb_paper_clear(p);
    }
    return g->stop_after && g->n == g->stop_after ? PB_EINTR : PB_OK;
}

static void on_reject(void *ctx, const struct pb_srcpos *pos,
                      const char *reason)
{
    struct got *g = ctx;
    if (g->n_rej < MAX_REJ) {
        snprintf(g->rej[g->n_rej], sizeof g->rej[0], "%s", reason);
        g->rpos[g->n_rej] = *pos;
    }
    g->n_rej++;
}

static struct got *got_new(void)
{
    struct got *g = calloc(1, sizeof *g);
    for (size_t i = 0; i < MAX_KEEP; i++)
        pb_paper_init(&g->p[i]);
    return g;
}

static void got_free(struct got *g)
{
    for (size_t i = 0; i < MAX_KEEP; i++)
        pb_paper_clear(&g->p[i]);
    free(g);
}

enum which { ATOM, OAI };

static int run(enum which w, const char *doc, size_t len, struct got *g,
               struct pb_oai_info *info, struct pb_err *err)
{
    struct pb_reader *r = NULL;
    struct pb_sink s = {on_paper, on_reject, g};
    if (pb_reader_open_mem(doc, len, &r, err) != PB_OK)
        return -1;
    int rc = w == ATOM ? pb_ingest_atom(r, "t.xml", &s, err)
                       : pb_ingest_oai_ex(r, "t.xml", &s, info, err);
    pb_reader_free(r);
    return rc;
}

static int has(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

/* 1-based line and byte offset of the n-th (1-based) occurrence of tag. */
static void where(const char *doc, const char *tag, int n, uint64_t *line,
                  uint64_t *off)
{
    const char *p = doc;
    for (int i = 0; i < n; i++, p++)
        p = strstr(p, tag);
    p--;
    *line = 1;
    for (const char *c = doc; c < p; c++)
        *line += *c == '\n';
    *off = (uint64_t)(p - doc);
}

/* --- Atom ------------------------------------------------------------------ */

#define ATOM_HEAD                                                            \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                          \
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"                        \
    "  <link href=\"http://arxiv.org/api/query?search_query%3D%26id_list%"  \
    "3D2504.08385%2Chep-th%2F9901001%26start%3D0%26max_results%3D10\" "     \
    "rel=\"self\" type=\"application/atom+xml\"/>\n"                        \
    "  <title type=\"html\">ArXiv Query: search_query=&amp;id_list=2504."   \
    "08385,hep-th/9901001&amp;start=0&amp;max_results=10</title>\n"         \
    "  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>\n"         \
    "  <updated>2025-04-20T00:00:00-04:00</updated>\n"                      \
    "  <opensearch:totalResults xmlns:opensearch=\"http://a9.com/-/spec/"   \
    "opensearch/1.1/\">2</opensearch:totalResults>\n"                       \
    "  <opensearch:startIndex xmlns:opensearch=\"http://a9.com/-/spec/"     \
    "opensearch/1.1/\">0</opensearch:startIndex>\n"                         \
    "  <opensearch:itemsPerPage xmlns:opensearch=\"http://a9.com/-/spec/"   \
    "opensearch/1.1/\">10</opensearch:itemsPerPage>\n"

#define ATOM_ENTRY1                                                          \
    "  <entry>\n"                                                            \
    "    <id>http://arxiv.org/abs/2504.08385v2</id>\n"                       \
    "    <updated>2025-04-15T09:12:45Z</updated>\n"                          \
    "    <published>2025-04-11T09:49:40Z</published>\n"                     \
    "    <title>Scaling Laws for Sparse Mixture-of-Experts\n"                \
    "  Language Models</title>\n"                                           \
    "    <summary>  We study how sparse mixture-of-experts models scale.\n"  \
    "Code is at https://github.com/example/smoe .\n"                        \
    "</summary>\n"                                                           \
    "    <author>\n"                                                         \
    "      <name>Ada Lovelace</name>\n"                                      \
    "      <arxiv:affiliation xmlns:arxiv=\"http://arxiv.org/schemas/atom\">" \
    "Analytical Engine Lab</arxiv:affiliation>\n"                           \
    "    </author>\n"                                                        \
    "    <author>\n"                                                         \
    "      <name>Alan\n        Turing</name>\n"                              \
    "    </author>\n"                                                        \
    "    <arxiv:doi xmlns:arxiv=\"http://arxiv.org/schemas/atom\">"          \
    "10.1000/xyz123</arxiv:doi>\n"                                          \
    "    <link title=\"doi\" href=\"http://dx.doi.org/10.1000/xyz123\" "     \
    "rel=\"related\"/>\n"                                                    \
    "    <arxiv:comment xmlns:arxiv=\"http://arxiv.org/schemas/atom\">"      \
    "12 pages,\n  4 figures</arxiv:comment>\n"                              \
    "    <arxiv:journal_ref xmlns:arxiv=\"http://arxiv.org/schemas/atom\">"  \
    "J. Mach. Learn. Res. 26 (2025) 1-12</arxiv:journal_ref>\n"             \
    "    <link href=\"http://arxiv.org/abs/2504.08385v2\" rel=\"alternate\" " \
    "type=\"text/html\"/>\n"                                                 \
    "    <link title=\"pdf\" href=\"http://arxiv.org/pdf/2504.08385v2\" "    \
    "rel=\"related\" type=\"application/pdf\"/>\n"                          \
    "    <arxiv:primary_category xmlns:arxiv=\"http://arxiv.org/schemas/"    \
    "atom\" term=\"cs.LG\" scheme=\"http://arxiv.org/schemas/atom\"/>\n"     \
    "    <category term=\"cs.CL\" scheme=\"http://arxiv.org/schemas/atom\"/>\n" \
    "    <category term=\"cs.LG\" scheme=\"http://arxiv.org/schemas/atom\"/>\n" \
    "    <category term=\"I.2.7\" scheme=\"http://arxiv.org/schemas/atom\"/>\n" \
    "  </entry>\n"

#define ATOM_ENTRY2                                                          \
    "  <entry>\n"                                                            \
    "    <id>http://arxiv.org/abs/hep-th/9901001v1</id>\n"                   \
    "    <updated>1999-01-04T18:00:01Z</updated>\n"                          \
    "    <published>1999-01-04T18:00:01Z</published>\n"                     \
    "    <title>A Note on Strings &amp; Branes</title>\n"                    \
    "    <summary>Short.</summary>\n"                                        \
    "    <author>\n      <name>E. Witten</name>\n    </author>\n"            \
    "    <arxiv:primary_category xmlns:arxiv=\"http://arxiv.org/schemas/"    \
    "atom\" term=\"hep-th\" scheme=\"http://arxiv.org/schemas/atom\"/>\n"    \
    "    <category term=\"hep-th\" scheme=\"http://arxiv.org/schemas/atom\"/>\n" \
    "    <category term=\"gr-qc\" scheme=\"http://arxiv.org/schemas/atom\"/>\n" \
    "  </entry>\n"

static const char atom_doc[] = ATOM_HEAD ATOM_ENTRY1 ATOM_ENTRY2 "</feed>\n";

static void t_atom_fields(void)
{
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(ATOM, atom_doc, sizeof atom_doc - 1, g, NULL, &err), PB_OK);
    CHECK_EQ(g->n, 2);
    CHECK_EQ(g->n_rej, 0);
    struct pb_paper *p = &g->p[0];
    CHECK_STR(p->id, "2504.08385");
    CHECK_EQ(p->version, 2);
    CHECK_STR(p->title,
              "Scaling Laws for Sparse Mixture-of-Experts Language Models");
    CHECK_STR(p->abstract, "We study how sparse mixture-of-experts models "
                           "scale.\nCode is at "
                           "https://github.com/example/smoe .");
    CHECK_EQ(p->authors.n, 2);
    if (p->authors.n == 2) {
        CHECK_STR(p->authors.v[0], "Ada Lovelace");
        CHECK_STR(p->authors.v[1], "Alan Turing");
    }
    CHECK_STR(p->categories, "cs.LG cs.CL");
    CHECK_EQ(p->published, 1744364980);
    CHECK_EQ(p->updated, 1744708365);
    CHECK_STR(p->doi, "10.1000/xyz123");
    CHECK_STR(p->comments, "12 pages, 4 figures");
    CHECK_STR(p->journal_ref, "J. Mach. Learn. Res. 26 (2025) 1-12");
    CHECK_EQ(p->sources, PB_SRC_ATOM);
    CHECK_EQ(p->links.n, 1);
    if (p->links.n == 1)
        CHECK(has(p->links.v[0], "github.com/example/smoe"));
    CHECK(p->license == NULL);
    CHECK_EQ(p->upvotes, -1);

    p = &g->p[1];
    CHECK_STR(p->id, "hep-th/9901001");
    CHECK_EQ(p->version, 1);
    CHECK_STR(p->title, "A Note on Strings & Branes");
    CHECK_STR(p->categories, "hep-th gr-qc");
    CHECK_EQ(p->published, 915472801);
    CHECK(p->doi == NULL && p->comments == NULL);

    uint64_t line, off;
    where(atom_doc, "<entry>", 2, &line, &off);
    CHECK_EQ(g->pos[1].line, line);
    CHECK_EQ(g->pos[1].offset, off);
    CHECK_EQ(g->pos[1].entry, 2);
    CHECK_STR(g->pos[1].file, "t.xml");
    got_free(g);
}

static void t_atom_api_error(void)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
        "  <link href=\"http://arxiv.org/api/query?search_query%3D%26id_list"
        "%3D1234.12345v9%26start%3D0%26max_results%3D10\" rel=\"self\" "
        "type=\"application/atom+xml\"/>\n"
        "  <title type=\"html\">ArXiv Query: search_query=&amp;id_list="
        "1234.12345v9&amp;start=0&amp;max_results=10</title>\n"
        "  <id>http://arxiv.org/api/Xfo7dmtR4xLu1ZP0e7xcYBwTT4s</id>\n"
        "  <updated>2025-04-20T00:00:00-04:00</updated>\n"
        "  <opensearch:totalResults xmlns:opensearch=\"http://a9.com/-/spec/"
        "opensearch/1.1/\">1</opensearch:totalResults>\n"
        "  <entry>\n"
        "    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234."
        "12345v9</id>\n"
        "    <title>Error</title>\n"
        "    <summary>incorrect id format for 1234.12345v9</summary>\n"
        "    <updated>2025-04-20T00:00:00-04:00</updated>\n"
        "    <link href=\"http://arxiv.org/api/errors#incorrect_id_format_"
        "for_1234.12345v9\" rel=\"alternate\" type=\"text/html\"/>\n"
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n"
        "</feed>\n";
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(ATOM, doc, sizeof doc - 1, g, NULL, &err), PB_OK);
    CHECK_EQ(g->n, 0);
    CHECK_EQ(g->n_rej, 1);
    CHECK_STR(g->rej[0],
              "arXiv API error: incorrect id format for 1234.12345v9");
    CHECK_EQ(g->rpos[0].entry, 1);
    got_free(g);
}

static void t_atom_malformed_midstream(void)
{
    static const char doc[] = ATOM_HEAD ATOM_ENTRY1
        "  <entry>\n"
        "    <id>http://arxiv.org/abs/2504.00001v1</id>\n"
        "    <title>Broken</titel>\n"
        "  </entry>\n" ATOM_ENTRY2 "</feed>\n";
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(ATOM, doc, sizeof doc - 1, g, NULL, &err), PB_EPARSE);
    CHECK_EQ(g->n, 1);
    CHECK_STR(g->p[0].id, "2504.08385");
    CHECK_EQ(g->n_rej, 1);
    uint64_t line, off;
    where(doc, "</titel>", 1, &line, &off);
    CHECK_EQ(g->rpos[0].line, line);
    CHECK_EQ(g->rpos[0].entry, 2);
    CHECK(has(g->rej[0], "mismatched tag"));
    CHECK(has(g->rej[0], "XML error at line"));
    CHECK_EQ(err.rc, PB_EPARSE);
    CHECK(has(err.msg, "t.xml:"));
    CHECK(has(err.msg, "mismatched tag"));
    got_free(g);
}

static void t_atom_truncated(void)
{
    static const char full[] = ATOM_HEAD ATOM_ENTRY1 ATOM_ENTRY2 "</feed>\n";
    /* cut in the middle of the second entry's title */
    const char *cut = strstr(full, "A Note on");
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(ATOM, full, (size_t)(cut - full) + 4, g, NULL, &err),
             PB_EPARSE);
    CHECK_EQ(g->n, 1);
    CHECK_EQ(g->n_rej, 1);
    CHECK(has(g->rej[0], "XML error"));
    CHECK(has(g->rej[0], "dropped"));
    CHECK_EQ(err.rc, PB_EPARSE);
    got_free(g);

    /* empty input and input that is not XML at all */
    g = got_new();
    CHECK_EQ(run(ATOM, "", 0, g, NULL, &err), PB_EPARSE);
    CHECK_EQ(g->n_rej, 1);
    CHECK_EQ(run(ATOM, "{\"id\": 1}", 9, g, NULL, NULL), PB_EPARSE);
    CHECK_EQ(g->n, 0);
    got_free(g);
}

/* A document whose first entry's title is title_len bytes. */
static char *atom_big_title(size_t title_len, size_t *out_len)
{
    struct pb_buf b;
    pb_buf_init(&b, 1 << 24);
    int rc = pb_buf_puts(&b, ATOM_HEAD "  <entry>\n    <id>http://arxiv.org/"
                             "abs/2504.00002v1</id>\n    <title>");
    for (size_t i = 0; i < title_len && !rc; i++)
        rc = pb_buf_putc(&b, (char)('a' + i % 26));
    if (!rc)
        rc = pb_buf_puts(&b, "</title>\n  </entry>\n" ATOM_ENTRY2 "</feed>\n");
    CHECK_EQ(rc, PB_OK);
    *out_len = b.len;
    return pb_buf_steal(&b);
}

static void t_atom_title_over_cap(void)
{
    size_t len;
    char *doc = atom_big_title(5000, &len);
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(ATOM, doc, len, g, NULL, &err), PB_OK);
    CHECK_EQ(g->n_rej, 1);
    CHECK_STR(g->rej[0], "title is 5000 bytes, over the 4096-byte limit");
    CHECK_EQ(g->rpos[0].entry, 1);
    CHECK_EQ(g->n, 1);
    CHECK_STR(g->p[0].id, "hep-th/9901001");
    CHECK_EQ(g->pos[0].entry, 2);
    free(doc);
    got_free(g);

    /* far over the capture buffer too: counted, not stored */
    doc = atom_big_title(3 << 20, &len);
    g = got_new();
    CHECK_EQ(run(ATOM, doc, len, g, NULL, &err), PB_OK);
    CHECK_EQ(g->n_rej, 1);
    CHECK_STR(g->rej[0], "title is 3145728 bytes, over the 4096-byte limit");
    CHECK_EQ(g->n, 1);
    free(doc);
    got_free(g);
}

static void t_atom_entities_refused(void)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE feed [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        "]>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
        "<id>http://arxiv.org/abs/2504.08385v1</id><title>&lol2;</title>"
        "</entry></feed>\n";
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(ATOM, doc, sizeof doc - 1, g, NULL, &err), PB_EPARSE);
    CHECK_EQ(g->n, 0);
    CHECK_EQ(g->n_rej, 1);
    CHECK(has(g->rej[0], "entity"));
    CHECK_EQ(g->rpos[0].line, 3);
    got_free(g);
}

static void t_atom_no_title_not_a_delete(void)
{
    /* without a title the driver would take the paper for a deletion */
    static const char doc[] =
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
        "<id>http://arxiv.org/abs/2504.08385v1</id></entry>"
        "<entry><id>not an id</id><title>T</title></entry>"
        "<entry><title>No id at all</title></entry></feed>";
    struct got *g = got_new();
    CHECK_EQ(run(ATOM, doc, sizeof doc - 1, g, NULL, NULL), PB_OK);
    CHECK_EQ(g->n_rej, 2);
    CHECK_STR(g->rej[0], "entry has no title");
    CHECK_STR(g->rej[1], "id \"not an id\" is not an arXiv id");
    CHECK_EQ(g->n, 1);
    CHECK(!strncmp(g->p[0].id, "t-", 2));
    CHECK_STR(g->p[0].title, "No id at all");
    got_free(g);
}

/* A token expat must hold whole (here a 9 MiB attribute) stops the import
 * instead of growing expat's buffer without end. */
static void t_atom_token_over_cap(void)
{
    size_t n = 9u << 20;
    char *doc = malloc(n + 64);
    int k = snprintf(doc, 64, "<feed><entry a='");
    memset(doc + k, 'x', n);
    size_t len = (size_t)k + n;
    memcpy(doc + len, "'/></feed>", 10);
    len += 10;
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(ATOM, doc, len, g, NULL, &err), PB_ETOOBIG);
    CHECK_EQ(g->n_rej, 1);
    CHECK_STR(g->rej[0], "an XML token is over 8388608 bytes");
    CHECK_EQ(g->rpos[0].offset, 6);
    CHECK_EQ(err.rc, PB_ETOOBIG);
    free(doc);
    got_free(g);
}

static void t_atom_sink_stops(void)
{
    struct got *g = got_new();
    struct pb_err err;
    g->stop_after = 1;
    CHECK_EQ(run(ATOM, atom_doc, sizeof atom_doc - 1, g, NULL, &err),
             PB_EINTR);
    CHECK_EQ(g->n, 1);
    CHECK_EQ(g->n_rej, 0);
    CHECK_EQ(err.rc, PB_EINTR);
    got_free(g);
}

/* --- OAI-PMH --------------------------------------------------------------- */

#define OAI_HEAD(verb, prefix)                                               \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                          \
    "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" "              \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "              \
    "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ "            \
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n"                  \
    "<responseDate>2025-04-20T12:00:00Z</responseDate>\n"                   \
    "<request verb=\"" verb "\" metadataPrefix=\"" prefix "\">"             \
    "http://export.arxiv.org/oai2</request>\n"

#define OAI_ARXIV_REC1                                                       \
    "<record>\n"                                                             \
    "<header>\n"                                                             \
    " <identifier>oai:arXiv.org:0704.0001</identifier>\n"                    \
    " <datestamp>2008-11-13</datestamp>\n"                                   \
    " <setSpec>physics:hep-ph</setSpec>\n"                                   \
    "</header>\n"                                                            \
    "<metadata>\n"                                                           \
    " <arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\" xmlns:xsi=\"http://www." \
    "w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://arxiv."  \
    "org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd\">\n"                    \
    " <id>0704.0001</id><created>2007-04-02</created>"                      \
    "<updated>2007-07-24</updated><authors><author><keyname>Bal\xc3\xa1zs"  \
    "</keyname><forenames>C.</forenames></author><author><keyname>Berger"   \
    "</keyname><forenames>E. L.</forenames></author><author><keyname>"      \
    "Nadolsky</keyname><forenames>P. M.</forenames></author><author>"       \
    "<keyname>Yuan</keyname><forenames>C. -P.</forenames></author>"         \
    "</authors><title>Calculation of prompt diphoton production cross "     \
    "sections at Tevatron and\n  LHC energies</title><categories>hep-ph"    \
    "</categories><comments>37 pages, 15 figures; published version"        \
    "</comments><report-no>ANL-HEP-PR-07-12</report-no><journal-ref>"       \
    "Phys.Rev.D76:013009,2007</journal-ref><doi>10.1103/PhysRevD.76.013009" \
    "</doi><license>http://arxiv.org/licenses/nonexclusive-distrib/1.0/"    \
    "</license><abstract>  A fully differential calculation in perturbative" \
    " quantum chromodynamics is\npresented for the production of massive " \
    "photon pairs at hadron colliders.\n</abstract></arXiv>\n"               \
    "</metadata>\n"                                                          \
    "</record>\n"

#define OAI_ARXIV_REC2                                                       \
    "<record>\n"                                                             \
    "<header>\n"                                                             \
    " <identifier>oai:arXiv.org:hep-th/9901001</identifier>\n"               \
    " <datestamp>2009-10-31</datestamp>\n"                                   \
    " <setSpec>physics:hep-th</setSpec>\n"                                   \
    "</header>\n"                                                            \
    "<metadata>\n"                                                           \
    " <arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\">\n"                       \
    " <id>hep-th/9901001</id><created>1999-01-04</created><authors>"        \
    "<author><keyname>Smith</keyname><forenames>John</forenames><suffix>"   \
    "Jr</suffix><affiliation>Princeton</affiliation></author><author>"      \
    "<keyname>Collaboration</keyname></author></authors><title>Old Style"   \
    "</title><categories>hep-th gr-qc</categories><abstract>Text."          \
    "</abstract></arXiv>\n"                                                  \
    "</metadata>\n"                                                          \
    "</record>\n"

#define OAI_DELETED                                                          \
    "<record>\n"                                                             \
    "<header status=\"deleted\">\n"                                          \
    " <identifier>oai:arXiv.org:0704.0002</identifier>\n"                    \
    " <datestamp>2025-04-19</datestamp>\n"                                   \
    " <setSpec>cs</setSpec>\n"                                               \
    "</header>\n"                                                            \
    "</record>\n"

static const char oai_arxiv_doc[] =
    OAI_HEAD("ListRecords", "arXiv") "<ListRecords>\n" OAI_ARXIV_REC1
        OAI_DELETED OAI_ARXIV_REC2
    "<resumptionToken cursor=\"0\" completeListSize=\"2541\">"
    "7107029|1001</resumptionToken>\n"
    "</ListRecords>\n</OAI-PMH>\n";

static void t_oai_arxiv(void)
{
    struct got *g = got_new();
    struct pb_err err;
    struct pb_oai_info info;
    CHECK_EQ(run(OAI, oai_arxiv_doc, sizeof oai_arxiv_doc - 1, g, &info,
                 &err),
             PB_OK);
    CHECK_EQ(g->n_rej, 0);
    CHECK_EQ(g->n, 3);
    struct pb_paper *p = &g->p[0];
    CHECK_STR(p->id, "0704.0001");
    CHECK_EQ(p->version, 0);
    CHECK_STR(p->title, "Calculation of prompt diphoton production cross "
                        "sections at Tevatron and LHC energies");
    CHECK_STR(p->abstract, "A fully differential calculation in "
                           "perturbative quantum chromodynamics is\n"
                           "presented for the production of massive photon "
                           "pairs at hadron colliders.");
    CHECK_EQ(p->authors.n, 4);
    if (p->authors.n == 4) {
        CHECK_STR(p->authors.v[0], "C. Bal\xc3\xa1zs");
        CHECK_STR(p->authors.v[1], "E. L. Berger");
        CHECK_STR(p->authors.v[2], "P. M. Nadolsky");
        CHECK_STR(p->authors.v[3], "C. -P. Yuan");
    }
    CHECK_STR(p->categories, "hep-ph");
    CHECK_EQ(p->published, 1175472000);
    CHECK_EQ(p->updated, 1185235200);
    CHECK_STR(p->comments, "37 pages, 15 figures; published version");
    CHECK_STR(p->journal_ref, "Phys.Rev.D76:013009,2007");
    CHECK_STR(p->doi, "10.1103/PhysRevD.76.013009");
    CHECK_STR(p->license, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/");
    CHECK_EQ(p->sources, PB_SRC_OAI);

    /* deleted: only the id */
    p = &g->p[1];
    CHECK_STR(p->id, "0704.0002");
    CHECK(p->title == NULL && p->abstract == NULL);
    CHECK(p->authors.n == 0 && p->categories == NULL);
    CHECK_EQ(p->sources, PB_SRC_OAI);
    CHECK_EQ(g->pos[1].entry, 2);

    p = &g->p[2];
    CHECK_STR(p->id, "hep-th/9901001");
    CHECK_EQ(p->authors.n, 2);
    if (p->authors.n == 2) {
        CHECK_STR(p->authors.v[0], "John Smith Jr");
        CHECK_STR(p->authors.v[1], "Collaboration");
    }
    CHECK_STR(p->categories, "hep-th gr-qc");
    CHECK_EQ(p->updated, 0);

    uint64_t line, off;
    where(oai_arxiv_doc, "<record>", 3, &line, &off);
    CHECK_EQ(g->pos[2].line, line);
    CHECK_EQ(g->pos[2].offset, off);
    CHECK_EQ(g->pos[2].entry, 3);

    CHECK_EQ(info.has_token, 1);
    CHECK_STR(info.resumption_token, "7107029|1001");
    CHECK_EQ(info.cursor, 0);
    CHECK_EQ(info.complete_list_size, 2541);
    CHECK_EQ(info.response_date, 1745150400);
    CHECK_STR(info.error_code, "");
    CHECK_EQ(info.n_records, 3);
    CHECK_EQ(info.n_deleted, 1);
    got_free(g);
}

static void t_oai_arxivraw(void)
{
    static const char doc[] =
        OAI_HEAD("GetRecord", "arXivRaw") "<GetRecord>\n<record>\n<header>\n"
        " <identifier>oai:arXiv.org:0704.0001</identifier>\n"
        " <datestamp>2008-11-13</datestamp>\n"
        " <setSpec>physics:hep-ph</setSpec>\n"
        "</header>\n<metadata>\n"
        " <arXivRaw xmlns=\"http://arxiv.org/OAI/arXivRaw/\" xmlns:xsi=\"http"
        "://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://"
        "arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd\">\n"
        " <id>0704.0001</id><submitter>Pavel Nadolsky</submitter>"
        "<version version=\"v1\"><date>Mon, 2 Apr 2007 19:18:42 GMT</date>"
        "<size>232kb</size><source_type>D</source_type></version>"
        "<version version=\"v2\"><date>Tue, 24 Jul 2007 20:10:27 GMT</date>"
        "<size>235kb</size><source_type>D</source_type></version>"
        "<title>Calculation of prompt diphoton production cross sections at "
        "Tevatron and\n  LHC energies</title><authors>C. Bal\\'azs, E. L. "
        "Berger (Argonne), P. M.\n  Nadolsky and C.-P. Yuan</authors>"
        "<categories>hep-ph</categories><comments>37 pages, 15 figures; "
        "published version</comments><proxy>ccsd</proxy><journal-ref>"
        "Phys.Rev.D76:013009,2007</journal-ref><doi>10.1103/PhysRevD.76."
        "013009</doi><license>http://arxiv.org/licenses/nonexclusive-distrib/"
        "1.0/</license><abstract>  A fully differential calculation.\n"
        "</abstract></arXivRaw>\n</metadata>\n</record>\n</GetRecord>\n"
        "</OAI-PMH>\n";
    struct got *g = got_new();
    struct pb_oai_info info;
    CHECK_EQ(run(OAI, doc, sizeof doc - 1, g, &info, NULL), PB_OK);
    CHECK_EQ(g->n_rej, 0);
    CHECK_EQ(g->n, 1);
    struct pb_paper *p = &g->p[0];
    CHECK_STR(p->id, "0704.0001");
    CHECK_EQ(p->version, 2);
    CHECK_EQ(p->published, 1175541522);
    CHECK_EQ(p->updated, 1185307827);
    CHECK_STR(p->submitter, "Pavel Nadolsky");
    CHECK_EQ(p->authors.n, 4);
    if (p->authors.n == 4) {
        CHECK_STR(p->authors.v[0], "C. Bal\\'azs");
        CHECK_STR(p->authors.v[1], "E. L. Berger");
        CHECK_STR(p->authors.v[2], "P. M. Nadolsky");
        CHECK_STR(p->authors.v[3], "C.-P. Yuan");
    }
    CHECK_STR(p->title, "Calculation of prompt diphoton production cross "
                        "sections at Tevatron and LHC energies");
    CHECK_STR(p->abstract, "A fully differential calculation.");
    CHECK_STR(p->categories, "hep-ph");
    CHECK_STR(p->doi, "10.1103/PhysRevD.76.013009");
    CHECK_EQ(info.has_token, 0);
    CHECK_EQ(info.cursor, -1);
    got_free(g);
}

static void t_oai_dc(void)
{
    static const char doc[] =
        OAI_HEAD("ListRecords", "oai_dc") "<ListRecords>\n<record>\n<header>\n"
        " <identifier>oai:arXiv.org:0704.0002</identifier>\n"
        " <datestamp>2008-12-13</datestamp>\n"
        " <setSpec>cs</setSpec>\n <setSpec>math</setSpec>\n"
        "</header>\n<metadata>\n"
        " <oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/"
        "oai_dc/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xsi="
        "\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation="
        "\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www."
        "openarchives.org/OAI/2.0/oai_dc.xsd\">\n"
        " <dc:title>Sparsity-certifying Graph Decompositions</dc:title>\n"
        " <dc:creator>Streinu, Ileana</dc:creator>\n"
        " <dc:creator>Theran, Louis</dc:creator>\n"
        " <dc:subject>Mathematics - Combinatorics</dc:subject>\n"
        " <dc:subject>Computer Science - Computational Geometry</dc:subject>\n"
        " <dc:subject>05C85</dc:subject>\n"
        " <dc:description>  We describe a new algorithm, the $(k,\\ell)$-"
        "pebble game with colors.\n</dc:description>\n"
        " <dc:description>Comment: To appear in Graphs and\n Combinatorics"
        "</dc:description>\n"
        " <dc:date>2007-03-30</dc:date>\n"
        " <dc:date>2008-12-13</dc:date>\n"
        " <dc:type>text</dc:type>\n"
        " <dc:identifier>http://arxiv.org/abs/0704.0002</dc:identifier>\n"
        " </oai_dc:dc>\n</metadata>\n</record>\n"
        "<record>\n<header>\n"
        " <identifier>oai:arXiv.org:0704.0001</identifier>\n"
        " <datestamp>2008-11-13</datestamp>\n"
        "</header>\n<metadata>\n"
        " <oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/"
        "oai_dc/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        " <dc:title>Calculation of prompt diphoton production</dc:title>\n"
        " <dc:creator>Smith, John, Jr.</dc:creator>\n"
        " <dc:creator>ATLAS Collaboration</dc:creator>\n"
        " <dc:subject>hep-ph</dc:subject>\n"
        " <dc:description>Abstract.</dc:description>\n"
        " <dc:date>2007-04-02</dc:date>\n"
        " <dc:identifier>http://arxiv.org/abs/0704.0001</dc:identifier>\n"
        " <dc:identifier>Phys.Rev.D76:013009,2007</dc:identifier>\n"
        " <dc:identifier>doi:10.1103/PhysRevD.76.013009</dc:identifier>\n"
        " </oai_dc:dc>\n</metadata>\n</record>\n"
        "<resumptionToken cursor=\"1000\" completeListSize=\"1002\"/>\n"
        "</ListRecords>\n</OAI-PMH>\n";
    struct got *g = got_new();
    struct pb_oai_info info;
    CHECK_EQ(run(OAI, doc, sizeof doc - 1, g, &info, NULL), PB_OK);
    CHECK_EQ(g->n_rej, 0);
    CHECK_EQ(g->n, 2);
    struct pb_paper *p = &g->p[0];
    CHECK_STR(p->id, "0704.0002");
    CHECK_STR(p->title, "Sparsity-certifying Graph Decompositions");
    CHECK_EQ(p->authors.n, 2);
    if (p->authors.n == 2) {
        CHECK_STR(p->authors.v[0], "Ileana Streinu");
        CHECK_STR(p->authors.v[1], "Louis Theran");
    }
    CHECK_STR(p->abstract, "We describe a new algorithm, the $(k,\\ell)$-"
                           "pebble game with colors.");
    CHECK_STR(p->comments, "To appear in Graphs and Combinatorics");
    CHECK_EQ(p->published, 1175212800);
    CHECK_EQ(p->updated, 1229126400);
    CHECK(p->categories == NULL); /* subject names are not category codes */
    CHECK_EQ(p->sources, PB_SRC_OAI);

    p = &g->p[1];
    CHECK_STR(p->id, "0704.0001");
    CHECK_EQ(p->authors.n, 2);
    if (p->authors.n == 2) {
        CHECK_STR(p->authors.v[0], "John Smith Jr.");
        CHECK_STR(p->authors.v[1], "ATLAS Collaboration");
    }
    CHECK_STR(p->categories, "hep-ph");
    CHECK_STR(p->journal_ref, "Phys.Rev.D76:013009,2007");
    CHECK_STR(p->doi, "10.1103/PhysRevD.76.013009");
    CHECK_EQ(p->published, 1175472000);
    CHECK_EQ(p->updated, 0);

    /* the last page: an empty token */
    CHECK_EQ(info.has_token, 1);
    CHECK_STR(info.resumption_token, "");
    CHECK_EQ(info.cursor, 1000);
    CHECK_EQ(info.complete_list_size, 1002);
    got_free(g);
}

static void t_oai_no_records_match(void)
{
    static const char doc[] =
        OAI_HEAD("ListRecords", "arXiv")
        "<error code=\"noRecordsMatch\">No records match the request"
        "</error>\n</OAI-PMH>\n";
    struct got *g = got_new();
    struct pb_oai_info info;
    struct pb_err err;
    CHECK_EQ(run(OAI, doc, sizeof doc - 1, g, &info, &err), PB_OK);
    CHECK_EQ(g->n, 0);
    CHECK_EQ(g->n_rej, 0);
    CHECK_STR(info.error_code, "noRecordsMatch");
    CHECK_STR(info.error_text, "No records match the request");
    CHECK_EQ(info.has_token, 0);
    CHECK_EQ(err.rc, PB_OK);
    got_free(g);
}

static void t_oai_bad_resumption_token(void)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">\n"
        "<responseDate>2025-04-20T12:00:00Z</responseDate>\n"
        "<request verb=\"ListRecords\">http://export.arxiv.org/oai2</request>\n"
        "<error code=\"badResumptionToken\">The value of the resumptionToken "
        "argument is invalid or expired.</error>\n"
        "</OAI-PMH>\n";
    struct got *g = got_new();
    struct pb_oai_info info;
    struct pb_err err;
    CHECK_EQ(run(OAI, doc, sizeof doc - 1, g, &info, &err), PB_EPARSE);
    CHECK_EQ(g->n, 0);
    CHECK_EQ(g->n_rej, 1);
    CHECK(has(g->rej[0], "OAI-PMH error badResumptionToken: The value"));
    CHECK_EQ(g->rpos[0].line, 5);
    CHECK_STR(info.error_code, "badResumptionToken");
    CHECK_EQ(err.rc, PB_EPARSE);
    CHECK(has(err.msg, "t.xml:5:"));
    CHECK(has(err.msg, "badResumptionToken"));
    got_free(g);
}

static void t_oai_malformed_midstream(void)
{
    static const char doc[] =
        OAI_HEAD("ListRecords", "arXiv") "<ListRecords>\n" OAI_ARXIV_REC1
        "<record>\n<header>\n"
        " <identifier>oai:arXiv.org:0704.0003</identifier>\n"
        "</header>\n<metadata>\n"
        " <arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\"><id>0704.0003</id>"
        "<title>A & B</title></arXiv>\n"
        "</metadata>\n</record>\n" OAI_ARXIV_REC2
        "</ListRecords>\n</OAI-PMH>\n";
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(OAI, doc, sizeof doc - 1, g, NULL, &err), PB_EPARSE);
    CHECK_EQ(g->n, 1);
    CHECK_STR(g->p[0].id, "0704.0001");
    CHECK_EQ(g->n_rej, 1);
    uint64_t line, off;
    where(doc, "A & B", 1, &line, &off);
    CHECK_EQ(g->rpos[0].line, line);
    CHECK_EQ(g->rpos[0].entry, 2);
    CHECK(has(g->rej[0], "not well-formed"));
    CHECK(has(g->rej[0], "record in progress is dropped"));
    CHECK_EQ(err.rc, PB_EPARSE);
    got_free(g);
}

static void t_oai_truncated(void)
{
    const char *cut = strstr(oai_arxiv_doc, "<identifier>oai:arXiv.org:hep-th");
    struct got *g = got_new();
    struct pb_err err;
    struct pb_oai_info info;
    CHECK_EQ(run(OAI, oai_arxiv_doc, (size_t)(cut - oai_arxiv_doc), g, &info,
                 &err),
             PB_EPARSE);
    CHECK_EQ(g->n, 2); /* the first record and the deletion */
    CHECK_EQ(g->n_rej, 1);
    CHECK(has(g->rej[0], "XML error"));
    CHECK_EQ(info.has_token, 0); /* never reached */
    CHECK_EQ(err.rc, PB_EPARSE);
    got_free(g);
}

static void t_oai_title_over_cap(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 1 << 20);
    int rc = pb_buf_puts(&b, OAI_HEAD("ListRecords", "arXiv")
                         "<ListRecords>\n<record><header><identifier>oai:"
                         "arXiv.org:0704.0009</identifier></header><metadata>"
                         "<arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\"><id>"
                         "0704.0009</id><title>");
    for (int i = 0; i < 4097 && !rc; i++)
        rc = pb_buf_putc(&b, 'x');
    if (!rc)
        rc = pb_buf_puts(&b, "</title></arXiv></metadata></record>\n"
                             OAI_ARXIV_REC2 "</ListRecords>\n</OAI-PMH>\n");
    CHECK_EQ(rc, PB_OK);
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(OAI, b.p, b.len, g, NULL, &err), PB_OK);
    CHECK_EQ(g->n_rej, 1);
    CHECK_STR(g->rej[0], "title is 4097 bytes, over the 4096-byte limit");
    CHECK_EQ(g->rpos[0].entry, 1);
    CHECK_EQ(g->n, 1);
    CHECK_STR(g->p[0].id, "hep-th/9901001");
    pb_buf_clear(&b);
    got_free(g);
}

static void t_oai_bad_records(void)
{
    static const char doc[] =
        "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\"><ListRecords>"
        "<record><header><identifier>oai:arXiv.org:0704.0001</identifier>"
        "</header><metadata><mods xmlns=\"http://www.loc.gov/mods/v3\">"
        "<title>T</title></mods></metadata></record>"
        "<record><header><identifier>oai:arXiv.org:0704.0001</identifier>"
        "</header><metadata><arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\">"
        "<abstract>No title.</abstract></arXiv></metadata></record>"
        "<record><header><identifier>oai:example.org:42</identifier>"
        "</header><metadata><arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\">"
        "<title>T</title></arXiv></metadata></record>"
        "<record><header><identifier>oai:arXiv.org:0704.0001</identifier>"
        "</header><metadata><arXiv xmlns=\"http://arxiv.org/OAI/arXiv/\">"
        "<title>T</title><created>yesterday</created></arXiv></metadata>"
        "</record>"
        "<record><header><identifier>oai:arXiv.org:0704.0004</identifier>"
        "</header></record>"
        "</ListRecords></OAI-PMH>";
    struct got *g = got_new();
    CHECK_EQ(run(OAI, doc, sizeof doc - 1, g, NULL, NULL), PB_OK);
    CHECK_EQ(g->n, 0);
    CHECK_EQ(g->n_rej, 5);
    CHECK_STR(g->rej[0], "metadata format is not arXiv, arXivRaw or oai_dc");
    CHECK_STR(g->rej[1], "record has no title");
    CHECK_STR(g->rej[2],
              "identifier \"oai:example.org:42\" is not an arXiv id");
    CHECK_STR(g->rej[3], "created \"yesterday\" is not a date");
    CHECK_STR(g->rej[4], "record has no metadata");
    CHECK_EQ(g->rpos[4].entry, 5);
    got_free(g);
}

/* Many records: chunked feeding across 64 KiB boundaries, positions. */
static void t_oai_many_records(void)
{
    struct pb_buf b;
    pb_buf_init(&b, 8 << 20);
    int rc = pb_buf_puts(&b, OAI_HEAD("ListRecords", "arXiv") "<ListRecords>\n");
    for (int i = 1; i <= 3000 && !rc; i++)
        rc = pb_buf_printf(
            &b,
            "<record>\n<header>\n <identifier>oai:arXiv.org:1501.%05d"
            "</identifier>\n</header>\n<metadata>\n <arXiv xmlns=\"http://"
            "arxiv.org/OAI/arXiv/\">\n <id>1501.%05d</id><created>2015-01-%02d"
            "</created><title>Paper number %d</title><categories>math.GT"
            "</categories></arXiv>\n</metadata>\n</record>\n",
            i, i, 1 + i % 28, i);
    if (!rc)
        rc = pb_buf_puts(&b, "</ListRecords>\n</OAI-PMH>\n");
    CHECK_EQ(rc, PB_OK);
    CHECK(b.len > 4 * 65536);
    struct got *g = got_new();
    struct pb_oai_info info;
    CHECK_EQ(run(OAI, b.p, b.len, g, &info, NULL), PB_OK);
    CHECK_EQ(g->n, 3000);
    CHECK_EQ(g->n_rej, 0);
    CHECK_EQ(info.n_records, 3000);
    CHECK_STR(g->p[63].id, "1501.00064");
    CHECK_STR(g->p[63].title, "Paper number 64");
    uint64_t line, off;
    where(b.p, "<record>", 64, &line, &off);
    CHECK_EQ(g->pos[63].line, line);
    CHECK_EQ(g->pos[63].offset, off);
    CHECK_EQ(g->pos[63].entry, 64);
    pb_buf_clear(&b);
    got_free(g);
}

static void t_oai_entities_refused(void)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE OAI-PMH [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">&x;"
        "</OAI-PMH>\n";
    struct got *g = got_new();
    struct pb_err err;
    CHECK_EQ(run(OAI, doc, sizeof doc - 1, g, NULL, &err), PB_EPARSE);
    CHECK_EQ(g->n, 0);
    CHECK_EQ(g->n_rej, 1);
    CHECK(has(g->rej[0], "entity"));
    CHECK(has(err.msg, "entity"));
    got_free(g);
}

static void t_oai_plain_entry_point(void)
{
    struct got *g = got_new();
    struct pb_reader *r = NULL;
    struct pb_sink s = {on_paper, on_reject, g};
    CHECK_EQ(pb_reader_open_mem(oai_arxiv_doc, sizeof oai_arxiv_doc - 1, &r,
                                NULL),
             PB_OK);
    CHECK_EQ(pb_ingest_oai(r, "t.xml", &s, NULL), PB_OK);
    pb_reader_free(r);
    CHECK_EQ(g->n, 3);
    got_free(g);
}

int main(void)
{
    static const struct pb_test T[] = {
        {"atom_fields", t_atom_fields},
        {"atom_api_error", t_atom_api_error},
        {"atom_malformed_midstream", t_atom_malformed_midstream},
        {"atom_truncated", t_atom_truncated},
        {"atom_title_over_cap", t_atom_title_over_cap},
        {"atom_entities_refused", t_atom_entities_refused},
        {"atom_no_title_not_a_delete", t_atom_no_title_not_a_delete},
        {"atom_sink_stops", t_atom_sink_stops},
        {"atom_token_over_cap", t_atom_token_over_cap},
        {"oai_arxiv", t_oai_arxiv},
        {"oai_arxivraw", t_oai_arxivraw},
        {"oai_dc", t_oai_dc},
        {"oai_no_records_match", t_oai_no_records_match},
        {"oai_bad_resumption_token", t_oai_bad_resumption_token},
        {"oai_malformed_midstream", t_oai_malformed_midstream},
        {"oai_truncated", t_oai_truncated},
        {"oai_title_over_cap", t_oai_title_over_cap},
        {"oai_bad_records", t_oai_bad_records},
        {"oai_many_records", t_oai_many_records},
        {"oai_entities_refused", t_oai_entities_refused},
        {"oai_plain_entry_point", t_oai_plain_entry_point},
        {0},
    };
    return pb_test_run(T);
}
