/* loader.c: bulk-loads one load file (writer.c's block format) into a DuckDB table with
 * `INSERT INTO t (cols) SELECT * FROM cdlt_load_scan()`, where cdlt_load_scan is a table
 * function registered on the connection that decodes our blocks straight into DuckDB's output
 * vectors, in DuckDB's own physical types (no cast runs inside DuckDB). A query instead of an
 * appender: no intermediate copy of the rows (the appender buffers them in a collection first,
 * -26% CPU measured), and DuckDB may run the insert on several threads inside the package's
 * single transaction (load_threads); see docs/duckdb.md for the measurements. */
#include "duck.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- buffered reader over the load file ---- */
typedef struct reader {
    int fd;          /* the file */
    char *data;      /* buffer */
    size_t cap;      /* bytes allocated */
    size_t pos, len; /* unread bytes are data[pos..len) */
    uint64_t base;   /* file offset of data[0] (messages) */
    size_t max_read; /* > 0: read at most this much beyond what is asked (header pass) */
} reader;

#define READER_CHUNK (1024 * 1024)

/* Make n bytes available at r->data + r->pos. CDLT_PARSE when the file ends first. */
static cdlt_status rd_need(reader *r, size_t n)
{
    if (CDLT_LIKELY(r->len - r->pos >= n))
        return CDLT_OK;
    if (r->pos) {
        memmove(r->data, r->data + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (n > r->cap) {
        size_t cap = r->cap;
        while (cap < n)
            cap *= 2;
        char *p = mem_realloc(r->data, cap);
        if (!p)
            return CDLT_NOMEM;
        r->data = p;
        r->cap = cap;
    }
    while (r->len < n) {
        size_t want = r->cap - r->len;
        if (r->max_read && want > n - r->len + r->max_read)
            want = n - r->len + r->max_read;
        ssize_t got = read(r->fd, r->data + r->len, want);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return CDLT_IO;
        if (got == 0)
            return CDLT_PARSE;
        r->len += (size_t)got;
    }
    return CDLT_OK;
}

static inline uint32_t rd_u32(reader *r)
{
    uint32_t v;
    memcpy(&v, r->data + r->pos, 4);
    r->pos += 4;
    return v;
}

/* How a file column is put into its chunk vector. */
typedef enum fill_kind {
    F_I8, F_I16, F_I32, F_I64, F_I128, /* bigint (also timestamp/time as int64 micros) */
    F_F64, F_BOOL, F_DATE,
    F_TS_S, F_TS_MS, F_TS_NS,          /* timestamp micros rescaled */
    F_STR,                             /* text, json, binary, or decimal text (cast by DuckDB) */
    F_DEC16, F_DEC32, F_DEC64, F_DEC128 /* decimal text parsed into the target's storage */
} fill_kind;

typedef struct lcol {
    const char *name;         /* points into names buffer */
    uint8_t dtype;            /* dtype in the file */
    fill_kind kind;           /* how values are stored */
    duckdb_logical_type type; /* the output vector type (owned) */
    int scale, width;         /* DECIMAL target */
} lcol;

/* One load_files call; shared by DuckDB's worker threads while the INSERT runs. */
typedef struct loader {
    destination *d;        /* the session */
    const char *const *paths; /* the load files, read one after the other into one INSERT */
    size_t npaths;         /* entries of paths */
    size_t fi;             /* index of the file the reader is in */
    const char *path;      /* paths[fi] (messages) */
    const char *table;     /* target table (messages) */
    reader r;              /* sequential reader, used under mu */
    arena names;           /* column names (stable: the name map points at them) */
    map byname;            /* column name -> index + 1 in cols */
    lcol *cols;            /* the statement's columns (union of its files') with fill plans */
    uint32_t ncols;        /* number of columns in cols */
    uint32_t capcols;      /* entries allocated in cols */
    uint32_t **fmaps;      /* per file of the statement: file column -> index in cols */
    uint32_t *fncols;      /* per file: its number of columns */
    const uint32_t *fmap;  /* fmaps[fi] (the file the reader is in) */
    uint32_t fnc;          /* fncols[fi] */
    cdlt_error *err;       /* caller's error: written once, by the first failure */
    pthread_mutex_t mu;    /* guards r, row, done, failed, err (recursive) */
    bool mu_init;          /* mu is initialized */
    uint64_t row;          /* rows of the current file handed out to decoders so far */
    uint64_t rows;         /* rows of the finished files */
    bool done;             /* trailer of the last file of this statement seen and checked */
    size_t stop_at;        /* > 0: paths[stop_at] cannot join this INSERT (a column of the same
                              name with another type) and starts the next one */
    bool failed;           /* err holds our message; DuckDB's wrapper is not shown */
    cdlt_status fail_st;   /* status of that failure */
} loader;

/* The file of the block this thread decodes (set around decode_block): with several files in
 * one INSERT, the reader may already be in a later file than the failing block. */
static _Thread_local const char *tl_block_path;

/* Record the first failure (any thread): message with file, table, column; optional hint. */
static cdlt_status ld_fail(loader *L, cdlt_status st, const char *col, const char *hint,
                           const char *fmt, ...) CDLT_PRINTF(5, 6);
static cdlt_status ld_fail(loader *L, cdlt_status st, const char *col, const char *hint,
                           const char *fmt, ...)
{
    if (L->mu_init)
        pthread_mutex_lock(&L->mu);
    if (!L->failed) {
        L->failed = true;
        L->fail_st = st;
        if (st == CDLT_NOMEM) {
            err_nomem(L->err);
        } else {
            va_list ap;
            va_start(ap, fmt);
            err_vset(L->err, st, fmt, ap);
            va_end(ap);
            const char *file = tl_block_path ? tl_block_path : L->path;
            /* the load file (the pipeline blames that job alone when several loaded at once) */
            snprintf(L->err->file, sizeof L->err->file, "%s", file);
            err_prefix(L->err, "duckdb: loading file '%s' into table '%s'%s%s%s: ", file,
                       L->table, col ? " column '" : "", col ? col : "", col ? "'" : "");
            err_set_table(L->err, L->table);
            if (col)
                err_set_column(L->err, col);
            if (hint)
                err_hint(L->err, "%s", hint);
        }
    }
    if (L->mu_init)
        pthread_mutex_unlock(&L->mu);
    return st;
}

static const char HINT_DAMAGED[] = "the load file is incomplete (a crash while normalizing?): "
                                   "delete the package and normalize its data again";

/* A reader failure at the reader's position (under mu or single-threaded). */
static cdlt_status rd_fail(loader *L, cdlt_status st)
{
    if (st == CDLT_NOMEM)
        return ld_fail(L, CDLT_NOMEM, NULL, NULL, "out of memory");
    if (st == CDLT_IO)
        return ld_fail(L, CDLT_IO, NULL, NULL, "read error: %s", strerror(errno));
    return ld_fail(L, CDLT_PARSE, NULL, HINT_DAMAGED,
                   "the file is truncated or damaged near byte %llu (row %llu)",
                   (unsigned long long)(L->r.base + L->r.pos), (unsigned long long)L->row);
}

/* ---- type planning ---- */
static fill_kind int_kind(duckdb_type t, bool *ok)
{
    *ok = true;
    switch (t) {
    case DUCKDB_TYPE_TINYINT: return F_I8;
    case DUCKDB_TYPE_SMALLINT: return F_I16;
    case DUCKDB_TYPE_INTEGER: return F_I32;
    case DUCKDB_TYPE_BIGINT: return F_I64;
    case DUCKDB_TYPE_HUGEINT: return F_I128;
    default: *ok = false; return F_I64;
    }
}

/* Choose the fill for a file column given the table column's type `tt` (owned; consumed). */
static cdlt_status plan_column(lcol *c, duckdb_logical_type tt)
{
    duckdb_type id = duckdb_get_type_id(tt);
    bool ok = false;
    duckdb_type natural = DUCKDB_TYPE_VARCHAR;
    switch ((dtype)c->dtype) {
    case DT_BIGINT:
        c->kind = int_kind(id, &ok);
        natural = DUCKDB_TYPE_BIGINT;
        break;
    case DT_DOUBLE:
        ok = id == DUCKDB_TYPE_DOUBLE;
        c->kind = F_F64;
        natural = DUCKDB_TYPE_DOUBLE;
        break;
    case DT_BOOL:
        ok = id == DUCKDB_TYPE_BOOLEAN;
        c->kind = F_BOOL;
        natural = DUCKDB_TYPE_BOOLEAN;
        break;
    case DT_DATE:
        ok = id == DUCKDB_TYPE_DATE;
        c->kind = F_DATE;
        natural = DUCKDB_TYPE_DATE;
        break;
    case DT_TIME:
        ok = id == DUCKDB_TYPE_TIME;
        c->kind = F_I64;
        natural = DUCKDB_TYPE_TIME;
        break;
    case DT_TIMESTAMP:
        ok = true;
        c->kind = F_I64;
        if (id == DUCKDB_TYPE_TIMESTAMP_S)
            c->kind = F_TS_S;
        else if (id == DUCKDB_TYPE_TIMESTAMP_MS)
            c->kind = F_TS_MS;
        else if (id == DUCKDB_TYPE_TIMESTAMP_NS)
            c->kind = F_TS_NS;
        else
            ok = id == DUCKDB_TYPE_TIMESTAMP || id == DUCKDB_TYPE_TIMESTAMP_TZ;
        natural = DUCKDB_TYPE_TIMESTAMP_TZ;
        break;
    case DT_BINARY:
        ok = id == DUCKDB_TYPE_BLOB;
        c->kind = F_STR;
        natural = DUCKDB_TYPE_BLOB;
        break;
    case DT_DECIMAL:
    case DT_WEI:
        if (id == DUCKDB_TYPE_DECIMAL) {
            ok = true;
            c->width = duckdb_decimal_width(tt);
            c->scale = duckdb_decimal_scale(tt);
            switch (duckdb_decimal_internal_type(tt)) {
            case DUCKDB_TYPE_SMALLINT: c->kind = F_DEC16; break;
            case DUCKDB_TYPE_INTEGER: c->kind = F_DEC32; break;
            case DUCKDB_TYPE_BIGINT: c->kind = F_DEC64; break;
            default: c->kind = F_DEC128; break;
            }
        } else {
            c->kind = F_STR; /* e.g. VARCHAR: DuckDB casts the text */
        }
        break;
    default: /* TEXT, JSON: any VARCHAR-backed column (JSON is VARCHAR with an alias) */
        ok = id == DUCKDB_TYPE_VARCHAR;
        c->kind = F_STR;
        break;
    }
    if (ok) {
        c->type = tt;
        return CDLT_OK;
    }
    /* a table column of another type (e.g. made outside cdlt): fill the value's natural
     * DuckDB type and let the INSERT cast it */
    duckdb_destroy_logical_type(&tt);
    if ((dtype)c->dtype == DT_DECIMAL || (dtype)c->dtype == DT_WEI ||
        (dtype)c->dtype == DT_TEXT || (dtype)c->dtype == DT_JSON)
        c->kind = F_STR;
    else if ((dtype)c->dtype == DT_BIGINT)
        c->kind = F_I64;
    c->type = duckdb_create_logical_type(natural);
    return c->type ? CDLT_OK : CDLT_NOMEM;
}

/* ---- decimal text -> scaled integer (rounding half away from zero, like DuckDB) ---- */
static bool parse_decimal(const char *s, size_t n, int scale, int width, __int128 *out)
{
    types_dec_text d;
    if (!types_decimal_scan(s, n, 38, &d))
        return false;
    __int128 m = 0;
    for (int k = 0; k < d.nd; k++)
        m = m * 10 + d.dig[k];
    bool neg = d.neg;
    int dropped = d.dropped;
    int eff = d.frac - d.exp; /* value = m * 10^-eff */
    if (eff <= scale) {
        if (eff == scale && dropped >= 5)
            m += 1;
        for (int k = eff; k < scale && m != 0; k++) {
            if (m > ((__int128)1 << 126) / 5) /* m*10 would pass 2^127 */
                return false;
            m *= 10;
        }
    } else {
        int last = 0;
        for (int k = scale; k < eff && m != 0; k++) {
            last = (int)(m % 10);
            m /= 10;
        }
        if (last >= 5)
            m += 1;
    }
    __int128 lim = 1;
    for (int k = 0; k < width; k++)
        lim *= 10;
    if (m >= lim)
        return false;
    *out = neg ? -m : m;
    return true;
}

/* ---- block decoding (any DuckDB worker thread, no lock) ---- */

/* Per-thread scan state: the block being decoded and the output vectors' pointers. */
typedef struct scan_local {
    const char *path;       /* file of the current block (messages) */
    const uint32_t *fmap;   /* its file's columns -> statement columns */
    uint32_t fnc;           /* its file's number of columns */
    char *blk;              /* copy of the current block's bytes */
    size_t cap;             /* bytes allocated for blk */
    void **data;            /* per column: output vector data */
    uint64_t **valid;       /* per column: output validity mask */
    duckdb_vector *vec;     /* per column: output vector */
} scan_local;

/* Bytes of a block that ended early: the file is damaged (row = 1-based row in the file). */
static cdlt_status blk_damaged(loader *L, uint64_t row)
{
    return ld_fail(L, CDLT_PARSE, NULL, HINT_DAMAGED,
                   "the file is damaged: a block ends inside row %llu",
                   (unsigned long long)row);
}

/* A fixed-width value of column c into row i; v = the 8 file bytes as int64. */
static cdlt_status put_i64(loader *L, const lcol *c, void *data, idx_t i, int64_t v, uint64_t row)
{
    switch (c->kind) {
    case F_F64:
    case F_I64:
        ((int64_t *)data)[i] = v;
        return CDLT_OK;
    case F_I8:
    case F_I16:
    case F_I32: {
        int64_t lim = c->kind == F_I8 ? INT8_MAX : c->kind == F_I16 ? INT16_MAX : INT32_MAX;
        if (v > lim || v < -lim - 1)
            return ld_fail(L, CDLT_COERCE, c->name,
                           "widen the column (a larger integer precision) or fix the data",
                           "value %lld in row %llu does not fit the column's integer type",
                           (long long)v, (unsigned long long)row);
        if (c->kind == F_I8)
            ((int8_t *)data)[i] = (int8_t)v;
        else if (c->kind == F_I16)
            ((int16_t *)data)[i] = (int16_t)v;
        else
            ((int32_t *)data)[i] = (int32_t)v;
        return CDLT_OK;
    }
    case F_I128: {
        duckdb_hugeint h = {(uint64_t)v, v < 0 ? -1 : 0};
        ((duckdb_hugeint *)data)[i] = h;
        return CDLT_OK;
    }
    case F_TS_S:
    case F_TS_MS: {
        /* floor division: DuckDB truncates toward negative infinity for timestamps */
        int64_t div = c->kind == F_TS_S ? 1000000 : 1000;
        int64_t q = v / div;
        if ((v % div) < 0)
            q--;
        ((int64_t *)data)[i] = q;
        return CDLT_OK;
    }
    case F_TS_NS:
        if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
            return ld_fail(L, CDLT_COERCE, c->name, NULL,
                           "timestamp in row %llu is outside TIMESTAMP_NS range",
                           (unsigned long long)row);
        ((int64_t *)data)[i] = v * 1000;
        return CDLT_OK;
    default:
        return ld_fail(L, CDLT_ERROR, c->name, NULL, "internal: bad fill kind");
    }
}

/* A string straight into the vector: inline up to 12 bytes, else point into the block.
 * DuckDB's own assign copies every string into the vector's heap first; the insert copies
 * it again into storage. The block (S->blk) stays unchanged until this local state takes its
 * next block, which DuckDB asks for only after the pipeline consumed this chunk, so the
 * pointer outlives its use. Values are valid UTF-8: the JSON reader validated them. */
static inline void put_string(duckdb_string_t *out, const char *v, uint32_t n)
{
    if (n <= 12) {
        memset(out, 0, sizeof *out);
        out->value.inlined.length = n;
        memcpy(out->value.inlined.inlined, v, n);
    } else {
        out->value.pointer.length = n;
        memcpy(out->value.pointer.prefix, v, 4);
        out->value.pointer.ptr = (char *)v;
    }
}

/* Decode `nrows` rows from [p, end) into out; row0 = 1-based file row of the first. */
static cdlt_status decode_block(loader *L, scan_local *S, const char *p, const char *end,
                                uint32_t nrows, uint64_t row0, duckdb_data_chunk out)
{
    /* every statement column starts NULL for these rows: a file may lack some of them (it
     * was written before the table gained them) */
    for (uint32_t k = 0; k < L->ncols; k++) {
        S->vec[k] = duckdb_data_chunk_get_vector(out, k);
        duckdb_vector_ensure_validity_writable(S->vec[k]);
        S->valid[k] = duckdb_vector_get_validity(S->vec[k]);
        S->data[k] = duckdb_vector_get_data(S->vec[k]);
        memset(S->valid[k], 0, ((size_t)nrows + 63) / 64 * sizeof(uint64_t));
    }
    const uint32_t *fmap = S->fmap;
    uint32_t fnc = S->fnc;
    size_t nb = (fnc + 7) / 8;
    cdlt_status st;
    for (uint32_t i = 0; i < nrows; i++) {
        uint64_t row = row0 + i;
        if ((size_t)(end - p) < 1 + nb || *p != 'R')
            return blk_damaged(L, row);
        const unsigned char *nl = (const unsigned char *)p + 1;
        p += 1 + nb;
        uint64_t bit = (uint64_t)1 << (i % 64);
        for (uint32_t fk = 0; fk < fnc; fk++) {
            if (nl[fk / 8] & (1u << (fk % 8)))
                continue;
            uint32_t k = fmap[fk];
            const lcol *c = &L->cols[k];
            S->valid[k][i / 64] |= bit;
            void *data = S->data[k];
            switch ((dtype)c->dtype) {
            case DT_BOOL:
                if (p >= end)
                    return blk_damaged(L, row);
                ((bool *)data)[i] = *p++ != 0;
                break;
            case DT_DATE:
                if (end - p < 4)
                    return blk_damaged(L, row);
                memcpy((int32_t *)data + i, p, 4);
                p += 4;
                break;
            case DT_DOUBLE:
            case DT_BIGINT:
            case DT_TIMESTAMP:
            case DT_TIME: {
                if (end - p < 8)
                    return blk_damaged(L, row);
                int64_t v;
                memcpy(&v, p, 8);
                p += 8;
                if (CDLT_LIKELY(c->kind == F_I64 || c->kind == F_F64))
                    ((int64_t *)data)[i] = v;
                else if ((st = put_i64(L, c, data, i, v, row)) != CDLT_OK)
                    return st;
                break;
            }
            default: { /* length-prefixed bytes */
                if (end - p < 4)
                    return blk_damaged(L, row);
                uint32_t n;
                memcpy(&n, p, 4);
                p += 4;
                if ((size_t)(end - p) < n)
                    return blk_damaged(L, row);
                const char *v = p;
                p += n;
                if (c->kind == F_STR) {
                    put_string((duckdb_string_t *)data + i, v, n);
                    break;
                }
                __int128 x;
                if (!parse_decimal(v, n, c->scale, c->width, &x))
                    return ld_fail(L, CDLT_COERCE, c->name,
                                   "widen the decimal column (precision/scale) or fix the data",
                                   "value '%.*s' in row %llu is not a number that fits "
                                   "DECIMAL(%d,%d)",
                                   (int)(n > 60 ? 60 : n), v, (unsigned long long)row,
                                   c->width, c->scale);
                switch (c->kind) {
                case F_DEC16: ((int16_t *)data)[i] = (int16_t)x; break;
                case F_DEC32: ((int32_t *)data)[i] = (int32_t)x; break;
                case F_DEC64: ((int64_t *)data)[i] = (int64_t)x; break;
                default: {
                    duckdb_hugeint h = {(uint64_t)x, (int64_t)(x >> 64)};
                    ((duckdb_hugeint *)data)[i] = h;
                    break;
                }
                }
                break;
            }
            }
        }
    }
    if (p != end)
        return blk_damaged(L, row0 + nrows);
    return CDLT_OK;
}

/* ---- the table function cdlt_load_scan() ---- */

static void scan_bind(duckdb_bind_info info)
{
    destination *d = duckdb_bind_get_extra_info(info);
    loader *L = d ? d->cur_load : NULL;
    if (!L) {
        duckdb_bind_set_error(info, "cdlt_load_scan() is internal to cdlt's load_file");
        return;
    }
    for (uint32_t k = 0; k < L->ncols; k++)
        duckdb_bind_add_result_column(info, L->cols[k].name, L->cols[k].type);
    duckdb_bind_set_bind_data(info, L, NULL);
}

static void scan_init(duckdb_init_info info)
{
    /* as many threads as DuckDB runs (its `threads` setting caps this) */
    duckdb_init_set_max_threads(info, 64);
}

static void scan_local_free(void *p)
{
    scan_local *S = p;
    if (!S)
        return;
    mem_free(S->blk);
    mem_free(S->data);
    mem_free(S->valid);
    mem_free(S->vec);
    mem_free(S);
}

static void scan_local_init(duckdb_init_info info)
{
    loader *L = duckdb_init_get_bind_data(info);
    scan_local *S = mem_calloc(1, sizeof *S);
    size_t n = L->ncols ? L->ncols : 1;
    if (S) {
        S->data = mem_calloc(n, sizeof *S->data);
        S->valid = mem_calloc(n, sizeof *S->valid);
        S->vec = mem_calloc(n, sizeof *S->vec);
    }
    if (!S || !S->data || !S->valid || !S->vec) {
        scan_local_free(S);
        ld_fail(L, CDLT_NOMEM, NULL, NULL, "out of memory");
        duckdb_init_set_error(info, "cdlt: out of memory");
        return;
    }
    duckdb_init_set_init_data(info, S, scan_local_free);
}

static cdlt_status open_next_file(loader *L);

/* Under mu: take the next block into S (moving on to the next file at a trailer). *nrows = 0
 * at the end of the last file. */
static cdlt_status take_block(loader *L, scan_local *S, uint32_t *nrows, uint32_t *nbytes,
                              uint64_t *row0)
{
    reader *r = &L->r;
    cdlt_status st;
    *nrows = 0;
    if (L->done || L->failed)
        return L->failed ? L->fail_st : CDLT_OK;
    if ((st = rd_need(r, 1)) != CDLT_OK)
        return rd_fail(L, st);
    char tag = r->data[r->pos];
    if (tag == 'E') {
        if ((st = rd_need(r, 17)) != CDLT_OK)
            return rd_fail(L, st);
        uint64_t n;
        memcpy(&n, r->data + r->pos + 1, 8);
        if (n != L->row || memcmp(r->data + r->pos + 9, DUCK_FILE_END, 8) != 0)
            return rd_fail(L, CDLT_PARSE);
        r->pos += 17;
        L->rows += L->row;
        if (L->fi + 1 == (L->stop_at ? L->stop_at : L->npaths)) {
            L->done = true;
            return CDLT_OK;
        }
        if ((st = open_next_file(L)) != CDLT_OK)
            return st;
        return take_block(L, S, nrows, nbytes, row0);
    }
    if (tag != 'B' || (st = rd_need(r, 9)) != CDLT_OK)
        return rd_fail(L, tag != 'B' ? CDLT_PARSE : st);
    uint32_t nr, n;
    memcpy(&nr, r->data + r->pos + 1, 4);
    memcpy(&n, r->data + r->pos + 5, 4);
    if (nr == 0 || nr > duckdb_vector_size() || n > (1u << 30))
        return rd_fail(L, CDLT_PARSE);
    r->pos += 9;
    if ((st = rd_need(r, n)) != CDLT_OK)
        return rd_fail(L, st);
    if (n > S->cap) {
        size_t cap = S->cap ? S->cap : 64 * 1024;
        while (cap < n)
            cap *= 2;
        char *b = mem_realloc(S->blk, cap);
        if (!b)
            return ld_fail(L, CDLT_NOMEM, NULL, NULL, "out of memory");
        S->blk = b;
        S->cap = cap;
    }
    memcpy(S->blk, r->data + r->pos, n);
    S->path = L->path;
    S->fmap = L->fmap;
    S->fnc = L->fnc;
    r->pos += n;
    *row0 = L->row + 1;
    L->row += nr;
    *nrows = nr;
    *nbytes = n;
    return CDLT_OK;
}

static void scan_fn(duckdb_function_info info, duckdb_data_chunk out)
{
    loader *L = duckdb_function_get_bind_data(info);
    scan_local *S = duckdb_function_get_local_init_data(info);
    uint32_t nrows = 0, nbytes = 0;
    uint64_t row0 = 0;
    pthread_mutex_lock(&L->mu);
    cdlt_status st = take_block(L, S, &nrows, &nbytes, &row0);
    pthread_mutex_unlock(&L->mu);
    if (st == CDLT_OK && nrows) {
        tl_block_path = S->path;
        st = decode_block(L, S, S->blk, S->blk + nbytes, nrows, row0, out);
        tl_block_path = NULL;
    }
    if (st != CDLT_OK) {
        duckdb_function_set_error(info, "cdlt: load file rejected (details in cdlt's error)");
        duckdb_data_chunk_set_size(out, 0);
        return;
    }
    duckdb_data_chunk_set_size(out, nrows);
}

cdlt_status duck_register_scan(destination *d, cdlt_error *err)
{
    duckdb_table_function tf = duckdb_create_table_function();
    if (!tf)
        return err_nomem(err);
    duckdb_table_function_set_name(tf, "cdlt_load_scan");
    duckdb_table_function_set_extra_info(tf, d, NULL);
    duckdb_table_function_set_bind(tf, scan_bind);
    duckdb_table_function_set_init(tf, scan_init);
    duckdb_table_function_set_local_init(tf, scan_local_init);
    duckdb_table_function_set_function(tf, scan_fn);
    duckdb_state rc = duckdb_register_table_function(d->con, tf);
    duckdb_destroy_table_function(&tf);
    if (rc != DuckDBSuccess)
        return err_set(err, CDLT_DESTINATION,
                       "duckdb: cannot register cdlt's load-file scan on the connection");
    return CDLT_OK;
}

/* ---- file header and the load ---- */

/* The next column entry of a header: dtype and name (in the reader's buffer until its next
 * read). */
static cdlt_status rd_column(reader *r, uint8_t *dt, const char **name, uint32_t *nl)
{
    cdlt_status st = rd_need(r, 8);
    if (st != CDLT_OK)
        return st;
    *dt = (uint8_t)r->data[r->pos];
    r->pos += 4;
    *nl = rd_u32(r);
    if ((st = rd_need(r, *nl)) != CDLT_OK)
        return st;
    *name = r->data + r->pos;
    r->pos += *nl;
    return CDLT_OK;
}

/* The statement column `name` of type dt (added when new) into *out; UINT32_MAX when the
 * statement already has that name with another type. */
static cdlt_status union_column(loader *L, uint8_t dt, const char *name, uint32_t nl,
                                uint32_t *out)
{
    uintptr_t idx = (uintptr_t)map_get(&L->byname, name, nl);
    if (idx) {
        *out = L->cols[idx - 1].dtype == dt ? (uint32_t)(idx - 1) : UINT32_MAX;
        return CDLT_OK;
    }
    if (L->ncols == L->capcols) {
        uint32_t cap = L->capcols ? L->capcols * 2 : 16;
        lcol *c = mem_realloc(L->cols, (size_t)cap * sizeof *c);
        if (!c)
            return CDLT_NOMEM;
        L->cols = c;
        L->capcols = cap;
    }
    char *nm = arena_strndup(&L->names, name, nl);
    if (!nm || map_put(&L->byname, nm, nl, (void *)(uintptr_t)(L->ncols + 1)) != CDLT_OK)
        return CDLT_NOMEM;
    lcol *c = &L->cols[L->ncols];
    memset(c, 0, sizeof *c);
    c->name = nm;
    c->dtype = dt;
    *out = L->ncols++;
    return CDLT_OK;
}

/* Forget the statement columns from index n on (a file that could not join the statement). */
static cdlt_status union_truncate(loader *L, uint32_t n)
{
    L->ncols = n;
    map_clear(&L->byname);
    for (uint32_t k = 0; k < n; k++)
        if (map_put(&L->byname, L->cols[k].name, strlen(L->cols[k].name),
                    (void *)(uintptr_t)(k + 1)) != CDLT_OK)
            return CDLT_NOMEM;
    return CDLT_OK;
}

/* Open L->paths[fi] for reading (the reader keeps its buffer). */
static cdlt_status open_file(loader *L, size_t fi)
{
    if (L->r.fd >= 0)
        close(L->r.fd);
    L->fi = fi;
    L->path = L->paths[fi];
    L->row = 0;
    L->r.pos = L->r.len = 0;
    L->r.base = 0;
    L->r.fd = open(L->path, O_RDONLY | O_CLOEXEC);
    if (L->r.fd < 0)
        return ld_fail(L, CDLT_IO, NULL, "the package folder may have been moved or deleted",
                       "cannot open the file: %s", strerror(errno));
    return CDLT_OK;
}

/* The magic and column count of the file the reader is at (reader left after them). */
static cdlt_status header_start(loader *L, uint32_t *ncols)
{
    reader *r = &L->r;
    cdlt_status st = rd_need(r, 12);
    if (st != CDLT_OK || memcmp(r->data, DUCK_FILE_MAGIC, 8) != 0) {
        if (st == CDLT_NOMEM || st == CDLT_IO)
            return rd_fail(L, st);
        return ld_fail(L, CDLT_PARSE, NULL,
                       "load files for duckdb are written by this version of cdlt's duckdb "
                       "writer; normalize the package again",
                       "not a cdlt DuckDB load file of this version (bad magic)");
    }
    r->pos = 8;
    *ncols = rd_u32(r);
    if (*ncols > 100000)
        return rd_fail(L, CDLT_PARSE);
    return CDLT_OK;
}

/* First pass, file fi (just opened): map its columns into the statement's, adding new ones.
 * Files of one table differ only in columns added between them (the normalizer starts a file
 * when the table gains columns), so one INSERT takes them all, NULL where a file has no value;
 * *joined = false when a column name comes with another type (the file starts a new INSERT). */
static cdlt_status read_header(loader *L, size_t fi, bool *joined)
{
    uint32_t n = 0, before = L->ncols;
    cdlt_status st = header_start(L, &n);
    if (st != CDLT_OK)
        return st;
    uint32_t *m = mem_calloc(n ? n : 1, sizeof *m);
    if (!m)
        return rd_fail(L, CDLT_NOMEM);
    *joined = true;
    for (uint32_t k = 0; k < n && *joined; k++) {
        uint8_t dt;
        const char *name;
        uint32_t nl;
        if ((st = rd_column(&L->r, &dt, &name, &nl)) != CDLT_OK)
            break;
        if (dt == DT_NONE || dt >= DT__COUNT) {
            st = CDLT_PARSE;
            break;
        }
        if ((st = union_column(L, dt, name, nl, &m[k])) != CDLT_OK)
            break;
        *joined = m[k] != UINT32_MAX;
    }
    if (st == CDLT_OK && !*joined)
        st = union_truncate(L, before);
    if (st != CDLT_OK || !*joined) {
        mem_free(m);
        return st == CDLT_OK ? CDLT_OK : rd_fail(L, st);
    }
    L->fmaps[fi] = m;
    L->fncols[fi] = n;
    return CDLT_OK;
}

/* Second pass: open file fi and skip its header (read_header checked it). */
static cdlt_status reopen_file(loader *L, size_t fi)
{
    uint32_t n = 0;
    cdlt_status st = open_file(L, fi);
    if (st == CDLT_OK)
        st = header_start(L, &n);
    for (uint32_t k = 0; st == CDLT_OK && k < n; k++) {
        uint8_t dt;
        const char *name;
        uint32_t nl;
        if ((st = rd_column(&L->r, &dt, &name, &nl)) != CDLT_OK)
            st = rd_fail(L, st);
    }
    L->fmap = L->fmaps[fi];
    L->fnc = L->fncols[fi];
    return st;
}

static cdlt_status open_next_file(loader *L) { return reopen_file(L, L->fi + 1); }

/* Plan every file column against the table's column of that name. A short-lived appender
 * answers both questions (does the column exist, what is its type) without a catalog query. */
static cdlt_status plan_columns(loader *L)
{
    destination *d = L->d;
    duckdb_appender app = NULL;
    cdlt_status st = CDLT_OK;
    if (duckdb_appender_create_ext(d->con, NULL, d->dataset, L->table, &app) != DuckDBSuccess) {
        const char *e = app ? duckdb_appender_error(app) : NULL;
        st = ld_fail(L, CDLT_DESTINATION, NULL, "migrate the schema first so the table exists",
                     "cannot open the table: %s", e ? e : "table not found");
        goto out;
    }
    for (uint32_t k = 0; k < L->ncols; k++) {
        if (duckdb_appender_add_column(app, L->cols[k].name) != DuckDBSuccess) {
            const char *e = duckdb_appender_error(app);
            st = ld_fail(L, CDLT_DESTINATION, L->cols[k].name,
                         "migrate the schema so the table has every column of the load file",
                         "the column is in the load file but not in the table: %s",
                         e ? e : "unknown error");
            goto out;
        }
    }
    for (uint32_t k = 0; k < L->ncols && st == CDLT_OK; k++) {
        duckdb_logical_type tt = duckdb_appender_column_type(app, k);
        st = tt ? plan_column(&L->cols[k], tt) : CDLT_NOMEM;
        if (st != CDLT_OK)
            st = ld_fail(L, CDLT_NOMEM, NULL, NULL, "out of memory");
    }
out:
    if (app)
        duckdb_appender_destroy(&app);
    return st;
}

cdlt_status duck_load_file(destination *d, const schema *s, const schema_table *t,
                           const char *path, cdlt_error *err)
{
    return duck_load_files(d, s, t, &path, 1, err);
}

/* One INSERT from paths[*first] on, through the files with the same columns; *first is then
 * the next file to load (n at the end). */
static cdlt_status load_run(destination *d, const schema_table *t, const char *const *paths,
                           size_t n, size_t *first, cdlt_error *err)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.d = d;
    L.paths = paths;
    L.npaths = n;
    L.path = paths[0];
    L.table = t->name;
    L.err = err;
    L.r.fd = -1;
    arena_init(&L.names, 16384, 0);
    map_init(&L.byname);
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    double t0 = time_monotonic();

    L.r.cap = READER_CHUNK;
    L.r.data = mem_alloc(L.r.cap);
    L.fmaps = mem_calloc(n, sizeof *L.fmaps);
    L.fncols = mem_calloc(n, sizeof *L.fncols);
    if (!L.r.data || !L.fmaps || !L.fncols) {
        st = err_nomem(err);
        goto out;
    }
    /* first pass: the columns of every file, so the INSERT names their union (small reads:
     * only headers are wanted) */
    L.r.max_read = 4096;
    for (size_t fi = *first; fi < n; fi++) {
        bool joined = true;
        if ((st = open_file(&L, fi)) != CDLT_OK || (st = read_header(&L, fi, &joined)) != CDLT_OK)
            goto out;
        if (!joined) {
            L.stop_at = fi; /* fi > *first: the first file always joins */
            break;
        }
    }
    if (L.ncols == 0) {
        *first = L.stop_at ? L.stop_at : n;
        goto out; /* no complete columns: nothing can be stored */
    }
    L.r.max_read = 0;
    if ((st = reopen_file(&L, *first)) != CDLT_OK)
        goto out;
    if ((st = plan_columns(&L)) != CDLT_OK)
        goto out;

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    int prc = pthread_mutex_init(&L.mu, &ma);
    pthread_mutexattr_destroy(&ma);
    if (prc != 0) {
        st = err_set(err, CDLT_ERROR, "duckdb: cannot create a mutex");
        goto out;
    }
    L.mu_init = true;

    buf_puts(&sql, "INSERT INTO ");
    duck_qualified(d, &sql, t->name);
    buf_puts(&sql, " (");
    for (uint32_t k = 0; k < L.ncols; k++) {
        if (k)
            buf_puts(&sql, ", ");
        duck_quote_ident(&sql, L.cols[k].name);
    }
    buf_puts(&sql, ") SELECT * FROM cdlt_load_scan()");
    if (sql.status != CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    d->cur_load = &L;
    duckdb_result res;
    duckdb_state rc = duckdb_query(d->con, sql.data, &res);
    d->cur_load = NULL;
    if (rc != DuckDBSuccess) {
        if (L.failed) {
            st = L.fail_st; /* our own message is already in err */
        } else {
            const char *e = duckdb_result_error(&res);
            st = ld_fail(&L, CDLT_DESTINATION, NULL,
                         "a NOT NULL or UNIQUE constraint may be violated, or the table was "
                         "changed outside cdlt; check the data and the table",
                         "storing the rows failed: %s", e ? e : "unknown error");
            if (duck_is_oom(e))
                duck_oom_hint(err);
        }
    } else if (!L.done) {
        st = rd_fail(&L, CDLT_PARSE); /* DuckDB stopped early: cannot happen for INSERT */
    }
    duckdb_destroy_result(&res);
    if (st == CDLT_OK) {
        size_t next = L.stop_at ? L.stop_at : n;
        LOG_DEBUG("duckdb: loaded %llu rows from %zu file(s) into %s.%s in %.3fs",
                  (unsigned long long)L.rows, next - *first, d->dataset, t->name,
                  time_monotonic() - t0);
        *first = next;
    }
out:
    if (L.mu_init)
        pthread_mutex_destroy(&L.mu);
    for (uint32_t k = 0; L.cols && k < L.ncols; k++)
        if (L.cols[k].type)
            duckdb_destroy_logical_type(&L.cols[k].type);
    mem_free(L.cols);
    for (size_t fi = 0; L.fmaps && fi < n; fi++)
        mem_free(L.fmaps[fi]);
    mem_free(L.fmaps);
    mem_free(L.fncols);
    map_free(&L.byname);
    arena_free(&L.names);
    buf_free(&sql);
    mem_free(L.r.data);
    if (L.r.fd >= 0)
        close(L.r.fd);
    return st;
}

/* As few INSERTs as the files' columns allow: DuckDB's parallel insert gives each thread its
 * own row groups and merges the partial ones at the end of each statement, so with
 * load_threads > 1 fewer, bigger statements waste less (docs/duckdb.md). */
cdlt_status duck_load_files(destination *d, const schema *s, const schema_table *t,
                            const char *const *paths, size_t n, cdlt_error *err)
{
    (void)s;
    cdlt_status st = CDLT_OK;
    /* runs of Parquet files (loader_file_format = "parquet") go to DuckDB's reader */
    for (size_t first = 0; st == CDLT_OK && first < n;) {
        size_t k = first;
        while (k < n && duck_is_parquet_path(paths[k]))
            k++;
        if (k > first) {
            st = duck_load_parquet(d, t, paths + first, k - first, err);
            first = k;
            continue;
        }
        while (k < n && !duck_is_parquet_path(paths[k]))
            k++;
        for (size_t end = k; st == CDLT_OK && first < end;)
            st = load_run(d, t, paths, end, &first, err);
    }
    return st;
}
