/* test_rest_faults.c: retries and failures: 429 with Retry-After then success, 500 twice then
 * success, 503 past the attempts (error with the status and attempts), a server that stops
 * answering (timeout, then a clear error), a body cut short, malformed JSON and an HTML page
 * (the error names the resource, the URL with secrets masked and the byte offset; nothing of
 * the run is loaded; the next run, against a fixed API, loads everything) (issue 12 #1, tests). */
#include "rtest.h"

static const char *const FAST[] = {"RUNTIME__REQUEST_BACKOFF_FACTOR=0.05", NULL};

static void one(rt *t, const char *name, const char *path)
{
    char body[2048];
    snprintf(body, sizeof body,
             "[rest_api.client]\nbase_url = \"@URL@\"\n"
             "[[rest_api.resources]]\nname = \"good\"\nendpoint = \"array/items\"\n"
             "[[rest_api.resources]]\nname = \"flaky\"\nendpoint = \"%s\"\n",
             path);
    rt_def(t, name, body);
}

static void test_retry_then_success(void **st)
{
    (void)st;
    rt *t = rt_new("rest-faults", NULL);
    one(t, "f_429", "faults/429?key=a&times=1&retry_after=1");
    double t0 = tu_now();
    cli_res r = rt_run_ok(t, FAST);
    res_free(&r);
    assert_true(tu_now() - t0 >= 0.9); /* Retry-After: 1 honoured over the tiny backoff */
    assert_int_equal(rt_count(t, "flaky"), 25);
    assert_int_equal(apiserver_count_path(t->srv, "/faults/429"), 2);
    one(t, "f_500", "faults/500?key=b&times=2");
    r = rt_run_ok(t, FAST);
    res_free(&r);
    assert_int_equal(rt_count(t, "flaky"), 50);
    assert_int_equal(apiserver_count_path(t->srv, "/faults/500"), 3);
    rt_free(t);
}

static void test_gives_up(void **st)
{
    (void)st;
    rt *t = rt_new("rest-faults", NULL);
    one(t, "f_503", "faults/503?key=c&times=100");
    const char *env[] = {"RUNTIME__REQUEST_BACKOFF_FACTOR=0.01", "RUNTIME__REQUEST_MAX_ATTEMPTS=3",
                         NULL};
    cli_res r = rt_run(t, env);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "503"));
    assert_non_null(strstr(r.err, "flaky"));
    assert_non_null(strstr(r.err, "3 attempts"));
    assert_int_equal(apiserver_count_path(t->srv, "/faults/503"), 3);
    assert_null(strstr(r.err, "Response:"));
    res_free(&r);
    /* dlt's http_show_error_body adds the body, cut at http_max_error_body_length */
    const char *env2[] = {"RUNTIME__REQUEST_MAX_ATTEMPTS=1", "RUNTIME__HTTP_SHOW_ERROR_BODY=true",
                          "RUNTIME__HTTP_MAX_ERROR_BODY_LENGTH=10", NULL};
    r = rt_run(t, env2);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "Response: {\"error\":\"… (truncated)"));
    assert_non_null(strstr(r.err, "(truncated)"));
    res_free(&r);
    assert_true(rt_count(t, "good") < 0); /* nothing of the run loaded */
    rt_free(t);
}

static void test_timeout(void **st)
{
    (void)st;
    rt *t = rt_new("rest-faults", NULL);
    one(t, "f_hang", "faults/hang");
    const char *env[] = {"RUNTIME__REQUEST_TIMEOUT=1", "RUNTIME__REQUEST_MAX_ATTEMPTS=2",
                         "RUNTIME__REQUEST_BACKOFF_FACTOR=0.01", NULL};
    double t0 = tu_now();
    cli_res r = rt_run(t, env);
    double took = tu_now() - t0;
    assert_int_not_equal(r.code, 0);
    assert_true(took < 10);
    assert_non_null(strstr(r.err, "flaky"));
    assert_non_null(strstr(r.err, "/faults/hang"));
    assert_non_null(strstr(r.err, "request_timeout"));
    res_free(&r);
    assert_true(rt_count(t, "good") < 0);
    rt_free(t);
}

static void test_bad_bodies(void **st)
{
    (void)st;
    rt *t = rt_new("rest-faults", NULL);
    /* an api key in the query is masked in the error */
    one(t, "f_trunc", "faults/truncated?api_key=HiddenKey123");
    const char *env[] = {"RUNTIME__REQUEST_BACKOFF_FACTOR=0.01", "RUNTIME__REQUEST_MAX_ATTEMPTS=2",
                         NULL};
    cli_res r = rt_run(t, env);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "flaky"));
    assert_non_null(strstr(r.err, "/faults/truncated"));
    assert_null(strstr(r.err, "HiddenKey123"));
    res_free(&r);
    one(t, "f_malformed", "faults/malformed");
    r = rt_run(t, env);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "flaky"));
    assert_non_null(strstr(r.err, "/faults/malformed"));
    assert_non_null(strstr(r.err, "not valid JSON"));
    assert_non_null(strstr(r.err, "byte"));
    res_free(&r);
    one(t, "f_html", "faults/html");
    r = rt_run(t, env);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "text/html"));
    assert_non_null(strstr(r.err, "/faults/html"));
    res_free(&r);
    assert_true(rt_count(t, "good") < 0);
    /* the API is fixed: the same pipeline loads everything */
    one(t, "f_html", "array/items");
    r = rt_run_ok(t, env);
    res_free(&r);
    assert_int_equal(rt_count(t, "good"), 25);
    assert_int_equal(rt_count(t, "flaky"), 25);
    rt_free(t);
}

static void test_client_session(void **st)
{
    (void)st;
    /* client.session: dlt's Client options as a table, over the [runtime] keys */
    rt *t = rt_new("rest-faults", NULL);
    rt_def(t, "f_session",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "session = { request_max_attempts = 2, request_backoff_factor = 0.01, "
           "respect_retry_after_header = false }\n"
           "[[rest_api.resources]]\nname = \"flaky\"\n"
           "endpoint = \"faults/429?key=s1&times=1&retry_after=5\"\n");
    double t0 = tu_now();
    cli_res r = rt_run_ok(t, NULL); /* Retry-After: 5 not honoured: done in well under 5 s */
    res_free(&r);
    assert_true(tu_now() - t0 < 4);
    assert_int_equal(rt_count(t, "flaky"), 25);
    rt_def(t, "f_session2",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "session = { request_max_attempts = 1 }\n"
           "[[rest_api.resources]]\nname = \"flaky\"\nendpoint = \"faults/503?key=s2&times=5\"\n");
    r = rt_run(t, NULL);
    assert_int_not_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(apiserver_count_path(t->srv, "/faults/503"), 1);
    rt_def(t, "f_session3",
           "[rest_api.client]\nbase_url = \"@URL@\"\nsession = { timeout = 3 }\n"
           "[[rest_api.resources]]\nname = \"flaky\"\nendpoint = \"array/items\"\n");
    r = rt_run(t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "rest_api.client.session"));
    assert_non_null(strstr(r.err, "unknown key 'timeout'"));
    assert_non_null(strstr(r.err, "request_timeout"));
    res_free(&r);
    rt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_then_success),
        cmocka_unit_test(test_gives_up),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_client_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
