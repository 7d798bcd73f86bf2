/* case_filesystem.c: case 90, fs_jsonl: `cdlt run` on the GitHub-events file into the
 * filesystem destination as dlt's jsonl without gzip ([normalize.data_writer]
 * disable_compression), in a child process: wall time per phase, MB/s, rows/s and the child's
 * peak RSS (issue 14: 100k records in <= 0.6 s, RSS <= 64 MB flat); next to DuckDB's own
 * `COPY (SELECT * FROM read_ndjson(file)) TO 'x.jsonl'` on the same file. Checksum: root rows
 * loaded = records. */
#include "bench.h"

#include "json/json.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void rm_rf(const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "pipeline: cannot remove %s\n", dir);
}

/* Run the CLI without gzip; returns wall seconds (-1 on failure) and the child's peak RSS. */
static double run_cli(const char *bin, const char *def, const char *pdir, const char *out,
                      long *rss_kb, double *cpu_s)
{
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen(out, "w", stdout))
            _exit(127);
        setenv("NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", "true", 1);
        execl(bin, bin, "run", def, "--pipelines-dir", pdir, "--progress", "none", "--json",
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    double t = bench_now() - t0;
    *rss_kb = ru.ru_maxrss;
    /* CPU seconds (user + system): the figure a loaded machine does not inflate */
    *cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             ru.ru_stime.tv_usec / 1e6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "fs_jsonl: cdlt run failed (status %d)\n", status);
        return -1;
    }
    return t;
}

static double phase_s(const jv *info, const char *phase)
{
    const jv *p = jv_get(info, "phases");
    const jv *ph = p ? jv_get(p, phase) : NULL;
    const jv *s = ph ? jv_get(ph, "seconds") : NULL;
    if (!s)
        return 0;
    return s->type == JV_DOUBLE ? s->u.d : s->type == JV_INT ? (double)s->u.i : 0;
}

static uint64_t table_rows(const jv *info, const char *name)
{
    const jv *t = jv_get(info, "tables");
    for (uint32_t i = 0; t && t->type == JV_ARRAY && i < t->len; i++) {
        const jv *n = jv_get(&t->u.items[i], "name");
        const jv *r = jv_get(&t->u.items[i], "rows");
        if (n && n->type == JV_STRING && strcmp(n->u.s, name) == 0 && r && r->type == JV_INT)
            return (uint64_t)r->u.i;
    }
    return 0;
}

static int run(bench_ctx *ctx)
{
    if (!ctx->cdlt_bin) {
        fprintf(stderr, "fs_jsonl: cdlt binary not found next to cdlt_bench\n");
        return 1;
    }
    char dir[1024], def[1200], pdir[1200], out[1200], bucket[1200], sql[4000];
    char *abs_events = realpath(ctx->events_path, NULL);
    if (!abs_events)
        return 1;
    snprintf(dir, sizeof dir, "%s/fs_%d", ctx->data_dir, (int)getpid());
    mkdir(dir, 0755);
    char *abs_dir = realpath(dir, NULL);
    if (!abs_dir) {
        free(abs_events);
        return 1;
    }
    snprintf(def, sizeof def, "%s/def.json", abs_dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", abs_dir);
    snprintf(out, sizeof out, "%s/info.json", abs_dir);
    snprintf(bucket, sizeof bucket, "%s/bucket", abs_dir);
    double best = 1e30, ex = 0, no = 0, lo = 0, cpu = 0;
    long rss_kb = 0;
    uint64_t rows = 0, nested = 0;
    int rc = 0;
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        rm_rf(pdir);
        rm_rf(bucket);
        FILE *f = fopen(def, "w");
        if (!f) {
            rc = 1;
            break;
        }
        fprintf(f,
                "{\"pipeline_name\":\"bench_fs\",\"destination\":{\"type\":\"filesystem\","
                "\"bucket_url\":\"%s\"},\"dataset_name\":\"github\",\"resources\":[{\"name\":"
                "\"events\",\"path\":\"%s\",\"write_disposition\":\"append\"}]}\n",
                bucket, abs_events);
        fclose(f);
        long kb = 0;
        double c = 0;
        double t = run_cli(ctx->cdlt_bin, def, pdir, out, &kb, &c);
        if (t < 0) {
            rc = 1;
            break;
        }
        FILE *o = fopen(out, "r");
        char *text = NULL;
        size_t cap = 0;
        ssize_t n = o ? getdelim(&text, &cap, '\0', o) : -1;
        if (o)
            fclose(o);
        arena a;
        arena_init(&a, 65536, 0);
        jv info;
        if (n <= 0 || json_parse(text, (size_t)n, &a, NULL, &info, NULL) != CDLT_OK) {
            fprintf(stderr, "fs_jsonl: cannot read the load info in %s\n", out);
            free(text);
            arena_free(&a);
            rc = 1;
            break;
        }
        if (t < best) {
            best = t;
            ex = phase_s(&info, "extract");
            no = phase_s(&info, "normalize");
            lo = phase_s(&info, "load");
            rss_kb = kb;
            cpu = c;
            rows = table_rows(&info, "events");
            nested = table_rows(&info, "events__payload__commits") +
                     table_rows(&info, "events__labels");
        }
        free(text);
        arena_free(&a);
    }
    snprintf(sql, sizeof sql, "COPY (SELECT * FROM read_ndjson('%s')) TO '%s/ref.jsonl' "
             "(FORMAT json)", abs_events, abs_dir);
    double ref = rc == 0 ? bench_duckdb_seconds(sql, 0) : -1;
    if (rc == 0) {
        if (rows != ctx->records) {
            fprintf(stderr, "fs_jsonl: CHECKSUM MISMATCH: %llu root rows for %llu records\n",
                    (unsigned long long)rows, (unsigned long long)ctx->records);
            rc = 1;
        }
        char extra[512];
        snprintf(extra, sizeof extra,
                 "cpu_s=%.3f extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f "
                 "nested_rows=%llu duckdb_copy_json_s=%.3f ratio=%.2f checksum=%llu",
                 cpu, ex, no, lo, (double)rss_kb / 1024.0, (unsigned long long)nested, ref,
                 ref > 0 ? best / ref : 0, (unsigned long long)(rows + nested));
        bench_report(ctx, "fs_jsonl", rows, ctx->events_bytes, best, extra);
    }
    rm_rf(abs_dir);
    free(abs_dir);
    free(abs_events);
    return rc;
}

BENCH_CASE(90, "fs_jsonl",
           "cdlt run: events file -> filesystem destination, jsonl without gzip (local folder) "
           "vs DuckDB COPY read_ndjson TO json",
           run)
