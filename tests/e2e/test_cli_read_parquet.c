/* test_cli_read_parquet.c: the filesystem source's read_parquet with the real cdlt binary, on
 * Parquet files made by DuckDB in the test: a flat file (several chunks of `chunksize` rows,
 * NULLs, unicode, tz-aware and naive timestamps, dates, times) and a nested one (a struct is
 * flattened into parent__child columns, a list of structs becomes a child table, as dlt's
 * normalizer does with pyarrow's dicts), loaded into DuckDB and checked there. */
#include "cli_run.h"

#include <sys/stat.h>

typedef struct renv {
    char *dir;
    char def[1300];
    char pdir[1300];
} renv;

static void ddb(const char *db, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    assert_int_equal(duckdb_open(db, &d), DuckDBSuccess);
    assert_int_equal(duckdb_connect(d, &c), DuckDBSuccess);
    duckdb_result r;
    if (duckdb_query(c, sql, &r) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&r));
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
}

static char *dq(const char *db, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    assert_int_equal(duckdb_open(db, &d), DuckDBSuccess);
    assert_int_equal(duckdb_connect(d, &c), DuckDBSuccess);
    duckdb_result r;
    if (duckdb_query(c, sql, &r) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&r));
    char *v = duckdb_value_varchar(&r, 0, 0);
    char *out = strdup(v ? v : "NULL");
    duckdb_free(v);
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return out;
}

static void dq_expect(const char *db, const char *sql, const char *want)
{
    char *got = dq(db, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", sql, got, want);
    free(got);
}

static void run_ok(const renv *e)
{
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(e->dir), 0);
    const char *args[] = {"run", e->def, "--pipelines-dir", e->pdir, "--progress", "none", NULL};
    cli_res r = run_cli(e->dir, args, NULL);
    assert_int_equal(chdir(cwd), 0);
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
    ddb(NULL, sql);
    const char *text = "pipeline_name = \"rp\"\ndataset_name = \"ds\"\ndestination = \"duckdb\"\n"
                       "[source]\ntype = \"filesystem\"\nbucket_url = \"data\"\n"
                       "file_glob = \"flat.parquet\"\nreader = \"read_parquet\"\n"
                       "reader_args = { chunksize = 7 }\nname = \"flat\"\n";
    snprintf(path, sizeof path, "%s/p.toml", e.dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    run_ok(&e);
    char db[1400];
    snprintf(db, sizeof db, "%s/rp.duckdb", e.dir);
    dq_expect(db, "SELECT count(*) || ' ' || count(name) || ' ' || sum(id) FROM ds.flat",
              "25 19 325");
    dq_expect(db, "SELECT name || ' ' || epoch(ts)::BIGINT || ' ' || typeof(ts) || ' ' || "
                  "epoch_us(tsn) || ' ' || f FROM ds.flat WHERE id = 1",
              "n1 \xc3\xbc 1704103201 TIMESTAMP WITH TIME ZONE 1704103200250000 0.125");
    dq_expect(db, "SELECT typeof(day) || ' ' || day || ' ' || typeof(\"at\") || ' ' || \"at\" FROM "
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
    ddb(NULL, sql);
    const char *text = "pipeline_name = \"rp\"\ndataset_name = \"ds\"\ndestination = \"duckdb\"\n"
                       "[source]\ntype = \"filesystem\"\nbucket_url = \"data\"\n"
                       "file_glob = \"*.parquet\"\nreader = \"read_parquet\"\nname = \"ev\"\n";
    snprintf(path, sizeof path, "%s/p.toml", e.dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    run_ok(&e);
    char db[1400];
    snprintf(db, sizeof db, "%s/rp.duckdb", e.dir);
    dq_expect(db, "SELECT string_agg(id || ':' || actor__login || ':' || actor__org__name, ' ' "
                  "ORDER BY id) FROM ds.ev",
              "1:u1:o 2:u2:o 3:u3:o");
    dq_expect(db, "SELECT count(*) || ' ' || count(n) || ' ' || min(sha) FROM ds.ev__commits",
              "6 3 s1");
    dq_expect(db, "SELECT count(*) FROM ds.ev__labels", "6");
    tu_rm_rf(e.dir);
    free(e.dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_parquet),
        cmocka_unit_test(test_read_parquet_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
