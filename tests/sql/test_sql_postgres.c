/* test_sql_postgres.c: the sql_database source reading the fixture PostgreSQL server into
 * DuckDB with the real binary: every common type with the type dlt gives it (NULLs, extremes,
 * Unicode, time zones, json/jsonb, arrays, uuid, bytea, enum, domain), incremental over two
 * runs with rows inserted and updated between, merge on the reflected primary key, connection
 * refused and wrong password (clear error, password never shown) (issue 13 #2, #3). */
#include "sqlt.h"

#include <libpq-fe.h>
#include <unistd.h>

static char g_schema[64];

static void pg_exec_ok(const char *sql)
{
    PGconn *c = PQconnectdb(tu_db_url("postgres"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "pg: %s\n", PQresultErrorMessage(r));
    assert_true(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
    PQfinish(c);
}

static int setup(void **st)
{
    (void)st;
    snprintf(g_schema, sizeof g_schema, "sqlsrc_%d", (int)getpid());
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; SET "
                              "search_path = %s", g_schema, g_schema, g_schema);
    pg_exec_ok(sql);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", g_schema);
    pg_exec_ok(sql);
    return 0;
}

/* Run SQL with the test's schema first on the search path. */
static void pg_in_schema(const char *body)
{
    size_t n = strlen(body) + 256;
    char *sql = malloc(n);
    snprintf(sql, n, "SET search_path = %s; %s", g_schema, body);
    pg_exec_ok(sql);
    free(sql);
}

static void def_pg(sqlt *t, const char *name, const char *extra)
{
    char src[4096];
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"%s\"\nschema = \"%s\"\n%s",
             tu_db_url("postgres"), g_schema, extra);
    sqlt_def(t, name, src);
}

static void test_types(void **st)
{
    (void)st;
    pg_in_schema(
        "CREATE TYPE mood AS ENUM ('sad', 'happy');"
        "CREATE DOMAIN posint AS integer CHECK (VALUE > 0);"
        "CREATE TABLE all_types(id serial PRIMARY KEY, i2 smallint, i4 integer NOT NULL,"
        " i8 bigint, n numeric(12,3), nn numeric, r real, d double precision, t text,"
        " vc varchar(10), ch char(4), b boolean, ts timestamp, tstz timestamptz, dt date,"
        " tm time, js json, jb jsonb, arr int[], u uuid, by bytea, m mood, dom posint,"
        " ip inet);"
        "INSERT INTO all_types(i2, i4, i8, n, nn, r, d, t, vc, ch, b, ts, tstz, dt, tm, js, jb,"
        " arr, u, by, m, dom, ip) VALUES"
        " (-32768, 2147483647, -9223372036854775808, 123456789.125, 1e-20, 1.5,"
        " 1.7976931348623157e308, 'héllo ✓ 日本', 'abc', 'ab', true,"
        " '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', '2024-02-29', '13:14:15.5',"
        " '{\"a\":[1,2]}', '{\"b\": {\"c\": null}}', '{1,2,NULL}',"
        " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff', 'happy', 5, '10.0.0.1'),"
        " (0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
        " NULL, NULL, '{}', NULL, NULL, NULL, NULL, NULL);"
        "CREATE TABLE empty_t(id int PRIMARY KEY, v text);");
    sqlt t;
    sqlt_init(&t, "sqlpg-types");
    def_pg(&t, "pgtypes", "");
    sqlt_run_ok(&t);
    expect_text(t.db,
                "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
                "ordinal_position) FROM information_schema.columns WHERE table_schema = 'd' "
                "AND table_name = 'all_types' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
                "id:BIGINT,i2:BIGINT,i4:BIGINT,i8:BIGINT,n:DECIMAL(12,3),nn:DECIMAL(38,9),"
                "r:DOUBLE,d:DOUBLE,t:VARCHAR,vc:VARCHAR,ch:VARCHAR,b:BOOLEAN,ts:TIMESTAMP,"
                "tstz:TIMESTAMP WITH TIME ZONE,dt:DATE,tm:TIME,js:JSON,jb:JSON,arr:JSON,"
                "u:VARCHAR,by:BLOB,m:VARCHAR,dom:BIGINT,ip:VARCHAR");
    expect_text(t.db,
                "SELECT concat_ws('|', i2, i4, i8, n, nn, r, d, t, vc, ch, b, ts, "
                "epoch_us(tstz), dt, tm, js, jb, arr, u, hex(\"by\"), m, dom, ip) FROM "
                "d.all_types WHERE id = 1",
                "-32768|2147483647|-9223372036854775808|123456789.125|0.000000000|1.5|"
                "1.7976931348623157e+308|héllo ✓ 日本|abc|ab  |true|2024-01-02 03:04:05.123456|"
                "1704157445000000|2024-02-29|13:14:15.5|{\"a\":[1,2]}|{\"b\":{\"c\":null}}|"
                "[1,2,null]|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|00FF|happy|5|10.0.0.1");
    expect_text(t.db,
                "SELECT concat_ws('|', i4, coalesce(n::text, 'N'), coalesce(t, 'N'), "
                "coalesce(tstz::text, 'N'), arr) FROM d.all_types WHERE id = 2",
                "0|N|N|N|[]");
    /* the reflected primary key and NOT NULL */
    expect_text(t.db,
                "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                "information_schema.columns WHERE table_schema = 'd' AND table_name = "
                "'all_types' AND is_nullable = 'NO' AND column_name NOT LIKE '\\_dlt%' "
                "ESCAPE '\\'",
                "id,i4");
    assert_true(pt_count(t.db, "d", "empty_t") <= 0);
    sqlt_free(&t);
}

static void test_incremental_merge(void **st)
{
    (void)st;
    pg_in_schema("CREATE TABLE orders(id int, region text, qty int, updated_at timestamptz,"
                 " PRIMARY KEY (region, id));"
                 "INSERT INTO orders VALUES (1, 'eu', 10, '2024-01-01 00:00:00+00'),"
                 " (2, 'eu', 20, '2024-01-02 00:00:00+00'), (1, 'us', 30,"
                 " '2024-01-03 00:00:00+00');");
    sqlt t;
    sqlt_init(&t, "sqlpg-inc");
    def_pg(&t, "pginc",
           "table_names = [\"orders\"]\nwrite_disposition = \"merge\"\n"
           "[source.tables.orders.incremental]\ncursor_path = \"updated_at\"\n"
           "initial_value = \"2024-01-01T12:00:00Z\"\n");
    sqlt_run_ok(&t);
    /* the row before initial_value is not read */
    assert_int_equal(pt_count(t.db, "d", "orders"), 2);
    pg_in_schema("UPDATE orders SET qty = 21, updated_at = '2024-02-01 00:00:00+00' WHERE id = 2;"
                 "INSERT INTO orders VALUES (3, 'eu', 40, '2024-02-02 00:00:00+00');");
    sqlt_run_ok(&t);
    /* merged on the reflected key (region, id): the update replaced its row */
    assert_int_equal(pt_count(t.db, "d", "orders"), 3);
    expect_text(t.db, "SELECT string_agg(region || id || ':' || qty, ',' ORDER BY region, id) "
                      "FROM d.orders", "eu2:21,eu3:40,us1:30");
    /* the second run read only what changed (2 rows) */
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM d.orders WHERE _dlt_load_id = "
                                        "(SELECT max(_dlt_load_id) FROM d.orders)"),
                     2);
    /* a third run reads nothing new */
    sqlt_run_ok(&t);
    assert_int_equal(pt_count(t.db, "d", "orders"), 3);
    sqlt_free(&t);
}

/* Hostile names (quotes, spaces, the 63-byte identifier limit) and 300 columns. */
static void test_shapes(void **st)
{
    (void)st;
    char name63[64];
    memset(name63, 'y', 63);
    name63[63] = 0;
    char *sql = malloc(32768);
    size_t n = (size_t)sprintf(sql, "CREATE TABLE \"it's \"\"q\"\" t\"(\"col with space\" text,"
                                    " \"%s\" int PRIMARY KEY);"
                                    "INSERT INTO \"it's \"\"q\"\" t\" VALUES ('a b', 7);"
                                    "CREATE TABLE wide(id int PRIMARY KEY",
                               name63);
    for (int i = 0; i < 299; i++)
        n += (size_t)sprintf(sql + n, ", c%03d %s", i, i % 2 ? "numeric(8,2)" : "text");
    n += (size_t)sprintf(sql + n, "); INSERT INTO wide(id, c000, c001, c298) VALUES "
                                  "(1, 'v', 1.25, 'last');");
    pg_in_schema(sql);
    free(sql);
    sqlt t;
    sqlt_init(&t, "sqlpg-shapes");
    def_pg(&t, "pgshapes", "table_names = [\"it's \\\"q\\\" t\", \"wide\"]\n");
    sqlt_run_ok(&t);
    char q[512];
    snprintf(q, sizeof q, "SELECT concat_ws('|', col_with_space, \"%s\") FROM d.it_s_q_t", name63);
    expect_text(t.db, q, "a b|7");
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM information_schema.columns WHERE "
                                        "table_schema = 'd' AND table_name = 'wide'"),
                     300 + 2);
    expect_text(t.db, "SELECT concat_ws('|', c000, c001, c298) FROM d.wide", "v|1.25|last");
    sqlt_free(&t);
}

/* resolve_foreign_keys: keys to the same table merge into one `references` entry (constraints
 * by name, columns in key order); a key into another schema is left out as dlt does; a
 * referenced table outside table_names is still named. */
static void test_references(void **st)
{
    (void)st;
    char sql[2048];
    snprintf(sql, sizeof sql,
             "DROP SCHEMA IF EXISTS %s_x CASCADE; CREATE SCHEMA %s_x;"
             "CREATE TABLE %s_x.ext(id int PRIMARY KEY);"
             "CREATE TABLE parent(id int PRIMARY KEY, k2 int, UNIQUE(id, k2));"
             "CREATE TABLE child(id int PRIMARY KEY, pid int REFERENCES parent(id), a int,"
             " b int, ext int REFERENCES %s_x.ext(id), FOREIGN KEY (a, b) REFERENCES"
             " parent(id, k2));"
             "INSERT INTO parent VALUES (1, 2); INSERT INTO child VALUES (1, 1, 1, 2, NULL);",
             g_schema, g_schema, g_schema, g_schema);
    pg_in_schema(sql);
    sqlt t;
    sqlt_init(&t, "sqlpg-refs");
    def_pg(&t, "pgrefs", "table_names = [\"child\"]\nresolve_foreign_keys = true\n");
    sqlt_run_ok(&t);
    expect_schema_key(&t, "pgrefs", "child", "references",
                      "[{\"referenced_table\":\"parent\",\"referenced_columns\":"
                      "[\"id\",\"k2\",\"id\"],\"columns\":[\"a\",\"b\",\"pid\"]}]");
    assert_int_equal(pt_count(t.db, "d", "child"), 1);
    sqlt_free(&t);
    snprintf(sql, sizeof sql, "DROP SCHEMA %s_x CASCADE", g_schema);
    pg_exec_ok(sql);
}

/* full_with_precision: an enum column is text as long as its longest label (SQLAlchemy's Enum
 * length, checked with dlt 1.26); an enum without labels has no precision. */
static void test_enum_precision(void **st)
{
    (void)st;
    pg_in_schema("CREATE TYPE feel AS ENUM ('sad', 'happy', 'ok');"
                 "CREATE TYPE nolabel AS ENUM ();"
                 "CREATE TABLE en(id int PRIMARY KEY, m feel, z nolabel);"
                 "INSERT INTO en VALUES (1, 'happy', NULL);");
    sqlt t;
    sqlt_init(&t, "sqlpg-enum");
    def_pg(&t, "pgenum", "table_names = [\"en\"]\nreflection_level = \"full_with_precision\"\n");
    sqlt_run_ok(&t);
    expect_schema_key(&t, "pgenum", "en", "columns.m",
                      "{\"name\":\"m\",\"data_type\":\"text\",\"nullable\":true,"
                      "\"precision\":5}");
    expect_schema_key(&t, "pgenum", "en", "columns.z.precision", NULL);
    expect_text(t.db, "SELECT m FROM d.en", "happy");
    sqlt_free(&t);
}

static void test_connection_errors(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sqlpg-err");
    /* wrong password: the server refuses; the message says so, never the password */
    char url[1024];
    snprintf(url, sizeof url, "postgresql://cdlt:Wr0ngSecretPw@127.0.0.1:%s/cdlt_test",
             tu_db_env("CDLT_TEST_PG_PORT"));
    char src[2048];
    snprintf(src, sizeof src, "source = { type = \"sql_database\", credentials = \"%s\" }", url);
    sqlt_def(&t, "pgerr1", src);
    cli_res r = sqlt_run(&t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "password authentication failed"));
    assert_non_null(strstr(r.err, "cdlt:***@127.0.0.1"));
    assert_null(strstr(r.err, "Wr0ngSecretPw"));
    assert_null(strstr(r.out, "Wr0ngSecretPw"));
    res_free(&r);
    /* connection refused: a port nothing listens on */
    sqlt_def(&t, "pgerr2", "source = { type = \"sql_database\", credentials = "
                           "\"postgresql://u:An0therSecret@127.0.0.1:1/db\" }");
    r = sqlt_run(&t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "cannot connect to PostgreSQL"));
    assert_non_null(strstr(r.err, "refused"));
    assert_null(strstr(r.err, "An0therSecret"));
    res_free(&r);
    sqlt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_incremental_merge),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_connection_errors),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_enum_precision),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
