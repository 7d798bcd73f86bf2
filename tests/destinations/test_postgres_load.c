/* test_postgres_load.c: the PostgreSQL destination against the fixture server: every data type
 * with dlt's column types (including precision hints) and values (NULLs, Unicode, tabs and
 * newlines, backslashes, binary with NUL bytes, json, decimals, timestamps with and without
 * zone, before the epoch), system tables and the lookups sync uses, one transaction per
 * package (rollback leaves nothing), damaged load files, delete_load, truncate and drop,
 * connection refused and a wrong password (clear message, password never shown). */
#include "pg_testlib.h"
#include "sqlgen/sqlgen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

enum { C_ID, C_S, C_S10, C_F, C_B, C_TS, C_TSN, C_TS3, C_D, C_TM, C_BIN, C_J, C_DEC, C_DEC2,
       C_W, C_SMALL, C_I32, C_INC, C_LOAD, C_DLTID, C_N };

typedef struct fixture {
    char *dir;
    schema *s;
    schema_table *t;
    const dest_vtable *v;
    PGconn *c;
    arena a;
    jv obj;
} fixture;

static const char *DS = "t_pg_load";

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp("pg_load");
    f->v = dest_find("postgres");
    assert_non_null(f->v);
    assert_non_null(tu_db_url("postgres")); /* requires the cdlt_testdb fixture */
    f->c = pl_conn();
    pl_exec(f->c, "SET TIME ZONE 'UTC'");
    pl_drop(f->c, DS);
    cdlt_error err = {0};
    assert_int_equal(schema_new("items_src", &f->s, &err), CDLT_OK);
    schema *s = f->s;
    schema_table *t = f->t = tl_table(s, "items");
    tl_col(s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_col(s, t, "s10", DT_TEXT, true, -1, 10, -1);
    tl_col(s, t, "f", DT_DOUBLE, true, -1, -1, -1);
    tl_col(s, t, "b", DT_BOOL, true, -1, -1, -1);
    tl_col(s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    tl_col(s, t, "tsn", DT_TIMESTAMP, true, 0, -1, -1);
    tl_col(s, t, "ts3", DT_TIMESTAMP, true, -1, 3, -1);
    tl_col(s, t, "d", DT_DATE, true, -1, -1, -1);
    tl_col(s, t, "tm", DT_TIME, true, -1, -1, -1);
    tl_col(s, t, "bin", DT_BINARY, true, -1, -1, -1);
    tl_col(s, t, "j", DT_JSON, true, -1, -1, -1);
    tl_col(s, t, "dec", DT_DECIMAL, true, -1, -1, -1);
    tl_col(s, t, "dec2", DT_DECIMAL, true, -1, 10, 2);
    tl_col(s, t, "w", DT_WEI, true, -1, -1, -1);
    tl_col(s, t, "small", DT_BIGINT, true, -1, 16, -1);
    tl_col(s, t, "i32", DT_BIGINT, true, -1, 32, -1);
    tl_col(s, t, "inc", DT_NONE, true, -1, -1, -1);
    tl_dlt_cols(s, t);
    t->columns[t->ncolumns - 1].hints |= HINT_UNIQUE;
    s->version = 1;
    s->version_hash = "h1";
    arena_init(&f->a, 4096, 0);
    jv_builder ob, inner;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_init(&inner, JV_ARRAY);
    jv_builder_push(&inner, &f->a, jv_bool(true));
    jv_builder_push(&inner, &f->a, jv_str(&f->a, "tab\there \\ \"q\"", 14));
    jv_builder_set(&ob, &f->a, "a", 1, jv_int(1));
    jv_builder_set(&ob, &f->a, "b", 1, inner.value);
    f->obj = ob.value;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pl_drop(f->c, DS);
    PQfinish(f->c);
    schema_free(f->s);
    arena_free(&f->a);
    tu_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static const char TEXT1[] = "it's \"q\"\nline\r, with\ttabs; \xc3\xbcnic\xc3\xb6" "de \xf0\x9f\x98\x80 \\N \\. end\\";
static const char BIN1[] = {0x00, (char)0xff, 0x01, 0x00};

static void row_values(fixture *f, int64_t id, tval *v, const char *load_id, char *idbuf)
{
    for (int i = 0; i < C_N; i++)
        v[i] = tv_null();
    v[C_ID] = tv_i(id);
    snprintf(idbuf, 32, "row%lld", (long long)id);
    v[C_LOAD] = tv_s(load_id);
    v[C_DLTID] = tv_s(idbuf);
    if (id == 1) {
        v[C_S] = tv_sn(DT_TEXT, TEXT1, sizeof TEXT1 - 1);
        v[C_S10] = tv_s("abc");
        v[C_F] = tv_d(1.5);
        v[C_B] = tv_b(true);
        v[C_TS] = tv_ts(1704103200000000LL); /* 2024-01-01T10:00:00Z */
        v[C_TSN] = tv_ts(1704103200000001LL);
        v[C_TSN].flags = TV_NAIVE;
        v[C_TS3] = tv_ts(1704103200123000LL);
        v[C_D] = tv_date(19724); /* 2024-01-02 */
        v[C_TM] = tv_time(36000000000LL + 5);
        v[C_BIN] = tv_sn(DT_BINARY, BIN1, sizeof BIN1);
        v[C_J] = tv_json(&f->obj);
        v[C_DEC] = tv_sn(DT_DECIMAL, "1.25", 4);
        v[C_DEC2] = tv_sn(DT_DECIMAL, "-12345678.995", 13);
        v[C_W] = tv_sn(DT_WEI, "123456789012345678901234567890", 30);
        v[C_SMALL] = tv_i(32000);
        v[C_I32] = tv_i(-2147483648LL);
    } else if (id == 3) {
        v[C_S] = tv_s("");
        v[C_F] = tv_d(-1e300);
        v[C_B] = tv_b(false);
        v[C_TS] = tv_ts(-1000001); /* before the epoch */
        v[C_BIN] = tv_sn(DT_BINARY, "", 0);
        v[C_DEC] = tv_sn(DT_DECIMAL, "1E+3", 4);
        v[C_W] = tv_sn(DT_WEI, "-7", 2);
    } else if (id == 3000) { /* extremes */
        v[C_S] = tv_s("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x8e\x89");
        v[C_F] = tv_d(1.7976931348623157e308);
        v[C_TS] = tv_ts(253402300799999999LL);  /* 9999-12-31T23:59:59.999999Z */
        v[C_TSN] = tv_ts(-62135596800000000LL); /* 0001-01-01T00:00:00 */
        v[C_TSN].flags = TV_NAIVE;
        v[C_D] = tv_date(-719162);              /* 0001-01-01 */
        v[C_TM] = tv_time(86399999999LL);       /* 23:59:59.999999 */
        v[C_DEC] = tv_sn(DT_DECIMAL, "-99999999999999999999999999999.999999999", 40);
        v[C_W] = tv_sn(DT_WEI, "115792089237316195423570985008687907853269984665640564039457584007913129639935", 78);
        v[C_SMALL] = tv_i(-32768);
        v[C_I32] = tv_i(2147483647);
        v[C_DLTID] = tv_s("row3000");
    } else if (id > 3) {
        v[C_S] = tv_s("bulk");
        v[C_F] = tv_d((double)id / 4);
        v[C_TS] = tv_ts(id * 1000000);
        if (id % 7 == 0)
            v[C_S] = tv_null();
    }
}

static void write_file(fixture *f, const char *path, int64_t first, int64_t n, const char *lid)
{
    dest_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->formats[0]->open(f->t, path, NULL, &w, &err), CDLT_OK);
    tval v[C_N];
    char idbuf[32];
    for (int64_t id = first; id < first + n; id++) {
        row_values(f, id, v, lid, idbuf);
        cdlt_status st = f->v->formats[0]->row(w, v, C_N);
        if (st != CDLT_OK)
            fail_msg("writer_row: %s", f->v->formats[0]->last_error(w));
    }
    uint64_t rows = 0;
    assert_int_equal(f->v->formats[0]->close(w, &rows, &err), CDLT_OK);
    assert_int_equal(rows, (uint64_t)n);
}

static void load(fixture *f, destination *d, const char *path)
{
    cdlt_error err = {0};
    cdlt_status st = f->v->load_file(d, f->s, f->t, path, &err);
    if (st != CDLT_OK)
        fail_msg("load_file: %s", err.message);
}

static void test_types_and_values(void **state)
{
    fixture *f = *state;
    char path[4096];
    snprintf(path, sizeof path, "%s/items.1.cdltpg", f->dir);
    write_file(f, path, 1, 3000, "1700000000.1");
    destination *d = pl_open(DS, NULL);
    cdlt_error err = {0};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, path);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    int64_t n = 0;
    assert_int_equal(f->v->table_row_count(d, "items", &n, &err), CDLT_OK);
    assert_int_equal(n, 3000);
    f->v->close(d);
    /* dlt's PostgresTypeMapper, as dlt 1.26 creates them (checked against a dlt load) */
    pl_expect(f->c,
              "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || "
              "CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY attnum) FROM "
              "pg_attribute WHERE attrelid = 't_pg_load.items'::regclass AND attnum > 0",
              "id bigint NOT NULL, s character varying, s10 character varying(10), f double "
              "precision, b boolean, ts timestamp with time zone, tsn timestamp without time "
              "zone, ts3 timestamp(3) with time zone, d date, tm time without time zone, bin "
              "bytea, j jsonb, dec numeric(38,9), dec2 numeric(10,2), w numeric(156,78), small "
              "smallint, i32 integer, _dlt_load_id character varying NOT NULL, _dlt_id "
              "character varying NOT NULL");
    /* create_indexes (dlt's default true for postgres): UNIQUE for unique columns */
    pl_expect(f->c,
              "SELECT string_agg(kcu.column_name, ',') FROM information_schema.table_constraints "
              "tc JOIN information_schema.key_column_usage kcu USING (constraint_schema, "
              "constraint_name) WHERE tc.table_schema = 't_pg_load' AND tc.table_name = 'items' "
              "AND tc.constraint_type = 'UNIQUE'",
              "_dlt_id");
    char *s = pl_q(f->c, "SELECT s FROM t_pg_load.items WHERE id = 1");
    assert_non_null(s);
    assert_string_equal(s, TEXT1);
    free(s);
    pl_expect(f->c,
              "SELECT concat_ws('|', s10, f, b, ts, tsn, ts3, d, tm, encode(bin, 'hex'), j, dec, "
              "dec2, w, small, i32) FROM t_pg_load.items WHERE id = 1",
              "abc|1.5|t|2024-01-01 10:00:00+00|2024-01-01 10:00:00.000001|2024-01-01 "
              "10:00:00.123+00|2024-01-02|10:00:00.000005|00ff0100|{\"a\": 1, \"b\": [true, "
              "\"tab\\there \\\\ \\\"q\\\"\"]}|1.250000000|-12345679.00|"
              "123456789012345678901234567890.000000000000000000000000000000000000000000000000000"
              "000000000000000000000000000|32000|-2147483648");
    pl_expect(f->c,
              "SELECT concat_ws('|', s = '', f, b, ts, encode(bin, 'hex') = '', dec, w) FROM "
              "t_pg_load.items WHERE id = 3",
              "t|-1e+300|f|1969-12-31 23:59:58.999999+00|t|1000.000000000|"
              "-7.000000000000000000000000000000000000000000000000000000000000000000000000000000");
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items WHERE id = 2 AND s IS NULL AND f IS "
                    "NULL AND j IS NULL AND bin IS NULL AND ts IS NULL AND w IS NULL",
              "1");
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items WHERE s IS NULL", "429");
    pl_expect(f->c,
              "SELECT concat_ws('|', s, f, ts, tsn, d, tm, dec, w, small, i32) FROM "
              "t_pg_load.items WHERE id = 3000",
              "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x8e\x89|1.7976931348623157e+308|9999-12-31 "
              "23:59:59.999999+00|0001-01-01 00:00:00|0001-01-01|23:59:59.999999|"
              "-99999999999999999999999999999.999999999|"
              "115792089237316195423570985008687907853269984665640564039457584007913129639935."
              "000000000000000000000000000000000000000000000000000000000000000000000000000000|"
              "-32768|2147483647");
    /* a value out of the column's range is refused by the writer, naming the column */
    char p2[4096];
    snprintf(p2, sizeof p2, "%s/items.x.cdltpg", f->dir);
    dest_writer *w = NULL;
    assert_int_equal(f->v->formats[0]->open(f->t, p2, NULL, &w, &err), CDLT_OK);
    tval v[C_N];
    char idbuf[32];
    row_values(f, 5, v, "1", idbuf);
    v[C_SMALL] = tv_i(40000);
    assert_int_equal(f->v->formats[0]->row(w, v, C_N), CDLT_INVALID_ARG);
    assert_non_null(strstr(f->v->formats[0]->last_error(w), "smallint"));
    f->v->formats[0]->abort(w);
}

static void test_system_tables(void **state)
{
    fixture *f = *state;
    destination *d = pl_open(DS, NULL);
    cdlt_error err = {0};
    /* nothing yet: lookups answer "not found", not an error */
    bool found = true, done = true;
    buf out = BUF_INIT;
    assert_int_equal(f->v->get_stored_schema(d, "items_src", &out, &found, &err), CDLT_OK);
    assert_false(found);
    assert_int_equal(f->v->is_load_completed(d, "1.5", &done, &err), CDLT_OK);
    assert_false(done);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK); /* no second _dlt_version row */
    assert_int_equal(f->v->complete_load(d, f->s, "1700000000.5", &err), CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c,
              "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || "
              "CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY attnum) FROM "
              "pg_attribute WHERE attrelid = 't_pg_load._dlt_loads'::regclass AND attnum > 0",
              "load_id character varying(64) NOT NULL, schema_name character varying, status "
              "bigint NOT NULL, inserted_at timestamp with time zone NOT NULL, "
              "schema_version_hash character varying");
    pl_expect(f->c,
              "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || "
              "CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY attnum) FROM "
              "pg_attribute WHERE attrelid = 't_pg_load._dlt_version'::regclass AND attnum > 0",
              "version bigint NOT NULL, engine_version bigint NOT NULL, inserted_at timestamp "
              "with time zone NOT NULL, schema_name character varying NOT NULL, version_hash "
              "character varying NOT NULL, schema character varying NOT NULL");
    pl_expect(f->c, "SELECT concat_ws('|', load_id, schema_name, status, schema_version_hash, "
                    "inserted_at > now() - interval '1 hour') FROM t_pg_load._dlt_loads",
              "1700000000.5|items_src|0|h1|t");
    pl_expect(f->c, "SELECT concat_ws('|', count(*), min(version), min(engine_version), "
                    "min(schema_name), min(version_hash), min(left(schema, 11))) FROM "
                    "t_pg_load._dlt_version",
              "1|1|11|items_src|h1|{\"version\":");
    assert_int_equal(f->v->is_load_completed(d, "1700000000.5", &done, &err), CDLT_OK);
    assert_true(done);
    assert_int_equal(f->v->get_stored_schema(d, "items_src", &out, &found, &err), CDLT_OK);
    assert_true(found);
    assert_non_null(strstr(buf_cstr(&out), "\"name\":\"items_src\""));
    /* a state row as dlt writes it, found by the restore query and by find_state_datasets */
    pl_exec(f->c, "CREATE TABLE t_pg_load._dlt_pipeline_state (version bigint NOT NULL, "
                  "engine_version bigint NOT NULL, pipeline_name varchar NOT NULL, state varchar "
                  "NOT NULL, created_at timestamptz NOT NULL, version_hash varchar, _dlt_load_id "
                  "varchar(64) NOT NULL, _dlt_id varchar NOT NULL)");
    pl_exec(f->c, "INSERT INTO t_pg_load._dlt_pipeline_state VALUES (3, 4, 'pl', 'eNpLBAAAZgBm', "
                  "now(), 'vh', '1700000000.5', 'x'), (4, 4, 'pl', 'newer-not-completed', now(), "
                  "'vh', '1800000000.5', 'y')");
    buf_clear(&out);
    int64_t ver = 0;
    assert_int_equal(f->v->get_stored_state(d, "pl", &out, &ver, &found, &err), CDLT_OK);
    assert_true(found);
    assert_int_equal(ver, 3);
    assert_string_equal(buf_cstr(&out), "eNpLBAAAZgBm");
    strv dss = {0};
    assert_int_equal(f->v->find_state_datasets(d, "pl", &dss, &err), CDLT_OK);
    assert_true(strv_has(&dss, DS));
    strv_free(&dss);
    assert_int_equal(f->v->get_stored_state(d, "other", &out, &ver, &found, &err), CDLT_OK);
    assert_false(found);
    /* drop_tables removes the tables and the schema's _dlt_version rows */
    const char *drop[] = {"items"};
    assert_int_equal(f->v->drop_tables(d, drop, 1, "items_src", &err), CDLT_OK);
    int64_t n = 0;
    assert_int_equal(f->v->table_row_count(d, "items", &n, &err), CDLT_OK);
    assert_int_equal(n, -1);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load._dlt_version", "0");
    buf_free(&out);
    f->v->close(d);
}

static void test_rollback_and_damage(void **state)
{
    fixture *f = *state;
    char path[4096], bad[4096];
    snprintf(path, sizeof path, "%s/items.2.cdltpg", f->dir);
    snprintf(bad, sizeof bad, "%s/items.3.cdltpg", f->dir);
    write_file(f, path, 1, 50, "1700000000.2");
    /* a file cut short (crash while normalizing) is refused before any row is sent */
    size_t len = 0;
    char *data = tu_read_file(path, &len);
    assert_int_equal(tu_write_file(bad, data, len - 40), 0);
    free(data);
    destination *d = pl_open(DS, NULL);
    cdlt_error err = {0};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, path);
    assert_int_equal(f->v->complete_load(d, f->s, "1700000000.2", &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->t, bad, &err), CDLT_IO);
    assert_non_null(strstr(err.message, "items.3.cdltpg"));
    assert_non_null(strstr(err.message, "end marker"));
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    /* DDL is transactional: nothing of the package is left, not even the dataset */
    pl_expect(f->c, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = "
                    "'t_pg_load'",
              "0");
    /* rows that break the UNIQUE constraint of a table created in the same transaction: the
     * constraint is added after the load, at commit, which fails naming the table, and the
     * transaction is rolled back as a whole */
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, path);
    load(f, d, path);
    assert_int_equal(f->v->commit(d, &err), CDLT_DESTINATION);
    assert_non_null(strstr(err.message, "\"items__dlt_id_key\""));
    assert_non_null(strstr(err.message, "is duplicated"));
    assert_string_equal(err.table, "items");
    pl_expect(f->c, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = "
                    "'t_pg_load'",
              "0");
    /* the session stays usable: load again, delete_load removes one load's rows, truncate */
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, path);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "50");
    const char *tables[] = {"items"}, *parents[] = {NULL};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->delete_load(d, "1700000000.9", tables, parents, 1, &err), CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "50");
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->delete_load(d, "1700000000.2", tables, parents, 1, &err), CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "0");
    assert_int_equal(f->v->delete_load(d, "1; DROP TABLE x", tables, parents, 1, &err),
                     CDLT_INVALID_ARG);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    load(f, d, path);
    assert_int_equal(f->v->truncate_table(d, "items", &err), CDLT_OK);
    assert_int_equal(f->v->truncate_table(d, "missing", &err), CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "0");
    f->v->close(d);
}

/* One text per catalog aspect of a dataset's user tables: columns (order, type, nullability),
 * constraints (name, definition) and indexes (name, definition without the schema name). */
static char *catalog_of(PGconn *c, const char *ds, int what)
{
    char sql[2048];
    if (what == 0)
        snprintf(sql, sizeof sql, "SELECT string_agg(table_name || ':' || ordinal_position || ':' "
                 "|| column_name || ':' || data_type || ':' || is_nullable, ';' ORDER BY "
                 "table_name, ordinal_position) FROM information_schema.columns WHERE "
                 "table_schema = '%s' AND table_name NOT LIKE '\\_dlt%%'", ds);
    else if (what == 1)
        snprintf(sql, sizeof sql, "SELECT string_agg(cl.relname || ':' || co.conname || ':' || "
                 "co.contype::text || ':' || pg_get_constraintdef(co.oid), ';' ORDER BY cl.relname, "
                 "co.conname) FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid "
                 "JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = '%s' AND "
                 "cl.relname NOT LIKE '\\_dlt%%'", ds);
    else
        snprintf(sql, sizeof sql, "SELECT string_agg(tablename || ':' || indexname || ':' || "
                 "replace(indexdef, '%s.', ''), ';' ORDER BY tablename, indexname) FROM "
                 "pg_indexes WHERE schemaname = '%s' AND tablename NOT LIKE '\\_dlt%%'", ds, ds);
    char *out = pl_q(c, sql);
    assert_non_null(out);
    return out;
}

/* Tables created by the load get their UNIQUE constraints after the COPY (faster), and the
 * catalog is exactly that of dlt's CREATE TABLE with the UNIQUE clauses inline: constraint
 * and index names (also PostgreSQL's own shortening for a 63-byte table name, and a second
 * unique column), definitions, columns. A table without rows gets them too; an existing
 * table keeps its constraint (a duplicate fails at COPY); a duplicate inside the creating
 * package fails the commit and leaves nothing. */
static void test_unique_after_load(void **state)
{
    fixture *f = *state;
    static const char *REF = "t_pg_load_ref";
    char lname[64];
    memset(lname, 'l', 63);
    lname[63] = 0;
    memcpy(lname, "long_", 5);
    schema_table *lt = tl_table(f->s, lname);
    tl_col(f->s, lt, "code", DT_TEXT, false, -1, -1, -1);
    lt->columns[lt->ncolumns - 1].hints |= HINT_UNIQUE;
    tl_col(f->s, lt, "v", DT_BIGINT, true, -1, -1, -1);
    tl_dlt_cols(f->s, lt);
    lt->columns[lt->ncolumns - 1].hints |= HINT_UNIQUE;
    /* same shortened index name as lt's: the server numbers the second one (..._key1), so
     * the constraints must be added in the order the tables were created */
    char lname2[64];
    memcpy(lname2, lname, sizeof lname2);
    lname2[62] = 'm';
    schema_table *lt2 = tl_table(f->s, lname2);
    tl_dlt_cols(f->s, lt2);
    lt2->columns[lt2->ncolumns - 1].hints |= HINT_UNIQUE;
    /* the reference: dlt's DDL as one CREATE TABLE per table */
    pl_drop(f->c, REF);
    char sqlt[256];
    snprintf(sqlt, sizeof sqlt, "CREATE SCHEMA \"%s\"", REF);
    pl_exec(f->c, sqlt);
    cdlt_error err = {0};
    const schema_table *both[3] = {f->t, lt, lt2};
    for (int i = 0; i < 3; i++) {
        buf b = BUF_INIT;
        assert_int_equal(sqlgen_create_table(&sqlgen_postgres, REF, both[i], true, &b, &err),
                         CDLT_OK);
        assert_non_null(strstr(b.data, "UNIQUE"));
        pl_exec(f->c, b.data);
        buf_free(&b);
    }
    char path[4096], more[4096];
    snprintf(path, sizeof path, "%s/items.7.cdltpg", f->dir);
    snprintf(more, sizeof more, "%s/items.8.cdltpg", f->dir);
    write_file(f, path, 1, 300, "1700000000.7");
    write_file(f, more, 1000, 20, "1700000000.8");
    destination *d = pl_open(DS, NULL);
    /* a duplicate _dlt_id within the package that creates the table */
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, path);
    load(f, d, path);
    assert_int_equal(f->v->complete_load(d, f->s, "1700000000.7", &err), CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_DESTINATION);
    assert_non_null(strstr(err.message, "same value in a UNIQUE column"));
    assert_non_null(strstr(err.message, "Key (_dlt_id)=(row"));
    assert_string_equal(err.table, "items");
    pl_expect(f->c, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = "
                    "'t_pg_load'",
              "0");
    /* the package again without the duplicate; the long table gets no rows */
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, path);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "300");
    for (int what = 0; what < 3; what++) {
        char *want = catalog_of(f->c, REF, what), *got = catalog_of(f->c, DS, what);
        if (strcmp(want, got) != 0)
            fprintf(stderr, "catalog %d differs:\n  want %s\n  got  %s\n", what, want, got);
        assert_string_equal(want, got);
        if (what == 1) {
            assert_non_null(strstr(got, "items__dlt_id_key:u:UNIQUE (_dlt_id)"));
            assert_non_null(strstr(got, "_code_key:u:UNIQUE (code)"));
            assert_non_null(strstr(got, "__dlt_id_key1:u:UNIQUE (_dlt_id)"));
        }
        free(want);
        free(got);
    }
    /* the existing table: a second load works; a duplicate fails at COPY already */
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    load(f, d, more);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "320");
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->t, path, &err), CDLT_DESTINATION);
    assert_non_null(strstr(err.message, "duplicate key"));
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "320");
    char *want = catalog_of(f->c, REF, 1), *got = catalog_of(f->c, DS, 1);
    assert_string_equal(want, got);
    free(want);
    free(got);
    f->v->close(d);
    pl_drop(f->c, REF);
}

/* staging-optimized replace on a fresh dataset: the final and the staging table are both
 * created by the package; the staging one is swapped in and recreated LIKE it, so both must
 * have their constraints before the swap (and end as with inline UNIQUE clauses). */
static void test_unique_staging_optimized(void **state)
{
    fixture *f = *state;
    f->t->disposition = WD_REPLACE;
    char path[4096];
    snprintf(path, sizeof path, "%s/items.9.cdltpg", f->dir);
    write_file(f, path, 1, 40, "1700000000.9");
    destination *d = pl_open(DS, "{\"replace_strategy\": \"staging-optimized\"}");
    cdlt_error err = {0};
    const char *tables[] = {"items"};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    assert_int_equal(f->v->migrate_staging(d, f->s, tables, 1, &err), CDLT_OK);
    assert_int_equal(f->v->load_file_staging(d, f->s, f->t, path, &err), CDLT_OK);
    if (f->v->replace_from_staging(d, f->s, tables, 1, &err) != CDLT_OK)
        fail_msg("replace_from_staging: %s", err.message);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    f->v->close(d);
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load.items", "40");
    pl_expect(f->c, "SELECT count(*) FROM t_pg_load_staging.items", "0");
    static const char q[] =
        "SELECT string_agg(n.nspname || '.' || cl.relname || ':' || co.conname || ':' || "
        "pg_get_constraintdef(co.oid), ';' ORDER BY n.nspname) FROM pg_constraint co JOIN "
        "pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace "
        "WHERE n.nspname IN ('t_pg_load', 't_pg_load_staging') AND cl.relname = 'items'";
    pl_expect(f->c, q, "t_pg_load.items:items__dlt_id_key:UNIQUE (_dlt_id);"
                       "t_pg_load_staging.items:items__dlt_id_key:UNIQUE (_dlt_id)");
}

/* Decimal texts in every shape the binary numeric form must get right, compared with what
 * PostgreSQL's own text input makes of the same strings (numeric(60,20) and the default
 * numeric(38,9), which rounds). */
static void test_numeric_forms(void **state)
{
    fixture *f = *state;
    static const char *const NUMS[] = {
        "0", "-0", "0.0", "1", "-1", "9999", "10000", "10001", "99999999", "100000000",
        "0.5", "-0.5", "0.0001", "0.00001", "0.000000001", "0.0000000005", "0.00000000049",
        "123456789.123456789", "-98765432109876543210.01234567890123456789", "1E+3", "1e3",
        "1.5E+30", "2.5E-7", "-7.25e-3", "12345678901234567890123456789.5", "0010.0100",
        "1234.5678", "5E-10", "100.000000000", "+42"};
    size_t n = CDLT_ARRAY_LEN(NUMS);
    schema *s = f->s;
    schema_table *t = tl_table(s, "nums");
    tl_col(s, t, "i", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, t, "wide", DT_DECIMAL, true, -1, 60, 20);
    tl_col(s, t, "dflt", DT_DECIMAL, true, -1, -1, -1);
    char path[4096];
    snprintf(path, sizeof path, "%s/nums.1.cdltpg", f->dir);
    dest_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->formats[0]->open(t, path, NULL, &w, &err), CDLT_OK);
    for (size_t i = 0; i < n; i++) {
        /* numeric(38,9) holds 29 integer digits: the two larger values only go to `wide` */
        bool big = strstr(NUMS[i], "E+30") || strlen(NUMS[i]) > 30;
        tval v[3] = {tv_i((int64_t)i), tv_sn(DT_DECIMAL, NUMS[i], strlen(NUMS[i])),
                     big ? tv_null() : tv_sn(DT_DECIMAL, NUMS[i], strlen(NUMS[i]))};
        if (f->v->formats[0]->row(w, v, 3) != CDLT_OK)
            fail_msg("%s: %s", NUMS[i], f->v->formats[0]->last_error(w));
    }
    /* not a number: refused with the column and file named, the file stays valid */
    tval bad[3] = {tv_i(99), tv_sn(DT_DECIMAL, "12x", 3), tv_null()};
    assert_int_equal(f->v->formats[0]->row(w, bad, 3), CDLT_INVALID_ARG);
    assert_non_null(strstr(f->v->formats[0]->last_error(w), "nums.1.cdltpg"));
    assert_int_equal(f->v->formats[0]->close(w, NULL, &err), CDLT_OK);
    destination *d = pl_open(DS, NULL);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    if (f->v->load_file(d, f->s, t, path, &err) != CDLT_OK)
        fail_msg("load_file: %s", err.message);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_exec(f->c, "CREATE TABLE t_pg_load.nums_ref (i bigint, wide numeric(60,20), dflt "
                  "numeric(38,9))");
    char sql[512];
    for (size_t i = 0; i < n; i++) {
        bool big = strstr(NUMS[i], "E+30") || strlen(NUMS[i]) > 30;
        snprintf(sql, sizeof sql, "INSERT INTO t_pg_load.nums_ref VALUES (%zu, '%s', %s%s%s)", i,
                 NUMS[i], big ? "" : "'", big ? "NULL" : NUMS[i], big ? "" : "'");
        pl_exec(f->c, sql);
    }
    char *got = pl_q(f->c, "SELECT string_agg(concat_ws('/', i, wide, dflt), ' ' ORDER BY i) "
                           "FROM t_pg_load.nums");
    char *want = pl_q(f->c, "SELECT string_agg(concat_ws('/', i, wide, dflt), ' ' ORDER BY i) "
                            "FROM t_pg_load.nums_ref");
    if (strcmp(got, want) != 0)
        fprintf(stderr, "got  %s\nwant %s\n", got, want);
    assert_string_equal(got, want);
    free(got);
    free(want);
    f->v->close(d);
}

/* A table whose column types differ from those the load file was written for (made outside
 * cdlt, or a precision hint added later): rows go through a temporary table with casts. A
 * load file of the first, text format still loads. */
static void test_other_column_types(void **state)
{
    fixture *f = *state;
    pl_exec(f->c, "CREATE SCHEMA t_pg_load; CREATE TABLE t_pg_load.items (id integer NOT NULL, "
                  "s text, small bigint, j json, dec2 numeric(12,4), ts timestamp with time zone, "
                  "_dlt_load_id varchar NOT NULL, _dlt_id varchar NOT NULL)");
    schema *s = f->s;
    schema_table *t = tl_table(s, "items2");
    tl_col(s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_col(s, t, "small", DT_BIGINT, true, -1, 16, -1);
    tl_col(s, t, "j", DT_JSON, true, -1, -1, -1);
    tl_col(s, t, "dec2", DT_DECIMAL, true, -1, 10, 2);
    tl_col(s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    tl_dlt_cols(s, t);
    char path[4096];
    snprintf(path, sizeof path, "%s/items.9.cdltpg", f->dir);
    dest_writer *w = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->formats[0]->open(t, path, NULL, &w, &err), CDLT_OK);
    tval v[8] = {tv_i(7), tv_s("seven"), tv_i(-3), tv_json(&f->obj), tv_sn(DT_DECIMAL, "1.005", 5),
                 tv_ts(1704103200000000LL), tv_s("1.1"), tv_s("r7")};
    assert_int_equal(f->v->formats[0]->row(w, v, 8), CDLT_OK);
    assert_int_equal(f->v->formats[0]->close(w, NULL, &err), CDLT_OK);
    /* the table is named "items" in the database: load t's file into it under that name */
    schema_table alias = *t;
    alias.name = "items";
    destination *d = pl_open(DS, NULL);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    if (f->v->load_file(d, f->s, &alias, path, &err) != CDLT_OK)
        fail_msg("load_file: %s", err.message);
    /* twice in one transaction: the temporary table is gone after each file */
    if (f->v->load_file(d, f->s, &alias, path, &err) != CDLT_OK)
        fail_msg("load_file: %s", err.message);
    /* a first-version file: header CDLTPG1 and COPY text rows */
    char old[4096];
    snprintf(old, sizeof old, "%s/items.old.cdltpg", f->dir);
    static const char OLD[] = "CDLTPG1\t4\tid\ts\t_dlt_load_id\t_dlt_id\n8\tt\\tab\t1.1\tr8\n\\.\n";
    assert_int_equal(tu_write_file(old, OLD, sizeof OLD - 1), 0);
    if (f->v->load_file(d, f->s, &alias, old, &err) != CDLT_OK)
        fail_msg("load_file: %s", err.message);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    pl_expect(f->c, "SELECT string_agg(concat_ws('|', id, s, small, j, dec2, ts), ' ; ' ORDER BY "
                    "id) FROM t_pg_load.items",
              "7|seven|-3|{\"a\": 1, \"b\": [true, \"tab\\there \\\\ \\\"q\\\"\"]}|1.0050|"
              "2024-01-01 10:00:00+00 ; 7|seven|-3|{\"a\": 1, \"b\": [true, \"tab\\there \\\\ "
              "\\\"q\\\"\"]}|1.0050|2024-01-01 10:00:00+00 ; 8|t\tab");
    f->v->close(d);
}

/* A user without the CREATE privilege on the database loads into a schema an administrator
 * made for it (CREATE SCHEMA IF NOT EXISTS would be refused even though it exists). */
static void test_schema_made_by_admin(void **state)
{
    fixture *f = *state;
    /* the superuser, in the test database (its URL names the postgres database) */
    const char *keys[] = {"dbname", "dbname", NULL};
    const char *vals[] = {tu_db_url("postgres_super"), "cdlt_test", NULL};
    PGconn *su = PQconnectdbParams(keys, vals, 1);
    assert_int_equal(PQstatus(su), CONNECTION_OK);
    /* a killed earlier run may have left the role (owning objects here) */
    pl_exec(su, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS t_pg_load CASCADE; "
                "DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 't_pg_lowpriv') "
                "THEN DROP OWNED BY t_pg_lowpriv; END IF; END$$; "
                "DROP ROLE IF EXISTS t_pg_lowpriv; CREATE ROLE t_pg_lowpriv LOGIN PASSWORD "
                "'lowpw'; CREATE SCHEMA t_pg_load AUTHORIZATION t_pg_lowpriv");
    char url[512];
    snprintf(url, sizeof url, "postgresql://t_pg_lowpriv:lowpw@127.0.0.1:%s/cdlt_test",
             tu_db_env("CDLT_TEST_PG_PORT"));
    dest_config cfg = {.pipeline_name = "p", .dataset_name = DS, .credentials = url};
    destination *d = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->open(&cfg, &d, &err), CDLT_OK);
    char path[4096];
    snprintf(path, sizeof path, "%s/items.5.cdltpg", f->dir);
    write_file(f, path, 1, 10, "1700000000.5");
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    if (f->v->migrate(d, f->s, &err) != CDLT_OK)
        fail_msg("migrate: %s", err.message);
    load(f, d, path);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    f->v->close(d);
    pl_expect(su, "SELECT count(*) FROM t_pg_load.items", "10");
    pl_exec(su, "SET client_min_messages = warning; DROP SCHEMA t_pg_load CASCADE; DROP ROLE "
                "t_pg_lowpriv");
    PQfinish(su);
}

/* A URL like the fixture's with another password or port. */
static void url_with(char *out, size_t n, const char *password, int port)
{
    char p[16];
    snprintf(p, sizeof p, "%d", port);
    snprintf(out, n, "postgresql://cdlt:%s@127.0.0.1:%s/cdlt_test", password,
             port ? p : tu_db_env("CDLT_TEST_PG_PORT"));
}

static void test_connection_errors(void **state)
{
    (void)state;
    const dest_vtable *v = dest_find("postgres");
    char url[512];
    destination *d = NULL;
    cdlt_error err = {0};
    /* wrong password: the server's reason, where, what to check; the password never shows */
    url_with(url, sizeof url, "Wr0ngPassw0rdXYZ", 0);
    dest_config cfg = {.pipeline_name = "p", .dataset_name = "x", .credentials = url};
    assert_int_equal(v->open(&cfg, &d, &err), CDLT_DESTINATION);
    assert_null(d);
    assert_non_null(strstr(err.message, "password authentication failed"));
    assert_non_null(strstr(err.message, "127.0.0.1"));
    assert_non_null(strstr(err.message, "destination.postgres.credentials"));
    assert_null(strstr(err.message, "Wr0ngPassw0rdXYZ"));
    /* connection refused: a port nobody listens on (bound, then closed) */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    int port = ntohs(a.sin_port);
    close(s);
    url_with(url, sizeof url, "An0therSecretPw", port);
    memset(&err, 0, sizeof err);
    assert_int_equal(v->open(&cfg, &d, &err), CDLT_DESTINATION);
    assert_non_null(strstr(err.message, "Connection refused"));
    assert_non_null(strstr(err.message, "cannot connect"));
    assert_null(strstr(err.message, "An0therSecretPw"));
    /* a malformed string is not quoted back */
    cfg.credentials = "postgresql://u:Pw0Secret@host:notaport/db?bogus_key=1";
    memset(&err, 0, sizeof err);
    assert_int_equal(v->open(&cfg, &d, &err), CDLT_CONFIG);
    assert_null(strstr(err.message, "Pw0Secret"));
    /* no credentials at all */
    cfg.credentials = NULL;
    assert_int_equal(v->open(&cfg, &d, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "DESTINATION__POSTGRES__CREDENTIALS"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_types_and_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_and_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_after_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_staging_optimized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numeric_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_column_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_made_by_admin, setup, teardown),
        cmocka_unit_test(test_connection_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
