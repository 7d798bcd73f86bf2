/* staging.c: the staging dataset of the PostgreSQL destination ("<dataset>_staging"), dlt's
 * replace strategies that use it (insert-from-staging, staging-optimized), the merge
 * follow-up (SQL from src/sqlgen, postgres dialect) and the removal of an interrupted load's
 * committed rows. Everything runs inside the package transaction: a failure leaves both
 * datasets as they were. */
#include "pg.h"
#include "sqlgen/sqlgen.h"

#include <stdio.h>
#include <string.h>

typedef struct ds_saved {
    char *dataset;
    char *qdataset;
} ds_saved;

/* Point the session at the staging dataset so migrate, truncate and the loader work there
 * unchanged. Always undone by use_main. */
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

static cdlt_status staging_fail(const destination *d, cdlt_status st, cdlt_error *err)
{
    if (st != CDLT_OK && st != CDLT_NOMEM && err)
        err_prefix(err, "staging dataset '%s': ", d->staging);
    return st;
}

static cdlt_status table_of(const schema *s, const char *name, const schema_table **out,
                            cdlt_error *err)
{
    *out = schema_get_table(s, name);
    if (*out)
        return CDLT_OK;
    err_set(err, CDLT_SCHEMA, "postgres: table '%s' is not in schema '%s'", name, s->name);
    err_set_table(err, name);
    return CDLT_SCHEMA;
}

/* load_threads > 1: the workers create staging tables in their own transactions, so the
 * staging dataset must exist (committed) first; the main connection is inside the package
 * transaction, so a short connection of its own makes it. */
static cdlt_status staging_committed(destination *d, cdlt_error *err)
{
    static const char q[] = "SELECT 1 FROM pg_namespace WHERE nspname = $1";
    const char *p[1] = {d->staging};
    PGresult *r = NULL;
    cdlt_status st = pg_query(d, q, 1, p, "looking up the staging dataset", &r, err);
    bool exists = st == CDLT_OK && PQntuples(r) > 0;
    PQclear(r);
    if (st != CDLT_OK || exists)
        return st;
    destination tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.label = d->label;
    tmp.dataset = d->staging;
    st = pg_connect(&tmp, d->conninfo, err);
    if (st == CDLT_OK)
        st = pg_create_dataset(&tmp, err);
    if (tmp.conn)
        PQfinish(tmp.conn);
    return st;
}

cdlt_status pg_migrate_staging_table(destination *d, const schema_table *t, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = pg_migrate_table(d, t, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

cdlt_status pg_migrate_staging(destination *d, const schema *s, const char *const *tables,
                               size_t n, cdlt_error *err)
{
    cdlt_status st = d->load_threads > 1 ? staging_committed(d, err) : CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK && d->load_threads > 1; i++) {
        const schema_table *t = NULL;
        if ((st = table_of(s, tables[i], &t, err)) == CDLT_OK)
            st = pg_pool_post(d, PG_T_MIGRATE_STAGING, t, NULL, NULL, -1, err);
    }
    ds_saved sv;
    use_staging(d, &sv);
    for (size_t i = 0; i < n && st == CDLT_OK && d->load_threads <= 1; i++) {
        const schema_table *t = NULL;
        if ((st = table_of(s, tables[i], &t, err)) == CDLT_OK)
            st = pg_migrate_table(d, t, err);
    }
    /* dlt creates and fills _dlt_version in the staging dataset as well (not _dlt_loads) */
    const schema_table *vt = schema_get_table(s, "_dlt_version");
    if (st == CDLT_OK && vt)
        st = pg_migrate_table(d, vt, err);
    if (st == CDLT_OK && vt)
        st = pg_store_schema(d, s, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

cdlt_status pg_truncate_staging(destination *d, const char *table, cdlt_error *err)
{
    if (pg_pool_routes(d, table))
        return pg_pool_post(d, PG_T_TRUNCATE_STAGING, NULL, table, NULL, -1, err);
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = pg_truncate_table(d, table, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

cdlt_status pg_load_file_staging(destination *d, const schema *s, const schema_table *t,
                                 const char *path, cdlt_error *err)
{
    (void)s;
    int fd;
    cdlt_status st = pg_open_load_file(t, path, &fd, err);
    if (st != CDLT_OK)
        return staging_fail(d, st, err);
    if (pg_pool_routes(d, t->name)) /* (as pg_load_file) */
        return pg_pool_post(d, PG_T_LOAD_STAGING, t, NULL, path, fd, err);
    return pg_load_fd_staging(d, t, path, fd, err);
}

cdlt_status pg_load_fd_staging(destination *d, const schema_table *t, const char *path, int fd,
                               cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = pg_load_fd(d, t, path, fd, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

static cdlt_status staging_exists(destination *d, const char *table, bool *out, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = pg_table_exists(d, table, out, err);
    use_main(d, &sv);
    return st;
}

/* staging-optimized (dlt's PostgresStagingReplaceJob): the staging table becomes the final
 * table (no row is copied) and an empty copy of it stays in staging for the next load. */
static cdlt_status swap_one(destination *d, const schema_table *t, cdlt_error *err)
{
    static const char *const what[3] = {"dropping the table to replace",
                                        "moving the staging table",
                                        "recreating the staging table"};
    sqlgen_target tg = {d->dataset, d->staging, NULL};
    strv stmts = {0};
    cdlt_status st = sqlgen_swap_from_staging(&sqlgen_postgres, &tg, t->name, &stmts) != CDLT_OK
                         ? err_nomem(err)
                         : CDLT_OK;
    for (size_t k = 0; k < stmts.n && k < 3 && st == CDLT_OK; k++)
        st = pg_exec(d, stmts.v[k], what[k], err);
    strv_free(&stmts);
    return st;
}

static cdlt_status replace_one(destination *d, const schema_table *t, buf *sql, cdlt_error *err)
{
    bool any = false;
    for (uint32_t i = 0; i < t->ncolumns && !any; i++)
        any = column_is_complete(&t->columns[i]);
    if (!any)
        return CDLT_OK; /* nothing was ever created for this table */
    bool exists_main = false, exists_staging = false;
    cdlt_status st = pg_table_exists(d, t->name, &exists_main, err);
    if (st == CDLT_OK)
        st = staging_exists(d, t->name, &exists_staging, err);
    if (st != CDLT_OK || !exists_main)
        return st;
    if (d->staging_optimized && exists_staging) {
        LOG_DEBUG("postgres: replacing %s.%s by %s.%s", d->dataset, t->name, d->staging, t->name);
        st = swap_one(d, t, err);
    } else {
        buf_clear(sql);
        if (sqlgen_truncate(&sqlgen_postgres, d->dataset, t->name, sql) != CDLT_OK)
            return err_nomem(err);
        st = pg_exec(d, sql->data, "emptying a table before copying from staging", err);
        if (st == CDLT_OK && exists_staging) {
            sqlgen_target tg = {d->dataset, d->staging, NULL};
            buf_clear(sql);
            if (sqlgen_copy_from_staging(&sqlgen_postgres, &tg, t, sql, &any) != CDLT_OK)
                return err_nomem(err);
            st = pg_exec(d, sql->data, "copying rows from the staging dataset", err);
        }
    }
    if (st != CDLT_OK) {
        err_set_table(err, t->name);
        err_hint(err, "the package transaction is rolled back, the table keeps its previous "
                      "rows; check that %s.%s and %s.%s have the schema's columns",
                 d->dataset, t->name, d->staging, t->name);
    }
    return st;
}

cdlt_status pg_replace_from_staging(destination *d, const schema *s, const char *const *tables,
                                    size_t n, cdlt_error *err)
{
    /* load_threads > 1: the workers' staged rows and tables must be committed to be seen
     * here (the pipeline recorded the package's tables before: commits_in_parts) */
    cdlt_status st = pg_pool_commit(d, err);
    /* staging-optimized moves the staging table and recreates it LIKE the final one: the
     * UNIQUE constraints of tables made in this transaction must exist before that */
    if (st == CDLT_OK)
        st = pg_add_deferred_unique(d, err);
    buf sql = BUF_INIT;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *t = NULL;
        if ((st = table_of(s, tables[i], &t, err)) == CDLT_OK)
            st = replace_one(d, t, &sql, err);
    }
    buf_free(&sql);
    return st;
}

cdlt_status pg_drop_staging_tables(destination *d, const char *const *tables, size_t n,
                                   cdlt_error *err)
{
    static const char sql[] = "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1";
    const char *p[1] = {d->staging};
    PGresult *r = NULL;
    /* a dropped table's deferred constraint could not be added any more */
    cdlt_status st = pg_add_deferred_unique(d, err);
    if (st != CDLT_OK)
        return st;
    st = pg_query(d, sql, 1, p, "looking up the staging dataset", &r, err);
    bool has = st == CDLT_OK && PQntuples(r) > 0;
    PQclear(r);
    /* load_threads > 1: on the worker that owns the table (as pg_drop_tables) */
    for (size_t i = 0; st == CDLT_OK && has && i < n; i++) {
        if (pg_pool_routes(d, tables[i])) {
            st = pg_pool_post(d, PG_T_DROP_STAGING, NULL, tables[i], NULL, -1, err);
            continue;
        }
        ds_saved sv;
        use_staging(d, &sv);
        st = pg_drop_tables(d, tables + i, 1, NULL, err);
        use_main(d, &sv);
    }
    return staging_fail(d, st, err);
}

cdlt_status pg_merge_from_staging(destination *d, const schema *s, const char *const *roots,
                                  size_t n, const char *tag, cdlt_error *err)
{
    strv stmts = {0};
    /* load_threads > 1: the staged rows must be committed to be seen here (as above) */
    cdlt_status st = pg_pool_commit(d, err);
    sqlgen_target tg = {d->dataset, d->staging, tag};
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *root = NULL;
        if ((st = table_of(s, roots[i], &root, err)) != CDLT_OK)
            break;
        strv_free(&stmts);
        if ((st = sqlgen_merge(&sqlgen_postgres, &tg, s, root, &stmts, err)) != CDLT_OK)
            break;
        for (size_t k = 0; k < stmts.n && st == CDLT_OK; k++) {
            LOG_DEBUG("postgres: merge %s: %s", roots[i], stmts.v[k]);
            st = pg_exec(d, stmts.v[k], "merging the staged rows into the final table", err);
            if (st != CDLT_OK)
                err_set_table(err, roots[i]);
        }
    }
    strv_free(&stmts);
    return st;
}

cdlt_status pg_delete_load(destination *d, const char *load_id, const char *const *tables,
                           const char *const *parents, size_t n, cdlt_error *err)
{
    if (!sqlgen_is_load_id(load_id))
        return err_set(err, CDLT_INVALID_ARG, "postgres: '%s' is not a load id", load_id);
    int maxd = 0;
    for (size_t i = 0; i < n; i++) {
        int dep = sqlgen_chain_depth(tables, parents, n, i);
        if (dep > maxd)
            maxd = dep;
    }
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (int depth = maxd; st == CDLT_OK && depth >= 0; depth--) {
        for (size_t i = 0; st == CDLT_OK && i < n; i++) {
            if (sqlgen_chain_depth(tables, parents, n, i) != depth)
                continue;
            bool all = true;
            for (size_t k = i; all;) {
                bool ex = false;
                if ((st = pg_table_exists(d, tables[k], &ex, err)) != CDLT_OK)
                    break;
                all = ex;
                if (!parents[k] || !*parents[k])
                    break;
                size_t j = 0;
                while (j < n && strcmp(tables[j], parents[k]) != 0)
                    j++;
                k = j;
            }
            if (st != CDLT_OK || !all)
                continue;
            buf_clear(&sql);
            if (sqlgen_delete_load(&sqlgen_postgres, d->dataset, load_id, tables, parents, n, i,
                                   &sql) != CDLT_OK) {
                st = err_nomem(err);
                break;
            }
            st = pg_exec(d, sql.data, "removing the rows of an interrupted load", err);
            if (st != CDLT_OK)
                err_set_table(err, tables[i]);
        }
    }
    buf_free(&sql);
    return st;
}
