/* writer.c: the PostgreSQL load-file writer used by the normalize phase: one header line
 * naming the columns and their wire types, then rows in PostgreSQL's binary COPY format,
 * which loader.c streams unchanged through COPY ... FROM STDIN (FORMAT binary); binary saves
 * the server the text parsing of every value (docs/postgres.md). Streams through one buffer
 * flushed past 256 KiB: bounded memory, no per-value malloc. */
#include "pg.h"
#include "destinations/writers/wbase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct dest_writer {
    wbase b;            /* the shell: load file, buffer, rows, sticky status, message */
    buf scratch;       /* one JSON value serialized before escaping */
    uint32_t ntcols;   /* table columns at open */
    int32_t *colmap;   /* table column index -> file column index, -1 = not in file */
    uint8_t *ftypes;   /* dtype per table column (DT_NONE = not in file) */
    uint8_t *wire;     /* per table column: PG_W_* binary form */
    uint32_t nfcols;
};

/* the shell's last-error message (wbase_msg) */
#define wr_msg(w, ...) wbase_msg(&(w)->b, __VA_ARGS__)

static void wr_free(dest_writer *w)
{
    if (!w)
        return;
    wbase_free(&w->b);
    buf_free(&w->scratch);
    mem_free(w->colmap);
    mem_free(w->ftypes);
    mem_free(w->wire);
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
    w->b.fd = -1; /* (wbase_free before wbase_open) */
    buf_init(&w->scratch, 0);
    w->ntcols = t->ncolumns;
    size_t nc = t->ncolumns ? t->ncolumns : 1;
    w->colmap = mem_calloc(nc, sizeof *w->colmap);
    w->ftypes = mem_calloc(nc, 1);
    w->wire = mem_calloc(nc, 1);
    if (!w->colmap || !w->ftypes || !w->wire) {
        wr_free(w);
        return err_nomem(err);
    }
    /* the file and its buffer (the file is created here; nothing is written before close
     * or a full buffer) */
    cdlt_status st = wbase_open(&w->b, "postgres", t->name, path, false, err);
    if (st != CDLT_OK) {
        wr_free(w);
        return st;
    }
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        w->colmap[i] = c->type == DT_NONE ? -1 : (int32_t)w->nfcols++;
        w->ftypes[i] = (uint8_t)c->type;
        w->wire[i] = (uint8_t)pg_wire_of(c);
    }
    /* header: only complete columns, in schema order (dlt's header rule), each as
     * <wire type>:<name> */
    buf_printf(&w->b.out, "%s\t%u", PG_FILE_MAGIC, (unsigned)w->nfcols);
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        if (w->colmap[i] < 0)
            continue;
        buf_printf(&w->b.out, "\t%s:", pg_wire_name(w->wire[i]));
        put_escaped(&w->b.out, t->columns[i].name, strlen(t->columns[i].name));
    }
    buf_putc(&w->b.out, '\n');
    /* binary COPY signature, flags, no header extension */
    buf_append(&w->b.out, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
    if (w->b.out.status != CDLT_OK) {
        unlink(path);
        wr_free(w);
        return err_nomem(err);
    }
    *out = w;
    return CDLT_OK;
}

cdlt_status pg_writer_row(dest_writer *w, const tval *vals, uint32_t ncols)
{
    if (w->b.status != CDLT_OK)
        return w->b.status;
    buf *b = &w->b.out;
    size_t row_start = b->len;
    for (uint32_t i = w->ntcols; i < ncols; i++) {
        if (vals[i].type != DT_NONE) {
            wr_msg(w, "postgres: row for table '%s' has a value for column #%u which did not "
                      "exist when load file '%s' was opened; rotate the file when columns are "
                      "added",
                   w->b.table, (unsigned)i, w->b.path);
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
                       (unsigned)i, w->b.table, w->b.path);
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
                   w->b.table, dtype_name((dtype)w->ftypes[i]), w->b.path);
            return CDLT_INVALID_ARG;
        }
        const char *bad = pg_wire_put(b, (pg_wire)w->wire[i], v, &w->scratch);
        if (bad) {
            b->len = row_start;
            wr_msg(w, "postgres: column #%u of table '%s' (load file '%s'): %s", (unsigned)i,
                   w->b.table, w->b.path, bad);
            return CDLT_INVALID_ARG;
        }
    }
    if (b->status != CDLT_OK) {
        wr_msg(w, "postgres: out of memory writing load file '%s' for table '%s'", w->b.path,
               w->b.table);
        return w->b.status = b->status;
    }
    w->b.rows++;
    return wbase_maybe_flush(&w->b);
    return CDLT_OK;
}

uint64_t pg_writer_bytes(const dest_writer *w) { return wbase_bytes(&w->b); }

const char *pg_writer_last_error(const dest_writer *w)
{
    return w && w->b.msg[0] ? w->b.msg : NULL;
}

cdlt_status pg_writer_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err)
{
    if (!w)
        return CDLT_OK;
    cdlt_status st;
    if (w->b.status == CDLT_OK) {
        put_u16(&w->b.out, 0xffffu); /* binary COPY trailer */
        buf_puts(&w->b.out, PG_FILE_END);
        if (w->b.out.status != CDLT_OK)
            w->b.status = CDLT_NOMEM;
    }
    st = wbase_close(&w->b, out_rows, err);
    wr_free(w);
    return st;
}

void pg_writer_abort(dest_writer *w) { wr_free(w); }
