/* case_json.c: case 1, json_parse: stream the events file through the NDJSON reader on one
 * core, against DuckDB's own read_ndjson count on the same file (the reference ratio). */
#include "bench.h"

#include "json/json.h"

#include <stdio.h>

/* Walk the tree so a reader that skips work can't look fast; the count is the checksum. */
static uint64_t count_values(const jv *v)
{
    uint64_t n = 1;
    if (v->type == JV_ARRAY)
        for (uint32_t i = 0; i < v->len; i++)
            n += count_values(&v->u.items[i]);
    else if (v->type == JV_OBJECT)
        for (uint32_t i = 0; i < v->len; i++)
            n += count_values(&v->u.members[i].value);
    return n;
}

static int run_json_parse(bench_ctx *ctx)
{
    double best = 1e30;
    uint64_t items = 0, values = 0;
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        cdlt_error err;
        json_stream *s = NULL;
        if (json_stream_open_file(ctx->events_path, NULL, &s, &err) != CDLT_OK) {
            fprintf(stderr, "json_parse: %s\n", err.message);
            return 1;
        }
        arena a;
        arena_init(&a, 256 * 1024, 0);
        items = values = 0;
        double t0 = bench_now();
        for (;;) {
            jv item;
            bool eof = false;
            if (json_stream_next(s, &a, &item, &eof, &err) != CDLT_OK) {
                fprintf(stderr, "json_parse: %s\n", err.message);
                return 1;
            }
            if (eof)
                break;
            items++;
            values += count_values(&item);
            /* reset per batch of 1000 items, as the pipeline does */
            if (items % 1000 == 0)
                arena_reset(&a);
        }
        double t = bench_now() - t0;
        if (t < best)
            best = t;
        arena_free(&a);
        json_stream_close(s);
    }
    char sql[1400], extra[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_ndjson('%s')", ctx->events_path);
    double ref = bench_duckdb_seconds(sql, 0);
    double ref1 = bench_duckdb_seconds(sql, 1);
    snprintf(extra, sizeof extra,
             "values=%llu duckdb_read_ndjson_s=%.3f duckdb_1thread_s=%.3f speedup_vs_duckdb=%.2fx "
             "speedup_vs_duckdb_1thread=%.2fx",
             (unsigned long long)values, ref, ref1, ref > 0 ? ref / best : 0,
             ref1 > 0 ? ref1 / best : 0);
    bench_report(ctx, "json_parse", items, ctx->events_bytes, best, extra);
    return 0;
}

BENCH_CASE(1, "json_parse", "NDJSON reader over the events file (1 core) vs DuckDB read_ndjson",
           run_json_parse)
