/* csv.c: dlt's csv load-file writer (Python csv, unix dialect, dlt's default quoting
 * "quote_needed" = QUOTE_NONNUMERIC): a header of the table's complete columns, then one line
 * per row; numbers and booleans bare (Python's str: True/False), everything else quoted with
 * '"' doubled, NULL as "", timestamps as str(datetime) ("2024-01-01 10:00:00+00:00"), json as
 * compact JSON text, binary as its UTF-8 text (not UTF-8: an error, as in dlt). Optionally
 * gzip'd. Streams through one buffer; no per-value malloc. */
#include "destinations/writers/wbase.h"

#include "types/types.h"

#include <string.h>

struct dest_writer {
    wbase b;
    uint32_t ntcols;   /* table columns at open */
    int32_t *colmap;   /* table column -> file column, -1 = not in the file (incomplete) */
    uint32_t nfcols;   /* complete columns = file columns */
    char delim;
    buf scratch;       /* one value's text before quoting */
};

static void cv_free(dest_writer *w)
{
    if (!w)
        return;
    wbase_free(&w->b);
    mem_free(w->colmap);
    buf_free(&w->scratch);
    mem_free(w);
}

/* s quoted: '"' + s with '"' doubled + '"'. */
static void put_quoted(buf *o, const char *s, size_t n)
{
    buf_putc(o, '"');
    const char *end = s + n;
    for (const char *p = s; p < end;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            buf_append(o, p, (size_t)(end - p));
            break;
        }
        buf_append(o, p, (size_t)(q - p + 1));
        buf_putc(o, '"');
        p = q + 1;
    }
    buf_putc(o, '"');
}

static cdlt_status cv_open(const schema_table *t, const char *path, const dest_writer_opts *o,
                           dest_writer **out, cdlt_error *err)
{
    *out = NULL;
    dest_writer *w = mem_calloc(1, sizeof *w);
    if (!w)
        return err_nomem(err);
    w->b.fd = -1;
    w->delim = o && o->csv_delimiter ? o->csv_delimiter : ',';
    w->ntcols = t->ncolumns;
    w->colmap = mem_calloc(t->ncolumns ? t->ncolumns : 1, sizeof *w->colmap);
    cdlt_status rc = w->colmap ? wbase_open(&w->b, "csv", t->name, path, o && o->compress, err)
                               : err_nomem(err);
    if (rc != CDLT_OK) {
        cv_free(w);
        return rc;
    }
    bool header = !(o && o->csv_no_header);
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const schema_column *c = &t->columns[i];
        if (c->type == DT_NONE) {
            w->colmap[i] = -1;
            continue;
        }
        if (header) {
            if (w->nfcols)
                buf_putc(&w->b.out, w->delim);
            put_quoted(&w->b.out, c->name, c->name_len ? c->name_len : strlen(c->name));
        }
        w->colmap[i] = (int32_t)w->nfcols++;
    }
    if (header)
        buf_putc(&w->b.out, '\n');
    if (w->b.out.status != CDLT_OK) {
        cv_free(w);
        return err_nomem(err);
    }
    *out = w;
    return CDLT_OK;
}

static bool utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!k || i + k > n)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

static cdlt_status cv_row(dest_writer *w, const tval *vals, uint32_t ncols)
{
    if (w->b.status != CDLT_OK)
        return w->b.status;
    buf *o = &w->b.out;
    char tmp[64];
    uint32_t done = 0;
    for (uint32_t i = 0; i < ncols; i++) {
        int32_t f = i < w->ntcols ? w->colmap[i] : -1;
        if (f < 0) {
            if (vals[i].type != DT_NONE) {
                wbase_msg(&w->b, "csv: table '%s' got a value for column %u, which load file "
                                 "'%s' has no field for (a csv file keeps its header)",
                          w->b.table, (unsigned)i, w->b.path);
                return CDLT_SCHEMA;
            }
            continue;
        }
        if (done++)
            buf_putc(o, w->delim);
        const tval *v = &vals[i];
        switch ((dtype)v->type) {
        case DT_NONE: buf_puts(o, "\"\""); break;
        case DT_BIGINT: buf_printf(o, "%lld", (long long)v->u.i); break;
        case DT_DOUBLE: buf_append(o, tmp, json_fmt_double(v->u.d, tmp)); break;
        case DT_BOOL: buf_puts(o, v->u.b ? "True" : "False"); break;
        case DT_DECIMAL:
        case DT_WEI: buf_append(o, v->u.s, v->len); break;
        case DT_TEXT: put_quoted(o, v->u.s, v->len); break;
        case DT_BINARY:
            if (!utf8_ok((const unsigned char *)v->u.s, v->len)) {
                wbase_msg(&w->b, "csv: a binary value of table '%s' (column %u) is not UTF-8 "
                                 "text, which csv cannot hold (load file '%s'); use jsonl, or "
                                 "store such columns as hex text",
                          w->b.table, (unsigned)i, w->b.path);
                return CDLT_INVALID_ARG;
            }
            put_quoted(o, v->u.s, v->len);
            break;
        default: {
            /* timestamp/date/time/json: their text, quoted (str(datetime) has a space) */
            buf_clear(&w->scratch);
            if (v->type == DT_JSON)
                json_write(&w->scratch, v->u.json, 0);
            else if (v->type == DT_TIMESTAMP) {
                types_fmt_timestamp(v->u.ts, v->flags & TV_NAIVE, &w->scratch);
                if (w->scratch.len > 10 && w->scratch.data[10] == 'T')
                    w->scratch.data[10] = ' ';
            } else if (v->type == DT_DATE)
                types_fmt_date(v->u.date, &w->scratch);
            else
                types_fmt_time(v->u.time, &w->scratch);
            put_quoted(o, buf_cstr(&w->scratch), w->scratch.len);
        }
        }
    }
    buf_putc(o, '\n');
    if (o->status != CDLT_OK || w->scratch.status != CDLT_OK) {
        wbase_msg(&w->b, "csv: out of memory writing a row of table '%s'", w->b.table);
        return w->b.status = CDLT_NOMEM;
    }
    w->b.rows++;
    return wbase_maybe_flush(&w->b);
}

static uint64_t cv_bytes(const dest_writer *w) { return wbase_bytes(&w->b); }

static cdlt_status cv_close(dest_writer *w, uint64_t *out_rows, cdlt_error *err)
{
    if (!w)
        return CDLT_OK;
    cdlt_status rc = wbase_close(&w->b, out_rows, err);
    cv_free(w);
    return rc;
}

static void cv_abort(dest_writer *w) { cv_free(w); }

static const char *cv_last_error(const dest_writer *w)
{
    return w && w->b.msg[0] ? w->b.msg : NULL;
}

const dest_writer_ops dest_writer_csv = {
    .format = "csv",
    .ext = "csv",
    .compressible = true,
    .open = cv_open,
    .row = cv_row,
    .bytes = cv_bytes,
    .close = cv_close,
    .abort = cv_abort,
    .last_error = cv_last_error,
};
