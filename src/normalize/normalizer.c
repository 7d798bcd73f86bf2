/* normalizer.c: the normalizer object and dlt's `_normalize_row` recursion (core.md §2.1-2.5):
 * system columns, row keys, root key propagation, max nesting, nested list descent. */
#include "norm_internal.h"

#include <openssl/evp.h>

#define NORM_BATCH_CHUNK_MAX (16u << 20) /* largest batch arena chunk (RSS budget: 64 MB) */

static const char *perm_name(normalizer *n, const char *raw, cdlt_status *st)
{
    if (*st != CDLT_OK)
        return NULL;
    *st = naming_identifier(&n->s->naming, raw, strlen(raw), &n->nb);
    if (*st != CDLT_OK)
        return NULL;
    const char *p = arena_strndup(&n->perm, n->nb.data, n->nb.len);
    if (!p)
        *st = CDLT_NOMEM;
    return p;
}

cdlt_status norm_open(schema *s, const char *load_id, normalizer **out, cdlt_error *err)
{
    *out = NULL;
    if (!s || !load_id)
        return err_set(err, CDLT_INVALID_ARG, "norm_open: schema and load id are required");
    normalizer *n = mem_calloc(1, sizeof *n);
    if (!n)
        return err_nomem(err);
    n->s = s;
    arena_init(&n->perm, 64 * 1024, 0);
    arena_init(&n->batch, 256 * 1024, 0);
    map_init(&n->tables);
    map_init(&n->roots);
    buf_init(&n->nb, 0);
    buf_init(&n->tmp, 0);
    n->load_id = mem_strdup(load_id);
    if (!n->load_id) {
        norm_close(n);
        return err_nomem(err);
    }
    n->load_id_len = (uint32_t)strlen(load_id);
    cdlt_status st = norm_rules_compile(n, err);
    if (st != CDLT_OK) {
        norm_close(n);
        return st;
    }
    st = CDLT_OK;
    n->c_dlt_id = perm_name(n, "_dlt_id", &st);
    n->c_load_id = perm_name(n, "_dlt_load_id", &st);
    n->c_root_id = perm_name(n, "_dlt_root_id", &st);
    n->c_parent_id = perm_name(n, "_dlt_parent_id", &st);
    n->c_list_idx = perm_name(n, "_dlt_list_idx", &st);
    n->c_value = perm_name(n, "value", &st);
    n->c_list = perm_name(n, "list", &st);
    if (st != CDLT_OK) {
        norm_close(n);
        return err_nomem(err);
    }
    n->md_ctx = EVP_MD_CTX_new();
    n->md = EVP_MD_fetch(NULL, "SHAKE128", NULL);
    if (!n->md_ctx || !n->md) {
        norm_close(n);
        return err_nomem(err);
    }
    norm_rng_seed(n);
    *out = n;
    return CDLT_OK;
}

void norm_close(normalizer *n)
{
    if (!n)
        return;
    size_t it = 0;
    const map_entry *e;
    while (map_next(&n->tables, &it, &e)) {
        norm_table *nt = e->value;
        map_free(&nt->slots);
        norm_keyset_free(&nt->keys);
    }
    map_free(&n->tables);
    map_free(&n->roots);
    norm_rules_free(n);
    if (n->md_ctx)
        EVP_MD_CTX_free(n->md_ctx);
    if (n->md)
        EVP_MD_free(n->md);
    buf_free(&n->nb);
    buf_free(&n->tmp);
    mem_free(n->ent);
    mem_free(n->out);
    mem_free(n->nc);
    mem_free(n->lists);
    mem_free(n->stk);
    arena_free(&n->perm);
    arena_free(&n->batch);
    mem_free(n->load_id);
    mem_free(n);
}

void norm_batch_reset(normalizer *n)
{
    if (!n)
        return;
    /* A batch that needed several chunks would free all but one and malloc them again next
     * batch (page faults on every batch: ~8% of the bench's first pass). Size the chunk to the
     * batch instead (capped), so one chunk is kept and reused. */
    size_t used = n->batch.used_total;
    if (used > n->batch.chunk_size && n->batch.chunk_size < NORM_BATCH_CHUNK_MAX) {
        size_t cs = n->batch.chunk_size;
        while (cs < used + used / 4 && cs < NORM_BATCH_CHUNK_MAX)
            cs *= 2;
        n->batch.chunk_size = cs;
    }
    arena_reset(&n->batch);
}

const norm_stats *norm_get_stats(const normalizer *n) { return &n->stats; }

static bool truthy(const jv *v)
{
    switch (v->type) {
    case JV_NULL: return false;
    case JV_BOOL: return v->u.b;
    case JV_INT: return v->u.i != 0;
    case JV_UINT: return v->u.u != 0;
    case JV_DOUBLE: return v->u.d != 0.0;
    default: return v->len > 0 || v->type == JV_BIGNUM;
    }
}

static bool is_row_version(const schema_column *c)
{
    if (c->extra.type != JV_OBJECT)
        return false;
    const jv *rv = jv_get(&c->extra, "x-row-version");
    return rv && rv->type == JV_BOOL && rv->u.b;
}

/* Rule 4 of requires_root_key: a nested table of this root already has a root_key column. */
static bool nested_has_root_key(const schema *s, const schema_table *root)
{
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (!t->parent || schema_root_table(s, t) != root)
            continue;
        for (uint32_t j = 0; j < t->ncolumns; j++)
            if (t->columns[j].hints & HINT_ROOT_KEY)
                return true;
    }
    return false;
}

/* Root-table settings derived from the schema: id mode, pk, propagation, nesting. Recomputed
 * only when the table appears or its column count changes. */
static cdlt_status root_settings(normalizer *n, norm_table *nt)
{
    const schema *s = n->s;
    schema_table *t = nt->t;
    uint32_t nc = t ? t->ncolumns : UINT32_MAX - 1;
    if (nt->root_ncols == nc)
        return CDLT_OK;
    nt->root_ncols = nc;
    nt->max_nesting = t && t->max_nesting >= 0 ? t->max_nesting
                      : s->max_nesting >= 0    ? s->max_nesting
                                               : 1000;
    nt->id_mode = NORM_ID_RANDOM;
    nt->npk = 0;
    nt->propagate = s->root_key_propagation == 1; /* root_key=True: any disposition */
    if (!t)
        return CDLT_OK;
    merge_strategy ms = t->strategy == MS_UNSET ? MS_DELETE_INSERT : t->strategy;
    bool merge = t->disposition == WD_MERGE;
    if (merge && (ms == MS_UPSERT || ms == MS_INSERT_ONLY)) {
        nt->id_mode = NORM_ID_KEY_HASH;
        uint32_t npk = 0;
        for (uint32_t i = 0; i < t->ncolumns; i++)
            if (t->columns[i].hints & HINT_PRIMARY_KEY)
                npk++;
        nt->pk = npk ? arena_alloc(&n->perm, npk * sizeof(norm_slot *)) : NULL;
        if (npk && !nt->pk)
            return CDLT_NOMEM;
        for (uint32_t i = 0; i < t->ncolumns; i++) {
            if (!(t->columns[i].hints & HINT_PRIMARY_KEY))
                continue;
            norm_slot *sl = norm_slot_get(n, nt, t->columns[i].name, t->columns[i].name_len);
            if (!sl)
                return CDLT_NOMEM;
            nt->pk[nt->npk++] = sl;
        }
    } else if (merge && ms == MS_SCD2) {
        nt->id_mode = NORM_ID_ROW_HASH;
        for (uint32_t i = 0; i < t->ncolumns; i++)
            if (is_row_version(&t->columns[i]) && strcmp(t->columns[i].name, n->c_dlt_id) != 0)
                nt->id_mode = NORM_ID_RANDOM; /* row_version_column_name set: _dlt_id random */
    }
    bool dlt_table = schema_is_dlt_table(t->name);
    if (s->root_key_propagation == -1 && !dlt_table && merge &&
             (ms == MS_DELETE_INSERT || ms == MS_UPSERT || ms == MS_INSERT_ONLY))
        nt->propagate = true;
    if (!nt->propagate && nested_has_root_key(s, t))
        nt->propagate = true;
    return CDLT_OK;
}

/* Synthetic values are filled in place: building a jv in a temporary and copying it (byte,
 * word and pointer stores reloaded as 16-byte vectors) stalled store forwarding (~18% of
 * norm_row). */
static inline void set_str(jv *v, const char *s, size_t len)
{
    memset(v, 0, sizeof *v);
    v->type = JV_STRING;
    v->len = (uint32_t)len;
    v->u.s = s;
}

static inline void set_int(jv *v, int64_t i)
{
    memset(v, 0, sizeof *v);
    v->type = JV_INT;
    v->u.i = i;
}

/* Text of a row id as Python's f-string would print it. */
static cdlt_status id_text(normalizer *n, const jv *id, buf *b)
{
    if (id->type == JV_STRING)
        return buf_append(b, id->u.s, id->len);
    return json_write(b, id, 0);
}

static cdlt_status key_hash(normalizer *n, norm_table *nt, char *id, cdlt_error *err)
{
    jv_member *mm = arena_alloc(&n->batch, (nt->npk ? nt->npk : 1) * sizeof(jv_member));
    if (!mm)
        return err_nomem(err);
    for (uint32_t i = 0; i < nt->npk; i++) {
        norm_slot *sl = nt->pk[i];
        if (sl->in_gen != n->gen) {
            err_set(err, CDLT_ERROR,
                    "table '%s': primary key column '%s' is missing in an item, so the upsert key "
                    "hash cannot be computed; what to do: send the key in every item",
                    nt->name, sl->name);
            err_set_table(err, nt->name);
            err_set_column(err, sl->name);
            return CDLT_ERROR;
        }
        mm[i].key = sl->name;
        mm[i].klen = sl->len;
        mm[i].pad_ = 0;
        mm[i].value = *n->ent[sl->in_pos].v;
    }
    jv o;
    memset(&o, 0, sizeof o);
    o.type = JV_OBJECT;
    o.len = nt->npk;
    o.u.members = mm;
    buf_clear(&n->tmp);
    if (json_write(&n->tmp, &o, JSON_W_SORT_KEYS) != CDLT_OK)
        return err_nomem(err);
    if (norm_digest_id(n, n->tmp.data, n->tmp.len, id) != CDLT_OK)
        return err_set(err, CDLT_ERROR, "SHAKE128 digest failed (OpenSSL)");
    return CDLT_OK;
}

static cdlt_status row_hash(normalizer *n, const jv *obj, char *id, cdlt_error *err)
{
    jv_member *mm = arena_alloc(&n->batch, (obj->len ? obj->len : 1) * sizeof(jv_member));
    if (!mm)
        return err_nomem(err);
    uint32_t k = 0;
    for (uint32_t i = 0; i < obj->len; i++) {
        const jv_member *m = &obj->u.members[i];
        if (m->klen >= 4 && memcmp(m->key, "_dlt", 4) == 0)
            continue;
        mm[k++] = *m;
    }
    jv o;
    memset(&o, 0, sizeof o);
    o.type = JV_OBJECT;
    o.len = k;
    o.u.members = mm;
    buf_clear(&n->tmp);
    if (json_write(&n->tmp, &o, JSON_W_SORT_KEYS) != CDLT_OK)
        return err_nomem(err);
    if (norm_digest_id(n, n->tmp.data, n->tmp.len, id) != CDLT_OK)
        return err_set(err, CDLT_ERROR, "SHAKE128 digest failed (OpenSSL)");
    return CDLT_OK;
}

static norm_slot *sys_slot(normalizer *n, norm_table *nt, int which)
{
    norm_slot *sl = nt->sys[which];
    if (CDLT_LIKELY(sl != NULL))
        return sl;
    const char *names[5] = {n->c_dlt_id, n->c_load_id, n->c_root_id, n->c_parent_id, n->c_list_idx};
    sl = norm_slot_get(n, nt, names[which], strlen(names[which]));
    nt->sys[which] = sl;
    return sl;
}

/* Append a decimal integer (the digest input "{parent}_{table}_{idx}" is built per row). */
static void put_u64(buf *b, uint64_t v)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_append(b, tmp + i, (size_t)(24 - i));
}

/* Ids of all nested rows of one parent row: "{parent}_{table}_{i}" for every list item, hashed
 * four at a time across all the row's lists (they depend only on the parent id, the table and
 * the position). On return ids + 16*k is the id of the k-th item over the lists in order;
 * *out NULL: use the per-row path. */
static cdlt_status sibling_ids(normalizer *n, const jv *parent, uint32_t lists_base,
                               uint32_t lists_end, char **out, cdlt_error *err)
{
    *out = NULL;
    if (parent->type != JV_STRING)
        return CDLT_OK;
    size_t total = 0;
    for (uint32_t li = lists_base; li < lists_end; li++) {
        if (parent->len + n->lists[li].tab->len + 24 > 160)
            return CDLT_OK;
        total += n->lists[li].v->len;
    }
    if (!total)
        return CDLT_OK;
    char *ids = arena_alloc(&n->batch, total * 16);
    if (!ids)
        return err_nomem(err);
    char in[4][192];
    const char *ins[4] = {in[0], in[1], in[2], in[3]};
    size_t lens[4] = {0, 0, 0, 0}, pos[4] = {0, 0, 0, 0};
    unsigned char md[4][10];
    int lane = 0;
    size_t k = 0;
    char pre[192]; /* "{parent}_{table}_" of the current list, copied by whole 32-byte blocks */
    for (uint32_t li = lists_base; li < lists_end; li++) {
        const norm_table *tab = n->lists[li].tab;
        uint32_t count = n->lists[li].v->len;
        size_t plen = parent->len + tab->len + 2; /* <= 138: checked above */
        memcpy(pre, parent->u.s, parent->len);
        pre[parent->len] = '_';
        memcpy(pre + parent->len + 1, tab->name, tab->len);
        pre[plen - 1] = '_';
        memset(pre + plen, 0, 32); /* defined bytes up to the last block copied below */
        for (uint32_t i = 0; i < count; i++, k++) {
            char *p = in[lane];
            for (size_t o = 0; o < plen; o += 32) /* constant-size copies: no memcpy call */
                memcpy(p + o, pre + o, 32);
            size_t dl;
            if (i < 10) {
                p[plen] = (char)('0' + i);
                dl = 1;
            } else {
                char tmp[12];
                int d = 12;
                uint32_t v = i;
                do {
                    tmp[--d] = (char)('0' + v % 10);
                    v /= 10;
                } while (v);
                dl = (size_t)(12 - d);
                memcpy(p + plen, tmp + d, dl);
            }
            lens[lane] = plen + dl;
            pos[lane] = k;
            if (++lane < 4 && k + 1 < total)
                continue;
            if (lane == 1) { /* a lone id: one scalar digest beats a 4-lane permutation */
                char one[15];
                if (norm_digest_id(n, in[0], lens[0], one) != CDLT_OK)
                    return err_set(err, CDLT_ERROR, "SHAKE128 digest failed (OpenSSL)");
                memcpy(ids + 16 * pos[0], one, 15);
                lane = 0;
                continue;
            }
            for (int l = lane; l < 4; l++) /* pad the last group with lane 0 again */
                ins[l] = in[0], lens[l] = lens[0], pos[l] = pos[0];
            if (!norm_shake4(ins, lens, md))
                return CDLT_OK; /* cannot happen (inputs are short); per-row path */
            for (int l = 0; l < lane; l++)
                norm_b64_id(md[l], ids + 16 * pos[l]);
            for (int l = lane; l < 4; l++)
                ins[l] = in[l];
            lane = 0;
        }
    }
    *out = ids;
    return CDLT_OK;
}

static cdlt_status norm_row(normalizer *n, norm_table *nt, const jv *obj, const jv *parent_id,
                            int64_t idx, int lvl, bool is_root, const jv *root_id,
                            const char *pre_id, norm_sink *sink, cdlt_error *err)
{
    if (!nt->t)
        nt->t = schema_get_table(n->s, nt->name);
    n->gen++;
    uint32_t lists_base = n->nlists;
    cdlt_status st = norm_flatten(n, nt, obj, lvl, err);
    if (st != CDLT_OK)
        return st;
    jv v_load, v_idx, v_id;
    norm_slot *sl;
    /* extend: propagated values (the root key) */
    if (root_id) {
        if (!(sl = sys_slot(n, nt, NORM_SYS_ROOT)) || norm_add_entry(n, sl, root_id) != CDLT_OK)
            return err_nomem(err);
    }
    if (is_root || (nt->t && !nt->t->parent)) {
        set_str(&v_load, n->load_id, n->load_id_len);
        if (!(sl = sys_slot(n, nt, NORM_SYS_LOAD)) || norm_add_entry(n, sl, &v_load) != CDLT_OK)
            return err_nomem(err);
    }
    norm_slot *ids = sys_slot(n, nt, NORM_SYS_ID);
    if (!ids)
        return err_nomem(err);
    const jv *row_id;
    if (ids->in_gen == n->gen && truthy(n->ent[ids->in_pos].v)) {
        row_id = n->ent[ids->in_pos].v; /* quirk 8: kept, and no parent link added */
    } else if (pre_id) { /* nested id computed with its siblings */
        set_str(&v_id, pre_id, 14);
        row_id = &v_id;
        set_int(&v_idx, idx);
        if (!(sl = sys_slot(n, nt, NORM_SYS_PARENT)) || norm_add_entry(n, sl, parent_id) != CDLT_OK)
            return err_nomem(err);
        if (!(sl = sys_slot(n, nt, NORM_SYS_IDX)) || norm_add_entry(n, sl, &v_idx) != CDLT_OK)
            return err_nomem(err);
        if (norm_add_entry(n, ids, &v_id) != CDLT_OK)
            return err_nomem(err);
    } else {
        char *id = arena_alloc(&n->batch, 16);
        if (!id)
            return err_nomem(err);
        if (!is_root) {
            /* "{parent_id}_{table}_{idx}": on the stack in the usual case */
            char sb[256];
            const char *in;
            size_t inlen;
            if (parent_id->type == JV_STRING && parent_id->len + nt->len + 24 <= sizeof sb) {
                char *p = sb;
                memcpy(p, parent_id->u.s, parent_id->len);
                p += parent_id->len;
                *p++ = '_';
                memcpy(p, nt->name, nt->len);
                p += nt->len;
                *p++ = '_';
                char tmp[24];
                int i = 24;
                uint64_t v = (uint64_t)idx;
                do {
                    tmp[--i] = (char)('0' + v % 10);
                    v /= 10;
                } while (v);
                memcpy(p, tmp + i, (size_t)(24 - i));
                p += 24 - i;
                in = sb;
                inlen = (size_t)(p - sb);
            } else {
                buf_clear(&n->tmp);
                id_text(n, parent_id, &n->tmp);
                buf_putc(&n->tmp, '_');
                buf_append(&n->tmp, nt->name, nt->len);
                buf_putc(&n->tmp, '_');
                put_u64(&n->tmp, (uint64_t)idx);
                if (n->tmp.status != CDLT_OK)
                    return err_nomem(err);
                in = n->tmp.data;
                inlen = n->tmp.len;
            }
            if (norm_digest_id(n, in, inlen, id) != CDLT_OK)
                return err_set(err, CDLT_ERROR, "SHAKE128 digest failed (OpenSSL)");
        } else if (nt->id_mode == NORM_ID_KEY_HASH) {
            if ((st = key_hash(n, nt, id, err)) != CDLT_OK)
                return st;
        } else if (nt->id_mode == NORM_ID_ROW_HASH) {
            if ((st = row_hash(n, obj, id, err)) != CDLT_OK)
                return st;
        } else {
            norm_random_id(n, id);
        }
        set_str(&v_id, id, 14);
        row_id = &v_id;
        if (!is_root) {
            set_int(&v_idx, idx);
            if (!(sl = sys_slot(n, nt, NORM_SYS_PARENT)) || norm_add_entry(n, sl, parent_id) != CDLT_OK)
                return err_nomem(err);
            if (!(sl = sys_slot(n, nt, NORM_SYS_IDX)) || norm_add_entry(n, sl, &v_idx) != CDLT_OK)
                return err_nomem(err);
        }
        if (norm_add_entry(n, ids, &v_id) != CDLT_OK)
            return err_nomem(err);
    }
    const jv *child_root = root_id;
    if (is_root && nt->propagate)
        child_root = row_id;

    if ((st = norm_coerce_row(n, nt, err)) != CDLT_OK)
        return st;
    bool emitted;
    if ((st = norm_commit_row(n, nt, sink, &emitted, err)) != CDLT_OK)
        return st;
    if (!emitted) { /* discarded: its nested rows are not produced (dlt: should_descend=False) */
        n->nlists = lists_base;
        return CDLT_OK;
    }
    uint32_t lists_end = n->nlists;
    char *pre = NULL;
    if (lists_end > lists_base &&
        (st = sibling_ids(n, row_id, lists_base, lists_end, &pre, err)) != CDLT_OK) {
        n->nlists = lists_base;
        return st;
    }
    for (uint32_t li = lists_base; li < lists_end; li++) {
        norm_table *tab = n->lists[li].tab;
        const jv *arr = n->lists[li].v;
        for (uint32_t i = 0; i < arr->len; i++) {
            const char *pid = pre ? pre : NULL;
            if (pre)
                pre += 16;
            const jv *it = &arr->u.items[i];
            if (it->type == JV_OBJECT) {
                st = norm_row(n, tab, it, row_id, i, lvl - 1, false, child_root, pid, sink, err);
            } else {
                /* list of lists: intermediate row {"list": [...]}; scalars: {"value": x} */
                bool list = it->type == JV_ARRAY;
                jv_member m;
                m.key = list ? n->c_list : n->c_value;
                m.klen = (uint32_t)strlen(m.key);
                m.pad_ = 0;
                m.value = *it;
                jv wrap;
                memset(&wrap, 0, sizeof wrap);
                wrap.type = JV_OBJECT;
                wrap.len = 1;
                wrap.u.members = &m;
                st = norm_row(n, tab, &wrap, row_id, i, list ? lvl - 2 : lvl - 1, false, child_root,
                              pid, sink, err);
            }
            if (st != CDLT_OK) {
                n->nlists = lists_base;
                return st;
            }
        }
    }
    n->nlists = lists_base;
    return CDLT_OK;
}

static cdlt_status root_table(normalizer *n, const char *table_name, norm_table **out,
                              cdlt_error *err)
{
    size_t rlen = strlen(table_name);
    norm_table *nt = map_get(&n->roots, table_name, rlen);
    *out = nt;
    if (nt)
        return CDLT_OK;
    bool blank = norm_is_blank(table_name, rlen);
    cdlt_status st = blank ? CDLT_OK
                     : n->s->use_break_path_on_normalize
                         ? naming_tables_path(&n->s->naming, table_name, rlen, &n->nb)
                         : naming_table_identifier(&n->s->naming, table_name, rlen, &n->nb);
    if (st == CDLT_NOMEM)
        return err_nomem(err);
    if (st != CDLT_OK || blank || n->nb.len == 0)
        return err_set(err, CDLT_INVALID_ARG,
                       "table name '%s' normalizes to an empty name; what to do: pass a table "
                       "name with letters or digits",
                       table_name);
    const char *frag = n->nb.data;
    size_t flen = n->nb.len;
    nt = norm_table_get(n, n->nb.data, n->nb.len, &frag, &flen, 1, NULL);
    char *raw = nt ? arena_strndup(&n->perm, table_name, rlen) : NULL;
    if (!raw || map_put(&n->roots, raw, rlen, nt) != CDLT_OK)
        return err_nomem(err);
    *out = nt;
    return CDLT_OK;
}

cdlt_status norm_item(normalizer *n, const jv *item, const char *table_name, norm_sink *sink,
                      cdlt_error *err)
{
    if (item->type == JV_ARRAY) { /* a list of items is a batch (dlt's extractor iterates it) */
        for (uint32_t i = 0; i < item->len; i++) {
            cdlt_status st = norm_item(n, &item->u.items[i], table_name, sink, err);
            if (st != CDLT_OK)
                return st;
        }
        return CDLT_OK;
    }
    if (!table_name || !*table_name)
        return err_set(err, CDLT_INVALID_ARG, "norm_item: table name is required");
    norm_table *nt;
    cdlt_status st = root_table(n, table_name, &nt, err);
    if (st != CDLT_OK)
        return st;
    if (!nt->t)
        nt->t = schema_get_table(n->s, nt->name);
    if (root_settings(n, nt) != CDLT_OK)
        return err_nomem(err);
    jv_member m;
    jv wrap;
    const jv *obj = item;
    if (item->type != JV_OBJECT) {
        m.key = n->c_value;
        m.klen = (uint32_t)strlen(m.key);
        m.pad_ = 0;
        m.value = *item;
        memset(&wrap, 0, sizeof wrap);
        wrap.type = JV_OBJECT;
        wrap.len = 1;
        wrap.u.members = &m;
        obj = &wrap;
    }
    n->stats.items++;
    n->nlists = 0;
    return norm_row(n, nt, obj, NULL, 0, nt->max_nesting, true, NULL, NULL, sink, err);
}
