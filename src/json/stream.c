/* stream.c: items from NDJSON files of any size, or from one top-level JSON array, in bounded
 * memory: the file is read in big chunks, each item is copied into the caller's arena and parsed
 * there in place, so item values outlive the chunk buffer; only one huge item grows the buffer. */
#include "json_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define DEFAULT_CHUNK ((size_t)1 << 20)    /* 1 MiB reads: few syscalls, stays in L2/L3 */
#define DEFAULT_MAX_ITEM ((size_t)256 << 20) /* one item (line) larger than this is refused */

enum { MODE_UNKNOWN = 0, MODE_NDJSON, MODE_ARRAY, MODE_VALUES, MODE_DONE, MODE_FAILED };

struct json_stream {
    int fd;             /* file being read; -1 for memory input */
    json_read_fn rd;    /* or: the caller's byte source (decompression), NULL otherwise */
    void *rd_ud;        /* its argument */
    char *buf;          /* chunk buffer (owned) or the caller's memory */
    bool own_buf;       /* buf is ours to free */
    size_t cap;         /* bytes allocated in buf */
    size_t pos;         /* next unread byte in buf */
    size_t fill;        /* valid bytes in buf */
    uint64_t base;      /* absolute offset of buf[0] in the input */
    bool eof;           /* the input has no more bytes beyond buf[fill) */
    size_t chunk;       /* bytes asked per read() */
    size_t max_item;    /* hard cap on one item */
    int mode;           /* MODE_* */
    bool after_item;    /* array mode: an item was read, ',' or ']' comes next */
    int64_t line;       /* 1-based line of buf[pos] */
    uint64_t line_off;  /* absolute offset of the first byte of that line */
    int64_t item_line;  /* line of the last item returned */
    uint64_t item_off;  /* absolute offset of its first byte */
    json_vstack vs;     /* reusable parser stack */
    json_opts opts;     /* parse options (file points at `file`) */
    char *file;         /* name for errors (copy) or NULL */
    cdlt_error fail;    /* the error that stopped the stream (MODE_FAILED) */
};

static cdlt_status stream_new(const json_opts *opts, const char *file, json_stream **out,
                              cdlt_error *err)
{
    json_stream *s = mem_calloc(1, sizeof *s);
    if (!s)
        return err_nomem(err);
    s->fd = -1;
    s->chunk = DEFAULT_CHUNK;
    s->max_item = DEFAULT_MAX_ITEM;
    s->line = 1;
    if (opts)
        s->opts = *opts;
    const char *name = file ? file : (opts ? opts->file : NULL);
    if (name) {
        s->file = mem_strdup(name);
        if (!s->file) {
            mem_free(s);
            return err_nomem(err);
        }
    }
    s->opts.file = s->file;
    json_vstack_init(&s->vs, NULL, 0);
    *out = s;
    return CDLT_OK;
}

cdlt_status json_stream_open_file(const char *path, const json_opts *opts, json_stream **out,
                                  cdlt_error *err)
{
    *out = NULL;
    json_stream *s = NULL;
    cdlt_status st = stream_new(opts, opts && opts->file ? opts->file : path, &s, err);
    if (st != CDLT_OK)
        return st;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int e = errno;
        json_stream_close(s);
        err_set(err, CDLT_IO, "cannot open JSON file '%s': %s", path, strerror(e));
        return err_hint(err, "check the path and that the file is readable");
    }
    *out = s;
    return CDLT_OK;
}

cdlt_status json_stream_open_reader(json_read_fn rd, void *ud, const char *name,
                                   const json_opts *opts, json_stream **out, cdlt_error *err)
{
    *out = NULL;
    json_stream *s = NULL;
    cdlt_status st = stream_new(opts, name, &s, err);
    if (st != CDLT_OK)
        return st;
    s->rd = rd;
    s->rd_ud = ud;
    *out = s;
    return CDLT_OK;
}

void json_stream_set_values(json_stream *s)
{
    if (s->mode == MODE_UNKNOWN)
        s->mode = MODE_VALUES;
}

cdlt_status json_stream_open_mem(const char *data, size_t len, const json_opts *opts,
                                 json_stream **out, cdlt_error *err)
{
    *out = NULL;
    json_stream *s = NULL;
    cdlt_status st = stream_new(opts, NULL, &s, err);
    if (st != CDLT_OK)
        return st;
    s->buf = (char *)(uintptr_t)data; /* never written: items are copied out */
    s->cap = s->fill = len;
    s->eof = true;
    *out = s;
    return CDLT_OK;
}

void json_stream_set_chunk_size(json_stream *s, size_t chunk)
{
    s->chunk = chunk ? chunk : DEFAULT_CHUNK;
}

void json_stream_set_max_item(json_stream *s, size_t max_item)
{
    s->max_item = max_item ? max_item : DEFAULT_MAX_ITEM;
}

void json_stream_close(json_stream *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    if (s->own_buf)
        mem_free(s->buf);
    json_vstack_free(&s->vs);
    mem_free(s->file);
    mem_free(s);
}

void json_stream_position(const json_stream *s, int64_t *out_line, int64_t *out_offset)
{
    if (out_line)
        *out_line = s->item_line;
    if (out_offset)
        *out_offset = (int64_t)s->item_off;
}

uint64_t json_stream_bytes_read(const json_stream *s) { return s->base + s->pos; }

/* Error at absolute offset `abs` on line `line` (column from line_off); stops the stream. */
static cdlt_status fail_at(json_stream *s, cdlt_error *err, cdlt_status code, int64_t line,
                           uint64_t line_off, uint64_t abs)
{
    err_at_file(err, s->file, line, (int64_t)(abs - line_off) + 1, (int64_t)abs);
    return code;
}

static cdlt_status stop(json_stream *s, cdlt_error *err, cdlt_status st)
{
    s->mode = MODE_FAILED;
    if (err)
        s->fail = *err;
    else
        s->fail.code = st;
    return st;
}

/* Make more input available after buf[fill): keep the unread tail, grow the buffer only when
 * the tail already fills it (one item larger than a chunk). Sets *got = false at the end. */
static cdlt_status refill(json_stream *s, bool *got, cdlt_error *err)
{
    *got = false;
    if (s->eof)
        return CDLT_OK;
    if (s->pos) {
        memmove(s->buf, s->buf + s->pos, s->fill - s->pos);
        s->base += s->pos;
        s->fill -= s->pos;
        s->pos = 0;
    }
    if (s->cap - s->fill < s->chunk / 2 || s->cap == s->fill) {
        size_t ncap = s->cap ? s->cap : s->chunk;
        while (ncap - s->fill < s->chunk / 2 || ncap == s->fill) {
            if (ncap >= s->max_item + s->chunk) {
                err_set(err, CDLT_TOO_LARGE,
                        "one item is larger than %zu MiB, the limit for a single JSON line or array item",
                        s->max_item >> 20);
                err_hint(err, "split the data into smaller items (NDJSON: one record per line)");
                return fail_at(s, err, CDLT_TOO_LARGE, s->line, s->line_off, s->base);
            }
            ncap *= 2;
        }
        char *n = mem_realloc(s->own_buf ? s->buf : NULL, ncap);
        if (!n)
            return err_nomem(err);
        s->buf = n;
        s->own_buf = true;
        s->cap = ncap;
    }
    size_t want = s->cap - s->fill;
    if (want > s->chunk)
        want = s->chunk;
    if (s->rd) {
        size_t n = 0;
        cdlt_status st = s->rd(s->rd_ud, s->buf + s->fill, want, &n, err);
        if (st != CDLT_OK) {
            s->mode = MODE_FAILED;
            if (err)
                s->fail = *err;
            else
                s->fail.code = st;
            return st;
        }
        if (n == 0)
            s->eof = true;
        s->fill += n;
        *got = n > 0;
        return CDLT_OK;
    }
    for (;;) {
        ssize_t r = read(s->fd, s->buf + s->fill, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err_set(err, CDLT_IO, "read error in JSON file: %s", strerror(errno));
            return fail_at(s, err, CDLT_IO, s->line, s->line_off, s->base + s->fill);
        }
        if (r == 0)
            s->eof = true;
        s->fill += (size_t)r;
        *got = r > 0;
        return CDLT_OK;
    }
}

/* Account for consumed bytes buf[pos..to): line numbers and line starts. */
static void advance(json_stream *s, size_t to)
{
    const char *p = s->buf + s->pos, *e = s->buf + to;
    while (p < e) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        if (!nl)
            break;
        s->line++;
        p = nl + 1;
        s->line_off = s->base + (size_t)(p - s->buf);
    }
    s->pos = to;
}

static inline bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Skip whitespace (reading more as needed); *out_c = next byte or -1 at the end. */
static cdlt_status skip_ws(json_stream *s, int *out_c, cdlt_error *err)
{
    for (;;) {
        size_t i = s->pos;
        while (i < s->fill && is_ws(s->buf[i]))
            i++;
        advance(s, i);
        if (i < s->fill) {
            *out_c = (uint8_t)s->buf[i];
            return CDLT_OK;
        }
        bool got;
        cdlt_status st = refill(s, &got, err);
        if (st != CDLT_OK)
            return st;
        if (!got) {
            *out_c = -1;
            return CDLT_OK;
        }
    }
}

/* Copy buf[from..to) into the arena and parse it; error positions are mapped back to the file
 * (the copy starts at absolute offset base+from on line `line`, column col0). */
static cdlt_status parse_span(json_stream *s, arena *a, size_t from, size_t to, int64_t line,
                              int64_t col0, jv *out, cdlt_error *err)
{
    size_t n = to - from;
    char *b = arena_alloc(a, n + JSON_PAD);
    if (!b)
        return err_nomem(err);
    memcpy(b, s->buf + from, n);
    memset(b + n, 0, JSON_PAD);
    size_t off;
    cdlt_status st = json_parse_insitu(b, n, a, &s->opts, &s->vs, out, &off, err);
    if (st == CDLT_OK)
        return CDLT_OK;
    int64_t l, c;
    json_line_col(s->buf + from, off, &l, &c);
    err_at_file(err, s->file, line + l - 1, l == 1 ? col0 + c - 1 : c,
                (int64_t)(s->base + from + off));
    return st;
}

static cdlt_status next_ndjson(json_stream *s, arena *a, jv *out, bool *out_eof, cdlt_error *err)
{
    size_t scanned = s->pos; /* bytes before this were searched for '\n' already */
    for (;;) {
        char *nl = s->fill > scanned ? memchr(s->buf + scanned, '\n', s->fill - scanned) : NULL;
        size_t le, next;
        if (nl) {
            le = (size_t)(nl - s->buf);
            next = le + 1;
        } else if (!s->eof) {
            size_t keep = scanned - s->pos;
            bool got;
            cdlt_status st = refill(s, &got, err);
            if (st != CDLT_OK)
                return stop(s, err, st);
            scanned = s->pos + keep;
            continue;
        } else if (s->pos == s->fill) {
            s->mode = MODE_DONE;
            *out_eof = true;
            return CDLT_OK;
        } else {
            le = next = s->fill;
        }
        size_t start = s->pos;
        while (start < le && is_ws(s->buf[start]))
            start++;
        if (start == le) { /* blank line */
            advance(s, next);
            scanned = s->pos;
            continue;
        }
        s->item_line = s->line;
        s->item_off = s->base + start;
        int64_t line = s->line;
        int64_t col0 = (int64_t)(s->base + start - s->line_off) + 1;
        /* The line itself is the item; a bad line is skipped so callers may continue, but
         * after out-of-memory the same line is tried again by the next call. */
        cdlt_status st = parse_span(s, a, start, le, line, col0, out, err);
        if (st == CDLT_NOMEM)
            return st;
        s->pos = next;
        s->line++;
        s->line_off = s->base + next;
        return st;
    }
}

/* End of the array item starting at buf[from] (position of the ',', ']' or whitespace that
 * follows it at depth 0), or SIZE_MAX when the buffer ends first. Strings are skipped so brackets and commas
 * inside them do not count; the parser validates the item afterwards. */
static size_t item_end(const json_stream *s, size_t from)
{
    const char *p = s->buf + from, *e = s->buf + s->fill;
    int64_t depth = 0;
    while (p < e) {
        char c = *p;
        if (c == '"') {
            p++;
            for (;;) {
                const char *q = memchr(p, '"', (size_t)(e - p));
                if (!q)
                    return SIZE_MAX;
                /* Count backslashes before the quote: odd means it is escaped. */
                const char *b = q;
                while (b > p && b[-1] == '\\')
                    b--;
                p = q + 1;
                if (((q - b) & 1) == 0)
                    break;
            }
            continue;
        }
        if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}') {
            if (depth == 0)
                return (size_t)(p - s->buf);
            depth--;
        } else if (depth == 0 && (c == ',' || is_ws(c)))
            return (size_t)(p - s->buf);
        p++;
    }
    return SIZE_MAX;
}

static cdlt_status array_error(json_stream *s, cdlt_error *err, const char *what, int c)
{
    char f[24];
    if (c < 0)
        snprintf(f, sizeof f, "end of input");
    else if (c > 0x20 && c < 0x7F)
        snprintf(f, sizeof f, "'%c'", c);
    else
        snprintf(f, sizeof f, "byte 0x%02X", (unsigned)c);
    err_set(err, CDLT_PARSE, "JSON array of items: expected %s, found %s", what, f);
    if (c < 0)
        advance(s, s->fill); /* point at the end of the input */
    fail_at(s, err, CDLT_PARSE, s->line, s->line_off, s->base + s->pos);
    return stop(s, err, CDLT_PARSE);
}

static cdlt_status next_array(json_stream *s, arena *a, jv *out, bool *out_eof, cdlt_error *err)
{
    int c;
    cdlt_status st = skip_ws(s, &c, err);
    if (st != CDLT_OK)
        return stop(s, err, st);
    if (s->after_item || c == ']') {
        if (c == ']') {
            advance(s, s->pos + 1);
            st = skip_ws(s, &c, err);
            if (st != CDLT_OK)
                return stop(s, err, st);
            if (c >= 0) {
                /* more after the array: the file is NDJSON whose first line is a list
                 * (each later line is an item, a list line a list of items) */
                s->mode = MODE_NDJSON;
                s->after_item = false;
                return next_ndjson(s, a, out, out_eof, err);
            }
            s->mode = MODE_DONE;
            *out_eof = true;
            return CDLT_OK;
        }
        if (c != ',')
            return array_error(s, err, "',' or ']' after an item", c);
        advance(s, s->pos + 1);
        st = skip_ws(s, &c, err);
        if (st != CDLT_OK)
            return stop(s, err, st);
        if (c == ']' || c == ',' || c < 0)
            return array_error(s, err, "an item after ','", c);
    }
    size_t end;
    while ((end = item_end(s, s->pos)) == SIZE_MAX) {
        bool got;
        st = refill(s, &got, err);
        if (st != CDLT_OK)
            return stop(s, err, st);
        if (!got)
            return array_error(s, err, "',' or ']' after the last item (the array is not closed)", -1);
    }
    size_t start = s->pos;
    s->item_line = s->line;
    s->item_off = s->base + start;
    int64_t line = s->line;
    int64_t col0 = (int64_t)(s->base + start - s->line_off) + 1;
    st = parse_span(s, a, start, end, line, col0, out, err);
    if (st != CDLT_OK)
        return stop(s, err, st);
    advance(s, end);
    s->after_item = true;
    return CDLT_OK;
}

/* One whole JSON value per item, spanning any number of lines: a pretty-printed object,
 * or several such values one after another. */
static cdlt_status next_value(json_stream *s, arena *a, jv *out, bool *out_eof, cdlt_error *err)
{
    int c;
    cdlt_status st = skip_ws(s, &c, err);
    if (st != CDLT_OK)
        return stop(s, err, st);
    if (c < 0) {
        s->mode = MODE_DONE;
        *out_eof = true;
        return CDLT_OK;
    }
    size_t end;
    while ((end = item_end(s, s->pos)) == SIZE_MAX) {
        bool got;
        st = refill(s, &got, err);
        if (st != CDLT_OK)
            return stop(s, err, st);
        if (!got) {
            end = s->fill; /* the value runs to the end: the parser says if it is whole */
            break;
        }
    }
    if (end == s->pos) /* a stray ',' ']' or '}' where a value should start */
        end = s->pos + 1;
    size_t start = s->pos;
    s->item_line = s->line;
    s->item_off = s->base + start;
    int64_t line = s->line;
    int64_t col0 = (int64_t)(s->base + start - s->line_off) + 1;
    st = parse_span(s, a, start, end, line, col0, out, err);
    if (st != CDLT_OK)
        return stop(s, err, st);
    advance(s, end);
    return CDLT_OK;
}

cdlt_status json_stream_next(json_stream *s, arena *a, jv *out, bool *out_eof, cdlt_error *err)
{
    *out = jv_null();
    *out_eof = false;
    if (s->mode == MODE_UNKNOWN) {
        int c;
        cdlt_status st = skip_ws(s, &c, err);
        if (st != CDLT_OK)
            return stop(s, err, st);
        if (c == '[') {
            s->mode = MODE_ARRAY;
            advance(s, s->pos + 1);
        } else {
            s->mode = MODE_NDJSON;
        }
    }
    switch (s->mode) {
    case MODE_NDJSON:
        return next_ndjson(s, a, out, out_eof, err);
    case MODE_ARRAY:
        return next_array(s, a, out, out_eof, err);
    case MODE_VALUES:
        return next_value(s, a, out, out_eof, err);
    case MODE_DONE:
        *out_eof = true;
        return CDLT_OK;
    default:
        if (err)
            *err = s->fail;
        return s->fail.code ? s->fail.code : CDLT_ERROR;
    }
}
