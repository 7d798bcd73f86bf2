/* dialect.c: what differs between the SQL engines sqlgen writes for: identifier quoting, the
 * engine's limits and statement forms, and dlt's type mapping per destination
 * (DuckDbTypeMapper, PostgresTypeMapper). Everything else in sqlgen is one generator. */
#include "sqlgen/sqlgen.h"
#include "sqlgen/sqltext.h"
#include "types/types.h"

static cdlt_status type_error(const char *engine, const char *product, const char *hint,
                              const schema_table *t, const schema_column *c, cdlt_error *err)
{
    err_set(err, CDLT_SCHEMA,
            "%s: column '%s' of table '%s': %s with precision %d (scale %d) has no %s type",
            engine, c->name, t->name, dtype_name(c->type), (int)c->precision, (int)c->scale,
            product);
    err_set_table(err, t->name);
    err_set_column(err, c->name);
    return err_hint(err, "%s", hint);
}

static cdlt_status no_type(const char *engine, const schema_table *t, const schema_column *c,
                           cdlt_error *err)
{
    return err_set(err, CDLT_SCHEMA,
                   "%s: column '%s' of table '%s' has no data type; only complete columns can "
                   "be created",
                   engine, c->name, t->name);
}

static cdlt_status duckdb_type(const schema_table *t, const schema_column *c, buf *out,
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
        return no_type("duckdb", t, c, err);
    }
    return type_error("duckdb", "DuckDB",
                      "use bigint precision <= 128, timestamp precision 0/3/6/9 (with timezone "
                      "false) or decimal precision 1..38",
                      t, c, err);
}

static cdlt_status postgres_type(const schema_table *t, const schema_column *c, buf *out,
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
        return no_type("postgres", t, c, err);
    }
    return type_error("postgres", "PostgreSQL",
                      "use bigint precision <= 64, timestamp/time precision 0..6, or decimal "
                      "precision 1..1000 with scale <= precision",
                      t, c, err);
}

const sqlgen_dialect sqlgen_duckdb = {
    .name = "duckdb",
    .product = "DuckDB",
    .has_merge_into = true,
    .has_truncate = false, /* dlt: supports_truncate_command = False */
    .drop_cascade = false,
    .alter_add_multi = false, /* DuckDB adds one column per ALTER TABLE */
    .max_ident = 0,
    .column_type = duckdb_type,
};

const sqlgen_dialect sqlgen_postgres = {
    .name = "postgres",
    .product = "PostgreSQL",
    .has_merge_into = true, /* MERGE INTO from PostgreSQL 15 (dlt's upsert there too) */
    .has_truncate = true,   /* transactional in PostgreSQL */
    .drop_cascade = true,   /* views or constraints on a table must not block a refresh */
    .alter_add_multi = true, /* dlt's alter_add_multi_column */
    .max_ident = 63,        /* NAMEDATALEN - 1 bytes */
    .column_type = postgres_type,
};

void sqlgen_string(buf *b, const char *s, size_t n)
{
    /* standard SQL: only the quote doubles (PostgreSQL has standard_conforming_strings on
     * since 9.1, SQLite and DuckDB always); E'' forms are never written */
    buf_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            buf_putc(b, '\'');
        buf_putc(b, s[i]);
    }
    buf_putc(b, '\'');
}

void sqlgen_ident(const sqlgen_dialect *dl, buf *b, const char *ident)
{
    (void)dl; /* duckdb and postgres both quote with "" and double embedded quotes */
    buf_putc(b, '"');
    for (const char *p = ident; *p; p++) {
        if (*p == '"')
            buf_putc(b, '"');
        buf_putc(b, *p);
    }
    buf_putc(b, '"');
}

void sqlgen_qualified(const sqlgen_dialect *dl, buf *b, const char *dataset, const char *table)
{
    sqlgen_ident(dl, b, dataset);
    buf_putc(b, '.');
    sqlgen_ident(dl, b, table);
}

cdlt_status sqlgen_column_type(const sqlgen_dialect *dl, const schema_table *t,
                               const schema_column *c, buf *out, cdlt_error *err)
{
    return dl->column_type(t, c, out, err);
}
