/* cdlt.h: the whole public contract of libcdlt, a native C data load tool with dlt's semantics.
 * Anything not declared here is private. Handles are opaque; each handle's comment names the
 * function that frees it, and every free function accepts NULL.
 *
 * Grammar: cdlt_x_open(..., cdlt_x **out) returns a cdlt_status and sets *out = NULL on failure.
 * Errors: functions return a status; details (what, where, what to do) are in a cdlt_error
 * filled by the call or kept on the handle. */
#ifndef CDLT_H
#define CDLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CDLT_BUILDING)
#define CDLT_API __attribute__((visibility("default")))
#else
#define CDLT_API
#endif

#define CDLT_VERSION_MAJOR 0
#define CDLT_VERSION_MINOR 1
#define CDLT_VERSION_PATCH 0
#define CDLT_VERSION "0.1.0"

/* Version of the library actually linked (may differ from CDLT_VERSION of the header). */
CDLT_API const char *cdlt_version(void);

/* ------------------------------------------------------------------------------------------
 * Status codes. Defined once here; append new codes last, never renumber or remove.
 * X(NAME, value, description)
 * ------------------------------------------------------------------------------------------ */
#define CDLT_STATUS_LIST(X)                                                            \
    X(OK, 0, "success")                                                                \
    X(ERROR, 1, "unspecified error")                                                   \
    X(NOMEM, 2, "out of memory")                                                       \
    X(INVALID_ARG, 3, "invalid argument")                                              \
    X(IO, 4, "input/output error")                                                     \
    X(PARSE, 5, "malformed input")                                                     \
    X(TOO_LARGE, 6, "value exceeds a configured size limit")                           \
    X(NOT_FOUND, 7, "not found")                                                       \
    X(UNSUPPORTED, 8, "not supported")                                                 \
    X(DEPTH, 9, "nesting exceeds the configured depth limit")                          \
    X(UTF8, 10, "invalid UTF-8")                                                       \
    X(CONFIG, 11, "invalid configuration")                                             \
    X(CONFIG_MISSING, 12, "missing configuration value")                               \
    X(SECRET_IN_CONFIG, 13, "secret value found in config.toml")                       \
    X(SCHEMA, 14, "schema error")                                                      \
    X(CONTRACT, 15, "schema contract violated")                                        \
    X(COERCE, 16, "value cannot be coerced to the column type")                        \
    X(DESTINATION, 17, "destination error")                                            \
    X(STATE, 18, "pipeline state error")                                               \
    X(PENDING, 19, "pending load packages must be completed first")                    \
    X(INTERRUPTED, 20, "interrupted")                                                  \
    X(EXISTS, 21, "already exists")                                                    \
    X(HTTP, 22, "HTTP error")                                                          \
    X(SOURCE, 23, "source error")

typedef enum cdlt_status {
#define CDLT_X_ENUM(name, value, desc) CDLT_##name = value,
    CDLT_STATUS_LIST(CDLT_X_ENUM)
#undef CDLT_X_ENUM
} cdlt_status;

/* Human description of a status ("out of memory"); never NULL. */
CDLT_API const char *cdlt_strerror(cdlt_status status);
/* Symbolic name of a status ("CDLT_NOMEM"); never NULL. */
CDLT_API const char *cdlt_status_name(cdlt_status status);

/* ------------------------------------------------------------------------------------------
 * Error detail. A plain value type: callers own it (usually on the stack). The message is
 * complete and human-readable; the other fields repeat its location parts for programs.
 * Secrets registered with cdlt_secret_register() never appear in any field.
 * ------------------------------------------------------------------------------------------ */
#define CDLT_ERRMSG_MAX 2048
typedef struct cdlt_error {
    cdlt_status code;              /* CDLT_OK when no error was recorded */
    char message[CDLT_ERRMSG_MAX]; /* what happened, where, and what to do */
    char file[512];                /* input file, "" when not file-related */
    int64_t line;                  /* 1-based line in file, 0 when unknown */
    int64_t column;                /* 1-based column (in bytes), 0 when unknown */
    int64_t offset;                /* 0-based byte offset in file, -1 when unknown */
    char resource[128];            /* resource name, "" when unknown */
    char table[256];               /* table name, "" when unknown */
    char column_name[256];         /* column name, "" when unknown */
    char url[1024];                /* URL with secrets masked, "" when unknown */
} cdlt_error;

/* Reset an error to "no error". */
CDLT_API void cdlt_error_clear(cdlt_error *err);

/* ------------------------------------------------------------------------------------------
 * Memory. All library allocation goes through one hook. Set it before any other call.
 * ------------------------------------------------------------------------------------------ */
typedef struct cdlt_allocator {
    void *(*malloc_fn)(size_t size, void *ud);
    void *(*realloc_fn)(void *ptr, size_t size, void *ud);
    void (*free_fn)(void *ptr, void *ud);
    void *ud; /* passed to every call */
} cdlt_allocator;

/* Install an allocator (copied); NULL restores libc malloc/realloc/free. */
CDLT_API void cdlt_set_allocator(const cdlt_allocator *alloc);

/* Fault injection for tests: make the Nth allocation from now fail (1 = the next one), and
 * every later one too when `sticky`. n = 0 disables. Returns nothing; see
 * cdlt_alloc_count() for how many allocations a call made. */
CDLT_API void cdlt_alloc_fail_at(uint64_t n, bool sticky);
/* Number of allocations (malloc + realloc) made since the process started. */
CDLT_API uint64_t cdlt_alloc_count(void);
/* Number of live allocations (allocated and not yet freed); 0 after a clean shutdown. */
CDLT_API int64_t cdlt_alloc_live(void);

/* ------------------------------------------------------------------------------------------
 * Logging and secrets. Lines go to stderr unless a sink is installed. Every line passes the
 * secret masker first. Colour only on a TTY and only when NO_COLOR is unset.
 * ------------------------------------------------------------------------------------------ */
typedef enum cdlt_log_level {
    CDLT_LOG_TRACE = 0,
    CDLT_LOG_DEBUG = 1,
    CDLT_LOG_INFO = 2,
    CDLT_LOG_WARN = 3,
    CDLT_LOG_ERROR = 4,
    CDLT_LOG_OFF = 5
} cdlt_log_level;

typedef void (*cdlt_log_sink)(cdlt_log_level level, const char *line, void *ud);

CDLT_API void cdlt_log_set_level(cdlt_log_level level);
CDLT_API cdlt_log_level cdlt_log_get_level(void);
/* Parse "trace|debug|info|warning|warn|error|critical|off" (case-insensitive); -1 if unknown. */
CDLT_API int cdlt_log_level_parse(const char *name);
/* Install a sink (NULL restores stderr). The line has no trailing newline. */
CDLT_API void cdlt_log_set_sink(cdlt_log_sink sink, void *ud);
/* Log a line at a level (printf format). Secrets are masked. */
CDLT_API void cdlt_log(cdlt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Register a secret value: from now on it is replaced by its mask in every log line, error
 * message, trace and file cdlt writes. Values shorter than 3 bytes are ignored (they would
 * mask ordinary text). Thread-safe. */
CDLT_API cdlt_status cdlt_secret_register(const char *value);
/* Forget all registered secrets (tests). */
CDLT_API void cdlt_secret_clear(void);
/* Copy `in` to `out` (capacity out_cap, always NUL-terminated) with every registered secret
 * replaced by its mask. Returns the length written. */
CDLT_API size_t cdlt_secret_mask_text(const char *in, char *out, size_t out_cap);
/* The mask of one value as dlt shows it: long values keep their first and last character
 * ("s*****t"), short ones become "*****". Writes into out (capacity out_cap). */
CDLT_API void cdlt_secret_mask_value(const char *value, char *out, size_t out_cap);

/* ==========================================================================================
 * Sections below belong to later subsystems; each is added by its owner.
 * ========================================================================================== */

/* ---- config (src/config) ----
 * dlt's configuration: environment variables, then secrets.toml, then config.toml (project
 * folder <project>/.dlt deep-merged over the global ~/.dlt). Lookups fall back from the most
 * specific section to the root like dlt; see docs/config.md. Sections are dotted
 * ("sources.github"); a key may be dotted too ("credentials.password"): its leading parts are
 * the value's own sections, which are never dropped during fallback. Returned strings belong to
 * the handle and live until cdlt_config_free. */
typedef struct cdlt_config cdlt_config; /* free with cdlt_config_free */

typedef struct cdlt_config_opts {
    const char *project_dir;   /* folder holding the settings folder; NULL = $DLT_PROJECT_DIR or cwd */
    const char *config_folder; /* settings folder name; NULL = $DLT_CONFIG_FOLDER or ".dlt" */
    const char *global_dir;    /* NULL = $DLT_DATA_DIR, ~/.dlt, ... ; "" = no global folder */
    const char *pipeline_name; /* keys scoped by this name are tried first; NULL = none */
    const char *secrets_dir;   /* secret files folder; NULL = "/run/secrets"; "" = disabled */
} cdlt_config_opts;

/* Read the providers. Malformed TOML is an error naming file, line and column. */
CDLT_API cdlt_status cdlt_config_open(const cdlt_config_opts *opts, cdlt_config **out,
                                      cdlt_error *err);
CDLT_API void cdlt_config_free(cdlt_config *cfg);

/* Typed lookups with dlt's section fallback. Missing -> CDLT_CONFIG_MISSING whose message lists
 * every (provider, key) tried and the files read; a value of the wrong type -> CDLT_CONFIG.
 * Strings: numbers and bools found are given as their text. Bools accept true/false, yes/no,
 * on/off, 1/0 (any case) from strings. */
CDLT_API cdlt_status cdlt_config_get_string(cdlt_config *cfg, const char *section, const char *key,
                                            const char **out, cdlt_error *err);
CDLT_API cdlt_status cdlt_config_get_int(cdlt_config *cfg, const char *section, const char *key,
                                         int64_t *out, cdlt_error *err);
CDLT_API cdlt_status cdlt_config_get_bool(cdlt_config *cfg, const char *section, const char *key,
                                          bool *out, cdlt_error *err);
CDLT_API cdlt_status cdlt_config_get_double(cdlt_config *cfg, const char *section, const char *key,
                                            double *out, cdlt_error *err);
/* A secret string: never read from config.toml (present there = CDLT_SECRET_IN_CONFIG), may
 * come from /run/secrets/<name>, and is registered with the masker. */
CDLT_API cdlt_status cdlt_config_get_secret(cdlt_config *cfg, const char *section, const char *key,
                                            const char **out, cdlt_error *err);
/* Optional variants: when absent everywhere, *out = def and CDLT_OK. */
CDLT_API cdlt_status cdlt_config_get_string_or(cdlt_config *cfg, const char *section,
                                               const char *key, const char *def,
                                               const char **out, cdlt_error *err);
CDLT_API cdlt_status cdlt_config_get_int_or(cdlt_config *cfg, const char *section, const char *key,
                                            int64_t def, int64_t *out, cdlt_error *err);
CDLT_API cdlt_status cdlt_config_get_bool_or(cdlt_config *cfg, const char *section, const char *key,
                                             bool def, bool *out, cdlt_error *err);
CDLT_API cdlt_status cdlt_config_get_double_or(cdlt_config *cfg, const char *section,
                                               const char *key, double def, double *out,
                                               cdlt_error *err);
CDLT_API cdlt_status cdlt_config_get_secret_or(cdlt_config *cfg, const char *section,
                                               const char *key, const char *def,
                                               const char **out, cdlt_error *err);
/* Exact dotted path, no fallback (dlt.config["a.b.c"] / dlt.secrets[...]); the value as JSON
 * text (strings quoted). Env strings that look like JSON objects/arrays are parsed. */
CDLT_API cdlt_status cdlt_config_get_json(cdlt_config *cfg, const char *dotted_path, bool secret,
                                          const char **out_json, cdlt_error *err);
/* A whole section merged across providers (env over secrets over config) as JSON text;
 * `{}` when nothing is set. Secret values are included unmasked: handle with care. */
CDLT_API cdlt_status cdlt_config_section_json(cdlt_config *cfg, const char *section,
                                              const char **out_json, cdlt_error *err);
/* Full text of the last error on this handle (the cdlt_error copy is capped at
 * CDLT_ERRMSG_MAX); "" when none. */
CDLT_API const char *cdlt_config_last_message(const cdlt_config *cfg);

/* One resolved key, for listing (`cdlt config show`). */
typedef struct cdlt_config_item {
    const char *key;      /* dotted key without pipeline prefix, e.g. "sources.github.token" */
    const char *value;    /* value as JSON text; secrets already masked ("\"s*****t\"") */
    bool secret;          /* value was masked */
    const char *provider; /* "Environment Variables", "secrets.toml", "config.toml" */
    const char *name;     /* env var name or dotted TOML key (with pipeline prefix if scoped) */
    const char *file;     /* TOML file the value came from; NULL for env vars */
} cdlt_config_item;
/* Called for every resolved leaf under `section` (NULL/"" = everything; env vars only when
 * their names contain "__"), sorted by key. Return nonzero to stop. */
typedef int (*cdlt_config_item_fn)(const cdlt_config_item *item, void *ud);
CDLT_API cdlt_status cdlt_config_list(cdlt_config *cfg, const char *section, cdlt_config_item_fn fn,
                                      void *ud, cdlt_error *err);
/* Files the TOML providers read or looked for: i = 0.. until it returns false. */
CDLT_API bool cdlt_config_file_info(const cdlt_config *cfg, size_t i, const char **out_path,
                                    const char **out_provider, bool *out_loaded);

/* Connection-string credentials (dlt's ConnectionStringCredentials). A value type: every
 * string lives in the same allocation; free with cdlt_credentials_free. */
typedef struct cdlt_kv {
    const char *key;   /* query parameter name */
    const char *value; /* decoded value */
} cdlt_kv;
typedef struct cdlt_credentials {
    const char *drivername; /* "postgresql", "mysql+pymysql"; NULL when unknown */
    const char *username;   /* NULL when absent */
    const char *password;   /* NULL when absent; registered as a secret */
    const char *host;       /* without IPv6 brackets; NULL when absent */
    int port;               /* 0 when absent */
    const char *database;   /* NULL when absent */
    const cdlt_kv *query;   /* query parameters in order */
    size_t nquery;          /* entries of query */
} cdlt_credentials;

/* Parse "driver://user:pass@host:port/db?k=v" (percent-decoding; [IPv6] hosts; any part but
 * the driver may be missing). Malformed -> CDLT_CONFIG (the string is never quoted back). */
CDLT_API cdlt_status cdlt_credentials_parse(const char *url, cdlt_credentials **out,
                                            cdlt_error *err);
/* Resolve credentials at <section>.<key> (key usually "credentials"): the whole connection
 * string first (a secret), else field by field (drivername, username, password, host, port,
 * database, query), each with section fallback. `required` is a NULL-terminated list of field
 * names that must be present (NULL = {"drivername"}); missing ones -> CDLT_CONFIG_MISSING. */
CDLT_API cdlt_status cdlt_config_get_credentials(cdlt_config *cfg, const char *section,
                                                 const char *key, const char *const *required,
                                                 cdlt_credentials **out, cdlt_error *err);
/* Render as a URL (password shown as "***" when hide_password). Returns the length it needs;
 * out (capacity out_cap) is always NUL-terminated. */
CDLT_API size_t cdlt_credentials_to_url(const cdlt_credentials *c, bool hide_password, char *out,
                                        size_t out_cap);
CDLT_API void cdlt_credentials_free(cdlt_credentials *c);

/* ---- pipeline (src/pipeline) ----
 * A pipeline moves data from sources into a destination dataset in three phases, each one
 * leaving a load package on disk so a failed or killed run resumes where it stopped:
 *   extract   (resources -> raw items per table)     <dir>/normalize/extracted/<load_id>/
 *   normalize (items -> flat typed rows, load files) <dir>/load/normalized/<load_id>/
 *   load      (files -> destination, one transaction per package) <dir>/load/loaded/<load_id>/
 * See docs/pipeline.md for the on-disk layout, resume rules and the definition file format. */

typedef struct cdlt_pipeline cdlt_pipeline;   /* freed by cdlt_pipeline_free */
typedef struct cdlt_source cdlt_source;       /* freed by cdlt_source_free */
typedef struct cdlt_resource cdlt_resource;   /* owned by its source once added, else
                                                 freed by cdlt_resource_free */
typedef struct cdlt_emitter cdlt_emitter;     /* borrowed: valid during one callback */
typedef struct cdlt_state cdlt_state;         /* borrowed: valid during one callback */
typedef struct cdlt_text cdlt_text;           /* borrowed output of map/table-name callbacks */
typedef struct cdlt_load_info cdlt_load_info; /* freed by cdlt_load_info_free */
typedef struct cdlt_definition cdlt_definition; /* freed by cdlt_definition_free */

/* Strings returned by *_to_string / inspection calls are allocated by the library. */
CDLT_API void cdlt_string_free(char *s);

typedef enum cdlt_progress_mode {
    CDLT_PROGRESS_NONE = 0, /* silent */
    CDLT_PROGRESS_LOG = 1,  /* one log line per phase and every few seconds */
    CDLT_PROGRESS_TTY = 2,  /* a live status block on stderr (rows, MB, ETA per table) */
    CDLT_PROGRESS_AUTO = 3  /* TTY when stderr is a terminal, else LOG */
} cdlt_progress_mode;

typedef enum cdlt_write_disposition {
    CDLT_WD_DEFAULT = 0, /* append, or what the schema already says */
    CDLT_WD_APPEND = 1,
    CDLT_WD_REPLACE = 2, /* truncate-and-insert */
    CDLT_WD_MERGE = 3    /* through staging, by the merge strategy (docs/merge.md) */
} cdlt_write_disposition;

typedef enum cdlt_refresh {
    CDLT_REFRESH_NONE = 0,
    CDLT_REFRESH_DROP_SOURCES = 1,   /* drop every table of the source + wipe source state */
    CDLT_REFRESH_DROP_RESOURCES = 2, /* drop the tables of the resources run + their state */
    CDLT_REFRESH_DROP_DATA = 3       /* truncate the tables of the resources run */
} cdlt_refresh;

/* Parse "drop_sources|drop_resources|drop_data|none"; -1 if unknown. */
CDLT_API int cdlt_refresh_parse(const char *name);

/* Options to open a pipeline. Initialize with cdlt_pipeline_options_init, then set fields.
 * Strings are copied by cdlt_pipeline_open. */
typedef struct cdlt_pipeline_options {
    const char *pipeline_name;  /* required: [A-Za-z0-9_.-]+ */
    const char *destination;    /* "duckdb" (default) */
    const char *credentials;    /* duckdb: database file (default "<pipeline_name>.duckdb");
                                   a secret for other destinations: never logged */
    const char *dataset_name;   /* default "<pipeline_name>_dataset" */
    const char *pipelines_dir;  /* default $CDLT_PIPELINES_DIR, else ~/.cdlt/pipelines */
    bool dev_mode;              /* fresh working dir + dataset suffix _YYYYMMDDhhmmss */
    bool no_restore;            /* do not restore state/schemas from the destination */
    cdlt_progress_mode progress;/* default CDLT_PROGRESS_NONE */
    uint64_t file_max_bytes;    /* rotate load files above this size; 0 = 256 MiB */
    const char *destination_options; /* JSON object of destination settings, e.g. duckdb
                                        {"memory_limit_mb":64,"load_threads":1}; NULL = none.
                                        Open also reads dlt's providers ($DLT_PROJECT_DIR or
                                        cwd .dlt/, env): [destination.<name>] keys fill what
                                        this lacks, env wins; same for credentials
                                        (docs/pipeline.md "Project configuration") */
    int overlap_load;           /* run(): load finished load files on a second thread while
                                   normalize still runs (same one-transaction-per-package
                                   guarantees): 1 = on, -1 = off, 0 = default (on); the
                                   environment LOAD__OVERLAP_NORMALIZE=true|false wins */
    const char *import_schema_path; /* as dlt's: <dir>/<schema>.schema.yaml is imported when it
                                       changed (it replaces the pipeline's schema); NULL = the
                                       config key import_schema_path, else none */
    const char *export_schema_path; /* as dlt's: <dir>/<schema>.schema.yaml written whenever the
                                       schema is saved; NULL = config export_schema_path */
    const char *loader_file_format; /* as dlt's run(loader_file_format=...): the load-file
                                       format, one the destination takes ("jsonl", "csv",
                                       "parquet", "insert_values"); NULL = its preferred one */
} cdlt_pipeline_options;

CDLT_API void cdlt_pipeline_options_init(cdlt_pipeline_options *o);

/* Open (create or reuse) the pipeline's working dir <pipelines_dir>/<pipeline_name>/. Opening
 * changes nothing on disk: the first call that changes the working dir takes its lock
 * (flock on .lock, held until cdlt_pipeline_free; CDLT_EXISTS when another process or object
 * holds it, and then nothing is changed) and creates what is missing. dev_mode wipes the
 * working dir here, under the lock. */
CDLT_API cdlt_status cdlt_pipeline_open(const cdlt_pipeline_options *o, cdlt_pipeline **out,
                                        cdlt_error *err);
/* Open an existing pipeline by name from its working dir (destination, dataset and
 * location come from its state.json). CDLT_NOT_FOUND when there is no such pipeline. */
CDLT_API cdlt_status cdlt_pipeline_attach(const char *pipeline_name, const char *pipelines_dir,
                                          cdlt_pipeline **out, cdlt_error *err);
CDLT_API void cdlt_pipeline_free(cdlt_pipeline *p);
CDLT_API const char *cdlt_pipeline_name(const cdlt_pipeline *p);
CDLT_API const char *cdlt_pipeline_dataset_name(const cdlt_pipeline *p);
CDLT_API const char *cdlt_pipeline_working_dir(const cdlt_pipeline *p);
CDLT_API void cdlt_pipeline_set_progress(cdlt_pipeline *p, cdlt_progress_mode mode);

/* run = finish pending packages (if any: normalize + load them and return, like dlt; new data
 * is extracted by the next run), else extract `src` -> normalize -> load. `src` may be NULL
 * (only pending work). *out_info (may be NULL) receives the report even on failure. */
CDLT_API cdlt_status cdlt_pipeline_run(cdlt_pipeline *p, cdlt_source *src, cdlt_refresh refresh,
                                       cdlt_load_info **out_info, cdlt_error *err);
/* The phases one by one. extract refuses (CDLT_PENDING) while packages are pending. */
CDLT_API cdlt_status cdlt_pipeline_extract(cdlt_pipeline *p, cdlt_source *src,
                                           cdlt_refresh refresh, cdlt_error *err);
CDLT_API cdlt_status cdlt_pipeline_normalize(cdlt_pipeline *p, cdlt_error *err);
CDLT_API cdlt_status cdlt_pipeline_load(cdlt_pipeline *p, cdlt_error *err);
/* Pending packages: extracted or normalized but not loaded. Reads only (no lock). */
CDLT_API cdlt_status cdlt_pipeline_pending_count(cdlt_pipeline *p, size_t *out, cdlt_error *err);
CDLT_API cdlt_status cdlt_pipeline_drop_pending(cdlt_pipeline *p, cdlt_error *err);
/* dlt's `drop RESOURCE --state-only`: forget the state of the named resources (their
 * incremental cursors included) and store that in the destination; tables stay. */
CDLT_API cdlt_status cdlt_pipeline_reset_state(cdlt_pipeline *p, const char *const *resources,
                                               size_t n, cdlt_error *err);
/* The pipeline state as pretty JSON (secrets masked); free with cdlt_string_free. */
CDLT_API cdlt_status cdlt_pipeline_state_text(cdlt_pipeline *p, char **out, cdlt_error *err);
/* Restore state and schemas from the destination (dlt's sync_destination). CDLT_NOT_FOUND
 * ("nothing to restore") when the destination has no state of the pipeline: then nothing is
 * created (no working dir, no database file). Without a working dir and a given dataset name,
 * the destination's datasets are searched for the pipeline's state. */
CDLT_API cdlt_status cdlt_pipeline_sync(cdlt_pipeline *p, cdlt_error *err);
/* Drop tables and state of resources (all of the schema's when n == 0) at the destination
 * through a package with dropped tables; refuses while packages are pending. An unknown
 * resource name is CDLT_NOT_FOUND with the pipeline's resources listed. */
CDLT_API cdlt_status cdlt_pipeline_drop(cdlt_pipeline *p, const char *const *resources, size_t n,
                                        cdlt_error *err);
/* Rows in a destination table (-1 when it does not exist). */
CDLT_API cdlt_status cdlt_pipeline_table_row_count(cdlt_pipeline *p, const char *table,
                                                   int64_t *out, cdlt_error *err);
/* Rows of n tables with one connection: out[i] for tables[i] (-1 when missing). */
CDLT_API cdlt_status cdlt_pipeline_table_row_counts(cdlt_pipeline *p, const char *const *tables,
                                                    size_t n, int64_t *out, cdlt_error *err);

/* Inspection as text (free with cdlt_string_free). `json` selects JSON instead of text. */
CDLT_API cdlt_status cdlt_pipeline_info(cdlt_pipeline *p, bool json, char **out, cdlt_error *err);
/* format "yaml" or "json"; schema_name NULL = default schema. */
CDLT_API cdlt_status cdlt_pipeline_schema_text(cdlt_pipeline *p, const char *schema_name,
                                               const char *format, char **out, cdlt_error *err);
/* The last run's trace (trace.json of the working dir) as text or JSON. */
CDLT_API cdlt_status cdlt_pipeline_trace_text(cdlt_pipeline *p, bool json, char **out,
                                              cdlt_error *err);
/* A load package (load_id NULL = newest) with its jobs per state folder. */
CDLT_API cdlt_status cdlt_pipeline_package_text(cdlt_pipeline *p, const char *load_id, char **out,
                                                cdlt_error *err);
/* Failed jobs of all packages with their error messages. */
CDLT_API cdlt_status cdlt_pipeline_failed_jobs_text(cdlt_pipeline *p, char **out, cdlt_error *err);
/* Names of pipelines in a pipelines dir (NULL = default), one per line. */
CDLT_API cdlt_status cdlt_pipelines_list(const char *pipelines_dir, char **out, cdlt_error *err);

/* ---- load info: the report of one run (also the trace saved in the working dir) ---- */
typedef enum cdlt_phase { CDLT_PHASE_EXTRACT = 0, CDLT_PHASE_NORMALIZE = 1, CDLT_PHASE_LOAD = 2 } cdlt_phase;
CDLT_API void cdlt_load_info_free(cdlt_load_info *info);
CDLT_API cdlt_status cdlt_load_info_status(const cdlt_load_info *info); /* run outcome */
CDLT_API const char *cdlt_load_info_error(const cdlt_load_info *info);  /* "" when OK */
CDLT_API double cdlt_load_info_phase_seconds(const cdlt_load_info *info, cdlt_phase phase);
CDLT_API size_t cdlt_load_info_package_count(const cdlt_load_info *info); /* loaded now */
CDLT_API const char *cdlt_load_info_package_id(const cdlt_load_info *info, size_t i);
CDLT_API size_t cdlt_load_info_table_count(const cdlt_load_info *info);
CDLT_API const char *cdlt_load_info_table_name(const cdlt_load_info *info, size_t i);
/* Rows normalized into table i during this run. */
CDLT_API uint64_t cdlt_load_info_table_rows(const cdlt_load_info *info, size_t i);
CDLT_API uint64_t cdlt_load_info_files(const cdlt_load_info *info);   /* load files loaded */
CDLT_API uint64_t cdlt_load_info_items(const cdlt_load_info *info);   /* items extracted */
CDLT_API bool cdlt_load_info_pending_only(const cdlt_load_info *info); /* run only resumed */
/* The report as text or JSON (free with cdlt_string_free). */
CDLT_API cdlt_status cdlt_load_info_to_string(const cdlt_load_info *info, bool json, char **out);

/* ---- sources and resources ----
 * A resource is a C callback that emits items (JSON text). It runs to completion inside
 * extract; cdlt_emit_json returns CDLT_INTERRUPTED once a limit is reached: the callback
 * should then return (any status it returns is then ignored). */
typedef cdlt_status (*cdlt_resource_fn)(cdlt_emitter *em, void *ud);
/* A transformer gets each item (or page: a JSON array stays an array) its parent emitted. */
typedef cdlt_status (*cdlt_transformer_fn)(cdlt_emitter *em, const char *item, size_t len,
                                           void *ud);
/* Map: write the replacement item to `out` with cdlt_text_set (nothing written = unchanged). */
typedef cdlt_status (*cdlt_map_fn)(const char *item, size_t len, cdlt_text *out, void *ud);
/* Filter: keep the item when it returns true. */
typedef bool (*cdlt_filter_fn)(const char *item, size_t len, void *ud);
/* Dynamic table name: write the table name for this item to `out`. */
typedef cdlt_status (*cdlt_table_name_fn)(const char *item, size_t len, cdlt_text *out,
                                          void *ud);

CDLT_API cdlt_status cdlt_text_set(cdlt_text *t, const char *s, size_t len);

/* A source groups resources; its name is the schema name (default: the pipeline name when
 * NULL). */
CDLT_API cdlt_status cdlt_source_open(const char *name, cdlt_source **out);
CDLT_API void cdlt_source_free(cdlt_source *s);
/* Take ownership of r (also on failure). A transformer's parent must be added first. */
CDLT_API cdlt_status cdlt_source_add(cdlt_source *s, cdlt_resource *r);
CDLT_API size_t cdlt_source_resource_count(const cdlt_source *s);
CDLT_API cdlt_resource *cdlt_source_resource(cdlt_source *s, size_t i);
CDLT_API cdlt_resource *cdlt_source_find(cdlt_source *s, const char *name);
/* Select exactly these resources (CDLT_NOT_FOUND names the unknown one). */
CDLT_API cdlt_status cdlt_source_with_resources(cdlt_source *s, const char *const *names, size_t n,
                                                cdlt_error *err);
/* add_limit on every selected non-transformer resource. */
CDLT_API void cdlt_source_add_limit(cdlt_source *s, int64_t max_items, double max_seconds);

CDLT_API cdlt_status cdlt_resource_open(const char *name, cdlt_resource_fn fn, void *ud,
                                        cdlt_resource **out);
CDLT_API cdlt_status cdlt_transformer_open(const char *name, cdlt_resource *parent,
                                           cdlt_transformer_fn fn, void *ud, cdlt_resource **out);
/* A resource reading NDJSON or JSON-array files: a path or a glob(3) pattern ("**" is not
 * special). Streams in bounded memory. Errors name file, line and byte offset. */
CDLT_API cdlt_status cdlt_file_resource_open(const char *name, const char *path_or_glob,
                                             cdlt_resource **out, cdlt_error *err);
CDLT_API void cdlt_resource_free(cdlt_resource *r);
CDLT_API const char *cdlt_resource_name(const cdlt_resource *r);
/* A deep copy under a new name (table and state use the new name); not added anywhere. */
CDLT_API cdlt_status cdlt_resource_with_name(const cdlt_resource *r, const char *name,
                                             cdlt_resource **out);
CDLT_API void cdlt_resource_set_selected(cdlt_resource *r, bool selected);
/* Hints. Strings are copied. Invalid values return CDLT_INVALID_ARG. */
CDLT_API cdlt_status cdlt_resource_set_table_name(cdlt_resource *r, const char *table);
CDLT_API cdlt_status cdlt_resource_set_table_name_fn(cdlt_resource *r, cdlt_table_name_fn fn,
                                                     void *ud);
CDLT_API cdlt_status cdlt_resource_set_write_disposition(cdlt_resource *r,
                                                         cdlt_write_disposition wd);
CDLT_API cdlt_status cdlt_resource_set_primary_key(cdlt_resource *r, const char *const *cols,
                                                   size_t n);
CDLT_API cdlt_status cdlt_resource_set_merge_key(cdlt_resource *r, const char *const *cols,
                                                 size_t n);
/* An explicit column: data_type is a dlt type name ("bigint", "text", "timestamp", ...). */
CDLT_API cdlt_status cdlt_resource_add_column(cdlt_resource *r, const char *name,
                                              const char *data_type, bool nullable);
/* dlt's merge strategy of a merge resource: "delete-insert" (default), "upsert",
 * "insert-only", "scd2" (options: cdlt_resource_set_scd2). */
CDLT_API cdlt_status cdlt_resource_set_merge_strategy(cdlt_resource *r, const char *strategy);
/* dlt's `deduplicated` merge option: the source promises one row per primary key per load, so
 * delete-insert skips deduplicating the staged rows (dedup_sort is then ignored). As in dlt,
 * only true is recorded (x-stage-data-deduplicated in the schema, kept by later runs). */
CDLT_API cdlt_status cdlt_resource_set_merge_deduplicated(cdlt_resource *r, bool deduplicated);
/* merge strategy scd2 with dlt's options (each NULL = dlt's default): validity column names
 * (default _dlt_valid_from / _dlt_valid_to; both or neither), active_record_timestamp (the
 * valid_to of active records; default NULL), boundary_timestamp (ISO; default the load
 * package's creation time), row_version_column_name (default _dlt_id, the row hash). */
CDLT_API cdlt_status cdlt_resource_set_scd2(cdlt_resource *r, const char *valid_from,
                                            const char *valid_to,
                                            const char *active_record_timestamp,
                                            const char *boundary_timestamp,
                                            const char *row_version_column_name);
/* dlt's incremental cursor: spec_json holds its arguments as a JSON object, e.g.
 * {"cursor_path":"updated_at","initial_value":"2024-01-01T00:00:00Z"} (also end_value,
 * last_value_func "max"|"min", primary_key, on_cursor_value_missing, lag, range_start,
 * range_end, row_order). Items outside the window are dropped at extract; the cursor's state
 * is kept in the pipeline state (docs/incremental.md). NULL removes it. */
CDLT_API cdlt_status cdlt_resource_set_incremental(cdlt_resource *r, const char *spec_json,
                                                   cdlt_error *err);
/* Inside a resource callback: the incremental window as JSON values (NULL when none): where
 * this run starts (dlt's start_value: the previous run's last value with lag applied, or
 * initial_value), end_value, and the last value as it stands (the saved one until items of
 * this run pass it; valid until the next call). */
CDLT_API const char *cdlt_emitter_incremental_start(const cdlt_emitter *em);
CDLT_API const char *cdlt_emitter_incremental_end(const cdlt_emitter *em);
CDLT_API const char *cdlt_emitter_incremental_last(cdlt_emitter *em);
/* A column hint as dlt writes it in `columns`: hint "hard_delete" | "merge_key" |
 * "primary_key" | "unique" | "timezone" with value "true"/"false", "dedup_sort" with
 * "asc"/"desc", or "precision" | "scale" with a whole number ("10"). The
 * column is added (without a type) when the resource does not list it yet. */
CDLT_API cdlt_status cdlt_resource_set_column_hint(cdlt_resource *r, const char *column,
                                                   const char *hint, const char *value);
CDLT_API cdlt_status cdlt_resource_set_max_table_nesting(cdlt_resource *r, int max_nesting);
/* "evolve" | "freeze" | "discard_row" | "discard_value", or a JSON object
 * {"tables":..,"columns":..,"data_type":..}. */
CDLT_API cdlt_status cdlt_resource_set_schema_contract(cdlt_resource *r, const char *contract);
/* Stop after max_items emits (pages; -1 = no limit, 0 = nothing) or max_seconds (<= 0 = no
 * limit). A later call replaces the limit. No effect on transformers. */
CDLT_API void cdlt_resource_add_limit(cdlt_resource *r, int64_t max_items, double max_seconds);
/* Steps run in the order added, before the limit. */
CDLT_API cdlt_status cdlt_resource_add_map(cdlt_resource *r, cdlt_map_fn fn, void *ud);
CDLT_API cdlt_status cdlt_resource_add_filter(cdlt_resource *r, cdlt_filter_fn fn, void *ud);

/* ---- inside callbacks ---- */
/* Emit one item (a JSON object) or a page (a JSON array of objects). */
CDLT_API cdlt_status cdlt_emit_json(cdlt_emitter *em, const char *json, size_t len);
/* Build one item without writing JSON text (no jv, no allocation per value): begin, then
 * fields (key = NULL inside arrays), nested objects/arrays, end emits it. Errors are sticky
 * and reported by cdlt_emit_end (CDLT_INVALID_ARG for unbalanced calls). Strings are copied. */
CDLT_API void cdlt_emit_begin(cdlt_emitter *em);
CDLT_API void cdlt_emit_str(cdlt_emitter *em, const char *key, const char *value, size_t len);
CDLT_API void cdlt_emit_int(cdlt_emitter *em, const char *key, int64_t value);
CDLT_API void cdlt_emit_double(cdlt_emitter *em, const char *key, double value);
CDLT_API void cdlt_emit_bool(cdlt_emitter *em, const char *key, bool value);
CDLT_API void cdlt_emit_null(cdlt_emitter *em, const char *key);
CDLT_API void cdlt_emit_object_begin(cdlt_emitter *em, const char *key);
CDLT_API void cdlt_emit_object_end(cdlt_emitter *em);
CDLT_API void cdlt_emit_array_begin(cdlt_emitter *em, const char *key);
CDLT_API void cdlt_emit_array_end(cdlt_emitter *em);
/* Emit the item built since cdlt_emit_begin (same result codes as cdlt_emit_json). */
CDLT_API cdlt_status cdlt_emit_end(cdlt_emitter *em);
/* True once the resource's limit is reached: stop emitting. */
CDLT_API bool cdlt_emitter_stopped(const cdlt_emitter *em);
CDLT_API const char *cdlt_emitter_resource_name(const cdlt_emitter *em);
/* Persistent state of this resource / of its source (saved with the package, loaded into
 * _dlt_pipeline_state). */
CDLT_API cdlt_state *cdlt_emitter_resource_state(cdlt_emitter *em);
CDLT_API cdlt_state *cdlt_emitter_source_state(cdlt_emitter *em);
/* Value of key as JSON text (valid until the next set of that key); CDLT_NOT_FOUND if absent. */
CDLT_API cdlt_status cdlt_state_get(cdlt_state *st, const char *key, const char **out_json);
/* Set key to a JSON value (validated). */
CDLT_API cdlt_status cdlt_state_set(cdlt_state *st, const char *key, const char *json);

/* ---- pipeline definition files (TOML, YAML or JSON; see docs/pipeline.md) ---- */
CDLT_API cdlt_status cdlt_definition_load(const char *path, cdlt_definition **out,
                                          cdlt_error *err);
CDLT_API void cdlt_definition_free(cdlt_definition *d);
/* Fill pipeline options from the definition (strings owned by d). */
CDLT_API void cdlt_definition_options(const cdlt_definition *d, cdlt_pipeline_options *o);
/* A new source with one file resource per definition entry, hints applied. */
CDLT_API cdlt_status cdlt_definition_source(const cdlt_definition *d, cdlt_source **out,
                                            cdlt_error *err);

/* ---- REST client (dlt's RESTClient; docs/rest_api.md) ----
 * The same paginators, data selectors, auth, retries and response actions as the rest_api
 * source, for a C program that emits the records from its own resource callback. */
typedef struct cdlt_rest_client cdlt_rest_client; /* freed by cdlt_rest_client_free */
/* client_json: dlt's client dict as JSON text: {"base_url": ..., "headers": {...},
 * "auth": {...}, "paginator": ...}. Auth secrets the dict leaves out are not looked up: pass
 * them here. */
CDLT_API cdlt_status cdlt_rest_client_open(const char *client_json, cdlt_rest_client **out,
                                           cdlt_error *err);
CDLT_API void cdlt_rest_client_free(cdlt_rest_client *c);
/* Receives one page: its records as a JSON array text (valid during the call). Return
 * CDLT_OK for more, CDLT_INTERRUPTED to stop early without an error, anything else to fail. */
typedef cdlt_status (*cdlt_rest_page_fn)(const char *records_json, size_t len, void *ud);
/* Page through one endpoint. endpoint_json: dlt's endpoint dict as JSON text ({"path": ...,
 * "method", "params", "json", "headers", "paginator", "data_selector", "response_actions"})
 * or a plain path string such as "\"pokemon\"". Pages arrive in order. */
CDLT_API cdlt_status cdlt_rest_paginate(cdlt_rest_client *c, const char *endpoint_json,
                                        cdlt_rest_page_fn fn, void *ud, cdlt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* CDLT_H */
