/* test_toml_conformance.c: runs the toml-test suite (testdata/toml-test/tests, every file of
 * files-toml-1.0.0): valid files must decode to the typed JSON beside them, invalid files must
 * be rejected. Prints the counts and fails on any miss. */
#include "testutil.h"

#include "toml/toml_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Where the first difference was found, for the report. */
static char g_why[512];

static bool differ(const char *path, const char *fmt, const char *a, const char *b)
{
    snprintf(g_why, sizeof g_why, "%s: ", path[0] ? path : "(root)");
    size_t n = strlen(g_why);
    snprintf(g_why + n, sizeof g_why - n, fmt, a, b);
    return false;
}

static bool is_leaf(const jv *e)
{
    if (e->type != JV_OBJECT || e->len != 2)
        return false;
    const jv *t = jv_get(e, "type"), *v = jv_get(e, "value");
    return t && v && t->type == JV_STRING && v->type == JV_STRING;
}

/* toml-test's typed leaf {"type": T, "value": V} against our value. */
static bool leaf_equal(const jv *got, const jv *exp, const char *path)
{
    const char *t = jv_get(exp, "type")->u.s;
    const char *v = jv_get(exp, "value")->u.s;
    char have[64];
    if (strcmp(t, "string") == 0) {
        const jv *ev = jv_get(exp, "value");
        if (got->type != JV_STRING || got->len != ev->len || memcmp(got->u.s, ev->u.s, ev->len))
            return differ(path, "string %s expected, got %s", v,
                          got->type == JV_STRING ? got->u.s : jv_type_name(got->type));
        return true;
    }
    if (strcmp(t, "integer") == 0) {
        errno = 0;
        long long want = strtoll(v, NULL, 10);
        snprintf(have, sizeof have, "%lld", got->type == JV_INT ? (long long)got->u.i : 0LL);
        if (errno || got->type != JV_INT || got->u.i != want)
            return differ(path, "integer %s expected, got %s", v,
                          got->type == JV_INT ? have : jv_type_name(got->type));
        return true;
    }
    if (strcmp(t, "float") == 0) {
        if (got->type != JV_DOUBLE)
            return differ(path, "float %s expected, got %s", v, jv_type_name(got->type));
        double d = got->u.d;
        snprintf(have, sizeof have, "%.17g", d);
        const char *s = v[0] == '+' ? v + 1 : v;
        bool same;
        if (strcmp(s, "nan") == 0 || strcmp(s, "-nan") == 0)
            same = isnan(d);
        else if (strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0)
            same = isinf(d) && (d < 0) == (s[0] == '-');
        else {
            double want = strtod(v, NULL);
            /* -0 and 0 are different per toml-test; compare the sign too. */
            same = d == want && !signbit(d) == !signbit(want);
        }
        return same ? true : differ(path, "float %s expected, got %s", v, have);
    }
    if (strcmp(t, "bool") == 0) {
        if (got->type != JV_BOOL || got->u.b != (strcmp(v, "true") == 0))
            return differ(path, "bool %s expected, got %s", v, jv_type_name(got->type));
        return true;
    }
    jv_type dtt = strcmp(t, "datetime") == 0         ? JV_DATETIME
                  : strcmp(t, "datetime-local") == 0 ? JV_DATETIME_LOCAL
                  : strcmp(t, "date-local") == 0     ? JV_DATE_LOCAL
                  : strcmp(t, "time-local") == 0     ? JV_TIME_LOCAL
                                                     : JV_NULL;
    if (dtt == JV_NULL)
        return differ(path, "unknown expected type %s%s", t, "");
    /* Date/times compare by value: the expected text is brought to our canonical form (same
     * separator, fraction without trailing zeros, Z for UTC) before comparing. */
    toml_dt want;
    const char *why;
    size_t bad;
    if (toml_datetime_scan(v, strlen(v), &want, &why, &bad) != strlen(v) || want.type != dtt)
        return differ(path, "expected date/time %s not understood (%s)", v, why ? why : "");
    if (got->type != dtt || strcmp(got->u.s, want.text) != 0)
        return differ(path, "%s expected, got %s", want.text,
                      jv_is_datetime(got) ? got->u.s : jv_type_name(got->type));
    return true;
}

static bool equal(const jv *got, const jv *exp, const char *path)
{
    char sub[512];
    if (exp->type == JV_OBJECT && is_leaf(exp))
        return leaf_equal(got, exp, path);
    if (exp->type == JV_ARRAY) {
        if (got->type != JV_ARRAY)
            return differ(path, "array expected, got %s%s", jv_type_name(got->type), "");
        if (got->len != exp->len) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%u", exp->len);
            snprintf(b, sizeof b, "%u", got->len);
            return differ(path, "%s items expected, got %s", a, b);
        }
        for (uint32_t i = 0; i < exp->len; i++) {
            snprintf(sub, sizeof sub, "%s[%u]", path, i);
            if (!equal(&got->u.items[i], &exp->u.items[i], sub))
                return false;
        }
        return true;
    }
    if (exp->type != JV_OBJECT)
        return differ(path, "unexpected JSON %s in the expected file%s", jv_type_name(exp->type),
                      "");
    if (got->type != JV_OBJECT)
        return differ(path, "table expected, got %s%s", jv_type_name(got->type), "");
    if (got->len != exp->len) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%u", exp->len);
        snprintf(b, sizeof b, "%u", got->len);
        return differ(path, "%s keys expected, got %s", a, b);
    }
    for (uint32_t i = 0; i < exp->len; i++) {
        const jv_member *m = &exp->u.members[i];
        snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", m->key);
        const jv *g = jv_getn(got, m->key, m->klen);
        if (!g)
            return differ(sub, "key missing%s%s", "", "");
        if (!equal(g, &m->value, sub))
            return false;
    }
    return true;
}

static void test_toml_test_suite(void **state)
{
    (void)state;
    char base[4096];
    snprintf(base, sizeof base, "%s", tu_shared_path("testdata/toml-test/tests"));
    char path[8192];
    snprintf(path, sizeof path, "%s/files-toml-1.0.0", base);
    char *list = tu_read_file(path, NULL);
    if (!list)
        fprintf(stderr, "cannot read %s\n", path);
    assert_non_null(list);

    int valid = 0, valid_ok = 0, invalid = 0, invalid_ok = 0;
    arena a;
    arena_init(&a, 65536, 0);
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        if (n < 5 || strcmp(line + n - 5, ".toml") != 0)
            continue;
        bool is_valid = strncmp(line, "valid/", 6) == 0;
        snprintf(path, sizeof path, "%s/%s", base, line);
        size_t len;
        char *text = tu_read_file(path, &len);
        if (!text) {
            fprintf(stderr, "MISS %s: cannot read the file\n", line);
            if (is_valid)
                valid++;
            else
                invalid++;
            continue;
        }
        arena_reset(&a);
        cdlt_error e;
        cdlt_error_clear(&e);
        jv got;
        cdlt_status st = toml_parse(text, len, line, &a, &got, &e);
        if (!is_valid) {
            invalid++;
            if (st == CDLT_PARSE)
                invalid_ok++;
            else
                fprintf(stderr, "MISS %s: accepted (status %s), expected a parse error\n", line,
                        cdlt_status_name(st));
            free(text);
            continue;
        }
        valid++;
        if (st != CDLT_OK) {
            fprintf(stderr, "MISS %s: %s\n", line, e.message);
            free(text);
            continue;
        }
        snprintf(path + strlen(path) - 5, 6, ".json");
        size_t jlen;
        char *json = tu_read_file(path, &jlen);
        jv exp;
        cdlt_error_clear(&e);
        if (!json || json_parse(json, jlen, &a, NULL, &exp, &e) != CDLT_OK) {
            fprintf(stderr, "MISS %s: expected file unreadable: %s\n", line, e.message);
        } else if (!equal(&got, &exp, "")) {
            fprintf(stderr, "MISS %s: %s\n", line, g_why);
        } else {
            valid_ok++;
        }
        free(json);
        free(text);
    }
    arena_free(&a);
    free(list);
    printf("toml-test files-toml-1.0.0: valid %d/%d decoded as expected, invalid %d/%d "
           "rejected\n",
           valid_ok, valid, invalid_ok, invalid);
    fflush(stdout);
    assert_true(valid >= 200);
    assert_true(invalid >= 400);
    assert_int_equal(valid_ok, valid);
    assert_int_equal(invalid_ok, invalid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toml_test_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
