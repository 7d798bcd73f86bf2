/* system.c: dlt's system tables in a DuckDB dataset (_dlt_version, _dlt_loads,
 * _dlt_pipeline_state; spec core.md §4) and row counts (truncate and drop: sqlops.c). The SQL text comes from src/sqlgen; values are always bound as
 * parameters, never spliced into SQL. */
#include "duck.h"
#include "sqlgen/sqlgen.h"

/* Maximum text length of a DuckDB VARCHAR as dlt declares it (max_text_data_type_length):
 * larger schema documents are stored base64(zlib). */
#define DUCK_MAX_TEXT ((size_t)1024 * 1024 * 1024)

/* A prepared statement with its SQL kept for error messages. */
typedef struct stmt {
    duckdb_prepared_statement ps; /* NULL when preparing failed */
    duckdb_result res;            /* result of the last execute */
    bool has_res;                 /* res must be destroyed */
    const char *sql;              /* the SQL (for messages) */
} stmt;

static cdlt_status stmt_prepare(destination *d, stmt *s, const char *sql, const char *what,
                                cdlt_error *err)
{
    memset(s, 0, sizeof *s);
    s->sql = sql;
    if (duckdb_prepare(d->con, sql, &s->ps) != DuckDBSuccess) {
        duck_fail(err, what, duckdb_prepare_error(s->ps), sql);
        duckdb_destroy_prepare(&s->ps);
        s->ps = NULL;
        return CDLT_DESTINATION;
    }
    return CDLT_OK;
}

static cdlt_status stmt_run(stmt *s, const char *what, cdlt_error *err)
{
    if (s->has_res)
        duckdb_destroy_result(&s->res);
    s->has_res = true;
    if (duckdb_execute_prepared(s->ps, &s->res) != DuckDBSuccess)
        return duck_fail(err, what, duckdb_result_error(&s->res), s->sql);
    return CDLT_OK;
}

static void stmt_done(stmt *s)
{
    if (s->has_res)
        duckdb_destroy_result(&s->res);
    if (s->ps)
        duckdb_destroy_prepare(&s->ps);
    s->has_res = false;
}

/* The system-table statement `k` of src/sqlgen for this session's dataset. */
static cdlt_status sql_for(const destination *d, buf *b, sqlgen_sys k, const char *table)
{
    return sqlgen_system_sql(&sqlgen_duckdb, d->dataset, k, table, b);
}

/* A string column value appended to out (NULL -> nothing). */
static void put_varchar(duckdb_result *res, idx_t col, idx_t row, buf *out)
{
    char *v = duckdb_value_varchar(res, col, row);
    if (v) {
        buf_puts(out, v);
        duckdb_free(v);
    }
}

cdlt_status duck_store_schema(destination *d, const schema *s, cdlt_error *err)
{
    char hash[64];
    const char *vh = s->version_hash;
    if (!vh) {
        if (schema_compute_hash(s, hash) != CDLT_OK)
            return err_nomem(err);
        vh = hash;
    }
    buf sql = BUF_INIT, doc = BUF_INIT, enc = BUF_INIT;
    stmt q = {0};
    cdlt_status st = sql_for(d, &sql, SQLGEN_VERSION_EXISTS, NULL);
    if (st != CDLT_OK)
        goto nomem;
    st = stmt_prepare(d, &q, sql.data, "looking up the stored schema version", err);
    if (st != CDLT_OK)
        goto out;
    duckdb_bind_varchar(q.ps, 1, vh);
    st = stmt_run(&q, "looking up the stored schema version", err);
    if (st != CDLT_OK || duckdb_row_count(&q.res) > 0)
        goto out; /* this version is already stored */
    stmt_done(&q);

    if (schema_to_json(s, false, &doc) != CDLT_OK)
        goto nomem;
    const char *text = doc.data;
    if (doc.len > DUCK_MAX_TEXT) {
        if (dest_compress_b64(doc.data, doc.len, &enc) != CDLT_OK)
            goto nomem;
        text = enc.data;
    }
    buf_clear(&sql);
    if (sql_for(d, &sql, SQLGEN_VERSION_INSERT, NULL) != CDLT_OK)
        goto nomem;
    st = stmt_prepare(d, &q, sql.data, "storing the schema version", err);
    if (st != CDLT_OK)
        goto out;
    duckdb_bind_int64(q.ps, 1, s->version);
    duckdb_bind_int64(q.ps, 2, SCHEMA_ENGINE_VERSION);
    duckdb_bind_timestamp_tz(q.ps, 3, (duckdb_timestamp){duck_now_us()});
    duckdb_bind_varchar(q.ps, 4, s->name);
    duckdb_bind_varchar(q.ps, 5, vh);
    duckdb_bind_varchar_length(q.ps, 6, text, doc.len > DUCK_MAX_TEXT ? enc.len : doc.len);
    st = stmt_run(&q, "storing the schema version", err);
    goto out;
nomem:
    st = err_nomem(err);
out:
    if (st != CDLT_OK)
        err_set_table(err, "_dlt_version");
    stmt_done(&q);
    buf_free(&sql);
    buf_free(&doc);
    buf_free(&enc);
    return st;
}

cdlt_status duck_complete_load(destination *d, const schema *s, const char *load_id,
                               cdlt_error *err)
{
    buf sql = BUF_INIT;
    stmt q = {0};
    cdlt_status st = sql_for(d, &sql, SQLGEN_LOAD_INSERT, NULL);
    if (st != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    st = stmt_prepare(d, &q, sql.data, "recording the completed load", err);
    if (st == CDLT_OK) {
        duckdb_bind_varchar(q.ps, 1, load_id);
        duckdb_bind_varchar(q.ps, 2, s->name);
        duckdb_bind_timestamp_tz(q.ps, 3, (duckdb_timestamp){duck_now_us()});
        if (s->version_hash)
            duckdb_bind_varchar(q.ps, 4, s->version_hash);
        else
            duckdb_bind_null(q.ps, 4);
        st = stmt_run(&q, "recording the completed load", err);
    }
    if (st != CDLT_OK) {
        err_set_table(err, "_dlt_loads");
        err_prefix(err, "load package %s: ", load_id);
    }
    stmt_done(&q);
    buf_free(&sql);
    return st;
}

cdlt_status duck_is_load_completed(destination *d, const char *load_id, bool *out,
                                   cdlt_error *err)
{
    *out = false;
    bool exists;
    cdlt_status st = duck_table_exists(d, "_dlt_loads", &exists, err);
    if (st != CDLT_OK || !exists)
        return st;
    buf sql = BUF_INIT;
    stmt q = {0};
    if (sql_for(d, &sql, SQLGEN_LOAD_EXISTS, NULL) != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    st = stmt_prepare(d, &q, sql.data, "looking up a load", err);
    if (st == CDLT_OK) {
        duckdb_bind_varchar(q.ps, 1, load_id);
        st = stmt_run(&q, "looking up a load", err);
        if (st == CDLT_OK)
            *out = duckdb_row_count(&q.res) > 0;
    }
    stmt_done(&q);
    buf_free(&sql);
    return st;
}

cdlt_status duck_get_stored_state(destination *d, const char *pipeline_name, buf *out_state,
                                  int64_t *out_version, bool *out_found, cdlt_error *err)
{
    *out_found = false;
    if (out_version)
        *out_version = 0;
    bool e1, e2;
    cdlt_status st = duck_table_exists(d, "_dlt_pipeline_state", &e1, err);
    if (st == CDLT_OK)
        st = duck_table_exists(d, "_dlt_loads", &e2, err);
    if (st != CDLT_OK || !e1 || !e2)
        return st;
    buf sql = BUF_INIT;
    stmt q = {0};
    if (sql_for(d, &sql, SQLGEN_STATE_RESTORE, NULL) != CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    st = stmt_prepare(d, &q, sql.data, "reading the stored pipeline state", err);
    if (st != CDLT_OK)
        goto out;
    duckdb_bind_varchar(q.ps, 1, pipeline_name);
    st = stmt_run(&q, "reading the stored pipeline state", err);
    if (st == CDLT_OK && duckdb_row_count(&q.res) > 0) {
        if (out_version)
            *out_version = duckdb_value_int64(&q.res, 0, 0);
        put_varchar(&q.res, 3, 0, out_state);
        if (out_state->status != CDLT_OK)
            st = err_nomem(err);
        else
            *out_found = true;
    }
out:
    stmt_done(&q);
    buf_free(&sql);
    return st;
}

cdlt_status duck_get_stored_schema(destination *d, const char *schema_name, buf *out_json,
                                   bool *out_found, cdlt_error *err)
{
    *out_found = false;
    bool exists;
    cdlt_status st = duck_table_exists(d, "_dlt_version", &exists, err);
    if (st != CDLT_OK || !exists)
        return st;
    buf sql = BUF_INIT, raw = BUF_INIT;
    stmt q = {0};
    if (sql_for(d, &sql, schema_name ? SQLGEN_VERSION_LATEST_OF : SQLGEN_VERSION_LATEST, NULL) !=
        CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    st = stmt_prepare(d, &q, sql.data, "reading the stored schema", err);
    if (st != CDLT_OK)
        goto out;
    if (schema_name)
        duckdb_bind_varchar(q.ps, 1, schema_name);
    st = stmt_run(&q, "reading the stored schema", err);
    if (st == CDLT_OK && duckdb_row_count(&q.res) > 0) {
        put_varchar(&q.res, 0, 0, &raw);
        if (raw.status != CDLT_OK) {
            st = err_nomem(err);
            goto out;
        }
        /* dlt stores plain JSON, or base64(zlib) when it exceeds the text limit */
        st = dest_decompress_b64(raw.data ? raw.data : "", raw.len, out_json);
        if (st == CDLT_NOMEM) {
            err_nomem(err);
        } else if (st != CDLT_OK) {
            err_set(err, CDLT_PARSE,
                    "duckdb: the stored schema%s%s in table _dlt_version is neither JSON nor "
                    "base64(zlib) JSON",
                    schema_name ? " " : "", schema_name ? schema_name : "");
            err_hint(err, "delete the damaged _dlt_version row; cdlt stores it again on the "
                          "next load");
        } else {
            *out_found = true;
        }
    }
out:
    stmt_done(&q);
    buf_free(&sql);
    buf_free(&raw);
    return st;
}

cdlt_status duck_table_row_count(destination *d, const char *table, int64_t *out,
                                 cdlt_error *err)
{
    *out = -1;
    bool exists;
    cdlt_status st = duck_table_exists(d, table, &exists, err);
    if (st != CDLT_OK || !exists)
        return st;
    buf sql = BUF_INIT;
    if (sql_for(d, &sql, SQLGEN_ROW_COUNT, table) != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    duckdb_result res;
    if (duckdb_query(d->con, sql.data, &res) != DuckDBSuccess) {
        st = duck_fail(err, "counting rows", duckdb_result_error(&res), sql.data);
        err_set_table(err, table);
    } else {
        *out = duckdb_value_int64(&res, 0, 0);
    }
    duckdb_destroy_result(&res);
    buf_free(&sql);
    return st;
}

cdlt_status duck_find_state_datasets(destination *d, const char *pipeline_name, strv *out,
                                     cdlt_error *err)
{
    const char *list_sql = sqlgen_state_datasets_sql(&sqlgen_duckdb);
    duckdb_result res;
    if (duckdb_query(d->con, list_sql, &res) != DuckDBSuccess) {
        cdlt_status st = duck_fail(err, "listing datasets", duckdb_result_error(&res), list_sql);
        duckdb_destroy_result(&res);
        return st;
    }
    strv names = {0}, found = {0}, newest = {0}; /* all datasets; with state: name, load id */
    cdlt_status st = CDLT_OK;
    for (idx_t r = 0; st == CDLT_OK && r < duckdb_row_count(&res); r++) {
        char *v = duckdb_value_varchar(&res, 0, r);
        if (v && strv_add(&names, v) != CDLT_OK)
            st = err_nomem(err);
        if (v)
            duckdb_free(v);
    }
    duckdb_destroy_result(&res);
    buf sql = BUF_INIT, id = BUF_INIT;
    for (size_t i = 0; st == CDLT_OK && i < names.n; i++) {
        buf_clear(&sql);
        if (sqlgen_system_sql(&sqlgen_duckdb, names.v[i], SQLGEN_STATE_NEWEST_LOAD, NULL, &sql) !=
            CDLT_OK) {
            st = err_nomem(err);
            break;
        }
        stmt q;
        st = stmt_prepare(d, &q, sql.data, "looking for the pipeline's state", err);
        if (st == CDLT_OK) {
            duckdb_bind_varchar(q.ps, 1, pipeline_name);
            st = stmt_run(&q, "looking for the pipeline's state", err);
        }
        buf_clear(&id);
        if (st == CDLT_OK && duckdb_row_count(&q.res) > 0)
            put_varchar(&q.res, 0, 0, &id);
        stmt_done(&q);
        if (st != CDLT_OK || !id.len)
            continue;
        if (strv_add(&found, names.v[i]) != CDLT_OK || strv_add(&newest, buf_cstr(&id)) != CDLT_OK)
            st = err_nomem(err);
    }
    /* newest load first (load ids order as strings); a handful of datasets at most */
    for (size_t k = 0; st == CDLT_OK && k < found.n; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < found.n; i++)
            if (newest.v[i][0] && (best == SIZE_MAX || strcmp(newest.v[i], newest.v[best]) > 0))
                best = i;
        if (strv_add(out, found.v[best]) != CDLT_OK)
            st = err_nomem(err);
        newest.v[best][0] = '\0'; /* taken (load ids are never empty) */
    }
    strv_free(&names);
    strv_free(&found);
    strv_free(&newest);
    buf_free(&sql);
    buf_free(&id);
    return st;
}
