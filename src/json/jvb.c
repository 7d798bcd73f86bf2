/* jvb.c: a compact binary encoding of `jv` values for items files that only cdlt itself reads
 * back (the SQL source's rows). Writing JSON text and parsing it again costs most of a typed
 * row's time (shortest round-trip doubles: several printf/strtod per value; string escaping;
 * the keys of every row), while the normalizer only wants the same `jv` back. Here a double is
 * its 8 bytes, an integer a varint, a string its length and bytes, and an object key is sent
 * once per file and then referred to by number.
 *
 * File: "CDLTJVB1" then items, each a little-endian u32 byte count and the value:
 *   tag byte (| 0x80 when a flags byte follows: JV_F_TYPED marks of strings), then per tag
 *   NULL FALSE TRUE: nothing; INT: zigzag varint; UINT: 8 bytes; DOUBLE: 8 bytes (host order,
 *   the file never leaves the machine); STRING BIGNUM and the date/time kinds: varint length
 *   + bytes; ARRAY: varint count + values; OBJECT: varint count + members, a member being a
 *   varint key reference (0 = a new key follows as varint length + bytes and takes the next
 *   number; k = key number k-1) and the value.
 * A short or malformed file is an error naming the file and the item: the extracted package
 * is complete when extract commits it, so this only happens on a damaged disk. */
#include "json_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char JVB_MAGIC[8] = {'C', 'D', 'L', 'T', 'J', 'V', 'B', '1'};

enum {
    T_NULL = 0,
    T_FALSE,
    T_TRUE,
    T_INT,
    T_UINT,
    T_DOUBLE,
    T_STRING,
    T_BIGNUM,
    T_ARRAY,
    T_OBJECT,
    T_DATETIME,
    T_DATETIME_LOCAL,
    T_DATE_LOCAL,
    T_TIME_LOCAL,
    T_COUNT_
};
#define T_FLAGS 0x80

/* ------------------------------------------------------------------ encoder */

struct jvb_enc {
    map keys;        /* key text -> number + 1 */
    arena mem;       /* key copies (the map does not copy) */
    char **text;     /* key number -> text */
    uint32_t *len;   /* key number -> bytes */
    size_t n, cap;   /* keys defined in this file */
    uint32_t *slot;  /* top-level member i -> number + 1 of the key last seen there */
    size_t nslot;
    bool keep_kinds; /* date/time kinds keep their tags (jvb_enc_keep_kinds) */
};

void jvb_enc_keep_kinds(jvb_enc *e, bool keep) { e->keep_kinds = keep; }

cdlt_status jvb_enc_new(jvb_enc **out)
{
    jvb_enc *e = mem_calloc(1, sizeof *e);
    if (!e)
        return CDLT_NOMEM;
    map_init(&e->keys);
    arena_init(&e->mem, 4096, 0);
    *out = e;
    return CDLT_OK;
}

void jvb_enc_reset(jvb_enc *e)
{
    if (!e)
        return;
    map_clear(&e->keys);
    arena_reset(&e->mem);
    e->n = 0;
    if (e->slot)
        memset(e->slot, 0, e->nslot * sizeof *e->slot);
}

void jvb_enc_free(jvb_enc *e)
{
    if (!e)
        return;
    map_free(&e->keys);
    arena_free(&e->mem);
    mem_free(e->text);
    mem_free(e->len);
    mem_free(e->slot);
    mem_free(e);
}

static inline char *put_varint(char *o, uint64_t v)
{
    while (v >= 0x80) {
        *o++ = (char)(v | 0x80);
        v >>= 7;
    }
    *o++ = (char)v;
    return o;
}

/* The JSON reader's rule (RFC 3629: no overlongs, no surrogates, at most U+10FFFF): text
 * that JSON items would refuse is refused here too, at extract instead of at normalize. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
    const unsigned char *e = p + n;
    while (p < e) {
        /* ASCII runs 8 bytes at a time: most text is ASCII */
        while (e - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            p += 8;
        }
        if (p >= e)
            break;
        if (*p < 0x80) {
            p++;
            continue;
        }
        unsigned c = *p;
        size_t k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (!k || (size_t)(e - p) < k)
            return false;
        for (size_t i = 1; i < k; i++)
            if ((p[i] & 0xC0) != 0x80)
                return false;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
            (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return false;
        p += k;
    }
    return true;
}

/* A key reference for k (number + 1 of an existing key, or 0 with the text), defining it. */
static cdlt_status put_key(jvb_enc *e, const char *k, uint32_t klen, uint32_t *hint, buf *out)
{
    uint32_t id = hint ? *hint : 0; /* same position as the last item: usually the same key */
    if (!(id && e->len[id - 1] == klen && memcmp(e->text[id - 1], k, klen) == 0)) {
        id = (uint32_t)(uintptr_t)map_get(&e->keys, k, klen);
        if (hint && id)
            *hint = id;
    }
    if (buf_reserve(out, 12 + (id ? 0 : (size_t)klen)) != CDLT_OK)
        return CDLT_NOMEM;
    char *o = out->data + out->len;
    if (id) {
        o = put_varint(o, id);
        out->len = (size_t)(o - out->data);
        return CDLT_OK;
    }
    if (e->n == e->cap) {
        size_t cap = e->cap;
        char **t = mem_grow(e->text, e->n, &cap, sizeof *t, 64);
        if (!t)
            return CDLT_NOMEM;
        e->text = t;
        cap = e->cap;
        uint32_t *l = mem_grow(e->len, e->n, &cap, sizeof *l, 64);
        if (!l)
            return CDLT_NOMEM;
        e->len = l;
        e->cap = cap;
    }
    if (!utf8_ok((const unsigned char *)k, klen))
        return CDLT_PARSE;
    char *copy = arena_strndup(&e->mem, k, klen);
    if (!copy || map_put(&e->keys, copy, klen, (void *)(uintptr_t)(e->n + 1)) != CDLT_OK)
        return CDLT_NOMEM;
    e->text[e->n] = copy;
    e->len[e->n] = klen;
    e->n++;
    if (hint)
        *hint = (uint32_t)e->n;
    *o++ = 0;
    o = put_varint(o, klen);
    memcpy(o, k, klen);
    out->len = (size_t)(o - out->data) + klen;
    return CDLT_OK;
}

static cdlt_status put_value(jvb_enc *e, const jv *v, int depth, buf *out)
{
    if (buf_reserve(out, 24) != CDLT_OK)
        return CDLT_NOMEM;
    char *o = out->data + out->len;
    uint8_t tag;
    switch ((jv_type)v->type) {
    case JV_NULL: tag = T_NULL; break;
    case JV_BOOL: tag = v->u.b ? T_TRUE : T_FALSE; break;
    case JV_INT: tag = T_INT; break;
    case JV_UINT: tag = T_UINT; break;
    case JV_DOUBLE: tag = isfinite(v->u.d) ? T_DOUBLE : T_NULL; break; /* as json_write */
    case JV_STRING: tag = T_STRING; break;
    case JV_BIGNUM: tag = T_BIGNUM; break;
    case JV_ARRAY: tag = T_ARRAY; break;
    case JV_OBJECT: tag = T_OBJECT; break;
    /* JSON text makes these strings: so do we, the normalizer must see the same values,
     * unless the source asked to keep them typed (jvb_enc_keep_kinds) */
    case JV_DATETIME: tag = e->keep_kinds ? T_DATETIME : T_STRING; break;
    case JV_DATETIME_LOCAL: tag = e->keep_kinds ? T_DATETIME_LOCAL : T_STRING; break;
    case JV_DATE_LOCAL: tag = e->keep_kinds ? T_DATE_LOCAL : T_STRING; break;
    case JV_TIME_LOCAL: tag = e->keep_kinds ? T_TIME_LOCAL : T_STRING; break;
    default: return CDLT_INVALID_ARG;
    }
    /* JV_F_ESCAPED is informational and not kept; the typed-string marks (decimal, binary)
     * are, when the source keeps kinds */
    uint8_t keep = e->keep_kinds && tag == T_STRING ? (uint8_t)(v->flags & JV_F_TYPED) : 0;
    if (keep) {
        *o++ = (char)(tag | T_FLAGS);
        *o++ = (char)keep;
    } else {
        *o++ = (char)tag;
    }
    switch (tag) {
    case T_INT: {
        uint64_t z = ((uint64_t)v->u.i << 1) ^ (uint64_t)(v->u.i >> 63);
        o = put_varint(o, z);
        break;
    }
    case T_UINT:
    case T_DOUBLE:
        memcpy(o, &v->u, 8);
        o += 8;
        break;
    case T_ARRAY:
    case T_OBJECT:
        o = put_varint(o, v->len);
        break;
    case T_NULL:
    case T_FALSE:
    case T_TRUE:
        break;
    default: /* text kinds */
        if (!utf8_ok((const unsigned char *)v->u.s, v->len))
            return CDLT_PARSE;
        o = put_varint(o, v->len);
        out->len = (size_t)(o - out->data);
        return buf_append(out, v->u.s, v->len);
    }
    out->len = (size_t)(o - out->data);
    if (tag == T_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++) {
            cdlt_status rc = put_value(e, &v->u.items[i], depth + 1, out);
            if (rc != CDLT_OK)
                return rc;
        }
    } else if (tag == T_OBJECT) {
        if (depth == 0 && v->len > e->nslot) {
            uint32_t *s = mem_realloc(e->slot, v->len * sizeof *s);
            if (!s)
                return CDLT_NOMEM;
            memset(s + e->nslot, 0, (v->len - e->nslot) * sizeof *s);
            e->slot = s;
            e->nslot = v->len;
        }
        for (uint32_t i = 0; i < v->len; i++) {
            const jv_member *m = &v->u.members[i];
            cdlt_status rc = put_key(e, m->key, m->klen, depth == 0 ? &e->slot[i] : NULL, out);
            if (rc == CDLT_OK)
                rc = put_value(e, &m->value, depth + 1, out);
            if (rc != CDLT_OK)
                return rc;
        }
    }
    return out->status;
}

cdlt_status jvb_encode(jvb_enc *e, const jv *v, buf *out)
{
    size_t start = out->len;
    if (buf_reserve(out, 4) != CDLT_OK)
        return CDLT_NOMEM;
    out->len += 4;
    cdlt_status rc = put_value(e, v, 0, out);
    if (rc != CDLT_OK)
        return rc;
    size_t n = out->len - start - 4;
    if (n > UINT32_MAX)
        return CDLT_TOO_LARGE;
    unsigned char *h = (unsigned char *)out->data + start;
    h[0] = (unsigned char)n;
    h[1] = (unsigned char)(n >> 8);
    h[2] = (unsigned char)(n >> 16);
    h[3] = (unsigned char)(n >> 24);
    return CDLT_OK;
}

/* ------------------------------------------------------------------ decoder */

#define READ_CHUNK ((size_t)1 << 20)

struct jvb_stream {
    int fd;
    char *path;      /* for messages */
    char *buf;       /* read buffer */
    size_t cap, pos, fill;
    uint64_t base;   /* file offset of buf[0] */
    bool eof;
    uint32_t max_depth;
    int64_t item;    /* items returned so far */
    arena keymem;    /* key texts: they live as long as the stream */
    char **key;      /* key number -> text */
    uint32_t *klen;
    size_t nkeys, capkeys;
};

static cdlt_status bad(jvb_stream *s, cdlt_error *err, const char *what)
{
    err_set(err, CDLT_PARSE, "binary items file '%s', item %lld (byte %llu): %s", s->path,
            (long long)s->item + 1, (unsigned long long)(s->base + s->pos), what);
    return err_hint(err, "the extracted package is damaged: drop it with 'drop-pending' and "
                         "run again (the data is extracted anew)");
}

cdlt_status jvb_stream_open_file(const char *path, const json_opts *opts, jvb_stream **out,
                                 cdlt_error *err)
{
    *out = NULL;
    jvb_stream *s = mem_calloc(1, sizeof *s);
    if (!s)
        return err_nomem(err);
    s->fd = -1;
    arena_init(&s->keymem, 4096, 0);
    s->max_depth = opts && opts->max_depth ? opts->max_depth : 512;
    s->path = mem_strdup(opts && opts->file ? opts->file : path);
    s->cap = READ_CHUNK;
    s->buf = mem_alloc(s->cap);
    if (!s->path || !s->buf) {
        jvb_stream_close(s);
        return err_nomem(err);
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int e = errno;
        jvb_stream_close(s);
        err_set(err, CDLT_IO, "cannot open items file '%s': %s", path, strerror(e));
        return err_hint(err, "check that the package folder is complete and readable");
    }
    *out = s;
    return CDLT_OK;
}

void jvb_stream_close(jvb_stream *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    arena_free(&s->keymem);
    mem_free(s->key);
    mem_free(s->klen);
    mem_free(s->buf);
    mem_free(s->path);
    mem_free(s);
}

uint64_t jvb_stream_bytes_read(const jvb_stream *s) { return s ? s->base + s->pos : 0; }
int64_t jvb_stream_item(const jvb_stream *s) { return s ? s->item : 0; }

/* At least n unread bytes in buf[pos..fill) unless the file ends first. */
static cdlt_status need(jvb_stream *s, size_t n, cdlt_error *err)
{
    if (s->fill - s->pos >= n)
        return CDLT_OK;
    if (s->pos) {
        memmove(s->buf, s->buf + s->pos, s->fill - s->pos);
        s->base += s->pos;
        s->fill -= s->pos;
        s->pos = 0;
    }
    if (n > s->cap) {
        size_t cap = s->cap;
        while (cap < n)
            cap *= 2;
        char *b = mem_realloc(s->buf, cap);
        if (!b)
            return err_nomem(err);
        s->buf = b;
        s->cap = cap;
    }
    while (s->fill < n && !s->eof) {
        ssize_t got = read(s->fd, s->buf + s->fill, s->cap - s->fill);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            return err_set(err, CDLT_IO, "cannot read items file '%s': %s", s->path,
                           strerror(e));
        }
        if (got == 0)
            s->eof = true;
        s->fill += (size_t)got;
    }
    return CDLT_OK;
}

typedef struct dec {
    jvb_stream *s;
    const unsigned char *p, *end;
    arena *a;
    cdlt_error *err;
    const char *fail; /* what went wrong, NULL = fine */
} dec;

static inline bool get_varint(dec *d, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && d->p < d->end; shift += 7) {
        unsigned char c = *d->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    d->fail = "a number runs past the end of the item";
    return false;
}

static bool get_text(dec *d, jv *out, uint8_t type)
{
    uint64_t n;
    if (!get_varint(d, &n))
        return false;
    if (n > (uint64_t)(d->end - d->p)) {
        d->fail = "a string runs past the end of the item";
        return false;
    }
    char *t = arena_alloc(d->a, (size_t)n + 1);
    if (!t) {
        d->fail = "";
        return false;
    }
    memcpy(t, d->p, (size_t)n);
    t[n] = '\0';
    d->p += n;
    out->type = type;
    out->len = (uint32_t)n;
    out->u.s = t;
    return true;
}

static bool get_key(dec *d, jv_member *m)
{
    uint64_t ref;
    if (!get_varint(d, &ref))
        return false;
    jvb_stream *s = d->s;
    if (ref) {
        if (ref > s->nkeys) {
            d->fail = "an object key refers to an undefined key number";
            return false;
        }
        m->key = s->key[ref - 1];
        m->klen = s->klen[ref - 1];
        return true;
    }
    uint64_t n;
    if (!get_varint(d, &n))
        return false;
    if (n > (uint64_t)(d->end - d->p) || n > UINT32_MAX) {
        d->fail = "a key runs past the end of the item";
        return false;
    }
    if (s->nkeys == s->capkeys) {
        size_t cap = s->capkeys;
        char **k = mem_grow(s->key, s->nkeys, &cap, sizeof *k, 64);
        if (k)
            s->key = k;
        cap = s->capkeys;
        uint32_t *l = k ? mem_grow(s->klen, s->nkeys, &cap, sizeof *l, 64) : NULL;
        if (!l) {
            d->fail = "";
            return false;
        }
        s->klen = l;
        s->capkeys = cap;
    }
    char *t = arena_strndup(&s->keymem, (const char *)d->p, (size_t)n);
    if (!t) {
        d->fail = "";
        return false;
    }
    d->p += n;
    s->key[s->nkeys] = t;
    s->klen[s->nkeys++] = (uint32_t)n;
    m->key = t;
    m->klen = (uint32_t)n;
    return true;
}

static bool get_value(dec *d, uint32_t depth, jv *out)
{
    if (d->p >= d->end) {
        d->fail = "a value is missing at the end of the item";
        return false;
    }
    uint8_t tag = *d->p++;
    uint8_t flags = 0;
    if (tag & T_FLAGS) {
        if (d->p >= d->end) {
            d->fail = "a value is missing at the end of the item";
            return false;
        }
        flags = *d->p++;
        tag &= (uint8_t)~T_FLAGS;
    }
    memset(out, 0, sizeof *out);
    uint64_t n;
    switch (tag) {
    case T_NULL:
        out->type = JV_NULL;
        break;
    case T_FALSE:
    case T_TRUE:
        out->type = JV_BOOL;
        out->u.b = tag == T_TRUE;
        break;
    case T_INT:
        if (!get_varint(d, &n))
            return false;
        out->type = JV_INT;
        out->u.i = (int64_t)(n >> 1) ^ -(int64_t)(n & 1);
        break;
    case T_UINT:
    case T_DOUBLE:
        if (d->end - d->p < 8) {
            d->fail = "a number runs past the end of the item";
            return false;
        }
        memcpy(&out->u, d->p, 8);
        d->p += 8;
        out->type = tag == T_UINT ? JV_UINT : JV_DOUBLE;
        break;
    case T_STRING:
        if (!get_text(d, out, JV_STRING))
            return false;
        break;
    case T_BIGNUM:
    case T_DATETIME:
    case T_DATETIME_LOCAL:
    case T_DATE_LOCAL:
    case T_TIME_LOCAL: {
        static const uint8_t types[] = {[T_BIGNUM] = JV_BIGNUM,
                                        [T_DATETIME] = JV_DATETIME,
                                        [T_DATETIME_LOCAL] = JV_DATETIME_LOCAL,
                                        [T_DATE_LOCAL] = JV_DATE_LOCAL,
                                        [T_TIME_LOCAL] = JV_TIME_LOCAL};
        if (!get_text(d, out, types[tag]))
            return false;
        break;
    }
    case T_ARRAY:
    case T_OBJECT: {
        if (depth >= d->s->max_depth) {
            d->fail = "nesting deeper than [extract] max_depth";
            return false;
        }
        if (!get_varint(d, &n))
            return false;
        /* every element takes at least one byte (two for members) */
        if (n > (uint64_t)(d->end - d->p)) {
            d->fail = "a list or object counts more values than the item holds";
            return false;
        }
        out->len = (uint32_t)n;
        if (tag == T_ARRAY) {
            out->type = JV_ARRAY;
            jv *items = n ? arena_alloc(d->a, (size_t)n * sizeof *items) : NULL;
            if (n && !items) {
                d->fail = "";
                return false;
            }
            for (uint64_t i = 0; i < n; i++)
                if (!get_value(d, depth + 1, &items[i]))
                    return false;
            out->u.items = items;
        } else {
            out->type = JV_OBJECT;
            jv_member *m = n ? arena_alloc(d->a, (size_t)n * sizeof *m) : NULL;
            if (n && !m) {
                d->fail = "";
                return false;
            }
            for (uint64_t i = 0; i < n; i++) {
                m[i].pad_ = 0;
                if (!get_key(d, &m[i]) || !get_value(d, depth + 1, &m[i].value))
                    return false;
            }
            out->u.members = m;
        }
        break;
    }
    default:
        d->fail = "unknown value tag";
        return false;
    }
    out->flags = flags;
    return true;
}

cdlt_status jvb_stream_next(jvb_stream *s, arena *a, jv *out, bool *eof, cdlt_error *err)
{
    *eof = false;
    cdlt_status rc;
    if (s->base == 0 && s->pos == 0) { /* the magic first */
        if ((rc = need(s, sizeof JVB_MAGIC, err)) != CDLT_OK)
            return rc;
        if (s->fill < sizeof JVB_MAGIC || memcmp(s->buf, JVB_MAGIC, sizeof JVB_MAGIC) != 0)
            return bad(s, err, "not a cdlt binary items file (no CDLTJVB1 header)");
        s->pos = sizeof JVB_MAGIC;
    }
    if ((rc = need(s, 4, err)) != CDLT_OK)
        return rc;
    if (s->fill == s->pos) {
        *eof = true;
        return CDLT_OK;
    }
    if (s->fill - s->pos < 4)
        return bad(s, err, "the file ends inside an item's length");
    const unsigned char *h = (const unsigned char *)s->buf + s->pos;
    size_t n = (size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16 | (size_t)h[3] << 24;
    if ((rc = need(s, 4 + n, err)) != CDLT_OK)
        return rc;
    if (s->fill - s->pos < 4 + n)
        return bad(s, err, "the file ends inside an item");
    dec d = {s, (const unsigned char *)s->buf + s->pos + 4,
             (const unsigned char *)s->buf + s->pos + 4 + n, a, err, NULL};
    if (!get_value(&d, 0, out)) {
        if (d.fail && !*d.fail)
            return err_nomem(err);
        return bad(s, err, d.fail ? d.fail : "malformed value");
    }
    if (d.p != d.end)
        return bad(s, err, "bytes left over after the item's value");
    s->pos += 4 + n;
    s->item++;
    return CDLT_OK;
}
