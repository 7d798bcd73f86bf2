/* writer.h: the load-file writers shared by destinations (writers/jsonl.c, csv.c, parquet.c;
 * a destination may also bring its own native one, e.g. duckdb/writer.c). The normalize
 * phase writes each table's rows through one writer-ops table; which one is dlt's
 * `loader_file_format` choice among the formats the destination lists (dest_vtable.formats).
 * A writer needs no connection and knows nothing about the pipeline.
 * Owner: src/destinations. Must not depend on src/pipeline, src/sources or a backend folder. */
#ifndef CDLT_DEST_WRITER_H
#define CDLT_DEST_WRITER_H

#include "schema/schema.h"

typedef struct dest_writer dest_writer; /* one load file being written for one table */

/* dlt's Parquet settings (ParquetFormatConfiguration, [normalize.data_writer]) that change
 * what the Parquet writer stores. Zeroed = dlt's defaults. */
typedef enum dest_pq_version {
    DEST_PQ_V2_4 = 0, /* "2.4", dlt's default: nanosecond timestamps are stored as micros */
    DEST_PQ_V1_0,     /* "1.0": as 2.4, and the footer says format version 1 */
    DEST_PQ_V2_6      /* "2.6" (and pyarrow's deprecated "2.0"): nanoseconds kept */
} dest_pq_version;

typedef struct dest_parquet_opts {
    dest_pq_version version; /* version */
    uint32_t page_bytes;     /* data_page_size; 0 = the writer's default */
    uint64_t row_group_rows; /* row_group_size: most rows in a row group; 0 = no limit */
    bool naive_timestamps;   /* timestamp_timezone = "": every timestamp naive */
    uint8_t coerce_unit;     /* coerce_timestamps: 0 none, 1 "ms", 2 "us" */
    bool allow_truncated;    /* allow_truncated_timestamps */
    bool spark;              /* flavor = "spark": INT96 timestamps, Spark-safe column names */
} dest_parquet_opts;

/* Per-file settings the pipeline resolves from config (dlt's [normalize.data_writer] and the
 * destination's format settings). Zeroed = defaults. */
typedef struct dest_writer_opts {
    bool compress;      /* gzip the file (only for ops->compressible; the job file name then
                           ends ".gz" as dlt names it) */
    char csv_delimiter; /* csv: field separator, 0 = ',' */
    bool csv_no_header; /* csv: no header line (dlt's include_header = false) */
    dest_parquet_opts parquet; /* parquet writer settings */
} dest_writer_opts;

typedef struct dest_writer_ops {
    const char *format; /* dlt's loader_file_format name it answers to: "jsonl", "csv",
                           "parquet", "insert_values" (a destination's native binary writer
                           stands in for dlt's insert_values) */
    const char *ext;    /* file extension it writes, without ".gz", e.g. "jsonl", "cdltduck" */
    bool compressible;  /* honours opts->compress (dlt: supports_compression) */

    /* Start a load file at `path` for table t with t's current complete columns. o may be
     * NULL (defaults). */
    cdlt_status (*open)(const schema_table *t, const char *path, const dest_writer_opts *o,
                        dest_writer **out, cdlt_error *err);
    /* One row: vals[i] belongs to t->columns[i], i < ncols (DT_NONE = NULL). On failure
     * last_error says why. */
    cdlt_status (*row)(dest_writer *w, const tval *vals, uint32_t ncols);
    /* Bytes written so far (uncompressed; the pipeline rotates files by size). */
    uint64_t (*bytes)(const dest_writer *w);
    /* Finish the file (flush, fsync if asked). Frees w. out_rows may be NULL. */
    cdlt_status (*close)(dest_writer *w, uint64_t *out_rows, cdlt_error *err);
    /* Abandon a file (error path): frees w, leaves the file for the caller to delete. */
    void (*abort)(dest_writer *w);
    /* Message of the last failed row (which has no error out-parameter): says table, column
     * and load file. NULL when none. Read it before abort/close. */
    const char *(*last_error)(const dest_writer *w);
    /* Optional (dlt's supports_schema_changes): take t's columns added since open into the
     * open file instead of the pipeline starting a new file. NULL = a file keeps its
     * columns. */
    cdlt_status (*widen)(dest_writer *w, const schema_table *t);
} dest_writer_ops;

/* dlt 1.26's loader file format names (LOADER_FILE_FORMATS), for telling a typo ("not a
 * loader file format") from a format the destination does not take. */
bool dest_is_loader_file_format(const char *name);

/* The shared writers (writers/<format>.c). */
extern const dest_writer_ops dest_writer_jsonl;
extern const dest_writer_ops dest_writer_csv;
/* Parquet (writers/parquet.c): wei columns as DECIMAL(38, 0) (DuckDB's wei precision) or,
 * _evm, dlt's default (78, 0) cut to DECIMAL(76, 0) (filesystem and most destinations). */
extern const dest_writer_ops dest_writer_parquet;
extern const dest_writer_ops dest_writer_parquet_evm;

#endif /* CDLT_DEST_WRITER_H */
