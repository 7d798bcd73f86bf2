/* writer.c: the DuckDB load-file writer used by the normalize phase: a compact binary row
 * format in blocks of up to 2048 rows (see duck.h) that loader.c decodes, block by block and
 * possibly on several threads, into DuckDB vectors. Streams through one buffer flushed at block
 * boundaries past 256 KiB: bounded memory (one block), no per-value malloc. */
#include "duck.h"
#include "destinations/writers/wbase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct dest_writer {
    wbase b;            /* the shell: load file, buffer, rows, sticky status, message */
    uint32_t ntcols;     /* table columns at open */
    uint32_t nfcols;     /* columns in the file (complete ones) */
    int32_t *colmap;     /* table column index -> file column index, -1 = not in file */
    uint8_t *ftypes;     /* dtype per file column */
    size_t blk_at;       /* offset in out of the open block's header; SIZE_MAX = none open */
    uint32_t blk_rows;   /* rows in the open block */
};

/* the shell's last-error message (wbase_msg) */
#define wr_msg(w, ...) wbase_msg(&(w)->b, __VA_ARGS__)

static void wr_free(dest_writer *w)
{
    if (!w)
        return;
    wbase_free(&w->b);
    mem_free(w->colmap);
    mem_free(w->ftypes);
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
    w->b.fd = -1; /* (wbase_free before wbase_open) */
    w->blk_at = SIZE_MAX;
    w->ntcols = t->ncolumns;
    w->colmap = mem_calloc(t->ncolumns ? t->ncolumns : 1, sizeof *w->colmap);
    w->ftypes = mem_calloc(t->ncolumns ? t->ncolumns : 1, 1);
    if (!w->colmap || !w->ftypes) {
        wr_free(w);
        return err_nomem(err);
    }
    /* the file and its buffer (the file is created here; nothing is written before close
     * or a full buffer) */
    cdlt_status st = wbase_open(&w->b, "duckdb", t->name, path, false, err);
    if (st != CDLT_OK) {
        wr_free(w);
        return st;
    }
    /* header: only complete columns, in schema order (dlt's header rule) */
    buf_append(&w->b.out, DUCK_FILE_MAGIC, 8);
    size_t ncols_at = w->b.out.len;
    buf_append(&w->b.out, "\0\0\0\0", 4);
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
        buf_append(&w->b.out, hdr, 4);
        buf_append(&w->b.out, &nl, 4);
        buf_append(&w->b.out, c->name, nl);
    }
    if (w->b.out.status != CDLT_OK) {
        unlink(path);
        wr_free(w);
        return err_nomem(err);
    }
    memcpy(w->b.out.data + ncols_at, &w->nfcols, 4);
    *out = w;
    return CDLT_OK;
}

static inline void put_bytes(buf *b, const void *p, size_t n) { buf_append(b, p, n); }

/* Close the open block: patch its row and byte counts into the header. */
static void blk_close(dest_writer *w)
{
    if (w->blk_at == SIZE_MAX)
        return;
    uint32_t n = (uint32_t)(w->b.out.len - w->blk_at - 9);
    memcpy(w->b.out.data + w->blk_at + 1, &w->blk_rows, 4);
    memcpy(w->b.out.data + w->blk_at + 5, &n, 4);
    w->blk_at = SIZE_MAX;
    w->blk_rows = 0;
}

cdlt_status duck_writer_row(dest_writer *w, const tval *vals, uint32_t ncols)
{
    if (w->b.status != CDLT_OK)
        return w->b.status;
    buf *b = &w->b.out;
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
        return w->b.status = CDLT_NOMEM;
    memset(b->data + bm, 0, nb);
    b->len += nb;
    for (uint32_t i = ncols > w->ntcols ? w->ntcols : ncols; i < ncols; i++) {
        if (vals[i].type != DT_NONE) {
            b->len = row_start;
            if (!w->blk_rows)
                w->blk_at = SIZE_MAX;
            wr_msg(w, "duckdb: row for table '%s' has a value for column #%u which did not exist "
                      "when load file '%s' was opened; rotate the file when columns are added",
                   w->b.table, (unsigned)i, w->b.path);
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
                   w->b.table, j >= 0 ? dtype_name((dtype)w->ftypes[j]) : "(incomplete)",
                   w->b.path);
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
        wr_msg(w, "duckdb: out of memory writing load file '%s' for table '%s'", w->b.path,
               w->b.table);
        return w->b.status = b->status;
    }
    w->b.rows++;
    if (++w->blk_rows == DUCK_BLOCK_ROWS || b->len - w->blk_at >= DUCK_BLOCK_BYTES)
        blk_close(w);
    /* only whole blocks are flushed (their headers are patched in the buffer) */
    if (w->blk_at == SIZE_MAX)
        return wbase_maybe_flush(&w->b);
    return CDLT_OK;
}

uint64_t duck_writer_bytes(const dest_writer *w) { return wbase_bytes(&w->b); }

const char *duck_writer_last_error(const dest_writer *w)
{
    return w && w->b.msg[0] ? w->b.msg : NULL;
}

cdlt_status duck_writer_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err)
{
    if (!w)
        return CDLT_OK;
    cdlt_status st;
    if (w->b.status == CDLT_OK) {
        blk_close(w);
        buf_putc(&w->b.out, 'E');
        buf_append(&w->b.out, &w->b.rows, 8);
        buf_append(&w->b.out, DUCK_FILE_END, 8);
        if (w->b.out.status != CDLT_OK)
            w->b.status = CDLT_NOMEM;
    }
    st = wbase_close(&w->b, out_rows, err);
    wr_free(w);
    return st;
}

void duck_writer_abort(dest_writer *w) { wr_free(w); }
