/* types.c: dlt's data types: names, inference of a JSON value's type, detections for new
 * columns, and the coercion table for values entering existing columns (core.md §3.1-3.2). */
#include "types.h"
#include "types_int.h"
#include "naming/uchar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY INT64_C(86400000000)

static const char *const NAMES[DT__COUNT] = {
    [DT_NONE] = NULL,           [DT_TEXT] = "text",       [DT_DOUBLE] = "double",
    [DT_BOOL] = "bool",         [DT_TIMESTAMP] = "timestamp", [DT_BIGINT] = "bigint",
    [DT_BINARY] = "binary",     [DT_JSON] = "json",       [DT_DECIMAL] = "decimal",
    [DT_WEI] = "wei",           [DT_DATE] = "date",       [DT_TIME] = "time",
};

const char *dtype_name(dtype t)
{
    if ((unsigned)t >= DT__COUNT)
        return NULL;
    return NAMES[t];
}

dtype dtype_parse(const char *name, size_t len)
{
    if (!name)
        return DT_NONE;
    for (int t = 1; t < DT__COUNT; t++)
        if (strlen(NAMES[t]) == len && memcmp(NAMES[t], name, len) == 0)
            return (dtype)t;
    if (len == 7 && memcmp(name, "complex", 7) == 0)
        return DT_JSON; /* legacy alias, migrated to json by dlt */
    return DT_NONE;
}

/* ---- inference and detection ---- */

dtype types_infer(const jv *v)
{
    if (!v)
        return DT_NONE;
    switch ((jv_type)v->type) {
    case JV_NULL: return DT_NONE;
    case JV_BOOL: return DT_BOOL;
    case JV_INT:
    case JV_UINT:
    case JV_BIGNUM: return DT_BIGINT;
    case JV_DOUBLE: return DT_DOUBLE;
    case JV_STRING: return DT_TEXT;
    case JV_ARRAY:
    case JV_OBJECT: return DT_JSON;
    case JV_DATETIME:
    case JV_DATETIME_LOCAL: return DT_TIMESTAMP;
    case JV_DATE_LOCAL: return DT_DATE;
    case JV_TIME_LOCAL: return DT_TIME;
    }
    return DT_NONE;
}

/* dlt: _NOW_TS = pendulum.now().timestamp() at import; here: first use (or pinned). */
static _Atomic double g_now;

void types_set_now(double unix_seconds) { g_now = unix_seconds; }

static double now_ts(void)
{
    double n = g_now;
    if (n == 0) {
        n = time_unix();
        g_now = n;
    }
    return n;
}

/* 578960446186580977117854925043439539266: above it a large integer becomes text. */
static const char WEI_MAX[] = "578960446186580977117854925043439539266";

dtype types_detect(const jv *v, unsigned detections)
{
    dtype base = types_infer(v);
    /* a source's typed string (dlt: a Decimal or bytes value) types a new column as such */
    if (base == DT_TEXT && (v->flags & JV_F_TYPED))
        return (v->flags & JV_F_DECIMAL) ? DT_DECIMAL : DT_BINARY;
    if (base == DT_TEXT && (detections & (DETECT_ISO_TIMESTAMP | DETECT_ISO_DATE)) && v->len) {
        types_iso t;
        if (types_parse_iso(v->u.s, v->len, &t)) {
            if (t.kind == TYPES_ISO_DATETIME && (detections & DETECT_ISO_TIMESTAMP))
                return DT_TIMESTAMP;
            if (t.kind == TYPES_ISO_DATE && (detections & DETECT_ISO_DATE))
                return DT_DATE;
        }
    }
    if (detections & DETECT_TIMESTAMP) {
        /* ints and floats within 5 * 365 days of now (bool is not int here: type(v) is bool) */
        const double range = 5 * 31536000.0, now = now_ts();
        double x = NAN;
        if (v->type == JV_INT)
            x = (double)v->u.i;
        else if (v->type == JV_UINT)
            x = (double)v->u.u;
        else if (v->type == JV_DOUBLE)
            x = v->u.d;
        if (x >= now - range && x <= now + range)
            return DT_TIMESTAMP;
    }
    if (detections & DETECT_LARGE_INTEGER) {
        if (v->type == JV_UINT)
            return DT_WEI; /* > 2^63 - 1 by construction */
        if (v->type == JV_BIGNUM && v->len && v->u.s[0] != '-') {
            const char *s = v->u.s;
            size_t n = v->len;
            if (*s == '+')
                s++, n--;
            while (n > 1 && *s == '0')
                s++, n--;
            size_t wn = sizeof(WEI_MAX) - 1;
            bool above = n > wn || (n == wn && memcmp(s, WEI_MAX, wn) > 0);
            return above ? DT_TEXT : DT_WEI;
        }
    }
    return base;
}

/* ---- typed values ---- */

static tval tv(dtype t)
{
    tval r;
    memset(&r, 0, sizeof(r));
    r.type = (uint8_t)t;
    return r;
}

/* Parse a TOML date/time kind (canonical RFC 3339 text). */
static cdlt_status from_datetime_kind(const jv *v, tval *out)
{
    types_iso t;
    if (!types_parse_iso(v->u.s, v->len, &t))
        return CDLT_PARSE;
    if (v->type == JV_DATE_LOCAL && t.kind == TYPES_ISO_DATE) {
        *out = tv(DT_DATE);
        out->u.date = t.days;
    } else if (v->type == JV_TIME_LOCAL && t.kind == TYPES_ISO_TIME) {
        *out = tv(DT_TIME);
        out->u.time = t.us;
    } else if ((v->type == JV_DATETIME || v->type == JV_DATETIME_LOCAL) &&
               t.kind == TYPES_ISO_DATETIME) {
        *out = tv(DT_TIMESTAMP);
        out->u.ts = t.us;
    } else {
        return CDLT_PARSE;
    }
    return CDLT_OK;
}

/* types_from_jv, also for integers beyond int64 (flagged TV_UNSIGNED / TV_BIGTEXT): the
 * source value of a coercion, which never leaves this file as it is. */
static cdlt_status from_jv_any(const jv *v, tval *out)
{
    *out = tv(types_infer(v));
    switch ((jv_type)v->type) {
    case JV_NULL: break;
    case JV_BOOL: out->u.b = v->u.b; break;
    case JV_INT: out->u.i = v->u.i; break;
    case JV_UINT:
        out->flags = TV_UNSIGNED;
        out->u.i = (int64_t)v->u.u;
        break;
    case JV_BIGNUM:
        out->flags = TV_BIGTEXT;
        out->u.s = v->u.s;
        out->len = v->len;
        break;
    case JV_DOUBLE: out->u.d = v->u.d; break;
    case JV_STRING:
        out->u.s = v->u.s;
        out->len = v->len;
        break;
    case JV_ARRAY:
    case JV_OBJECT: out->u.json = v; break;
    case JV_DATETIME:
    case JV_DATETIME_LOCAL:
    case JV_DATE_LOCAL:
    case JV_TIME_LOCAL: return from_datetime_kind(v, out);
    }
    return CDLT_OK;
}

cdlt_status types_from_jv(const jv *v, tval *out)
{
    if (!v || !out)
        return CDLT_INVALID_ARG;
    if (types_int_beyond_bigint(v)) {
        *out = tv(DT_NONE);
        return CDLT_COERCE; /* no int64 holds it: never a bigint tval (types.h) */
    }
    return from_jv_any(v, out);
}

/* ---- coercion ---- */

static cdlt_status set_text(arena *a, const char *s, size_t n, dtype t, tval *out)
{
    char *p = arena_strndup(a, s, n);
    if (!p)
        return CDLT_NOMEM;
    *out = tv(t);
    out->u.s = p;
    out->len = (uint32_t)n;
    return CDLT_OK;
}

/* The exact decimal text of an integer value (str(int)). */
static size_t int_text(const tval *src, char *buf64)
{
    if (src->flags & TV_BIGTEXT) {
        const char *s = src->u.s;
        size_t n = src->len, o = 0;
        bool neg = n && s[0] == '-';
        if (n && (s[0] == '-' || s[0] == '+'))
            s++, n--;
        while (n > 1 && s[0] == '0')
            s++, n--;
        if (neg && !(n == 1 && s[0] == '0'))
            buf64[o++] = '-';
        memcpy(buf64 + o, s, n);
        buf64[o + n] = '\0';
        return o + n;
    }
    if (src->flags & TV_UNSIGNED)
        return (size_t)sprintf(buf64, "%llu", (unsigned long long)(uint64_t)src->u.i);
    return (size_t)sprintf(buf64, "%lld", (long long)src->u.i);
}

/* Python float(int): correctly rounded; false on OverflowError. */
static bool int_to_double(const tval *src, double *out)
{
    if (src->flags & TV_UNSIGNED) {
        *out = (double)(uint64_t)src->u.i;
    } else if (src->flags & TV_BIGTEXT) {
        char tmp[TYPES_NUM_MAX + 8];
        if (src->len > TYPES_NUM_MAX)
            return false;
        memcpy(tmp, src->u.s, src->len);
        tmp[src->len] = '\0';
        *out = strtod(tmp, NULL);
        if (isinf(*out))
            return false;
    } else {
        *out = (double)src->u.i;
    }
    return true;
}

/* bigint <- double: only integral values in int64 range (value % 1 != 0 fails). */
static bool double_to_i64(double d, int64_t *out)
{
    if (!isfinite(d) || d != floor(d))
        return false;
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
        return false;
    *out = (int64_t)d;
    return true;
}

/* Python int(text.strip()) / int(text.strip()[2:], 16) as dlt's bigint <- text does. */
static bool text_to_i64(const char *s, size_t n, int64_t *out)
{
    if (n > TYPES_NUM_MAX || !naming_uc_valid(s, n))
        return false;
    naming_uc_strip(&s, &n);
    char digs[TYPES_NUM_MAX + 2];
    size_t dn;
    bool neg;
    int base = 10;
    if (n >= 2 && s[0] == '0' && s[1] == 'x')
        s += 2, n -= 2, base = 16;
    if (!types_py_int_digits(s, n, base, &neg, digs, &dn))
        return false;
    return types_digits_to_i64(digs, dn, base, neg, out);
}

/* Value of a "0x..." text (after strip) as decimal digits; false when not hex-prefixed or
 * invalid. `out` cap >= 2 * TYPES_NUM_MAX + 4. */
static bool hex_text_to_dec(const char *s, size_t n, bool *neg, char *out, size_t *out_len)
{
    char digs[TYPES_NUM_MAX + 2];
    size_t dn;
    if (!types_py_int_digits(s, n, 16, neg, digs, &dn))
        return false;
    *out_len = types_hex_to_dec(digs, dn, out);
    return *out_len > 0;
}

static bool starts_0x(const char *s, size_t n) { return n >= 2 && s[0] == '0' && s[1] == 'x'; }

/* double <- text: strip; "0x" -> float(int(rest, 16)); else float(). */
static bool text_to_double(const char *s, size_t n, double *out)
{
    if (n > TYPES_NUM_MAX || !naming_uc_valid(s, n))
        return false;
    naming_uc_strip(&s, &n);
    if (starts_0x(s, n)) {
        char dec[2 * TYPES_NUM_MAX + 4];
        size_t dl;
        bool neg;
        if (!hex_text_to_dec(s + 2, n - 2, &neg, dec + 1, &dl))
            return false;
        dec[0] = '-';
        double d = strtod(neg ? dec : dec + 1, NULL);
        if (isinf(d))
            return false; /* OverflowError: int too large to convert to float */
        *out = d;
        return true;
    }
    return types_py_float(s, n, out);
}

/* decimal/wei <- text: strip; "0x" -> Decimal(int(rest, 16)); else Decimal(text). */
static cdlt_status text_to_decimal(const char *s, size_t n, dtype to, arena *a, tval *out)
{
    if (n > TYPES_NUM_MAX || !naming_uc_valid(s, n))
        return CDLT_COERCE;
    naming_uc_strip(&s, &n);
    char res[2 * TYPES_NUM_MAX + 40];
    size_t rl;
    if (starts_0x(s, n)) {
        bool neg;
        if (!hex_text_to_dec(s + 2, n - 2, &neg, res + 1, &rl))
            return CDLT_COERCE;
        res[0] = '-';
        bool zero = rl == 1 && res[1] == '0';
        return neg && !zero ? set_text(a, res, rl + 1, to, out)
                            : set_text(a, res + 1, rl, to, out);
    }
    if (!types_py_decimal_str(s, n, res, &rl))
        return CDLT_COERCE;
    return set_text(a, res, rl, to, out);
}

/* dlt's str2bool (no strip; case-insensitive). */
static bool text_to_bool(const char *s, size_t n, bool *out)
{
    static const char *const T[] = {"yes", "true", "t", "y", "1"};
    static const char *const F[] = {"no", "false", "f", "n", "0"};
    if (n > 5)
        return false;
    char low[6];
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    low[n] = '\0';
    for (size_t i = 0; i < 5; i++) {
        if (strcmp(low, T[i]) == 0)
            return *out = true, true;
        if (strcmp(low, F[i]) == 0)
            return *out = false, true;
    }
    return false;
}

/* bytes.fromhex: pairs of hex digits, ASCII whitespace allowed between pairs. */
static cdlt_status fromhex(const char *s, size_t n, arena *a, tval *out)
{
    unsigned char *p = arena_alloc(a, n / 2 + 1);
    if (!p)
        return CDLT_NOMEM;
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            i++;
            continue;
        }
        int hi = -1, lo = -1;
        if (c < 0x80)
            hi = (c >= '0' && c <= '9') ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (hi < 0 || i + 1 >= n)
            return CDLT_COERCE;
        unsigned char d = (unsigned char)s[i + 1];
        if (d < 0x80)
            lo = (d >= '0' && d <= '9') ? d - '0' : (d | 0x20) >= 'a' && (d | 0x20) <= 'f' ? (d | 0x20) - 'a' + 10 : -1;
        if (lo < 0)
            return CDLT_COERCE;
        p[o++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    *out = tv(DT_BINARY);
    out->u.s = (const char *)p;
    out->len = (uint32_t)o;
    return CDLT_OK;
}

/* base64.b64decode(s, validate=True) as Python 3.11 accepts it: alphabet only, then '='s;
 * data % 4 == 1 never; == 2 needs exactly "=="; == 3 exactly "="; == 0 any padding after at
 * least one quad; "" is b"". */
static cdlt_status strict_b64(const char *s, size_t n, arena *a, tval *out)
{
    size_t d = 0;
    while (d < n) {
        char c = s[d];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            break;
        d++;
    }
    for (size_t i = d; i < n; i++)
        if (s[i] != '=')
            return CDLT_COERCE;
    size_t p = n - d;
    switch (d % 4) {
    case 0:
        if (d == 0 && p > 0)
            return CDLT_COERCE;
        break;
    case 1: return CDLT_COERCE;
    case 2:
        if (p != 2)
            return CDLT_COERCE;
        break;
    case 3:
        if (p != 1)
            return CDLT_COERCE;
        break;
    }
    buf tmp = BUF_INIT;
    cdlt_status st = b64_decode(s, d, &tmp);
    if (st == CDLT_OK) {
        char *q = arena_alloc(a, tmp.len + 1);
        if (!q) {
            st = CDLT_NOMEM;
        } else {
            if (tmp.len)
                memcpy(q, tmp.data, tmp.len);
            *out = tv(DT_BINARY);
            out->u.s = q;
            out->len = (uint32_t)tmp.len;
        }
    } else if (st == CDLT_PARSE) {
        st = CDLT_COERCE;
    }
    buf_free(&tmp);
    return st;
}

/* int.to_bytes((bit_length + 7) // 8, "little"); negative ints raise OverflowError. */
static cdlt_status int_to_binary(const tval *src, arena *a, tval *out)
{
    char digs[TYPES_NUM_MAX + 8];
    if ((src->flags & TV_BIGTEXT) && src->len > TYPES_NUM_MAX)
        return CDLT_COERCE;
    size_t dn = int_text(src, digs);
    if (digs[0] == '-')
        return CDLT_COERCE;
    unsigned char *p = arena_alloc(a, dn / 2 + 9);
    if (!p)
        return CDLT_NOMEM;
    *out = tv(DT_BINARY);
    out->len = (uint32_t)types_dec_to_le_bytes(digs, dn, p);
    out->u.s = (const char *)p;
    return CDLT_OK;
}

static int64_t floor_div64(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

/* pendulum.from_timestamp(value) of a numeric source (int, float, bool), in UTC µs. */
static bool numeric_to_us(const jv *v, const tval *src, int64_t *us)
{
    if (src->type == DT_BOOL)
        return types_unix_int_to_us(src->u.b ? 1 : 0, us);
    if (src->type == DT_DOUBLE)
        return types_unix_double_to_us(src->u.d, us);
    if (src->type == DT_BIGINT && !(src->flags & (TV_UNSIGNED | TV_BIGTEXT)))
        return types_unix_int_to_us(src->u.i, us);
    (void)v;
    return false; /* ints beyond 64 bits are far outside datetime's range */
}

/* ensure_pendulum_datetime(text): ISO-like parse (date -> midnight, time -> error), else
 * float(text) as Unix seconds. */
static bool text_to_us(const char *s, size_t n, int64_t *us)
{
    types_iso t;
    if (types_parse_iso(s, n, &t)) {
        if (t.kind == TYPES_ISO_DATETIME) {
            *us = t.us;
            return true;
        }
        if (t.kind == TYPES_ISO_DATE) {
            *us = (int64_t)t.days * US_PER_DAY;
            return true;
        }
        return false;
    }
    double d;
    if (!types_py_float(s, n, &d))
        return false;
    return types_unix_double_to_us(d, us);
}

static cdlt_status coerce_text(const jv *v, const tval *src, arena *a, tval *out)
{
    char tmp[TYPES_NUM_MAX + 64];
    size_t n;
    switch ((dtype)src->type) {
    case DT_BIGINT:
        if ((src->flags & TV_BIGTEXT) && src->len > TYPES_NUM_MAX)
            return set_text(a, src->u.s, src->len, DT_TEXT, out);
        n = int_text(src, tmp);
        return set_text(a, tmp, n, DT_TEXT, out);
    case DT_DOUBLE:
        n = types_py_repr_double(src->u.d, tmp);
        return set_text(a, tmp, n, DT_TEXT, out);
    case DT_BOOL:
        return src->u.b ? set_text(a, "True", 4, DT_TEXT, out)
                        : set_text(a, "False", 5, DT_TEXT, out);
    case DT_JSON: {
        buf b = BUF_INIT;
        cdlt_status st = json_write(&b, v, 0);
        if (st == CDLT_OK)
            st = set_text(a, buf_cstr(&b), b.len, DT_TEXT, out);
        buf_free(&b);
        return st;
    }
    case DT_TIMESTAMP:
    case DT_DATE:
    case DT_TIME: {
        buf b = BUF_INIT;
        cdlt_status st = src->type == DT_TIMESTAMP
                             ? types_fmt_timestamp(src->u.ts, v->type == JV_DATETIME_LOCAL, &b)
                         : src->type == DT_DATE ? types_fmt_date(src->u.date, &b)
                                                : types_fmt_time(src->u.time, &b);
        if (st == CDLT_OK)
            st = set_text(a, buf_cstr(&b), b.len, DT_TEXT, out);
        buf_free(&b);
        return st;
    }
    default: return CDLT_COERCE;
    }
}

cdlt_status types_coerce(const jv *v, dtype to, arena *a, tval *out)
{
    if (!v || !out || !a)
        return CDLT_INVALID_ARG;
    tval src;
    cdlt_status st = from_jv_any(v, &src);
    if (st != CDLT_OK)
        return st == CDLT_PARSE ? CDLT_COERCE : st;
    dtype from = (dtype)src.type;
    /* beyond int64: no bigint form (types_int_beyond_bigint), also not "as it is" (DT_NONE) */
    if ((src.flags & (TV_UNSIGNED | TV_BIGTEXT)) && (to == DT_BIGINT || to == DT_NONE))
        return CDLT_COERCE;
    if (from == DT_NONE || to == DT_NONE || from == to) {
        *out = src;
        return CDLT_OK;
    }
    const char *s = from == DT_TEXT ? src.u.s : NULL;
    size_t n = from == DT_TEXT ? src.len : 0;
    switch (to) {
    case DT_TEXT: return coerce_text(v, &src, a, out);

    case DT_BIGINT: {
        int64_t i;
        if ((from == DT_TEXT && text_to_i64(s, n, &i)) ||
            (from == DT_DOUBLE && double_to_i64(src.u.d, &i))) {
            *out = tv(DT_BIGINT);
            out->u.i = i;
            return CDLT_OK;
        }
        return CDLT_COERCE;
    }

    case DT_DOUBLE: {
        double d;
        if ((from == DT_TEXT && text_to_double(s, n, &d)) ||
            (from == DT_BIGINT && int_to_double(&src, &d))) {
            *out = tv(DT_DOUBLE);
            out->u.d = d;
            return CDLT_OK;
        }
        return CDLT_COERCE;
    }

    case DT_DECIMAL:
    case DT_WEI: {
        char tmp[TYPES_NUM_MAX + 1200];
        size_t tn;
        if (from == DT_TEXT)
            return text_to_decimal(s, n, to, a, out);
        if (from == DT_BIGINT) {
            if ((src.flags & TV_BIGTEXT) && src.len > TYPES_NUM_MAX)
                return CDLT_COERCE;
            tn = int_text(&src, tmp);
            return set_text(a, tmp, tn, to, out);
        }
        if (from == DT_DOUBLE) {
            tn = types_py_decimal_from_double(src.u.d, tmp);
            return set_text(a, tmp, tn, to, out);
        }
        return CDLT_COERCE;
    }

    case DT_BOOL: {
        bool b;
        if (from == DT_TEXT) {
            if (!text_to_bool(s, n, &b))
                return CDLT_COERCE;
        } else if (from == DT_BIGINT) {
            b = (src.flags & (TV_UNSIGNED | TV_BIGTEXT)) ? true : src.u.i != 0;
        } else if (from == DT_DOUBLE) {
            b = src.u.d != 0.0 || isnan(src.u.d);
        } else if (from == DT_DATE || from == DT_TIME) {
            b = true; /* bool(date), bool(time) are always True in Python 3 */
        } else {
            return CDLT_COERCE; /* json, binary, timestamp */
        }
        *out = tv(DT_BOOL);
        out->u.b = b;
        return CDLT_OK;
    }

    case DT_JSON: {
        if (from != DT_TEXT)
            return CDLT_COERCE;
        jv *parsed = arena_alloc(a, sizeof(jv));
        if (!parsed)
            return CDLT_NOMEM;
        st = json_parse(s, n, a, NULL, parsed, NULL);
        if (st == CDLT_NOMEM)
            return st;
        if (st != CDLT_OK)
            return CDLT_COERCE;
        if (parsed->type == JV_NULL) {
            *out = tv(DT_NONE); /* json.loads("null") is None: the value becomes NULL */
            return CDLT_OK;
        }
        *out = tv(DT_JSON);
        out->u.json = parsed;
        return CDLT_OK;
    }

    case DT_BINARY:
        if (from == DT_TEXT)
            return starts_0x(s, n) ? fromhex(s + 2, n - 2, a, out) : strict_b64(s, n, a, out);
        if (from == DT_BIGINT)
            return int_to_binary(&src, a, out);
        return CDLT_COERCE;

    case DT_TIMESTAMP: {
        int64_t us;
        bool ok = false;
        if (from == DT_TEXT)
            ok = text_to_us(s, n, &us);
        else if (from == DT_BIGINT || from == DT_DOUBLE || from == DT_BOOL)
            ok = numeric_to_us(v, &src, &us);
        else if (from == DT_DATE) {
            us = (int64_t)src.u.date * US_PER_DAY;
            ok = true;
        }
        if (!ok)
            return CDLT_COERCE;
        *out = tv(DT_TIMESTAMP);
        out->u.ts = us;
        return CDLT_OK;
    }

    case DT_DATE: {
        int64_t us;
        bool ok = false;
        if (from == DT_TEXT)
            ok = text_to_us(s, n, &us);
        else if (from == DT_BIGINT || from == DT_DOUBLE || from == DT_BOOL)
            ok = numeric_to_us(v, &src, &us);
        else if (from == DT_TIMESTAMP) {
            us = src.u.ts;
            ok = true;
        }
        if (!ok)
            return CDLT_COERCE;
        *out = tv(DT_DATE);
        out->u.date = (int32_t)floor_div64(us, US_PER_DAY);
        return CDLT_OK;
    }

    case DT_TIME: {
        types_iso t;
        if (from != DT_TEXT || !types_parse_iso(s, n, &t) || t.kind != TYPES_ISO_TIME)
            return CDLT_COERCE;
        *out = tv(DT_TIME);
        out->u.time = t.us;
        return CDLT_OK;
    }

    default: return CDLT_COERCE;
    }
}

/* ---- jsonl form ---- */

cdlt_status types_write_json(const tval *v, buf *out)
{
    char tmp[64];
    switch ((dtype)v->type) {
    case DT_NONE: return buf_puts(out, "null");
    case DT_TEXT: return json_write_string(out, v->u.s, v->len, 0);
    case DT_DOUBLE:
        if (!isfinite(v->u.d))
            return buf_puts(out, "null");
        return buf_append(out, tmp, json_fmt_double(v->u.d, tmp));
    case DT_BOOL: return buf_puts(out, v->u.b ? "true" : "false");
    case DT_BIGINT: return buf_printf(out, "%lld", (long long)v->u.i);
    case DT_BINARY: {
        size_t need = 4 * ((size_t)v->len + 2) / 3 + 4;
        cdlt_status st = buf_reserve(out, need + 2);
        if (st != CDLT_OK)
            return st;
        out->data[out->len++] = '"';
        out->len += b64_encode(v->u.s, v->len, out->data + out->len, true);
        out->data[out->len++] = '"';
        out->data[out->len] = '\0';
        return CDLT_OK;
    }
    case DT_JSON: return json_write(out, v->u.json, 0);
    case DT_DECIMAL:
    case DT_WEI: return json_write_string(out, v->u.s, v->len, 0);
    case DT_TIMESTAMP:
    case DT_DATE:
    case DT_TIME: {
        cdlt_status st = buf_putc(out, '"');
        if (st == CDLT_OK)
            st = v->type == DT_TIMESTAMP ? types_fmt_timestamp(v->u.ts, v->flags & TV_NAIVE, out)
                 : v->type == DT_DATE    ? types_fmt_date(v->u.date, out)
                                         : types_fmt_time(v->u.time, out);
        if (st == CDLT_OK)
            st = buf_putc(out, '"');
        return st;
    }
    default: return CDLT_INVALID_ARG;
    }
}
