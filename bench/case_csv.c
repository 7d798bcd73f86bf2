/* case_csv.c: case 85, csv_read: our CSV reader on one core over a 20-column CSV of about
 * --size x 1000 bytes (--size 1m = ~1 GB), against DuckDB's SELECT count(*) FROM read_csv(...)
 * with SET threads=1 in the same run. Two figures: the tokenizer alone (every record split
 * into unescaped fields) and the tokenizer plus dlt's read_csv typing (chunks of 10000
 * records typed as pandas would and built as row objects), which is what read_csv feeds the
 * pipeline. The file is generated once (seeded, deterministic) into the data folder. */
#include "bench.h"

#include "csv/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const char *const WORDS[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
                                    "golf", "hotel", "india", "juliett", "kilo", "lima"};

/* One record of 20 columns: ids, ints, floats, bools, dates, words, quoted text with commas,
 * doubled quotes and (rarely) a newline, and empty fields. */
static int gen_record(FILE *f, uint64_t i, uint64_t *s)
{
    uint64_t r = mix(s);
    int n = fprintf(f, "%llu,%lld,%d,%.4f,%.2f,%s,", (unsigned long long)i,
                    (long long)(r % 2000000) - 1000000, (int)((r >> 40) % 1000),
                    (double)(r % 1000000) / 997.0, (double)(r >> 20 & 0xFFFF) / 3.0,
                    (r >> 7) & 1 ? "True" : "False");
    r = mix(s);
    n += fprintf(f, "2026-%02d-%02dT%02d:%02d:%02dZ,%s,%s,\"%s, %s and %s\",", (int)(r % 12) + 1,
                 (int)((r >> 8) % 28) + 1, (int)((r >> 16) % 24), (int)((r >> 24) % 60),
                 (int)((r >> 32) % 60), WORDS[r % 12], WORDS[(r >> 4) % 12], WORDS[(r >> 8) % 12],
                 WORDS[(r >> 12) % 12], WORDS[(r >> 16) % 12]);
    r = mix(s);
    n += fprintf(f, "%s,\"she said \"\"%s\"\"\",%llu,%s,%.6e,", (r & 15) == 0 ? "" : WORDS[r % 12],
                 WORDS[(r >> 5) % 12], (unsigned long long)(r >> 3),
                 (r & 63) == 1 ? "\"line one\nline two\"" : "plain text value",
                 (double)(r % 100000) * 1.5e-3);
    r = mix(s);
    n += fprintf(f, "%s,%lld,%s,\"%s\",%s\n", WORDS[(r >> 2) % 12], (long long)(r % 100000),
                 (r & 7) == 0 ? "" : "x", (r & 3) == 0 ? "" : WORDS[(r >> 9) % 12],
                 "https://example.com/some/path/to/a/resource");
    return n;
}

static int ensure_file(const bench_ctx *ctx, char *path, size_t cap, uint64_t *bytes)
{
    snprintf(path, cap, "%s/csv20_%llu.csv", ctx->data_dir, (unsigned long long)ctx->records);
    char done[1100];
    snprintf(done, sizeof done, "%s.done", path);
    struct stat st;
    if (stat(done, &st) != 0) {
        fprintf(stderr, "csv_read: generating ~%llu MB into %s\n",
                (unsigned long long)(ctx->records / 1000), path);
        FILE *f = fopen(path, "w");
        if (!f)
            return -1;
        uint64_t s = 42, want = ctx->records * 1000ull, got = 0, i = 0;
        got += (uint64_t)fprintf(f, "id,delta,small,ratio,amount,flag,created_at,w1,w2,phrase,"
                                    "w3,quote,big,note,sci,w4,n5,maybe,w5,url\n");
        while (got < want)
            got += (uint64_t)gen_record(f, i++, &s);
        if (fclose(f) != 0)
            return -1;
        FILE *d = fopen(done, "w");
        if (d)
            fclose(d);
    }
    if (stat(path, &st) != 0)
        return -1;
    *bytes = (uint64_t)st.st_size;
    return 0;
}

static cdlt_status fd_read(void *ud, char *b, size_t n, size_t *got, cdlt_error *err)
{
    int fd = *(int *)ud;
    for (;;) {
        ssize_t k = read(fd, b, n);
        if (k >= 0) {
            *got = (size_t)k;
            return CDLT_OK;
        }
        if (errno != EINTR)
            return err_set(err, CDLT_IO, "read: %s", strerror(errno));
    }
}

/* One pass; typed = also type chunks into row objects. Returns seconds, -1 on error. */
static double pass(const char *path, bool typed, uint64_t *records, uint64_t *check)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    cdlt_error err = {0};
    csv_reader *r = NULL;
    csv_table *t = NULL;
    arena a;
    arena_init(&a, 1 << 20, 0);
    double t0 = bench_now();
    cdlt_status rc = csv_open(NULL, fd_read, &fd, &r, &err);
    *records = *check = 0;
    bool first = true;
    while (rc == CDLT_OK) {
        const csv_field *f;
        size_t n;
        bool eof, full = false;
        rc = csv_next(r, &f, &n, &eof, &err);
        if (rc != CDLT_OK)
            break;
        if (eof) {
            if (t && csv_table_rows(t)) {
                jv page;
                rc = csv_table_flush(t, &a, &page, &err);
                *check += page.len;
            }
            break;
        }
        if (first) {
            csv_expect_fields(r, n);
            if (typed) {
                const char **names;
                size_t *lens;
                rc = csv_header_names(f, n, true, &a, &names, &lens, &err);
                if (rc == CDLT_OK)
                    rc = csv_table_open(names, lens, n, 10000, &t, &err);
            }
            first = false;
            continue;
        }
        (*records)++;
        if (!typed) {
            for (size_t i = 0; i < n; i++)
                *check += f[i].len;
            continue;
        }
        rc = csv_table_add(t, f, n, &full, &err);
        if (rc == CDLT_OK && full) {
            jv page;
            arena_reset(&a);
            rc = csv_table_flush(t, &a, &page, &err);
            *check += page.len;
        }
    }
    double secs = bench_now() - t0;
    if (rc != CDLT_OK)
        fprintf(stderr, "csv_read: %s\n", err.message);
    csv_table_close(t);
    csv_close(r);
    arena_free(&a);
    close(fd);
    return rc == CDLT_OK ? secs : -1;
}

static int run_csv_read(bench_ctx *ctx)
{
    char path[1024];
    uint64_t bytes = 0;
    if (ensure_file(ctx, path, sizeof path, &bytes) != 0) {
        fprintf(stderr, "csv_read: cannot make the input file\n");
        return 1;
    }
    double best_tok = 1e30, best_typed = 1e30;
    uint64_t recs = 0, check = 0, recs2 = 0, check2 = 0;
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        double s = pass(path, false, &recs, &check);
        if (s < 0)
            return 1;
        if (s < best_tok)
            best_tok = s;
        s = pass(path, true, &recs2, &check2);
        if (s < 0)
            return 1;
        if (s < best_typed)
            best_typed = s;
    }
    char sql[1400], extra[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_csv('%s')", path);
    double ref1 = bench_duckdb_seconds(sql, 1);
    snprintf(extra, sizeof extra,
             "field_bytes=%llu duckdb_1thread_s=%.3f speedup_vs_duckdb_1thread=%.2fx",
             (unsigned long long)check, ref1, ref1 > 0 ? ref1 / best_tok : 0);
    bench_report(ctx, "csv_read", recs, bytes, best_tok, extra);
    snprintf(extra, sizeof extra, "rows=%llu duckdb_1thread_s=%.3f speedup_vs_duckdb_1thread=%.2fx",
             (unsigned long long)check2, ref1, ref1 > 0 ? ref1 / best_typed : 0);
    bench_report(ctx, "csv_read_typed", recs2, bytes, best_typed, extra);
    return 0;
}

BENCH_CASE(85, "csv_read", "CSV reader (20 columns, ~size x 1 KB), 1 core, tokenize and typed, "
           "vs DuckDB read_csv count(*) on 1 thread", run_csv_read)
