/* test_sqlgen_system.c: the statements on dlt's system tables, exactly, for both dialects (the
 * same text today: dlt writes the same rows and restores with the same query in both). A
 * change here changes what dlt reads back from a cdlt dataset. */
#include "testutil.h"

#include "sqlgen/sqlgen.h"

#include <stdio.h>
#include <string.h>

static const struct {
    sqlgen_sys k;
    const char *table;
    const char *want;
} CASES[] = {
    {SQLGEN_VERSION_EXISTS, NULL,
     "SELECT 1 FROM \"d s\".\"_dlt_version\" WHERE version_hash = $1 LIMIT 1"},
    {SQLGEN_VERSION_INSERT, NULL,
     "INSERT INTO \"d s\".\"_dlt_version\" (\"version\", \"engine_version\", \"inserted_at\", "
     "\"schema_name\", \"version_hash\", \"schema\") VALUES ($1, $2, $3, $4, $5, $6)"},
    {SQLGEN_VERSION_LATEST, NULL,
     "SELECT \"schema\" FROM \"d s\".\"_dlt_version\" ORDER BY \"inserted_at\" DESC LIMIT 1"},
    {SQLGEN_VERSION_LATEST_OF, NULL,
     "SELECT \"schema\" FROM \"d s\".\"_dlt_version\" WHERE \"schema_name\" = $1 ORDER BY "
     "\"inserted_at\" DESC LIMIT 1"},
    {SQLGEN_VERSION_DELETE, NULL,
     "DELETE FROM \"d s\".\"_dlt_version\" WHERE \"schema_name\" = $1"},
    {SQLGEN_LOAD_INSERT, NULL,
     "INSERT INTO \"d s\".\"_dlt_loads\" (\"load_id\", \"schema_name\", \"status\", "
     "\"inserted_at\", \"schema_version_hash\") VALUES ($1, $2, 0, $3, $4)"},
    {SQLGEN_LOAD_EXISTS, NULL, "SELECT 1 FROM \"d s\".\"_dlt_loads\" WHERE load_id = $1 LIMIT 1"},
    {SQLGEN_STATE_RESTORE, NULL,
     "SELECT s.\"version\", s.\"engine_version\", s.\"pipeline_name\", s.\"state\", "
     "s.\"created_at\", s.\"_dlt_load_id\" FROM \"d s\".\"_dlt_pipeline_state\" AS s JOIN "
     "\"d s\".\"_dlt_loads\" AS l ON l.\"load_id\" = s.\"_dlt_load_id\" WHERE "
     "s.\"pipeline_name\" = $1 AND l.\"status\" = 0 ORDER BY l.\"load_id\" DESC LIMIT 1"},
    {SQLGEN_STATE_NEWEST_LOAD, NULL,
     "SELECT max(l.\"load_id\") FROM \"d s\".\"_dlt_pipeline_state\" AS s JOIN "
     "\"d s\".\"_dlt_loads\" AS l ON l.\"load_id\" = s.\"_dlt_load_id\" WHERE "
     "s.\"pipeline_name\" = $1 AND l.\"status\" = 0"},
    {SQLGEN_ROW_COUNT, "t\"x", "SELECT count(*) FROM \"d s\".\"t\"\"x\""},
};

static void test_system_sql(void **st)
{
    (void)st;
    const sqlgen_dialect *dls[2] = {&sqlgen_duckdb, &sqlgen_postgres};
    buf b = BUF_INIT;
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < CDLT_ARRAY_LEN(CASES); i++) {
            buf_clear(&b);
            assert_int_equal(sqlgen_system_sql(dls[d], "d s", CASES[i].k, CASES[i].table, &b),
                             CDLT_OK);
            if (strcmp(buf_cstr(&b), CASES[i].want) != 0)
                fprintf(stderr, "%s case %zu:\n  want %s\n  got  %s\n", dls[d]->name, i,
                        CASES[i].want, buf_cstr(&b));
            assert_string_equal(buf_cstr(&b), CASES[i].want);
        }
    assert_string_equal(sqlgen_state_datasets_sql(&sqlgen_postgres),
                        "SELECT table_schema FROM information_schema.tables WHERE table_catalog "
                        "= current_database() AND table_name IN ('_dlt_pipeline_state', "
                        "'_dlt_loads') GROUP BY table_schema HAVING count(DISTINCT table_name) = "
                        "2 ORDER BY table_schema");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_system_sql)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
