/* commit.c: the end of one row: schema contracts on new tables/columns/variants (core.md §3.4),
 * schema updates (new tables, new columns, completing incomplete columns) and emission. */
#include "norm_internal.h"

static const char *mode_name(contract_mode m)
{
    switch (m) {
    case CM_FREEZE: return "freeze";
    case CM_DISCARD_ROW: return "discard_row";
    case CM_DISCARD_VALUE: return "discard_value";
    default: return "evolve";
    }
}

static bool is_row_version(const schema_column *c)
{
    if (c->extra.type != JV_OBJECT)
        return false;
    const jv *rv = jv_get(&c->extra, "x-row-version");
    return rv && rv->type == JV_BOOL && rv->u.b;
}

/* Contract checks. Returns CDLT_OK with *out_drop when the row is discarded. */
/* A column completed from data keeps no source value type: the stored schema is then dlt's. */
static cdlt_status drop_value_type(schema *s, schema_column *c)
{
    if (c->extra.type != JV_OBJECT || !jv_get(&c->extra, SCHEMA_X_VALUE_TYPE))
        return CDLT_OK;
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < c->extra.len; i++) {
        const jv_member *m = &c->extra.u.members[i];
        if (strcmp(m->key, SCHEMA_X_VALUE_TYPE) != 0 &&
            jv_builder_set(&b, &s->mem, m->key, m->klen, m->value) != CDLT_OK)
            return CDLT_NOMEM;
    }
    c->extra = b.value.len ? b.value : jv_null();
    return CDLT_OK;
}

static cdlt_status apply_contract(normalizer *n, norm_table *nt, bool is_new_table, bool *out_drop,
                                  cdlt_error *err)
{
    *out_drop = false;
    /* dlt resolves for the table itself when it exists, else for its parent */
    const schema_table *ct = nt->t ? nt->t : nt->parent ? nt->parent->t : NULL;
    schema_contract sc = schema_resolve_contract(n->s, ct, NULL);
    contract_mode m_tables = sc.tables, m_columns = sc.columns, m_data = sc.data_type;
    if (m_tables == CM_EVOLVE && m_columns == CM_EVOLVE && m_data == CM_EVOLVE)
        return CDLT_OK;
    bool dlt_table = nt->len >= 4 && memcmp(nt->name, "_dlt", 4) == 0;
    if (is_new_table && m_tables != CM_EVOLVE && !dlt_table) {
        if (m_tables == CM_FREEZE) {
            const norm_newcol *c = NULL;
            for (uint32_t i = 0; i < n->nnc && !c; i++)
                if (!n->nc[i].slot->is_dlt)
                    c = &n->nc[i];
            err_set(err, CDLT_CONTRACT,
                    "table '%s': new table not allowed by schema contract (tables=freeze)%s%s%s%s; "
                    "what to do: allow it with schema_contract tables=evolve or remove the data",
                    nt->name, c ? ", column '" : "", c ? c->slot->name : "",
                    c ? "' value " : "", c ? norm_value_text(n, c->value) : "");
            err_set_table(err, nt->name);
            if (c)
                err_set_column(err, c->slot->name);
            return CDLT_CONTRACT;
        }
        *out_drop = true; /* discard_row and discard_value both filter the whole table */
        return CDLT_OK;
    }
    if (is_new_table || (nt->t && nt->t->evolve_columns_once))
        m_columns = CM_EVOLVE;
    bool drop_row = false;
    uint32_t dropped = 0;
    for (uint32_t i = 0; i < n->nnc; i++) {
        norm_newcol *c = &n->nc[i];
        if (c->slot->is_dlt)
            continue;
        contract_mode m = c->variant ? m_data : m_columns;
        if (m == CM_EVOLVE)
            continue;
        if (m == CM_FREEZE) {
            err_set(err, CDLT_CONTRACT,
                    "table '%s', column '%s': new %s with value %s not allowed by schema contract "
                    "(%s=freeze); what to do: change the contract or fix the data",
                    nt->name, c->slot->name, c->variant ? "variant column (data type change)" : "column",
                    norm_value_text(n, c->value), c->variant ? "data_type" : "columns");
            err_set_table(err, nt->name);
            err_set_column(err, c->slot->name);
            return CDLT_CONTRACT;
        }
        if (m == CM_DISCARD_ROW)
            drop_row = true;
        c->dropped = true;
        dropped++;
        LOG_DEBUG("table '%s': column '%s' filtered by schema contract (%s)", nt->name,
                  c->slot->name, mode_name(m));
    }
    if (drop_row) {
        *out_drop = true;
        return CDLT_OK;
    }
    for (uint32_t i = 0; i < n->nnc; i++) {
        norm_newcol *c = &n->nc[i];
        if (!c->dropped)
            continue;
        bool counted = false;
        for (uint32_t j = 0; j < n->nout; j++) { /* rare path: a linear scan is fine */
            if (n->out[j].slot != c->slot)
                continue;
            n->out[j].slot = NULL;
            if (!counted)
                n->stats.discarded_values++;
            counted = true;
        }
    }
    (void)dropped;
    return CDLT_OK;
}

static cdlt_status update_schema(normalizer *n, norm_table *nt, norm_sink *sink, cdlt_error *err)
{
    schema *s = n->s;
    bool created = false;
    if (!nt->t) {
        schema_table *t = NULL;
        cdlt_status st = schema_add_table(s, nt->name, nt->parent ? nt->parent->name : NULL, &t, err);
        if (st != CDLT_OK)
            return st;
        if (!nt->parent && t->disposition == WD_UNSET)
            t->disposition = WD_APPEND;
        nt->t = t;
        created = true;
    }
    schema_table *t = nt->t;
    uint32_t first_new = t->ncolumns;
    bool changed = created;
    bool was_new = created || table_is_new(t); /* hint-only tables are new to the sink too */
    for (uint32_t i = 0; i < n->nnc; i++) {
        const norm_newcol *nc = &n->nc[i];
        if (nc->dropped)
            continue;
        norm_slot *slot = nc->slot;
        norm_slot_rules(n, slot);
        schema_column col = schema_column_init(slot->name, nc->type);
        col.name_len = slot->len;
        col.nullable = !slot->not_null;
        col.hints = slot->hint_bits | (nc->variant ? HINT_VARIANT : 0);
        if (nc->variant) {
            buf_clear(&n->tmp);
            buf_printf(&n->tmp, "Variant of column %s generated by dlt", slot->name);
            col.description = arena_strndup(&s->mem, buf_cstr(&n->tmp), n->tmp.len);
            if (!col.description)
                return err_nomem(err);
        }
        schema_column *c = table_get_column(t, slot->name, slot->len);
        uint32_t idx;
        cdlt_status st;
        if (c) {
            if (c->type != DT_NONE)
                continue; /* cannot happen: pending columns are not in the table */
            /* incomplete column: explicit values win, the column moves to the end */
            uint32_t old = (uint32_t)(c - t->columns);
            st = schema_merge_column(s, t, slot->name, slot->len, &col, &idx, err);
            if (st != CDLT_OK)
                return st;
            schema_column *m = &t->columns[idx];
            if (is_row_version(m)) /* scd2 row version column is not unique */
                m->hints &= ~(uint32_t)(HINT_UNIQUE | HINT_ROW_KEY);
            if ((st = drop_value_type(s, m)) != CDLT_OK)
                return err_nomem(err);
            nt->epoch++;
            if (old < first_new)
                first_new = old;
        } else {
            st = table_add_column(s, t, &col, &idx, err);
            if (st != CDLT_OK)
                return st;
        }
        slot->col = (int32_t)idx;
        slot->ctype = (uint8_t)t->columns[idx].type;
        slot->ctz = t->columns[idx].timezone;
        slot->epoch = nt->epoch;
        if (idx < first_new)
            first_new = idx;
        changed = true;
    }
    if (changed && sink && sink->schema_changed) {
        cdlt_status st = sink->schema_changed(sink->self, s, t, was_new ? 0 : first_new);
        if (st != CDLT_OK) {
            if (!err || err->code == CDLT_OK)
                err_set(err, st, "table '%s': the row sink refused the schema change (%s)",
                        nt->name, cdlt_strerror(st));
            return st;
        }
    }
    return CDLT_OK;
}

cdlt_status norm_commit_row(normalizer *n, norm_table *nt, norm_sink *sink, bool *out_emitted,
                            cdlt_error *err)
{
    *out_emitted = false;
    if (CDLT_UNLIKELY(!nt->t || n->nnc)) {
        bool is_new_table = !nt->t || table_is_new(nt->t);
        bool drop;
        cdlt_status st = apply_contract(n, nt, is_new_table, &drop, err);
        if (st != CDLT_OK)
            return st;
        if (drop) {
            n->stats.discarded_rows++;
            return CDLT_OK;
        }
        st = update_schema(n, nt, sink, err);
        if (st != CDLT_OK)
            return st;
    }
    schema_table *t = nt->t;
    int32_t maxi = -1;
    if (CDLT_LIKELY(n->nnc == 0)) {
        maxi = n->out_maxcol; /* coerce validated every slot->col and no value was dropped */
    } else {
        for (uint32_t i = 0; i < n->nout; i++) {
            norm_slot *slot = n->out[i].slot;
            if (!slot)
                continue;
            if (!norm_slot_column(nt, slot))
                return err_set(err, CDLT_ERROR,
                               "table '%s', column '%s': internal error: column missing", nt->name,
                               slot->name);
            if (slot->col > maxi)
                maxi = slot->col;
        }
    }
    uint32_t ncols = (uint32_t)(maxi + 1);
    tval *vals = arena_alloc(&n->batch, (ncols ? ncols : 1) * sizeof(tval));
    if (!vals)
        return err_nomem(err);
    memset(vals, 0, ncols * sizeof(tval));
    const norm_out *o = n->out, *oe = n->out + n->nout;
    for (; o < oe; o++)
        if (CDLT_LIKELY(o->slot != NULL))
            vals[o->slot->col] = o->v;
    t->seen_data = true;
    n->stats.rows++;
    *out_emitted = true;
    if (sink && sink->row) {
        cdlt_status st = sink->row(sink->self, t, vals, ncols);
        if (st != CDLT_OK) {
            if (!err || err->code == CDLT_OK)
                err_set(err, st, "table '%s': the row sink failed (%s)", nt->name,
                        cdlt_strerror(st));
            return st;
        }
    }
    return CDLT_OK;
}
