/* system.c: dlt's system tables in a PostgreSQL dataset (_dlt_version, _dlt_loads,
 * _dlt_pipeline_state; spec core.md §4) and row counts (truncate and drop: sqlops.c). The SQL text comes from src/sqlgen; values are always bound as
 * parameters, never spliced into SQL. */
#include "pg.h"
#include "sqlgen/sqlgen.h"

#include <stdio.h>
#include <stdlib.h>

/* dlt's max_text_data_type_length for postgres: larger schema documents go base64(zlib). */
#define PG_MAX_TEXT ((size_t)1024 * 1024 * 1024)

/* The system-table statement `k` of src/sqlgen for this session's dataset. */
static cdlt_status sql_for(const destination *d, buf *b, sqlgen_sys k, const char *table)
{
    return sqlgen_system_sql(&sqlgen_postgres, d->dataset, k, table, b);
}

cdlt_status pg_store_schema(destination *d, const schema *s, cdlt_error *err)
{
    char hash[64];
    const char *vh = s->version_hash;
    if (!vh) {
        if (schema_compute_hash(s, hash) != CDLT_OK)
            return err_nomem(err);
        vh = hash;
    }
    buf sql = BUF_INIT, doc = BUF_INIT, enc = BUF_INIT;
    PGresult *r = NULL;
    cdlt_status st;
    if (sql_for(d, &sql, SQLGEN_VERSION_EXISTS, NULL) != CDLT_OK)
        goto nomem;
    const char *p1[1] = {vh};
    st = pg_query(d, sql.data, 1, p1, "looking up the stored schema version", &r, err);
    if (st != CDLT_OK || PQntuples(r) > 0)
        goto out; /* this version is already stored */
    PQclear(r);
    r = NULL;
    if (schema_to_json(s, false, &doc) != CDLT_OK)
        goto nomem;
    const char *text = doc.data;
    if (doc.len > PG_MAX_TEXT) {
        if (dest_compress_b64(doc.data, doc.len, &enc) != CDLT_OK)
            goto nomem;
        text = enc.data;
    }
    buf_clear(&sql);
    if (sql_for(d, &sql, SQLGEN_VERSION_INSERT, NULL) != CDLT_OK)
        goto nomem;
    char ver[32], eng[32], now[64];
    snprintf(ver, sizeof ver, "%lld", (long long)s->version);
    snprintf(eng, sizeof eng, "%d", (int)SCHEMA_ENGINE_VERSION);
    pg_now_text(now, sizeof now);
    const char *p6[6] = {ver, eng, now, s->name, vh, text};
    st = pg_query(d, sql.data, 6, p6, "storing the schema version", &r, err);
    goto out;
nomem:
    st = err_nomem(err);
out:
    if (st != CDLT_OK)
        err_set_table(err, "_dlt_version");
    PQclear(r);
    buf_free(&sql);
    buf_free(&doc);
    buf_free(&enc);
    return st;
}

cdlt_status pg_complete_load(destination *d, const schema *s, const char *load_id,
                             cdlt_error *err)
{
    buf sql = BUF_INIT;
    if (sql_for(d, &sql, SQLGEN_LOAD_INSERT, NULL) != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    char now[64];
    pg_now_text(now, sizeof now);
    const char *p[4] = {load_id, s->name, now, s->version_hash};
    PGresult *r = NULL;
    cdlt_status st = pg_query(d, sql.data, 4, p, "recording the completed load", &r, err);
    PQclear(r);
    if (st != CDLT_OK) {
        err_set_table(err, "_dlt_loads");
        err_prefix(err, "load package %s: ", load_id);
    }
    buf_free(&sql);
    return st;
}

/* Run statement k (on `table`, named in errors) with params; *out = the result. */
static cdlt_status query_on(destination *d, sqlgen_sys k, const char *table, int n,
                            const char *const *params, const char *what, PGresult **out,
                            cdlt_error *err)
{
    buf sql = BUF_INIT;
    *out = NULL;
    if (sql_for(d, &sql, k, table) != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    cdlt_status st = pg_query(d, sql.data, n, params, what, out, err);
    if (st != CDLT_OK)
        err_set_table(err, table);
    buf_free(&sql);
    return st;
}

cdlt_status pg_is_load_completed(destination *d, const char *load_id, bool *out,
                                 cdlt_error *err)
{
    *out = false;
    bool exists;
    cdlt_status st = pg_table_exists(d, "_dlt_loads", &exists, err);
    if (st != CDLT_OK || !exists)
        return st;
    PGresult *r;
    const char *p[1] = {load_id};
    st = query_on(d, SQLGEN_LOAD_EXISTS, "_dlt_loads", 1, p, "looking up a load", &r, err);
    if (st == CDLT_OK)
        *out = PQntuples(r) > 0;
    PQclear(r);
    return st;
}

cdlt_status pg_get_stored_state(destination *d, const char *pipeline_name, buf *out_state,
                                int64_t *out_version, bool *out_found, cdlt_error *err)
{
    *out_found = false;
    if (out_version)
        *out_version = 0;
    bool e1 = false, e2 = false;
    cdlt_status st = pg_table_exists(d, "_dlt_pipeline_state", &e1, err);
    if (st == CDLT_OK)
        st = pg_table_exists(d, "_dlt_loads", &e2, err);
    if (st != CDLT_OK || !e1 || !e2)
        return st;
    buf sql = BUF_INIT;
    PGresult *r = NULL;
    if (sql_for(d, &sql, SQLGEN_STATE_RESTORE, NULL) != CDLT_OK) {
        st = err_nomem(err);
    } else {
        const char *p[1] = {pipeline_name};
        st = pg_query(d, sql.data, 1, p, "reading the stored pipeline state", &r, err);
    }
    if (st == CDLT_OK && PQntuples(r) > 0) {
        if (out_version)
            *out_version = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        buf_append(out_state, PQgetvalue(r, 0, 3), (size_t)PQgetlength(r, 0, 3));
        if (out_state->status != CDLT_OK)
            st = err_nomem(err);
        else
            *out_found = true;
    }
    PQclear(r);
    buf_free(&sql);
    return st;
}

cdlt_status pg_get_stored_schema(destination *d, const char *schema_name, buf *out_json,
                                 bool *out_found, cdlt_error *err)
{
    *out_found = false;
    bool exists;
    cdlt_status st = pg_table_exists(d, "_dlt_version", &exists, err);
    if (st != CDLT_OK || !exists)
        return st;
    PGresult *r = NULL;
    const char *p[1] = {schema_name};
    st = query_on(d, schema_name ? SQLGEN_VERSION_LATEST_OF : SQLGEN_VERSION_LATEST,
                  "_dlt_version", schema_name ? 1 : 0, schema_name ? p : NULL,
                  "reading the stored schema", &r, err);
    if (st == CDLT_OK && PQntuples(r) > 0) {
        /* dlt stores plain JSON, or base64(zlib) when it exceeds the text limit */
        st = dest_decompress_b64(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), out_json);
        if (st == CDLT_NOMEM) {
            err_nomem(err);
        } else if (st != CDLT_OK) {
            err_set(err, CDLT_PARSE,
                    "postgres: the stored schema%s%s in table _dlt_version is neither JSON nor "
                    "base64(zlib) JSON",
                    schema_name ? " " : "", schema_name ? schema_name : "");
            err_hint(err, "delete the damaged _dlt_version row; cdlt stores it again on the "
                          "next load");
        } else {
            *out_found = true;
        }
    }
    PQclear(r);
    return st;
}

cdlt_status pg_table_row_count(destination *d, const char *table, int64_t *out,
                               cdlt_error *err)
{
    *out = -1;
    bool exists;
    cdlt_status st = pg_table_exists(d, table, &exists, err);
    if (st != CDLT_OK || !exists)
        return st;
    PGresult *r;
    st = query_on(d, SQLGEN_ROW_COUNT, table, 0, NULL, "counting rows", &r, err);
    if (st == CDLT_OK)
        *out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return st;
}

cdlt_status pg_find_state_datasets(destination *d, const char *pipeline_name, strv *out,
                                   cdlt_error *err)
{
    const char *list_sql = sqlgen_state_datasets_sql(&sqlgen_postgres);
    PGresult *lr;
    cdlt_status st = pg_query(d, list_sql, 0, NULL, "listing datasets", &lr, err);
    if (st != CDLT_OK)
        return st;
    buf sql = BUF_INIT;
    strv found = {0}, newest = {0};
    for (int i = 0; st == CDLT_OK && i < PQntuples(lr); i++) {
        const char *ds = PQgetvalue(lr, i, 0);
        buf_clear(&sql);
        if (sqlgen_system_sql(&sqlgen_postgres, ds, SQLGEN_STATE_NEWEST_LOAD, NULL, &sql) !=
            CDLT_OK) {
            st = err_nomem(err);
            break;
        }
        PGresult *r = NULL;
        const char *p[1] = {pipeline_name};
        st = pg_query(d, sql.data, 1, p, "looking for the pipeline's state", &r, err);
        if (st == CDLT_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) &&
            (strv_add(&found, ds) != CDLT_OK || strv_add(&newest, PQgetvalue(r, 0, 0)) != CDLT_OK))
            st = err_nomem(err);
        PQclear(r);
    }
    PQclear(lr);
    /* newest load first (load ids order as strings); a handful of datasets at most */
    for (size_t k = 0; st == CDLT_OK && k < found.n; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < found.n; i++)
            if (newest.v[i][0] && (best == SIZE_MAX || strcmp(newest.v[i], newest.v[best]) > 0))
                best = i;
        if (strv_add(out, found.v[best]) != CDLT_OK)
            st = err_nomem(err);
        newest.v[best][0] = '\0';
    }
    strv_free(&found);
    strv_free(&newest);
    buf_free(&sql);
    return st;
}
