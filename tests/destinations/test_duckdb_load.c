/* test_duckdb_load.c: writer -> load_file round trips into a real DuckDB file for every data
 * type (NULLs, unicode, quotes/newlines/commas, json, binary with NUL bytes, timestamps with
 * and without zone, decimals with rounding), chunk boundaries, truncate, complete_load,
 * stored state lookup, rollback, a file written by another process, damaged files, and an
 * allocation-failure sweep over the writer. */
#include "duck_testlib.h"

#include <sys/wait.h>
#include <unistd.h>

typedef struct fixture {
    char *dir;
    schema *s;
    schema_table *t;
    const dest_vtable *v;
    arena a;
    jv obj, arr;
} fixture;

enum { C_ID, C_S, C_F, C_B, C_TS, C_TSN, C_D, C_TM, C_BIN, C_J, C_DEC, C_DEC2, C_W, C_SMALL,
       C_HUGE, C_TSMS, C_INC, C_LOAD, C_DLTID, C_N };

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp("duck_load");
    f->v = dest_find("duckdb");
    cdlt_error err = {0};
    assert_int_equal(schema_new("items_src", &f->s, &err), CDLT_OK);
    schema *s = f->s;
    schema_table *t = f->t = tl_table(s, "items");
    tl_all_types(s, t, true);
    s->version = 1;
    s->version_hash = "h1";
    arena_init(&f->a, 4096, 0);
    jv_builder ob, ab, inner;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_init(&inner, JV_ARRAY);
    jv_builder_push(&inner, &f->a, jv_bool(true));
    jv_builder_push(&inner, &f->a, jv_null());
    jv_builder_set(&ob, &f->a, "a", 1, jv_int(1));
    jv_builder_set(&ob, &f->a, "b", 1, inner.value);
    f->obj = ob.value;
    jv_builder_init(&ab, JV_ARRAY);
    jv_builder_push(&ab, &f->a, jv_int(1));
    jv_builder_push(&ab, &f->a, jv_str(&f->a, "x\"y", 3));
    f->arr = ab.value;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    schema_free(f->s);
    arena_free(&f->a);
    tu_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static const char TEXT1[] = "it's \"q\"\nline, with, commas; \xc3\xbcnic\xc3\xb6" "de \xf0\x9f\x98\x80 \\ tab\t";
static const char BIN1[] = {0x00, (char)0xff, 0x01, 0x00};

static void row_values(fixture *f, int64_t id, tval *v, const char *load_id, char *idbuf)
{
    for (int i = 0; i < C_N; i++)
        v[i] = tv_null();
    v[C_ID] = tv_i(id);
    snprintf(idbuf, 32, "row%lld", (long long)id);
    v[C_LOAD] = tv_s(load_id);
    v[C_DLTID] = tv_s(idbuf);
    if (id == 1) {
        v[C_S] = tv_sn(DT_TEXT, TEXT1, sizeof TEXT1 - 1);
        v[C_F] = tv_d(1.5);
        v[C_B] = tv_b(true);
        v[C_TS] = tv_ts(1704103200000000LL); /* 2024-01-01T10:00:00Z */
        v[C_TSN] = tv_ts(1704103200000001LL);
        v[C_TSN].flags = TV_NAIVE;
        v[C_D] = tv_date(19724); /* 2024-01-02 */
        v[C_TM] = tv_time(36000000000LL + 5);
        v[C_BIN] = tv_sn(DT_BINARY, BIN1, sizeof BIN1);
        v[C_J] = tv_json(&f->obj);
        v[C_DEC] = tv_sn(DT_DECIMAL, "1.25", 4);
        v[C_DEC2] = tv_sn(DT_DECIMAL, "-12345678.995", 13);
        v[C_W] = tv_sn(DT_WEI, "123456789012345678901234567890", 30);
        v[C_SMALL] = tv_i(32000);
        v[C_HUGE] = tv_i(-5);
        v[C_TSMS] = tv_ts(1704103200123456LL);
    } else if (id == 3) {
        v[C_S] = tv_s("");
        v[C_F] = tv_d(-1e300);
        v[C_B] = tv_b(false);
        v[C_TS] = tv_ts(-1000001); /* before the epoch */
        v[C_BIN] = tv_sn(DT_BINARY, "", 0);
        v[C_J] = tv_json(&f->arr);
        v[C_DEC] = tv_sn(DT_DECIMAL, "1E+3", 4);
        v[C_DEC2] = tv_sn(DT_DECIMAL, "0.005", 5);
        v[C_W] = tv_sn(DT_WEI, "-7", 2);
        v[C_TSMS] = tv_ts(-1500); /* floor to -2 ms */
    } else if (id > 3) {
        v[C_S] = tv_s("bulk");
        v[C_F] = tv_d((double)id / 4);
        v[C_B] = tv_b(id % 2 == 0);
        v[C_TS] = tv_ts(id * 1000000);
        v[C_DEC] = tv_sn(DT_DECIMAL, "0.000000001", 11);
        if (id % 7 == 0)
            v[C_S] = tv_null();
    }
}

/* Write rows [first, first+n) to path. */
static void write_file(fixture *f, const char *path, int64_t first, int64_t n, const char *lid)
{
    dest_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->formats[0]->open(f->t, path, NULL, &w, &err), CDLT_OK);
    tval v[C_N];
    char idbuf[32];
    for (int64_t id = first; id < first + n; id++) {
        row_values(f, id, v, lid, idbuf);
        cdlt_status st = f->v->formats[0]->row(w, v, C_N);
        if (st)
            fprintf(stderr, "%s\n", f->v->formats[0]->last_error(w));
        assert_int_equal(st, CDLT_OK);
    }
    assert_true(f->v->formats[0]->bytes(w) > 0);
    uint64_t rows = 0;
    assert_int_equal(f->v->formats[0]->close(w, &rows, &err), CDLT_OK);
    assert_int_equal(rows, (uint64_t)n);
}

static destination *open_migrated(fixture *f)
{
    destination *d = tl_open(f->dir, "ds");
    cdlt_error err = {0};
    cdlt_status st = f->v->migrate(d, f->s, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return d;
}

static void load(fixture *f, destination *d, const char *path)
{
    cdlt_error err = {0};
    cdlt_status st = f->v->load_file(d, f->s, f->t, path, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
}

static void test_round_trip_all_types(void **state)
{
    fixture *f = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s/items.abc.0.%s", f->dir, f->v->formats[0]->ext);
    write_file(f, path, 1, 5000, "1700000000.1");
    destination *d = open_migrated(f);
    cdlt_error err = {0};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    load(f, d, path);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "items"), 5000);

    /* the incomplete column was neither created nor written */
    tl_expect(d, "SELECT count(*) FROM information_schema.columns WHERE table_name='items' AND "
                 "column_name='inc'", "0");
    /* row 1: every type */
    char want_s[256];
    snprintf(want_s, sizeof want_s, "%s", TEXT1);
    tl_expect(d, "SELECT s FROM ds.items WHERE id=1", want_s);
    tl_expect(d, "SELECT f FROM ds.items WHERE id=1", "1.5");
    tl_expect(d, "SELECT b FROM ds.items WHERE id=1", "true");
    tl_expect(d, "SELECT epoch_us(ts) FROM ds.items WHERE id=1", "1704103200000000");
    tl_expect(d, "SELECT epoch_us(tsn) FROM ds.items WHERE id=1", "1704103200000001");
    tl_expect(d, "SELECT typeof(tsn) || '/' || typeof(ts) || '/' || typeof(ts_ms) FROM ds.items "
                 "WHERE id=1", "TIMESTAMP/TIMESTAMP WITH TIME ZONE/TIMESTAMP_MS");
    tl_expect(d, "SELECT d FROM ds.items WHERE id=1", "2024-01-02");
    tl_expect(d, "SELECT tm FROM ds.items WHERE id=1", "10:00:00.000005");
    tl_expect(d, "SELECT hex(bin) FROM ds.items WHERE id=1", "00FF0100");
    tl_expect(d, "SELECT j FROM ds.items WHERE id=1", "{\"a\":1,\"b\":[true,null]}");
    tl_expect(d, "SELECT typeof(j) FROM ds.items WHERE id=1", "JSON");
    tl_expect(d, "SELECT j->>'$.a' FROM ds.items WHERE id=1", "1");
    tl_expect(d, "SELECT dec FROM ds.items WHERE id=1", "1.250000000");
    tl_expect(d, "SELECT dec2 FROM ds.items WHERE id=1", "-12345679.00");
    tl_expect(d, "SELECT w FROM ds.items WHERE id=1", "123456789012345678901234567890");
    tl_expect(d, "SELECT small || typeof(small) FROM ds.items WHERE id=1", "32000SMALLINT");
    tl_expect(d, "SELECT huge || typeof(huge) FROM ds.items WHERE id=1", "-5HUGEINT");
    tl_expect(d, "SELECT epoch_ms(ts_ms) FROM ds.items WHERE id=1", "1704103200123");
    tl_expect(d, "SELECT _dlt_load_id || ' ' || _dlt_id FROM ds.items WHERE id=1",
              "1700000000.1 row1");
    /* row 2: all NULL but keys */
    tl_expect(d, "SELECT count(*) FROM ds.items WHERE id=2 AND s IS NULL AND f IS NULL AND b IS "
                 "NULL AND ts IS NULL AND tsn IS NULL AND d IS NULL AND tm IS NULL AND bin IS "
                 "NULL AND j IS NULL AND dec IS NULL AND dec2 IS NULL AND w IS NULL AND small "
                 "IS NULL AND huge IS NULL AND ts_ms IS NULL", "1");
    /* row 3: empty text is not NULL, empty blob, exponent decimal, rounding, negatives */
    tl_expect(d, "SELECT length(s) FROM ds.items WHERE id=3", "0");
    tl_expect(d, "SELECT f FROM ds.items WHERE id=3", "-1e+300");
    tl_expect(d, "SELECT octet_length(bin) FROM ds.items WHERE id=3", "0");
    tl_expect(d, "SELECT j FROM ds.items WHERE id=3", "[1,\"x\\\"y\"]");
    tl_expect(d, "SELECT dec FROM ds.items WHERE id=3", "1000.000000000");
    tl_expect(d, "SELECT dec2 FROM ds.items WHERE id=3", "0.01");
    tl_expect(d, "SELECT w FROM ds.items WHERE id=3", "-7");
    tl_expect(d, "SELECT epoch_us(ts) FROM ds.items WHERE id=3", "-1000001");
    tl_expect(d, "SELECT epoch_ms(ts_ms) FROM ds.items WHERE id=3", "-2");
    /* bulk rows across chunk boundaries */
    tl_expect(d, "SELECT sum(id) FROM ds.items", "12502500");
    tl_expect(d, "SELECT count(*) FROM ds.items WHERE s IS NULL", "715"); /* 714 multiples of 7 + row 2 */
    tl_expect(d, "SELECT sum(dec) FROM ds.items WHERE id > 3", "0.000004997");
    tl_expect(d, "SELECT count(*) FROM ds.items WHERE b", "2500");
    tl_expect(d, "SELECT max(epoch_us(ts)) FROM ds.items WHERE id > 3", "5000000000");
    f->v->close(d);
}

static void test_truncate_complete_and_state(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    schema_table *st_t = NULL;
    assert_int_equal(schema_add_pipeline_state_table(f->s, true, &st_t, &err), CDLT_OK);
    st_t->seen_data = true;
    destination *d = open_migrated(f);
    tl_expect(d, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                 "information_schema.columns WHERE table_schema='ds' AND "
                 "table_name='_dlt_pipeline_state'",
              "version,engine_version,pipeline_name,state,created_at,version_hash,_dlt_load_id,"
              "_dlt_id");
    char path[4200];
    snprintf(path, sizeof path, "%s/items.t.0.%s", f->dir, f->v->formats[0]->ext);
    write_file(f, path, 1, 10, "100.1");

    /* two packages with a state row each; only the completed one counts */
    const char *loads[] = {"100.1", "100.2", "100.3"};
    const char *states[] = {"eNqrVgpILUrOz0vJzEuPL04tKcnMS1eyUlAqLkksSY1XMjJQ0lFQKk4tLkktUrJSMDRQqgUAnHMPIg==",
                            "STATE-2", "STATE-3"};
    for (int k = 0; k < 3; k++) {
        char sp[4200];
        snprintf(sp, sizeof sp, "%s/_dlt_pipeline_state.%d.0.%s", f->dir, k, f->v->formats[0]->ext);
        dest_writer *w = NULL;
        assert_int_equal(f->v->formats[0]->open(st_t, sp, NULL, &w, &err), CDLT_OK);
        tval v[8];
        v[0] = tv_i(k + 1);
        v[1] = tv_i(4);
        v[2] = tv_s("pipe");
        v[3] = tv_s(states[k]);
        v[4] = tv_ts(1704103200000000LL + k);
        v[5] = tv_s("vh");
        v[6] = tv_s(loads[k]);
        v[7] = tv_s("sid");
        assert_int_equal(st_t->ncolumns, 8);
        assert_int_equal(f->v->formats[0]->row(w, v, 8), CDLT_OK);
        assert_int_equal(f->v->formats[0]->close(w, NULL, &err), CDLT_OK);
        assert_int_equal(f->v->begin(d, &err), CDLT_OK);
        load(f, d, path);
        cdlt_status s2 = f->v->load_file(d, f->s, st_t, sp, &err);
        if (s2)
            fprintf(stderr, "%s\n", err.message);
        assert_int_equal(s2, CDLT_OK);
        if (k < 2)
            assert_int_equal(f->v->complete_load(d, f->s, loads[k], &err), CDLT_OK);
        assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    }
    assert_int_equal(tl_count(d, "items"), 30);
    assert_int_equal(tl_count(d, "_dlt_loads"), 2);
    tl_expect(d, "SELECT load_id || '|' || schema_name || '|' || status || '|' || "
                 "schema_version_hash FROM ds._dlt_loads ORDER BY load_id LIMIT 1",
              "100.1|items_src|0|h1");
    tl_expect(d, "SELECT typeof(inserted_at) FROM ds._dlt_loads LIMIT 1",
              "TIMESTAMP WITH TIME ZONE");
    bool done = false;
    assert_int_equal(f->v->is_load_completed(d, "100.2", &done, &err), CDLT_OK);
    assert_true(done);
    assert_int_equal(f->v->is_load_completed(d, "100.3", &done, &err), CDLT_OK);
    assert_false(done);

    buf sbuf = BUF_INIT;
    int64_t ver = 0;
    bool found = false;
    assert_int_equal(f->v->get_stored_state(d, "pipe", &sbuf, &ver, &found, &err), CDLT_OK);
    assert_true(found);
    assert_int_equal(ver, 2); /* 100.3 has no _dlt_loads row */
    assert_string_equal(sbuf.data, "STATE-2");
    buf_clear(&sbuf);
    assert_int_equal(f->v->get_stored_state(d, "other", &sbuf, &ver, &found, &err), CDLT_OK);
    assert_false(found);
    buf_free(&sbuf);

    /* truncate (replace): rows gone, table kept; missing tables are a no-op */
    assert_int_equal(f->v->truncate_table(d, "items", &err), CDLT_OK);
    assert_int_equal(tl_count(d, "items"), 0);
    assert_int_equal(f->v->truncate_table(d, "nope", &err), CDLT_OK);
    f->v->close(d);
}

static void test_rollback_leaves_nothing(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    char path[4200];
    snprintf(path, sizeof path, "%s/items.rb.0.%s", f->dir, f->v->formats[0]->ext);
    write_file(f, path, 1, 3000, "200.1");
    destination *d = tl_open(f->dir, "ds");
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK); /* DDL is transactional too */
    load(f, d, path);
    assert_int_equal(f->v->complete_load(d, f->s, "200.1", &err), CDLT_OK);
    assert_int_equal(tl_count(d, "items"), 3000);
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "items"), -1);
    assert_int_equal(tl_count(d, "_dlt_loads"), -1);
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK); /* idempotent */
    /* close with an open transaction rolls back too */
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, path);
    f->v->close(d);
    d = tl_open(f->dir, "ds");
    assert_int_equal(tl_count(d, "items"), -1);
    f->v->close(d);
}

static void test_other_process_file(void **state)
{
    fixture *f = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s/items.proc.0.%s", f->dir, f->v->formats[0]->ext);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* a previous run: writes the package and exits */
        write_file(f, path, 1, 2500, "300.1");
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    destination *d = open_migrated(f);
    cdlt_error err = {0};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    load(f, d, path);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    f->v->close(d);
    /* a later session sees it */
    d = tl_open(f->dir, "ds");
    assert_int_equal(tl_count(d, "items"), 2500);
    tl_expect(d, "SELECT j FROM ds.items WHERE id=1", "{\"a\":1,\"b\":[true,null]}");
    f->v->close(d);
}

static void test_damaged_and_mismatched(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    char path[4200];
    snprintf(path, sizeof path, "%s/items.bad.0.%s", f->dir, f->v->formats[0]->ext);
    write_file(f, path, 1, 100, "400.1");
    size_t len = 0;
    char *data = tu_read_file(path, &len);
    assert_non_null(data);
    destination *d = open_migrated(f);

    /* truncated file (crash while writing): detected, names the file and table */
    assert_int_equal(tu_write_file(path, data, len - 20), 0);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->t, path, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "items.bad.0"));
    assert_non_null(strstr(err.message, "'items'"));
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    /* not a load file */
    assert_int_equal(tu_write_file(path, "hello world, not ours", 21), 0);
    assert_int_equal(f->v->load_file(d, f->s, f->t, path, &err), CDLT_PARSE);
    /* missing file */
    assert_int_equal(f->v->load_file(d, f->s, f->t, "/nonexistent/x", &err), CDLT_IO);
    free(data);

    /* table without a column of the file: says which column and what to do */
    schema *s2 = NULL;
    assert_int_equal(schema_new("other", &s2, &err), CDLT_OK);
    schema_table *t2 = tl_table(s2, "items");
    tl_col(s2, t2, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s2, t2, "brand_new", DT_TEXT, true, -1, -1, -1);
    dest_writer *w = NULL;
    assert_int_equal(f->v->formats[0]->open(t2, path, NULL, &w, &err), CDLT_OK);
    tval v[2] = {tv_i(1), tv_s("x")};
    assert_int_equal(f->v->formats[0]->row(w, v, 2), CDLT_OK);
    /* a value of the wrong type is refused, the row is dropped, the writer goes on */
    tval bad[2] = {tv_s("1"), tv_null()};
    assert_int_equal(f->v->formats[0]->row(w, bad, 2), CDLT_INVALID_ARG);
    assert_non_null(strstr(f->v->formats[0]->last_error(w), "items"));
    tval extra[3] = {tv_i(2), tv_null(), tv_i(3)};
    assert_int_equal(f->v->formats[0]->row(w, extra, 3), CDLT_SCHEMA);
    uint64_t rows = 0;
    assert_int_equal(f->v->formats[0]->close(w, &rows, &err), CDLT_OK);
    assert_int_equal(rows, 1);
    assert_int_equal(f->v->load_file(d, s2, t2, path, &err), CDLT_DESTINATION);
    assert_non_null(strstr(err.message, "brand_new"));
    assert_non_null(strstr(err.message, "migrate"));
    /* integer that does not fit the column's narrower type */
    tl_expect(d, "SELECT 1", "1");
    schema_free(s2);
    f->v->close(d);
}

static void test_table_type_differs(void **state)
{
    /* a table made outside cdlt with other column types: the INSERT casts */
    fixture *f = *state;
    cdlt_error err = {0};
    destination *d = tl_open(f->dir, "ds");
    cdlt_status st = duck_exec(d, "CREATE SCHEMA ds; CREATE TABLE ds.loose (id VARCHAR, amt "
                                  "DOUBLE, on_day VARCHAR, _dlt_load_id VARCHAR, _dlt_id VARCHAR)",
                               "setup", &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    schema_table *t = tl_table(f->s, "loose");
    tl_col(f->s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(f->s, t, "amt", DT_DECIMAL, true, -1, -1, -1);
    tl_col(f->s, t, "on_day", DT_DATE, true, -1, -1, -1);
    tl_dlt_cols(f->s, t);
    char path[4200];
    snprintf(path, sizeof path, "%s/loose.0.0.%s", f->dir, f->v->formats[0]->ext);
    dest_writer *w = NULL;
    assert_int_equal(f->v->formats[0]->open(t, path, NULL, &w, &err), CDLT_OK);
    tval v[5] = {tv_i(42), tv_sn(DT_DECIMAL, "2.5", 3), tv_date(0), tv_s("l"), tv_s("i")};
    assert_int_equal(f->v->formats[0]->row(w, v, 5), CDLT_OK);
    assert_int_equal(f->v->formats[0]->close(w, NULL, &err), CDLT_OK);
    st = f->v->load_file(d, f->s, t, path, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    tl_expect(d, "SELECT id || '|' || amt || '|' || on_day FROM ds.loose", "42|2.5|1970-01-01");
    f->v->close(d);
}

/* ---- allocation-failure sweep over the writer ---- */
typedef struct sweep_ud {
    fixture *f;
    char path[4200];
} sweep_ud;

static cdlt_status writer_once(void *ud)
{
    sweep_ud *u = ud;
    fixture *f = u->f;
    dest_writer *w = NULL;
    cdlt_error err = {0};
    cdlt_status st = f->v->formats[0]->open(f->t, u->path, NULL, &w, &err);
    if (st != CDLT_OK)
        return st;
    tval v[C_N];
    char idbuf[32];
    static char big[300000];
    memset(big, 'x', sizeof big);
    for (int64_t id = 1; id <= 40 && st == CDLT_OK; id++) {
        row_values(f, id, v, "500.1", idbuf);
        if (id == 20)
            v[C_S] = tv_sn(DT_TEXT, big, sizeof big); /* forces buffer growth and a flush */
        st = f->v->formats[0]->row(w, v, C_N);
    }
    if (st != CDLT_OK) {
        f->v->formats[0]->abort(w);
        return st;
    }
    return f->v->formats[0]->close(w, NULL, &err);
}

static void test_writer_alloc_failures(void **state)
{
    fixture *f = *state;
    sweep_ud u = {.f = f};
    snprintf(u.path, sizeof u.path, "%s/items.sweep.0.%s", f->dir, f->v->formats[0]->ext);
    int points = tu_alloc_failure_sweep(writer_once, &u, 200);
    assert_true(points > 3);
    /* the successful run's file loads */
    destination *d = open_migrated(f);
    load(f, d, u.path);
    assert_int_equal(tl_count(d, "items"), 40);
    tl_expect(d, "SELECT length(s) FROM ds.items WHERE id=20", "300000");
    f->v->close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_all_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncate_complete_and_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_process_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_and_mismatched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_type_differs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_alloc_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
