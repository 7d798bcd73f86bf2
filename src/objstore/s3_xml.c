/* s3_xml.c: reading S3's XML answers (list results, errors, upload ids). They are flat and
 * machine-written, so a tag scanner with entity decoding is enough; no XML library. */
#include "s3_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool s3_xml_next(const char *xml, size_t len, size_t *pos, const char *tag, const char **inner,
                 size_t *inner_len)
{
    char open[96], close[96];
    int ol = snprintf(open, sizeof open, "<%s", tag);
    int cl = snprintf(close, sizeof close, "</%s>", tag);
    size_t p = *pos;
    while (p < len) {
        const char *o = memmem(xml + p, len - p, open, (size_t)ol);
        if (!o)
            return false;
        size_t after = (size_t)(o - xml) + (size_t)ol;
        if (after >= len)
            return false;
        char c = xml[after];
        if (c != '>' && c != ' ' && c != '/') {
            p = after; /* <KeyCount> when looking for <Key> */
            continue;
        }
        const char *gt = memchr(xml + after, '>', len - after);
        if (!gt)
            return false;
        if (gt[-1] == '/') { /* <Tag/> */
            *inner = gt + 1;
            *inner_len = 0;
            *pos = (size_t)(gt - xml) + 1;
            return true;
        }
        size_t start = (size_t)(gt - xml) + 1;
        const char *e = memmem(xml + start, len - start, close, (size_t)cl);
        if (!e)
            return false;
        *inner = xml + start;
        *inner_len = (size_t)(e - (xml + start));
        *pos = (size_t)(e - xml) + (size_t)cl;
        return true;
    }
    return false;
}

static void put_utf8(buf *out, unsigned long cp)
{
    char b[4];
    if (cp < 0x80) {
        buf_putc(out, (char)cp);
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 3);
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        buf_append(out, b, 4);
    }
}

bool s3_xml_text(const char *xml, size_t len, const char *tag, buf *out)
{
    size_t pos = 0, n;
    const char *in;
    buf_clear(out);
    if (!s3_xml_next(xml, len, &pos, tag, &in, &n))
        return false;
    static const struct {
        const char *name;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < n;) {
        if (in[i] == '&') {
            bool done = false;
            for (size_t k = 0; k < CDLT_ARRAY_LEN(ents) && !done; k++) {
                size_t el = strlen(ents[k].name);
                if (i + el <= n && memcmp(in + i, ents[k].name, el) == 0) {
                    buf_putc(out, ents[k].c);
                    i += el;
                    done = true;
                }
            }
            if (!done && i + 2 < n && in[i + 1] == '#') {
                const char *semi = memchr(in + i, ';', n - i);
                if (semi) {
                    char num[16];
                    size_t nl = (size_t)(semi - (in + i + 2));
                    if (nl > 0 && nl < sizeof num) {
                        memcpy(num, in + i + 2, nl);
                        num[nl] = 0;
                        unsigned long cp = num[0] == 'x' ? strtoul(num + 1, NULL, 16)
                                                         : strtoul(num, NULL, 10);
                        put_utf8(out, cp);
                        i = (size_t)(semi - in) + 1;
                        done = true;
                    }
                }
            }
            if (done)
                continue;
        }
        buf_putc(out, in[i++]);
    }
    return out->status == CDLT_OK;
}

bool s3_parse_iso8601(const char *s, int64_t *out_us)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!e)
        return false;
    int64_t us = 0;
    if (*e == '.') {
        int digits = 0;
        for (e++; *e >= '0' && *e <= '9'; e++, digits++)
            if (digits < 6)
                us = us * 10 + (*e - '0');
        for (; digits < 6; digits++)
            us *= 10;
    }
    if (*e != 'Z' && *e != 0 && strncmp(e, "+00:00", 6) != 0)
        return false;
    *out_us = (int64_t)timegm(&tm) * 1000000 + us;
    return true;
}

bool s3_parse_http_date(const char *s, int64_t *out_us)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(s, "%a, %d %b %Y %H:%M:%S", &tm);
    if (!e)
        return false;
    *out_us = (int64_t)timegm(&tm) * 1000000;
    return true;
}
