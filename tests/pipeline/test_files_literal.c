/* test_files_literal.c: a path that names an existing file is that file, even when its name holds
 * glob characters (found by fuzz/fuzz_sources_glob: "x[1].jsonl" was read as a character class
 * and matched "x1.jsonl" or nothing); patterns that name no file still expand as globs; a match
 * that cannot be opened is reported by name (the fuzzer found the name read after it was freed). */
#include "testutil.h"

#include "sources/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Open `name` under dir; return the match count (-1 when refused), the first match in *first. */
static int matches(const char *dir, const char *name, char *first, size_t cap)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    if (src_files_open(p, &f, &err) != CDLT_OK)
        return -1;
    int n = (int)src_files_count(f);
    snprintf(first, cap, "%s", src_files_path(f, 0) + strlen(dir) + 1);
    src_files_close(f);
    return n;
}

static void put(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(p, "{\"a\":1}\n", 8), 0);
}

static void test_literal_names(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("files-literal");
    const char *names[] = {"x[1].jsonl", "x1.jsonl", "a*b.jsonl", "q?.jsonl", "b\\[c].jsonl",
                           "[].jsonl"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        put(dir, names[i]);
    char first[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(matches(dir, names[i], first, sizeof first), 1);
        assert_string_equal(first, names[i]);
    }
    /* no file is named so: still a glob */
    assert_int_equal(matches(dir, "x[0-9].jsonl", first, sizeof first), 1);
    assert_string_equal(first, "x1.jsonl");
    assert_int_equal(matches(dir, "*.jsonl", first, sizeof first), 6);
    assert_int_equal(matches(dir, "x[2].jsonl", first, sizeof first), -1);
    tu_rm_rf(dir);
    free(dir);
}

/* glob(3) lists a dangling link, stat then fails: the same path as a file deleted between the
 * glob and the stat. The error named the match from glob's list after freeing it (ASan: heap
 * use after free). */
static void test_vanished_match(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("files-vanished");
    put(dir, "a.jsonl");
    char link[1024], p[1024];
    snprintf(link, sizeof link, "%s/b.jsonl", dir);
    assert_int_equal(symlink("/nonexistent/cdlt-no-such-file", link), 0);
    snprintf(p, sizeof p, "%s/*.jsonl", dir);
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(src_files_open(p, &f, &err), CDLT_NOT_FOUND);
    assert_null(f);
    assert_non_null(strstr(err.message, "b.jsonl' does not exist"));
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_literal_names),
                                       cmocka_unit_test(test_vanished_match)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
