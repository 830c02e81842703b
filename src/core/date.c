/* date.c - civil calendar arithmetic (Howard Hinnant's algorithms) and the
 * parsers for the date spellings found in our sources. */
#include "core/date.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int64_t pb_days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void pb_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, unsigned m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int num(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int valid_ymd(int y, int m, int d)
{
    return y >= 1000 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= days_in_month(y, (unsigned)m);
}

int pb_day_parse(const char *s, size_t len, int64_t *out)
{
    int y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-' || !num(s, 4, &y) ||
        !num(s + 5, 2, &m) || !num(s + 8, 2, &d) || !valid_ymd(y, m, d))
        return PB_EINVAL;
    *out = pb_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
    return PB_OK;
}

static int parse_iso(const char *s, size_t len, int64_t *out)
{
    int64_t day;
    if (len < 10 || pb_day_parse(s, 10, &day))
        return PB_EINVAL;
    if (len == 10) {
        *out = day;
        return PB_OK;
    }
    if ((s[10] != 'T' && s[10] != ' ') || len < 19 || s[13] != ':' ||
        s[16] != ':')
        return PB_EINVAL;
    int hh, mi, ss;
    if (!num(s + 11, 2, &hh) || !num(s + 14, 2, &mi) || !num(s + 17, 2, &ss) ||
        hh > 23 || mi > 59 || ss > 60)
        return PB_EINVAL;
    size_t i = 19;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
    }
    int64_t off = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (len - i < 6 || s[i + 3] != ':' || !num(s + i + 1, 2, &oh) ||
            !num(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return PB_EINVAL;
        off = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
        i += 6;
    }
    if (i != len)
        return PB_EINVAL;
    *out = day + hh * 3600 + mi * 60 + ss - off;
    return PB_OK;
}

/* Digits at *p (at most max of them) as a number; -1 when there are none. */
static int digits(const char **p, const char *end, int max)
{
    int v = 0, n = 0;
    while (*p < end && n < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n ? v : -1;
}

static void spaces(const char **p, const char *end)
{
    while (*p < end && **p == ' ')
        (*p)++;
}

/* "[Fri, ]30 Mar 2007[ 00:00:00[ GMT|+0200]]" */
static int parse_rfc2822(const char *s, size_t len, int64_t *out)
{
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *p = s, *end = s + len;
    const char *comma = memchr(s, ',', len);
    if (comma)
        p = comma + 1;
    spaces(&p, end);
    int d = digits(&p, end, 2);
    spaces(&p, end);
    if (d < 0 || end - p < 3)
        return PB_EINVAL;
    int m = 0;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, mon + 3 * i, 3) == 0)
            m = i + 1;
    p += 3;
    spaces(&p, end);
    int y = digits(&p, end, 4), hh = 0, mi = 0, ss = 0;
    spaces(&p, end);
    if (p < end) {
        hh = digits(&p, end, 2);
        if (p >= end || *p++ != ':')
            return PB_EINVAL;
        mi = digits(&p, end, 2);
        if (p < end && *p == ':') {
            p++;
            ss = digits(&p, end, 2);
        }
        if (hh < 0 || mi < 0 || ss < 0)
            return PB_EINVAL;
        spaces(&p, end);
    }
    if (!m || !valid_ymd(y, m, d) || hh > 23 || mi > 59 || ss > 60)
        return PB_EINVAL;
    int64_t off = 0;
    if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '+' ? 1 : -1;
        const char *z0 = p;
        int z = digits(&p, end, 4);
        if (p - z0 != 4)
            return PB_EINVAL;
        off = ((z / 100) * 3600 + (z % 100) * 60) * sign;
    } else if (p < end) {
        /* a zone name: GMT, UT, UTC, Z */
        const char *z = p;
        while (p < end && isalpha((unsigned char)*p))
            p++;
        if (p == z || p - z > 4)
            return PB_EINVAL;
    }
    spaces(&p, end);
    if (p != end)
        return PB_EINVAL;
    *out = pb_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 +
           hh * 3600 + mi * 60 + ss - off;
    return PB_OK;
}

int pb_date_parse(const char *s, size_t len, int64_t *out)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= 10 && isdigit((unsigned char)s[0]) && s[4] == '-')
        return parse_iso(s, len, out);
    return parse_rfc2822(s, len, out);
}

/* n (< 10^width) as width zero-padded digits at p. Without snprintf: the
 * JSON API formats two dates per paper it answers. */
static void put_digits(char *p, unsigned n, int width)
{
    while (width--) {
        p[width] = (char)('0' + n % 10);
        n /= 10;
    }
}

/* "YYYY-MM-DD" at out (10 bytes, no NUL); years wrap into 0000..9999 */
static void put_day(int64_t days, char *out)
{
    int y;
    unsigned m, d;
    pb_civil_from_days(days, &y, &m, &d);
    put_digits(out, (unsigned)((y % 10000 + 10000) % 10000), 4);
    out[4] = '-';
    put_digits(out + 5, m % 100, 2);
    out[7] = '-';
    put_digits(out + 8, d % 100, 2);
}

void pb_day_format(int64_t t, char out[11])
{
    put_day(t >= 0 ? t / 86400 : (t - 86399) / 86400, out);
    out[10] = '\0';
}

void pb_time_format(int64_t t, char out[21])
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    unsigned secs = (unsigned)(t - days * 86400);
    put_day(days, out);
    out[10] = 'T';
    put_digits(out + 11, secs / 3600, 2);
    out[13] = ':';
    put_digits(out + 14, secs / 60 % 60, 2);
    out[16] = ':';
    put_digits(out + 17, secs % 60, 2);
    out[19] = 'Z';
    out[20] = '\0';
}
