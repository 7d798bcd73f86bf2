/* json_internal.h: pieces shared by reader.c and stream.c (the in-situ parser core and its
 * reusable value stack) plus test hooks. Not part of any public or cross-subsystem API. */
#ifndef CDLT_JSON_INTERNAL_H
#define CDLT_JSON_INTERNAL_H

#include "json.h"

/* Bytes after the text that the parser may read (SSE2 loads 16 at a time); they must exist
 * and the first of them must be NUL. Callers allocate len + JSON_PAD and zero the tail. */
#define JSON_PAD 32u

/* Values of open arrays/objects wait here; a container is copied contiguous into the arena
 * when it closes. Reused across parses (the stream keeps one), so steady state allocates
 * nothing but arena memory. */
typedef struct json_vstack {
    jv *v;      /* slots; either `local` or a mem_alloc'd block */
    size_t cap; /* slots available */
    jv *local;  /* caller-provided initial storage (may be NULL); never freed here */
} json_vstack;

void json_vstack_init(json_vstack *vs, jv *local, size_t local_cap);
void json_vstack_free(json_vstack *vs);

/* Parse buf[0..len) in place (strings are unescaped into the buffer itself and NUL-terminated
 * there, so buf must live as long as the values). buf[len] must be NUL with JSON_PAD readable
 * bytes from buf[len]. Containers go to `a`. On error sets err (message only) and
 * *out_err_off to the byte offset of the bad spot; the caller adds file/line/column. */
cdlt_status json_parse_insitu(char *buf, size_t len, arena *a, const json_opts *opts,
                              json_vstack *vs, jv *out, size_t *out_err_off, cdlt_error *err);

/* 1-based line and column of byte `off` in text (used for error positions). */
void json_line_col(const char *text, size_t off, int64_t *out_line, int64_t *out_col);

/* Test hooks: read size of a stream (0 = default 1 MiB; set before the first
 * json_stream_next) and the hard cap on one item (0 = default 256 MiB). */
void json_stream_set_chunk_size(json_stream *s, size_t chunk);
void json_stream_set_max_item(json_stream *s, size_t max_item);

#endif /* CDLT_JSON_INTERNAL_H */
