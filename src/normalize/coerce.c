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
    if (slot->col > n->out_maxcol)
        n->out_maxcol = slot->col;
    return CDLT_OK;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (the usual API timestamp) -> UTC microseconds, exactly as
 * types_coerce(DT_TIMESTAMP) gives it; false for any other form or an out-of-range field (the
 * caller then takes the general path, so this only has to be right when it says true). */
bool norm_iso_z_fast(const char *s, int64_t *us)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[4] != '-' || u[7] != '-' || u[10] != 'T' || u[13] != ':' || u[16] != ':' || u[19] != 'Z')
        return false;
#define D_(i) ((unsigned)u[i] - '0')
    unsigned y0 = D_(0), y1 = D_(1), y2 = D_(2), y3 = D_(3), m0 = D_(5), m1 = D_(6), d0 = D_(8),
             d1 = D_(9), h0 = D_(11), h1 = D_(12), i0 = D_(14), i1 = D_(15), s0 = D_(17),
             s1 = D_(18);
#undef D_
    if ((y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (m0 > 9) | (m1 > 9) | (d0 > 9) | (d1 > 9) |
        (h0 > 9) | (h1 > 9) | (i0 > 9) | (i1 > 9) | (s0 > 9) | (s1 > 9))
        return false;
    int y = (int)(y0 * 1000 + y1 * 100 + y2 * 10 + y3);
    unsigned mo = m0 * 10 + m1, dd = d0 * 10 + d1;
    unsigned hh = h0 * 10 + h1, mi = i0 * 10 + i1, ss = s0 * 10 + s1;
    if (y < 1 || mo < 1 || mo > 12 || dd < 1 || hh > 23 || mi > 59 || ss > 59)
        return false;
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (dd > (unsigned)mdays[mo - 1] + (mo == 2 && leap))
        return false;
    /* days from civil (proleptic Gregorian), y >= 1 */
    int yy = y - (mo <= 2);
    int era = yy / 400;
    int yoe = yy - era * 400;
    int doy = (int)((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + dd - 1);
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    *us = ((days * 24 + hh) * 60 + mi) * 60000000ll + (int64_t)ss * 1000000;
    return true;
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

/* An integer beyond int64 (JV_UINT > 2^63-1, JV_BIGNUM) typed bigint: a data error, never a
 * wrapped or garbage int64 (types_int_beyond_bigint). dlt: with its default JSON backend such
 * ints fail the extract ("Integer exceeds 64-bit range") and (2^63-1, 2^64-1] overflows at the
 * database; with the `large_integer` detection a NEW column of positive ones is wei (or text
 * above 578960446186580977117854925043439539266), but detections never retype an existing
 * column: dlt's coerce_value(bigint, bigint, v) keeps the Python int and the load overflows.
 * So no variant (`c__v_wei` would be a cdlt invention): one error naming the value, table,
 * column and the fix; the pipeline adds the item's file and line. */
static cdlt_status beyond_bigint(normalizer *n, norm_table *nt, norm_slot *slot, const jv *v,
                                 bool complete, bool preferred, cdlt_error *err)
{
    bool neg = v->type == JV_BIGNUM && v->len && v->u.s[0] == '-';
    const char *why, *todo;
    if (complete) {
        why = "the column exists as bigint (detections only type new columns)";
        todo = "declare the column as decimal, wei or text before its first value (the type "
               "of an existing column does not change: for a table already loaded, use another "
               "column name or drop the table first, e.g. refresh)";
    } else if (preferred) {
        why = "the schema's preferred_types make the new column bigint";
        todo = "change that preferred type to decimal, wei or text, or declare the column as "
               "decimal, wei or text";
    } else if (neg) {
        why = "a new integer column is bigint";
        todo = "declare the column as decimal, wei or text (the `large_integer` detection only "
               "covers integers above 2^63-1, as in dlt)";
    } else {
        why = "a new integer column is bigint";
        todo = "enable the `large_integer` detection (settings.detections of the schema, e.g. in "
               "a schema file read through import_schema_path) to load it as wei, or declare "
               "the column as decimal, wei or text";
    }
    err_set(err, CDLT_COERCE,
            "table '%s', column '%s': integer %s does not fit the column type bigint (64-bit, "
            "-9223372036854775808..9223372036854775807): %s; what to do: %s",
            nt->name, slot->name, norm_value_text(n, v), why, todo);
    err_set_table(err, nt->name);
    err_set_column(err, slot->name);
    return CDLT_COERCE;
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
            /* the source's type of this incomplete column's values (SCHEMA_X_VALUE_TYPE) */
            const jv *vt = c && c->extra.type == JV_OBJECT
                               ? jv_get(&c->extra, SCHEMA_X_VALUE_TYPE)
                               : NULL;
            if (vt && vt->type == JV_STRING && dtype_parse(vt->u.s, vt->len) != DT_NONE)
                type = dtype_parse(vt->u.s, vt->len);
        }
    }
    if (CDLT_UNLIKELY(type == DT_BIGINT && types_int_beyond_bigint(v)))
        return beyond_bigint(n, nt, slot, v, complete,
                             !complete && !variant && slot->preferred == DT_BIGINT, err);
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
    /* entries [0, nfast) were coerced by flatten unless a duplicate key overwrote one */
    uint32_t i = n->nfast;
    int32_t maxcol = n->out_maxcol;
    if (CDLT_UNLIKELY(n->fast_redo)) {
        i = 0;
        maxcol = -1;
    }
    n->nout = i;
    n->nnc = 0;
    for (; i < n->nent; i++) {
        norm_slot *slot = n->ent[i].slot;
        const jv *v = n->ent[i].v;
        cdlt_status st;
        if (v->type == JV_NULL) {
            st = null_value(n, nt, slot, err);
        } else {
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
                bool hit = norm_fast_value(c->type, c->timezone, v, &o->v);
                if (!hit && v->type != JV_STRING && v->type != JV_INT && v->type != JV_DOUBLE &&
                    v->type != JV_BOOL && v->type != JV_OBJECT && v->type != JV_ARRAY) {
                    /* the other kinds (dates...) of the column's own type; an integer
                     * beyond int64 fails types_from_jv and place() reports it */
                    tval t2;
                    hit = c->type != DT_NONE && types_infer(v) == c->type &&
                          types_from_jv(v, &t2) == CDLT_OK;
                    if (hit && c->type == DT_TIMESTAMP && c->timezone == 0)
                        t2.flags |= TV_NAIVE;
                    if (hit)
                        o->v = t2;
                }
                if (hit) {
                    o->slot = slot;
                    n->nout++;
                    if (slot->col > maxcol)
                        maxcol = slot->col;
                    continue;
                }
            }
            n->out_maxcol = maxcol;
            st = place(n, nt, slot, v, false, err);
            maxcol = n->out_maxcol;
        }
        if (st != CDLT_OK)
            return st;
    }
    n->out_maxcol = maxcol;
    return CDLT_OK;
}
