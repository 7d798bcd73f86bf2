/* sqlsrc.c: dlt's sql_database / sql_table sources in a pipeline (spec sources.md §7). The
 * definition's `source = {type = "sql_database", ...}` table is checked key by key, the
 * credentials resolved (definition, else .dlt/secrets.toml / env at dlt's keys), the tables
 * reflected once when the source is built (so hints, primary keys and the schema are known
 * before extract, as dlt does without defer_table_reflect), and each table becomes a resource
 * whose callback runs the SELECT (incremental window pushed into WHERE / ORDER BY) and emits
 * the rows chunk by chunk as typed values, never as JSON text. */
#include "pipeline.h"

#include "sources/sql/sql.h"
#include "types/types.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LVL_MINIMAL = 0, LVL_FULL = 1, LVL_PRECISION = 2 };

/* Shared by the resources of one source. */
typedef struct sql_glue {
    int refs;               /* resources holding it (+1 while building) */
    sql_url url;            /* credentials, parsed (password registered as a secret) */
    const sql_backend *be;  /* reader for url */
    char *schema;           /* database schema, NULL = the connection's default */
    int level;              /* LVL_* */
    size_t chunk_size;      /* rows per emitted page */
    bool parallel;          /* read the tables concurrently (parallelize = true) */
    bool resolve_fks;       /* resolve_foreign_keys: foreign keys -> `references` hints */
    int workers;            /* at most this many tables at once */
    struct sql_tres **tabs; /* the table resources' data, in source order (parallel runs) */
    cdlt_resource **res;    /* their resources */
    size_t ntabs, captabs;
    uint64_t run_id;        /* extract run the parallel read last ran in */
} sql_glue;

/* One table resource. */
typedef struct sql_tres {
    sql_glue *g;
    sql_table t;            /* reflected columns (after included/excluded_columns) */
    char *where;            /* extra condition from the definition, NULL = none */
    char *incr;             /* incremental arguments as JSON text, NULL = none */
    char *what;             /* "schema.table" for messages */
} sql_tres;

static void glue_unref(sql_glue *g)
{
    if (!g || --g->refs > 0)
        return;
    sql_url_free(&g->url);
    mem_free(g->schema);
    mem_free(g->tabs);
    mem_free(g->res);
    mem_free(g);
}

static void tres_free(void *ud)
{
    sql_tres *tr = ud;
    if (!tr)
        return;
    sql_table_clear(&tr->t);
    mem_free(tr->where);
    mem_free(tr->incr);
    mem_free(tr->what);
    glue_unref(tr->g);
    mem_free(tr);
}

/* ---- rows: typed values -> item values ---- */

static cdlt_status val_to_jv(const tval *v, arena *a, buf *tmp, jv *out)
{
    switch ((dtype)v->type) {
    case DT_NONE:
        *out = jv_null();
        return CDLT_OK;
    case DT_BIGINT:
        *out = jv_int(v->u.i);
        return CDLT_OK;
    case DT_DOUBLE:
        *out = jv_double(v->u.d);
        return CDLT_OK;
    case DT_BOOL:
        *out = jv_bool(v->u.b);
        return CDLT_OK;
    case DT_JSON:
        *out = *v->u.json;
        return CDLT_OK;
    case DT_TEXT:
    case DT_DECIMAL:
    case DT_WEI:
        *out = jv_str(a, v->u.s, v->len);
        return jv_failed(out) ? CDLT_NOMEM : CDLT_OK;
    case DT_BINARY: {
        /* items carry binary as base64 text; the column's binary hint decodes it back */
        char *s = arena_alloc(a, 4 * ((size_t)v->len + 2) / 3 + 4);
        if (!s)
            return CDLT_NOMEM;
        size_t n = b64_encode(v->u.s, v->len, s, true);
        out->type = JV_STRING;
        out->flags = 0;
        out->len = (uint32_t)n;
        out->u.s = s;
        return CDLT_OK;
    }
    default:
        break;
    }
    buf_clear(tmp);
    cdlt_status rc = v->type == DT_TIMESTAMP ? types_fmt_timestamp(v->u.ts, v->flags & TV_NAIVE, tmp)
                     : v->type == DT_DATE    ? types_fmt_date(v->u.date, tmp)
                                             : types_fmt_time(v->u.time, tmp);
    if (rc != CDLT_OK)
        return rc;
    *out = jv_str(a, tmp->data, tmp->len);
    return jv_failed(out) ? CDLT_NOMEM : CDLT_OK;
}

/* ---- the SELECT ---- */

static const char *json_str_field(const jv *o, const char *k)
{
    const jv *v = jv_get(o, k);
    return v && v->type == JV_STRING ? v->u.s : NULL;
}

/* A cursor value (JSON text from the incremental machinery) as an SQL literal for column c. */
static cdlt_status put_literal(const sql_glue *g, const sql_column *c, const char *json, buf *b,
                               arena *a, cdlt_error *err)
{
    jv v;
    cdlt_status rc = json_parse(json, strlen(json), a, NULL, &v, err);
    if (rc != CDLT_OK)
        return rc;
    if (v.type == JV_INT || v.type == JV_UINT || v.type == JV_DOUBLE || v.type == JV_BIGNUM) {
        buf_puts(b, json);
        return CDLT_OK;
    }
    if (v.type == JV_BOOL) {
        buf_puts(b, v.u.b ? "1" : "0");
        return CDLT_OK;
    }
    if (v.type != JV_STRING)
        return err_set(err, CDLT_CONFIG, "%s: incremental cursor value %s cannot be compared in "
                                         "SQL (only numbers, strings, dates and timestamps)",
                       c->name, json);
    /* timestamps in the form the databases compare right: SQLite keeps SQLAlchemy's text
     * form "YYYY-MM-DD HH:MM:SS.ffffff", the others parse it */
    types_iso iso;
    if ((c->type == DT_TIMESTAMP || c->type == DT_DATE) &&
        types_parse_iso(v.u.s, v.len, &iso)) {
        char tmp[64];
        int64_t us = iso.kind == TYPES_ISO_DATETIME ? iso.us : (int64_t)iso.days * 86400000000LL;
        if (c->type == DT_TIMESTAMP && !c->timezone && iso.kind == TYPES_ISO_DATETIME)
            us += (int64_t)iso.offset_s * 1000000; /* naive: the written digits */
        int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
        int64_t frac = us - secs * 1000000;
        int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
        int64_t sod = secs - days * 86400;
        int64_t y;
        unsigned m, d;
        types_civil_from_days(days, &y, &m, &d);
        if (c->type == DT_DATE)
            snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u", (long long)y, m, d);
        else
            snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u %02d:%02d:%02d.%06lld%s", (long long)y, m,
                     d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
                     (long long)frac, c->timezone ? "+00:00" : "");
        g->be->quote_literal(b, tmp, strlen(tmp));
        return CDLT_OK;
    }
    g->be->quote_literal(b, v.u.s, v.len);
    return CDLT_OK;
}

static cdlt_status build_select(sql_tres *tr, cdlt_emitter *em, int64_t limit_rows, buf *q,
                                cdlt_error *err)
{
    sql_glue *g = tr->g;
    const sql_backend *be = g->be;
    buf_puts(q, "SELECT ");
    for (size_t i = 0; i < tr->t.ncols; i++) {
        if (i)
            buf_puts(q, ", ");
        be->quote_ident(q, tr->t.cols[i].name);
    }
    buf_puts(q, " FROM ");
    if (g->schema) {
        be->quote_ident(q, g->schema);
        buf_putc(q, '.');
    }
    be->quote_ident(q, tr->t.name);
    bool any = false;
    if (tr->where) {
        buf_printf(q, " WHERE (%s)", tr->where);
        any = true;
    }
    cdlt_status rc = CDLT_OK;
    if (tr->incr) {
        arena a;
        arena_init(&a, 1024, 0);
        jv spec;
        rc = json_parse(tr->incr, strlen(tr->incr), &a, NULL, &spec, err);
        const char *cp = rc == CDLT_OK ? json_str_field(&spec, "cursor_path") : NULL;
        const sql_column *c = NULL;
        for (size_t i = 0; cp && i < tr->t.ncols && !c; i++)
            if (strcmp(tr->t.cols[i].name, cp) == 0)
                c = &tr->t.cols[i];
        if (rc == CDLT_OK && !c) {
            rc = err_set(err, CDLT_CONFIG,
                         "%s: incremental cursor column '%s' does not exist in the table; "
                         "cursor_path must be a simple column name of it",
                         tr->what, cp ? cp : "");
        }
        if (rc == CDLT_OK) {
            const char *fn = json_str_field(&spec, "last_value_func");
            bool is_min = fn && strcmp(fn, "min") == 0;
            const char *rs = json_str_field(&spec, "range_start");
            const char *re = json_str_field(&spec, "range_end");
            const char *miss = json_str_field(&spec, "on_cursor_value_missing");
            const char *order = json_str_field(&spec, "row_order");
            const char *start = cdlt_emitter_incremental_start(em);
            const char *end = cdlt_emitter_incremental_end(em);
            bool open_start = rs && strcmp(rs, "open") == 0;
            bool closed_end = re && strcmp(re, "closed") == 0;
            buf cond = BUF_INIT;
            if (start && strcmp(start, "null") != 0) {
                buf_puts(&cond, "(");
                be->quote_ident(&cond, c->name);
                buf_puts(&cond, is_min ? (open_start ? " < " : " <= ")
                                       : (open_start ? " > " : " >= "));
                rc = put_literal(g, c, start, &cond, &a, err);
                if (rc == CDLT_OK && end && strcmp(end, "null") != 0) {
                    buf_puts(&cond, " AND ");
                    be->quote_ident(&cond, c->name);
                    buf_puts(&cond, is_min ? (closed_end ? " >= " : " > ")
                                           : (closed_end ? " <= " : " < "));
                    rc = put_literal(g, c, end, &cond, &a, err);
                }
                if (miss && strcmp(miss, "include") == 0) {
                    buf_puts(&cond, " OR ");
                    be->quote_ident(&cond, c->name);
                    buf_puts(&cond, " IS NULL");
                }
                buf_puts(&cond, ")");
            }
            if (miss && strcmp(miss, "exclude") == 0) {
                if (cond.len)
                    buf_puts(&cond, " AND ");
                be->quote_ident(&cond, c->name);
                buf_puts(&cond, " IS NOT NULL");
            }
            if (rc == CDLT_OK && cond.len) {
                buf_puts(q, any ? " AND " : " WHERE ");
                buf_append(q, cond.data, cond.len);
            }
            buf_free(&cond);
            if (rc == CDLT_OK && order) {
                bool asc = strcmp(order, "asc") == 0;
                buf_puts(q, " ORDER BY ");
                be->quote_ident(q, c->name);
                buf_puts(q, asc != is_min ? " ASC" : " DESC");
            }
        }
        arena_free(&a);
    }
    if (rc == CDLT_OK && limit_rows > 0)
        buf_printf(q, " LIMIT %lld", (long long)limit_rows);
    if (rc == CDLT_OK && q->status)
        rc = err_nomem(err);
    return rc;
}

/* ---- the resource callback ---- */

/* Flush a page when its rows hold this much item memory, even below chunk_size: 300 columns
 * x 50000 rows would otherwise sit in memory at once. */
#define PAGE_BYTES (16u << 20)

/* One row of typed values as an item object in `a` (keys are the reflected names). */
static cdlt_status row_item(const sql_tres *tr, const tval *row, arena *a, buf *tmp, jv *it,
                            size_t *bytes)
{
    jv_member *m = arena_alloc(a, tr->t.ncols * sizeof *m);
    if (!m)
        return CDLT_NOMEM;
    for (size_t i = 0; i < tr->t.ncols; i++) {
        m[i].key = tr->t.cols[i].name;
        m[i].klen = (uint32_t)strlen(m[i].key);
        m[i].pad_ = 0;
        cdlt_status rc;
        if (row[i].type == DT_JSON) {
            rc = jv_copy(a, row[i].u.json, &m[i].value); /* out of the per-row arena */
            *bytes += 64;
        } else {
            rc = val_to_jv(&row[i], a, tmp, &m[i].value);
            *bytes += row[i].len;
        }
        if (rc != CDLT_OK)
            return rc;
    }
    it->type = JV_OBJECT;
    it->flags = 0;
    it->len = (uint32_t)tr->t.ncols;
    it->u.members = m;
    *bytes += tr->t.ncols * sizeof *m;
    return CDLT_OK;
}

static cdlt_status sql_parallel(cdlt_emitter *em, sql_tres *me, bool alone);

static cdlt_status sql_fn(cdlt_emitter *em, void *ud)
{
    sql_tres *tr = ud;
    sql_glue *g = tr->g;
    if (g->parallel && g->ntabs > 1)
        return sql_parallel(em, tr, false);
    /* one table: its rows are read and turned into items on a second thread (the backend
     * mostly waits on the server) while this one writes the previous page */
    return sql_parallel(em, tr, true);
}

/* ---- reads on worker threads: with parallelize, the first table resource extract runs reads
 * every selected table of the source on worker threads (each with its own connection) and
 * emits their pages to the tables' own emitters from this thread, as they come; the later
 * callbacks find their work done. Otherwise (`alone`) each table is read the same way on one
 * worker. A worker fills one page while the previous one is being emitted. ---- */

typedef struct par_job {
    sql_tres *tr;
    cdlt_emitter *em;     /* the table's emitter (only the main thread uses it) */
    char *sql;            /* SELECT built on the main thread (reads the incremental window) */
    arena pages[2];       /* page memory, alternating */
    jv ready;             /* page handed over (JV_ARRAY), JV_NULL = none */
    int ready_idx;        /* which arena holds it */
    bool busy[2];         /* arena holds a page not yet emitted */
    bool done, stop;      /* worker finished / main asks it to stop */
    cdlt_status rc;       /* worker's outcome */
    cdlt_error err;       /* worker's error */
} par_job;

typedef struct par_ctx {
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* any change: a page ready, a page consumed, a job done */
    par_job *jobs;
    size_t njobs, next;   /* next job a worker takes */
} par_ctx;

static void par_read(par_ctx *p, par_job *j)
{
    sql_tres *tr = j->tr;
    sql_glue *g = tr->g;
    sql_conn *conn = NULL;
    sql_cursor *cur = NULL;
    buf tmp = BUF_INIT;
    arena vals;
    arena_init(&vals, 64 * 1024, 0);
    tval *row = mem_calloc(tr->t.ncols ? tr->t.ncols : 1, sizeof *row);
    cdlt_status rc = row ? g->be->open(&g->url, &conn, &j->err) : err_nomem(&j->err);
    if (rc == CDLT_OK)
        rc = g->be->query(conn, j->sql, tr->what, tr->t.cols, tr->t.ncols, g->chunk_size, &cur,
                          &j->err);
    int k = 0;
    bool eof = false;
    while (rc == CDLT_OK && !eof) {
        pthread_mutex_lock(&p->mu);
        while (j->busy[k] && !j->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = j->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        arena *a = &j->pages[k];
        arena_reset(a);
        size_t cap = g->chunk_size, n = 0, bytes = 0;
        jv *items = arena_alloc(a, cap * sizeof *items);
        if (!items)
            rc = err_nomem(&j->err);
        while (rc == CDLT_OK && n < cap && bytes < PAGE_BYTES) {
            arena_reset(&vals);
            rc = g->be->next(cur, &vals, row, &eof, &j->err);
            if (rc != CDLT_OK || eof)
                break;
            rc = row_item(tr, row, a, &tmp, &items[n], &bytes);
            if (rc == CDLT_NOMEM)
                rc = err_nomem(&j->err);
            n++;
        }
        if (rc != CDLT_OK || n == 0)
            break;
        pthread_mutex_lock(&p->mu);
        while (j->ready.type != JV_NULL && !j->stop) /* the previous page is still queued */
            pthread_cond_wait(&p->cv, &p->mu);
        if (!j->stop) {
            j->ready = (jv){.type = JV_ARRAY, .len = (uint32_t)n, .u.items = items};
            j->ready_idx = k;
            j->busy[k] = true;
        }
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        k = 1 - k;
    }
    if (cur)
        g->be->cursor_close(cur);
    if (conn)
        g->be->close(conn);
    mem_free(row);
    arena_free(&vals);
    buf_free(&tmp);
    pthread_mutex_lock(&p->mu);
    j->rc = rc;
    j->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void *par_worker(void *arg)
{
    par_ctx *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        size_t i = p->next < p->njobs ? p->next++ : SIZE_MAX;
        bool stop = i != SIZE_MAX && p->jobs[i].stop;
        pthread_mutex_unlock(&p->mu);
        if (i == SIZE_MAX)
            return NULL;
        if (stop) { /* the run failed before this table began */
            pthread_mutex_lock(&p->mu);
            p->jobs[i].done = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        par_read(p, &p->jobs[i]);
    }
}

static cdlt_status sql_parallel(cdlt_emitter *em, sql_tres *me, bool alone)
{
    sql_glue *g = me->g;
    cdlt_error *err = pipe_emitter_error(em);
    uint64_t id = pipe_emitter_run_id(em);
    if (!alone && g->run_id == id)
        return CDLT_OK; /* read with its siblings earlier in this extract */
    if (!alone)
        g->run_id = id;
    par_ctx p = {.jobs = mem_calloc(g->ntabs, sizeof *p.jobs)};
    if (!p.jobs)
        return err_nomem(err);
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; rc == CDLT_OK && i < g->ntabs; i++) {
        if (alone && g->tabs[i] != me)
            continue;
        cdlt_emitter *e = g->tabs[i] == me ? em : pipe_emitter_sibling(em, g->res[i]);
        if (!e)
            continue; /* not selected */
        if (err && err->code != CDLT_OK)
            rc = err->code; /* a sibling's table or hints failed */
        par_job *j = &p.jobs[p.njobs];
        j->tr = g->tabs[i];
        j->em = e;
        j->ready = jv_null();
        arena_init(&j->pages[0], 1 << 20, 0);
        arena_init(&j->pages[1], 1 << 20, 0);
        p.njobs++;
        buf q = BUF_INIT;
        if (rc == CDLT_OK)
            rc = build_select(j->tr, e, 0, &q, err);
        j->sql = rc == CDLT_OK ? buf_detach(&q, NULL) : NULL;
        buf_free(&q);
        if (rc == CDLT_OK && !j->sql)
            rc = err_nomem(err);
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    size_t nthreads = rc == CDLT_OK ? p.njobs : 0;
    if (nthreads > (size_t)g->workers)
        nthreads = (size_t)g->workers;
    pthread_t th[64];
    size_t started = 0;
    for (; started < nthreads && started < 64; started++)
        if (pthread_create(&th[started], NULL, par_worker, &p) != 0)
            break;
    if (nthreads && !started)
        rc = err_set(err, CDLT_ERROR, "cannot start threads to read tables in parallel");
    /* emit pages as they come; stop every worker at the first failure */
    pthread_mutex_lock(&p.mu);
    for (;;) {
        par_job *ready = NULL;
        bool all_done = true;
        for (size_t i = 0; i < p.njobs; i++) {
            par_job *j = &p.jobs[i];
            if (!ready && j->ready.type != JV_NULL)
                ready = j;
            if (!j->done)
                all_done = false;
            if (j->done && j->rc != CDLT_OK && rc == CDLT_OK) {
                rc = j->rc;
                if (err)
                    *err = j->err;
            }
        }
        if (rc != CDLT_OK) {
            for (size_t i = 0; i < p.njobs; i++)
                p.jobs[i].stop = true;
            pthread_cond_broadcast(&p.cv);
        }
        if (ready) {
            jv page = ready->ready;
            int k = ready->ready_idx;
            bool emit = rc == CDLT_OK && !ready->stop;
            pthread_mutex_unlock(&p.mu);
            cdlt_status erc = emit ? pipe_emit_jv(ready->em, &page, NULL, 0) : CDLT_OK;
            if (erc == CDLT_OK && emit && cdlt_emitter_stopped(ready->em))
                erc = CDLT_INTERRUPTED;
            pthread_mutex_lock(&p.mu);
            ready->ready = jv_null();
            ready->busy[k] = false;
            if (erc == CDLT_INTERRUPTED)
                ready->stop = true; /* its limit: that table ends, the others go on */
            else if (erc != CDLT_OK && rc == CDLT_OK)
                rc = erc;
            pthread_cond_broadcast(&p.cv);
            continue;
        }
        if (all_done || !started)
            break;
        pthread_cond_wait(&p.cv, &p.mu);
    }
    for (size_t i = 0; i < p.njobs; i++)
        p.jobs[i].stop = true;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < p.njobs; i++) {
        if (rc == CDLT_OK && p.jobs[i].rc != CDLT_OK) {
            rc = p.jobs[i].rc;
            if (err)
                *err = p.jobs[i].err;
        }
        arena_free(&p.jobs[i].pages[0]);
        arena_free(&p.jobs[i].pages[1]);
        mem_free(p.jobs[i].sql);
    }
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    mem_free(p.jobs);
    if (alone && rc != CDLT_OK && err && !err->resource[0])
        err_set_resource(err, cdlt_emitter_resource_name(em));
    return rc;
}

/* ---- building the resources ---- */

static const char *const SRC_KEYS[] = {
    "type", "credentials", "schema", "table_names", "table", "include_views", "chunk_size",
    "reflection_level", "detect_precision_hints", "backend", "defer_table_reflect", "tables",
    "where", "incremental", "included_columns", "excluded_columns", "write_disposition",
    "primary_key", "merge_key", "columns", "table_name", "max_table_nesting",
    "schema_contract", "selected", "limit", "resolve_foreign_keys", "parallelize", "workers",
    NULL};
/* keys of a per-table entry in `tables` */
static const char *const TABLE_KEYS[] = {
    "where", "incremental", "included_columns", "excluded_columns", "write_disposition",
    "primary_key", "merge_key", "columns", "table_name", "max_table_nesting",
    "schema_contract", "selected", "limit", NULL};
/* the hint keys pipe_def_apply_hints reads */
static const char *const HINT_KEYS[] = {"write_disposition", "primary_key", "merge_key", "columns",
                                        "table_name", "max_table_nesting", "schema_contract",
                                        "selected", "limit", NULL};

static cdlt_status bad_value(const char *defpath, const char *place, const char *key,
                             const char *want, cdlt_error *err)
{
    return err_set(err, CDLT_CONFIG, "%s: %s.%s must be %s (see docs/sql_database.md)", defpath,
                   place, key, want);
}

static bool str_list(const jv *v)
{
    if (!v || v->type != JV_ARRAY)
        return false;
    for (uint32_t i = 0; i < v->len; i++)
        if (v->u.items[i].type != JV_STRING)
            return false;
    return true;
}

static bool listed(const jv *list, const char *name)
{
    for (uint32_t i = 0; list && i < list->len; i++)
        if (strcmp(list->u.items[i].u.s, name) == 0)
            return true;
    return false;
}

/* Reflected column -> resource hints at the glue's level (spec sources.md §7.3). */
static cdlt_status add_column_hints(cdlt_resource *r, const sql_column *c, int level)
{
    dtype t = c->type;
    if (level == LVL_MINIMAL) {
        if (c->nested)
            return CDLT_OK; /* left to the data: unpacked into nested tables */
        /* dlt: {name, nullable} for every column, types completed from the data in row
         * (= source) order. dlt's rows carry these as typed Python values the normalizer
         * recognises; item values here carry them as text, so the type comes along as the
         * values' type, which leaves the column incomplete until data arrives */
        cdlt_status rc = cdlt_resource_add_column(r, c->name, NULL, c->nullable);
        if (rc == CDLT_OK && (t == DT_DECIMAL || t == DT_DATE || t == DT_TIME ||
                              t == DT_BINARY || t == DT_TIMESTAMP))
            r->cols[r->ncols - 1].value_type = (uint8_t)t;
        return rc;
    }
    cdlt_status rc = cdlt_resource_add_column(r, c->name, t ? dtype_name(t) : NULL, c->nullable);
    char num[16];
    if (rc == CDLT_OK && level >= LVL_FULL && t == DT_DECIMAL && c->precision >= 0) {
        snprintf(num, sizeof num, "%d", c->precision);
        rc = cdlt_resource_set_column_hint(r, c->name, "precision", num);
        if (rc == CDLT_OK && c->scale >= 0) {
            snprintf(num, sizeof num, "%d", c->scale);
            rc = cdlt_resource_set_column_hint(r, c->name, "scale", num);
        }
    } else if (rc == CDLT_OK && level == LVL_PRECISION && c->precision >= 0 &&
               (t == DT_TEXT || t == DT_BINARY || t == DT_BIGINT)) {
        snprintf(num, sizeof num, "%d", c->precision);
        rc = cdlt_resource_set_column_hint(r, c->name, "precision", num);
    }
    if (rc == CDLT_OK && level >= LVL_FULL && t == DT_TIMESTAMP)
        rc = cdlt_resource_set_column_hint(r, c->name, "timezone", c->timezone ? "true" : "false");
    return rc;
}

/* dlt's `references` hint from the reflected foreign keys: one entry per referenced table
 * (keys to the same table merged, columns appended in order), in first-seen order. Foreign
 * keys are kept as reflected, also on columns left out by included/excluded_columns (dlt
 * removes the columns, not the constraints). NULL on out-of-memory. */
static char *references_json(const sql_table *t)
{
    buf b = BUF_INIT;
    buf_putc(&b, '[');
    for (size_t i = 0; i < t->nfks; i++) {
        const char *rt = t->fks[i].ref_table;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(t->fks[k].ref_table, rt) == 0;
        if (seen)
            continue;
        if (b.len > 1)
            buf_putc(&b, ',');
        buf_puts(&b, "{\"referenced_table\":");
        json_write_string(&b, rt, strlen(rt), 0);
        for (int pass = 0; pass < 2; pass++) {
            buf_puts(&b, pass ? ",\"columns\":[" : ",\"referenced_columns\":[");
            bool first = true;
            for (size_t k = i; k < t->nfks; k++) {
                if (strcmp(t->fks[k].ref_table, rt) != 0)
                    continue;
                const char *c = pass ? t->fks[k].col : t->fks[k].ref_col;
                if (!first)
                    buf_putc(&b, ',');
                first = false;
                json_write_string(&b, c, strlen(c), 0);
            }
            buf_putc(&b, ']');
        }
        buf_putc(&b, '}');
    }
    buf_putc(&b, ']');
    char *out = b.status ? NULL : buf_detach(&b, NULL);
    buf_free(&b);
    return out;
}

static cdlt_status add_table(cdlt_source *src, sql_glue *g, sql_conn *conn, const char *table,
                             const jv *defaults, const jv *entry, const char *place,
                             const char *defpath, cdlt_error *err)
{
    sql_tres *tr = mem_calloc(1, sizeof *tr);
    if (!tr)
        return err_nomem(err);
    tr->g = g;
    g->refs++;
    cdlt_status rc = g->be->reflect(conn, g->schema, table, &tr->t, err);
    if (rc == CDLT_OK && g->resolve_fks && g->be->foreign_keys)
        rc = g->be->foreign_keys(conn, g->schema, &tr->t, err);
    buf w = BUF_INIT;
    buf_printf(&w, "%s%s%s", g->schema ? g->schema : "", g->schema ? "." : "", table);
    tr->what = w.status ? NULL : buf_detach(&w, NULL);
    buf_free(&w);
    if (rc == CDLT_OK && !tr->what)
        rc = err_nomem(err);
    /* included/excluded columns, the entry's own over the source's */
    const jv *inc = entry ? jv_get(entry, "included_columns") : NULL;
    const jv *exc = entry ? jv_get(entry, "excluded_columns") : NULL;
    if (!inc && defaults)
        inc = jv_get(defaults, "included_columns");
    if (!exc && defaults)
        exc = jv_get(defaults, "excluded_columns");
    if (rc == CDLT_OK && (inc || exc)) {
        size_t k = 0;
        for (size_t i = 0; i < tr->t.ncols; i++) {
            sql_column *c = &tr->t.cols[i];
            if ((inc && !listed(inc, c->name)) || (exc && listed(exc, c->name))) {
                mem_free(c->name);
                mem_free(c->db_type);
                continue;
            }
            tr->t.cols[k++] = *c;
        }
        tr->t.ncols = k;
    }
    const jv *wv = entry ? jv_get(entry, "where") : NULL;
    if (!wv && defaults)
        wv = jv_get(defaults, "where");
    if (rc == CDLT_OK && wv && !(tr->where = mem_strdup(wv->u.s)))
        rc = err_nomem(err);
    const jv *iv = entry ? jv_get(entry, "incremental") : NULL;
    if (!iv && defaults)
        iv = jv_get(defaults, "incremental");
    if (rc == CDLT_OK && iv) {
        buf b = BUF_INIT;
        json_write(&b, iv, 0);
        tr->incr = b.status ? NULL : buf_detach(&b, NULL);
        buf_free(&b);
        if (!tr->incr)
            rc = err_nomem(err);
    }
    cdlt_resource *r = NULL;
    if (rc == CDLT_OK && cdlt_resource_open(table, sql_fn, tr, &r) != CDLT_OK)
        rc = err_set(err, CDLT_CONFIG, "%s: table name '%s' cannot name a resource", defpath,
                     table);
    if (rc != CDLT_OK) {
        tres_free(tr);
        return rc;
    }
    r->ud_free = tres_free;
    r->binary_items = true; /* rows reach the normalizer without a JSON text round trip */
    if (tr->t.nfks && !(r->references = references_json(&tr->t)))
        rc = err_nomem(err);
    /* reflected hints first: the definition's own keys then refine them */
    const char **pk = mem_calloc(tr->t.ncols + 1, sizeof *pk);
    size_t npk = 0;
    if (!pk)
        rc = err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < tr->t.ncols; i++) {
        if ((rc = add_column_hints(r, &tr->t.cols[i], g->level)) != CDLT_OK)
            rc = err_nomem(err);
        if (tr->t.cols[i].pk_pos > 0)
            npk++;
    }
    for (int pos = 1; rc == CDLT_OK && (size_t)pos <= npk; pos++)
        for (size_t i = 0; i < tr->t.ncols; i++)
            if (tr->t.cols[i].pk_pos == pos)
                pk[pos - 1] = tr->t.cols[i].name;
    if (rc == CDLT_OK && npk && cdlt_resource_set_primary_key(r, pk, npk) != CDLT_OK)
        rc = err_nomem(err);
    mem_free(pk);
    if (rc == CDLT_OK)
        rc = pipe_def_apply_hints(defpath, r, defaults, entry, place, err);
    if (rc == CDLT_OK) {
        sql_tres **nt = mem_grow(g->tabs, g->ntabs, &g->captabs, sizeof *nt, 8);
        size_t cap2 = g->ntabs;
        cdlt_resource **nr = nt ? mem_grow(g->res, g->ntabs, &cap2, sizeof *nr, g->captabs) : NULL;
        if (nt)
            g->tabs = nt;
        if (nr)
            g->res = nr;
        if (!nt || !nr) {
            cdlt_resource_free(r);
            return err_nomem(err);
        }
        rc = cdlt_source_add(src, r);
        if (rc == CDLT_OK) {
            g->tabs[g->ntabs] = tr;
            g->res[g->ntabs++] = r;
        }
        if (rc == CDLT_EXISTS)
            rc = err_set(err, CDLT_CONFIG, "%s: %s: two resources are named '%s'", defpath,
                         place, table);
        else if (rc != CDLT_OK)
            rc = err_nomem(err);
        return rc;
    }
    cdlt_resource_free(r);
    return rc;
}

/* The hint keys of o as a table of their own (the defaults pipe_def_apply_hints takes). */
static cdlt_status hint_subset(const jv *o, arena *a, jv *out)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < o->len; i++) {
        const jv_member *m = &o->u.members[i];
        if (pipe_def_in_list(m->key, HINT_KEYS) || strcmp(m->key, "incremental") == 0 ||
            strcmp(m->key, "where") == 0 || strcmp(m->key, "included_columns") == 0 ||
            strcmp(m->key, "excluded_columns") == 0)
            if (jv_builder_set(&b, a, m->key, m->klen, m->value) != CDLT_OK)
                return CDLT_NOMEM;
    }
    *out = b.value;
    return CDLT_OK;
}

/* dlt's arguments that take Python objects (callbacks, classes, engine arguments): a
 * definition file cannot carry them. Named with what the file offers instead, before the
 * generic unknown-key message. */
static cdlt_status refuse_python_keys(const jv *o, const char *place, const char *defpath,
                                      cdlt_error *err)
{
    static const struct {
        const char *key;
        const char *instead;
    } K[] = {
        {"query_adapter_callback", "`where` (an SQL condition ANDed into the SELECT), "
                                   "`incremental`, `limit`"},
        {"table_adapter_callback", "`included_columns` / `excluded_columns` and `columns` hints"},
        {"type_adapter_callback", "`columns` hints ({data_type, precision, scale, timezone} per "
                                  "column) or reflection_level"},
        {"engine_adapter_callback", "connection options in the credentials URL (?key=value)"},
        {"table_loader_class", "nothing (cdlt's readers are built in)"},
        {"engine_kwargs", "connection options in the credentials URL (?key=value)"},
        {"backend_kwargs", "nothing (every backend name reads the same way in cdlt)"},
    };
    for (size_t i = 0; i < sizeof K / sizeof K[0]; i++)
        if (jv_get(o, K[i].key))
            return err_set(err, CDLT_CONFIG,
                           "%s: %s.%s: dlt's Python callbacks and objects cannot be given in a "
                           "definition file; use %s instead (docs/sql_database.md, "
                           "\"Callbacks\")", defpath, place, K[i].key, K[i].instead);
    return CDLT_OK;
}

cdlt_status pipe_sql_add(cdlt_source *src, const jv *cfg, const char *where, const char *defpath,
                         const char *pipeline_name, cdlt_error *err)
{
    const char *type = json_str_field(cfg, "type");
    bool single = type && strcmp(type, "sql_table") == 0;
    cdlt_status rc = refuse_python_keys(cfg, where, defpath, err);
    if (rc == CDLT_OK)
        rc = pipe_def_check_keys(cfg, SRC_KEYS, where, defpath, "docs/sql_database.md", err);
    if (rc != CDLT_OK)
        return rc;
    /* value types */
    static const char *const STR_KEYS[] = {"schema", "table", "reflection_level", "backend",
                                           "where", NULL};
    for (size_t i = 0; STR_KEYS[i]; i++) {
        const jv *v = jv_get(cfg, STR_KEYS[i]);
        if (v && v->type != JV_STRING)
            return bad_value(defpath, where, STR_KEYS[i], "a string", err);
    }
    static const char *const BOOL_KEYS[] = {"include_views", "detect_precision_hints",
                                            "parallelize",
                                            "defer_table_reflect", "resolve_foreign_keys", NULL};
    for (size_t i = 0; BOOL_KEYS[i]; i++) {
        const jv *v = jv_get(cfg, BOOL_KEYS[i]);
        if (v && v->type != JV_BOOL)
            return bad_value(defpath, where, BOOL_KEYS[i], "true or false", err);
    }
    const jv *v;
    if ((v = jv_get(cfg, "backend")) && strcmp(v->u.s, "sqlalchemy") && strcmp(v->u.s, "pyarrow") &&
        strcmp(v->u.s, "pandas") && strcmp(v->u.s, "connectorx"))
        return bad_value(defpath, where, "backend",
                         "one of dlt's names: sqlalchemy, pyarrow, pandas, connectorx (all read "
                         "the same way in cdlt)", err);
    const jv *names = jv_get(cfg, "table_names");
    if (names && names->type != JV_NULL && !str_list(names))
        return bad_value(defpath, where, "table_names", "a list of table names", err);
    static const char *const LIST_KEYS[] = {"included_columns", "excluded_columns", NULL};
    for (size_t i = 0; LIST_KEYS[i]; i++)
        if ((v = jv_get(cfg, LIST_KEYS[i])) && !str_list(v))
            return bad_value(defpath, where, LIST_KEYS[i], "a list of column names", err);
    if ((v = jv_get(cfg, "incremental")) && v->type != JV_OBJECT)
        return bad_value(defpath, where, "incremental",
                         "a table of dlt's incremental arguments (cursor_path, initial_value, ...)",
                         err);
    int64_t chunk = 50000;
    if ((v = jv_get(cfg, "chunk_size"))) {
        if (v->type != JV_INT || v->u.i < 1 || v->u.i > 10000000)
            return bad_value(defpath, where, "chunk_size", "a whole number of rows (1..10000000)",
                             err);
        chunk = v->u.i;
    }
    int64_t workers = 5; /* dlt's [extract] workers default */
    if ((v = jv_get(cfg, "workers"))) {
        if (v->type != JV_INT || v->u.i < 1 || v->u.i > 64)
            return bad_value(defpath, where, "workers", "a whole number of threads (1..64)", err);
        workers = v->u.i;
    }
    int level = LVL_FULL;
    if ((v = jv_get(cfg, "reflection_level"))) {
        if (strcmp(v->u.s, "minimal") == 0)
            level = LVL_MINIMAL;
        else if (strcmp(v->u.s, "full") == 0)
            level = LVL_FULL;
        else if (strcmp(v->u.s, "full_with_precision") == 0)
            level = LVL_PRECISION;
        else
            return bad_value(defpath, where, "reflection_level",
                             "minimal, full or full_with_precision", err);
    }
    if ((v = jv_get(cfg, "detect_precision_hints")) && v->u.b)
        level = LVL_PRECISION; /* dlt's deprecated spelling */
    const char *table = json_str_field(cfg, "table");
    if (single && !table)
        return err_set(err, CDLT_CONFIG, "%s: %s.table is missing: sql_table reads one table",
                       defpath, where);
    if (!single && table)
        return err_set(err, CDLT_CONFIG, "%s: %s.table belongs to type = \"sql_table\"; "
                                         "sql_database takes table_names = [...]",
                       defpath, where);
    const jv *tables = jv_get(cfg, "tables");
    if (tables && tables->type != JV_OBJECT)
        return bad_value(defpath, where, "tables",
                         "a table of per-table settings: tables.<name> = {incremental, where, "
                         "write_disposition, ...}", err);
    if (single && tables)
        return err_set(err, CDLT_CONFIG, "%s: %s.tables belongs to sql_database; sql_table "
                                         "takes the settings directly", defpath, where);
    arena a;
    arena_init(&a, 4096, 0);
    char place[256];
    for (uint32_t i = 0; tables && rc == CDLT_OK && i < tables->len; i++) {
        const jv *e = &tables->u.members[i].value;
        snprintf(place, sizeof place, "%s.tables.%s", where, tables->u.members[i].key);
        if (e->type != JV_OBJECT)
            rc = bad_value(defpath, place, "", "a table of settings", err);
        else if ((rc = refuse_python_keys(e, place, defpath, err)) == CDLT_OK)
            rc = pipe_def_check_keys(e, TABLE_KEYS, place, defpath, "docs/sql_database.md",
                                     err);
        const jv *w = rc == CDLT_OK ? jv_get(e, "where") : NULL;
        if (w && w->type != JV_STRING)
            rc = bad_value(defpath, place, "where", "a string (an SQL condition)", err);
        for (size_t k = 0; rc == CDLT_OK && LIST_KEYS[k]; k++)
            if ((w = jv_get(e, LIST_KEYS[k])) && !str_list(w))
                rc = bad_value(defpath, place, LIST_KEYS[k], "a list of column names", err);
        if (rc == CDLT_OK && (w = jv_get(e, "incremental")) && w->type != JV_OBJECT)
            rc = bad_value(defpath, place, "incremental", "a table of incremental arguments",
                           err);
        if (rc == CDLT_OK && names && names->type == JV_ARRAY &&
            !listed(names, tables->u.members[i].key))
            rc = err_set(err, CDLT_CONFIG, "%s: %s: '%s' is not in table_names", defpath, place,
                         tables->u.members[i].key);
    }
    if (rc != CDLT_OK) {
        arena_free(&a);
        return rc;
    }
    /* credentials: the definition's, else dlt's config keys */
    sql_glue *g = mem_calloc(1, sizeof *g);
    if (!g) {
        arena_free(&a);
        return err_nomem(err);
    }
    g->refs = 1;
    g->level = level;
    g->chunk_size = (size_t)chunk;
    g->workers = (int)workers;
    g->parallel = (v = jv_get(cfg, "parallelize")) && v->u.b;
    g->resolve_fks = (v = jv_get(cfg, "resolve_foreign_keys")) && v->u.b;
    const char *sch = json_str_field(cfg, "schema");
    if (sch && *sch && !(g->schema = mem_strdup(sch)))
        rc = err_nomem(err);
    const jv *cv = jv_get(cfg, "credentials");
    char *cred = NULL;
    if (rc == CDLT_OK && cv && cv->type == JV_STRING) {
        cred = mem_strdup(cv->u.s);
        if (!cred)
            rc = err_nomem(err);
        else if (secret_register_credential(cred) != CDLT_OK)
            rc = err_nomem(err);
    } else if (rc == CDLT_OK && cv) {
        rc = bad_value(defpath, where, "credentials",
                       "a connection string (dialect://user:password@host:port/database)", err);
    } else if (rc == CDLT_OK) {
        cdlt_config *config = NULL;
        rc = pipe_config_open(pipeline_name, &config, err);
        cdlt_credentials *c = NULL;
        char section[300];
        if (single)
            snprintf(section, sizeof section, "sources.sql_database.%s", table);
        else
            snprintf(section, sizeof section, "sources.sql_database");
        if (rc == CDLT_OK)
            rc = cdlt_config_get_credentials(config, section, "credentials", NULL, &c, err);
        if (rc == CDLT_OK) {
            size_t need = cdlt_credentials_to_url(c, false, NULL, 0);
            cred = mem_alloc(need + 1);
            if (!cred)
                rc = err_nomem(err);
            else
                cdlt_credentials_to_url(c, false, cred, need + 1);
        } else if (rc == CDLT_CONFIG_MISSING) {
            err_prefix(err, "%s: %s has no credentials and none are configured: ", defpath,
                       where);
        }
        cdlt_credentials_free(c);
        cdlt_config_free(config);
    }
    if (rc == CDLT_OK)
        rc = sql_url_parse(cred, &g->url, err);
    mem_free(cred);
    if (rc == CDLT_OK && !(g->be = sql_backend_for(&g->url, err)))
        rc = CDLT_UNSUPPORTED;
    sql_conn *conn = NULL;
    if (rc == CDLT_OK)
        rc = g->be->open(&g->url, &conn, err);
    strv list = {0};
    if (rc == CDLT_OK && single) {
        rc = strv_add(&list, table) == CDLT_OK ? CDLT_OK : err_nomem(err);
    } else if (rc == CDLT_OK && names && names->type == JV_ARRAY) {
        for (uint32_t i = 0; rc == CDLT_OK && i < names->len; i++)
            if (strv_add(&list, names->u.items[i].u.s) != CDLT_OK)
                rc = err_nomem(err);
    } else if (rc == CDLT_OK) {
        const jv *iv = jv_get(cfg, "include_views");
        rc = g->be->list_tables(conn, g->schema, iv && iv->u.b, &list, err);
    }
    jv defaults = jv_null();
    if (rc == CDLT_OK && hint_subset(cfg, &a, &defaults) != CDLT_OK)
        rc = err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < list.n; i++) {
        const jv *entry = tables ? jv_get(tables, list.v[i]) : NULL;
        if (single)
            snprintf(place, sizeof place, "%s", where);
        else if (entry)
            snprintf(place, sizeof place, "%s.tables.%s", where, list.v[i]);
        else
            snprintf(place, sizeof place, "%s.table_names[%zu]", where, i);
        rc = add_table(src, g, conn, list.v[i], &defaults, entry, place, defpath, err);
    }
    if (rc == CDLT_OK && list.n == 0)
        LOG_WARN("%s: the database has no tables%s%s (%s)", where, g->schema ? " in schema " : "",
                 g->schema ? g->schema : "", g->url.masked);
    if (conn)
        g->be->close(conn);
    strv_free(&list);
    arena_free(&a);
    glue_unref(g);
    return rc;
}
