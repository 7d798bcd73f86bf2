/* fs.c: the file-system primitives load packages rely on: atomic whole-file writes, durable
 * renames, sorted folder listings, rm -rf, and a buffered append-only file with fault injection. */
#include "storage.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_FLUSH_AT (64u * 1024u) /* a 64 KiB write() per flush: large enough to be cheap */

bool store_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool store_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int64_t store_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

cdlt_status store_io_err(cdlt_error *err, int e, const char *what, const char *path)
{
    cdlt_status st = err_set(err, CDLT_IO, "%s '%s': %s", what, path, strerror(e));
    if (e == ENOSPC || e == EDQUOT)
        err_hint(err, "free disk space, then run again: pending packages are kept and resumed");
    else if (e == EACCES || e == EPERM || e == EROFS)
        err_hint(err, "check the permissions of the folder (or set CDLT_PIPELINES_DIR)");
    return st;
}

cdlt_status store_path(buf *out, const char *a, const char *b, const char *c)
{
    buf_clear(out);
    buf_puts(out, a);
    if (b) {
        buf_putc(out, '/');
        buf_puts(out, b);
    }
    if (c) {
        buf_putc(out, '/');
        buf_puts(out, c);
    }
    return out->status;
}

cdlt_status store_mkdirs(const char *path, cdlt_error *err)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return err_set(err, CDLT_INVALID_ARG, "path too long or empty: '%s'", path);
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return store_io_err(err, errno, "cannot create folder", tmp);
            tmp[i] = c;
        }
    }
    if (!store_is_dir(path))
        return err_set(err, CDLT_IO, "'%s' exists but is not a folder", path);
    return CDLT_OK;
}

cdlt_status store_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return CDLT_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? CDLT_OK : CDLT_IO;
}

static void parent_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, cap, ".");
        return;
    }
    size_t n = (size_t)(slash - path);
    if (n == 0)
        n = 1;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

int store_write_full(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n < STORE_WRITE_PIECE ? n : STORE_WRITE_PIECE);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static cdlt_status write_all(int fd, const char *p, size_t n, const char *path, cdlt_error *err)
{
    while (n > 0) {
        size_t k = n < STORE_WRITE_PIECE ? n : STORE_WRITE_PIECE;
        if (store_fault_disk_full(k))
            return store_io_err(err, ENOSPC, "cannot write", path);
        int e = store_write_full(fd, p, k);
        if (e)
            return store_io_err(err, e, "cannot write", path);
        p += k;
        n -= k;
    }
    return CDLT_OK;
}

cdlt_status store_write_atomic(const char *path, const void *data, size_t len, cdlt_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return store_io_err(err, errno, "cannot create", tmp);
    cdlt_status st = write_all(fd, data, len, tmp, err);
    if (st == CDLT_OK && fsync(fd) != 0)
        st = store_io_err(err, errno, "cannot fsync", tmp);
    if (close(fd) != 0 && st == CDLT_OK)
        st = store_io_err(err, errno, "cannot close", tmp);
    if (st != CDLT_OK) {
        unlink(tmp);
        return st;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return store_io_err(err, e, "cannot rename into", path);
    }
    char dir[4096];
    parent_of(path, dir, sizeof dir);
    store_fsync_dir(dir);
    return CDLT_OK;
}

cdlt_status store_read_file(const char *path, size_t max, buf *out, cdlt_error *err)
{
    buf_clear(out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return err_set(err, CDLT_NOT_FOUND, "file '%s' does not exist", path);
        return store_io_err(err, e, "cannot open", path);
    }
    if (max == 0)
        max = (size_t)1 << 30;
    char tmp[65536];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return store_io_err(err, e, "cannot read", path);
        }
        if (r == 0)
            break;
        if (out->len + (size_t)r > max) {
            close(fd);
            return err_set(err, CDLT_TOO_LARGE, "file '%s' is larger than %zu bytes", path, max);
        }
        if (buf_append(out, tmp, (size_t)r) != CDLT_OK) {
            close(fd);
            return err_nomem(err);
        }
    }
    close(fd);
    if (buf_reserve(out, 1) != CDLT_OK)
        return err_nomem(err);
    return CDLT_OK;
}

cdlt_status store_rename(const char *from, const char *to, cdlt_error *err)
{
    if (rename(from, to) != 0) {
        int e = errno;
        return err_set(err, CDLT_IO, "cannot move '%s' to '%s': %s", from, to, strerror(e));
    }
    char d1[4096], d2[4096];
    parent_of(from, d1, sizeof d1);
    parent_of(to, d2, sizeof d2);
    store_fsync_dir(d2);
    if (strcmp(d1, d2) != 0)
        store_fsync_dir(d1);
    return CDLT_OK;
}

cdlt_status store_rm_rf(const char *path, cdlt_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? CDLT_OK : store_io_err(err, errno, "cannot stat", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0 && errno != ENOENT)
            return store_io_err(err, errno, "cannot delete", path);
        return CDLT_OK;
    }
    DIR *d = opendir(path);
    if (!d)
        return store_io_err(err, errno, "cannot open folder", path);
    buf p = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    struct dirent *e;
    while (rc == CDLT_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (store_path(&p, path, e->d_name, NULL) != CDLT_OK) {
            rc = err_nomem(err);
            break;
        }
        rc = store_rm_rf(p.data, err);
    }
    closedir(d);
    buf_free(&p);
    if (rc == CDLT_OK && rmdir(path) != 0 && errno != ENOENT)
        rc = store_io_err(err, errno, "cannot delete folder", path);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void store_names_free(store_names *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        mem_free(n->names[i]);
    mem_free(n->names);
    n->names = NULL;
    n->n = 0;
}

cdlt_status store_list(const char *dir, store_names *out, cdlt_error *err)
{
    out->names = NULL;
    out->n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? CDLT_OK : store_io_err(err, errno, "cannot open folder", dir);
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char **nn = mem_grow(out->names, out->n, &cap, sizeof *nn, 16);
        if (!nn)
            goto nomem;
        out->names = nn;
        char *s = mem_strdup(e->d_name);
        if (!s)
            goto nomem;
        out->names[out->n++] = s;
    }
    closedir(d);
    if (out->n > 1)
        qsort(out->names, out->n, sizeof *out->names, cmp_names);
    return CDLT_OK;
nomem:
    closedir(d);
    store_names_free(out);
    return err_nomem(err);
}

/* ---- buffered file ---- */

bool store_fault_disk_full(size_t more)
{
    /* atomics: Parquet compressor threads write too */
    static _Atomic int inited;          /* 0 = not read yet, 1 = off, 2 = on */
    static _Atomic uint64_t limit;      /* bytes allowed before ENOSPC */
    static _Atomic uint64_t written;    /* bytes counted so far */
    int st = atomic_load_explicit(&inited, memory_order_acquire);
    if (CDLT_LIKELY(st == 1))
        return false;
    if (st == 0) {
        const char *v = getenv("CDLT_TEST_DISK_FULL_AFTER");
        if (!v || !*v) {
            atomic_store_explicit(&inited, 1, memory_order_release);
            return false;
        }
        atomic_store(&limit, strtoull(v, NULL, 10));
        atomic_store_explicit(&inited, 2, memory_order_release);
    }
    return atomic_fetch_add(&written, more) + more > atomic_load(&limit);
}

cdlt_status store_file_open(store_file *f, const char *path, cdlt_error *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    buf_init(&f->out, 0);
    f->path = mem_strdup(path);
    if (!f->path)
        return err_nomem(err);
    f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        cdlt_status st = store_io_err(err, errno, "cannot create", path);
        mem_free(f->path);
        f->path = NULL;
        return st;
    }
    return CDLT_OK;
}

static cdlt_status file_flush(store_file *f, cdlt_error *err)
{
    if (f->out.len == 0)
        return CDLT_OK;
    cdlt_status st = write_all(f->fd, f->out.data, f->out.len, f->path, err);
    buf_clear(&f->out);
    return st;
}

cdlt_status store_file_write(store_file *f, const void *p, size_t n, cdlt_error *err)
{
    if (buf_append(&f->out, p, n) != CDLT_OK)
        return err_nomem(err);
    f->bytes += n;
    if (f->out.len >= STORE_FLUSH_AT)
        return file_flush(f, err);
    return CDLT_OK;
}

cdlt_status store_file_write_direct(store_file *f, const void *p, size_t n, cdlt_error *err)
{
    cdlt_status st = file_flush(f, err);
    if (st == CDLT_OK)
        st = write_all(f->fd, p, n, f->path, err);
    if (st != CDLT_OK)
        return st;
    f->bytes += n;
    if (f->bytes - f->synced >= STORE_WRITE_BEHIND) {
        /* a hint only: a failure here shows up at the fsync of close */
        (void)sync_file_range(f->fd, (off_t)f->synced, (off_t)(f->bytes - f->synced),
                              SYNC_FILE_RANGE_WRITE);
        f->synced = f->bytes;
    }
    return CDLT_OK;
}

cdlt_status store_file_close(store_file *f, cdlt_error *err)
{
    cdlt_status st = file_flush(f, err);
    if (st == CDLT_OK && fsync(f->fd) != 0)
        st = store_io_err(err, errno, "cannot fsync", f->path);
    if (close(f->fd) != 0 && st == CDLT_OK)
        st = store_io_err(err, errno, "cannot close", f->path);
    f->fd = -1;
    buf_free(&f->out);
    mem_free(f->path);
    f->path = NULL;
    return st;
}

void store_file_abort(store_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    buf_free(&f->out);
    mem_free(f->path);
    f->path = NULL;
}

cdlt_status store_copy_small(const char *from, const char *to, cdlt_error *err)
{
    buf b = BUF_INIT;
    cdlt_status st = store_read_file(from, 0, &b, err);
    if (st == CDLT_OK)
        st = store_write_atomic(to, buf_cstr(&b), b.len, err);
    buf_free(&b);
    return st;
}
