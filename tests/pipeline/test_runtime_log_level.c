/* test_runtime_log_level.c: dlt's [runtime] log_level in .dlt/config.toml sets the log level
 * when the pipeline opens (issue 10 #5; only RUNTIME__LOG_LEVEL worked); a bad value is an
 * error naming the key; a level set explicitly (CLI flag, environment, API) wins. */
#include "ptest.h"

#include <sys/stat.h>

static int g_info;

static void sink(cdlt_log_level level, const char *msg, void *ud)
{
    (void)msg;
    (void)ud;
    if (level == CDLT_LOG_INFO)
        g_info++;
}

static void write_config(const pt_env *e, const char *text)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/.dlt", e->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/.dlt/config.toml", e->dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static void test_log_level(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("rtlog");
    setenv("DLT_PROJECT_DIR", e->dir, 1);
    unsetenv("RUNTIME__LOG_LEVEL");
    cdlt_log_set_sink(sink, NULL);

    write_config(e, "[runtime]\nlog_level = \"loud\"\n");
    cdlt_pipeline_options o;
    pt_options(e, "p", e->db, &o);
    cdlt_pipeline *p = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_open(&o, &p, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "log_level"));
    assert_non_null(strstr(err.message, "loud"));

    assert_int_equal(cdlt_log_get_level(), CDLT_LOG_WARN);
    write_config(e, "[runtime]\nlog_level = \"info\"\n");
    p = pt_open_opts(&o);
    assert_int_equal(cdlt_log_get_level(), CDLT_LOG_INFO);
    char input[1200];
    snprintf(input, sizeof input, "%s/in.jsonl", e->dir);
    assert_int_equal(tu_write_file(input, "{\"id\": 1}\n", 10), 0);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", input, &r, &err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    assert_true(g_info > 0);

    /* an explicit level wins over the file */
    cdlt_log_set_level(CDLT_LOG_ERROR);
    p = pt_open_opts(&o);
    assert_int_equal(cdlt_log_get_level(), CDLT_LOG_ERROR);
    cdlt_pipeline_free(p);
    cdlt_log_set_sink(NULL, NULL);
    unsetenv("DLT_PROJECT_DIR");
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_log_level)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
