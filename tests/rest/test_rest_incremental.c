/* test_rest_incremental.c: the endpoint's incremental block across two runs: the first run
 * asks from initial_value, the second only from the last cursor value it saw (through
 * {incremental.start_value} and through the older start_param form), merge on the primary
 * key keeps one row per event; end_value with end_param bounds a backfill; the state lives in
 * the destination (issue 12 #7). */
#include "rtest.h"

static bool asked(rt *t, const char *path, const char *needle)
{
    for (size_t i = 0; i < apiserver_request_count(t->srv); i++) {
        const char *l = apiserver_request(t->srv, i);
        if (l && strstr(l, path) && strstr(l, needle))
            return true;
    }
    return false;
}

static void two_runs(const char *name, const char *endpoint)
{
    rt *t = rt_new("rest-incr", NULL);
    char body[2048];
    snprintf(body, sizeof body,
             "[rest_api.client]\nbase_url = \"@URL@\"\n"
             "[[rest_api.resources]]\nname = \"events\"\nprimary_key = \"id\"\n"
             "write_disposition = \"merge\"\nendpoint = %s\n",
             endpoint);
    rt_def(t, name, body);
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "events"), 50);
    assert_true(asked(t, "/events", "2024-01-01T00"));
    apiserver_set_events_total(t->srv, 60);
    apiserver_clear_log(t->srv);
    r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "events"), 60);
    /* the second run asked only from event 50's updated_at (2024-01-03T02:00:00Z) */
    assert_true(asked(t, "/events", "2024-01-03T02"));
    assert_false(asked(t, "/events", "2024-01-01T00"));
    assert_int_equal(apiserver_count_path(t->srv, "/events"), 1);
    /* nothing new: one request, no new rows */
    apiserver_clear_log(t->srv);
    r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "events"), 60);
    rt_free(t);
}

static void test_placeholder(void **st)
{
    (void)st;
    two_runs("i_placeholder",
             "{ path = \"events\", params = { since = \"{incremental.start_value}\" }, "
             "incremental = { cursor_path = \"updated_at\", initial_value = "
             "\"2024-01-01T00:00:00Z\" } }");
}

static void test_start_param(void **st)
{
    (void)st;
    two_runs("i_start_param",
             "{ path = \"events\", incremental = { start_param = \"since\", cursor_path = "
             "\"updated_at\", initial_value = \"2024-01-01T00:00:00Z\" } }");
}

static void test_end_value(void **st)
{
    (void)st;
    rt *t = rt_new("rest-incr", NULL);
    rt_def(t, "i_end",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "[[rest_api.resources]]\nname = \"events\"\n"
           "endpoint = { path = \"events\", incremental = { start_param = \"since\", end_param "
           "= \"until\", cursor_path = \"updated_at\", initial_value = \"2024-01-01T00:00:00Z\", "
           "end_value = \"2024-01-01T10:00:00Z\" } }\n");
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "events"), 9);
    assert_true(asked(t, "/events", "until="));
    rt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholder),
        cmocka_unit_test(test_start_param),
        cmocka_unit_test(test_end_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
