/* sql.h: the SQL database source (dlt's sql_database / sql_table, spec sources.md §7).
 * One backend per database family (sqlite.c, postgres.c, mysql.c) fills this function table;
 * the shared part (sql.c) parses credentials, maps reflected columns to dlt types per
 * reflection level, builds the SELECT (incremental WHERE / ORDER BY, the `where` escape hatch)
 * and turns typed row values into items. A backend knows nothing about the pipeline. */
#ifndef CDLT_SQL_H
#define CDLT_SQL_H

#include "core/core.h"
#include "types/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- credentials: dlt's connection string, split (all NULL/0 when absent) ---- */
typedef struct sql_url {
    char *raw;        /* secret: the string as given (backends that parse it themselves) */
    char *drivername; /* "postgresql", "postgresql+psycopg2", "sqlite", "mysql+pymysql", ... */
    char *username;
    char *password;   /* secret: registered for masking by sql_url_parse */
    char *host;
    int port;         /* 0 = the backend's default */
    char *database;   /* sqlite: the file path ("" or ":memory:" = in memory) */
    strv query_keys;  /* ?k=v pairs, decoded, same order as query_vals */
    strv query_vals;
    char *masked;     /* the URL with the password as "***" (for messages) */
} sql_url;

/* What a backend reports for one column, at reflection level "full_with_precision"; the
 * shared part strips hints for the lower levels (decimal precision/scale stay at "full",
 * other precisions only at "full_with_precision", "minimal" keeps name/nullable/primary key). */
typedef struct sql_column {
    char *name;          /* as in the database (mem_strdup) */
    char *db_type;       /* declared type as the database spells it, for messages ("numeric(10,2)") */
    dtype type;          /* dlt type (DT_NONE = a type dlt cannot map: inferred from the data) */
    int32_t precision;   /* -1 = none. decimal: digits; text/binary: length; smallint: 32 */
    int32_t scale;       /* decimal scale, -1 = none */
    bool timezone;       /* DT_TIMESTAMP / DT_TIME: with time zone */
    bool nullable;       /* as reflected */
    bool nested;         /* json/array column: left out of the hints at "minimal" (dlt's
                          * sqlalchemy backend) so it unpacks into nested tables */
    int pk_pos;          /* 1-based position in the primary key, 0 = not part of it */
} sql_column;

/* One column pair of a foreign key whose referenced table is in the table's own schema (dlt's
 * resolve_foreign_keys keeps only those). */
typedef struct sql_fkey {
    char *ref_table;     /* referenced table, as the database names it */
    char *col;           /* column of this table */
    char *ref_col;       /* column of the referenced table */
} sql_fkey;

typedef struct sql_table {
    char *name;          /* as in the database (mem_strdup) */
    sql_column *cols;    /* in ordinal order */
    size_t ncols, cap;
    sql_fkey *fks;       /* foreign key column pairs, constraint by constraint in key order */
    size_t nfks, capfks;
} sql_table;

/* Append a column (strings copied): zeroed, precision/scale -1; NULL on out-of-memory. */
sql_column *sql_table_add(sql_table *t, const char *name, const char *db_type);
void sql_table_clear(sql_table *t); /* frees everything; t is empty again */
/* Append a foreign key column pair (strings copied); CDLT_NOMEM on out-of-memory. */
cdlt_status sql_table_add_fk(sql_table *t, const char *ref_table, const char *col,
                             const char *ref_col);

typedef struct sql_conn sql_conn;     /* a backend's connection */
typedef struct sql_cursor sql_cursor; /* a running query */

typedef struct sql_backend {
    const char *name; /* "sqlite", "postgres", "mysql" */
    /* Does this backend serve a drivername ("postgresql+psycopg2" -> postgres)? */
    bool (*accepts)(const char *drivername);
    /* Connect. Errors name the masked URL (u->masked), never the password, and say what to
     * do (server not running, wrong password, missing file). */
    cdlt_status (*open)(const sql_url *u, sql_conn **out, cdlt_error *err);
    void (*close)(sql_conn *c);
    /* Names of the base tables (and views when include_views) of `schema` (NULL = the
     * connection's default schema), sorted by name, appended to out. */
    cdlt_status (*list_tables)(sql_conn *c, const char *schema, bool include_views, strv *out,
                               cdlt_error *err);
    /* Columns (ordinal order), types, nullability and primary key of one table or view;
     * t->name set. CDLT_NOT_FOUND (message naming schema.table) when it does not exist. */
    cdlt_status (*reflect)(sql_conn *c, const char *schema, const char *table, sql_table *t,
                           cdlt_error *err);
    /* Foreign keys of a reflected table (resolve_foreign_keys) into t->fks: only those whose
     * referenced table is in the same schema, one constraint after the other (by constraint
     * name), columns in key order. A key that cannot be resolved is skipped with a warning. */
    cdlt_status (*foreign_keys)(sql_conn *c, const char *schema, sql_table *t, cdlt_error *err);
    /* Append a quoted identifier / a quoted string literal to b (the buf's sticky error
     * reports failure). */
    void (*quote_ident)(buf *b, const char *ident);
    void (*quote_literal)(buf *b, const char *s, size_t n);
    /* Run a SELECT whose result columns are `cols` (ncols of them, in order; their reflected
     * type tells the backend how to decode). Rows stream: memory stays bounded whatever the
     * table size (server-side cursor / COPY / single-row / unbuffered mode). chunk_size is a
     * hint for how many rows to fetch per round trip. `what` ("schema.table") names the
     * table in errors. */
    cdlt_status (*query)(sql_conn *c, const char *sql, const char *what,
                         const sql_column *cols, size_t ncols, size_t chunk_size,
                         sql_cursor **out, cdlt_error *err);
    /* Next row into row[0..ncols) as typed values (types.h: DT_NONE = NULL; timestamps in µs
     * UTC with TV_NAIVE for columns without time zone; DT_JSON a jv; DT_BINARY raw bytes;
     * DT_DECIMAL exact text). Strings/jv live in `a` (reset by the caller between chunks) or
     * in the driver's buffer until the next call. *eof at the end. Errors name table/column. */
    cdlt_status (*next)(sql_cursor *cur, arena *a, tval *row, bool *eof, cdlt_error *err);
    /* Ends the query (also before its end: the rest is discarded). */
    void (*cursor_close)(sql_cursor *cur);
} sql_backend;

extern const sql_backend sql_backend_sqlite;
extern const sql_backend sql_backend_postgres;
extern const sql_backend sql_backend_mysql;

/* Parse a dlt connection string (scheme://user:pass@host:port/db?k=v; sqlite:///rel/path,
 * sqlite:////abs/path). CDLT_CONFIG naming the masked string on a bad one. */
cdlt_status sql_url_parse(const char *s, sql_url *out, cdlt_error *err);
void sql_url_free(sql_url *u);
/* The backend serving u->drivername; NULL (error set, listing the known ones) if none. */
const sql_backend *sql_backend_for(const sql_url *u, cdlt_error *err);

/* Per-backend type mapping of a declared type (exposed for tests). */
void sql_sqlite_map_type(const char *decl, sql_column *c);
void sql_pg_map_type(const char *typname, char typcategory, int typmod, bool is_array,
                     bool is_enum, sql_column *c);

#endif /* CDLT_SQL_H */
