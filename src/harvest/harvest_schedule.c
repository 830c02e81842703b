/* harvest_schedule.c - arXiv's announcement times in UTC. */
#include "harvest/harvest_schedule.h"

#include "core/date.h"

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* Day of month of the n-th Sunday of y-m. */
static unsigned nth_sunday(int y, unsigned m, int n)
{
    int64_t first = pb_days_from_civil(y, m, 1);
    int to_sunday = (7 - weekday(first)) % 7;
    return (unsigned)(1 + to_sunday + 7 * (n - 1));
}

/* Whether 20:00 local time on y-m-d is daylight saving time in New York
 * (on both change days 20:00 is well past the 02:00 switch). */
static int edt(int y, unsigned m, unsigned d)
{
    if (m > 3 && m < 11)
        return 1;
    if (m == 3)
        return d >= nth_sunday(y, 3, 2);
    if (m == 11)
        return d < nth_sunday(y, 11, 1);
    return 0;
}

/* The announcement on local day `days` (days since 1970-01-01), or -1
 * when there is none that day (Friday, Saturday). */
static int64_t announcement_on(int64_t days)
{
    int wd = weekday(days);
    if (wd == 5 || wd == 6)
        return -1;
    int y;
    unsigned m, d;
    pb_civil_from_days(days, &y, &m, &d);
    int64_t offset = edt(y, m, d) ? 4 * 3600 : 5 * 3600;
    return days * 86400 + 20 * 3600 + offset;
}

int64_t pb_harvest_last_announcement(int64_t now)
{
    int64_t today = now / 86400 - (now % 86400 < 0);
    for (int64_t days = today + 1; days > today - 10; days--) {
        int64_t t = announcement_on(days);
        if (t >= 0 && t <= now)
            return t;
    }
    return -1; /* not reached: there is one every week */
}

int64_t pb_harvest_next_run(int64_t now, int64_t margin_s)
{
    int64_t today = now / 86400 - (now % 86400 < 0);
    for (int64_t days = today - 2; days < today + 10; days++) {
        int64_t t = announcement_on(days);
        if (t >= 0 && t + margin_s > now)
            return t + margin_s;
    }
    return -1; /* not reached */
}
