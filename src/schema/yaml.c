/* yaml.c: YAML for schema export/import. The emitter writes block style the way PyYAML's
 * yaml.dump(default_flow_style=False, sort_keys=False, allow_unicode=True) does, so exported
 * files look like dlt's; the reader uses libyaml's parser and resolves plain scalars like
 * PyYAML's safe loader (YAML 1.1: yes/no booleans, ~ null, 0x/0o ints). */
#include "schema/schema.h"
#include "schema/schema_int.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <yaml.h>

/* ------------------------------------------------------------------------------------------
 * Scalar resolution (shared by emitter and reader): which plain texts are not strings.
 * ------------------------------------------------------------------------------------------ */
static const char *const k_bool_true[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
static const char *const k_bool_false[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
static const char *const k_nulls[] = {"~", "null", "Null", "NULL"};

static bool in_list(const char *const *l, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], s) == 0)
            return true;
    return false;
}

/* PyYAML's implicit resolvers for int, float and timestamp (YAML 1.1). */
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
 * on export/import of one schema file, not on a hot path. */
static int resolve_num(const char *s)
{
    if (!*s || strlen(s) > 64)
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

/* True when the plain scalar text would be read back as something other than a string. */
static bool resolves_non_string(const char *s)
{
    return in_list(k_bool_true, CDLT_ARRAY_LEN(k_bool_true), s) ||
           in_list(k_bool_false, CDLT_ARRAY_LEN(k_bool_false), s) ||
           in_list(k_nulls, CDLT_ARRAY_LEN(k_nulls), s) || strcmp(s, "<<") == 0 ||
           strcmp(s, "=") == 0 || resolve_num(s) >= 0;
}

/* ------------------------------------------------------------------------------------------
 * Emitter
 * ------------------------------------------------------------------------------------------ */
static bool is_space_or_end(char c) { return c == '\0' || c == ' ' || c == '\t' || c == '\n'; }

/* Can the string be written plain (unquoted) in block context? Mirrors PyYAML's
 * analyze_scalar for the characters that matter. */
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
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBB &&
            (unsigned char)s[i + 2] == 0xBF)
            return false; /* BOM */
    }
    return !resolves_non_string(s);
}

static bool needs_double(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
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
        default:
            if (c < 0x20 || c == 0x7f)
                buf_printf(out, "\\x%02X", c);
            else
                buf_putc(out, (char)c);
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
        else
            buf_append(out, num, json_fmt_double(v->u.d, num));
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

static void emit_map(buf *out, const jv *v, int ind, bool first_inline, int depth)
{
    for (uint32_t i = 0; i < v->len; i++) {
        const jv_member *m = &v->u.members[i];
        if (i > 0 || !first_inline)
            indent(out, ind);
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

cdlt_status schema_yaml_emit(const jv *v, buf *out)
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

cdlt_status schema_to_yaml(const schema *s, bool strip_defaults, buf *out)
{
    arena a;
    arena_init(&a, 64 * 1024, 0);
    schema_doc_opts o = {strip_defaults, false, false, false};
    jv doc;
    cdlt_status st = schema_to_jv(s, &o, &a, &doc);
    if (st == CDLT_OK)
        st = schema_yaml_emit(&doc, out);
    arena_free(&a);
    return st;
}

/* ------------------------------------------------------------------------------------------
 * Reader: libyaml events -> jv
 * ------------------------------------------------------------------------------------------ */
typedef struct yreader {
    yaml_parser_t p;  /* libyaml parser over the text */
    arena *a;         /* output arena */
    const char *file; /* for messages */
    cdlt_error *err;
} yreader;

static cdlt_status yerr(yreader *r, const yaml_mark_t *mk, const char *what)
{
    err_set(r->err, CDLT_PARSE, "invalid schema YAML: %s", what);
    return err_at_file(r->err, r->file, (int64_t)mk->line + 1, (int64_t)mk->column + 1,
                       (int64_t)mk->index);
}

static cdlt_status next_event(yreader *r, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&r->p, ev)) {
        if (r->p.error == YAML_MEMORY_ERROR)
            return err_nomem(r->err);
        return yerr(r, &r->p.problem_mark, r->p.problem ? r->p.problem : "parse error");
    }
    return CDLT_OK;
}

static cdlt_status scalar_to_jv(yreader *r, const yaml_event_t *ev, jv *out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag && strcmp(tag, "tag:yaml.org,2002:str") != 0 && strcmp(tag, "!") != 0)
        plain = true; /* explicit non-str tags resolve like plain text */
    if (tag && strcmp(tag, "tag:yaml.org,2002:str") == 0)
        plain = false;
    if (plain && strlen(s) == n) {
        if (n == 0 || in_list(k_nulls, CDLT_ARRAY_LEN(k_nulls), s)) {
            *out = jv_null();
            return CDLT_OK;
        }
        if (in_list(k_bool_true, CDLT_ARRAY_LEN(k_bool_true), s)) {
            *out = jv_bool(true);
            return CDLT_OK;
        }
        if (in_list(k_bool_false, CDLT_ARRAY_LEN(k_bool_false), s)) {
            *out = jv_bool(false);
            return CDLT_OK;
        }
        int k = resolve_num(s);
        if (k == 2) { /* decimal int */
            char tmp[72];
            size_t j = 0;
            for (size_t i = 0; i < n && j < sizeof tmp - 1; i++)
                if (s[i] != '_')
                    tmp[j++] = s[i];
            tmp[j] = '\0';
            char *end;
            errno = 0;
            long long v = strtoll(tmp, &end, 10);
            if (!errno && !*end) {
                *out = jv_int(v);
                return CDLT_OK;
            }
            *out = jv_str_typed(r->a, JV_BIGNUM, tmp, j);
            return jv_failed(out) ? err_nomem(r->err) : CDLT_OK;
        }
        if (k == 3 || k == 1) { /* hex, octal */
            char *end;
            long long v = strtoll(s, &end, k == 3 ? 16 : 8);
            if (!*end) {
                *out = jv_int(v);
                return CDLT_OK;
            }
        }
        if (k == 5 || k == 6) {
            *out = jv_double(strtod(s, NULL));
            return CDLT_OK;
        }
        if (k == 8 || k == 9) {
            bool nan = k == 9;
            *out = jv_double(nan ? 0.0 / 0.0 : (s[0] == '-' ? -1.0 : 1.0) * (1.0 / 0.0));
            return CDLT_OK;
        }
        /* sexagesimal, binary, timestamps: kept as text (dlt schemas never contain them) */
    }
    *out = jv_str(r->a, s, n);
    return jv_failed(out) ? err_nomem(r->err) : CDLT_OK;
}

static cdlt_status read_node(yreader *r, yaml_event_t *ev, jv *out, int depth);

static cdlt_status read_children(yreader *r, bool mapping, jv *out, int depth)
{
    jv_builder b;
    jv_builder_init(&b, mapping ? JV_OBJECT : JV_ARRAY);
    for (;;) {
        yaml_event_t ev;
        cdlt_status st = next_event(r, &ev);
        if (st != CDLT_OK)
            return st;
        if (ev.type == (mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
            yaml_event_delete(&ev);
            break;
        }
        jv key = jv_null();
        if (mapping) {
            st = read_node(r, &ev, &key, depth + 1);
            yaml_event_delete(&ev);
            if (st != CDLT_OK)
                return st;
            if (key.type != JV_STRING) {
                /* keys are column/table names: accept scalars in their text form */
                if (key.type == JV_NULL || key.type == JV_ARRAY || key.type == JV_OBJECT)
                    return yerr(r, &r->p.mark, "mapping keys must be scalars");
            }
            const char *ks = key.type == JV_STRING ? key.u.s : NULL;
            char kbuf[64];
            size_t klen = key.len;
            if (!ks) {
                if (key.type == JV_BOOL)
                    ks = key.u.b ? "true" : "false";
                else if (key.type == JV_INT)
                    ks = kbuf, snprintf(kbuf, sizeof kbuf, "%lld", (long long)key.u.i);
                else if (key.type == JV_DOUBLE)
                    ks = kbuf, kbuf[json_fmt_double(key.u.d, kbuf)] = '\0';
                else
                    ks = key.u.s;
                klen = strlen(ks);
            }
            st = next_event(r, &ev);
            if (st != CDLT_OK)
                return st;
            jv val;
            st = read_node(r, &ev, &val, depth + 1);
            yaml_event_delete(&ev);
            if (st == CDLT_OK && jv_builder_set(&b, r->a, ks, klen, val) != CDLT_OK)
                st = err_nomem(r->err);
            if (st != CDLT_OK)
                return st;
        } else {
            jv val;
            st = read_node(r, &ev, &val, depth + 1);
            yaml_event_delete(&ev);
            if (st == CDLT_OK && jv_builder_push(&b, r->a, val) != CDLT_OK)
                st = err_nomem(r->err);
            if (st != CDLT_OK)
                return st;
        }
    }
    *out = b.value;
    return CDLT_OK;
}

static cdlt_status read_node(yreader *r, yaml_event_t *ev, jv *out, int depth)
{
    if (depth > 256)
        return yerr(r, &ev->start_mark, "nesting deeper than 256 levels");
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return scalar_to_jv(r, ev, out);
    case YAML_MAPPING_START_EVENT:
        return read_children(r, true, out, depth);
    case YAML_SEQUENCE_START_EVENT:
        return read_children(r, false, out, depth);
    case YAML_ALIAS_EVENT:
        return yerr(r, &ev->start_mark, "aliases (*name) are not supported in schema files");
    default:
        return yerr(r, &ev->start_mark, "unexpected YAML event");
    }
}

cdlt_status schema_yaml_parse(const char *text, size_t len, const char *file, arena *a, jv *out,
                              cdlt_error *err)
{
    *out = jv_null();
    yreader r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.file = file ? file : "<yaml>";
    r.err = err;
    if (!yaml_parser_initialize(&r.p))
        return err_nomem(err);
    yaml_parser_set_input_string(&r.p, (const unsigned char *)text, len);
    cdlt_status st = CDLT_OK;
    bool have_doc = false;
    for (;;) {
        yaml_event_t ev;
        st = next_event(&r, &ev);
        if (st != CDLT_OK)
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
            t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (have_doc) {
            st = yerr(&r, &ev.start_mark, "more than one document in the file");
            yaml_event_delete(&ev);
            break;
        }
        st = read_node(&r, &ev, out, 0);
        yaml_event_delete(&ev);
        if (st != CDLT_OK)
            break;
        have_doc = true;
    }
    yaml_parser_delete(&r.p);
    return st;
}
