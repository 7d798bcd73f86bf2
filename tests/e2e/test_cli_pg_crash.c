/* test_cli_pg_crash.c: a PostgreSQL server that dies under a running `cdlt` (issue 13), on a
 * PRIVATE server started here with scripts/testdb (the shared fixture servers are never
 * stopped): (a) the destination server is killed (immediate shutdown, as a crash) during the
 * load: the run fails with a clear message, nothing is committed, the package stays pending,
 * and after a restart the next run loads it exactly once; (b) the SOURCE server of a
 * sql_database run is killed during extract: the run fails clearly, the destination holds
 * nothing of it, and with the server back the next runs load every row exactly once with the
 * incremental state right; (c) SIGKILL of the CLI during a sql_database -> postgres load: the
 * next run completes the package exactly once. */
#include "cli_run.h"

#include <libpq-fe.h>

static tu_private_db g_db;  /* the private servers (PostgreSQL data in <g_db.tmp>/pg/data) */
static const char *g_port;  /* PostgreSQL's port */
static const char *g_url;   /* cdlt user, database cdlt_test */
static const char *g_super; /* superuser, database postgres */

static void sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
}

/* pg_ctl on the private data dir, as the postgres user when we are root (as scripts/testdb) */
static void pg_ctl(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "bin=${CDLT_PG_BIN:-/usr/lib/postgresql/15/bin}; "
             "if [ \"$(id -u)\" = 0 ]; then run='runuser -u postgres --'; else run=''; fi; "
             "$run \"$bin/pg_ctl\" -D '%s/pg/data' -l '%s/pg/server.log' -w -t 60 %s >/dev/null",
             g_db.tmp, g_db.tmp, args);
    sh(cmd);
}

static void server_kill(void) { pg_ctl("-m immediate stop"); }

static void server_start(void)
{
    char a[128];
    snprintf(a, sizeof a, "-o '-p %s' start", g_port);
    pg_ctl(a);
}

static int setup(void **st)
{
    (void)st;
    if (tu_private_db_start("pgcrash-db", &g_db) != 0)
        return -1;
    g_port = tu_private_db_env(&g_db, "CDLT_TEST_PG_PORT");
    g_url = tu_private_db_env(&g_db, "CDLT_TEST_PG_URL");
    g_super = tu_private_db_env(&g_db, "CDLT_TEST_PG_SUPER_URL");
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    return tu_private_db_stop(&g_db);
}

static const char *const RUN_ENV[] = {"LOAD__OVERLAP_NORMALIZE=false", NULL};

/* Start `cdlt run` and kill the server as soon as a statement matching `like` is active;
 * returns the run's result. */
static cli_res run_and_kill_server(const char *dir, const char *like)
{
    char def[1200], pdir[1200];
    snprintf(def, sizeof def, "%s/p.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    PGconn *c = tu_pg_connect(g_super);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
             "'cdlt' AND state = 'active' AND query LIKE '%s'", like);
    pid_t pid = spawn_cli(dir, "k", args, RUN_ENV);
    bool seen = false;
    for (int i = 0; i < 120000 && !seen; i++) {
        char *n = tu_pg_text(c, sql);
        seen = atoi(n) > 0;
        free(n);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (!seen && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == pid)
            break; /* the run ended before the statement was seen */
        if (!seen)
            usleep(500);
    }
    PQfinish(c);
    if (seen)
        server_kill();
    cli_res r = wait_cli(dir, "k", pid);
    if (seen)
        server_start();
    if (!seen)
        fprintf(stderr, "no '%s' seen: %s\n%s\n", like, r.out, r.err);
    assert_true(seen);
    return r;
}

static void info_pending(const char *dir, const char *pipeline, const char *want)
{
    char pdir[1200];
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *info[] = {"pipeline", pipeline, "info", "--pipelines-dir", pdir, NULL};
    cli_res r = run_cli(dir, info, NULL);
    if (!strstr(r.out, want))
        fprintf(stderr, "info: %s\n%s\n", r.out, r.err);
    assert_non_null(strstr(r.out, want));
    res_free(&r);
}

/* (a) the destination server dies during the COPY of the load phase */
static void test_destination_killed(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("pgcrash-dest");
    char def[2048];
    snprintf(def, sizeof def, "pipeline_name = \"pgdk\"\ndestination = \"postgres\"\n"
             "credentials = \"%s\"\ndataset_name = \"crash_dest\"\n[[resources]]\n"
             "name = \"items\"\npath = \"items.jsonl\"\n", g_url);
    tu_put(dir, "p.toml", def);
    enum { N = 300000 };
    char *text = calloc(N, 48);
    size_t at = 0;
    for (int i = 0; i < N; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"sub\":[%d,%d]}\n", i, i, i + 1);
    tu_put(dir, "items.jsonl", text);
    free(text);
    cli_res r = run_and_kill_server(dir, "COPY \"crash_dest\".%");
    assert_int_equal(r.exited, 1);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "postgres"));
    assert_null(strstr(r.err, "cdlt_test_pw"));
    res_free(&r);
    /* nothing committed: the package's transaction died with the server */
    PGconn *c = tu_pg_connect(g_url);
    tu_pg_expect(c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "'crash_dest' AND table_name IN ('items', 'items__sub', '_dlt_loads')", "0");
    info_pending(dir, "pgdk", "Pending normalized packages: 1");
    tu_put(dir, "items.jsonl", "");
    run_def_ok(dir, RUN_ENV);
    tu_pg_expect(c, "SELECT count(*) || ':' || count(DISTINCT id) FROM crash_dest.items",
                 "300000:300000");
    tu_pg_expect(c, "SELECT count(*) FROM crash_dest.items__sub", "600000");
    tu_pg_expect(c, "SELECT count(*) FROM crash_dest._dlt_loads", "1");
    PQfinish(c);
    tu_rm_rf(dir);
    free(dir);
}

/* (b) the source server of a sql_database run dies during extract */
static void test_source_killed(void **st)
{
    (void)st;
    PGconn *c = tu_pg_connect(g_url);
    /* synchronous commit: the private server runs with synchronous_commit = off, and the
     * rows must survive the crash below */
    tu_pg_exec(c, "SET client_min_messages = warning; SET synchronous_commit = on; "
               "DROP SCHEMA IF EXISTS crash_src CASCADE; CREATE SCHEMA crash_src; "
               "CREATE TABLE crash_src.events (id bigint PRIMARY KEY, v text, "
               "at timestamptz); INSERT INTO crash_src.events SELECT g, 'v' || g, "
               "'2024-01-01'::timestamptz + g * interval '1 second' FROM "
               "generate_series(1, 400000) g");
    PQfinish(c);
    char *dir = tu_mkdtemp("pgcrash-src");
    char def[2048], db[1200];
    snprintf(db, sizeof db, "%s/out.duckdb", dir);
    snprintf(def, sizeof def,
             "pipeline_name = \"pgsk\"\ncredentials = \"out.duckdb\"\ndataset_name = \"d\"\n"
             "source = { type = \"sql_database\", credentials = \"%s\", schema = \"crash_src\", "
             "table_names = [\"events\"], tables = { events = { incremental = "
             "{ cursor_path = \"id\" } } } }\n", g_url);
    tu_put(dir, "p.toml", def);
    cli_res r = run_and_kill_server(dir, "COPY (SELECT %");
    assert_int_equal(r.exited, 1);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "events"));
    assert_null(strstr(r.err, "cdlt_test_pw"));
    res_free(&r);
    /* nothing of the failed extract reached the destination; the next run loads it all */
    expect_extract_undone_then_loaded(dir, db, RUN_ENV);
    char *n = NULL;
    /* the incremental state points at the last row: only new rows come next */
    c = tu_pg_connect(g_url);
    tu_pg_exec(c, "INSERT INTO crash_src.events VALUES (400001, 'new', now())");
    PQfinish(c);
    run_def_ok(dir, RUN_ENV);
    n = pt_query_text(db, "SELECT count(*) || ':' || count(DISTINCT id) FROM d.events");
    assert_string_equal(n, "400001:400001");
    free(n);
    tu_rm_rf(dir);
    free(dir);
}

/* (c) SIGKILL of the CLI while a sql_database -> postgres package loads */
static void test_cli_killed_sql_to_pg(void **st)
{
    (void)st;
    PGconn *c = tu_pg_connect(g_url);
    tu_pg_exec(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS kill_src CASCADE; "
               "CREATE SCHEMA kill_src; "
               "CREATE TABLE kill_src.t (id bigint PRIMARY KEY, n numeric(10,2), j jsonb); "
               "INSERT INTO kill_src.t SELECT g, g / 4.0, jsonb_build_object('k', g) FROM "
               "generate_series(1, 5000) g; SET client_min_messages = warning; "
               "DROP SCHEMA IF EXISTS kill_dst CASCADE");
    char *dir = tu_mkdtemp("pgcrash-cli");
    char def[2048];
    snprintf(def, sizeof def,
             "pipeline_name = \"pgck\"\ndestination = \"postgres\"\ncredentials = \"%s\"\n"
             "dataset_name = \"kill_dst\"\nsource = { type = \"sql_database\", credentials = "
             "\"%s\", schema = \"kill_src\", table_names = [\"t\"], tables = { t = { "
             "write_disposition = \"merge\", incremental = { cursor_path = \"id\" } } } }\n",
             g_url, g_url);
    tu_put(dir, "p.toml", def);
    const char *crash[] = {"CDLT_TEST_CRASH_AT=load_file", "LOAD__OVERLAP_NORMALIZE=false", NULL};
    cli_res r = run_def_in(dir, crash);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    tu_pg_expect(c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'kill_dst' "
                 "AND table_name = 't'", "0");
    info_pending(dir, "pgck", "Pending normalized packages: 1");
    run_def_ok(dir, RUN_ENV);
    tu_pg_expect(c, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || sum(n) FROM kill_dst.t",
                 "5000:5000:3125625.00");
    tu_pg_expect(c, "SELECT count(*) FROM kill_dst._dlt_loads", "1");
    /* the state committed with that package: one new row next time, merged once */
    tu_pg_exec(c, "INSERT INTO kill_src.t VALUES (5001, 1, '{}')");
    run_def_ok(dir, RUN_ENV);
    tu_pg_expect(c, "SELECT count(*) || ':' || count(DISTINCT id) FROM kill_dst.t", "5001:5001");
    PQfinish(c);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_destination_killed),
        cmocka_unit_test(test_source_killed),
        cmocka_unit_test(test_cli_killed_sql_to_pg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
