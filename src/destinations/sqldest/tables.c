/* tables.c: table maintenance both SQL destinations run the same way (sqldest.h): truncate,
 * drop (with the schema's _dlt_version rows), and the removal of an interrupted load's rows.
 * The statements come from src/sqlgen; values are bound, never spliced into SQL (the load id
 * is checked to be digits and dots first). */
#include "destinations/sqldest/sqldest.h"

#include <string.h>

static const char *dataset_of(const sqldest_ops *o, destination *d)
{
    return *o->names(d).dataset;
}

cdlt_status sqldest_truncate_table(const sqldest_ops *o, destination *d, const char *table,
                                   cdlt_error *err)
{
    bool exists;
    cdlt_status st = o->table_exists(d, table, &exists, err);
    if (st != CDLT_OK || !exists)
        return st; /* nothing stored yet: nothing to remove */
    buf sql = BUF_INIT;
    if (sqlgen_truncate(o->dialect, dataset_of(o, d), table, &sql) != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    st = o->exec(d, sql.data, "truncating a table", err);
    if (st != CDLT_OK)
        err_set_table(err, table);
    buf_free(&sql);
    return st;
}

cdlt_status sqldest_drop_tables(const sqldest_ops *o, destination *d, const char *const *tables,
                                size_t n, const char *schema_name, cdlt_error *err)
{
    const char *ds = dataset_of(o, d);
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        buf_clear(&sql);
        if (sqlgen_drop_table(o->dialect, ds, tables[i], &sql) != CDLT_OK) {
            st = err_nomem(err);
            break;
        }
        LOG_INFO("%s: dropping table %s.%s", o->name, ds, tables[i]);
        st = o->exec(d, sql.data, "dropping a table", err);
        if (st != CDLT_OK)
            err_set_table(err, tables[i]);
    }
    if (st == CDLT_OK && schema_name) {
        bool exists;
        st = o->table_exists(d, "_dlt_version", &exists, err);
        if (st == CDLT_OK && exists) {
            buf_clear(&sql);
            if (sqlgen_system_sql(o->dialect, ds, SQLGEN_VERSION_DELETE, NULL, &sql) != CDLT_OK)
                st = err_nomem(err);
            else
                st = o->exec_param(d, sql.data, schema_name, "deleting stored schema versions",
                                   err);
            if (st != CDLT_OK && st != CDLT_NOMEM)
                err_set_table(err, "_dlt_version");
        }
    }
    buf_free(&sql);
    return st;
}

cdlt_status sqldest_delete_load(const sqldest_ops *o, destination *d, const char *load_id,
                                const char *const *tables, const char *const *parents, size_t n,
                                cdlt_error *err)
{
    if (!sqlgen_is_load_id(load_id))
        return err_set(err, CDLT_INVALID_ARG, "%s: '%s' is not a load id", o->name, load_id);
    int maxd = 0;
    for (size_t i = 0; i < n; i++) {
        int dep = sqlgen_chain_depth(tables, parents, n, i);
        if (dep > maxd)
            maxd = dep;
    }
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    /* children first: their rows are found through the parents' rows */
    for (int depth = maxd; st == CDLT_OK && depth >= 0; depth--) {
        for (size_t i = 0; st == CDLT_OK && i < n; i++) {
            if (sqlgen_chain_depth(tables, parents, n, i) != depth)
                continue;
            /* a table (or a parent of it) the interrupted load never created holds nothing */
            bool all = true;
            for (size_t k = i; all;) {
                bool ex = false;
                if ((st = o->table_exists(d, tables[k], &ex, err)) != CDLT_OK)
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
            if (sqlgen_delete_load(o->dialect, dataset_of(o, d), load_id, tables, parents, n, i,
                                   &sql) != CDLT_OK) {
                st = err_nomem(err);
                break;
            }
            LOG_DEBUG("%s: removing the committed rows of interrupted load %s from %s", o->name,
                      load_id, tables[i]);
            st = o->exec(d, sql.data, "removing the rows of an interrupted load", err);
            if (st != CDLT_OK)
                err_set_table(err, tables[i]);
        }
    }
    buf_free(&sql);
    return st;
}
