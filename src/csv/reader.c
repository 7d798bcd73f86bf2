/* reader.c: the CSV tokenizer. The input is read in big chunks into one buffer; a record is
 * found in two passes over its bytes: the first only finds field boundaries (SSE2 scans for
 * the delimiter and line ends outside quotes, memchr for the closing quote inside them) and
 * never writes, so a record cut by the end of the buffer is simply found again after a refill;
 * the second, once the record is whole, unescapes quoted fields and NUL-terminates every field
 * in place. Only a record longer than the buffer grows it (up to max_record). */
#include "csv.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define DEFAULT_CHUNK ((size_t)1 << 20)
#define DEFAULT_MAX_RECORD ((size_t)256 << 20)
#define PAD 64 /* spare bytes after the data: a NUL after the last field, vector over-reads */

/* Field bounds found by the first pass (offsets into buf). */
typedef struct span {
    size_t a, b;  /* raw bytes [a, b), quotes included */
    uint8_t kind; /* 0 plain, 1 quoted with the closing quote last and no "" inside, 2 other */
} span;

struct csv_reader {
    csv_read_fn rd;        /* byte source */
    void *rd_ud;           /* its argument */
    const char *mem;       /* csv_open_mem: the data */
    size_t mem_n, mem_pos; /* its size and read position */
    char *buf;             /* decoded bytes (owned), cap + PAD allocated */
    size_t cap;            /* usable bytes of buf */
    size_t start;          /* first byte of the next record */
    size_t end;            /* bytes valid in buf */
    uint64_t base;         /* stream offset of buf[0] (decoded bytes) */
    bool eof;              /* rd reported the end */
    bool bom_checked;      /* the start of the input was looked at for a BOM */
    char *raw;             /* Latin-1: undecoded bytes of one read */
    size_t chunk;          /* bytes asked per read */
    size_t max_record;     /* record size limit */
    uint64_t raw_read;     /* input bytes read */
    char delim, quote;     /* separators */
    bool no_quoting;       /* quotes are text */
    bool keep_blank;       /* blank lines are records */
    csv_encoding enc;      /* input encoding */
    int64_t line;          /* line of buf[start] */
    int64_t rec_line;      /* line of the last record returned */
    uint64_t rec_off;      /* its stream offset */
    size_t expect;         /* fields every record must have (0 = any) */
    span *spans;           /* first-pass results of the current record */
    size_t nspans, capspans;
    csv_field *fields;     /* what csv_next hands out */
    size_t capfields;
    char *file;            /* name for errors */
    cdlt_error fail;       /* the error that stopped the reader */
    bool failed;           /* fail is set */
};

static cdlt_status mem_read(void *ud, char *b, size_t n, size_t *got, cdlt_error *err)
{
    (void)err;
    csv_reader *r = ud;
    size_t k = r->mem_n - r->mem_pos < n ? r->mem_n - r->mem_pos : n;
    memcpy(b, r->mem + r->mem_pos, k);
    r->mem_pos += k;
    *got = k;
    return CDLT_OK;
}

cdlt_status csv_open(const csv_opts *o, csv_read_fn rd, void *ud, csv_reader **out,
                     cdlt_error *err)
{
    *out = NULL;
    csv_opts d = {0};
    if (!o)
        o = &d;
    csv_reader *r = mem_calloc(1, sizeof *r);
    if (!r)
        return err_nomem(err);
    r->rd = rd;
    r->rd_ud = ud;
    r->delim = o->delimiter ? o->delimiter : ',';
    r->quote = o->quote ? o->quote : '"';
    r->no_quoting = o->no_quoting;
    r->keep_blank = o->keep_blank_lines;
    r->enc = o->encoding;
    r->chunk = o->chunk ? o->chunk : DEFAULT_CHUNK;
    r->max_record = o->max_record ? o->max_record : DEFAULT_MAX_RECORD;
    r->line = 1;
    /* room for a full read plus a record carried over; Latin-1 doubles at most */
    r->cap = (r->enc == CSV_LATIN1 ? 2 : 1) * r->chunk * 2;
    r->buf = mem_alloc(r->cap + PAD);
    r->file = mem_strdup(o->file ? o->file : "<csv>");
    if (r->enc == CSV_LATIN1)
        r->raw = mem_alloc(r->chunk);
    if (!r->buf || !r->file || (r->enc == CSV_LATIN1 && !r->raw)) {
        csv_close(r);
        return err_nomem(err);
    }
    *out = r;
    return CDLT_OK;
}

cdlt_status csv_open_mem(const csv_opts *o, const char *data, size_t n, csv_reader **out,
                         cdlt_error *err)
{
    cdlt_status rc = csv_open(o, mem_read, NULL, out, err);
    if (rc == CDLT_OK) {
        (*out)->rd_ud = *out;
        (*out)->mem = data;
        (*out)->mem_n = n;
    }
    return rc;
}

void csv_close(csv_reader *r)
{
    if (!r)
        return;
    mem_free(r->buf);
    mem_free(r->raw);
    mem_free(r->spans);
    mem_free(r->fields);
    mem_free(r->file);
    mem_free(r);
}

void csv_expect_fields(csv_reader *r, size_t n) { r->expect = n; }
int64_t csv_record_line(const csv_reader *r) { return r->rec_line; }
uint64_t csv_record_offset(const csv_reader *r) { return r->rec_off; }
uint64_t csv_bytes_read(const csv_reader *r) { return r->raw_read; }
const char *csv_file(const csv_reader *r) { return r->file; }

/* Stop the reader with err's error (kept for later calls). */
static cdlt_status stop(csv_reader *r, cdlt_error *err, cdlt_status st)
{
    r->failed = true;
    if (err)
        r->fail = *err;
    else
        r->fail.code = st;
    return st;
}

/* A data error at stream offset off on line `line`. */
static cdlt_status data_err(csv_reader *r, cdlt_error *err, int64_t line, uint64_t off,
                            const char *hint, const char *fmt, ...) CDLT_PRINTF(6, 7);
static cdlt_status data_err(csv_reader *r, cdlt_error *err, int64_t line, uint64_t off,
                            const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, CDLT_PARSE, fmt, ap);
    va_end(ap);
    err_prefix(err, "%s:%lld: ", r->file, (long long)line);
    err_at_file(err, r->file, line, 0, (int64_t)off);
    if (hint)
        err_hint(err, "%s", hint);
    return stop(r, err, CDLT_PARSE);
}

/* Latin-1 bytes to UTF-8: every byte >= 0x80 is the code point of the same value. */
static size_t latin1_to_utf8(const unsigned char *s, size_t n, char *d)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c < 0x80) {
            d[w++] = (char)c;
        } else {
            d[w++] = (char)(0xC0 | (c >> 6));
            d[w++] = (char)(0x80 | (c & 0x3F));
        }
    }
    return w;
}

/* Move the unfinished record to the front, grow when it fills the buffer, read more: at
 * least a chunk, and as much as the unfinished record already holds, so a record far longer
 * than a chunk is scanned a logarithmic number of times, not once per chunk. */
static cdlt_status fill(csv_reader *r, cdlt_error *err)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->base += r->start;
        r->end -= r->start;
        r->start = 0;
    }
    size_t want = r->end > r->chunk ? r->end : r->chunk;
    if (!r->bom_checked && want < 4)
        want = 4; /* the first read sees a whole BOM */
    size_t room = r->enc == CSV_LATIN1 ? 2 * want : want;
    if (r->cap - r->end < room) {
        if (r->end >= r->max_record)
            return data_err(r, err, r->line, r->base, "a quote left open makes the rest of the "
                            "file one field: check the quote character and the file",
                            "a record is longer than %zu bytes", r->max_record);
        size_t ncap = r->cap;
        while (ncap - r->end < room)
            ncap *= 2;
        char *nb = mem_realloc(r->buf, ncap + PAD);
        if (!nb)
            return stop(r, err, err_nomem(err));
        r->buf = nb;
        r->cap = ncap;
    }
    size_t total = 0;
    while (total < want) {
        size_t got = 0, ask = want - total;
        cdlt_status rc;
        if (r->enc == CSV_LATIN1) {
            if (ask > r->chunk)
                ask = r->chunk;
            rc = r->rd(r->rd_ud, r->raw, ask, &got, err);
            if (rc == CDLT_OK) {
                r->raw_read += got;
                r->end += latin1_to_utf8((const unsigned char *)r->raw, got, r->buf + r->end);
            }
        } else {
            rc = r->rd(r->rd_ud, r->buf + r->end, ask, &got, err);
            r->raw_read += got;
            r->end += got;
        }
        if (rc != CDLT_OK)
            return stop(r, err, rc);
        if (got == 0) {
            r->eof = true;
            break;
        }
        total += got;
    }
    if (!r->bom_checked) {
        r->bom_checked = true;
        if (r->enc == CSV_UTF8 && r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
            r->start = 3; /* the BOM is not data (pandas drops it as well) */
    }
    return CDLT_OK;
}

/* First byte at or after p (before e) that is the delimiter, '\n' or '\r'; e when none. */
static const char *scan_plain(const char *p, const char *e, char delim)
{
#ifdef __SSE2__
    const __m128i vd = _mm_set1_epi8(delim), vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
    while (p + 16 <= e) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vn)),
                                 _mm_cmpeq_epi8(x, vr));
        int bits = _mm_movemask_epi8(m);
        if (bits)
            return p + __builtin_ctz((unsigned)bits);
        p += 16;
    }
#endif
    for (; p < e; p++)
        if (*p == delim || *p == '\n' || *p == '\r')
            return p;
    return e;
}

/* Count '\n' (and lone '\r') line ends in [p, e): lines inside quoted fields. */
static int64_t count_lines(const char *p, const char *e)
{
    int64_t n = 0;
    for (; p < e; p++)
        if (*p == '\n' || (*p == '\r' && (p + 1 == e || p[1] != '\n')))
            n++;
    return n;
}

static cdlt_status add_span(csv_reader *r, size_t a, size_t b, uint8_t kind, cdlt_error *err)
{
    if (r->nspans == r->capspans) {
        span *ns = mem_grow(r->spans, r->nspans, &r->capspans, sizeof *ns, 64);
        if (!ns)
            return stop(r, err, err_nomem(err));
        r->spans = ns;
    }
    r->spans[r->nspans++] = (span){a, b, kind};
    return CDLT_OK;
}

enum { REC_DONE, REC_MORE };

/* First pass over the record at r->start: spans, and where the next record starts. Returns
 * REC_MORE when the buffer ends inside the record and more input may follow. */
static cdlt_status find_record(csv_reader *r, int *res, size_t *next, int64_t *lines,
                               cdlt_error *err)
{
    const char *b = r->buf, *e = r->buf + r->end;
    const char *p = b + r->start;
    char q = r->quote, d = r->delim;
    bool quoting = !r->no_quoting;
    *lines = 1;
    r->nspans = 0;
    for (;;) {
        const char *fs = p;
        uint8_t kind = 0;
        if (quoting && p < e && *p == q) {
            const char *c = p + 1;
            kind = 1;
            for (;;) {
                const char *hit = memchr(c, q, (size_t)(e - c));
                if (!hit) {
                    if (!r->eof) {
                        *res = REC_MORE;
                        return CDLT_OK;
                    }
                    int64_t ln = r->line + count_lines(b + r->start, fs);
                    return data_err(r, err, ln, r->base + (uint64_t)(fs - b),
                                    "close the quote, or set quotechar/quoting if quotes are "
                                    "plain text in this file",
                                    "the quoted field starting here is never closed (end of "
                                    "input reached)");
                }
                if (hit + 1 == e && !r->eof) {
                    *res = REC_MORE; /* "" or the closing quote: the next byte decides */
                    return CDLT_OK;
                }
                if (hit + 1 < e && hit[1] == q) {
                    kind = 2;
                    c = hit + 2;
                    continue;
                }
                *lines += count_lines(p + 1, hit);
                p = hit + 1;
                break;
            }
            if (p < e && *p != d && *p != '\n' && *p != '\r')
                kind = 2; /* text after the closing quote: kept, as pandas does */
        }
        p = scan_plain(p, e, d);
        if (p == e && !r->eof) {
            *res = REC_MORE;
            return CDLT_OK;
        }
        if (kind == 1 && p[-1] != q)
            kind = 2;
        cdlt_status rc = add_span(r, (size_t)(fs - b), (size_t)(p - b), kind, err);
        if (rc != CDLT_OK)
            return rc;
        if (p == e) { /* last record without a line end */
            *next = r->end;
            *lines = 0;
            *res = REC_DONE;
            return CDLT_OK;
        }
        if (*p == d) {
            p++;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 == e && !r->eof) {
                *res = REC_MORE;
                return CDLT_OK;
            }
            if (p + 1 < e && p[1] == '\n')
                p++;
        }
        *next = (size_t)(p + 1 - b);
        *res = REC_DONE;
        return CDLT_OK;
    }
}

/* Second pass: a quoted field's value in place (quotes removed, "" -> "). */
static size_t unquote(char *s, size_t n, char q)
{
    size_t w = 0, i = 1;
    bool in = true;
    while (i < n) {
        char c = s[i];
        if (in && c == q) {
            if (i + 1 < n && s[i + 1] == q) {
                s[w++] = q;
                i += 2;
                continue;
            }
            in = false;
            i++;
            continue;
        }
        s[w++] = c;
        i++;
    }
    return w;
}

/* Offset of the first invalid UTF-8 sequence in [p, p+n), or n. */
static size_t utf8_bad(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* 8 ASCII bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)
            k = 1, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 2, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 3, cp = c & 0x07;
        else
            return i;
        if (i + k >= n)
            return i;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += k + 1;
    }
    return n;
}

cdlt_status csv_next(csv_reader *r, const csv_field **fields, size_t *n, bool *eof,
                     cdlt_error *err)
{
    *fields = NULL;
    *n = 0;
    *eof = false;
    if (r->failed) {
        if (err)
            *err = r->fail;
        return r->fail.code;
    }
    for (;;) {
        if (r->start >= r->end) {
            if (r->eof) {
                *eof = true;
                return CDLT_OK;
            }
            cdlt_status rc = fill(r, err);
            if (rc != CDLT_OK)
                return rc;
            continue;
        }
        int res = REC_MORE;
        size_t next = 0;
        int64_t lines = 0;
        cdlt_status rc = find_record(r, &res, &next, &lines, err);
        if (rc != CDLT_OK)
            return rc;
        if (res == REC_MORE) {
            rc = fill(r, err);
            if (rc != CDLT_OK)
                return rc;
            continue;
        }
        size_t rs = r->start;
        r->rec_line = r->line;
        r->rec_off = r->base + rs;
        r->line += lines;
        r->start = next;
        /* a blank line: one empty unquoted field */
        if (!r->keep_blank && r->nspans == 1 && r->spans[0].a == r->spans[0].b)
            continue;
        if (r->enc == CSV_UTF8) {
            size_t bad = utf8_bad((const unsigned char *)r->buf + rs, next - rs);
            if (bad < next - rs)
                return data_err(r, err, r->rec_line + count_lines(r->buf + rs, r->buf + rs + bad),
                                r->rec_off + bad,
                                "set the reader's encoding (e.g. encoding = \"latin-1\")",
                                "invalid UTF-8 byte 0x%02X", (unsigned char)r->buf[rs + bad]);
        }
        if (r->expect && r->nspans != r->expect)
            return data_err(r, err, r->rec_line, r->rec_off,
                            "every record needs as many fields as the header: check the "
                            "delimiter, quote fields that contain it, or fix the row",
                            "record has %zu field%s, the header has %zu", r->nspans,
                            r->nspans == 1 ? "" : "s", r->expect);
        if (r->nspans > r->capfields) {
            size_t c = r->capfields;
            csv_field *nf = mem_grow(r->fields, r->nspans, &c, sizeof *nf, 64);
            if (!nf)
                return stop(r, err, err_nomem(err));
            r->fields = nf;
            r->capfields = c;
        }
        for (size_t i = 0; i < r->nspans; i++) {
            const span *s = &r->spans[i];
            char *p = r->buf + s->a;
            size_t len = s->b - s->a;
            uint32_t fl = 0;
            if (s->kind == 1) {
                p++;
                len -= 2;
                fl = CSV_F_QUOTED;
            } else if (s->kind == 2) {
                len = unquote(p, len, r->quote);
                fl = CSV_F_QUOTED;
            }
            p[len] = 0; /* over the delimiter, line end or a dropped quote; PAD at the end */
            if (len > UINT32_MAX)
                return data_err(r, err, r->rec_line, r->rec_off, NULL, "a field is over 4 GiB");
            r->fields[i] = (csv_field){p, (uint32_t)len, fl};
        }
        *fields = r->fields;
        *n = r->nspans;
        return CDLT_OK;
    }
}
