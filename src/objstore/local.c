/* local.c: the local-folder backend. Writes go to a hidden temp file next to the target and are
 * renamed over it on commit, so readers see the old object or the whole new one, never a part;
 * listings skip those temp files. */
#include "objstore_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temp files of unfinished writes start with this; listings never show them. */
#define TMP_MARK ".cdlt-tmp."

static cdlt_status sys_err(const os_store *s, const char *path, const char *what, int e,
                           cdlt_error *err)
{
    cdlt_status code = e == ENOENT ? CDLT_NOT_FOUND : CDLT_IO;
    buf u = BUF_INIT;
    os_object_url(s, path, &u);
    err_set(err, code, "cannot %s %s: %s", what, buf_cstr(&u), strerror(e));
    err_set_url(err, buf_cstr(&u));
    buf_free(&u);
    if (e == ENOENT)
        err_hint(err, "check bucket_url and the file name");
    else if (e == EACCES || e == EPERM)
        err_hint(err, "check the permissions of the folder and file");
    else if (e == ENOSPC)
        err_hint(err, "free disk space");
    return code;
}

/* root + "/" + path */
static cdlt_status abs_path(const os_store *s, const char *path, buf *out)
{
    buf_clear(out);
    buf_puts(out, s->local_root);
    if (path && *path) {
        if (!(out->len == 1 && out->data[0] == '/'))
            buf_putc(out, '/');
        buf_puts(out, path);
    }
    return out->status;
}

static cdlt_status l_open(os_store *s, const char *rest, const os_options *opt, cdlt_error *err)
{
    (void)opt;
    buf b = BUF_INIT;
    if (strncmp(rest, "localhost/", 10) == 0)
        rest += 9; /* file://localhost/abs */
    if (rest[0] == '~' && (rest[1] == '/' || rest[1] == 0)) {
        const char *home = getenv("HOME");
        buf_puts(&b, home ? home : "");
        rest++;
    } else if (rest[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) {
            buf_free(&b);
            return err_set(err, CDLT_IO, "cannot resolve relative bucket_url '%s': %s", rest,
                           strerror(errno));
        }
        buf_puts(&b, cwd);
        buf_putc(&b, '/');
    }
    /* normalize: drop "." segments, duplicate and trailing '/', resolve ".." textually */
    buf_puts(&b, rest);
    if (b.status != CDLT_OK) {
        buf_free(&b);
        return err_nomem(err);
    }
    char *src = b.data;
    size_t o = 0;
    for (size_t i = 0; src[i];) {
        while (src[i] == '/')
            i++;
        if (!src[i])
            break;
        size_t n = strcspn(src + i, "/");
        if (n == 1 && src[i] == '.') {
        } else if (n == 2 && src[i] == '.' && src[i + 1] == '.') {
            while (o > 0 && src[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
        } else {
            src[o++] = '/';
            memmove(src + o, src + i, n);
            o += n;
        }
        i += n;
    }
    if (o == 0)
        src[o++] = '/';
    src[o] = 0;
    s->local_root = mem_strdup(src);
    if (!s->local_root) {
        buf_free(&b);
        return err_nomem(err);
    }
    buf_clear(&b);
    buf_puts(&b, "file://");
    buf_puts(&b, s->local_root[1] ? s->local_root : "");
    if (s->local_root[1] == 0)
        buf_putc(&b, '/');
    s->url = b.status == CDLT_OK ? mem_strdup(buf_cstr(&b)) : NULL;
    buf_free(&b);
    if (!s->local_root || !s->url)
        return err_nomem(err);
    return CDLT_OK;
}

static void l_close(os_store *s) { (void)s; }

static int64_t mtime_us(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect relative paths under abs folder `dir_abs` (rel = its relative path, "" at the root)
 * into out; directories as "name/" when !recursive. */
static cdlt_status walk(const os_store *s, buf *abs, size_t rel_from, bool recursive, strv *out,
                        int depth, cdlt_error *err)
{
    if (depth > 256)
        return err_set(err, CDLT_IO, "folder nesting deeper than 256 under %s (symlink loop?)",
                       s->url);
    DIR *d = opendir(buf_cstr(abs));
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return CDLT_OK;
        return sys_err(s, buf_cstr(abs) + rel_from, "list", errno, err);
    }
    cdlt_status rc = CDLT_OK;
    size_t keep = abs->len;
    struct dirent *de;
    while (rc == CDLT_OK && (de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0 ||
            strncmp(nm, TMP_MARK, strlen(TMP_MARK)) == 0)
            continue;
        abs->len = keep;
        abs->data[keep] = 0;
        if (!(keep == 1 && abs->data[0] == '/'))
            buf_putc(abs, '/');
        buf_puts(abs, nm);
        if (abs->status != CDLT_OK) {
            rc = err_nomem(err);
            break;
        }
        struct stat st;
        if (stat(buf_cstr(abs), &st) != 0)
            continue; /* dangling symlink or removed meanwhile */
        const char *rel = buf_cstr(abs) + rel_from;
        if (S_ISDIR(st.st_mode)) {
            if (recursive) {
                rc = walk(s, abs, rel_from, true, out, depth + 1, err);
            } else {
                buf t = BUF_INIT;
                buf_puts(&t, rel);
                buf_putc(&t, '/');
                rc = t.status == CDLT_OK ? strv_add(out, buf_cstr(&t)) : CDLT_NOMEM;
                buf_free(&t);
                if (rc != CDLT_OK)
                    rc = err_nomem(err);
            }
        } else if (S_ISREG(st.st_mode)) {
            if (strv_add(out, rel) != CDLT_OK)
                rc = err_nomem(err);
        }
    }
    closedir(d);
    abs->len = keep;
    abs->data[keep] = 0;
    return rc;
}

static cdlt_status l_list(os_store *s, const char *dir, bool recursive, os_list_fn fn, void *ud,
                          cdlt_error *err)
{
    buf abs = BUF_INIT, u = BUF_INIT;
    strv paths = {0};
    if (abs_path(s, dir, &abs) != CDLT_OK)
        return err_nomem(err);
    /* relative paths start after "<root>/" */
    size_t rel_from = strlen(s->local_root) + (s->local_root[1] ? 1 : 0);
    cdlt_status rc = walk(s, &abs, rel_from, recursive, &paths, 0, err);
    if (rc == CDLT_OK && paths.n > 1)
        qsort(paths.v, paths.n, sizeof *paths.v, cmp_str);
    for (size_t i = 0; rc == CDLT_OK && i < paths.n; i++) {
        const char *rel = paths.v[i];
        size_t n = strlen(rel);
        bool is_dir = n > 0 && rel[n - 1] == '/';
        if (abs_path(s, rel, &abs) != CDLT_OK || os_object_url(s, rel, &u) != CDLT_OK) {
            rc = err_nomem(err);
            break;
        }
        struct stat st;
        if (stat(buf_cstr(&abs), &st) != 0)
            continue; /* removed since the walk */
        os_object o = {buf_cstr(&u), rel, buf_cstr(&abs), is_dir ? 0 : (uint64_t)st.st_size,
                       mtime_us(&st), is_dir};
        rc = fn(ud, &o, err);
    }
    strv_free(&paths);
    buf_free(&abs);
    buf_free(&u);
    return rc;
}

static cdlt_status l_stat(os_store *s, const char *path, uint64_t *size, int64_t *mt,
                          cdlt_error *err)
{
    buf abs = BUF_INIT;
    if (abs_path(s, path, &abs) != CDLT_OK)
        return err_nomem(err);
    struct stat st;
    cdlt_status rc = CDLT_OK;
    if (stat(buf_cstr(&abs), &st) != 0)
        rc = sys_err(s, path, "stat", errno, err);
    else if (!S_ISREG(st.st_mode))
        rc = sys_err(s, path, "stat", ENOENT, err); /* a folder is not an object */
    else {
        *size = (uint64_t)st.st_size;
        *mt = mtime_us(&st);
    }
    buf_free(&abs);
    return rc;
}

typedef struct l_reader {
    int fd;          /* open file */
    uint64_t left;   /* bytes still allowed by the range */
    char *path;      /* relative path (messages) */
} l_reader;

static cdlt_status l_reader_open(os_reader *r, const char *path, uint64_t offset,
                                 uint64_t length, cdlt_error *err)
{
    buf abs = BUF_INIT;
    if (abs_path(r->s, path, &abs) != CDLT_OK)
        return err_nomem(err);
    int fd = open(buf_cstr(&abs), O_RDONLY | O_CLOEXEC);
    buf_free(&abs);
    if (fd < 0)
        return sys_err(r->s, path, "open for reading", errno, err);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        return sys_err(r->s, path, "open for reading", S_ISDIR(st.st_mode) ? EISDIR : e, err);
    }
    l_reader *l = mem_calloc(1, sizeof *l);
    if (!l || !(l->path = mem_strdup(path))) {
        mem_free(l);
        close(fd);
        return err_nomem(err);
    }
    r->size = (uint64_t)st.st_size;
    if (offset > r->size)
        offset = r->size;
    l->fd = fd;
    l->left = r->size - offset < length ? r->size - offset : length;
    if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
        cdlt_status rc = sys_err(r->s, path, "seek in", errno, err);
        close(fd);
        mem_free(l->path);
        mem_free(l);
        return rc;
    }
    posix_fadvise(fd, (off_t)offset, 0, POSIX_FADV_SEQUENTIAL);
    r->impl = l;
    return CDLT_OK;
}

static cdlt_status l_read(os_reader *r, void *b, size_t n, size_t *got, cdlt_error *err)
{
    l_reader *l = r->impl;
    if (n > l->left)
        n = (size_t)l->left;
    while (n) {
        ssize_t k = read(l->fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return sys_err(r->s, l->path, "read", errno, err);
        *got = (size_t)k;
        l->left -= (uint64_t)k;
        return CDLT_OK;
    }
    *got = 0;
    return CDLT_OK;
}

static void l_reader_close(os_reader *r)
{
    l_reader *l = r->impl;
    if (!l)
        return;
    close(l->fd);
    mem_free(l->path);
    mem_free(l);
}

typedef struct l_writer {
    int fd;       /* temp file */
    char *tmp;    /* temp file absolute path */
    char *final;  /* target absolute path */
    char *path;   /* relative path (messages) */
} l_writer;

/* mkdir -p of the folder part of abs path p (p is modified and restored). */
static int make_parents(char *p)
{
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = 0;
        int rc = mkdir(p, 0777);
        int e = errno;
        *q = '/';
        if (rc != 0 && e != EEXIST)
            return e;
    }
    return 0;
}

static cdlt_status l_writer_open(os_writer *w, const char *path, cdlt_error *err)
{
    static unsigned counter;
    l_writer *l = mem_calloc(1, sizeof *l);
    if (!l)
        return err_nomem(err);
    l->fd = -1;
    buf abs = BUF_INIT, tmp = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    if (abs_path(w->s, path, &abs) != CDLT_OK) {
        rc = err_nomem(err);
        goto out;
    }
    const char *slash = strrchr(buf_cstr(&abs), '/');
    buf_append(&tmp, buf_cstr(&abs), (size_t)(slash - buf_cstr(&abs)) + 1);
    buf_printf(&tmp, TMP_MARK "%ld.%u.%s", (long)getpid(),
               __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED), slash + 1);
    if (abs.status != CDLT_OK || tmp.status != CDLT_OK) {
        rc = err_nomem(err);
        goto out;
    }
    l->final = buf_detach(&abs, NULL);
    l->tmp = buf_detach(&tmp, NULL);
    l->path = mem_strdup(path);
    if (!l->final || !l->tmp || !l->path) {
        rc = err_nomem(err);
        goto out;
    }
    int e = make_parents(l->tmp);
    if (e) {
        rc = sys_err(w->s, path, "create the folder of", e, err);
        goto out;
    }
    l->fd = open(l->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (l->fd < 0)
        rc = sys_err(w->s, path, "create", errno, err);
out:
    buf_free(&abs);
    buf_free(&tmp);
    w->impl = l;
    if (rc != CDLT_OK) {
        if (l->fd >= 0) {
            close(l->fd);
            unlink(l->tmp);
        }
        mem_free(l->tmp);
        mem_free(l->final);
        mem_free(l->path);
        mem_free(l);
        w->impl = NULL;
    }
    return rc;
}

static cdlt_status l_write(os_writer *w, const void *b, size_t n, cdlt_error *err)
{
    l_writer *l = w->impl;
    const char *p = b;
    while (n) {
        ssize_t k = write(l->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return sys_err(w->s, l->path, "write", errno, err);
        p += k;
        n -= (size_t)k;
    }
    return CDLT_OK;
}

static void l_free(l_writer *l, bool remove_tmp)
{
    if (l->fd >= 0)
        close(l->fd);
    if (remove_tmp)
        unlink(l->tmp);
    mem_free(l->tmp);
    mem_free(l->final);
    mem_free(l->path);
    mem_free(l);
}

static cdlt_status l_commit(os_writer *w, cdlt_error *err)
{
    l_writer *l = w->impl;
    cdlt_status rc = CDLT_OK;
    int fd = l->fd;
    l->fd = -1;
    if (close(fd) != 0)
        rc = sys_err(w->s, l->path, "finish writing", errno, err);
    else if (rename(l->tmp, l->final) != 0)
        rc = sys_err(w->s, l->path, "rename the finished temp file onto", errno, err);
    l_free(l, rc != CDLT_OK);
    return rc;
}

static void l_abort(os_writer *w) { l_free(w->impl, true); }

static cdlt_status l_put_file(os_store *s, const char *local_path, const char *path,
                              cdlt_error *err)
{
    int in = open(local_path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        int e = errno;
        return err_set(err, e == ENOENT ? CDLT_NOT_FOUND : CDLT_IO, "cannot open %s: %s",
                       local_path, strerror(e));
    }
    os_writer w = {s, NULL};
    cdlt_status rc = l_writer_open(&w, path, err);
    if (rc != CDLT_OK) {
        close(in);
        return rc;
    }
    l_writer *l = w.impl;
    for (;;) {
        ssize_t k = copy_file_range(in, NULL, l->fd, NULL, 1 << 30, 0);
        if (k == 0)
            break;
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
            /* plain copy where the kernel cannot copy between these files */
            char *b = mem_alloc(1 << 20);
            if (!b) {
                rc = err_nomem(err);
                break;
            }
            for (;;) {
                ssize_t r = read(in, b, 1 << 20);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r < 0) {
                    rc = err_set(err, CDLT_IO, "cannot read %s: %s", local_path, strerror(errno));
                    break;
                }
                if (r == 0 || (rc = l_write(&w, b, (size_t)r, err)) != CDLT_OK)
                    break;
            }
            mem_free(b);
            break;
        }
        if (k < 0) {
            rc = err_set(err, CDLT_IO, "cannot copy %s: %s", local_path, strerror(errno));
            break;
        }
    }
    close(in);
    if (rc != CDLT_OK) {
        l_abort(&w);
        return rc;
    }
    return l_commit(&w, err);
}

static cdlt_status l_del(os_store *s, const char *path, cdlt_error *err)
{
    buf abs = BUF_INIT;
    if (abs_path(s, path, &abs) != CDLT_OK)
        return err_nomem(err);
    cdlt_status rc = CDLT_OK;
    if (unlink(buf_cstr(&abs)) != 0 && errno != ENOENT)
        rc = sys_err(s, path, "delete", errno, err);
    buf_free(&abs);
    return rc;
}

const os_ops os_local_ops = {
    "local",      l_open,  l_close,  l_list,   l_stat,     l_reader_open, l_read,
    l_reader_close, l_writer_open, l_write, l_commit, l_abort, l_put_file, l_del,
};
