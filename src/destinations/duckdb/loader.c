/* loader.c: bulk-loads one load file (writer.c's format) into a DuckDB table through the
 * appender, a data chunk (2048 rows) at a time, with vectors filled in DuckDB's own physical
 * types so no cast runs inside DuckDB. Measured ~3-4x faster than COPY FROM csv on the same
 * rows (docs/duckdb.md): DuckDB's VARCHAR->DECIMAL(38,9) cast alone costs ~6 s per 1M values. */
#include "duck.h"

#include <errno.h>
#include <fcntl.h>
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
        ssize_t got = read(r->fd, r->data + r->len, r->cap - r->len);
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
    duckdb_logical_type type; /* the chunk vector type (owned) */
    int scale, width;         /* DECIMAL target */
    duckdb_vector vec;        /* current chunk's vector */
    void *data;               /* its data */
    uint64_t *validity;       /* its validity mask */
} lcol;

typedef struct loader {
    destination *d;
    const char *path;
    const char *table;
    reader r;
    buf names;             /* column names, NUL-separated */
    lcol *cols;
    uint32_t ncols;
    duckdb_appender app;
    duckdb_data_chunk chunk;
    uint64_t row;          /* rows read so far (messages) */
    cdlt_error *err;
} loader;

static cdlt_status ld_fail(loader *L, cdlt_status st, const char *col, const char *fmt, ...)
    CDLT_PRINTF(4, 5);
static cdlt_status ld_fail(loader *L, cdlt_status st, const char *col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(L->err, st, fmt, ap);
    va_end(ap);
    err_prefix(L->err, "duckdb: loading file '%s' into table '%s'%s%s%s: ", L->path, L->table,
               col ? " column '" : "", col ? col : "", col ? "'" : "");
    err_set_table(L->err, L->table);
    if (col)
        err_set_column(L->err, col);
    return st;
}

static cdlt_status rd_fail(loader *L, cdlt_status st)
{
    if (st == CDLT_NOMEM)
        return err_nomem(L->err);
    if (st == CDLT_IO)
        return ld_fail(L, CDLT_IO, NULL, "read error: %s", strerror(errno));
    ld_fail(L, CDLT_PARSE, NULL, "the file is truncated or damaged near byte %llu (row %llu)",
            (unsigned long long)(L->r.base + L->r.pos), (unsigned long long)L->row);
    return err_hint(L->err, "the load file is incomplete (a crash while normalizing?): "
                            "delete the package and normalize its data again");
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
     * DuckDB type and let the appender cast it */
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
    size_t i = 0;
    bool neg = false, dot = false, any = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    __int128 m = 0;
    int ndig = 0, frac = 0, dropped = -1, exp = 0;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9') {
            int dg = ch - '0';
            any = true;
            if (m == 0 && dg == 0) {
                if (dot)
                    frac++;
                continue;
            }
            if (ndig < 38) {
                m = m * 10 + dg;
                ndig++;
                if (dot)
                    frac++;
            } else if (!dot) {
                return false; /* more than 38 integer digits */
            } else if (dropped < 0) {
                dropped = dg;
            }
        } else if (ch == '.' && !dot) {
            dot = true;
        } else if ((ch == 'e' || ch == 'E') && any) {
            i++;
            bool eneg = false;
            if (i < n && (s[i] == '+' || s[i] == '-'))
                eneg = s[i++] == '-';
            if (i == n)
                return false;
            for (; i < n; i++) {
                if (s[i] < '0' || s[i] > '9' || exp > 10000)
                    return false;
                exp = exp * 10 + (s[i] - '0');
            }
            if (eneg)
                exp = -exp;
            break;
        } else {
            return false;
        }
    }
    if (!any)
        return false;
    int eff = frac - exp; /* value = m * 10^-eff */
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

/* ---- chunk handling ---- */
static void chunk_bind(loader *L)
{
    for (uint32_t k = 0; k < L->ncols; k++) {
        lcol *c = &L->cols[k];
        c->vec = duckdb_data_chunk_get_vector(L->chunk, k);
        duckdb_vector_ensure_validity_writable(c->vec);
        c->validity = duckdb_vector_get_validity(c->vec);
        c->data = duckdb_vector_get_data(c->vec);
    }
}

static cdlt_status chunk_flush(loader *L, idx_t rows)
{
    if (rows == 0)
        return CDLT_OK;
    duckdb_data_chunk_set_size(L->chunk, rows);
    if (duckdb_append_data_chunk(L->app, L->chunk) != DuckDBSuccess) {
        const char *e = duckdb_appender_error(L->app);
        ld_fail(L, CDLT_DESTINATION, NULL, "appending rows %llu..%llu failed: %s",
                (unsigned long long)(L->row - rows + 1), (unsigned long long)L->row,
                e ? e : "unknown error");
        return err_hint(L->err, "the table's columns may have been changed outside cdlt; "
                                "compare it with the schema");
    }
    duckdb_data_chunk_reset(L->chunk);
    chunk_bind(L);
    return CDLT_OK;
}

/* One value of column c at chunk row `row`; the reader is positioned at its bytes. */
static cdlt_status fill_value(loader *L, lcol *c, idx_t row)
{
    reader *r = &L->r;
    cdlt_status st;
    switch ((dtype)c->dtype) {
    case DT_BOOL:
        if ((st = rd_need(r, 1)) != CDLT_OK)
            return rd_fail(L, st);
        ((bool *)c->data)[row] = r->data[r->pos++] != 0;
        return CDLT_OK;
    case DT_DATE:
        if ((st = rd_need(r, 4)) != CDLT_OK)
            return rd_fail(L, st);
        memcpy((int32_t *)c->data + row, r->data + r->pos, 4);
        r->pos += 4;
        return CDLT_OK;
    case DT_DOUBLE:
    case DT_BIGINT:
    case DT_TIMESTAMP:
    case DT_TIME: {
        if ((st = rd_need(r, 8)) != CDLT_OK)
            return rd_fail(L, st);
        int64_t v;
        memcpy(&v, r->data + r->pos, 8);
        r->pos += 8;
        switch (c->kind) {
        case F_F64:
        case F_I64:
            ((int64_t *)c->data)[row] = v;
            return CDLT_OK;
        case F_I8:
        case F_I16:
        case F_I32: {
            int64_t lim = c->kind == F_I8 ? INT8_MAX : c->kind == F_I16 ? INT16_MAX : INT32_MAX;
            if (v > lim || v < -lim - 1)
                return ld_fail(L, CDLT_COERCE, c->name,
                               "value %lld in row %llu does not fit the column's integer type",
                               (long long)v, (unsigned long long)L->row);
            if (c->kind == F_I8)
                ((int8_t *)c->data)[row] = (int8_t)v;
            else if (c->kind == F_I16)
                ((int16_t *)c->data)[row] = (int16_t)v;
            else
                ((int32_t *)c->data)[row] = (int32_t)v;
            return CDLT_OK;
        }
        case F_I128: {
            duckdb_hugeint h = {(uint64_t)v, v < 0 ? -1 : 0};
            ((duckdb_hugeint *)c->data)[row] = h;
            return CDLT_OK;
        }
        case F_TS_S:
        case F_TS_MS:
            /* floor division: DuckDB truncates toward negative infinity for timestamps */
            {
                int64_t div = c->kind == F_TS_S ? 1000000 : 1000;
                int64_t q = v / div;
                if ((v % div) < 0)
                    q--;
                ((int64_t *)c->data)[row] = q;
            }
            return CDLT_OK;
        case F_TS_NS:
            if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
                return ld_fail(L, CDLT_COERCE, c->name,
                               "timestamp in row %llu is outside TIMESTAMP_NS range",
                               (unsigned long long)L->row);
            ((int64_t *)c->data)[row] = v * 1000;
            return CDLT_OK;
        default:
            return ld_fail(L, CDLT_ERROR, c->name, "internal: bad fill kind");
        }
    }
    default: { /* length-prefixed bytes */
        if ((st = rd_need(r, 4)) != CDLT_OK)
            return rd_fail(L, st);
        uint32_t n = rd_u32(r);
        if ((st = rd_need(r, n)) != CDLT_OK)
            return rd_fail(L, st);
        const char *p = r->data + r->pos;
        r->pos += n;
        if (c->kind == F_STR) {
            duckdb_vector_assign_string_element_len(c->vec, row, p, n);
            return CDLT_OK;
        }
        __int128 v;
        if (!parse_decimal(p, n, c->scale, c->width, &v))
            return ld_fail(L, CDLT_COERCE, c->name,
                           "value '%.*s' in row %llu is not a number that fits DECIMAL(%d,%d)",
                           (int)(n > 60 ? 60 : n), p, (unsigned long long)L->row, c->width,
                           c->scale);
        switch (c->kind) {
        case F_DEC16: ((int16_t *)c->data)[row] = (int16_t)v; break;
        case F_DEC32: ((int32_t *)c->data)[row] = (int32_t)v; break;
        case F_DEC64: ((int64_t *)c->data)[row] = (int64_t)v; break;
        default: {
            duckdb_hugeint h = {(uint64_t)v, (int64_t)(v >> 64)};
            ((duckdb_hugeint *)c->data)[row] = h;
            break;
        }
        }
        return CDLT_OK;
    }
    }
}

static cdlt_status read_header(loader *L)
{
    reader *r = &L->r;
    cdlt_status st = rd_need(r, 12);
    if (st != CDLT_OK || memcmp(r->data, DUCK_FILE_MAGIC, 8) != 0) {
        if (st == CDLT_NOMEM || st == CDLT_IO)
            return rd_fail(L, st);
        ld_fail(L, CDLT_PARSE, NULL, "not a cdlt DuckDB load file (bad magic)");
        return err_hint(L->err, "load files for duckdb are written by cdlt's duckdb writer; "
                                "normalize the package again");
    }
    r->pos = 8;
    L->ncols = rd_u32(r);
    if (L->ncols > 100000)
        return rd_fail(L, CDLT_PARSE);
    L->cols = mem_calloc(L->ncols ? L->ncols : 1, sizeof *L->cols);
    if (!L->cols)
        return err_nomem(L->err);
    size_t *offs = mem_calloc(L->ncols ? L->ncols : 1, sizeof *offs);
    if (!offs)
        return err_nomem(L->err);
    for (uint32_t k = 0; k < L->ncols; k++) {
        if ((st = rd_need(r, 8)) != CDLT_OK)
            break;
        L->cols[k].dtype = (uint8_t)r->data[r->pos];
        r->pos += 4;
        uint32_t nl = rd_u32(r);
        if ((st = rd_need(r, nl)) != CDLT_OK)
            break;
        offs[k] = L->names.len;
        buf_append(&L->names, r->data + r->pos, nl);
        buf_putc(&L->names, '\0');
        r->pos += nl;
        if (L->cols[k].dtype == DT_NONE || L->cols[k].dtype >= DT__COUNT)
            st = CDLT_PARSE;
    }
    if (st == CDLT_OK && L->names.status != CDLT_OK)
        st = CDLT_NOMEM;
    if (st == CDLT_OK)
        for (uint32_t k = 0; k < L->ncols; k++)
            L->cols[k].name = L->names.data + offs[k];
    mem_free(offs);
    return st == CDLT_OK ? CDLT_OK : rd_fail(L, st);
}

static cdlt_status load_rows(loader *L)
{
    reader *r = &L->r;
    idx_t vs = duckdb_vector_size(), row = 0;
    size_t nb = (L->ncols + 7) / 8;
    cdlt_status st;
    chunk_bind(L);
    for (;;) {
        if ((st = rd_need(r, 1)) != CDLT_OK)
            return rd_fail(L, st);
        char tag = r->data[r->pos++];
        if (tag == 'E')
            break;
        if (tag != 'R')
            return rd_fail(L, CDLT_PARSE);
        L->row++;
        if ((st = rd_need(r, nb)) != CDLT_OK)
            return rd_fail(L, st);
        const unsigned char *bm = (const unsigned char *)r->data + r->pos;
        /* copy the bitmap: rd_need may move the buffer while values are read */
        unsigned char nulls[256];
        unsigned char *nl = nulls;
        unsigned char *big = NULL;
        if (nb > sizeof nulls) {
            big = mem_alloc(nb);
            if (!big)
                return err_nomem(L->err);
            nl = big;
        }
        memcpy(nl, bm, nb);
        r->pos += nb;
        st = CDLT_OK;
        for (uint32_t k = 0; k < L->ncols && st == CDLT_OK; k++) {
            lcol *c = &L->cols[k];
            uint64_t bit = (uint64_t)1 << (row % 64);
            if (nl[k / 8] & (1u << (k % 8))) {
                c->validity[row / 64] &= ~bit;
                continue;
            }
            c->validity[row / 64] |= bit;
            st = fill_value(L, c, row);
        }
        mem_free(big);
        if (st != CDLT_OK)
            return st;
        if (++row == vs) {
            if ((st = chunk_flush(L, row)) != CDLT_OK)
                return st;
            row = 0;
        }
    }
    if ((st = chunk_flush(L, row)) != CDLT_OK)
        return st;
    if ((st = rd_need(r, 16)) != CDLT_OK)
        return rd_fail(L, st);
    uint64_t n;
    memcpy(&n, r->data + r->pos, 8);
    if (n != L->row || memcmp(r->data + r->pos + 8, DUCK_FILE_END, 8) != 0)
        return rd_fail(L, CDLT_PARSE);
    return CDLT_OK;
}

cdlt_status duck_load_file(destination *d, const schema *s, const schema_table *t,
                           const char *path, cdlt_error *err)
{
    (void)s;
    loader L;
    memset(&L, 0, sizeof L);
    L.d = d;
    L.path = path;
    L.table = t->name;
    L.err = err;
    L.r.fd = -1;
    buf_init(&L.names, 0);
    cdlt_status st = CDLT_OK;
    double t0 = time_monotonic();

    L.r.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (L.r.fd < 0) {
        st = ld_fail(&L, CDLT_IO, NULL, "cannot open the file: %s", strerror(errno));
        err_hint(err, "the package folder may have been moved or deleted");
        goto out;
    }
    L.r.cap = READER_CHUNK;
    L.r.data = mem_alloc(L.r.cap);
    if (!L.r.data) {
        st = err_nomem(err);
        goto out;
    }
    if ((st = read_header(&L)) != CDLT_OK)
        goto out;
    if (L.ncols == 0)
        goto out; /* no complete columns: nothing can be stored */

    if (duckdb_appender_create_ext(d->con, NULL, d->dataset, t->name, &L.app) != DuckDBSuccess) {
        const char *e = L.app ? duckdb_appender_error(L.app) : NULL;
        st = ld_fail(&L, CDLT_DESTINATION, NULL, "cannot open an appender: %s",
                     e ? e : "table not found");
        err_hint(err, "migrate the schema first so the table exists");
        goto out;
    }
    for (uint32_t k = 0; k < L.ncols; k++) {
        if (duckdb_appender_add_column(L.app, L.cols[k].name) != DuckDBSuccess) {
            const char *e = duckdb_appender_error(L.app);
            st = ld_fail(&L, CDLT_DESTINATION, L.cols[k].name,
                         "the column is in the load file but not in the table: %s",
                         e ? e : "unknown error");
            err_hint(err, "migrate the schema so the table has every column of the load file");
            goto out;
        }
    }
    duckdb_logical_type *types = mem_calloc(L.ncols, sizeof *types);
    if (!types) {
        st = err_nomem(err);
        goto out;
    }
    for (uint32_t k = 0; k < L.ncols && st == CDLT_OK; k++) {
        duckdb_logical_type tt = duckdb_appender_column_type(L.app, k);
        st = tt ? plan_column(&L.cols[k], tt) : CDLT_NOMEM;
        types[k] = L.cols[k].type;
    }
    if (st == CDLT_OK) {
        L.chunk = duckdb_create_data_chunk(types, L.ncols);
        if (!L.chunk)
            st = CDLT_NOMEM;
    }
    mem_free(types);
    if (st != CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    if ((st = load_rows(&L)) != CDLT_OK)
        goto out;
    if (duckdb_appender_close(L.app) != DuckDBSuccess) {
        const char *e = duckdb_appender_error(L.app);
        st = ld_fail(&L, CDLT_DESTINATION, NULL, "storing the rows failed: %s",
                     e ? e : "unknown error");
        err_hint(err, "a NOT NULL or UNIQUE constraint may be violated; check the data");
        goto out;
    }
    LOG_DEBUG("duckdb: loaded %llu rows into %s.%s in %.3fs", (unsigned long long)L.row,
              d->dataset, t->name, time_monotonic() - t0);
out:
    if (L.app)
        duckdb_appender_destroy(&L.app);
    if (L.chunk)
        duckdb_destroy_data_chunk(&L.chunk);
    for (uint32_t k = 0; L.cols && k < L.ncols; k++)
        if (L.cols[k].type)
            duckdb_destroy_logical_type(&L.cols[k].type);
    mem_free(L.cols);
    buf_free(&L.names);
    mem_free(L.r.data);
    if (L.r.fd >= 0)
        close(L.r.fd);
    return st;
}
