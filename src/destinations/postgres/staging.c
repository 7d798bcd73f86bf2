/* staging.c: the PostgreSQL destination's staging dataset ("<dataset>_staging"), dlt's
 * replace strategies that use it (insert-from-staging, staging-optimized) and the merge
 * follow-up: the shared SQL-destination layer (src/destinations/sqldest) with PostgreSQL's
 * callbacks (sqlops.c), plus what load_threads > 1 adds (pool.c): a data table's staging work
 * runs on the worker that owns it, and replace/merge first commit the workers, whose staged
 * rows they read. Everything else runs inside the package transaction: a failure leaves both
 * datasets as they were. */
#include "pg.h"

#include <string.h>

/* load_threads > 1: the workers create staging tables in their own transactions, so the
 * staging dataset must exist (committed) first; the main connection is inside the package
 * transaction, so a short connection of its own makes it. */
static cdlt_status staging_committed(destination *d, cdlt_error *err)
{
    bool exists = false;
    cdlt_status st = pg_sqldest.dataset_exists(d, d->staging, &exists, err);
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
    sqldest_saved sv;
    sqldest_use_staging(&pg_sqldest, d, &sv);
    cdlt_status st = pg_migrate_table(d, t, err);
    sqldest_use_main(&pg_sqldest, d, &sv);
    return sqldest_staging_fail(&pg_sqldest, d, st, err);
}

cdlt_status pg_migrate_staging(destination *d, const schema *s, const char *const *tables,
                               size_t n, cdlt_error *err)
{
    if (d->load_threads <= 1)
        return sqldest_migrate_staging(&pg_sqldest, d, s, tables, n, err);
    /* the tables on their workers; _dlt_version (and its row) here */
    cdlt_status st = staging_committed(d, err);
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *t = NULL;
        if ((st = sqldest_table_of(&pg_sqldest, s, tables[i], &t, err)) == CDLT_OK)
            st = pg_pool_post(d, PG_T_MIGRATE_STAGING, t, NULL, NULL, -1, err);
    }
    return st == CDLT_OK ? sqldest_migrate_staging(&pg_sqldest, d, s, NULL, 0, err) : st;
}

cdlt_status pg_truncate_staging(destination *d, const char *table, cdlt_error *err)
{
    if (pg_pool_routes(d, table))
        return pg_pool_post(d, PG_T_TRUNCATE_STAGING, NULL, table, NULL, -1, err);
    return sqldest_truncate_staging(&pg_sqldest, d, table, err);
}

cdlt_status pg_load_file_staging(destination *d, const schema *s, const schema_table *t,
                                 const char *path, cdlt_error *err)
{
    if (!pg_pool_routes(d, t->name))
        return sqldest_load_file_staging(&pg_sqldest, d, s, t, path, err);
    /* (as pg_load_file: the open file survives the pipeline moving the job) */
    int fd;
    cdlt_status st = pg_open_load_file(t, path, &fd, err);
    if (st != CDLT_OK)
        return sqldest_staging_fail(&pg_sqldest, d, st, err);
    return pg_pool_post(d, PG_T_LOAD_STAGING, t, NULL, path, fd, err);
}

cdlt_status pg_load_fd_staging(destination *d, const schema_table *t, const char *path, int fd,
                               cdlt_error *err)
{
    sqldest_saved sv;
    sqldest_use_staging(&pg_sqldest, d, &sv);
    cdlt_status st = pg_load_fd(d, t, path, fd, err);
    sqldest_use_main(&pg_sqldest, d, &sv);
    return sqldest_staging_fail(&pg_sqldest, d, st, err);
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
    if (st == CDLT_OK)
        st = sqldest_replace_from_staging(&pg_sqldest, d, s, tables, n, d->staging_optimized,
                                          err);
    return st;
}

cdlt_status pg_drop_staging_tables(destination *d, const char *const *tables, size_t n,
                                   cdlt_error *err)
{
    /* a dropped table's deferred constraint could not be added any more */
    cdlt_status st = pg_add_deferred_unique(d, err);
    if (st != CDLT_OK || d->load_threads <= 1)
        return st == CDLT_OK ? sqldest_drop_staging_tables(&pg_sqldest, d, tables, n, err) : st;
    /* load_threads > 1: on the worker that owns the table (as pg_drop_tables) */
    for (size_t i = 0; st == CDLT_OK && i < n; i++)
        st = pg_pool_routes(d, tables[i])
                 ? pg_pool_post(d, PG_T_DROP_STAGING, NULL, tables[i], NULL, -1, err)
                 : sqldest_drop_staging_tables(&pg_sqldest, d, tables + i, 1, err);
    return st;
}

cdlt_status pg_merge_from_staging(destination *d, const schema *s, const char *const *roots,
                                  size_t n, const char *tag, cdlt_error *err)
{
    /* load_threads > 1: the staged rows must be committed to be seen here (as above) */
    cdlt_status st = pg_pool_commit(d, err);
    return st == CDLT_OK ? sqldest_merge_from_staging(&pg_sqldest, d, s, roots, n, tag, err)
                         : st;
}
