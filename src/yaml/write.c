/* write.c: `jv` -> block-style YAML written the way PyYAML's yaml.dump(default_flow_style=False,
 * sort_keys=False, allow_unicode=True) writes it, so exported schema files match dlt's byte for byte. */
#include "yaml/yaml_int.h"

static bool is_space_or_end(char c) { return c == '\0' || c == ' ' || c == '\t' || c == '\n'; }

/* Can the string be written plain (unquoted) in block context? Mirrors PyYAML's
 * analyze_scalar for the characters that matter. */
/* Bytes at s[i] that YAML does not allow unescaped (outside its printable set): C0 controls
 * but tab and line breaks are handled by the caller; C1 controls U+0080-U+009F except U+0085
 * (C2 80..C2 9F), a BOM inside text (EF BB BF), U+FFFE and U+FFFF (EF BF BE/BF). Returns the
 * code point's byte length, 0 when printable. libyaml refuses such raw bytes on reading
 * (fuzz_schema_doc: a table name with U+0080 wrote YAML that did not load). */
static size_t unprintable_at(const unsigned char *s, size_t i, size_t n)
{
    /* U+0085 (NEL) is printable but a line break to YAML, as U+2028 / U+2029 are: a plain or
     * single-quoted scalar would be folded there, so they are escaped too */
    if (s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
        return 2;
    if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
        return 3;
    if (s[i] == 0xEF && i + 2 < n &&
        ((s[i + 1] == 0xBB && s[i + 2] == 0xBF) || (s[i + 1] == 0xBF && s[i + 2] >= 0xBE)))
        return 3;
    return 0;
}

static bool plain_ok(const char *s, size_t n)
{
    if (n == 0 || strlen(s) != n)
        return false;
    if (s[0] == ' ' || s[n - 1] == ' ' || s[0] == '\t' || s[n - 1] == '\t')
        return false;
    if ((n >= 3 && (strncmp(s, "---", 3) == 0 || strncmp(s, "...", 3) == 0)))
        return false;
    if (strchr("#,[]{}&*!|>'\"%@`", s[0]))
        return false;
    if ((s[0] == '?' || s[0] == ':' || s[0] == '-') && is_space_or_end(s[1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false; /* line breaks and controls: quoted */
        if (c == ':' && is_space_or_end(s[i + 1]))
            return false;
        if (c == '#' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
            return false;
        if (unprintable_at((const unsigned char *)s, i, n))
            return false; /* BOM, C1 controls, U+FFFE/FFFF: escaped in double quotes */
    }
    return !yaml_pyyaml_non_string(s);
}

static bool needs_double(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || unprintable_at((const unsigned char *)s, i, n))
            return true;
    }
    return false;
}

static void emit_string(buf *out, const char *s, size_t n)
{
    if (plain_ok(s, n)) {
        buf_append(out, s, n);
        return;
    }
    if (!needs_double(s, n)) {
        buf_putc(out, '\'');
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\'')
                buf_putc(out, '\'');
            buf_putc(out, s[i]);
        }
        buf_putc(out, '\'');
        return;
    }
    buf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': buf_puts(out, "\\\""); break;
        case '\\': buf_puts(out, "\\\\"); break;
        case '\n': buf_puts(out, "\\n"); break;
        case '\t': buf_puts(out, "\\t"); break;
        case '\r': buf_puts(out, "\\r"); break;
        case 0: buf_puts(out, "\\0"); break;
        case 7: buf_puts(out, "\\a"); break;
        case 8: buf_puts(out, "\\b"); break;
        case 11: buf_puts(out, "\\v"); break;
        case 12: buf_puts(out, "\\f"); break;
        case 27: buf_puts(out, "\\e"); break;
        default: {
            size_t u = unprintable_at((const unsigned char *)s, i, n);
            if (u == 2) { /* U+0080..U+009F */
                buf_printf(out, "\\x%02X", (unsigned char)s[i + 1]);
                i++;
            } else if (u == 3) { /* U+FEFF, U+FFFE, U+FFFF, U+2028, U+2029 */
                unsigned cp = ((unsigned)(c & 0x0F) << 12) |
                              ((unsigned)((unsigned char)s[i + 1] & 0x3F) << 6) |
                              ((unsigned char)s[i + 2] & 0x3F);
                buf_printf(out, "\\u%04X", cp);
                i += 2;
            } else if (c < 0x20 || c == 0x7f) {
                buf_printf(out, "\\x%02X", c);
            } else {
                buf_putc(out, (char)c);
            }
        }
        }
    }
    buf_putc(out, '"');
}

static bool is_container(const jv *v)
{
    return (v->type == JV_OBJECT || v->type == JV_ARRAY) && v->len > 0;
}

static void emit_scalar(buf *out, const jv *v)
{
    char num[40];
    switch ((jv_type)v->type) {
    case JV_NULL: buf_puts(out, "null"); break;
    case JV_BOOL: buf_puts(out, v->u.b ? "true" : "false"); break;
    case JV_INT: buf_printf(out, "%lld", (long long)v->u.i); break;
    case JV_UINT: buf_printf(out, "%llu", (unsigned long long)v->u.u); break;
    case JV_BIGNUM: buf_append(out, v->u.s, v->len); break;
    case JV_DOUBLE:
        if (v->u.d != v->u.d)
            buf_puts(out, ".nan");
        else if (v->u.d > 1.7976931348623157e308)
            buf_puts(out, ".inf");
        else if (v->u.d < -1.7976931348623157e308)
            buf_puts(out, "-.inf");
        else {
            /* PyYAML (dlt) types a float only with a '.' before the exponent ("1e+70" would
             * read back as a string: fuzz_schema_doc), so write "1.0e+70" as PyYAML does */
            size_t n = json_fmt_double(v->u.d, num);
            char *e = memchr(num, 'e', n);
            if (e && !memchr(num, '.', (size_t)(e - num))) {
                buf_append(out, num, (size_t)(e - num));
                buf_puts(out, ".0");
                buf_append(out, e, n - (size_t)(e - num));
            } else {
                buf_append(out, num, n);
            }
        }
        break;
    case JV_ARRAY: buf_puts(out, "[]"); break;
    case JV_OBJECT: buf_puts(out, "{}"); break;
    default: emit_string(out, v->u.s, v->len); break;
    }
}

static void indent(buf *out, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(out, ' ');
}

static void emit_seq(buf *out, const jv *v, int ind, bool first_inline, int depth);

/* Whether a key goes in the "? key" / ": value" form. PyYAML writes a key plainly only when it
 * is not empty, has no line break and, with its "!!str" tag, is under 128 characters (so at most
 * 122 code points). libyaml refuses implicit keys over 1024 characters, so without this a long
 * key wrote a document that did not read back (found by fuzz/fuzz_schema_doc). */
static bool explicit_key(const char *k, size_t n)
{
    if (n == 0)
        return true;
    size_t cps = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (c == '\n' || (c == 0xC2 && i + 1 < n && (unsigned char)k[i + 1] == 0x85) ||
            (c == 0xE2 && i + 2 < n && (unsigned char)k[i + 1] == 0x80 &&
             ((unsigned char)k[i + 2] == 0xA8 || (unsigned char)k[i + 2] == 0xA9)))
            return true; /* line breaks: \n, U+0085, U+2028, U+2029 */
        if ((c & 0xC0) != 0x80)
            cps++;
    }
    return cps > 122;
}

static void emit_map(buf *out, const jv *v, int ind, bool first_inline, int depth)
{
    for (uint32_t i = 0; i < v->len; i++) {
        const jv_member *m = &v->u.members[i];
        if (i > 0 || !first_inline)
            indent(out, ind);
        if (explicit_key(m->key, m->klen)) {
            /* "? key", then ": " and the value written inline, as PyYAML does */
            buf_puts(out, "? ");
            emit_string(out, m->key, m->klen);
            buf_putc(out, '\n');
            indent(out, ind);
            buf_puts(out, ": ");
            if (!is_container(&m->value) || depth > 200) {
                emit_scalar(out, &m->value);
                buf_putc(out, '\n');
            } else if (m->value.type == JV_OBJECT) {
                emit_map(out, &m->value, ind + 2, true, depth + 1);
            } else {
                emit_seq(out, &m->value, ind + 2, true, depth + 1);
            }
            continue;
        }
        emit_string(out, m->key, m->klen);
        buf_putc(out, ':');
        if (!is_container(&m->value) || depth > 200) {
            buf_putc(out, ' ');
            emit_scalar(out, &m->value);
            buf_putc(out, '\n');
        } else if (m->value.type == JV_OBJECT) {
            buf_putc(out, '\n');
            emit_map(out, &m->value, ind + 2, false, depth + 1);
        } else {
            buf_putc(out, '\n');
            emit_seq(out, &m->value, ind, false, depth + 1); /* PyYAML: indentless lists */
        }
    }
}

static void emit_seq(buf *out, const jv *v, int ind, bool first_inline, int depth)
{
    for (uint32_t i = 0; i < v->len; i++) {
        const jv *it = &v->u.items[i];
        if (i > 0 || !first_inline)
            indent(out, ind);
        buf_puts(out, "- ");
        if (!is_container(it) || depth > 200) {
            emit_scalar(out, it);
            buf_putc(out, '\n');
        } else if (it->type == JV_OBJECT) {
            emit_map(out, it, ind + 2, true, depth + 1);
        } else {
            emit_seq(out, it, ind + 2, true, depth + 1);
        }
    }
}

cdlt_status yaml_write(const jv *v, buf *out)
{
    if (v->type == JV_OBJECT && v->len)
        emit_map(out, v, 0, false, 0);
    else if (v->type == JV_ARRAY && v->len)
        emit_seq(out, v, 0, false, 0);
    else {
        emit_scalar(out, v);
        buf_putc(out, '\n');
    }
    return out->status;
}
