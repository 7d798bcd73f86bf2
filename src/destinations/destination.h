/* destination.h: the function table every destination implements (one folder each under
 * src/destinations/), with the load-file formats it takes (writers/writer.h).
 * The pipeline (src/pipeline, src/storage) only talks to destinations through this table.
 * Owner: src/destinations. Additive changes welcome; tell the pipeline owner. */
#ifndef CDLT_DESTINATION_H
#define CDLT_DESTINATION_H

#include "destinations/writers/writer.h"

typedef struct destination destination; /* an open connection/session; backend-specific */

/* What a destination needs to open: parsed from config (destination.<name>.*) by the pipeline. */
typedef struct dest_config {
    const char *pipeline_name; /* e.g. "github_events" */
    const char *dataset_name;  /* schema/dataset in the destination */
    const char *credentials;   /* duckdb: database file path (default "<pipeline_name>.duckdb");
                                  others: connection string. Secret: never log it. */
    const jv *options;         /* destination.<name> config subtree, JV_OBJECT or NULL */
} dest_config;

typedef struct dest_vtable {
    const char *name; /* "duckdb" */

    /* ---- load-file formats (normalize phase; writers need no connection) ----
     * The writers this destination loads, NULL-terminated, preferred first (dlt's
     * preferred_loader_file_format + supported_loader_file_formats). The user picks one with
     * dlt's loader_file_format; load_file/load_files then get files of that writer and tell
     * the format by the file name's extension (ext, then ".gz" when compressed). */
    const dest_writer_ops *const *formats;

    /* ---- loading (load phase) ---- */
    cdlt_status (*open)(const dest_config *cfg, destination **out, cdlt_error *err);
    void (*close)(destination *d);
    /* Transactions: a package is loaded in one transaction where the backend allows. */
    cdlt_status (*begin)(destination *d, cdlt_error *err);
    cdlt_status (*commit)(destination *d, cdlt_error *err);
    cdlt_status (*rollback)(destination *d, cdlt_error *err);
    /* Create the dataset if missing; create/alter tables so every table of `s` that has seen
     * data (plus the dlt system tables) exists with all complete columns (ALTER TABLE ADD
     * COLUMN for new ones; never drop or change types). Inserts the _dlt_version row when no
     * row with s->version_hash exists. */
    cdlt_status (*migrate)(destination *d, const schema *s, cdlt_error *err);
    /* Remove all rows of a table (replace: truncate-and-insert). */
    cdlt_status (*truncate_table)(destination *d, const char *table, cdlt_error *err);
    /* DROP TABLE IF EXISTS (refresh/drop); also deletes the schema's _dlt_version rows when
     * schema_name is not NULL. */
    cdlt_status (*drop_tables)(destination *d, const char *const *tables, size_t n,
                               const char *schema_name, cdlt_error *err);
    /* Bulk-load one load file written by this destination's writer into table t. s is NULL
     * when the pipeline loads while normalizing (t is then a snapshot: name and columns). */
    cdlt_status (*load_file)(destination *d, const schema *s, const schema_table *t,
                             const char *path, cdlt_error *err);
    /* Write the _dlt_loads row (status 0) for a completed package. */
    cdlt_status (*complete_load)(destination *d, const schema *s, const char *load_id,
                                 cdlt_error *err);
    /* Was this package already completed (a _dlt_loads row exists)? For crash-safe resume. */
    cdlt_status (*is_load_completed)(destination *d, const char *load_id, bool *out,
                                     cdlt_error *err);
    /* Newest completed state row of a pipeline (for sync): the raw `state` column text
     * (base64+zlib) and its version. *out_found = false when none. */
    cdlt_status (*get_stored_state)(destination *d, const char *pipeline_name, buf *out_state,
                                    int64_t *out_version, bool *out_found, cdlt_error *err);
    /* Newest stored schema document by name (NULL = newest of any) from _dlt_version. */
    cdlt_status (*get_stored_schema)(destination *d, const char *schema_name, buf *out_json,
                                     bool *out_found, cdlt_error *err);
    /* Row count of a table (for CLI info and tests); -1 when it does not exist. */
    cdlt_status (*table_row_count)(destination *d, const char *table, int64_t *out,
                                   cdlt_error *err);

    /* ---- additions (keep appending at the end) ---- */
    /* Create the dataset if missing and create/alter ONE table so it has t's complete columns,
     * inside the open transaction (no _dlt_version row; migrate does that at the end). Used by
     * the pipeline to load files while normalize still runs: t is then a private snapshot of
     * the table (name and columns only). NULL = the destination cannot overlap loading. */
    cdlt_status (*migrate_table)(destination *d, const schema_table *t, cdlt_error *err);
    /* Use at most n threads for the following load_file calls; 0 = as many as configured.
     * The pipeline keeps an overlapped load to one thread while normalize holds a core, then
     * gives it all of them for the files left. NULL = the destination has no such knob. */
    cdlt_status (*set_threads)(destination *d, uint32_t n, cdlt_error *err);

    /* ---- staging dataset (replace strategy insert-from-staging; spec core.md §5, §5.2) ----
     * The staging dataset is "<dataset>_staging" (destination.<name>.staging_dataset_name_layout
     * as in dlt, default "%s_staging"). All four run inside the open package transaction, so
     * a failed package leaves neither dataset changed. NULL = the destination has no staging. */
    /* Create the staging dataset if missing and create/alter the listed tables of `s` (their
     * complete columns, like migrate) and _dlt_version there; inserts the _dlt_version row
     * when missing (dlt fills it in staging too; _dlt_loads is never made in staging). */
    cdlt_status (*migrate_staging)(destination *d, const schema *s, const char *const *tables,
                                   size_t n, cdlt_error *err);
    /* Remove all rows of a staging table (missing table: no-op). */
    cdlt_status (*truncate_staging)(destination *d, const char *table, cdlt_error *err);
    /* load_file into the staging table of t (migrate_staging made it). */
    cdlt_status (*load_file_staging)(destination *d, const schema *s, const schema_table *t,
                                     const char *path, cdlt_error *err);
    /* Per listed table (a root and its nested tables that have seen data): remove all rows
     * of the final table, then INSERT INTO it (complete columns of `s`, schema order) SELECT
     * the same columns FROM the staging table. A table without a staging table is only
     * emptied; a table without complete columns is skipped. */
    cdlt_status (*replace_from_staging)(destination *d, const schema *s,
                                        const char *const *tables, size_t n, cdlt_error *err);
    /* DROP TABLE IF EXISTS in the staging dataset (refresh/drop, as dlt drops both); a
     * missing staging dataset is a no-op. */
    cdlt_status (*drop_staging_tables)(destination *d, const char *const *tables, size_t n,
                                       cdlt_error *err);
    /* load_file for several files of table t written with the same columns, in one
     * statement: a backend that inserts in parallel wastes less on fewer, bigger statements.
     * NULL = the pipeline calls load_file per file. */
    cdlt_status (*load_files)(destination *d, const schema *s, const schema_table *t,
                              const char *const *paths, size_t n, cdlt_error *err);
    /* The datasets (any, not only the open one) holding a completed state row of the
     * pipeline, newest load first, appended to *out: how sync finds the dataset of a pipeline
     * whose working dir is gone. Reads only. NULL = the destination cannot list datasets. */
    cdlt_status (*find_state_datasets)(destination *d, const char *pipeline_name, strv *out,
                                       cdlt_error *err);

    /* ---- packages loaded in several transactions (docs/pipeline.md) ---- */
    /* Remove the rows an interrupted load of load_id committed: root tables (parents[i] NULL
     * or "") by _dlt_load_id, nested tables through _dlt_parent_id up their listed parent
     * chain; children first. Tables that do not exist are skipped. Runs in the open
     * transaction. NULL = the destination cannot; the pipeline then keeps a package in one
     * transaction. */
    cdlt_status (*delete_load)(destination *d, const char *load_id, const char *const *tables,
                               const char *const *parents, size_t n, cdlt_error *err);
    /* Between transactions: give back memory held for committed data (caches). NULL = no
     * such need. */
    void (*trim_memory)(destination *d);

    /* ---- merge (spec core.md §5.3-§5.4) ---- */
    /* After every file of the listed merge roots' chains loaded into the staging dataset (via
     * migrate_staging / truncate_staging / load_file_staging): merge each chain into the final
     * tables by the root's strategy (SQL from src/sqlgen), in the open transaction. `tag`
     * makes temporary names unique (the load id). NULL = the destination cannot merge. */
    cdlt_status (*merge_from_staging)(destination *d, const schema *s, const char *const *roots,
                                      size_t n, const char *tag, cdlt_error *err);

    /* ---- capabilities ---- */
    /* Longest table/column name the destination takes (bytes); 0 = no limit. The pipeline
     * gives it to the schema's naming, which shortens longer names as dlt does. */
    uint32_t max_identifier_length;
    /* Offers dlt's replace strategy staging-optimized (the destination reads
     * replace_strategy from its options and swaps the staging table in, in
     * replace_from_staging). */
    bool staging_optimized;
    /* merge tables are loaded as append, with a warning, as dlt's filesystem destination
     * does for plain (not delta/iceberg) tables */
    bool merge_as_append;
    /* A run may start loading a package while it is still extracted (normalize-ahead's load
     * files go straight to the overlapped loader): worth it where the server does the load
     * work in its own processes, so the load overlaps extract instead of following it. */
    bool load_while_extracting;

    /* ---- packages committed on several connections (postgres load_threads) ---- */
    /* true when commit() (and replace/merge_from_staging) commit the open package's work in
     * more than one transaction, so a crash between them leaves part of it committed: the
     * pipeline then records the package's tables (load/partial) before the first of them, as
     * for a chunked package, and the next run removes those rows with delete_load. NULL =
     * never. */
    bool (*commits_in_parts)(const destination *d);
} dest_vtable;

/* Registry: the vtable for a destination name ("duckdb"), or NULL. */
const dest_vtable *dest_find(const char *name);

/* The writer of v for a loader_file_format name; NULL = v does not take it. */
const dest_writer_ops *dest_writer_find(const dest_vtable *v, const char *format);
/* The writer of v for a load file, by its name's extension (".gz" ignored); NULL = none. */
const dest_writer_ops *dest_writer_for_file(const dest_vtable *v, const char *path);
/* "insert_values, parquet": v's formats for messages (out cleared first). */
void dest_format_list(const dest_vtable *v, buf *out);

/* dlt's state/schema encodings (src/destinations/encode.c): base64(zlib level 9(text)) and
 * its inverse (dec accepts plain JSON too, as dlt's readers do). */
cdlt_status dest_compress_b64(const char *text, size_t len, buf *out);
cdlt_status dest_decompress_b64(const char *text, size_t len, buf *out);

#endif /* CDLT_DESTINATION_H */
