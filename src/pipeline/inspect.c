/* inspect.c: what `cdlt pipeline NAME ...` shows: info, schema, trace, load packages, failed
 * jobs, the list of pipelines; and drop (tables + state of resources at the destination). */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>

static const char *str_or(const jv *v)
{
    return v && v->type == JV_STRING ? v->u.s : "?";
}

static cdlt_status detach(buf *b, char **out, cdlt_error *err)
{
    if (b->status) {
        buf_free(b);
        return err_nomem(err);
    }
    if (!b->data && buf_puts(b, "") != CDLT_OK)
        return err_nomem(err);
    *out = buf_detach(b, NULL);
    return CDLT_OK;
}

static void list_packages(cdlt_pipeline *p, buf *b, const char *rel, const char *label)
{
    buf dir = BUF_INIT;
    store_names n = {0};
    if (pipe_path(p, &dir, rel, NULL) == CDLT_OK && store_list(dir.data, &n, NULL) == CDLT_OK) {
        buf_printf(b, "%s: %zu\n", label, n.n);
        for (size_t i = 0; i < n.n && i < 50; i++)
            buf_printf(b, "  %s\n", n.names[i]);
        if (n.n > 50)
            buf_printf(b, "  ... and %zu more\n", n.n - 50);
    }
    store_names_free(&n);
    buf_free(&dir);
}

cdlt_status cdlt_pipeline_info(cdlt_pipeline *p, bool json, char **out, cdlt_error *err)
{
    *out = NULL;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    buf b = BUF_INIT;
    if (json) {
        cdlt_status rc = state_to_json(&p->state, true, true, &b);
        if (rc != CDLT_OK) {
            buf_free(&b);
            return err_nomem(err);
        }
        return detach(&b, out, err);
    }
    buf_printf(&b, "Found pipeline %s in %s\n", p->name, p->pipelines_dir);
    buf_printf(&b, "Working dir: %s\n", p->workdir);
    buf_printf(&b, "Destination: %s, dataset: %s\n", p->destination, p->dataset);
    if (p->state.location) {
        char lm[4096];
        cdlt_secret_mask_text(p->state.location, lm, sizeof lm);
        buf_printf(&b, "Location: %s\n", lm);
    }
    buf_printf(&b, "State version: %lld, hash: %s\n", (long long)p->state.version,
               p->state.version_hash ? p->state.version_hash : "-");
    buf_printf(&b, "Schemas:");
    for (size_t i = 0; i < p->state.schema_names.n; i++)
        buf_printf(&b, " %s%s", p->state.schema_names.v[i],
                   p->state.default_schema_name &&
                           strcmp(p->state.default_schema_name, p->state.schema_names.v[i]) == 0
                       ? " (default)"
                       : "");
    buf_putc(&b, '\n');
    for (size_t i = 0; i < p->state.nsrc; i++) {
        const pipe_src_state *s = &p->state.src[i];
        buf_printf(&b, "Source %s: %zu state key(s), %zu resource(s) with state\n", s->name,
                   s->kv.n, s->nres);
        for (size_t r = 0; r < s->nres; r++) {
            buf_printf(&b, "  resource %s:", s->res[r].name);
            for (size_t k = 0; k < s->res[r].kv.n; k++)
                buf_printf(&b, " %s=%s", s->res[r].kv.v[k].key, s->res[r].kv.v[k].json);
            buf_putc(&b, '\n');
        }
    }
    /* tables of the default schema */
    schema *s = NULL;
    if (p->state.default_schema_name &&
        pipe_load_schema(p, p->state.default_schema_name, &s, NULL) == CDLT_OK) {
        buf_printf(&b, "Tables of schema %s (version %lld):\n", s->name, (long long)s->version);
        for (uint32_t i = 0; i < s->ntables; i++) {
            const schema_table *t = s->tables[i];
            buf_printf(&b, "  %-40s %3u columns%s%s\n", t->name, t->ncolumns,
                       t->parent ? "  nested in " : "", t->parent ? t->parent : "");
        }
        schema_free(s);
    }
    list_packages(p, &b, STORE_EXTRACTED, "Pending extracted packages");
    list_packages(p, &b, STORE_NORMALIZED, "Pending normalized packages");
    list_packages(p, &b, STORE_LOADED, "Loaded packages");
    return detach(&b, out, err);
}

cdlt_status cdlt_pipeline_schema_text(cdlt_pipeline *p, const char *schema_name,
                                      const char *format, char **out, cdlt_error *err)
{
    *out = NULL;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    const char *name = schema_name ? schema_name : p->state.default_schema_name;
    if (!name) {
        err_set(err, CDLT_NOT_FOUND, "pipeline %s has no schema yet", p->name);
        return err_hint(err, "run the pipeline first");
    }
    schema *s = NULL;
    cdlt_status rc = pipe_load_schema(p, name, &s, err);
    if (rc == CDLT_NOT_FOUND) {
        err_set(err, CDLT_NOT_FOUND, "schema '%s' not found in pipeline %s", name, p->name);
        return rc;
    }
    if (rc != CDLT_OK)
        return rc;
    buf b = BUF_INIT;
    bool json = format && strcmp(format, "json") == 0;
    rc = json ? schema_to_json(s, true, &b) : schema_to_yaml(s, true, &b);
    schema_free(s);
    if (rc != CDLT_OK) {
        buf_free(&b);
        return err_set(err, rc, "cannot format schema '%s'", name);
    }
    return detach(&b, out, err);
}

cdlt_status cdlt_pipeline_trace_text(cdlt_pipeline *p, bool json, char **out, cdlt_error *err)
{
    *out = NULL;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    buf path = BUF_INIT, text = BUF_INIT, b = BUF_INIT;
    pipe_path(p, &path, "trace.json", NULL);
    cdlt_status rc = store_read_file(buf_cstr(&path), 0, &text, err);
    buf_free(&path);
    if (rc == CDLT_NOT_FOUND) {
        buf_free(&text);
        err_set(err, CDLT_NOT_FOUND, "pipeline %s has no trace yet", p->name);
        return err_hint(err, "run the pipeline first");
    }
    if (rc != CDLT_OK) {
        buf_free(&text);
        return rc;
    }
    arena a;
    arena_init(&a, 16384, 0);
    jv v;
    rc = json_parse(buf_cstr(&text), text.len, &a, NULL, &v, err);
    if (rc == CDLT_OK && json) {
        json_write(&b, &v, JSON_W_PRETTY);
    } else if (rc == CDLT_OK) {
        const jv *x;
        buf_printf(&b, "Run of pipeline %s: %s\n", str_or(jv_get(&v, "pipeline_name")),
                   str_or(jv_get(&v, "status")));
        if ((x = jv_get(&v, "error")) && x->type == JV_STRING)
            buf_printf(&b, "Error: %s\n", x->u.s);
        const jv *ph = jv_get(&v, "phases");
        const jv *ovl = jv_get(&v, "overlapped_packages");
        for (uint32_t i = 0; ph && ph->type == JV_OBJECT && i < ph->len; i++) {
            const jv *sec = jv_get(&ph->u.members[i].value, "seconds");
            buf_printf(&b, "  %-10s %8.3f s", ph->u.members[i].key,
                       sec && sec->type == JV_DOUBLE ? sec->u.d
                       : sec && sec->type == JV_INT  ? (double)sec->u.i
                                                     : 0.0);
            if (strcmp(ph->u.members[i].key, "load") == 0 && ovl && ovl->type == JV_INT &&
                ovl->u.i > 0)
                buf_printf(&b, " (+ %lld package(s) loaded while normalizing: in normalize's "
                               "time)", (long long)ovl->u.i);
            buf_putc(&b, '\n');
        }
        const jv *ids = jv_get(&v, "load_ids");
        for (uint32_t i = 0; ids && ids->type == JV_ARRAY && i < ids->len; i++)
            buf_printf(&b, "  load package %s\n", str_or(&ids->u.items[i]));
        const jv *tabs = jv_get(&v, "tables");
        for (uint32_t i = 0; tabs && tabs->type == JV_ARRAY && i < tabs->len; i++) {
            const jv *rows = jv_get(&tabs->u.items[i], "rows");
            buf_printf(&b, "  table %-40s %12lld rows\n", str_or(jv_get(&tabs->u.items[i], "name")),
                       rows && rows->type == JV_INT ? (long long)rows->u.i : 0LL);
        }
    }
    arena_free(&a);
    buf_free(&text);
    if (rc != CDLT_OK) {
        buf_free(&b);
        return rc;
    }
    return detach(&b, out, err);
}

static void list_jobs(buf *b, const char *pkgdir, const char *folder)
{
    buf dir = BUF_INIT;
    store_names n = {0};
    if (store_path(&dir, pkgdir, folder, NULL) == CDLT_OK &&
        store_list(dir.data, &n, NULL) == CDLT_OK && n.n) {
        buf_printf(b, "  %s: %zu\n", folder, n.n);
        buf f = BUF_INIT;
        for (size_t i = 0; i < n.n; i++) {
            store_path(&f, dir.data, n.names[i], NULL);
            buf_printf(b, "    %-60s %10lld bytes\n", n.names[i],
                       (long long)store_file_size(buf_cstr(&f)));
        }
        buf_free(&f);
    }
    store_names_free(&n);
    buf_free(&dir);
}

cdlt_status cdlt_pipeline_package_text(cdlt_pipeline *p, const char *load_id, char **out,
                                       cdlt_error *err)
{
    *out = NULL;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    static const struct {
        const char *rel;
        const char *label;
    } places[] = {{STORE_EXTRACTED, "extracted (pending normalize)"},
                  {STORE_NORMALIZED, "normalized (pending load)"},
                  {STORE_LOADED, "loaded"}};
    char best[40] = "";
    const char *where = NULL;
    buf dir = BUF_INIT, pkg = BUF_INIT, b = BUF_INIT;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(places); i++) {
        store_names n = {0};
        pipe_path(p, &dir, places[i].rel, NULL);
        store_list(buf_cstr(&dir), &n, NULL);
        for (size_t k = 0; k < n.n; k++) {
            bool match = load_id ? strcmp(n.names[k], load_id) == 0
                                 : strtod(n.names[k], NULL) > strtod(best[0] ? best : "0", NULL);
            if (match) {
                snprintf(best, sizeof best, "%s", n.names[k]);
                where = places[i].rel;
            }
        }
        store_names_free(&n);
    }
    if (!where) {
        buf_free(&dir);
        if (load_id)
            return err_set(err, CDLT_NOT_FOUND, "load package %s not found in pipeline %s",
                           load_id, p->name);
        return err_set(err, CDLT_NOT_FOUND, "pipeline %s has no load packages", p->name);
    }
    pipe_path(p, &pkg, where, best);
    const char *label = "";
    for (size_t i = 0; i < CDLT_ARRAY_LEN(places); i++)
        if (places[i].rel == where)
            label = places[i].label;
    buf_printf(&b, "Load package %s: %s\n  folder: %s\n", best, label, buf_cstr(&pkg));
    buf st = BUF_INIT, f = BUF_INIT;
    store_path(&f, buf_cstr(&pkg), "package_completed.json", NULL);
    if (store_read_file(buf_cstr(&f), 4096, &st, NULL) == CDLT_OK)
        buf_printf(&b, "  status: %s\n", buf_cstr(&st));
    list_jobs(&b, buf_cstr(&pkg), STORE_NEW_JOBS);
    list_jobs(&b, buf_cstr(&pkg), STORE_STARTED_JOBS);
    list_jobs(&b, buf_cstr(&pkg), STORE_COMPLETED_JOBS);
    list_jobs(&b, buf_cstr(&pkg), STORE_FAILED_JOBS);
    buf_free(&st);
    buf_free(&f);
    buf_free(&dir);
    buf_free(&pkg);
    return detach(&b, out, err);
}

cdlt_status cdlt_pipeline_failed_jobs_text(cdlt_pipeline *p, char **out, cdlt_error *err)
{
    *out = NULL;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    static const char *const rels[] = {STORE_NORMALIZED, STORE_LOADED};
    buf b = BUF_INIT, dir = BUF_INIT, fdir = BUF_INIT, f = BUF_INIT, msg = BUF_INIT;
    size_t count = 0;
    for (size_t r = 0; r < CDLT_ARRAY_LEN(rels); r++) {
        store_names pk = {0};
        pipe_path(p, &dir, rels[r], NULL);
        store_list(buf_cstr(&dir), &pk, NULL);
        for (size_t i = 0; i < pk.n; i++) {
            store_names jobs = {0};
            buf_clear(&fdir);
            buf_printf(&fdir, "%s/%s/%s", buf_cstr(&dir), pk.names[i], STORE_FAILED_JOBS);
            store_list(buf_cstr(&fdir), &jobs, NULL);
            for (size_t k = 0; k < jobs.n; k++) {
                size_t len = strlen(jobs.names[k]);
                if (len > 10 && strcmp(jobs.names[k] + len - 10, ".exception") == 0)
                    continue;
                buf_clear(&f);
                buf_printf(&f, "%s/%s.exception", buf_cstr(&fdir), jobs.names[k]);
                buf_clear(&msg);
                store_read_file(buf_cstr(&f), 1 << 20, &msg, NULL);
                buf_printf(&b, "package %s job %s:\n  %s\n", pk.names[i], jobs.names[k],
                           msg.len ? buf_cstr(&msg) : "(no message)");
                count++;
            }
            store_names_free(&jobs);
        }
        store_names_free(&pk);
    }
    if (count == 0)
        buf_printf(&b, "No failed jobs in pipeline %s\n", p->name);
    buf_free(&dir);
    buf_free(&fdir);
    buf_free(&f);
    buf_free(&msg);
    return detach(&b, out, err);
}

cdlt_status cdlt_pipelines_list(const char *pipelines_dir, char **out, cdlt_error *err)
{
    *out = NULL;
    buf dir = BUF_INIT, b = BUF_INIT, f = BUF_INIT;
    if (pipelines_dir && *pipelines_dir)
        buf_puts(&dir, pipelines_dir);
    else
        pipe_default_pipelines_dir(&dir);
    store_names n = {0};
    cdlt_status rc = dir.status ? err_nomem(err) : store_list(dir.data, &n, err);
    for (size_t i = 0; rc == CDLT_OK && i < n.n; i++) {
        store_path(&f, dir.data, n.names[i], "state.json");
        if (store_exists(buf_cstr(&f)))
            buf_printf(&b, "%s\n", n.names[i]);
    }
    store_names_free(&n);
    buf_free(&dir);
    buf_free(&f);
    if (rc != CDLT_OK) {
        buf_free(&b);
        return rc;
    }
    return detach(&b, out, err);
}

/* drop: a package whose only content is the refresh (dropped tables) and the new state */
static cdlt_status drop_noop(cdlt_emitter *em, void *ud)
{
    (void)em;
    (void)ud;
    return CDLT_OK;
}

bool pipe_is_drop_noop(const cdlt_resource *r) { return r->fn == drop_noop; }

/* Every name given to drop must be a resource of the pipeline (a root table's resource in
 * the schema, or a resource with state): a typo would drop nothing, yet load a package. */
static cdlt_status check_resources(cdlt_pipeline *p, const char *sname,
                                   const char *const *names, size_t n, cdlt_error *err)
{
    if (n == 0)
        return CDLT_OK;
    strv known = {0};
    cdlt_status rc = CDLT_OK;
    schema *s = NULL;
    if (pipe_load_schema(p, sname, &s, NULL) == CDLT_OK) {
        for (uint32_t i = 0; rc == CDLT_OK && i < s->ntables; i++) {
            const schema_table *t = s->tables[i];
            if (t->parent || schema_is_dlt_table(t->name))
                continue;
            rc = strv_add_unique(&known, t->resource ? t->resource : t->name);
        }
        schema_free(s);
    }
    pipe_src_state *ss = state_source(&p->state, sname, false);
    for (size_t i = 0; rc == CDLT_OK && ss && i < ss->nres; i++)
        rc = strv_add_unique(&known, ss->res[i].name);
    for (size_t i = 0; rc == CDLT_OK && i < n; i++) {
        if (strv_has(&known, names[i]))
            continue;
        buf list = BUF_INIT;
        for (size_t k = 0; k < known.n; k++)
            buf_printf(&list, "%s%s", k ? ", " : "", known.v[k]);
        err_set(err, CDLT_NOT_FOUND, "pipeline %s has no resource '%s'; its resources: %s",
                p->name, names[i], known.n ? buf_cstr(&list) : "(none yet)");
        buf_free(&list);
        rc = err_hint(err, "nothing was dropped; name resources as they are listed");
    }
    strv_free(&known);
    return rc == CDLT_NOMEM ? err_nomem(err) : rc;
}

static cdlt_status drop_or_reset(cdlt_pipeline *p, const char *const *resources, size_t n,
                                 bool state_only, cdlt_error *err);

cdlt_status cdlt_pipeline_drop(cdlt_pipeline *p, const char *const *resources, size_t n,
                               cdlt_error *err)
{
    return drop_or_reset(p, resources, n, false, err);
}

cdlt_status cdlt_pipeline_reset_state(cdlt_pipeline *p, const char *const *resources, size_t n,
                                      cdlt_error *err)
{
    if (p && n == 0)
        return err_set(err, CDLT_INVALID_ARG, "name the resources whose state to reset");
    return drop_or_reset(p, resources, n, true, err);
}

cdlt_status cdlt_pipeline_state_text(cdlt_pipeline *p, char **out, cdlt_error *err)
{
    *out = NULL;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    buf b = BUF_INIT;
    if (state_to_json(&p->state, false, true, &b) != CDLT_OK) {
        buf_free(&b);
        return err_nomem(err);
    }
    /* values a resource stored may include a registered secret */
    size_t cap = b.len * 2 + 64;
    char *m = mem_alloc(cap);
    if (!m) {
        buf_free(&b);
        return err_nomem(err);
    }
    cdlt_secret_mask_text(buf_cstr(&b), m, cap);
    buf_free(&b);
    *out = m;
    return CDLT_OK;
}

static cdlt_status drop_or_reset(cdlt_pipeline *p, const char *const *resources, size_t n,
                                 bool state_only, cdlt_error *err)
{
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    /* lock before looking: a run may be writing its packages */
    size_t pending = 0;
    cdlt_status rc = pipe_lock_clean_pending(p, &pending, err);
    if (rc != CDLT_OK)
        return rc;
    if (pending) {
        err_set(err, CDLT_PENDING, "pipeline %s has %zu pending load package(s)", p->name,
                pending);
        buf cmd = BUF_INIT;
        pipe_cli_command(p, "drop-pending", &cmd);
        err_hint(err, "run the pipeline to finish them first, or drop them with '%s'",
                 buf_cstr(&cmd));
        buf_free(&cmd);
        return CDLT_PENDING;
    }
    const char *sname = p->state.default_schema_name ? p->state.default_schema_name : p->name;
    rc = check_resources(p, sname, resources, n, err);
    if (rc != CDLT_OK)
        return rc;
    cdlt_source *src = NULL;
    if (cdlt_source_open(sname, &src) != CDLT_OK)
        return err_nomem(err);
    for (size_t i = 0; i < n; i++) {
        cdlt_resource *r = NULL;
        rc = cdlt_resource_open(resources[i], drop_noop, NULL, &r);
        if (rc == CDLT_OK)
            rc = cdlt_source_add(src, r);
        if (rc != CDLT_OK) {
            cdlt_source_free(src);
            return err_set(err, rc, "invalid resource name '%s'", resources[i]);
        }
    }
    if (state_only) { /* dlt's drop --state-only: the state goes, the tables stay */
        pipe_src_state *ss = state_source(&p->state, sname, false);
        for (size_t i = 0; ss && i < n; i++) {
            pipe_res_state *rs = state_resource(ss, resources[i], false);
            if (rs)
                state_kvs_clear(&rs->kv);
        }
        /* saved now: the run below reads the state from disk under the lock */
        rc = pipe_save_state(p, err);
        if (rc != CDLT_OK) {
            cdlt_source_free(src);
            return rc;
        }
    }
    cdlt_load_info *info = NULL;
    rc = cdlt_pipeline_run(p, src,
                           state_only ? CDLT_REFRESH_NONE
                           : n        ? CDLT_REFRESH_DROP_RESOURCES
                                      : CDLT_REFRESH_DROP_SOURCES,
                           &info, err);
    cdlt_load_info_free(info);
    cdlt_source_free(src);
    return rc;
}
