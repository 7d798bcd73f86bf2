/* settings.c: the pipeline's view of dlt's configuration: destination credentials and the
 * destination.<name> settings from env / .dlt/secrets.toml / .dlt/config.toml (src/config). */
#include "pipeline.h"

#include "config/config.h"

#include <stdio.h>

/* Settings the destinations read; looked up even when no file lists them (env-only values). */
static const char *const KNOWN_KEYS[] = {"replace_strategy", "load_threads", "memory_limit_mb",
                                         "staging_dataset_name_layout", "compression"};

/* Most keys we merge from the providers (known keys plus whatever the sections hold). */
#define MAX_KEYS 64

cdlt_status pipe_config_open(const char *pipeline_name, cdlt_config **out, cdlt_error *err)
{
    /* project dir: $DLT_PROJECT_DIR, else the current working directory (cdlt_config_open) */
    cdlt_config_opts co = {0};
    co.pipeline_name = pipeline_name;
    return cdlt_config_open(&co, out, err);
}

static bool is_duckdb(const char *dest)
{
    return strcmp(dest, "duckdb") == 0;
}

cdlt_status pipe_config_credentials(cdlt_config *cfg, const char *dest, const char **out,
                                    bool *from_env, cdlt_error *err)
{
    *out = NULL;
    *from_env = false;
    char section[CFG_MAX_PATH];
    snprintf(section, sizeof section, "destination.%s", dest);
    /* duckdb's credentials are its database file: kept in state as the (non-secret) location */
    unsigned flags = CFG_Q_OPTIONAL | (is_duckdb(dest) ? 0 : CFG_Q_SECRET);
    cfg_hit hit;
    cdlt_status rc = cfg_get(cfg, section, "credentials", flags, &hit, err);
    if (rc == CDLT_NOT_FOUND)
        return CDLT_OK;
    if (rc != CDLT_OK)
        return rc;
    const jv *v = hit.value;
    if (v->type == JV_OBJECT && is_duckdb(dest))
        v = jv_get(v, "database"); /* [destination.duckdb.credentials] database = "..." */
    if (!v || v->type != JV_STRING || !v->u.s[0]) {
        const char *origin = cfg_hit_origin(cfg, &hit);
        err_set(err, CDLT_CONFIG, "destination credentials from %s must be a non-empty string",
                origin ? origin : cfg_prov_name(hit.prov));
        return err_hint(err, is_duckdb(dest) ? "give the database file, e.g. credentials = "
                                               "\"data.duckdb\""
                                             : "give a connection string");
    }
    *out = v->u.s;
    *from_env = hit.prov == CFG_ENV;
    return CDLT_OK;
}

static bool has_key(const char *const *keys, size_t n, const char *k)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], k) == 0)
            return true;
    return false;
}

/* Add the scalar members of a subtree as candidate keys (objects are nested sections). */
static void add_keys(const jv *t, const char **keys, size_t *n)
{
    if (t->type != JV_OBJECT)
        return;
    for (uint32_t i = 0; i < t->len && *n < MAX_KEYS; i++) {
        const char *k = t->u.members[i].key;
        if (t->u.members[i].value.type == JV_OBJECT || strcmp(k, "credentials") == 0 ||
            has_key(keys, *n, k))
            continue;
        keys[(*n)++] = k;
    }
}

cdlt_status pipe_config_dest_options(cdlt_config *cfg, const char *dest, arena *a, jv *opts,
                                     const char **replace_where, cdlt_error *err)
{
    *replace_where = NULL;
    char section[CFG_MAX_PATH];
    snprintf(section, sizeof section, "destination.%s", dest);
    arena tmp;
    arena_init(&tmp, 4096, 0);
    jv spec = {0}, gen = {0};
    cdlt_status rc = cfg_subtree(cfg, section, &tmp, &spec, NULL, err);
    if (rc == CDLT_OK)
        rc = cfg_subtree(cfg, "destination", &tmp, &gen, NULL, err);
    const char *keys[MAX_KEYS];
    size_t nkeys = 0;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(KNOWN_KEYS); i++)
        keys[nkeys++] = KNOWN_KEYS[i];
    if (rc == CDLT_OK) {
        add_keys(&spec, keys, &nkeys);
        add_keys(&gen, keys, &nkeys);
    }
    /* resolve each key in dlt's order (env, secrets.toml, config.toml; most specific section
     * first) and decide against the definition / C options */
    const jv *vals[MAX_KEYS] = {0};
    size_t nover = 0;
    for (size_t i = 0; i < nkeys && rc == CDLT_OK; i++) {
        cfg_hit hit;
        rc = cfg_get(cfg, section, keys[i], CFG_Q_OPTIONAL | CFG_Q_JSON, &hit, err);
        if (rc == CDLT_NOT_FOUND) {
            rc = CDLT_OK;
            continue;
        }
        if (rc != CDLT_OK || hit.value->type == JV_OBJECT)
            continue;
        bool set_by_opts = opts->type == JV_OBJECT && jv_get(opts, keys[i]) != NULL;
        if (set_by_opts && hit.prov != CFG_ENV)
            continue; /* definition / C options win over config files */
        vals[i] = hit.value;
        nover++;
        if (strcmp(keys[i], "replace_strategy") == 0) {
            const char *o = hit.prov == CFG_ENV ? hit.name : cfg_hit_origin(cfg, &hit);
            *replace_where = o ? arena_strndup(a, o, strlen(o)) : NULL;
            if (!*replace_where)
                rc = err_nomem(err);
        }
    }
    if (rc == CDLT_OK && nover > 0) {
        jv_builder b;
        jv_builder_init(&b, JV_OBJECT);
        if (opts->type == JV_OBJECT)
            for (uint32_t i = 0; i < opts->len && rc == CDLT_OK; i++) {
                const char *k = opts->u.members[i].key;
                bool over = false;
                for (size_t j = 0; j < nkeys; j++)
                    if (vals[j] && strcmp(keys[j], k) == 0)
                        over = true;
                if (!over)
                    rc = jv_builder_set(&b, a, k, strlen(k), opts->u.members[i].value);
            }
        for (size_t j = 0; j < nkeys && rc == CDLT_OK; j++) {
            if (!vals[j])
                continue;
            jv copy;
            rc = jv_copy(a, vals[j], &copy);
            if (rc == CDLT_OK)
                rc = jv_builder_set(&b, a, keys[j], strlen(keys[j]), copy);
        }
        if (rc == CDLT_OK)
            *opts = b.value;
        else if (rc == CDLT_NOMEM)
            rc = err_nomem(err);
    }
    arena_free(&tmp);
    return rc;
}
