/* values.c: dispatch on the first byte of a TOML value, and the two compound values: arrays
 * (multi-line, comments, trailing comma, mixed types) and inline tables (one line, immutable). */
#include "toml_internal.h"

/* A value must be followed by whitespace, a newline, a comment or a closing/separating
 * bracket; "1979-05-27x" or "\"a\"b" is an error at the offending byte. */
static cdlt_status check_delim(toml_parser *p, const char *what)
{
    if (p->p >= p->end)
        return CDLT_OK;
    char c = *p->p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#' || c == ',' || c == ']' ||
        c == '}')
        return CDLT_OK;
    char tmp[48];
    return toml_fail(p, p->p, "unexpected %s right after %s; expected whitespace, a newline, "
                              "',' or a closing bracket",
                     toml_describe(p, p->p, tmp, sizeof tmp), what);
}

static cdlt_status array(toml_parser *p, jv *out)
{
    const char *open = p->p++;
    jv_builder b;
    jv_builder_init(&b, JV_ARRAY);
    for (;;) {
        cdlt_status st = toml_skip_ws_nl(p);
        if (st != CDLT_OK)
            return st;
        if (p->p >= p->end)
            return toml_fail(p, open, "unterminated array; expected ']'");
        if (*p->p == ']') {
            p->p++;
            break;
        }
        jv item;
        st = toml_parse_value(p, &item);
        if (st != CDLT_OK)
            return st;
        if (jv_builder_push(&b, p->out, item) != CDLT_OK)
            return toml_nomem(p);
        st = toml_skip_ws_nl(p);
        if (st != CDLT_OK)
            return st;
        if (p->p < p->end && *p->p == ',') {
            p->p++;
            continue;
        }
        if (p->p < p->end && *p->p == ']') {
            p->p++;
            break;
        }
        if (p->p >= p->end)
            return toml_fail(p, open, "unterminated array; expected ']'");
        char tmp[48];
        return toml_fail(p, p->p, "unexpected %s in array; expected ',' or ']'",
                         toml_describe(p, p->p, tmp, sizeof tmp));
    }
    *out = b.value;
    return CDLT_OK;
}

/* Inline whitespace only: newlines are not allowed inside inline tables in TOML 1.0. */
static cdlt_status inline_ws(toml_parser *p, const char *open, const char *expected)
{
    toml_skip_ws(p);
    if (p->p >= p->end)
        return toml_fail(p, open, "unterminated inline table; expected '}'");
    if (*p->p == '\n' || *p->p == '\r' || *p->p == '#')
        return toml_fail(p, p->p,
                         "%s inside an inline table; TOML 1.0 inline tables must stay on one line "
                         "(use a [table] section for multi-line content); expected %s",
                         *p->p == '#' ? "comment" : "newline", expected);
    return CDLT_OK;
}

static cdlt_status inline_table(toml_parser *p, jv *out)
{
    const char *open = p->p++;
    toml_node *t = toml_node_root(p);
    if (!t)
        return toml_nomem(p);
    /* All dotted keys of one inline table belong to one section of their own. */
    uint32_t section = p->next_id++;
    cdlt_status st = inline_ws(p, open, "a key or '}'");
    if (st != CDLT_OK)
        return st;
    if (*p->p == '}') {
        p->p++;
        return toml_node_to_jv(p, t, out);
    }
    for (;;) {
        toml_key *keys;
        uint32_t n;
        st = toml_parse_key(p, &keys, &n);
        if (st != CDLT_OK)
            return st;
        st = inline_ws(p, open, "'='");
        if (st != CDLT_OK)
            return st;
        if (*p->p != '=') {
            char tmp[48];
            return toml_fail(p, p->p, "unexpected %s after a key in an inline table; expected '='",
                             toml_describe(p, p->p, tmp, sizeof tmp));
        }
        p->p++;
        st = inline_ws(p, open, "a value");
        if (st != CDLT_OK)
            return st;
        jv v;
        st = toml_parse_value(p, &v);
        if (st != CDLT_OK)
            return st;
        st = toml_put(p, t, keys, n, section, v);
        if (st != CDLT_OK)
            return st;
        st = inline_ws(p, open, "',' or '}'");
        if (st != CDLT_OK)
            return st;
        if (*p->p == '}') {
            p->p++;
            break;
        }
        if (*p->p != ',') {
            char tmp[48];
            return toml_fail(p, p->p, "unexpected %s in inline table; expected ',' or '}'",
                             toml_describe(p, p->p, tmp, sizeof tmp));
        }
        p->p++;
        st = inline_ws(p, open, "a key");
        if (st != CDLT_OK)
            return st;
        if (*p->p == '}')
            return toml_fail(p, p->p, "trailing comma in inline table; TOML 1.0 expects a key "
                                      "after ',' (remove the comma)");
    }
    return toml_node_to_jv(p, t, out);
}

static cdlt_status datetime(toml_parser *p, jv *out)
{
    toml_dt dt;
    const char *why = NULL;
    size_t bad = 0;
    size_t used = toml_datetime_scan(p->p, (size_t)(p->end - p->p), &dt, &why, &bad);
    if (!used)
        return toml_fail(p, p->p + bad, "invalid date/time: %s", why);
    p->p += used;
    cdlt_status st = check_delim(p, "a date/time");
    if (st != CDLT_OK)
        return st;
    *out = jv_str_typed(p->out, dt.type, dt.text, dt.len);
    return jv_failed(out) ? toml_nomem(p) : CDLT_OK;
}

cdlt_status toml_parse_value(toml_parser *p, jv *out)
{
    if (p->p >= p->end)
        return toml_fail(p, p->p, "unexpected end of file; expected a value");
    char c = *p->p;
    cdlt_status st;
    if (c == '"' || c == '\'') {
        st = toml_parse_string(p, true);
        if (st != CDLT_OK)
            return st;
        st = check_delim(p, "a string");
        if (st != CDLT_OK)
            return st;
        *out = jv_str(p->out, buf_cstr(&p->tmp), p->tmp.len);
        return jv_failed(out) ? toml_nomem(p) : CDLT_OK;
    }
    if (c == '[' || c == '{') {
        if (p->nest >= TOML_MAX_NEST)
            return toml_fail(p, p->p, "arrays/inline tables nested deeper than %d levels; "
                                      "expected flatter data",
                             TOML_MAX_NEST);
        p->nest++;
        st = c == '[' ? array(p, out) : inline_table(p, out);
        p->nest--;
        if (st != CDLT_OK)
            return st;
        return check_delim(p, c == '[' ? "an array" : "an inline table");
    }
    if (toml_datetime_starts(p->p, (size_t)(p->end - p->p)))
        return datetime(p, out);
    st = toml_parse_scalar(p, out);
    if (st != CDLT_OK)
        return st;
    return check_delim(p, "a value");
}
