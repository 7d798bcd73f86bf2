/* jsonpath.c: the JSONPath subset of jsonpath.h. */
#include "json/jsonpath.h"

#include <stdlib.h>
#include <string.h>

static cdlt_status bad_path(cdlt_error *err, const char *text, const char *why)
{
    return err_set(err, CDLT_CONFIG,
                   "JSONPath '%s' is not one cdlt reads (%s); use $.a.b, a[0], a[*], a.* or "
                   "['quoted name']",
                   text, why);
}

cdlt_status jpath_compile(const char *text, arena *a, jpath *out, cdlt_error *err)
{
    memset(out, 0, sizeof *out);
    out->text = text;
    size_t cap = 0;
    const char *p = text;
    while (*p == ' ')
        p++;
    if (*p == '$')
        p++;
    bool first = true;
    while (*p) {
        jpath_seg s = {NULL, 0};
        if (*p == '.') {
            if (p[1] == '.')
                return bad_path(err, text, "recursive descent '..'");
            p++;
            if (!*p)
                return bad_path(err, text, "ends with '.'");
        } else if (*p != '[' && !first) {
            return bad_path(err, text, "unexpected character");
        }
        first = false;
        if (*p == '[') {
            p++;
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                const char *e = strchr(p, q);
                if (!e || e[1] != ']')
                    return bad_path(err, text, "unclosed quoted name");
                s.key = arena_strndup(a, p, (size_t)(e - p));
                if (!s.key)
                    return err_nomem(err);
                p = e + 2;
            } else if (*p == '*' && p[1] == ']') {
                s.idx = -1;
                p += 2;
            } else {
                char *e;
                long long v = strtoll(p, &e, 10);
                if (e == p || *e != ']' || v < 0)
                    return bad_path(err, text, "only [n], [*] and ['name'] brackets");
                s.idx = v;
                p = e + 1;
            }
        } else if (*p == '*') {
            s.idx = -1;
            p++;
        } else {
            size_t n = strcspn(p, ".[");
            if (n == 0)
                return bad_path(err, text, "empty name");
            for (size_t i = 0; i < n; i++)
                if (p[i] == '?' || p[i] == '(' || p[i] == ':' || p[i] == ' ')
                    return bad_path(err, text, "filters and expressions");
            s.key = arena_strndup(a, p, n);
            if (!s.key)
                return err_nomem(err);
            p += n;
        }
        if (out->n == cap) {
            size_t nc = cap ? cap * 2 : 4;
            jpath_seg *ns = arena_alloc(a, nc * sizeof *ns);
            if (!ns)
                return err_nomem(err);
            if (cap)
                memcpy(ns, out->segs, cap * sizeof *ns);
            out->segs = ns;
            cap = nc;
        }
        out->segs[out->n++] = s;
    }
    return CDLT_OK;
}

bool jpath_has_wildcard(const jpath *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (!p->segs[i].key && p->segs[i].idx < 0)
            return true;
    return false;
}

typedef struct walk {
    const jpath *p;
    arena *a;
    jv_builder *b;     /* NULL: first match only */
    const jv *first;
    cdlt_status rc;
} walk;

static void visit(walk *w, const jv *v, size_t i)
{
    if (w->rc != CDLT_OK || (!w->b && w->first))
        return;
    if (i == w->p->n) {
        if (w->b)
            w->rc = jv_builder_push(w->b, w->a, *v);
        else
            w->first = v;
        return;
    }
    const jpath_seg *s = &w->p->segs[i];
    if (s->key) {
        if (v->type != JV_OBJECT)
            return;
        const jv *c = jv_get(v, s->key);
        if (c)
            visit(w, c, i + 1);
    } else if (s->idx >= 0) {
        if (v->type == JV_ARRAY && (uint64_t)s->idx < v->len)
            visit(w, &v->u.items[s->idx], i + 1);
    } else if (v->type == JV_ARRAY) {
        for (uint32_t k = 0; k < v->len; k++)
            visit(w, &v->u.items[k], i + 1);
    } else if (v->type == JV_OBJECT) {
        for (uint32_t k = 0; k < v->len; k++)
            visit(w, &v->u.members[k].value, i + 1);
    }
}

const jv *jpath_first(const jpath *p, const jv *root)
{
    walk w = {p, NULL, NULL, NULL, CDLT_OK};
    visit(&w, root, 0);
    return w.first;
}

cdlt_status jpath_all(const jpath *p, const jv *root, arena *a, jv *out)
{
    jv_builder b;
    jv_builder_init(&b, JV_ARRAY);
    walk w = {p, a, &b, NULL, CDLT_OK};
    visit(&w, root, 0);
    *out = b.value;
    return w.rc;
}
