/* core.h: internal building blocks shared by every subsystem: allocation through the one hook,
 * arenas for batch lifetimes, capped growable buffers, hash maps and string interning, error
 * objects with location context, and logging. Nothing here is public (see include/cdlt.h). */
#ifndef CDLT_CORE_H
#define CDLT_CORE_H

#include "cdlt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CDLT_LIKELY(x) __builtin_expect(!!(x), 1)
#define CDLT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CDLT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CDLT_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- allocation (alloc.c): every allocation of the library goes through these ---- */
void *mem_alloc(size_t size);               /* NULL on failure (never aborts) */
void *mem_calloc(size_t n, size_t size);    /* zeroed; NULL on failure or overflow */
void *mem_realloc(void *ptr, size_t size);  /* NULL on failure; ptr stays valid */
void mem_free(void *ptr);                   /* NULL is a no-op */
char *mem_strdup(const char *s);            /* NULL on failure or when s is NULL */
char *mem_strndup(const char *s, size_t n); /* copies n bytes and a NUL */
/* Room for one more element in a growable array of `elem`-byte elements holding n of *cap:
 * returns `items` unchanged while n < *cap, else the array reallocated to double the capacity
 * (min_cap the first time) and updates *cap. NULL on failure (items and *cap untouched).
 * Usage: T *p = mem_grow(arr, n, &cap, sizeof *p, 8); if (!p) return CDLT_NOMEM; arr = p; */
void *mem_grow(void *items, size_t n, size_t *cap, size_t elem, size_t min_cap);

/* ---- string lists (strv.c): owned copies in insertion order; {0} is an empty list ---- */
typedef struct strv {
    char **v;        /* the strings (mem_strdup each) */
    size_t n, cap;   /* entries and allocated entries of v */
} strv;
bool strv_has(const strv *s, const char *x);
cdlt_status strv_add(strv *s, const char *x);        /* a copy at the end; CDLT_NOMEM */
cdlt_status strv_add_unique(strv *s, const char *x); /* strv_add unless x is there already */
void strv_clear(strv *s);                            /* frees the strings, keeps the array */
void strv_free(strv *s);                             /* frees all; s is empty again */

/* ---- arena (arena.c): bump allocator for one batch; reset, not freed, between batches ---- */
typedef struct arena_chunk arena_chunk;
typedef struct arena {
    arena_chunk *head;   /* chunk being filled (newest) */
    arena_chunk *spare;  /* chunks kept by arena_reset for reuse */
    size_t chunk_size;   /* default size of a new chunk */
    size_t used_total;   /* bytes handed out since the last reset */
    size_t reserved;     /* bytes held in all chunks (head list + spare) */
    size_t max_reserved; /* hard cap on `reserved`; 0 = no cap */
} arena;

void arena_init(arena *a, size_t chunk_size, size_t max_reserved);
/* 8-byte aligned block of `size` bytes; NULL when the cap is reached or memory is out. */
void *arena_alloc(arena *a, size_t size);
void *arena_alloc_zero(arena *a, size_t size);
char *arena_strndup(arena *a, const char *s, size_t n); /* copy + NUL */
/* Grow the most recent allocation `p` of old_size to new_size when possible, else copy. */
void *arena_grow(arena *a, void *p, size_t old_size, size_t new_size);
/* Forget everything allocated; keeps up to one chunk's worth of memory for the next batch. */
void arena_reset(arena *a);
void arena_free(arena *a);

/* ---- buf (buf.c): growable byte buffer with a hard cap and a sticky error ---- */
typedef struct buf {
    char *data;         /* always NUL-terminated when cap > 0 */
    size_t len;         /* bytes used, excluding the NUL */
    size_t cap;         /* bytes allocated */
    size_t max;         /* hard cap on len; 0 = SIZE_MAX */
    cdlt_status status; /* first failure (NOMEM / TOO_LARGE); later appends are ignored */
} buf;

#define BUF_INIT {NULL, 0, 0, 0, CDLT_OK}
void buf_init(buf *b, size_t max);
cdlt_status buf_reserve(buf *b, size_t extra); /* room for `extra` more bytes */
cdlt_status buf_append(buf *b, const void *p, size_t n);
cdlt_status buf_puts(buf *b, const char *s);
cdlt_status buf_putc(buf *b, char c);
cdlt_status buf_printf(buf *b, const char *fmt, ...) CDLT_PRINTF(2, 3);
cdlt_status buf_vprintf(buf *b, const char *fmt, va_list ap);
static inline void buf_clear(buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}
void buf_free(buf *b);
/* Hand the data over to the caller (mem_free it); the buffer is left empty. */
char *buf_detach(buf *b, size_t *out_len);
static inline const char *buf_cstr(const buf *b) { return b->data ? b->data : ""; }

/* ---- hashing (map.c) ---- */
uint64_t hash_bytes(const void *p, size_t n); /* XXH3 64-bit */

/* ---- map (map.c): open-addressing hash map, string key -> pointer value ----
 * Keys are NOT copied: they must outlive the map (use intern or an arena). */
typedef struct map_entry {
    const char *key; /* NULL = empty slot */
    uint32_t klen;   /* key length in bytes */
    uint32_t hash32; /* low bits of the key hash, to skip most memcmp calls */
    void *value;
} map_entry;

typedef struct map {
    map_entry *slots; /* capacity entries, capacity a power of two */
    size_t capacity;
    size_t count;
} map;

void map_init(map *m);
void map_free(map *m);
void map_clear(map *m); /* removes all entries, keeps the slots */
/* Value for key, or NULL. */
void *map_get(const map *m, const char *key, size_t klen);
void *map_get_h(const map *m, const char *key, size_t klen, uint64_t hash);
/* Insert or replace. Returns CDLT_NOMEM on failure (map unchanged). */
cdlt_status map_put(map *m, const char *key, size_t klen, void *value);
cdlt_status map_put_h(map *m, const char *key, size_t klen, uint64_t hash, void *value);
/* Iterate: for (size_t i = 0; map_next(m, &i, &e);) ... */
bool map_next(const map *m, size_t *iter, const map_entry **out_entry);

/* ---- intern (intern.c): string interning; one stable copy per distinct string ---- */
typedef struct istr {
    uint32_t len;  /* bytes, excluding NUL */
    uint32_t id;   /* dense id, 0..count-1, in order of first interning */
    uint64_t hash; /* hash_bytes of the string */
    char s[];      /* NUL-terminated bytes */
} istr;

typedef struct intern {
    map index;    /* string -> istr* */
    arena mem;    /* owns the istr copies */
    istr **by_id; /* id -> istr */
    size_t count;
    size_t cap;
} intern;

void intern_init(intern *in);
void intern_free(intern *in);
/* The interned copy of s[0..len); NULL only on out-of-memory. */
const istr *intern_get(intern *in, const char *s, size_t len);
/* Lookup without inserting; NULL when absent. */
const istr *intern_find(const intern *in, const char *s, size_t len);

/* ---- errors (error.c) ----
 * err_set formats the message (secrets masked) and records the code; the err_at_* helpers add
 * location parts to both the fields and the message. All accept a NULL error (no-op) and
 * return the code so callers can write `return err_set(e, CDLT_PARSE, ...)`. */
cdlt_status err_set(cdlt_error *e, cdlt_status code, const char *fmt, ...) CDLT_PRINTF(3, 4);
cdlt_status err_vset(cdlt_error *e, cdlt_status code, const char *fmt, va_list ap);
/* Record file/line/column/byte offset (pass 0/-1 for unknown) and append
 * " (at FILE:LINE:COL, byte OFF)" to the message. */
cdlt_status err_at_file(cdlt_error *e, const char *file, int64_t line, int64_t col, int64_t offset);
/* Prefix the message with context, e.g. err_prefix(e, "resource '%s': ", name). */
cdlt_status err_prefix(cdlt_error *e, const char *fmt, ...) CDLT_PRINTF(2, 3);
/* Append a hint ("; what to do: ..."). */
cdlt_status err_hint(cdlt_error *e, const char *fmt, ...) CDLT_PRINTF(2, 3);
void err_set_resource(cdlt_error *e, const char *resource);
void err_set_table(cdlt_error *e, const char *table);
void err_set_column(cdlt_error *e, const char *column);
void err_set_url(cdlt_error *e, const char *url); /* masks secrets and URL credentials */
/* Registers the secret parts of a credential string (user:password@, token/password/key query
 * parameters) so the maskers hide them; a plain path registers nothing. */
cdlt_status secret_register_credential(const char *cred);
/* [runtime] log_level of a config file: applied unless a level was set explicitly. */
void log_set_level_from_config(cdlt_log_level level);
/* Shorthand for a NOMEM error. */
cdlt_status err_nomem(cdlt_error *e);

/* ---- logging (log.c): internal helpers over cdlt_log ---- */
bool log_enabled(cdlt_log_level level);
void log_vwrite(cdlt_log_level level, const char *fmt, va_list ap);
#define LOG_TRACE(...) (log_enabled(CDLT_LOG_TRACE) ? cdlt_log(CDLT_LOG_TRACE, __VA_ARGS__) : (void)0)
#define LOG_DEBUG(...) (log_enabled(CDLT_LOG_DEBUG) ? cdlt_log(CDLT_LOG_DEBUG, __VA_ARGS__) : (void)0)
#define LOG_INFO(...) (log_enabled(CDLT_LOG_INFO) ? cdlt_log(CDLT_LOG_INFO, __VA_ARGS__) : (void)0)
#define LOG_WARN(...) (log_enabled(CDLT_LOG_WARN) ? cdlt_log(CDLT_LOG_WARN, __VA_ARGS__) : (void)0)
#define LOG_ERROR(...) (log_enabled(CDLT_LOG_ERROR) ? cdlt_log(CDLT_LOG_ERROR, __VA_ARGS__) : (void)0)

/* ---- user regexes (rxguard.c) ----
 * Why a POSIX ERE pattern must not be given to regcomp (its compiled size would explode:
 * chained quantifiers, nested large counts, over-long), or NULL when it may. */
const char *rx_too_complex(const char *pattern);

/* ---- small utilities (util.c) ---- */
/* Value of a hex digit (0-9, a-f, A-F), or -1. */
static inline int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
/* base64 (standard alphabet). out needs 4*((n+2)/3)+1 bytes; returns length (with padding). */
size_t b64_encode(const void *in, size_t n, char *out, bool pad);
/* Edit distance with swaps of neighbours ("did you mean"); 64 for strings over 63 bytes. */
size_t str_edit_distance(const char *a, const char *b);
/* Decode standard base64 (padding optional); returns CDLT_PARSE on bad input. */
cdlt_status b64_decode(const char *in, size_t n, buf *out);
/* Monotonic seconds (for timings) and wall-clock unix seconds with fraction. */
double time_monotonic(void);
double time_unix(void);
/* Peak resident set size of this process in bytes (from /proc or getrusage). */
size_t proc_peak_rss(void);

#endif /* CDLT_CORE_H */
