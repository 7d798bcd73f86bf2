/* test_definition.c: pipeline definitions in TOML, YAML and JSON give equal trees; YAML gets 1.2
 * core-schema typing and positioned errors (the shared reader's own tests: tests/yaml). */
#include "cfgtest.h"

#include "config/config.h"


/* The reader itself is tested in tests/yaml; here only that definitions get YAML 1.2 core
 * typing, aliases and positioned errors through cfg_yaml_parse. */
static void test_yaml_definition_reader(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    const char *text = "b: yes\nt: true\ni: 0o17\nd: &d {k: 1}\nr: {<<: *d, x: 2}\n";
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cfg_yaml_parse(text, strlen(text), "t.yaml", &a, &v, &err), CDLT_OK);
    assert_int_equal(jv_get(&v, "b")->type, JV_STRING); /* YAML 1.2: "yes" is a string */
    assert_true(jv_get(&v, "t")->u.b);
    assert_int_equal(jv_get(&v, "i")->u.i, 15);
    assert_int_equal(jv_get_path(&v, "r.k")->u.i, 1);
    const char *bad = "a: 1\nb: *nope\n";
    assert_int_equal(cfg_yaml_parse(bad, strlen(bad), "bad.yaml", &a, &v, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "unknown anchor"));
    assert_non_null(strstr(err.message, "bad.yaml:2:"));
    arena_free(&a);
}

static const char *DEF_TOML =
    "pipeline_name = \"github_pipeline\"\n"
    "destination = \"duckdb\"\n"
    "dataset_name = \"gh\"\n"
    "[source]\n"
    "type = \"rest_api\"\n"
    "[source.client]\n"
    "base_url = \"https://api.github.com/repos/dlt-hub/dlt/\"\n"
    "[source.client.paginator]\n"
    "type = \"header_link\"\n"
    "[[source.resources]]\n"
    "name = \"issues\"\n"
    "primary_key = \"id\"\n"
    "write_disposition = \"merge\"\n"
    "[source.resources.endpoint]\n"
    "path = \"issues\"\n"
    "params = { per_page = 100, state = \"open\", labels = [\"bug\", \"help wanted\"] }\n"
    "[[source.resources]]\n"
    "name = \"stars\"\n"
    "enabled = true\n"
    "ratio = 0.25\n"
    "nothing = \"\"\n";

static const char *DEF_YAML =
    "pipeline_name: github_pipeline\n"
    "destination: duckdb\n"
    "dataset_name: gh\n"
    "source:\n"
    "  type: rest_api\n"
    "  client:\n"
    "    base_url: https://api.github.com/repos/dlt-hub/dlt/\n"
    "    paginator:\n"
    "      type: header_link\n"
    "  resources:\n"
    "    - name: issues\n"
    "      primary_key: id\n"
    "      write_disposition: merge\n"
    "      endpoint:\n"
    "        path: issues\n"
    "        params: {per_page: 100, state: open, labels: [bug, help wanted]}\n"
    "    - name: stars\n"
    "      enabled: true\n"
    "      ratio: 0.25\n"
    "      nothing: ''\n";

static const char *DEF_JSON =
    "{\"pipeline_name\": \"github_pipeline\", \"destination\": \"duckdb\", \"dataset_name\": \"gh\",\n"
    " \"source\": {\"type\": \"rest_api\",\n"
    "  \"client\": {\"base_url\": \"https://api.github.com/repos/dlt-hub/dlt/\", \"paginator\": {\"type\": \"header_link\"}},\n"
    "  \"resources\": [\n"
    "   {\"name\": \"issues\", \"primary_key\": \"id\", \"write_disposition\": \"merge\",\n"
    "    \"endpoint\": {\"path\": \"issues\", \"params\": {\"per_page\": 100, \"state\": \"open\", \"labels\": [\"bug\", \"help wanted\"]}}},\n"
    "   {\"name\": \"stars\", \"enabled\": true, \"ratio\": 0.25, \"nothing\": \"\"}]}}\n";

static void test_same_tree_from_three_formats(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 8192, 0);
    jv t, y, j;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cfg_definition_parse(DEF_TOML, strlen(DEF_TOML), "p.toml", CFG_FMT_AUTO, &a, &t, &err), CDLT_OK);
    assert_int_equal(cfg_definition_parse(DEF_YAML, strlen(DEF_YAML), "p.yaml", CFG_FMT_AUTO, &a, &y, &err), CDLT_OK);
    assert_int_equal(cfg_definition_parse(DEF_JSON, strlen(DEF_JSON), "p.json", CFG_FMT_AUTO, &a, &j, &err), CDLT_OK);
    assert_true(jv_equal(&t, &y));
    assert_true(jv_equal(&y, &j));
    assert_true(jv_equal(&j, &t));
    assert_int_equal(jv_get_path(&y, "source.resources")->len, 2);
    /* Without an extension the content decides. */
    jv t2, y2, j2;
    assert_int_equal(cfg_definition_parse(DEF_TOML, strlen(DEF_TOML), NULL, CFG_FMT_AUTO, &a, &t2, &err), CDLT_OK);
    assert_int_equal(cfg_definition_parse(DEF_YAML, strlen(DEF_YAML), "pipeline", CFG_FMT_AUTO, &a, &y2, &err), CDLT_OK);
    assert_int_equal(cfg_definition_parse(DEF_JSON, strlen(DEF_JSON), NULL, CFG_FMT_AUTO, &a, &j2, &err), CDLT_OK);
    assert_true(jv_equal(&t2, &t) && jv_equal(&y2, &t) && jv_equal(&j2, &t));
    /* From files. */
    cfgfix *f = cf_new();
    cf_write(f->root, "def.yml", DEF_YAML);
    char path[2048];
    snprintf(path, sizeof path, "%s/def.yml", f->root);
    jv fy;
    assert_int_equal(cfg_definition_load(path, CFG_FMT_AUTO, &a, &fy, &err), CDLT_OK);
    assert_true(jv_equal(&fy, &t));
    snprintf(path, sizeof path, "%s/absent.toml", f->root);
    assert_int_equal(cfg_definition_load(path, CFG_FMT_AUTO, &a, &fy, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "absent.toml"));
    cf_free(f);
    arena_free(&a);
}

static void test_definition_errors(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    const char *bad_json = "{\"a\": 1,}";
    assert_int_equal(cfg_definition_parse(bad_json, strlen(bad_json), "p.json", CFG_FMT_AUTO, &a, &v, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "p.json"));
    const char *bad_toml = "a = \n";
    cdlt_error_clear(&err);
    assert_int_equal(cfg_definition_parse(bad_toml, strlen(bad_toml), "p.toml", CFG_FMT_AUTO, &a, &v, &err), CDLT_PARSE);
    assert_true(err.line == 1);
    arena_free(&a);
}

static cdlt_status sweep_yaml(void *ud)
{
    (void)ud;
    arena a;
    arena_init(&a, 256, 0);
    jv v;
    cdlt_status st = cfg_definition_parse(DEF_YAML, strlen(DEF_YAML), "p.yaml", CFG_FMT_AUTO, &a, &v, NULL);
    const char *anch = "a: &x {k: [1, 2]}\nb: *x\nc: {<<: *x, d: 1}\n";
    if (st == CDLT_OK)
        st = cfg_yaml_parse(anch, strlen(anch), NULL, &a, &v, NULL);
    arena_free(&a);
    return st;
}

static void test_yaml_alloc_failures(void **state)
{
    (void)state;
    assert_true(tu_alloc_failure_sweep(sweep_yaml, NULL, 2000) > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_definition_reader),
        cmocka_unit_test(test_same_tree_from_three_formats),
        cmocka_unit_test(test_definition_errors),
        cmocka_unit_test(test_yaml_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
