/* sqlgen.h: SQL text generated from the schema, once per SQL dialect (duckdb, postgres), for
 * destinations to execute: dlt's type mapping and DDL (dialect.c, ddl.c) and the merge
 * follow-up statements of dlt's merge strategies (delete-insert, upsert, insert-only, scd2;
 * spec core.md §5.3-§5.4, merge.c). A destination keeps only execution: it runs these texts
 * and binds values. Owner: src/sqlgen. Depends on schema and core only; knows no
 * destination. */
#ifndef CDLT_SQLGEN_H
#define CDLT_SQLGEN_H

#include "schema/schema.h"

typedef struct sqlgen_dialect {
    const char *name;      /* "duckdb": the prefix of messages */
    const char *product;   /* "DuckDB": the engine in messages */
    bool has_merge_into;   /* MERGE INTO (upsert, insert-only) */
    bool has_truncate;     /* TRUNCATE TABLE (else DELETE FROM ... WHERE 1=1) */
    bool drop_cascade;     /* DROP TABLE ... CASCADE */
    bool alter_add_multi;  /* one ALTER TABLE may add several columns */
    uint32_t max_ident;    /* identifier limit in bytes; 0 = none */
    /* dlt's type of a complete column (e.g. "numeric(38,9)"); err names table and column */
    cdlt_status (*column_type)(const schema_table *t, const schema_column *c, buf *out,
                               cdlt_error *err);
} sqlgen_dialect;

extern const sqlgen_dialect sqlgen_duckdb;
extern const sqlgen_dialect sqlgen_postgres;

/* Where the final and the staging tables live (schema/dataset names, unquoted). */
typedef struct sqlgen_target {
    const char *dataset;  /* final dataset */
    const char *staging;  /* staging dataset */
    const char *tag;      /* unique suffix for temporary table names (e.g. the load id) */
} sqlgen_target;

/* Append "ident" quoted for the dialect. */
void sqlgen_ident(const sqlgen_dialect *dl, buf *b, const char *ident);
/* Append "dataset"."table". */
void sqlgen_qualified(const sqlgen_dialect *dl, buf *b, const char *dataset, const char *table);

/* ---- types and DDL (dialect.c, ddl.c); texts appended to out ---- */
cdlt_status sqlgen_column_type(const sqlgen_dialect *dl, const schema_table *t,
                               const schema_column *c, buf *out, cdlt_error *err);
/* `"name" <type> [UNIQUE] [NOT NULL]` as dlt writes it (UNIQUE only with create_indexes). */
cdlt_status sqlgen_column_def(const sqlgen_dialect *dl, const schema_table *t,
                              const schema_column *c, bool create_indexes, bool with_not_null,
                              buf *out, cdlt_error *err);
/* CREATE TABLE "dataset"."t" (<complete columns in schema order>). */
cdlt_status sqlgen_create_table(const sqlgen_dialect *dl, const char *dataset,
                                const schema_table *t, bool create_indexes, buf *out,
                                cdlt_error *err);
/* The UNIQUE clauses sqlgen_create_table(create_indexes = true) puts inline, as one
 * "ALTER TABLE .. ADD UNIQUE (c1), ADD UNIQUE (c2)" (column order); *out_any = false and
 * nothing appended when t has no complete unique column. Lets a destination create a new
 * table without them and add them after its bulk load (same constraints, same names). */
cdlt_status sqlgen_add_unique(const sqlgen_dialect *dl, const char *dataset,
                              const schema_table *t, buf *out, bool *out_any);
/* One ALTER TABLE adding cols (without NOT NULL or UNIQUE); n > 1 only where
 * dl->alter_add_multi. */
cdlt_status sqlgen_add_columns(const sqlgen_dialect *dl, const char *dataset,
                               const schema_table *t, const schema_column *const *cols, size_t n,
                               buf *out, cdlt_error *err);
/* CREATE SCHEMA IF NOT EXISTS "dataset" (a dataset is a schema in both engines). */
cdlt_status sqlgen_create_dataset(const sqlgen_dialect *dl, const char *dataset, buf *out);
/* t's name and its complete columns' names within dl->max_ident (an error naming the table
 * otherwise: the schema was normalized without the limit). */
cdlt_status sqlgen_check_idents(const sqlgen_dialect *dl, const schema_table *t,
                                cdlt_error *err);

/* ---- table maintenance and staging (staging.c); texts appended to out ---- */
/* The complete columns of t quoted, ", " separated, each after `prefix` when given; false
 * when t has none (nothing was ever created for it). */
bool sqlgen_column_list(const sqlgen_dialect *dl, const schema_table *t, const char *prefix,
                        buf *out);
/* Empty a table: TRUNCATE TABLE, or DELETE FROM ... WHERE 1=1 without dl->has_truncate. */
cdlt_status sqlgen_truncate(const sqlgen_dialect *dl, const char *dataset, const char *table,
                            buf *out);
/* DROP TABLE IF EXISTS (CASCADE where dl->drop_cascade). */
cdlt_status sqlgen_drop_table(const sqlgen_dialect *dl, const char *dataset, const char *table,
                              buf *out);
/* insert-from-staging: INSERT INTO final(cols) SELECT cols FROM staging (complete columns);
 * *out_any = false (and nothing appended) when t has no complete column. */
cdlt_status sqlgen_copy_from_staging(const sqlgen_dialect *dl, const sqlgen_target *tg,
                                     const schema_table *t, buf *out, bool *out_any);
/* staging-optimized (postgres): drop the final table, move the staging table into the final
 * dataset, leave an empty copy (LIKE ... INCLUDING ALL) in staging; three statements. */
cdlt_status sqlgen_swap_from_staging(const sqlgen_dialect *dl, const sqlgen_target *tg,
                                     const char *table, strv *out);
/* The removal of load_id's rows from tables[i], whose parent chain is given by parents
 * (NULL/"" = root; each parent listed in tables): the root by _dlt_load_id, a nested table
 * through its parents' _dlt_id. Run the deepest tables first (sqlgen_chain_depth). load_id
 * must be a load id (digits and dots): CDLT_INVALID_ARG otherwise. */
bool sqlgen_is_load_id(const char *load_id);
int sqlgen_chain_depth(const char *const *tables, const char *const *parents, size_t n,
                       size_t i); /* 0 = root, -1 = a parent is not listed */
cdlt_status sqlgen_delete_load(const sqlgen_dialect *dl, const char *dataset,
                               const char *load_id, const char *const *tables,
                               const char *const *parents, size_t n, size_t i, buf *out);

/* ---- dlt's system tables (system.c) ---- */
typedef enum sqlgen_sys {
    SQLGEN_VERSION_EXISTS,     /* $1 version_hash -> a row when stored */
    SQLGEN_VERSION_INSERT,     /* $1 version $2 engine_version $3 inserted_at $4 schema_name
                                  $5 version_hash $6 schema */
    SQLGEN_VERSION_LATEST,     /* -> "schema" of the newest row */
    SQLGEN_VERSION_LATEST_OF,  /* $1 schema_name -> "schema" of its newest row */
    SQLGEN_VERSION_DELETE,     /* $1 schema_name */
    SQLGEN_LOAD_INSERT,        /* $1 load_id $2 schema_name $3 inserted_at $4 version hash */
    SQLGEN_LOAD_EXISTS,        /* $1 load_id -> a row when completed */
    SQLGEN_STATE_RESTORE,      /* $1 pipeline_name -> version, engine_version, pipeline_name,
                                  state, created_at, _dlt_load_id (dlt's restore query) */
    SQLGEN_STATE_NEWEST_LOAD,  /* $1 pipeline_name -> max load id with its state */
    SQLGEN_ROW_COUNT,          /* count(*) of `table` */
} sqlgen_sys;
/* The statement `what` on dataset's system tables (table: only for SQLGEN_ROW_COUNT). */
cdlt_status sqlgen_system_sql(const sqlgen_dialect *dl, const char *dataset, sqlgen_sys what,
                              const char *table, buf *out);
/* The datasets of a database/file that hold both tables the state restore joins. */
const char *sqlgen_state_datasets_sql(const sqlgen_dialect *dl);

/* Check root's merge hints before anything loads (core.md §5.6); err names the resource,
 * table and column. */
cdlt_status sqlgen_merge_validate(const schema *s, const schema_table *root, cdlt_error *err);

/* The statements that merge the staged chain of `root` (its nested tables that have seen
 * data included) into the final tables, by root->strategy; appended to out, one statement per
 * entry. Run them in order, in the package's transaction. */
cdlt_status sqlgen_merge(const sqlgen_dialect *dl, const sqlgen_target *tg, const schema *s,
                         const schema_table *root, strv *out, cdlt_error *err);

#endif /* CDLT_SQLGEN_H */
