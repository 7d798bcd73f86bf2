/* case_parquet.c: case 95, parquet_write: the events file streamed through the NDJSON reader
 * and the relational normalizer into Parquet load files (src/destinations/writers/parquet.c,
 * one file per table, rotated when a table gets new columns), in a child process: wall time,
 * MB/s of input, peak RSS; next to the same pass into a counting sink (normalize alone, so the
 * writer's share shows) and DuckDB's own `COPY (SELECT * FROM read_ndjson(file)) TO
 * 'x.parquet'` of the same file, also in a child (default threads, and 1 thread). Issue 14 goal:
 * time <= 1.2x DuckDB's COPY, RSS <= 64 MB and flat from 100k to 1M. Checksum: rows. */
#include "bench.h"

#include "destinations/writers/parquet.h"
#include "normalize/normalize.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct tw_entry {
    const schema_table *t; /* table (stable pointer in the schema) */
    pq_writer *w;          /* its open file */
    uint32_t ncols;        /* table columns when the file was opened */
} tw_entry;

typedef struct pq_sink {
    const char *dir;       /* output folder; NULL = count only */
    tw_entry tabs[32];     /* open files */
    int ntabs;             /* entries used */
    int files;             /* files opened */
    uint64_t rows;         /* rows written */
    cdlt_error err;        /* last error */
} pq_sink;

static cdlt_status ps_open(pq_sink *p, tw_entry *e, const schema_table *t)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s.%d.parquet", p->dir, t->name, p->files++);
    e->t = t;
    e->ncols = t->ncolumns;
    return pq_writer_open(t, path, NULL, &e->w, &p->err);
}

static cdlt_status ps_changed(void *self, const schema *s, const schema_table *t, uint32_t f)
{
    pq_sink *p = self;
    if (!p->dir)
        return CDLT_OK;
    for (int i = 0; i < p->ntabs; i++) {
        if (p->tabs[i].t == t) { /* new columns: this file is done, the next has them */
            cdlt_status st = pq_writer_close(p->tabs[i].w, NULL, &p->err);
            if (st == CDLT_OK)
                st = ps_open(p, &p->tabs[i], t);
            return st;
        }
    }
    if (p->ntabs == 32)
        return CDLT_TOO_LARGE;
    return ps_open(p, &p->tabs[p->ntabs++], t);
}

static cdlt_status ps_row(void *self, const schema_table *t, const tval *vals, uint32_t ncols)
{
    pq_sink *p = self;
    p->rows++;
    if (!p->dir)
        return CDLT_OK;
    for (int i = 0; i < p->ntabs; i++) {
        if (p->tabs[i].t == t) {
            cdlt_status st = pq_writer_row(p->tabs[i].w, vals, ncols);
            if (st != CDLT_OK)
                fprintf(stderr, "parquet_write: %s\n", pq_writer_last_error(p->tabs[i].w));
            return st;
        }
    }
    return CDLT_NOT_FOUND;
}

/* One pass in this process; returns seconds or -1. */
static double pass(bench_ctx *ctx, pq_sink *p)
{
    cdlt_error err;
    schema *s = NULL;
    normalizer *n = NULL;
    json_stream *js = NULL;
    if (schema_new("bench", &s, &err) != CDLT_OK ||
        norm_open(s, "1700000000.1", &n, &err) != CDLT_OK ||
        json_stream_open_file(ctx->events_path, NULL, &js, &err) != CDLT_OK) {
        fprintf(stderr, "parquet_write: %s\n", err.message);
        return -1;
    }
    norm_sink sink = {p, ps_changed, ps_row};
    arena a;
    arena_init(&a, 4u << 20, 0);
    uint64_t items = 0;
    double t0 = bench_now();
    for (;;) {
        jv item;
        bool eof = false;
        if (json_stream_next(js, &a, &item, &eof, &err) != CDLT_OK) {
            fprintf(stderr, "parquet_write: %s\n", err.message);
            return -1;
        }
        if (eof)
            break;
        if (norm_item(n, &item, "GitHub Events", &sink, &err) != CDLT_OK) {
            fprintf(stderr, "parquet_write: item %llu: %s %s\n", (unsigned long long)items,
                    err.message, p->err.message);
            return -1;
        }
        if (++items % 1000 == 0) {
            norm_batch_reset(n);
            arena_reset(&a);
        }
    }
    for (int i = 0; i < p->ntabs; i++) {
        if (pq_writer_close(p->tabs[i].w, NULL, &p->err) != CDLT_OK) {
            fprintf(stderr, "parquet_write: %s\n", p->err.message);
            return -1;
        }
    }
    double t = bench_now() - t0;
    norm_close(n);
    schema_free(s);
    arena_free(&a);
    json_stream_close(js);
    return t;
}

/* Run fn in a child; returns its wall seconds (-1 on failure), *rss_kb its peak RSS and
 * *out_rows the rows it reports through a pipe. */
static double in_child(bench_ctx *ctx, const char *dir, const char *duck_sql, int threads,
                       long *rss_kb, uint64_t *out_rows)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        uint64_t rows = 0;
        int ok = 1;
        if (duck_sql) {
            duckdb_database d;
            duckdb_connection c;
            duckdb_result r;
            duckdb_config cfg;
            char th[16];
            snprintf(th, sizeof th, "%d", threads);
            duckdb_create_config(&cfg);
            if (threads > 0)
                duckdb_set_config(cfg, "threads", th);
            if (duckdb_open_ext(NULL, &d, cfg, NULL) != DuckDBSuccess ||
                duckdb_connect(d, &c) != DuckDBSuccess)
                _exit(1);
            ok = duckdb_query(c, duck_sql, &r) == DuckDBSuccess;
            if (!ok)
                fprintf(stderr, "parquet_write: duckdb: %s\n", duckdb_result_error(&r));
            else
                rows = duckdb_rows_changed(&r);
            duckdb_destroy_result(&r);
            duckdb_disconnect(&c);
            duckdb_close(&d);
        } else {
            pq_sink p;
            memset(&p, 0, sizeof p);
            p.dir = dir;
            ok = pass(ctx, &p) >= 0;
            rows = p.rows;
        }
        if (write(fds[1], &rows, sizeof rows) != sizeof rows)
            _exit(1);
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    uint64_t rows = 0;
    if (read(fds[0], &rows, sizeof rows) != sizeof rows)
        rows = 0;
    close(fds[0]);
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    double t = bench_now() - t0;
    *rss_kb = ru.ru_maxrss;
    *out_rows = rows;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : -1;
}

static uint64_t dir_bytes(const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "du -sb '%s' | cut -f1", dir);
    FILE *f = popen(cmd, "r");
    unsigned long long n = 0;
    if (f) {
        if (fscanf(f, "%llu", &n) != 1)
            n = 0;
        pclose(f);
    }
    return n;
}

static int run_parquet(bench_ctx *ctx)
{
    char dir[1024], ref[1200], sql[4096];
    snprintf(dir, sizeof dir, "%s/parquet_out", ctx->data_dir);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    long rss_norm = 0, rss_pq = 0, rss_ref = 0, rss_ref1 = 0;
    uint64_t rows_norm = 0, rows_pq = 0, rows_ref = 0;
    double t_norm = in_child(ctx, NULL, NULL, 0, &rss_norm, &rows_norm);
    double t_pq = in_child(ctx, dir, NULL, 0, &rss_pq, &rows_pq);
    uint64_t out_bytes = dir_bytes(dir);
    snprintf(ref, sizeof ref, "%s/duckdb_ref.parquet", ctx->data_dir);
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM read_ndjson('%s')) TO '%s' (FORMAT parquet)",
             ctx->events_path, ref);
    double t_ref = in_child(ctx, NULL, sql, 0, &rss_ref, &rows_ref);
    struct stat st;
    uint64_t ref_bytes = stat(ref, &st) == 0 ? (uint64_t)st.st_size : 0;
    double t_ref1 = in_child(ctx, NULL, sql, 1, &rss_ref1, &rows_ref);
    if (t_norm < 0 || t_pq < 0 || t_ref < 0 || rows_norm != rows_pq) {
        fprintf(stderr, "parquet_write: a run failed (rows %llu vs %llu)\n",
                (unsigned long long)rows_norm, (unsigned long long)rows_pq);
        return 1;
    }
    char extra[1024];
    snprintf(extra, sizeof extra,
             "rows=%llu normalize_only_s=%.3f normalize_only_rss_mb=%.1f writer_share_s=%.3f "
             "out_mb=%.1f duckdb_copy_s=%.3f duckdb_copy_rss_mb=%.1f duckdb_copy_1t_s=%.3f "
             "duckdb_copy_1t_rss_mb=%.1f duckdb_out_mb=%.1f ratio=%.2f ratio_1t=%.2f "
             "checksum=%llu",
             (unsigned long long)rows_pq, t_norm, rss_norm / 1024.0, t_pq - t_norm,
             out_bytes / 1e6, t_ref, rss_ref / 1024.0, t_ref1, rss_ref1 / 1024.0,
             ref_bytes / 1e6, t_pq / t_ref, t_pq / t_ref1, (unsigned long long)rows_pq);
    /* rss_mb in the RESULT line is the bench process itself; the writer child's is this: */
    char extra2[1200];
    snprintf(extra2, sizeof extra2, "child_rss_mb=%.1f %s", rss_pq / 1024.0, extra);
    bench_report(ctx, "parquet_write", ctx->records, ctx->events_bytes, t_pq, extra2);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, ref);
    if (system(cmd) != 0)
        return 1;
    return 0;
}

BENCH_CASE(95, "parquet_write",
           "events NDJSON -> normalizer -> Parquet load files (our writer), vs normalize alone "
           "and DuckDB COPY (SELECT * FROM read_ndjson) TO parquet",
           run_parquet)
