/* tables.c: the table tree built while parsing: [headers], [[arrays of tables]], dotted keys,
 * every redefinition rule of TOML 1.0, and the final conversion to a `jv` tree. Tables are
 * side nodes (not jv objects) so each one can carry how it was defined. */
#include "toml_internal.h"

static toml_node *node_new(toml_parser *p, toml_node_kind kind, size_t at)
{
    toml_node *n = arena_alloc_zero(&p->scratch, sizeof *n);
    if (!n)
        return NULL;
    n->kind = (uint8_t)kind;
    n->id = p->next_id++;
    n->defined_at = at;
    return n;
}

toml_node *toml_node_root(toml_parser *p) { return node_new(p, TN_TABLE, 0); }

cdlt_status toml_tables_init(toml_parser *p)
{
    p->root = toml_node_root(p);
    if (!p->root)
        return toml_nomem(p);
    p->cur = p->root;
    p->section = p->next_id++;
    return CDLT_OK;
}

/* Index key of child `k` under `parent`: the parent's id then the key bytes. */
static cdlt_status index_key(toml_parser *p, const toml_node *parent, const toml_key *k)
{
    buf_clear(&p->ikey);
    buf_append(&p->ikey, &parent->id, sizeof parent->id);
    buf_append(&p->ikey, k->s, k->len);
    return p->ikey.status == CDLT_OK ? CDLT_OK : toml_nomem(p);
}

static cdlt_status child(toml_parser *p, const toml_node *parent, const toml_key *k,
                         toml_node **out)
{
    if (index_key(p, parent, k) != CDLT_OK)
        return CDLT_NOMEM;
    *out = map_get(&p->index, p->ikey.data, p->ikey.len);
    return CDLT_OK;
}

/* Append a new node named k to table `parent` and index it. */
static cdlt_status add_child(toml_parser *p, toml_node *parent, const toml_key *k,
                             toml_node_kind kind, toml_node **out)
{
    if (parent->depth + 1 > TOML_MAX_DEPTH)
        return toml_fail_off(p, k->at, "tables nested deeper than %d levels; expected flatter "
                                       "data",
                             TOML_MAX_DEPTH);
    toml_node *n = node_new(p, kind, k->at);
    if (!n || index_key(p, parent, k) != CDLT_OK)
        return toml_nomem(p);
    char *ik = arena_alloc(&p->scratch, p->ikey.len);
    if (!ik)
        return toml_nomem(p);
    memcpy(ik, p->ikey.data, p->ikey.len);
    if (map_put(&p->index, ik, p->ikey.len, n) != CDLT_OK)
        return toml_nomem(p);
    n->key = k->s;
    n->klen = k->len;
    n->depth = (uint16_t)(parent->depth + 1);
    if (parent->last)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
    parent->count++;
    *out = n;
    return CDLT_OK;
}

/* Append a fresh element table to array of tables `aot`. */
static cdlt_status add_element(toml_parser *p, toml_node *aot, size_t at, toml_node **out)
{
    toml_node *n = node_new(p, TN_TABLE, at);
    if (!n)
        return toml_nomem(p);
    n->flags = TF_HEADER;
    n->depth = aot->depth;
    if (aot->last)
        aot->last->next = n;
    else
        aot->first = n;
    aot->last = n;
    aot->count++;
    *out = n;
    return CDLT_OK;
}

static const char *value_kind(const toml_node *n)
{
    if (n->kind == TN_AOT)
        return "an array of tables";
    if (n->value.type == JV_OBJECT)
        return "an inline table";
    if (n->value.type == JV_ARRAY)
        return "an array";
    return "a value";
}

cdlt_status toml_open_table(toml_parser *p, const toml_key *keys, uint32_t n, bool aot,
                            const char *at)
{
    char name[256];
    toml_key_text(keys, n, name, sizeof name);
    const char *open = aot ? "[[" : "[", *close = aot ? "]]" : "]";
    toml_node *t = p->root, *c;
    for (uint32_t i = 0; i + 1 < n; i++) {
        if (child(p, t, &keys[i], &c) != CDLT_OK)
            return CDLT_NOMEM;
        if (!c) {
            /* Intermediate tables are created implicitly; a later [header] may define them. */
            cdlt_status st = add_child(p, t, &keys[i], TN_TABLE, &c);
            if (st != CDLT_OK)
                return st;
        } else if (c->kind == TN_AOT) {
            c = c->last; /* [a.b] after [[a]] names b inside the latest element of a */
        } else if (c->kind == TN_VALUE) {
            char part[256];
            toml_key_text(keys, i + 1, part, sizeof part);
            return toml_fail(p, at,
                             "cannot open table %s%s%s: '%s' is already %s (line %lld), not a "
                             "table; expected a new table name",
                             open, name, close, part, value_kind(c),
                             (long long)toml_line_of(p, c->defined_at));
        }
        t = c;
    }
    const toml_key *last = &keys[n - 1];
    if (child(p, t, last, &c) != CDLT_OK)
        return CDLT_NOMEM;
    cdlt_status st;
    if (aot) {
        if (!c) {
            st = add_child(p, t, last, TN_AOT, &c);
            if (st != CDLT_OK)
                return st;
        } else if (c->kind != TN_AOT) {
            return toml_fail(p, at,
                             "cannot define array of tables [[%s]]: '%s' is already %s (line "
                             "%lld); expected [[...]] only for names not used otherwise",
                             name, name, c->kind == TN_TABLE ? "a table" : value_kind(c),
                             (long long)toml_line_of(p, c->defined_at));
        }
        st = add_element(p, c, (size_t)(at - p->text), &p->cur);
        if (st != CDLT_OK)
            return st;
    } else {
        if (!c) {
            st = add_child(p, t, last, TN_TABLE, &c);
            if (st != CDLT_OK)
                return st;
        } else if (c->kind != TN_TABLE) {
            return toml_fail(p, at,
                             "cannot define table [%s]: '%s' is already %s (line %lld); expected "
                             "each table to be defined once%s",
                             name, name, value_kind(c), (long long)toml_line_of(p, c->defined_at),
                             c->kind == TN_AOT ? " (use [[...]] to add an element)" : "");
        } else if (c->flags & TF_HEADER) {
            return toml_fail(p, at,
                             "table [%s] is defined twice (first at line %lld); expected each "
                             "table header once (merge the two sections)",
                             name, (long long)toml_line_of(p, c->defined_at));
        } else if (c->flags & TF_DOTTED) {
            return toml_fail(p, at,
                             "table [%s] was already created by dotted keys (line %lld); a "
                             "[header] cannot reopen it, expected its keys to be set there",
                             name, (long long)toml_line_of(p, c->defined_at));
        }
        c->flags |= TF_HEADER;
        c->defined_at = (size_t)(at - p->text);
        p->cur = c;
    }
    p->section = p->next_id++;
    return CDLT_OK;
}

cdlt_status toml_put(toml_parser *p, toml_node *t, const toml_key *keys, uint32_t n,
                     uint32_t section, jv value)
{
    toml_node *c;
    for (uint32_t i = 0; i + 1 < n; i++) {
        if (child(p, t, &keys[i], &c) != CDLT_OK)
            return CDLT_NOMEM;
        if (!c) {
            cdlt_status st = add_child(p, t, &keys[i], TN_TABLE, &c);
            if (st != CDLT_OK)
                return st;
            c->flags = TF_DOTTED;
            c->section = section;
        } else {
            char part[256];
            const char *why = NULL;
            if (c->kind == TN_VALUE || c->kind == TN_AOT)
                why = value_kind(c);
            else if (c->flags & TF_HEADER)
                why = "a table defined by a [header]";
            else if ((c->flags & TF_DOTTED) && c->section != section)
                why = "a table completed by dotted keys in an earlier section";
            if (why) {
                toml_key_text(keys, i + 1, part, sizeof part);
                return toml_fail_off(p, keys[i].at,
                                     "cannot add keys to '%s' with a dotted key: it is %s (line "
                                     "%lld); expected a new key (tables and inline tables cannot "
                                     "be extended this way)",
                                     part, why, (long long)toml_line_of(p, c->defined_at));
            }
            if (!(c->flags & TF_DOTTED)) {
                /* An implicit table (from a deeper [a.b.c] header) now gets its content here. */
                c->flags |= TF_DOTTED;
                c->section = section;
            }
        }
        t = c;
    }
    const toml_key *last = &keys[n - 1];
    if (child(p, t, last, &c) != CDLT_OK)
        return CDLT_NOMEM;
    if (c) {
        char name[256];
        toml_key_text(keys, n, name, sizeof name);
        return toml_fail_off(p, last->at,
                             "key '%s' is defined twice (first at line %lld, as %s); expected "
                             "each key once per table",
                             name, (long long)toml_line_of(p, c->defined_at),
                             c->kind == TN_TABLE ? "a table" : value_kind(c));
    }
    cdlt_status st = add_child(p, t, last, TN_VALUE, &c);
    if (st != CDLT_OK)
        return st;
    c->value = value;
    return CDLT_OK;
}

cdlt_status toml_node_to_jv(toml_parser *p, const toml_node *n, jv *out)
{
    if (n->kind == TN_VALUE) {
        *out = n->value;
        return CDLT_OK;
    }
    jv v = {.type = n->kind == TN_AOT ? JV_ARRAY : JV_OBJECT, .len = n->count};
    if (n->kind == TN_AOT) {
        jv *items = n->count ? arena_alloc(p->out, n->count * sizeof *items) : NULL;
        if (n->count && !items)
            return toml_nomem(p);
        uint32_t i = 0;
        for (const toml_node *c = n->first; c; c = c->next, i++) {
            cdlt_status st = toml_node_to_jv(p, c, &items[i]);
            if (st != CDLT_OK)
                return st;
        }
        v.u.items = items;
    } else {
        jv_member *ms = n->count ? arena_alloc(p->out, n->count * sizeof *ms) : NULL;
        if (n->count && !ms)
            return toml_nomem(p);
        uint32_t i = 0;
        for (const toml_node *c = n->first; c; c = c->next, i++) {
            ms[i].key = c->key;
            ms[i].klen = c->klen;
            ms[i].pad_ = 0;
            cdlt_status st = toml_node_to_jv(p, c, &ms[i].value);
            if (st != CDLT_OK)
                return st;
        }
        v.u.members = ms;
    }
    *out = v;
    return CDLT_OK;
}
