/* pipeline.h: internal model of the pipeline subsystem: resources and sources as the public
 * API builds them, the pipeline state document, the run report, and the three phases.
 * Only src/pipeline/ files include this; the public surface is include/cdlt.h. */
#ifndef CDLT_PIPELINE_H
#define CDLT_PIPELINE_H

#include "destinations/destination.h"
#include "normalize/normalize.h"
#include "schema/schema.h"
#include "storage/storage.h"

#define PIPE_STATE_ENGINE_VERSION 4
#define PIPE_DEFAULT_FILE_MAX (256ull << 20) /* load-file rotation size */
/* Data per destination transaction (load-file bytes + 8 bytes per cell, the in-memory size
 * of an uncommitted DuckDB row): bounds the destination's memory while loading. */
#define PIPE_DEFAULT_CHUNK_MB 512
/* Smallest input extract copies verbatim: each copy is fsynced on its own (0.3-0.5 ms on the
 * bench VM, more on real disks), which outweighs parsing a file below ~1 MiB (~1 GB/s). */
#define PIPE_VERBATIM_MIN_FILE (1ll << 20)

/* ---- resources (resource.c) ---- */
typedef enum pipe_step_kind { STEP_MAP, STEP_FILTER } pipe_step_kind;
typedef struct pipe_step {
    pipe_step_kind kind;   /* map or filter */
    cdlt_map_fn map;       /* STEP_MAP */
    cdlt_filter_fn filter; /* STEP_FILTER */
    void *ud;              /* user data passed to the callback */
} pipe_step;

typedef struct pipe_col {
    char *name;    /* column name as given (normalized when applied) */
    char *type;    /* dlt type name */
    bool nullable; /* false = NOT NULL */
    uint32_t hints; /* HINT_* set by cdlt_resource_set_column_hint */
    int8_t dedup_sort; /* 0 none, 1 asc, -1 desc */
    int8_t timezone;   /* -1 unset, 0 false, 1 true (timestamp/time columns) */
    int32_t precision; /* -1 unset */
    int32_t scale;     /* -1 unset */
    /* type of the column's values when the column stays incomplete (no `type`): the
     * normalizer creates it with this type once data arrives, in row order, as dlt does for
     * typed Python values (sql_database at reflection_level minimal). DT_NONE = none */
    uint8_t value_type;
} pipe_col;

/* Extension of binary items files in a package's new_jobs (jvb.c). */
#define PIPE_BIN_ITEMS_EXT "jvb"

struct cdlt_resource {
    char *name;                 /* resource name = default table and state key */
    cdlt_resource_fn fn;        /* generator head (NULL for transformers) */
    cdlt_transformer_fn tfn;    /* transformer head (NULL for generators) */
    void *ud;                   /* user data of the head */
    cdlt_resource *parent;      /* transformers: the resource feeding it */
    char *file_glob;            /* file resources: path or glob(3) pattern */
    bool selected;              /* extracted into tables (unselected parents still run) */
    bool binary_items;          /* items files in cdlt's binary form (jvb.c): internal sources
                                 * whose items only cdlt reads back (SQL rows) */
    bool typed_kinds;           /* with binary_items: date/time jv kinds and the decimal /
                                 * binary marks of strings (JV_F_TYPED) reach the normalizer,
                                 * which types new columns by them (read_parquet) */
    char *table_name;           /* static table name hint, NULL = resource name */
    cdlt_table_name_fn table_fn;/* dynamic table name, wins over table_name */
    void *table_ud;             /* user data of table_fn */
    write_disposition wd;       /* WD_UNSET = append or what the schema says */
    merge_strategy strategy;    /* MS_UNSET = the schema's, else delete-insert */
    bool stage_deduplicated;    /* dlt's deduplicated = true (x-stage-data-deduplicated) */
    char *incr_spec;            /* dlt's incremental arguments as JSON, NULL = none */
    bool incr_keep_open;        /* row_order never stops it: dlt's pipe has a parent
                                 * (filesystem | read_csv), which dlt does not close */
    char *scd2_from, *scd2_to;  /* scd2 validity_column_names (NULL = _dlt_valid_from/to) */
    char *scd2_active;          /* active_record_timestamp (NULL = NULL marks active) */
    char *scd2_boundary;        /* boundary_timestamp (NULL = the package's creation) */
    char *scd2_row_version;     /* row_version_column_name (NULL = _dlt_id) */
    char *references;           /* dlt's `references` table hint as a JSON array of
                                 * {referenced_table, referenced_columns, columns} with the
                                 * source's names (normalized at extract), NULL = none */
    char **pk;                  /* primary key columns */
    size_t npk;                 /* entries of pk */
    char **mk;                  /* merge key columns */
    size_t nmk;                 /* entries of mk */
    pipe_col *cols;             /* explicit columns */
    size_t ncols;               /* entries of cols */
    int max_nesting;            /* -1 = unset */
    schema_contract contract;   /* CM_UNSET parts inherit */
    int64_t limit_items;        /* -1 = no limit */
    double limit_seconds;       /* <= 0 = no limit */
    pipe_step *steps;           /* map/filter steps in order */
    size_t nsteps;              /* entries of steps */
    cdlt_source *owner;         /* source it was added to, NULL while free-standing */
    void (*ud_free)(void *ud);  /* frees ud with the resource (internal sources), or NULL */
};

struct cdlt_source {
    char *name;               /* schema name; NULL = pipeline name */
    cdlt_resource **res;      /* owned resources in the order added */
    size_t n;                 /* entries of res */
    size_t cap;               /* allocated entries of res */
};

/* ---- state (state.c): dlt's pipeline state document (core.md §4, §6.2) ---- */
typedef struct pipe_kv {
    char *key;  /* user key */
    char *json; /* value as compact JSON text */
} pipe_kv;
typedef struct pipe_kvs {
    pipe_kv *v;  /* entries in insertion order */
    size_t n;    /* used entries */
    size_t cap;  /* allocated entries */
} pipe_kvs;

struct cdlt_state {
    struct pipe_state *st; /* the state document */
    const char *source;    /* source name */
    const char *resource;  /* resource name; NULL = source-level state */
};

typedef struct pipe_res_state {
    char *name;   /* resource name */
    pipe_kvs kv;  /* user state */
} pipe_res_state;
typedef struct pipe_src_state {
    char *name;            /* source (schema) name */
    pipe_kvs kv;           /* source-level user state */
    pipe_res_state *res;   /* per-resource state */
    size_t nres;           /* used entries of res */
    size_t capres;         /* allocated entries of res */
} pipe_src_state;

typedef struct pipe_state {
    int64_t version;            /* _state_version */
    char *version_hash;         /* _version_hash (NULL before the first save) */
    char *pipeline_name;        /* pipeline_name */
    char *dataset_name;         /* dataset_name */
    char *default_schema_name;  /* default_schema_name (NULL until the first extract) */
    strv schema_names;          /* schema_names */
    char *destination_type;     /* "dlt.destinations.duckdb" */
    char *destination_name;     /* "duckdb" */
    pipe_src_state *src;        /* sources */
    size_t nsrc;                /* used entries of src */
    size_t capsrc;              /* allocated entries of src */
    /* _local (never sent to the destination) */
    bool first_run;             /* _local.first_run */
    bool dev_mode;              /* _local._dev_mode */
    char *initial_cwd;          /* _local.initial_cwd */
    double last_extracted_at;   /* _local._last_extracted_at (unix seconds) */
    char *last_extracted_hash;  /* _local._last_extracted_hash */
    char *location;             /* _local.destination_location: duckdb file (not a secret) */
    bool dirty;                 /* user state changed by callbacks in this extract */
} pipe_state;

void state_free(pipe_state *st);
cdlt_status state_load(const char *path, pipe_state *st, cdlt_error *err);
cdlt_status state_from_json(const char *text, size_t len, pipe_state *st, cdlt_error *err);
/* The document; with_local adds _local. */
cdlt_status state_to_json(const pipe_state *st, bool with_local, bool pretty, buf *out);
cdlt_status state_save(const pipe_state *st, const char *path, cdlt_error *err);
/* base64 SHA3-256 of the canonical document without _local and the version keys. */
cdlt_status state_hash(const pipe_state *st, char out[64]);
/* Recompute the hash; bump version when it changed. *out_changed may be NULL. */
cdlt_status state_bump(pipe_state *st, bool *out_changed);
/* <pipelines_dir> when none is given: $CDLT_PIPELINES_DIR, else ~/.cdlt/pipelines. */
cdlt_status pipe_default_pipelines_dir(buf *out);
pipe_src_state *state_source(pipe_state *st, const char *name, bool create);
pipe_res_state *state_resource(pipe_src_state *s, const char *name, bool create);
void state_kvs_clear(pipe_kvs *k);
cdlt_status state_kvs_set(pipe_kvs *k, const char *key, const char *json);
cdlt_status state_set_str(char **slot, const char *v);
cdlt_status state_add_schema_name(pipe_state *st, const char *name);

/* ---- run report (info.c) ---- */
typedef struct pipe_table_stat {
    char *name;      /* table name (normalized) */
    uint64_t rows;   /* rows normalized into it this run */
    uint64_t items;  /* items extracted into it this run (root tables) */
    uint64_t bytes;  /* load-file bytes written */
} pipe_table_stat;

struct cdlt_load_info {
    cdlt_status status;        /* outcome */
    char *error;               /* message when failed, else NULL */
    char *pipeline_name;       /* pipeline */
    char *dataset_name;        /* dataset */
    char *destination;         /* destination name */
    char *location;            /* destination location (duckdb file), may be NULL */
    double started_at;         /* unix seconds */
    double phase_s[3];         /* seconds per cdlt_phase */
    bool phase_ran[3];         /* phase ran in this run */
    strv packages;             /* load ids loaded in this run */
    pipe_table_stat **tables;  /* per table counters (stable pointers: phases keep them) */
    size_t ntables;            /* entries of tables */
    uint64_t files;            /* load files loaded */
    uint64_t items;            /* items extracted */
    uint64_t input_bytes;      /* bytes read by file resources */
    uint64_t verbatim_files;   /* input files extract copied as they are (fast path) */
    uint64_t overlapped;       /* packages loaded while normalized (their load time is in
                                  normalize's) */
    size_t peak_rss;           /* peak RSS at the end of the run */
    bool pending_only;         /* the run only finished pending packages */
};

cdlt_load_info *info_new(void);
pipe_table_stat *info_table(cdlt_load_info *info, const char *name);
cdlt_status info_add_package(cdlt_load_info *info, const char *load_id);
cdlt_status info_to_json(const cdlt_load_info *info, buf *out);
cdlt_status info_to_text(const cdlt_load_info *info, buf *out);

/* ---- progress (progress.c) ---- */
typedef struct pipe_progress {
    cdlt_progress_mode mode;  /* resolved: NONE, LOG or TTY */
    const char *phase;        /* "extract", "normalize", "load" */
    double t0;                /* phase start (monotonic) */
    double last;              /* last redraw (monotonic) */
    uint64_t total_bytes;     /* known input size, 0 = unknown */
    uint64_t done_bytes;      /* input consumed */
    uint64_t counter;         /* calls since the last clock check */
    int lines;                /* lines drawn by the last TTY redraw */
    cdlt_load_info *info;     /* per-table counters shown */
} pipe_progress;
void progress_start(pipe_progress *pr, const char *phase, uint64_t total_bytes);
/* Cheap: looks at the clock every 4096 calls. */
void progress_tick(pipe_progress *pr, uint64_t done_bytes);
void progress_end(pipe_progress *pr);

/* ---- the pipeline object (pipeline.c) ---- */
typedef struct pipe_ahead pipe_ahead;
struct cdlt_pipeline {
    char *name;               /* pipeline name */
    char *destination;        /* destination name ("duckdb") */
    char *credentials;        /* destination credentials (secret) */
    char *dataset;            /* dataset name (dev_mode suffix applied) */
    bool dataset_given;       /* dataset came from the options, the state or the config (else
                                 the default <name>_dataset: sync may look for the real one) */
    char *pipelines_dir;      /* parent of the working dir */
    char *workdir;            /* <pipelines_dir>/<name> */
    bool dev_mode;            /* dev mode */
    bool no_restore;          /* skip restore from destination */
    uint64_t file_max_bytes;  /* load-file rotation */
    bool overlap_load;        /* run(): load files while normalize runs (option/env resolved) */
    bool overlap_now;         /* set by run() around its normalize phase only */
    bool overlap_extract;     /* run(): normalize items files while extract still runs */
    bool ahead_now;           /* set by run() around its extract phase only */
    bool early_load_now;      /* run(): ahead may start loading while extracting (load.c) */
    uint64_t ahead_file_bytes;/* items file rotation while normalizing ahead */
    uint32_t rotate_sleep_ms; /* test hook CDLT_TEST_EXTRACT_ROTATE_SLEEP_MS */
    pipe_ahead *ahead;        /* normalize-ahead work of the package just extracted, or NULL */
    char *import_schema_path; /* dlt's import_schema_path (NULL = none) */
    char *export_schema_path; /* dlt's export_schema_path (NULL = none) */
    char *naming;             /* [schema] naming for new schemas (NULL = snake_case) */
    uint32_t json_max_depth;  /* [extract] max_depth: JSON nesting limit of inputs (0 = 512) */
    int32_t schema_max_nesting; /* [schema] json_normalizer.config.max_nesting (-1 unset) */
    bool delete_completed_jobs; /* [load] delete_completed_jobs (dlt's, default false) */
    bool truncate_staging;    /* [load] truncate_staging_dataset (dlt's, default false) */
    uint64_t chunk_weight;    /* [load] transaction_max_mb as bytes: a package is cut into
                                 transactions of about this much data (0 = one per package) */
    bool verbatim_files;      /* extract copies plain NDJSON file resources as they are */
    bool verbatim_link;       /* ...by a hard link when it can (opt-in; extract.c link_input) */
    uint64_t verbatim_min_bytes; /* ...those files of at least this size (a copy costs a fsync) */
    const dest_vtable *dv;    /* destination implementation */
    const dest_writer_ops *wops; /* load-file writer chosen (dlt's loader_file_format, else
                                    the destination's preferred one) */
    dest_writer_opts wopts;   /* its settings ([normalize.data_writer] disable_compression) */
    arena opts_mem;           /* owns dest_opts */
    jv dest_opts;             /* destination settings (JV_OBJECT) or JV_NULL */
    bool replace_staging;     /* replace_strategy = insert-from-staging (else truncate-and-insert) */
    pipe_state state;         /* current state (state.json) */
    pipe_progress progress;   /* progress display */
    cdlt_load_info *cur;      /* report of the run in progress (NULL outside runs) */
    int lock_fd;              /* flock'ed <workdir>/.lock while changing things, else -1 */
    bool state_unlocked;      /* state was read without the lock: pipe_lock reads it again */
    bool attached;            /* opened by cdlt_pipeline_attach (keeps the state's dev mode) */
};

/* Take the working dir's exclusive lock (once per object; held until cdlt_pipeline_free): two
 * processes changing the same working dir would corrupt its packages. Every change to the
 * working dir happens under it; before it, only the (missing) working dir itself may be
 * made. CDLT_EXISTS names the holder; the caller must then change nothing. Also completes
 * the folder layout and re-reads a state read without the lock. */
cdlt_status pipe_lock(cdlt_pipeline *p, cdlt_error *err);
/* Lock, remove leftovers of killed runs (pipe_cleanup), count pending packages. */
cdlt_status pipe_lock_clean_pending(cdlt_pipeline *p, size_t *pending, cdlt_error *err);

/* The exact CLI command a user runs for `cmd` on this pipeline ("drop-pending"): "cdlt
 * pipeline NAME cmd", plus --pipelines-dir when it is not the default one (buf cleared). */
cdlt_status pipe_cli_command(const cdlt_pipeline *p, const char *cmd, buf *out);
/* Paths inside the working dir (buf cleared first). */
cdlt_status pipe_path(const cdlt_pipeline *p, buf *out, const char *rel, const char *name);
/* Schema file schemas/<name>.schema.json: load (NOT_FOUND when absent) and save. */
cdlt_status pipe_load_schema(const cdlt_pipeline *p, const char *name, schema **out,
                             cdlt_error *err);
cdlt_status pipe_save_schema_file(const schema *s, const char *path, cdlt_error *err);
/* The same with cdlt's own x-cdlt- keys kept: the extracted package's schema.json, which
 * normalize reads (pipe_save_schema_file leaves them out: dlt's document). */
cdlt_status pipe_save_package_schema_file(const schema *s, const char *path, cdlt_error *err);
/* The destination's naming capability (identifier length limit) on a schema read from JSON,
 * which does not store it (dlt neither: it comes from the destination every time). */
void pipe_schema_caps(const cdlt_pipeline *p, schema *s);
cdlt_status pipe_read_schema_file(const char *path, schema **out, cdlt_error *err);
cdlt_status pipe_save_state(cdlt_pipeline *p, cdlt_error *err);
/* dlt's import_schema_path and [schema] naming applied to the schema extract works with. */
cdlt_status pipe_schema_settings(const cdlt_pipeline *p, schema **io_s, cdlt_error *err);
/* dlt's export_schema_path: <dir>/<name>.schema.yaml after each save (no-op when unset). */
cdlt_status pipe_export_schema(const cdlt_pipeline *p, const schema *s, cdlt_error *err);
cdlt_status pipe_open_destination(cdlt_pipeline *p, destination **out, cdlt_error *err);
/* The newest load id found in any package folder (for strictly increasing ids). */
cdlt_status pipe_newest_load_id(const cdlt_pipeline *p, char out[40], cdlt_error *err);
/* Remove leftovers of killed runs (extract/new, load/new, extracted already normalized). */
cdlt_status pipe_cleanup(cdlt_pipeline *p, cdlt_error *err);

/* ---- verbatim copies (extract.c writes, normalize.c reads): an extracted package whose
 * NDJSON inputs were copied unparsed records the copies' origins, and what the pipeline's
 * state and schema file were before the extract, so a data error found by normalize can
 * discard the package and leave the pipeline as a failed extract would have. ---- */
/* {"files":[{job,resource,source[,linked_bytes,xxh3]}]}: the last two for a hard link */
#define PIPE_VERBATIM_MANIFEST "verbatim_files.json"
#define PIPE_VERBATIM_STATE "verbatim_prev_state.json"   /* state.json before the extract */
#define PIPE_VERBATIM_SCHEMA "verbatim_prev_schema.json" /* absent: there was no schema file */
/* A hard-linked verbatim input (linkcheck.c): its manifest entry has the bytes extract
 * counted (linked_bytes) and their XXH3 (xxh3). verify: before normalize reads the link, the
 * bytes must be unchanged (CDLT_PARSE naming `source` otherwise; a NULL xxh3, a package of an
 * older cdlt, is only logged). recheck: after the read, hash again if the file was touched. */
typedef struct pipe_link_stamp {
    bool checked;     /* verify hashed the file (recheck compares against this stamp) */
    uint64_t ino;     /* inode */
    uint64_t size;    /* size in bytes */
    int64_t mtime_ns; /* modification time */
    int64_t ctime_ns; /* status change time (every write changes it) */
} pipe_link_stamp;
cdlt_status pipe_link_verify(const char *job, const char *source, uint64_t limit,
                             const char *xxh3, pipe_link_stamp *stamp, cdlt_error *err);
cdlt_status pipe_link_recheck(const char *job, const char *source, uint64_t limit,
                              const char *xxh3, const pipe_link_stamp *stamp, cdlt_error *err);
/* Reload state.json into p->state, keeping this open's dataset and location (what a failed
 * extract leaves). A missing or unreadable file keeps p->state. */
void pipe_reload_state(cdlt_pipeline *p);

/* ---- phases ---- */
cdlt_status pipe_extract(cdlt_pipeline *p, cdlt_source *src, cdlt_refresh refresh,
                         cdlt_error *err);                              /* extract.c */
cdlt_status pipe_normalize(cdlt_pipeline *p, cdlt_error *err);         /* normalize.c */

/* ---- packages in several transactions (partial.c) ---- */
#define PIPE_CHUNKS_FILE "load_chunks.txt" /* package file: "<chunk>\t<job file>" lines */
cdlt_status pipe_partial_write(cdlt_pipeline *p, const char *load_id, const strv *tables,
                               const strv *parents, cdlt_error *err);
bool pipe_partial_exists(const cdlt_pipeline *p, const char *load_id);
bool pipe_partial_any(const cdlt_pipeline *p); /* any record at all */
void pipe_partial_clear(cdlt_pipeline *p, const char *load_id);
/* In d's open transaction: remove what an interrupted load of load_id committed (no-op
 * without a record). */
cdlt_status pipe_partial_undo(cdlt_pipeline *p, destination *d, const char *load_id,
                              cdlt_error *err);
/* The same in a transaction of its own (before the package's first one). */
cdlt_status pipe_partial_undo_tx(cdlt_pipeline *p, destination *d, const char *load_id,
                                 cdlt_error *err);
cdlt_status pipe_partial_orphans(cdlt_pipeline *p, destination *d, cdlt_error *err);
/* The package load_id is gone (discarded for bad input): undo now what its overlapped load
 * committed, so the failed run leaves none of its rows. False when the destination could not
 * do it (err says why; the record stays and the next load undoes it). */
bool pipe_partial_undo_gone(cdlt_pipeline *p, const char *load_id, cdlt_error *err);
cdlt_status pipe_partial_tables(const schema *s, const strv *staged, strv *tables,
                                strv *parents);
cdlt_status pipe_load(cdlt_pipeline *p, cdlt_error *err);              /* load.c */
/* sync.c: dlt's sync_destination. only_if_missing = take the destination's state whatever
 * its version (a new working dir). *out (may be NULL) says what happened. */
typedef enum pipe_sync_outcome {
    PIPE_SYNC_NONE,     /* the destination has no state of the pipeline: nothing changed */
    PIPE_SYNC_CURRENT,  /* the local state is as new as the destination's */
    PIPE_SYNC_RESTORED, /* state and schemas were taken from the destination */
    PIPE_SYNC_RESET     /* the destination lost the dataset: local state and schemas reset */
} pipe_sync_outcome;
cdlt_status pipe_sync(cdlt_pipeline *p, bool only_if_missing, pipe_sync_outcome *out,
                      cdlt_error *err);

/* ---- overlapped load (load.c): a loader thread loads each load file the normalizer closes
 * inside the package's one destination transaction; commit after normalize committed the
 * package to load/normalized. Any failure before commit rolls back and leaves the package to
 * pipe_load (which then reports the error exactly as without overlap). ---- */
#define PIPE_OVERLAP_FILE_MAX (8ull << 20) /* rotation while overlapping: load starts early */
/* items-file rotation while normalizing ahead: the thread starts after the first one */
#define PIPE_AHEAD_FILE_BYTES (1ull << 20)
typedef struct pipe_ovl pipe_ovl;
/* Open the destination, BEGIN, drop (refresh) and start the thread. *out = NULL (and a log
 * line) when overlap is not possible for this package; never fails the run. */
/* Whether the destination can load while normalize runs (it creates tables file by file:
 * migrate_table); the overlapped loader, the early loader and the 8 MiB file cut ask this. */
bool pipe_ovl_supported(const cdlt_pipeline *p);
void pipe_ovl_start(cdlt_pipeline *p, const char *load_id, const char *extracted_dir,
                    const schema *s, pipe_ovl **out);
/* A loader for package load_id before it is extracted (normalize-ahead feeds it): no package
 * state yet, so the early files must be appended rows; NULL when the destination does not
 * load that way or cannot start (then nothing changes). */
pipe_ovl *pipe_ovl_start_early(cdlt_pipeline *p, const char *load_id);
/* Normalize phase, the ahead work adopted: o goes on as the package's loader when what it
 * loaded early (files of early_tables) is still right for the package (it neither merges nor
 * drops, the tables are appended to, none truncated); else it is rolled back and freed: NULL. */
pipe_ovl *pipe_ovl_take_early(pipe_ovl *o, const char *extracted_dir, const schema *s,
                              const strv *early_tables);
/* Test hook support: wait (at most max_seconds) until o loaded a file (commit: committed a
 * chunk) or gave up. */
void pipe_ovl_wait_loaded(pipe_ovl *o, bool commit, double max_seconds);
/* Normalizer thread: the closed file `path` of table t (s is the live schema; the queue gets
 * a snapshot of t). Blocks while the bounded queue is full. */
void pipe_ovl_push(pipe_ovl *o, const schema *s, const schema_table *t, const char *path);
/* Normalize cut the package here (all files before are pushed): commit what was loaded. */
void pipe_ovl_cut(pipe_ovl *o);
/* ---- normalize while extracting (ahead.c) ---- */
typedef struct pipe_ahead pipe_ahead;
/* Start the thread for the package load_id with a copy of extract's schema s (now). NULL when
 * it cannot start (then the normalize phase does all the work, as always). */
pipe_ahead *pipe_ahead_start(cdlt_pipeline *p, const char *load_id, const schema *s);
/* Extract closed the items file `path` of `table` (job files of one table in the order
 * written); the thread normalizes it soon. s: extract's schema (a table made since the start
 * is sent along). */
void pipe_ahead_push(pipe_ahead *a, const schema *s, const char *table, const char *path);
/* A verbatim copy of `source` (resource `resource`) at `path`, queued like an items file:
 * complete, or still being written (the thread reads it as it grows; it must hold at least
 * its first 4 bytes, which decide how it is read). */
void pipe_ahead_push_copy(pipe_ahead *a, const schema *s, const char *table, const char *path,
                          const char *resource, const char *source, uint64_t bytes,
                          bool complete);
/* The copy pushed last now has `bytes`; end: it is finished (ok) or failed (!ok). */
void pipe_ahead_copy_grew(pipe_ahead *a, uint64_t bytes, bool end, bool ok);
/* Extract is done reading: the file being normalized is finished, the queued rest left to the
 * normalize phase; the thread ends. Before the package folder is renamed. */
void pipe_ahead_stop(pipe_ahead *a);
/* Stop and release; work not adopted is deleted. NULL is fine. */
void pipe_ahead_free(pipe_ahead *a);
const char *pipe_ahead_load_id(const pipe_ahead *a);

/* pipe_ovl_push with a snapshot taken earlier (pipe_ovl_snapshot, taken over: freed here):
 * a file written before the loader started, with its table's columns of then. */
void pipe_ovl_push_snap(pipe_ovl *o, const schema *s, const schema_table *t, schema_table *snap,
                        const char *path);
/* A private copy of t's name and columns (mem_alloc'd, one block; strings stay the schema's). */
schema_table *pipe_ovl_snapshot(const schema_table *t);
/* Main thread, after the last push: wait until every queued file is loaded (the files must
 * stay where they are until then). */
void pipe_ovl_drain(pipe_ovl *o);
/* After the package is in load/normalized (pkgdir): wait for the thread, final migrate with
 * the full schema, remaining truncations, _dlt_loads row, COMMIT, move to load/loaded.
 * *out_loaded = false when it fell back (rolled back; pipe_load does the package). Errors
 * only after COMMIT (moving folders). Frees o. */
cdlt_status pipe_ovl_finish(pipe_ovl *o, const schema *s, const char *pkgdir,
                            const char *load_id, bool *out_loaded, cdlt_error *err);
/* Error path: stop the thread, roll back, close. Frees o (NULL is fine). */
void pipe_ovl_abort(pipe_ovl *o);

/* drop's placeholder resources (inspect.c): run nothing, add no table */
bool pipe_is_drop_noop(const cdlt_resource *r);

/* ---- dlt configuration (settings.c): destination credentials and options from the config
 * providers (env, .dlt/secrets.toml, .dlt/config.toml; project dir $DLT_PROJECT_DIR or cwd),
 * pipeline-name-scoped keys first; see docs/pipeline.md "Configuration". ---- */
/* Open the providers for one pipeline (keys scoped by pipeline_name are tried first). */
cdlt_status pipe_config_open(const char *pipeline_name, cdlt_config **out, cdlt_error *err);
/* destination.<dest>.credentials (section fallback to destination.credentials, credentials).
 * *out = NULL when not configured; *from_env tells whether an environment variable gave it.
 * Secret (secrets.toml/env only, masked) except for duckdb, whose value is a file location. */
cdlt_status pipe_config_credentials(cdlt_config *cfg, const char *dest, const char **out,
                                    bool *from_env, cdlt_error *err);
/* Unknown keys in the pipeline's config sections ([runtime], [extract], [normalize], [load],
 * [schema], pipeline-scoped too) are errors naming the key, where it was set, the allowed keys
 * and the closest one; dlt's keys cdlt has no use for are accepted (logged at info). */
cdlt_status pipe_config_check_sections(cdlt_config *cfg, cdlt_error *err);
/* fileformat.c: set p->wops/p->wopts from dlt's loader_file_format (NULL = the destination's
 * preferred format; unknown or unsupported = CDLT_CONFIG naming the formats it takes) and
 * [normalize.data_writer] disable_compression. */
cdlt_status pipe_choose_writer(cdlt_pipeline *p, cdlt_config *cfg, const char *format,
                               cdlt_error *err);
/* The writer for table t of s: its (root's) file_format hint when the destination takes it
 * ("preferred" = the destination's first), else p->wops. */
const dest_writer_ops *pipe_table_writer(const cdlt_pipeline *p, const schema *s,
                                         const schema_table *t);

/* A folder setting at the top level or the pipeline scope (import_schema_path, ...): *out =
 * NULL when unset; a value that is not a string is an error naming the key and its origin. */
cdlt_status pipe_config_get_path(cdlt_config *cfg, const char *key, const char **out,
                                 cdlt_error *err);

/* dlt's schema settings, looked up as dlt does under `section` ("sources" or
 * "sources.<schema name>"): <section>.schema.X, sources.schema.X, schema.X (pipeline scope
 * first). json_normalizer = {module, config = {max_nesting}}: *max_nesting = -1 when not set;
 * anything else there is an error naming the key. naming: *out = NULL when not set (cfg
 * arena); a name that is no naming convention is an error listing them. */
cdlt_status pipe_config_json_normalizer(cdlt_config *cfg, const char *section,
                                        int32_t *max_nesting, cdlt_error *err);
cdlt_status pipe_config_schema_naming(cdlt_config *cfg, const char *section, const char **out,
                                      cdlt_error *err);

/* Edit distance for "did you mean" (definition.c). */

/* Merge destination.<dest> (and [destination] scalars) into *opts (an object or JV_NULL) in
 * arena a: keys *opts lacks come from the providers; environment variables override *opts.
 * *replace_where gets the origin of replace_strategy when it came from the providers. */
cdlt_status pipe_config_dest_options(cdlt_config *cfg, const char *dest, arena *a, jv *opts,
                                     const char **replace_where, cdlt_error *err);

/* ---- test hook (crash.c): CDLT_TEST_CRASH_AT=<point> raises SIGKILL at that point ---- */
void pipe_crash_point(const char *point);

/* ---- file source (src/sources via sources.h) is used by resource.c ---- */
cdlt_status pipe_run_file_resource(cdlt_emitter *em, void *ud);
/* Emit a parsed value (internal heads); the value lives in the emitter arena. `text` (may be
 * NULL) is the value's own JSON text, stored as is when it is one line. */
cdlt_status pipe_emit_jv(cdlt_emitter *em, const jv *v, const char *text, size_t len);
/* For a source that drives several resources from one callback (rest_api): the emitter of
 * resource r in the same extract run (NULL when r is not run: unselected and feeding
 * nothing), an id that differs between extract runs, and the run's error sink. */
cdlt_emitter *pipe_emitter_sibling(cdlt_emitter *em, const cdlt_resource *r);
uint64_t pipe_emitter_run_id(const cdlt_emitter *em);
cdlt_error *pipe_emitter_error(cdlt_emitter *em);
/* extract.c: into out, the resource state's "incremental" object `old` (JSON text, NULL =
 * none) with cursor `path` set to the state st: the other cursors stay (a filesystem pipe
 * keeps one on its file listing and one on the rows it reads). */
cdlt_status pipe_incr_merge(const char *old, const char *path, const char *st, size_t st_len,
                            buf *out);
/* extract.c: the state of cursor `path` in a resource state's "incremental" object (JSON
 * text; NULL = none): its JSON text (mem_alloc'ed), or NULL. */
char *pipe_incr_pick(const char *incremental, const char *path);
/* definition.c: true when k is one of the NULL-terminated list l. */
bool pipe_def_in_list(const char *k, const char *const *l);
/* definition.c: every key of object o must be in `allowed`; else a CDLT_CONFIG error naming
 * defpath, `place.key`, the nearest allowed key ("did you mean") and the allowed list, with
 * `doc` (e.g. "docs/sql_database.md") as where to read more. Source wirings share it so their
 * definition errors read alike. */
cdlt_status pipe_def_check_keys(const jv *o, const char *const *allowed, const char *place,
                                const char *defpath, const char *doc, cdlt_error *err);
/* definition.c: a resource entry's table hints (with resource_defaults) onto r. */
cdlt_status pipe_def_apply_hints(const char *defpath, cdlt_resource *r, const jv *defaults,
                                 const jv *e, const char *where, cdlt_error *err);
/* rest.c: add the resources of a rest_api config (dlt's rest_api_source dict) to s. `where`
 * prefixes config paths in errors; auth secrets come from the pipeline's config providers. */
cdlt_status pipe_rest_add(cdlt_source *s, const jv *cfg, const char *where,
                          const char *defpath, const char *pipeline_name, cdlt_error *err);
/* sqlsrc.c: add the table resources of a definition's `source = {type = "sql_database" |
 * "sql_table", ...}` table to s (connects and reflects now). `where` names the table in
 * errors ("source"). */
cdlt_status pipe_sql_add(cdlt_source *s, const jv *cfg, const char *where, const char *defpath,
                         const char *pipeline_name, cdlt_error *err);
/* fssrc.c: add the pipes of a definition's `source = {type = "filesystem", ...}` to s
 * (dlt's filesystem resource, alone or piped into read_csv / read_jsonl / read_parquet). */
cdlt_status pipe_fs_add(cdlt_source *s, const jv *cfg, const char *where, const char *defpath,
                        const char *pipeline_name, cdlt_error *err);
/* ---- source kinds (srckinds.c): the declarative sources a definition names, one table ---- */
typedef cdlt_status (*pipe_source_add_fn)(cdlt_source *s, const jv *cfg, const char *where,
                                          const char *defpath, const char *pipeline_name,
                                          cdlt_error *err);
typedef struct pipe_source_kind {
    const char *type;        /* `source = {type = ...}` value; "rest_api": the top-level key */
    const char *source_name; /* dlt's default source name (NULL: the pipeline's name) */
    const char *doc;         /* where a user reads more */
    pipe_source_add_fn add;  /* adds the kind's resources to s */
} pipe_source_kind;
/* The kind named `type`; in_source: as a `source = {type = ...}` value (rest_api is its own
 * top-level key, not a source type). NULL when none. */
const pipe_source_kind *pipe_source_kind_find(const char *type, bool in_source);
/* The `source` types, for messages: "sql_database" (docs/...), ... */
void pipe_source_kinds_list(buf *out);
arena *pipe_emitter_arena(cdlt_emitter *em);
void pipe_emitter_progress(cdlt_emitter *em, uint64_t bytes_done, uint64_t bytes_total);

#endif /* CDLT_PIPELINE_H */
