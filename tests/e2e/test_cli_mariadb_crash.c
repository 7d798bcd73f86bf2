/* test_cli_mariadb_crash.c: a MariaDB SOURCE server that dies under a running `cdlt` (issue 13),
 * on a PRIVATE server started here with scripts/testdb (the shared fixture servers are never
 * stopped; `scripts/testdb my-kill` SIGKILLs mariadbd as a crash, `my-restart` brings it back on
 * its port). The same cases as test_cli_pg_crash.c has for PostgreSQL: (a) the server is killed
 * while the sql_database source streams a table: the run fails clearly (table named, password
 * nowhere), the destination holds nothing of it, and with the server back the next runs load
 * every row exactly once with the incremental state right; (b) SIGKILL of the CLI while the
 * package from a MariaDB table loads: the package stays pending and the next run completes it
 * exactly once, merging the following increment once. */
#include "cli_run.h"

#include <mysql.h>

static tu_private_db g_db;  /* the private servers (scripts/testdb <g_db.dir>) */
static const char *g_url;   /* cdlt user, database cdlt_test */
static const char *g_super; /* cdlt_super (sees every connection in the process list) */

static void testdb(const char *what)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/scripts/testdb' %s '%s' >/dev/null", CDLT_SOURCE_DIR, what,
             g_db.dir);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("scripts/testdb %s failed (%d)", what, rc);
}

static int setup(void **st)
{
    (void)st;
    if (tu_private_db_start("mycrash-db", &g_db) != 0)
        return -1;
    g_url = tu_private_db_env(&g_db, "CDLT_TEST_MYSQL_URL");
    g_super = tu_private_db_env(&g_db, "CDLT_TEST_MYSQL_SUPER_URL");
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    int rc = tu_private_db_stop(&g_db);
    mysql_library_end();
    return rc;
}

static MYSQL *my_connect(const char *url)
{
    char user[64], pw[64], host[64], db[64];
    unsigned port;
    assert_int_equal(
        sscanf(url, "mysql://%63[^:]:%63[^@]@%63[^:]:%u/%63s", user, pw, host, &port, db), 5);
    MYSQL *m = mysql_init(NULL);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, host, user, pw, db, port, NULL, 0))
        fail_msg("connect: %s", mysql_error(m));
    return m;
}

static void my_exec(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql))
        fail_msg("%s: %s", sql, mysql_error(m));
    MYSQL_RES *r = mysql_store_result(m);
    mysql_free_result(r);
}

static long my_count(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql))
        fail_msg("%s: %s", sql, mysql_error(m));
    MYSQL_RES *r = mysql_store_result(m);
    MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
    long n = row && row[0] ? atol(row[0]) : -1;
    mysql_free_result(r);
    return n;
}

static const char *const RUN_ENV[] = {"LOAD__OVERLAP_NORMALIZE=false", NULL};

/* A definition reading `table` of database crash_src into out.duckdb (incremental on id,
 * merge). */
static void def_src(const char *dir, const char *name, const char *table)
{
    char def[2048];
    snprintf(def, sizeof def,
             "pipeline_name = \"%s\"\ncredentials = \"out.duckdb\"\ndataset_name = \"d\"\n"
             "source = { type = \"sql_database\", credentials = \"%s\", schema = \"crash_src\", "
             "table_names = [\"%s\"], chunk_size = 5000, tables = { %s = { "
             "write_disposition = \"merge\", incremental = { cursor_path = \"id\" } } } }\n",
             name, g_url, table, table);
    tu_put(dir, "p.toml", def);
}

/* rows (n) in crash_src.<table>, committed durably enough to survive a SIGKILL of the server */
static void make_table(const char *table, int n)
{
    MYSQL *m = my_connect(g_super);
    /* the private server writes its log lazily (innodb_flush_log_at_trx_commit = 0): these
     * rows must survive the kill below */
    my_exec(m, "SET GLOBAL innodb_flush_log_at_trx_commit = 1");
    my_exec(m, "CREATE DATABASE IF NOT EXISTS crash_src");
    char sql[1024];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS crash_src.%s", table);
    my_exec(m, sql);
    snprintf(sql, sizeof sql,
             "CREATE TABLE crash_src.%s (id BIGINT PRIMARY KEY, v VARCHAR(20), n DECIMAL(10,2), "
             "at DATETIME(6)) ENGINE=InnoDB", table);
    my_exec(m, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO crash_src.%s SELECT seq, CONCAT('v', seq), seq / 4, "
             "'2024-01-01' + INTERVAL seq SECOND FROM seq_1_to_%d", table, n);
    my_exec(m, sql);
    mysql_close(m);
}

/* Start `cdlt run` and SIGKILL the MariaDB server as soon as the source's SELECT of `table`
 * is running; the server is back when this returns. */
static cli_res run_and_kill_server(const char *dir, const char *table)
{
    char def[1200], pdir[1200];
    snprintf(def, sizeof def, "%s/p.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    MYSQL *m = my_connect(g_super);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = 'cdlt' AND "
             "INFO LIKE 'SELECT %%FROM `crash_src`.`%s`%%'", table);
    pid_t pid = spawn_cli(dir, "k", args, RUN_ENV);
    bool seen = false;
    for (int i = 0; i < 120000 && !seen; i++) {
        seen = my_count(m, sql) > 0;
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (!seen && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == pid)
            break; /* the run ended before the statement was seen */
        if (!seen)
            usleep(500);
    }
    mysql_close(m);
    if (seen)
        testdb("my-kill");
    cli_res r = wait_cli(dir, "k", pid);
    if (seen)
        testdb("my-restart");
    if (!seen)
        fprintf(stderr, "no SELECT of %s seen: %s\n%s\n", table, r.out, r.err);
    assert_true(seen);
    return r;
}

/* (a) the source server dies while the table streams */
static void test_source_killed(void **st)
{
    (void)st;
    enum { N = 400000 };
    make_table("events", N);
    char *dir = tu_mkdtemp("mycrash-src");
    char db[1200];
    snprintf(db, sizeof db, "%s/out.duckdb", dir);
    def_src(dir, "mysk", "events");
    cli_res r = run_and_kill_server(dir, "events");
    assert_int_equal(r.exited, 1);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "events"));
    assert_null(strstr(r.err, "cdlt_test_pw"));
    assert_null(strstr(r.out, "cdlt_test_pw"));
    res_free(&r);
    /* nothing of the failed extract reached the destination; the next run loads it all */
    expect_extract_undone_then_loaded(dir, db, RUN_ENV);
    char *n = NULL;
    /* the incremental state points at the last row: the next run reads only the new one */
    MYSQL *m = my_connect(g_url);
    my_exec(m, "INSERT INTO crash_src.events VALUES (400001, 'new', 1, NOW())");
    mysql_close(m);
    run_def_ok(dir, RUN_ENV);
    n = pt_query_text(db, "SELECT count(*) || ':' || count(DISTINCT id) FROM d.events");
    assert_string_equal(n, "400001:400001");
    free(n);
    assert_int_equal(pt_query_int(db, "SELECT count(*) FROM d._dlt_loads"), 2);
    tu_rm_rf(dir);
    free(dir);
}

/* (b) SIGKILL of the CLI while the package of a MariaDB table loads */
static void test_cli_killed(void **st)
{
    (void)st;
    make_table("t", 5000);
    char *dir = tu_mkdtemp("mycrash-cli");
    char db[1200];
    snprintf(db, sizeof db, "%s/out.duckdb", dir);
    def_src(dir, "myck", "t");
    const char *crash[] = {"CDLT_TEST_CRASH_AT=load_file", "LOAD__OVERLAP_NORMALIZE=false", NULL};
    cli_res r = run_def_in(dir, crash);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    char pdir[1200];
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *info[] = {"pipeline", "myck", "info", "--pipelines-dir", pdir, NULL};
    r = run_cli(dir, info, NULL);
    if (!strstr(r.out, "Pending normalized packages: 1"))
        fprintf(stderr, "info: %s\n%s\n", r.out, r.err);
    assert_non_null(strstr(r.out, "Pending normalized packages: 1"));
    res_free(&r);
    run_def_ok(dir, RUN_ENV);
    char *n = pt_query_text(db, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || sum(n) "
                                "FROM d.t");
    assert_string_equal(n, "5000:5000:3125625.00");
    free(n);
    assert_int_equal(pt_query_int(db, "SELECT count(*) FROM d._dlt_loads"), 1);
    /* the state committed with that package: one new row next time, merged once */
    MYSQL *m = my_connect(g_url);
    my_exec(m, "INSERT INTO crash_src.t VALUES (5001, 'new', 1, NOW())");
    mysql_close(m);
    run_def_ok(dir, RUN_ENV);
    n = pt_query_text(db, "SELECT count(*) || ':' || count(DISTINCT id) FROM d.t");
    assert_string_equal(n, "5001:5001");
    free(n);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_killed),
        cmocka_unit_test(test_cli_killed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
