/* test_http_edges.c: the libcurl client of src/http against a small libmicrohttpd server of its
 * own on loopback (thread per connection), for what the shared API server cannot show: how many
 * requests the server sees at once under a per-host limit, headers across redirects, redirect
 * loops and bad URLs (not retried), Retry-After as an HTTP date (capped), a failing callback
 * (the rest is aborted), and a masked api_key in a timeout error (issue 12 #1). */
#include "testutil.h"

#include "http/http.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct MHD_Daemon *daemon_;
static char base[64];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int in_flight, max_in_flight, date429_calls;

static int arg_int(struct MHD_Connection *conn, const char *name, int dflt)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
    return v ? atoi(v) : dflt;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body,
                             const char *h1, const char *v1)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (h1)
        MHD_add_response_header(r, h1, v1);
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *data_size, void **state)
{
    (void)cls, (void)method, (void)version, (void)data, (void)data_size;
    if (!*state) { /* headers only so far: answer on the second call */
        *state = (void *)1;
        return MHD_YES;
    }
    if (strcmp(url, "/slow") == 0) {
        pthread_mutex_lock(&mu);
        if (++in_flight > max_in_flight)
            max_in_flight = in_flight;
        pthread_mutex_unlock(&mu);
        int ms = arg_int(conn, "ms", 100);
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&mu);
        in_flight--;
        pthread_mutex_unlock(&mu);
        return reply(conn, 200, "{\"ok\":true}", NULL, NULL);
    }
    if (strcmp(url, "/redir") == 0) {
        int n = arg_int(conn, "n", 0);
        if (n <= 0)
            return reply(conn, 200, "{\"final\":true}", "X-Final", "yes");
        char loc[64];
        snprintf(loc, sizeof loc, "/redir?n=%d", n - 1);
        struct MHD_Response *r = MHD_create_response_from_buffer(
            strlen("{\"hop\":1}"), (void *)"{\"hop\":1}", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", loc);
        MHD_add_response_header(r, "X-Hop", "1");
        enum MHD_Result ok = MHD_queue_response(conn, 302, r);
        MHD_destroy_response(r);
        return ok;
    }
    if (strcmp(url, "/loop") == 0)
        return reply(conn, 302, "{}", "Location", "/loop");
    if (strcmp(url, "/date429") == 0) {
        pthread_mutex_lock(&mu);
        int n = date429_calls++;
        pthread_mutex_unlock(&mu);
        if (n > 0)
            return reply(conn, 200, "{\"ok\":true}", NULL, NULL);
        char date[64];
        time_t t = time(NULL) + 30;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        return reply(conn, 429, "{}", "Retry-After", date);
    }
    return reply(conn, 404, "{}", NULL, NULL);
}

static int setup(void **st)
{
    (void)st;
    daemon_ = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                               0, NULL, NULL, handler, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                               (unsigned)30, MHD_OPTION_END);
    if (!daemon_)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(base, sizeof base, "http://127.0.0.1:%u", info ? (unsigned)info->port : 0u);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    MHD_stop_daemon(daemon_);
    return 0;
}

static http_client *client(const http_settings *s)
{
    http_client *c = NULL;
    cdlt_error err = {0};
    assert_int_equal(http_client_new(s, &c, &err), CDLT_OK);
    return c;
}

static const char *url(const char *path)
{
    static char u[256];
    snprintf(u, sizeof u, "%s%s", base, path);
    return u;
}

static int ok_count;
static cdlt_status count_ok(void *ud, http_response *resp, cdlt_status rc, const cdlt_error *e)
{
    (void)ud;
    if (rc == CDLT_OK && resp->status == 200)
        ok_count++;
    else
        fprintf(stderr, "request failed: %s\n", e->message);
    return CDLT_OK;
}

/* The server never sees more than max_host_connections requests at once, and a request
 * waiting for its host's slot does not spend its timeout there: 8 requests of 300 ms, 2 at a
 * time, take 1.2 s, longer than the 1 s timeout of each. */
static void test_host_limit(void **st)
{
    (void)st;
    http_settings s = {0};
    s.timeout_s = 1;
    s.max_attempts = 1;
    s.max_connections = 8;
    s.max_host_connections = 2;
    http_client *c = client(&s);
    max_in_flight = 0;
    ok_count = 0;
    cdlt_error err = {0};
    double t0 = now();
    for (int i = 0; i < 8; i++) {
        http_request q = {"GET", url("/slow?ms=300"), NULL, 0, NULL, 0};
        assert_int_equal(http_submit(c, &q, count_ok, NULL, &err), CDLT_OK);
    }
    assert_int_equal(http_run(c, &err), CDLT_OK);
    double took = now() - t0;
    assert_int_equal(ok_count, 8);
    assert_int_equal(max_in_flight, 2);
    assert_true(took >= 1.15);
    http_client_free(c);
}

/* Only the final response's headers and body remain after redirects. */
static void test_redirect_headers(void **st)
{
    (void)st;
    http_client *c = client(NULL);
    http_request q = {"GET", url("/redir?n=3"), NULL, 0, NULL, 0};
    http_response r;
    http_response_init(&r);
    cdlt_error err = {0};
    assert_int_equal(http_do(c, &q, &r, &err), CDLT_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{\"final\":true}");
    char v[32];
    assert_true(http_response_header(&r, "x-final", v, sizeof v));
    assert_string_equal(v, "yes");
    assert_false(http_response_header(&r, "X-Hop", v, sizeof v));
    assert_false(http_response_header(&r, "Location", v, sizeof v));
    assert_non_null(strstr(r.url, "/redir?n=0"));
    assert_int_equal(r.attempts, 1);
    http_response_free(&r);
    http_client_free(c);
}

/* A redirect loop or a URL libcurl cannot use fails at once: trying again cannot help, so
 * no retries and no backoff waits (1 + 2 s with these settings). */
static void test_not_retried(void **st)
{
    (void)st;
    http_settings s = {0};
    s.max_attempts = 3;
    s.backoff_factor = 1;
    http_client *c = client(&s);
    const char *urls[] = {url("/loop"), "nosuch://127.0.0.1/x", "http://exa mple.com/x"};
    for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
        char u[256];
        snprintf(u, sizeof u, "%s", urls[i]);
        http_request q = {"GET", u, NULL, 0, NULL, 0};
        http_response r;
        http_response_init(&r);
        cdlt_error err = {0};
        double t0 = now();
        assert_int_not_equal(http_do(c, &q, &r, &err), CDLT_OK);
        assert_true(now() - t0 < 0.9);
        assert_int_equal(r.attempts, 1);
        assert_non_null(strstr(err.message, "1 attempt"));
        http_response_free(&r);
    }
    http_client_free(c);
}

/* Retry-After as an HTTP date 30 s ahead, capped by max_retry_delay_s. */
static void test_retry_after_date(void **st)
{
    (void)st;
    http_settings s = {0};
    s.max_attempts = 2;
    s.backoff_factor = -1; /* without the header: no wait */
    s.max_retry_delay_s = 0.6;
    http_client *c = client(&s);
    date429_calls = 0;
    http_request q = {"GET", url("/date429"), NULL, 0, NULL, 0};
    http_response r;
    http_response_init(&r);
    cdlt_error err = {0};
    double t0 = now();
    assert_int_equal(http_do(c, &q, &r, &err), CDLT_OK);
    double took = now() - t0;
    assert_int_equal(r.status, 200);
    assert_int_equal(r.attempts, 2);
    assert_true(took >= 0.55);
    assert_true(took < 3);
    http_response_free(&r);
    http_client_free(c);
}

static cdlt_status fail_cb(void *ud, http_response *resp, cdlt_status rc, const cdlt_error *e)
{
    (void)ud, (void)resp, (void)rc, (void)e;
    return CDLT_IO;
}

static int late_calls;
static cdlt_status late_cb(void *ud, http_response *resp, cdlt_status rc, const cdlt_error *e)
{
    (void)ud, (void)resp, (void)rc, (void)e;
    late_calls++;
    return CDLT_OK;
}

/* A callback that fails stops http_run / http_do and aborts what is still queued or running
 * (their callbacks never run), so the client is empty and usable again; before, the aborted
 * http_do request stayed queued pointing at the finished call's stack. */
static void test_callback_failure_aborts(void **st)
{
    (void)st;
    http_settings s = {0};
    s.max_connections = 2;
    http_client *c = client(&s);
    cdlt_error err = {0};
    late_calls = 0;
    http_request fast = {"GET", url("/slow?ms=10"), NULL, 0, NULL, 0};
    assert_int_equal(http_submit(c, &fast, fail_cb, NULL, &err), CDLT_OK);
    char u[256];
    snprintf(u, sizeof u, "%s", url("/slow?ms=400"));
    http_request slow = {"GET", u, NULL, 0, NULL, 0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(http_submit(c, &slow, late_cb, NULL, &err), CDLT_OK);
    http_response r;
    http_response_init(&r);
    assert_int_equal(http_do(c, &slow, &r, &err), CDLT_IO);
    http_response_free(&r);
    assert_int_equal(http_pending(c), 0);
    assert_int_equal(http_run(c, &err), CDLT_OK);
    assert_int_equal(late_calls, 0);
    /* still usable */
    http_response_init(&r);
    memset(&err, 0, sizeof err);
    assert_int_equal(http_do(c, &fast, &r, &err), CDLT_OK);
    assert_int_equal(r.status, 200);
    http_response_free(&r);
    http_client_free(c);
}

/* A timeout error names the URL, the time and the tries, says what to change, and never shows
 * a registered secret or an api_key value. */
static void test_timeout_error_masked(void **st)
{
    (void)st;
    cdlt_secret_register("Sekr3tKeyValue");
    http_settings s = {0};
    s.timeout_s = 0.3;
    s.max_attempts = 1;
    http_client *c = client(&s);
    http_request q = {"GET", url("/slow?ms=1500&api_key=Sekr3tKeyValue"), NULL, 0, NULL, 0};
    http_response r;
    http_response_init(&r);
    cdlt_error err = {0};
    assert_int_equal(http_do(c, &q, &r, &err), CDLT_IO);
    assert_non_null(strstr(err.message, "timed out after 0.3 s"));
    assert_non_null(strstr(err.message, "/slow"));
    assert_non_null(strstr(err.message, "1 attempt"));
    assert_null(strstr(err.message, "Sekr3tKeyValue"));
    assert_null(strstr(err.url, "Sekr3tKeyValue"));
    assert_non_null(strstr(err.url, "/slow"));
    assert_non_null(strstr(err.message, "request_timeout")); /* the hint */
    assert_int_equal(r.status, 0);
    http_response_free(&r);
    /* never registered: a URL password and a query value named like a secret */
    char u[256];
    snprintf(u, sizeof u, "http://someone:Pw0rdInUrl@%s/slow?ms=1500&access_token=TokInQuery9",
             base + strlen("http://"));
    http_request q2 = {"GET", u, NULL, 0, NULL, 0};
    http_response_init(&r);
    memset(&err, 0, sizeof err);
    assert_int_equal(http_do(c, &q2, &r, &err), CDLT_IO);
    assert_non_null(strstr(err.message, "timed out"));
    assert_null(strstr(err.message, "Pw0rdInUrl"));
    assert_null(strstr(err.message, "TokInQuery9"));
    assert_null(strstr(err.url, "Pw0rdInUrl"));
    assert_null(strstr(err.url, "TokInQuery9"));
    http_response_free(&r);
    http_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_limit),
        cmocka_unit_test(test_redirect_headers),
        cmocka_unit_test(test_not_retried),
        cmocka_unit_test(test_retry_after_date),
        cmocka_unit_test(test_callback_failure_aborts),
        cmocka_unit_test(test_timeout_error_masked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
