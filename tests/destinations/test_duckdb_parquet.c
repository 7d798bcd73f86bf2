/* test_duckdb_parquet.c: the DuckDB destination loading Parquet load files (loader_file_format
 * "parquet", written by src/destinations/writers/parquet.c) gives the same rows and column
 * types as its default load files: every dlt type with NULLs, several files in one call with
 * different column sets (a column added between files), the staging dataset path used by
 * replace/merge, and a clear error naming file and table for a file that does not fit. */
#include "duck_testlib.h"

#include "destinations/writers/writer.h"

#include <sys/stat.h>

typedef struct fixture {
    char *dir;
    schema *s;
    schema_table *t;
    const dest_vtable *v;
    arena a;
    jv obj;
} fixture;

enum { C_ID, C_S, C_F, C_B, C_TS, C_TSN, C_D, C_TM, C_BIN, C_J, C_DEC, C_DEC2, C_W, C_SMALL,
       C_HUGE, C_TSMS, C_INC, C_LOAD, C_DLTID, C_N };

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp("duck_parquet");
    f->v = dest_find("duckdb");
    cdlt_error err = {0};
    assert_int_equal(schema_new("items_src", &f->s, &err), CDLT_OK);
    schema *s = f->s;
    schema_table *t = f->t = tl_table(s, "items");
    tl_all_types(s, t, true);
    s->version = 1;
    s->version_hash = "h1";
    arena_init(&f->a, 4096, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_set(&ob, &f->a, "a", 1, jv_int(1));
    jv_builder_set(&ob, &f->a, "b", 1, jv_str(&f->a, "x\"y", 3));
    f->obj = ob.value;
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

static const char TEXT1[] = "it's \"q\"\nline; \xc3\xbcnic\xc3\xb6" "de \xf0\x9f\x98\x80 \\ tab\t";

static void row_values(fixture *f, int64_t id, tval *v, char *idbuf)
{
    for (int i = 0; i < C_N; i++)
        v[i] = tv_null();
    v[C_ID] = tv_i(id);
    snprintf(idbuf, 32, "row%lld", (long long)id);
    v[C_LOAD] = tv_s("1700000000.1");
    v[C_DLTID] = tv_s(idbuf);
    if (id % 10 == 2)
        return; /* all NULL but the keys */
    v[C_S] = id % 3 ? tv_s(TEXT1) : tv_s("");
    v[C_F] = tv_d((double)id / 8 - 100);
    v[C_B] = tv_b(id % 2 == 0);
    v[C_TS] = tv_ts(1704103200000000LL + id * 1000001 - 5000000000LL);
    v[C_TSN] = tv_ts(-id);
    v[C_TSN].flags = TV_NAIVE;
    v[C_D] = tv_date((int32_t)(19724 - id));
    v[C_TM] = tv_time(36000000000LL + id);
    v[C_BIN] = tv_sn(DT_BINARY, "\0\xff\x01", (size_t)(id % 4));
    v[C_J] = tv_json(&f->obj);
    v[C_DEC] = id % 5 ? tv_sn(DT_DECIMAL, "-12345678.123456789", 19) : tv_sn(DT_DECIMAL, "1E+3", 4);
    v[C_DEC2] = tv_sn(DT_DECIMAL, "-12345678.995", 13);
    v[C_W] = tv_sn(DT_WEI, "123456789012345678901234567890", 30);
    v[C_SMALL] = tv_i(-32000 + id);
    v[C_HUGE] = tv_i(-5 * id);
    v[C_TSMS] = tv_ts(1704103200123456LL - id * 777);
}

/* Rows [first, first+n) with the default writer (pq = false) or the destination's Parquet
 * writer ops (the one loader_file_format = "parquet" picks). */
static void write_file(fixture *f, const schema_table *t, const char *path, int64_t first,
                       int64_t n, bool pq)
{
    cdlt_error err = {0};
    const dest_writer_ops *ops = f->v->formats[0];
    if (pq) {
        ops = NULL;
        for (size_t i = 0; f->v->formats[i]; i++)
            if (strcmp(f->v->formats[i]->format, "parquet") == 0)
                ops = f->v->formats[i];
        assert_non_null(ops);
        assert_string_equal(ops->ext, "parquet");
    }
    dest_writer *w = NULL;
    assert_int_equal(ops->open(t, path, NULL, &w, &err), CDLT_OK);
    tval v[C_N + 1];
    char idbuf[32];
    for (int64_t id = first; id < first + n; id++) {
        row_values(f, id, v, idbuf);
        v[C_N] = tv_i(id * 2); /* the column added later (when the table has it) */
        cdlt_status st = ops->row(w, v, t->ncolumns);
        if (st)
            fprintf(stderr, "%s\n", ops->last_error(w));
        assert_int_equal(st, CDLT_OK);
    }
    assert_int_equal(ops->close(w, NULL, &err), CDLT_OK);
}

static destination *open_migrated(fixture *f, const char *sub)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", f->dir, sub);
    assert_int_equal(mkdir(dir, 0755), 0);
    destination *d = tl_open(dir, "ds");
    cdlt_error err = {0};
    cdlt_status st = f->v->migrate(d, f->s, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return d;
}

static void load_files(fixture *f, destination *d, const char *const *paths, size_t n)
{
    cdlt_error err = {0};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    cdlt_status st = f->v->load_files(d, f->s, f->t, paths, n, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
}

/* The Parquet-loaded table equals the default-loaded one: rows (EXCEPT both ways) and types. */
static void expect_same(destination *pq, const char *other_db)
{
    char sql[8192];
    snprintf(sql, sizeof sql, "ATTACH '%s' AS other (READ_ONLY)", other_db);
    free(tl_q(pq, sql));
    tl_expect(pq, "SELECT count(*) FROM (SELECT * FROM ds.items EXCEPT ALL "
                  "SELECT * FROM other.ds.items)", "0");
    tl_expect(pq, "SELECT count(*) FROM (SELECT * FROM other.ds.items EXCEPT ALL "
                  "SELECT * FROM ds.items)", "0");
    tl_expect(pq, "SELECT count(*) FROM (SELECT column_name, data_type, ordinal_position FROM "
                  "information_schema.columns WHERE table_catalog = 'other' AND table_name = "
                  "'items' EXCEPT SELECT column_name, data_type, ordinal_position FROM "
                  "information_schema.columns WHERE table_catalog = 'test' AND table_name = "
                  "'items')", "0");
    tl_expect(pq, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' "
                  "AND table_catalog IN ('other', 'test')", "36");
    free(tl_q(pq, "DETACH other"));
}

static void test_same_as_default(void **state)
{
    fixture *f = *state;
    char p_def[4200], p_pq1[4200], p_pq2[4200], db_def[4200];
    snprintf(p_def, sizeof p_def, "%s/items.a.0.cdltduck", f->dir);
    snprintf(p_pq1, sizeof p_pq1, "%s/items.a.1.parquet", f->dir);
    snprintf(p_pq2, sizeof p_pq2, "%s/items.it's.2.parquet", f->dir); /* quote in the path */
    write_file(f, f->t, p_def, 1, 5000, false);
    write_file(f, f->t, p_pq1, 1, 3000, true);
    write_file(f, f->t, p_pq2, 3001, 2000, true);

    destination *d1 = open_migrated(f, "def");
    const char *defs[] = {p_def};
    load_files(f, d1, defs, 1);
    assert_int_equal(tl_count(d1, "items"), 5000);
    f->v->close(d1);

    destination *d2 = open_migrated(f, "pq");
    const char *pqs[] = {p_pq1, p_pq2};
    load_files(f, d2, pqs, 2);
    assert_int_equal(tl_count(d2, "items"), 5000);
    tl_expect(d2, "SELECT dec2 || ' ' || w || ' ' || typeof(j) || ' ' || j FROM ds.items "
                  "WHERE id = 1", "-12345679.00 123456789012345678901234567890 JSON "
                                  "{\"a\":1,\"b\":\"x\\\"y\"}");
    snprintf(db_def, sizeof db_def, "%s/def/test.duckdb", f->dir);
    expect_same(d2, db_def);
    f->v->close(d2);
}

/* A column added between two files of one load_files call: the older file has no value. */
static void test_column_added_between_files(void **state)
{
    fixture *f = *state;
    char p1[4200], p2[4200];
    snprintf(p1, sizeof p1, "%s/items.b.1.parquet", f->dir);
    snprintf(p2, sizeof p2, "%s/items.b.2.parquet", f->dir);
    write_file(f, f->t, p1, 1, 10, true);
    tl_col(f->s, f->t, "added", DT_BIGINT, true, -1, -1, -1);
    write_file(f, f->t, p2, 11, 10, true);
    destination *d = open_migrated(f, "added");
    const char *ps[] = {p1, p2};
    load_files(f, d, ps, 2);
    tl_expect(d, "SELECT count(added) || ' ' || sum(added) || ' ' || count(*) FROM ds.items",
              "10 310 20");
    f->v->close(d);
}

/* Staging (replace insert-from-staging, merge) loads through the same path. */
static void test_staging(void **state)
{
    fixture *f = *state;
    char p1[4200];
    snprintf(p1, sizeof p1, "%s/items.c.1.parquet", f->dir);
    write_file(f, f->t, p1, 1, 100, true);
    destination *d = open_migrated(f, "staging");
    cdlt_error err = {0};
    const char *tables[] = {"items"};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate_staging(d, f->s, tables, 1, &err), CDLT_OK);
    cdlt_status st = f->v->load_file_staging(d, f->s, f->t, p1, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    tl_expect(d, "SELECT count(*) FROM ds_staging.items", "100");
    assert_int_equal(f->v->replace_from_staging(d, f->s, tables, 1, &err), CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    tl_expect(d, "SELECT count(*) || ' ' || sum(id) FROM ds.items", "100 5050");
    f->v->close(d);
}

/* A file whose column is not in the table: the error names the file and the table. */
static void test_error_names_file(void **state)
{
    fixture *f = *state;
    schema_table *t2 = tl_table(f->s, "other");
    tl_col(f->s, t2, "id", DT_BIGINT, true, -1, -1, -1);
    char p1[4200];
    snprintf(p1, sizeof p1, "%s/items.d.1.parquet", f->dir);
    write_file(f, f->t, p1, 1, 3, true);
    destination *d = open_migrated(f, "err");
    cdlt_error err = {0};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, t2, p1, &err), CDLT_DESTINATION);
    assert_non_null(strstr(err.message, "items.d.1.parquet"));
    assert_non_null(strstr(err.message, "'other'"));
    assert_string_equal(err.table, "other");
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    f->v->close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_as_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_added_between_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_names_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
