/* sources.h: built-in sources. The file source streams NDJSON and JSON-array files named by a
 * path or a glob(3) pattern, one item at a time in bounded memory (spec sources.md §8.1). */
#ifndef CDLT_SOURCES_H
#define CDLT_SOURCES_H

#include "json/json.h"

typedef struct src_files src_files;

/* Expand the pattern (sorted; a plain path must exist). CDLT_NOT_FOUND when nothing matches. */
cdlt_status src_files_open(const char *pattern, src_files **out, cdlt_error *err);
/* How deep items may nest ([extract] max_depth); 0 = the JSON reader's default (512). */
void src_files_set_max_depth(src_files *f, uint32_t depth);
/* Next item of the current file, moving to the next file at its end. *out_eof at the end of
 * the last file. Values live in `a`. Errors name file, line, column and byte offset. */
cdlt_status src_files_next(src_files *f, arena *a, jv *out, bool *out_eof, cdlt_error *err);
/* As src_files_next, and for NDJSON files also the item's own line (*out_raw, *out_rawlen;
 * valid until the next call; NULL for JSON-array files) so a caller can store the item
 * without serializing it again. */
cdlt_status src_files_next_raw(src_files *f, arena *a, jv *out, const char **out_raw,
                               size_t *out_rawlen, bool *out_eof, cdlt_error *err);
uint64_t src_files_total_bytes(const src_files *f); /* sum of the file sizes */
uint64_t src_files_done_bytes(const src_files *f);  /* bytes consumed so far */
size_t src_files_count(const src_files *f);
const char *src_files_current(const src_files *f);  /* path being read, NULL before/after */
/* A leading '~' or '~user' of path as that home folder, into a new mem_strdup string; the path
 * as written when it has no '~' or there is no such home (NULL on out-of-memory). Callers that
 * join relative paths to a folder (definition files) expand first, so '~/x' is not '<dir>/~/x'. */
char *src_expand_home(const char *path);
void src_files_close(src_files *f);
/* Line of the last item returned (1-based; for JSON-array files the item's first line). */
int64_t src_files_line(const src_files *f);

/* ---- verbatim copies: extract stores NDJSON files as they are, normalize reads the copy ---- */
/* Read one file, `path`, whose data errors (parse errors, over-long lines) name `shown` with
 * the same line, column and byte: the copy of a user's file reports the user's file.
 * limit > 0: read only the first `limit` bytes (a hard link to a user's file that may have
 * grown since); a file now shorter than that is a data error (CDLT_PARSE) that says so. */
cdlt_status src_files_open_copy(const char *path, const char *shown, uint64_t limit,
                                src_files **out, cdlt_error *err);
/* The copy is still being written (read it as it grows): at its current end the reader asks
 * fn instead of ending; fn waits until the file has more than `have` bytes (*more = true) or is
 * complete (*more = false), or fails the read. Set before the first item is read; the copy
 * must already hold its first 4 bytes (the codec check reads them without asking). */
typedef cdlt_status (*src_files_follow_fn)(void *ud, uint64_t have, bool *more, cdlt_error *err);
void src_files_set_follow(src_files *f, src_files_follow_fn fn, void *ud);
/* Whether matched file i is a regular file read as NDJSON (first non-blank byte not '[').
 * False also when it cannot be read: the line reader then reports it as usual. */
bool src_files_is_ndjson(const src_files *f, size_t i);
const char *src_files_path(const src_files *f, size_t i); /* the i-th matched file */
uint64_t src_files_size(const src_files *f, size_t i);    /* its size when matched */
/* Restrict src_files_next* to matched file i (from its start; eof after it), so a caller can
 * read some files and copy others, in order. */
void src_files_only(src_files *f, size_t i);
/* Receives the bytes of a copy in order, in pieces of at most 64 KiB. */
typedef cdlt_status (*src_put_fn)(void *ud, const char *p, size_t n, cdlt_error *err);
/* Hand file i's bytes to put as they are (read to its end) and count its items as
 * src_files_next_raw + extract would (blank lines skipped, a list line counts its elements),
 * parsing only lines that start with '['; `a` is scratch memory for those. */
cdlt_status src_files_copy(src_files *f, size_t i, arena *a, src_put_fn put, void *ud,
                           uint64_t *out_items, cdlt_error *err);
/* The same for any file `path`; put may be NULL (count only: a hard-linked input);
 * out_bytes (may be NULL) = the bytes read and counted. */
cdlt_status src_count_file(const char *path, arena *a, src_put_fn put, void *ud,
                           uint64_t *out_items, uint64_t *out_bytes, cdlt_error *err);

#endif /* CDLT_SOURCES_H */
