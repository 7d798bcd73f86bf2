/* test_duckdb_ddl.c: dlt's DuckDB type mapping for every data type and precision, the exact
 * CREATE TABLE text, and migration against a real database file: create, migrate twice
 * (ALTER TABLE ADD COLUMN for new columns, one _dlt_version row per schema hash). */
#include "duck_testlib.h"

static const char *type_of(schema *s, schema_table *t, dtype ty, int tz, int p, int sc,
                           buf *b, cdlt_status *st)
{
    (void)s;
    schema_column c = schema_column_init("c", ty);
    c.timezone = (int8_t)tz;
    c.precision = p;
    c.scale = sc;
    buf_clear(b);
    cdlt_error err = {0};
    *st = duck_column_type(t, &c, b, &err);
    return buf_cstr(b);
}

static void test_type_mapping(void **state)
{
    (void)state;
    schema *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_new("m", &s, &err), CDLT_OK);
    schema_table *t = tl_table(s, "t");
    buf b = BUF_INIT;
    cdlt_status st;
    struct { dtype ty; int tz, p, sc; const char *want; } cases[] = {
        {DT_TEXT, -1, -1, -1, "VARCHAR"},
        {DT_TEXT, -1, 10, -1, "VARCHAR"},
        {DT_DOUBLE, -1, -1, -1, "DOUBLE"},
        {DT_BOOL, -1, -1, -1, "BOOLEAN"},
        {DT_BIGINT, -1, -1, -1, "BIGINT"},
        {DT_BIGINT, -1, 8, -1, "TINYINT"},
        {DT_BIGINT, -1, 16, -1, "SMALLINT"},
        {DT_BIGINT, -1, 32, -1, "INTEGER"},
        {DT_BIGINT, -1, 64, -1, "BIGINT"},
        {DT_BIGINT, -1, 128, -1, "HUGEINT"},
        {DT_TIMESTAMP, -1, -1, -1, "TIMESTAMP WITH TIME ZONE"},
        {DT_TIMESTAMP, 1, 3, -1, "TIMESTAMP WITH TIME ZONE"},
        {DT_TIMESTAMP, 0, -1, -1, "TIMESTAMP"},
        {DT_TIMESTAMP, 0, 6, -1, "TIMESTAMP"},
        {DT_TIMESTAMP, 0, 0, -1, "TIMESTAMP_S"},
        {DT_TIMESTAMP, 0, 3, -1, "TIMESTAMP_MS"},
        {DT_TIMESTAMP, 0, 9, -1, "TIMESTAMP_NS"},
        {DT_DATE, -1, -1, -1, "DATE"},
        {DT_TIME, -1, -1, -1, "TIME"},
        {DT_BINARY, -1, -1, -1, "BLOB"},
        {DT_JSON, -1, -1, -1, "JSON"},
        {DT_DECIMAL, -1, -1, -1, "DECIMAL(38,9)"},
        {DT_DECIMAL, -1, 10, 2, "DECIMAL(10,2)"},
        {DT_DECIMAL, -1, 5, -1, "DECIMAL(5,0)"},
        {DT_WEI, -1, -1, -1, "DECIMAL(38,0)"},
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(cases); i++) {
        const char *got = type_of(s, t, cases[i].ty, cases[i].tz, cases[i].p, cases[i].sc, &b,
                                  &st);
        assert_int_equal(st, CDLT_OK);
        if (strcmp(got, cases[i].want) != 0)
            fprintf(stderr, "case %zu: want %s got %s\n", i, cases[i].want, got);
        assert_string_equal(got, cases[i].want);
    }
    /* unmappable precisions name the column and table */
    type_of(s, t, DT_BIGINT, -1, 200, -1, &b, &st);
    assert_int_equal(st, CDLT_SCHEMA);
    type_of(s, t, DT_TIMESTAMP, 0, 4, -1, &b, &st);
    assert_int_equal(st, CDLT_SCHEMA);
    schema_column c = schema_column_init("c", DT_DECIMAL);
    c.precision = 50;
    c.scale = 2;
    buf_clear(&b);
    assert_int_equal(duck_column_type(t, &c, &b, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "'c'"));
    assert_non_null(strstr(err.message, "'t'"));
    buf_free(&b);
    schema_free(s);
}

static void test_create_table_sql(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("duck_ddl");
    destination *d = tl_open(dir, "my\"ds");
    schema *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_new("m", &s, &err), CDLT_OK);
    schema_table *t = tl_table(s, "events");
    tl_col(s, t, "id", DT_BIGINT, false, -1, -1, -1)->hints |= HINT_UNIQUE;
    tl_col(s, t, "name", DT_TEXT, true, -1, -1, -1);
    tl_col(s, t, "hint_only", DT_NONE, true, -1, -1, -1);
    tl_col(s, t, "at", DT_TIMESTAMP, true, -1, -1, -1);
    buf b = BUF_INIT;
    assert_int_equal(duck_create_table_sql(d, t, &b, &err), CDLT_OK);
    assert_string_equal(b.data, "CREATE TABLE \"my\"\"ds\".\"events\" (\"id\" BIGINT NOT NULL, "
                                "\"name\" VARCHAR, \"at\" TIMESTAMP WITH TIME ZONE)");
    /* create_indexes adds UNIQUE */
    d->create_indexes = true;
    buf_clear(&b);
    assert_int_equal(duck_create_table_sql(d, t, &b, &err), CDLT_OK);
    assert_non_null(strstr(b.data, "\"id\" BIGINT UNIQUE NOT NULL"));
    buf_free(&b);
    schema_free(s);
    dest_find("duckdb")->close(d);
    tu_rm_rf(dir);
    free(dir);
}

static void test_migrate_twice(void **state)
{
    (void)state;
    const dest_vtable *v = dest_find("duckdb");
    assert_non_null(v);
    assert_null(dest_find("nope"));
    char *dir = tu_mkdtemp("duck_migrate");
    destination *d = tl_open(dir, "ds");
    schema *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_new("shop", &s, &err), CDLT_OK);
    schema_table *t = tl_table(s, "orders");
    tl_col(s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, t, "total", DT_DECIMAL, true, -1, -1, -1);
    tl_dlt_cols(s, t);
    schema_table *unseen = tl_table(s, "unseen");
    unseen->seen_data = false;
    tl_col(s, unseen, "x", DT_TEXT, true, -1, -1, -1);
    s->version = 1;
    s->version_hash = "hash-v1";

    assert_int_equal(v->begin(d, &err), CDLT_OK);
    cdlt_status st = v->migrate(d, s, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    assert_int_equal(v->commit(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "orders"), 0);
    assert_int_equal(tl_count(d, "unseen"), -1);
    assert_int_equal(tl_count(d, "_dlt_version"), 1);
    assert_int_equal(tl_count(d, "_dlt_loads"), 0);
    tl_expect(d, "SELECT data_type FROM information_schema.columns WHERE table_schema='ds' AND "
                 "table_name='orders' AND column_name='total'", "DECIMAL(38,9)");
    tl_expect(d, "SELECT is_nullable FROM information_schema.columns WHERE table_schema='ds' AND "
                 "table_name='orders' AND column_name='id'", "NO");
    tl_expect(d, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                 "information_schema.columns WHERE table_schema='ds' AND table_name='_dlt_version'",
              "version,engine_version,inserted_at,schema_name,version_hash,schema");
    tl_expect(d, "SELECT version || '/' || engine_version || '/' || schema_name || '/' || "
                 "version_hash FROM ds._dlt_version", "1/11/shop/hash-v1");
    tl_expect(d, "SELECT json_extract_string(\"schema\", '$.name') FROM ds._dlt_version", "shop");

    /* same hash again: nothing new */
    assert_int_equal(v->migrate(d, s, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "_dlt_version"), 1);

    /* new columns and a new version: ALTER ADD COLUMN, second version row */
    tl_col(s, t, "note", DT_TEXT, true, -1, -1, -1);
    tl_col(s, t, "paid_at", DT_TIMESTAMP, false, -1, -1, -1);
    s->version = 2;
    s->version_hash = "hash-v2";
    st = v->migrate(d, s, &err);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    assert_int_equal(tl_count(d, "_dlt_version"), 2);
    tl_expect(d, "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                 "information_schema.columns WHERE table_schema='ds' AND table_name='orders'",
              "id,total,_dlt_load_id,_dlt_id,note,paid_at");
    tl_expect(d, "SELECT data_type FROM information_schema.columns WHERE table_schema='ds' AND "
                 "table_name='orders' AND column_name='paid_at'", "TIMESTAMP WITH TIME ZONE");

    /* stored schema lookup: newest by inserted_at */
    buf js = BUF_INIT;
    bool found = false;
    assert_int_equal(v->get_stored_schema(d, "shop", &js, &found, &err), CDLT_OK);
    assert_true(found);
    assert_non_null(strstr(js.data, "paid_at"));
    buf_clear(&js);
    assert_int_equal(v->get_stored_schema(d, NULL, &js, &found, &err), CDLT_OK);
    assert_true(found);
    buf_clear(&js);
    assert_int_equal(v->get_stored_schema(d, "other", &js, &found, &err), CDLT_OK);
    assert_false(found);
    buf_free(&js);

    /* drop: tables gone, schema versions deleted */
    const char *drop[] = {"orders", "never_existed"};
    assert_int_equal(v->drop_tables(d, drop, 2, "shop", &err), CDLT_OK);
    assert_int_equal(tl_count(d, "orders"), -1);
    assert_int_equal(tl_count(d, "_dlt_version"), 0);

    schema_free(s);
    v->close(d);
    tu_rm_rf(dir);
    free(dir);
}

static void test_open_errors(void **state)
{
    (void)state;
    const dest_vtable *v = dest_find("duckdb");
    destination *d = (destination *)1;
    cdlt_error err = {0};
    dest_config cfg = {.pipeline_name = "p", .dataset_name = "ds",
                       .credentials = "/nonexistent/dir/x.duckdb"};
    assert_int_equal(v->open(&cfg, &d, &err), CDLT_DESTINATION);
    assert_null(d);
    assert_non_null(strstr(err.message, "x.duckdb"));
    assert_null(strstr(err.message, "/nonexistent/dir")); /* the path may carry secrets */
    cfg.dataset_name = NULL;
    assert_int_equal(v->open(&cfg, &d, &err), CDLT_CONFIG);
    /* in-memory database works; destination.duckdb.create_indexes is read from options */
    arena a;
    arena_init(&a, 1024, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_set(&ob, &a, "create_indexes", 14, jv_bool(true));
    cfg.options = &ob.value;
    cfg.dataset_name = "ds";
    cfg.credentials = ":memory:";
    assert_int_equal(v->open(&cfg, &d, &err), CDLT_OK);
    assert_true(d->create_indexes);
    arena_free(&a);
    assert_int_equal(tl_count(d, "nothing"), -1);
    bool done = true;
    assert_int_equal(v->is_load_completed(d, "123", &done, &err), CDLT_OK);
    assert_false(done);
    v->close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_mapping),
        cmocka_unit_test(test_create_table_sql),
        cmocka_unit_test(test_migrate_twice),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
