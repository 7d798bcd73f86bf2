/* case_filesystem.c: case 90, fs_jsonl: `cdlt run` on the GitHub-events file into the
 * filesystem destination as dlt's jsonl without gzip ([normalize.data_writer]
 * disable_compression), in a child process: wall time per phase, MB/s, rows/s and the child's
 * peak RSS (issue 14: 100k records in <= 0.6 s, RSS <= 64 MB flat); next to DuckDB's own
 * `COPY (SELECT * FROM read_ndjson(file)) TO 'x.jsonl'` on the same file. Case 91,
 * fs_jsonl_gz: the same with dlt's default gzip, vs DuckDB's COPY with COMPRESSION gzip.
 * Checksum: root rows loaded = records. */
#include "bench.h"

#include <stdio.h>

/* an empty bucket folder before each run */
static int fresh_bucket(void *bucket)
{
    bench_rm_rf(bucket);
    return 0;
}

static int run_jsonl(bench_ctx *ctx, bool gz)
{
    const char *tag = gz ? "fs_jsonl_gz" : "fs_jsonl";
    bench_work w;
    if (bench_work_open(ctx, "fs", "def.json", &w) != 0)
        return 1;
    char bucket[1300], sql[4000];
    snprintf(bucket, sizeof bucket, "%s/bucket", w.dir);
    /* dlt's jsonl without gzip, or with (its default) */
    bench_cli_spec spec = {.tag = tag, .def = w.def, .pdir = w.pdir, .out = w.out,
                           .env = gz ? NULL : "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION=true",
                           .before = fresh_bucket, .ud = bucket};
    bench_cli_best b = {.run.seconds = -1};
    int rc = bench_write_file(w.def,
                              "{\"pipeline_name\":\"bench_fs\",\"destination\":{\"type\":"
                              "\"filesystem\",\"bucket_url\":\"%s\"},\"dataset_name\":\"github\","
                              "\"resources\":[{\"name\":\"events\",\"path\":\"%s\","
                              "\"write_disposition\":\"append\"}]}\n",
                              bucket, w.events) != 0 ||
             bench_cli_best_of(ctx, &spec, &b) != 0;
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM read_ndjson('%s')) TO '%s/ref.jsonl%s' "
             "(FORMAT json%s)", w.events, w.dir, gz ? ".gz" : "",
             gz ? ", COMPRESSION gzip" : "");
    double ref = rc == 0 ? bench_duckdb_seconds(sql, 0) : -1;
    if (rc == 0) {
        uint64_t rows, nested;
        if (bench_events_rows(tag, ctx, &b.info, &rows, &nested) != 0)
            rc = 1;
        char extra[512];
        snprintf(extra, sizeof extra,
                 "cpu_s=%.3f extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f "
                 "nested_rows=%llu duckdb_copy_json_s=%.3f ratio=%.2f checksum=%llu",
                 b.run.cpu_s, b.phase[0], b.phase[1], b.phase[2], (double)b.run.rss_kb / 1024.0,
                 (unsigned long long)nested, ref, bench_ratio(b.run.seconds, ref),
                 (unsigned long long)(rows + nested));
        bench_report(ctx, tag, rows, ctx->events_bytes, b.run.seconds, extra);
    }
    bench_cli_best_free(&b);
    bench_work_close(&w);
    return rc;
}

static int run(bench_ctx *ctx) { return run_jsonl(ctx, false); }
static int run_gz(bench_ctx *ctx) { return run_jsonl(ctx, true); }

BENCH_CASE(90, "fs_jsonl",
           "cdlt run: events file -> filesystem destination, jsonl without gzip (local folder) "
           "vs DuckDB COPY read_ndjson TO json",
           run)
BENCH_CASE(91, "fs_jsonl_gz",
           "cdlt run: events file -> filesystem destination, jsonl with dlt's default gzip "
           "vs DuckDB COPY read_ndjson TO json with COMPRESSION gzip",
           run_gz)
