/* datetime.c: the date/time strings dlt accepts (pendulum's ISO 8601 parser, then pendulum's
 * `_parse_common` regex as fallback), Unix-seconds conversion and Python's isoformat output. */
#include "types.h"
#include "types_int.h"
#include "naming/uchar.h"

#include <math.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY INT64_C(86400000000)

/* ---- civil calendar (proleptic Gregorian, H. Hinnant's algorithms) ---- */

int64_t types_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void types_civil_from_days(int64_t z, int64_t *out_y, unsigned *out_m, unsigned *out_d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *out_y = y + (m <= 2);
    *out_m = m;
    *out_d = d;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned DIM[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : DIM[m - 1];
}

/* Python datetime.date's range: years 1..9999. */
static bool valid_date(int64_t y, int64_t m, int64_t d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
           d <= (int64_t)days_in_month(y, (unsigned)m);
}

static bool valid_time(int h, int mi, int s) { return h <= 23 && mi <= 59 && s <= 59; }

/* Unix microseconds of 0001-01-01T00:00:00 and of 9999-12-31T23:59:59.999999 */
#define MIN_US (types_days_from_civil(1, 1, 1) * US_PER_DAY)
#define MAX_US (types_days_from_civil(9999, 12, 31) * US_PER_DAY + US_PER_DAY - 1)

bool types_us_in_range(int64_t us) { return us >= MIN_US && us <= MAX_US; }

/* ---- pendulum 3 ISO 8601 parser (the subset its Rust parser accepts) ----
 * date:  YYYY-MM-DD | YYYYMMDD | YYYY-MM | YYYY-Www[-D] | YYYYWww[D] | YYYY-DDD | YYYYDDD
 * time:  HH[:MM[:SS[.f]]] after an extended date, HH[MM[SS[.f]]] after a basic one (pendulum 3
 *        rejects mixing the two forms), separator 'T' or ' ', fraction '.' or ',' 1-9 digits
 * tz:    Z | +HH | +HHMM | +HH:MM (only after a time)
 * time only: [T]HH:MM[:SS[.f]][tz] (extended form; "1000" alone would be a year) */

typedef struct cursor {
    const char *s; /* input */
    size_t n;      /* bytes */
    size_t i;      /* position */
} cursor;

static int peek(const cursor *c) { return c->i < c->n ? (unsigned char)c->s[c->i] : -1; }

/* Exactly `k` ASCII digits. */
static bool digits(cursor *c, int k, int *out)
{
    int v = 0;
    for (int j = 0; j < k; j++) {
        int ch = peek(c);
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
        c->i++;
    }
    *out = v;
    return true;
}

/* Fraction after '.' or ',': 1-9 digits, truncated to microseconds. */
static bool fraction(cursor *c, int *out_us)
{
    int ch = peek(c);
    if (ch != '.' && ch != ',')
        return true;
    c->i++;
    int nd = 0, us = 0;
    while ((ch = peek(c)) >= '0' && ch <= '9') {
        if (nd < 6)
            us = us * 10 + (ch - '0');
        nd++;
        c->i++;
    }
    if (nd == 0 || nd > 9)
        return false;
    for (int k = nd; k < 6; k++)
        us *= 10;
    *out_us = us;
    return true;
}

static bool tz_part(cursor *c, bool *has_tz, int *off_s)
{
    int ch = peek(c);
    if (ch == 'Z') {
        c->i++;
        *has_tz = true;
        *off_s = 0;
        return true;
    }
    if (ch != '+' && ch != '-')
        return true;
    c->i++;
    int hh, mm = 0;
    if (!digits(c, 2, &hh))
        return false;
    if (peek(c) == ':') {
        c->i++;
        if (!digits(c, 2, &mm))
            return false;
    } else if (peek(c) >= '0' && peek(c) <= '9') {
        if (!digits(c, 2, &mm))
            return false;
    }
    if (hh > 23 || mm > 59)
        return false;
    *has_tz = true;
    *off_s = (ch == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return true;
}

/* Time fields; `extended` selects HH:MM:SS vs HHMMSS. */
static bool time_part(cursor *c, bool extended, types_iso *t)
{
    int h, mi = 0, s = 0, us = 0;
    if (!digits(c, 2, &h))
        return false;
    if (extended ? peek(c) == ':' : (peek(c) >= '0' && peek(c) <= '9')) {
        if (extended)
            c->i++;
        if (!digits(c, 2, &mi))
            return false;
        if (extended ? peek(c) == ':' : (peek(c) >= '0' && peek(c) <= '9')) {
            if (extended)
                c->i++;
            if (!digits(c, 2, &s))
                return false;
            if (!fraction(c, &us))
                return false;
        }
    }
    if (!valid_time(h, mi, s))
        return false;
    t->us = ((int64_t)h * 3600 + mi * 60 + s) * US_PER_SEC + us;
    return tz_part(c, &t->has_tz, &t->offset_s);
}

/* ISO week date -> days since epoch (ISO 8601: week 1 holds the year's first Thursday). */
static bool iso_week_days(int y, int w, int wd, int64_t *out)
{
    if (y < 1 || w < 1 || w > 53 || wd < 1 || wd > 7)
        return false;
    int64_t jan4 = types_days_from_civil(y, 1, 4);
    /* 1970-01-01 was a Thursday: ISO weekday (Mon=1) of day z is ((z + 3) mod 7) + 1 */
    int64_t jan4_wd = ((jan4 + 3) % 7 + 7) % 7 + 1;
    int64_t week1_monday = jan4 - (jan4_wd - 1);
    int64_t days = week1_monday + (int64_t)(w - 1) * 7 + (wd - 1);
    if (w == 53) {
        /* only years whose Dec 28 falls in week 53 have one */
        int64_t dec28 = types_days_from_civil(y, 12, 28);
        int64_t dec28_wd = ((dec28 + 3) % 7 + 7) % 7 + 1;
        int64_t last_week = (dec28 - (dec28_wd - 1) - week1_monday) / 7 + 1;
        if (last_week < 53)
            return false;
    }
    int64_t yy;
    unsigned m, d;
    types_civil_from_days(days, &yy, &m, &d);
    if (yy < 1 || yy > 9999)
        return false;
    *out = days;
    return true;
}

static bool parse_iso8601(const char *s, size_t n, types_iso *t)
{
    cursor c = {s, n, 0};
    memset(t, 0, sizeof(*t));
    /* time only, extended form: [T]HH:MM... */
    bool lead_t = peek(&c) == 'T';
    if (lead_t || (n >= 3 && s[2] == ':')) {
        if (lead_t)
            c.i++;
        size_t save = c.i;
        int h;
        if (!digits(&c, 2, &h) || peek(&c) != ':')
            return false;
        c.i = save;
        if (!time_part(&c, true, t) || c.i != n)
            return false;
        t->kind = TYPES_ISO_TIME;
        if (t->has_tz)
            t->us = ((t->us - (int64_t)t->offset_s * US_PER_SEC) % US_PER_DAY + US_PER_DAY) %
                    US_PER_DAY;
        return true;
    }
    int y, m = 1, d = 1;
    bool extended;
    int64_t days;
    if (!digits(&c, 4, &y))
        return false;
    extended = peek(&c) == '-';
    if (extended)
        c.i++;
    if (peek(&c) == 'W') {
        c.i++;
        int w, wd = 1;
        if (!digits(&c, 2, &w))
            return false;
        if (extended && peek(&c) == '-') {
            c.i++;
            if (!digits(&c, 1, &wd))
                return false;
        } else if (!extended && peek(&c) >= '0' && peek(&c) <= '9') {
            if (!digits(&c, 1, &wd))
                return false;
        }
        if (!iso_week_days(y, w, wd, &days))
            return false;
    } else {
        /* count the digits ahead to tell YYYY-DDD / YYYYDDD (ordinal) from months */
        size_t k = c.i;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++;
        size_t nd = k - c.i;
        if (nd == 3 || (!extended && nd == 3)) {
            int doy;
            if (!digits(&c, 3, &doy))
                return false;
            if (y < 1 || y > 9999 || doy < 1 || doy > (is_leap(y) ? 366 : 365))
                return false;
            days = types_days_from_civil(y, 1, 1) + doy - 1;
        } else {
            if (!extended && nd != 4)
                return false; /* basic form needs YYYYMMDD */
            if (!digits(&c, 2, &m))
                return false;
            if (extended) {
                if (peek(&c) == '-') {
                    c.i++;
                    if (!digits(&c, 2, &d))
                        return false;
                } else if (c.i != n) {
                    return false; /* YYYY-MM only as a whole string */
                }
            } else if (!digits(&c, 2, &d)) {
                return false;
            }
            if (!valid_date(y, m, d))
                return false;
            days = types_days_from_civil(y, (unsigned)m, (unsigned)d);
        }
    }
    if (c.i == n) {
        t->kind = TYPES_ISO_DATE;
        t->days = (int32_t)days;
        return true;
    }
    int sep = peek(&c);
    if (sep != 'T' && sep != ' ')
        return false;
    c.i++;
    if (!time_part(&c, extended, t) || c.i != n)
        return false;
    t->kind = TYPES_ISO_DATETIME;
    t->us = days * US_PER_DAY + t->us - (int64_t)t->offset_s * US_PER_SEC;
    t->days = (int32_t)days;
    return types_us_in_range(t->us);
}

/* ---- pendulum `_parse_common` (Python regex, Unicode \d, `$` also before a final '\n'):
 * ^(YYYY([/:]?MM[/:]?DD)?)?( ?H{1,2}:M{1,2}?(:S{1,2})?([.|,]F{1,9})?)?$
 * Alternatives are tried in the regex engine's order (greedy first, then backtracking). */

#define COMMON_MAX 40 /* longest possible match is 29 code points (+ '\n') */

typedef struct cps {
    int32_t cp[COMMON_MAX]; /* code points */
    int8_t dv[COMMON_MAX];  /* decimal digit value, -1 if not a digit */
    int n;                  /* count */
} cps;

static bool at_end(const cps *p, int i) { return i == p->n || (i == p->n - 1 && p->cp[i] == '\n'); }

static bool num(const cps *p, int i, int k, int *out)
{
    if (i + k > p->n)
        return false;
    int v = 0;
    for (int j = 0; j < k; j++) {
        if (p->dv[i + j] < 0)
            return false;
        v = v * 10 + p->dv[i + j];
    }
    *out = v;
    return true;
}

typedef struct common_time {
    bool present; /* the time group matched */
    int h, mi, s;  /* fields (mi = -1: group absent -> Python int(None) TypeError) */
    int us;        /* microseconds from the subsecond group */
} common_time;

/* Match the optional time group from i to the end, in regex preference order. */
static bool common_time_match(const cps *p, int i, common_time *t)
{
    memset(t, 0, sizeof(*t));
    for (int sp = 1; sp >= 0; sp--) {
        if (sp && (i >= p->n || p->cp[i] != ' '))
            continue;
        int i0 = i + sp;
        for (int hl = 2; hl >= 1; hl--) {
            int h;
            if (!num(p, i0, hl, &h) || i0 + hl >= p->n || p->cp[i0 + hl] != ':')
                continue;
            int i1 = i0 + hl + 1;
            for (int ml = 2; ml >= 0; ml--) {
                int mi = -1;
                if (ml && !num(p, i1, ml, &mi))
                    continue;
                int i2 = i1 + ml;
                for (int sl = 2; sl >= -1; sl--) { /* -1: no seconds group */
                    int sec = 0, i3 = i2;
                    if (sl > 0) {
                        if (i2 >= p->n || p->cp[i2] != ':' || !num(p, i2 + 1, sl, &sec))
                            continue;
                        i3 = i2 + 1 + sl;
                    } else if (sl == 0) {
                        continue;
                    }
                    for (int fl = 9; fl >= 0; fl--) {
                        int i4 = i3, us = 0;
                        if (fl) {
                            if (i3 >= p->n ||
                                (p->cp[i3] != '.' && p->cp[i3] != '|' && p->cp[i3] != ','))
                                continue;
                            int f;
                            for (f = 0; f < fl; f++)
                                if (i3 + 1 + f >= p->n || p->dv[i3 + 1 + f] < 0)
                                    break;
                            if (f < fl)
                                continue;
                            for (f = 0; f < 6; f++)
                                us = us * 10 + (f < fl ? p->dv[i3 + 1 + f] : 0);
                            i4 = i3 + 1 + fl;
                        }
                        if (at_end(p, i4)) {
                            t->present = true;
                            t->h = h, t->mi = mi, t->s = sec, t->us = us;
                            return true;
                        }
                    }
                }
            }
        }
    }
    /* time group absent */
    return at_end(p, i);
}

static bool parse_common(const char *s, size_t n, types_iso *t)
{
    cps p;
    p.n = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, l; i < n; i += l) {
        if (p.n == COMMON_MAX)
            return false;
        int32_t cp = naming_uc_decode(u + i, n - i, &l);
        if (cp < 0)
            return false;
        p.cp[p.n] = cp;
        p.dv[p.n] = (int8_t)naming_uc_digit((uint32_t)cp);
        p.n++;
    }
    memset(t, 0, sizeof(*t));
    int y = 0, m = 1, d = 1;
    common_time tm;
    bool matched = false, has_date = false;
    /* date group present (greedy) first, then absent */
    if (num(&p, 0, 4, &y)) {
        /* monthday present: monthsep present/absent, daysep present/absent */
        for (int ms = 1; ms >= 0 && !matched; ms--) {
            if (ms && (p.n <= 4 || (p.cp[4] != '/' && p.cp[4] != ':')))
                continue;
            int i = 4 + ms;
            int mm;
            if (!num(&p, i, 2, &mm))
                continue;
            for (int ds = 1; ds >= 0 && !matched; ds--) {
                int j = i + 2;
                if (ds && (j >= p.n || (p.cp[j] != '/' && p.cp[j] != ':')))
                    continue;
                j += ds;
                int dd;
                if (!num(&p, j, 2, &dd))
                    continue;
                if (common_time_match(&p, j + 2, &tm)) {
                    matched = has_date = true;
                    m = mm, d = dd;
                }
            }
        }
        if (!matched && common_time_match(&p, 4, &tm))
            matched = has_date = true; /* year only */
    }
    if (!matched) {
        if (!common_time_match(&p, 0, &tm))
            return false;
        y = 0; /* no date: date(0, 1, 1) if no time either -> ValueError */
    }
    if (!tm.present) {
        if (!has_date || !valid_date(y, m, d))
            return false;
        t->kind = TYPES_ISO_DATE;
        t->days = (int32_t)types_days_from_civil(y, (unsigned)m, (unsigned)d);
        return true;
    }
    if (tm.mi < 0 || !valid_time(tm.h, tm.mi, tm.s))
        return false; /* int(None) raises TypeError in pendulum: not a date */
    int64_t tus = ((int64_t)tm.h * 3600 + tm.mi * 60 + tm.s) * US_PER_SEC + tm.us;
    if (!has_date) {
        t->kind = TYPES_ISO_TIME;
        t->us = tus;
        return true;
    }
    if (!valid_date(y, m, d))
        return false;
    int64_t days = types_days_from_civil(y, (unsigned)m, (unsigned)d);
    t->kind = TYPES_ISO_DATETIME;
    t->days = (int32_t)days;
    t->us = days * US_PER_DAY + tus;
    return true;
}

bool types_parse_iso(const char *s, size_t len, types_iso *out)
{
    types_iso tmp;
    if (!out)
        out = &tmp;
    if (!s || len == 0) {
        memset(out, 0, sizeof(*out));
        return false;
    }
    if (parse_iso8601(s, len, out))
        return true;
    if (parse_common(s, len, out))
        return true;
    memset(out, 0, sizeof(*out));
    return false;
}

bool types_parse_iso_timestamp(const char *s, size_t len, int64_t *out_us, bool *out_has_tz)
{
    types_iso t;
    if (!types_parse_iso(s, len, &t) || t.kind != TYPES_ISO_DATETIME)
        return false;
    if (out_us)
        *out_us = t.us;
    if (out_has_tz)
        *out_has_tz = t.has_tz;
    return true;
}

bool types_parse_iso_date(const char *s, size_t len, int32_t *out_days)
{
    types_iso t;
    if (!types_parse_iso(s, len, &t) || t.kind != TYPES_ISO_DATE)
        return false;
    if (out_days)
        *out_days = t.days;
    return true;
}

bool types_parse_iso_time(const char *s, size_t len, int64_t *out_us)
{
    types_iso t;
    if (!types_parse_iso(s, len, &t) || t.kind != TYPES_ISO_TIME)
        return false;
    if (out_us)
        *out_us = t.us;
    return true;
}

/* ---- Unix seconds (Python datetime.fromtimestamp(x, timezone.utc)) ---- */

/* _PyTime_RoundHalfEven */
static double round_half_even(double x)
{
    double r = round(x);
    if (fabs(x - r) == 0.5)
        r = 2.0 * round(x / 2.0);
    return r;
}

bool types_unix_double_to_us(double secs, int64_t *out_us)
{
    if (!isfinite(secs))
        return false;
    double ip;
    double fp = modf(secs, &ip);
    fp = round_half_even(fp * 1e6);
    if (fp >= 1e6) {
        fp -= 1e6;
        ip += 1.0;
    } else if (fp < 0) {
        fp += 1e6;
        ip -= 1.0;
    }
    /* the range check happens before multiplying, so no overflow */
    if (ip < -62135596800.0 || ip > 253402300799.0)
        return false;
    *out_us = (int64_t)ip * US_PER_SEC + (int64_t)fp;
    return types_us_in_range(*out_us);
}

bool types_unix_int_to_us(int64_t secs, int64_t *out_us)
{
    if (secs < INT64_C(-62135596800) || secs > INT64_C(253402300799))
        return false;
    *out_us = secs * US_PER_SEC;
    return true;
}

/* ---- formatting (Python isoformat) ---- */

static int floor_div(int64_t a, int64_t b, int64_t *rem)
{
    int64_t q = a / b, r = a % b;
    if (r < 0) {
        r += b;
        q--;
    }
    *rem = r;
    return (int)q;
}

/* Digits by hand: writers format millions of these (printf dominated the jsonl writer). */
static char *put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

static cdlt_status put_date(int64_t days, buf *out)
{
    int64_t y;
    unsigned m, d;
    types_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return buf_printf(out, "%04lld-%02u-%02u", (long long)y, m, d);
    cdlt_status st = buf_reserve(out, 11);
    if (st != CDLT_OK)
        return st;
    char *o = out->data + out->len;
    o = put2(o, (unsigned)(y / 100));
    o = put2(o, (unsigned)(y % 100));
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return CDLT_OK;
}

static cdlt_status put_time(int64_t us_of_day, buf *out)
{
    int64_t s = us_of_day / US_PER_SEC, frac = us_of_day % US_PER_SEC;
    cdlt_status st = buf_reserve(out, 16);
    if (st != CDLT_OK)
        return st;
    char *o = out->data + out->len;
    o = put2(o, (unsigned)(s / 3600));
    *o++ = ':';
    o = put2(o, (unsigned)(s / 60 % 60));
    *o++ = ':';
    o = put2(o, (unsigned)(s % 60));
    if (frac) {
        *o++ = '.';
        for (int i = 5; i >= 0; i--) {
            o[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += 6;
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return CDLT_OK;
}

cdlt_status types_fmt_timestamp(int64_t us, bool naive, buf *out)
{
    int64_t rem;
    int days = floor_div(us, US_PER_DAY, &rem);
    cdlt_status st = put_date(days, out);
    if (st == CDLT_OK)
        st = buf_putc(out, 'T');
    if (st == CDLT_OK)
        st = put_time(rem, out);
    if (st == CDLT_OK && !naive)
        st = buf_puts(out, "+00:00");
    return st;
}

cdlt_status types_fmt_date(int32_t days, buf *out) { return put_date(days, out); }

cdlt_status types_fmt_time(int64_t us, buf *out)
{
    int64_t rem;
    (void)floor_div(us, US_PER_DAY, &rem);
    return put_time(rem, out);
}
