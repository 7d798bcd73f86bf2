/* parse.c: toml_parse, the document loop: BOM and UTF-8 check, then one expression per line
 * ([header], [[header]], key = value, comment or blank), then the jv tree of the root. */
#include "toml_internal.h"

static cdlt_status header(toml_parser *p)
{
    const char *at = p->p;
    bool aot = p->p + 1 < p->end && p->p[1] == '[';
    p->p += aot ? 2 : 1;
    toml_key *keys;
    uint32_t n;
    cdlt_status st = toml_parse_key(p, &keys, &n);
    if (st != CDLT_OK)
        return st;
    if (aot ? !(p->p + 1 < p->end && p->p[0] == ']' && p->p[1] == ']')
            : !(p->p < p->end && p->p[0] == ']')) {
        char tmp[48];
        return toml_fail(p, p->p, "unexpected %s in table header; expected '%s'",
                         toml_describe(p, p->p, tmp, sizeof tmp), aot ? "]]" : "]");
    }
    p->p += aot ? 2 : 1;
    st = toml_open_table(p, keys, n, aot, at);
    if (st != CDLT_OK)
        return st;
    return toml_expect_eol(p, aot ? "an [[array of tables]] header" : "a [table] header");
}

static cdlt_status keyval(toml_parser *p)
{
    toml_key *keys;
    uint32_t n;
    cdlt_status st = toml_parse_key(p, &keys, &n);
    if (st != CDLT_OK)
        return st;
    if (p->p >= p->end || *p->p != '=') {
        char tmp[48];
        return toml_fail(p, p->p, "unexpected %s after a key; expected '=' and a value",
                         toml_describe(p, p->p, tmp, sizeof tmp));
    }
    p->p++;
    toml_skip_ws(p);
    if (p->p >= p->end || *p->p == '\n' || *p->p == '\r' || *p->p == '#')
        return toml_fail(p, p->p, "missing value after '='; expected a value on the same line");
    jv v;
    st = toml_parse_value(p, &v);
    if (st != CDLT_OK)
        return st;
    st = toml_put(p, p->cur, keys, n, p->section, v);
    if (st != CDLT_OK)
        return st;
    return toml_expect_eol(p, "a value");
}

static cdlt_status document(toml_parser *p)
{
    /* A UTF-8 byte order mark is allowed (and ignored) at the very start only. */
    if (p->end - p->p >= 3 && memcmp(p->p, "\xEF\xBB\xBF", 3) == 0)
        p->p += 3;
    cdlt_status st = toml_check_utf8(p);
    if (st != CDLT_OK)
        return st;
    st = toml_tables_init(p);
    if (st != CDLT_OK)
        return st;
    for (;;) {
        st = toml_skip_ws_nl(p);
        if (st != CDLT_OK)
            return st;
        if (p->p >= p->end)
            return CDLT_OK;
        st = *p->p == '[' ? header(p) : keyval(p);
        if (st != CDLT_OK)
            return st;
    }
}

cdlt_status toml_parse(const char *text, size_t len, const char *file, arena *a, jv *out,
                       cdlt_error *err)
{
    *out = jv_null();
    if (!text && len)
        return err_set(err, CDLT_INVALID_ARG, "toml_parse: NULL text");
    toml_parser p;
    memset(&p, 0, sizeof p);
    p.text = text ? text : "";
    p.p = p.text;
    p.end = p.text + len;
    p.file = file;
    p.out = a;
    p.err = err;
    arena_init(&p.scratch, 16384, 0);
    map_init(&p.index);
    buf_init(&p.tmp, 0);
    buf_init(&p.ikey, 0);
    cdlt_status st = document(&p);
    jv root;
    if (st == CDLT_OK)
        st = toml_node_to_jv(&p, p.root, &root);
    if (st == CDLT_OK)
        *out = root;
    buf_free(&p.ikey);
    buf_free(&p.tmp);
    map_free(&p.index);
    arena_free(&p.scratch);
    return st;
}
