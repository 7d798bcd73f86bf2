/* objstore.h: byte storage behind one small interface, opened from a bucket URL. Backends: local
 * folders (a plain path or file://...) and S3-compatible object storage (s3://bucket/prefix,
 * AWS Signature V4 signed here, requests through http/). Everything above (filesystem source and
 * destination, parquet) names objects by a '/'-separated path RELATIVE to the bucket URL and
 * never by backend. Owns: listing, streaming reads with byte ranges, atomic writes (nothing
 * visible until commit), uploads of local files (multipart on S3), deletes, stat, URL masking.
 * Knows nothing about file formats, compression or dlt layouts. Depends on http, config, core.
 * Behaviour decisions: docs/objstore.md. */
#ifndef CDLT_OBJSTORE_H
#define CDLT_OBJSTORE_H

#include "core/core.h"

typedef enum os_kind { OS_LOCAL = 1, OS_S3 = 2 } os_kind;

/* Open options. All strings are borrowed for the os_open call only (copied). NULL/0 = default.
 * The secret fields are registered with the masker on open. */
typedef struct os_options {
    const char *aws_access_key_id;     /* S3: required (no anonymous access) */
    const char *aws_secret_access_key; /* S3: required; never appears in errors or logs */
    const char *aws_session_token;     /* S3: optional (temporary credentials) */
    const char *endpoint_url;          /* S3: "http://127.0.0.1:9000" -> path-style addressing;
                                          NULL = https://s3.<region>.amazonaws.com, virtual-host */
    const char *region_name;           /* S3: signing region; NULL = "us-east-1" */
    const char *s3_url_style;          /* "path" | "virtual" | "auto"/NULL (path when endpoint_url) */
    uint64_t multipart_threshold;      /* S3: writes/put_file at or above -> multipart; 0 = 16 MiB */
    uint64_t part_size;                /* S3: multipart part size (>= 5 MiB); 0 = 16 MiB */
    int list_max_keys;                 /* S3: keys per ListObjectsV2 page (tests); 0 = 1000 */
    int max_attempts;                  /* S3: tries per request (http retries); 0 = 5 */
    double timeout_s;                  /* S3: per request; 0 = 120 */
    int parts_in_flight;               /* S3: multipart parts uploading at once (memory: this
                                          many parts); 0 = 2, at most 8 */
} os_options;

typedef struct os_store os_store;

/* Open a store on `bucket_url`: "/abs/dir", "rel/dir", "file:///abs/dir", "s3://bucket" or
 * "s3://bucket/prefix". Local: the folder need not exist (writers create folders). S3: no
 * request is made (errors show on first use). CDLT_CONFIG on an unknown scheme or bad option,
 * CDLT_CONFIG_MISSING when S3 keys are absent (the error names the config keys). */
cdlt_status os_open(const char *bucket_url, const os_options *opt, os_store **out,
                    cdlt_error *err);
void os_close(os_store *s); /* NULL ok */
os_kind os_store_kind(const os_store *s);
/* Normalized bucket URL without trailing '/': "file:///abs/dir" or "s3://bucket/prefix". */
const char *os_store_url(const os_store *s);
/* Local backend: the absolute folder ("/abs/dir"); NULL for S3. */
const char *os_store_local_root(const os_store *s);

/* One object (file). Strings live until the callback returns. */
typedef struct os_object {
    const char *url;      /* full URL: "file:///abs/dir/a/b.csv" or "s3://bucket/prefix/a/b.csv" */
    const char *path;     /* relative to the store URL: "a/b.csv" */
    const char *local;    /* local backend: absolute file path; NULL on S3 */
    uint64_t size;        /* bytes */
    int64_t mtime_us;     /* modification time, UTC microseconds since the epoch */
    bool is_dir;          /* non-recursive listing only: a folder / common prefix ("a/") */
} os_object;

/* Return non-OK to stop the listing (that status is returned by os_list). */
typedef cdlt_status (*os_list_fn)(void *ud, const os_object *obj, cdlt_error *err);

/* Objects under folder `dir` (relative; "" or NULL = the store root), in byte order of path.
 * recursive: every object below; otherwise the direct children, folders as is_dir entries.
 * A missing folder lists nothing (CDLT_OK). S3 pages through ListObjectsV2. Local: symlinks
 * are followed; hidden files are listed (callers filter). */
cdlt_status os_list(os_store *s, const char *dir, bool recursive, os_list_fn fn, void *ud,
                    cdlt_error *err);

/* Size and modification time of one object; CDLT_NOT_FOUND (error set, naming the URL) when
 * absent. Either out pointer may be NULL. */
cdlt_status os_stat(os_store *s, const char *path, uint64_t *size, int64_t *mtime_us,
                    cdlt_error *err);

/* ---- streaming reads: memory bounded (S3 fetches ranges of a few MiB) ---- */
typedef struct os_reader os_reader;
/* Read `path` from byte `offset`, at most `length` bytes (UINT64_MAX = to the end). A missing
 * object is CDLT_NOT_FOUND; an offset past the end reads nothing. */
cdlt_status os_reader_open(os_store *s, const char *path, uint64_t offset, uint64_t length,
                           os_reader **out, cdlt_error *err);
/* Up to n bytes into b; *got = 0 only at the end. */
cdlt_status os_read(os_reader *r, void *b, size_t n, size_t *got, cdlt_error *err);
uint64_t os_reader_size(const os_reader *r); /* whole object size */
void os_reader_close(os_reader *r);          /* NULL ok */
/* Whole small object into out (appended); capped at max_bytes (CDLT_TOO_LARGE). */
cdlt_status os_get(os_store *s, const char *path, buf *out, uint64_t max_bytes, cdlt_error *err);

/* ---- writes: nothing is visible under `path` until commit ---- */
typedef struct os_writer os_writer;
/* Local: a hidden temp file in the target folder (folders created), renamed on commit. S3:
 * buffered up to multipart_threshold (one PUT on commit), then a multipart upload. */
cdlt_status os_writer_open(os_store *s, const char *path, os_writer **out, cdlt_error *err);
cdlt_status os_write(os_writer *w, const void *b, size_t n, cdlt_error *err);
/* Make the object visible (replacing an older one) and free the writer, also on failure. */
cdlt_status os_writer_commit(os_writer *w, cdlt_error *err);
/* Drop everything written (temp file removed, multipart upload aborted); frees. NULL ok. */
void os_writer_abort(os_writer *w);
/* Copy local file `local_path` to object `path` (atomic as above; multipart on S3 above the
 * threshold, parts read from the file, memory bounded by the part size). */
cdlt_status os_put_file(os_store *s, const char *local_path, const char *path, cdlt_error *err);
/* Small object from memory. */
cdlt_status os_put(os_store *s, const char *path, const void *data, size_t n, cdlt_error *err);

/* Remove one object. A missing object is not an error (S3 semantics on both backends). */
cdlt_status os_delete(os_store *s, const char *path, cdlt_error *err);
/* Remove every object under folder `dir` (relative, not ""); *removed (may be NULL) counts. */
cdlt_status os_delete_tree(os_store *s, const char *dir, uint64_t *removed, cdlt_error *err);

/* Copy `url` into out with secrets hidden: user:password@ parts, X-Amz-Signature /
 * X-Amz-Credential / X-Amz-Security-Token query values and registered secrets -> "***". */
void os_mask_url(const char *url, char *out, size_t cap);

/* ---- credentials from dlt's configuration ----
 * Reads <section>.credentials.{aws_access_key_id, aws_secret_access_key, aws_session_token,
 * endpoint_url, region_name, s3_url_style, profile_name} with dlt's lookup (section e.g.
 * "destination.filesystem" or "sources.filesystem"; env DESTINATION__FILESYSTEM__CREDENTIALS__
 * AWS_ACCESS_KEY_ID, secrets.toml, ...). Absent keys stay NULL. Strings live as long as cfg.
 * An unknown key under <section>.credentials is a CDLT_CONFIG error. What the configuration
 * leaves out comes from AWS profiles / environment (os_aws_default_chain, awschain.c).
 * Only S3 bucket URLs need this; local ones ignore credentials. */
struct cdlt_config;
cdlt_status os_options_from_config(struct cdlt_config *cfg, const char *section, os_options *out,
                                   cdlt_error *err);

#endif /* CDLT_OBJSTORE_H */
