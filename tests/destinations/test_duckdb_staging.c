/* test_duckdb_staging.c: the staging dataset and the replace strategy insert-from-staging on
 * a real DuckDB file: staged rows replace the final tables exactly, a nested table with no
 * rows this time is emptied, new columns reach both datasets, incomplete columns are skipped,
 * a failure (damaged file) or rollback leaves the previous data, _dlt_version is in staging
 * but _dlt_loads only in the main dataset, drop in staging, and staging_dataset_name_layout
 * is honoured. */
#include "duck_testlib.h"

typedef struct fixture {
    char *dir;            /* temp folder: database and load files */
    schema *s;            /* schema with r (replace) and r__l (nested) */
    schema_table *r;      /* root table */
    schema_table *l;      /* nested table */
    const dest_vtable *v; /* duckdb */
} fixture;

static const char *const CHAIN[] = {"r", "r__l"};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp("duck_staging");
    f->v = dest_find("duckdb");
    cdlt_error err = {0};
    assert_int_equal(schema_new("src", &f->s, &err), CDLT_OK);
    schema *s = f->s;
    f->r = tl_table(s, "r");
    f->r->disposition = WD_REPLACE;
    tl_col(s, f->r, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, f->r, "name", DT_TEXT, true, -1, -1, -1);
    tl_col(s, f->r, "inc", DT_NONE, true, -1, -1, -1); /* incomplete: never created */
    tl_dlt_cols(s, f->r);
    assert_int_equal(schema_add_table(s, "r__l", "r", &f->l, &err), CDLT_OK);
    f->l->seen_data = true;
    tl_col(s, f->l, "value", DT_BIGINT, true, -1, -1, -1);
    tl_col(s, f->l, "_dlt_parent_id", DT_TEXT, false, -1, -1, -1);
    tl_col(s, f->l, "_dlt_id", DT_TEXT, false, -1, -1, -1);
    s->version = 1;
    s->version_hash = "h1";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    schema_free(f->s);
    tu_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* A load file of root rows ids[0..n) (name "n<id>") for the table's current columns. */
static void write_root(fixture *f, const char *path, const int64_t *ids, size_t n,
                       const char *load_id)
{
    dest_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->formats[0]->open(f->r, path, NULL, &w, &err), CDLT_OK);
    for (size_t i = 0; i < n; i++) {
        tval v[8];
        char name[32], id[32];
        for (uint32_t k = 0; k < f->r->ncolumns; k++)
            v[k] = tv_null();
        snprintf(name, sizeof name, "n%lld", (long long)ids[i]);
        snprintf(id, sizeof id, "id%lld", (long long)ids[i]);
        for (uint32_t k = 0; k < f->r->ncolumns; k++) {
            const char *c = f->r->columns[k].name;
            if (strcmp(c, "id") == 0)
                v[k] = tv_i(ids[i]);
            else if (strcmp(c, "name") == 0)
                v[k] = tv_s(name);
            else if (strcmp(c, "_dlt_load_id") == 0)
                v[k] = tv_s(load_id);
            else if (strcmp(c, "_dlt_id") == 0)
                v[k] = tv_s(id);
            else if (strcmp(c, "extra") == 0)
                v[k] = tv_s("x");
        }
        assert_int_equal(f->v->formats[0]->row(w, v, f->r->ncolumns), CDLT_OK);
    }
    assert_int_equal(f->v->formats[0]->close(w, NULL, &err), CDLT_OK);
}

static void write_nested(fixture *f, const char *path, const int64_t *vals, size_t n)
{
    dest_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->formats[0]->open(f->l, path, NULL, &w, &err), CDLT_OK);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "l%zu", i);
        tval v[3] = {tv_i(vals[i]), tv_s("id1"), tv_s(id)};
        assert_int_equal(f->v->formats[0]->row(w, v, 3), CDLT_OK);
    }
    assert_int_equal(f->v->formats[0]->close(w, NULL, &err), CDLT_OK);
}

/* The loader's sequence for one package under insert-from-staging. Returns the status of the
 * first failure (the caller rolls back) or of commit. */
static cdlt_status run_package(fixture *f, destination *d, const char *root_file,
                               const char *nested_file, const char *load_id, bool commit,
                               cdlt_error *err)
{
    cdlt_status st = f->v->begin(d, err);
    if (st == CDLT_OK)
        st = f->v->migrate(d, f->s, err);
    if (st == CDLT_OK)
        st = f->v->migrate_staging(d, f->s, CHAIN, 2, err);
    for (size_t i = 0; st == CDLT_OK && i < 2; i++)
        st = f->v->truncate_staging(d, CHAIN[i], err);
    if (st == CDLT_OK && root_file)
        st = f->v->load_file_staging(d, f->s, f->r, root_file, err);
    if (st == CDLT_OK && nested_file)
        st = f->v->load_file_staging(d, f->s, f->l, nested_file, err);
    if (st == CDLT_OK)
        st = f->v->replace_from_staging(d, f->s, CHAIN, 2, err);
    if (st == CDLT_OK)
        st = f->v->complete_load(d, f->s, load_id, err);
    if (st == CDLT_OK && commit)
        return f->v->commit(d, err);
    f->v->rollback(d, NULL);
    return st;
}

static void test_replace_from_staging(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    assert_non_null(f->v->migrate_staging);
    assert_non_null(f->v->truncate_staging);
    assert_non_null(f->v->load_file_staging);
    assert_non_null(f->v->replace_from_staging);
    char p1[4200], p2[4200], p3[4200], p4[4200];
    snprintf(p1, sizeof p1, "%s/r.1.%s", f->dir, f->v->formats[0]->ext);
    snprintf(p2, sizeof p2, "%s/r__l.1.%s", f->dir, f->v->formats[0]->ext);
    snprintf(p3, sizeof p3, "%s/r.2.%s", f->dir, f->v->formats[0]->ext);
    snprintf(p4, sizeof p4, "%s/r.3.%s", f->dir, f->v->formats[0]->ext);
    write_root(f, p1, (const int64_t[]){1, 2, 3}, 3, "1.1");
    write_nested(f, p2, (const int64_t[]){7, 8}, 2);

    destination *d = tl_open(f->dir, "ds");
    /* run 1: root and nested rows */
    if (run_package(f, d, p1, p2, "1.1", true, &err) != CDLT_OK)
        fail_msg("run 1: %s", err.message);
    assert_int_equal(tl_count(d, "r"), 3);
    assert_int_equal(tl_count(d, "r__l"), 2);
    tl_expect(d, "SELECT sum(id) FROM ds.r", "6");
    tl_expect(d, "SELECT string_agg(name, ',' ORDER BY id) FROM ds.r", "n1,n2,n3");
    tl_expect(d, "SELECT sum(value) FROM ds.r__l", "15");
    /* staging holds the staged rows, _dlt_version, never _dlt_loads */
    tl_expect(d, "SELECT count(*) FROM ds_staging.r", "3");
    tl_expect(d, "SELECT count(*) FROM ds_staging._dlt_version", "1");
    tl_expect(d, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "'ds_staging' AND table_name = '_dlt_loads'", "0");
    tl_expect(d, "SELECT count(*) FROM ds._dlt_loads", "1");
    /* the incomplete column exists nowhere */
    tl_expect(d, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'inc'",
              "0");

    /* a failure in the middle (a damaged file after the staging was truncated): rollback,
     * both datasets keep run 1 */
    FILE *bad = fopen(p4, "wb");
    assert_non_null(bad);
    fputs("CDLTDUK2 garbage", bad);
    fclose(bad);
    assert_int_not_equal(run_package(f, d, p4, NULL, "2.1", true, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "staging dataset 'ds_staging'"));
    assert_int_equal(tl_count(d, "r"), 3);
    assert_int_equal(tl_count(d, "r__l"), 2);
    tl_expect(d, "SELECT count(*) FROM ds_staging.r", "3");
    tl_expect(d, "SELECT count(*) FROM ds._dlt_loads", "1");
    /* a plain rollback after the copy also leaves run 1 */
    memset(&err, 0, sizeof err);
    write_root(f, p3, (const int64_t[]){10, 11}, 2, "3.1");
    assert_int_equal(run_package(f, d, p3, NULL, "3.1", false, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "r"), 3);
    assert_int_equal(tl_count(d, "r__l"), 2);

    /* run 2 with a new column and no nested rows: r holds exactly the new rows, r__l empty */
    tl_col(f->s, f->r, "extra", DT_TEXT, true, -1, -1, -1);
    f->s->version = 2;
    f->s->version_hash = "h2";
    write_root(f, p3, (const int64_t[]){10, 11}, 2, "3.1");
    if (run_package(f, d, p3, NULL, "3.1", true, &err) != CDLT_OK)
        fail_msg("run 2: %s", err.message);
    assert_int_equal(tl_count(d, "r"), 2);
    tl_expect(d, "SELECT sum(id) FROM ds.r", "21");
    tl_expect(d, "SELECT string_agg(extra, ',') FROM ds.r", "x,x");
    tl_expect(d, "SELECT count(DISTINCT _dlt_load_id) FROM ds.r", "1");
    assert_int_equal(tl_count(d, "r__l"), 0);
    tl_expect(d, "SELECT count(*) FROM ds_staging.r__l", "0");
    tl_expect(d, "SELECT count(*) FROM ds_staging._dlt_version", "2");
    tl_expect(d, "SELECT count(*) FROM ds._dlt_loads", "2");
    f->v->close(d);

    /* reopen: committed state is durable */
    d = tl_open(f->dir, "ds");
    assert_int_equal(tl_count(d, "r"), 2);
    assert_int_equal(tl_count(d, "r__l"), 0);
    /* drop in staging (refresh): the staging table goes, the final one stays */
    assert_int_equal(f->v->drop_staging_tables(d, CHAIN, 1, &err), CDLT_OK);
    tl_expect(d, "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                 "'ds_staging' AND table_name = 'r'", "0");
    assert_int_equal(tl_count(d, "r"), 2);
    f->v->close(d);
}

/* A chain table that never got a staging table is only emptied; unknown tables fail. */
static void test_edge_cases(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    char p1[4200];
    snprintf(p1, sizeof p1, "%s/r.1.%s", f->dir, f->v->formats[0]->ext);
    write_root(f, p1, (const int64_t[]){1}, 1, "1.1");
    destination *d = tl_open(f->dir, "ds");
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->r, p1, &err), CDLT_OK); /* main only */
    assert_int_equal(tl_count(d, "r"), 1);
    /* no staging dataset at all: truncate_staging is a no-op, replace empties */
    assert_int_equal(f->v->truncate_staging(d, "r", &err), CDLT_OK);
    assert_int_equal(f->v->drop_staging_tables(d, CHAIN, 2, &err), CDLT_OK);
    assert_int_equal(f->v->replace_from_staging(d, f->s, CHAIN, 2, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "r"), 0);
    const char *bogus[] = {"nope"};
    assert_int_equal(f->v->replace_from_staging(d, f->s, bogus, 1, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "nope"));
    assert_int_equal(f->v->migrate_staging(d, f->s, bogus, 1, &err), CDLT_SCHEMA);
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    f->v->close(d);
}

/* destination.duckdb.staging_dataset_name_layout as in dlt: "%s" = dataset, else fixed. */
static void test_layout(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    arena a;
    arena_init(&a, 1024, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_set(&ob, &a, "staging_dataset_name_layout", 27, jv_str(&a, "stg_%s_x", 8));
    char path[4200], p1[4200];
    snprintf(path, sizeof path, "%s/test.duckdb", f->dir);
    snprintf(p1, sizeof p1, "%s/r.1.%s", f->dir, f->v->formats[0]->ext);
    write_root(f, p1, (const int64_t[]){4, 5}, 2, "1.1");
    dest_config cfg = {.pipeline_name = "p", .dataset_name = "ds", .credentials = path,
                       .options = &ob.value};
    destination *d = NULL;
    assert_int_equal(f->v->open(&cfg, &d, &err), CDLT_OK);
    if (run_package(f, d, p1, NULL, "1.1", true, &err) != CDLT_OK)
        fail_msg("layout run: %s", err.message);
    tl_expect(d, "SELECT count(*) FROM stg_ds_x.r", "2");
    tl_expect(d, "SELECT sum(id) FROM ds.r", "9");
    f->v->close(d);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replace_from_staging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
