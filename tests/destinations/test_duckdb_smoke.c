/* test_duckdb_smoke.c: proves the DuckDB link and a real database file: open a file in a temp
 * folder, SELECT 42, create/read a table, reopen the file in a second database handle. */
#include "testutil.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>

static void test_select_42(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("duck_smoke");
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/smoke.duckdb", dir);

    duckdb_database db = NULL;
    duckdb_connection con = NULL;
    assert_int_equal(duckdb_open(path, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    duckdb_result res;
    assert_int_equal(duckdb_query(con, "SELECT 42", &res), DuckDBSuccess);
    assert_int_equal(duckdb_value_int64(&res, 0, 0), 42);
    duckdb_destroy_result(&res);
    assert_int_equal(duckdb_query(con, "CREATE TABLE t AS SELECT 'x' AS s", NULL), DuckDBSuccess);
    duckdb_disconnect(&con);
    duckdb_close(&db);

    /* the file persists: a new handle reads the table back */
    assert_int_equal(duckdb_open(path, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    assert_int_equal(duckdb_query(con, "SELECT s FROM t", &res), DuckDBSuccess);
    char *s = duckdb_value_varchar(&res, 0, 0);
    assert_string_equal(s, "x");
    duckdb_free(s);
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_42),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
