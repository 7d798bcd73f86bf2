/* sqlops.c: the DuckDB session described to the shared SQL-destination layer
 * (src/destinations/sqldest: truncate, drop, staging dataset, replace and merge from staging,
 * delete_load), and the function-table entries that are that layer with DuckDB's callbacks.
 * DuckDB has no staging-optimized replace (as in dlt). */
#include "duck.h"
#include "destinations/sqldest/sqldest.h"

static sqldest_names names(destination *d)
{
    return (sqldest_names){&d->dataset, &d->qdataset, d->staging, d->qstaging};
}

/* A prepared statement with $1 = param; *rows (may be NULL) = the rows it returned. */
static cdlt_status run_param(destination *d, const char *sql, const char *param,
                             const char *what, uint64_t *rows, cdlt_error *err)
{
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    cdlt_status st = CDLT_OK;
    if (duckdb_prepare(d->con, sql, &ps) != DuckDBSuccess) {
        st = duck_fail(err, what, duckdb_prepare_error(ps), sql);
    } else {
        duckdb_bind_varchar(ps, 1, param);
        if (duckdb_execute_prepared(ps, &res) != DuckDBSuccess)
            st = duck_fail(err, what, duckdb_result_error(&res), sql);
        else if (rows)
            *rows = duckdb_row_count(&res);
        duckdb_destroy_result(&res);
    }
    duckdb_destroy_prepare(&ps);
    return st;
}

static cdlt_status exec_param(destination *d, const char *sql, const char *param,
                              const char *what, cdlt_error *err)
{
    return run_param(d, sql, param, what, NULL, err);
}

static cdlt_status dataset_exists(destination *d, const char *name, bool *out, cdlt_error *err)
{
    uint64_t rows = 0;
    static const char sql[] = "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1";
    cdlt_status st = run_param(d, sql, name, "looking up the staging dataset", &rows, err);
    *out = st == CDLT_OK && rows > 0;
    return st;
}

static const sqldest_ops OPS = {
    .name = "duckdb",
    .dialect = &sqlgen_duckdb,
    .names = names,
    .exec = duck_exec,
    .exec_param = exec_param,
    .table_exists = duck_table_exists,
    .dataset_exists = dataset_exists,
    .migrate_table = duck_migrate_table,
    .store_schema = duck_store_schema,
    .load_file = duck_load_file,
};

cdlt_status duck_truncate_table(destination *d, const char *table, cdlt_error *err)
{
    return sqldest_truncate_table(&OPS, d, table, err);
}

cdlt_status duck_drop_tables(destination *d, const char *const *tables, size_t n,
                             const char *schema_name, cdlt_error *err)
{
    return sqldest_drop_tables(&OPS, d, tables, n, schema_name, err);
}

cdlt_status duck_delete_load(destination *d, const char *load_id, const char *const *tables,
                             const char *const *parents, size_t n, cdlt_error *err)
{
    return sqldest_delete_load(&OPS, d, load_id, tables, parents, n, err);
}

cdlt_status duck_migrate_staging(destination *d, const schema *s, const char *const *tables,
                                 size_t n, cdlt_error *err)
{
    return sqldest_migrate_staging(&OPS, d, s, tables, n, err);
}

cdlt_status duck_truncate_staging(destination *d, const char *table, cdlt_error *err)
{
    return sqldest_truncate_staging(&OPS, d, table, err);
}

cdlt_status duck_load_file_staging(destination *d, const schema *s, const schema_table *t,
                                   const char *path, cdlt_error *err)
{
    return sqldest_load_file_staging(&OPS, d, s, t, path, err);
}

cdlt_status duck_replace_from_staging(destination *d, const schema *s,
                                      const char *const *tables, size_t n, cdlt_error *err)
{
    return sqldest_replace_from_staging(&OPS, d, s, tables, n, false, err);
}

cdlt_status duck_drop_staging_tables(destination *d, const char *const *tables, size_t n,
                                     cdlt_error *err)
{
    return sqldest_drop_staging_tables(&OPS, d, tables, n, err);
}

cdlt_status duck_merge_from_staging(destination *d, const schema *s, const char *const *roots,
                                    size_t n, const char *tag, cdlt_error *err)
{
    return sqldest_merge_from_staging(&OPS, d, s, roots, n, tag, err);
}
