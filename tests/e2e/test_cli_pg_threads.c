/* test_cli_pg_threads.c: destination.postgres.load_threads > 1 (tables loaded over several
 * connections, docs/postgres.md "load_threads") with the real binary against the fixture
 * server: (a) every write disposition (append with nested tables, replace truncate-and-insert,
 * insert-from-staging, staging-optimized, merge delete-insert / upsert / scd2 / insert-only)
 * over five loads gives the same tables, rows, column types and constraints as load_threads
 * = 1, in the overlapped load and in the load phase; (b) SIGKILL between the workers' commits
 * (part of the package committed, no _dlt_loads row), in a plain load, in a replace and in a
 * merge package, and during a COPY; (c) the server ends one worker's connection in the middle
 * of its COPY: the run fails, every connection rolls back, and the next run completes the
 * package exactly once. */
#include "cli_run.h"

#include <libpq-fe.h>
#include <sys/stat.h>

typedef struct th_env {
    char *dir;
    char def[1200];
    char pdir[1200];
    char ds[64];
    char threads[64]; /* DESTINATION__POSTGRES__LOAD_THREADS=n */
} th_env;

static PGconn *g_c;

static void env_init(th_env *e, const char *ds, int threads, const char *body)
{
    e->dir = tu_mkdtemp("cli-pg-threads");
    snprintf(e->ds, sizeof e->ds, "%s", ds);
    snprintf(e->threads, sizeof e->threads, "DESTINATION__POSTGRES__LOAD_THREADS=%d", threads);
    snprintf(e->def, sizeof e->def, "%s/p.toml", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    char sub[1300], text[4096];
    snprintf(sub, sizeof sub, "%s/.dlt", e->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(text, sizeof text, "[destination.postgres]\ncredentials = \"%s\"\n",
             tu_db_url("postgres"));
    tu_put(e->dir, ".dlt/secrets.toml", text);
    snprintf(text, sizeof text,
             "pipeline_name = \"%s\"\ndestination = \"postgres\"\ndataset_name = \"%s\"\n%s", ds,
             ds, body);
    tu_put(e->dir, "p.toml", text);
    tu_pg_drop_dataset(g_c, ds);
}

static void env_free(th_env *e)
{
    tu_pg_drop_dataset(g_c, e->ds);
    tu_rm_rf(e->dir);
    free(e->dir);
}

/* cdlt run in the test folder with the env's load_threads plus envs (NULL-terminated). */
static cli_res run_env(const th_env *e, const char *const *envs)
{
    const char *all[8];
    size_t n = 0;
    all[n++] = e->threads;
    for (size_t i = 0; envs && envs[i] && n < 7; i++)
        all[n++] = envs[i];
    all[n] = NULL;
    return run_def_in(e->dir, all);
}

static void run_ok(const th_env *e, const char *const *envs)
{
    cli_res r = run_env(e, envs);
    if (r.code != 0)
        fprintf(stderr, "cdlt run: exit %d\nstdout: %s\nstderr: %s\n", r.code, r.out, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
}

static void run_killed(const th_env *e, const char *crash, const char *const *envs)
{
    const char *all[6] = {crash, NULL};
    size_t n = 1;
    for (size_t i = 0; envs && envs[i] && n < 5; i++)
        all[n++] = envs[i];
    all[n] = NULL;
    cli_res r = run_env(e, all);
    if (r.signo != SIGKILL)
        fprintf(stderr, "cdlt run (%s): exit %d\nstdout: %s\nstderr: %s\n", crash, r.code, r.out,
                r.err);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
}

/* Every table of ds as text: per table (name order) its columns with types, the UNIQUE
 * constraints, and its rows (more than 20: count and md5) without the random/time columns
 * (_dlt_id, _dlt_parent_id, _dlt_root_id, _dlt_load_id, scd2 validity times: whether
 * valid_to is set is kept), sorted. */
static char *dump(const char *ds)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(table_name || '(' || cols || ')', ' ' ORDER BY table_name) FROM "
             "(SELECT table_name, string_agg(column_name || ' ' || data_type, ',' ORDER BY "
             "ordinal_position) AS cols FROM information_schema.columns WHERE table_schema = '%s' "
             "GROUP BY table_name) s",
             ds);
    char *cols = tu_pg_text(g_c, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM information_schema.table_constraints WHERE table_schema = '%s' "
             "AND constraint_type = 'UNIQUE'", ds);
    char *uniq = tu_pg_text(g_c, sql);
    snprintf(sql, sizeof sql,
             "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
             "information_schema.tables WHERE table_schema = '%s' AND table_name NOT LIKE "
             "'\\_dlt\\_%%'", ds);
    char *tables = tu_pg_text(g_c, sql);
    size_t cap = 1 << 16;
    char *out = calloc(1, cap);
    snprintf(out, cap, "%s\nunique=%s\n", cols, uniq);
    for (char *t = strtok(tables, ","); t; t = strtok(NULL, ",")) {
        snprintf(sql, sizeof sql,
                 "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                 "information_schema.columns WHERE table_schema = '%s' AND table_name = '%s' AND "
                 "column_name NOT IN ('_dlt_id','_dlt_parent_id','_dlt_root_id','_dlt_load_id',"
                 "'_dlt_valid_from','_dlt_valid_to')", ds, t);
        char *keep = tu_pg_text(g_c, sql);
        bool scd2 = false;
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM information_schema.columns WHERE table_schema = '%s' AND "
                 "table_name = '%s' AND column_name = '_dlt_valid_to'", ds, t);
        char *v = tu_pg_text(g_c, sql);
        scd2 = strcmp(v, "1") == 0;
        free(v);
        snprintf(sql, sizeof sql,
                 "SELECT CASE WHEN count(*) > 20 THEN count(*) || ':' || md5(string_agg(x, ';' "
                 "ORDER BY x)) ELSE coalesce(string_agg(x, ';' ORDER BY x), '') END FROM (SELECT "
                 "concat_ws('|', %s%s) AS x FROM \"%s\".\"%s\") s",
                 keep, scd2 ? ", (_dlt_valid_to IS NULL)::text" : "", ds, t);
        char *rows = tu_pg_text(g_c, sql);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s: %s\n", t, rows);
        free(rows);
        free(keep);
    }
    snprintf(sql, sizeof sql, "SELECT count(*) || ':' || min(status) FROM \"%s\"._dlt_loads", ds);
    char *loads = tu_pg_text(g_c, sql);
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "loads=%s\n", loads);
    free(loads);
    free(cols);
    free(uniq);
    free(tables);
    return out;
}

static const char DISP[] =
    PG_DISP_RESOURCES
    "[[resources]]\nname = \"plain\"\npath = \"plain.jsonl\"\nwrite_disposition = \"replace\"\n";

/* load n of the disposition series */
static void day(const th_env *e, int n)
{
    static const char *const files[7][6] = {
        /* events, users, orders, prices, dims, once */
        {"{\"e\":1,\"l\":[1,2]}\n{\"e\":2}\n",
         "{\"id\":1,\"tags\":[\"a\",\"b\"]}\n{\"id\":2,\"tags\":[\"c\"]}\n",
         "{\"id\":1,\"amt\":10,\"items\":[{\"sku\":\"x\"},{\"sku\":\"y\"}]}\n"
         "{\"id\":2,\"amt\":20,\"items\":[{\"sku\":\"z\"}]}\n{\"id\":3,\"amt\":30}\n",
         "{\"sku\":\"x\",\"p\":1.5}\n{\"sku\":\"y\",\"p\":2.5}\n",
         "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b\"}\n",
         "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b\"}\n"},
        {"{\"e\":3,\"l\":[3]}\n", "{\"id\":3,\"tags\":[\"d\"]}\n",
         "{\"id\":1,\"amt\":11,\"items\":[{\"sku\":\"w\"}]}\n{\"id\":2,\"deleted\":true}\n"
         "{\"id\":4,\"amt\":40}\n",
         "{\"sku\":\"y\",\"p\":3.5}\n{\"sku\":\"z\",\"p\":4.5}\n",
         "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b2\"}\n",
         "{\"k\":2,\"v\":\"changed\"}\n{\"k\":3,\"v\":\"c\"}\n"},
        {"", "{\"id\":5,\"tags\":[\"e\",\"f\"]}\n", "", "",
         "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b2\"}\n", ""},
        {"{\"e\":4}\n", "{\"id\":6,\"tags\":[\"g\"]}\n{\"id\":7}\n", "{\"id\":5,\"amt\":50}\n",
         "", "{\"k\":3,\"v\":\"c\"}\n", ""},
        {"", "{\"id\":8}\n", "", "", "{\"k\":3,\"v\":\"c\"}\n", "{\"k\":9,\"v\":\"z\"}\n"},
    };
    const char *names[6] = {"events.jsonl", "users.jsonl", "orders.jsonl", "prices.jsonl",
                            "dims.jsonl", "once.jsonl"};
    for (int i = 0; i < 6; i++)
        tu_put(e->dir, names[i], files[n][i]);
    /* a bigger replaced chain, so the workers have something to share */
    char *text = calloc(3000, 40);
    size_t at = 0;
    for (int i = 0; i < 3000; i++)
        at += (size_t)sprintf(text + at, "{\"i\":%d,\"d\":%d,\"s\":[%d,%d]}\n", i, n, i, n);
    tu_put(e->dir, "plain.jsonl", text);
    free(text);
}

/* the five loads: default strategy twice, insert-from-staging, staging-optimized twice */
static char *series(const char *ds, int threads, const char *overlap)
{
    th_env e;
    env_init(&e, ds, threads, DISP);
    static const char *const strategy[5] = {
        NULL, NULL, "DESTINATION__POSTGRES__REPLACE_STRATEGY=insert-from-staging",
        "DESTINATION__POSTGRES__REPLACE_STRATEGY=staging-optimized",
        "DESTINATION__POSTGRES__REPLACE_STRATEGY=staging-optimized"};
    for (int n = 0; n < 5; n++) {
        day(&e, n);
        const char *envs[3] = {overlap, NULL, NULL};
        envs[overlap ? 1 : 0] = strategy[n];
        run_ok(&e, envs);
    }
    char *d = dump(ds);
    env_free(&e);
    return d;
}

/* the dumps of load_threads = 1 and > 1 (same dataset name, so the same text) */
static void same_dump(const char *want, const char *got)
{
    if (strcmp(want, got) != 0)
        fprintf(stderr, "load_threads = 1:\n%s\nload_threads > 1:\n%s\n", want, got);
    assert_string_equal(want, got);
}

static void test_dispositions_equal_serial(void **st)
{
    (void)st;
    char *serial = series("e2e_pgth_s", 1, NULL);
    /* the known end state (as test_cli_postgres.c checks for one connection) */
    assert_non_null(strstr(serial, "users: 8\n"));
    assert_non_null(strstr(serial, "orders: 1|11;3|30;4|40;5|50\n"));
    assert_non_null(strstr(serial, "dims: 1|a|false;2|b2|false;2|b|false;3|c|true\n"));
    assert_non_null(strstr(serial, "loads=5:0"));
    char *par = series("e2e_pgth_s", 3, NULL);
    same_dump(serial, par);
    free(par);
    par = series("e2e_pgth_s", 2, "LOAD__OVERLAP_NORMALIZE=false");
    same_dump(serial, par);
    free(par);
    free(serial);
}

static const char DEF_KILL[] =
    "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\nwrite_disposition = \"%s\"\n"
    "%s"
    "[[resources]]\nname = \"more\"\npath = \"more.jsonl\"\n";

static void kill_files(const th_env *e, int base)
{
    char *text = calloc(4000, 64);
    size_t at = 0;
    for (int i = 0; i < 4000; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"v\":%d,\"sub\":[%d,%d]}\n", i, base + i,
                              i, i + 1);
    tu_put(e->dir, "items.jsonl", text);
    at = 0;
    for (int i = 0; i < 3000; i++)
        at += (size_t)sprintf(text + at, "{\"m\":%d,\"deep\":[{\"x\":[%d]}]}\n", base + i, i);
    tu_put(e->dir, "more.jsonl", text);
    free(text);
}

/* Killed at `crash` (with load_threads = 3), then run again with no new data: each table
 * holds the rows of the first load exactly once, then a second load (new data) goes on from
 * there; partial: the kill left rows of the package committed (but no _dlt_loads row). */
static void kill_case(const char *disposition, const char *crash, const char *overlap,
                      bool partial)
{
    th_env e;
    char body[1024];
    bool merge = strcmp(disposition, "merge") == 0;
    snprintf(body, sizeof body, DEF_KILL, disposition, merge ? "primary_key = \"id\"\n" : "");
    env_init(&e, "e2e_pgth_kill", 3, "");
    char text[2048];
    snprintf(text, sizeof text,
             "pipeline_name = \"e2e_pgth_kill\"\ndestination = \"postgres\"\n"
             "dataset_name = \"e2e_pgth_kill\"\n%s", body);
    tu_put(e.dir, "p.toml", text);
    const char *envs[2] = {overlap, NULL};
    if (merge || strcmp(disposition, "replace") == 0) {
        /* an earlier load the killed one replaces / merges into */
        kill_files(&e, 1000000);
        run_ok(&e, envs);
    }
    kill_files(&e, 0);
    run_killed(&e, crash, envs);
    tu_pg_expect(g_c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "'e2e_pgth_kill' AND table_name = '_dlt_loads'",
             merge || strcmp(disposition, "replace") == 0 ? "1" : "0");
    if (partial) {
        /* rows of the killed load are committed (no _dlt_loads row names it): only the undo
         * of the next run keeps the package exactly once */
        char *loads = tu_pg_text(g_c, "SELECT count(*) FROM information_schema.tables WHERE "
                                 "table_schema = 'e2e_pgth_kill' AND table_name = '_dlt_loads'");
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(format('SELECT "
                 "count(*) AS c FROM %%I.%%I%s', table_schema, table_name), false, true, "
                 "'')))[1]::text::int), 0) FROM information_schema.columns WHERE table_schema = "
                 "'e2e_pgth_kill' AND column_name = '_dlt_load_id' AND table_name NOT LIKE "
                 "'\\_dlt\\_%%'",
                 strcmp(loads, "1") == 0
                     ? " WHERE _dlt_load_id NOT IN (SELECT load_id FROM e2e_pgth_kill._dlt_loads)"
                     : "");
        free(loads);
        char *n = tu_pg_text(g_c, sql);
        if (atoi(n) <= 0)
            fprintf(stderr, "no committed rows of the killed load (%s): %s\n", crash, n);
        assert_true(atoi(n) > 0);
        free(n);
    }
    tu_put(e.dir, "items.jsonl", "");
    tu_put(e.dir, "more.jsonl", "");
    run_ok(&e, envs);
    bool fresh = !merge && strcmp(disposition, "replace") != 0;
    tu_pg_expect(g_c, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || sum(v) FROM "
                 "e2e_pgth_kill.items", "4000:4000:7998000");
    tu_pg_expect(g_c, "SELECT count(*) FROM e2e_pgth_kill.items__sub", "8000");
    tu_pg_expect(g_c, "SELECT count(*) || ':' || count(DISTINCT m) FROM e2e_pgth_kill.more",
             fresh ? "3000:3000" : "6000:6000");
    tu_pg_expect(g_c, "SELECT count(*) FROM e2e_pgth_kill.more__deep__x", fresh ? "3000" : "6000");
    tu_pg_expect(g_c, "SELECT count(*) || ':' || min(status) FROM e2e_pgth_kill._dlt_loads",
             fresh ? "1:0" : "2:0");
    /* the tables' UNIQUE constraints are there (made by the workers before their commits) */
    tu_pg_expect(g_c, "SELECT count(*) FROM information_schema.table_constraints WHERE "
                 "table_schema = 'e2e_pgth_kill' AND constraint_type = 'UNIQUE'", "6");
    env_free(&e);
}

/* append: killed after the first worker committed (overlapped load and load phase) */
static void test_kill_between_commits(void **st)
{
    (void)st;
    kill_case("append", "CDLT_TEST_CRASH_AT=pg_worker_committed", NULL, true);
    kill_case("append", "CDLT_TEST_CRASH_AT=pg_worker_committed:2",
              "LOAD__OVERLAP_NORMALIZE=false", true);
}

/* replace (truncate-and-insert on the workers) and merge (staged on the workers, merged on the
 * main connection after the workers committed) */
static void test_kill_replace_merge(void **st)
{
    (void)st;
    kill_case("replace", "CDLT_TEST_CRASH_AT=pg_worker_committed", NULL, true);
    kill_case("merge", "CDLT_TEST_CRASH_AT=merged", NULL, true);
}

/* during the COPYs: nothing committed */
static void test_kill_during_copy(void **st)
{
    (void)st;
    kill_case("append", "CDLT_TEST_CRASH_AT=load_file:3", "LOAD__OVERLAP_NORMALIZE=false",
              false);
}

/* The server ends one worker connection during its COPY (pg_terminate_backend, as a server
 * restart would for that backend): the run fails naming the lost connection, the other
 * workers and the main connection roll back (nothing committed: no table exists), and the
 * next run loads the package exactly once. Only this test's COPYs are hit. */
static void test_worker_connection_dropped(void **st)
{
    (void)st;
    th_env e;
    env_init(&e, "e2e_pgth_term", 3,
             "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\n");
    enum { N = 300000 };
    char *text = calloc(N, 48);
    size_t at = 0;
    for (int i = 0; i < N; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"sub\":[%d,%d]}\n", i, i, i + 1);
    tu_put(e.dir, "items.jsonl", text);
    free(text);
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    const char *envs[] = {e.threads, "LOAD__OVERLAP_NORMALIZE=false", NULL};
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(e.dir), 0);
    pid_t pid = spawn_cli(e.dir, "t1", args, envs);
    assert_int_equal(chdir(cwd), 0);
    int killed = tu_pg_end_copy(g_c, "e2e_pgth_term", pid);
    cli_res r = wait_cli(e.dir, "t1", pid);
    assert_true(killed > 0);
    assert_int_equal(r.exited, 1);
    assert_int_not_equal(r.code, 0);
    assert_true(strstr(r.err, "terminating connection") ||
                strstr(r.err, "closed the connection") || strstr(r.err, "connection"));
    tu_pg_expect(g_c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "'e2e_pgth_term'", "0");
    res_free(&r);
    tu_put(e.dir, "items.jsonl", "");
    run_ok(&e, NULL);
    tu_pg_expect(g_c, "SELECT count(*) || ':' || count(DISTINCT id) FROM e2e_pgth_term.items",
                 "300000:300000");
    tu_pg_expect(g_c, "SELECT count(*) FROM e2e_pgth_term.items__sub", "600000");
    tu_pg_expect(g_c, "SELECT count(*) FROM e2e_pgth_term._dlt_loads", "1");
    env_free(&e);
}

/* A bad value in the config is refused naming the key. */
static void test_bad_load_threads(void **st)
{
    (void)st;
    th_env e;
    env_init(&e, "e2e_pgth_bad", 1, "[[resources]]\nname = \"x\"\npath = \"x.jsonl\"\n");
    tu_put(e.dir, "x.jsonl", "{\"a\":1}\n");
    const char *envs[] = {"DESTINATION__POSTGRES__LOAD_THREADS=0", NULL};
    cli_res r = run_env(&e, envs);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "load_threads"));
    res_free(&r);
    env_free(&e);
}

static int setup(void **st)
{
    (void)st;
    g_c = PQconnectdb(tu_db_url("postgres"));
    return PQstatus(g_c) == CONNECTION_OK ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    PQfinish(g_c);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispositions_equal_serial),
        cmocka_unit_test(test_kill_between_commits),
        cmocka_unit_test(test_kill_replace_merge),
        cmocka_unit_test(test_kill_during_copy),
        cmocka_unit_test(test_worker_connection_dropped),
        cmocka_unit_test(test_bad_load_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
