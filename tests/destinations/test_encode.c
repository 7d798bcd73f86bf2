/* test_encode.c: dlt's base64(zlib level 9) state/schema encoding: byte-identical to Python's
 * zlib.compress(s, 9) + b64encode, round trips, plain-JSON fallback and rejection of junk. */
#include "testutil.h"

#include "destinations/destination.h"

#include <stdlib.h>
#include <string.h>

static void test_golden(void **state)
{
    (void)state;
    const char *text = "{\"_state_version\":1,\"pipeline_name\":\"p\"}";
    buf b = BUF_INIT;
    assert_int_equal(dest_compress_b64(text, strlen(text), &b), CDLT_OK);
    /* python3 -c 'base64.b64encode(zlib.compress(text.encode(), 9))' */
    assert_string_equal(b.data, "eNqrVoovLkksSY0vSy0qzszPU7Iy1FEqyCxIzcnMS43PS8xNVbJSKlCqBQAvHQ5B");
    buf d = BUF_INIT;
    assert_int_equal(dest_decompress_b64(b.data, b.len, &d), CDLT_OK);
    assert_string_equal(d.data, text);
    buf_free(&b);
    buf_free(&d);
}

static void test_round_trip_large(void **state)
{
    (void)state;
    size_t n = 300000;
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)('a' + (i * 7919 % 26));
    text[0] = '{';
    text[n] = '\0';
    buf b = BUF_INIT, d = BUF_INIT;
    assert_int_equal(dest_compress_b64(text, n, &b), CDLT_OK);
    assert_int_equal(dest_decompress_b64(b.data, b.len, &d), CDLT_OK);
    assert_int_equal(d.len, n);
    assert_memory_equal(d.data, text, n);
    buf_free(&b);
    buf_free(&d);
    /* empty text */
    assert_int_equal(dest_compress_b64("", 0, &b), CDLT_OK);
    assert_int_equal(dest_decompress_b64(b.data, b.len, &d), CDLT_OK);
    assert_int_equal(d.len, 0);
    buf_free(&b);
    buf_free(&d);
    free(text);
}

static void test_plain_json_and_junk(void **state)
{
    (void)state;
    buf d = BUF_INIT;
    const char *plain = " {\"name\":\"x\",\"version\":2}";
    assert_int_equal(dest_decompress_b64(plain, strlen(plain), &d), CDLT_OK);
    assert_string_equal(d.data, plain);
    buf_free(&d);
    const char *arr = "[1,2]";
    assert_int_equal(dest_decompress_b64(arr, strlen(arr), &d), CDLT_OK);
    assert_string_equal(d.data, "[1,2]");
    buf_free(&d);
    /* valid base64 that is not zlib, and text that is neither */
    assert_int_equal(dest_decompress_b64("aGVsbG8=", 8, &d), CDLT_PARSE);
    assert_int_equal(dest_decompress_b64("not json", 8, &d), CDLT_PARSE);
    /* a truncated zlib stream is not accepted */
    assert_int_equal(dest_decompress_b64("eNqrVoovLkksSY0vSy0q", 20, &d), CDLT_PARSE);
    buf_free(&d);
}

static cdlt_status enc_once(void *ud)
{
    (void)ud;
    const char *text = "{\"a\":[1,2,3],\"b\":\"hello hello hello\"}";
    buf b = BUF_INIT, d = BUF_INIT;
    cdlt_status st = dest_compress_b64(text, strlen(text), &b);
    if (st == CDLT_OK)
        st = dest_decompress_b64(b.data, b.len, &d);
    if (st == CDLT_OK && strcmp(d.data, text) != 0)
        st = CDLT_ERROR;
    buf_free(&b);
    buf_free(&d);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    assert_true(tu_alloc_failure_sweep(enc_once, NULL, 50) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_round_trip_large),
        cmocka_unit_test(test_plain_json_and_junk),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
