/* dest_testlib.h: helpers shared by the destination tests of every backend (not a test program
 * itself): small schemas built through the API and typed values for the writers. */
#ifndef CDLT_DEST_TESTLIB_H
#define CDLT_DEST_TESTLIB_H

#include "testutil.h"

#include "destinations/destination.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Add a column; returns it (pointer valid until the next add). */
static inline schema_column *tl_col(schema *s, schema_table *t, const char *name, dtype type,
                                    bool nullable, int tz, int prec, int scale)
{
    schema_column c = schema_column_init(name, type);
    c.nullable = nullable;
    c.timezone = (int8_t)tz;
    c.precision = prec;
    c.scale = scale;
    cdlt_error err = {0};
    uint32_t idx = 0;
    assert_int_equal(table_add_column(s, t, &c, &idx, &err), CDLT_OK);
    return &t->columns[idx];
}

static inline schema_table *tl_table(schema *s, const char *name)
{
    schema_table *t = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_add_table(s, name, NULL, &t, &err), CDLT_OK);
    t->seen_data = true;
    t->disposition = WD_APPEND;
    return t;
}

static inline void tl_dlt_cols(schema *s, schema_table *t)
{
    tl_col(s, t, "_dlt_load_id", DT_TEXT, false, -1, -1, -1);
    tl_col(s, t, "_dlt_id", DT_TEXT, false, -1, -1, -1);
}

/* The writers' round-trip table: one column of every dlt type (nullable but id; naive and
 * aware timestamps, hinted decimal, wei, 16-bit int, ms timestamp, a column of unknown type),
 * `huge` adds a 128-bit bigint after `small`; then dlt's _dlt_load_id / _dlt_id. */
static inline void tl_all_types(schema *s, schema_table *t, bool huge)
{
    tl_col(s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_col(s, t, "f", DT_DOUBLE, true, -1, -1, -1);
    tl_col(s, t, "b", DT_BOOL, true, -1, -1, -1);
    tl_col(s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    tl_col(s, t, "tsn", DT_TIMESTAMP, true, 0, -1, -1);
    tl_col(s, t, "d", DT_DATE, true, -1, -1, -1);
    tl_col(s, t, "tm", DT_TIME, true, -1, -1, -1);
    tl_col(s, t, "bin", DT_BINARY, true, -1, -1, -1);
    tl_col(s, t, "j", DT_JSON, true, -1, -1, -1);
    tl_col(s, t, "dec", DT_DECIMAL, true, -1, -1, -1);
    tl_col(s, t, "dec2", DT_DECIMAL, true, -1, 10, 2);
    tl_col(s, t, "w", DT_WEI, true, -1, -1, -1);
    tl_col(s, t, "small", DT_BIGINT, true, -1, 16, -1);
    if (huge)
        tl_col(s, t, "huge", DT_BIGINT, true, -1, 128, -1);
    tl_col(s, t, "ts_ms", DT_TIMESTAMP, true, 0, 3, -1);
    tl_col(s, t, "inc", DT_NONE, true, -1, -1, -1);
    tl_dlt_cols(s, t);
}

static inline tval tv_null(void) { tval v; memset(&v, 0, sizeof v); return v; }
static inline tval tv_i(int64_t i) { tval v = tv_null(); v.type = DT_BIGINT; v.u.i = i; return v; }
static inline tval tv_d(double x) { tval v = tv_null(); v.type = DT_DOUBLE; v.u.d = x; return v; }
static inline tval tv_b(bool b) { tval v = tv_null(); v.type = DT_BOOL; v.u.b = b; return v; }
static inline tval tv_ts(int64_t us) { tval v = tv_null(); v.type = DT_TIMESTAMP; v.u.ts = us; return v; }
static inline tval tv_date(int32_t days) { tval v = tv_null(); v.type = DT_DATE; v.u.date = days; return v; }
static inline tval tv_time(int64_t us) { tval v = tv_null(); v.type = DT_TIME; v.u.time = us; return v; }
static inline tval tv_sn(dtype t, const char *s, size_t n)
{
    tval v = tv_null();
    v.type = (uint8_t)t;
    v.u.s = s;
    v.len = (uint32_t)n;
    return v;
}
static inline tval tv_s(const char *s) { return tv_sn(DT_TEXT, s, strlen(s)); }
static inline tval tv_json(const jv *j) { tval v = tv_null(); v.type = DT_JSON; v.u.json = j; return v; }

#endif
