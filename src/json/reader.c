/* reader.c: strict RFC 8259 JSON reader. The text is parsed in place (strings unescaped into
 * the buffer), values wait on a reusable stack and each container is copied contiguous into
 * the arena when it closes (the yyjson layout): no per-value malloc, cache-friendly trees. */
#include "json_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define JSON_HAVE_SSE2 1
#endif

#define NO_FRAME SIZE_MAX
#define DEFAULT_DEPTH 512u

/* Byte classes for the scalar paths. Ranges first, then single entries override them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
enum { C_WS = 1, C_DIGIT = 2, C_STR_STOP = 4 };
static const uint8_t ctab[256] = {
    /* controls stop a string scan; \t \n \r are whitespace too */
    [0x00 ... 0x1F] = C_STR_STOP,
    ['\t'] = C_WS | C_STR_STOP, ['\n'] = C_WS | C_STR_STOP, ['\r'] = C_WS | C_STR_STOP,
    [' '] = C_WS,
    ['"'] = C_STR_STOP, ['\\'] = C_STR_STOP,
    ['0' ... '9'] = C_DIGIT,
    [0x80 ... 0xFF] = C_STR_STOP,
};

/* Hex digit values; 0xFF = not a hex digit. */
static const uint8_t hexval[256] = {
    [0 ... 255] = 0xFF,
    ['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6, ['7'] = 7,
    ['8'] = 8, ['9'] = 9, ['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13, ['e'] = 14, ['f'] = 15,
    ['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};

/* Exact powers of ten representable as doubles (Clinger's fast path). */
#pragma GCC diagnostic pop

static const double pow10tab[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef struct parser {
    char *buf;          /* start of the text (offsets are relative to it) */
    char *end;          /* buf + len; *end == '\0' */
    arena *a;           /* destination of containers */
    json_vstack *vs;    /* pending values */
    cdlt_error *err;    /* where messages go */
    size_t err_off;     /* offset of the bad spot when an error is returned */
    cdlt_status st;     /* code of that error */
    size_t max_string;  /* longest string allowed; 0 = no limit */
    uint32_t max_depth; /* nesting limit */
} parser;

void json_vstack_init(json_vstack *vs, jv *local, size_t local_cap)
{
    vs->v = local;
    vs->cap = local ? local_cap : 0;
    vs->local = local;
}

void json_vstack_free(json_vstack *vs)
{
    if (vs->v && vs->v != vs->local)
        mem_free(vs->v);
    vs->v = vs->local;
    vs->cap = vs->local ? vs->cap : 0;
}

/* Double the stack (cold path). */
static bool vs_grow(json_vstack *vs)
{
    size_t ncap = vs->cap ? vs->cap * 2 : 256;
    if (ncap > SIZE_MAX / sizeof(jv))
        return false;
    jv *n;
    if (vs->v == vs->local) {
        n = mem_alloc(ncap * sizeof(jv));
        if (n && vs->cap)
            memcpy(n, vs->v, vs->cap * sizeof(jv));
    } else {
        n = mem_realloc(vs->v, ncap * sizeof(jv));
    }
    if (!n)
        return false;
    vs->v = n;
    vs->cap = ncap;
    return true;
}

void json_line_col(const char *text, size_t off, int64_t *out_line, int64_t *out_col)
{
    int64_t line = 1;
    size_t ls = 0;
    const char *p = text, *e = text + off;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        if (!nl)
            break;
        line++;
        p = nl + 1;
        ls = (size_t)(p - text);
    }
    *out_line = line;
    *out_col = (int64_t)(off - ls) + 1;
}

static cdlt_status perr(parser *ps, const char *at, cdlt_status code, const char *fmt, ...)
    CDLT_PRINTF(4, 5);
static cdlt_status perr(parser *ps, const char *at, cdlt_status code, const char *fmt, ...)
{
    ps->err_off = (size_t)(at - ps->buf);
    ps->st = code;
    va_list ap;
    va_start(ap, fmt);
    err_vset(ps->err, code, fmt, ap);
    va_end(ap);
    return code;
}

/* Describe the byte found where something else was expected. */
static const char *found(const parser *ps, const char *p, char *tmp, size_t n)
{
    unsigned char c = (unsigned char)*p;
    if (p >= ps->end)
        return "end of input";
    if (c >= 0x21 && c < 0x7F)
        snprintf(tmp, n, "'%c'", c);
    else
        snprintf(tmp, n, "byte 0x%02X", c);
    return tmp;
}

static inline char *skip_ws(char *p)
{
    while (ctab[(uint8_t)*p] & C_WS)
        p++;
    return p;
}

/* Length of the valid UTF-8 sequence at s (2..4), or 0. Reads at most 4 bytes: the NUL
 * terminator stops it at the end of the text. Overlongs and surrogates are rejected. */
static inline int utf8_seq(const uint8_t *s)
{
    uint8_t c = s[0];
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
            return 0;
        return 3;
    }
    if (c < 0xF5) {
        uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

static inline int hex4(const char *s)
{
    const uint8_t *u = (const uint8_t *)s;
    uint8_t a = hexval[u[0]], b = hexval[u[1]], c = hexval[u[2]], d = hexval[u[3]];
    if ((a | b | c | d) == 0xFF || ((a | b | c | d) & 0xF0))
        return -1;
    return (a << 12) | (b << 8) | (c << 4) | d;
}

/* Offset (0..16) of the first '"', '\\', control or non-ASCII byte in 16 bytes at p; 16 if
 * none. Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too. */
#ifdef JSON_HAVE_SSE2
static inline unsigned scan16(const char *p, __m128i *out_v)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
    *out_v = v;
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Unescape one escape sequence at src (src[0] == '\\') into dst; returns bytes consumed, or
 * 0 after setting an error. */
static size_t unescape(parser *ps, char *src, char **dstp)
{
    char *dst = *dstp;
    switch (src[1]) {
    case '"': *dst++ = '"'; break;
    case '\\': *dst++ = '\\'; break;
    case '/': *dst++ = '/'; break;
    case 'b': *dst++ = '\b'; break;
    case 'f': *dst++ = '\f'; break;
    case 'n': *dst++ = '\n'; break;
    case 'r': *dst++ = '\r'; break;
    case 't': *dst++ = '\t'; break;
    case 'u': {
        int cp = hex4(src + 2);
        if (cp < 0) {
            perr(ps, src, CDLT_PARSE, "invalid \\u escape: expected 4 hex digits after \\u");
            return 0;
        }
        size_t used = 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int lo = (src[6] == '\\' && src[7] == 'u') ? hex4(src + 8) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                perr(ps, src, CDLT_UTF8,
                     "lone surrogate \\u%04X: a high surrogate must be followed by a low "
                     "surrogate escape \\uDC00-\\uDFFF",
                     (unsigned)cp);
                return 0;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            used = 12;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            perr(ps, src, CDLT_UTF8,
                 "lone surrogate \\u%04X: a low surrogate must follow a high surrogate \\uD800-\\uDBFF",
                 (unsigned)cp);
            return 0;
        }
        if (cp < 0x80) {
            *dst++ = (char)cp;
        } else if (cp < 0x800) {
            *dst++ = (char)(0xC0 | (cp >> 6));
            *dst++ = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *dst++ = (char)(0xE0 | (cp >> 12));
            *dst++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *dst++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *dst++ = (char)(0xF0 | (cp >> 18));
            *dst++ = (char)(0x80 | ((cp >> 12) & 0x3F));
            *dst++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *dst++ = (char)(0x80 | (cp & 0x3F));
        }
        *dstp = dst;
        return used;
    }
    default: {
        char tmp[24];
        perr(ps, src, CDLT_PARSE,
             "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, found %s after '\\'",
             found(ps, src + 1, tmp, sizeof tmp));
        return 0;
    }
    }
    *dstp = dst;
    return 2;
}

/* Error for a stop byte that is neither quote nor backslash. */
static cdlt_status bad_string_byte(parser *ps, const char *s)
{
    uint8_t c = (uint8_t)*s;
    if (s >= ps->end)
        return perr(ps, s, CDLT_PARSE, "unterminated string: expected '\"' before end of input");
    if (c < 0x20)
        return perr(ps, s, CDLT_PARSE,
                    "control character 0x%02X in string: expected it escaped (\\u%04X)", c, c);
    return perr(ps, s, CDLT_UTF8, "invalid UTF-8 byte 0x%02X in string", c);
}

/* Parse the string body starting after the opening quote; unescapes in place, writes a NUL
 * over the closing quote. Returns the position after the closing quote, NULL on error. */
static inline __attribute__((always_inline)) char *parse_string(parser *ps, char *p, jv *out)
{
    char *src = p;
    uint8_t flags = 0;
    /* Phase 1: no escape seen yet, nothing moves. */
    for (;;) {
#ifdef JSON_HAVE_SSE2
        __m128i v;
        unsigned m = scan16(src, &v);
        if (CDLT_LIKELY(m == 0)) {
            src += 16;
            continue;
        }
        src += __builtin_ctz(m);
#else
        while (!(ctab[(uint8_t)*src] & C_STR_STOP))
            src++;
#endif
        uint8_t c = (uint8_t)*src;
        if (c == '"') {
            *src = '\0';
            size_t n = (size_t)(src - p);
            if (CDLT_UNLIKELY(n > UINT32_MAX || (ps->max_string && n > ps->max_string))) {
                perr(ps, p - 1, CDLT_TOO_LARGE, "string of %zu bytes exceeds the limit of %zu",
                     n, ps->max_string ? ps->max_string : (size_t)UINT32_MAX);
                return NULL;
            }
            *out = (jv){.type = JV_STRING, .len = (uint32_t)n, .u.s = p};
            return src + 1;
        }
        if (c == '\\')
            break;
        if (c >= 0x80) {
            int k = utf8_seq((const uint8_t *)src);
            if (k && src < ps->end) {
                src += k;
                continue;
            }
        }
        bad_string_byte(ps, src);
        return NULL;
    }
    /* Phase 2: after the first escape the text shifts left; copy runs 16 bytes at a time. */
    char *dst = src;
    flags = JV_F_ESCAPED;
    for (;;) {
        uint8_t c = (uint8_t)*src;
        if (c == '\\') {
            size_t used = unescape(ps, src, &dst);
            if (!used)
                return NULL;
            src += used;
            continue;
        }
        if (c == '"') {
            *dst = '\0';
            size_t n = (size_t)(dst - p);
            if (CDLT_UNLIKELY(n > UINT32_MAX || (ps->max_string && n > ps->max_string))) {
                perr(ps, p - 1, CDLT_TOO_LARGE, "string of %zu bytes exceeds the limit of %zu",
                     n, ps->max_string ? ps->max_string : (size_t)UINT32_MAX);
                return NULL;
            }
            *out = (jv){.type = JV_STRING, .flags = flags, .len = (uint32_t)n, .u.s = p};
            return src + 1;
        }
        if (c < 0x20 || c >= 0x80) {
            int k = c >= 0x80 ? utf8_seq((const uint8_t *)src) : 0;
            if (!k || src >= ps->end) {
                bad_string_byte(ps, src);
                return NULL;
            }
            memmove(dst, src, (size_t)k);
            dst += k;
            src += k;
            continue;
        }
#ifdef JSON_HAVE_SSE2
        for (;;) {
            __m128i v;
            unsigned m = scan16(src, &v);
            if (m == 0) {
                /* dst < src: the 16 bytes written were all consumed already. */
                _mm_storeu_si128((__m128i *)(void *)dst, v);
                src += 16;
                dst += 16;
                continue;
            }
            unsigned k = (unsigned)__builtin_ctz(m);
            memmove(dst, src, k);
            dst += k;
            src += k;
            break;
        }
#else
        while (!(ctab[(uint8_t)*src] & C_STR_STOP))
            *dst++ = *src++;
#endif
    }
}

/* Numbers other than short plain integers: full grammar check, then exact classification. */
static char *parse_number_slow(parser *ps, char *start, jv *out)
{
    char *p = start;
    bool neg = false;
    char tmp[24];
    if (*p == '-') {
        neg = true;
        p++;
    }
    char *is = p;
    if (*p == '0') {
        p++;
        if (ctab[(uint8_t)*p] & C_DIGIT) {
            perr(ps, p - 1, CDLT_PARSE, "invalid number: leading zeros are not allowed");
            return NULL;
        }
    } else if (ctab[(uint8_t)*p] & C_DIGIT) {
        while (ctab[(uint8_t)*p] & C_DIGIT)
            p++;
    } else {
        perr(ps, p, CDLT_PARSE, "invalid number: expected a digit after '-', found %s",
             found(ps, p, tmp, sizeof tmp));
        return NULL;
    }
    char *ie = p, *fs = NULL, *fe = NULL;
    bool is_float = false;
    int64_t ex = 0;
    if (*p == '.') {
        is_float = true;
        p++;
        fs = p;
        if (!(ctab[(uint8_t)*p] & C_DIGIT)) {
            perr(ps, p, CDLT_PARSE, "invalid number: expected a digit after '.', found %s",
                 found(ps, p, tmp, sizeof tmp));
            return NULL;
        }
        while (ctab[(uint8_t)*p] & C_DIGIT)
            p++;
        fe = p;
    }
    if (*p == 'e' || *p == 'E') {
        is_float = true;
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!(ctab[(uint8_t)*p] & C_DIGIT)) {
            perr(ps, p, CDLT_PARSE, "invalid number: expected a digit in the exponent, found %s",
                 found(ps, p, tmp, sizeof tmp));
            return NULL;
        }
        while (ctab[(uint8_t)*p] & C_DIGIT) {
            if (ex < 1000000)
                ex = ex * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            ex = -ex;
    }
    if (!is_float) {
        uint64_t v = 0;
        bool over = false;
        for (char *q = is; q < ie; q++) {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*q - '0'), &v)) {
                over = true;
                break;
            }
        }
        if (!over && !neg && v <= (uint64_t)INT64_MAX) {
            *out = (jv){.type = JV_INT, .u.i = (int64_t)v};
        } else if (!over && !neg) {
            *out = (jv){.type = JV_UINT, .u.u = v};
        } else if (!over && v <= (uint64_t)INT64_MAX + 1) {
            *out = (jv){.type = JV_INT, .u.i = (int64_t)(0 - v)};
        } else {
            size_t n = (size_t)(p - start);
            char *s = arena_strndup(ps->a, start, n);
            if (!s) {
                perr(ps, start, CDLT_NOMEM, "out of memory while reading a number");
                return NULL;
            }
            *out = (jv){.type = JV_BIGNUM, .len = (uint32_t)n, .u.s = s};
        }
        return p;
    }
    /* Significant digits into m; exact when <= 19 of them (Clinger's fast path). */
    uint64_t m = 0;
    int nd = 0;
    for (char *q = is; q < ie; q++) {
        if (nd || *q != '0') {
            m = m * 10 + (uint64_t)(*q - '0');
            if (++nd > 19)
                break;
        }
    }
    if (fs && nd <= 19) {
        for (char *q = fs; q < fe; q++) {
            if (nd || *q != '0') {
                m = m * 10 + (uint64_t)(*q - '0');
                if (++nd > 19)
                    break;
            }
        }
    }
    double d;
    int64_t e10 = ex - (fs ? (int64_t)(fe - fs) : 0);
    if (m == 0 && nd == 0) {
        d = 0.0;
    } else if (nd <= 19 && m <= (1ull << 53) && e10 >= -22 && e10 <= 22) {
        d = (double)m;
        d = e10 < 0 ? d / pow10tab[-e10] : d * pow10tab[e10];
        if (neg)
            d = -d;
    } else {
        char save = *p;
        *p = '\0';
        d = strtod(start, NULL);
        *p = save;
        if (isinf(d)) {
            perr(ps, start, CDLT_PARSE,
                 "number out of range: %.*s does not fit a double (max about 1.8e308)",
                 (int)((p - start) > 40 ? 40 : (p - start)), start);
            return NULL;
        }
        neg = false;
    }
    if (neg && d == 0.0)
        d = -0.0;
    *out = (jv){.type = JV_DOUBLE, .u.d = d};
    return p;
}

/* Plain integers of up to 18 digits are by far the most common number: handle them inline. */
static inline char *parse_number(parser *ps, char *p, jv *out)
{
    char *q = p + (*p == '-');
    uint64_t v = (uint64_t)(uint8_t)*q - '0';
    if (v > 9 || (v == 0 && (ctab[(uint8_t)q[1]] & C_DIGIT)))
        return parse_number_slow(ps, p, out);
    char *ds = q++;
    while (ctab[(uint8_t)*q] & C_DIGIT) {
        v = v * 10 + (uint64_t)(*q - '0');
        q++;
        if (q - ds > 18)
            return parse_number_slow(ps, p, out);
    }
    if (*q == '.' || *q == 'e' || *q == 'E')
        return parse_number_slow(ps, p, out);
    *out = (jv){.type = JV_INT, .u.i = *p == '-' ? -(int64_t)v : (int64_t)v};
    return q;
}

/* Copy the finished container at stack[fi] contiguous into the arena. */
static bool close_container(parser *ps, jv *stk, size_t fi, size_t top)
{
    size_t n = top - fi - 1;
    jv *c = &stk[fi];
    if (CDLT_UNLIKELY(n / 2 > UINT32_MAX || (c->type == JV_ARRAY && n > UINT32_MAX)))
        return false; /* len is 32-bit; reported as out of memory */
    if (c->type == JV_ARRAY) {
        jv *items = NULL;
        if (n) {
            items = arena_alloc(ps->a, n * sizeof(jv));
            if (!items)
                return false;
            memcpy(items, &stk[fi + 1], n * sizeof(jv));
        }
        c->len = (uint32_t)n;
        c->u.items = items;
    } else {
        size_t nm = n / 2;
        jv_member *mem = NULL;
        if (nm) {
            mem = arena_alloc(ps->a, nm * sizeof(jv_member));
            if (!mem)
                return false;
            const jv *s = &stk[fi + 1];
            for (size_t i = 0; i < nm; i++) {
                mem[i].key = s[2 * i].u.s;
                mem[i].klen = s[2 * i].len;
                mem[i].pad_ = 0;
                mem[i].value = s[2 * i + 1];
            }
        }
        c->len = (uint32_t)nm;
        c->u.members = mem;
    }
    c->flags = 0;
    return true;
}

cdlt_status json_parse_insitu(char *text, size_t len, arena *a, const json_opts *opts,
                              json_vstack *vs, jv *out, size_t *out_err_off, cdlt_error *err)
{
    parser ps = {
        .buf = text,
        .end = text + len,
        .a = a,
        .vs = vs,
        .err = err,
        .max_string = opts ? opts->max_string : 0,
        .max_depth = opts && opts->max_depth ? opts->max_depth : DEFAULT_DEPTH,
    };
    *out = jv_null();
    *out_err_off = 0;
    char tmp[24];
    char *p = text;
    size_t top = 0, fi = NO_FRAME;
    uint32_t depth = 0;
    cdlt_status st = CDLT_OK;
    jv *stk = vs->v;
    size_t cap = vs->cap;

#define ENSURE_SLOT()                                                                        \
    do {                                                                                     \
        if (CDLT_UNLIKELY(top >= cap)) {                                                     \
            if (!vs_grow(vs)) {                                                              \
                st = perr(&ps, p, CDLT_NOMEM, "out of memory (value stack)");                \
                goto fail;                                                                   \
            }                                                                                \
            stk = vs->v;                                                                     \
            cap = vs->cap;                                                                   \
        }                                                                                    \
    } while (0)

    p = skip_ws(p);
    if (CDLT_UNLIKELY(p >= ps.end)) {
        st = perr(&ps, p, CDLT_PARSE, "empty input: expected a JSON value");
        goto fail;
    }
    if (CDLT_UNLIKELY((uint8_t)p[0] == 0xEF && (uint8_t)p[1] == 0xBB && (uint8_t)p[2] == 0xBF)) {
        st = perr(&ps, p, CDLT_PARSE, "byte order mark (BOM) is not allowed: save the file as UTF-8 without BOM");
        goto fail;
    }

value:
    ENSURE_SLOT();
    switch (*p) {
    case '"': {
        char *q = parse_string(&ps, p + 1, &stk[top]);
        if (!q) {
            st = ps.st;
            goto fail;
        }
        p = q;
        top++;
        break;
    }
    case '{':
    case '[': {
        if (CDLT_UNLIKELY(++depth > ps.max_depth)) {
            /* the caller names the setting that raises the limit, if there is one */
            st = perr(&ps, p, CDLT_DEPTH, "nesting deeper than %u levels", ps.max_depth);
            goto fail;
        }
        bool obj = *p == '{';
        stk[top] = (jv){.type = obj ? JV_OBJECT : JV_ARRAY, .u.u = (uint64_t)fi};
        fi = top++;
        p = skip_ws(p + 1);
        if (obj) {
            if (*p == '}') {
                p++;
                goto close;
            }
            goto key;
        }
        if (*p == ']') {
            p++;
            goto close;
        }
        goto value;
    }
    case 't':
        if (memcmp(p, "true", 4) != 0)
            goto bad_value;
        stk[top++] = (jv){.type = JV_BOOL, .u.b = true};
        p += 4;
        break;
    case 'f':
        if (memcmp(p, "false", 5) != 0)
            goto bad_value;
        stk[top++] = (jv){.type = JV_BOOL, .u.b = false};
        p += 5;
        break;
    case 'n':
        if (memcmp(p, "null", 4) != 0)
            goto bad_value;
        stk[top++] = (jv){.type = JV_NULL};
        p += 4;
        break;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
        char *q = parse_number(&ps, p, &stk[top]);
        if (!q) {
            st = ps.st;
            goto fail;
        }
        p = q;
        top++;
        break;
    }
    default:
        goto bad_value;
    }

after_value:
    if (CDLT_UNLIKELY(fi == NO_FRAME))
        goto done;
    if (CDLT_UNLIKELY(ctab[(uint8_t)*p] & C_WS))
        p = skip_ws(p);
    if (stk[fi].type == JV_ARRAY) {
        if (*p == ',') {
            p++;
            if (CDLT_UNLIKELY(ctab[(uint8_t)*p] & C_WS))
                p = skip_ws(p);
            goto value;
        }
        if (*p == ']') {
            p++;
            goto close;
        }
        st = perr(&ps, p, CDLT_PARSE, "expected ',' or ']' after an array item, found %s",
                  found(&ps, p, tmp, sizeof tmp));
        goto fail;
    }
    if (*p == ',') {
        p++;
        if (CDLT_UNLIKELY(ctab[(uint8_t)*p] & C_WS))
            p = skip_ws(p);
        goto key;
    }
    if (*p == '}') {
        p++;
        goto close;
    }
    st = perr(&ps, p, CDLT_PARSE, "expected ',' or '}' after an object member, found %s",
              found(&ps, p, tmp, sizeof tmp));
    goto fail;

key:
    if (CDLT_UNLIKELY(*p != '"')) {
        st = perr(&ps, p, CDLT_PARSE, "expected a string key in double quotes, found %s",
                  found(&ps, p, tmp, sizeof tmp));
        goto fail;
    }
    ENSURE_SLOT();
    {
        char *q = parse_string(&ps, p + 1, &stk[top]);
        if (!q) {
            st = ps.st;
            goto fail;
        }
        p = q;
        top++;
    }
    if (CDLT_UNLIKELY(*p != ':')) {
        p = skip_ws(p);
        if (*p != ':') {
            st = perr(&ps, p, CDLT_PARSE, "expected ':' after an object key, found %s",
                      found(&ps, p, tmp, sizeof tmp));
            goto fail;
        }
    }
    p++;
    if (CDLT_UNLIKELY(ctab[(uint8_t)*p] & C_WS))
        p = skip_ws(p);
    goto value;

close: {
    size_t parent = (size_t)stk[fi].u.u;
    if (CDLT_UNLIKELY(!close_container(&ps, stk, fi, top))) {
        st = perr(&ps, p, CDLT_NOMEM, "out of memory while building a %s",
                  stk[fi].type == JV_ARRAY ? "array" : "object");
        goto fail;
    }
    top = fi + 1;
    fi = parent;
    depth--;
    goto after_value;
}

bad_value:
    if (p >= ps.end)
        st = perr(&ps, p, CDLT_PARSE, "expected a value, found end of input");
    else if ((uint8_t)*p >= 0x80)
        st = perr(&ps, p, CDLT_PARSE,
                  "expected a value (object, array, string, number, true, false or null), found byte 0x%02X",
                  (uint8_t)*p);
    else
        st = perr(&ps, p, CDLT_PARSE,
                  "expected a value (object, array, string, number, true, false or null), found %s",
                  found(&ps, p, tmp, sizeof tmp));
    goto fail;

done:
    p = skip_ws(p);
    if (CDLT_UNLIKELY(p != ps.end)) {
        st = perr(&ps, p, CDLT_PARSE, "unexpected data after the JSON value: found %s",
                  found(&ps, p, tmp, sizeof tmp));
        goto fail;
    }
    *out = stk[0];
    return CDLT_OK;

fail:
    *out_err_off = ps.err_off;
    *out = jv_null();
    return st;
#undef ENSURE_SLOT
}

cdlt_status json_parse(const char *text, size_t len, arena *a, const json_opts *opts, jv *out,
                       cdlt_error *err)
{
    *out = jv_null();
    if (len > SIZE_MAX - JSON_PAD)
        return err_set(err, CDLT_TOO_LARGE, "JSON text too large");
    char *b = arena_alloc(a, len + JSON_PAD);
    if (!b)
        return err_nomem(err);
    memcpy(b, text, len);
    memset(b + len, 0, JSON_PAD);
    jv local[128];
    json_vstack vs;
    json_vstack_init(&vs, local, CDLT_ARRAY_LEN(local));
    size_t off = 0;
    cdlt_status st = json_parse_insitu(b, len, a, opts, &vs, out, &off, err);
    json_vstack_free(&vs);
    if (st != CDLT_OK) {
        int64_t line, col;
        json_line_col(text, off, &line, &col);
        err_at_file(err, opts ? opts->file : NULL, line, col, (int64_t)off);
    }
    return st;
}
