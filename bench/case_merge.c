/* case_merge.c: case 40, merge: a table of N rows (the size knob; each with a nested list) gets
 * N/10 changed rows (10% of them updates of existing keys, 1% hard deletes, the rest new),
 * merged by delete-insert, upsert and scd2, each against a plain append of the same rows in
 * the same run. Every variant runs in its own forked process on a fresh DuckDB file: the base
 * load is not timed, and the peak RSS is reset after it (/proc/self/clear_refs), so wall time
 * and peak RSS are those of the changed rows' run (extract, normalize, staging load, merge).
 * Case 41, incremental: the cost per item of the incremental cursor filter (incr_filter). */
#include "bench.h"

#include "cdlt.h"
#include "incremental/incremental.h"
#include "json/json.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_rows(const char *path, uint64_t from, uint64_t n, uint64_t upd, uint64_t del)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id = from + i;
        bool is_del = false;
        if (i < upd) /* updates of existing keys, spread over the base */
            id = i * 7 % (from ? from : 1);
        else if (i < upd + del) {
            id = (i * 13 + 5) % (from ? from : 1);
            is_del = true;
        }
        if (is_del)
            fprintf(f, "{\"id\":%llu,\"deleted\":true}\n", (unsigned long long)id);
        else
            fprintf(f,
                    "{\"id\":%llu,\"name\":\"user %llu\",\"score\":%llu,\"deleted\":false,"
                    "\"tags\":[\"t%llu\",\"u%llu\"]}\n",
                    (unsigned long long)id, (unsigned long long)id,
                    (unsigned long long)(id * 31 % 1000 + (from ? 1 : 0)),
                    (unsigned long long)(id % 50), (unsigned long long)(id % 7));
    }
    return fclose(f);
}

static int run_file(const char *dir, const char *name, const char *path, const char *strategy,
                    bool merge)
{
    char pdir[1200], db[1200];
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/%s.duckdb", dir, name);
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    o.pipeline_name = name;
    o.credentials = db;
    o.dataset_name = "ds";
    o.pipelines_dir = pdir;
    cdlt_pipeline *p = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    if (cdlt_pipeline_open(&o, &p, &err) != CDLT_OK) {
        fprintf(stderr, "merge: %s\n", err.message);
        return -1;
    }
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_source_open("src", &s);
    cdlt_file_resource_open("items", path, &r, &err);
    if (merge) {
        const char *pk = "id";
        cdlt_resource_set_write_disposition(r, CDLT_WD_MERGE);
        cdlt_resource_set_primary_key(r, &pk, 1);
        if (strcmp(strategy, "scd2") == 0)
            cdlt_resource_set_scd2(r, NULL, NULL, NULL, NULL, NULL);
        else
            cdlt_resource_set_merge_strategy(r, strategy);
        if (strcmp(strategy, "scd2") != 0) {
            cdlt_resource_add_column(r, "deleted", "bool", true);
            cdlt_resource_set_column_hint(r, "deleted", "hard_delete", "true");
        }
    }
    cdlt_source_add(s, r);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "merge (%s): %s\n", strategy, err.message);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc == CDLT_OK ? 0 : -1;
}

/* One variant in a child: base load, reset the peak, timed run of the changes. */
static int variant(bench_ctx *ctx, const char *dir, const char *base, const char *changes,
                   const char *strategy, double *secs, double *rss_mb)
{
    int pfd[2];
    if (pipe(pfd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        bool merge = strcmp(strategy, "append") != 0;
        double out[2] = {-1, 0};
        if (run_file(dir, strategy, base, strategy, merge) == 0) {
            int fd = open("/proc/self/clear_refs", O_WRONLY);
            if (fd >= 0) {
                if (write(fd, "5", 1) != 1)
                    perror("clear_refs");
                close(fd);
            }
            double t0 = bench_now();
            if (run_file(dir, strategy, changes, strategy, merge) == 0)
                out[0] = bench_now() - t0;
            out[1] = (double)bench_peak_rss() / 1e6;
        }
        if (write(pfd[1], out, sizeof out) != (ssize_t)sizeof out)
            _exit(1);
        _exit(0);
    }
    close(pfd[1]);
    double in[2] = {-1, 0};
    ssize_t got = read(pfd[0], in, sizeof in);
    close(pfd[0]);
    waitpid(pid, NULL, 0);
    (void)ctx;
    if (got != (ssize_t)sizeof in || in[0] < 0)
        return -1;
    *secs = in[0];
    *rss_mb = in[1];
    return 0;
}

static int run_merge_case(bench_ctx *ctx)
{
    char dir[1024], base[1200], changes[1200];
    snprintf(dir, sizeof dir, "%s/merge_%d", ctx->data_dir, (int)getpid());
    mkdir(ctx->data_dir, 0755);
    mkdir(dir, 0755);
    snprintf(base, sizeof base, "%s/base.jsonl", dir);
    snprintf(changes, sizeof changes, "%s/changes.jsonl", dir);
    uint64_t n = ctx->records, m = n / 10;
    if (write_rows(base, 0, n, 0, 0) != 0 || write_rows(changes, n, m, m / 10, m / 100) != 0)
        return 1;
    struct stat st;
    uint64_t bytes = stat(changes, &st) == 0 ? (uint64_t)st.st_size : 0;
    const char *variants[] = {"append", "delete-insert", "upsert", "scd2"};
    double t_append = 0, rss_append = 0;
    int rc = 0;
    for (size_t i = 0; i < 4; i++) {
        double secs = 0, rss = 0;
        if (variant(ctx, dir, base, changes, variants[i], &secs, &rss) != 0) {
            rc = 1;
            continue;
        }
        if (i == 0) {
            t_append = secs;
            rss_append = rss;
        }
        char extra[256], name[64];
        snprintf(name, sizeof name, "merge_%s", variants[i]);
        snprintf(extra, sizeof extra,
                 "base_rows=%llu peak_rss_mb=%.0f vs_append_time=%.2f vs_append_rss_mb=%+.0f",
                 (unsigned long long)n, rss, t_append > 0 ? secs / t_append : 0,
                 rss - rss_append);
        bench_report(ctx, name, m, bytes, secs, extra);
    }
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "merge: could not remove %s\n", dir);
    return rc;
}

BENCH_CASE(40, "merge",
           "N/10 changed rows (10% updates, 1% hard deletes, nested lists) merged into N rows: "
           "delete-insert, upsert, scd2 vs append",
           run_merge_case)

/* ---- case 41: the incremental filter alone ---- */
static int run_incremental_case(bench_ctx *ctx)
{
    enum { K = 4096 };
    arena a;
    arena_init(&a, 1 << 20, 0);
    jv *items = malloc(K * sizeof *items);
    if (!items)
        return 1;
    char text[256];
    for (int i = 0; i < K; i++) {
        int len = snprintf(text, sizeof text,
                           "{\"id\":%d,\"updated_at\":\"2024-%02d-%02dT%02d:00:00Z\",\"v\":%d}",
                           i, 1 + i % 12, 1 + i % 28, i % 24, i);
        cdlt_error err;
        if (json_parse(text, (size_t)len, &a, NULL, &items[i], &err) != CDLT_OK)
            return 1;
    }
    const char *specs[2][2] = {
        {"incremental_number", "{\"cursor_path\":\"v\",\"initial_value\":100}"},
        {"incremental_timestamp",
         "{\"cursor_path\":\"updated_at\",\"initial_value\":\"2024-03-01T00:00:00Z\"}"}};
    for (int s = 0; s < 2; s++) {
        incr *in = NULL;
        cdlt_error err;
        const char *pk = "id";
        if (incr_open(specs[s][1], NULL, &pk, 1, "bench", &in, &err) != CDLT_OK)
            return 1;
        uint64_t n = ctx->records, kept = 0;
        double t0 = bench_now();
        for (uint64_t i = 0; i < n; i++) {
            bool keep = false;
            if (incr_filter(in, &items[i % K], &keep, &err) != CDLT_OK)
                return 1;
            kept += keep;
        }
        double secs = bench_now() - t0;
        char extra[128];
        snprintf(extra, sizeof extra, "us_per_item=%.3f kept=%llu", secs * 1e6 / (double)n,
                 (unsigned long long)kept);
        bench_report(ctx, specs[s][0], n, 0, secs, extra);
        incr_free(in);
    }
    free(items);
    arena_free(&a);
    return 0;
}

BENCH_CASE(41, "incremental", "incremental cursor filter cost per item (number, ISO timestamp)",
           run_incremental_case)
