/* ddl.c: schema migration of a PostgreSQL dataset: CREATE TABLE for new tables, ALTER TABLE
 * ADD COLUMN for new columns of existing ones (never drop or retype), then the _dlt_version
 * row. The SQL text and dlt's type mapping come from src/sqlgen (postgres dialect); this file
 * looks at what exists and runs it. PostgreSQL DDL is transactional, so all of it commits or
 * rolls back with the package. */
#include "pg.h"
#include "sqlgen/sqlgen.h"

#include <string.h>

cdlt_status pg_column_type(const schema_table *t, const schema_column *c, buf *out,
                           cdlt_error *err)
{
    return sqlgen_column_type(&sqlgen_postgres, t, c, out, err);
}

cdlt_status pg_create_table_sql(const destination *d, const schema_table *t, buf *out,
                                cdlt_error *err)
{
    return sqlgen_create_table(&sqlgen_postgres, d->dataset, t, d->create_indexes, out, err);
}

/* Existing column names of a table (exact: PostgreSQL identifiers are case sensitive once
 * quoted, and dlt always quotes). */
static cdlt_status existing_columns(destination *d, const char *table, PGresult **out,
                                    cdlt_error *err)
{
    static const char sql[] = "SELECT column_name FROM information_schema.columns WHERE "
                              "table_schema = $1 AND table_name = $2 ORDER BY ordinal_position";
    const char *p[2] = {d->dataset, table};
    cdlt_status st = pg_query(d, sql, 2, p, "reading table columns", out, err);
    if (st != CDLT_OK)
        err_set_table(err, table);
    return st;
}

static bool has_column(const PGresult *r, const char *name)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), name) == 0)
            return true;
    return false;
}

static cdlt_status migrate_one(destination *d, const schema_table *t, buf *sql, cdlt_error *err)
{
    bool complete = false;
    for (uint32_t i = 0; i < t->ncolumns && !complete; i++)
        complete = t->columns[i].type != DT_NONE;
    if (!complete)
        return CDLT_OK; /* nothing to create yet */
    cdlt_status st = sqlgen_check_idents(&sqlgen_postgres, t, err);
    if (st != CDLT_OK)
        return st;
    PGresult *cols = NULL;
    if ((st = existing_columns(d, t->name, &cols, err)) != CDLT_OK)
        return st;
    buf_clear(sql);
    if (PQntuples(cols) == 0) {
        PQclear(cols);
        /* a table created inside the package transaction gets its UNIQUE constraints after
         * its rows are in: same constraints and names, one index build instead of random
         * b-tree inserts during COPY; the transaction commits nothing without them */
        bool defer = d->create_indexes && d->in_tx;
        st = defer ? sqlgen_create_table(&sqlgen_postgres, d->dataset, t, false, sql, err)
                   : pg_create_table_sql(d, t, sql, err);
        if (st == CDLT_OK && defer) {
            buf alter = BUF_INIT;
            bool any = false;
            st = sqlgen_add_unique(&sqlgen_postgres, d->dataset, t, &alter, &any);
            if (st == CDLT_OK && any)
                st = strv_add(&d->deferred_unique, alter.data) != CDLT_OK
                         ? CDLT_NOMEM
                         : strv_add(&d->deferred_tables, t->name);
            buf_free(&alter);
            if (st != CDLT_OK)
                st = err_nomem(err);
        }
        if (st == CDLT_OK) {
            LOG_INFO("postgres: creating table %s.%s", d->dataset, t->name);
            st = pg_exec(d, sql->data, "creating a table", err);
        }
        if (st != CDLT_OK)
            err_set_table(err, t->name);
        return st;
    }
    /* one ALTER TABLE with every new column (dlt: alter_add_multi_column) */
    const schema_column **add = mem_alloc((t->ncolumns ? t->ncolumns : 1) * sizeof *add);
    size_t nadd = 0;
    if (!add)
        st = err_nomem(err);
    for (uint32_t i = 0; i < t->ncolumns && st == CDLT_OK; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE || has_column(cols, c->name))
            continue;
        LOG_INFO("postgres: adding column %s to %s.%s", c->name, d->dataset, t->name);
        add[nadd++] = c;
    }
    PQclear(cols);
    if (st == CDLT_OK && nadd)
        st = sqlgen_add_columns(&sqlgen_postgres, d->dataset, t, add, nadd, sql, err);
    mem_free(add);
    if (st == CDLT_OK && nadd)
        st = pg_exec(d, sql->data, "adding columns", err);
    if (st != CDLT_OK)
        err_set_table(err, t->name);
    return st;
}

cdlt_status pg_add_deferred_unique(destination *d, cdlt_error *err)
{
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < d->deferred_unique.n && st == CDLT_OK; i++) {
        const char *sql = d->deferred_unique.v[i];
        PGresult *r = PQexec(d->conn, sql);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
            const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
            bool dup = state && strcmp(state, "23505") == 0;
            st = pg_fail(d, err,
                         dup ? "adding the UNIQUE constraints of a table created by this load "
                               "(two of its rows have the same value in a UNIQUE column, e.g. "
                               "_dlt_id)"
                             : "adding the UNIQUE constraints of a table created by this load",
                         r, sql);
            err_set_table(err, d->deferred_tables.v[i]);
        }
        PQclear(r);
    }
    strv_clear(&d->deferred_unique);
    strv_clear(&d->deferred_tables);
    return st;
}

cdlt_status pg_create_dataset(destination *d, cdlt_error *err)
{
    /* look first (as dlt's has_dataset): CREATE SCHEMA IF NOT EXISTS needs the CREATE
     * privilege on the database even when the schema exists, which a user loading into a
     * schema made for it by an administrator does not have */
    static const char q[] = "SELECT 1 FROM pg_namespace WHERE nspname = $1";
    const char *p[1] = {d->dataset};
    PGresult *r = NULL;
    cdlt_status st = pg_query(d, q, 1, p, "looking up the dataset", &r, err);
    bool exists = st == CDLT_OK && PQntuples(r) > 0;
    PQclear(r);
    if (st != CDLT_OK || exists)
        return st;
    buf sql = BUF_INIT;
    sqlgen_create_dataset(&sqlgen_postgres, d->dataset, &sql);
    st = sql.status != CDLT_OK ? err_nomem(err)
                               : pg_exec(d, sql.data, "creating the dataset", err);
    buf_free(&sql);
    return st;
}

cdlt_status pg_migrate(destination *d, const schema *s, cdlt_error *err)
{
    cdlt_status st = pg_create_dataset(d, err);
    buf sql = BUF_INIT;
    for (uint32_t i = 0; i < s->ntables && st == CDLT_OK; i++) {
        const schema_table *t = s->tables[i];
        if (!t->seen_data && !schema_is_dlt_table(t->name))
            continue;
        /* load_threads > 1: a data table's DDL runs on the worker that loads it */
        st = pg_pool_routes(d, t->name) ? pg_pool_post(d, PG_T_MIGRATE, t, NULL, NULL, -1, err)
                                        : migrate_one(d, t, &sql, err);
    }
    buf_free(&sql);
    if (st == CDLT_OK && schema_get_table(s, "_dlt_version"))
        st = pg_store_schema(d, s, err);
    return st;
}

cdlt_status pg_migrate_table(destination *d, const schema_table *t, cdlt_error *err)
{
    if (pg_pool_routes(d, t->name))
        return pg_pool_post(d, PG_T_MIGRATE, t, NULL, NULL, -1, err);
    cdlt_status st = pg_create_dataset(d, err);
    buf sql = BUF_INIT;
    if (st == CDLT_OK)
        st = migrate_one(d, t, &sql, err);
    buf_free(&sql);
    return st;
}
