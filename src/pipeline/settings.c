/* settings.c: the pipeline's view of dlt's configuration: destination credentials and the
 * destination.<name> settings from env / .dlt/secrets.toml / .dlt/config.toml (src/config). */
#include "pipeline.h"

#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>

/* Settings the destinations read; looked up even when no file lists them (env-only values). */
static const char *const KNOWN_KEYS[] = {"replace_strategy", "load_threads", "memory_limit_mb",
                                         "staging_dataset_name_layout", "compression",
                                         "bucket_url", "layout", "current_datetime",
                                         "max_state_files"};

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

/* Append s percent-encoded for the user/password/database part of a URL. */
static void url_part(buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            buf_putc(b, (char)*p);
        else
            buf_printf(b, "%%%02X", *p);
    }
}

/* dlt's connection-string credentials given as fields ([destination.postgres.credentials]
 * database, username, password, host, port, connect_timeout; env
 * DESTINATION__POSTGRES__CREDENTIALS__PASSWORD, ...): joined into the one connection string
 * the destination takes, postgresql://user:password@host:port/database?connect_timeout=N.
 * *out stays NULL when no field is set. */
static cdlt_status credentials_from_fields(cdlt_config *cfg, const char *dest,
                                          const char *section, const char **out,
                                          bool *from_env, cdlt_error *err)
{
    static const char *const FIELDS[] = {"database", "username", "password", "host", "port",
                                         "connect_timeout"};
    const char *val[6] = {0};
    char num[2][32];
    bool any = false;
    for (size_t i = 0; i < 6; i++) {
        char key[64];
        snprintf(key, sizeof key, "credentials.%s", FIELDS[i]);
        cfg_hit hit;
        unsigned fl = CFG_Q_OPTIONAL | (i == 2 ? CFG_Q_SECRET : 0);
        cdlt_status rc = cfg_get(cfg, section, key, fl, &hit, err);
        if (rc == CDLT_NOT_FOUND)
            continue;
        if (rc != CDLT_OK)
            return rc;
        const jv *v = hit.value;
        if (v->type == JV_INT && i >= 4) {
            snprintf(num[i - 4], sizeof num[0], "%lld", (long long)v->u.i);
            val[i] = num[i - 4];
        } else if (v->type == JV_STRING) {
            val[i] = v->u.s;
        } else {
            const char *origin = cfg_hit_origin(cfg, &hit);
            err_set(err, CDLT_CONFIG, "destination credentials field '%s' (from %s) must be %s",
                    FIELDS[i], origin ? origin : cfg_prov_name(hit.prov),
                    i >= 4 ? "an integer" : "a string");
            return CDLT_CONFIG;
        }
        any = true;
        *from_env = *from_env || hit.prov == CFG_ENV;
    }
    if (!any)
        return CDLT_OK;
    if (!val[0] || !val[3]) {
        err_set(err, CDLT_CONFIG, "destination %s credentials: field%s%s%s missing", dest,
                !val[0] ? " 'database'" : "", !val[0] && !val[3] ? " and" : "",
                !val[3] ? " 'host'" : "");
        return err_hint(err, "set [destination.%s.credentials] database, username, password, "
                             "host (port 5432 and connect_timeout 15 by default), or one "
                             "connection string credentials = \"postgresql://user:password@"
                             "host:port/database\"", dest);
    }
    buf b = BUF_INIT;
    buf_printf(&b, "%s://", strcmp(dest, "postgres") == 0 ? "postgresql" : dest);
    if (val[1]) {
        url_part(&b, val[1]);
        if (val[2]) {
            buf_putc(&b, ':');
            url_part(&b, val[2]);
        }
        buf_putc(&b, '@');
    }
    buf_puts(&b, val[3]);
    if (val[4])
        buf_printf(&b, ":%s", val[4]);
    buf_putc(&b, '/');
    url_part(&b, val[0]);
    if (val[5])
        buf_printf(&b, "?connect_timeout=%s", val[5]);
    const char *c = b.status == CDLT_OK ? arena_strndup(&cfg->mem, b.data, b.len) : NULL;
    buf_free(&b);
    if (!c)
        return err_nomem(err);
    if (secret_register_credential(c) != CDLT_OK)
        return err_nomem(err);
    *out = c;
    return CDLT_OK;
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
    if (!is_duckdb(dest) && (rc == CDLT_NOT_FOUND || (rc == CDLT_OK &&
                                                     hit.value->type == JV_OBJECT)))
        return credentials_from_fields(cfg, dest, section, out, from_env, err);
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

/* ---- strictness of the pipeline's own sections ---- */

/* One config section the pipeline reads: the keys cdlt uses, dlt's other keys there (accepted
 * so a dlt project runs unchanged, but without effect in cdlt), and dlt's sub-tables. */
typedef struct sect_keys {
    const char *name;               /* section, e.g. "load" */
    const char *const *used;        /* keys cdlt reads (NULL-terminated) */
    const char *const *dlt_only;    /* dlt's keys cdlt has no use for (NULL-terminated) */
    const char *const *subsections; /* dlt's nested tables allowed here (NULL-terminated) */
} sect_keys;

static const char *const RT_USED[] = {"log_level", "request_timeout", "request_max_attempts",
                                      "request_backoff_factor", "request_max_retry_delay",
                                      "http_max_connections", "http_max_host_connections",
                                      "http_show_error_body", "http_max_error_body_length",
                                      NULL};
static const char *const RT_DLT[] = {"pipeline_name", "sentry_dsn", "slack_incoming_hook",
                                     "dlthub_telemetry", "dlthub_telemetry_endpoint",
                                     "dlthub_telemetry_segment_write_key", "log_format",
                                     "config_files_storage_path", "dlthub_dsn", "run_id",
                                     NULL};
static const char *const EX_USED[] = {"max_depth", "verbatim_files", "verbatim_link",
                                      "verbatim_min_file_bytes", NULL};
static const char *const EX_DLT[] = {"workers", "max_parallel_items", "futures_poll_interval",
                                     "copy_on_fork", "next_item_mode", NULL};
static const char *const NO_KEYS[] = {NULL};
static const char *const NM_USED[] = {"overlap_extract", NULL};
static const char *const NO_DLT[] = {"pool_type", "start_method", "workers", "run_sleep", NULL};
static const char *const LD_USED[] = {"delete_completed_jobs", "truncate_staging_dataset",
                                      "transaction_max_mb", "overlap_normalize", NULL};
static const char *const LD_DLT[] = {"workers", "parallelism_strategy", "pool_type",
                                     "start_method", "run_sleep", "raise_on_failed_jobs",
                                     "raise_on_max_retries", "start_new_jobs_on_signal",
                                     "load_volume_path", NULL};
static const char *const SC_USED[] = {"naming", "json_normalizer", NULL};
static const char *const SC_DLT[] = {"allow_identifier_change_on_table_with_data",
                                     "use_break_path_on_normalize", NULL};
static const char *const SUB_WRITER[] = {"data_writer", NULL};
static const char *const SUB_NORM[] = {"data_writer", "json_normalizer", "parquet_normalizer",
                                       "model_normalizer", NULL};

/* dlt's data_writer keys (BufferedDataWriterConfiguration, CsvFormatConfiguration,
 * ParquetFormatConfiguration): what the writers read (pipeline/fileformat.c) and the rest. */
static const char *const DW_USED[] = {
    "disable_compression", "delimiter", "include_header", "quoting", "lineterminator",
    "flavor", "version", "data_page_size", "timestamp_timezone", "row_group_size",
    "coerce_timestamps", "allow_truncated_timestamps", "use_compliant_nested_type",
    "write_page_index", "use_content_defined_chunking", "supports_dictionary_encoding",
    "arrow_concat_promote_options", NULL};
static const char *const DW_DLT[] = {"buffer_max_items", "file_max_items", "file_max_bytes",
                                     "on_error_continue", "encoding", NULL};

static const sect_keys SECTIONS[] = {
    {"runtime", RT_USED, RT_DLT, NO_KEYS},  {"extract", EX_USED, EX_DLT, SUB_WRITER},
    {"normalize", NM_USED, NO_DLT, SUB_NORM}, {"load", LD_USED, LD_DLT, NO_KEYS},
    {"schema", SC_USED, SC_DLT, NO_KEYS},
    /* dlt resolves its writer settings at <stage>.data_writer, then at the top-level
     * data_writer (config_section fallback), and so do cdlt's writers (fileformat.c): a typo
     * there is as silent as one under [normalize.data_writer] */
    {"data_writer", DW_USED, DW_DLT, NO_KEYS},
};

static bool in_keys(const char *const *l, const char *k)
{
    for (size_t i = 0; l[i]; i++)
        if (strcmp(l[i], k) == 0)
            return true;
    return false;
}

static cdlt_status unknown_setting(const sect_keys *s, const char *key, const jv *origin,
                                   cdlt_error *err)
{
    const char *best = NULL;
    size_t bd = SIZE_MAX;
    buf list = BUF_INIT;
    const char *const *groups[3] = {s->used, s->dlt_only, s->subsections};
    for (int g = 0; g < 3; g++)
        for (size_t i = 0; groups[g][i]; i++) {
            size_t e = str_edit_distance(key, groups[g][i]);
            if (e < bd) {
                bd = e;
                best = groups[g][i];
            }
            if (g == 0)
                buf_printf(&list, "%s%s", list.len ? ", " : "", groups[g][i]);
        }
    size_t lim = strlen(key) / 3 + 1;
    char mean[128] = "";
    if (best && bd <= (lim < 3 ? lim : 3))
        snprintf(mean, sizeof mean, "; did you mean '%s'?", best);
    const char *where = origin && origin->type == JV_STRING ? origin->u.s : NULL;
    err_set(err, CDLT_CONFIG, "unknown setting '%s.%s'%s%s%s%s", s->name, key,
            where ? " (from " : "", where ? where : "", where ? ")" : "", mean);
    err_hint(err, "settings cdlt uses in [%s]: %s; dlt's other keys there are accepted "
                  "(see docs/config.md)",
             s->name, list.len ? list.data : "none");
    buf_free(&list);
    return CDLT_CONFIG;
}

/* The members of one section's tree against its known keys; a data_writer table inside is
 * checked the same way (a typo there would otherwise be a setting silently not applied). */
static cdlt_status check_members(const sect_keys *s, const jv *tree, const jv *origin,
                                 cdlt_error *err)
{
    cdlt_status rc = CDLT_OK;
    for (uint32_t m = 0; rc == CDLT_OK && tree->type == JV_OBJECT && m < tree->len; m++) {
        const char *k = tree->u.members[m].key;
        const jv *val = &tree->u.members[m].value;
        bool sub = val->type == JV_OBJECT;
        const jv *o = origin && origin->type == JV_OBJECT ? jv_get(origin, k) : NULL;
        if (sub && strcmp(k, "data_writer") == 0 && in_keys(s->subsections, k)) {
            char name[64];
            snprintf(name, sizeof name, "%s.data_writer", s->name);
            const sect_keys dw = {name, DW_USED, DW_DLT, NO_KEYS};
            rc = check_members(&dw, val, o, err);
            continue;
        }
        if (in_keys(s->used, k) || (sub && in_keys(s->subsections, k)))
            continue;
        if (in_keys(s->dlt_only, k)) {
            LOG_INFO("[%s] %s is a dlt setting cdlt has no use for; ignored", s->name, k);
            continue;
        }
        rc = unknown_setting(s, k, o, err);
    }
    return rc;
}

cdlt_status pipe_config_check_sections(cdlt_config *cfg, cdlt_error *err)
{
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(SECTIONS) && rc == CDLT_OK; i++) {
        const sect_keys *s = &SECTIONS[i];
        arena tmp;
        arena_init(&tmp, 4096, 0);
        jv tree = {0}, origin = {0};
        rc = cfg_subtree(cfg, s->name, &tmp, &tree, &origin, err);
        if (rc == CDLT_OK)
            rc = check_members(s, &tree, &origin, err);
        arena_free(&tmp);
    }
    return rc;
}

cdlt_status pipe_config_get_path(cdlt_config *cfg, const char *key, const char **out,
                                 cdlt_error *err)
{
    *out = NULL;
    cfg_hit hit;
    cdlt_status rc = cfg_get(cfg, NULL, key, CFG_Q_OPTIONAL, &hit, err);
    if (rc == CDLT_NOT_FOUND)
        return CDLT_OK;
    if (rc != CDLT_OK)
        return rc;
    /* the string getter turns 7 into "7" (dlt coerces scalars); a folder must be text */
    if (hit.value->type != JV_STRING) {
        const char *origin = cfg_hit_origin(cfg, &hit);
        err_set(err, CDLT_CONFIG, "setting '%s' (from %s) must be a folder path (a string)",
                key, origin ? origin : cfg_prov_name(hit.prov));
        return err_hint(err, "write it as %s = \"schemas\"", key);
    }
    *out = hit.value->u.s;
    return CDLT_OK;
}

/* "what" of a json_normalizer error, with its origin. */
static cdlt_status bad_json_normalizer(cdlt_config *cfg, const cfg_hit *hit, const char *what,
                                       cdlt_error *err)
{
    const char *origin = cfg_hit_origin(cfg, hit);
    err_set(err, CDLT_CONFIG, "setting '%s' (from %s): %s", hit->name,
            origin ? origin : cfg_prov_name(hit->prov), what);
    return err_hint(err, "write it as [schema.json_normalizer.config] max_nesting = 2 (env "
                         "SCHEMA__JSON_NORMALIZER='{\"config\": {\"max_nesting\": 2}}')");
}

cdlt_status pipe_config_json_normalizer(cdlt_config *cfg, const char *section,
                                        int32_t *max_nesting, cdlt_error *err)
{
    *max_nesting = -1;
    cfg_hit hit;
    cdlt_status rc = cfg_get(cfg, section, "schema.json_normalizer",
                             CFG_Q_OPTIONAL | CFG_Q_JSON, &hit, err);
    if (rc == CDLT_NOT_FOUND)
        return CDLT_OK;
    if (rc != CDLT_OK)
        return rc;
    const jv *v = hit.value;
    if (v->type != JV_OBJECT)
        return bad_json_normalizer(cfg, &hit, "must be a table with `module` and `config`", err);
    for (uint32_t i = 0; i < v->len; i++) {
        const char *k = v->u.members[i].key;
        const jv *m = &v->u.members[i].value;
        if (strcmp(k, "module") == 0) {
            /* dlt's only JSON normalizer; cdlt has no other */
            if (m->type != JV_STRING ||
                strcmp(m->u.s, "dlt.common.normalizers.json.relational") != 0)
                return bad_json_normalizer(cfg, &hit, "module must be "
                                           "'dlt.common.normalizers.json.relational'", err);
        } else if (strcmp(k, "config") == 0) {
            if (m->type != JV_OBJECT)
                return bad_json_normalizer(cfg, &hit, "config must be a table", err);
            for (uint32_t j = 0; j < m->len; j++) {
                const char *ck = m->u.members[j].key;
                const jv *cv = &m->u.members[j].value;
                if (strcmp(ck, "max_nesting") != 0) {
                    char what[256];
                    snprintf(what, sizeof what, "unknown key config.%s; cdlt reads "
                             "config.max_nesting only", ck);
                    return bad_json_normalizer(cfg, &hit, what, err);
                }
                int64_t n = -1;
                if (cv->type == JV_INT)
                    n = cv->u.i;
                else if (cv->type == JV_STRING && cv->u.s[0]) {
                    char *end = NULL;
                    n = strtoll(cv->u.s, &end, 10);
                    if (*end)
                        n = -1;
                }
                if (n < 0 || n > 1000)
                    return bad_json_normalizer(cfg, &hit, "config.max_nesting must be an "
                                               "integer from 0 to 1000", err);
                *max_nesting = (int32_t)n;
            }
        } else {
            char what[256];
            snprintf(what, sizeof what, "unknown key '%s'; allowed: module, config", k);
            return bad_json_normalizer(cfg, &hit, what, err);
        }
    }
    return CDLT_OK;
}

cdlt_status pipe_config_schema_naming(cdlt_config *cfg, const char *section, const char **out,
                                      cdlt_error *err)
{
    *out = NULL;
    cfg_hit hit;
    cdlt_status rc = cfg_get(cfg, section, "schema.naming", CFG_Q_OPTIONAL, &hit, err);
    if (rc == CDLT_NOT_FOUND)
        return CDLT_OK;
    if (rc != CDLT_OK)
        return rc;
    naming probe;
    if (hit.value->type != JV_STRING || !hit.value->u.s[0] ||
        naming_init(&probe, hit.value->u.s, 0) != CDLT_OK) {
        const char *origin = cfg_hit_origin(cfg, &hit);
        err_set(err, CDLT_CONFIG,
                "setting '%s' (from %s)%s%s%s is not a naming convention; use one of "
                "snake_case, sql_cs_v1, sql_ci_v1, direct, duck_case (dlt's)",
                hit.name, origin ? origin : cfg_prov_name(hit.prov),
                hit.value->type == JV_STRING ? " = '" : "",
                hit.value->type == JV_STRING ? hit.value->u.s : "",
                hit.value->type == JV_STRING ? "'" : "");
        return CDLT_CONFIG;
    }
    *out = hit.value->u.s;
    return CDLT_OK;
}
