/* sqldest.h: the execution scaffolding the SQL destinations (duckdb, postgres) share around
 * the SQL text of src/sqlgen: truncating and dropping tables, the staging dataset (pointing
 * the session at it; migrate, truncate, load and drop there; replace from it; merge from it)
 * and removing the rows of an interrupted load. Each backend describes itself once in a
 * sqldest_ops (its dialect, where its session keeps the dataset names, and callbacks that
 * run a statement, bind one parameter, look a table or dataset up, and its own migrate /
 * load steps); the functions here do the rest, so both backends behave the same way.
 * Depends on src/sqlgen and the destination interface only; never on a backend. */
#ifndef CDLT_SQLDEST_H
#define CDLT_SQLDEST_H

#include "destinations/destination.h"
#include "sqlgen/sqlgen.h"

/* Where a session keeps its dataset names (pointers into the backend's session struct). */
typedef struct sqldest_names {
    char **dataset;       /* the dataset the session works in now (swapped for staging) */
    char **qdataset;      /* the same, quoted */
    const char *staging;  /* the staging dataset name */
    const char *qstaging; /* the same, quoted */
} sqldest_names;

typedef struct sqldest_ops {
    const char *name;              /* "duckdb": the prefix of messages */
    const sqlgen_dialect *dialect; /* the SQL text */
    sqldest_names (*names)(destination *d);
    /* Run one statement without parameters; err names `what`, the engine's message and SQL. */
    cdlt_status (*exec)(destination *d, const char *sql, const char *what, cdlt_error *err);
    /* Run a statement whose $1 is the text `param`. */
    cdlt_status (*exec_param)(destination *d, const char *sql, const char *param,
                              const char *what, cdlt_error *err);
    /* Does "<current dataset>"."table" exist? */
    cdlt_status (*table_exists)(destination *d, const char *table, bool *out, cdlt_error *err);
    /* Does the dataset (schema) `name` exist? */
    cdlt_status (*dataset_exists)(destination *d, const char *name, bool *out, cdlt_error *err);
    /* The backend's own steps, run in the staging dataset by the staging functions. */
    cdlt_status (*migrate_table)(destination *d, const schema_table *t, cdlt_error *err);
    cdlt_status (*store_schema)(destination *d, const schema *s, cdlt_error *err);
    cdlt_status (*load_file)(destination *d, const schema *s, const schema_table *t,
                             const char *path, cdlt_error *err);
} sqldest_ops;

/* ---- tables (system.c) ---- */
/* Empty a table of the current dataset; a missing table is a no-op. */
cdlt_status sqldest_truncate_table(const sqldest_ops *o, destination *d, const char *table,
                                   cdlt_error *err);
/* DROP TABLE IF EXISTS each table; with schema_name, also that schema's _dlt_version rows. */
cdlt_status sqldest_drop_tables(const sqldest_ops *o, destination *d, const char *const *tables,
                                size_t n, const char *schema_name, cdlt_error *err);
/* dest_vtable.delete_load: an interrupted load's rows, children first. */
cdlt_status sqldest_delete_load(const sqldest_ops *o, destination *d, const char *load_id,
                                const char *const *tables, const char *const *parents, size_t n,
                                cdlt_error *err);

/* ---- staging dataset (staging.c) ---- */
/* The session's dataset fields while the staging dataset is selected. */
typedef struct sqldest_saved {
    char *dataset;  /* main dataset name */
    char *qdataset; /* main dataset quoted */
} sqldest_saved;
/* Point the session at the staging dataset: every backend helper then works there unchanged.
 * Always undone by sqldest_use_main. */
void sqldest_use_staging(const sqldest_ops *o, destination *d, sqldest_saved *sv);
void sqldest_use_main(const sqldest_ops *o, destination *d, const sqldest_saved *sv);
/* "staging dataset 'x': " before a failure (not NOMEM), so it is not mistaken for the final
 * table; returns st. */
cdlt_status sqldest_staging_fail(const sqldest_ops *o, destination *d, cdlt_status st,
                                 cdlt_error *err);
/* The listed table of s, or an error naming it. */
cdlt_status sqldest_table_of(const sqldest_ops *o, const schema *s, const char *name,
                             const schema_table **out, cdlt_error *err);
/* dest_vtable.migrate_staging: the listed tables, then _dlt_version and its row (as dlt). */
cdlt_status sqldest_migrate_staging(const sqldest_ops *o, destination *d, const schema *s,
                                    const char *const *tables, size_t n, cdlt_error *err);
cdlt_status sqldest_truncate_staging(const sqldest_ops *o, destination *d, const char *table,
                                     cdlt_error *err);
cdlt_status sqldest_load_file_staging(const sqldest_ops *o, destination *d, const schema *s,
                                      const schema_table *t, const char *path, cdlt_error *err);
/* dest_vtable.replace_from_staging; swap: staging-optimized (the staging table replaces the
 * final one where it exists) instead of emptying and copying. */
cdlt_status sqldest_replace_from_staging(const sqldest_ops *o, destination *d, const schema *s,
                                         const char *const *tables, size_t n, bool swap,
                                         cdlt_error *err);
/* dest_vtable.drop_staging_tables (no staging dataset: nothing to do). */
cdlt_status sqldest_drop_staging_tables(const sqldest_ops *o, destination *d,
                                        const char *const *tables, size_t n, cdlt_error *err);
/* dest_vtable.merge_from_staging: each root's chain by its strategy (src/sqlgen). */
cdlt_status sqldest_merge_from_staging(const sqldest_ops *o, destination *d, const schema *s,
                                       const char *const *roots, size_t n, const char *tag,
                                       cdlt_error *err);

#endif /* CDLT_SQLDEST_H */
