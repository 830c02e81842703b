/* period.c - days, ISO weeks and months (see period.h). */
#include "core/period.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"

static const char *const months[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const wdays[7] = {"Mon", "Tue", "Wed", "Thu",
                                     "Fri", "Sat", "Sun"};

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int64_t weekday(int64_t z) /* Monday = 0; 1970-01-01 was a Thursday */
{
    int64_t w = (z + 3) % 7;
    return w < 0 ? w + 7 : w;
}

static int64_t week1_monday(int y)
{
    int64_t jan4 = pb_days_from_civil(y, 1, 4);
    return jan4 - weekday(jan4);
}

static int weeks_in(int y)
{
    return (int)((week1_monday(y + 1) - week1_monday(y)) / 7);
}

static void day_name(int64_t z, char out[11])
{
    pb_day_format(z * 86400, out);
}

static void iso_week(int64_t z, int *wy, int *ww)
{
    int y;
    unsigned m, d;
    pb_civil_from_days(z, &y, &m, &d);
    int64_t mon = z - weekday(z);
    /* the ISO year is the one holding this week's Thursday */
    pb_civil_from_days(mon + 3, &y, &m, &d);
    *wy = y;
    *ww = (int)((mon - week1_monday(y)) / 7) + 1;
}

static void week_name(int y, int w, char out[11])
{
    snprintf(out, 11, "%04d-W%02d", y, w);
}

static void month_name(int y, int m, char out[11])
{
    snprintf(out, 11, "%04d-%02d", y, m);
}

void pb_web_day_label(const char *day, char *out, size_t cap)
{
    int64_t t;
    if (!day || pb_day_parse(day, strlen(day), &t)) {
        snprintf(out, cap, "%s", day ? day : "");
        return;
    }
    int y;
    unsigned m, d;
    pb_civil_from_days(t / 86400, &y, &m, &d);
    snprintf(out, cap, "%s, %s %u, %d", wdays[weekday(t / 86400)],
             months[m - 1], d, y);
}

static int parse_day(const char *s, size_t len, struct pb_period *out)
{
    int64_t t;
    int y = 0;
    if (len != 10 || !digits(s, 4, &y) || y < 1900 || pb_day_parse(s, len, &t))
        return PB_EINVAL;
    int64_t z = t / 86400;
    memset(out, 0, sizeof *out);
    out->kind = PB_PERIOD_DAY;
    day_name(z, out->name);
    memcpy(out->from, out->name, 11);
    memcpy(out->to, out->name, 11);
    day_name(z - 1, out->prev);
    day_name(z + 1, out->next);
    pb_web_day_label(out->name, out->label, sizeof out->label);
    return PB_OK;
}

static int parse_week(const char *s, size_t len, struct pb_period *out)
{
    int y, w;
    if (len != 8 || !digits(s, 4, &y) || s[4] != '-' ||
        (s[5] != 'W' && s[5] != 'w') || !digits(s + 6, 2, &w) || y < 1900 ||
        y > 9999 || w < 1 || w > weeks_in(y))
        return PB_EINVAL;
    memset(out, 0, sizeof *out);
    out->kind = PB_PERIOD_WEEK;
    week_name(y, w, out->name);
    int64_t mon = week1_monday(y) + (int64_t)(w - 1) * 7;
    day_name(mon, out->from);
    day_name(mon + 6, out->to);
    int py, pw, ny, nw;
    iso_week(mon - 7, &py, &pw);
    iso_week(mon + 7, &ny, &nw);
    week_name(py, pw, out->prev);
    week_name(ny, nw, out->next);
    int y1, y2;
    unsigned m1, d1, m2, d2;
    pb_civil_from_days(mon, &y1, &m1, &d1);
    pb_civil_from_days(mon + 6, &y2, &m2, &d2);
    snprintf(out->label, sizeof out->label, "Week %d, %d (%s %u \xE2\x80\x93 %s %u)",
             w, y, months[m1 - 1], d1, months[m2 - 1], d2);
    return PB_OK;
}

static int parse_month(const char *s, size_t len, struct pb_period *out)
{
    int y, m;
    if (len != 7 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) ||
        y < 1900 || y > 9999 || m < 1 || m > 12)
        return PB_EINVAL;
    memset(out, 0, sizeof *out);
    out->kind = PB_PERIOD_MONTH;
    month_name(y, m, out->name);
    int64_t first = pb_days_from_civil(y, (unsigned)m, 1);
    int64_t next = m == 12 ? pb_days_from_civil(y + 1, 1, 1)
                           : pb_days_from_civil(y, (unsigned)m + 1, 1);
    day_name(first, out->from);
    day_name(next - 1, out->to);
    month_name(m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1, out->prev);
    month_name(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, out->next);
    snprintf(out->label, sizeof out->label, "%s %d", months[m - 1], y);
    return PB_OK;
}

int pb_web_period_parse(enum pb_period_kind kind, const char *s, size_t len,
                        struct pb_period *out)
{
    if (!s)
        return PB_EINVAL;
    switch (kind) {
    case PB_PERIOD_DAY: return parse_day(s, len, out);
    case PB_PERIOD_WEEK: return parse_week(s, len, out);
    case PB_PERIOD_MONTH: return parse_month(s, len, out);
    }
    return PB_EINVAL;
}

int pb_web_week_of(const char *day, char out[11])
{
    int64_t t;
    if (!day || pb_day_parse(day, strlen(day), &t))
        return PB_EINVAL;
    int y, w;
    iso_week(t / 86400, &y, &w);
    week_name(y, w, out);
    return PB_OK;
}

int pb_web_month_of(const char *day, char out[11])
{
    int64_t t;
    if (!day || pb_day_parse(day, strlen(day), &t))
        return PB_EINVAL;
    memcpy(out, day, 7);
    out[7] = '\0';
    return PB_OK;
}
