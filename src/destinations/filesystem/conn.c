/* conn.c: opening the filesystem destination (dlt's destination.filesystem settings: bucket_url,
 * layout, extra_placeholders, current_datetime, max_state_files, credentials for S3) and the
 * package "transaction": commit makes the package's data files visible, removes replaced
 * tables' old files, then writes the state and _dlt_loads files (the completion mark). */
#include "fs.h"

#include "config/config.h"
#include "storage/storage.h"
#include "types/types.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Keys of destination.filesystem cdlt reads; dlt's keys without use here are logged and
 * skipped; anything else is an error (a typo would silently keep a default). */
static const char *const KEYS[] = {"type", "name", "bucket_url", "layout", "extra_placeholders",
                                   "current_datetime", "max_state_files", "replace_strategy",
                                   "credentials", NULL};
/* dlt settings with no effect here (views, delta, read-only sql client): logged. dlt's fsspec
 * `kwargs` / `client_kwargs` configure the storage client; we cannot honour them, so a
 * non-empty one is an error rather than a silently different connection. */
static const char *const DLT_ONLY[] = {"always_refresh_views", "deltalake_streamed_exec",
                                       "read_only", NULL};
static const char *const FSSPEC_ARGS[] = {"kwargs", "client_kwargs", NULL};

static bool in(const char *const *l, const char *k)
{
    for (size_t i = 0; l[i]; i++)
        if (strcmp(l[i], k) == 0)
            return true;
    return false;
}

static const char *opt_str(const jv *o, const char *k)
{
    const jv *v = o ? jv_get(o, k) : NULL;
    return v && v->type == JV_STRING ? v->u.s : NULL;
}

static cdlt_status check_keys(const jv *o, cdlt_error *err)
{
    for (uint32_t i = 0; o && o->type == JV_OBJECT && i < o->len; i++) {
        const char *k = o->u.members[i].key;
        if (in(KEYS, k))
            continue;
        if (in(FSSPEC_ARGS, k)) {
            const jv *v = &o->u.members[i].value;
            if (v->type == JV_NULL || (v->type == JV_OBJECT && v->len == 0))
                continue;
            err_set(err, CDLT_CONFIG,
                    "destination.filesystem.%s (fsspec client arguments) is not supported", k);
            return err_hint(err, "S3 settings go in destination.filesystem.credentials "
                                 "(aws_access_key_id, aws_secret_access_key, endpoint_url, "
                                 "region_name); remove the key (docs/filesystem.md)");
        }
        if (in(DLT_ONLY, k)) {
            LOG_INFO("destination.filesystem.%s is a dlt setting cdlt has no use for; ignored", k);
            continue;
        }
        err_set(err, CDLT_CONFIG, "unknown setting 'destination.filesystem.%s'", k);
        return err_hint(err, "settings of the filesystem destination: bucket_url, layout, "
                             "extra_placeholders, current_datetime, max_state_files, "
                             "replace_strategy, credentials (docs/filesystem.md)");
    }
    const jv *v;
    static const char *const STRS[] = {"bucket_url", "layout", "current_datetime",
                                       "replace_strategy", NULL};
    for (size_t i = 0; STRS[i]; i++)
        if ((v = jv_get(o, STRS[i])) && v->type != JV_STRING) {
            err_set(err, CDLT_CONFIG, "destination.filesystem.%s must be a string", STRS[i]);
            return err_hint(err, "e.g. bucket_url = \"s3://bucket/path\" or a local folder");
        }
    if ((v = jv_get(o, "max_state_files")) && v->type != JV_INT)
        return err_set(err, CDLT_CONFIG, "destination.filesystem.max_state_files must be an "
                                         "integer (0 or less keeps every state file)");
    if ((v = jv_get(o, "extra_placeholders")) && v->type != JV_OBJECT)
        return err_set(err, CDLT_CONFIG, "destination.filesystem.extra_placeholders must be a "
                                         "table of names to texts");
    const char *rs = opt_str(o, "replace_strategy");
    if (rs && strcmp(rs, "truncate-and-insert") != 0) {
        err_set(err, CDLT_CONFIG, "replace_strategy '%s' is not supported by the filesystem "
                "destination", rs);
        return err_hint(err, "as in dlt, plain filesystem tables are replaced by "
                             "truncate-and-insert (old files removed)");
    }
    return CDLT_OK;
}

/* S3 keys from the definition's credentials table (strings borrowed from o). */
static cdlt_status creds_from_table(const jv *c, os_options *oo, cdlt_error *err)
{
    if (!c || c->type != JV_OBJECT)
        return CDLT_OK;
    for (uint32_t i = 0; i < c->len; i++) {
        const char *k = c->u.members[i].key;
        const jv *v = &c->u.members[i].value;
        const char **slot = strcmp(k, "aws_access_key_id") == 0       ? &oo->aws_access_key_id
                            : strcmp(k, "aws_secret_access_key") == 0 ? &oo->aws_secret_access_key
                            : strcmp(k, "aws_session_token") == 0     ? &oo->aws_session_token
                            : strcmp(k, "endpoint_url") == 0          ? &oo->endpoint_url
                            : strcmp(k, "region_name") == 0           ? &oo->region_name
                            : strcmp(k, "s3_url_style") == 0          ? &oo->s3_url_style
                                                                      : NULL;
        if (!slot) {
            err_set(err, CDLT_CONFIG, "unknown setting 'destination.filesystem.credentials.%s'",
                    k);
            return err_hint(err, "S3 credentials: aws_access_key_id, aws_secret_access_key, "
                                 "aws_session_token, endpoint_url, region_name");
        }
        if (v->type != JV_STRING)
            return err_set(err, CDLT_CONFIG,
                           "destination.filesystem.credentials.%s must be a string", k);
        if (strstr(k, "secret") || strstr(k, "token"))
            cdlt_secret_register(v->u.s);
        *slot = v->u.s;
    }
    return CDLT_OK;
}

cdlt_status fs_open(const dest_config *cfg, destination **out, cdlt_error *err)
{
    *out = NULL;
    const jv *o = cfg->options && cfg->options->type == JV_OBJECT ? cfg->options : NULL;
    cdlt_status rc = check_keys(o, err);
    if (rc != CDLT_OK)
        return rc;
    const char *url = opt_str(o, "bucket_url");
    if (!url || !*url) {
        err_set(err, CDLT_CONFIG_MISSING, "the filesystem destination needs a bucket_url");
        return err_hint(err, "set destination = { type = \"filesystem\", bucket_url = "
                             "\"/data/lake\" } in the definition, [destination.filesystem] "
                             "bucket_url in .dlt/config.toml, or env "
                             "DESTINATION__FILESYSTEM__BUCKET_URL (a folder, file:// or s3:// "
                             "URL)");
    }
    destination *d = mem_calloc(1, sizeof *d);
    if (!d)
        return err_nomem(err);
    arena_init(&d->mem, 1024, 0);
    d->current_us = INT64_MIN;
    d->extra.type = JV_NULL;
    const char *layout = opt_str(o, "layout");
    d->layout = mem_strdup(layout && *layout ? layout : FS_DEFAULT_LAYOUT);
    d->bucket_url = mem_strdup(url);
    d->dataset = mem_strdup(cfg->dataset_name ? cfg->dataset_name : "");
    d->pipeline_name = mem_strdup(cfg->pipeline_name ? cfg->pipeline_name : "");
    /* until migrate names the package's schema (row counts and drops outside a load): the
     * default schema is named after the pipeline */
    d->schema_name = mem_strdup(d->pipeline_name ? d->pipeline_name : "");
    if (!d->layout || !d->bucket_url || !d->dataset || !d->pipeline_name || !d->schema_name) {
        fs_close(d);
        return err_nomem(err);
    }
    const jv *ex = o ? jv_get(o, "extra_placeholders") : NULL;
    if (ex && (rc = jv_copy(&d->mem, ex, &d->extra)) != CDLT_OK) {
        fs_close(d);
        return err_nomem(err);
    }
    /* dlt's providers: S3 credentials (destination.filesystem.credentials.*: env,
     * secrets.toml, config.toml) and extra_placeholders */
    os_options oo;
    memset(&oo, 0, sizeof oo);
    cdlt_config *conf = NULL;
    cdlt_config_opts co = {0};
    co.pipeline_name = cfg->pipeline_name;
    rc = cdlt_config_open(&co, &conf, err);
    /* extra_placeholders is a table: the provider merge of scalar settings skips it, so a
     * [destination.filesystem.extra_placeholders] table is read here (the definition wins) */
    if (rc == CDLT_OK && !ex) {
        jv tree = {0};
        rc = cfg_subtree(conf, "destination.filesystem.extra_placeholders", &d->mem, &tree, NULL,
                         err);
        /* a deep copy: leaves of the tree may point into the config, freed below */
        if (rc == CDLT_OK && tree.type == JV_OBJECT && tree.len &&
            jv_copy(&d->mem, &tree, &d->extra) != CDLT_OK)
            rc = err_nomem(err);
    }
    if (rc == CDLT_OK)
        rc = fs_layout_check(d->layout, &d->extra, &d->table_prefix, err);
    const jv *ms = o ? jv_get(o, "max_state_files") : NULL;
    d->max_state_files = ms && ms->type == JV_INT ? ms->u.i : FS_MAX_STATE_FILES;
    const char *cd = opt_str(o, "current_datetime");
    if (rc == CDLT_OK && cd) {
        bool tz = false;
        if (!types_parse_iso_timestamp(cd, strlen(cd), &d->current_us, &tz)) {
            err_set(err, CDLT_CONFIG, "destination.filesystem.current_datetime '%s' is not an "
                    "ISO 8601 date and time", cd);
            rc = err_hint(err, "e.g. current_datetime = \"2024-05-01T00:00:00Z\"; leave it out "
                               "to use each load package's creation time, as dlt does");
        }
    }
    if (rc == CDLT_OK)
        rc = os_options_from_config(conf, "destination.filesystem", &oo, err);
    if (rc == CDLT_OK)
        rc = creds_from_table(o ? jv_get(o, "credentials") : NULL, &oo, err);
    if (rc == CDLT_OK)
        rc = os_open(url, &oo, &d->store, err);
    cdlt_config_free(conf);
    if (rc != CDLT_OK) {
        err_prefix(err, "filesystem destination: ");
        fs_close(d);
        return rc;
    }
    *out = d;
    return CDLT_OK;
}

static void clear_package(destination *d, bool remove_tmp)
{
    for (size_t i = 0; i < d->npend; i++) {
        if (remove_tmp && d->pend[i].tmp)
            unlink(d->pend[i].tmp);
        mem_free(d->pend[i].final);
        mem_free(d->pend[i].tmp);
    }
    d->npend = 0;
    strv_free(&d->doomed);
    mem_free(d->state_doc);
    mem_free(d->state_name);
    mem_free(d->state_pipeline);
    mem_free(d->loads_doc);
    mem_free(d->loads_name);
    d->state_doc = d->state_name = d->state_pipeline = d->loads_doc = d->loads_name = NULL;
}

void fs_close(destination *d)
{
    if (!d)
        return;
    clear_package(d, true);
    mem_free(d->pend);
    os_close(d->store);
    arena_free(&d->mem);
    mem_free(d->bucket_url);
    mem_free(d->dataset);
    mem_free(d->pipeline_name);
    mem_free(d->schema_name);
    mem_free(d->layout);
    mem_free(d->table_prefix);
    mem_free(d);
}

cdlt_status fs_path(const destination *d, buf *out, const char *rel)
{
    buf_clear(out);
    return buf_printf(out, "%s/%s", d->dataset, rel);
}

cdlt_status fs_begin(destination *d, cdlt_error *err)
{
    (void)err;
    clear_package(d, true);
    return CDLT_OK;
}

cdlt_status fs_rollback(destination *d, cdlt_error *err)
{
    (void)err;
    clear_package(d, true); /* temp files go; nothing final was touched (locally) */
    return CDLT_OK;
}

/* Test hook, as the pipeline's CDLT_TEST_CRASH_AT: a kill -9 at a step of the commit (the
 * pipeline's own crash points cannot see inside it). */
static void crash_point(const char *point)
{
    const char *v = getenv("CDLT_TEST_CRASH_AT");
    if (v && strcmp(v, point) == 0)
        raise(SIGKILL);
}

cdlt_status fs_commit(destination *d, cdlt_error *err)
{
    cdlt_status rc = CDLT_OK;
    const char *root = os_store_local_root(d->store);
    buf fin = BUF_INIT;
    strv finals = {0};
    /* 1. the data files appear (local: rename; S3: already put) */
    for (size_t i = 0; rc == CDLT_OK && i < d->npend; i++) {
        if (strv_add(&finals, d->pend[i].final) != CDLT_OK) {
            rc = err_nomem(err);
            break;
        }
        if (!d->pend[i].tmp)
            continue;
        buf_clear(&fin);
        buf_printf(&fin, "%s/%s", root, d->pend[i].final);
        rc = fin.status ? err_nomem(err) : store_rename(d->pend[i].tmp, fin.data, err);
        if (rc == CDLT_OK) {
            /* a rerun links the job file again: temp and final may be the same inode, and
             * rename(2) of two links to one file does nothing */
            unlink(d->pend[i].tmp);
            mem_free(d->pend[i].tmp);
            d->pend[i].tmp = NULL;
        }
    }
    if (rc == CDLT_OK && d->npend)
        crash_point("fs_files_visible");
    /* 2. replaced tables lose their old files (never one this package wrote: a rerun of a
     * package interrupted after step 1 finds its own files among the "old" ones) */
    for (size_t i = 0; rc == CDLT_OK && i < d->doomed.n; i++)
        if (!strv_has(&finals, d->doomed.v[i]))
            rc = os_delete(d->store, d->doomed.v[i], err);
    /* 3. the pipeline state, 4. the completion mark */
    if (rc == CDLT_OK && d->state_doc)
        rc = os_put(d->store, d->state_name, d->state_doc, strlen(d->state_doc), err);
    if (rc == CDLT_OK && d->loads_doc)
        rc = os_put(d->store, d->loads_name, d->loads_doc, strlen(d->loads_doc), err);
    /* after the mark: a failed cleanup leaves extra old files, never a missing new one */
    if (rc == CDLT_OK && d->state_doc && d->max_state_files > 0)
        rc = fs_cleanup_states(d, d->state_pipeline, err);
    buf_free(&fin);
    strv_free(&finals);
    if (rc != CDLT_OK) {
        err_prefix(err, "filesystem destination %s: completing load package %s: ",
                   os_store_url(d->store), d->load_id);
        err_hint(err, "run again: the package is loaded again and completes");
    }
    clear_package(d, rc != CDLT_OK);
    return rc;
}
