/* test_file_format.c: dlt's loader_file_format picks the destination's load-file writer; a
 * name that is no loader file format, or one the destination does not take, fails at open
 * with the formats it takes; a definition's top-level loader_file_format reaches the
 * options; the destination's preferred (first) format is the default. */
#include "ptest.h"

static cdlt_status open_with(pt_env *e, const char *format, cdlt_error *err)
{
    cdlt_pipeline_options o;
    pt_options(e, "ff", e->db, &o);
    o.loader_file_format = format;
    cdlt_pipeline *p = NULL;
    cdlt_error_clear(err);
    cdlt_status rc = cdlt_pipeline_open(&o, &p, err);
    cdlt_pipeline_free(p);
    return rc;
}

static void has(const cdlt_error *err, const char *what)
{
    if (!strstr(err->message, what))
        fail_msg("'%s' not in: %s", what, err->message);
}

static void test_choice_checked_at_open(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("ff");
    cdlt_error err;
    assert_int_equal(open_with(e, "xml", &err), CDLT_CONFIG);
    has(&err, "'xml' is not a loader file format");
    has(&err, "insert_values"); /* what duckdb takes */
    assert_int_equal(open_with(e, "csv", &err), CDLT_CONFIG);
    has(&err, "'csv' is not supported by the duckdb destination");
    has(&err, "insert_values");
    /* the native writer answers to dlt's insert_values */
    assert_int_equal(open_with(e, "insert_values", &err), CDLT_OK);
    assert_int_equal(open_with(e, NULL, &err), CDLT_OK);
    pt_env_free(e);
}

static void test_definition_key(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("ff-def");
    char path[1200];
    snprintf(path, sizeof path, "%s/p.toml", e->dir);
    const char *text = "pipeline_name = \"p\"\nloader_file_format = \"csv\"\n"
                       "[[resources]]\nname = \"a\"\npath = \"a.jsonl\"\n";
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    cdlt_definition *d = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_definition_load(path, &d, &err), CDLT_OK);
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    cdlt_definition_options(d, &o);
    assert_string_equal(o.loader_file_format, "csv");
    cdlt_definition_free(d);
    /* not a string: a clear error */
    text = "pipeline_name = \"p\"\nloader_file_format = 1\n"
           "[[resources]]\nname = \"a\"\npath = \"a.jsonl\"\n";
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    assert_int_equal(cdlt_definition_load(path, &d, &err), CDLT_CONFIG);
    has(&err, "loader_file_format");
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice_checked_at_open),
        cmocka_unit_test(test_definition_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
