/* pqint.h: what the Parquet writer's files share (parquet.c: columns, values and the footer;
 * pqflush.c: pages, row groups and the compressor thread). Private to writers/. */
#ifndef CDLT_WRITERS_PQINT_H
#define CDLT_WRITERS_PQINT_H

#include "destinations/writers/parquet.h"

#include "core/relay.h"
#include <zstd.h>

/* Parquet physical types, logical-type ids and enums used here (parquet.thrift). */
enum { P_BOOLEAN = 0, P_INT32 = 1, P_INT64 = 2, P_INT96 = 3, P_DOUBLE = 5, P_BYTE_ARRAY = 6,
       P_FLBA = 7 };
enum { CT_UTF8 = 0, CT_DECIMAL = 5, CT_DATE = 6, CT_TIME_MILLIS = 7, CT_TIME_MICROS = 8,
       CT_TS_MILLIS = 9, CT_TS_MICROS = 10, CT_INT_8 = 15, CT_INT_16 = 16, CT_INT_32 = 17 };
enum { U_MILLIS = 1, U_MICROS = 2, U_NANOS = 3 }; /* TimeUnit union field ids */
enum { ENC_PLAIN = 0, ENC_RLE = 3 };
enum { CODEC_UNCOMPRESSED = 0, CODEC_SNAPPY = 1, CODEC_ZSTD = 6 };

/* How a column's values are encoded. */
typedef enum pq_kind {
    K_BOOL,   /* BOOLEAN, bit-packed */
    K_I32,    /* bigint with precision <= 32: INT32 (range checked) */
    K_I64,    /* bigint: INT64 */
    K_F64,    /* double */
    K_BYTES,  /* text, binary: BYTE_ARRAY */
    K_FIXED,  /* binary with a precision hint: FIXED_LEN_BYTE_ARRAY of that length */
    K_JSON,   /* json serialized to a BYTE_ARRAY string */
    K_DEC,    /* decimal/wei text -> big-endian two's complement FLBA */
    K_DATE,   /* INT32 days */
    K_TS,     /* INT64 timestamp in unit (value in micros rescaled) */
    K_TS96,   /* INT96 timestamp (flavor spark): nanos of the day, Julian day */
    K_TIME32, /* INT32 time in millis */
    K_TIME64  /* INT64 time in micros or nanos */
} pq_kind;

/* Bytes kept of a byte-array bound (min/max): longer values count with a cut lower bound and
 * a rounded-up upper bound, so the footer stays small and the per-column state fixed. */
#define PQ_STAT_BYTES 64

/* How a column's min/max are kept (pqstats.c); PQS_NONE: null count only. */
enum { PQS_NONE, PQS_INT32, PQS_INT64, PQS_BOOL, PQS_F64, PQS_BYTES, PQS_TEXT, PQS_FIXED,
       PQS_DEC };

/* One row group's statistics of a column (footer ColumnMetaData.statistics). */
typedef struct pq_stat {
    uint64_t nulls;     /* NULL values */
    bool has;           /* min/max hold at least one value */
    bool no_max;        /* a long byte array had no prefix to round up: no upper bound */
    bool min_cut;       /* min is a bound, maybe no value: a cut prefix, or a refused row's */
    bool max_cut;       /* max is a bound, maybe no value: a rounded-up prefix, or as above */
    uint8_t min_len, max_len; /* bytes in min/max */
    int64_t imin, imax; /* PQS_INT32/INT64/BOOL */
    double dmin, dmax;  /* PQS_F64 */
    uint8_t min[PQ_STAT_BYTES], max[PQ_STAT_BYTES]; /* byte arrays: PLAIN bytes, no length */
} pq_stat;

typedef struct pq_col {
    size_t mark_len;      /* vals.len before the row being added (undo of a refused row) */
    char *name;           /* column name (mem_strdup) */
    uint8_t dtype;        /* dlt type of the column */
    pq_kind kind;         /* encoding plan */
    uint8_t phys;         /* Parquet physical type */
    bool required;        /* nullable = false: REQUIRED, no definition levels */
    bool utc;             /* timestamp: isAdjustedToUTC */
    uint8_t unit;         /* timestamp/time: U_MILLIS/U_MICROS/U_NANOS as stored */
    uint8_t nat_unit;     /* timestamp: the unit of dlt's arrow type (by precision), before
                             coerce_timestamps or the version's ns -> us */
    uint8_t int_bits;     /* K_I32: 8, 16 or 32 */
    int32_t type_len;     /* FLBA length */
    int32_t precision;    /* decimal */
    int32_t scale;        /* decimal */
    buf vals;             /* PLAIN values of the open page */
    uint8_t *defs;        /* definition-level bitmap of the open page (1 = value present) */
    size_t defs_cap;      /* bytes allocated in defs */
    uint32_t page_n;      /* values (NULLs included) in the open page */
    uint32_t page_nonnull;/* non-NULL values in the open page */
    buf chunk;            /* closed pages of the open row group, raw (pq_rawpage + body) */
    uint64_t chunk_values;/* values (NULLs included) in chunk */
    uint8_t smode;        /* PQS_*: which statistics are kept */
    pq_stat st;           /* statistics of the open row group (main thread) */
} pq_col;

/* One column chunk already in the file (footer). */
typedef struct pq_meta {
    int64_t offset;  /* first data page */
    int64_t comp;    /* bytes in the file */
    int64_t uncomp;  /* bytes uncompressed */
    int64_t values;  /* values (NULLs included) */
    pq_stat st;      /* statistics: set by the main thread when the row group is handed
                        over (pq_rg_flush); the compressor never touches them */
} pq_meta;

/* The row group the compressor has (pqflush.c): every column's raw pages, swapped out of the
 * columns' chunk buffers when the row group closes, so the writer fills the next one meanwhile. */
typedef struct pq_job {
    buf *raw;             /* nfcols buffers of raw pages (pq_rawpage + body each) */
    uint64_t *values;     /* per column: values (NULLs included) in its raw pages */
    size_t g;             /* the row group's index (meta) */
    buf page;             /* compressed page */
    buf out;              /* page header + compressed page on their way to the file */
    ZSTD_CCtx *zc;        /* zstd context, reused for every page (PQ_CODEC_ZSTD only) */
    cdlt_status st;       /* the row group's outcome */
    char msg[512];        /* its error message */
} pq_job;

struct pq_writer {
    int fd;               /* the file, -1 after close */
    char *path;           /* file path (messages) */
    char *table;          /* table name (messages) */
    pq_options opt;       /* effective options */
    pq_col *cols;         /* file columns */
    uint32_t nfcols;      /* entries of cols */
    uint32_t ntcols;      /* table columns at open */
    int32_t *colmap;      /* table column -> file column, -1 = incomplete (not in the file) */
    uint64_t flushed;     /* bytes written to fd (the compressor's while it has a row group) */
    uint64_t rows;        /* rows written */
    uint64_t rg_rows;     /* rows of the open row group */
    uint64_t rg_pending;  /* encoded bytes since the row group started */
    uint64_t chunks_len;  /* bytes in every column's chunk buffer (raw pages) */
    uint64_t open_bytes;  /* encoded value bytes in the columns' open pages */
    uint64_t done_bytes;  /* `flushed` when the last row group was handed over */
    uint64_t handed;      /* raw bytes of that row group */
    pq_meta *meta;        /* nfcols entries per written row group */
    uint64_t *rg_nrows;   /* rows per written row group */
    size_t nrg, caprg;    /* written row groups, allocated */
    pq_job job;           /* the row group being compressed and written */
    relay rl;             /* the compressor thread (started when a row group fills) */
    buf hdr;              /* footer being encoded */
    buf scratch;          /* json serialization of one value */
    cdlt_status status;   /* sticky failure */
    char msg[512];        /* last error message */
};

/* ---- thrift compact protocol (only what the footer and page headers need) ---- */
enum { T_TRUE = 1, T_FALSE = 2, T_BYTE = 3, T_I32 = 5, T_I64 = 6, T_BINARY = 8, T_LIST = 9,
       T_STRUCT = 12 };

typedef struct tw {
    buf *b;            /* output */
    int16_t last[16];  /* last field id per nesting level */
    int depth;         /* current struct level */
} tw;

static inline void tw_varint(buf *b, uint64_t v)
{
    char t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (char)v;
    buf_append(b, t, n);
}

static inline uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static inline void tw_field(tw *t, int16_t id, uint8_t type)
{
    int16_t d = (int16_t)(id - t->last[t->depth]);
    if (d > 0 && d <= 15) {
        buf_putc(t->b, (char)((d << 4) | type));
    } else {
        buf_putc(t->b, (char)type);
        tw_varint(t->b, zigzag(id));
    }
    t->last[t->depth] = id;
}

static inline void tw_i32(tw *t, int16_t id, int32_t v)
{
    tw_field(t, id, T_I32);
    tw_varint(t->b, zigzag(v));
}

static inline void tw_i64(tw *t, int16_t id, int64_t v)
{
    tw_field(t, id, T_I64);
    tw_varint(t->b, zigzag(v));
}

static inline void tw_bool(tw *t, int16_t id, bool v) { tw_field(t, id, v ? T_TRUE : T_FALSE); }

static inline void tw_byte(tw *t, int16_t id, int8_t v)
{
    tw_field(t, id, T_BYTE);
    buf_putc(t->b, (char)v);
}

static inline void tw_bin(tw *t, int16_t id, const char *s, size_t n)
{
    tw_field(t, id, T_BINARY);
    tw_varint(t->b, n);
    buf_append(t->b, s, n);
}

/* A struct value (as a field when id > 0, as a list element when id == 0). */
static inline void tw_begin(tw *t, int16_t id)
{
    if (id > 0)
        tw_field(t, id, T_STRUCT);
    t->last[++t->depth] = 0;
}

static inline void tw_end(tw *t)
{
    buf_putc(t->b, 0); /* stop */
    t->depth--;
}

static inline void tw_list(tw *t, int16_t id, uint8_t elem, size_t n)
{
    tw_field(t, id, T_LIST);
    if (n < 15) {
        buf_putc(t->b, (char)((n << 4) | elem));
    } else {
        buf_putc(t->b, (char)(0xF0 | elem));
        tw_varint(t->b, n);
    }
}

/* A page closed into a column's chunk buffer, before compression: this, then `len` bytes of
 * body (definition levels, then the PLAIN values). */
typedef struct pq_rawpage {
    uint32_t n;   /* values (NULLs included) */
    uint32_t len; /* body bytes */
} pq_rawpage;

/* pqstats.c */
/* Pick the statistics kept for c (after its type is planned). */
void pq_stat_plan(pq_col *c);
/* A byte-array value as written (text: UTF-8 order and bounds; sign: decimal FLBA). */
void pq_stat_bytes(pq_stat *s, const void *p, size_t n, bool text, bool sign);
/* ColumnMetaData.statistics (field 12) of one column chunk. */
void pq_stat_write(tw *t, const pq_col *c, const pq_stat *s);

/* Integer-like values (and booleans) as written: put_value calls these per value, so inline. */
static inline void pq_stat_int(pq_stat *s, int64_t x)
{
    if (!s->has || x < s->imin)
        s->imin = x;
    if (!s->has || x > s->imax)
        s->imax = x;
    s->has = true;
}

static inline void pq_stat_f64(pq_stat *s, double x)
{
    if (x != x) /* NaN has no place in the order: the spec keeps it out of min/max */
        return;
    if (!s->has || x < s->dmin)
        s->dmin = x;
    if (!s->has || x > s->dmax)
        s->dmax = x;
    s->has = true;
}

/* pqflush.c */
void pw_msg(pq_writer *w, const char *fmt, ...) CDLT_PRINTF(2, 3);
/* Close the open page of c into its chunk buffer (raw; compressed with its row group). */
cdlt_status pq_page_close(pq_writer *w, pq_col *c);
/* Close the open row group and hand it to the compressor; `last` (closing the file) writes it
 * at once. Waits first for the row group handed over before. */
cdlt_status pq_rg_flush(pq_writer *w, bool last);
/* Wait until the compressor has written what it has (its error becomes w's). */
cdlt_status pq_rg_wait(pq_writer *w);
/* Stop the compressor thread and free the row-group buffers (pw_free). */
void pq_rg_free(pq_writer *w);
/* Write n bytes at the file's end (main thread only while no row group is handed over). */
cdlt_status pq_write_out(pq_writer *w, const void *p, size_t n);

#endif
