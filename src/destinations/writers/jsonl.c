/* jsonl.c: dlt's jsonl load-file writer: one JSON object per line holding the row's non-NULL
 * values under their column names in schema order (dlt's normalized rows carry no NULLs), each
 * value in dlt's JSON form (types_write_json), optionally gzip'd as dlt does by default.
 * Streams through one buffer flushed past 256 KiB: bounded memory, no per-value malloc. */
#include "destinations/writers/wbase.h"

#include <string.h>

struct dest_writer {
    wbase b;         /* file, buffer, gzip, messages */
    uint32_t nkeys;  /* columns known at open */
    uint32_t *koff;  /* per column: offset of its `"name":` text in keys */
    uint32_t *klen;  /* ...and its length */
    buf keys;        /* the column keys, JSON-escaped with quotes and colon */
};

/* An int64 in decimal (printf is too slow for millions of values). */
static void put_int(buf *o, int64_t v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    buf_append(o, p, (size_t)(e - p));
}

static void jl_free(dest_writer *w)
{
    if (!w)
        return;
    wbase_free(&w->b);
    mem_free(w->koff);
    mem_free(w->klen);
    buf_free(&w->keys);
    mem_free(w);
}

/* `"name":` of columns [w->nkeys, t->ncolumns) appended. */
static cdlt_status add_keys(dest_writer *w, const schema_table *t)
{
    uint32_t n = t->ncolumns;
    if (n <= w->nkeys)
        return CDLT_OK;
    uint32_t *ko = mem_realloc(w->koff, n * sizeof *ko);
    if (!ko)
        return CDLT_NOMEM;
    w->koff = ko;
    uint32_t *kl = mem_realloc(w->klen, n * sizeof *kl);
    if (!kl)
        return CDLT_NOMEM;
    w->klen = kl;
    for (uint32_t i = w->nkeys; i < n; i++) {
        const schema_column *c = &t->columns[i];
        w->koff[i] = (uint32_t)w->keys.len;
        json_write_string(&w->keys, c->name, c->name_len ? c->name_len : strlen(c->name), 0);
        buf_putc(&w->keys, ':');
        w->klen[i] = (uint32_t)w->keys.len - w->koff[i];
    }
    if (w->keys.status != CDLT_OK)
        return CDLT_NOMEM;
    w->nkeys = n;
    return CDLT_OK;
}

static cdlt_status jl_widen(dest_writer *w, const schema_table *t)
{
    cdlt_status rc = add_keys(w, t);
    if (rc != CDLT_OK)
        wbase_msg(&w->b, "jsonl: out of memory adding columns of table '%s'", w->b.table);
    return rc;
}

static cdlt_status jl_open(const schema_table *t, const char *path, const dest_writer_opts *o,
                           dest_writer **out, cdlt_error *err)
{
    *out = NULL;
    dest_writer *w = mem_calloc(1, sizeof *w);
    if (!w)
        return err_nomem(err);
    w->b.fd = -1;
    w->koff = mem_calloc(1, sizeof *w->koff);
    w->klen = mem_calloc(1, sizeof *w->klen);
    if (!w->koff || !w->klen || add_keys(w, t) != CDLT_OK) {
        jl_free(w);
        return err_nomem(err);
    }
    cdlt_status rc = wbase_open(&w->b, "jsonl", t->name, path, o && o->compress, err);
    if (rc != CDLT_OK) {
        jl_free(w);
        return rc;
    }
    *out = w;
    return CDLT_OK;
}

static cdlt_status jl_row(dest_writer *w, const tval *vals, uint32_t ncols)
{
    if (w->b.status != CDLT_OK)
        return w->b.status;
    buf *o = &w->b.out;
    buf_putc(o, '{');
    bool first = true;
    for (uint32_t i = 0; i < ncols; i++) {
        if (vals[i].type == DT_NONE)
            continue;
        if (i >= w->nkeys) {
            /* normalize starts a new file when columns are added; a value past the columns
             * known at open would have no name */
            wbase_msg(&w->b, "jsonl: table '%s' got a value for column %u, which load file "
                             "'%s' does not know (it was opened with %u columns)",
                      w->b.table, (unsigned)i, w->b.path, (unsigned)w->nkeys);
            return CDLT_SCHEMA;
        }
        if (!first)
            buf_putc(o, ',');
        first = false;
        buf_append(o, w->keys.data + w->koff[i], w->klen[i]);
        if (vals[i].type == DT_BIGINT)
            put_int(o, vals[i].u.i);
        else
            types_write_json(&vals[i], o);
    }
    buf_puts(o, "}\n");
    if (o->status != CDLT_OK) {
        wbase_msg(&w->b, "jsonl: out of memory writing a row of table '%s'", w->b.table);
        return w->b.status = CDLT_NOMEM;
    }
    w->b.rows++;
    return wbase_maybe_flush(&w->b);
}

static uint64_t jl_bytes(const dest_writer *w) { return wbase_bytes(&w->b); }

static cdlt_status jl_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err)
{
    if (!w)
        return CDLT_OK;
    cdlt_status rc = wbase_close(&w->b, out_rows, err);
    jl_free(w);
    return rc;
}

static void jl_abort(dest_writer *w) { jl_free(w); }

static const char *jl_last_error(const dest_writer *w)
{
    return w && w->b.msg[0] ? w->b.msg : NULL;
}

const dest_writer_ops dest_writer_jsonl = {
    .format = "jsonl",
    .ext = "jsonl",
    .compressible = true,
    .open = jl_open,
    .row = jl_row,
    .bytes = jl_bytes,
    .close = jl_close,
    .abort = jl_abort,
    .last_error = jl_last_error,
    .widen = jl_widen,
};
