/* test_toml.c: unit tests of the TOML reader: every value kind and its canonical form, tables
 * and key order, each redefinition error, error positions and messages, nesting limits and the
 * allocation-failure sweep. The full toml-test suite runs in test_toml_conformance.c. */
#include "testutil.h"

#include "toml/toml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Parse text that must be valid; the tree lives in `a`. */
static jv ok(arena *a, const char *text)
{
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    cdlt_status st = toml_parse(text, strlen(text), "t.toml", a, &v, &e);
    if (st != CDLT_OK)
        fprintf(stderr, "unexpected failure: %s\n--\n%s\n", e.message, text);
    assert_int_equal(st, CDLT_OK);
    assert_int_equal(v.type, JV_OBJECT);
    return v;
}

/* Parse text that must fail with CDLT_PARSE at line:col with `part` in the message. */
static void bad(const char *text, const char *part, int64_t line, int64_t col)
{
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    cdlt_status st = toml_parse(text, strlen(text), "cfg.toml", &a, &v, &e);
    if (st != CDLT_PARSE || !strstr(e.message, part) || (line && e.line != line) ||
        (col && e.column != col))
        fprintf(stderr, "--\n%s\n-- got %s at %lld:%lld: %s\n-- want '%s' at %lld:%lld\n", text,
                cdlt_status_name(st), (long long)e.line, (long long)e.column, e.message, part,
                (long long)line, (long long)col);
    assert_int_equal(st, CDLT_PARSE);
    assert_non_null(strstr(e.message, part));
    if (line)
        assert_int_equal(e.line, line);
    if (col)
        assert_int_equal(e.column, col);
    assert_string_equal(e.file, "cfg.toml");
    assert_int_equal(v.type, JV_NULL);
    arena_free(&a);
}

static const jv *get(const jv *root, const char *path)
{
    const jv *v = jv_get_path(root, path);
    if (!v)
        fprintf(stderr, "missing %s\n", path);
    assert_non_null(v);
    return v;
}

static void expect_str(const jv *root, const char *path, const char *want)
{
    const jv *v = get(root, path);
    assert_int_equal(v->type, JV_STRING);
    assert_int_equal(v->len, strlen(want));
    assert_memory_equal(v->u.s, want, v->len);
}

static void expect_int(const jv *root, const char *path, int64_t want)
{
    const jv *v = get(root, path);
    assert_int_equal(v->type, JV_INT);
    assert_true(v->u.i == want);
}

static void expect_dt(const jv *root, const char *path, jv_type t, const char *text)
{
    const jv *v = get(root, path);
    if (v->type != t || strcmp(v->u.s, text) != 0)
        fprintf(stderr, "%s: got %s '%s', want %s '%s'\n", path, jv_type_name(v->type),
                jv_is_datetime(v) ? v->u.s : "", jv_type_name(t), text);
    assert_int_equal(v->type, t);
    assert_string_equal(v->u.s, text);
}

static void test_strings(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv r = ok(&a, "basic = \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\U0001F600 \\b\\f\\r\\n\"\n"
                  "lit = 'C:\\path\\x \"no escapes\"'\n"
                  "ml = \"\"\"\nline1\n  line2 \\\n     joined\\\n\n  end\"\"\"\n"
                  "mlq = \"\"\"two quotes at the end\"\"\"\"\"\n"
                  "mll = '''\nraw \\n\n''it'''''\n"
                  "crlf = \"\"\"a\r\nb\"\"\"\n"
                  "empty = \"\"\nempty_lit = ''\n"
                  "nul = \"a\\u0000b\"\n");
    expect_str(&r, "basic", "tab\there \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 \b\f\r\n");
    expect_str(&r, "lit", "C:\\path\\x \"no escapes\"");
    expect_str(&r, "ml", "line1\n  line2 joinedend"); /* trims newlines too */
    expect_str(&r, "mlq", "two quotes at the end\"\"");
    expect_str(&r, "mll", "raw \\n\n''it''");
    expect_str(&r, "crlf", "a\nb"); /* CRLF in the text is stored as LF */
    expect_str(&r, "empty", "");
    expect_str(&r, "empty_lit", "");
    const jv *nul = get(&r, "nul");
    assert_int_equal(nul->len, 3);
    assert_memory_equal(nul->u.s, "a\0b", 3);
    arena_free(&a);

    bad("s = \"a\\qb\"\n", "invalid escape", 1, 7);
    bad("s = \"\\ud800\"\n", "not a Unicode scalar value", 1, 6);
    bad("s = \"\\U00110000\"\n", "not a Unicode scalar value", 1, 6);
    bad("s = \"\\u12\"\n", "exactly 4 hex digits", 1, 6);
    bad("s = \"abc\nx = 1\n", "unterminated string", 1, 5);
    bad("s = 'abc\n", "unterminated string", 1, 5);
    bad("s = \"a\x01" "b\"\n", "control character U+0001", 1, 7);
    bad("s = 'a\x7f'\n", "control character U+007F", 1, 7);
    bad("s = \"\"\"a\x08\"\"\"\n", "control character U+0008", 1, 9);
    bad("s = \"\"\"a\rb\"\"\"\n", "carriage return", 1, 9);
    bad("s = \"\"\"abc\n", "unterminated multi-line string", 1, 5);
    bad("s = \"\"\"a\"\"\"\"\"\"\n", "too many quotes", 1, 0);
    bad("s = '''a''''''\n", "too many quotes", 1, 0);
    bad("s = \"\"\"a \\ b\"\"\"\n", "invalid escape", 1, 10);
    bad("s = \"\\e\"\n", "invalid escape", 1, 6); /* \e is TOML 1.1 */
    bad("s = \"abc\" x\n", "unexpected 'x' after a value", 1, 11);
    bad("s = \"abc\"x\n", "right after a string", 1, 10);
}

static void test_integers_and_floats(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv r = ok(&a, "a = 42\nb = +17\nc = -0\nd = 1_000_000\ne = 0xDEAD_beef\nf = 0o755\n"
                  "g = 0b1101\nmax = 9223372036854775807\nmin = -9223372036854775808\n"
                  "hexmax = 0x7fffffffffffffff\nlz = 0x0001\n"
                  "f1 = 3.14\nf2 = -0.0\nf3 = 5e+22\nf4 = 1e06\nf5 = -2E-2\nf6 = 6.626e-34\n"
                  "f7 = 224_617.445_991\nf8 = 0e0\ni1 = inf\ni2 = +inf\ni3 = -inf\n"
                  "n1 = nan\nn2 = -nan\nhuge = 1e400\nt = true\nfa = false\n");
    expect_int(&r, "a", 42);
    expect_int(&r, "b", 17);
    expect_int(&r, "c", 0);
    expect_int(&r, "d", 1000000);
    expect_int(&r, "e", 0xDEADBEEF);
    expect_int(&r, "f", 0755);
    expect_int(&r, "g", 13);
    expect_int(&r, "max", INT64_MAX);
    expect_int(&r, "min", INT64_MIN);
    expect_int(&r, "hexmax", INT64_MAX);
    expect_int(&r, "lz", 1);
    assert_true(get(&r, "f1")->type == JV_DOUBLE && get(&r, "f1")->u.d == 3.14);
    assert_true(get(&r, "f2")->u.d == 0.0 && signbit(get(&r, "f2")->u.d));
    assert_true(get(&r, "f3")->u.d == 5e22);
    assert_true(get(&r, "f4")->u.d == 1e6);
    assert_true(get(&r, "f5")->u.d == -0.02);
    assert_true(get(&r, "f6")->u.d == 6.626e-34);
    assert_true(get(&r, "f7")->u.d == 224617.445991);
    assert_true(get(&r, "f8")->type == JV_DOUBLE && get(&r, "f8")->u.d == 0.0);
    assert_true(isinf(get(&r, "i1")->u.d) && get(&r, "i1")->u.d > 0);
    assert_true(isinf(get(&r, "i2")->u.d) && get(&r, "i2")->u.d > 0);
    assert_true(isinf(get(&r, "i3")->u.d) && get(&r, "i3")->u.d < 0);
    assert_true(isnan(get(&r, "n1")->u.d) && isnan(get(&r, "n2")->u.d));
    assert_true(isinf(get(&r, "huge")->u.d));
    assert_true(get(&r, "t")->type == JV_BOOL && get(&r, "t")->u.b);
    assert_true(get(&r, "fa")->type == JV_BOOL && !get(&r, "fa")->u.b);
    arena_free(&a);

    bad("a = 012\n", "leading zeros", 1, 5);
    bad("a = -012\n", "leading zeros", 1, 6);
    bad("a = 01.5\n", "leading zeros", 1, 5);
    bad("a = 1__0\n", "misplaced underscore", 1, 6);
    bad("a = _1\n", "invalid value", 1, 5);
    bad("a = 1_\n", "misplaced underscore", 1, 6);
    bad("a = 9223372036854775808\n", "out of range", 1, 5);
    bad("a = -9223372036854775809\n", "out of range", 1, 5);
    bad("a = 0x8000000000000000\n", "out of range", 1, 5);
    bad("a = -0x1\n", "cannot have a sign", 1, 5);
    bad("a = 0x\n", "hexadecimal digit", 1, 7);
    bad("a = 0b102\n", "not a binary digit", 1, 9);
    bad("a = 0X10\n", "unexpected 'X'", 1, 6);
    bad("a = 1.\n", "decimal digit in the fraction", 1, 7);
    bad("a = .5\n", "invalid value", 1, 5);
    bad("a = 1.e5\n", "decimal digit in the fraction", 1, 7);
    bad("a = 1e\n", "exponent", 1, 7);
    bad("a = 1.2.3\n", "unexpected '.'", 1, 8);
    bad("a = Inf\n", "invalid value 'Inf'", 1, 5);
    bad("a = True\n", "true/false (lowercase)", 1, 5);
    bad("a = truex\n", "invalid value", 1, 5);
    bad("a = bare\n", "in quotes", 1, 5);
}

static void test_datetimes(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv r = ok(&a, "odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27 00:32:00.999999-07:00\n"
                  "odt3 = 1979-05-27t07:32:00z\nodt4 = 1979-05-27T07:32:00.500+05:30\n"
                  "odt5 = 1979-05-27T07:32:00.0000Z\nodt6 = 1979-05-27T07:32:00.1234567891234Z\n"
                  "ldt = 1979-05-27T07:32:00\nldt2 = 1979-05-27 07:32:00.120\n"
                  "ld = 1979-05-27 # a date, then a comment\nlt = 07:32:00\n"
                  "lt2 = 00:32:00.999999\nleap = 2000-02-29\nleap2 = 2024-02-29T23:59:60\n"
                  "arr = [1979-05-27, 07:32:00]\ninl = {d = 1979-05-27}\n");
    expect_dt(&r, "odt1", JV_DATETIME, "1979-05-27T07:32:00Z");
    expect_dt(&r, "odt2", JV_DATETIME, "1979-05-27T00:32:00.999999-07:00");
    expect_dt(&r, "odt3", JV_DATETIME, "1979-05-27T07:32:00Z");
    expect_dt(&r, "odt4", JV_DATETIME, "1979-05-27T07:32:00.5+05:30");
    expect_dt(&r, "odt5", JV_DATETIME, "1979-05-27T07:32:00Z");
    expect_dt(&r, "odt6", JV_DATETIME, "1979-05-27T07:32:00.123456789Z");
    expect_dt(&r, "ldt", JV_DATETIME_LOCAL, "1979-05-27T07:32:00");
    expect_dt(&r, "ldt2", JV_DATETIME_LOCAL, "1979-05-27T07:32:00.12");
    expect_dt(&r, "ld", JV_DATE_LOCAL, "1979-05-27");
    expect_dt(&r, "lt", JV_TIME_LOCAL, "07:32:00");
    expect_dt(&r, "lt2", JV_TIME_LOCAL, "00:32:00.999999");
    expect_dt(&r, "leap", JV_DATE_LOCAL, "2000-02-29");
    expect_dt(&r, "leap2", JV_DATETIME_LOCAL, "2024-02-29T23:59:60");
    const jv *arr = get(&r, "arr");
    assert_int_equal(arr->len, 2);
    assert_int_equal(arr->u.items[0].type, JV_DATE_LOCAL);
    assert_int_equal(arr->u.items[1].type, JV_TIME_LOCAL);
    expect_dt(&r, "inl.d", JV_DATE_LOCAL, "1979-05-27");
    arena_free(&a);

    bad("d = 1900-02-29\n", "day out of range", 1, 13);
    bad("d = 2023-04-31\n", "day out of range", 1, 13);
    bad("d = 2023-13-01\n", "month out of range", 1, 10);
    bad("d = 2023-00-01\n", "month out of range", 1, 10);
    bad("d = 2023-1-01\n", "YYYY-MM-DD", 1, 5);
    bad("d = 2023-01-01T24:00:00\n", "hour out of range", 1, 16);
    bad("d = 2023-01-01T23:60:00\n", "minute out of range", 1, 19);
    bad("d = 2023-01-01T23:59:61\n", "second out of range", 1, 22);
    bad("d = 2023-01-01T23:59\n", "seconds are required", 1, 16);
    bad("d = 2023-01-01 23:59\n", "seconds are required", 1, 16);
    bad("d = 2023-01-01T23:59:00.\n", "at least one digit", 1, 24);
    bad("d = 2023-01-01T23:59:00+24:00\n", "offset out of range", 1, 24);
    bad("d = 2023-01-01T23:59:00+5:00\n", "offset must be", 1, 24);
    bad("d = 2023-01-01T\n", "time must be", 1, 16);
    bad("d = 2023-01-01x\n", "right after a date/time", 1, 15);
    bad("t = 07:32:00Z\n", "right after a date/time", 1, 13);
    bad("d = 12023-01-01\n", "unexpected '-'", 1, 0);
}

static void test_arrays_and_inline_tables(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv r = ok(&a, "mixed = [1, 'two', 3.0, [4, [5]], {six = 6}, true,]\n"
                  "multi = [ # comment\n  1, # one\n\n  2\n  , 3\n]\n"
                  "empty = []\nempty_t = {}\n"
                  "point = { x = 1, y = 2, sub.deep.er = 'z', \"quoted key\" = [1,\n2] }\n");
    const jv *m = get(&r, "mixed");
    assert_int_equal(m->type, JV_ARRAY);
    assert_int_equal(m->len, 6);
    assert_int_equal(m->u.items[1].type, JV_STRING);
    assert_int_equal(m->u.items[3].u.items[1].u.items[0].u.i, 5);
    assert_int_equal(jv_get(&m->u.items[4], "six")->u.i, 6);
    const jv *multi = get(&r, "multi");
    assert_int_equal(multi->len, 3);
    assert_int_equal(multi->u.items[2].u.i, 3);
    assert_int_equal(get(&r, "empty")->len, 0);
    assert_int_equal(get(&r, "empty_t")->type, JV_OBJECT);
    assert_int_equal(get(&r, "empty_t")->len, 0);
    expect_int(&r, "point.y", 2);
    expect_str(&r, "point.sub.deep.er", "z");
    assert_int_equal(jv_get(get(&r, "point"), "quoted key")->len, 2);
    arena_free(&a);

    bad("a = [1,,2]\n", "expected a value", 1, 8);
    bad("a = [,]\n", "expected a value", 1, 6);
    bad("a = [1 2]\n", "expected ',' or ']'", 1, 8);
    bad("a = [1,\n", "unterminated array", 1, 5);
    bad("a = {x = 1,}\n", "trailing comma in inline table", 1, 12);
    bad("a = {x = 1\n}\n", "must stay on one line", 1, 11);
    bad("a = {\nx = 1}\n", "must stay on one line", 1, 6);
    bad("a = {x = 1 # c\n}\n", "comment inside an inline table", 1, 12);
    bad("a = {x = 1, x = 2}\n", "key 'x' is defined twice", 1, 13);
    bad("a = {x.y = 1, x = 2}\n", "key 'x' is defined twice", 1, 15);
    bad("a = {x = {y = 1}, x.z = 2}\n", "it is an inline table", 1, 19);
    bad("a = {x y = 1}\n", "expected '='", 1, 8);
    bad("a = {x = 1 y = 2}\n", "expected ',' or '}'", 1, 12);
}

static void test_tables_and_keys(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv r = ok(&a, "\xEF\xBB\xBFtop = 1\r\n"
                  "zeta = 2\n\"quoted.key\" = 3\n'lit key' = 4\n\"\" = 5\n"
                  "a.b.c = 6\na . b . d = 7\n3.14 = 'pi'\n"
                  "[server]\nhost = 'x'\n"
                  "[ server . \"sub table\" ]\nport = 80\n"
                  "[x.y.z]\nv = 1\n[x]\nw = 2\ny.q = 3\n"
                  "[[products]]\nname = 'Hammer'\n[products.dims]\nh = 1\n"
                  "[[products]]\n[[products]]\nname = 'Nail'\n[[products.parts]]\nid = 1\n"
                  "[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true\n");
    /* Members come out in definition order. */
    const char *order[] = {"top", "zeta", "quoted.key", "lit key", "", "a", "3", "server", "x",
                           "products", "fruit"};
    assert_int_equal(r.len, CDLT_ARRAY_LEN(order));
    for (size_t i = 0; i < CDLT_ARRAY_LEN(order); i++)
        assert_string_equal(r.u.members[i].key, order[i]);
    expect_int(&r, "top", 1);
    assert_int_equal(jv_get(&r, "quoted.key")->u.i, 3);
    expect_int(&r, "a.b.c", 6);
    expect_int(&r, "a.b.d", 7);
    expect_str(&r, "3.14", "pi");
    expect_int(&r, "server.sub table.port", 80);
    expect_int(&r, "x.y.z.v", 1);
    expect_int(&r, "x.y.q", 3);
    expect_int(&r, "x.w", 2);
    const jv *prods = get(&r, "products");
    assert_int_equal(prods->type, JV_ARRAY);
    assert_int_equal(prods->len, 3);
    assert_int_equal(jv_get_path(&prods->u.items[0], "dims.h")->u.i, 1);
    assert_int_equal(prods->u.items[1].len, 0);
    assert_int_equal(jv_get_path(&prods->u.items[2], "parts")->u.items[0].u.members[0].value.u.i,
                     1);
    assert_true(get(&r, "fruit.apple.texture.smooth")->u.b);
    arena_free(&a);

    /* Empty documents. */
    arena_init(&a, 4096, 0);
    assert_int_equal(ok(&a, "").len, 0);
    assert_int_equal(ok(&a, "\n\r\n  \t# only a comment\n").len, 0);
    arena_free(&a);

    bad("= 1\n", "expected a key", 1, 1);
    bad("a b = 1\n", "expected '='", 1, 3);
    bad("a =\n", "missing value", 1, 4);
    bad("a = 1 b = 2\n", "expected a newline", 1, 7);
    bad("a.  = 1\n", "expected a key", 1, 5);
    bad("\"\"\"k\"\"\" = 1\n", "multi-line strings cannot be keys", 1, 1);
    bad("[a]]\n", "after a [table] header", 1, 4);
    bad("[a\n", "expected ']'", 1, 3);
    bad("[[a]\n", "expected ']]'", 1, 4);
    bad("[[a] ]\n", "expected ']]'", 1, 4);
    bad("[]\n", "expected a key", 1, 2);
    bad("a = 1\r\nb = 2\rc = 3\n", "expected a newline", 2, 6);
    bad("a = 1 # ok\n# bad \x01 here\n", "control character U+0001 in a comment", 2, 7);
    bad("a = 1\n\xEF\xBB\xBF", "expected a key", 2, 1);
    bad("a = '\xC3\x28'\n", "invalid UTF-8", 1, 6);
    bad("a = '\xED\xA0\x80'\n", "invalid UTF-8", 1, 6); /* encoded surrogate */
    bad("a = '\xC0\xAF'\n", "invalid UTF-8", 1, 6);     /* overlong */
}

static void test_redefinitions(void **state)
{
    (void)state;
    bad("a = 1\na = 2\n", "key 'a' is defined twice (first at line 1", 2, 1);
    bad("a = 1\n\"a\" = 2\n", "key 'a' is defined twice", 2, 1);
    bad("[t]\nx.y = 1\nx.y = 2\n", "key 'x.y' is defined twice", 3, 3);
    bad("[t]\n[t]\n", "table [t] is defined twice (first at line 1)", 2, 1);
    bad("[a.b]\n[a]\n[a]\n", "table [a] is defined twice", 3, 1);
    bad("[a]\nb = 1\n[a.b]\n", "'a.b' is already a value", 3, 1);
    bad("a = 1\n[a]\n", "'a' is already a value", 2, 1);
    bad("a = {}\n[a]\n", "already an inline table", 2, 1);
    bad("a = {}\n[a.b]\n", "'a' is already an inline table", 2, 1);
    bad("a = {b = 1}\na.c = 2\n", "it is an inline table", 2, 1);
    bad("a = 1\na.b = 2\n", "it is a value", 2, 1);
    bad("a.b = 1\na.b.c = 2\n", "it is a value", 2, 3);
    /* [header] after the table was created by dotted keys. */
    bad("a.b = 1\n[a]\n", "already created by dotted keys (line 1)", 2, 1);
    bad("[fruit]\napple.color = 'red'\n[fruit.apple]\n", "created by dotted keys", 3, 1);
    bad("[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]\n", "created by dotted keys", 3,
        1);
    /* Dotted keys may not reach into a table that has its own [header]. */
    bad("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", "a table defined by a [header]", 4, 3);
    /* Arrays of tables versus static arrays and tables. */
    bad("a = []\n[[a]]\n", "is already an array", 2, 1);
    bad("a = [{b = 1}]\n[a.c]\n", "'a' is already an array", 2, 1);
    bad("[a]\n[[a]]\n", "is already a table", 2, 1);
    bad("[[a]]\n[a]\n", "is already an array of tables", 2, 1);
    bad("[[a.b]]\n[a]\nb.y = 2\n", "it is an array of tables", 3, 1);
    bad("[[tab.arr]]\n[tab]\narr.val1 = 1\n", "it is an array of tables", 3, 1);
    bad("[a.b]\n[[a]]\n", "is already a table", 2, 1);
    /* An inline table stays closed even when reached through [header]s. */
    bad("[a]\nb = {c = 1}\n[a.b.d]\n", "already an inline table", 3, 1);

    /* Long and non-ASCII names are cut cleanly in messages (no overflow, no half character). */
    char doc[4096];
    size_t n = 0;
    for (int round = 0; round < 2; round++) {
        n += (size_t)sprintf(doc + n, "[");
        for (int i = 0; i < 150; i++)
            n += (size_t)sprintf(doc + n, "%s\"\xc3\xa9\\u0001\"", i ? "." : "");
        n += (size_t)sprintf(doc + n, "]\n");
    }
    bad(doc, "...] is defined twice", 2, 1);

    /* Valid look-alikes: an implicit table may be defined later, once. */
    arena a;
    arena_init(&a, 4096, 0);
    ok(&a, "[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b]\nz = 3\n");
    ok(&a, "[[a.b]]\n[a]\nc = 1\n");
    ok(&a, "[[a]]\n[a.b]\n[[a]]\n[a.b]\n");
    ok(&a, "[a]\nb.c = 1\nb.d = 2\n[a.b.e]\nf = 1\n");
    arena_free(&a);
}

static void test_error_format(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    const char *doc = "[section]\nname = \"ok\"\nvalue = @oops\n";
    assert_int_equal(toml_parse(doc, strlen(doc), "/etc/x/config.toml", &a, &v, &e), CDLT_PARSE);
    assert_int_equal(e.code, CDLT_PARSE);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 9);
    assert_int_equal(e.offset, 30);
    assert_string_equal(e.file, "/etc/x/config.toml");
    assert_non_null(strstr(e.message, "invalid TOML: unexpected '@'; expected a value"));
    assert_non_null(strstr(e.message, "(at /etc/x/config.toml:3:9, byte 30)"));

    /* Without a file name the position is still given. */
    cdlt_error_clear(&e);
    assert_int_equal(toml_parse("a = 1\na = 2", 11, NULL, &a, &v, &e), CDLT_PARSE);
    assert_non_null(strstr(e.message, "(at line 2:1, byte 6)"));
    /* The input need not be NUL-terminated: only len bytes are read. */
    cdlt_error_clear(&e);
    assert_int_equal(toml_parse("a = 12345", 6, NULL, &a, &v, &e), CDLT_OK);
    assert_int_equal(jv_get(&v, "a")->u.i, 12);
    assert_int_equal(toml_parse("s = 'ab'", 7, NULL, &a, &v, &e), CDLT_PARSE);
    assert_int_equal(toml_parse(NULL, 0, NULL, &a, &v, &e), CDLT_OK);
    assert_int_equal(v.len, 0);
    arena_free(&a);
}

static void test_limits(void **state)
{
    (void)state;
    enum { N = 5000 };
    char *doc = malloc(4 * N + 64);
    assert_non_null(doc);
    /* Deep arrays: an error, not a stack overflow. */
    size_t n = (size_t)sprintf(doc, "a = ");
    for (int i = 0; i < N; i++)
        doc[n++] = '[';
    doc[n] = '\0';
    bad(doc, "nested deeper than", 1, 0);
    /* Deep inline tables. */
    n = (size_t)sprintf(doc, "a = ");
    for (int i = 0; i < N; i++)
        n += (size_t)sprintf(doc + n, "{b=");
    doc[n] = '\0';
    bad(doc, "nested deeper than", 1, 0);
    /* Deep tables through keys. */
    n = (size_t)sprintf(doc, "[a");
    for (int i = 0; i < N; i++)
        n += (size_t)sprintf(doc + n, ".b");
    n += (size_t)sprintf(doc + n, "]\n");
    bad(doc, "more than 256 parts", 1, 0);
    free(doc);

    /* Deep, but within limits: 100 levels of arrays and a 200-part key. */
    arena a;
    arena_init(&a, 4096, 0);
    char small[2048];
    n = (size_t)sprintf(small, "a = ");
    for (int i = 0; i < 100; i++)
        small[n++] = '[';
    for (int i = 0; i < 100; i++)
        small[n++] = ']';
    small[n++] = '\n';
    for (int i = 0; i < 200; i++)
        n += (size_t)sprintf(small + n, "%sk", i ? "." : "");
    sprintf(small + n, " = 1\n");
    ok(&a, small);
    arena_free(&a);
}

/* A table with many keys: lookups stay fast and order is kept. */
static void test_big_table(void **state)
{
    (void)state;
    enum { N = 20000 };
    buf b = BUF_INIT;
    buf_puts(&b, "[big]\n");
    for (int i = 0; i < N; i++)
        buf_printf(&b, "key_%d = %d\n", i, i);
    assert_int_equal(b.status, CDLT_OK);
    arena a;
    arena_init(&a, 65536, 0);
    jv r = ok(&a, buf_cstr(&b));
    const jv *big = get(&r, "big");
    assert_int_equal(big->len, N);
    assert_string_equal(big->u.members[N - 1].key, "key_19999");
    assert_int_equal(big->u.members[N - 1].value.u.i, N - 1);
    buf_puts(&b, "key_123 = 0\n");
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    assert_int_equal(toml_parse(b.data, b.len, NULL, &a, &v, &e), CDLT_PARSE);
    assert_non_null(strstr(e.message, "key 'key_123' is defined twice (first at line 125"));
    arena_free(&a);
    buf_free(&b);
}

static const char *sweep_doc =
    "# dlt-like config\n"
    "log_level = \"INFO\"\n"
    "[runtime]\nlog_format = '{asctime}|{message}'\ndlthub_telemetry = false\n"
    "[sources.chess]\nplayers = [\"magnuscarlsen\", \"rpragchess\"]\nstart = 2022-11-01\n"
    "[sources.chess.credentials]\ntoken = \"\"\"multi\nline\\tsecret\"\"\"\n"
    "[destination.postgres.credentials]\ndatabase = \"dlt_data\"\nport = 5432\n"
    "host = \"localhost\"\nconnect_timeout = 1.5e1\n"
    "options = { sslmode = 'require', nested.deep = [1, 2, {x = 0x10}] }\n"
    "[[pipelines]]\nname = 'a'\nwhen = 1979-05-27T07:32:00.5-07:00\n"
    "[[pipelines]]\nname = 'b'\nat = 07:32:00\n[pipelines.extra]\nk.v = 'w'\n";

/* sweep_doc plus 40 generated tables of 8 keys each: enough to grow the index map, the
 * buffers and many arena chunks, so every kind of allocation point is failed once. */
static char sweep_text[16384];

static cdlt_status sweep_fn(void *ud)
{
    (void)ud;
    arena a;
    arena_init(&a, 256, 0); /* small chunks: many allocation points */
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    cdlt_status st = toml_parse(sweep_text, strlen(sweep_text), "sweep.toml", &a, &v, &e);
    if (st != CDLT_OK && st != CDLT_NOMEM) {
        fprintf(stderr, "sweep: unexpected %s: %s\n", cdlt_status_name(st), e.message);
        st = CDLT_ERROR;
    }
    if (st == CDLT_OK && jv_get_path(&v, "destination.postgres.credentials.port")->u.i != 5432)
        st = CDLT_ERROR;
    arena_free(&a);
    return st;
}

static void test_alloc_failure_sweep(void **state)
{
    (void)state;
    size_t n = (size_t)snprintf(sweep_text, sizeof sweep_text, "%s", sweep_doc);
    for (int t = 0; t < 40; t++) {
        n += (size_t)snprintf(sweep_text + n, sizeof sweep_text - n, "[gen.t%d]\n", t);
        for (int k = 0; k < 8; k++)
            n += (size_t)snprintf(sweep_text + n, sizeof sweep_text - n,
                                  "k%d = \"value %d\"\n", k, t * k);
    }
    assert_true(n < sizeof sweep_text - 1);
    assert_int_equal(sweep_fn(NULL), CDLT_OK);
    int points = tu_alloc_failure_sweep(sweep_fn, NULL, 10000);
    fprintf(stderr, "alloc sweep: %d failure points\n", points);
    assert_true(points > 50);
    assert_true(points < 10000);
    /* Every failure point must come out as NOMEM, never as a parse error or a crash. */
    for (int i = 1; i <= points; i++) {
        cdlt_alloc_fail_at((uint64_t)i, false);
        cdlt_status st = sweep_fn(NULL);
        cdlt_alloc_fail_at(0, false);
        assert_int_equal(st, CDLT_NOMEM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_integers_and_floats),
        cmocka_unit_test(test_datetimes),
        cmocka_unit_test(test_arrays_and_inline_tables),
        cmocka_unit_test(test_tables_and_keys),
        cmocka_unit_test(test_redefinitions),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_big_table),
        cmocka_unit_test(test_alloc_failure_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
