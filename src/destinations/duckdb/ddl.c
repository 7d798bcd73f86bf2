/* ddl.c: dlt's DuckDB type mapping (DuckDbTypeMapper) and schema migration: CREATE TABLE for
 * new tables, ALTER TABLE ADD COLUMN for new columns of existing ones (never drop or retype),
 * then the _dlt_version row. Column order follows the schema, as dlt's DDL does. */
#include "duck.h"

#include <strings.h>

cdlt_status duck_column_type(const schema_table *t, const schema_column *c, buf *out,
                             cdlt_error *err)
{
    int32_t p = c->precision, sc = c->scale;
    switch (c->type) {
    case DT_TEXT:
        return buf_puts(out, "VARCHAR"); /* VARCHAR(n) is only an alias in DuckDB */
    case DT_DOUBLE:
        return buf_puts(out, "DOUBLE");
    case DT_BOOL:
        return buf_puts(out, "BOOLEAN");
    case DT_DATE:
        return buf_puts(out, "DATE");
    case DT_TIME:
        return buf_puts(out, "TIME");
    case DT_BINARY:
        return buf_puts(out, "BLOB");
    case DT_JSON:
        return buf_puts(out, "JSON");
    case DT_BIGINT:
        if (p < 0)
            return buf_puts(out, "BIGINT");
        if (p <= 8)
            return buf_puts(out, "TINYINT");
        if (p <= 16)
            return buf_puts(out, "SMALLINT");
        if (p <= 32)
            return buf_puts(out, "INTEGER");
        if (p <= 64)
            return buf_puts(out, "BIGINT");
        if (p <= 128)
            return buf_puts(out, "HUGEINT");
        break;
    case DT_TIMESTAMP:
        /* DuckDB has no precision on TIMESTAMP WITH TIME ZONE: dlt keeps the zone and ignores
         * the precision (with a warning); naive columns map precision to _S/_MS/_NS */
        if (c->timezone != 0)
            return buf_puts(out, "TIMESTAMP WITH TIME ZONE");
        if (p < 0 || p == 6)
            return buf_puts(out, "TIMESTAMP");
        if (p == 0)
            return buf_puts(out, "TIMESTAMP_S");
        if (p == 3)
            return buf_puts(out, "TIMESTAMP_MS");
        if (p == 9)
            return buf_puts(out, "TIMESTAMP_NS");
        break;
    case DT_DECIMAL:
    case DT_WEI:
        if (p < 0) {
            p = 38;
            sc = c->type == DT_WEI ? 0 : 9;
        } else if (sc < 0) {
            sc = 0;
        }
        if (p < 1 || p > 38 || sc > p)
            break;
        return buf_printf(out, "DECIMAL(%d,%d)", (int)p, (int)sc);
    default:
        return err_set(err, CDLT_SCHEMA,
                       "duckdb: column '%s' of table '%s' has no data type; only complete "
                       "columns can be created",
                       c->name, t->name);
    }
    err_set(err, CDLT_SCHEMA,
            "duckdb: column '%s' of table '%s': %s with precision %d (scale %d) has no DuckDB "
            "type",
            c->name, t->name, dtype_name(c->type), (int)c->precision, (int)c->scale);
    err_set_table(err, t->name);
    err_set_column(err, c->name);
    return err_hint(err, "use bigint precision <= 128, timestamp precision 0/3/6/9 (with "
                         "timezone false) or decimal precision 1..38");
}

cdlt_status duck_column_def(const schema_table *t, const schema_column *c, bool create_indexes,
                            bool with_not_null, buf *out, cdlt_error *err)
{
    duck_quote_ident(out, c->name);
    buf_putc(out, ' ');
    cdlt_status st = duck_column_type(t, c, out, err);
    if (st != CDLT_OK)
        return st;
    if (create_indexes && (c->hints & HINT_UNIQUE))
        buf_puts(out, " UNIQUE");
    if (with_not_null && !c->nullable)
        buf_puts(out, " NOT NULL");
    return out->status;
}

cdlt_status duck_create_table_sql(const destination *d, const schema_table *t, buf *out,
                                  cdlt_error *err)
{
    buf_puts(out, "CREATE TABLE ");
    duck_qualified(d, out, t->name);
    buf_puts(out, " (");
    bool first = true;
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE)
            continue; /* incomplete column: hints only, not created (as dlt) */
        if (!first)
            buf_puts(out, ", ");
        first = false;
        cdlt_status st = duck_column_def(t, c, d->create_indexes, true, out, err);
        if (st != CDLT_OK)
            return st == CDLT_NOMEM ? err_nomem(err) : st;
    }
    buf_putc(out, ')');
    return out->status == CDLT_OK ? CDLT_OK : err_nomem(err);
}

/* Existing column names of a table, appended to `names` as NUL-separated strings. */
static cdlt_status existing_columns(destination *d, const char *table, buf *names,
                                    cdlt_error *err)
{
    static const char sql[] = "SELECT column_name FROM information_schema.columns WHERE "
                              "table_schema = $1 AND table_name = $2 ORDER BY ordinal_position";
    duckdb_result res;
    cdlt_status st = duck_query_table_info(d, sql, table, "reading table columns", &res, err);
    if (st != CDLT_OK)
        return st;
    idx_t n = duckdb_row_count(&res);
    for (idx_t r = 0; r < n && st == CDLT_OK; r++) {
        char *v = duckdb_value_varchar(&res, 0, r);
        if (v) {
            buf_append(names, v, strlen(v) + 1);
            duckdb_free(v);
        }
        if (names->status != CDLT_OK)
            st = err_nomem(err);
    }
    duckdb_destroy_result(&res);
    return st;
}

static bool names_contain(const buf *names, const char *name)
{
    /* DuckDB identifiers are case-insensitive (has_case_sensitive_identifiers = False) */
    for (size_t off = 0; off < names->len;) {
        const char *n = names->data + off;
        if (strcasecmp(n, name) == 0)
            return true;
        off += strlen(n) + 1;
    }
    return false;
}

/* Which tables migrate creates: those with data plus dlt's system tables. */
static bool wants_table(const schema_table *t)
{
    return t->seen_data || schema_is_dlt_table(t->name);
}

static cdlt_status migrate_table(destination *d, const schema_table *t, buf *sql, buf *names,
                                 cdlt_error *err)
{
    bool complete = false;
    for (uint32_t i = 0; i < t->ncolumns && !complete; i++)
        complete = t->columns[i].type != DT_NONE;
    if (!complete)
        return CDLT_OK; /* nothing to create yet */
    buf_clear(names);
    cdlt_status st = existing_columns(d, t->name, names, err);
    if (st != CDLT_OK)
        return st;
    buf_clear(sql);
    if (names->len == 0) {
        st = duck_create_table_sql(d, t, sql, err);
        if (st == CDLT_OK) {
            LOG_INFO("duckdb: creating table %s.%s", d->dataset, t->name);
            st = duck_exec(d, sql->data, "creating a table", err);
        }
        if (st != CDLT_OK)
            err_set_table(err, t->name);
        return st;
    }
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE || names_contain(names, c->name))
            continue;
        buf_clear(sql);
        buf_puts(sql, "ALTER TABLE ");
        duck_qualified(d, sql, t->name);
        buf_puts(sql, " ADD COLUMN ");
        /* DuckDB cannot add a column with constraints: NOT NULL is left out on ALTER */
        st = duck_column_def(t, c, false, false, sql, err);
        if (st == CDLT_OK && sql->status != CDLT_OK)
            st = err_nomem(err);
        if (st == CDLT_OK) {
            LOG_INFO("duckdb: adding column %s to %s.%s", c->name, d->dataset, t->name);
            st = duck_exec(d, sql->data, "adding a column", err);
        }
        if (st != CDLT_OK) {
            err_set_table(err, t->name);
            err_set_column(err, c->name);
            return st;
        }
    }
    return CDLT_OK;
}

cdlt_status duck_migrate(destination *d, const schema *s, cdlt_error *err)
{
    buf sql = BUF_INIT, names = BUF_INIT;
    cdlt_status st = CDLT_OK;
    {
        buf create = BUF_INIT;
        buf_printf(&create, "CREATE SCHEMA IF NOT EXISTS %s", d->qdataset);
        st = create.status != CDLT_OK ? err_nomem(err)
                                      : duck_exec(d, create.data, "creating the dataset", err);
        buf_free(&create);
    }
    for (uint32_t i = 0; i < s->ntables && st == CDLT_OK; i++) {
        const schema_table *t = s->tables[i];
        if (wants_table(t))
            st = migrate_table(d, t, &sql, &names, err);
    }
    buf_free(&sql);
    buf_free(&names);
    if (st == CDLT_OK && schema_get_table(s, "_dlt_version"))
        st = duck_store_schema(d, s, err);
    return st;
}

cdlt_status duck_migrate_table(destination *d, const schema_table *t, cdlt_error *err)
{
    buf sql = BUF_INIT, names = BUF_INIT;
    buf_printf(&sql, "CREATE SCHEMA IF NOT EXISTS %s", d->qdataset);
    cdlt_status st = sql.status != CDLT_OK ? err_nomem(err)
                                           : duck_exec(d, sql.data, "creating the dataset", err);
    if (st == CDLT_OK)
        st = migrate_table(d, t, &sql, &names, err);
    buf_free(&sql);
    buf_free(&names);
    return st;
}
