/* test_fs_reader.c: the filesystem source's parts without the pipeline: file_glob matching
 * (dlt's rules), mime types as Python's mimetypes + dlt's fallback, the listing of a local store,
 * and a 2 GB CSV (zstd-compressed on disk, generated streaming) read through fs_reader in
 * bounded memory: peak RSS must grow by far less than the data. */
#include "testutil.h"

#include "sources/files/fsrc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

static void test_glob(void **st)
{
    (void)st;
    assert_true(fs_glob_match("*", "a.csv", true));
    assert_false(fs_glob_match("*", "sub/a.csv", true)); /* "*" is not recursive */
    assert_true(fs_glob_match("**/*.csv", "a.csv", true));
    assert_true(fs_glob_match("**/*.csv", "x/y/a.csv", true));
    assert_false(fs_glob_match("**/*.csv", "x/y/a.jsonl", true));
    assert_true(fs_glob_match("x/**/a?.csv", "x/a1.csv", true));
    assert_true(fs_glob_match("x/**/a?.csv", "x/p/q/a1.csv", true));
    assert_false(fs_glob_match("x/**/a?.csv", "y/a1.csv", true));
    assert_true(fs_glob_match("**", "x/y/z", true));
    assert_false(fs_glob_match("*.csv", ".h.csv", true)); /* local: Python glob skips dot names */
    assert_true(fs_glob_match("*.csv", ".h.csv", false));  /* S3 (fsspec): does not */
    assert_true(fs_glob_match(".*.csv", ".h.csv", true));
    assert_false(fs_glob_match("**/*.csv", ".git/a.csv", true));
    assert_true(fs_glob_match("data[12]/*.csv", "data2/x.csv", true));
}

static void mime(const char *name, const char *want, const char *want_enc)
{
    char m[128];
    const char *enc = NULL;
    fs_guess_mime(name, m, sizeof m, &enc);
    assert_string_equal(m, want);
    if (want_enc)
        assert_string_equal(enc, want_enc);
    else
        assert_null(enc);
}

static void test_mime(void **st)
{
    (void)st;
    /* the values Python 3.11's mimetypes.guess_type(strict=False) + dlt's fallback give */
    mime("a.csv", "text/csv", NULL);
    mime("d/a.CSV", "text/csv", NULL);
    mime("a.csv.gz", "text/csv", "gzip");
    mime("a.jsonl", "application/jsonl", NULL);
    mime("a.jsonl.gz", "application/gz", "gzip");
    mime("a.jsonl.zst", "application/zstd", NULL);
    mime("a.parquet", "application/parquet", NULL);
    mime("a.json", "application/json", NULL);
    mime("README", "application/octet-stream", NULL);
    mime("a.gz", "application/gz", "gzip");
}

static void test_listing(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("fs_list");
    char p[1200];
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/b.csv", dir);
    tu_write_file(p, "x\n", 2);
    snprintf(p, sizeof p, "%s/a.csv", dir);
    tu_write_file(p, "x\n1\n", 4);
    snprintf(p, sizeof p, "%s/sub/c.csv", dir);
    tu_write_file(p, "x\n", 2);
    os_store *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(os_open(dir, NULL, &s, &err), CDLT_OK);
    fs_listing l;
    assert_int_equal(fs_list(s, "*.csv", &l, &err), CDLT_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].rel, "a.csv");
    assert_string_equal(l.v[1].rel, "b.csv");
    assert_int_equal(l.v[0].size, 4);
    char url[1300];
    snprintf(url, sizeof url, "file://%s/a.csv", dir);
    assert_string_equal(l.v[0].url, url);
    fs_listing_free(&l);
    assert_int_equal(fs_list(s, "**/*.csv", &l, &err), CDLT_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[2].rel, "sub/c.csv");
    fs_listing_free(&l);
    assert_int_equal(fs_list(s, "sub/*.csv", &l, &err), CDLT_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].name, "c.csv");
    fs_listing_free(&l);
    os_close(s);
    tu_rm_rf(dir);
    free(dir);
}

static size_t peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = (size_t)strtoull(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

/* A big CSV, streamed through zstd into a small file: the reader sees every byte. */
static void test_large_file_bounded_memory(void **st)
{
    (void)st;
#if defined(__SANITIZE_ADDRESS__)
    const uint64_t target = 200ull << 20; /* ASan: 10x slower; 200 MB keeps it to seconds */
#else
    const uint64_t target = 2048ull << 20; /* the 2 GB */
#endif
    char *dir = tu_mkdtemp("fs_big");
    char path[1200];
    snprintf(path, sizeof path, "%s/big.csv.zst", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
    static char in[1 << 20], out[1 << 17];
    size_t hl = (size_t)snprintf(in, sizeof in, "id,name,note,amount,flag\n");
    uint64_t written = 0, rows = 0;
    bool header = true;
    while (written < target) {
        size_t n = header ? hl : 0;
        header = false;
        while (n + 128 < sizeof in) {
            n += (size_t)snprintf(in + n, sizeof in - n,
                                  "%llu,\"name %llu, quoted\",plain text,%llu.25,True\n",
                                  (unsigned long long)rows, (unsigned long long)(rows % 977),
                                  (unsigned long long)(rows % 100000));
            rows++;
        }
        written += n;
        ZSTD_inBuffer ib = {in, n, 0};
        while (ib.pos < ib.size) {
            ZSTD_outBuffer ob = {out, sizeof out, 0};
            assert_false(ZSTD_isError(ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue)));
            fwrite(out, 1, ob.pos, f);
        }
    }
    for (;;) {
        ZSTD_inBuffer ib = {in, 0, 0};
        ZSTD_outBuffer ob = {out, sizeof out, 0};
        size_t left = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
        fwrite(out, 1, ob.pos, f);
        if (left == 0)
            break;
    }
    ZSTD_freeCCtx(cc);
    fclose(f);

    size_t before = peak_rss_kb();
    os_store *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(os_open(dir, NULL, &s, &err), CDLT_OK);
    fs_listing l;
    assert_int_equal(fs_list(s, "*.zst", &l, &err), CDLT_OK);
    assert_int_equal(l.n, 1);
    fs_read_args args = {.format = FS_CSV};
    fs_reader *r = NULL;
    assert_int_equal(fs_reader_open(s, &l.v[0], &args, &r, &err), CDLT_OK);
    arena a;
    arena_init(&a, 1 << 20, 0);
    uint64_t got = 0, idsum = 0;
    for (;;) {
        jv page;
        bool eof = false;
        arena_reset(&a);
        if (fs_reader_next(r, &a, &page, &eof, &err) != CDLT_OK)
            fail_msg("%s", err.message);
        if (eof)
            break;
        for (uint32_t i = 0; i < page.len; i++)
            idsum += (uint64_t)page.u.items[i].u.members[0].value.u.i;
        got += page.len;
    }
    assert_int_equal(got, rows);
    assert_int_equal(idsum, rows * (rows - 1) / 2);
    fs_reader_close(r);
    arena_free(&a);
    fs_listing_free(&l);
    os_close(s);
    size_t after = peak_rss_kb();
    /* one typed chunk (10000 rows) + buffers: tens of MB at most, whatever the file size */
    if (after > before + 64 * 1024)
        fail_msg("peak RSS grew by %zu KB reading %llu MB", after - before,
                 (unsigned long long)(written >> 20));
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_mime),
        cmocka_unit_test(test_listing),
        cmocka_unit_test(test_large_file_bounded_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
