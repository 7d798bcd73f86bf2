/* types.h: dlt's data types, typed values as rows carry them, inference from JSON values,
 * detections (iso_timestamp, iso_date, timestamp, large_integer), the coercion table into
 * existing columns, and canonical text forms (spec core.md §3.1-3.2). */
#ifndef CDLT_TYPES_H
#define CDLT_TYPES_H

#include "json/json.h"

typedef enum dtype {
    DT_NONE = 0, /* no type: an incomplete column, or a NULL value */
    DT_TEXT,
    DT_DOUBLE,
    DT_BOOL,
    DT_TIMESTAMP,
    DT_BIGINT,
    DT_BINARY,
    DT_JSON,
    DT_DECIMAL,
    DT_WEI,
    DT_DATE,
    DT_TIME,
    DT__COUNT
} dtype;

/* "text", "double", ... as dlt spells them; NULL for DT_NONE. */
const char *dtype_name(dtype t);
/* Parse a dlt type name ("complex" is accepted as the legacy alias of json); DT_NONE if unknown. */
dtype dtype_parse(const char *name, size_t len);

/* A typed value in a normalized row. 16 bytes. Strings point into the batch arena (or the
 * item being normalized) and live as long as the batch. */
enum {
    TV_NAIVE = 0x01 /* DT_TIMESTAMP/DT_TIME without time zone (column hint timezone=false) */
};
typedef struct tval {
    uint8_t type;  /* dtype; DT_NONE = NULL */
    uint8_t flags; /* TV_* */
    uint16_t pad_;
    uint32_t len;  /* bytes of s (TEXT, BINARY, DECIMAL, WEI) */
    union {
        int64_t i;     /* BIGINT: always a plain int64 (an integer beyond it is never a bigint
                          tval: see types_int_beyond_bigint) */
        double d;      /* DOUBLE */
        bool b;        /* BOOL */
        const char *s; /* TEXT (UTF-8), BINARY (raw bytes), DECIMAL/WEI (exact decimal text) */
        int64_t ts;    /* TIMESTAMP: microseconds since 1970-01-01T00:00:00Z */
        int32_t date;  /* DATE: days since 1970-01-01 */
        int64_t time;  /* TIME: microseconds since midnight */
        const jv *json;/* JSON: the value (serialized by writers) */
    } u;
} tval;

/* Detections that may be enabled on a schema (settings.detections). */
enum {
    DETECT_ISO_TIMESTAMP = 1 << 0, /* default */
    DETECT_ISO_DATE = 1 << 1,
    DETECT_TIMESTAMP = 1 << 2,
    DETECT_LARGE_INTEGER = 1 << 3
};

/* Base type of a JSON value (string -> text, int -> bigint, float -> double, bool, object or
 * array -> json). DT_NONE for null. */
dtype types_infer(const jv *v);
/* Type of a value for a NEW column: base type, then the enabled detections in dlt's order. */
dtype types_detect(const jv *v, unsigned detections);

/* An integer that no bigint (int64) column can hold: JV_UINT (> 2^63-1) or JV_BIGNUM (beyond
 * 64 bits, either sign). Its base type is still bigint (dlt's Python int), but it has no bigint
 * tval: types_from_jv and types_coerce(.., DT_BIGINT, ..) refuse it with CDLT_COERCE. Into
 * text/decimal/wei/double/bool/binary columns it coerces exactly (str(int), Decimal(int),
 * float(int), ...). Callers typing a column bigint must report it as a data error (dlt: the
 * extract fails, or the database overflows), never write it as an int64. */
static inline bool types_int_beyond_bigint(const jv *v)
{
    return v && (v->type == JV_UINT || v->type == JV_BIGNUM);
}

/* Convert a JSON value to a typed value of its own base type (no coercion). CDLT_COERCE for
 * an integer beyond int64 (types_int_beyond_bigint); CDLT_PARSE for a malformed TOML date. */
cdlt_status types_from_jv(const jv *v, tval *out);
/* Coerce a JSON value into a column of type `to` per dlt's coercion table. Returns CDLT_OK
 * and fills *out, or CDLT_COERCE when the pair is not coercible or conversion fails (the
 * caller then makes a variant column; an integer beyond int64 into bigint also fails, see
 * types_int_beyond_bigint). Text results (e.g. bool -> "True") are allocated in `a`. */
cdlt_status types_coerce(const jv *v, dtype to, arena *a, tval *out);

/* ISO-8601 parsing as dlt's detection accepts it (core.md §3.1). Returns true and the
 * microseconds since epoch UTC; *out_has_tz says whether an offset was given. */
bool types_parse_iso_timestamp(const char *s, size_t len, int64_t *out_us, bool *out_has_tz);
bool types_parse_iso_date(const char *s, size_t len, int32_t *out_days);
bool types_parse_iso_time(const char *s, size_t len, int64_t *out_us);

/* The general parser behind the three above: parse_iso8601 (pendulum 3 rules) then pendulum's
 * `_parse_common` fallback, as dlt's parse_iso_like_datetime. */
typedef enum types_iso_kind {
    TYPES_ISO_NONE = 0,
    TYPES_ISO_DATE,     /* date only: `days` */
    TYPES_ISO_DATETIME, /* date and time: `us` (UTC; naive values taken as UTC), `days` local */
    TYPES_ISO_TIME      /* time only: `us` since midnight, converted to UTC when has_tz */
} types_iso_kind;
typedef struct types_iso {
    types_iso_kind kind; /* what was parsed */
    bool has_tz;         /* an offset or Z was given */
    int32_t offset_s;    /* the offset in seconds east of UTC */
    int32_t days;        /* DATE: days since 1970-01-01; DATETIME: local date */
    int64_t us;          /* DATETIME: µs since epoch UTC; TIME: µs since midnight */
} types_iso;
bool types_parse_iso(const char *s, size_t len, types_iso *out);

/* Proleptic Gregorian calendar <-> days since 1970-01-01. */
int64_t types_days_from_civil(int64_t y, unsigned m, unsigned d);
void types_civil_from_days(int64_t days, int64_t *out_y, unsigned *out_m, unsigned *out_d);

/* The `timestamp` detection compares numbers with the process start time (dlt: _NOW_TS at
 * import). Tests may pin it; 0 restores "process start". */
void types_set_now(double unix_seconds);

/* Canonical text forms, as dlt writes them in jsonl: timestamp "2024-01-01T10:00:00+00:00"
 * (fraction only when non-zero: ".123456"), date "2024-01-02", time "10:00:00[.ffffff]".
 * Append to out. */
cdlt_status types_fmt_timestamp(int64_t us, bool naive, buf *out);
cdlt_status types_fmt_date(int32_t days, buf *out);
cdlt_status types_fmt_time(int64_t us, buf *out);
/* Decimal text ("-0012.50", "1e-3"): sign, significant digits (leading zeros dropped), how
 * many of them follow the point, and the exponent; value = digits * 10^(exp - frac). At most
 * max_digits (<= TYPES_DEC_MAX_DIGITS) digits are kept: more integer digits fail, the first
 * further fraction digit is kept in `dropped` (-1: none) for rounding. False when the text is
 * not a number. */
#define TYPES_DEC_MAX_DIGITS 80
typedef struct types_dec_text {
    bool neg;
    uint8_t dig[TYPES_DEC_MAX_DIGITS];
    int nd, frac, exp, dropped;
} types_dec_text;
bool types_decimal_scan(const char *s, size_t n, int max_digits, types_dec_text *out);

/* Append any typed value in its jsonl form (strings quoted/escaped, json serialized). */
cdlt_status types_write_json(const tval *v, buf *out);

#endif /* CDLT_TYPES_H */
