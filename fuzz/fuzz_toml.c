/* fuzz_toml.c: libFuzzer target for the TOML reader. Any input must yield either a tree whose
 * invariants hold or a CDLT_PARSE/NOMEM error with a position inside the input. */
#include "toml/toml_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Walk the tree, checking what consumers rely on: NUL-terminated strings and keys, counts
 * that match, and date/time texts that are canonical (re-scanning gives the same text). */
static void check(const jv *v, int depth)
{
    if (depth > TOML_MAX_DEPTH + TOML_MAX_NEST + 2)
        abort();
    switch ((jv_type)v->type) {
    case JV_STRING:
        if (v->u.s[v->len] != '\0')
            abort();
        break;
    case JV_DATETIME:
    case JV_DATETIME_LOCAL:
    case JV_DATE_LOCAL:
    case JV_TIME_LOCAL: {
        toml_dt dt;
        const char *why;
        size_t bad;
        size_t used = toml_datetime_scan(v->u.s, v->len, &dt, &why, &bad);
        if (used != v->len || dt.type != (jv_type)v->type || strcmp(dt.text, v->u.s) != 0)
            abort();
        break;
    }
    case JV_ARRAY:
        for (uint32_t i = 0; i < v->len; i++)
            check(&v->u.items[i], depth + 1);
        break;
    case JV_OBJECT:
        for (uint32_t i = 0; i < v->len; i++) {
            const jv_member *m = &v->u.members[i];
            if (m->key[m->klen] != '\0')
                abort();
            check(&m->value, depth + 1);
        }
        break;
    case JV_BOOL:
    case JV_INT:
    case JV_DOUBLE:
        break;
    default:
        abort(); /* the TOML reader makes no null, uint or bignum */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv v;
    cdlt_status st = toml_parse((const char *)data, size, "fuzz.toml", &a, &v, &e);
    if (st == CDLT_OK) {
        if (v.type != JV_OBJECT)
            abort();
        check(&v, 0);
    } else if (st == CDLT_PARSE) {
        if (e.line < 1 || e.column < 1 || e.offset < 0 || (size_t)e.offset > size ||
            !e.message[0])
            abort();
    } else if (st != CDLT_NOMEM) {
        abort();
    }
    arena_free(&a);
    return 0;
}
