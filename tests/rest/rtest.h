/* rtest.h: the rest_api tests' helpers: the project's API server (tools/apiserver, a real
 * HTTP server on loopback) started in-process, definition files written into a temp folder,
 * and the real `cdlt` binary run on them (tests/e2e/cli_run.h). */
#ifndef CDLT_RTEST_H
#define CDLT_RTEST_H

#include "../e2e/cli_run.h"
#include "apiserver.h"

#include <sys/stat.h>
#include <time.h>

static inline double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct rt {
    char *dir;
    char def[1200], db[1200], pdir[1200];
    apiserver *srv;
} rt;

static inline rt *rt_new(const char *tag, const apiserver_opts *o)
{
    rt *t = calloc(1, sizeof *t);
    t->dir = tu_mkdtemp(tag);
    snprintf(t->def, sizeof t->def, "%s/api.toml", t->dir);
    snprintf(t->db, sizeof t->db, "%s/api.duckdb", t->dir);
    snprintf(t->pdir, sizeof t->pdir, "%s/pipelines", t->dir);
    apiserver_opts d = {0};
    d.quiet = true;
    if (o) {
        d = *o;
        d.quiet = true;
    }
    t->srv = apiserver_start(&d);
    assert_non_null(t->srv);
    return t;
}

static inline void rt_free(rt *t)
{
    apiserver_stop(t->srv);
    tu_rm_rf(t->dir);
    free(t->dir);
    free(t);
}

static inline void rt_write(rt *t, const char *name, const char *text)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s", t->dir, name);
    char *slash = strrchr(p, '/');
    *slash = 0;
    mkdir(p, 0700);
    *slash = '/';
    assert_int_equal(tu_write_file(p, text, strlen(text)), 0);
}

/* Write api.toml: the pipeline keys, then `body` (the [rest_api] tables) with every "@URL@"
 * replaced by the server's base URL. */
static inline void rt_def(rt *t, const char *pipeline, const char *body)
{
    const char *url = apiserver_url(t->srv);
    size_t cap = strlen(body) * 2 + 4096;
    char *out = malloc(cap);
    int n = snprintf(out, cap,
                     "pipeline_name = \"%s\"\ncredentials = \"api.duckdb\"\n"
                     "dataset_name = \"ds\"\nprogress = \"none\"\n",
                     pipeline);
    for (const char *p = body; *p;) {
        if (strncmp(p, "@URL@", 5) == 0) {
            n += snprintf(out + n, cap - (size_t)n, "%s", url);
            p += 5;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    assert_int_equal(tu_write_file(t->def, out, (size_t)n), 0);
    free(out);
}

/* `cdlt run api.toml` in the test folder; envs: extra "K=V" (NULL-terminated or NULL). */
static inline cli_res rt_run(rt *t, const char *const *envs)
{
    const char *run[] = {"run", t->def, "--pipelines-dir", t->pdir, NULL};
    return run_cli(t->dir, run, envs);
}

static inline cli_res rt_run_ok(rt *t, const char *const *envs)
{
    cli_res r = rt_run(t, envs);
    if (r.code != 0)
        fprintf(stderr, "cdlt run failed (%d):\n%s\n%s\n", r.code, r.out, r.err);
    assert_int_equal(r.code, 0);
    return r;
}

static inline int64_t rt_count(rt *t, const char *table)
{
    return pt_count(t->db, "ds", table);
}

static inline int64_t rt_int(rt *t, const char *sql)
{
    return pt_query_int(t->db, sql);
}

#endif
