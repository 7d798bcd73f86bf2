/* test_sql_mariadb_pg: `cdlt run` from the fixture MariaDB into the fixture PostgreSQL (the
 * postgres destination): every MySQL column type lands with the PostgreSQL type dlt gives it
 * and its values (NULLs, extremes, Unicode). */
#include "sqlt.h"

#include <libpq-fe.h>
#include <mysql.h>

#define DB "t_sql_mariadb_pg"
#define DATASET "mariadb_pg_e2e"

static void my_exec(const char *const *sql)
{
    const char *url = tu_db_url("mysql");
    char user[64], pw[64], host[64], db[64];
    unsigned port;
    assert_int_equal(sscanf(url, "mysql://%63[^:]:%63[^@]@%63[^:]:%u/%63s", user, pw, host, &port, db), 5);
    MYSQL *m = mysql_init(NULL);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, host, user, pw, NULL, port, NULL, 0))
        fail_msg("connect: %s", mysql_error(m));
    for (int i = 0; sql[i]; i++)
        if (mysql_query(m, sql[i]))
            fail_msg("%s: %s", sql[i], mysql_error(m));
    mysql_close(m);
}

/* One text value from the fixture PostgreSQL. */
static char *pg_text(const char *sql)
{
    PGconn *c = PQconnectdb(tu_db_url("postgres"));
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("%s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    char *v = strdup(PQgetisnull(r, 0, 0) ? "(null)" : PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return v;
}

static void pg_expect(const char *sql, const char *want)
{
    char *got = pg_text(sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  got:  %s\n  want: %s", sql, got, want);
    free(got);
}

static void test_every_type_into_postgres(void **state)
{
    (void)state;
    const char *setup[] = {
        "DROP DATABASE IF EXISTS " DB,
        "CREATE DATABASE " DB " CHARACTER SET utf8mb4",
        "SET time_zone = '+00:00'",
        "CREATE TABLE " DB ".all_types (id INT NOT NULL PRIMARY KEY, c_bool BOOL,"
        " c_small SMALLINT, c_big BIGINT, c_dec DECIMAL(38,9), c_dec2 DECIMAL(5,2),"
        " c_float FLOAT, c_double DOUBLE, c_varchar VARCHAR(200), c_blob BLOB, c_date DATE,"
        " c_datetime DATETIME(6), c_time TIME(6), c_year YEAR, c_enum ENUM('a','b'))",
        "INSERT INTO " DB ".all_types VALUES (1, TRUE, -32768, -9223372036854775808,"
        " 12345678901234567890123456789.123456789, -999.99, 0.25, 1234.5, 'Zürich ☃ 😀',"
        " X'00FF', '1000-01-01', '9999-12-31 23:59:59.999999', '23:59:59.5', 2024, 'b'),"
        " (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
        NULL};
    my_exec(setup);
    PGconn *c = PQconnectdb(tu_db_url("postgres"));
    PQclear(PQexec(c, "DROP SCHEMA IF EXISTS " DATASET " CASCADE"));
    PQfinish(c);

    sqlt t;
    sqlt_init(&t, "sql-mariadb-pg");
    const char *url = tu_db_url("mysql");
    const char *slash = strrchr(url, '/');
    char text[4096];
    snprintf(text, sizeof text,
             "pipeline_name = \"mariadb_pg\"\ndestination = \"postgres\"\ncredentials = \"%s\"\n"
             "dataset_name = \"" DATASET "\"\n"
             "source = { type = \"sql_database\", credentials = \"%.*s/" DB "\", "
             "table_names = [\"all_types\"] }\n",
             tu_db_url("postgres"), (int)(slash - url), url);
    write_text(t.def, text);
    sqlt_run_ok(&t);

    pg_expect("SELECT string_agg(column_name || ' ' || CASE WHEN data_type = 'numeric' THEN "
              "'numeric(' || numeric_precision || ',' || numeric_scale || ')' ELSE data_type END "
              "|| ' ' || is_nullable, ', ' ORDER BY ordinal_position) FROM "
              "information_schema.columns WHERE table_schema = '" DATASET "' AND table_name = "
              "'all_types' AND column_name NOT LIKE '\\_dlt%'",
              "id bigint NO, c_bool bigint YES, c_small bigint YES, c_big bigint YES, "
              "c_dec numeric(38,9) YES, c_dec2 numeric(5,2) YES, c_float double precision YES, "
              "c_double numeric(38,9) YES, c_varchar character varying YES, c_blob bytea YES, "
              "c_date date YES, c_datetime timestamp without time zone YES, "
              "c_time time without time zone YES, c_enum character varying YES, "
              "c_year bigint YES");
    pg_expect("SELECT concat_ws('|', c_bool, c_small, c_big, c_dec, c_dec2, c_float, c_double, "
              "c_varchar, encode(c_blob, 'hex'), c_date, c_datetime, c_time, c_year, c_enum) "
              "FROM " DATASET ".all_types WHERE id = 1",
              "1|-32768|-9223372036854775808|12345678901234567890123456789.123456789|-999.99|"
              "0.25|1234.500000000|Zürich ☃ 😀|00ff|1000-01-01|9999-12-31 23:59:59.999999|"
              "23:59:59.5|2024|b");
    pg_expect("SELECT count(*) FROM " DATASET ".all_types WHERE id = 2 AND c_dec IS NULL AND "
              "c_datetime IS NULL AND c_blob IS NULL AND c_year IS NULL",
              "1");
    sqlt_free(&t);
    const char *drop_db[] = {"DROP DATABASE IF EXISTS " DB, NULL};
    my_exec(drop_db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_into_postgres),
    };
    (void)lite_exec; /* sqlt.h helpers this test does not need */
    (void)sqlt_def;
    (void)expect_text;
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mysql_library_end();
    return rc;
}
