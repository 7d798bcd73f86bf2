/* vtable.c: the DuckDB destination's function table, the only symbol the registry needs.
 * Each entry lives in the file named for its job (conn, ddl, writer, loader, system). */
#include "duck.h"

static cdlt_status v_open(const dest_config *cfg, destination **out, cdlt_error *err)
{
    return duck_open(cfg, out, err);
}

/* The native writer stands in for dlt's preferred format here (insert_values): a project
 * that names it runs unchanged, on the faster binary file. */
static const dest_writer_ops native_writer = {
    .format = "insert_values",
    .ext = DUCK_FILE_EXT,
    .open = duck_writer_open,
    .row = duck_writer_row,
    .bytes = duck_writer_bytes,
    .close = duck_writer_close,
    .abort = duck_writer_abort,
    .last_error = duck_writer_last_error,
};

/* dlt's duckdb takes parquet too (loader.c sends *.parquet files to read_parquet) */
static const dest_writer_ops *const FORMATS[] = {&native_writer, &dest_writer_parquet, NULL};

const dest_vtable duck_vtable = {
    .name = "duckdb",
    .formats = FORMATS,
    .open = v_open,
    .close = duck_close,
    .begin = duck_begin,
    .commit = duck_commit,
    .rollback = duck_rollback,
    .migrate = duck_migrate,
    .truncate_table = duck_truncate_table,
    .drop_tables = duck_drop_tables,
    .load_file = duck_load_file,
    .complete_load = duck_complete_load,
    .is_load_completed = duck_is_load_completed,
    .get_stored_state = duck_get_stored_state,
    .get_stored_schema = duck_get_stored_schema,
    .table_row_count = duck_table_row_count,
    .migrate_table = duck_migrate_table,
    .set_threads = duck_set_threads,
    .migrate_staging = duck_migrate_staging,
    .truncate_staging = duck_truncate_staging,
    .load_file_staging = duck_load_file_staging,
    .replace_from_staging = duck_replace_from_staging,
    .drop_staging_tables = duck_drop_staging_tables,
    .load_files = duck_load_files,
    .find_state_datasets = duck_find_state_datasets,
    .delete_load = duck_delete_load,
    .trim_memory = duck_trim_memory,
    .merge_from_staging = duck_merge_from_staging,
};
