/* test_http.c: the libcurl client of src/http against a real HTTP server on loopback
 * (tools/apiserver): concurrency within the limits, retries on 429 (Retry-After honoured) and
 * 5xx, a status still failing after the last try delivered as a response, timeouts and bodies
 * cut short as errors naming the URL with secrets masked, gzip decoding, the body size cap,
 * and the URL helpers (issue 12 #1). */
#include "testutil.h"

#include "apiserver.h"
#include "http/http.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static apiserver *srv;

static int setup(void **st)
{
    (void)st;
    apiserver_opts o = {0};
    o.quiet = true;
    srv = apiserver_start(&o);
    return srv ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    apiserver_stop(srv);
    return 0;
}

static http_client *client(double timeout, int attempts, double backoff, int conns)
{
    http_settings s = {0};
    s.timeout_s = timeout;
    s.max_attempts = attempts;
    s.backoff_factor = backoff;
    s.max_connections = conns;
    s.max_host_connections = conns;
    http_client *c = NULL;
    cdlt_error err = {0};
    assert_int_equal(http_client_new(&s, &c, &err), CDLT_OK);
    return c;
}

static cdlt_status get(http_client *c, const char *path, http_response *r, cdlt_error *err)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", apiserver_url(srv), path);
    http_request q = {"GET", url, NULL, 0, NULL, 0};
    http_response_init(r);
    memset(err, 0, sizeof *err);
    return http_do(c, &q, r, err);
}

static void test_ok_and_gzip(void **st)
{
    (void)st;
    http_client *c = client(10, 1, -1, 4);
    http_response r;
    cdlt_error err;
    assert_int_equal(get(c, "/faults/gzip?total=300", &r, &err), CDLT_OK);
    assert_int_equal(r.status, 200);
    assert_true(r.body.len > 1000);
    assert_int_equal(r.body.data[0], '['); /* decoded */
    char ct[64];
    assert_string_equal(http_response_content_type(&r, ct, sizeof ct), "application/json");
    http_response_free(&r);
    http_client_free(c);
}

static void test_retries(void **st)
{
    (void)st;
    http_client *c = client(10, 5, 0.01, 4);
    http_response r;
    cdlt_error err;
    double t0 = now();
    assert_int_equal(get(c, "/faults/429?key=h1&times=1&retry_after=1", &r, &err), CDLT_OK);
    assert_true(now() - t0 >= 0.9); /* Retry-After, not the 10 ms backoff */
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    http_response_free(&r);
    assert_int_equal(get(c, "/faults/500?key=h2&times=2", &r, &err), CDLT_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 3);
    http_response_free(&r);
    http_client_free(c);
    /* still failing after the last try: the response is delivered, the caller decides */
    c = client(10, 3, 0.01, 4);
    assert_int_equal(get(c, "/faults/503?key=h3&times=50", &r, &err), CDLT_OK);
    assert_int_equal(r.status, 503);
    assert_int_equal(r.attempts, 3);
    http_response_free(&r);
    /* 404 is not retried */
    assert_int_equal(get(c, "/status/404", &r, &err), CDLT_OK);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.attempts, 1);
    http_response_free(&r);
    http_client_free(c);
}

static void test_failures(void **st)
{
    (void)st;
    cdlt_secret_register("SuperSecretQ");
    http_client *c = client(1, 2, 0.01, 4);
    http_response r;
    cdlt_error err;
    double t0 = now();
    assert_int_not_equal(get(c, "/faults/hang?token=SuperSecretQ", &r, &err), CDLT_OK);
    assert_true(now() - t0 < 5);
    assert_non_null(strstr(err.message, "timed out"));
    assert_non_null(strstr(err.message, "/faults/hang"));
    assert_non_null(strstr(err.message, "2 attempts"));
    assert_null(strstr(err.message, "SuperSecretQ"));
    http_response_free(&r);
    assert_int_not_equal(get(c, "/faults/truncated", &r, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "/faults/truncated"));
    http_response_free(&r);
    http_client_free(c);
    /* the body cap */
    http_settings s = {0};
    s.max_attempts = 1;
    s.max_body_bytes = 1000;
    http_client_new(&s, &c, &err);
    assert_int_equal(get(c, "/array/items?total=100", &r, &err), CDLT_TOO_LARGE);
    assert_non_null(strstr(err.message, "larger than 1000 bytes"));
    http_response_free(&r);
    http_client_free(c);
    /* nothing listens */
    c = client(2, 1, -1, 1);
    http_request q = {"GET", "http://127.0.0.1:1/x", NULL, 0, NULL, 0};
    http_response_init(&r);
    assert_int_not_equal(http_do(c, &q, &r, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "127.0.0.1:1"));
    http_response_free(&r);
    http_client_free(c);
}

static int done_count;
static cdlt_status on_done(void *ud, http_response *resp, cdlt_status rc, const cdlt_error *err)
{
    (void)ud;
    (void)err;
    if (rc == CDLT_OK && resp->status == 200)
        done_count++;
    return CDLT_OK;
}

static void test_concurrency(void **st)
{
    (void)st;
    /* 40 requests of 100 ms: 8 at a time take ~0.5 s, one at a time 4 s */
    http_client *c = client(10, 1, -1, 8);
    char url[256];
    snprintf(url, sizeof url, "%s/faults/slow?delay_ms=100&total=1", apiserver_url(srv));
    cdlt_error err = {0};
    done_count = 0;
    double t0 = now();
    for (int i = 0; i < 40; i++) {
        http_request q = {"GET", url, NULL, 0, NULL, 0};
        assert_int_equal(http_submit(c, &q, on_done, NULL, &err), CDLT_OK);
    }
    assert_int_equal(http_pending(c), 40);
    assert_int_equal(http_run(c, &err), CDLT_OK);
    double took = now() - t0;
    assert_int_equal(done_count, 40);
    assert_true(took < 2.5);
    assert_true(took > 0.45); /* the limit held: never all 40 at once */
    http_client_free(c);
}

static void test_post(void **st)
{
    (void)st;
    http_client *c = client(10, 1, -1, 2);
    char url[256];
    snprintf(url, sizeof url, "%s/cursor_body/items", apiserver_url(srv));
    const char *h[] = {"Content-Type: application/json"};
    const char body[] = "{\"cursor\": 20}";
    http_request q = {"POST", url, h, 1, body, strlen(body)};
    http_response r;
    http_response_init(&r);
    cdlt_error err = {0};
    assert_int_equal(http_do(c, &q, &r, &err), CDLT_OK);
    assert_non_null(strstr(r.body.data, "\"id\":21"));
    assert_null(strstr(r.body.data, "\"id\":20,"));
    http_response_free(&r);
    http_client_free(c);
}

static void test_urls(void **st)
{
    (void)st;
    buf b = BUF_INIT;
    http_url_join(&b, "http://h/a/b?x=1", "c?y=2");
    assert_string_equal(b.data, "http://h/a/c?y=2");
    http_url_join(&b, "http://h/a/b", "/z");
    assert_string_equal(b.data, "http://h/z");
    http_url_join(&b, "http://h/a/b", "https://o/p?q");
    assert_string_equal(b.data, "https://o/p?q");
    http_url_join(&b, "http://h/a/b?x=1", "?page=2");
    assert_string_equal(b.data, "http://h/a/b?page=2");
    http_url_set_param(&b, "http://h/p?a=1&page=1&b=2", "page", "3");
    assert_string_equal(b.data, "http://h/p?a=1&page=3&b=2");
    http_url_set_param(&b, "http://h/p", "q", "a b&c");
    assert_string_equal(b.data, "http://h/p?q=a%20b%26c");
    /* a '?' after '#' belongs to the fragment: the param goes before it */
    http_url_set_param(&b, "http://h/p#top?x=1", "page", "2");
    assert_string_equal(b.data, "http://h/p?page=2#top?x=1");
    http_url_set_param(&b, "http://h/p?a=1#f", "page", "2");
    assert_string_equal(b.data, "http://h/p?a=1&page=2#f");
    buf_clear(&b);
    http_url_encode(&b, "2024-01-01T00:00:00Z", 20);
    assert_string_equal(b.data, "2024-01-01T00%3A00%3A00Z");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_and_gzip), cmocka_unit_test(test_retries),
        cmocka_unit_test(test_failures),    cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_post),        cmocka_unit_test(test_urls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
