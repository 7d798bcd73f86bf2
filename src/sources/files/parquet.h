/* parquet.h: the Parquet reader behind the filesystem source's read_parquet. It yields what
 * dlt's read_parquet yields with use_pyarrow=False: batches of up to `chunksize` rows, each a
 * dict of the row's values (pyarrow's to_pylist), nested columns as nested objects/arrays, so
 * the normalizer flattens or unnests them as it does dlt's dicts. Reading is DuckDB's
 * read_parquet (already linked, kept current by DuckDB, reads every Parquet flavour and
 * codec) streamed chunk by chunk: memory is bounded by DuckDB's row-group buffers, not the
 * file. Files on S3 are read from a downloaded temporary copy (the caller passes its path and
 * the URL to show in messages). See docs/parquet.md. */
#ifndef CDLT_SOURCES_FILES_PARQUET_H
#define CDLT_SOURCES_FILES_PARQUET_H

#include "types/types.h"

typedef struct pqr_reader pqr_reader;

/* Open a local Parquet file. `shown` is the name messages give (NULL = path): the original
 * URL when path is a temporary copy. chunksize 0 = dlt's default 1000. */
cdlt_status pqr_open(const char *path, const char *shown, uint32_t chunksize, pqr_reader **out,
                     cdlt_error *err);
/* The same over any DuckDB query (read_csv_duckdb: `SELECT * FROM read_csv(...)`): its
 * result columns are read as a Parquet file's; `reader` names the dlt reader in messages
 * (static text), `shown` the file. The private database runs with TimeZone UTC. */
cdlt_status pqr_open_sql(const char *query, const char *shown, uint32_t chunksize,
                         const char *reader, pqr_reader **out, cdlt_error *err);
/* The next batch: *out_batch = JV_ARRAY of 1..chunksize JV_OBJECT rows allocated in `a`
 * (keys in file column order; NULL values are JV_NULL members, as to_pylist gives None).
 * Values: integers JV_INT (JV_UINT / JV_BIGNUM beyond int64), floats JV_DOUBLE, text
 * JV_STRING, bool, timestamp with zone JV_DATETIME ("...+00:00"), without zone
 * JV_DATETIME_LOCAL, date JV_DATE_LOCAL, time JV_TIME_LOCAL, decimal its exact text
 * (JV_STRING marked JV_F_DECIMAL), binary base64 text (marked JV_F_BINARY), struct JV_OBJECT, list/array JV_ARRAY, map JV_ARRAY of
 * [key, value] pairs (pyarrow's tuples). *out_eof = true (and no batch) at the end. */
cdlt_status pqr_next(pqr_reader *r, arena *a, jv *out_batch, bool *out_eof, cdlt_error *err);
/* Columns of the file with the dlt column type pyarrow's schema gives them
 * (get_column_type_from_py_arrow): precision = integer bits (not for 64), time unit digits
 * (0/3/6/9), fixed binary length or decimal digits; -1 when none; timezone false only for a
 * naive timestamp. Nested columns are DT_JSON. These are the types dlt gives with
 * use_pyarrow=True (arrow tables); its default read_parquet types columns from the values of
 * to_pylist(), as the marks of pqr_next's values do. */
typedef struct pqr_column {
    const char *name; /* column name as in the file */
    dtype type;       /* dlt type */
    int32_t precision;/* see above; -1 = none */
    int32_t scale;    /* decimal scale; -1 = none */
    bool timezone;    /* false only for a timestamp without zone */
} pqr_column;
uint32_t pqr_ncolumns(const pqr_reader *r);
const pqr_column *pqr_column_at(const pqr_reader *r, uint32_t i);
/* Rows returned so far. */
uint64_t pqr_rows(const pqr_reader *r);
void pqr_close(pqr_reader *r);

#endif /* CDLT_SOURCES_FILES_PARQUET_H */
