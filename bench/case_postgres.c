/* case_postgres.c: case 60, postgres: `cdlt run` of the GitHub-events file into PostgreSQL
 * (append, a fresh dataset), in a child process: wall time, rows/s, the child's peak RSS and
 * its phases; next to the reference of issue 13: the same normalized rows (exported from the
 * tables cdlt loaded, as CSV files) loaded with a plain `COPY t FROM STDIN (FORMAT csv)` into
 * empty copies of the tables, in one transaction, in the same run. The server comes from
 * CDLT_BENCH_PG_URL (a database the URL's user may create schemas in).
 * Checksum: root rows loaded = records, and the reference loads as many rows as cdlt. */
#include "bench.h"

#include "json/json.h"

#include <libpq-fe.h>
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
        fprintf(stderr, "postgres: cannot remove %s\n", dir);
}

static int exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "postgres: %s: %s\n", sql, PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

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
        fprintf(stderr, "postgres: cdlt run failed (status %d)\n", status);
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

/* Export each user table of `ds` as CSV into dir/<table>.csv; returns the table count. */
static int export_csv(PGconn *c, const char *ds, const char *dir, char names[][128], int max)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT table_name FROM information_schema.tables WHERE "
             "table_schema = '%s' AND table_name NOT LIKE '\\_dlt%%' ORDER BY 1", ds);
    PGresult *r = PQexec(c, sql);
    int n = 0;
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r) && n < max; i++)
        snprintf(names[n++], 128, "%s", PQgetvalue(r, i, 0));
    PQclear(r);
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s.csv", dir, names[i]);
        FILE *f = fopen(path, "w");
        snprintf(sql, sizeof sql, "COPY \"%s\".\"%s\" TO STDOUT (FORMAT csv)", ds, names[i]);
        r = PQexec(c, sql);
        if (!f || PQresultStatus(r) != PGRES_COPY_OUT) {
            fprintf(stderr, "postgres: export of %s failed: %s\n", names[i],
                    PQresultErrorMessage(r));
            PQclear(r);
            if (f)
                fclose(f);
            return -1;
        }
        PQclear(r);
        char *row;
        int len;
        while ((len = PQgetCopyData(c, &row, 0)) > 0) {
            fwrite(row, 1, (size_t)len, f);
            PQfreemem(row);
        }
        while ((r = PQgetResult(c)) != NULL)
            PQclear(r);
        fclose(f);
    }
    return n;
}

/* The reference: empty copies of the tables in ref schema, COPY FROM STDIN of each CSV file in
 * one transaction (as cdlt's package). Returns seconds (-1 on failure). */
static double ref_copy(PGconn *c, const char *ds, const char *ref, const char *dir,
                       char names[][128], int n, uint64_t *rows)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE; CREATE SCHEMA \"%s\"", ref,
             ref);
    if (!exec_ok(c, sql))
        return -1;
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "CREATE TABLE \"%s\".\"%s\" (LIKE \"%s\".\"%s\" INCLUDING ALL)",
                 ref, names[i], ds, names[i]);
        if (!exec_ok(c, sql))
            return -1;
    }
    char *chunk = malloc(1 << 20);
    double t0 = bench_now();
    exec_ok(c, "BEGIN");
    *rows = 0;
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s.csv", dir, names[i]);
        FILE *f = fopen(path, "r");
        snprintf(sql, sizeof sql, "COPY \"%s\".\"%s\" FROM STDIN (FORMAT csv)", ref, names[i]);
        PGresult *r = PQexec(c, sql);
        if (!f || PQresultStatus(r) != PGRES_COPY_IN) {
            PQclear(r);
            free(chunk);
            return -1;
        }
        PQclear(r);
        size_t got;
        while ((got = fread(chunk, 1, 1 << 20, f)) > 0)
            PQputCopyData(c, chunk, (int)got);
        fclose(f);
        PQputCopyEnd(c, NULL);
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                fprintf(stderr, "postgres: reference COPY: %s\n", PQresultErrorMessage(r));
            else
                *rows += strtoull(PQcmdTuples(r), NULL, 10);
            PQclear(r);
        }
    }
    exec_ok(c, "COMMIT");
    double t = bench_now() - t0;
    free(chunk);
    return t;
}

static int run(bench_ctx *ctx)
{
    const char *url = getenv("CDLT_BENCH_PG_URL");
    if (!url || !*url) {
        fprintf(stderr, "postgres: set CDLT_BENCH_PG_URL to a PostgreSQL database to load into "
                        "(e.g. from scripts/testdb: CDLT_TEST_PG_URL)\n");
        return 1;
    }
    if (!ctx->cdlt_bin)
        return 1;
    char dir[1024], def[1200], pdir[1200], out[1200], ds[64], ref[64];
    char *abs_events = realpath(ctx->events_path, NULL);
    if (!abs_events)
        return 1;
    snprintf(dir, sizeof dir, "%s/postgres_%d", ctx->data_dir, (int)getpid());
    mkdir(dir, 0755);
    char *abs_dir = realpath(dir, NULL);
    snprintf(ds, sizeof ds, "bench_pg_%d", (int)getpid());
    snprintf(ref, sizeof ref, "bench_pg_ref_%d", (int)getpid());
    PGconn *c = PQconnectdb(url);
    if (!abs_dir || PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "postgres: cannot connect: %s\n", PQerrorMessage(c));
        PQfinish(c);
        free(abs_events);
        free(abs_dir);
        return 1;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    snprintf(def, sizeof def, "%s/def.json", abs_dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", abs_dir);
    snprintf(out, sizeof out, "%s/info.json", abs_dir);
    double best = 1e30, ex = 0, no = 0, lo = 0;
    long rss_kb = 0;
    uint64_t rows = 0, all_rows = 0;
    int rc = 0;
    char sql[512];
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1) && rc == 0; rep++) {
        rm_rf(pdir);
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", ds);
        exec_ok(c, sql);
        FILE *f = fopen(def, "w");
        if (!f)
            return 1;
        fprintf(f,
                "{\"pipeline_name\":\"bench_pg\",\"destination\":\"postgres\","
                "\"credentials\":\"%s\",\"dataset_name\":\"%s\",\"resources\":[{\"name\":"
                "\"events\",\"path\":\"%s\",\"write_disposition\":\"append\"}]}\n",
                url, ds, abs_events);
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
        if (n <= 0 || json_parse(text, (size_t)n, &a, NULL, &info, NULL) != CDLT_OK)
            rc = 1;
        if (rc == 0 && t < best) {
            best = t;
            ex = phase_s(&info, "extract");
            no = phase_s(&info, "normalize");
            lo = phase_s(&info, "load");
            rss_kb = kb;
        }
        free(text);
        arena_free(&a);
    }
    /* rows as the server has them */
    char names[16][128];
    int nt = rc == 0 ? export_csv(c, ds, abs_dir, names, 16) : -1;
    for (int i = 0; i < nt; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".\"%s\"", ds, names[i]);
        PGresult *r = PQexec(c, sql);
        uint64_t k = PQresultStatus(r) == PGRES_TUPLES_OK ? strtoull(PQgetvalue(r, 0, 0), NULL, 10)
                                                          : 0;
        PQclear(r);
        all_rows += k;
        if (strcmp(names[i], "events") == 0)
            rows = k;
    }
    uint64_t ref_rows = 0;
    double rs = nt > 0 ? ref_copy(c, ds, ref, abs_dir, names, nt, &ref_rows) : -1;
    if (rc == 0) {
        if (rows != ctx->records || ref_rows != all_rows) {
            fprintf(stderr, "postgres: CHECKSUM MISMATCH: %llu root rows for %llu records, "
                    "reference %llu of %llu rows\n", (unsigned long long)rows,
                    (unsigned long long)ctx->records, (unsigned long long)ref_rows,
                    (unsigned long long)all_rows);
            rc = 1;
        }
        char extra[512];
        snprintf(extra, sizeof extra,
                 "rows=%llu rows_s=%.0f extract_s=%.3f normalize_s=%.3f load_s=%.3f "
                 "cli_rss_mb=%.1f copy_csv_s=%.3f ratio=%.2f load_ratio=%.2f checksum=%llu",
                 (unsigned long long)all_rows, best > 0 ? (double)all_rows / best : 0, ex, no, lo,
                 (double)rss_kb / 1024.0, rs, rs > 0 ? best / rs : 0, rs > 0 ? lo / rs : 0,
                 (unsigned long long)all_rows);
        bench_report(ctx, "postgres", rows, ctx->events_bytes, best, extra);
    }
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE; DROP SCHEMA IF EXISTS "
             "\"%s\" CASCADE", ds, ref);
    exec_ok(c, sql);
    PQfinish(c);
    rm_rf(abs_dir);
    free(abs_dir);
    free(abs_events);
    return rc;
}

BENCH_CASE(60, "postgres",
           "cdlt run: events file -> PostgreSQL (append) vs plain COPY FROM STDIN (csv) of the "
           "same normalized rows",
           run)
