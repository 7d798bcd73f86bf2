/* test_fs_s3_parquet.c: the filesystem source over S3 (the private S3 server of the cdlt_s3
 * fixture, signatures checked) with credentials from dlt's config keys in the environment:
 * listing with '**', read_csv of plain and .gz objects, incremental (a second run reads only
 * the new object), extract_content (the objects' bytes), a wrong secret failing without
 * showing it, read_csv_duckdb of plain and gzip objects; and read_parquet on a local Parquet
 * file written by DuckDB. */
#include "../sql/sqlt.h"

#include "objstore/objstore.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static void put(os_store *s, const char *path, const void *data, size_t n)
{
    cdlt_error err = {0};
    if (os_put(s, path, data, n, &err) != CDLT_OK)
        fail_msg("%s", err.message);
}

static void test_s3_read_csv_incremental(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_s3");
    char prefix[64], url[512];
    snprintf(prefix, sizeof prefix, "fssrc-%d", (int)getpid());
    os_store *s = tu_s3_store(prefix, url, sizeof url);
    const char *a = "id,v\n1,a\n2,\"b, c\"\n";
    put(s, "in/a.csv", a, strlen(a));
    /* a gzip object */
    const char *b = "id,v\n3,d\n";
    unsigned char gz[256];
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)b;
    z.avail_in = (uInt)strlen(b);
    z.next_out = gz;
    z.avail_out = sizeof gz;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t gzn = sizeof gz - z.avail_out;
    put(s, "in/sub/b.csv.gz", gz, gzn);
    deflateEnd(&z);
    put(s, "in/skip.txt", "x", 1);

    char src[1024];
    snprintf(src, sizeof src,
             "[source]\ntype = \"filesystem\"\nbucket_url = \"%s/in\"\nfile_glob = \"**/*.csv*\"\n"
             "reader = \"read_csv\"\nname = \"rows\"\n"
             "incremental = {cursor_path = \"modification_date\"}\n", url);
    sqlt_def(&t, "fs_s3", src);
    tu_s3_creds cr;
    tu_s3_creds_env("SOURCES__FILESYSTEM", &cr);
    const char *const *envs = cr.envs;
    cli_res r = sqlt_run(&t, envs);
    if (r.code != 0)
        fail_msg("run 1: %s", r.err);
    res_free(&r);
    expect_text(t.db, "SELECT string_agg(v, '|' ORDER BY id) FROM d.rows", "a|b, c|d");
    /* a new object: only it is read by the second run */
    const char *c = "id,v\n4,e\n";
    put(s, "in/c.csv", c, strlen(c));
    r = sqlt_run(&t, envs);
    if (r.code != 0)
        fail_msg("run 2: %s", r.err);
    res_free(&r);
    expect_text(t.db, "SELECT string_agg(v, '|' ORDER BY id) FROM d.rows", "a|b, c|d|e");
    /* extract_content over S3: each object's raw bytes (a .gz one not decompressed) */
    static const unsigned char raw[] = {0, 1, 0xff, 0, 'z'};
    put(s, "raw/bin.dat", raw, sizeof raw);
    put(s, "raw/sub/b.csv.gz", gz, gzn);
    snprintf(src, sizeof src,
             "[source]\ntype = \"filesystem\"\nbucket_url = \"%s/raw\"\nfile_glob = \"**/*\"\n"
             "extract_content = true\nname = \"raw\"\n", url);
    sqlt_def(&t, "fs_s3c", src);
    r = sqlt_run(&t, envs);
    if (r.code != 0)
        fail_msg("extract_content run: %s", r.err);
    res_free(&r);
    char want[1024];
    int wn = snprintf(want, sizeof want, "bin.dat:0001FF007A,sub/b.csv.gz:");
    for (size_t i = 0; i < gzn; i++)
        wn += snprintf(want + wn, sizeof want - (size_t)wn, "%02X", gz[i]);
    expect_text(t.db, "SELECT string_agg(relative_path || ':' || hex(file_content), ',' ORDER BY "
                      "relative_path) FROM d.raw", want);
    expect_text(t.db, "SELECT data_type FROM information_schema.columns WHERE table_name = "
                      "'raw' AND column_name = 'file_content'", "BLOB");
    /* a wrong secret: a clear error that never shows the secret */
    const char *bad_secret = "WrongSecretValue123456";
    char e5[256];
    snprintf(e5, sizeof e5, "SOURCES__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY=%s",
             bad_secret);
    const char *bad_envs[] = {cr.kv[0], e5, cr.kv[2], cr.kv[3], NULL};
    r = sqlt_run(&t, bad_envs);
    assert_int_not_equal(r.code, 0);
    assert_null(strstr(r.err, bad_secret));
    assert_null(strstr(r.out, bad_secret));
    res_free(&r);
    cdlt_error err = {0};
    os_delete_tree(s, "in", NULL, &err);
    os_delete_tree(s, "raw", NULL, &err);
    os_close(s);
    sqlt_free(&t);
}

/* read_csv_duckdb over S3 objects (a temp copy, as read_parquet): plain and gzip */
static void test_s3_read_csv_duckdb(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_s3_cdk");
    char prefix[64], url[512];
    snprintf(prefix, sizeof prefix, "fscsvduck-%d", (int)getpid());
    os_store *s = tu_s3_store(prefix, url, sizeof url);
    size_t n = 0;
    char *gz = tu_read_file(tu_source_path("tests/files/csvduck/types_gz.csv.gz"), &n);
    assert_non_null(gz);
    put(s, "in/a.csv.gz", gz, n);
    free(gz);
    const char *b = "id,score\n7,0.25\n";
    put(s, "in/b.csv", b, strlen(b));
    char src[1024];
    snprintf(src, sizeof src,
             "[source]\ntype = \"filesystem\"\nbucket_url = \"%s/in\"\nfile_glob = \"*\"\n"
             "reader = \"read_csv_duckdb\"\nname = \"rows\"\n", url);
    sqlt_def(&t, "fs_s3_cdk", src);
    tu_s3_creds cr;
    tu_s3_creds_env("SOURCES__FILESYSTEM", &cr);
    const char *const *envs = cr.envs;
    cli_res r = sqlt_run(&t, envs);
    if (r.code != 0)
        fail_msg("run: %s", r.err);
    res_free(&r);
    expect_text(t.db, "SELECT string_agg(id || ':' || coalesce(score, -1), ',' ORDER BY id) "
                      "FROM d.rows", "1:1.5,2:2.0,3:-1.0,7:0.25");
    expect_text(t.db, "SELECT typeof(day) || ',' || typeof(ts_tz) FROM d.rows LIMIT 1",
                "DATE,TIMESTAMP WITH TIME ZONE");
    cdlt_error err = {0};
    os_delete_tree(s, "in", NULL, &err);
    os_close(s);
    sqlt_free(&t);
}

static void test_read_parquet(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_pq");
    char dir[1200], sql[2048];
    snprintf(dir, sizeof dir, "%s/in", t.dir);
    mkdir(dir, 0755);
    snprintf(sql, sizeof sql,
             "COPY (SELECT i AS id, 'n' || i AS name, {'a': i, 'b': [i, i + 1]} AS nested, DATE '2024-01-01' + i::INT AS d "
             "FROM range(2500) t(i)) TO '%s/p.parquet' (FORMAT parquet)", dir);
    char mem[1300];
    snprintf(mem, sizeof mem, "%s/gen.duckdb", t.dir);
    assert_int_equal(pt_query_int(mem, sql), 2500);
    sqlt_def(&t, "fs_pq", "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n"
                          "file_glob = \"*.parquet\"\nreader = \"read_parquet\"\n"
                          "reader_args = {chunksize = 1000}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT count(*) || '/' || sum(id) || '/' || max(name) FROM d.read_parquet",
                "2500/3123750/n999");
    expect_text(t.db, "SELECT sum(nested__a) FROM d.read_parquet", "3123750");
    expect_text(t.db, "SELECT count(*) FROM d.read_parquet__nested__b", "5000");
    /* a Parquet DATE column lands as date, as dlt types pyarrow's dates */
    expect_text(t.db, "SELECT max(d)::VARCHAR || ' ' || typeof(max(d)) FROM d.read_parquet",
                "2030-11-04 DATE");
    sqlt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_read_csv_incremental),
        cmocka_unit_test(test_s3_read_csv_duckdb),
        cmocka_unit_test(test_read_parquet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
