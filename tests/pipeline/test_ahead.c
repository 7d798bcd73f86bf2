/* test_ahead.c: normalize while extracting (src/pipeline/ahead.c). Every case runs the same
 * resources twice, with [normalize] overlap_extract on and off, and requires the same result:
 * the schema file byte for byte (tables in the same order, same columns, same version hash)
 * and the same rows in every table. Items files are rotated every few KB (test hook) so the
 * thread has work; a log sink shows whether its work was used or thrown away:
 * - used: nested tables made by the thread in another order than the phase's (a root that
 *   sorts later extracted first), columns appearing late, dynamic table names; also with the
 *   package cut into several transactions and loaded while normalizing;
 * - thrown away: a later resource changes hints of a table the thread already normalized;
 * - a failed extract leaves no normalized files behind, and the next run loads everything;
 * - a verbatim copy (an NDJSON file resource) is read while extract still copies it: used,
 *   same result; a broken last line gives the phase's error and discards the package. */
#include "ptest.h"

#include <stdatomic.h>

static atomic_int g_used, g_unused;

static void sink(cdlt_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)ud;
    if (getenv("AHEAD_DEBUG") && strstr(line, "ahead"))
        fprintf(stderr, "%s\n", line);
    if (strstr(line, "normalize ahead:") && strstr(line, "are used"))
        atomic_fetch_add(&g_used, 1);
    if (strstr(line, "normalize ahead:") && strstr(line, "not used"))
        atomic_fetch_add(&g_unused, 1);
}

typedef struct gen {
    int n;          /* items */
    int kind;       /* 0 users, 1 orders, 2 dynamic, 3 users with a typed column */
    int fail_after; /* > 0: the callback fails after this many items */
} gen;

static cdlt_status emit_items(cdlt_emitter *em, void *ud)
{
    const gen *g = ud;
    char item[512];
    for (int i = 0; i < g->n; i++) {
        if (g->fail_after && i == g->fail_after)
            return CDLT_SOURCE;
        int len;
        if (g->kind == 1)
            len = snprintf(item, sizeof item,
                           "{\"oid\":%d,\"items\":[{\"sku\":\"s%d\",\"q\":%d},{\"sku\":\"t\","
                           "\"q\":%d}]%s}",
                           i, i % 7, i % 5, i, i > g->n / 2 ? ",\"note\":\"late\"" : "");
        else if (g->kind == 2)
            len = snprintf(item, sizeof item, "{\"id\":%d,\"kind\":\"%s\",\"v\":[%d,%d]}", i,
                           i % 3 ? "zeta" : "alpha", i, -i);
        else
            len = snprintf(item, sizeof item,
                           "{\"id\":%d,\"name\":\"u%d\",\"tags\":[\"a%d\",\"b\"]%s%s}", i, i,
                           i % 9, i > g->n / 3 ? ",\"score\":1.5" : "",
                           i > 2 * g->n / 3 ? ",\"deep\":{\"k\":[{\"z\":1}]}" : "");
        cdlt_status rc = cdlt_emit_json(em, item, (size_t)len);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

static cdlt_status dyn_table(const char *item, size_t len, cdlt_text *out, void *ud)
{
    (void)ud;
    bool alpha = memmem(item, len, "alpha", 5) != NULL;
    return cdlt_text_set(out, alpha ? "aa_dyn" : "zz_dyn", 6);
}

typedef struct spec {
    int nusers, norders, ndyn;
    bool late_hint; /* a second resource writes "users" with a column hint */
    int fail_after;
} spec;

/* Run source s (taken over) in pipeline `name` with the thread on or off. */
static cdlt_status run_source(pt_env *e, const char *name, cdlt_source *s, bool ahead,
                              cdlt_error *err)
{
    setenv("NORMALIZE__OVERLAP_EXTRACT", ahead ? "true" : "false", 1);
    cdlt_pipeline *p = pt_open(e, name);
    cdlt_error_clear(err);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, err);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    unsetenv("NORMALIZE__OVERLAP_EXTRACT");
    return rc;
}

static cdlt_status run_once(pt_env *e, const char *name, const spec *sp, bool ahead,
                            cdlt_error *err)
{
    cdlt_source *s = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    gen gu = {sp->nusers, 0, sp->fail_after}, go = {sp->norders, 1, 0}, gd = {sp->ndyn, 2, 0},
        gl = {200, 3, 0};
    cdlt_resource *r = NULL;
    /* users first: its nested tables are made before orders' by the thread, after them by
     * the phase (orders' files sort first) */
    assert_int_equal(cdlt_resource_open("users", emit_items, &gu, &r), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    assert_int_equal(cdlt_resource_open("orders", emit_items, &go, &r), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    if (sp->ndyn) {
        assert_int_equal(cdlt_resource_open("dyn", emit_items, &gd, &r), CDLT_OK);
        assert_int_equal(cdlt_resource_set_table_name_fn(r, dyn_table, NULL), CDLT_OK);
        assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    }
    if (sp->late_hint) {
        assert_int_equal(cdlt_resource_open("users_more", emit_items, &gl, &r), CDLT_OK);
        assert_int_equal(cdlt_resource_set_table_name(r, "users"), CDLT_OK);
        assert_int_equal(cdlt_resource_add_column(r, "extra", "text", true), CDLT_OK);
        assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    }
    return run_source(e, name, s, ahead, err);
}

static char *schema_text(const pt_env *e, const char *name)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s/schemas/src.schema.json", e->pdir, name);
    char *t = tu_read_file(path, NULL);
    assert_non_null(t);
    return t;
}

/* Every table's rows without the random ids, as one text; nested rows with their parent. A
 * table that does not exist shows as "-". */
static char *content(const char *db)
{
    static const char *const SQL[] = {
        /* ties (the same id from two resources) ordered by the row text: deterministic */
        "SELECT string_agg(concat_ws(',', id, name, score), ';' ORDER BY id, "
        "concat_ws(',', id, name, score)) FROM ds.users",
        "SELECT string_agg(concat_ws(',', u.id, u.score, t.value, t._dlt_list_idx), ';' ORDER BY "
        "u.id, concat_ws(',', u.id, u.score, t.value, t._dlt_list_idx)) FROM ds.users__tags t "
        "JOIN ds.users u ON t._dlt_parent_id = u._dlt_id",
        "SELECT count(*) FROM ds.users__deep__k",
        "SELECT string_agg(concat_ws(',', oid, note), ';' ORDER BY oid) FROM ds.orders",
        "SELECT string_agg(concat_ws(',', o.oid, i.sku, i.q), ';' ORDER BY o.oid, "
        "i._dlt_list_idx) FROM ds.orders__items i JOIN ds.orders o ON i._dlt_parent_id = o._dlt_id",
        "SELECT string_agg(concat_ws(',', d.id, d.kind, v.value), ';' ORDER BY d.id, "
        "v._dlt_list_idx) FROM ds.aa_dyn__v v JOIN ds.aa_dyn d ON v._dlt_parent_id = d._dlt_id",
        "SELECT string_agg(concat_ws(',', d.id, d.kind, v.value), ';' ORDER BY d.id, "
        "v._dlt_list_idx) FROM ds.zz_dyn__v v JOIN ds.zz_dyn d ON v._dlt_parent_id = d._dlt_id",
        "SELECT string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, "
        "ordinal_position) FROM information_schema.columns WHERE table_schema = 'ds'",
    };
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    out[0] = 0;
    for (size_t i = 0; i < sizeof SQL / sizeof *SQL; i++) {
        char *t = pt_query_text(db, SQL[i]);
        const char *v = t ? t : "-";
        size_t n = strlen(v);
        while (len + n + 2 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + len, v, n);
        len += n;
        out[len++] = '|';
        out[len] = 0;
        free(t);
    }
    return out;
}

/* One way to run the pipeline `name` with the thread on or off. */
typedef cdlt_status (*run_fn)(pt_env *e, const char *name, const void *ud, bool ahead,
                              cdlt_error *err);

static cdlt_status run_spec(pt_env *e, const char *name, const void *ud, bool ahead,
                            cdlt_error *err)
{
    return run_once(e, name, ud, ahead, err);
}

/* Run with the thread on (database db[0]) and off (db[1]): whether its work was used as
 * expected, and the same schema file and rows either way. */
static void same_on_and_off(pt_env *e, run_fn run, const void *ud, bool expect_used,
                            char db[2][1100])
{
    int used[2], unused[2];
    cdlt_error err;
    for (int k = 0; k < 2; k++) {
        snprintf(db[k], sizeof db[k], "%s/%s.duckdb", e->dir, k ? "off" : "on");
        snprintf(e->db, sizeof e->db, "%s", db[k]);
        atomic_store(&g_used, 0);
        atomic_store(&g_unused, 0);
        cdlt_status rc = run(e, k ? "off" : "on", ud, k == 0, &err);
        if (rc != CDLT_OK)
            fail_msg("run with overlap %s: %s", k ? "off" : "on", err.message);
        used[k] = atomic_load(&g_used);
        unused[k] = atomic_load(&g_unused);
    }
    assert_int_equal(used[0], expect_used ? 1 : 0);
    assert_int_equal(unused[0], expect_used ? 0 : 1);
    assert_int_equal(used[1] + unused[1], 0); /* off: no thread at all */
    char *a = schema_text(e, "on"), *b = schema_text(e, "off");
    assert_string_equal(a, b);
    free(a);
    free(b);
    a = content(db[0]);
    b = content(db[1]);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void compare_runs(const spec *sp, bool expect_used)
{
    pt_env *e = pt_env_new("ahead");
    char db[2][1100];
    same_on_and_off(e, run_spec, sp, expect_used, db);
    pt_env_free(e);
}

static void test_used_same_result(void **st)
{
    (void)st;
    spec sp = {6000, 6000, 3000, false, 0};
    compare_runs(&sp, true);
}

static void test_changed_hints_not_used(void **st)
{
    (void)st;
    spec sp = {6000, 200, 0, true, 0};
    compare_runs(&sp, false);
}

/* chunked transactions and the loader started after adoption (files replayed with cuts) */
static void test_used_with_chunks(void **st)
{
    (void)st;
    setenv("CDLT_TEST_TRANSACTION_MAX_BYTES", "20000", 1);
    spec sp = {5000, 5000, 0, false, 0};
    compare_runs(&sp, true);
    unsetenv("CDLT_TEST_TRANSACTION_MAX_BYTES");
}

static void test_failed_extract_leaves_nothing(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("ahead_fail");
    spec sp = {6000, 100, 0, false, 4000};
    cdlt_error err;
    assert_int_not_equal(run_once(e, "p", &sp, true, &err), CDLT_OK);
    char dir[1400];
    snprintf(dir, sizeof dir, "%s/p/load/new", e->pdir);
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' 2>/dev/null)\"", dir);
    assert_int_equal(system(cmd), 0); /* no half-normalized package */
    sp.fail_after = 0;
    assert_int_equal(run_once(e, "p", &sp, true, &err), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "users"), 6000);
    assert_int_equal(pt_count(e->db, "ds", "users__tags"), 12000);
    pt_env_free(e);
}

/* ---- verbatim copies (an NDJSON file resource copied as it is) ---- */

/* rows NDJSON lines of ~600 bytes (past one 32 MiB copy step when rows > 56000), a column
 * that appears late, a nested list; bad_tail: a broken last line */
static void write_ndjson(const char *path, int rows, bool bad_tail)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char pad[501];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    for (int i = 0; i < rows; i++)
        fprintf(f, "{\"id\":%d,\"name\":\"u%d %s\",\"tags\":[\"a%d\",\"b\"]%s}\n", i, i, pad,
                i % 9, i > rows / 2 ? ",\"score\":1.5" : "");
    if (bad_tail)
        fputs("{\"id\": oops}\n", f);
    assert_int_equal(fclose(f), 0);
}

static cdlt_status run_file(pt_env *e, const char *name, const void *ud, bool ahead,
                            cdlt_error *err)
{
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("users", ud, &r, err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    return run_source(e, name, s, ahead, err);
}

/* The thread reads the copy while extract still writes it (the copy grows in 32 MiB steps):
 * its work is used and the result is the phase's own. */
static void test_copy_read_while_copied(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("ahead_copy");
    char path[1200], db[2][1100];
    snprintf(path, sizeof path, "%s/users.jsonl", e->dir);
    write_ndjson(path, 70000, false);
    same_on_and_off(e, run_file, path, true, db);
    assert_int_equal(pt_count(db[0], "ds", "users"), 70000);
    assert_int_equal(pt_count(db[0], "ds", "users__tags"), 140000);
    pt_env_free(e);
}

/* A broken last line of a big copy: the thread's work is dropped and the error is the one the
 * phase gives without the thread (the user's file and line), the package discarded. */
static void test_copy_bad_tail(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("ahead_copy_bad");
    char path[1200];
    snprintf(path, sizeof path, "%s/users.jsonl", e->dir);
    write_ndjson(path, 60000, true);
    cdlt_error err[2];
    for (int k = 0; k < 2; k++) {
        snprintf(e->db, sizeof e->db, "%s/%s.duckdb", e->dir, k ? "off" : "on");
        assert_int_not_equal(run_file(e, k ? "off" : "on", path, k == 0, &err[k]), CDLT_OK);
    }
    assert_string_equal(err[0].message, err[1].message);
    assert_non_null(strstr(err[0].message, "users.jsonl"));
    assert_int_equal(err[0].line, 60001);
    static const char *const DIRS[] = {"load/new", "normalize/extracted"};
    for (int k = 0; k < 2; k++) { /* nothing half-normalized, nothing pending */
        char cmd[1500];
        snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/on/%s' 2>/dev/null)\"", e->pdir,
                 DIRS[k]);
        assert_int_equal(system(cmd), 0);
    }
    pt_env_free(e);
}

int main(void)
{
    setenv("CDLT_TEST_EXTRACT_ROTATE_BYTES", "16384", 1);
    cdlt_log_set_level(CDLT_LOG_DEBUG);
    cdlt_log_set_sink(sink, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_used_same_result),
        cmocka_unit_test(test_changed_hints_not_used),
        cmocka_unit_test(test_used_with_chunks),
        cmocka_unit_test(test_failed_extract_leaves_nothing),
        cmocka_unit_test(test_copy_read_while_copied),
        cmocka_unit_test(test_copy_bad_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
