/* copy.c: whole-file copies into load packages and content hashes of input files.
 * A load package must own its data: a hard link to a user's file sees every later in-place
 * rewrite of it (`>`, `cp`, open('w')), so extract copies inputs, as cheaply as the file system
 * allows (a clone shares blocks; copy_file_range keeps the bytes in the kernel), and a hard
 * link (opt-in) is checked against the hash taken at extract before it is loaded. */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t: the state lives in our own memory */
#include <xxhash.h>

const char *store_copy_how_name(store_copy_how how)
{
    return how == STORE_COPY_CLONE ? "clone" : how == STORE_COPY_RANGE ? "copy_file_range"
                                                                        : "read/write";
}

/* Errors of a way the file system or kernel does not offer: try the next way. */
static bool not_offered(int e)
{
    return e == EOPNOTSUPP || e == ENOTSUP || e == EXDEV || e == EINVAL || e == ENOSYS ||
           e == ENOTTY || e == EBADF || e == ETXTBSY || e == EPERM;
}

static cdlt_status input_err(cdlt_error *err, store_copy_result *res, const char *what,
                             const char *path)
{
    res->input_failed = true;
    err_set(err, CDLT_IO, "cannot %s '%s': %s", what, path, strerror(errno));
    return err_hint(err, "check that the file exists and is readable");
}

/* Tell the kernel to start writing back what was copied since the last call, so the fsync at
 * the end waits for the tail only (a hint: failures surface at that fsync). */
static void write_behind(store_file *out)
{
    if (out->bytes - out->synced >= STORE_WRITE_BEHIND) {
        (void)sync_file_range(out->fd, (off_t)out->synced, (off_t)(out->bytes - out->synced),
                              SYNC_FILE_RANGE_WRITE);
        out->synced = out->bytes;
    }
}

/* A clone of the whole input; *ok false when the file system has none (nothing written). */
static cdlt_status copy_clone(int in, const struct stat *st, store_file *out, bool *ok,
                              cdlt_error *err)
{
    *ok = false;
    if (ioctl(out->fd, FICLONE, in) != 0)
        return not_offered(errno) ? CDLT_OK : store_io_err(err, errno, "cannot clone into",
                                                            out->path);
    if (store_fault_disk_full((size_t)st->st_size))
        return store_io_err(err, ENOSPC, "cannot write", out->path);
    /* the clone took the input's size when it ran: that is the copy */
    struct stat now;
    if (fstat(out->fd, &now) != 0)
        return store_io_err(err, errno, "cannot stat", out->path);
    out->bytes = (uint64_t)now.st_size;
    *ok = true;
    return CDLT_OK;
}

/* copy_file_range in STORE_WRITE_BEHIND pieces to the input's end, at out->bytes; *ok false
 * when the kernel cannot do it for these files (before any byte: the next way continues). */
static cdlt_status copy_range(int in, store_file *out, store_copy_tick tick, void *ud,
                              bool *ok, cdlt_error *err)
{
    *ok = false;
    for (;;) {
        off_t off_in = (off_t)out->bytes, off_out = (off_t)out->bytes;
        ssize_t n = copy_file_range(in, &off_in, out->fd, &off_out, STORE_WRITE_BEHIND, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && !*ok && out->bytes == 0 && not_offered(errno))
            return CDLT_OK;
        if (n < 0)
            return store_io_err(err, errno, "cannot copy into", out->path);
        *ok = true;
        if (n == 0)
            return CDLT_OK;
        if (store_fault_disk_full((size_t)n))
            return store_io_err(err, ENOSPC, "cannot write", out->path);
        out->bytes += (uint64_t)n;
        write_behind(out);
        if (tick)
            tick(ud, out->bytes);
    }
}

/* read + write from out->bytes on (the input at the same offset) to the input's end. */
static cdlt_status copy_rw(int in, const char *from, store_file *out, store_copy_tick tick,
                           void *ud, store_copy_result *res, cdlt_error *err)
{
    char *b = mem_alloc(STORE_WRITE_PIECE);
    if (!b)
        return err_nomem(err);
    cdlt_status st = CDLT_OK;
    for (;;) {
        ssize_t r = pread(in, b, STORE_WRITE_PIECE, (off_t)out->bytes);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            st = input_err(err, res, "read", from);
        if (r <= 0)
            break;
        if ((st = store_file_write_direct(out, b, (size_t)r, err)) != CDLT_OK)
            break;
        if (tick)
            tick(ud, out->bytes);
    }
    mem_free(b);
    return st;
}

cdlt_status store_copy_file(const char *from, const char *to, store_copy_how first,
                            store_copy_tick tick, void *ud, store_copy_result *res,
                            cdlt_error *err)
{
    memset(res, 0, sizeof *res);
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return input_err(err, res, "open", from);
    struct stat st;
    if (fstat(in, &st) != 0) {
        cdlt_status rc = input_err(err, res, "read", from);
        close(in);
        return rc;
    }
    store_file out;
    cdlt_status rc = store_file_open(&out, to, err);
    if (rc != CDLT_OK) {
        close(in);
        return rc;
    }
    bool ok = false;
    res->how = first;
    if (first <= STORE_COPY_CLONE) {
        rc = copy_clone(in, &st, &out, &ok, err);
        if (rc == CDLT_OK && ok && tick)
            tick(ud, out.bytes);
    }
    if (rc == CDLT_OK && !ok && first <= STORE_COPY_RANGE) {
        res->how = STORE_COPY_RANGE;
        rc = copy_range(in, &out, tick, ud, &ok, err);
    }
    if (rc == CDLT_OK && !ok) {
        res->how = STORE_COPY_RW;
        rc = copy_rw(in, from, &out, tick, ud, res, err);
    }
    close(in);
    res->bytes = out.bytes;
    if (rc == CDLT_OK)
        rc = store_file_close(&out, err); /* fsync: the copy survives a crash */
    else
        store_file_abort(&out);
    if (rc != CDLT_OK)
        unlink(to);
    return rc;
}

/* ---- content hashes ---- */

struct store_hash {
    XXH3_state_t st; /* 64-byte aligned by its type */
    void *raw;       /* the allocation st lives in (mem_alloc gives no 64-byte alignment) */
};

cdlt_status store_hash_open(store_hash **out)
{
    *out = NULL;
    void *raw = mem_alloc(sizeof(store_hash) + 64);
    if (!raw)
        return CDLT_NOMEM;
    store_hash *h = (store_hash *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
    h->raw = raw;
    XXH3_INITSTATE(&h->st);
    XXH3_64bits_reset(&h->st);
    *out = h;
    return CDLT_OK;
}

void store_hash_update(store_hash *h, const void *p, size_t n)
{
    XXH3_64bits_update(&h->st, p, n);
}

void store_hash_hex(const store_hash *h, char hex[17])
{
    snprintf(hex, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(&h->st));
}

void store_hash_free(store_hash *h)
{
    if (h)
        mem_free(h->raw);
}

cdlt_status store_hash_file(const char *path, uint64_t limit, char hex[17], uint64_t *out_len,
                            cdlt_error *err)
{
    *out_len = 0;
    hex[0] = '\0';
    store_hash *h = NULL;
    char *b = mem_alloc(STORE_WRITE_PIECE);
    if (!b || store_hash_open(&h) != CDLT_OK) {
        mem_free(b);
        return err_nomem(err);
    }
    cdlt_status rc = CDLT_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        rc = store_io_err(err, errno, "cannot open", path);
    uint64_t done = 0;
    while (rc == CDLT_OK && done < limit) {
        size_t want = limit - done < STORE_WRITE_PIECE ? (size_t)(limit - done) : STORE_WRITE_PIECE;
        ssize_t r = read(fd, b, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = store_io_err(err, errno, "cannot read", path);
        if (r <= 0)
            break;
        store_hash_update(h, b, (size_t)r);
        done += (uint64_t)r;
    }
    if (fd >= 0)
        close(fd);
    if (rc == CDLT_OK) {
        store_hash_hex(h, hex);
        *out_len = done;
    }
    store_hash_free(h);
    mem_free(b);
    return rc;
}
