/* naming.c: dlt's five naming conventions, path-aware normalization and identifier shortening,
 * reproducing dlt's Python regex pipeline step by step so every name matches byte for byte. */
#include "naming.h"
#include "uchar.h"

#include <openssl/evp.h>

/* dlt's PATH_SEPARATOR values. */
#define SEP_DUNDER "__"
#define SEP_DIRECT "\xE2\x96\xB6" /* U+25B6 BLACK RIGHT-POINTING TRIANGLE */

/* Length of dlt's shortening tag: int((3*log2(1/0.001))//8 + 1) = 4 bytes -> 6 base64 chars. */
#define TAG_BYTES 4
#define TAG_CHARS 6

/* Identifiers up to this many bytes are processed in stack scratch; longer ones (rare: the
 * normalizer caches per distinct key) use one heap scratch block per call. */
#define STACK_SCRATCH 1024

static const struct {
    const char *name; /* dlt's module name */
    naming_kind kind;
} KINDS[] = {
    {"snake_case", NAMING_SNAKE_CASE}, {"sql_cs_v1", NAMING_SQL_CS_V1},
    {"sql_ci_v1", NAMING_SQL_CI_V1},   {"direct", NAMING_DIRECT},
    {"duck_case", NAMING_DUCK_CASE},
};

const char *naming_name(naming_kind kind)
{
    for (size_t i = 0; i < CDLT_ARRAY_LEN(KINDS); i++)
        if (KINDS[i].kind == kind)
            return KINDS[i].name;
    return "snake_case";
}

cdlt_status naming_init(naming *n, const char *name, size_t max_length)
{
    static const char MODPREFIX[] = "dlt.common.normalizers.naming.";
    if (!n)
        return CDLT_INVALID_ARG;
    if (!name || !*name)
        name = "snake_case";
    /* dlt also accepts the full module path of a built-in convention. */
    if (strncmp(name, MODPREFIX, sizeof(MODPREFIX) - 1) == 0)
        name += sizeof(MODPREFIX) - 1;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(KINDS); i++) {
        if (strcmp(name, KINDS[i].name) != 0)
            continue;
        /* dlt asserts the tag fits: max_length below 6 cannot be shortened. */
        if (max_length != 0 && max_length < TAG_CHARS)
            return CDLT_INVALID_ARG;
        n->kind = KINDS[i].kind;
        n->max_length = max_length;
        n->separator = n->kind == NAMING_DIRECT ? SEP_DIRECT : SEP_DUNDER;
        n->case_sensitive = n->kind == NAMING_SQL_CS_V1 || n->kind == NAMING_DIRECT ||
                            n->kind == NAMING_DUCK_CASE;
        return CDLT_OK;
    }
    return CDLT_NOT_FOUND;
}

static const char *sep_of(const naming *n)
{
    if (n->separator && *n->separator)
        return n->separator;
    return n->kind == NAMING_DIRECT ? SEP_DIRECT : SEP_DUNDER;
}

/* ---- shortening ---- */

static size_t cp_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Byte offset of code point number `k` (0-based) in s[0..n); n when k >= count. */
static size_t cp_offset(const char *s, size_t n, size_t k)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (c == k)
                return i;
            c++;
        }
    }
    return n;
}

/* tag = base64(SHAKE128(source, 4 bytes)) without '=', '/'->'a', '+'->'b', lowercased. */
static cdlt_status compute_tag(const char *src, size_t slen, char tag[TAG_CHARS + 1])
{
    unsigned char md[TAG_BYTES];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return CDLT_NOMEM;
    int ok = EVP_DigestInit_ex(ctx, EVP_shake128(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, src, slen) == 1 && EVP_DigestFinalXOF(ctx, md, TAG_BYTES) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return CDLT_ERROR;
    char b64[16];
    size_t len = b64_encode(md, TAG_BYTES, b64, false);
    if (len != TAG_CHARS)
        return CDLT_ERROR;
    for (size_t i = 0; i < TAG_CHARS; i++) {
        char c = b64[i];
        if (c == '/')
            c = 'a';
        else if (c == '+')
            c = 'b';
        else if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        tag[i] = c;
    }
    tag[TAG_CHARS] = '\0';
    return CDLT_OK;
}

/* Shorten out->data[start..len) in place when it has more than max_length code points.
 * Python: s[:rem//2 + rem%2] + tag + s[len(s) - rem//2:], rem = max_length - 6, slices in
 * code points. The result is never longer in bytes than the input (>= 7 code points of at
 * least one byte are replaced by 6 ASCII bytes), so no reallocation is needed. */
static cdlt_status shorten_at(const naming *n, buf *out, size_t start, const char *src,
                              size_t slen)
{
    if (n->max_length == 0)
        return CDLT_OK;
    char *s = out->data ? out->data + start : NULL;
    size_t blen = out->len - start;
    size_t cps = cp_count(s, blen);
    if (cps <= n->max_length)
        return CDLT_OK;
    if (n->max_length < TAG_CHARS)
        return CDLT_INVALID_ARG;
    char tag[TAG_CHARS + 1];
    cdlt_status st = compute_tag(src, slen, tag);
    if (st != CDLT_OK)
        return st;
    size_t rem = n->max_length - TAG_CHARS;
    size_t head = cp_offset(s, blen, rem / 2 + rem % 2);
    size_t tail = cp_offset(s, blen, cps - rem / 2);
    size_t tail_len = blen - tail;
    memcpy(s + head, tag, TAG_CHARS);
    memmove(s + head + TAG_CHARS, s + tail, tail_len);
    out->len = start + head + TAG_CHARS + tail_len;
    out->data[out->len] = '\0';
    return CDLT_OK;
}

/* ---- conventions: each pass reads one scratch region and writes the other ---- */

static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static bool is_alnum_ascii(unsigned char c)
{
    return is_upper(c) || is_lower(c) || (c >= '0' && c <= '9');
}

/* Byte length of the code point whose lead byte is c (input is valid UTF-8). */
static size_t lead_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static bool starts_with_digit(const char *s, size_t n)
{
    if (n == 0)
        return false;
    size_t l;
    int32_t cp = naming_uc_decode((const unsigned char *)s, n, &l);
    return cp >= 0 && naming_uc_digit((uint32_t)cp) >= 0;
}

/* snake_case step 1+2: translate "+-*@|" -> "x_xal" (when `translate`), then replace each
 * run of chars not in [a-zA-Z\d_] (\d = any Unicode decimal digit) by one '_'. */
static size_t pass_alnum(const char *s, size_t n, char *d, bool translate)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0, l;
    bool in_run = false;
    while (i < n) {
        int32_t cp = naming_uc_decode(p + i, n - i, &l);
        if (translate) {
            switch (cp) {
            case '+': cp = 'x'; break;
            case '-': cp = '_'; break;
            case '*': cp = 'x'; break;
            case '@': cp = 'a'; break;
            case '|': cp = 'l'; break;
            default: break;
            }
        }
        bool keep = cp < 0x80 ? (cp == '_' || is_alnum_ascii((unsigned char)cp))
                              : naming_uc_digit((uint32_t)cp) >= 0;
        if (keep) {
            if (cp < 0x80)
                d[o++] = (char)cp;
            else
                memcpy(d + o, p + i, l), o += l;
            in_run = false;
        } else if (!in_run) {
            d[o++] = '_';
            in_run = true;
        }
        i += l;
    }
    return o;
}

/* re.sub("([^_])([A-Z][a-z]+)", r"\1_\2"): scan left to right, matches do not overlap. */
static size_t pass_break1(const char *s, size_t n, char *d)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        size_t l = lead_len(p[i]);
        size_t j = i + l;
        if (p[i] != '_' && j + 1 < n && is_upper(p[j]) && is_lower(p[j + 1])) {
            size_t e = j + 2;
            while (e < n && is_lower(p[e]))
                e++;
            memcpy(d + o, p + i, l), o += l;
            d[o++] = '_';
            memcpy(d + o, p + j, e - j), o += e - j;
            i = e;
            continue;
        }
        memcpy(d + o, p + i, l), o += l;
        i = j;
    }
    return o;
}

/* re.sub("([a-z0-9])([A-Z])", r"\1_\2") followed by .lower() (only ASCII letters remain). */
static size_t pass_break2_lower(const char *s, size_t n, char *d)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if ((is_lower(c) || (c >= '0' && c <= '9')) && i + 1 < n && is_upper(p[i + 1])) {
            d[o++] = (char)c;
            d[o++] = '_';
            d[o++] = (char)(p[i + 1] - 'A' + 'a');
            i += 2;
            continue;
        }
        d[o++] = is_upper(c) ? (char)(c - 'A' + 'a') : (char)c;
        i++;
    }
    return o;
}

/* re.sub("__+", "_") */
static size_t pass_collapse(const char *s, size_t n, char *d)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_' && o > 0 && d[o - 1] == '_')
            continue;
        d[o++] = s[i];
    }
    return o;
}

/* snake_case tail: '_' before a leading (Unicode) digit, each trailing '_' -> 'x', then
 * collapse "__+" -> "_". */
static size_t pass_snake_tail(const char *s, size_t n, char *d)
{
    size_t o = 0;
    if (starts_with_digit(s, n))
        d[o++] = '_';
    size_t end = n;
    while (end > 0 && s[end - 1] == '_')
        end--;
    for (size_t i = 0; i < end; i++) {
        if (s[i] == '_' && o > 0 && d[o - 1] == '_')
            continue;
        d[o++] = s[i];
    }
    /* The prefix '_' precedes a digit, so it cannot merge with a trailing run; an all-'_'
     * input leaves o == 0 and becomes all 'x'. */
    for (size_t i = end; i < n; i++)
        d[o++] = 'x';
    return o;
}

/* sql_cs_v1 tail: '_' before a leading digit; strip all trailing '_' unless the whole value is
 * exactly "_"; collapse "__+"; sql_ci_v1 also lowercases. */
static size_t pass_sql_tail(const char *s, size_t n, char *d, bool lower)
{
    size_t o = 0;
    if (starts_with_digit(s, n))
        d[o++] = '_';
    size_t end = n;
    bool single = o == 0 && n == 1 && s[0] == '_';
    if (!single)
        while (end > 0 && s[end - 1] == '_')
            end--;
    for (size_t i = 0; i < end; i++) {
        if (s[i] == '_' && o > 0 && d[o - 1] == '_')
            continue;
        char c = s[i];
        d[o++] = lower && is_upper((unsigned char)c) ? (char)(c - 'A' + 'a') : c;
    }
    return o;
}

/* direct: '\n' '\r' '\'' '"' U+25B6 -> '_'. duck_case: '\n' '\r' '"' -> '_' (then collapse). */
static size_t pass_cleanup(const char *s, size_t n, char *d, bool direct)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == '"' || (direct && c == '\'')) {
            d[o++] = '_';
        } else if (direct && i + 2 < n && memcmp(s + i, SEP_DIRECT, 3) == 0) {
            d[o++] = '_';
            i += 2;
        } else {
            d[o++] = c;
        }
    }
    return o;
}

/* Normalize one stripped, valid, non-empty identifier and append it (unshortened) to out. */
static cdlt_status convert(const naming *n, const char *s, size_t len, buf *out)
{
    /* Worst case growth: break passes insert at most one '_' per two bytes, plus the digit
     * prefix: 2*len + 8 bytes per region covers every pass. */
    size_t region = 2 * len + 8;
    char stack[2 * STACK_SCRATCH];
    char *a = stack, *heap = NULL;
    if (region > STACK_SCRATCH) {
        if (region > SIZE_MAX / 2)
            return CDLT_TOO_LARGE;
        heap = mem_alloc(2 * region);
        if (!heap)
            return CDLT_NOMEM;
        a = heap;
    }
    char *b = a + region;
    size_t m = 0;
    const char *res = a;
    switch (n->kind) {
    case NAMING_SNAKE_CASE:
        m = pass_alnum(s, len, a, true);
        m = pass_break1(a, m, b);
        m = pass_break2_lower(b, m, a);
        m = pass_snake_tail(a, m, b);
        res = b;
        break;
    case NAMING_SQL_CS_V1:
    case NAMING_SQL_CI_V1:
        m = pass_alnum(s, len, a, false);
        m = pass_sql_tail(a, m, b, n->kind == NAMING_SQL_CI_V1);
        res = b;
        break;
    case NAMING_DIRECT:
        m = pass_cleanup(s, len, a, true);
        res = a;
        break;
    case NAMING_DUCK_CASE:
        m = pass_cleanup(s, len, a, false);
        m = pass_collapse(a, m, b);
        res = b;
        break;
    }
    cdlt_status st = buf_append(out, res, m);
    mem_free(heap);
    return st;
}

/* normalize_identifier, appended to out at its current end (not cleared). */
static cdlt_status ident_append(const naming *n, const char *s, size_t len, buf *out)
{
    naming_uc_strip(&s, &len);
    if (len == 0)
        return CDLT_INVALID_ARG; /* dlt raises ValueError for an empty identifier */
    size_t start = out->len;
    cdlt_status st = convert(n, s, len, out);
    if (st != CDLT_OK)
        return st;
    return shorten_at(n, out, start, s, len);
}

static bool is_blank(const char *s, size_t n)
{
    naming_uc_strip(&s, &n);
    return n == 0;
}

cdlt_status naming_identifier(const naming *n, const char *s, size_t len, buf *out)
{
    if (!n || !out || (!s && len))
        return CDLT_INVALID_ARG;
    buf_clear(out);
    if (!naming_uc_valid(s, len))
        return CDLT_UTF8;
    cdlt_status st = buf_reserve(out, len + 8);
    if (st != CDLT_OK)
        return st;
    return ident_append(n, s, len, out);
}

cdlt_status naming_table_identifier(const naming *n, const char *s, size_t len, buf *out)
{
    /* Identical to normalize_identifier in every convention implemented here (only
     * s3_tables differs). */
    return naming_identifier(n, s, len, out);
}

cdlt_status naming_path(const naming *n, const char *s, size_t len, buf *out)
{
    if (!n || !out || (!s && len))
        return CDLT_INVALID_ARG;
    buf_clear(out);
    if (!naming_uc_valid(s, len))
        return CDLT_UTF8;
    cdlt_status st = buf_reserve(out, len + 8);
    if (st != CDLT_OK)
        return st;
    if (len == 0)
        return CDLT_OK; /* break_path("") is empty: the path normalizes to "" */
    const char *sep = sep_of(n);
    size_t seplen = strlen(sep);
    size_t i = 0;
    bool any = false;
    /* str.split(sep): left to right, non-overlapping; blank parts dropped (break_path). */
    for (;;) {
        const char *hit = memmem(s + i, len - i, sep, seplen);
        size_t end = hit ? (size_t)(hit - s) : len;
        if (!is_blank(s + i, end - i)) {
            size_t mark = out->len;
            if (any)
                buf_append(out, sep, seplen);
            size_t pstart = out->len;
            st = ident_append(n, s + i, end - i, out);
            if (st != CDLT_OK)
                return st;
            /* make_path drops parts that normalized to blank (sql_cs_v1 "__" -> ""). */
            if (is_blank(out->data + pstart, out->len - pstart)) {
                out->len = mark;
                out->data[mark] = '\0';
            } else {
                any = true;
            }
        }
        if (!hit)
            break;
        i = end + seplen;
    }
    if (out->status != CDLT_OK)
        return out->status;
    /* The whole path is shortened with the tag of the ORIGINAL (unstripped) path. */
    return shorten_at(n, out, 0, s, len);
}

cdlt_status naming_tables_path(const naming *n, const char *s, size_t len, buf *out)
{
    return naming_path(n, s, len, out);
}

cdlt_status naming_join(const naming *n, const char *const *parts, const size_t *lens,
                        size_t nparts, buf *out)
{
    if (!n || !out || (!parts && nparts))
        return CDLT_INVALID_ARG;
    buf_clear(out);
    if (nparts == 0)
        return CDLT_INVALID_ARG; /* dlt's shorten_fragments() returns None */
    const char *sep = sep_of(n);
    size_t seplen = strlen(sep);
    bool any = false;
    for (size_t k = 0; k < nparts; k++) {
        size_t pl = lens ? lens[k] : (parts[k] ? strlen(parts[k]) : 0);
        if (!parts[k] || is_blank(parts[k], pl))
            continue;
        if (any)
            buf_append(out, sep, seplen);
        buf_append(out, parts[k], pl);
        any = true;
    }
    if (out->status != CDLT_OK)
        return out->status;
    if (!naming_uc_valid(buf_cstr(out), out->len))
        return CDLT_UTF8;
    /* Tag from the joined string itself; it is shortened in place, so hash a copy first. */
    if (n->max_length == 0 || cp_count(out->data, out->len) <= n->max_length)
        return CDLT_OK;
    char tag_src_stack[STACK_SCRATCH];
    char *src = out->len <= sizeof(tag_src_stack) ? tag_src_stack : mem_alloc(out->len);
    if (!src)
        return CDLT_NOMEM;
    size_t slen = out->len;
    memcpy(src, out->data, slen);
    cdlt_status st = shorten_at(n, out, 0, src, slen);
    if (src != tag_src_stack)
        mem_free(src);
    return st;
}

cdlt_status naming_shorten(const naming *n, const char *normalized, size_t nlen,
                           const char *source, size_t slen, buf *out)
{
    if (!n || !out || (!normalized && nlen) || (!source && slen))
        return CDLT_INVALID_ARG;
    buf_clear(out);
    if (!naming_uc_valid(normalized, nlen) || !naming_uc_valid(source, slen))
        return CDLT_UTF8;
    cdlt_status st = buf_append(out, normalized, nlen);
    if (st != CDLT_OK)
        return st;
    return shorten_at(n, out, 0, source, slen);
}
