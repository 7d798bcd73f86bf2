/* case_sql.c: cases 70 and 71, SQL database source -> DuckDB: `cdlt run` of a definition with
 * `source = {type = "sql_database", ...}` over one 20-column mixed-type table (ints, decimals,
 * doubles, strings, text, bool, datetimes, date, time, uuid text, a mostly-NULL column) of
 * --size rows into a fresh DuckDB file; rows/s and the CLI's peak RSS. Next to it, in the same
 * run, the database's own client reading the whole table (libmariadb mysql_use_result without
 * conversion / the sqlite3 shell to /dev/null), so the figure says how far the pipeline is
 * from just reading the rows.
 *   70 mysql_duckdb: MariaDB from CDLT_TEST_MYSQL_URL, else a private server started with
 *      scripts/testdb (stopped at the end)
 *   71 sqlite_duckdb: a SQLite file made by the sqlite3 shell
 * Checksum: rows in the DuckDB table = rows in the source table, and sum(id) equal. */
#include "bench.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* a fresh DuckDB file before each run */
static int fresh_db(void *db)
{
    bench_rm_rf(db);
    return 0;
}

/* Shared: run the pipeline, check, report. */
static int measure(bench_ctx *ctx, const char *name, const bench_work *w, const char *cred,
                   double ref_s, const char *ref_name, long long want_sum)
{
    char db[1300];
    snprintf(db, sizeof db, "%s/out.duckdb", w->dir);
    bench_cli_spec spec = {.tag = "sql bench", .def = w->def, .pdir = w->pdir, .out = w->out,
                           .stderr_too = true, .before = fresh_db, .ud = db};
    bench_cli_best b = {.run.seconds = -1};
    int rc = bench_write_file(w->def,
                              "pipeline_name = \"%s\"\n"
                              "destination = \"duckdb\"\n"
                              "credentials = \"%s\"\n"
                              "dataset_name = \"bench\"\n"
                              "source = { type = \"sql_database\", credentials = \"%s\", "
                              "table_names = [\"wide20\"] }\n",
                              name, db, cred) != 0 ||
             bench_cli_best_of(ctx, &spec, &b) != 0;
    long long rows = 0, sum = 0;
    if (rc == 0 && bench_duckdb_count_sum("sql bench", db, "bench.wide20", &rows, &sum) != 0)
        rc = 1;
    if (rc == 0 && ((unsigned long long)rows != ctx->records || sum != want_sum)) {
        fprintf(stderr, "sql bench: CHECKSUM MISMATCH: %lld rows (sum %lld) for %llu (sum %lld)\n",
                rows, sum, (unsigned long long)ctx->records, want_sum);
        rc = 1;
    }
    if (rc == 0) {
        double best = b.run.seconds;
        char extra[512];
        snprintf(extra, sizeof extra,
                 "extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f %s_s=%.3f "
                 "%s_rows_s=%.0f ratio=%.2f checksum=%lld",
                 b.phase[0], b.phase[1], b.phase[2], (double)b.run.rss_kb / 1024.0, ref_name,
                 ref_s, ref_name, bench_ratio((double)rows, ref_s), bench_ratio(best, ref_s), sum);
        bench_report(ctx, name, (uint64_t)rows, 0, best, extra);
    }
    bench_cli_best_free(&b);
    return rc;
}

static long long id_sum(uint64_t n) { return (long long)(n * (n + 1) / 2); }

/* ------------------------------------------------------------------ MySQL / MariaDB */

static int my_parse(const char *url, char *user, char *pw, char *host, unsigned *port)
{
    char db[128];
    return sscanf(url, "mysql://%63[^:]:%63[^@]@%63[^:]:%u/%127s", user, pw, host, port, db) == 5
               ? 0
               : -1;
}

static int my_exec(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql)) {
        fprintf(stderr, "sql bench: %s: %s\n", sql, mysql_error(m));
        return -1;
    }
    return 0;
}

static int run_mysql(bench_ctx *ctx)
{
    bench_work w;
    if (bench_work_open(ctx, "sql_mysql", "def.toml", &w) != 0)
        return 1;
    char url[512];
    bool own_server = false;
    static const char *const envs[] = {"CDLT_TEST_MYSQL_URL", NULL};
    if (bench_db_url("sql bench", envs, w.dir, "CDLT_TEST_MYSQL_URL", url, sizeof url,
                     &own_server) != 0) {
        bench_db_release("sql bench", w.dir, own_server);
        bench_work_close(&w);
        return 1;
    }
    char user[64], pw[64], host[64];
    unsigned port = 0;
    int rc = 1;
    MYSQL *m = mysql_init(NULL);
    if (my_parse(url, user, pw, host, &port) != 0 ||
        !mysql_real_connect(m, host, user, pw, NULL, port, NULL, 0)) {
        fprintf(stderr, "sql bench: cannot connect to %s: %s\n", host, mysql_error(m));
        goto done;
    }
    char sql[4096];
    if (my_exec(m, "DROP DATABASE IF EXISTS cdlt_bench") ||
        my_exec(m, "CREATE DATABASE cdlt_bench CHARACTER SET utf8mb4") ||
        my_exec(m, "USE cdlt_bench") ||
        my_exec(m, "CREATE TABLE wide20 (id BIGINT PRIMARY KEY, i1 INT, i2 BIGINT, i3 SMALLINT,"
                   " i4 INT, d1 DECIMAL(12,2), d2 DECIMAL(18,6), f1 DOUBLE, f2 FLOAT,"
                   " s1 VARCHAR(32), s2 VARCHAR(64), s3 VARCHAR(16), s4 TEXT, b1 BOOL,"
                   " t1 DATETIME(6), t2 TIMESTAMP NULL, dt DATE, tm TIME, u1 CHAR(36), n1 INT)"))
        goto done;
    double g0 = bench_now();
    snprintf(sql, sizeof sql,
             "INSERT INTO wide20 SELECT seq, seq * 7 %% 1000003, seq * 1234567, seq %% 30000,"
             " seq %% 97, (seq %% 100000) / 100, seq / 7, seq / 3.0e0, seq %% 1000 / 8.0e0,"
             " CONCAT('name-', seq), CONCAT('user', seq %% 5000, '@example.com'),"
             " ELT(1 + seq %% 4, 'open', 'closed', 'merged', 'draft'),"
             " REPEAT('lorem ipsum ', 1 + seq %% 8), seq %% 2,"
             " TIMESTAMPADD(MICROSECOND, seq * 1000003, '2020-01-01'),"
             " TIMESTAMPADD(SECOND, seq, '2021-06-01'), DATE_ADD('2000-01-01', INTERVAL seq %% 9000 DAY),"
             " SEC_TO_TIME(seq %% 86400), LPAD(HEX(seq), 36, '0'), IF(seq %% 10 = 0, seq, NULL)"
             " FROM seq_1_to_%llu",
             (unsigned long long)ctx->records);
    if (my_exec(m, sql))
        goto done;
    fprintf(stderr, "# mysql: %llu rows generated in %.1f s\n",
            (unsigned long long)ctx->records, bench_now() - g0);
    /* reference: the client library reading every row, no conversion */
    double r0 = bench_now();
    if (my_exec(m, "SELECT * FROM wide20"))
        goto done;
    MYSQL_RES *res = mysql_use_result(m);
    unsigned long long n = 0;
    while (res && mysql_fetch_row(res))
        n++;
    mysql_free_result(res);
    double ref = bench_now() - r0;
    if (n != ctx->records)
        goto done;
    char cred[700];
    snprintf(cred, sizeof cred, "mysql://%s:%s@%s:%u/cdlt_bench", user, pw, host, port);
    rc = measure(ctx, "mysql_duckdb", &w, cred, ref, "client_read", id_sum(ctx->records));
    my_exec(m, "DROP DATABASE IF EXISTS cdlt_bench");
done:
    mysql_close(m);
    bench_db_release("sql bench", w.dir, own_server);
    bench_work_close(&w);
    return rc;
}

/* ------------------------------------------------------------------ SQLite */

static int run_sqlite(bench_ctx *ctx)
{
    bench_work w;
    if (bench_work_open(ctx, "sql_sqlite", "def.toml", &w) != 0)
        return 1;
    const char *abs = w.dir;
    char cmd[4096];
    int rc = 1;
    double g0 = bench_now();
    snprintf(cmd, sizeof cmd,
             "sqlite3 '%s/src.db' \"CREATE TABLE wide20 (id INTEGER PRIMARY KEY, i1 INTEGER,"
             " i2 BIGINT, i3 SMALLINT, i4 INTEGER, d1 DECIMAL(12,2), d2 NUMERIC(18,6), f1 DOUBLE,"
             " f2 REAL, s1 VARCHAR(32), s2 VARCHAR(64), s3 VARCHAR(16), s4 TEXT, b1 BOOLEAN,"
             " t1 DATETIME, t2 TIMESTAMP, dt DATE, tm TIME, u1 CHAR(36), n1 INTEGER);"
             " WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < %llu)"
             " INSERT INTO wide20 SELECT x, x * 7 %% 1000003, x * 1234567, x %% 30000, x %% 97,"
             " (x %% 100000) / 100.0, x / 7.0, x / 3.0, (x %% 1000) / 8.0, 'name-' || x,"
             " 'user' || (x %% 5000) || '@example.com',"
             " CASE x %% 4 WHEN 0 THEN 'open' WHEN 1 THEN 'closed' WHEN 2 THEN 'merged' ELSE 'draft' END,"
             " substr('lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum lorem ipsum ', 1, 12 * (1 + x %% 8)),"
             " x %% 2, strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2020-01-01', '+' || x || ' seconds'),"
             " datetime('2021-06-01', '+' || x || ' seconds'), date('2000-01-01', '+' || (x %% 9000) || ' days'),"
             " time(x %% 86400, 'unixepoch'), printf('%%036X', x), CASE WHEN x %% 10 = 0 THEN x END FROM s;\"",
             abs, (unsigned long long)ctx->records);
    if (bench_sh("sql bench", cmd) != 0)
        goto done;
    fprintf(stderr, "# sqlite: %llu rows generated in %.1f s\n",
            (unsigned long long)ctx->records, bench_now() - g0);
    double r0 = bench_now();
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/src.db' 'SELECT * FROM wide20' > /dev/null", abs);
    if (bench_sh("sql bench", cmd) != 0)
        goto done;
    double ref = bench_now() - r0;
    char cred[1200];
    snprintf(cred, sizeof cred, "sqlite:///%s/src.db", abs);
    rc = measure(ctx, "sqlite_duckdb", &w, cred, ref, "sqlite3_shell", id_sum(ctx->records));
done:
    bench_work_close(&w);
    return rc;
}

BENCH_CASE(70, "mysql_duckdb",
           "sql_database: MariaDB 20-column table -> DuckDB (cdlt run) vs libmariadb reading "
           "the rows",
           run_mysql)
BENCH_CASE(71, "sqlite_duckdb",
           "sql_database: SQLite 20-column table -> DuckDB (cdlt run) vs the sqlite3 shell "
           "reading the rows",
           run_sqlite)
