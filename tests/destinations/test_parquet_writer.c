/* test_parquet_writer.c: the Parquet load-file writer read back by DuckDB's read_parquet:
 * every dlt type with NULLs (types as dlt's arrow mapping gives them: tz-aware vs naive
 * timestamps, decimal (38,9) by default and hinted, wei, narrow ints, json as strings), unicode,
 * many row groups and pages with mixed NULL patterns under every codec (snappy, the default as
 * in dlt; zstd; none), pages far larger than snappy's 64 KiB blocks and single values larger
 * than a page, a refused row that leaves the file intact, NOT NULL columns, an empty file, and
 * an allocation-failure sweep; and the footer row count reader (pqfooter.c) on our files and
 * DuckDB-written nested ones. */
#include "dest_testlib.h"

#include "destinations/writers/parquet.h"

#include <duckdb.h>
#include <math.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

/* DuckDB's parquet_schema text of a TIMESTAMP logical type */
#define LT_TS(utc, unit) "TimestampType(isAdjustedToUTC=" utc ", unit=TimeUnit(" unit "))"
#define U_MS "MILLIS=MilliSeconds(), MICROS=<null>, NANOS=<null>"
#define U_US "MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>"
#define U_NS "MILLIS=<null>, MICROS=<null>, NANOS=NanoSeconds()"

typedef struct fixture {
    char *dir;
    schema *s;
    schema_table *t;
    arena a;
    jv obj;
    duckdb_database db;
    duckdb_connection con;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp("pq_writer");
    cdlt_error err = {0};
    assert_int_equal(schema_new("pq", &f->s, &err), CDLT_OK);
    schema *s = f->s;
    schema_table *t = f->t = tl_table(s, "items");
    tl_all_types(s, t, false);
    arena_init(&f->a, 4096, 0);
    jv_builder ob, inner;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_init(&inner, JV_ARRAY);
    jv_builder_push(&inner, &f->a, jv_bool(true));
    jv_builder_push(&inner, &f->a, jv_null());
    jv_builder_set(&ob, &f->a, "a", 1, jv_int(1));
    jv_builder_set(&ob, &f->a, "b\xc3\xbc", 3, inner.value);
    f->obj = ob.value;
    assert_int_equal(duckdb_open(NULL, &f->db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(f->db, &f->con), DuckDBSuccess);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    duckdb_disconnect(&f->con);
    duckdb_close(&f->db);
    schema_free(f->s);
    arena_free(&f->a);
    tu_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* All rows of a query as text: columns joined by '|', rows by '\n', NULL as "NULL". */
static char *q(fixture *f, const char *sql)
{
    duckdb_result res;
    if (duckdb_query(f->con, sql, &res) != DuckDBSuccess) {
        fprintf(stderr, "query failed: %s\n%s\n", duckdb_result_error(&res), sql);
        duckdb_destroy_result(&res);
        fail();
    }
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    idx_t nc = duckdb_column_count(&res), nr = duckdb_row_count(&res);
    for (idx_t r = 0; r < nr; r++) {
        for (idx_t c = 0; c < nc; c++) {
            char *v = duckdb_value_varchar(&res, c, r);
            const char *s = v ? v : "NULL";
            size_t n = strlen(s);
            while (len + n + 3 >= cap)
                out = realloc(out, cap *= 2);
            if (c)
                out[len++] = '|';
            memcpy(out + len, s, n);
            len += n;
            out[len] = 0;
            duckdb_free(v);
        }
        if (len + 2 >= cap)
            out = realloc(out, cap *= 2);
        out[len++] = '\n';
        out[len] = 0;
    }
    duckdb_destroy_result(&res);
    return out;
}

static void expect(fixture *f, const char *sql, const char *want)
{
    char *got = q(f, sql);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "SQL: %s\nwant:\n%s\ngot:\n%s\n", sql, want, got);
    assert_string_equal(got, want);
    free(got);
}

static const char TEXT1[] = "it's \"q\"\nline, with, commas; \xc3\xbcnic\xc3\xb6"
                            "de \xf0\x9f\x98\x80 \\ tab\t";

static void row_all(fixture *f, tval *v, int64_t id)
{
    memset(v, 0, sizeof(tval) * 19);
    v[0] = tv_i(id);
    v[1] = tv_s(TEXT1);
    v[2] = tv_d(-1.5e300);
    v[3] = tv_b(true);
    v[4] = tv_ts(1704103200123456); /* 2024-01-01T10:00:00.123456Z */
    v[5] = tv_ts(-1);               /* 1969-12-31 23:59:59.999999 naive */
    v[6] = tv_date(-719162);        /* 0001-01-01 */
    v[7] = tv_time(86399999999);
    v[8] = tv_sn(DT_BINARY, "\0\x01\xff", 3);
    v[9] = tv_json(&f->obj);
    v[10] = tv_sn(DT_DECIMAL, "-12345678901234567890123456789.1234567895", 41);
    v[11] = tv_sn(DT_DECIMAL, "99999999.99", 11);
    v[12] = tv_sn(DT_WEI, "99999999999999999999999999999999999999", 38);
    v[13] = tv_i(-32768);
    v[14] = tv_ts(-1500); /* floors to -2 ms */
    v[15] = tv_null();
    v[16] = tv_s("load1");
    v[17] = tv_s("id\xc3\xa9");
}

static void test_all_types(void **state)
{
    fixture *f = *state;
    char path[1024];
    snprintf(path, sizeof path, "%s/items.parquet", f->dir);
    pq_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(pq_writer_open(f->t, path, NULL, &w, &err), CDLT_OK);
    tval v[19];
    row_all(f, v, 1);
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_OK);
    /* every nullable column NULL (and fewer values than columns) */
    memset(v, 0, sizeof v);
    v[0] = tv_i(2);
    v[16] = tv_s("load1");
    v[17] = tv_s("id2");
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_OK);
    memset(v, 0, sizeof v);
    v[0] = tv_i(3);
    v[3] = tv_b(false);
    v[10] = tv_sn(DT_DECIMAL, "1e-9", 4);
    v[11] = tv_sn(DT_DECIMAL, "-0.005", 6); /* rounds half away from zero */
    v[12] = tv_sn(DT_WEI, "0", 1);
    v[16] = tv_s("load1");
    v[17] = tv_s("id3");
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_OK);
    uint64_t rows = 0;
    assert_true(pq_writer_bytes(w) > 4);
    assert_int_equal(pq_writer_close(w, &rows, &err), CDLT_OK);
    assert_int_equal(rows, 3);

    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT column_name, column_type, \"null\" FROM (DESCRIBE SELECT * FROM "
             "read_parquet('%s'))",
             path);
    expect(f, sql,
           "id|BIGINT|YES\n"
           "s|VARCHAR|YES\n"
           "f|DOUBLE|YES\n"
           "b|BOOLEAN|YES\n"
           "ts|TIMESTAMP WITH TIME ZONE|YES\n"
           "tsn|TIMESTAMP|YES\n"
           "d|DATE|YES\n"
           "tm|TIME|YES\n"
           "bin|BLOB|YES\n"
           "j|VARCHAR|YES\n"
           "dec|DECIMAL(38,9)|YES\n"
           "dec2|DECIMAL(10,2)|YES\n"
           "w|DECIMAL(38,0)|YES\n"
           "small|SMALLINT|YES\n"
           "ts_ms|TIMESTAMP|YES\n"
           "_dlt_load_id|VARCHAR|YES\n"
           "_dlt_id|VARCHAR|YES\n");
    /* REQUIRED vs OPTIONAL as dlt's nullable hint says (arrow field nullability) */
    snprintf(sql, sizeof sql,
             "SELECT name, repetition_type, logical_type IS NOT NULL FROM parquet_schema('%s') "
             "WHERE name IN ('id', 'ts', '_dlt_id') ORDER BY name",
             path);
    expect(f, sql, "_dlt_id|REQUIRED|true\nid|REQUIRED|false\nts|OPTIONAL|true\n");
    /* the default codec is snappy, as pyarrow (and so dlt) writes, for every column */
    snprintf(sql, sizeof sql,
             "SELECT string_agg(DISTINCT compression, ','), count(*) FROM parquet_metadata('%s')",
             path);
    expect(f, sql, "SNAPPY|17\n");
    snprintf(sql, sizeof sql,
             "SELECT id, s = '%s', f, b, epoch_us(ts), tsn, d, tm, hex(bin), j, dec, dec2, w, "
             "small, ts_ms, _dlt_load_id, _dlt_id FROM read_parquet('%s') ORDER BY id",
             "it''s \"q\"\nline, with, commas; \xc3\xbcnic\xc3\xb6"
             "de \xf0\x9f\x98\x80 \\ tab\t",
             path);
    expect(f, sql,
           "1|true|-1.5e+300|true|1704103200123456|1969-12-31 23:59:59.999999|0001-01-01|"
           "23:59:59.999999|0001FF|{\"a\":1,\"b\xc3\xbc\":[true,null]}|"
           "-12345678901234567890123456789.123456790|99999999.99|"
           "99999999999999999999999999999999999999|-32768|1969-12-31 23:59:59.998|load1|"
           "id\xc3\xa9\n"
           "2|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|load1|id2\n"
           "3|NULL|NULL|false|NULL|NULL|NULL|NULL|NULL|NULL|0.000000001|-0.01|0|NULL|NULL|load1|"
           "id3\n");
}

/* Refused values: the row is dropped whole and the file stays readable. */
static void test_refused_row(void **state)
{
    fixture *f = *state;
    char path[1024];
    snprintf(path, sizeof path, "%s/refused.parquet", f->dir);
    pq_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(pq_writer_open(f->t, path, NULL, &w, &err), CDLT_OK);
    tval v[19];
    row_all(f, v, 1);
    v[11] = tv_sn(DT_DECIMAL, "123456789.5", 11); /* precision 10, scale 2: too big */
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_COERCE);
    assert_non_null(strstr(pq_writer_last_error(w), "'dec2'"));
    assert_non_null(strstr(pq_writer_last_error(w), "items"));
    row_all(f, v, 2);
    v[13] = tv_i(40000); /* precision 16 */
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_COERCE);
    assert_non_null(strstr(pq_writer_last_error(w), "'small'"));
    row_all(f, v, 3);
    v[0] = tv_null(); /* NOT NULL */
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_COERCE);
    row_all(f, v, 4);
    v[2] = tv_s("x"); /* wrong type */
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_INVALID_ARG);
    row_all(f, v, 5);
    v[3] = tv_b(false);
    assert_int_equal(pq_writer_row(w, v, 18), CDLT_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT id, b, dec2, small FROM read_parquet('%s')", path);
    expect(f, sql, "5|false|99999999.99|-32768\n");
    /* statistics: the refused rows' values that were already in (ids 1 and 2, before the
     * failing column) leave bounds flagged not exact; a column not reached stays exact; the
     * null counts are exact */
    snprintf(sql, sizeof sql,
             "SELECT path_in_schema, stats_min_value, stats_max_value, min_is_exact, "
             "max_is_exact, stats_null_count FROM parquet_metadata('%s') WHERE path_in_schema "
             "IN ('id', 'small', 'tsn') ORDER BY 1",
             path);
    expect(f, sql,
           "id|1|5|false|false|0\n"
           "small|-32768|-32768|true|true|0\n"
           "tsn|1969-12-31 23:59:59.999999|1969-12-31 23:59:59.999999|false|false|0\n");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s') WHERE id = 5", path);
    expect(f, sql, "1\n");
}

/* num_rows of a Parquet file through pq_tail_footer_len + pq_footer_num_rows; -1 when the
 * reader says it is not a valid Parquet footer */
static int64_t footer_rows(const char *path)
{
    size_t n = 0;
    char *data = tu_read_file(path, &n);
    assert_non_null(data);
    int64_t rows = -1;
    int64_t fl = n >= 12 ? pq_tail_footer_len(data + n - 8) : -1;
    if (fl > 0 && (size_t)fl <= n - 12 &&
        !pq_footer_num_rows(data + n - 8 - fl, (size_t)fl, &rows))
        rows = -1;
    free(data);
    return rows;
}

/* Many row groups and pages, NULL patterns across page and byte boundaries, every codec. */
static void many_rows(fixture *f, pq_codec codec)
{
    cdlt_error err = {0};
    schema_table *t = tl_table(f->s, codec == PQ_CODEC_NONE     ? "many_plain"
                                     : codec == PQ_CODEC_ZSTD ? "many_zstd"
                                                              : "many_snappy");
    tl_col(f->s, t, "n", DT_BIGINT, true, -1, -1, -1);
    tl_col(f->s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_col(f->s, t, "b", DT_BOOL, true, -1, -1, -1);
    tl_col(f->s, t, "dec", DT_DECIMAL, true, -1, 18, 3);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.parquet", f->dir, t->name);
    pq_options o = pq_options_default(38);
    o.codec = codec;
    o.row_group_bytes = 200000;
    o.page_bytes = 7000;
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    const int N = 100000;
    char sbuf[64], dbuf[64];
    for (int i = 0; i < N; i++) {
        tval v[4];
        v[0] = i % 3 == 0 ? tv_null() : tv_i(i);
        snprintf(sbuf, sizeof sbuf, "row %d \xe2\x82\xac", i);
        v[1] = i % 7 == 0 ? tv_null() : tv_s(sbuf);
        v[2] = i % 5 == 0 ? tv_null() : tv_b(i % 2 == 0);
        snprintf(dbuf, sizeof dbuf, "%d.%03d", i, i % 1000);
        v[3] = i % 11 == 0 ? tv_null() : tv_sn(DT_DECIMAL, dbuf, strlen(dbuf));
        assert_int_equal(pq_writer_row(w, v, 4), CDLT_OK);
    }
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    char sql[2048];
    snprintf(sql, sizeof sql,
             "SELECT count(*), count(n), sum(n), count(s), sum(length(s)), count(b), "
             "sum(b::int), count(dec), sum(dec) FROM read_parquet('%s')",
             path);
    /* expected values computed here */
    int64_t cn = 0, sn = 0, cs = 0, ls = 0, cb = 0, sb = 0, cd = 0;
    int64_t sd_milli = 0;
    for (int i = 0; i < N; i++) {
        if (i % 3) {
            cn++;
            sn += i;
        }
        if (i % 7) {
            cs++;
            ls += (int64_t)snprintf(sbuf, sizeof sbuf, "row %d ", i) + 1; /* + euro sign */
        }
        if (i % 5) {
            cb++;
            sb += i % 2 == 0;
        }
        if (i % 11) {
            cd++;
            sd_milli += (int64_t)i * 1000 + i % 1000;
        }
    }
    char want[512];
    snprintf(want, sizeof want, "%d|%lld|%lld|%lld|%lld|%lld|%lld|%lld|%lld.%03lld\n", N,
             (long long)cn, (long long)sn, (long long)cs, (long long)ls, (long long)cb,
             (long long)sb, (long long)cd, (long long)(sd_milli / 1000),
             (long long)(sd_milli % 1000));
    expect(f, sql, want);
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT row_group_id) > 3, max(compression) FROM "
             "parquet_metadata('%s')",
             path);
    expect(f, sql, codec == PQ_CODEC_NONE   ? "true|UNCOMPRESSED\n"
                   : codec == PQ_CODEC_ZSTD ? "true|ZSTD\n"
                                            : "true|SNAPPY\n");
    assert_int_equal(footer_rows(path), N); /* the row count our footer gives */
}

/* A write that fails on the compressor thread (here: the file size limit, EFBIG) becomes the
 * writer's error: a later row or the close returns it, naming the table and the file. */
static void test_write_error_on_thread(void **state)
{
    fixture *f = *state;
    cdlt_error err;
    cdlt_error_clear(&err);
    schema_table *t = tl_table(f->s, "too_big");
    tl_col(f->s, t, "s", DT_TEXT, true, -1, -1, -1);
    char path[1024];
    snprintf(path, sizeof path, "%s/too_big.parquet", f->dir);
    pq_options o = pq_options_default(38);
    o.codec = PQ_CODEC_NONE;
    o.row_group_bytes = 20000;
    o.page_bytes = 4000;
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 100000;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    char sbuf[128];
    memset(sbuf, 'v', 100);
    sbuf[100] = 0;
    cdlt_status st = CDLT_OK;
    int i = 0;
    for (; i < 20000 && st == CDLT_OK; i++) {
        tval v[1] = {tv_s(sbuf)};
        st = pq_writer_row(w, v, 1);
    }
    if (st == CDLT_OK) {
        st = pq_writer_close(w, NULL, &err);
    } else {
        assert_non_null(strstr(pq_writer_last_error(w), "too_big"));
        pq_writer_abort(w);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(st, CDLT_IO);
    assert_true(i < 20000); /* seen by a row after the failed row group, not only at close */
}

/* pq_writer_bytes (what file rotation by size compares) is the same sequence in every run,
 * however far the compressor thread has got: rotation never depends on thread timing. */
static uint64_t bytes_trace(fixture *f, const char *name, uint64_t *trace, int n)
{
    cdlt_error err;
    cdlt_error_clear(&err);
    schema_table *t = tl_table(f->s, name);
    tl_col(f->s, t, "s", DT_TEXT, true, -1, -1, -1);
    char path[1024], sbuf[64];
    snprintf(path, sizeof path, "%s/%s.parquet", f->dir, name);
    pq_options o = pq_options_default(38);
    o.row_group_bytes = 30000;
    o.page_bytes = 5000;
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        snprintf(sbuf, sizeof sbuf, "value %d %d", i, i * 7919);
        tval v[1] = {tv_s(sbuf)};
        assert_int_equal(pq_writer_row(w, v, 1), CDLT_OK);
        trace[i] = pq_writer_bytes(w);
        sum += trace[i];
        if (i % 97 == 0)
            usleep(50); /* let the thread get ahead or fall behind differently per run */
    }
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    return sum;
}

static void test_bytes_independent_of_thread(void **state)
{
    fixture *f = *state;
    enum { N = 20000 };
    uint64_t *a = calloc(N, sizeof *a), *b = calloc(N, sizeof *b);
    bytes_trace(f, "trace_a", a, N);
    bytes_trace(f, "trace_b", b, N);
    assert_memory_equal(a, b, N * sizeof *a);
    char sql[1200]; /* many row groups went through the thread */
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT row_group_id) > 10 FROM parquet_metadata('%s/trace_a.parquet')",
             f->dir);
    expect(f, sql, "true\n");
    free(a);
    free(b);
}

static void test_footer_rows(void **state)
{
    fixture *f = *state;
    char path[1024], sql[2048];
    /* DuckDB's writer: nested types, several row groups, statistics and key/value metadata */
    snprintf(path, sizeof path, "%s/duck.parquet", f->dir);
    snprintf(sql, sizeof sql,
             "COPY (SELECT i, 'x' || i AS s, {'a': i, 'b': [i, NULL]} AS st, map([i], ['v']) "
             "AS m, i::DECIMAL(38,10) AS d FROM range(12345) t(i)) TO '%s' (FORMAT parquet, "
             "ROW_GROUP_SIZE 1000, KV_METADATA {k: 'v'})", path);
    expect(f, sql, "12345\n");
    assert_int_equal(footer_rows(path), 12345);
    snprintf(sql, sizeof sql, "COPY (SELECT 1 AS a WHERE false) TO '%s' (FORMAT parquet)", path);
    expect(f, sql, "0\n");
    assert_int_equal(footer_rows(path), 0);
    /* not Parquet, and a footer cut short */
    assert_int_equal(tu_write_file(path, "{\"a\":1}\n{\"a\":2}\n", 16), 0);
    assert_int_equal(footer_rows(path), -1);
    static const unsigned char cut[] = {0x15, 0x02, 0x19, 0x4c, 0x48, 0x04, 0x00, 0x00, 0x00,
                                        'P', 'A', 'R', '1'};
    unsigned char file[64] = "PAR1";
    memcpy(file + 4, cut, sizeof cut);
    assert_int_equal(tu_write_file(path, file, 4 + sizeof cut), 0);
    assert_int_equal(footer_rows(path), -1);
    int64_t rows = 0;
    assert_false(pq_footer_num_rows(cut, 5, &rows));
}

static void test_many_snappy(void **state) { many_rows(*state, PQ_CODEC_SNAPPY); }
static void test_many_zstd(void **state) { many_rows(*state, PQ_CODEC_ZSTD); }
static void test_many_plain(void **state) { many_rows(*state, PQ_CODEC_NONE); }

/* Lowercase hex MD5 of n bytes (what DuckDB's md5() prints). */
static void md5_hex(const char *p, size_t n, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    assert_int_equal(EVP_Digest(p, n, d, &dn, EVP_md5(), NULL), 1);
    for (unsigned i = 0; i < dn; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Snappy on pages far larger than its 64 KiB blocks (8 MiB pages), on values larger than a
 * page (a 12 MiB string opens and fills a page alone), on incompressible bytes (snappy's
 * output is then larger than its input: the bound must hold) and on very compressible ones
 * (the chunk must come out much smaller). Every value is read back and compared by MD5. */
static void test_snappy_big_pages(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    schema_table *t = tl_table(f->s, "big");
    tl_col(f->s, t, "n", DT_BIGINT, true, -1, -1, -1);
    tl_col(f->s, t, "noise", DT_TEXT, true, -1, -1, -1);
    tl_col(f->s, t, "blob", DT_BINARY, true, -1, -1, -1);
    tl_col(f->s, t, "same", DT_TEXT, true, -1, -1, -1);
    char path[1024];
    snprintf(path, sizeof path, "%s/big.parquet", f->dir);
    pq_options o = pq_options_default(38);
    o.page_bytes = 8u << 20;
    o.row_group_bytes = 32u << 20;
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    const size_t BIG = 12u << 20;
    char *noise = malloc(BIG), *blob = malloc(BIG), *same = malloc(BIG);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < BIG; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise[i] = (char)(33 + (x >> 32) % 94); /* printable ASCII: valid UTF-8 */
        blob[i] = (char)(x >> 24);
        same[i] = "abcdefgh"[i % 8];
    }
    /* sizes: small, around snappy's block size, several MiB, and one beyond a page */
    const size_t sizes[] = {0, 1, 65535, 65536, 65537, 1000000, 3u << 20, BIG, 17, 5u << 20};
    const size_t NS = sizeof sizes / sizeof sizes[0];
    for (size_t k = 0; k < NS; k++) {
        size_t n = sizes[k];
        size_t at = (k * 7919) % (BIG - n + 1);
        tval v[4] = {tv_i((int64_t)k), tv_sn(DT_TEXT, noise + at, (uint32_t)n),
                     tv_sn(DT_BINARY, blob + at, (uint32_t)n),
                     k == 8 ? tv_null() : tv_sn(DT_TEXT, same, (uint32_t)n)};
        assert_int_equal(pq_writer_row(w, v, 4), CDLT_OK);
    }
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    char sql[2048];
    for (size_t k = 0; k < NS; k++) {
        size_t n = sizes[k];
        size_t at = (k * 7919) % (BIG - n + 1);
        char m1[33], m2[33], m3[33], want[256];
        md5_hex(noise + at, n, m1);
        md5_hex(blob + at, n, m2);
        md5_hex(same, n, m3);
        snprintf(want, sizeof want, "%zu|%s|%s|%s\n", n, m1, m2, k == 8 ? "NULL" : m3);
        snprintf(sql, sizeof sql,
                 "SELECT length(noise), md5(noise), md5(blob), md5(same) FROM read_parquet('%s') "
                 "WHERE n = %zu",
                 path, k);
        expect(f, sql, want);
    }
    snprintf(sql, sizeof sql,
             "SELECT DISTINCT path_in_schema, compression, total_compressed_size > "
             "total_uncompressed_size, "
             "total_compressed_size * 20 < total_uncompressed_size FROM parquet_metadata('%s') "
             "WHERE path_in_schema IN ('blob', 'same') ORDER BY 1",
             path);
    expect(f, sql, "blob|SNAPPY|true|false\nsame|SNAPPY|false|true\n");
    free(noise);
    free(blob);
    free(same);
}

/* dlt's filesystem destination: wei precision 78 -> decimal256(76, 0); hinted timestamp
 * precisions; an empty file is still a valid Parquet file. */
static void test_wide_and_empty(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    schema_table *t = tl_table(f->s, "wide");
    tl_col(f->s, t, "w", DT_WEI, true, -1, -1, -1);
    tl_col(f->s, t, "tns", DT_TIMESTAMP, true, -1, 9, -1);
    tl_col(f->s, t, "tm3", DT_TIME, true, -1, 3, -1);
    tl_col(f->s, t, "i8", DT_BIGINT, true, -1, 8, -1);
    char path[1024];
    snprintf(path, sizeof path, "%s/wide.parquet", f->dir);
    pq_options o = pq_options_default(78);
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    tval v[4] = {tv_sn(DT_WEI, "-1000000000000000000000000000000000000000000000000000", 52),
                 tv_ts(1704103200123456), tv_time(3723456789), tv_i(-128)};
    assert_int_equal(pq_writer_row(w, v, 4), CDLT_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT name, type_length, precision, scale FROM parquet_schema('%s') WHERE "
             "name = 'w'",
             path);
    expect(f, sql, "w|32|76|0\n");
    snprintf(sql, sizeof sql,
             "SELECT w::VARCHAR, epoch_ns(tns), tm3, i8 FROM read_parquet('%s')", path);
    expect(f, sql, "-1e+50|1704103200123456000|01:02:03.456|-128\n");

    snprintf(path, sizeof path, "%s/empty.parquet", f->dir);
    assert_int_equal(pq_writer_open(f->t, path, NULL, &w, &err), CDLT_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s')", path);
    expect(f, sql, "0\n");
}

/* Data pages in the chunk of column `col` of row group 0, counted by walking the page headers
 * on disk (thrift compact protocol; DuckDB's parquet_metadata shows no page count). */
static uint64_t tc_varint(const unsigned char **p)
{
    uint64_t v = 0;
    for (int sh = 0;; sh += 7) {
        unsigned char b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80))
            return v;
    }
}

static void tc_skip(const unsigned char **p, int type);

static void tc_skip_struct(const unsigned char **p)
{
    for (;;) {
        unsigned char h = *(*p)++;
        if (h == 0)
            return;
        if ((h >> 4) == 0)
            tc_varint(p); /* long-form field id */
        tc_skip(p, h & 0x0f);
    }
}

static void tc_skip(const unsigned char **p, int type)
{
    switch (type) {
    case 1:
    case 2:
        break;
    case 3:
        (*p)++;
        break;
    case 4:
    case 5:
    case 6:
        tc_varint(p);
        break;
    case 7:
        *p += 8;
        break;
    case 8: {
        uint64_t n = tc_varint(p);
        *p += n;
        break;
    }
    case 9:
    case 10: {
        unsigned char h = *(*p)++;
        uint64_t n = h >> 4;
        if (n == 15)
            n = tc_varint(p);
        for (uint64_t i = 0; i < n; i++)
            tc_skip(p, h & 0x0f);
        break;
    }
    case 12:
        tc_skip_struct(p);
        break;
    default:
        fail_msg("thrift type %d not expected in a page header", type);
    }
}

static int count_pages(fixture *f, const char *path, const char *col)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT data_page_offset || '|' || total_compressed_size FROM "
             "parquet_metadata('%s') WHERE row_group_id = 0 AND path_in_schema = '%s'",
             path, col);
    char *r = q(f, sql);
    long long off = 0, len = 0;
    assert_int_equal(sscanf(r, "%lld|%lld", &off, &len), 2);
    free(r);
    size_t n = 0;
    unsigned char *file = (unsigned char *)tu_read_file(path, &n);
    assert_non_null(file);
    const unsigned char *p = file + off, *end = file + off + len;
    int pages = 0;
    while (p < end) { /* PageHeader: field 3 = compressed_page_size */
        int16_t id = 0;
        int64_t comp = -1;
        for (;;) {
            unsigned char h = *p++;
            if (h == 0)
                break;
            id = (int16_t)((h >> 4) ? id + (h >> 4) : (int16_t)tc_varint(&p));
            if (id == 3 && (h & 0x0f) == 5) {
                uint64_t z = tc_varint(&p);
                comp = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
            } else {
                tc_skip(&p, h & 0x0f);
            }
        }
        assert_true(comp >= 0);
        p += comp;
        pages++;
    }
    assert_true(p == end);
    free(file);
    return pages;
}

/* dlt's [normalize.data_writer] Parquet settings as the writer carries them out (the config
 * side is tested in e2e/test_cli_parquet.c): data_page_size, row_group_size, version,
 * timestamp_timezone, coerce_timestamps with and without allow_truncated_timestamps, flavor
 * spark. Each is read back through DuckDB's parquet_metadata / parquet_schema. */
static void write_ts_file(fixture *f, const char *name, const pq_options *o, int rows,
                          char *path, size_t cap)
{
    cdlt_error err = {0};
    schema_table *t = tl_table(f->s, name);
    tl_col(f->s, t, "n", DT_BIGINT, false, -1, -1, -1);
    tl_col(f->s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);      /* us, tz-aware */
    tl_col(f->s, t, "ts ns", DT_TIMESTAMP, true, -1, 9, -1);    /* ns */
    tl_col(f->s, t, "ts_ms", DT_TIMESTAMP, true, 0, 3, -1);     /* ms, naive */
    snprintf(path, cap, "%s/%s.parquet", f->dir, name);
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, o, &w, &err), CDLT_OK);
    for (int i = 0; i < rows; i++) {
        /* 2024-01-01T10:00:00.123456Z + i ms (row 0 has sub-ms digits, later rows too) */
        int64_t us = 1704103200123456 + (int64_t)i * 1000;
        tval v[4] = {tv_i(i), tv_ts(us), tv_ts(us), tv_ts(us)};
        assert_int_equal(pq_writer_row(w, v, 4), CDLT_OK);
    }
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
}

static void test_dlt_settings(void **state)
{
    fixture *f = *state;
    char path[1024], sql[2048];
    /* defaults (dlt's version 2.4): ns stored as micros, format version 2, converted
     * TIMESTAMP_* annotation on naive ms too (arrow forces it), one row group */
    pq_options o = pq_options_default(38);
    write_ts_file(f, "dflt", &o, 3000, path, sizeof path);
    snprintf(sql, sizeof sql,
             "SELECT name, type, converted_type, logical_type FROM parquet_schema('%s') WHERE "
             "name LIKE 'ts%%' ORDER BY name",
             path);
    expect(f, sql,
           "ts|INT64|TIMESTAMP_MICROS|" LT_TS("1", U_US) "\n"
           "ts ns|INT64|TIMESTAMP_MICROS|" LT_TS("1", U_US) "\n"
           "ts_ms|INT64|TIMESTAMP_MILLIS|" LT_TS("0", U_MS) "\n");
    snprintf(sql, sizeof sql, "SELECT format_version FROM parquet_file_metadata('%s')", path);
    expect(f, sql, "2\n");
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')", path);
    expect(f, sql, "1\n");
    assert_int_equal(count_pages(f, path, "n"), 1);

    /* data_page_size 1024: 8-byte values, a page closes at 128 values -> 8 pages per 1000;
     * row_group_size 1000 -> 3 row groups of 1000 */
    o = pq_options_default(38);
    o.dlt.page_bytes = 1024;
    o.dlt.row_group_rows = 1000;
    write_ts_file(f, "sized", &o, 3000, path, sizeof path);
    assert_int_equal(count_pages(f, path, "n"), 8); /* 1000 rows: 7 full pages + 1 */
    snprintf(sql, sizeof sql,
             "SELECT string_agg(DISTINCT row_group_num_rows::VARCHAR, ','), "
             "count(DISTINCT row_group_id) FROM parquet_metadata('%s')",
             path);
    expect(f, sql, "1000|3\n");
    snprintf(sql, sizeof sql, "SELECT count(*), sum(n) FROM read_parquet('%s')", path);
    expect(f, sql, "3000|4498500\n");

    /* version 2.6 keeps nanoseconds; 1.0 says format version 1; timestamp_timezone "" makes
     * every timestamp naive */
    o = pq_options_default(38);
    o.dlt.version = DEST_PQ_V2_6;
    o.dlt.naive_timestamps = true;
    write_ts_file(f, "v26", &o, 2, path, sizeof path);
    snprintf(sql, sizeof sql,
             "SELECT name, converted_type, logical_type FROM parquet_schema('%s') WHERE name "
             "LIKE 'ts%%' ORDER BY name",
             path);
    expect(f, sql,
           "ts|TIMESTAMP_MICROS|" LT_TS("0", U_US) "\n"
           "ts ns|NULL|" LT_TS("0", U_NS) "\n"
           "ts_ms|TIMESTAMP_MILLIS|" LT_TS("0", U_MS) "\n");
    snprintf(sql, sizeof sql,
             "SELECT ts, epoch_ns(\"ts ns\") FROM read_parquet('%s') WHERE n = 1", path);
    expect(f, sql, "2024-01-01 10:00:00.124456|1704103200124456000\n");
    o = pq_options_default(38);
    o.dlt.version = DEST_PQ_V1_0;
    write_ts_file(f, "v10", &o, 2, path, sizeof path);
    snprintf(sql, sizeof sql, "SELECT format_version FROM parquet_file_metadata('%s')", path);
    expect(f, sql, "1\n");

    /* coerce_timestamps "ms": sub-ms digits refuse the row unless allow_truncated_timestamps,
     * which truncates toward zero as arrow's cast does */
    cdlt_error err = {0};
    o = pq_options_default(38);
    o.dlt.coerce_unit = 1;
    schema_table *t = tl_table(f->s, "coerce");
    tl_col(f->s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    snprintf(path, sizeof path, "%s/coerce.parquet", f->dir);
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    tval v[1] = {tv_ts(1704103200123000)};
    assert_int_equal(pq_writer_row(w, v, 1), CDLT_OK);
    v[0] = tv_ts(1704103200123456);
    assert_int_equal(pq_writer_row(w, v, 1), CDLT_COERCE);
    assert_non_null(strstr(pq_writer_last_error(w), "allow_truncated_timestamps"));
    assert_non_null(strstr(pq_writer_last_error(w), "'ts'"));
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    snprintf(sql, sizeof sql,
             "SELECT (SELECT logical_type FROM parquet_schema('%s') WHERE name = 'ts'), "
             "(SELECT string_agg(epoch_ms(ts)::VARCHAR, ',') FROM read_parquet('%s'))",
             path, path);
    expect(f, sql,
           LT_TS("1", U_MS) "|"
           "1704103200123\n");
    o.dlt.allow_truncated = true;
    snprintf(path, sizeof path, "%s/coerce2.parquet", f->dir);
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    v[0] = tv_ts(1704103200123456);
    assert_int_equal(pq_writer_row(w, v, 1), CDLT_OK);
    v[0] = tv_ts(-1500); /* toward zero: -1 ms */
    assert_int_equal(pq_writer_row(w, v, 1), CDLT_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    snprintf(sql, sizeof sql, "SELECT string_agg(epoch_ms(ts)::VARCHAR, ',') FROM "
             "read_parquet('%s')", path);
    expect(f, sql, "1704103200123,-1\n");
    /* coerce "us" on an ns column of version 2.6 stores micros */
    o = pq_options_default(38);
    o.dlt.version = DEST_PQ_V2_6;
    o.dlt.coerce_unit = 2;
    write_ts_file(f, "coerce_us", &o, 2, path, sizeof path);
    snprintf(sql, sizeof sql,
             "SELECT logical_type FROM parquet_schema('%s') WHERE name = 'ts ns'", path);
    expect(f, sql, LT_TS("1", U_US) "\n");

    /* flavor spark: INT96 timestamps (no annotation), names without Spark's forbidden
     * characters */
    o = pq_options_default(38);
    o.dlt.spark = true;
    write_ts_file(f, "spark", &o, 2, path, sizeof path);
    snprintf(sql, sizeof sql,
             "SELECT name, type, converted_type, logical_type FROM parquet_schema('%s') WHERE "
             "name LIKE 'ts%%' ORDER BY name",
             path);
    expect(f, sql, "ts|INT96|NULL|NULL\nts_ms|INT96|NULL|NULL\nts_ns|INT96|NULL|NULL\n");
    snprintf(sql, sizeof sql,
             "SELECT epoch_us(ts), epoch_us(ts_ns), epoch_us(ts_ms) FROM read_parquet('%s') "
             "ORDER BY n",
             path);
    expect(f, sql,
           "1704103200123456|1704103200123456|1704103200123000\n"
           "1704103200124456|1704103200124456|1704103200124000\n");
}

/* ---- allocation-failure sweep: open, pages, row groups, footer; never crash or leak ---- */
typedef struct sweep_ud {
    fixture *f;
    char path[1024];
} sweep_ud;

static cdlt_status writer_once(void *ud)
{
    sweep_ud *u = ud;
    pq_options o = pq_options_default(38);
    o.row_group_bytes = 3000;
    o.page_bytes = 700;
    pq_writer *w = NULL;
    cdlt_error err = {0};
    cdlt_status st = pq_writer_open(u->f->t, u->path, &o, &w, &err);
    if (st != CDLT_OK)
        return st;
    tval v[19];
    for (int64_t id = 1; id <= 60 && st == CDLT_OK; id++) {
        row_all(u->f, v, id);
        if (id % 4 == 0)
            v[1] = tv_null();
        st = pq_writer_row(w, v, 18);
    }
    if (st != CDLT_OK) {
        pq_writer_abort(w);
        return st;
    }
    return pq_writer_close(w, NULL, &err);
}

static void test_alloc_failures(void **state)
{
    fixture *f = *state;
    sweep_ud u = {.f = f};
    snprintf(u.path, sizeof u.path, "%s/sweep.parquet", f->dir);
    int points = tu_alloc_failure_sweep(writer_once, &u, 400);
    assert_true(points > 10);
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*), count(s), sum(id) FROM read_parquet('%s')",
             u.path);
    expect(f, sql, "60|45|1830\n");
}

/* ---- column statistics (footer min/max/null count), checked through DuckDB ---- */

/* One column's expected statistics in one row group, computed here from the values. */
typedef struct st_want {
    int64_t nulls;
    bool any;          /* a value other than NULL (and NaN) */
    int64_t lo, hi;    /* integer-like columns: the stored integer; strings: row index */
    double dlo, dhi;   /* doubles */
} st_want;

enum { ST_ROWS = 1000, ST_RG = 100, ST_NRG = ST_ROWS / ST_RG, ST_NCOL = 17 };

/* Column kinds of the statistics table, in column order. */
enum { SK_INT, SK_TSTZ, SK_TS, SK_DATE, SK_TIME, SK_F64, SK_BOOL, SK_STR, SK_BIN, SK_DEC2,
       SK_DEC38, SK_WEI, SK_NUL };
static const struct {
    const char *name;
    int kind;
} ST_COLS[ST_NCOL] = {
    {"id", SK_INT},    {"i32", SK_INT},   {"i8", SK_INT},     {"ts", SK_TSTZ},
    {"tsms", SK_TS},   {"d", SK_DATE},    {"tm", SK_TIME},    {"tm3", SK_TIME},
    {"f", SK_F64},     {"b", SK_BOOL},    {"s", SK_STR},      {"j", SK_STR},
    {"bin", SK_BIN},   {"fx", SK_BIN},    {"dec", SK_DEC2},   {"dec38", SK_DEC38},
    {"nul", SK_NUL},
};

/* wei texts in ascending order of value (index = order) */
static const char *const ST_WEI[] = {
    "-99999999999999999999999999999999999999", "-12345678901234567890123456789", "-256",
    "-1", "0", "255", "256", "98765432109876543210", "99999999999999999999999999999999999999"};

typedef struct st_data {
    tval v[ST_ROWS][ST_NCOL + 1];
    char s[ST_ROWS][40];
    uint8_t bin[ST_ROWS][8];
    uint8_t fx[ST_ROWS][4];
    char dec[ST_ROWS][48];
    char dec38[ST_ROWS][48];
    jv j[ST_ROWS];
    int64_t num[ST_ROWS][ST_NCOL + 1]; /* integer-like columns as stored */
} st_data;

static uint64_t st_rand(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static int64_t st_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Unsigned byte order, a prefix first (Parquet's order of byte arrays and UTF-8). */
static int st_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int r = n ? memcmp(a, b, n) : 0;
    return r ? r : (an > bn) - (an < bn);
}

static void st_fill(st_data *d)
{
    static const char *const pieces[] = {"a", "A", "z", "~", "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80",
                                         "\xe4\xb8\xad", " ", "0", ""};
    uint64_t x = 42;
    for (int r = 0; r < ST_ROWS; r++) {
        int g = r / ST_RG;
        tval *v = d->v[r];
        int64_t *n = d->num[r];
        memset(v, 0, sizeof d->v[r]);
        n[0] = r;
        v[0] = tv_i(r);
        for (int c = 1; c < ST_NCOL; c++) {
            uint64_t k = st_rand(&x);
            /* row group 3: every nullable column NULL; else one in eight; `nul` always */
            if (g == 3 || k % 8 == 0 || ST_COLS[c].kind == SK_NUL)
                continue;
            k = st_rand(&x);
            switch (c) {
            case 1: /* i32: the extremes now and then */
                n[c] = k % 50 == 0 ? INT32_MIN : k % 50 == 1 ? INT32_MAX : (int32_t)(uint32_t)k;
                v[c] = tv_i(n[c]);
                break;
            case 2:
                n[c] = (int64_t)(k % 256) - 128;
                v[c] = tv_i(n[c]);
                break;
            case 3: /* microseconds, before and after 1970 */
                n[c] = (int64_t)(k % 8000000000000000u) - 4000000000000000;
                v[c] = tv_ts(n[c]);
                break;
            case 4: /* stored in ms: floored */
                v[c] = tv_ts((int64_t)(k % 8000000000000000u) - 4000000000000000);
                n[c] = st_floordiv(v[c].u.ts, 1000);
                break;
            case 5:
                n[c] = (int64_t)(k % 200000) - 100000;
                v[c] = tv_date((int32_t)n[c]);
                break;
            case 6:
                n[c] = (int64_t)(k % 86400000000u);
                v[c] = tv_time(n[c]);
                break;
            case 7: /* stored in ms */
                v[c] = tv_time((int64_t)(k % 86400000000u));
                n[c] = v[c].u.time / 1000;
                break;
            case 8: { /* doubles: NaN, both zeros, negatives; row group 4 only NaN, 5 only zeros */
                double f = ((double)(int64_t)k) / 1e9;
                if (g == 4 || k % 10 == 0)
                    f = NAN;
                else if (g == 5 || k % 10 == 1)
                    f = k % 20 < 10 ? -0.0 : 0.0;
                v[c] = tv_d(f);
                break;
            }
            case 9: /* row group 6: only true */
                v[c] = tv_b(g == 6 || k % 2);
                n[c] = v[c].u.b;
                break;
            case 10: { /* text: empty, ASCII incl. 0x7f, 2-, 3- and 4-byte UTF-8; rg 6: '' */
                char *s = d->s[r];
                s[0] = 0;
                for (int p = g == 6 ? 0 : (int)(k % 5); p > 0; p--)
                    strcat(s, pieces[st_rand(&x) % (sizeof pieces / sizeof *pieces)]);
                v[c] = tv_s(s);
                break;
            }
            case 11:
                d->j[r] = jv_int((int64_t)(k % 2001) - 1000);
                v[c] = tv_json(&d->j[r]);
                break;
            case 12: { /* binary 0..8 bytes, many 0x00 and 0xff */
                int len = (int)(k % 9);
                for (int b = 0; b < len; b++) {
                    uint64_t y = st_rand(&x);
                    d->bin[r][b] = y % 3 == 0 ? 0 : y % 3 == 1 ? 0xff : (uint8_t)(y >> 8);
                }
                v[c] = tv_sn(DT_BINARY, (const char *)d->bin[r], (size_t)len);
                break;
            }
            case 13:
                memcpy(d->fx[r], &k, 4);
                v[c] = tv_sn(DT_BINARY, (const char *)d->fx[r], 4);
                break;
            case 14: { /* decimal(10,2): cents */
                n[c] = (int64_t)(k % 19999999999u) - 9999999999;
                uint64_t a = (uint64_t)(n[c] < 0 ? -n[c] : n[c]);
                snprintf(d->dec[r], sizeof d->dec[r], "%s%llu.%02llu", n[c] < 0 ? "-" : "",
                         (unsigned long long)(a / 100), (unsigned long long)(a % 100));
                v[c] = tv_s(d->dec[r]);
                v[c].type = DT_DECIMAL;
                break;
            }
            case 15: { /* decimal(38,9): unscaled 62-bit values */
                n[c] = (int64_t)(k >> 1) - ((int64_t)1 << 62);
                uint64_t a = (uint64_t)(n[c] < 0 ? -n[c] : n[c]);
                snprintf(d->dec38[r], sizeof d->dec38[r], "%s%llu.%09llu", n[c] < 0 ? "-" : "",
                         (unsigned long long)(a / 1000000000), (unsigned long long)(a % 1000000000));
                v[c] = tv_s(d->dec38[r]);
                v[c].type = DT_DECIMAL;
                break;
            }
            case 16:
                break;
            }
        }
        /* wei (last column, not in ST_COLS' checks by kind loop below) */
        uint64_t k = st_rand(&x);
        if (g != 3 && k % 8) {
            n[ST_NCOL] = (int64_t)(k % (sizeof ST_WEI / sizeof *ST_WEI));
            v[ST_NCOL] = tv_s(ST_WEI[n[ST_NCOL]]);
            v[ST_NCOL].type = DT_WEI;
        }
    }
}

static bool st_null(const tval *v) { return v->type == DT_NONE; }

/* Expected statistics of column c in row group g. */
static st_want st_expect(const st_data *d, int c, int g)
{
    st_want e = {0};
    int kind = c == ST_NCOL ? SK_WEI : ST_COLS[c].kind;
    for (int r = g * ST_RG; r < (g + 1) * ST_RG; r++) {
        const tval *v = &d->v[r][c];
        if (st_null(v)) {
            e.nulls++;
            continue;
        }
        if (kind == SK_F64) {
            if (isnan(v->u.d))
                continue;
            if (!e.any || v->u.d < e.dlo)
                e.dlo = v->u.d;
            if (!e.any || v->u.d > e.dhi)
                e.dhi = v->u.d;
        } else if (kind == SK_STR || kind == SK_BIN) {
            char jt[32];
            const char *p = v->u.s;
            size_t n = v->len;
            if (c == 11) {
                n = (size_t)snprintf(jt, sizeof jt, "%lld", (long long)v->u.json->u.i);
                p = jt;
            }
            char lt[32], ht[32];
            const char *lp = NULL, *hp = NULL;
            size_t ln = 0, hn = 0;
            if (e.any) {
                const tval *lv = &d->v[e.lo][c], *hv = &d->v[e.hi][c];
                lp = lv->u.s, ln = lv->len, hp = hv->u.s, hn = hv->len;
                if (c == 11) {
                    ln = (size_t)snprintf(lt, sizeof lt, "%lld", (long long)lv->u.json->u.i);
                    hn = (size_t)snprintf(ht, sizeof ht, "%lld", (long long)hv->u.json->u.i);
                    lp = lt, hp = ht;
                }
            }
            if (!e.any || st_cmp(p, n, lp, ln) < 0)
                e.lo = r;
            if (!e.any || st_cmp(p, n, hp, hn) > 0)
                e.hi = r;
        } else {
            int64_t x = d->num[r][c];
            if (!e.any || x < e.lo)
                e.lo = x;
            if (!e.any || x > e.hi)
                e.hi = x;
        }
        e.any = true;
    }
    return e;
}

/* SQL literal of a text (no quotes in the test's alphabet) or hex of bytes. */
static void st_hex(char *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", (unsigned char)p[i]);
    out[2 * n] = 0;
}

/* SQL condition: parquet_metadata's bound `col` (stats_min_value or stats_max_value) equals
 * the expected value of row r / number x of column c. */
static void st_cond(char *out, size_t cap, const st_data *d, int c, const char *col,
                    const st_want *e, bool max)
{
    int kind = c == ST_NCOL ? SK_WEI : ST_COLS[c].kind;
    int64_t x = max ? e->hi : e->lo;
    const tval *v = kind == SK_STR || kind == SK_BIN ? &d->v[x][c] : NULL;
    char hex[64];
    switch (kind) {
    case SK_INT:
        snprintf(out, cap, "%s = '%lld'", col, (long long)x);
        break;
    case SK_TSTZ:
        snprintf(out, cap, "epoch_us(%s::TIMESTAMPTZ) = %lld", col, (long long)x);
        break;
    case SK_TS:
        snprintf(out, cap, "epoch_us(%s::TIMESTAMP) = %lld", col, (long long)x * 1000);
        break;
    case SK_DATE:
        snprintf(out, cap, "%s::DATE = DATE '1970-01-01' + %lld", col, (long long)x);
        break;
    case SK_TIME: /* tm in us, tm3 in ms */
        snprintf(out, cap, "%s::TIME = TIME '00:00:00' + to_microseconds(%lld)", col,
                 (long long)(c == 7 ? x * 1000 : x));
        break;
    case SK_F64: { /* the spec: a zero minimum reads -0.0, a zero maximum +0.0 */
        double f = max ? e->dhi : e->dlo;
        if (f == 0)
            snprintf(out, cap, "%s = '%s'", col, max ? "0.0" : "-0.0");
        else
            snprintf(out, cap, "%s::DOUBLE = %.17g", col, f);
        break;
    }
    case SK_BOOL:
        snprintf(out, cap, "%s = '%s'", col, x ? "true" : "false");
        break;
    case SK_STR:
        if (c == 11)
            snprintf(out, cap, "%s = '%lld'", col, (long long)v->u.json->u.i);
        else
            snprintf(out, cap, "%s = '%.*s'", col, (int)v->len, v->u.s);
        break;
    case SK_BIN:
        st_hex(hex, v->u.s, v->len);
        snprintf(out, cap, "%s::BLOB = from_hex('%s')", col, hex);
        break;
    case SK_DEC2:
        snprintf(out, cap, "(%s::DECIMAL(10,2) * 100)::BIGINT = %lld", col, (long long)x);
        break;
    case SK_DEC38:
        snprintf(out, cap, "(%s::DECIMAL(38,9) * 1000000000)::HUGEINT = %lld", col,
                 (long long)x);
        break;
    case SK_WEI:
        snprintf(out, cap, "%s::DECIMAL(38,0) = '%s'::DECIMAL(38,0)", col, ST_WEI[x]);
        break;
    }
}

static schema_table *st_table(fixture *f)
{
    schema_table *t = tl_table(f->s, "st");
    tl_col(f->s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(f->s, t, "i32", DT_BIGINT, true, -1, 32, -1);
    tl_col(f->s, t, "i8", DT_BIGINT, true, -1, 8, -1);
    tl_col(f->s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    tl_col(f->s, t, "tsms", DT_TIMESTAMP, true, 0, 3, -1);
    tl_col(f->s, t, "d", DT_DATE, true, -1, -1, -1);
    tl_col(f->s, t, "tm", DT_TIME, true, -1, -1, -1);
    tl_col(f->s, t, "tm3", DT_TIME, true, -1, 3, -1);
    tl_col(f->s, t, "f", DT_DOUBLE, true, -1, -1, -1);
    tl_col(f->s, t, "b", DT_BOOL, true, -1, -1, -1);
    tl_col(f->s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_col(f->s, t, "j", DT_JSON, true, -1, -1, -1);
    tl_col(f->s, t, "bin", DT_BINARY, true, -1, -1, -1);
    tl_col(f->s, t, "fx", DT_BINARY, true, -1, 4, -1);
    tl_col(f->s, t, "dec", DT_DECIMAL, true, -1, 10, 2);
    tl_col(f->s, t, "dec38", DT_DECIMAL, true, -1, -1, -1);
    tl_col(f->s, t, "nul", DT_TEXT, true, -1, -1, -1);
    tl_col(f->s, t, "w", DT_WEI, true, -1, -1, -1);
    return t;
}

/* Entries of FileMetaData.column_orders (field 7) that are TYPE_ORDER (a union holding an
 * empty struct as field 1); -1 when the footer has no column_orders. */
static int type_orders(const char *path)
{
    size_t n = 0;
    unsigned char *file = (unsigned char *)tu_read_file(path, &n);
    assert_non_null(file);
    uint32_t fl;
    memcpy(&fl, file + n - 8, 4);
    const unsigned char *p = file + n - 8 - fl;
    int16_t id = 0;
    int found = -1;
    for (;;) {
        unsigned char h = *p++;
        if (h == 0)
            break;
        if (h >> 4) {
            id = (int16_t)(id + (h >> 4));
        } else {
            uint64_t z = tc_varint(&p);
            id = (int16_t)((int64_t)(z >> 1) ^ -(int64_t)(z & 1));
        }
        if (id == 7 && (h & 0x0f) == 9) {
            unsigned char lh = *p++;
            uint64_t cnt = lh >> 4;
            if (cnt == 15)
                cnt = tc_varint(&p);
            assert_int_equal(lh & 0x0f, 12);
            found = 0;
            for (uint64_t i = 0; i < cnt; i++) {
                if (p[0] == 0x1c && p[1] == 0 && p[2] == 0)
                    found++;
                tc_skip_struct(&p);
            }
        } else {
            tc_skip(&p, h & 0x0f);
        }
    }
    free(file);
    return found;
}

/* Every column's statistics in every row group (several row groups, the compressor thread,
 * NULL-only chunks, NaN and zeros, negatives, empty strings, multibyte UTF-8) equal what the
 * values give; then filters at the bounds return every matching row (DuckDB skips a row group
 * whose statistics exclude the filter, so a wrong bound loses rows here). */
static void test_stats_values(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    st_data *d = calloc(1, sizeof *d);
    st_fill(d);
    schema_table *t = st_table(f);
    char path[1024];
    snprintf(path, sizeof path, "%s/st.parquet", f->dir);
    pq_options o = pq_options_default(38);
    o.dlt.row_group_rows = ST_RG;
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    for (int r = 0; r < ST_ROWS; r++)
        assert_int_equal(pq_writer_row(w, d->v[r], ST_NCOL + 1), CDLT_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);

    char sql[4096], cmin[512], cmax[512];
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT row_group_id) FROM parquet_metadata('%s')",
             path);
    expect(f, sql, "10\n");
    int checked = 0;
    for (int c = 0; c <= ST_NCOL; c++) {
        const char *name = c == ST_NCOL ? "w" : ST_COLS[c].name;
        for (int g = 0; g < ST_NRG; g++) {
            st_want e = st_expect(d, c, g);
            char want[128];
            if (e.any) {
                st_cond(cmin, sizeof cmin, d, c, "stats_min_value", &e, false);
                st_cond(cmax, sizeof cmax, d, c, "stats_max_value", &e, true);
            } else { /* NULL-only (or NaN-only) chunk: no bounds */
                snprintf(cmin, sizeof cmin, "stats_min_value IS NULL");
                snprintf(cmax, sizeof cmax, "stats_max_value IS NULL");
            }
            snprintf(sql, sizeof sql,
                     "SELECT stats_null_count, %s, %s, stats_min IS NULL AND stats_max IS NULL, "
                     "min_is_exact, max_is_exact "
                     "FROM parquet_metadata('%s') WHERE row_group_id = %d AND "
                     "path_in_schema = '%s'",
                     cmin, cmax, path, g, name);
            snprintf(want, sizeof want, "%lld|true|true|true|%s\n", (long long)e.nulls,
                     e.any ? "true|true" : "NULL|NULL");
            expect(f, sql, want);
            checked++;
        }
    }
    assert_int_equal(checked, (ST_NCOL + 1) * ST_NRG);
    /* the expected special chunks are there: NULL-only, NaN-only, zeros, all-true, all '' */
    assert_false(st_expect(d, 3, 3).any);
    assert_false(st_expect(d, 8, 4).any);
    assert_true(st_expect(d, 8, 4).nulls < ST_RG);
    st_want z = st_expect(d, 8, 5);
    assert_true(z.any && z.dlo == 0 && z.dhi == 0);
    assert_true(st_expect(d, 9, 6).lo == 1);
    st_want es = st_expect(d, 10, 6);
    assert_true(es.any && d->v[es.hi][10].len == 0);

    /* pruning: filters at each row group's bounds count the rows the values have */
    for (int g = 0; g < ST_NRG; g++) {
        st_want e = st_expect(d, 1, g);
        if (!e.any)
            continue;
        int64_t eq_lo = 0, eq_hi = 0, gt = 0, lt = 0;
        for (int r = 0; r < ST_ROWS; r++) {
            if (st_null(&d->v[r][1]))
                continue;
            int64_t x = d->num[r][1];
            eq_lo += x == e.lo;
            eq_hi += x == e.hi;
            gt += x > e.hi - 1;
            lt += x < e.lo + 1;
        }
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT count(*) FROM read_parquet('%s') WHERE i32 = %lld), "
                 "(SELECT count(*) FROM read_parquet('%s') WHERE i32 = %lld), "
                 "(SELECT count(*) FROM read_parquet('%s') WHERE i32 > %lld), "
                 "(SELECT count(*) FROM read_parquet('%s') WHERE i32 < %lld)",
                 path, (long long)e.lo, path, (long long)e.hi, path, (long long)e.hi - 1, path,
                 (long long)e.lo + 1);
        char want[128];
        snprintf(want, sizeof want, "%lld|%lld|%lld|%lld\n", (long long)eq_lo, (long long)eq_hi,
                 (long long)gt, (long long)lt);
        expect(f, sql, want);
    }
    /* one filter per column kind at the file's own bounds, counted here */
    static const struct {
        int col;
        const char *fmt; /* %s = the value's SQL */
    } probes[] = {{3, "ts = TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(%s)"},
                  {5, "d = DATE '1970-01-01' + %s"},
                  {8, "f = %s"},            {10, "s = %s"},
                  {12, "bin = %s"},         {14, "dec = %s"},
                  {15, "dec38 = %s"},       {2, "i8 = %s"}};
    for (size_t p = 0; p < sizeof probes / sizeof *probes; p++) {
        int c = probes[p].col;
        for (int side = 0; side < 2; side++) {
            /* the file's min (side 0) or max (side 1), as the first row holding it */
            int64_t best = -1;
            for (int r = 0; r < ST_ROWS; r++) {
                const tval *v = &d->v[r][c];
                if (st_null(v) || (c == 8 && isnan(v->u.d)))
                    continue;
                if (best < 0) {
                    best = r;
                    continue;
                }
                const tval *b = &d->v[best][c];
                int cmp = c == 8    ? (v->u.d > b->u.d) - (v->u.d < b->u.d)
                          : c == 10 || c == 12 ? st_cmp(v->u.s, v->len, b->u.s, b->len)
                                  : (d->num[r][c] > d->num[best][c]) - (d->num[r][c] < d->num[best][c]);
                if (side ? cmp > 0 : cmp < 0)
                    best = r;
            }
            const tval *b = &d->v[best][c];
            int64_t n = 0;
            for (int r = 0; r < ST_ROWS; r++) {
                const tval *v = &d->v[r][c];
                if (st_null(v) || (c == 8 && isnan(v->u.d)))
                    continue;
                n += c == 8 ? v->u.d == b->u.d
                     : c == 10 || c == 12 ? st_cmp(v->u.s, v->len, b->u.s, b->len) == 0
                                      : d->num[r][c] == d->num[best][c];
            }
            char val[256], hex[32], cond[512];
            if (c == 8)
                snprintf(val, sizeof val, "%.17g", b->u.d);
            else if (c == 10)
                snprintf(val, sizeof val, "'%.*s'", (int)b->len, b->u.s);
            else if (c == 12) {
                st_hex(hex, b->u.s, b->len);
                snprintf(val, sizeof val, "from_hex('%s')", hex);
            } else if (c == 14 || c == 15)
                snprintf(val, sizeof val, "%s::DECIMAL(%s)", b->u.s, c == 14 ? "10,2" : "38,9");
            else
                snprintf(val, sizeof val, "%lld", (long long)d->num[best][c]);
            snprintf(cond, sizeof cond, probes[p].fmt, val);
            snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s') WHERE %s", path,
                     cond);
            char want[64];
            snprintf(want, sizeof want, "%lld\n", (long long)n);
            expect(f, sql, want);
        }
    }
    /* empty strings: row group 6 holds only '' */
    int64_t empties = 0;
    for (int r = 0; r < ST_ROWS; r++)
        empties += !st_null(&d->v[r][10]) && d->v[r][10].len == 0;
    assert_true(empties >= ST_RG / 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s') WHERE s = ''", path);
    char want[64];
    snprintf(want, sizeof want, "%lld\n", (long long)empties);
    expect(f, sql, want);
    assert_int_equal(type_orders(path), ST_NCOL + 1);
    free(d);
}

/* s repeated n times into out (NUL-terminated); returns out. */
static char *st_rep(char *out, const char *s, int n)
{
    out[0] = 0;
    for (int i = 0; i < n; i++)
        strcat(out, s);
    return out;
}

/* Values longer than the 64 bytes a bound keeps: the minimum is the value cut (text between
 * characters), the maximum the cut value with its last raisable byte (ASCII below 0x7f for
 * text, below 0xff for binary) raised; with nothing to raise the chunk has no min/max. Both
 * flagged not exact. Filters on those columns still find every row. INT96 timestamps (flavor
 * spark) get a null count only. */
static void test_stats_long_values(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    schema_table *t = tl_table(f->s, "lv");
    tl_col(f->s, t, "lt", DT_TEXT, true, -1, -1, -1);
    tl_col(f->s, t, "lb", DT_BINARY, true, -1, -1, -1);
    char path[1024];
    snprintf(path, sizeof path, "%s/lv.parquet", f->dir);
    pq_options o = pq_options_default(38);
    o.dlt.row_group_rows = 2;
    pq_writer *w = NULL;
    assert_int_equal(pq_writer_open(t, path, &o, &w, &err), CDLT_OK);
    static char txt[10][256], bin[10][128];
    int tl[10], bl[10];
    st_rep(txt[0], "a", 70);
    st_rep(txt[1], "b", 10);
    strcat(strcpy(txt[2], "a"), st_rep(txt[3], "\xc3\xa9", 40)); /* cut inside a character */
    strcpy(txt[3], "b");
    strcat(st_rep(txt[4], "z", 63), "\x7fzz");
    txt[5][0] = 0; /* NULL */
    strcat(st_rep(txt[6], "x", 63), "\xc3\xa9y");
    st_rep(txt[7], "x", 64);
    st_rep(txt[8], "\xc3\xa9", 40); /* nothing to raise: no bounds */
    txt[9][0] = 0;
    memset(bin[0], 0xff, 70), bl[0] = 70;
    memset(bin[1], 0xff, 70), bl[1] = 70;
    bin[2][0] = 1, memset(bin[2] + 1, 0xff, 69), bl[2] = 70;
    bl[3] = -1;
    memcpy(bin[4], "abc", 3), bl[4] = 3;
    memset(bin[5], 0, 70), bl[5] = 70;
    bl[6] = bl[7] = bl[8] = bl[9] = -1;
    for (int r = 0; r < 10; r++) {
        tl[r] = r == 5 || r == 9 ? -1 : (int)strlen(txt[r]);
        tval v[2] = {tl[r] < 0 ? tv_null() : tv_sn(DT_TEXT, txt[r], (size_t)tl[r]),
                     bl[r] < 0 ? tv_null() : tv_sn(DT_BINARY, bin[r], (size_t)bl[r])};
        assert_int_equal(pq_writer_row(w, v, 2), CDLT_OK);
    }
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);

    char a64[80], x63[80], z62[80], zmin[80], ff[200], zz[200], one[200], ae[80];
    st_rep(a64, "a", 64);
    st_rep(x63, "x", 63);
    strcat(st_rep(z62, "x", 62), "y");
    strcat(st_rep(zmin, "z", 63), "\x7f");
    strcat(st_rep(one, "FF", 63), "");
    strcat(strcpy(ae, "a"), st_rep(ff, "\xc3\xa9", 31));
    char sql[4096], want[2048];
    snprintf(sql, sizeof sql,
             "SELECT row_group_id, path_in_schema, stats_null_count, "
             "CASE WHEN path_in_schema = 'lt' THEN stats_min_value ELSE "
             "hex(stats_min_value::BLOB) END, CASE WHEN path_in_schema = 'lt' THEN "
             "stats_max_value ELSE hex(stats_max_value::BLOB) END, min_is_exact, max_is_exact "
             "FROM parquet_metadata('%s') ORDER BY row_group_id, path_in_schema",
             path);
    snprintf(want, sizeof want,
             "0|lb|0|NULL|NULL|NULL|NULL\n"
             "0|lt|0|%s|bbbbbbbbbb|false|true\n"
             "1|lb|1|01%s|02|false|false\n"
             "1|lt|0|%s|b|false|true\n"
             "2|lb|0|%s|616263|false|true\n"
             "2|lt|1|%s|%s{|false|false\n"
             "3|lb|2|NULL|NULL|NULL|NULL\n"
             "3|lt|0|%s|%s|false|false\n"
             "4|lb|2|NULL|NULL|NULL|NULL\n"
             "4|lt|1|NULL|NULL|NULL|NULL\n",
             a64, one, ae, st_rep(zz, "00", 64), zmin, st_rep(ff, "z", 62), x63, z62);
    expect(f, sql, want);
    /* every value is found again through the statistics */
    for (int r = 0; r < 10; r++) {
        for (int col = 0; col < 2; col++) {
            int len = col ? bl[r] : tl[r];
            if (len < 0)
                continue;
            const char *p = col ? bin[r] : txt[r];
            int64_t eq = 0, ge = 0;
            for (int k = 0; k < 10; k++) {
                int kl = col ? bl[k] : tl[k];
                if (kl < 0)
                    continue;
                int c = st_cmp(col ? bin[k] : txt[k], (size_t)kl, p, (size_t)len);
                eq += c == 0;
                ge += c >= 0;
            }
            char val[400];
            if (col) {
                char hex[200];
                st_hex(hex, p, (size_t)len);
                snprintf(val, sizeof val, "from_hex('%s')", hex);
            } else {
                snprintf(val, sizeof val, "'%s'", p);
            }
            snprintf(sql, sizeof sql,
                     "SELECT (SELECT count(*) FROM read_parquet('%s') WHERE %s = %s), "
                     "(SELECT count(*) FROM read_parquet('%s') WHERE %s >= %s)",
                     path, col ? "lb" : "lt", val, path, col ? "lb" : "lt", val);
            snprintf(want, sizeof want, "%lld|%lld\n", (long long)eq, (long long)ge);
            expect(f, sql, want);
        }
    }

    /* wei at (76, 0) (the filesystem destination's): 32-byte FLBA, which DuckDB reads as
     * DOUBLE, bounds included; filters still find every row */
    schema_table *t3 = tl_table(f->s, "wv");
    tl_col(f->s, t3, "w", DT_WEI, true, -1, -1, -1);
    snprintf(path, sizeof path, "%s/wv.parquet", f->dir);
    o = pq_options_default(78);
    o.dlt.row_group_rows = 2;
    assert_int_equal(pq_writer_open(t3, path, &o, &w, &err), CDLT_OK);
    static const char *const wv[] = {"-100000000000000000000000000000000000000000000000000", "7",
                                     "1000000000000000000000000000000000000000000000000000000000000",
                                     "-3"};
    for (int r = 0; r < 4; r++) {
        tval v[1] = {tv_sn(DT_WEI, wv[r], strlen(wv[r]))};
        assert_int_equal(pq_writer_row(w, v, 1), CDLT_OK);
    }
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    snprintf(sql, sizeof sql,
             "SELECT row_group_id, stats_min_value, stats_max_value FROM parquet_metadata('%s') "
             "ORDER BY 1",
             path);
    expect(f, sql, "0|-1e+50|7.0\n1|-3.0|1e+60\n");
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM read_parquet('%s') WHERE w = 7), (SELECT count(*) "
             "FROM read_parquet('%s') WHERE w >= 1e60), (SELECT count(*) FROM read_parquet('%s') "
             "WHERE w < -1e49), (SELECT count(*) FROM read_parquet('%s') WHERE w = -3)",
             path, path, path, path);
    expect(f, sql, "1|1|1|1\n");

    /* INT96 (flavor spark): its order is undefined under TYPE_ORDER, so no bounds */
    schema_table *t2 = tl_table(f->s, "sp");
    tl_col(f->s, t2, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    snprintf(path, sizeof path, "%s/sp.parquet", f->dir);
    o = pq_options_default(38);
    o.dlt.spark = true;
    assert_int_equal(pq_writer_open(t2, path, &o, &w, &err), CDLT_OK);
    tval v1[1] = {tv_ts(1704103200123456)}, v2[1] = {tv_null()};
    assert_int_equal(pq_writer_row(w, v1, 1), CDLT_OK);
    assert_int_equal(pq_writer_row(w, v2, 1), CDLT_OK);
    assert_int_equal(pq_writer_close(w, NULL, &err), CDLT_OK);
    snprintf(sql, sizeof sql,
             "SELECT type, stats_null_count, stats_min_value, stats_max_value, stats_min, "
             "stats_max FROM parquet_metadata('%s')",
             path);
    expect(f, sql, "INT96|1|NULL|NULL|NULL|NULL\n");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM read_parquet('%s') WHERE ts = TIMESTAMPTZ "
             "'2024-01-01 10:00:00.123456+00'",
             path);
    expect(f, sql, "1\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_snappy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snappy_big_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dlt_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_footer_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error_on_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes_independent_of_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_long_values, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
