/* vtable.c: the PostgreSQL destination's function table, the only symbol the registry needs.
 * Each entry lives in the file named for its job (conn, ddl, writer, loader, system, staging). */
#include "pg.h"

/* The native writer stands in for dlt's preferred format here (insert_values): a project
 * that names it runs unchanged, on the faster binary file. */
static const dest_writer_ops native_writer = {
    .format = "insert_values",
    .ext = PG_FILE_EXT,
    .open = pg_writer_open,
    .row = pg_writer_row,
    .bytes = pg_writer_bytes,
    .close = pg_writer_close,
    .abort = pg_writer_abort,
    .last_error = pg_writer_last_error,
};

/* load_threads > 1: the workers commit before the main connection (pool.c) */
static bool commits_in_parts(const destination *d)
{
    return d->load_threads > 1;
}

static const dest_writer_ops *const FORMATS[] = {&native_writer, NULL};

const dest_vtable pg_vtable = {
    .name = "postgres",
    .formats = FORMATS,
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .migrate = pg_migrate,
    .truncate_table = pg_truncate_table,
    .drop_tables = pg_drop_tables,
    .load_file = pg_load_file,
    .complete_load = pg_complete_load,
    .is_load_completed = pg_is_load_completed,
    .get_stored_state = pg_get_stored_state,
    .get_stored_schema = pg_get_stored_schema,
    .table_row_count = pg_table_row_count,
    .migrate_table = pg_migrate_table,
    .migrate_staging = pg_migrate_staging,
    .truncate_staging = pg_truncate_staging,
    .load_file_staging = pg_load_file_staging,
    .replace_from_staging = pg_replace_from_staging,
    .drop_staging_tables = pg_drop_staging_tables,
    .find_state_datasets = pg_find_state_datasets,
    .delete_load = pg_delete_load,
    .merge_from_staging = pg_merge_from_staging,
    .max_identifier_length = PG_MAX_IDENT,
    .staging_optimized = true,
    .load_while_extracting = true,
    .commits_in_parts = commits_in_parts,
};
