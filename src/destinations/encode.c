/* encode.c: dlt's storage encoding of pipeline state and large schema documents:
 * base64(zlib level 9(text)) — Python's `zlib.compress(s, 9)` then `b64encode` — and its
 * inverse. The decoder falls back to plain JSON text, as dlt's readers do. */
#include "destinations/destination.h"

#include <zlib.h>

cdlt_status dest_compress_b64(const char *text, size_t len, buf *out)
{
    uLongf zcap = compressBound((uLong)len);
    unsigned char *z = mem_alloc(zcap ? zcap : 1);
    if (!z)
        return CDLT_NOMEM;
    if (compress2(z, &zcap, (const Bytef *)text, (uLong)len, 9) != Z_OK) {
        mem_free(z);
        return CDLT_ERROR;
    }
    size_t need = 4 * ((zcap + 2) / 3) + 1;
    cdlt_status st = buf_reserve(out, need);
    if (st == CDLT_OK) {
        size_t n = b64_encode(z, zcap, out->data + out->len, true);
        out->len += n;
    }
    mem_free(z);
    return st;
}

/* Inflate a zlib stream into out; CDLT_PARSE when it is not one. */
static cdlt_status inflate_into(const unsigned char *z, size_t zlen, buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return CDLT_NOMEM;
    zs.next_in = (Bytef *)z;
    zs.avail_in = (uInt)zlen;
    cdlt_status st = CDLT_OK;
    for (;;) {
        st = buf_reserve(out, zlen * 3 + 4096);
        if (st != CDLT_OK)
            break;
        size_t room = out->cap - out->len - 1;
        zs.next_out = (Bytef *)(out->data + out->len);
        zs.avail_out = (uInt)(room > 0x40000000u ? 0x40000000u : room);
        uInt before = zs.avail_out;
        int r = inflate(&zs, Z_NO_FLUSH);
        out->len += before - zs.avail_out;
        out->data[out->len] = '\0';
        if (r == Z_STREAM_END)
            break;
        if (r == Z_BUF_ERROR && zs.avail_in == 0) {
            st = CDLT_PARSE; /* truncated stream */
            break;
        }
        if (r != Z_OK && r != Z_BUF_ERROR) {
            st = r == Z_MEM_ERROR ? CDLT_NOMEM : CDLT_PARSE;
            break;
        }
    }
    if (st == CDLT_OK && zs.avail_in != 0)
        st = CDLT_PARSE; /* trailing garbage */
    inflateEnd(&zs);
    return st;
}

cdlt_status dest_decompress_b64(const char *text, size_t len, buf *out)
{
    size_t start = out->len;
    buf raw = BUF_INIT;
    cdlt_status st = b64_decode(text, len, &raw);
    if (st == CDLT_OK && raw.len >= 2)
        st = inflate_into((const unsigned char *)raw.data, raw.len, out);
    else if (st == CDLT_OK)
        st = CDLT_PARSE;
    buf_free(&raw);
    if (st == CDLT_NOMEM)
        return st;
    if (st == CDLT_OK)
        return CDLT_OK;
    /* not base64+zlib: plain JSON (an object or array) is accepted as it is */
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i == len || (text[i] != '{' && text[i] != '['))
        return CDLT_PARSE;
    return buf_append(out, text, len);
}
