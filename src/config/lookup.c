/* lookup.c: dlt's lookup of one field: pipeline-scoped then unscoped; for each provider (env,
 * secrets.toml, config.toml) the section paths from most specific to the root; with a trace of
 * every (provider, key) tried so a missing value can be explained without reading our code. */
#include "lookup.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- queries ---- */

static cdlt_status split(const char *text, char *store, size_t *used, size_t cap, const char **parts,
                         size_t *n, const char *what, cdlt_error *err)
{
    *n = 0;
    if (!text || !*text)
        return CDLT_OK;
    size_t len = strlen(text);
    if (len >= CFG_MAX_PATH || *used + len + 1 > cap)
        return err_set(err, CDLT_INVALID_ARG, "config %s '%.64s...' is longer than %d bytes", what,
                       text, CFG_MAX_PATH);
    char *dst = store + *used;
    memcpy(dst, text, len + 1);
    *used += len + 1;
    char *p = dst;
    for (;;) {
        char *dot = strchr(p, '.');
        if (dot)
            *dot = '\0';
        if (!*p)
            return err_set(err, CDLT_INVALID_ARG, "config %s '%s' has an empty part; write it as "
                           "dotted names like 'sources.github'", what, text);
        if (*n >= CFG_MAX_PARTS)
            return err_set(err, CDLT_INVALID_ARG, "config %s '%s' has more than %d parts", what,
                           text, CFG_MAX_PARTS);
        parts[(*n)++] = p;
        if (!dot)
            break;
        p = dot + 1;
    }
    return CDLT_OK;
}

cdlt_status cfg_query_init(cfg_query *q, const char *section, const char *key, unsigned flags,
                           cdlt_error *err)
{
    memset(q, 0, offsetof(cfg_query, store));
    q->flags = flags;
    if (!key || !*key)
        return err_set(err, CDLT_INVALID_ARG, "config lookup needs a key name");
    size_t used = 0;
    cdlt_status st = split(section, q->store, &used, sizeof q->store, q->sections, &q->nsections,
                           "section", err);
    if (st != CDLT_OK)
        return st;
    const char *kp[CFG_MAX_PARTS];
    size_t kn = 0;
    st = split(key, q->store, &used, sizeof q->store, kp, &kn, "key", err);
    if (st != CDLT_OK)
        return st;
    for (size_t i = 0; i + 1 < kn; i++)
        q->spec[q->nspec++] = kp[i];
    q->key = kp[kn - 1];
    if (q->nsections + q->nspec + 2 > CFG_MAX_PARTS)
        return err_set(err, CDLT_INVALID_ARG, "config path %s.%s is too deep", section, key);
    return CDLT_OK;
}

/* Section paths from most specific to the root. dlt drops the last section one at a time; for
 * sources (sources, S, N) with S != N it also tries (sources, N) after (sources, S). */
size_t cfg_variants(const cfg_query *q, cfg_variant *out)
{
    size_t nv = 0;
    for (size_t len = q->nsections + 1; len-- > 0;) {
        cfg_variant *v = &out[nv++];
        v->n = len;
        for (size_t i = 0; i < len; i++)
            v->parts[i] = q->sections[i];
        if (q->flags & CFG_Q_EXACT)
            break;
        if (len == 2 && q->nsections == 3 && strcmp(q->sections[0], "sources") == 0 &&
            strcmp(q->sections[1], q->sections[2]) != 0) {
            cfg_variant *alt = &out[nv++];
            alt->n = 2;
            alt->parts[0] = q->sections[0];
            alt->parts[1] = q->sections[2];
        }
    }
    return nv;
}

size_t cfg_build_path(const cfg_query *q, const char *prefix, const cfg_variant *v, const char **out)
{
    size_t n = 0;
    if (prefix)
        out[n++] = prefix;
    for (size_t i = 0; i < v->n; i++)
        out[n++] = v->parts[i];
    for (size_t i = 0; i < q->nspec; i++)
        out[n++] = q->spec[i];
    out[n++] = q->key;
    return n;
}

/* ---- names in each provider's syntax ---- */

void cfg_env_name(const char *const *parts, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (i && o + 3 < cap) {
            out[o++] = '_';
            out[o++] = '_';
        }
        for (const char *p = parts[i]; *p && o + 1 < cap; p++)
            out[o++] = (char)toupper((unsigned char)*p);
    }
    out[o] = '\0';
}

static bool bare_key(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return false;
    return true;
}

void cfg_toml_name(const char *const *parts, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        int w = snprintf(out + o, cap - o, bare_key(parts[i]) ? "%s%s" : "%s\"%s\"", i ? "." : "",
                         parts[i]);
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
}

const jv *cfg_toml_get(const jv *root, const char *const *parts, size_t n)
{
    const jv *cur = root;
    for (size_t i = 0; cur && i < n; i++)
        cur = jv_getn(cur, parts[i], strlen(parts[i]));
    return cur;
}

const char *cfg_toml_file(const cdlt_config *cfg, cfg_prov p, const char *const *parts, size_t n)
{
    for (size_t i = 0; i < cfg->nfiles; i++)
        if (cfg->files[i].prov == p && cfg->files[i].loaded &&
            cfg_toml_get(&cfg->files[i].tree, parts, n))
            return cfg->files[i].path;
    return NULL;
}

bool cfg_prov_empty(const cdlt_config *cfg, cfg_prov p)
{
    return p != CFG_ENV && cfg->merged[p].len == 0;
}

/* ---- the environment provider ---- */

/* dlt's secret files: /run/secrets/<env name lowercased, '_' -> '-'>, or a file of the same
 * name inside such a folder (Kubernetes layout). */
static cdlt_status secret_file(cdlt_config *cfg, const char *env, char **out_text,
                               const char **out_path, cdlt_error *err)
{
    *out_text = NULL;
    char name[4096], path[8300];
    size_t i = 0;
    for (; env[i] && i + 1 < sizeof name; i++)
        name[i] = env[i] == '_' ? '-' : (char)tolower((unsigned char)env[i]);
    name[i] = '\0';
    snprintf(path, sizeof path, "%s/%s", cfg->secrets_dir, name);
    struct stat st;
    if (stat(path, &st) != 0)
        return CDLT_NOT_FOUND;
    if (S_ISDIR(st.st_mode)) {
        size_t l = strlen(path);
        snprintf(path + l, sizeof path - l, "/%s", name);
    }
    size_t len = 0;
    cdlt_status s = cfg_read_file(path, out_text, &len, err);
    if (s != CDLT_OK)
        return s;
    /* A file written by `echo` ends in a newline that is not part of the secret. */
    while (len > 0 && ((*out_text)[len - 1] == '\n' || (*out_text)[len - 1] == '\r'))
        (*out_text)[--len] = '\0';
    *out_path = arena_strndup(&cfg->mem, path, strlen(path));
    if (!*out_path) {
        mem_free(*out_text);
        *out_text = NULL;
        return err_nomem(err);
    }
    return CDLT_OK;
}

static bool looks_json(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return *s == '{' || *s == '[';
}

/* Turn an env string into the hit's value (parsing JSON objects/arrays when asked). */
static cdlt_status env_value(cdlt_config *cfg, const cfg_query *q, const char *text,
                             const char *name, cfg_hit *hit, cdlt_error *err)
{
    jv *v = arena_alloc(&cfg->mem, sizeof *v);
    if (!v)
        return err_nomem(err);
    if ((q->flags & CFG_Q_SECRET) && cdlt_secret_register(text) != CDLT_OK)
        return err_nomem(err);
    if ((q->flags & CFG_Q_JSON) && looks_json(text)) {
        json_opts jo = {.max_depth = 64, .file = name};
        cdlt_status st = json_parse(text, strlen(text), &cfg->mem, &jo, v, err);
        if (st == CDLT_NOMEM)
            return st;
        if (st != CDLT_OK) {
            err_prefix(err, "environment variable %s holds malformed JSON: ", name);
            return err_hint(err, "give dict/list values as JSON, e.g. '{\"key\": \"value\"}'");
        }
    } else {
        *v = jv_str(&cfg->mem, text, strlen(text));
        if (jv_failed(v))
            return err_nomem(err);
    }
    hit->value = v;
    return CDLT_OK;
}

/* ---- resolution ---- */

static cdlt_status trace_add(buf *trace, cfg_prov p, const char *name)
{
    buf_putc(trace, (char)('0' + p));
    buf_puts(trace, name);
    return buf_putc(trace, '\n');
}

/* Look at one candidate path in one provider. CDLT_OK = found, CDLT_NOT_FOUND = not there. */
static cdlt_status probe(cdlt_config *cfg, const cfg_query *q, cfg_prov p, const char **parts,
                         size_t n, buf *trace, cfg_hit *hit, cdlt_error *err)
{
    char name[4096];
    if (p == CFG_ENV) {
        cfg_env_name(parts, n, name, sizeof name);
        if (trace_add(trace, p, name) != CDLT_OK)
            return err_nomem(err);
        LOG_TRACE("config: trying %s %s", cfg_prov_name(p), name);
        const char *file = NULL;
        if ((q->flags & CFG_Q_SECRET) && cfg->secrets_dir) {
            char *text = NULL;
            cdlt_status st = secret_file(cfg, name, &text, &file, err);
            if (st == CDLT_OK) {
                hit->prov = p;
                hit->file = file;
                hit->name = arena_strndup(&cfg->mem, name, strlen(name));
                st = hit->name ? env_value(cfg, q, text, name, hit, err) : err_nomem(err);
                mem_free(text);
                return st;
            }
            if (st != CDLT_NOT_FOUND)
                return st;
        }
        const char *val = getenv(name);
        if (!val)
            return CDLT_NOT_FOUND;
        hit->prov = p;
        hit->file = NULL;
        hit->name = arena_strndup(&cfg->mem, name, strlen(name));
        if (!hit->name)
            return err_nomem(err);
        return env_value(cfg, q, val, name, hit, err);
    }
    cfg_toml_name(parts, n, name, sizeof name);
    if (trace_add(trace, p, name) != CDLT_OK)
        return err_nomem(err);
    LOG_TRACE("config: trying %s %s", cfg_prov_name(p), name);
    const jv *v = cfg_toml_get(&cfg->merged[p], parts, n);
    if (!v)
        return CDLT_NOT_FOUND;
    hit->prov = p;
    hit->value = v;
    hit->file = cfg_toml_file(cfg, p, parts, n);
    hit->name = arena_strndup(&cfg->mem, name, strlen(name));
    if (!hit->name)
        return err_nomem(err);
    if ((q->flags & CFG_Q_SECRET) && v->type == JV_STRING && cdlt_secret_register(v->u.s) != CDLT_OK)
        return err_nomem(err);
    return CDLT_OK;
}

/* dlt: config.toml cannot hold secrets. A scalar at any path this secret lookup would use is
 * an error naming the key, the file and where to move it. */
static cdlt_status check_secret_in_config(cdlt_config *cfg, const cfg_query *q,
                                          const cfg_variant *vs, size_t nv, cdlt_error *err)
{
    if (cfg_prov_empty(cfg, CFG_CONFIG))
        return CDLT_OK;
    const char *prefixes[2] = {cfg->pipeline_name, NULL};
    size_t first = (cfg->pipeline_name && !(q->flags & CFG_Q_NO_SCOPE)) ? 0 : 1;
    for (size_t pi = first; pi < 2; pi++)
        for (size_t v = 0; v < nv; v++) {
            const char *parts[2 * CFG_MAX_PARTS + 2];
            size_t n = cfg_build_path(q, prefixes[pi], &vs[v], parts);
            const jv *val = cfg_toml_get(&cfg->merged[CFG_CONFIG], parts, n);
            if (!val || val->type == JV_OBJECT)
                continue;
            if (val->type == JV_STRING && cdlt_secret_register(val->u.s) != CDLT_OK)
                return err_nomem(err);
            char dotted[4096], env[4096];
            cfg_toml_name(parts, n, dotted, sizeof dotted);
            cfg_env_name(parts, n, env, sizeof env);
            const char *file = cfg_toml_file(cfg, CFG_CONFIG, parts, n);
            char secrets_path[4200];
            snprintf(secrets_path, sizeof secrets_path, "%.4000s/secrets.toml",
                     cfg->settings_dir ? cfg->settings_dir : ".dlt");
            err_set(err, CDLT_SECRET_IN_CONFIG,
                    "Provider `config.toml` cannot hold secret values but key `%s` with a secret "
                    "value is present in %s; move it to %s (same key) or set the environment "
                    "variable %s",
                    dotted, file ? file : "config.toml", secrets_path, env);
            err_at_file(err, file, 0, 0, -1);
            cfg_keep_message(cfg, err->message);
            return CDLT_SECRET_IN_CONFIG;
        }
    return CDLT_OK;
}

static void field_label(const cfg_query *q, char *out, size_t cap)
{
    const char *parts[2 * CFG_MAX_PARTS + 2];
    size_t n = 0;
    for (size_t i = 0; i < q->nspec; i++)
        parts[n++] = q->spec[i];
    parts[n++] = q->key;
    cfg_toml_name(parts, n, out, cap);
}

static void section_label(const cfg_query *q, char *out, size_t cap)
{
    if (q->nsections == 0)
        snprintf(out, cap, "(root)");
    else
        cfg_toml_name(q->sections, q->nsections, out, cap);
}

/* Write one value for a debug line: the mask for secrets, a short text for scalars. */
static void describe_value(const cfg_query *q, const jv *v, char *out, size_t cap)
{
    if (v->type == JV_OBJECT || v->type == JV_ARRAY) {
        snprintf(out, cap, "<%s>", jv_type_name((jv_type)v->type));
    } else if (q->flags & CFG_Q_SECRET || cfg_name_is_secret(q->key)) {
        if (v->type == JV_STRING)
            cdlt_secret_mask_value(v->u.s, out, cap);
        else
            snprintf(out, cap, "*****");
    } else if (v->type == JV_STRING) {
        snprintf(out, cap, "\"%.120s\"", v->u.s);
    } else {
        snprintf(out, cap, "<%s>", jv_type_name((jv_type)v->type));
    }
}

cdlt_status cfg_resolve_traced(cdlt_config *cfg, const cfg_query *q, cfg_hit *out, buf *trace,
                               cdlt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cfg)
        return err_set(err, CDLT_INVALID_ARG, "config handle is NULL; call cdlt_config_open first");
    cfg_variant vs[CFG_MAX_PARTS + 2];
    size_t nv = cfg_variants(q, vs);
    const char *prefixes[2] = {cfg->pipeline_name, NULL};
    size_t first = (cfg->pipeline_name && !(q->flags & CFG_Q_NO_SCOPE)) ? 0 : 1;
    cdlt_status st = CDLT_NOT_FOUND;
    size_t tries = 0;
    for (size_t pi = first; pi < 2 && st == CDLT_NOT_FOUND; pi++)
        for (cfg_prov p = CFG_ENV; p < CFG_NPROV && st == CDLT_NOT_FOUND; p++) {
            if ((p == CFG_CONFIG && (q->flags & CFG_Q_SECRET)) || cfg_prov_empty(cfg, p))
                continue;
            for (size_t v = 0; v < nv && st == CDLT_NOT_FOUND; v++) {
                const char *parts[2 * CFG_MAX_PARTS + 2];
                size_t n = cfg_build_path(q, prefixes[pi], &vs[v], parts);
                tries++;
                st = probe(cfg, q, p, parts, n, trace, out, err);
            }
        }
    if (st != CDLT_OK && st != CDLT_NOT_FOUND)
        return st;
    if (trace->status != CDLT_OK)
        return err_nomem(err);
    if (q->flags & CFG_Q_SECRET) {
        cdlt_status cs = check_secret_in_config(cfg, q, vs, nv, err);
        if (cs != CDLT_OK)
            return cs;
    }
    if (st == CDLT_OK && out->value->type == JV_STRING && log_enabled(CDLT_LOG_WARN)) {
        /* dlt warns when a value is still the placeholder `dlt init` wrote; it is used anyway. */
        static const char *placeholders[] = {"<configure me>", "Please set me up!"};
        for (size_t i = 0; i < CDLT_ARRAY_LEN(placeholders); i++)
            if (strcmp(out->value->u.s, placeholders[i]) == 0) {
                char field[1024];
                field_label(q, field, sizeof field);
                LOG_WARN("config: `%s` from %s %s%s%s still holds the placeholder \"%s\" written by "
                         "`dlt init`; replace it with the real value", field,
                         cfg_prov_name(out->prov), out->name, out->file ? " in " : "",
                         out->file ? out->file : "", placeholders[i]);
            }
    }
    if (log_enabled(CDLT_LOG_DEBUG)) {
        char field[1024], section[1024];
        field_label(q, field, sizeof field);
        section_label(q, section, sizeof section);
        if (st == CDLT_OK) {
            char shown[160];
            describe_value(q, out->value, shown, sizeof shown);
            LOG_DEBUG("config: `%s` in `%s` resolved from %s %s%s%s after %zu lookup(s): %s", field,
                      section, cfg_prov_name(out->prov), out->name, out->file ? " in " : "",
                      out->file ? out->file : "", tries, shown);
        } else {
            LOG_DEBUG("config: `%s` in `%s` not found after %zu lookup(s)", field, section, tries);
        }
    }
    return st;
}

cdlt_status cfg_resolve(cdlt_config *cfg, const cfg_query *q, cfg_hit *out, cdlt_error *err)
{
    buf trace = BUF_INIT;
    cdlt_status st = cfg_resolve_traced(cfg, q, out, &trace, err);
    if (st == CDLT_NOT_FOUND && !(q->flags & CFG_Q_OPTIONAL)) {
        char field[1024], section[1024];
        field_label(q, field, sizeof field);
        section_label(q, section, sizeof section);
        cfg_missing_field f = {.field = field, .trace = buf_cstr(&trace), .also_tried = false};
        st = cfg_missing_error(cfg, section, &f, 1, NULL, err);
    }
    buf_free(&trace);
    return st;
}

cdlt_status cfg_get(cdlt_config *cfg, const char *section, const char *key, unsigned flags,
                    cfg_hit *out, cdlt_error *err)
{
    memset(out, 0, sizeof *out);
    cfg_query *q = mem_alloc(sizeof *q);
    if (!q)
        return err_nomem(err);
    cdlt_status st = cfg_query_init(q, section, key, flags, err);
    if (st == CDLT_OK)
        st = cfg_resolve(cfg, q, out, err);
    mem_free(q);
    return st;
}

const char *cfg_hit_origin(cdlt_config *cfg, const cfg_hit *hit)
{
    buf b = BUF_INIT;
    if (hit->prov == CFG_ENV && hit->file)
        buf_printf(&b, "secret file %s (for %s)", hit->file, hit->name);
    else if (hit->prov == CFG_ENV)
        buf_printf(&b, "env %s", hit->name);
    else
        buf_printf(&b, "%s: %s", hit->file ? hit->file : cfg_prov_name(hit->prov), hit->name);
    const char *r = b.status == CDLT_OK ? arena_strndup(&cfg->mem, buf_cstr(&b), b.len) : NULL;
    buf_free(&b);
    return r;
}

/* ---- the missing-value message ---- */

static void files_report(const cdlt_config *cfg, buf *b)
{
    for (cfg_prov p = CFG_SECRETS; p < CFG_NPROV; p++) {
        bool any_loaded = false, any_missing = false;
        for (size_t i = 0; i < cfg->nfiles; i++) {
            if (cfg->files[i].prov != p)
                continue;
            any_loaded |= cfg->files[i].loaded;
            any_missing |= !cfg->files[i].loaded;
        }
        if (any_loaded) {
            buf_printf(b, "Provider `%s` loaded values from locations:\n", cfg_prov_name(p));
            for (size_t i = 0; i < cfg->nfiles; i++)
                if (cfg->files[i].prov == p && cfg->files[i].loaded)
                    buf_printf(b, "\t- %s\n", cfg->files[i].path);
        }
        if (any_missing) {
            buf_printf(b, "Provider `%s` probed but not found the following locations:\n",
                       cfg_prov_name(p));
            for (size_t i = 0; i < cfg->nfiles; i++)
                if (cfg->files[i].prov == p && !cfg->files[i].loaded)
                    buf_printf(b, "\t- %s\n", cfg->files[i].path);
        }
        if (cfg_prov_empty(cfg, p))
            buf_printf(b, "WARNING: provider `%s` is empty. Locations (i.e., files) are missing or "
                          "empty.\n", cfg_prov_name(p));
    }
    if (!cfg->settings_exists)
        buf_printf(b, "Hint: the settings folder %s does not exist. cdlt reads .dlt from the "
                      "current folder (or from DLT_PROJECT_DIR): run it from the folder that holds "
                      "your .dlt folder or set DLT_PROJECT_DIR.\n", cfg->settings_dir);
    buf_printf(b, "Set one of the keys above (environment variable or TOML key) and run again. "
                  "Learn more: https://dlthub.com/docs/general-usage/credentials/");
}

/* dlt's layout: one line per (provider, key). */
static void full_block(const cfg_missing_field *f, buf *b)
{
    buf_printf(b, "for field `%s` the following (config provider, key) were tried in order:\n",
               f->field);
    for (const char *p = f->trace; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        buf_printf(b, "  (%s, %.*s)\n", cfg_prov_name((cfg_prov)(p[0] - '0')), (int)(n - 1), p + 1);
        p += n + (nl ? 1 : 0);
    }
}

/* Compact layout for when the full one does not fit an error: keys grouped per provider run. */
static void compact_block(const cfg_missing_field *f, buf *b)
{
    buf_printf(b, "for field `%s` tried in order:", f->field);
    char last = 0;
    for (const char *p = f->trace; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (p[0] != last)
            buf_printf(b, "%s %s: ", last ? ";" : "", cfg_prov_name((cfg_prov)(p[0] - '0')));
        else
            buf_puts(b, ", ");
        last = p[0];
        buf_printf(b, "%.*s", (int)(n - 1), p + 1);
        p += n + (nl ? 1 : 0);
    }
    buf_putc(b, '\n');
}

/* Header ("Missing N field(s) ..."), per-field blocks, and the tail (resolved note + files). */
static void build_head(const char *section, const cfg_missing_field *fs, size_t nf, buf *b)
{
    size_t count = 0;
    for (size_t i = 0; i < nf; i++)
        count += !fs[i].also_tried;
    buf_printf(b, "Missing %zu field(s) in configuration `%s`: ", count, section);
    for (size_t i = 0, k = 0; i < nf; i++)
        if (!fs[i].also_tried)
            buf_printf(b, "%s`%s`", k++ ? ", " : "", fs[i].field);
    buf_putc(b, '\n');
}

static void build_tail(const cdlt_config *cfg, const char *section, const char *resolved, buf *b)
{
    if (resolved && *resolved)
        buf_printf(b, "NOTE: following fields in `%s` got resolved: %s\n", section, resolved);
    files_report(cfg, b);
}

cdlt_status cfg_missing_error(cdlt_config *cfg, const char *section, const cfg_missing_field *fs,
                              size_t nf, const char *resolved, cdlt_error *err)
{
    buf head = BUF_INIT, blocks = BUF_INIT, tail = BUF_INIT, full = BUF_INIT;
    build_head(section, fs, nf, &head);
    build_tail(cfg, section, resolved, &tail);
    for (size_t i = 0; i < nf; i++)
        full_block(&fs[i], &blocks);
    buf_printf(&full, "%s%s%s", buf_cstr(&head), buf_cstr(&blocks), buf_cstr(&tail));
    cdlt_status st = CDLT_CONFIG_MISSING;
    if (head.status != CDLT_OK || blocks.status != CDLT_OK || tail.status != CDLT_OK ||
        full.status != CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    cfg_keep_message(cfg, buf_cstr(&full));
    if (full.len < CDLT_ERRMSG_MAX) {
        err_set(err, CDLT_CONFIG_MISSING, "%s", buf_cstr(&full));
        goto out;
    }
    /* Too long for cdlt_error: group keys per provider, and if that is still too long cut the
     * key list (never the file report, which says where to put the value). */
    buf_clear(&blocks);
    for (size_t i = 0; i < nf; i++)
        compact_block(&fs[i], &blocks);
    if (blocks.status != CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    size_t room = CDLT_ERRMSG_MAX - 1;
    size_t fixed = head.len + tail.len + 80;
    size_t keep = blocks.len;
    if (head.len + blocks.len + tail.len > room)
        keep = fixed < room ? room - fixed : 0;
    err_set(err, CDLT_CONFIG_MISSING, "%s%.*s%s%s", buf_cstr(&head), (int)keep, buf_cstr(&blocks),
            keep < blocks.len ? " ... (list cut; the full list is in cdlt_config_last_message)\n" : "",
            buf_cstr(&tail));
out:
    buf_free(&head);
    buf_free(&blocks);
    buf_free(&tail);
    buf_free(&full);
    return st;
}
