/* test_cli_commands.c: honest commands (issue 10 point 6). `cdlt pipeline NAME sync` with
 * nothing to restore fails and creates nothing (no working dir, no database file); without
 * --dataset-name after the working dir is gone it finds the dataset the pipeline used (or
 * lists the candidates); drop of an unknown resource lists the resources; extra arguments are
 * usage errors; `cdlt help [COMMAND]`; dlt's command names; --json errors on stdout. */
#include "cli_run.h"

#include <sys/stat.h>

typedef struct cmd_env {
    char *dir;      /* test folder (the cwd of every command) */
    char def[1200]; /* definition file */
    char pdir[1200];/* pipelines dir */
    char db[1200];  /* duckdb file */
} cmd_env;

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Pipeline "cmd" with resources alpha (3 items) and beta (2 items) into dataset `dataset`. */
static void cmd_init(cmd_env *e, const char *tag, const char *dataset)
{
    e->dir = tu_mkdtemp(tag);
    snprintf(e->def, sizeof e->def, "%s/p.toml", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    snprintf(e->db, sizeof e->db, "%s/cmd.duckdb", e->dir);
    char text[1024];
    tu_put(e->dir, "alpha.jsonl", "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
    tu_put(e->dir, "beta.jsonl", "{\"k\":\"x\"}\n{\"k\":\"y\"}\n");
    snprintf(text, sizeof text,
             "pipeline_name = \"cmd\"\ndestination = \"duckdb\"\ncredentials = \"cmd.duckdb\"\n"
             "dataset_name = \"%s\"\n[[resources]]\nname = \"alpha\"\npath = \"alpha.jsonl\"\n"
             "[[resources]]\nname = \"beta\"\npath = \"beta.jsonl\"\n",
             dataset);
    tu_put(e->dir, "p.toml", text);
}

static void cmd_free(cmd_env *e)
{
    tu_rm_rf(e->dir);
    free(e->dir);
}

/* cdlt with args, cwd = the test folder; exit code checked; result returned. */
static cli_res cdlt(const cmd_env *e, int want, const char *const *args)
{
    cli_res r = run_cli_in(e->dir, args, NULL);
    if (r.code != want)
        fprintf(stderr, "cdlt %s %s %s: exit %d (want %d)\nstdout: %s\nstderr: %s\n", args[0],
                args[1] ? args[1] : "", args[1] && args[2] ? args[2] : "", r.code, want, r.out,
                r.err);
    assert_int_equal(r.exited, 1);
    assert_int_equal(r.code, want);
    return r;
}

static void run_ok(const cmd_env *e, const char *dataset)
{
    const char *args[] = {"run", e->def, "--pipelines-dir", e->pdir, "--progress", "none",
                          dataset ? "--dataset-name" : NULL, dataset, NULL};
    cli_res r = cdlt(e, 0, args);
    res_free(&r);
}

static void test_sync_nothing_to_restore(void **st)
{
    (void)st;
    cmd_env e;
    cmd_init(&e, "cmd-sync0", "ds");
    /* no database at all: not even the file is made */
    const char *s1[] = {"pipeline", "cmd", "sync", "--pipelines-dir", e.pdir, NULL};
    cli_res r = cdlt(&e, 3, s1);
    assert_non_null(strstr(r.err, "nothing to restore"));
    assert_non_null(strstr(r.err, "cmd.duckdb"));
    res_free(&r);
    assert_false(exists(e.pdir));
    assert_false(exists(e.db));
    /* a database without this pipeline: neither the working dir nor anything in the file */
    run_ok(&e, NULL);
    tu_rm_rf(e.pdir);
    struct stat before, after;
    assert_int_equal(stat(e.db, &before), 0);
    const char *s2[] = {"pipeline", "other", "sync", "--pipelines-dir", e.pdir,
                        "--credentials", e.db, NULL};
    r = cdlt(&e, 3, s2);
    assert_non_null(strstr(r.err, "no dataset in"));
    assert_non_null(strstr(r.err, "pipeline other"));
    res_free(&r);
    const char *s3[] = {"pipeline", "cmd", "sync", "--pipelines-dir", e.pdir, "--dataset-name",
                        "wrong_ds", NULL};
    r = cdlt(&e, 3, s3);
    assert_non_null(strstr(r.err, "dataset wrong_ds"));
    res_free(&r);
    assert_false(exists(e.pdir));
    assert_int_equal(stat(e.db, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    assert_int_equal(pt_query_int(e.db, "SELECT count(*) FROM information_schema.schemata "
                                        "WHERE schema_name = 'wrong_ds'"),
                     0);
    /* an existing working dir whose database is gone */
    run_ok(&e, NULL);
    unlink(e.db);
    r = cdlt(&e, 3, s1);
    assert_non_null(strstr(r.err, "does not exist"));
    res_free(&r);
    assert_false(exists(e.db));
    cmd_free(&e);
}

static void test_sync_finds_dataset(void **st)
{
    (void)st;
    cmd_env e;
    cmd_init(&e, "cmd-syncds", "custom_ds");
    run_ok(&e, NULL);
    tu_rm_rf(e.pdir);
    /* dlt would look in cmd_dataset only; the dataset holding the state is found */
    const char *sync[] = {"pipeline", "cmd", "sync", "--pipelines-dir", e.pdir, NULL};
    cli_res r = cdlt(&e, 0, sync);
    assert_non_null(strstr(r.out, "dataset custom_ds"));
    res_free(&r);
    const char *info[] = {"pipeline", "cmd", "info", "--pipelines-dir", e.pdir, NULL};
    r = cdlt(&e, 0, info);
    assert_non_null(strstr(r.out, "dataset: custom_ds"));
    res_free(&r);
    /* a second dataset of the same pipeline: the choice is the user's */
    run_ok(&e, "second_ds");
    tu_rm_rf(e.pdir);
    r = cdlt(&e, 3, sync);
    assert_non_null(strstr(r.err, "second_ds, custom_ds"));
    assert_non_null(strstr(r.err, "--dataset-name"));
    res_free(&r);
    assert_false(exists(e.pdir));
    const char *pick[] = {"pipeline", "cmd", "sync", "--pipelines-dir", e.pdir,
                          "--dataset-name", "custom_ds", NULL};
    r = cdlt(&e, 0, pick);
    assert_non_null(strstr(r.out, "dataset custom_ds"));
    res_free(&r);
    cmd_free(&e);
}

static void test_drop_unknown_resource(void **st)
{
    (void)st;
    cmd_env e;
    cmd_init(&e, "cmd-drop", "ds");
    run_ok(&e, NULL);
    const char *drop[] = {"pipeline", "cmd", "drop", "alpha", "gamma", "--pipelines-dir", e.pdir,
                          NULL};
    cli_res r = cdlt(&e, 3, drop);
    assert_non_null(strstr(r.err, "'gamma'"));
    assert_non_null(strstr(r.err, "alpha, beta"));
    res_free(&r);
    assert_int_equal(pt_count(e.db, "ds", "alpha"), 3); /* nothing dropped */
    assert_int_equal(pt_count(e.db, "ds", "_dlt_loads"), 1);
    const char *ok[] = {"pipeline", "cmd", "drop", "beta", "--pipelines-dir", e.pdir, NULL};
    r = cdlt(&e, 0, ok);
    res_free(&r);
    assert_int_equal(pt_count(e.db, "ds", "beta"), -1);
    assert_int_equal(pt_count(e.db, "ds", "alpha"), 3);
    cmd_free(&e);
}

static void test_extra_arguments(void **st)
{
    (void)st;
    cmd_env e;
    cmd_init(&e, "cmd-args", "ds");
    run_ok(&e, NULL);
    const char *bad[][8] = {
        {"pipeline", "cmd", "info", "extra", NULL},
        {"pipeline", "cmd", "show", "extra", NULL},
        {"pipeline", "cmd", "trace", "a", NULL},
        {"pipeline", "cmd", "schema", "cmd", "b", NULL},
        {"pipeline", "cmd", "load-package", "1", "2", NULL},
        {"pipeline", "cmd", "failed-jobs", "x", NULL},
        {"pipeline", "cmd", "drop-pending", "x", NULL},
        {"pipeline", "cmd", "sync", "x", NULL},
        {"pipeline", "cmd", "info", "--format", "json", NULL},
        {"pipeline", "cmd", "drop", "--json", NULL},
        {"pipeline", "cmd", "frobnicate", NULL},
        {"pipeline", "--list", "x", NULL},
        {"run", "a.toml", "b.toml", NULL},
        {"config", "show", "a", "b", NULL},
        {"help", "run", "x", NULL},
        {"help", "nosuch", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *a[12];
        size_t n = 0;
        for (; bad[i][n]; n++)
            a[n] = bad[i][n];
        if (strcmp(a[0], "pipeline") == 0) {
            a[n++] = "--pipelines-dir";
            a[n++] = e.pdir;
        }
        a[n] = NULL;
        cli_res r = cdlt(&e, 2, a);
        assert_true(strlen(r.err) > 0);
        res_free(&r);
    }
    /* nothing of that changed the pipeline */
    assert_int_equal(pt_count(e.db, "ds", "alpha"), 3);
    cmd_free(&e);
}

static void test_help_and_dlt_names(void **st)
{
    (void)st;
    cmd_env e;
    cmd_init(&e, "cmd-help", "ds");
    const char *h0[] = {"help", NULL};
    cli_res r = cdlt(&e, 0, h0);
    assert_non_null(strstr(r.out, "commands:"));
    res_free(&r);
    const char *h1[] = {"help", "run", NULL};
    r = cdlt(&e, 0, h1);
    assert_non_null(strstr(r.out, "usage: cdlt run"));
    res_free(&r);
    const char *h2[] = {"help", "pipeline", NULL};
    r = cdlt(&e, 0, h2);
    assert_non_null(strstr(r.out, "drop-pending-packages"));
    res_free(&r);
    const char *h3[] = {"help", "config", NULL};
    r = cdlt(&e, 0, h3);
    assert_non_null(strstr(r.out, "cdlt config show"));
    res_free(&r);
    run_ok(&e, NULL);
    const char *names[][6] = {
        {"pipeline", "cmd", "show", NULL},
        {"pipeline", "cmd", "drop-pending-packages", NULL},
        {"pipeline", "--list-pipelines", NULL},
        {"pipeline", "-l", NULL},
        {"pipeline", "list", NULL},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *a[8];
        size_t n = 0;
        for (; names[i][n]; n++)
            a[n] = names[i][n];
        a[n++] = "--pipelines-dir";
        a[n++] = e.pdir;
        a[n] = NULL;
        r = cdlt(&e, 0, a);
        assert_true(strlen(r.out) > 0);
        if (i >= 2)
            assert_string_equal(r.out, "cmd\n");
        res_free(&r);
    }
    cmd_free(&e);
}

/* One line on stdout: {"error": {"status": ..., "exit_code": N, ...}}. */
static void expect_json_error(const cli_res *r, const char *status, int code)
{
    char want[128];
    snprintf(want, sizeof want, "{\"error\": {\"status\": \"%s\", \"exit_code\": %d,", status,
             code);
    if (strncmp(r->out, want, strlen(want)) != 0)
        fprintf(stderr, "stdout: %s\n", r->out);
    assert_int_equal(strncmp(r->out, want, strlen(want)), 0);
    assert_non_null(strstr(r->out, "\"message\": \""));
    size_t n = strlen(r->out);
    assert_true(n > 2 && strcmp(r->out + n - 3, "}}\n") == 0);
    assert_null(memchr(r->out, '\n', n - 1));
}

static void test_json_errors(void **st)
{
    (void)st;
    cmd_env e;
    cmd_init(&e, "cmd-json", "ds");
    const char *missing[] = {"run", "nosuch.toml", "--json", NULL};
    cli_res r = cdlt(&e, 3, missing);
    expect_json_error(&r, "CDLT_NOT_FOUND", 3);
    res_free(&r);
    const char *nopipe[] = {"pipeline", "cmd", "info", "--json", "--pipelines-dir", e.pdir, NULL};
    r = cdlt(&e, 3, nopipe);
    expect_json_error(&r, "CDLT_NOT_FOUND", 3);
    res_free(&r);
    /* a run that fails on its data */
    tu_put(e.dir, "beta.jsonl", "{\"k\":\"x\"}\n{\"k\": oops}\n");
    const char *run[] = {"run", e.def, "--json", "--pipelines-dir", e.pdir, "--progress", "none",
                         NULL};
    r = cdlt(&e, 1, run);
    expect_json_error(&r, "CDLT_PARSE", 1);
    assert_non_null(strstr(r.out, "beta.jsonl"));
    res_free(&r);
    const char *trace[] = {"pipeline", "cmd", "trace", "--json", "--pipelines-dir", e.pdir, NULL};
    r = cdlt(&e, 0, trace);
    assert_non_null(strstr(r.out, "\"status\""));
    res_free(&r);
    cmd_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_nothing_to_restore),
        cmocka_unit_test(test_sync_finds_dataset),
        cmocka_unit_test(test_drop_unknown_resource),
        cmocka_unit_test(test_extra_arguments),
        cmocka_unit_test(test_help_and_dlt_names),
        cmocka_unit_test(test_json_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
