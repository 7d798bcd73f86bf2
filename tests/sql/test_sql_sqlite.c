/* test_sql_sqlite.c: the sql_database source reading SQLite files (made here) into DuckDB
 * with the real binary: every declared type lands with the type dlt gives it (values, NULLs,
 * extremes, Unicode), reflection levels, 0 rows, 300 columns, hostile names, table_names and
 * per-table settings, config errors naming the key (issue 13 #2, #3). */
#include "sqlt.h"

#include <signal.h>
#include <sys/stat.h>

static const char TYPES_SQL[] =
    "CREATE TABLE all_types(id INTEGER PRIMARY KEY, i INT NOT NULL, big BIGINT, small SMALLINT,"
    " num NUMERIC(10,2), dec DECIMAL, r REAL, dbl DOUBLE, f FLOAT, t TEXT, vc VARCHAR(20),"
    " ch CHAR(3), b BOOLEAN, ts DATETIME, tsp TIMESTAMP, d DATE, tm TIME, js JSON, bl BLOB,"
    " untyped, money MONEY);"
    "INSERT INTO all_types VALUES(1, 9223372036854775807, -9223372036854775808, 7, 12.5, 3,"
    " 1.5e308, -2.25, 0.5, 'héllo wörld ✓ 日本', 'abc', 'xy', 1, '2024-01-02 03:04:05.123456',"
    " '2024-02-29 23:59:59', '2024-12-31', '13:14:15', '{\"a\":[1,2],\"b\":\"x\"}', x'00ff10',"
    " 42, 7.25);"
    "INSERT INTO all_types(id, i) VALUES(2, 0);"
    "INSERT INTO all_types VALUES(3, -1, 0, -32768, -99999999.99, 0.1, -1e-300, 0, 0, '', '',"
    " '', 0, '1970-01-01 00:00:00', '0001-01-01 00:00:00', '0001-01-01', '00:00:00', '[]',"
    " x'', 'text here', 0);";

static void test_types_full(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-types");
    lite_exec(t.src, TYPES_SQL);
    char src[4096];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\" }", t.src);
    sqlt_def(&t, "types", src);
    sqlt_run_ok(&t);
    expect_text(t.db,
                "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
                "ordinal_position) FROM information_schema.columns WHERE table_schema = 'd' "
                "AND table_name = 'all_types' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
                "id:BIGINT,i:BIGINT,big:BIGINT,small:BIGINT,num:DECIMAL(10,2),"
                "dec:DECIMAL(38,9),r:DOUBLE,dbl:DOUBLE,f:DOUBLE,t:VARCHAR,vc:VARCHAR,ch:VARCHAR,"
                "b:BOOLEAN,ts:TIMESTAMP,tsp:TIMESTAMP,d:DATE,tm:TIME,js:JSON,bl:BLOB,"
                /* no type: inferred from the data (an int, then text: a variant column) */
                "money:DECIMAL(38,9),untyped:BIGINT,untyped__v_text:VARCHAR");
    /* NOT NULL and the primary key come from reflection */
    expect_text(t.db,
                "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                "information_schema.columns WHERE table_schema = 'd' AND table_name = "
                "'all_types' AND is_nullable = 'NO' AND column_name NOT LIKE '\\_dlt%' "
                "ESCAPE '\\'",
                "id,i");
    expect_text(t.db,
                "SELECT concat_ws('|', i, big, small, num, dec, r, dbl, f, t, vc, ch, b, ts, "
                "tsp, d, tm, js, hex(bl), untyped, money) FROM d.all_types WHERE id = 1",
                "9223372036854775807|-9223372036854775808|7|12.50|3.000000000|1.5e+308|-2.25|"
                "0.5|héllo wörld ✓ 日本|abc|xy|true|2024-01-02 03:04:05.123456|"
                "2024-02-29 23:59:59|2024-12-31|13:14:15|{\"a\":[1,2],\"b\":\"x\"}|00FF10|42|"
                "7.250000000");
    expect_text(t.db,
                "SELECT concat_ws('|', i, coalesce(big::text, 'N'), coalesce(num::text, 'N'), "
                "coalesce(t, 'N'), coalesce(ts::text, 'N'), coalesce(js::text, 'N'), "
                "coalesce(hex(bl), 'N'), coalesce(untyped::text, 'N')) FROM d.all_types WHERE "
                "id = 2",
                "0|N|N|N|N|N|N|N");
    expect_text(t.db,
                "SELECT concat_ws('|', small, num, dec, r, t = '', b, ts, tsp, d, tm, js, "
                "hex(bl) = '', untyped_text, money) FROM (SELECT *, untyped__v_text AS "
                "untyped_text FROM d.all_types) WHERE id = 3",
                "-32768|-99999999.99|0.100000000|-1e-300|true|false|1970-01-01 00:00:00|"
                "0001-01-01 00:00:00|0001-01-01|00:00:00|[]|true|text here|0.000000000");
    sqlt_free(&t);
}

static void test_levels(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-levels");
    lite_exec(t.src, "CREATE TABLE a(id INTEGER PRIMARY KEY, vc VARCHAR(20), s SMALLINT, "
                     "n NUMERIC(6,3), js JSON, d DATE, bl BLOB(16));"
                     "INSERT INTO a VALUES(1, 'x', 2, 1.5, '{\"k\":{\"z\":1}}', '2024-01-01',"
                     " x'01');");
    char src[4096];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "reflection_level = \"full_with_precision\" }", t.src);
    sqlt_def(&t, "lv1", src);
    sqlt_run_ok(&t);
    expect_text(t.db,
                "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
                "ordinal_position) FROM information_schema.columns WHERE table_schema = 'd' "
                "AND table_name = 'a' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
                "id:BIGINT,vc:VARCHAR,s:INTEGER,n:DECIMAL(6,3),js:JSON,d:DATE,bl:BLOB");
    /* minimal: no types from reflection; json unpacks into a nested table as in dlt */
    sqlt_free(&t);
    sqlt_init(&t, "sql-levels-min");
    lite_exec(t.src, "CREATE TABLE a(id INTEGER PRIMARY KEY, vc VARCHAR(20), n NUMERIC(6,3), "
                     "js JSON, d DATE, lst JSON, nd DATE, z TEXT);"
                     "INSERT INTO a VALUES(1, 'x', 1.5, '{\"k\":{\"z\":1}}', '2024-01-01', "
                     "'[1,2,3]', NULL, 'q');");
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "reflection_level = \"minimal\" }", t.src);
    sqlt_def(&t, "lv2", src);
    sqlt_run_ok(&t);
    expect_text(t.db,
                "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
                "ordinal_position) FROM information_schema.columns WHERE table_schema = 'd' "
                "AND table_name = 'a' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
                /* dlt: every column {name, nullable}, typed from the data in row order, so
                 * the source order (dlt 1.26 flattens a nested object after the row's own
                 * keys); a column with only NULLs is not created yet */
                "id:BIGINT,vc:VARCHAR,n:DECIMAL(38,9),d:DATE,z:VARCHAR,js__k__z:BIGINT");
    expect_text(t.db, "SELECT string_agg(value::text, ',' ORDER BY _dlt_list_idx) FROM d.a__lst",
                "1,2,3");
    /* the NULL-only date column stays as dlt leaves it, {name, nullable}: cdlt's internal
     * value type is nowhere in the stored schema or the destination's _dlt_version, and a
     * second run with the same data keeps the schema version */
    expect_schema_key(&t, "lv2", "a", "columns.nd", "{\"name\":\"nd\",\"nullable\":true}");
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM d._dlt_version WHERE schema LIKE "
                                        "'%x-cdlt%'"),
                     0);
    char *ver1 = sqlt_schema_key(&t, "lv2", NULL, "version");
    sqlt_run_ok(&t);
    char *ver2 = sqlt_schema_key(&t, "lv2", NULL, "version");
    assert_string_equal(ver1, ver2);
    free(ver1);
    free(ver2);
    expect_schema_key(&t, "lv2", "a", "columns.nd", "{\"name\":\"nd\",\"nullable\":true}");
    /* the NULL-only column gets its date type once a value arrives */
    lite_exec(t.src, "UPDATE a SET nd = '2025-06-07'");
    sqlt_run_ok(&t);
    expect_text(t.db,
                "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
                "ordinal_position) FROM information_schema.columns WHERE table_schema = 'd' "
                "AND table_name = 'a' AND column_name NOT LIKE '\\_dlt%' ESCAPE '\\'",
                "id:BIGINT,vc:VARCHAR,n:DECIMAL(38,9),d:DATE,z:VARCHAR,js__k__z:BIGINT,nd:DATE");
    expect_text(t.db, "SELECT string_agg(nd::text, ',') FROM d.a", "2025-06-07");
    sqlt_free(&t);
}

static void test_empty_wide_hostile(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-shapes");
    /* 300 columns */
    char *sql = malloc(64 * 1024);
    size_t n = (size_t)sprintf(sql, "CREATE TABLE wide(id INTEGER PRIMARY KEY");
    for (int i = 0; i < 299; i++)
        n += (size_t)sprintf(sql + n, ", c%03d %s", i, i % 3 == 0 ? "TEXT" : i % 3 == 1 ? "INT" : "REAL");
    n += (size_t)sprintf(sql + n, "); INSERT INTO wide VALUES(1");
    for (int i = 0; i < 299; i++)
        n += (size_t)sprintf(sql + n, i % 3 == 0 ? ", 'v%d'" : ", %d", i);
    n += (size_t)sprintf(sql + n, "), (2");
    for (int i = 0; i < 299; i++)
        n += (size_t)sprintf(sql + n, ", NULL");
    sprintf(sql + n, ");");
    lite_exec(t.src, sql);
    free(sql);
    /* 0 rows, hostile names: quotes, spaces, 100 characters */
    char longname[101];
    memset(longname, 'x', 100);
    longname[100] = 0;
    char hostile[2048];
    snprintf(hostile, sizeof hostile,
             "CREATE TABLE empty_one(id INTEGER PRIMARY KEY, v TEXT);"
             "CREATE TABLE \"it's \"\"quoted\"\" table\"(\"col with space\" TEXT, "
             "\"Weird\"\"Col'\" INT, \"%s\" TEXT);"
             "INSERT INTO \"it's \"\"quoted\"\" table\" VALUES('a b', 1, 'long');"
             "CREATE TABLE \"%s\"(id INT); INSERT INTO \"%s\" VALUES(5);",
             longname, longname, longname);
    lite_exec(t.src, hostile);
    char src[4096];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", chunk_size = 1 }",
             t.src);
    sqlt_def(&t, "shapes", src);
    sqlt_run_ok(&t);
    assert_int_equal(pt_count(t.db, "d", "wide"), 2);
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM information_schema.columns WHERE "
                                        "table_schema = 'd' AND table_name = 'wide'"),
                     300 + 2);
    expect_text(t.db, "SELECT concat_ws('|', c000, c001, c002, c298) FROM d.wide WHERE id = 1",
                "v0|1|2.0|298");
    expect_text(t.db, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'd'"
                      " AND table_name = 'wide' AND column_name = 'c002'", "DOUBLE");
    assert_true(pt_count(t.db, "d", "empty_one") <= 0); /* no rows: nothing or an empty table */
    char q[1024];
    snprintf(q, sizeof q, "SELECT concat_ws('|', col_with_space, weird_colx, \"%s\") FROM "
                          "d.it_s_quoted_table", longname); /* dlt's snake_case names */
    expect_text(t.db, q, "a b|1|long");
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM information_schema.tables WHERE "
                                        "table_schema = 'd' AND length(table_name) <= 100 AND "
                                        "table_name LIKE 'xxxx%'"),
                     1);
    sqlt_free(&t);
}

static void test_table_names_and_settings(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-names");
    lite_exec(t.src, "CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT, secret TEXT);"
                     "CREATE TABLE b(id INTEGER PRIMARY KEY);"
                     "CREATE VIEW va AS SELECT id, v FROM a;"
                     "INSERT INTO a VALUES(1,'one','s1'),(2,'two','s2'),(3,'three','s3');"
                     "INSERT INTO b VALUES(1);");
    char src[4096];
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "table_names = [\"a\", \"va\"]\n"
             "[source.tables.a]\nwhere = \"id >= 2\"\nexcluded_columns = [\"secret\"]\n"
             "table_name = \"a_copy\"\n",
             t.src);
    sqlt_def(&t, "names", src);
    sqlt_run_ok(&t);
    assert_int_equal(pt_count(t.db, "d", "a_copy"), 2);
    assert_int_equal(pt_count(t.db, "d", "va"), 3); /* views named in table_names are read */
    assert_int_equal(pt_count(t.db, "d", "b"), -1);
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM information_schema.columns WHERE "
                                        "table_schema = 'd' AND column_name = 'secret'"),
                     0);
    sqlt_free(&t);
}

static void test_config_errors(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-errs");
    lite_exec(t.src, "CREATE TABLE a(id INTEGER PRIMARY KEY);");
    char src[4096];
    /* unknown key: named with its config path and a suggestion */
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "chunksize = 5 }", t.src);
    sqlt_expect_error(&t, "e1", src, "source.chunksize", "chunk_size");
    /* unknown per-table key */
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "[source.tables.a]\nwhere_clause = \"x\"\n", t.src);
    sqlt_expect_error(&t, "e2", src, "source.tables.a.where_clause", NULL);
    /* dlt's Python callbacks: refused by name with what the file offers instead */
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "query_adapter_callback = \"f\" }", t.src);
    sqlt_expect_error(&t, "e2b", src, "source.query_adapter_callback", "`where`");
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "[source.tables.a]\ntype_adapter_callback = \"f\"\n", t.src);
    sqlt_expect_error(&t, "e2c", src, "source.tables.a.type_adapter_callback", "`columns` hints");
    /* a table that does not exist */
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "table_names = [\"nope\"] }", t.src);
    sqlt_expect_error(&t, "e3", src, "'nope' does not exist", NULL);
    /* a missing database file */
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s/none.db\" }",
             t.dir);
    sqlt_expect_error(&t, "e4", src, "none.db", NULL);
    /* a bad reflection level */
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "reflection_level = \"most\" }", t.src);
    sqlt_expect_error(&t, "e5", src, "source.reflection_level", NULL);
    /* an unknown dialect */
    sqlt_def(&t, "e6", "source = { type = \"sql_database\", credentials = "
                       "\"oracle://u:topsecretpw@h/db\" }");
    cli_res r = sqlt_run(&t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "oracle"));
    assert_null(strstr(r.err, "topsecretpw"));
    assert_null(strstr(r.out, "topsecretpw"));
    res_free(&r);
    sqlt_free(&t);
}

/* Credentials from the environment in dlt's layout. */
static void test_credentials_env(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-env");
    lite_exec(t.src, "CREATE TABLE a(id INTEGER PRIMARY KEY); INSERT INTO a VALUES(1),(2);");
    sqlt_def(&t, "envp", "source = { type = \"sql_table\", table = \"a\" }");
    char env[1400];
    snprintf(env, sizeof env, "SOURCES__SQL_DATABASE__CREDENTIALS=sqlite:///%s", t.src);
    const char *envs[] = {env, NULL};
    cli_res r = sqlt_run(&t, envs);
    if (r.code)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(t.db, "d", "a"), 2);
    sqlt_free(&t);
}

/* Incremental on a DATETIME cursor over two runs with rows inserted and updated between,
 * merged on the reflected primary key; an integer cursor with row_order and end_value. */
static void test_incremental_merge(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-inc");
    lite_exec(t.src, "CREATE TABLE ev(id INTEGER PRIMARY KEY, v TEXT, updated DATETIME);"
                     "INSERT INTO ev VALUES(1,'a','2024-01-01 00:00:00'),"
                     "(2,'b','2024-01-05 10:00:00'),(3,'c','2024-01-06 00:00:00');"
                     "CREATE TABLE seq(n INTEGER PRIMARY KEY, v TEXT);"
                     "INSERT INTO seq VALUES(1,'x'),(2,'y'),(3,'z'),(4,'w');");
    char src[4096];
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "write_disposition = \"merge\"\n"
             "[source.tables.ev.incremental]\ncursor_path = \"updated\"\n"
             "initial_value = \"2024-01-02T00:00:00\"\n"
             "[source.tables.seq.incremental]\ncursor_path = \"n\"\ninitial_value = 2\n"
             "end_value = 4\nrow_order = \"asc\"\n",
             t.src);
    sqlt_def(&t, "inc", src);
    sqlt_run_ok(&t);
    assert_int_equal(pt_count(t.db, "d", "ev"), 2);
    expect_text(t.db, "SELECT string_agg(n::text, ',' ORDER BY n) FROM d.seq", "2,3");
    lite_exec(t.src, "UPDATE ev SET v = 'B', updated = '2024-02-01 00:00:00' WHERE id = 2;"
                     "INSERT INTO ev VALUES(4,'d','2024-02-02 00:00:00');"
                     "INSERT INTO ev VALUES(5,'old','2023-01-01 00:00:00');");
    sqlt_run_ok(&t);
    assert_int_equal(pt_count(t.db, "d", "ev"), 3);
    expect_text(t.db, "SELECT string_agg(id || v, ',' ORDER BY id) FROM d.ev", "2B,3c,4d");
    assert_int_equal(pt_query_int(t.db, "SELECT count(*) FROM d.ev WHERE _dlt_load_id = "
                                        "(SELECT max(_dlt_load_id) FROM d.ev)"),
                     2);
    /* the cursor column must exist */
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_table\"\ntable = \"ev\"\n"
             "credentials = \"sqlite:///%s\"\n"
             "[source.incremental]\ncursor_path = \"nope\"\n", t.src);
    sqlt_expect_error(&t, "inc2", src, "'nope' does not exist", NULL);
    sqlt_free(&t);
}

/* parallelize: every table read on worker threads (fewer workers than tables), pages emitted
 * to each table's own emitter; a limit stops only its table; a failing table fails the run. */
static void test_parallel(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-par");
    char sql[4096];
    size_t n = 0;
    for (int k = 0; k < 5; k++)
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              "CREATE TABLE t%d(id INTEGER PRIMARY KEY, v TEXT);"
                              "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                              "WHERE x < %d) INSERT INTO t%d SELECT x, 'r' || x FROM c;",
                              k, 1000 * (k + 1), k);
    lite_exec(t.src, sql);
    char src[4096];
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "parallelize = true\nworkers = 2\nchunk_size = 100\n"
             "[source.tables.t2]\nlimit = 3\n", t.src);
    sqlt_def(&t, "par", src);
    sqlt_run_ok(&t);
    for (int k = 0; k < 5; k++) {
        char name[8];
        snprintf(name, sizeof name, "t%d", k);
        assert_int_equal(pt_count(t.db, "d", name), k == 2 ? 300 : 1000 * (k + 1));
    }
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "parallelize = true\n[source.tables.t3]\nwhere = \"no_such_column > 1\"\n",
             t.src);
    sqlt_expect_error(&t, "par2", src, "no_such_column", NULL);
    sqlt_free(&t);
}

/* Without parallelize each table is still read on one worker thread, page by page, while the
 * extract thread writes: a limit ends its table after that many pages, pages past a full one
 * arrive in order, and a failing table's SQL error names the table. */
static void test_reader_thread(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-reader");
    lite_exec(t.src, "CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT);"
                     "CREATE TABLE b(id INTEGER PRIMARY KEY, v TEXT);"
                     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                     "WHERE x < 2500) INSERT INTO a SELECT x, 'r' || x FROM c;"
                     "INSERT INTO b SELECT * FROM a;");
    char src[4096];
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "chunk_size = 7\n[source.tables.b]\nlimit = 3\n", t.src);
    sqlt_def(&t, "rt", src);
    sqlt_run_ok(&t);
    assert_int_equal(pt_count(t.db, "d", "a"), 2500);
    assert_int_equal(pt_count(t.db, "d", "b"), 21);
    expect_text(t.db, "SELECT sum(id)::text || ',' || max(v) FROM d.b", "231,r9");
    expect_text(t.db, "SELECT sum(id)::text || ',' || count(DISTINCT v) FROM d.a",
                "3126250,2500");
    snprintf(src, sizeof src,
             "[source]\ntype = \"sql_database\"\ncredentials = \"sqlite:///%s\"\n"
             "[source.tables.b]\nwhere = \"no_such_column > 1\"\n", t.src);
    sqlt_expect_error(&t, "rt2", src, "no_such_column", "the query of b failed");
    sqlt_free(&t);
}

/* The bundled sample parses (its credentials come from the environment at run time). */
static void test_sample_parses(void **st)
{
    (void)st;
    cdlt_definition *d = NULL;
    cdlt_error err = {0};
    assert_int_equal(cdlt_definition_load(tu_source_path("samples/sql_database.toml"), &d, &err),
                     CDLT_OK);
    cdlt_pipeline_options o = {0};
    cdlt_definition_options(d, &o);
    assert_string_equal(o.pipeline_name, "sql_copy");
    cdlt_definition_free(d);
}

/* Credentials in .dlt/secrets.toml as dlt keeps them, as fields (sql_database) */
static void test_credentials_secrets_toml(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-secrets");
    lite_exec(t.src, "CREATE TABLE a(id INTEGER PRIMARY KEY); INSERT INTO a VALUES(1),(2),(3);");
    char path[1300], text[2048];
    snprintf(path, sizeof path, "%s/.dlt", t.dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/.dlt/secrets.toml", t.dir);
    snprintf(text, sizeof text,
             "[sources.sql_database.credentials]\ndrivername = \"sqlite\"\ndatabase = \"%s\"\n",
             t.src);
    write_text(path, text);
    sqlt_def(&t, "sec", "source = { type = \"sql_database\" }");
    char env[1400];
    snprintf(env, sizeof env, "DLT_PROJECT_DIR=%s", t.dir);
    const char *envs[] = {env, NULL};
    cli_res r = sqlt_run(&t, envs);
    if (r.code)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(t.db, "d", "a"), 3);
    /* none anywhere: the error says where it looked */
    write_text(path, "");
    r = sqlt_run(&t, envs);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "SOURCES__SQL_DATABASE__CREDENTIALS"));
    res_free(&r);
    sqlt_free(&t);
}

/* Count files whose name matches the glob under dir. */
static int count_files(const char *dir, const char *glob)
{
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "find '%s' -name '%s' | wc -l", dir, glob);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (!f || fscanf(f, "%d", &n) != 1)
        n = -1;
    if (f)
        pclose(f);
    return n;
}

/* Rows travel from extract to normalize as binary items (jvb.c), not JSON text: the extracted
 * package holds .jvb files, is complete on disk when the run is killed right after extract,
 * and the next run loads from it exactly these values (doubles bit for bit incl. subnormal,
 * extremes and ones whose shortest text is long; int64 limits; text with quotes, backslashes,
 * control characters and 4-byte Unicode; blobs with zero bytes; NULLs in every column). */
static void test_binary_items(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-binitems");
    lite_exec(t.src,
              "CREATE TABLE v(id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE, t TEXT, bl BLOB,"
              " b BOOLEAN, ts DATETIME, n NUMERIC(20,4));"
              "INSERT INTO v VALUES(1, 9223372036854775807, 0.1 + 0.2,"
              " 'quote \" back \\ nl' || char(10) || 'tab' || char(9) || 'bell' || char(7) || ' 😀 日本',"
              " x'00ff0000', 1, '2024-02-29 23:59:59.999999', 12345678.9012);"
              "INSERT INTO v VALUES(2, -9223372036854775808, 4.9e-324, '', x'', 0,"
              " '0001-01-01 00:00:00', -0.0001);"
              "INSERT INTO v VALUES(3, 0, 1.7976931348623157e308, 'x', x'01', 1, NULL, 0);"
              "INSERT INTO v VALUES(4, -1, -2.2250738585072014e-308, 'y', NULL, NULL, NULL, NULL);"
              "INSERT INTO v VALUES(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"
              "INSERT INTO v VALUES(6, 1, 1.0 / 3, 'z', x'7f', 0, '2000-01-01 12:00:00', 1);");
    char src[4096];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "chunk_size = 2 }", t.src);
    sqlt_def(&t, "binitems", src);
    const char *crash[] = {"CDLT_TEST_CRASH_AT=extracted", NULL};
    cli_res r = sqlt_run(&t, crash);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    assert_true(count_files(t.pdir, "v.*.jvb") >= 1);
    assert_int_equal(count_files(t.pdir, "v.*.jsonl"), 0);
    sqlt_run_ok(&t); /* finishes the pending package */
    expect_text(t.db, "SELECT count(*) FROM d.v", "6");
    expect_text(t.db,
                "SELECT string_agg(concat_ws('|', id, coalesce(i::text, 'N'), "
                "coalesce(d::text, 'N'), coalesce(t, 'N'), coalesce(hex(bl), 'N'), "
                "coalesce(b::text, 'N'), coalesce(ts::text, 'N'), coalesce(n::text, 'N')), "
                "'#' ORDER BY id) FROM d.v",
                "1|9223372036854775807|0.30000000000000004|quote \" back \\ nl\ntab\tbell\a "
                "😀 日本|00FF0000|true|2024-02-29 23:59:59.999999|12345678.9012#"
                "2|-9223372036854775808|5e-324|||false|0001-01-01 00:00:00|-0.0001#"
                "3|0|1.7976931348623157e+308|x|01|true|N|0.0000#"
                "4|-1|-2.2250738585072014e-308|y|N|N|N|N#"
                "5|N|N|N|N|N|N|N#"
                "6|1|0.3333333333333333|z|7F|false|2000-01-01 12:00:00|1.0000");
    /* doubles bit for bit, not just as printed */
    expect_text(t.db,
                "SELECT string_agg(d = x::DOUBLE, ',' ORDER BY id) FROM d.v JOIN (VALUES "
                "(1, '0.30000000000000004'), (2, '4.9e-324'), (3, '1.7976931348623157e308'), "
                "(4, '-2.2250738585072014e-308'), (6, '0.3333333333333333')) AS w(k, x) "
                "ON k = id",
                "true,true,true,true,true");
    sqlt_free(&t);
}

/* resolve_foreign_keys: foreign keys become dlt's `references` table hints in the stored
 * schema: one entry per referenced table (two keys to one table merged), a key naming no
 * columns points at the referenced primary key, names normalized; none without the option;
 * a second run keeps the schema version. */
static void test_references(void **st)
{
    (void)st;
    sqlt t;
    sqlt_init(&t, "sql-refs");
    lite_exec(t.src, "CREATE TABLE p(a INTEGER PRIMARY KEY);"
                     "CREATE TABLE q(x INT, y INT, PRIMARY KEY(x, y));"
                     "CREATE TABLE c(id INTEGER PRIMARY KEY, \"OwnerId\" INT, j INT, k INT, m INT,"
                     " FOREIGN KEY(\"OwnerId\") REFERENCES p(a),"
                     " FOREIGN KEY(j, k) REFERENCES q,"
                     " FOREIGN KEY(m) REFERENCES p(a));"
                     "INSERT INTO p VALUES(1); INSERT INTO q VALUES(1, 2);"
                     "INSERT INTO c VALUES(1, 1, 1, 2, 1);");
    char src[4096];
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\", "
             "resolve_foreign_keys = true }", t.src);
    sqlt_def(&t, "refs", src);
    sqlt_run_ok(&t);
    expect_schema_key(&t, "refs", "c", "references",
                      "[{\"referenced_table\":\"p\",\"referenced_columns\":[\"a\",\"a\"],"
                      "\"columns\":[\"owner_id\",\"m\"]},{\"referenced_table\":\"q\","
                      "\"referenced_columns\":[\"x\",\"y\"],\"columns\":[\"j\",\"k\"]}]");
    expect_schema_key(&t, "refs", "p", "references", NULL);
    char *v1 = sqlt_schema_key(&t, "refs", NULL, "version");
    sqlt_run_ok(&t);
    char *v2 = sqlt_schema_key(&t, "refs", NULL, "version");
    assert_string_equal(v1, v2);
    free(v1);
    free(v2);
    /* without the option: no references */
    snprintf(src, sizeof src,
             "source = { type = \"sql_database\", credentials = \"sqlite:///%s\" }", t.src);
    sqlt_def(&t, "norefs", src);
    sqlt_run_ok(&t);
    expect_schema_key(&t, "norefs", "c", "references", NULL);
    sqlt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_full),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_empty_wide_hostile),
        cmocka_unit_test(test_table_names_and_settings),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_credentials_env),
        cmocka_unit_test(test_incremental_merge),
        cmocka_unit_test(test_sample_parses),
        cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_reader_thread),
        cmocka_unit_test(test_credentials_secrets_toml),
        cmocka_unit_test(test_binary_items),
        cmocka_unit_test(test_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
