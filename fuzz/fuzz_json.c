/* fuzz_json.c: libFuzzer target for the JSON reader, writer and stream. Any input must either
 * parse into a tree that writes back (compact, sorted, pretty, ASCII) and re-parses to the same
 * tree, or fail with an error inside the input; the stream reader must survive the same bytes. */
#include "json/json_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Ordered, exact equality (stricter than jv_equal, which treats objects as key sets and so
 * cannot compare objects with duplicate keys). */
static bool same(const jv *a, const jv *b)
{
    if (a->type != b->type || a->len != b->len)
        return false;
    switch ((jv_type)a->type) {
    case JV_NULL:
        return true;
    case JV_BOOL:
        return a->u.b == b->u.b;
    case JV_INT:
    case JV_UINT:
        return a->u.u == b->u.u;
    case JV_DOUBLE:
        return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0;
    case JV_ARRAY:
        for (uint32_t i = 0; i < a->len; i++)
            if (!same(&a->u.items[i], &b->u.items[i]))
                return false;
        return true;
    case JV_OBJECT:
        for (uint32_t i = 0; i < a->len; i++) {
            const jv_member *x = &a->u.members[i], *y = &b->u.members[i];
            if (x->klen != y->klen || memcmp(x->key, y->key, x->klen) != 0 || x->key[x->klen] ||
                !same(&x->value, &y->value))
                return false;
        }
        return true;
    default:
        return memcmp(a->u.s, b->u.s, a->len) == 0 && a->u.s[a->len] == '\0' &&
               b->u.s[b->len] == '\0';
    }
}

static bool has_dup_keys(const jv *v)
{
    if (v->type == JV_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++)
            if (has_dup_keys(&v->u.items[i]))
                return true;
    } else if (v->type == JV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++) {
            for (uint32_t j = 0; j < i; j++)
                if (v->u.members[i].klen == v->u.members[j].klen &&
                    memcmp(v->u.members[i].key, v->u.members[j].key, v->u.members[i].klen) == 0)
                    return true;
            if (has_dup_keys(&v->u.members[i].value))
                return true;
        }
    }
    return false;
}

static void reparse(const jv *v, unsigned flags, arena *a)
{
    buf b = BUF_INIT;
    if (json_write(&b, v, flags) != CDLT_OK)
        abort();
    jv w;
    cdlt_error e;
    cdlt_error_clear(&e);
    if (json_parse(b.data, b.len, a, NULL, &w, &e) != CDLT_OK) {
        fprintf(stderr, "written text does not parse: %s\n%s\n", e.message, b.data);
        abort();
    }
    if (flags & JSON_W_SORT_KEYS) {
        if (!has_dup_keys(v) && !jv_equal(v, &w))
            abort();
    } else if (!same(v, &w)) {
        fprintf(stderr, "round trip differs:\n%s\n", b.data);
        abort();
    }
    if (!has_dup_keys(v) && !jv_equal(v, &w))
        abort();
    buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena a;
    arena_init(&a, 4096, 64u << 20);
    jv v;
    cdlt_error e;
    cdlt_error_clear(&e);
    cdlt_status st = json_parse((const char *)data, size, &a, NULL, &v, &e);
    if (st == CDLT_OK) {
        reparse(&v, 0, &a);
        reparse(&v, JSON_W_SORT_KEYS, &a);
        reparse(&v, JSON_W_PRETTY, &a);
        reparse(&v, JSON_W_ASCII | JSON_W_PRETTY, &a);
    } else if (st != CDLT_NOMEM && (e.offset < 0 || (size_t)e.offset > size || e.line < 1 ||
                                    e.column < 1)) {
        fprintf(stderr, "error position outside the input: %s\n", e.message);
        abort();
    }
    arena_reset(&a);

    json_stream *s = NULL;
    if (json_stream_open_mem((const char *)data, size, NULL, &s, &e) == CDLT_OK) {
        for (size_t i = 0; i < size + 2; i++) {
            bool eof = false;
            st = json_stream_next(s, &a, &v, &eof, &e);
            if (st == CDLT_OK && eof)
                break;
            if (st != CDLT_OK && (e.offset < 0 || (size_t)e.offset > size || e.line < 1))
                abort();
            if (st == CDLT_OK && (json_stream_bytes_read(s) > size))
                abort();
            arena_reset(&a);
        }
        json_stream_close(s);
    }
    arena_free(&a);
    return 0;
}
