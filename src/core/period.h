/*
 * period.h - the days, ISO weeks and months the site lists papers by:
 * "2024-06-03", "2024-W23", "2024-06". Pure functions, thread-safe.
 * Used by the web pages and by mail digests (hence core); the functions keep
 * their historical pb_web_ names.
 */
#ifndef PB_CORE_PERIOD_H
#define PB_CORE_PERIOD_H

#include <stddef.h>

#include "core/error.h"

enum pb_period_kind { PB_PERIOD_DAY, PB_PERIOD_WEEK, PB_PERIOD_MONTH };

struct pb_period {
    enum pb_period_kind kind;
    char name[11];        /* canonical spelling: 2024-06-03, 2024-W23, 2024-06 */
    char from[11], to[11];/* first and last day, inclusive */
    char prev[11], next[11]; /* names of the periods before and after */
    char label[64];       /* for people: "Mon, June 3, 2024", "June 2024" */
};

/*
 * Parse s[0..len) as a period of the given kind (years 1900..9999; weeks
 * 1..52 or 53 as the ISO year has them; "2024-w23" is accepted too).
 * PB_EINVAL when s is not one. out is filled on success only.
 */
int pb_web_period_parse(enum pb_period_kind kind, const char *s, size_t len,
                        struct pb_period *out) PB_WUR;

/* The ISO week name ("2024-W23") of the day "YYYY-MM-DD" into out[11], and
 * the month name ("2024-06") into out[11]. PB_EINVAL for a bad day. */
int pb_web_week_of(const char *day, char out[11]) PB_WUR;
int pb_web_month_of(const char *day, char out[11]) PB_WUR;

/* "June 3, 2024" for a valid day into out (cap bytes); day itself when it
 * is not one. */
void pb_web_day_label(const char *day, char *out, size_t cap);

#endif
