/* test_rest_steps.c: processing_steps in cdlt's declarative form (dlt's are Python callables):
 * filters with eq/ne/gt/ge/lt/le/in/not_in/exists on a JSONPath field, maps with set/rename/
 * drop, applied in order and before the incremental cursor (a map can make the cursor field,
 * as in dlt); unknown keys in a step are errors naming the step (issue 12 #2). */
#include "rtest.h"

static void test_filter_map(void **st)
{
    (void)st;
    rt *t = rt_new("rest-steps", NULL);
    rt_def(t, "s_steps",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "[[rest_api.resources]]\nname = \"items\"\n"
           "endpoint = { path = \"array/items\", params = { total = 30 } }\n"
           "processing_steps = [\n"
           "  { filter = { path = \"value\", ge = 50, lt = 250 } },\n"   /* ids 5..24 */
           "  { filter = { path = \"owner.id\", not_in = [0, 1] } },\n"   /* drop id%7 in 0,1 */
           "  { map = { rename = { name = \"title\" }, drop = [\"tags\"], set = { source = \"demo\" } } },\n"
           "]\n");
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    /* ids 5..24 = 20, minus those with id%7 in {0,1}: 7,8,14,15,21,22 -> 14 */
    assert_int_equal(rt_count(t, "items"), 14);
    assert_int_equal(rt_int(t, "SELECT count(*) FROM ds.items WHERE source = 'demo' AND title = "
                               "'item-' || CAST(id AS VARCHAR)"),
                     14);
    assert_true(rt_count(t, "items__tags") < 0);
    rt_free(t);
}

static void test_map_before_incremental(void **st)
{
    (void)st;
    /* the cursor field exists only after the map renames it */
    rt *t = rt_new("rest-steps", NULL);
    rt_def(t, "s_incr",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "[[rest_api.resources]]\nname = \"items\"\n"
           "endpoint = { path = \"array/items\", params = { total = 20 }, incremental = { "
           "cursor_path = \"changed\", initial_value = \"2024-01-01T10:00:00Z\" } }\n"
           "processing_steps = [{ map = { rename = { updated_at = \"changed\" } } }]\n");
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "items"), 11); /* ids 10..20 */
    rt_free(t);
}

static void test_step_errors(void **st)
{
    (void)st;
    rt *t = rt_new("rest-steps", NULL);
    rt_def(t, "s_bad",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "[[rest_api.resources]]\nname = \"items\"\nendpoint = \"array/items\"\n"
           "processing_steps = [{ filter = { path = \"id\", eq = 1 } }, { filter = { path = "
           "\"id\", gte = 3 } }]\n");
    cli_res r = rt_run(t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "rest_api.resources[0].processing_steps[1].filter"));
    assert_non_null(strstr(r.err, "gte"));
    assert_non_null(strstr(r.err, "api.toml, line 10:")); /* where the key is written */
    assert_non_null(strstr(r.err, "did you mean"));
    res_free(&r);
    assert_int_equal(apiserver_request_count(t->srv), 0);
    rt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_map),
        cmocka_unit_test(test_map_before_incremental),
        cmocka_unit_test(test_step_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
