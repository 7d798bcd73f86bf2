/* intern.c: one stable copy per distinct string, with a dense id, so hot paths compare and
 * hash names once (e.g. JSON keys -> column names). */
#include "core.h"

void intern_init(intern *in)
{
    map_init(&in->index);
    arena_init(&in->mem, 16 * 1024, 0);
    in->by_id = NULL;
    in->count = in->cap = 0;
}

void intern_free(intern *in)
{
    map_free(&in->index);
    arena_free(&in->mem);
    mem_free(in->by_id);
    in->by_id = NULL;
    in->count = in->cap = 0;
}

const istr *intern_find(const intern *in, const char *s, size_t len)
{
    return map_get(&in->index, s, len);
}

const istr *intern_get(intern *in, const char *s, size_t len)
{
    uint64_t h = hash_bytes(s, len);
    istr *found = map_get_h(&in->index, s, len, h);
    if (found)
        return found;
    if (len > UINT32_MAX || in->count >= UINT32_MAX)
        return NULL;
    istr **ids = mem_grow(in->by_id, in->count, &in->cap, sizeof *ids, 64);
    if (!ids)
        return NULL;
    in->by_id = ids;
    istr *x = arena_alloc(&in->mem, sizeof(istr) + len + 1);
    if (!x)
        return NULL;
    x->len = (uint32_t)len;
    x->id = (uint32_t)in->count;
    x->hash = h;
    memcpy(x->s, s, len);
    x->s[len] = '\0';
    if (map_put_h(&in->index, x->s, len, h, x) != CDLT_OK)
        return NULL;
    in->by_id[in->count++] = x;
    return x;
}
