/* uchar.h: the few Unicode facts dlt's Python code depends on: strict UTF-8 decoding, the
 * decimal digits Python's `\d` / int() / float() accept (category Nd), and str.isspace(). */
#ifndef CDLT_NAMING_UCHAR_H
#define CDLT_NAMING_UCHAR_H

/* Header-only (static inline) so src/types can share the tables without another library.
 * Tables generated from Python 3.11 (Unicode 14.0.0), the version dlt's reference run used:
 *   [c for c in range(0x110000) if re.match(r'\d', chr(c))]  -> ranges below
 *   [c for c in range(0x110000) if chr(c).isspace()]          -> naming_uc_is_space
 * Every range starts at a digit zero and its length is a multiple of 10, so the digit value
 * is (cp - start) % 10 (checked with unicodedata.decimal when generating). */

#include <stddef.h>
#include <stdint.h>

static const uint32_t naming_uc_nd_ranges[][2] = {
    {0x30, 0x39}, {0x660, 0x669}, {0x6F0, 0x6F9}, {0x7C0, 0x7C9}, {0x966, 0x96F}, {0x9E6, 0x9EF},
    {0xA66, 0xA6F}, {0xAE6, 0xAEF}, {0xB66, 0xB6F}, {0xBE6, 0xBEF}, {0xC66, 0xC6F}, {0xCE6, 0xCEF},
    {0xD66, 0xD6F}, {0xDE6, 0xDEF}, {0xE50, 0xE59}, {0xED0, 0xED9}, {0xF20, 0xF29}, {0x1040, 0x1049},
    {0x1090, 0x1099}, {0x17E0, 0x17E9}, {0x1810, 0x1819}, {0x1946, 0x194F}, {0x19D0, 0x19D9},
    {0x1A80, 0x1A89}, {0x1A90, 0x1A99}, {0x1B50, 0x1B59}, {0x1BB0, 0x1BB9}, {0x1C40, 0x1C49},
    {0x1C50, 0x1C59}, {0xA620, 0xA629}, {0xA8D0, 0xA8D9}, {0xA900, 0xA909}, {0xA9D0, 0xA9D9},
    {0xA9F0, 0xA9F9}, {0xAA50, 0xAA59}, {0xABF0, 0xABF9}, {0xFF10, 0xFF19}, {0x104A0, 0x104A9},
    {0x10D30, 0x10D39}, {0x11066, 0x1106F}, {0x110F0, 0x110F9}, {0x11136, 0x1113F},
    {0x111D0, 0x111D9}, {0x112F0, 0x112F9}, {0x11450, 0x11459}, {0x114D0, 0x114D9},
    {0x11650, 0x11659}, {0x116C0, 0x116C9}, {0x11730, 0x11739}, {0x118E0, 0x118E9},
    {0x11950, 0x11959}, {0x11C50, 0x11C59}, {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9},
    {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9}, {0x16B50, 0x16B59}, {0x1D7CE, 0x1D7FF},
    {0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9}, {0x1E950, 0x1E959}, {0x1FBF0, 0x1FBF9},
};

/* Decimal value 0..9 of a Unicode decimal digit (Python `\d`, str.isdecimal), else -1. */
static inline int naming_uc_digit(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') ? (int)(cp - '0') : -1;
    size_t lo = 1, hi = sizeof(naming_uc_nd_ranges) / sizeof(naming_uc_nd_ranges[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < naming_uc_nd_ranges[mid][0])
            hi = mid;
        else if (cp > naming_uc_nd_ranges[mid][1])
            lo = mid + 1;
        else
            return (int)((cp - naming_uc_nd_ranges[mid][0]) % 10);
    }
    return -1;
}

/* Python str.isspace(): what str.strip(), int() and float() remove. */
static inline int naming_uc_is_space(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Decode one code point of strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF) from
 * s[0..n), n >= 1. Returns the code point and its byte length in *out_len, or -1 (with
 * *out_len = 1) for an invalid sequence. */
static inline int32_t naming_uc_decode(const unsigned char *s, size_t n, size_t *out_len)
{
    unsigned c = s[0];
    *out_len = 1;
    if (c < 0x80)
        return (int32_t)c;
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (n < need)
        return -1;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *out_len = need;
    return (int32_t)cp;
}

/* Validate a whole string; returns 1 when it is strict UTF-8. */
static inline int naming_uc_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, l;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if (naming_uc_decode(p + i, n - i, &l) < 0)
            return 0;
        i += l;
    }
    return 1;
}

/* Python str.strip() on valid UTF-8: narrows [*s, *s + *n) to the non-whitespace core. */
static inline void naming_uc_strip(const char **s, size_t *n)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t b = 0, e = *n, l;
    while (b < e) {
        int32_t cp = naming_uc_decode(p + b, e - b, &l);
        if (cp < 0 || !naming_uc_is_space((uint32_t)cp))
            break;
        b += l;
    }
    while (e > b) {
        /* step back to the lead byte of the last code point */
        size_t k = e - 1;
        while (k > b && (p[k] & 0xC0) == 0x80)
            k--;
        int32_t cp = naming_uc_decode(p + k, e - k, &l);
        if (cp < 0 || k + l != e || !naming_uc_is_space((uint32_t)cp))
            break;
        e = k;
    }
    *s = (const char *)(p + b);
    *n = e - b;
}

#endif /* CDLT_NAMING_UCHAR_H */
