/* test_cli_column_hints.c: dlt's precision / scale / timezone column hints written in a
 * definition file (`columns = { amount = { data_type = "decimal", precision = 38, scale = 9 },
 * ts = { data_type = "timestamp", timezone = false } }`) reach the DDL of both destinations
 * with dlt's types, and a precision the destination's type cannot hold fails the load with a
 * message naming table and column (issue 13). PostgreSQL: the fixture server. */
#include "cli_run.h"

#include <libpq-fe.h>

static const char COLS[] =
    "columns = { amount = { data_type = \"decimal\", precision = 38, scale = 9 }, "
    "small = { data_type = \"decimal\", precision = 10, scale = 2 }, "
    "ts = { data_type = \"timestamp\", timezone = false }, "
    "ts3 = { data_type = \"timestamp\", precision = 3 }, "
    "i = { data_type = \"bigint\", precision = 16 }, "
    "name = { data_type = \"text\", precision = 20 } }\n";

static const char ROWS[] = "{\"amount\": 12.5, \"small\": 3.25, \"ts\": \"2024-01-02T03:04:05Z\", "
                           "\"ts3\": \"2024-01-02T03:04:05.123Z\", \"i\": 7, \"name\": \"abc\"}\n";

static cli_res run_def(const char *dir, const char *def_text)
{
    tu_put(dir, "p.toml", def_text);
    tu_put(dir, "r.jsonl", ROWS);
    return run_def_in(dir, NULL);
}

static void test_duckdb(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-colhints-duck");
    char def[2048], db[1200];
    snprintf(def, sizeof def, "pipeline_name = \"ch\"\ncredentials = \"h.duckdb\"\n"
             "dataset_name = \"ds\"\n[[resources]]\nname = \"r\"\npath = \"r.jsonl\"\n%s", COLS);
    snprintf(db, sizeof db, "%s/h.duckdb", dir);
    cli_res r = run_def(dir, def);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    /* dlt's DuckDbTypeMapper: the zone wins over a timestamp precision; VARCHAR(n) is an alias */
    char *t = pt_query_text(db, "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY "
                                "ordinal_position) FROM information_schema.columns WHERE "
                                "table_schema = 'ds' AND table_name = 'r' AND column_name NOT "
                                "LIKE '\\_dlt%' ESCAPE '\\'");
    assert_string_equal(t, "amount DECIMAL(38,9), small DECIMAL(10,2), ts TIMESTAMP, "
                           "ts3 TIMESTAMP WITH TIME ZONE, i SMALLINT, name VARCHAR");
    free(t);
    t = pt_query_text(db, "SELECT amount || '|' || small || '|' || ts || '|' || i FROM ds.r");
    assert_string_equal(t, "12.500000000|3.25|2024-01-02 03:04:05|7");
    free(t);
    /* DuckDB's DECIMAL stops at 38 digits: refused when the table is created */
    snprintf(def, sizeof def, "pipeline_name = \"ch2\"\ncredentials = \"h2.duckdb\"\n"
             "dataset_name = \"ds\"\n[[resources]]\nname = \"r\"\npath = \"r.jsonl\"\n"
             "columns = { amount = { data_type = \"decimal\", precision = 40, scale = 2 } }\n");
    r = run_def(dir, def);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "amount"));
    assert_non_null(strstr(r.err, "precision 40"));
    res_free(&r);
    tu_rm_rf(dir);
    free(dir);
}

static void test_postgres(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-colhints-pg");
    PGconn *c = tu_pg_connect(tu_db_url("postgres"));
    tu_pg_exec(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS e2e_colhints "
               "CASCADE; DROP SCHEMA IF EXISTS e2e_colhints2 CASCADE");
    char def[2048];
    snprintf(def, sizeof def, "pipeline_name = \"chpg\"\ndestination = \"postgres\"\n"
             "credentials = \"%s\"\ndataset_name = \"e2e_colhints\"\n[[resources]]\nname = \"r\"\n"
             "path = \"r.jsonl\"\n%s", tu_db_url("postgres"), COLS);
    cli_res r = run_def(dir, def);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    /* dlt's PostgresTypeMapper */
    char *t = tu_pg_text(c, "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), "
                         "', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = "
                         "'e2e_colhints.r'::regclass AND attnum > 0 AND attname NOT LIKE '\\_dlt%'");
    assert_string_equal(t, "amount numeric(38,9), small numeric(10,2), ts timestamp without time "
                           "zone, ts3 timestamp(3) with time zone, i smallint, name character "
                           "varying(20)");
    free(t);
    t = tu_pg_text(c, "SELECT amount || '|' || small || '|' || ts || '|' || i FROM e2e_colhints.r");
    assert_string_equal(t, "12.500000000|3.25|2024-01-02 03:04:05|7");
    free(t);
    /* numeric stops at 1000 digits */
    snprintf(def, sizeof def, "pipeline_name = \"chpg2\"\ndestination = \"postgres\"\n"
             "credentials = \"%s\"\ndataset_name = \"e2e_colhints2\"\n[[resources]]\n"
             "name = \"r\"\npath = \"r.jsonl\"\n"
             "columns = { amount = { data_type = \"decimal\", precision = 1001, scale = 2 } }\n",
             tu_db_url("postgres"));
    r = run_def(dir, def);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "amount"));
    assert_non_null(strstr(r.err, "precision 1001"));
    assert_null(strstr(r.err, tu_db_env("CDLT_TEST_DB_PASSWORD")));
    res_free(&r);
    tu_pg_exec(c, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS e2e_colhints "
               "CASCADE; DROP SCHEMA IF EXISTS e2e_colhints2 CASCADE");
    PQfinish(c);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_duckdb),
                                       cmocka_unit_test(test_postgres)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
