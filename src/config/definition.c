/* definition.c: pipeline definition files in TOML, YAML or JSON, all read into one `jv` tree so
 * the rest of cdlt does not care which format the user wrote. YAML uses libyaml's event parser
 * with YAML 1.2 core-schema typing (quoted scalars stay strings), anchors, aliases and `<<`. */
#include "config.h"

#include "toml/toml.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <yaml.h>

#define YAML_MAX_DEPTH 256
/* Aliases share their anchor's tree, so a few hundred bytes of nested aliases ("billion
 * laughs") can stand for billions of values that every consumer walking the tree would visit.
 * A document may expand to at most its own byte length plus this many values. */
#define YAML_MAX_ALIAS_NODES (1u << 20)

/* ---- YAML ---- */

typedef struct yanchor {
    const char *name; /* anchor name (arena) */
    jv value;         /* the anchored node (shares storage: trees are immutable) */
    size_t weight;    /* values in the node counting alias expansions (itself included) */
} yanchor;

typedef struct yctx {
    yaml_parser_t parser; /* libyaml state */
    arena *a;             /* where values go */
    const char *name;     /* file name for errors */
    cdlt_error *err;      /* error out */
    yanchor *anchors;     /* mem_alloc'd list */
    size_t nanchors;      /* used */
    size_t capanchors;    /* allocated */
    size_t nodes;         /* values produced so far, aliases counted as their expansion */
    size_t max_nodes;     /* limit for nodes: input length + YAML_MAX_ALIAS_NODES */
} yctx;

static cdlt_status y_err_at(yctx *y, yaml_mark_t m, const char *what, const char *arg)
{
    err_set(y->err, CDLT_PARSE, "YAML: %s%s%s%s", what, arg ? " '" : "", arg ? arg : "",
            arg ? "'" : "");
    err_at_file(y->err, y->name, (int64_t)m.line + 1, (int64_t)m.column + 1, (int64_t)m.index);
    return CDLT_PARSE;
}

static cdlt_status y_parser_err(yctx *y)
{
    const yaml_parser_t *p = &y->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return err_nomem(y->err);
    err_set(y->err, CDLT_PARSE, "YAML: %s%s%s", p->problem ? p->problem : "syntax error",
            p->context ? " " : "", p->context ? p->context : "");
    yaml_mark_t m = p->problem_mark;
    err_at_file(y->err, y->name, (int64_t)m.line + 1, (int64_t)m.column + 1, (int64_t)m.index);
    return CDLT_PARSE;
}

static cdlt_status y_next(yctx *y, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&y->parser, ev))
        return y_parser_err(y);
    return CDLT_OK;
}

static bool all_digits(const char *s, size_t n, int base)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        bool ok = base == 16 ? isxdigit(c) : base == 8 ? (c >= '0' && c <= '7') : isdigit(c);
        if (!ok)
            return false;
    }
    return true;
}

/* YAML 1.2 core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s, size_t n)
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

static bool eq_any(const char *s, size_t n, const char *const *opts, size_t nopts)
{
    for (size_t i = 0; i < nopts; i++)
        if (strlen(opts[i]) == n && memcmp(s, opts[i], n) == 0)
            return true;
    return false;
}

/* An integer beyond 64 bits as a BIGNUM in canonical decimal ("-?[1-9][0-9]*"), the form
 * JSON writers print verbatim and readers accept: no '+', no leading zeros, hex and octal
 * converted. digits[0..n) are valid digits of `base` (n < 128, so < 160 decimal digits). */
static jv y_bignum(arena *a, const char *digits, size_t n, int base, bool neg)
{
    unsigned char dec[160]; /* little-endian decimal digits */
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned carry = (unsigned)(isdigit((unsigned char)digits[i])
                                        ? digits[i] - '0'
                                        : tolower((unsigned char)digits[i]) - 'a' + 10);
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

/* Type a plain scalar by the YAML 1.2 core schema. */
static jv y_scalar(arena *a, const char *s, size_t n)
{
    static const char *nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *trues[] = {"true", "True", "TRUE"};
    static const char *falses[] = {"false", "False", "FALSE"};
    static const char *infs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
    static const char *ninfs[] = {"-.inf", "-.Inf", "-.INF"};
    static const char *nans[] = {".nan", ".NaN", ".NAN"};
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
    char num[128];
    if (n < sizeof num) {
        memcpy(num, s, n);
        num[n] = '\0';
        int base = 0;
        const char *digits = num;
        if (n > 2 && num[0] == '0' && num[1] == 'x' && all_digits(num + 2, n - 2, 16))
            base = 16, digits = num + 2;
        else if (n > 2 && num[0] == '0' && num[1] == 'o' && all_digits(num + 2, n - 2, 8))
            base = 8, digits = num + 2;
        else if (all_digits(num + (num[0] == '-' || num[0] == '+'), n - (num[0] == '-' || num[0] == '+'), 10))
            base = 10;
        if (base) {
            errno = 0;
            char *end;
            if (base == 10 && num[0] == '-') {
                long long v = strtoll(digits, &end, 10);
                if (errno == 0)
                    return jv_int(v);
            } else {
                unsigned long long v = strtoull(digits, &end, base);
                if (errno == 0) {
                    if (v <= INT64_MAX)
                        return jv_int((int64_t)v);
                    return (jv){.type = JV_UINT, .u.u = v};
                }
            }
            bool sign = base == 10 && (num[0] == '-' || num[0] == '+');
            return y_bignum(a, digits + sign, n - (size_t)(digits - num) - sign, base,
                            num[0] == '-');
        }
        if (is_float(num, n))
            return jv_double(strtod(num, NULL));
    }
    return jv_str(a, s, n);
}

static cdlt_status y_node(yctx *y, yaml_event_t *ev, int depth, jv *out);

/* Record an anchored node; `before` is y->nodes when the node started. */
static cdlt_status y_anchor(yctx *y, const yaml_char_t *anchor, const jv *v, size_t before)
{
    if (!anchor)
        return CDLT_OK;
    if (y->nanchors == y->capanchors) {
        size_t cap = y->capanchors ? y->capanchors * 2 : 8;
        yanchor *p = mem_realloc(y->anchors, cap * sizeof *p);
        if (!p)
            return err_nomem(y->err);
        y->anchors = p;
        y->capanchors = cap;
    }
    const char *name = arena_strndup(y->a, (const char *)anchor, strlen((const char *)anchor));
    if (!name)
        return err_nomem(y->err);
    y->anchors[y->nanchors++] = (yanchor){.name = name, .value = *v, .weight = y->nodes - before};
    return CDLT_OK;
}

/* `<<: *base` or `<<: [*a, *b]`: keys not set explicitly come from the merged maps; earlier
 * maps in the list win. */
static cdlt_status y_apply_merges(yctx *y, jv_builder *b, const jv *merges, size_t nmerges)
{
    for (size_t i = 0; i < nmerges; i++) {
        const jv *m = &merges[i];
        for (uint32_t k = 0; k < m->len; k++) {
            const jv_member *mm = &m->u.members[k];
            if (jv_getn(&b->value, mm->key, mm->klen))
                continue;
            if (jv_builder_set(b, y->a, mm->key, mm->klen, mm->value) != CDLT_OK)
                return err_nomem(y->err);
        }
    }
    return CDLT_OK;
}

static cdlt_status y_mapping(yctx *y, yaml_event_t *start, int depth, jv *out)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    size_t before = y->nodes++;
    jv merges[16];
    size_t nmerges = 0;
    yaml_char_t *anchor = start->data.mapping_start.anchor;
    char *anchor_copy = anchor ? mem_strdup((const char *)anchor) : NULL;
    if (anchor && !anchor_copy)
        return err_nomem(y->err);
    cdlt_status st = CDLT_OK;
    for (;;) {
        yaml_event_t kev;
        st = y_next(y, &kev);
        if (st != CDLT_OK)
            break;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        if (kev.type != YAML_SCALAR_EVENT) {
            st = y_err_at(y, kev.start_mark, "mapping keys must be plain text, not a list, map or "
                          "alias; quote the key", NULL);
            yaml_event_delete(&kev);
            break;
        }
        bool is_merge = kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                        kev.data.scalar.length == 2 && memcmp(kev.data.scalar.value, "<<", 2) == 0;
        char *key = arena_strndup(y->a, (const char *)kev.data.scalar.value, kev.data.scalar.length);
        size_t klen = kev.data.scalar.length;
        yaml_mark_t kmark = kev.start_mark;
        yaml_event_delete(&kev);
        if (!key) {
            st = err_nomem(y->err);
            break;
        }
        yaml_event_t vev;
        st = y_next(y, &vev);
        if (st != CDLT_OK)
            break;
        jv v;
        st = y_node(y, &vev, depth + 1, &v);
        if (st != CDLT_OK)
            break;
        if (is_merge) {
            size_t nsrc = v.type == JV_ARRAY ? v.len : 1;
            for (size_t i = 0; i < nsrc; i++) {
                const jv *src = v.type == JV_ARRAY ? &v.u.items[i] : &v;
                if (src->type != JV_OBJECT || nmerges >= CDLT_ARRAY_LEN(merges)) {
                    st = y_err_at(y, kmark, "'<<' must merge a map or a list of at most 16 maps", NULL);
                    break;
                }
                merges[nmerges++] = *src;
            }
            if (st != CDLT_OK)
                break;
            continue;
        }
        if (jv_builder_set(&b, y->a, key, klen, v) != CDLT_OK) {
            st = err_nomem(y->err);
            break;
        }
    }
    if (st == CDLT_OK)
        st = y_apply_merges(y, &b, merges, nmerges);
    if (st == CDLT_OK) {
        *out = b.value;
        st = y_anchor(y, (const yaml_char_t *)anchor_copy, out, before);
    }
    mem_free(anchor_copy);
    return st;
}

static cdlt_status y_sequence(yctx *y, yaml_event_t *start, int depth, jv *out)
{
    jv_builder b;
    jv_builder_init(&b, JV_ARRAY);
    size_t before = y->nodes++;
    yaml_char_t *anchor = start->data.sequence_start.anchor;
    char *anchor_copy = anchor ? mem_strdup((const char *)anchor) : NULL;
    if (anchor && !anchor_copy)
        return err_nomem(y->err);
    cdlt_status st = CDLT_OK;
    for (;;) {
        yaml_event_t ev;
        st = y_next(y, &ev);
        if (st != CDLT_OK)
            break;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        jv v;
        st = y_node(y, &ev, depth + 1, &v);
        if (st != CDLT_OK)
            break;
        if (jv_builder_push(&b, y->a, v) != CDLT_OK) {
            st = err_nomem(y->err);
            break;
        }
    }
    if (st == CDLT_OK) {
        *out = b.value;
        st = y_anchor(y, (const yaml_char_t *)anchor_copy, out, before);
    }
    mem_free(anchor_copy);
    return st;
}

/* Consumes (deletes) *ev. */
static cdlt_status y_node(yctx *y, yaml_event_t *ev, int depth, jv *out)
{
    cdlt_status st = CDLT_OK;
    if (depth > YAML_MAX_DEPTH) {
        st = y_err_at(y, ev->start_mark, "nesting deeper than 256 levels", NULL);
        yaml_event_delete(ev);
        return st;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        const char *s = (const char *)ev->data.scalar.value;
        size_t n = ev->data.scalar.length;
        const char *tag = (const char *)ev->data.scalar.tag;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                     !(tag && strcmp(tag, YAML_STR_TAG) == 0);
        *out = plain ? y_scalar(y->a, s, n) : jv_str(y->a, s, n);
        y->nodes++;
        if (jv_failed(out))
            st = err_nomem(y->err);
        else
            st = y_anchor(y, ev->data.scalar.anchor, out, y->nodes - 1);
        break;
    }
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        st = CDLT_NOT_FOUND;
        for (size_t i = y->nanchors; i-- > 0;)
            if (strcmp(y->anchors[i].name, name) == 0) {
                *out = y->anchors[i].value;
                y->nodes += y->anchors[i].weight;
                st = CDLT_OK;
                break;
            }
        if (st != CDLT_OK)
            st = y_err_at(y, ev->start_mark, "alias refers to an unknown anchor (anchors must be "
                          "defined before use, and not inside themselves):", name);
        else if (y->nodes > y->max_nodes)
            st = y_err_at(y, ev->start_mark, "aliases nested in aliases expand to more than the "
                          "document's size plus 1048576 values; flatten them. Stopped at alias",
                          name);
        break;
    }
    case YAML_MAPPING_START_EVENT:
        st = y_mapping(y, ev, depth, out);
        break;
    case YAML_SEQUENCE_START_EVENT:
        st = y_sequence(y, ev, depth, out);
        break;
    default:
        st = y_err_at(y, ev->start_mark, "unexpected YAML event", NULL);
        break;
    }
    yaml_event_delete(ev);
    return st;
}

cdlt_status cfg_yaml_parse(const char *text, size_t len, const char *name, arena *a, jv *out,
                           cdlt_error *err)
{
    *out = jv_null();
    yctx y;
    memset(&y, 0, sizeof y);
    y.a = a;
    y.name = name;
    y.err = err;
    y.max_nodes = len + YAML_MAX_ALIAS_NODES;
    if (!yaml_parser_initialize(&y.parser))
        return err_nomem(err);
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
    cdlt_status st = CDLT_OK;
    bool have_doc = false;
    for (;;) {
        yaml_event_t ev;
        st = y_next(&y, &ev);
        if (st != CDLT_OK)
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT && have_doc) {
            st = y_err_at(&y, ev.start_mark, "a definition holds one YAML document; remove the "
                          "second '---' document", NULL);
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
            t == YAML_DOCUMENT_END_EVENT) {
            have_doc |= t == YAML_DOCUMENT_START_EVENT;
            yaml_event_delete(&ev);
            continue;
        }
        st = y_node(&y, &ev, 0, out);
        if (st != CDLT_OK)
            break;
    }
    yaml_parser_delete(&y.parser);
    mem_free(y.anchors);
    return st;
}

/* ---- format detection and loading ---- */

static cfg_format by_extension(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot)
        return CFG_FMT_AUTO;
    if (strcasecmp(dot, ".toml") == 0)
        return CFG_FMT_TOML;
    if (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0)
        return CFG_FMT_YAML;
    if (strcasecmp(dot, ".json") == 0)
        return CFG_FMT_JSON;
    return CFG_FMT_AUTO;
}

cdlt_status cfg_definition_parse(const char *text, size_t len, const char *name, cfg_format fmt,
                                 arena *a, jv *out, cdlt_error *err)
{
    if (fmt == CFG_FMT_AUTO)
        fmt = by_extension(name);
    json_opts jo = {.max_depth = 512, .file = name};
    switch (fmt) {
    case CFG_FMT_TOML:
        return toml_parse(text, len, name, a, out, err);
    case CFG_FMT_YAML:
        return cfg_yaml_parse(text, len, name, a, out, err);
    case CFG_FMT_JSON:
        return json_parse(text, len, a, &jo, out, err);
    case CFG_FMT_AUTO:
        break;
    }
    /* By content: JSON starts with '{' (or '[' when it parses); TOML next; YAML last. */
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && text[i] == '{')
        return json_parse(text, len, a, &jo, out, err);
    if (i < len && text[i] == '[' && json_parse(text, len, a, &jo, out, NULL) == CDLT_OK)
        return CDLT_OK;
    cdlt_error toml_err;
    cdlt_error_clear(&toml_err);
    cdlt_status st = toml_parse(text, len, name, a, out, &toml_err);
    if (st == CDLT_OK || st == CDLT_NOMEM) {
        if (st == CDLT_NOMEM)
            err_nomem(err);
        return st;
    }
    st = cfg_yaml_parse(text, len, name, a, out, err);
    if (st == CDLT_OK && out->type != JV_OBJECT) {
        /* Neither format gave a table: report what TOML said, it is the likelier intent. */
        if (err)
            *err = toml_err;
        return err_hint(err, "name the file .toml, .yaml or .json so its format is known");
    }
    return st;
}

cdlt_status cfg_definition_load(const char *path, cfg_format fmt, arena *a, jv *out,
                                cdlt_error *err)
{
    char *text = NULL;
    size_t len = 0;
    cdlt_status st = cfg_read_file(path, &text, &len, err);
    if (st == CDLT_NOT_FOUND)
        return err_set(err, CDLT_NOT_FOUND, "pipeline definition %s does not exist; check the path",
                       path);
    if (st != CDLT_OK)
        return st;
    st = cfg_definition_parse(text, len, path, fmt, a, out, err);
    mem_free(text);
    return st;
}
