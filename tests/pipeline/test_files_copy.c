/* test_files_copy.c: the file source's verbatim copy (src_files_copy): the bytes arrive as they
 * are, in order, and the item count equals what the line reader + extract make of the file
 * (blank lines, CRLF, lists split into elements, lines across read pieces, a last line
 * without newline, unparsable lists); NDJSON detection; a copy reports its origin's name. */
#include "testutil.h"

#include "sources/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sink {
    char *data;   /* bytes received (malloc'd) */
    size_t len;   /* bytes received */
    size_t calls; /* put calls */
    size_t fail_at; /* fail the n-th call (0 = never) */
} sink;

static cdlt_status put(void *ud, const char *p, size_t n, cdlt_error *err)
{
    sink *s = ud;
    if (++s->calls == s->fail_at)
        return err_set(err, CDLT_IO, "sink full");
    assert_true(n > 0 && n <= (1u << 20)); /* pieces are small */
    s->data = realloc(s->data, s->len + n);
    memcpy(s->data + s->len, p, n);
    s->len += n;
    return CDLT_OK;
}

/* Items as extract counts them: each value of the line reader, a list as its elements. */
static long long reference_count(const char *path)
{
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(src_files_open(path, &f, &err), CDLT_OK);
    arena a;
    arena_init(&a, 65536, 0);
    long long n = 0;
    for (;;) {
        jv v;
        bool eof = false;
        if (src_files_next(f, &a, &v, &eof, &err) != CDLT_OK) {
            n = -1; /* a bad line: no reference */
            break;
        }
        if (eof)
            break;
        n += v.type == JV_ARRAY ? v.len : 1;
        arena_reset(&a);
    }
    arena_free(&a);
    src_files_close(f);
    return n;
}

/* Copy path, check bytes and count against the reference; returns the count. */
static long long copy_and_check(const char *path, const char *text, size_t len)
{
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(src_files_open(path, &f, &err), CDLT_OK);
    assert_true(src_files_is_ndjson(f, 0));
    arena a;
    arena_init(&a, 65536, 0);
    sink s = {NULL, 0, 0, 0};
    uint64_t items = 0;
    assert_int_equal(src_files_copy(f, 0, &a, put, &s, &items, &err), CDLT_OK);
    assert_int_equal(s.len, len);
    assert_true(len == 0 || memcmp(s.data, text, len) == 0);
    free(s.data);
    arena_free(&a);
    src_files_close(f);
    long long ref = reference_count(path);
    if (ref >= 0)
        assert_int_equal((long long)items, ref);
    return (long long)items;
}

static char *write_tmp(const char *dir, const char *name, const char *text, size_t len)
{
    char *p = malloc(1200);
    snprintf(p, 1200, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(p, text, len), 0);
    return p;
}

static void test_counts(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("fcopy");
    static const struct {
        const char *text;
        long long items;
    } cases[] = {
        {"", 0},
        {"\n\n \r\n\t\n", 0},
        {"{\"a\":1}", 1},
        {"{\"a\":1}\r\n\r\n{\"a\":2}\r\n", 2},
        {"  {\"a\":1}  \n", 1},
        {"{\"a\":1}\n[{\"a\":2},{\"a\":3}]\n[]\n  [4, 5, 6]  \r\n", 6},
        {"{\"a\":1}\n[[1,2],[3]]\n", 3},
        {"{\"a\":1}\n[1,2", 2},          /* last line without newline: a list */
        {"{\"a\":1}\n[1,2 x]\n[3]\n", 3}, /* unparsable list: one item */
        {"1\n\"s\"\nnull\ntrue\n", 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = write_tmp(dir, "c.jsonl", cases[i].text, strlen(cases[i].text));
        long long n = copy_and_check(p, cases[i].text, strlen(cases[i].text));
        if (n != cases[i].items)
            fprintf(stderr, "case %zu: %lld items\n", i, n);
        assert_int_equal(n, cases[i].items);
        free(p);
    }
    tu_rm_rf(dir);
    free(dir);
}

/* Lines and lists across the 1 MiB pieces; a list line of 3 MiB; many short lines. */
static void test_pieces(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("fcopy-big");
    size_t cap = 12u << 20, len = 0;
    char *t = malloc(cap);
    /* short lines up to ~1.5 MiB, so a line straddles the first piece boundary */
    for (int i = 0; len < (3u << 19); i++)
        len += (size_t)sprintf(t + len, i % 7 == 3 ? "\r\n" : "{\"id\":%d,\"s\":\"%0*d\"}\n", i,
                               i % 50, 0);
    /* a 3 MiB list of 3 elements spans pieces */
    len += (size_t)sprintf(t + len, "[{\"a\":\"");
    memset(t + len, 'x', 3u << 20);
    len += 3u << 20;
    len += (size_t)sprintf(t + len, "\"},{\"b\":1}, 7 ]\r\n");
    /* a blank run across the next boundary, then lists and a last line without newline */
    memset(t + len, ' ', 1u << 20);
    len += 1u << 20;
    len += (size_t)sprintf(t + len, "\n[1,2]\n{\"end\":true}");
    char *p = write_tmp(dir, "big.jsonl", t, len);
    long long n = copy_and_check(p, t, len);
    assert_true(n > 3);
    /* a failing put stops the copy with its error */
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(src_files_open(p, &f, &err), CDLT_OK);
    arena a;
    arena_init(&a, 65536, 0);
    sink s = {NULL, 0, 0, 3};
    uint64_t items = 0;
    assert_int_equal(src_files_copy(f, 0, &a, put, &s, &items, &err), CDLT_IO);
    assert_non_null(strstr(err.message, "sink full"));
    assert_true(s.len > 0 && s.len < len); /* the pieces before the failing one */
    free(s.data);
    arena_free(&a);
    src_files_close(f);
    free(p);
    free(t);
    tu_rm_rf(dir);
    free(dir);
}

static void test_detection_and_names(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("fcopy-det");
    char *a = write_tmp(dir, "a.jsonl", "{\"a\":1}\n", 8);
    char *b = write_tmp(dir, "b.json", " \n [ {\"a\":1} ]", 14);
    char *c = write_tmp(dir, "c.jsonl", "\n\n", 2);
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    char pat[1300];
    snprintf(pat, sizeof pat, "%s/*.jsonl", dir);
    assert_int_equal(src_files_open(pat, &f, &err), CDLT_OK);
    assert_true(src_files_is_ndjson(f, 0));
    assert_true(src_files_is_ndjson(f, 1)); /* a blank-only file reads as NDJSON */
    assert_string_equal(src_files_path(f, 1), c);
    assert_int_equal(src_files_size(f, 1), 2);
    src_files_close(f);
    snprintf(pat, sizeof pat, "%s/*", dir);
    assert_int_equal(src_files_open(pat, &f, &err), CDLT_OK);
    assert_string_equal(src_files_path(f, 1), b);
    assert_false(src_files_is_ndjson(f, 1)); /* one JSON array */
    /* read one file only, then another: the line reader stops at its end */
    arena a1;
    arena_init(&a1, 4096, 0);
    int n = 0;
    for (int i = 2; i >= 0; i--) {
        src_files_only(f, (size_t)i);
        for (;;) {
            jv v;
            bool eof = false;
            cdlt_status rc = src_files_next(f, &a1, &v, &eof, &err);
            if (rc != CDLT_OK)
                fprintf(stderr, "file %d: %s\n", i, err.message);
            assert_int_equal(rc, CDLT_OK);
            if (eof)
                break;
            n += v.type == JV_ARRAY ? (int)v.len : 1;
        }
    }
    assert_int_equal(n, 2); /* c: none, b: one array item, a: one */
    arena_free(&a1);
    src_files_close(f);
    /* a copy names its origin in data errors, at the same line, column and byte */
    char *bad = write_tmp(dir, "copy.jsonl", "{\"a\":1}\n\n{\"a\": ?}\n", 19);
    assert_int_equal(src_files_open_copy(bad, "/data/users.jsonl", 0, &f, &err), CDLT_OK);
    arena ar;
    arena_init(&ar, 4096, 0);
    jv v;
    bool eof = false;
    assert_int_equal(src_files_next(f, &ar, &v, &eof, &err), CDLT_OK);
    assert_int_equal(src_files_line(f), 1);
    assert_int_equal(src_files_next(f, &ar, &v, &eof, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "(at /data/users.jsonl:3:7, byte 15)"));
    assert_string_equal(err.file, "/data/users.jsonl");
    src_files_close(f);
    arena_free(&ar);
    /* an I/O error names the file really read */
    assert_int_equal(src_files_open_copy("/nonexistent/x.jsonl", "shown", 0, &f, &err), CDLT_IO);
    assert_non_null(strstr(err.message, "/nonexistent/x.jsonl"));
    assert_null(f);
    free(a);
    free(b);
    free(c);
    free(bad);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_counts),
                                       cmocka_unit_test(test_pieces),
                                       cmocka_unit_test(test_detection_and_names)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
