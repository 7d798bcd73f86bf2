/* staging.c: the staging dataset ("<dataset>_staging") both SQL destinations keep the same
 * way (sqldest.h): the session is pointed at it so the backend's own migrate, truncate and
 * load work there unchanged; dlt's replace strategies insert-from-staging (empty the final
 * table, copy the staging one over) and staging-optimized (the staging table becomes the final
 * one); merge (SQL from src/sqlgen). Everything runs inside the open package transaction, so
 * a failure leaves both datasets as they were. */
#include "destinations/sqldest/sqldest.h"

void sqldest_use_staging(const sqldest_ops *o, destination *d, sqldest_saved *sv)
{
    sqldest_names n = o->names(d);
    sv->dataset = *n.dataset;
    sv->qdataset = *n.qdataset;
    /* the session's fields are owned by it; while swapped they point at its staging names */
    *n.dataset = (char *)n.staging;
    *n.qdataset = (char *)n.qstaging;
}

void sqldest_use_main(const sqldest_ops *o, destination *d, const sqldest_saved *sv)
{
    sqldest_names n = o->names(d);
    *n.dataset = sv->dataset;
    *n.qdataset = sv->qdataset;
}

cdlt_status sqldest_staging_fail(const sqldest_ops *o, destination *d, cdlt_status st,
                                 cdlt_error *err)
{
    if (st != CDLT_OK && st != CDLT_NOMEM && err)
        err_prefix(err, "staging dataset '%s': ", o->names(d).staging);
    return st;
}

cdlt_status sqldest_table_of(const sqldest_ops *o, const schema *s, const char *name,
                             const schema_table **out, cdlt_error *err)
{
    *out = schema_get_table(s, name);
    if (*out)
        return CDLT_OK;
    err_set(err, CDLT_SCHEMA, "%s: table '%s' is not in schema '%s'", o->name, name, s->name);
    err_set_table(err, name);
    return CDLT_SCHEMA;
}

cdlt_status sqldest_migrate_staging(const sqldest_ops *o, destination *d, const schema *s,
                                    const char *const *tables, size_t n, cdlt_error *err)
{
    sqldest_saved sv;
    sqldest_use_staging(o, d, &sv);
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *t = NULL;
        if ((st = sqldest_table_of(o, s, tables[i], &t, err)) == CDLT_OK)
            st = o->migrate_table(d, t, err);
    }
    /* dlt creates and fills _dlt_version in the staging dataset as well (not _dlt_loads) */
    const schema_table *vt = schema_get_table(s, "_dlt_version");
    if (st == CDLT_OK && vt)
        st = o->migrate_table(d, vt, err);
    if (st == CDLT_OK && vt)
        st = o->store_schema(d, s, err);
    sqldest_use_main(o, d, &sv);
    return sqldest_staging_fail(o, d, st, err);
}

cdlt_status sqldest_truncate_staging(const sqldest_ops *o, destination *d, const char *table,
                                     cdlt_error *err)
{
    sqldest_saved sv;
    sqldest_use_staging(o, d, &sv);
    cdlt_status st = sqldest_truncate_table(o, d, table, err);
    sqldest_use_main(o, d, &sv);
    return sqldest_staging_fail(o, d, st, err);
}

cdlt_status sqldest_load_file_staging(const sqldest_ops *o, destination *d, const schema *s,
                                      const schema_table *t, const char *path, cdlt_error *err)
{
    sqldest_saved sv;
    sqldest_use_staging(o, d, &sv);
    cdlt_status st = o->load_file(d, s, t, path, err);
    sqldest_use_main(o, d, &sv);
    return sqldest_staging_fail(o, d, st, err);
}

static cdlt_status staging_exists(const sqldest_ops *o, destination *d, const char *table,
                                  bool *out, cdlt_error *err)
{
    sqldest_saved sv;
    sqldest_use_staging(o, d, &sv);
    cdlt_status st = o->table_exists(d, table, out, err);
    sqldest_use_main(o, d, &sv);
    return st;
}

/* staging-optimized (dlt's PostgresStagingReplaceJob): the staging table becomes the final
 * table (no row is copied) and an empty copy of it stays in staging for the next load. */
static cdlt_status swap_one(const sqldest_ops *o, destination *d, const schema_table *t,
                            cdlt_error *err)
{
    static const char *const what[3] = {"dropping the table to replace",
                                        "moving the staging table",
                                        "recreating the staging table"};
    sqldest_names nm = o->names(d);
    sqlgen_target tg = {*nm.dataset, nm.staging, NULL};
    strv stmts = {0};
    cdlt_status st = sqlgen_swap_from_staging(o->dialect, &tg, t->name, &stmts) != CDLT_OK
                         ? err_nomem(err)
                         : CDLT_OK;
    for (size_t k = 0; k < stmts.n && k < 3 && st == CDLT_OK; k++)
        st = o->exec(d, stmts.v[k], what[k], err);
    strv_free(&stmts);
    return st;
}

/* One final table: swapped for its staging table, or emptied and refilled from it (a table
 * without a staging table is only emptied). */
static cdlt_status replace_one(const sqldest_ops *o, destination *d, const schema_table *t,
                               bool swap, buf *sql, cdlt_error *err)
{
    bool any = false;
    for (uint32_t i = 0; i < t->ncolumns && !any; i++)
        any = column_is_complete(&t->columns[i]);
    if (!any)
        return CDLT_OK; /* nothing was ever created for this table */
    sqldest_names nm = o->names(d);
    const char *ds = *nm.dataset;
    bool exists_main = false, exists_staging = false;
    cdlt_status st = o->table_exists(d, t->name, &exists_main, err);
    if (st == CDLT_OK)
        st = staging_exists(o, d, t->name, &exists_staging, err);
    if (st != CDLT_OK || !exists_main)
        return st; /* migrate creates every table with data; absent = nothing to replace */
    if (swap && exists_staging) {
        LOG_DEBUG("%s: replacing %s.%s by %s.%s", o->name, ds, t->name, nm.staging, t->name);
        st = swap_one(o, d, t, err);
    } else {
        buf_clear(sql);
        if (sqlgen_truncate(o->dialect, ds, t->name, sql) != CDLT_OK)
            return err_nomem(err);
        LOG_DEBUG("%s: replacing %s.%s from %s.%s", o->name, ds, t->name, nm.staging, t->name);
        st = o->exec(d, sql->data, "emptying a table before copying from staging", err);
        if (st == CDLT_OK && exists_staging) {
            sqlgen_target tg = {ds, nm.staging, NULL};
            buf_clear(sql);
            if (sqlgen_copy_from_staging(o->dialect, &tg, t, sql, &any) != CDLT_OK)
                return err_nomem(err);
            st = o->exec(d, sql->data, "copying rows from the staging dataset", err);
        }
    }
    if (st != CDLT_OK) {
        err_set_table(err, t->name);
        err_hint(err, "the package transaction is rolled back, the table keeps its previous "
                      "rows; check that %s.%s and %s.%s have the schema's columns",
                 ds, t->name, nm.staging, t->name);
    }
    return st;
}

cdlt_status sqldest_replace_from_staging(const sqldest_ops *o, destination *d, const schema *s,
                                         const char *const *tables, size_t n, bool swap,
                                         cdlt_error *err)
{
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *t = NULL;
        if ((st = sqldest_table_of(o, s, tables[i], &t, err)) == CDLT_OK)
            st = replace_one(o, d, t, swap, &sql, err);
    }
    buf_free(&sql);
    return st;
}

cdlt_status sqldest_drop_staging_tables(const sqldest_ops *o, destination *d,
                                        const char *const *tables, size_t n, cdlt_error *err)
{
    /* no staging dataset yet: nothing to drop (DROP ... IF EXISTS needs the schema) */
    bool has = false;
    cdlt_status st = o->dataset_exists(d, o->names(d).staging, &has, err);
    if (st == CDLT_OK && has) {
        sqldest_saved sv;
        sqldest_use_staging(o, d, &sv);
        st = sqldest_drop_tables(o, d, tables, n, NULL, err);
        sqldest_use_main(o, d, &sv);
    }
    return sqldest_staging_fail(o, d, st, err);
}

cdlt_status sqldest_merge_from_staging(const sqldest_ops *o, destination *d, const schema *s,
                                       const char *const *roots, size_t n, const char *tag,
                                       cdlt_error *err)
{
    strv stmts = {0};
    cdlt_status st = CDLT_OK;
    sqldest_names nm = o->names(d);
    sqlgen_target tg = {*nm.dataset, nm.staging, tag};
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *root = NULL;
        if ((st = sqldest_table_of(o, s, roots[i], &root, err)) != CDLT_OK)
            break;
        strv_free(&stmts);
        if ((st = sqlgen_merge(o->dialect, &tg, s, root, &stmts, err)) != CDLT_OK)
            break;
        for (size_t k = 0; k < stmts.n && st == CDLT_OK; k++) {
            LOG_DEBUG("%s: merge %s: %s", o->name, roots[i], stmts.v[k]);
            st = o->exec(d, stmts.v[k], "merging the staged rows into the final table", err);
            if (st != CDLT_OK)
                err_set_table(err, roots[i]);
        }
    }
    strv_free(&stmts);
    return st;
}
