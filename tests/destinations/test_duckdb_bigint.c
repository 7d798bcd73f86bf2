/* test_duckdb_bigint.c: integers beyond int64 through the whole pipeline (public API: extract
 * -> normalize -> load) into a REAL DuckDB file, read back as text. They used to load as -1
 * (18446744073709551615) or as a per-run garbage number (a bignum's text pointer stored as an
 * int64). Now: without the `large_integer` detection they are a data error naming value,
 * table, column, item line and the fix (nothing is loaded); with it they load exactly as wei
 * (DECIMAL(38,0)) or, above 578960446186580977117854925043439539266, as text; into existing
 * text/decimal/wei/double columns they coerce exactly; a wei beyond DECIMAL(38,0) fails the
 * load instead of being cut. Links cdlt_pipeline (tests/destinations/extra.cmake). */
#include "pipeline/ptest.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef pt_env env; /* ptest.h */

/* Run pipeline `name` once over NDJSON `text` (written to <dir>/<file>) as resource "items";
 * optional declared columns {name, type} pairs ending with NULL. */
static cdlt_status run_ndjson(env *e, const char *name, const char *file, const char *text,
                              const char *const *cols, cdlt_error *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", e->dir, file);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    cdlt_pipeline *p = pt_open(e, name);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", path, &r, err), CDLT_OK);
    for (size_t i = 0; cols && cols[i]; i += 2)
        assert_int_equal(cdlt_resource_add_column(r, cols[i], cols[i + 1], true), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_error_clear(err);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run %s: %s: %s\n", name, cdlt_status_name(rc), err->message);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc;
}

/* First value of the first row as text (malloc'd); NULL for NULL or no row; "<error>" when
 * the query fails (e.g. a missing table). */
static char *q(env *e, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    assert_int_equal(duckdb_open(e->db, &d), DuckDBSuccess);
    assert_int_equal(duckdb_connect(d, &c), DuckDBSuccess);
    duckdb_result r;
    char *out = NULL;
    if (duckdb_query(c, sql, &r) != DuckDBSuccess) {
        out = strdup("<error>");
    } else if (duckdb_row_count(&r) > 0 && !duckdb_value_is_null(&r, 0, 0)) {
        char *v = duckdb_value_varchar(&r, 0, 0);
        out = strdup(v);
        duckdb_free(v);
    }
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return out;
}

static void expect(env *e, const char *sql, const char *want)
{
    char *got = q(e, sql);
    if (!got || strcmp(got, want) != 0)
        fprintf(stderr, "%s:\n  want '%s'\n  got  '%s'\n", sql, want, got ? got : "(NULL)");
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Add `large_integer` to settings.detections of the pipeline's schema file (the way a user
 * edits the stored schema; there is no API switch, as in dlt where it is a schema setting). */
static void enable_large_integer(env *e, const char *pipeline, const char *schema)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s/schemas/%s.schema.json", e->pdir, pipeline, schema);
    size_t n = 0;
    char *text = tu_read_file(path, &n);
    assert_non_null(text);
    char *det = strstr(text, "\"detections\"");
    assert_non_null(det);
    char *iso = strstr(det, "\"iso_timestamp\"");
    assert_non_null(iso);
    size_t at = (size_t)(iso - text) + strlen("\"iso_timestamp\"");
    const char *ins = ",\"large_integer\"";
    char *out = malloc(n + strlen(ins) + 1);
    memcpy(out, text, at);
    memcpy(out + at, ins, strlen(ins));
    memcpy(out + at + strlen(ins), text + at, n - at + 1);
    assert_int_equal(tu_write_file(path, out, strlen(out)), 0);
    free(out);
    free(text);
}

/* Default detections: a value beyond int64 for a new (bigint) column fails normalize with a
 * message saying what, where and what to do; nothing of that package reaches DuckDB. */
static void test_default_is_a_data_error(void **state)
{
    (void)state;
    env *e = pt_env_new("bigint-default");
    cdlt_error err;
    cdlt_status rc = run_ndjson(e, "p_uint", "uint.jsonl",
                                "{\"id\":1,\"m\":5}\n{\"id\":2,\"n\":18446744073709551615}\n", NULL,
                                &err);
    assert_int_equal(rc, CDLT_COERCE);
    assert_non_null(strstr(err.message, "table 'items', column 'n'"));
    assert_non_null(strstr(err.message, "integer 18446744073709551615 does not fit"));
    assert_non_null(strstr(err.message, "enable the `large_integer` detection"));
    assert_non_null(strstr(err.message, "decimal, wei or text"));
    assert_non_null(strstr(err.message, "item at line 2 of "));
    assert_string_equal(err.table, "items");
    assert_string_equal(err.column_name, "n");
    expect(e, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'items'", "0");

    rc = run_ndjson(e, "p_big", "big.jsonl", "{\"id\":1,\"n\":123456789012345678901234567890}\n",
                    NULL, &err);
    assert_int_equal(rc, CDLT_COERCE);
    assert_non_null(strstr(err.message, "integer 123456789012345678901234567890 does not fit"));
    assert_non_null(strstr(err.message, "item at line 1 of "));
    expect(e, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'items'", "0");
    pt_env_free(e);
}

/* large_integer: exact wei in DECIMAL(38,0) (both signs once the column is wei), text above
 * the wei limit; int64 values keep loading as bigint. */
static void test_large_integer_loads_exact_wei(void **state)
{
    (void)state;
    env *e = pt_env_new("bigint-wei");
    cdlt_error err;
    assert_int_equal(run_ndjson(e, "p", "first.jsonl", "{\"id\":0}\n", NULL, &err), CDLT_OK);
    enable_large_integer(e, "p", "src");
    const char *in =
        "{\"id\":1,\"amount\":18446744073709551615,\"huge\":578960446186580977117854925043439539267,"
        "\"n\":9223372036854775807}\n"
        "{\"id\":2,\"amount\":123456789012345678901234567890,\"huge\":1,\"n\":-9223372036854775808}\n"
        "{\"id\":3,\"amount\":-123456789012345678901234567890,\"huge\":-5}\n"
        "{\"id\":4,\"amount\":9223372036854775808}\n"
        "{\"id\":5,\"amount\":99999999999999999999999999999999999999}\n"
        "{\"id\":6,\"amount\":-18446744073709551615}\n"
        "{\"id\":7,\"amount\":0}\n";
    assert_int_equal(run_ndjson(e, "p", "big.jsonl", in, NULL, &err), CDLT_OK);
    expect(e, "SELECT data_type FROM information_schema.columns WHERE table_name = 'items' AND "
              "column_name = 'amount'",
           "DECIMAL(38,0)");
    expect(e, "SELECT data_type FROM information_schema.columns WHERE table_name = 'items' AND "
              "column_name = 'huge'",
           "VARCHAR");
    expect(e, "SELECT amount::VARCHAR FROM ds.items WHERE id = 1", "18446744073709551615");
    expect(e, "SELECT amount::VARCHAR FROM ds.items WHERE id = 2",
           "123456789012345678901234567890");
    expect(e, "SELECT amount::VARCHAR FROM ds.items WHERE id = 3",
           "-123456789012345678901234567890");
    expect(e, "SELECT amount::VARCHAR FROM ds.items WHERE id = 4", "9223372036854775808");
    expect(e, "SELECT amount::VARCHAR FROM ds.items WHERE id = 5",
           "99999999999999999999999999999999999999");
    expect(e, "SELECT amount::VARCHAR FROM ds.items WHERE id = 6", "-18446744073709551615");
    expect(e, "SELECT amount::VARCHAR FROM ds.items WHERE id = 7", "0");
    expect(e, "SELECT huge FROM ds.items WHERE id = 1", "578960446186580977117854925043439539267");
    expect(e, "SELECT huge FROM ds.items WHERE id = 2", "1");
    expect(e, "SELECT huge FROM ds.items WHERE id = 3", "-5");
    expect(e, "SELECT n::VARCHAR FROM ds.items WHERE id = 1", "9223372036854775807");
    expect(e, "SELECT n::VARCHAR FROM ds.items WHERE id = 2", "-9223372036854775808");
    expect(e, "SELECT sum(amount)::VARCHAR FROM ds.items WHERE id IN (2, 3)", "0");

    /* a wei above DECIMAL(38,0) (10^38 <= v <= the wei limit) fails the load: never cut */
    cdlt_status rc = run_ndjson(e, "p", "over.jsonl",
                                "{\"id\":8,\"amount\":100000000000000000000000000000000000000}\n",
                                NULL, &err);
    assert_int_not_equal(rc, CDLT_OK);
    assert_non_null(strstr(err.message, "DECIMAL(38,0)"));
    expect(e, "SELECT count(*) FROM ds.items WHERE id = 8", "0");
    pt_env_free(e);
}

/* Existing (declared) columns: text, decimal, wei and double take them exactly (double as the
 * nearest float, as dlt's float(int)); a declared bigint column refuses them. */
static void test_existing_columns(void **state)
{
    (void)state;
    env *e = pt_env_new("bigint-cols");
    cdlt_error err;
    static const char *const cols[] = {"txt", "text", "dec", "decimal", "w", "wei",
                                       "d",   "double", NULL};
    const char *in =
        "{\"id\":1,\"txt\":123456789012345678901234567890,\"dec\":18446744073709551615,"
        "\"w\":-123456789012345678901234567890,\"d\":18446744073709551615}\n"
        "{\"id\":2,\"txt\":-9223372036854775809,\"dec\":-99999999999999999999,"
        "\"w\":9223372036854775808,\"d\":-123456789012345678901234567890}\n";
    assert_int_equal(run_ndjson(e, "p", "cols.jsonl", in, cols, &err), CDLT_OK);
    expect(e, "SELECT txt FROM ds.items WHERE id = 1", "123456789012345678901234567890");
    expect(e, "SELECT txt FROM ds.items WHERE id = 2", "-9223372036854775809");
    expect(e, "SELECT dec::VARCHAR FROM ds.items WHERE id = 1", "18446744073709551615.000000000");
    expect(e, "SELECT dec::VARCHAR FROM ds.items WHERE id = 2", "-99999999999999999999.000000000");
    expect(e, "SELECT w::VARCHAR FROM ds.items WHERE id = 1", "-123456789012345678901234567890");
    expect(e, "SELECT w::VARCHAR FROM ds.items WHERE id = 2", "9223372036854775808");
    expect(e, "SELECT d = 18446744073709551615::DOUBLE FROM ds.items WHERE id = 1", "true");
    expect(e, "SELECT d = -1.2345678901234568e+29 FROM ds.items WHERE id = 2", "true");

    static const char *const bcols[] = {"n", "bigint", NULL};
    cdlt_status rc = run_ndjson(e, "pb", "b.jsonl", "{\"n\":1}\n{\"n\":9223372036854775808}\n",
                                bcols, &err);
    assert_int_equal(rc, CDLT_COERCE);
    assert_non_null(strstr(err.message, "column 'n': integer 9223372036854775808 does not fit"));
    assert_non_null(strstr(err.message, "exists as bigint"));
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_a_data_error),
        cmocka_unit_test(test_large_integer_loads_exact_wei),
        cmocka_unit_test(test_existing_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
