/*
 * paper.h - the paper: paperboy's one data model.
 *
 * A struct pb_paper lives in caller storage (pb_paper_init / pb_paper_clear)
 * and owns every string and array it points to; each is heap memory freed by
 * pb_paper_clear(). A NULL string, a zero count or a negative number means
 * "this source does not say", which matters when two sources merge: only
 * what a source says replaces what the store has.
 *
 * Lists (authors, keywords, links) are arrays of owned strings. Categories
 * stay a space-separated string, primary first, as arXiv writes them.
 * Dates are Unix seconds (UTC); listed_day is "YYYY-MM-DD" or "".
 */
#ifndef PB_CORE_PAPER_H
#define PB_CORE_PAPER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Caps on what one paper may hold; a record over a cap is rejected. */
#define PB_MAX_ID 64
#define PB_MAX_TITLE 4096
#define PB_MAX_ABSTRACT 100000
#define PB_MAX_AUTHORS 10000
#define PB_MAX_NAME 1024
#define PB_MAX_FIELD 65536 /* comments, summary, doi, urls, ... */
#define PB_MAX_KEYWORDS 256
#define PB_MAX_LINKS 64

/* Which sources have said something about a paper (bit set). */
enum pb_source {
    PB_SRC_ARXIV_SNAPSHOT = 1 << 0,
    PB_SRC_HF_DAILY = 1 << 1,
    PB_SRC_ATOM = 1 << 2,
    PB_SRC_OAI = 1 << 3,
    PB_SRC_JSONL = 1 << 4,
    PB_SRC_LOCAL = 1 << 5, /* made in paperboy itself (submissions, ...) */
};

struct pb_strlist {
    char **v;   /* owned array of owned strings */
    size_t n;
};

struct pb_paper {
    char id[PB_MAX_ID]; /* canonical id: "2504.08385", "hep-th/9901001",
                           or "t-" + 16 hex digits derived from the title */
    int version;        /* highest arXiv version known; 0 = not said */
    char *title;        /* as given, LaTeX kept */
    char *abstract;     /* as given, LaTeX kept */
    struct pb_strlist authors; /* in order */
    char *categories;   /* space separated, primary first */
    int64_t published;  /* arXiv v1 date, Unix seconds; 0 = not said */
    int64_t updated;    /* latest version date; 0 = not said */
    char listed_day[11];/* day listed on the daily feed, "" = not listed */
    char *submitter;
    int64_t upvotes;    /* -1 = not said */
    int64_t n_comments; /* -1 = not said */
    char *github_repo;
    int64_t github_stars; /* -1 = not said */
    char *project_page;
    char *doi, *journal_ref, *comments, *license;
    struct pb_strlist keywords;
    char *summary;      /* a short summary (Daily Papers' ai_summary) */
    struct pb_strlist links; /* code and project links found in the text */
    unsigned sources;   /* enum pb_source bits */

    /* The listing this record speaks of (on listed_day), from a daily
     * source; kept per (paper, day) in the store's listings, never merged
     * into the paper. Filled back by the store's listing queries. */
    int64_t submitted_at; /* put on the daily list, Unix s; 0 = not said */
    char *listing_src;  /* the source's JSON object of the listing (Daily
                           Papers entry without title, summary and the
                           thumbnail/media keys), passed through by the API */
    char *org;          /* organization name (Daily Papers), NULL = none */
    char *org_src;      /* its JSON object {_id, name, fullname, avatar} */
    /* images a source names (Daily Papers' thumbnail and mediaUrls):
     * noted beside the paper at upsert (store_media.h), not merged */
    char *thumbnail;
    struct pb_strlist media_urls;
};

void pb_paper_init(struct pb_paper *p);
void pb_paper_clear(struct pb_paper *p); /* frees all; p is then as new */
/* Move src's contents into dst (dst is cleared first); src is left as new. */
void pb_paper_move(struct pb_paper *dst, struct pb_paper *src);

/* Make dst (initialised) a deep copy of src; dst's old contents are freed. */
void pb_paper_copy(struct pb_paper *dst, const struct pb_paper *src);

/* Replace *slot (freeing the old value) with a copy of p[0..len). */
void pb_str_set(char **slot, const char *p, size_t len);
void pb_strlist_push(struct pb_strlist *l, const char *p, size_t len);
void pb_strlist_clear(struct pb_strlist *l);
/* Join with sep into a heap string (caller frees); "" for an empty list. */
char *pb_strlist_join(const struct pb_strlist *l, char sep);
/* Split s on sep into l (appending); empty pieces are skipped. */
void pb_strlist_split(struct pb_strlist *l, const char *s, char sep);
int pb_strlist_eq(const struct pb_strlist *a, const struct pb_strlist *b);

/*
 * Parse an arXiv identifier in any of its spellings: "2504.08385",
 * "2504.08385v2", "arXiv:2504.08385", "https://arxiv.org/abs/2504.08385v2",
 * "https://arxiv.org/pdf/2504.08385.pdf", "oai:arXiv.org:2504.08385",
 * "hep-th/9901001", "math.GT/0309136" (subject class dropped: math/0309136).
 * Writes the canonical id (no version) to out (PB_MAX_ID bytes) and the
 * version (0 when absent) to *out_version. PB_EINVAL when s is no arXiv id.
 */
int pb_arxiv_id_parse(const char *s, size_t len, char out[PB_MAX_ID],
                      int *out_version) PB_WUR;

/*
 * arXiv's scheme decides (https://info.arxiv.org/help/arxiv_identifier.html):
 * new-style YYMM.NNNN from 0704 to 1412 and YYMM.NNNNN from 1501, month
 * 01..12, number not zero; old-style archive/YYMMNNN from 9108 to 0703 with
 * one of the archives of the time (hep-th, math, cond-mat, ...). Anything
 * else is PB_EINVAL, so 1704.0162 (four digits in 2017) is no id.
 */

/*
 * An id that went through a float (a spreadsheet read 0808.1060 as 808.106
 * and 1710.03132 as 1710.0313199999998): pad the month, restore the width
 * arXiv used then (4 digits before 1501, 5 from it; trailing zeros were
 * dropped), round away float noise. PB_EINVAL with a reason in why when the
 * number cannot be one (month 13, digits that are not noise, zero).
 */
int pb_arxiv_id_from_number(const char *s, size_t len, char out[PB_MAX_ID],
                            char *why, size_t why_cap) PB_WUR;

/* The stable id of a paper without an arXiv id: "t-" and 16 hex digits of a
 * hash of the title, case-folded, accents and punctuation removed, spaces
 * collapsed; so two spellings of one title give one id. */
void pb_paper_title_id(const char *title, size_t len, char out[PB_MAX_ID]);

/* Primary category: the first word of categories, copied into out (size
 * cap); "" when there is none. */
void pb_paper_primary_category(const struct pb_paper *p, char *out,
                               size_t cap);

/*
 * Check a paper before it is stored: id and title present, every field
 * within its cap, all text valid UTF-8 without NUL. Control characters other
 * than tab and newline are replaced by spaces. On failure writes a reason
 * for people ("title is 1048576 bytes, over the 4096-byte limit") to why.
 */
int pb_paper_validate(struct pb_paper *p, char *why, size_t why_cap) PB_WUR;

/* Find code-repository and project links in abstract and comments and put
 * them (deduplicated, in order of appearance) into p->links. */
void pb_paper_extract_links(struct pb_paper *p);

#endif
