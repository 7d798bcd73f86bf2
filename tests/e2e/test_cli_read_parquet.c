/* test_cli_read_parquet.c: the filesystem source's read_parquet with the real cdlt binary, on
 * Parquet files made by DuckDB in the test: a flat file (several chunks of `chunksize` rows,
 * NULLs, unicode, tz-aware and naive timestamps, dates, times) and a nested one (a struct is
 * flattened into parent__child columns, a list of structs becomes a child table, as dlt's
 * normalizer does with pyarrow's dicts), loaded into DuckDB and checked there; and a file with
 * every Parquet type DuckDB writes (all-NULL row included), whose column types must be the ones
 * dlt gives the Python values of pyarrow's to_pylist(): Decimal -> decimal (DECIMAL(38,9), dlt's
 * default precision, so a DECIMAL(38,10) value is rounded), bytes -> binary (BLOB, the bytes
 * themselves), every integer width -> bigint, datetimes -> timestamp with time zone, also
 * inside a struct (flattened) and a list (child table); a user `columns` hint wins; and the same
 * file to the filesystem destination as Parquet read back by DuckDB. */
#include "cli_run.h"

#include <sys/stat.h>

typedef struct renv {
    char *dir;
    char def[1300];
    char pdir[1300];
} renv;

static void run_def(const renv *e, const char *def)
{
    const char *args[] = {"run", def, "--pipelines-dir", e->pdir, "--progress", "none", NULL};
    cli_res r = run_cli_in(e->dir, args, NULL);
    if (r.code != 0)
        fprintf(stderr, "cdlt run: exit %d\nstdout: %s\nstderr: %s\n", r.code, r.out, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
}

static void test_read_parquet(void **st)
{
    (void)st;
    renv e;
    e.dir = tu_mkdtemp("cli-read-pq");
    snprintf(e.def, sizeof e.def, "%s/p.toml", e.dir);
    snprintf(e.pdir, sizeof e.pdir, "%s/pipelines", e.dir);
    char sql[4096], path[1400];
    snprintf(path, sizeof path, "%s/data", e.dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(sql, sizeof sql,
             "COPY (SELECT i AS id, CASE WHEN i %% 4 = 0 THEN NULL ELSE 'n' || i || ' "
             "\xc3\xbc' END AS name, TIMESTAMPTZ '2024-01-01 10:00:00+00' + to_seconds(i) AS ts, "
             "TIMESTAMP '2024-01-01 10:00:00.25' AS tsn, DATE '2024-02-29' + i::INTEGER AS day, "
             "TIME '10:11:12' AS at, i / 8 AS f FROM range(1, 26) t(i)) TO '%s/data/flat.parquet' "
             "(FORMAT parquet)",
             e.dir);
    tu_duck_exec(NULL, sql);
    const char *text = "pipeline_name = \"rp\"\ndataset_name = \"ds\"\ndestination = \"duckdb\"\n"
                       "[source]\ntype = \"filesystem\"\nbucket_url = \"data\"\n"
                       "file_glob = \"flat.parquet\"\nreader = \"read_parquet\"\n"
                       "reader_args = { chunksize = 7 }\nname = \"flat\"\n";
    snprintf(path, sizeof path, "%s/p.toml", e.dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    run_def_ok(e.dir, NULL);
    char db[1400];
    snprintf(db, sizeof db, "%s/rp.duckdb", e.dir);
    tu_duck_expect(db, "SELECT count(*) || ' ' || count(name) || ' ' || sum(id) FROM ds.flat",
                   "25 19 325");
    tu_duck_expect(db, "SELECT name || ' ' || epoch(ts)::BIGINT || ' ' || typeof(ts) || ' ' || "
                   "epoch_us(tsn) || ' ' || f FROM ds.flat WHERE id = 1",
                   "n1 \xc3\xbc 1704103201 TIMESTAMP WITH TIME ZONE 1704103200250000 0.125");
    tu_duck_expect(db, "SELECT typeof(day) || ' ' || day || ' ' || typeof(\"at\") || ' ' || \"at\" FROM "
                   "ds.flat WHERE id = 1",
                   "DATE 2024-03-01 TIME 10:11:12");
    tu_rm_rf(e.dir);
    free(e.dir);
}

static void test_read_parquet_nested(void **st)
{
    (void)st;
    renv e;
    e.dir = tu_mkdtemp("cli-read-pq-n");
    snprintf(e.def, sizeof e.def, "%s/p.toml", e.dir);
    snprintf(e.pdir, sizeof e.pdir, "%s/pipelines", e.dir);
    char sql[4096], path[1400];
    snprintf(path, sizeof path, "%s/data", e.dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(sql, sizeof sql,
             "COPY (SELECT i AS id, {'login': 'u' || i, 'org': {'name': 'o'}} AS actor, "
             "[{'sha': 's' || i, 'n': i}, {'sha': 't' || i, 'n': NULL}] AS commits, "
             "['a', 'b'] AS labels FROM range(1, 4) t(i)) TO '%s/data/nested.parquet' "
             "(FORMAT parquet)",
             e.dir);
    tu_duck_exec(NULL, sql);
    const char *text = "pipeline_name = \"rp\"\ndataset_name = \"ds\"\ndestination = \"duckdb\"\n"
                       "[source]\ntype = \"filesystem\"\nbucket_url = \"data\"\n"
                       "file_glob = \"*.parquet\"\nreader = \"read_parquet\"\nname = \"ev\"\n";
    snprintf(path, sizeof path, "%s/p.toml", e.dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    run_def_ok(e.dir, NULL);
    char db[1400];
    snprintf(db, sizeof db, "%s/rp.duckdb", e.dir);
    tu_duck_expect(db, "SELECT string_agg(id || ':' || actor__login || ':' || actor__org__name, ' ' "
                   "ORDER BY id) FROM ds.ev",
                   "1:u1:o 2:u2:o 3:u3:o");
    tu_duck_expect(db, "SELECT count(*) || ' ' || count(n) || ' ' || min(sha) FROM ds.ev__commits",
                   "6 3 s1");
    tu_duck_expect(db, "SELECT count(*) FROM ds.ev__labels", "6");
    tu_rm_rf(e.dir);
    free(e.dir);
}

/* Every type DuckDB writes to Parquet: row 1 extremes, row 2 all NULL, row 3 other edges. */
static const char ALL_TYPES_SQL[] =
    "COPY (SELECT * FROM (VALUES "
    "(1, (-128)::TINYINT, (-32768)::SMALLINT, (-2147483648)::INTEGER, "
    "(-9223372036854775808)::BIGINT, 255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER, "
    "9223372036854775807::UBIGINT, 1.5::FLOAT, 0.1::DOUBLE, true, DATE '2024-02-29', "
    "TIME '23:59:59.123456', '2024-01-01 10:00:01'::TIMESTAMP_S, "
    "'2024-01-01 10:00:01.123'::TIMESTAMP_MS, TIMESTAMP '2024-01-01 10:00:01.123456', "
    "'2024-01-01 10:00:01.123456789'::TIMESTAMP_NS, TIMESTAMPTZ '2024-01-01 10:00:01.5+00', "
    "'text \xc3\xbc', 12.34::DECIMAL(4,2), 123456789012.123456::DECIMAL(18,6), "
    "9999999999999999999999999999.9999999999::DECIMAL(38,10), (-1.0000000005)::DECIMAL(38,10), "
    "'\\x00\\x01\\xFF\\x00z'::BLOB, {'a': 1.25::DECIMAL(10,2), 'b': '\\x00a'::BLOB}, "
    "[1.5::DECIMAL(5,2), NULL, -2.25]), "
    "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
    "(3, 127::TINYINT, 32767::SMALLINT, 2147483647::INTEGER, 9223372036854775807::BIGINT, "
    "0::UTINYINT, 0::USMALLINT, 0::UINTEGER, 0::UBIGINT, 2.5::FLOAT, 1e308::DOUBLE, false, "
    "DATE '1970-01-01', TIME '00:00:00', '1970-01-01 00:00:00'::TIMESTAMP_S, "
    "'1970-01-01'::TIMESTAMP_MS, TIMESTAMP '1970-01-01', '1970-01-01'::TIMESTAMP_NS, "
    "TIMESTAMPTZ '1970-01-01 00:00:00+00', '', (-99.99)::DECIMAL(4,2), 0::DECIMAL(18,6), "
    "(-9999999999999999999999999999.9999999999)::DECIMAL(38,10), 0.0000000001::DECIMAL(38,10), "
    "''::BLOB, {'a': NULL, 'b': NULL}, [])"
    ") t(id, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, b, dt, tm, ts_s, ts_ms, ts_us, "
    "ts_ns, tstz, s, dec4, dec18, dec38, dec38b, bin, st, lst)) TO '%s/data/all.parquet' "
    "(FORMAT parquet)";

/* dlt's types of those columns (information_schema order) and of the list's child table */
static const char ALL_TYPES_COLS[] =
    "id:BIGINT i8:BIGINT i16:BIGINT i32:BIGINT i64:BIGINT u8:BIGINT u16:BIGINT u32:BIGINT "
    "u64:BIGINT f32:DOUBLE f64:DOUBLE b:BOOLEAN dt:DATE tm:TIME "
    "ts_s:TIMESTAMP WITH TIME ZONE ts_ms:TIMESTAMP WITH TIME ZONE ts_us:TIMESTAMP WITH TIME ZONE "
    "ts_ns:TIMESTAMP WITH TIME ZONE tstz:TIMESTAMP WITH TIME ZONE s:VARCHAR dec4:DECIMAL(38,9) "
    "dec18:DECIMAL(38,9) dec38:DECIMAL(38,9) dec38b:DECIMAL(38,9) bin:BLOB st__a:DECIMAL(38,9) "
    "st__b:BLOB _dlt_load_id:VARCHAR _dlt_id:VARCHAR";

/* the values every destination must give back, for the rows of ALL_TYPES_SQL */
static void check_all_values(const char *db, const char *from, const char *lst_from)
{
    char q[2048];
    snprintf(q, sizeof q,
             "SELECT string_agg(concat_ws('|', id, i8, i16, i32, i64, u8, u16, u32, u64, f32, "
             "f64, b, dt, tm, epoch_us(ts_s), epoch_us(ts_ms), epoch_us(ts_us), epoch_us(ts_ns), "
             "epoch_us(tstz), s), ' / ' ORDER BY id) FROM %s", from);
    tu_duck_expect(db, q,
                   "1|-128|-32768|-2147483648|-9223372036854775808|255|65535|4294967295|"
                   "9223372036854775807|1.5|0.1|true|2024-02-29|23:59:59.123456|1704103201000000|"
                   "1704103201123000|1704103201123456|1704103201123456|1704103201500000|text \xc3\xbc"
                   " / 2 / "
                   "3|127|32767|2147483647|9223372036854775807|0|0|0|0|2.5|1e+308|false|1970-01-01|"
                   "00:00:00|0|0|0|0|0|");
    /* DECIMAL(38,10) into dlt's DECIMAL(38,9): rounded half away from zero, as DuckDB casts */
    snprintf(q, sizeof q,
             "SELECT string_agg(concat_ws('|', id, dec4, dec18, dec38, dec38b, hex(bin), "
             "octet_length(bin), st__a, hex(st__b)), ' / ' ORDER BY id) FROM %s", from);
    tu_duck_expect(db, q,
                   "1|12.340000000|123456789012.123456000|10000000000000000000000000000.000000000|"
                   "-1.000000001|0001FF007A|5|1.250000000|0061 / 2 / "
                   "3|-99.990000000|0.000000000|-10000000000000000000000000000.000000000|"
                   "0.000000000||0");
    snprintf(q, sizeof q,
             "SELECT string_agg(coalesce(value::VARCHAR, 'null'), ' ' ORDER BY _dlt_list_idx) "
             "FROM %s", lst_from);
    tu_duck_expect(db, q, "1.500000000 null -2.250000000");
}

static void test_read_parquet_all_types(void **st)
{
    (void)st;
    renv e;
    e.dir = tu_mkdtemp("cli-read-pq-t");
    snprintf(e.def, sizeof e.def, "%s/p.toml", e.dir);
    snprintf(e.pdir, sizeof e.pdir, "%s/pipelines", e.dir);
    char sql[4096], path[1400], db[1400], q[1400];
    snprintf(path, sizeof path, "%s/data", e.dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(sql, sizeof sql, ALL_TYPES_SQL, e.dir);
    tu_duck_exec(NULL, sql);
    static const char SRC[] = "[source]\ntype = \"filesystem\"\nbucket_url = \"data\"\n"
                              "file_glob = \"all.parquet\"\nreader = \"read_parquet\"\n"
                              "name = \"allt\"\n";
    char text[2048];
    /* 1. DuckDB: the types dlt gives the values */
    snprintf(text, sizeof text, "pipeline_name = \"rp\"\ndataset_name = \"ds\"\n"
             "destination = \"duckdb\"\n%s", SRC);
    assert_int_equal(tu_write_file(e.def, text, strlen(text)), 0);
    run_def_ok(e.dir, NULL);
    snprintf(db, sizeof db, "%s/rp.duckdb", e.dir);
    tu_duck_expect(db, "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY "
                   "ordinal_position) FROM information_schema.columns WHERE table_schema = 'ds' "
                   "AND table_name = 'allt'", ALL_TYPES_COLS);
    tu_duck_expect(db, "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY "
                   "ordinal_position) FROM information_schema.columns WHERE table_schema = 'ds' "
                   "AND table_name = 'allt__lst'",
                   "value:DECIMAL(38,9) _dlt_parent_id:VARCHAR _dlt_list_idx:BIGINT _dlt_id:VARCHAR");
    check_all_values(db, "ds.allt", "ds.allt__lst");

    /* 2. a user's columns hint wins over the values' types: exact DECIMAL(38,10), bytes as
     * their base64 text (dlt: str of bytes through its JSON encoder) */
    snprintf(text, sizeof text, "pipeline_name = \"rph\"\ndataset_name = \"ds\"\n"
             "destination = \"duckdb\"\n%scolumns = { dec38 = { data_type = \"decimal\", "
             "precision = 38, scale = 10 }, bin = { data_type = \"text\" } }\n", SRC);
    snprintf(path, sizeof path, "%s/h.toml", e.dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    run_def(&e, path);
    snprintf(db, sizeof db, "%s/rph.duckdb", e.dir);
    tu_duck_expect(db, "SELECT string_agg(data_type, ' ' ORDER BY column_name) FROM "
                   "information_schema.columns WHERE table_schema = 'ds' AND table_name = 'allt' "
                   "AND column_name IN ('bin', 'dec38', 'dec38b')",
                   "VARCHAR DECIMAL(38,10) DECIMAL(38,9)");
    tu_duck_expect(db, "SELECT string_agg(dec38 || ' ' || bin, ' / ' ORDER BY id) FROM ds.allt",
                   "9999999999999999999999999999.9999999999 AAH/AHo= / "
                   "-9999999999999999999999999999.9999999999 ");

    /* 3. the filesystem destination in Parquet: DuckDB reads back the same types and values */
    snprintf(text, sizeof text, "pipeline_name = \"rpf\"\ndataset_name = \"ds\"\n"
             "destination = { type = \"filesystem\", bucket_url = \"out\" }\n"
             "loader_file_format = \"parquet\"\n%s", SRC);
    snprintf(path, sizeof path, "%s/f.toml", e.dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    run_def(&e, path);
    char from[1400], lst[1400];
    snprintf(from, sizeof from, "read_parquet('%s/out/ds/allt/*.parquet')", e.dir);
    snprintf(lst, sizeof lst, "read_parquet('%s/out/ds/allt__lst/*.parquet')", e.dir);
    check_all_values(NULL, from, lst);
    snprintf(q, sizeof q,
             "SELECT string_agg(name || ':' || type || ':' || coalesce(precision || ',' || "
             "scale, ''), ' ' ORDER BY name) FROM parquet_schema('%s/out/ds/allt/*.parquet') "
             "WHERE name IN ('bin', 'dec4', 'dec38', 'st__a', 'st__b')", e.dir);
    tu_duck_expect(NULL, q, "bin:BYTE_ARRAY: dec38:FIXED_LEN_BYTE_ARRAY:38,9 "
                   "dec4:FIXED_LEN_BYTE_ARRAY:38,9 st__a:FIXED_LEN_BYTE_ARRAY:38,9 "
                   "st__b:BYTE_ARRAY:");
    tu_rm_rf(e.dir);
    free(e.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_parquet),
        cmocka_unit_test(test_read_parquet_nested),
        cmocka_unit_test(test_read_parquet_all_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
