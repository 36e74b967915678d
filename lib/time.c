/*
 * Clocks, and RFC 3339 formatting and parsing without the C library's
 * locale- and timezone-dependent calls.
 */

#include <stdio.h>
#include <time.h>

#include "tollgate/error.h"
#include "tollgate/time.h"


int64_t
tg_time_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


int64_t
tg_time_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
 * days_from_civil). */
static int64_t
tg_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t  era;
    unsigned yoe, doy, doe, mp;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    mp = m > 2 ? m - 3 : m + 9;
    doy = (153 * mp + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t) doe - 719468;
}


static void
tg_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t  era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned) (z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t) yoe + era * 400 + (*m <= 2);
}


/* Writes v's last width decimal digits, zero-padded. */
static void
tg_time_digits(char *out, unsigned v, size_t width)
{
    while (width > 0) {
        out[--width] = (char) ('0' + v % 10);
        v /= 10;
    }
}


size_t
tg_time_format(int64_t ms, int with_ms, char out[TG_RFC3339_LEN + 1])
{
    static const int64_t min_ms = -62167219200000; /* 0000-01-01 */
    static const int64_t max_ms = 253402300799999; /* 9999-12-31 */
    int64_t              days, secs, y;
    unsigned             m, d, msec;
    size_t               n;

    ms = ms < min_ms ? min_ms : ms > max_ms ? max_ms : ms;

    days = (ms >= 0 ? ms : ms - 86399999) / 86400000;
    secs = (ms - days * 86400000) / 1000;
    msec = (unsigned) ((ms - days * 86400000) % 1000);
    tg_civil_from_days(days, &y, &m, &d);

    /* By hand, not snprintf(): every log line and reply formats times. */
    tg_time_digits(out, (unsigned) y, 4);
    out[4] = '-';
    tg_time_digits(out + 5, m, 2);
    out[7] = '-';
    tg_time_digits(out + 8, d, 2);
    out[10] = 'T';
    tg_time_digits(out + 11, (unsigned) (secs / 3600), 2);
    out[13] = ':';
    tg_time_digits(out + 14, (unsigned) (secs / 60 % 60), 2);
    out[16] = ':';
    tg_time_digits(out + 17, (unsigned) (secs % 60), 2);
    n = 19;
    if (with_ms) {
        out[n++] = '.';
        tg_time_digits(out + n, msec, 3);
        n += 3;
    }
    out[n++] = 'Z';
    out[n] = '\0';

    return n;
}


/* Reads exactly n digits at s.ptr[*pos]. */
static int
tg_digits(tg_str_t s, size_t *pos, size_t n, unsigned *out)
{
    unsigned v = 0;
    size_t   i;

    if (s.len - *pos < n) {
        return TG_EINVALID;
    }

    for (i = 0; i < n; i++) {
        unsigned c = (unsigned char) s.ptr[*pos + i] - '0';

        if (c > 9) {
            return TG_EINVALID;
        }
        v = v * 10 + c;
    }

    *pos += n;
    *out = v;
    return TG_OK;
}


static int
tg_expect(tg_str_t s, size_t *pos, const char *chars)
{
    if (*pos < s.len) {
        for (; *chars != '\0'; chars++) {
            if (s.ptr[*pos] == *chars) {
                (*pos)++;
                return TG_OK;
            }
        }
    }

    return TG_EINVALID;
}


static unsigned
tg_days_in_month(unsigned y, unsigned m)
{
    static const unsigned days[] = { 31, 28, 31, 30, 31, 30,
                                     31, 31, 30, 31, 30, 31 };
    int                   leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}


int
tg_time_parse(tg_str_t s, int64_t *ms)
{
    unsigned y, mo, d, h, mi, sec, oh, om, frac = 0, scale = 1000;
    size_t   pos = 0;
    int64_t  offset = 0, sign;

    if (tg_digits(s, &pos, 4, &y) || tg_expect(s, &pos, "-")
        || tg_digits(s, &pos, 2, &mo) || tg_expect(s, &pos, "-")
        || tg_digits(s, &pos, 2, &d) || tg_expect(s, &pos, "Tt")
        || tg_digits(s, &pos, 2, &h) || tg_expect(s, &pos, ":")
        || tg_digits(s, &pos, 2, &mi) || tg_expect(s, &pos, ":")
        || tg_digits(s, &pos, 2, &sec))
    {
        return TG_EINVALID;
    }

    if (mo < 1 || mo > 12 || d < 1 || d > tg_days_in_month(y, mo) || h > 23
        || mi > 59 || sec > 59)
    {
        return TG_EINVALID;
    }

    if (tg_expect(s, &pos, ".") == TG_OK) {
        size_t start = pos;

        while (pos < s.len && s.ptr[pos] >= '0' && s.ptr[pos] <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (unsigned) (s.ptr[pos] - '0') * scale;
            }
            pos++;
        }

        if (pos == start || pos - start > 9) {
            return TG_EINVALID;
        }
    }

    if (tg_expect(s, &pos, "Zz") != TG_OK) {
        if (pos >= s.len || (s.ptr[pos] != '+' && s.ptr[pos] != '-')) {
            return TG_EINVALID;
        }

        sign = s.ptr[pos++] == '-' ? -1 : 1;
        if (tg_digits(s, &pos, 2, &oh) || tg_expect(s, &pos, ":")
            || tg_digits(s, &pos, 2, &om) || oh > 23 || om > 59)
        {
            return TG_EINVALID;
        }

        offset = sign * ((int64_t) oh * 3600 + om * 60) * 1000;
    }

    if (pos != s.len) {
        return TG_EINVALID;
    }

    *ms =
        (tg_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000
        + frac - offset;
    return TG_OK;
}
