/* test_cli_parquet.c: loader_file_format = "parquet" with the real cdlt binary. DuckDB: a run
 * with Parquet load files gives the same tables, column types and rows as a run with the
 * default (native) load files, nested tables and hinted types (decimal, naive timestamp, date,
 * time, binary, wei, small int) included, then a merge run through the staging dataset; the
 * filesystem destination: the tables' files are *.parquet (never gzip'd, pages snappy as
 * dlt's), DuckDB's read_parquet reads back the rows with dlt's arrow types, and the row counts
 * shown after a run come from the files' footers. */
#include "cli_run.h"

#include <sys/stat.h>

/* DuckDB's parquet_schema text of a TIMESTAMP logical type */
#define LT_TS(utc, unit) "TimestampType(isAdjustedToUTC=" utc ", unit=TimeUnit(" unit "))"
#define U_MS "MILLIS=MilliSeconds(), MICROS=<null>, NANOS=<null>"
#define U_US "MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>"
#define U_NS "MILLIS=<null>, MICROS=<null>, NANOS=NanoSeconds()"

typedef struct penv {
    char *dir;
    char def[1300];
    char pdir[1300];
} penv;

static const char ITEMS[] =
    "{\"id\":1,\"name\":\"a \\u00fc \\ud83d\\ude00\",\"tags\":[\"x\",\"y\"],"
    "\"ts\":\"2024-01-01T10:00:00.123456Z\",\"tsn\":\"2024-01-01T10:00:00\",\"amount\":\"12.5\","
    "\"day\":\"2024-02-29\",\"at\":\"10:11:12\",\"blob\":\"AP8=\",\"w\":\"123456789012345678\","
    "\"small\":7,\"meta\":{\"a\":{\"b\":[1,{\"c\":null}]}},\"f\":1.5,\"ok\":true}\n"
    "{\"id\":2,\"name\":\"b\\\"q\",\"tags\":[],\"f\":-0.0,\"ok\":false,\"extra\":null}\n"
    "{\"id\":3,\"name\":null,\"tags\":[\"z\"],\"amount\":\"-0.000000001\",\"small\":-8}\n";

static const char HINTS[] =
    "columns = { amount = { data_type = \"decimal\" }, tsn = { data_type = \"timestamp\", "
    "timezone = false }, day = { data_type = \"date\" }, at = { data_type = \"time\" }, "
    "blob = { data_type = \"binary\" }, w = { data_type = \"wei\" }, small = { data_type = "
    "\"bigint\", precision = 16 }, meta = { data_type = \"json\" } }\n";

static void env_init(penv *e, const char *tag, const char *dest, const char *top_extra,
                     const char *wd)
{
    e->dir = tu_mkdtemp(tag);
    snprintf(e->def, sizeof e->def, "%s/p.toml", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    char text[4096];
    snprintf(text, sizeof text,
             "pipeline_name = \"pq\"\ndataset_name = \"ds\"\n%s\ndestination = %s\n"
             "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\nwrite_disposition = %s\n"
             "primary_key = \"id\"\n%s",
             top_extra ? top_extra : "", dest, wd, HINTS);
    tu_put(e->dir, "p.toml", text);
    tu_put(e->dir, "items.jsonl", ITEMS);
}

static void env_free(penv *e)
{
    tu_rm_rf(e->dir);
    free(e->dir);
}

/* Every table of dataset ds in both files: same columns (name, type, position) and rows. */
static void same_dataset(const char *db_pq, const char *db_def)
{
    char sql[8192];
    /* table list and column types */
    snprintf(sql, sizeof sql,
             "ATTACH '%s' AS o (READ_ONLY); SELECT (SELECT count(*) FROM (SELECT table_name, "
             "column_name, data_type, ordinal_position FROM information_schema.columns WHERE "
             "table_catalog = 'o' AND table_schema = 'ds' EXCEPT SELECT table_name, column_name, "
             "data_type, ordinal_position FROM information_schema.columns WHERE table_catalog = "
             "'pq' AND table_schema = 'ds')) || '/' || (SELECT count(*) FROM "
             "information_schema.columns WHERE table_catalog = 'pq' AND table_schema = 'ds') || "
             "'/' || (SELECT count(*) FROM information_schema.columns WHERE table_catalog = 'o' "
             "AND table_schema = 'ds')",
             db_def);
    tu_duck_expect(db_pq, sql, "0/39/39");
    /* rows of the user tables (_dlt_load_id and the random row ids differ between runs) */
    const char *tables[] = {"items", "items__tags"};
    const char *excl[] = {"_dlt_load_id, _dlt_id", "_dlt_id, _dlt_parent_id, _dlt_root_id"};
    for (int i = 0; i < 2; i++) {
        snprintf(sql, sizeof sql,
                 "ATTACH '%s' AS o (READ_ONLY); SELECT (SELECT count(*) FROM (SELECT * EXCLUDE "
                 "(%s) FROM ds.%s EXCEPT ALL SELECT * EXCLUDE (%s) FROM o.ds.%s)) || '/' || "
                 "((SELECT count(*) FROM ds.%s) = (SELECT count(*) FROM o.ds.%s))",
                 db_def, excl[i], tables[i], excl[i], tables[i], tables[i], tables[i]);
        tu_duck_expect(db_pq, sql, "0/true");
    }
}

static void test_duckdb_parquet_equals_default(void **st)
{
    (void)st;
    penv a, b;
    env_init(&a, "cli-pq-duck", "\"duckdb\"", "loader_file_format = \"parquet\"", "\"merge\"");
    env_init(&b, "cli-pq-def", "\"duckdb\"", NULL, "\"merge\"");
    run_def_ok(a.dir, NULL);
    run_def_ok(b.dir, NULL);
    /* the package had Parquet jobs (kept in the completed package folder) */
    char db_a[1400], db_b[1400], sql[4096];
    snprintf(db_a, sizeof db_a, "%s/pq.duckdb", a.dir);
    snprintf(db_b, sizeof db_b, "%s/pq.duckdb", b.dir);
    tu_duck_expect(db_a, "SELECT typeof(amount) || ' ' || typeof(tsn) || ' ' || typeof(small) || ' ' "
                   "|| typeof(meta) || ' ' || typeof(w) || ' ' || typeof(blob) FROM ds.items "
                   "WHERE id = 1",
                   "DECIMAL(38,9) TIMESTAMP SMALLINT JSON DECIMAL(38,0) BLOB");
    tu_duck_expect(db_a, "SELECT name || ' ' || amount || ' ' || epoch_us(ts) || ' ' || day || ' ' || "
                   "\"at\" || ' ' || hex(blob) || ' ' || w || ' ' || meta FROM ds.items WHERE id = 1",
                   "a \xc3\xbc \xf0\x9f\x98\x80 12.500000000 1704103200123456 2024-02-29 10:11:12 "
                   "00FF 123456789012345678 {\"a\":{\"b\":[1,{\"c\":null}]}}");
    same_dataset(db_a, db_b);
    /* a second (merge) run of changed rows goes through the staging dataset */
    const char *upd = "{\"id\":2,\"name\":\"b2\",\"tags\":[\"t\"]}\n"
                      "{\"id\":4,\"name\":\"d\",\"tags\":[]}\n";
    tu_put(a.dir, "items.jsonl", upd);
    tu_put(b.dir, "items.jsonl", upd);
    run_def_ok(a.dir, NULL);
    run_def_ok(b.dir, NULL);
    snprintf(sql, sizeof sql, "SELECT string_agg(id || ':' || coalesce(name, '-'), ' ' ORDER BY "
                              "id) FROM ds.items");
    tu_duck_expect(db_a, sql, "1:a \xc3\xbc \xf0\x9f\x98\x80 2:b2 3:- 4:d");
    same_dataset(db_a, db_b);
    env_free(&a);
    env_free(&b);
}

static void test_filesystem_parquet(void **st)
{
    (void)st;
    penv e;
    env_init(&e, "cli-pq-fs", "{ type = \"filesystem\", bucket_url = \"bucket\" }",
             "loader_file_format = \"parquet\"", "\"append\"");
    /* the row counts after the run come from the Parquet footers (newline bytes gave 0 or
     * noise): 3 items, 3 tags in the child table */
    char *out = run_def_ok_out(e.dir, NULL);
    const char *tables = strstr(out, "Tables in dataset");
    assert_non_null(tables);
    const char *items = strstr(tables, "  items ");
    const char *tags = strstr(tables, "  items__tags ");
    if (!items || !tags || strncmp(strchr(items + 2, '\n') - 6, "3 rows", 6) != 0 ||
        strncmp(strchr(tags + 2, '\n') - 6, "3 rows", 6) != 0)
        fail_msg("no Parquet row counts in:\n%s", tables);
    assert_non_null(strstr(tables, "_dlt_loads"));
    free(out);
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(column_name || ':' || column_type, ',') FROM (DESCRIBE SELECT * "
             "FROM read_parquet('%s/bucket/ds/items/*.parquet'))",
             e.dir);
    tu_duck_expect(NULL, sql,
                   "amount:DECIMAL(38,9),tsn:TIMESTAMP,day:DATE,at:TIME,blob:BLOB,w:DOUBLE,"
                   "small:SMALLINT,meta:VARCHAR,id:BIGINT,name:VARCHAR,ts:TIMESTAMP WITH TIME ZONE,"
                   "f:DOUBLE,ok:BOOLEAN,_dlt_load_id:VARCHAR,_dlt_id:VARCHAR");
    snprintf(sql, sizeof sql,
             "SELECT string_agg(id || ':' || coalesce(name, '-') || ':' || coalesce(amount::VARCHAR, "
             "'-') || ':' || coalesce(small::VARCHAR, '-'), ' ' ORDER BY id) FROM "
             "read_parquet('%s/bucket/ds/items/*.parquet')",
             e.dir);
    tu_duck_expect(NULL, sql, "1:a \xc3\xbc \xf0\x9f\x98\x80:12.500000000:7 2:b\"q:-:- "
                   "3:-:-0.000000001:-8");
    /* wei is dlt's filesystem precision (78, 0) -> decimal(76, 0) in 32 bytes */
    snprintf(sql, sizeof sql,
             "SELECT type_length || ' ' || precision FROM parquet_schema('%s/bucket/ds/items/"
             "*.parquet') WHERE name = 'w'",
             e.dir);
    tu_duck_expect(NULL, sql, "32 76");
    /* pages are snappy-compressed, pyarrow's default and so dlt's */
    snprintf(sql, sizeof sql,
             "SELECT string_agg(DISTINCT compression, ',') FROM parquet_metadata('%s/bucket/ds/"
             "*/*.parquet')",
             e.dir);
    tu_duck_expect(NULL, sql, "SNAPPY");
    snprintf(sql, sizeof sql,
             "SELECT string_agg(value, ',' ORDER BY value) FROM "
             "read_parquet('%s/bucket/ds/items__tags/*.parquet')",
             e.dir);
    tu_duck_expect(NULL, sql, "x,y,z");
    /* a second run appends: the counts add up over both files */
    out = run_def_ok_out(e.dir, NULL);
    tables = strstr(out, "Tables in dataset");
    assert_non_null(tables);
    items = strstr(tables, "  items ");
    if (!items || strncmp(strchr(items + 2, '\n') - 6, "6 rows", 6) != 0)
        fail_msg("no Parquet row count over two files in:\n%s", tables);
    free(out);
    env_free(&e);
}

/* dlt's [normalize.data_writer] Parquet settings through the real config lookup (dlt's
 * environment names): row_group_size, data_page_size, version, timestamp_timezone,
 * coerce_timestamps + allow_truncated_timestamps and flavor are carried out (read back with
 * parquet_metadata / parquet_schema / parquet_file_metadata); a truncating coerce without
 * allow_truncated_timestamps fails the run naming the setting. */
static void test_parquet_settings_honored(void **st)
{
    (void)st;
    const char *dest = "{ type = \"filesystem\", bucket_url = \"bucket\" }";
    char sql[4096], glob[1500];
    penv a, b;
    env_init(&a, "cli-pq-set", dest, "loader_file_format = \"parquet\"", "\"append\"");
    const char *set_a[] = {"NORMALIZE__DATA_WRITER__ROW_GROUP_SIZE=2",
                           "NORMALIZE__DATA_WRITER__DATA_PAGE_SIZE=1",
                           "NORMALIZE__DATA_WRITER__VERSION=1.0",
                           "NORMALIZE__DATA_WRITER__TIMESTAMP_TIMEZONE=",
                           "NORMALIZE__DATA_WRITER__COERCE_TIMESTAMPS=ms",
                           "NORMALIZE__DATA_WRITER__ALLOW_TRUNCATED_TIMESTAMPS=true",
                           "NORMALIZE__DATA_WRITER__USE_COMPLIANT_NESTED_TYPE=false",
                           NULL};
    cli_res r = run_def_in(a.dir, set_a);
    if (r.code != 0)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    snprintf(glob, sizeof glob, "%s/bucket/ds/items/*.parquet", a.dir);
    /* 3 rows in row groups of at most 2 */
    snprintf(sql, sizeof sql,
             "SELECT string_agg(DISTINCT row_group_id || ':' || row_group_num_rows, ',' ORDER BY "
             "row_group_id || ':' || row_group_num_rows) FROM parquet_metadata('%s')",
             glob);
    tu_duck_expect(NULL, sql, "0:2,1:1");
    snprintf(sql, sizeof sql, "SELECT format_version FROM parquet_file_metadata('%s')", glob);
    tu_duck_expect(NULL, sql, "1");
    /* timestamps naive (timestamp_timezone ""), stored in ms, the sub-ms digits truncated */
    snprintf(sql, sizeof sql,
             "SELECT logical_type FROM parquet_schema('%s') WHERE name = 'ts'", glob);
    tu_duck_expect(NULL, sql, LT_TS("0", U_MS));
    snprintf(sql, sizeof sql, "SELECT ts::VARCHAR FROM read_parquet('%s') WHERE id = 1", glob);
    tu_duck_expect(NULL, sql, "2024-01-01 10:00:00.123");
    /* data_page_size = 1: one value per page, so more page headers than a default run */
    env_init(&b, "cli-pq-set2", dest, "loader_file_format = \"parquet\"", "\"append\"");
    /* this time from .dlt/config.toml, dlt's file and section */
    char dltdir[1400];
    snprintf(dltdir, sizeof dltdir, "%s/.dlt", b.dir);
    assert_int_equal(mkdir(dltdir, 0755), 0);
    tu_put(dltdir, "config.toml", "[normalize.data_writer]\nrow_group_size = 2\n");
    r = run_def_in(b.dir, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    snprintf(sql, sizeof sql,
             "SELECT (SELECT total_uncompressed_size FROM parquet_metadata('%s/bucket/ds/items/"
             "*.parquet') WHERE row_group_id = 0 AND path_in_schema = 'id') - (SELECT "
             "total_uncompressed_size FROM parquet_metadata('%s/bucket/ds/items/*.parquet') "
             "WHERE row_group_id = 0 AND path_in_schema = 'id') >= 8",
             a.dir, b.dir);
    tu_duck_expect(NULL, sql, "true");
    snprintf(sql, sizeof sql,
             "SELECT logical_type FROM parquet_schema('%s/bucket/ds/items/*.parquet') WHERE "
             "name = 'ts'",
             b.dir);
    tu_duck_expect(NULL, sql, LT_TS("1", U_US));
    env_free(&b);
    env_free(&a);

    /* flavor spark: INT96 timestamps */
    env_init(&a, "cli-pq-spark", dest, "loader_file_format = \"parquet\"", "\"append\"");
    const char *spark[] = {"NORMALIZE__DATA_WRITER__FLAVOR=spark", NULL};
    r = run_def_in(a.dir, spark);
    assert_int_equal(r.code, 0);
    res_free(&r);
    snprintf(sql, sizeof sql,
             "SELECT type FROM parquet_schema('%s/bucket/ds/items/*.parquet') WHERE name = 'ts'",
             a.dir);
    tu_duck_expect(NULL, sql, "INT96");
    env_free(&a);

    /* coerce to ms without allow_truncated_timestamps: the .123456 value fails the run */
    env_init(&a, "cli-pq-trunc", dest, "loader_file_format = \"parquet\"", "\"append\"");
    const char *trunc[] = {"NORMALIZE__DATA_WRITER__COERCE_TIMESTAMPS=ms", NULL};
    r = run_def_in(a.dir, trunc);
    assert_int_not_equal(r.code, 0);
    if (!strstr(r.err, "allow_truncated_timestamps"))
        fail_msg("stderr: %s", r.err);
    res_free(&r);
    env_free(&a);
}

/* Settings cdlt cannot carry out are refused when the pipeline opens, naming the key and
 * what is supported, never ignored. */
static void test_parquet_settings_refused(void **st)
{
    (void)st;
    static const char *const bad[][2] = {
        {"NORMALIZE__DATA_WRITER__FLAVOR=hive", "flavor 'hive'"},
        {"NORMALIZE__DATA_WRITER__VERSION=3.0", "version '3.0'"},
        {"NORMALIZE__DATA_WRITER__DATA_PAGE_SIZE=-1", "data_page_size -1"},
        {"NORMALIZE__DATA_WRITER__ROW_GROUP_SIZE=-5", "row_group_size -5"},
        {"NORMALIZE__DATA_WRITER__TIMESTAMP_TIMEZONE=Europe/Berlin",
         "timestamp_timezone 'Europe/Berlin'"},
        {"NORMALIZE__DATA_WRITER__COERCE_TIMESTAMPS=s", "coerce_timestamps 's'"},
        {"NORMALIZE__DATA_WRITER__COERCE_TIMESTAMPS=ns", "coerce_timestamps 'ns'"},
        {"NORMALIZE__DATA_WRITER__WRITE_PAGE_INDEX=true", "write_page_index true"},
        {"NORMALIZE__DATA_WRITER__USE_CONTENT_DEFINED_CHUNKING=true",
         "use_content_defined_chunking true"},
        {"NORMALIZE__DATA_WRITER__ARROW_CONCAT_PROMOTE_OPTIONS=all",
         "arrow_concat_promote_options 'all'"},
        {"NORMALIZE__DATA_WRITER__ALLOW_TRUNCATED_TIMESTAMPS=maybe",
         "allow_truncated_timestamps"},
        {"NORMALIZE__DATA_WRITER__ROW_GROUPS_SIZE=3", "did you mean 'row_group_size'"},
    };
    penv e;
    env_init(&e, "cli-pq-bad", "{ type = \"filesystem\", bucket_url = \"bucket\" }",
             "loader_file_format = \"parquet\"", "\"append\"");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *envs[] = {bad[i][0], NULL};
        cli_res r = run_def_in(e.dir, envs);
        if (r.code == 0 || !strstr(r.err, bad[i][1]))
            fail_msg("%s: exit %d, stderr: %s", bad[i][0], r.code, r.err);
        res_free(&r);
    }
    /* nothing was loaded */
    char path[1500];
    snprintf(path, sizeof path, "%s/bucket/ds/items", e.dir);
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0);
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duckdb_parquet_equals_default),
        cmocka_unit_test(test_filesystem_parquet),
        cmocka_unit_test(test_parquet_settings_honored),
        cmocka_unit_test(test_parquet_settings_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
