/* mysql.h: the MySQL/MariaDB reader of the sql_database source (libmariadb). Connects from a
 * SQLAlchemy-style URL, reflects tables from information_schema with dlt's type mapping (as
 * dlt gets it through SQLAlchemy's MySQL dialect, see docs/sql_mysql.md) and streams query
 * results row by row (mysql_use_result: unbuffered, the whole table is never in memory). */
#ifndef CDLT_SOURCES_SQL_MYSQL_H
#define CDLT_SOURCES_SQL_MYSQL_H

#include "core/core.h"
#include "types/types.h"

typedef struct sqlmy_conn sqlmy_conn;
typedef struct sqlmy_cursor sqlmy_cursor;

/* Reflection levels as dlt names them. */
typedef enum sqlmy_level {
    SQLMY_MINIMAL = 0,       /* name and nullable only */
    SQLMY_FULL = 1,          /* + data_type (decimal precision/scale included) */
    SQLMY_FULL_PRECISION = 2 /* + precision of text/binary/smallint */
} sqlmy_level;

/* One reflected column: the hints dlt would emit for it. */
typedef struct sqlmy_column {
    char *name;
    dtype type;         /* DT_NONE: no data_type hint (minimal, or a type dlt cannot map:
                           YEAR, BIT, spatial, ...; the normalizer infers it from the values) */
    int32_t precision;  /* -1 = none */
    int32_t scale;      /* -1 = none */
    bool nullable;
    bool has_timezone;  /* type is DT_TIMESTAMP: timezone hint present (always false here) */
    bool skip_on_minimal; /* JSON column: at minimal dlt leaves it out of the hints */
    char *sql_type;     /* COLUMN_TYPE as the server reports it, for messages */
} sqlmy_column;

typedef struct sqlmy_table {
    char *name;
    sqlmy_column *cols;
    size_t ncols;
    strv primary_key; /* in key order; empty when the table has none */
} sqlmy_table;

/* Map information_schema.COLUMNS facts to dlt hints (pure; exposed for tests).
 * data_type / column_type: DATA_TYPE and COLUMN_TYPE; char_len: CHARACTER_MAXIMUM_LENGTH
 * (-1 = NULL); num_prec/num_scale: NUMERIC_PRECISION/SCALE (-1 = NULL). */
void sqlmy_map_type(const char *data_type, const char *column_type, int64_t char_len,
                    int64_t num_prec, int64_t num_scale, sqlmy_level level, sqlmy_column *out);

/* Connect. url: mysql[+driver]://user:password@host[:port][/database][?query] or mariadb://...
 * (query keys: charset, unix_socket, connect_timeout, ssl_ca, ssl_cert, ssl_key, ssl_disabled).
 * The password is registered as a secret; errors show the URL masked. */
cdlt_status sqlmy_connect(const char *url, sqlmy_conn **out, cdlt_error *err);
/* The same from parts (a URL another parser split). Strings owned by the struct. */
typedef struct sqlmy_opts {
    char *user, *pw, *host, *db; /* NULL = none ("localhost", no database) */
    unsigned port;               /* 0 = 3306 */
    char *socket, *ssl_ca, *ssl_cert, *ssl_key;
    unsigned connect_timeout;    /* seconds, 0 = 10 */
    bool ssl_disabled;
    bool bad_dates_as_text;      /* pymysql's conversion: a zero or invalid DATE/DATETIME/
                                  * TIMESTAMP ('0000-00-00', month or day 00) comes as its
                                  * text; other drivers give NULL */
} sqlmy_opts;
/* Does the drivername's driver hand invalid dates over as text (pymysql, aiomysql)? */
bool sqlmy_driver_bad_dates_as_text(const char *scheme, size_t n);
/* Is `scheme` (n bytes) a MySQL/MariaDB drivername ("mysql", "mysql+pymysql", "mariadb", ...)? */
bool sqlmy_scheme_ok(const char *scheme, size_t n);
/* One URL query key (pymysql's names, see sqlmy_connect) into o; CDLT_CONFIG for an unknown
 * key or a bad value (message names `shown`, the masked URL). */
cdlt_status sqlmy_opt_set(sqlmy_opts *o, const char *key, size_t klen, const char *val,
                          const char *shown, cdlt_error *err);
void sqlmy_opts_free(sqlmy_opts *o);
cdlt_status sqlmy_connect_opts(const sqlmy_opts *o, const char *shown, sqlmy_conn **out,
                               cdlt_error *err);
void sqlmy_close(sqlmy_conn *c);
/* Database of the URL ("" when none). */
const char *sqlmy_database(const sqlmy_conn *c);

/* Base tables (and views when include_views) of schema (NULL = the URL's database), by name. */
cdlt_status sqlmy_list_tables(sqlmy_conn *c, const char *schema, bool include_views, strv *out,
                              cdlt_error *err);
/* Reflect one table (exact, case-sensitive name). CDLT_NOT_FOUND when it does not exist. */
cdlt_status sqlmy_reflect(sqlmy_conn *c, const char *schema, const char *table,
                          sqlmy_level level, sqlmy_table **out, cdlt_error *err);
void sqlmy_table_free(sqlmy_table *t);
/* Foreign keys of `table` whose referenced table is in the same database, appended to out as
 * triples (referenced table, column, referenced column), by constraint name then key order. */
cdlt_status sqlmy_foreign_keys(sqlmy_conn *c, const char *schema, const char *table, strv *out,
                               cdlt_error *err);

/* `name` quoted as a MySQL identifier (backticks, inner backticks doubled), appended. */
cdlt_status sqlmy_quote_ident(buf *out, const char *name);
/* s[0..n) as a quoted MySQL string literal, appended (backslash escapes: connections of this
 * reader switch NO_BACKSLASH_ESCAPES off, so this is safe whatever the server's sql_mode). */
cdlt_status sqlmy_quote_string(buf *out, const char *s, size_t n);
/* A value as a MySQL literal, appended (for incremental WHERE clauses): NULL, integers and
 * doubles as numbers, bool as 1/0, decimal as its text, text/binary/json escaped in quotes
 * (binary as X'..'), date 'YYYY-MM-DD', timestamp 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC
 * (MySQL literals take no zone; the session zone is UTC), time 'HH:MM:SS[.ffffff]'. */
cdlt_status sqlmy_literal(sqlmy_conn *c, const tval *v, buf *out);
/* SELECT `c1`, ... FROM `schema`.`table` (schema NULL = the URL's database) into out. */
cdlt_status sqlmy_select_sql(const sqlmy_conn *c, const char *schema, const sqlmy_table *t,
                             buf *out);

/* Run a query and stream its rows. hints (may be NULL) are the reflected columns in result
 * order; they decide how DOUBLE and JSON values are typed (dlt: DOUBLE -> decimal). */
cdlt_status sqlmy_query(sqlmy_conn *c, const char *sql, const sqlmy_column *hints, size_t nhints,
                        sqlmy_cursor **out, cdlt_error *err);
size_t sqlmy_cursor_ncols(const sqlmy_cursor *cur);
const char *sqlmy_cursor_colname(const sqlmy_cursor *cur, size_t i);
/* Next row into row[0..ncols): strings/json live in `a` (or in the driver's row buffer until
 * the next call). *eof at the end. Errors name the table and column. */
cdlt_status sqlmy_next(sqlmy_cursor *cur, arena *a, tval *row, bool *eof, cdlt_error *err);
/* Stops the query (the rest of the result is discarded) and frees the cursor. */
void sqlmy_cursor_close(sqlmy_cursor *cur);
/* For error messages: which table the cursor reads (may be set by the caller). */
void sqlmy_cursor_set_table(sqlmy_cursor *cur, const char *table);

#endif /* CDLT_SOURCES_SQL_MYSQL_H */
