/* test_duckdb_bench.c: the DuckDB load-path microbenchmark behind the choice in docs/duckdb.md:
 * N rows of mixed types (bigint, double, text with quotes/newlines, bool, timestamp,
 * decimal(38,9), json, binary, the two dlt columns) through (a) cdlt's binary load file +
 * appender with typed data chunks (the chosen path) and (b) a CSV file loaded with
 * read_csv(columns={...}) as the alternative. Runs 20k rows under ctest; set
 * CDLT_BENCH_ROWS=1000000 for the documented numbers. Checks the loaded sums either way. */
#include "duck_testlib.h"

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long rows_wanted(void)
{
    const char *e = getenv("CDLT_BENCH_ROWS");
    long n = e ? atol(e) : 0;
    return n > 0 ? n : 20000;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* Row i's text fields (stable, deterministic). */
static void row_text(long i, char *s, char *dec, char *did)
{
    snprintf(s, 64, "name \"%ld\", line\nx", i);
    snprintf(dec, 64, "%ld.%03ld", i, i % 1000);
    snprintf(did, 32, "Gx%012ldAbCd", i);
}

static schema_table *bench_table(schema *s)
{
    schema_table *t = tl_table(s, "bench");
    tl_col(s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, t, "f", DT_DOUBLE, true, -1, -1, -1);
    tl_col(s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_col(s, t, "b", DT_BOOL, true, -1, -1, -1);
    tl_col(s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    tl_col(s, t, "d", DT_DECIMAL, true, -1, -1, -1);
    tl_col(s, t, "j", DT_JSON, true, -1, -1, -1);
    tl_col(s, t, "bin", DT_BINARY, true, -1, -1, -1);
    tl_dlt_cols(s, t);
    return t;
}

static void check_sums(destination *d, long n)
{
    char want[64];
    snprintf(want, sizeof want, "%ld", n);
    tl_expect(d, "SELECT count(*) FROM ds.bench", want);
    snprintf(want, sizeof want, "%lld", (long long)n * (n - 1) / 2);
    tl_expect(d, "SELECT sum(id) FROM ds.bench", want);
}

static void test_bench_binary_appender(void **state)
{
    (void)state;
    long n = rows_wanted();
    char *dir = tu_mkdtemp("duck_bench");
    schema *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_new("bench", &s, &err), CDLT_OK);
    schema_table *t = bench_table(s);
    const dest_vtable *v = dest_find("duckdb");
    arena a;
    arena_init(&a, 4096, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_set(&ob, &a, "a", 1, jv_int(7));
    jv_builder_set(&ob, &a, "b", 1, jv_str(&a, "x", 1));

    char path[4200];
    snprintf(path, sizeof path, "%s/bench.0.0.%s", dir, v->file_ext);
    double t0 = now_s();
    dest_writer *w = NULL;
    assert_int_equal(v->writer_open(t, path, &w, &err), CDLT_OK);
    char sb[64], db[64], idb[32];
    tval row[10];
    for (long i = 0; i < n; i++) {
        row_text(i, sb, db, idb);
        row[0] = tv_i(i);
        row[1] = tv_d((double)i * 1.25 + 0.1);
        row[2] = tv_s(sb);
        row[3] = tv_b(i & 1);
        row[4] = tv_ts(1700000000000000LL + i * 1000003LL);
        row[5] = tv_sn(DT_DECIMAL, db, strlen(db));
        row[6] = tv_json(&ob.value);
        row[7] = tv_sn(DT_BINARY, "\x00\xff", 2);
        row[8] = tv_s("1795306641.4021535");
        row[9] = tv_s(idb);
        assert_int_equal(v->writer_row(w, row, 10), CDLT_OK);
    }
    assert_int_equal(v->writer_close(w, NULL, &err), CDLT_OK);
    double t1 = now_s();
    destination *d = tl_open(dir, "ds");
    assert_int_equal(v->migrate(d, s, &err), CDLT_OK);
    double t2 = now_s();
    assert_int_equal(v->begin(d, &err), CDLT_OK);
    assert_int_equal(v->load_file(d, s, t, path, &err), CDLT_OK);
    double tl = now_s();
    assert_int_equal(v->commit(d, &err), CDLT_OK);
    double t3 = now_s();
    printf("binary+appender: load_file %.3fs, commit %.3fs\n", tl - t2, t3 - tl);
    long sz = file_size(path);
    printf("binary+appender: %ld rows, file %.1f MB; write %.3fs (%.0f rows/s, %.1f MB/s); "
           "load+commit %.3fs (%.0f rows/s, %.1f MB/s); total %.0f rows/s\n",
           n, sz / 1e6, t1 - t0, n / (t1 - t0), sz / 1e6 / (t1 - t0), t3 - t2, n / (t3 - t2),
           sz / 1e6 / (t3 - t2), n / (t1 - t0 + t3 - t2));
    check_sums(d, n);
    tl_expect(d, "SELECT d FROM ds.bench WHERE id = 1001", "1001.001000000");
    v->close(d);
    arena_free(&a);
    schema_free(s);
    tu_rm_rf(dir);
    free(dir);
}

static void csv_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void test_bench_csv_alternative(void **state)
{
    (void)state;
    if (getenv("CDLT_BENCH_SKIP_CSV"))
        skip();
    long n = rows_wanted();
    char *dir = tu_mkdtemp("duck_bench_csv");
    schema *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_new("bench", &s, &err), CDLT_OK);
    bench_table(s);
    char path[4200];
    snprintf(path, sizeof path, "%s/bench.csv", dir);
    double t0 = now_s();
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("\"id\",\"f\",\"s\",\"b\",\"ts\",\"d\",\"j\",\"bin\",\"_dlt_load_id\",\"_dlt_id\"\n", f);
    char sb[64], db[64], idb[32], tsb[64];
    buf ts = BUF_INIT;
    for (long i = 0; i < n; i++) {
        row_text(i, sb, db, idb);
        int64_t us = 1700000000000000LL + i * 1000003LL;
        time_t sec = (time_t)(us / 1000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        size_t k = strftime(tsb, sizeof tsb, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(tsb + k, sizeof tsb - k, ".%06d+00:00", (int)(us % 1000000));
        fprintf(f, "%ld,%.17g,", i, (double)i * 1.25 + 0.1);
        csv_quoted(f, sb);
        fprintf(f, ",%s,%s,%s,\"{\"\"a\"\":7,\"\"b\"\":\"\"x\"\"}\",\"AP8=\",", i & 1 ? "true" : "false",
                tsb, db);
        csv_quoted(f, "1795306641.4021535");
        fputc(',', f);
        csv_quoted(f, idb);
        fputc('\n', f);
    }
    fclose(f);
    buf_free(&ts);
    double t1 = now_s();
    destination *d = tl_open(dir, "ds");
    assert_int_equal(dest_find("duckdb")->migrate(d, s, &err), CDLT_OK);
    buf sql = BUF_INIT;
    buf_printf(&sql,
               "INSERT INTO ds.bench SELECT id, f, s, b, ts, d, j, from_base64(bin), "
               "_dlt_load_id, _dlt_id FROM read_csv('%s', header=true, auto_detect=false, "
               "delim=',', quote='\"', escape='\"', nullstr='', allow_quoted_nulls=false, "
               "columns={'id':'BIGINT','f':'DOUBLE','s':'VARCHAR','b':'BOOLEAN',"
               "'ts':'TIMESTAMPTZ','d':'DECIMAL(38,9)','j':'VARCHAR','bin':'VARCHAR',"
               "'_dlt_load_id':'VARCHAR','_dlt_id':'VARCHAR'})",
               path);
    double t2 = now_s();
    assert_int_equal(duck_exec(d, "BEGIN", "bench", &err), CDLT_OK);
    assert_int_equal(duck_exec(d, sql.data, "bench csv", &err), CDLT_OK);
    assert_int_equal(duck_exec(d, "COMMIT", "bench", &err), CDLT_OK);
    double t3 = now_s();
    long sz = file_size(path);
    printf("csv+read_csv:    %ld rows, file %.1f MB; write %.3fs (%.0f rows/s); load+commit "
           "%.3fs (%.0f rows/s, %.1f MB/s); total %.0f rows/s\n",
           n, sz / 1e6, t1 - t0, n / (t1 - t0), t3 - t2, n / (t3 - t2), sz / 1e6 / (t3 - t2),
           n / (t1 - t0 + t3 - t2));
    check_sums(d, n);
    buf_free(&sql);
    dest_find("duckdb")->close(d);
    schema_free(s);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bench_binary_appender),
        cmocka_unit_test(test_bench_csv_alternative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
