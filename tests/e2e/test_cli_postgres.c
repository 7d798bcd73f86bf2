/* test_cli_postgres.c: `destination = "postgres"` in a definition file, run with the real
 * binary against the fixture server (docs/testing-databases.md), credentials as dlt's fields
 * in .dlt/secrets.toml: append, replace (truncate-and-insert, insert-from-staging,
 * staging-optimized), merge (delete-insert with nested tables, upsert, scd2) over two loads;
 * `sync` from a fresh working dir; SIGKILL during a load (the package stays pending and the
 * next run loads it exactly once); 63-byte identifiers shortened as dlt 1.26 does; a wrong
 * password (clear message, password never shown). */
#include "cli_run.h"

#include <libpq-fe.h>
#include <sys/stat.h>

typedef struct pg_env {
    char *dir;
    char def[1200];
    char pdir[1200];
    const char *ds;
    PGconn *c;
} pg_env;

/* A test folder with .dlt/secrets.toml holding the fixture's credentials as dlt's fields. */
static void env_init(pg_env *e, const char *tag, const char *ds, const char *def)
{
    e->dir = tu_mkdtemp(tag);
    e->ds = ds;
    snprintf(e->def, sizeof e->def, "%s/p.toml", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    char sub[1300], text[1024];
    snprintf(sub, sizeof sub, "%s/.dlt", e->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(text, sizeof text,
             "[destination.postgres.credentials]\ndatabase = \"cdlt_test\"\nusername = \"cdlt\"\n"
             "password = \"%s\"\nhost = \"127.0.0.1\"\nport = %s\n",
             tu_db_env("CDLT_TEST_DB_PASSWORD"), tu_db_env("CDLT_TEST_PG_PORT"));
    tu_put(e->dir, ".dlt/secrets.toml", text);
    tu_put(e->dir, "p.toml", def);
    e->c = tu_pg_connect(tu_db_url("postgres"));
    tu_pg_exec(e->c, "SET TIME ZONE 'UTC'");
    tu_pg_drop_dataset(e->c, ds);
}

static void env_free(pg_env *e)
{
    tu_pg_drop_dataset(e->c, e->ds);
    PQfinish(e->c);
    tu_rm_rf(e->dir);
    free(e->dir);
}

static const char DEF[] =
    "pipeline_name = \"pgdisp\"\ndestination = \"postgres\"\ndataset_name = \"e2e_pg_disp\"\n"
    PG_DISP_RESOURCES;

static void day(const pg_env *e, int n)
{
    if (n == 1) {
        tu_put(e->dir, "events.jsonl", "{\"e\":1}\n{\"e\":2}\n");
        tu_put(e->dir, "users.jsonl", "{\"id\":1,\"tags\":[\"a\",\"b\"]}\n{\"id\":2,\"tags\":[\"c\"]}\n");
        tu_put(e->dir, "orders.jsonl", "{\"id\":1,\"amt\":10,\"items\":[{\"sku\":\"x\"},{\"sku\":\"y\"}]}\n"
               "{\"id\":2,\"amt\":20,\"items\":[{\"sku\":\"z\"}]}\n"
               "{\"id\":3,\"amt\":30}\n");
        tu_put(e->dir, "prices.jsonl", "{\"sku\":\"x\",\"p\":1.5}\n{\"sku\":\"y\",\"p\":2.5}\n");
        tu_put(e->dir, "dims.jsonl", "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b\"}\n");
        tu_put(e->dir, "once.jsonl", "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b\"}\n");
    } else {
        tu_put(e->dir, "events.jsonl", "{\"e\":3}\n");
        tu_put(e->dir, "users.jsonl", "{\"id\":3,\"tags\":[\"d\"]}\n");
        tu_put(e->dir, "orders.jsonl", "{\"id\":1,\"amt\":11,\"items\":[{\"sku\":\"w\"}]}\n"
               "{\"id\":2,\"deleted\":true}\n{\"id\":4,\"amt\":40}\n");
        tu_put(e->dir, "prices.jsonl", "{\"sku\":\"y\",\"p\":3.5}\n{\"sku\":\"z\",\"p\":4.5}\n");
        tu_put(e->dir, "dims.jsonl", "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b2\"}\n");
        tu_put(e->dir, "once.jsonl", "{\"k\":2,\"v\":\"changed\"}\n{\"k\":3,\"v\":\"c\"}\n");
    }
}

static void check_day2(PGconn *c)
{
    tu_pg_expect(c, "SELECT string_agg(e::text, ',' ORDER BY e) FROM e2e_pg_disp.events", "1,2,3");
    tu_pg_expect(c, "SELECT string_agg(u.id || ':' || t.value, ',' ORDER BY u.id, t._dlt_list_idx) "
                 "FROM e2e_pg_disp.users u JOIN e2e_pg_disp.users__tags t ON t._dlt_parent_id = "
                 "u._dlt_id", "3:d");
    tu_pg_expect(c, "SELECT count(*) FROM e2e_pg_disp.users__tags", "1");
    tu_pg_expect(c, "SELECT string_agg(id || ':' || amt, ',' ORDER BY id) FROM e2e_pg_disp.orders",
                 "1:11,3:30,4:40");
    tu_pg_expect(c, "SELECT string_agg(o.id || ':' || i.sku, ',' ORDER BY o.id, i._dlt_list_idx) "
                 "FROM e2e_pg_disp.orders o JOIN e2e_pg_disp.orders__items i ON i._dlt_root_id = "
                 "o._dlt_id", "1:w");
    tu_pg_expect(c, "SELECT string_agg(sku || ':' || p, ',' ORDER BY sku) FROM e2e_pg_disp.prices",
                 "x:1.5,y:3.5,z:4.5");
    /* scd2: k=2 changed: the old version retired, the new one active; k=1 untouched */
    tu_pg_expect(c, "SELECT string_agg(k || v || ':' || (_dlt_valid_to IS NULL), ',' ORDER BY k, v) "
                 "FROM e2e_pg_disp.dims", "1a:true,2b:false,2b2:true");
    /* insert-only: new keys only, existing rows untouched */
    tu_pg_expect(c, "SELECT string_agg(k || v, ',' ORDER BY k) FROM e2e_pg_disp.once", "1a,2b,3c");
    tu_pg_expect(c, "SELECT count(*) || ':' || min(status) FROM e2e_pg_disp._dlt_loads", "2:0");
    tu_pg_expect(c, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                 "'e2e_pg_disp.dims'::regclass AND attname = '_dlt_valid_from'",
                 "timestamp with time zone");
}

static void test_dispositions_two_loads(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-disp", "e2e_pg_disp", DEF);
    day(&e, 1);
    run_def_ok(e.dir, NULL);
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_disp.users__tags", "3");
    tu_pg_expect(e.c, "SELECT string_agg(id || ':' || amt, ',' ORDER BY id) FROM e2e_pg_disp.orders",
                 "1:10,2:20,3:30");
    day(&e, 2);
    run_def_ok(e.dir, NULL);
    check_day2(e.c);
    /* replace through the staging dataset: insert-from-staging copies, staging-optimized swaps
     * the staging table in (dlt's replace strategies for postgres) */
    tu_put(e.dir, "events.jsonl", "");
    tu_put(e.dir, "orders.jsonl", "");
    tu_put(e.dir, "prices.jsonl", "");
    tu_put(e.dir, "once.jsonl", "");
    tu_put(e.dir, "dims.jsonl", "{\"k\":1,\"v\":\"a\"}\n{\"k\":2,\"v\":\"b2\"}\n");
    tu_put(e.dir, "users.jsonl", "{\"id\":5,\"tags\":[\"e\",\"f\"]}\n");
    const char *ifs[] = {"DESTINATION__POSTGRES__REPLACE_STRATEGY=insert-from-staging", NULL};
    run_def_ok(e.dir, ifs);
    tu_pg_expect(e.c, "SELECT string_agg(u.id || ':' || t.value, ',' ORDER BY t._dlt_list_idx) FROM "
                 "e2e_pg_disp.users u JOIN e2e_pg_disp.users__tags t ON t._dlt_parent_id = "
                 "u._dlt_id", "5:e,5:f");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_disp_staging.users", "1");
    tu_put(e.dir, "users.jsonl", "{\"id\":6,\"tags\":[\"g\"]}\n{\"id\":7}\n");
    const char *so[] = {"DESTINATION__POSTGRES__REPLACE_STRATEGY=staging-optimized", NULL};
    run_def_ok(e.dir, so);
    tu_pg_expect(e.c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM e2e_pg_disp.users", "6,7");
    tu_pg_expect(e.c, "SELECT string_agg(value, ',') FROM e2e_pg_disp.users__tags", "g");
    /* the swapped-in table keeps dlt's constraints; staging holds an empty copy */
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_disp_staging.users", "0");
    tu_pg_expect(e.c, "SELECT count(*) FROM information_schema.table_constraints WHERE "
                 "table_schema = 'e2e_pg_disp' AND table_name = 'users' AND constraint_type = "
                 "'UNIQUE'", "1");
    tu_put(e.dir, "users.jsonl", "{\"id\":8}\n");
    run_def_ok(e.dir, so);
    tu_pg_expect(e.c, "SELECT string_agg(id::text, ',' ORDER BY id) FROM e2e_pg_disp.users", "8");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_disp.users__tags", "0");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_disp._dlt_loads", "5");
    /* the stored state and schema are found again from a fresh working dir */
    tu_rm_rf(e.pdir);
    const char *sync[] = {"pipeline", "pgdisp", "sync", "--pipelines-dir", e.pdir,
                          "--destination", "postgres", NULL};
    cli_res r = run_cli_in(e.dir, sync, NULL);
    if (r.code != 0)
        fprintf(stderr, "sync: %s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "e2e_pg_disp"));
    res_free(&r);
    const char *info[] = {"pipeline", "pgdisp", "info", "--pipelines-dir", e.pdir, NULL};
    r = run_cli_in(e.dir, info, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "dataset: e2e_pg_disp"));
    assert_non_null(strstr(r.out, "postgres"));
    res_free(&r);
    /* and the pipeline goes on from there: one more append lands once */
    tu_put(e.dir, "events.jsonl", "{\"e\":4}\n");
    tu_put(e.dir, "users.jsonl", "{\"id\":9}\n");
    run_def_ok(e.dir, NULL);
    tu_pg_expect(e.c, "SELECT string_agg(e::text, ',' ORDER BY e) FROM e2e_pg_disp.events",
                 "1,2,3,4");
    env_free(&e);
}

static const char DEF_KILL[] =
    "pipeline_name = \"pgkill\"\ndestination = \"postgres\"\ndataset_name = \"e2e_pg_kill\"\n"
    "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\n";

/* SIGKILL at the first load_file (inside the package transaction): nothing is committed, the
 * package stays pending, and the next run loads it once. */
static void kill_case(const char *overlap)
{
    pg_env e;
    env_init(&e, "cli-pg-kill", "e2e_pg_kill", DEF_KILL);
    char *text = calloc(2000, 48);
    size_t at = 0;
    for (int i = 0; i < 2000; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"sub\":[%d,%d]}\n", i, i, i + 1);
    tu_put(e.dir, "items.jsonl", text);
    free(text);
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    const char *crash[] = {"CDLT_TEST_CRASH_AT=load_file", overlap, NULL};
    cli_res r = run_cli_in(e.dir, args, crash);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    tu_pg_expect(e.c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "'e2e_pg_kill' AND table_name = 'items'", "0");
    const char *info[] = {"pipeline", "pgkill", "info", "--pipelines-dir", e.pdir, NULL};
    r = run_cli_in(e.dir, info, NULL);
    /* pending (extracted: the overlapped load runs while normalize does), not loaded */
    if (!strstr(r.out, "Loaded packages: 0"))
        fprintf(stderr, "info: %s\n%s\n", r.out, r.err);
    assert_non_null(strstr(r.out, "Loaded packages: 0"));
    assert_true(strstr(r.out, "Pending extracted packages: 1") ||
                strstr(r.out, "Pending normalized packages: 1"));
    res_free(&r);
    tu_put(e.dir, "items.jsonl", "");
    run_def_ok(e.dir, NULL);
    tu_pg_expect(e.c, "SELECT count(*) || ':' || count(DISTINCT id) FROM e2e_pg_kill.items",
                 "2000:2000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_kill.items__sub", "4000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_kill._dlt_loads", "1");
    env_free(&e);
}

/* while normalize runs (the overlapped load) and in the load phase proper */
static void test_kill_during_load(void **st) { (void)st; kill_case(NULL); }
static void test_kill_during_load_phase(void **st)
{
    (void)st;
    kill_case("LOAD__OVERLAP_NORMALIZE=false");
}

/* The server ends the connection in the middle of a COPY (pg_terminate_backend, as a server
 * restart would). In the load phase: the run fails with a clear message, nothing is committed,
 * the package stays pending, and the next run loads it exactly once. In the load overlapped
 * with normalize: the pipeline loads the package again after normalize on a new connection
 * (docs/pipeline.md), so the run succeeds, again with every row exactly once. */
static void drop_case(const char *overlap)
{
    pg_env e;
    env_init(&e, "cli-pg-term", "e2e_pg_kill", DEF_KILL);
    enum { N = 300000 };
    char *text = calloc(N, 48);
    size_t at = 0;
    for (int i = 0; i < N; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"sub\":[%d,%d]}\n", i, i, i + 1);
    tu_put(e.dir, "items.jsonl", text);
    free(text);
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    const char *envs[] = {overlap, NULL};
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(e.dir), 0);
    pid_t pid = spawn_cli(e.dir, "t1", args, envs);
    assert_int_equal(chdir(cwd), 0);
    /* wait for its COPY, then end its connection from the server side; only this test's COPY:
     * other tests load into (and read from) the same fixture server at the same time */
    int killed = tu_pg_end_copy(e.c, "e2e_pg_kill", pid);
    cli_res r = wait_cli(e.dir, "t1", pid);
    assert_true(killed > 0);
    assert_int_equal(r.exited, 1);
    /* the load phase must fail; the overlapped load usually recovers (a COPY of the tail
     * after normalize may be the one hit: then it fails like the load phase) */
    if (overlap)
        assert_int_not_equal(r.code, 0);
    if (r.code != 0) {
        assert_non_null(strstr(r.err, "postgres"));
        /* libpq reports the server's notice, or only the closed socket when the notice
         * was not read before the close: both name the lost connection */
        assert_true(strstr(r.err, "terminating connection") ||
                    strstr(r.err, "closed the connection") || strstr(r.err, "connection"));
        assert_null(strstr(r.err, tu_db_env("CDLT_TEST_DB_PASSWORD")));
        tu_pg_expect(e.c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                     "'e2e_pg_kill' AND table_name = 'items'", "0");
        tu_put(e.dir, "items.jsonl", "");
        run_def_ok(e.dir, NULL);
    }
    res_free(&r);
    tu_pg_expect(e.c, "SELECT count(*) || ':' || count(DISTINCT id) FROM e2e_pg_kill.items",
                 "300000:300000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_kill.items__sub", "600000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_kill._dlt_loads", "1");
    env_free(&e);
}

static void test_server_drops_connection(void **st)
{
    (void)st;
    drop_case("LOAD__OVERLAP_NORMALIZE=false");
}
static void test_server_drops_connection_overlap(void **st) { (void)st; drop_case(NULL); }

/* Names past PostgreSQL's 63 bytes, shortened exactly as dlt 1.26 named them in a load of the
 * same item (dlt's snake_case with max_length 63: head + hash tag + tail). */
static void test_long_identifiers(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-long", "e2e_pg_long",
             "pipeline_name = \"pglong\"\ndestination = \"postgres\"\n"
             "dataset_name = \"e2e_pg_long\"\n[[resources]]\n"
             "name = \"a_table_with_an_extremely_long_name_that_goes_beyond_the_postgres_limit_xyz\"\n"
             "path = \"r.jsonl\"\n");
    tu_put(e.dir, "r.jsonl",
           "{\"id\": 1, \"a_column_name_that_is_very_long_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
           "xxxxxxxxxxxxxxxxxxxxxxxxxx\": \"v\", \"nested_list_with_a_rather_long_name_to_push_the_"
           "child_table_over\": [{\"inner_key_that_is_long_too_for_sure\": 1}]}\n");
    run_def_ok(e.dir, NULL);
    tu_pg_expect(e.c, "SELECT string_agg(table_name || '.' || column_name, ' ' ORDER BY table_name, "
                 "column_name) FROM information_schema.columns WHERE table_schema = "
                 "'e2e_pg_long' AND table_name NOT LIKE '\\_dlt%'",
                 "a_table_with_an_extremely_lonf4lbgqeyond_the_postgres_limit_xyz._dlt_id "
                 "a_table_with_an_extremely_lonf4lbgqeyond_the_postgres_limit_xyz._dlt_load_id "
                 "a_table_with_an_extremely_lonf4lbgqeyond_the_postgres_limit_xyz.a_column_name_"
                 "that_is_very_lo1uyscaxxxxxxxxxxxxxxxxxxxxxxxxxxxx "
                 "a_table_with_an_extremely_lonf4lbgqeyond_the_postgres_limit_xyz.id "
                 "a_table_with_an_extremely_lonnwzgoato_push_the_child_table_over._dlt_id "
                 "a_table_with_an_extremely_lonnwzgoato_push_the_child_table_over._dlt_list_idx "
                 "a_table_with_an_extremely_lonnwzgoato_push_the_child_table_over._dlt_parent_id "
                 "a_table_with_an_extremely_lonnwzgoato_push_the_child_table_over.inner_key_that_"
                 "is_long_too_for_sure");
    env_free(&e);
}

/* A wrong password from the environment (over secrets.toml): the server's reason and where,
 * never the password, in any output or file of the working dir. */
static void test_wrong_password(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-pw", "e2e_pg_pw", DEF_KILL);
    tu_put(e.dir, "items.jsonl", "{\"id\":1}\n");
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    const char *envs[] = {"DESTINATION__POSTGRES__CREDENTIALS__PASSWORD=Wr0ngPwQq7", NULL};
    cli_res r = run_cli_in(e.dir, args, envs);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "password authentication failed"));
    assert_non_null(strstr(r.err, "127.0.0.1"));
    assert_null(strstr(r.err, "Wr0ngPwQq7"));
    assert_null(strstr(r.out, "Wr0ngPwQq7"));
    res_free(&r);
    char url[512];
    snprintf(url, sizeof url, "DESTINATION__POSTGRES__CREDENTIALS=postgresql://cdlt:"
             "Other%%2FPw9z@127.0.0.1:%s/cdlt_test", tu_db_env("CDLT_TEST_PG_PORT"));
    const char *envs2[] = {url, NULL};
    r = run_cli_in(e.dir, args, envs2);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "password authentication failed"));
    assert_null(strstr(r.err, "Other%2FPw9z"));
    assert_null(strstr(r.err, "Other/Pw9z"));
    res_free(&r);
    /* the trace and state files of the working dir hold no password either */
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "grep -rl -e Wr0ngPwQq7 -e Other -e %s %s >/dev/null 2>&1",
             tu_db_env("CDLT_TEST_DB_PASSWORD"), e.pdir);
    assert_int_not_equal(system(cmd), 0);
    env_free(&e);
}

/* load_threads (connections loading tables at once, test_cli_pg_threads.c): a value that is
 * not a thread count is refused, not ignored */
static void test_load_threads_refused(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-lt", "e2e_pg_lt", DEF_KILL);
    tu_put(e.dir, "items.jsonl", "{\"id\":1}\n");
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    const char *envs[] = {"DESTINATION__POSTGRES__LOAD_THREADS=many", NULL};
    cli_res r = run_cli_in(e.dir, args, envs);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "load_threads must be a whole number from 1 to"));
    res_free(&r);
    env_free(&e);
}

/* `cdlt init rest_api postgres`: the definition names postgres and secrets.toml has dlt's
 * credential fields with placeholders (mode 0600). */
static void test_init_postgres(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-pg-init");
    const char *init[] = {"init", "rest_api", "postgres", "--dir", dir, NULL};
    cli_res r = run_cli(dir, init, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    char p[1400];
    snprintf(p, sizeof p, "%s/.dlt/secrets.toml", dir);
    char *text = tu_read_file(p, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "[destination.postgres.credentials]\ndatabase = \"dlt_data\""));
    assert_non_null(strstr(text, "password = \"<configure me>\""));
    free(text);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(p, sizeof p, "%s/rest_api_pipeline.toml", dir);
    text = tu_read_file(p, NULL);
    assert_non_null(strstr(text, "destination = \"postgres\""));
    free(text);
    tu_rm_rf(dir);
    free(dir);
}

/* ---- loading while extracting (docs/pipeline.md "Load while extracting") ---- */

static const char DEF_EARLY[] =
    "pipeline_name = \"pgearly\"\ndestination = \"postgres\"\ndataset_name = \"e2e_pg_early\"\n"
    "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\n";

/* items.jsonl with ids [from, from + n), each with a nested list of two */
static void put_items(const pg_env *e, int from, int n)
{
    char *text = calloc((size_t)n, 64);
    size_t at = 0;
    for (int i = from; i < from + n; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"name\":\"n%d\",\"sub\":[%d,%d]}\n", i, i,
                              i, i + 1);
    tu_put(e->dir, "items.jsonl", text);
    free(text);
}

/* small items files (ahead starts at once) and a slow source: the loader gets files while
 * extract still runs */
/* and small chunks: a cut closes the load files, so the loader gets some before extract ends
 * (load files rotate at 8 MiB, more than these tests write) */
#define EARLY_ENVS "CDLT_TEST_EXTRACT_ROTATE_BYTES=16384", "CDLT_TEST_EXTRACT_ROTATE_SLEEP_MS=5", \
                   "CDLT_TEST_TRANSACTION_MAX_BYTES=65536", "RUNTIME__LOG_LEVEL=DEBUG"
/* extract waits at its end for the early loader's first file / first chunk commit (a test
 * hook), so the overlap is seen however busy the machine is */
#define EARLY_WAIT_FILE "CDLT_TEST_EARLY_LOAD_WAIT=file"

static cli_res run_logged(const pg_env *e, const char *const *envs)
{
    const char *args[] = {"run", e->def, "--pipelines-dir", e->pdir, "--progress", "none", NULL};
    return run_cli_in(e->dir, args, envs);
}

/* An append package: loaded while extracted, every row once, over two runs. */
static void test_early_load_append(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-early", "e2e_pg_early", DEF_EARLY);
    const char *envs[] = {EARLY_ENVS, EARLY_WAIT_FILE, NULL};
    for (int run = 0; run < 2; run++) {
        put_items(&e, run * 20000, 20000);
        cli_res r = run_logged(&e, envs);
        if (r.code != 0)
            fprintf(stderr, "stderr: %s\n", r.err);
        assert_int_equal(r.code, 0);
        assert_non_null(strstr(r.err, "while it is extracted"));
        assert_null(strstr(r.err, "is rolled back"));
        /* files were loaded before extract ended: the loader's first table creation comes
         * before the extract's end in the log */
        const char *made = strstr(r.err, "creating table e2e_pg_early.items");
        const char *ext = strstr(r.err, "extracted load package");
        assert_true(run == 1 || (made && ext && made < ext));
        res_free(&r);
    }
    tu_pg_expect(e.c, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || sum(id) FROM "
                 "e2e_pg_early.items", "40000:40000:799980000");
    tu_pg_expect(e.c, "SELECT count(*) || ':' || sum(value) FROM e2e_pg_early.items__sub",
                 "80000:1600000000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_early.items i JOIN e2e_pg_early.items__sub s "
                 "ON s._dlt_parent_id = i._dlt_id", "80000");
    tu_pg_expect(e.c, "SELECT count(*) || ':' || count(DISTINCT load_id) FROM "
                 "e2e_pg_early._dlt_loads WHERE status = 0", "2:2");
    tu_pg_expect(e.c, "SELECT count(DISTINCT _dlt_load_id) FROM e2e_pg_early.items", "2");
    env_free(&e);
}

static const char DEF_EARLY_MERGE[] =
    "pipeline_name = \"pgearlym\"\ndestination = \"postgres\"\ndataset_name = \"e2e_pg_early\"\n"
    "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\n"
    "[[resources]]\nname = \"people\"\npath = \"people.jsonl\"\nprimary_key = \"id\"\n"
    "write_disposition = \"merge\"\n";

/* A package that also merges: what was loaded while extracting is rolled back and the package
 * is loaded the usual way (merge after normalize); appended rows once, merged rows merged. */
static void test_early_load_rolled_back_for_merge(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-early-m", "e2e_pg_early", DEF_EARLY_MERGE);
    const char *envs[] = {EARLY_ENVS, EARLY_WAIT_FILE, NULL};
    for (int run = 0; run < 2; run++) {
        put_items(&e, run * 20000, 20000);
        tu_put(e.dir, "people.jsonl", run == 0 ? "{\"id\":1,\"v\":1}\n{\"id\":2,\"v\":1}\n"
                                           : "{\"id\":2,\"v\":2}\n{\"id\":3,\"v\":1}\n");
        cli_res r = run_logged(&e, envs);
        if (r.code != 0)
            fprintf(stderr, "stderr: %s\n", r.err);
        assert_int_equal(r.code, 0);
        assert_non_null(strstr(r.err, "while it is extracted"));
        assert_non_null(strstr(r.err, "is rolled back (the package merges)"));
        res_free(&r);
    }
    tu_pg_expect(e.c, "SELECT count(*) || ':' || count(DISTINCT id) FROM e2e_pg_early.items",
                 "40000:40000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_early.items__sub", "80000");
    tu_pg_expect(e.c, "SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM e2e_pg_early.people",
                 "1=1,2=2,3=1");
    env_free(&e);
}

/* Killed after the loader committed a chunk while extract still ran: the package never got
 * extracted, its committed rows are an orphan load; the next run removes them before it
 * loads, and every row is there once. */
static void test_early_load_killed_after_chunk(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-early-k", "e2e_pg_early", DEF_EARLY);
    put_items(&e, 0, 20000);
    const char *crash[] = {EARLY_ENVS, "CDLT_TEST_EARLY_LOAD_WAIT=commit",
                           "CDLT_TEST_CRASH_AT=chunk_committed", NULL};
    cli_res r = run_logged(&e, crash);
    assert_int_equal(r.signo, SIGKILL);
    assert_non_null(strstr(r.err, "while it is extracted"));
    assert_null(strstr(r.err, "extracted load package")); /* killed during extract */
    res_free(&r);
    char *n = tu_pg_text(e.c, "SELECT count(*) FROM e2e_pg_early.items");
    assert_true(atoi(n) > 0); /* a chunk was committed */
    free(n);
    tu_pg_expect(e.c, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "'e2e_pg_early' AND table_name = '_dlt_loads'", "0");
    const char *envs[] = {EARLY_ENVS, NULL};
    r = run_logged(&e, envs);
    if (r.code != 0)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    tu_pg_expect(e.c, "SELECT count(*) || ':' || count(DISTINCT id) FROM e2e_pg_early.items",
                 "20000:20000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_early.items__sub", "40000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_early._dlt_loads", "1");
    tu_pg_expect(e.c, "SELECT count(DISTINCT _dlt_load_id) FROM e2e_pg_early.items", "1");
    env_free(&e);
}

/* items.jsonl with 20000 good items and a broken last line, run with the early loader held
 * until it committed a chunk and `mode` (the extract path): the run fails naming the user's
 * file and line, says nothing of it was loaded, and no row of it is left. */
static cli_res run_broken_items(pg_env *e, const char *mode)
{
    put_items(e, 0, 20000);
    char path[1300];
    snprintf(path, sizeof path, "%s/items.jsonl", e->dir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("{\"id\": broken}\n", f);
    assert_int_equal(fclose(f), 0);
    const char *bad[] = {EARLY_ENVS, "CDLT_TEST_EARLY_LOAD_WAIT=commit", mode, NULL};
    cli_res r = run_logged(e, bad);
    if (!strstr(r.err, "items.jsonl:20001:"))
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "overlapped load: chunk 1 committed"));
    assert_non_null(strstr(r.err, "items.jsonl:20001:"));
    assert_non_null(strstr(r.err, "nothing of this run was loaded"));
    tu_pg_expect(e->c, "SELECT count(*) FROM e2e_pg_early.items", "0");
    tu_pg_expect(e->c, "SELECT count(*) FROM e2e_pg_early.items__sub", "0");
    return r;
}

/* A verbatim copy (items.jsonl copied unparsed, normalized while extract copies it) loaded
 * while extracted; with a broken last line, the chunks the loader committed are taken back at
 * once, and after the fix every row is there once. */
static void test_early_load_verbatim_copy(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-early-v", "e2e_pg_early", DEF_EARLY);
    cli_res r = run_broken_items(&e, "EXTRACT__VERBATIM_MIN_FILE_BYTES=0");
    assert_non_null(strstr(r.err, "1 of 1 file(s) taken as they are"));
    res_free(&r);
    put_items(&e, 0, 20000);
    const char *good[] = {EARLY_ENVS, EARLY_WAIT_FILE, "EXTRACT__VERBATIM_MIN_FILE_BYTES=0", NULL};
    r = run_logged(&e, good);
    if (r.code != 0)
        fprintf(stderr, "stderr: %s\n", r.err);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.err, "1 of 1 file(s) taken as they are"));
    assert_non_null(strstr(r.err, "files normalized while extracting are used"));
    assert_null(strstr(r.err, "is rolled back"));
    res_free(&r);
    tu_pg_expect(e.c, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || sum(id) FROM "
                 "e2e_pg_early.items", "20000:20000:199990000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_early.items i JOIN e2e_pg_early.items__sub s "
                 "ON s._dlt_parent_id = i._dlt_id", "40000");
    tu_pg_expect(e.c, "SELECT count(*) FROM e2e_pg_early._dlt_loads WHERE status = 0", "1");
    env_free(&e);
}

/* Extract fails (a broken line in a parsed file) after the loader committed chunks of the
 * package while it was extracted: those rows go at once, so the failed run leaves none. */
static void test_early_load_failed_extract(void **st)
{
    (void)st;
    pg_env e;
    env_init(&e, "cli-pg-early-f", "e2e_pg_early", DEF_EARLY);
    cli_res r = run_broken_items(&e, "EXTRACT__VERBATIM_FILES=false");
    res_free(&r);
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispositions_two_loads),
        cmocka_unit_test(test_kill_during_load),
        cmocka_unit_test(test_kill_during_load_phase),
        cmocka_unit_test(test_server_drops_connection),
        cmocka_unit_test(test_server_drops_connection_overlap),
        cmocka_unit_test(test_long_identifiers),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_early_load_verbatim_copy),
        cmocka_unit_test(test_early_load_failed_extract),
        cmocka_unit_test(test_load_threads_refused),
        cmocka_unit_test(test_init_postgres),
        cmocka_unit_test(test_early_load_append),
        cmocka_unit_test(test_early_load_rolled_back_for_merge),
        cmocka_unit_test(test_early_load_killed_after_chunk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
