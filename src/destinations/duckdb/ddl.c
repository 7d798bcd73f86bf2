/* ddl.c: schema migration of a DuckDB dataset: CREATE TABLE for new tables, ALTER TABLE ADD
 * COLUMN for new columns of existing ones (never drop or retype), then the _dlt_version row.
 * The SQL text and dlt's type mapping come from src/sqlgen (duckdb dialect); this file looks
 * at what exists and runs it. */
#include "duck.h"
#include "sqlgen/sqlgen.h"

#include <strings.h>

cdlt_status duck_column_type(const schema_table *t, const schema_column *c, buf *out,
                             cdlt_error *err)
{
    return sqlgen_column_type(&sqlgen_duckdb, t, c, out, err);
}

cdlt_status duck_create_table_sql(const destination *d, const schema_table *t, buf *out,
                                  cdlt_error *err)
{
    return sqlgen_create_table(&sqlgen_duckdb, d->dataset, t, d->create_indexes, out, err);
}

/* Existing column names of a table, appended to `names` as NUL-separated strings. */
static cdlt_status existing_columns(destination *d, const char *table, buf *names,
                                    cdlt_error *err)
{
    static const char sql[] = "SELECT column_name FROM information_schema.columns WHERE "
                              "table_schema = $1 AND table_name = $2 ORDER BY ordinal_position";
    duckdb_result res;
    cdlt_status st = duck_query_table_info(d, sql, table, "reading table columns", &res, err);
    if (st != CDLT_OK)
        return st;
    idx_t n = duckdb_row_count(&res);
    for (idx_t r = 0; r < n && st == CDLT_OK; r++) {
        char *v = duckdb_value_varchar(&res, 0, r);
        if (v) {
            buf_append(names, v, strlen(v) + 1);
            duckdb_free(v);
        }
        if (names->status != CDLT_OK)
            st = err_nomem(err);
    }
    duckdb_destroy_result(&res);
    return st;
}

static bool names_contain(const buf *names, const char *name)
{
    /* DuckDB identifiers are case-insensitive (has_case_sensitive_identifiers = False) */
    for (size_t off = 0; off < names->len;) {
        const char *n = names->data + off;
        if (strcasecmp(n, name) == 0)
            return true;
        off += strlen(n) + 1;
    }
    return false;
}

/* Which tables migrate creates: those with data plus dlt's system tables. */
static bool wants_table(const schema_table *t)
{
    return t->seen_data || schema_is_dlt_table(t->name);
}

static cdlt_status migrate_table(destination *d, const schema_table *t, buf *sql, buf *names,
                                 cdlt_error *err)
{
    bool complete = false;
    for (uint32_t i = 0; i < t->ncolumns && !complete; i++)
        complete = t->columns[i].type != DT_NONE;
    if (!complete)
        return CDLT_OK; /* nothing to create yet */
    buf_clear(names);
    cdlt_status st = existing_columns(d, t->name, names, err);
    if (st != CDLT_OK)
        return st;
    buf_clear(sql);
    if (names->len == 0) {
        st = duck_create_table_sql(d, t, sql, err);
        if (st == CDLT_OK) {
            LOG_INFO("duckdb: creating table %s.%s", d->dataset, t->name);
            st = duck_exec(d, sql->data, "creating a table", err);
        }
        if (st != CDLT_OK)
            err_set_table(err, t->name);
        return st;
    }
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE || names_contain(names, c->name))
            continue;
        buf_clear(sql);
        /* one column per ALTER TABLE in DuckDB */
        st = sqlgen_add_columns(&sqlgen_duckdb, d->dataset, t, &c, 1, sql, err);
        if (st == CDLT_OK) {
            LOG_INFO("duckdb: adding column %s to %s.%s", c->name, d->dataset, t->name);
            st = duck_exec(d, sql->data, "adding a column", err);
        }
        if (st != CDLT_OK) {
            err_set_table(err, t->name);
            err_set_column(err, c->name);
            return st;
        }
    }
    return CDLT_OK;
}

cdlt_status duck_migrate(destination *d, const schema *s, cdlt_error *err)
{
    buf sql = BUF_INIT, names = BUF_INIT;
    cdlt_status st = CDLT_OK;
    {
        buf create = BUF_INIT;
        sqlgen_create_dataset(&sqlgen_duckdb, d->dataset, &create);
        st = create.status != CDLT_OK ? err_nomem(err)
                                      : duck_exec(d, create.data, "creating the dataset", err);
        buf_free(&create);
    }
    for (uint32_t i = 0; i < s->ntables && st == CDLT_OK; i++) {
        const schema_table *t = s->tables[i];
        if (wants_table(t))
            st = migrate_table(d, t, &sql, &names, err);
    }
    buf_free(&sql);
    buf_free(&names);
    if (st == CDLT_OK && schema_get_table(s, "_dlt_version"))
        st = duck_store_schema(d, s, err);
    return st;
}

cdlt_status duck_migrate_table(destination *d, const schema_table *t, cdlt_error *err)
{
    buf sql = BUF_INIT, names = BUF_INIT;
    sqlgen_create_dataset(&sqlgen_duckdb, d->dataset, &sql);
    cdlt_status st = sql.status != CDLT_OK ? err_nomem(err)
                                           : duck_exec(d, sql.data, "creating the dataset", err);
    if (st == CDLT_OK)
        st = migrate_table(d, t, &sql, &names, err);
    buf_free(&sql);
    buf_free(&names);
    return st;
}
