/* wbase.c: the load file, buffer and gzip stream under the text writers (wbase.h). */
#include "destinations/writers/wbase.h"
#include "storage/storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ZCHUNK (128 * 1024)

void wbase_msg(wbase *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->msg, sizeof b->msg, fmt, ap);
    va_end(ap);
}

static cdlt_status io_fail(wbase *b, int e)
{
    wbase_msg(b, "%s: writing load file '%s' for table '%s' failed: %s; check free disk space "
                 "and permissions",
              b->fmt, b->path, b->table, strerror(e));
    return b->status = CDLT_IO;
}

static cdlt_status put(wbase *b, const void *p, size_t n)
{
    /* the storage layer's simulated full disk (CDLT_TEST_DISK_FULL_AFTER) covers load files */
    int e = store_fault_disk_full(n) ? ENOSPC : store_write_full(b->fd, p, n);
    return e ? io_fail(b, e) : CDLT_OK;
}

/* Hand the buffer on: deflate it (gz) or write it. finish ends the gzip stream. */
static cdlt_status flush(wbase *b, bool finish)
{
    if (b->status != CDLT_OK)
        return b->status;
    if (!b->gz) {
        cdlt_status rc = b->out.len ? put(b, b->out.data, b->out.len) : CDLT_OK;
        b->flushed += b->out.len;
        buf_clear(&b->out);
        return rc;
    }
    b->z.next_in = (unsigned char *)b->out.data;
    b->z.avail_in = (uInt)b->out.len;
    int zr;
    do {
        b->z.next_out = b->zbuf;
        b->z.avail_out = ZCHUNK;
        zr = deflate(&b->z, finish ? Z_FINISH : Z_NO_FLUSH);
        if (zr == Z_STREAM_ERROR) {
            wbase_msg(b, "%s: gzip of load file '%s' failed", b->fmt, b->path);
            return b->status = CDLT_IO;
        }
        size_t have = ZCHUNK - b->z.avail_out;
        if (have && put(b, b->zbuf, have) != CDLT_OK)
            return b->status;
    } while (b->z.avail_out == 0 || (finish && zr != Z_STREAM_END));
    b->flushed += b->out.len;
    buf_clear(&b->out);
    return CDLT_OK;
}

cdlt_status wbase_open(wbase *b, const char *fmt, const char *table, const char *path, bool gz,
                       cdlt_error *err)
{
    memset(b, 0, sizeof *b);
    b->fd = -1;
    b->fmt = fmt;
    b->gz = gz;
    buf_init(&b->out, 0);
    b->path = mem_strdup(path);
    b->table = mem_strdup(table);
    if (!b->path || !b->table || buf_reserve(&b->out, WBASE_FLUSH + 4096) != CDLT_OK)
        return err_nomem(err);
    if (gz) {
        b->zbuf = mem_alloc(ZCHUNK);
        if (!b->zbuf)
            return err_nomem(err);
        /* windowBits 15 + 16: a gzip header, as Python's gzip.open writes; zlib's default
         * level 6 rather than gzip.open's 9 (a few % larger, several times faster) */
        if (deflateInit2(&b->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return err_nomem(err);
        b->zinit = true;
    }
    b->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (b->fd < 0) {
        int e = errno;
        err_set(err, CDLT_IO, "%s: cannot create load file '%s' for table '%s': %s", fmt, path,
                table, strerror(e));
        err_set_table(err, table);
        return err_hint(err, "check that the package folder exists and is writable");
    }
    return CDLT_OK;
}

cdlt_status wbase_maybe_flush(wbase *b)
{
    return b->out.len >= WBASE_FLUSH ? flush(b, false) : CDLT_OK;
}

uint64_t wbase_bytes(const wbase *b) { return b->flushed + b->out.len; }

cdlt_status wbase_close(wbase *b, uint64_t *out_rows, cdlt_error *err)
{
    cdlt_status st = b->status;
    if (st == CDLT_OK)
        st = flush(b, true);
    if (st == CDLT_OK && close(b->fd) != 0)
        st = io_fail(b, errno);
    b->fd = -1;
    if (st != CDLT_OK) {
        if (!b->msg[0])
            wbase_msg(b, "%s: out of memory finishing load file '%s'", b->fmt, b->path);
        err_set(err, st, "%s", b->msg);
        err_set_table(err, b->table);
    } else if (out_rows) {
        *out_rows = b->rows;
    }
    return st;
}

void wbase_free(wbase *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    if (b->zinit)
        deflateEnd(&b->z);
    b->zinit = false;
    mem_free(b->zbuf);
    buf_free(&b->out);
    mem_free(b->path);
    mem_free(b->table);
    b->zbuf = NULL;
    b->path = b->table = NULL;
}
