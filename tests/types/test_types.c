/* test_types.c: dlt's types as data tables: ISO-8601 acceptance (core.md §3.1 detected / not
 * detected), detections, the §3.2 coercion example block and every coercion rule, formats. */
#include "testutil.h"

#include "types/types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- value construction from a compact description ----
 * "s:text" string, "i:123" int64, "u:123" uint64, "g:digits" bignum text, "d:1.5" double,
 * "b:1"/"b:0" bool, "j:<json>" parsed JSON, "n:" null. */
static jv mk(arena *a, const char *desc)
{
    const char *x = desc + 2;
    switch (desc[0]) {
    case 's': return jv_str(a, x, strlen(x));
    case 'i': return jv_int(strtoll(x, NULL, 10));
    case 'u': {
        jv v = jv_int(0);
        v.type = JV_UINT;
        v.u.u = strtoull(x, NULL, 10);
        return v;
    }
    case 'g': return jv_str_typed(a, JV_BIGNUM, x, strlen(x));
    case 'd': return jv_double(strtod(x, NULL));
    case 'b': return jv_bool(x[0] == '1');
    case 'j': {
        jv v;
        cdlt_status st = json_parse(x, strlen(x), a, NULL, &v, NULL);
        assert_int_equal(st, CDLT_OK);
        return v;
    }
    default: return jv_null();
    }
}

/* A typed value as "<type>:<canonical text>" for comparisons. */
static void show(const tval *v, buf *out)
{
    buf_clear(out);
    const char *tn = dtype_name((dtype)v->type);
    buf_printf(out, "%s:", tn ? tn : "null");
    switch ((dtype)v->type) {
    case DT_NONE: break;
    case DT_TEXT:
    case DT_DECIMAL:
    case DT_WEI: buf_append(out, v->u.s, v->len); break;
    case DT_DOUBLE: buf_printf(out, "%.17g", v->u.d); break;
    case DT_BOOL: buf_puts(out, v->u.b ? "true" : "false"); break;
    case DT_BIGINT: buf_printf(out, "%lld", (long long)v->u.i); break;
    case DT_BINARY:
        for (uint32_t i = 0; i < v->len; i++)
            buf_printf(out, "%02x", (unsigned char)v->u.s[i]);
        break;
    case DT_JSON: json_write(out, v->u.json, 0); break;
    case DT_TIMESTAMP: types_fmt_timestamp(v->u.ts, v->flags & TV_NAIVE, out); break;
    case DT_DATE: types_fmt_date(v->u.date, out); break;
    case DT_TIME: types_fmt_time(v->u.time, out); break;
    default: break;
    }
}

static void test_names(void **state)
{
    (void)state;
    static const char *const names[] = {"text", "double", "bool",    "timestamp", "bigint", "binary",
                                        "json", "decimal", "wei",    "date",      "time"};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(names); i++) {
        dtype t = dtype_parse(names[i], strlen(names[i]));
        assert_int_equal(t, (int)i + 1);
        assert_string_equal(dtype_name(t), names[i]);
    }
    assert_int_equal(dtype_parse("complex", 7), DT_JSON);
    assert_int_equal(dtype_parse("Text", 4), DT_NONE);
    assert_int_equal(dtype_parse("tex", 3), DT_NONE);
    assert_int_equal(dtype_parse(NULL, 0), DT_NONE);
    assert_null(dtype_name(DT_NONE));
    assert_null(dtype_name(DT__COUNT));
}

/* ---- ISO 8601 (core.md §3.1 [run] lists, plus edges) ---- */
typedef struct iso_row {
    const char *in;     /* string */
    types_iso_kind kind; /* expected kind (NONE = rejected) */
    const char *canon;  /* canonical form: timestamp / date / time */
} iso_row;

static const iso_row ISO_ROWS[] = {
    /* detected as timestamp [run] */
    {"2024-01-01T10:00:00Z", TYPES_ISO_DATETIME, "2024-01-01T10:00:00+00:00"},
    {"2024-01-01T10:00:00.123456789+01:00", TYPES_ISO_DATETIME, "2024-01-01T09:00:00.123456+00:00"},
    {"2024-01-01 10:00:00", TYPES_ISO_DATETIME, "2024-01-01T10:00:00+00:00"},
    {"2024-01-01T10", TYPES_ISO_DATETIME, "2024-01-01T10:00:00+00:00"},
    {"2024-01-01T10:00", TYPES_ISO_DATETIME, "2024-01-01T10:00:00+00:00"},
    {"20240101T100000Z", TYPES_ISO_DATETIME, "2024-01-01T10:00:00+00:00"},
    {"2024-01-01T10:00:00+0530", TYPES_ISO_DATETIME, "2024-01-01T04:30:00+00:00"},
    {"2024-01-01T10:00:00-05", TYPES_ISO_DATETIME, "2024-01-01T15:00:00+00:00"},
    {"2024-W01-1T10:00", TYPES_ISO_DATETIME, "2024-01-01T10:00:00+00:00"},
    {"2024-001T10:00", TYPES_ISO_DATETIME, "2024-01-01T10:00:00+00:00"},
    {"2024/01/15 10:30", TYPES_ISO_DATETIME, "2024-01-15T10:30:00+00:00"},
    /* not detected [run] */
    {"2024-01-01", TYPES_ISO_DATE, "2024-01-01"},
    {"10:00:00", TYPES_ISO_TIME, "10:00:00"},
    {"2024", TYPES_ISO_DATE, "2024-01-01"},
    {"2024-13-01T10:00:00", TYPES_ISO_NONE, NULL},
    {"2024-01-01T24:00:00", TYPES_ISO_NONE, NULL},
    {"2024-01-01T10:00:00 ", TYPES_ISO_NONE, NULL},
    {"at 2024-01-01T10:00:00", TYPES_ISO_NONE, NULL},
    {"20240101T10:00:00", TYPES_ISO_NONE, NULL}, /* pendulum 3: no basic/extended mixing */
    {"2024-01-01T1000", TYPES_ISO_NONE, NULL},
    /* more pendulum-3 ISO forms */
    {"2024-01-01T10:00:00,5Z", TYPES_ISO_DATETIME, "2024-01-01T10:00:00.500000+00:00"},
    {"2024-01-01T10:00:00.9999999", TYPES_ISO_DATETIME, "2024-01-01T10:00:00.999999+00:00"},
    {"2024-01-01T10:00:00.1234567890", TYPES_ISO_NONE, NULL},
    {"2024-01-01T10:00:00+01:00", TYPES_ISO_DATETIME, "2024-01-01T09:00:00+00:00"},
    {"2024-01-01T00:00:00+05:00", TYPES_ISO_DATETIME, "2023-12-31T19:00:00+00:00"},
    {"2024-01-01T10:00:00+24:00", TYPES_ISO_NONE, NULL},
    {"2024-01-01T10:60", TYPES_ISO_NONE, NULL},
    {"2024-01-01T23:59:60", TYPES_ISO_NONE, NULL},
    {"2024-01-01Z", TYPES_ISO_NONE, NULL},
    {"2024-01-01t10:00", TYPES_ISO_NONE, NULL},
    {"20240101", TYPES_ISO_DATE, "2024-01-01"},
    {"2024-01", TYPES_ISO_DATE, "2024-01-01"},
    {"202401", TYPES_ISO_NONE, NULL},
    {"2024-W01", TYPES_ISO_DATE, "2024-01-01"},
    {"2020-W53-7", TYPES_ISO_DATE, "2021-01-03"},
    {"2021-W53-1", TYPES_ISO_NONE, NULL}, /* 2021 has 52 ISO weeks */
    {"2024W017", TYPES_ISO_DATE, "2024-01-07"},
    {"2024-366", TYPES_ISO_DATE, "2024-12-31"},
    {"2023-366", TYPES_ISO_NONE, NULL},
    {"2024060", TYPES_ISO_DATE, "2024-02-29"},
    {"T10:00", TYPES_ISO_TIME, "10:00:00"},
    {"10:00:00+02:00", TYPES_ISO_TIME, "08:00:00"}, /* quirk 4: converted to UTC */
    {"01:00:00+02:00", TYPES_ISO_TIME, "23:00:00"},
    {"10:00:00.5Z", TYPES_ISO_TIME, "10:00:00.500000"},
    /* pendulum _parse_common fallback (Python regex; Unicode digits; `$` before a final \n) */
    {"2024/01/15", TYPES_ISO_DATE, "2024-01-15"},
    {"2024:01:15 10:30:05.25", TYPES_ISO_DATETIME, "2024-01-15T10:30:05.250000+00:00"},
    {"20240115 1:5", TYPES_ISO_DATETIME, "2024-01-15T01:05:00+00:00"},
    {"2024/01/1510:30", TYPES_ISO_DATETIME, "2024-01-15T10:30:00+00:00"},
    {"2024 10:30", TYPES_ISO_DATETIME, "2024-01-01T10:30:00+00:00"},
    {"202401:30", TYPES_ISO_DATE, "2024-01-30"}, /* regex prefers month:day over HH:MM */
    {"2024/01/15 10:30|5", TYPES_ISO_DATETIME, "2024-01-15T10:30:00.500000+00:00"},
    {"2024/01/15 10:30\n", TYPES_ISO_DATETIME, "2024-01-15T10:30:00+00:00"},
    {"2024/01/15 10:30\n\n", TYPES_ISO_NONE, NULL},
    {"2024/01/15 10:", TYPES_ISO_NONE, NULL}, /* minute group absent: int(None) fails */
    {"1:30", TYPES_ISO_TIME, "01:30:00"},
    {"\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4/\xd9\xa0\xd9\xa1/\xd9\xa1\xd9\xa5", TYPES_ISO_DATE,
     "2024-01-15"}, /* Arabic-Indic digits */
    {"2024/02/30", TYPES_ISO_NONE, NULL},
    {"0000-01-01T00:00:00", TYPES_ISO_NONE, NULL},
    /* leap days and range */
    {"2024-02-29T00:00:00", TYPES_ISO_DATETIME, "2024-02-29T00:00:00+00:00"},
    {"2023-02-29T00:00:00", TYPES_ISO_NONE, NULL},
    {"2000-02-29T12:00:00Z", TYPES_ISO_DATETIME, "2000-02-29T12:00:00+00:00"},
    {"1900-02-29T12:00:00Z", TYPES_ISO_NONE, NULL},
    {"1969-12-31T23:59:59.5Z", TYPES_ISO_DATETIME, "1969-12-31T23:59:59.500000+00:00"},
    {"0001-01-01T00:00:00", TYPES_ISO_DATETIME, "0001-01-01T00:00:00+00:00"},
    {"0001-01-01T00:00:00+01:00", TYPES_ISO_NONE, NULL}, /* UTC is before year 1 */
    {"9999-12-31T23:59:59.999999Z", TYPES_ISO_DATETIME, "9999-12-31T23:59:59.999999+00:00"},
    {"", TYPES_ISO_NONE, NULL},
    {"abc", TYPES_ISO_NONE, NULL},
};

static void test_iso(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    int failures = 0;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(ISO_ROWS); i++) {
        const iso_row *r = &ISO_ROWS[i];
        types_iso t;
        bool ok = types_parse_iso(r->in, strlen(r->in), &t);
        buf_clear(&b);
        if (ok && t.kind == TYPES_ISO_DATETIME)
            types_fmt_timestamp(t.us, false, &b);
        else if (ok && t.kind == TYPES_ISO_DATE)
            types_fmt_date(t.days, &b);
        else if (ok)
            types_fmt_time(t.us, &b);
        types_iso_kind got = ok ? t.kind : TYPES_ISO_NONE;
        if (got != r->kind || (r->canon && strcmp(buf_cstr(&b), r->canon) != 0)) {
            fprintf(stderr, "iso row %zu [%s]: kind %d [%s], want %d [%s]\n", i, r->in, got,
                    buf_cstr(&b), r->kind, r->canon ? r->canon : "");
            failures++;
        }
        /* the narrow entry points agree */
        int64_t us;
        int32_t days;
        bool tz;
        assert_int_equal(types_parse_iso_timestamp(r->in, strlen(r->in), &us, &tz),
                         r->kind == TYPES_ISO_DATETIME);
        assert_int_equal(types_parse_iso_date(r->in, strlen(r->in), &days),
                         r->kind == TYPES_ISO_DATE);
        assert_int_equal(types_parse_iso_time(r->in, strlen(r->in), &us),
                         r->kind == TYPES_ISO_TIME);
    }
    buf_free(&b);
    assert_int_equal(failures, 0);
}

/* ---- detections ---- */
typedef struct detect_row {
    const char *value;   /* mk() description */
    unsigned detections; /* enabled set */
    dtype want;          /* type for a new column */
} detect_row;

#define ISO DETECT_ISO_TIMESTAMP
#define DATE DETECT_ISO_DATE
#define TS DETECT_TIMESTAMP
#define BIG DETECT_LARGE_INTEGER
#define NOW 1700000000.0

static const detect_row DETECT_ROWS[] = {
    {"s:2024-01-01T10:00:00Z", ISO, DT_TIMESTAMP},
    {"s:2024-01-01T10:00:00Z", 0, DT_TEXT},
    {"s:2024-01-01", ISO, DT_TEXT},
    {"s:2024-01-01", ISO | DATE, DT_DATE},
    {"s:2024-01-01T10:00:00Z", DATE, DT_TEXT},
    {"s:10:00:00", ISO | DATE, DT_TEXT},
    {"s:", ISO | DATE, DT_TEXT},
    {"s:hello", ISO, DT_TEXT},
    {"i:1700000000", ISO, DT_BIGINT},
    {"i:1700000000", TS, DT_TIMESTAMP},
    {"d:1700000000.5", TS, DT_TIMESTAMP},
    {"i:1542320000", TS, DT_TIMESTAMP},  /* NOW - 5*365 days exactly */
    {"i:1857680000", TS, DT_TIMESTAMP},  /* NOW + 5*365 days exactly */
    {"i:1542319999", TS, DT_BIGINT},
    {"i:1857680001", TS, DT_BIGINT},
    {"b:1", TS, DT_BOOL},
    {"s:1700000000", TS, DT_TEXT},
    {"u:18446744073709551615", BIG, DT_WEI},
    {"u:9223372036854775808", BIG, DT_WEI},
    {"u:9223372036854775808", 0, DT_BIGINT},
    {"i:9223372036854775807", BIG, DT_BIGINT},
    {"g:578960446186580977117854925043439539266", BIG, DT_WEI},
    {"g:578960446186580977117854925043439539267", BIG, DT_TEXT},
    {"g:100000000000000000000", BIG, DT_WEI},
    {"g:-100000000000000000000", BIG, DT_BIGINT},
    {"g:1000000000000000000000000000000000000000000", BIG, DT_TEXT},
    {"g:1000000000000000000000000000000000000000000", 0, DT_BIGINT},
    {"j:[1,2]", ISO | TS | BIG | DATE, DT_JSON},
    {"j:{\"a\":1}", ISO, DT_JSON},
    {"d:2.5", ISO, DT_DOUBLE},
    {"n:", ISO, DT_NONE},
};

static void test_detect(void **state)
{
    (void)state;
    types_set_now(NOW);
    arena a;
    arena_init(&a, 4096, 0);
    int failures = 0;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(DETECT_ROWS); i++) {
        const detect_row *r = &DETECT_ROWS[i];
        jv v = mk(&a, r->value);
        dtype got = types_detect(&v, r->detections);
        if (got != r->want) {
            fprintf(stderr, "detect row %zu [%s]/%u: %s, want %s\n", i, r->value, r->detections,
                    dtype_name(got) ? dtype_name(got) : "none",
                    dtype_name(r->want) ? dtype_name(r->want) : "none");
            failures++;
        }
    }
    types_set_now(0);
    arena_free(&a);
    assert_int_equal(failures, 0);
}

/* ---- coercion: {column type, value, expected "<type>:<text>" or NULL = variant} ---- */
typedef struct coerce_row {
    dtype to;          /* existing column type */
    const char *value; /* mk() description */
    const char *want;  /* show() of the result, NULL = CDLT_COERCE (variant column) */
} coerce_row;

static const coerce_row COERCE_ROWS[] = {
    /* core.md §3.2 [run]: existing n:bigint, t:text, d:double, ts:timestamp, b:bool */
    /* {"n":"2","t":5,"d":3,"ts":"not a date","b":"true"} */
    {DT_BIGINT, "s:2", "bigint:2"},
    {DT_TEXT, "i:5", "text:5"},
    {DT_DOUBLE, "i:3", "double:3"},
    {DT_TIMESTAMP, "s:not a date", NULL},
    {DT_BOOL, "s:true", "bool:true"},
    /* {"n":2.0,"t":true,"d":"4.5","ts":1700000000,"b":1} */
    {DT_BIGINT, "d:2.0", "bigint:2"},
    {DT_TEXT, "b:1", "text:True"},
    {DT_DOUBLE, "s:4.5", "double:4.5"},
    {DT_TIMESTAMP, "i:1700000000", "timestamp:2023-11-14T22:13:20+00:00"},
    {DT_BOOL, "i:1", "bool:true"},
    /* {"n":2.5,"t":{"x":1},"d":"abc","ts":"2024-02-01","b":"maybe"} (dicts are flattened by
     * the normalizer before coercion; a json value into text is compact JSON) */
    {DT_BIGINT, "d:2.5", NULL},
    {DT_TEXT, "j:{\"x\": 1}", "text:{\"x\":1}"},
    {DT_DOUBLE, "s:abc", NULL},
    {DT_TIMESTAMP, "s:2024-02-01", "timestamp:2024-02-01T00:00:00+00:00"},
    {DT_BOOL, "s:maybe", NULL},
    /* {"n":"abc","t":[1,2],"d":true,"ts":"2024-01-01T00:00:00+05:00","b":0.0} */
    {DT_BIGINT, "s:abc", NULL},
    {DT_TEXT, "j:[1, 2]", "text:[1,2]"},
    {DT_DOUBLE, "b:1", NULL},
    {DT_TIMESTAMP, "s:2024-01-01T00:00:00+05:00", "timestamp:2023-12-31T19:00:00+00:00"},
    {DT_BOOL, "d:0.0", "bool:false"},
    /* {"n":true} */
    {DT_BIGINT, "b:1", NULL},

    /* same type passes through */
    {DT_TEXT, "s:x", "text:x"},
    /* ...except integers beyond int64: no bigint value holds them (types_int_beyond_bigint;
     * the normalizer reports them as data errors) */
    {DT_BIGINT, "u:18446744073709551615", NULL},
    {DT_BIGINT, "u:9223372036854775808", NULL},
    {DT_BIGINT, "g:123456789012345678901234567890", NULL},
    {DT_BIGINT, "g:-9223372036854775809", NULL},
    {DT_NONE, "u:18446744073709551615", NULL},
    {DT_NONE, "g:123456789012345678901234567890", NULL},
    {DT_BIGINT, "i:9223372036854775807", "bigint:9223372036854775807"},
    {DT_BIGINT, "i:-9223372036854775808", "bigint:-9223372036854775808"},
    {DT_JSON, "j:{\"a\":[1]}", "json:{\"a\":[1]}"},
    {DT_TEXT, "n:", "null:"},

    /* text <- * : Python str() (quirk 2) */
    {DT_TEXT, "b:0", "text:False"},
    {DT_TEXT, "d:1.5", "text:1.5"},
    {DT_TEXT, "d:3.0", "text:3.0"},
    {DT_TEXT, "d:1e20", "text:1e+20"},
    {DT_TEXT, "d:1e16", "text:1e+16"},
    {DT_TEXT, "d:1e15", "text:1000000000000000.0"},
    {DT_TEXT, "d:0.0001", "text:0.0001"},
    {DT_TEXT, "d:0.00001", "text:1e-05"},
    {DT_TEXT, "d:0.1", "text:0.1"},
    {DT_TEXT, "d:-0.0", "text:-0.0"},
    {DT_TEXT, "d:123456789012345678", "text:1.2345678901234568e+17"},
    {DT_TEXT, "d:2.5e-5", "text:2.5e-05"},
    {DT_TEXT, "d:1e-320", "text:1e-320"},
    {DT_TEXT, "d:1.7976931348623157e308", "text:1.7976931348623157e+308"},
    {DT_TEXT, "i:-9223372036854775808", "text:-9223372036854775808"},
    {DT_TEXT, "u:18446744073709551615", "text:18446744073709551615"},
    {DT_TEXT, "g:-123456789012345678901234567890", "text:-123456789012345678901234567890"},
    {DT_TEXT, "j:{\"a\":\"\\u00e9\",\"b\":null}", "text:{\"a\":\"\xc3\xa9\",\"b\":null}"},

    /* bigint <- text: strip, 0x, Python int() */
    {DT_BIGINT, "s:+5", "bigint:5"},
    {DT_BIGINT, "s:1_000", "bigint:1000"},
    {DT_BIGINT, "s: \t42\n", "bigint:42"},
    {DT_BIGINT, "s:-7", "bigint:-7"},
    {DT_BIGINT, "s:007", "bigint:7"},
    {DT_BIGINT, "s:0x1f", "bigint:31"},
    {DT_BIGINT, "s:0x_1F", NULL}, /* dlt drops "0x", then int("_1F", 16) fails */
    {DT_BIGINT, "s:0x0x_1f", "bigint:31"},
    {DT_BIGINT, "s:0x0x10", "bigint:16"},
    {DT_BIGINT, "s:0x-10", "bigint:-16"},
    {DT_BIGINT, "s:0X10", NULL},
    {DT_BIGINT, "s:0x", NULL},
    {DT_BIGINT, "s:1.0", NULL},
    {DT_BIGINT, "s:1e3", NULL},
    {DT_BIGINT, "s:1__000", NULL},
    {DT_BIGINT, "s:_1", NULL},
    {DT_BIGINT, "s:1_", NULL},
    {DT_BIGINT, "s:", NULL},
    {DT_BIGINT, "s:\xd9\xa3", "bigint:3"},
    {DT_BIGINT, "s:\xe2\x80\x83" "12\xe3\x80\x80", "bigint:12"},
    {DT_BIGINT, "s:9223372036854775807", "bigint:9223372036854775807"},
    {DT_BIGINT, "s:-9223372036854775808", "bigint:-9223372036854775808"},
    {DT_BIGINT, "s:9223372036854775808", NULL}, /* beyond int64: variant (documented) */
    {DT_BIGINT, "s:0x7fffffffffffffff", "bigint:9223372036854775807"},
    {DT_BIGINT, "s:0x8000000000000000", NULL},
    /* bigint <- double: only integral */
    {DT_BIGINT, "d:-0.0", "bigint:0"},
    {DT_BIGINT, "d:-3.0", "bigint:-3"},
    {DT_BIGINT, "d:1e18", "bigint:1000000000000000000"},
    {DT_BIGINT, "d:1e19", NULL},
    {DT_BIGINT, "d:-9223372036854775808.0", "bigint:-9223372036854775808"},
    {DT_BIGINT, "d:9223372036854775808.0", NULL},
    {DT_BIGINT, "j:[1]", NULL},

    /* double <- text: Python float() */
    {DT_DOUBLE, "s:1e3", "double:1000"},
    {DT_DOUBLE, "s: -2.5 ", "double:-2.5"},
    {DT_DOUBLE, "s:inf", "double:inf"},
    {DT_DOUBLE, "s:-Infinity", "double:-inf"},
    {DT_DOUBLE, "s:nan", "double:nan"},
    {DT_DOUBLE, "s:1_0", "double:10"},
    {DT_DOUBLE, "s:1_000.000_5", "double:1000.0005"},
    {DT_DOUBLE, "s:.5", "double:0.5"},
    {DT_DOUBLE, "s:5.", "double:5"},
    {DT_DOUBLE, "s:1e400", "double:inf"},
    {DT_DOUBLE, "s:0x10", "double:16"},
    {DT_DOUBLE, "s:0xffffffffffffffffff", "double:4.7223664828696452e+21"},
    {DT_DOUBLE, "s:1__0", NULL},
    {DT_DOUBLE, "s:.", NULL},
    {DT_DOUBLE, "s:1e", NULL},
    {DT_DOUBLE, "s:infinit", NULL},
    {DT_DOUBLE, "s:1,5", NULL},
    {DT_DOUBLE, "s:\xd9\xa3.\xd9\xa5", "double:3.5"},
    /* double <- bigint */
    {DT_DOUBLE, "i:9007199254740993", "double:9007199254740992"},
    {DT_DOUBLE, "u:18446744073709551615", "double:1.8446744073709552e+19"},
    {DT_DOUBLE, "g:100000000000000000000", "double:1e+20"},
    {DT_DOUBLE, "j:{}", NULL},

    /* decimal / wei */
    {DT_DECIMAL, "s:1.25", "decimal:1.25"},
    {DT_DECIMAL, "s: 1_000 ", "decimal:1000"},
    {DT_DECIMAL, "s:1.50", "decimal:1.50"},
    {DT_DECIMAL, "s:1e3", "decimal:1E+3"},
    {DT_DECIMAL, "s:0.0000001", "decimal:1E-7"},
    {DT_DECIMAL, "s:-0", "decimal:-0"},
    {DT_DECIMAL, "s:100e-2", "decimal:1.00"},
    {DT_DECIMAL, "s:0x1f", "decimal:31"},
    {DT_DECIMAL, "s:0x-1f", "decimal:-31"},
    {DT_DECIMAL, "s:0xffffffffffffffffffffffffffffffff", "decimal:340282366920938463463374607431768211455"},
    {DT_DECIMAL, "s:nan", "decimal:NaN"},
    {DT_DECIMAL, "s:abc", NULL},
    {DT_DECIMAL, "s:1e", NULL},
    {DT_DECIMAL, "i:5", "decimal:5"},
    {DT_DECIMAL, "d:2.5", "decimal:2.5"},
    {DT_DECIMAL, "d:2.0", "decimal:2"},
    {DT_DECIMAL, "d:0.1", "decimal:0.1000000000000000055511151231257827021181583404541015625"},
    {DT_DECIMAL, "d:1e20", "decimal:100000000000000000000"},
    {DT_DECIMAL, "d:1e-7", "decimal:9.99999999999999954748111825886258685613938723690807819366455078125E-8"},
    {DT_DECIMAL, "b:1", NULL},
    {DT_WEI, "u:18446744073709551615", "wei:18446744073709551615"},
    {DT_WEI, "g:578960446186580977117854925043439539266", "wei:578960446186580977117854925043439539266"},
    {DT_WEI, "s:12", "wei:12"},
    /* integers beyond int64 into decimal/wei/text/double: exact (str(int), Decimal(int)) */
    {DT_WEI, "u:9223372036854775808", "wei:9223372036854775808"},
    {DT_WEI, "g:123456789012345678901234567890", "wei:123456789012345678901234567890"},
    {DT_WEI, "g:-123456789012345678901234567890", "wei:-123456789012345678901234567890"},
    {DT_DECIMAL, "u:18446744073709551615", "decimal:18446744073709551615"},
    {DT_DECIMAL, "g:-99999999999999999999", "decimal:-99999999999999999999"},
    {DT_TEXT, "g:123456789012345678901234567890", "text:123456789012345678901234567890"},
    {DT_TEXT, "u:9223372036854775808", "text:9223372036854775808"},
    {DT_DOUBLE, "g:-123456789012345678901234567890", "double:-1.2345678901234568e+29"},

    /* bool */
    {DT_BOOL, "s:YES", "bool:true"},
    {DT_BOOL, "s:T", "bool:true"},
    {DT_BOOL, "s:y", "bool:true"},
    {DT_BOOL, "s:1", "bool:true"},
    {DT_BOOL, "s:No", "bool:false"},
    {DT_BOOL, "s:FALSE", "bool:false"},
    {DT_BOOL, "s:f", "bool:false"},
    {DT_BOOL, "s:n", "bool:false"},
    {DT_BOOL, "s:0", "bool:false"},
    {DT_BOOL, "s: true", NULL}, /* str2bool does not strip */
    {DT_BOOL, "s:2", NULL},
    {DT_BOOL, "s:", NULL},
    {DT_BOOL, "i:5", "bool:true"},
    {DT_BOOL, "i:0", "bool:false"},
    {DT_BOOL, "i:-1", "bool:true"},
    {DT_BOOL, "d:0.5", "bool:true"},
    {DT_BOOL, "d:-0.0", "bool:false"},
    {DT_BOOL, "u:18446744073709551615", "bool:true"},
    {DT_BOOL, "j:[]", NULL},

    /* json <- text: json.loads */
    {DT_JSON, "s:[1,2]", "json:[1,2]"},
    {DT_JSON, "s:{\"a\": {\"b\": 1}}", "json:{\"a\":{\"b\":1}}"},
    {DT_JSON, "s:5", "json:5"},
    {DT_JSON, "s:\"x\"", "json:\"x\""},
    {DT_JSON, "s:null", "null:"},
    {DT_JSON, "s:abc", NULL},
    {DT_JSON, "s:[1,", NULL},
    {DT_JSON, "i:5", NULL},
    {DT_JSON, "b:1", NULL},

    /* binary */
    {DT_BINARY, "s:0xdead", "binary:dead"},
    {DT_BINARY, "s:0xDE AD\tbe", "binary:deadbe"},
    {DT_BINARY, "s:0x", "binary:"},
    {DT_BINARY, "s:0xabc", NULL},
    {DT_BINARY, "s:0xzz", NULL},
    {DT_BINARY, "s:AP8=", "binary:00ff"},
    {DT_BINARY, "s:YWJj", "binary:616263"},
    {DT_BINARY, "s:YQ==", "binary:61"},
    {DT_BINARY, "s:YWJj==", "binary:616263"},
    {DT_BINARY, "s:", "binary:"},
    {DT_BINARY, "s:AP8", NULL},
    {DT_BINARY, "s:YQ=", NULL},
    {DT_BINARY, "s:YQ===", NULL},
    {DT_BINARY, "s:YW Jj", NULL},
    {DT_BINARY, "s:==", NULL},
    {DT_BINARY, "s:Y", NULL},
    {DT_BINARY, "s:hello!", NULL},
    {DT_BINARY, "i:256", "binary:0001"},
    {DT_BINARY, "i:255", "binary:ff"},
    {DT_BINARY, "i:0", "binary:"},
    {DT_BINARY, "i:-1", NULL},
    {DT_BINARY, "u:18446744073709551615", "binary:ffffffffffffffff"},
    {DT_BINARY, "g:18446744073709551616", "binary:000000000000000001"},
    {DT_BINARY, "d:1.0", NULL},

    /* timestamp */
    {DT_TIMESTAMP, "s:2024-01-01T10:00:00Z", "timestamp:2024-01-01T10:00:00+00:00"},
    {DT_TIMESTAMP, "s:2024-01-01 10:00:00", "timestamp:2024-01-01T10:00:00+00:00"},
    {DT_TIMESTAMP, "s:2024", "timestamp:2024-01-01T00:00:00+00:00"},
    {DT_TIMESTAMP, "s:1700000000", "timestamp:2023-11-14T22:13:20+00:00"},
    {DT_TIMESTAMP, "s: 1.5e9 ", "timestamp:2017-07-14T02:40:00+00:00"},
    {DT_TIMESTAMP, "s:10:00", NULL},
    {DT_TIMESTAMP, "s:inf", NULL},
    {DT_TIMESTAMP, "s:nan", NULL},
    {DT_TIMESTAMP, "d:1700000000.123456", "timestamp:2023-11-14T22:13:20.123456+00:00"},
    {DT_TIMESTAMP, "d:-1.5", "timestamp:1969-12-31T23:59:58.500000+00:00"},
    {DT_TIMESTAMP, "d:0.0000005", "timestamp:1970-01-01T00:00:00+00:00"},
    {DT_TIMESTAMP, "d:0.0000015", "timestamp:1970-01-01T00:00:00.000002+00:00"},
    {DT_TIMESTAMP, "i:-86400", "timestamp:1969-12-31T00:00:00+00:00"},
    {DT_TIMESTAMP, "i:-62135596800", "timestamp:0001-01-01T00:00:00+00:00"},
    {DT_TIMESTAMP, "i:-62135596801", NULL},
    {DT_TIMESTAMP, "i:253402300799", "timestamp:9999-12-31T23:59:59+00:00"},
    {DT_TIMESTAMP, "i:253402300800", NULL},
    {DT_TIMESTAMP, "i:9223372036854775807", NULL},
    {DT_TIMESTAMP, "i:-9223372036854775808", NULL},
    {DT_TIMESTAMP, "u:18446744073709551615", NULL},
    {DT_TIMESTAMP, "b:1", "timestamp:1970-01-01T00:00:01+00:00"}, /* bool is an int in Python */
    {DT_TIMESTAMP, "j:[1]", NULL},

    /* date */
    {DT_DATE, "s:2024-01-01", "date:2024-01-01"},
    {DT_DATE, "s:2024-01-01T00:30:00+01:00", "date:2023-12-31"},
    {DT_DATE, "s:2024-02-29T23:00:00-02:00", "date:2024-03-01"},
    {DT_DATE, "s:1700000000", "date:2023-11-14"},
    {DT_DATE, "s:10:00", NULL},
    {DT_DATE, "s:x", NULL},
    {DT_DATE, "i:1700000000", "date:2023-11-14"},
    {DT_DATE, "i:-1", "date:1969-12-31"},
    {DT_DATE, "d:86399.9999999", "date:1970-01-02"},
    {DT_DATE, "b:0", "date:1970-01-01"},

    /* time */
    {DT_TIME, "s:10:00:00", "time:10:00:00"},
    {DT_TIME, "s:10:00:00+02:00", "time:08:00:00"},
    {DT_TIME, "s:01:00:00+02:00", "time:23:00:00"},
    {DT_TIME, "s:10:00:00.5", "time:10:00:00.500000"},
    {DT_TIME, "s:10:00", "time:10:00:00"},
    {DT_TIME, "s:2024-01-01T10:00:00", NULL},
    {DT_TIME, "s:2024-01-01", NULL},
    {DT_TIME, "s:25:00", NULL},
    {DT_TIME, "i:3600", NULL},
};

static void test_coerce(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    buf b = BUF_INIT;
    int failures = 0;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(COERCE_ROWS); i++) {
        const coerce_row *r = &COERCE_ROWS[i];
        jv v = mk(&a, r->value);
        tval out;
        cdlt_status st = types_coerce(&v, r->to, &a, &out);
        buf_clear(&b);
        if (st == CDLT_OK)
            show(&out, &b);
        bool ok = r->want ? (st == CDLT_OK && strcmp(buf_cstr(&b), r->want) == 0)
                          : st == CDLT_COERCE;
        if (!ok) {
            fprintf(stderr, "coerce row %zu: %s <- [%s]: %s [%s], want [%s]\n", i,
                    dtype_name(r->to), r->value, cdlt_status_name(st), buf_cstr(&b),
                    r->want ? r->want : "CDLT_COERCE");
            failures++;
        }
    }
    buf_free(&b);
    arena_free(&a);
    assert_int_equal(failures, 0);
}

/* The variant type of a failed value is its own (detected) type: "n__v_double" etc. */
static void test_variant_types(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024, 0);
    static const struct {
        const char *value; /* value that failed coercion */
        dtype want;        /* type of its variant column (with default detections) */
    } rows[] = {
        {"s:not a date", DT_TEXT}, {"d:2.5", DT_DOUBLE},
        {"s:abc", DT_TEXT},        {"b:1", DT_BOOL},
        {"s:maybe", DT_TEXT},      {"s:2024-01-01T00:00:00Z", DT_TIMESTAMP}, /* quirk 3 */
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(rows); i++) {
        jv v = mk(&a, rows[i].value);
        assert_int_equal(types_detect(&v, DETECT_ISO_TIMESTAMP), rows[i].want);
    }
    /* a source's typed strings (dlt: Decimal, bytes) are decimal / binary, never detected as
     * something else from their text */
    jv dec = jv_str(&a, "12.5", 4), bin = jv_str(&a, "MjAyNA==", 8);
    dec.flags = JV_F_DECIMAL;
    bin.flags = JV_F_BINARY;
    assert_int_equal(types_detect(&dec, DETECT_ISO_TIMESTAMP | DETECT_TIMESTAMP), DT_DECIMAL);
    assert_int_equal(types_detect(&bin, DETECT_ISO_TIMESTAMP), DT_BINARY);
    assert_int_equal(types_infer(&dec), DT_TEXT); /* its value is text: coerced from it */
    arena_free(&a);
}

static void test_from_jv(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024, 0);
    buf b = BUF_INIT;
    static const struct {
        const char *value; /* mk() description */
        const char *want;  /* show() */
    } rows[] = {
        {"s:x", "text:x"},         {"i:-5", "bigint:-5"},
        {"d:2.5", "double:2.5"},   {"b:0", "bool:false"},
        {"n:", "null:"},           {"j:[1,{\"a\":null}]", "json:[1,{\"a\":null}]"},
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(rows); i++) {
        jv v = mk(&a, rows[i].value);
        tval t;
        assert_int_equal(types_from_jv(&v, &t), CDLT_OK);
        show(&t, &b);
        assert_string_equal(buf_cstr(&b), rows[i].want);
    }
    /* TOML date/time kinds */
    static const struct {
        jv_type kind;     /* TOML kind */
        const char *text; /* canonical text */
        const char *want; /* show() */
    } toml[] = {
        {JV_DATETIME, "1979-05-27T07:32:00Z", "timestamp:1979-05-27T07:32:00+00:00"},
        {JV_DATETIME, "1979-05-27T00:32:00-07:00", "timestamp:1979-05-27T07:32:00+00:00"},
        {JV_DATETIME_LOCAL, "1979-05-27T07:32:00.5", "timestamp:1979-05-27T07:32:00.500000+00:00"},
        {JV_DATE_LOCAL, "1979-05-27", "date:1979-05-27"},
        {JV_TIME_LOCAL, "07:32:00", "time:07:32:00"},
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(toml); i++) {
        jv v = jv_str_typed(&a, toml[i].kind, toml[i].text, strlen(toml[i].text));
        tval t;
        assert_int_equal(types_from_jv(&v, &t), CDLT_OK);
        show(&t, &b);
        assert_string_equal(buf_cstr(&b), toml[i].want);
        assert_int_equal(types_infer(&v), t.type);
    }
    jv bad = jv_str_typed(&a, JV_DATE_LOCAL, "1979-13-27", 10);
    tval t;
    assert_int_equal(types_from_jv(&bad, &t), CDLT_PARSE);
    /* integers beyond int64 are bigint by type but have no bigint value: refused, never a
     * wrapped uint64 (18446744073709551615 -> -1) or a text pointer read as an int64 */
    static const char *const beyond[] = {"u:9223372036854775808", "u:18446744073709551615",
                                         "g:123456789012345678901234567890",
                                         "g:-99999999999999999999"};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(beyond); i++) {
        jv v = mk(&a, beyond[i]);
        assert_true(types_int_beyond_bigint(&v));
        assert_int_equal(types_infer(&v), DT_BIGINT);
        assert_int_equal(types_from_jv(&v, &t), CDLT_COERCE);
    }
    jv fits = jv_int(INT64_MAX);
    assert_false(types_int_beyond_bigint(&fits));
    assert_false(types_int_beyond_bigint(NULL));
    buf_free(&b);
    arena_free(&a);
}

/* Canonical text forms and the jsonl writer. */
static void test_format(void **state)
{
    (void)state;
    buf b = BUF_INIT;
    static const struct {
        int64_t us;       /* timestamp */
        bool naive;       /* no offset */
        const char *want; /* isoformat */
    } ts[] = {
        {0, false, "1970-01-01T00:00:00+00:00"},
        {0, true, "1970-01-01T00:00:00"},
        {123456, false, "1970-01-01T00:00:00.123456+00:00"},
        {1, false, "1970-01-01T00:00:00.000001+00:00"},
        {-1, false, "1969-12-31T23:59:59.999999+00:00"},
        {INT64_C(1704103200000000), false, "2024-01-01T10:00:00+00:00"},
        {INT64_C(951782400000000), false, "2000-02-29T00:00:00+00:00"},
        {INT64_C(-62135596800000000), false, "0001-01-01T00:00:00+00:00"},
        {INT64_C(253402300799999999), false, "9999-12-31T23:59:59.999999+00:00"},
        /* outside 0000-9999: the printf rendering (digits by hand cover 4-digit years) */
        {INT64_C(253402300800000000), false, "10000-01-01T00:00:00+00:00"},
        {INT64_C(-62167219200000000), true, "0000-01-01T00:00:00"},
        {INT64_C(-62167219200000001), true, "-001-12-31T23:59:59.999999"},
        {INT64_C(1704103200000100), true, "2024-01-01T10:00:00.000100"},
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(ts); i++) {
        buf_clear(&b);
        assert_int_equal(types_fmt_timestamp(ts[i].us, ts[i].naive, &b), CDLT_OK);
        assert_string_equal(buf_cstr(&b), ts[i].want);
    }
    buf_clear(&b);
    types_fmt_date(-1, &b);
    assert_string_equal(buf_cstr(&b), "1969-12-31");
    buf_clear(&b);
    types_fmt_date(19723, &b);
    assert_string_equal(buf_cstr(&b), "2024-01-01");
    buf_clear(&b);
    types_fmt_time(0, &b);
    assert_string_equal(buf_cstr(&b), "00:00:00");
    buf_clear(&b);
    types_fmt_time(INT64_C(86399999999), &b);
    assert_string_equal(buf_cstr(&b), "23:59:59.999999");
    /* appended to what the buffer holds */
    buf_clear(&b);
    buf_puts(&b, "at ");
    types_fmt_time(INT64_C(3723000045), &b);
    types_fmt_date(0, &b);
    assert_string_equal(buf_cstr(&b), "at 01:02:03.0000451970-01-01");
    /* civil calendar round trip over a wide range, incl. negative epoch days */
    for (int64_t d = -800000; d <= 2932896; d += 97) {
        int64_t y;
        unsigned m, dd;
        types_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(types_days_from_civil(y, m, dd), d);
    }

    /* jsonl form of every type */
    tval v;
    memset(&v, 0, sizeof(v));
    static const char bin[] = {0x00, (char)0xff};
    struct {
        dtype t;          /* type */
        const char *want; /* jsonl */
    } w[] = {{DT_TEXT, "\"it's \\\"q\\\"\\nline\""}, {DT_BINARY, "\"AP8=\""},
             {DT_DECIMAL, "\"1.25\""},               {DT_TIMESTAMP, "\"2024-01-01T10:00:00+00:00\""},
             {DT_DATE, "\"2024-01-02\""},            {DT_TIME, "\"10:00:00.500000\""},
             {DT_BOOL, "true"},                      {DT_BIGINT, "-42"},
             {DT_NONE, "null"}};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(w); i++) {
        memset(&v, 0, sizeof(v));
        v.type = (uint8_t)w[i].t;
        switch (w[i].t) {
        case DT_TEXT: v.u.s = "it's \"q\"\nline", v.len = 13; break;
        case DT_BINARY: v.u.s = bin, v.len = 2; break;
        case DT_DECIMAL: v.u.s = "1.25", v.len = 4; break;
        case DT_TIMESTAMP: v.u.ts = INT64_C(1704103200000000); break;
        case DT_DATE: v.u.date = 19724; break;
        case DT_TIME: v.u.time = INT64_C(36000500000); break;
        case DT_BOOL: v.u.b = true; break;
        case DT_BIGINT: v.u.i = -42; break;
        default: break;
        }
        buf_clear(&b);
        assert_int_equal(types_write_json(&v, &b), CDLT_OK);
        assert_string_equal(buf_cstr(&b), w[i].want);
    }
    memset(&v, 0, sizeof(v));
    v.type = DT_DOUBLE;
    v.u.d = NAN;
    buf_clear(&b);
    types_write_json(&v, &b);
    assert_string_equal(buf_cstr(&b), "null");
    buf_free(&b);
}

/* Hostile and huge inputs: no crash, clean failure. */
static void test_hostile(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, '9', n);
    big[n] = '\0';
    jv v = jv_str(&a, big, n);
    tval out;
    static const dtype all[] = {DT_BIGINT, DT_DOUBLE, DT_DECIMAL, DT_WEI,  DT_BOOL,
                                DT_JSON,   DT_TIMESTAMP, DT_DATE, DT_TIME, DT_BINARY};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(all); i++) {
        cdlt_status st = types_coerce(&v, all[i], &a, &out);
        assert_true(st == CDLT_OK || st == CDLT_COERCE);
    }
    /* invalid UTF-8 text */
    jv bad = jv_str(&a, "1\xff", 2);
    for (size_t i = 0; i < CDLT_ARRAY_LEN(all); i++)
        assert_int_equal(types_coerce(&bad, all[i], &a, &out), CDLT_COERCE);
    /* 0x with thousands of hex digits into decimal: fails cleanly beyond the limit */
    memset(big, 'f', n);
    big[0] = '0', big[1] = 'x';
    jv hx = jv_str(&a, big, 3000);
    assert_int_equal(types_coerce(&hx, DT_DECIMAL, &a, &out), CDLT_OK);
    assert_true(out.len > 3000);
    hx = jv_str(&a, big, n);
    assert_int_equal(types_coerce(&hx, DT_DECIMAL, &a, &out), CDLT_COERCE);
    free(big);
    assert_false(types_parse_iso(NULL, 0, NULL));
    arena_free(&a);
}

typedef struct sweep_ctx {
    const char *desc; /* mk() value */
    dtype to;         /* column type */
} sweep_ctx;

static cdlt_status sweep_coerce(void *ud)
{
    sweep_ctx *c = ud;
    arena a;
    arena_init(&a, 256, 0);
    jv v = c->desc[0] == 's' ? jv_str(&a, c->desc + 2, strlen(c->desc + 2)) : jv_bool(true);
    cdlt_status st = jv_failed(&v) ? CDLT_NOMEM : CDLT_OK;
    tval out;
    if (st == CDLT_OK)
        st = types_coerce(&v, c->to, &a, &out);
    arena_free(&a);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    sweep_ctx cases[] = {{"b:1", DT_TEXT}, {"s:AP8=", DT_BINARY}, {"s:1.25", DT_DECIMAL},
                         {"s:[1,2,{\"a\":3}]", DT_JSON}};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(cases); i++)
        assert_true(tu_alloc_failure_sweep(sweep_coerce, &cases[i], 50) >= 1);
}

/* the shared decimal text reader: digits, point position, exponent, the rounding digit */
static void test_decimal_scan(void **st)
{
    (void)st;
    types_dec_text d;
    assert_true(types_decimal_scan("-0012.50", 8, 38, &d));
    assert_true(d.neg);
    assert_int_equal(d.nd, 4); /* 1250: leading zeros dropped, trailing kept */
    assert_int_equal(d.dig[0], 1);
    assert_int_equal(d.dig[3], 0);
    assert_int_equal(d.frac, 2);
    assert_int_equal(d.exp, 0);
    assert_int_equal(d.dropped, -1);
    assert_true(types_decimal_scan("0.000", 5, 38, &d));
    assert_int_equal(d.nd, 0);
    assert_int_equal(d.frac, 3);
    assert_true(types_decimal_scan("+1.5E-3", 7, 38, &d));
    assert_false(d.neg);
    assert_int_equal(d.nd, 2);
    assert_int_equal(d.exp, -3);
    /* a fraction beyond the kept digits leaves its first digit for rounding */
    assert_true(types_decimal_scan("1.23456", 7, 3, &d));
    assert_int_equal(d.nd, 3);
    assert_int_equal(d.frac, 2);
    assert_int_equal(d.dropped, 4);
    /* too many integer digits, and texts that are no number */
    assert_false(types_decimal_scan("12345", 5, 4, &d));
    static const char *const bad[] = {"", "-", ".", "1e", "e5", "1.2.3", "1x", "1e+", "1e123456"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        assert_false(types_decimal_scan(bad[k], strlen(bad[k]), 38, &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_iso),
        cmocka_unit_test(test_detect),        cmocka_unit_test(test_coerce),
        cmocka_unit_test(test_variant_types), cmocka_unit_test(test_from_jv),
        cmocka_unit_test(test_format),        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_decimal_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
