/*
 * oai.h - OAI-PMH beyond pb_ingest_oai(): what a harvester needs to know
 * about the response it has just imported (the resumption token to ask for
 * the next page, the OAI error code), and the importer that reports it.
 *
 * The importer itself is documented in import_oai.c; in short it reads
 * ListRecords and GetRecord responses in the arXiv, arXivRaw and oai_dc
 * metadata formats, and reports a deleted record to sink->paper() as a paper
 * with only id (and p->sources) set: p->title == NULL means "deleted".
 */
#ifndef PB_INGEST_OAI_H
#define PB_INGEST_OAI_H

#include <stdint.h>

#include "core/error.h"
#include "ingest/ingest.h"

#define PB_OAI_TOKEN_MAX 1024 /* resumptionToken bytes, NUL included */
#define PB_OAI_CODE_MAX 64
#define PB_OAI_TEXT_MAX 256

/* What one OAI-PMH response said besides its records. Caller storage;
 * plain data, nothing to free. */
struct pb_oai_info {
    /* 1 when the response had a <resumptionToken> element. An empty token
     * (resumption_token[0] == '\0') means the list is complete. */
    int has_token;
    char resumption_token[PB_OAI_TOKEN_MAX]; /* whitespace trimmed */
    int64_t cursor;             /* -1 when not said */
    int64_t complete_list_size; /* -1 when not said */
    int64_t response_date;      /* <responseDate>, Unix seconds; 0 = none */
    /* The first <error>: code ("noRecordsMatch", "badResumptionToken", ...)
     * and its text (trimmed, cut to fit); both "" when there was none. */
    char error_code[PB_OAI_CODE_MAX];
    char error_text[PB_OAI_TEXT_MAX];
    uint64_t n_records; /* <record> elements seen, deleted ones included */
    uint64_t n_deleted;
};

/* Set info to "nothing said" (counts 0, numbers -1, strings ""). */
void pb_oai_info_init(struct pb_oai_info *info);

/*
 * pb_ingest_oai() that also fills *out_info (when non-NULL; it is inited
 * first and holds what was seen even when the import fails). The error
 * "noRecordsMatch" is an empty result: PB_OK, no records, error_code set.
 * Any other OAI error is reported as a rejection and answered with
 * PB_EPARSE (err says "OAI-PMH error <code>: <text>") once the document has
 * been read. A resumptionToken over PB_OAI_TOKEN_MAX - 1 bytes stops the
 * import with PB_ETOOBIG. r, name, s and err are borrowed for the call.
 */
int pb_ingest_oai_ex(struct pb_reader *r, const char *name,
                     const struct pb_sink *s, struct pb_oai_info *out_info,
                     struct pb_err *err) PB_WUR;

#endif
