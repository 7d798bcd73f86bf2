/* test_mariadb: the fixture's MariaDB server (scripts/testdb) is reachable with libmariadb over
 * loopback TCP with a password; rows stream with mysql_use_result; a wrong password fails with
 * the server's message. */
#include "testutil.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mysql://user:pw@host:port/db -> parts (the test URLs hold no escapes). */
typedef struct {
    char user[64], pw[64], host[64], db[64];
    unsigned port;
} my_url;

static my_url parse_url(const char *url)
{
    my_url u;
    memset(&u, 0, sizeof u);
    int n = sscanf(url, "mysql://%63[^:]:%63[^@]@%63[^:]:%u/%63s", u.user, u.pw, u.host, &u.port, u.db);
    if (n != 5)
        fail_msg("cannot parse test URL (got %d parts)", n);
    return u;
}

static MYSQL *connect_as(const my_url *u, const char *pw)
{
    MYSQL *m = mysql_init(NULL);
    assert_non_null(m);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, u->host, u->user, pw, u->db, u->port, NULL, 0)) {
        return m; /* caller checks mysql_errno */
    }
    return m;
}

static void exec_ok(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql))
        fail_msg("%s: %s", sql, mysql_error(m));
}

static void test_roundtrip(void **state)
{
    (void)state;
    my_url u = parse_url(tu_db_url("mysql"));
    MYSQL *m = connect_as(&u, u.pw);
    if (mysql_errno(m))
        fail_msg("connect failed: %s", mysql_error(m));
    exec_ok(m, "DROP DATABASE IF EXISTS fixture_selftest");
    exec_ok(m, "CREATE DATABASE fixture_selftest");
    exec_ok(m, "CREATE TABLE fixture_selftest.t (id BIGINT PRIMARY KEY, name VARCHAR(40), at DATETIME(6))");
    exec_ok(m, "INSERT INTO fixture_selftest.t VALUES (1, 'Zürich ☃ 😀', '2024-01-02 03:04:05.123456'), (2, NULL, NULL)");
    exec_ok(m, "SELECT id, name, at FROM fixture_selftest.t ORDER BY id");
    MYSQL_RES *r = mysql_use_result(m); /* unbuffered: the way the SQL source streams */
    assert_non_null(r);
    MYSQL_ROW row = mysql_fetch_row(r);
    assert_non_null(row);
    assert_string_equal(row[0], "1");
    assert_string_equal(row[1], "Zürich ☃ 😀");
    assert_string_equal(row[2], "2024-01-02 03:04:05.123456");
    row = mysql_fetch_row(r);
    assert_non_null(row);
    assert_null(row[1]);
    assert_null(mysql_fetch_row(r));
    assert_int_equal(mysql_errno(m), 0);
    mysql_free_result(r);
    exec_ok(m, "SELECT @@character_set_server, @@bind_address");
    r = mysql_store_result(m);
    row = mysql_fetch_row(r);
    assert_string_equal(row[0], "utf8mb4");
    assert_string_equal(row[1], "127.0.0.1");
    mysql_free_result(r);
    exec_ok(m, "DROP DATABASE fixture_selftest");
    mysql_close(m);
}

static void test_super(void **state)
{
    (void)state;
    my_url u = parse_url(tu_db_url("mysql_super"));
    MYSQL *m = connect_as(&u, u.pw);
    if (mysql_errno(m))
        fail_msg("connect failed: %s", mysql_error(m));
    exec_ok(m, "SHOW GRANTS");
    MYSQL_RES *r = mysql_store_result(m);
    MYSQL_ROW row = mysql_fetch_row(r);
    assert_non_null(strstr(row[0], "WITH GRANT OPTION"));
    mysql_free_result(r);
    mysql_close(m);
}

static void test_wrong_password(void **state)
{
    (void)state;
    my_url u = parse_url(tu_db_url("mysql"));
    MYSQL *m = connect_as(&u, "not-the-password");
    assert_int_equal(mysql_errno(m), 1045); /* ER_ACCESS_DENIED_ERROR */
    assert_non_null(strstr(mysql_error(m), "Access denied for user 'cdlt'"));
    mysql_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_super),
        cmocka_unit_test(test_wrong_password),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mysql_library_end();
    return rc;
}
