/* test_inputs.c: inputs a dlt user expects to load (issue 10 point 10): gzip and zstd files
 * (by name or by magic bytes; several members; damaged and truncated streams), a file that is
 * one JSON object (pretty-printed or not), NDJSON whose first line is a list, '**' globs at
 * any depth (zero included), '~' in paths. Loads run through the pipeline with the verbatim
 * fast path on (for every file size) and off: the tables must be the same both ways. */
#include "testutil.h"

#include "cdlt.h"
#include "ptest.h"
#include "sources/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

static void put(pt_env *e, const char *name, const char *text, size_t len)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", e->dir, name);
    char *slash = strrchr(p, '/');
    for (char *s = p + strlen(e->dir) + 1; s && s <= slash; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    }
    assert_int_equal(tu_write_file(p, text, len), 0);
}

/* gzip members of text, one after another (members > 1: gzip -c x >> f). */
static void put_gzip(pt_env *e, const char *name, const char *text, int members)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", e->dir, name);
    size_t n = strlen(text), per = (n + (size_t)members - 1) / (size_t)members;
    FILE *out = fopen(p, "wb");
    assert_non_null(out);
    for (size_t off = 0; off < n; off += per) {
        size_t k = n - off < per ? n - off : per;
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        size_t cap = deflateBound(&z, (uLong)k);
        unsigned char *b = malloc(cap);
        z.next_in = (Bytef *)(uintptr_t)(text + off);
        z.avail_in = (uInt)k;
        z.next_out = b;
        z.avail_out = (uInt)cap;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        assert_int_equal(fwrite(b, 1, z.total_out, out), z.total_out);
        deflateEnd(&z);
        free(b);
    }
    fclose(out);
}

static size_t zstd_of(const char *text, unsigned char **out)
{
    size_t n = strlen(text), cap = ZSTD_compressBound(n);
    *out = malloc(cap);
    size_t r = ZSTD_compress(*out, cap, text, n, 3);
    assert_false(ZSTD_isError(r));
    return r;
}

/* Run a fresh pipeline `name` (database <dir>/<name>.duckdb) over one file resource "items"
 * with the fast path on (every size) or off; returns the status, error text in err. */
static cdlt_status run(pt_env *e, const char *name, const char *pattern, bool verbatim,
                       cdlt_error *err)
{
    char db[1200], path[1200];
    snprintf(db, sizeof db, "%s/%s.duckdb", e->dir, name);
    snprintf(path, sizeof path, "%s/%s", e->dir, pattern);
    setenv("EXTRACT__VERBATIM_FILES", verbatim ? "true" : "false", 1);
    setenv("EXTRACT__VERBATIM_MIN_FILE_BYTES", "0", 1);
    cdlt_pipeline *p = pt_open_db(e, name, db);
    unsetenv("EXTRACT__VERBATIM_FILES");
    unsetenv("EXTRACT__VERBATIM_MIN_FILE_BYTES");
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error_clear(err);
    assert_int_equal(cdlt_source_open("files", &s), CDLT_OK);
    cdlt_status rc = cdlt_file_resource_open("items", path, &r, err);
    if (rc == CDLT_OK) {
        assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
        cdlt_load_info *info = NULL;
        rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, &info, err);
        cdlt_load_info_free(info);
        size_t pending = 9;
        cdlt_error e2;
        cdlt_error_clear(&e2);
        assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &e2), CDLT_OK);
        assert_int_equal(pending, 0); /* a bad input leaves nothing behind */
    }
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc;
}

/* The items table as sorted text without row ids ("" when missing). */
static char *items_text(pt_env *e, const char *name)
{
    char db[1200];
    snprintf(db, sizeof db, "%s/%s.duckdb", e->dir, name);
    char *t = pt_query_text(db, "SELECT string_agg(r, ' ; ' ORDER BY r) FROM (SELECT "
                                "to_json(t)::VARCHAR AS r FROM (SELECT * EXCLUDE (_dlt_id, "
                                "_dlt_load_id) FROM ds.items) t)");
    return t ? t : strdup("");
}

/* Load `pattern` both ways; both succeed with the same table, which equals `want`. */
static void expect_items(pt_env *e, const char *tag, const char *pattern, const char *want)
{
    cdlt_error err;
    char a[64], b[64];
    snprintf(a, sizeof a, "%s_parsed", tag);
    snprintf(b, sizeof b, "%s_verbatim", tag);
    cdlt_status ra = run(e, a, pattern, false, &err);
    if (ra != CDLT_OK)
        fprintf(stderr, "%s parsed: %s\n", tag, err.message);
    assert_int_equal(ra, CDLT_OK);
    cdlt_status rb = run(e, b, pattern, true, &err);
    if (rb != CDLT_OK)
        fprintf(stderr, "%s verbatim: %s\n", tag, err.message);
    assert_int_equal(rb, CDLT_OK);
    char *x = items_text(e, a), *y = items_text(e, b);
    if (strcmp(x, want) != 0 || strcmp(y, want) != 0)
        fprintf(stderr, "%s:\n want %s\n parsed %s\n verbatim %s\n", tag, want, x, y);
    assert_string_equal(x, want);
    assert_string_equal(y, want);
    free(x);
    free(y);
}

static const char *NDJSON = "{\"id\":1,\"name\":\"a\"}\n\n{\"id\":2,\"name\":\"b\"}\r\n"
                            "[{\"id\":3,\"name\":\"c\"},{\"id\":4,\"name\":\"d\"}]\n{\"id\":5}";
static const char *WANT5 = "{\"id\":1,\"name\":\"a\"} ; {\"id\":2,\"name\":\"b\"} ; "
                           "{\"id\":3,\"name\":\"c\"} ; {\"id\":4,\"name\":\"d\"} ; "
                           "{\"id\":5,\"name\":null}";

static void test_compressed(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("in-gz");
    put(e, "plain.jsonl", NDJSON, strlen(NDJSON));
    expect_items(e, "plain", "plain.jsonl", WANT5);
    put_gzip(e, "a.jsonl.gz", NDJSON, 1);
    expect_items(e, "gz", "a.jsonl.gz", WANT5);
    put_gzip(e, "multi.jsonl.gz", NDJSON, 3); /* concatenated members */
    expect_items(e, "gzm", "multi.jsonl.gz", WANT5);
    {   /* zero padding after the last member (tape blocks) is ignored, as gzip does */
        char gp[1200];
        snprintf(gp, sizeof gp, "%s/multi.jsonl.gz", e->dir);
        size_t gl = 0;
        char *g = tu_read_file(gp, &gl);
        char *padded = calloc(1, gl + 1000);
        memcpy(padded, g, gl);
        put(e, "pad.jsonl.gz", padded, gl + 1000);
        free(padded);
        free(g);
        expect_items(e, "gzpad", "pad.jsonl.gz", WANT5);
    }
    put_gzip(e, "noname.data", NDJSON, 1); /* told by its magic bytes */
    expect_items(e, "gzmagic", "noname.data", WANT5);
    const char *arr = "[\n {\"id\":1,\"name\":\"a\"},\n {\"id\":2,\"name\":\"b\"}\n]\n";
    put_gzip(e, "arr.json.gz", arr, 2);
    expect_items(e, "gzarr", "arr.json.gz",
                 "{\"id\":1,\"name\":\"a\"} ; {\"id\":2,\"name\":\"b\"}");
    unsigned char *z = NULL;
    size_t zn = zstd_of(NDJSON, &z);
    put(e, "b.jsonl.zst", (const char *)z, zn);
    expect_items(e, "zst", "b.jsonl.zst", WANT5);
    /* two zstd frames back to back (zstdcat a b > f) */
    unsigned char *f1 = NULL;
    size_t n1 = zstd_of("{\"id\":1}\n{\"id\":2}\n", &f1);
    unsigned char *two = malloc(n1 + zn);
    memcpy(two, f1, n1);
    memcpy(two + n1, z, zn);
    free(f1);
    put(e, "two.zst", (const char *)two, n1 + zn);
    cdlt_error err;
    assert_int_equal(run(e, "zst2", "two.zst", false, &err), CDLT_OK);
    char db[1200];
    snprintf(db, sizeof db, "%s/zst2.duckdb", e->dir);
    assert_int_equal(pt_count(db, "ds", "items"), 7);
    /* truncated: the last bytes of the stream are gone */
    put(e, "cut.jsonl.zst", (const char *)z, zn - 3);
    for (int v = 0; v < 2; v++) {
        assert_int_equal(run(e, v ? "cutz_v" : "cutz_p", "cut.jsonl.zst", v, &err), CDLT_PARSE);
        assert_non_null(strstr(err.message, "cut.jsonl.zst"));
        assert_non_null(strstr(err.message, "ends in the middle"));
    }
    free(two);
    free(z);
    /* a damaged gzip body */
    char p[1200];
    snprintf(p, sizeof p, "%s/a.jsonl.gz", e->dir);
    size_t gl = 0;
    char *g = tu_read_file(p, &gl);
    g[gl / 2] ^= 0x55;
    g[gl / 2 + 1] ^= 0x55;
    put(e, "bad.jsonl.gz", g, gl);
    free(g);
    assert_int_equal(run(e, "badgz", "bad.jsonl.gz", false, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "bad.jsonl.gz"));
    assert_non_null(strstr(err.message, "gzip"));
    /* a .gz name over plain text is refused, not read as text */
    put(e, "fake.jsonl.gz", NDJSON, strlen(NDJSON));
    assert_int_equal(run(e, "fake", "fake.jsonl.gz", true, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "magic bytes"));
    /* a bad line inside compressed data names the file and the decompressed line */
    put_gzip(e, "badline.jsonl.gz", "{\"id\":1}\n{\"id\":}\n", 1);
    assert_int_equal(run(e, "badline", "badline.jsonl.gz", false, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "badline.jsonl.gz"));
    assert_int_equal(err.line, 2);
    pt_env_free(e);
}

/* Gzip reading keeps to its buffers: a 40 MB decompressed file loads with the reader's
 * memory (checked by the item count and the size; the allocation hook would fail a
 * per-line allocation under the ASan build's leak check only). */
static void test_compressed_big(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("in-gzbig");
    size_t n = 200000;
    char *t = malloc(n * 64);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(t + len, "{\"id\":%zu,\"v\":\"value %zu\"}\n", i, i * 7);
    put_gzip(e, "big.jsonl.gz", t, 1);
    free(t);
    cdlt_error err;
    assert_int_equal(run(e, "big", "big.jsonl.gz", true, &err), CDLT_OK);
    char db[1200];
    snprintf(db, sizeof db, "%s/big.duckdb", e->dir);
    assert_int_equal(pt_count(db, "ds", "items"), (int64_t)n);
    assert_int_equal(pt_query_int(db, "SELECT sum(id) FROM ds.items"),
                     (int64_t)(n * (n - 1) / 2));
    pt_env_free(e);
}

static void test_json_shapes(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("in-shapes");
    const char *pretty = "{\n  \"id\": 1,\n  \"name\": \"a\",\n  \"tags\": [\n    \"x\"\n  ]\n}\n";
    put(e, "pretty.json", pretty, strlen(pretty));
    expect_items(e, "pretty", "pretty.json", "{\"id\":1,\"name\":\"a\"}");
    const char *compact = "  {\"id\":1,\"name\":\"a\"}";
    put(e, "compact.json", compact, strlen(compact));
    expect_items(e, "compact", "compact.json", "{\"id\":1,\"name\":\"a\"}");
    /* NDJSON whose first line is a list: its elements, then the other lines */
    const char *first_list = "[{\"id\":1},{\"id\":2}]\n{\"id\":3}\n[{\"id\":4}]\n";
    put(e, "first.jsonl", first_list, strlen(first_list));
    expect_items(e, "firstlist", "first.jsonl",
                 "{\"id\":1} ; {\"id\":2} ; {\"id\":3} ; {\"id\":4}");
    /* one JSON array over many lines */
    const char *arr = "[\n  {\"id\": 1},\n  {\"id\": 2}\n]\n";
    put(e, "arr.json", arr, strlen(arr));
    expect_items(e, "arr", "arr.json", "{\"id\":1} ; {\"id\":2}");
    /* pretty-printed objects one after another */
    const char *two = "{\n \"id\": 1\n}\n{\n \"id\": 2\n}\n";
    put(e, "two.json", two, strlen(two));
    expect_items(e, "twoobj", "two.json", "{\"id\":1} ; {\"id\":2}");
    /* a broken pretty-printed object is an error at its place */
    const char *bad = "{\n  \"id\": 1,\n  \"name\" \"a\"\n}\n";
    put(e, "bad.json", bad, strlen(bad));
    cdlt_error err;
    for (int v = 0; v < 2; v++) {
        assert_int_equal(run(e, v ? "bad_v" : "bad_p", "bad.json", v, &err), CDLT_PARSE);
        assert_non_null(strstr(err.message, "bad.json"));
        assert_int_equal(err.line, 3);
    }
    pt_env_free(e);
}

/* Paths src_files_open matched, joined by spaces, relative to base. */
static char *matched(const char *base, const char *pattern)
{
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    char *out = calloc(1, 4096);
    if (src_files_open(pattern, &f, &err) != CDLT_OK) {
        snprintf(out, 4096, "<%s>", cdlt_status_name(err.code));
        return out;
    }
    size_t bl = strlen(base);
    for (size_t i = 0; i < src_files_count(f); i++) {
        const char *p = src_files_path(f, i);
        if (strncmp(p, base, bl) == 0)
            p += bl + 1;
        strcat(out, i ? " " : "");
        strcat(out, p);
    }
    src_files_close(f);
    return out;
}

static void check_glob(const char *base, const char *rel, const char *want)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", base, rel);
    char *got = matched(base, p);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "pattern %s: want '%s' got '%s'\n", rel, want, got);
    assert_string_equal(got, want);
    free(got);
}

static void test_globs(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("in-glob");
    const char *files[] = {"sub/a.jsonl", "sub/x/b.jsonl", "sub/x/y/c.jsonl", "sub/.h/d.jsonl",
                           "sub/x/n.csv", "other/e.jsonl", "top.jsonl", "br[1].jsonl"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        put(e, files[i], "{\"id\":1}\n", 9);
    check_glob(e->dir, "sub/**/*.jsonl", "sub/a.jsonl sub/x/b.jsonl sub/x/y/c.jsonl");
    check_glob(e->dir, "**/*.jsonl",
               "br[1].jsonl other/e.jsonl sub/a.jsonl sub/x/b.jsonl sub/x/y/c.jsonl top.jsonl");
    check_glob(e->dir, "sub/**", "sub/a.jsonl sub/x/b.jsonl sub/x/n.csv sub/x/y/c.jsonl");
    check_glob(e->dir, "*/**/b.jsonl", "sub/x/b.jsonl");
    check_glob(e->dir, "sub/**/y/*.jsonl", "sub/x/y/c.jsonl");
    check_glob(e->dir, "sub/**/**/c.jsonl", "sub/x/y/c.jsonl"); /* listed once */
    check_glob(e->dir, "sub/*.jsonl", "sub/a.jsonl");            /* plain '*' does not recurse */
    check_glob(e->dir, "br[1].jsonl", "br[1].jsonl");            /* an existing name as written */
    check_glob(e->dir, "nothing/**/*.jsonl", "<CDLT_NOT_FOUND>");
    /* a whole pipeline over a '**' glob */
    cdlt_error err;
    assert_int_equal(run(e, "globrun", "sub/**/*.jsonl", true, &err), CDLT_OK);
    char db[1200];
    snprintf(db, sizeof db, "%s/globrun.duckdb", e->dir);
    assert_int_equal(pt_count(db, "ds", "items"), 3);
    /* '~' is the home folder */
    char *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", e->dir, 1);
    char *got = matched(e->dir, "~/sub/**/c.jsonl");
    assert_string_equal(got, "sub/x/y/c.jsonl");
    free(got);
    got = matched(e->dir, "~/top.jsonl");
    assert_string_equal(got, "top.jsonl");
    free(got);
    if (old) {
        setenv("HOME", old, 1);
        free(old);
    } else {
        unsetenv("HOME");
    }
    pt_env_free(e);
}

/* '~' in a definition file: the resource path and the duckdb file are in the home folder, not
 * under the definition's folder ("<dir>/~/..." matched nothing before). */
static void test_definition_home(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("in-defhome");
    put(e, "home/data/a.jsonl", "{\"id\":1}\n{\"id\":2}\n", 18);
    const char *def = "pipeline_name = \"tilde\"\ndestination = \"duckdb\"\n"
                      "dataset_name = \"ds\"\ncredentials = \"~/t.duckdb\"\n"
                      "pipelines_dir = \"~/pl\"\n"
                      "[[resources]]\nname = \"items\"\npath = \"~/data/*.jsonl\"\n";
    put(e, "def/p.toml", def, strlen(def));
    char home[1200], path[1200], want[1300];
    snprintf(home, sizeof home, "%s/home", e->dir);
    snprintf(path, sizeof path, "%s/def/p.toml", e->dir);
    snprintf(want, sizeof want, "%s/t.duckdb", home);
    char *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_definition *d = NULL;
    assert_int_equal(cdlt_definition_load(path, &d, &err), CDLT_OK);
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    cdlt_definition_options(d, &o);
    assert_string_equal(o.credentials, want);
    char pl[1300];
    snprintf(pl, sizeof pl, "%s/pl", home);
    assert_string_equal(o.pipelines_dir, pl);
    cdlt_source *s = NULL;
    assert_int_equal(cdlt_definition_source(d, &s, &err), CDLT_OK);
    cdlt_pipeline *p = pt_open_db(e, "tilde", want);
    cdlt_load_info *info = NULL;
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, &info, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run: %s\n", err.message);
    assert_int_equal(rc, CDLT_OK);
    cdlt_load_info_free(info);
    cdlt_pipeline_free(p);
    cdlt_source_free(s);
    cdlt_definition_free(d);
    assert_int_equal(pt_count(want, "ds", "items"), 2);
    if (old) {
        setenv("HOME", old, 1);
        free(old);
    } else {
        unsetenv("HOME");
    }
    pt_env_free(e);
}

/* Allocations made reading every item of `path` (arena reset per item, as extract does). */
static uint64_t read_allocs(const char *path, size_t *items)
{
    src_files *f = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    arena a;
    arena_init(&a, 64u << 10, 0);
    uint64_t before = cdlt_alloc_count();
    assert_int_equal(src_files_open(path, &f, &err), CDLT_OK);
    *items = 0;
    for (;;) {
        jv v;
        bool eof = false;
        const char *raw = NULL;
        size_t rawlen = 0;
        assert_int_equal(src_files_next_raw(f, &a, &v, &raw, &rawlen, &eof, &err), CDLT_OK);
        if (eof)
            break;
        (*items)++;
        arena_reset(&a);
    }
    src_files_close(f);
    uint64_t n = cdlt_alloc_count() - before;
    arena_free(&a);
    return n;
}

/* Decompressing reads make no allocation per line: the same few (raw buffer, codec state,
 * line buffer) for 10k and for 100k lines, gzip and zstd. */
static void test_compressed_allocs(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("in-allocs");
    size_t counts[2] = {10000, 100000};
    uint64_t got[2][2];
    for (int k = 0; k < 2; k++) {
        size_t n = counts[k];
        char *t = malloc(n * 64);
        size_t len = 0;
        for (size_t i = 0; i < n; i++)
            len += (size_t)sprintf(t + len, "{\"id\":%zu,\"v\":\"value %zu\"}\n", i, i * 7);
        char name[64], p[1200];
        snprintf(name, sizeof name, "n%zu.jsonl.gz", n);
        put_gzip(e, name, t, 1);
        snprintf(p, sizeof p, "%s/%s", e->dir, name);
        size_t items = 0;
        got[k][0] = read_allocs(p, &items);
        assert_int_equal(items, n);
        unsigned char *z = NULL;
        size_t zn = zstd_of(t, &z);
        snprintf(name, sizeof name, "n%zu.jsonl.zst", n);
        put(e, name, (const char *)z, zn);
        free(z);
        snprintf(p, sizeof p, "%s/%s", e->dir, name);
        got[k][1] = read_allocs(p, &items);
        assert_int_equal(items, n);
        free(t);
    }
    for (int c = 0; c < 2; c++) {
        fprintf(stderr, "%s: %llu allocations for %zu lines, %llu for %zu\n", c ? "zstd" : "gzip",
                (unsigned long long)got[0][c], counts[0], (unsigned long long)got[1][c], counts[1]);
        assert_true(got[1][c] <= got[0][c] + 2);
        assert_true(got[1][c] < 64);
    }
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compressed),
        cmocka_unit_test(test_compressed_big),
        cmocka_unit_test(test_compressed_allocs),
        cmocka_unit_test(test_json_shapes),
        cmocka_unit_test(test_globs),
        cmocka_unit_test(test_definition_home),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
