/* config.c: the rest_api dict (spec §1.1-§1.4, §2.2, §3, §5.6) validated and turned into
 * rest_res entries before any request. Errors name the config path
 * ("rest_api.resources[2].endpoint.paginator.type"), the allowed values and the closest one. */
#include "rest_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rest_closest(const char *key, const char *const *allowed)
{
    const char *best = NULL;
    size_t bd = 4;
    for (size_t i = 0; allowed[i]; i++) {
        size_t d = str_edit_distance(key, allowed[i]);
        if (d < bd && d <= strlen(allowed[i]) / 2 + 1) {
            bd = d;
            best = allowed[i];
        }
    }
    return best;
}

typedef struct cfgctx {
    rest_source *s;
    arena *a;
    cdlt_config *config;
    cdlt_error *err;
    const char *where;
} cfgctx;

static cdlt_status fail(cfgctx *c, const char *path, const char *fmt, ...) CDLT_PRINTF(3, 4);
static cdlt_status fail(cfgctx *c, const char *path, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err_set(c->err, CDLT_CONFIG, "%s: %s", path, msg);
    return err_hint(c->err, "see docs/rest_api.md for the rest_api keys cdlt reads");
}

static void list_text(char *out, size_t cap, const char *const *l)
{
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; l[i] && n + 1 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", l[i]);
}

static cdlt_status check_keys(cfgctx *c, const jv *o, const char *path,
                              const char *const *allowed)
{
    for (uint32_t i = 0; i < o->len; i++) {
        const char *k = o->u.members[i].key;
        bool ok = false;
        for (size_t j = 0; allowed[j] && !ok; j++)
            ok = strcmp(k, allowed[j]) == 0;
        if (ok)
            continue;
        char all[600];
        list_text(all, sizeof all, allowed);
        const char *near = rest_closest(k, allowed);
        char dym[96] = "";
        if (near)
            snprintf(dym, sizeof dym, "; did you mean '%s'?", near);
        return fail(c, path, "unknown key '%s' (allowed: %s)%s", k, all, dym);
    }
    return CDLT_OK;
}

static const char *sub(cfgctx *c, const char *path, const char *key)
{
    size_t n = strlen(path) + strlen(key) + 2;
    char *p = arena_alloc(c->a, n);
    if (p)
        snprintf(p, n, "%s.%s", path, key);
    return p ? p : path;
}

static const char *str_of(const jv *v) { return v && v->type == JV_STRING ? v->u.s : NULL; }

static cdlt_status want_str(cfgctx *c, const jv *o, const char *path, const char *key,
                            const char **out)
{
    const jv *v = jv_get(o, key);
    if (!v)
        return CDLT_OK;
    if (v->type == JV_NULL) {
        *out = NULL;
        return CDLT_OK;
    }
    if (v->type != JV_STRING)
        return fail(c, sub(c, path, key), "expects a string, not %s",
                    jv_type_name((jv_type)v->type));
    *out = v->u.s;
    return CDLT_OK;
}

static cdlt_status want_int(cfgctx *c, const jv *o, const char *path, const char *key,
                            int64_t *out, bool *set)
{
    const jv *v = jv_get(o, key);
    if (!v || v->type == JV_NULL)
        return CDLT_OK;
    if (v->type != JV_INT)
        return fail(c, sub(c, path, key), "expects an integer, not %s",
                    jv_type_name((jv_type)v->type));
    *out = v->u.i;
    if (set)
        *set = true;
    return CDLT_OK;
}

static cdlt_status want_bool(cfgctx *c, const jv *o, const char *path, const char *key,
                             bool *out)
{
    const jv *v = jv_get(o, key);
    if (!v || v->type == JV_NULL)
        return CDLT_OK;
    if (v->type != JV_BOOL)
        return fail(c, sub(c, path, key), "expects true or false, not %s",
                    jv_type_name((jv_type)v->type));
    *out = v->u.b;
    return CDLT_OK;
}

static cdlt_status want_path(cfgctx *c, const jv *o, const char *path, const char *key,
                             jpath *out, bool *set, const char *dflt)
{
    const jv *v = jv_get(o, key);
    const char *text = dflt;
    if (v) {
        if (v->type == JV_NULL)
            text = NULL;
        else if (v->type == JV_STRING)
            text = v->u.s;
        else
            return fail(c, sub(c, path, key), "expects a JSONPath string, not %s",
                        jv_type_name((jv_type)v->type));
    }
    if (set)
        *set = text != NULL;
    if (!text)
        return CDLT_OK;
    cdlt_status rc = jpath_compile(text, c->a, out, c->err);
    if (rc != CDLT_OK)
        err_prefix(c->err, "%s: ", sub(c, path, key));
    return rc;
}

/* ---- paginators ---- */

static const char *const PG_TYPES[] = {"json_link", "json_response", "header_link",
                                       "header_cursor", "cursor", "offset", "page_number",
                                       "single_page", "auto", NULL};

static cdlt_status parse_paginator(cfgctx *c, const jv *v, const char *path, pg_spec *out)
{
    memset(out, 0, sizeof *out);
    out->set = true;
    const char *type = NULL;
    const jv *o = NULL;
    const char *tpath = path;
    if (v->type == JV_STRING) {
        type = v->u.s;
    } else if (v->type == JV_OBJECT) {
        o = v;
        tpath = sub(c, path, "type");
        const jv *t = jv_get(v, "type");
        if (!t)
            return fail(c, path, "a paginator needs 'type' (one of json_link, header_link, "
                                 "header_cursor, cursor, offset, page_number, single_page, auto)");
        if (t->type != JV_STRING)
            return fail(c, tpath, "expects a string");
        type = t->u.s;
    } else {
        return fail(c, path, "expects a paginator type string or a table with 'type'");
    }
    pg_kind k;
    if (strcmp(type, "json_link") == 0 || strcmp(type, "json_response") == 0)
        k = PG_JSON_LINK;
    else if (strcmp(type, "header_link") == 0)
        k = PG_HEADER_LINK;
    else if (strcmp(type, "header_cursor") == 0)
        k = PG_HEADER_CURSOR;
    else if (strcmp(type, "cursor") == 0)
        k = PG_CURSOR;
    else if (strcmp(type, "offset") == 0)
        k = PG_OFFSET;
    else if (strcmp(type, "page_number") == 0)
        k = PG_PAGE_NUMBER;
    else if (strcmp(type, "single_page") == 0)
        k = PG_SINGLE;
    else if (strcmp(type, "auto") == 0)
        k = PG_AUTO;
    else {
        const char *near = rest_closest(type, PG_TYPES);
        char dym[96] = "";
        if (near)
            snprintf(dym, sizeof dym, "; did you mean '%s'?", near);
        return fail(c, tpath,
                    "unknown paginator '%s' (allowed: json_link, header_link, header_cursor, "
                    "cursor, offset, page_number, single_page, auto)%s",
                    type, dym);
    }
    out->kind = k;
    if (k == PG_AUTO)
        out->set = false; /* dlt: an endpoint's "auto" still falls back to the client's */
    static const char *const K_LINK[] = {"type", "next_url_path", NULL};
    static const char *const K_HLINK[] = {"type", "links_next_key", NULL};
    static const char *const K_HCUR[] = {"type", "cursor_key", "cursor_param", NULL};
    static const char *const K_CUR[] = {"type", "cursor_path", "cursor_param", "cursor_body_path",
                                        "stop_after_empty_page", "has_more_path", NULL};
    static const char *const K_OFF[] = {"type", "limit", "offset", "offset_param", "limit_param",
                                        "total_path", "maximum_offset", "stop_after_empty_page",
                                        "has_more_path", "offset_body_path", "limit_body_path",
                                        NULL};
    static const char *const K_PAGE[] = {"type", "base_page", "page", "page_param", "total_path",
                                         "maximum_page", "stop_after_empty_page", "has_more_path",
                                         "page_body_path", NULL};
    static const char *const K_ONE[] = {"type", NULL};
    const char *const *keys = k == PG_JSON_LINK      ? K_LINK
                              : k == PG_HEADER_LINK   ? K_HLINK
                              : k == PG_HEADER_CURSOR ? K_HCUR
                              : k == PG_CURSOR        ? K_CUR
                              : k == PG_OFFSET        ? K_OFF
                              : k == PG_PAGE_NUMBER   ? K_PAGE
                                                      : K_ONE;
    jv empty = {.type = JV_OBJECT};
    if (!o)
        o = &empty;
    cdlt_status rc = check_keys(c, o, path, keys);
    if (rc != CDLT_OK)
        return rc;
    switch (k) {
    case PG_JSON_LINK:
        return want_path(c, o, path, "next_url_path", &out->next_url_path, NULL, "next");
    case PG_HEADER_LINK:
        out->links_next_key = "next";
        return want_str(c, o, path, "links_next_key", &out->links_next_key);
    case PG_HEADER_CURSOR:
        out->cursor_key = "next";
        out->cursor_param = "cursor";
        if ((rc = want_str(c, o, path, "cursor_key", &out->cursor_key)) != CDLT_OK)
            return rc;
        return want_str(c, o, path, "cursor_param", &out->cursor_param);
    case PG_CURSOR: {
        if ((rc = want_path(c, o, path, "cursor_path", &out->cursor_path, NULL,
                            "cursors.next")) != CDLT_OK ||
            (rc = want_str(c, o, path, "cursor_param", &out->cursor_param)) != CDLT_OK ||
            (rc = want_str(c, o, path, "cursor_body_path", &out->cursor_body_path)) != CDLT_OK ||
            (rc = want_bool(c, o, path, "stop_after_empty_page", &out->stop_after_empty_page)) !=
                CDLT_OK ||
            (rc = want_path(c, o, path, "has_more_path", &out->has_more_path, &out->has_more,
                            NULL)) != CDLT_OK)
            return rc;
        if (out->cursor_param && out->cursor_body_path)
            return fail(c, path, "set either cursor_param or cursor_body_path, not both");
        if (!out->cursor_param && !out->cursor_body_path)
            out->cursor_param = "cursor";
        return CDLT_OK;
    }
    case PG_OFFSET:
    case PG_PAGE_NUMBER: {
        bool is_off = k == PG_OFFSET;
        bool limit_set = false;
        out->stop_after_empty_page = true;
        out->step = 1;
        if (is_off) {
            out->param = "offset";
            out->limit_param = "limit";
            if ((rc = want_int(c, o, path, "limit", &out->limit, &limit_set)) != CDLT_OK ||
                (rc = want_int(c, o, path, "offset", &out->initial, NULL)) != CDLT_OK ||
                (rc = want_str(c, o, path, "offset_param", &out->param)) != CDLT_OK ||
                (rc = want_str(c, o, path, "limit_param", &out->limit_param)) != CDLT_OK ||
                (rc = want_str(c, o, path, "offset_body_path", &out->body_path)) != CDLT_OK ||
                (rc = want_str(c, o, path, "limit_body_path", &out->limit_body_path)) != CDLT_OK ||
                (rc = want_int(c, o, path, "maximum_offset", &out->maximum, &out->has_maximum)) !=
                    CDLT_OK)
                return rc;
            if (!limit_set)
                return fail(c, path, "the offset paginator requires 'limit' (page size), e.g. "
                                     "{ type = \"offset\", limit = 100 }");
            if (out->limit <= 0)
                return fail(c, sub(c, path, "limit"), "must be > 0");
            out->step = out->limit;
        } else {
            out->param = "page";
            bool page_set = false;
            int64_t page = 0;
            if ((rc = want_int(c, o, path, "base_page", &out->base_index, NULL)) != CDLT_OK ||
                (rc = want_int(c, o, path, "page", &page, &page_set)) != CDLT_OK ||
                (rc = want_str(c, o, path, "page_param", &out->param)) != CDLT_OK ||
                (rc = want_str(c, o, path, "page_body_path", &out->body_path)) != CDLT_OK ||
                (rc = want_int(c, o, path, "maximum_page", &out->maximum, &out->has_maximum)) !=
                    CDLT_OK)
                return rc;
            out->initial = page_set ? page : out->base_index;
        }
        if ((rc = want_path(c, o, path, "total_path", &out->total_path, &out->has_total,
                            "total")) != CDLT_OK ||
            (rc = want_bool(c, o, path, "stop_after_empty_page", &out->stop_after_empty_page)) !=
                CDLT_OK ||
            (rc = want_path(c, o, path, "has_more_path", &out->has_more_path, &out->has_more,
                            NULL)) != CDLT_OK)
            return rc;
        if (!out->has_total && !out->has_maximum && !out->has_more && !out->stop_after_empty_page)
            return fail(c, path, "the paginator would never stop: set total_path, maximum_%s, "
                                 "has_more_path or stop_after_empty_page = true",
                        is_off ? "offset" : "page");
        return CDLT_OK;
    }
    default:
        return CDLT_OK;
    }
}

/* ---- auth ---- */

static const char *const AUTH_TYPES[] = {"bearer", "api_key", "http_basic",
                                         "oauth2_client_credentials", NULL};

/* A field the dict leaves out, from the config providers in dlt's order for the source. */
static cdlt_status auth_field(cfgctx *c, const jv *o, const char *path, const char *field,
                              bool secret, bool required, const char **out)
{
    cdlt_status rc = want_str(c, o, path, field, out);
    if (rc != CDLT_OK)
        return rc;
    if (!*out && c->config) {
        char key[96];
        snprintf(key, sizeof key, "credentials.%s", field);
        char sec[256];
        const char *name = c->s->name;
        snprintf(sec, sizeof sec, "sources.rest_api%s%s", strcmp(name, "rest_api") ? "." : "",
                 strcmp(name, "rest_api") ? name : "");
        cfg_hit hit;
        unsigned fl = CFG_Q_OPTIONAL | (secret ? CFG_Q_SECRET : 0);
        rc = cfg_get(c->config, sec, key, fl, &hit, c->err);
        if (rc == CDLT_NOT_FOUND && strcmp(name, "rest_api") != 0) {
            snprintf(sec, sizeof sec, "sources.%s", name);
            rc = cfg_get(c->config, sec, key, fl, &hit, c->err);
        }
        if (rc == CDLT_OK) {
            if (hit.value->type != JV_STRING)
                return fail(c, path, "%s from %s must be a string", field,
                            cfg_hit_origin(c->config, &hit));
            *out = arena_strndup(c->a, hit.value->u.s, hit.value->len);
        } else if (rc != CDLT_NOT_FOUND) {
            return rc;
        }
    }
    if (*out && secret)
        cdlt_secret_register(*out);
    if (!*out && required) {
        const char *name = c->s->name;
        char env[128];
        snprintf(env, sizeof env, "SOURCES__%s__CREDENTIALS__%s", name, field);
        for (char *p = env; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 32);
        return fail(c, path,
                    "auth field '%s' is missing: set it here, in .dlt/secrets.toml as "
                    "[sources.%s.credentials] %s = \"...\", or in the environment as %s",
                    field, name, field, env);
    }
    return CDLT_OK;
}

static cdlt_status parse_auth(cfgctx *c, const jv *v, const char *path, rest_auth **out)
{
    *out = NULL;
    const char *type = NULL;
    jv empty = {.type = JV_OBJECT};
    const jv *o = &empty;
    if (v->type == JV_NULL)
        return CDLT_OK;
    if (v->type == JV_STRING) {
        type = v->u.s;
    } else if (v->type == JV_OBJECT) {
        o = v;
        const jv *t = jv_get(v, "type");
        if (t && t->type != JV_STRING)
            return fail(c, sub(c, path, "type"), "expects a string");
        type = t ? t->u.s : "bearer"; /* dlt: a dict without type is bearer */
    } else {
        return fail(c, path, "expects an auth type string or a table (bearer, api_key, "
                             "http_basic, oauth2_client_credentials)");
    }
    rest_auth *au = arena_alloc_zero(c->a, sizeof *au);
    if (!au)
        return err_nomem(c->err);
    cdlt_status rc;
    if (strcmp(type, "bearer") == 0) {
        static const char *const K[] = {"type", "token", NULL};
        au->kind = AUTH_BEARER;
        if ((rc = check_keys(c, o, path, K)) != CDLT_OK ||
            (rc = auth_field(c, o, path, "token", true, true, &au->token)) != CDLT_OK)
            return rc;
    } else if (strcmp(type, "api_key") == 0) {
        static const char *const K[] = {"type", "name", "api_key", "location", NULL};
        au->kind = AUTH_API_KEY;
        au->name = "Authorization";
        au->location = "header";
        if ((rc = check_keys(c, o, path, K)) != CDLT_OK ||
            (rc = want_str(c, o, path, "name", &au->name)) != CDLT_OK ||
            (rc = want_str(c, o, path, "location", &au->location)) != CDLT_OK ||
            (rc = auth_field(c, o, path, "api_key", true, true, &au->api_key)) != CDLT_OK)
            return rc;
        if (!au->name)
            au->name = "Authorization";
        if (!au->location)
            au->location = "header";
        if (strcmp(au->location, "header") && strcmp(au->location, "query") &&
            strcmp(au->location, "param") && strcmp(au->location, "cookie"))
            return fail(c, sub(c, path, "location"),
                        "unknown location '%s' (allowed: header, query, param, cookie)",
                        au->location);
    } else if (strcmp(type, "http_basic") == 0) {
        static const char *const K[] = {"type", "username", "password", NULL};
        au->kind = AUTH_BASIC;
        if ((rc = check_keys(c, o, path, K)) != CDLT_OK ||
            (rc = auth_field(c, o, path, "username", false, true, &au->username)) != CDLT_OK ||
            (rc = auth_field(c, o, path, "password", true, true, &au->password)) != CDLT_OK)
            return rc;
    } else if (strcmp(type, "oauth2_client_credentials") == 0) {
        static const char *const K[] = {"type", "access_token_url", "client_id", "client_secret",
                                        "access_token_request_data", "default_token_expiration",
                                        "access_token", NULL};
        au->kind = AUTH_OAUTH2;
        au->default_expiration = 3600;
        if ((rc = check_keys(c, o, path, K)) != CDLT_OK ||
            (rc = auth_field(c, o, path, "access_token_url", false, true,
                             &au->access_token_url)) != CDLT_OK ||
            (rc = auth_field(c, o, path, "client_id", true, true, &au->client_id)) != CDLT_OK ||
            (rc = auth_field(c, o, path, "client_secret", true, true, &au->client_secret)) !=
                CDLT_OK ||
            (rc = want_int(c, o, path, "default_token_expiration", &au->default_expiration,
                           NULL)) != CDLT_OK)
            return rc;
        const jv *d = jv_get(o, "access_token_request_data");
        if (d && d->type != JV_OBJECT && d->type != JV_NULL)
            return fail(c, sub(c, path, "access_token_request_data"), "expects a table");
        au->request_data = d ? *d : jv_null();
        const char *tok = NULL;
        if ((rc = want_str(c, o, path, "access_token", &tok)) != CDLT_OK)
            return rc;
        if (tok) {
            au->access_token = mem_strdup(tok);
            cdlt_secret_register(tok);
            au->ttl = (double)au->default_expiration;
            au->expires_at = time_monotonic() + au->ttl;
        }
    } else {
        const char *near = rest_closest(type, AUTH_TYPES);
        char dym[96] = "";
        if (near)
            snprintf(dym, sizeof dym, "; did you mean '%s'?", near);
        return fail(c, v->type == JV_OBJECT ? sub(c, path, "type") : path,
                    "unknown auth type '%s' (allowed: bearer, api_key, http_basic, "
                    "oauth2_client_credentials)%s",
                    type, dym);
    }
    *out = au;
    return CDLT_OK;
}

/* ---- merging resource_defaults (spec §1.3) ---- */

static cdlt_status merge_obj1(cfgctx *c, const jv *base, const jv *over, jv *out)
{
    /* one level: over's keys win */
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; base && base->type == JV_OBJECT && i < base->len; i++) {
        const jv_member *m = &base->u.members[i];
        if (over && over->type == JV_OBJECT && jv_get(over, m->key))
            continue;
        if (jv_builder_set(&b, c->a, m->key, m->klen, m->value) != CDLT_OK)
            return err_nomem(c->err);
    }
    for (uint32_t i = 0; over && over->type == JV_OBJECT && i < over->len; i++) {
        const jv_member *m = &over->u.members[i];
        if (jv_builder_set(&b, c->a, m->key, m->klen, m->value) != CDLT_OK)
            return err_nomem(c->err);
    }
    *out = b.value;
    return CDLT_OK;
}

static cdlt_status merge_resource(cfgctx *c, const jv *defaults, const jv *res, jv *out)
{
    if (!defaults || defaults->type != JV_OBJECT) {
        *out = *res;
        return CDLT_OK;
    }
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < defaults->len; i++) {
        const jv_member *m = &defaults->u.members[i];
        const jv *rv = jv_get(res, m->key);
        jv v = m->value;
        if (rv && strcmp(m->key, "endpoint") == 0 && rv->type == JV_OBJECT &&
            m->value.type == JV_OBJECT) {
            /* per key; params and json merged one level deeper */
            jv e;
            if (merge_obj1(c, &m->value, rv, &e) != CDLT_OK)
                return CDLT_NOMEM;
            static const char *const DEEP[] = {"params", "json"};
            for (int k = 0; k < 2; k++) {
                const jv *dv = jv_get(&m->value, DEEP[k]), *ov = jv_get(rv, DEEP[k]);
                if (dv && ov && dv->type == JV_OBJECT && ov->type == JV_OBJECT) {
                    jv mm, one = {.type = JV_OBJECT}, ne;
                    if (merge_obj1(c, dv, ov, &mm) != CDLT_OK)
                        return CDLT_NOMEM;
                    jv_builder ob;
                    jv_builder_init(&ob, JV_OBJECT);
                    if (jv_builder_set(&ob, c->a, DEEP[k], strlen(DEEP[k]), mm) != CDLT_OK)
                        return err_nomem(c->err);
                    one = ob.value;
                    if (merge_obj1(c, &e, &one, &ne) != CDLT_OK)
                        return CDLT_NOMEM;
                    e = ne;
                }
            }
            v = e;
        } else if (rv && strcmp(m->key, "endpoint") == 0 && rv->type == JV_STRING &&
                   m->value.type == JV_OBJECT) {
            /* endpoint as a path string still takes the default endpoint's other keys */
            jv_builder ob;
            jv_builder_init(&ob, JV_OBJECT);
            if (jv_builder_set(&ob, c->a, "path", 4, *rv) != CDLT_OK)
                return err_nomem(c->err);
            jv one = ob.value;
            if (merge_obj1(c, &m->value, &one, &v) != CDLT_OK)
                return CDLT_NOMEM;
        } else if (rv && strcmp(m->key, "columns") == 0 && rv->type == JV_OBJECT &&
                   m->value.type == JV_OBJECT) {
            if (merge_obj1(c, &m->value, rv, &v) != CDLT_OK)
                return CDLT_NOMEM;
        } else if (rv) {
            v = *rv;
        }
        if (jv_builder_set(&b, c->a, m->key, m->klen, v) != CDLT_OK)
            return err_nomem(c->err);
    }
    for (uint32_t i = 0; i < res->len; i++) {
        const jv_member *m = &res->u.members[i];
        if (jv_get(defaults, m->key))
            continue;
        if (jv_builder_set(&b, c->a, m->key, m->klen, m->value) != CDLT_OK)
            return err_nomem(c->err);
    }
    *out = b.value;
    return CDLT_OK;
}

/* ---- resources ---- */

static const char *const RES_KEYS[] = {
    "name",          "endpoint",          "include_from_parent", "processing_steps",
    "selected",      "parallelized",      "max_table_nesting",   "table_name",
    "primary_key",   "merge_key",         "write_disposition",   "columns",
    "schema_contract", "table_format",    "file_format",         "references",
    "nested_hints",  "parent_table_name", NULL};
static const char *const DEFAULT_KEYS[] = {
    "endpoint",      "include_from_parent", "processing_steps", "selected",
    "parallelized",  "max_table_nesting",   "table_name",       "primary_key",
    "merge_key",     "write_disposition",   "columns",          "schema_contract",
    "table_format",  "file_format",         "references",       "nested_hints",
    "parent_table_name", NULL};
static const char *const EP_KEYS[] = {"path",      "method",  "params",        "json",
                                      "data",      "headers", "paginator",     "data_selector",
                                      "response_actions", "incremental", "auth", NULL};
static const char *const HINT_KEYS[] = {"table_name", "write_disposition", "primary_key",
                                        "merge_key", "columns", "max_table_nesting",
                                        "schema_contract", "selected", NULL};
static const char *const INCR_KEYS[] = {"cursor_path", "initial_value", "end_value",
                                        "start_param", "end_param", "last_value_func",
                                        "row_order", "lag", "on_cursor_value_missing",
                                        "range_start", "range_end", "primary_key", "convert",
                                        "allow_external_schedulers", NULL};

static cdlt_status add_parent_ref(cfgctx *c, rest_res *r, const tmpl *t, const char *path,
                                  const char **parent)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->parts[i].kind != TP_PARENT)
            continue;
        if (*parent && strcmp(*parent, t->parts[i].text) != 0)
            return fail(c, path, "resource '%s' refers to multiple parent resources ('%s' and "
                                 "'%s'); a resource has one parent",
                        r->name, *parent, t->parts[i].text);
        *parent = t->parts[i].text;
    }
    return CDLT_OK;
}

static cdlt_status json_refs(cfgctx *c, rest_res *r, const jv *v, const char *path,
                             const char **parent, bool has_incr)
{
    if (v->type == JV_STRING) {
        tmpl t;
        cdlt_status rc = tmpl_parse(v->u.s, c->a, &t, false, path, c->err);
        if (rc == CDLT_OK && !has_incr)
            for (size_t i = 0; i < t.n; i++)
                if (t.parts[i].kind == TP_INCR)
                    return fail(c, path, "'{incremental.%s}' needs an 'incremental' block in "
                                         "the endpoint",
                                t.parts[i].text);
        return rc == CDLT_OK ? add_parent_ref(c, r, &t, path, parent) : rc;
    }
    for (uint32_t i = 0; (v->type == JV_ARRAY || v->type == JV_OBJECT) && i < v->len; i++) {
        cdlt_status rc = json_refs(c, r, v->type == JV_ARRAY ? &v->u.items[i]
                                                            : &v->u.members[i].value,
                                   path, parent, has_incr);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

static cdlt_status value_template(cfgctx *c, const jv *v, const char *path, tmpl *out,
                                  bool has_incr)
{
    const char *text;
    buf b = BUF_INIT;
    if (v->type == JV_STRING) {
        text = v->u.s;
    } else if (v->type == JV_INT || v->type == JV_DOUBLE || v->type == JV_BOOL ||
               v->type == JV_UINT || v->type == JV_BIGNUM || jv_is_datetime(v)) {
        if (v->type == JV_BOOL)
            buf_puts(&b, v->u.b ? "True" : "False"); /* Python's str() in the query */
        else if (v->type == JV_STRING || jv_is_datetime(v) || v->type == JV_BIGNUM)
            buf_append(&b, v->u.s, v->len);
        else
            json_write(&b, v, 0);
        /* a literal: braces are not placeholders */
        text = arena_strndup(c->a, buf_cstr(&b), b.len);
        buf_free(&b);
        memset(out, 0, sizeof *out);
        tpart *p = arena_alloc(c->a, sizeof *p);
        if (!p || !text)
            return err_nomem(c->err);
        *p = (tpart){TP_LIT, text, strlen(text), {0}};
        out->parts = p;
        out->n = 1;
        out->src = text;
        return CDLT_OK;
    } else {
        return fail(c, path, "expects a string or a number, not %s",
                    jv_type_name((jv_type)v->type));
    }
    cdlt_status rc = tmpl_parse(text, c->a, out, false, path, c->err);
    if (rc == CDLT_OK && !has_incr)
        for (size_t i = 0; i < out->n; i++)
            if (out->parts[i].kind == TP_INCR)
                return fail(c, path,
                            "'{incremental.%s}' needs an 'incremental' block in the endpoint",
                            out->parts[i].text);
    return rc;
}

static cdlt_status parse_actions(cfgctx *c, rest_res *r, const jv *v, const char *path)
{
    if (v->type != JV_ARRAY)
        return fail(c, path, "expects a list of {status_code, content, action}");
    r->actions = arena_alloc_zero(c->a, (v->len + 1) * sizeof *r->actions);
    if (!r->actions)
        return err_nomem(c->err);
    static const char *const K[] = {"status_code", "content", "action", NULL};
    for (uint32_t i = 0; i < v->len; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s[%u]", path, i);
        const jv *e = &v->u.items[i];
        if (e->type != JV_OBJECT)
            return fail(c, p, "a response action is a table {status_code, content, action}; "
                              "callables cannot be written in a definition file");
        cdlt_status rc = check_keys(c, e, p, K);
        if (rc != CDLT_OK)
            return rc;
        const jv *sc = jv_get(e, "status_code"), *ct = jv_get(e, "content"),
                 *ac = jv_get(e, "action");
        if (!ac)
            return fail(c, p, "a response action needs 'action' (\"ignore\")");
        if (ac->type != JV_STRING || strcmp(ac->u.s, "ignore") != 0)
            return fail(c, sub(c, p, "action"),
                        "cdlt supports the action \"ignore\" (dlt's other actions are Python "
                        "callables)");
        rest_action *a = &r->actions[r->nactions];
        if (sc && sc->type == JV_STRING) {
            /* dlt accepts a string but compares it with the numeric status, so it never
             * matches; cdlt does the same (same data, same failures) and says so */
            LOG_WARN("%s.status_code is the string \"%s\": it never matches a response "
                     "(dlt compares status codes as numbers); write %s without quotes",
                     p, sc->u.s, sc->u.s);
            a->has_status = true;
            a->status = -1;
        } else if (sc) {
            if (sc->type != JV_INT)
                return fail(c, sub(c, p, "status_code"), "expects an integer status code");
            a->has_status = true;
            a->status = (long)sc->u.i;
        }
        if (ct) {
            if (ct->type != JV_STRING)
                return fail(c, sub(c, p, "content"), "expects a string");
            a->content = ct->u.s;
        }
        if (!sc && !ct)
            return fail(c, p, "a response action needs status_code and/or content");
        r->nactions++;
    }
    return CDLT_OK;
}

static cdlt_status parse_incremental(cfgctx *c, rest_res *r, const jv *v, const char *path,
                                     bool from_param)
{
    if (v->type != JV_OBJECT)
        return fail(c, path, "expects a table of dlt's incremental arguments (cursor_path, "
                             "initial_value, ...)");
    static const char *const PK[] = {"type", "cursor_path", "initial_value", "convert",
                                     "transform", NULL};
    cdlt_status rc = check_keys(c, v, path, from_param ? PK : INCR_KEYS);
    if (rc != CDLT_OK)
        return rc;
    if (!str_of(jv_get(v, "cursor_path")))
        return fail(c, path, "the incremental block needs 'cursor_path' (a string)");
    if (jv_get(v, "convert") || jv_get(v, "transform"))
        return fail(c, sub(c, path, "convert"),
                    "convert is a Python callable in dlt; a definition file cannot hold one. "
                    "Send the cursor value as it is (remove convert)");
    if ((rc = want_str(c, v, path, "start_param", &r->start_param)) != CDLT_OK ||
        (rc = want_str(c, v, path, "end_param", &r->end_param)) != CDLT_OK)
        return rc;
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < v->len; i++) {
        const jv_member *m = &v->u.members[i];
        if (!strcmp(m->key, "start_param") || !strcmp(m->key, "end_param") ||
            !strcmp(m->key, "type"))
            continue;
        if (jv_builder_set(&b, c->a, m->key, m->klen, m->value) != CDLT_OK)
            return err_nomem(c->err);
    }
    buf t = BUF_INIT;
    rc = json_write(&t, &b.value, 0);
    r->incr_json = rc == CDLT_OK ? arena_strndup(c->a, buf_cstr(&t), t.len) : NULL;
    buf_free(&t);
    return r->incr_json ? CDLT_OK : err_nomem(c->err);
}

/* The last path segment holds a placeholder: a single-entity endpoint (spec §1.8). */
static bool single_entity(const char *path)
{
    size_t n = strlen(path);
    while (n && path[n - 1] == '/')
        n--;
    size_t s = n;
    while (s && path[s - 1] != '/')
        s--;
    for (size_t i = s; i < n; i++)
        if (path[i] == '{' && (i + 1 >= n || path[i + 1] != '{')) {
            size_t j = i + 1;
            while (j < n && path[j] != '}')
                j++;
            if (j < n && j > i + 1)
                return true;
        }
    return false;
}

typedef struct client_cfg {
    const char *base_url;
    const jv *headers;
    rest_auth *auth;
    pg_spec pg;
    bool has_pg;
} client_cfg;

static cdlt_status parse_resource(cfgctx *c, const jv *entry, const jv *defaults,
                                  const client_cfg *cl, size_t idx, rest_res *r)
{
    char *where = arena_alloc(c->a, strlen(c->where) + 32);
    if (!where)
        return err_nomem(c->err);
    sprintf(where, "%s.resources[%zu]", c->where, idx);
    r->where = where;
    r->parent = -1;
    jv obj;
    if (entry->type == JV_STRING) {
        jv_builder b;
        jv_builder_init(&b, JV_OBJECT);
        if (jv_builder_set(&b, c->a, "name", 4, *entry) != CDLT_OK)
            return err_nomem(c->err);
        obj = b.value;
    } else if (entry->type == JV_OBJECT) {
        obj = *entry;
    } else {
        return fail(c, where, "a resource is a name string or a table with 'name'");
    }
    cdlt_status rc = check_keys(c, &obj, where, RES_KEYS);
    if (rc != CDLT_OK)
        return rc;
    const jv *nm = jv_get(&obj, "name");
    if (!nm || nm->type != JV_STRING || !nm->len)
        return fail(c, where, "a resource needs 'name' (a string)");
    r->name = nm->u.s;
    jv m;
    if ((rc = merge_resource(c, defaults, &obj, &m)) != CDLT_OK)
        return rc;
    static const char *const UNSUP[] = {"table_format", "file_format", "references",
                                        "nested_hints", "parent_table_name", NULL};
    for (int i = 0; UNSUP[i]; i++)
        if (jv_get(&m, UNSUP[i]))
            return fail(c, sub(c, where, UNSUP[i]),
                        "is a dlt hint cdlt does not support yet; remove it (it would be "
                        "ignored otherwise)");
    const jv *ps = jv_get(&m, "processing_steps");
    if (ps && ps->type != JV_NULL &&
        (rc = rest_steps_parse(ps, sub(c, where, "processing_steps"), c->a, &r->steps,
                               &r->nsteps, c->err)) != CDLT_OK)
        return rc;
    bool b = false;
    if ((rc = want_bool(c, &m, where, "selected", &b)) != CDLT_OK ||
        (rc = want_bool(c, &m, where, "parallelized", &b)) != CDLT_OK)
        return rc;
    /* table hints go to the pipeline as they are (it validates them like any resource's) */
    jv_builder hb;
    jv_builder_init(&hb, JV_OBJECT);
    const jv *tn = jv_get(&m, "table_name");
    if (tn && tn->type == JV_STRING && strchr(tn->u.s, '{')) {
        /* a per-item pattern: "{field}" parts come from each record (jsonpath.h) */
        for (const char *p = strchr(tn->u.s, '{'); p; p = strchr(p + 1, '{')) {
            const char *e = strchr(p, '}');
            if (!e || e == p + 1)
                return fail(c, sub(c, where, "table_name"),
                            "'%s': a pattern names record fields as {field}", tn->u.s);
            jpath jp;
            char *f = arena_strndup(c->a, p + 1, (size_t)(e - p - 1));
            if (!f)
                return err_nomem(c->err);
            if ((rc = jpath_compile(f, c->a, &jp, c->err)) != CDLT_OK) {
                err_prefix(c->err, "%s: ", sub(c, where, "table_name"));
                return rc;
            }
        }
        r->table_pattern = tn->u.s;
    }
    for (int i = 0; HINT_KEYS[i]; i++) {
        if (r->table_pattern && strcmp(HINT_KEYS[i], "table_name") == 0)
            continue;
        const jv *hv = jv_get(&m, HINT_KEYS[i]);
        if (hv && jv_builder_set(&hb, c->a, HINT_KEYS[i], strlen(HINT_KEYS[i]), *hv) != CDLT_OK)
            return err_nomem(c->err);
    }
    r->hints = hb.value;

    /* endpoint */
    const char *ep_path = sub(c, where, "endpoint");
    const jv *ep = jv_get(&m, "endpoint");
    jv epo = {.type = JV_OBJECT};
    if (ep && ep->type == JV_STRING) {
        jv_builder eb;
        jv_builder_init(&eb, JV_OBJECT);
        if (jv_builder_set(&eb, c->a, "path", 4, *ep) != CDLT_OK)
            return err_nomem(c->err);
        epo = eb.value;
    } else if (ep && ep->type == JV_OBJECT) {
        epo = *ep;
    } else if (ep) {
        return fail(c, ep_path, "expects a path string or a table");
    }
    if ((rc = check_keys(c, &epo, ep_path, EP_KEYS)) != CDLT_OK)
        return rc;
    const char *path = r->name;
    if ((rc = want_str(c, &epo, ep_path, "path", &path)) != CDLT_OK)
        return rc;
    if (!path)
        path = r->name;
    r->method = "GET";
    const char *method = NULL;
    if ((rc = want_str(c, &epo, ep_path, "method", &method)) != CDLT_OK)
        return rc;
    if (method) {
        if (strcasecmp(method, "GET") == 0)
            r->method = "GET";
        else if (strcasecmp(method, "POST") == 0)
            r->method = "POST";
        else
            return fail(c, sub(c, ep_path, "method"), "unknown method '%s' (allowed: GET, POST)",
                        method);
    }
    const jv *incr = jv_get(&epo, "incremental");
    if (incr && incr->type != JV_NULL &&
        (rc = parse_incremental(c, r, incr, sub(c, ep_path, "incremental"), false)) != CDLT_OK)
        return rc;
    bool has_incr = r->incr_json != NULL;
    const char *parent = NULL;

    /* params: plain values, resolve bindings (legacy) or one incremental binding (legacy) */
    const jv *params = jv_get(&epo, "params");
    const char *pp = sub(c, ep_path, "params");
    if (params && params->type != JV_OBJECT && params->type != JV_NULL)
        return fail(c, pp, "expects a table of query parameters");
    size_t np = params && params->type == JV_OBJECT ? params->len : 0;
    size_t slots = 0; /* a list param takes one slot per value */
    for (size_t i = 0; i < np; i++)
        slots += params->u.members[i].value.type == JV_ARRAY ? params->u.members[i].value.len : 1;
    r->pnames = arena_alloc_zero(c->a, (slots + 1) * sizeof *r->pnames);
    r->pvals = arena_alloc_zero(c->a, (slots + 1) * sizeof *r->pvals);
    r->pval_incr = arena_alloc_zero(c->a, (slots + 1) * sizeof *r->pval_incr);
    r->resolve_names = arena_alloc_zero(c->a, (np + 1) * sizeof *r->resolve_names);
    r->resolve_fields = arena_alloc_zero(c->a, (np + 1) * sizeof *r->resolve_fields);
    if (!r->pnames || !r->pvals || !r->pval_incr || !r->resolve_names || !r->resolve_fields)
        return err_nomem(c->err);
    tmpl path_t;
    if ((rc = tmpl_parse(path, c->a, &path_t, true, sub(c, ep_path, "path"), c->err)) != CDLT_OK)
        return rc;
    bool incr_param = false;
    for (size_t i = 0; i < np; i++) {
        const jv_member *pm = &params->u.members[i];
        const char *ppath = sub(c, pp, pm->key);
        if (pm->value.type == JV_NULL)
            continue; /* requests drops a None param */
        if (pm->value.type == JV_OBJECT) {
            const char *t = str_of(jv_get(&pm->value, "type"));
            if (t && strcmp(t, "resolve") == 0) {
                static const char *const K[] = {"type", "resource", "field", NULL};
                if ((rc = check_keys(c, &pm->value, ppath, K)) != CDLT_OK)
                    return rc;
                const char *res = str_of(jv_get(&pm->value, "resource")),
                           *fld = str_of(jv_get(&pm->value, "field"));
                if (!res || !fld)
                    return fail(c, ppath, "a resolve param needs 'resource' and 'field'");
                bool in_path = false;
                for (size_t k = 0; k < path_t.n; k++)
                    in_path |= path_t.parts[k].kind == TP_PARAM &&
                               strcmp(path_t.parts[k].text, pm->key) == 0;
                if (!in_path)
                    return fail(c, ppath,
                                "resource '%s' defines resolve param '%s' that is not bound "
                                "in the path '%s' (resolve params work only in the path)",
                                r->name, pm->key, path);
                if (parent && strcmp(parent, res) != 0)
                    return fail(c, ppath, "resource '%s' refers to multiple parent resources",
                                r->name);
                parent = res;
                r->resolve_names[r->nresolve] = pm->key;
                if ((rc = jpath_compile(fld, c->a, &r->resolve_fields[r->nresolve], c->err)) !=
                    CDLT_OK)
                    return rc;
                r->nresolve++;
                continue;
            }
            if (t && strcmp(t, "incremental") == 0) {
                if (incr_param || has_incr)
                    return fail(c, ppath, "only a single incremental parameter is allowed per "
                                          "endpoint");
                if ((rc = parse_incremental(c, r, &pm->value, ppath, true)) != CDLT_OK)
                    return rc;
                incr_param = true;
                r->pnames[r->nparams] = pm->key;
                r->pval_incr[r->nparams] = true;
                memset(&r->pvals[r->nparams], 0, sizeof(tmpl));
                r->nparams++;
                continue;
            }
            return fail(c, ppath,
                        "a table value of a param must have type = \"incremental\" or "
                        "\"resolve\" (got %s)",
                        t ? t : "no type");
        }
        if (pm->value.type == JV_ARRAY) {
            /* a list is the key repeated once per value, as requests sends it */
            for (uint32_t k = 0; k < pm->value.len; k++) {
                if (pm->value.u.items[k].type == JV_ARRAY || pm->value.u.items[k].type == JV_OBJECT)
                    return fail(c, ppath, "a list param holds scalar values");
            }
            if (pm->value.len == 0)
                continue; /* requests sends nothing for an empty list */
            for (uint32_t k = 0; k < pm->value.len; k++) {
                tmpl t;
                if ((rc = value_template(c, &pm->value.u.items[k], ppath, &t,
                                         has_incr || incr_param)) != CDLT_OK ||
                    (rc = add_parent_ref(c, r, &t, ppath, &parent)) != CDLT_OK)
                    return rc;
                r->pnames[r->nparams] = pm->key;
                r->pvals[r->nparams] = t;
                r->nparams++;
            }
            continue;
        }
        tmpl t;
        if ((rc = value_template(c, &pm->value, ppath, &t, has_incr || incr_param)) != CDLT_OK)
            return rc;
        if ((rc = add_parent_ref(c, r, &t, ppath, &parent)) != CDLT_OK)
            return rc;
        r->pnames[r->nparams] = pm->key;
        r->pvals[r->nparams] = t;
        r->nparams++;
    }
    has_incr = r->incr_json != NULL;
    /* path placeholders: resources.*, incremental.*, a resolve param, or a plain param bound
     * statically (removed from the query, as dlt does) */
    for (size_t k = 0; k < path_t.n; k++) {
        tpart *p = &path_t.parts[k];
        if (p->kind == TP_INCR && !has_incr)
            return fail(c, sub(c, ep_path, "path"),
                        "'{incremental.%s}' needs an 'incremental' block in the endpoint",
                        p->text);
        if (p->kind != TP_PARAM)
            continue;
        bool resolved = false;
        for (size_t j = 0; j < r->nresolve; j++)
            resolved |= strcmp(r->resolve_names[j], p->text) == 0;
        if (resolved)
            continue;
        size_t j = 0;
        while (j < r->nparams && strcmp(r->pnames[j], p->text) != 0)
            j++;
        if (j == r->nparams || r->pval_incr[j])
            return fail(c, sub(c, ep_path, "path"),
                        "path '%s' has placeholder '{%s}' but there is no param named '%s' and "
                        "it is not '{resources.<parent>.<field>}' or '{incremental.<attr>}'",
                        path, p->text, p->text);
        /* static binding: the param's text goes into the path */
        buf v = BUF_INIT;
        tctx none = {0};
        rc = tmpl_expand(&r->pvals[j], &none, &v, r->name, c->err);
        p->kind = TP_LIT;
        p->text = arena_strndup(c->a, buf_cstr(&v), v.len);
        p->len = v.len;
        buf_free(&v);
        if (rc != CDLT_OK || !p->text)
            return rc != CDLT_OK ? rc : err_nomem(c->err);
        memmove(&r->pnames[j], &r->pnames[j + 1], (r->nparams - j - 1) * sizeof *r->pnames);
        memmove(&r->pvals[j], &r->pvals[j + 1], (r->nparams - j - 1) * sizeof *r->pvals);
        memmove(&r->pval_incr[j], &r->pval_incr[j + 1], (r->nparams - j - 1) * sizeof(bool));
        r->nparams--;
    }
    r->path = path_t;
    if ((rc = add_parent_ref(c, r, &path_t, sub(c, ep_path, "path"), &parent)) != CDLT_OK)
        return rc;

    /* headers: the client's, overridden key by key by the endpoint's */
    const jv *eh = jv_get(&epo, "headers");
    if (eh && eh->type != JV_OBJECT && eh->type != JV_NULL)
        return fail(c, sub(c, ep_path, "headers"), "expects a table of header names and values");
    size_t nh = (cl->headers ? cl->headers->len : 0) + (eh && eh->type == JV_OBJECT ? eh->len : 0);
    r->hnames = arena_alloc_zero(c->a, (nh + 1) * sizeof *r->hnames);
    r->hvals = arena_alloc_zero(c->a, (nh + 1) * sizeof *r->hvals);
    if (!r->hnames || !r->hvals)
        return err_nomem(c->err);
    for (int side = 0; side < 2; side++) {
        const jv *h = side == 0 ? cl->headers : (eh && eh->type == JV_OBJECT ? eh : NULL);
        for (uint32_t i = 0; h && i < h->len; i++) {
            const jv_member *hm = &h->u.members[i];
            const char *hp = sub(c, sub(c, side ? ep_path : "client", "headers"), hm->key);
            tmpl t;
            if (side == 0) {
                /* dlt does not expand placeholders in client headers */
                if (hm->value.type != JV_STRING)
                    return fail(c, hp, "expects a string");
                tpart *p = arena_alloc(c->a, sizeof *p);
                if (!p)
                    return err_nomem(c->err);
                *p = (tpart){TP_LIT, hm->value.u.s, hm->value.len, {0}};
                t = (tmpl){p, 1, false, hm->value.u.s};
            } else if ((rc = value_template(c, &hm->value, hp, &t, has_incr)) != CDLT_OK) {
                return rc;
            }
            if ((rc = add_parent_ref(c, r, &t, hp, &parent)) != CDLT_OK)
                return rc;
            size_t j = 0;
            while (j < r->nheaders && strcasecmp(r->hnames[j], hm->key) != 0)
                j++;
            r->hnames[j] = hm->key;
            r->hvals[j] = t;
            if (j == r->nheaders)
                r->nheaders++;
        }
    }

    /* body */
    const jv *js = jv_get(&epo, "json"), *dt = jv_get(&epo, "data");
    if (js && js->type != JV_NULL && dt && dt->type != JV_NULL)
        return fail(c, ep_path, "set either json or data, not both");
    if (js && js->type != JV_NULL) {
        if ((rc = json_refs(c, r, js, sub(c, ep_path, "json"), &parent, has_incr)) != CDLT_OK)
            return rc;
        r->json = *js;
        r->has_json = true;
    }
    if (dt && dt->type == JV_STRING) {
        if ((rc = value_template(c, dt, sub(c, ep_path, "data"), &r->data, has_incr)) != CDLT_OK ||
            (rc = add_parent_ref(c, r, &r->data, sub(c, ep_path, "data"), &parent)) != CDLT_OK)
            return rc;
        r->has_data = true;
    } else if (dt && dt->type == JV_OBJECT) {
        r->form_names = arena_alloc_zero(c->a, (dt->len + 1) * sizeof *r->form_names);
        r->form_vals = arena_alloc_zero(c->a, (dt->len + 1) * sizeof *r->form_vals);
        if (!r->form_names || !r->form_vals)
            return err_nomem(c->err);
        for (uint32_t i = 0; i < dt->len; i++) {
            const char *fp = sub(c, sub(c, ep_path, "data"), dt->u.members[i].key);
            if ((rc = value_template(c, &dt->u.members[i].value, fp, &r->form_vals[i],
                                     has_incr)) != CDLT_OK ||
                (rc = add_parent_ref(c, r, &r->form_vals[i], fp, &parent)) != CDLT_OK)
                return rc;
            r->form_names[i] = dt->u.members[i].key;
        }
        r->nform = dt->len;
        r->has_data = true;
        r->data_form = true;
    } else if (dt && dt->type != JV_NULL) {
        return fail(c, sub(c, ep_path, "data"), "expects a string or a table of form fields");
    }

    /* paginator and data selector: endpoint (with defaults) > single entity > client > auto */
    bool single = single_entity(path);
    const jv *pg = jv_get(&epo, "paginator");
    if (pg && pg->type != JV_NULL) {
        if ((rc = parse_paginator(c, pg, sub(c, ep_path, "paginator"), &r->pg)) != CDLT_OK)
            return rc;
    }
    if (!r->pg.set) {
        if (single)
            r->pg = (pg_spec){.kind = PG_SINGLE, .set = true};
        else if (cl->has_pg)
            r->pg = cl->pg;
    }
    const jv *ds = jv_get(&epo, "data_selector");
    if (ds && ds->type != JV_NULL) {
        if (ds->type != JV_STRING)
            return fail(c, sub(c, ep_path, "data_selector"), "expects a JSONPath string");
        if ((rc = jpath_compile(ds->u.s, c->a, &r->selector, c->err)) != CDLT_OK) {
            err_prefix(c->err, "%s: ", sub(c, ep_path, "data_selector"));
            return rc;
        }
        r->has_selector = true;
    } else if (single) {
        r->has_selector = true; /* "$": the whole body is the record */
        r->selector = (jpath){NULL, 0, "$"};
    }
    const jv *ra = jv_get(&epo, "response_actions");
    if (ra && ra->type != JV_NULL &&
        (rc = parse_actions(c, r, ra, sub(c, ep_path, "response_actions"))) != CDLT_OK)
        return rc;
    const jv *au = jv_get(&epo, "auth");
    r->auth = cl->auth;
    if (au && (rc = parse_auth(c, au, sub(c, ep_path, "auth"), &r->auth)) != CDLT_OK)
        return rc;

    /* include_from_parent */
    const jv *inc = jv_get(&m, "include_from_parent");
    if (inc && inc->type != JV_NULL) {
        if (inc->type != JV_ARRAY)
            return fail(c, sub(c, where, "include_from_parent"), "expects a list of field names");
        r->include = arena_alloc_zero(c->a, (inc->len + 1) * sizeof *r->include);
        if (!r->include)
            return err_nomem(c->err);
        for (uint32_t i = 0; i < inc->len; i++) {
            if (inc->u.items[i].type != JV_STRING)
                return fail(c, sub(c, where, "include_from_parent"), "expects field names");
            r->include[r->ninclude++] = inc->u.items[i].u.s;
        }
        if (!parent && r->ninclude)
            return fail(c, sub(c, where, "include_from_parent"),
                        "resource '%s' has include_from_parent but is not dependent on another "
                        "resource",
                        r->name);
    }
    r->base_url = cl->base_url;
    /* the parent is found by name once all resources are parsed */
    r->parent_name = parent;
    r->parent = parent ? -2 : -1;
    return CDLT_OK;
}

cdlt_status rest_source_parse(const jv *cfg, const char *where, const char *name,
                              cdlt_config *config, rest_source **out, cdlt_error *err)
{
    *out = NULL;
    rest_source *s = mem_calloc(1, sizeof *s);
    if (!s)
        return err_nomem(err);
    arena_init(&s->mem, 16384, 0);
    s->name = name && *name ? name : "rest_api";
    cfgctx c = {s, &s->mem, config, err, where && *where ? where : "rest_api"};
    cdlt_status rc = CDLT_OK;
    static const char *const TOP[] = {"client", "resource_defaults", "resources", NULL};
    static const char *const CLIENT[] = {"base_url", "headers", "auth", "paginator", "session",
                                         NULL};
    const jv *cl = NULL, *res = NULL, *defaults = NULL;
    client_cfg cc = {0};
    if (cfg->type != JV_OBJECT) {
        rc = fail(&c, c.where, "expects a table with client and resources");
        goto done;
    }
    if ((rc = check_keys(&c, cfg, c.where, TOP)) != CDLT_OK)
        goto done;
    cl = jv_get(cfg, "client");
    res = jv_get(cfg, "resources");
    defaults = jv_get(cfg, "resource_defaults");
    if (!cl || cl->type != JV_OBJECT) {
        rc = fail(&c, sub(&c, c.where, "client"), "is required: a table with base_url");
        goto done;
    }
    if (!res || res->type != JV_ARRAY || res->len == 0) {
        rc = fail(&c, sub(&c, c.where, "resources"), "is required: a list of resources");
        goto done;
    }
    if (defaults && defaults->type != JV_OBJECT) {
        rc = fail(&c, sub(&c, c.where, "resource_defaults"), "expects a table");
        goto done;
    }
    if (defaults && (rc = check_keys(&c, defaults, sub(&c, c.where, "resource_defaults"),
                                     DEFAULT_KEYS)) != CDLT_OK)
        goto done;
    const char *cp = sub(&c, c.where, "client");
    if ((rc = check_keys(&c, cl, cp, CLIENT)) != CDLT_OK)
        goto done;
    const jv *se = jv_get(cl, "session");
    if (se && se->type != JV_NULL) {
        /* dlt takes a requests Session here (built with dlt's Client(...) options); a file
         * holds the same options as a table, and they win over the [runtime] keys */
        const char *sp = sub(&c, cp, "session");
        static const char *const SK[] = {"request_timeout", "request_max_attempts",
                                         "request_backoff_factor", "request_max_retry_delay",
                                         "respect_retry_after_header", "max_connections", NULL};
        if (se->type != JV_OBJECT) {
            rc = fail(&c, sp, "is a Python requests session in dlt; in a file write its options "
                              "as a table (request_timeout, request_max_attempts, "
                              "request_backoff_factor, request_max_retry_delay, "
                              "respect_retry_after_header, max_connections)");
            goto done;
        }
        if ((rc = check_keys(&c, se, sp, SK)) != CDLT_OK)
            goto done;
        for (uint32_t i = 0; i < se->len; i++) {
            const jv_member *m = &se->u.members[i];
            const jv *v = &m->value;
            if (!strcmp(m->key, "respect_retry_after_header")) {
                if (v->type != JV_BOOL) {
                    rc = fail(&c, sub(&c, sp, m->key), "expects true or false");
                    goto done;
                }
                s->session.ignore_retry_after = !v->u.b;
                continue;
            }
            double d = v->type == JV_INT ? (double)v->u.i : v->type == JV_DOUBLE ? v->u.d : -1;
            if (d < 0 || (strcmp(m->key, "request_backoff_factor") != 0 && d == 0 &&
                          strcmp(m->key, "request_max_attempts") != 0)) {
                rc = fail(&c, sub(&c, sp, m->key), "expects a number > 0");
                goto done;
            }
            if (!strcmp(m->key, "request_timeout"))
                s->session.timeout_s = d;
            else if (!strcmp(m->key, "request_max_attempts"))
                s->session.max_attempts = d < 1 ? 1 : (int)d; /* dlt: 0 = no retries */
            else if (!strcmp(m->key, "request_backoff_factor"))
                s->session.backoff_factor = d == 0 ? -1 : d;
            else if (!strcmp(m->key, "request_max_retry_delay"))
                s->session.max_retry_delay_s = d;
            else
                s->session.max_connections = s->session.max_host_connections = (int)d;
        }
        s->has_session = true;
    }
    if ((rc = want_str(&c, cl, cp, "base_url", &cc.base_url)) != CDLT_OK)
        goto done;
    if (!cc.base_url) {
        rc = fail(&c, sub(&c, cp, "base_url"), "is required (e.g. \"https://api.example.com/v1/\")");
        goto done;
    }
    cc.headers = jv_get(cl, "headers");
    if (cc.headers && cc.headers->type == JV_NULL)
        cc.headers = NULL;
    if (cc.headers && cc.headers->type != JV_OBJECT) {
        rc = fail(&c, sub(&c, cp, "headers"), "expects a table of header names and values");
        goto done;
    }
    const jv *ca = jv_get(cl, "auth");
    if (ca && (rc = parse_auth(&c, ca, sub(&c, cp, "auth"), &cc.auth)) != CDLT_OK)
        goto done;
    const jv *cpg = jv_get(cl, "paginator");
    if (cpg && cpg->type != JV_NULL) {
        if ((rc = parse_paginator(&c, cpg, sub(&c, cp, "paginator"), &cc.pg)) != CDLT_OK)
            goto done;
        cc.has_pg = cc.pg.set;
    }
    s->res = arena_alloc_zero(&s->mem, res->len * sizeof *s->res);
    if (!s->res) {
        rc = err_nomem(err);
        goto done;
    }
    s->n = res->len;
    for (uint32_t i = 0; i < res->len; i++) {
        if ((rc = parse_resource(&c, &res->u.items[i], defaults, &cc, i, &s->res[i])) != CDLT_OK)
            goto done;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(s->res[j].name, s->res[i].name) == 0) {
                rc = fail(&c, s->res[i].where, "resource '%s' is already defined",
                          s->res[i].name);
                goto done;
            }
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->res[i].parent != -2)
            continue;
        const char *pn = s->res[i].parent_name;
        s->res[i].parent = -1;
        for (size_t j = 0; j < s->n; j++)
            if (strcmp(s->res[j].name, pn) == 0)
                s->res[i].parent = (int)j;
        if (s->res[i].parent < 0 || (size_t)s->res[i].parent == i) {
            rc = fail(&c, s->res[i].where, "resource '%s' refers to non existing parent resource "
                                           "'%s'",
                      s->res[i].name, pn);
            goto done;
        }
    }
    /* cycles would never start */
    for (size_t i = 0; i < s->n; i++) {
        int p = s->res[i].parent;
        size_t steps = 0;
        while (p >= 0 && steps <= s->n) {
            p = s->res[p].parent;
            steps++;
        }
        if (steps > s->n) {
            rc = fail(&c, s->res[i].where, "resource '%s' is part of a parent cycle",
                      s->res[i].name);
            goto done;
        }
    }
done:
    if (rc != CDLT_OK) {
        rest_source_free(s);
        return rc;
    }
    *out = s;
    return CDLT_OK;
}

void rest_source_free(rest_source *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->res[i].auth && s->res[i].auth->access_token) {
            mem_free(s->res[i].auth->access_token);
            s->res[i].auth->access_token = NULL;
        }
    arena_free(&s->mem);
    mem_free(s);
}

size_t rest_source_count(const rest_source *s) { return s->n; }

void rest_source_http_settings(const rest_source *s, http_settings *hs)
{
    if (!s->has_session)
        return;
    const http_settings *o = &s->session;
    if (o->timeout_s > 0)
        hs->timeout_s = o->timeout_s;
    if (o->max_attempts > 0)
        hs->max_attempts = o->max_attempts;
    if (o->backoff_factor != 0)
        hs->backoff_factor = o->backoff_factor;
    if (o->max_retry_delay_s > 0)
        hs->max_retry_delay_s = o->max_retry_delay_s;
    if (o->max_connections > 0)
        hs->max_connections = hs->max_host_connections = o->max_connections;
    if (o->ignore_retry_after)
        hs->ignore_retry_after = true;
}

void rest_source_show_error_body(rest_source *s, bool show, size_t max_len)
{
    s->show_error_body = show;
    s->max_error_body = max_len;
}
const char *rest_resource_name(const rest_source *s, size_t i) { return s->res[i].name; }
const jv *rest_resource_hints(const rest_source *s, size_t i) { return &s->res[i].hints; }
const char *rest_resource_incremental(const rest_source *s, size_t i)
{
    return s->res[i].incr_json;
}
int rest_resource_parent(const rest_source *s, size_t i) { return s->res[i].parent; }

const char *rest_resource_table_pattern(const rest_source *s, size_t i)
{
    return s->res[i].table_pattern;
}

cdlt_status rest_table_name(const char *pattern, const jv *item, buf *out, cdlt_error *err)
{
    buf_clear(out);
    arena a;
    arena_init(&a, 512, 0);
    cdlt_status rc = CDLT_OK;
    for (const char *p = pattern; *p && rc == CDLT_OK;) {
        const char *o = strchr(p, '{');
        if (!o) {
            buf_puts(out, p);
            break;
        }
        buf_append(out, p, (size_t)(o - p));
        const char *e = strchr(o, '}');
        char *f = arena_strndup(&a, o + 1, (size_t)(e - o - 1));
        jpath jp;
        rc = f ? jpath_compile(f, &a, &jp, err) : err_nomem(err);
        const jv *v = rc == CDLT_OK ? jpath_first(&jp, item) : NULL;
        if (rc == CDLT_OK && (!v || v->type == JV_NULL || v->type == JV_OBJECT ||
                              v->type == JV_ARRAY))
            rc = err_set(err, CDLT_SOURCE,
                         "table_name pattern '%s': the record has no scalar field '%s'", pattern,
                         f);
        else if (rc == CDLT_OK && v->type == JV_STRING)
            buf_append(out, v->u.s, v->len);
        else if (rc == CDLT_OK)
            json_write(out, v, 0);
        p = e + 1;
    }
    arena_free(&a);
    if (rc == CDLT_OK && out->status)
        rc = err_nomem(err);
    return rc;
}
