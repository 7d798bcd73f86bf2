/* sqlops.c: the PostgreSQL session described to the shared SQL-destination layer
 * (src/destinations/sqldest: truncate, drop, staging dataset, replace and merge from staging,
 * delete_load), and the table-maintenance entries of the function table built on it. With
 * load_threads > 1 a data table's truncate/drop runs on the worker that owns it (pool.c). */
#include "pg.h"

static sqldest_names names(destination *d)
{
    return (sqldest_names){&d->dataset, &d->qdataset, d->staging, d->qstaging};
}

static cdlt_status exec_param(destination *d, const char *sql, const char *param,
                              const char *what, cdlt_error *err)
{
    PGresult *r = NULL;
    const char *p[1] = {param};
    cdlt_status st = pg_query(d, sql, 1, p, what, &r, err);
    PQclear(r);
    return st;
}

static cdlt_status dataset_exists(destination *d, const char *name, bool *out, cdlt_error *err)
{
    static const char sql[] = "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1";
    const char *p[1] = {name};
    PGresult *r = NULL;
    cdlt_status st = pg_query(d, sql, 1, p, "looking up the staging dataset", &r, err);
    *out = st == CDLT_OK && PQntuples(r) > 0;
    PQclear(r);
    return st;
}

const sqldest_ops pg_sqldest = {
    .name = "postgres",
    .dialect = &sqlgen_postgres,
    .names = names,
    .exec = pg_exec,
    .exec_param = exec_param,
    .table_exists = pg_table_exists,
    .dataset_exists = dataset_exists,
    .migrate_table = pg_migrate_table,
    .store_schema = pg_store_schema,
    .load_file = pg_load_file,
};

cdlt_status pg_truncate_table(destination *d, const char *table, cdlt_error *err)
{
    if (pg_pool_routes(d, table))
        return pg_pool_post(d, PG_T_TRUNCATE, NULL, table, NULL, -1, err);
    return sqldest_truncate_table(&pg_sqldest, d, table, err);
}

cdlt_status pg_drop_tables(destination *d, const char *const *tables, size_t n,
                           const char *schema_name, cdlt_error *err)
{
    cdlt_status st = CDLT_OK;
    if (d->load_threads <= 1)
        return sqldest_drop_tables(&pg_sqldest, d, tables, n, schema_name, err);
    /* load_threads > 1: dropped on the worker that recreates it (a name dropped in an open
     * transaction cannot be created on another connection until it commits) */
    for (size_t i = 0; i < n && st == CDLT_OK; i++)
        st = pg_pool_routes(d, tables[i])
                 ? pg_pool_post(d, PG_T_DROP, NULL, tables[i], NULL, -1, err)
                 : sqldest_drop_tables(&pg_sqldest, d, tables + i, 1, NULL, err);
    if (st == CDLT_OK && schema_name)
        st = sqldest_drop_tables(&pg_sqldest, d, NULL, 0, schema_name, err);
    return st;
}

cdlt_status pg_delete_load(destination *d, const char *load_id, const char *const *tables,
                           const char *const *parents, size_t n, cdlt_error *err)
{
    return sqldest_delete_load(&pg_sqldest, d, load_id, tables, parents, n, err);
}
