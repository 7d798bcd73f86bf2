/* template.c: placeholders in paths, params, headers and bodies (spec §1.5): parsing once at
 * config time, expansion per request against the parent record and the incremental values. */
#include "rest_int.h"

#include <stdio.h>
#include <string.h>

static cdlt_status push(arena *a, tmpl *t, size_t *cap, tpart p, cdlt_error *err)
{
    if (t->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        tpart *np = arena_alloc(a, nc * sizeof *np);
        if (!np)
            return err_nomem(err);
        if (*cap)
            memcpy(np, t->parts, *cap * sizeof *np);
        t->parts = np;
        *cap = nc;
    }
    t->parts[t->n++] = p;
    return CDLT_OK;
}

cdlt_status tmpl_parse(const char *s, arena *a, tmpl *out, bool path, const char *where,
                       cdlt_error *err)
{
    memset(out, 0, sizeof *out);
    out->src = s;
    size_t cap = 0;
    buf lit = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    for (const char *p = s; *p && rc == CDLT_OK;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            buf_putc(&lit, p[0]);
            p += 2;
            continue;
        }
        if (*p != '{') {
            buf_putc(&lit, *p++);
            continue;
        }
        const char *e = strchr(p, '}');
        if (!e) {
            rc = err_set(err, CDLT_CONFIG,
                         "%s: '%s' has an unclosed '{'; write literal braces as {{ and }}", where,
                         s);
            break;
        }
        if (lit.len) {
            char *l = arena_strndup(a, lit.data, lit.len);
            rc = l ? push(a, out, &cap, (tpart){TP_LIT, l, lit.len, {0}}, err) : err_nomem(err);
            buf_clear(&lit);
        }
        size_t n = (size_t)(e - p - 1);
        char *name = arena_strndup(a, p + 1, n);
        if (!name) {
            rc = err_nomem(err);
            break;
        }
        tpart part = {TP_PARAM, name, n, {0}};
        if (strncmp(name, "resources.", 10) == 0) {
            const char *f = strchr(name + 10, '.');
            if (!f || f == name + 10 || !f[1]) {
                rc = err_set(err, CDLT_CONFIG,
                             "%s: placeholder '{%s}': expected format "
                             "'resources.<resource>.<field>'",
                             where, name);
                break;
            }
            part.kind = TP_PARENT;
            part.text = arena_strndup(a, name + 10, (size_t)(f - name - 10)); /* parent name */
            part.len = part.text ? strlen(part.text) : 0;
            rc = part.text ? jpath_compile(f + 1, a, &part.field, err) : err_nomem(err);
            if (rc != CDLT_OK) {
                err_prefix(err, "%s: placeholder '{%s}': ", where, name);
                break;
            }
        } else if (strncmp(name, "incremental.", 12) == 0) {
            part.kind = TP_INCR;
            part.text = name + 12;
            part.len = strlen(part.text);
            static const char *const ATTRS[] = {"start_value", "last_value", "initial_value",
                                                "end_value", NULL};
            bool ok = false;
            for (int i = 0; ATTRS[i]; i++)
                ok |= strcmp(part.text, ATTRS[i]) == 0;
            if (!ok) {
                rc = err_set(err, CDLT_CONFIG,
                             "%s: placeholder '{%s}': incremental has start_value, last_value, "
                             "initial_value and end_value",
                             where, name);
                break;
            }
        } else if (!path) {
            rc = err_set(err, CDLT_CONFIG,
                         "%s: expression '{%s}' is not valid: placeholders here start with "
                         "'resources.' or 'incremental.'; escape literal braces by doubling "
                         "them: {{ and }}",
                         where, name);
            break;
        } else if (strchr(name, '.')) {
            rc = err_set(err, CDLT_CONFIG,
                         "%s: placeholder '{%s}' names an invalid context; valid contexts are "
                         "'resources' and 'incremental'",
                         where, name);
            break;
        }
        out->dynamic = true;
        rc = push(a, out, &cap, part, err);
        p = e + 1;
    }
    if (rc == CDLT_OK && lit.len) {
        char *l = arena_strndup(a, lit.data, lit.len);
        rc = l ? push(a, out, &cap, (tpart){TP_LIT, l, lit.len, {0}}, err) : err_nomem(err);
    }
    if (rc == CDLT_OK && lit.status)
        rc = err_nomem(err);
    buf_free(&lit);
    return rc;
}

/* Python str() of a JSON value: what dlt puts into a URL or header. */
static cdlt_status put_text(buf *out, const jv *v)
{
    switch (v->type) {
    case JV_NULL:
        return buf_puts(out, "None");
    case JV_BOOL:
        return buf_puts(out, v->u.b ? "True" : "False");
    case JV_STRING:
    case JV_BIGNUM:
    case JV_DATETIME:
    case JV_DATETIME_LOCAL:
    case JV_DATE_LOCAL:
    case JV_TIME_LOCAL:
        return buf_append(out, v->u.s, v->len);
    case JV_INT:
        return buf_printf(out, "%lld", (long long)v->u.i);
    case JV_UINT:
        return buf_printf(out, "%llu", (unsigned long long)v->u.u);
    default:
        return json_write(out, v, 0);
    }
}

cdlt_status tmpl_value(const tpart *p, const tctx *c, arena *a, jv *out, const char *resource,
                       cdlt_error *err)
{
    if (p->kind == TP_PARENT) {
        const jv *v = c->parent ? jpath_first(&p->field, c->parent) : NULL;
        if (!v) {
            buf keys = BUF_INIT;
            for (uint32_t i = 0; c->parent && c->parent->type == JV_OBJECT && i < c->parent->len;
                 i++)
                buf_printf(&keys, "%s%s", i ? ", " : "", c->parent->u.members[i].key);
            err_set(err, CDLT_SOURCE,
                    "resource '%s': field '%s' is not in the record of parent resource '%s' "
                    "(its keys: %s); check the {resources.%s.%s} placeholder",
                    resource, p->field.text, p->text, keys.len ? keys.data : "none", p->text,
                    p->field.text);
            buf_free(&keys);
            err_set_resource(err, resource);
            return CDLT_SOURCE;
        }
        *out = *v;
        return CDLT_OK;
    }
    if (p->kind == TP_INCR) {
        const char *t = c->incr ? c->incr(c->incr_ud, p->text) : NULL;
        if (!t) {
            *out = jv_null();
            return CDLT_OK;
        }
        return json_parse(t, strlen(t), a, NULL, out, err);
    }
    if (p->kind == TP_PARAM) {
        for (size_t i = 0; i < c->nparams; i++)
            if (strcmp(c->params[2 * i], p->text) == 0) {
                *out = jv_str(a, c->params[2 * i + 1], strlen(c->params[2 * i + 1]));
                return CDLT_OK;
            }
        return err_set(err, CDLT_CONFIG, "resource '%s': path placeholder '{%s}' has no value",
                       resource, p->text);
    }
    *out = jv_str(a, p->text, p->len);
    return CDLT_OK;
}

cdlt_status tmpl_expand(const tmpl *t, const tctx *c, buf *out, const char *resource,
                        cdlt_error *err)
{
    arena a;
    arena_init(&a, 1024, 0);
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; i < t->n && rc == CDLT_OK; i++) {
        const tpart *p = &t->parts[i];
        if (p->kind == TP_LIT) {
            rc = buf_append(out, p->text, p->len);
            continue;
        }
        jv v;
        rc = tmpl_value(p, c, &a, &v, resource, err);
        if (rc == CDLT_OK)
            rc = put_text(out, &v);
    }
    arena_free(&a);
    return rc;
}

cdlt_status tmpl_expand_json(const jv *in, const tctx *c, arena *a, jv *out,
                             const char *resource, cdlt_error *err)
{
    if (in->type == JV_STRING) {
        tmpl t;
        cdlt_status rc = tmpl_parse(in->u.s, a, &t, false, resource, err);
        if (rc != CDLT_OK)
            return rc;
        if (!t.dynamic) {
            *out = t.n ? jv_str(a, t.parts[0].text, t.parts[0].len) : jv_str(a, "", 0);
            return CDLT_OK;
        }
        if (t.n == 1) /* a whole-string placeholder keeps its type */
            return tmpl_value(&t.parts[0], c, a, out, resource, err);
        buf b = BUF_INIT;
        rc = tmpl_expand(&t, c, &b, resource, err);
        if (rc == CDLT_OK)
            *out = jv_str(a, buf_cstr(&b), b.len);
        buf_free(&b);
        return rc;
    }
    if (in->type == JV_ARRAY || in->type == JV_OBJECT) {
        jv_builder b;
        jv_builder_init(&b, (jv_type)in->type);
        for (uint32_t i = 0; i < in->len; i++) {
            const jv *src = in->type == JV_ARRAY ? &in->u.items[i] : &in->u.members[i].value;
            jv v;
            cdlt_status rc = tmpl_expand_json(src, c, a, &v, resource, err);
            if (rc == CDLT_OK)
                rc = in->type == JV_ARRAY
                         ? jv_builder_push(&b, a, v)
                         : jv_builder_set(&b, a, in->u.members[i].key, in->u.members[i].klen, v);
            if (rc != CDLT_OK)
                return rc == CDLT_NOMEM ? err_nomem(err) : rc;
        }
        *out = b.value;
        return CDLT_OK;
    }
    *out = *in;
    return CDLT_OK;
}
