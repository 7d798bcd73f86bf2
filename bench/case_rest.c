/* case_rest.c: case 50, rest_api: the REST source against the bundled demo API server
 * (cdlt-demo-api, a separate process, so its threads never count as ours) with 20 ms injected
 * latency per request. Two scenarios from issue 12: 4 resources x 200 pages x 100 nested
 * records (page_number paging), and one parent with 500 children (one request per child).
 * Each runs sequential (runtime.http_max_connections = 1) and with the default concurrency;
 * extract + normalize run in this (forked) process: pages/s, records/s, CPU us per record
 * (user+sys of extract and normalize), peak RSS of extract + normalize (before DuckDB loads)
 * and of the whole run. Reference: curl --parallel fetching the same URLs at the same
 * concurrency (raw HTTP, no parsing). Checksum: rows loaded. */
#include "bench.h"

#include "cdlt.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static pid_t start_server(const char *bin_dir, const char *dir, int *port)
{
    char bin[4096], pf[4096];
    snprintf(bin, sizeof bin, "%s/cdlt-demo-api", bin_dir);
    snprintf(pf, sizeof pf, "%s/port", dir);
    unlink(pf);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(bin, bin, "--port", "0", "--latency-ms", "20", "--quiet", "--port-file", pf,
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(pf, "r");
        if (f) {
            int ok = fscanf(f, "%d", port) == 1;
            fclose(f);
            if (ok)
                return pid;
        }
        usleep(20000);
    }
    kill(pid, SIGTERM);
    return -1;
}

typedef struct scen {
    const char *name;
    const char *resources; /* JSON list, with %s = base URL none: relative paths */
    const char *tables[4];
    uint64_t records;      /* records expected (checksum) */
    uint64_t requests;     /* requests the scenario makes */
} scen;

static scen SCENARIOS[2] = {
    {"rest_4x200_pages",
     "[{\"name\": \"r1\", \"endpoint\": {\"path\": \"page_number/items\", \"params\": {\"total\": "
     "20000, \"page_size\": 100}}},"
     "{\"name\": \"r2\", \"endpoint\": {\"path\": \"page_number/items\", \"params\": {\"total\": "
     "20000, \"page_size\": 100}}},"
     "{\"name\": \"r3\", \"endpoint\": {\"path\": \"page_number/items\", \"params\": {\"total\": "
     "20000, \"page_size\": 100}}},"
     "{\"name\": \"r4\", \"endpoint\": {\"path\": \"page_number/items\", \"params\": {\"total\": "
     "20000, \"page_size\": 100}}}]",
     {"r1", "r2", "r3", "r4"},
     80000,
     800},
    {"rest_500_children",
     "[{\"name\": \"users\", \"endpoint\": {\"path\": \"users\", \"params\": {\"total\": 500, "
     "\"page_size\": 100}, \"paginator\": {\"type\": \"json_link\", \"next_url_path\": "
     "\"next\"}}},"
     "{\"name\": \"posts\", \"endpoint\": {\"path\": \"users/{resources.users.id}/posts\", "
     "\"paginator\": \"single_page\", \"response_actions\": [{\"status_code\": 404, \"action\": "
     "\"ignore\"}]}}]",
     {"users", "posts", NULL, NULL},
     500 + 499 * 3,
     505},
};

/* One run in a child process; prints its RESULT line. */
static int run_child(bench_ctx *ctx, const scen *sc, int port, int conns, const char *dir)
{
    char def[8192], path[4096], pdir[4096], db[4096];
    snprintf(path, sizeof path, "%s/%s_%d.json", dir, sc->name, conns);
    snprintf(pdir, sizeof pdir, "%s/pipelines_%d", dir, conns);
    snprintf(db, sizeof db, "%s/%s_%d.duckdb", dir, sc->name, conns);
    snprintf(def, sizeof def,
             "{\"pipeline_name\": \"bench_%s_%d\", \"credentials\": \"%s\", \"dataset_name\": "
             "\"b\", \"progress\": \"none\", \"rest_api\": {\"client\": {\"base_url\": "
             "\"http://127.0.0.1:%d/\", \"paginator\": {\"type\": \"page_number\", "
             "\"base_page\": 1, \"total_path\": \"total_pages\"}}, \"resources\": %s}}",
             sc->name, conns, db, port, sc->resources);
    FILE *f = fopen(path, "w");
    if (!f || fputs(def, f) < 0 || fclose(f) != 0)
        return 1;
    char cv[32];
    snprintf(cv, sizeof cv, "%d", conns);
    if (conns > 0)
        setenv("RUNTIME__HTTP_MAX_CONNECTIONS", cv, 1);
    cdlt_error err = {0};
    cdlt_definition *d = NULL;
    cdlt_source *src = NULL;
    cdlt_pipeline *p = NULL;
    if (cdlt_definition_load(path, &d, &err) != CDLT_OK ||
        cdlt_definition_source(d, &src, &err) != CDLT_OK) {
        fprintf(stderr, "rest: %s\n", err.message);
        return 1;
    }
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    cdlt_definition_options(d, &o);
    o.pipelines_dir = pdir;
    if (cdlt_pipeline_open(&o, &p, &err) != CDLT_OK) {
        fprintf(stderr, "rest: %s\n", err.message);
        return 1;
    }
    double t0 = bench_now(), c0 = cpu_now();
    cdlt_status rc = cdlt_pipeline_extract(p, src, CDLT_REFRESH_NONE, &err);
    double t_ex = bench_now() - t0, cpu_ex = cpu_now() - c0;
    if (rc == CDLT_OK)
        rc = cdlt_pipeline_normalize(p, &err);
    double t_en = bench_now() - t0, cpu = cpu_now() - c0;
    size_t rss_en = bench_peak_rss();
    if (rc == CDLT_OK)
        rc = cdlt_pipeline_load(p, &err);
    double t_all = bench_now() - t0;
    if (rc != CDLT_OK) {
        fprintf(stderr, "rest: %s\n", err.message);
        return 1;
    }
    uint64_t rows = 0;
    for (int i = 0; i < 4 && sc->tables[i]; i++) {
        int64_t n = 0;
        if (cdlt_pipeline_table_row_count(p, sc->tables[i], &n, &err) == CDLT_OK)
            rows += (uint64_t)n;
    }
    char name[96], extra[512];
    snprintf(name, sizeof name, "%s_%s", sc->name, conns == 1 ? "seq" : "default");
    snprintf(extra, sizeof extra,
             "pages_s=%.0f extract_s=%.2f extract_normalize_s=%.2f cpu_us_per_rec=%.2f "
             "cpu_extract_us_per_rec=%.2f rss_extract_normalize_mb=%.1f requests=%llu "
             "checksum_rows=%llu expected=%llu",
             (double)sc->requests / t_ex, t_ex, t_en, cpu * 1e6 / (double)sc->records,
             cpu_ex * 1e6 / (double)sc->records,
             (double)rss_en / 1e6, (unsigned long long)sc->requests, (unsigned long long)rows,
             (unsigned long long)sc->records);
    bench_report(ctx, name, sc->records, 0, t_all, extra);
    cdlt_pipeline_free(p);
    cdlt_source_free(src);
    cdlt_definition_free(d);
    return rows == sc->records ? 0 : 1;
}

static double run_in_child(bench_ctx *ctx, const scen *sc, int port, int conns, const char *dir)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(run_child(ctx, sc, port, conns, dir));
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Raw HTTP reference: curl fetching the scenario-1 URLs at `conns` in parallel. */
static double curl_seconds(int port, int conns, const char *dir)
{
    char cfg[4096];
    snprintf(cfg, sizeof cfg, "%s/curl.cfg", dir);
    FILE *f = fopen(cfg, "w");
    if (!f)
        return -1;
    for (int r = 0; r < 4; r++)
        for (int pg = 1; pg <= 200; pg++)
            fprintf(f,
                    "url = \"http://127.0.0.1:%d/page_number/items?total=20000&page_size=100&"
                    "page=%d\"\noutput = \"/dev/null\"\n",
                    port, pg);
    fclose(f);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "curl -s --parallel --parallel-max %d -K '%s' >/dev/null 2>&1",
             conns, cfg);
    double t0 = bench_now();
    if (system(cmd) != 0)
        return -1;
    return bench_now() - t0;
}

static int run_rest(bench_ctx *ctx)
{
    /* CDLT_BENCH_REST_PAGES=N: pages per resource in scenario 1 (default 200), to check that
     * memory does not grow with the number of pages */
    static char res4[2048];
    const char *pe = getenv("CDLT_BENCH_REST_PAGES");
    int pages = pe && atoi(pe) > 0 ? atoi(pe) : 200;
    if (pages != 200) {
        char one[400];
        res4[0] = 0;
        strcat(res4, "[");
        for (int r = 1; r <= 4; r++) {
            snprintf(one, sizeof one,
                     "%s{\"name\": \"r%d\", \"endpoint\": {\"path\": \"page_number/items\", "
                     "\"params\": {\"total\": %d, \"page_size\": 100}}}",
                     r > 1 ? "," : "", r, pages * 100);
            strcat(res4, one);
        }
        strcat(res4, "]");
        SCENARIOS[0].resources = res4;
        SCENARIOS[0].records = (uint64_t)pages * 400;
        SCENARIOS[0].requests = (uint64_t)pages * 4;
    }
    char bin_dir[4096];
    snprintf(bin_dir, sizeof bin_dir, "%s", ctx->cdlt_bin);
    char *slash = strrchr(bin_dir, '/');
    if (slash)
        *slash = 0;
    char dir[4096], abs_data[4096];
    if (!realpath(ctx->data_dir, abs_data))
        snprintf(abs_data, sizeof abs_data, "%s", ctx->data_dir);
    snprintf(dir, sizeof dir, "%s/rest_bench", abs_data);
    char cmd[8300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    int port = 0;
    pid_t srv = start_server(bin_dir, dir, &port);
    if (srv < 0) {
        fprintf(stderr, "rest: cannot start %s/cdlt-demo-api\n", bin_dir);
        return 1;
    }
    int rc = 0;
    for (int s = 0; s < 2 && rc == 0; s++) {
        if (run_in_child(ctx, &SCENARIOS[s], port, 1, dir) != 0 ||
            run_in_child(ctx, &SCENARIOS[s], port, 0, dir) != 0)
            rc = 1;
    }
    double c1 = curl_seconds(port, 1, dir), c16 = curl_seconds(port, 16, dir);
    char extra[256];
    snprintf(extra, sizeof extra, "curl_seq_s=%.2f curl_parallel16_s=%.2f requests=800", c1, c16);
    bench_report(ctx, "rest_curl_reference", 80000, 0, c16, extra);
    kill(srv, SIGTERM);
    waitpid(srv, NULL, 0);
    return rc;
}

BENCH_CASE(50, "rest_api",
           "REST source vs the demo API with 20 ms latency: 4x200 pages, 500 children; "
           "sequential vs concurrent; curl reference",
           run_rest)
