/* test_fs_rows_incremental.c: dlt's incremental on the ROWS of a filesystem reader
 * (`(filesystem(...) | read_jsonl()).apply_hints(incremental=...)`), written as the pipe's
 * `reader_incremental`, with the real cdlt binary and a real DuckDB file, over two runs with
 * files changing between them. The expected rows are what dlt 1.26 loads for the same files
 * (checked with the dlt rig on read_jsonl: dlt's read_csv needs pandas): rows past the last
 * value, rows at it only when new (boundary dedup by row hash), nothing before it; the file
 * listing's own cursor (incremental on modification_date) still skips unchanged files; both
 * states under resources.<name>.incremental; row_order never stops a reader pipe (dlt does not
 * close a pipe that has a parent); the cursor column carries dlt's `incremental` hint. */
#include "../sql/sqlt.h"

#include <sys/stat.h>
#include <sys/time.h>

static void set_mtime(const char *path, time_t t)
{
    struct timeval tv[2] = {{t, 0}, {t, 0}};
    assert_int_equal(utimes(path, tv), 0);
}

static void put(const sqlt *t, const char *rel, const char *text, time_t mtime, char *out,
                size_t cap)
{
    char dir[1300];
    snprintf(dir, sizeof dir, "%s/in", t->dir);
    mkdir(dir, 0755);
    snprintf(out, cap, "%s/in/%s", t->dir, rel);
    write_text(out, text);
    set_mtime(out, mtime);
}

/* state.json of the pipeline, whitespace removed */
static char *state_of(const sqlt *t, const char *pipeline)
{
    char spath[1400];
    snprintf(spath, sizeof spath, "%s/%s/state.json", t->pdir, pipeline);
    size_t sl = 0;
    char *s = tu_read_file(spath, &sl);
    assert_non_null(s);
    /* compact (no value here holds a space) so the checks read as one line */
    size_t k = 0;
    for (size_t i = 0; s[i]; i++)
        if (s[i] != ' ' && s[i] != '\n')
            s[k++] = s[i];
    s[k] = 0;
    return s;
}

/* dlt's two-run scenario on read_jsonl, row for row */
static void test_jsonl_two_runs(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fsri_jsonl");
    char p[1400];
    time_t t0 = 1700000000;
    put(&t, "a.jsonl",
        "{\"id\":1,\"updated_at\":\"2024-01-01\"}\n{\"id\":2,\"updated_at\":\"2024-01-03\"}\n"
        "{\"id\":3,\"updated_at\":\"2024-01-03\"}\n{\"id\":9,\"updated_at\":\"2024-01-02\"}\n",
        t0, p, sizeof p);
    sqlt_def(&t, "fsri_jsonl",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.jsonl\"\n"
             "reader = \"read_jsonl\"\nname = \"rows\"\n"
             "reader_incremental = {cursor_path = \"updated_at\", initial_value = "
             "\"2024-01-02\"}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows", "2,3,9");
    /* a.jsonl gains an older row (4), a newer one (5) and a new row at the boundary (6); the
     * rows 2 and 3 at the boundary were loaded already; b.jsonl is new */
    put(&t, "a.jsonl",
        "{\"id\":1,\"updated_at\":\"2024-01-01\"}\n{\"id\":2,\"updated_at\":\"2024-01-03\"}\n"
        "{\"id\":3,\"updated_at\":\"2024-01-03\"}\n{\"id\":9,\"updated_at\":\"2024-01-02\"}\n"
        "{\"id\":4,\"updated_at\":\"2024-01-02\"}\n{\"id\":5,\"updated_at\":\"2024-01-05\"}\n"
        "{\"id\":6,\"updated_at\":\"2024-01-03\"}\n",
        t0 + 10, p, sizeof p);
    put(&t, "b.jsonl",
        "{\"id\":7,\"updated_at\":\"2024-01-04\"}\n{\"id\":8,\"updated_at\":\"2024-01-01\"}\n",
        t0 + 10, p, sizeof p);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows",
                "2,3,5,6,7,9");
    char *s = state_of(&t, "fsri_jsonl");
    if (!strstr(s, "\"rows\":{\"incremental\":{\"updated_at\":{\"initial_value\":\"2024-01-02\","
                   "\"last_value\":\"2024-01-05\""))
        fail_msg("state: %s", s);
    free(s);
    /* dlt marks the cursor column in the schema (incremental: true) */
    expect_text(t.db, "SELECT json_extract(schema::JSON, '$.tables.rows.columns.updated_at."
                      "incremental') FROM d._dlt_version ORDER BY inserted_at DESC LIMIT 1",
                "true");
    /* a third run without changes loads nothing */
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT count(*) FROM d.rows", "6");
    sqlt_free(&t);
}

/* read_csv: the cursor is a number after dlt's CSV typing (as text "9" > "10" and 10 would be
 * lost), and the listing's cursor on modification_date runs too */
static void test_csv_numbers_and_listing(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fsri_csv");
    char p[1400];
    time_t t0 = 1700000000;
    put(&t, "a.csv", "id,seq\n1,3\n2,9\n3,10\n", t0, p, sizeof p);
    put(&t, "c.csv", "id,seq\n20,8\n", t0, p, sizeof p);
    sqlt_def(&t, "fsri_csv",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv\"\n"
             "reader = \"read_csv\"\nname = \"rows\"\n"
             "incremental = {cursor_path = \"modification_date\"}\n"
             "reader_incremental = {cursor_path = \"seq\", initial_value = 5}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows", "2,3,20");
    /* a.csv modified: an older row, a newer one, a new one at the boundary (10) and the old
     * boundary row again; b.csv new; c.csv unchanged (not read); c2.csv new but older than
     * the listing's last value (not read, as in dlt, although its row is past the cursor) */
    put(&t, "a.csv", "id,seq\n1,3\n2,9\n3,10\n4,7\n5,11\n6,10\n", t0 + 100, p, sizeof p);
    put(&t, "b.csv", "id,seq\n7,12\n8,2\n", t0 + 50, p, sizeof p);
    put(&t, "c2.csv", "id,seq\n21,99\n", t0 - 100, p, sizeof p);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows",
                "2,3,5,6,7,20");
    expect_text(t.db, "SELECT typeof(seq) FROM d.rows LIMIT 1", "BIGINT");
    char *s = state_of(&t, "fsri_csv");
    if (!strstr(s, "\"modification_date\":{") || !strstr(s, "\"seq\":{\"initial_value\":5,"
                                                             "\"last_value\":12"))
        fail_msg("state: %s", s);
    free(s);
    sqlt_free(&t);
}

/* Timestamps from CSV text, a primary key as the dedup key, and an end_value window with
 * row_order: rows past end_value are dropped but reading goes on (dlt does not close a pipe
 * with a parent), and the state stays as it was */
static void test_csv_timestamps_window(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fsri_ts");
    char p[1400];
    time_t t0 = 1700000000;
    put(&t, "a.csv",
        "id,ts\n1,2024-01-01T10:00:00Z\n2,2024-01-05T00:00:00Z\n3,2024-01-02T08:30:00Z\n", t0,
        p, sizeof p);
    put(&t, "b.csv", "id,ts\n4,2024-01-02T09:00:00Z\n5,2023-12-31T23:59:59Z\n", t0, p,
        sizeof p);
    sqlt_def(&t, "fsri_ts",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv\"\n"
             "reader = \"read_csv\"\nreader_args = {chunksize = 1}\nname = \"rows\"\n"
             "primary_key = \"id\"\n"
             "reader_incremental = {cursor_path = \"ts\", initial_value = "
             "\"2024-01-01T10:00:00Z\", end_value = \"2024-01-04T00:00:00Z\", row_order = "
             "\"asc\"}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows", "1,3,4");
    expect_text(t.db, "SELECT typeof(ts) FROM d.rows LIMIT 1", "TIMESTAMP WITH TIME ZONE");
    char *s = state_of(&t, "fsri_ts");
    if (strstr(s, "\"ts\":{"))
        fail_msg("an end_value window must not save the cursor: %s", s);
    free(s);
    /* without the window: the last value is 2024-01-05; a row at it with a known primary
     * key is dropped at the boundary, one with a new key is loaded */
    sqlt_def(&t, "fsri_ts",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv\"\n"
             "reader = \"read_csv\"\nname = \"rows\"\nprimary_key = \"id\"\n"
             "write_disposition = \"append\"\n"
             "reader_incremental = {cursor_path = \"ts\", initial_value = "
             "\"2024-01-03T00:00:00Z\"}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows", "1,2,3,4");
    put(&t, "b.csv",
        "id,ts\n4,2024-01-02T09:00:00Z\n2,2024-01-05T00:00:00Z\n6,2024-01-05T00:00:00Z\n", t0 + 1,
        p, sizeof p);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows",
                "1,2,3,4,6");
    sqlt_free(&t);
}

/* read_parquet: the cursor on a Parquet DATE column (typed values, not text) */
static void test_parquet_dates(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fsri_pq");
    char dir[1300], sql[2048], gen[1300];
    snprintf(dir, sizeof dir, "%s/in", t.dir);
    mkdir(dir, 0755);
    snprintf(gen, sizeof gen, "%s/gen.duckdb", t.dir);
    snprintf(sql, sizeof sql,
             "COPY (SELECT i AS id, DATE '2024-01-01' + i::INT AS d FROM range(10) t(i)) "
             "TO '%s/a.parquet' (FORMAT parquet)", dir);
    assert_int_equal(pt_query_int(gen, sql), 10);
    sqlt_def(&t, "fsri_pq",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.parquet\"\n"
             "reader = \"read_parquet\"\nreader_args = {chunksize = 3}\nname = \"rows\"\n"
             "reader_incremental = {cursor_path = \"d\", initial_value = \"2024-01-08\"}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows", "7,8,9");
    snprintf(sql, sizeof sql,
             "COPY (SELECT i AS id, DATE '2024-01-01' + i::INT AS d FROM range(5, 14) t(i)) "
             "TO '%s/b.parquet' (FORMAT parquet)", dir);
    assert_int_equal(pt_query_int(gen, sql), 9);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM d.rows",
                "7,8,9,10,11,12,13");
    expect_text(t.db, "SELECT typeof(d) FROM d.rows LIMIT 1", "DATE");
    sqlt_free(&t);
}

/* the FileItems table of a pipe with a cursor on the listing: modification_date is marked as
 * dlt marks the cursor column of any resource; a dotted cursor path marks nothing (dlt names
 * only a bare column) */
static void test_listing_cursor_hint(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fsri_hint");
    char p[1400];
    put(&t, "a.jsonl", "{\"id\":1,\"m\":{\"at\":3}}\n", 1700000000, p, sizeof p);
    sqlt_def(&t, "fsri_hint",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n"
             "resources = [{name = \"files\", incremental = {cursor_path = "
             "\"modification_date\"}}, {name = \"rows\", reader = \"read_jsonl\", "
             "reader_incremental = {cursor_path = \"m.at\"}}]\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT json_extract(schema::JSON, '$.tables.files.columns."
                      "modification_date.incremental') FROM d._dlt_version ORDER BY "
                      "inserted_at DESC LIMIT 1",
                "true");
    expect_text(t.db, "SELECT json_extract(schema::JSON, '$.tables.rows.columns') LIKE "
                      "'%incremental%' FROM d._dlt_version ORDER BY inserted_at DESC LIMIT 1",
                "false");
    sqlt_free(&t);
}

static void test_definition_errors(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fsri_def");
    struct {
        const char *src;  /* [source] body */
        const char *want; /* part of the message */
    } cases[] = {
        {"bucket_url = \"in\"\nreader_incremental = {cursor_path = \"x\"}\n", "filters the rows of a reader"},
        {"bucket_url = \"in\"\nreader = \"read_csv\"\nreader_incremental = \"x\"\n",
         "a table of dlt's incremental arguments"},
        {"bucket_url = \"in\"\nreader = \"read_csv\"\nreader_incremental = {cursor_path = "
         "\"x\", last_value_fn = \"max\"}\n",
         "last_value_fn"},
        {"bucket_url = \"in\"\nreader = \"read_csv\"\nincremental = {cursor_path = "
         "\"modification_date\"}\nreader_incremental = {cursor_path = \"modification_date\"}\n",
         "both use cursor_path 'modification_date'"},
        {"bucket_url = \"in\"\nreader = \"read_csv\"\nreader_incremental = {cursor_pat = "
         "\"x\"}\n",
         "reader_incremental"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src, "[source]\ntype = \"filesystem\"\n%s", cases[i].src);
        sqlt_expect_error(&t, "fsri_def", src, cases[i].want, NULL);
    }
    sqlt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_two_runs),        cmocka_unit_test(test_csv_numbers_and_listing),
        cmocka_unit_test(test_csv_timestamps_window), cmocka_unit_test(test_parquet_dates),
        cmocka_unit_test(test_listing_cursor_hint),   cmocka_unit_test(test_definition_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
