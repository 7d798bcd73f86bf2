/* writer.c: the PostgreSQL load-file writer used by the normalize phase: one header line
 * naming the columns and their wire types, then rows in PostgreSQL's binary COPY format,
 * which loader.c streams unchanged through COPY ... FROM STDIN (FORMAT binary); binary saves
 * the server the text parsing of every value (docs/postgres.md). Streams through one buffer
 * flushed past 256 KiB: bounded memory, no per-value malloc. */
#include "pg.h"
#include "storage/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WRITER_FLUSH (256 * 1024)

struct dest_writer {
    int fd;            /* the load file, -1 after close */
    buf out;           /* bytes not yet written to fd */
    buf scratch;       /* one JSON value serialized before escaping */
    uint64_t flushed;  /* bytes already written */
    uint64_t rows;
    uint32_t ntcols;   /* table columns at open */
    int32_t *colmap;   /* table column index -> file column index, -1 = not in file */
    uint8_t *ftypes;   /* dtype per table column (DT_NONE = not in file) */
    uint8_t *wire;     /* per table column: PG_W_* binary form */
    uint32_t nfcols;
    char *path;
    char *table;
    cdlt_status status;
    char msg[512];
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
    int e = store_fault_disk_full(w->out.len) ? ENOSPC
                                               : store_write_full(w->fd, w->out.data, w->out.len);
    if (e) {
        wr_msg(w, "postgres: writing load file '%s' for table '%s' failed: %s; check free disk "
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
    buf_free(&w->scratch);
    mem_free(w->colmap);
    mem_free(w->ftypes);
    mem_free(w->wire);
    mem_free(w->path);
    mem_free(w->table);
    mem_free(w);
}

/* Append s[0..n) with COPY text escaping (backslash, newline, carriage return, tab). */
static void put_escaped(buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i], e;
        switch (c) {
        case '\\': e = '\\'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        default: continue;
        }
        buf_append(b, s + run, i - run);
        char pair[2] = {'\\', e};
        buf_append(b, pair, 2);
        run = i + 1;
    }
    buf_append(b, s + run, n - run);
}

cdlt_status pg_writer_open(const schema_table *t, const char *path,
                           const dest_writer_opts *o, dest_writer **out, cdlt_error *err)
{
    (void)o; /* no options: a private binary format */
    *out = NULL;
    dest_writer *w = mem_calloc(1, sizeof *w);
    if (!w)
        return err_nomem(err);
    w->fd = -1;
    buf_init(&w->out, 0);
    buf_init(&w->scratch, 0);
    w->ntcols = t->ncolumns;
    w->path = mem_strdup(path);
    w->table = mem_strdup(t->name);
    size_t nc = t->ncolumns ? t->ncolumns : 1;
    w->colmap = mem_calloc(nc, sizeof *w->colmap);
    w->ftypes = mem_calloc(nc, 1);
    w->wire = mem_calloc(nc, 1);
    if (!w->path || !w->table || !w->colmap || !w->ftypes || !w->wire ||
        buf_reserve(&w->out, WRITER_FLUSH + 4096) != CDLT_OK) {
        wr_free(w);
        return err_nomem(err);
    }
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        w->colmap[i] = c->type == DT_NONE ? -1 : (int32_t)w->nfcols++;
        w->ftypes[i] = (uint8_t)c->type;
        w->wire[i] = (uint8_t)pg_wire_of(c);
    }
    /* header: only complete columns, in schema order (dlt's header rule), each as
     * <wire type>:<name> */
    buf_printf(&w->out, "%s\t%u", PG_FILE_MAGIC, (unsigned)w->nfcols);
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        if (w->colmap[i] < 0)
            continue;
        buf_printf(&w->out, "\t%s:", pg_wire_name(w->wire[i]));
        put_escaped(&w->out, t->columns[i].name, strlen(t->columns[i].name));
    }
    buf_putc(&w->out, '\n');
    /* binary COPY signature, flags, no header extension */
    buf_append(&w->out, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
    if (w->out.status != CDLT_OK) {
        wr_free(w);
        return err_nomem(err);
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int e = errno;
        err_set(err, CDLT_IO, "postgres: cannot create load file '%s' for table '%s': %s", path,
                t->name, strerror(e));
        err_set_table(err, t->name);
        err_hint(err, "check that the package folder exists and is writable");
        wr_free(w);
        return CDLT_IO;
    }
    *out = w;
    return CDLT_OK;
}

cdlt_status pg_writer_row(dest_writer *w, const tval *vals, uint32_t ncols)
{
    if (w->status != CDLT_OK)
        return w->status;
    buf *b = &w->out;
    size_t row_start = b->len;
    for (uint32_t i = w->ntcols; i < ncols; i++) {
        if (vals[i].type != DT_NONE) {
            wr_msg(w, "postgres: row for table '%s' has a value for column #%u which did not "
                      "exist when load file '%s' was opened; rotate the file when columns are "
                      "added",
                   w->table, (unsigned)i, w->path);
            return CDLT_SCHEMA;
        }
    }
    put_u16(b, (uint16_t)w->nfcols);
    for (uint32_t i = 0; i < w->ntcols; i++) {
        int32_t j = w->colmap[i];
        const tval *v = i < ncols ? &vals[i] : NULL;
        bool null = !v || v->type == DT_NONE || (v->type == DT_JSON && !v->u.json);
        if (j < 0) {
            if (!null) {
                b->len = row_start;
                wr_msg(w, "postgres: value for column #%u of table '%s' which has no type "
                          "(load file '%s'); coerce values before writing",
                       (unsigned)i, w->table, w->path);
                return CDLT_INVALID_ARG;
            }
            continue;
        }
        if (null) {
            put_u32(b, 0xffffffffu);
            continue;
        }
        if (v->type != w->ftypes[i]) {
            b->len = row_start;
            wr_msg(w, "postgres: value of type %s for column #%u of table '%s' does not match "
                      "the column type %s (load file '%s'); coerce values before writing",
                   dtype_name((dtype)v->type) ? dtype_name((dtype)v->type) : "?", (unsigned)i,
                   w->table, dtype_name((dtype)w->ftypes[i]), w->path);
            return CDLT_INVALID_ARG;
        }
        const char *bad = pg_wire_put(b, (pg_wire)w->wire[i], v, &w->scratch);
        if (bad) {
            b->len = row_start;
            wr_msg(w, "postgres: column #%u of table '%s' (load file '%s'): %s", (unsigned)i,
                   w->table, w->path, bad);
            return CDLT_INVALID_ARG;
        }
    }
    if (b->status != CDLT_OK) {
        wr_msg(w, "postgres: out of memory writing load file '%s' for table '%s'", w->path,
               w->table);
        return w->status = b->status;
    }
    w->rows++;
    if (b->len >= WRITER_FLUSH)
        return wr_flush(w);
    return CDLT_OK;
}

uint64_t pg_writer_bytes(const dest_writer *w) { return w->flushed + w->out.len; }

const char *pg_writer_last_error(const dest_writer *w) { return w && w->msg[0] ? w->msg : NULL; }

cdlt_status pg_writer_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err)
{
    if (!w)
        return CDLT_OK;
    cdlt_status st = w->status;
    if (st == CDLT_OK) {
        put_u16(&w->out, 0xffffu); /* binary COPY trailer */
        buf_puts(&w->out, PG_FILE_END);
        st = w->out.status != CDLT_OK ? CDLT_NOMEM : wr_flush(w);
    }
    if (st == CDLT_OK && close(w->fd) != 0) {
        wr_msg(w, "postgres: closing load file '%s' failed: %s", w->path, strerror(errno));
        st = CDLT_IO;
    }
    w->fd = -1;
    if (st != CDLT_OK) {
        if (!w->msg[0])
            wr_msg(w, "postgres: out of memory finishing load file '%s'", w->path);
        err_set(err, st, "%s", w->msg);
        err_set_table(err, w->table);
    } else if (out_rows) {
        *out_rows = w->rows;
    }
    wr_free(w);
    return st;
}

void pg_writer_abort(dest_writer *w) { wr_free(w); }
