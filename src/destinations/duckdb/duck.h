/* duck.h: internals of the DuckDB destination shared by its files: the session struct, SQL
 * helpers (quoting, exec with error context), the load-file format written by writer.c and
 * read by loader.c, and the type mapping of ddl.c. Not visible outside src/destinations. */
#ifndef CDLT_DUCK_H
#define CDLT_DUCK_H

#include "destinations/destination.h"

#include <duckdb.h>

/* The function table (vtable.c). */
extern const dest_vtable duck_vtable;

/* An open DuckDB session: one database handle, one connection, one dataset (DuckDB schema). */
struct destination {
    duckdb_database db;   /* owns the file */
    duckdb_connection con;/* all statements run here */
    char *dataset;        /* DuckDB schema name (mem_strdup) */
    char *qdataset;       /* dataset quoted as "..." for SQL (mem_strdup) */
    char *path_label;     /* file name only, for messages (the path may be a secret) */
    bool in_tx;           /* BEGIN issued, neither COMMIT nor ROLLBACK yet */
    bool create_indexes;  /* destination.duckdb.create_indexes: emit UNIQUE in DDL */
    struct loader *cur_load; /* load_file in progress: what cdlt_load_scan() binds to */
    uint32_t load_threads;   /* destination.duckdb.load_threads (default 1): most DuckDB threads */
    uint32_t threads;        /* DuckDB's `threads` setting now (set_threads; 0 = not yet) */
    const char *compression_sql; /* destination.duckdb.compression as a SET (NULL = DuckDB's) */
    uint32_t memory_limit_mb;/* destination.duckdb.memory_limit_mb; 0 = DuckDB's default */
    uint32_t cur_limit_mb;   /* memory_limit currently set in DuckDB (0 = not yet) */
    char *staging;           /* staging dataset name ("<dataset>_staging"; mem_strdup) */
    char *qstaging;          /* staging quoted for SQL (mem_strdup) */
};

/* ---- load-file format ("cdltduck", see docs/duckdb.md) ----
 * header: magic "CDLTDUK2", u32 ncols, per column {u8 dtype, u8 flags, u16 0, u32 name_len,
 *         name bytes}; blocks: 'B', u32 rows (1..DUCK_BLOCK_ROWS), u32 bytes, then the rows:
 *         'R', null bitmap (ceil(ncols/8) bytes, bit set = NULL), values of non-NULL columns
 *         (bigint/double/timestamp/time: 8 bytes LE; date: 4; bool: 1;
 *         text/binary/decimal/wei/json: u32 length + bytes); trailer: 'E', u64 rows, "CDLTEND1".
 * Self-describing (a later process maps columns by name), a truncated file is detected, and
 * blocks let several threads decode one file (a block = one DuckDB data chunk). */
#define DUCK_FILE_MAGIC "CDLTDUK2"
#define DUCK_BLOCK_ROWS 2048          /* = DuckDB's STANDARD_VECTOR_SIZE */
#define DUCK_BLOCK_BYTES (1u << 20)   /* a block is closed early past this many bytes */
#define DUCK_FILE_END "CDLTEND1"
#define DUCK_FILE_EXT "cdltduck"
#define DUCK_COLF_NAIVE 0x01 /* timestamp/time column without time zone */

/* ---- SQL helpers (conn.c) ---- */
/* Append "ident" with embedded quotes doubled. */
cdlt_status duck_quote_ident(buf *b, const char *ident);
/* Run one statement; on failure err names `what` (e.g. "creating table 'x'") and the SQL. */
cdlt_status duck_exec(destination *d, const char *sql, const char *what, cdlt_error *err);
/* Fill err from a failed DuckDB call: what failed, DuckDB's message, the SQL, a hint. */
cdlt_status duck_fail(cdlt_error *err, const char *what, const char *dberr, const char *sql);
/* Whether DuckDB's message says it ran out of memory; the hint naming memory_limit_mb. */
bool duck_is_oom(const char *dberr);
cdlt_status duck_oom_hint(cdlt_error *err);
/* Does "dataset"."table" exist? */
cdlt_status duck_table_exists(destination *d, const char *table, bool *out, cdlt_error *err);
/* Run a catalog query with $1 = the session's dataset and $2 = table. On CDLT_OK *res holds
 * the result (the caller destroys it); on error the message says `what` and names the table. */
cdlt_status duck_query_table_info(destination *d, const char *sql, const char *table,
                                  const char *what, duckdb_result *res, cdlt_error *err);
/* "dataset"."table" into b. */
cdlt_status duck_qualified(const destination *d, buf *b, const char *table);

/* ---- types and DDL (ddl.c) ---- */
/* DuckDB type text for a column ("BIGINT", "DECIMAL(38,9)", ...); CDLT_SCHEMA when a
 * precision cannot be mapped (err names table and column). */
cdlt_status duck_column_type(const schema_table *t, const schema_column *c, buf *out,
                             cdlt_error *err);
/* CREATE TABLE statement for the complete columns of t. */
cdlt_status duck_create_table_sql(const destination *d, const schema_table *t, buf *out,
                                  cdlt_error *err);
cdlt_status duck_migrate(destination *d, const schema *s, cdlt_error *err);
/* Create or alter one table (its complete columns) and the dataset; no _dlt_version row. */
cdlt_status duck_migrate_table(destination *d, const schema_table *t, cdlt_error *err);

/* ---- shared SQL-destination steps (sqlops.c, src/destinations/sqldest) ---- */
cdlt_status duck_truncate_table(destination *d, const char *table, cdlt_error *err);
cdlt_status duck_drop_tables(destination *d, const char *const *tables, size_t n,
                             const char *schema_name, cdlt_error *err);

/* ---- system tables (system.c) ---- */
cdlt_status duck_complete_load(destination *d, const schema *s, const char *load_id,
                               cdlt_error *err);
cdlt_status duck_is_load_completed(destination *d, const char *load_id, bool *out,
                                   cdlt_error *err);
cdlt_status duck_get_stored_state(destination *d, const char *pipeline_name, buf *out_state,
                                  int64_t *out_version, bool *out_found, cdlt_error *err);
/* Datasets holding a completed state row of pipeline_name, newest first (dest vtable). */
cdlt_status duck_find_state_datasets(destination *d, const char *pipeline_name, strv *out,
                                     cdlt_error *err);
cdlt_status duck_get_stored_schema(destination *d, const char *schema_name, buf *out_json,
                                   bool *out_found, cdlt_error *err);
cdlt_status duck_table_row_count(destination *d, const char *table, int64_t *out,
                                 cdlt_error *err);
/* Insert the _dlt_version row for s unless one with its hash exists. */
cdlt_status duck_store_schema(destination *d, const schema *s, cdlt_error *err);
/* Current time as DuckDB timestamp (microseconds since epoch, UTC). */
int64_t duck_now_us(void);

/* ---- connection (conn.c) ---- */
cdlt_status duck_open(const dest_config *cfg, destination **out, cdlt_error *err);
void duck_close(destination *d);
cdlt_status duck_begin(destination *d, cdlt_error *err);
cdlt_status duck_commit(destination *d, cdlt_error *err);
cdlt_status duck_rollback(destination *d, cdlt_error *err);
cdlt_status duck_set_threads(destination *d, uint32_t n, cdlt_error *err);
/* SET memory_limit (MiB) unless it is already that. */
cdlt_status duck_set_memory_limit(destination *d, uint32_t mb, cdlt_error *err);

/* ---- staging dataset (sqlops.c) ---- */
cdlt_status duck_migrate_staging(destination *d, const schema *s, const char *const *tables,
                                 size_t n, cdlt_error *err);
cdlt_status duck_truncate_staging(destination *d, const char *table, cdlt_error *err);
cdlt_status duck_load_file_staging(destination *d, const schema *s, const schema_table *t,
                                   const char *path, cdlt_error *err);
cdlt_status duck_replace_from_staging(destination *d, const schema *s,
                                      const char *const *tables, size_t n, cdlt_error *err);
cdlt_status duck_drop_staging_tables(destination *d, const char *const *tables, size_t n,
                                     cdlt_error *err);

/* ---- packages in several transactions (sqlops.c, partial.c) ---- */
cdlt_status duck_delete_load(destination *d, const char *load_id, const char *const *tables,
                             const char *const *parents, size_t n, cdlt_error *err);
void duck_trim_memory(destination *d);
/* merge (sqlops.c) */
cdlt_status duck_merge_from_staging(destination *d, const schema *s, const char *const *roots,
                                    size_t n, const char *tag, cdlt_error *err);

/* ---- writer (writer.c) and loader (loader.c) ---- */
cdlt_status duck_writer_open(const schema_table *t, const char *path,
                             const dest_writer_opts *o, dest_writer **out, cdlt_error *err);
cdlt_status duck_writer_row(dest_writer *w, const tval *vals, uint32_t ncols);
uint64_t duck_writer_bytes(const dest_writer *w);
cdlt_status duck_writer_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err);
void duck_writer_abort(dest_writer *w);
const char *duck_writer_last_error(const dest_writer *w);
cdlt_status duck_load_file(destination *d, const schema *s, const schema_table *t,
                           const char *path, cdlt_error *err);
cdlt_status duck_load_files(destination *d, const schema *s, const schema_table *t,
                            const char *const *paths, size_t n, cdlt_error *err);
/* Parquet load files (parquet_load.c): *.parquet paths go through DuckDB's read_parquet. */
bool duck_is_parquet_path(const char *path);
cdlt_status duck_load_parquet(destination *d, const schema_table *t, const char *const *paths,
                              size_t n, cdlt_error *err);
/* Register the table function cdlt_load_scan() (used by duck_load_file) on d->con. */
cdlt_status duck_register_scan(destination *d, cdlt_error *err);

#endif /* CDLT_DUCK_H */
