/* wbase.c: the load file, buffer and gzip stream under the load-file writers (wbase.h).
 * Handing bytes to the file is a large share of writing it: gzip (dlt's default for jsonl and
 * csv) costs about three times the normalizing of the rows it compresses (bench case 91, 1.2 GB
 * of events: 24 s, 18 of them in deflate), and even plain write(2) is a sixth of the
 * normalizer's time (the kernel's copy into the page cache, case 90). So a file that fills
 * its buffer once gets a writer thread of its own: the full buffer is swapped with the
 * thread's and deflated / written there while the next one fills. The thread takes one buffer
 * at a time, and the stream state passes between the threads only through the hand-over, so
 * the file holds exactly the bytes one thread would write. */
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

/* A failed write (e != 0) or deflate: the message goes to the writer's msg, or on the
 * writer thread to job_msg (the owner copies it after the hand-over). */
static cdlt_status out_fail(wbase *b, int e, bool on_thread)
{
    char *msg = on_thread ? b->job_msg : b->msg;
    size_t cap = on_thread ? sizeof b->job_msg : sizeof b->msg;
    if (e)
        snprintf(msg, cap,
                 "%s: writing load file '%s' for table '%s' failed: %s; check free disk space "
                 "and permissions",
                 b->fmt, b->path, b->table, strerror(e));
    else
        snprintf(msg, cap, "%s: gzip of load file '%s' failed", b->fmt, b->path);
    return CDLT_IO;
}

/* n bytes at p into the file: deflated when gz (finish: end the gzip stream), else as they
 * are. Touches only the stream, zbuf and fd, so it runs on either thread. */
static cdlt_status write_out(wbase *b, const char *p, size_t n, bool finish, bool on_thread)
{
    if (!b->gz) {
        /* the storage layer's simulated full disk (CDLT_TEST_DISK_FULL_AFTER) covers load files */
        int e = !n ? 0 : store_fault_disk_full(n) ? ENOSPC : store_write_full(b->fd, p, n);
        return e ? out_fail(b, e, on_thread) : CDLT_OK;
    }
    b->z.next_in = (unsigned char *)p;
    b->z.avail_in = (uInt)n;
    int zr;
    do {
        b->z.next_out = b->zbuf;
        b->z.avail_out = ZCHUNK;
        zr = deflate(&b->z, finish ? Z_FINISH : Z_NO_FLUSH);
        int e = 0;
        size_t have = ZCHUNK - b->z.avail_out;
        if (zr != Z_STREAM_ERROR && have)
            e = store_fault_disk_full(have) ? ENOSPC : store_write_full(b->fd, b->zbuf, have);
        if (zr == Z_STREAM_ERROR || e)
            return out_fail(b, e, on_thread);
    } while (b->z.avail_out == 0 || (finish && zr != Z_STREAM_END));
    return CDLT_OK;
}

static void write_job(void *ud)
{
    wbase *b = ud;
    /* after a failure nothing more goes to the file */
    cdlt_status st = b->job_st == CDLT_OK ? write_out(b, b->job.data, b->job.len, false, true)
                                          : CDLT_OK;
    if (st != CDLT_OK)
        b->job_st = st;
}

/* Wait for the buffer with the writer thread; its failure becomes the writer's. */
static cdlt_status writer_wait(wbase *b)
{
    relay_wait(&b->rl);
    if (b->job_st != CDLT_OK && b->status == CDLT_OK) {
        memcpy(b->msg, b->job_msg, sizeof b->msg);
        b->status = b->job_st;
    }
    return b->status;
}

/* Hand the full buffer to the writer thread (started by the first one); false when there
 * is no thread to be had (then the caller writes in line). */
static bool writer_hand_over(wbase *b)
{
    if (!relay_start(&b->rl, write_job, b))
        return false;
    buf t = b->job;
    b->job = b->out;
    b->out = t;
    buf_clear(&b->out);
    b->flushed += b->job.len;
    relay_hand(&b->rl);
    return true;
}

/* Hand the buffer on: to the writer thread, or deflate / write it here (the file's end: the
 * thread's buffer first). finish ends the gzip stream. */
static cdlt_status flush(wbase *b, bool finish)
{
    if (b->status != CDLT_OK || writer_wait(b) != CDLT_OK)
        return b->status;
    if (!finish && b->out.len && writer_hand_over(b))
        return CDLT_OK;
    if (write_out(b, b->out.data, b->out.len, finish, false) != CDLT_OK)
        return b->status = CDLT_IO;
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
    relay_end(&b->rl); /* first: the thread may still be writing to fd */
    buf_free(&b->job);
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
