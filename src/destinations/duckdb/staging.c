/* staging.c: the staging dataset of the DuckDB destination ("<dataset>_staging") and dlt's
 * replace strategy insert-from-staging (spec core.md §5, §5.2): data is loaded into staging
 * tables, then each final table of the chain is emptied and refilled from its staging table,
 * all inside the package transaction, so a failed package never leaves a half-replaced table. */
#include "duck.h"
#include "sqlgen/sqlgen.h"

/* The session's dataset fields while the staging dataset is selected. */
typedef struct ds_saved {
    char *dataset;  /* main dataset name */
    char *qdataset; /* main dataset quoted */
} ds_saved;

/* Point the session at the staging dataset: every helper (migrate_table, truncate,
 * load_file, store_schema) then works there unchanged. Always undone by use_main. */
static void use_staging(destination *d, ds_saved *sv)
{
    sv->dataset = d->dataset;
    sv->qdataset = d->qdataset;
    d->dataset = d->staging;
    d->qdataset = d->qstaging;
}

static void use_main(destination *d, const ds_saved *sv)
{
    d->dataset = sv->dataset;
    d->qdataset = sv->qdataset;
}

/* Add "staging dataset 'x': " to a failure so it is not mistaken for the final table. */
static cdlt_status staging_fail(const destination *d, cdlt_status st, cdlt_error *err)
{
    if (st != CDLT_OK && st != CDLT_NOMEM && err)
        err_prefix(err, "staging dataset '%s': ", d->staging);
    return st;
}

/* The listed table of s, or an error naming it (the pipeline passes names from s). */
static cdlt_status schema_table_of(const schema *s, const char *name, const schema_table **out,
                                   cdlt_error *err)
{
    *out = schema_get_table(s, name);
    if (*out)
        return CDLT_OK;
    err_set(err, CDLT_SCHEMA, "duckdb: table '%s' is not in schema '%s'", name, s->name);
    err_set_table(err, name);
    return CDLT_SCHEMA;
}

cdlt_status duck_migrate_staging(destination *d, const schema *s, const char *const *tables,
                                 size_t n, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *t = NULL;
        if ((st = schema_table_of(s, tables[i], &t, err)) == CDLT_OK)
            st = duck_migrate_table(d, t, err);
    }
    /* dlt creates and fills _dlt_version in the staging dataset as well (not _dlt_loads) */
    const schema_table *vt = schema_get_table(s, "_dlt_version");
    if (st == CDLT_OK && vt)
        st = duck_migrate_table(d, vt, err);
    if (st == CDLT_OK && vt)
        st = duck_store_schema(d, s, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

cdlt_status duck_truncate_staging(destination *d, const char *table, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = duck_truncate_table(d, table, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

cdlt_status duck_load_file_staging(destination *d, const schema *s, const schema_table *t,
                                   const char *path, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = duck_load_file(d, s, t, path, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

/* Does the staging table exist? */
static cdlt_status staging_exists(destination *d, const char *table, bool *out, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = duck_table_exists(d, table, out, err);
    use_main(d, &sv);
    return st;
}

/* Empty one final table and copy its staging table into it (dlt's insert-from-staging SQL;
 * DuckDB has no TRUNCATE in dlt's capabilities, so DELETE ... WHERE 1=1 as truncate does). */
static cdlt_status replace_one(destination *d, const schema_table *t, buf *sql, cdlt_error *err)
{
    bool any = false;
    for (uint32_t i = 0; i < t->ncolumns && !any; i++)
        any = column_is_complete(&t->columns[i]);
    if (!any)
        return CDLT_OK; /* nothing was ever created for this table */
    bool exists_main = false, exists_staging = false;
    cdlt_status st = duck_table_exists(d, t->name, &exists_main, err);
    if (st == CDLT_OK)
        st = staging_exists(d, t->name, &exists_staging, err);
    if (st != CDLT_OK || !exists_main)
        return st; /* migrate creates every table with data; absent = nothing to replace */
    buf_clear(sql);
    if (sqlgen_truncate(&sqlgen_duckdb, d->dataset, t->name, sql) != CDLT_OK)
        return err_nomem(err);
    LOG_DEBUG("duckdb: replacing %s.%s from %s.%s", d->dataset, t->name, d->staging, t->name);
    st = duck_exec(d, sql->data, "emptying a table before copying from staging", err);
    if (st == CDLT_OK && exists_staging) {
        sqlgen_target tg = {d->dataset, d->staging, NULL};
        buf_clear(sql);
        if (sqlgen_copy_from_staging(&sqlgen_duckdb, &tg, t, sql, &any) != CDLT_OK)
            return err_nomem(err);
        st = duck_exec(d, sql->data, "copying rows from the staging dataset", err);
    }
    if (st != CDLT_OK) {
        err_set_table(err, t->name);
        err_hint(err, "the package transaction is rolled back, the table keeps its previous "
                      "rows; check that %s.%s and %s.%s have the schema's columns",
                 d->dataset, t->name, d->staging, t->name);
    }
    return st;
}

cdlt_status duck_replace_from_staging(destination *d, const schema *s,
                                      const char *const *tables, size_t n, cdlt_error *err)
{
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *t = NULL;
        if ((st = schema_table_of(s, tables[i], &t, err)) == CDLT_OK)
            st = replace_one(d, t, &sql, err);
    }
    buf_free(&sql);
    return st;
}

cdlt_status duck_drop_staging_tables(destination *d, const char *const *tables, size_t n,
                                     cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    /* no staging dataset yet: nothing to drop (DROP ... IF EXISTS needs the schema) */
    static const char sql[] = "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1";
    duckdb_prepared_statement ps = NULL;
    duckdb_result res;
    bool has = false;
    cdlt_status st = CDLT_OK;
    if (duckdb_prepare(d->con, sql, &ps) != DuckDBSuccess) {
        st = duck_fail(err, "looking up the staging dataset", duckdb_prepare_error(ps), sql);
    } else {
        duckdb_bind_varchar(ps, 1, d->staging);
        if (duckdb_execute_prepared(ps, &res) != DuckDBSuccess)
            st = duck_fail(err, "looking up the staging dataset", duckdb_result_error(&res),
                           sql);
        else
            has = duckdb_row_count(&res) > 0;
        duckdb_destroy_result(&res);
    }
    duckdb_destroy_prepare(&ps);
    if (st == CDLT_OK && has)
        st = duck_drop_tables(d, tables, n, NULL, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

cdlt_status duck_merge_from_staging(destination *d, const schema *s, const char *const *roots,
                                    size_t n, const char *tag, cdlt_error *err)
{
    strv stmts = {0};
    cdlt_status st = CDLT_OK;
    sqlgen_target tg = {d->dataset, d->staging, tag};
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *root = NULL;
        if ((st = schema_table_of(s, roots[i], &root, err)) != CDLT_OK)
            break;
        strv_free(&stmts);
        if ((st = sqlgen_merge(&sqlgen_duckdb, &tg, s, root, &stmts, err)) != CDLT_OK)
            break;
        for (size_t k = 0; k < stmts.n && st == CDLT_OK; k++) {
            LOG_DEBUG("duckdb: merge %s: %s", roots[i], stmts.v[k]);
            st = duck_exec(d, stmts.v[k], "merging the staged rows into the final table", err);
            if (st != CDLT_OK)
                err_set_table(err, roots[i]);
        }
    }
    strv_free(&stmts);
    return st;
}
