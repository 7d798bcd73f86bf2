/* pynum.c: Python's number parsing and printing rules that dlt's coercions inherit: int() with
 * '+', '_' and Unicode digits, float() with inf/nan, Decimal's str(), and float repr(). */
#include "types_int.h"
#include "naming/uchar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Python str.strip() bounds; false if the text is not valid UTF-8. */
static bool strip(const char **s, size_t *n)
{
    if (!naming_uc_valid(*s, *n))
        return false;
    naming_uc_strip(s, n);
    return true;
}

/* Next code point as an ASCII char: Unicode decimal digits become '0'..'9' (Python's
 * _PyUnicode_TransformDecimalAndSpaceToASCII), other non-ASCII becomes '?'. */
static char next_ascii(const char *s, size_t n, size_t *i)
{
    size_t l;
    int32_t cp = naming_uc_decode((const unsigned char *)s + *i, n - *i, &l);
    *i += l;
    if (cp < 0)
        return '?';
    if (cp < 0x80)
        return (char)cp;
    int d = naming_uc_digit((uint32_t)cp);
    return d >= 0 ? (char)('0' + d) : '?';
}

/* Copy s as ASCII (see next_ascii) into out (cap >= n + 1); returns the length. */
static size_t to_ascii(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;)
        out[o++] = next_ascii(s, n, &i);
    out[o] = '\0';
    return o;
}

bool types_py_int_digits(const char *s, size_t n, int base, bool *neg, char *digs,
                         size_t *out_len)
{
    if (n > TYPES_NUM_MAX || !strip(&s, &n) || n == 0)
        return false;
    char a[TYPES_NUM_MAX + 1];
    size_t m = to_ascii(s, n, a), i = 0;
    *neg = false;
    if (a[i] == '+' || a[i] == '-')
        *neg = a[i++] == '-';
    bool after_prefix = false;
    if (base == 16 && i + 1 < m && a[i] == '0' && (a[i + 1] == 'x' || a[i + 1] == 'X')) {
        i += 2;
        after_prefix = true;
    }
    /* an underscore may follow the base prefix; otherwise only between digits */
    if (after_prefix && i < m && a[i] == '_')
        i++;
    size_t o = 0;
    bool prev_digit = false;
    for (; i < m; i++) {
        char c = a[i];
        if (c == '_') {
            if (!prev_digit || i + 1 >= m)
                return false;
            prev_digit = false;
            continue;
        }
        int v = base == 16 ? hex_digit(c) : (c >= '0' && c <= '9' ? c - '0' : -1);
        if (v < 0)
            return false;
        if (o > 0 || c != '0')
            digs[o++] = c;
        prev_digit = true;
    }
    if (!prev_digit)
        return false;
    if (o == 0)
        digs[o++] = '0';
    digs[o] = '\0';
    *out_len = o;
    return true;
}

bool types_digits_to_i64(const char *digs, size_t n, int base, bool neg, int64_t *out)
{
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)hex_digit(digs[i]);
        if (v > (limit - d) / (uint64_t)base)
            return false;
        v = v * (uint64_t)base + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* ---- tiny bignum in base 1e9 (little endian), enough for doubles and 1000-digit hex ---- */
#define LIMBS 1400
typedef struct big {
    uint32_t l[LIMBS]; /* limbs, base 1e9 */
    size_t n;          /* used limbs */
} big;

static bool big_mul_add(big *b, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t v = (uint64_t)b->l[i] * mul + carry;
        b->l[i] = (uint32_t)(v % 1000000000u);
        carry = v / 1000000000u;
    }
    while (carry) {
        if (b->n == LIMBS)
            return false;
        b->l[b->n++] = (uint32_t)(carry % 1000000000u);
        carry /= 1000000000u;
    }
    return true;
}

static size_t big_to_dec(const big *b, char *out)
{
    if (b->n == 0) {
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    int o = sprintf(out, "%u", b->l[b->n - 1]);
    for (size_t i = b->n - 1; i-- > 0;)
        o += sprintf(out + o, "%09u", b->l[i]);
    return (size_t)o;
}

size_t types_hex_to_dec(const char *hex, size_t n, char *out)
{
    static _Thread_local big b;
    b.n = 0;
    for (size_t i = 0; i < n; i++)
        if (!big_mul_add(&b, 16, (uint32_t)hex_digit(hex[i])))
            return 0;
    return big_to_dec(&b, out);
}

/* ---- float() ---- */

static bool ieq(const char *a, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

/* `digit (_? digit)*` copying digits to o; returns count of digits, -1 on a bad '_'. */
static int digitpart(const char *a, size_t m, size_t *i, char *o, size_t *on)
{
    int nd = 0;
    while (*i < m) {
        char c = a[*i];
        if (c >= '0' && c <= '9') {
            o[(*on)++] = c;
            nd++;
            (*i)++;
        } else if (c == '_' && nd > 0 && *i + 1 < m && a[*i + 1] >= '0' && a[*i + 1] <= '9') {
            (*i)++;
        } else {
            break;
        }
    }
    return nd;
}

bool types_py_float(const char *s, size_t n, double *out)
{
    if (n > TYPES_NUM_MAX || !strip(&s, &n) || n == 0)
        return false;
    char a[TYPES_NUM_MAX + 1], c[TYPES_NUM_MAX + 8];
    size_t m = to_ascii(s, n, a), i = 0, o = 0;
    bool neg = false;
    if (a[i] == '+' || a[i] == '-')
        neg = a[i++] == '-';
    if (ieq(a + i, m - i, "inf") || ieq(a + i, m - i, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (ieq(a + i, m - i, "nan")) {
        *out = neg ? -NAN : NAN;
        return true;
    }
    if (neg)
        c[o++] = '-';
    int intd = digitpart(a, m, &i, c, &o), fracd = 0;
    if (i < m && a[i] == '.') {
        c[o++] = '.';
        i++;
        fracd = digitpart(a, m, &i, c, &o);
    }
    if (intd + fracd == 0)
        return false;
    if (i < m && (a[i] == 'e' || a[i] == 'E')) {
        c[o++] = 'e';
        i++;
        if (i < m && (a[i] == '+' || a[i] == '-'))
            c[o++] = a[i++];
        if (digitpart(a, m, &i, c, &o) == 0)
            return false;
    }
    if (i != m)
        return false;
    c[o] = '\0';
    *out = strtod(c, NULL); /* overflow gives +-inf, as Python's float() does */
    return true;
}

/* ---- Decimal ---- */

/* str() of a finite decimal: sign, coefficient digits (no leading zeros, "0" for zero) and
 * exponent, per the General Decimal Arithmetic to-scientific-string rules. */
static size_t decimal_sci(bool neg, const char *c, size_t cn, int64_t exp, char *out)
{
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    int64_t left = exp + (int64_t)cn;
    int64_t dot = (exp <= 0 && left > -6) ? left : 1;
    if (dot <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int64_t k = 0; k < -dot; k++)
            out[o++] = '0';
        memcpy(out + o, c, cn), o += cn;
    } else if ((size_t)dot >= cn) {
        memcpy(out + o, c, cn), o += cn;
        for (int64_t k = (int64_t)cn; k < dot; k++)
            out[o++] = '0';
    } else {
        memcpy(out + o, c, (size_t)dot), o += (size_t)dot;
        out[o++] = '.';
        memcpy(out + o, c + dot, cn - (size_t)dot), o += cn - (size_t)dot;
    }
    if (left != dot)
        o += (size_t)sprintf(out + o, "E%+lld", (long long)(left - dot));
    out[o] = '\0';
    return o;
}

bool types_py_decimal_str(const char *s, size_t n, char *out, size_t *out_len)
{
    if (n > TYPES_NUM_MAX || !strip(&s, &n) || n == 0)
        return false;
    char a[TYPES_NUM_MAX + 1], c[TYPES_NUM_MAX + 1];
    size_t m0 = to_ascii(s, n, a), m = 0;
    for (size_t k = 0; k < m0; k++) /* Decimal() drops every '_' */
        if (a[k] != '_')
            a[m++] = a[k];
    a[m] = '\0';
    size_t i = 0, o = 0;
    bool neg = false;
    if (i < m && (a[i] == '+' || a[i] == '-'))
        neg = a[i++] == '-';
    const char *sign = neg ? "-" : "";
    if (ieq(a + i, m - i, "inf") || ieq(a + i, m - i, "infinity")) {
        *out_len = (size_t)sprintf(out, "%sInfinity", sign);
        return true;
    }
    bool snan = m - i >= 4 && ieq(a + i, 4, "snan");
    if (snan || (m - i >= 3 && ieq(a + i, 3, "nan"))) {
        i += snan ? 4 : 3;
        size_t p = i;
        while (p < m && a[p] >= '0' && a[p] <= '9')
            p++;
        if (p != m)
            return false;
        while (i < m && a[i] == '0')
            i++;
        *out_len = (size_t)sprintf(out, "%s%s%.*s", sign, snan ? "sNaN" : "NaN", (int)(m - i),
                                   a + i);
        return true;
    }
    int64_t frac = 0;
    size_t nd = 0;
    while (i < m && a[i] >= '0' && a[i] <= '9') {
        if (o > 0 || a[i] != '0')
            c[o++] = a[i];
        nd++, i++;
    }
    if (i < m && a[i] == '.') {
        i++;
        while (i < m && a[i] >= '0' && a[i] <= '9') {
            if (o > 0 || a[i] != '0')
                c[o++] = a[i];
            nd++, frac++, i++;
        }
    }
    if (nd == 0)
        return false;
    int64_t exp = 0;
    if (i < m && (a[i] == 'e' || a[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < m && (a[i] == '+' || a[i] == '-'))
            eneg = a[i++] == '-';
        size_t ed = 0;
        while (i < m && a[i] >= '0' && a[i] <= '9') {
            if (exp > INT64_C(100000000000000000))
                return false; /* libmpdec rejects exponents this large */
            exp = exp * 10 + (a[i] - '0');
            ed++, i++;
        }
        if (ed == 0)
            return false;
        if (eneg)
            exp = -exp;
    }
    if (i != m)
        return false;
    if (o == 0)
        c[o++] = '0';
    *out_len = decimal_sci(neg, c, o, exp - frac, out);
    return true;
}

size_t types_py_decimal_from_double(double d, char *out)
{
    if (isnan(d))
        return (size_t)sprintf(out, "NaN");
    if (isinf(d))
        return (size_t)sprintf(out, "%sInfinity", d < 0 ? "-" : "");
    bool neg = signbit(d) != 0;
    int e2;
    double fr = frexp(fabs(d), &e2); /* |d| = fr * 2^e2, fr in [0.5, 1) */
    uint64_t mant = (uint64_t)ldexp(fr, 53);
    int e = e2 - 53;
    if (mant == 0)
        e = 0;
    while (mant && (mant & 1) == 0 && e < 0) { /* as_integer_ratio() reduces the fraction */
        mant >>= 1;
        e++;
    }
    static _Thread_local big b;
    b.n = 0;
    uint64_t mm = mant;
    while (mm) {
        b.l[b.n++] = (uint32_t)(mm % 1000000000u);
        mm /= 1000000000u;
    }
    int64_t exp10 = 0;
    if (e > 0) {
        for (int k = 0; k < e; k++)
            big_mul_add(&b, 2, 0);
    } else if (e < 0) {
        for (int k = 0; k < -e; k++) /* m / 2^k = m * 5^k / 10^k */
            big_mul_add(&b, 5, 0);
        exp10 = e;
    }
    char digs[1200];
    size_t dn = big_to_dec(&b, digs);
    return decimal_sci(neg, digs, dn, exp10, out);
}

/* ---- repr(float) ---- */

size_t types_py_repr_double(double d, char *out)
{
    if (isnan(d))
        return (size_t)sprintf(out, "nan");
    if (isinf(d))
        return (size_t)sprintf(out, "%sinf", d < 0 ? "-" : "");
    if (d == 0)
        return (size_t)sprintf(out, "%s0.0", signbit(d) ? "-" : "");
    /* shortest round-trip digits: the fewest significant digits whose correctly rounded
     * value reads back as d (what Python's repr, David Gay's mode 0, produces) */
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp = [-]D[.DDD]e[+-]XX */
    const char *p = tmp;
    bool neg = *p == '-';
    if (neg)
        p++;
    char digs[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digs[nd++] = *p;
    while (nd > 1 && digs[nd - 1] == '0')
        nd--;
    int exp10 = atoi(p + 1);
    int decpt = exp10 + 1; /* value = 0.DIGITS * 10^decpt */
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (decpt <= -4 || decpt > 16) {
        out[o++] = digs[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, digs + 1, nd - 1), o += nd - 1;
        }
        o += (size_t)sprintf(out + o, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (decpt <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int k = 0; k < -decpt; k++)
            out[o++] = '0';
        memcpy(out + o, digs, nd), o += nd;
    } else if ((size_t)decpt >= nd) {
        memcpy(out + o, digs, nd), o += nd;
        for (size_t k = nd; k < (size_t)decpt; k++)
            out[o++] = '0';
        out[o++] = '.';
        out[o++] = '0';
    } else {
        memcpy(out + o, digs, (size_t)decpt), o += (size_t)decpt;
        out[o++] = '.';
        memcpy(out + o, digs + decpt, nd - (size_t)decpt), o += nd - (size_t)decpt;
    }
    out[o] = '\0';
    return o;
}

/* ---- decimal digits -> little-endian bytes ---- */

size_t types_dec_to_le_bytes(const char *digs, size_t n, unsigned char *out)
{
    /* base-256 accumulation: out holds the little-endian value; multiply by 10, add digit */
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned carry = (unsigned)(digs[i] - '0');
        for (size_t k = 0; k < len; k++) {
            unsigned v = out[k] * 10u + carry;
            out[k] = (unsigned char)(v & 0xFF);
            carry = v >> 8;
        }
        while (carry) {
            out[len++] = (unsigned char)(carry & 0xFF);
            carry >>= 8;
        }
    }
    return len;
}
