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

cdlt_status pg_migrate_staging(destination *d, const schema *s, const char *const *tables,
                               size_t n, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
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
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = pg_truncate_table(d, table, err);
    use_main(d, &sv);
    return staging_fail(d, st, err);
}

cdlt_status pg_load_file_staging(destination *d, const schema *s, const schema_table *t,
                                 const char *path, cdlt_error *err)
{
    ds_saved sv;
    use_staging(d, &sv);
    cdlt_status st = pg_load_file(d, s, t, path, err);
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
static cdlt_status swap_one(destination *d, const schema_table *t, buf *sql, cdlt_error *err)
{
    buf fin = BUF_INIT, stg = BUF_INIT;
    pg_qualified(d, &fin, t->name);
    buf_printf(&stg, "%s.", d->qstaging);
    pg_quote_ident(&stg, t->name);
    buf_clear(sql);
    buf_printf(sql, "DROP TABLE IF EXISTS %s CASCADE", buf_cstr(&fin));
    cdlt_status st = sql->status != CDLT_OK || fin.status != CDLT_OK || stg.status != CDLT_OK
                         ? err_nomem(err)
                         : pg_exec(d, sql->data, "dropping the table to replace", err);
    if (st == CDLT_OK) {
        buf_clear(sql);
        buf_printf(sql, "ALTER TABLE %s SET SCHEMA %s", buf_cstr(&stg), d->qdataset);
        st = sql->status != CDLT_OK ? err_nomem(err)
                                    : pg_exec(d, sql->data, "moving the staging table", err);
    }
    if (st == CDLT_OK) {
        buf_clear(sql);
        buf_printf(sql, "CREATE TABLE %s (LIKE %s INCLUDING ALL)", buf_cstr(&stg), buf_cstr(&fin));
        st = sql->status != CDLT_OK ? err_nomem(err)
                                    : pg_exec(d, sql->data, "recreating the staging table", err);
    }
    buf_free(&fin);
    buf_free(&stg);
    return st;
}

static cdlt_status replace_one(destination *d, const schema_table *t, buf *sql, buf *cols,
                               cdlt_error *err)
{
    buf_clear(cols);
    bool any = false;
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE)
            continue;
        if (any)
            buf_puts(cols, ", ");
        any = true;
        pg_quote_ident(cols, c->name);
    }
    if (!any)
        return CDLT_OK;
    bool exists_main = false, exists_staging = false;
    cdlt_status st = pg_table_exists(d, t->name, &exists_main, err);
    if (st == CDLT_OK)
        st = staging_exists(d, t->name, &exists_staging, err);
    if (st != CDLT_OK || !exists_main)
        return st;
    if (d->staging_optimized && exists_staging) {
        LOG_DEBUG("postgres: replacing %s.%s by %s.%s", d->dataset, t->name, d->staging, t->name);
        st = swap_one(d, t, sql, err);
    } else {
        buf_clear(sql);
        buf_puts(sql, "TRUNCATE TABLE ");
        pg_qualified(d, sql, t->name);
        if (sql->status != CDLT_OK || cols->status != CDLT_OK)
            return err_nomem(err);
        st = pg_exec(d, sql->data, "emptying a table before copying from staging", err);
        if (st == CDLT_OK && exists_staging) {
            buf_clear(sql);
            buf_puts(sql, "INSERT INTO ");
            pg_qualified(d, sql, t->name);
            buf_putc(sql, '(');
            buf_append(sql, cols->data, cols->len);
            buf_puts(sql, ") SELECT ");
            buf_append(sql, cols->data, cols->len);
            buf_printf(sql, " FROM %s.", d->qstaging);
            pg_quote_ident(sql, t->name);
            if (sql->status != CDLT_OK)
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
    buf sql = BUF_INIT, cols = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < n && st == CDLT_OK; i++) {
        const schema_table *t = NULL;
        if ((st = table_of(s, tables[i], &t, err)) == CDLT_OK)
            st = replace_one(d, t, &sql, &cols, err);
    }
    buf_free(&sql);
    buf_free(&cols);
    return st;
}

cdlt_status pg_drop_staging_tables(destination *d, const char *const *tables, size_t n,
                                   cdlt_error *err)
{
    static const char sql[] = "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1";
    const char *p[1] = {d->staging};
    PGresult *r = NULL;
    cdlt_status st = pg_query(d, sql, 1, p, "looking up the staging dataset", &r, err);
    bool has = st == CDLT_OK && PQntuples(r) > 0;
    PQclear(r);
    if (st == CDLT_OK && has) {
        ds_saved sv;
        use_staging(d, &sv);
        st = pg_drop_tables(d, tables, n, NULL, err);
        use_main(d, &sv);
    }
    return staging_fail(d, st, err);
}

cdlt_status pg_merge_from_staging(destination *d, const schema *s, const char *const *roots,
                                  size_t n, const char *tag, cdlt_error *err)
{
    strv stmts = {0};
    cdlt_status st = CDLT_OK;
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

/* Depth of tables[i] in the listed parent chain (0 = root); -1 when a parent is unlisted. */
static int chain_depth(const char *const *tables, const char *const *parents, size_t n, size_t i)
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

static void chain_where(const destination *d, const char *const *tables,
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
    pg_qualified(d, sql, tables[k]);
    buf_puts(sql, " WHERE ");
    chain_where(d, tables, parents, n, k, load_id, sql);
    buf_putc(sql, ')');
}

cdlt_status pg_delete_load(destination *d, const char *load_id, const char *const *tables,
                           const char *const *parents, size_t n, cdlt_error *err)
{
    /* load ids are ours (digits and a dot); anything else must not reach the SQL text */
    if (!*load_id || strspn(load_id, "0123456789.") != strlen(load_id))
        return err_set(err, CDLT_INVALID_ARG, "postgres: '%s' is not a load id", load_id);
    int maxd = 0;
    for (size_t i = 0; i < n; i++) {
        int dep = chain_depth(tables, parents, n, i);
        if (dep > maxd)
            maxd = dep;
    }
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (int depth = maxd; st == CDLT_OK && depth >= 0; depth--) {
        for (size_t i = 0; st == CDLT_OK && i < n; i++) {
            if (chain_depth(tables, parents, n, i) != depth)
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
            buf_puts(&sql, "DELETE FROM ");
            pg_qualified(d, &sql, tables[i]);
            buf_puts(&sql, " WHERE ");
            chain_where(d, tables, parents, n, i, load_id, &sql);
            if (sql.status != CDLT_OK) {
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
