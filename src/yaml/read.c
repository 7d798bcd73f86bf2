/* read.c: YAML text -> `jv` with libyaml's event parser, for pipeline definitions and schema
 * files alike. Anchors, aliases and `<<` merges resolve; alias bombs, deep nesting and extra
 * documents are refused with file:line:col errors (hardened by fuzz_config_yaml). */
#include "yaml/yaml_int.h"

#include <yaml.h>

#define YAML_MAX_DEPTH 256
/* Aliases share their anchor's tree, so a few hundred bytes of nested aliases ("billion
 * laughs") can stand for billions of values that every consumer walking the tree would visit.
 * A document may expand to at most its own byte length plus this many values. */
#define YAML_MAX_ALIAS_NODES (1u << 20)

typedef struct yanchor {
    const char *name; /* anchor name (arena) */
    jv value;         /* the anchored node (shares storage: trees are immutable) */
    size_t weight;    /* values in the node counting alias expansions (itself included) */
} yanchor;

typedef struct yctx {
    yaml_parser_t parser; /* libyaml state */
    arena *a;             /* where values go */
    const char *name;     /* file name for errors (may be NULL) */
    cdlt_error *err;      /* error out */
    yaml_typing typing;   /* how plain scalars are typed */
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

/* Is the scalar typed by its text? Plain scalars are unless tagged !!str; quoted ones only with
 * an explicit core tag (!!int "5" is 5, as YAML says). */
static bool y_typed(const yaml_event_t *ev)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return !(tag && strcmp(tag, YAML_STR_TAG) == 0);
    return tag && (strcmp(tag, YAML_INT_TAG) == 0 || strcmp(tag, YAML_FLOAT_TAG) == 0 ||
                   strcmp(tag, YAML_BOOL_TAG) == 0 || strcmp(tag, YAML_NULL_TAG) == 0);
}

static cdlt_status y_node(yctx *y, yaml_event_t *ev, int depth, jv *out);

/* Record an anchored node; `before` is y->nodes when the node started. */
static cdlt_status y_anchor(yctx *y, const yaml_char_t *anchor, const jv *v, size_t before)
{
    if (!anchor)
        return CDLT_OK;
    yanchor *p = mem_grow(y->anchors, y->nanchors, &y->capanchors, sizeof *p, 8);
    if (!p)
        return err_nomem(y->err);
    y->anchors = p;
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

/* Keys are kept as their text (a column named `on` or `1_000` stays that name). */
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
        *out = y_typed(ev) ? yaml_resolve(y->a, s, n, y->typing) : jv_str(y->a, s, n);
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

cdlt_status yaml_read_typed(const char *text, size_t len, const char *file, yaml_typing typing,
                            arena *a, jv *out, cdlt_error *err)
{
    *out = jv_null();
    yctx y;
    memset(&y, 0, sizeof y);
    y.a = a;
    y.name = file;
    y.err = err;
    y.typing = typing;
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
            st = y_err_at(&y, ev.start_mark, "the file must hold one YAML document; remove the "
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

cdlt_status yaml_read(const char *text, size_t len, const char *file, arena *a, jv *out,
                      cdlt_error *err)
{
    return yaml_read_typed(text, len, file, YAML_TYPING_CORE, a, out, err);
}
