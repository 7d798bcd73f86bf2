/* csv.h: our CSV reader (a hot path, like src/json). Owns RFC 4180 tokenizing of a byte
 * stream in bounded memory (quoted fields with delimiters, newlines and doubled quotes; LF,
 * CRLF and lone CR line ends; a UTF-8 BOM; UTF-8 checked or Latin-1 transcoded to UTF-8) and
 * dlt's read_csv typing of a chunk of records (pandas.read_csv's inference: int64, float64,
 * bool, NA, else text). Records are handed out as fields pointing into the reader's buffer:
 * no allocation per field or record. Depends on json (the jv values rows become) and core;
 * knows nothing of files, sources or pipelines (callers give a read callback). */
#ifndef CDLT_CSV_H
#define CDLT_CSV_H

#include "json/json.h"

typedef struct csv_reader csv_reader;

/* Up to n bytes into b; *got = 0 only at the end of the input. */
typedef cdlt_status (*csv_read_fn)(void *ud, char *b, size_t n, size_t *got, cdlt_error *err);

typedef enum csv_encoding { CSV_UTF8 = 0, CSV_LATIN1 } csv_encoding;

typedef struct csv_opts {
    char delimiter;        /* field separator; 0 = ',' */
    char quote;            /* quote character; 0 = '"' */
    bool no_quoting;       /* quote characters are plain text (pandas quoting=3) */
    bool keep_blank_lines; /* report empty lines as records (pandas skip_blank_lines=False) */
    csv_encoding encoding; /* input bytes: UTF-8 (checked) or Latin-1 (transcoded) */
    const char *file;      /* name errors give (copied); NULL = "<csv>" */
    size_t max_record;     /* longest record in bytes; 0 = 256 MiB */
    size_t chunk;          /* bytes asked per read; 0 = 1 MiB */
} csv_opts;

#define CSV_F_QUOTED 1u /* the field was written in quotes ("" is an empty string, not NA) */

/* One field of the current record: UTF-8, unescaped, NUL-terminated at p[len] (a field may
 * hold \0 bytes of its own; len is authoritative). Valid until the next csv_next. */
typedef struct csv_field {
    const char *p;  /* bytes */
    uint32_t len;   /* length in bytes */
    uint32_t flags; /* CSV_F_* */
} csv_field;

/* Open a reader over rd (called until it reports 0 bytes). opts may be NULL. */
cdlt_status csv_open(const csv_opts *opts, csv_read_fn rd, void *ud, csv_reader **out,
                     cdlt_error *err);
/* The same over memory (copied as it is read; data must outlive the reader). */
cdlt_status csv_open_mem(const csv_opts *opts, const char *data, size_t n, csv_reader **out,
                         cdlt_error *err);
void csv_close(csv_reader *r);
/* Next record: *fields (n entries) or *eof at the end. Errors (unclosed quote, invalid UTF-8,
 * a record with a different number of fields than csv_expect_fields set, an over-long record)
 * carry the file, line and byte and stop the reader: later calls return the same error. */
cdlt_status csv_next(csv_reader *r, const csv_field **fields, size_t *n, bool *eof,
                     cdlt_error *err);
/* Every later record must have exactly n fields (0 = any): the header's width. */
void csv_expect_fields(csv_reader *r, size_t n);
/* 1-based line where the last record returned starts, and its byte offset (in the decoded
 * UTF-8 stream: equal to the file's bytes for UTF-8 input). */
int64_t csv_record_line(const csv_reader *r);
uint64_t csv_record_offset(const csv_reader *r);
/* Input bytes read so far (before decoding). */
uint64_t csv_bytes_read(const csv_reader *r);
const char *csv_file(const csv_reader *r);

/* ---- dlt's read_csv typing (infer.c): pandas.read_csv over a chunk of records ---- */
typedef struct csv_table csv_table;
/* header: the column names as pandas makes them (empty -> "Unnamed: i", repeats -> "x.1").
 * chunk_rows: records typed together (dlt's chunksize, default 10000). */
cdlt_status csv_table_open(const char *const *names, const size_t *name_lens, size_t ncols,
                           size_t chunk_rows, csv_table **out, cdlt_error *err);
void csv_table_close(csv_table *t);
size_t csv_table_cols(const csv_table *t);
/* Keep a record (copied; n must equal the column count). *full: the chunk is full. */
cdlt_status csv_table_add(csv_table *t, const csv_field *fields, size_t n, bool *full,
                          cdlt_error *err);
size_t csv_table_rows(const csv_table *t);
/* Type the kept records column by column as pandas does for one chunk, build them in `a` as
 * a JSON array of objects (NA cells are JV_NULL members: dlt writes pandas' NaN as null),
 * then forget them. */
cdlt_status csv_table_flush(csv_table *t, arena *a, jv *out, cdlt_error *err);

/* Column names from a header record as pandas makes them, into a (names[i], lens[i]). */
cdlt_status csv_header_names(const csv_field *fields, size_t n, bool header, arena *a,
                             const char ***names, size_t **lens, cdlt_error *err);

#endif /* CDLT_CSV_H */
