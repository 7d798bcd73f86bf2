/* main.c: cdlt_bench driver: parses options, makes the input data, and runs each selected
 * case in its own forked process so peak RSS and caches don't leak between cases. */
#include "bench.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 64
static const bench_case *g_cases[MAX_CASES];
static int g_ncases;

void bench_register(const bench_case *c)
{
    if (g_ncases < MAX_CASES)
        g_cases[g_ncases++] = c;
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t bench_peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtoull(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb * 1024;
}

void bench_report(const bench_ctx *ctx, const char *name, uint64_t records, uint64_t bytes,
                  double seconds, const char *extra)
{
    (void)ctx;
    double mb = (double)bytes / 1e6;
    printf("RESULT case=%s records=%llu bytes=%llu seconds=%.3f mb_s=%.1f rec_s=%.0f rss_mb=%.1f%s%s\n",
           name, (unsigned long long)records, (unsigned long long)bytes, seconds,
           seconds > 0 ? mb / seconds : 0, seconds > 0 ? (double)records / seconds : 0,
           (double)bench_peak_rss() / 1e6, extra ? " " : "", extra ? extra : "");
    fflush(stdout);
}

/* Runs in a forked child so DuckDB's memory never counts toward the case's peak RSS. */
static double duckdb_seconds_here(const char *sql, int threads)
{
    duckdb_database db;
    duckdb_connection con;
    if (duckdb_open(NULL, &db) != DuckDBSuccess) {
        fprintf(stderr, "bench: cannot open DuckDB\n");
        return -1;
    }
    if (duckdb_connect(db, &con) != DuckDBSuccess) {
        duckdb_close(&db);
        return -1;
    }
    if (threads > 0) {
        char set[64];
        snprintf(set, sizeof set, "SET threads=%d", threads);
        duckdb_query(con, set, NULL);
    }
    duckdb_result res;
    double t0 = bench_now();
    duckdb_state st = duckdb_query(con, sql, &res);
    double t = bench_now() - t0;
    if (st != DuckDBSuccess) {
        fprintf(stderr, "bench: DuckDB reference failed: %s\n", duckdb_result_error(&res));
        t = -1;
    }
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return t;
}

double bench_duckdb_seconds(const char *sql, int threads)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        double t = duckdb_seconds_here(sql, threads);
        ssize_t w = write(fds[1], &t, sizeof t);
        _exit(w == (ssize_t)sizeof t ? 0 : 1);
    }
    close(fds[1]);
    double t = -1;
    if (read(fds[0], &t, sizeof t) != (ssize_t)sizeof t)
        t = -1;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return t;
}

static uint64_t parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end == 'k' || *end == 'K')
        v *= 1e3;
    else if (*end == 'm' || *end == 'M')
        v *= 1e6;
    return (uint64_t)v;
}

int bench_ensure_events(bench_ctx *ctx)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/events_%llu.jsonl", ctx->data_dir,
             (unsigned long long)ctx->records);
    struct stat st;
    char done[1100];
    snprintf(done, sizeof done, "%s.done", path);
    if (stat(done, &st) != 0 || stat(path, &st) != 0) {
        mkdir(ctx->data_dir, 0755);
        fprintf(stderr, "bench: generating %llu records into %s\n",
                (unsigned long long)ctx->records, path);
        if (bench_generate_events(path, ctx->records, 42) != 0)
            return -1;
        FILE *f = fopen(done, "w");
        if (f)
            fclose(f);
        stat(path, &st);
    }
    ctx->events_path = path;
    ctx->events_bytes = (uint64_t)st.st_size;
    return 0;
}

static void usage(void)
{
    printf("usage: cdlt_bench [--size 100k|1m|N] [--case ID[,ID...]] [--data-dir DIR] [--repeat N] [--list]\n\ncases:\n");
    for (int i = 0; i < g_ncases; i++)
        printf("  %3d  %-18s %s\n", g_cases[i]->id, g_cases[i]->name, g_cases[i]->desc);
}

static int cmp_case(const void *a, const void *b)
{
    return (*(const bench_case *const *)a)->id - (*(const bench_case *const *)b)->id;
}

int main(int argc, char **argv)
{
    bench_ctx ctx = {.data_dir = "bench/data", .records = 100000, .repeat = 1};
    const char *only = NULL;
    qsort(g_cases, (size_t)g_ncases, sizeof g_cases[0], cmp_case);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc)
            ctx.records = parse_size(argv[++i]);
        else if (!strcmp(argv[i], "--case") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--data-dir") && i + 1 < argc)
            ctx.data_dir = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            ctx.repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--list") || !strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else {
            usage();
            return 2;
        }
    }
    /* The CLI is built next to this program. */
    static char bin[4096];
    ssize_t n = readlink("/proc/self/exe", bin, sizeof bin - 16);
    if (n > 0) {
        bin[n] = '\0';
        char *slash = strrchr(bin, '/');
        if (slash)
            strcpy(slash, "/../cdlt");
        if (access(bin, X_OK) != 0 && slash)
            strcpy(slash, "/cdlt");
        ctx.cdlt_bin = bin;
    }
    if (bench_ensure_events(&ctx) != 0)
        return 1;
    printf("# cdlt_bench: %llu records, %s (%.1f MB)\n", (unsigned long long)ctx.records,
           ctx.events_path, (double)ctx.events_bytes / 1e6);
    int failed = 0;
    for (int i = 0; i < g_ncases; i++) {
        const bench_case *c = g_cases[i];
        if (only) {
            char want[16];
            snprintf(want, sizeof want, "%d", c->id);
            bool hit = false;
            char *list = strdup(only), *save = NULL;
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (!strcmp(t, want) || !strcmp(t, c->name))
                    hit = true;
            free(list);
            if (!hit)
                continue;
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(c->run(&ctx) == 0 ? 0 : 1);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("FAILED case=%s\n", c->name);
            failed++;
        }
    }
    return failed ? 1 : 0;
}
