/* case_pipeline.c: case 30, pipeline: the whole product as a user runs it: `cdlt run` on a
 * definition with one file resource over the GitHub-events file into a fresh DuckDB file
 * (append), in a child process: wall time per phase (from the --json load info), MB/s, rows/s,
 * the child's peak RSS; next to DuckDB's own `CREATE TABLE ... AS SELECT * FROM
 * read_ndjson(file)` into a fresh database file on the same file (the goal: ratio <= 1).
 * Checksum: root rows loaded = records. */
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

/* Run the CLI; returns wall seconds (-1 on failure) and the child's peak RSS in KB. */
static double run_cli(const char *bin, const char *def, const char *pdir, const char *out,
                      long *rss_kb)
{
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (!freopen(out, "w", stdout))
            _exit(127);
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
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pipeline: cdlt run failed (status %d)\n", status);
        return -1;
    }
    return t;
}

/* DuckDB's own load into a database file, in a child (its memory is not ours). */
static double duckdb_ctas(const char *db, const char *events, long *rss_kb)
{
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid == 0) {
        duckdb_database d;
        duckdb_connection c;
        duckdb_result r;
        if (duckdb_open(db, &d) != DuckDBSuccess || duckdb_connect(d, &c) != DuckDBSuccess)
            _exit(1);
        char sql[1400];
        snprintf(sql, sizeof sql, "CREATE TABLE events AS SELECT * FROM read_ndjson('%s')",
                 events);
        int ok = duckdb_query(c, sql, &r) == DuckDBSuccess;
        if (!ok)
            fprintf(stderr, "pipeline: duckdb reference: %s\n", duckdb_result_error(&r));
        duckdb_destroy_result(&r);
        duckdb_disconnect(&c);
        duckdb_close(&d);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return -1;
    *rss_kb = ru.ru_maxrss;
    return bench_now() - t0;
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
        fprintf(stderr, "pipeline: cdlt binary not found next to cdlt_bench\n");
        return 1;
    }
    char dir[1024], def[1200], pdir[1200], out[1200], db[1200], refdb[1200];
    char *abs_events = realpath(ctx->events_path, NULL);
    if (!abs_events)
        return 1;
    snprintf(dir, sizeof dir, "%s/pipeline_%d", ctx->data_dir, (int)getpid());
    char *abs_dir = NULL;
    mkdir(dir, 0755);
    abs_dir = realpath(dir, NULL);
    if (!abs_dir) {
        free(abs_events);
        return 1;
    }
    snprintf(def, sizeof def, "%s/def.json", abs_dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", abs_dir);
    snprintf(out, sizeof out, "%s/info.json", abs_dir);
    snprintf(db, sizeof db, "%s/cdlt.duckdb", abs_dir);
    snprintf(refdb, sizeof refdb, "%s/ref.duckdb", abs_dir);
    double best = 1e30, ex = 0, no = 0, lo = 0;
    long rss_kb = 0;
    uint64_t rows = 0, nested = 0;
    int rc = 0;
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        rm_rf(pdir);
        unlink(db);
        FILE *f = fopen(def, "w");
        if (!f) {
            rc = 1;
            break;
        }
        fprintf(f,
                "{\"pipeline_name\":\"bench_events\",\"destination\":\"duckdb\","
                "\"credentials\":\"%s\",\"dataset_name\":\"github\",\"resources\":[{\"name\":"
                "\"events\",\"path\":\"%s\",\"write_disposition\":\"append\"}]}\n",
                db, abs_events);
        fclose(f);
        long kb = 0;
        double t = run_cli(ctx->cdlt_bin, def, pdir, out, &kb);
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
            fprintf(stderr, "pipeline: cannot read the load info in %s\n", out);
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
            rows = table_rows(&info, "events");
            nested = table_rows(&info, "events__payload__commits") +
                     table_rows(&info, "events__labels");
        }
        free(text);
        arena_free(&a);
    }
    long ref_kb = 0;
    unlink(refdb);
    double ref = rc == 0 ? duckdb_ctas(refdb, abs_events, &ref_kb) : -1;
    if (rc == 0) {
        if (rows != ctx->records) {
            fprintf(stderr, "pipeline: CHECKSUM MISMATCH: %llu root rows for %llu records\n",
                    (unsigned long long)rows, (unsigned long long)ctx->records);
            rc = 1;
        }
        char extra[512];
        snprintf(extra, sizeof extra,
                 "extract_s=%.3f normalize_s=%.3f load_s=%.3f cli_rss_mb=%.1f "
                 "nested_rows=%llu duckdb_ctas_s=%.3f duckdb_rss_mb=%.1f ratio=%.2f "
                 "checksum=%llu",
                 ex, no, lo, (double)rss_kb / 1024.0, (unsigned long long)nested, ref,
                 (double)ref_kb / 1024.0, ref > 0 ? best / ref : 0,
                 (unsigned long long)(rows + nested));
        bench_report(ctx, "pipeline", rows, ctx->events_bytes, best, extra);
    }
    rm_rf(abs_dir);
    free(abs_dir);
    free(abs_events);
    return rc;
}

BENCH_CASE(30, "pipeline",
           "cdlt run: events file -> DuckDB file (extract/normalize/load) vs DuckDB CTAS "
           "read_ndjson into a file",
           run)
