/* test_local.c: the local-folder backend of objstore: URL forms, atomic writes (nothing visible
 * before commit, nothing left after abort), listings (recursive, direct children, sorted, temp
 * files hidden), ranged reads, put_file, delete and the path checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "objstore/objstore.h"
#include "testutil.h"

typedef struct seen {
    char paths[32][128];
    uint64_t sizes[32];
    int64_t mtimes[32];
    bool dirs[32];
    char urls[32][512];
    int n;
} seen;

static cdlt_status on_obj(void *ud, const os_object *o, cdlt_error *err)
{
    (void)err;
    seen *s = ud;
    assert_true(s->n < 32);
    snprintf(s->paths[s->n], sizeof s->paths[0], "%s", o->path);
    snprintf(s->urls[s->n], sizeof s->urls[0], "%s", o->url);
    s->sizes[s->n] = o->size;
    s->mtimes[s->n] = o->mtime_us;
    s->dirs[s->n] = o->is_dir;
    s->n++;
    return CDLT_OK;
}

static os_store *open_store(const char *url)
{
    os_store *s = NULL;
    cdlt_error err = {0};
    cdlt_status rc = os_open(url, NULL, &s, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(rc, CDLT_OK);
    return s;
}

static void test_write_commit_list_read(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("objlocal");
    char url[600];
    snprintf(url, sizeof url, "file://%s/base/", dir);
    os_store *s = open_store(url);
    assert_int_equal(os_store_kind(s), OS_LOCAL);
    char want[600];
    snprintf(want, sizeof want, "file://%s/base", dir);
    assert_string_equal(os_store_url(s), want);

    cdlt_error err = {0};
    os_writer *w;
    assert_int_equal(os_writer_open(s, "t/a/1.jsonl", &w, &err), CDLT_OK);
    assert_int_equal(os_write(w, "hello ", 6, &err), CDLT_OK);
    assert_int_equal(os_write(w, "world\n", 6, &err), CDLT_OK);
    /* not visible before commit: neither stat nor listing sees it */
    seen sn = {0};
    assert_int_equal(os_list(s, "", true, on_obj, &sn, &err), CDLT_OK);
    assert_int_equal(sn.n, 0);
    assert_int_equal(os_stat(s, "t/a/1.jsonl", NULL, NULL, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "t/a/1.jsonl"));
    assert_int_equal(os_writer_commit(w, &err), CDLT_OK);

    /* an aborted write leaves nothing, also no temp file */
    assert_int_equal(os_writer_open(s, "t/a/2.jsonl", &w, &err), CDLT_OK);
    assert_int_equal(os_write(w, "x", 1, &err), CDLT_OK);
    os_writer_abort(w);
    char p[700];
    snprintf(p, sizeof p, "%s/base/t/a", dir);
    int nfiles = 0;
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", p);
    FILE *f = popen(cmd, "r");
    assert_int_equal(fscanf(f, "%d", &nfiles), 1);
    pclose(f);
    assert_int_equal(nfiles, 1);

    assert_int_equal(os_put(s, "t/b.csv", "a,b\n1,2\n", 8, &err), CDLT_OK);
    assert_int_equal(os_put(s, "t.x", "", 0, &err), CDLT_OK); /* '.' sorts before '/' */

    memset(&sn, 0, sizeof sn);
    assert_int_equal(os_list(s, NULL, true, on_obj, &sn, &err), CDLT_OK);
    assert_int_equal(sn.n, 3);
    assert_string_equal(sn.paths[0], "t.x");
    assert_string_equal(sn.paths[1], "t/a/1.jsonl");
    assert_string_equal(sn.paths[2], "t/b.csv");
    assert_int_equal(sn.sizes[1], 12);
    snprintf(want, sizeof want, "file://%s/base/t/a/1.jsonl", dir);
    assert_string_equal(sn.urls[1], want);
    /* mtime in UTC microseconds, close to now */
    int64_t now_us = (int64_t)time(NULL) * 1000000;
    assert_true(sn.mtimes[1] > now_us - 60000000 && sn.mtimes[1] < now_us + 60000000);

    /* direct children only */
    memset(&sn, 0, sizeof sn);
    assert_int_equal(os_list(s, "t/", false, on_obj, &sn, &err), CDLT_OK);
    assert_int_equal(sn.n, 2);
    assert_string_equal(sn.paths[0], "t/a/");
    assert_true(sn.dirs[0]);
    assert_string_equal(sn.paths[1], "t/b.csv");
    assert_false(sn.dirs[1]);
    /* a missing folder lists nothing */
    memset(&sn, 0, sizeof sn);
    assert_int_equal(os_list(s, "nope", true, on_obj, &sn, &err), CDLT_OK);
    assert_int_equal(sn.n, 0);

    /* ranged reads */
    os_reader *r;
    char b[64];
    size_t got;
    assert_int_equal(os_reader_open(s, "t/a/1.jsonl", 6, 5, &r, &err), CDLT_OK);
    assert_int_equal(os_reader_size(r), 12);
    assert_int_equal(os_read(r, b, sizeof b, &got, &err), CDLT_OK);
    assert_int_equal(got, 5);
    assert_memory_equal(b, "world", 5);
    assert_int_equal(os_read(r, b, sizeof b, &got, &err), CDLT_OK);
    assert_int_equal(got, 0);
    os_reader_close(r);
    assert_int_equal(os_reader_open(s, "t/a/1.jsonl", 100, UINT64_MAX, &r, &err), CDLT_OK);
    assert_int_equal(os_read(r, b, sizeof b, &got, &err), CDLT_OK);
    assert_int_equal(got, 0);
    os_reader_close(r);

    buf whole = BUF_INIT;
    assert_int_equal(os_get(s, "t/b.csv", &whole, 1000, &err), CDLT_OK);
    assert_string_equal(buf_cstr(&whole), "a,b\n1,2\n");
    buf_clear(&whole);
    assert_int_equal(os_get(s, "t/b.csv", &whole, 4, &err), CDLT_TOO_LARGE);
    buf_free(&whole);

    /* replace by commit */
    assert_int_equal(os_put(s, "t/b.csv", "z", 1, &err), CDLT_OK);
    uint64_t size;
    assert_int_equal(os_stat(s, "t/b.csv", &size, NULL, &err), CDLT_OK);
    assert_int_equal(size, 1);

    /* delete: missing is fine; tree delete */
    assert_int_equal(os_delete(s, "t/b.csv", &err), CDLT_OK);
    assert_int_equal(os_delete(s, "t/b.csv", &err), CDLT_OK);
    uint64_t removed;
    assert_int_equal(os_delete_tree(s, "t", &removed, &err), CDLT_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(os_delete_tree(s, "", &removed, &err), CDLT_INVALID_ARG);
    os_close(s);
    tu_rm_rf(dir);
    free(dir);
}

static void test_missing_and_bad_paths(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("objlocal");
    os_store *s = open_store(dir);
    cdlt_error err = {0};
    os_reader *r;
    assert_int_equal(os_reader_open(s, "no/such.csv", 0, UINT64_MAX, &r, &err), CDLT_NOT_FOUND);
    assert_null(r);
    assert_non_null(strstr(err.message, "no/such.csv"));
    assert_non_null(strstr(err.message, "check bucket_url"));
    static const char *const bad[] = {"/abs", "../up", "a/../../b", "a//b", "a/./b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cdlt_error_clear(&err);
        assert_int_equal(os_put(s, bad[i], "x", 1, &err), CDLT_INVALID_ARG);
        assert_non_null(strstr(err.message, "relative"));
    }
    os_close(s);

    /* unknown scheme: clear error naming it */
    cdlt_error_clear(&err);
    assert_int_equal(os_open("gs://b/x", NULL, &s, &err), CDLT_UNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(err.message, "'gs'"));
    tu_rm_rf(dir);
    free(dir);
}

static void test_put_file_and_relative_root(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("objlocal");
    char src[600];
    snprintf(src, sizeof src, "%s/src.bin", dir);
    size_t n = 3u << 20;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i * 7 + (i >> 11));
    assert_int_equal(tu_write_file(src, data, n), 0);
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    os_store *s = open_store("./out/../dest"); /* relative to the cwd, normalized */
    assert_int_equal(chdir(cwd), 0);
    char want[700];
    snprintf(want, sizeof want, "file://%s/dest", dir);
    assert_string_equal(os_store_url(s), want);
    cdlt_error err = {0};
    assert_int_equal(os_put_file(s, src, "x/y/copy.bin", &err), CDLT_OK);
    snprintf(want, sizeof want, "%s/dest/x/y/copy.bin", dir);
    size_t got_n;
    char *back = tu_read_file(want, &got_n);
    assert_non_null(back);
    assert_int_equal(got_n, n);
    assert_memory_equal(back, data, n);
    free(back);
    assert_int_equal(os_put_file(s, "/no/such/file", "z", &err), CDLT_NOT_FOUND);
    os_close(s);
    free(data);
    tu_rm_rf(dir);
    free(dir);
}

/* Every allocation of open + write + commit + list + read + delete may fail: each failure is
 * an error status, never a crash or a leak (the sweep checks live allocations). */
static const char *g_sweep_dir;

static cdlt_status count_cb(void *ud, const os_object *o, cdlt_error *err)
{
    (void)o;
    (void)err;
    (*(int *)ud)++;
    return CDLT_OK;
}

static cdlt_status sweep_once(void *ud)
{
    (void)ud;
    os_store *s;
    cdlt_status rc = os_open(g_sweep_dir, NULL, &s, NULL); /* NULL err is allowed */
    if (rc != CDLT_OK)
        return rc;
    os_writer *w;
    rc = os_writer_open(s, "x/y.bin", &w, NULL);
    if (rc == CDLT_OK) {
        rc = os_write(w, "abc", 3, NULL);
        if (rc == CDLT_OK)
            rc = os_writer_commit(w, NULL);
        else
            os_writer_abort(w);
    }
    int n = 0;
    if (rc == CDLT_OK)
        rc = os_list(s, "", true, count_cb, &n, NULL);
    buf b = BUF_INIT;
    if (rc == CDLT_OK)
        rc = os_get(s, "x/y.bin", &b, 100, NULL);
    buf_free(&b);
    if (rc == CDLT_OK)
        rc = os_delete_tree(s, "x", NULL, NULL);
    os_close(s);
    return rc;
}

static void test_alloc_failures(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("objsweep");
    g_sweep_dir = dir;
    assert_true(tu_alloc_failure_sweep(sweep_once, NULL, 400) > 10);
    /* a bad path with a NULL error still returns the right code */
    os_store *s = open_store(dir);
    assert_int_equal(os_put(s, "../x", "y", 1, NULL), CDLT_INVALID_ARG);
    os_close(s);
    tu_rm_rf(dir);
    free(dir);
}

static void test_mask_url(void **st)
{
    (void)st;
    char out[512];
    os_mask_url("https://AKIAXX:topsecret@h/b?X-Amz-Signature=abcdef&x=1", out, sizeof out);
    assert_null(strstr(out, "topsecret"));
    assert_null(strstr(out, "abcdef"));
    assert_non_null(strstr(out, "x=1"));
    assert_int_equal(cdlt_secret_register("sEcReTvAlUe42"), CDLT_OK);
    os_mask_url("s3://bucket/sEcReTvAlUe42/x", out, sizeof out);
    assert_null(strstr(out, "sEcReTvAlUe42"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_commit_list_read),
        cmocka_unit_test(test_missing_and_bad_paths),
        cmocka_unit_test(test_put_file_and_relative_root),
        cmocka_unit_test(test_mask_url),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
