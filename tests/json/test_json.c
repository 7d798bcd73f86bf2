/* test_json.c: unit tests of the JSON reader, writer and streaming reader: exact numbers,
 * strings and surrogates, depth limit, error positions, streams across chunk boundaries (tiny
 * chunks), array-of-items mode, huge lines, writer escaping/sorting/pretty form, the double
 * formatter and allocation-failure sweeps. */
#include "testutil.h"

#include "json/json_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Parse text that must be valid. */
static jv ok(arena *a, const char *text)
{
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    cdlt_status st = json_parse(text, strlen(text), a, NULL, &v, &e);
    if (st != CDLT_OK)
        fprintf(stderr, "unexpected failure: %s\n--\n%s\n", e.message, text);
    assert_int_equal(st, CDLT_OK);
    return v;
}

/* Parse text that must fail with `code` at line:col (byte off) with `part` in the message. */
static void bad(const char *text, cdlt_status code, const char *part, int64_t line, int64_t col,
                int64_t off)
{
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    json_opts o = {.file = "t.json"};
    cdlt_status st = json_parse(text, strlen(text), &a, &o, &v, &e);
    if (st != code || !strstr(e.message, part) || e.line != line || e.column != col ||
        e.offset != off)
        fprintf(stderr, "--\n%s\n-- got %s at %lld:%lld @%lld: %s\n-- want %s '%s' at %lld:%lld @%lld\n",
                text, cdlt_status_name(st), (long long)e.line, (long long)e.column,
                (long long)e.offset, e.message, cdlt_status_name(code), part, (long long)line,
                (long long)col, (long long)off);
    assert_int_equal(st, code);
    assert_non_null(strstr(e.message, part));
    assert_int_equal(e.line, line);
    assert_int_equal(e.column, col);
    assert_int_equal(e.offset, off);
    assert_string_equal(e.file, "t.json");
    assert_int_equal(v.type, JV_NULL);
    arena_free(&a);
}

/* Compact text of v. */
static char *wr(const jv *v, unsigned flags)
{
    static char out[4096];
    buf b = BUF_INIT;
    assert_int_equal(json_write(&b, v, flags), CDLT_OK);
    snprintf(out, sizeof out, "%s", buf_cstr(&b));
    buf_free(&b);
    return out;
}

/* Parse then write compact: the canonical round trip. */
static void roundtrip(const char *in, unsigned flags, const char *want)
{
    arena a;
    arena_init(&a, 4096, 0);
    jv v = ok(&a, in);
    const char *got = wr(&v, flags);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "in:   %s\ngot:  %s\nwant: %s\n", in, got, want);
    assert_string_equal(got, want);
    arena_free(&a);
}

static void test_numbers(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = ok(&a, "9223372036854775807");
    assert_int_equal(v.type, JV_INT);
    assert_true(v.u.i == INT64_MAX);
    v = ok(&a, "-9223372036854775808");
    assert_int_equal(v.type, JV_INT);
    assert_true(v.u.i == INT64_MIN);
    v = ok(&a, "9223372036854775808");
    assert_int_equal(v.type, JV_UINT);
    assert_true(v.u.u == (uint64_t)INT64_MAX + 1);
    v = ok(&a, "18446744073709551615");
    assert_int_equal(v.type, JV_UINT);
    assert_true(v.u.u == UINT64_MAX);
    v = ok(&a, "18446744073709551616");
    assert_int_equal(v.type, JV_BIGNUM);
    assert_string_equal(v.u.s, "18446744073709551616");
    assert_int_equal(v.len, 20);
    v = ok(&a, "-9223372036854775809");
    assert_int_equal(v.type, JV_BIGNUM);
    assert_string_equal(v.u.s, "-9223372036854775809");
    v = ok(&a, " [123456789012345678901234567890] ");
    assert_int_equal(v.u.items[0].type, JV_BIGNUM);
    assert_string_equal(v.u.items[0].u.s, "123456789012345678901234567890");
    v = ok(&a, "0");
    assert_true(v.type == JV_INT && v.u.i == 0);
    v = ok(&a, "-0");
    assert_true(v.type == JV_INT && v.u.i == 0);
    v = ok(&a, "-0.0");
    assert_true(v.type == JV_DOUBLE && v.u.d == 0 && signbit(v.u.d));
    v = ok(&a, "1E2");
    assert_true(v.type == JV_DOUBLE && v.u.d == 100.0);
    v = ok(&a, "1.5");
    assert_true(v.type == JV_DOUBLE && v.u.d == 1.5);
    v = ok(&a, "-123.456e-7");
    assert_true(v.u.d == -123.456e-7);
    v = ok(&a, "0.1");
    assert_true(v.u.d == 0.1);
    v = ok(&a, "1.7976931348623157e308");
    assert_true(v.u.d == 1.7976931348623157e308);
    v = ok(&a, "5e-324");
    assert_true(v.u.d == 5e-324);
    v = ok(&a, "123e-10000000");
    assert_true(v.type == JV_DOUBLE && v.u.d == 0.0);
    v = ok(&a, "3.141592653589793238462643383279");
    assert_true(v.u.d == 3.141592653589793);
    v = ok(&a, "12345678901234567890.5");
    assert_true(v.u.d == 12345678901234567890.5);
    /* round trip of many doubles through writer and reader */
    double samples[] = {0.1, 1.0 / 3, 2.5e-300, 1e23, 9007199254740993.0, 123456789.123,
                        4.35, 1e-7, 6.02214076e23, -2.2250738585072014e-308};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(samples); i++) {
        char t[40];
        json_fmt_double(samples[i], t);
        v = ok(&a, t);
        assert_int_equal(v.type, JV_DOUBLE);
        assert_true(v.u.d == samples[i]);
    }
    arena_free(&a);
    bad("1e999", CDLT_PARSE, "does not fit a double", 1, 1, 0);
    bad("[01]", CDLT_PARSE, "leading zeros", 1, 2, 1);
    bad("[1.]", CDLT_PARSE, "expected a digit after '.'", 1, 4, 3);
    bad("-", CDLT_PARSE, "expected a digit after '-'", 1, 2, 1);
    bad("1e+", CDLT_PARSE, "exponent", 1, 4, 3);
    bad("[.5]", CDLT_PARSE, "expected a value", 1, 2, 1);
}

static void test_strings(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = ok(&a, "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
    assert_string_equal(v.u.s, "a\"b\\c/d\b\f\n\r\t");
    assert_true(v.flags & JV_F_ESCAPED);
    v = ok(&a, "\"\\u00e9\\u20AC\\ud83d\\ude00\"");
    assert_string_equal(v.u.s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    v = ok(&a, "\"a\\u0000b\"");
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.u.s, "a\0b", 4);
    v = ok(&a, "\"h\xc3\xa9llo w\xf0\x9f\x98\x80rld, a longer string to cross 16 byte blocks\"");
    assert_int_equal(v.flags, 0);
    v = ok(&a, "\"0123456789abcdef0123456789\\n0123456789abcdef0123456789\\t\\u0041xyz\"");
    assert_string_equal(v.u.s, "0123456789abcdef0123456789\n0123456789abcdef0123456789\tAxyz");
    v = ok(&a, "{\"k\\u00e9y\":1,\"k\":[]}");
    assert_int_equal(v.type, JV_OBJECT);
    assert_int_equal(v.len, 2);
    assert_string_equal(v.u.members[0].key, "k\xc3\xa9y");
    assert_int_equal(v.u.members[0].klen, 4);
    assert_non_null(jv_get(&v, "k"));
    assert_int_equal(jv_get(&v, "k")->type, JV_ARRAY);
    arena_free(&a);
    bad("\"\\ud800\"", CDLT_UTF8, "lone surrogate", 1, 2, 1);
    bad("\"\\udc00\\ud800\"", CDLT_UTF8, "lone surrogate", 1, 2, 1);
    bad("\"ab\\ud800\\u0041\"", CDLT_UTF8, "lone surrogate", 1, 4, 3);
    bad("\"a\xff\"", CDLT_UTF8, "invalid UTF-8", 1, 3, 2);
    bad("\"a\xc0\xaf\"", CDLT_UTF8, "invalid UTF-8", 1, 3, 2);
    bad("\"a\xed\xa0\x80\"", CDLT_UTF8, "invalid UTF-8", 1, 3, 2);
    bad("\"a\tb\"", CDLT_PARSE, "control character 0x09", 1, 3, 2);
    bad("\"abc", CDLT_PARSE, "unterminated string", 1, 5, 4);
    bad("\"\\x\"", CDLT_PARSE, "invalid escape", 1, 2, 1);
    bad("\"\\u12G4\"", CDLT_PARSE, "4 hex digits", 1, 2, 1);
    bad("\xef\xbb\xbf{}", CDLT_PARSE, "BOM", 1, 1, 0);
    /* max_string */
    arena_init(&a, 4096, 0);
    json_opts o = {.max_string = 3};
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(json_parse("[\"abc\"]", 7, &a, &o, &v, &e), CDLT_OK);
    assert_int_equal(json_parse("[\"abcd\"]", 8, &a, &o, &v, &e), CDLT_TOO_LARGE);
    arena_free(&a);
}

static void test_structure(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = ok(&a, " { \"a\" : [ 1 , true , false , null , { } , [ ] ] , \"b\" : \"x\" } \r\n");
    assert_int_equal(v.type, JV_OBJECT);
    const jv *arr = jv_get(&v, "a");
    assert_int_equal(arr->type, JV_ARRAY);
    assert_int_equal(arr->len, 6);
    assert_int_equal(arr->u.items[1].type, JV_BOOL);
    assert_true(arr->u.items[1].u.b);
    assert_int_equal(arr->u.items[3].type, JV_NULL);
    assert_int_equal(arr->u.items[4].type, JV_OBJECT);
    assert_int_equal(arr->u.items[4].len, 0);
    assert_int_equal(arr->u.items[5].len, 0);
    /* duplicate keys kept in order; jv_get returns the last */
    v = ok(&a, "{\"k\":1,\"k\":2}");
    assert_int_equal(v.len, 2);
    assert_int_equal(jv_get(&v, "k")->u.i, 2);
    /* wide array forces the value stack to grow */
    buf b = BUF_INIT;
    buf_putc(&b, '[');
    for (int i = 0; i < 5000; i++)
        buf_printf(&b, "%s{\"i\":%d,\"s\":[%d]}", i ? "," : "", i, i);
    buf_putc(&b, ']');
    v = ok(&a, buf_cstr(&b));
    assert_int_equal(v.len, 5000);
    assert_int_equal(jv_get(&v.u.items[4999], "i")->u.i, 4999);
    buf_free(&b);
    arena_free(&a);
    bad("", CDLT_PARSE, "empty input", 1, 1, 0);
    bad("  \n ", CDLT_PARSE, "empty input", 2, 2, 4);
    bad("[1,]", CDLT_PARSE, "expected a value", 1, 4, 3);
    bad("{\"a\":1,}", CDLT_PARSE, "expected a string key", 1, 8, 7);
    bad("{\"a\" 1}", CDLT_PARSE, "expected ':'", 1, 6, 5);
    bad("[1 2]", CDLT_PARSE, "expected ',' or ']'", 1, 4, 3);
    bad("{\"a\":1 \"b\":2}", CDLT_PARSE, "expected ',' or '}'", 1, 8, 7);
    bad("{\n  \"a\": [1,\n    tru]\n}", CDLT_PARSE, "expected a value", 3, 5, 17);
    bad("[1] x", CDLT_PARSE, "unexpected data after", 1, 5, 4);
    bad("[", CDLT_PARSE, "found end of input", 1, 2, 1);
    bad("{\"a\":1", CDLT_PARSE, "found end of input", 1, 7, 6);
}

static void test_depth(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    char deep[1100];
    for (int i = 0; i < 512; i++) {
        deep[i] = '[';
        deep[512 + i] = ']';
    }
    deep[1024] = '\0';
    ok(&a, deep); /* exactly the default limit */
    deep[511] = '{';
    deep[512] = '}';
    ok(&a, deep);
    arena_free(&a);
    char deeper[1100];
    memset(deeper, '[', 513);
    memset(deeper + 513, ']', 513);
    deeper[1026] = '\0';
    bad(deeper, CDLT_DEPTH, "nesting deeper than 512", 1, 513, 512);
    arena_init(&a, 4096, 0);
    json_opts o = {.max_depth = 2};
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    assert_int_equal(json_parse("[[1]]", 5, &a, &o, &v, &e), CDLT_OK);
    assert_int_equal(json_parse("[[[1]]]", 7, &a, &o, &v, &e), CDLT_DEPTH);
    arena_free(&a);
}

static void test_writer(void **state)
{
    (void)state;
    roundtrip("{ \"b\" : [1, 2.5, \"x\"], \"a\": {\"z\": null, \"y\": true} }", 0,
              "{\"b\":[1,2.5,\"x\"],\"a\":{\"z\":null,\"y\":true}}");
    roundtrip("{ \"b\" : [1, 2.5, \"x\"], \"a\": {\"z\": null, \"y\": true} }", JSON_W_SORT_KEYS,
              "{\"a\":{\"y\":true,\"z\":null},\"b\":[1,2.5,\"x\"]}");
    roundtrip("{\"ab\":1,\"a\":2,\"B\":3,\"\\u00e9\":4,\"a\":0}", JSON_W_SORT_KEYS,
              "{\"B\":3,\"a\":2,\"a\":0,\"ab\":1,\"\xc3\xa9\":4}");
    roundtrip("{\"a\":[1,{\"b\":[]},{}],\"c\":\"d\"}", JSON_W_PRETTY,
              "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    },\n    {}\n  ],\n  \"c\": \"d\"\n}");
    roundtrip("[]", JSON_W_PRETTY, "[]");
    roundtrip("\"\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\\u007f\"", 0,
              "\"\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\x7f\"");
    roundtrip("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 0, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    roundtrip("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", JSON_W_ASCII,
              "\"\\u00e9\\u20ac\\ud83d\\ude00\"");
}

static void test_writer_values(void **state)
{
    (void)state;
    roundtrip("[3.0,1e16,-0.0,0.1,18446744073709551615,-9223372036854775808,1234567890123456789012]",
              0, "[3.0,1e+16,-0.0,0.1,18446744073709551615,-9223372036854775808,1234567890123456789012]");
    arena a;
    arena_init(&a, 4096, 0);
    jv items[4] = {jv_double(NAN), jv_double(INFINITY),
                   jv_str_typed(&a, JV_DATETIME, "1979-05-27T07:32:00Z", 20), jv_int(-5)};
    jv arr = {.type = JV_ARRAY, .len = 4, .u.items = items};
    assert_string_equal(wr(&arr, 0), "[null,null,\"1979-05-27T07:32:00Z\",-5]");
    arena_free(&a);
    /* a capped buffer reports TOO_LARGE, never overflows */
    buf b;
    buf_init(&b, 8);
    jv s = {.type = JV_STRING, .len = 20, .u.s = "01234567890123456789"};
    assert_int_equal(json_write(&b, &s, 0), CDLT_TOO_LARGE);
    buf_free(&b);
}

/* The word-at-a-time scan for plain runs against a byte-by-byte escaper: random strings of
 * plain bytes, controls, quotes, backslashes and UTF-8 at every offset and length. */
static void ref_escape(const unsigned char *s, size_t n, buf *out)
{
    buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                        : c == '\t' ? "\\t" : NULL;
        if (esc)
            buf_puts(out, esc);
        else if (c < 0x20)
            buf_printf(out, "\\u%04x", c);
        else
            buf_putc(out, (char)c);
    }
    buf_putc(out, '"');
}

static void test_write_string_scan(void **state)
{
    (void)state;
    static const unsigned char pool[] = {'a', 'Z', ' ', '~', '"', '\\', '\n', 0x01, 0x1f, 0x7f,
                                         0xc3, 0xa9, '0', '/'};
    uint64_t r = 0x9e3779b97f4a7c15ull;
    buf got, want;
    buf_init(&got, 0);
    buf_init(&want, 0);
    for (int k = 0; k < 20000; k++) {
        unsigned char s[64];
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        size_t n = (size_t)(r % 40);
        /* mostly plain, so long runs cross the 8-byte words at every alignment */
        for (size_t i = 0; i < n; i++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            s[i] = (r % 8) ? (unsigned char)('a' + r % 26) : pool[(r >> 8) % sizeof pool];
        }
        buf_clear(&got);
        buf_clear(&want);
        assert_int_equal(json_write_string(&got, (const char *)s, n, 0), CDLT_OK);
        ref_escape(s, n, &want);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
    }
    buf_free(&got);
    buf_free(&want);
}

static void test_fmt_double(void **state)
{
    (void)state;
    static const struct {
        double d;
        const char *want;
    } cases[] = {
        {0.1, "0.1"},
        {1.5, "1.5"},
        {3.0, "3.0"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {1e20, "1e+20"},
        {1e-05, "1e-05"},
        {0.0001, "0.0001"},
        {1.5e-07, "1.5e-07"},
        {123456789.123, "123456789.123"},
        {5e-324, "5e-324"},
        {1.7976931348623157e+308, "1.7976931348623157e+308"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {-2.5, "-2.5"},
        {100.0, "100.0"},
        {1.0 / 3, "0.3333333333333333"},
        {9007199254740993.0, "9007199254740992.0"},
        {1e100, "1e+100"},
        {1.25e-100, "1.25e-100"},
        {123456789012345680.0, "1.2345678901234568e+17"},
        /* the integral fast path, the 15-digit shortcut, 17 digits, subnormals (fewer
         * digits than 15: the search) */
        {999999999999999.0, "999999999999999.0"},
        {-123.0, "-123.0"},
        {0.30000000000000004, "0.30000000000000004"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1e-322, "1e-322"},
        {-5.3134582970483e-310, "-5.3134582970483e-310"},
        {1.4219937240269e-310, "1.4219937240269e-310"},
        {123.456, "123.456"},
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(cases); i++) {
        char out[40];
        size_t n = json_fmt_double(cases[i].d, out);
        if (strcmp(out, cases[i].want) != 0)
            fprintf(stderr, "fmt_double: got %s want %s\n", out, cases[i].want);
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
    }
    char out[40];
    json_fmt_double(NAN, out);
    assert_string_equal(out, "nan");
    json_fmt_double(-INFINITY, out);
    assert_string_equal(out, "-inf");
}

/* ---- streams ---- */

/* Read all items of a stream into text lines "compact\n"; returns status. */
static cdlt_status drain(json_stream *s, buf *outb, int64_t *lines, int nlines, cdlt_error *e)
{
    arena a;
    arena_init(&a, 1024, 0);
    cdlt_status st = CDLT_OK;
    for (int k = 0;; k++) {
        jv v;
        bool eof;
        st = json_stream_next(s, &a, &v, &eof, e);
        if (st != CDLT_OK || eof)
            break;
        json_write(outb, &v, 0);
        buf_putc(outb, '\n');
        int64_t line, off;
        json_stream_position(s, &line, &off);
        if (lines && k < nlines)
            lines[k] = line;
        arena_reset(&a);
    }
    arena_free(&a);
    return st;
}

/* Write data to a temp file and stream it with the given chunk size. */
static cdlt_status stream_file(const char *data, size_t len, size_t chunk, buf *outb,
                               int64_t *lines, int nlines, cdlt_error *e)
{
    char *dir = tu_mkdtemp("json");
    char path[1024];
    snprintf(path, sizeof path, "%s/items.jsonl", dir);
    assert_int_equal(tu_write_file(path, data, len), 0);
    json_stream *s = NULL;
    json_opts o = {.file = "items.jsonl"};
    cdlt_status st = json_stream_open_file(path, &o, &s, e);
    assert_int_equal(st, CDLT_OK);
    json_stream_set_chunk_size(s, chunk);
    st = drain(s, outb, lines, nlines, e);
    if (st == CDLT_OK)
        assert_true(json_stream_bytes_read(s) == len);
    json_stream_close(s);
    tu_rm_rf(dir);
    free(dir);
    return st;
}

static void test_stream_chunks(void **state)
{
    (void)state;
    const char *nd = "{\"a\":1,\"s\":\"hello world\"}\n\n  \r\n[1,2,3]\r\n\"x\"\n{\"deep\":{\"x\":[true,null]}}\n  42";
    const char *want = "{\"a\":1,\"s\":\"hello world\"}\n[1,2,3]\n\"x\"\n{\"deep\":{\"x\":[true,null]}}\n42\n";
    size_t chunks[] = {1, 2, 3, 5, 7, 16, 1 << 20};
    for (size_t c = 0; c < CDLT_ARRAY_LEN(chunks); c++) {
        buf b = BUF_INIT;
        cdlt_error e;
        cdlt_error_clear(&e);
        int64_t lines[5] = {0};
        assert_int_equal(stream_file(nd, strlen(nd), chunks[c], &b, lines, 5, &e), CDLT_OK);
        assert_string_equal(buf_cstr(&b), want);
        assert_int_equal(lines[0], 1);
        assert_int_equal(lines[1], 4);
        assert_int_equal(lines[2], 5);
        assert_int_equal(lines[3], 6);
        assert_int_equal(lines[4], 7);
        buf_free(&b);
    }
    /* same from memory */
    json_stream *s = NULL;
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(json_stream_open_mem(nd, strlen(nd), NULL, &s, &e), CDLT_OK);
    buf b = BUF_INIT;
    assert_int_equal(drain(s, &b, NULL, 0, &e), CDLT_OK);
    assert_string_equal(buf_cstr(&b), want);
    int64_t line, off;
    json_stream_position(s, &line, &off);
    assert_int_equal(line, 7);
    assert_int_equal(off, (int64_t)strlen(nd) - 2);
    buf_free(&b);
    json_stream_close(s);
    /* empty and blank-only inputs */
    assert_int_equal(json_stream_open_mem("", 0, NULL, &s, &e), CDLT_OK);
    b = (buf)BUF_INIT;
    assert_int_equal(drain(s, &b, NULL, 0, &e), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "");
    json_stream_close(s);
    buf_free(&b);
    b = (buf)BUF_INIT;
    assert_int_equal(stream_file("\n\r\n  \n", 6, 2, &b, NULL, 0, &e), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "");
    buf_free(&b);
}

static void test_stream_errors(void **state)
{
    (void)state;
    const char *nd = "{\"a\":1}\n{\"a\":2}\n\n  {\"a\":3,}\n{\"a\":4}\n";
    size_t chunks[] = {1, 4, 1 << 20};
    for (size_t c = 0; c < CDLT_ARRAY_LEN(chunks); c++) {
        char *dir = tu_mkdtemp("json");
        char path[1024];
        snprintf(path, sizeof path, "%s/e.jsonl", dir);
        tu_write_file(path, nd, strlen(nd));
        json_stream *s = NULL;
        cdlt_error e;
        cdlt_error_clear(&e);
        assert_int_equal(json_stream_open_file(path, NULL, &s, &e), CDLT_OK);
        json_stream_set_chunk_size(s, chunks[c]);
        arena a;
        arena_init(&a, 1024, 0);
        jv v;
        bool eof;
        assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_OK);
        assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_OK);
        assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_PARSE);
        assert_int_equal(e.line, 4);
        assert_int_equal(e.column, 10);
        assert_int_equal(e.offset, 26);
        assert_non_null(strstr(e.message, "expected a string key"));
        assert_non_null(strstr(e.file, "e.jsonl"));
        /* the bad line is skipped; reading continues */
        assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_OK);
        assert_false(eof);
        assert_int_equal(jv_get(&v, "a")->u.i, 4);
        assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_OK);
        assert_true(eof);
        arena_free(&a);
        json_stream_close(s);
        tu_rm_rf(dir);
        free(dir);
    }
    json_stream *s = NULL;
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(json_stream_open_file("/nonexistent/x.jsonl", NULL, &s, &e), CDLT_IO);
    assert_null(s);
    assert_non_null(strstr(e.message, "/nonexistent/x.jsonl"));
}

static void test_stream_array(void **state)
{
    (void)state;
    const char *arr = "\n [ {\"a\": \"x,]}\\\"[\"},\n  [1, [2]] ,\n3, \"s\\\\\", {}\n ] \n";
    const char *want = "{\"a\":\"x,]}\\\"[\"}\n[1,[2]]\n3\n\"s\\\\\"\n{}\n";
    size_t chunks[] = {1, 3, 8, 1 << 20};
    for (size_t c = 0; c < CDLT_ARRAY_LEN(chunks); c++) {
        buf b = BUF_INIT;
        cdlt_error e;
        cdlt_error_clear(&e);
        int64_t lines[5] = {0};
        assert_int_equal(stream_file(arr, strlen(arr), chunks[c], &b, lines, 5, &e), CDLT_OK);
        assert_string_equal(buf_cstr(&b), want);
        assert_int_equal(lines[0], 2);
        assert_int_equal(lines[1], 3);
        assert_int_equal(lines[2], 4);
        assert_int_equal(lines[4], 4);
        buf_free(&b);
    }
    static const struct {
        const char *text;
        const char *part;
        int64_t line, col;
    } errs[] = {
        {"[1,2", "not closed", 1, 5},
        {"[1,,2]", "an item after ','", 1, 4},
        {"[1 2]", "',' or ']'", 1, 4},
        /* after a closing ']' the input goes on as NDJSON (a first line that is a list) */
        {"[1]\n x", "found 'x'", 2, 2},
        {"[1,\n  {\"a\" 1}]", "expected ':'", 2, 8},
        {"[1,]", "an item after ','", 1, 4},
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(errs); i++) {
        for (size_t c = 0; c < 2; c++) {
            buf b = BUF_INIT;
            cdlt_error e;
            cdlt_error_clear(&e);
            cdlt_status st = stream_file(errs[i].text, strlen(errs[i].text), c ? 1 : 4096, &b,
                                         NULL, 0, &e);
            if (st != CDLT_PARSE || !strstr(e.message, errs[i].part) || e.line != errs[i].line ||
                e.column != errs[i].col)
                fprintf(stderr, "%s: got %s %lld:%lld %s\n", errs[i].text, cdlt_status_name(st),
                        (long long)e.line, (long long)e.column, e.message);
            assert_int_equal(st, CDLT_PARSE);
            assert_non_null(strstr(e.message, errs[i].part));
            assert_int_equal(e.line, errs[i].line);
            assert_int_equal(e.column, errs[i].col);
            buf_free(&b);
        }
    }
}

static void test_stream_huge_line(void **state)
{
    (void)state;
    /* one 3 MiB line between small ones, read with 64 KiB chunks */
    size_t big = 3u << 20;
    buf d = BUF_INIT;
    buf_puts(&d, "{\"small\":1}\n{\"big\":\"");
    assert_int_equal(buf_reserve(&d, big + 100), CDLT_OK);
    memset(d.data + d.len, 'x', big);
    d.len += big;
    d.data[d.len] = '\0';
    buf_puts(&d, "\"}\n{\"small\":2}\n");
    char *dir = tu_mkdtemp("json");
    char path[1024];
    snprintf(path, sizeof path, "%s/big.jsonl", dir);
    tu_write_file(path, d.data, d.len);
    for (int pass = 0; pass < 2; pass++) {
        json_stream *s = NULL;
        cdlt_error e;
        cdlt_error_clear(&e);
        assert_int_equal(json_stream_open_file(path, NULL, &s, &e), CDLT_OK);
        json_stream_set_chunk_size(s, 64 * 1024);
        if (pass == 1)
            json_stream_set_max_item(s, 1 << 20);
        arena a;
        arena_init(&a, 4096, 0);
        jv v;
        bool eof;
        assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_OK);
        cdlt_status st = json_stream_next(s, &a, &v, &eof, &e);
        if (pass == 0) {
            assert_int_equal(st, CDLT_OK);
            assert_int_equal(jv_get(&v, "big")->len, big);
            assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_OK);
            assert_int_equal(jv_get(&v, "small")->u.i, 2);
            assert_int_equal(json_stream_next(s, &a, &v, &eof, &e), CDLT_OK);
            assert_true(eof);
        } else {
            assert_int_equal(st, CDLT_TOO_LARGE);
            assert_non_null(strstr(e.message, "larger than 1 MiB"));
            assert_int_equal(e.line, 2);
        }
        arena_free(&a);
        json_stream_close(s);
    }
    tu_rm_rf(dir);
    free(dir);
    buf_free(&d);
}

/* ---- allocation failure ---- */

static cdlt_status sweep_parse(void *ud)
{
    (void)ud;
    const char *t = "{\"a\":[1,2,{\"b\":\"c\\u00e9\"}],\"big\":123456789012345678901234567890,"
                    "\"arr\":[[[[1]]],[],{}],\"s\":\"xyz\"}";
    arena a;
    arena_init(&a, 64, 0);
    jv v;
    cdlt_error e;
    cdlt_error_clear(&e);
    cdlt_status st = json_parse(t, strlen(t), &a, NULL, &v, &e);
    if (st == CDLT_OK) {
        buf b = BUF_INIT;
        st = json_write(&b, &v, JSON_W_SORT_KEYS | JSON_W_PRETTY);
        buf_free(&b);
    }
    arena_free(&a);
    return st;
}

static cdlt_status sweep_stream(void *ud)
{
    const char *path = ud;
    json_stream *s = NULL;
    cdlt_error e;
    cdlt_error_clear(&e);
    cdlt_status st = json_stream_open_file(path, NULL, &s, &e);
    if (st != CDLT_OK)
        return st;
    json_stream_set_chunk_size(s, 8);
    arena a;
    arena_init(&a, 64, 0);
    for (;;) {
        jv v;
        bool eof;
        st = json_stream_next(s, &a, &v, &eof, &e);
        if (st != CDLT_OK || eof)
            break;
        arena_reset(&a);
    }
    arena_free(&a);
    json_stream_close(s);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    int n = tu_alloc_failure_sweep(sweep_parse, NULL, 1000);
    assert_true(n > 2);
    char *dir = tu_mkdtemp("json");
    char path[1024];
    snprintf(path, sizeof path, "%s/s.jsonl", dir);
    const char *nd = "{\"a\":[1,2,3],\"b\":\"a longer string value\"}\n\n[{\"x\":1},{\"y\":[2]}]\n";
    tu_write_file(path, nd, strlen(nd));
    n = tu_alloc_failure_sweep(sweep_stream, path, 1000);
    assert_true(n > 2);
    const char *ar = "[{\"a\":1},\n{\"b\":[1,2,3,4,5,6,7,8,9,10]}]";
    tu_write_file(path, ar, strlen(ar));
    n = tu_alloc_failure_sweep(sweep_stream, path, 1000);
    assert_true(n > 2);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_structure),      cmocka_unit_test(test_depth),
        cmocka_unit_test(test_writer),         cmocka_unit_test(test_writer_values),
        cmocka_unit_test(test_fmt_double),     cmocka_unit_test(test_write_string_scan),     cmocka_unit_test(test_stream_chunks),
        cmocka_unit_test(test_stream_errors),  cmocka_unit_test(test_stream_array),
        cmocka_unit_test(test_stream_huge_line), cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
