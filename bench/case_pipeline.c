/* case_pipeline.c: case 30, pipeline: the whole product as a user runs it: `cdlt run` on a
 * definition with one file resource over the GitHub-events file into a fresh DuckDB file
 * (append), in a child process: wall time per phase (from the --json load info), MB/s, rows/s,
 * the child's peak RSS; next to DuckDB's own `CREATE TABLE ... AS SELECT * FROM
 * read_ndjson(file)` into a fresh database file on the same file (the goal: ratio <= 1).
 * Checksum: root rows loaded = records. */
#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* a fresh DuckDB file before each run */
static int fresh_db(void *db)
{
    unlink(db);
    return 0;
}

static int run(bench_ctx *ctx)
{
    bench_work w;
    if (bench_work_open(ctx, "pipeline", "def.json", &w) != 0)
        return 1;
    char db[1300], refdb[1300], sql[1400];
    snprintf(db, sizeof db, "%s/cdlt.duckdb", w.dir);
    snprintf(refdb, sizeof refdb, "%s/ref.duckdb", w.dir);
    bench_cli_spec spec = {.tag = "pipeline", .def = w.def, .pdir = w.pdir, .out = w.out,
                           .before = fresh_db, .ud = db};
    bench_cli_best b = {.run.seconds = -1};
    int rc = bench_write_file(w.def,
                              "{\"pipeline_name\":\"bench_events\",\"destination\":\"duckdb\","
                              "\"credentials\":\"%s\",\"dataset_name\":\"github\",\"resources\":"
                              "[{\"name\":\"events\",\"path\":\"%s\",\"write_disposition\":"
                              "\"append\"}]}\n",
                              db, w.events) != 0 ||
             bench_cli_best_of(ctx, &spec, &b) != 0;
    /* DuckDB's own load into a database file, in a child (its memory is not ours) */
    bench_child ref = {.seconds = -1};
    snprintf(sql, sizeof sql, "CREATE TABLE events AS SELECT * FROM read_ndjson('%s')", w.events);
    unlink(refdb);
    if (rc == 0 && bench_duckdb_child("pipeline", refdb, sql, 0, &ref) != 0)
        ref.seconds = -1;
    if (rc == 0) {
        uint64_t rows, nested;
        if (bench_events_rows("pipeline", ctx, &b.info, &rows, &nested) != 0)
            rc = 1;
        char extra[512];
        snprintf(extra, sizeof extra,
                 "extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f "
                 "nested_rows=%llu duckdb_ctas_s=%.3f duckdb_rss_mb=%.1f ratio=%.2f "
                 "checksum=%llu",
                 b.phase[0], b.phase[1], b.phase[2], (double)b.run.rss_kb / 1024.0,
                 (unsigned long long)nested, ref.seconds,
                 ref.seconds > 0 ? (double)ref.rss_kb / 1024.0 : 0,
                 bench_ratio(b.run.seconds, ref.seconds), (unsigned long long)(rows + nested));
        bench_report(ctx, "pipeline", rows, ctx->events_bytes, b.run.seconds, extra);
    }
    bench_cli_best_free(&b);
    bench_work_close(&w);
    return rc;
}

BENCH_CASE(30, "pipeline",
           "cdlt run: events file -> DuckDB file (extract/normalize/load) vs DuckDB CTAS "
           "read_ndjson into a file",
           run)
