/* sources.h: built-in sources. The file source streams NDJSON and JSON-array files named by a
 * path or a glob(3) pattern, one item at a time in bounded memory (spec sources.md §8.1). */
#ifndef CDLT_SOURCES_H
#define CDLT_SOURCES_H

#include "json/json.h"

typedef struct src_files src_files;

/* Expand the pattern (sorted; a plain path must exist). CDLT_NOT_FOUND when nothing matches. */
cdlt_status src_files_open(const char *pattern, src_files **out, cdlt_error *err);
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
void src_files_close(src_files *f);

#endif /* CDLT_SOURCES_H */
