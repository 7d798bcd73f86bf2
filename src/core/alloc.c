/* alloc.c: the single allocation hook. Every byte the library allocates passes here, so a test
 * can swap the allocator or fail the Nth allocation and check that errors, not crashes, follow. */
#include "core.h"

#include <stdatomic.h>
#include <stdlib.h>

static void *libc_malloc(size_t n, void *ud) { (void)ud; return malloc(n); }
static void *libc_realloc(void *p, size_t n, void *ud) { (void)ud; return realloc(p, n); }
static void libc_free(void *p, void *ud) { (void)ud; free(p); }

static cdlt_allocator g_alloc = {libc_malloc, libc_realloc, libc_free, NULL};
static _Atomic uint64_t g_count;   /* allocations made */
static _Atomic int64_t g_live;     /* allocations not yet freed */
static _Atomic uint64_t g_fail_at; /* allocation number that fails; 0 = never */
static _Atomic bool g_fail_sticky;

void cdlt_set_allocator(const cdlt_allocator *a)
{
    if (a)
        g_alloc = *a;
    else
        g_alloc = (cdlt_allocator){libc_malloc, libc_realloc, libc_free, NULL};
}

void cdlt_alloc_fail_at(uint64_t n, bool sticky)
{
    g_fail_at = n ? atomic_load(&g_count) + n : 0;
    g_fail_sticky = sticky;
}

uint64_t cdlt_alloc_count(void) { return atomic_load(&g_count); }
int64_t cdlt_alloc_live(void) { return atomic_load(&g_live); }

/* True when this allocation must fail (fault injection). */
static bool should_fail(void)
{
    uint64_t n = atomic_fetch_add(&g_count, 1) + 1;
    uint64_t at = atomic_load(&g_fail_at);
    if (CDLT_LIKELY(at == 0))
        return false;
    return n == at || (g_fail_sticky && n > at);
}

void *mem_alloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = g_alloc.malloc_fn(size ? size : 1, g_alloc.ud);
    if (p)
        atomic_fetch_add(&g_live, 1);
    return p;
}

void *mem_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = mem_alloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *mem_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return mem_alloc(size);
    if (should_fail())
        return NULL;
    return g_alloc.realloc_fn(ptr, size ? size : 1, g_alloc.ud);
}

void mem_free(void *ptr)
{
    if (!ptr)
        return;
    atomic_fetch_sub(&g_live, 1);
    g_alloc.free_fn(ptr, g_alloc.ud);
}

char *mem_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = mem_alloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *mem_grow(void *items, size_t n, size_t *cap, size_t elem, size_t min_cap)
{
    if (n < *cap)
        return items;
    size_t nc = *cap ? *cap * 2 : min_cap;
    if (nc < n + 1)
        nc = n + 1;
    if (elem && nc > SIZE_MAX / elem)
        return NULL;
    void *p = mem_realloc(items, nc * elem);
    if (p)
        *cap = nc;
    return p;
}

char *mem_strdup(const char *s) { return s ? mem_strndup(s, strlen(s)) : NULL; }
