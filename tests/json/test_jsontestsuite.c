/* test_jsontestsuite.c: runs every file of JSONTestSuite's test_parsing folder through
 * json_parse: y_ must be accepted, n_ rejected, and each implementation-defined i_ file is
 * decided by the table below (the reasons are in docs/json.md). */
#include "testutil.h"

#include "json/json.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

/* Our decision for every i_ file: true = accepted. An i_ file missing here fails the test. */
static const struct {
    const char *name; /* file name in test_parsing */
    bool accept;      /* expected outcome */
} i_table[] = {
    /* numbers: underflow rounds to 0.0 (correct rounding); overflow to infinity is rejected
     * because infinity is not JSON and could not be written back; big integers are BIGNUM */
    {"i_number_double_huge_neg_exp.json", true},
    {"i_number_huge_exp.json", false},
    {"i_number_neg_int_huge_exp.json", false},
    {"i_number_pos_double_huge_exp.json", false},
    {"i_number_real_neg_overflow.json", false},
    {"i_number_real_pos_overflow.json", false},
    {"i_number_real_underflow.json", true},
    {"i_number_too_big_neg_int.json", true},
    {"i_number_too_big_pos_int.json", true},
    {"i_number_very_big_negative_int.json", true},
    /* lone or invalid surrogates cannot become UTF-8: rejected */
    {"i_object_key_lone_2nd_surrogate.json", false},
    {"i_string_1st_surrogate_but_2nd_missing.json", false},
    {"i_string_1st_valid_surrogate_2nd_invalid.json", false},
    {"i_string_incomplete_surrogate_and_escape_valid.json", false},
    {"i_string_incomplete_surrogate_pair.json", false},
    {"i_string_incomplete_surrogates_escape_valid.json", false},
    {"i_string_invalid_lonely_surrogate.json", false},
    {"i_string_invalid_surrogate.json", false},
    {"i_string_inverted_surrogates_U+1D11E.json", false},
    {"i_string_lone_second_surrogate.json", false},
    /* invalid UTF-8 (including encoded surrogates and overlongs): rejected */
    {"i_string_UTF-8_invalid_sequence.json", false},
    {"i_string_UTF8_surrogate_U+D800.json", false},
    {"i_string_invalid_utf-8.json", false},
    {"i_string_iso_latin_1.json", false},
    {"i_string_lone_utf8_continuation_byte.json", false},
    {"i_string_not_in_unicode_range.json", false},
    {"i_string_overlong_sequence_2_bytes.json", false},
    {"i_string_overlong_sequence_6_bytes.json", false},
    {"i_string_overlong_sequence_6_bytes_null.json", false},
    {"i_string_truncated-utf-8.json", false},
    /* only UTF-8 without BOM is read */
    {"i_string_UTF-16LE_with_BOM.json", false},
    {"i_string_utf16BE_no_BOM.json", false},
    {"i_string_utf16LE_no_BOM.json", false},
    {"i_structure_UTF-8_BOM_empty_object.json", false},
    /* 500 levels fit the default depth limit of 512 */
    {"i_structure_500_nested_arrays.json", true},
};

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_suite(void **state)
{
    (void)state;
    const char *dirpath = tu_shared_path("testdata/jsontestsuite/test_parsing");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", dirpath);
    DIR *d = opendir(dir);
    assert_non_null(d);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, name_cmp);

    int y_ok = 0, y_all = 0, n_ok = 0, n_all = 0, i_ok = 0, i_all = 0, bad = 0;
    arena a;
    arena_init(&a, 64 * 1024, 0);
    for (size_t k = 0; k < n; k++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        size_t len = 0;
        char *text = tu_read_file(path, &len);
        assert_non_null(text);
        cdlt_error e;
        cdlt_error_clear(&e);
        jv v;
        json_opts o = {.file = names[k]};
        cdlt_status st = json_parse(text, len, &a, &o, &v, &e);
        bool accepted = st == CDLT_OK;
        if (!accepted && st != CDLT_PARSE && st != CDLT_UTF8 && st != CDLT_DEPTH) {
            fprintf(stderr, "%s: unexpected status %s\n", names[k], cdlt_status_name(st));
            bad++;
        }
        if (!accepted && (e.line < 1 || e.column < 1 || e.offset < 0 || e.offset > (int64_t)len)) {
            fprintf(stderr, "%s: bad error position %lld:%lld @%lld\n", names[k],
                    (long long)e.line, (long long)e.column, (long long)e.offset);
            bad++;
        }
        char kind = names[k][0];
        bool want;
        if (kind == 'y') {
            y_all++;
            want = true;
            y_ok += accepted;
        } else if (kind == 'n') {
            n_all++;
            want = false;
            n_ok += !accepted;
        } else {
            i_all++;
            size_t t = 0;
            while (t < CDLT_ARRAY_LEN(i_table) && strcmp(i_table[t].name, names[k]) != 0)
                t++;
            if (t == CDLT_ARRAY_LEN(i_table)) {
                fprintf(stderr, "%s: no decision in i_table (got %s)\n", names[k],
                        accepted ? "accept" : "reject");
                bad++;
                want = accepted;
            } else {
                want = i_table[t].accept;
                i_ok += want == accepted;
            }
        }
        if (want != accepted) {
            fprintf(stderr, "%s: expected %s, got %s%s%s\n", names[k], want ? "accept" : "reject",
                    accepted ? "accept" : "reject: ", accepted ? "" : cdlt_status_name(st),
                    accepted ? "" : e.message);
            bad++;
        }
        free(text);
        free(names[k]);
        arena_reset(&a);
    }
    free(names);
    arena_free(&a);
    printf("y: %d/%d accepted, n: %d/%d rejected, i: %d/%d decided\n", y_ok, y_all, n_ok, n_all,
           i_ok, i_all);
    assert_true(y_all > 0 && n_all > 0);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_suite)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
