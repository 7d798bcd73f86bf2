/* case_normalize.c: case 5, normalize: stream the events file through the NDJSON reader and the
 * relational normalizer into an in-memory counting sink (one core), full pass on a fresh schema
 * (evolving at the start), a second pass on the settled schema (steady state), and the per-item
 * cost of the first 1000 items fresh vs warm. Reports MB/s, root rows/s and all rows/s for both
 * passes (wall and CPU), page faults, peak RSS. Checksum: rows and non-NULL cells (ids random). */
#include "bench.h"

#include "normalize/normalize.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

/* CPU seconds of this process: the machine is shared, so wall time alone overstates cost. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Minor page faults of this process so far (first touches of arena/reader memory). */
static long minflt_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

typedef struct count_sink {
    uint64_t rows;    /* rows, all tables */
    uint64_t cells;   /* non-NULL values */
    uint64_t changes; /* schema_changed calls */
} count_sink;

static cdlt_status cs_changed(void *self, const schema *s, const schema_table *t, uint32_t f)
{
    ((count_sink *)self)->changes++;
    return CDLT_OK;
}

static cdlt_status cs_row(void *self, const schema_table *t, const tval *vals, uint32_t ncols)
{
    count_sink *c = self;
    c->rows++;
    for (uint32_t i = 0; i < ncols; i++)
        c->cells += vals[i].type != DT_NONE;
    return CDLT_OK;
}

/* One streaming pass; returns wall seconds or -1; *out_cpu gets CPU seconds. */
static double pass(bench_ctx *ctx, normalizer *n, count_sink *cs, uint64_t *out_items,
                   double *out_cpu, long *out_faults)
{
    cdlt_error err;
    json_stream *s = NULL;
    if (json_stream_open_file(ctx->events_path, NULL, &s, &err) != CDLT_OK) {
        fprintf(stderr, "normalize: %s\n", err.message);
        return -1;
    }
    norm_sink sink = {cs, cs_changed, cs_row};
    arena a;
    arena_init(&a, 256 * 1024, 0);
    uint64_t items = 0;
    long f0 = minflt_now();
    double t0 = bench_now(), c0 = cpu_now();
    for (;;) {
        jv item;
        bool eof = false;
        if (json_stream_next(s, &a, &item, &eof, &err) != CDLT_OK) {
            fprintf(stderr, "normalize: %s\n", err.message);
            return -1;
        }
        if (eof)
            break;
        if (norm_item(n, &item, "GitHub Events", &sink, &err) != CDLT_OK) {
            fprintf(stderr, "normalize: item %llu: %s\n", (unsigned long long)items, err.message);
            return -1;
        }
        /* the sink consumed the rows: release items and row values per batch of 1000 */
        if (++items % 1000 == 0) {
            norm_batch_reset(n);
            /* one chunk per batch (as the pipeline should): a multi-chunk arena frees and
             * mallocs its extra chunks every batch, page faults included */
            while (a.used_total > a.chunk_size && a.chunk_size < (64u << 20))
                a.chunk_size *= 2;
            arena_reset(&a);
        }
    }
    double t = bench_now() - t0;
    *out_cpu = cpu_now() - c0;
    *out_faults = minflt_now() - f0;
    norm_batch_reset(n);
    arena_free(&a);
    json_stream_close(s);
    *out_items = items;
    return t;
}

/* Per-item microseconds of normalizing `items` pre-parsed items with n. */
static double items_us(normalizer *n, const jv *items, int count)
{
    count_sink cs = {0, 0, 0};
    norm_sink sink = {&cs, cs_changed, cs_row};
    cdlt_error err;
    double t0 = bench_now();
    for (int i = 0; i < count; i++)
        if (norm_item(n, &items[i], "GitHub Events", &sink, &err) != CDLT_OK)
            return -1;
    double t = bench_now() - t0;
    norm_batch_reset(n);
    return t * 1e6 / count;
}

static int run_normalize(bench_ctx *ctx)
{
    cdlt_error err;
    schema *s = NULL;
    normalizer *n = NULL;
    if (schema_new("bench", &s, &err) != CDLT_OK || norm_open(s, "1700000000.1", &n, &err) != CDLT_OK) {
        fprintf(stderr, "normalize: %s\n", err.message);
        return 1;
    }
    count_sink cs = {0, 0, 0};
    uint64_t items = 0;
    double c_evolve = 0, c_steady = 0;
    long f_evolve = 0, f_steady = 0;
    double t_evolve = pass(ctx, n, &cs, &items, &c_evolve, &f_evolve);
    if (t_evolve < 0)
        return 1;
    uint64_t root_rows = items, rows = cs.rows, cells = cs.cells;
    size_t rss1 = bench_peak_rss();
    count_sink cs2 = {0, 0, 0};
    double t_steady = pass(ctx, n, &cs2, &items, &c_steady, &f_steady);
    if (t_steady < 0)
        return 1;

    /* fresh vs warm on the first 1000 items, parsed up front */
    enum { NPRE = 1000 };
    static jv pre[NPRE];
    arena pa;
    arena_init(&pa, 1 << 20, 0);
    json_stream *js = NULL;
    int npre = 0;
    if (json_stream_open_file(ctx->events_path, NULL, &js, &err) == CDLT_OK) {
        bool eof = false;
        while (npre < NPRE && json_stream_next(js, &pa, &pre[npre], &eof, &err) == CDLT_OK && !eof)
            npre++;
        json_stream_close(js);
    }
    double us_warm = npre ? items_us(n, pre, npre) : -1;
    schema *s2 = NULL;
    normalizer *n2 = NULL;
    double us_fresh = -1;
    if (npre && schema_new("bench2", &s2, &err) == CDLT_OK &&
        norm_open(s2, "1700000000.1", &n2, &err) == CDLT_OK)
        us_fresh = items_us(n2, pre, npre);
    norm_close(n2);
    schema_free(s2);
    arena_free(&pa);

    /* Pass 1 = evolving path (empty schema: tables and columns appear in the first items),
     * pass 2 = steady state (settled schema). Wall figures suffer from other load on a shared
     * machine; the cpu_* figures (process CPU time, one thread) do not. */
    double mb = ctx->events_bytes / 1e6;
    char extra[1536];
    snprintf(extra, sizeof extra,
             "root_rows=%llu rows=%llu cells=%llu tables=%u schema_changes=%llu "
             "evolve_wall_s=%.3f evolve_mb_s=%.1f evolve_root_rows_s=%.0f evolve_rows_s=%.0f "
             "evolve_cpu_s=%.3f evolve_cpu_mb_s=%.1f evolve_cpu_root_rows_s=%.0f "
             "evolve_cpu_rows_s=%.0f evolve_faults=%ld "
             "steady_wall_s=%.3f steady_mb_s=%.1f steady_root_rows_s=%.0f steady_rows_s=%.0f "
             "steady_cpu_s=%.3f steady_cpu_mb_s=%.1f steady_cpu_root_rows_s=%.0f "
             "steady_cpu_rows_s=%.0f steady_faults=%ld "
             "first_pass_rss_mb=%.1f first1000_fresh_us=%.2f first1000_warm_us=%.2f "
             "rows_s=%.0f cpu_s=%.3f cpu_mb_s=%.1f steady_s=%.3f checksum=%llu",
             (unsigned long long)root_rows, (unsigned long long)rows, (unsigned long long)cells,
             s->ntables, (unsigned long long)cs.changes,
             t_evolve, mb / t_evolve, root_rows / t_evolve, rows / t_evolve,
             c_evolve, mb / c_evolve, root_rows / c_evolve, rows / c_evolve, f_evolve,
             t_steady, mb / t_steady, root_rows / t_steady, rows / t_steady,
             c_steady, mb / c_steady, root_rows / c_steady, rows / c_steady, f_steady,
             rss1 / 1048576.0, us_fresh, us_warm,
             rows / t_evolve, c_evolve, mb / c_evolve, t_steady,
             (unsigned long long)(rows * 1000003ull + cells));
    bench_report(ctx, "normalize", root_rows, ctx->events_bytes, t_evolve, extra);
    if (cs2.rows != rows || cs2.cells != cells) {
        fprintf(stderr, "normalize: second pass differs (rows %llu vs %llu)\n",
                (unsigned long long)cs2.rows, (unsigned long long)rows);
        return 1;
    }
    norm_close(n);
    schema_free(s);
    return 0;
}

BENCH_CASE(5, "normalize",
           "NDJSON reader + relational normalizer into a counting sink (1 core), fresh and steady",
           run_normalize)
