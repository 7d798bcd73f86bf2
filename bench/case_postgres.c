/* case_postgres.c: case 60, postgres: `cdlt run` of the GitHub-events file into PostgreSQL
 * (append, a fresh dataset), in a child process: wall time, rows/s, the child's peak RSS and
 * its phases; next to the reference of issue 13: the same normalized rows (exported from the
 * tables cdlt loaded, as CSV files) loaded with a plain `COPY t FROM STDIN (FORMAT csv)` into
 * empty copies of the tables, in one transaction, in the same run. The server comes from
 * CDLT_BENCH_PG_URL (a database the URL's user may create schemas in).
 * Checksum: root rows loaded = records, and the reference loads as many rows as cdlt. */
#include "bench.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    if (!bench_pg_exec("postgres", c, sql))
        return -1;
    for (int i = 0; i < n; i++) {
        snprintf(sql, sizeof sql, "CREATE TABLE \"%s\".\"%s\" (LIKE \"%s\".\"%s\" INCLUDING ALL)",
                 ref, names[i], ds, names[i]);
        if (!bench_pg_exec("postgres", c, sql))
            return -1;
    }
    char *chunk = malloc(1 << 20);
    double t0 = bench_now();
    bench_pg_exec("postgres", c, "BEGIN");
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
    bench_pg_exec("postgres", c, "COMMIT");
    double t = bench_now() - t0;
    free(chunk);
    return t;
}

/* a fresh dataset schema before each run */
typedef struct pg_fresh {
    PGconn *c;      /* the bench's own connection */
    const char *ds; /* dataset schema cdlt loads into */
} pg_fresh;

static int fresh_schema(void *ud)
{
    const pg_fresh *f = ud;
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE", f->ds);
    bench_pg_exec("postgres", f->c, sql);
    return 0;
}

static int run(bench_ctx *ctx)
{
    const char *url = getenv("CDLT_BENCH_PG_URL");
    if (!url || !*url) {
        fprintf(stderr, "postgres: set CDLT_BENCH_PG_URL to a PostgreSQL database to load into "
                        "(e.g. from scripts/testdb: CDLT_TEST_PG_URL)\n");
        return 1;
    }
    bench_work w;
    if (bench_work_open(ctx, "postgres", "def.json", &w) != 0)
        return 1;
    char ds[64], ref[64];
    snprintf(ds, sizeof ds, "bench_pg_%d", (int)getpid());
    snprintf(ref, sizeof ref, "bench_pg_ref_%d", (int)getpid());
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "postgres: cannot connect: %s\n", PQerrorMessage(c));
        PQfinish(c);
        bench_work_close(&w);
        return 1;
    }
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    uint64_t rows = 0, all_rows = 0;
    char sql[512];
    pg_fresh fresh = {c, ds};
    bench_cli_spec spec = {.tag = "postgres", .def = w.def, .pdir = w.pdir, .out = w.out,
                           .before = fresh_schema, .ud = &fresh};
    bench_cli_best b = {.run.seconds = -1};
    int rc = bench_write_file(w.def,
                              "{\"pipeline_name\":\"bench_pg\",\"destination\":\"postgres\","
                              "\"credentials\":\"%s\",\"dataset_name\":\"%s\",\"resources\":"
                              "[{\"name\":\"events\",\"path\":\"%s\",\"write_disposition\":"
                              "\"append\"}]}\n",
                              url, ds, w.events) != 0 ||
             bench_cli_best_of(ctx, &spec, &b) != 0;
    /* rows as the server has them */
    char names[16][128];
    int nt = rc == 0 ? export_csv(c, ds, w.dir, names, 16) : -1;
    for (int i = 0; i < nt; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".\"%s\"", ds, names[i]);
        long long k = bench_pg_value("postgres", c, sql);
        k = k < 0 ? 0 : k;
        all_rows += (uint64_t)k;
        if (strcmp(names[i], "events") == 0)
            rows = (uint64_t)k;
    }
    uint64_t ref_rows = 0;
    double rs = nt > 0 ? ref_copy(c, ds, ref, w.dir, names, nt, &ref_rows) : -1;
    if (rc == 0) {
        if (rows != ctx->records || ref_rows != all_rows) {
            fprintf(stderr, "postgres: CHECKSUM MISMATCH: %llu root rows for %llu records, "
                    "reference %llu of %llu rows\n", (unsigned long long)rows,
                    (unsigned long long)ctx->records, (unsigned long long)ref_rows,
                    (unsigned long long)all_rows);
            rc = 1;
        }
        double best = b.run.seconds;
        char extra[512];
        snprintf(extra, sizeof extra,
                 "rows=%llu rows_s=%.0f extract_s=%.3f normalize_s=%.3f load_s=%.3f "
                 "cli_rss_mb=%.1f copy_csv_s=%.3f ratio=%.2f load_ratio=%.2f checksum=%llu",
                 (unsigned long long)all_rows, bench_ratio((double)all_rows, best), b.phase[0],
                 b.phase[1], b.phase[2], (double)b.run.rss_kb / 1024.0, rs,
                 bench_ratio(best, rs), bench_ratio(b.phase[2], rs),
                 (unsigned long long)all_rows);
        bench_report(ctx, "postgres", rows, ctx->events_bytes, best, extra);
    }
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE; DROP SCHEMA IF EXISTS "
             "\"%s\" CASCADE", ds, ref);
    bench_pg_exec("postgres", c, sql);
    PQfinish(c);
    bench_cli_best_free(&b);
    bench_work_close(&w);
    return rc;
}

BENCH_CASE(60, "postgres",
           "cdlt run: events file -> PostgreSQL (append) vs plain COPY FROM STDIN (csv) of the "
           "same normalized rows",
           run)
