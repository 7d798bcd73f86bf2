/* wire.c: PostgreSQL's binary COPY forms of dlt's types (what each type's *_recv function
 * reads), so the server does no text parsing: integers and floats big-endian, timestamps,
 * dates and times counted from 2000-01-01, jsonb as version byte 1 + JSON text, numeric as
 * base-10000 digit groups converted from the exact decimal text. */
#include "pg.h"

#include <stdint.h>
#include <string.h>

/* 2000-01-01 (PostgreSQL's epoch) in Unix microseconds and days */
#define PG_EPOCH_US 946684800000000LL
#define PG_EPOCH_DAYS 10957

static const char *const NAMES[] = {NULL, "text", "float8", "bool", "int2", "int4", "int8",
                                    "timestamptz", "timestamp", "date", "time", "bytea",
                                    "jsonb", "numeric"};

pg_wire pg_wire_of(const schema_column *c)
{
    switch (c->type) {
    case DT_DOUBLE: return PG_W_FLOAT8;
    case DT_BOOL: return PG_W_BOOL;
    case DT_BIGINT:
        return c->precision < 0 || c->precision > 32 ? PG_W_INT8
               : c->precision > 16                   ? PG_W_INT4
                                                     : PG_W_INT2;
    case DT_TIMESTAMP: return c->timezone == 0 ? PG_W_TIMESTAMP : PG_W_TIMESTAMPTZ;
    case DT_DATE: return PG_W_DATE;
    case DT_TIME: return PG_W_TIME;
    case DT_BINARY: return PG_W_BYTEA;
    case DT_JSON: return PG_W_JSONB;
    case DT_DECIMAL:
    case DT_WEI: return PG_W_NUMERIC;
    default: return PG_W_TEXT;
    }
}

const char *pg_wire_name(int w)
{
    return w >= PG_W_TEXT && w <= PG_W_NUMERIC ? NAMES[w] : NULL;
}

pg_wire pg_wire_parse(const char *name, size_t len)
{
    for (int w = PG_W_TEXT; w <= PG_W_NUMERIC; w++)
        if (strlen(NAMES[w]) == len && memcmp(NAMES[w], name, len) == 0)
            return (pg_wire)w;
    return (pg_wire)0;
}

/* numeric_recv's form: ndigits, weight, sign, dscale, then base-10000 digits. The decimal
 * text is exact ("-12.50", "1E+3", "0.000000001"); rounding to the column's scale is left to
 * the server (numeric_recv applies the typmod, as numeric_in does). */
static const char *put_numeric(buf *b, const char *s, size_t n, buf *scratch)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (n - i == 3 && (memcmp(s + i, "NaN", 3) == 0 || memcmp(s + i, "nan", 3) == 0)) {
        put_u32(b, 8);
        put_u16(b, 0);
        put_u16(b, 0);
        put_u16(b, 0xC000);
        put_u16(b, 0);
        return NULL;
    }
    /* all mantissa digits into scratch; point = digits before the decimal point */
    buf_clear(scratch);
    long point = -1;
    for (; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
        if (s[i] == '.' && point < 0)
            point = (long)scratch->len;
        else if (s[i] >= '0' && s[i] <= '9')
            buf_putc(scratch, s[i]);
        else
            return "not a decimal number";
    }
    if (point < 0)
        point = (long)scratch->len;
    if (i < n) { /* exponent */
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        long e = 0;
        if (i >= n)
            return "not a decimal number";
        for (; i < n; i++) {
            if (s[i] < '0' || s[i] > '9' || e > 100000)
                return "not a decimal number";
            e = e * 10 + (s[i] - '0');
        }
        point += eneg ? -e : e;
    }
    if (scratch->status != CDLT_OK)
        return "out of memory";
    const char *m = scratch->data ? scratch->data : "";
    long nd = (long)scratch->len;
    long dscale = nd - point > 0 ? nd - point : 0;
    if (dscale > 16383 || point > 131072)
        return "decimal value out of PostgreSQL's numeric range";
    /* mantissa digit d has the decimal exponent point - 1 - d; groups of 4 digits are aligned
     * on the point (group g holds exponents 4g .. 4g+3) */
    long hi = point - 1;           /* exponent of the first digit */
    long lo = point - nd;          /* exponent of the last digit */
    long ghi = hi >= 0 ? hi / 4 : -((-hi + 3) / 4);
    long glo = lo >= 0 ? lo / 4 : -((-lo + 3) / 4);
    /* collect groups from ghi down to glo, then trim zero groups at both ends */
    size_t at = b->len;
    put_u32(b, 0);     /* length, patched */
    size_t hdr = b->len;
    put_u16(b, 0);     /* ndigits, patched */
    put_u16(b, 0);     /* weight, patched */
    put_u16(b, neg ? 0x4000 : 0);
    put_u16(b, (uint16_t)dscale);
    long count = 0, weight = 0;
    size_t digits_at = b->len;
    for (long g = ghi; g >= glo; g--) {
        int v = 0;
        for (int k = 3; k >= 0; k--) {
            long ex = g * 4 + k;   /* exponent of this digit */
            long d = point - 1 - ex;
            v = v * 10 + (d >= 0 && d < nd ? m[d] - '0' : 0);
        }
        if (count == 0 && v == 0)
            continue; /* leading zero group */
        if (count == 0)
            weight = g;
        put_u16(b, (uint16_t)v);
        count++;
    }
    /* trailing zero groups */
    while (count > 0) {
        size_t last = digits_at + (size_t)(count - 1) * 2;
        if (b->data[last] != 0 || b->data[last + 1] != 0)
            break;
        count--;
    }
    b->len = digits_at + (size_t)count * 2;
    if (count == 0)
        weight = 0;
    if (count > 0xffff || weight > 0x7fff || weight < -0x8000)
        return "decimal value out of PostgreSQL's numeric range";
    if (b->status != CDLT_OK)
        return "out of memory";
    unsigned char *h = (unsigned char *)b->data + hdr;
    h[0] = (unsigned char)(count >> 8);
    h[1] = (unsigned char)count;
    h[2] = (unsigned char)((uint16_t)weight >> 8);
    h[3] = (unsigned char)(uint16_t)weight;
    uint32_t len = (uint32_t)(b->len - hdr);
    unsigned char *l = (unsigned char *)b->data + at;
    l[0] = (unsigned char)(len >> 24);
    l[1] = (unsigned char)(len >> 16);
    l[2] = (unsigned char)(len >> 8);
    l[3] = (unsigned char)len;
    return NULL;
}

const char *pg_wire_put(buf *b, pg_wire w, const tval *v, buf *scratch)
{
    switch (w) {
    case PG_W_INT8:
        put_u32(b, 8);
        put_u64(b, (uint64_t)v->u.i);
        return NULL;
    case PG_W_INT4:
        if (v->u.i < INT32_MIN || v->u.i > INT32_MAX)
            return "value out of range for integer (bigint precision 32)";
        put_u32(b, 4);
        put_u32(b, (uint32_t)(int32_t)v->u.i);
        return NULL;
    case PG_W_INT2:
        if (v->u.i < INT16_MIN || v->u.i > INT16_MAX)
            return "value out of range for smallint (bigint precision 16)";
        put_u32(b, 2);
        put_u16(b, (uint16_t)(int16_t)v->u.i);
        return NULL;
    case PG_W_FLOAT8: {
        uint64_t u;
        memcpy(&u, &v->u.d, 8);
        put_u32(b, 8);
        put_u64(b, u);
        return NULL;
    }
    case PG_W_BOOL:
        put_u32(b, 1);
        buf_putc(b, v->u.b ? 1 : 0);
        return NULL;
    case PG_W_TIMESTAMPTZ:
    case PG_W_TIMESTAMP:
        put_u32(b, 8);
        put_u64(b, (uint64_t)(v->u.ts - PG_EPOCH_US));
        return NULL;
    case PG_W_DATE:
        put_u32(b, 4);
        put_u32(b, (uint32_t)(v->u.date - PG_EPOCH_DAYS));
        return NULL;
    case PG_W_TIME:
        put_u32(b, 8);
        put_u64(b, (uint64_t)v->u.time);
        return NULL;
    case PG_W_JSONB: {
        size_t at = b->len;
        put_u32(b, 0);
        buf_putc(b, 1); /* jsonb binary format version */
        json_write(b, v->u.json, 0);
        if (b->status != CDLT_OK)
            return "out of memory";
        uint32_t len = (uint32_t)(b->len - at - 4);
        unsigned char *l = (unsigned char *)b->data + at;
        l[0] = (unsigned char)(len >> 24);
        l[1] = (unsigned char)(len >> 16);
        l[2] = (unsigned char)(len >> 8);
        l[3] = (unsigned char)len;
        return NULL;
    }
    case PG_W_NUMERIC:
        return put_numeric(b, v->u.s, v->len, scratch);
    default: /* text, varchar, bytea: the bytes */
        put_u32(b, v->len);
        buf_append(b, v->u.s, v->len);
        return NULL;
    }
}
