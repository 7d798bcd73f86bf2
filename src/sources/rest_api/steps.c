/* steps.c: processing_steps written declaratively. dlt's steps are Python callables, which a
 * definition file cannot hold; cdlt reads a small declarative form instead (docs/rest_api.md):
 *   { filter = { path = "state", eq = "open" } }      keep records where all tests hold
 *     tests: eq, ne, gt, ge, lt, le, in (list), not_in (list), exists (bool)
 *   { map = { set = {k = v}, rename = {old = "new"}, drop = ["k"] } }   on top-level keys
 * Steps run in list order before the incremental filter, as dlt runs them. */
#include "rest_int.h"

#include <stdio.h>
#include <string.h>

static const char *const OPS[] = {"path", "eq", "ne", "gt", "ge", "lt", "le", "in", "not_in",
                                  "exists", NULL};
static const char *const MAPS[] = {"set", "rename", "drop", NULL};

static cdlt_status bad(cdlt_error *err, const char *where, const char *msg, const char *arg)
{
    err_set(err, CDLT_CONFIG, "%s: ", where);
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, msg, arg);
    return err_hint(err, "see docs/rest_api.md \"processing_steps\"");
}

static cdlt_status check(const jv *o, const char *const *allowed, const char *where,
                         cdlt_error *err)
{
    for (uint32_t i = 0; i < o->len; i++) {
        bool ok = false;
        for (size_t k = 0; allowed[k]; k++)
            ok |= strcmp(o->u.members[i].key, allowed[k]) == 0;
        if (!ok) {
            const char *near = rest_closest(o->u.members[i].key, allowed);
            char m[160];
            snprintf(m, sizeof m, "unknown key '%%s'%s%s%s", near ? " (did you mean '" : "",
                     near ? near : "", near ? "'?)" : "");
            return bad(err, where, m, o->u.members[i].key);
        }
    }
    return CDLT_OK;
}

cdlt_status rest_steps_parse(const jv *list, const char *where, arena *a, rest_step **out,
                             size_t *n, cdlt_error *err)
{
    *out = NULL;
    *n = 0;
    if (list->type != JV_ARRAY)
        return bad(err, where, "expects a list of {filter = {...}} / {map = {...}}%s", "");
    rest_step *st = arena_alloc_zero(a, (2 * list->len + 1) * sizeof *st);
    if (!st)
        return err_nomem(err);
    for (uint32_t i = 0; i < list->len; i++) {
        char w[256];
        snprintf(w, sizeof w, "%s[%u]", where, i);
        const jv *e = &list->u.items[i];
        if (e->type != JV_OBJECT)
            return bad(err, w, "a step is a table with filter and/or map%s", "");
        static const char *const KEYS[] = {"filter", "map", "yield_map", NULL};
        cdlt_status rc = check(e, KEYS, w, err);
        if (rc != CDLT_OK)
            return rc;
        if (jv_get(e, "yield_map"))
            return bad(err, w, "yield_map is not supported in a definition file (%s)",
                       "use the C API");
        const jv *f = jv_get(e, "filter"), *m = jv_get(e, "map");
        if (!f && !m)
            return bad(err, w, "a step needs filter or map%s", "");
        if (f) { /* dlt's order inside one step: filter, then map */
            char fw[300];
            snprintf(fw, sizeof fw, "%s.filter", w);
            if (f->type != JV_OBJECT)
                return bad(err, fw, "expects a table {path = ..., eq = ...} (dlt's callables "
                                    "cannot be written in a file)%s",
                           "");
            if ((rc = check(f, OPS, fw, err)) != CDLT_OK)
                return rc;
            const jv *p = jv_get(f, "path");
            if (!p || p->type != JV_STRING)
                return bad(err, fw, "needs path (a JSONPath into the record)%s", "");
            if (f->len < 2)
                return bad(err, fw, "needs a test: eq, ne, gt, ge, lt, le, in, not_in or exists%s",
                           "");
            const jv *in = jv_get(f, "in"), *ni = jv_get(f, "not_in"), *ex = jv_get(f, "exists");
            if ((in && in->type != JV_ARRAY) || (ni && ni->type != JV_ARRAY))
                return bad(err, fw, "in and not_in take a list%s", "");
            if (ex && ex->type != JV_BOOL)
                return bad(err, fw, "exists takes true or false%s", "");
            rest_step *s = &st[(*n)++];
            s->filter = true;
            s->spec = *f;
            if ((rc = jpath_compile(p->u.s, a, &s->path, err)) != CDLT_OK) {
                err_prefix(err, "%s: ", fw);
                return rc;
            }
        }
        if (m) {
            char mw[300];
            snprintf(mw, sizeof mw, "%s.map", w);
            if (m->type != JV_OBJECT)
                return bad(err, mw, "expects a table {set, rename, drop}%s", "");
            if ((rc = check(m, MAPS, mw, err)) != CDLT_OK)
                return rc;
            const jv *se = jv_get(m, "set"), *rn = jv_get(m, "rename"), *dr = jv_get(m, "drop");
            if ((se && se->type != JV_OBJECT) || (rn && rn->type != JV_OBJECT) ||
                (dr && dr->type != JV_ARRAY))
                return bad(err, mw, "set and rename take tables, drop a list of keys%s", "");
            for (uint32_t k = 0; rn && k < rn->len; k++)
                if (rn->u.members[k].value.type != JV_STRING)
                    return bad(err, mw, "rename maps a key to a new name (a string): '%s'",
                               rn->u.members[k].key);
            rest_step *s = &st[(*n)++];
            s->filter = false;
            s->spec = *m;
        }
    }
    *out = st;
    return CDLT_OK;
}

static bool num(const jv *v, double *d)
{
    if (v->type == JV_INT)
        *d = (double)v->u.i;
    else if (v->type == JV_UINT)
        *d = (double)v->u.u;
    else if (v->type == JV_DOUBLE)
        *d = v->u.d;
    else
        return false;
    return true;
}

/* <0, 0, >0; *ok false when the two cannot be ordered */
static int cmp(const jv *a, const jv *b, bool *ok)
{
    double x, y;
    *ok = true;
    if (num(a, &x) && num(b, &y))
        return x < y ? -1 : x > y;
    bool as = a->type == JV_STRING || jv_is_datetime(a), bs = b->type == JV_STRING || jv_is_datetime(b);
    if (as && bs)
        return strcmp(a->u.s, b->u.s);
    *ok = false;
    return 0;
}

static bool same(const jv *a, const jv *b)
{
    bool ok;
    int c = cmp(a, b, &ok);
    return ok ? c == 0 : jv_equal(a, b);
}

bool rest_step_keep(const rest_step *s, const jv *item)
{
    const jv *v = jpath_first(&s->path, item);
    for (uint32_t i = 0; i < s->spec.len; i++) {
        const char *op = s->spec.u.members[i].key;
        const jv *arg = &s->spec.u.members[i].value;
        if (!strcmp(op, "path"))
            continue;
        if (!strcmp(op, "exists")) {
            if ((v != NULL) != arg->u.b)
                return false;
            continue;
        }
        if (!v)
            return false;
        bool ok = true;
        if (!strcmp(op, "eq")) {
            if (!same(v, arg))
                return false;
        } else if (!strcmp(op, "ne")) {
            if (same(v, arg))
                return false;
        } else if (!strcmp(op, "in") || !strcmp(op, "not_in")) {
            bool found = false;
            for (uint32_t k = 0; k < arg->len && !found; k++)
                found = same(v, &arg->u.items[k]);
            if (found != (op[0] == 'i'))
                return false;
        } else {
            int c = cmp(v, arg, &ok);
            if (!ok)
                return false;
            if ((!strcmp(op, "gt") && !(c > 0)) || (!strcmp(op, "ge") && !(c >= 0)) ||
                (!strcmp(op, "lt") && !(c < 0)) || (!strcmp(op, "le") && !(c <= 0)))
                return false;
        }
    }
    return true;
}

cdlt_status rest_step_map(const rest_step *s, const jv *item, arena *a, jv *out)
{
    if (item->type != JV_OBJECT) {
        *out = *item;
        return CDLT_OK;
    }
    const jv *se = jv_get(&s->spec, "set"), *rn = jv_get(&s->spec, "rename"),
             *dr = jv_get(&s->spec, "drop");
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < item->len; i++) {
        const jv_member *m = &item->u.members[i];
        bool dropped = false;
        for (uint32_t k = 0; dr && k < dr->len && !dropped; k++)
            dropped = dr->u.items[k].type == JV_STRING && strcmp(dr->u.items[k].u.s, m->key) == 0;
        if (dropped || (se && jv_get(se, m->key)))
            continue;
        const jv *to = rn ? jv_get(rn, m->key) : NULL;
        const char *key = to ? to->u.s : m->key;
        if (jv_builder_set(&b, a, key, strlen(key), m->value) != CDLT_OK)
            return CDLT_NOMEM;
    }
    for (uint32_t i = 0; se && i < se->len; i++)
        if (jv_builder_set(&b, a, se->u.members[i].key, se->u.members[i].klen,
                           se->u.members[i].value) != CDLT_OK)
            return CDLT_NOMEM;
    *out = b.value;
    return CDLT_OK;
}

size_t rest_resource_steps(const rest_source *s, size_t i, const rest_step **out)
{
    *out = s->res[i].steps;
    return s->res[i].nsteps;
}
