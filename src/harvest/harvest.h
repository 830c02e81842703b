/*
 * harvest.h - live harvests into the store: arXiv over OAI-PMH, the arXiv
 * API (Atom), and Hugging Face Daily Papers. Each request goes through the
 * polite scheduler (harvest_polite.h) and each downloaded page into the
 * store in one transaction (harvest_import.h), so a harvest killed at any
 * moment keeps every page it finished and nothing of the one in progress.
 *
 * One harvest at a time per store; one thread.
 */
#ifndef PB_HARVEST_HARVEST_H
#define PB_HARVEST_HARVEST_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "harvest/harvest_clock.h"
#include "harvest/harvest_import.h"
#include "harvest/harvest_polite.h"
#include "store/store.h"

/* What every harvest is given; all borrowed for the call. */
struct pb_harvest_env {
    struct pb_store *st;
    struct pb_polite *pl;         /* requests go through it */
    const struct pb_clock *clock; /* "today" */
    FILE *log;                    /* one line per page and notes; NULL none */
    FILE *report;                 /* rejected records; NULL = stderr */
    volatile sig_atomic_t *stop;  /* stop between pages; may be NULL */
};

#define PB_HARVEST_OAI_BASE "https://oaipmh.arxiv.org/oai"
#define PB_HARVEST_API_BASE "https://export.arxiv.org"
#define PB_HARVEST_HF_BASE "https://huggingface.co"
#define PB_HARVEST_OAI_FIRST_DAYS 7 /* first harvest without --from */

struct pb_harvest_oai_opts {
    const char *base_url; /* the OAI-PMH endpoint; NULL = default */
    const char *set;      /* setSpec ("cs", "physics:hep-th"); NULL = all */
    const char *from;     /* YYYY-MM-DD; NULL = incremental */
    const char *until;    /* YYYY-MM-DD; NULL = open-ended */
    const char *prefix;   /* metadataPrefix; NULL = "arXivRaw" */
};

/*
 * OAI-PMH ListRecords, following resumption tokens. State lives in the
 * store's meta table under "harvest.oai.<set or *>.": "from" (the day the
 * next incremental harvest starts: the day of the responseDate of the last
 * complete open-ended harvest), and while a list is in progress "token",
 * "run_from", "run_until", "run_started", written in the transaction of
 * each page. So a run that stops (kill, error, Ctrl-C) resumes at the
 * first page it had not committed: no gap, no page twice.
 *
 * Without from, a harvest starts at the stored "from" (or, the first time,
 * PB_HARVEST_OAI_FIRST_DAYS days back) and resumes an interrupted list
 * whatever its range; with from/until it resumes only a list of the same
 * range (another range starts over). A token the server no longer knows
 * (badResumptionToken) restarts the list once from its start; records
 * seen twice merge as unchanged. noRecordsMatch is an empty harvest.
 * Deleted records delete papers; new versions update them.
 *
 * PB_OK when the list was harvested to its end; PB_EINTR when stopped;
 * otherwise err says what failed (in one line) and the pages before are
 * kept. *out adds up the pages committed in this call.
 */
int pb_harvest_oai(const struct pb_harvest_env *h,
                   const struct pb_harvest_oai_opts *o,
                   struct pb_harvest_counts *out, struct pb_err *err) PB_WUR;

struct pb_harvest_api_opts {
    const char *base_url; /* NULL = PB_HARVEST_API_BASE (+ "/api/query") */
    const char *query;    /* search_query, e.g. "cat:cs.CL"; required */
    int64_t max;          /* entries wanted; <= 0: 100 */
    int64_t page_size;    /* max_results per request; <= 0: 100 */
};

/* The arXiv API: pages of search_query by start/max_results, newest
 * submissions first, until max entries or a short page. */
int pb_harvest_arxiv_api(const struct pb_harvest_env *h,
                         const struct pb_harvest_api_opts *o,
                         struct pb_harvest_counts *out,
                         struct pb_err *err) PB_WUR;

#define PB_HARVEST_IDS_MAX 100 /* ids per id_list request */

/*
 * The arXiv API by id: one GET of base_url/api/query?id_list=A,B,...
 * (base_url NULL = PB_HARVEST_API_BASE) through h->pl, so the gap, the
 * retries and the body cap are the polite client's; the entries go into
 * h->st in one transaction through pb_harvest_import(), as every harvest's
 * do. ids: 1..PB_HARVEST_IDS_MAX arXiv ids ("2406.01234", "hep-th/9901001",
 * optionally with a version), borrowed for the call.
 *
 * On PB_OK, found[i] (caller storage, n_ids ints) says whether the store
 * holds ids[i] once the response is in: 0 for an id arXiv does not know
 * (it answers no entry, or an error entry, which is rejected and printed
 * to h->report). *out holds the response's counts. PB_EINVAL for a bad
 * id or count; otherwise pb_polite_fetch()'s rc (PB_EIO: no response or
 * a failing status; PB_ETOOBIG: body over the cap; PB_EPARSE) or PB_EDB,
 * with err set, and nothing written.
 */
int pb_harvest_arxiv_ids(const struct pb_harvest_env *h, const char *base_url,
                         const char *const *ids, size_t n_ids, int *found,
                         struct pb_harvest_counts *out,
                         struct pb_err *err) PB_WUR;

/*
 * Fill what Daily Papers leaves out (categories, the full author list, the
 * abstract when missing, arXiv's dates, comments, DOI) for papers with an
 * arXiv id and no categories: pb_harvest_arxiv_ids() on batches of up to
 * PB_HARVEST_IDS_MAX of them, through the polite scheduler (one request at
 * a time, its gap apart, Retry-After honoured). Merged by the store's
 * rules: arXiv's record is fresher for the texts, Daily Papers' upvotes,
 * listings and links stay. At most max papers (<= 0: all). The position
 * is kept in meta "harvest.fill.after" so an id arXiv does not know is not
 * asked again until the list has gone round. PB_EINTR when stopped.
 */
int pb_harvest_fill(const struct pb_harvest_env *h, const char *base_url,
                    int64_t max, struct pb_harvest_counts *out,
                    struct pb_err *err) PB_WUR;

struct pb_harvest_daily_opts {
    const char *base_url; /* NULL = PB_HARVEST_HF_BASE */
    const char *date;     /* YYYY-MM-DD: that day only */
    int days;             /* else the last days up to today (UTC); <= 0: 1 */
};

/* Daily Papers: GET /api/daily_papers?date=D for each day, oldest first;
 * known papers take the upvotes, code links and submitters, new ones are
 * added. "harvest.daily.last" in meta holds the last day done. */
int pb_harvest_daily(const struct pb_harvest_env *h,
                     const struct pb_harvest_daily_opts *o,
                     struct pb_harvest_counts *out, struct pb_err *err) PB_WUR;

#endif
