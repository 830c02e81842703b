/*
 * harvest_schedule.h - when a scheduled harvest should run: after arXiv's
 * announcement, 20:00 America/New_York, Sunday to Thursday (US daylight
 * saving time: second Sunday of March to first Sunday of November). For
 * `serve` or cron-like loops; pure functions, no clock of their own.
 */
#ifndef PB_HARVEST_SCHEDULE_H
#define PB_HARVEST_SCHEDULE_H

#include <stdint.h>

/* The next moment after now that is margin_s seconds after an
 * announcement (Unix seconds, UTC). */
int64_t pb_harvest_next_run(int64_t now, int64_t margin_s);

/* The latest announcement at or before now (Unix seconds, UTC). */
int64_t pb_harvest_last_announcement(int64_t now);

#endif
