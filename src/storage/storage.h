/* storage.h: load packages on disk: the working-dir layout of dlt (core.md §6.2), atomic file
 * writes (temp + fsync + rename), job file names and state-folder moves, and load ids.
 * Used by the pipeline phases; everything that must survive a crash goes through here. */
#ifndef CDLT_STORAGE_H
#define CDLT_STORAGE_H

#include "core/core.h"

/* ---- file system helpers (fs.c) ---- */
bool store_exists(const char *path);
bool store_is_dir(const char *path);
/* mkdir -p. */
cdlt_status store_mkdirs(const char *path, cdlt_error *err);
/* Write a whole file atomically: <path>.tmp, fsync, rename over path, fsync the folder. */
cdlt_status store_write_atomic(const char *path, const void *data, size_t len, cdlt_error *err);
/* Read a whole file (at most max bytes; 0 = 1 GiB) into out (cleared first). */
cdlt_status store_read_file(const char *path, size_t max, buf *out, cdlt_error *err);
/* A small file (state, schema, package records) copied whole to `to` with store_write_atomic. */
cdlt_status store_copy_small(const char *from, const char *to, cdlt_error *err);
/* rename(2) then fsync both parent folders, so the move survives a power cut. */
cdlt_status store_rename(const char *from, const char *to, cdlt_error *err);
/* rm -rf (missing path is fine). */
cdlt_status store_rm_rf(const char *path, cdlt_error *err);
cdlt_status store_fsync_dir(const char *dir);
/* File size in bytes, -1 when missing. */
int64_t store_file_size(const char *path);

/* Sorted names in a folder (hidden entries skipped). A missing folder gives 0 names. */
typedef struct store_names {
    char **names; /* sorted bytewise */
    size_t n;     /* number of names */
} store_names;
cdlt_status store_list(const char *dir, store_names *out, cdlt_error *err);
void store_names_free(store_names *n);

/* path join into a buf (cleared first): a/b[/c]. */
cdlt_status store_path(buf *out, const char *a, const char *b, const char *c);

/* ---- buffered append-only file (fs.c) with an injectable "disk full" for tests ---- */
typedef struct store_file {
    int fd;          /* -1 when closed */
    char *path;      /* owned copy, for error messages */
    buf out;         /* pending bytes, flushed at 64 KiB */
    uint64_t bytes;  /* bytes written through this file (flushed + pending) */
    uint64_t synced; /* bytes handed to write-behind (store_file_write_direct) */
} store_file;
cdlt_status store_file_open(store_file *f, const char *path, cdlt_error *err);
cdlt_status store_file_write(store_file *f, const void *p, size_t n, cdlt_error *err);
/* Blocks of a bulk copy (verbatim copies): pending bytes first, then `p` straight to the file
 * without the copy into the buffer; every STORE_WRITE_BEHIND bytes the kernel is told to start
 * writing back, so the fsync of close waits for the tail only (1.2 GB copy on the bench VM:
 * fsync 0.4-0.5 s -> 0.01 s, and the copy itself steadier as dirty pages stay few). */
#define STORE_WRITE_BEHIND (32u << 20)
/* The most bytes one write(2) should take. Measured on the bench VM (ext4, page cache), 1000 MB
 * written from a 1 MiB buffer: one 1 MiB write() per refill 1.6-2.7 s, 128 KiB pieces of the
 * same buffer 0.7 s, 64 KiB pieces 0.4 s. Every writer of big files cuts its writes to this. */
#define STORE_WRITE_PIECE (64u * 1024u)
/* write(2) all n bytes in STORE_WRITE_PIECE pieces (EINTR retried): 0, or the errno. */
int store_write_full(int fd, const void *data, size_t n);
cdlt_status store_file_write_direct(store_file *f, const void *p, size_t n, cdlt_error *err);
/* Flush, fsync, close. */
cdlt_status store_file_close(store_file *f, cdlt_error *err);
/* Close without flushing (error path). */
void store_file_abort(store_file *f);

/* An I/O error "<what> '<path>': <strerror(e)>" with the advice for a full disk (free space,
 * pending packages are kept) or a permission problem. */
cdlt_status store_io_err(cdlt_error *err, int e, const char *what, const char *path);

/* ---- whole-file copies and content hashes (copy.c): a load package owns its data ---- */
/* How store_copy_file copied, cheapest first; `first` there says where to start (tests start
 * lower to check every way on any file system). */
typedef enum store_copy_how {
    STORE_COPY_CLONE, /* ioctl FICLONE: the new file shares the input's blocks (btrfs, xfs) */
    STORE_COPY_RANGE, /* copy_file_range(2): the kernel copies, no bytes through user space */
    STORE_COPY_RW     /* read(2) + write(2) in STORE_WRITE_PIECE pieces */
} store_copy_how;
const char *store_copy_how_name(store_copy_how how); /* "clone", "copy_file_range", ... */
/* Progress of a copy: `done` bytes of the new file written so far. */
typedef void (*store_copy_tick)(void *ud, uint64_t done);
typedef struct store_copy_result {
    store_copy_how how;   /* the way that copied the bytes */
    uint64_t bytes;       /* bytes copied (the input read to its end) */
    bool input_failed;    /* the error was opening or reading `from` (else writing `to`) */
} store_copy_result;
/* Copy the file `from` (symlinks followed; read to its end) into a new file `to` (created or
 * truncated), trying a clone, then copy_file_range, then read/write, starting at `first`;
 * write-behind every STORE_WRITE_BEHIND bytes and fsync before returning (not the folder).
 * CDLT_TEST_DISK_FULL_AFTER applies to every way. On failure `to` is removed. */
cdlt_status store_copy_file(const char *from, const char *to, store_copy_how first,
                            store_copy_tick tick, void *ud, store_copy_result *res,
                            cdlt_error *err);
/* The XXH3-64 of the first `limit` bytes of `path` (streamed, 64 KiB at a time), as 16
 * lowercase hex digits + NUL in hex. *out_len: the bytes hashed (fewer than limit when the
 * file is now shorter). */
cdlt_status store_hash_file(const char *path, uint64_t limit, char hex[17], uint64_t *out_len,
                            cdlt_error *err);
/* A hash in progress (XXH3-64), for callers that already read the bytes (extract's count). */
typedef struct store_hash store_hash;
cdlt_status store_hash_open(store_hash **out);
void store_hash_update(store_hash *h, const void *p, size_t n);
void store_hash_hex(const store_hash *h, char hex[17]); /* the digest so far */
void store_hash_free(store_hash *h);

/* ---- load ids and job names (package.c) ---- */
/* A new load id: unix time with fraction, strictly increasing within the process and above
 * `floor` (the newest id already on disk, may be NULL), e.g. "1795306641.4021535". */
void store_new_load_id(const char *floor, char out[40]);
/* 10 lowercase hex chars (5 random bytes) + NUL. */
void store_new_file_id(char out[11]);

/* <table>.<file_id>.<retry>.<ext> parsed from the right (table names may hold dots). */
typedef struct store_job_name {
    char table[256];  /* table name */
    char file_id[32]; /* file id */
    int retry;        /* retry count */
    char ext[32];     /* "jsonl", "insert_values", "csv", ... */
} store_job_name;
bool store_parse_job_name(const char *fname, store_job_name *out);
/* Compose a job file name into out (cleared). */
cdlt_status store_job_file_name(buf *out, const char *table, const char *file_id, int retry,
                                const char *ext);

/* Package states below the working dir, in dlt's layout. */
#define STORE_EXTRACT_NEW "extract/new"           /* package being extracted (temporary) */
#define STORE_EXTRACTED "normalize/extracted"     /* extracted, waiting for normalize */
#define STORE_LOAD_NEW "load/new"                 /* package being normalized (temporary) */
#define STORE_NORMALIZED "load/normalized"        /* normalized, waiting for load */
#define STORE_LOADED "load/loaded"                /* loaded (or aborted) */
/* Job folders inside a package. */
#define STORE_NEW_JOBS "new_jobs"
#define STORE_STARTED_JOBS "started_jobs"
#define STORE_COMPLETED_JOBS "completed_jobs"
#define STORE_FAILED_JOBS "failed_jobs"

/* Create the working dir layout (folders and .version files). */
cdlt_status store_init_workdir(const char *workdir, cdlt_error *err);
/* Create <pkg>/{new,started,completed,failed}_jobs. */
cdlt_status store_init_package(const char *pkgdir, cdlt_error *err);
/* Move a job between job folders of a package, optionally changing its retry count
 * (new_retry < 0 keeps it). Writes the new file name into out_name when not NULL. */
cdlt_status store_move_job(const char *pkgdir, const char *from_folder, const char *fname,
                           const char *to_folder, int new_retry, buf *out_name, cdlt_error *err);

/* Test hook: when CDLT_TEST_DISK_FULL_AFTER=<bytes> is set, store_file writes fail with
 * ENOSPC once that many bytes were written in this process (cached getenv: costs nothing
 * otherwise). */
bool store_fault_disk_full(size_t more);

#endif /* CDLT_STORAGE_H */
