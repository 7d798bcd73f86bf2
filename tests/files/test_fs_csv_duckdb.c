/* test_fs_csv_duckdb.c: dlt's read_csv_duckdb reader end to end (real cdlt binary, real DuckDB
 * file) on the golden files of tests/files/csvduck/: DuckDB's sniffed types land as the dlt
 * types dlt gives the Python values DuckDB returns (BIGINT -> bigint, DOUBLE -> double,
 * BOOLEAN -> bool, DATE -> date, TIME -> time, TIMESTAMP / TIMESTAMPTZ -> timestamp, VARCHAR ->
 * text), plain, .gz and .zst (told by their bytes, as the other readers), pages of chunk_size
 * rows, DuckDB's read_csv options passed through (sep, quote, escape, comment, header, columns,
 * and DuckDB's Python names delimiter / decimal / dtype), dlt's filename column, and unknown
 * keys failing with their name. The S3 case is in test_fs_s3_parquet.c. */
#include "../sql/sqlt.h"

#include <sys/stat.h>

/* copy golden file `name` into <t>/in/<as> */
static void golden(const sqlt *t, const char *name, const char *as)
{
    char rel[300], dst[1400], dir[1300];
    snprintf(rel, sizeof rel, "tests/files/csvduck/%s", name);
    const char *src = tu_source_path(rel);
    snprintf(dir, sizeof dir, "%s/in", t->dir);
    mkdir(dir, 0755);
    snprintf(dst, sizeof dst, "%s/%s", dir, as);
    size_t n = 0;
    char *b = tu_read_file(src, &n);
    assert_non_null(b);
    assert_int_equal(tu_write_file(dst, b, n), 0);
    free(b);
}

static const char *COLS = "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
                          "ordinal_position) FROM information_schema.columns WHERE "
                          "table_name = 'rows' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'";

static void test_types_plain_and_gz(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_cdk");
    golden(&t, "types.csv", "a.csv");
    golden(&t, "types_gz.csv.gz", "b.csv.gz");
    golden(&t, "types_zst.csv.zst", "c.csv.zst");
    sqlt_def(&t, "fs_cdk",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv*\"\n"
             "reader = \"read_csv_duckdb\"\nreader_args = {chunk_size = 2}\nname = \"rows\"\n");
    sqlt_run_ok(&t);
    expect_text(t.db, COLS,
                "id:BIGINT,score:DOUBLE,ok:BOOLEAN,day:DATE,ts:TIMESTAMP WITH TIME ZONE,"
                "ts_tz:TIMESTAMP WITH TIME ZONE,clock:TIME,name:VARCHAR,note:VARCHAR");
    expect_text(t.db, "SELECT count(*) || '/' || count(DISTINCT _dlt_load_id) FROM d.rows",
                "9/1");
    expect_text(t.db,
                "SELECT string_agg(concat_ws('|', id, score, ok, day, "
                "strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), "
                "strftime(ts_tz AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'), clock, name, "
                "coalesce(note, 'NULL')), ';' ORDER BY id) FROM (SELECT DISTINCT * EXCLUDE "
                "(_dlt_id, _dlt_load_id) FROM d.rows)",
                "1|1.5|true|2024-01-02|2024-01-02 10:00:00|2024-01-02 08:00:00|08:30:00|Smith, "
                "J|NULL;2|2.0|false|2024-02-29|2024-03-01 00:00:01|2024-03-01 00:00:00|23:59:59|"
                "say \"hi\"|x;3|true|NULL");
    /* a DECIMAL asked for through DuckDB's Python name dtype: dlt gets Decimal values, so
     * a decimal column at the destination's default precision */
    sqlt_def(&t, "fs_cdk",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"a.csv\"\n"
             "reader = \"read_csv_duckdb\"\nname = \"dec\"\n"
             "reader_args = {dtype = {score = \"DECIMAL(10,2)\"}}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT any_value(typeof(score)) || ' ' || sum(score) FROM d.dec",
                "DECIMAL(38,9) 3.500000000");
    sqlt_free(&t);
}

static void test_options_pass_through(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_cdo");
    golden(&t, "semi.csv", "semi.csv");
    sqlt_def(&t, "fs_cdo",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"semi.csv\"\n"
             "reader = \"read_csv_duckdb\"\nname = \"rows\"\n"
             "reader_args = {delimiter = \";\", quote = \"'\", escape = \"\\\\\", "
             "comment = \"#\", decimal = \",\", header = true, filename = true}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, COLS, "code:VARCHAR,label:VARCHAR,amount:DOUBLE,filename:VARCHAR");
    expect_text(t.db,
                "SELECT string_agg(concat_ws('|', code, label, amount, filename), ';' ORDER BY "
                "code) FROM d.rows",
                "A;1|it's|1.5|semi.csv;B|plain|2.25|semi.csv");
    /* columns given (no sniffing of names/types), header line skipped by skip */
    sqlt_def(&t, "fs_cdo",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"semi.csv\"\n"
             "reader = \"read_csv_duckdb\"\nname = \"rows2\"\n"
             "reader_args = {sep = \";\", quotechar = \"'\", escapechar = \"\\\\\", skip = 2, "
             "header = false, columns = {k = \"VARCHAR\", l = \"VARCHAR\", m = \"VARCHAR\"}}\n");
    sqlt_run_ok(&t);
    expect_text(t.db,
                "SELECT string_agg(k || '|' || l || '|' || m, ';' ORDER BY k) FROM d.rows2",
                "A;1|it's|1,5;B|plain|2,25");
    sqlt_free(&t);
}

/* reader_incremental on a DATE column DuckDB typed: the second run keeps newer rows and new
 * rows at the last value (6), not the old boundary row (2) nor older rows (1, 4) */
static void test_rows_incremental(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_cdi");
    golden(&t, "types.csv", "a.csv");
    sqlt_def(&t, "fs_cdi",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv\"\n"
             "reader = \"read_csv_duckdb\"\nname = \"rows\"\n"
             "reader_incremental = {cursor_path = \"day\", initial_value = \"2024-01-01\", "
             "on_cursor_value_missing = \"exclude\"}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows", "1,2");
    char p[1400];
    snprintf(p, sizeof p, "%s/in/b.csv", t.dir);
    write_text(p, "id,day\n4,2024-02-28\n5,2024-03-01\n6,2024-02-29\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows", "1,2,5,6");
    sqlt_free(&t);
}

static void test_errors(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_cde");
    golden(&t, "types.csv", "a.csv");
    char p[1400];
    snprintf(p, sizeof p, "%s/in/fake.csv.gz", t.dir);
    write_text(p, "id\n1\n");
    struct {
        const char *src;  /* [source] body */
        const char *want; /* part of the message */
    } cases[] = {
        {"reader_args = {delimeter = \";\"}\n", "did you mean 'delimiter'"},
        {"reader_args = {chunksize = 5}\n", "unknown key 'source.reader_args.chunksize'"},
        {"reader_args = {use_pyarrow = true}\n", "use_pyarrow"},
        {"reader_args = {chunk_size = 0}\n", "chunk_size"},
        /* DuckDB's own refusal names the option */
        {"reader_args = {sep = \";\", delim = \",\"}\n", "delim and sep"},
        {"file_glob = \"fake.csv.gz\"\n", "not gzip"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src,
                 "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nreader = "
                 "\"read_csv_duckdb\"\n%s%s",
                 strstr(cases[i].src, "file_glob") ? "" : "file_glob = \"a.csv\"\n",
                 cases[i].src);
        sqlt_expect_error(&t, "fs_cde", src, cases[i].want, NULL);
    }
    sqlt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_plain_and_gz),
        cmocka_unit_test(test_options_pass_through),
        cmocka_unit_test(test_rows_incremental),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
