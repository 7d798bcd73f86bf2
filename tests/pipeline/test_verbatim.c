/* test_verbatim.c: extract's verbatim fast path for NDJSON file resources (files copied as
 * they are, parsed by normalize) against REAL DuckDB files: the path is taken (load info
 * "verbatim_files"), item counts with blank lines / CRLF / lists / no final newline, a glob
 * in input order, the same tables and the same error text as the parsing path
 * (EXTRACT__VERBATIM_FILES=false), a bad line discards the package and restores the pipeline's
 * state and schema files, resources the fast path must not take, the config.toml switch, small
 * inputs parsed between copies. Inputs here are tiny, so EXTRACT__VERBATIM_MIN_FILE_BYTES=0
 * (copy every size) except where a test says otherwise.
 * Runs three times: with the overlapped load (default), with LOAD__OVERLAP_NORMALIZE=false, and
 * with EXTRACT__VERBATIM_LINK=true (inputs hard-linked instead of copied: the opt-in). Issue 10
 * point 2 (a package owns its data): test_rewritten_input, test_link_record_resumed. */
#include "ptest.h"

#include <sys/stat.h>
#include <unistd.h>

typedef pt_env env; /* ptest.h (its db is unused: one database per pipeline name) */

static void put(env *e, const char *name, const char *text, size_t len)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", e->dir, name);
    assert_int_equal(tu_write_file(p, text, len), 0);
}

static void puts_file(env *e, const char *name, const char *text)
{
    put(e, name, text, strlen(text));
}

static void db_path(env *e, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.duckdb", e->dir, name);
}

/* Open pipeline `name` (database <dir>/<name>.duckdb, dataset ds) with the fast path on or off
 * (through the environment, as a user switches it). */
static cdlt_pipeline *open_p(env *e, const char *name, bool verbatim)
{
    char db[1200];
    db_path(e, name, db, sizeof db);
    if (verbatim)
        unsetenv("EXTRACT__VERBATIM_FILES");
    else
        setenv("EXTRACT__VERBATIM_FILES", "false", 1);
    cdlt_pipeline *p = pt_open_db(e, name, db);
    unsetenv("EXTRACT__VERBATIM_FILES");
    return p;
}

/* A source with one file resource "items" over <dir>/<pattern>. */
static cdlt_source *file_source(env *e, const char *pattern)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", e->dir, pattern);
    return pt_file_source(path);
}

/* The outcome of one run: status, error, the load info's counters. */
typedef struct outcome {
    cdlt_status rc;      /* run status */
    cdlt_error err;      /* its error */
    long long items;     /* "items" of the load info */
    long long verbatim;  /* "verbatim_files" of the load info */
} outcome;

static long long info_num(const char *json, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(json, k);
    return p ? atoll(p + strlen(k)) : -1;
}

static outcome run_source(cdlt_pipeline *p, cdlt_source *s)
{
    outcome o;
    memset(&o, 0, sizeof o);
    cdlt_error_clear(&o.err);
    cdlt_load_info *info = NULL;
    o.rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, &info, &o.err);
    char *text = NULL;
    assert_non_null(info);
    assert_int_equal(cdlt_load_info_to_string(info, true, &text), CDLT_OK);
    o.items = info_num(text, "items");
    o.verbatim = info_num(text, "verbatim_files");
    cdlt_string_free(text);
    cdlt_load_info_free(info);
    return o;
}

/* One run of a fresh pipeline `name` over pattern. */
static outcome run_fresh(env *e, const char *name, const char *pattern, bool verbatim)
{
    cdlt_pipeline *p = open_p(e, name, verbatim);
    cdlt_source *s = file_source(e, pattern);
    outcome o = run_source(p, s);
    size_t pending = 9;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 0); /* a bad input never leaves a package behind */
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return o;
}

/* ---- dataset dump: every table's columns (order, types) and rows without row ids ---- */

typedef struct text {
    char *s;    /* malloc'd */
    size_t len; /* bytes used */
} text;

static void tx_add(text *t, const char *s)
{
    size_t n = strlen(s);
    t->s = realloc(t->s, t->len + n + 1);
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

static void query_into(duckdb_connection c, const char *sql, text *t)
{
    duckdb_result r;
    if (duckdb_query(c, sql, &r) != DuckDBSuccess) {
        fprintf(stderr, "dump: %s: %s\n", sql, duckdb_result_error(&r));
        fail();
    }
    idx_t rows = duckdb_row_count(&r), cols = duckdb_column_count(&r);
    for (idx_t i = 0; i < rows; i++) {
        for (idx_t k = 0; k < cols; k++) {
            char *v = duckdb_value_is_null(&r, k, i) ? NULL : duckdb_value_varchar(&r, k, i);
            tx_add(t, k ? "|" : "");
            tx_add(t, v ? v : "<null>");
            duckdb_free(v);
        }
        tx_add(t, "\n");
    }
    duckdb_destroy_result(&r);
}

static bool is_row_id(const char *col)
{
    return strcmp(col, "_dlt_id") == 0 || strcmp(col, "_dlt_load_id") == 0 ||
           strcmp(col, "_dlt_parent_id") == 0 || strcmp(col, "_dlt_root_id") == 0;
}

/* Tables of dataset ds (system tables but the state: counted only), malloc'd text. */
static char *dump_dataset(const char *db)
{
    duckdb_database d;
    duckdb_connection c;
    assert_int_equal(duckdb_open(db, &d), DuckDBSuccess);
    assert_int_equal(duckdb_connect(d, &c), DuckDBSuccess);
    text t = {NULL, 0};
    tx_add(&t, "");
    duckdb_result tabs;
    assert_int_equal(duckdb_query(c, "SELECT table_name FROM information_schema.tables WHERE "
                                     "table_schema = 'ds' AND table_name NOT IN ('_dlt_loads', "
                                     "'_dlt_version') ORDER BY table_name",
                                  &tabs),
                     DuckDBSuccess);
    for (idx_t i = 0; i < duckdb_row_count(&tabs); i++) {
        char *tn = duckdb_value_varchar(&tabs, 0, i);
        char sql[4096];
        tx_add(&t, "## ");
        tx_add(&t, tn);
        tx_add(&t, "\n");
        snprintf(sql, sizeof sql, "SELECT column_name, data_type FROM information_schema.columns "
                                  "WHERE table_schema = 'ds' AND table_name = '%s' ORDER BY "
                                  "ordinal_position", tn);
        query_into(c, sql, &t);
        if (strcmp(tn, "_dlt_pipeline_state") == 0) {
            snprintf(sql, sizeof sql, "SELECT count(*) FROM ds.\"%s\"", tn);
            query_into(c, sql, &t);
            duckdb_free(tn);
            continue;
        }
        duckdb_result cols;
        snprintf(sql, sizeof sql, "SELECT column_name FROM information_schema.columns WHERE "
                                  "table_schema = 'ds' AND table_name = '%s' ORDER BY "
                                  "ordinal_position", tn);
        assert_int_equal(duckdb_query(c, sql, &cols), DuckDBSuccess);
        int n = snprintf(sql, sizeof sql, "SELECT ");
        bool any = false;
        for (idx_t k = 0; k < duckdb_row_count(&cols); k++) {
            char *cn = duckdb_value_varchar(&cols, 0, k);
            if (!is_row_id(cn)) {
                n += snprintf(sql + n, sizeof sql - (size_t)n, "%s\"%s\"", any ? ", " : "", cn);
                any = true;
            }
            duckdb_free(cn);
        }
        duckdb_destroy_result(&cols);
        snprintf(sql + n, sizeof sql - (size_t)n, "%s FROM ds.\"%s\" ORDER BY ALL",
                 any ? "" : "count(*)", tn);
        query_into(c, sql, &t);
        duckdb_free(tn);
    }
    duckdb_destroy_result(&tabs);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return t.s;
}

/* Both databases hold the same tables, columns and rows. */
static void assert_same_dataset(env *e, const char *a, const char *b)
{
    char da[1200], dbb[1200];
    db_path(e, a, da, sizeof da);
    db_path(e, b, dbb, sizeof dbb);
    char *x = dump_dataset(da), *y = dump_dataset(dbb);
    if (strcmp(x, y) != 0)
        fprintf(stderr, "--- %s (parsing extract)\n%s\n--- %s (verbatim)\n%s\n", a, x, b, y);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

static int64_t rows(env *e, const char *name, const char *table)
{
    char db[1200];
    db_path(e, name, db, sizeof db);
    return pt_count(db, "ds", table);
}

/* ---- tests ---- */

/* Blank and whitespace lines, CRLF, a list line (split into items), an empty list, nested
 * lists, scalars, null, big numbers, escapes, a line longer than the reader's 1 MiB chunk, a
 * last line without newline: the same tables and item count both ways. */
static void test_tricky_lines_same_tables(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-tricky");
    size_t big = (3u << 20) / 2;
    char *line = malloc(big + 64);
    strcpy(line, "{\"id\":9,\"long\":\"");
    memset(line + strlen(line), 'x', big);
    strcpy(line + 16 + big, "\"}\n");
    const char *head =
        "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\",\"y\"],\"nested\":{\"k\":1.5}}\r\n"
        "\n"
        "   \t  \n"
        "  {\"id\":2,\"name\":\"b\",\"tags\":[],\"extra\":null}   \r\n"
        "[{\"id\":3,\"name\":\"c\"},{\"id\":4,\"tags\":[\"z\"]}]\n"
        "[]\n"
        "[[{\"id\":5}],[{\"id\":6},{\"id\":7}]]\n"
        "42\n"
        "\"str\"\n"
        "null\n"
        "true\n"
        " [1, \"two\", 3.0, null] \r\n"
        "{\"id\":8,\"neg\":-9223372036854775808,\"d\":1e-7,\"e\":-0.0,"
        "\"s\":\"esc\\u00e9\\n\\\"q\\\"\",\"dup\":1,\"dup\":2}\n";
    size_t hl = strlen(head), ll = strlen(line);
    const char *tail = "{\"id\":10,\"name\":\"no newline\"}";
    char *all = malloc(hl + ll + strlen(tail) + 1);
    memcpy(all, head, hl);
    memcpy(all + hl, line, ll);
    strcpy(all + hl + ll, tail);
    put(e, "a.jsonl", all, strlen(all));
    free(all);
    free(line);
    outcome off = run_fresh(e, "parsed", "a.jsonl", false);
    outcome on = run_fresh(e, "verbatim", "a.jsonl", true);
    if (off.rc != CDLT_OK || on.rc != CDLT_OK)
        fprintf(stderr, "off: %s\non: %s\n", off.err.message, on.err.message);
    assert_int_equal(off.rc, CDLT_OK);
    assert_int_equal(on.rc, CDLT_OK);
    assert_int_equal(off.verbatim, 0);
    assert_int_equal(on.verbatim, 1); /* the fast path was taken */
    /* 1 + 1 + 2 (list) + 0 ([]) + 2 (nested lists) + 4 scalars + 4 (list of scalars) + 1 + 1 + 1 */
    assert_int_equal(off.items, 17);
    assert_int_equal(on.items, 17);
    assert_same_dataset(e, "parsed", "verbatim");
    assert_int_equal(rows(e, "verbatim", "_dlt_pipeline_state"), 1);
    pt_env_free(e);
}

/* A glob of several files (one job file each) is normalized in input order: the first file
 * decides column order and types exactly as one extracted file would; an empty file and a
 * blank-only file give no job and no items. */
static void test_glob_in_order(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-glob");
    char d[1200];
    snprintf(d, sizeof d, "%s/in", e->dir);
    mkdir(d, 0755);
    puts_file(e, "in/a.jsonl", "{\"id\":1,\"x\":1,\"first\":true}\n{\"id\":2,\"x\":2}\n");
    puts_file(e, "in/b.jsonl", "{\"id\":3,\"x\":\"three\",\"second\":[1,2]}\n\n");
    puts_file(e, "in/c.jsonl", "");
    puts_file(e, "in/d.jsonl", "\n \r\n\t\n");
    puts_file(e, "in/e.jsonl", "{\"x\":5.5,\"id\":\"five\"}\r\n{\"id\":6}");
    outcome off = run_fresh(e, "parsed", "in/*.jsonl", false);
    outcome on = run_fresh(e, "verbatim", "in/*.jsonl", true);
    assert_int_equal(off.rc, CDLT_OK);
    assert_int_equal(on.rc, CDLT_OK);
    assert_int_equal(on.verbatim, 3); /* a, b, e: the empty and blank files copy nothing */
    assert_int_equal(off.items, 5);
    assert_int_equal(on.items, 5);
    assert_same_dataset(e, "parsed", "verbatim");
    assert_int_equal(rows(e, "verbatim", "items"), 5);
    assert_int_equal(rows(e, "verbatim", "items__second"), 2);
    pt_env_free(e);
}

/* The pipeline's files before a run: state.json and the schema file (NULL when absent). */
static char *read_rel(env *e, const char *name, const char *rel)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s/%s", e->pdir, name, rel);
    return tu_read_file(p, NULL);
}

/* Bad input: the same error (text, file, line, column, byte) with and without the fast path;
 * the verbatim package is discarded (nothing pending) and the pipeline's state and schema
 * files are as before the run; the fixed input then loads once, with the state row. */
static void check_bad_input(const char *tag, const char *files[][2], size_t nfiles,
                            const char *pattern, cdlt_status code, const char *where)
{
    env *e = pt_env_new(tag);
    char d[1200];
    snprintf(d, sizeof d, "%s/in", e->dir);
    mkdir(d, 0755);
    for (size_t i = 0; i < nfiles; i++)
        puts_file(e, files[i][0], files[i][1]);
    outcome off = run_fresh(e, "parsed", pattern, false);
    /* the verbatim pipeline: make its working dir and state.json (opening creates nothing;
     * the first locked call does), then compare after the run */
    cdlt_pipeline *p = open_p(e, "verbatim", true);
    cdlt_error lerr;
    cdlt_error_clear(&lerr);
    assert_int_equal(cdlt_pipeline_drop_pending(p, &lerr), CDLT_OK);
    cdlt_pipeline_free(p);
    char *state0 = read_rel(e, "verbatim", "state.json");
    assert_non_null(state0);
    outcome on = run_fresh(e, "verbatim", pattern, true);
    assert_int_equal(off.rc, code);
    assert_int_equal(on.rc, code);
    assert_string_equal(off.err.message, on.err.message);
    assert_string_equal(off.err.file, on.err.file);
    assert_string_equal(off.err.resource, "items");
    assert_string_equal(on.err.resource, "items");
    assert_int_equal(off.err.line, on.err.line);
    assert_int_equal(off.err.column, on.err.column);
    assert_int_equal(off.err.offset, on.err.offset);
    assert_non_null(strstr(on.err.message, where));
    assert_non_null(strstr(on.err.message, "resource 'items': "));
    assert_non_null(strstr(on.err.message, "nothing of this run was loaded; fix the input and "
                                           "run again"));
    assert_null(strstr(on.err.message, "normalize of load package"));
    assert_int_equal(on.verbatim, 1 + (nfiles > 1)); /* the copies were made (and dropped) */
    /* discarded: nothing pending (run_fresh), nothing loaded, state and schema restored */
    assert_true(rows(e, "verbatim", "_dlt_loads") <= 0);
    assert_int_equal(rows(e, "verbatim", "items"), -1);
    char *state1 = read_rel(e, "verbatim", "state.json");
    char *schema1 = read_rel(e, "verbatim", "schemas/files.schema.json");
    assert_non_null(state1);
    assert_string_equal(state0, state1);
    assert_null(schema1);
    free(state0);
    free(state1);
    /* fix every file: both pipelines load the same, state row included */
    for (size_t i = 0; i < nfiles; i++)
        puts_file(e, files[i][0], "{\"id\":1,\"v\":[1,2]}\n\n{\"id\":2}\n");
    off = run_fresh(e, "parsed", pattern, false);
    on = run_fresh(e, "verbatim", pattern, true);
    assert_int_equal(off.rc, CDLT_OK);
    assert_int_equal(on.rc, CDLT_OK);
    assert_int_equal(on.items, (long long)(2 * nfiles));
    assert_same_dataset(e, "parsed", "verbatim");
    assert_int_equal(rows(e, "verbatim", "_dlt_pipeline_state"), 1);
    pt_env_free(e);
}

static void test_bad_line(void **st)
{
    (void)st;
    const char *files[][2] = {
        {"in/data.jsonl", "{\"id\":1}\n\n{\"id\":2,\"v\":[1,2]}\n{\"id\":3,\"v\":[1,2 x]}\n"}};
    check_bad_input("vb-bad", files, 1, "in/data.jsonl", CDLT_PARSE, "data.jsonl:4:");
}

static void test_bad_line_second_file(void **st)
{
    (void)st;
    const char *files[][2] = {{"in/a.jsonl", "{\"id\":1}\n{\"id\":2}\n"},
                              {"in/b.jsonl", "{\"id\":3}\r\n{\"id\": }\r\n"}};
    check_bad_input("vb-bad2", files, 2, "in/*.jsonl", CDLT_PARSE, "b.jsonl:2:");
}

static void test_bad_list_line(void **st)
{
    (void)st;
    const char *files[][2] = {{"in/data.jsonl", "{\"id\":1}\n[{\"id\":2},{\"id\":3}]\n"
                                                "[{\"id\":4},{\"id\":\n{\"id\":5}\n"}};
    check_bad_input("vb-badlist", files, 1, "in/data.jsonl", CDLT_PARSE, "data.jsonl:3:");
}

static void test_bad_utf8(void **st)
{
    (void)st;
    const char *files[][2] = {{"in/data.jsonl", "{\"id\":1}\n{\"id\":2,\"s\":\"a\xff" "b\"}\n"}};
    check_bad_input("vb-utf8", files, 1, "in/data.jsonl", CDLT_UTF8, "data.jsonl:2:");
}

static void test_too_deep(void **st)
{
    (void)st;
    static char deep[4096];
    int n = snprintf(deep, sizeof deep, "{\"id\":1}\n{\"a\":");
    for (int i = 0; i < 600; i++)
        deep[n++] = '[';
    for (int i = 0; i < 600; i++)
        deep[n++] = ']';
    snprintf(deep + n, sizeof deep - (size_t)n, "}\n");
    const char *files[][2] = {{"in/data.jsonl", deep}};
    check_bad_input("vb-deep", files, 1, "in/data.jsonl", CDLT_DEPTH, "data.jsonl:2:");
}

static cdlt_status keep_all(const char *item, size_t len, cdlt_text *out, void *ud)
{
    (void)item;
    (void)len;
    (void)out;
    (void)ud;
    return CDLT_OK;
}

static cdlt_status to_other(const char *item, size_t len, cdlt_text *out, void *ud)
{
    (void)item;
    (void)len;
    (void)ud;
    return cdlt_text_set(out, "other", 5);
}

static cdlt_status child(cdlt_emitter *em, const char *item, size_t len, void *ud)
{
    (void)ud;
    return cdlt_emit_json(em, item, len);
}

/* Resources the fast path must leave to the parsing extract (a step, a limit, a table name
 * function, a transformer child, a second resource writing the same table, a JSON-array
 * file) still load what they loaded before, and the fast path is not taken. */
static void test_not_taken(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-not");
    puts_file(e, "a.jsonl", "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
    puts_file(e, "arr.json", "\n [{\"id\":1},{\"id\":2}]");
    char path[1200];
    snprintf(path, sizeof path, "%s/a.jsonl", e->dir);
    for (int k = 0; k < 6; k++) {
        char name[32];
        snprintf(name, sizeof name, "not%d", k);
        cdlt_pipeline *p = open_p(e, name, true);
        cdlt_source *s = NULL;
        cdlt_resource *r = NULL;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(cdlt_source_open("files", &s), CDLT_OK);
        if (k == 5) {
            snprintf(path, sizeof path, "%s/arr.json", e->dir);
        }
        assert_int_equal(cdlt_file_resource_open("items", path, &r, &err), CDLT_OK);
        int64_t want = 3;
        if (k == 0)
            assert_int_equal(cdlt_resource_add_map(r, keep_all, NULL), CDLT_OK);
        if (k == 1) {
            cdlt_resource_add_limit(r, 2, 0);
            want = 2;
        }
        if (k == 2)
            assert_int_equal(cdlt_resource_set_table_name_fn(r, to_other, NULL), CDLT_OK);
        assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
        if (k == 3) {
            cdlt_resource *t = NULL;
            assert_int_equal(cdlt_transformer_open("kids", r, child, NULL, &t), CDLT_OK);
            assert_int_equal(cdlt_source_add(s, t), CDLT_OK);
        }
        if (k == 4) {
            cdlt_resource *r2 = NULL;
            assert_int_equal(cdlt_file_resource_open("more", path, &r2, &err), CDLT_OK);
            assert_int_equal(cdlt_resource_set_table_name(r2, "items"), CDLT_OK);
            assert_int_equal(cdlt_source_add(s, r2), CDLT_OK);
            want = 6;
        }
        if (k == 5)
            want = 2;
        outcome o = run_source(p, s);
        if (o.rc != CDLT_OK)
            fprintf(stderr, "[%d] %s\n", k, o.err.message);
        assert_int_equal(o.rc, CDLT_OK);
        assert_int_equal(o.verbatim, 0);
        cdlt_source_free(s);
        cdlt_pipeline_free(p);
        assert_int_equal(rows(e, name, k == 2 ? "other" : "items"), want);
        if (k == 3)
            assert_int_equal(rows(e, name, "kids"), 3);
    }
    pt_env_free(e);
}

/* [extract] verbatim_files = false in .dlt/config.toml switches the fast path off; the
 * default is on. */
static void test_config_switch(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-cfg");
    char big[1200];
    snprintf(big, sizeof big, "%s/big.jsonl", e->dir);
    char dlt[1200], cfg[1300];
    snprintf(dlt, sizeof dlt, "%s/.dlt", e->dir);
    mkdir(dlt, 0755);
    snprintf(cfg, sizeof cfg, "%s/config.toml", dlt);
    assert_int_equal(tu_write_file(cfg, "[extract]\nverbatim_files = false\n", 33), 0);
    puts_file(e, "a.jsonl", "{\"id\":1}\n{\"id\":2}\n");
    setenv("DLT_PROJECT_DIR", e->dir, 1);
    outcome off = run_fresh(e, "cfgoff", "a.jsonl", true);
    unsetenv("DLT_PROJECT_DIR");
    outcome on = run_fresh(e, "cfgon", "a.jsonl", true);
    assert_int_equal(off.rc, CDLT_OK);
    assert_int_equal(on.rc, CDLT_OK);
    assert_int_equal(off.verbatim, 0);
    assert_int_equal(on.verbatim, 1);
    assert_int_equal(off.items, 2);
    assert_int_equal(on.items, 2);
    /* the default size floor (1 MiB): a small file is parsed, a large one copied */
    unsetenv("EXTRACT__VERBATIM_MIN_FILE_BYTES");
    FILE *f = fopen(big, "w");
    for (int i = 0; i < 60000; i++)
        fprintf(f, "{\"id\":%d,\"pad\":\"%020d\"}\n", i, i);
    fclose(f);
    outcome small = run_fresh(e, "small", "a.jsonl", true);
    outcome large = run_fresh(e, "large", "big.jsonl", true);
    setenv("EXTRACT__VERBATIM_MIN_FILE_BYTES", "0", 1);
    assert_int_equal(small.rc, CDLT_OK);
    assert_int_equal(large.rc, CDLT_OK);
    assert_int_equal(small.verbatim, 0);
    assert_int_equal(large.verbatim, 1);
    assert_int_equal(large.items, 60000);
    assert_int_equal(rows(e, "large", "items"), 60000);
    pt_env_free(e);
}

/* Small inputs (below the size floor) are parsed, large ones copied, in one resource: the
 * tables are those of the parsing extract (input order kept across parsed and copied files),
 * and with bad lines in a copied and in a later parsed file, the copied file's (earlier)
 * error is reported, as the parsing extract would. */
static void test_mixed_small_and_large(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-mixed");
    char d[1200];
    snprintf(d, sizeof d, "%s/in", e->dir);
    mkdir(d, 0755);
    setenv("EXTRACT__VERBATIM_MIN_FILE_BYTES", "100", 1);
#define PAD ",\"pad\":\"........................................\""
    puts_file(e, "in/a.jsonl", "{\"id\":1,\"x\":1}\n");
    puts_file(e, "in/b.jsonl", "{\"id\":2,\"x\":\"two\"" PAD "}\n{\"id\":3,\"y\":[1,2]" PAD "}\n");
    puts_file(e, "in/c.json", "[{\"id\":4,\"x\":4.5,\"z\":true}]");
    puts_file(e, "in/d.jsonl", "{\"id\":5,\"x\":null,\"w\":1}\n");
    puts_file(e, "in/e.jsonl", "{\"id\":6,\"w\":\"six\"" PAD "}\n{\"id\":7,\"x\":\"7\"" PAD "}\n");
    outcome off = run_fresh(e, "parsed", "in/*", false);
    outcome on = run_fresh(e, "verbatim", "in/*", true);
    assert_int_equal(off.rc, CDLT_OK);
    assert_int_equal(on.rc, CDLT_OK);
    assert_int_equal(on.verbatim, 2); /* b and e */
    assert_int_equal(off.items, 7);
    assert_int_equal(on.items, 7);
    assert_same_dataset(e, "parsed", "verbatim");
    /* bad lines in b (copied) and d (parsed): b's is reported */
    puts_file(e, "in/b.jsonl", "{\"id\":2,\"x\":\"two\"" PAD "}\n{\"id\":3" PAD " ]\n");
    puts_file(e, "in/d.jsonl", "{\"id\":5,\"x\":nul}\n");
    off = run_fresh(e, "parsed2", "in/*", false);
    on = run_fresh(e, "verbatim2", "in/*", true);
    assert_int_equal(off.rc, CDLT_PARSE);
    assert_int_equal(on.rc, CDLT_PARSE);
    assert_non_null(strstr(on.err.message, "b.jsonl:2:"));
    assert_string_equal(off.err.message, on.err.message);
    assert_int_equal(off.err.offset, on.err.offset);
    /* only d bad: reported at extract (d is parsed), the same text */
    puts_file(e, "in/b.jsonl", "{\"id\":2" PAD "}\n{\"id\":3" PAD "}\n");
#undef PAD
    off = run_fresh(e, "parsed3", "in/*", false);
    on = run_fresh(e, "verbatim3", "in/*", true);
    assert_int_equal(on.rc, CDLT_PARSE);
    assert_non_null(strstr(on.err.message, "d.jsonl:1:"));
    assert_string_equal(off.err.message, on.err.message);
    setenv("EXTRACT__VERBATIM_MIN_FILE_BYTES", "0", 1);
    pt_env_free(e);
}

/* A package extracted with the fast path and left pending (extract only) is normalized from
 * its record by a later run, also with the fast path switched off; with a bad line, the later
 * run reports the input file and discards the package. */
static void test_pending_package(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-pending");
    puts_file(e, "a.jsonl", "{\"id\":1}\n{\"id\":2}\n");
    puts_file(e, "bad.jsonl", "{\"id\":1}\n{\"id\":2,}\n");
    for (int bad = 0; bad < 2; bad++) {
        const char *name = bad ? "pbad" : "pgood";
        cdlt_pipeline *p = open_p(e, name, true);
        cdlt_source *s = file_source(e, bad ? "bad.jsonl" : "a.jsonl");
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
        cdlt_pipeline_free(p);
        p = open_p(e, name, false);
        size_t pending = 0;
        assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
        assert_int_equal(pending, 1);
        cdlt_error_clear(&err);
        cdlt_status rc = cdlt_pipeline_run(p, NULL, CDLT_REFRESH_NONE, NULL, &err);
        assert_int_equal(rc, bad ? CDLT_PARSE : CDLT_OK);
        if (bad) {
            assert_non_null(strstr(err.message, "resource 'items': "));
            assert_non_null(strstr(err.message, "bad.jsonl:2:"));
            assert_int_equal(err.line, 2);
            assert_non_null(strstr(err.file, "bad.jsonl"));
            assert_non_null(strstr(err.message, "nothing of this run was loaded"));
        }
        assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
        assert_int_equal(pending, 0);
        cdlt_pipeline_free(p);
        assert_int_equal(rows(e, name, "items"), bad ? -1 : 2);
        cdlt_source_free(s);
    }
    pt_env_free(e);
}

/* Out of memory anywhere in a run with copies (extract, the record, normalize of the copies,
 * the discard of a bad one): an error, never a crash or a leak; resuming loads exactly once. */
static void test_alloc_failures(void **st)
{
    (void)st;
    for (int bad = 0; bad < 2; bad++) {
        env *e0 = pt_env_new("vb-alloc0");
        puts_file(e0, "a.jsonl", "{\"id\":1,\"v\":[1,2]}\n\n[{\"id\":2},{\"id\":3}]\r\n");
        puts_file(e0, "b.jsonl", bad ? "{\"id\":4}\n{\"id\":}\n" : "{\"id\":4}\n{\"id\":5}");
        cdlt_pipeline *p0 = open_p(e0, "ta", true);
        cdlt_source *s0 = file_source(e0, "*.jsonl");
        uint64_t before = cdlt_alloc_count();
        outcome o0 = run_source(p0, s0);
        uint64_t total = cdlt_alloc_count() - before;
        assert_int_equal(o0.rc, bad ? CDLT_PARSE : CDLT_OK);
        assert_int_equal(o0.verbatim, 2);
        cdlt_source_free(s0);
        cdlt_pipeline_free(p0);
        int checked = 0;
        for (uint64_t at = 1; at < total; at = at * 5 / 4 + 1) {
            env *e = pt_env_new("vb-alloc");
            puts_file(e, "a.jsonl", "{\"id\":1,\"v\":[1,2]}\n\n[{\"id\":2},{\"id\":3}]\r\n");
            puts_file(e, "b.jsonl", bad ? "{\"id\":4}\n{\"id\":}\n" : "{\"id\":4}\n{\"id\":5}");
            cdlt_pipeline *p = open_p(e, "ta", true);
            cdlt_source *s = file_source(e, "*.jsonl");
            cdlt_error err;
            cdlt_error_clear(&err);
            cdlt_alloc_fail_at(at, true);
            cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err);
            cdlt_alloc_fail_at(0, false);
            (void)rc;
            cdlt_pipeline_free(p);
            /* resume: pending work first, then a run that extracts when nothing was loaded
             * (a failure after COMMIT leaves a loaded package to move: pending, rows there) */
            for (int i = 0; i < 2; i++) {
                p = open_p(e, "ta", true);
                size_t left = 0;
                assert_int_equal(cdlt_pipeline_pending_count(p, &left, &err), CDLT_OK);
                if (left == 0 && rows(e, "ta", "_dlt_loads") > 0) {
                    cdlt_pipeline_free(p);
                    break;
                }
                outcome o = run_source(p, s);
                assert_int_equal(o.rc, bad ? CDLT_PARSE : CDLT_OK);
                cdlt_pipeline_free(p);
                if (bad)
                    break;
            }
            assert_int_equal(rows(e, "ta", "items"), bad ? -1 : 5);
            p = open_p(e, "ta", true);
            size_t pending = 9;
            assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
            assert_int_equal(pending, 0);
            cdlt_pipeline_free(p);
            cdlt_source_free(s);
            pt_env_free(e);
            checked++;
        }
        assert_true(checked > 5);
        pt_env_free(e0);
    }
}

/* Set EXTRACT__VERBATIM_LINK to v (NULL: unset, the default) and give back what it was
 * (malloc'd or NULL), so a test can switch it and restore its group's setting. */
static char *set_link(const char *v)
{
    const char *was = getenv("EXTRACT__VERBATIM_LINK");
    char *old = was ? strdup(was) : NULL;
    if (v)
        setenv("EXTRACT__VERBATIM_LINK", v, 1);
    else
        unsetenv("EXTRACT__VERBATIM_LINK");
    return old;
}

static void restore_link(char *old)
{
    if (old)
        setenv("EXTRACT__VERBATIM_LINK", old, 1);
    else
        unsetenv("EXTRACT__VERBATIM_LINK");
    free(old);
}

/* The hard link (opt-in: [extract] verbatim_link = true): the package's job file IS the input
 * (same inode) until normalize; an input appended to after extract loads as it was extracted;
 * one truncated after extract is reported (file named, package discarded, nothing loaded) and
 * the next run loads it as it is then; by default the job is a copy (the input keeps one
 * link). */
static void test_hard_link(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-link");
    puts_file(e, "a.jsonl", "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
    char in[1200];
    snprintf(in, sizeof in, "%s/a.jsonl", e->dir);
    struct stat sb;
    char sym[1200];
    snprintf(sym, sizeof sym, "%s/sym.jsonl", e->dir);
    assert_int_equal(symlink(in, sym), 0); /* mode 0 reads the input through a symlink */
    for (int mode = 0; mode < 3; mode++) { /* 0: appended, 1: truncated, 2: default (copy) */
        const char *name = mode == 0 ? "lgrow" : mode == 1 ? "lshrink" : "lcopy";
        puts_file(e, "a.jsonl", "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
        char *old = set_link(mode == 2 ? NULL : "true");
        cdlt_pipeline *p = open_p(e, name, true);
        restore_link(old);
        cdlt_source *s = file_source(e, mode == 0 ? "sym.jsonl" : "a.jsonl");
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
        assert_int_equal(stat(in, &sb), 0);
        /* the package holds a link to the file itself (also through the symlink) */
        assert_int_equal(sb.st_nlink, mode == 2 ? 1 : 2);
        if (mode == 0) { /* a log being appended to */
            FILE *f = fopen(in, "a");
            fputs("{\"id\":4}\n", f);
            fclose(f);
        } else if (mode == 1) { /* rotated by copytruncate */
            assert_int_equal(truncate(in, 9), 0);
        }
        cdlt_status rc = cdlt_pipeline_run(p, NULL, CDLT_REFRESH_NONE, NULL, &err);
        assert_int_equal(rc, mode == 1 ? CDLT_PARSE : CDLT_OK);
        if (mode == 1) {
            assert_non_null(strstr(err.message, "a.jsonl' changed after it was extracted"));
            assert_non_null(strstr(err.message, "now has 9 bytes, 27 were extracted"));
            assert_non_null(strstr(err.message, "nothing of it was loaded"));
        }
        size_t pending = 9;
        assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
        assert_int_equal(pending, 0);
        assert_int_equal(stat(in, &sb), 0);
        assert_int_equal(sb.st_nlink, 1); /* the package is gone, its link with it */
        assert_int_equal(rows(e, name, "items"), mode == 1 ? -1 : 3);
        if (mode == 1) { /* the next run takes the file as it is now */
            outcome o = run_source(p, s);
            assert_int_equal(o.rc, CDLT_OK);
            assert_int_equal(rows(e, name, "items"), 1);
        }
        cdlt_source_free(s);
        cdlt_pipeline_free(p);
    }
    pt_env_free(e);
}

/* sum(id) of the loaded items (-1: no table). */
static int64_t id_sum(env *e, const char *name)
{
    char db[1200];
    db_path(e, name, db, sizeof db);
    return pt_query_int(db, "SELECT coalesce(sum(id), 0) FROM ds.items");
}

/* The day-1 input (27 bytes, ids 1-3, sum 6) and its rewrites (sums 27, 30, 9). */
#define DAY1 "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n"
static const struct rewrite {
    const char *tag;  /* pipeline name */
    const char *text; /* new content */
    bool by_cp;       /* written with cp(1) over the input, else open(..., "w") */
    int rows;         /* its items */
    int sum;          /* their sum(id) */
} REWRITES[] = {
    {"same", "{\"id\":8}\n{\"id\":9}\n{\"id\":10}", false, 3, 27}, /* same length, 27 bytes */
    {"longer", "{\"id\":6}\n{\"id\":7}\n{\"id\":8}\n{\"id\":9}\n", false, 4, 30},
    {"shorter", "{\"id\":9}\n", false, 1, 9},
    {"cp", "{\"id\":8}\n{\"id\":9}\n{\"id\":10}", true, 3, 27},
};

/* Rewrite the input in place (same inode), as `>`, cp or open('w') do. */
static void rewrite_in_place(env *e, const struct rewrite *rw)
{
    char in[1200], next[1200], cmd[2600];
    snprintf(in, sizeof in, "%s/a.jsonl", e->dir);
    struct stat before, after;
    assert_int_equal(stat(in, &before), 0);
    if (rw->by_cp) {
        snprintf(next, sizeof next, "%s/next.data", e->dir);
        assert_int_equal(tu_write_file(next, rw->text, strlen(rw->text)), 0);
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", next, in);
        assert_int_equal(system(cmd), 0);
    } else {
        FILE *f = fopen(in, "w"); /* truncate + write, Python's open('w') */
        assert_non_null(f);
        fputs(rw->text, f);
        fclose(f);
    }
    assert_int_equal(stat(in, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino); /* in place, not a new file */
}

/* Issue 10 point 2: a package must own its data. Killed (left pending) after extract, the
 * input rewritten in place (same length, longer, shorter, by cp): by default the next run
 * loads exactly the extracted content (day 1), and the run after that the new one (day 2).
 * With the hard-link opt-in, the next run fails naming the file, loads nothing, leaves nothing
 * pending, and the run after that loads the new content once. (Old main hard-linked by
 * default: day 2 loaded as day 1, or the package discarded.) */
static void test_rewritten_input(void **st)
{
    (void)st;
    for (int link = 0; link < 2; link++) {
        for (size_t k = 0; k < sizeof REWRITES / sizeof REWRITES[0]; k++) {
            const struct rewrite *rw = &REWRITES[k];
            env *e = pt_env_new("vb-rewrite");
            puts_file(e, "a.jsonl", DAY1);
            char name[64];
            snprintf(name, sizeof name, "%s%s", link ? "l" : "c", rw->tag);
            char *old = set_link(link ? "true" : NULL);
            cdlt_pipeline *p = open_p(e, name, true);
            restore_link(old);
            cdlt_source *s = file_source(e, "a.jsonl");
            cdlt_error err;
            cdlt_error_clear(&err);
            assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
            cdlt_pipeline_free(p); /* as a killed run leaves it: one package pending */
            rewrite_in_place(e, rw);
            old = set_link(link ? "true" : NULL);
            p = open_p(e, name, true);
            restore_link(old);
            cdlt_error_clear(&err);
            cdlt_status rc = cdlt_pipeline_run(p, NULL, CDLT_REFRESH_NONE, NULL, &err);
            size_t pending = 9;
            if (!link) {
                if (rc != CDLT_OK)
                    fprintf(stderr, "[%s] %s\n", name, err.message);
                assert_int_equal(rc, CDLT_OK);
                assert_int_equal(rows(e, name, "items"), 3); /* day 1, exactly */
                assert_int_equal(id_sum(e, name), 6);
            } else {
                assert_int_equal(rc, CDLT_PARSE);
                assert_non_null(strstr(err.message, "a.jsonl' changed after it was extracted"));
                assert_non_null(strstr(err.message, "hard link"));
                assert_non_null(strstr(err.message, "verbatim_link"));
                assert_non_null(strstr(err.message, "nothing of it was loaded"));
                assert_non_null(strstr(err.file, "a.jsonl"));
                assert_int_equal(rows(e, name, "items"), -1); /* nothing loaded */
                assert_int_equal(rows(e, name, "_dlt_loads"), -1);
            }
            assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
            assert_int_equal(pending, 0);
            /* the next run extracts the file as it is now and loads it once */
            outcome o = run_source(p, s);
            assert_int_equal(o.rc, CDLT_OK);
            assert_int_equal(rows(e, name, "items"), (link ? 0 : 3) + rw->rows);
            assert_int_equal(id_sum(e, name), (link ? 0 : 6) + rw->sum);
            assert_int_equal(rows(e, name, "_dlt_pipeline_state"), 1);
            cdlt_source_free(s);
            cdlt_pipeline_free(p);
            pt_env_free(e);
        }
    }
}

/* The package's hash survives in its record: a package extracted with links is checked by a
 * later run (here: the opt-in switched off meanwhile); an input that only grew still loads as
 * extracted, one whose bytes changed is refused. */
static void test_link_record_resumed(void **st)
{
    (void)st;
    for (int grow = 0; grow < 2; grow++) {
        env *e = pt_env_new("vb-linkrec");
        puts_file(e, "a.jsonl", DAY1);
        const char *name = grow ? "rgrow" : "rswap";
        char *old = set_link("true");
        cdlt_pipeline *p = open_p(e, name, true);
        restore_link(old);
        cdlt_source *s = file_source(e, "a.jsonl");
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
        cdlt_pipeline_free(p);
        char mf[1400];
        snprintf(mf, sizeof mf, "cat %s/pipelines/%s/normalize/extracted/*/verbatim_files.json "
                                "| grep -q '\"xxh3\":\"[0-9a-f]\\{16\\}\"'", e->dir, name);
        assert_int_equal(system(mf), 0); /* the hash is in the package */
        char in[1200];
        snprintf(in, sizeof in, "%s/a.jsonl", e->dir);
        FILE *f = fopen(in, grow ? "a" : "r+");
        assert_non_null(f);
        fputs(grow ? "{\"id\":4}\n" : "{\"id\":7}", f); /* grown, or id 1 -> 7 in place */
        fclose(f);
        old = set_link("false");
        p = open_p(e, name, true);
        restore_link(old);
        cdlt_error_clear(&err);
        cdlt_status rc = cdlt_pipeline_run(p, NULL, CDLT_REFRESH_NONE, NULL, &err);
        assert_int_equal(rc, grow ? CDLT_OK : CDLT_PARSE);
        assert_int_equal(rows(e, name, "items"), grow ? 3 : -1);
        if (!grow)
            assert_non_null(strstr(err.message, "its first 27 bytes are not those extracted"));
        cdlt_source_free(s);
        cdlt_pipeline_free(p);
        pt_env_free(e);
    }
}

/* An input on another file system (/dev/shm, reached through a symlink) cannot be linked:
 * with the opt-in, extract copies it (the input keeps one link) and the run loads it. */
static void test_link_other_fs(void **st)
{
    (void)st;
    env *e = pt_env_new("vb-xdev");
    struct stat a, b;
    if (stat("/dev/shm", &b) != 0 || stat(e->dir, &a) != 0 || a.st_dev == b.st_dev) {
        pt_env_free(e);
        skip(); /* no second file system here */
    }
    char shm[256], sym[1200];
    snprintf(shm, sizeof shm, "/dev/shm/cdlt-xdev-%d.jsonl", (int)getpid());
    const char *data = "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n";
    assert_int_equal(tu_write_file(shm, data, strlen(data)), 0);
    snprintf(sym, sizeof sym, "%s/x.jsonl", e->dir);
    assert_int_equal(symlink(shm, sym), 0);
    char *old = set_link("true");
    cdlt_pipeline *p = open_p(e, "lxdev", true);
    restore_link(old);
    cdlt_source *s = file_source(e, "x.jsonl");
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
    assert_int_equal(stat(shm, &b), 0);
    assert_int_equal(b.st_nlink, 1); /* copied */
    assert_int_equal(cdlt_pipeline_run(p, NULL, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
    assert_int_equal(rows(e, "lxdev", "items"), 3);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    unlink(shm);
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tricky_lines_same_tables),
        cmocka_unit_test(test_glob_in_order),
        cmocka_unit_test(test_bad_line),
        cmocka_unit_test(test_bad_line_second_file),
        cmocka_unit_test(test_bad_list_line),
        cmocka_unit_test(test_bad_utf8),
        cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_not_taken),
        cmocka_unit_test(test_config_switch),
        cmocka_unit_test(test_mixed_small_and_large),
        cmocka_unit_test(test_pending_package),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_hard_link),
        cmocka_unit_test(test_rewritten_input),
        cmocka_unit_test(test_link_record_resumed),
        cmocka_unit_test(test_link_other_fs),
    };
    unsetenv("EXTRACT__VERBATIM_FILES");
    setenv("EXTRACT__VERBATIM_MIN_FILE_BYTES", "0", 1); /* the inputs here are tiny */
    unsetenv("LOAD__OVERLAP_NORMALIZE");
    int failed = cmocka_run_group_tests_name("overlap on", tests, NULL, NULL);
    setenv("LOAD__OVERLAP_NORMALIZE", "false", 1);
    failed += cmocka_run_group_tests_name("overlap off", tests, NULL, NULL);
    unsetenv("LOAD__OVERLAP_NORMALIZE");
    setenv("EXTRACT__VERBATIM_LINK", "true", 1); /* opt-in: inputs hard-linked, not copied */
    failed += cmocka_run_group_tests_name("hard links", tests, NULL, NULL);
    return failed;
}
