/* extract.c: the extract phase: runs resources (and their transformers) through their steps
 * and limits, writes raw items as NDJSON per table into extract/new/<load_id>/, applies
 * resource hints to the schema, adds the state row when the state changed, and commits the
 * package into normalize/extracted/ with one rename (core.md §6.1).
 * Fast path: a plain file resource of NDJSON files (nothing would change or drop an item) is
 * copied file by file as it is, unparsed; normalize parses the copies with the same line
 * reader, so tables and data errors are the same (docs/pipeline.md "Verbatim copies"). */
#include "pipeline.h"
#include "incremental/incremental.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct xtable {
    char *name;            /* normalized table name (x->names arena) */
    store_file f;          /* its items file, opened by the first item written */
    bool open;             /* f is open */
    bool bin;              /* f holds binary items (jvb.c), else JSON lines */
    jvb_enc *enc;          /* binary items: the open file's key numbers */
    uint64_t items;        /* items written */
    pipe_table_stat *stat; /* run report entry */
} xtable;

typedef struct xctx xctx;

struct cdlt_emitter {
    xctx *x;            /* extraction context */
    cdlt_resource *r;   /* resource being run */
    arena mem;          /* item memory: reset after every emit */
    int64_t emitted;    /* emits so far (pages count once) */
    double t0;          /* start (monotonic) for max_seconds */
    bool stopped;       /* limit reached */
    bool needed;        /* selected, or feeds a selected transformer */
    cdlt_state rs;      /* resource state handle */
    cdlt_state ss;      /* source state handle */
    buf text;           /* item text for steps/children */
    buf page;           /* page text handed to children */
    buf row;            /* item being built by cdlt_emit_begin ... cdlt_emit_end */
    int row_depth;      /* open objects/arrays of the row builder (0 = none, -1 = error) */
    bool row_first;     /* next value is the first of its container */
    uint64_t bytes_done;  /* file resources: bytes consumed */
    uint64_t bytes_total; /* file resources: bytes to read */
    incr *inc;            /* the resource's incremental cursor, NULL = none */
    bool prepared;        /* table added and hints applied for this extract */
};

const char *cdlt_emitter_incremental_start(const cdlt_emitter *em)
{
    return em && em->inc ? incr_start_json(em->inc) : NULL;
}

const char *cdlt_emitter_incremental_end(const cdlt_emitter *em)
{
    return em && em->inc ? incr_end_json(em->inc) : NULL;
}

const char *cdlt_emitter_incremental_last(cdlt_emitter *em)
{
    return em && em->inc ? incr_last_json(em->inc) : NULL;
}

/* The saved state of r's cursor (JSON text, mem_alloc'ed) or NULL: the resource state's
 * "incremental" object, keyed by cursor path as dlt keeps it. */
static char *incr_saved_state(cdlt_pipeline *p, const char *src, const cdlt_resource *r,
                              const char *path)
{
    pipe_src_state *ss = state_source(&p->state, src, false);
    pipe_res_state *rs = ss ? state_resource(ss, r->name, false) : NULL;
    for (size_t i = 0; rs && i < rs->kv.n; i++)
        if (strcmp(rs->kv.v[i].key, "incremental") == 0)
            return pipe_incr_pick(rs->kv.v[i].json, path);
    return NULL;
}

char *pipe_incr_pick(const char *incremental, const char *path)
{
    arena a;
    arena_init(&a, 4096, 0);
    jv o;
    char *out = NULL;
    if (incremental &&
        json_parse(incremental, strlen(incremental), &a, NULL, &o, NULL) == CDLT_OK) {
        const jv *c = jv_get(&o, path);
        buf b = BUF_INIT;
        if (c && c->type == JV_OBJECT && json_write(&b, c, 0) == CDLT_OK)
            out = buf_detach(&b, NULL);
        buf_free(&b);
    }
    arena_free(&a);
    return out;
}

cdlt_status pipe_incr_merge(const char *old, const char *path, const char *st, size_t st_len,
                            buf *out)
{
    arena a;
    arena_init(&a, 4096, 0);
    jv o = jv_null();
    if (old)
        json_parse(old, strlen(old), &a, NULL, &o, NULL);
    buf_clear(out);
    buf_putc(out, '{');
    for (uint32_t i = 0; o.type == JV_OBJECT && i < o.len; i++) {
        if (strcmp(o.u.members[i].key, path) == 0)
            continue;
        json_write_string(out, o.u.members[i].key, o.u.members[i].klen, 0);
        buf_putc(out, ':');
        json_write(out, &o.u.members[i].value, 0);
        buf_putc(out, ',');
    }
    json_write_string(out, path, strlen(path), 0);
    buf_putc(out, ':');
    buf_append(out, st, st_len);
    buf_putc(out, '}');
    arena_free(&a);
    return out->status;
}

/* After a successful extract: each cursor's new state into its resource state. */
static cdlt_status incr_save_states(xctx *x);

struct cdlt_text {
    buf *b;   /* destination */
    bool set; /* something was written */
};

struct xctx {
    cdlt_pipeline *p;       /* pipeline */
    cdlt_source *src;       /* source being extracted */
    const char *src_name;   /* schema / state source name */
    schema *s;              /* schema being extended with hints */
    char load_id[40];       /* package id */
    buf pkgdir;             /* extract/new/<load_id> */
    map tables;             /* raw table name -> xtable* */
    arena names;            /* xtable structs and names */
    cdlt_emitter *ems;      /* one emitter per resource of src */
    buf line;               /* one NDJSON line */
    buf nbuf;               /* scratch for names */
    cdlt_error *err;        /* error sink */
    strv touched;           /* normalized root tables of resources run (for replace) */
    uint64_t items;         /* items written, all tables */
    buf vb;                 /* verbatim copies: manifest entries {"job","resource","source"} */
    size_t nvb;             /* entries in vb */
    uint64_t next_fid;      /* next job file id (0 = not drawn yet; see next_file_id) */
    uint64_t run_id;        /* distinct per extract run (sources driving several resources) */
    uint64_t rotate_bytes;  /* close a table's items file at this size (0 = never) */
    pipe_ahead *ahead;      /* normalizes closed items files meanwhile (ahead.c), or NULL */
};

cdlt_status cdlt_text_set(cdlt_text *t, const char *s, size_t len)
{
    if (!t || !s)
        return CDLT_INVALID_ARG;
    buf_clear(t->b);
    t->set = true;
    return buf_append(t->b, s, len);
}

arena *pipe_emitter_arena(cdlt_emitter *em) { return &em->mem; }

static cdlt_status add_touched(xctx *x, const char *name);
static cdlt_status apply_hints(xctx *x, cdlt_resource *r, schema_table *t);

/* Before a resource runs: its table exists with its hints (in resource order, as dlt's
 * schema lists them), and a replace resource that yields nothing still truncates its table
 * (core.md §5.2). Once per extract. */
static cdlt_status prepare_resource(cdlt_emitter *em)
{
    xctx *x = em->x;
    cdlt_resource *r = em->r;
    if (em->prepared)
        return CDLT_OK;
    em->prepared = true;
    if (!r->selected || r->table_fn || pipe_is_drop_noop(r))
        return CDLT_OK;
    const char *raw = r->table_name ? r->table_name : r->name;
    if (naming_table_identifier(&x->s->naming, raw, strlen(raw), &x->nbuf) != CDLT_OK ||
        add_touched(x, x->nbuf.data) != CDLT_OK)
        return err_nomem(x->err);
    schema_table *t = NULL;
    cdlt_status rc = schema_add_table(x->s, x->nbuf.data, NULL, &t, x->err);
    if (rc == CDLT_OK)
        rc = apply_hints(x, r, t);
    return rc;
}

cdlt_emitter *pipe_emitter_sibling(cdlt_emitter *em, const cdlt_resource *r)
{
    xctx *x = em->x;
    for (size_t i = 0; i < x->src->n; i++)
        if (x->src->res[i] == r) {
            if (!x->ems[i].needed || prepare_resource(&x->ems[i]) != CDLT_OK)
                return NULL;
            return &x->ems[i];
        }
    return NULL;
}

uint64_t pipe_emitter_run_id(const cdlt_emitter *em) { return em->x->run_id; }

cdlt_error *pipe_emitter_error(cdlt_emitter *em) { return em->x->err; }

void pipe_emitter_progress(cdlt_emitter *em, uint64_t bytes_done, uint64_t bytes_total)
{
    em->bytes_done = bytes_done;
    em->bytes_total = bytes_total;
    cdlt_pipeline *p = em->x->p;
    if (p->progress.total_bytes < bytes_total)
        p->progress.total_bytes = bytes_total;
    progress_tick(&p->progress, bytes_done);
}

bool cdlt_emitter_stopped(const cdlt_emitter *em) { return !em || em->stopped; }
const char *cdlt_emitter_resource_name(const cdlt_emitter *em) { return em ? em->r->name : NULL; }
cdlt_state *cdlt_emitter_resource_state(cdlt_emitter *em) { return em ? &em->rs : NULL; }
cdlt_state *cdlt_emitter_source_state(cdlt_emitter *em) { return em ? &em->ss : NULL; }

static cdlt_status add_touched(xctx *x, const char *name)
{
    return strv_add_unique(&x->touched, name);
}

/* ---- hints -> schema ---- */

static cdlt_status norm_ident(xctx *x, const char *s, buf *out)
{
    return naming_identifier(&x->s->naming, s, strlen(s), out);
}

static cdlt_status ensure_column(xctx *x, schema_table *t, const char *raw, schema_column **out)
{
    buf nb = BUF_INIT;
    cdlt_status rc = norm_ident(x, raw, &nb);
    if (rc != CDLT_OK) {
        buf_free(&nb);
        return err_nomem(x->err);
    }
    schema_column *c = table_get_column(t, nb.data, nb.len);
    if (!c) {
        schema_column col;
        memset(&col, 0, sizeof col);
        col.name = nb.data;
        col.name_len = (uint32_t)nb.len;
        col.type = DT_NONE;
        col.nullable = true;
        col.timezone = -1;
        col.precision = -1;
        col.scale = -1;
        col.extra = jv_null();
        uint32_t idx = 0;
        rc = table_add_column(x->s, t, &col, &idx, x->err);
        if (rc == CDLT_OK)
            c = &t->columns[idx];
    }
    buf_free(&nb);
    *out = c;
    return rc;
}

/* Add "key": value members (JSON text without braces) to an extra object in the schema. */
static cdlt_status add_extra(xctx *x, jv *extra, const char *members)
{
    /* members replace keys of the same name (a boundary changes from run to run) */
    arena a;
    arena_init(&a, 1024, 0);
    jv add;
    buf b = BUF_INIT;
    buf_printf(&b, "{%s}", members);
    cdlt_status prc = json_parse(b.data, b.len, &a, NULL, &add, x->err);
    buf_clear(&b);
    buf_putc(&b, '{');
    bool first = true;
    for (uint32_t i = 0; prc == CDLT_OK && extra->type == JV_OBJECT && i < extra->len; i++) {
        if (jv_get(&add, extra->u.members[i].key))
            continue;
        if (!first)
            buf_putc(&b, ',');
        first = false;
        json_write_string(&b, extra->u.members[i].key, strlen(extra->u.members[i].key), 0);
        buf_putc(&b, ':');
        json_write(&b, &extra->u.members[i].value, 0);
    }
    if (!first)
        buf_putc(&b, ',');
    buf_puts(&b, members);
    buf_putc(&b, '}');
    arena_free(&a);
    if (prc != CDLT_OK) {
        buf_free(&b);
        return prc;
    }
    cdlt_status rc = b.status != CDLT_OK ? CDLT_NOMEM
                                         : json_parse(b.data, b.len, &x->s->mem, NULL, extra,
                                                      x->err);
    buf_free(&b);
    return rc;
}

/* dlt's scd2 hints on a root table: the validity columns (timestamps, x-valid-from /
 * x-valid-to, the active record value), the row version column (x-row-version) and the
 * boundary timestamp (x-boundary-timestamp). */
static cdlt_status scd2_hints(xctx *x, cdlt_resource *r, schema_table *t)
{
    const char *names[2] = {r->scd2_from ? r->scd2_from : "_dlt_valid_from",
                            r->scd2_to ? r->scd2_to : "_dlt_valid_to"};
    buf m = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    for (int k = 0; k < 2 && rc == CDLT_OK; k++) {
        schema_column *c;
        if ((rc = ensure_column(x, t, names[k], &c)) != CDLT_OK)
            break;
        c->type = DT_TIMESTAMP;
        c->nullable = true;
        buf_clear(&m);
        buf_puts(&m, k ? "\"x-valid-to\":true,\"x-active-record-timestamp\":"
                       : "\"x-valid-from\":true");
        if (k) {
            if (r->scd2_active)
                json_write_string(&m, r->scd2_active, strlen(r->scd2_active), 0);
            else
                buf_puts(&m, "null");
        }
        if (!jv_get(&c->extra, k ? "x-valid-to" : "x-valid-from"))
            rc = add_extra(x, &c->extra, m.data);
    }
    schema_column *rv;
    if (rc == CDLT_OK &&
        (rc = ensure_column(x, t, r->scd2_row_version ? r->scd2_row_version : "_dlt_id", &rv)) ==
            CDLT_OK) {
        rv->nullable = false;
        if (!r->scd2_row_version)
            rv->type = DT_TEXT;
        rv->hints &= ~(HINT_UNIQUE | HINT_ROW_KEY);
        if (!jv_get(&rv->extra, "x-row-version"))
            rc = add_extra(x, &rv->extra, "\"x-row-version\":true");
    }
    if (rc == CDLT_OK && r->scd2_boundary) {
        buf_clear(&m);
        buf_puts(&m, "\"x-boundary-timestamp\":");
        json_write_string(&m, r->scd2_boundary, strlen(r->scd2_boundary), 0);
        rc = add_extra(x, &t->extra, m.data);
    }
    buf_free(&m);
    return rc == CDLT_NOMEM ? err_nomem(x->err) : rc;
}

/* Two references map the same columns to the same referenced columns (dlt's
 * compare_table_references: the pairs, not their order). */
static bool same_reference(const jv *a, const jv *b)
{
    const jv *ac = jv_get(a, "columns"), *ar = jv_get(a, "referenced_columns");
    const jv *bc = jv_get(b, "columns"), *br = jv_get(b, "referenced_columns");
    if (!ac || !ar || !bc || !br || ac->type != JV_ARRAY || ar->type != JV_ARRAY ||
        bc->type != JV_ARRAY || br->type != JV_ARRAY || ac->len != bc->len)
        return false;
    for (uint32_t i = 0; i < ac->len && i < ar->len; i++) {
        bool found = false;
        for (uint32_t k = 0; k < bc->len && k < br->len && !found; k++)
            found = jv_equal(&ac->u.items[i], &bc->u.items[k]) &&
                    jv_equal(&ar->u.items[i], &br->u.items[k]);
        if (!found)
            return false;
    }
    return true;
}

static void put_ident_list(xctx *x, const jv *list, buf *nb, buf *out, bool *bad)
{
    buf_putc(out, '[');
    for (uint32_t i = 0; list && list->type == JV_ARRAY && i < list->len; i++) {
        const jv *c = &list->u.items[i];
        if (c->type != JV_STRING ||
            naming_path(&x->s->naming, c->u.s, c->len, nb) != CDLT_OK) {
            *bad = true;
            return;
        }
        if (i)
            buf_putc(out, ',');
        json_write_string(out, nb->data, nb->len, 0);
    }
    buf_putc(out, ']');
}

/* dlt's `references` hint on a root table: names normalized as dlt's
 * normalize_table_identifiers does (two references to one table after normalization: the last
 * wins), then merged into the table's references by referenced table (a new or changed one
 * replaces the stored one in place, others are kept). */
static cdlt_status references_hint(xctx *x, cdlt_resource *r, schema_table *t)
{
    arena a;
    arena_init(&a, 4096, 0);
    jv add;
    cdlt_status rc = json_parse(r->references, strlen(r->references), &a, NULL, &add, x->err);
    buf nb = BUF_INIT, one = BUF_INIT, out = BUF_INIT;
    /* normalized references, by referenced table */
    const char **names = NULL;
    jv *refs = NULL;
    uint32_t n = 0;
    bool bad = rc != CDLT_OK || add.type != JV_ARRAY;
    if (!bad) {
        names = arena_alloc(&a, (add.len + 1) * sizeof *names);
        refs = arena_alloc(&a, (add.len + 1) * sizeof *refs);
        bad = !names || !refs;
    }
    for (uint32_t i = 0; !bad && i < add.len; i++) {
        const jv *ref = &add.u.items[i];
        const jv *rt = jv_get(ref, "referenced_table");
        if (!rt || rt->type != JV_STRING ||
            naming_tables_path(&x->s->naming, rt->u.s, rt->len, &nb) != CDLT_OK) {
            bad = true;
            break;
        }
        buf_clear(&one);
        buf_puts(&one, "{\"referenced_table\":");
        json_write_string(&one, nb.data, nb.len, 0);
        char *tname = arena_strndup(&a, nb.data, nb.len);
        buf_puts(&one, ",\"referenced_columns\":");
        put_ident_list(x, jv_get(ref, "referenced_columns"), &nb, &one, &bad);
        buf_puts(&one, ",\"columns\":");
        put_ident_list(x, jv_get(ref, "columns"), &nb, &one, &bad);
        buf_putc(&one, '}');
        jv v;
        if (bad || !tname || one.status ||
            json_parse(one.data, one.len, &a, NULL, &v, x->err) != CDLT_OK) {
            bad = true;
            break;
        }
        uint32_t k = 0;
        while (k < n && strcmp(names[k], tname) != 0)
            k++;
        names[k] = tname;
        refs[k] = v;
        if (k == n)
            n++;
    }
    /* merge into the stored ones */
    const jv *old = jv_get(&t->extra, "references");
    bool changed = false;
    buf_putc(&out, '[');
    bool first = true;
    bool *used = bad ? NULL : arena_alloc_zero(&a, (n + 1) * sizeof *used);
    bad = bad || !used;
    for (uint32_t i = 0; !bad && old && old->type == JV_ARRAY && i < old->len; i++) {
        const jv *o = &old->u.items[i];
        const jv *rt = jv_get(o, "referenced_table");
        const jv *w = o;
        for (uint32_t k = 0; rt && rt->type == JV_STRING && k < n; k++)
            if (strcmp(names[k], rt->u.s) == 0) {
                used[k] = true;
                if (!same_reference(o, &refs[k])) {
                    w = &refs[k];
                    changed = true;
                }
            }
        if (!first)
            buf_putc(&out, ',');
        first = false;
        json_write(&out, w, 0);
    }
    for (uint32_t k = 0; !bad && k < n; k++) {
        if (used[k])
            continue;
        changed = true;
        if (!first)
            buf_putc(&out, ',');
        first = false;
        json_write(&out, &refs[k], 0);
    }
    buf_putc(&out, ']');
    if (bad && rc == CDLT_OK)
        rc = nb.status || one.status ? err_nomem(x->err)
                                     : err_set(x->err, CDLT_INVALID_ARG,
                                               "resource '%s': its references hint is not a list "
                                               "of {referenced_table, columns, "
                                               "referenced_columns}", r->name);
    if (rc == CDLT_OK && changed) {
        buf m = BUF_INIT;
        buf_puts(&m, "\"references\":");
        buf_append(&m, out.data, out.len);
        rc = m.status || out.status ? CDLT_NOMEM : add_extra(x, &t->extra, m.data);
        buf_free(&m);
        if (rc == CDLT_NOMEM)
            rc = err_nomem(x->err);
    }
    buf_free(&nb);
    buf_free(&one);
    buf_free(&out);
    arena_free(&a);
    return rc;
}

static cdlt_status apply_hints(xctx *x, cdlt_resource *r, schema_table *t)
{
    if (r->wd != WD_UNSET)
        t->disposition = r->wd;
    else if (t->disposition == WD_UNSET)
        t->disposition = WD_APPEND;
    if (r->strategy != MS_UNSET)
        t->strategy = r->strategy;
    if (r->strategy == MS_SCD2 && !t->parent && t->disposition == WD_MERGE) {
        cdlt_status rc = scd2_hints(x, r, t);
        if (rc != CDLT_OK)
            return rc;
    }
    /* as dlt: only a true `deduplicated` is written, a false one leaves the schema as it is */
    if (r->stage_deduplicated && !t->parent) {
        cdlt_status rc = add_extra(x, &t->extra, "\"x-stage-data-deduplicated\":true");
        if (rc != CDLT_OK)
            return rc == CDLT_NOMEM ? err_nomem(x->err) : rc;
    }
    if (r->references && !t->parent) {
        cdlt_status rc = references_hint(x, r, t);
        if (rc != CDLT_OK)
            return rc;
    }
    if (!t->resource || strcmp(t->resource, r->name) != 0) {
        char *rn = arena_strndup(&x->s->mem, r->name, strlen(r->name));
        if (!rn)
            return err_nomem(x->err);
        t->resource = rn;
    }
    if (r->max_nesting >= 0)
        t->max_nesting = r->max_nesting;
    if (r->contract.tables)
        t->contract.tables = r->contract.tables;
    if (r->contract.columns)
        t->contract.columns = r->contract.columns;
    if (r->contract.data_type)
        t->contract.data_type = r->contract.data_type;
    for (size_t i = 0; i < r->ncols; i++) {
        schema_column *c;
        cdlt_status rc = ensure_column(x, t, r->cols[i].name, &c);
        if (rc != CDLT_OK)
            return rc;
        if (r->cols[i].type)
            c->type = dtype_parse(r->cols[i].type, strlen(r->cols[i].type));
        c->nullable = r->cols[i].nullable;
        c->hints |= r->cols[i].hints;
        if (r->cols[i].dedup_sort)
            c->dedup_sort = r->cols[i].dedup_sort;
        if (r->cols[i].timezone >= 0)
            c->timezone = r->cols[i].timezone;
        if (r->cols[i].precision >= 0)
            c->precision = r->cols[i].precision;
        if (r->cols[i].scale >= 0)
            c->scale = r->cols[i].scale;
        if (r->cols[i].hints & HINT_PRIMARY_KEY)
            c->nullable = false;
        if (r->cols[i].value_type && c->type == DT_NONE) {
            char m[64];
            snprintf(m, sizeof m, "\"" SCHEMA_X_VALUE_TYPE "\":\"%s\"",
                     dtype_name((dtype)r->cols[i].value_type));
            if ((rc = add_extra(x, &c->extra, m)) != CDLT_OK)
                return rc == CDLT_NOMEM ? err_nomem(x->err) : rc;
        }
    }
    /* dlt marks the root table's cursor column (a cursor path naming one column) */
    for (size_t i = 0; !t->parent && x->ems && i < x->src->n; i++) {
        const char *cc = x->ems[i].r == r && x->ems[i].inc ? incr_cursor_column(x->ems[i].inc)
                                                            : NULL;
        schema_column *c;
        if (cc) {
            cdlt_status rc = ensure_column(x, t, cc, &c);
            if (rc != CDLT_OK)
                return rc;
            c->hints |= HINT_INCREMENTAL;
        }
    }
    for (size_t i = 0; i < r->npk; i++) {
        schema_column *c;
        cdlt_status rc = ensure_column(x, t, r->pk[i], &c);
        if (rc != CDLT_OK)
            return rc;
        c->hints |= HINT_PRIMARY_KEY;
        c->nullable = false;
    }
    for (size_t i = 0; i < r->nmk; i++) {
        schema_column *c;
        cdlt_status rc = ensure_column(x, t, r->mk[i], &c);
        if (rc != CDLT_OK)
            return rc;
        c->hints |= HINT_MERGE_KEY;
    }
    return CDLT_OK;
}

/* The table entry for a raw table name: normalized, hinted, file opened on first use. */
static cdlt_status get_table(xctx *x, cdlt_resource *r, const char *raw, size_t rawlen,
                             xtable **out)
{
    xtable *xt = map_get(&x->tables, raw, rawlen);
    if (xt) {
        *out = xt;
        return CDLT_OK;
    }
    cdlt_status rc = naming_table_identifier(&x->s->naming, raw, rawlen, &x->nbuf);
    if (rc != CDLT_OK)
        return err_nomem(x->err);
    if (x->nbuf.len == 0 || x->nbuf.len >= 200)
        return err_set(x->err, CDLT_INVALID_ARG, "resource '%s': invalid table name '%.*s'",
                       r->name, (int)rawlen, raw);
    xt = arena_alloc_zero(&x->names, sizeof *xt);
    char *key = arena_strndup(&x->names, raw, rawlen);
    if (!xt || !key || !(xt->name = arena_strndup(&x->names, x->nbuf.data, x->nbuf.len)))
        return err_nomem(x->err);
    /* two raw names may normalize to one table: share its file */
    for (size_t i = 0; i < x->tables.capacity; i++) {
        map_entry *e = &x->tables.slots[i];
        if (e->key && strcmp(((xtable *)e->value)->name, xt->name) == 0) {
            if (map_put(&x->tables, key, rawlen, e->value) != CDLT_OK)
                return err_nomem(x->err);
            *out = e->value;
            return CDLT_OK;
        }
    }
    schema_table *t = NULL;
    rc = schema_add_table(x->s, xt->name, NULL, &t, x->err);
    if (rc == CDLT_OK)
        rc = apply_hints(x, r, t);
    if (rc != CDLT_OK)
        return rc;
    xt->stat = info_table(x->p->cur, xt->name);
    if (map_put(&x->tables, key, rawlen, xt) != CDLT_OK)
        return err_nomem(x->err);
    rc = add_touched(x, xt->name);
    if (rc != CDLT_OK)
        return err_nomem(x->err);
    *out = xt;
    return CDLT_OK;
}

/* Job file ids ascend within a package (from a random start, as dlt's are random): a table's
 * files then sort in the order extract wrote them, which normalize follows. */
static void next_file_id(xctx *x, char out[11])
{
    if (x->next_fid == 0) {
        char fid[11];
        store_new_file_id(fid);
        x->next_fid = (strtoull(fid, NULL, 16) & ((1ull << 39) - 1)) | 1; /* room to ascend */
    }
    snprintf(out, 11, "%010llx", (unsigned long long)(x->next_fid++ & ((1ull << 40) - 1)));
}

/* The table's items file, opened by its first item (verbatim copies have their own files):
 * JSON lines, or binary items (PIPE_BIN_ITEMS_EXT) for resources that ask for them. */
static cdlt_status open_table_file(xctx *x, xtable *xt, bool bin, bool kinds)
{
    char fid[11];
    next_file_id(x, fid);
    buf path = BUF_INIT;
    buf_printf(&path, "%s/%s/%s.%s.0.%s", x->pkgdir.data, STORE_NEW_JOBS, xt->name, fid,
               bin ? PIPE_BIN_ITEMS_EXT : "jsonl");
    cdlt_status rc = path.status ? err_nomem(x->err) : store_file_open(&xt->f, path.data, x->err);
    buf_free(&path);
    if (rc == CDLT_OK && bin) {
        if (!xt->enc && jvb_enc_new(&xt->enc) != CDLT_OK)
            rc = err_nomem(x->err);
        jvb_enc_reset(xt->enc);
        if (rc == CDLT_OK)
            jvb_enc_keep_kinds(xt->enc, kinds);
        if (rc == CDLT_OK)
            rc = store_file_write(&xt->f, JVB_MAGIC, sizeof JVB_MAGIC, x->err);
        if (rc != CDLT_OK)
            store_file_abort(&xt->f);
    }
    xt->open = rc == CDLT_OK;
    xt->bin = bin;
    return rc;
}

/* Close the table's items file (the next item opens one with a later id) and hand it to the
 * normalize-ahead thread, started by the first such file with the schema as it is now. */
/* The normalize-ahead thread, started by the first file it gets with the schema as it is
 * now; NULL when it cannot start. */
static pipe_ahead *ahead_thread(xctx *x)
{
    if (!x->ahead) {
        x->ahead = pipe_ahead_start(x->p, x->load_id, x->s);
        if (!x->ahead)
            x->rotate_bytes = 0; /* no thread: one file per table, as without overlap */
    }
    return x->ahead;
}

static cdlt_status rotate_file(xctx *x, xtable *xt)
{
    char *path = mem_strdup(xt->f.path);
    xt->open = false;
    cdlt_status rc = path ? store_file_close(&xt->f, x->err) : err_nomem(x->err);
    if (rc == CDLT_OK && ahead_thread(x))
        pipe_ahead_push(x->ahead, x->s, xt->name, path);
    mem_free(path);
    if (x->p->rotate_sleep_ms)
        usleep(x->p->rotate_sleep_ms * 1000u);
    return rc;
}

static cdlt_status ensure_text(cdlt_emitter *em, const jv *v, const char **text, size_t *len)
{
    if (*text)
        return CDLT_OK;
    buf_clear(&em->text);
    if (json_write(&em->text, v, 0) != CDLT_OK)
        return err_nomem(em->x->err);
    *text = em->text.data;
    *len = em->text.len;
    return CDLT_OK;
}

/* Write one item (not a page) to its table. */
static cdlt_status write_item(cdlt_emitter *em, const jv *v, const char *text, size_t len)
{
    xctx *x = em->x;
    cdlt_resource *r = em->r;
    const char *raw = r->table_name ? r->table_name : r->name;
    size_t rawlen = strlen(raw);
    buf tn = BUF_INIT;
    if (r->table_fn) {
        cdlt_status rc = ensure_text(em, v, &text, &len);
        if (rc != CDLT_OK)
            return rc;
        cdlt_text out = {&tn, false};
        rc = r->table_fn(text, len, &out, r->table_ud);
        if (rc != CDLT_OK || !out.set || tn.len == 0) {
            buf_free(&tn);
            err_set(x->err, rc != CDLT_OK ? rc : CDLT_SOURCE,
                    "resource '%s': the table name function %s", r->name,
                    rc != CDLT_OK ? "failed" : "returned no name");
            err_set_resource(x->err, r->name);
            return x->err ? x->err->code : CDLT_SOURCE;
        }
        raw = tn.data;
        rawlen = tn.len;
    }
    xtable *xt = NULL;
    cdlt_status rc = get_table(x, r, raw, rawlen, &xt);
    buf_free(&tn);
    /* typed rows of internal sources go binary (no JSON text round trip); a table written
     * both ways gets a new file at each switch */
    bool bin = r->binary_items && v;
    if (rc == CDLT_OK && xt->open && xt->bin != bin) {
        if (x->rotate_bytes) {
            rc = rotate_file(x, xt);
        } else {
            xt->open = false;
            rc = store_file_close(&xt->f, x->err);
        }
    }
    if (rc == CDLT_OK && !xt->open)
        rc = open_table_file(x, xt, bin, r->typed_kinds);
    if (rc != CDLT_OK)
        return rc;
    buf_clear(&x->line);
    if (bin) {
        cdlt_status erc = jvb_encode(xt->enc, v, &x->line);
        if (erc == CDLT_PARSE) {
            err_set(x->err, CDLT_PARSE, "resource '%s': item %llu of table '%s' holds text "
                    "that is not valid UTF-8", r->name, (unsigned long long)xt->items + 1,
                    xt->name);
            err_set_resource(x->err, r->name);
            return err_hint(x->err, "store the column as a binary type, or convert it to "
                                    "UTF-8 in the source (e.g. with a `where`/view)");
        }
        if (erc != CDLT_OK)
            return err_nomem(x->err);
    } else if (text && (!v || !memchr(text, '\n', len))) {
        /* the item's own single-line text (NDJSON input) is stored as is: no JSON write */
        buf_append(&x->line, text, len);
        buf_putc(&x->line, '\n');
    } else {
        json_write(&x->line, v, 0);
        buf_putc(&x->line, '\n');
    }
    if (x->line.status)
        return err_nomem(x->err);
    rc = store_file_write(&xt->f, x->line.data, x->line.len, x->err);
    if (rc == CDLT_OK && x->rotate_bytes && xt->f.bytes >= x->rotate_bytes)
        rc = rotate_file(x, xt);
    if (rc != CDLT_OK)
        return rc;
    xt->items++;
    x->items++;
    if (xt->stat)
        xt->stat->items++;
    if (x->p->cur)
        x->p->cur->items++;
    progress_tick(&x->p->progress, em->bytes_done);
    return CDLT_OK;
}

/* Steps then table for one item; *kept_text gets its final text when children need it. */
static cdlt_status process_one(cdlt_emitter *em, const jv *v, const char *text, size_t len,
                               bool want_text, bool *kept, buf *kept_text)
{
    xctx *x = em->x;
    cdlt_resource *r = em->r;
    *kept = false;
    buf mapped = BUF_INIT;
    jv parsed;
    bool remapped = false;
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; i < r->nsteps; i++) {
        if ((rc = ensure_text(em, v, &text, &len)) != CDLT_OK)
            break;
        pipe_step *s = &r->steps[i];
        if (s->kind == STEP_FILTER) {
            if (!s->filter(text, len, s->ud)) {
                buf_free(&mapped);
                return CDLT_OK;
            }
            continue;
        }
        buf next = BUF_INIT;
        cdlt_text out = {&next, false};
        rc = s->map(text, len, &out, s->ud);
        if (rc != CDLT_OK) {
            buf_free(&next);
            err_set(x->err, rc, "resource '%s': map step %zu failed", r->name, i + 1);
            err_set_resource(x->err, r->name);
            break;
        }
        if (out.set) {
            buf_free(&mapped);
            mapped = next;
            text = mapped.data ? mapped.data : "";
            len = mapped.len;
            v = NULL;
            remapped = true;
        } else {
            buf_free(&next);
        }
    }
    if (rc == CDLT_OK && remapped) {
        rc = json_parse(text, len, &em->mem, NULL, &parsed, x->err);
        if (rc != CDLT_OK)
            err_prefix(x->err, "resource '%s': a map step returned invalid JSON: ", r->name);
        v = &parsed;
    }
    /* the cursor sees the item after the map/filter steps, as in dlt (steps weigh 0, the
     * incremental step 1: a map can fix up a cursor field) */
    if (rc == CDLT_OK && em->inc) {
        if (!v) {
            rc = json_parse(text, len, &em->mem, NULL, &parsed, x->err);
            v = &parsed;
        }
        bool keep = false;
        if (rc == CDLT_OK)
            rc = incr_filter(em->inc, v, &keep, x->err);
        /* row_order: past the window on the side the data walks to, nothing later can be in
         * it; the resource stops there as dlt closes it (the rest of a page is still read) */
        if (rc == CDLT_OK && !keep && !r->tfn && !r->incr_keep_open && incr_can_close(em->inc))
            em->stopped = true;
        if (rc == CDLT_OK && !keep) {
            buf_free(&mapped);
            return CDLT_OK;
        }
    }
    if (rc == CDLT_OK && r->selected)
        rc = write_item(em, v, text, len);
    if (rc == CDLT_OK && want_text) {
        rc = ensure_text(em, v, &text, &len);
        if (rc == CDLT_OK && buf_append(kept_text, text, len) != CDLT_OK)
            rc = err_nomem(x->err);
    }
    if (rc == CDLT_OK)
        *kept = true;
    buf_free(&mapped);
    return rc;
}

static cdlt_status run_transformer(xctx *x, size_t idx, const char *item, size_t len);

static bool has_children(xctx *x, const cdlt_resource *r)
{
    for (size_t i = 0; i < x->src->n; i++)
        if (x->src->res[i]->parent == r && x->ems[i].needed)
            return true;
    return false;
}

static cdlt_status emit_value(cdlt_emitter *em, const jv *v, const char *text, size_t len)
{
    xctx *x = em->x;
    cdlt_resource *r = em->r;
    if (em->stopped)
        return CDLT_INTERRUPTED;
    bool limited = !r->tfn;
    if (limited && r->limit_items == 0) {
        em->stopped = true;
        return CDLT_INTERRUPTED;
    }
    bool children = has_children(x, r);
    cdlt_status rc = CDLT_OK;
    buf_clear(&em->page);
    if (v && v->type == JV_ARRAY) {
        /* a page: steps and tables see items one by one; children get the page */
        if (children)
            buf_putc(&em->page, '[');
        bool any = false;
        for (uint32_t i = 0; rc == CDLT_OK && i < v->len; i++) {
            bool kept = false;
            size_t mark = em->page.len;
            if (children && any)
                buf_putc(&em->page, ',');
            rc = process_one(em, &v->u.items[i], NULL, 0, children, &kept, &em->page);
            if (kept)
                any = true;
            else if (children)
                em->page.len = mark;
        }
        if (children)
            buf_putc(&em->page, ']');
    } else {
        bool kept = false;
        rc = process_one(em, v, text, len, children, &kept, &em->page);
        if (rc == CDLT_OK && !kept)
            children = false;
    }
    if (rc == CDLT_OK && children) {
        if (em->page.status)
            rc = err_nomem(x->err);
        size_t idx = (size_t)(em - x->ems);
        (void)idx;
        for (size_t i = 0; rc == CDLT_OK && i < x->src->n; i++)
            if (x->src->res[i]->parent == r && x->ems[i].needed)
                rc = run_transformer(x, i, em->page.data, em->page.len);
    }
    em->emitted++;
    if (limited && r->limit_items > 0 && em->emitted >= r->limit_items)
        em->stopped = true;
    if (limited && r->limit_seconds > 0 && time_monotonic() - em->t0 > r->limit_seconds)
        em->stopped = true;
    return rc;
}

cdlt_status pipe_emit_jv(cdlt_emitter *em, const jv *v, const char *text, size_t len)
{
    cdlt_status rc = emit_value(em, v, text, len);
    arena_reset(&em->mem);
    return rc;
}

cdlt_status cdlt_emit_json(cdlt_emitter *em, const char *json, size_t len)
{
    if (!em || !json)
        return CDLT_INVALID_ARG;
    if (em->stopped)
        return CDLT_INTERRUPTED;
    jv v;
    cdlt_status rc = json_parse(json, len, &em->mem, NULL, &v, em->x->err);
    if (rc != CDLT_OK) {
        err_prefix(em->x->err, "resource '%s' emitted invalid JSON: ", em->r->name);
        err_set_resource(em->x->err, em->r->name);
        arena_reset(&em->mem);
        return rc;
    }
    rc = emit_value(em, &v, json, len);
    arena_reset(&em->mem);
    return rc;
}

/* ---- row builder: JSON text written straight into the emitter's buffer ---- */

void cdlt_emit_begin(cdlt_emitter *em)
{
    if (!em)
        return;
    buf_clear(&em->row);
    em->row.status = CDLT_OK;
    buf_putc(&em->row, '{');
    em->row_depth = 1;
    em->row_first = true;
}

static bool row_field(cdlt_emitter *em, const char *key)
{
    if (!em || em->row_depth <= 0)
        return false;
    if (!em->row_first)
        buf_putc(&em->row, ',');
    em->row_first = false;
    if (key) {
        json_write_string(&em->row, key, strlen(key), 0);
        buf_putc(&em->row, ':');
    }
    return true;
}

void cdlt_emit_str(cdlt_emitter *em, const char *key, const char *value, size_t len)
{
    if (row_field(em, key))
        json_write_string(&em->row, value ? value : "", value ? len : 0, 0);
}

void cdlt_emit_int(cdlt_emitter *em, const char *key, int64_t value)
{
    if (row_field(em, key))
        buf_printf(&em->row, "%lld", (long long)value);
}

void cdlt_emit_double(cdlt_emitter *em, const char *key, double value)
{
    if (!row_field(em, key))
        return;
    jv v = jv_double(value);
    json_write(&em->row, &v, 0); /* NaN/Inf become null, as in JSON */
}

void cdlt_emit_bool(cdlt_emitter *em, const char *key, bool value)
{
    if (row_field(em, key))
        buf_puts(&em->row, value ? "true" : "false");
}

void cdlt_emit_null(cdlt_emitter *em, const char *key)
{
    if (row_field(em, key))
        buf_puts(&em->row, "null");
}

static void row_open(cdlt_emitter *em, const char *key, char c)
{
    if (!row_field(em, key))
        return;
    buf_putc(&em->row, c);
    em->row_depth++;
    em->row_first = true;
}

static void row_close(cdlt_emitter *em, char c)
{
    if (!em || em->row_depth <= 1) {
        if (em)
            em->row_depth = -1;
        return;
    }
    buf_putc(&em->row, c);
    em->row_depth--;
    em->row_first = false;
}

void cdlt_emit_object_begin(cdlt_emitter *em, const char *key) { row_open(em, key, '{'); }
void cdlt_emit_object_end(cdlt_emitter *em) { row_close(em, '}'); }
void cdlt_emit_array_begin(cdlt_emitter *em, const char *key) { row_open(em, key, '['); }
void cdlt_emit_array_end(cdlt_emitter *em) { row_close(em, ']'); }

cdlt_status cdlt_emit_end(cdlt_emitter *em)
{
    if (!em)
        return CDLT_INVALID_ARG;
    if (em->row_depth != 1) {
        em->row_depth = 0;
        return CDLT_INVALID_ARG;
    }
    em->row_depth = 0;
    buf_putc(&em->row, '}');
    if (em->row.status != CDLT_OK)
        return em->row.status;
    return cdlt_emit_json(em, em->row.data, em->row.len);
}

/* Callback outcome: INTERRUPTED after a limit is a normal end; else the callback's status
 * (with the emitter's recorded error when it just passed ours through). */
static cdlt_status finish_callback(cdlt_emitter *em, cdlt_status rc)
{
    xctx *x = em->x;
    if (rc == CDLT_OK || (rc == CDLT_INTERRUPTED && em->stopped))
        return CDLT_OK;
    if (x->err && x->err->code != CDLT_OK)
        return x->err->code;
    err_set(x->err, rc, "resource '%s' failed: %s", em->r->name, cdlt_strerror(rc));
    err_set_resource(x->err, em->r->name);
    return rc;
}

static cdlt_status run_transformer(xctx *x, size_t idx, const char *item, size_t len)
{
    cdlt_emitter *em = &x->ems[idx];
    cdlt_resource *r = em->r;
    cdlt_status rc = r->tfn(em, item, len, r->ud);
    return finish_callback(em, rc);
}

static bool needed(const cdlt_source *src, const cdlt_resource *r, int depth)
{
    if (r->selected)
        return true;
    if (depth > 64)
        return false;
    for (size_t i = 0; i < src->n; i++)
        if (src->res[i]->parent == r && needed(src, src->res[i], depth + 1))
            return true;
    return false;
}

/* ---- refresh: tables of resources, schema surgery ---- */

static bool table_of_resources(const schema *s, const schema_table *t, const strv *names)
{
    const schema_table *root = schema_root_table(s, t);
    return root && strv_has(names, root->resource ? root->resource : root->name);
}

/* JSON text array of names. */
static void put_names(buf *b, const strv *names)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < names->n; i++) {
        if (i)
            buf_putc(b, ',');
        json_write_string(b, names->v[i], strlen(names->v[i]), 0);
    }
    buf_putc(b, ']');
}

/* A copy of s without the named tables (schema.h has no remove: round trip the document). */
static cdlt_status schema_without(schema *s, const strv *drop, schema **out,
                                  cdlt_error *err)
{
    *out = NULL;
    buf b = BUF_INIT;
    cdlt_status rc = schema_to_json(s, false, &b);
    arena a;
    arena_init(&a, 65536, 0);
    jv doc;
    if (rc == CDLT_OK)
        rc = json_parse(b.data, b.len, &a, NULL, &doc, err);
    if (rc == CDLT_OK) {
        jv *tables = (jv *)jv_get(&doc, "tables");
        if (tables && tables->type == JV_OBJECT) {
            uint32_t w = 0;
            for (uint32_t i = 0; i < tables->len; i++) {
                if (!strv_has(drop, tables->u.members[i].key))
                    tables->u.members[w++] = tables->u.members[i];
            }
            tables->len = w;
        }
        rc = schema_from_jv(&doc, out, err);
    }
    arena_free(&a);
    buf_free(&b);
    return rc;
}

/* ---- the phase ---- */

static cdlt_status add_state_table(xctx *x, schema_table **out)
{
    static const struct {
        const char *name;
        dtype type;
        bool nullable;
    } cols[] = {{"version", DT_BIGINT, false},       {"engine_version", DT_BIGINT, false},
                {"pipeline_name", DT_TEXT, false},   {"state", DT_TEXT, false},
                {"created_at", DT_TIMESTAMP, false}, {"version_hash", DT_TEXT, true},
                {"_dlt_load_id", DT_TEXT, false},    {"_dlt_id", DT_TEXT, false}};
    schema_table *t = NULL;
    cdlt_status rc = schema_add_table(x->s, "_dlt_pipeline_state", NULL, &t, x->err);
    if (rc != CDLT_OK)
        return rc;
    t->disposition = WD_APPEND;
    /* as dlt's pipeline_state_table(): always the destination's preferred file format */
    if (!t->file_format)
        t->file_format = "preferred"; /* schema strings are never freed one by one */
    for (size_t i = 0; i < CDLT_ARRAY_LEN(cols); i++) {
        if (table_get_column(t, cols[i].name, strlen(cols[i].name)))
            continue;
        schema_column c;
        memset(&c, 0, sizeof c);
        c.name = cols[i].name;
        c.name_len = (uint32_t)strlen(cols[i].name);
        c.type = cols[i].type;
        c.nullable = cols[i].nullable;
        c.timezone = -1;
        /* dlt declares load ids varchar(64) (dlt_load_id_column) */
        c.precision = strcmp(cols[i].name, "_dlt_load_id") == 0 ? 64 : -1;
        c.scale = -1;
        c.extra = jv_null();
        if (strcmp(cols[i].name, "_dlt_id") == 0)
            c.hints = HINT_UNIQUE | HINT_ROW_KEY;
        rc = table_add_column(x->s, t, &c, NULL, x->err);
        if (rc != CDLT_OK)
            return rc;
    }
    *out = t;
    return CDLT_OK;
}

/* The _dlt_pipeline_state item for this package (core.md §4). */
static cdlt_status write_state_row(xctx *x)
{
    pipe_state *st = &x->p->state;
    schema_table *t;
    cdlt_status rc = add_state_table(x, &t);
    if (rc != CDLT_OK)
        return rc;
    buf doc = BUF_INIT, enc = BUF_INIT, item = BUF_INIT, ts = BUF_INIT;
    rc = state_to_json(st, false, false, &doc);
    if (rc == CDLT_OK)
        rc = dest_compress_b64(doc.data, doc.len, &enc);
    if (rc == CDLT_OK)
        rc = types_fmt_timestamp((int64_t)(time_unix() * 1e6), false, &ts);
    if (rc == CDLT_OK) {
        buf_printf(&item, "{\"version\":%lld,\"engine_version\":%d,\"pipeline_name\":",
                   (long long)st->version, PIPE_STATE_ENGINE_VERSION);
        json_write_string(&item, st->pipeline_name, strlen(st->pipeline_name), 0);
        buf_puts(&item, ",\"state\":");
        json_write_string(&item, enc.data, enc.len, 0);
        buf_puts(&item, ",\"created_at\":");
        json_write_string(&item, ts.data, ts.len, 0);
        buf_puts(&item, ",\"version_hash\":");
        json_write_string(&item, st->version_hash, strlen(st->version_hash), 0);
        buf_puts(&item, "}\n");
        rc = item.status;
    }
    if (rc == CDLT_OK) {
        char fid[11];
        store_new_file_id(fid);
        buf path = BUF_INIT;
        buf_printf(&path, "%s/%s/_dlt_pipeline_state.%s.0.jsonl", x->pkgdir.data,
                   STORE_NEW_JOBS, fid);
        store_file f;
        rc = path.status ? CDLT_NOMEM : store_file_open(&f, path.data, x->err);
        if (rc == CDLT_OK) {
            rc = store_file_write(&f, item.data, item.len, x->err);
            if (rc == CDLT_OK)
                rc = store_file_close(&f, x->err);
            else
                store_file_abort(&f);
        }
        buf_free(&path);
    }
    if (rc == CDLT_NOMEM)
        err_nomem(x->err);
    else if (rc != CDLT_OK && x->err && x->err->code == CDLT_OK)
        err_set(x->err, rc, "cannot write the pipeline state row");
    buf_free(&doc);
    buf_free(&enc);
    buf_free(&item);
    buf_free(&ts);
    return rc;
}

static cdlt_status write_package_state(xctx *x, const strv *dropped, const strv *truncated)
{
    buf b = BUF_INIT, path = BUF_INIT;
    char ts[40];
    json_fmt_double(time_unix(), ts);
    buf_printf(&b, "{\"_state_version\":1,\"_state_engine_version\":1,\"created_at\":%s,"
                   "\"load_id\":\"%s\",\"schema_name\":",
               ts, x->load_id);
    json_write_string(&b, x->s->name, strlen(x->s->name), 0);
    buf_puts(&b, ",\"pipeline_state\":");
    state_to_json(&x->p->state, false, false, &b);
    buf_puts(&b, ",\"tables\":");
    put_names(&b, &x->touched);
    buf_puts(&b, ",\"dropped_tables\":");
    put_names(&b, dropped);
    buf_puts(&b, ",\"truncated_tables\":");
    put_names(&b, truncated);
    buf_puts(&b, "}");
    store_path(&path, x->pkgdir.data, "load_package_state.json", NULL);
    cdlt_status rc = b.status || path.status
                         ? err_nomem(x->err)
                         : store_write_atomic(path.data, b.data, b.len, x->err);
    buf_free(&b);
    buf_free(&path);
    return rc;
}

static void xctx_free(xctx *x)
{
    for (size_t i = 0; i < x->tables.capacity; i++) {
        map_entry *e = &x->tables.slots[i];
        if (e->key && ((xtable *)e->value)->open) {
            store_file_abort(&((xtable *)e->value)->f);
            ((xtable *)e->value)->open = false;
        }
    }
    /* two raw names may share one xtable: free each encoder once */
    for (size_t i = 0; i < x->tables.capacity; i++) {
        map_entry *e = &x->tables.slots[i];
        xtable *xt = e->key ? e->value : NULL;
        if (xt && xt->enc) {
            jvb_enc_free(xt->enc);
            xt->enc = NULL;
        }
    }
    if (x->ems) {
        for (size_t i = 0; i < x->src->n; i++) {
            arena_free(&x->ems[i].mem);
            buf_free(&x->ems[i].text);
            buf_free(&x->ems[i].page);
            buf_free(&x->ems[i].row);
            incr_free(x->ems[i].inc);
        }
        mem_free(x->ems);
    }
    map_free(&x->tables);
    arena_free(&x->names);
    buf_free(&x->pkgdir);
    buf_free(&x->line);
    buf_free(&x->nbuf);
    buf_free(&x->vb);
    strv_free(&x->touched);
    schema_free(x->s);
}

void pipe_reload_state(cdlt_pipeline *p)
{
    buf sp = BUF_INIT;
    if (pipe_path(p, &sp, "state.json", NULL) == CDLT_OK && store_exists(sp.data)) {
        pipe_state fresh;
        if (state_load(sp.data, &fresh, NULL) == CDLT_OK) {
            /* keep this open's settings (dataset, destination) */
            char *ds = p->state.dataset_name, *loc = p->state.location;
            p->state.dataset_name = NULL;
            p->state.location = NULL;
            state_free(&p->state);
            p->state = fresh;
            mem_free(p->state.dataset_name);
            p->state.dataset_name = ds;
            if (loc) {
                mem_free(p->state.location);
                p->state.location = loc;
            }
        }
    }
    buf_free(&sp);
}

/* Copy `from` into the package as `name` when it exists (the pipeline's files before this
 * extract, for a discard by normalize). */
static cdlt_status keep_copy(xctx *x, const char *from, const char *name)
{
    if (!store_exists(from))
        return CDLT_OK;
    buf to = BUF_INIT;
    cdlt_status rc = store_path(&to, x->pkgdir.data, name, NULL) != CDLT_OK
                         ? err_nomem(x->err)
                         : store_copy_small(from, to.data, x->err);
    buf_free(&to);
    return rc;
}

/* The package's record of its verbatim copies (PIPE_VERBATIM_*): where each came from, and
 * the state and schema files a failed extract would have left. */
static cdlt_status write_verbatim_record(xctx *x)
{
    if (x->nvb == 0)
        return CDLT_OK;
    buf b = BUF_INIT, path = BUF_INIT;
    cdlt_status rc = pipe_path(x->p, &path, "state.json", NULL);
    if (rc == CDLT_OK)
        rc = keep_copy(x, path.data, PIPE_VERBATIM_STATE);
    if (rc == CDLT_OK) {
        buf_clear(&path);
        buf_printf(&path, "%s/schemas/%s.schema.json", x->p->workdir, x->s->name);
        rc = path.status ? err_nomem(x->err) : keep_copy(x, path.data, PIPE_VERBATIM_SCHEMA);
    }
    if (rc == CDLT_OK) {
        buf_puts(&b, "{\"files\":[");
        buf_append(&b, buf_cstr(&x->vb), x->vb.len);
        buf_puts(&b, "]}");
        rc = b.status || store_path(&path, x->pkgdir.data, PIPE_VERBATIM_MANIFEST, NULL)
                 ? err_nomem(x->err)
                 : store_write_atomic(path.data, b.data, b.len, x->err);
    }
    buf_free(&b);
    buf_free(&path);
    return rc;
}

static cdlt_status close_tables(xctx *x)
{
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; i < x->tables.capacity; i++) {
        map_entry *e = &x->tables.slots[i];
        xtable *xt = e->key ? e->value : NULL;
        if (!xt || !xt->open)
            continue;
        xt->open = false;
        if (rc == CDLT_OK)
            rc = store_file_close(&xt->f, x->err);
        else
            store_file_abort(&xt->f);
    }
    return rc;
}

cdlt_status pipe_extract(cdlt_pipeline *p, cdlt_source *src, cdlt_refresh refresh,
                         cdlt_error *err)
{
    xctx xs;
    memset(&xs, 0, sizeof xs);
    xctx *x = &xs;
    x->p = p;
    x->src = src;
    x->err = err;
    x->src_name = src->name ? src->name : p->name;
    map_init(&x->tables);
    arena_init(&x->names, 16384, 0);
    strv dropped = {0}, truncated = {0};
    bool created = false;
    buf path = BUF_INIT;
    cdlt_status rc = CDLT_OK;

    /* schema: the pipeline's current one, else a new one */
    rc = pipe_load_schema(p, x->src_name, &x->s, err);
    if (rc == CDLT_NOT_FOUND)
        rc = schema_new(x->src_name, &x->s, err);
    if (rc == CDLT_OK)
        rc = pipe_schema_settings(p, &x->s, err);
    if (rc != CDLT_OK)
        goto done;

    /* refresh: decide dropped/truncated tables and wipe state (core.md §6.5) */
    pipe_src_state *sst = state_source(&p->state, x->src_name, false);
    if (refresh == CDLT_REFRESH_DROP_SOURCES) {
        for (uint32_t i = 0; i < x->s->ntables; i++) {
            schema_table *t = x->s->tables[i];
            if (!schema_is_dlt_table(t->name) && t->seen_data &&
                strv_add(&dropped, t->name) != CDLT_OK) {
                rc = err_nomem(err);
                goto done;
            }
        }
        schema_free(x->s);
        x->s = NULL;
        rc = schema_new(x->src_name, &x->s, err);
        if (rc == CDLT_OK)
            rc = pipe_schema_settings(p, &x->s, err);
        if (rc != CDLT_OK)
            goto done;
        if (sst) {
            state_kvs_clear(&sst->kv);
            for (size_t i = 0; i < sst->nres; i++)
                state_kvs_clear(&sst->res[i].kv);
        }
    } else if (refresh == CDLT_REFRESH_DROP_RESOURCES || refresh == CDLT_REFRESH_DROP_DATA) {
        strv names = {0};
        for (size_t i = 0; i < src->n; i++)
            if (src->res[i]->selected && strv_add(&names, src->res[i]->name) != CDLT_OK)
                rc = err_nomem(err);
        for (uint32_t i = 0; rc == CDLT_OK && i < x->s->ntables; i++) {
            schema_table *t = x->s->tables[i];
            if (schema_is_dlt_table(t->name) || !table_of_resources(x->s, t, &names))
                continue;
            if (refresh == CDLT_REFRESH_DROP_RESOURCES) {
                if (strv_add(&dropped, t->name) != CDLT_OK)
                    rc = err_nomem(err);
            } else if (t->seen_data && strv_add(&truncated, t->name) != CDLT_OK) {
                rc = err_nomem(err);
            }
        }
        for (size_t i = 0; rc == CDLT_OK && sst && i < names.n; i++) {
            pipe_res_state *rs = state_resource(sst, names.v[i], false);
            if (rs)
                state_kvs_clear(&rs->kv);
        }
        strv_free(&names);
        if (rc == CDLT_OK && refresh == CDLT_REFRESH_DROP_RESOURCES && dropped.n) {
            schema *ns = NULL;
            rc = schema_without(x->s, &dropped, &ns, err);
            if (rc == CDLT_OK) {
                schema_free(x->s);
                x->s = ns;
            }
        }
        if (rc != CDLT_OK)
            goto done;
    }

    /* package folder */
    char floor[40];
    rc = pipe_newest_load_id(p, floor, err);
    if (rc != CDLT_OK)
        goto done;
    store_new_load_id(floor, x->load_id);
    buf_printf(&x->pkgdir, "%s/%s/%s", p->workdir, STORE_EXTRACT_NEW, x->load_id);
    if (x->pkgdir.status) {
        rc = err_nomem(err);
        goto done;
    }
    rc = store_init_package(x->pkgdir.data, err);
    if (rc != CDLT_OK)
        goto done;
    created = true;
    /* normalize ahead: only in a run (its normalize phase takes the work over) */
    x->rotate_bytes = p->ahead_now ? p->ahead_file_bytes : 0;

    /* emitters */
    static _Atomic uint64_t run_ids;
    x->run_id = ++run_ids;
    x->ems = mem_calloc(src->n ? src->n : 1, sizeof *x->ems);
    if (!x->ems) {
        rc = err_nomem(err);
        goto done;
    }
    for (size_t i = 0; i < src->n; i++) {
        cdlt_emitter *em = &x->ems[i];
        em->x = x;
        em->r = src->res[i];
        arena_init(&em->mem, 65536, 0);
        buf_init(&em->text, 0);
        buf_init(&em->page, 0);
        buf_init(&em->row, 0);
        em->needed = needed(src, src->res[i], 0);
        em->rs = (cdlt_state){&p->state, x->src_name, src->res[i]->name};
        em->ss = (cdlt_state){&p->state, x->src_name, NULL};
        cdlt_resource *r = src->res[i];
        if (r->incr_spec && rc == CDLT_OK) {
            /* the cursor starts where the last run's state left it */
            incr *probe = NULL;
            rc = incr_open(r->incr_spec, NULL, (const char *const *)r->pk, r->npk, r->name,
                           &probe, err);
            char *saved = rc == CDLT_OK ? incr_saved_state(p, x->src_name, r,
                                                           incr_cursor_path(probe))
                                        : NULL;
            incr_free(probe);
            if (rc == CDLT_OK)
                rc = incr_open(r->incr_spec, saved, (const char *const *)r->pk, r->npk, r->name,
                               &em->inc, err);
            mem_free(saved);
        }
    }
    if (rc != CDLT_OK)
        goto done;
    progress_start(&p->progress, "extract", 0);
    for (size_t i = 0; rc == CDLT_OK && i < src->n; i++) {
        cdlt_emitter *em = &x->ems[i];
        cdlt_resource *r = em->r;
        if (r->tfn || !em->needed)
            continue;
        if ((rc = prepare_resource(em)) != CDLT_OK)
            break;
        em->t0 = time_monotonic();
        cdlt_status cb = r->fn(em, r->ud);
        rc = finish_callback(em, cb);
    }
    pipe_ahead_stop(x->ahead); /* before the package folder moves */
    if (rc == CDLT_OK)
        rc = close_tables(x);
    progress_end(&p->progress);
    if (rc != CDLT_OK)
        goto done;

    rc = incr_save_states(x);
    if (rc != CDLT_OK)
        goto done;
    /* state: bump version, add the state row when it changed since the last extract */
    p->state.last_extracted_at = time_unix();
    if (state_add_schema_name(&p->state, x->s->name) != CDLT_OK) {
        rc = err_nomem(err);
        goto done;
    }
    rc = state_bump(&p->state, NULL);
    if (rc != CDLT_OK) {
        rc = err_nomem(err);
        goto done;
    }
    if (!p->state.last_extracted_hash ||
        strcmp(p->state.last_extracted_hash, p->state.version_hash) != 0) {
        rc = write_state_row(x);
        if (rc != CDLT_OK)
            goto done;
        rc = state_set_str(&p->state.last_extracted_hash, p->state.version_hash);
        if (rc != CDLT_OK) {
            rc = err_nomem(err);
            goto done;
        }
    }

    /* schema + package state, then commit the package with one rename */
    if (store_path(&path, x->pkgdir.data, "schema.json", NULL) != CDLT_OK) {
        rc = err_nomem(err);
        goto done;
    }
    rc = pipe_save_package_schema_file(x->s, path.data, err); /* normalize reads x-cdlt- keys */
    if (rc == CDLT_OK)
        rc = write_package_state(x, &dropped, &truncated);
    if (rc == CDLT_OK)
        rc = write_verbatim_record(x);
    if (rc != CDLT_OK)
        goto done;
    pipe_crash_point("extract");
    buf_clear(&path);
    buf_printf(&path, "%s/%s/%s", p->workdir, STORE_EXTRACTED, x->load_id);
    if (path.status) {
        rc = err_nomem(err);
        goto done;
    }
    rc = store_rename(x->pkgdir.data, path.data, err);
    if (rc != CDLT_OK)
        goto done;
    created = false;
    /* the pipeline's schema and state follow the committed package */
    buf_clear(&path);
    buf_printf(&path, "%s/schemas/%s.schema.json", p->workdir, x->s->name);
    rc = path.status ? err_nomem(err) : pipe_save_schema_file(x->s, path.data, err);
    if (rc == CDLT_OK)
        rc = pipe_export_schema(p, x->s, err);
    p->state.first_run = false;
    if (rc == CDLT_OK)
        rc = pipe_save_state(p, err);
    if (rc == CDLT_OK)
        pipe_crash_point("extracted"); /* committed, schema and state saved: before normalize */
    LOG_INFO("extracted load package %s: %llu items", x->load_id, (unsigned long long)x->items);
    if (rc == CDLT_OK) { /* the normalize phase takes it over */
        pipe_ahead_free(p->ahead);
        p->ahead = x->ahead;
        x->ahead = NULL;
    }

done:
    pipe_ahead_free(x->ahead); /* a failed extract: its work goes with the package */
    x->ahead = NULL;
    /* ...and what the early loader committed of it (PostgreSQL loads while extracting) goes
     * now, not at the next run: the package it belongs to no longer exists */
    bool undone = true;
    cdlt_error ue;
    cdlt_error_clear(&ue);
    if (rc != CDLT_OK)
        undone = pipe_partial_undo_gone(p, x->load_id, &ue);
    if (rc != CDLT_OK) {
        /* discard the half package and any state the callbacks changed */
        for (size_t i = 0; i < x->tables.capacity; i++) {
            map_entry *e = &x->tables.slots[i];
            if (e->key && ((xtable *)e->value)->open) {
                store_file_abort(&((xtable *)e->value)->f);
                ((xtable *)e->value)->open = false;
            }
        }
        if (created)
            store_rm_rf(x->pkgdir.data, NULL);
        pipe_reload_state(p);
        if (err && !undone)
            err_hint(err, "part of this run's rows were committed while it was extracted and "
                          "could not be removed now (%s): the next run removes them",
                     ue.message[0] ? ue.message : "destination error");
        else if (err && (rc == CDLT_PARSE || rc == CDLT_UTF8 || rc == CDLT_DEPTH ||
                         rc == CDLT_SOURCE || rc == CDLT_NOT_FOUND || rc == CDLT_TOO_LARGE))
            err_hint(err, "nothing of this run was loaded; fix the input and run again");
    }
    strv_free(&dropped);
    strv_free(&truncated);
    buf_free(&path);
    xctx_free(x);
    return rc;
}

/* ---- file resources ---- */

#include "sources/sources.h"

/* Errors of bad input, which the parsing extract raises and normalize raises for copies. */
static bool is_data_error(cdlt_status rc)
{
    return rc == CDLT_PARSE || rc == CDLT_UTF8 || rc == CDLT_DEPTH || rc == CDLT_TOO_LARGE;
}

/* Whether r's files may be copied as they are: nothing in extract would change, drop or route
 * an item (steps, table function, limits, transformer children), r's table name is valid, and
 * no other resource writes r's table (its items would share r's job file, in extract order,
 * which separate copies cannot keep). */
static bool verbatim_allowed(xctx *x, const cdlt_resource *r)
{
    if (!x->p->verbatim_files || !r->selected || r->nsteps || r->table_fn || r->tfn ||
        r->incr_spec ||
        r->limit_items >= 0 || r->limit_seconds > 0 || has_children(x, r))
        return false;
    const char *raw = r->table_name ? r->table_name : r->name;
    buf mine = BUF_INIT, other = BUF_INIT;
    bool ok = naming_table_identifier(&x->s->naming, raw, strlen(raw), &mine) == CDLT_OK &&
              mine.len > 0 && mine.len < 200;
    for (size_t i = 0; ok && i < x->src->n; i++) {
        const cdlt_resource *o = x->src->res[i];
        if (o == r || !o->selected || pipe_is_drop_noop(o))
            continue;
        const char *on = o->table_name ? o->table_name : o->name;
        ok = !o->table_fn &&
             naming_table_identifier(&x->s->naming, on, strlen(on), &other) == CDLT_OK &&
             strcmp(mine.data, other.data) != 0;
    }
    buf_free(&mine);
    buf_free(&other);
    return ok;
}

typedef struct vcopy_done {
    char *path;         /* the job file (mem_strdup) */
    const char *source; /* the input it copies (owned by the src_files) */
    uint64_t limit;     /* a hard link: the bytes extracted (0 = a copy, read whole) */
} vcopy_done;

typedef struct vcopy {
    cdlt_emitter *em;   /* resource being extracted */
    char *table;        /* its normalized table name (mem_strdup): job file names */
    uint64_t base;      /* progress bytes before the current file */
    uint64_t done;      /* bytes of the current file copied */
    size_t nhow[3];     /* copies made per store_copy_how (clone, copy_file_range, r/w) */
    size_t nlinked;     /* inputs hard-linked ([extract] verbatim_link = true) */
    vcopy_done *copies; /* this resource's copies, in input order */
    size_t ncopies;     /* entries of copies */
    size_t capcopies;   /* allocated entries of copies */
    const char *path;   /* the copy being made: its job file, */
    const char *source; /* ...the input, */
    bool ahead;         /* ...normalized meanwhile (a run: the normalize-ahead thread), */
    bool pushed;        /* ...and handed to that thread already */
} vcopy;

static pipe_ahead *ahead_thread(xctx *x);

/* Progress of a copy. In a run the normalize-ahead thread gets the copy as soon as it has its
 * first bytes and reads it as it grows: normalizing overlaps the copy (and its count) instead
 * of starting after it. */
static void vcopy_tick(void *ud, uint64_t done)
{
    vcopy *vc = ud;
    xctx *x = vc->em->x;
    vc->done = done;
    vc->em->bytes_done = vc->base + done;
    progress_tick(&x->p->progress, vc->em->bytes_done);
    if (vc->pushed) {
        pipe_ahead_copy_grew(x->ahead, done, false, true);
    } else if (vc->ahead && done >= 4 && ahead_thread(x)) {
        pipe_ahead_push_copy(x->ahead, x->s, vc->table, vc->path, vc->em->r->name, vc->source,
                             done, false);
        vc->pushed = true;
    }
}

/* Account a finished copy like the items extract would have written, and record its origin
 * (in the package's manifest, and in vc for first_error). A hard link also records the bytes
 * and the content hash extract counted (limit, xxh3), which normalize checks. */
static cdlt_status add_copy(vcopy *vc, const char *job, const char *path, const char *source,
                            uint64_t items, uint64_t limit, const char *xxh3)
{
    cdlt_emitter *em = vc->em;
    xctx *x = em->x;
    cdlt_resource *r = em->r;
    const char *raw = r->table_name ? r->table_name : r->name;
    xtable *xt = NULL;
    cdlt_status rc = get_table(x, r, raw, strlen(raw), &xt);
    if (rc != CDLT_OK)
        return rc;
    xt->items += items;
    x->items += items;
    if (xt->stat)
        xt->stat->items += items;
    if (x->p->cur) {
        x->p->cur->items += items;
        x->p->cur->verbatim_files++;
    }
    buf *b = &x->vb;
    if (x->nvb++)
        buf_putc(b, ',');
    buf_puts(b, "{\"job\":");
    json_write_string(b, job, strlen(job), 0);
    buf_puts(b, ",\"resource\":");
    json_write_string(b, r->name, strlen(r->name), 0);
    buf_puts(b, ",\"source\":");
    json_write_string(b, source, strlen(source), 0);
    if (limit)
        buf_printf(b, ",\"linked_bytes\":%llu,\"xxh3\":\"%s\"", (unsigned long long)limit, xxh3);
    buf_putc(b, '}');
    vcopy_done *nc = mem_grow(vc->copies, vc->ncopies, &vc->capcopies, sizeof *nc, 4);
    if (b->status || !nc)
        return err_nomem(x->err);
    vc->copies = nc;
    if (!(nc[vc->ncopies].path = mem_strdup(path)))
        return err_nomem(x->err);
    nc[vc->ncopies].limit = limit;
    nc[vc->ncopies++].source = source;
    return CDLT_OK;
}

static cdlt_status hash_put(void *ud, const char *p, size_t n, cdlt_error *err)
{
    (void)err;
    store_hash_update(ud, p, n);
    return CDLT_OK;
}

/* Opt-in ([extract] verbatim_link = true): a hard link to the input (same file system,
 * allowed) instead of a copy, whose items are counted in the link itself (a file renamed over
 * the input meanwhile cannot slip in) while the bytes are hashed (XXH3, xxh3 = 16 hex digits).
 * The package then shares the user's file: normalize reads only the bytes counted here (a log
 * appended to later loads as it was) and first checks that their hash is unchanged, so an
 * input rewritten in place meanwhile is an error, never loaded as this package. Saves writing
 * the input again: 1.2 GB bench file, see bench/README.md case 30. */
static cdlt_status link_input(vcopy *vc, const char *src, const char *path, bool *done,
                              uint64_t *items, uint64_t *bytes, char xxh3[17])
{
    xctx *x = vc->em->x;
    *done = false;
    /* AT_SYMLINK_FOLLOW: link the file a symlinked input points to, not the symlink */
    if (linkat(AT_FDCWD, src, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0) {
        LOG_DEBUG("cannot hard-link '%s' into the package (%s): copying it", src,
                  strerror(errno));
        return CDLT_OK;
    }
    store_hash *h = NULL;
    cdlt_status rc = store_hash_open(&h) == CDLT_OK ? CDLT_OK : err_nomem(x->err);
    if (rc == CDLT_OK)
        rc = src_count_file(path, &vc->em->mem, hash_put, h, items, bytes, x->err);
    if (rc == CDLT_OK) {
        store_hash_hex(h, xxh3);
        buf dir = BUF_INIT;
        if (store_path(&dir, x->pkgdir.data, STORE_NEW_JOBS, NULL) == CDLT_OK)
            store_fsync_dir(dir.data); /* the link itself must survive a crash */
        buf_free(&dir);
        vcopy_tick(vc, *bytes);
        vc->nlinked++;
        *done = true;
    } else {
        unlink(path);
    }
    store_hash_free(h);
    return rc;
}

/* The package's own copy of the input (the default): a clone where the file system has one,
 * else the kernel's copy_file_range, else read/write; fsynced. Its items are then counted in
 * the copy, so the count is that of the bytes normalize will read, whatever happens to the
 * input. */
static cdlt_status copy_whole(vcopy *vc, const char *src, const char *path, uint64_t *items)
{
    xctx *x = vc->em->x;
    store_copy_result res;
    vc->path = path;
    vc->source = src;
    vc->ahead = x->rotate_bytes > 0;
    vc->pushed = false;
    cdlt_status rc = store_copy_file(src, path, STORE_COPY_CLONE, vcopy_tick, vc, &res, x->err);
    if (vc->pushed) /* the copy is complete (fsynced), or failed and gone */
        pipe_ahead_copy_grew(x->ahead, res.bytes, true, rc == CDLT_OK);
    if (rc != CDLT_OK) {
        if (res.input_failed && x->err && x->err->code == rc) {
            err_prefix(x->err, "resource '%s': ", vc->em->r->name);
            err_set_resource(x->err, vc->em->r->name);
        }
        return rc;
    }
    vc->nhow[res.how]++;
    uint64_t counted = 0;
    rc = src_count_file(path, &vc->em->mem, NULL, NULL, items, &counted, x->err);
    if (rc != CDLT_OK)
        unlink(path);
    /* a copy too small to tick goes to the thread now (one without items is deleted: the
     * thread's work on it is then not adopted) */
    if (rc == CDLT_OK && vc->ahead && !vc->pushed && *items && ahead_thread(x))
        pipe_ahead_push_copy(x->ahead, x->s, vc->table, path, vc->em->r->name, src, counted,
                             true);
    return rc;
}

/* Input i into its own job file. The file id comes from the package's ascending ids, so
 * normalize reads the resource's job files in input order (the order decides column order and
 * types, as within one extracted file). */
static cdlt_status copy_input(vcopy *vc, src_files *f, size_t i)
{
    cdlt_emitter *em = vc->em;
    xctx *x = em->x;
    char fid[11];
    next_file_id(x, fid);
    buf job = BUF_INIT, path = BUF_INIT;
    buf_printf(&job, "%s.%s.0.jsonl", vc->table, fid);
    cdlt_status rc = job.status || store_path(&path, x->pkgdir.data, STORE_NEW_JOBS, job.data)
                         ? err_nomem(x->err)
                         : CDLT_OK;
    uint64_t items = 0, linked = 0;
    char xxh3[17] = "";
    bool link_done = false;
    vc->done = 0;
    vc->ahead = vc->pushed = false; /* set by copy_whole for a copy, never for a link */
    vc->path = vc->source = NULL;
    if (rc == CDLT_OK && x->p->verbatim_link) {
        rc = link_input(vc, src_files_path(f, i), path.data, &link_done, &items, &linked, xxh3);
        if (rc != CDLT_OK && x->err && x->err->code == rc) {
            err_prefix(x->err, "resource '%s': ", em->r->name);
            err_set_resource(x->err, em->r->name);
        }
    }
    if (rc == CDLT_OK && !link_done)
        rc = copy_whole(vc, src_files_path(f, i), path.data, &items);
    if (rc == CDLT_OK && items == 0)
        rc = store_rm_rf(path.data, x->err); /* no items: no job, as extract writes none */
    else if (rc == CDLT_OK)
        rc = add_copy(vc, job.data, path.data, src_files_path(f, i), items, linked, xxh3);
    buf_free(&job);
    buf_free(&path);
    return rc;
}

/* The parsing extract: items of f (all its files, or the one src_files_only chose). */
static cdlt_status parse_items(cdlt_emitter *em, src_files *f, uint64_t base)
{
    xctx *x = em->x;
    cdlt_status rc = CDLT_OK;
    for (;;) {
        jv v;
        bool eof = false;
        const char *raw = NULL;
        size_t rawlen = 0;
        rc = src_files_next_raw(f, &em->mem, &v, &raw, &rawlen, &eof, x->err);
        if (rc != CDLT_OK) {
            err_prefix(x->err, "resource '%s': ", em->r->name);
            err_set_resource(x->err, em->r->name);
            arena_reset(&em->mem);
            break;
        }
        if (eof)
            break;
        em->bytes_done = base + src_files_done_bytes(f);
        rc = pipe_emit_jv(em, &v, v.type == JV_ARRAY ? NULL : raw, rawlen);
        if (rc != CDLT_OK)
            break;
    }
    x->p->progress.done_bytes = base + src_files_done_bytes(f);
    return rc;
}

/* Bad input in a parsed file after copies of earlier files: the parsing extract would have
 * met a bad line in those first, so look for one (only on this error path). */
static cdlt_status first_error(vcopy *vc, cdlt_status rc)
{
    xctx *x = vc->em->x;
    for (size_t k = 0; is_data_error(rc) && x->err && k < vc->ncopies; k++) {
        src_files *c = NULL;
        cdlt_error e;
        cdlt_error_clear(&e);
        cdlt_status st = src_files_open_copy(vc->copies[k].path, vc->copies[k].source,
                                             vc->copies[k].limit, &c, &e);
        for (bool eof = false; st == CDLT_OK && !eof;) {
            jv v;
            st = src_files_next(c, &vc->em->mem, &v, &eof, &e);
            arena_reset(&vc->em->mem);
        }
        src_files_close(c);
        if (is_data_error(st)) {
            *x->err = e;
            err_prefix(x->err, "resource '%s': ", vc->em->r->name);
            err_set_resource(x->err, vc->em->r->name);
            return st;
        }
    }
    return rc;
}

/* Close the resource's parsed-items file before a copy: items parsed after the copy go to a
 * new file with a later id, so normalize keeps the input order. */
static cdlt_status end_parsed_file(xctx *x, const cdlt_resource *r)
{
    const char *raw = r->table_name ? r->table_name : r->name;
    xtable *xt = map_get(&x->tables, raw, strlen(raw));
    if (!xt || !xt->open)
        return CDLT_OK;
    if (x->rotate_bytes) /* the thread normalizes the table's files in order: this one first */
        return rotate_file(x, xt);
    xt->open = false;
    return store_file_close(&xt->f, x->err);
}

/* A resource the fast path may take: each NDJSON input of at least verbatim_min_bytes is
 * copied as it is (a copy costs an fsync of its own: for small files parsing is cheaper);
 * the others are parsed as usual, in input order. */
static cdlt_status run_files(cdlt_emitter *em, src_files *f, uint64_t base)
{
    xctx *x = em->x;
    cdlt_resource *r = em->r;
    const char *raw = r->table_name ? r->table_name : r->name;
    vcopy vc;
    memset(&vc, 0, sizeof vc);
    vc.em = em;
    if (naming_table_identifier(&x->s->naming, raw, strlen(raw), &x->nbuf) != CDLT_OK ||
        !(vc.table = mem_strdup(x->nbuf.data)))
        return err_nomem(x->err);
    uint64_t items0 = x->items, prefix = 0, copied = 0;
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; rc == CDLT_OK && i < src_files_count(f); i++) {
        if (src_files_size(f, i) >= x->p->verbatim_min_bytes && src_files_is_ndjson(f, i)) {
            vc.base = base + prefix;
            rc = end_parsed_file(x, r);
            if (rc == CDLT_OK)
                rc = copy_input(&vc, f, i);
            copied += vc.done;
        } else {
            src_files_only(f, i);
            rc = parse_items(em, f, base);
            if (rc != CDLT_OK)
                rc = first_error(&vc, rc);
        }
        prefix += src_files_size(f, i);
        x->p->progress.done_bytes = base + prefix;
    }
    LOG_DEBUG("resource '%s': %zu of %zu file(s) taken as they are (verbatim, %llu bytes: "
              "%zu cloned, %zu by copy_file_range, %zu by read/write, %zu hard-linked); %llu "
              "items",
              r->name, vc.ncopies, src_files_count(f), (unsigned long long)copied,
              vc.nhow[STORE_COPY_CLONE], vc.nhow[STORE_COPY_RANGE], vc.nhow[STORE_COPY_RW],
              vc.nlinked, (unsigned long long)(x->items - items0));
    for (size_t k = 0; k < vc.ncopies; k++)
        mem_free(vc.copies[k].path);
    mem_free(vc.copies);
    mem_free(vc.table);
    return rc;
}

cdlt_status pipe_run_file_resource(cdlt_emitter *em, void *ud)
{
    cdlt_resource *r = ud;
    xctx *x = em->x;
    src_files *f = NULL;
    cdlt_status rc = src_files_open(r->file_glob, &f, x->err);
    if (rc == CDLT_OK)
        src_files_set_max_depth(f, x->p->json_max_depth);
    if (rc != CDLT_OK) {
        err_prefix(x->err, "resource '%s': ", r->name);
        err_set_resource(x->err, r->name);
        return rc;
    }
    uint64_t total = src_files_total_bytes(f);
    if (x->p->cur)
        x->p->cur->input_bytes += total;
    x->p->progress.total_bytes += total;
    uint64_t base = x->p->progress.done_bytes;
    rc = verbatim_allowed(x, r) ? run_files(em, f, base) : parse_items(em, f, base);
    src_files_close(f);
    if (rc == CDLT_DEPTH)
        err_hint(x->err, "the limit is [extract] max_depth (env EXTRACT__MAX_DEPTH, default "
                         "512): raise it, or flatten the data");
    return rc;
}

static cdlt_status incr_save_states(xctx *x)
{
    buf st = BUF_INIT, obj = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; rc == CDLT_OK && x->ems && i < x->src->n; i++) {
        cdlt_emitter *em = &x->ems[i];
        bool save = false;
        if (!em->inc || incr_state_json(em->inc, &st, &save) != CDLT_OK || !save)
            continue;
        pipe_src_state *ss = state_source(&x->p->state, x->src_name, true);
        pipe_res_state *rs = ss ? state_resource(ss, em->r->name, true) : NULL;
        /* other cursors of the resource stay (a filesystem pipe keeps its file listing's) */
        const char *old = NULL;
        for (size_t k = 0; rs && k < rs->kv.n; k++)
            if (strcmp(rs->kv.v[k].key, "incremental") == 0)
                old = rs->kv.v[k].json;
        if (!rs ||
            pipe_incr_merge(old, incr_cursor_path(em->inc), st.data, st.len, &obj) != CDLT_OK ||
            state_kvs_set(&rs->kv, "incremental", obj.data) != CDLT_OK)
            rc = err_nomem(x->err);
    }
    buf_free(&st);
    buf_free(&obj);
    return rc;
}
