/* map.c: open-addressing (linear probing) hash map from borrowed string keys to pointers.
 * Used on hot paths (column lookup per value), so lookups compare a 32-bit hash before bytes. */
#include "core.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

uint64_t hash_bytes(const void *p, size_t n) { return XXH3_64bits(p, n); }

void map_init(map *m)
{
    m->slots = NULL;
    m->capacity = 0;
    m->count = 0;
}

void map_free(map *m)
{
    mem_free(m->slots);
    map_init(m);
}

void map_clear(map *m)
{
    if (m->slots)
        memset(m->slots, 0, m->capacity * sizeof(map_entry));
    m->count = 0;
}

static map_entry *find_slot(map_entry *slots, size_t cap, const char *key, size_t klen,
                            uint32_t h32)
{
    size_t mask = cap - 1;
    size_t i = h32 & mask;
    for (;;) {
        map_entry *e = &slots[i];
        if (!e->key || (e->hash32 == h32 && e->klen == klen && memcmp(e->key, key, klen) == 0))
            return e;
        i = (i + 1) & mask;
    }
}

void *map_get_h(const map *m, const char *key, size_t klen, uint64_t hash)
{
    if (!m->count)
        return NULL;
    map_entry *e = find_slot(m->slots, m->capacity, key, klen, (uint32_t)hash);
    return e->key ? e->value : NULL;
}

void *map_get(const map *m, const char *key, size_t klen)
{
    if (!m->count)
        return NULL;
    return map_get_h(m, key, klen, hash_bytes(key, klen));
}

static cdlt_status grow(map *m)
{
    size_t cap = m->capacity ? m->capacity * 2 : 16;
    map_entry *slots = mem_calloc(cap, sizeof(map_entry));
    if (!slots)
        return CDLT_NOMEM;
    for (size_t i = 0; i < m->capacity; i++) {
        map_entry *o = &m->slots[i];
        if (o->key)
            *find_slot(slots, cap, o->key, o->klen, o->hash32) = *o;
    }
    mem_free(m->slots);
    m->slots = slots;
    m->capacity = cap;
    return CDLT_OK;
}

cdlt_status map_put_h(map *m, const char *key, size_t klen, uint64_t hash, void *value)
{
    if (klen > UINT32_MAX)
        return CDLT_TOO_LARGE;
    /* Load factor <= 1/2 keeps probe chains short. */
    if ((m->count + 1) * 2 > m->capacity) {
        cdlt_status st = grow(m);
        if (st != CDLT_OK)
            return st;
    }
    map_entry *e = find_slot(m->slots, m->capacity, key, klen, (uint32_t)hash);
    if (!e->key) {
        e->key = key;
        e->klen = (uint32_t)klen;
        e->hash32 = (uint32_t)hash;
        m->count++;
    }
    e->value = value;
    return CDLT_OK;
}

cdlt_status map_put(map *m, const char *key, size_t klen, void *value)
{
    return map_put_h(m, key, klen, hash_bytes(key, klen), value);
}

bool map_next(const map *m, size_t *iter, const map_entry **out_entry)
{
    for (size_t i = *iter; i < m->capacity; i++) {
        if (m->slots[i].key) {
            *out_entry = &m->slots[i];
            *iter = i + 1;
            return true;
        }
    }
    *iter = m->capacity;
    return false;
}
