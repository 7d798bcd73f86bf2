/* fs.h: the filesystem destination: a dataset as files where dlt 1.26's filesystem
 * destination puts them, under a bucket URL (local folder or S3, through src/objstore):
 *   <bucket>/<dataset>/init                                  storage version marker
 *   <bucket>/<dataset>/<layout>                              data files ({table_name}/{load_id}.{file_id}.{ext})
 *   <bucket>/<dataset>/_dlt_loads/<schema>__<load_id>.jsonl  one per completed package
 *   <bucket>/<dataset>/_dlt_version/<schema>__<time>__<hex hash>.jsonl
 *   <bucket>/<dataset>/_dlt_pipeline_state/<pipeline>__<load_id>__<hex schema hash>.jsonl
 * A package is loaded in one "transaction": local data files are written under hidden temp
 * names and renamed at commit, replaced tables' old files go at commit, and the _dlt_loads
 * file, written last, marks the package complete (on S3, where nothing can be renamed, that
 * file is the only completion mark, as in dlt). Behaviour decisions: docs/filesystem.md.
 * Private to src/destinations/filesystem; depends on objstore, schema, core. */
#ifndef CDLT_DEST_FS_H
#define CDLT_DEST_FS_H

#include "destinations/destination.h"
#include "objstore/objstore.h"

/* dlt's filesystem storage version (init file), FILENAME_SEPARATOR and INIT_FILE_NAME. */
#define FS_STORAGE_VERSION 2
#define FS_SEP "__"
#define FS_INIT "init"
#define FS_DEFAULT_LAYOUT "{table_name}/{load_id}.{file_id}.{ext}"
#define FS_MAX_STATE_FILES 100
/* table_row_count reads the files of tables up to this size only (else -1: unknown) */
#define FS_COUNT_MAX_BYTES (64u << 20)

/* One data file of the open package: where it goes and, locally, its temp name. */
typedef struct fs_pending {
    char *final;  /* path relative to the bucket ("ds/t/1.abc.jsonl") */
    char *tmp;    /* local: absolute temp path renamed to final at commit; NULL on S3 */
} fs_pending;

struct destination {
    os_store *store;        /* the bucket */
    char *bucket_url;       /* as given (messages: masked by objstore) */
    char *dataset;          /* dataset folder name */
    char *pipeline_name;
    char *layout;           /* dlt's layout */
    char *table_prefix;     /* layout up to and including the char after {table_name} */
    jv extra;               /* extra_placeholders (JV_OBJECT of strings) or JV_NULL */
    arena mem;              /* extra and other option copies */
    int64_t current_us;     /* current_datetime, µs since epoch; INT64_MIN = the package's */
    int64_t max_state_files;/* dlt's max_state_files (<= 0: keep all) */
    char *schema_name;      /* schema of the open package (migrate) */
    /* the open package */
    char load_id[64];       /* set by is_load_completed (called first for every package) */
    int64_t pkg_created_us; /* the package's created_at (load_package_state.json) */
    bool pkg_ts_read;       /* ...looked up */
    fs_pending *pend;       /* data files of the package */
    size_t npend, cappend;
    strv doomed;            /* replaced tables' old files (relative), deleted at commit */
    char *state_doc;        /* the _dlt_pipeline_state row to write at commit, or NULL */
    char *state_name;       /* ...its file name (relative) */
    char *state_pipeline;   /* ...its pipeline */
    char *loads_name;       /* _dlt_loads file of the package (relative), written at commit */
    char *loads_doc;        /* ...and its content */
    char msg[256];
};

/* conn.c */
cdlt_status fs_open(const dest_config *cfg, destination **out, cdlt_error *err);
void fs_close(destination *d);
cdlt_status fs_begin(destination *d, cdlt_error *err);
cdlt_status fs_commit(destination *d, cdlt_error *err);
cdlt_status fs_rollback(destination *d, cdlt_error *err);
/* "<dataset>/<rel>" into out (cleared). */
cdlt_status fs_path(const destination *d, buf *out, const char *rel);

/* layout.c */
/* Check a layout as dlt's check_layout + get_table_prefix_layout do; *prefix (mem_alloc'd)
 * is the part up to and including the separator after {table_name}. */
cdlt_status fs_layout_check(const char *layout, const jv *extra, char **prefix,
                            cdlt_error *err);
typedef struct fs_job {
    const char *schema_name, *table, *load_id, *file_id, *ext; /* ext may be "jsonl.gz" */
    int64_t now_us;     /* current_datetime (µs UTC) */
    int64_t package_us; /* load package timestamp (µs UTC); INT64_MIN = unknown */
} fs_job;
/* The file's path relative to the dataset folder (out cleared). */
cdlt_status fs_layout_path(const char *layout, const jv *extra, const fs_job *j, buf *out,
                           cdlt_error *err);
/* The table's prefix relative to the dataset ("t/" for the default layout; "<table>/" for
 * dlt's own tables, which ignore the layout). */
cdlt_status fs_table_prefix(const destination *d, const char *schema_name, const char *table,
                            buf *out);

/* loader.c */
cdlt_status fs_migrate(destination *d, const schema *s, cdlt_error *err);
cdlt_status fs_truncate_table(destination *d, const char *table, cdlt_error *err);
cdlt_status fs_drop_tables(destination *d, const char *const *tables, size_t n,
                           const char *schema_name, cdlt_error *err);
cdlt_status fs_load_file(destination *d, const schema *s, const schema_table *t,
                         const char *path, cdlt_error *err);
cdlt_status fs_complete_load(destination *d, const schema *s, const char *load_id,
                             cdlt_error *err);
cdlt_status fs_is_load_completed(destination *d, const char *load_id, bool *out,
                                 cdlt_error *err);
/* Relative paths of the files under the table's prefix (sorted), appended. */
cdlt_status fs_table_files(destination *d, const char *schema_name, const char *table,
                           strv *out, cdlt_error *err);

/* system.c */
cdlt_status fs_get_stored_state(destination *d, const char *pipeline_name, buf *out_state,
                                int64_t *out_version, bool *out_found, cdlt_error *err);
cdlt_status fs_get_stored_schema(destination *d, const char *schema_name, buf *out_json,
                                 bool *out_found, cdlt_error *err);
cdlt_status fs_table_row_count(destination *d, const char *table, int64_t *out,
                               cdlt_error *err);
cdlt_status fs_find_state_datasets(destination *d, const char *pipeline_name, strv *out,
                                   cdlt_error *err);
/* Files "<a>__<b>__<c>.<ext>" of a dlt folder (_dlt_version, _dlt_pipeline_state) or
 * "<a>__<b>.jsonl" (_dlt_loads, c empty), through fn; a missing folder lists nothing. */
typedef struct fs_sysfile {
    const char *path;          /* relative to the bucket */
    char a[256], b[64], c[160];/* name parts */
} fs_sysfile;
typedef cdlt_status (*fs_sys_fn)(void *ud, const fs_sysfile *f, cdlt_error *err);
cdlt_status fs_list_sys(destination *d, const char *dataset, const char *table, int nparts,
                        fs_sys_fn fn, void *ud, cdlt_error *err);
/* dlt's max_state_files: the pipeline's oldest state files beyond the limit go. */
cdlt_status fs_cleanup_states(destination *d, const char *pipeline_name, cdlt_error *err);
/* hex of a base64 text (dlt's _to_path_safe_string), into out (cleared). */
cdlt_status fs_hash_hex(const char *b64, buf *out);

#endif /* CDLT_DEST_FS_H */
