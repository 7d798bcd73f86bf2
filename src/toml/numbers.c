/* numbers.c: TOML bare-token values: integers (decimal with underscore rules, 0x/0o/0b,
 * int64 range), floats (fraction, exponent, inf/nan with sign) and booleans. */
#include "toml_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Characters that can belong to a number or boolean token. */
static bool is_tok(unsigned char c) { return toml_is_bare(c) || c == '.' || c == '+'; }

static bool tok_is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

static int digit_val(unsigned char c, int base)
{
    int v = -1;
    if (c >= '0' && c <= '9')
        v = c - '0';
    else if (c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
    return v < base ? v : -1;
}

static const char *base_name(int base)
{
    return base == 16 ? "hexadecimal" : base == 8 ? "octal" : base == 2 ? "binary" : "decimal";
}

/* A digit group d(_?d)* in `base` starting at s; *out_end is where it stops (first byte that is
 * neither a digit nor an underscore). Fails on an empty group or a misplaced underscore. */
static cdlt_status group(toml_parser *p, const char *s, const char *e, int base,
                         const char *what, const char **out_end)
{
    const char *q = s;
    while (q < e && (digit_val((unsigned char)*q, base) >= 0 || *q == '_'))
        q++;
    if (q == s) {
        char tmp[48];
        return toml_fail(p, s, "expected a %s digit in the %s, found %s", base_name(base), what,
                         toml_describe(p, s, tmp, sizeof tmp));
    }
    for (const char *r = s; r < q; r++) {
        if (*r != '_')
            continue;
        if (r == s || r + 1 == q || r[1] == '_')
            return toml_fail(p, r, "misplaced underscore in the %s; expected each '_' to sit "
                                   "between two digits",
                             what);
    }
    *out_end = q;
    return CDLT_OK;
}

static cdlt_status radix_int(toml_parser *p, const char *s, const char *e, jv *out)
{
    int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
    const char *q;
    cdlt_status st = group(p, s + 2, e, base, "integer", &q);
    if (st != CDLT_OK)
        return st;
    if (q != e)
        return toml_fail(p, q, "'%c' is not a %s digit; expected digits 0-%c", *q,
                         base_name(base), base == 16 ? 'f' : base == 8 ? '7' : '1');
    uint64_t v = 0;
    for (const char *r = s + 2; r < e; r++) {
        if (*r == '_')
            continue;
        uint64_t d = (uint64_t)digit_val((unsigned char)*r, base);
        if (v > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
            return toml_fail(p, s, "integer %.*s is out of range; expected a value that fits "
                                   "in a signed 64-bit integer",
                             (int)(e - s > 64 ? 64 : e - s), s);
        v = v * (uint64_t)base + d;
    }
    *out = jv_int((int64_t)v);
    return CDLT_OK;
}

static cdlt_status decimal(toml_parser *p, const char *tok, const char *s, const char *e,
                           bool neg, jv *out)
{
    const char *q;
    cdlt_status st = group(p, s, e, 10, "number", &q);
    if (st != CDLT_OK)
        return st;
    if (*s == '0' && q - s > 1)
        return toml_fail(p, s, "leading zeros are not allowed in a number; expected e.g. 7 "
                               "instead of 07 (octal needs the 0o prefix)");
    bool is_float = false;
    if (q < e && *q == '.') {
        st = group(p, q + 1, e, 10, "fraction", &q);
        if (st != CDLT_OK)
            return st;
        is_float = true;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        st = group(p, q, e, 10, "exponent", &q);
        if (st != CDLT_OK)
            return st;
        is_float = true;
    }
    if (q != e)
        return toml_fail(p, q, "unexpected '%c' in a number; expected digits, '_', a '.' "
                               "fraction or an e exponent",
                         *q);
    if (!is_float) {
        uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (const char *r = s; r < e; r++) {
            if (*r == '_')
                continue;
            uint64_t d = (uint64_t)(*r - '0');
            if (v > (limit - d) / 10)
                return toml_fail(p, tok, "integer %.*s is out of range; expected a value "
                                         "between -9223372036854775808 and 9223372036854775807",
                                 (int)(e - tok > 64 ? 64 : e - tok), tok);
            v = v * 10 + d;
        }
        *out = jv_int(neg ? (int64_t)(0 - v) : (int64_t)v);
        return CDLT_OK;
    }
    /* strtod wants the text without underscores and NUL-terminated. */
    buf_clear(&p->tmp);
    for (const char *r = tok; r < e; r++)
        if (*r != '_' && buf_putc(&p->tmp, *r) != CDLT_OK)
            return toml_nomem(p);
    if (!p->tmp.data)
        return toml_nomem(p);
    /* Values beyond the double range become +-inf, as in Python's float(). */
    *out = jv_double(strtod(p->tmp.data, NULL));
    return CDLT_OK;
}

cdlt_status toml_parse_scalar(toml_parser *p, jv *out)
{
    const char *s = p->p;
    while (p->p < p->end && is_tok((unsigned char)*p->p))
        p->p++;
    const char *e = p->p;
    size_t n = (size_t)(e - s);
    if (tok_is(s, n, "true") || tok_is(s, n, "false")) {
        *out = jv_bool(*s == 't');
        return CDLT_OK;
    }
    const char *d = s;
    bool sign = n > 0 && (*d == '+' || *d == '-');
    bool neg = sign && *d == '-';
    if (sign)
        d++;
    if (tok_is(d, (size_t)(e - d), "inf")) {
        *out = jv_double(neg ? -INFINITY : INFINITY);
        return CDLT_OK;
    }
    if (tok_is(d, (size_t)(e - d), "nan")) {
        *out = jv_double(neg ? -NAN : NAN);
        return CDLT_OK;
    }
    if (d < e && toml_is_digit((unsigned char)*d)) {
        if (e - d >= 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'o' || d[1] == 'b')) {
            if (sign)
                return toml_fail(p, s, "hexadecimal, octal and binary integers cannot have a "
                                       "sign; expected e.g. 0xff");
            return radix_int(p, d, e, out);
        }
        return decimal(p, s, d, e, neg, out);
    }
    if (n == 0) {
        char tmp[48];
        return toml_fail(p, s,
                         "unexpected %s; expected a value (string, number, true/false, "
                         "date/time, [array] or {inline table})",
                         toml_describe(p, s, tmp, sizeof tmp));
    }
    return toml_fail(p, s,
                     "invalid value '%.*s'; expected a string (in quotes), number, true/false "
                     "(lowercase), inf/nan, date/time, [array] or {inline table}",
                     (int)(n > 40 ? 40 : n), s);
}
