/* test_credential_mask.c: a credential's secret parts (a motherduck_token query parameter, a
 * user:password@) never reach output or files (issue 10 #9): load info text and JSON, trace,
 * pipeline info, state.json, trace.json, logs and error messages all show them masked. */
#include "ptest.h"

#include "core/core.h"

#include <dirent.h>
#include <sys/stat.h>

#define SECRET "SECRETTOKEN123xyz"

static int g_log_hits;

static void sink(cdlt_log_level level, const char *msg, void *ud)
{
    (void)level;
    (void)ud;
    if (strstr(msg, SECRET))
        g_log_hits++;
}

static void no_secret(const char *what, const char *text)
{
    if (text && strstr(text, SECRET))
        fail_msg("the secret is in %s: %s", what, text);
}

/* Every regular file under dir, by content. */
static int files_checked;
static void scan(const char *dir)
{
    DIR *dh = opendir(dir);
    assert_non_null(dh);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (strstr(de->d_name, SECRET)) /* DuckDB once made a file named after the token */
            fail_msg("the secret is in a file name: %s", path);
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
            files_checked++;
        }
    }
    closedir(dh);
}

static void test_masked(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("credmask");
    cdlt_log_set_sink(sink, NULL);
    cdlt_log_set_level(CDLT_LOG_TRACE);
    char input[1200], cred[1300];
    snprintf(input, sizeof input, "%s/in.jsonl", e->dir);
    const char *rows = "{\"id\": 1}\n";
    assert_int_equal(tu_write_file(input, rows, strlen(rows)), 0);
    snprintf(cred, sizeof cred, "%s/test.duckdb?motherduck_token=" SECRET, e->dir);

    cdlt_pipeline_options o;
    pt_options(e, "p", cred, &o);
    cdlt_pipeline *p = pt_open_opts(&o);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", input, &r, &err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_load_info *info = NULL;
    /* a query string is not part of a DuckDB file name: refused (it once created a file named
     * "test.duckdb?motherduck_token=<secret>"), masked in the message */
    assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, &info, &err), CDLT_CONFIG);
    no_secret("the run's error", err.message);
    assert_non_null(strstr(err.message, "query string"));
    cdlt_source_free(s);
    char *t = NULL;
    for (int json = 0; json < 2; json++) {
        if (info) {
            assert_int_equal(cdlt_load_info_to_string(info, json, &t), CDLT_OK);
            no_secret("load info", t);
            cdlt_string_free(t);
        }
        if (cdlt_pipeline_trace_text(p, json, &t, &err) == CDLT_OK) {
            no_secret("trace", t);
            cdlt_string_free(t);
        }
        assert_int_equal(cdlt_pipeline_info(p, json, &t, &err), CDLT_OK);
        assert_non_null(strstr(t, "motherduck_token=")); /* the location is still shown */
        no_secret("pipeline info", t);
        cdlt_string_free(t);
    }
    cdlt_load_info_free(info);
    /* an error that quotes the credential masks it */
    cdlt_error_clear(&err);
    err_set(&err, CDLT_CONFIG, "cannot use %s", cred);
    no_secret("an error", err.message);
    cdlt_pipeline_free(p);

    /* a URL credential's password */
    cdlt_error_clear(&err);
    assert_int_equal(secret_register_credential("postgresql://u:PW" SECRET "@h:5432/db"), CDLT_OK);
    err_set(&err, CDLT_CONFIG, "bad postgresql://u:PW" SECRET "@h:5432/db");
    no_secret("a URL error", err.message);

    /* MotherDuck itself: a clear error, no file */
    snprintf(cred, sizeof cred, "md:mydb?motherduck_token=" SECRET);
    pt_options(e, "p2", cred, &o);
    p = pt_open_opts(&o);
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", input, &r, &err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_CONFIG);
    if (!strstr(err.message, "MotherDuck"))
        fail_msg("md: error: %s", err.message);
    no_secret("the md: error", err.message);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);

    files_checked = 0;
    scan(e->dir);
    assert_true(files_checked > 3);
    assert_int_equal(g_log_hits, 0);
    cdlt_log_set_sink(NULL, NULL);
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_masked)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
