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
 * Case 62 also runs both tables with destination.postgres.create_indexes = false (rows named
 * pg_pg_noidx_*): dlt's UNIQUE constraint on the random _dlt_id is most of the server's load
 * time. Server: CDLT_BENCH_PG_URL, else CDLT_TEST_PG_URL, else a private one via scripts/testdb.
 * Checksum: rows and sum(id) in the destination equal the source's. */
#include "bench.h"

#include "json/json.h"

#include <duckdb.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "sql_pg bench: command failed (%d): %s\n", rc, cmd);
    return rc;
}

static int exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "sql_pg bench: %.200s: %s\n", sql, PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

static long long query_ll(PGconn *c, const char *sql, int col)
{
    PGresult *r = PQexec(c, sql);
    long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                      ? strtoll(PQgetvalue(r, 0, col), NULL, 10)
                      : -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "sql_pg bench: %s: %s\n", sql, PQresultErrorMessage(r));
    PQclear(r);
    return v;
}

/* `cdlt run def` in a child (with env "K=V" when given): wall seconds (-1 on failure) and its
 * peak RSS (KB). */
static double run_cli(const char *bin, const char *def, const char *pdir, const char *log,
                      char *env, long *rss_kb)
{
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen(log, "w", stdout) || !freopen(log, "a", stderr))
            _exit(127);
        if (env)
            putenv(env);
        execl(bin, bin, "run", def, "--pipelines-dir", pdir, "--progress", "none", "--json",
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    double t = bench_now() - t0;
    *rss_kb = ru.ru_maxrss;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "sql_pg bench: cdlt run failed (status %d), see %s\n", status, log);
        return -1;
    }
    return t;
}

/* seconds of the phases in the --json load info printed to `log` */
static void phases(const char *log, double out[3])
{
    out[0] = out[1] = out[2] = 0;
    FILE *f = fopen(log, "r");
    char *text = NULL;
    size_t cap = 0;
    ssize_t n = f ? getdelim(&text, &cap, '\0', f) : -1;
    if (f)
        fclose(f);
    const char *brace = n > 0 ? strchr(text, '{') : NULL;
    arena a;
    arena_init(&a, 65536, 0);
    jv info;
    if (brace && json_parse(brace, strlen(brace), &a, NULL, &info, NULL) == CDLT_OK) {
        const char *names[3] = {"extract", "normalize", "load"};
        const jv *p = jv_get(&info, "phases");
        for (int i = 0; i < 3; i++) {
            const jv *ph = p ? jv_get(p, names[i]) : NULL;
            const jv *sec = ph ? jv_get(ph, "seconds") : NULL;
            if (sec)
                out[i] = sec->type == JV_DOUBLE ? sec->u.d : sec->type == JV_INT ? (double)sec->u.i : 0;
        }
    }
    arena_free(&a);
    free(text);
}

/* The reference pipe: binary COPY out of src.t into an empty copy ref.t, one transaction. */
static double pipe_copy(const char *url, const char *table, long long *rows)
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
    if (!exec_ok(out, sql))
        goto done;
    double t0 = bench_now();
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM bench_src.%s) TO STDOUT (FORMAT binary)", table);
    PGresult *r = PQexec(in, sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        fprintf(stderr, "sql_pg bench: %s: %s\n", sql, PQresultErrorMessage(r));
        PQclear(r);
        goto done;
    }
    PQclear(r);
    exec_ok(out, "BEGIN");
    snprintf(sql, sizeof sql, "COPY bench_ref.%s FROM STDIN (FORMAT binary)", table);
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
    exec_ok(out, "COMMIT");
    t = bench_now() - t0;
done:
    PQfinish(in);
    PQfinish(out);
    return t;
}

static int duck_check(const char *db, const char *table, long long *rows, long long *sum)
{
    duckdb_database d;
    duckdb_connection c;
    duckdb_result r;
    if (duckdb_open(db, &d) != DuckDBSuccess)
        return -1;
    if (duckdb_connect(d, &c) != DuckDBSuccess) {
        duckdb_close(&d);
        return -1;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*), sum(id) FROM bench_dst.%s", table);
    int rc = -1;
    if (duckdb_query(c, sql, &r) == DuckDBSuccess) {
        *rows = (long long)duckdb_value_int64(&r, 0, 0);
        *sum = (long long)duckdb_value_int64(&r, 1, 0);
        rc = 0;
    } else {
        fprintf(stderr, "sql_pg bench: %s: %s\n", sql, duckdb_result_error(&r));
    }
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return rc;
}

static int make_tables(PGconn *c, uint64_t n)
{
    char sql[4096];
    if (!exec_ok(c, "SET client_min_messages = warning") ||
        !exec_ok(c, "DROP SCHEMA IF EXISTS bench_src CASCADE; CREATE SCHEMA bench_src;"
                    "DROP SCHEMA IF EXISTS bench_ref CASCADE; CREATE SCHEMA bench_ref") ||
        !exec_ok(c, "CREATE TABLE bench_src.num5 (id bigint PRIMARY KEY, a integer, b bigint,"
                    " c double precision, d numeric(12,2))") ||
        !exec_ok(c, "CREATE TABLE bench_src.wide20 (id bigint PRIMARY KEY, i1 integer, i2 bigint,"
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
    if (!exec_ok(c, sql))
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
    if (!exec_ok(c, sql) || !exec_ok(c, "ANALYZE bench_src.num5; ANALYZE bench_src.wide20"))
        return -1;
    fprintf(stderr, "# sql_pg: %llu + %llu rows generated in %.1f s\n",
            (unsigned long long)(2 * n), (unsigned long long)n, bench_now() - g0);
    return 0;
}

static int write_def(const char *def, bool to_pg, const char *url, const char *db,
                     const char *table)
{
    FILE *f = fopen(def, "w");
    if (!f)
        return -1;
    fprintf(f,
            "pipeline_name = \"bench_sql_pg\"\n"
            "destination = \"%s\"\n"
            "credentials = \"%s\"\n"
            "dataset_name = \"bench_dst\"\n"
            "source = { type = \"sql_database\", credentials = \"%s\", schema = \"bench_src\","
            " table_names = [\"%s\"] }\n",
            to_pg ? "postgres" : "duckdb", to_pg ? url : db, url, table);
    return fclose(f);
}

/* noidx: destination.postgres.create_indexes = false (no UNIQUE constraint on _dlt_id) */
static int one_table(bench_ctx *ctx, PGconn *c, const char *url, const char *dir, bool to_pg,
                     bool noidx, const char *table, long long want_rows)
{
    static char noidx_env[] = "DESTINATION__POSTGRES__CREATE_INDEXES=false";
    char def[1200], pdir[1200], log[1200], db[1200], cmd[2600], sql[256];
    snprintf(def, sizeof def, "%s/def.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(log, sizeof log, "%s/run.log", dir);
    snprintf(db, sizeof db, "%s/out.duckdb", dir);
    long long want_sum = want_rows * (want_rows + 1) / 2;
    long long ref_rows = 0;
    double best = 1e30, ph[3] = {0}, best_ref = 1e30;
    long best_kb = 0;
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        double ref = pipe_copy(url, table, &ref_rows);
        if (ref < 0 || ref_rows != want_rows) {
            fprintf(stderr, "sql_pg bench: reference copied %lld rows of %lld\n", ref_rows,
                    want_rows);
            return 1;
        }
        if (ref < best_ref)
            best_ref = ref;
        snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", pdir, db);
        if (sh(cmd) != 0 || write_def(def, to_pg, url, db, table) != 0)
            return 1;
        exec_ok(c, "DROP SCHEMA IF EXISTS bench_dst CASCADE");
        long kb = 0;
        double t = run_cli(ctx->cdlt_bin, def, pdir, log, noidx ? noidx_env : NULL, &kb);
        if (t < 0)
            return 1;
        if (t < best) {
            best = t;
            best_kb = kb;
            phases(log, ph);
        }
    }
    long long rows = -1, sum = -1;
    if (to_pg) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM bench_dst.%s", table);
        rows = query_ll(c, sql, 0);
        snprintf(sql, sizeof sql, "SELECT sum(id) FROM bench_dst.%s", table);
        sum = query_ll(c, sql, 0);
    } else if (duck_check(db, table, &rows, &sum) != 0) {
        return 1;
    }
    if (rows != want_rows || sum != want_sum) {
        fprintf(stderr, "sql_pg bench: CHECKSUM MISMATCH in %s: %lld rows (sum %lld) for %lld "
                "(sum %lld)\n", table, rows, sum, want_rows, want_sum);
        return 1;
    }
    char name[64], extra[512];
    snprintf(name, sizeof name, "%s_%s", to_pg ? (noidx ? "pg_pg_noidx" : "pg_pg") : "pg_duckdb",
             table);
    snprintf(extra, sizeof extra,
             "rows_s=%.0f extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f "
             "pipe_binary_s=%.3f pipe_rows_s=%.0f ratio_rows_s=%.2f checksum=%lld",
             (double)rows / best, ph[0], ph[1], ph[2], (double)best_kb / 1024.0, best_ref,
             (double)rows / best_ref, best_ref / best, sum);
    bench_report(ctx, name, (uint64_t)rows, 0, best, extra);
    fflush(stdout);
    return 0;
}

static int run_sql_pg(bench_ctx *ctx, bool to_pg)
{
    if (!ctx->cdlt_bin)
        return 1;
    char dir[1024], url[512], cmd[2600];
    snprintf(dir, sizeof dir, "%s/sql_pg_%d", ctx->data_dir, (int)getpid());
    mkdir(ctx->data_dir, 0755);
    mkdir(dir, 0755);
    char *abs = realpath(dir, NULL);
    if (!abs)
        return 1;
    bool own_server = false;
    const char *env = getenv("CDLT_BENCH_PG_URL");
    if (!env || !*env)
        env = getenv("CDLT_TEST_PG_URL");
    if (env && *env) {
        snprintf(url, sizeof url, "%s", env);
    } else {
        snprintf(cmd, sizeof cmd, "'%s/scripts/testdb' start '%s/testdb' >/dev/null",
                 CDLT_SOURCE_DIR, abs);
        if (sh(cmd) != 0)
            return 1;
        own_server = true;
        snprintf(cmd, sizeof cmd, "%s/testdb/testdb.env", abs);
        FILE *f = fopen(cmd, "r");
        char line[512];
        url[0] = '\0';
        while (f && fgets(line, sizeof line, f))
            if (strncmp(line, "CDLT_TEST_PG_URL=", 17) == 0)
                snprintf(url, sizeof url, "%.*s", (int)strcspn(line + 17, "\n"), line + 17);
        if (f)
            fclose(f);
    }
    int rc = 1;
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "sql_pg bench: cannot connect: %s\n", PQerrorMessage(c));
        goto done;
    }
    if (make_tables(c, ctx->records) != 0)
        goto done;
    rc = one_table(ctx, c, url, abs, to_pg, false, "num5", (long long)(2 * ctx->records));
    if (rc == 0)
        rc = one_table(ctx, c, url, abs, to_pg, false, "wide20", (long long)ctx->records);
    /* dlt's UNIQUE constraint on _dlt_id (create_indexes = true) is most of PostgreSQL's
     * load time here: the same without it */
    if (rc == 0 && to_pg)
        rc = one_table(ctx, c, url, abs, to_pg, true, "num5", (long long)(2 * ctx->records));
    if (rc == 0 && to_pg)
        rc = one_table(ctx, c, url, abs, to_pg, true, "wide20", (long long)ctx->records);
    exec_ok(c, "DROP SCHEMA IF EXISTS bench_src CASCADE; DROP SCHEMA IF EXISTS bench_ref CASCADE;"
               " DROP SCHEMA IF EXISTS bench_dst CASCADE");
done:
    PQfinish(c);
    if (own_server) {
        snprintf(cmd, sizeof cmd, "'%s/scripts/testdb' stop '%s/testdb' >/dev/null",
                 CDLT_SOURCE_DIR, abs);
        sh(cmd);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", abs);
    sh(cmd);
    free(abs);
    return rc;
}

static int run_pg_pg(bench_ctx *ctx) { return run_sql_pg(ctx, true); }
static int run_pg_duckdb(bench_ctx *ctx) { return run_sql_pg(ctx, false); }

BENCH_CASE(62, "pg_pg",
           "sql_database: PostgreSQL num5 (2 x size rows) and wide20 (size rows) -> PostgreSQL "
           "(cdlt run) vs binary COPY TO STDOUT piped into COPY FROM STDIN",
           run_pg_pg)
BENCH_CASE(63, "pg_duckdb",
           "sql_database: PostgreSQL num5 and wide20 -> DuckDB (cdlt run) vs the same binary "
           "COPY pipe into PostgreSQL",
           run_pg_duckdb)
