/* sync.c: restore state and schemas from the destination (dlt's sync_destination, core.md
 * §6.4): how a fresh machine, or a deleted working dir, continues a pipeline. */
#include "pipeline.h"

#include <stdio.h>

cdlt_status pipe_sync(cdlt_pipeline *p, bool only_if_missing, pipe_sync_outcome *out,
                      cdlt_error *err)
{
    pipe_sync_outcome dummy;
    if (!out)
        out = &dummy;
    *out = PIPE_SYNC_NONE;
    destination *d = NULL;
    buf raw = BUF_INIT, text = BUF_INIT, sj = BUF_INIT, path = BUF_INIT;
    pipe_state remote;
    memset(&remote, 0, sizeof remote);
    bool have_remote = false;
    cdlt_status rc = pipe_open_destination(p, &d, err);
    if (rc != CDLT_OK)
        goto done;
    int64_t version = 0;
    bool found = false;
    rc = p->dv->get_stored_state(d, p->name, &raw, &version, &found, err);
    if (rc == CDLT_OK && !found && !only_if_missing && p->state.last_extracted_hash) {
        /* the local pipeline loaded data, but the destination has no trace of it (dataset
         * dropped, database file deleted): start afresh so state and schema go out again */
        int64_t loads = -1;
        rc = p->dv->table_row_count(d, "_dlt_loads", &loads, err);
        if (rc == CDLT_OK && loads <= 0) {
            LOG_WARN("sync: dataset %s of pipeline %s is missing at the destination: local "
                     "state and schemas are reset",
                     p->dataset, p->name);
            pipe_state *st = &p->state;
            for (size_t i = 0; i < st->nsrc; i++) {
                pipe_src_state *ss = &st->src[i];
                state_kvs_clear(&ss->kv);
                for (size_t r = 0; r < ss->nres; r++) {
                    mem_free(ss->res[r].name);
                    state_kvs_clear(&ss->res[r].kv);
                }
                mem_free(ss->res);
                mem_free(ss->name);
            }
            mem_free(st->src);
            st->src = NULL;
            st->nsrc = st->capsrc = 0;
            state_set_str(&st->last_extracted_hash, NULL);
            state_set_str(&st->version_hash, NULL);
            st->version = 0;
            st->first_run = true;
            for (size_t i = 0; i < st->schema_names.n; i++) {
                buf_clear(&path);
                buf_printf(&path, "%s/schemas/%s.schema.json", p->workdir, st->schema_names.v[i]);
                if (!path.status)
                    store_rm_rf(path.data, NULL);
            }
            rc = pipe_save_state(p, err);
            *out = PIPE_SYNC_RESET;
        }
        goto done;
    }
    if (rc != CDLT_OK || !found) {
        if (rc == CDLT_OK)
            LOG_DEBUG("sync: no stored state for pipeline %s", p->name);
        goto done;
    }
    rc = dest_decompress_b64(buf_cstr(&raw), raw.len, &text);
    if (rc != CDLT_OK) {
        rc = err_set(err, CDLT_STATE, "the stored state of pipeline %s cannot be decoded",
                     p->name);
        goto done;
    }
    rc = state_from_json(buf_cstr(&text), text.len, &remote, err);
    if (rc != CDLT_OK)
        goto done;
    have_remote = true;
    pipe_state *st = &p->state;
    bool take = only_if_missing || remote.version > st->version ||
                (remote.version == st->version && st->version_hash && remote.version_hash &&
                 strcmp(st->version_hash, remote.version_hash) != 0);
    if (!take) {
        LOG_INFO("sync: local state of %s is current (version %lld)", p->name,
                 (long long)st->version);
        *out = PIPE_SYNC_CURRENT;
        goto done;
    }
    /* remote replaces local except _local and the current dataset name */
    st->version = remote.version;
#define SWAP(f) do { char *t_ = st->f; st->f = remote.f; remote.f = t_; } while (0)
    SWAP(version_hash);
    SWAP(default_schema_name);
    strv swap_s = st->schema_names;
    st->schema_names = remote.schema_names;
    remote.schema_names = swap_s;
    pipe_src_state *ss = st->src;
    size_t sn = st->nsrc, sc = st->capsrc;
    st->src = remote.src;
    st->nsrc = remote.nsrc;
    st->capsrc = remote.capsrc;
    remote.src = ss;
    remote.nsrc = sn;
    remote.capsrc = sc;
#undef SWAP
    /* the restored state was extracted already: do not send it again */
    rc = state_set_str(&st->last_extracted_hash, st->version_hash);
    for (size_t i = 0; rc == CDLT_OK && i < st->schema_names.n; i++) {
        bool sfound = false;
        buf_clear(&sj);
        rc = p->dv->get_stored_schema(d, st->schema_names.v[i], &sj, &sfound, err);
        if (rc != CDLT_OK || !sfound)
            continue;
        buf_clear(&path);
        buf_printf(&path, "%s/schemas/%s.schema.json", p->workdir, st->schema_names.v[i]);
        buf dec = BUF_INIT;
        /* _dlt_version keeps plain JSON or base64(zlib) for big schemas */
        if (dest_decompress_b64(buf_cstr(&sj), sj.len, &dec) != CDLT_OK) {
            buf_clear(&dec);
            buf_append(&dec, buf_cstr(&sj), sj.len);
        }
        rc = path.status || dec.status ? err_nomem(err)
                                       : store_write_atomic(path.data, dec.data, dec.len, err);
        buf_free(&dec);
        LOG_INFO("sync: restored schema %s from the destination", st->schema_names.v[i]);
    }
    st->first_run = false;
    if (rc == CDLT_OK)
        rc = pipe_save_state(p, err);
    if (rc == CDLT_OK) {
        LOG_INFO("sync: restored state version %lld of pipeline %s from the destination",
                 (long long)st->version, p->name);
        *out = PIPE_SYNC_RESTORED;
    }
done:
    if (have_remote)
        state_free(&remote);
    if (d)
        p->dv->close(d);
    buf_free(&raw);
    buf_free(&text);
    buf_free(&sj);
    buf_free(&path);
    return rc;
}

/* ---- cdlt pipeline NAME sync: restore on demand, changing nothing when there is nothing ---- */

/* A DuckDB location that is a file on this machine (not :memory:, not md:/URL). */
static bool duckdb_file(const cdlt_pipeline *p)
{
    const char *c = p->credentials;
    return strcmp(p->destination, "duckdb") == 0 && c && c[0] == '/' && !strstr(c, "://");
}

/* Where the "nothing to restore" message says it looked. */
static const char *location(const cdlt_pipeline *p)
{
    return duckdb_file(p) ? p->credentials : p->destination;
}

static cdlt_status use_dataset(cdlt_pipeline *p, const char *name, cdlt_error *err)
{
    char *ds = mem_strdup(name);
    if (!ds || state_set_str(&p->state.dataset_name, name) != CDLT_OK) {
        mem_free(ds);
        return err_nomem(err);
    }
    mem_free(p->dataset);
    p->dataset = ds;
    p->dataset_given = true;
    return CDLT_OK;
}

/* A pipeline without a working dir, before anything is created: find its dataset when none
 * was given (the destination's datasets holding its state), and make sure the destination
 * has a state to restore. Reads only. */
static cdlt_status probe_fresh(cdlt_pipeline *p, cdlt_error *err)
{
    destination *d = NULL;
    cdlt_status rc = pipe_open_destination(p, &d, err);
    if (rc != CDLT_OK)
        return rc;
    if (!p->dataset_given && p->dv->find_state_datasets) {
        strv found = {0};
        rc = p->dv->find_state_datasets(d, p->name, &found, err);
        if (rc == CDLT_OK && found.n == 0) {
            err_set(err, CDLT_NOT_FOUND, "nothing to restore: no dataset in %s holds a state of "
                    "pipeline %s", location(p), p->name);
            err_hint(err, "nothing was changed; check the pipeline name and --credentials, or "
                          "run the pipeline first");
            rc = CDLT_NOT_FOUND;
        } else if (rc == CDLT_OK && found.n > 1) {
            buf list = BUF_INIT;
            for (size_t i = 0; i < found.n; i++)
                buf_printf(&list, "%s%s", i ? ", " : "", found.v[i]);
            err_set(err, CDLT_CONFIG, "pipeline %s has state in %zu datasets of %s: %s (newest "
                    "first)", p->name, found.n, location(p), buf_cstr(&list));
            err_hint(err, "nothing was changed; pick one with --dataset-name");
            buf_free(&list);
            rc = CDLT_CONFIG;
        } else if (rc == CDLT_OK) {
            LOG_INFO("sync: pipeline %s used dataset %s", p->name, found.v[0]);
            rc = use_dataset(p, found.v[0], err);
        }
        strv_free(&found);
        if (rc != CDLT_OK) {
            p->dv->close(d);
            return rc;
        }
        /* the open connection was made for the default dataset */
        p->dv->close(d);
        d = NULL;
        rc = pipe_open_destination(p, &d, err);
        if (rc != CDLT_OK)
            return rc;
    }
    buf raw = BUF_INIT;
    int64_t version = 0;
    bool found = false;
    rc = p->dv->get_stored_state(d, p->name, &raw, &version, &found, err);
    buf_free(&raw);
    p->dv->close(d);
    if (rc == CDLT_OK && !found) {
        err_set(err, CDLT_NOT_FOUND, "nothing to restore: dataset %s in %s has no state of "
                "pipeline %s", p->dataset, location(p), p->name);
        return err_hint(err, "nothing was changed; check --dataset-name (or leave it out to "
                             "search every dataset) and --credentials");
    }
    return rc;
}

cdlt_status cdlt_pipeline_sync(cdlt_pipeline *p, cdlt_error *err)
{
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    buf path = BUF_INIT;
    if (pipe_path(p, &path, "state.json", NULL) != CDLT_OK) {
        buf_free(&path);
        return err_nomem(err);
    }
    bool fresh = !store_exists(path.data);
    buf_free(&path);
    /* opening a missing database file would create it */
    if (duckdb_file(p) && !store_exists(p->credentials)) {
        err_set(err, CDLT_NOT_FOUND, "nothing to restore: the database file %s does not exist",
                p->credentials);
        return err_hint(err, "nothing was changed; pass the pipeline's database with "
                             "--credentials");
    }
    cdlt_status rc = fresh ? probe_fresh(p, err) : CDLT_OK;
    if (rc == CDLT_OK)
        rc = pipe_lock(p, err);
    pipe_sync_outcome what = PIPE_SYNC_NONE;
    if (rc == CDLT_OK)
        rc = pipe_sync(p, fresh, &what, err);
    if (rc == CDLT_OK && what == PIPE_SYNC_NONE) {
        err_set(err, CDLT_NOT_FOUND, "nothing to restore: dataset %s in %s has no state of "
                "pipeline %s", p->dataset, location(p), p->name);
        return err_hint(err, "the working dir was left as it is");
    }
    return rc;
}
