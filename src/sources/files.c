/* files.c: the file source: glob(3) expansion, then json_stream over each file in turn.
 * Progress is reported in bytes because the item count is unknown until the end.
 * Also the verbatim copy of NDJSON files (extract's fast path): the bytes as they are plus an
 * item count that matches what the line reader would yield, without parsing. */
#include "sources.h"
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define SRC_CHUNK (1u << 20)      /* read size of the NDJSON line reader */
#define SRC_MAX_LINE (256u << 20) /* longest item line accepted */

/* NDJSON line reader: keeps each item's own bytes (json_stream parses in place and so
 * cannot), which lets extract store items without a JSON write; measured on the 100k-events
 * bench, json_write was ~45% of extract time. */
typedef struct src_lines {
    src_input *in;    /* open input (decompressing), NULL when not in use */
    char *buf;        /* data window */
    size_t cap;       /* allocated bytes of buf */
    size_t start;     /* first unconsumed byte */
    size_t end;       /* bytes valid in buf */
    bool eof;         /* read() returned 0, or limit reached */
    uint64_t limit;   /* read no byte at or past this offset (UINT64_MAX: to the end) */
    uint64_t base;    /* file offset of buf[0] */
    int64_t lineno;   /* lines consumed so far */
} src_lines;

struct src_files {
    char **paths;        /* matched files, sorted */
    char *shown;         /* name data errors give instead of paths[cur] (a copy's origin) */
    uint64_t *sizes;     /* size of each file */
    size_t n;            /* entries of paths */
    size_t cur;          /* index of the file being read (n when done) */
    size_t stop;         /* iteration ends before this file (n, or src_files_only's i + 1) */
    json_stream *js;     /* JSON-array stream of paths[cur], NULL otherwise */
    src_lines ln;        /* NDJSON reader of paths[cur] (in NULL when unused) */
    src_input *js_in;    /* the input js reads through (NULL for plain files) */
    bool open;           /* paths[cur] is open (js or ln) */
    uint64_t total;      /* sum of sizes */
    uint64_t done_prev;  /* bytes of the files already finished */
    uint64_t limit;      /* src_files_open_copy: read only the first `limit` bytes (0 = all) */
    uint32_t max_depth;  /* JSON nesting limit of items (0 = the reader's default) */
    src_files_follow_fn follow; /* src_files_set_follow: the copy is still being written */
    void *follow_ud;
};

void src_files_set_follow(src_files *f, src_files_follow_fn fn, void *ud)
{
    f->follow = fn;
    f->follow_ud = ud;
}

void src_files_set_max_depth(src_files *f, uint32_t depth)
{
    if (f)
        f->max_depth = depth;
}

void src_files_close(src_files *f)
{
    if (!f)
        return;
    json_stream_close(f->js);
    src_input_close(f->js_in);
    src_input_close(f->ln.in);
    mem_free(f->ln.buf);
    for (size_t i = 0; i < f->n; i++)
        mem_free(f->paths[i]);
    mem_free(f->paths);
    mem_free(f->sizes);
    mem_free(f->shown);
    mem_free(f);
}

/* The file name data errors report: a verbatim copy reports its origin, so an error found when
 * the copy is read names the user's file at the same line, column and byte. */
static const char *shown_path(const src_files *f)
{
    return f->shown ? f->shown : f->paths[f->cur];
}

cdlt_status src_files_open(const char *pattern, src_files **out, cdlt_error *err)
{
    *out = NULL;
    if (!pattern || !*pattern)
        return err_set(err, CDLT_INVALID_ARG, "file source: empty path");
    src_files *f = mem_calloc(1, sizeof *f);
    if (!f)
        return err_nomem(err);
    strv g = {0};
    bool literal = false;
    cdlt_status xs = src_expand(pattern, &g, &literal, err);
    if (xs == CDLT_NOT_FOUND) {
        strv_free(&g);
        mem_free(f);
        err_set(err, CDLT_NOT_FOUND, "no file matches '%s'", pattern);
        return err_hint(err, "check the path (relative paths start at the definition "
                             "file's folder; '**' matches any number of folders)");
    }
    if (xs != CDLT_OK) {
        strv_free(&g);
        mem_free(f);
        return xs;
    }
    bool pattern_glob = !literal;
    size_t n = g.n;
    f->paths = mem_calloc(n, sizeof *f->paths);
    f->sizes = mem_calloc(n, sizeof *f->sizes);
    if (!f->paths || !f->sizes) {
        strv_free(&g);
        src_files_close(f);
        return err_nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        const char *p = g.v[i];
        struct stat st;
        if (stat(p, &st) != 0) {
            /* the message first: p may point into g (a match that vanished since glob ran) */
            int e = errno;
            cdlt_status fail = e == ENOENT ? CDLT_NOT_FOUND : CDLT_IO;
            if (e == ENOENT) {
                err_set(err, fail, "file '%s' does not exist", p);
                err_hint(err, "check the path (relative paths start at the definition "
                              "file's folder)");
            } else {
                err_set(err, fail, "cannot read '%s': %s", p, strerror(e));
            }
            strv_free(&g);
            src_files_close(f);
            return fail;
        }
        if (S_ISDIR(st.st_mode)) {
            if (!pattern_glob) {
                /* the message first: p points into g */
                err_set(err, CDLT_INVALID_ARG, "'%s' is a folder", p);
                err_hint(err, "use a glob such as '%s/*.jsonl'", p);
                strv_free(&g);
                src_files_close(f);
                return CDLT_INVALID_ARG;
            }
            continue; /* globs only yield files, like dlt's filesystem source */
        }
        f->paths[f->n] = mem_strdup(p);
        if (!f->paths[f->n]) {
            strv_free(&g);
            src_files_close(f);
            return err_nomem(err);
        }
        f->sizes[f->n] = (uint64_t)st.st_size;
        f->total += (uint64_t)st.st_size;
        f->n++;
    }
    strv_free(&g);
    if (f->n == 0) {
        src_files_close(f);
        return err_set(err, CDLT_NOT_FOUND, "no file matches '%s'", pattern);
    }
    f->stop = f->n;
    *out = f;
    return CDLT_OK;
}

static cdlt_status lines_fill(src_files *f, cdlt_error *err)
{
    src_lines *l = &f->ln;
    if (l->start > 0) {
        memmove(l->buf, l->buf + l->start, l->end - l->start);
        l->base += l->start;
        l->end -= l->start;
        l->start = 0;
    }
    if (l->cap - l->end < SRC_CHUNK / 2) {
        if (l->cap >= SRC_MAX_LINE + SRC_CHUNK) {
            err_set(err, CDLT_TOO_LARGE, "a line longer than %u MiB", SRC_MAX_LINE >> 20);
            return err_at_file(err, shown_path(f), l->lineno + 1, 0, (int64_t)l->base);
        }
        size_t nc = l->cap ? l->cap * 2 : SRC_CHUNK;
        char *nb = mem_realloc(l->buf, nc + 1);
        if (!nb)
            return err_nomem(err);
        l->buf = nb;
        l->cap = nc;
    }
    for (;;) {
        size_t want = l->cap - l->end;
        uint64_t at = l->base + l->end;
        if (l->limit != UINT64_MAX && l->limit - at < want)
            want = (size_t)(l->limit - at);
        size_t r = 0;
        cdlt_status st = want ? src_input_read(l->in, l->buf + l->end, want, &r, err) : CDLT_OK;
        if (st == CDLT_PARSE && err && !err->file[0]) /* the decompressor's: the line read */
            err_at_file(err, shown_path(f), l->lineno + 1, 0, (int64_t)l->base);
        if (st != CDLT_OK)
            return st;
        if (r == 0)
            l->eof = true;
        l->end += r;
        return CDLT_OK;
    }
}

/* Bytes of the (decompressing) input, for json_stream. */
static cdlt_status js_read(void *ud, char *b, size_t n, size_t *got, cdlt_error *err)
{
    return src_input_read(ud, b, n, got, err);
}

/* Whether text[0..n) (one line, blanks around it allowed) is one whole JSON value. */
static cdlt_status line_is_value(const char *text, size_t n, bool *out)
{
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
        n--;
    arena a;
    arena_init(&a, 64u << 10, 0);
    jv v;
    cdlt_status st = json_parse(text, n, &a, NULL, &v, NULL);
    arena_free(&a);
    *out = st == CDLT_OK;
    return st == CDLT_NOMEM ? CDLT_NOMEM : CDLT_OK;
}

/* Whether the first item line, starting at buf[i], is one whole JSON value (reading on to
 * its end). When it is not, the file is read as whole values: a pretty-printed object. */
static cdlt_status first_line_whole(src_files *f, size_t i, bool *out, cdlt_error *err)
{
    src_lines *l = &f->ln;
    size_t scanned = i;
    for (;;) {
        char *nl = memchr(l->buf + scanned, '\n', l->end - scanned);
        if (nl || l->eof) {
            size_t e = nl ? (size_t)(nl - l->buf) : l->end;
            cdlt_status st = line_is_value(l->buf + i, e - i, out);
            return st == CDLT_OK ? st : err_nomem(err);
        }
        scanned = l->end;
        cdlt_status st = lines_fill(f, err); /* start is 0 here: nothing moves */
        if (st != CDLT_OK)
            return st;
    }
}

/* Open paths[cur]. First non-blank byte '[' -> json_stream (the array's elements; NDJSON
 * whose first line is a list goes on line by line after it); a first line that is a whole
 * value -> the NDJSON line reader; otherwise -> json_stream of whole values (one JSON
 * document, e.g. a pretty-printed object). Compressed files are read the same way, through
 * the decompressing input. */
static cdlt_status open_current(src_files *f, cdlt_error *err)
{
    const char *path = f->paths[f->cur];
    src_lines *l = &f->ln;
    cdlt_status st = src_input_open(path, shown_path(f), &l->in, err);
    if (st != CDLT_OK)
        return st;
    if (f->follow)
        src_input_follow(l->in, f->follow, f->follow_ud);
    l->start = l->end = 0;
    l->base = 0;
    l->lineno = 0;
    l->eof = false;
    l->limit = f->limit ? f->limit : UINT64_MAX;
    for (;;) {
        if ((st = lines_fill(f, err)) != CDLT_OK)
            return st;
        size_t i = 0;
        while (i < l->end && (l->buf[i] == ' ' || l->buf[i] == '\t' || l->buf[i] == '\r' ||
                              l->buf[i] == '\n'))
            i++;
        if (i < l->end || l->eof) {
            bool whole = true;
            if (i < l->end && l->buf[i] != '[' && (st = first_line_whole(f, i, &whole, err)) != CDLT_OK)
                return st;
            if (i < l->end && (l->buf[i] == '[' || !whole)) {
                src_input_close(l->in);
                l->in = NULL;
                json_opts o = {f->max_depth, 0, shown_path(f)};
                if ((st = src_input_open(path, shown_path(f), &f->js_in, err)) != CDLT_OK)
                    return st;
                if (f->follow)
                    src_input_follow(f->js_in, f->follow, f->follow_ud);
                st = json_stream_open_reader(js_read, f->js_in, shown_path(f), &o, &f->js, err);
                if (st != CDLT_OK)
                    return st;
                if (!whole)
                    json_stream_set_values(f->js);
            }
            f->open = true;
            return CDLT_OK;
        }
    }
}

static void close_current(src_files *f)
{
    json_stream_close(f->js);
    f->js = NULL;
    src_input_close(f->js_in);
    f->js_in = NULL;
    src_input_close(f->ln.in);
    f->ln.in = NULL;
    f->open = false;
    f->done_prev += f->sizes[f->cur];
    f->cur++;
}

/* The error of json_parse on one line, moved to the line's place in the file. */
static cdlt_status relocate(src_files *f, cdlt_error *err, cdlt_status st, uint64_t line_off)
{
    if (!err)
        return st;
    int64_t col = err->column, rel = err->offset;
    char msg[CDLT_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->message);
    char *at = strstr(msg, " (at ");
    if (at)
        *at = '\0';
    err_set(err, st, "%s", msg);
    return err_at_file(err, shown_path(f), f->ln.lineno, col,
                       (int64_t)line_off + (rel >= 0 ? rel : 0));
}

cdlt_status src_files_next_raw(src_files *f, arena *a, jv *out, const char **out_raw,
                               size_t *out_rawlen, bool *out_eof, cdlt_error *err)
{
    *out_eof = false;
    *out_raw = NULL;
    *out_rawlen = 0;
    for (;;) {
        if (f->cur >= f->stop) {
            *out_eof = true;
            return CDLT_OK;
        }
        cdlt_status st;
        if (!f->open && (st = open_current(f, err)) != CDLT_OK)
            return st;
        if (f->js) {
            bool eof = false;
            st = json_stream_next(f->js, a, out, &eof, err);
            if (st == CDLT_PARSE && err && !err->file[0]) {
                /* the decompressor's error: placed where the JSON reader stopped */
                int64_t line = 0, off = 0;
                json_stream_position(f->js, &line, &off);
                err_at_file(err, shown_path(f), line > 0 ? line : 1, 0, off);
            }
            if (st != CDLT_OK || !eof)
                return st;
            close_current(f);
            continue;
        }
        src_lines *l = &f->ln;
        char *nl = memchr(l->buf + l->start, '\n', l->end - l->start);
        if (!nl && !l->eof) {
            if ((st = lines_fill(f, err)) != CDLT_OK)
                return st;
            continue;
        }
        size_t s0 = l->start, e0 = nl ? (size_t)(nl - l->buf) : l->end;
        if (!nl && s0 == e0) {
            close_current(f);
            continue;
        }
        l->start = nl ? e0 + 1 : e0;
        l->lineno++;
        size_t s = s0, e = e0;
        while (s < e && (l->buf[s] == ' ' || l->buf[s] == '\t' || l->buf[s] == '\r'))
            s++;
        while (e > s && (l->buf[e - 1] == ' ' || l->buf[e - 1] == '\t' || l->buf[e - 1] == '\r'))
            e--;
        if (s == e)
            continue; /* blank line */
        json_opts lo = {f->max_depth, 0, NULL};
        st = json_parse(l->buf + s, e - s, a, &lo, out, err);
        if (st != CDLT_OK)
            return relocate(f, err, st, l->base + s);
        *out_raw = l->buf + s;
        *out_rawlen = e - s;
        return CDLT_OK;
    }
}

cdlt_status src_files_next(src_files *f, arena *a, jv *out, bool *out_eof, cdlt_error *err)
{
    const char *raw;
    size_t rawlen;
    return src_files_next_raw(f, a, out, &raw, &rawlen, out_eof, err);
}

uint64_t src_files_total_bytes(const src_files *f) { return f->total; }

uint64_t src_files_done_bytes(const src_files *f)
{
    /* progress is in file bytes: a compressed file counts what was read of it */
    const src_input *in = f->js ? f->js_in : f->ln.in;
    if (in && src_input_codec(in) != SRC_PLAIN)
        return f->done_prev + src_input_raw_bytes(in);
    if (f->js)
        return f->done_prev + json_stream_bytes_read(f->js);
    return f->done_prev + (f->open ? f->ln.base + f->ln.start : 0);
}

size_t src_files_count(const src_files *f) { return f->n; }

const char *src_files_current(const src_files *f)
{
    return f->cur < f->n ? f->paths[f->cur] : NULL;
}

int64_t src_files_line(const src_files *f)
{
    int64_t line = 0, off = 0;
    if (f->js)
        json_stream_position(f->js, &line, &off);
    return f->js ? line : f->ln.lineno;
}

cdlt_status src_files_open_copy(const char *path, const char *shown, uint64_t limit,
                                src_files **out, cdlt_error *err)
{
    *out = NULL;
    src_files *f = mem_calloc(1, sizeof *f);
    if (!f)
        return err_nomem(err);
    f->paths = mem_calloc(1, sizeof *f->paths);
    f->sizes = mem_calloc(1, sizeof *f->sizes);
    if (f->paths)
        f->n = 1;
    if (!f->paths || !f->sizes || !(f->paths[0] = mem_strdup(path)) ||
        !(f->shown = mem_strdup(shown))) {
        src_files_close(f);
        return err_nomem(err);
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        src_files_close(f);
        return err_set(err, CDLT_IO, "cannot read '%s': %s", path, strerror(e));
    }
    if (limit && (uint64_t)st.st_size < limit) {
        /* a hard link shares the user's file: it was truncated or rewritten in place */
        src_files_close(f);
        err_set(err, CDLT_PARSE,
                "'%s' changed after it was extracted: it now has %llu bytes, %llu were "
                "extracted (the package holds a hard link to it, '%s')",
                shown, (unsigned long long)st.st_size, (unsigned long long)limit, path);
        return err_hint(err, "the file was truncated or rewritten while the run was pending; "
                             "extract it again (set [extract] verbatim_link = false to have "
                             "cdlt copy input files instead of linking them)");
    }
    f->limit = limit;
    f->sizes[0] = f->total = limit ? limit : (uint64_t)st.st_size;
    f->stop = 1;
    *out = f;
    return CDLT_OK;
}

/* ---- verbatim copies ---- */

/* Bytes read, counted and written at a time. Measured copying the 1.2 GB bench file (2-core
 * VM, ext4, kernel 6.18; with the write-behind of store_file_write_direct; fsync included):
 * read + count + write in 64 KiB pieces 0.64-0.70 s (0.5 s system CPU, steady); the same
 * through an mmap window 0.67-0.77 s (and SIGBUS if the file shrinks); 256 KiB-1 MiB pieces
 * 0.6-3.6 s (up to 2.9 s system CPU in the kernel's copy into the page cache: larger writes
 * hit a slow path more often); copy_file_range + a counting pass over a mapping 0.55-0.63 s
 * plus a 0.4-0.5 s fsync. The parsing extract takes 2.0-2.3 s for the same file. */
#define SRC_COPY_PIECE (64u << 10)

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Whether the line reader takes the file as NDJSON, as open_current decides: a regular,
 * uncompressed file whose first non-blank byte is not '[' and whose first item line is a
 * whole JSON value. Only the first MiB is looked at: a longer first line says false (the
 * file is then parsed, not copied). Unreadable files say false: the reader reports them. */
#define NDJSON_PROBE (1u << 20)
static bool file_is_ndjson(const char *path)
{
    if (src_detect_codec(path) != SRC_PLAIN)
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    char *b = ok ? mem_alloc(NDJSON_PROBE) : NULL;
    size_t n = 0;
    bool eof = false;
    while (b && n < NDJSON_PROBE) {
        ssize_t r = read(fd, b + n, NDJSON_PROBE - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            ok = false;
        if (r <= 0) {
            eof = r == 0;
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    if (!b) {
        return false;
    }
    size_t k = 0;
    while (k < n && (is_blank(b[k]) || b[k] == '\n'))
        k++;
    if (ok && k < n) {
        char *nl = memchr(b + k, '\n', n - k);
        bool whole = false;
        ok = b[k] != '[' && (nl || eof) &&
             line_is_value(b + k, (size_t)((nl ? nl : b + n) - (b + k)), &whole) == CDLT_OK && whole;
    }
    mem_free(b);
    return ok;
}

bool src_files_is_ndjson(const src_files *f, size_t i)
{
    return i < f->n && file_is_ndjson(f->paths[i]);
}

const char *src_files_path(const src_files *f, size_t i)
{
    return i < f->n ? f->paths[i] : NULL;
}

uint64_t src_files_size(const src_files *f, size_t i)
{
    return i < f->n ? f->sizes[i] : 0;
}

void src_files_only(src_files *f, size_t i)
{
    if (f->open)
        close_current(f);
    f->cur = i < f->n ? i : f->n;
    f->stop = f->cur < f->n ? f->cur + 1 : f->n;
    f->done_prev = 0;
    for (size_t k = 0; k < f->cur; k++)
        f->done_prev += f->sizes[k];
}

/* Item count of NDJSON bytes fed in pieces, equal to what src_files_next_raw and extract make
 * of them: a line holding anything but blanks is one item, except a line starting with '[',
 * a list that extract splits into its elements: only such lines are parsed, to count them. */
typedef struct line_count {
    uint64_t items; /* items so far */
    bool at_start;  /* in the leading blanks of a line */
    bool in_list;   /* the current line starts with '[': its bytes go to `list` */
    buf list;       /* the current list line (capped at SRC_MAX_LINE) */
    arena *a;       /* parse memory for list lines, reset after each */
} line_count;

static void count_list(line_count *c)
{
    /* an unparsable list counts as one item: normalize reads the copy with the line reader
     * and reports the first bad line, in line order, as extract would have */
    uint64_t n = 1;
    size_t e = c->list.len;
    while (e > 0 && is_blank(c->list.data[e - 1]))
        e--;
    jv v;
    if (c->list.status == CDLT_OK && json_parse(c->list.data, e, c->a, NULL, &v, NULL) == CDLT_OK &&
        v.type == JV_ARRAY)
        n = v.len;
    arena_reset(c->a);
    c->items += n;
    buf_clear(&c->list);
    c->list.status = CDLT_OK;
    c->in_list = false;
}

static void count_feed(line_count *c, const char *p, size_t n)
{
    const char *e = p + n;
    while (p < e) {
        if (c->at_start) {
            while (p < e && is_blank(*p))
                p++;
            if (p == e)
                return;
            if (*p == '\n') { /* blank line */
                p++;
                continue;
            }
            c->at_start = false;
            if (*p == '[')
                c->in_list = true;
            else
                c->items++;
        }
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        if (c->in_list)
            buf_append(&c->list, p, (size_t)((nl ? nl : e) - p));
        if (!nl)
            return;
        if (c->in_list)
            count_list(c);
        p = nl + 1;
        c->at_start = true;
    }
}

static cdlt_status copy_err(cdlt_error *err, const char *what, const char *path)
{
    return err_set(err, CDLT_IO, "cannot %s '%s': %s", what, path, strerror(errno));
}

cdlt_status src_files_copy(src_files *f, size_t i, arena *a, src_put_fn put, void *ud,
                           uint64_t *out_items, cdlt_error *err)
{
    return src_count_file(f->paths[i], a, put, ud, out_items, NULL, err);
}

cdlt_status src_count_file(const char *path, arena *a, src_put_fn put, void *ud,
                           uint64_t *out_items, uint64_t *out_bytes, cdlt_error *err)
{
    *out_items = 0;
    uint64_t bytes = 0;
    char *b = mem_alloc(SRC_COPY_PIECE);
    if (!b)
        return err_nomem(err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        mem_free(b);
        copy_err(err, "open", path);
        return err_hint(err, "check that the file exists and is readable");
    }
    line_count c = {0, true, false, BUF_INIT, a};
    buf_init(&c.list, SRC_MAX_LINE);
    cdlt_status st = CDLT_OK;
    for (;;) { /* to the end, as the line reader reads (a file that grew is read whole) */
        ssize_t r = read(fd, b, SRC_COPY_PIECE);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            st = copy_err(err, "read", path);
        if (r <= 0)
            break;
        count_feed(&c, b, (size_t)r);
        bytes += (uint64_t)r;
        if (put && (st = put(ud, b, (size_t)r, err)) != CDLT_OK)
            break;
    }
    close(fd);
    mem_free(b);
    if (c.in_list)
        count_list(&c); /* a last line without newline */
    buf_free(&c.list);
    *out_items = c.items;
    if (out_bytes)
        *out_bytes = bytes;
    return st;
}
