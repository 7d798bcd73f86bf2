/* pg.h: internals of the PostgreSQL destination shared by its files: the session struct, SQL
 * helpers (quoting, exec with error context), the load-file format written by writer.c and
 * streamed by loader.c, and the type mapping of ddl.c. Not visible outside src/destinations. */
#ifndef CDLT_PG_H
#define CDLT_PG_H

#include "destinations/destination.h"
#include "destinations/sqldest/sqldest.h"

#include <libpq-fe.h>

/* The function table (vtable.c). */
extern const dest_vtable pg_vtable;

/* PostgreSQL's identifier limit (NAMEDATALEN - 1 bytes), dlt's max_identifier_length. */
#define PG_MAX_IDENT 63
/* destination.postgres.load_threads: default and most (docs/postgres.md "load_threads") */
#define PG_DEFAULT_LOAD_THREADS 1
#define PG_MAX_LOAD_THREADS 32
/* tasks queued per worker before pg_pool_post waits (bounds open load files and memory) */
#define PG_POOL_QUEUE 8

/* An open PostgreSQL session: one connection, one dataset (PostgreSQL schema). */
struct destination {
    PGconn *conn;
    char *dataset;        /* schema name (mem_strdup) */
    char *qdataset;       /* dataset quoted as "..." (mem_strdup) */
    char *staging;        /* staging dataset ("<dataset>_staging") */
    char *qstaging;       /* staging quoted */
    char *label;          /* host:port/database for messages (no user, no password) */
    bool in_tx;           /* BEGIN issued, neither COMMIT nor ROLLBACK yet */
    bool create_indexes;  /* destination.postgres.create_indexes (dlt default true) */
    bool staging_optimized; /* replace_strategy = staging-optimized */
    /* ALTER TABLE .. ADD UNIQUE statements of the tables created in the open transaction,
     * in creation order: their UNIQUE constraints are added after the bulk load (random
     * _dlt_id values make row-by-row b-tree inserts ~3x slower than one index build), before
     * COMMIT (pg_add_deferred_unique) */
    strv deferred_unique;
    strv deferred_tables; /* their table names, for messages */
    /* load_threads (pool.c): > 1 = the tables are loaded over that many worker connections,
     * each in its own transaction; 1 = everything on this one */
    uint32_t load_threads;
    char *conninfo;       /* the credentials, kept for the workers' connections (secret) */
    struct pg_pool *pool; /* the workers, opened on first use; NULL on workers themselves */
    bool dataset_ready;   /* load_threads > 1: the dataset schema is known to exist */
};

/* ---- load-file format (".cdltpg", see docs/postgres.md) ----
 * line 1: "CDLTPG2\t<n>\t<wire>:<name1>\t..." (names in COPY text escaping; wire = the
 * PostgreSQL type whose binary form the column is written in, e.g. int8, numeric, jsonb),
 * then a PostgreSQL binary COPY stream (signature, tuples, trailer), then the end marker
 * "\\.\n" (not sent). The header maps the file's columns to the table by name; a file without
 * the end marker was cut short (crash while normalizing) and is refused. Files of the first
 * version ("CDLTPG1", COPY text rows) still load. */
#define PG_FILE_MAGIC "CDLTPG2"
#define PG_FILE_MAGIC_TEXT "CDLTPG1"
#define PG_FILE_EXT "cdltpg"
#define PG_FILE_END "\\.\n"

/* ---- binary wire forms (wire.c) ---- */
typedef enum pg_wire {
    PG_W_TEXT = 1, PG_W_FLOAT8, PG_W_BOOL, PG_W_INT2, PG_W_INT4, PG_W_INT8, PG_W_TIMESTAMPTZ,
    PG_W_TIMESTAMP, PG_W_DATE, PG_W_TIME, PG_W_BYTEA, PG_W_JSONB, PG_W_NUMERIC
} pg_wire;
/* The wire form of a column as ddl.c types it (bigint precision -> int2/int4/int8, ...). */
pg_wire pg_wire_of(const schema_column *c);
/* Its PostgreSQL type name ("int8"), as pg_type.typname; NULL for an unknown code. */
const char *pg_wire_name(int w);
/* Parse a type name back (0 when unknown). */
pg_wire pg_wire_parse(const char *name, size_t len);
/* Append one field (int32 length + bytes) of v in form w; NULL on success, else why the value
 * cannot be written (e.g. out of range for smallint). scratch: reusable work buffer. */
const char *pg_wire_put(buf *b, pg_wire w, const tval *v, buf *scratch);

static inline void put_u16(buf *b, uint16_t x)
{
    unsigned char c[2] = {(unsigned char)(x >> 8), (unsigned char)x};
    buf_append(b, c, 2);
}
static inline void put_u32(buf *b, uint32_t x)
{
    unsigned char c[4] = {(unsigned char)(x >> 24), (unsigned char)(x >> 16),
                          (unsigned char)(x >> 8), (unsigned char)x};
    buf_append(b, c, 4);
}
static inline void put_u64(buf *b, uint64_t x)
{
    put_u32(b, (uint32_t)(x >> 32));
    put_u32(b, (uint32_t)x);
}

/* ---- SQL helpers (conn.c) ---- */
cdlt_status pg_quote_ident(buf *b, const char *ident);
/* "dataset"."table" into b. */
cdlt_status pg_qualified(const destination *d, buf *b, const char *table);
/* Run one statement (no parameters); err names `what`, PostgreSQL's message and the SQL. */
cdlt_status pg_exec(destination *d, const char *sql, const char *what, cdlt_error *err);
/* Run a statement with text parameters; on CDLT_OK *out holds the result (PQclear it). */
cdlt_status pg_query(destination *d, const char *sql, int nparams, const char *const *params,
                     const char *what, PGresult **out, cdlt_error *err);
/* Fill err from a failed call: what failed, PostgreSQL's message, the SQL, a hint. */
cdlt_status pg_fail(destination *d, cdlt_error *err, const char *what, const PGresult *res,
                    const char *sql);
/* Does "dataset"."table" exist (in d->dataset)? */
cdlt_status pg_table_exists(destination *d, const char *table, bool *out, cdlt_error *err);
/* Current time as an ISO text with +00:00 (inserted_at values). */
void pg_now_text(char *out, size_t n);

/* ---- types and DDL (ddl.c) ---- */
cdlt_status pg_column_type(const schema_table *t, const schema_column *c, buf *out,
                           cdlt_error *err);
cdlt_status pg_create_table_sql(const destination *d, const schema_table *t, buf *out,
                                cdlt_error *err);
cdlt_status pg_migrate(destination *d, const schema *s, cdlt_error *err);
cdlt_status pg_migrate_table(destination *d, const schema_table *t, cdlt_error *err);
cdlt_status pg_create_dataset(destination *d, cdlt_error *err);
/* Run the deferred ADD UNIQUE statements (see destination.deferred_unique) and forget them;
 * a failure (e.g. a duplicate _dlt_id) names the table and PostgreSQL's message. */
cdlt_status pg_add_deferred_unique(destination *d, cdlt_error *err);

/* ---- shared SQL-destination steps (sqlops.c, src/destinations/sqldest) ---- */
extern const sqldest_ops pg_sqldest;
cdlt_status pg_truncate_table(destination *d, const char *table, cdlt_error *err);
cdlt_status pg_drop_tables(destination *d, const char *const *tables, size_t n,
                           const char *schema_name, cdlt_error *err);

/* ---- system tables (system.c) ---- */
cdlt_status pg_complete_load(destination *d, const schema *s, const char *load_id,
                             cdlt_error *err);
cdlt_status pg_is_load_completed(destination *d, const char *load_id, bool *out,
                                 cdlt_error *err);
cdlt_status pg_get_stored_state(destination *d, const char *pipeline_name, buf *out_state,
                                int64_t *out_version, bool *out_found, cdlt_error *err);
cdlt_status pg_find_state_datasets(destination *d, const char *pipeline_name, strv *out,
                                   cdlt_error *err);
cdlt_status pg_get_stored_schema(destination *d, const char *schema_name, buf *out_json,
                                 bool *out_found, cdlt_error *err);
cdlt_status pg_table_row_count(destination *d, const char *table, int64_t *out,
                               cdlt_error *err);
cdlt_status pg_store_schema(destination *d, const schema *s, cdlt_error *err);

/* ---- connection (conn.c) ---- */
/* Connect d (label set) with the credentials and set the session up (time zone, notices). */
cdlt_status pg_connect(destination *d, const char *conninfo, cdlt_error *err);
cdlt_status pg_open(const dest_config *cfg, destination **out, cdlt_error *err);
void pg_close(destination *d);
cdlt_status pg_begin(destination *d, cdlt_error *err);
cdlt_status pg_commit(destination *d, cdlt_error *err);
cdlt_status pg_rollback(destination *d, cdlt_error *err);

/* ---- staging dataset, replace and merge (staging.c) ---- */
cdlt_status pg_migrate_staging(destination *d, const schema *s, const char *const *tables,
                               size_t n, cdlt_error *err);
/* One table of pg_migrate_staging (no _dlt_version), for a load worker. */
cdlt_status pg_migrate_staging_table(destination *d, const schema_table *t, cdlt_error *err);
cdlt_status pg_truncate_staging(destination *d, const char *table, cdlt_error *err);
cdlt_status pg_load_file_staging(destination *d, const schema *s, const schema_table *t,
                                 const char *path, cdlt_error *err);
cdlt_status pg_replace_from_staging(destination *d, const schema *s, const char *const *tables,
                                    size_t n, cdlt_error *err);
/* pg_load_fd into the staging table. */
cdlt_status pg_load_fd_staging(destination *d, const schema_table *t, const char *path, int fd,
                               cdlt_error *err);
cdlt_status pg_drop_staging_tables(destination *d, const char *const *tables, size_t n,
                                   cdlt_error *err);
cdlt_status pg_merge_from_staging(destination *d, const schema *s, const char *const *roots,
                                  size_t n, const char *tag, cdlt_error *err);
cdlt_status pg_delete_load(destination *d, const char *load_id, const char *const *tables,
                           const char *const *parents, size_t n, cdlt_error *err);

/* ---- writer (writer.c) and loader (loader.c) ---- */
cdlt_status pg_writer_open(const schema_table *t, const char *path,
                           const dest_writer_opts *o, dest_writer **out, cdlt_error *err);
cdlt_status pg_writer_row(dest_writer *w, const tval *vals, uint32_t ncols);
uint64_t pg_writer_bytes(const dest_writer *w);
cdlt_status pg_writer_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err);
void pg_writer_abort(dest_writer *w);
const char *pg_writer_last_error(const dest_writer *w);
cdlt_status pg_load_file(destination *d, const schema *s, const schema_table *t,
                         const char *path, cdlt_error *err);
/* open(2) a load file (err names it and the table). */
cdlt_status pg_open_load_file(const schema_table *t, const char *path, int *fd,
                              cdlt_error *err);
/* pg_load_file of an open file (path for messages); closes fd. */
cdlt_status pg_load_fd(destination *d, const schema_table *t, const char *path, int fd,
                       cdlt_error *err);

/* ---- load_threads > 1 (pool.c) ---- */
typedef enum pg_task_kind {
    PG_T_MIGRATE, PG_T_MIGRATE_STAGING, PG_T_TRUNCATE, PG_T_TRUNCATE_STAGING, PG_T_LOAD,
    PG_T_LOAD_STAGING, PG_T_DROP, PG_T_DROP_STAGING
} pg_task_kind;
/* Does work on `table` go to a worker connection (load_threads > 1, not _dlt_version or
 * _dlt_loads, which stay on the main connection)? */
bool pg_pool_routes(const destination *d, const char *table);
/* Queue a task for the worker that owns the table (t, or the name `table` when t is NULL);
 * returns at once unless that worker has PG_POOL_QUEUE tasks waiting. fd: the open load file
 * of a load task (-1 otherwise), owned by the task (closed on every path). A failure of an earlier task of any worker is returned here. */
cdlt_status pg_pool_post(destination *d, pg_task_kind kind, const schema_table *t,
                         const char *table, const char *path, int fd, cdlt_error *err);
/* Wait for every worker's queue; all succeeded: commit the workers' transactions in index
 * order. Else the first failure (nothing committed). */
cdlt_status pg_pool_commit(destination *d, cdlt_error *err);
/* Drop the queued tasks, stop a running COPY, roll every worker back. */
void pg_pool_rollback(destination *d);
void pg_pool_free(destination *d);

#endif /* CDLT_PG_H */
