/* pqflush.c: the Parquet writer's pages and row groups on their way to the file. A full page
 * is closed raw into its column's chunk buffer; a closed row group swaps those buffers into
 * the writer's job and a thread of the writer's own compresses each page (snappy or zstd),
 * puts its header in front and writes the column chunks, while the normalizer fills the next
 * row group. Compression is a quarter of the CPU of normalizing into Parquet (bench case 96),
 * so this is what lets a second core share the work. At most one row group is with the
 * thread: handing over the next waits for it, so memory stays two row groups per file, and
 * the bytes, offsets and errors are the same as writing in line. The thread starts when a row
 * group fills before the file ends (a small file never starts one) and ends with the writer. */
#include "destinations/writers/pqint.h"
#include "storage/storage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <snappy-c.h>

void pw_msg(pq_writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
}

static void job_msg(pq_job *j, const char *fmt, ...) CDLT_PRINTF(2, 3);
static void job_msg(pq_job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->msg, sizeof j->msg, fmt, ap);
    va_end(ap);
}

/* n bytes at the end of the file; the message goes to `msg` (the writer's or the job's). */
static cdlt_status write_to(pq_writer *w, const void *p, size_t n, char *msg, size_t cap)
{
    int e = store_fault_disk_full(n) ? ENOSPC : store_write_full(w->fd, p, n);
    if (e) {
        snprintf(msg, cap,
                 "parquet: writing load file '%s' for table '%s' failed: %s; check free disk "
                 "space and permissions",
                 w->path, w->table, strerror(e));
        return CDLT_IO;
    }
    w->flushed += n;
    return CDLT_OK;
}

cdlt_status pq_write_out(pq_writer *w, const void *p, size_t n)
{
    cdlt_status st = write_to(w, p, n, w->msg, sizeof w->msg);
    if (st != CDLT_OK)
        w->status = st;
    return st;
}

/* ---- pages (the normalizer's thread) ---- */

/* Definition levels of the open page as one RLE/bit-packed hybrid run (bit width 1),
 * prefixed by its byte length (data page v1). */
static void put_def_levels(buf *b, const pq_col *c)
{
    size_t at = b->len;
    buf_append(b, "\0\0\0\0", 4);
    if (c->page_nonnull == c->page_n || c->page_nonnull == 0) {
        tw_varint(b, (uint64_t)c->page_n << 1); /* RLE run */
        buf_putc(b, c->page_nonnull ? 1 : 0);
    } else {
        size_t groups = (c->page_n + 7) / 8;
        tw_varint(b, ((uint64_t)groups << 1) | 1); /* one bit-packed run */
        buf_append(b, c->defs, groups);
    }
    if (b->status == CDLT_OK) {
        uint32_t n = (uint32_t)(b->len - at - 4);
        memcpy(b->data + at, &n, 4);
    }
}

cdlt_status pq_page_close(pq_writer *w, pq_col *c)
{
    if (c->page_n == 0)
        return CDLT_OK;
    /* Page sizes are i32 in the page header; one huge value can pass page_bytes alone
     * (definition levels add at most 4 + 10 + page_n / 8 bytes). */
    size_t levels = c->required ? 0 : 14 + ((size_t)c->page_n + 7) / 8;
    if (c->vals.len + levels > (size_t)INT32_MAX - 64) {
        pw_msg(w, "parquet: a page of column '%s' (table '%s', file '%s') holds %zu bytes, more "
                  "than a Parquet page can (2 GiB); a single value of that size cannot be "
                  "written to Parquet",
               c->name, w->table, w->path, c->vals.len + levels);
        return w->status = CDLT_ERROR;
    }
    buf *b = &c->chunk;
    size_t at = b->len;
    pq_rawpage rp = {.n = c->page_n, .len = 0};
    buf_append(b, &rp, sizeof rp);
    if (!c->required)
        put_def_levels(b, c);
    buf_append(b, c->vals.data, c->vals.len);
    if (b->status != CDLT_OK) {
        pw_msg(w, "parquet: out of memory writing load file '%s' for table '%s'", w->path,
               w->table);
        return w->status = CDLT_NOMEM;
    }
    rp.len = (uint32_t)(b->len - at - sizeof rp);
    memcpy(b->data + at, &rp, sizeof rp);
    w->chunks_len += b->len - at;
    w->open_bytes -= c->vals.len < w->open_bytes ? c->vals.len : w->open_bytes;
    c->chunk_values += c->page_n;
    buf_clear(&c->vals);
    c->page_n = 0;
    c->page_nonnull = 0;
    return CDLT_OK;
}

/* ---- row groups (the compressor thread, or in line) ---- */

/* One raw page of column c: compressed (when asked) behind its header, into j->out. */
static cdlt_status encode_page(pq_writer *w, pq_job *j, const pq_col *c, const pq_rawpage *rp,
                               const char *body, uint64_t *uncomp)
{
    const char *data = body;
    size_t comp = rp->len;
    if (w->opt.codec == PQ_CODEC_SNAPPY) {
        /* raw snappy (Parquet's SNAPPY is not the framed format); the library splits the
         * input into its own 64 KiB blocks, so any page length is fine */
        size_t bound = snappy_max_compressed_length(rp->len);
        buf_clear(&j->page);
        if (buf_reserve(&j->page, bound) != CDLT_OK)
            goto nomem;
        size_t z = bound;
        if (snappy_compress(body, rp->len, j->page.data, &z) != SNAPPY_OK) {
            job_msg(j, "parquet: snappy could not compress a page of column '%s' (table '%s', "
                       "file '%s')",
                    c->name, w->table, w->path);
            return CDLT_ERROR;
        }
        data = j->page.data;
        comp = z;
    } else if (j->zc) {
        size_t bound = ZSTD_compressBound(rp->len);
        buf_clear(&j->page);
        if (buf_reserve(&j->page, bound) != CDLT_OK)
            goto nomem;
        size_t z = ZSTD_compress2(j->zc, j->page.data, bound, body, rp->len);
        if (ZSTD_isError(z)) {
            job_msg(j, "parquet: compressing a page of column '%s' (table '%s', file '%s') "
                       "failed: %s",
                    c->name, w->table, w->path, ZSTD_getErrorName(z));
            return CDLT_ERROR;
        }
        data = j->page.data;
        comp = z;
    }
    if (comp > (size_t)INT32_MAX) {
        job_msg(j, "parquet: a compressed page of column '%s' (table '%s', file '%s') holds "
                   "%zu bytes, more than a Parquet page can (2 GiB)",
                c->name, w->table, w->path, comp);
        return CDLT_ERROR;
    }
    buf *h = &j->out;
    size_t at = h->len;
    tw t = {.b = h};
    tw_i32(&t, 1, 0); /* DATA_PAGE */
    tw_i32(&t, 2, (int32_t)rp->len);
    tw_i32(&t, 3, (int32_t)comp);
    tw_begin(&t, 5); /* DataPageHeader */
    tw_i32(&t, 1, (int32_t)rp->n);
    tw_i32(&t, 2, ENC_PLAIN);
    tw_i32(&t, 3, ENC_RLE);
    tw_i32(&t, 4, ENC_RLE);
    tw_end(&t);
    buf_putc(h, 0); /* end of PageHeader */
    *uncomp += (h->len - at) + rp->len;
    buf_append(h, data, comp);
    if (h->status != CDLT_OK)
        goto nomem;
    return CDLT_OK;
nomem:
    job_msg(j, "parquet: out of memory writing load file '%s' for table '%s'", w->path, w->table);
    return CDLT_NOMEM;
}

/* Every column chunk of job j into the file, its offsets into w->meta. */
static cdlt_status encode_row_group(pq_writer *w, pq_job *j)
{
    for (uint32_t i = 0; i < w->nfcols; i++) {
        const pq_col *c = &w->cols[i];
        const buf *raw = &j->raw[i];
        pq_meta *m = &w->meta[j->g * w->nfcols + i];
        m->offset = (int64_t)w->flushed;
        m->values = (int64_t)j->values[i];
        uint64_t uncomp = 0, start = w->flushed;
        for (size_t at = 0; at < raw->len;) {
            pq_rawpage rp;
            memcpy(&rp, raw->data + at, sizeof rp);
            at += sizeof rp;
            buf_clear(&j->out);
            cdlt_status st = encode_page(w, j, c, &rp, raw->data + at, &uncomp);
            if (st == CDLT_OK)
                st = write_to(w, j->out.data, j->out.len, j->msg, sizeof j->msg);
            if (st != CDLT_OK)
                return st;
            at += rp.len;
        }
        m->comp = (int64_t)(w->flushed - start);
        m->uncomp = (int64_t)uncomp;
    }
    return CDLT_OK;
}

static void compress_job(void *ud)
{
    pq_writer *w = ud;
    w->job.st = encode_row_group(w, &w->job);
}

cdlt_status pq_rg_wait(pq_writer *w)
{
    relay_wait(&w->rl);
    if (w->job.st != CDLT_OK && w->status == CDLT_OK) {
        memcpy(w->msg, w->job.msg, sizeof w->msg);
        w->status = w->job.st;
    }
    w->done_bytes = w->flushed;
    w->handed = 0;
    return w->status;
}

/* The job's per-column buffers, made once per file. */
static cdlt_status job_alloc(pq_writer *w)
{
    if (w->job.raw)
        return CDLT_OK;
    size_t n = w->nfcols ? w->nfcols : 1;
    w->job.raw = mem_calloc(n, sizeof *w->job.raw);
    w->job.values = mem_calloc(n, sizeof *w->job.values);
    if (!w->job.raw || !w->job.values)
        return CDLT_NOMEM;
    for (size_t i = 0; i < n; i++)
        buf_init(&w->job.raw[i], 0);
    return CDLT_OK;
}

cdlt_status pq_rg_flush(pq_writer *w, bool last)
{
    cdlt_status st = pq_rg_wait(w);
    if (st != CDLT_OK || w->rg_rows == 0)
        return st;
    if (w->nrg == w->caprg) {
        size_t cap = w->caprg ? w->caprg * 2 : 8;
        pq_meta *m = mem_realloc(w->meta, cap * (w->nfcols ? w->nfcols : 1) * sizeof *m);
        if (!m)
            goto nomem;
        w->meta = m;
        uint64_t *r = mem_realloc(w->rg_nrows, cap * sizeof *r);
        if (!r)
            goto nomem;
        w->rg_nrows = r;
        w->caprg = cap;
    }
    if (job_alloc(w) != CDLT_OK)
        goto nomem;
    for (uint32_t i = 0; i < w->nfcols; i++) {
        pq_col *c = &w->cols[i];
        if ((st = pq_page_close(w, c)) != CDLT_OK)
            return st;
        /* swap: the job takes the pages, the column refills the job's old buffer */
        buf t = w->job.raw[i];
        w->job.raw[i] = c->chunk;
        c->chunk = t;
        buf_clear(&c->chunk);
        w->job.values[i] = c->chunk_values;
        c->chunk_values = 0;
        /* the statistics stay with the main thread, in the footer entry of this row group */
        w->meta[w->nrg * w->nfcols + i].st = c->st;
        c->st = (pq_stat){0};
    }
    w->job.g = w->nrg;
    w->job.st = CDLT_OK;
    w->rg_nrows[w->nrg++] = w->rg_rows;
    w->handed = w->chunks_len;
    w->rg_rows = 0;
    w->rg_pending = 0;
    w->chunks_len = 0;
    if (!last && relay_start(&w->rl, compress_job, w)) {
        relay_hand(&w->rl);
        return CDLT_OK;
    }
    /* in line: the file's end, or no thread to be had */
    w->job.st = encode_row_group(w, &w->job);
    return pq_rg_wait(w);
nomem:
    pw_msg(w, "parquet: out of memory writing load file '%s' for table '%s'", w->path, w->table);
    return w->status = CDLT_NOMEM;
}

void pq_rg_free(pq_writer *w)
{
    relay_end(&w->rl); /* after the row group it has, if any */
    for (uint32_t i = 0; w->job.raw && i < (w->nfcols ? w->nfcols : 1); i++)
        buf_free(&w->job.raw[i]);
    mem_free(w->job.raw);
    mem_free(w->job.values);
    w->job.raw = NULL;
    w->job.values = NULL;
    buf_free(&w->job.page);
    buf_free(&w->job.out);
    if (w->job.zc)
        ZSTD_freeCCtx(w->job.zc);
    w->job.zc = NULL;
}
