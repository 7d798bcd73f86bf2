/* test_s3_addressing.c: dlt's credentials.s3_url_style. "virtual" against the real S3 test
 * server (fixture cdlt_s3) on its virtual host <bucket>.s3.localhost (libcurl resolves
 * *.localhost to loopback; tools/s3server/server.js routes that host to the bucket and checks
 * SigV4 with AWS's canonical URI for it): put / list over pages / get / ranged read /
 * multipart / delete, read back through path-style addressing. The URL, Host and canonical URI
 * of each style, also on AWS endpoints (no AWS here: those are checked as built), and a
 * misspelt style refused naming credentials.s3_url_style. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objstore/objstore.h"
#include "objstore/s3_int.h"
#include "testutil.h"

#define MiB (1024u * 1024u)

#define OK(call)                                                                                 \
    do {                                                                                         \
        cdlt_status rc_ = (call);                                                                \
        if (rc_ != CDLT_OK)                                                                      \
            fail_msg("%s -> %s: %s", #call, cdlt_status_name(rc_), err.message);                 \
    } while (0)

/* "http://s3.localhost:<port>": the test server's endpoint under a name whose subdomains
 * reach it too. */
static void vhost_endpoint(char *out, size_t cap)
{
    const char *ep = tu_s3_env("CDLT_TEST_S3_ENDPOINT"); /* http://127.0.0.1:<port> */
    const char *port = strrchr(ep, ':');
    assert_non_null(port);
    snprintf(out, cap, "http://s3.localhost%s", port);
}

static os_store *open_style(const char *url, const char *endpoint, const char *region,
                            const char *style, int max_keys, uint64_t part)
{
    os_options o = {0};
    o.aws_access_key_id = tu_s3_env("CDLT_TEST_S3_KEY_ID");
    o.aws_secret_access_key = tu_s3_env("CDLT_TEST_S3_SECRET");
    o.endpoint_url = endpoint;
    o.region_name = region;
    o.s3_url_style = style;
    o.list_max_keys = max_keys;
    o.part_size = part;
    o.multipart_threshold = part;
    o.max_attempts = 2;
    os_store *s = NULL;
    cdlt_error err = {0};
    cdlt_status rc = os_open(url, &o, &s, &err);
    if (rc != CDLT_OK)
        fail_msg("os_open %s (%s): %s", url, style ? style : "auto", err.message);
    return s;
}

/* The request target of full key `key` (NULL = bucket) must be url / host / uri. */
static void expect_target(const os_store *s, const char *key, const char *url,
                          const char *host, const char *uri)
{
    buf u = BUF_INIT, h = BUF_INIT, c = BUF_INIT;
    assert_int_equal(s3_request_target(s, key, &u, &h, &c), CDLT_OK);
    assert_string_equal(buf_cstr(&u), url);
    assert_string_equal(buf_cstr(&h), host);
    assert_string_equal(buf_cstr(&c), uri);
    buf_free(&u);
    buf_free(&h);
    buf_free(&c);
}

typedef struct names {
    int n;
    char path[8][64];
} names;

static cdlt_status on_obj(void *ud, const os_object *o, cdlt_error *err)
{
    (void)err;
    names *l = ud;
    assert_true(l->n < 8);
    snprintf(l->path[l->n++], sizeof l->path[0], "%s", o->path);
    return CDLT_OK;
}

static void expect_text(os_store *s, const char *path, const char *want)
{
    cdlt_error err = {0};
    buf b = BUF_INIT;
    OK(os_get(s, path, &b, 1000, &err));
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    buf_free(&b);
}

/* s3_url_style = "virtual" with endpoint_url on loopback: every operation on the bucket's
 * virtual host, the objects the same ones path-style addressing sees. */
static void test_virtual_host_round_trip(void **st)
{
    (void)st;
    const char *bucket = tu_s3_env("CDLT_TEST_S3_BUCKET");
    char ep[128], url[256], want[512], host[256];
    vhost_endpoint(ep, sizeof ep);
    snprintf(url, sizeof url, "s3://%s/vhost", bucket);
    os_store *v = open_style(url, ep, tu_s3_env("CDLT_TEST_S3_REGION"), "virtual", 2, 5 * MiB);
    /* requests go to http://<bucket>.s3.localhost:<port>/<key>, signed for "/<key>" */
    snprintf(host, sizeof host, "%s.%s", bucket, ep + strlen("http://"));
    snprintf(want, sizeof want, "http://%s/vhost/a%%20b.txt", host);
    expect_target(v, "vhost/a b.txt", want, host, "/vhost/a%20b.txt");
    snprintf(want, sizeof want, "http://%s/", host);
    expect_target(v, NULL, want, host, "/");

    cdlt_error err = {0};
    OK(os_put(v, "a b.txt", "alpha", 5, &err));
    OK(os_put(v, "d/c.txt", "charlie", 7, &err));
    OK(os_put(v, "e.txt", "echo", 4, &err));
    /* three keys in pages of two: the continuation token over the virtual host */
    names l = {0};
    OK(os_list(v, "", true, on_obj, &l, &err));
    assert_int_equal(l.n, 3);
    assert_string_equal(l.path[0], "a b.txt");
    assert_string_equal(l.path[1], "d/c.txt");
    assert_string_equal(l.path[2], "e.txt");
    expect_text(v, "d/c.txt", "charlie");
    uint64_t size = 0;
    OK(os_stat(v, "a b.txt", &size, NULL, &err));
    assert_int_equal(size, 5);
    os_reader *r = NULL;
    OK(os_reader_open(v, "d/c.txt", 2, 3, &r, &err));
    char part[8] = {0};
    size_t got = 0;
    OK(os_read(r, part, sizeof part, &got, &err));
    assert_int_equal(got, 3);
    assert_memory_equal(part, "arl", 3);
    os_reader_close(r);
    buf b = BUF_INIT;
    assert_int_equal(os_get(v, "no/such.txt", &b, 100, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "NoSuchKey"));
    buf_free(&b);

    /* multipart (initiate, parts, complete: query strings on the virtual host) */
    size_t n = 6 * MiB + 17;
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 31u >> 3);
    os_writer *w = NULL;
    OK(os_writer_open(v, "big.bin", &w, &err));
    OK(os_write(w, data, n, &err));
    OK(os_writer_commit(w, &err));

    /* the same objects through path-style addressing on 127.0.0.1 */
    char purl[256];
    os_store *p = tu_s3_store("vhost", purl, sizeof purl);
    expect_text(p, "a b.txt", "alpha");
    expect_text(p, "e.txt", "echo");
    OK(os_stat(p, "big.bin", &size, NULL, &err));
    assert_int_equal(size, n);
    buf whole = BUF_INIT;
    OK(os_get(p, "big.bin", &whole, 8 * MiB, &err));
    assert_int_equal(whole.len, n);
    assert_memory_equal(whole.data, data, n);
    buf_free(&whole);
    free(data);
    OK(os_put(p, "from-path.txt", "papa", 4, &err));
    expect_text(v, "from-path.txt", "papa");

    const char *all[] = {"a b.txt", "d/c.txt", "e.txt", "big.bin", "from-path.txt"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        OK(os_delete(v, all[i], &err));
    names left = {0};
    OK(os_list(p, "", true, on_obj, &left, &err));
    assert_int_equal(left.n, 0);
    os_close(p);
    os_close(v);
}

/* s3_url_style = "path" on an endpoint that also serves virtual hosts (as AWS's do): requests
 * name the bucket in the path of the endpoint's own host. */
static void test_path_style_on_vhost_endpoint(void **st)
{
    (void)st;
    const char *bucket = tu_s3_env("CDLT_TEST_S3_BUCKET");
    char ep[128], url[256], want[512];
    vhost_endpoint(ep, sizeof ep);
    snprintf(url, sizeof url, "s3://%s/pstyle", bucket);
    for (int auto_style = 0; auto_style < 2; auto_style++) {
        /* with endpoint_url, auto (unset) is path-style too */
        os_store *s = open_style(url, ep, NULL, auto_style ? NULL : "path", 0, 0);
        snprintf(want, sizeof want, "%s/%s/pstyle/k.txt", ep, bucket);
        char uri[256];
        snprintf(uri, sizeof uri, "/%s/pstyle/k.txt", bucket);
        expect_target(s, "pstyle/k.txt", want, ep + strlen("http://"), uri);
        cdlt_error err = {0};
        OK(os_put(s, "k.txt", "kilo", 4, &err));
        expect_text(s, "k.txt", "kilo");
        OK(os_delete(s, "k.txt", &err));
        os_close(s);
    }
}

/* Each style's URL, Host and canonical URI on AWS (built only: no AWS on this machine). */
static void test_styles_on_aws(void **st)
{
    (void)st;
    /* no endpoint_url: virtual-host on the regional AWS endpoint (auto and "virtual") */
    os_store *s = open_style("s3://my-bucket/p", NULL, "eu-west-1", NULL, 0, 0);
    expect_target(s, "p/k.csv", "https://my-bucket.s3.eu-west-1.amazonaws.com/p/k.csv",
                  "my-bucket.s3.eu-west-1.amazonaws.com", "/p/k.csv");
    expect_target(s, NULL, "https://my-bucket.s3.eu-west-1.amazonaws.com/",
                  "my-bucket.s3.eu-west-1.amazonaws.com", "/");
    os_close(s);
    s = open_style("s3://my-bucket/p", NULL, NULL, "virtual", 0, 0);
    expect_target(s, "p/k.csv", "https://my-bucket.s3.us-east-1.amazonaws.com/p/k.csv",
                  "my-bucket.s3.us-east-1.amazonaws.com", "/p/k.csv");
    os_close(s);
    /* "path": the bucket moves into the path, also on an explicit AWS endpoint */
    s = open_style("s3://my-bucket/p", NULL, "eu-west-1", "path", 0, 0);
    expect_target(s, "p/k.csv", "https://s3.eu-west-1.amazonaws.com/my-bucket/p/k.csv",
                  "s3.eu-west-1.amazonaws.com", "/my-bucket/p/k.csv");
    expect_target(s, NULL, "https://s3.eu-west-1.amazonaws.com/my-bucket",
                  "s3.eu-west-1.amazonaws.com", "/my-bucket");
    os_close(s);
    s = open_style("s3://my-bucket", "https://s3.eu-central-1.amazonaws.com:443", "eu-central-1",
                   "path", 0, 0);
    expect_target(s, "a b/k.csv", "https://s3.eu-central-1.amazonaws.com/my-bucket/a%20b/k.csv",
                  "s3.eu-central-1.amazonaws.com", "/my-bucket/a%20b/k.csv");
    os_close(s);
    s = open_style("s3://my-bucket", "https://s3.eu-central-1.amazonaws.com", "eu-central-1",
                   "virtual", 0, 0);
    expect_target(s, "k.csv", "https://my-bucket.s3.eu-central-1.amazonaws.com/k.csv",
                  "my-bucket.s3.eu-central-1.amazonaws.com", "/k.csv");
    os_close(s);
    /* a local store has no S3 target */
    char *dir = tu_mkdtemp("s3addr");
    os_options none = {0};
    cdlt_error err = {0};
    OK(os_open(dir, &none, &s, &err));
    buf u = BUF_INIT, h = BUF_INIT, c = BUF_INIT;
    assert_int_equal(s3_request_target(s, "k", &u, &h, &c), CDLT_INVALID_ARG);
    os_close(s);
    tu_rm_rf(dir);
    free(dir);
}

/* A misspelt style is a config error naming credentials.s3_url_style (and, from config,
 * where it was set), with the values to use; the secret is not in it. */
static void test_wrong_style(void **st)
{
    (void)st;
    os_options o = {0};
    o.aws_access_key_id = tu_s3_env("CDLT_TEST_S3_KEY_ID");
    o.aws_secret_access_key = tu_s3_env("CDLT_TEST_S3_SECRET");
    o.endpoint_url = tu_s3_env("CDLT_TEST_S3_ENDPOINT");
    o.s3_url_style = "virtal";
    os_store *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(os_open("s3://b/p", &o, &s, &err), CDLT_CONFIG);
    assert_null(s);
    assert_non_null(strstr(err.message, "credentials.s3_url_style = 'virtal'"));
    assert_non_null(strstr(err.message, "s3://b/p"));
    assert_non_null(strstr(err.message, "\"virtual\""));
    assert_null(strstr(err.message, tu_s3_env("CDLT_TEST_S3_SECRET")));

    char *dir = tu_mkdtemp("s3style");
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID", "AKIDSTYLE", 1);
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY", "style-secret-zz7", 1);
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE", "virtal", 1);
    cdlt_config_opts co = {dir, NULL, "", NULL, ""};
    cdlt_config *cfg = NULL;
    OK(cdlt_config_open(&co, &cfg, &err));
    os_options c;
    assert_int_equal(os_options_from_config(cfg, "destination.filesystem", &c, &err),
                     CDLT_CONFIG);
    assert_non_null(strstr(err.message, "destination.filesystem.credentials.s3_url_style"));
    assert_non_null(strstr(err.message, "env DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE"));
    assert_non_null(strstr(err.message, "\"path\""));
    assert_null(strstr(err.message, "style-secret-zz7"));
    cdlt_config_free(cfg);
    /* the valid ones pass through */
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE", "virtual", 1);
    OK(cdlt_config_open(&co, &cfg, &err));
    OK(os_options_from_config(cfg, "destination.filesystem", &c, &err));
    assert_string_equal(c.s3_url_style, "virtual");
    cdlt_config_free(cfg);
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE");
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY");
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID");
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_virtual_host_round_trip),
        cmocka_unit_test(test_path_style_on_vhost_endpoint),
        cmocka_unit_test(test_styles_on_aws),
        cmocka_unit_test(test_wrong_style),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
