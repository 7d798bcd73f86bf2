/* test_sql_mysql: the MySQL/MariaDB reader of the sql_database source against the fixture
 * MariaDB server: dlt's type mapping per reflection level, every column type streamed with
 * NULLs, extremes and Unicode, an empty table, hostile names, and connection errors that say
 * what happened without showing the password. */
#include "testutil.h"

#include "sources/sql/mysql.h"

#include <mysql.h>
#include <stdio.h>
#include <string.h>

#define DB "t_sql_mysql"

/* ---- setup through the plain client: the database the tests read ---- */

static MYSQL *admin(void)
{
    const char *url = tu_db_url("mysql");
    char user[64], pw[64], host[64], db[64];
    unsigned port;
    assert_int_equal(sscanf(url, "mysql://%63[^:]:%63[^@]@%63[^:]:%u/%63s", user, pw, host, &port, db), 5);
    MYSQL *m = mysql_init(NULL);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, host, user, pw, NULL, port, NULL, 0))
        fail_msg("connect: %s", mysql_error(m));
    /* TIMESTAMP literals below are UTC whatever the machine's zone */
    if (mysql_query(m, "SET time_zone = '+00:00'"))
        fail_msg("%s", mysql_error(m));
    return m;
}

static void run(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql))
        fail_msg("%s: %s", sql, mysql_error(m));
}

static char url_buf[512];
static const char *db_url(void)
{
    const char *url = tu_db_url("mysql");
    const char *slash = strrchr(url, '/');
    snprintf(url_buf, sizeof url_buf, "%.*s/" DB, (int)(slash - url), url);
    return url_buf;
}

static int setup(void **state)
{
    (void)state;
    MYSQL *m = admin();
    run(m, "DROP DATABASE IF EXISTS " DB);
    run(m, "CREATE DATABASE " DB " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    run(m, "USE " DB);
    run(m, "CREATE TABLE all_types ("
           " id INT NOT NULL PRIMARY KEY,"
           " c_bool BOOL, c_tiny TINYINT, c_utiny TINYINT UNSIGNED, c_small SMALLINT,"
           " c_medium MEDIUMINT, c_int INT, c_uint INT UNSIGNED, c_big BIGINT,"
           " c_ubig BIGINT UNSIGNED, c_dec DECIMAL(38,9), c_dec2 DECIMAL(5,2), c_num NUMERIC(10),"
           " c_float FLOAT, c_double DOUBLE, c_double_md DOUBLE(10,3), c_real REAL,"
           " c_char CHAR(10), c_varchar VARCHAR(200), c_tinytext TINYTEXT, c_text TEXT,"
           " c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,"
           " c_binary BINARY(4), c_varbinary VARBINARY(16), c_blob BLOB, c_longblob LONGBLOB,"
           " c_date DATE, c_datetime DATETIME, c_datetime6 DATETIME(6), c_ts TIMESTAMP(3) NULL,"
           " c_time TIME, c_time6 TIME(6), c_year YEAR, c_bit BIT(1), c_bit64 BIT(63),"
           " c_json JSON, c_enum ENUM('small','medium','extra large'), c_set SET('a','bb','ccc'))");
    run(m, "INSERT INTO all_types VALUES (1,"
           " TRUE, -128, 255, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808,"
           " 9223372036854775807, -99999999999999999999999999999.999999999, 999.99, 1234567890,"
           " 1.5, 1.7976931348623157e308, 1234567.125, -0.5,"
           " 'abc', 'Zürich ☃ 😀 \"q\" ''s''', 'tiny', 'text\nline', 'medium', 'long 😀',"
           " X'00FF0102', X'DEADBEEF', X'000102', X'',"
           " '1000-01-01', '9999-12-31 23:59:59', '2024-02-29 12:34:56.123456',"
           " '2038-01-19 03:14:07.999',"
           " '23:59:59', '00:00:00.000001', 2155, b'1', b'111111111111111111111111111111111111111111111111111111111111111',"
           " '{\"a\": [1, 2.5, \"x\"], \"b\": null}', 'extra large', 'a,ccc')");
    run(m, "INSERT INTO all_types (id) VALUES (2)");
    run(m, "INSERT INTO all_types (id, c_small, c_dec, c_float, c_double, c_varchar, c_date,"
           " c_datetime, c_time, c_year, c_bit, c_json, c_enum, c_set, c_bool) VALUES"
           " (3, 32767, 0, -3.25e-10, -2.5e-300, '', '2024-01-02', '1970-01-01 00:00:00',"
           " '12:00:00', 1901, b'0', '[]', 'small', '', FALSE)");
    run(m, "CREATE TABLE empty_t (id BIGINT PRIMARY KEY, v VARCHAR(5))");
    run(m, "CREATE TABLE `we``\"ird ta'ble ü` (`col ``x`` \"y\"` INT, "
           "`c123456789012345678901234567890123456789012345678901234567890123` VARCHAR(3),"
           " `Upper` INT, PRIMARY KEY (`Upper`, `col ``x`` \"y\"`))");
    run(m, "INSERT INTO `we``\"ird ta'ble ü` VALUES (7, 'ab', 1)");
    run(m, "CREATE TABLE Mixed (a INT)");
    run(m, "CREATE VIEW v_all AS SELECT id FROM all_types");
    mysql_close(m);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    MYSQL *m = admin();
    run(m, "DROP DATABASE IF EXISTS " DB);
    mysql_close(m);
    return 0;
}

/* ---- helpers ---- */

static sqlmy_conn *conn(void)
{
    sqlmy_conn *c = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    if (sqlmy_connect(db_url(), &c, &err) != CDLT_OK)
        fail_msg("%s", err.message);
    return c;
}

static const sqlmy_column *col(const sqlmy_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    fail_msg("no column %s", name);
    return NULL;
}

static void expect_hint(const sqlmy_table *t, const char *name, dtype type, int prec, int scale)
{
    const sqlmy_column *c = col(t, name);
    if (c->type != type || c->precision != prec || c->scale != scale)
        fail_msg("%s (%s): got %s(%d,%d), want %s(%d,%d)", name, c->sql_type,
                 dtype_name(c->type) ? dtype_name(c->type) : "none", c->precision, c->scale,
                 dtype_name(type) ? dtype_name(type) : "none", prec, scale);
}

/* ---- tests ---- */

static void test_reflect_levels(void **state)
{
    (void)state;
    sqlmy_conn *c = conn();
    cdlt_error err;
    sqlmy_table *t = NULL;
    assert_int_equal(sqlmy_reflect(c, NULL, "all_types", SQLMY_FULL, &t, &err), CDLT_OK);
    assert_int_equal(t->ncols, 39);
    assert_int_equal(t->primary_key.n, 1);
    assert_string_equal(t->primary_key.v[0], "id");
    assert_false(col(t, "id")->nullable);
    assert_true(col(t, "c_int")->nullable);
    /* dlt via SQLAlchemy's MySQL dialect */
    expect_hint(t, "c_bool", DT_BIGINT, -1, -1); /* tinyint(1) is TINYINT, not Boolean */
    expect_hint(t, "c_tiny", DT_BIGINT, -1, -1);
    expect_hint(t, "c_small", DT_BIGINT, -1, -1);
    expect_hint(t, "c_ubig", DT_BIGINT, -1, -1);
    expect_hint(t, "c_dec", DT_DECIMAL, 38, 9);
    expect_hint(t, "c_dec2", DT_DECIMAL, 5, 2);
    expect_hint(t, "c_num", DT_DECIMAL, 10, 0);
    expect_hint(t, "c_float", DT_DOUBLE, -1, -1);
    expect_hint(t, "c_double", DT_DECIMAL, -1, -1); /* DOUBLE asdecimal=True */
    expect_hint(t, "c_double_md", DT_DECIMAL, 10, 3);
    expect_hint(t, "c_real", DT_DECIMAL, -1, -1);
    expect_hint(t, "c_varchar", DT_TEXT, -1, -1);
    expect_hint(t, "c_longtext", DT_TEXT, -1, -1);
    expect_hint(t, "c_binary", DT_BINARY, -1, -1);
    expect_hint(t, "c_blob", DT_BINARY, -1, -1);
    expect_hint(t, "c_date", DT_DATE, -1, -1);
    expect_hint(t, "c_datetime6", DT_TIMESTAMP, -1, -1);
    assert_true(col(t, "c_ts")->has_timezone); /* timezone=false */
    expect_hint(t, "c_time", DT_TIME, -1, -1);
    expect_hint(t, "c_year", DT_NONE, -1, -1);
    expect_hint(t, "c_bit", DT_NONE, -1, -1);
    expect_hint(t, "c_json", DT_TEXT, -1, -1); /* MariaDB's JSON is longtext */
    expect_hint(t, "c_enum", DT_TEXT, -1, -1);
    expect_hint(t, "c_set", DT_TEXT, -1, -1);
    sqlmy_table_free(t);

    assert_int_equal(sqlmy_reflect(c, NULL, "all_types", SQLMY_FULL_PRECISION, &t, &err), CDLT_OK);
    expect_hint(t, "c_small", DT_BIGINT, 32, -1);
    expect_hint(t, "c_int", DT_BIGINT, -1, -1);
    expect_hint(t, "c_char", DT_TEXT, 10, -1);
    expect_hint(t, "c_varchar", DT_TEXT, 200, -1);
    expect_hint(t, "c_text", DT_TEXT, -1, -1);
    expect_hint(t, "c_binary", DT_BINARY, 4, -1);
    expect_hint(t, "c_varbinary", DT_BINARY, 16, -1);
    expect_hint(t, "c_enum", DT_TEXT, 11, -1);
    expect_hint(t, "c_dec2", DT_DECIMAL, 5, 2);
    sqlmy_table_free(t);

    assert_int_equal(sqlmy_reflect(c, NULL, "all_types", SQLMY_MINIMAL, &t, &err), CDLT_OK);
    expect_hint(t, "c_dec", DT_NONE, -1, -1);
    expect_hint(t, "c_varchar", DT_NONE, -1, -1);
    assert_false(col(t, "id")->nullable);
    sqlmy_table_free(t);
    sqlmy_close(c);
}

static void test_map_mysql_json(void **state)
{
    (void)state;
    /* MySQL (not MariaDB) reports a real json type: dlt json, left out at minimal */
    sqlmy_column c;
    memset(&c, 0, sizeof c);
    sqlmy_map_type("json", "json", -1, -1, -1, SQLMY_FULL, &c);
    assert_int_equal(c.type, DT_JSON);
    sqlmy_map_type("json", "json", -1, -1, -1, SQLMY_MINIMAL, &c);
    assert_int_equal(c.type, DT_NONE);
    assert_true(c.skip_on_minimal);
    /* SET: the longest "a,b" text the server reports (CHARACTER_MAXIMUM_LENGTH), since cdlt
     * loads that text; ENUM: SQLAlchemy's longest member */
    memset(&c, 0, sizeof c);
    sqlmy_map_type("set", "set('it''s','ab')", 7, -1, -1, SQLMY_FULL_PRECISION, &c);
    assert_int_equal(c.precision, 7);
    memset(&c, 0, sizeof c);
    sqlmy_map_type("enum", "enum('it''s','ab')", 4, -1, -1, SQLMY_FULL_PRECISION, &c);
    assert_int_equal(c.precision, 4);
    sqlmy_map_type("geometry", "geometry", -1, -1, -1, SQLMY_FULL, &c);
    assert_int_equal(c.type, DT_NONE);
}

static void test_list_tables(void **state)
{
    (void)state;
    sqlmy_conn *c = conn();
    cdlt_error err;
    strv names = {0};
    assert_int_equal(sqlmy_list_tables(c, NULL, false, &names, &err), CDLT_OK);
    assert_int_equal(names.n, 4);
    assert_string_equal(names.v[0], "Mixed");
    assert_string_equal(names.v[1], "all_types");
    assert_string_equal(names.v[2], "empty_t");
    assert_string_equal(names.v[3], "we`\"ird ta'ble ü");
    strv_free(&names);
    assert_int_equal(sqlmy_list_tables(c, DB, true, &names, &err), CDLT_OK);
    assert_int_equal(names.n, 5);
    strv_free(&names);
    /* names are exact: "mixed" is not "Mixed" */
    sqlmy_table *t = NULL;
    assert_int_equal(sqlmy_reflect(c, NULL, "mixed", SQLMY_FULL, &t, &err), CDLT_NOT_FOUND);
    assert_non_null(strstr(err.message, "'mixed' not found"));
    assert_int_equal(sqlmy_reflect(c, NULL, "Mixed", SQLMY_FULL, &t, &err), CDLT_OK);
    sqlmy_table_free(t);
    sqlmy_close(c);
}

static sqlmy_cursor *select_all(sqlmy_conn *c, const sqlmy_table *t)
{
    buf q = BUF_INIT;
    assert_int_equal(sqlmy_select_sql(c, NULL, t, &q), CDLT_OK);
    buf_puts(&q, " ORDER BY 1");
    sqlmy_cursor *cur = NULL;
    cdlt_error err;
    if (sqlmy_query(c, q.data, t->cols, t->ncols, &cur, &err) != CDLT_OK)
        fail_msg("%s", err.message);
    buf_free(&q);
    sqlmy_cursor_set_table(cur, t->name);
    return cur;
}

static size_t idx(const sqlmy_table *t, const char *name) { return (size_t)(col(t, name) - t->cols); }

static void expect_text(const tval *v, dtype type, const char *s)
{
    assert_int_equal(v->type, type);
    if (v->len != strlen(s) || memcmp(v->u.s, s, v->len) != 0)
        fail_msg("got '%.*s' want '%s'", (int)v->len, v->u.s, s);
}

static void test_stream_every_type(void **state)
{
    (void)state;
    sqlmy_conn *c = conn();
    cdlt_error err;
    sqlmy_table *t = NULL;
    assert_int_equal(sqlmy_reflect(c, NULL, "all_types", SQLMY_FULL, &t, &err), CDLT_OK);
    sqlmy_cursor *cur = select_all(c, t);
    assert_int_equal(sqlmy_cursor_ncols(cur), t->ncols);
    arena a;
    arena_init(&a, 4096, 0);
    tval row[40];
    bool eof = false;
    buf fmt = BUF_INIT;

    if (sqlmy_next(cur, &a, row, &eof, &err) != CDLT_OK)
        fail_msg("%s", err.message);
    assert_false(eof);
#define V(name) (&row[idx(t, name)])
    assert_int_equal(V("id")->u.i, 1);
    assert_int_equal(V("c_bool")->type, DT_BIGINT);
    assert_int_equal(V("c_bool")->u.i, 1);
    assert_int_equal(V("c_tiny")->u.i, -128);
    assert_int_equal(V("c_utiny")->u.i, 255);
    assert_int_equal(V("c_small")->u.i, -32768);
    assert_int_equal(V("c_medium")->u.i, -8388608);
    assert_int_equal(V("c_uint")->u.i, 4294967295LL);
    assert_true(V("c_big")->u.i == INT64_MIN);
    assert_true(V("c_ubig")->u.i == INT64_MAX);
    expect_text(V("c_dec"), DT_DECIMAL, "-99999999999999999999999999999.999999999");
    expect_text(V("c_dec2"), DT_DECIMAL, "999.99");
    expect_text(V("c_num"), DT_DECIMAL, "1234567890");
    assert_int_equal(V("c_float")->type, DT_DOUBLE);
    assert_true(V("c_float")->u.d == 1.5);
    assert_int_equal(V("c_double")->type, DT_DECIMAL); /* Decimal("%.10f" % value) as dlt */
    assert_int_equal(V("c_double")->len, 309 + 11);
    expect_text(V("c_double_md"), DT_DECIMAL, "1234567.1250000000");
    expect_text(V("c_real"), DT_DECIMAL, "-0.5000000000");
    expect_text(V("c_char"), DT_TEXT, "abc");
    expect_text(V("c_varchar"), DT_TEXT, "Zürich ☃ 😀 \"q\" 's'");
    expect_text(V("c_text"), DT_TEXT, "text\nline");
    expect_text(V("c_longtext"), DT_TEXT, "long 😀");
    assert_int_equal(V("c_binary")->type, DT_BINARY);
    assert_int_equal(V("c_binary")->len, 4);
    assert_memory_equal(V("c_binary")->u.s, "\x00\xff\x01\x02", 4);
    assert_memory_equal(V("c_varbinary")->u.s, "\xde\xad\xbe\xef", 4);
    assert_int_equal(V("c_blob")->len, 3);
    assert_int_equal(V("c_longblob")->type, DT_BINARY);
    assert_int_equal(V("c_longblob")->len, 0);
    assert_int_equal(V("c_date")->type, DT_DATE);
    types_fmt_date(V("c_date")->u.date, &fmt);
    assert_string_equal(fmt.data, "1000-01-01");
    buf_clear(&fmt);
    assert_int_equal(V("c_datetime")->type, DT_TIMESTAMP);
    assert_int_equal(V("c_datetime")->flags, TV_NAIVE);
    types_fmt_timestamp(V("c_datetime")->u.ts, true, &fmt);
    assert_string_equal(fmt.data, "9999-12-31T23:59:59");
    buf_clear(&fmt);
    types_fmt_timestamp(V("c_datetime6")->u.ts, true, &fmt);
    assert_string_equal(fmt.data, "2024-02-29T12:34:56.123456");
    buf_clear(&fmt);
    types_fmt_timestamp(V("c_ts")->u.ts, true, &fmt); /* UTC session: stored value unchanged */
    assert_string_equal(fmt.data, "2038-01-19T03:14:07.999000");
    buf_clear(&fmt);
    assert_int_equal(V("c_time")->type, DT_TIME);
    types_fmt_time(V("c_time")->u.time, &fmt);
    assert_string_equal(fmt.data, "23:59:59");
    buf_clear(&fmt);
    assert_int_equal(V("c_time6")->u.time, 1);
    assert_int_equal(V("c_year")->type, DT_BIGINT);
    assert_int_equal(V("c_year")->u.i, 2155);
    assert_int_equal(V("c_bit")->type, DT_BIGINT);
    assert_int_equal(V("c_bit")->u.i, 1);
    assert_true(V("c_bit64")->u.i == (INT64_MAX >> 0));
    expect_text(V("c_json"), DT_TEXT, "{\"a\": [1, 2.5, \"x\"], \"b\": null}");
    expect_text(V("c_enum"), DT_TEXT, "extra large");
    expect_text(V("c_set"), DT_TEXT, "a,ccc");

    /* row 2: everything NULL but the key */
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_false(eof);
    assert_int_equal(V("id")->u.i, 2);
    for (size_t i = 1; i < t->ncols; i++)
        if (row[i].type != DT_NONE)
            fail_msg("column %s is not NULL", t->cols[i].name);

    /* row 3: the other ends */
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_int_equal(V("c_small")->u.i, 32767);
    expect_text(V("c_dec"), DT_DECIMAL, "0.000000000");
    assert_true(V("c_float")->u.d < 0);
    expect_text(V("c_double"), DT_DECIMAL, "-0.0000000000");
    expect_text(V("c_varchar"), DT_TEXT, "");
    assert_int_equal(V("c_datetime")->u.ts, 0);
    assert_int_equal(V("c_time")->u.time, 12LL * 3600 * 1000000);
    assert_int_equal(V("c_year")->u.i, 1901);
    assert_int_equal(V("c_bit")->u.i, 0);
    expect_text(V("c_json"), DT_TEXT, "[]");
    expect_text(V("c_set"), DT_TEXT, "");
    assert_int_equal(V("c_bool")->u.i, 0);
#undef V

    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_true(eof);
    sqlmy_cursor_close(cur);
    buf_free(&fmt);
    arena_free(&a);
    sqlmy_table_free(t);
    sqlmy_close(c);
}

static void test_bad_values(void **state)
{
    (void)state;
    /* values a dlt type cannot hold are data errors naming table and column */
    sqlmy_conn *c = conn();
    cdlt_error err;
    sqlmy_cursor *cur = NULL;
    arena a;
    arena_init(&a, 1024, 0);
    tval row[2];
    bool eof;
    assert_int_equal(sqlmy_query(c, "SELECT CAST('-01:00:00' AS TIME), CAST(18446744073709551615 AS UNSIGNED)",
                                 NULL, 0, &cur, &err), CDLT_OK);
    sqlmy_cursor_set_table(cur, "tt");
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_COERCE);
    assert_non_null(strstr(err.message, "MySQL table 'tt' column"));
    assert_non_null(strstr(err.message, "-01:00:00"));
    sqlmy_cursor_close(cur);
    assert_int_equal(sqlmy_query(c, "SELECT 1, CAST(18446744073709551615 AS UNSIGNED)", NULL, 0, &cur, &err), CDLT_OK);
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_COERCE);
    assert_non_null(strstr(err.message, "beyond the bigint range"));
    sqlmy_cursor_close(cur);
    /* zero dates (non-strict sql_mode) read as NULL */
    assert_int_equal(sqlmy_query(c, "SELECT CAST('0000-00-00' AS DATE), CAST('2024-01-02 03:04:05' AS DATETIME)",
                                 NULL, 0, &cur, &err), CDLT_OK);
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_int_equal(row[0].type, DT_NONE);
    assert_int_equal(row[1].type, DT_TIMESTAMP);
    sqlmy_cursor_close(cur);
    arena_free(&a);
    sqlmy_close(c);
}

static void test_empty_and_hostile(void **state)
{
    (void)state;
    sqlmy_conn *c = conn();
    cdlt_error err;
    sqlmy_table *t = NULL;
    arena a;
    arena_init(&a, 4096, 0);
    tval row[3];
    bool eof = false;

    assert_int_equal(sqlmy_reflect(c, NULL, "empty_t", SQLMY_FULL, &t, &err), CDLT_OK);
    sqlmy_cursor *cur = select_all(c, t);
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_true(eof);
    sqlmy_cursor_close(cur);
    sqlmy_table_free(t);

    const char *name = "we`\"ird ta'ble ü";
    assert_int_equal(sqlmy_reflect(c, NULL, name, SQLMY_FULL, &t, &err), CDLT_OK);
    assert_int_equal(t->ncols, 3);
    assert_string_equal(t->cols[0].name, "col `x` \"y\"");
    assert_int_equal(strlen(t->cols[1].name), 64); /* MySQL's longest identifier */
    assert_int_equal(t->primary_key.n, 2);
    assert_string_equal(t->primary_key.v[0], "Upper");
    assert_string_equal(t->primary_key.v[1], "col `x` \"y\"");
    cur = select_all(c, t);
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_false(eof);
    assert_int_equal(row[0].u.i, 7);
    expect_text(&row[1], DT_TEXT, "ab");
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_true(eof);
    sqlmy_cursor_close(cur);
    sqlmy_table_free(t);
    arena_free(&a);
    sqlmy_close(c);
}

static void test_early_close_and_reuse(void **state)
{
    (void)state;
    /* Stopping a stream part way (a limit) leaves the connection usable. */
    sqlmy_conn *c = conn();
    cdlt_error err;
    sqlmy_cursor *cur = NULL;
    assert_int_equal(sqlmy_query(c, "SELECT seq FROM seq_1_to_100000", NULL, 0, &cur, &err), CDLT_OK);
    arena a;
    arena_init(&a, 4096, 0);
    tval row[1];
    bool eof;
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_int_equal(row[0].u.i, 1);
    sqlmy_cursor_close(cur);
    /* without reflected hints a DOUBLE stays a double */
    assert_int_equal(sqlmy_query(c, "SELECT 1.5e0", NULL, 0, &cur, &err), CDLT_OK);
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_int_equal(row[0].type, DT_DOUBLE);
    assert_true(row[0].u.d == 1.5);
    sqlmy_cursor_close(cur);
    /* a query error names the server's message */
    assert_int_equal(sqlmy_query(c, "SELECT nope FROM all_types", NULL, 0, &cur, &err), CDLT_SOURCE);
    assert_non_null(strstr(err.message, "Unknown column 'nope'"));
    arena_free(&a);
    sqlmy_close(c);
}

/* count(*) of all_types WHERE <column> <op> <literal of v> */
static int64_t count_where(sqlmy_conn *c, const char *column, const char *op, const tval *v)
{
    buf q = BUF_INIT;
    buf_printf(&q, "SELECT COUNT(*) FROM all_types WHERE %s %s ", column, op);
    assert_int_equal(sqlmy_literal(c, v, &q), CDLT_OK);
    sqlmy_cursor *cur = NULL;
    cdlt_error err;
    if (sqlmy_query(c, q.data, NULL, 0, &cur, &err) != CDLT_OK)
        fail_msg("%s: %s", q.data, err.message);
    arena a;
    arena_init(&a, 1024, 0);
    tval row[1];
    bool eof;
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    int64_t n = row[0].u.i;
    sqlmy_cursor_close(cur);
    arena_free(&a);
    buf_free(&q);
    return n;
}

static void test_literals(void **state)
{
    (void)state;
    /* the incremental WHERE renders cursor values as literals: they compare as the values */
    sqlmy_conn *c = conn();
    tval v;
    memset(&v, 0, sizeof v);
    v.type = DT_TIMESTAMP;
    assert_true(types_parse_iso_timestamp("2024-02-29T12:34:56.123456", 26, &v.u.ts, &(bool){0}));
    assert_int_equal(count_where(c, "c_datetime6", ">=", &v), 1);
    v.u.ts += 1;
    assert_int_equal(count_where(c, "c_datetime6", ">=", &v), 0);
    v.u.ts = -1; /* 1969-12-31 23:59:59.999999 */
    assert_int_equal(count_where(c, "c_datetime", ">", &v), 2);
    v.type = DT_TEXT;
    v.u.s = "Zürich ☃ 😀 \"q\" 's'";
    v.len = (uint32_t)strlen(v.u.s);
    assert_int_equal(count_where(c, "c_varchar", "=", &v), 1);
    v.u.s = "x' OR '1'='1";
    v.len = (uint32_t)strlen(v.u.s);
    assert_int_equal(count_where(c, "c_varchar", "=", &v), 0);
    v.type = DT_BIGINT;
    v.u.i = INT64_MIN;
    assert_int_equal(count_where(c, "c_big", "=", &v), 1);
    v.type = DT_DECIMAL;
    v.u.s = "999.99";
    v.len = 6;
    assert_int_equal(count_where(c, "c_dec2", "=", &v), 1);
    v.type = DT_DATE;
    assert_true(types_parse_iso_date("1000-01-01", 10, &v.u.date));
    assert_int_equal(count_where(c, "c_date", "=", &v), 1);
    v.type = DT_TIME;
    v.u.time = 1;
    assert_int_equal(count_where(c, "c_time6", "=", &v), 1);
    v.type = DT_BINARY;
    v.u.s = "\xde\xad\xbe\xef";
    v.len = 4;
    assert_int_equal(count_where(c, "c_varbinary", "=", &v), 1);
    v.type = DT_DOUBLE;
    v.u.d = 1.5;
    assert_int_equal(count_where(c, "c_float", "=", &v), 1);
    v.type = DT_NONE;
    assert_int_equal(count_where(c, "c_int", "<=>", &v), 2);
    /* every byte comes back as it went in */
    static const char nasty[] = "a\\b\0c'\"\n\r\x1a\\";
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT CAST(");
    assert_int_equal(sqlmy_quote_string(&q, nasty, sizeof nasty - 1), CDLT_OK);
    buf_puts(&q, " AS BINARY)");
    sqlmy_cursor *cur = NULL;
    cdlt_error err;
    assert_int_equal(sqlmy_query(c, q.data, NULL, 0, &cur, &err), CDLT_OK);
    arena a;
    arena_init(&a, 1024, 0);
    tval row[1];
    bool eof;
    assert_int_equal(sqlmy_next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_int_equal(row[0].len, sizeof nasty - 1);
    assert_memory_equal(row[0].u.s, nasty, sizeof nasty - 1);
    sqlmy_cursor_close(cur);
    arena_free(&a);
    buf_free(&q);
    sqlmy_close(c);
}

static void test_wrong_password(void **state)
{
    (void)state;
    char url[512];
    snprintf(url, sizeof url, "mysql+pymysql://cdlt:Wr0ng-S3cret@127.0.0.1:%s/" DB,
             tu_db_env("CDLT_TEST_MYSQL_PORT"));
    sqlmy_conn *c = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(sqlmy_connect(url, &c, &err), CDLT_SOURCE);
    assert_null(c);
    assert_non_null(strstr(err.message, "Access denied for user 'cdlt'"));
    assert_non_null(strstr(err.message, "check the user and password"));
    assert_null(strstr(err.message, "Wr0ng-S3cret"));
    assert_null(strstr(err.url, "Wr0ng-S3cret"));
    assert_non_null(strstr(err.url, "cdlt:*****@127.0.0.1"));
}

static void test_refused_and_bad_urls(void **state)
{
    (void)state;
    sqlmy_conn *c = NULL;
    cdlt_error err;
    /* a port nobody listens on: the fixture's PostgreSQL socket dir holds no MySQL, and port 1
     * is privileged and closed on loopback */
    assert_int_equal(sqlmy_connect("mysql://u:Pw-Secret-1@127.0.0.1:1/x", &c, &err), CDLT_SOURCE);
    assert_non_null(strstr(err.message, "is the server running"));
    assert_null(strstr(err.message, "Pw-Secret-1"));
    assert_int_equal(sqlmy_connect("postgresql://u:p@h/x", &c, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "not a MySQL/MariaDB URL"));
    assert_int_equal(sqlmy_connect("mysql://u:p@h:99999/x", &c, &err), CDLT_CONFIG);
    assert_int_equal(sqlmy_connect("mysql://u:p@h/x?sslmode=require", &c, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "unknown key 'sslmode'"));
    assert_int_equal(sqlmy_connect("mysql://u:p@h/x?charset=latin1", &c, &err), CDLT_CONFIG);
    assert_int_equal(sqlmy_connect("mysql://u:p%zz@h/x", &c, &err), CDLT_CONFIG);
    assert_null(strstr(err.message, "p%zz"));
    /* an unknown database: the server says so */
    char url[512];
    snprintf(url, sizeof url, "mysql://cdlt:%s@127.0.0.1:%s/no_such_db",
             tu_db_env("CDLT_TEST_DB_PASSWORD"), tu_db_env("CDLT_TEST_MYSQL_PORT"));
    assert_int_equal(sqlmy_connect(url, &c, &err), CDLT_SOURCE);
    assert_non_null(strstr(err.message, "does not exist"));
    /* %-escaped password and the unix socket of the URL's query */
    snprintf(url, sizeof url, "mariadb://cdlt:%s@localhost/" DB "?unix_socket=%s&charset=utf8mb4",
             tu_db_env("CDLT_TEST_DB_PASSWORD"), tu_db_env("CDLT_TEST_MYSQL_SOCKET"));
    if (sqlmy_connect(url, &c, &err) != CDLT_OK)
        fail_msg("%s", err.message);
    assert_string_equal(sqlmy_database(c), DB);
    sqlmy_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflect_levels),     cmocka_unit_test(test_map_mysql_json),
        cmocka_unit_test(test_list_tables),        cmocka_unit_test(test_stream_every_type),
        cmocka_unit_test(test_empty_and_hostile),  cmocka_unit_test(test_early_close_and_reuse),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_wrong_password),     cmocka_unit_test(test_refused_and_bad_urls),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    mysql_library_end();
    return rc;
}
