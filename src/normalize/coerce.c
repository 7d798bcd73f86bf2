/* coerce.c: fit a flat row into its table (dlt's `_coerce_row`, core.md §3.2/§2.6): keep or
 * coerce values of existing columns, infer new columns, make variant columns, apply None rules. */
#include "norm_internal.h"

#include <stdio.h>

#define MSG_VALUE_MAX 200 /* value text in error messages is cut here */

const char *norm_value_text(normalizer *n, const jv *v)
{
    buf_clear(&n->tmp);
    if (json_write(&n->tmp, v, 0) != CDLT_OK)
        return "<value>";
    if (n->tmp.len > MSG_VALUE_MAX) {
        n->tmp.len = MSG_VALUE_MAX;
        n->tmp.data[MSG_VALUE_MAX] = '\0';
        buf_puts(&n->tmp, "...");
    }
    return buf_cstr(&n->tmp);
}

/* Append a coerced value. Duplicates (a data key equal to a variant name) are kept in order:
 * emission writes them in order, so the later one wins, as in dlt's row dict. */
static inline cdlt_status add_out(normalizer *n, norm_slot *slot, const tval *v)
{
    if (CDLT_UNLIKELY(n->nout == n->cap_out)) {
        uint32_t cap = n->cap_out ? n->cap_out * 2 : 64;
        norm_out *o = mem_realloc(n->out, cap * sizeof *o);
        if (!o)
            return CDLT_NOMEM;
        n->out = o;
        n->cap_out = cap;
    }
    n->out[n->nout].slot = slot;
    n->out[n->nout].v = *v;
    n->nout++;
    return CDLT_OK;
}

static cdlt_status add_newcol(normalizer *n, norm_slot *slot, dtype type, bool variant,
                              const jv *v)
{
    if (slot->new_gen == n->gen) { /* dlt's partial table: the later definition wins */
        norm_newcol *c = &n->nc[slot->new_pos];
        c->type = type;
        c->variant = variant;
        c->value = v;
        return CDLT_OK;
    }
    if (n->nnc == n->cap_nc) {
        uint32_t cap = n->cap_nc ? n->cap_nc * 2 : 16;
        norm_newcol *c = mem_realloc(n->nc, cap * sizeof *c);
        if (!c)
            return CDLT_NOMEM;
        n->nc = c;
        n->cap_nc = cap;
    }
    slot->new_gen = n->gen;
    slot->new_pos = n->nnc;
    norm_newcol *c = &n->nc[n->nnc++];
    c->slot = slot;
    c->type = type;
    c->variant = variant;
    c->dropped = false;
    c->value = v;
    return CDLT_OK;
}

/* Value -> typed value of column type `to` (same base type: no conversion). */
static cdlt_status convert(normalizer *n, const jv *v, dtype to, int8_t tz, tval *out)
{
    dtype base = types_infer(v);
    cdlt_status st = base == to ? types_from_jv(v, out) : types_coerce(v, to, &n->batch, out);
    if (st == CDLT_OK && to == DT_TIMESTAMP && tz == 0)
        out->flags |= TV_NAIVE;
    return st;
}

static norm_slot *variant_slot(normalizer *n, norm_table *nt, norm_slot *slot, dtype base)
{
    if (slot->variant[base])
        return slot->variant[base];
    char vname[32];
    const char *parts[2];
    size_t lens[2];
    parts[0] = slot->name;
    lens[0] = slot->len;
    parts[1] = vname;
    norm_slot *vs = NULL;
    if (base == DT_JSON && nt->t) {
        /* legacy: an existing `<col>__v_complex` variant is reused for json values */
        lens[1] = (size_t)snprintf(vname, sizeof vname, "v_complex");
        if (naming_join(&n->s->naming, parts, lens, 2, &n->nb) != CDLT_OK)
            return NULL;
        schema_column *old = table_get_column(nt->t, n->nb.data, n->nb.len);
        if (old && (old->hints & HINT_VARIANT))
            vs = norm_slot_get(n, nt, n->nb.data, n->nb.len);
    }
    if (!vs) {
        const char *tn = dtype_name(base);
        lens[1] = (size_t)snprintf(vname, sizeof vname, "v_%s", tn ? tn : "text");
        if (naming_join(&n->s->naming, parts, lens, 2, &n->nb) != CDLT_OK)
            return NULL;
        vs = norm_slot_get(n, nt, n->nb.data, n->nb.len);
    }
    slot->variant[base] = vs;
    return vs;
}

/* dlt's _coerce_non_null_value: existing complete column, or a new/incomplete one. */
static cdlt_status place(normalizer *n, norm_table *nt, norm_slot *slot, const jv *v,
                         bool variant, cdlt_error *err)
{
    schema_column *c = norm_slot_column(nt, slot);
    bool complete = c && c->type != DT_NONE;
    dtype type;
    if (complete) {
        type = c->type;
    } else {
        type = types_detect(v, n->s->detections);
        if (!variant) { /* preferred types do not apply to variants (skip_preferred) */
            norm_slot_rules(n, slot);
            if (slot->preferred != DT_NONE)
                type = slot->preferred;
        }
    }
    tval tv;
    cdlt_status st = convert(n, v, type, c ? c->timezone : -1, &tv);
    if (st == CDLT_NOMEM)
        return err_nomem(err);
    if (st != CDLT_OK) {
        dtype base = types_infer(v);
        if (variant) {
            const char *tn = dtype_name(type), *bn = dtype_name(base);
            err_set(err, CDLT_COERCE,
                    "table '%s', column '%s': cannot coerce value %s of type %s into the column "
                    "of type %s (it is already a variant column); what to do: clean the data or "
                    "declare the column type",
                    nt->name, slot->name, norm_value_text(n, v), bn ? bn : "?", tn ? tn : "?");
            err_set_table(err, nt->name);
            err_set_column(err, slot->name);
            return CDLT_COERCE;
        }
        norm_slot *vs = variant_slot(n, nt, slot, base);
        if (!vs)
            return err_nomem(err);
        return place(n, nt, vs, v, true, err);
    }
    if (!complete && add_newcol(n, slot, type, variant, v) != CDLT_OK)
        return err_nomem(err);
    if (add_out(n, slot, &tv) != CDLT_OK)
        return err_nomem(err);
    return CDLT_OK;
}

static cdlt_status null_value(normalizer *n, norm_table *nt, norm_slot *slot, cdlt_error *err)
{
    schema_column *c = norm_slot_column(nt, slot);
    bool bad;
    if (c && c->type != DT_NONE) {
        bad = !c->nullable;
    } else if (!c) {
        norm_slot_rules(n, slot);
        bad = slot->not_null;
    } else {
        bad = false;
    }
    if (!bad)
        return CDLT_OK;
    err_set(err, CDLT_COERCE,
            "table '%s', column '%s': null value in a column that is not nullable; what to do: "
            "send a value or make the column nullable",
            nt->name, slot->name);
    err_set_table(err, nt->name);
    err_set_column(err, slot->name);
    return CDLT_COERCE;
}

cdlt_status norm_coerce_row(normalizer *n, norm_table *nt, cdlt_error *err)
{
    n->nout = 0;
    n->nnc = 0;
    for (uint32_t i = 0; i < n->nent; i++) {
        norm_slot *slot = n->ent[i].slot;
        const jv *v = n->ent[i].v;
        cdlt_status st;
        if (v->type == JV_NULL) {
            st = null_value(n, nt, slot, err);
        } else {
            /* fast path: existing complete column of the value's own type; the common JSON
             * kinds are written straight into the output row (same result as types_from_jv;
             * no tval temporary: a byte store then a 16-byte reload stalled store forwarding,
             * ~10% of the bench) */
            schema_column *c = norm_slot_column(nt, slot);
            if (CDLT_LIKELY(c != NULL)) {
                if (CDLT_UNLIKELY(n->nout == n->cap_out)) {
                    uint32_t cap = n->cap_out ? n->cap_out * 2 : 64;
                    norm_out *o = mem_realloc(n->out, cap * sizeof *o);
                    if (!o)
                        return err_nomem(err);
                    n->out = o;
                    n->cap_out = cap;
                }
                norm_out *o = &n->out[n->nout];
                tval *tv = &o->v;
                bool hit, inl = true; /* inl: one of the kinds written inline below */
                switch ((jv_type)v->type) {
                case JV_STRING:
                    hit = c->type == DT_TEXT;
                    tv->u.s = v->u.s;
                    tv->len = v->len;
                    break;
                case JV_INT:
                    hit = c->type == DT_BIGINT;
                    tv->u.i = v->u.i;
                    tv->len = 0;
                    break;
                case JV_DOUBLE:
                    hit = c->type == DT_DOUBLE;
                    tv->u.d = v->u.d;
                    tv->len = 0;
                    break;
                case JV_BOOL:
                    hit = c->type == DT_BOOL;
                    tv->u.i = 0;
                    tv->u.b = v->u.b;
                    tv->len = 0;
                    break;
                case JV_OBJECT:
                case JV_ARRAY:
                    hit = c->type == DT_JSON;
                    tv->u.json = v;
                    tv->len = 0;
                    break;
                default: {
                    tval t2;
                    inl = false;
                    hit = c->type != DT_NONE && types_infer(v) == c->type &&
                          types_from_jv(v, &t2) == CDLT_OK;
                    if (hit && c->type == DT_TIMESTAMP && c->timezone == 0)
                        t2.flags |= TV_NAIVE;
                    if (hit)
                        *tv = t2;
                    break;
                }
                }
                if (hit) {
                    if (inl) { /* set the header fields of the inline kinds */
                        tv->type = (uint8_t)c->type;
                        tv->flags = 0;
                        tv->pad_ = 0;
                    }
                    o->slot = slot;
                    n->nout++;
                    continue;
                }
            }
            st = place(n, nt, slot, v, false, err);
        }
        if (st != CDLT_OK)
            return st;
    }
    return CDLT_OK;
}
