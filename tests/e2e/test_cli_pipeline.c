/* test_cli_pipeline.c: `cdlt run` and `cdlt pipeline` as a user runs them (fork/exec of the
 * built binary) on the bundled samples into real DuckDB files: tables and row counts, crash
 * safety (SIGKILL at every phase boundary, then resume: nothing lost, nothing doubled),
 * simulated full disk, a broken line in a large file, exit codes, inspection commands. */
#include "cli_run.h"


/* A copy of samples/ in dir with a definition pointing at dir/shop.duckdb. */
static void setup_samples(const char *dir)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/samples'", tu_source_path("samples"), dir);
    assert_int_equal(system(cmd), 0);
}

static const char *const TABLES[] = {"customers",  "customers__tags", "orders",
                                     "orders__items", "web_events", "_dlt_loads",
                                     "orders__items__discounts", "_dlt_pipeline_state"};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

static void counts(const char *db, int64_t *out)
{
    for (size_t i = 0; i < NTABLES; i++)
        out[i] = pt_count(db, "shop_data", TABLES[i]);
}

static int64_t g_base[NTABLES]; /* row counts of one clean run */

static void test_run_samples(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-run");
    setup_samples(dir);
    char def[1200], pdir[1200], db[1200];
    snprintf(def, sizeof def, "%s/samples/shop.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/samples/shop.duckdb", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "log", NULL};
    cli_res r = run_cli(dir, args, NULL);
    if (r.code != 0)
        fprintf(stderr, "stdout:\n%s\nstderr:\n%s\n", r.out, r.err);
    assert_int_equal(r.exited, 1);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "load step completed"));
    assert_non_null(strstr(r.out, "web_events"));
    res_free(&r);
    counts(db, g_base);
    assert_int_equal(g_base[0], 50);   /* customers */
    assert_true(g_base[1] > 0);        /* customers__tags */
    assert_int_equal(g_base[2], 200);  /* orders */
    assert_true(g_base[3] >= 200);     /* orders__items */
    assert_int_equal(g_base[4], 1000); /* web_events from 2 files */
    assert_int_equal(g_base[5], 1);
    assert_int_equal(pt_count(db, "shop_data", "_dlt_pipeline_state"), 1);
    assert_true(pt_count(db, "shop_data", "orders__items__discounts") > 0);

    /* second run: replace keeps customers at 50, append doubles the rest */
    r = run_cli(dir, args, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    int64_t c2[NTABLES];
    counts(db, c2);
    assert_int_equal(c2[0], 50);
    assert_int_equal(c2[1], g_base[1]);
    assert_int_equal(c2[2], 400);
    assert_int_equal(c2[3], 2 * g_base[3]);
    assert_int_equal(c2[4], 2000);
    assert_int_equal(c2[5], 2);

    /* inspection commands */
    const char *cmds[][6] = {{"pipeline", "shop", "info", NULL},
                             {"pipeline", "shop", "schema", NULL},
                             {"pipeline", "shop", "schema", "--format", "json", NULL},
                             {"pipeline", "shop", "trace", NULL},
                             {"pipeline", "shop", "load-package", NULL},
                             {"pipeline", "shop", "failed-jobs", NULL},
                             {"pipeline", "--list", NULL}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        const char *a[10];
        size_t n = 0;
        for (; cmds[i][n]; n++)
            a[n] = cmds[i][n];
        a[n++] = "--pipelines-dir";
        a[n++] = pdir;
        a[n] = NULL;
        r = run_cli(dir, a, NULL);
        if (r.code != 0)
            fprintf(stderr, "%s %s: %s\n", cmds[i][1], cmds[i][2] ? cmds[i][2] : "", r.err);
        assert_int_equal(r.code, 0);
        assert_true(r.out && strlen(r.out) > 0);
        res_free(&r);
    }
    /* exit codes */
    const char *missing[] = {"run", "/nonexistent/def.toml", NULL};
    r = run_cli(dir, missing, NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.err, "def.toml"));
    res_free(&r);
    const char *badopt[] = {"run", def, "--frobnicate", NULL};
    r = run_cli(dir, badopt, NULL);
    assert_int_equal(r.code, 2);
    res_free(&r);
    const char *nopipe[] = {"pipeline", "nosuch", "info", "--pipelines-dir", pdir, NULL};
    r = run_cli(dir, nopipe, NULL);
    assert_int_equal(r.code, 3);
    res_free(&r);
    tu_rm_rf(dir);
    free(dir);
}

/* Kill the run at a point, then run again until nothing is pending: every table must hold
 * exactly the rows of one clean run. */
/* Kill the run at a point (with extra env, e.g. small chunks), then run again (with
 * `resume_env` or none) until nothing is pending: every table must hold exactly the rows of
 * one clean run. */
static void crash_case_env(const char *point, const char *const *envx,
                           const char *const *resume_env);

static void crash_case(const char *point) { crash_case_env(point, NULL, NULL); }

static void crash_case_env(const char *point, const char *const *envx,
                           const char *const *resume_env)
{
    char *dir = tu_mkdtemp("cli-crash");
    setup_samples(dir);
    char def[1200], pdir[1200], db[1200], envv[128];
    snprintf(def, sizeof def, "%s/samples/shop.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/samples/shop.duckdb", dir);
    snprintf(envv, sizeof envv, "CDLT_TEST_CRASH_AT=%s", point);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    const char *envs[8] = {envv, NULL};
    for (size_t i = 0; envx && envx[i] && i < 6; i++)
        envs[i + 1] = envx[i], envs[i + 2] = NULL;
    cli_res r = run_cli(dir, args, envs);
    if (r.signo != SIGKILL)
        fprintf(stderr, "[%s] not killed: %s\n", point, r.err);
    assert_int_equal(r.exited, 0);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    /* resume: a run that only finishes pending work, then maybe one that extracts */
    r = run_cli(dir, args, resume_env);
    if (r.code != 0)
        fprintf(stderr, "[%s] resume: %s\n", point, r.err);
    assert_int_equal(r.code, 0);
    bool pending_only = strstr(r.out, "new data was not extracted") != NULL;
    res_free(&r);
    int64_t c[NTABLES];
    counts(db, c);
    if (c[2] <= 0 || pending_only) {
        /* the killed run loaded nothing (extract) or only finished work: compare after the
         * next run for the extract case */
        if (c[2] <= 0) {
            r = run_cli(dir, args, resume_env);
            assert_int_equal(r.code, 0);
            res_free(&r);
            counts(db, c);
        }
    }
    for (size_t i = 0; i < NTABLES; i++) {
        if (c[i] != g_base[i])
            fprintf(stderr, "[%s] table %s: %lld rows, expected %lld\n", point, TABLES[i],
                    (long long)c[i], (long long)g_base[i]);
        assert_int_equal(c[i], g_base[i]);
    }
    assert_int_equal(pt_count(db, "shop_data", "_dlt_pipeline_state"), 1);
    /* nothing pending is left */
    const char *info[] = {"pipeline", "shop", "info", "--pipelines-dir", pdir, NULL};
    r = run_cli(dir, info, NULL);
    assert_non_null(strstr(r.out, "Pending normalized packages: 0"));
    assert_non_null(strstr(r.out, "Pending extracted packages: 0"));
    res_free(&r);
    tu_rm_rf(dir);
    free(dir);
}

static void test_crash_extract(void **st) { (void)st; crash_case("extract"); }
static void test_crash_normalize(void **st) { (void)st; crash_case("normalize"); }
static void test_crash_load_file(void **st) { (void)st; crash_case("load_file"); }
static void test_crash_load_file_3(void **st) { (void)st; crash_case("load_file:3"); }
static void test_crash_before_commit(void **st) { (void)st; crash_case("before_commit"); }
static void test_crash_after_commit(void **st) { (void)st; crash_case("after_commit"); }

/* A package loaded in several transactions (chunks of ~20 KB here instead of 256 MB): a kill
 * before or after a chunk's commit, with the load overlapped with normalize or after it, and
 * resumed with or without chunks: the next run removes the committed part (nested tables
 * through their parents) and loads the package whole, nothing lost or doubled. */
static const char *const SMALL_CHUNKS[] = {"CDLT_TEST_TRANSACTION_MAX_BYTES=20000", NULL};
static const char *const SMALL_CHUNKS_SEQ[] = {"CDLT_TEST_TRANSACTION_MAX_BYTES=20000",
                                               "LOAD__OVERLAP_NORMALIZE=false", NULL};
static void test_crash_chunk_commit(void **st)
{
    (void)st;
    crash_case_env("chunk_commit:2", SMALL_CHUNKS, SMALL_CHUNKS);
}
static void test_crash_chunk_committed(void **st)
{
    (void)st;
    crash_case_env("chunk_committed:3", SMALL_CHUNKS, SMALL_CHUNKS);
}
static void test_crash_chunk_committed_resume_whole(void **st)
{
    (void)st;
    crash_case_env("chunk_committed:2", SMALL_CHUNKS, NULL);
}
static void test_crash_chunk_seq(void **st)
{
    (void)st;
    crash_case_env("chunk_committed:4", SMALL_CHUNKS_SEQ, SMALL_CHUNKS_SEQ);
}
static void test_crash_chunk_seq_last(void **st)
{
    (void)st;
    crash_case_env("before_commit", SMALL_CHUNKS_SEQ, NULL);
}

static void test_disk_full(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-full");
    setup_samples(dir);
    char def[1200], pdir[1200], db[1200];
    snprintf(def, sizeof def, "%s/samples/shop.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/samples/shop.duckdb", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    const char *envs[] = {"CDLT_TEST_DISK_FULL_AFTER=100000", NULL};
    cli_res r = run_cli(dir, args, envs);
    assert_int_equal(r.exited, 1);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "No space left on device"));
    assert_non_null(strstr(r.err, "free disk space"));
    res_free(&r);
    assert_int_equal(pt_count(db, "shop_data", "orders"), -1);
    r = run_cli(dir, args, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    int64_t c[NTABLES];
    counts(db, c);
    for (size_t i = 0; i < NTABLES; i++) {
        if (c[i] != g_base[i])
            fprintf(stderr, "[disk full] table %s: %lld rows, expected %lld\n", TABLES[i],
                    (long long)c[i], (long long)g_base[i]);
        assert_int_equal(c[i], g_base[i]);
    }
    tu_rm_rf(dir);
    free(dir);
}

static void test_broken_line(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-broken");
    char data[1200], def[1200], pdir[1200], db[1200];
    snprintf(data, sizeof data, "%s/big.jsonl", dir);
    snprintf(def, sizeof def, "%s/big.json", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/big.duckdb", dir);
    FILE *f = fopen(data, "w");
    for (int i = 1; i <= 100000; i++)
        fprintf(f, i == 60000 ? "{\"id\":%d,\"x\":[1,2 x]}\n" : "{\"id\":%d,\"x\":[1,2]}\n", i);
    fclose(f);
    f = fopen(def, "w");
    fprintf(f, "{\"pipeline_name\":\"big\",\"destination\":\"duckdb\",\"credentials\":\"big.duckdb\","
               "\"dataset_name\":\"bigds\",\"resources\":[{\"name\":\"rows\",\"path\":\"big.jsonl\"}]}\n");
    fclose(f);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, NULL};
    cli_res r = run_cli(dir, args, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "big.jsonl"));
    assert_non_null(strstr(r.err, "60000"));
    assert_non_null(strstr(r.err, "byte"));
    assert_non_null(strstr(r.err, "run again"));
    res_free(&r);
    assert_int_equal(pt_count(db, "bigds", "rows"), -1);
    /* fix the line; the next run loads all rows once */
    f = fopen(data, "w");
    for (int i = 1; i <= 100000; i++)
        fprintf(f, "{\"id\":%d,\"x\":[1,2]}\n", i);
    fclose(f);
    r = run_cli(dir, args, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "bigds", "rows"), 100000);
    assert_int_equal(pt_count(db, "bigds", "rows__x"), 200000);
    tu_rm_rf(dir);
    free(dir);
}


/* --limit, the YAML definition, drop of one resource, sync into a fresh working dir */
static void test_limit_drop_sync(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-more");
    setup_samples(dir);
    char def[1200], pdir[1200], pdir2[1200], db[1200];
    snprintf(def, sizeof def, "%s/samples/shop.yaml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(pdir2, sizeof pdir2, "%s/other_machine", dir);
    snprintf(db, sizeof db, "%s/samples/shop_yaml.duckdb", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--limit", "7", NULL};
    cli_res r = run_cli(dir, args, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "shop_data", "customers"), 7);
    assert_int_equal(pt_count(db, "shop_data", "orders"), 7);
    assert_int_equal(pt_count(db, "shop_data", "web_events"), 7);
    /* drop one resource: its tables go, the others stay */
    const char *drop[] = {"pipeline", "shop_yaml", "drop", "orders", "--pipelines-dir", pdir, NULL};
    r = run_cli(dir, drop, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "shop_data", "orders"), -1);
    assert_int_equal(pt_count(db, "shop_data", "orders__items"), -1);
    assert_int_equal(pt_count(db, "shop_data", "customers"), 7);
    /* a fresh machine: sync restores state and schema from the destination */
    char cred[1300];
    snprintf(cred, sizeof cred, "%s", db);
    const char *sync[] = {"pipeline", "shop_yaml", "sync", "--pipelines-dir", pdir2,
                          "--credentials", cred, "--dataset-name", "shop_data", NULL};
    r = run_cli(dir, sync, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    const char *schema[] = {"pipeline", "shop_yaml", "schema", "--pipelines-dir", pdir2, NULL};
    r = run_cli(dir, schema, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "customers"));
    assert_null(strstr(r.out, "orders__items"));
    res_free(&r);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_samples),      cmocka_unit_test(test_crash_extract),
        cmocka_unit_test(test_crash_normalize),  cmocka_unit_test(test_crash_load_file),
        cmocka_unit_test(test_crash_load_file_3), cmocka_unit_test(test_crash_before_commit),
        cmocka_unit_test(test_crash_after_commit), cmocka_unit_test(test_disk_full),
        cmocka_unit_test(test_crash_chunk_commit), cmocka_unit_test(test_crash_chunk_committed),
        cmocka_unit_test(test_crash_chunk_committed_resume_whole),
        cmocka_unit_test(test_crash_chunk_seq), cmocka_unit_test(test_crash_chunk_seq_last),
        cmocka_unit_test(test_broken_line),      cmocka_unit_test(test_limit_drop_sync),
    };
    /* the children inherit the setting: overlapped load (default), then after normalize */
    unsetenv("LOAD__OVERLAP_NORMALIZE");
    int failed = cmocka_run_group_tests_name("overlap on", tests, NULL, NULL);
    setenv("LOAD__OVERLAP_NORMALIZE", "false", 1);
    failed += cmocka_run_group_tests_name("overlap off", tests, NULL, NULL);
    return failed;
}
