/* staging.c: the table-maintenance statements of dlt's SQL destinations: emptying a table,
 * dlt's replace strategies through the staging dataset (insert-from-staging copies the rows,
 * staging-optimized moves the staging table in) and the removal of an interrupted load's
 * committed rows along the nested-table chain. */
#include "sqlgen/sqlgen.h"

#include <string.h>

bool sqlgen_column_list(const sqlgen_dialect *dl, const schema_table *t, const char *prefix,
                        buf *out)
{
    bool any = false;
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        if (!column_is_complete(&t->columns[i]))
            continue; /* incomplete: not created in either dataset */
        if (any)
            buf_puts(out, ", ");
        any = true;
        if (prefix)
            buf_puts(out, prefix);
        sqlgen_ident(dl, out, t->columns[i].name);
    }
    return any;
}

cdlt_status sqlgen_truncate(const sqlgen_dialect *dl, const char *dataset, const char *table,
                            buf *out)
{
    /* dlt's supports_truncate_command: without it, truncate is a DELETE of every row */
    buf_puts(out, dl->has_truncate ? "TRUNCATE TABLE " : "DELETE FROM ");
    sqlgen_qualified(dl, out, dataset, table);
    if (!dl->has_truncate)
        buf_puts(out, " WHERE 1=1");
    return out->status;
}

cdlt_status sqlgen_drop_table(const sqlgen_dialect *dl, const char *dataset, const char *table,
                              buf *out)
{
    buf_puts(out, "DROP TABLE IF EXISTS ");
    sqlgen_qualified(dl, out, dataset, table);
    if (dl->drop_cascade)
        buf_puts(out, " CASCADE");
    return out->status;
}

cdlt_status sqlgen_copy_from_staging(const sqlgen_dialect *dl, const sqlgen_target *tg,
                                     const schema_table *t, buf *out, bool *out_any)
{
    buf cols = BUF_INIT;
    *out_any = sqlgen_column_list(dl, t, NULL, &cols);
    if (*out_any) {
        buf_puts(out, "INSERT INTO ");
        sqlgen_qualified(dl, out, tg->dataset, t->name);
        buf_putc(out, '(');
        buf_append(out, cols.data, cols.len);
        buf_puts(out, ") SELECT ");
        buf_append(out, cols.data, cols.len);
        buf_puts(out, " FROM ");
        sqlgen_qualified(dl, out, tg->staging, t->name);
    }
    cdlt_status st = cols.status != CDLT_OK ? cols.status : out->status;
    buf_free(&cols);
    return st;
}

cdlt_status sqlgen_swap_from_staging(const sqlgen_dialect *dl, const sqlgen_target *tg,
                                     const char *table, strv *out)
{
    buf fin = BUF_INIT, stg = BUF_INIT, q = BUF_INIT, sql = BUF_INIT;
    sqlgen_qualified(dl, &fin, tg->dataset, table);
    sqlgen_qualified(dl, &stg, tg->staging, table);
    sqlgen_ident(dl, &q, tg->dataset);
    cdlt_status st = CDLT_OK;
    /* the final table goes (CASCADE: views on it must not block), the staging table moves
     * into the final dataset, and an empty copy with every constraint stays in staging */
    buf_printf(&sql, "DROP TABLE IF EXISTS %s CASCADE", buf_cstr(&fin));
    if (sql.status != CDLT_OK || strv_add(out, buf_cstr(&sql)) != CDLT_OK)
        st = CDLT_NOMEM;
    buf_clear(&sql);
    buf_printf(&sql, "ALTER TABLE %s SET SCHEMA %s", buf_cstr(&stg), buf_cstr(&q));
    if (st == CDLT_OK && (sql.status != CDLT_OK || strv_add(out, buf_cstr(&sql)) != CDLT_OK))
        st = CDLT_NOMEM;
    buf_clear(&sql);
    buf_printf(&sql, "CREATE TABLE %s (LIKE %s INCLUDING ALL)", buf_cstr(&stg), buf_cstr(&fin));
    if (st == CDLT_OK && (sql.status != CDLT_OK || strv_add(out, buf_cstr(&sql)) != CDLT_OK))
        st = CDLT_NOMEM;
    if (fin.status != CDLT_OK || stg.status != CDLT_OK || q.status != CDLT_OK)
        st = CDLT_NOMEM;
    buf_free(&fin);
    buf_free(&stg);
    buf_free(&q);
    buf_free(&sql);
    return st;
}

/* ---- delete_load: the rows of one load along the parent chain ---- */

int sqlgen_chain_depth(const char *const *tables, const char *const *parents, size_t n, size_t i)
{
    int depth = 0;
    while (parents[i] && *parents[i]) {
        size_t k = 0;
        while (k < n && strcmp(tables[k], parents[i]) != 0)
            k++;
        if (k == n || ++depth > (int)n)
            return -1;
        i = k;
    }
    return depth;
}

/* "... WHERE <key> IN (SELECT _dlt_id FROM parent WHERE ...)" up to the root's load id. */
static void chain_where(const sqlgen_dialect *dl, const char *dataset, const char *const *tables,
                        const char *const *parents, size_t n, size_t i, const char *load_id,
                        buf *sql)
{
    if (!parents[i] || !*parents[i]) {
        buf_printf(sql, "\"_dlt_load_id\" = '%s'", load_id);
        return;
    }
    size_t k = 0;
    while (k < n && strcmp(tables[k], parents[i]) != 0)
        k++;
    buf_puts(sql, "\"_dlt_parent_id\" IN (SELECT \"_dlt_id\" FROM ");
    sqlgen_qualified(dl, sql, dataset, tables[k]);
    buf_puts(sql, " WHERE ");
    chain_where(dl, dataset, tables, parents, n, k, load_id, sql);
    buf_putc(sql, ')');
}

bool sqlgen_is_load_id(const char *load_id)
{
    /* load ids are ours (digits and a dot); anything else must not reach the SQL text */
    return *load_id && strspn(load_id, "0123456789.") == strlen(load_id);
}

cdlt_status sqlgen_delete_load(const sqlgen_dialect *dl, const char *dataset,
                               const char *load_id, const char *const *tables,
                               const char *const *parents, size_t n, size_t i, buf *out)
{
    if (!sqlgen_is_load_id(load_id))
        return CDLT_INVALID_ARG;
    buf_puts(out, "DELETE FROM ");
    sqlgen_qualified(dl, out, dataset, tables[i]);
    buf_puts(out, " WHERE ");
    chain_where(dl, dataset, tables, parents, n, i, load_id, out);
    return out->status;
}
