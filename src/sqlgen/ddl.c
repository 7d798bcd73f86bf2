/* ddl.c: the schema-migration DDL of dlt's SQL destinations: CREATE TABLE for a new table and
 * ALTER TABLE ADD COLUMN for new columns of an existing one (never drop or retype). Column
 * order follows the schema; incomplete columns (hints only) are not created, as in dlt. */
#include "sqlgen/sqlgen.h"

#include <string.h>

cdlt_status sqlgen_column_def(const sqlgen_dialect *dl, const schema_table *t,
                              const schema_column *c, bool create_indexes, bool with_not_null,
                              buf *out, cdlt_error *err)
{
    sqlgen_ident(dl, out, c->name);
    buf_putc(out, ' ');
    cdlt_status st = sqlgen_column_type(dl, t, c, out, err);
    if (st != CDLT_OK)
        return st;
    if (create_indexes && (c->hints & HINT_UNIQUE))
        buf_puts(out, " UNIQUE");
    if (with_not_null && !c->nullable)
        buf_puts(out, " NOT NULL");
    return out->status;
}

cdlt_status sqlgen_create_table(const sqlgen_dialect *dl, const char *dataset,
                                const schema_table *t, bool create_indexes, buf *out,
                                cdlt_error *err)
{
    buf_puts(out, "CREATE TABLE ");
    sqlgen_qualified(dl, out, dataset, t->name);
    buf_puts(out, " (");
    bool first = true;
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE)
            continue; /* incomplete column: hints only, not created (as dlt) */
        if (!first)
            buf_puts(out, ", ");
        first = false;
        cdlt_status st = sqlgen_column_def(dl, t, c, create_indexes, true, out, err);
        if (st != CDLT_OK)
            return st == CDLT_NOMEM ? err_nomem(err) : st;
    }
    buf_putc(out, ')');
    return out->status == CDLT_OK ? CDLT_OK : err_nomem(err);
}

cdlt_status sqlgen_add_columns(const sqlgen_dialect *dl, const char *dataset,
                               const schema_table *t, const schema_column *const *cols, size_t n,
                               buf *out, cdlt_error *err)
{
    if (n > 1 && !dl->alter_add_multi)
        return err_set(err, CDLT_INVALID_ARG, "%s: one column per ALTER TABLE", dl->name);
    buf_puts(out, "ALTER TABLE ");
    sqlgen_qualified(dl, out, dataset, t->name);
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, i ? ", ADD COLUMN " : " ADD COLUMN ");
        /* NOT NULL is left out: existing rows would violate it (and DuckDB cannot add a
         * column with constraints) */
        cdlt_status st = sqlgen_column_def(dl, t, cols[i], false, false, out, err);
        if (st != CDLT_OK)
            return st == CDLT_NOMEM ? err_nomem(err) : st;
    }
    return out->status == CDLT_OK ? CDLT_OK : err_nomem(err);
}

static cdlt_status check_ident(const sqlgen_dialect *dl, const char *what, const char *table,
                               const char *name, cdlt_error *err)
{
    if (!dl->max_ident || strlen(name) <= dl->max_ident)
        return CDLT_OK;
    err_set(err, CDLT_SCHEMA, "%s: %s '%s'%s%s is longer than %s's %u-byte identifier limit",
            dl->name, what, name, table ? " of table " : "", table ? table : "", dl->product,
            (unsigned)dl->max_ident);
    err_set_table(err, table ? table : name);
    return err_hint(err, "the schema was normalized without the destination's identifier "
                         "limit; load it into a new dataset so names are shortened as dlt does");
}

cdlt_status sqlgen_check_idents(const sqlgen_dialect *dl, const schema_table *t, cdlt_error *err)
{
    cdlt_status st = check_ident(dl, "table", NULL, t->name, err);
    for (uint32_t i = 0; i < t->ncolumns && st == CDLT_OK; i++)
        if (t->columns[i].type != DT_NONE)
            st = check_ident(dl, "column", t->name, t->columns[i].name, err);
    return st;
}

cdlt_status sqlgen_create_dataset(const sqlgen_dialect *dl, const char *dataset, buf *out)
{
    buf_puts(out, "CREATE SCHEMA IF NOT EXISTS ");
    sqlgen_ident(dl, out, dataset);
    return out->status;
}

cdlt_status sqlgen_add_unique(const sqlgen_dialect *dl, const char *dataset,
                              const schema_table *t, buf *out, bool *out_any)
{
    *out_any = false;
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE || !(c->hints & HINT_UNIQUE))
            continue;
        if (!*out_any) {
            buf_puts(out, "ALTER TABLE ");
            sqlgen_qualified(dl, out, dataset, t->name);
        }
        /* unnamed, in column order: the server names them as it names the inline ones of
         * CREATE TABLE (<table>_<column>_key, shortened by the server itself) */
        buf_puts(out, *out_any ? ", ADD UNIQUE (" : " ADD UNIQUE (");
        sqlgen_ident(dl, out, c->name);
        buf_putc(out, ')');
        *out_any = true;
    }
    return out->status;
}
