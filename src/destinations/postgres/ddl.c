/* ddl.c: dlt's PostgreSQL type mapping (PostgresTypeMapper) and schema migration: CREATE TABLE
 * for new tables, ALTER TABLE ADD COLUMN for new columns of existing ones (never drop or
 * retype), then the _dlt_version row. PostgreSQL DDL is transactional, so all of it commits or
 * rolls back with the package. */
#include "pg.h"

cdlt_status pg_column_type(const schema_table *t, const schema_column *c, buf *out,
                           cdlt_error *err)
{
    int32_t p = c->precision, sc = c->scale;
    switch (c->type) {
    case DT_TEXT:
        if (p > 0)
            return buf_printf(out, "varchar(%d)", (int)p);
        return buf_puts(out, "varchar");
    case DT_DOUBLE:
        return buf_puts(out, "double precision");
    case DT_BOOL:
        return buf_puts(out, "boolean");
    case DT_DATE:
        return buf_puts(out, "date");
    case DT_BINARY:
        return buf_puts(out, "bytea");
    case DT_JSON:
        return buf_puts(out, "jsonb");
    case DT_BIGINT:
        if (p < 0)
            return buf_puts(out, "bigint");
        if (p <= 16)
            return buf_puts(out, "smallint");
        if (p <= 32)
            return buf_puts(out, "integer");
        if (p <= 64)
            return buf_puts(out, "bigint");
        break;
    case DT_TIME:
        if (p < 0)
            return buf_puts(out, "time without time zone");
        if (p <= 6)
            return buf_printf(out, "time (%d) without time zone", (int)p);
        break;
    case DT_TIMESTAMP:
        /* dlt: precision 0..6 in parentheses; timezone unset or true = with time zone */
        if (p > 6)
            break;
        buf_puts(out, "timestamp");
        if (p >= 0)
            buf_printf(out, " (%d)", (int)p);
        return buf_puts(out, c->timezone == 0 ? " without time zone" : " with time zone");
    case DT_DECIMAL:
    case DT_WEI: {
        /* dlt fills a missing precision or scale from the capability defaults separately:
         * decimal (38, 9), wei (156, 78) */
        bool wei = c->type == DT_WEI;
        if (p < 0)
            p = wei ? 156 : 38;
        if (sc < 0)
            sc = wei ? 78 : 9;
        if (p < 1 || p > 1000 || sc > p)
            break;
        return buf_printf(out, "numeric(%d,%d)", (int)p, (int)sc);
    }
    default:
        return err_set(err, CDLT_SCHEMA,
                       "postgres: column '%s' of table '%s' has no data type; only complete "
                       "columns can be created",
                       c->name, t->name);
    }
    err_set(err, CDLT_SCHEMA,
            "postgres: column '%s' of table '%s': %s with precision %d (scale %d) has no "
            "PostgreSQL type",
            c->name, t->name, dtype_name(c->type), (int)c->precision, (int)c->scale);
    err_set_table(err, t->name);
    err_set_column(err, c->name);
    return err_hint(err, "use bigint precision <= 64, timestamp/time precision 0..6, or decimal "
                         "precision 1..1000 with scale <= precision");
}

/* `"<name>" <type> [UNIQUE] [NOT NULL]` as dlt writes it. */
static cdlt_status column_def(const schema_table *t, const schema_column *c, bool create_indexes,
                              bool with_not_null, buf *out, cdlt_error *err)
{
    pg_quote_ident(out, c->name);
    buf_putc(out, ' ');
    cdlt_status st = pg_column_type(t, c, out, err);
    if (st != CDLT_OK)
        return st;
    if (create_indexes && (c->hints & HINT_UNIQUE))
        buf_puts(out, " UNIQUE");
    if (with_not_null && !c->nullable)
        buf_puts(out, " NOT NULL");
    return out->status;
}

cdlt_status pg_create_table_sql(const destination *d, const schema_table *t, buf *out,
                                cdlt_error *err)
{
    buf_puts(out, "CREATE TABLE ");
    pg_qualified(d, out, t->name);
    buf_puts(out, " (");
    bool first = true;
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE)
            continue; /* incomplete column: hints only, not created (as dlt) */
        if (!first)
            buf_puts(out, ", ");
        first = false;
        cdlt_status st = column_def(t, c, d->create_indexes, true, out, err);
        if (st != CDLT_OK)
            return st == CDLT_NOMEM ? err_nomem(err) : st;
    }
    buf_putc(out, ')');
    return out->status == CDLT_OK ? CDLT_OK : err_nomem(err);
}

/* Existing column names of a table (exact: PostgreSQL identifiers are case sensitive once
 * quoted, and dlt always quotes). */
static cdlt_status existing_columns(destination *d, const char *table, PGresult **out,
                                    cdlt_error *err)
{
    static const char sql[] = "SELECT column_name FROM information_schema.columns WHERE "
                              "table_schema = $1 AND table_name = $2 ORDER BY ordinal_position";
    const char *p[2] = {d->dataset, table};
    cdlt_status st = pg_query(d, sql, 2, p, "reading table columns", out, err);
    if (st != CDLT_OK)
        err_set_table(err, table);
    return st;
}

static bool has_column(const PGresult *r, const char *name)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), name) == 0)
            return true;
    return false;
}

static cdlt_status check_ident(const char *what, const char *table, const char *name,
                               cdlt_error *err)
{
    if (strlen(name) <= PG_MAX_IDENT)
        return CDLT_OK;
    err_set(err, CDLT_SCHEMA, "postgres: %s '%s'%s%s is longer than PostgreSQL's %d-byte "
            "identifier limit", what, name, table ? " of table " : "", table ? table : "",
            PG_MAX_IDENT);
    err_set_table(err, table ? table : name);
    return err_hint(err, "the schema was normalized without the destination's identifier "
                         "limit; load it into a new dataset so names are shortened as dlt does");
}

static cdlt_status migrate_one(destination *d, const schema_table *t, buf *sql, cdlt_error *err)
{
    bool complete = false;
    for (uint32_t i = 0; i < t->ncolumns && !complete; i++)
        complete = t->columns[i].type != DT_NONE;
    if (!complete)
        return CDLT_OK; /* nothing to create yet */
    cdlt_status st = check_ident("table", NULL, t->name, err);
    for (uint32_t i = 0; i < t->ncolumns && st == CDLT_OK; i++)
        if (t->columns[i].type != DT_NONE)
            st = check_ident("column", t->name, t->columns[i].name, err);
    if (st != CDLT_OK)
        return st;
    PGresult *cols = NULL;
    if ((st = existing_columns(d, t->name, &cols, err)) != CDLT_OK)
        return st;
    buf_clear(sql);
    if (PQntuples(cols) == 0) {
        PQclear(cols);
        st = pg_create_table_sql(d, t, sql, err);
        if (st == CDLT_OK) {
            LOG_INFO("postgres: creating table %s.%s", d->dataset, t->name);
            st = pg_exec(d, sql->data, "creating a table", err);
        }
        if (st != CDLT_OK)
            err_set_table(err, t->name);
        return st;
    }
    /* one ALTER TABLE with every new column (dlt: alter_add_multi_column). NOT NULL is left
     * out: existing rows would violate it */
    buf_puts(sql, "ALTER TABLE ");
    pg_qualified(d, sql, t->name);
    bool any = false;
    for (uint32_t i = 0; i < t->ncolumns && st == CDLT_OK; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE || has_column(cols, c->name))
            continue;
        buf_puts(sql, any ? ", ADD COLUMN " : " ADD COLUMN ");
        any = true;
        LOG_INFO("postgres: adding column %s to %s.%s", c->name, d->dataset, t->name);
        st = column_def(t, c, false, false, sql, err);
    }
    PQclear(cols);
    if (st == CDLT_OK && sql->status != CDLT_OK)
        st = err_nomem(err);
    if (st == CDLT_OK && any)
        st = pg_exec(d, sql->data, "adding columns", err);
    if (st != CDLT_OK)
        err_set_table(err, t->name);
    return st;
}

cdlt_status pg_create_dataset(destination *d, cdlt_error *err)
{
    /* look first (as dlt's has_dataset): CREATE SCHEMA IF NOT EXISTS needs the CREATE
     * privilege on the database even when the schema exists, which a user loading into a
     * schema made for it by an administrator does not have */
    static const char q[] = "SELECT 1 FROM pg_namespace WHERE nspname = $1";
    const char *p[1] = {d->dataset};
    PGresult *r = NULL;
    cdlt_status st = pg_query(d, q, 1, p, "looking up the dataset", &r, err);
    bool exists = st == CDLT_OK && PQntuples(r) > 0;
    PQclear(r);
    if (st != CDLT_OK || exists)
        return st;
    buf sql = BUF_INIT;
    buf_printf(&sql, "CREATE SCHEMA IF NOT EXISTS %s", d->qdataset);
    st = sql.status != CDLT_OK ? err_nomem(err)
                               : pg_exec(d, sql.data, "creating the dataset", err);
    buf_free(&sql);
    return st;
}

cdlt_status pg_migrate(destination *d, const schema *s, cdlt_error *err)
{
    cdlt_status st = pg_create_dataset(d, err);
    buf sql = BUF_INIT;
    for (uint32_t i = 0; i < s->ntables && st == CDLT_OK; i++) {
        const schema_table *t = s->tables[i];
        if (t->seen_data || schema_is_dlt_table(t->name))
            st = migrate_one(d, t, &sql, err);
    }
    buf_free(&sql);
    if (st == CDLT_OK && schema_get_table(s, "_dlt_version"))
        st = pg_store_schema(d, s, err);
    return st;
}

cdlt_status pg_migrate_table(destination *d, const schema_table *t, cdlt_error *err)
{
    cdlt_status st = pg_create_dataset(d, err);
    buf sql = BUF_INIT;
    if (st == CDLT_OK)
        st = migrate_one(d, t, &sql, err);
    buf_free(&sql);
    return st;
}
