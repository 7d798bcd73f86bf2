/* test_definition_strict.c: definition files are strict (issue 10 #4): an unknown key is an
 * error naming the key, file, line, the keys allowed there and the closest one; a value of the
 * wrong type is an error; the same in TOML, YAML and JSON, with or without a UTF-8 BOM. */
#include "ptest.h"

#include <unistd.h>

static char *g_dir;

/* Loads `text` as <dir>/<name> (definition and source); returns the status, error in *err. */
static cdlt_status load(const char *name, const char *text, cdlt_error *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    cdlt_error_clear(err);
    cdlt_definition *d = NULL;
    cdlt_status rc = cdlt_definition_load(path, &d, err);
    if (rc == CDLT_OK) {
        cdlt_source *s = NULL;
        rc = cdlt_definition_source(d, &s, err);
        cdlt_source_free(s);
        cdlt_definition_free(d);
    } else {
        assert_null(d);
    }
    return rc;
}

static void has(const cdlt_error *err, const char *what)
{
    if (!strstr(err->message, what))
        fail_msg("'%s' not in: %s", what, err->message);
}

static void test_unknown_keys(void **st)
{
    (void)st;
    cdlt_error err;
    /* a typo in a resource entry, TOML: line 7 */
    assert_int_equal(load("t.toml",
                          "pipeline_name = \"p\"\n\n[[resources]]\nname = \"a\"\n"
                          "path = \"a.jsonl\"\n# comment\nwrite_dispositon = \"merge\"\n",
                          &err),
                     CDLT_CONFIG);
    has(&err, "t.toml:7");
    has(&err, "'write_dispositon'");
    has(&err, "did you mean 'write_disposition'");
    has(&err, "primary_key"); /* the allowed keys are listed */
    /* YAML, top level */
    assert_int_equal(load("t.yaml",
                          "pipeline_name: p\ndataset_nmae: x\nresources:\n  - {name: a, path: "
                          "a.jsonl}\n",
                          &err),
                     CDLT_CONFIG);
    has(&err, "t.yaml:2");
    has(&err, "did you mean 'dataset_name'");
    /* JSON, resource_defaults; a key far from every allowed one has no suggestion */
    assert_int_equal(load("t.json",
                          "{\"pipeline_name\": \"p\",\n \"resource_defaults\": {\"zzzzzzzz\": 1},\n"
                          " \"resources\": [{\"name\": \"a\", \"path\": \"a.jsonl\"}]}",
                          &err),
                     CDLT_CONFIG);
    has(&err, "t.json:2");
    has(&err, "'zzzzzzzz'");
    assert_null(strstr(err.message, "did you mean"));
    /* a column spec */
    assert_int_equal(load("c.yaml",
                          "pipeline_name: p\nresources:\n  - name: a\n    path: a.jsonl\n"
                          "    columns:\n      id: {data_type: bigint, nulable: false}\n",
                          &err),
                     CDLT_CONFIG);
    has(&err, "c.yaml:6");
    has(&err, "did you mean 'nullable'");
}

static void test_wrong_types(void **st)
{
    (void)st;
    cdlt_error err;
    static const struct {
        const char *file, *text, *key;
    } cases[] = {
        {"s.toml", "pipeline_name = \"p\"\n[[resources]]\nname = \"a\"\npath = \"a.jsonl\"\n"
                   "selected = \"false\"\n", "selected"},
        {"d.toml", "pipeline_name = \"p\"\ndataset_name = 42\n[[resources]]\nname = \"a\"\n"
                   "path = \"a.jsonl\"\n", "dataset_name"},
        {"m.yaml", "pipeline_name: p\ndev_mode: \"true\"\nresources:\n  - {name: a, path: a}\n",
         "dev_mode"},
        {"g.json", "{\"pipeline_name\":\"p\",\"progress\":\"fancy\",\"resources\":[{\"name\":"
                   "\"a\",\"path\":\"a\"}]}", "progress"},
        {"w.json", "{\"pipeline_name\":\"p\",\"pipelines_dir\":7,\"resources\":[{\"name\":"
                   "\"a\",\"path\":\"a\"}]}", "pipelines_dir"},
        {"l.yaml", "pipeline_name: p\nresources:\n  - {name: a, path: a, limit: ten}\n", "limit"},
        /* dlt's precision/scale/timezone column hints (issue 13) */
        {"p.toml", "pipeline_name = \"p\"\n[[resources]]\nname = \"a\"\npath = \"a\"\n"
                   "columns = { x = { data_type = \"decimal\", precision = \"38\" } }\n",
         "precision"},
        {"sc.toml", "pipeline_name = \"p\"\n[[resources]]\nname = \"a\"\npath = \"a\"\n"
                    "columns = { x = { data_type = \"decimal\", scale = -1 } }\n",
         "scale"},
        {"tz.yaml", "pipeline_name: p\nresources:\n  - name: a\n    path: a\n    columns:\n"
                    "      ts: {data_type: timestamp, timezone: \"no\"}\n",
         "timezone"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(load(cases[i].file, cases[i].text, &err), CDLT_CONFIG);
        has(&err, cases[i].file);
        has(&err, cases[i].key);
        has(&err, "must be");
    }
    /* and the right types are taken */
    assert_int_equal(load("pok.toml",
                          "pipeline_name = \"p\"\n[[resources]]\nname = \"a\"\npath = \"a\"\n"
                          "columns = { amount = { data_type = \"decimal\", precision = 38, "
                          "scale = 9 }, ts = { data_type = \"timestamp\", timezone = false } }\n",
                          &err),
                     CDLT_OK);
}

/* dlt's incremental arguments are checked like every other key (issue 11 #5): a typo names
 * file, line and the closest argument; a word outside its set or a wrong type is an error */
static void test_incremental_keys(void **st)
{
    (void)st;
    cdlt_error err;
    assert_int_equal(load("i.toml",
                          "pipeline_name = \"p\"\n[[resources]]\nname = \"a\"\n"
                          "path = \"a.jsonl\"\n"
                          "incremental = { cursor_path = \"n\", last_value_fnc = \"max\" }\n",
                          &err),
                     CDLT_CONFIG);
    has(&err, "i.toml:5");
    has(&err, "'last_value_fnc'");
    has(&err, "did you mean 'last_value_func'");
    has(&err, "on_cursor_value_missing"); /* the allowed arguments are listed */
    /* in resource_defaults, YAML */
    assert_int_equal(load("i.yaml",
                          "pipeline_name: p\nresource_defaults:\n  incremental:\n"
                          "    cursor_path: n\n    row_ordr: asc\nresources:\n"
                          "  - {name: a, path: a}\n",
                          &err),
                     CDLT_CONFIG);
    has(&err, "i.yaml:5");
    has(&err, "did you mean 'row_order'");
    static const struct {
        const char *text, *key;
    } cases[] = {
        {"incremental = { cursor_path = \"n\", range_start = \"half\" }", "range_start"},
        {"incremental = { cursor_path = \"n\", lag = \"2\" }", "lag"},
        {"incremental = { cursor_path = \"n\", on_cursor_value_missing = \"skip\" }",
         "on_cursor_value_missing"},
        {"incremental = { cursor_path = \"n\", primary_key = [1] }", "primary_key"},
        {"incremental = { initial_value = 3 }", "cursor_path"},
        {"incremental = { cursor_path = \"n\", last_value_func = \"maximum\" }",
         "last_value_func"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "pipeline_name = \"p\"\n[[resources]]\nname = \"a\"\npath = \"a.jsonl\"\n%s\n",
                 cases[i].text);
        assert_int_equal(load("iv.toml", text, &err), CDLT_CONFIG);
        has(&err, "iv.toml");
        has(&err, cases[i].key);
        has(&err, "must be");
    }
    /* a full dlt-shaped incremental table is taken */
    assert_int_equal(load("ok.toml",
                          "pipeline_name = \"p\"\n[[resources]]\nname = \"a\"\n"
                          "path = \"a.jsonl\"\nprimary_key = \"id\"\n"
                          "incremental = { cursor_path = \"$.meta.updated_at\", initial_value = "
                          "\"2024-01-01T00:00:00Z\", end_value = \"2024-02-01T00:00:00Z\", "
                          "last_value_func = \"max\", primary_key = [\"id\"], "
                          "on_cursor_value_missing = \"exclude\", lag = 3600, range_start = "
                          "\"open\", range_end = \"closed\", row_order = \"asc\" }\n",
                          &err),
                     CDLT_OK);
}

static void test_bom(void **st)
{
    (void)st;
    cdlt_error err;
    assert_int_equal(load("b.toml",
                          "\xEF\xBB\xBFpipeline_name = \"p\"\n[[resources]]\nname = \"a\"\n"
                          "path = \"a.jsonl\"\n",
                          &err),
                     CDLT_OK);
    assert_int_equal(load("b.yaml", "\xEF\xBB\xBFpipeline_name: p\nresources:\n  - {name: a, path: a}\n",
                          &err),
                     CDLT_OK);
    assert_int_equal(load("b.json",
                          "\xEF\xBB\xBF{\"pipeline_name\":\"p\",\"resources\":[{\"name\":\"a\","
                          "\"path\":\"a\"}]}",
                          &err),
                     CDLT_OK);
    /* by content, without an extension */
    assert_int_equal(load("b", "\xEF\xBB\xBF{\"pipeline_name\":\"p\",\"resources\":[{\"name\":"
                               "\"a\",\"path\":\"a\"}]}",
                          &err),
                     CDLT_OK);
}

int main(void)
{
    g_dir = tu_mkdtemp("defstrict");
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_unknown_keys),
                                       cmocka_unit_test(test_wrong_types),
                                       cmocka_unit_test(test_incremental_keys),
                                       cmocka_unit_test(test_bom)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rm_rf(g_dir);
    free(g_dir);
    return rc;
}
