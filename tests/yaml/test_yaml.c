/* test_yaml.c: the shared YAML reader (YAML 1.2 core and PyYAML 1.1 typing, anchors, alias-bomb
 * guard, bignums, positioned errors) and the PyYAML-compatible writer, round trips included. */
#include "testutil.h"

#include "yaml/yaml_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jv yaml(arena *a, const char *text)
{
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status st = yaml_read(text, strlen(text), "t.yaml", a, &v, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "yaml: %s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return v;
}

static void test_yaml_scalars(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = yaml(&a, "n1: null\nn2: ~\nn3:\nb1: true\nb2: False\nb3: yes\n"
                    "i1: 42\ni2: -7\ni3: 0x1F\ni4: 0o17\ni5: +3\ni6: 012\n"
                    "f1: 1.5\nf2: -.5e3\nf3: .inf\nf4: -.Inf\nf5: .nan\nf6: 1e3\n"
                    "s1: '42'\ns2: \"true\"\ns3: hello world\ns4: !!str 12\ns5: 1.2.3\ns6: 0x\n"
                    "big: 18446744073709551615\nhuge: 123456789012345678901234567890\n");
    assert_int_equal(v.type, JV_OBJECT);
    assert_int_equal(jv_get(&v, "n1")->type, JV_NULL);
    assert_int_equal(jv_get(&v, "n2")->type, JV_NULL);
    assert_int_equal(jv_get(&v, "n3")->type, JV_NULL);
    assert_true(jv_get(&v, "b1")->type == JV_BOOL && jv_get(&v, "b1")->u.b);
    assert_true(jv_get(&v, "b2")->type == JV_BOOL && !jv_get(&v, "b2")->u.b);
    assert_int_equal(jv_get(&v, "b3")->type, JV_STRING); /* YAML 1.2: "yes" is a string */
    assert_int_equal(jv_get(&v, "i1")->u.i, 42);
    assert_int_equal(jv_get(&v, "i2")->u.i, -7);
    assert_int_equal(jv_get(&v, "i3")->u.i, 31);
    assert_int_equal(jv_get(&v, "i4")->u.i, 15);
    assert_int_equal(jv_get(&v, "i5")->u.i, 3);
    assert_int_equal(jv_get(&v, "i6")->u.i, 12);
    assert_true(jv_get(&v, "f1")->type == JV_DOUBLE && jv_get(&v, "f1")->u.d == 1.5);
    assert_true(jv_get(&v, "f2")->u.d == -500.0);
    assert_true(isinf(jv_get(&v, "f3")->u.d) && jv_get(&v, "f3")->u.d > 0);
    assert_true(isinf(jv_get(&v, "f4")->u.d) && jv_get(&v, "f4")->u.d < 0);
    assert_true(isnan(jv_get(&v, "f5")->u.d));
    assert_true(jv_get(&v, "f6")->type == JV_DOUBLE && jv_get(&v, "f6")->u.d == 1000.0);
    for (int i = 1; i <= 6; i++) {
        char k[8];
        snprintf(k, sizeof k, "s%d", i);
        assert_int_equal(jv_get(&v, k)->type, JV_STRING);
    }
    assert_string_equal(jv_get(&v, "s4")->u.s, "12");
    assert_int_equal(jv_get(&v, "big")->type, JV_UINT);
    assert_int_equal(jv_get(&v, "huge")->type, JV_BIGNUM);
    arena_free(&a);
}

/* Integers beyond 64 bits keep their value as canonical decimal text, so the tree writes as
 * valid JSON (found by fuzz_config_yaml: "+", leading zeros and hex were kept verbatim). */
static void test_yaml_bignum_canonical(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = yaml(&a, "z: 00123456789012345678901234567890\np: +123456789012345678901234567890\n"
                    "n: -000123456789012345678901234567890\nh: 0x10000000000000000\n"
                    "o: 0o2000000000000000000000\n");
    static const char *const want[][2] = {{"z", "123456789012345678901234567890"},
                                          {"p", "123456789012345678901234567890"},
                                          {"n", "-123456789012345678901234567890"},
                                          {"h", "18446744073709551616"},
                                          {"o", "18446744073709551616"}};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(want); i++) {
        const jv *x = jv_get(&v, want[i][0]);
        assert_int_equal(x->type, JV_BIGNUM);
        assert_string_equal(x->u.s, want[i][1]);
    }
    buf b = BUF_INIT;
    assert_int_equal(json_write(&b, &v, 0), CDLT_OK);
    jv w;
    cdlt_error err;
    assert_int_equal(json_parse(b.data, b.len, &a, NULL, &w, &err), CDLT_OK);
    assert_true(jv_equal(&v, &w));
    buf_free(&b);
    arena_free(&a);
}

/* Integers longer than 64 characters are numbers too, in both typings, as in JSON; and a
 * string of such digits is written quoted so it stays a string (fuzz_schema_doc: a 129-digit
 * integer came back from the schema's YAML as a string). */
static jv pyyaml(arena *a, const char *text);
static void test_yaml_long_integers(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    char digits[201];
    memset(digits, '7', 200);
    digits[0] = '1';
    digits[200] = '\0';
    char text[1000];
    snprintf(text, sizeof text, "a: %s\nb: -%s\nc: '%s'\n", digits, digits, digits);
    jv core = yaml(&a, text), py = pyyaml(&a, text);
    const jv *docs[] = {&core, &py};
    for (size_t i = 0; i < 2; i++) {
        const jv *x = jv_get(docs[i], "a"), *y = jv_get(docs[i], "b"), *z = jv_get(docs[i], "c");
        assert_int_equal(x->type, JV_BIGNUM);
        assert_string_equal(x->u.s, digits);
        assert_int_equal(y->type, JV_BIGNUM);
        assert_int_equal(y->u.s[0], '-');
        assert_string_equal(y->u.s + 1, digits);
        assert_int_equal(z->type, JV_STRING);
    }
    /* PyYAML's underscores, also past 64 characters */
    snprintf(text, sizeof text, "u: 1_%s\n", digits);
    jv u = pyyaml(&a, text);
    assert_int_equal(jv_get(&u, "u")->type, JV_BIGNUM);
    /* written and read back: the number stays a number, the string a string */
    buf b = BUF_INIT;
    assert_int_equal(yaml_write(&py, &b), CDLT_OK);
    jv back = pyyaml(&a, buf_cstr(&b));
    assert_true(jv_equal(&py, &back));
    buf_free(&b);
    arena_free(&a);
}

/* Text YAML may not hold raw (C1 controls, a BOM inside, U+FFFE/U+FFFF) is written escaped
 * and reads back the same (fuzz_schema_doc: a key with U+0080 wrote YAML that did not load). */
static void test_write_unprintable(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    const char *texts[] = {"a\xC2\x80" "b",   "x\xC2\x9F",       "\xEF\xBB\xBF" "bom",
                           "z\xEF\xBF\xBE", "nel\xC2\x85" "ok", "\xC2\xA0" "nbsp",
                           "ls\xE2\x80\xA8" "x"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        jv obj;
        char json[128];
        buf jb = BUF_INIT;
        json_write_string(&jb, texts[i], strlen(texts[i]), 0);
        snprintf(json, sizeof json, "{\"k\":%s}", buf_cstr(&jb));
        buf_free(&jb);
        cdlt_error err;
        assert_int_equal(json_parse(json, strlen(json), &a, NULL, &obj, &err), CDLT_OK);
        buf b = BUF_INIT;
        assert_int_equal(yaml_write(&obj, &b), CDLT_OK);
        jv back = pyyaml(&a, buf_cstr(&b));
        assert_true(jv_equal(&obj, &back));
        buf_free(&b);
    }
    arena_free(&a);
}

/* Nested aliases ("billion laughs") are refused before they stand for billions of values
 * (found by fuzz_config_yaml: writing such a tree never finished). */
static void test_yaml_alias_bomb(void **state)
{
    (void)state;
    char text[2048];
    size_t n = (size_t)snprintf(text, sizeof text, "a0: &a0 [x, x, x, x]\n");
    for (int i = 1; i < 14; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d]\n", i,
                              i, i - 1, i - 1, i - 1, i - 1);
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(yaml_read(text, n, "bomb.yaml", &a, &v, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "aliases nested in aliases"));
    assert_non_null(strstr(err.message, "'a8'"));
    assert_int_equal(err.line, 10); /* inside a9 = [*a8, ...], at 1.4 million values */
    /* a few levels are fine: 4^5 values */
    cdlt_error_clear(&err);
    n = (size_t)(strstr(text, "a6:") - text);
    assert_int_equal(yaml_read(text, n, "ok.yaml", &a, &v, &err), CDLT_OK);
    assert_int_equal(jv_get(&v, "a5")->len, 4);
    arena_free(&a);
}

static void test_yaml_anchors(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = yaml(&a, "defaults: &d\n  page_size: 100\n  auth: {type: bearer}\n"
                    "list: &l [1, 2]\n"
                    "r1:\n  <<: *d\n  page_size: 5\n"
                    "r2:\n  cfg: *d\n  items: *l\n"
                    "r3:\n  <<: [*d, {extra: x, page_size: 9}]\n");
    const jv *r1 = jv_get(&v, "r1");
    assert_int_equal(jv_get(r1, "page_size")->u.i, 5); /* explicit key wins over the merge */
    assert_string_equal(jv_get_path(r1, "auth.type")->u.s, "bearer");
    assert_true(jv_equal(jv_get_path(&v, "r2.cfg"), jv_get(&v, "defaults")));
    assert_int_equal(jv_get_path(&v, "r2.items")->len, 2);
    const jv *r3 = jv_get(&v, "r3");
    assert_int_equal(jv_get(r3, "page_size")->u.i, 100); /* earlier merge source wins */
    assert_string_equal(jv_get(r3, "extra")->u.s, "x");
    arena_free(&a);
}

static void test_yaml_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int line;
        const char *what;
    } cases[] = {
        {"a: 1\nb: [1, 2\nc: 3\n", 0, "YAML"},
        {"a: 1\nb: *nope\n", 2, "unknown anchor"},
        {"a: 1\n  b: 2\n", 2, "YAML"},
        {"? [1, 2]\n: x\n", 1, "mapping keys"},
        {"a: 1\n---\nb: 2\n", 2, "one YAML document"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena a;
        arena_init(&a, 1024, 0);
        jv v;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(yaml_read(cases[i].text, strlen(cases[i].text), "bad.yaml", &a, &v, &err), CDLT_PARSE);
        if (!strstr(err.message, cases[i].what))
            fprintf(stderr, "case %zu: %s\n", i, err.message);
        assert_non_null(strstr(err.message, cases[i].what));
        assert_non_null(strstr(err.message, "bad.yaml:"));
        assert_true(err.line >= 1 && err.column >= 1);
        if (cases[i].line)
            assert_int_equal(err.line, cases[i].line);
        arena_free(&a);
    }
}

static jv pyyaml(arena *a, const char *text)
{
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status st = yaml_read_typed(text, strlen(text), "p.yaml", YAML_TYPING_PYYAML, a, &v, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "yaml: %s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return v;
}

/* PyYAML's safe loader resolution, as dlt's schema files are read. */
static void test_pyyaml_scalars(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = pyyaml(&a, "b1: yes\nb2: Off\nb3: on\nn1: ~\nn2:\ni1: 1_000\ni2: 017\ni3: 0x1_F\n"
                      "i4: -0b101\ni5: +42\ni6: 0\nf1: 1.5e+3\nf2: 1_0.25\nf3: .5\nf4: -.inf\n"
                      "f5: .NaN\ns1: 1e3\ns2: 'yes'\ns3: 2024-01-01\ns4: 1:30\ns5: -.5\ns6: 0x_\n"
                      "s7: 0o17\nbig: +000\nhuge: -1_234567890_123456789_012345678\n"
                      "u: 18446744073709551615\ntag: !!int '7'\non: key\n1_000: k\n");
    assert_true(jv_get(&v, "b1")->type == JV_BOOL && jv_get(&v, "b1")->u.b);
    assert_true(jv_get(&v, "b2")->type == JV_BOOL && !jv_get(&v, "b2")->u.b);
    assert_true(jv_get(&v, "b3")->u.b);
    assert_int_equal(jv_get(&v, "n1")->type, JV_NULL);
    assert_int_equal(jv_get(&v, "n2")->type, JV_NULL);
    assert_int_equal(jv_get(&v, "i1")->u.i, 1000);
    assert_int_equal(jv_get(&v, "i2")->u.i, 15);
    assert_int_equal(jv_get(&v, "i3")->u.i, 31);
    assert_int_equal(jv_get(&v, "i4")->u.i, -5);
    assert_int_equal(jv_get(&v, "i5")->u.i, 42);
    assert_int_equal(jv_get(&v, "i6")->type, JV_INT);
    assert_true(jv_get(&v, "f1")->type == JV_DOUBLE && jv_get(&v, "f1")->u.d == 1500.0);
    assert_true(jv_get(&v, "f2")->u.d == 10.25); /* underscores dropped, as PyYAML does */
    assert_true(jv_get(&v, "f3")->u.d == 0.5);
    assert_true(isinf(jv_get(&v, "f4")->u.d) && jv_get(&v, "f4")->u.d < 0);
    assert_true(isnan(jv_get(&v, "f5")->u.d));
    for (int i = 1; i <= 7; i++) {
        char k[8];
        snprintf(k, sizeof k, "s%d", i);
        if (jv_get(&v, k)->type != JV_STRING)
            fprintf(stderr, "%s is not a string\n", k);
        assert_int_equal(jv_get(&v, k)->type, JV_STRING);
    }
    assert_int_equal(jv_get(&v, "big")->u.i, 0);
    assert_int_equal(jv_get(&v, "huge")->type, JV_BIGNUM);
    assert_string_equal(jv_get(&v, "huge")->u.s, "-1234567890123456789012345678");
    assert_int_equal(jv_get(&v, "u")->type, JV_UINT);
    assert_int_equal(jv_get(&v, "tag")->u.i, 7);
    /* keys keep their text: a column named `on` or `1_000` */
    assert_string_equal(jv_get(&v, "on")->u.s, "key");
    assert_string_equal(jv_get(&v, "1_000")->u.s, "k");
    arena_free(&a);
}

/* Schema files get the same guards as definitions: aliases resolve and bombs are refused. */
static void test_pyyaml_aliases_and_errors(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = pyyaml(&a, "cols: &c {id: {data_type: bigint}}\nt1: {columns: *c}\n");
    assert_true(jv_equal(jv_get_path(&v, "t1.columns"), jv_get(&v, "cols")));
    cdlt_error err;
    cdlt_error_clear(&err);
    const char *bad = "a: 1\n---\nb: 2\n";
    assert_int_equal(yaml_read_typed(bad, strlen(bad), "two.yaml", YAML_TYPING_PYYAML, &a, &v, &err),
                     CDLT_PARSE);
    assert_non_null(strstr(err.message, "one YAML document"));
    assert_non_null(strstr(err.message, "two.yaml:2:1"));
    /* no file name: still a position */
    cdlt_error_clear(&err);
    const char *deep = "a: [1, 2\n";
    assert_int_equal(yaml_read(deep, strlen(deep), NULL, &a, &v, &err), CDLT_PARSE);
    assert_true(err.line >= 1 && err.column >= 1);
    arena_free(&a);
}

static void test_empty_and_nesting(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(yaml_read("", 0, "e.yaml", &a, &v, &err), CDLT_OK);
    assert_int_equal(v.type, JV_NULL);
    assert_int_equal(yaml_read("# only a comment\n", 17, "e.yaml", &a, &v, &err), CDLT_OK);
    assert_int_equal(v.type, JV_NULL);
    char deep[700];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    deep[600] = '\0';
    assert_int_equal(yaml_read(deep, 600, "d.yaml", &a, &v, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "nesting deeper"));
    arena_free(&a);
}

static char *write_yaml(const jv *v)
{
    buf b = BUF_INIT;
    assert_int_equal(yaml_write(v, &b), CDLT_OK);
    char *s = strdup(buf_cstr(&b));
    buf_free(&b);
    return s;
}

/* The writer quotes exactly what PyYAML quotes, and the PyYAML-typed reader reads it back. */
static void test_write_round_trip(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    static const char *const strs[] = {"yes", "1.5", "007", "", " lead", "a: b", "#x", "-",
                                       "- x", "ok-x", "it's", "line\nbreak", "null", "~", "0x1F",
                                       "2024-01-01", "plain text", "ünïcode", "@at", "a #b",
                                       "a#b", ".inf", "1_000", "=", "x:y", "1e3", "0o17", "<<",
                                       "tab\there", "0b11", "1:30"};
    jv_builder o;
    jv_builder_init(&o, JV_OBJECT);
    for (size_t i = 0; i < CDLT_ARRAY_LEN(strs); i++) {
        char key[8];
        snprintf(key, sizeof key, "k%zu", i);
        assert_int_equal(jv_builder_set(&o, &a, key, strlen(key), jv_str(&a, strs[i], strlen(strs[i]))),
                         CDLT_OK);
    }
    jv_builder_set(&o, &a, "on", 2, jv_int(-42));
    jv_builder_set(&o, &a, "dbl", 3, jv_double(2.5));
    jv_builder_set(&o, &a, "big", 3, jv_str_typed(&a, JV_BIGNUM, "123456789012345678901234567890", 30));
    jv_builder_set(&o, &a, "u", 1, (jv){.type = JV_UINT, .u.u = UINT64_MAX});
    jv_builder_set(&o, &a, "t", 1, jv_bool(true));
    jv_builder_set(&o, &a, "n", 1, jv_null());
    jv_builder l;
    jv_builder_init(&l, JV_ARRAY);
    jv_builder_push(&l, &a, jv_int(1));
    jv_builder inner;
    jv_builder_init(&inner, JV_OBJECT);
    jv_builder_set(&inner, &a, "a", 1, jv_int(1));
    jv_builder_set(&inner, &a, "b", 1, jv_str(&a, "x", 1));
    jv_builder_push(&l, &a, inner.value);
    jv_builder e;
    jv_builder_init(&e, JV_OBJECT);
    jv_builder_push(&l, &a, e.value);
    jv_builder_set(&o, &a, "list", 4, l.value);
    char *y = write_yaml(&o.value);
    assert_non_null(strstr(y, "k0: 'yes'\n"));
    assert_non_null(strstr(y, "k9: ok-x\n"));
    assert_non_null(strstr(y, "k11: \"line\\nbreak\"\n"));
    assert_non_null(strstr(y, "k25: 1e3\n"));  /* a string to PyYAML (YAML 1.1 floats need a dot) */
    assert_non_null(strstr(y, "k27: '<<'\n"));
    assert_non_null(strstr(y, "'on': -42\n"));
    assert_non_null(strstr(y, "list:\n- 1\n- a: 1\n  b: x\n- {}\n"));
    jv back;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(yaml_read_typed(y, strlen(y), "rt.yaml", YAML_TYPING_PYYAML, &a, &back, &err),
                     CDLT_OK);
    if (!jv_equal(&back, &o.value))
        fprintf(stderr, "yaml:\n%s\n", y);
    assert_true(jv_equal(&back, &o.value));
    free(y);
    /* top-level scalars and empty containers */
    jv s = jv_str(&a, "yes", 3);
    y = write_yaml(&s);
    assert_string_equal(y, "'yes'\n");
    free(y);
    jv empty = jv_null();
    y = write_yaml(&empty);
    assert_string_equal(y, "null\n");
    free(y);
    arena_free(&a);
}

static cdlt_status sweep_read(void *ud)
{
    (void)ud;
    arena a;
    arena_init(&a, 256, 0);
    jv v;
    const char *text = "a: &x {k: [1, 2, huge: 123456789012345678901234567890]}\nb: *x\n"
                       "c: {<<: *x, d: 'yes'}\n";
    cdlt_status st = yaml_read(text, strlen(text), "s.yaml", &a, &v, NULL);
    if (st == CDLT_OK)
        st = yaml_read_typed(text, strlen(text), NULL, YAML_TYPING_PYYAML, &a, &v, NULL);
    if (st == CDLT_OK) {
        buf b = BUF_INIT;
        st = yaml_write(&v, &b);
        buf_free(&b);
    }
    arena_free(&a);
    return st;
}

/* Keys PyYAML writes in the "? key" form: empty, with a line break, or over 122 code points.
 * A 1,100-byte key used to be written plainly, which libyaml refuses to read (implicit keys stop
 * at 1024 characters; found by fuzz/fuzz_schema_doc). Expected text: PyYAML 6.0 yaml.dump with
 * default_flow_style=False, sort_keys=False, allow_unicode=True. */
static void test_write_long_keys(void **state)
{
    (void)state;
    char A[131], B[123], E[247], X[1101];
    memset(A, 'a', 130);
    A[130] = '\0';
    memset(B, 'b', 122);
    B[122] = '\0';
    for (int i = 0; i < 123; i++)
        memcpy(E + 2 * i, "\xc3\xa9", 2);
    E[246] = '\0';
    memset(X, 'x', 1100);
    X[1100] = '\0';
    char json[4096], want[4096];
    snprintf(json, sizeof json,
             "{\"top\": {\"%s\": [{\"d\": 1, \"e\": [1, {\"f\": 2}]}, [3, 4], 5], \"z\": {\"%s\": "
             "{\"m\": 1, \"n\": {\"o\": 2}}}}, \"%sx\": {}, \"\": 3, \"%s\": 1, \"%s\": 2, "
             "\"l\": [{\"%s\": 1, \"k\": 2}]}",
             A, A, A, B, E, A);
    snprintf(want, sizeof want,
             "top:\n  ? %s\n  : - d: 1\n      e:\n      - 1\n      - f: 2\n    - - 3\n      - 4\n"
             "    - 5\n  z:\n    ? %s\n    : m: 1\n      n:\n        o: 2\n? %sx\n: {}\n? ''\n: 3\n"
             "%s: 1\n? %s\n: 2\nl:\n- ? %s\n  : 1\n  k: 2\n",
             A, A, A, B, E, A);
    arena a;
    arena_init(&a, 4096, 0);
    jv v, back;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(json_parse(json, strlen(json), &a, NULL, &v, &err), CDLT_OK);
    char *out = write_yaml(&v);
    assert_string_equal(out, want);
    back = yaml(&a, out);
    assert_true(jv_equal(&v, &back));
    free(out);
    /* the size the fuzzer found: far past libyaml's 1024 for a plain key */
    snprintf(json, sizeof json, "{\"%s\": {\"k\": \"v\"}, \"y\": 1}", X);
    assert_int_equal(json_parse(json, strlen(json), &a, NULL, &v, &err), CDLT_OK);
    out = write_yaml(&v);
    back = yaml(&a, out);
    assert_true(jv_equal(&v, &back));
    free(out);
    arena_free(&a);
}

/* Numbers longer than the old caps (64 characters for PyYAML typing, 128 for the core schema):
 * a huge integer a JSON schema holds prints plainly and must read back as that number, and a
 * long digit string must be quoted so it reads back as a string (found by fuzz_schema_doc: a
 * 129-digit integer came back as a string). */
static void test_long_numbers(void **state)
{
    (void)state;
    char digits[301], json[1024];
    memset(digits, '7', 300);
    digits[0] = '1';
    digits[300] = '\0';
    snprintf(json, sizeof json, "{\"big\": %.129s, \"neg\": -%s, \"s\": \"%.70s\", \"f\": 2.5}",
             digits, digits, digits);
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(json_parse(json, strlen(json), &a, NULL, &v, &err), CDLT_OK);
    assert_int_equal(jv_get(&v, "big")->type, JV_BIGNUM);
    char *out = write_yaml(&v);
    jv back = pyyaml(&a, out);
    assert_true(jv_equal(&v, &back));
    assert_int_equal(jv_get(&back, "neg")->type, JV_BIGNUM);
    assert_int_equal(jv_get(&back, "s")->type, JV_STRING);
    back = yaml(&a, out); /* the core schema (definitions) reads them the same way */
    assert_true(jv_equal(&v, &back));
    free(out);
    /* '_' goes, as PyYAML's int() drops it (a leading 0 would make it octal in YAML 1.1) */
    char text[400];
    snprintf(text, sizeof text, "a: %.50s_%.50s\nb: -%.200s\n", digits, digits + 50, digits);
    back = pyyaml(&a, text);
    assert_int_equal(jv_get(&back, "a")->type, JV_BIGNUM);
    assert_int_equal(jv_get(&back, "a")->len, 100);
    assert_memory_equal(jv_get(&back, "a")->u.s, digits, 100);
    assert_int_equal(jv_get(&back, "b")->len, 201);
    assert_int_equal(jv_get(&back, "b")->u.s[0], '-');
    arena_free(&a);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    assert_true(tu_alloc_failure_sweep(sweep_read, NULL, 2000) > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_scalars),
        cmocka_unit_test(test_yaml_bignum_canonical),
        cmocka_unit_test(test_yaml_long_integers),
        cmocka_unit_test(test_write_unprintable),
        cmocka_unit_test(test_yaml_alias_bomb),
        cmocka_unit_test(test_yaml_anchors),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_pyyaml_scalars),
        cmocka_unit_test(test_pyyaml_aliases_and_errors),
        cmocka_unit_test(test_empty_and_nesting),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_long_keys),
        cmocka_unit_test(test_long_numbers),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
