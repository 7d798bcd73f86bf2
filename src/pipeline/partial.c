/* partial.c: packages loaded in several transactions. A package's load files are cut into
 * chunks of whole items (normalize closes every open file at a cut, so each chunk holds every
 * nested row of its root rows); each chunk commits on its own, which keeps the destination's
 * memory flat, and the last one adds the _dlt_loads row. Before the first chunk commits,
 * load/partial/<load_id> records the tables the load writes (with their parents); a run that
 * finds the record for a package that is not completed first removes those rows (root tables
 * by _dlt_load_id, nested tables through their parents) in the transaction of its first
 * chunk, then loads the whole package again: exactly once, whatever was interrupted.
 * A record whose package is gone (dropped, discarded) is undone on its own at the next load.
 * docs/pipeline.md "Transactions per package". */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#define STORE_PARTIAL "load/partial"

static cdlt_status marker_path(const cdlt_pipeline *p, const char *load_id, buf *out)
{
    return pipe_path(p, out, STORE_PARTIAL, load_id);
}

cdlt_status pipe_partial_write(cdlt_pipeline *p, const char *load_id, const strv *tables,
                               const strv *parents, cdlt_error *err)
{
    buf path = BUF_INIT, dir = BUF_INIT, text = BUF_INIT;
    cdlt_status rc = marker_path(p, load_id, &path) == CDLT_OK &&
                             pipe_path(p, &dir, STORE_PARTIAL, NULL) == CDLT_OK
                         ? store_mkdirs(dir.data, err)
                         : err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < tables->n; i++)
        buf_printf(&text, "%s\t%s\n", tables->v[i], parents->v[i] ? parents->v[i] : "");
    if (rc == CDLT_OK && text.status != CDLT_OK)
        rc = err_nomem(err);
    if (rc == CDLT_OK)
        rc = store_write_atomic(path.data, text.data ? text.data : "", text.len, err);
    buf_free(&path);
    buf_free(&dir);
    buf_free(&text);
    return rc;
}

bool pipe_partial_any(const cdlt_pipeline *p)
{
    buf dir = BUF_INIT;
    store_names n = {0};
    bool any = pipe_path(p, &dir, STORE_PARTIAL, NULL) == CDLT_OK && store_exists(dir.data) &&
               store_list(dir.data, &n, NULL) == CDLT_OK && n.n > 0;
    store_names_free(&n);
    buf_free(&dir);
    return any;
}

bool pipe_partial_exists(const cdlt_pipeline *p, const char *load_id)
{
    buf path = BUF_INIT;
    bool ex = marker_path(p, load_id, &path) == CDLT_OK && store_exists(path.data);
    buf_free(&path);
    return ex;
}

void pipe_partial_clear(cdlt_pipeline *p, const char *load_id)
{
    buf path = BUF_INIT;
    if (marker_path(p, load_id, &path) == CDLT_OK && store_exists(path.data))
        store_rm_rf(path.data, NULL);
    buf_free(&path);
}

/* In its own transaction: DuckDB refuses to commit a transaction that deleted rows of a
 * table and then altered it ("another transaction has altered this table"), and the load
 * that follows may add columns. The record stays until the package is completed, so an
 * undo interrupted or repeated finds what is left, or nothing. */
cdlt_status pipe_partial_undo_tx(cdlt_pipeline *p, destination *d, const char *load_id,
                                 cdlt_error *err)
{
    if (!pipe_partial_exists(p, load_id))
        return CDLT_OK;
    cdlt_status rc = p->dv->begin(d, err);
    if (rc != CDLT_OK)
        return rc;
    rc = pipe_partial_undo(p, d, load_id, err);
    if (rc == CDLT_OK)
        rc = p->dv->commit(d, err);
    else
        p->dv->rollback(d, NULL);
    return rc;
}

cdlt_status pipe_partial_undo(cdlt_pipeline *p, destination *d, const char *load_id,
                              cdlt_error *err)
{
    buf path = BUF_INIT, text = BUF_INIT;
    strv tables = {0}, parents = {0};
    cdlt_status rc = marker_path(p, load_id, &path) == CDLT_OK ? CDLT_OK : err_nomem(err);
    if (rc == CDLT_OK && !store_exists(path.data))
        goto out;
    if (rc == CDLT_OK)
        rc = store_read_file(path.data, 0, &text, err);
    if (rc != CDLT_OK)
        goto out;
    if (!p->dv->delete_load) {
        rc = err_set(err, CDLT_DESTINATION,
                     "load %s was interrupted after part of it was committed, and destination "
                     "%s cannot remove those rows", load_id, p->dv->name);
        goto out;
    }
    for (char *line = text.data; rc == CDLT_OK && line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = '\0';
            if (strv_add(&tables, line) != CDLT_OK || strv_add(&parents, tab + 1) != CDLT_OK)
                rc = err_nomem(err);
        }
        line = nl ? nl + 1 : NULL;
    }
    if (rc == CDLT_OK && tables.n) {
        LOG_INFO("load %s was interrupted after part of it was committed: removing those rows "
                 "before it is loaded again", load_id);
        rc = p->dv->delete_load(d, load_id, (const char *const *)tables.v,
                                (const char *const *)parents.v, tables.n, err);
    }
out:
    strv_free(&tables);
    strv_free(&parents);
    buf_free(&path);
    buf_free(&text);
    return rc;
}

bool pipe_partial_undo_gone(cdlt_pipeline *p, const char *load_id, cdlt_error *err)
{
    if (!load_id || !*load_id || !pipe_partial_exists(p, load_id))
        return true;
    destination *d = NULL;
    bool completed = false;
    cdlt_status rc = pipe_open_destination(p, &d, err);
    if (rc == CDLT_OK)
        rc = p->dv->is_load_completed(d, load_id, &completed, err);
    if (rc == CDLT_OK && !completed)
        rc = pipe_partial_undo_tx(p, d, load_id, err);
    if (rc == CDLT_OK)
        pipe_partial_clear(p, load_id);
    if (d)
        p->dv->close(d);
    return rc == CDLT_OK;
}

/* Records left by loads whose package is gone: undo each in its own transaction. */
cdlt_status pipe_partial_orphans(cdlt_pipeline *p, destination *d, cdlt_error *err)
{
    buf dir = BUF_INIT, other = BUF_INIT;
    store_names n = {0};
    cdlt_status rc = pipe_path(p, &dir, STORE_PARTIAL, NULL) == CDLT_OK ? CDLT_OK
                                                                          : err_nomem(err);
    if (rc == CDLT_OK && store_exists(dir.data))
        rc = store_list(dir.data, &n, err);
    for (size_t i = 0; rc == CDLT_OK && i < n.n; i++) {
        const char *id = n.names[i];
        if (strstr(id, ".tmp"))
            continue;
        bool pending = false;
        const char *where[] = {STORE_EXTRACTED, STORE_NORMALIZED};
        for (size_t k = 0; k < 2 && !pending; k++)
            pending = pipe_path(p, &other, where[k], id) == CDLT_OK && store_exists(other.data);
        if (pending)
            continue;
        bool completed = false;
        rc = p->dv->is_load_completed(d, id, &completed, err);
        if (rc == CDLT_OK && !completed)
            rc = pipe_partial_undo_tx(p, d, id, err);
        if (rc == CDLT_OK)
            pipe_partial_clear(p, id);
    }
    store_names_free(&n);
    buf_free(&dir);
    buf_free(&other);
    return rc;
}

/* The tables of the package schema a chunked load writes directly (not through staging),
 * with their parents, for the record. */
cdlt_status pipe_partial_tables(const schema *s, const strv *staged, strv *tables, strv *parents)
{
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        /* _dlt_version and _dlt_loads rows are written once per version / load, not from
         * load files; _dlt_pipeline_state rows are (and carry _dlt_load_id) */
        if (!t->seen_data || strcmp(t->name, "_dlt_version") == 0 ||
            strcmp(t->name, "_dlt_loads") == 0)
            continue;
        const schema_table *root = schema_root_table(s, t);
        if (staged && root && strv_has(staged, root->name))
            continue;
        if (strv_add(tables, t->name) != CDLT_OK ||
            strv_add(parents, t->parent ? t->parent : "") != CDLT_OK)
            return CDLT_NOMEM;
    }
    return CDLT_OK;
}
