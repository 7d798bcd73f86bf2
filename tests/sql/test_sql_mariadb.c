/* test_sql_mariadb: `cdlt run` of a sql_database definition over the fixture MariaDB into a
 * DuckDB file, as a user runs it: every MySQL column type arrives with the type dlt gives it
 * (through SQLAlchemy's MySQL dialect) and its values (NULLs, extremes, Unicode); an empty
 * table; hostile table and column names; primary keys become hints; a wrong password and a
 * refused connection fail with a clear message that never shows the password. */
#include "sqlt.h"

#include "core/core.h"

#include <mysql.h>

#define DB "t_sql_mariadb"

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

static int setup(void **state)
{
    (void)state;
    MYSQL *m = admin();
    run(m, "DROP DATABASE IF EXISTS " DB);
    run(m, "CREATE DATABASE " DB " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    run(m, "USE " DB);
    run(m, "CREATE TABLE all_types (id INT NOT NULL PRIMARY KEY,"
           " c_bool BOOL, c_small SMALLINT, c_uint INT UNSIGNED, c_big BIGINT,"
           " c_dec DECIMAL(38,9), c_dec2 DECIMAL(5,2), c_float FLOAT, c_double DOUBLE,"
           " c_varchar VARCHAR(200), c_text TEXT, c_blob BLOB, c_date DATE,"
           " c_datetime DATETIME(6), c_ts TIMESTAMP NULL, c_time TIME(6), c_year YEAR, c_bit BIT(8),"
           " c_json JSON, c_enum ENUM('a','b'))");
    run(m, "INSERT INTO all_types VALUES (1, TRUE, -32768, 4294967295, -9223372036854775808,"
           " 12345678901234567890123456789.123456789, -999.99, 0.25, 1234.5,"
           " 'Zürich ☃ 😀', 'line\\nline', X'00FF', '1000-01-01', '9999-12-31 23:59:59.999999',"
           " '2024-03-10 02:30:00', '23:59:59.5', 2024, b'10000001', '{\"k\": [1, \"v\"]}', 'b'),"
           " (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
           " NULL, NULL, NULL, NULL, NULL, NULL)");
    run(m, "CREATE TABLE empty_t (id BIGINT PRIMARY KEY, v VARCHAR(5))");
    run(m, "CREATE TABLE `Odd ``Name`` ü` (`Col With Space` INT PRIMARY KEY, `x\"y` TEXT)");
    run(m, "INSERT INTO `Odd ``Name`` ü` VALUES (1, 'q')");
    mysql_close(m);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    MYSQL *m = admin();
    run(m, "DROP DATABASE IF EXISTS " DB);
    mysql_close(m);
    mysql_library_end();
    return 0;
}

/* A sql_database source over the test database with these table_names. */
static void def_tables(sqlt *t, const char *url, const char *tables)
{
    char src[2048];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"%s\", table_names = [%s] }",
             url, tables);
    sqlt_def(t, "mariadb_e2e", src);
}

static char g_url[512];
static const char *db_url(void)
{
    const char *url = tu_db_url("mysql");
    const char *slash = strrchr(url, '/');
    snprintf(g_url, sizeof g_url, "%.*s/" DB, (int)(slash - url), url);
    return g_url;
}

#define expect expect_text

static void test_every_type_into_duckdb(void **state)
{
    (void)state;
    sqlt t;
    sqlt_init(&t, "sql-mariadb");
    def_tables(&t, db_url(), "\"all_types\", \"empty_t\", \"Odd `Name` ü\"");
    sqlt_run_ok(&t);
    const char *db = t.db;

    /* the DuckDB types dlt gives these columns */
    expect(db,
           "SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' "
           "ORDER BY ordinal_position) FROM information_schema.columns "
           "WHERE table_schema = 'd' AND table_name = 'all_types' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
           "id BIGINT NO, c_bool BIGINT YES, c_small BIGINT YES, c_uint BIGINT YES, "
           "c_big BIGINT YES, c_dec DECIMAL(38,9) YES, c_dec2 DECIMAL(5,2) YES, "
           "c_float DOUBLE YES, c_double DECIMAL(38,9) YES, c_varchar VARCHAR YES, "
           "c_text VARCHAR YES, c_blob BLOB YES, c_date DATE YES, c_datetime TIMESTAMP YES, "
           "c_ts TIMESTAMP YES, c_time TIME YES, c_json VARCHAR YES, c_enum VARCHAR YES, "
           /* no hint (YEAR, BIT): typed from the data, added after the reflected ones */
           "c_year BIGINT YES, c_bit BIGINT YES");
    /* values */
    expect(db,
           "SELECT concat_ws('|', c_bool, c_small, c_uint, c_big, c_dec, c_dec2, c_float, "
           "c_double, c_varchar, c_text, hex(c_blob), c_date, c_datetime, c_ts, c_time, c_year, "
           "c_bit, c_json, c_enum) FROM d.all_types WHERE id = 1",
           "1|-32768|4294967295|-9223372036854775808|12345678901234567890123456789.123456789|"
           "-999.99|0.25|1234.500000000|Zürich ☃ 😀|line\nline|00FF|1000-01-01|"
           "9999-12-31 23:59:59.999999|2024-03-10 02:30:00|23:59:59.5|2024|129|"
           "{\"k\": [1, \"v\"]}|b");
    expect(db,
           "SELECT count(*) FROM d.all_types WHERE id = 2 AND c_bool IS NULL AND c_dec IS NULL "
           "AND c_double IS NULL AND c_varchar IS NULL AND c_blob IS NULL AND c_datetime IS NULL "
           "AND c_time IS NULL AND c_year IS NULL AND c_bit IS NULL AND c_json IS NULL",
           "1");
    /* empty table: no rows loaded (dlt creates no table that never saw data) and no error */
    assert_true(pt_count(db, "d", "empty_t") <= 0);
    /* hostile names arrive normalized, with their row */
    expect(db,
           "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'd' "
           "AND table_name LIKE 'odd%name%'",
           "1");
    /* the primary key became a hint: the schema marks it */
    char *schema = NULL;
    char cmd[2600];
    snprintf(cmd, sizeof cmd,
             "cat '%s'/*/schemas/*.json | grep -o '\"primary_key\": *true' | wc -l > '%s/pk.txt'",
             t.pdir, t.dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/pk.txt", t.dir);
    schema = tu_read_file(cmd, NULL);
    assert_non_null(schema);
    assert_true(atoi(schema) >= 3);
    free(schema);
    sqlt_free(&t);
}

static void test_wrong_password_and_refused(void **state)
{
    (void)state;
    sqlt t;
    sqlt_init(&t, "sql-mariadb-pw");
    char url[512];
    snprintf(url, sizeof url, "mysql+pymysql://cdlt:Not-The-Pw-42@127.0.0.1:%s/" DB,
             tu_db_env("CDLT_TEST_MYSQL_PORT"));
    def_tables(&t, url, "\"all_types\"");
    cli_res r = sqlt_run(&t, NULL);
    assert_int_not_equal(r.code, 0);
    if (!strstr(r.err, "Access denied for user 'cdlt'"))
        fail_msg("stderr:\n%s", r.err);
    assert_null(strstr(r.err, "Not-The-Pw-42"));
    assert_null(strstr(r.out, "Not-The-Pw-42"));
    res_free(&r);
    /* nothing listens on port 1 */
    def_tables(&t, "mysql://cdlt:Not-The-Pw-42@127.0.0.1:1/x", "\"all_types\"");
    r = sqlt_run(&t, NULL);
    assert_int_not_equal(r.code, 0);
    if (!strstr(r.err, "is the server running"))
        fail_msg("stderr:\n%s", r.err);
    assert_null(strstr(r.err, "Not-The-Pw-42"));
    res_free(&r);
    /* no password ever lands in the pipeline's files */
    snprintf(url, sizeof url, "grep -r -l 'Not-The-Pw-42' '%s' > /dev/null 2>&1", t.pdir);
    assert_int_not_equal(system(url), 0);
    sqlt_free(&t);
}

static void my_run(const char *sql)
{
    MYSQL *m = admin();
    run(m, "USE " DB);
    run(m, sql);
    mysql_close(m);
}

static void test_300_columns(void **state)
{
    (void)state;
    buf q = BUF_INIT, v = BUF_INIT;
    buf_puts(&q, "CREATE TABLE wide (id INT PRIMARY KEY");
    buf_puts(&v, "INSERT INTO wide VALUES (1");
    for (int i = 1; i < 300; i++) {
        buf_printf(&q, ", `Column Number %03d` %s", i, i % 3 ? "INT" : "VARCHAR(10)");
        buf_printf(&v, i % 3 ? ", %d" : ", 's%d'", i);
    }
    buf_puts(&q, ")");
    buf_puts(&v, ")");
    my_run(q.data);
    my_run(v.data);
    buf_free(&q);
    buf_free(&v);
    sqlt t;
    sqlt_init(&t, "sql-mariadb-wide");
    def_tables(&t, db_url(), "\"wide\"");
    sqlt_run_ok(&t);
    expect_text(t.db,
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'd' "
                "AND table_name = 'wide' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
                "300");
    expect_text(t.db, "SELECT column_number_299::text || column_number_297 FROM d.wide", "299s297");
    sqlt_free(&t);
}

static void test_incremental_merge(void **state)
{
    (void)state;
    my_run("CREATE TABLE orders (id INT, region VARCHAR(8), qty INT, updated_at DATETIME(6),"
           " PRIMARY KEY (region, id))");
    my_run("INSERT INTO orders VALUES (1, 'eu', 10, '2024-01-01 00:00:00'),"
           " (2, 'eu', 20, '2024-01-02 00:00:00.5'), (1, 'us', 30, '2024-01-03 00:00:00')");
    sqlt t;
    sqlt_init(&t, "sql-mariadb-inc");
    char src[2048];
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"%s\"\n"
             "table_names = [\"orders\"]\nwrite_disposition = \"merge\"\n"
             "[source.tables.orders.incremental]\ncursor_path = \"updated_at\"\n"
             "initial_value = \"2024-01-01T12:00:00\"\n",
             db_url());
    sqlt_def(&t, "mariadb_inc", src);
    sqlt_run_ok(&t);
    /* the row before initial_value is not read */
    assert_int_equal(pt_count(t.db, "d", "orders"), 2);
    my_run("UPDATE orders SET qty = 21, updated_at = '2024-02-01 00:00:00.25' WHERE id = 2");
    my_run("INSERT INTO orders VALUES (3, 'eu', 40, '2024-02-02 00:00:00')");
    sqlt_run_ok(&t);
    /* merged on the reflected key (region, id): the update replaced its row */
    assert_int_equal(pt_count(t.db, "d", "orders"), 3);
    expect_text(t.db, "SELECT string_agg(region || id || ':' || qty, ',' ORDER BY region, id) "
                      "FROM d.orders", "eu2:21,eu3:40,us1:30");
    /* the second run read only what changed (the WHERE went to the server: 2 rows) */
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM d.orders WHERE _dlt_load_id = "
                                        "(SELECT max(_dlt_load_id) FROM d.orders)"),
                     2);
    /* a third run reads nothing new */
    sqlt_run_ok(&t);
    assert_int_equal(pt_count(t.db, "d", "orders"), 3);
    expect_text(t.db, "SELECT max(updated_at)::text FROM d.orders", "2024-02-02 00:00:00");
    sqlt_free(&t);
}

/* resolve_foreign_keys on MariaDB: keys to one table merge (constraints by name, columns in
 * key order); a key into another database is left out as dlt does. */
static void test_references(void **state)
{
    (void)state;
    my_run("DROP DATABASE IF EXISTS " DB "_x");
    my_run("CREATE DATABASE " DB "_x");
    my_run("CREATE TABLE " DB "_x.ext (id INT PRIMARY KEY) ENGINE=InnoDB");
    my_run("CREATE TABLE parent (id INT PRIMARY KEY, k2 INT, UNIQUE KEY (id, k2)) ENGINE=InnoDB");
    my_run("CREATE TABLE child (id INT PRIMARY KEY, pid INT, a INT, b INT, ext INT,"
           " CONSTRAINT fk_b FOREIGN KEY (pid) REFERENCES parent (id),"
           " CONSTRAINT fk_a FOREIGN KEY (a, b) REFERENCES parent (id, k2),"
           " CONSTRAINT fk_c FOREIGN KEY (ext) REFERENCES " DB "_x.ext (id)) ENGINE=InnoDB");
    my_run("INSERT INTO parent VALUES (1, 2)");
    my_run("INSERT INTO child VALUES (1, 1, 1, 2, NULL)");
    sqlt t;
    sqlt_init(&t, "sql-mariadb-refs");
    char src[2048];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"%s\", table_names = "
             "[\"child\"], resolve_foreign_keys = true }", db_url());
    sqlt_def(&t, "mariadb_refs", src);
    sqlt_run_ok(&t);
    expect_schema_key(&t, "mariadb_refs", "child", "references",
                      "[{\"referenced_table\":\"parent\",\"referenced_columns\":"
                      "[\"id\",\"k2\",\"id\"],\"columns\":[\"a\",\"b\",\"pid\"]}]");
    assert_int_equal(pt_count(t.db, "d", "child"), 1);
    sqlt_free(&t);
    my_run("DROP TABLE child");
    my_run("DROP DATABASE " DB "_x");
}

/* SET columns load as the server's "a,b" text (dlt 1.26 fails: a Python set is not JSON) with
 * the longest such text as precision; zero dates are NULL as with mysqlclient (mysql://) and
 * their text in a variant column as with pymysql (mysql+pymysql://), as dlt gives them. */
static void test_set_and_zero_dates(void **state)
{
    (void)state;
    MYSQL *m = admin();
    run(m, "USE " DB);
    run(m, "SET SESSION sql_mode = ''");
    run(m, "CREATE TABLE st (id INT PRIMARY KEY, s SET('a','bb','c''q'), e ENUM('x','yyy'))");
    run(m, "INSERT INTO st VALUES (1, 'a,bb', 'yyy'), (2, '', 'x'), (3, NULL, NULL)");
    run(m, "CREATE TABLE zd (id INT PRIMARY KEY, d DATE, dt DATETIME, ts TIMESTAMP NULL)");
    run(m, "INSERT INTO zd VALUES (1, '2024-01-01', '2024-01-01 10:00:00', '2024-01-01 10:00:00'),"
           " (2, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),"
           " (3, '2024-00-10', '2024-05-00 10:00:00', NULL)");
    mysql_close(m);
    sqlt t;
    sqlt_init(&t, "sql-mariadb-set");
    char src[2048];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"%s\", table_names = "
             "[\"st\", \"zd\"], reflection_level = \"full_with_precision\" }", db_url());
    sqlt_def(&t, "mariadb_set", src);
    sqlt_run_ok(&t);
    expect_schema_key(&t, "mariadb_set", "st", "columns.s.precision", "8");
    expect_schema_key(&t, "mariadb_set", "st", "columns.e.precision", "3");
    expect_text(t.db, "SELECT string_agg(coalesce(s, 'N') || '|' || coalesce(e, 'N'), ';' "
                      "ORDER BY id) FROM d.st", "a,bb|yyy;|x;N|N");
    expect_text(t.db, "SELECT string_agg(concat_ws('|', id, coalesce(d::text, 'N'), "
                      "coalesce(dt::text, 'N'), coalesce(ts::text, 'N')), ';' ORDER BY id) "
                      "FROM d.zd",
                "1|2024-01-01|2024-01-01 10:00:00|2024-01-01 10:00:00;2|N|N|N;3|N|N|N");
    sqlt_free(&t);
    /* pymysql: the invalid dates as text, in variant columns next to the typed ones */
    sqlt_init(&t, "sql-mariadb-zd");
    char url[600];
    snprintf(url, sizeof url, "mysql+pymysql%s", strstr(db_url(), "://"));
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"%s\", table_names = "
             "[\"zd\"] }", url);
    sqlt_def(&t, "mariadb_zd", src);
    sqlt_run_ok(&t);
    expect_text(t.db, "SELECT string_agg(concat_ws('|', id, coalesce(d::text, d__v_text), "
                      "coalesce(dt::text, dt__v_text), coalesce(ts::text, ts__v_text, 'N')), ';' "
                      "ORDER BY id) FROM d.zd",
                "1|2024-01-01|2024-01-01 10:00:00|2024-01-01 10:00:00;"
                "2|0000-00-00|0000-00-00 00:00:00|0000-00-00 00:00:00;"
                "3|2024-00-10|2024-05-00 10:00:00|N");
    expect_schema_key(&t, "mariadb_zd", "zd", "columns.d.data_type", "\"date\"");
    expect_schema_key(&t, "mariadb_zd", "zd", "columns.d__v_text.variant", "true");
    sqlt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_into_duckdb),
        cmocka_unit_test(test_wrong_password_and_refused),
        cmocka_unit_test(test_incremental_merge),
        cmocka_unit_test(test_300_columns),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_set_and_zero_dates),
    };
    (void)lite_exec; /* sqlt.h's SQLite helper: not needed here */
    return cmocka_run_group_tests(tests, setup, teardown);
}
