/* vtable.c: the filesystem destination's function table, the only symbol the registry needs.
 * No staging, no merge (dlt loads merge tables as append on plain filesystem tables, with a
 * warning), no overlapped loading: a package is one commit (conn.c). */
#include "fs.h"

/* dlt's filesystem formats: jsonl preferred; csv, parquet, insert_values also taken by dlt
 * (cdlt: jsonl, csv, parquet; parquet with dlt's generic wei precision (78, 0)) */
static const dest_writer_ops *const FORMATS[] = {&dest_writer_jsonl, &dest_writer_csv,
                                                 &dest_writer_parquet_evm, NULL};

const dest_vtable fs_vtable = {
    .name = "filesystem",
    .formats = FORMATS,
    .open = fs_open,
    .close = fs_close,
    .begin = fs_begin,
    .commit = fs_commit,
    .rollback = fs_rollback,
    .migrate = fs_migrate,
    .truncate_table = fs_truncate_table,
    .drop_tables = fs_drop_tables,
    .load_file = fs_load_file,
    .complete_load = fs_complete_load,
    .is_load_completed = fs_is_load_completed,
    .get_stored_state = fs_get_stored_state,
    .get_stored_schema = fs_get_stored_schema,
    .table_row_count = fs_table_row_count,
    .find_state_datasets = fs_find_state_datasets,
    .merge_as_append = true,
};
