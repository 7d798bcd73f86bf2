/* definition.c: pipeline definition files (TOML, YAML or JSON, parsed by src/config): the
 * pipeline options and one file resource per `resources` entry with its hints. The format is
 * documented in docs/pipeline.md. */
#include "pipeline.h"

#include "config/config.h"
#include "sources/sources.h"

#include <stdio.h>
#include <stdlib.h>

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
    const jv *dm = jv_get(t, "dev_mode");
    d->dev_mode = dm && dm->type == JV_BOOL && dm->u.b;
    const char *pr = str_of(jv_get(t, "progress"));
    if (pr)
        d->progress = strcmp(pr, "tty") == 0 ? CDLT_PROGRESS_TTY
                      : strcmp(pr, "log") == 0 ? CDLT_PROGRESS_LOG
                                              : CDLT_PROGRESS_NONE;
    const jv *res = jv_get(t, "resources");
    if (!res || res->type != JV_ARRAY || res->len == 0) {
        rc = bad(d, err, "missing 'resources': a list of {name, path, ...}%s%s", "", "");
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
    return cdlt_resource_add_column(r, name, type, nullable);
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
            what = "columns (a table of name = {data_type, nullable} or a list)";
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
        cdlt_resource_free(r);
        if (rc == CDLT_NOMEM)
            return err_nomem(err);
        return bad((cdlt_definition *)d, err, "resource '%s': invalid %s", name,
                   what ? what : "hint");
    }
    *out = r;
    return CDLT_OK;
}

cdlt_status cdlt_definition_source(const cdlt_definition *d, cdlt_source **out, cdlt_error *err)
{
    *out = NULL;
    if (!d)
        return err_set(err, CDLT_INVALID_ARG, "no definition");
    const char *sname = str_of(jv_get(&d->tree, "source_name"));
    cdlt_source *s = NULL;
    if (cdlt_source_open(sname ? sname : d->name, &s) != CDLT_OK)
        return err_nomem(err);
    const jv *res = jv_get(&d->tree, "resources");
    const jv *defaults = jv_get(&d->tree, "resource_defaults");
    for (uint32_t i = 0; i < res->len; i++) {
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
