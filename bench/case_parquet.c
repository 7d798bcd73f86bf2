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

/* The normalizer pass (into Parquet files under dir, or a counting sink when dir is NULL) in a
 * child, which reports the rows it wrote. */
typedef struct pass_job {
    bench_ctx *ctx;  /* the case */
    const char *dir; /* output folder or NULL */
} pass_job;

static int pass_in_child(void *ud, uint64_t *rows)
{
    const pass_job *j = ud;
    pq_sink p;
    memset(&p, 0, sizeof p);
    p.dir = j->dir;
    int ok = pass(j->ctx, &p) >= 0;
    *rows = p.rows;
    return ok ? 0 : 1;
}

static int run_parquet(bench_ctx *ctx)
{
    char dir[1024], ref[1200], sql[4096];
    snprintf(dir, sizeof dir, "%s/parquet_out", ctx->data_dir);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    pass_job jn = {ctx, NULL}, jp = {ctx, dir};
    bench_child norm, pq, r, r1;
    int bad = bench_in_child(pass_in_child, &jn, &norm) != 0;
    bad |= bench_in_child(pass_in_child, &jp, &pq) != 0;
    uint64_t out_bytes = bench_dir_bytes(dir);
    snprintf(ref, sizeof ref, "%s/duckdb_ref.parquet", ctx->data_dir);
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM read_ndjson('%s')) TO '%s' (FORMAT parquet)",
             ctx->events_path, ref);
    bad |= bench_duckdb_child("parquet_write", NULL, sql, 0, &r) != 0;
    struct stat st;
    uint64_t ref_bytes = stat(ref, &st) == 0 ? (uint64_t)st.st_size : 0;
    if (bench_duckdb_child("parquet_write", NULL, sql, 1, &r1) != 0)
        r1.seconds = -1;
    if (bad || norm.value != pq.value) {
        fprintf(stderr, "parquet_write: a run failed (rows %llu vs %llu)\n",
                (unsigned long long)norm.value, (unsigned long long)pq.value);
        return 1;
    }
    uint64_t rows_pq = pq.value;
    double t_norm = norm.seconds, t_pq = pq.seconds, t_ref = r.seconds, t_ref1 = r1.seconds;
    long rss_norm = norm.rss_kb, rss_pq = pq.rss_kb, rss_ref = r.rss_kb, rss_ref1 = r1.rss_kb;
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
