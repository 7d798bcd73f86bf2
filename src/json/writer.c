/* writer.c: JSON text from `jv` trees: compact like orjson, optional 2-space pretty form like
 * Python json.dumps(indent=2), sorted keys for canonical hashes, and Python repr() doubles. */
#include "json_internal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define WRITE_MAX_DEPTH 10000 /* trees deeper than this are refused (recursion guard) */

/* 1 = byte needs an escape in a JSON string (controls, quote, backslash). */
static const uint8_t needs_esc[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

static const char hexd[] = "0123456789abcdef";

/* Write \uXXXX for one UTF-16 unit into o; returns 6. */
static size_t put_u(char *o, unsigned u)
{
    o[0] = '\\';
    o[1] = 'u';
    o[2] = hexd[(u >> 12) & 15];
    o[3] = hexd[(u >> 8) & 15];
    o[4] = hexd[(u >> 4) & 15];
    o[5] = hexd[u & 15];
    return 6;
}

/* Decode one UTF-8 sequence at s (n bytes left); returns its length and the code point, or
 * length 1 with U+FFFD for an invalid byte (only used for JSON_W_ASCII output). */
static size_t utf8_decode(const uint8_t *s, size_t n, unsigned *cp)
{
    uint8_t c = s[0];
    size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (k == 0 || k > n)
        goto bad;
    unsigned v = c & (0x7F >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((k == 2 && v < 0x80) || (k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        goto bad;
    *cp = v;
    return k;
bad:
    *cp = 0xFFFD;
    return 1;
}

/* First byte at or after u that needs an escape (or e): 8 bytes at a time, as strings are
 * mostly plain. A byte below 0x20, '"' or '\\' (and with ascii any byte >= 0x80) stops it;
 * the word tests are exact for "any such byte in these 8". */
static const uint8_t *skip_plain(const uint8_t *u, const uint8_t *e, bool ascii)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    const uint64_t quote = ones * '"', bslash = ones * '\\';
    while ((size_t)(e - u) >= 8) {
        uint64_t x, q, b;
        memcpy(&x, u, 8);
        q = x ^ quote;
        b = x ^ bslash;
        uint64_t t = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b);
        t &= high;
        if (ascii)
            t |= x & high;
        if (t)
            break;
        u += 8;
    }
    while (u < e && !needs_esc[*u] && (!ascii || *u < 0x80))
        u++;
    return u;
}

/* Exact length of the escaped form of s (without quotes), so a capped buf is asked for no
 * more than it will hold. */
static size_t escaped_len(const uint8_t *u, size_t n, bool ascii)
{
    size_t out = 0;
    const uint8_t *e = u + n;
    while (u < e) {
        const uint8_t *run = skip_plain(u, e, ascii);
        out += (size_t)(run - u);
        u = run;
        if (u >= e)
            break;
        uint8_t c = *u;
        if (c >= 0x80) {
            unsigned cp;
            u += utf8_decode(u, (size_t)(e - u), &cp);
            out += cp >= 0x10000 ? 12 : 6;
        } else {
            out += (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
                    c == '\t')
                       ? 2
                       : 6;
            u++;
        }
    }
    return out;
}

cdlt_status json_write_string(buf *out, const char *s, size_t n, unsigned flags)
{
    bool ascii = (flags & JSON_W_ASCII) != 0;
    const uint8_t *u = (const uint8_t *)s, *e = u + n;
    /* the plain start is copied once; the length pass is only for strings with escapes */
    const uint8_t *first = skip_plain(u, e, ascii);
    size_t need = (size_t)(first - u) + (first == e ? 0 : escaped_len(first, (size_t)(e - first),
                                                                       ascii));
    if (need > SIZE_MAX - 3)
        return out->status = CDLT_TOO_LARGE;
    cdlt_status st = buf_reserve(out, need + 2);
    if (st != CDLT_OK)
        return st;
    char *o = out->data + out->len;
    *o++ = '"';
    if (first > u) {
        memcpy(o, u, (size_t)(first - u));
        o += first - u;
        u = first;
    }
    while (u < e) {
        const uint8_t *run = u;
        u = skip_plain(u, e, ascii);
        if (u > run) {
            memcpy(o, run, (size_t)(u - run));
            o += u - run;
        }
        if (u >= e)
            break;
        uint8_t c = *u;
        if (c >= 0x80) {
            unsigned cp;
            size_t k = utf8_decode(u, (size_t)(e - u), &cp);
            u += k;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                o += put_u(o, 0xD800 + (cp >> 10));
                o += put_u(o, 0xDC00 + (cp & 0x3FF));
            } else {
                o += put_u(o, cp);
            }
            continue;
        }
        u++;
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            o--;
            o += put_u(o, c);
        }
    }
    *o++ = '"';
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return CDLT_OK;
}

size_t json_fmt_double(double d, char *out)
{
    if (isnan(d)) {
        memcpy(out, "nan", 4);
        return 3;
    }
    if (isinf(d)) {
        const char *s = d < 0 ? "-inf" : "inf";
        size_t n = strlen(s);
        memcpy(out, s, n + 1);
        return n;
    }
    if (d == 0) {
        const char *s = signbit(d) ? "-0.0" : "0.0";
        size_t n = strlen(s);
        memcpy(out, s, n + 1);
        return n;
    }
    /* Shortest digits that read back to the same double (Python repr), as sign, digits and
     * decimal exponent. */
    bool neg = d < 0;
    char dig[24];
    int nd = 0, exp10 = 0;
    double ad = neg ? -d : d;
    if (ad < 1e15 && ad == (double)(int64_t)ad) {
        /* integral (ids, counts, timestamps as numbers): exact, no formatting round trip */
        uint64_t v = (uint64_t)ad;
        char tmp[24];
        do {
            tmp[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        for (int i = 0; i < nd; i++)
            dig[i] = tmp[nd - 1 - i];
        exp10 = nd - 1;
    } else {
        /* Any decimal of at most 15 significant digits reads back as a double no other such
         * decimal reads as (DBL_DIG), so when the 15-digit rounding reads back, these digits
         * without trailing zeros are the shortest; else 16 or 17 digits are needed. Usually
         * one snprintf/strtod pair instead of a search. */
        char tmp[40];
        if (ad >= DBL_MIN) {
            snprintf(tmp, sizeof tmp, "%.14e", d);
            if (strtod(tmp, NULL) != d) {
                snprintf(tmp, sizeof tmp, "%.15e", d);
                if (strtod(tmp, NULL) != d)
                    snprintf(tmp, sizeof tmp, "%.16e", d);
            }
        } else {
            /* subnormals hold fewer digits (the 15-digit argument does not apply): search
             * 1..17, round-tripping being monotonic in the precision */
            int lo = 1, hi = 17;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                snprintf(tmp, sizeof tmp, "%.*e", mid - 1, d);
                if (strtod(tmp, NULL) == d)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            snprintf(tmp, sizeof tmp, "%.*e", lo - 1, d);
        }
        /* tmp = [-]D[.DDD]e[+-]XX */
        const char *p = tmp + (neg ? 1 : 0);
        while (*p && *p != 'e') {
            if (*p != '.')
                dig[nd++] = *p;
            p++;
        }
        exp10 = atoi(p + 1);
    }
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    char *o = out;
    if (neg)
        *o++ = '-';
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++)
                *o++ = i < nd ? dig[i] : '0';
            *o++ = '.';
            if (nd > exp10 + 1) {
                for (int i = exp10 + 1; i < nd; i++)
                    *o++ = dig[i];
            } else {
                *o++ = '0';
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -exp10 - 1; i++)
                *o++ = '0';
            for (int i = 0; i < nd; i++)
                *o++ = dig[i];
        }
    } else {
        *o++ = dig[0];
        if (nd > 1) {
            *o++ = '.';
            for (int i = 1; i < nd; i++)
                *o++ = dig[i];
        }
        o += sprintf(o, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* Decimal text of an unsigned integer; returns the length. */
static size_t fmt_u64(uint64_t v, char *out)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static int member_cmp(const void *pa, const void *pb)
{
    const jv_member *a = *(const jv_member *const *)pa, *b = *(const jv_member *const *)pb;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    if (c)
        return c;
    if (a->klen != b->klen)
        return a->klen < b->klen ? -1 : 1;
    return a < b ? -1 : a > b; /* duplicates keep source order: deterministic output */
}

static void newline_indent(buf *out, int level)
{
    if (buf_reserve(out, 1 + 2 * (size_t)level) != CDLT_OK)
        return;
    char *o = out->data + out->len;
    *o++ = '\n';
    memset(o, ' ', 2 * (size_t)level);
    out->len += 1 + 2 * (size_t)level;
    out->data[out->len] = '\0';
}

static cdlt_status write_value(buf *out, const jv *v, unsigned flags, int level)
{
    if (level > WRITE_MAX_DEPTH)
        return out->status = CDLT_DEPTH;
    bool pretty = (flags & JSON_W_PRETTY) != 0;
    char num[40];
    switch ((jv_type)v->type) {
    case JV_NULL:
        return buf_append(out, "null", 4);
    case JV_BOOL:
        return v->u.b ? buf_append(out, "true", 4) : buf_append(out, "false", 5);
    case JV_INT: {
        size_t n = 0;
        uint64_t u = (uint64_t)v->u.i;
        if (v->u.i < 0) {
            num[n++] = '-';
            u = 0 - u;
        }
        n += fmt_u64(u, num + n);
        return buf_append(out, num, n);
    }
    case JV_UINT:
        return buf_append(out, num, fmt_u64(v->u.u, num));
    case JV_BIGNUM:
        return buf_append(out, v->u.s, v->len);
    case JV_DOUBLE:
        if (!isfinite(v->u.d))
            return buf_append(out, "null", 4);
        return buf_append(out, num, json_fmt_double(v->u.d, num));
    case JV_STRING:
    case JV_DATETIME:
    case JV_DATETIME_LOCAL:
    case JV_DATE_LOCAL:
    case JV_TIME_LOCAL:
        return json_write_string(out, v->u.s, v->len, flags);
    case JV_ARRAY:
        buf_putc(out, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                buf_putc(out, ',');
            if (pretty)
                newline_indent(out, level + 1);
            write_value(out, &v->u.items[i], flags, level + 1);
        }
        if (pretty && v->len)
            newline_indent(out, level);
        return buf_putc(out, ']');
    case JV_OBJECT: {
        const jv_member *stack_sorted[32];
        const jv_member **order = NULL;
        if ((flags & JSON_W_SORT_KEYS) && v->len > 1) {
            order = v->len <= CDLT_ARRAY_LEN(stack_sorted)
                        ? stack_sorted
                        : mem_alloc(v->len * sizeof *order);
            if (!order)
                return out->status = CDLT_NOMEM;
            for (uint32_t i = 0; i < v->len; i++)
                order[i] = &v->u.members[i];
            qsort(order, v->len, sizeof *order, member_cmp);
        }
        buf_putc(out, '{');
        for (uint32_t i = 0; i < v->len; i++) {
            const jv_member *m = order ? order[i] : &v->u.members[i];
            if (i)
                buf_putc(out, ',');
            if (pretty)
                newline_indent(out, level + 1);
            json_write_string(out, m->key, m->klen, flags);
            if (pretty)
                buf_append(out, ": ", 2);
            else
                buf_putc(out, ':');
            write_value(out, &m->value, flags, level + 1);
        }
        if (order && order != stack_sorted)
            mem_free((void *)order);
        if (pretty && v->len)
            newline_indent(out, level);
        return buf_putc(out, '}');
    }
    }
    return buf_append(out, "null", 4);
}

cdlt_status json_write(buf *out, const jv *v, unsigned flags)
{
    write_value(out, v, flags, 0);
    return out->status;
}
