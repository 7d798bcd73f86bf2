/* strings.c: TOML's four string kinds (basic, literal, multi-line basic, multi-line literal)
 * with escapes and control-character rules, and keys (bare, quoted, dotted). */
#include "toml_internal.h"

#include <stdio.h>

static bool is_ctrl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

static cdlt_status put(toml_parser *p, const char *s, size_t n)
{
    return buf_append(&p->tmp, s, n) == CDLT_OK ? CDLT_OK : toml_nomem(p);
}

static cdlt_status ctrl_error(toml_parser *p, const char *q, bool escapable)
{
    unsigned char c = (unsigned char)*q;
    if (c == '\r')
        return toml_fail(p, q, "carriage return not followed by a newline inside a string; "
                               "expected CRLF or LF line endings");
    return toml_fail(p, q, "control character U+%04X inside a string; %s", c,
                     escapable ? "write it as an escape such as \\u0001"
                               : "use a basic (\"...\") string with an escape instead");
}

/* One escape at the cursor (on the backslash) of a basic string. */
static cdlt_status escape(toml_parser *p)
{
    const char *at = p->p;
    if (p->p + 1 >= p->end)
        return toml_fail(p, at, "unterminated escape at end of file; expected an escape letter");
    char c = p->p[1];
    const char *simple = NULL;
    switch (c) {
    case 'b': simple = "\b"; break;
    case 't': simple = "\t"; break;
    case 'n': simple = "\n"; break;
    case 'f': simple = "\f"; break;
    case 'r': simple = "\r"; break;
    case '"': simple = "\""; break;
    case '\\': simple = "\\"; break;
    default: break;
    }
    if (simple) {
        p->p += 2;
        return put(p, simple, 1);
    }
    if (c != 'u' && c != 'U') {
        char tmp[48];
        return toml_fail(p, at,
                         "invalid escape '\\' followed by %s; expected one of \\b \\t \\n \\f \\r "
                         "\\\" \\\\ \\uXXXX \\UXXXXXXXX",
                         toml_describe(p, p->p + 1, tmp, sizeof tmp));
    }
    int digits = c == 'u' ? 4 : 8;
    uint32_t cp = 0;
    for (int i = 0; i < digits; i++) {
        const char *q = p->p + 2 + i;
        int h = q < p->end ? hex_digit((unsigned char)*q) : -1;
        if (h < 0)
            return toml_fail(p, at, "escape \\%c needs exactly %d hex digits", c, digits);
        cp = (cp << 4) | (uint32_t)h;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return toml_fail(p, at,
                         "escape \\%c%0*X is not a Unicode scalar value; expected a code point in "
                         "U+0000..U+D7FF or U+E000..U+10FFFF",
                         c, digits, cp);
    p->p += 2 + digits;
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return put(p, u, n);
}

/* "..." or '...' (single line). */
static cdlt_status single_line(toml_parser *p, char q)
{
    const char *open = p->p++;
    for (;;) {
        const char *s = p->p;
        /* Backslashes are plain text in literal strings. */
        while (p->p < p->end && *p->p != q && (*p->p != '\\' || q == '\'') &&
               !is_ctrl((unsigned char)*p->p))
            p->p++;
        if (put(p, s, (size_t)(p->p - s)) != CDLT_OK)
            return CDLT_NOMEM;
        if (p->p >= p->end)
            return toml_fail(p, open, "unterminated string; expected a closing %c on the same line",
                             q);
        unsigned char c = (unsigned char)*p->p;
        if (c == (unsigned char)q) {
            p->p++;
            return CDLT_OK;
        }
        if (c == '\n' || (c == '\r' && p->p + 1 < p->end && p->p[1] == '\n'))
            return toml_fail(p, open,
                             "unterminated string: newline before the closing %c; expected the "
                             "string to end on the same line (use %s for multi-line text)",
                             q, q == '"' ? "\"\"\"...\"\"\"" : "'''...'''");
        if (c == '\\') {
            cdlt_status st = escape(p);
            if (st != CDLT_OK)
                return st;
            continue;
        }
        return ctrl_error(p, p->p, q == '"');
    }
}

/* """...""" or '''...'''. */
static cdlt_status multi_line(toml_parser *p, char q)
{
    const char *open = p->p;
    p->p += 3;
    /* A newline right after the opening delimiter is trimmed. */
    if (p->p < p->end && *p->p == '\n')
        p->p++;
    else if (p->p + 1 < p->end && p->p[0] == '\r' && p->p[1] == '\n')
        p->p += 2;
    for (;;) {
        const char *s = p->p;
        while (p->p < p->end) {
            unsigned char c = (unsigned char)*p->p;
            if (c == (unsigned char)q || (c == '\\' && q == '"') || c == '\r' ||
                (is_ctrl(c) && c != '\n'))
                break;
            p->p++;
        }
        if (put(p, s, (size_t)(p->p - s)) != CDLT_OK)
            return CDLT_NOMEM;
        if (p->p >= p->end)
            return toml_fail(p, open, "unterminated multi-line string; expected a closing %c%c%c",
                             q, q, q);
        unsigned char c = (unsigned char)*p->p;
        if (c == (unsigned char)q) {
            size_t run = 0;
            while (p->p + run < p->end && p->p[run] == q)
                run++;
            if (run < 3) {
                if (put(p, p->p, run) != CDLT_OK)
                    return CDLT_NOMEM;
                p->p += run;
                continue;
            }
            if (run > 5)
                return toml_fail(p, p->p + 5,
                                 "too many quotes: %zu %c in a row end a multi-line string; "
                                 "expected at most 5 (up to 2 inside plus the 3 closing)",
                                 run, q);
            if (put(p, p->p, run - 3) != CDLT_OK)
                return CDLT_NOMEM;
            p->p += run;
            return CDLT_OK;
        }
        if (c == '\r') {
            if (p->p + 1 < p->end && p->p[1] == '\n') {
                /* CRLF inside the text is stored as LF, like Python's text-mode reading. */
                p->p += 2;
                if (put(p, "\n", 1) != CDLT_OK)
                    return CDLT_NOMEM;
                continue;
            }
            return ctrl_error(p, p->p, q == '"');
        }
        if (c == '\\') {
            /* Line-ending backslash: skip whitespace and newlines up to the next text. */
            const char *r = p->p + 1;
            while (r < p->end && (*r == ' ' || *r == '\t'))
                r++;
            if (r < p->end && (*r == '\n' || (*r == '\r' && r + 1 < p->end && r[1] == '\n'))) {
                while (r < p->end && (*r == ' ' || *r == '\t' || *r == '\n' ||
                                      (*r == '\r' && r + 1 < p->end && r[1] == '\n')))
                    r++;
                p->p = r;
                continue;
            }
            cdlt_status st = escape(p);
            if (st != CDLT_OK)
                return st;
            continue;
        }
        return ctrl_error(p, p->p, q == '"');
    }
}

cdlt_status toml_parse_string(toml_parser *p, bool multiline)
{
    buf_clear(&p->tmp);
    char q = *p->p;
    bool triple = p->p + 2 < p->end && p->p[1] == q && p->p[2] == q;
    if (triple) {
        if (!multiline)
            return toml_fail(p, p->p, "multi-line strings cannot be keys; expected a bare key, "
                                      "\"quoted\" or 'literal' key");
        return multi_line(p, q);
    }
    return single_line(p, q);
}

cdlt_status toml_parse_key(toml_parser *p, toml_key **out_keys, uint32_t *out_n)
{
    toml_key *keys = NULL;
    uint32_t n = 0, cap = 0;
    for (;;) {
        toml_skip_ws(p);
        if (n == cap) {
            uint32_t ncap = cap ? cap * 2 : 4;
            toml_key *k = arena_grow(&p->scratch, keys, cap * sizeof *keys, ncap * sizeof *keys);
            if (!k)
                return toml_nomem(p);
            keys = k;
            cap = ncap;
        }
        if (n >= TOML_MAX_DEPTH)
            return toml_fail(p, p->p, "dotted key has more than %d parts; expected fewer",
                             TOML_MAX_DEPTH);
        const char *at = p->p;
        const char *s;
        size_t len;
        if (p->p < p->end && (*p->p == '"' || *p->p == '\'')) {
            cdlt_status st = toml_parse_string(p, false);
            if (st != CDLT_OK)
                return st;
            s = buf_cstr(&p->tmp);
            len = p->tmp.len;
        } else {
            while (p->p < p->end && toml_is_bare((unsigned char)*p->p))
                p->p++;
            if (p->p == at) {
                char tmp[48];
                return toml_fail(p, at,
                                 "unexpected %s; expected a key (bare keys use A-Z a-z 0-9 _ -, "
                                 "others need quotes)",
                                 toml_describe(p, at, tmp, sizeof tmp));
            }
            s = at;
            len = (size_t)(p->p - at);
        }
        if (len > UINT32_MAX)
            return toml_fail(p, at, "key longer than 4 GiB");
        char *copy = arena_strndup(p->out, s, len);
        if (!copy)
            return toml_nomem(p);
        keys[n].s = copy;
        keys[n].len = (uint32_t)len;
        keys[n].at = (size_t)(at - p->text);
        n++;
        toml_skip_ws(p);
        if (p->p < p->end && *p->p == '.') {
            p->p++;
            continue;
        }
        break;
    }
    *out_keys = keys;
    *out_n = n;
    return CDLT_OK;
}

/* Append n bytes to out[0..cap) at *o; false (and nothing written) when they do not fit. */
static bool emit(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (*o + n + 1 > cap)
        return false;
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return true;
}

void toml_key_text(const toml_key *keys, uint32_t n, char *out, size_t cap)
{
    if (cap < 8) {
        if (cap)
            out[0] = '\0';
        return;
    }
    size_t o = 0;
    out[0] = '\0';
    /* Keep room for "..." so a cut name is visibly cut. */
    size_t room = cap - 3;
    bool fits = true;
    for (uint32_t i = 0; i < n && fits; i++) {
        if (i)
            fits = emit(out, room, &o, ".", 1);
        bool bare = keys[i].len > 0;
        for (uint32_t j = 0; j < keys[i].len; j++)
            bare = bare && toml_is_bare((unsigned char)keys[i].s[j]);
        if (!bare && fits)
            fits = emit(out, room, &o, "\"", 1);
        for (uint32_t j = 0; j < keys[i].len && fits; j++) {
            unsigned char c = (unsigned char)keys[i].s[j];
            char esc[8];
            if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') {
                snprintf(esc, sizeof esc, "\\u%04X", c);
                fits = emit(out, room, &o, esc, 6);
            } else {
                fits = emit(out, room, &o, (const char *)&c, 1);
            }
        }
        if (!bare && fits)
            fits = emit(out, room, &o, "\"", 1);
    }
    if (!fits) {
        /* Do not leave half a UTF-8 character before the "...". */
        size_t k = o;
        while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
            k--;
        if (k > 0 && (unsigned char)out[k - 1] >= 0xC0)
            o = k - 1;
        memcpy(out + o, "...", 4);
    }
}
