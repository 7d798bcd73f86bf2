/* test_filesystem.c: dlt's filesystem source end to end with the real cdlt binary and a real
 * DuckDB file: read_csv on golden files (quoted newlines, doubled quotes, BOM, CRLF, empty
 * field vs "", Latin-1, options) plain, .gz and .zst; read_jsonl; the FileItems loaded as rows;
 * ragged rows failing with file and line; incremental on modification_date across two runs
 * (new, modified and unchanged files); extract_content (file bytes as a binary column);
 * definition keys checked. */
#include "../sql/sqlt.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <zlib.h>
#include <zstd.h>

static void write_gz(const char *path, const char *text)
{
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
    assert_int_equal(gzclose(g), Z_OK);
}

static void write_zst(const char *path, const char *text)
{
    size_t cap = ZSTD_compressBound(strlen(text));
    char *b = malloc(cap);
    size_t n = ZSTD_compress(b, cap, text, strlen(text), 3);
    assert_false(ZSTD_isError(n));
    assert_int_equal(tu_write_file(path, b, n), 0);
    free(b);
}

static void set_mtime(const char *path, time_t t)
{
    struct timeval tv[2] = {{t, 0}, {t, 0}};
    assert_int_equal(utimes(path, tv), 0);
}

static void mk(const char *dir, const char *rel, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, rel);
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s", out);
    char *sl = strrchr(tmp, '/');
    *sl = 0;
    mkdir(tmp, 0755);
}

static void test_read_csv_goldens(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_csv");
    char p[1200];
    mk(t.dir, "in/a.csv", p, sizeof p);
    /* BOM, CRLF, a quoted newline, doubled quotes, an empty field and an empty string */
    write_text(p, "\xEF\xBB\xBF" "id,name,note,score\r\n"
                  "1,\"Smith, J\",\"line one\r\nline two\",1.5\r\n"
                  "2,\"say \"\"hi\"\"\",,2\r\n"
                  "3,\"\",\"\",\r\n");
    mk(t.dir, "in/sub/b.csv.gz", p, sizeof p);
    write_gz(p, "id,name,note,score\n4,gz,x,4.25\n");
    mk(t.dir, "in/sub/deeper/c.csv.zst", p, sizeof p);
    write_zst(p, "id,name,note,score\n5,zst,y,5\n");
    mk(t.dir, "in/skip.txt", p, sizeof p);
    write_text(p, "not,a,match\n");
    char src[2048];
    snprintf(src, sizeof src,
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"**/*.csv*\"\n"
             "reader = \"read_csv\"\nname = \"people\"\n");
    sqlt_def(&t, "fs_csv", src);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT count(*) FROM d.people", "5");
    expect_text(t.db, "SELECT name FROM d.people WHERE id = 1", "Smith, J");
    expect_text(t.db, "SELECT note FROM d.people WHERE id = 1", "line one\r\nline two");
    expect_text(t.db, "SELECT name FROM d.people WHERE id = 2", "say \"hi\"");
    /* empty field -> NULL, "" -> empty string */
    expect_text(t.db, "SELECT note IS NULL FROM d.people WHERE id = 2", "true");
    expect_text(t.db, "SELECT name = '' AND note = '' FROM d.people WHERE id = 3", "true");
    expect_text(t.db, "SELECT score IS NULL FROM d.people WHERE id = 3", "true");
    /* typing: ids bigint (per file chunk), score double (1.5, 2 and NA in a.csv) */
    expect_text(t.db, "SELECT data_type FROM information_schema.columns WHERE table_name = "
                      "'people' AND column_name = 'id'", "BIGINT");
    expect_text(t.db, "SELECT data_type FROM information_schema.columns WHERE table_name = "
                      "'people' AND column_name = 'score'", "DOUBLE");
    expect_text(t.db, "SELECT string_agg(name, '|' ORDER BY id) FROM d.people WHERE id >= 4",
                "gz|zst");
    expect_text(t.db, "SELECT sum(score) FROM d.people", "12.75");
    sqlt_free(&t);
}

static void test_read_csv_options_latin1(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_latin");
    char p[1200];
    mk(t.dir, "in/l.csv", p, sizeof p);
    write_text(p, "city;who\n'Malm\xF6';'Jos\xE9'\n'S\xE3o; Paulo';'it''s'\n");
    sqlt_def(&t, "fs_latin",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv\"\n"
             "reader = \"read_csv\"\n"
             "reader_args = {sep = \";\", quotechar = \"'\", encoding = \"latin-1\"}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(city || '/' || who, '|' ORDER BY city) FROM d.read_csv",
                "Malm\xC3\xB6/Jos\xC3\xA9|S\xC3\xA3o; Paulo/it's");
    /* the same file read as UTF-8 (the default) fails with the file, line and byte */
    sqlt_def(&t, "fs_latin2",
             "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv\"\n"
             "reader = \"read_csv\"\nreader_args = {sep = \";\", quotechar = \"'\"}\n");
    cli_res r = sqlt_run(&t, NULL);
    assert_int_not_equal(r.code, 0);
    if (!strstr(r.err, "l.csv:2") || !strstr(r.err, "invalid UTF-8") || !strstr(r.err, "latin-1"))
        fail_msg("stderr: %s", r.err);
    res_free(&r);
    sqlt_free(&t);
}

static void test_ragged_row_error(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_ragged");
    char p[1200];
    mk(t.dir, "in/r.csv", p, sizeof p);
    write_text(p, "a,b,c\n1,2,3\n4,5\n");
    sqlt_def(&t, "fs_ragged", "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n"
                              "reader = \"read_csv\"\n");
    cli_res r = sqlt_run(&t, NULL);
    assert_int_not_equal(r.code, 0);
    if (!strstr(r.err, "r.csv:3") || !strstr(r.err, "record has 2 fields, the header has 3") ||
        !strstr(r.err, "byte 12") || !strstr(r.err, "file://"))
        fail_msg("stderr: %s", r.err);
    res_free(&r);
    sqlt_free(&t);
}

static void test_read_jsonl_compressed(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_jsonl");
    char p[1200];
    mk(t.dir, "in/a.jsonl", p, sizeof p);
    write_text(p, "{\"id\":1,\"tags\":[\"x\"]}\n{\"id\":2}\n");
    mk(t.dir, "in/b.jsonl.gz", p, sizeof p);
    write_gz(p, "{\"id\":3}\n");
    mk(t.dir, "in/c.jsonl.zst", p, sizeof p);
    write_zst(p, "{\"id\":4}\n{\"id\":5}\n");
    sqlt_def(&t, "fs_jsonl", "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n"
                             "file_glob = \"*.jsonl*\"\nreader = \"read_jsonl\"\n"
                             "reader_args = {chunksize = 2}\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT sum(id) FROM d.read_jsonl", "15");
    expect_text(t.db, "SELECT value FROM d.read_jsonl__tags", "x");
    sqlt_free(&t);
}

static void test_file_items_as_rows(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_items");
    char p[1200];
    mk(t.dir, "in/x.csv", p, sizeof p);
    write_text(p, "a\n1\n");
    set_mtime(p, 1700000000);
    mk(t.dir, "in/y/z.jsonl.gz", p, sizeof p);
    write_gz(p, "{}\n");
    mk(t.dir, "in/.hidden.csv", p, sizeof p);
    write_text(p, "a\n");
    /* the default "*" is not recursive */
    sqlt_def(&t, "fs_items", "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT count(*) FROM d.filesystem", "1");
    char want[1400];
    snprintf(want, sizeof want, "file://%s/in/x.csv|x.csv|x.csv|text/csv|4", t.dir);
    expect_text(t.db, "SELECT file_url || '|' || file_name || '|' || relative_path || '|' || "
                      "mime_type || '|' || size_in_bytes FROM d.filesystem", want);
    expect_text(t.db, "SELECT epoch(modification_date)::BIGINT FROM d.filesystem", "1700000000");
    expect_text(t.db, "SELECT data_type FROM information_schema.columns WHERE table_name = "
                      "'filesystem' AND column_name = 'modification_date'",
                "TIMESTAMP WITH TIME ZONE");
    /* '**' recursive, with encoding for .gz; a named pipe */
    sqlt_def(&t, "fs_items2", "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n"
                              "file_glob = \"**/*\"\nname = \"listing\"\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(relative_path || ':' || mime_type || ':' || "
                      "coalesce(encoding, '-'), ',' ORDER BY relative_path) FROM d.listing",
                "x.csv:text/csv:-,y/z.jsonl.gz:application/gz:gzip");
    sqlt_free(&t);
}

/* dlt's extract_content = true: each FileItem row gets file_content, the file's raw bytes (a
 * .gz file is not decompressed) in a binary column; with a reader the rows stay the file's. */
static void test_extract_content(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_content");
    char p[1200];
    mk(t.dir, "in/x.csv", p, sizeof p);
    write_text(p, "a\n1\n");
    mk(t.dir, "in/bin.dat", p, sizeof p);
    static const unsigned char raw[] = {0, 1, 0xff, 0, 'z'};
    assert_int_equal(tu_write_file(p, raw, sizeof raw), 0);
    mk(t.dir, "in/g.csv.gz", p, sizeof p);
    write_gz(p, "a\n2\n");
    size_t gzn = 0;
    char *gz = tu_read_file(p, &gzn);
    mk(t.dir, "in/empty.txt", p, sizeof p);
    write_text(p, "");
    sqlt_def(&t, "fs_content", "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n"
                               "extract_content = true\nname = \"files\"\n");
    sqlt_run_ok(&t);
    char want[4096];
    int n = snprintf(want, sizeof want, "bin.dat:0001FF007A:5,empty.txt::0,g.csv.gz:");
    for (size_t i = 0; i < gzn; i++)
        n += snprintf(want + n, sizeof want - (size_t)n, "%02X", (unsigned char)gz[i]);
    snprintf(want + n, sizeof want - (size_t)n, ":%zu,x.csv:610A310A:4", gzn);
    free(gz);
    expect_text(t.db, "SELECT string_agg(file_name || ':' || hex(file_content) || ':' || "
                      "size_in_bytes, ',' ORDER BY file_name) FROM d.files", want);
    expect_text(t.db, "SELECT data_type FROM information_schema.columns WHERE table_name = "
                      "'files' AND column_name = 'file_content'", "BLOB");
    /* with a reader: the file's rows, file_content plays no part in them */
    sqlt_def(&t, "fs_content2", "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\n"
                                "file_glob = \"*.csv*\"\nreader = \"read_csv\"\n"
                                "extract_content = true\nname = \"rows\"\n");
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(a::VARCHAR, ',' ORDER BY a) FROM d.rows", "1,2");
    expect_text(t.db, "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                      "'rows' AND column_name = 'file_content'", "0");
    sqlt_free(&t);
}

static void test_incremental_two_runs(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_incr");
    char a[1200], b[1200], c[1200], n[1200];
    time_t t0 = 1700000000;
    mk(t.dir, "in/a.csv", a, sizeof a);
    write_text(a, "id,v\n1,a\n");
    set_mtime(a, t0);
    mk(t.dir, "in/b.csv", b, sizeof b);
    write_text(b, "id,v\n2,b\n");
    set_mtime(b, t0 + 10);
    mk(t.dir, "in/c.csv", c, sizeof c);
    write_text(c, "id,v\n3,c\n");
    set_mtime(c, t0 + 10); /* the same instant as b: the boundary, deduplicated by file_url */
    const char *def =
        "[source]\ntype = \"filesystem\"\nbucket_url = \"in\"\nfile_glob = \"*.csv\"\n"
        "reader = \"read_csv\"\nname = \"rows\"\n"
        "incremental = {cursor_path = \"modification_date\"}\n";
    sqlt_def(&t, "fs_incr", def);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(v, '' ORDER BY id) FROM d.rows", "abc");
    /* second run: a modified (content + newer mtime), a new file, b and c unchanged */
    write_text(a, "id,v\n1,A\n");
    set_mtime(a, t0 + 100);
    mk(t.dir, "in/new.csv", n, sizeof n);
    write_text(n, "id,v\n4,d\n");
    set_mtime(n, t0 + 50);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(v, '' ORDER BY id, v) FROM d.rows", "Aabcd");
    expect_text(t.db, "SELECT count(DISTINCT _dlt_load_id) FROM d.rows", "2");
    /* third run: nothing changed, nothing loaded */
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT count(*) FROM d.rows", "5");
    /* the cursor state sits where dlt keeps it */
    char spath[1400];
    snprintf(spath, sizeof spath, "%s/fs_incr/state.json", t.pdir);
    size_t sl = 0;
    char *state = tu_read_file(spath, &sl);
    assert_non_null(state);
    if (!strstr(state, "\"rows\"") || !strstr(state, "\"modification_date\"") ||
        !strstr(state, "2023-11-14T22:15:00"))
        fail_msg("state: %s", state);
    free(state);
    sqlt_free(&t);
}

static void test_definition_errors(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "fs_def");
    struct {
        const char *src;  /* [source] body */
        const char *want; /* part of the message */
    } cases[] = {
        {"bucket_url = \"in\"\nfile_globb = \"*\"\n", "did you mean 'file_glob'"},
        {"file_glob = \"*\"\n", "bucket_url is missing"},
        {"bucket_url = \"in\"\nreader = \"read_xml\"\n", "read_csv, read_jsonl, read_parquet"},
        {"bucket_url = \"in\"\nreader = \"read_csv\"\nreader_args = {sepp = \";\"}\n",
         "did you mean 'sep'"},
        {"bucket_url = \"in\"\nreader = \"read_csv\"\nreader_args = {encoding = \"cp1252\"}\n",
         "latin-1"},
        {"bucket_url = \"in\"\nreader = \"read_jsonl\"\nreader_args = {sep = \";\"}\n",
         "unknown key 'source.reader_args.sep'"},
        {"bucket_url = \"in\"\nreader_args = {sep = \";\"}\n", "needs a reader"},
        {"bucket_url = \"in\"\nextract_content = \"yes\"\n", "extract_content must be true or false"},
        {"bucket_url = \"in\"\nincremental = {cursor_pth = \"x\"}\n", "cursor_pth"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[1024];
        snprintf(src, sizeof src, "[source]\ntype = \"filesystem\"\n%s", cases[i].src);
        sqlt_expect_error(&t, "fs_def", src, cases[i].want, NULL);
    }
    sqlt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_csv_goldens),    cmocka_unit_test(test_read_csv_options_latin1),
        cmocka_unit_test(test_ragged_row_error),    cmocka_unit_test(test_read_jsonl_compressed),
        cmocka_unit_test(test_file_items_as_rows),  cmocka_unit_test(test_incremental_two_runs),
        cmocka_unit_test(test_extract_content),     cmocka_unit_test(test_definition_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
