/* util.c: the pieces several bench cases share, written once so each case file is only what it
 * measures: a private work folder, children measured with wait4 (wall, CPU, peak RSS), runs of
 * the cdlt CLI with its --json load info (phases, rows per table), DuckDB references in a
 * child, private test servers (scripts/testdb, scripts/s3server) and PostgreSQL one-liners. */
#include "bench.h"

#include <duckdb.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

double bench_ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

int bench_sh(const char *tag, const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "%s: command failed (%d): %s\n", tag, rc, cmd);
    return rc;
}

void bench_rm_rf(const char *path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    bench_sh("bench", cmd);
}

uint64_t bench_dir_bytes(const char *dir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "du -sb '%s' | cut -f1", dir);
    FILE *f = popen(cmd, "r");
    unsigned long long n = 0;
    if (f) {
        if (fscanf(f, "%llu", &n) != 1)
            n = 0;
        pclose(f);
    }
    return n;
}

int bench_write_file(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench: cannot write %s\n", path);
        return -1;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    return fclose(f) == 0 ? 0 : -1;
}

int bench_work_open(const bench_ctx *ctx, const char *prefix, const char *def_name,
                    bench_work *w)
{
    memset(w, 0, sizeof *w);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s_%d", ctx->data_dir, prefix, (int)getpid());
    mkdir(ctx->data_dir, 0755);
    mkdir(dir, 0755);
    w->dir = realpath(dir, NULL);
    w->events = ctx->events_path ? realpath(ctx->events_path, NULL) : NULL;
    if (!w->dir || !w->events) {
        fprintf(stderr, "%s: cannot make %s or find the events file\n", prefix, dir);
        bench_work_close(w);
        return -1;
    }
    snprintf(w->def, sizeof w->def, "%s/%s", w->dir, def_name);
    snprintf(w->pdir, sizeof w->pdir, "%s/pipelines", w->dir);
    snprintf(w->out, sizeof w->out, "%s/cli.out", w->dir);
    return 0;
}

void bench_work_close(bench_work *w)
{
    if (w->dir)
        bench_rm_rf(w->dir);
    free(w->dir);
    free(w->events);
    memset(w, 0, sizeof *w);
}

int bench_in_child(int (*fn)(void *ud, uint64_t *value), void *ud, bench_child *out)
{
    memset(out, 0, sizeof *out);
    out->seconds = -1;
    int fds[2];
    /* close-on-exec: a child that execs another program closes its end, so the read below
     * ends at once instead of waiting for that program to exit */
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    fflush(stdout); /* a child's freopen(stdout) must not flush our buffer a second time */
    fflush(stderr);
    double t0 = bench_now();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        uint64_t v = 0;
        int rc = fn(ud, &v);
        if (write(fds[1], &v, sizeof v) != (ssize_t)sizeof v)
            _exit(1);
        _exit(rc == 0 ? 0 : 1);
    }
    close(fds[1]);
    uint64_t v = 0;
    if (read(fds[0], &v, sizeof v) != (ssize_t)sizeof v)
        v = 0;
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    out->seconds = bench_now() - t0;
    out->rss_kb = ru.ru_maxrss;
    out->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    out->value = v;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

typedef struct duck_job {
    const char *tag;  /* case name for messages */
    const char *db;   /* database file or NULL (in memory) */
    const char *sql;  /* statement to run */
    int threads;      /* 0 = DuckDB's default */
} duck_job;

static int duck_in_child(void *ud, uint64_t *rows)
{
    const duck_job *j = ud;
    duckdb_database d;
    duckdb_connection c;
    duckdb_result r;
    duckdb_config cfg;
    char th[16];
    snprintf(th, sizeof th, "%d", j->threads);
    duckdb_create_config(&cfg);
    if (j->threads > 0)
        duckdb_set_config(cfg, "threads", th);
    if (duckdb_open_ext(j->db, &d, cfg, NULL) != DuckDBSuccess ||
        duckdb_connect(d, &c) != DuckDBSuccess)
        return 1;
    int ok = duckdb_query(c, j->sql, &r) == DuckDBSuccess;
    if (!ok)
        fprintf(stderr, "%s: duckdb reference: %s\n", j->tag, duckdb_result_error(&r));
    else
        *rows = duckdb_rows_changed(&r);
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    duckdb_destroy_config(&cfg);
    return ok ? 0 : 1;
}

int bench_duckdb_child(const char *tag, const char *db, const char *sql, int threads,
                       bench_child *out)
{
    duck_job j = {tag, db, sql, threads};
    return bench_in_child(duck_in_child, &j, out);
}

int bench_duckdb_count_sum(const char *tag, const char *db, const char *table, long long *rows,
                           long long *sum)
{
    duckdb_database d;
    duckdb_connection c;
    duckdb_result r;
    if (duckdb_open(db, &d) != DuckDBSuccess)
        return -1;
    if (duckdb_connect(d, &c) != DuckDBSuccess) {
        duckdb_close(&d);
        return -1;
    }
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*), sum(id) FROM %s", table);
    int rc = -1;
    if (duckdb_query(c, sql, &r) == DuckDBSuccess) {
        *rows = (long long)duckdb_value_int64(&r, 0, 0);
        *sum = (long long)duckdb_value_int64(&r, 1, 0);
        rc = 0;
    } else {
        fprintf(stderr, "%s: %s: %s\n", tag, sql, duckdb_result_error(&r));
    }
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return rc;
}

int bench_info_read(const char *path, bench_info *out)
{
    memset(out, 0, sizeof *out);
    arena_init(&out->a, 65536, 0);
    FILE *f = fopen(path, "r");
    size_t cap = 0;
    ssize_t n = f ? getdelim(&out->text, &cap, '\0', f) : -1;
    if (f)
        fclose(f);
    /* stderr may share the file: the load info starts at its first brace */
    const char *brace = n > 0 ? strchr(out->text, '{') : NULL;
    if (!brace || json_parse(brace, strlen(brace), &out->a, NULL, &out->root, NULL) != CDLT_OK)
        return -1;
    out->loaded = true;
    return 0;
}

void bench_info_free(bench_info *i)
{
    arena_free(&i->a);
    free(i->text);
    memset(i, 0, sizeof *i);
}

double bench_info_phase(const bench_info *i, const char *phase)
{
    const jv *p = i->loaded ? jv_get(&i->root, "phases") : NULL;
    const jv *ph = p ? jv_get(p, phase) : NULL;
    const jv *s = ph ? jv_get(ph, "seconds") : NULL;
    if (!s)
        return 0;
    return s->type == JV_DOUBLE ? s->u.d : s->type == JV_INT ? (double)s->u.i : 0;
}

uint64_t bench_info_rows(const bench_info *i, const char *table)
{
    const jv *t = i->loaded ? jv_get(&i->root, "tables") : NULL;
    for (uint32_t k = 0; t && t->type == JV_ARRAY && k < t->len; k++) {
        const jv *n = jv_get(&t->u.items[k], "name");
        const jv *r = jv_get(&t->u.items[k], "rows");
        if (n && n->type == JV_STRING && strcmp(n->u.s, table) == 0 && r && r->type == JV_INT)
            return (uint64_t)r->u.i;
    }
    return 0;
}

/* The CLI path travels with the spec through bench_in_child's void pointer. */
typedef struct cli_job {
    const bench_cli_spec *spec; /* what to run */
    const char *bin;            /* the cdlt binary */
} cli_job;

static int cli_exec(void *ud, uint64_t *value)
{
    const cli_job *j = ud;
    const bench_cli_spec *s = j->spec;
    (void)value;
    if (!freopen(s->out, "w", stdout) || (s->stderr_too && !freopen(s->out, "a", stderr)))
        _exit(127);
    if (s->env)
        putenv(strdup(s->env));
    execl(j->bin, j->bin, "run", s->def, "--pipelines-dir", s->pdir, "--progress", "none",
          "--json", (char *)NULL);
    _exit(127);
}

int bench_cli_best_of(const bench_ctx *ctx, const bench_cli_spec *spec, bench_cli_best *out)
{
    memset(out, 0, sizeof *out);
    out->run.seconds = -1;
    if (!ctx->cdlt_bin) {
        fprintf(stderr, "%s: cdlt binary not found next to cdlt_bench\n", spec->tag);
        return -1;
    }
    cli_job job = {spec, ctx->cdlt_bin};
    for (int rep = 0; rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        bench_rm_rf(spec->pdir);
        if (spec->before && spec->before(spec->ud) != 0)
            return -1;
        bench_child c;
        if (bench_in_child(cli_exec, &job, &c) != 0) {
            fprintf(stderr, "%s: cdlt run failed, see %s\n", spec->tag, spec->out);
            return -1;
        }
        bench_info info;
        if (bench_info_read(spec->out, &info) != 0) {
            fprintf(stderr, "%s: cannot read the load info in %s\n", spec->tag, spec->out);
            bench_info_free(&info);
            return -1;
        }
        if (out->run.seconds < 0 || c.seconds < out->run.seconds) {
            bench_info_free(&out->info);
            out->run = c;
            out->info = info;
            out->phase[0] = bench_info_phase(&info, "extract");
            out->phase[1] = bench_info_phase(&info, "normalize");
            out->phase[2] = bench_info_phase(&info, "load");
        } else {
            bench_info_free(&info);
        }
    }
    return 0;
}

void bench_cli_best_free(bench_cli_best *b)
{
    bench_info_free(&b->info);
}

int bench_events_rows(const char *tag, const bench_ctx *ctx, const bench_info *i,
                      uint64_t *rows, uint64_t *nested)
{
    *rows = bench_info_rows(i, "events");
    *nested = bench_info_rows(i, "events__payload__commits") +
              bench_info_rows(i, "events__labels");
    if (*rows == ctx->records)
        return 0;
    fprintf(stderr, "%s: CHECKSUM MISMATCH: %llu root rows for %llu records\n", tag,
            (unsigned long long)*rows, (unsigned long long)ctx->records);
    return -1;
}

int bench_server_start(const char *tag, const char *script, const char *state)
{
    char cmd[2600];
    snprintf(cmd, sizeof cmd, "'%s/scripts/%s' start '%s' >/dev/null", CDLT_SOURCE_DIR, script,
             state);
    return bench_sh(tag, cmd);
}

int bench_server_stop(const char *tag, const char *script, const char *state)
{
    char cmd[2600];
    snprintf(cmd, sizeof cmd, "'%s/scripts/%s' stop '%s' >/dev/null", CDLT_SOURCE_DIR, script,
             state);
    return bench_sh(tag, cmd);
}

int bench_server_env(const char *script, const char *state, const char *key, char *out,
                     size_t cap)
{
    char path[1400], line[1024];
    snprintf(path, sizeof path, "%s/%s.env", state, script);
    FILE *f = fopen(path, "r");
    size_t kl = strlen(key);
    int rc = -1;
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
            snprintf(out, cap, "%.*s", (int)strcspn(line + kl + 1, "\n"), line + kl + 1);
            rc = 0;
        }
    if (f)
        fclose(f);
    return rc;
}

int bench_db_url(const char *tag, const char *const *envs, const char *dir, const char *key,
                 char *url, size_t cap, bool *own)
{
    *own = false;
    for (; envs && *envs; envs++) {
        const char *v = getenv(*envs);
        if (v && *v) {
            snprintf(url, cap, "%s", v);
            return 0;
        }
    }
    char state[1200];
    snprintf(state, sizeof state, "%s/testdb", dir);
    if (bench_server_start(tag, "testdb", state) != 0)
        return -1;
    *own = true;
    if (bench_server_env("testdb", state, key, url, cap) != 0) {
        fprintf(stderr, "%s: no %s in %s/testdb.env\n", tag, key, state);
        return -1;
    }
    return 0;
}

void bench_db_release(const char *tag, const char *dir, bool own)
{
    char state[1200];
    snprintf(state, sizeof state, "%s/testdb", dir);
    if (own)
        bench_server_stop(tag, "testdb", state);
}

int bench_pg_exec(const char *tag, struct pg_conn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "%s: %.200s: %s\n", tag, sql, PQresultErrorMessage(r));
    PQclear(r);
    return ok;
}

long long bench_pg_value(const char *tag, struct pg_conn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                      ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
                      : -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s: %s: %s\n", tag, sql, PQresultErrorMessage(r));
    PQclear(r);
    return v;
}
