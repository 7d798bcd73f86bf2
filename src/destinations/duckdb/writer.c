/* writer.c: the DuckDB load-file writer used by the normalize phase: a compact binary row
 * format in blocks of up to 2048 rows (see duck.h) that loader.c decodes, block by block and
 * possibly on several threads, into DuckDB vectors. Streams through one buffer flushed at block
 * boundaries past 256 KiB: bounded memory (one block), no per-value malloc. */
#include "duck.h"
#include "storage/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Flush threshold. 256 KiB keeps write(2) calls rare without holding much memory. */
#define WRITER_FLUSH (256 * 1024)

struct dest_writer {
    int fd;              /* the load file, -1 after close */
    buf out;             /* bytes not yet written to fd */
    uint64_t flushed;    /* bytes already written to fd */
    uint64_t rows;       /* rows written */
    uint32_t ntcols;     /* table columns at open */
    uint32_t nfcols;     /* columns in the file (complete ones) */
    int32_t *colmap;     /* table column index -> file column index, -1 = not in file */
    uint8_t *ftypes;     /* dtype per file column */
    char *path;          /* load file path (messages) */
    char *table;         /* table name (messages) */
    size_t blk_at;       /* offset in out of the open block's header; SIZE_MAX = none open */
    uint32_t blk_rows;   /* rows in the open block */
    cdlt_status status;  /* sticky I/O or memory failure */
    char msg[512];       /* last error message (duck_writer_last_error) */
};

static void wr_msg(dest_writer *w, const char *fmt, ...) CDLT_PRINTF(2, 3);
static void wr_msg(dest_writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
}

static cdlt_status wr_flush(dest_writer *w)
{
    /* the storage layer's simulated full disk (CDLT_TEST_DISK_FULL_AFTER) covers load files */
    int e = store_fault_disk_full(w->out.len) ? ENOSPC
                                               : store_write_full(w->fd, w->out.data, w->out.len);
    if (e) {
        wr_msg(w, "duckdb: writing load file '%s' for table '%s' failed: %s; check free disk "
                  "space and permissions",
               w->path, w->table, strerror(e));
        return w->status = CDLT_IO;
    }
    w->flushed += w->out.len;
    buf_clear(&w->out);
    return CDLT_OK;
}

static void wr_free(dest_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    buf_free(&w->out);
    mem_free(w->colmap);
    mem_free(w->ftypes);
    mem_free(w->path);
    mem_free(w->table);
    mem_free(w);
}

cdlt_status duck_writer_open(const schema_table *t, const char *path,
                             const dest_writer_opts *o, dest_writer **out, cdlt_error *err)
{
    (void)o; /* no options: a private binary format */
    *out = NULL;
    dest_writer *w = mem_calloc(1, sizeof *w);
    if (!w)
        return err_nomem(err);
    w->fd = -1;
    w->blk_at = SIZE_MAX;
    buf_init(&w->out, 0);
    w->ntcols = t->ncolumns;
    w->path = mem_strdup(path);
    w->table = mem_strdup(t->name);
    w->colmap = mem_calloc(t->ncolumns ? t->ncolumns : 1, sizeof *w->colmap);
    w->ftypes = mem_calloc(t->ncolumns ? t->ncolumns : 1, 1);
    if (!w->path || !w->table || !w->colmap || !w->ftypes ||
        buf_reserve(&w->out, WRITER_FLUSH + 4096) != CDLT_OK) {
        wr_free(w);
        return err_nomem(err);
    }
    /* header: only complete columns, in schema order (dlt's header rule) */
    buf_append(&w->out, DUCK_FILE_MAGIC, 8);
    size_t ncols_at = w->out.len;
    buf_append(&w->out, "\0\0\0\0", 4);
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE) {
            w->colmap[i] = -1;
            continue;
        }
        w->colmap[i] = (int32_t)w->nfcols;
        w->ftypes[w->nfcols++] = (uint8_t)c->type;
        uint8_t hdr[4] = {(uint8_t)c->type, c->timezone == 0 ? DUCK_COLF_NAIVE : 0, 0, 0};
        uint32_t nl = c->name_len ? c->name_len : (uint32_t)strlen(c->name);
        buf_append(&w->out, hdr, 4);
        buf_append(&w->out, &nl, 4);
        buf_append(&w->out, c->name, nl);
    }
    if (w->out.status != CDLT_OK) {
        wr_free(w);
        return err_nomem(err);
    }
    memcpy(w->out.data + ncols_at, &w->nfcols, 4);
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int e = errno;
        err_set(err, CDLT_IO, "duckdb: cannot create load file '%s' for table '%s': %s", path,
                t->name, strerror(e));
        err_set_table(err, t->name);
        err_hint(err, "check that the package folder exists and is writable");
        wr_free(w);
        return CDLT_IO;
    }
    *out = w;
    return CDLT_OK;
}

static inline void put_bytes(buf *b, const void *p, size_t n) { buf_append(b, p, n); }

/* Close the open block: patch its row and byte counts into the header. */
static void blk_close(dest_writer *w)
{
    if (w->blk_at == SIZE_MAX)
        return;
    uint32_t n = (uint32_t)(w->out.len - w->blk_at - 9);
    memcpy(w->out.data + w->blk_at + 1, &w->blk_rows, 4);
    memcpy(w->out.data + w->blk_at + 5, &n, 4);
    w->blk_at = SIZE_MAX;
    w->blk_rows = 0;
}

cdlt_status duck_writer_row(dest_writer *w, const tval *vals, uint32_t ncols)
{
    if (w->status != CDLT_OK)
        return w->status;
    buf *b = &w->out;
    if (w->blk_at == SIZE_MAX) { /* open a block: 'B' rows bytes, patched by blk_close */
        w->blk_at = b->len;
        buf_append(b, "B\0\0\0\0\0\0\0\0", 9);
    }
    /* a refused row rewinds to row_start; an empty block is dropped again */
    size_t row_start = w->blk_rows ? b->len : w->blk_at;
    size_t nb = (w->nfcols + 7) / 8;
    buf_putc(b, 'R');
    size_t bm = b->len;
    if (buf_reserve(b, nb) != CDLT_OK)
        return w->status = CDLT_NOMEM;
    memset(b->data + bm, 0, nb);
    b->len += nb;
    for (uint32_t i = ncols > w->ntcols ? w->ntcols : ncols; i < ncols; i++) {
        if (vals[i].type != DT_NONE) {
            b->len = row_start;
            if (!w->blk_rows)
                w->blk_at = SIZE_MAX;
            wr_msg(w, "duckdb: row for table '%s' has a value for column #%u which did not exist "
                      "when load file '%s' was opened; rotate the file when columns are added",
                   w->table, (unsigned)i, w->path);
            return CDLT_SCHEMA;
        }
    }
    for (uint32_t i = 0; i < w->ntcols; i++) {
        int32_t j = w->colmap[i];
        const tval *v = i < ncols ? &vals[i] : NULL;
        if (!v || v->type == DT_NONE || (v->type == DT_JSON && !v->u.json)) {
            if (j >= 0)
                b->data[bm + (size_t)j / 8] |= (char)(1u << (j % 8));
            continue;
        }
        if (j < 0 || v->type != w->ftypes[j]) {
            b->len = row_start;
            b->data[b->len] = '\0';
            if (!w->blk_rows)
                w->blk_at = SIZE_MAX;
            wr_msg(w, "duckdb: value of type %s for column #%u of table '%s' does not match the "
                      "column type %s (load file '%s'); coerce values before writing",
                   dtype_name((dtype)v->type) ? dtype_name((dtype)v->type) : "?", (unsigned)i,
                   w->table, j >= 0 ? dtype_name((dtype)w->ftypes[j]) : "(incomplete)", w->path);
            return CDLT_INVALID_ARG;
        }
        switch ((dtype)v->type) {
        case DT_BIGINT:
        case DT_TIMESTAMP:
        case DT_TIME:
            put_bytes(b, &v->u.i, 8);
            break;
        case DT_DOUBLE:
            put_bytes(b, &v->u.d, 8);
            break;
        case DT_DATE:
            put_bytes(b, &v->u.date, 4);
            break;
        case DT_BOOL: {
            char c = v->u.b ? 1 : 0;
            buf_putc(b, c);
            break;
        }
        case DT_JSON: {
            size_t at = b->len;
            put_bytes(b, "\0\0\0\0", 4);
            json_write(b, v->u.json, 0);
            if (b->status == CDLT_OK) {
                uint32_t n = (uint32_t)(b->len - at - 4);
                memcpy(b->data + at, &n, 4);
            }
            break;
        }
        default: /* TEXT, BINARY, DECIMAL, WEI: length + bytes */
            put_bytes(b, &v->len, 4);
            put_bytes(b, v->u.s, v->len);
            break;
        }
    }
    if (b->status != CDLT_OK) {
        wr_msg(w, "duckdb: out of memory writing load file '%s' for table '%s'", w->path,
               w->table);
        return w->status = b->status;
    }
    w->rows++;
    if (++w->blk_rows == DUCK_BLOCK_ROWS || b->len - w->blk_at >= DUCK_BLOCK_BYTES)
        blk_close(w);
    /* only whole blocks are flushed (their headers are patched in the buffer) */
    if (w->blk_at == SIZE_MAX && b->len >= WRITER_FLUSH)
        return wr_flush(w);
    return CDLT_OK;
}

uint64_t duck_writer_bytes(const dest_writer *w) { return w->flushed + w->out.len; }

const char *duck_writer_last_error(const dest_writer *w) { return w && w->msg[0] ? w->msg : NULL; }

cdlt_status duck_writer_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err)
{
    if (!w)
        return CDLT_OK;
    cdlt_status st = w->status;
    if (st == CDLT_OK) {
        blk_close(w);
        buf_putc(&w->out, 'E');
        buf_append(&w->out, &w->rows, 8);
        buf_append(&w->out, DUCK_FILE_END, 8);
        st = w->out.status != CDLT_OK ? CDLT_NOMEM : wr_flush(w);
    }
    if (st == CDLT_OK && close(w->fd) != 0) {
        wr_msg(w, "duckdb: closing load file '%s' failed: %s", w->path, strerror(errno));
        st = CDLT_IO;
    }
    w->fd = -1;
    if (st != CDLT_OK) {
        if (!w->msg[0])
            wr_msg(w, "duckdb: out of memory finishing load file '%s'", w->path);
        err_set(err, st, "%s", w->msg);
        err_set_table(err, w->table);
    } else if (out_rows) {
        *out_rows = w->rows;
    }
    wr_free(w);
    return st;
}

void duck_writer_abort(dest_writer *w) { wr_free(w); }
