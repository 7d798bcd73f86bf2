/* objstore.c: opens a store from its bucket URL, checks relative paths once for every backend
 * and dispatches to the backend's function table; small helpers built on the table (whole-object
 * get/put, tree delete) and URL masking live here too. */
#include "objstore_int.h"

#include <string.h>

#include "cdlt.h"

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

cdlt_status os_open(const char *bucket_url, const os_options *opt, os_store **out,
                    cdlt_error *err)
{
    *out = NULL;
    os_options none;
    if (!opt) {
        memset(&none, 0, sizeof none);
        opt = &none;
    }
    if (!bucket_url || !*bucket_url) {
        err_set(err, CDLT_CONFIG, "bucket_url is empty");
        err_hint(err, "set bucket_url to a folder path, file:///folder or s3://bucket/prefix");
        return CDLT_CONFIG;
    }
    const os_ops *ops;
    const char *rest;
    if (has_prefix(bucket_url, "s3://")) {
        ops = &os_s3_ops;
        rest = bucket_url + 5;
    } else if (has_prefix(bucket_url, "file://")) {
        ops = &os_local_ops;
        rest = bucket_url + 7;
    } else if (strstr(bucket_url, "://")) {
        char scheme[32];
        size_t n = (size_t)(strstr(bucket_url, "://") - bucket_url);
        if (n >= sizeof scheme)
            n = sizeof scheme - 1;
        memcpy(scheme, bucket_url, n);
        scheme[n] = 0;
        err_set(err, CDLT_UNSUPPORTED, "bucket_url scheme '%s' is not supported", scheme);
        err_hint(err, "use a local folder, file:///folder or s3://bucket/prefix "
                      "(S3-compatible storage: set credentials.endpoint_url)");
        return CDLT_UNSUPPORTED;
    } else {
        ops = &os_local_ops;
        rest = bucket_url;
    }
    os_store *s = mem_calloc(1, sizeof *s);
    if (!s)
        return err_nomem(err);
    s->ops = ops;
    s->kind = ops == &os_s3_ops ? OS_S3 : OS_LOCAL;
    cdlt_status rc = ops->open(s, rest, opt, err);
    if (rc != CDLT_OK) {
        os_close(s);
        return rc;
    }
    *out = s;
    return CDLT_OK;
}

void os_close(os_store *s)
{
    if (!s)
        return;
    if (s->ops && s->ops->close)
        s->ops->close(s);
    mem_free(s->url);
    mem_free(s->local_root);
    mem_free(s);
}

os_kind os_store_kind(const os_store *s) { return s->kind; }
const char *os_store_url(const os_store *s) { return s->url; }
const char *os_store_local_root(const os_store *s) { return s->local_root; }

cdlt_status os_object_url(const os_store *s, const char *path, buf *out)
{
    buf_clear(out);
    buf_puts(out, s->url);
    if (path && *path) {
        buf_putc(out, '/');
        buf_puts(out, path);
    }
    return out->status;
}

/* A relative object path: no leading '/', no empty, "." or ".." segments (a path must not
 * leave the bucket URL), no backslashes or control bytes. dir_ok: "" and a trailing '/' are
 * allowed (folders). */
static cdlt_status check_path(const os_store *s, const char *path, bool dir_ok, cdlt_error *err)
{
    const char *why = NULL;
    if (!path || !*path) {
        if (dir_ok)
            return CDLT_OK;
        why = "is empty";
    } else if (path[0] == '/') {
        why = "starts with '/' (paths are relative to bucket_url)";
    } else {
        const char *seg = path;
        for (const char *p = path;; p++) {
            if ((unsigned char)*p < 0x20 && *p != 0) {
                why = "contains a control character";
                break;
            }
            if (*p == '/' || *p == 0) {
                size_t n = (size_t)(p - seg);
                if (n == 0 && !(dir_ok && *p == 0)) {
                    why = "has an empty segment ('//' or a trailing '/')";
                    break;
                }
                if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) {
                    why = "has a '.' or '..' segment";
                    break;
                }
                if (*p == 0)
                    break;
                seg = p + 1;
            }
        }
    }
    if (!why)
        return CDLT_OK;
    err_set(err, CDLT_INVALID_ARG, "object path '%s' under %s %s", path ? path : "", s->url, why);
    err_hint(err, "give a '/'-separated path relative to the bucket URL");
    return CDLT_INVALID_ARG; /* not err_hint's value: err may be NULL */
}

/* A folder argument without its trailing '/' (copied into out). */
static cdlt_status dir_arg(const os_store *s, const char *dir, buf *out, cdlt_error *err)
{
    buf_clear(out);
    if (dir)
        buf_puts(out, dir);
    while (out->len && out->data[out->len - 1] == '/')
        out->data[--out->len] = 0;
    if (out->status != CDLT_OK)
        return err_nomem(err);
    return check_path(s, buf_cstr(out), true, err);
}

cdlt_status os_list(os_store *s, const char *dir, bool recursive, os_list_fn fn, void *ud,
                    cdlt_error *err)
{
    buf d = BUF_INIT;
    cdlt_status rc = dir_arg(s, dir, &d, err);
    if (rc == CDLT_OK)
        rc = s->ops->list(s, buf_cstr(&d), recursive, fn, ud, err);
    buf_free(&d);
    return rc;
}

cdlt_status os_stat(os_store *s, const char *path, uint64_t *size, int64_t *mtime_us,
                    cdlt_error *err)
{
    cdlt_status rc = check_path(s, path, false, err);
    if (rc != CDLT_OK)
        return rc;
    uint64_t sz = 0;
    int64_t mt = 0;
    rc = s->ops->stat(s, path, &sz, &mt, err);
    if (rc == CDLT_OK) {
        if (size)
            *size = sz;
        if (mtime_us)
            *mtime_us = mt;
    }
    return rc;
}

cdlt_status os_reader_open(os_store *s, const char *path, uint64_t offset, uint64_t length,
                           os_reader **out, cdlt_error *err)
{
    *out = NULL;
    cdlt_status rc = check_path(s, path, false, err);
    if (rc != CDLT_OK)
        return rc;
    os_reader *r = mem_calloc(1, sizeof *r);
    if (!r)
        return err_nomem(err);
    r->s = s;
    rc = s->ops->reader_open(r, path, offset, length, err);
    if (rc != CDLT_OK) {
        mem_free(r);
        return rc;
    }
    *out = r;
    return CDLT_OK;
}

cdlt_status os_read(os_reader *r, void *b, size_t n, size_t *got, cdlt_error *err)
{
    *got = 0;
    if (n == 0)
        return CDLT_OK;
    return r->s->ops->read(r, b, n, got, err);
}

uint64_t os_reader_size(const os_reader *r) { return r->size; }

void os_reader_close(os_reader *r)
{
    if (!r)
        return;
    r->s->ops->reader_close(r);
    mem_free(r);
}

cdlt_status os_get(os_store *s, const char *path, buf *out, uint64_t max_bytes, cdlt_error *err)
{
    os_reader *r;
    cdlt_status rc = os_reader_open(s, path, 0, UINT64_MAX, &r, err);
    if (rc != CDLT_OK)
        return rc;
    if (r->size > max_bytes) {
        buf u = BUF_INIT;
        os_object_url(s, path, &u);
        err_set(err, CDLT_TOO_LARGE, "%s has %llu bytes, more than the %llu read here",
                buf_cstr(&u), (unsigned long long)r->size, (unsigned long long)max_bytes);
        buf_free(&u);
        os_reader_close(r);
        return CDLT_TOO_LARGE;
    }
    if (buf_reserve(out, (size_t)r->size + 1) != CDLT_OK) {
        os_reader_close(r);
        return err_nomem(err);
    }
    for (;;) {
        if (buf_reserve(out, 65536) != CDLT_OK) {
            rc = err_nomem(err);
            break;
        }
        size_t got;
        rc = os_read(r, out->data + out->len, out->cap - out->len - 1, &got, err);
        if (rc != CDLT_OK || got == 0)
            break;
        out->len += got;
        out->data[out->len] = 0;
        if (out->len > max_bytes) {
            rc = err_set(err, CDLT_TOO_LARGE, "object '%s' grew past %llu bytes while read",
                         path, (unsigned long long)max_bytes);
            break;
        }
    }
    os_reader_close(r);
    return rc;
}

cdlt_status os_writer_open(os_store *s, const char *path, os_writer **out, cdlt_error *err)
{
    *out = NULL;
    cdlt_status rc = check_path(s, path, false, err);
    if (rc != CDLT_OK)
        return rc;
    os_writer *w = mem_calloc(1, sizeof *w);
    if (!w)
        return err_nomem(err);
    w->s = s;
    rc = s->ops->writer_open(w, path, err);
    if (rc != CDLT_OK) {
        mem_free(w);
        return rc;
    }
    *out = w;
    return CDLT_OK;
}

cdlt_status os_write(os_writer *w, const void *b, size_t n, cdlt_error *err)
{
    if (n == 0)
        return CDLT_OK;
    return w->s->ops->write(w, b, n, err);
}

cdlt_status os_writer_commit(os_writer *w, cdlt_error *err)
{
    cdlt_status rc = w->s->ops->commit(w, err);
    mem_free(w);
    return rc;
}

void os_writer_abort(os_writer *w)
{
    if (!w)
        return;
    w->s->ops->abort(w);
    mem_free(w);
}

cdlt_status os_put_file(os_store *s, const char *local_path, const char *path, cdlt_error *err)
{
    cdlt_status rc = check_path(s, path, false, err);
    if (rc != CDLT_OK)
        return rc;
    return s->ops->put_file(s, local_path, path, err);
}

cdlt_status os_put(os_store *s, const char *path, const void *data, size_t n, cdlt_error *err)
{
    os_writer *w;
    cdlt_status rc = os_writer_open(s, path, &w, err);
    if (rc != CDLT_OK)
        return rc;
    rc = os_write(w, data, n, err);
    if (rc != CDLT_OK) {
        os_writer_abort(w);
        return rc;
    }
    return os_writer_commit(w, err);
}

cdlt_status os_delete(os_store *s, const char *path, cdlt_error *err)
{
    cdlt_status rc = check_path(s, path, false, err);
    if (rc != CDLT_OK)
        return rc;
    return s->ops->del(s, path, err);
}

static cdlt_status collect(void *ud, const os_object *o, cdlt_error *err)
{
    if (strv_add((strv *)ud, o->path) != CDLT_OK)
        return err_nomem(err);
    return CDLT_OK;
}

cdlt_status os_delete_tree(os_store *s, const char *dir, uint64_t *removed, cdlt_error *err)
{
    if (removed)
        *removed = 0;
    if (!dir || !*dir || strcmp(dir, "/") == 0)
        return err_set(err, CDLT_INVALID_ARG,
                       "refusing to delete every object under %s (no folder given)", s->url);
    /* collect first: deleting while a listing pages would shift S3's continuation */
    strv paths = {0};
    cdlt_status rc = os_list(s, dir, true, collect, &paths, err);
    for (size_t i = 0; rc == CDLT_OK && i < paths.n; i++) {
        rc = s->ops->del(s, paths.v[i], err);
        if (rc == CDLT_OK && removed)
            (*removed)++;
    }
    strv_free(&paths);
    return rc;
}

/* Length of a query value starting at v (up to '&', '#' or the end). */
static size_t qlen(const char *v) { return strcspn(v, "&#"); }

void os_mask_url(const char *url, char *out, size_t cap)
{
    if (!cap)
        return;
    out[0] = 0;
    if (!url)
        return;
    buf b = BUF_INIT;
    const char *p = url;
    /* user:password@ in the authority */
    const char *sch = strstr(url, "://");
    if (sch) {
        const char *auth = sch + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', alen);
        if (at) {
            buf_append(&b, url, (size_t)(auth - url));
            buf_puts(&b, "***@");
            p = at + 1;
        }
    }
    static const char *const keys[] = {"X-Amz-Signature=", "X-Amz-Credential=",
                                       "X-Amz-Security-Token=", "Signature=",
                                       "AWSAccessKeyId=", "x-amz-security-token="};
    while (*p) {
        bool hit = false;
        if (p > url && (p[-1] == '?' || p[-1] == '&')) {
            for (size_t k = 0; k < CDLT_ARRAY_LEN(keys); k++) {
                size_t kl = strlen(keys[k]);
                if (strncmp(p, keys[k], kl) == 0) {
                    buf_append(&b, p, kl);
                    buf_puts(&b, "***");
                    p += kl + qlen(p + kl);
                    hit = true;
                    break;
                }
            }
        }
        if (!hit)
            buf_putc(&b, *p++);
    }
    cdlt_secret_mask_text(buf_cstr(&b), out, cap);
    buf_free(&b);
}
