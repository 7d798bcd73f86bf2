/* test_cli_secrets.c: a secret inside a credential (a motherduck_token query parameter given
 * in .dlt/secrets.toml or the environment) never reaches what the real `cdlt` binary prints
 * (run, run --json, config show, pipeline info / trace / state) nor any file or file name it
 * writes, the dataset's DuckDB file included (issue 10 #9). A query string on a DuckDB file path is refused: DuckDB used to create a
 * file named after it, token included. */
#include "cli_run.h"

#include <dirent.h>
#include <sys/stat.h>

#define SECRET "TOPSECRETtok987"

static void no_secret(const char *what, const char *text)
{
    if (text && strstr(text, SECRET))
        fail_msg("the secret is in %s: %s", what, text);
}

static int scanned;
static void scan(const char *dir)
{
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, ".dlt") == 0) /* the user's own secrets file */
            continue;
        if (strstr(de->d_name, SECRET))
            fail_msg("the secret is in a file name under %s: %s", dir, de->d_name);
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat sb;
        assert_int_equal(lstat(path, &sb), 0);
        if (S_ISDIR(sb.st_mode)) {
            scan(path);
        } else if (S_ISREG(sb.st_mode)) {
            size_t n = 0;
            char *t = tu_read_file(path, &n);
            assert_non_null(t);
            if (memmem(t, n, SECRET, strlen(SECRET)))
                fail_msg("the secret is in %s", path);
            free(t);
            scanned++;
        }
    }
    closedir(dh);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static void check_outputs(const char *dir, const char *pdir, const char *def,
                          const char *const *envs)
{
    const char *run[] = {"run", def, "--pipelines-dir", pdir, "--progress", "log", NULL};
    cli_res r = run_cli(dir, run, envs);
    assert_int_not_equal(r.code, 0);
    no_secret("run stdout", r.out);
    no_secret("run stderr", r.err);
    assert_non_null(strstr(r.err, "query string"));
    res_free(&r);
    const char *runj[] = {"run", def, "--pipelines-dir", pdir, "--json", NULL};
    r = run_cli(dir, runj, envs);
    assert_int_not_equal(r.code, 0);
    no_secret("run --json stdout", r.out);
    no_secret("run --json stderr", r.err);
    res_free(&r);
    const char *show[] = {"config", "show", "destination.duckdb", "--pipeline-name", "sec", NULL};
    r = run_cli(dir, show, envs);
    no_secret("config show stdout", r.out);
    no_secret("config show stderr", r.err);
    res_free(&r);
    const char *cmds[][7] = {{"pipeline", "sec", "info", "--pipelines-dir", pdir, NULL},
                             {"pipeline", "sec", "trace", "--pipelines-dir", pdir, NULL},
                             {"pipeline", "sec", "info", "--pipelines-dir", pdir, "--json", NULL}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        r = run_cli(dir, cmds[i], envs);
        no_secret(cmds[i][2], r.out);
        no_secret(cmds[i][2], r.err);
        res_free(&r);
    }
}

static void test_secret_in_secrets_toml(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-secret");
    char path[1200], def[1200], pdir[1200], envp[1300];
    snprintf(path, sizeof path, "%s/.dlt", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/.dlt/secrets.toml", dir);
    write_text(path, "[destination.duckdb]\ncredentials = \"sec.duckdb?motherduck_token=" SECRET
                     "\"\n");
    snprintf(path, sizeof path, "%s/items.jsonl", dir);
    write_text(path, "{\"id\":1}\n");
    snprintf(def, sizeof def, "%s/p.toml", dir);
    write_text(def, "pipeline_name = \"sec\"\ndestination = \"duckdb\"\ndataset_name = \"s\"\n"
                    "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\n");
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(envp, sizeof envp, "DLT_PROJECT_DIR=%s", dir);
    const char *envs[] = {envp, NULL};
    check_outputs(dir, pdir, def, envs);
    /* the same credential from the environment */
    const char *envs2[] = {envp,
                           "DESTINATION__DUCKDB__CREDENTIALS=env.duckdb?motherduck_token=" SECRET,
                           NULL};
    check_outputs(dir, pdir, def, envs2);
    scanned = 0;
    scan(dir);
    assert_true(scanned > 2);
    tu_rm_rf(dir);
    free(dir);
}

/* A run that loads: secrets of other keys (a PostgreSQL password, an API key in secrets.toml
 * and in the environment) are in the configuration the run resolves. The run, its --json form,
 * config show (all keys), pipeline info / trace / state, every file under the project and
 * pipelines folders and the dataset's DuckDB file itself hold no secret. */
static void test_secrets_on_a_loading_run(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-secret-ok");
    char path[1200], def[1200], pdir[1200], envp[1300], envd[1300];
    snprintf(path, sizeof path, "%s/.dlt", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/.dlt/secrets.toml", dir);
    write_text(path, "[destination.postgres]\ncredentials = \"postgresql://loader:" SECRET
                     "@localhost:5432/db\"\n[sources.items]\napi_key = \"" SECRET "\"\n");
    snprintf(path, sizeof path, "%s/items.jsonl", dir);
    write_text(path, "{\"id\":1}\n{\"id\":2}\n");
    snprintf(def, sizeof def, "%s/p.toml", dir);
    write_text(def, "pipeline_name = \"ok\"\ndestination = \"duckdb\"\ndataset_name = \"s\"\n"
                    "[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\n");
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(envp, sizeof envp, "DLT_PROJECT_DIR=%s", dir);
    /* the dataset inside the test folder (the binary runs in the build folder) */
    snprintf(envd, sizeof envd, "DESTINATION__DUCKDB__CREDENTIALS=%s/ok.duckdb", dir);
    const char *envs[] = {envp, envd, "SOURCES__ITEMS__TOKEN=" SECRET,
                          "DESTINATION__BIGQUERY__CREDENTIALS__PRIVATE_KEY=" SECRET, NULL};
    const char *run[] = {"run", def, "--pipelines-dir", pdir, "--progress", "log", NULL};
    cli_res r = run_cli(dir, run, envs);
    if (r.code != 0)
        fail_msg("run failed: %s", r.err);
    no_secret("run stdout", r.out);
    no_secret("run stderr", r.err);
    res_free(&r);
    const char *cmds[][7] = {{"run", def, "--pipelines-dir", pdir, "--json", NULL},
                             {"config", "show", NULL},
                             {"config", "show", "--pipeline-name", "ok", NULL},
                             {"pipeline", "ok", "info", "--pipelines-dir", pdir, NULL},
                             {"pipeline", "ok", "info", "--pipelines-dir", pdir, "--json", NULL},
                             {"pipeline", "ok", "trace", "--pipelines-dir", pdir, NULL},
                             {"pipeline", "ok", "trace", "--pipelines-dir", pdir, "--json", NULL},
                             {"pipeline", "ok", "state", "--pipelines-dir", pdir, NULL}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        r = run_cli(dir, cmds[i], envs);
        if (r.code != 0)
            fail_msg("cdlt %s %s failed: %s", cmds[i][0], cmds[i][1], r.err);
        no_secret(cmds[i][1], r.out);
        no_secret(cmds[i][1], r.err);
        res_free(&r);
    }
    scanned = 0;
    scan(dir); /* includes pipelines/ and the dataset file ok.duckdb */
    snprintf(path, sizeof path, "%s/ok.duckdb", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(scanned > 5);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_secret_in_secrets_toml),
                                       cmocka_unit_test(test_secrets_on_a_loading_run)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
