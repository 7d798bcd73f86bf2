/* test_files.c: the file source: NDJSON line reader (CRLF, blank lines, no final newline,
 * lines longer than a read chunk, raw item text), JSON-array files, globs, error positions. */
#include "testutil.h"

#include "sources/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_items(const char *pattern, cdlt_error *err, int *raw_lines)
{
    src_files *f = NULL;
    if (src_files_open(pattern, &f, err) != CDLT_OK)
        return -1;
    arena a;
    arena_init(&a, 65536, 0);
    int n = 0;
    *raw_lines = 0;
    for (;;) {
        jv v;
        bool eof = false;
        const char *raw = NULL;
        size_t rl = 0;
        if (src_files_next_raw(f, &a, &v, &raw, &rl, &eof, err) != CDLT_OK) {
            n = -1 - n;
            break;
        }
        if (eof)
            break;
        assert_int_equal(v.type, JV_OBJECT);
        if (raw) {
            (*raw_lines)++;
            assert_true(rl > 0 && raw[0] == '{' && raw[rl - 1] == '}');
            assert_null(memchr(raw, '\n', rl));
        }
        n++;
        arena_reset(&a);
    }
    assert_true(src_files_done_bytes(f) <= src_files_total_bytes(f));
    arena_free(&a);
    src_files_close(f);
    return n;
}

static void test_ndjson_shapes(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("files");
    char p[1024];
    snprintf(p, sizeof p, "%s/a.jsonl", dir);
    const char *text = "{\"a\":1}\r\n\n  \n{\"a\":2}   \n{\"a\":3}"; /* CRLF, blanks, no final \n */
    assert_int_equal(tu_write_file(p, text, strlen(text)), 0);
    snprintf(p, sizeof p, "%s/b.json", dir);
    const char *arr = "  [ {\"b\":1}, {\"b\":2} ]";
    assert_int_equal(tu_write_file(p, arr, strlen(arr)), 0);
    /* a line longer than the 1 MiB read chunk */
    snprintf(p, sizeof p, "%s/c.jsonl", dir);
    size_t big = 3u << 20;
    char *line = malloc(big + 64);
    strcpy(line, "{\"s\":\"");
    memset(line + 6, 'x', big);
    strcpy(line + 6 + big, "\"}\n{\"t\":1}\n");
    assert_int_equal(tu_write_file(p, line, strlen(line)), 0);
    free(line);
    cdlt_error err;
    cdlt_error_clear(&err);
    int raw = 0;
    snprintf(p, sizeof p, "%s/a.jsonl", dir);
    assert_int_equal(count_items(p, &err, &raw), 3);
    assert_int_equal(raw, 3);
    snprintf(p, sizeof p, "%s/b.json", dir);
    assert_int_equal(count_items(p, &err, &raw), 2);
    assert_int_equal(raw, 0);
    snprintf(p, sizeof p, "%s/c.jsonl", dir);
    assert_int_equal(count_items(p, &err, &raw), 2);
    snprintf(p, sizeof p, "%s/*.json*", dir);
    assert_int_equal(count_items(p, &err, &raw), 7);
    /* an empty file has no items */
    snprintf(p, sizeof p, "%s/empty.jsonl", dir);
    assert_int_equal(tu_write_file(p, "", 0), 0);
    assert_int_equal(count_items(p, &err, &raw), 0);
    tu_rm_rf(dir);
    free(dir);
}

static void test_errors(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("files-err");
    char p[1024];
    snprintf(p, sizeof p, "%s/bad.jsonl", dir);
    const char *text = "{\"a\":1}\n{\"a\":2}\n{\"a\": nope}\n";
    assert_int_equal(tu_write_file(p, text, strlen(text)), 0);
    cdlt_error err;
    cdlt_error_clear(&err);
    int raw = 0;
    assert_int_equal(count_items(p, &err, &raw), -3); /* fails after 2 items */
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 7);
    assert_int_equal(err.offset, 22);
    assert_non_null(strstr(err.message, "bad.jsonl:3:7"));
    assert_non_null(strstr(err.message, "byte 22"));
    cdlt_error_clear(&err);
    snprintf(p, sizeof p, "%s/none/*.jsonl", dir);
    assert_int_equal(count_items(p, &err, &raw), -1);
    assert_int_equal(err.code, CDLT_NOT_FOUND);
    cdlt_error_clear(&err);
    snprintf(p, sizeof p, "%s/missing.jsonl", dir);
    assert_int_equal(count_items(p, &err, &raw), -1);
    assert_int_equal(err.code, CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "missing.jsonl"));
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_ndjson_shapes),
                                       cmocka_unit_test(test_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
