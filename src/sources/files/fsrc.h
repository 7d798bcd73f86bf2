/* fsrc.h: dlt's filesystem source without the pipeline (spec sources.md §8): listing a bucket
 * URL (objstore: local folders, file://, s3://) with dlt's file_glob, FileItem rows, and the
 * readers read_csv / read_jsonl / read_parquet / read_csv_duckdb (csvduck.h) over plain, .gz
 * and .zst objects, streaming in bounded memory. The pipeline glue (definition keys, incremental on modification_date, state)
 * is src/pipeline/fssrc.c. Depends on objstore, csv, json, core; knows no pipeline. */
#ifndef CDLT_SOURCES_FSRC_H
#define CDLT_SOURCES_FSRC_H

#include "csv/csv.h"
#include "objstore/objstore.h"

/* One listed file: dlt's FileItem. */
typedef struct fs_item {
    char *url;            /* file_url: file:///abs/path or s3://bucket/key */
    char *name;           /* file_name: base name */
    char *rel;            /* relative_path: relative to the bucket URL, '/' separated */
    char *mime;           /* mime_type: from the extension (Python's mimetypes table) */
    const char *encoding; /* encoding: "gzip" for .gz, ... or NULL */
    int64_t mtime_us;     /* modification_date, UTC microseconds */
    uint64_t size;        /* size_in_bytes */
} fs_item;

typedef struct fs_listing {
    fs_item *v;    /* files sorted by relative path */
    size_t n;      /* entries */
    size_t cap;    /* allocated */
} fs_listing;

/* The files of store s whose relative path matches file_glob (dlt's rules: '*' and '?' stay in
 * one path segment, a '**' segment matches any number of folders, zero included; the default
 * "*" is therefore not recursive; "" matches the store's root object itself: a bucket URL
 * naming one file). Local stores skip names starting with '.' unless the pattern's segment
 * does (Python's glob, which dlt uses for local paths). */
cdlt_status fs_list(os_store *s, const char *file_glob, fs_listing *out, cdlt_error *err);
void fs_listing_free(fs_listing *l);
/* Whether path matches the glob (exported for tests). */
bool fs_glob_match(const char *glob, const char *path, bool skip_hidden);
/* mime type and encoding as Python's mimetypes.guess_type(strict=False) + dlt's fallback
 * "application/<ext>" (or application/octet-stream); *encoding NULL when none. */
void fs_guess_mime(const char *name, char *mime, size_t cap, const char **encoding);
/* The FileItem as a row object in a: file_url, file_name, relative_path, mime_type, encoding
 * (only when set), modification_date (ISO 8601 UTC text), size_in_bytes. */
cdlt_status fs_item_row(const fs_item *it, arena *a, jv *out, cdlt_error *err);
/* dlt's extract_content: append `file_content` to a FileItem row (from fs_item_row): the
 * object's raw bytes (never decompressed), as base64 text marked JV_F_BINARY so its column
 * is binary as dlt's bytes value makes it. Objects above FS_CONTENT_MAX bytes are refused. */
#define FS_CONTENT_MAX (1ull << 30)
cdlt_status fs_item_add_content(os_store *s, const fs_item *it, jv *row, arena *a,
                                cdlt_error *err);
/* ISO 8601 UTC text of a microsecond timestamp ("2026-12-05T17:00:00.123456+00:00"). */
void fs_format_time(int64_t us, char *out, size_t cap);

/* ---- readers ---- */
typedef enum fs_format { FS_FILES = 0, FS_CSV, FS_JSONL, FS_PARQUET, FS_CSV_DUCKDB } fs_format;

/* read_csv's pandas keyword arguments cdlt takes (docs/filesystem_source.md). */
typedef struct fs_csv_args {
    char delimiter;        /* sep / delimiter; 0 = ',' */
    char quote;            /* quotechar; 0 = '"' */
    bool no_quoting;       /* quoting = 3 (csv.QUOTE_NONE) */
    bool no_header;        /* header = None: columns named 0, 1, ... */
    bool keep_blank_lines; /* skip_blank_lines = false */
    csv_encoding encoding; /* encoding: utf-8 (default) or latin-1 */
} fs_csv_args;

typedef struct fs_read_args {
    fs_format format;  /* the reader */
    size_t chunksize;  /* rows per page: dlt's chunksize (read_csv 10000, others 1000) */
    fs_csv_args csv;   /* read_csv only */
} fs_read_args;

typedef struct fs_reader fs_reader;
/* Open item it of store s for reading (decompressed when gzip/zstd, by magic bytes). */
cdlt_status fs_reader_open(os_store *s, const fs_item *it, const fs_read_args *args,
                           fs_reader **out, cdlt_error *err);
/* The next page (JV_ARRAY of row objects, at most chunksize) in a; *eof at the end. Data
 * errors name the file (its URL), line and byte. */
cdlt_status fs_reader_next(fs_reader *r, arena *a, jv *page, bool *eof, cdlt_error *err);
uint64_t fs_reader_bytes(const fs_reader *r); /* object bytes read so far */
void fs_reader_close(fs_reader *r);

#endif /* CDLT_SOURCES_FSRC_H */
