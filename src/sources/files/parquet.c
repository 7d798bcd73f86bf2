/* parquet.c: read_parquet over DuckDB's Parquet reader. One private in-memory DuckDB per open
 * file runs `SELECT * FROM read_parquet('<path>')` as a streaming query; chunks are turned into
 * dicts (jv objects) row by row, walking DuckDB's vectors directly (struct children, list
 * entries) through a per-column plan built once from the result's logical types. The same
 * reader serves any DuckDB query (pqr_open_sql: read_csv_duckdb's read_csv). */
#include "sources/files/parquet.h"
#include "sqlgen/sqltext.h"

#include <duckdb.h>
#include <stdio.h>
#include <string.h>

/* How one value of a (possibly nested) type becomes a jv. */
typedef struct pnode {
    duckdb_type id;          /* DuckDB type */
    duckdb_type dec_internal;/* DECIMAL: storage type */
    uint8_t scale;           /* DECIMAL scale */
    uint32_t nchild;         /* STRUCT: fields; LIST/ARRAY/MAP: 1 */
    struct pnode *child;     /* nchild plans */
    char **names;            /* STRUCT field names (mem_strdup) */
    uint32_t *name_len;      /* their lengths */
    uint64_t array_size;     /* ARRAY: fixed element count */
} pnode;

struct pqr_reader {
    duckdb_database db;     /* private in-memory database */
    duckdb_connection con;  /* its connection */
    duckdb_result res;      /* the streaming query */
    bool have_res;          /* res must be destroyed */
    char *shown;            /* name in messages */
    uint32_t chunksize;     /* rows per batch */
    uint32_t ncols;         /* columns */
    pnode *plan;            /* per column */
    pqr_column *cols;       /* per column: name and dlt type */
    duckdb_data_chunk chunk;/* current chunk, NULL when none */
    idx_t chunk_rows;       /* rows in chunk */
    idx_t chunk_pos;        /* next row of chunk */
    duckdb_vector *vecs;    /* per column: vectors of chunk */
    bool eof;               /* the query is exhausted */
    uint64_t rows;          /* rows returned */
    buf tmp;                /* value formatting */
    const char *reader;     /* dlt reader name in messages (static text) */
};

static void plan_free(pnode *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nchild; i++)
        plan_free(&p->child[i]);
    for (uint32_t i = 0; p->names && i < p->nchild; i++)
        mem_free(p->names[i]);
    mem_free(p->names);
    mem_free(p->name_len);
    mem_free(p->child);
}

static cdlt_status plan_build(pnode *p, duckdb_logical_type lt)
{
    memset(p, 0, sizeof *p);
    p->id = duckdb_get_type_id(lt);
    switch (p->id) {
    case DUCKDB_TYPE_DECIMAL:
        p->scale = duckdb_decimal_scale(lt);
        p->dec_internal = duckdb_decimal_internal_type(lt);
        return CDLT_OK;
    case DUCKDB_TYPE_STRUCT: {
        idx_t n = duckdb_struct_type_child_count(lt);
        p->child = mem_calloc(n ? n : 1, sizeof *p->child);
        p->names = mem_calloc(n ? n : 1, sizeof *p->names);
        p->name_len = mem_calloc(n ? n : 1, sizeof *p->name_len);
        if (!p->child || !p->names || !p->name_len)
            return CDLT_NOMEM;
        for (idx_t i = 0; i < n; i++) {
            char *nm = duckdb_struct_type_child_name(lt, i);
            p->names[i] = mem_strdup(nm ? nm : "");
            duckdb_free(nm);
            duckdb_logical_type ct = duckdb_struct_type_child_type(lt, i);
            p->nchild = (uint32_t)i + 1;
            cdlt_status st = p->names[i] ? plan_build(&p->child[i], ct) : CDLT_NOMEM;
            duckdb_destroy_logical_type(&ct);
            if (st != CDLT_OK)
                return st;
            p->name_len[i] = (uint32_t)strlen(p->names[i]);
        }
        return CDLT_OK;
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
    case DUCKDB_TYPE_MAP: {
        duckdb_logical_type ct = p->id == DUCKDB_TYPE_ARRAY ? duckdb_array_type_child_type(lt)
                                                            : duckdb_list_type_child_type(lt);
        if (p->id == DUCKDB_TYPE_ARRAY)
            p->array_size = duckdb_array_type_array_size(lt);
        p->child = mem_calloc(1, sizeof *p->child);
        if (!p->child) {
            duckdb_destroy_logical_type(&ct);
            return CDLT_NOMEM;
        }
        p->nchild = 1;
        cdlt_status st = plan_build(&p->child[0], ct);
        duckdb_destroy_logical_type(&ct);
        return st;
    }
    default:
        return CDLT_OK;
    }
}

/* dlt's column type of a top-level column (pyarrow's schema of the file). */
static void dlt_type_of(const pnode *p, pqr_column *c)
{
    c->precision = -1;
    c->scale = -1;
    c->timezone = true;
    switch (p->id) {
    case DUCKDB_TYPE_BOOLEAN: c->type = DT_BOOL; break;
    case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_UTINYINT: c->type = DT_BIGINT; c->precision = 8; break;
    case DUCKDB_TYPE_SMALLINT: case DUCKDB_TYPE_USMALLINT: c->type = DT_BIGINT; c->precision = 16; break;
    case DUCKDB_TYPE_INTEGER: case DUCKDB_TYPE_UINTEGER: c->type = DT_BIGINT; c->precision = 32; break;
    case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UBIGINT: case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT: c->type = DT_BIGINT; break;
    case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE: c->type = DT_DOUBLE; break;
    case DUCKDB_TYPE_DECIMAL:
        c->type = DT_DECIMAL;
        c->scale = p->scale;
        c->precision = -1; /* filled by the caller from the logical type */
        break;
    case DUCKDB_TYPE_DATE: c->type = DT_DATE; break;
    case DUCKDB_TYPE_TIME: case DUCKDB_TYPE_TIME_TZ: c->type = DT_TIME; c->precision = 6; break;
    case DUCKDB_TYPE_TIMESTAMP_S: c->type = DT_TIMESTAMP; c->precision = 0; c->timezone = false; break;
    case DUCKDB_TYPE_TIMESTAMP_MS: c->type = DT_TIMESTAMP; c->precision = 3; c->timezone = false; break;
    case DUCKDB_TYPE_TIMESTAMP: c->type = DT_TIMESTAMP; c->precision = 6; c->timezone = false; break;
    case DUCKDB_TYPE_TIMESTAMP_NS: c->type = DT_TIMESTAMP; c->precision = 9; c->timezone = false; break;
    case DUCKDB_TYPE_TIMESTAMP_TZ: c->type = DT_TIMESTAMP; c->precision = 6; break;
    case DUCKDB_TYPE_BLOB: c->type = DT_BINARY; break;
    case DUCKDB_TYPE_STRUCT: case DUCKDB_TYPE_LIST: case DUCKDB_TYPE_ARRAY: case DUCKDB_TYPE_MAP:
        c->type = DT_JSON;
        break;
    default: c->type = DT_TEXT; break;
    }
}

static bool supported(const pnode *p)
{
    switch (p->id) {
    case DUCKDB_TYPE_BOOLEAN: case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER: case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT: case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT: case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL: case DUCKDB_TYPE_DATE: case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIMESTAMP_S: case DUCKDB_TYPE_TIMESTAMP_MS: case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_NS: case DUCKDB_TYPE_TIMESTAMP_TZ: case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB:
        return true;
    case DUCKDB_TYPE_STRUCT: case DUCKDB_TYPE_LIST: case DUCKDB_TYPE_ARRAY: case DUCKDB_TYPE_MAP:
        for (uint32_t i = 0; i < p->nchild; i++)
            if (!supported(&p->child[i]))
                return false;
        return true;
    default:
        return false;
    }
}


void pqr_close(pqr_reader *r)
{
    if (!r)
        return;
    if (r->chunk)
        duckdb_destroy_data_chunk(&r->chunk);
    if (r->have_res)
        duckdb_destroy_result(&r->res);
    for (uint32_t i = 0; r->plan && i < r->ncols; i++)
        plan_free(&r->plan[i]);
    for (uint32_t i = 0; r->cols && i < r->ncols; i++)
        mem_free((char *)r->cols[i].name);
    mem_free(r->plan);
    mem_free(r->cols);
    mem_free(r->vecs);
    if (r->con)
        duckdb_disconnect(&r->con);
    if (r->db)
        duckdb_close(&r->db);
    buf_free(&r->tmp);
    mem_free(r->shown);
    mem_free(r);
}

static cdlt_status fail_db(pqr_reader *r, cdlt_error *err, const char *what, const char *dberr)
{
    err_set(err, CDLT_PARSE, "%s: %s '%s' failed: %s", r->reader, what, r->shown,
            dberr ? dberr : "unknown error");
    snprintf(err->file, sizeof err->file, "%s", r->shown);
    if (strcmp(r->reader, "read_parquet") == 0)
        err_hint(err, "check that the file is a complete Parquet file (it may still be being "
                      "written, or be another format with a .parquet name)");
    else
        err_hint(err, "check the file and the reader's arguments (DuckDB's read_csv options)");
    return CDLT_PARSE;
}

cdlt_status pqr_open(const char *path, const char *shown, uint32_t chunksize, pqr_reader **out,
                     cdlt_error *err)
{
    buf sql = BUF_INIT;
    buf_puts(&sql, "SELECT * FROM read_parquet(");
    sqlgen_string(&sql, path, strlen(path));
    buf_puts(&sql, ")");
    cdlt_status st = sql.status != CDLT_OK
                         ? err_nomem(err)
                         : pqr_open_sql(sql.data, shown ? shown : path, chunksize, "read_parquet",
                                        out, err);
    buf_free(&sql);
    return st;
}

cdlt_status pqr_open_sql(const char *query, const char *shown, uint32_t chunksize,
                         const char *reader, pqr_reader **out, cdlt_error *err)
{
    *out = NULL;
    pqr_reader *r = mem_calloc(1, sizeof *r);
    if (!r)
        return err_nomem(err);
    buf_init(&r->tmp, 0);
    r->chunksize = chunksize ? chunksize : 1000;
    r->reader = reader;
    r->shown = mem_strdup(shown);
    if (!r->shown) {
        pqr_close(r);
        return err_nomem(err);
    }
    duckdb_config cfg = NULL;
    char *oerr = NULL;
    /* a small private database: the reader's memory is DuckDB's buffers for one row group
     * per thread; two threads at most (the machine's other work runs beside it) */
    if (duckdb_create_config(&cfg) != DuckDBSuccess ||
        duckdb_set_config(cfg, "threads", "2") != DuckDBSuccess ||
        duckdb_set_config(cfg, "memory_limit", "256MB") != DuckDBSuccess ||
        duckdb_open_ext(NULL, &r->db, cfg, &oerr) != DuckDBSuccess ||
        duckdb_connect(r->db, &r->con) != DuckDBSuccess) {
        cdlt_status st = fail_db(r, err, "starting DuckDB to read", oerr);
        if (cfg)
            duckdb_destroy_config(&cfg);
    /* text without an offset read into TIMESTAMPTZ (read_csv) means UTC on every machine
     * (with ICU DuckDB takes the machine's zone; without ICU it is UTC already) */
    duckdb_result tz;
    (void)duckdb_query(r->con, "SET TimeZone = 'UTC'", &tz); /* a failure leaves UTC */
    duckdb_destroy_result(&tz);
        duckdb_free(oerr);
        pqr_close(r);
        return st;
    }
    duckdb_destroy_config(&cfg);
    duckdb_prepared_statement ps = NULL;
    cdlt_status st = CDLT_OK;
    if (duckdb_prepare(r->con, query, &ps) != DuckDBSuccess) {
        st = fail_db(r, err, "opening", duckdb_prepare_error(ps));
    } else if (duckdb_execute_prepared_streaming(ps, &r->res) != DuckDBSuccess) {
        r->have_res = true;
        st = fail_db(r, err, "reading", duckdb_result_error(&r->res));
    } else {
        r->have_res = true;
    }
    if (ps)
        duckdb_destroy_prepare(&ps);
    if (st != CDLT_OK) {
        pqr_close(r);
        return st;
    }
    idx_t n = duckdb_column_count(&r->res);
    r->plan = mem_calloc(n ? n : 1, sizeof *r->plan);
    r->cols = mem_calloc(n ? n : 1, sizeof *r->cols);
    r->vecs = mem_calloc(n ? n : 1, sizeof *r->vecs);
    if (!r->plan || !r->cols || !r->vecs) {
        pqr_close(r);
        return err_nomem(err);
    }
    for (idx_t i = 0; i < n; i++) {
        r->ncols = (uint32_t)i + 1;
        duckdb_logical_type lt = duckdb_column_logical_type(&r->res, i);
        st = plan_build(&r->plan[i], lt);
        const char *nm = duckdb_column_name(&r->res, i);
        r->cols[i].name = mem_strdup(nm ? nm : "");
        dlt_type_of(&r->plan[i], &r->cols[i]);
        if (r->plan[i].id == DUCKDB_TYPE_DECIMAL)
            r->cols[i].precision = duckdb_decimal_width(lt);
        duckdb_destroy_logical_type(&lt);
        if (st != CDLT_OK || !r->cols[i].name) {
            pqr_close(r);
            return err_nomem(err);
        }
        if (!supported(&r->plan[i])) {
            err_set(err, CDLT_UNSUPPORTED,
                    "%s: column '%s' of '%s' has a type cdlt cannot read (DuckDB type id %d)",
                    r->reader, r->cols[i].name, r->shown, (int)r->plan[i].id);
            snprintf(err->file, sizeof err->file, "%s", r->shown);
            err_set_column(err, r->cols[i].name);
            err_hint(err, "convert the column to a plain type (text, number, timestamp, "
                          "struct, list) when writing the file");
            pqr_close(r);
            return CDLT_UNSUPPORTED;
        }
    }
    *out = r;
    return CDLT_OK;
}

uint32_t pqr_ncolumns(const pqr_reader *r) { return r->ncols; }
const pqr_column *pqr_column_at(const pqr_reader *r, uint32_t i)
{
    return i < r->ncols ? &r->cols[i] : NULL;
}
uint64_t pqr_rows(const pqr_reader *r) { return r->rows; }

/* ---- values ---- */

static jv jv_typed_text(arena *a, jv_type t, const buf *b)
{
    return t == JV_STRING ? jv_str(a, b->data, b->len) : jv_str_typed(a, t, b->data, b->len);
}

/* Exact decimal text of an integer scaled by 10^-scale. */
static void fmt_decimal(buf *b, __int128 v, unsigned scale)
{
    char d[64];
    int n = 0;
    bool neg = v < 0;
    unsigned __int128 m = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        d[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m && n < 60);
    while (n <= (int)scale)
        d[n++] = '0';
    if (neg)
        buf_putc(b, '-');
    for (int i = n - 1; i >= 0; i--) {
        buf_putc(b, d[i]);
        if (i == (int)scale && scale)
            buf_putc(b, '.');
    }
}

/* The 128-bit value of a hugeint, without shifting a negative number (undefined in C). */
static inline __int128 hugeint_value(duckdb_hugeint h)
{
    return (__int128)(((unsigned __int128)(uint64_t)h.upper << 64) | h.lower);
}

static inline bool row_valid(duckdb_vector v, idx_t row)
{
    uint64_t *val = duckdb_vector_get_validity(v);
    return !val || duckdb_validity_row_is_valid(val, row);
}

/* One value (row `row` of vector v, which is valid) as a jv. */
static cdlt_status to_jv(pqr_reader *r, const pnode *p, duckdb_vector v, idx_t row, arena *a,
                         jv *out)
{
    void *data = duckdb_vector_get_data(v);
    buf *t = &r->tmp;
    buf_clear(t);
    switch (p->id) {
    case DUCKDB_TYPE_BOOLEAN: *out = jv_bool(((bool *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_TINYINT: *out = jv_int(((int8_t *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_SMALLINT: *out = jv_int(((int16_t *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_INTEGER: *out = jv_int(((int32_t *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_BIGINT: *out = jv_int(((int64_t *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_UTINYINT: *out = jv_int(((uint8_t *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_USMALLINT: *out = jv_int(((uint16_t *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_UINTEGER: *out = jv_int(((uint32_t *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_UBIGINT: {
        uint64_t u = ((uint64_t *)data)[row];
        if (u <= INT64_MAX) {
            *out = jv_int((int64_t)u);
        } else {
            *out = jv_null();
            out->type = JV_UINT;
            out->u.u = u;
        }
        return CDLT_OK;
    }
    case DUCKDB_TYPE_HUGEINT: {
        __int128 x = hugeint_value(((duckdb_hugeint *)data)[row]);
        if (x >= INT64_MIN && x <= INT64_MAX) {
            *out = jv_int((int64_t)x);
            return CDLT_OK;
        }
        fmt_decimal(t, x, 0);
        *out = jv_typed_text(a, JV_BIGNUM, t);
        break;
    }
    case DUCKDB_TYPE_FLOAT: *out = jv_double(((float *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_DOUBLE: *out = jv_double(((double *)data)[row]); return CDLT_OK;
    case DUCKDB_TYPE_DECIMAL: {
        __int128 x;
        switch (p->dec_internal) {
        case DUCKDB_TYPE_SMALLINT: x = ((int16_t *)data)[row]; break;
        case DUCKDB_TYPE_INTEGER: x = ((int32_t *)data)[row]; break;
        case DUCKDB_TYPE_BIGINT: x = ((int64_t *)data)[row]; break;
        default: x = hugeint_value(((duckdb_hugeint *)data)[row]); break;
        }
        fmt_decimal(t, x, p->scale);
        *out = jv_typed_text(a, JV_STRING, t);
        if (!jv_failed(out))
            out->flags |= JV_F_DECIMAL; /* pyarrow gives a Decimal: a decimal column */
        break;
    }
    case DUCKDB_TYPE_DATE:
        types_fmt_date(((duckdb_date *)data)[row].days, t);
        *out = jv_typed_text(a, JV_DATE_LOCAL, t);
        break;
    case DUCKDB_TYPE_TIME:
        types_fmt_time(((duckdb_time *)data)[row].micros, t);
        *out = jv_typed_text(a, JV_TIME_LOCAL, t);
        break;
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_TIMESTAMP_TZ: {
        int64_t x = ((int64_t *)data)[row];
        if (p->id == DUCKDB_TYPE_TIMESTAMP_S)
            x *= 1000000;
        else if (p->id == DUCKDB_TYPE_TIMESTAMP_MS)
            x *= 1000;
        else if (p->id == DUCKDB_TYPE_TIMESTAMP_NS) /* dlt keeps ns; our values are µs */
            x = x >= 0 ? x / 1000 : -((-x + 999) / 1000);
        bool naive = p->id != DUCKDB_TYPE_TIMESTAMP_TZ;
        types_fmt_timestamp(x, naive, t);
        *out = jv_typed_text(a, naive ? JV_DATETIME_LOCAL : JV_DATETIME, t);
        break;
    }
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB: {
        duckdb_string_t *s = &((duckdb_string_t *)data)[row];
        uint32_t n = duckdb_string_t_length(*s);
        const char *sp = duckdb_string_t_data(s);
        if (p->id == DUCKDB_TYPE_VARCHAR) {
            *out = jv_str(a, sp, n);
            break;
        }
        if (buf_reserve(t, 4 * ((size_t)n + 2) / 3 + 2) != CDLT_OK)
            return CDLT_NOMEM;
        t->len = b64_encode(sp, n, t->data, true); /* bytes: dlt's text form of binary */
        *out = jv_typed_text(a, JV_STRING, t);
        if (!jv_failed(out))
            out->flags |= JV_F_BINARY; /* pyarrow gives bytes: a binary column */
        break;
    }
    case DUCKDB_TYPE_STRUCT: {
        jv_member *m = arena_alloc(a, (p->nchild ? p->nchild : 1) * sizeof *m);
        if (!m)
            return CDLT_NOMEM;
        for (uint32_t i = 0; i < p->nchild; i++) {
            duckdb_vector cv = duckdb_struct_vector_get_child(v, i);
            m[i].key = arena_strndup(a, p->names[i], p->name_len[i]);
            m[i].klen = p->name_len[i];
            m[i].pad_ = 0;
            if (!m[i].key)
                return CDLT_NOMEM;
            if (!row_valid(cv, row)) {
                m[i].value = jv_null();
                continue;
            }
            cdlt_status st = to_jv(r, &p->child[i], cv, row, a, &m[i].value);
            if (st != CDLT_OK)
                return st;
        }
        *out = jv_null();
        out->type = JV_OBJECT;
        out->len = p->nchild;
        out->u.members = m;
        return CDLT_OK;
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_MAP:
    case DUCKDB_TYPE_ARRAY: {
        idx_t off, len;
        duckdb_vector cv;
        if (p->id == DUCKDB_TYPE_ARRAY) {
            cv = duckdb_array_vector_get_child(v);
            off = row * p->array_size;
            len = p->array_size;
        } else {
            duckdb_list_entry e = ((duckdb_list_entry *)data)[row];
            cv = duckdb_list_vector_get_child(v);
            off = e.offset;
            len = e.length;
        }
        jv *items = arena_alloc(a, (len ? len : 1) * sizeof *items);
        if (!items)
            return CDLT_NOMEM;
        const pnode *cp = &p->child[0];
        for (idx_t k = 0; k < len; k++) {
            if (!row_valid(cv, off + k)) {
                items[k] = jv_null();
                continue;
            }
            if (p->id == DUCKDB_TYPE_MAP) { /* a {key, value} struct -> [key, value] */
                jv *kv = arena_alloc(a, 2 * sizeof *kv);
                if (!kv)
                    return CDLT_NOMEM;
                for (uint32_t f = 0; f < 2; f++) {
                    duckdb_vector fv = duckdb_struct_vector_get_child(cv, f);
                    if (!row_valid(fv, off + k)) {
                        kv[f] = jv_null();
                        continue;
                    }
                    cdlt_status st = to_jv(r, &cp->child[f], fv, off + k, a, &kv[f]);
                    if (st != CDLT_OK)
                        return st;
                }
                items[k] = jv_null();
                items[k].type = JV_ARRAY;
                items[k].len = 2;
                items[k].u.items = kv;
                continue;
            }
            cdlt_status st = to_jv(r, cp, cv, off + k, a, &items[k]);
            if (st != CDLT_OK)
                return st;
        }
        *out = jv_null();
        out->type = JV_ARRAY;
        out->len = (uint32_t)len;
        out->u.items = items;
        return CDLT_OK;
    }
    default:
        *out = jv_null();
        return CDLT_UNSUPPORTED;
    }
    if (t->status != CDLT_OK || jv_failed(out))
        return CDLT_NOMEM;
    return CDLT_OK;
}

static cdlt_status next_chunk(pqr_reader *r, cdlt_error *err)
{
    if (r->chunk)
        duckdb_destroy_data_chunk(&r->chunk);
    r->chunk = duckdb_fetch_chunk(r->res);
    if (!r->chunk) {
        const char *e = duckdb_result_error(&r->res);
        if (e && *e)
            return fail_db(r, err, "reading", e);
        r->eof = true;
        return CDLT_OK;
    }
    r->chunk_rows = duckdb_data_chunk_get_size(r->chunk);
    r->chunk_pos = 0;
    for (uint32_t i = 0; i < r->ncols; i++)
        r->vecs[i] = duckdb_data_chunk_get_vector(r->chunk, i);
    return CDLT_OK;
}

cdlt_status pqr_next(pqr_reader *r, arena *a, jv *out_batch, bool *out_eof, cdlt_error *err)
{
    *out_eof = false;
    *out_batch = jv_null();
    jv *rows = NULL;
    uint32_t n = 0;
    while (n < r->chunksize) {
        if (!r->chunk || r->chunk_pos >= r->chunk_rows) {
            cdlt_status st = next_chunk(r, err);
            if (st != CDLT_OK)
                return st;
            if (r->eof)
                break;
            continue;
        }
        if (!rows) {
            rows = arena_alloc(a, (size_t)r->chunksize * sizeof *rows);
            if (!rows)
                return err_nomem(err);
        }
        idx_t row = r->chunk_pos++;
        jv_member *m = arena_alloc(a, (r->ncols ? r->ncols : 1) * sizeof *m);
        if (!m)
            return err_nomem(err);
        for (uint32_t i = 0; i < r->ncols; i++) {
            const pqr_column *c = &r->cols[i];
            size_t kl = strlen(c->name);
            m[i].key = arena_strndup(a, c->name, kl);
            m[i].klen = (uint32_t)kl;
            m[i].pad_ = 0;
            if (!m[i].key)
                return err_nomem(err);
            if (!row_valid(r->vecs[i], row)) {
                m[i].value = jv_null();
                continue;
            }
            cdlt_status st = to_jv(r, &r->plan[i], r->vecs[i], row, a, &m[i].value);
            if (st != CDLT_OK) {
                if (st == CDLT_NOMEM)
                    return err_nomem(err);
                err_set(err, st, "%s: cannot convert column '%s' of '%s' (row %llu)", r->reader,
                        c->name, r->shown, (unsigned long long)r->rows + n + 1);
                snprintf(err->file, sizeof err->file, "%s", r->shown);
                err_set_column(err, c->name);
                return st;
            }
        }
        rows[n] = jv_null();
        rows[n].type = JV_OBJECT;
        rows[n].len = r->ncols;
        rows[n].u.members = m;
        n++;
    }
    if (n == 0) {
        *out_eof = true;
        return CDLT_OK;
    }
    out_batch->type = JV_ARRAY;
    out_batch->len = n;
    out_batch->u.items = rows;
    r->rows += n;
    return CDLT_OK;
}
