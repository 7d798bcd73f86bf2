/* test_postgres: the fixture's PostgreSQL server (scripts/testdb) is reachable with libpq over
 * loopback with password authentication; a wrong password fails with the server's message. */
#include "testutil.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PGconn *connect_ok(const char *url)
{
    PGconn *c = PQconnectdb(url);
    assert_non_null(c);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect failed: %s", PQerrorMessage(c));
    return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static void test_roundtrip(void **state)
{
    (void)state;
    PGconn *c = connect_ok(tu_db_url("postgres"));
    exec_ok(c, "DROP SCHEMA IF EXISTS fixture_selftest CASCADE");
    exec_ok(c, "CREATE SCHEMA fixture_selftest");
    exec_ok(c, "CREATE TABLE fixture_selftest.t (id bigint PRIMARY KEY, name text, at timestamptz)");
    exec_ok(c, "INSERT INTO fixture_selftest.t VALUES (1, 'Zürich ☃', '2024-01-02 03:04:05+00'), (2, NULL, NULL)");
    PGresult *r = PQexec(c, "SELECT id, name, at AT TIME ZONE 'UTC' FROM fixture_selftest.t ORDER BY id");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 2);
    assert_string_equal(PQgetvalue(r, 0, 1), "Zürich ☃");
    assert_string_equal(PQgetvalue(r, 0, 2), "2024-01-02 03:04:05");
    assert_true(PQgetisnull(r, 1, 1));
    PQclear(r);
    /* The server is ours alone: UTF-8, loopback only. */
    r = PQexec(c, "SELECT current_setting('server_encoding'), current_setting('listen_addresses')");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "UTF8");
    PQclear(r);
    exec_ok(c, "DROP SCHEMA fixture_selftest CASCADE");
    PQfinish(c);
}

static void test_superuser(void **state)
{
    (void)state;
    PGconn *c = connect_ok(tu_db_url("postgres_super"));
    PGresult *r = PQexec(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(r, 0, 0), "t");
    PQclear(r);
    PQfinish(c);
}

static void test_wrong_password(void **state)
{
    (void)state;
    char url[512];
    snprintf(url, sizeof url, "postgresql://cdlt:not-the-password@127.0.0.1:%s/cdlt_test",
             tu_db_env("CDLT_TEST_PG_PORT"));
    PGconn *c = PQconnectdb(url);
    assert_int_equal(PQstatus(c), CONNECTION_BAD);
    assert_non_null(strstr(PQerrorMessage(c), "password authentication failed for user \"cdlt\""));
    PQfinish(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_superuser),
        cmocka_unit_test(test_wrong_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
