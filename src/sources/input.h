/* input.h: one input file's bytes, transparently decompressed (gzip, zstd) and path
 * expansion for the file source (globs with '**', '~'). Internal to src/sources. */
#ifndef CDLT_SOURCES_INPUT_H
#define CDLT_SOURCES_INPUT_H

#include "core/core.h"
#include "sources/sources.h"

typedef enum src_codec { SRC_PLAIN = 0, SRC_GZIP, SRC_ZSTD } src_codec;

typedef struct src_input src_input;
/* Open `path`; `shown` (may be NULL) is the name errors give. The codec comes from the magic
 * bytes; a .gz/.zst name over other bytes is a CDLT_PARSE error. */
cdlt_status src_input_open(const char *path, const char *shown, src_input **out,
                           cdlt_error *err);
/* Up to n decompressed bytes into b; *got = 0 only at the end. A damaged or truncated
 * compressed stream is a CDLT_PARSE error naming the file. */
cdlt_status src_input_read(src_input *in, char *b, size_t n, size_t *got, cdlt_error *err);
src_codec src_input_codec(const src_input *in);
/* The same over a byte source instead of a path (object storage): rd is called until it gives
 * 0 bytes; `shown` names the input in errors (and its .gz/.zst ending is checked). */
typedef cdlt_status (*src_read_fn)(void *ud, char *b, size_t n, size_t *got, cdlt_error *err);
cdlt_status src_input_open_fn(src_read_fn rd, void *ud, const char *shown, src_input **out,
                              cdlt_error *err);
uint64_t src_input_raw_bytes(const src_input *in); /* file bytes read so far */
/* A plain file still being written (a verbatim copy normalized while extract copies it): at
 * its current end the reader asks `fn` instead of ending; fn waits until the file has more
 * than `have` bytes (*more = true) or is complete (*more = false), or fails the read. */
void src_input_follow(src_input *in, src_files_follow_fn fn, void *ud);
void src_input_close(src_input *in);
/* The codec a file's first bytes announce (SRC_PLAIN when unreadable). */
src_codec src_detect_codec(const char *path);

/* Expand a user's path: '~' and '~/' to the home folder; a path that exists is taken as
 * written (even with '[' or '*' in its name); otherwise a glob(3) pattern in which a '**'
 * path segment matches any number of folders, zero included. Results sorted, each once;
 * folders are included (callers skip them). *out_literal: the path was taken as written. CDLT_NOT_FOUND with no error set when nothing
 * matches. */
cdlt_status src_expand(const char *pattern, strv *out, bool *out_literal, cdlt_error *err);

#endif /* CDLT_SOURCES_INPUT_H */
