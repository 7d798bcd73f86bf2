/* fuzz_config_yaml.c: libFuzzer target for the YAML reader of definition files. Any input must
 * either fail with a positioned error or give a tree that writes as JSON and reads back equal. */
#include "config/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (64u << 10)

/* Ordered exact equality, duplicate keys included. With `json` (y against its JSON re-read)
 * non-finite doubles (.inf, .nan) must have become null, as the writer prints them. */
static bool same(const jv *y, const jv *j, bool json)
{
    if (json && y->type == JV_DOUBLE && !isfinite(y->u.d))
        return j->type == JV_NULL;
    if (y->type != j->type || y->len != j->len)
        return false;
    switch ((jv_type)y->type) {
    case JV_NULL:
        return true;
    case JV_BOOL:
        return y->u.b == j->u.b;
    case JV_INT:
    case JV_UINT:
        return y->u.u == j->u.u;
    case JV_DOUBLE: /* bitwise: -0.0 stays -0.0, NaN equals NaN */
        return memcmp(&y->u.d, &j->u.d, sizeof(double)) == 0;
    case JV_ARRAY:
        for (uint32_t i = 0; i < y->len; i++)
            if (!same(&y->u.items[i], &j->u.items[i], json))
                return false;
        return true;
    case JV_OBJECT:
        for (uint32_t i = 0; i < y->len; i++) {
            const jv_member *a = &y->u.members[i], *b = &j->u.members[i];
            if (a->klen != b->klen || memcmp(a->key, b->key, a->klen) != 0 || a->key[a->klen] ||
                !same(&a->value, &b->value, json))
                return false;
        }
        return true;
    default:
        return memcmp(y->u.s, j->u.s, y->len) == 0 && y->u.s[y->len] == '\0';
    }
}

static bool has_dups_or_nonfinite(const jv *v)
{
    if (v->type == JV_DOUBLE)
        return !isfinite(v->u.d);
    if (v->type == JV_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++)
            if (has_dups_or_nonfinite(&v->u.items[i]))
                return true;
    } else if (v->type == JV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++) {
            for (uint32_t k = 0; k < i; k++)
                if (v->u.members[i].klen == v->u.members[k].klen &&
                    memcmp(v->u.members[i].key, v->u.members[k].key, v->u.members[i].klen) == 0)
                    return true;
            if (has_dups_or_nonfinite(&v->u.members[i].value))
                return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    cdlt_status st = cfg_yaml_parse((const char *)data, size, "fuzz.yaml", &a, &v, &e);
    if (st == CDLT_PARSE) {
        if (e.line < 1 || e.column < 1 || e.offset < 0 || (size_t)e.offset > size ||
            !e.message[0])
            abort();
    } else if (st == CDLT_OK) {
        buf b = BUF_INIT;
        if (json_write(&b, &v, 0) != CDLT_OK)
            abort();
        jv w;
        cdlt_error_clear(&e);
        if (json_parse(buf_cstr(&b), b.len, &a, NULL, &w, &e) != CDLT_OK) {
            fprintf(stderr, "JSON of the YAML tree does not parse: %s\n%s\n", e.message,
                    buf_cstr(&b));
            abort();
        }
        if (!same(&v, &w, true) || (!has_dups_or_nonfinite(&v) && !jv_equal(&v, &w))) {
            fprintf(stderr, "JSON round trip differs:\n%s\n", buf_cstr(&b));
            abort();
        }
        buf_free(&b);
        /* the definition front door must agree for a .yaml name */
        jv d;
        if (cfg_definition_parse((const char *)data, size, "fuzz.yaml", CFG_FMT_YAML, &a, &d,
                                 &e) != CDLT_OK ||
            !same(&v, &d, false))
            abort();
    } else if (st != CDLT_NOMEM) {
        abort();
    }
    /* format detection by content (JSON, then TOML, then YAML) must not trip on any bytes */
    jv d;
    cdlt_error_clear(&e);
    st = cfg_definition_parse((const char *)data, size, NULL, CFG_FMT_AUTO, &a, &d, &e);
    if (st != CDLT_OK && st != CDLT_NOMEM && !e.message[0]) { /* PARSE, UTF8, ... */
        fprintf(stderr, "format detection: %s [%s]\n", cdlt_status_name(st), e.message);
        abort();
    }
    arena_free(&a);
    return 0;
}
