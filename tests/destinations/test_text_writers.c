/* test_text_writers.c: the jsonl and csv load-file writers with gzip (dlt's default for
 * both), which deflate on a thread of their own once a file passes one buffer (wbase.c):
 * a file of many buffers decompresses to exactly the bytes the same writer writes without
 * gzip (the stream is whole and in order), and a write that fails on the deflate thread
 * (file size limit) is the writer's error at a later row or at close, naming the file. */
#include "dest_testlib.h"

#include <signal.h>
#include <sys/resource.h>
#include <zlib.h>

static schema_table *table(schema **s)
{
    cdlt_error err = {0};
    assert_int_equal(schema_new("tw", s, &err), CDLT_OK);
    schema_table *t = tl_table(*s, "rows");
    tl_col(*s, t, "id", DT_BIGINT, true, -1, -1, -1);
    tl_col(*s, t, "name", DT_TEXT, true, -1, -1, -1);
    tl_col(*s, t, "score", DT_DOUBLE, true, -1, -1, -1);
    return t;
}

/* n rows into a new file at path; CDLT_OK or the first failure (row or close). */
static cdlt_status write_rows(const dest_writer_ops *ops, const schema_table *t,
                              const char *path, bool gz, int n, int *rows_ok)
{
    dest_writer_opts o = {.compress = gz};
    dest_writer *w = NULL;
    cdlt_error err = {0};
    cdlt_status st = ops->open(t, path, &o, &w, &err);
    if (st != CDLT_OK)
        return st;
    char name[96];
    int i = 0;
    for (; i < n && st == CDLT_OK; i++) {
        snprintf(name, sizeof name, "row %d, \"quoted\" \xe2\x82\xac %x", i, (unsigned)(i * 2654435761u));
        tval v[3] = {tv_i(i), i % 13 ? tv_s(name) : tv_null(), tv_null()};
        v[2].type = DT_DOUBLE;
        v[2].u.d = i * 0.25;
        st = ops->row(w, v, 3);
    }
    *rows_ok = i - (st != CDLT_OK);
    if (st == CDLT_OK) {
        st = ops->close(w, NULL, &err);
        if (st != CDLT_OK)
            assert_non_null(strstr(err.message, path));
    } else {
        assert_non_null(strstr(ops->last_error(w), path));
        ops->abort(w);
    }
    return st;
}

static char *gunzip_file(const char *path, size_t *len)
{
    gzFile g = gzopen(path, "rb");
    assert_non_null(g);
    size_t cap = 1 << 20, n = 0;
    char *out = malloc(cap);
    for (;;) {
        if (cap - n < (1 << 16))
            out = realloc(out, cap *= 2);
        int r = gzread(g, out + n, (unsigned)(cap - n));
        assert_true(r >= 0);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(g);
    *len = n;
    return out;
}

static void same_bytes(const dest_writer_ops *ops)
{
    char *dir = tu_mkdtemp("text_writers");
    schema *s = NULL;
    schema_table *t = table(&s);
    char plain[1200], gz[1200];
    snprintf(plain, sizeof plain, "%s/plain.%s", dir, ops->ext);
    snprintf(gz, sizeof gz, "%s/packed.%s.gz", dir, ops->ext);
    int ok = 0;
    const int N = 200000; /* ~12 MB: dozens of buffers for the deflate thread */
    assert_int_equal(write_rows(ops, t, plain, false, N, &ok), CDLT_OK);
    assert_int_equal(write_rows(ops, t, gz, true, N, &ok), CDLT_OK);
    size_t plen = 0, glen = 0;
    char *p = tu_read_file(plain, &plen);
    char *g = gunzip_file(gz, &glen);
    assert_true(plen > 8u << 20);
    assert_int_equal(glen, plen);
    assert_memory_equal(g, p, plen);
    free(p);
    free(g);
    schema_free(s);
    tu_rm_rf(dir);
    free(dir);
}

static void test_jsonl_gzip_same_bytes(void **st)
{
    (void)st;
    same_bytes(&dest_writer_jsonl);
}

static void test_csv_gzip_same_bytes(void **st)
{
    (void)st;
    same_bytes(&dest_writer_csv);
}

static void test_write_error_on_deflate_thread(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("text_writers_err");
    schema *s = NULL;
    schema_table *t = table(&s);
    char path[1200];
    snprintf(path, sizeof path, "%s/too_big.jsonl.gz", dir);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 200000; /* compressed bytes: the file passes it after a few buffers */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int ok = 0;
    cdlt_status rc = write_rows(&dest_writer_jsonl, t, path, true, 400000, &ok);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(rc, CDLT_IO);
    assert_true(ok < 400000); /* a later row saw it, not only the close */
    schema_free(s);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_gzip_same_bytes),
        cmocka_unit_test(test_csv_gzip_same_bytes),
        cmocka_unit_test(test_write_error_on_deflate_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
