/* test_sql_mysql_backend: the MySQL/MariaDB backend through the sql_database source's function
 * table (sql.h) against the fixture MariaDB: drivername routing, URL query keys, reflection as
 * sql_column facts (full_with_precision, primary key positions), quoting, streaming typed
 * rows, errors with the masked URL. */
#include "testutil.h"

#include "sources/sql/sql.h"

#include <mysql.h>
#include <stdio.h>
#include <string.h>

#define DB "t_sql_mysql_backend"

static char g_url[512];

static int setup(void **state)
{
    (void)state;
    const char *url = tu_db_url("mysql");
    char user[64], pw[64], host[64], db[64];
    unsigned port;
    assert_int_equal(sscanf(url, "mysql://%63[^:]:%63[^@]@%63[^:]:%u/%63s", user, pw, host, &port, db), 5);
    MYSQL *m = mysql_init(NULL);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, host, user, pw, NULL, port, NULL, 0))
        fail_msg("connect: %s", mysql_error(m));
    const char *sql[] = {
        "DROP DATABASE IF EXISTS " DB,
        "CREATE DATABASE " DB " CHARACTER SET utf8mb4",
        "CREATE TABLE " DB ".t (a INT NOT NULL, b VARCHAR(20), c SMALLINT, d DOUBLE,"
        " e DECIMAL(7,3), f BINARY(3), g DATETIME(3), h TIME, PRIMARY KEY (b, a))",
        "INSERT INTO " DB ".t VALUES (1, 'x''y', 7, 2.5, 1234.5, 'abc', '2020-02-02 02:02:02.5', '01:02:03'),"
        " (2, 'z', NULL, NULL, NULL, NULL, NULL, NULL)",
        NULL};
    for (int i = 0; sql[i]; i++)
        if (mysql_query(m, sql[i]))
            fail_msg("%s: %s", sql[i], mysql_error(m));
    mysql_close(m);
    snprintf(g_url, sizeof g_url, "mysql+pymysql://%s:%s@%s:%u/" DB "?charset=utf8mb4&connect_timeout=5",
             user, pw, host, port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mysql_library_end();
    return 0;
}

static const sql_backend *backend(sql_url *u, const char *url)
{
    cdlt_error err;
    if (sql_url_parse(url, u, &err) != CDLT_OK)
        fail_msg("%s", err.message);
    const sql_backend *be = sql_backend_for(u, &err);
    if (!be)
        fail_msg("%s", err.message);
    assert_string_equal(be->name, "mysql");
    return be;
}

static void test_reflect_and_stream(void **state)
{
    (void)state;
    sql_url u;
    const sql_backend *be = backend(&u, g_url);
    cdlt_error err;
    sql_conn *c = NULL;
    if (be->open(&u, &c, &err) != CDLT_OK)
        fail_msg("%s", err.message);
    strv names = {0};
    assert_int_equal(be->list_tables(c, NULL, false, &names, &err), CDLT_OK);
    assert_int_equal(names.n, 1);
    assert_string_equal(names.v[0], "t");
    strv_free(&names);

    sql_table t;
    memset(&t, 0, sizeof t);
    assert_int_equal(be->reflect(c, NULL, "t", &t, &err), CDLT_OK);
    assert_string_equal(t.name, "t");
    assert_int_equal(t.ncols, 8);
    assert_int_equal(t.cols[0].pk_pos, 2);
    assert_int_equal(t.cols[1].pk_pos, 1);
    assert_int_equal(t.cols[2].pk_pos, 0);
    assert_false(t.cols[0].nullable);
    assert_int_equal(t.cols[1].type, DT_TEXT);
    assert_int_equal(t.cols[1].precision, 20);
    assert_int_equal(t.cols[2].type, DT_BIGINT);
    assert_int_equal(t.cols[2].precision, 32);
    assert_int_equal(t.cols[3].type, DT_DECIMAL);
    assert_int_equal(t.cols[3].precision, -1);
    assert_int_equal(t.cols[4].precision, 7);
    assert_int_equal(t.cols[4].scale, 3);
    assert_int_equal(t.cols[5].type, DT_BINARY);
    assert_int_equal(t.cols[5].precision, 3);
    assert_int_equal(t.cols[6].type, DT_TIMESTAMP);
    assert_false(t.cols[6].timezone);
    assert_string_equal(t.cols[6].db_type, "datetime(3)");
    assert_int_equal(t.cols[7].type, DT_TIME);

    buf q = BUF_INIT;
    buf_puts(&q, "SELECT ");
    for (size_t i = 0; i < t.ncols; i++) {
        if (i)
            buf_puts(&q, ", ");
        be->quote_ident(&q, t.cols[i].name);
    }
    buf_puts(&q, " FROM ");
    be->quote_ident(&q, "t");
    buf_puts(&q, " WHERE ");
    be->quote_ident(&q, "b");
    buf_puts(&q, " >= ");
    be->quote_literal(&q, "x'y", 3);
    buf_puts(&q, " ORDER BY 1");
    sql_cursor *cur = NULL;
    if (be->query(c, q.data, DB ".t", t.cols, t.ncols, 1000, &cur, &err) != CDLT_OK)
        fail_msg("%s: %s", q.data, err.message);
    arena a;
    arena_init(&a, 4096, 0);
    tval row[8];
    bool eof = false;
    assert_int_equal(be->next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_false(eof);
    assert_int_equal(row[0].u.i, 1);
    assert_int_equal(row[1].len, 3);
    assert_memory_equal(row[1].u.s, "x'y", 3);
    assert_int_equal(row[3].type, DT_DECIMAL);
    assert_int_equal(row[3].len, strlen("2.5000000000"));
    assert_memory_equal(row[3].u.s, "2.5000000000", row[3].len);
    assert_int_equal(row[4].type, DT_DECIMAL);
    assert_memory_equal(row[4].u.s, "1234.500", row[4].len);
    assert_int_equal(row[6].type, DT_TIMESTAMP);
    assert_int_equal(row[6].flags, TV_NAIVE);
    assert_int_equal(be->next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_int_equal(row[0].u.i, 2);
    assert_int_equal(row[3].type, DT_NONE);
    assert_int_equal(be->next(cur, &a, row, &eof, &err), CDLT_OK);
    assert_true(eof);
    be->cursor_close(cur);

    /* a failing query names the server's message */
    assert_int_equal(be->query(c, "SELECT nope FROM t", DB ".t", NULL, 0, 10, &cur, &err), CDLT_SOURCE);
    assert_non_null(strstr(err.message, "Unknown column"));
    assert_int_equal(be->reflect(c, NULL, "T", &(sql_table){0}, &err), CDLT_NOT_FOUND);

    arena_free(&a);
    buf_free(&q);
    sql_table_clear(&t);
    be->close(c);
    sql_url_free(&u);
}

static void test_errors(void **state)
{
    (void)state;
    char url[512];
    sql_url u;
    cdlt_error err;
    sql_conn *c = NULL;
    snprintf(url, sizeof url, "mariadb://cdlt:Secret-W%%40rong@127.0.0.1:%s/" DB,
             tu_db_env("CDLT_TEST_MYSQL_PORT"));
    const sql_backend *be = backend(&u, url);
    assert_int_equal(be->open(&u, &c, &err), CDLT_SOURCE);
    assert_non_null(strstr(err.message, "Access denied"));
    assert_null(strstr(err.message, "Secret-W"));
    assert_null(strstr(err.url, "Secret-W"));
    sql_url_free(&u);
    /* an unknown query key is refused, naming the known ones */
    be = backend(&u, "mysql://a:b@127.0.0.1:1/x?sslmode=require");
    assert_int_equal(be->open(&u, &c, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "unknown key 'sslmode'"));
    assert_non_null(strstr(err.message, "unix_socket"));
    sql_url_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reflect_and_stream),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
