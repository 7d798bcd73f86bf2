/* test_s3.c: the S3 backend against a real S3-compatible server on loopback (fixture cdlt_s3,
 * scripts/s3server: @20minutes/s3rver with Signature V4 checking on): SigV4 on AWS's published
 * example, listing over several pages, 404, wrong secret (clear error, secret absent), ranged
 * reads across chunk boundaries, a 200 MB multipart upload read back, aborted uploads leave
 * nothing, credentials from dlt's config keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "objstore/objstore.h"
#include "objstore/s3_int.h"
#include "testutil.h"

#define MiB (1024u * 1024u)

static int g_inflight; /* parts_in_flight for the next open_s3 (0 = default) */

static os_store *open_s3(const char *prefix, const char *secret, int max_keys, uint64_t part)
{
    char url[512];
    snprintf(url, sizeof url, "s3://%s/%s", tu_s3_env("CDLT_TEST_S3_BUCKET"), prefix);
    os_options o = {0};
    o.aws_access_key_id = tu_s3_env("CDLT_TEST_S3_KEY_ID");
    o.aws_secret_access_key = secret ? secret : tu_s3_env("CDLT_TEST_S3_SECRET");
    o.endpoint_url = tu_s3_env("CDLT_TEST_S3_ENDPOINT");
    o.region_name = tu_s3_env("CDLT_TEST_S3_REGION");
    o.list_max_keys = max_keys;
    o.part_size = part;
    o.multipart_threshold = part;
    o.max_attempts = 2;
    o.parts_in_flight = g_inflight;
    os_store *s = NULL;
    cdlt_error err = {0};
    cdlt_status rc = os_open(url, &o, &s, &err);
    if (rc != CDLT_OK)
        fail_msg("os_open %s: %s", url, err.message);
    assert_int_equal(os_store_kind(s), OS_S3);
    return s;
}

#define OK(call)                                                                                 \
    do {                                                                                         \
        cdlt_error e_ = {0};                                                                     \
        cdlt_status rc_ = (call);                                                                \
        (void)e_;                                                                                \
        if (rc_ != CDLT_OK)                                                                      \
            fail_msg("%s -> %s: %s", #call, cdlt_status_name(rc_), err.message);                 \
    } while (0)

/* AWS's published SigV4 example for S3 (GET /test.txt with a Range header). */
static void test_sigv4_known_answer(void **st)
{
    (void)st;
    const char *names[] = {"host", "range", "x-amz-content-sha256", "x-amz-date"};
    const char *empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const char *vals[] = {"examplebucket.s3.amazonaws.com", "bytes=0-9", empty,
                          "20130524T000000Z"};
    s3_sig_req r = {"GET", "/test.txt", "", names, vals, 4, empty, "20130524T000000Z",
                    "us-east-1", "s3", "AKIAIOSFODNN7EXAMPLE",
                    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    buf out = BUF_INIT;
    assert_int_equal(s3_sign(&r, &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out),
                        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                        "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    buf_free(&out);
    int64_t us;
    assert_true(s3_parse_iso8601("2026-12-05T17:23:39.250Z", &us));
    assert_int_equal(us, 1796491419250000LL);
    assert_true(s3_parse_http_date("Sat, 05 Dec 2026 17:23:39 GMT", &us));
    assert_int_equal(us, 1796491419000000LL);
}

typedef struct seen {
    int n;
    char paths[64][96];
    uint64_t sizes[64];
    int64_t mtimes[64];
    bool dirs[64];
} seen;

static cdlt_status on_obj(void *ud, const os_object *o, cdlt_error *err)
{
    (void)err;
    seen *s = ud;
    assert_true(s->n < 64);
    assert_null(o->local);
    snprintf(s->paths[s->n], sizeof s->paths[0], "%s", o->path);
    s->sizes[s->n] = o->size;
    s->mtimes[s->n] = o->mtime_us;
    s->dirs[s->n] = o->is_dir;
    s->n++;
    return CDLT_OK;
}

static void test_list_pages(void **st)
{
    (void)st;
    cdlt_error err = {0};
    os_store *s = open_s3("listing/base/", NULL, 7, 0); /* 7 keys per page */
    char want[256];
    snprintf(want, sizeof want, "s3://%s/listing/base", tu_s3_env("CDLT_TEST_S3_BUCKET"));
    assert_string_equal(os_store_url(s), want);
    char path[64], body[64];
    for (int i = 0; i < 25; i++) {
        snprintf(path, sizeof path, "t/part-%02d.jsonl", 24 - i);
        int n = snprintf(body, sizeof body, "{\"i\":%d}\n", 24 - i);
        OK(os_put(s, path, body, (size_t)n, &err));
    }
    OK(os_put(s, "t/sub/deep.csv", "a\n", 2, &err));
    OK(os_put(s, "top.txt", "x", 1, &err));
    seen sn = {0};
    OK(os_list(s, "t", true, on_obj, &sn, &err));
    assert_int_equal(sn.n, 26); /* four pages */
    int64_t now = (int64_t)time(NULL) * 1000000;
    for (int i = 0; i < 25; i++) {
        snprintf(path, sizeof path, "t/part-%02d.jsonl", i);
        assert_string_equal(sn.paths[i], path);
        assert_int_equal(sn.sizes[i], i < 10 ? 8 : 9);
        assert_true(sn.mtimes[i] > now - 120000000 && sn.mtimes[i] < now + 120000000);
        assert_false(sn.dirs[i]);
    }
    assert_string_equal(sn.paths[25], "t/sub/deep.csv");
    /* direct children: folders as is_dir entries */
    memset(&sn, 0, sizeof sn);
    OK(os_list(s, "", false, on_obj, &sn, &err));
    assert_int_equal(sn.n, 2);
    assert_string_equal(sn.paths[0], "t/");
    assert_true(sn.dirs[0]);
    assert_string_equal(sn.paths[1], "top.txt");
    memset(&sn, 0, sizeof sn);
    OK(os_list(s, "t", false, on_obj, &sn, &err));
    assert_int_equal(sn.n, 26);
    assert_string_equal(sn.paths[25], "t/sub/");
    /* missing folder: nothing */
    memset(&sn, 0, sizeof sn);
    OK(os_list(s, "nope", true, on_obj, &sn, &err));
    assert_int_equal(sn.n, 0);
    /* tree delete goes over pages too */
    uint64_t removed = 0;
    OK(os_delete_tree(s, "t", &removed, &err));
    assert_int_equal(removed, 26);
    memset(&sn, 0, sizeof sn);
    OK(os_list(s, "", true, on_obj, &sn, &err));
    assert_int_equal(sn.n, 1);
    OK(os_delete(s, "top.txt", &err));
    OK(os_delete(s, "top.txt", &err)); /* missing is fine */
    os_close(s);
}

static void test_not_found(void **st)
{
    (void)st;
    cdlt_error err = {0};
    os_store *s = open_s3("nf", NULL, 0, 0);
    buf b = BUF_INIT;
    assert_int_equal(os_get(s, "no/such.csv", &b, 1000, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "404"));
    assert_non_null(strstr(err.message, "NoSuchKey"));
    assert_non_null(strstr(err.message, "/nf/no/such.csv"));
    assert_non_null(strstr(err.message, "check bucket_url"));
    cdlt_error_clear(&err);
    assert_int_equal(os_stat(s, "no/such.csv", NULL, NULL, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "404"));
    buf_free(&b);
    os_close(s);

    /* a missing bucket is an error, also for delete */
    char url[256];
    snprintf(url, sizeof url, "s3://no-such-bucket-cdlt/x");
    os_options o = {tu_s3_env("CDLT_TEST_S3_KEY_ID"), tu_s3_env("CDLT_TEST_S3_SECRET"), NULL,
                    tu_s3_env("CDLT_TEST_S3_ENDPOINT"), NULL, NULL, 0, 0, 0, 1, 0, 0};
    assert_int_equal(os_open(url, &o, &s, &err), CDLT_OK);
    cdlt_error_clear(&err);
    assert_int_not_equal(os_put(s, "a", "x", 1, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "NoSuchBucket"));
    assert_non_null(strstr(err.message, "check the bucket name"));
    os_close(s);
}

static void test_wrong_secret(void **st)
{
    (void)st;
    const char *bad = "WrongSecret-9c1e77-do-not-print";
    cdlt_error err = {0};
    os_store *s = open_s3("ws", bad, 0, 0);
    assert_int_equal(os_put(s, "a.txt", "x", 1, &err), CDLT_HTTP);
    assert_non_null(strstr(err.message, "403"));
    assert_non_null(strstr(err.message, "SignatureDoesNotMatch"));
    assert_non_null(strstr(err.message, "check aws_secret_access_key"));
    assert_null(strstr(err.message, bad));
    assert_null(strstr(err.url, bad));
    cdlt_error_clear(&err);
    seen sn = {0};
    assert_int_equal(os_list(s, "", true, on_obj, &sn, &err), CDLT_HTTP);
    assert_non_null(strstr(err.message, "SignatureDoesNotMatch"));
    assert_null(strstr(err.message, bad));
    cdlt_error_clear(&err);
    assert_int_equal(os_stat(s, "a.txt", NULL, NULL, &err), CDLT_HTTP); /* HEAD: no body */
    assert_non_null(strstr(err.message, "403"));
    assert_non_null(strstr(err.message, "aws_secret_access_key"));
    os_close(s);

    /* missing credentials: named config keys */
    os_options none = {0};
    cdlt_error_clear(&err);
    assert_int_equal(os_open("s3://b/p", &none, &s, &err), CDLT_CONFIG_MISSING);
    assert_non_null(strstr(err.message, "aws_access_key_id"));
}

/* Deterministic bytes: position-dependent, so a misplaced chunk is caught. */
static void fill(unsigned char *p, size_t n, uint64_t at)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = at + i;
        p[i] = (unsigned char)((x * 2654435761u) >> 13 ^ (x >> 20));
    }
}

static void test_ranged_get(void **st)
{
    (void)st;
    cdlt_error err = {0};
    os_store *s = open_s3("range", NULL, 0, 0);
    size_t n = 20 * MiB + 123; /* more than two 8 MiB read chunks */
    unsigned char *data = malloc(n), *back = malloc(n);
    fill(data, n, 0);
    OK(os_put(s, "big.bin", data, n, &err));
    uint64_t size;
    OK(os_stat(s, "big.bin", &size, NULL, &err));
    assert_int_equal(size, n);
    os_reader *r;
    uint64_t off = 5 * MiB + 3, len = 10 * MiB + 7;
    OK(os_reader_open(s, "big.bin", off, len, &r, &err));
    assert_int_equal(os_reader_size(r), n);
    size_t total = 0, got;
    do {
        OK(os_read(r, back + total, 100000, &got, &err));
        total += got;
    } while (got);
    assert_int_equal(total, len);
    assert_memory_equal(back, data + off, len);
    os_reader_close(r);
    /* the tail from an offset, to the end */
    OK(os_reader_open(s, "big.bin", n - 10, UINT64_MAX, &r, &err));
    total = 0;
    do {
        OK(os_read(r, back + total, n, &got, &err));
        total += got;
    } while (got);
    assert_int_equal(total, 10);
    assert_memory_equal(back, data + n - 10, 10);
    os_reader_close(r);
    /* past the end: nothing, size still known */
    OK(os_reader_open(s, "big.bin", n + 5, 100, &r, &err));
    assert_int_equal(os_reader_size(r), n);
    OK(os_read(r, back, 10, &got, &err));
    assert_int_equal(got, 0);
    os_reader_close(r);
    /* an empty object */
    OK(os_put(s, "empty", "", 0, &err));
    buf b = BUF_INIT;
    OK(os_get(s, "empty", &b, 10, &err));
    assert_int_equal(b.len, 0);
    buf_free(&b);
    OK(os_delete(s, "big.bin", &err));
    OK(os_delete(s, "empty", &err));
    os_close(s);
    free(data);
    free(back);
}

static void test_multipart_put_file(void **st)
{
    (void)st;
    /* 200 MB as the issue asks; ASan builds move the bytes ~10x slower, 24 MB still gives
     * several parts and a short last part. */
#if defined(__SANITIZE_ADDRESS__)
    size_t n = 24 * MiB + 4321;
#else
    size_t n = 200 * 1000 * 1000;
#endif
    char *dir = tu_mkdtemp("objs3");
    char path[600];
    snprintf(path, sizeof path, "%s/src.bin", dir);
    unsigned char *data = malloc(n);
    fill(data, n, 7);
    assert_int_equal(tu_write_file(path, data, n), 0);
    cdlt_error err = {0};
    os_store *s = open_s3("mp", NULL, 0, 8 * MiB);
    OK(os_put_file(s, path, "up/src.bin", &err));
    uint64_t size;
    OK(os_stat(s, "up/src.bin", &size, NULL, &err));
    assert_int_equal(size, n);
    os_reader *r;
    OK(os_reader_open(s, "up/src.bin", 0, UINT64_MAX, &r, &err));
    unsigned char *b = malloc(MiB);
    size_t total = 0, got;
    for (;;) {
        OK(os_read(r, b, MiB, &got, &err));
        if (!got)
            break;
        assert_true(total + got <= n);
        if (memcmp(b, data + total, got) != 0)
            fail_msg("read-back differs in the %zu bytes at offset %zu", got, total);
        total += got;
    }
    assert_int_equal(total, n);
    os_reader_close(r);
    OK(os_delete(s, "up/src.bin", &err));
    os_close(s);
    free(b);
    free(data);
    tu_rm_rf(dir);
    free(dir);
}

static void test_writer_visibility(void **st)
{
    (void)st;
    cdlt_error err = {0};
    g_inflight = 4; /* 12 MiB in 5 MiB parts: three parts queued at once */
    os_store *s = open_s3("wv", NULL, 0, 5 * MiB);
    g_inflight = 0;
    unsigned char *data = malloc(12 * MiB);
    fill(data, 12 * MiB, 1);
    /* a multipart upload (3 parts) aborted: nothing visible */
    os_writer *w;
    OK(os_writer_open(s, "x.bin", &w, &err));
    for (size_t i = 0; i < 12; i++)
        OK(os_write(w, data + i * MiB, MiB, &err));
    assert_int_equal(os_stat(s, "x.bin", NULL, NULL, &err), CDLT_NOT_FOUND);
    os_writer_abort(w);
    assert_int_equal(os_stat(s, "x.bin", NULL, NULL, &err), CDLT_NOT_FOUND);
    /* the same committed: visible whole */
    OK(os_writer_open(s, "x.bin", &w, &err));
    for (size_t i = 0; i < 12; i++)
        OK(os_write(w, data + i * MiB, MiB, &err));
    OK(os_writer_commit(w, &err));
    buf b = BUF_INIT;
    OK(os_get(s, "x.bin", &b, 64 * MiB, &err));
    assert_int_equal(b.len, 12 * MiB);
    assert_memory_equal(b.data, data, 12 * MiB);
    buf_free(&b);
    /* a small write: one PUT */
    OK(os_put(s, "small.txt", "hello", 5, &err));
    OK(os_get(s, "small.txt", &b, 100, &err));
    assert_string_equal(buf_cstr(&b), "hello");
    buf_free(&b);
    OK(os_delete(s, "x.bin", &err));
    OK(os_delete(s, "small.txt", &err));
    os_close(s);
    free(data);
}

/* Keys with characters that need encoding (space, '+', '=', '~', '%', UTF-8) round-trip through
 * put, list, stat, get and delete: path and query encodings agree with the server's. ('&' is
 * left out: s3rver escapes it twice in listings, "&amp;amp;"; S3 does not.) */
static void test_special_keys(void **st)
{
    (void)st;
    cdlt_error err = {0};
    os_store *s = open_s3("sp ec/ial+dir", NULL, 2, 0);
    static const char *const keys[] = {"a b/c+d=e.csv", "t~x/\xc3\xbc\xe2\x82\xac.jsonl",
                                       "q=r/s%t.txt"};
    for (size_t i = 0; i < 3; i++)
        OK(os_put(s, keys[i], keys[i], strlen(keys[i]), &err));
    seen sn = {0};
    OK(os_list(s, "", true, on_obj, &sn, &err));
    assert_int_equal(sn.n, 3);
    assert_string_equal(sn.paths[0], keys[0]);
    assert_string_equal(sn.paths[1], keys[2]);
    assert_string_equal(sn.paths[2], keys[1]);
    memset(&sn, 0, sizeof sn);
    OK(os_list(s, "a b", true, on_obj, &sn, &err));
    assert_int_equal(sn.n, 1);
    for (size_t i = 0; i < 3; i++) {
        buf b = BUF_INIT;
        OK(os_get(s, keys[i], &b, 100, &err));
        assert_string_equal(buf_cstr(&b), keys[i]);
        buf_free(&b);
        uint64_t size;
        OK(os_stat(s, keys[i], &size, NULL, &err));
        assert_int_equal(size, strlen(keys[i]));
        OK(os_delete(s, keys[i], &err));
    }
    memset(&sn, 0, sizeof sn);
    OK(os_list(s, "", true, on_obj, &sn, &err));
    assert_int_equal(sn.n, 0);
    os_close(s);
}

/* Every allocation on the S3 paths (open, put, list, get, stat, delete) may fail: an error
 * status each time, never a crash or a leak. */
static cdlt_status count_cb(void *ud, const os_object *o, cdlt_error *err)
{
    (void)o;
    (void)err;
    (*(int *)ud)++;
    return CDLT_OK;
}

static cdlt_status s3_sweep_once(void *ud)
{
    (void)ud;
    char url[256];
    snprintf(url, sizeof url, "s3://%s/sweep", tu_s3_env("CDLT_TEST_S3_BUCKET"));
    os_options o = {0};
    o.aws_access_key_id = tu_s3_env("CDLT_TEST_S3_KEY_ID");
    o.aws_secret_access_key = tu_s3_env("CDLT_TEST_S3_SECRET");
    o.endpoint_url = tu_s3_env("CDLT_TEST_S3_ENDPOINT");
    o.max_attempts = 1;
    os_store *s;
    cdlt_status rc = os_open(url, &o, &s, NULL);
    if (rc != CDLT_OK)
        return rc;
    rc = os_put(s, "a/b.txt", "hello", 5, NULL);
    int n = 0;
    if (rc == CDLT_OK)
        rc = os_list(s, "a", false, count_cb, &n, NULL);
    buf b = BUF_INIT;
    if (rc == CDLT_OK)
        rc = os_get(s, "a/b.txt", &b, 100, NULL);
    buf_free(&b);
    if (rc == CDLT_OK)
        rc = os_stat(s, "a/b.txt", NULL, NULL, NULL);
    if (rc == CDLT_OK)
        rc = os_delete(s, "a/b.txt", NULL);
    os_close(s);
    return rc;
}

static void test_s3_alloc_failures(void **st)
{
    (void)st;
    assert_true(tu_alloc_failure_sweep(s3_sweep_once, NULL, 3000) > 20);
}

static void test_options_from_config(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("objs3cfg");
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID", "AKIDCFG", 1);
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY", "cfg-secret-zz91", 1);
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL", "http://127.0.0.1:1", 1);
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__REGION_NAME", "eu-west-1", 1);
    cdlt_config_opts co = {dir, NULL, "", NULL, ""};
    cdlt_config *cfg = NULL;
    cdlt_error err = {0};
    OK(cdlt_config_open(&co, &cfg, &err));
    os_options o;
    OK(os_options_from_config(cfg, "destination.filesystem", &o, &err));
    assert_string_equal(o.aws_access_key_id, "AKIDCFG");
    assert_string_equal(o.aws_secret_access_key, "cfg-secret-zz91");
    assert_string_equal(o.endpoint_url, "http://127.0.0.1:1");
    assert_string_equal(o.region_name, "eu-west-1");
    assert_null(o.aws_session_token);
    /* the secret is registered with the masker */
    char masked[128];
    cdlt_secret_mask_text("x cfg-secret-zz91 y", masked, sizeof masked);
    assert_null(strstr(masked, "cfg-secret-zz91"));
    cdlt_config_free(cfg);
    /* an unknown key is an error */
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE", "dev", 1);
    OK(cdlt_config_open(&co, &cfg, &err));
    assert_int_equal(os_options_from_config(cfg, "destination.filesystem", &o, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "credentials.profile"));
    cdlt_config_free(cfg);
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE");
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID");
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY");
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL");
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__REGION_NAME");
    tu_rm_rf(dir);
    free(dir);
}

/* What the configuration leaves out comes from AWS profiles and the AWS_* environment, as
 * botocore finds it for dlt (awschain.c). */
static os_options chain_options(const char *dir, cdlt_status want, const char *want_msg)
{
    cdlt_config_opts co = {dir, NULL, "", NULL, ""};
    cdlt_config *cfg = NULL;
    cdlt_error err = {0};
    OK(cdlt_config_open(&co, &cfg, &err));
    os_options o;
    cdlt_status rc = os_options_from_config(cfg, "destination.filesystem", &o, &err);
    if (rc != want)
        fail_msg("os_options_from_config: %d (%s), want %d", rc, err.message, want);
    if (want_msg)
        assert_non_null(strstr(err.message, want_msg));
    /* keep the strings: copy them out before the config goes */
    static char keep[4][256];
    const char **f[4] = {&o.aws_access_key_id, &o.aws_secret_access_key, &o.aws_session_token,
                         &o.region_name};
    for (int i = 0; i < 4; i++)
        if (*f[i]) {
            snprintf(keep[i], sizeof keep[i], "%s", *f[i]);
            *f[i] = keep[i];
        }
    cdlt_config_free(cfg);
    return o;
}

static void test_aws_profiles(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("objs3aws");
    char creds[1200], conf[1200], text[1024];
    snprintf(creds, sizeof creds, "%s/credentials", dir);
    snprintf(conf, sizeof conf, "%s/config", dir);
    snprintf(text, sizeof text,
             "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
             "aws_secret_access_key = default-secret\n\n"
             "[dev]\naws_access_key_id=%s\naws_secret_access_key = %s\n"
             "aws_session_token = dev-token\n[roley]\nrole_arn = arn:aws:iam::1:role/x\n",
             tu_s3_env("CDLT_TEST_S3_KEY_ID"), tu_s3_env("CDLT_TEST_S3_SECRET"));
    assert_int_equal(tu_write_file(creds, text, strlen(text)), 0);
    const char *ctext = "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-central-1\n";
    assert_int_equal(tu_write_file(conf, ctext, strlen(ctext)), 0);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    /* nothing configured: the default profile (region from the config file) */
    os_options o = chain_options(dir, CDLT_OK, NULL);
    assert_string_equal(o.aws_access_key_id, "AKIDDEFAULT");
    assert_string_equal(o.aws_secret_access_key, "default-secret");
    assert_null(o.aws_session_token);
    assert_string_equal(o.region_name, "us-west-2");
    /* the environment's keys come before the default profile */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_REGION", "ap-south-1", 1);
    o = chain_options(dir, CDLT_OK, NULL);
    assert_string_equal(o.aws_access_key_id, "AKIDENV");
    assert_string_equal(o.region_name, "ap-south-1");
    unsetenv("AWS_REGION");
    /* a named profile beats the environment */
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE_NAME", "dev", 1);
    o = chain_options(dir, CDLT_OK, NULL);
    assert_string_equal(o.aws_access_key_id, tu_s3_env("CDLT_TEST_S3_KEY_ID"));
    assert_string_equal(o.aws_session_token, "dev-token");
    assert_string_equal(o.region_name, "eu-central-1");
    /* configured keys beat everything */
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID", "AKIDCFG", 1);
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY", "cfg-secret", 1);
    o = chain_options(dir, CDLT_OK, NULL);
    assert_string_equal(o.aws_access_key_id, "AKIDCFG");
    assert_null(o.aws_session_token);
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID");
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY");
    /* a profile that does not exist, one this reader cannot follow */
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE_NAME", "nope", 1);
    chain_options(dir, CDLT_CONFIG, "no such profile");
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE_NAME", "roley", 1);
    chain_options(dir, CDLT_CONFIG, "role_arn");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    /* the profile's credentials work against the server (the session token is sent and the
     * test server ignores it) */
    setenv("DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE_NAME", "dev", 1);
    o = chain_options(dir, CDLT_OK, NULL);
    o.aws_session_token = NULL;
    o.endpoint_url = tu_s3_env("CDLT_TEST_S3_ENDPOINT");
    o.region_name = tu_s3_env("CDLT_TEST_S3_REGION");
    char url[512];
    snprintf(url, sizeof url, "s3://%s/awsprof", tu_s3_env("CDLT_TEST_S3_BUCKET"));
    os_store *s = NULL;
    cdlt_error err = {0};
    OK(os_open(url, &o, &s, &err));
    OK(os_put(s, "p.txt", "via profile", 11, &err));
    buf b = BUF_INIT;
    OK(os_get(s, "p.txt", &b, 100, &err));
    assert_int_equal(b.len, 11);
    buf_free(&b);
    OK(os_delete(s, "p.txt", &err));
    os_close(s);
    unsetenv("DESTINATION__FILESYSTEM__CREDENTIALS__PROFILE_NAME");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigv4_known_answer), cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_not_found),          cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_ranged_get),         cmocka_unit_test(test_multipart_put_file),
        cmocka_unit_test(test_writer_visibility),  cmocka_unit_test(test_options_from_config),
        cmocka_unit_test(test_special_keys),       cmocka_unit_test(test_s3_alloc_failures),
        cmocka_unit_test(test_aws_profiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
