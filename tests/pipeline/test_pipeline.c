/* test_pipeline.c: the public pipeline API against REAL DuckDB files in temp dirs: nested data
 * -> tables + system tables, append/replace, transformers and steps, pending-package resume,
 * state and restore from the destination, refresh, bad input, allocation failures, replace
 * strategy insert-from-staging; the whole group runs twice: with the overlapped load (default)
 * and with LOAD__OVERLAP_NORMALIZE=false. */
#include "ptest.h"

#include <glob.h>
#include <pthread.h>

#include "destinations/destination.h"

#include <sys/stat.h>
#include <unistd.h>

typedef pt_env env; /* ptest.h */

/* users: n items with a nested object and a list (roles: 1 + id % 3 entries) */
typedef struct gen {
    int n;          /* items to emit */
    int start;      /* first id - 1; < 0 = continue from state "last_id" */
    bool use_state; /* keep last_id in resource state */
} gen;

static int roles_total(int from, int to)
{
    int s = 0;
    for (int i = from; i <= to; i++)
        s += 1 + i % 3;
    return s;
}

static cdlt_status users(cdlt_emitter *em, void *ud)
{
    gen *g = ud;
    int start = g->start;
    cdlt_state *st = cdlt_emitter_resource_state(em);
    if (g->use_state) {
        const char *v = NULL;
        start = cdlt_state_get(st, "last_id", &v) == CDLT_OK ? atoi(v) : 0;
    }
    char item[512];
    for (int id = start + 1; id <= start + g->n; id++) {
        int k = snprintf(item, sizeof item,
                         "{\"id\":%d,\"name\":\"u%d\",\"address\":{\"city\":\"c%d\"},\"roles\":[", id,
                         id, id % 5);
        for (int r = 0; r < 1 + id % 3; r++)
            k += snprintf(item + k, sizeof item - (size_t)k, "%s\"r%d\"", r ? "," : "", r);
        k += snprintf(item + k, sizeof item - (size_t)k, "]}");
        cdlt_status rc = cdlt_emit_json(em, item, (size_t)k);
        if (rc == CDLT_INTERRUPTED)
            break;
        if (rc != CDLT_OK)
            return rc;
    }
    if (g->use_state) {
        char v[32];
        snprintf(v, sizeof v, "%d", start + g->n);
        return cdlt_state_set(st, "last_id", v);
    }
    return CDLT_OK;
}

static cdlt_source *users_source(gen *g, cdlt_write_disposition wd)
{
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_resource_open("users", users, g, &r), CDLT_OK);
    assert_int_equal(cdlt_resource_set_write_disposition(r, wd), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    return s;
}

static cdlt_status run(cdlt_pipeline *p, cdlt_source *s, cdlt_refresh rf, cdlt_load_info **info)
{
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status rc = cdlt_pipeline_run(p, s, rf, info, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run: %s\n", err.message);
    return rc;
}

static void test_nested_and_system_tables(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-e2e");
    cdlt_pipeline *p = pt_open(e, "t1");
    gen g = {100, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    cdlt_load_info *info = NULL;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, &info), CDLT_OK);
    assert_int_equal(cdlt_load_info_status(info), CDLT_OK);
    assert_int_equal(cdlt_load_info_package_count(info), 1);
    assert_int_equal(cdlt_load_info_items(info), 100);
    char *text = NULL;
    assert_int_equal(cdlt_load_info_to_string(info, true, &text), CDLT_OK);
    assert_non_null(strstr(text, "\"users__roles\""));
    cdlt_string_free(text);
    cdlt_load_info_free(info);
    cdlt_pipeline_free(p);

    assert_int_equal(pt_count(e->db, "ds", "users"), 100);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 100));
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 1);
    assert_true(pt_count(e->db, "ds", "_dlt_version") >= 1);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_pipeline_state"), 1);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM ds.users u JOIN ds._dlt_loads l "
                                         "ON u._dlt_load_id = l.load_id"),
                     100);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM ds.users__roles r JOIN ds.users "
                                         "u ON r._dlt_parent_id = u._dlt_id"),
                     roles_total(1, 100));
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM ds.users WHERE address__city IS NULL"), 0);
    /* the state row decodes to the state document saved locally */
    char *enc = pt_query_text(e->db, "SELECT state FROM ds._dlt_pipeline_state");
    assert_non_null(enc);
    buf dec = BUF_INIT;
    assert_int_equal(dest_decompress_b64(enc, strlen(enc), &dec), CDLT_OK);
    assert_non_null(strstr(dec.data, "\"pipeline_name\":\"t1\""));
    assert_non_null(strstr(dec.data, "\"_state_engine_version\":4"));
    assert_null(strstr(dec.data, "_local"));
    char *vh = pt_query_text(e->db, "SELECT version_hash FROM ds._dlt_pipeline_state");
    assert_non_null(vh);
    assert_non_null(strstr(dec.data, vh));
    char path[1200];
    snprintf(path, sizeof path, "%s/t1/state.json", e->pdir);
    char *local = tu_read_file(path, NULL);
    assert_non_null(local);
    assert_non_null(strstr(local, vh));
    free(local);
    free(vh);
    free(enc);
    buf_free(&dec);
    /* layout */
    snprintf(path, sizeof path, "%s/t1/schemas/src.schema.json", e->pdir);
    assert_int_equal(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/t1/trace.json", e->pdir);
    assert_int_equal(access(path, R_OK), 0);

    /* second run appends; the unchanged state adds no state row */
    p = pt_open(e, "t1");
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 200);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), 2 * roles_total(1, 100));
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 2);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_pipeline_state"), 1);
    cdlt_source_free(s);
    pt_env_free(e);
}

static void test_replace(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-replace");
    cdlt_pipeline *p = pt_open(e, "t2");
    gen g = {50, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_REPLACE);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    g.n = 30;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 30);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 30));
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 2);
    /* a replace resource that yields nothing empties its tables */
    p = pt_open(e, "t2");
    g.n = 0;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 0);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), 0);
    cdlt_source_free(s);
    pt_env_free(e);
}

/* transformer: two detail items per parent item */
static cdlt_status details(cdlt_emitter *em, const char *item, size_t len, void *ud)
{
    (void)ud;
    const char *p = strstr(item, "\"id\":");
    assert_non_null(p);
    assert_true(p < item + len);
    int id = atoi(p + 5);
    char page[256];
    int n = snprintf(page, sizeof page, "[{\"user_id\":%d,\"k\":1},{\"user_id\":%d,\"k\":2}]", id, id);
    return cdlt_emit_json(em, page, (size_t)n);
}

static bool even_only(const char *item, size_t len, void *ud)
{
    (void)ud;
    (void)len;
    const char *p = strstr(item, "\"id\":");
    return p && atoi(p + 5) % 2 == 0;
}

static cdlt_status add_flag(const char *item, size_t len, cdlt_text *out, void *ud)
{
    (void)ud;
    char b[1024];
    int n = snprintf(b, sizeof b, "%.*s,\"flag\":true}", (int)(len - 1), item);
    return cdlt_text_set(out, b, (size_t)n);
}

static cdlt_status route(const char *item, size_t len, cdlt_text *out, void *ud)
{
    (void)ud;
    (void)len;
    const char *p = strstr(item, "\"k\":");
    return cdlt_text_set(out, p && atoi(p + 4) == 1 ? "Detail One" : "detail_two", 10);
}

static void test_transformer_and_steps(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-tx");
    cdlt_pipeline *p = pt_open(e, "t3");
    gen g = {40, 0, false};
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL, *t = NULL, *r2 = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_resource_open("users", users, &g, &r), CDLT_OK);
    assert_int_equal(cdlt_resource_add_filter(r, even_only, NULL), CDLT_OK);
    assert_int_equal(cdlt_resource_add_map(r, add_flag, NULL), CDLT_OK);
    assert_int_equal(cdlt_resource_with_name(r, "users_copy", &r2), CDLT_OK);
    cdlt_resource_add_limit(r2, 5, 0);
    cdlt_resource_set_selected(r, false); /* still runs: feeds the transformer */
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r2), CDLT_OK);
    assert_int_equal(cdlt_transformer_open("details", r, details, NULL, &t), CDLT_OK);
    assert_int_equal(cdlt_resource_set_table_name_fn(t, route, NULL), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, t), CDLT_OK);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), -1);          /* deselected */
    assert_int_equal(pt_count(e->db, "ds", "detail_one"), 20);     /* 20 even users */
    assert_int_equal(pt_count(e->db, "ds", "detail_two"), 20);
    /* the copy: limit 5 emits, of which the even ones pass the filter */
    assert_int_equal(pt_count(e->db, "ds", "users_copy"), 2);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM ds.users_copy WHERE flag"), 2);
    cdlt_source_free(s);
    pt_env_free(e);
}

static void test_pending_resume(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-pending");
    cdlt_pipeline *p = pt_open(e, "t4");
    gen g = {60, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
    size_t pending = 0;
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 1);
    /* the phases one by one: extract -> normalize -> (new process) load */
    {
        env *e2 = pt_env_new("pipe-phases");
        cdlt_pipeline *q = pt_open(e2, "tph");
        assert_int_equal(cdlt_pipeline_extract(q, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
        assert_int_equal(cdlt_pipeline_normalize(q, &err), CDLT_OK);
        char path[1200];
        snprintf(path, sizeof path, "%s/tph/normalize/extracted", e2->pdir);
        char *txt = NULL;
        assert_int_equal(cdlt_pipeline_package_text(q, NULL, &txt, &err), CDLT_OK);
        assert_non_null(strstr(txt, "normalized (pending load)"));
        cdlt_string_free(txt);
        cdlt_pipeline_free(q);
        assert_int_equal(pt_count(e2->db, "ds", "users"), -1);
        q = pt_open(e2, "tph");
        assert_int_equal(cdlt_pipeline_load(q, &err), CDLT_OK);
        assert_int_equal(cdlt_pipeline_pending_count(q, &pending, &err), CDLT_OK);
        assert_int_equal(pending, 0);
        assert_int_equal(cdlt_pipeline_package_text(q, NULL, &txt, &err), CDLT_OK);
        assert_non_null(strstr(txt, "status: loaded"));
        cdlt_string_free(txt);
        cdlt_pipeline_free(q);
        assert_int_equal(pt_count(e2->db, "ds", "users"), 60);
        pt_env_free(e2);
    }
    /* extract refuses while pending */
    assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_PENDING);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), -1);
    /* a new process: run finishes the pending package only */
    p = pt_open(e, "t4");
    cdlt_load_info *info = NULL;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, &info), CDLT_OK);
    assert_true(cdlt_load_info_pending_only(info));
    cdlt_load_info_free(info);
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 0);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 60);
    /* the next run extracts new data */
    p = pt_open(e, "t4");
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 120);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 2);
    cdlt_source_free(s);
    pt_env_free(e);
}

static void test_state_and_sync(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-state");
    cdlt_pipeline *p = pt_open(e, "t5");
    gen g = {10, 0, true};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 20);
    assert_int_equal(pt_query_int(e->db, "SELECT count(DISTINCT id) FROM ds.users"), 20);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_pipeline_state"), 2);
    /* lose the working dir: the next run restores state and schema from the destination */
    tu_rm_rf(e->pdir);
    p = pt_open(e, "t5");
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    char *info = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_info(p, false, &info, &err), CDLT_OK);
    assert_non_null(strstr(info, "last_id=30"));
    cdlt_string_free(info);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 30);
    assert_int_equal(pt_query_int(e->db, "SELECT max(id) FROM ds.users"), 30);
    assert_int_equal(pt_query_int(e->db, "SELECT count(DISTINCT id) FROM ds.users"), 30);
    /* explicit sync on a fresh working dir */
    tu_rm_rf(e->pdir);
    p = pt_open(e, "t5");
    assert_int_equal(cdlt_pipeline_sync(p, &err), CDLT_OK);
    assert_int_equal(cdlt_pipeline_info(p, false, &info, &err), CDLT_OK);
    assert_non_null(strstr(info, "last_id=30"));
    cdlt_string_free(info);
    cdlt_pipeline_free(p);
    /* the destination loses the dataset: the next run starts afresh (state row sent again) */
    unlink(e->db);
    p = pt_open(e, "t5");
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 10);
    assert_int_equal(pt_query_int(e->db, "SELECT max(id) FROM ds.users"), 10);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_pipeline_state"), 1);
    cdlt_source_free(s);
    pt_env_free(e);
}

static void test_refresh(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-refresh");
    cdlt_pipeline *p = pt_open(e, "t6");
    gen g = {10, 0, true};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 20);
    /* drop_data: tables truncated and resource state wiped: ids start again at 1 */
    p = pt_open(e, "t6");
    assert_int_equal(run(p, s, CDLT_REFRESH_DROP_DATA, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 10);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 10));
    assert_int_equal(pt_query_int(e->db, "SELECT max(id) FROM ds.users"), 10);
    /* drop_resources: tables dropped and recreated */
    p = pt_open(e, "t6");
    assert_int_equal(run(p, s, CDLT_REFRESH_DROP_RESOURCES, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 10);
    /* drop_sources: every table of the schema dropped, state wiped, loaded afresh */
    p = pt_open(e, "t6");
    assert_int_equal(run(p, s, CDLT_REFRESH_DROP_SOURCES, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 10);
    assert_int_equal(pt_query_int(e->db, "SELECT max(id) FROM ds.users"), 10);
    /* drop via the inspection API: tables gone */
    p = pt_open(e, "t6");
    cdlt_error err;
    cdlt_error_clear(&err);
    const char *names[] = {"users"};
    assert_int_equal(cdlt_pipeline_drop(p, names, 1, &err), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), -1);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), -1);
    cdlt_source_free(s);
    pt_env_free(e);
}

static void write_lines(const char *path, int n, int broken_line)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 1; i <= n; i++) {
        if (i == broken_line)
            fprintf(f, "{\"id\":%d,\"v\":oops}\n", i);
        else
            fprintf(f, "{\"id\":%d,\"v\":\"value %d\",\"list\":[%d,%d]}\n", i, i, i, i + 1);
    }
    fclose(f);
}

static void test_malformed_input(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-bad");
    char path[1200];
    snprintf(path, sizeof path, "%s/big.jsonl", e->dir);
    write_lines(path, 20000, 12345);
    cdlt_pipeline *p = pt_open(e, "t7");
    cdlt_source *s = pt_file_source(path);
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err);
    assert_int_not_equal(rc, CDLT_OK);
    assert_int_equal(err.line, 12345);
    assert_true(err.offset > 0);
    assert_non_null(strstr(err.message, "big.jsonl"));
    assert_non_null(strstr(err.message, "12345"));
    assert_non_null(strstr(err.message, "items"));
    size_t pending = 9;
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 0);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "items"), -1);
    assert_true(pt_count(e->db, "ds", "_dlt_loads") <= 0);
    /* fixed input: the next run loads everything once */
    write_lines(path, 20000, 0);
    p = pt_open(e, "t7");
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "items"), 20000);
    assert_int_equal(pt_count(e->db, "ds", "items__list"), 40000);
    cdlt_source_free(s);
    /* missing file and a folder: clear errors */
    p = pt_open(e, "t7");
    snprintf(path, sizeof path, "%s/nope/*.jsonl", e->dir);
    s = pt_file_source(path);
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "nope"));
    cdlt_source_free(s);
    s = pt_file_source(e->dir);
    cdlt_error_clear(&err);
    assert_int_not_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "folder"));
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    pt_env_free(e);
}


static void exec_sql(const char *db, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    duckdb_result r;
    assert_int_equal(duckdb_open(db, &d), DuckDBSuccess);
    assert_int_equal(duckdb_connect(d, &c), DuckDBSuccess);
    duckdb_state q = duckdb_query(c, sql, &r);
    if (q != DuckDBSuccess)
        fprintf(stderr, "sql: %s\n", duckdb_result_error(&r));
    assert_int_equal(q, DuckDBSuccess);
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
}

/* A job the destination rejects: the whole package rolls back, the job is kept in
 * failed_jobs with its message, and the next run (after the cause is fixed) loads it once. */
static void test_load_failure_retry(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-loadfail");
    exec_sql(e->db, "CREATE SCHEMA ds; CREATE TABLE ds.users (id BIGINT CHECK (id < 0))");
    cdlt_pipeline *p = pt_open(e, "t8");
    gen g = {20, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_not_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "load/normalized"));
    size_t pending = 0;
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 1);
    char *text = NULL;
    assert_int_equal(cdlt_pipeline_failed_jobs_text(p, &text, &err), CDLT_OK);
    assert_non_null(strstr(text, "users."));
    cdlt_string_free(text);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 0);
    assert_true(pt_count(e->db, "ds", "_dlt_loads") <= 0);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), -1); /* rolled back */
    /* fix the cause; the next run finishes the pending package exactly once */
    exec_sql(e->db, "DROP TABLE ds.users");
    p = pt_open(e, "t8");
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 20);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 20));
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 1);
    cdlt_source_free(s);
    pt_env_free(e);
}

/* Several files of a table in one load_files statement, one of them damaged: only that job
 * goes to failed_jobs (the error names it), the table's other jobs go back to new_jobs, and
 * nothing is committed. */
static void test_damaged_file_among_many(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-damaged");
    cdlt_pipeline *p = pt_open_rotating(e, "tdmg", 1); /* a new load file every 1024 rows */
    cdlt_error err;
    cdlt_error_clear(&err);
    gen g = {5000, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    assert_int_equal(cdlt_pipeline_extract(p, s, CDLT_REFRESH_NONE, &err), CDLT_OK);
    assert_int_equal(cdlt_pipeline_normalize(p, &err), CDLT_OK);
    char pat[1400];
    snprintf(pat, sizeof pat, "%s/tdmg/load/normalized/*/new_jobs/users.*", e->pdir);
    glob_t gl;
    assert_int_equal(glob(pat, 0, NULL, &gl), 0);
    assert_true(gl.gl_pathc >= 4);
    size_t nfiles = gl.gl_pathc;
    const char *bad = gl.gl_pathv[1];
    struct stat sb;
    assert_int_equal(stat(bad, &sb), 0);
    assert_int_equal(truncate(bad, sb.st_size / 2), 0);
    const char *base = strrchr(bad, '/') + 1;
    char job[256];
    snprintf(job, sizeof job, "%s", base);
    globfree(&gl);
    assert_int_not_equal(cdlt_pipeline_load(p, &err), CDLT_OK);
    assert_non_null(strstr(err.message, job));
    assert_non_null(strstr(err.message, "damaged"));
    char *text = NULL;
    assert_int_equal(cdlt_pipeline_failed_jobs_text(p, &text, &err), CDLT_OK);
    assert_non_null(strstr(text, job));
    int listed = 0;
    for (const char *q = text; (q = strstr(q, "users.")) != NULL; q++)
        listed++;
    cdlt_string_free(text);
    assert_true(listed >= 1 && listed <= 2); /* the job (and its name inside the message) */
    snprintf(pat, sizeof pat, "%s/tdmg/load/normalized/*/new_jobs/users.*", e->pdir);
    assert_int_equal(glob(pat, 0, NULL, &gl), 0);
    assert_int_equal(gl.gl_pathc, nfiles - 1);
    globfree(&gl);
    assert_true(pt_count(e->db, "ds", "users") <= 0);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    pt_env_free(e);
}

static cdlt_status open_with(env *e, const char *name, const char *dest_opts, cdlt_pipeline **p,
                             cdlt_error *err)
{
    cdlt_pipeline_options o;
    pt_options(e, name, e->db, &o);
    o.destination_options = dest_opts;
    cdlt_error_clear(err);
    return cdlt_pipeline_open(&o, p, err);
}

/* users without the roles list: the nested table gets no rows */
static cdlt_status plain_users(cdlt_emitter *em, void *ud)
{
    int n = *(int *)ud;
    char item[128];
    for (int id = 1; id <= n; id++) {
        int k = snprintf(item, sizeof item, "{\"id\":%d,\"name\":\"p%d\"}", id, id);
        cdlt_status rc = cdlt_emit_json(em, item, (size_t)k);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

/* replace_strategy = insert-from-staging (core.md §5.2): rows go through ds_staging and each
 * run holds exactly its own rows; a failure in the middle keeps the previous data and the
 * next run completes; a nested table without rows is emptied; bad values are refused. */
static void test_replace_insert_from_staging(void **st)
{
    (void)st;
    static const char OPTS[] = "{\"replace_strategy\":\"insert-from-staging\"}";
    env *e = pt_env_new("pipe-staging");
    cdlt_pipeline *p = NULL;
    cdlt_error err;
    /* configuration: unknown values name the key and the allowed values */
    assert_int_equal(open_with(e, "ts", "{\"replace_strategy\":\"fast\"}", &p, &err),
                     CDLT_CONFIG);
    assert_non_null(strstr(err.message, "replace_strategy"));
    assert_non_null(strstr(err.message, "fast"));
    assert_non_null(strstr(err.message, "insert-from-staging"));
    assert_non_null(strstr(err.message, "truncate-and-insert"));
    setenv("DESTINATION__REPLACE_STRATEGY", "staging-optimized", 1);
    assert_int_equal(open_with(e, "ts", NULL, &p, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "DESTINATION__REPLACE_STRATEGY"));
    /* the destination-specific variable wins over the general one */
    setenv("DESTINATION__DUCKDB__REPLACE_STRATEGY", "insert-from-staging", 1);
    assert_int_equal(open_with(e, "ts", NULL, &p, &err), CDLT_OK);
    cdlt_pipeline_free(p);
    unsetenv("DESTINATION__REPLACE_STRATEGY");
    unsetenv("DESTINATION__DUCKDB__REPLACE_STRATEGY");

    assert_int_equal(open_with(e, "ts", OPTS, &p, &err), CDLT_OK);
    gen g = {50, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_REPLACE);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    g.n = 30;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 30);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 30));
    assert_int_equal(pt_query_int(e->db, "SELECT count(DISTINCT _dlt_load_id) FROM ds.users"), 1);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 2);
    assert_int_equal(pt_count(e->db, "ds_staging", "users"), 30);
    assert_true(pt_count(e->db, "ds_staging", "_dlt_version") >= 1);
    assert_int_equal(pt_count(e->db, "ds_staging", "_dlt_loads"), -1);

    /* a load error in the middle (a staging table that refuses the nested rows): the
     * package rolls back, the final tables keep the previous run */
    exec_sql(e->db, "DROP TABLE ds_staging.users__roles; "
                    "CREATE TABLE ds_staging.users__roles (value BIGINT)");
    assert_int_equal(open_with(e, "ts", OPTS, &p, &err), CDLT_OK);
    g.n = 10;
    cdlt_error_clear(&err);
    assert_int_not_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "staging"));
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 30);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 30));
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 2);
    /* fix the cause: the next run completes the pending package */
    exec_sql(e->db, "DROP TABLE ds_staging.users__roles");
    assert_int_equal(open_with(e, "ts", OPTS, &p, &err), CDLT_OK);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 10);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 10));
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 3);
    cdlt_source_free(s);

    /* the same resource without lists: the nested table is emptied */
    int n = 5;
    cdlt_source *s2 = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s2), CDLT_OK);
    assert_int_equal(cdlt_resource_open("users", plain_users, &n, &r), CDLT_OK);
    assert_int_equal(cdlt_resource_set_write_disposition(r, CDLT_WD_REPLACE), CDLT_OK);
    assert_int_equal(cdlt_source_add(s2, r), CDLT_OK);
    assert_int_equal(open_with(e, "ts", OPTS, &p, &err), CDLT_OK);
    assert_int_equal(run(p, s2, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "users"), 5);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), 0);
    assert_int_equal(pt_count(e->db, "ds_staging", "users__roles"), 0);
    /* and a run that yields nothing empties the root too */
    n = 0;
    assert_int_equal(run(p, s2, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 0);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 5);
    cdlt_source_free(s2);
    pt_env_free(e);
}

/* Two users of one working dir: the second is refused while the first holds it. */
static void test_lock(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-lock");
    cdlt_pipeline *p1 = pt_open(e, "tl");
    cdlt_pipeline *p2 = pt_open(e, "tl");
    gen g = {3, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    assert_int_equal(run(p1, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_run(p2, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_EXISTS);
    assert_non_null(strstr(err.message, "in use by another process"));
    cdlt_pipeline_free(p1);
    assert_int_equal(run(p2, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p2);
    assert_int_equal(pt_count(e->db, "ds", "users"), 6);
    cdlt_source_free(s);
    pt_env_free(e);
}


/* The jv-free row builder: nested object and list, every scalar kind. */
static cdlt_status built_rows(cdlt_emitter *em, void *ud)
{
    (void)ud;
    for (int i = 1; i <= 25; i++) {
        cdlt_emit_begin(em);
        cdlt_emit_int(em, "id", i);
        cdlt_emit_str(em, "name", "it's \"q\"", 8);
        cdlt_emit_double(em, "score", i / 4.0);
        cdlt_emit_bool(em, "ok", i % 2 == 0);
        cdlt_emit_null(em, "nothing");
        cdlt_emit_object_begin(em, "geo");
        cdlt_emit_double(em, "lat", 52.5);
        cdlt_emit_object_end(em);
        cdlt_emit_array_begin(em, "tags");
        for (int k = 0; k < i % 3; k++)
            cdlt_emit_str(em, NULL, "t", 1);
        cdlt_emit_array_end(em);
        cdlt_status rc = cdlt_emit_end(em);
        if (rc != CDLT_OK)
            return rc;
    }
    /* unbalanced: refused, nothing emitted */
    cdlt_emit_begin(em);
    cdlt_emit_object_begin(em, "x");
    assert_int_equal(cdlt_emit_end(em), CDLT_INVALID_ARG);
    return CDLT_OK;
}

static void test_row_builder(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-rows");
    cdlt_pipeline *p = pt_open(e, "tr");
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_resource_open("built", built_rows, NULL, &r), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "built"), 25);
    assert_int_equal(pt_count(e->db, "ds", "built__tags"), 25); /* 9*1 + 8*2 */
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM ds.built WHERE ok"), 12);
    assert_int_equal(pt_query_int(e->db, "SELECT sum(id) FROM ds.built WHERE geo__lat = 52.5"), 325);
    char *name = pt_query_text(e->db, "SELECT name FROM ds.built LIMIT 1");
    assert_non_null(name);
    assert_string_equal(name, "it's \"q\"");
    free(name);
    cdlt_source_free(s);
    pt_env_free(e);
}


/* Load files rotate by size: many files per table, every row loaded once. */
static void test_file_rotation(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-rotate");
    cdlt_pipeline *p = pt_open_rotating(e, "trot", 1024);
    gen g = {5000, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    cdlt_load_info *info = NULL;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, &info), CDLT_OK);
    assert_true(cdlt_load_info_files(info) >= 6);
    cdlt_load_info_free(info);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "ds", "users"), 5000);
    assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 5000));
    cdlt_source_free(s);
    pt_env_free(e);
}

/* ---- overlapped load (load files while normalize runs; on by default) ---- */

static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_overlapped, g_gave_up; /* log lines seen: package loaded overlapped / handed back */
static int g_all_threads;           /* log lines seen: the overlapped tail took every thread */
static int g_tail_multi;            /* tail log lines with several files in one load */

static void count_sink(cdlt_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)ud;
    pthread_mutex_lock(&g_log_mu); /* the loader thread logs too */
    if (strstr(line, "overlapped with normalize"))
        g_overlapped++;
    if (strstr(line, "overlapped load") && strstr(line, "stops"))
        g_gave_up++;
    if (strstr(line, "load on all load threads"))
        g_all_threads++;
    const char *t = strstr(line, "tail: ");
    if (t && atoi(t + 6) > 1)
        g_tail_multi++; /* several files of a table in one load_files call */
    pthread_mutex_unlock(&g_log_mu);
}

static bool overlap_on(void)
{
    const char *v = getenv("LOAD__OVERLAP_NORMALIZE");
    return !v || strcmp(v, "false") != 0;
}

/* items {"id":i,"tags":[..]} and, from id 1500 on, a new column "late" (ALTER while loading) */
static cdlt_status late_items(cdlt_emitter *em, void *ud)
{
    int n = *(int *)ud;
    char item[256];
    for (int id = 1; id <= n; id++) {
        int k = id < 1500 ? snprintf(item, sizeof item, "{\"id\":%d,\"tags\":[\"a\",\"b\"]}", id)
                          : snprintf(item, sizeof item,
                                     "{\"id\":%d,\"tags\":[\"a\",\"b\"],\"late\":\"x%d\"}", id, id);
        cdlt_status rc = cdlt_emit_json(em, item, (size_t)k);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

/* Many small files (queue full, the normalizer waits), a column added mid-package, replace
 * truncating root and nested tables before their first file, and a replace run that yields
 * nothing: the same rows as the sequential load, and (overlap on) loaded by the overlap. */
static void test_overlap_replace_rotated(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-overlap");
    cdlt_pipeline *p = pt_open_rotating(e, "tov", 1024);
    int n = 100000; /* ~100 files per table (rotation is checked every 1024 rows) */
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_resource_open("items", late_items, &n, &r), CDLT_OK);
    assert_int_equal(cdlt_resource_set_write_disposition(r, CDLT_WD_REPLACE), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_log_level lvl = cdlt_log_get_level();
    cdlt_log_set_level(CDLT_LOG_INFO);
    cdlt_log_set_sink(count_sink, NULL);
    g_overlapped = g_gave_up = 0;
    cdlt_load_info *info = NULL;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, &info), CDLT_OK);
    assert_true(cdlt_load_info_files(info) >= 100);
    cdlt_load_info_free(info);
    assert_int_equal(pt_count(e->db, "ds", "items"), 100000);
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 200000);
    assert_int_equal(pt_query_int(e->db, "SELECT count(late) FROM ds.items"), 98501);
    n = 700;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 700);
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 1400);
    assert_int_equal(pt_query_int(e->db, "SELECT count(late) FROM ds.items"), 0);
    n = 0;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 0);
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 0);
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 3);
    cdlt_log_set_sink(NULL, NULL);
    cdlt_log_set_level(lvl);
    assert_int_equal(g_gave_up, 0);
    assert_int_equal(g_overlapped, overlap_on() ? 3 : 0);
    cdlt_pipeline_free(p);
    cdlt_source_free(s);
    pt_env_free(e);
}

/* load_threads = 2: the overlapped loader runs on one DuckDB thread while normalize runs, then
 * on both for the files left (set_threads); same rows as ever, all loaded by the overlap.
 * CDLT_TEST_OVL_HOLD keeps every file for the tail, which loads each table's files in one
 * load_files call (the log says how many), whatever the machine's timing. */
static void test_overlap_two_threads(void **st)
{
    (void)st;
    env *e = pt_env_new("pipe-ovl2");
    setenv("DESTINATION__DUCKDB__LOAD_THREADS", "2", 1);
    setenv("CDLT_TEST_OVL_HOLD", "1", 1); /* every file is left for the tail */
    cdlt_pipeline *p = pt_open_rotating(e, "tov2", 64 * 1024);
    int n = 60000;
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_resource_open("items", late_items, &n, &r), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_log_level lvl = cdlt_log_get_level();
    cdlt_log_set_level(CDLT_LOG_DEBUG);
    cdlt_log_set_sink(count_sink, NULL);
    g_overlapped = g_gave_up = g_all_threads = g_tail_multi = 0;
    cdlt_load_info *info = NULL;
    assert_int_equal(run(p, s, CDLT_REFRESH_NONE, &info), CDLT_OK);
    char *text = NULL;
    assert_int_equal(cdlt_load_info_to_string(info, true, &text), CDLT_OK);
    assert_non_null(strstr(text, overlap_on() ? "\"overlapped_packages\":1"
                                              : "\"overlapped_packages\":0"));
    cdlt_string_free(text);
    cdlt_load_info_free(info);
    cdlt_log_set_sink(NULL, NULL);
    cdlt_log_set_level(lvl);
    unsetenv("DESTINATION__DUCKDB__LOAD_THREADS");
    unsetenv("CDLT_TEST_OVL_HOLD");
    assert_int_equal(pt_count(e->db, "ds", "items"), 60000);
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 120000);
    assert_int_equal(pt_query_int(e->db, "SELECT count(DISTINCT id) FROM ds.items"), 60000);
    assert_int_equal(pt_query_int(e->db, "SELECT count(late) FROM ds.items"), 58501);
    assert_int_equal(g_gave_up, 0);
    assert_int_equal(g_overlapped, overlap_on() ? 1 : 0);
    assert_int_equal(g_all_threads, overlap_on() ? 1 : 0);
    if (overlap_on())
        assert_true(g_tail_multi >= 1); /* the files left went per table, several at once */
    cdlt_pipeline_free(p);
    cdlt_source_free(s);
    pt_env_free(e);
}

/* Allocation failure at many points of a run: each failure is an error (never a crash), and
 * one clean run afterwards leaves exactly the expected rows. */
static void test_alloc_failures(void **st)
{
    (void)st;
    env *e0 = pt_env_new("pipe-alloc0");
    cdlt_pipeline *p0 = pt_open(e0, "ta");
    gen g = {30, 0, false};
    cdlt_source *s = users_source(&g, CDLT_WD_APPEND);
    uint64_t before = cdlt_alloc_count();
    assert_int_equal(run(p0, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
    uint64_t total = cdlt_alloc_count() - before;
    cdlt_pipeline_free(p0);
    pt_env_free(e0);
    int checked = 0;
    for (uint64_t at = 1; at < total; at = at * 3 / 2 + 1) {
        env *e = pt_env_new("pipe-alloc");
        cdlt_pipeline *p = pt_open(e, "ta");
        cdlt_error err;
        cdlt_error_clear(&err);
        cdlt_alloc_fail_at(at, true);
        cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err);
        cdlt_alloc_fail_at(0, false);
        cdlt_pipeline_free(p);
        /* resume: at most one run for pending work, then one for new data if none was loaded */
        for (int i = 0; i < 2 && pt_count(e->db, "ds", "users") <= 0; i++) {
            p = pt_open(e, "ta");
            assert_int_equal(run(p, s, CDLT_REFRESH_NONE, NULL), CDLT_OK);
            cdlt_pipeline_free(p);
        }
        (void)rc;
        assert_int_equal(pt_count(e->db, "ds", "users"), 30);
        assert_int_equal(pt_count(e->db, "ds", "users__roles"), roles_total(1, 30));
        pt_env_free(e);
        checked++;
    }
    assert_true(checked > 5);
    cdlt_source_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_and_system_tables),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_transformer_and_steps),
        cmocka_unit_test(test_pending_resume),
        cmocka_unit_test(test_state_and_sync),
        cmocka_unit_test(test_refresh),
        cmocka_unit_test(test_malformed_input),
        cmocka_unit_test(test_load_failure_retry),
        cmocka_unit_test(test_damaged_file_among_many),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_row_builder),
        cmocka_unit_test(test_file_rotation),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_overlap_replace_rotated),
        cmocka_unit_test(test_overlap_two_threads),
        cmocka_unit_test(test_replace_insert_from_staging),
    };
    /* once with the overlapped load (the default), once loading after normalize */
    unsetenv("LOAD__OVERLAP_NORMALIZE");
    int failed = cmocka_run_group_tests_name("overlap on", tests, NULL, NULL);
    setenv("LOAD__OVERLAP_NORMALIZE", "false", 1);
    failed += cmocka_run_group_tests_name("overlap off", tests, NULL, NULL);
    return failed;
}
