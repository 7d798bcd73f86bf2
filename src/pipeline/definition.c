/* definition.c: pipeline definition files (TOML, YAML or JSON, parsed by src/config): the
 * pipeline options and one file resource per `resources` entry with its hints. The format is
 * documented in docs/pipeline.md. */
#include "pipeline.h"

#include "config/config.h"
#include "incremental/incremental.h"
#include "sources/sources.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cdlt_definition {
    arena mem;               /* parsed tree and strings */
    jv tree;                 /* the document (JV_OBJECT) */
    char *path;              /* definition file (for error messages) */
    char *dir;               /* its folder: relative resource paths start here */
    const char *name;        /* pipeline_name */
    const char *destination; /* destination type */
    const char *credentials; /* destination credentials (secret for non-duckdb) */
    const char *dataset;     /* dataset_name */
    const char *pipelines_dir; /* pipelines_dir */
    const char *schema_paths[2]; /* import_schema_path, export_schema_path (resolved) */
    const char *dest_options;  /* the destination table as JSON text (settings), or NULL */
    bool dev_mode;           /* dev_mode */
    int progress;            /* -1 unset, else cdlt_progress_mode */
};

static const char *str_of(const jv *v)
{
    return v && v->type == JV_STRING ? v->u.s : NULL;
}

/* A path written in the definition file as the user means it: '~' (or '~user') is that home
 * folder, other relative paths start at the definition's folder. Without the '~' step,
 * "~/data/x.jsonl" became "<folder>/~/data/x.jsonl" and matched nothing. */
static cdlt_status def_path(const cdlt_definition *d, const char *path, buf *out)
{
    char *home = src_expand_home(path);
    if (!home)
        return CDLT_NOMEM;
    bool expanded = strcmp(home, path) != 0;
    if (expanded || path[0] == '/' || strcmp(d->dir, ".") == 0)
        buf_puts(out, expanded ? home : path);
    else
        buf_printf(out, "%s/%s", d->dir, path);
    mem_free(home);
    return out->status;
}

static cdlt_status bad(cdlt_definition *d, cdlt_error *err, const char *fmt, const char *a,
                       const char *b)
{
    err_set(err, CDLT_CONFIG, fmt, a, b);
    err_prefix(err, "%s: ", d->path);
    return err_hint(err, "see docs/pipeline.md for the definition format");
}

/* ---- strictness: unknown keys and wrong value types are errors (issue 10 #4) ---- */

/* Keys a definition may hold, per place; anything else is a typo we report, never ignore. */
static const char *const TOP_KEYS[] = {"pipeline_name", "destination", "credentials",
                                       "dataset_name", "pipelines_dir", "dev_mode", "progress",
                                       "source_name", "import_schema_path",
                                       "export_schema_path", "resource_defaults", "resources",
                                       "rest_api", "source", "loader_file_format", NULL};
static const char *const HINT_KEYS[] = {"table_name", "write_disposition", "primary_key",
                                        "merge_key", "max_table_nesting", "schema_contract",
                                        "columns", "selected", "limit", "incremental", NULL};
static const char *const RES_KEYS[] = {"name", "path", "glob", "file", "table_name",
                                       "write_disposition", "primary_key", "merge_key",
                                       "max_table_nesting", "schema_contract", "columns",
                                       "selected", "limit", "incremental", NULL};
static const char *const COL_KEYS[] = {"name",        "data_type", "nullable", "hard_delete",
                                       "dedup_sort",  "merge_key", "primary_key", "unique",
                                       "precision",   "scale",     "timezone",    NULL};
static const char *const COL_BOOL_HINTS[] = {"nullable", "hard_delete", "merge_key",
                                             "primary_key", "unique", "timezone", NULL};
static const char *const WD_KEYS[] = {"disposition",           "strategy",
                                      "validity_column_names", "active_record_timestamp",
                                      "boundary_timestamp",    "row_version_column_name",
                                      "deduplicated",          NULL};

/* The jv tree keeps no positions: find the line of the first place the key is written as a
 * key (at a line start, after '{' ',' or '- ', optionally quoted, then '=' or ':'). */
static int key_line(const char *path, const char *key)
{
    char *text = NULL;
    size_t len = 0;
    if (cfg_read_file(path, &text, &len, NULL) != CDLT_OK)
        return 0;
    size_t kl = strlen(key);
    int line = 1, found = 0;
    for (size_t i = 0; i < len && !found; i++) {
        if (text[i] == '\n') {
            line++;
            continue;
        }
        if (i + kl > len || memcmp(text + i, key, kl) != 0)
            continue;
        size_t p = i;
        if (p > 0 && (text[p - 1] == '"' || text[p - 1] == '\''))
            p--;
        while (p > 0 && (text[p - 1] == ' ' || text[p - 1] == '\t'))
            p--;
        bool starts = p == 0 || text[p - 1] == '\n' || text[p - 1] == '{' ||
                      text[p - 1] == ',' || text[p - 1] == '-' || text[p - 1] == '\r' ||
                      (p >= 3 && (unsigned char)text[p - 1] == 0xBF && p == 3);
        size_t q = i + kl;
        if (q < len && (text[q] == '"' || text[q] == '\''))
            q++;
        while (q < len && (text[q] == ' ' || text[q] == '\t'))
            q++;
        if (starts && q < len && (text[q] == '=' || text[q] == ':'))
            found = line;
    }
    mem_free(text);
    return found;
}

/* "<file>:<line>: " for a key, or "<file>: " when the line cannot be found. */
static void where_prefix(const cdlt_definition *d, const char *key, char *out, size_t cap)
{
    int line = key ? key_line(d->path, key) : 0;
    if (line > 0)
        snprintf(out, cap, "%s:%d", d->path, line);
    else
        snprintf(out, cap, "%s", d->path);
}

static cdlt_status unknown_key(const cdlt_definition *d, const char *place, const char *key,
                               const char *const *allowed, cdlt_error *err)
{
    const char *best = NULL;
    size_t bd = SIZE_MAX, lim = strlen(key) / 3 + 1;
    for (size_t i = 0; allowed[i]; i++) {
        size_t e = str_edit_distance(key, allowed[i]);
        if (e < bd) {
            bd = e;
            best = allowed[i];
        }
    }
    buf list = BUF_INIT;
    for (size_t i = 0; allowed[i]; i++)
        buf_printf(&list, "%s%s", i ? ", " : "", allowed[i]);
    char at[512];
    where_prefix(d, key, at, sizeof at);
    if (best && bd <= (lim < 3 ? lim : 3))
        err_set(err, CDLT_CONFIG, "%s: unknown key '%s' in %s; did you mean '%s'?", at, key,
                place, best);
    else
        err_set(err, CDLT_CONFIG, "%s: unknown key '%s' in %s", at, key, place);
    err_hint(err, "keys allowed in %s: %s (see docs/pipeline.md)", place,
             list.data ? list.data : "");
    buf_free(&list);
    return CDLT_CONFIG;
}

static cdlt_status wrong_type(const cdlt_definition *d, const char *place, const char *key,
                              const char *want, cdlt_error *err)
{
    char at[512];
    where_prefix(d, key, at, sizeof at);
    err_set(err, CDLT_CONFIG, "%s: '%s' in %s must be %s", at, key, place, want);
    return err_hint(err, "see docs/pipeline.md for the definition format");
}

static bool in_list(const char *k, const char *const *l)
{
    for (size_t i = 0; l[i]; i++)
        if (strcmp(k, l[i]) == 0)
            return true;
    return false;
}

static cdlt_status check_keys(const cdlt_definition *d, const jv *o, const char *place,
                              const char *const *allowed, cdlt_error *err)
{
    for (uint32_t i = 0; i < o->len; i++)
        if (!in_list(o->u.members[i].key, allowed))
            return unknown_key(d, place, o->u.members[i].key, allowed, err);
    return CDLT_OK;
}

/* dlt's incremental arguments: their names, and the values of those that take one of a few
 * words (the cursor checks the rest when the resource is built). */
static cdlt_status check_incremental(const cdlt_definition *d, const jv *o, cdlt_error *err)
{
    static const char *const P = "incremental";
    static const struct {
        const char *key, *want, *a, *b, *c;
    } WORDS[] = {{"last_value_func", "\"max\" or \"min\"", "max", "min", NULL},
                 {"on_cursor_value_missing", "\"raise\", \"include\" or \"exclude\"", "raise",
                  "include", "exclude"},
                 {"range_start", "\"closed\" or \"open\"", "closed", "open", NULL},
                 {"range_end", "\"open\" or \"closed\"", "open", "closed", NULL},
                 {"row_order", "\"asc\" or \"desc\"", "asc", "desc", NULL}};
    cdlt_status rc = check_keys(d, o, P, incr_keys, err);
    if (rc != CDLT_OK)
        return rc;
    const jv *v = jv_get(o, "cursor_path");
    if (!v || v->type != JV_STRING)
        return wrong_type(d, P, "cursor_path", "a string (the path of the cursor in each item)",
                          err);
    for (size_t i = 0; i < sizeof WORDS / sizeof *WORDS; i++) {
        v = jv_get(o, WORDS[i].key);
        if (v && (v->type != JV_STRING ||
                  (strcmp(v->u.s, WORDS[i].a) && strcmp(v->u.s, WORDS[i].b) &&
                   (!WORDS[i].c || strcmp(v->u.s, WORDS[i].c)))))
            return wrong_type(d, P, WORDS[i].key, WORDS[i].want, err);
    }
    if ((v = jv_get(o, "lag")) && !jv_is_num(v))
        return wrong_type(d, P, "lag", "a number (seconds for timestamps, days for dates)", err);
    if ((v = jv_get(o, "primary_key")) && v->type != JV_STRING) {
        bool ok = v->type == JV_ARRAY;
        for (uint32_t i = 0; ok && i < v->len; i++)
            ok = v->u.items[i].type == JV_STRING;
        if (!ok)
            return wrong_type(d, P, "primary_key", "a column name or a list of names", err);
    }
    return CDLT_OK;
}

/* Types of the hint keys (shared by resource entries and resource_defaults). Values
 * themselves (dispositions, contracts) are checked when the resource is built. */
static cdlt_status check_hints(const cdlt_definition *d, const jv *o, const char *place,
                               cdlt_error *err)
{
    const jv *v;
    if ((v = jv_get(o, "selected")) && v->type != JV_BOOL)
        return wrong_type(d, place, "selected", "true or false (not a string)", err);
    if ((v = jv_get(o, "table_name")) && v->type != JV_STRING)
        return wrong_type(d, place, "table_name", "a string", err);
    if ((v = jv_get(o, "limit")) && v->type != JV_INT)
        return wrong_type(d, place, "limit", "an integer", err);
    if ((v = jv_get(o, "incremental")) && v->type != JV_OBJECT)
        return wrong_type(d, place, "incremental",
                          "a table of dlt's incremental arguments (cursor_path, initial_value, ...)",
                          err);
    if (v && v->type == JV_OBJECT) {
        cdlt_status rc = check_incremental(d, v, err);
        if (rc != CDLT_OK)
            return rc;
    }
    if ((v = jv_get(o, "max_table_nesting")) && v->type != JV_INT)
        return wrong_type(d, place, "max_table_nesting", "an integer >= 0", err);
    if ((v = jv_get(o, "write_disposition"))) {
        if (v->type == JV_OBJECT) {
            cdlt_status rc = check_keys(d, v, "write_disposition", WD_KEYS, err);
            if (rc != CDLT_OK)
                return rc;
            const jv *dv = jv_get(v, "deduplicated");
            if (dv && dv->type != JV_BOOL)
                return wrong_type(d, "write_disposition", "deduplicated", "true or false", err);
            const jv *sv = jv_get(v, "strategy");
            if (sv && (sv->type != JV_STRING ||
                       (strcmp(sv->u.s, "delete-insert") != 0 && strcmp(sv->u.s, "upsert") != 0 &&
                        strcmp(sv->u.s, "insert-only") != 0 && strcmp(sv->u.s, "scd2") != 0)))
                return wrong_type(d, "write_disposition", "strategy",
                                  "delete-insert, upsert, insert-only or scd2", err);
        } else if (v->type != JV_STRING) {
            return wrong_type(d, place, "write_disposition",
                              "append, replace or merge (or a table with disposition)", err);
        }
    }
    if ((v = jv_get(o, "columns"))) {
        for (uint32_t i = 0; i < v->len && (v->type == JV_OBJECT || v->type == JV_ARRAY); i++) {
            const jv *c = v->type == JV_OBJECT ? &v->u.members[i].value : &v->u.items[i];
            if (c->type != JV_OBJECT)
                continue;
            cdlt_status rc = check_keys(d, c, "a column", COL_KEYS, err);
            for (size_t k = 0; rc == CDLT_OK && COL_BOOL_HINTS[k]; k++) {
                const jv *h = jv_get(c, COL_BOOL_HINTS[k]);
                if (h && h->type != JV_BOOL)
                    rc = wrong_type(d, "a column", COL_BOOL_HINTS[k], "true or false", err);
            }
            const jv *ds = jv_get(c, "dedup_sort");
            if (rc == CDLT_OK && ds &&
                (ds->type != JV_STRING || (strcmp(ds->u.s, "asc") && strcmp(ds->u.s, "desc"))))
                rc = wrong_type(d, "a column", "dedup_sort", "asc or desc", err);
            /* the destination checks the range for the column's type when it creates it */
            static const char *const NUM[] = {"precision", "scale"};
            for (size_t k = 0; rc == CDLT_OK && k < 2; k++) {
                const jv *h = jv_get(c, NUM[k]);
                if (h && (h->type != JV_INT || h->u.i < 0 || h->u.i > 1000000))
                    rc = wrong_type(d, "a column", NUM[k], "an integer >= 0", err);
            }
            if (rc != CDLT_OK)
                return rc;
        }
    }
    return CDLT_OK;
}

/* The whole document, before anything is taken from it. */
static cdlt_status check_definition(const cdlt_definition *d, cdlt_error *err)
{
    const jv *t = &d->tree, *v;
    cdlt_status rc = check_keys(d, t, "the definition's top level", TOP_KEYS, err);
    if (rc != CDLT_OK)
        return rc;
    static const char *const STR_KEYS[] = {"pipeline_name", "credentials", "dataset_name",
                                           "pipelines_dir", "source_name", "import_schema_path",
                                           "export_schema_path", "loader_file_format", NULL};
    for (size_t i = 0; STR_KEYS[i]; i++)
        if ((v = jv_get(t, STR_KEYS[i])) && v->type != JV_STRING)
            return wrong_type(d, "the definition's top level", STR_KEYS[i], "a string", err);
    if ((v = jv_get(t, "dev_mode")) && v->type != JV_BOOL)
        return wrong_type(d, "the definition's top level", "dev_mode",
                          "true or false (not a string)", err);
    if ((v = jv_get(t, "progress")) &&
        (v->type != JV_STRING ||
         (strcmp(v->u.s, "tty") != 0 && strcmp(v->u.s, "log") != 0 && strcmp(v->u.s, "none") != 0)))
        return wrong_type(d, "the definition's top level", "progress", "tty, log or none", err);
    if ((v = jv_get(t, "destination")) && v->type != JV_STRING && v->type != JV_OBJECT)
        return wrong_type(d, "the definition's top level", "destination",
                          "a destination name or a table", err);
    if ((v = jv_get(t, "resource_defaults"))) {
        if (v->type != JV_OBJECT)
            return wrong_type(d, "the definition's top level", "resource_defaults", "a table",
                              err);
        rc = check_keys(d, v, "resource_defaults", HINT_KEYS, err);
        if (rc == CDLT_OK)
            rc = check_hints(d, v, "resource_defaults", err);
        if (rc != CDLT_OK)
            return rc;
    }
    const jv *res = jv_get(t, "resources");
    for (uint32_t i = 0; res && res->type == JV_ARRAY && i < res->len; i++) {
        const jv *e = &res->u.items[i];
        if (e->type != JV_OBJECT)
            continue; /* reported with its index when the resource is built */
        char place[64];
        snprintf(place, sizeof place, "resources[%u]", i);
        rc = check_keys(d, e, place, RES_KEYS, err);
        static const char *const RS[] = {"name", "path", "glob", "file", NULL};
        for (size_t k = 0; rc == CDLT_OK && RS[k]; k++)
            if ((v = jv_get(e, RS[k])) && v->type != JV_STRING)
                rc = wrong_type(d, place, RS[k], "a string", err);
        if (rc == CDLT_OK)
            rc = check_hints(d, e, place, err);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

void cdlt_definition_free(cdlt_definition *d)
{
    if (!d)
        return;
    arena_free(&d->mem);
    mem_free(d->path);
    mem_free(d->dir);
    mem_free(d);
}

cdlt_status cdlt_definition_load(const char *path, cdlt_definition **out, cdlt_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return err_set(err, CDLT_INVALID_ARG, "no definition file given");
    cdlt_definition *d = mem_calloc(1, sizeof *d);
    if (!d)
        return err_nomem(err);
    arena_init(&d->mem, 16384, 0);
    d->progress = -1;
    d->path = mem_strdup(path);
    const char *slash = strrchr(path, '/');
    d->dir = slash ? mem_strndup(path, (size_t)(slash - path)) : mem_strdup(".");
    if (!d->path || !d->dir) {
        cdlt_definition_free(d);
        return err_nomem(err);
    }
    cdlt_status rc = cfg_definition_load(path, CFG_FMT_AUTO, &d->mem, &d->tree, err);
    if (rc != CDLT_OK) {
        if (rc == CDLT_NOT_FOUND && err && !err->message[0])
            err_set(err, CDLT_NOT_FOUND, "definition file '%s' does not exist", path);
        cdlt_definition_free(d);
        return rc;
    }
    if (d->tree.type != JV_OBJECT) {
        rc = bad(d, err, "the definition must be a table/object%s%s", "", "");
        cdlt_definition_free(d);
        return rc;
    }
    const jv *t = &d->tree;
    if ((rc = check_definition(d, err)) != CDLT_OK) {
        cdlt_definition_free(d);
        return rc;
    }
    d->name = str_of(jv_get(t, "pipeline_name"));
    if (!d->name) {
        rc = bad(d, err, "missing 'pipeline_name' (a string)%s%s", "", "");
        cdlt_definition_free(d);
        return rc;
    }
    const jv *dest = jv_get(t, "destination");
    if (dest && dest->type == JV_OBJECT) {
        d->destination = str_of(jv_get(dest, "type"));
        if (!d->destination)
            d->destination = str_of(jv_get(dest, "name"));
        d->credentials = str_of(jv_get(dest, "credentials"));
        buf ob = BUF_INIT;
        if (json_write(&ob, dest, 0) == CDLT_OK)
            d->dest_options = arena_strndup(&d->mem, ob.data, ob.len);
        buf_free(&ob);
    } else {
        d->destination = str_of(dest);
    }
    if (!d->destination)
        d->destination = "duckdb";
    if (!d->credentials)
        d->credentials = str_of(jv_get(t, "credentials"));
    /* environment over files, as in dlt's provider order (DESTINATION__<NAME>__CREDENTIALS,
     * its pipeline-scoped and section-fallback forms; src/config). The .dlt files fill gaps
     * later, when the pipeline opens. */
    bool from_env = false;
    {
        cdlt_config *cfg = NULL;
        const char *c = NULL;
        rc = pipe_config_open(d->name, &cfg, err);
        if (rc == CDLT_OK)
            rc = pipe_config_credentials(cfg, d->destination, &c, &from_env, err);
        if (rc == CDLT_OK && from_env && !(d->credentials = arena_strndup(&d->mem, c, strlen(c))))
            rc = err_nomem(err);
        cdlt_config_free(cfg);
        if (rc != CDLT_OK) {
            cdlt_definition_free(d);
            return rc;
        }
    }
    if (d->credentials && strcmp(d->destination, "duckdb") != 0)
        cdlt_secret_register(d->credentials);
    /* a duckdb credential may carry a token (md:db?motherduck_token=...) */
    if (d->credentials && secret_register_credential(d->credentials) != CDLT_OK) {
        cdlt_definition_free(d);
        return err_nomem(err);
    }
    /* a relative duckdb file is relative to the definition's folder, like resource paths
     * ('~' is the home folder there too) */
    if (!from_env && d->credentials && strcmp(d->destination, "duckdb") == 0 &&
        !strstr(d->credentials, "://") && strcmp(d->credentials, ":memory:") != 0) {
        buf full = BUF_INIT;
        char *c = def_path(d, d->credentials, &full) == CDLT_OK
                      ? arena_strndup(&d->mem, full.data, full.len)
                      : NULL;
        buf_free(&full);
        if (!c) {
            cdlt_definition_free(d);
            return err_nomem(err);
        }
        d->credentials = c;
    }
    d->dataset = str_of(jv_get(t, "dataset_name"));
    d->pipelines_dir = str_of(jv_get(t, "pipelines_dir"));
    if (d->pipelines_dir && d->pipelines_dir[0] == '~') {
        /* "~/x" is the home folder's x, never a folder named "~" in the current one */
        char *h = src_expand_home(d->pipelines_dir);
        d->pipelines_dir = h ? arena_strndup(&d->mem, h, strlen(h)) : NULL;
        mem_free(h);
        if (!d->pipelines_dir) {
            cdlt_definition_free(d);
            return err_nomem(err);
        }
    }
    /* dlt's import/export_schema_path: relative to the definition's folder, like data */
    static const char *const SP_KEYS[2] = {"import_schema_path", "export_schema_path"};
    for (int k = 0; k < 2; k++) {
        const char *sp = str_of(jv_get(t, SP_KEYS[k]));
        if (!sp || !*sp)
            continue;
        buf full = BUF_INIT;
        d->schema_paths[k] = def_path(d, sp, &full) == CDLT_OK
                                 ? arena_strndup(&d->mem, full.data, full.len)
                                 : NULL;
        buf_free(&full);
        if (!d->schema_paths[k]) {
            cdlt_definition_free(d);
            return err_nomem(err);
        }
    }
    const jv *dm = jv_get(t, "dev_mode");
    d->dev_mode = dm && dm->type == JV_BOOL && dm->u.b;
    const char *pr = str_of(jv_get(t, "progress"));
    if (pr)
        d->progress = strcmp(pr, "tty") == 0 ? CDLT_PROGRESS_TTY
                      : strcmp(pr, "log") == 0 ? CDLT_PROGRESS_LOG
                                              : CDLT_PROGRESS_NONE;
    const jv *res = jv_get(t, "resources");
    const jv *rest = jv_get(t, "rest_api");
    if (rest && rest->type != JV_OBJECT) {
        rc = bad(d, err, "'rest_api' must be a table: the dict dlt's rest_api_source takes "
                         "(client, resource_defaults, resources)%s%s", "", "");
        cdlt_definition_free(d);
        return rc;
    }
    const jv *sq = jv_get(t, "source");
    const char *sqt = sq && sq->type == JV_OBJECT ? str_of(jv_get(sq, "type")) : NULL;
    if (sq && !pipe_source_kind_find(sqt, true)) {
        buf kinds = BUF_INIT;
        pipe_source_kinds_list(&kinds);
        rc = bad(d, err, "'source' must be a table with type = one of %s%s",
                 kinds.status ? "?" : kinds.data, "");
        buf_free(&kinds);
        cdlt_definition_free(d);
        return rc;
    }
    if (!rest && !sq && (!res || res->type != JV_ARRAY || res->len == 0)) {
        rc = bad(d, err, "missing 'resources' (a list of {name, path, ...}), 'rest_api' (dlt's "
                         "rest_api_source dict) or 'source' (sql_database, filesystem)%s%s", "", "");
        cdlt_definition_free(d);
        return rc;
    }
    *out = d;
    return CDLT_OK;
}

void cdlt_definition_options(const cdlt_definition *d, cdlt_pipeline_options *o)
{
    if (!d || !o)
        return;
    o->pipeline_name = d->name;
    o->destination = d->destination;
    o->credentials = d->credentials;
    o->dataset_name = d->dataset;
    o->pipelines_dir = d->pipelines_dir;
    o->dev_mode = d->dev_mode;
    o->destination_options = d->dest_options;
    o->import_schema_path = d->schema_paths[0];
    o->export_schema_path = d->schema_paths[1];
    /* dlt's run(loader_file_format=...); checked against the destination at open */
    o->loader_file_format = str_of(jv_get(&d->tree, "loader_file_format"));
    if (d->progress >= 0)
        o->progress = (cdlt_progress_mode)d->progress;
}

static cdlt_status set_key_hint(cdlt_resource *r, const jv *v, bool primary)
{
    const char *cols[64];
    size_t n = 0;
    if (v->type == JV_STRING)
        cols[n++] = v->u.s;
    else if (v->type == JV_ARRAY)
        for (uint32_t i = 0; i < v->len && n < 64; i++) {
            if (v->u.items[i].type != JV_STRING)
                return CDLT_INVALID_ARG;
            cols[n++] = v->u.items[i].u.s;
        }
    else
        return CDLT_INVALID_ARG;
    return primary ? cdlt_resource_set_primary_key(r, cols, n)
                   : cdlt_resource_set_merge_key(r, cols, n);
}

static cdlt_status add_col(cdlt_resource *r, const char *name, const jv *spec)
{
    const char *type = NULL;
    bool nullable = true;
    if (spec && spec->type == JV_OBJECT) {
        type = str_of(jv_get(spec, "data_type"));
        const jv *nl = jv_get(spec, "nullable");
        if (nl && nl->type == JV_BOOL)
            nullable = nl->u.b;
    } else if (spec && spec->type == JV_STRING) {
        type = spec->u.s; /* shorthand: columns = { id = "bigint" } */
    }
    cdlt_status rc = cdlt_resource_add_column(r, name, type, nullable);
    static const char *const H[] = {"hard_delete", "merge_key", "primary_key", "unique",
                                    "timezone"};
    for (size_t k = 0; rc == CDLT_OK && spec && spec->type == JV_OBJECT && k < 5; k++) {
        const jv *h = jv_get(spec, H[k]);
        if (h && h->type == JV_BOOL)
            rc = cdlt_resource_set_column_hint(r, name, H[k], h->u.b ? "true" : "false");
        else if (h && k == 4)
            rc = CDLT_INVALID_ARG; /* timezone: sources without check_hints (sql, rest) */
    }
    static const char *const N[] = {"precision", "scale"};
    for (size_t k = 0; rc == CDLT_OK && spec && spec->type == JV_OBJECT && k < 2; k++) {
        const jv *h = jv_get(spec, N[k]);
        char num[24];
        if (h && h->type == JV_INT) {
            snprintf(num, sizeof num, "%lld", (long long)h->u.i);
            rc = cdlt_resource_set_column_hint(r, name, N[k], num);
        } else if (h) {
            rc = CDLT_INVALID_ARG;
        }
    }
    const jv *ds = spec && spec->type == JV_OBJECT ? jv_get(spec, "dedup_sort") : NULL;
    if (rc == CDLT_OK && ds && ds->type == JV_STRING)
        rc = cdlt_resource_set_column_hint(r, name, "dedup_sort", ds->u.s);
    return rc;
}

static cdlt_status build_resource(const cdlt_definition *d, const jv *e, size_t idx,
                                  const jv *defaults, cdlt_resource **out, cdlt_error *err)
{
    *out = NULL;
    char where[64];
    snprintf(where, sizeof where, "resources[%zu]", idx);
    if (e->type != JV_OBJECT)
        return bad((cdlt_definition *)d, err, "%s must be a table/object%s", where, "");
    const char *name = str_of(jv_get(e, "name"));
    const char *path = str_of(jv_get(e, "path"));
    if (!path)
        path = str_of(jv_get(e, "glob"));
    if (!path)
        path = str_of(jv_get(e, "file"));
    if (!name)
        return bad((cdlt_definition *)d, err, "%s: missing 'name'%s", where, "");
    if (!path)
        return bad((cdlt_definition *)d, err, "%s (%s): missing 'path' (a file or glob)", where,
                   name);
    buf full = BUF_INIT;
    if (def_path(d, path, &full) != CDLT_OK) {
        buf_free(&full);
        return err_nomem(err);
    }
    cdlt_resource *r = NULL;
    cdlt_status rc = cdlt_file_resource_open(name, full.data, &r, err);
    buf_free(&full);
    if (rc != CDLT_OK)
        return rc;
    rc = pipe_def_apply_hints(d->path, r, defaults, e, where, err);
    if (rc != CDLT_OK) {
        cdlt_resource_free(r);
        return rc;
    }
    *out = r;
    return CDLT_OK;
}

/* Table hints of a resource entry (and the resource_defaults under it) onto r; shared with
 * the rest_api resources (rest.c). `defpath` names the definition in errors. */
cdlt_status pipe_def_apply_hints(const char *defpath, cdlt_resource *r, const jv *defaults,
                                 const jv *e, const char *where, cdlt_error *err)
{
    const char *name = r->name;
    cdlt_status rc = CDLT_OK;
    const char *what = NULL;
    const jv *v;
    /* resource entry keys win over the `resource_defaults` table */
    const jv *srcs[2] = {defaults, e};
    for (int k = 0; k < 2 && rc == CDLT_OK; k++) {
        const jv *s = srcs[k];
        if (!s || s->type != JV_OBJECT)
            continue;
        if (rc == CDLT_OK && (v = jv_get(s, "table_name"))) {
            rc = v->type == JV_STRING ? cdlt_resource_set_table_name(r, v->u.s) : CDLT_INVALID_ARG;
            what = "table_name";
        }
        if (rc == CDLT_OK && (v = jv_get(s, "write_disposition"))) {
            what = "write_disposition (append|replace|merge)";
            const char *wd = str_of(v);
            if (!wd && v->type == JV_OBJECT)
                wd = str_of(jv_get(v, "disposition"));
            rc = !wd                            ? CDLT_INVALID_ARG
                 : strcmp(wd, "append") == 0    ? cdlt_resource_set_write_disposition(r, CDLT_WD_APPEND)
                 : strcmp(wd, "replace") == 0   ? cdlt_resource_set_write_disposition(r, CDLT_WD_REPLACE)
                 : strcmp(wd, "merge") == 0     ? cdlt_resource_set_write_disposition(r, CDLT_WD_MERGE)
                                                : CDLT_INVALID_ARG;
            const jv *dv = v->type == JV_OBJECT ? jv_get(v, "deduplicated") : NULL;
            if (rc == CDLT_OK && dv) {
                what = "write_disposition.deduplicated (true or false)";
                rc = dv->type == JV_BOOL ? cdlt_resource_set_merge_deduplicated(r, dv->u.b)
                                         : CDLT_INVALID_ARG;
            }
            const jv *sv = v->type == JV_OBJECT ? jv_get(v, "strategy") : NULL;
            if (rc == CDLT_OK && sv) {
                what = "write_disposition.strategy (delete-insert|upsert|insert-only|scd2)";
                rc = sv->type == JV_STRING ? cdlt_resource_set_merge_strategy(r, sv->u.s)
                                           : CDLT_INVALID_ARG;
            }
            if (rc == CDLT_OK && sv && sv->type == JV_STRING && strcmp(sv->u.s, "scd2") == 0) {
                /* dlt's scd2 options; set only for scd2 (dlt ignores them otherwise too) */
                what = "scd2 options (validity_column_names = [from, to], active_record_timestamp, "
                       "boundary_timestamp: ISO timestamps; row_version_column_name)";
                const jv *vc = jv_get(v, "validity_column_names");
                const char *vf = NULL, *vt = NULL;
                if (vc) {
                    if (vc->type == JV_ARRAY && vc->len == 2 &&
                        vc->u.items[0].type == JV_STRING && vc->u.items[1].type == JV_STRING) {
                        vf = vc->u.items[0].u.s;
                        vt = vc->u.items[1].u.s;
                    } else {
                        rc = CDLT_INVALID_ARG;
                    }
                }
                const jv *ar = jv_get(v, "active_record_timestamp"),
                         *bt = jv_get(v, "boundary_timestamp"),
                         *rv = jv_get(v, "row_version_column_name");
                if ((ar && ar->type != JV_STRING && ar->type != JV_NULL && !jv_is_datetime(ar)) ||
                    (bt && bt->type != JV_STRING && !jv_is_datetime(bt)) ||
                    (rv && rv->type != JV_STRING))
                    rc = CDLT_INVALID_ARG;
                if (rc == CDLT_OK)
                    rc = cdlt_resource_set_scd2(r, vf, vt,
                                                ar && ar->type != JV_NULL ? ar->u.s : NULL,
                                                bt ? bt->u.s : NULL, rv ? rv->u.s : NULL);
            }
        }
        if (rc == CDLT_OK && (v = jv_get(s, "primary_key"))) {
            what = "primary_key (a column name or a list)";
            rc = set_key_hint(r, v, true);
        }
        if (rc == CDLT_OK && (v = jv_get(s, "merge_key"))) {
            what = "merge_key (a column name or a list)";
            rc = set_key_hint(r, v, false);
        }
        if (rc == CDLT_OK && (v = jv_get(s, "max_table_nesting"))) {
            what = "max_table_nesting (an integer >= 0)";
            rc = v->type == JV_INT && v->u.i >= 0 && v->u.i < 1000
                     ? cdlt_resource_set_max_table_nesting(r, (int)v->u.i)
                     : CDLT_INVALID_ARG;
        }
        if (rc == CDLT_OK && (v = jv_get(s, "schema_contract"))) {
            what = "schema_contract (evolve|freeze|discard_row|discard_value or a table)";
            if (v->type == JV_STRING) {
                rc = cdlt_resource_set_schema_contract(r, v->u.s);
            } else if (v->type == JV_OBJECT) {
                buf b = BUF_INIT;
                json_write(&b, v, 0);
                rc = b.status ? CDLT_NOMEM : cdlt_resource_set_schema_contract(r, b.data);
                buf_free(&b);
            } else {
                rc = CDLT_INVALID_ARG;
            }
        }
        if (rc == CDLT_OK && (v = jv_get(s, "columns"))) {
            what = "columns (a table of name = {data_type, nullable, precision, scale, timezone, "
                   "...} or a list)";
            if (v->type == JV_OBJECT) {
                for (uint32_t i = 0; rc == CDLT_OK && i < v->len; i++)
                    rc = add_col(r, v->u.members[i].key, &v->u.members[i].value);
            } else if (v->type == JV_ARRAY) {
                for (uint32_t i = 0; rc == CDLT_OK && i < v->len; i++) {
                    const char *cn = str_of(jv_get(&v->u.items[i], "name"));
                    rc = cn ? add_col(r, cn, &v->u.items[i]) : CDLT_INVALID_ARG;
                }
            } else {
                rc = CDLT_INVALID_ARG;
            }
        }
        if (rc == CDLT_OK && (v = jv_get(s, "incremental")) && v->type == JV_OBJECT) {
            buf b = BUF_INIT;
            json_write(&b, v, 0);
            rc = b.status ? err_nomem(err) : cdlt_resource_set_incremental(r, b.data, err);
            buf_free(&b);
            if (rc != CDLT_OK) {
                buf_free(&b);
                err_prefix(err, "%s: %s (%s): ", defpath ? defpath : "definition", where, name);
                return rc;
            }
        }
        if (rc == CDLT_OK && (v = jv_get(s, "selected")) && v->type == JV_BOOL)
            cdlt_resource_set_selected(r, v->u.b);
        if (rc == CDLT_OK && (v = jv_get(s, "limit"))) {
            what = "limit (an integer)";
            if (v->type == JV_INT)
                cdlt_resource_add_limit(r, v->u.i, 0);
            else
                rc = CDLT_INVALID_ARG;
        }
    }
    if (rc != CDLT_OK) {
        if (rc == CDLT_NOMEM)
            return err_nomem(err);
        err_set(err, CDLT_CONFIG, "%s: resource '%s': invalid %s", defpath ? defpath : "definition",
                name, what ? what : "hint");
        return err_hint(err, "see docs/pipeline.md for the definition format");
    }
    return CDLT_OK;
}

cdlt_status cdlt_definition_source(const cdlt_definition *d, cdlt_source **out, cdlt_error *err)
{
    *out = NULL;
    if (!d)
        return err_set(err, CDLT_INVALID_ARG, "no definition");
    const char *sname = str_of(jv_get(&d->tree, "source_name"));
    cdlt_source *s = NULL;
    const jv *sq = jv_get(&d->tree, "source");
    const pipe_source_kind *kind = sq ? pipe_source_kind_find(str_of(jv_get(sq, "type")), true)
                                      : NULL;
    const pipe_source_kind *rest_kind = pipe_source_kind_find("rest_api", false);
    /* dlt's source names: rest_api, sql_database, filesystem; a lone sql_table resource
     * takes the pipeline's */
    const char *dflt = jv_get(&d->tree, "rest_api")      ? rest_kind->source_name
                       : kind && kind->source_name ? kind->source_name
                                                   : d->name;
    if (cdlt_source_open(sname ? sname : dflt, &s) != CDLT_OK)
        return err_nomem(err);
    const jv *res = jv_get(&d->tree, "resources");
    const jv *defaults = jv_get(&d->tree, "resource_defaults");
    const jv *rest = jv_get(&d->tree, "rest_api");
    if (rest) {
        cdlt_status rc = rest_kind->add(s, rest, "rest_api", d->path, d->name, err);
        if (rc != CDLT_OK) {
            /* the line of the key the message names: an unknown key, else the last part of
             * the config path ("rest_api.resources[0].endpoint.paginator.type: ...") */
            char key[128] = "";
            const char *uk = strstr(err->message, "unknown key '");
            const char *colon = strstr(err->message, ": ");
            if (uk) {
                sscanf(uk + 13, "%127[^']", key);
            } else if (rc == CDLT_CONFIG && colon && strncmp(err->message, "rest_api", 8) == 0) {
                const char *b = colon;
                while (b > err->message && b[-1] != '.')
                    b--;
                size_t n = (size_t)(colon - b);
                const char *br = memchr(b, '[', n);
                if (br)
                    n = (size_t)(br - b);
                if (n && n < sizeof key)
                    memcpy(key, b, n), key[n] = 0;
            }
            int line = key[0] ? key_line(d->path, key) : 0;
            if (line > 0)
                err_prefix(err, "%s, line %d: ", d->path, line);
            else
                err_prefix(err, "%s: ", d->path);
            cdlt_source_free(s);
            return rc;
        }
    }
    if (sq) {
        cdlt_status rc = kind ? kind->add(s, sq, "source", d->path, d->name, err)
                              : err_set(err, CDLT_CONFIG, "%s: 'source' has no known type",
                                        d->path);
        if (rc != CDLT_OK) {
            cdlt_source_free(s);
            return rc;
        }
    }
    for (uint32_t i = 0; res && res->type == JV_ARRAY && i < res->len; i++) {
        cdlt_resource *r = NULL;
        cdlt_status rc = build_resource(d, &res->u.items[i], i, defaults, &r, err);
        if (rc == CDLT_OK) {
            rc = cdlt_source_add(s, r);
            if (rc == CDLT_EXISTS)
                rc = bad((cdlt_definition *)d, err, "two resources are named '%s'%s",
                         str_of(jv_get(&res->u.items[i], "name")), "");
        }
        if (rc != CDLT_OK) {
            cdlt_source_free(s);
            return rc;
        }
    }
    *out = s;
    return CDLT_OK;
}

bool pipe_def_in_list(const char *k, const char *const *l)
{
    for (size_t i = 0; l[i]; i++)
        if (strcmp(k, l[i]) == 0)
            return true;
    return false;
}

cdlt_status pipe_def_check_keys(const jv *o, const char *const *allowed, const char *place,
                                const char *defpath, const char *doc, cdlt_error *err)
{
    for (uint32_t i = 0; i < o->len; i++) {
        const char *k = o->u.members[i].key;
        if (pipe_def_in_list(k, allowed))
            continue;
        const char *best = NULL;
        size_t bd = SIZE_MAX;
        for (size_t j = 0; allowed[j]; j++) {
            size_t e = str_edit_distance(k, allowed[j]);
            if (e < bd)
                bd = e, best = allowed[j];
        }
        bool near = best && bd <= 3;
        buf list = BUF_INIT;
        for (size_t j = 0; allowed[j]; j++)
            buf_printf(&list, "%s%s", j ? ", " : "", allowed[j]);
        err_set(err, CDLT_CONFIG, "%s: unknown key '%s.%s'%s%s%s", defpath, place, k,
                near ? "; did you mean '" : "", near ? best : "", near ? "'?" : "");
        err_hint(err, "keys allowed in %s: %s (see %s)", place, buf_cstr(&list), doc);
        buf_free(&list);
        return CDLT_CONFIG;
    }
    return CDLT_OK;
}
