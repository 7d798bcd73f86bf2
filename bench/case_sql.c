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

#include "json/json.h"

#include <duckdb.h>
#include <mysql.h>
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
        fprintf(stderr, "sql bench: command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* `cdlt run def` in a child: wall seconds (-1 on failure) and its peak RSS (KB). */
static double run_cli(const char *bin, const char *def, const char *pdir, const char *log,
                      long *rss_kb)
{
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen(log, "w", stdout) || !freopen(log, "a", stderr))
            _exit(127);
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
        fprintf(stderr, "sql bench: cdlt run failed (status %d), see %s\n", status, log);
        return -1;
    }
    return t;
}

/* seconds of one phase in the --json load info printed to `log` */
static void phases(const char *log, double *ex, double *no, double *lo)
{
    *ex = *no = *lo = 0;
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
        double *outs[3] = {ex, no, lo};
        const jv *p = jv_get(&info, "phases");
        for (int i = 0; i < 3; i++) {
            const jv *ph = p ? jv_get(p, names[i]) : NULL;
            const jv *sec = ph ? jv_get(ph, "seconds") : NULL;
            if (sec)
                *outs[i] = sec->type == JV_DOUBLE ? sec->u.d : sec->type == JV_INT ? (double)sec->u.i : 0;
        }
    }
    arena_free(&a);
    free(text);
}

/* rows and sum(id) of the loaded table */
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
    snprintf(sql, sizeof sql, "SELECT count(*), sum(id) FROM bench.%s", table);
    int rc = -1;
    if (duckdb_query(c, sql, &r) == DuckDBSuccess) {
        *rows = (long long)duckdb_value_int64(&r, 0, 0);
        *sum = (long long)duckdb_value_int64(&r, 1, 0);
        rc = 0;
    } else {
        fprintf(stderr, "sql bench: %s: %s\n", sql, duckdb_result_error(&r));
    }
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return rc;
}

static int write_def(const char *def, const char *name, const char *cred, const char *db)
{
    FILE *f = fopen(def, "w");
    if (!f)
        return -1;
    fprintf(f,
            "pipeline_name = \"%s\"\n"
            "destination = \"duckdb\"\n"
            "credentials = \"%s\"\n"
            "dataset_name = \"bench\"\n"
            "source = { type = \"sql_database\", credentials = \"%s\", "
            "table_names = [\"wide20\"] }\n",
            name, db, cred);
    return fclose(f);
}

/* Shared: run the pipeline, check, report. */
static int measure(bench_ctx *ctx, const char *name, const char *dir, const char *cred,
                   double ref_s, const char *ref_name, long long want_sum)
{
    char def[1200], pdir[1200], log[1200], db[1200], cmd[2600];
    snprintf(def, sizeof def, "%s/def.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(log, sizeof log, "%s/run.log", dir);
    snprintf(db, sizeof db, "%s/out.duckdb", dir);
    double best = 1e30, ex = 0, no = 0, lo = 0;
    long best_kb = 0;
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", pdir, db);
        if (sh(cmd) != 0 || write_def(def, name, cred, db) != 0)
            return 1;
        long kb = 0;
        double t = run_cli(ctx->cdlt_bin, def, pdir, log, &kb);
        if (t < 0)
            return 1;
        if (t < best) {
            best = t;
            best_kb = kb;
            phases(log, &ex, &no, &lo);
        }
    }
    long long rows = 0, sum = 0;
    if (duck_check(db, "wide20", &rows, &sum) != 0)
        return 1;
    if ((unsigned long long)rows != ctx->records || sum != want_sum) {
        fprintf(stderr, "sql bench: CHECKSUM MISMATCH: %lld rows (sum %lld) for %llu (sum %lld)\n",
                rows, sum, (unsigned long long)ctx->records, want_sum);
        return 1;
    }
    char extra[512];
    snprintf(extra, sizeof extra,
             "extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f %s_s=%.3f "
             "%s_rows_s=%.0f ratio=%.2f checksum=%lld",
             ex, no, lo, (double)best_kb / 1024.0, ref_name, ref_s, ref_name,
             ref_s > 0 ? (double)rows / ref_s : 0, ref_s > 0 ? best / ref_s : 0, sum);
    bench_report(ctx, name, (uint64_t)rows, 0, best, extra);
    return 0;
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
    if (!ctx->cdlt_bin)
        return 1;
    char dir[1024], url[512], cmd[2600];
    snprintf(dir, sizeof dir, "%s/sql_mysql_%d", ctx->data_dir, (int)getpid());
    mkdir(ctx->data_dir, 0755);
    mkdir(dir, 0755);
    char *abs = realpath(dir, NULL);
    if (!abs)
        return 1;
    bool own_server = false;
    const char *env = getenv("CDLT_TEST_MYSQL_URL");
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
            if (strncmp(line, "CDLT_TEST_MYSQL_URL=", 20) == 0)
                snprintf(url, sizeof url, "%.*s", (int)strcspn(line + 20, "\n"), line + 20);
        if (f)
            fclose(f);
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
    rc = measure(ctx, "mysql_duckdb", abs, cred, ref, "client_read", id_sum(ctx->records));
    my_exec(m, "DROP DATABASE IF EXISTS cdlt_bench");
done:
    mysql_close(m);
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

/* ------------------------------------------------------------------ SQLite */

static int run_sqlite(bench_ctx *ctx)
{
    if (!ctx->cdlt_bin)
        return 1;
    char dir[1024], cmd[4096];
    snprintf(dir, sizeof dir, "%s/sql_sqlite_%d", ctx->data_dir, (int)getpid());
    mkdir(ctx->data_dir, 0755);
    mkdir(dir, 0755);
    char *abs = realpath(dir, NULL);
    if (!abs)
        return 1;
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
    if (sh(cmd) != 0)
        goto done;
    fprintf(stderr, "# sqlite: %llu rows generated in %.1f s\n",
            (unsigned long long)ctx->records, bench_now() - g0);
    double r0 = bench_now();
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/src.db' 'SELECT * FROM wide20' > /dev/null", abs);
    if (sh(cmd) != 0)
        goto done;
    double ref = bench_now() - r0;
    char cred[1200];
    snprintf(cred, sizeof cred, "sqlite:///%s/src.db", abs);
    rc = measure(ctx, "sqlite_duckdb", abs, cred, ref, "sqlite3_shell", id_sum(ctx->records));
done:
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", abs);
    sh(cmd);
    free(abs);
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
