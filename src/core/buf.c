/* buf.c: growable byte buffer with a hard cap and a sticky error, so builders can append
 * without checking every call and a hostile input cannot grow memory without bound. */
#include "core.h"

#include <stdio.h>

void buf_init(buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->status = CDLT_OK;
}

cdlt_status buf_reserve(buf *b, size_t extra)
{
    if (b->status != CDLT_OK)
        return b->status;
    size_t max = b->max ? b->max : SIZE_MAX - 1;
    if (extra > max - b->len)
        return b->status = CDLT_TOO_LARGE;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return CDLT_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    /* Never allocate past the cap: the append fast path relies on cap <= max + 1. */
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    char *p = mem_realloc(b->data, cap);
    if (!p)
        return b->status = CDLT_NOMEM;
    b->data = p;
    b->cap = cap;
    return CDLT_OK;
}

cdlt_status buf_append(buf *b, const void *p, size_t n)
{
    if (CDLT_UNLIKELY(b->len + n + 1 > b->cap || b->status != CDLT_OK)) {
        cdlt_status st = buf_reserve(b, n);
        if (st != CDLT_OK)
            return st;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return CDLT_OK;
}

cdlt_status buf_puts(buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

cdlt_status buf_putc(buf *b, char c)
{
    if (CDLT_LIKELY(b->len + 2 <= b->cap && b->status == CDLT_OK)) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return CDLT_OK;
    }
    return buf_append(b, &c, 1);
}

cdlt_status buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return b->status = CDLT_ERROR;
    cdlt_status st = buf_reserve(b, (size_t)n);
    if (st != CDLT_OK)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return CDLT_OK;
}

cdlt_status buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cdlt_status st = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

void buf_free(buf *b)
{
    mem_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->status = CDLT_OK;
}

char *buf_detach(buf *b, size_t *out_len)
{
    char *p = b->data;
    if (!p)
        p = mem_strdup("");
    if (out_len)
        *out_len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
