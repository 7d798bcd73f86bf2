/* bench.h: the benchmark program's case registry and shared helpers. A case is one file that
 * calls BENCH_CASE(...) at file scope; adding a case adds a file, not code elsewhere.
 * Cases have fixed numeric ids (stable across versions) and print one result line each. */
#ifndef CDLT_BENCH_H
#define CDLT_BENCH_H

#include "json/json.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_ctx {
    const char *data_dir;    /* where generated inputs live (default bench/data, git-ignored) */
    uint64_t records;        /* size knob: number of generated records */
    const char *events_path; /* GitHub-events NDJSON file with `records` records */
    uint64_t events_bytes;   /* its size */
    const char *cdlt_bin;    /* path of the cdlt CLI next to cdlt_bench */
    int repeat;              /* runs per case; the best is reported */
} bench_ctx;

typedef struct bench_case {
    int id;            /* stable number, used with --case */
    const char *name;  /* short name, e.g. "json_parse" */
    const char *desc;  /* one line */
    int (*run)(bench_ctx *ctx); /* 0 = ok; prints its own result lines via bench_report */
} bench_case;

void bench_register(const bench_case *c);

#define BENCH_CASE(ID, NAME, DESC, FN)                                              \
    static const bench_case bench_case_##FN = {ID, NAME, DESC, FN};                \
    __attribute__((constructor)) static void bench_register_##FN(void)             \
    {                                                                              \
        bench_register(&bench_case_##FN);                                          \
    }

/* Peak resident set size of this process (VmHWM) in bytes. Each case runs in its own
 * forked process, so this is the case's own peak. */
size_t bench_peak_rss(void);
double bench_now(void);

/* One result line, machine-greppable:
 *   RESULT case=<name> records=<n> bytes=<b> seconds=<s> mb_s=<..> rec_s=<..> rss_mb=<..> <extra>
 * `extra` is free text ("ratio=0.8 ref_s=1.2 checksum=..."), may be NULL. */
void bench_report(const bench_ctx *ctx, const char *name, uint64_t records, uint64_t bytes,
                  double seconds, const char *extra);

/* DuckDB reference, in a forked child (its memory never counts toward the case's peak RSS):
 * run `sql` on a fresh in-memory DuckDB (threads as given, 0 = DuckDB's
 * default) and return the wall seconds, or -1 on error (message printed). */
double bench_duckdb_seconds(const char *sql, int threads);

/* Make sure the GitHub-events file for ctx->records exists (generated deterministically). */
int bench_ensure_events(bench_ctx *ctx);
/* Generate `records` GitHub-events-like records (seeded, deterministic) into path. */
int bench_generate_events(const char *path, uint64_t records, uint64_t seed);

/* ---- util.c: the pieces several cases share (work folders, child processes, the cdlt CLI,
 * its --json load info, private servers, reference checks). `tag` is the case's name, used
 * in messages on stderr only. */

/* a / b, or 0 when b is not positive (a missing reference gives ratio=0, not inf) */
double bench_ratio(double a, double b);
/* system(cmd); prints the command when it fails. Returns system()'s status. */
int bench_sh(const char *tag, const char *cmd);
void bench_rm_rf(const char *path);
/* Bytes below a folder (du -sb), 0 when unknown. */
uint64_t bench_dir_bytes(const char *dir);
/* Write a whole (small) file from a printf format; 0 or -1. */
int bench_write_file(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A case's private folder <data_dir>/<prefix>_<pid> with absolute paths for a CLI run. */
typedef struct bench_work {
    char *dir;       /* absolute path of the folder (made here) */
    char *events;    /* absolute path of ctx->events_path */
    char def[1200];  /* <dir>/<def_name>: the definition file */
    char pdir[1200]; /* <dir>/pipelines: --pipelines-dir */
    char out[1200];  /* <dir>/cli.out: the CLI's stdout (its --json load info) */
} bench_work;
int bench_work_open(const bench_ctx *ctx, const char *prefix, const char *def_name,
                    bench_work *w);
/* Removes the folder and frees the paths; a zeroed bench_work is fine. */
void bench_work_close(bench_work *w);

/* What a child process cost. */
typedef struct bench_child {
    double seconds; /* wall, from fork to exit */
    double cpu_s;   /* user + system CPU: the figure a loaded machine does not inflate */
    long rss_kb;    /* its peak RSS */
    uint64_t value; /* what fn reported (0 when it exec'd another program) */
} bench_child;
/* Run fn(ud, &value) in a forked child (its memory never counts for the caller). 0 when the
 * child exited with 0 (fn returned 0), -1 otherwise; *out is filled either way. */
int bench_in_child(int (*fn)(void *ud, uint64_t *value), void *ud, bench_child *out);
/* DuckDB in a child: `sql` on `db` (NULL = in memory) with `threads` (0 = DuckDB's default);
 * out->value = rows changed; seconds include opening the database. */
int bench_duckdb_child(const char *tag, const char *db, const char *sql, int threads,
                       bench_child *out);
/* count(*) and sum(id) of `table` (may be schema-qualified) in the DuckDB file `db`. */
int bench_duckdb_count_sum(const char *tag, const char *db, const char *table, long long *rows,
                           long long *sum);

/* The --json load info the CLI prints (parsed from its first '{'). */
typedef struct bench_info {
    char *text;  /* the file's text (values may point into it) */
    arena a;     /* holds the parsed tree */
    jv root;     /* the load info object */
    bool loaded; /* root is valid */
} bench_info;
int bench_info_read(const char *path, bench_info *out);
void bench_info_free(bench_info *i);
double bench_info_phase(const bench_info *i, const char *phase); /* seconds, 0 if absent */
uint64_t bench_info_rows(const bench_info *i, const char *table); /* rows loaded, 0 if absent */

/* `cdlt run <def> --pipelines-dir <pdir> --progress none --json`, best of ctx->repeat runs. */
typedef struct bench_cli_spec {
    const char *tag;           /* case name for messages */
    const char *def, *pdir;    /* definition file; pipelines folder (removed before each run) */
    const char *out;           /* the CLI's stdout goes here */
    bool stderr_too;           /* its stderr too (else it stays on ours) */
    const char *env;           /* "KEY=VALUE" set in the CLI's environment, or NULL */
    int (*before)(void *ud);   /* before each run: fresh destination (nonzero = fail), or NULL */
    void *ud;                  /* for before */
} bench_cli_spec;
typedef struct bench_cli_best {
    bench_child run;  /* the fastest run */
    double phase[3];  /* its extract, normalize, load seconds */
    bench_info info;  /* its load info (tables' rows); freed by bench_cli_best_free */
} bench_cli_best;
int bench_cli_best_of(const bench_ctx *ctx, const bench_cli_spec *spec, bench_cli_best *out);
void bench_cli_best_free(bench_cli_best *b);
/* The events cases' checksum from the load info: root rows ("events") must equal
 * ctx->records (else a CHECKSUM MISMATCH line on stderr and -1); *nested = the rows of the
 * nested tables (events__payload__commits, events__labels). */
int bench_events_rows(const char *tag, const bench_ctx *ctx, const bench_info *i,
                      uint64_t *rows, uint64_t *nested);

/* Private servers: scripts/<script> (testdb or s3server) with its state in `state`; its
 * settings are then KEY=VALUE lines in <state>/<script>.env. */
int bench_server_start(const char *tag, const char *script, const char *state);
int bench_server_stop(const char *tag, const char *script, const char *state);
int bench_server_env(const char *script, const char *state, const char *key, char *out,
                     size_t cap);
/* A database server's URL: the first non-empty variable of `envs` (NULL-terminated), else a
 * private scripts/testdb server started in <dir>/testdb (then *own = true) and its `key`
 * (CDLT_TEST_PG_URL, CDLT_TEST_MYSQL_URL). bench_db_release stops such a private server. */
int bench_db_url(const char *tag, const char *const *envs, const char *dir, const char *key,
                 char *url, size_t cap, bool *own);
void bench_db_release(const char *tag, const char *dir, bool own);

/* PostgreSQL (libpq's PGconn): run sql, 1 when it succeeded (else the error is printed). */
struct pg_conn;
int bench_pg_exec(const char *tag, struct pg_conn *c, const char *sql);
/* The first column of a one-row result as a number, -1 on error. */
long long bench_pg_value(const char *tag, struct pg_conn *c, const char *sql);

#endif
