/* load.c: the load phase: each normalized package (oldest first) is loaded in ONE destination
 * transaction: drop (refresh), migrate, truncate (replace), every job file, the _dlt_loads row,
 * commit. is_load_completed makes a crash between commit and the folder move harmless: the
 * next run only finishes the move, so nothing is loaded twice (core.md §6.1, §6.3). */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct lpkg {
    char **tables;       /* root tables extracted into the package */
    size_t ntables;      /* entries of tables */
    char **dropped;      /* dropped_tables (refresh) */
    size_t ndropped;     /* entries of dropped */
    char **truncated;    /* truncated_tables (refresh drop_data) */
    size_t ntruncated;   /* entries of truncated */
} lpkg;

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mem_free(v[i]);
    mem_free(v);
}

static void lpkg_free(lpkg *l)
{
    free_names(l->tables, l->ntables);
    free_names(l->dropped, l->ndropped);
    free_names(l->truncated, l->ntruncated);
}

static cdlt_status read_names(const jv *doc, const char *key, char ***out, size_t *n)
{
    const jv *a = jv_get(doc, key);
    *out = NULL;
    *n = 0;
    if (!a || a->type != JV_ARRAY || a->len == 0)
        return CDLT_OK;
    char **v = mem_calloc(a->len, sizeof *v);
    if (!v)
        return CDLT_NOMEM;
    for (uint32_t i = 0; i < a->len; i++) {
        if (a->u.items[i].type != JV_STRING)
            continue;
        if (!(v[*n] = mem_strdup(a->u.items[i].u.s))) {
            free_names(v, *n);
            return CDLT_NOMEM;
        }
        (*n)++;
    }
    *out = v;
    return CDLT_OK;
}

static cdlt_status read_lpkg(const char *pkgdir, lpkg *l, cdlt_error *err)
{
    memset(l, 0, sizeof *l);
    buf path = BUF_INIT, text = BUF_INIT;
    arena a;
    arena_init(&a, 16384, 0);
    jv doc;
    cdlt_status rc = store_path(&path, pkgdir, "load_package_state.json", NULL) == CDLT_OK
                         ? store_read_file(path.data, 0, &text, err)
                         : err_nomem(err);
    if (rc == CDLT_OK)
        rc = json_parse(buf_cstr(&text), text.len, &a, NULL, &doc, err);
    if (rc == CDLT_OK && (read_names(&doc, "tables", &l->tables, &l->ntables) ||
                          read_names(&doc, "dropped_tables", &l->dropped, &l->ndropped) ||
                          read_names(&doc, "truncated_tables", &l->truncated, &l->ntruncated)))
        rc = err_nomem(err);
    arena_free(&a);
    buf_free(&path);
    buf_free(&text);
    return rc;
}

static bool name_in(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* Move every job of a folder back to new_jobs (the transaction that used them rolled back). */
static cdlt_status requeue(const char *pkgdir, const char *folder, bool bump, cdlt_error *err)
{
    buf dir = BUF_INIT, ex = BUF_INIT;
    store_names n = {0};
    cdlt_status rc = store_path(&dir, pkgdir, folder, NULL) == CDLT_OK
                         ? store_list(dir.data, &n, err)
                         : err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < n.n; i++) {
        size_t len = strlen(n.names[i]);
        if (len > 10 && strcmp(n.names[i] + len - 10, ".exception") == 0) {
            store_path(&ex, dir.data, n.names[i], NULL);
            rc = store_rm_rf(buf_cstr(&ex), err);
            continue;
        }
        store_job_name jn;
        int retry = bump && store_parse_job_name(n.names[i], &jn) ? jn.retry + 1 : -1;
        rc = store_move_job(pkgdir, folder, n.names[i], STORE_NEW_JOBS, retry, NULL, err);
    }
    store_names_free(&n);
    buf_free(&dir);
    buf_free(&ex);
    return rc;
}

static cdlt_status finish_package(cdlt_pipeline *p, const char *pkgdir, const char *load_id,
                                  cdlt_error *err)
{
    buf path = BUF_INIT, to = BUF_INIT;
    cdlt_status rc = store_path(&path, pkgdir, "package_completed.json", NULL);
    if (rc == CDLT_OK)
        rc = store_write_atomic(path.data, "loaded", 6, err);
    else
        rc = err_nomem(err);
    if (rc == CDLT_OK)
        rc = pipe_path(p, &to, STORE_LOADED, load_id) == CDLT_OK
                 ? store_rename(pkgdir, to.data, err)
                 : err_nomem(err);
    if (rc == CDLT_OK && p->cur && info_add_package(p->cur, load_id) != CDLT_OK)
        rc = err_nomem(err);
    buf_free(&path);
    buf_free(&to);
    return rc;
}

static cdlt_status write_exception(const char *pkgdir, const char *job, const cdlt_error *err)
{
    buf path = BUF_INIT;
    buf_printf(&path, "%s/%s/%s.exception", pkgdir, STORE_FAILED_JOBS, job);
    const char *msg = err && err->message[0] ? err->message : "load failed";
    cdlt_status rc = path.status ? CDLT_NOMEM
                                 : store_write_atomic(path.data, msg, strlen(msg), NULL);
    buf_free(&path);
    return rc;
}

/* Truncate a root table and its nested tables that exist at the destination. */
static cdlt_status truncate_chain(cdlt_pipeline *p, destination *d, const schema *s,
                                  const schema_table *root, cdlt_error *err)
{
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (!t->seen_data || schema_root_table(s, t) != root)
            continue;
        LOG_DEBUG("truncating %s (replace)", t->name);
        cdlt_status rc = p->dv->truncate_table(d, t->name, err);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

static cdlt_status load_package(cdlt_pipeline *p, destination *d, const char *load_id,
                                cdlt_error *err)
{
    const dest_vtable *dv = p->dv;
    buf pkg = BUF_INIT, tmp = BUF_INIT, name = BUF_INIT;
    store_names jobs = {0};
    schema *s = NULL;
    lpkg l;
    memset(&l, 0, sizeof l);
    bool in_tx = false;
    const char *current = NULL; /* job in started_jobs */
    cdlt_status rc = pipe_path(p, &pkg, STORE_NORMALIZED, load_id) == CDLT_OK ? CDLT_OK
                                                                              : err_nomem(err);
    if (rc != CDLT_OK)
        goto done;
    bool completed = false;
    rc = dv->is_load_completed(d, load_id, &completed, err);
    if (rc != CDLT_OK)
        goto done;
    if (completed) {
        /* committed by a run killed before it moved the folder: only finish the move */
        LOG_INFO("load package %s was already loaded; completing it", load_id);
        rc = requeue(pkg.data, STORE_STARTED_JOBS, false, err);
        if (rc == CDLT_OK)
            rc = finish_package(p, pkg.data, load_id, err);
        goto done;
    }
    rc = requeue(pkg.data, STORE_STARTED_JOBS, false, err);
    if (rc == CDLT_OK)
        rc = requeue(pkg.data, STORE_COMPLETED_JOBS, false, err);
    if (rc == CDLT_OK)
        rc = requeue(pkg.data, STORE_FAILED_JOBS, true, err);
    if (rc != CDLT_OK)
        goto done;
    store_path(&tmp, pkg.data, "schema.json", NULL);
    rc = tmp.status ? err_nomem(err) : pipe_read_schema_file(tmp.data, &s, err);
    if (rc == CDLT_OK)
        rc = read_lpkg(pkg.data, &l, err);
    if (rc != CDLT_OK)
        goto done;

    progress_start(&p->progress, "load", 0);
    rc = dv->begin(d, err);
    if (rc != CDLT_OK)
        goto done;
    in_tx = true;
    if (l.ndropped) {
        rc = dv->drop_tables(d, (const char *const *)l.dropped, l.ndropped, s->name, err);
        if (rc != CDLT_OK)
            goto done;
    }
    rc = dv->migrate(d, s, err);
    if (rc != CDLT_OK)
        goto done;
    for (size_t i = 0; rc == CDLT_OK && i < l.ntables; i++) {
        const schema_table *t = schema_get_table(s, l.tables[i]);
        if (t && !t->parent && schema_table_disposition(s, t) == WD_REPLACE)
            rc = truncate_chain(p, d, s, t, err);
    }
    for (size_t i = 0; rc == CDLT_OK && i < l.ntruncated; i++) {
        const schema_table *t = schema_get_table(s, l.truncated[i]);
        if (t && t->seen_data && !name_in(l.dropped, l.ndropped, t->name))
            rc = dv->truncate_table(d, t->name, err);
    }
    if (rc != CDLT_OK)
        goto done;

    store_path(&tmp, pkg.data, STORE_NEW_JOBS, NULL);
    rc = tmp.status ? err_nomem(err) : store_list(tmp.data, &jobs, err);
    for (size_t i = 0; rc == CDLT_OK && i < jobs.n; i++) {
        store_job_name jn;
        if (!store_parse_job_name(jobs.names[i], &jn))
            continue;
        const schema_table *t = schema_get_table(s, jn.table);
        if (!t) {
            rc = err_set(err, CDLT_SCHEMA, "job %s: table '%s' is not in the package schema",
                         jobs.names[i], jn.table);
            break;
        }
        rc = store_move_job(pkg.data, STORE_NEW_JOBS, jobs.names[i], STORE_STARTED_JOBS, -1,
                            &name, err);
        if (rc != CDLT_OK)
            break;
        current = jobs.names[i];
        store_path(&tmp, pkg.data, STORE_STARTED_JOBS, name.data);
        if (tmp.status) {
            rc = err_nomem(err);
            break;
        }
        pipe_crash_point("load_file");
        rc = dv->load_file(d, s, t, tmp.data, err);
        if (rc != CDLT_OK) {
            err_set_table(err, t->name);
            break;
        }
        rc = store_move_job(pkg.data, STORE_STARTED_JOBS, jobs.names[i], STORE_COMPLETED_JOBS,
                            -1, NULL, err);
        current = NULL;
        if (p->cur)
            p->cur->files++;
        progress_tick(&p->progress, 0);
    }
    if (rc != CDLT_OK)
        goto done;
    rc = dv->complete_load(d, s, load_id, err);
    if (rc != CDLT_OK)
        goto done;
    pipe_crash_point("before_commit");
    rc = dv->commit(d, err);
    in_tx = false;
    if (rc != CDLT_OK)
        goto done;
    pipe_crash_point("after_commit");
    progress_end(&p->progress);
    rc = finish_package(p, pkg.data, load_id, err);
    LOG_INFO("loaded load package %s", load_id);
done:
    if (rc != CDLT_OK) {
        progress_end(&p->progress);
        if (in_tx)
            dv->rollback(d, NULL);
        if (current) {
            /* keep the evidence: the failed job and its message (cdlt pipeline failed-jobs) */
            if (store_move_job(pkg.data, STORE_STARTED_JOBS, current, STORE_FAILED_JOBS, -1,
                               NULL, NULL) == CDLT_OK)
                write_exception(pkg.data, current, err);
        }
        err_prefix(err, "load of package %s: ", load_id);
        err_hint(err, "nothing of this package was committed; it stays in load/normalized and "
                      "the next run retries it (see 'cdlt pipeline %s failed-jobs')",
                 p->name);
    }
    lpkg_free(&l);
    schema_free(s);
    store_names_free(&jobs);
    buf_free(&pkg);
    buf_free(&tmp);
    buf_free(&name);
    return rc;
}

cdlt_status pipe_load(cdlt_pipeline *p, cdlt_error *err)
{
    buf dir = BUF_INIT;
    store_names ids = {0};
    cdlt_status rc = pipe_path(p, &dir, STORE_NORMALIZED, NULL) == CDLT_OK
                         ? store_list(dir.data, &ids, err)
                         : err_nomem(err);
    buf_free(&dir);
    if (rc != CDLT_OK || ids.n == 0) {
        store_names_free(&ids);
        return rc;
    }
    destination *d = NULL;
    rc = pipe_open_destination(p, &d, err);
    for (size_t i = 0; rc == CDLT_OK && i < ids.n; i++)
        rc = load_package(p, d, ids.names[i], err);
    if (d)
        p->dv->close(d);
    store_names_free(&ids);
    return rc;
}
