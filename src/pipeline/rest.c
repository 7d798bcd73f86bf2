/* rest.c: rest_api resources in a pipeline. Each resource of the config becomes a cdlt
 * resource (a child becomes a transformer of its parent, so selection, limits, incremental
 * filtering and the parent's kept records work as for any resource); the first top-level
 * resource extract runs drives the whole source through one rest_run, so every resource,
 * child and page is fetched concurrently, and hands each page to its resource's emitter. The
 * later top-level callbacks of the same extract find their work done. */
#include "pipeline.h"

#include "sources/rest_api/rest_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct rest_glue {
    rest_source *s;
    cdlt_resource **res;   /* per rest resource */
    cdlt_emitter **ems;    /* per rest resource, in the current extract (NULL = not run) */
    uint64_t run_id;       /* extract run the source last ran in */
    rest_run *run;         /* while running */
    http_settings hs;
    arena scratch;
    int refs;              /* resources still holding the glue */
} rest_glue;

typedef struct rest_ref {
    rest_glue *g;
    size_t idx;
} rest_ref;

static void glue_release(void *ud)
{
    rest_ref *ref = ud;
    rest_glue *g = ref->g;
    mem_free(ref);
    if (--g->refs > 0)
        return;
    rest_source_free(g->s);
    arena_free(&g->scratch);
    mem_free(g->res);
    mem_free(g->ems);
    mem_free(g);
}

static cdlt_status sink_page(void *ud, size_t i, jv *records, cdlt_error *err)
{
    rest_glue *g = ud;
    cdlt_emitter *em = g->ems[i];
    (void)err;
    if (!em)
        return CDLT_INTERRUPTED;
    return pipe_emit_jv(em, records, NULL, 0);
}

static const char *sink_incr(void *ud, size_t i, const char *attr)
{
    rest_glue *g = ud;
    cdlt_emitter *em = g->ems[i];
    if (!em)
        return NULL;
    if (strcmp(attr, "start_value") == 0)
        return cdlt_emitter_incremental_start(em);
    if (strcmp(attr, "end_value") == 0)
        return cdlt_emitter_incremental_end(em);
    if (strcmp(attr, "last_value") == 0)
        return cdlt_emitter_incremental_last(em);
    /* initial_value: as configured */
    const char *spec = rest_resource_incremental(g->s, i);
    if (!spec)
        return NULL;
    arena_reset(&g->scratch);
    jv o;
    if (json_parse(spec, strlen(spec), &g->scratch, NULL, &o, NULL) != CDLT_OK)
        return NULL;
    const jv *iv = jv_get(&o, "initial_value");
    if (!iv)
        return NULL;
    buf b = BUF_INIT;
    json_write(&b, iv, 0);
    char *t = arena_strndup(&g->scratch, buf_cstr(&b), b.len);
    buf_free(&b);
    return t;
}

static cdlt_status rest_fn(cdlt_emitter *em, void *ud)
{
    rest_ref *ref = ud;
    rest_glue *g = ref->g;
    cdlt_error *err = pipe_emitter_error(em);
    uint64_t id = pipe_emitter_run_id(em);
    if (g->run_id == id)
        return CDLT_OK; /* the first resource of this extract fetched everything */
    g->run_id = id;
    size_t n = rest_source_count(g->s);
    for (size_t i = 0; i < n; i++)
        g->ems[i] = rest_resource_parent(g->s, i) < 0 ? pipe_emitter_sibling(em, g->res[i])
                                                      : NULL;
    if (err && err->code != CDLT_OK)
        return err->code; /* a sibling's table or hints failed */
    rest_sink sink = {g, sink_page, sink_incr};
    cdlt_status rc = rest_run_new(g->s, &g->hs, &sink, &g->run, err);
    for (size_t i = 0; rc == CDLT_OK && i < n; i++)
        if (g->ems[i])
            rc = rest_run_start(g->run, i, err);
    if (rc == CDLT_OK)
        rc = rest_run_wait(g->run, err);
    uint64_t reqs = 0, pages = 0;
    if (g->run)
        rest_run_counts(g->run, &reqs, &pages);
    LOG_INFO("rest_api source '%s': %llu requests, %llu pages", rest_resource_name(g->s, 0),
             (unsigned long long)reqs, (unsigned long long)pages);
    rest_run_free(g->run);
    g->run = NULL;
    return rc;
}

/* A child: the parent's kept records of one page arrive here; each starts a fetch. */
static cdlt_status rest_child_fn(cdlt_emitter *em, const char *item, size_t len, void *ud)
{
    rest_ref *ref = ud;
    rest_glue *g = ref->g;
    cdlt_error *err = pipe_emitter_error(em);
    g->ems[ref->idx] = em;
    if (!g->run)
        return err_set(err, CDLT_INVALID_ARG,
                       "resource '%s' is a rest_api child and runs only under its parent",
                       rest_resource_name(g->s, ref->idx));
    arena a;
    arena_init(&a, len + 1024, 0);
    jv v;
    cdlt_status rc = json_parse(item, len, &a, NULL, &v, err);
    if (rc == CDLT_OK)
        rc = rest_run_feed(g->run, ref->idx, &v, err);
    arena_free(&a);
    return rc;
}

/* table_name as a per-item pattern: the record's fields name its table */
static cdlt_status table_of_item(const char *item, size_t len, cdlt_text *out, void *ud)
{
    rest_ref *ref = ud;
    const char *pattern = rest_resource_table_pattern(ref->g->s, ref->idx);
    arena a;
    arena_init(&a, len + 256, 0);
    jv v;
    cdlt_error err = {0};
    buf name = BUF_INIT;
    cdlt_status rc = json_parse(item, len, &a, NULL, &v, &err);
    if (rc == CDLT_OK)
        rc = rest_table_name(pattern, &v, &name, &err);
    if (rc == CDLT_OK)
        rc = cdlt_text_set(out, buf_cstr(&name), name.len);
    else
        LOG_ERROR("resource '%s': %s", rest_resource_name(ref->g->s, ref->idx), err.message);
    buf_free(&name);
    arena_free(&a);
    return rc;
}

/* declarative processing_steps (src/sources/rest_api/steps.c) as the resource's steps */
static bool step_filter(const char *item, size_t len, void *ud)
{
    arena a;
    arena_init(&a, len + 256, 0);
    jv v;
    bool keep = json_parse(item, len, &a, NULL, &v, NULL) == CDLT_OK &&
                rest_step_keep((const rest_step *)ud, &v);
    arena_free(&a);
    return keep;
}

static cdlt_status step_map(const char *item, size_t len, cdlt_text *out, void *ud)
{
    arena a;
    arena_init(&a, 2 * len + 256, 0);
    jv v, m;
    buf b = BUF_INIT;
    cdlt_status rc = json_parse(item, len, &a, NULL, &v, NULL);
    if (rc == CDLT_OK)
        rc = rest_step_map((const rest_step *)ud, &v, &a, &m);
    if (rc == CDLT_OK)
        rc = json_write(&b, &m, 0);
    if (rc == CDLT_OK)
        rc = cdlt_text_set(out, buf_cstr(&b), b.len);
    buf_free(&b);
    arena_free(&a);
    return rc;
}

static double cfg_num(cdlt_config *cfg, const char *key, double dflt, cdlt_error *err,
                      cdlt_status *rc)
{
    cfg_hit hit;
    cdlt_status r = cfg_get(cfg, "runtime", key, CFG_Q_OPTIONAL, &hit, err);
    if (r == CDLT_NOT_FOUND)
        return dflt;
    if (r != CDLT_OK) {
        *rc = r;
        return dflt;
    }
    const jv *v = hit.value;
    if (v->type == JV_INT)
        return (double)v->u.i;
    if (v->type == JV_DOUBLE)
        return v->u.d;
    if (v->type == JV_STRING) {
        char *e;
        double d = strtod(v->u.s, &e);
        if (e != v->u.s && !*e)
            return d;
    }
    err_set(err, CDLT_CONFIG, "runtime.%s (from %s) must be a number", key,
            cfg_hit_origin(cfg, &hit));
    *rc = CDLT_CONFIG;
    return dflt;
}

static double cfg_bool(cdlt_config *cfg, const char *key, cdlt_error *err, cdlt_status *rc)
{
    cfg_hit hit;
    cdlt_status r = cfg_get(cfg, "runtime", key, CFG_Q_OPTIONAL, &hit, err);
    if (r == CDLT_NOT_FOUND)
        return 0;
    if (r != CDLT_OK) {
        *rc = r;
        return 0;
    }
    const jv *v = hit.value;
    if (v->type == JV_BOOL)
        return v->u.b;
    if (v->type == JV_STRING && (!strcasecmp(v->u.s, "true") || !strcmp(v->u.s, "1")))
        return 1;
    if (v->type == JV_STRING && (!strcasecmp(v->u.s, "false") || !strcmp(v->u.s, "0")))
        return 0;
    err_set(err, CDLT_CONFIG, "runtime.%s (from %s) must be true or false", key,
            cfg_hit_origin(cfg, &hit));
    *rc = CDLT_CONFIG;
    return 0;
}

cdlt_status pipe_rest_add(cdlt_source *src, const jv *cfg, const char *where,
                          const char *defpath, const char *pipeline_name, cdlt_error *err)
{
    cdlt_config *config = NULL;
    cdlt_status rc = pipe_config_open(pipeline_name, &config, err);
    if (rc != CDLT_OK)
        return rc;
    rest_glue *g = mem_calloc(1, sizeof *g);
    if (!g) {
        cdlt_config_free(config);
        return err_nomem(err);
    }
    arena_init(&g->scratch, 1024, 0);
    g->refs = 1; /* ours while building; each resource holds one more */
    rc = rest_source_parse(cfg, where, src->name ? src->name : "rest_api", config, &g->s, err);
    if (rc == CDLT_OK) {
        /* dlt's [runtime] request settings; cdlt's http_max_connections for concurrency */
        g->hs.timeout_s = cfg_num(config, "request_timeout", 60, err, &rc);
        g->hs.max_attempts = (int)cfg_num(config, "request_max_attempts", 5, err, &rc);
        if (g->hs.max_attempts <= 0)
            g->hs.max_attempts = 1; /* dlt: 0 means no retries */
        g->hs.backoff_factor = cfg_num(config, "request_backoff_factor", 1, err, &rc);
        if (g->hs.backoff_factor == 0)
            g->hs.backoff_factor = -1; /* 0 = no wait (http.h reads 0 as the default) */
        g->hs.max_retry_delay_s = cfg_num(config, "request_max_retry_delay", 300, err, &rc);
        g->hs.max_connections = (int)cfg_num(config, "http_max_connections", 16, err, &rc);
        g->hs.max_host_connections =
            (int)cfg_num(config, "http_max_host_connections", g->hs.max_connections, err, &rc);
        double show = cfg_bool(config, "http_show_error_body", err, &rc);
        double maxb = cfg_num(config, "http_max_error_body_length", 8192, err, &rc);
        if (rc == CDLT_OK)
            rest_source_show_error_body(g->s, show > 0, maxb > 0 ? (size_t)maxb : 8192);
        rest_source_http_settings(g->s, &g->hs);
        if (rc == CDLT_OK && (g->hs.max_connections < 1 || g->hs.max_host_connections < 1))
            rc = err_set(err, CDLT_CONFIG, "runtime.http_max_connections and "
                                           "http_max_host_connections must be >= 1");
    }
    cdlt_config_free(config);
    size_t n = rc == CDLT_OK ? rest_source_count(g->s) : 0;
    if (rc == CDLT_OK) {
        g->res = mem_calloc(n, sizeof *g->res);
        g->ems = mem_calloc(n, sizeof *g->ems);
        if (!g->res || !g->ems)
            rc = err_nomem(err);
    }
    if (rc != CDLT_OK) {
        rest_source_free(g->s);
        arena_free(&g->scratch);
        mem_free(g->res);
        mem_free(g->ems);
        mem_free(g);
        return rc;
    }
    /* parents before children: a transformer needs its parent resource */
    size_t done = 0;
    bool *made = mem_calloc(n, sizeof *made);
    if (!made)
        rc = err_nomem(err);
    while (rc == CDLT_OK && done < n) {
        for (size_t i = 0; rc == CDLT_OK && i < n; i++) {
            int p = rest_resource_parent(g->s, i);
            if (made[i] || (p >= 0 && !made[p]))
                continue;
            rest_ref *ref = mem_calloc(1, sizeof *ref);
            if (!ref) {
                rc = err_nomem(err);
                break;
            }
            ref->g = g;
            ref->idx = i;
            cdlt_resource *r = NULL;
            const char *name = rest_resource_name(g->s, i);
            rc = p < 0 ? cdlt_resource_open(name, rest_fn, ref, &r)
                       : cdlt_transformer_open(name, g->res[p], rest_child_fn, ref, &r);
            if (rc != CDLT_OK) {
                mem_free(ref);
                rc = err_set(err, CDLT_CONFIG, "%s: resource name '%s' is not valid", where,
                             name);
                break;
            }
            g->refs++;
            r->ud_free = glue_release;
            g->res[i] = r;
            made[i] = true;
            done++;
            char place[96];
            snprintf(place, sizeof place, "%s.resources[%zu]", where, i);
            rc = pipe_def_apply_hints(defpath, r, NULL, rest_resource_hints(g->s, i), place,
                                      err);
            const rest_step *steps = NULL;
            size_t nsteps = rest_resource_steps(g->s, i, &steps);
            for (size_t k = 0; rc == CDLT_OK && k < nsteps; k++)
                rc = steps[k].filter ? cdlt_resource_add_filter(r, step_filter, (void *)&steps[k])
                                     : cdlt_resource_add_map(r, step_map, (void *)&steps[k]);
            if (rc == CDLT_OK && rest_resource_table_pattern(g->s, i))
                rc = cdlt_resource_set_table_name_fn(r, table_of_item, ref);
            const char *inc = rest_resource_incremental(g->s, i);
            if (rc == CDLT_OK && inc)
                rc = cdlt_resource_set_incremental(r, inc, err);
            if (rc == CDLT_OK) {
                rc = cdlt_source_add(src, r);
                if (rc == CDLT_EXISTS)
                    rc = err_set(err, CDLT_CONFIG, "%s: two resources are named '%s'", where,
                                 name);
            } else {
                cdlt_resource_free(r);
            }
            if (rc != CDLT_OK)
                g->res[i] = NULL;
        }
    }
    mem_free(made);
    if (--g->refs == 0) {
        rest_source_free(g->s);
        arena_free(&g->scratch);
        mem_free(g->res);
        mem_free(g->ems);
        mem_free(g);
    }
    return rc;
}
