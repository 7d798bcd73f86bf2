/* test_units.c: unit tests of the pieces under the pipeline: load ids, job names, atomic
 * files, folder listing, the state document and its hash, resource hints validation. */
#include "testutil.h"

#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_load_ids_increase(void **st)
{
    (void)st;
    char a[40], b[40];
    store_new_load_id(NULL, a);
    for (int i = 0; i < 1000; i++) {
        store_new_load_id(a, b);
        assert_true(strtod(b, NULL) > strtod(a, NULL));
        assert_true(strcmp(b, a) > 0); /* string order too (restore query) */
        memcpy(a, b, sizeof a);
    }
    /* a floor in the future wins over the clock */
    store_new_load_id("9999999999.5", b);
    assert_true(strtod(b, NULL) > 9999999999.5);
}

static void test_job_names(void **st)
{
    (void)st;
    store_job_name jn;
    assert_true(store_parse_job_name("orders__items.ab12cd34ef.3.insert_values", &jn));
    assert_string_equal(jn.table, "orders__items");
    assert_string_equal(jn.file_id, "ab12cd34ef");
    assert_int_equal(jn.retry, 3);
    assert_string_equal(jn.ext, "insert_values");
    assert_false(store_parse_job_name("nodots", &jn));
    assert_false(store_parse_job_name("a.b.x.csv", &jn));
    /* dlt names a gzip-compressed load file <table>.<file_id>.<retry>.jsonl.gz */
    assert_true(store_parse_job_name("events.ab12cd34ef.0.jsonl.gz", &jn));
    assert_string_equal(jn.table, "events");
    assert_string_equal(jn.file_id, "ab12cd34ef");
    assert_int_equal(jn.retry, 0);
    assert_string_equal(jn.ext, "jsonl.gz");
    char fid[11];
    store_new_file_id(fid);
    assert_int_equal(strlen(fid), 10);
    buf b = BUF_INIT;
    store_job_file_name(&b, "t", fid, 0, "jsonl");
    assert_true(store_parse_job_name(b.data, &jn));
    assert_string_equal(jn.file_id, fid);
    buf_free(&b);
}

static void test_fs(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("store");
    char path[1024];
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    assert_int_equal(store_mkdirs(path, NULL), CDLT_OK);
    snprintf(path, sizeof path, "%s/a/file.json", dir);
    assert_int_equal(store_write_atomic(path, "{}", 2, NULL), CDLT_OK);
    buf b = BUF_INIT;
    assert_int_equal(store_read_file(path, 0, &b, NULL), CDLT_OK);
    assert_string_equal(b.data, "{}");
    buf_free(&b);
    snprintf(path, sizeof path, "%s/a", dir);
    store_names n;
    assert_int_equal(store_list(path, &n, NULL), CDLT_OK);
    assert_int_equal(n.n, 2);
    assert_string_equal(n.names[0], "b");
    assert_string_equal(n.names[1], "file.json");
    store_names_free(&n);
    cdlt_error err;
    cdlt_error_clear(&err);
    snprintf(path, sizeof path, "%s/missing.json", dir);
    assert_int_equal(store_read_file(path, 0, &b, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "missing.json"));
    buf_free(&b);
    assert_int_equal(store_rm_rf(dir, NULL), CDLT_OK);
    assert_false(store_exists(dir));
    free(dir);
}

static void test_state_doc(void **st0)
{
    (void)st0;
    pipe_state s;
    memset(&s, 0, sizeof s);
    assert_int_equal(state_set_str(&s.pipeline_name, "p"), CDLT_OK);
    assert_int_equal(state_set_str(&s.dataset_name, "ds"), CDLT_OK);
    assert_int_equal(state_add_schema_name(&s, "p"), CDLT_OK);
    bool changed = false;
    assert_int_equal(state_bump(&s, &changed), CDLT_OK);
    assert_true(changed);
    assert_int_equal(s.version, 1);
    char h1[64];
    strcpy(h1, s.version_hash);
    assert_int_equal(state_bump(&s, &changed), CDLT_OK);
    assert_false(changed);
    assert_int_equal(s.version, 1);
    /* user state through the public handle */
    cdlt_state h = {&s, "src", "res"};
    assert_int_equal(cdlt_state_set(&h, "cursor", "{ \"b\": 2, \"a\": [1, 2] }"), CDLT_OK);
    assert_int_equal(cdlt_state_set(&h, "bad", "{"), CDLT_INVALID_ARG);
    const char *v = NULL;
    assert_int_equal(cdlt_state_get(&h, "cursor", &v), CDLT_OK);
    assert_string_equal(v, "{\"b\":2,\"a\":[1,2]}");
    assert_int_equal(cdlt_state_get(&h, "nope", &v), CDLT_NOT_FOUND);
    assert_int_equal(state_bump(&s, &changed), CDLT_OK);
    assert_true(changed);
    assert_int_equal(s.version, 2);
    assert_string_not_equal(h1, s.version_hash);
    /* round trip through JSON keeps everything, including the hash */
    buf b = BUF_INIT;
    assert_int_equal(state_to_json(&s, true, true, &b), CDLT_OK);
    assert_non_null(strstr(b.data, "\"_state_engine_version\": 4"));
    pipe_state r;
    assert_int_equal(state_from_json(b.data, b.len, &r, NULL), CDLT_OK);
    char h2[64];
    assert_int_equal(state_hash(&r, h2), CDLT_OK);
    assert_string_equal(h2, s.version_hash);
    assert_int_equal(r.version, 2);
    cdlt_state h3 = {&r, "src", "res"};
    assert_int_equal(cdlt_state_get(&h3, "cursor", &v), CDLT_OK);
    assert_string_equal(v, "{\"b\":2,\"a\":[1,2]}");
    buf_free(&b);
    state_free(&r);
    state_free(&s);
}

static cdlt_status noop(cdlt_emitter *em, void *ud)
{
    (void)em;
    (void)ud;
    return CDLT_OK;
}

static void test_resource_hints(void **st)
{
    (void)st;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_resource_open("", noop, NULL, &r), CDLT_INVALID_ARG);
    assert_null(r);
    assert_int_equal(cdlt_resource_open("r", noop, NULL, &r), CDLT_OK);
    assert_int_equal(cdlt_resource_add_column(r, "c", "nonsense", true), CDLT_INVALID_ARG);
    assert_int_equal(cdlt_resource_add_column(r, "c", "bigint", false), CDLT_OK);
    assert_int_equal(cdlt_resource_set_schema_contract(r, "freeze"), CDLT_OK);
    assert_int_equal(cdlt_resource_set_schema_contract(r, "{\"columns\":\"discard_row\"}"), CDLT_OK);
    assert_int_equal(cdlt_resource_set_schema_contract(r, "melt"), CDLT_INVALID_ARG);
    assert_int_equal(cdlt_resource_set_schema_contract(r, "{\"rows\":\"freeze\"}"), CDLT_INVALID_ARG);
    cdlt_resource *c = NULL;
    assert_int_equal(cdlt_resource_with_name(r, "r2", &c), CDLT_OK);
    assert_string_equal(cdlt_resource_name(c), "r2");
    cdlt_source *s = NULL;
    assert_int_equal(cdlt_source_open("s", &s), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, c), CDLT_OK);
    cdlt_resource *dup = NULL;
    cdlt_resource_open("r", noop, NULL, &dup);
    assert_int_equal(cdlt_source_add(s, dup), CDLT_EXISTS);
    const char *sel[] = {"r2"};
    assert_int_equal(cdlt_source_with_resources(s, sel, 1, NULL), CDLT_OK);
    assert_false(cdlt_source_find(s, "r")->selected);
    const char *bad[] = {"zzz"};
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_source_with_resources(s, bad, 1, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "zzz"));
    cdlt_source_free(s);
    assert_int_equal(cdlt_refresh_parse("drop_data"), CDLT_REFRESH_DROP_DATA);
    assert_int_equal(cdlt_refresh_parse("x"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_ids_increase), cmocka_unit_test(test_job_names),
        cmocka_unit_test(test_fs),               cmocka_unit_test(test_state_doc),
        cmocka_unit_test(test_resource_hints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
