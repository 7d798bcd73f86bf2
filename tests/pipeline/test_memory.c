/* test_memory.c: ordinary data loads under cdlt's default DuckDB memory settings (issue 10 #3):
 * one 50 MB string, 2,000 x 30 KB strings, a key set that grows to 1,000 columns over 200k
 * rows; all into REAL DuckDB files with exact contents. A tiny explicit memory_limit_mb fails
 * with an error that names the setting. Old main sized a small limit per table itself and
 * failed the first two at COMMIT ("failed to pin block"). */
#include "ptest.h"

typedef pt_env env;

/* n rows {"id":i,"s":"<len bytes>"} */
static void write_wide(const char *path, int n, size_t len)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char *v = malloc(len + 1);
    assert_non_null(v);
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < len; k++)
            v[k] = (char)('a' + (k * 7 + (size_t)i) % 26); /* varied: not one compressed run */
        v[len] = 0;
        fprintf(f, "{\"id\":%d,\"s\":\"%s\"}\n", i, v);
    }
    free(v);
    fclose(f);
}

static cdlt_status run_file(env *e, const char *name, const char *path, const char *dest_opts,
                            cdlt_error *err)
{
    cdlt_pipeline_options o;
    pt_options(e, name, e->db, &o);
    o.destination_options = dest_opts;
    cdlt_pipeline *p = pt_open_opts(&o);
    cdlt_source *s = pt_file_source(path);
    cdlt_error_clear(err);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run %s: %s\n", name, err->message);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc;
}

static void test_one_50mb_string(void **st)
{
    (void)st;
    env *e = pt_env_new("mem-50mb");
    char path[1200];
    snprintf(path, sizeof path, "%s/big.jsonl", e->dir);
    write_wide(path, 1, 50u * 1000 * 1000);
    cdlt_error err;
    assert_int_equal(run_file(e, "m1", path, NULL, &err), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 1);
    assert_int_equal(pt_query_int(e->db, "SELECT length(s) FROM ds.items"), 50 * 1000 * 1000);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM ds._dlt_loads"), 1);
    pt_env_free(e);
}

static void test_2000_rows_of_30kb(void **st)
{
    (void)st;
    env *e = pt_env_new("mem-30kb");
    char path[1200];
    snprintf(path, sizeof path, "%s/wide.jsonl", e->dir);
    write_wide(path, 2000, 30000);
    cdlt_error err;
    assert_int_equal(run_file(e, "m2", path, NULL, &err), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 2000);
    assert_int_equal(pt_query_int(e->db, "SELECT sum(length(s)) FROM ds.items"), 2000 * 30000);
    assert_int_equal(pt_query_int(e->db, "SELECT count(DISTINCT id) FROM ds.items"), 2000);
    /* exact contents: row 1999's first bytes as written */
    char *head = pt_query_text(e->db, "SELECT substr(s, 1, 4) FROM ds.items WHERE id = 1999");
    assert_non_null(head);
    char want[5];
    for (int k = 0; k < 4; k++)
        want[k] = (char)('a' + (k * 7 + 1999) % 26);
    want[4] = 0;
    assert_string_equal(head, want);
    free(head);
    pt_env_free(e);
}

/* The case: 1,000 keys appearing over 200k rows (a new key every 200 rows), with
 * defaults. It once took minutes and GBs, then failed with DuckDB out of memory: each new
 * column started a load file, and each file was an ALTER TABLE plus its own INSERT inside
 * the package transaction. Now a table that keeps changing waits for the tail of the
 * overlapped load and all its files go in one INSERT (docs/duckdb.md). Each row holds id,
 * the newest key and the one before it. Sanitizer builds run ~10x slower: 200 keys over
 * 40k rows there. */
#if defined(__SANITIZE_ADDRESS__)
#define KEYS_ROWS 40000
#define KEYS_KEYS 200
#else
#define KEYS_ROWS 200000
#define KEYS_KEYS 1000
#endif
static void test_keys_appearing_over_rows(void **st)
{
    (void)st;
    env *e = pt_env_new("mem-keys");
    char path[1200];
    snprintf(path, sizeof path, "%s/keys.jsonl", e->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const int rows = KEYS_ROWS, keys = KEYS_KEYS, per = rows / keys;
    for (int i = 0; i < rows; i++) {
        int j = i / per;
        if (j > 0)
            fprintf(f, "{\"id\":%d,\"k_%d\":%d,\"k_%d\":%d}\n", i, j, i, j - 1, i);
        else
            fprintf(f, "{\"id\":%d,\"k_%d\":%d}\n", i, j, i);
    }
    fclose(f);
    cdlt_error err;
    assert_int_equal(run_file(e, "m3", path, NULL, &err), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), rows);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM information_schema.columns "
                                         "WHERE table_schema = 'ds' AND table_name = 'items' "
                                         "AND column_name LIKE 'k\\_%' ESCAPE '\\'"),
                     keys);
    /* the last key is set in its own rows; the one before in its own and the last's */
    char q[128];
    snprintf(q, sizeof q, "SELECT count(k_%d) FROM ds.items", keys - 1);
    assert_int_equal(pt_query_int(e->db, q), per);
    snprintf(q, sizeof q, "SELECT count(k_%d) FROM ds.items", keys - 2);
    assert_int_equal(pt_query_int(e->db, q), 2 * per);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM ds.items WHERE k_100 = id"),
                     2 * per);
    pt_env_free(e);
}

/* The user's own tiny limit may be too small: the error says which setting to raise. */
static void test_tiny_limit_names_the_setting(void **st)
{
    (void)st;
    env *e = pt_env_new("mem-oom");
    char path[1200];
    snprintf(path, sizeof path, "%s/wide.jsonl", e->dir);
    write_wide(path, 2000, 30000);
    cdlt_error err;
    cdlt_status rc = run_file(e, "m4", path, "{\"memory_limit_mb\":2,\"load_threads\":1}", &err);
    assert_int_not_equal(rc, CDLT_OK);
    assert_non_null(strstr(err.message, "memory_limit_mb"));
    assert_non_null(strstr(err.message, "DESTINATION__DUCKDB__MEMORY_LIMIT_MB"));
    /* nothing committed: no load row */
    assert_true(pt_query_int(e->db, "SELECT count(*) FROM ds._dlt_loads") <= 0);
    pt_env_free(e);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_50mb_string),
        cmocka_unit_test(test_2000_rows_of_30kb),
        cmocka_unit_test(test_keys_appearing_over_rows),
        cmocka_unit_test(test_tiny_limit_names_the_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
