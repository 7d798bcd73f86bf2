/* parquet.c: streams rows of one table into a Parquet file (format spec: apache/parquet-format,
 * thrift compact protocol for page headers and the footer). Each column buffers the PLAIN
 * values and the definition-level bitmap of its open page; a full page is closed into the
 * column's chunk buffer; when the buffered row group passes row_group_bytes it goes to
 * pqflush.c, which compresses and writes it (on its own thread) while the next one fills, and
 * only its offsets and column statistics (pqstats.c) are kept for the footer. Memory is two
 * row groups, reused buffers, no allocation per value. Types follow dlt's arrow mapping (see
 * parquet.h). */
#include "destinations/writers/pqint.h"
#include "destinations/writers/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

pq_options pq_options_default(int32_t wei_precision)
{
    pq_options o;
    memset(&o, 0, sizeof o);
    o.decimal_precision = 38;
    o.decimal_scale = 9;
    o.wei_precision = wei_precision > 0 ? wei_precision : 38;
    o.wei_scale = 0;
    return o;
}

/* ---- column planning (dlt's columns_to_arrow, then arrow's Parquet mapping) ---- */

/* Bytes of the smallest two's complement holding every decimal of `precision` digits. */
static int32_t dec_bytes(int32_t precision)
{
    return (int32_t)ceil((precision * log2(10.0) + 1.0) / 8.0);
}

static void plan_decimal(pq_col *c, int32_t p, int32_t s)
{
    if (p > 76) { /* dlt keeps the most significant digits within decimal256's 76 */
        s = 76 - (p - s);
        if (s < 0)
            s = 0;
        p = 76;
    }
    c->kind = K_DEC;
    c->phys = P_FLBA;
    c->precision = p;
    c->scale = s;
    c->type_len = dec_bytes(p);
}

static cdlt_status plan_column(pq_writer *w, pq_col *c, const schema_column *sc, cdlt_error *err)
{
    int32_t prec = sc->precision;
    c->dtype = (uint8_t)sc->type;
    c->required = !sc->nullable;
    switch (sc->type) {
    case DT_TEXT:
        c->kind = K_BYTES;
        c->phys = P_BYTE_ARRAY;
        break;
    case DT_JSON: /* dlt serializes json values to strings (no nested arrow types) */
        c->kind = K_JSON;
        c->phys = P_BYTE_ARRAY;
        break;
    case DT_DOUBLE:
        c->kind = K_F64;
        c->phys = P_DOUBLE;
        break;
    case DT_BOOL:
        c->kind = K_BOOL;
        c->phys = P_BOOLEAN;
        break;
    case DT_BIGINT:
        if (prec >= 0 && prec <= 32) {
            c->kind = K_I32;
            c->phys = P_INT32;
            c->int_bits = prec <= 8 ? 8 : prec <= 16 ? 16 : 32;
        } else {
            c->kind = K_I64;
            c->phys = P_INT64;
        }
        break;
    case DT_BINARY:
        if (prec > 0) {
            c->kind = K_FIXED;
            c->phys = P_FLBA;
            c->type_len = prec;
        } else {
            c->kind = K_BYTES;
            c->phys = P_BYTE_ARRAY;
        }
        break;
    case DT_DECIMAL: {
        int32_t p = w->opt.decimal_precision, s = w->opt.decimal_scale;
        if (prec >= 0) { /* precision without scale: scale 0, as dlt */
            p = prec;
            s = sc->scale >= 0 ? sc->scale : 0;
        }
        if (p < 1 || s < 0 || s > p) {
            err_set(err, CDLT_SCHEMA,
                    "parquet: column '%s' of table '%s' has decimal precision %d and scale %d, "
                    "which Parquet cannot store",
                    sc->name, w->table, (int)p, (int)s);
            err_set_table(err, w->table);
            err_hint(err, "set precision >= 1 and 0 <= scale <= precision in the column hints");
            return CDLT_SCHEMA;
        }
        plan_decimal(c, p, s);
        break;
    }
    case DT_WEI:
        plan_decimal(c, w->opt.wei_precision, w->opt.wei_scale);
        break;
    case DT_DATE:
        c->kind = K_DATE;
        c->phys = P_INT32;
        break;
    case DT_TIMESTAMP:
        /* dlt: precision 0..3 -> ms (Parquet has no seconds: arrow writes ms), <= 6 us,
         * else ns; timezone=false or timestamp_timezone "" -> naive (isAdjustedToUTC false).
         * Then arrow's writer: flavor spark -> INT96; coerce_timestamps -> that unit;
         * else versions 1.0/2.4 store ns as us. */
        if (prec < 0)
            prec = 6;
        c->kind = K_TS;
        c->phys = P_INT64;
        c->nat_unit = prec <= 3 ? U_MILLIS : prec <= 6 ? U_MICROS : U_NANOS;
        c->unit = c->nat_unit;
        if (w->opt.dlt.coerce_unit)
            c->unit = w->opt.dlt.coerce_unit == 1 ? U_MILLIS : U_MICROS;
        else if (c->unit == U_NANOS && w->opt.dlt.version != DEST_PQ_V2_6)
            c->unit = U_MICROS;
        c->utc = sc->timezone != 0 && !w->opt.dlt.naive_timestamps;
        if (w->opt.dlt.spark) {
            c->kind = K_TS96;
            c->phys = P_INT96;
        }
        break;
    case DT_TIME:
        if (prec < 0)
            prec = 6;
        if (prec <= 3) {
            c->kind = K_TIME32;
            c->phys = P_INT32;
            c->unit = U_MILLIS;
        } else {
            c->kind = K_TIME64;
            c->phys = P_INT64;
            c->unit = prec <= 6 ? U_MICROS : U_NANOS;
        }
        break;
    default:
        err_set(err, CDLT_SCHEMA, "parquet: column '%s' of table '%s' has no Parquet type",
                sc->name, w->table);
        err_set_table(err, w->table);
        return CDLT_SCHEMA;
    }
    return CDLT_OK;
}

/* ---- open / free ---- */

static void pw_free(pq_writer *w)
{
    if (!w)
        return;
    pq_rg_free(w); /* first: the compressor may still be writing to fd */
    if (w->fd >= 0)
        close(w->fd);
    for (uint32_t i = 0; w->cols && i < w->nfcols; i++) {
        mem_free(w->cols[i].name);
        buf_free(&w->cols[i].vals);
        buf_free(&w->cols[i].chunk);
        mem_free(w->cols[i].defs);
    }
    mem_free(w->cols);
    mem_free(w->colmap);
    mem_free(w->meta);
    mem_free(w->rg_nrows);
    buf_free(&w->hdr);
    buf_free(&w->scratch);
    mem_free(w->path);
    mem_free(w->table);
    mem_free(w);
}

cdlt_status pq_writer_open(const schema_table *t, const char *path, const pq_options *opt,
                           pq_writer **out, cdlt_error *err)
{
    *out = NULL;
    pq_writer *w = mem_calloc(1, sizeof *w);
    if (!w)
        return err_nomem(err);
    w->fd = -1;
    w->opt = opt ? *opt : pq_options_default(38);
    if (!w->opt.decimal_precision) {
        w->opt.decimal_precision = 38;
        w->opt.decimal_scale = 9;
    }
    if (!w->opt.wei_precision)
        w->opt.wei_precision = 38;
    if (!w->opt.zstd_level)
        w->opt.zstd_level = 1;
    if (!w->opt.row_group_bytes)
        w->opt.row_group_bytes = 2u << 20;
    if (!w->opt.page_bytes)
        w->opt.page_bytes = w->opt.dlt.page_bytes ? w->opt.dlt.page_bytes : 256u << 10;
    w->path = mem_strdup(path);
    w->table = mem_strdup(t->name);
    w->ntcols = t->ncolumns;
    w->colmap = mem_calloc(t->ncolumns ? t->ncolumns : 1, sizeof *w->colmap);
    w->cols = mem_calloc(t->ncolumns ? t->ncolumns : 1, sizeof *w->cols);
    buf_init(&w->hdr, 0);
    buf_init(&w->scratch, 0);
    if (!w->path || !w->table || !w->colmap || !w->cols) {
        pw_free(w);
        return err_nomem(err);
    }
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *sc = &t->columns[i];
        if (sc->type == DT_NONE) { /* incomplete: not in the file (dlt's rule) */
            w->colmap[i] = -1;
            continue;
        }
        pq_col *c = &w->cols[w->nfcols];
        buf_init(&c->vals, 0);
        buf_init(&c->chunk, 0);
        c->name = mem_strdup(sc->name);
        w->nfcols++;
        if (!c->name) {
            pw_free(w);
            return err_nomem(err);
        }
        if (w->opt.dlt.spark) /* pyarrow's flavor spark: these characters become '_' */
            for (char *ch = c->name; *ch; ch++)
                if (strchr(" ,;{}()\n\t=", *ch))
                    *ch = '_';
        cdlt_status st = plan_column(w, c, sc, err);
        if (st != CDLT_OK) {
            pw_free(w);
            return st;
        }
        pq_stat_plan(c);
        w->colmap[i] = (int32_t)(w->nfcols - 1);
    }
    if (w->opt.codec == PQ_CODEC_ZSTD) {
        w->job.zc = ZSTD_createCCtx();
        if (!w->job.zc ||
            ZSTD_isError(ZSTD_CCtx_setParameter(w->job.zc, ZSTD_c_compressionLevel, w->opt.zstd_level))) {
            pw_free(w);
            return err_nomem(err);
        }
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int e = errno;
        err_set(err, CDLT_IO, "parquet: cannot create load file '%s' for table '%s': %s", path,
                t->name, strerror(e));
        err_set_table(err, t->name);
        err_hint(err, "check that the folder exists and is writable");
        pw_free(w);
        return CDLT_IO;
    }
    if (pq_write_out(w, "PAR1", 4) != CDLT_OK) {
        err_set(err, CDLT_IO, "%s", w->msg);
        err_set_table(err, t->name);
        pw_free(w);
        return CDLT_IO;
    }
    *out = w;
    return CDLT_OK;
}

/* ---- values ---- */

/* Decimal text -> big-endian two's complement of c->type_len bytes at `out`, scaled by
 * c->scale (extra fraction digits round half away from zero, as DuckDB's loader does).
 * False when the text is no number or does not fit the precision. */
static bool encode_decimal(const pq_col *c, const char *s, size_t n, uint8_t *out)
{
    uint64_t limb[4] = {0, 0, 0, 0}; /* little-endian 256-bit magnitude */
    types_dec_text txt;
    if (!types_decimal_scan(s, n, 80, &txt))
        return false;
    const uint8_t *dig = txt.dig;
    int nd = txt.nd, frac = txt.frac, exp = txt.exp, dropped = txt.dropped;
    bool neg = txt.neg;
    /* value = digits * 10^(exp - frac); wanted: digits * 10^(exp - frac + scale) */
    int shift = exp - frac + c->scale;
    int keep = nd;
    int round = dropped >= 0 && shift == 0 ? dropped : 0;
    if (shift < 0) {
        int cut = -shift;
        if (cut > nd) {
            round = 0;
            keep = 0;
        } else {
            keep = nd - cut;
            round = dig[keep];
        }
        shift = 0;
    }
    if (keep + shift > c->precision + 1) /* surely too many digits */
        return false;
    for (int k = 0; k < keep + shift; k++) {
        uint64_t d = k < keep ? (uint64_t)dig[k] : 0;
        unsigned __int128 carry = d;
        for (int l = 0; l < 4; l++) {
            unsigned __int128 v = (unsigned __int128)limb[l] * 10 + carry;
            limb[l] = (uint64_t)v;
            carry = v >> 64;
        }
    }
    if (round >= 5) {
        for (int l = 0; l < 4 && ++limb[l] == 0; l++)
            ;
    }
    /* count digits of the magnitude: compare with 10^precision */
    uint64_t lim[4] = {1, 0, 0, 0};
    for (int k = 0; k < c->precision; k++) {
        unsigned __int128 carry = 0;
        for (int l = 0; l < 4; l++) {
            unsigned __int128 v = (unsigned __int128)lim[l] * 10 + carry;
            lim[l] = (uint64_t)v;
            carry = v >> 64;
        }
    }
    for (int l = 3; l >= 0; l--) {
        if (limb[l] != lim[l]) {
            if (limb[l] > lim[l])
                return false;
            break;
        }
        if (l == 0)
            return false; /* equal to 10^precision */
    }
    if (neg) { /* two's complement */
        int carry = 1;
        for (int l = 0; l < 4; l++) {
            limb[l] = ~limb[l] + (uint64_t)carry;
            carry = carry && limb[l] == 0;
        }
    }
    for (int k = 0; k < c->type_len; k++) { /* big-endian, lowest type_len bytes */
        int byte = c->type_len - 1 - k;
        out[k] = (uint8_t)(limb[byte / 8] >> ((byte % 8) * 8));
    }
    return true;
}

/* Floor division for negative timestamps. */
static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static cdlt_status bad_value(pq_writer *w, const pq_col *c, const char *why)
{
    pw_msg(w, "parquet: %s in column '%s' of table '%s' (load file '%s', row %llu)", why, c->name,
           w->table, w->path, (unsigned long long)w->rows + 1);
    return CDLT_COERCE;
}

/* Append one non-NULL value to c's open page. Returns encoded bytes via *nb. */
static cdlt_status put_value(pq_writer *w, pq_col *c, const tval *v, size_t *nb)
{
    buf *b = &c->vals;
    size_t before = b->len;
    switch (c->kind) {
    case K_BOOL: {
        uint32_t k = c->page_nonnull;
        if (k % 8 == 0)
            buf_putc(b, 0);
        if (b->status == CDLT_OK) { /* set or clear (see put_def) */
            if (v->u.b)
                b->data[b->len - 1] |= (char)(1u << (k % 8));
            else
                b->data[b->len - 1] &= (char)~(1u << (k % 8));
        }
        pq_stat_int(&c->st, v->u.b);
        break;
    }
    case K_I32: {
        int64_t x = v->u.i;
        int64_t lo = -((int64_t)1 << (c->int_bits - 1)), hi = ((int64_t)1 << (c->int_bits - 1)) - 1;
        if (x < lo || x > hi)
            return bad_value(w, c, "an integer does not fit the column's precision");
        int32_t y = (int32_t)x;
        buf_append(b, &y, 4);
        pq_stat_int(&c->st, y);
        break;
    }
    case K_I64:
        buf_append(b, &v->u.i, 8);
        pq_stat_int(&c->st, v->u.i);
        break;
    case K_F64:
        buf_append(b, &v->u.d, 8);
        pq_stat_f64(&c->st, v->u.d);
        break;
    case K_DATE:
        buf_append(b, &v->u.date, 4);
        pq_stat_int(&c->st, v->u.date);
        break;
    case K_TS:
    case K_TS96: {
        /* first dlt's arrow value: from_pylist floors a datetime to ms, and refuses ns out
         * of range; then arrow's writer rescales to the stored unit, refusing lost digits
         * unless allow_truncated_timestamps (then truncating toward zero, as arrow's cast) */
        int64_t x = v->u.ts, f = 1;
        if (c->nat_unit == U_MILLIS) {
            x = floordiv(x, 1000) * 1000;
        } else if (c->nat_unit == U_NANOS &&
                   (x > INT64_MAX / 1000 || x < INT64_MIN / 1000)) {
            return bad_value(w, c, "a timestamp is out of the nanosecond range (1677-2262)");
        }
        if (c->kind == K_TS96) { /* Julian day (1970-01-01 = 2440588), nanos of that day */
            int64_t day = floordiv(x, INT64_C(86400000000));
            int64_t ns = (x - day * INT64_C(86400000000)) * 1000;
            int32_t jd = (int32_t)(day + 2440588);
            buf_append(b, &ns, 8);
            buf_append(b, &jd, 4);
            break;
        }
        if (c->unit == U_NANOS) {
            if (x > INT64_MAX / 1000 || x < INT64_MIN / 1000)
                return bad_value(w, c, "a timestamp is out of the nanosecond range (1677-2262)");
            x *= 1000;
        } else if (c->unit == U_MILLIS) {
            f = 1000;
        }
        if (f > 1) {
            if (x % f != 0 && !w->opt.dlt.allow_truncated)
                return bad_value(w, c, "a timestamp with digits below the millisecond, which "
                                       "coerce_timestamps = \"ms\" would lose (set "
                                       "[normalize.data_writer] allow_truncated_timestamps = "
                                       "true to truncate them)");
            x /= f;
        }
        buf_append(b, &x, 8);
        pq_stat_int(&c->st, x); /* the stored value: after flooring and rescaling */
        break;
    }
    case K_TIME32: {
        int32_t y = (int32_t)(v->u.time / 1000);
        buf_append(b, &y, 4);
        pq_stat_int(&c->st, y);
        break;
    }
    case K_TIME64: {
        int64_t x = c->unit == U_NANOS ? v->u.time * 1000 : v->u.time;
        buf_append(b, &x, 8);
        pq_stat_int(&c->st, x);
        break;
    }
    case K_BYTES: {
        uint32_t n = v->len;
        buf_append(b, &n, 4);
        buf_append(b, v->u.s, n);
        pq_stat_bytes(&c->st, v->u.s, n, c->smode == PQS_TEXT, false);
        break;
    }
    case K_FIXED:
        if (v->len != (uint32_t)c->type_len)
            return bad_value(w, c, "a binary value's length differs from the column's precision");
        buf_append(b, v->u.s, v->len);
        if (c->smode == PQS_FIXED)
            pq_stat_bytes(&c->st, v->u.s, v->len, false, false);
        break;
    case K_JSON: {
        size_t at = b->len;
        buf_append(b, "\0\0\0\0", 4);
        json_write(b, v->u.json, 0);
        if (b->status == CDLT_OK) {
            uint32_t n = (uint32_t)(b->len - at - 4);
            memcpy(b->data + at, &n, 4);
            pq_stat_bytes(&c->st, b->data + at + 4, n, true, false);
        }
        break;
    }
    case K_DEC: {
        if (buf_reserve(b, (size_t)c->type_len) != CDLT_OK)
            break;
        if (!encode_decimal(c, v->u.s, v->len, (uint8_t *)b->data + b->len)) {
            char why[160];
            snprintf(why, sizeof why, "the decimal '%.*s' does not fit precision %d, scale %d",
                     v->len > 60 ? 60 : (int)v->len, v->u.s, (int)c->precision, (int)c->scale);
            return bad_value(w, c, why);
        }
        if (c->smode == PQS_DEC)
            pq_stat_bytes(&c->st, b->data + b->len, (size_t)c->type_len, false, true);
        b->len += (size_t)c->type_len;
        b->data[b->len] = '\0';
        break;
    }
    }
    if (b->status != CDLT_OK)
        return CDLT_NOMEM;
    *nb = b->len - before;
    return CDLT_OK;
}

/* Record presence (def level) of the next value of c's open page. */
static cdlt_status put_def(pq_col *c, bool present)
{
    uint32_t k = c->page_n;
    if ((size_t)k / 8 >= c->defs_cap) {
        size_t cap = c->defs_cap ? c->defs_cap * 2 : 1024;
        uint8_t *p = mem_realloc(c->defs, cap);
        if (!p)
            return CDLT_NOMEM;
        memset(p + c->defs_cap, 0, cap - c->defs_cap);
        c->defs = p;
        c->defs_cap = cap;
    }
    /* set or clear: a refused row may have left a bit here */
    if (present)
        c->defs[k / 8] |= (uint8_t)(1u << (k % 8));
    else
        c->defs[k / 8] &= (uint8_t)~(1u << (k % 8));
    return CDLT_OK;
}


cdlt_status pq_writer_row(pq_writer *w, const tval *vals, uint32_t ncols)
{
    if (w->status != CDLT_OK)
        return w->status;
    for (uint32_t i = ncols > w->ntcols ? w->ntcols : ncols; i < ncols; i++) {
        if (vals[i].type != DT_NONE) {
            pw_msg(w, "parquet: row for table '%s' has a value for column #%u which did not "
                      "exist when load file '%s' was opened; rotate the file when columns are "
                      "added",
                   w->table, (unsigned)i, w->path);
            return CDLT_SCHEMA;
        }
    }
    /* validate first, so a refused row leaves no partial values behind */
    for (uint32_t i = 0; i < w->ntcols; i++) {
        int32_t j = w->colmap[i];
        const tval *v = i < ncols ? &vals[i] : NULL;
        bool null = !v || v->type == DT_NONE || (v->type == DT_JSON && !v->u.json);
        if (null) {
            if (j >= 0 && w->cols[j].required) {
                pw_msg(w, "parquet: NULL in column '%s' of table '%s', which is not nullable "
                          "(load file '%s', row %llu)",
                       w->cols[j].name, w->table, w->path, (unsigned long long)w->rows + 1);
                return CDLT_COERCE;
            }
            continue;
        }
        if (j < 0 || v->type != w->cols[j].dtype) {
            pw_msg(w, "parquet: value of type %s for column #%u of table '%s' does not match "
                      "the column type %s (load file '%s'); coerce values before writing",
                   dtype_name((dtype)v->type) ? dtype_name((dtype)v->type) : "?", (unsigned)i,
                   w->table, j >= 0 ? dtype_name((dtype)w->cols[j].dtype) : "(incomplete)",
                   w->path);
            return CDLT_INVALID_ARG;
        }
    }
    uint64_t row_bytes = 0;
    cdlt_status st = CDLT_OK;
    uint32_t i = 0;
    for (; i < w->ntcols; i++) {
        int32_t j = w->colmap[i];
        if (j < 0)
            continue;
        pq_col *c = &w->cols[j];
        c->mark_len = c->vals.len;
        const tval *v = i < ncols ? &vals[i] : NULL;
        bool null = !v || v->type == DT_NONE || (v->type == DT_JSON && !v->u.json);
        size_t nb = 0;
        if (!null && (st = put_value(w, c, v, &nb)) != CDLT_OK)
            break;
        if (!c->required && put_def(c, !null) != CDLT_OK) {
            st = CDLT_NOMEM;
            break;
        }
        c->page_n++;
        if (!null)
            c->page_nonnull++;
        else
            c->st.nulls++;
        row_bytes += nb;
    }
    if (st != CDLT_OK) {
        /* the row is all or nothing: take back what the columns before the failing one got
         * (the failing one checks its value before it appends) */
        for (uint32_t k = 0; k <= i && k < w->ntcols; k++) {
            int32_t j = w->colmap[k];
            if (j < 0)
                continue;
            pq_col *c = &w->cols[j];
            if (k < i) {
                const tval *v = k < ncols ? &vals[k] : NULL;
                bool null = !v || v->type == DT_NONE || (v->type == DT_JSON && !v->u.json);
                c->page_n--;
                if (!null) {
                    c->page_nonnull--;
                    /* its value is in min/max: they stay bounds, no longer exact values */
                    c->st.min_cut = c->st.max_cut = true;
                } else {
                    c->st.nulls--;
                }
            }
            c->vals.len = c->mark_len;
        }
        if (st == CDLT_NOMEM) {
            pw_msg(w, "parquet: out of memory writing load file '%s' for table '%s'", w->path,
                   w->table);
            return w->status = st;
        }
        return st;
    }
    w->rows++;
    w->rg_rows++;
    w->rg_pending += row_bytes;
    w->open_bytes += row_bytes;
    for (uint32_t j = 0; j < w->nfcols; j++) {
        pq_col *c = &w->cols[j];
        if (c->vals.len >= w->opt.page_bytes && (st = pq_page_close(w, c)) != CDLT_OK)
            return st;
    }
    if (w->rg_pending >= w->opt.row_group_bytes ||
        (w->opt.dlt.row_group_rows && w->rg_rows >= w->opt.dlt.row_group_rows))
        return pq_rg_flush(w, false);
    return CDLT_OK;
}

uint64_t pq_writer_bytes(const pq_writer *w)
{
    /* the row group the compressor has and the pages since count uncompressed: an upper
     * bound of what they will add, and the same figure however far the compressor got, so
     * file rotation by size does not depend on thread timing */
    return w->done_bytes + w->handed + w->chunks_len + w->open_bytes;
}

const char *pq_writer_last_error(const pq_writer *w) { return w && w->msg[0] ? w->msg : NULL; }

/* ---- footer ---- */

static void schema_element(tw *t, const pq_col *c)
{
    tw_begin(t, 0);
    tw_i32(t, 1, c->phys);
    if (c->phys == P_FLBA)
        tw_i32(t, 2, c->type_len);
    tw_i32(t, 3, c->required ? 0 : 1);
    tw_bin(t, 4, c->name, strlen(c->name));
    int ct = -1;
    switch (c->kind) {
    case K_BYTES:
    case K_JSON:
        if (c->dtype != DT_BINARY)
            ct = CT_UTF8;
        break;
    case K_DEC:
        ct = CT_DECIMAL;
        break;
    case K_DATE:
        ct = CT_DATE;
        break;
    case K_I32:
        ct = c->int_bits == 8 ? CT_INT_8 : c->int_bits == 16 ? CT_INT_16 : CT_INT_32;
        break;
    case K_TS:
        /* arrow sets the legacy annotation for ms/us even on naive timestamps (its
         * force_set_converted_type), so readers of old files still see timestamps */
        if (c->unit != U_NANOS)
            ct = c->unit == U_MILLIS ? CT_TS_MILLIS : CT_TS_MICROS;
        break;
    default:
        break;
    }
    if (ct >= 0)
        tw_i32(t, 6, ct);
    if (c->kind == K_DEC) {
        tw_i32(t, 7, c->scale);
        tw_i32(t, 8, c->precision);
    }
    /* LogicalType union */
    switch (c->kind) {
    case K_BYTES:
    case K_JSON:
        if (c->dtype == DT_BINARY)
            break;
        tw_begin(t, 10);
        tw_begin(t, 1); /* STRING */
        tw_end(t);
        tw_end(t);
        break;
    case K_DEC:
        tw_begin(t, 10);
        tw_begin(t, 5);
        tw_i32(t, 1, c->scale);
        tw_i32(t, 2, c->precision);
        tw_end(t);
        tw_end(t);
        break;
    case K_DATE:
        tw_begin(t, 10);
        tw_begin(t, 6);
        tw_end(t);
        tw_end(t);
        break;
    case K_I32:
        tw_begin(t, 10);
        tw_begin(t, 10);
        tw_byte(t, 1, (int8_t)c->int_bits);
        tw_bool(t, 2, true);
        tw_end(t);
        tw_end(t);
        break;
    case K_TS:
    case K_TIME32:
    case K_TIME64:
        tw_begin(t, 10);
        tw_begin(t, c->kind == K_TS ? 8 : 7);
        /* times are written without UTC adjustment: DuckDB would read an adjusted TIME as
         * TIMETZ, while pyarrow reads both as time */
        tw_bool(t, 1, c->kind == K_TS && c->utc);
        tw_begin(t, 2);
        tw_begin(t, (int16_t)c->unit);
        tw_end(t);
        tw_end(t);
        tw_end(t);
        tw_end(t);
        break;
    default:
        break;
    }
    tw_end(t);
}

static cdlt_status write_footer(pq_writer *w)
{
    buf *h = &w->hdr;
    buf_clear(h);
    tw t = {.b = h};
    tw_i32(&t, 1, w->opt.dlt.version == DEST_PQ_V1_0 ? 1 : 2); /* as arrow: 1 only for "1.0" */
    tw_list(&t, 2, T_STRUCT, (size_t)w->nfcols + 1);
    tw_begin(&t, 0); /* root */
    tw_bin(&t, 4, "schema", 6);
    tw_i32(&t, 5, (int32_t)w->nfcols);
    tw_end(&t);
    for (uint32_t i = 0; i < w->nfcols; i++)
        schema_element(&t, &w->cols[i]);
    tw_i64(&t, 3, (int64_t)w->rows);
    tw_list(&t, 4, T_STRUCT, w->nrg);
    for (size_t g = 0; g < w->nrg; g++) {
        int64_t total_uncomp = 0, total_comp = 0;
        tw_begin(&t, 0);
        tw_list(&t, 1, T_STRUCT, w->nfcols);
        for (uint32_t i = 0; i < w->nfcols; i++) {
            const pq_col *c = &w->cols[i];
            const pq_meta *m = &w->meta[g * w->nfcols + i];
            total_uncomp += m->uncomp;
            total_comp += m->comp;
            tw_begin(&t, 0); /* ColumnChunk */
            tw_i64(&t, 2, m->offset);
            tw_begin(&t, 3); /* ColumnMetaData */
            tw_i32(&t, 1, c->phys);
            tw_list(&t, 2, T_I32, c->required ? 1 : 2);
            tw_varint(h, zigzag(ENC_PLAIN));
            if (!c->required)
                tw_varint(h, zigzag(ENC_RLE));
            tw_list(&t, 3, T_BINARY, 1);
            tw_varint(h, strlen(c->name));
            buf_puts(h, c->name);
            tw_i32(&t, 4, w->opt.codec == PQ_CODEC_SNAPPY ? CODEC_SNAPPY
                          : w->opt.codec == PQ_CODEC_ZSTD ? CODEC_ZSTD
                                                          : CODEC_UNCOMPRESSED);
            tw_i64(&t, 5, m->values);
            tw_i64(&t, 6, m->uncomp);
            tw_i64(&t, 7, m->comp);
            tw_i64(&t, 9, m->offset);
            pq_stat_write(&t, c, &m->st);
            tw_end(&t);
            tw_end(&t);
        }
        tw_i64(&t, 2, total_uncomp);
        tw_i64(&t, 3, (int64_t)w->rg_nrows[g]);
        if (w->nfcols)
            tw_i64(&t, 5, w->meta[g * w->nfcols].offset);
        tw_i64(&t, 6, total_comp);
        tw_field(&t, 7, 4); /* ordinal: i16 */
        tw_varint(h, zigzag((int64_t)g));
        tw_end(&t);
    }
    static const char created_by[] = "cdlt version 0.1.0";
    tw_bin(&t, 6, created_by, sizeof created_by - 1);
    /* TYPE_ORDER per column: without it readers must not trust min_value/max_value */
    tw_list(&t, 7, T_STRUCT, w->nfcols);
    for (uint32_t i = 0; i < w->nfcols; i++) {
        tw_begin(&t, 0); /* ColumnOrder (union) */
        tw_begin(&t, 1); /* TypeDefinedOrder */
        tw_end(&t);
        tw_end(&t);
    }
    buf_putc(h, 0); /* end of FileMetaData */
    if (h->status != CDLT_OK) {
        pw_msg(w, "parquet: out of memory writing the footer of '%s'", w->path);
        return w->status = CDLT_NOMEM;
    }
    uint32_t n = (uint32_t)h->len;
    buf_append(h, &n, 4);
    buf_append(h, "PAR1", 4);
    if (h->status != CDLT_OK)
        return w->status = CDLT_NOMEM;
    return pq_write_out(w, h->data, h->len);
}

cdlt_status pq_writer_close(pq_writer *w, uint64_t *out_rows, cdlt_error *err)
{
    if (!w)
        return CDLT_OK;
    cdlt_status st = w->status;
    if (st == CDLT_OK)
        st = pq_rg_flush(w, true);
    if (st == CDLT_OK)
        st = write_footer(w);
    if (st == CDLT_OK && close(w->fd) != 0) {
        pw_msg(w, "parquet: closing load file '%s' failed: %s", w->path, strerror(errno));
        st = CDLT_IO;
    }
    w->fd = -1;
    if (st != CDLT_OK) {
        if (!w->msg[0])
            pw_msg(w, "parquet: out of memory finishing load file '%s'", w->path);
        err_set(err, st, "%s", w->msg);
        err_set_table(err, w->table);
    } else if (out_rows) {
        *out_rows = w->rows;
    }
    pw_free(w);
    return st;
}

void pq_writer_abort(pq_writer *w) { pw_free(w); }

/* ---- writer-ops tables (writers/writer.h): one per wei precision, as dlt's destinations
 * differ only there: DuckDB (38, 0), filesystem and others (78, 0) -> decimal256(76, 0) ---- */
static cdlt_status ops_open(const schema_table *t, const char *path, int32_t wei,
                            const dest_writer_opts *wo, dest_writer **out, cdlt_error *err)
{
    pq_options o = pq_options_default(wei);
    if (wo)
        o.dlt = wo->parquet;
    pq_writer *w = NULL;
    cdlt_status st = pq_writer_open(t, path, &o, &w, err);
    *out = (dest_writer *)w;
    return st;
}
static cdlt_status ops_open38(const schema_table *t, const char *path, const dest_writer_opts *o,
                              dest_writer **out, cdlt_error *err)
{
    /* Parquet compresses pages itself: no gzip, no csv settings */
    return ops_open(t, path, 38, o, out, err);
}
static cdlt_status ops_open78(const schema_table *t, const char *path, const dest_writer_opts *o,
                              dest_writer **out, cdlt_error *err)
{
    return ops_open(t, path, 78, o, out, err);
}
static cdlt_status ops_row(dest_writer *w, const tval *vals, uint32_t ncols)
{
    return pq_writer_row((pq_writer *)w, vals, ncols);
}
static uint64_t ops_bytes(const dest_writer *w) { return pq_writer_bytes((const pq_writer *)w); }
static cdlt_status ops_close(dest_writer *w, uint64_t *rows, cdlt_error *err)
{
    return pq_writer_close((pq_writer *)w, rows, err);
}
static void ops_abort(dest_writer *w) { pq_writer_abort((pq_writer *)w); }
static const char *ops_last_error(const dest_writer *w)
{
    return pq_writer_last_error((const pq_writer *)w);
}

const dest_writer_ops dest_writer_parquet = {
    .format = "parquet",
    .ext = "parquet",
    .compressible = false, /* dlt: supports_compression = False */
    .open = ops_open38,
    .row = ops_row,
    .bytes = ops_bytes,
    .close = ops_close,
    .abort = ops_abort,
    .last_error = ops_last_error,
};

const dest_writer_ops dest_writer_parquet_evm = {
    .format = "parquet",
    .ext = "parquet",
    .compressible = false,
    .open = ops_open78,
    .row = ops_row,
    .bytes = ops_bytes,
    .close = ops_close,
    .abort = ops_abort,
    .last_error = ops_last_error,
};
