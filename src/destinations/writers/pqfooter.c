/* pqfooter.c: the row count of any Parquet file from its footer (FileMetaData.num_rows, field
 * 3, thrift compact protocol), so the filesystem destination can show a table's row count
 * without reading its data: a Parquet file ends with the footer, its 4-byte little-endian
 * length and "PAR1". Only a skipper for the compact protocol is needed to step over the
 * schema list before num_rows; it is bounded (length checks everywhere, nesting depth) since
 * the bytes may come from any writer. */
#include "destinations/writers/parquet.h"

#include <string.h>

/* thrift compact types */
enum { C_TRUE = 1, C_FALSE = 2, C_BYTE = 3, C_I16 = 4, C_I32 = 5, C_I64 = 6, C_DOUBLE = 7,
       C_BINARY = 8, C_LIST = 9, C_SET = 10, C_MAP = 11, C_STRUCT = 12, C_UUID = 13 };

typedef struct rd {
    const unsigned char *p; /* next byte */
    const unsigned char *end;
} rd;

static bool varint(rd *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return false;
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static bool skip_bytes(rd *r, uint64_t n)
{
    if ((uint64_t)(r->end - r->p) < n)
        return false;
    r->p += n;
    return true;
}

static bool skip_value(rd *r, int type, int depth);

static bool skip_struct(rd *r, int depth)
{
    if (depth > 32)
        return false;
    for (;;) {
        if (r->p >= r->end)
            return false;
        unsigned char h = *r->p++;
        if (h == 0)
            return true;
        uint64_t id;
        if (!(h >> 4) && !varint(r, &id)) /* long form: the field id follows */
            return false;
        int t = h & 0x0f;
        if (t == C_TRUE || t == C_FALSE) /* a bool field's value is its type */
            continue;
        if (!skip_value(r, t, depth + 1))
            return false;
    }
}

static bool skip_value(rd *r, int type, int depth)
{
    uint64_t n;
    switch (type) {
    case C_TRUE: case C_FALSE: case C_BYTE: return skip_bytes(r, 1); /* in a list: one byte */
    case C_I16: case C_I32: case C_I64: return varint(r, &n);
    case C_DOUBLE: return skip_bytes(r, 8);
    case C_UUID: return skip_bytes(r, 16);
    case C_BINARY: return varint(r, &n) && skip_bytes(r, n);
    case C_STRUCT: return skip_struct(r, depth);
    case C_LIST:
    case C_SET: {
        if (r->p >= r->end || depth > 32)
            return false;
        unsigned char h = *r->p++;
        n = h >> 4;
        if (n == 15 && !varint(r, &n))
            return false;
        for (uint64_t i = 0; i < n; i++)
            if (!skip_value(r, h & 0x0f, depth + 1))
                return false;
        return true;
    }
    case C_MAP: {
        if (!varint(r, &n) || depth > 32)
            return false;
        if (n == 0)
            return true;
        if (r->p >= r->end)
            return false;
        unsigned char kv = *r->p++;
        for (uint64_t i = 0; i < n; i++)
            if (!skip_value(r, kv >> 4, depth + 1) || !skip_value(r, kv & 0x0f, depth + 1))
                return false;
        return true;
    }
    default: return false;
    }
}

bool pq_footer_num_rows(const void *footer, size_t len, int64_t *out_rows)
{
    rd r = {footer, (const unsigned char *)footer + len};
    int64_t last = 0;
    for (;;) {
        if (r.p >= r.end)
            return false;
        unsigned char h = *r.p++;
        if (h == 0)
            return false; /* end of FileMetaData without num_rows */
        int t = h & 0x0f;
        int64_t id;
        if (h >> 4) {
            id = last + (h >> 4);
        } else {
            uint64_t z;
            if (!varint(&r, &z))
                return false;
            id = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        }
        last = id;
        if (id == 3 && t == C_I64) {
            uint64_t z;
            if (!varint(&r, &z))
                return false;
            int64_t v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
            if (v < 0)
                return false;
            *out_rows = v;
            return true;
        }
        if (t == C_TRUE || t == C_FALSE)
            continue;
        if (!skip_value(&r, t, 0))
            return false;
    }
}

int64_t pq_tail_footer_len(const void *tail8)
{
    const unsigned char *t = tail8;
    if (memcmp(t + 4, "PAR1", 4) != 0)
        return -1;
    return (int64_t)((uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
                     (uint32_t)t[3] << 24);
}
