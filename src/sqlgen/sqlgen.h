/* sqlgen.h: SQL text generated from the schema, once per SQL dialect (duckdb today, postgres
 * next), for destinations to execute: the merge follow-up statements of dlt's merge
 * strategies (delete-insert, upsert, insert-only; spec core.md §5.3-§5.4).
 * Owner: src/sqlgen. Depends on schema and core only; knows no destination. */
#ifndef CDLT_SQLGEN_H
#define CDLT_SQLGEN_H

#include "schema/schema.h"

typedef struct sqlgen_dialect {
    const char *name;     /* "duckdb" */
    bool has_merge_into;  /* MERGE INTO (upsert, insert-only) */
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

/* Check root's merge hints before anything loads (core.md §5.6); err names the resource,
 * table and column. */
cdlt_status sqlgen_merge_validate(const schema *s, const schema_table *root, cdlt_error *err);

/* The statements that merge the staged chain of `root` (its nested tables that have seen
 * data included) into the final tables, by root->strategy; appended to out, one statement per
 * entry. Run them in order, in the package's transaction. */
cdlt_status sqlgen_merge(const sqlgen_dialect *dl, const sqlgen_target *tg, const schema *s,
                         const schema_table *root, strv *out, cdlt_error *err);

#endif /* CDLT_SQLGEN_H */
