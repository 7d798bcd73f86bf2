/* ahead.c: normalize while extract runs. Extract closes a table's items file every few MB
 * (extract.c) and hands it here; a second thread normalizes those files into load/new/<id>
 * against a copy of the schema taken when the first file closed. When extract has committed
 * the package, the normalize phase adopts that work only if it is exactly what it would have
 * done itself (pipe_ahead_adopt); otherwise it throws it away and starts from nothing, so the
 * result never depends on whether the overlap happened (docs/pipeline.md "Normalize while
 * extracting").
 *
 * Why the checks are enough: normalizing one table's files touches only that table and the
 * nested tables below it. So work done on some files is the phase's own work when (1) those
 * files are, per table, the first ones the phase would read (same order), (2) the tables the
 * copy was taken of did not change afterwards in extract (same hints), and (3) no nested table
 * the thread made is a table extract made too. The tables the thread made are then put back in
 * the order the phase would have made them (pipe_ahead_order). */
#include "norm_ctx.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pipe_ahead {
    cdlt_pipeline *p;
    char load_id[64];
    buf dst;           /* load/new/<load_id> */
    buf snap;          /* the extract schema when the thread started (JSON) */
    schema *w;         /* the thread's schema: the snapshot plus what it normalized */
    normalizer *n;
    nctx c;
    arena mem;
    cdlt_error err;
    uint64_t base;
    pthread_t th;
    bool th_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    strv qpath, qtable; /* closed items files, in the order extract closed them */
    strv qnew;          /* per queued file: "" or the JSON {"tables":{...}} of its table, when
                           extract made that table after the copy (the thread adds it first) */
    strv qres, qsrc;    /* per queued file: a verbatim copy's resource and input ("" for an
                           items file) */
    uint64_t *qbytes;   /* per queued file: a copy's bytes in the package so far */
    uint8_t *qstate;    /* per queued file: AQ_DONE, AQ_COPYING (still written), AQ_FAILED */
    size_t capq;        /* entries allocated in qbytes, qstate */
    strv known;         /* extract thread only: tables the thread has or was sent */
    strv added;         /* the JSON of every table sent that way (checked like the copy) */
    schema **old;       /* schemas replaced by a larger copy: snapshots still point into them */
    size_t nold;
    size_t qnext;       /* next to normalize */
    strv done;          /* job file names normalized, in order */
    bool stop, failed, adopted;
};

enum { AQ_DONE = 0, AQ_COPYING, AQ_FAILED };

const char *pipe_ahead_load_id(const pipe_ahead *a) { return a ? a->load_id : NULL; }

/* The reader of a copy that extract is still writing waits here at the copy's current end
 * (src_files_set_follow): for more bytes, or for the copy to be complete. */
typedef struct ahead_follow {
    pipe_ahead *a;
    size_t i; /* the queued file */
} ahead_follow;

static cdlt_status copy_follow(void *ud, uint64_t have, bool *more, cdlt_error *err)
{
    ahead_follow *f = ud;
    pipe_ahead *a = f->a;
    pthread_mutex_lock(&a->mu);
    while (a->qstate[f->i] == AQ_COPYING && a->qbytes[f->i] <= have && !a->stop)
        pthread_cond_wait(&a->cv, &a->mu);
    uint8_t st = a->qstate[f->i];
    uint64_t bytes = a->qbytes[f->i];
    pthread_mutex_unlock(&a->mu);
    /* a failed copy, or extract stopped before it finished it (an error path) */
    if (st == AQ_FAILED || (st == AQ_COPYING && bytes <= have))
        return err_set(err, CDLT_IO, "normalize ahead: the copy it read was not finished");
    *more = bytes > have;
    return CDLT_OK;
}

static cdlt_status merge_docs(const jv *s1, const jv *w, buf *out);

/* Point the writers' bookkeeping of c at the tables of s (same names); with `report`, their
 * counts go to the run report (normalize phase) instead of staying in the wtables. */
static cdlt_status retarget_tables(nctx *c, const schema *s, cdlt_load_info *report, nctx *into)
{
    map fresh;
    map_init(&fresh);
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; i < c->tables.capacity && rc == CDLT_OK; i++) {
        map_entry *e = &c->tables.slots[i];
        if (!e->key)
            continue;
        const wtable *old = e->value;
        const schema_table *t = schema_get_table(s, old->t->name);
        wtable *wt = t ? mem_calloc(1, sizeof *wt) : NULL;
        if (!wt || map_put(&fresh, t->name, strlen(t->name), wt) != CDLT_OK) {
            mem_free(wt);
            rc = t ? CDLT_NOMEM : CDLT_NOT_FOUND;
            break;
        }
        wt->t = t;
        wt->changed = old->changed;
        if (report) {
            wt->stat = info_table(report, t->name);
            if (wt->stat) {
                wt->stat->rows += old->own.rows;
                wt->stat->bytes += old->own.bytes;
            }
        } else {
            wt->own = old->own;
            wt->stat = &wt->own;
        }
    }
    if (rc != CDLT_OK) {
        nctx tmp = {0};
        tmp.p = c->p;
        tmp.tables = fresh;
        pnorm_free_tables(&tmp, false);
        return rc;
    }
    pnorm_free_tables(c, false); /* every writer is closed: nothing to abort */
    into->tables = fresh;
    into->last = NULL;
    return CDLT_OK;
}

/* Thread: extract made a table after the copy; put it into the thread's schema (after the
 * others) and go on with a normalizer on the larger schema. Files are closed first: their
 * writers hold the old tables. */
static cdlt_status add_table(pipe_ahead *a, const char *tables_json)
{
    arena mem;
    arena_init(&mem, 16384, 0);
    buf wtext = BUF_INIT, merged = BUF_INIT;
    jv w, extra;
    json_opts o = {0, 0, "schema"};
    schema *ns = NULL;
    normalizer *nn = NULL;
    schema **old = mem_realloc(a->old, (a->nold + 1) * sizeof *old);
    cdlt_status rc = old ? CDLT_OK : CDLT_NOMEM;
    if (old)
        a->old = old;
    if (rc == CDLT_OK)
        rc = pnorm_close_all(&a->c);
    if (rc == CDLT_OK)
        rc = schema_to_json(a->w, false, &wtext);
    if (rc == CDLT_OK)
        rc = json_parse(wtext.data, wtext.len, &mem, &o, &w, &a->err);
    if (rc == CDLT_OK)
        rc = json_parse(tables_json, strlen(tables_json), &mem, &o, &extra, &a->err);
    if (rc == CDLT_OK)
        rc = merge_docs(&w, &extra, &merged);
    if (rc == CDLT_OK)
        rc = schema_from_json(merged.data, merged.len, "schema (normalize ahead)", &ns, &a->err);
    if (rc == CDLT_OK)
        pipe_schema_caps(a->p, ns);
    if (rc == CDLT_OK)
        rc = norm_open(ns, a->load_id, &nn, &a->err);
    if (rc == CDLT_OK)
        rc = retarget_tables(&a->c, ns, NULL, &a->c);
    if (rc == CDLT_OK) {
        norm_close(a->n);
        a->n = nn;
        a->old[a->nold++] = a->w; /* snapshots of closed files point into it */
        a->w = ns;
        a->c.s = ns;
    } else {
        norm_close(nn);
        schema_free(ns);
    }
    buf_free(&wtext);
    buf_free(&merged);
    arena_free(&mem);
    return rc;
}

static void *ahead_main(void *arg)
{
    pipe_ahead *a = arg;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (!a->stop && a->qnext == a->qpath.n)
            pthread_cond_wait(&a->cv, &a->mu);
        /* stop: what is queued and not started stays for the normalize phase */
        if (a->stop || a->failed) {
            pthread_mutex_unlock(&a->mu);
            break;
        }
        const char *path = a->qpath.v[a->qnext], *table = a->qtable.v[a->qnext];
        const char *newt = a->qnew.v[a->qnext];
        const char *res = a->qres.v[a->qnext], *src = a->qsrc.v[a->qnext];
        ahead_follow fw = {a, a->qnext};
        a->qnext++;
        pthread_mutex_unlock(&a->mu);
        cdlt_status rc = *newt ? add_table(a, newt) : CDLT_OK;
        if (rc == CDLT_OK && *res)
            rc = pnorm_copy(&a->c, a->n, &a->mem, path, table, res, src, copy_follow, &fw,
                            &a->base);
        else if (rc == CDLT_OK)
            rc = pnorm_file(&a->c, a->n, &a->mem, path, table, &a->base);
        const char *slash = strrchr(path, '/');
        pthread_mutex_lock(&a->mu);
        if (rc == CDLT_OK)
            rc = strv_add(&a->done, slash ? slash + 1 : path);
        if (rc != CDLT_OK) {
            /* the normalize phase reads the file again and reports the error itself */
            LOG_DEBUG("normalize ahead: stops at %s: %s", path,
                      a->err.message[0] ? a->err.message : cdlt_strerror(rc));
            a->failed = true;
        }
        pthread_mutex_unlock(&a->mu);
    }
    if (!a->failed && pnorm_close_all(&a->c) != CDLT_OK)
        a->failed = true;
    return NULL;
}

pipe_ahead *pipe_ahead_start(cdlt_pipeline *p, const char *load_id, const schema *s)
{
    pipe_ahead *a = mem_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->p = p;
    snprintf(a->load_id, sizeof a->load_id, "%s", load_id);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    arena_init(&a->mem, 1 << 20, 0);
    map_init(&a->c.tables);
    cdlt_error_clear(&a->err);
    cdlt_status rc = schema_to_json(s, false, &a->snap);
    if (rc == CDLT_OK)
        rc = schema_from_json(a->snap.data, a->snap.len, "schema (normalize ahead)", &a->w,
                              &a->err);
    if (rc == CDLT_OK)
        pipe_schema_caps(p, a->w);
    for (uint32_t i = 0; rc == CDLT_OK && i < s->ntables; i++)
        rc = strv_add(&a->known, s->tables[i]->name);
    if (rc == CDLT_OK)
        rc = pipe_path(p, &a->dst, STORE_LOAD_NEW, load_id);
    if (rc == CDLT_OK)
        rc = store_rm_rf(a->dst.data, &a->err);
    if (rc == CDLT_OK)
        rc = store_init_package(a->dst.data, &a->err);
    if (rc == CDLT_OK)
        rc = norm_open(a->w, load_id, &a->n, &a->err);
    if (rc == CDLT_OK) {
        nctx *c = &a->c;
        c->p = p;
        c->err = &a->err;
        c->pkgdir = a->dst.data;
        c->s = a->w;
        c->ahead = true;
        c->max_bytes = p->file_max_bytes;
        /* the files the loader gets later are as small as when normalize feeds it directly
         * (only where the loader overlaps; the filesystem destination keeps one file per
         * table, as dlt writes it, however the work was split) */
        if (p->overlap_load && pipe_ovl_supported(p) && c->max_bytes > PIPE_OVERLAP_FILE_MAX)
            c->max_bytes = PIPE_OVERLAP_FILE_MAX;
        c->chunk_weight = p->dv->delete_load ? p->chunk_weight : 0;
        /* a run may load what this thread writes at once (pipe_ovl_start_early) */
        if (p->early_load_now)
            c->early = pipe_ovl_start_early(p, load_id);
        if (pthread_create(&a->th, NULL, ahead_main, a) == 0)
            a->th_started = true;
        else
            rc = CDLT_IO;
    }
    if (rc != CDLT_OK) {
        LOG_DEBUG("normalize ahead: not started (%s); normalize runs after extract",
                  a->err.message[0] ? a->err.message : cdlt_strerror(rc));
        pipe_ahead_free(a);
        return NULL;
    }
    LOG_DEBUG("normalize ahead: started for load package %s", load_id);
    return a;
}

/* Extract thread: {"tables":{"<table>":<its document now>}} for a table the thread lacks. */
static cdlt_status table_doc(const schema *s, const char *table, buf *out)
{
    arena mem;
    arena_init(&mem, 16384, 0);
    jv doc;
    cdlt_status rc = schema_to_jv(s, NULL, &mem, &doc);
    const jv *t = rc == CDLT_OK ? jv_get(jv_get(&doc, "tables"), table) : NULL;
    if (rc == CDLT_OK && !t)
        rc = CDLT_NOT_FOUND;
    if (rc == CDLT_OK) {
        buf_puts(out, "{\"tables\":{");
        json_write_string(out, table, strlen(table), 0);
        buf_putc(out, ':');
        json_write(out, t, 0);
        buf_puts(out, "}}");
        rc = out->status;
    }
    arena_free(&mem);
    return rc;
}

static void push(pipe_ahead *a, const schema *s, const char *table, const char *path,
                 const char *resource, const char *source, uint64_t bytes, uint8_t state)
{
    if (!a)
        return;
    buf doc = BUF_INIT;
    bool bad = false;
    if (!strv_has(&a->known, table))
        bad = table_doc(s, table, &doc) != CDLT_OK || strv_add(&a->added, doc.data) != CDLT_OK ||
              strv_add(&a->known, table) != CDLT_OK;
    pthread_mutex_lock(&a->mu);
    if (bad)
        a->failed = true;
    if (!a->failed && !a->stop) {
        size_t q = a->qpath.n;
        if (q == a->capq) {
            size_t cap = a->capq ? a->capq * 2 : 16;
            uint64_t *nb = mem_realloc(a->qbytes, cap * sizeof *nb);
            if (nb)
                a->qbytes = nb;
            uint8_t *ns = nb ? mem_realloc(a->qstate, cap * sizeof *ns) : NULL;
            if (ns) {
                a->qstate = ns;
                a->capq = cap;
            }
        }
        if (q < a->capq) { /* first: a failed add below leaves no entry unset */
            a->qbytes[q] = bytes;
            a->qstate[q] = state;
        }
        if (q == a->capq || strv_add(&a->qpath, path) != CDLT_OK ||
            strv_add(&a->qtable, table) != CDLT_OK ||
            strv_add(&a->qnew, doc.len ? doc.data : "") != CDLT_OK ||
            strv_add(&a->qres, resource) != CDLT_OK || strv_add(&a->qsrc, source) != CDLT_OK) {
            a->failed = true; /* a queue that lost a file cannot be adopted */
        }
        pthread_cond_signal(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    buf_free(&doc);
}

void pipe_ahead_push(pipe_ahead *a, const schema *s, const char *table, const char *path)
{
    push(a, s, table, path, "", "", 0, AQ_DONE);
}

void pipe_ahead_push_copy(pipe_ahead *a, const schema *s, const char *table, const char *path,
                          const char *resource, const char *source, uint64_t bytes,
                          bool complete)
{
    push(a, s, table, path, resource, source, bytes, complete ? AQ_DONE : AQ_COPYING);
}

void pipe_ahead_copy_grew(pipe_ahead *a, uint64_t bytes, bool end, bool ok)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    size_t q = a->qpath.n;
    if (q && a->qstate[q - 1] == AQ_COPYING) {
        a->qbytes[q - 1] = bytes;
        if (end)
            a->qstate[q - 1] = ok ? AQ_DONE : AQ_FAILED;
        pthread_cond_signal(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
}

void pipe_ahead_stop(pipe_ahead *a)
{
    if (!a || !a->th_started)
        return;
    /* test hook: extract ends only after the early loader loaded a file ("file") or
     * committed a chunk ("commit"), so tests see a load that overlapped extract however busy
     * the machine is */
    const char *hook = a->c.early ? getenv("CDLT_TEST_EARLY_LOAD_WAIT") : NULL;
    if (hook && *hook)
        pipe_ovl_wait_loaded(a->c.early, strcmp(hook, "commit") == 0, 120.0);
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    a->th_started = false;
    LOG_DEBUG("normalize ahead: %zu of %zu closed items files normalized while extracting",
              a->done.n, a->qpath.n);
}

void pipe_ahead_free(pipe_ahead *a)
{
    if (!a)
        return;
    pipe_ahead_stop(a);
    /* a load that ran while extracting and was not taken over is rolled back, before its
     * files and the schema its snapshots point into go */
    pipe_ovl_abort(a->c.early);
    a->c.early = NULL;
    pnorm_free_tables(&a->c, true);
    pnorm_free_ahead_files(&a->c);
    buf_free(&a->c.chunks);
    /* unused work goes; adopted work is the package's now (normalize.c commits or drops it) */
    if (!a->adopted && a->dst.data)
        store_rm_rf(a->dst.data, NULL);
    norm_close(a->n);
    schema_free(a->w);
    arena_free(&a->mem);
    buf_free(&a->dst);
    buf_free(&a->snap);
    strv_free(&a->qpath);
    strv_free(&a->qtable);
    strv_free(&a->done);
    strv_free(&a->qnew);
    strv_free(&a->qres);
    strv_free(&a->qsrc);
    mem_free(a->qbytes);
    mem_free(a->qstate);
    strv_free(&a->known);
    strv_free(&a->added);
    for (size_t i = 0; i < a->nold; i++)
        schema_free(a->old[i]);
    mem_free(a->old);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    mem_free(a);
}

pipe_ovl *pipe_ahead_take_early(pipe_ahead *a, uint32_t *cuts)
{
    pipe_ovl *o = a ? a->c.early : NULL;
    *cuts = o ? a->c.early_cuts : 0;
    if (a)
        a->c.early = NULL;
    return o;
}

/* ---- adoption ---- */

static bool same_json(const jv *x, const jv *y, buf *t1, buf *t2)
{
    buf_clear(t1);
    buf_clear(t2);
    if (json_write(t1, x, 0) != CDLT_OK || json_write(t2, y, 0) != CDLT_OK)
        return false;
    return t1->len == t2->len && memcmp(t1->data, t2->data, t1->len) == 0;
}

/* Top-level schema members that change with every save, not with what normalize does. */
static bool version_key(const char *k)
{
    return !strcmp(k, "version") || !strcmp(k, "version_hash") ||
           !strcmp(k, "previous_hashes") || !strcmp(k, "tables");
}

/* (2) and (3) of the file comment, on the documents; also: the thread changed nothing outside
 * tables (it never should: a difference means this code has a wrong idea of normalize). */
static const char *schema_check(const jv *s0, const jv *s1, const jv *w, const jv *added,
                                uint32_t nadded, buf *t1, buf *t2)
{
    for (uint32_t i = 0; i < s0->len; i++) {
        const jv_member *m = &s0->u.members[i];
        if (version_key(m->key))
            continue;
        const jv *o1 = jv_get(s1, m->key), *ow = jv_get(w, m->key);
        if (!o1 || !same_json(&m->value, o1, t1, t2))
            return "extract changed the schema's settings after the copy";
        if (!ow || !same_json(&m->value, ow, t1, t2))
            return "normalize changed the schema's settings";
    }
    const jv *tb0 = jv_get(s0, "tables"), *tb1 = jv_get(s1, "tables"), *tbw = jv_get(w, "tables");
    if (!tb0 || !tb1 || !tbw)
        return "a schema without tables";
    for (uint32_t i = 0; i < tb0->len; i++) {
        const jv_member *m = &tb0->u.members[i];
        const jv *t = jv_get(tb1, m->key);
        if (!t || !same_json(&m->value, t, t1, t2))
            return "extract changed a table's hints after the copy";
    }
    /* tables sent to the thread later: as when they were sent */
    for (uint32_t k = 0; k < nadded; k++) {
        const jv *ta = jv_get(&added[k], "tables");
        for (uint32_t i = 0; ta && i < ta->len; i++) {
            const jv_member *m = &ta->u.members[i];
            const jv *t = jv_get(tb1, m->key);
            if (!t || !same_json(&m->value, t, t1, t2))
                return "extract changed a table's hints after it was sent";
        }
    }
    for (uint32_t i = 0; i < tbw->len; i++) {
        const char *k = tbw->u.members[i].key;
        bool sent = jv_get(tb0, k) != NULL;
        for (uint32_t j = 0; j < nadded && !sent; j++)
            sent = jv_get(jv_get(&added[j], "tables"), k) != NULL;
        if (!sent && jv_get(tb1, k))
            return "a nested table has the name of a table extract made";
    }
    return NULL;
}

/* (1): per table, the files the thread normalized are the first ones of the package. */
static const char *files_check(const pipe_ahead *a, const store_names *files)
{
    strv broken = {0};
    size_t found = 0;
    const char *why = NULL;
    for (size_t i = 0; i < files->n && !why; i++) {
        store_job_name jn;
        if (!store_parse_job_name(files->names[i], &jn))
            continue;
        bool done = strv_has(&a->done, files->names[i]);
        if (done && strv_has(&broken, jn.table))
            why = "a table's files were not normalized in order";
        else if (done)
            found++;
        else if (!strv_has(&broken, jn.table) && strv_add(&broken, jn.table) != CDLT_OK)
            why = "out of memory";
    }
    strv_free(&broken);
    if (!why && found != a->done.n)
        why = "a normalized file is not in the package";
    return why;
}

/* The merged document: the package's schema with the thread's version of every table it has,
 * and the tables it made after them. */
static cdlt_status merge_docs(const jv *s1, const jv *w, buf *out)
{
    buf_putc(out, '{');
    for (uint32_t i = 0; i < s1->len; i++) {
        const jv_member *m = &s1->u.members[i];
        if (i)
            buf_putc(out, ',');
        json_write_string(out, m->key, m->klen, 0);
        buf_putc(out, ':');
        if (strcmp(m->key, "tables") != 0) {
            json_write(out, &m->value, 0);
            continue;
        }
        const jv *tbw = jv_get(w, "tables");
        buf_putc(out, '{');
        bool first = true;
        for (uint32_t k = 0; k < m->value.len; k++) {
            const jv_member *t = &m->value.u.members[k];
            const jv *mine = jv_get(tbw, t->key);
            if (!first)
                buf_putc(out, ',');
            first = false;
            json_write_string(out, t->key, t->klen, 0);
            buf_putc(out, ':');
            json_write(out, mine ? mine : &t->value, 0);
        }
        for (uint32_t k = 0; k < tbw->len; k++) {
            const jv_member *t = &tbw->u.members[k];
            if (jv_get(&m->value, t->key))
                continue;
            if (!first)
                buf_putc(out, ',');
            first = false;
            json_write_string(out, t->key, t->klen, 0);
            buf_putc(out, ':');
            json_write(out, &t->value, 0);
        }
        buf_putc(out, '}');
    }
    buf_putc(out, '}');
    return out->status;
}

bool pipe_ahead_adopt(pipe_ahead *a, nctx *c, schema **io_s, const store_names *files,
                      strv *skip)
{
    if (!a || a->failed || a->done.n == 0)
        return false;
    arena mem;
    arena_init(&mem, 65536, 0);
    buf t1 = BUF_INIT, t2 = BUF_INIT, s1text = BUF_INIT, wtext = BUF_INIT, merged = BUF_INIT;
    jv s0, s1, w;
    cdlt_error e;
    cdlt_error_clear(&e);
    json_opts o = {0, 0, "schema"};
    schema *ms = NULL;
    const char *why = files_check(a, files);
    /* its load files must all be there (nothing may have cleared load/new in between) */
    for (size_t i = 0; !why && i < a->c.nahead_files; i++)
        if (!store_exists(a->c.ahead_files[i].path))
            why = "a load file it wrote is gone";
    if (!why && (schema_to_json(*io_s, false, &s1text) != CDLT_OK ||
                 schema_to_json(a->w, false, &wtext) != CDLT_OK ||
                 json_parse(a->snap.data, a->snap.len, &mem, &o, &s0, &e) != CDLT_OK ||
                 json_parse(s1text.data, s1text.len, &mem, &o, &s1, &e) != CDLT_OK ||
                 json_parse(wtext.data, wtext.len, &mem, &o, &w, &e) != CDLT_OK))
        why = "cannot read the schemas";
    jv *added = a->added.n ? arena_alloc(&mem, a->added.n * sizeof *added) : NULL;
    for (size_t i = 0; !why && i < a->added.n; i++)
        if (!added || json_parse(a->added.v[i], strlen(a->added.v[i]), &mem, &o, &added[i],
                                 &e) != CDLT_OK)
            why = "cannot read the schemas";
    if (!why)
        why = schema_check(&s0, &s1, &w, added, (uint32_t)a->added.n, &t1, &t2);
    if (!why && (merge_docs(&s1, &w, &merged) != CDLT_OK ||
                 schema_from_json(merged.data, merged.len, "schema", &ms, &e) != CDLT_OK))
        why = "cannot merge the schemas";
    if (!why)
        pipe_schema_caps(a->p, ms);
    if (!why && retarget_tables(&a->c, ms, a->p->cur, c) != CDLT_OK)
        why = "cannot take the tables over";
    if (!why) {
        for (size_t i = 0; i < a->done.n && !why; i++)
            if (strv_add(skip, a->done.v[i]) != CDLT_OK)
                why = "out of memory";
    }
    if (why) {
        LOG_DEBUG("normalize ahead: work of %zu files not used (%s); normalizing the package "
                  "from the start", a->done.n, why);
        pnorm_free_tables(c, false);
        map_init(&c->tables);
        strv_free(skip);
        schema_free(ms);
    } else {
        /* the package's files so far, chunks and counters continue from the thread's */
        c->files = a->c.files;
        c->chunk = a->c.chunk;
        c->weight = a->c.weight;
        buf_free(&c->chunks);
        c->chunks = a->c.chunks;
        buf_init(&a->c.chunks, 0);
        c->ahead_files = a->c.ahead_files;
        c->nahead_files = a->c.nahead_files;
        c->cap_ahead_files = a->c.cap_ahead_files;
        a->c.ahead_files = NULL;
        a->c.nahead_files = a->c.cap_ahead_files = 0;
        schema_free(*io_s);
        *io_s = ms;
        a->adopted = true;
        LOG_DEBUG("normalize ahead: %zu files normalized while extracting are used", a->done.n);
    }
    buf_free(&t1);
    buf_free(&t2);
    buf_free(&s1text);
    buf_free(&wtext);
    buf_free(&merged);
    arena_free(&mem);
    return why == NULL;
}

/* Tables normalize made in this package go where the phase alone would have put them: after
 * the tables of the extracted schema, grouped by root table in the order the phase reads the
 * roots' files (job file names sort by table name, then "."), each group in the order made. */
static const char *root_name(const schema *s, const schema_table *t)
{
    while (t->parent) {
        const schema_table *up = schema_get_table(s, t->parent);
        if (!up)
            break;
        t = up;
    }
    return t->name;
}

static int job_order(const char *x, const char *y)
{
    /* compare "x." with "y." as bytes, as the sorted job file names do */
    size_t i = 0;
    for (;; i++) {
        unsigned char cx = x[i] ? (unsigned char)x[i] : '.';
        unsigned char cy = y[i] ? (unsigned char)y[i] : '.';
        if (cx != cy)
            return cx < cy ? -1 : 1;
        if (!x[i] || !y[i])
            return x[i] ? 1 : (y[i] ? -1 : 0);
    }
}

cdlt_status pipe_ahead_order(schema *s, uint32_t first_new)
{
    uint32_t n = s->ntables > first_new ? s->ntables - first_new : 0;
    if (n < 2)
        return CDLT_OK;
    schema_table **v = s->tables + first_new;
    /* insertion sort: stable, and n is the number of nested tables made in one package */
    for (uint32_t i = 1; i < n; i++) {
        schema_table *t = v[i];
        const char *rt = root_name(s, t);
        uint32_t j = i;
        while (j > 0 && job_order(root_name(s, v[j - 1]), rt) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
    return CDLT_OK;
}
