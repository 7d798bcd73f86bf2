/* case_sql_pg.c: cases 62 and 63, PostgreSQL source: `cdlt run` of a sql_database definition
 * (extract + normalize + load, a fresh pipeline each time) reading one PostgreSQL table into
 *   62 pg_pg:     PostgreSQL (another schema of the same server)
 *   63 pg_duckdb: a fresh DuckDB file
 * for two tables: `num5`, 2 x --size rows of 5 numeric columns, and `wide20`, --size rows of 20
 * mixed-type columns (ints, numerics, double, real, varchar/text, bool, date, time, timestamp,
 * timestamptz, uuid, jsonb, bytea, NULLs). The reference of issue 13, measured in the same run
 * for each table: `COPY (SELECT * FROM t) TO STDOUT (FORMAT binary)` on one connection piped
 * through this process into `COPY copy FROM STDIN (FORMAT binary)` on a second one (an empty
 * copy of the table, one transaction): binary on both sides is the fastest plain pipe (no text
 * formatting or parsing of numbers and timestamps), so the ratio is against the best case.
 * Next to it the literal reference, the same pipe in PostgreSQL's default text format
 * (`COPY (SELECT * FROM t) TO STDOUT` into `COPY copy FROM STDIN`): pipe_text_* keys.
 * Case 62 also runs both tables with destination.postgres.create_indexes = false (rows named
 * pg_pg_noidx_*): dlt's UNIQUE constraint on the random _dlt_id is most of the server's load
 * time. Server: CDLT_BENCH_PG_URL, else CDLT_TEST_PG_URL, else a private one via scripts/testdb.
 * Checksum: rows and sum(id) in the destination equal the source's. */
#include "bench.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The reference pipe: COPY out of src.t into an empty copy ref.t, one transaction, both sides
 * in binary or both in PostgreSQL's default text format. */
static double pipe_copy(const char *url, const char *table, bool binary, long long *rows)
{
    PGconn *in = PQconnectdb(url), *out = PQconnectdb(url);
    double t = -1;
    char sql[512];
    if (PQstatus(in) != CONNECTION_OK || PQstatus(out) != CONNECTION_OK) {
        fprintf(stderr, "sql_pg bench: cannot connect: %s\n", PQerrorMessage(in));
        goto done;
    }
    PQclear(PQexec(out, "SET client_min_messages = warning"));
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS bench_ref.%s; CREATE TABLE bench_ref.%s "
             "(LIKE bench_src.%s INCLUDING ALL)", table, table, table);
    if (!bench_pg_exec("sql_pg bench", out, sql))
        goto done;
    double t0 = bench_now();
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM bench_src.%s) TO STDOUT%s", table,
             binary ? " (FORMAT binary)" : "");
    PGresult *r = PQexec(in, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        fprintf(stderr, "sql_pg bench: %s: %s\n", sql, PQresultErrorMessage(r));
        PQclear(r);
        goto done;
    }
    PQclear(r);
    bench_pg_exec("sql_pg bench", out, "BEGIN");
    snprintf(sql, sizeof sql, "COPY bench_ref.%s FROM STDIN%s", table,
             binary ? " (FORMAT binary)" : "");
    r = PQexec(out, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        fprintf(stderr, "sql_pg bench: %s: %s\n", sql, PQresultErrorMessage(r));
        PQclear(r);
        goto done;
    }
    PQclear(r);
    char *row;
    int len;
    while ((len = PQgetCopyData(in, &row, 0)) > 0) {
        PQputCopyData(out, row, len);
        PQfreemem(row);
    }
    while ((r = PQgetResult(in)) != NULL)
        PQclear(r);
    PQputCopyEnd(out, NULL);
    *rows = -1;
    while ((r = PQgetResult(out)) != NULL) {
        if (PQresultStatus(r) == PGRES_COMMAND_OK)
            *rows = strtoll(PQcmdTuples(r), NULL, 10);
        else
            fprintf(stderr, "sql_pg bench: reference COPY: %s\n", PQresultErrorMessage(r));
        PQclear(r);
    }
    bench_pg_exec("sql_pg bench", out, "COMMIT");
    t = bench_now() - t0;
done:
    PQfinish(in);
    PQfinish(out);
    return t;
}

static int make_tables(PGconn *c, uint64_t n)
{
    char sql[4096];
    if (!bench_pg_exec("sql_pg bench", c, "SET client_min_messages = warning") ||
        !bench_pg_exec("sql_pg bench", c, "DROP SCHEMA IF EXISTS bench_src CASCADE; CREATE SCHEMA bench_src;"
                    "DROP SCHEMA IF EXISTS bench_ref CASCADE; CREATE SCHEMA bench_ref") ||
        !bench_pg_exec("sql_pg bench", c, "CREATE TABLE bench_src.num5 (id bigint PRIMARY KEY, a integer, b bigint,"
                    " c double precision, d numeric(12,2))") ||
        !bench_pg_exec("sql_pg bench", c, "CREATE TABLE bench_src.wide20 (id bigint PRIMARY KEY, i1 integer, i2 bigint,"
                    " i3 smallint, d1 numeric(12,2), d2 numeric(18,6), f1 double precision,"
                    " f2 real, s1 varchar(32), s2 varchar(64), s3 text, s4 text, b1 boolean,"
                    " t1 timestamp, t2 timestamptz, dt date, tm time, u1 uuid, j1 jsonb,"
                    " by1 bytea)"))
        return -1;
    double g0 = bench_now();
    snprintf(sql, sizeof sql,
             "INSERT INTO bench_src.num5 SELECT g, (g * 7) %% 1000003, g * 1234567,"
             " g / 3.0::float8, ((g %% 100000) / 100.0)::numeric(12,2)"
             " FROM generate_series(1::bigint, %llu) g",
             (unsigned long long)(2 * n));
    if (!bench_pg_exec("sql_pg bench", c, sql))
        return -1;
    snprintf(sql, sizeof sql,
             "INSERT INTO bench_src.wide20 SELECT g, (g * 7) %% 1000003, g * 1234567,"
             " CASE WHEN g %% 10 = 0 THEN NULL ELSE (g %% 30000)::smallint END,"
             " ((g %% 100000) / 100.0)::numeric(12,2), (g / 7.0)::numeric(18,6), g / 3.0::float8,"
             " ((g %% 1000) / 8.0)::real, 'name-' || g, 'user' || (g %% 5000) || '@example.com',"
             " (ARRAY['open','closed','merged','draft'])[1 + g %% 4],"
             " repeat('lorem ipsum ', 1 + (g %% 8)::int), g %% 2 = 0,"
             " timestamp '2020-01-01' + g * interval '1.000003 second',"
             " timestamptz '2021-06-01 00:00:00+00' + g * interval '1 second',"
             " date '2000-01-01' + (g %% 9000)::int, time '00:00' + (g %% 86400) * interval '1 second',"
             " md5(g::text)::uuid, jsonb_build_object('k', g, 'tag', 't' || (g %% 10)),"
             " CASE WHEN g %% 3 = 0 THEN NULL ELSE int8send(g) END"
             " FROM generate_series(1::bigint, %llu) g",
             (unsigned long long)n);
    if (!bench_pg_exec("sql_pg bench", c, sql) || !bench_pg_exec("sql_pg bench", c, "ANALYZE bench_src.num5; ANALYZE bench_src.wide20"))
        return -1;
    fprintf(stderr, "# sql_pg: %llu + %llu rows generated in %.1f s\n",
            (unsigned long long)(2 * n), (unsigned long long)n, bench_now() - g0);
    return 0;
}

/* Before each CLI run: both reference pipes (the best of the runs is kept), then no
 * destination left from the last run (PostgreSQL schema, DuckDB file). */
typedef struct refs {
    PGconn *c;            /* the bench's own connection */
    const char *url;      /* server */
    const char *table;    /* num5 or wide20 */
    const char *db;       /* the DuckDB destination file */
    long long want_rows;  /* rows of the source table */
    double best[2];       /* best seconds: [0] binary pipe, [1] text pipe */
} refs;

static int before_run(void *ud)
{
    refs *r = ud;
    for (int k = 0; k < 2; k++) {
        long long ref_rows = 0;
        double t = pipe_copy(r->url, r->table, k == 0, &ref_rows);
        if (t < 0 || ref_rows != r->want_rows) {
            fprintf(stderr, "sql_pg bench: %s reference copied %lld rows of %lld\n",
                    k == 0 ? "binary" : "text", ref_rows, r->want_rows);
            return 1;
        }
        if (t < r->best[k])
            r->best[k] = t;
    }
    bench_pg_exec("sql_pg bench", r->c, "DROP SCHEMA IF EXISTS bench_dst CASCADE");
    bench_rm_rf(r->db);
    return 0;
}

/* noidx: destination.postgres.create_indexes = false (no UNIQUE constraint on _dlt_id) */
static int one_table(bench_ctx *ctx, PGconn *c, const char *url, const bench_work *w, bool to_pg,
                     bool noidx, const char *table, long long want_rows)
{
    char db[1300], sql[256];
    snprintf(db, sizeof db, "%s/out.duckdb", w->dir);
    long long want_sum = want_rows * (want_rows + 1) / 2;
    refs r = {c, url, table, db, want_rows, {1e30, 1e30}};
    bench_cli_spec spec = {.tag = "sql_pg bench", .def = w->def, .pdir = w->pdir, .out = w->out,
                           .stderr_too = true,
                           .env = noidx ? "DESTINATION__POSTGRES__CREATE_INDEXES=false" : NULL,
                           .before = before_run, .ud = &r};
    bench_cli_best b = {.run.seconds = -1};
    int rc = bench_write_file(w->def,
                              "pipeline_name = \"bench_sql_pg\"\n"
                              "destination = \"%s\"\n"
                              "credentials = \"%s\"\n"
                              "dataset_name = \"bench_dst\"\n"
                              "source = { type = \"sql_database\", credentials = \"%s\","
                              " schema = \"bench_src\", table_names = [\"%s\"] }\n",
                              to_pg ? "postgres" : "duckdb", to_pg ? url : db, url, table) != 0 ||
             bench_cli_best_of(ctx, &spec, &b) != 0;
    long long rows = -1, sum = -1;
    if (rc == 0 && to_pg) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM bench_dst.%s", table);
        rows = bench_pg_value("sql_pg bench", c, sql);
        snprintf(sql, sizeof sql, "SELECT sum(id) FROM bench_dst.%s", table);
        sum = bench_pg_value("sql_pg bench", c, sql);
    } else if (rc == 0) {
        snprintf(sql, sizeof sql, "bench_dst.%s", table);
        if (bench_duckdb_count_sum("sql_pg bench", db, sql, &rows, &sum) != 0)
            rc = 1;
    }
    if (rc == 0 && (rows != want_rows || sum != want_sum)) {
        fprintf(stderr, "sql_pg bench: CHECKSUM MISMATCH in %s: %lld rows (sum %lld) for %lld "
                "(sum %lld)\n", table, rows, sum, want_rows, want_sum);
        rc = 1;
    }
    if (rc == 0) {
        double best = b.run.seconds, bin = r.best[0], text = r.best[1];
        char name[64], extra[640];
        snprintf(name, sizeof name, "%s_%s",
                 to_pg ? (noidx ? "pg_pg_noidx" : "pg_pg") : "pg_duckdb", table);
        snprintf(extra, sizeof extra,
                 "rows_s=%.0f extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f "
                 "pipe_binary_s=%.3f pipe_rows_s=%.0f ratio_rows_s=%.2f pipe_text_s=%.3f "
                 "pipe_text_rows_s=%.0f ratio_text_rows_s=%.2f checksum=%lld",
                 bench_ratio((double)rows, best), b.phase[0], b.phase[1], b.phase[2],
                 (double)b.run.rss_kb / 1024.0, bin, bench_ratio((double)rows, bin),
                 bench_ratio(bin, best), text, bench_ratio((double)rows, text),
                 bench_ratio(text, best), sum);
        bench_report(ctx, name, (uint64_t)rows, 0, best, extra);
    }
    bench_cli_best_free(&b);
    return rc;
}

static int run_sql_pg(bench_ctx *ctx, bool to_pg)
{
    bench_work w;
    if (bench_work_open(ctx, "sql_pg", "def.toml", &w) != 0)
        return 1;
    char url[512];
    bool own_server = false;
    static const char *const envs[] = {"CDLT_BENCH_PG_URL", "CDLT_TEST_PG_URL", NULL};
    if (bench_db_url("sql_pg bench", envs, w.dir, "CDLT_TEST_PG_URL", url, sizeof url,
                     &own_server) != 0) {
        bench_db_release("sql_pg bench", w.dir, own_server);
        bench_work_close(&w);
        return 1;
    }
    int rc = 1;
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "sql_pg bench: cannot connect: %s\n", PQerrorMessage(c));
        goto done;
    }
    if (make_tables(c, ctx->records) != 0)
        goto done;
    rc = one_table(ctx, c, url, &w, to_pg, false, "num5", (long long)(2 * ctx->records));
    if (rc == 0)
        rc = one_table(ctx, c, url, &w, to_pg, false, "wide20", (long long)ctx->records);
    /* dlt's UNIQUE constraint on _dlt_id (create_indexes = true) is most of PostgreSQL's
     * load time here: the same without it */
    if (rc == 0 && to_pg)
        rc = one_table(ctx, c, url, &w, to_pg, true, "num5", (long long)(2 * ctx->records));
    if (rc == 0 && to_pg)
        rc = one_table(ctx, c, url, &w, to_pg, true, "wide20", (long long)ctx->records);
    bench_pg_exec("sql_pg bench", c,
                  "DROP SCHEMA IF EXISTS bench_src CASCADE; DROP SCHEMA IF EXISTS bench_ref "
                  "CASCADE; DROP SCHEMA IF EXISTS bench_dst CASCADE");
done:
    PQfinish(c);
    bench_db_release("sql_pg bench", w.dir, own_server);
    bench_work_close(&w);
    return rc;
}

static int run_pg_pg(bench_ctx *ctx) { return run_sql_pg(ctx, true); }
static int run_pg_duckdb(bench_ctx *ctx) { return run_sql_pg(ctx, false); }

BENCH_CASE(62, "pg_pg",
           "sql_database: PostgreSQL num5 (2 x size rows) and wide20 (size rows) -> PostgreSQL "
           "(cdlt run) vs COPY TO STDOUT piped into COPY FROM STDIN (binary and text)",
           run_pg_pg)
BENCH_CASE(63, "pg_duckdb",
           "sql_database: PostgreSQL num5 and wide20 -> DuckDB (cdlt run) vs the same COPY "
           "pipes into PostgreSQL",
           run_pg_duckdb)
