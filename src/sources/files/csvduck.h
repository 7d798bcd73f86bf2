/* csvduck.h: dlt's read_csv_duckdb reader (spec sources.md §8): a CSV file read through
 * DuckDB's read_csv (its sniffer types the columns), with the keyword arguments a dlt user
 * passes through to DuckDB. This part knows the arguments and writes the query; the rows come
 * from the DuckDB result reader of parquet.h (pqr_open_sql), so values and types are those of
 * read_parquet for the same DuckDB types. See docs/filesystem_source.md. */
#ifndef CDLT_SOURCES_FILES_CSVDUCK_H
#define CDLT_SOURCES_FILES_CSVDUCK_H

#include "json/json.h"

/* The keys read_csv_duckdb takes, NULL-terminated: dlt's own (chunk_size, use_pyarrow,
 * filename), DuckDB's read_csv named parameters (DuckDB 1.4: delim, sep, quote, escape,
 * header, columns, types / dtypes, ...) and the names DuckDB's Python API gives some of them
 * (delimiter, quotechar, escapechar, dtype, na_values, skiprows, lineterminator, date_format,
 * timestamp_format, decimal), which dlt users pass as duckdb_kwargs. */
extern const char *const fs_csvduck_keys[];

/* Compression of a local file by its first bytes: "gzip", "zstd" or "none". NULL and an error
 * when the name ends in .gz / .zst over other bytes (as the other readers). */
const char *fs_csvduck_compression(const char *path, const char *shown, cdlt_error *err);

/* `SELECT * FROM read_csv('<path>', <args>)` into out. args: the reader_args object (dlt's
 * own keys are skipped, Python names become DuckDB's); compression: used unless args give
 * one. Values become SQL literals: strings, numbers, booleans, lists [..], tables as structs
 * {'name': 'TYPE'}. */
cdlt_status fs_csvduck_query(const char *path, const jv *args, const char *compression,
                             buf *out, cdlt_error *err);

#endif /* CDLT_SOURCES_FILES_CSVDUCK_H */
