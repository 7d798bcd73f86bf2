/* test_sqlgen_ddl.c: the DDL text of each dialect, exactly: dlt's type for every data type and
 * precision (DuckDbTypeMapper, PostgresTypeMapper), CREATE TABLE (schema order, incomplete
 * columns left out, UNIQUE with create_indexes, NOT NULL, quotes in names), ALTER TABLE ADD
 * COLUMN (several per statement in postgres, one in duckdb), CREATE SCHEMA and the identifier
 * limit. A change of any dialect's output fails here before it reaches a database. */
#include "testutil.h"

#include "sqlgen/sqlgen.h"

#include <stdio.h>
#include <string.h>

static schema *g_s;

static schema_column *col(schema_table *t, const char *name, dtype type, bool nullable, int tz,
                          int prec, int scale)
{
    schema_column c = schema_column_init(name, type);
    c.nullable = nullable;
    c.timezone = (int8_t)tz;
    c.precision = prec;
    c.scale = scale;
    cdlt_error err = {0};
    uint32_t idx = 0;
    assert_int_equal(table_add_column(g_s, t, &c, &idx, &err), CDLT_OK);
    return &t->columns[idx];
}

static schema_table *table(const char *name)
{
    schema_table *t = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_add_table(g_s, name, NULL, &t, &err), CDLT_OK);
    return t;
}

static int setup(void **st)
{
    (void)st;
    cdlt_error err = {0};
    return schema_new("m", &g_s, &err) == CDLT_OK ? 0 : -1;
}

static int teardown(void **st)
{
    (void)st;
    schema_free(g_s);
    return 0;
}

typedef struct tcase {
    dtype ty;
    int tz, p, sc;
    const char *duck, *pg; /* NULL = no type (CDLT_SCHEMA) */
} tcase;

static const tcase TYPES[] = {
    {DT_TEXT, -1, -1, -1, "VARCHAR", "varchar"},
    {DT_TEXT, -1, 10, -1, "VARCHAR", "varchar(10)"},
    {DT_DOUBLE, -1, -1, -1, "DOUBLE", "double precision"},
    {DT_BOOL, -1, -1, -1, "BOOLEAN", "boolean"},
    {DT_BIGINT, -1, -1, -1, "BIGINT", "bigint"},
    {DT_BIGINT, -1, 8, -1, "TINYINT", "smallint"},
    {DT_BIGINT, -1, 16, -1, "SMALLINT", "smallint"},
    {DT_BIGINT, -1, 32, -1, "INTEGER", "integer"},
    {DT_BIGINT, -1, 64, -1, "BIGINT", "bigint"},
    {DT_BIGINT, -1, 128, -1, "HUGEINT", NULL},
    {DT_BIGINT, -1, 200, -1, NULL, NULL},
    {DT_TIMESTAMP, -1, -1, -1, "TIMESTAMP WITH TIME ZONE", "timestamp with time zone"},
    {DT_TIMESTAMP, 1, 3, -1, "TIMESTAMP WITH TIME ZONE", "timestamp (3) with time zone"},
    {DT_TIMESTAMP, 0, -1, -1, "TIMESTAMP", "timestamp without time zone"},
    {DT_TIMESTAMP, 0, 6, -1, "TIMESTAMP", "timestamp (6) without time zone"},
    {DT_TIMESTAMP, 0, 0, -1, "TIMESTAMP_S", "timestamp (0) without time zone"},
    {DT_TIMESTAMP, 0, 3, -1, "TIMESTAMP_MS", "timestamp (3) without time zone"},
    {DT_TIMESTAMP, 0, 4, -1, NULL, "timestamp (4) without time zone"},
    {DT_TIMESTAMP, 0, 9, -1, "TIMESTAMP_NS", NULL},
    {DT_DATE, -1, -1, -1, "DATE", "date"},
    {DT_TIME, -1, -1, -1, "TIME", "time without time zone"},
    {DT_TIME, -1, 3, -1, "TIME", "time (3) without time zone"},
    {DT_TIME, -1, 7, -1, "TIME", NULL},
    {DT_BINARY, -1, -1, -1, "BLOB", "bytea"},
    {DT_JSON, -1, -1, -1, "JSON", "jsonb"},
    {DT_DECIMAL, -1, -1, -1, "DECIMAL(38,9)", "numeric(38,9)"},
    {DT_DECIMAL, -1, 10, 2, "DECIMAL(10,2)", "numeric(10,2)"},
    /* postgres: the default scale 9 exceeds the precision: refused as before */
    {DT_DECIMAL, -1, 5, -1, "DECIMAL(5,0)", NULL},
    {DT_DECIMAL, -1, 5, 3, "DECIMAL(5,3)", "numeric(5,3)"},
    {DT_DECIMAL, -1, 50, 2, NULL, "numeric(50,2)"},
    {DT_DECIMAL, -1, 1001, 2, NULL, NULL},
    {DT_DECIMAL, -1, 5, 6, NULL, NULL},
    {DT_WEI, -1, -1, -1, "DECIMAL(38,0)", "numeric(156,78)"},
    {DT_NONE, -1, -1, -1, NULL, NULL},
};

static void check_types(const sqlgen_dialect *dl, bool pg)
{
    schema_table *t = table(pg ? "tpg" : "tduck");
    buf b = BUF_INIT;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(TYPES); i++) {
        const tcase *k = &TYPES[i];
        schema_column c = schema_column_init("c", k->ty);
        c.timezone = (int8_t)k->tz;
        c.precision = k->p;
        c.scale = k->sc;
        cdlt_error err = {0};
        buf_clear(&b);
        cdlt_status st = sqlgen_column_type(dl, t, &c, &b, &err);
        const char *want = pg ? k->pg : k->duck;
        if (want) {
            if (st != CDLT_OK || strcmp(buf_cstr(&b), want) != 0)
                fprintf(stderr, "%s case %zu: want '%s' got '%s' (%s)\n", dl->name, i, want,
                        buf_cstr(&b), err.message);
            assert_int_equal(st, CDLT_OK);
            assert_string_equal(buf_cstr(&b), want);
        } else {
            if (st != CDLT_SCHEMA)
                fprintf(stderr, "%s case %zu: want an error, got '%s'\n", dl->name, i,
                        buf_cstr(&b));
            assert_int_equal(st, CDLT_SCHEMA);
            /* the message names engine, column and table */
            assert_non_null(strstr(err.message, dl->name));
            assert_non_null(strstr(err.message, "'c'"));
            assert_non_null(strstr(err.message, pg ? "'tpg'" : "'tduck'"));
        }
    }
    buf_free(&b);
}

static void test_types_duckdb(void **st)
{
    (void)st;
    check_types(&sqlgen_duckdb, false);
}

static void test_types_postgres(void **st)
{
    (void)st;
    check_types(&sqlgen_postgres, true);
}

static void test_create_table(void **st)
{
    (void)st;
    schema_table *t = table("ev\"ents");
    col(t, "id", DT_BIGINT, false, -1, -1, -1)->hints |= HINT_UNIQUE;
    col(t, "name", DT_TEXT, true, -1, 20, -1);
    col(t, "hint_only", DT_NONE, true, -1, -1, -1);
    col(t, "amount", DT_DECIMAL, true, -1, 12, 4);
    col(t, "at", DT_TIMESTAMP, false, 0, -1, -1);
    cdlt_error err = {0};
    buf b = BUF_INIT;
    assert_int_equal(sqlgen_create_table(&sqlgen_duckdb, "my\"ds", t, false, &b, &err), CDLT_OK);
    assert_string_equal(buf_cstr(&b),
                        "CREATE TABLE \"my\"\"ds\".\"ev\"\"ents\" (\"id\" BIGINT NOT NULL, "
                        "\"name\" VARCHAR, \"amount\" DECIMAL(12,4), \"at\" TIMESTAMP NOT NULL)");
    buf_clear(&b);
    assert_int_equal(sqlgen_create_table(&sqlgen_duckdb, "ds", t, true, &b, &err), CDLT_OK);
    assert_string_equal(buf_cstr(&b),
                        "CREATE TABLE \"ds\".\"ev\"\"ents\" (\"id\" BIGINT UNIQUE NOT NULL, "
                        "\"name\" VARCHAR, \"amount\" DECIMAL(12,4), \"at\" TIMESTAMP NOT NULL)");
    buf_clear(&b);
    assert_int_equal(sqlgen_create_table(&sqlgen_postgres, "ds", t, true, &b, &err), CDLT_OK);
    assert_string_equal(buf_cstr(&b),
                        "CREATE TABLE \"ds\".\"ev\"\"ents\" (\"id\" bigint UNIQUE NOT NULL, "
                        "\"name\" varchar(20), \"amount\" numeric(12,4), \"at\" timestamp "
                        "without time zone NOT NULL)");
    buf_clear(&b);
    assert_int_equal(sqlgen_create_table(&sqlgen_postgres, "ds", t, false, &b, &err), CDLT_OK);
    assert_string_equal(buf_cstr(&b),
                        "CREATE TABLE \"ds\".\"ev\"\"ents\" (\"id\" bigint NOT NULL, "
                        "\"name\" varchar(20), \"amount\" numeric(12,4), \"at\" timestamp "
                        "without time zone NOT NULL)");
    /* the UNIQUE clauses left out above, as one ALTER TABLE (postgres adds them after the
     * first load); none for a table without unique columns */
    col(t, "code", DT_TEXT, false, -1, -1, -1)->hints |= HINT_UNIQUE;
    col(t, "later", DT_NONE, true, -1, -1, -1)->hints |= HINT_UNIQUE;
    bool any = false;
    buf_clear(&b);
    assert_int_equal(sqlgen_add_unique(&sqlgen_postgres, "ds", t, &b, &any), CDLT_OK);
    assert_true(any);
    assert_string_equal(buf_cstr(&b), "ALTER TABLE \"ds\".\"ev\"\"ents\" ADD UNIQUE (\"id\"), "
                                      "ADD UNIQUE (\"code\")");
    schema_table *plain = table("plain");
    col(plain, "x", DT_BIGINT, true, -1, -1, -1);
    buf_clear(&b);
    assert_int_equal(sqlgen_add_unique(&sqlgen_postgres, "ds", plain, &b, &any), CDLT_OK);
    assert_false(any);
    assert_int_equal(b.len, 0);
    /* an unmappable column fails the whole statement, naming it */
    col(t, "huge", DT_BIGINT, true, -1, 100, -1);
    buf_clear(&b);
    assert_int_equal(sqlgen_create_table(&sqlgen_postgres, "ds", t, false, &b, &err),
                     CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "'huge'"));
    buf_free(&b);
}

static void test_add_columns(void **st)
{
    (void)st;
    schema_table *t = table("users");
    col(t, "a", DT_BIGINT, false, -1, -1, -1)->hints |= HINT_UNIQUE;
    col(t, "b", DT_JSON, true, -1, -1, -1);
    const schema_column *cols[2] = {&t->columns[0], &t->columns[1]};
    cdlt_error err = {0};
    buf b = BUF_INIT;
    /* NOT NULL and UNIQUE are never added on ALTER */
    assert_int_equal(sqlgen_add_columns(&sqlgen_postgres, "ds", t, cols, 2, &b, &err), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "ALTER TABLE \"ds\".\"users\" ADD COLUMN \"a\" bigint, "
                                      "ADD COLUMN \"b\" jsonb");
    buf_clear(&b);
    assert_int_equal(sqlgen_add_columns(&sqlgen_duckdb, "ds", t, cols + 1, 1, &b, &err),
                     CDLT_OK);
    assert_string_equal(buf_cstr(&b), "ALTER TABLE \"ds\".\"users\" ADD COLUMN \"b\" JSON");
    buf_clear(&b);
    assert_int_equal(sqlgen_add_columns(&sqlgen_duckdb, "ds", t, cols, 2, &b, &err),
                     CDLT_INVALID_ARG);
    buf_clear(&b);
    assert_int_equal(sqlgen_create_dataset(&sqlgen_postgres, "my ds", &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "CREATE SCHEMA IF NOT EXISTS \"my ds\"");
    buf_clear(&b);
    assert_int_equal(sqlgen_create_dataset(&sqlgen_duckdb, "x", &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "CREATE SCHEMA IF NOT EXISTS \"x\"");
    buf_free(&b);
}

static void test_identifier_limit(void **st)
{
    (void)st;
    char name[80];
    memset(name, 'n', 64);
    name[64] = '\0';
    schema_table *t = table("limits");
    col(t, name, DT_TEXT, true, -1, -1, -1);
    cdlt_error err = {0};
    assert_int_equal(sqlgen_check_idents(&sqlgen_duckdb, t, &err), CDLT_OK);
    assert_int_equal(sqlgen_check_idents(&sqlgen_postgres, t, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "63-byte"));
    assert_non_null(strstr(err.message, "of table limits"));
    /* 63 bytes fit; an incomplete column is not created, so not checked */
    name[63] = '\0';
    schema_table *t2 = table("limits2");
    col(t2, name, DT_TEXT, true, -1, -1, -1);
    memset(name, 'x', 70);
    name[70] = '\0';
    col(t2, name, DT_NONE, true, -1, -1, -1);
    assert_int_equal(sqlgen_check_idents(&sqlgen_postgres, t2, &err), CDLT_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_duckdb), cmocka_unit_test(test_types_postgres),
        cmocka_unit_test(test_create_table), cmocka_unit_test(test_add_columns),
        cmocka_unit_test(test_identifier_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
