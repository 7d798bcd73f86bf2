/* test_definition.c: pipeline definitions in TOML, YAML and JSON give equal trees; YAML 1.2
 * core-schema typing, anchors/aliases/merge keys, and errors with line and column. */
#include "cfgtest.h"

#include "config/config.h"

#include <math.h>

static jv yaml(arena *a, const char *text)
{
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status st = cfg_yaml_parse(text, strlen(text), "t.yaml", a, &v, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "yaml: %s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return v;
}

static void test_yaml_scalars(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = yaml(&a, "n1: null\nn2: ~\nn3:\nb1: true\nb2: False\nb3: yes\n"
                    "i1: 42\ni2: -7\ni3: 0x1F\ni4: 0o17\ni5: +3\ni6: 012\n"
                    "f1: 1.5\nf2: -.5e3\nf3: .inf\nf4: -.Inf\nf5: .nan\nf6: 1e3\n"
                    "s1: '42'\ns2: \"true\"\ns3: hello world\ns4: !!str 12\ns5: 1.2.3\ns6: 0x\n"
                    "big: 18446744073709551615\nhuge: 123456789012345678901234567890\n");
    assert_int_equal(v.type, JV_OBJECT);
    assert_int_equal(jv_get(&v, "n1")->type, JV_NULL);
    assert_int_equal(jv_get(&v, "n2")->type, JV_NULL);
    assert_int_equal(jv_get(&v, "n3")->type, JV_NULL);
    assert_true(jv_get(&v, "b1")->type == JV_BOOL && jv_get(&v, "b1")->u.b);
    assert_true(jv_get(&v, "b2")->type == JV_BOOL && !jv_get(&v, "b2")->u.b);
    assert_int_equal(jv_get(&v, "b3")->type, JV_STRING); /* YAML 1.2: "yes" is a string */
    assert_int_equal(jv_get(&v, "i1")->u.i, 42);
    assert_int_equal(jv_get(&v, "i2")->u.i, -7);
    assert_int_equal(jv_get(&v, "i3")->u.i, 31);
    assert_int_equal(jv_get(&v, "i4")->u.i, 15);
    assert_int_equal(jv_get(&v, "i5")->u.i, 3);
    assert_int_equal(jv_get(&v, "i6")->u.i, 12);
    assert_true(jv_get(&v, "f1")->type == JV_DOUBLE && jv_get(&v, "f1")->u.d == 1.5);
    assert_true(jv_get(&v, "f2")->u.d == -500.0);
    assert_true(isinf(jv_get(&v, "f3")->u.d) && jv_get(&v, "f3")->u.d > 0);
    assert_true(isinf(jv_get(&v, "f4")->u.d) && jv_get(&v, "f4")->u.d < 0);
    assert_true(isnan(jv_get(&v, "f5")->u.d));
    assert_true(jv_get(&v, "f6")->type == JV_DOUBLE && jv_get(&v, "f6")->u.d == 1000.0);
    for (int i = 1; i <= 6; i++) {
        char k[8];
        snprintf(k, sizeof k, "s%d", i);
        assert_int_equal(jv_get(&v, k)->type, JV_STRING);
    }
    assert_string_equal(jv_get(&v, "s4")->u.s, "12");
    assert_int_equal(jv_get(&v, "big")->type, JV_UINT);
    assert_int_equal(jv_get(&v, "huge")->type, JV_BIGNUM);
    arena_free(&a);
}

/* Integers beyond 64 bits keep their value as canonical decimal text, so the tree writes as
 * valid JSON (found by fuzz_config_yaml: "+", leading zeros and hex were kept verbatim). */
static void test_yaml_bignum_canonical(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = yaml(&a, "z: 00123456789012345678901234567890\np: +123456789012345678901234567890\n"
                    "n: -000123456789012345678901234567890\nh: 0x10000000000000000\n"
                    "o: 0o2000000000000000000000\n");
    static const char *const want[][2] = {{"z", "123456789012345678901234567890"},
                                          {"p", "123456789012345678901234567890"},
                                          {"n", "-123456789012345678901234567890"},
                                          {"h", "18446744073709551616"},
                                          {"o", "18446744073709551616"}};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(want); i++) {
        const jv *x = jv_get(&v, want[i][0]);
        assert_int_equal(x->type, JV_BIGNUM);
        assert_string_equal(x->u.s, want[i][1]);
    }
    buf b = BUF_INIT;
    assert_int_equal(json_write(&b, &v, 0), CDLT_OK);
    jv w;
    cdlt_error err;
    assert_int_equal(json_parse(b.data, b.len, &a, NULL, &w, &err), CDLT_OK);
    assert_true(jv_equal(&v, &w));
    buf_free(&b);
    arena_free(&a);
}

/* Nested aliases ("billion laughs") are refused before they stand for billions of values
 * (found by fuzz_config_yaml: writing such a tree never finished). */
static void test_yaml_alias_bomb(void **state)
{
    (void)state;
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof text, "a0: &a0 [x, x, x, x]\n");
    for (int i = 1; i < 14; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d]\n", i,
                              i, i - 1, i - 1, i - 1, i - 1);
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cfg_yaml_parse(text, n, "bomb.yaml", &a, &v, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "aliases nested in aliases"));
    assert_non_null(strstr(err.message, "'a8'"));
    assert_int_equal(err.line, 10); /* inside a9 = [*a8, ...], at 1.4 million values */
    /* a few levels are fine: 4^5 values */
    cdlt_error_clear(&err);
    n = (size_t)(strstr(text, "a6:") - text);
    assert_int_equal(cfg_yaml_parse(text, n, "ok.yaml", &a, &v, &err), CDLT_OK);
    assert_int_equal(jv_get(&v, "a5")->len, 4);
    arena_free(&a);
}

static void test_yaml_anchors(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = yaml(&a, "defaults: &d\n  page_size: 100\n  auth: {type: bearer}\n"
                    "list: &l [1, 2]\n"
                    "r1:\n  <<: *d\n  page_size: 5\n"
                    "r2:\n  cfg: *d\n  items: *l\n"
                    "r3:\n  <<: [*d, {extra: x, page_size: 9}]\n");
    const jv *r1 = jv_get(&v, "r1");
    assert_int_equal(jv_get(r1, "page_size")->u.i, 5); /* explicit key wins over the merge */
    assert_string_equal(jv_get_path(r1, "auth.type")->u.s, "bearer");
    assert_true(jv_equal(jv_get_path(&v, "r2.cfg"), jv_get(&v, "defaults")));
    assert_int_equal(jv_get_path(&v, "r2.items")->len, 2);
    const jv *r3 = jv_get(&v, "r3");
    assert_int_equal(jv_get(r3, "page_size")->u.i, 100); /* earlier merge source wins */
    assert_string_equal(jv_get(r3, "extra")->u.s, "x");
    arena_free(&a);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int line;
        const char *what;
    } cases[] = {
        {"a: 1\nb: [1, 2\nc: 3\n", 0, "YAML"},
        {"a: 1\nb: *nope\n", 2, "unknown anchor"},
        {"a: 1\n  b: 2\n", 2, "YAML"},
        {"? [1, 2]\n: x\n", 1, "mapping keys"},
        {"a: 1\n---\nb: 2\n", 2, "one YAML document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena a;
        arena_init(&a, 1024, 0);
        jv v;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(cfg_yaml_parse(cases[i].text, strlen(cases[i].text), "bad.yaml", &a, &v, &err), CDLT_PARSE);
        if (!strstr(err.message, cases[i].what))
            fprintf(stderr, "case %zu: %s\n", i, err.message);
        assert_non_null(strstr(err.message, cases[i].what));
        assert_non_null(strstr(err.message, "bad.yaml:"));
        assert_true(err.line >= 1 && err.column >= 1);
        if (cases[i].line)
            assert_int_equal(err.line, cases[i].line);
        arena_free(&a);
    }
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
        cmocka_unit_test(test_yaml_scalars),
        cmocka_unit_test(test_yaml_bignum_canonical),
        cmocka_unit_test(test_yaml_alias_bomb),
        cmocka_unit_test(test_yaml_anchors),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_same_tree_from_three_formats),
        cmocka_unit_test(test_definition_errors),
        cmocka_unit_test(test_yaml_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
