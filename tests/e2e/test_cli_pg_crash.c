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

static char *g_dir;        /* private server folder (scripts/testdb <dir>) */
static char g_tmp[1024];   /* the servers' temp folder (PostgreSQL data in <tmp>/pg/data) */
static char g_port[32];
static char g_url[512];    /* cdlt user, database cdlt_test */
static char g_super[512];  /* superuser, database postgres */

static void sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, cmd);
}

static void env_value(const char *text, const char *key, char *out, size_t n)
{
    char k[128];
    snprintf(k, sizeof k, "%s=", key);
    const char *p = strstr(text, k);
    assert_non_null(p);
    p += strlen(k);
    size_t len = strcspn(p, "\n");
    assert_true(len < n);
    memcpy(out, p, len);
    out[len] = '\0';
}

/* pg_ctl on the private data dir, as the postgres user when we are root (as scripts/testdb) */
static void pg_ctl(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "bin=${CDLT_PG_BIN:-/usr/lib/postgresql/15/bin}; "
             "if [ \"$(id -u)\" = 0 ]; then run='runuser -u postgres --'; else run=''; fi; "
             "$run \"$bin/pg_ctl\" -D '%s/pg/data' -l '%s/pg/server.log' -w -t 60 %s >/dev/null",
             g_tmp, g_tmp, args);
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
    g_dir = tu_mkdtemp("pgcrash-db");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/scripts/testdb' start '%s' >/dev/null", CDLT_SOURCE_DIR, g_dir);
    if (system(cmd) != 0)
        return -1;
    char path[1200];
    snprintf(path, sizeof path, "%s/testdb.env", g_dir);
    char *env = tu_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/testdb.state", g_dir);
    char *state = tu_read_file(path, NULL);
    if (!env || !state)
        return -1;
    snprintf(g_tmp, sizeof g_tmp, "%.*s", (int)strcspn(state, "\n"), state);
    env_value(env, "CDLT_TEST_PG_PORT", g_port, sizeof g_port);
    env_value(env, "CDLT_TEST_PG_URL", g_url, sizeof g_url);
    env_value(env, "CDLT_TEST_PG_SUPER_URL", g_super, sizeof g_super);
    free(env);
    free(state);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s/scripts/testdb' stop '%s' >/dev/null", CDLT_SOURCE_DIR, g_dir);
    int rc = system(cmd);
    tu_rm_rf(g_dir);
    free(g_dir);
    return rc == 0 ? 0 : -1;
}

static PGconn *connect_url(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    return c;
}

static char *q_text(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    char *out = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "(no row)");
    PQclear(r);
    return out;
}

static void q_expect(PGconn *c, const char *sql, const char *want)
{
    char *got = q_text(c, sql);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "%s:\n  want '%s'\n  got  '%s'\n", sql, want, got);
    assert_string_equal(got, want);
    free(got);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static const char *const RUN_ENV[] = {"LOAD__OVERLAP_NORMALIZE=false", NULL};

static cli_res run_in(const char *dir, const char *const *envs)
{
    char def[1200], pdir[1200];
    snprintf(def, sizeof def, "%s/p.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    return run_cli(dir, args, envs);
}

static void run_ok(const char *dir, const char *const *envs)
{
    cli_res r = run_in(dir, envs);
    if (r.code != 0)
        fprintf(stderr, "cdlt run: exit %d\n%s\n%s\n", r.code, r.out, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
}

/* Start `cdlt run` and kill the server as soon as a statement matching `like` is active;
 * returns the run's result. */
static cli_res run_and_kill_server(const char *dir, const char *like)
{
    char def[1200], pdir[1200];
    snprintf(def, sizeof def, "%s/p.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    PGconn *c = connect_url(g_super);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
             "'cdlt' AND state = 'active' AND query LIKE '%s'", like);
    pid_t pid = spawn_cli(dir, "k", args, RUN_ENV);
    bool seen = false;
    for (int i = 0; i < 120000 && !seen; i++) {
        char *n = q_text(c, sql);
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
    put(dir, "p.toml", def);
    enum { N = 300000 };
    char *text = calloc(N, 48);
    size_t at = 0;
    for (int i = 0; i < N; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"sub\":[%d,%d]}\n", i, i, i + 1);
    put(dir, "items.jsonl", text);
    free(text);
    cli_res r = run_and_kill_server(dir, "COPY \"crash_dest\".%");
    assert_int_equal(r.exited, 1);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "postgres"));
    assert_null(strstr(r.err, "cdlt_test_pw"));
    res_free(&r);
    /* nothing committed: the package's transaction died with the server */
    PGconn *c = connect_url(g_url);
    q_expect(c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                "'crash_dest' AND table_name IN ('items', 'items__sub', '_dlt_loads')", "0");
    info_pending(dir, "pgdk", "Pending normalized packages: 1");
    put(dir, "items.jsonl", "");
    run_ok(dir, RUN_ENV);
    q_expect(c, "SELECT count(*) || ':' || count(DISTINCT id) FROM crash_dest.items",
             "300000:300000");
    q_expect(c, "SELECT count(*) FROM crash_dest.items__sub", "600000");
    q_expect(c, "SELECT count(*) FROM crash_dest._dlt_loads", "1");
    PQfinish(c);
    tu_rm_rf(dir);
    free(dir);
}

/* (b) the source server of a sql_database run dies during extract */
static void test_source_killed(void **st)
{
    (void)st;
    PGconn *c = connect_url(g_url);
    /* synchronous commit: the private server runs with synchronous_commit = off, and the
     * rows must survive the crash below */
    free(q_text(c, "SET client_min_messages = warning; SET synchronous_commit = on; "
                   "DROP SCHEMA IF EXISTS crash_src CASCADE; CREATE SCHEMA crash_src; "
                   "CREATE TABLE crash_src.events (id bigint PRIMARY KEY, v text, "
                   "at timestamptz); INSERT INTO crash_src.events SELECT g, 'v' || g, "
                   "'2024-01-01'::timestamptz + g * interval '1 second' FROM "
                   "generate_series(1, 400000) g"));
    PQfinish(c);
    char *dir = tu_mkdtemp("pgcrash-src");
    char def[2048], db[1200];
    snprintf(db, sizeof db, "%s/out.duckdb", dir);
    snprintf(def, sizeof def,
             "pipeline_name = \"pgsk\"\ncredentials = \"out.duckdb\"\ndataset_name = \"d\"\n"
             "source = { type = \"sql_database\", credentials = \"%s\", schema = \"crash_src\", "
             "table_names = [\"events\"], tables = { events = { incremental = "
             "{ cursor_path = \"id\" } } } }\n", g_url);
    put(dir, "p.toml", def);
    cli_res r = run_and_kill_server(dir, "COPY (SELECT %");
    assert_int_equal(r.exited, 1);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "events"));
    assert_null(strstr(r.err, "cdlt_test_pw"));
    res_free(&r);
    /* nothing of the failed extract reached the destination */
    char *n = pt_query_text(db, "SELECT count(*) FROM d.events");
    assert_true(n == NULL || strcmp(n, "0") == 0);
    free(n);
    run_ok(dir, RUN_ENV);
    n = pt_query_text(db, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || max(id) FROM "
                          "d.events");
    assert_string_equal(n, "400000:400000:400000");
    free(n);
    /* the incremental state points at the last row: only new rows come next */
    c = connect_url(g_url);
    free(q_text(c, "INSERT INTO crash_src.events VALUES (400001, 'new', now())"));
    PQfinish(c);
    run_ok(dir, RUN_ENV);
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
    PGconn *c = connect_url(g_url);
    free(q_text(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS kill_src CASCADE; "
                   "CREATE SCHEMA kill_src; "
                   "CREATE TABLE kill_src.t (id bigint PRIMARY KEY, n numeric(10,2), j jsonb); "
                   "INSERT INTO kill_src.t SELECT g, g / 4.0, jsonb_build_object('k', g) FROM "
                   "generate_series(1, 5000) g; SET client_min_messages = warning; "
                   "DROP SCHEMA IF EXISTS kill_dst CASCADE"));
    char *dir = tu_mkdtemp("pgcrash-cli");
    char def[2048];
    snprintf(def, sizeof def,
             "pipeline_name = \"pgck\"\ndestination = \"postgres\"\ncredentials = \"%s\"\n"
             "dataset_name = \"kill_dst\"\nsource = { type = \"sql_database\", credentials = "
             "\"%s\", schema = \"kill_src\", table_names = [\"t\"], tables = { t = { "
             "write_disposition = \"merge\", incremental = { cursor_path = \"id\" } } } }\n",
             g_url, g_url);
    put(dir, "p.toml", def);
    const char *crash[] = {"CDLT_TEST_CRASH_AT=load_file", "LOAD__OVERLAP_NORMALIZE=false", NULL};
    cli_res r = run_in(dir, crash);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    q_expect(c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'kill_dst' "
                "AND table_name = 't'", "0");
    info_pending(dir, "pgck", "Pending normalized packages: 1");
    run_ok(dir, RUN_ENV);
    q_expect(c, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || sum(n) FROM kill_dst.t",
             "5000:5000:3125625.00");
    q_expect(c, "SELECT count(*) FROM kill_dst._dlt_loads", "1");
    /* the state committed with that package: one new row next time, merged once */
    free(q_text(c, "INSERT INTO kill_src.t VALUES (5001, 1, '{}')"));
    run_ok(dir, RUN_ENV);
    q_expect(c, "SELECT count(*) || ':' || count(DISTINCT id) FROM kill_dst.t", "5001:5001");
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
