/* test_jvb.c: the binary items encoding (jvb.c) the SQL source's rows travel in from extract to
 * normalize. Every value must come back exactly as the JSON text round trip would give it
 * (bit-exact doubles incl. -0.0, subnormals and the extremes, int64/uint64 limits, big
 * integers, strings with NUL, quotes, newlines and 4-byte Unicode, empty and nested lists and
 * objects, keys repeated across items and files); non-finite doubles become null and date
 * kinds strings, as json_write makes them; invalid UTF-8 is refused; a short, damaged or
 * foreign file is an error naming the file and the item; items larger than the read buffer. */
#include "testutil.h"

#include "json/json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jv parse(arena *a, const char *text)
{
    jv v;
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(json_parse(text, strlen(text), a, NULL, &v, &e), CDLT_OK);
    return v;
}

/* Bit-exact equality (jv_equal compares doubles with ==: -0.0 == 0.0). */
static void same(const jv *x, const jv *y)
{
    assert_int_equal(x->type, y->type);
    switch (x->type) {
    case JV_BOOL: assert_int_equal(x->u.b, y->u.b); break;
    case JV_INT:
    case JV_UINT:
    case JV_DOUBLE: assert_memory_equal(&x->u, &y->u, 8); break;
    case JV_STRING:
    case JV_BIGNUM:
        assert_int_equal(x->len, y->len);
        assert_memory_equal(x->u.s, y->u.s, x->len);
        assert_int_equal(y->u.s[y->len], '\0');
        break;
    case JV_ARRAY:
        assert_int_equal(x->len, y->len);
        for (uint32_t i = 0; i < x->len; i++)
            same(&x->u.items[i], &y->u.items[i]);
        break;
    case JV_OBJECT:
        assert_int_equal(x->len, y->len);
        for (uint32_t i = 0; i < x->len; i++) {
            assert_int_equal(x->u.members[i].klen, y->u.members[i].klen);
            assert_memory_equal(x->u.members[i].key, y->u.members[i].key, x->u.members[i].klen);
            same(&x->u.members[i].value, &y->u.members[i].value);
        }
        break;
    default: break;
    }
}

/* The value JSON items would carry: written and parsed again. */
static jv via_json(arena *a, const jv *v)
{
    buf b = BUF_INIT;
    assert_int_equal(json_write(&b, v, 0), CDLT_OK);
    jv out = parse(a, b.data);
    buf_free(&b);
    return out;
}

static char *write_items(const char *dir, const char *name, jvb_enc *e, const jv *items, size_t n)
{
    buf b = BUF_INIT;
    buf_append(&b, JVB_MAGIC, sizeof JVB_MAGIC);
    jvb_enc_reset(e);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(jvb_encode(e, &items[i], &b), CDLT_OK);
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(path, b.data, b.len), 0);
    buf_free(&b);
    return path;
}

static void read_back(const char *path, const jv *want, size_t n, arena *a)
{
    jvb_stream *s = NULL;
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(jvb_stream_open_file(path, NULL, &s, &e), CDLT_OK);
    for (size_t i = 0; i < n; i++) {
        jv v;
        bool eof = true;
        cdlt_status rc = jvb_stream_next(s, a, &v, &eof, &e);
        if (rc != CDLT_OK)
            fprintf(stderr, "%s\n", e.message);
        assert_int_equal(rc, CDLT_OK);
        assert_false(eof);
        same(&want[i], &v);
    }
    jv v;
    bool eof = false;
    assert_int_equal(jvb_stream_next(s, a, &v, &eof, &e), CDLT_OK);
    assert_true(eof);
    assert_int_equal(jvb_stream_item(s), (int64_t)n);
    jvb_stream_close(s);
}

static void test_round_trip(void **st)
{
    (void)st;
    arena a;
    arena_init(&a, 1 << 16, 0);
    char *dir = tu_mkdtemp("jvb");
    static const char *const TEXTS[] = {
        "{\"id\":1,\"d\":0.1,\"e\":-0.0,\"sub\":4.9e-324,\"max\":1.7976931348623157e308,"
        "\"third\":0.3333333333333333,\"sum\":0.30000000000000004,\"neg\":-2.5e-300}",
        "{\"id\":9223372036854775807,\"d\":-9223372036854775808,\"u\":18446744073709551615,"
        "\"big\":123456789012345678901234567890,\"nbig\":-99999999999999999999999}",
        "{\"id\":2,\"s\":\"h\\u00e9llo w\\u00f6rld \\u2713 \\u65e5\\u672c \\ud83d\\ude00\","
        "\"q\":\"a\\\"b\\\\c\\nd\\te\\u0000f\",\"empty\":\"\",\"n\":null,\"t\":true,\"f\":false}",
        "{\"id\":3,\"j\":{\"a\":[1,2,{\"x\":[]}],\"b\":{}},\"l\":[[],[null],\"x\",1.5],"
        "\"dup\":1,\"dup\":2}",
        /* the same keys again in another order, and new ones */
        "{\"d\":2.0,\"id\":4,\"zz\":\"new\",\"s\":\"x\"}",
        "[1,\"two\",{\"id\":5}]",
        "\"a bare string\"",
        "-7",
    };
    size_t n = sizeof TEXTS / sizeof TEXTS[0];
    jv items[sizeof TEXTS / sizeof TEXTS[0]], want[sizeof TEXTS / sizeof TEXTS[0]];
    for (size_t i = 0; i < n; i++) {
        items[i] = parse(&a, TEXTS[i]);
        want[i] = via_json(&a, &items[i]);
        same(&items[i], &want[i]); /* the JSON round trip itself keeps these exactly */
    }
    jvb_enc *e = NULL;
    assert_int_equal(jvb_enc_new(&e), CDLT_OK);
    char *p1 = write_items(dir, "one.jvb", e, items, n);
    read_back(p1, want, n, &a);
    /* a second file with the same encoder: key numbers start again */
    char *p2 = write_items(dir, "two.jvb", e, items + 4, n - 4);
    read_back(p2, want + 4, n - 4, &a);
    free(p1);
    free(p2);

    /* what JSON text cannot carry: as json_write gives it */
    jv odd[4];
    jv m[4];
    m[0] = (jv){.type = JV_DOUBLE, .u.d = NAN};
    m[1] = (jv){.type = JV_DOUBLE, .u.d = -INFINITY};
    m[2] = jv_str_typed(&a, JV_DATETIME, "2024-01-02T03:04:05Z", 20);
    m[3] = jv_str_typed(&a, JV_DATE_LOCAL, "2024-01-02", 10);
    jv_member mem[4];
    const char *keys[4] = {"nan", "inf", "dt", "d"};
    for (int i = 0; i < 4; i++)
        mem[i] = (jv_member){keys[i], (uint32_t)strlen(keys[i]), 0, m[i]};
    odd[0] = (jv){.type = JV_OBJECT, .len = 4, .u.members = mem};
    jv odd_want = via_json(&a, &odd[0]);
    char *p3 = write_items(dir, "odd.jvb", e, odd, 1);
    read_back(p3, &odd_want, 1, &a);
    free(p3);
    /* a source that keeps its date/time kinds typed (read_parquet) gets them back as such */
    jv_member km[2] = {mem[2], mem[3]};
    jv kinds = {.type = JV_OBJECT, .len = 2, .u.members = km};
    jvb_enc_keep_kinds(e, true);
    jvb_enc_reset(e);
    char *p4 = write_items(dir, "kinds.jvb", e, &kinds, 1);
    read_back(p4, &kinds, 1, &a);
    free(p4);
    /* ... and its typed strings keep their marks (a Decimal's text, bytes as base64); without
     * keep_kinds they are plain strings, as in JSON text */
    for (int keep = 1; keep >= 0; keep--) {
        jv tm[2] = {jv_str(&a, "12.50", 5), jv_str(&a, "AP8=", 4)};
        tm[0].flags = JV_F_DECIMAL;
        tm[1].flags = JV_F_BINARY;
        jv typed = {.type = JV_ARRAY, .len = 2, .u.items = tm};
        jvb_enc_keep_kinds(e, keep);
        jvb_enc_reset(e);
        char *p5 = write_items(dir, "typed.jvb", e, &typed, 1);
        jvb_stream *s = NULL;
        cdlt_error er;
        cdlt_error_clear(&er);
        assert_int_equal(jvb_stream_open_file(p5, NULL, &s, &er), CDLT_OK);
        jv got;
        bool eof = true;
        assert_int_equal(jvb_stream_next(s, &a, &got, &eof, &er), CDLT_OK);
        assert_int_equal(got.type, JV_ARRAY);
        assert_string_equal(got.u.items[0].u.s, "12.50");
        assert_int_equal(got.u.items[0].flags, keep ? JV_F_DECIMAL : 0);
        assert_int_equal(got.u.items[1].flags, keep ? JV_F_BINARY : 0);
        jvb_stream_close(s);
        free(p5);
    }
    jvb_enc_keep_kinds(e, false);

    /* invalid UTF-8 (a lone continuation byte, an overlong, a surrogate) is refused */
    static const char *const BAD[] = {"a\x80z", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"};
    for (size_t i = 0; i < 4; i++) {
        jv s = jv_str(&a, BAD[i], strlen(BAD[i]));
        buf b = BUF_INIT;
        assert_int_equal(jvb_encode(e, &s, &b), CDLT_PARSE);
        buf_free(&b);
    }
    jvb_enc_free(e);
    tu_rm_rf(dir);
    free(dir);
    arena_free(&a);
}

/* Rows of a wide table, many of them: items cross the 1 MiB read buffer; one item is larger
 * than it. */
static void test_many_and_huge(void **st)
{
    (void)st;
    arena a;
    arena_init(&a, 1 << 16, 0);
    char *dir = tu_mkdtemp("jvb-big");
    jvb_enc *e = NULL;
    assert_int_equal(jvb_enc_new(&e), CDLT_OK);
    buf b = BUF_INIT;
    buf_append(&b, JVB_MAGIC, sizeof JVB_MAGIC);
    char *huge = malloc(3u << 20);
    memset(huge, 'x', 3u << 20);
    enum { ROWS = 20000, COLS = 12 };
    char names[COLS][8];
    for (int c = 0; c < COLS; c++)
        snprintf(names[c], sizeof names[c], "c%02d", c);
    for (int r = 0; r < ROWS; r++) {
        jv_member m[COLS];
        for (int c = 0; c < COLS; c++) {
            jv v = c % 3 == 0   ? jv_int((int64_t)r * (c + 1) - 5000)
                   : c % 3 == 1 ? jv_double(r / 7.0 + c)
                                : jv_str(&a, "value text", 10);
            if (r == 777 && c == 2)
                v = jv_str(&a, huge, 3u << 20);
            if ((r + c) % 11 == 0)
                v = jv_null();
            m[c] = (jv_member){names[c], 3, 0, v};
        }
        jv row = {.type = JV_OBJECT, .len = COLS, .u.members = m};
        assert_int_equal(jvb_encode(e, &row, &b), CDLT_OK);
        arena_reset(&a);
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/rows.jvb", dir);
    assert_int_equal(tu_write_file(path, b.data, b.len), 0);
    jvb_stream *s = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(jvb_stream_open_file(path, NULL, &s, &err), CDLT_OK);
    for (int r = 0; r < ROWS; r++) {
        jv v;
        bool eof = true;
        assert_int_equal(jvb_stream_next(s, &a, &v, &eof, &err), CDLT_OK);
        assert_false(eof);
        assert_int_equal(v.type, JV_OBJECT);
        assert_int_equal(v.len, COLS);
        for (int c = 0; c < COLS; c++) {
            const jv *x = &v.u.members[c].value;
            assert_string_equal(v.u.members[c].key, names[c]);
            if ((r + c) % 11 == 0)
                assert_int_equal(x->type, JV_NULL);
            else if (c % 3 == 0)
                assert_true(x->type == JV_INT && x->u.i == (int64_t)r * (c + 1) - 5000);
            else if (c % 3 == 1)
                assert_true(x->type == JV_DOUBLE && x->u.d == r / 7.0 + c);
            else if (r == 777 && c == 2)
                assert_true(x->type == JV_STRING && x->len == (3u << 20) &&
                            memcmp(x->u.s, huge, x->len) == 0);
            else
                assert_string_equal(x->u.s, "value text");
        }
        arena_reset(&a);
    }
    jvb_stream_close(s);

    /* damage: cut inside an item; a foreign file */
    assert_int_equal(tu_write_file(path, b.data, b.len - 3), 0);
    assert_int_equal(jvb_stream_open_file(path, NULL, &s, &err), CDLT_OK);
    cdlt_status rc = CDLT_OK;
    bool eof = false;
    int got = 0;
    while (rc == CDLT_OK && !eof) {
        jv v;
        rc = jvb_stream_next(s, &a, &v, &eof, &err);
        got += rc == CDLT_OK && !eof;
        arena_reset(&a);
    }
    assert_int_equal(rc, CDLT_PARSE);
    assert_int_equal(got, ROWS - 1);
    assert_non_null(strstr(err.message, "rows.jvb"));
    assert_non_null(strstr(err.message, "item 20000"));
    jvb_stream_close(s);
    assert_int_equal(tu_write_file(path, "{\"a\":1}\n", 8), 0);
    assert_int_equal(jvb_stream_open_file(path, NULL, &s, &err), CDLT_OK);
    jv v;
    assert_int_equal(jvb_stream_next(s, &a, &v, &eof, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "not a cdlt binary items file"));
    jvb_stream_close(s);

    free(huge);
    buf_free(&b);
    jvb_enc_free(e);
    tu_rm_rf(dir);
    free(dir);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_many_and_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
