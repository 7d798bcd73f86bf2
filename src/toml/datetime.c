/* datetime.c: TOML offset date-times, local date-times, local dates and local times: range
 * checks (leap years, leap second 60) and the canonical text stored in the jv (docs/toml.md). */
#include "toml_internal.h"

#include <stdio.h>

bool toml_datetime_starts(const char *s, size_t n)
{
    if (n >= 5 && toml_is_digit((unsigned char)s[0]) && toml_is_digit((unsigned char)s[1]) &&
        toml_is_digit((unsigned char)s[2]) && toml_is_digit((unsigned char)s[3]) && s[4] == '-')
        return true;
    return n >= 3 && toml_is_digit((unsigned char)s[0]) && toml_is_digit((unsigned char)s[1]) &&
           s[2] == ':';
}

/* Exactly `k` digits at s[i..]; their value, or -1. */
static int num(const char *s, size_t n, size_t i, int k)
{
    if (i + (size_t)k > n)
        return -1;
    int v = 0;
    for (int j = 0; j < k; j++) {
        unsigned char c = (unsigned char)s[i + (size_t)j];
        if (!toml_is_digit(c))
            return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

#define FAIL(msg, pos)                                                                          \
    do {                                                                                        \
        *why = (msg);                                                                           \
        *bad = (pos);                                                                           \
        return 0;                                                                               \
    } while (0)

/* HH:MM:SS[.frac] at s[i..]; appends "HH:MM:SS[.frac]" to out->text. */
static size_t scan_time(const char *s, size_t n, size_t i, toml_dt *out, const char **why,
                        size_t *bad)
{
    int hh = num(s, n, i, 2), mm = -1, ss = -1;
    if (hh >= 0 && i + 2 < n && s[i + 2] == ':')
        mm = num(s, n, i + 3, 2);
    if (mm >= 0 && i + 5 < n && s[i + 5] == ':')
        ss = num(s, n, i + 6, 2);
    if (hh < 0 || mm < 0 || ss < 0)
        FAIL("time must be HH:MM:SS with two digits each (seconds are required in TOML 1.0)", i);
    if (hh > 23)
        FAIL("hour out of range; expected 00-23", i);
    if (mm > 59)
        FAIL("minute out of range; expected 00-59", i + 3);
    if (ss > 60)
        FAIL("second out of range; expected 00-59 (60 for a leap second)", i + 6);
    out->len += (uint32_t)snprintf(out->text + out->len, sizeof out->text - out->len,
                                   "%02d:%02d:%02d", hh, mm, ss);
    i += 8;
    if (i < n && s[i] == '.') {
        size_t f = i + 1, k = 0;
        while (f + k < n && toml_is_digit((unsigned char)s[f + k]))
            k++;
        if (k == 0)
            FAIL("fractional seconds need at least one digit after the '.'", i);
        /* Keep nanoseconds; the spec says extra precision is truncated, not rounded. Trailing
         * zeros are dropped so equal instants have one text. */
        size_t keep = k > 9 ? 9 : k;
        while (keep > 0 && s[f + keep - 1] == '0')
            keep--;
        if (keep) {
            out->text[out->len++] = '.';
            memcpy(out->text + out->len, s + f, keep);
            out->len += (uint32_t)keep;
            out->text[out->len] = '\0';
        }
        i = f + k;
    }
    return i;
}

size_t toml_datetime_scan(const char *s, size_t n, toml_dt *out, const char **why, size_t *bad)
{
    out->len = 0;
    out->text[0] = '\0';
    size_t i = 0;
    if (n >= 3 && s[2] == ':') {
        out->type = JV_TIME_LOCAL;
        return scan_time(s, n, 0, out, why, bad);
    }
    int y = num(s, n, 0, 4), m = -1, d = -1;
    if (y >= 0 && n > 4 && s[4] == '-')
        m = num(s, n, 5, 2);
    if (m >= 0 && n > 7 && s[7] == '-')
        d = num(s, n, 8, 2);
    if (y < 0 || m < 0 || d < 0)
        FAIL("date must be YYYY-MM-DD with 4-2-2 digits", 0);
    if (m < 1 || m > 12)
        FAIL("month out of range; expected 01-12", 5);
    if (d < 1 || d > days_in_month(y, m))
        FAIL("day out of range for this month (leap years have Feb 29)", 8);
    out->len = (uint32_t)snprintf(out->text, sizeof out->text, "%04d-%02d-%02d", y, m, d);
    i = 10;
    bool has_time = false;
    if (i < n && (s[i] == 'T' || s[i] == 't')) {
        has_time = true;
    } else if (i + 1 < n && s[i] == ' ' && toml_is_digit((unsigned char)s[i + 1])) {
        /* A space separates date and time only when a time follows; otherwise it is just the
         * whitespace after a local date. */
        has_time = true;
    }
    if (!has_time) {
        out->type = JV_DATE_LOCAL;
        return i;
    }
    out->text[out->len++] = 'T';
    i = scan_time(s, n, i + 1, out, why, bad);
    if (!i)
        return 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        out->type = JV_DATETIME;
        out->text[out->len++] = 'Z';
        out->text[out->len] = '\0';
        return i + 1;
    }
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh = num(s, n, i + 1, 2), om = -1;
        if (oh >= 0 && i + 3 < n && s[i + 3] == ':')
            om = num(s, n, i + 4, 2);
        if (oh < 0 || om < 0)
            FAIL("time offset must be Z or +HH:MM / -HH:MM", i);
        if (oh > 23 || om > 59)
            FAIL("time offset out of range; expected hours 00-23 and minutes 00-59", i);
        out->type = JV_DATETIME;
        out->len += (uint32_t)snprintf(out->text + out->len, sizeof out->text - out->len,
                                       "%c%02d:%02d", s[i], oh, om);
        return i + 6;
    }
    out->type = JV_DATETIME_LOCAL;
    return i;
}
