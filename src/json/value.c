/* value.c: building and querying `jv` trees (used by TOML, YAML and config code; the JSON
 * reader builds arrays directly for speed). */
#include "json.h"

const char *jv_type_name(jv_type t)
{
    static const char *names[] = {"null",     "bool",   "integer", "integer",  "bignum",
                                  "float",    "string", "array",   "object",   "datetime",
                                  "datetime-local", "date-local", "time-local"};
    return (unsigned)t < CDLT_ARRAY_LEN(names) ? names[t] : "unknown";
}

jv jv_null(void) { return (jv){.type = JV_NULL}; }
jv jv_bool(bool b) { return (jv){.type = JV_BOOL, .u.b = b}; }
jv jv_int(int64_t i) { return (jv){.type = JV_INT, .u.i = i}; }
jv jv_double(double d) { return (jv){.type = JV_DOUBLE, .u.d = d}; }

jv jv_str_typed(arena *a, jv_type t, const char *s, size_t n)
{
    if (n > UINT32_MAX)
        return (jv){.type = JV_NULL, .flags = 0xFF};
    char *p = arena_strndup(a, s, n);
    if (!p)
        return (jv){.type = JV_NULL, .flags = 0xFF};
    return (jv){.type = (uint8_t)t, .len = (uint32_t)n, .u.s = p};
}

jv jv_str(arena *a, const char *s, size_t n) { return jv_str_typed(a, JV_STRING, s, n); }

void jv_builder_init(jv_builder *b, jv_type t)
{
    memset(b, 0, sizeof *b);
    b->value.type = (uint8_t)t;
}

static cdlt_status ensure(jv_builder *b, arena *a, size_t elem)
{
    if (b->value.len < b->cap)
        return CDLT_OK;
    uint32_t cap = b->cap ? b->cap * 2 : 4;
    void *old = b->value.type == JV_ARRAY ? (void *)b->value.u.items : (void *)b->value.u.members;
    void *p = arena_grow(a, old, (size_t)b->cap * elem, (size_t)cap * elem);
    if (!p)
        return CDLT_NOMEM;
    if (b->value.type == JV_ARRAY)
        b->value.u.items = p;
    else
        b->value.u.members = p;
    b->cap = cap;
    return CDLT_OK;
}

cdlt_status jv_builder_push(jv_builder *b, arena *a, jv item)
{
    if (b->value.type != JV_ARRAY)
        return CDLT_INVALID_ARG;
    cdlt_status st = ensure(b, a, sizeof(jv));
    if (st != CDLT_OK)
        return st;
    b->value.u.items[b->value.len++] = item;
    return CDLT_OK;
}

cdlt_status jv_builder_set(jv_builder *b, arena *a, const char *key, size_t klen, jv value)
{
    if (b->value.type != JV_OBJECT || klen > UINT32_MAX)
        return CDLT_INVALID_ARG;
    cdlt_status st = ensure(b, a, sizeof(jv_member));
    if (st != CDLT_OK)
        return st;
    char *k = arena_strndup(a, key, klen);
    if (!k)
        return CDLT_NOMEM;
    jv_member *m = &b->value.u.members[b->value.len++];
    m->key = k;
    m->klen = (uint32_t)klen;
    m->pad_ = 0;
    m->value = value;
    return CDLT_OK;
}

const jv *jv_getn(const jv *obj, const char *key, size_t klen)
{
    if (!obj || obj->type != JV_OBJECT)
        return NULL;
    for (uint32_t i = obj->len; i-- > 0;) {
        const jv_member *m = &obj->u.members[i];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0)
            return &m->value;
    }
    return NULL;
}

const jv *jv_get(const jv *obj, const char *key) { return jv_getn(obj, key, strlen(key)); }

const jv *jv_get_path(const jv *root, const char *dotted)
{
    const jv *cur = root;
    const char *p = dotted;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        cur = jv_getn(cur, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
    return cur;
}

bool jv_equal(const jv *a, const jv *b)
{
    if (a->type != b->type) {
        /* Integers compare by value across INT/UINT only when equal in range. */
        return false;
    }
    switch ((jv_type)a->type) {
    case JV_NULL:
        return true;
    case JV_BOOL:
        return a->u.b == b->u.b;
    case JV_INT:
        return a->u.i == b->u.i;
    case JV_UINT:
        return a->u.u == b->u.u;
    case JV_DOUBLE:
        return a->u.d == b->u.d || (a->u.d != a->u.d && b->u.d != b->u.d);
    case JV_BIGNUM:
    case JV_STRING:
    case JV_DATETIME:
    case JV_DATETIME_LOCAL:
    case JV_DATE_LOCAL:
    case JV_TIME_LOCAL:
        return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
    case JV_ARRAY:
        if (a->len != b->len)
            return false;
        for (uint32_t i = 0; i < a->len; i++)
            if (!jv_equal(&a->u.items[i], &b->u.items[i]))
                return false;
        return true;
    case JV_OBJECT:
        if (a->len != b->len)
            return false;
        for (uint32_t i = 0; i < a->len; i++) {
            const jv_member *m = &a->u.members[i];
            const jv *o = jv_getn(b, m->key, m->klen);
            if (!o || !jv_equal(&m->value, o))
                return false;
        }
        return true;
    }
    return false;
}

cdlt_status jv_copy(arena *a, const jv *src, jv *out)
{
    *out = *src;
    switch ((jv_type)src->type) {
    case JV_BIGNUM:
    case JV_STRING:
    case JV_DATETIME:
    case JV_DATETIME_LOCAL:
    case JV_DATE_LOCAL:
    case JV_TIME_LOCAL: {
        char *p = arena_strndup(a, src->u.s, src->len);
        if (!p)
            return CDLT_NOMEM;
        out->u.s = p;
        return CDLT_OK;
    }
    case JV_ARRAY: {
        jv *items = arena_alloc(a, (size_t)src->len * sizeof(jv));
        if (!items && src->len)
            return CDLT_NOMEM;
        for (uint32_t i = 0; i < src->len; i++) {
            cdlt_status st = jv_copy(a, &src->u.items[i], &items[i]);
            if (st != CDLT_OK)
                return st;
        }
        out->u.items = items;
        return CDLT_OK;
    }
    case JV_OBJECT: {
        jv_member *ms = arena_alloc(a, (size_t)src->len * sizeof(jv_member));
        if (!ms && src->len)
            return CDLT_NOMEM;
        for (uint32_t i = 0; i < src->len; i++) {
            const jv_member *m = &src->u.members[i];
            char *k = arena_strndup(a, m->key, m->klen);
            if (!k)
                return CDLT_NOMEM;
            ms[i].key = k;
            ms[i].klen = m->klen;
            ms[i].pad_ = 0;
            cdlt_status st = jv_copy(a, &m->value, &ms[i].value);
            if (st != CDLT_OK)
                return st;
        }
        out->u.members = ms;
        return CDLT_OK;
    }
    default:
        return CDLT_OK;
    }
}
