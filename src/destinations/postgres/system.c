/* system.c: dlt's system tables in a PostgreSQL dataset (_dlt_version, _dlt_loads,
 * _dlt_pipeline_state; spec core.md §4) and the table maintenance the loader needs: truncate,
 * drop, row counts. Values are always bound as parameters, never spliced into SQL. */
#include "pg.h"
#include "sqlgen/sqlgen.h"

#include <stdio.h>
#include <stdlib.h>

/* dlt's max_text_data_type_length for postgres: larger schema documents go base64(zlib). */
#define PG_MAX_TEXT ((size_t)1024 * 1024 * 1024)

/* SQL text with the dataset-qualified table name substituted for the one %s. */
static cdlt_status sql_for(const destination *d, buf *b, const char *fmt, const char *table)
{
    buf q = BUF_INIT;
    pg_qualified(d, &q, table);
    if (q.status == CDLT_OK)
        buf_printf(b, fmt, q.data);
    buf_free(&q);
    return q.status != CDLT_OK ? q.status : b->status;
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
    if (sql_for(d, &sql, "SELECT 1 FROM %s WHERE version_hash = $1 LIMIT 1", "_dlt_version") !=
        CDLT_OK)
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
    if (sql_for(d, &sql,
                "INSERT INTO %s (\"version\", \"engine_version\", \"inserted_at\", "
                "\"schema_name\", \"version_hash\", \"schema\") VALUES ($1, $2, $3, $4, $5, $6)",
                "_dlt_version") != CDLT_OK)
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
    if (sql_for(d, &sql,
                "INSERT INTO %s (\"load_id\", \"schema_name\", \"status\", \"inserted_at\", "
                "\"schema_version_hash\") VALUES ($1, $2, 0, $3, $4)",
                "_dlt_loads") != CDLT_OK) {
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

/* Run `fmt` (one %s = the qualified table) with params; *out = the result. */
static cdlt_status query_on(destination *d, const char *fmt, const char *table, int n,
                            const char *const *params, const char *what, PGresult **out,
                            cdlt_error *err)
{
    buf sql = BUF_INIT;
    *out = NULL;
    if (sql_for(d, &sql, fmt, table) != CDLT_OK) {
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
    st = query_on(d, "SELECT 1 FROM %s WHERE load_id = $1 LIMIT 1", "_dlt_loads", 1, p,
                  "looking up a load", &r, err);
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
    buf sql = BUF_INIT, qs = BUF_INIT, ql = BUF_INIT;
    pg_qualified(d, &qs, "_dlt_pipeline_state");
    pg_qualified(d, &ql, "_dlt_loads");
    /* dlt's restore query (state_sync.py); load ids order as strings */
    buf_printf(&sql,
               "SELECT s.\"version\", s.\"state\" FROM %s AS s JOIN %s AS l ON l.\"load_id\" = "
               "s.\"_dlt_load_id\" WHERE s.\"pipeline_name\" = $1 AND l.\"status\" = 0 ORDER BY "
               "l.\"load_id\" DESC LIMIT 1",
               buf_cstr(&qs), buf_cstr(&ql));
    PGresult *r = NULL;
    if (sql.status != CDLT_OK || qs.status != CDLT_OK || ql.status != CDLT_OK) {
        st = err_nomem(err);
    } else {
        const char *p[1] = {pipeline_name};
        st = pg_query(d, sql.data, 1, p, "reading the stored pipeline state", &r, err);
    }
    if (st == CDLT_OK && PQntuples(r) > 0) {
        if (out_version)
            *out_version = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        buf_append(out_state, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
        if (out_state->status != CDLT_OK)
            st = err_nomem(err);
        else
            *out_found = true;
    }
    PQclear(r);
    buf_free(&sql);
    buf_free(&qs);
    buf_free(&ql);
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
    st = query_on(d,
                  schema_name ? "SELECT \"schema\" FROM %s WHERE \"schema_name\" = $1 ORDER BY "
                                "\"inserted_at\" DESC LIMIT 1"
                              : "SELECT \"schema\" FROM %s ORDER BY \"inserted_at\" DESC LIMIT 1",
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
    st = query_on(d, "SELECT count(*) FROM %s", table, 0, NULL, "counting rows", &r, err);
    if (st == CDLT_OK)
        *out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return st;
}

cdlt_status pg_truncate_table(destination *d, const char *table, cdlt_error *err)
{
    bool exists;
    cdlt_status st = pg_table_exists(d, table, &exists, err);
    if (st != CDLT_OK || !exists)
        return st; /* nothing stored yet: nothing to remove */
    buf sql = BUF_INIT;
    if (sqlgen_truncate(&sqlgen_postgres, d->dataset, table, &sql) != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    st = pg_exec(d, sql.data, "truncating a table", err);
    if (st != CDLT_OK)
        err_set_table(err, table);
    buf_free(&sql);
    return st;
}

cdlt_status pg_drop_tables(destination *d, const char *const *tables, size_t n,
                           const char *schema_name, cdlt_error *err)
{
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        buf_clear(&sql);
        if (sqlgen_drop_table(&sqlgen_postgres, d->dataset, tables[i], &sql) != CDLT_OK) {
            st = err_nomem(err);
            break;
        }
        LOG_INFO("postgres: dropping table %s.%s", d->dataset, tables[i]);
        st = pg_exec(d, sql.data, "dropping a table", err);
        if (st != CDLT_OK)
            err_set_table(err, tables[i]);
    }
    if (st == CDLT_OK && schema_name) {
        bool exists;
        st = pg_table_exists(d, "_dlt_version", &exists, err);
        if (st == CDLT_OK && exists) {
            PGresult *r;
            const char *p[1] = {schema_name};
            st = query_on(d, "DELETE FROM %s WHERE \"schema_name\" = $1", "_dlt_version", 1, p,
                          "deleting stored schema versions", &r, err);
            PQclear(r);
        }
    }
    buf_free(&sql);
    return st;
}

cdlt_status pg_find_state_datasets(destination *d, const char *pipeline_name, strv *out,
                                   cdlt_error *err)
{
    /* schemas holding both system tables the restore query joins */
    static const char list_sql[] =
        "SELECT table_schema FROM information_schema.tables WHERE table_catalog = "
        "current_database() AND table_name IN ('_dlt_pipeline_state', '_dlt_loads') GROUP BY "
        "table_schema HAVING count(DISTINCT table_name) = 2 ORDER BY table_schema";
    PGresult *lr;
    cdlt_status st = pg_query(d, list_sql, 0, NULL, "listing datasets", &lr, err);
    if (st != CDLT_OK)
        return st;
    buf sql = BUF_INIT, qd = BUF_INIT;
    strv found = {0}, newest = {0};
    for (int i = 0; st == CDLT_OK && i < PQntuples(lr); i++) {
        const char *ds = PQgetvalue(lr, i, 0);
        buf_clear(&qd);
        buf_clear(&sql);
        pg_quote_ident(&qd, ds);
        buf_printf(&sql,
                   "SELECT max(l.\"load_id\") FROM %s.\"_dlt_pipeline_state\" AS s JOIN "
                   "%s.\"_dlt_loads\" AS l ON l.\"load_id\" = s.\"_dlt_load_id\" WHERE "
                   "s.\"pipeline_name\" = $1 AND l.\"status\" = 0",
                   buf_cstr(&qd), buf_cstr(&qd));
        if (qd.status != CDLT_OK || sql.status != CDLT_OK) {
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
    buf_free(&qd);
    return st;
}
