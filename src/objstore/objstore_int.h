/* objstore_int.h: what a backend implements (a function table) and the shared handle shapes.
 * objstore.c checks paths and dispatches; local.c and s3.c fill the tables. Internal. */
#ifndef CDLT_OBJSTORE_INT_H
#define CDLT_OBJSTORE_INT_H

#include "objstore/objstore.h"

typedef struct os_ops {
    const char *name; /* "local", "s3" (for messages) */
    cdlt_status (*open)(os_store *s, const char *rest, const os_options *opt, cdlt_error *err);
    void (*close)(os_store *s);
    cdlt_status (*list)(os_store *s, const char *dir, bool recursive, os_list_fn fn, void *ud,
                        cdlt_error *err);
    cdlt_status (*stat)(os_store *s, const char *path, uint64_t *size, int64_t *mtime_us,
                        cdlt_error *err);
    cdlt_status (*reader_open)(os_reader *r, const char *path, uint64_t offset, uint64_t length,
                               cdlt_error *err);
    cdlt_status (*read)(os_reader *r, void *b, size_t n, size_t *got, cdlt_error *err);
    void (*reader_close)(os_reader *r);
    cdlt_status (*writer_open)(os_writer *w, const char *path, cdlt_error *err);
    cdlt_status (*write)(os_writer *w, const void *b, size_t n, cdlt_error *err);
    cdlt_status (*commit)(os_writer *w, cdlt_error *err);
    void (*abort)(os_writer *w);
    cdlt_status (*put_file)(os_store *s, const char *local_path, const char *path,
                            cdlt_error *err);
    cdlt_status (*del)(os_store *s, const char *path, cdlt_error *err);
} os_ops;

struct os_store {
    const os_ops *ops; /* backend */
    os_kind kind;      /* OS_LOCAL / OS_S3 */
    char *url;         /* normalized bucket URL, no trailing '/' (mem_*) */
    char *local_root;  /* local: absolute folder, no trailing '/' (mem_*); NULL on S3 */
    void *impl;        /* backend state */
};

struct os_reader {
    os_store *s;   /* owning store */
    uint64_t size; /* whole object size (set by the backend's reader_open) */
    void *impl;    /* backend state */
};

struct os_writer {
    os_store *s; /* owning store */
    void *impl;  /* backend state */
};

extern const os_ops os_local_ops;
extern const os_ops os_s3_ops;

/* awschain.c: fill the S3 key id / secret / token / region the configuration left out from
 * the AWS profile profile_name (when given), the AWS_* environment or the default profile, as
 * botocore does for dlt. Strings live in cfg's arena. An unknown named profile is an error. */
struct cdlt_config;
cdlt_status os_aws_default_chain(struct cdlt_config *cfg, const char *section,
                                 const char *profile_name, os_options *o, cdlt_error *err);

/* dlt's credentials.s3_url_style values (botocore's addressing_style): "path", "virtual",
 * "auto"; the hint of the error for another one (osconfig.c for config, s3.c for C options). */
bool os_s3_url_style_ok(const char *style);
#define OS_S3_URL_STYLE_HINT                                                                     \
    "use \"path\" (<endpoint>/<bucket>/<key>), \"virtual\" (<bucket>.<endpoint host>/<key>) or " \
    "\"auto\" (path with endpoint_url, else virtual); leave it unset for auto"

/* "<store url>/<path>" into out (for messages and listings). */
cdlt_status os_object_url(const os_store *s, const char *path, buf *out);

#endif /* CDLT_OBJSTORE_INT_H */
