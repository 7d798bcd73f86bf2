/* resolve.c: what a plain YAML scalar means, by the YAML 1.2 core schema (definitions) or by
 * PyYAML's YAML 1.1 safe-loader resolvers (dlt's schema files, which PyYAML writes and reads). */
#include "yaml/yaml_int.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>

/* Longest numeric text typed as a number; longer digit runs stay strings. 127 digits of base 16
 * are < 160 decimal digits, the size of yaml_bignum's buffer. */
#define YAML_MAX_NUM_TEXT 128

static bool eq_any(const char *s, size_t n, const char *const *opts, size_t nopts)
{
    for (size_t i = 0; i < nopts; i++)
        if (strlen(opts[i]) == n && memcmp(s, opts[i], n) == 0)
            return true;
    return false;
}

static int digit_value(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

static bool all_digits(const char *s, size_t n, int base)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        bool ok = base == 16  ? isxdigit(c)
                  : base == 8 ? (c >= '0' && c <= '7')
                  : base == 2 ? (c == '0' || c == '1')
                              : isdigit(c);
        if (!ok)
            return false;
    }
    return true;
}

/* An integer beyond 64 bits as a BIGNUM in canonical decimal ("-?[1-9][0-9]*"), the form
 * JSON writers print verbatim and readers accept: no '+', no leading zeros, hex and octal
 * converted (found by fuzz_config_yaml). digits[0..n) are valid digits of `base`, n <
 * YAML_MAX_NUM_TEXT. */
static jv yaml_bignum(arena *a, const char *digits, size_t n, int base, bool neg)
{
    unsigned char dec[160]; /* little-endian decimal digits */
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned carry = (unsigned)digit_value(digits[i]);
        for (size_t k = 0; k < nd; k++) {
            unsigned v = dec[k] * (unsigned)base + carry;
            dec[k] = (unsigned char)(v % 10);
            carry = v / 10;
        }
        while (carry && nd < sizeof dec) {
            dec[nd++] = (unsigned char)(carry % 10);
            carry /= 10;
        }
    }
    char text[sizeof dec + 2];
    size_t t = 0;
    if (neg && nd)
        text[t++] = '-';
    if (!nd)
        text[t++] = '0';
    while (nd)
        text[t++] = (char)('0' + dec[--nd]);
    return jv_str_typed(a, JV_BIGNUM, text, t);
}

/* A decimal integer of any length, `[-+]?(0|[1-9][0-9_]*)` (underscores: PyYAML's form), as
 * the BIGNUM a JSON reader makes of the same digits: "-?[1-9][0-9]*", "0". Long integers are
 * numbers in YAML as in JSON (fuzz_schema_doc: a 129-digit integer came back as a string). */
static bool is_long_decimal(const char *s, size_t n, bool underscores)
{
    size_t i = n && (s[0] == '-' || s[0] == '+');
    if (i >= n || s[i] < '1' || s[i] > '9')
        return false;
    for (i++; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !(underscores && s[i] == '_'))
            return false;
    return true;
}

static jv long_decimal(arena *a, const char *s, size_t n)
{
    char *t = arena_alloc(a, n + 1);
    if (!t)
        return jv_str(a, s, n); /* (out of memory: the caller's arena fails the same way) */
    size_t j = 0;
    if (s[0] == '-')
        t[j++] = '-';
    for (size_t i = s[0] == '-' || s[0] == '+'; i < n; i++)
        if (s[i] != '_')
            t[j++] = s[i];
    return jv_str_typed(a, JV_BIGNUM, t, j);
}

/* digits[0..n) (valid digits of `base`, no sign or prefix) as INT, UINT (beyond INT64_MAX) or
 * BIGNUM (beyond 64 bits). */
static jv yaml_integer(arena *a, const char *digits, size_t n, int base, bool neg)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)digit_value(digits[i]);
        if (v > (UINT64_MAX - d) / (uint64_t)base)
            return yaml_bignum(a, digits, n, base, neg);
        v = v * (uint64_t)base + d;
    }
    if (!neg)
        return v <= INT64_MAX ? jv_int((int64_t)v) : (jv){.type = JV_UINT, .u.u = v};
    if (v <= (uint64_t)INT64_MAX)
        return jv_int(-(int64_t)v);
    if (v == (uint64_t)INT64_MAX + 1)
        return jv_int(INT64_MIN);
    return yaml_bignum(a, digits, n, base, neg);
}

/* ---- YAML 1.2 core schema ---- */

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_core_float(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    size_t d1 = 0, d2 = 0;
    while (i < n && isdigit((unsigned char)s[i]))
        i++, d1++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && isdigit((unsigned char)s[i]))
            i++, d2++;
        if (d1 == 0 && d2 == 0)
            return false;
    } else if (d1 == 0) {
        return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        size_t d3 = 0;
        while (i < n && isdigit((unsigned char)s[i]))
            i++, d3++;
        if (!d3)
            return false;
    }
    return i == n;
}

static jv resolve_core(arena *a, const char *s, size_t n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const trues[] = {"true", "True", "TRUE"};
    static const char *const falses[] = {"false", "False", "FALSE"};
    static const char *const infs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
    static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF"};
    static const char *const nans[] = {".nan", ".NaN", ".NAN"};
    if (eq_any(s, n, nulls, CDLT_ARRAY_LEN(nulls)))
        return jv_null();
    if (eq_any(s, n, trues, CDLT_ARRAY_LEN(trues)))
        return jv_bool(true);
    if (eq_any(s, n, falses, CDLT_ARRAY_LEN(falses)))
        return jv_bool(false);
    if (eq_any(s, n, infs, CDLT_ARRAY_LEN(infs)))
        return jv_double(INFINITY);
    if (eq_any(s, n, ninfs, CDLT_ARRAY_LEN(ninfs)))
        return jv_double(-INFINITY);
    if (eq_any(s, n, nans, CDLT_ARRAY_LEN(nans)))
        return jv_double(NAN);
    if (n >= YAML_MAX_NUM_TEXT)
        return is_long_decimal(s, n, false) ? long_decimal(a, s, n) : jv_str(a, s, n);
    if (n > 2 && s[0] == '0' && s[1] == 'x' && all_digits(s + 2, n - 2, 16))
        return yaml_integer(a, s + 2, n - 2, 16, false);
    if (n > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, n - 2, 8))
        return yaml_integer(a, s + 2, n - 2, 8, false);
    size_t sign = n > 0 && (s[0] == '-' || s[0] == '+');
    if (all_digits(s + sign, n - sign, 10))
        return yaml_integer(a, s + sign, n - sign, 10, sign && s[0] == '-');
    if (is_core_float(s, n)) {
        char num[YAML_MAX_NUM_TEXT];
        memcpy(num, s, n);
        num[n] = '\0';
        return jv_double(strtod(num, NULL));
    }
    return jv_str(a, s, n);
}

/* ---- YAML 1.1 as PyYAML resolves it ---- */

static const char *const k_bool_true[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
static const char *const k_bool_false[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
static const char *const k_nulls[] = {"~", "null", "Null", "NULL"};

/* PyYAML's implicit resolvers for int, float and timestamp; the indexes name them below. */
enum { RES_BIN, RES_OCT, RES_DEC, RES_HEX, RES_SEXA_INT, RES_FLOAT, RES_DOT_FLOAT, RES_SEXA_FLOAT,
       RES_INF, RES_NAN, RES_DATE, RES_TIMESTAMP };
static const char *const k_num_res[] = {
    "^[-+]?0b[0-1_]+$",
    "^[-+]?0[0-7_]+$",
    "^[-+]?(0|[1-9][0-9_]*)$",
    "^[-+]?0x[0-9a-fA-F_]+$",
    "^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$",
    "^[-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?$",
    "^\\.[0-9_]+([eE][-+][0-9]+)?$",
    "^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*$",
    "^[-+]?\\.(inf|Inf|INF)$",
    "^\\.(nan|NaN|NAN)$",
    "^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$",
    "^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]"
    "(\\.[0-9]*)?([ \t]*(Z|[-+][0-9][0-9]?(:[0-9][0-9])?))?$",
};

/* Index into k_num_res of the first resolver matching s, or -1. Compiled per call: only used
 * on export/import of schema files, not on a hot path. */
static int resolve_num(const char *s)
{
    if (strlen(s) > 64) /* only a long decimal integer is a number at this length */
        return is_long_decimal(s, strlen(s), true) ? RES_DEC : -1;
    if (!*s)
        return -1;
    char c = s[0];
    if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')))
        return -1;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(k_num_res); i++) {
        regex_t re;
        if (regcomp(&re, k_num_res[i], REG_EXTENDED | REG_NOSUB) != 0)
            continue;
        int rc = regexec(&re, s, 0, NULL, 0);
        regfree(&re);
        if (rc == 0)
            return (int)i;
    }
    return -1;
}

static bool in_list(const char *const *l, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], s) == 0)
            return true;
    return false;
}

bool yaml_pyyaml_non_string(const char *s)
{
    return in_list(k_bool_true, CDLT_ARRAY_LEN(k_bool_true), s) ||
           in_list(k_bool_false, CDLT_ARRAY_LEN(k_bool_false), s) ||
           in_list(k_nulls, CDLT_ARRAY_LEN(k_nulls), s) || strcmp(s, "<<") == 0 ||
           strcmp(s, "=") == 0 || resolve_num(s) >= 0;
}

/* s (NUL-terminated, at most 64 bytes: resolve_num matched) without '_', sign and the `skip`
 * prefix chars after the sign, into out; returns its length. */
static size_t strip_number(const char *s, size_t skip, char out[72])
{
    size_t i = (s[0] == '-' || s[0] == '+') + skip, j = 0;
    for (; s[i]; i++)
        if (s[i] != '_')
            out[j++] = s[i];
    out[j] = '\0';
    return j;
}

static jv resolve_pyyaml(arena *a, const char *s, size_t n)
{
    if (n == 0)
        return jv_null();
    if (strlen(s) != n) /* an embedded NUL is never a number */
        return jv_str(a, s, n);
    if (in_list(k_nulls, CDLT_ARRAY_LEN(k_nulls), s))
        return jv_null();
    if (in_list(k_bool_true, CDLT_ARRAY_LEN(k_bool_true), s))
        return jv_bool(true);
    if (in_list(k_bool_false, CDLT_ARRAY_LEN(k_bool_false), s))
        return jv_bool(false);
    char tmp[72];
    size_t m;
    bool neg = s[0] == '-';
    size_t sign = neg || s[0] == '+';
    if (n > 64)
        return is_long_decimal(s, n, true) ? long_decimal(a, s, n) : jv_str(a, s, n);
    switch (resolve_num(s)) {
    case RES_BIN:
    case RES_HEX:
        m = strip_number(s, 2, tmp);
        if (m == 0) /* "0x_": PyYAML fails on it; keep the text */
            break;
        return yaml_integer(a, tmp, m, s[sign + 1] == 'b' ? 2 : 16, neg);
    case RES_OCT:
        m = strip_number(s, 1, tmp);
        if (m == 0)
            return jv_int(0); /* "0_" */
        return yaml_integer(a, tmp, m, 8, neg);
    case RES_DEC:
        m = strip_number(s, 0, tmp);
        return yaml_integer(a, tmp, m, 10, neg);
    case RES_FLOAT:
    case RES_DOT_FLOAT:
        m = strip_number(s, 0, tmp);
        return jv_double((neg ? -1.0 : 1.0) * strtod(tmp, NULL));
    case RES_INF:
        return jv_double(neg ? -INFINITY : INFINITY);
    case RES_NAN:
        return jv_double(NAN);
    default:
        /* sexagesimal numbers and timestamps stay text (dlt schemas never hold them) */
        break;
    }
    return jv_str(a, s, n);
}

jv yaml_resolve(arena *a, const char *s, size_t n, yaml_typing typing)
{
    return typing == YAML_TYPING_PYYAML ? resolve_pyyaml(a, s, n) : resolve_core(a, s, n);
}
