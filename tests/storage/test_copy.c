/* test_copy.c: whole-file copies into load packages (store_copy_file) and content hashes
 * (store_hash_*), on real files: every way (clone where the file system has one, else its
 * fallback; copy_file_range; read/write) gives the same bytes, also over several write-behind
 * pieces and for an empty file; a symlinked input is followed; a missing input is an error
 * that names it and leaves no file; a hash over a prefix equals XXH3 of those bytes, streamed
 * or not; allocation failures return an error and leak nothing. */
#include "testutil.h"

#include "storage/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* n bytes of NDJSON-looking data (deterministic). */
static char *make_data(size_t n)
{
    char *d = malloc(n ? n : 1);
    assert_non_null(d);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d[i] = i % 61 == 60 ? '\n' : (char)('a' + x % 26);
    }
    return d;
}

static void assert_file_is(const char *path, const char *data, size_t n)
{
    size_t len = 0;
    char *got = tu_read_file(path, &len);
    assert_non_null(got);
    assert_int_equal(len, n);
    assert_memory_equal(got, data, n);
    free(got);
}

typedef struct ticks {
    uint64_t last; /* the last `done` seen */
    int n;         /* calls */
} ticks;

static void on_tick(void *ud, uint64_t done)
{
    ticks *t = ud;
    assert_true(done >= t->last);
    t->last = done;
    t->n++;
}

/* Every way, every size (0, one byte, 3 MB, and 70 MB: three write-behind pieces). */
static void test_every_way(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("store-copy");
    static const size_t sizes[] = {0, 1, 3u << 20, (70u << 20) + 5};
    char from[1200], to[1200];
    snprintf(from, sizeof from, "%s/in.jsonl", dir);
    snprintf(to, sizeof to, "%s/out.jsonl", dir);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        char *data = make_data(sizes[s]);
        assert_int_equal(tu_write_file(from, data, sizes[s]), 0);
        for (int how = STORE_COPY_CLONE; how <= STORE_COPY_RW; how++) {
            if (sizes[s] > (8u << 20) && how == STORE_COPY_CLONE)
                continue; /* the same way as RANGE here; keep the test short */
            store_copy_result res;
            cdlt_error err;
            cdlt_error_clear(&err);
            ticks t = {0, 0};
            assert_int_equal(store_copy_file(from, to, (store_copy_how)how, on_tick, &t, &res,
                                             &err),
                             CDLT_OK);
            assert_int_equal(res.bytes, sizes[s]);
            assert_false(res.input_failed);
            assert_true(res.how >= (store_copy_how)how); /* a cheaper way is never tried */
            if (how == STORE_COPY_RW)
                assert_int_equal(res.how, STORE_COPY_RW);
            if (sizes[s])
                assert_int_equal(t.last, sizes[s]);
            assert_file_is(to, data, sizes[s]);
            if (how == STORE_COPY_CLONE && sizes[s])
                fprintf(stderr, "file system here: copied by %s\n", store_copy_how_name(res.how));
        }
        free(data);
    }
    tu_rm_rf(dir);
    free(dir);
}

/* A symlinked input is followed; the copy is a file of its own (the input keeps one link). */
static void test_symlink_and_own_inode(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("store-copy");
    char from[1200], sym[1200], to[1200];
    snprintf(from, sizeof from, "%s/in.jsonl", dir);
    snprintf(sym, sizeof sym, "%s/sym.jsonl", dir);
    snprintf(to, sizeof to, "%s/out.jsonl", dir);
    const char *text = "{\"a\":1}\n{\"a\":2}\n";
    assert_int_equal(tu_write_file(from, text, strlen(text)), 0);
    assert_int_equal(symlink(from, sym), 0);
    store_copy_result res;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(store_copy_file(sym, to, STORE_COPY_CLONE, NULL, NULL, &res, &err), CDLT_OK);
    assert_file_is(to, text, strlen(text));
    struct stat a, b;
    assert_int_equal(stat(from, &a), 0);
    assert_int_equal(lstat(to, &b), 0);
    assert_true(S_ISREG(b.st_mode));
    assert_true(a.st_ino != b.st_ino);
    assert_int_equal(a.st_nlink, 1);
    /* the input rewritten in place afterwards: the copy keeps the old bytes */
    assert_int_equal(tu_write_file(from, "{\"a\":9}\n", 8), 0);
    assert_file_is(to, text, strlen(text));
    tu_rm_rf(dir);
    free(dir);
}

/* A missing input: an I/O error naming it, flagged as the input's, and no output file. */
static void test_missing_input(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("store-copy");
    char from[1200], to[1200];
    snprintf(from, sizeof from, "%s/nope.jsonl", dir);
    snprintf(to, sizeof to, "%s/out.jsonl", dir);
    store_copy_result res;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(store_copy_file(from, to, STORE_COPY_CLONE, NULL, NULL, &res, &err),
                     CDLT_IO);
    assert_true(res.input_failed);
    assert_non_null(strstr(err.message, "nope.jsonl"));
    assert_non_null(strstr(err.message, "No such file"));
    assert_int_equal(access(to, F_OK), -1);
    /* an output folder that does not exist: the output's error */
    snprintf(from, sizeof from, "%s/in.jsonl", dir);
    assert_int_equal(tu_write_file(from, "{}\n", 3), 0);
    snprintf(to, sizeof to, "%s/no/out.jsonl", dir);
    cdlt_error_clear(&err);
    assert_int_equal(store_copy_file(from, to, STORE_COPY_CLONE, NULL, NULL, &res, &err),
                     CDLT_IO);
    assert_false(res.input_failed);
    assert_non_null(strstr(err.message, "no/out.jsonl"));
    tu_rm_rf(dir);
    free(dir);
}

/* store_hash_file over a prefix, the whole file, past its end; the streamed hash. */
static void test_hash(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("store-hash");
    char path[1200];
    snprintf(path, sizeof path, "%s/in.jsonl", dir);
    size_t n = (1u << 20) + 77; /* several 64 KiB reads and a tail */
    char *data = make_data(n);
    assert_int_equal(tu_write_file(path, data, n), 0);
    static const size_t limits[] = {1, 65536, 65537, (1u << 20) + 77};
    for (size_t k = 0; k < sizeof limits / sizeof limits[0]; k++) {
        char hex[17], want[17];
        uint64_t got = 0;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(store_hash_file(path, limits[k], hex, &got, &err), CDLT_OK);
        assert_int_equal(got, limits[k]);
        snprintf(want, sizeof want, "%016llx",
                 (unsigned long long)XXH3_64bits(data, limits[k]));
        assert_string_equal(hex, want);
        store_hash *h = NULL;
        assert_int_equal(store_hash_open(&h), CDLT_OK);
        for (size_t i = 0; i < limits[k]; i += 1000)
            store_hash_update(h, data + i, limits[k] - i < 1000 ? limits[k] - i : 1000);
        store_hash_hex(h, hex);
        store_hash_free(h);
        assert_string_equal(hex, want);
    }
    /* a file now shorter than the limit: the bytes there are hashed, out_len says how many */
    char hex[17];
    uint64_t got = 0;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(store_hash_file(path, n + 10, hex, &got, &err), CDLT_OK);
    assert_int_equal(got, n);
    cdlt_error_clear(&err);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(store_hash_file(path, 10, hex, &got, &err), CDLT_IO);
    assert_non_null(strstr(err.message, "missing"));
    free(data);
    tu_rm_rf(dir);
    free(dir);
}

typedef struct sweep {
    char from[1200];     /* input */
    char to[1200];       /* output */
    store_copy_how how;  /* way to start with */
} sweep;

static cdlt_status copy_once(void *ud)
{
    sweep *s = ud;
    store_copy_result res;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status rc = store_copy_file(s->from, s->to, s->how, NULL, NULL, &res, &err);
    if (rc == CDLT_OK) {
        char hex[17];
        uint64_t got;
        rc = store_hash_file(s->to, 1000, hex, &got, &err);
    }
    return rc;
}

static void test_alloc_failures(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("store-copy");
    sweep s;
    snprintf(s.from, sizeof s.from, "%s/in.jsonl", dir);
    snprintf(s.to, sizeof s.to, "%s/out.jsonl", dir);
    char *data = make_data(200000);
    assert_int_equal(tu_write_file(s.from, data, 200000), 0);
    for (int how = STORE_COPY_CLONE; how <= STORE_COPY_RW; how++) {
        s.how = (store_copy_how)how;
        assert_true(tu_alloc_failure_sweep(copy_once, &s, 50) >= 2);
        assert_file_is(s.to, data, 200000);
    }
    free(data);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_way),
        cmocka_unit_test(test_symlink_and_own_inode),
        cmocka_unit_test(test_missing_input),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
