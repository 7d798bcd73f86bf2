/* arena.c: bump allocator for batch lifetimes (a page of items and the rows made from it).
 * Reset keeps the largest chunk, so a steady stream of batches allocates nothing. */
#include "core.h"

struct arena_chunk {
    arena_chunk *next; /* older chunk */
    size_t size;       /* usable bytes in data[] */
    size_t used;       /* bytes handed out */
    _Alignas(16) unsigned char data[];
};

#define ARENA_ALIGN 8u

void arena_init(arena *a, size_t chunk_size, size_t max_reserved)
{
    memset(a, 0, sizeof *a);
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    a->max_reserved = max_reserved;
}

static arena_chunk *chunk_new(arena *a, size_t min_size)
{
    size_t size = a->chunk_size;
    while (size < min_size) {
        if (size > SIZE_MAX / 2)
            return NULL;
        size *= 2;
    }
    if (a->max_reserved && a->reserved + size > a->max_reserved)
        return NULL;
    arena_chunk *c = mem_alloc(sizeof(arena_chunk) + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    c->next = NULL;
    a->reserved += size;
    return c;
}

void *arena_alloc(arena *a, size_t size)
{
    size_t need = (size + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size)
        return NULL;
    arena_chunk *c = a->head;
    if (CDLT_UNLIKELY(!c || c->size - c->used < need)) {
        /* Reuse a spare chunk when it is large enough, else make a new one. */
        arena_chunk *n = NULL;
        if (a->spare && a->spare->size >= need) {
            n = a->spare;
            a->spare = n->next;
            n->used = 0;
        } else {
            n = chunk_new(a, need);
            if (!n)
                return NULL;
        }
        n->next = a->head;
        a->head = n;
        c = n;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used_total += need;
    return p;
}

void *arena_alloc_zero(arena *a, size_t size)
{
    void *p = arena_alloc(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *arena_grow(arena *a, void *p, size_t old_size, size_t new_size)
{
    if (!p)
        return arena_alloc(a, new_size);
    size_t old_need = (old_size + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    size_t new_need = (new_size + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    arena_chunk *c = a->head;
    /* In place when p is the last block of the current chunk and the chunk has room. */
    if (c && (unsigned char *)p + old_need == c->data + c->used && new_need >= old_need &&
        c->size - (c->used - old_need) >= new_need) {
        c->used += new_need - old_need;
        a->used_total += new_need - old_need;
        return p;
    }
    void *q = arena_alloc(a, new_size);
    if (q)
        memcpy(q, p, old_size < new_size ? old_size : new_size);
    return q;
}

/* Move every chunk of `list` into *keep or free it, so *keep ends as the largest chunk seen. */
static void keep_largest(arena *a, arena_chunk *list, arena_chunk **keep)
{
    while (list) {
        arena_chunk *next = list->next;
        arena_chunk *drop = list;
        if (!*keep || list->size > (*keep)->size) {
            drop = *keep;
            *keep = list;
        }
        if (drop) {
            a->reserved -= drop->size;
            mem_free(drop);
        }
        list = next;
    }
}

void arena_reset(arena *a)
{
    /* Keep the biggest chunk (the batch's high-water mark); free the rest, so memory stays
     * flat across batches without holding a pathological peak forever. */
    arena_chunk *keep = NULL;
    keep_largest(a, a->head, &keep);
    keep_largest(a, a->spare, &keep);
    a->head = keep;
    a->spare = NULL;
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->used_total = 0;
}

void arena_free(arena *a)
{
    arena_chunk *lists[2] = {a->head, a->spare};
    for (int i = 0; i < 2; i++) {
        arena_chunk *c = lists[i];
        while (c) {
            arena_chunk *next = c->next;
            mem_free(c);
            c = next;
        }
    }
    a->head = a->spare = NULL;
    a->reserved = a->used_total = 0;
}
