/*
 * date.h - the date formats paperboy reads and writes. All times are UTC.
 */
#ifndef PB_CORE_DATE_H
#define PB_CORE_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Days since 1970-01-01 for a proleptic Gregorian date (no validation). */
int64_t pb_days_from_civil(int y, unsigned m, unsigned d);
void pb_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/*
 * Parse a date or timestamp in any of: "2024-05-27", "2024-05-27T10:11:12Z",
 * "2024-05-27T10:11:12.000Z", "2024-05-27T10:11:12+02:00",
 * "2024-05-27 10:11:12", and RFC 2822 "Fri, 30 Mar 2007 00:00:00 GMT".
 * Writes Unix seconds to *out. PB_EINVAL when it is none of them or the
 * fields are out of range (month 13, day 32, Feb 30, ...).
 */
int pb_date_parse(const char *s, size_t len, int64_t *out) PB_WUR;

/* Strict "YYYY-MM-DD" (a real calendar day) to Unix seconds at midnight. */
int pb_day_parse(const char *s, size_t len, int64_t *out) PB_WUR;

/* Format t as "YYYY-MM-DD" into out[11]. */
void pb_day_format(int64_t t, char out[11]);
/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into out[21]. */
void pb_time_format(int64_t t, char out[21]);

#endif
