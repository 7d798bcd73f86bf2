/* flatten.c: dlt's `_flatten` (core.md §2.1): one dict -> flat row entries plus the lists that
 * become nested tables, with naming cached per (table, dict path, raw key) so it runs once. */
#include "norm_internal.h"

/* Python str.strip() whitespace: ASCII space, \t\n\v\f\r, \x1c-\x1f and the Unicode spaces. */
static size_t ws_len(const unsigned char *p, size_t n)
{
    if (!n)
        return 0;
    unsigned c = p[0];
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))
        return 1;
    if (c == 0xC2 && n >= 2 && (p[1] == 0x85 || p[1] == 0xA0))
        return 2;
    if (n >= 3 && c == 0xE1 && p[1] == 0x9A && p[2] == 0x80)
        return 3; /* U+1680 */
    if (n >= 3 && c == 0xE2 && p[1] == 0x80 &&
        ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF))
        return 3; /* U+2000-200A, 2028, 2029, 202F */
    if (n >= 3 && c == 0xE2 && p[1] == 0x81 && p[2] == 0x9F)
        return 3; /* U+205F */
    if (n >= 3 && c == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
        return 3; /* U+3000 */
    return 0;
}

bool norm_is_blank(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n) {
        size_t w = ws_len(p, n);
        if (!w)
            return false;
        p += w;
        n -= w;
    }
    return true;
}

static const char EMPTY_KEY[] = "_empty";

norm_slot *norm_slot_get(normalizer *n, norm_table *nt, const char *name, size_t len)
{
    uint64_t h = hash_bytes(name, len);
    norm_slot *sl = map_get_h(&nt->slots, name, len, h);
    if (CDLT_LIKELY(sl != NULL))
        return sl;
    sl = arena_alloc_zero(&n->perm, sizeof *sl);
    char *nm = sl ? arena_strndup(&n->perm, name, len) : NULL;
    if (!nm)
        return NULL;
    sl->name = nm;
    sl->len = (uint32_t)len;
    sl->col = -1;
    sl->is_dlt = len >= 4 && memcmp(name, "_dlt", 4) == 0;
    if (map_put_h(&nt->slots, nm, len, h, sl) != CDLT_OK)
        return NULL;
    return sl;
}

schema_column *norm_slot_column_slow(norm_table *nt, norm_slot *slot)
{
    schema_table *t = nt->t;
    schema_column *c = table_get_column(t, slot->name, slot->len);
    slot->epoch = nt->epoch;
    if (c) {
        slot->col = (int32_t)(c - t->columns);
        slot->ctype = (uint8_t)c->type;
        slot->ctz = c->timezone;
    } else {
        slot->col = -1;
        slot->miss_ncols = t->ncolumns + 1;
        slot->miss_epoch = nt->epoch;
    }
    return c;
}

norm_table *norm_table_get(normalizer *n, const char *name, size_t len, const char *const *frags,
                           const size_t *flens, uint32_t nfrags, norm_table *parent)
{
    uint64_t h = hash_bytes(name, len);
    norm_table *nt = map_get_h(&n->tables, name, len, h);
    if (nt)
        return nt;
    nt = arena_alloc_zero(&n->perm, sizeof *nt);
    if (!nt)
        return NULL;
    char *nm = arena_strndup(&n->perm, name, len);
    nt->frags = arena_alloc(&n->perm, (nfrags ? nfrags : 1) * sizeof(char *));
    nt->flens = arena_alloc(&n->perm, (nfrags ? nfrags : 1) * sizeof(size_t));
    if (!nm || !nt->frags || !nt->flens)
        return NULL;
    for (uint32_t i = 0; i < nfrags; i++) {
        nt->frags[i] = arena_strndup(&n->perm, frags[i], flens[i]);
        if (!nt->frags[i])
            return NULL;
        nt->flens[i] = flens[i];
    }
    nt->name = nm;
    nt->len = (uint32_t)len;
    nt->nfrags = nfrags;
    nt->parent = parent;
    nt->root = parent ? parent->root : nt;
    nt->root_ncols = UINT32_MAX;
    map_init(&nt->slots);
    map_init(&nt->keys.m);
    if (map_put_h(&n->tables, nm, len, h, nt) != CDLT_OK)
        return NULL;
    return nt;
}

/* Normalize a raw key as the relational normalizer does (path-aware by default). */
static cdlt_status name_key(normalizer *n, const char *raw, size_t rlen, bool table)
{
    if (norm_is_blank(raw, rlen)) {
        buf_clear(&n->nb);
        return buf_append(&n->nb, EMPTY_KEY, sizeof EMPTY_KEY - 1);
    }
    const naming *nm = &n->s->naming;
    cdlt_status st;
    if (n->s->use_break_path_on_normalize)
        st = table ? naming_tables_path(nm, raw, rlen, &n->nb) : naming_path(nm, raw, rlen, &n->nb);
    else
        st = table ? naming_table_identifier(nm, raw, rlen, &n->nb)
                   : naming_identifier(nm, raw, rlen, &n->nb);
    if (st != CDLT_OK)
        return st;
    /* Quirk 1 (core.md §8): dlt turns "__" into an empty name; we use "_empty" instead. */
    if (n->nb.len == 0)
        return buf_append(&n->nb, EMPTY_KEY, sizeof EMPTY_KEY - 1);
    return CDLT_OK;
}

void norm_keyset_free(norm_keyset *ks)
{
    size_t it = 0;
    const map_entry *e;
    while (map_next(&ks->m, &it, &e))
        norm_keyset_free(&((norm_key *)e->value)->children);
    map_free(&ks->m);
    mem_free(ks->seq);
    ks->seq = NULL;
    ks->nseq = ks->cap = 0;
}

static norm_key *key_create(normalizer *n, norm_table *nt, norm_key *parent, map *keys,
                            const char *raw, size_t rlen, uint64_t h);

/* Key at member position pos: predicted from the last dict's order (two word compares for
 * keys up to 16 bytes), else looked up. */
static inline norm_seq *key_get(normalizer *n, norm_table *nt, norm_key *parent,
                                norm_keyset *ks, uint32_t pos, const char *raw, size_t rlen)
{
    if (CDLT_LIKELY(pos < ks->nseq)) {
        norm_seq *q = &ks->seq[pos];
        if (CDLT_LIKELY(q->rawlen == rlen)) {
            if (CDLT_LIKELY(rlen <= 16)) {
                uint64_t w[2];
                norm_key_words(raw, rlen, w);
                if (((w[0] ^ q->kw[0]) | (w[1] ^ q->kw[1])) == 0)
                    return q;
            } else if (memcmp(q->k->raw, raw, rlen) == 0) {
                return q;
            }
        }
    }
    uint64_t h = hash_bytes(raw, rlen);
    norm_key *k = map_get_h(&ks->m, raw, rlen, h);
    if (!k && !(k = key_create(n, nt, parent, &ks->m, raw, rlen, h)))
        return NULL;
    if (pos >= ks->cap) {
        uint32_t cap = ks->cap ? ks->cap * 2 : 16;
        while (cap <= pos)
            cap *= 2;
        norm_seq *sq = mem_realloc(ks->seq, cap * sizeof *sq);
        if (!sq)
            return NULL; /* report it: a swallowed failure would hide later ones in tests */
        ks->seq = sq;
        ks->cap = cap;
    }
    norm_seq e;
    memcpy(e.kw, k->kw, sizeof e.kw);
    e.rawlen = k->rawlen;
    e.pad_ = 0;
    e.k = k;
    e.slot = k->slot;
    while (ks->nseq < pos) /* positions skipped by a shorter dict keep a valid entry */
        ks->seq[ks->nseq++] = e;
    ks->seq[pos] = e;
    if (ks->nseq == pos)
        ks->nseq++;
    return &ks->seq[pos];
}

static norm_key *key_create(normalizer *n, norm_table *nt, norm_key *parent, map *keys,
                            const char *raw, size_t rlen, uint64_t h)
{
    norm_key *k;
    k = arena_alloc_zero(&n->perm, sizeof *k);
    if (!k)
        return NULL;
    k->raw = arena_strndup(&n->perm, raw, rlen);
    k->rawlen = (uint32_t)rlen;
    norm_key_words(raw, rlen, k->kw);
    if (!k->raw || name_key(n, raw, rlen, false) != CDLT_OK)
        return NULL;
    k->nk = arena_strndup(&n->perm, n->nb.data, n->nb.len);
    k->nklen = (uint32_t)n->nb.len;
    k->depth = parent ? parent->depth + 1 : 1;
    k->frags = arena_alloc(&n->perm, k->depth * sizeof(char *));
    k->flens = arena_alloc(&n->perm, k->depth * sizeof(size_t));
    if (!k->nk || !k->frags || !k->flens)
        return NULL;
    if (parent) {
        memcpy(k->frags, parent->frags, parent->depth * sizeof(char *));
        memcpy(k->flens, parent->flens, parent->depth * sizeof(size_t));
    }
    k->frags[k->depth - 1] = k->nk;
    k->flens[k->depth - 1] = k->nklen;
    if (k->depth == 1) {
        k->slot = norm_slot_get(n, nt, k->nk, k->nklen);
    } else {
        if (naming_join(&n->s->naming, k->frags, k->flens, k->depth, &n->nb) != CDLT_OK)
            return NULL;
        k->slot = norm_slot_get(n, nt, n->nb.data, n->nb.len);
    }
    if (!k->slot)
        return NULL;
    memset(&k->children, 0, sizeof k->children);
    map_init(&k->children.m);
    if (map_put_h(keys, k->raw, rlen, h, k) != CDLT_OK)
        return NULL;
    return k;
}

/* The nested table for a list found under key k of table nt. */
static norm_table *key_list_table(normalizer *n, norm_table *nt, norm_key *k)
{
    if (k->list_tab)
        return k->list_tab;
    if (name_key(n, k->raw, k->rawlen, true) != CDLT_OK)
        return NULL;
    uint32_t nf = nt->nfrags + k->depth;
    const char **frags = arena_alloc(&n->perm, nf * sizeof(char *));
    size_t *flens = arena_alloc(&n->perm, nf * sizeof(size_t));
    char *tk = arena_strndup(&n->perm, n->nb.data, n->nb.len);
    if (!frags || !flens || !tk)
        return NULL;
    memcpy(frags, nt->frags, nt->nfrags * sizeof(char *));
    memcpy(flens, nt->flens, nt->nfrags * sizeof(size_t));
    memcpy(frags + nt->nfrags, k->frags, (k->depth - 1) * sizeof(char *));
    memcpy(flens + nt->nfrags, k->flens, (k->depth - 1) * sizeof(size_t));
    frags[nf - 1] = tk;
    flens[nf - 1] = n->nb.len;
    if (naming_join(&n->s->naming, frags, flens, nf, &n->nb) != CDLT_OK)
        return NULL;
    k->list_tab = norm_table_get(n, n->nb.data, n->nb.len, frags, flens, nf, nt);
    return k->list_tab;
}

/* The coerced row grows with the flat row (an entry gives at most one value), so flatten's
 * fast path writes out[] without a capacity check. */
cdlt_status norm_entries_grow(normalizer *n)
{
    uint32_t cap = n->cap_ent ? n->cap_ent * 2 : 64;
    if (n->cap_out < cap) {
        norm_out *o = mem_realloc(n->out, cap * sizeof *o);
        if (!o)
            return CDLT_NOMEM;
        n->out = o;
        n->cap_out = cap;
    }
    norm_entry *e = mem_realloc(n->ent, cap * sizeof *e);
    if (!e)
        return CDLT_NOMEM;
    n->ent = e;
    n->cap_ent = cap;
    return CDLT_OK;
}

static cdlt_status add_list(normalizer *n, norm_table *tab, const jv *v)
{
    if (tab->list_gen == n->gen) {
        n->lists[tab->list_pos].v = v;
        return CDLT_OK;
    }
    if (n->nlists == n->cap_lists) {
        uint32_t cap = n->cap_lists ? n->cap_lists * 2 : 32;
        norm_list *l = mem_realloc(n->lists, cap * sizeof *l);
        if (!l)
            return CDLT_NOMEM;
        n->lists = l;
        n->cap_lists = cap;
    }
    tab->list_gen = n->gen;
    tab->list_pos = n->nlists;
    n->lists[n->nlists].tab = tab;
    n->lists[n->nlists].v = v;
    n->nlists++;
    return CDLT_OK;
}

static inline cdlt_status push_frame(normalizer *n, const jv *obj, norm_keyset *keys, norm_key *parent,
                              int lvl)
{
    if (CDLT_UNLIKELY(n->nstk == n->cap_stk)) {
        uint32_t cap = n->cap_stk ? n->cap_stk * 2 : 16;
        norm_frame *f = mem_realloc(n->stk, cap * sizeof *f);
        if (!f)
            return CDLT_NOMEM;
        n->stk = f;
        n->cap_stk = cap;
    }
    norm_frame *f = &n->stk[n->nstk++];
    f->obj = obj;
    f->keys = keys;
    f->parent = parent;
    f->lvl = lvl;
    return CDLT_OK;
}

/* is_nested_type: stored as one json value instead of being flattened / made a table. */
static bool is_nested(normalizer *n, norm_table *nt, norm_slot *slot, int lvl)
{
    if (lvl <= 0)
        return true;
    schema_column *c = norm_slot_column(nt, slot);
    if (c && c->type != DT_NONE)
        return c->type == DT_JSON;
    norm_slot_rules(n, slot);
    return slot->preferred == DT_JSON;
}

cdlt_status norm_flatten(normalizer *n, norm_table *nt, const jv *obj, int lvl, cdlt_error *err)
{
    n->nstk = 0;
    n->fast_redo = false;
    if (push_frame(n, obj, &nt->keys, NULL, lvl) != CDLT_OK)
        return err_nomem(err);
    /* Row state in locals (stores through ent/out/slot pointers would otherwise force reloads
     * of n's fields every value); written back at the end. Only norm_entries_grow uses them. */
    const uint32_t gen = n->gen;
    norm_entry *ent = n->ent;
    norm_out *out = n->out;
    uint32_t nent = 0, nout = 0, cap = n->cap_ent;
    int32_t maxcol = -1;
    bool fast_on = true;
    cdlt_status st = CDLT_OK;
    /* LIFO like dlt: scalars of a level first, then the dicts pushed last come out first. */
    while (n->nstk) {
        /* field by field: a struct copy became 16-byte loads of the 8-byte stores push_frame
         * just made (a store-forwarding stall per dict) */
        const norm_frame *top = &n->stk[--n->nstk];
        const jv *fobj = top->obj;
        norm_keyset *fkeys = top->keys;
        norm_key *fparent = top->parent;
        int flvl = top->lvl;
        const jv_member *m = fobj->u.members;
        for (uint32_t i = 0, len = fobj->len; i < len; i++) {
            norm_seq *q = key_get(n, nt, fparent, fkeys, i, m[i].key, m[i].klen);
            if (!q) {
                st = CDLT_NOMEM;
                goto done;
            }
            const jv *v = &m[i].value;
            norm_slot *slot = q->slot;
            if ((v->type == JV_OBJECT || v->type == JV_ARRAY) && !is_nested(n, nt, slot, flvl)) {
                norm_key *k = q->k;
                if (v->type == JV_OBJECT) {
                    st = push_frame(n, v, &k->children, k, flvl - 1);
                } else {
                    norm_table *tab = key_list_table(n, nt, k);
                    st = tab ? add_list(n, tab, v) : CDLT_NOMEM;
                }
                if (st != CDLT_OK)
                    goto done;
                continue;
            }
            if (CDLT_UNLIKELY(slot->in_gen == gen)) {
                /* a later duplicate overwrites, keeping the first position */
                ent[slot->in_pos].v = v;
                if (slot->in_pos < nout)
                    n->fast_redo = true; /* that entry was coerced already */
                continue;
            }
            if (CDLT_UNLIKELY(nent == cap)) {
                n->nent = nent;
                if ((st = norm_entries_grow(n)) != CDLT_OK)
                    goto done;
                ent = n->ent;
                out = n->out;
                cap = n->cap_ent;
            }
            slot->in_gen = gen;
            slot->in_pos = nent;
            ent[nent].slot = slot;
            ent[nent].v = v;
            nent++;
            /* steady state: coerce while the value is in cache; the first value that needs
             * more (null, new column, conversion) hands the rest of the row to norm_coerce_row */
            if (fast_on) {
                norm_out *o = &out[nout];
                int ct = norm_slot_type(nt, slot);
                if (ct >= 0 && norm_fast_value(ct, slot->ctz, v, &o->v)) {
                    o->slot = slot;
                    nout++;
                    if (slot->col > maxcol)
                        maxcol = slot->col;
                } else {
                    fast_on = false;
                }
            }
        }
    }
done:
    n->nent = nent;
    n->nout = nout;
    n->nfast = nout; /* entries [0, nout) are coerced: the fast prefix */
    n->out_maxcol = maxcol;
    return st == CDLT_OK ? CDLT_OK : err_nomem(err);
}
