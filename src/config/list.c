/* list.c: whole-section views: one merged tree (env over secrets.toml over config.toml,
 * pipeline-scoped over unscoped) with the origin of every leaf, and the sorted listing that
 * `cdlt config show` prints. */
#include "lookup.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Origins are kept internally as "<prov digit>\x1f<name>\x1f<file>" leaves. */
static jv origin_leaf(arena *a, cfg_prov p, const char *name, const char *file)
{
    buf b = BUF_INIT;
    buf_printf(&b, "%c\x1f%s\x1f%s", '0' + p, name, file ? file : "");
    jv v = b.status == CDLT_OK ? jv_str(a, buf_cstr(&b), b.len) : (jv){.type = JV_NULL, .flags = 0xFF};
    buf_free(&b);
    return v;
}

/* A copy of tree `t` with every leaf replaced by its origin. */
static cdlt_status origin_tree(cdlt_config *cfg, arena *a, cfg_prov p, const jv *t,
                               const char **parts, size_t n, jv *out)
{
    if (t->type != JV_OBJECT) {
        char name[4096];
        cfg_toml_name(parts, n, name, sizeof name);
        *out = origin_leaf(a, p, name, cfg_toml_file(cfg, p, parts, n));
        return jv_failed(out) ? CDLT_NOMEM : CDLT_OK;
    }
    if (n >= 2 * CFG_MAX_PARTS) { /* deeper than any lookup can reach: keep as one leaf */
        *out = jv_null();
        return CDLT_OK;
    }
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < t->len; i++) {
        parts[n] = t->u.members[i].key;
        jv o;
        cdlt_status st = origin_tree(cfg, a, p, &t->u.members[i].value, parts, n + 1, &o);
        if (st != CDLT_OK || jv_builder_set(&b, a, t->u.members[i].key, t->u.members[i].klen, o) != CDLT_OK)
            return CDLT_NOMEM;
    }
    *out = b.value;
    return CDLT_OK;
}

/* {p1: {p2: ... leaf}} */
static cdlt_status chain(arena *a, char **parts, size_t n, jv leaf, jv *out)
{
    jv cur = leaf;
    for (size_t i = n; i-- > 0;) {
        jv_builder b;
        jv_builder_init(&b, JV_OBJECT);
        if (jv_builder_set(&b, a, parts[i], strlen(parts[i]), cur) != CDLT_OK)
            return CDLT_NOMEM;
        cur = b.value;
    }
    *out = cur;
    return CDLT_OK;
}

static bool looks_json(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '{' || *s == '[';
}

/* Env vars under `prefix` (an env name; "" = all names containing "__") as a tree. */
static cdlt_status env_tree(arena *a, const char *prefix, const char *skip_first, jv *out,
                            jv *out_origin)
{
    jv acc = {.type = JV_OBJECT}, oacc = {.type = JV_OBJECT};
    size_t pl = strlen(prefix);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        size_t nl = (size_t)(eq - *e);
        const char *rest;
        if (pl) {
            if (nl <= pl + 2 || strncmp(*e, prefix, pl) != 0 || strncmp(*e + pl, "__", 2) != 0)
                continue;
            rest = *e + pl + 2;
        } else {
            if (!memmem(*e, nl, "__", 2))
                continue;
            rest = *e;
        }
        /* Split the rest of the name at "__" into lower-cased parts. */
        size_t rl = (size_t)(eq - rest);
        char *copy = arena_strndup(a, rest, rl);
        char *parts[CFG_MAX_PARTS];
        size_t n = 0;
        bool ok = copy != NULL;
        for (char *p = copy; ok && p;) {
            char *sep = strstr(p, "__");
            if (sep)
                *sep = '\0';
            if (!*p || n >= CFG_MAX_PARTS)
                ok = false;
            else
                parts[n++] = p;
            for (char *c = p; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            p = sep ? sep + 2 : NULL;
        }
        if (!copy)
            return CDLT_NOMEM;
        if (!ok || (skip_first && strcmp(parts[0], skip_first) == 0))
            continue;
        const char *val = eq + 1;
        jv v = jv_null();
        bool parsed = false;
        if (looks_json(val)) {
            json_opts jo = {.max_depth = 64};
            cdlt_status st = json_parse(val, strlen(val), a, &jo, &v, NULL);
            if (st == CDLT_NOMEM)
                return st;
            parsed = st == CDLT_OK;
        }
        if (!parsed) {
            v = jv_str(a, val, strlen(val));
            if (jv_failed(&v))
                return CDLT_NOMEM;
        }
        char name[4096];
        snprintf(name, sizeof name, "%.*s", (int)nl, *e);
        jv o = origin_leaf(a, CFG_ENV, name, NULL);
        jv c, oc, next, onext;
        if (jv_failed(&o) || chain(a, parts, n, v, &c) != CDLT_OK ||
            chain(a, parts, n, o, &oc) != CDLT_OK || cfg_merge(a, &acc, &c, &next) != CDLT_OK ||
            cfg_merge(a, &oacc, &oc, &onext) != CDLT_OK)
            return CDLT_NOMEM;
        acc = next;
        oacc = onext;
    }
    *out = acc;
    *out_origin = oacc;
    return CDLT_OK;
}

/* A copy of object t without member `drop`. */
static cdlt_status without(arena *a, const jv *t, const char *drop, jv *out)
{
    *out = *t;
    if (!drop || t->type != JV_OBJECT || !jv_get(t, drop))
        return CDLT_OK;
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < t->len; i++)
        if (strcmp(t->u.members[i].key, drop) != 0 &&
            jv_builder_set(&b, a, t->u.members[i].key, t->u.members[i].klen, t->u.members[i].value) != CDLT_OK)
            return CDLT_NOMEM;
    *out = b.value;
    return CDLT_OK;
}

/* Merged tree with raw origins ("<p>\x1f<name>\x1f<file>" leaves). */
static cdlt_status subtree_raw(cdlt_config *cfg, const char *section, arena *a, jv *out,
                               jv *out_origin, cdlt_error *err)
{
    cfg_query *q = mem_alloc(sizeof *q);
    if (!q)
        return err_nomem(err);
    /* Reuse the query splitter: the section is all sections, with a dummy key. */
    cdlt_status st = cfg_query_init(q, section, "_", 0, err);
    jv acc = {.type = JV_OBJECT}, oacc = {.type = JV_OBJECT};
    /* Lowest priority first: unscoped config, secrets, env; then the pipeline scope. */
    const char *prefixes[2] = {NULL, cfg->pipeline_name};
    for (size_t pi = 0; st == CDLT_OK && pi < 2; pi++) {
        if (pi == 1 && !cfg->pipeline_name)
            break;
        const char *parts[2 * CFG_MAX_PARTS + 2];
        size_t n = 0;
        if (prefixes[pi])
            parts[n++] = prefixes[pi];
        for (size_t i = 0; i < q->nsections; i++)
            parts[n++] = q->sections[i];
        /* At the root, the pipeline's own table is the scope, not a key. */
        const char *skip = (pi == 0 && n == 0) ? cfg->pipeline_name : NULL;
        static const cfg_prov order[] = {CFG_CONFIG, CFG_SECRETS, CFG_ENV};
        for (size_t k = 0; st == CDLT_OK && k < CDLT_ARRAY_LEN(order); k++) {
            cfg_prov p = order[k];
            jv t, ot;
            if (p == CFG_ENV) {
                char env[4096], skip_lower[512];
                cfg_env_name(parts, n, env, sizeof env);
                snprintf(skip_lower, sizeof skip_lower, "%s", skip ? skip : "");
                for (char *c = skip_lower; *c; c++)
                    *c = (char)tolower((unsigned char)*c);
                st = env_tree(a, env, skip ? skip_lower : NULL, &t, &ot);
            } else {
                const jv *node = cfg_toml_get(&cfg->merged[p], parts, n);
                if (!node)
                    continue;
                st = without(a, node, skip, &t);
                const char *wparts[4 * CFG_MAX_PARTS];
                memcpy(wparts, parts, n * sizeof *parts);
                if (st == CDLT_OK)
                    st = origin_tree(cfg, a, p, &t, wparts, n, &ot);
            }
            jv m, om;
            if (st == CDLT_OK &&
                (cfg_merge(a, &acc, &t, &m) != CDLT_OK || cfg_merge(a, &oacc, &ot, &om) != CDLT_OK))
                st = CDLT_NOMEM;
            if (st == CDLT_OK) {
                acc = m;
                oacc = om;
            }
        }
    }
    mem_free(q);
    if (st == CDLT_NOMEM)
        return err_nomem(err);
    if (st != CDLT_OK)
        return st;
    if (acc.type != JV_OBJECT) { /* the section itself is a value: present it as one leaf */
        acc = (jv){.type = JV_OBJECT};
        oacc = (jv){.type = JV_OBJECT};
    }
    *out = acc;
    if (out_origin)
        *out_origin = oacc;
    return CDLT_OK;
}

static void split_origin(const char *raw, cfg_prov *p, const char **name, size_t *nlen,
                         const char **file)
{
    *p = (cfg_prov)(raw[0] - '0');
    *name = raw + 2;
    const char *sep = strchr(*name, '\x1f');
    *nlen = sep ? (size_t)(sep - *name) : strlen(*name);
    *file = sep && sep[1] ? sep + 1 : NULL;
}

/* Replace raw origin leaves by human text. */
static cdlt_status humanize(arena *a, jv *t)
{
    if (t->type == JV_OBJECT) {
        for (uint32_t i = 0; i < t->len; i++)
            if (humanize(a, &t->u.members[i].value) != CDLT_OK)
                return CDLT_NOMEM;
        return CDLT_OK;
    }
    if (t->type != JV_STRING)
        return CDLT_OK;
    cfg_prov p;
    const char *name, *file;
    size_t nlen;
    split_origin(t->u.s, &p, &name, &nlen, &file);
    buf b = BUF_INIT;
    if (p == CFG_ENV)
        buf_printf(&b, "env %.*s", (int)nlen, name);
    else
        buf_printf(&b, "%s: %.*s", file ? file : cfg_prov_name(p), (int)nlen, name);
    *t = b.status == CDLT_OK ? jv_str(a, buf_cstr(&b), b.len) : (jv){.type = JV_NULL, .flags = 0xFF};
    buf_free(&b);
    return jv_failed(t) ? CDLT_NOMEM : CDLT_OK;
}

cdlt_status cfg_subtree(cdlt_config *cfg, const char *section, arena *a, jv *out, jv *out_origin,
                        cdlt_error *err)
{
    if (!cfg)
        return err_set(err, CDLT_INVALID_ARG, "config handle is NULL");
    jv origin;
    cdlt_status st = subtree_raw(cfg, section, a, out, &origin, err);
    if (st != CDLT_OK)
        return st;
    if (out_origin) {
        if (humanize(a, &origin) != CDLT_OK)
            return err_nomem(err);
        *out_origin = origin;
    }
    return CDLT_OK;
}

/* ---- listing ---- */

typedef struct leaf {
    const char *key;    /* dotted key (arena) */
    const jv *value;    /* merged value */
    const char *origin; /* raw origin */
} leaf;

typedef struct leaves {
    leaf *items; /* mem_alloc'd array */
    size_t n;    /* used */
    size_t cap;  /* allocated */
} leaves;

static cdlt_status collect(arena *a, const jv *t, const jv *o, buf *path, leaves *out)
{
    if (o->type == JV_OBJECT) {
        if (t->type != JV_OBJECT)
            return CDLT_OK;
        for (uint32_t i = 0; i < t->len; i++) {
            const jv *oc = jv_getn(o, t->u.members[i].key, t->u.members[i].klen);
            if (!oc)
                continue;
            size_t keep = path->len;
            if (path->len)
                buf_putc(path, '.');
            buf_puts(path, t->u.members[i].key);
            cdlt_status st = path->status != CDLT_OK ? path->status
                                                      : collect(a, &t->u.members[i].value, oc, path, out);
            path->len = keep;
            if (path->data)
                path->data[keep] = '\0';
            if (st != CDLT_OK)
                return st;
        }
        return CDLT_OK;
    }
    if (o->type != JV_STRING)
        return CDLT_OK;
    leaf *p = mem_grow(out->items, out->n, &out->cap, sizeof *p, 16);
    if (!p)
        return CDLT_NOMEM;
    out->items = p;
    const char *k = arena_strndup(a, buf_cstr(path), path->len);
    if (!k)
        return CDLT_NOMEM;
    out->items[out->n++] = (leaf){.key = k, .value = t, .origin = o->u.s};
    return CDLT_OK;
}

static int leaf_cmp(const void *a, const void *b)
{
    return strcmp(((const leaf *)a)->key, ((const leaf *)b)->key);
}

cdlt_status cdlt_config_list(cdlt_config *cfg, const char *section, cdlt_config_item_fn fn,
                             void *ud, cdlt_error *err)
{
    if (!cfg || !fn)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_config_list: NULL handle or callback");
    arena a;
    arena_init(&a, 8192, 0);
    jv tree, origin;
    leaves ls = {0};
    buf path = BUF_INIT, val = BUF_INIT, full = BUF_INIT;
    cdlt_status st = subtree_raw(cfg, section, &a, &tree, &origin, err);
    if (st == CDLT_OK) {
        if (section && *section)
            buf_puts(&path, section);
        st = collect(&a, &tree, &origin, &path, &ls);
        if (st != CDLT_OK)
            st = err_nomem(err);
    }
    if (st == CDLT_OK && ls.n > 1)
        qsort(ls.items, ls.n, sizeof *ls.items, leaf_cmp);
    for (size_t i = 0; st == CDLT_OK && i < ls.n; i++) {
        cfg_prov p;
        const char *name, *file;
        size_t nlen;
        split_origin(ls.items[i].origin, &p, &name, &nlen, &file);
        const jv *v = ls.items[i].value;
        buf_clear(&val);
        json_write(&val, v, 0);
        /* Masked: anything from secrets.toml, any secret-looking name, any registered secret. */
        bool secret = p == CFG_SECRETS || cfg_name_is_secret(ls.items[i].key);
        if (!secret && val.status == CDLT_OK) {
            size_t cap = val.len * 2 + 64;
            char *m = mem_alloc(cap);
            if (!m) {
                st = err_nomem(err);
                break;
            }
            cdlt_secret_mask_text(buf_cstr(&val), m, cap);
            secret = strcmp(m, buf_cstr(&val)) != 0;
            mem_free(m);
        }
        if (secret) {
            char mask[64];
            if (v->type == JV_STRING)
                cdlt_secret_mask_value(v->u.s, mask, sizeof mask);
            else
                snprintf(mask, sizeof mask, "*****");
            buf_clear(&val);
            json_write_string(&val, mask, strlen(mask), 0);
        }
        char *nm = arena_strndup(&a, name, nlen);
        if (val.status != CDLT_OK || !nm) {
            st = err_nomem(err);
            break;
        }
        cdlt_config_item item = {.key = ls.items[i].key,
                                 .value = buf_cstr(&val),
                                 .secret = secret,
                                 .provider = cfg_prov_name(p),
                                 .name = nm,
                                 .file = file};
        if (fn(&item, ud) != 0)
            break;
    }
    mem_free(ls.items);
    buf_free(&path);
    buf_free(&val);
    buf_free(&full);
    arena_free(&a);
    return st;
}
