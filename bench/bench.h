/* bench.h: the benchmark program's case registry and shared helpers. A case is one file that
 * calls BENCH_CASE(...) at file scope; adding a case adds a file, not code elsewhere.
 * Cases have fixed numeric ids (stable across versions) and print one result line each. */
#ifndef CDLT_BENCH_H
#define CDLT_BENCH_H

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

#endif
