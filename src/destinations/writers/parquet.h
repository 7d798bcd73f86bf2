/* parquet.h: the Parquet load-file writer (loader_file_format = "parquet"), shared by the
 * DuckDB and filesystem destinations. Rows arrive as tval arrays of one schema table; the file
 * gets dlt's Parquet type mapping (pyarrow's, dlt/common/libs/pyarrow.py: columns_to_arrow)
 * and is streamed in row groups of bounded size, so memory stays flat in the file size.
 * Our own encoder (flat columns, PLAIN values, RLE/bit-packed definition levels, snappy pages):
 * load files are flat after normalizing, so no Parquet library is needed to write them; see
 * docs/parquet.md for why and for the measurements. Depends on core, types, schema only. */
#ifndef CDLT_WRITERS_PARQUET_H
#define CDLT_WRITERS_PARQUET_H

#include "destinations/writers/writer.h"
#include "schema/schema.h"

typedef struct pq_writer pq_writer;

/* Page compression. */
typedef enum pq_codec {
    PQ_CODEC_SNAPPY = 0, /* default: pyarrow's, so what dlt writes */
    PQ_CODEC_ZSTD,       /* zstd (level zstd_level) */
    PQ_CODEC_NONE        /* uncompressed pages */
} pq_codec;

/* What the destination decides (its capabilities in dlt). Zero-filled = pq_options_default. */
typedef struct pq_options {
    int32_t decimal_precision; /* default decimal (precision, scale): dlt's (38, 9) */
    int32_t decimal_scale;
    int32_t wei_precision;     /* wei columns: DuckDB (38, 0), filesystem (78, 0) -> (76, 0) */
    int32_t wei_scale;
    pq_codec codec;            /* page compression */
    int zstd_level;            /* 0 = 1 (fast) */
    uint64_t row_group_bytes;  /* encoded bytes buffered before a row group is written
                                  (0 = 2 MiB): the writer's memory bound
                                  (two row groups: one is with the compressor) */
    uint32_t page_bytes;       /* encoded bytes of one data page (0 = 256 KiB; dlt's
                                  data_page_size sets it) */
    dest_parquet_opts dlt;     /* dlt's other Parquet settings ([normalize.data_writer]):
                                  version, timestamp unit/zone, row group rows, flavor */
} pq_options;

/* dlt's defaults for a destination whose wei precision is (wp, 0). */
pq_options pq_options_default(int32_t wei_precision);

/* Start a Parquet file at `path` for table t: one Parquet column per complete column of t
 * (incomplete ones are left out, as dlt leaves them out of the arrow schema). opt NULL =
 * pq_options_default(38). */
cdlt_status pq_writer_open(const schema_table *t, const char *path, const pq_options *opt,
                           pq_writer **out, cdlt_error *err);
/* One row: vals[i] belongs to t->columns[i], i < ncols (DT_NONE = NULL). The value's type
 * must be the column's. On failure the row is not written; pq_writer_last_error says why. */
cdlt_status pq_writer_row(pq_writer *w, const tval *vals, uint32_t ncols);
/* Bytes of the file so far, counting the row group being compressed and the pages since
 * uncompressed: what file rotation by size compares (independent of the compressor's pace). */
uint64_t pq_writer_bytes(const pq_writer *w);
/* Write the last row group and the footer; frees w. out_rows may be NULL. */
cdlt_status pq_writer_close(pq_writer *w, uint64_t *out_rows, cdlt_error *err);
/* Abandon the file (error path): frees w, leaves the file for the caller to delete. */
void pq_writer_abort(pq_writer *w);
/* Message of the last failed pq_writer_row (table, column, file), NULL when none. */
const char *pq_writer_last_error(const pq_writer *w);

/* Reading back any Parquet file's row count (pqfooter.c): the file's last 8 bytes give the
 * footer's length (-1: not a Parquet file, no "PAR1" magic); the footer bytes (that many,
 * just before those 8) give FileMetaData.num_rows (false: not a valid footer). */
int64_t pq_tail_footer_len(const void *tail8);
bool pq_footer_num_rows(const void *footer, size_t len, int64_t *out_rows);

#endif /* CDLT_WRITERS_PARQUET_H */
