/*
 * mail_prefs.h - a subscriber's preferences from form fields (the box on
 * every page, /subscribe): the parser of what visitors type. Pure, no
 * state, thread-safe.
 */
#ifndef PB_MAIL_MAIL_PREFS_H
#define PB_MAIL_MAIL_PREFS_H

#include "core/error.h"
#include "store/store_mail.h"

/* Raw field values as they came (NUL-terminated UTF-8, any may be NULL =
 * absent), all borrowed for the call. */
struct pb_mail_form {
    const char *email;
    const char *freq;       /* "daily" (default) or "weekly" */
    const char *top;        /* trending papers per mail, 0..50 (10) */
    const char *max;        /* papers per mail at most, 1..100 (20) */
    const char *categories; /* words like cs.CL, split on spaces/commas */
    const char *authors;    /* names, one per line or split on ';' */
    const char *keywords;   /* one per line or split on ',' */
    const char *collections; /* collection numbers or links (.../collections/
                                12), split on spaces, commas, lines */
    const char *recs;       /* "1" or "on": recommendations; absent, "",
                               "0": none */
};

#define PB_MAIL_TOP_MAX 50
#define PB_MAIL_PAPERS_MAX 100
#define PB_MAIL_ITEM_MAX 100 /* bytes of one author or keyword */

/*
 * Fill out (cleared first) from f: the address trimmed and validated
 * (pb_mail_addr_ok); numbers in range; categories of [A-Za-z0-9.-] up to
 * 32 bytes; authors and keywords trimmed, controls removed, each at most
 * PB_MAIL_ITEM_MAX bytes, duplicates dropped; every list within
 * PB_SUB_LIST_MAX; collections as ids (1..2^53), duplicates dropped,
 * ascending, at most PB_SUB_COLLS_MAX (whether each may be followed is
 * the store's question: pb_store_mail_coll_visible). out->member is 0.
 * PB_EINVAL with a reason for people in why (cap bytes) otherwise.
 */
int pb_mail_prefs_parse(const struct pb_mail_form *f, struct pb_sub *out,
                        char *why, size_t cap) PB_WUR;

#endif
