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

/* ---- config (src/config) ---- */

/* ---- pipeline (src/pipeline) ---- */

#ifdef __cplusplus
}
#endif
#endif /* CDLT_H */
