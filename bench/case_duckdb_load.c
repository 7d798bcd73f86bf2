/* case_duckdb_load.c: case 20, duckdb_load: the DuckDB destination alone (no JSON, no
 * normalizer): rows shaped like the normalized GitHub events (root `events` 22 columns, ~3
 * `events__payload__commits` and ~2 `events__labels` rows per record) plus a `mixed` table of
 * every awkward type (decimal, json, blob, timestamptz), written as load files by the duckdb
 * writer, then migrated + loaded + committed as one package into a fresh database file.
 * Writer and load are timed and reported separately (rows/s, MB/s of load file, CPU s), next to
 * two DuckDB references in the same run on the same machine state:
 *   ceiling:   INSERT INTO the same tables SELECT * FROM identical rows already in an in-memory
 *              DuckDB table (DuckDB's own storage/compression cost, no parsing at all);
 *   ndjson:    CREATE TABLE AS SELECT * FROM read_ndjson(events file) (the pipeline goal).
 * Checksum: row counts and sums read back from the loaded database. */
#include "bench.h"

#include "destinations/destination.h"
#include "destinations/duckdb/duck.h"
#include "json/json.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t g_rng;

static uint64_t rnd(void)
{
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t n) { return rnd() % n; }

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           u.ru_stime.tv_usec / 1e6;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* ---- the tables ---- */
enum { T_EVENTS, T_COMMITS, T_LABELS, T_MIXED, NT };
static const char *TNAMES[NT] = {"events", "events__payload__commits", "events__labels", "mixed"};

typedef struct colspec {
    const char *name; /* column */
    dtype type;       /* dlt type */
    bool nullable;    /* false for the dlt columns */
} colspec;

static const colspec EVENTS_COLS[] = {
    {"id", DT_TEXT, true}, {"type", DT_TEXT, true}, {"actor__id", DT_BIGINT, true},
    {"actor__login", DT_TEXT, true}, {"actor__display_login", DT_TEXT, true},
    {"actor__gravatar_id", DT_TEXT, true}, {"actor__url", DT_TEXT, true},
    {"actor__avatar_url", DT_TEXT, true}, {"repo__id", DT_BIGINT, true},
    {"repo__name", DT_TEXT, true}, {"repo__url", DT_TEXT, true},
    {"payload__push_id", DT_BIGINT, true}, {"payload__size", DT_BIGINT, true},
    {"payload__distinct_size", DT_BIGINT, true}, {"payload__ref", DT_TEXT, true},
    {"payload__head", DT_TEXT, true}, {"payload__before", DT_TEXT, true},
    {"public", DT_BOOL, true}, {"created_at", DT_TIMESTAMP, true}, {"score", DT_DOUBLE, true},
    {"_dlt_load_id", DT_TEXT, false}, {"_dlt_id", DT_TEXT, false}};
static const colspec COMMITS_COLS[] = {
    {"sha", DT_TEXT, true}, {"author__email", DT_TEXT, true}, {"author__name", DT_TEXT, true},
    {"message", DT_TEXT, true}, {"distinct", DT_BOOL, true},
    {"_dlt_parent_id", DT_TEXT, false}, {"_dlt_list_idx", DT_BIGINT, false},
    {"_dlt_id", DT_TEXT, false}};
static const colspec LABELS_COLS[] = {{"value", DT_TEXT, true},
                                      {"_dlt_parent_id", DT_TEXT, false},
                                      {"_dlt_list_idx", DT_BIGINT, false},
                                      {"_dlt_id", DT_TEXT, false}};
static const colspec MIXED_COLS[] = {
    {"id", DT_BIGINT, false}, {"f", DT_DOUBLE, true}, {"s", DT_TEXT, true},
    {"b", DT_BOOL, true}, {"ts", DT_TIMESTAMP, true}, {"d", DT_DECIMAL, true},
    {"j", DT_JSON, true}, {"bin", DT_BINARY, true}, {"_dlt_load_id", DT_TEXT, false},
    {"_dlt_id", DT_TEXT, false}};

static const colspec *const TCOLS[NT] = {EVENTS_COLS, COMMITS_COLS, LABELS_COLS, MIXED_COLS};
static const uint32_t TNCOLS[NT] = {
    sizeof EVENTS_COLS / sizeof *EVENTS_COLS, sizeof COMMITS_COLS / sizeof *COMMITS_COLS,
    sizeof LABELS_COLS / sizeof *LABELS_COLS, sizeof MIXED_COLS / sizeof *MIXED_COLS};

static const char *LOAD_ID = "1795306641.4021535";
static const char *TYPES[] = {"PushEvent", "WatchEvent", "IssuesEvent", "PullRequestEvent",
                              "CreateEvent", "ForkEvent", "IssueCommentEvent", "DeleteEvent"};
static const char *WORDS[] = {"fix", "add", "update", "remove", "refactor", "parser", "tests",
                              "docs", "build", "release", "bump", "version", "cache", "handle",
                              "error", "in", "the", "for", "with", "memory", "speed", "config"};
static const char *LABELS[] = {"bug", "enhancement", "documentation", "good first issue",
                               "help wanted", "question", "wontfix", "duplicate"};

static tval tv(dtype t) { tval v; memset(&v, 0, sizeof v); v.type = (uint8_t)t; return v; }
static tval tvi(int64_t i) { tval v = tv(DT_BIGINT); v.u.i = i; return v; }
static tval tvs(const char *s, size_t n) { tval v = tv(DT_TEXT); v.u.s = s; v.len = (uint32_t)n; return v; }
static tval tvz(const char *s) { return tvs(s, strlen(s)); }

/* dlt-like random 14-char row id */
static void dlt_id(char *out)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    uint64_t r = rnd();
    for (int i = 0; i < 14; i++, r >>= 4)
        out[i] = A[(r ^ (uint64_t)i * 37) & 63];
    out[14] = '\0';
}

static void hexs(char *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = "0123456789abcdef"[below(16)];
    out[n] = '\0';
}

typedef struct gen_totals {
    uint64_t rows[NT];  /* rows written per table */
    int64_t sum_size;   /* sum of events.payload__size (checksum) */
    int64_t sum_idx;    /* sum of commits._dlt_list_idx */
} gen_totals;

/* Write the four load files; returns 0 on success. */
static int write_files(const dest_vtable *v, schema_table *const *tabs, char paths[NT][700],
                       uint64_t records, gen_totals *tot)
{
    cdlt_error err;
    dest_writer *w[NT] = {0};
    for (int t = 0; t < NT; t++)
        if (v->formats[0]->open(tabs[t], paths[t], NULL, &w[t], &err) != CDLT_OK) {
            fprintf(stderr, "duckdb_load: %s\n", err.message);
            return 1;
        }
    memset(tot, 0, sizeof *tot);
    g_rng = 7;
    arena ja; /* JSON values of the mixed table */
    arena_init(&ja, 64 * 1024, 0);
    char id[32], login[32], url[96], aurl[96], rname[64], rurl[128], head[41], before[41],
        rid[16], sha[41], email[48], aname[32], msg[256], cid[16], lid[16], s[64], dec[48],
        jbuf[64];
    tval row[24];
    for (uint64_t r = 0; r < records; r++) {
        uint64_t actor = 1000 + below(500000), repo = 10000 + below(2000000);
        snprintf(id, sizeof id, "%llu", (unsigned long long)(20000000000ull + r));
        snprintf(login, sizeof login, "user%llu", (unsigned long long)actor);
        snprintf(url, sizeof url, "https://api.github.com/users/%s", login);
        snprintf(aurl, sizeof aurl, "https://avatars.githubusercontent.com/u/%llu?",
                 (unsigned long long)actor);
        snprintf(rname, sizeof rname, "org%llu/repo%llu", (unsigned long long)(repo % 10),
                 (unsigned long long)repo);
        snprintf(rurl, sizeof rurl, "https://api.github.com/repos/%s", rname);
        hexs(head, 40);
        hexs(before, 40);
        dlt_id(rid);
        int ncommits = 1 + (int)below(5), nlabels = (int)below(5);
        uint32_t k = 0;
        row[k++] = tvz(id);
        row[k++] = tvz(TYPES[below(8)]);
        row[k++] = tvi((int64_t)actor);
        row[k++] = tvz(login);
        row[k++] = tvz(login);
        row[k++] = tvz("");
        row[k++] = tvz(url);
        row[k++] = tvz(aurl);
        row[k++] = tvi((int64_t)repo);
        row[k++] = tvz(rname);
        row[k++] = tvz(rurl);
        row[k++] = tvi((int64_t)(9000000000ull + below(1000000000)));
        row[k++] = tvi(ncommits);
        row[k++] = tvi(ncommits);
        row[k++] = tvz(below(3) ? "refs/heads/main" : "refs/heads/feature/x");
        row[k++] = tvz(head);
        row[k++] = tvz(before);
        row[k] = tv(DT_BOOL);
        row[k++].u.b = below(10) != 0;
        row[k] = tv(DT_TIMESTAMP);
        row[k++].u.ts = (int64_t)(1704067200ull + below(366ull * 86400)) * 1000000;
        row[k] = tv(DT_DOUBLE);
        row[k++].u.d = (double)below(1000000) / 1000.0;
        row[k++] = tvz(LOAD_ID);
        row[k++] = tvz(rid);
        tot->sum_size += ncommits;
        if (v->formats[0]->row(w[T_EVENTS], row, k) != CDLT_OK)
            goto fail;
        tot->rows[T_EVENTS]++;
        for (int c = 0; c < ncommits; c++) {
            hexs(sha, 40);
            uint64_t au = below(100000);
            snprintf(email, sizeof email, "dev%llu@example.com", (unsigned long long)au);
            snprintf(aname, sizeof aname, "Dev %llu", (unsigned long long)au);
            size_t ml = 0;
            for (int wd = 3 + (int)below(8); wd > 0; wd--)
                ml += (size_t)snprintf(msg + ml, sizeof msg - ml, "%s%s", ml ? " " : "",
                                       WORDS[below(sizeof WORDS / sizeof *WORDS)]);
            dlt_id(cid);
            k = 0;
            row[k++] = tvz(sha);
            row[k++] = tvz(email);
            row[k++] = tvz(aname);
            row[k++] = tvs(msg, ml);
            row[k] = tv(DT_BOOL);
            row[k++].u.b = below(5) != 0;
            row[k++] = tvz(rid);
            row[k++] = tvi(c);
            row[k++] = tvz(cid);
            tot->sum_idx += c;
            if (v->formats[0]->row(w[T_COMMITS], row, k) != CDLT_OK)
                goto fail;
            tot->rows[T_COMMITS]++;
        }
        for (int l = 0; l < nlabels; l++) {
            dlt_id(lid);
            k = 0;
            row[k++] = tvz(LABELS[below(8)]);
            row[k++] = tvz(rid);
            row[k++] = tvi(l);
            row[k++] = tvz(lid);
            if (v->formats[0]->row(w[T_LABELS], row, k) != CDLT_OK)
                goto fail;
            tot->rows[T_LABELS]++;
        }
    }
    /* mixed: a tenth of the records, every awkward type */
    uint64_t nmixed = records / 10 ? records / 10 : 1;
    for (uint64_t i = 0; i < nmixed; i++) {
        snprintf(s, sizeof s, "name \"%llu\", line\nx", (unsigned long long)i);
        snprintf(dec, sizeof dec, "%llu.%03llu", (unsigned long long)i,
                 (unsigned long long)(i % 1000));
        if (i % 1000 == 0)
            arena_reset(&ja);
        jbuf[0] = 'x';
        dlt_id(cid);
        uint32_t k = 0;
        row[k++] = tvi((int64_t)i);
        row[k] = tv(DT_DOUBLE);
        row[k++].u.d = (double)i * 1.25 + 0.1;
        row[k++] = tvz(s);
        row[k] = tv(DT_BOOL);
        row[k++].u.b = i & 1;
        row[k] = tv(DT_TIMESTAMP);
        row[k++].u.ts = 1700000000000000LL + (int64_t)i * 1000003LL;
        row[k] = tvz(dec);
        row[k++].type = DT_DECIMAL;
        /* JSON values come from the normalizer as jv trees */
        jv_builder ob;
        jv_builder_init(&ob, JV_OBJECT);
        jv_builder_set(&ob, &ja, "a", 1, jv_int((int64_t)i));
        jv_builder_set(&ob, &ja, "b", 1, jv_str(&ja, jbuf, 1));
        row[k] = tv(DT_JSON);
        row[k++].u.json = &ob.value;
        row[k] = tvs("\x00\xff", 2);
        row[k++].type = DT_BINARY;
        row[k++] = tvz(LOAD_ID);
        row[k++] = tvz(cid);
        if (v->formats[0]->row(w[T_MIXED], row, k) != CDLT_OK)
            goto fail;
        tot->rows[T_MIXED]++;
    }
    arena_free(&ja);
    for (int t = 0; t < NT; t++) {
        dest_writer *x = w[t];
        w[t] = NULL;
        if (v->formats[0]->close(x, NULL, &err) != CDLT_OK) {
            fprintf(stderr, "duckdb_load: %s\n", err.message);
            return 1;
        }
    }
    return 0;
fail:
    arena_free(&ja);
    for (int t = 0; t < NT; t++)
        if (w[t]) {
            const char *m = v->formats[0]->last_error(w[t]);
            if (m)
                fprintf(stderr, "duckdb_load: %s\n", m);
            v->formats[0]->abort(w[t]);
        }
    return 1;
}

static int64_t query_i64(duckdb_connection con, const char *sql)
{
    duckdb_result res;
    int64_t out = -1;
    if (duckdb_query(con, sql, &res) == DuckDBSuccess && duckdb_row_count(&res) > 0)
        out = duckdb_value_int64(&res, 0, 0);
    else
        fprintf(stderr, "duckdb_load: %s: %s\n", sql, duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    return out;
}

/* Reference: the same rows as DuckDB tables in an in-memory database (put there by cdlt,
 * untimed), then timed BEGIN; INSERT INTO <file db>.<t> SELECT * ...; COMMIT into tables made
 * by the same migrate: DuckDB's own storage/compression cost with no parsing at all. Runs in a
 * forked child so its memory doesn't count for this case. Returns wall seconds (or -1). */
static double reference_ceiling(const char *dir, schema *s, schema_table *const *tabs,
                                char paths[NT][700], double *out_cpu)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        double res[2] = {-1, -1};
        const dest_vtable *v = dest_find("duckdb");
        char dbp[600], sql[2048];
        snprintf(dbp, sizeof dbp, "%s/ref.duckdb", dir);
        cdlt_error err;
        destination *f = NULL, *m = NULL;
        dest_config fc = {.pipeline_name = "ref", .dataset_name = "ds", .credentials = dbp};
        dest_config mc = {.pipeline_name = "ref", .dataset_name = "ds", .credentials = ":memory:"};
        cdlt_status st = v->open(&fc, &f, &err);
        if (st == CDLT_OK)
            st = v->migrate(f, s, &err);
        v->close(f);
        if (st == CDLT_OK)
            st = v->open(&mc, &m, &err);
        /* DuckDB's defaults for the reference (cdlt's session caps threads and memory) */
        if (st == CDLT_OK)
            st = duck_exec(m, "RESET threads; RESET memory_limit", "reset", &err);
        if (st == CDLT_OK)
            st = v->migrate(m, s, &err);
        for (int t = 0; t < NT && st == CDLT_OK; t++)
            st = v->load_file(m, s, tabs[t], paths[t], &err);
        if (st != CDLT_OK)
            fprintf(stderr, "duckdb_load: reference: %s\n", err.message);
        snprintf(sql, sizeof sql, "ATTACH '%s' AS f", dbp);
        if (st == CDLT_OK)
            st = duck_exec(m, sql, "attach", &err);
        if (st == CDLT_OK) {
            double c0 = cpu_seconds(), t0 = bench_now();
            st = duck_exec(m, "BEGIN", "begin", &err);
            for (int t = 0; t < NT && st == CDLT_OK; t++) {
                snprintf(sql, sizeof sql, "INSERT INTO f.ds.\"%s\" SELECT * FROM ds.\"%s\"",
                         TNAMES[t], TNAMES[t]);
                st = duck_exec(m, sql, "insert", &err);
            }
            if (st == CDLT_OK)
                st = duck_exec(m, "COMMIT", "commit", &err);
            res[0] = bench_now() - t0;
            res[1] = cpu_seconds() - c0;
            if (st != CDLT_OK) {
                fprintf(stderr, "duckdb_load: reference: %s\n", err.message);
                res[0] = -1;
            }
        }
        v->close(m);
        ssize_t wr = write(fds[1], res, sizeof res);
        _exit(wr == (ssize_t)sizeof res ? 0 : 1);
    }
    close(fds[1]);
    double res[2] = {-1, -1};
    if (read(fds[0], res, sizeof res) != (ssize_t)sizeof res)
        res[0] = -1;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    *out_cpu = res[1];
    return res[0];
}

/* Reference for the pipeline goal: DuckDB's own CREATE TABLE AS SELECT * FROM
 * read_ndjson(events file) into a database file, default threads, in a forked child.
 * out[0] = wall s, out[1] = CPU s, out[2] = peak RSS MB (all -1 on error). */
static void reference_ndjson(const bench_ctx *ctx, const char *dir, double out[3])
{
    int fds[2];
    out[0] = out[1] = out[2] = -1;
    if (pipe(fds) != 0)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        double res[3] = {-1, -1, -1};
        char dbp[600], sql[1400];
        snprintf(dbp, sizeof dbp, "%s/ndjson.duckdb", dir);
        duckdb_database db;
        duckdb_connection con;
        if (duckdb_open(dbp, &db) == DuckDBSuccess && duckdb_connect(db, &con) == DuckDBSuccess) {
            snprintf(sql, sizeof sql, "CREATE TABLE t AS SELECT * FROM read_ndjson('%s')",
                     ctx->events_path);
            double c0 = cpu_seconds(), t0 = bench_now();
            duckdb_result r;
            if (duckdb_query(con, sql, &r) == DuckDBSuccess) {
                res[0] = bench_now() - t0;
                res[1] = cpu_seconds() - c0;
                res[2] = (double)bench_peak_rss() / 1e6;
            } else {
                fprintf(stderr, "duckdb_load: ndjson reference: %s\n", duckdb_result_error(&r));
            }
            duckdb_destroy_result(&r);
            duckdb_disconnect(&con);
            duckdb_close(&db);
        }
        unlink(dbp);
        snprintf(sql, sizeof sql, "%s.wal", dbp);
        unlink(sql);
        ssize_t wr = write(fds[1], res, sizeof res);
        _exit(wr == (ssize_t)sizeof res ? 0 : 1);
    }
    close(fds[1]);
    if (read(fds[0], out, 3 * sizeof *out) != (ssize_t)(3 * sizeof *out))
        out[0] = out[1] = out[2] = -1;
    close(fds[0]);
    waitpid(pid, NULL, 0);
}

/* Remove the case's folder and everything it may hold (also after a failure). */
static void remove_dir(const char *dir, char paths[NT][700], const char *dbpath)
{
    char p[800];
    for (int t = 0; t < NT; t++)
        unlink(paths[t]);
    snprintf(p, sizeof p, "%s.wal", dbpath);
    unlink(p);
    unlink(dbpath);
    snprintf(p, sizeof p, "%s/ref.duckdb", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/ref.duckdb.wal", dir);
    unlink(p);
    rmdir(dir);
}

static int run_duckdb_load(bench_ctx *ctx)
{
    const dest_vtable *v = dest_find("duckdb");
    cdlt_error err;
    schema *s = NULL;
    if (!v || schema_new("bench", &s, &err) != CDLT_OK)
        return 1;
    schema_table *tabs[NT];
    for (int t = 0; t < NT; t++) {
        const char *parent = t == T_COMMITS || t == T_LABELS ? "events" : NULL;
        if (schema_add_table(s, TNAMES[t], parent, &tabs[t], &err) != CDLT_OK) {
            fprintf(stderr, "duckdb_load: %s\n", err.message);
            return 1;
        }
        for (uint32_t c = 0; c < TNCOLS[t]; c++) {
            schema_column col = schema_column_init(TCOLS[t][c].name, TCOLS[t][c].type);
            col.nullable = TCOLS[t][c].nullable;
            uint32_t idx;
            if (table_add_column(s, tabs[t], &col, &idx, &err) != CDLT_OK) {
                fprintf(stderr, "duckdb_load: %s\n", err.message);
                return 1;
            }
        }
    }
    for (int t = 0; t < NT; t++) /* pointers settle after all tables exist */
        if ((tabs[t] = schema_get_table(s, TNAMES[t])) != NULL)
            tabs[t]->seen_data = true;

    char dir[400];
    snprintf(dir, sizeof dir, "%s/duckdb_load_%d", ctx->data_dir, (int)getpid());
    mkdir(ctx->data_dir, 0755);
    if (mkdir(dir, 0755) != 0) {
        perror(dir);
        return 1;
    }
    char paths[NT][700], dbpath[600];
    for (int t = 0; t < NT; t++)
        snprintf(paths[t], sizeof paths[t], "%s/%s.0.%s", dir, TNAMES[t], v->formats[0]->ext);
    snprintf(dbpath, sizeof dbpath, "%s/bench.duckdb", dir);

    /* ---- writer ---- */
    gen_totals tot;
    double c0 = cpu_seconds(), t0 = bench_now();
    if (write_files(v, tabs, paths, ctx->records, &tot) != 0) {
        remove_dir(dir, paths, dbpath);
        return 1;
    }
    double t_write = bench_now() - t0, c_write = cpu_seconds() - c0;
    uint64_t rows = 0, bytes = 0;
    for (int t = 0; t < NT; t++) {
        rows += tot.rows[t];
        bytes += file_size(paths[t]);
    }

    /* ---- load: one package, one transaction ---- */
    /* knobs: CDLT_BENCH_DUCK_THREADS, CDLT_BENCH_DUCK_MEMORY_MB, CDLT_BENCH_DUCK_COMPRESSION ->
     * destination.duckdb options */
    arena oa;
    arena_init(&oa, 4096, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    const char *kt = getenv("CDLT_BENCH_DUCK_THREADS"), *km = getenv("CDLT_BENCH_DUCK_MEMORY_MB");
    if (kt)
        jv_builder_set(&ob, &oa, "load_threads", 12, jv_int(atoll(kt)));
    if (km)
        jv_builder_set(&ob, &oa, "memory_limit_mb", 15, jv_int(atoll(km)));
    const char *kc = getenv("CDLT_BENCH_DUCK_COMPRESSION");
    if (kc)
        jv_builder_set(&ob, &oa, "compression", 11, jv_str(&oa, kc, strlen(kc)));
    dest_config cfg = {.pipeline_name = "bench", .dataset_name = "ds", .credentials = dbpath,
                       .options = &ob.value};
    destination *d = NULL;
    c0 = cpu_seconds();
    t0 = bench_now();
    cdlt_status st = v->open(&cfg, &d, &err);
    if (st == CDLT_OK)
        st = v->begin(d, &err);
    if (st == CDLT_OK)
        st = v->migrate(d, s, &err);
    for (int t = 0; t < NT && st == CDLT_OK; t++)
        st = v->load_file(d, s, tabs[t], paths[t], &err);
    double t_files = bench_now() - t0;
    if (st == CDLT_OK)
        st = v->complete_load(d, s, LOAD_ID, &err);
    if (st == CDLT_OK)
        st = v->commit(d, &err);
    double t_load = bench_now() - t0, c_load = cpu_seconds() - c0;
    if (st != CDLT_OK) {
        fprintf(stderr, "duckdb_load: %s\n", err.message);
        v->close(d);
        remove_dir(dir, paths, dbpath);
        arena_free(&oa);
        return 1;
    }
    v->close(d);
    double rss_load = (double)bench_peak_rss() / 1e6; /* before the read-back below */
    uint64_t dbsize = file_size(dbpath);

    /* ---- read back (checksum) ---- */
    int64_t n_loaded = 0, sum_size = -1, sum_idx = -1;
    {
        duckdb_database db;
        duckdb_connection con;
        if (duckdb_open(dbpath, &db) == DuckDBSuccess && duckdb_connect(db, &con) == DuckDBSuccess) {
            char sql[256];
            for (int t = 0; t < NT; t++) {
                snprintf(sql, sizeof sql, "SELECT count(*) FROM ds.\"%s\"", TNAMES[t]);
                n_loaded += query_i64(con, sql);
            }
            sum_size = query_i64(con, "SELECT sum(payload__size) FROM ds.events");
            sum_idx = query_i64(con, "SELECT sum(_dlt_list_idx) FROM ds.events__payload__commits");
            duckdb_disconnect(&con);
            duckdb_close(&db);
        }
    }
    bool ok = n_loaded == (int64_t)rows && sum_size == tot.sum_size && sum_idx == tot.sum_idx;

    /* CDLT_BENCH_DUCK_NOREF=1 skips the two references (quick knob sweeps) */
    double ref_cpu = -1, ref_s = -1, nd[3] = {-1, -1, -1};
    if (!getenv("CDLT_BENCH_DUCK_NOREF")) {
        ref_s = reference_ceiling(dir, s, tabs, paths, &ref_cpu);
        reference_ndjson(ctx, dir, nd);
    }

    char extra[1400];
    snprintf(extra, sizeof extra,
             "rows=%llu events=%llu commits=%llu labels=%llu mixed=%llu file_mb=%.1f db_mb=%.1f "
             "write_s=%.3f write_rows_s=%.0f write_mb_s=%.1f write_cpu_s=%.2f "
             "load_s=%.3f load_files_s=%.3f load_rows_s=%.0f load_mb_s=%.1f load_cpu_s=%.2f "
             "load_rss_mb=%.1f ref_insert_select_s=%.3f ref_cpu_s=%.2f ratio_load_vs_ref=%.2f "
             "ratio_load_cpu_vs_ref=%.2f ref_ndjson_ctas_s=%.3f ref_ndjson_cpu_s=%.2f "
             "ref_ndjson_rss_mb=%.1f checksum=%s",
             (unsigned long long)rows, (unsigned long long)tot.rows[T_EVENTS],
             (unsigned long long)tot.rows[T_COMMITS], (unsigned long long)tot.rows[T_LABELS],
             (unsigned long long)tot.rows[T_MIXED], bytes / 1e6, dbsize / 1e6, t_write,
             rows / t_write, bytes / 1e6 / t_write, c_write, t_load, t_files, rows / t_load,
             bytes / 1e6 / t_load, c_load, rss_load, ref_s, ref_cpu,
             ref_s > 0 ? t_load / ref_s : 0, ref_cpu > 0 ? c_load / ref_cpu : 0, nd[0], nd[1],
             nd[2], ok ? "ok" : "MISMATCH");
    bench_report(ctx, "duckdb_load", ctx->records, bytes, t_write + t_load, extra);

    remove_dir(dir, paths, dbpath);
    schema_free(s);
    arena_free(&oa);
    return ok ? 0 : 1;
}

BENCH_CASE(20, "duckdb_load",
           "DuckDB destination: load-file writer, then load+commit of one package, vs DuckDB's "
           "own INSERT ... SELECT of the same rows",
           run_duckdb_load)
