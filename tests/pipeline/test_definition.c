/* test_definition.c: pipeline definition files in TOML, YAML and JSON: options, resources and
 * hints, relative paths, errors that name the file and the key. */
#include "ptest.h"

#include <unistd.h>

static void check_shop(const char *file, const char *name)
{
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_definition *d = NULL;
    cdlt_status rc = cdlt_definition_load(tu_source_path(file), &d, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "%s: %s\n", file, err.message);
    assert_int_equal(rc, CDLT_OK);
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    cdlt_definition_options(d, &o);
    assert_string_equal(o.pipeline_name, name);
    assert_string_equal(o.destination, "duckdb");
    assert_string_equal(o.dataset_name, "shop_data");
    assert_non_null(strstr(o.credentials, "samples/"));
    cdlt_source *s = NULL;
    assert_int_equal(cdlt_definition_source(d, &s, &err), CDLT_OK);
    assert_int_equal(cdlt_source_resource_count(s), 3);
    assert_non_null(cdlt_source_find(s, "customers"));
    assert_non_null(cdlt_source_find(s, "events"));
    cdlt_source_free(s);
    cdlt_definition_free(d);
}

static void test_samples(void **st)
{
    (void)st;
    check_shop("samples/shop.toml", "shop");
    check_shop("samples/shop.yaml", "shop_yaml");
}

static void write_file(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static void test_errors(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("def");
    char path[1024];
    cdlt_error err;
    cdlt_definition *d = NULL;

    snprintf(path, sizeof path, "%s/a.json", dir);
    write_file(path, "{\"resources\":[{\"name\":\"x\",\"path\":\"x.jsonl\"}]}");
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_definition_load(path, &d, &err), CDLT_CONFIG);
    assert_null(d);
    assert_non_null(strstr(err.message, "pipeline_name"));
    assert_non_null(strstr(err.message, "a.json"));

    snprintf(path, sizeof path, "%s/b.toml", dir);
    write_file(path, "pipeline_name = \"b\"\n[[resources]]\nname = \"r\"\npath = \"r.jsonl\"\n"
                     "write_disposition = \"upsert-ish\"\n");
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_definition_load(path, &d, &err), CDLT_OK);
    cdlt_source *s = NULL;
    assert_int_equal(cdlt_definition_source(d, &s, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "write_disposition"));
    assert_non_null(strstr(err.message, "'r'"));
    cdlt_definition_free(d);

    snprintf(path, sizeof path, "%s/c.toml", dir);
    write_file(path, "pipeline_name = \"c\"\n[[resources]]\nname = \"r\"\n");
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_definition_load(path, &d, &err), CDLT_OK);
    assert_int_equal(cdlt_definition_source(d, &s, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "path"));
    cdlt_definition_free(d);

    snprintf(path, sizeof path, "%s/d.toml", dir);
    write_file(path, "pipeline_name = \"d\"\nresources = [\n");
    cdlt_error_clear(&err);
    assert_int_not_equal(cdlt_definition_load(path, &d, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "d.toml"));

    snprintf(path, sizeof path, "%s/missing.toml", dir);
    cdlt_error_clear(&err);
    assert_int_not_equal(cdlt_definition_load(path, &d, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "missing.toml"));

    /* the environment wins over the file for credentials */
    snprintf(path, sizeof path, "%s/e.yaml", dir);
    write_file(path, "pipeline_name: e\ncredentials: file.duckdb\nresources:\n"
                     "  - {name: r, path: r.jsonl, primary_key: [a, b], columns: [{name: a, "
                     "data_type: text}], schema_contract: freeze}\n");
    setenv("DESTINATION__DUCKDB__CREDENTIALS", "/tmp/from_env.duckdb", 1);
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_definition_load(path, &d, &err), CDLT_OK);
    unsetenv("DESTINATION__DUCKDB__CREDENTIALS");
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    cdlt_definition_options(d, &o);
    assert_string_equal(o.credentials, "/tmp/from_env.duckdb");
    assert_int_equal(cdlt_definition_source(d, &s, &err), CDLT_OK);
    cdlt_source_free(s);
    cdlt_definition_free(d);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_samples), cmocka_unit_test(test_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
