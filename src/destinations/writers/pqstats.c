/* pqstats.c: the Parquet writer's column statistics (null count, min/max per column chunk),
 * which engines (DuckDB, Spark, Trino) read to skip row groups. A wrong bound makes a reader
 * skip rows a filter matches, so every bound here is one the values cannot pass: min/max are
 * taken from the bytes as written (after rescaling and encoding), NaN doubles stay out of
 * them, long byte arrays count with a cut lower bound and a rounded-up upper bound, and a
 * column whose order is not certain (INT96, long fixed binaries) gets its null count only.
 * The running state is fixed per column (pq_col.st) and put_value (parquet.c) counts each value
 * as it writes it: nothing is allocated per value. Null counts come from pq_writer_row. */
#include "destinations/writers/pqint.h"

#include <string.h>

void pq_stat_plan(pq_col *c)
{
    switch (c->kind) {
    case K_BOOL:
        c->smode = PQS_BOOL;
        break;
    case K_I32:
    case K_DATE:
    case K_TIME32:
        c->smode = PQS_INT32;
        break;
    case K_I64:
    case K_TS:
    case K_TIME64:
        c->smode = PQS_INT64;
        break;
    case K_F64:
        c->smode = PQS_F64;
        break;
    case K_BYTES:
        c->smode = c->dtype == DT_BINARY ? PQS_BYTES : PQS_TEXT;
        break;
    case K_JSON:
        c->smode = PQS_TEXT;
        break;
    case K_FIXED:
        /* a bound of a fixed-length type must keep the length: no cutting, so only short ones */
        c->smode = c->type_len <= PQ_STAT_BYTES ? PQS_FIXED : PQS_NONE;
        break;
    case K_DEC:
        c->smode = c->type_len <= PQ_STAT_BYTES ? PQS_DEC : PQS_NONE;
        break;
    case K_TS96: /* the spec leaves INT96's order undefined under TYPE_ORDER: readers ignore it */
    default:
        c->smode = PQS_NONE;
        break;
    }
}

/* Byte-wise unsigned order; `sign` compares the first byte as signed (big-endian two's
 * complement of equal lengths: decimals). */
static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, bool sign)
{
    if (sign && an && bn) {
        int x = (int)(a[0] ^ 0x80) - (int)(b[0] ^ 0x80);
        if (x)
            return x;
        a++, b++, an--, bn--;
    }
    size_t n = an < bn ? an : bn;
    int r = n ? memcmp(a, b, n) : 0;
    return r ? r : (an > bn) - (an < bn);
}

/* One byte-array value of n bytes. Up to PQ_STAT_BYTES bytes it counts as itself. A longer one
 * counts as its first PQ_STAT_BYTES bytes for the minimum (a prefix sorts before the value) and
 * as that prefix with its last raisable byte raised by one for the maximum (sorts after the
 * value). Text cuts between characters and raises only an ASCII byte below 0x7F, so both
 * bounds stay valid UTF-8 (the spec wants bounds that are values of the type; DuckDB checks
 * UTF-8 of string statistics). A prefix with nothing to raise leaves the row group without a
 * maximum (no_max), so without min/max. */
void pq_stat_bytes(pq_stat *s, const void *data, size_t n, bool text, bool sign)
{
    const uint8_t *p = data;
    bool first = !s->has;
    size_t lo = n;
    bool cut = false;
    if (n > PQ_STAT_BYTES) {
        lo = PQ_STAT_BYTES;
        if (text)
            while (lo > 0 && (p[lo] & 0xC0) == 0x80) /* p[lo] continues a character */
                lo--;
        cut = true;
    }
    int r = first ? -1 : cmp_bytes(p, lo, s->min, s->min_len, sign);
    if (r < 0) {
        memcpy(s->min, p, lo);
        s->min_len = (uint8_t)lo;
        s->min_cut = cut;
    } else if (r == 0) {
        s->min_cut = s->min_cut && cut; /* an exact value equal to the bound makes it exact */
    }
    s->has = true;
    if (s->no_max)
        return;
    const uint8_t *hi = p;
    size_t hn = n;
    uint8_t up[PQ_STAT_BYTES];
    if (cut) {
        size_t k = lo;
        while (k > 0 && !(text ? p[k - 1] < 0x7F : p[k - 1] < 0xFF))
            k--;
        if (k == 0) {
            s->no_max = true;
            return;
        }
        /* most long values sort below the maximum already within their first k - 1 bytes,
         * and then so does the raised prefix: no need to build it */
        if (!first) {
            size_t m = k - 1 < s->max_len ? k - 1 : s->max_len;
            int q = m ? cmp_bytes(p, m, s->max, m, sign) : 0;
            if (q < 0)
                return;
        }
        memcpy(up, p, k - 1);
        up[k - 1] = (uint8_t)(p[k - 1] + 1);
        hi = up;
        hn = k;
    }
    r = first ? 1 : cmp_bytes(hi, hn, s->max, s->max_len, sign);
    if (r > 0) {
        memcpy(s->max, hi, hn);
        s->max_len = (uint8_t)hn;
        s->max_cut = cut;
    } else if (r == 0) {
        s->max_cut = s->max_cut && cut;
    }
}

void pq_stat_write(tw *t, const pq_col *c, const pq_stat *s)
{
    tw_begin(t, 12); /* ColumnMetaData.statistics */
    tw_i64(t, 3, (int64_t)s->nulls);
    if (c->smode != PQS_NONE && s->has && !s->no_max) {
        char lo[8], hi[8];
        const void *pmin = lo, *pmax = hi;
        size_t n = 8, nmin = 0, nmax = 0;
        switch (c->smode) {
        case PQS_INT32: {
            int32_t a = (int32_t)s->imin, b = (int32_t)s->imax;
            memcpy(lo, &a, 4);
            memcpy(hi, &b, 4);
            n = 4;
            break;
        }
        case PQS_INT64:
            memcpy(lo, &s->imin, 8);
            memcpy(hi, &s->imax, 8);
            break;
        case PQS_BOOL:
            lo[0] = (char)s->imin;
            hi[0] = (char)s->imax;
            n = 1;
            break;
        case PQS_F64: {
            /* the spec: a zero minimum is written -0.0 and a zero maximum +0.0, so a reader
             * comparing with either zero keeps the row group */
            double a = s->dmin == 0 ? -0.0 : s->dmin, b = s->dmax == 0 ? 0.0 : s->dmax;
            memcpy(lo, &a, 8);
            memcpy(hi, &b, 8);
            break;
        }
        default:
            pmin = s->min;
            pmax = s->max;
            nmin = s->min_len;
            nmax = s->max_len;
            n = 0;
            break;
        }
        tw_bin(t, 5, pmax, n ? n : nmax);
        tw_bin(t, 6, pmin, n ? n : nmin);
        tw_bool(t, 7, !s->max_cut);
        tw_bool(t, 8, !s->min_cut);
    }
    /* no nan_count (field 9): pyarrow writes none, and without it readers assume NaN may be
     * present; a count that is too high (a refused row's NaN) could make a reader think a
     * chunk holds only NaN */
    tw_end(t);
}
