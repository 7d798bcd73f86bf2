/* get.c: the public typed lookups (string, int, bool, double, secret, JSON) over cfg_resolve:
 * coercion of env strings and TOML values to the asked type, like dlt's config coercion. */
#include "lookup.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

typedef enum want { W_STR, W_INT, W_BOOL, W_DBL } want;

static const char *want_name(want w)
{
    static const char *n[] = {"a string", "an integer", "a boolean", "a number"};
    return n[w];
}

/* Shortest text that reads back as the same double (no dependency on the JSON writer). */
static void fmt_double(double d, char *out, size_t cap)
{
    if (isnan(d)) {
        snprintf(out, cap, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(out, cap, d < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

static const char *trim(const char *s, size_t *len)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

static cdlt_status type_error(cdlt_config *cfg, const cfg_hit *hit, const char *key, want w,
                              bool secret, cdlt_error *err)
{
    const char *origin = cfg_hit_origin(cfg, hit);
    const jv *v = hit->value;
    if (!origin)
        origin = cfg_prov_name(hit->prov);
    if (v->type == JV_STRING && !secret && !cfg_name_is_secret(key))
        err_set(err, CDLT_CONFIG, "config value `%s` from %s is \"%.80s\", which is not %s; fix "
                "the value there", key, origin, v->u.s, want_name(w));
    else
        err_set(err, CDLT_CONFIG, "config value `%s` from %s is a %s, which is not %s; fix the "
                "value there", key, origin,
                v->type == JV_OBJECT ? "table/object" : v->type == JV_STRING ? "string"
                                                                              : jv_type_name((jv_type)v->type),
                want_name(w));
    cfg_keep_message(cfg, err->message);
    return CDLT_CONFIG;
}

static cdlt_status coerce(cdlt_config *cfg, const cfg_hit *hit, const char *key, want w,
                          bool secret, void *out, cdlt_error *err)
{
    const jv *v = hit->value;
    char tmp[64];
    switch (w) {
    case W_STR: {
        const char **o = out;
        switch ((jv_type)v->type) {
        case JV_STRING:
        case JV_BIGNUM:
        case JV_DATETIME:
        case JV_DATETIME_LOCAL:
        case JV_DATE_LOCAL:
        case JV_TIME_LOCAL:
            *o = v->u.s;
            return CDLT_OK;
        case JV_INT:
            snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
            break;
        case JV_UINT:
            snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v->u.u);
            break;
        case JV_DOUBLE:
            fmt_double(v->u.d, tmp, sizeof tmp);
            break;
        case JV_BOOL:
            snprintf(tmp, sizeof tmp, "%s", v->u.b ? "true" : "false");
            break;
        default:
            return type_error(cfg, hit, key, w, secret, err);
        }
        *o = arena_strndup(&cfg->mem, tmp, strlen(tmp));
        return *o ? CDLT_OK : err_nomem(err);
    }
    case W_INT: {
        int64_t *o = out;
        if (v->type == JV_INT) {
            *o = v->u.i;
            return CDLT_OK;
        }
        if (v->type == JV_DOUBLE && v->u.d == floor(v->u.d) && fabs(v->u.d) < 9.2e18) {
            *o = (int64_t)v->u.d;
            return CDLT_OK;
        }
        if (v->type == JV_STRING) {
            size_t n;
            const char *s = trim(v->u.s, &n);
            char num[64];
            if (n > 0 && n < sizeof num) {
                memcpy(num, s, n);
                num[n] = '\0';
                char *end;
                errno = 0;
                long long x = strtoll(num, &end, 10);
                if (*end == '\0' && errno == 0) {
                    *o = x;
                    return CDLT_OK;
                }
            }
        }
        return type_error(cfg, hit, key, w, secret, err);
    }
    case W_BOOL: {
        bool *o = out;
        if (v->type == JV_BOOL) {
            *o = v->u.b;
            return CDLT_OK;
        }
        if (v->type == JV_INT && (v->u.i == 0 || v->u.i == 1)) {
            *o = v->u.i == 1;
            return CDLT_OK;
        }
        if (v->type == JV_STRING) {
            static const char *yes[] = {"true", "yes", "on", "1", "y", "t"};
            static const char *no[] = {"false", "no", "off", "0", "n", "f"};
            size_t n;
            const char *s = trim(v->u.s, &n);
            for (size_t i = 0; i < CDLT_ARRAY_LEN(yes); i++) {
                if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0) {
                    *o = true;
                    return CDLT_OK;
                }
                if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) {
                    *o = false;
                    return CDLT_OK;
                }
            }
        }
        return type_error(cfg, hit, key, w, secret, err);
    }
    case W_DBL: {
        double *o = out;
        if (v->type == JV_DOUBLE) {
            *o = v->u.d;
            return CDLT_OK;
        }
        if (v->type == JV_INT) {
            *o = (double)v->u.i;
            return CDLT_OK;
        }
        if (v->type == JV_UINT) {
            *o = (double)v->u.u;
            return CDLT_OK;
        }
        if (v->type == JV_STRING) {
            size_t n;
            const char *s = trim(v->u.s, &n);
            char num[128];
            if (n > 0 && n < sizeof num) {
                memcpy(num, s, n);
                num[n] = '\0';
                char *end;
                double d = strtod(num, &end);
                if (*end == '\0') {
                    *o = d;
                    return CDLT_OK;
                }
            }
        }
        return type_error(cfg, hit, key, w, secret, err);
    }
    }
    return CDLT_ERROR;
}

static cdlt_status get_typed(cdlt_config *cfg, const char *section, const char *key, unsigned flags,
                             want w, void *out, bool *out_found, cdlt_error *err)
{
    *out_found = false;
    if (!cfg || !out)
        return err_set(err, CDLT_INVALID_ARG, "config lookup of `%s`: NULL handle or out", key ? key : "?");
    cfg_hit hit;
    cdlt_status st = cfg_get(cfg, section, key, flags, &hit, err);
    if (st == CDLT_NOT_FOUND)
        return st;
    if (st != CDLT_OK) {
        if (st != CDLT_CONFIG_MISSING && err)
            cfg_keep_message(cfg, err->message);
        return st;
    }
    *out_found = true;
    char full[2 * CFG_MAX_PATH + 4];
    snprintf(full, sizeof full, "%s%s%s", section && *section ? section : "",
             section && *section ? "." : "", key);
    return coerce(cfg, &hit, full, w, (flags & CFG_Q_SECRET) != 0, out, err);
}

#define GETTER(fn, fn_or, type, w, flags)                                                          \
    cdlt_status fn(cdlt_config *cfg, const char *section, const char *key, type *out,              \
                   cdlt_error *err)                                                                \
    {                                                                                              \
        bool found;                                                                                \
        return get_typed(cfg, section, key, flags, w, out, &found, err);                           \
    }                                                                                              \
    cdlt_status fn_or(cdlt_config *cfg, const char *section, const char *key, type def, type *out, \
                      cdlt_error *err)                                                             \
    {                                                                                              \
        bool found;                                                                                \
        cdlt_status st = get_typed(cfg, section, key, (flags) | CFG_Q_OPTIONAL, w, out, &found,    \
                                   err);                                                           \
        if (st == CDLT_NOT_FOUND) {                                                                \
            *out = def;                                                                            \
            return CDLT_OK;                                                                        \
        }                                                                                          \
        return st;                                                                                 \
    }

GETTER(cdlt_config_get_string, cdlt_config_get_string_or, const char *, W_STR, 0)
GETTER(cdlt_config_get_secret, cdlt_config_get_secret_or, const char *, W_STR, CFG_Q_SECRET)
GETTER(cdlt_config_get_int, cdlt_config_get_int_or, int64_t, W_INT, 0)
GETTER(cdlt_config_get_bool, cdlt_config_get_bool_or, bool, W_BOOL, 0)
GETTER(cdlt_config_get_double, cdlt_config_get_double_or, double, W_DBL, 0)

/* Value as JSON text in the cfg arena. */
static cdlt_status to_json(cdlt_config *cfg, const jv *v, const char **out, cdlt_error *err)
{
    buf b = BUF_INIT;
    json_write(&b, v, 0);
    if (b.status != CDLT_OK) {
        buf_free(&b);
        return err_nomem(err);
    }
    *out = arena_strndup(&cfg->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return *out ? CDLT_OK : err_nomem(err);
}

cdlt_status cdlt_config_get_json(cdlt_config *cfg, const char *dotted_path, bool secret,
                                 const char **out_json, cdlt_error *err)
{
    if (!cfg || !dotted_path || !out_json)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_config_get_json: NULL argument");
    *out_json = NULL;
    /* Split at the last dot: everything before is the (exact) section path. */
    char sec[CFG_MAX_PATH];
    const char *dot = strrchr(dotted_path, '.');
    size_t n = dot ? (size_t)(dot - dotted_path) : 0;
    if (n >= sizeof sec)
        return err_set(err, CDLT_INVALID_ARG, "config path is longer than %d bytes", CFG_MAX_PATH);
    memcpy(sec, dotted_path, n);
    sec[n] = '\0';
    cfg_hit hit;
    cdlt_status st = cfg_get(cfg, sec, dot ? dot + 1 : dotted_path,
                             CFG_Q_EXACT | CFG_Q_JSON | (secret ? CFG_Q_SECRET : 0), &hit, err);
    if (st != CDLT_OK)
        return st;
    return to_json(cfg, hit.value, out_json, err);
}

cdlt_status cdlt_config_section_json(cdlt_config *cfg, const char *section, const char **out_json,
                                     cdlt_error *err)
{
    if (!cfg || !out_json)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_config_section_json: NULL argument");
    *out_json = NULL;
    arena a;
    arena_init(&a, 4096, 0);
    jv tree;
    cdlt_status st = cfg_subtree(cfg, section, &a, &tree, NULL, err);
    if (st == CDLT_OK)
        st = to_json(cfg, &tree, out_json, err);
    arena_free(&a);
    return st;
}
