/* case_fs_parquet.c: case 96, fs_parquet: `cdlt run` on the GitHub-events file into the
 * filesystem destination with loader_file_format = "parquet", in a child process: wall time per
 * phase, MB/s, the child's peak RSS; next to DuckDB's own `COPY (SELECT * FROM
 * read_ndjson(file)) TO 'x.parquet'` of the same file, also in a child (its peak RSS too), with
 * DuckDB's default threads and with 1 thread. Issue 14 goal: <= 1.2x DuckDB's COPY, peak RSS
 * <= 64 MB and flat in the input size. Checksum: root rows loaded = records. */
#include "bench.h"

#include <stdio.h>
#include <sys/stat.h>

/* an empty bucket folder before each run */
static int fresh_bucket(void *bucket)
{
    bench_rm_rf(bucket);
    return 0;
}

static int run_fs_parquet(bench_ctx *ctx)
{
    bench_work w;
    if (bench_work_open(ctx, "fs", "def.json", &w) != 0)
        return 1;
    char bucket[1300], sql[4000], refp[1300];
    snprintf(bucket, sizeof bucket, "%s/bucket", w.dir);
    bench_cli_spec spec = {.tag = "fs_parquet", .def = w.def, .pdir = w.pdir, .out = w.out,
                           .before = fresh_bucket, .ud = bucket};
    bench_cli_best b = {.run.seconds = -1};
    int rc = bench_write_file(w.def,
                              "{\"pipeline_name\":\"bench_fs\",\"loader_file_format\":\"parquet\","
                              "\"destination\":{\"type\":\"filesystem\",\"bucket_url\":\"%s\"},"
                              "\"dataset_name\":\"github\",\"resources\":[{\"name\":\"events\","
                              "\"path\":\"%s\",\"write_disposition\":\"append\"}]}\n",
                              bucket, w.events) != 0 ||
             bench_cli_best_of(ctx, &spec, &b) != 0;
    uint64_t out_bytes = bench_dir_bytes(bucket);
    snprintf(refp, sizeof refp, "%s/ref.parquet", w.dir);
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM read_ndjson('%s')) TO '%s' (FORMAT parquet)",
             w.events, refp);
    /* DuckDB's COPY in a child, with its own peak RSS: default threads, then 1 thread */
    bench_child ref = {.seconds = -1}, ref1 = {.seconds = -1};
    if (rc == 0 && bench_duckdb_child("fs_parquet", NULL, sql, 0, &ref) != 0)
        ref.seconds = -1;
    struct stat rst;
    uint64_t ref_bytes = stat(refp, &rst) == 0 ? (uint64_t)rst.st_size : 0;
    if (rc == 0 && bench_duckdb_child("fs_parquet", NULL, sql, 1, &ref1) != 0)
        ref1.seconds = -1;
    if (rc == 0) {
        uint64_t rows, nested;
        if (bench_events_rows("fs_parquet", ctx, &b.info, &rows, &nested) != 0)
            rc = 1;
        char extra[768];
        snprintf(extra, sizeof extra,
                 "extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f "
                 "nested_rows=%llu out_mb=%.1f duckdb_copy_s=%.3f duckdb_copy_rss_mb=%.1f "
                 "duckdb_copy_1t_s=%.3f duckdb_copy_1t_rss_mb=%.1f duckdb_out_mb=%.1f "
                 "ratio=%.2f ratio_1t=%.2f checksum=%llu",
                 b.phase[0], b.phase[1], b.phase[2], (double)b.run.rss_kb / 1024.0,
                 (unsigned long long)nested, out_bytes / 1e6, ref.seconds, ref.rss_kb / 1024.0,
                 ref1.seconds, ref1.rss_kb / 1024.0, ref_bytes / 1e6,
                 bench_ratio(b.run.seconds, ref.seconds), bench_ratio(b.run.seconds, ref1.seconds),
                 (unsigned long long)(rows + nested));
        bench_report(ctx, "fs_parquet", rows, ctx->events_bytes, b.run.seconds, extra);
    }
    bench_cli_best_free(&b);
    bench_work_close(&w);
    return rc;
}

BENCH_CASE(96, "fs_parquet",
           "cdlt run: events file -> filesystem destination, loader_file_format parquet (local "
           "folder) vs DuckDB COPY read_ndjson TO parquet (default threads and 1 thread)",
           run_fs_parquet)
