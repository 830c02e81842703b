/* ingest.c - format names, detection from content, and dispatch. */
#include "ingest/ingest.h"

#include <ctype.h>
#include <string.h>

static const char *const names[] = {
    [PB_FMT_UNKNOWN] = "unknown", [PB_FMT_ARXIV_JSONL] = "arxiv",
    [PB_FMT_HF_DAILY] = "hf-daily", [PB_FMT_ATOM] = "atom",
    [PB_FMT_OAI] = "oai",         [PB_FMT_PB_JSONL] = "jsonl",
};

const char *pb_format_name(enum pb_format f)
{
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "unknown";
}

enum pb_format pb_format_from_name(const char *name)
{
    for (unsigned i = 1; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return (enum pb_format)i;
    return PB_FMT_UNKNOWN;
}

static int has(const char *p, size_t len, const char *needle)
{
    return memmem(p, len, needle, strlen(needle)) != NULL;
}

enum pb_format pb_format_detect(const char *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        i = 3; /* UTF-8 byte order mark */
    while (i < len && isspace((unsigned char)p[i]))
        i++;
    if (i >= len)
        return PB_FMT_UNKNOWN;
    const char *q = p + i;
    size_t n = len - i;
    if (q[0] == '<') {
        if (has(q, n, "<OAI-PMH") || has(q, n, "ListRecords>") ||
            has(q, n, "GetRecord>"))
            return PB_FMT_OAI;
        if (has(q, n, "<feed"))
            return PB_FMT_ATOM;
        return PB_FMT_UNKNOWN;
    }
    if (q[0] == '[')
        return PB_FMT_HF_DAILY;
    if (q[0] != '{')
        return PB_FMT_UNKNOWN;
    /* one object: the first line decides */
    const char *nl = memchr(q, '\n', n);
    size_t first = nl ? (size_t)(nl - q) : n;
    if (has(q, first, "\"paper\"") || (has(q, first, "\"data\"") &&
                                       has(q, n, "\"paper\"")))
        return PB_FMT_HF_DAILY;
    if (has(q, first, "\"versions\"") && has(q, first, "\"update_date\""))
        return PB_FMT_ARXIV_JSONL;
    if (has(q, first, "\"title\""))
        return PB_FMT_PB_JSONL;
    /* a pretty-printed wrapper object spans lines */
    if (has(q, n, "\"data\"") || has(q, n, "\"status\""))
        return PB_FMT_HF_DAILY;
    return PB_FMT_UNKNOWN;
}

int pb_ingest_run(enum pb_format f, struct pb_reader *r, const char *name,
                  const struct pb_sink *s, struct pb_err *err)
{
    if (f == PB_FMT_UNKNOWN) {
        const char *p;
        size_t n;
        int rc = pb_reader_peek(r, &p, 64 << 10, &n, err);
        if (rc)
            return rc;
        if (n == 0)
            return pb_err_set(err, PB_EPARSE, "empty file");
        /* a stray NUL in a dump is one bad record, not a binary file: the
         * format is told by how the file begins */
        f = pb_format_detect(p, n);
        if (f == PB_FMT_UNKNOWN && memchr(p, '\0', n))
            return pb_err_set(err, PB_EUNSUP,
                              "binary data, not a paper dump (xz, gzip, JSON "
                              "or XML expected)");
        if (f == PB_FMT_UNKNOWN)
            return pb_err_set(err, PB_EUNSUP,
                              "unknown format (use --format arxiv|hf-daily|"
                              "atom|oai|jsonl)");
    }
    switch (f) {
    case PB_FMT_ARXIV_JSONL:
        return pb_ingest_arxiv_jsonl(r, name, s, err);
    case PB_FMT_HF_DAILY:
        return pb_ingest_hf_daily(r, name, s, err);
    case PB_FMT_ATOM:
        return pb_ingest_atom(r, name, s, err);
    case PB_FMT_OAI:
        return pb_ingest_oai(r, name, s, err);
    case PB_FMT_PB_JSONL:
        return pb_ingest_pb_jsonl(r, name, s, err);
    default:
        return pb_err_set(err, PB_EUNSUP, "unknown format");
    }
}
