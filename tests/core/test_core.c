/* test_core.c: status table, arena, buf caps, map, interning, errors, logging and masking,
 * and allocation fault injection. */
#include "testutil.h"

#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(cdlt_status_name(CDLT_NOMEM), "CDLT_NOMEM");
    assert_string_equal(cdlt_strerror(CDLT_OK), "success");
    assert_string_equal(cdlt_strerror((cdlt_status)9999), "unknown status");
    assert_string_equal(cdlt_version(), CDLT_VERSION);
}

static void test_arena(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 1024, 0);
    char *p = arena_strndup(&a, "hello", 5);
    assert_string_equal(p, "hello");
    void *big = arena_alloc(&a, 100000); /* larger than a chunk */
    assert_non_null(big);
    memset(big, 1, 100000);
    int *grown = arena_alloc(&a, 16);
    grown[0] = 7;
    grown = arena_grow(&a, grown, 16, 64);
    assert_int_equal(grown[0], 7);
    size_t reserved = a.reserved;
    arena_reset(&a);
    assert_true(a.reserved <= reserved);
    /* A steady stream of equal batches reuses the kept chunk: no growth. */
    for (int i = 0; i < 100; i++) {
        assert_non_null(arena_alloc(&a, 50000));
        arena_reset(&a);
    }
    assert_true(a.reserved <= reserved);
    arena_free(&a);

    arena capped;
    arena_init(&capped, 1024, 4096);
    assert_non_null(arena_alloc(&capped, 1000));
    assert_null(arena_alloc(&capped, 10000));
    arena_free(&capped);
}

static void test_buf(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_puts(&b, "12345"), CDLT_OK);
    assert_int_equal(buf_printf(&b, "%d", 678), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "12345678");
    assert_int_equal(buf_puts(&b, "abc"), CDLT_TOO_LARGE);
    /* Sticky: later appends are refused, content unchanged. */
    assert_int_equal(buf_putc(&b, 'x'), CDLT_TOO_LARGE);
    assert_string_equal(buf_cstr(&b), "12345678");
    buf_free(&b);
}

static void test_map_and_intern(void **state)
{
    (void)state;
    map m;
    map_init(&m);
    char keys[1000][16];
    for (int i = 0; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        assert_int_equal(map_put(&m, keys[i], strlen(keys[i]), (void *)(intptr_t)(i + 1)), CDLT_OK);
    }
    assert_int_equal(m.count, 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal((intptr_t)map_get(&m, keys[i], strlen(keys[i])), i + 1);
    assert_null(map_get(&m, "nope", 4));
    size_t it = 0, n = 0;
    const map_entry *e;
    while (map_next(&m, &it, &e))
        n++;
    assert_int_equal(n, 1000);
    map_free(&m);

    intern in;
    intern_init(&in);
    const istr *a = intern_get(&in, "abc", 3);
    const istr *b = intern_get(&in, "abcd", 3);
    const istr *c = intern_get(&in, "xyz", 3);
    assert_ptr_equal(a, b);
    assert_int_equal(a->id, 0);
    assert_int_equal(c->id, 1);
    assert_ptr_equal(intern_find(&in, "xyz", 3), c);
    assert_null(intern_find(&in, "q", 1));
    intern_free(&in);
}

static char g_log[8192];
static void capture(cdlt_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)ud;
    strncat(g_log, line, sizeof g_log - strlen(g_log) - 2);
    strcat(g_log, "\n");
}

static void test_log_masks_secrets(void **state)
{
    (void)state;
    g_log[0] = '\0';
    cdlt_log_set_sink(capture, NULL);
    cdlt_log_set_level(CDLT_LOG_DEBUG);
    assert_int_equal(cdlt_secret_register("s3cr3t-token-value"), CDLT_OK);
    cdlt_log(CDLT_LOG_DEBUG, "token is %s, again s3cr3t-token-value!", "s3cr3t-token-value");
    cdlt_log(CDLT_LOG_TRACE, "not shown");
    assert_null(strstr(g_log, "s3cr3t-token-value"));
    assert_non_null(strstr(g_log, "s*****e"));
    assert_null(strstr(g_log, "not shown"));

    cdlt_error e;
    err_set(&e, CDLT_HTTP, "GET failed with key %s", "s3cr3t-token-value");
    err_set_url(&e, "https://user:pw123@example.invalid/x?k=s3cr3t-token-value");
    assert_null(strstr(e.message, "s3cr3t-token-value"));
    assert_null(strstr(e.url, "s3cr3t-token-value"));
    assert_null(strstr(e.url, "pw123"));
    cdlt_secret_clear();
    cdlt_log_set_sink(NULL, NULL);
    cdlt_log_set_level(CDLT_LOG_WARN);
    assert_int_equal(cdlt_log_level_parse("WARNING"), CDLT_LOG_WARN);
    assert_int_equal(cdlt_log_level_parse("bogus"), -1);
}

static void test_error_context(void **state)
{
    (void)state;
    cdlt_error e;
    err_set(&e, CDLT_PARSE, "unexpected character 'x'");
    err_at_file(&e, "events.jsonl", 12, 5, 3456);
    err_prefix(&e, "resource '%s': ", "events");
    err_hint(&e, "fix or remove the line and run again");
    assert_int_equal(e.code, CDLT_PARSE);
    assert_int_equal(e.line, 12);
    assert_int_equal(e.offset, 3456);
    assert_string_equal(e.message, "resource 'events': unexpected character 'x' (at events.jsonl:12:5, "
                                   "byte 3456); fix or remove the line and run again");
}

/* Something that allocates several times and cleans up on every failure path. */
static cdlt_status build_things(void *ud)
{
    (void)ud;
    intern in;
    intern_init(&in);
    map m;
    map_init(&m);
    buf b = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (int i = 0; i < 40 && st == CDLT_OK; i++) {
        char k[16];
        snprintf(k, sizeof k, "key%d", i);
        const istr *s = intern_get(&in, k, strlen(k));
        if (!s) {
            st = CDLT_NOMEM;
            break;
        }
        st = map_put(&m, s->s, s->len, (void *)s);
        if (st == CDLT_OK)
            st = buf_printf(&b, "%s,", s->s);
    }
    intern_free(&in);
    map_free(&m);
    buf_free(&b);
    return st;
}

static void test_alloc_fault_injection(void **state)
{
    (void)state;
    int points = tu_alloc_failure_sweep(build_things, NULL, 1000);
    assert_true(points > 3);
    assert_int_equal(build_things(NULL), CDLT_OK);
}

static void test_base64(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(b64_encode("\x00\xff", 2, out, true), 4);
    assert_string_equal(out, "AP8=");
    b64_encode("abcd", 4, out, false);
    assert_string_equal(out, "YWJjZA");
    buf b = BUF_INIT;
    assert_int_equal(b64_decode("YWJjZA==", 8, &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "abcd");
    buf_clear(&b);
    assert_int_equal(b64_decode("Y!", 2, &b), CDLT_PARSE);
    buf_free(&b);
}

/* strv: copies kept in order, unique adds, clear keeps the array, free empties */
static void test_strv(void **state)
{
    (void)state;
    strv s = {0};
    char name[16];
    for (int i = 0; i < 20; i++) { /* past the first growth */
        snprintf(name, sizeof name, "t%d", i % 10);
        assert_int_equal(i < 10 ? strv_add(&s, name) : strv_add_unique(&s, name), CDLT_OK);
    }
    assert_int_equal(s.n, 10);
    assert_string_equal(s.v[3], "t3");
    assert_true(strv_has(&s, "t9"));
    assert_false(strv_has(&s, "t10"));
    assert_int_equal(strv_add(&s, "t0"), CDLT_OK); /* strv_add does not check */
    assert_int_equal(s.n, 11);
    strv_clear(&s);
    assert_int_equal(s.n, 0);
    assert_false(strv_has(&s, "t0"));
    assert_int_equal(strv_add(&s, "x"), CDLT_OK);
    strv_free(&s);
    assert_null(s.v);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),   cmocka_unit_test(test_arena),
        cmocka_unit_test(test_buf),            cmocka_unit_test(test_map_and_intern),
        cmocka_unit_test(test_log_masks_secrets), cmocka_unit_test(test_error_context),
        cmocka_unit_test(test_alloc_fault_injection), cmocka_unit_test(test_base64),
        cmocka_unit_test(test_strv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
