/* test_parquet_reader.c: the read_parquet reader on Parquet files made by DuckDB in the test:
 * flat columns of every common type with NULLs (values and jv kinds as dlt's to_pylist dicts
 * would type them), chunking across DuckDB's 2048-row chunks, nested struct/list/map columns
 * as nested objects/arrays, the column type hints, and clear errors for a missing or broken
 * file that name the shown URL. */
#include "testutil.h"

#include "sources/files/parquet.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *g_dir;

static void ddb(const char *sql)
{
    duckdb_database db;
    duckdb_connection con;
    assert_int_equal(duckdb_open(NULL, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    duckdb_result res;
    if (duckdb_query(con, sql, &res) != DuckDBSuccess) {
        fprintf(stderr, "%s\n%s\n", sql, duckdb_result_error(&res));
        fail();
    }
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
}

static char *json_of(const jv *v)
{
    buf b = BUF_INIT;
    assert_int_equal(json_write(&b, v, 0), CDLT_OK);
    char *s = strdup(buf_cstr(&b));
    buf_free(&b);
    return s;
}

static void test_flat(void **state)
{
    (void)state;
    char path[1024], sql[4096];
    snprintf(path, sizeof path, "%s/flat.parquet", g_dir);
    snprintf(sql, sizeof sql,
             "COPY (SELECT i::BIGINT AS id, CASE WHEN i %% 3 = 0 THEN NULL ELSE 'r' || i || "
             "' \xc3\xbc' END AS s, i / 4 AS f, i %% 2 = 0 AS b, i::SMALLINT AS small, "
             "(i * 1.25)::DECIMAL(12, 3) AS dec, TIMESTAMPTZ '2024-01-01 10:00:00.5+00' + "
             "to_seconds(i) AS ts, TIMESTAMP '2024-01-01 10:00:00' AS tsn, DATE '2024-02-29' AS "
             "d, TIME '01:02:03.25' AS tm, '\\x00\\xFF'::BLOB AS bin, 18446744073709551615::UBIGINT "
             "AS big FROM range(1, 5001) t(i)) TO '%s' (FORMAT parquet)",
             path);
    ddb(sql);
    pqr_reader *r = NULL;
    cdlt_error err = {0};
    assert_int_equal(pqr_open(path, NULL, 0, &r, &err), CDLT_OK);
    /* column hints as pyarrow's schema gives them to dlt */
    assert_int_equal(pqr_ncolumns(r), 12);
    const pqr_column *c = pqr_column_at(r, 4);
    assert_string_equal(c->name, "small");
    assert_int_equal(c->type, DT_BIGINT);
    assert_int_equal(c->precision, 16);
    c = pqr_column_at(r, 5);
    assert_int_equal(c->type, DT_DECIMAL);
    assert_int_equal(c->precision, 12);
    assert_int_equal(c->scale, 3);
    assert_true(pqr_column_at(r, 6)->timezone);
    assert_false(pqr_column_at(r, 7)->timezone);
    assert_int_equal(pqr_column_at(r, 10)->type, DT_BINARY);

    arena a;
    arena_init(&a, 1 << 16, 0);
    jv batch;
    bool eof = false;
    uint64_t total = 0, batches = 0;
    for (;;) {
        arena_reset(&a);
        assert_int_equal(pqr_next(r, &a, &batch, &eof, &err), CDLT_OK);
        if (eof)
            break;
        assert_int_equal(batch.type, JV_ARRAY);
        assert_true(batch.len <= 1000);
        if (batches == 0) {
            const jv *row = &batch.u.items[0];
            char *got = json_of(row);
            assert_string_equal(got, "{\"id\":1,\"s\":\"r1 \xc3\xbc\",\"f\":0.25,\"b\":false,"
                                     "\"small\":1,\"dec\":\"1.250\",\"ts\":\"2024-01-01T10:00:"
                                     "01.500000+00:00\",\"tsn\":\"2024-01-01T10:00:00\",\"d\":"
                                     "\"2024-02-29\",\"tm\":\"01:02:03.250000\",\"bin\":\"AP8=\","
                                     "\"big\":18446744073709551615}");
            free(got);
            assert_int_equal(jv_get(row, "ts")->type, JV_DATETIME);
            assert_int_equal(jv_get(row, "tsn")->type, JV_DATETIME_LOCAL);
            assert_int_equal(jv_get(row, "d")->type, JV_DATE_LOCAL);
            assert_int_equal(jv_get(row, "tm")->type, JV_TIME_LOCAL);
            assert_int_equal(jv_get(row, "big")->type, JV_UINT);
            got = json_of(&batch.u.items[2]); /* id 3: s is NULL */
            assert_non_null(strstr(got, "\"s\":null"));
            free(got);
        }
        total += batch.len;
        batches++;
    }
    assert_int_equal(total, 5000);
    assert_int_equal(batches, 5);
    assert_int_equal(pqr_rows(r), 5000);
    /* eof is sticky */
    assert_int_equal(pqr_next(r, &a, &batch, &eof, &err), CDLT_OK);
    assert_true(eof);
    pqr_close(r);
    arena_free(&a);
}

static void test_nested(void **state)
{
    (void)state;
    char path[1024], sql[4096];
    snprintf(path, sizeof path, "%s/nested.parquet", g_dir);
    snprintf(sql, sizeof sql,
             "COPY (SELECT 1 AS id, {'name': 'a', 'tags': ['x', NULL, 'z'], 'inner': {'n': 2.5::DOUBLE, "
             "'when': DATE '2020-01-02'}} AS obj, [{'k': 1, 'v': [1, 2]}, NULL, {'k': 3, 'v': "
             "[]}] AS lst, MAP {'m1': 10, 'm2': NULL} AS mp, NULL::STRUCT(a INT) AS nul "
             "UNION ALL SELECT 2, NULL, [], MAP {}, {'a': 7}) TO '%s' (FORMAT parquet)",
             path);
    ddb(sql);
    pqr_reader *r = NULL;
    cdlt_error err = {0};
    assert_int_equal(pqr_open(path, "s3://bucket/nested.parquet", 1, &r, &err), CDLT_OK);
    assert_int_equal(pqr_column_at(r, 1)->type, DT_JSON);
    assert_int_equal(pqr_column_at(r, 2)->type, DT_JSON);
    arena a;
    arena_init(&a, 1 << 16, 0);
    jv batch;
    bool eof = false;
    assert_int_equal(pqr_next(r, &a, &batch, &eof, &err), CDLT_OK);
    assert_int_equal(batch.len, 1); /* chunksize 1 */
    char *got = json_of(&batch.u.items[0]);
    assert_string_equal(got, "{\"id\":1,\"obj\":{\"name\":\"a\",\"tags\":[\"x\",null,\"z\"],"
                             "\"inner\":{\"n\":2.5,\"when\":\"2020-01-02\"}},\"lst\":[{\"k\":1,"
                             "\"v\":[1,2]},null,{\"k\":3,\"v\":[]}],\"mp\":[[\"m1\",10],[\"m2\","
                             "null]],\"nul\":null}");
    free(got);
    assert_int_equal(pqr_next(r, &a, &batch, &eof, &err), CDLT_OK);
    got = json_of(&batch.u.items[0]);
    assert_string_equal(got, "{\"id\":2,\"obj\":null,\"lst\":[],\"mp\":[],\"nul\":{\"a\":7}}");
    free(got);
    assert_int_equal(pqr_next(r, &a, &batch, &eof, &err), CDLT_OK);
    assert_true(eof);
    pqr_close(r);
    arena_free(&a);
}

static void test_errors(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/broken.parquet", g_dir);
    FILE *f = fopen(path, "w");
    fputs("{\"not\": \"parquet\"}\n", f);
    fclose(f);
    pqr_reader *r = NULL;
    cdlt_error err = {0};
    assert_int_equal(pqr_open(path, "s3://bucket/broken.parquet", 0, &r, &err), CDLT_PARSE);
    assert_null(r);
    assert_non_null(strstr(err.message, "s3://bucket/broken.parquet"));
    assert_string_equal(err.file, "s3://bucket/broken.parquet");
    snprintf(path, sizeof path, "%s/missing.parquet", g_dir);
    memset(&err, 0, sizeof err);
    assert_int_equal(pqr_open(path, NULL, 0, &r, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "missing.parquet"));
}

int main(void)
{
    g_dir = tu_mkdtemp("pq_reader");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rm_rf(g_dir);
    free(g_dir);
    return rc;
}
