/* normalize.c: the normalize phase: for each extracted package (oldest first) stream its item
 * files through the relational normalizer into the destination's load-file writer (rotated by
 * size and on new columns), then commit load/new/<id> -> load/normalized/<id> with one rename
 * and drop the extracted package (core.md §6.1). A failure leaves the extracted package,
 * except bad input in a verbatim copy (extract copied the file unparsed): that is the error a
 * parsing extract would have raised, so the package is discarded as that extract's would be. */
#include "norm_ctx.h"

#include "sources/sources.h"

#include <stdio.h>

/* Ahead: the closed file and its table's columns now, for a loader started after adoption. */
static cdlt_status remember_ahead_file(nctx *c, const wtable *wt)
{
    if (c->nahead_files == c->cap_ahead_files) {
        size_t cap = c->cap_ahead_files ? 2 * c->cap_ahead_files : 16;
        ahead_file *v = mem_realloc(c->ahead_files, cap * sizeof *v);
        if (!v)
            return err_nomem(c->err);
        c->ahead_files = v;
        c->cap_ahead_files = cap;
    }
    ahead_file *f = &c->ahead_files[c->nahead_files];
    f->path = mem_strdup(wt->path);
    f->table = mem_strdup(wt->t->name);
    f->snap = pipe_ovl_snapshot(wt->t);
    f->chunk = c->chunk;
    if (!f->path || !f->table || !f->snap) {
        mem_free(f->path);
        mem_free(f->table);
        mem_free(f->snap);
        return err_nomem(c->err);
    }
    c->nahead_files++;
    return CDLT_OK;
}

/* Ahead: the file just remembered goes to the early loader too, while every file so far is
 * of a table whose root is appended to (what it loads before the package state exists must
 * stay right whatever that state says: pipe_ovl_take_early checks it at adoption). */
static void early_push(nctx *c, const wtable *wt)
{
    if (!c->early || c->early_stopped || !c->nahead_files)
        return;
    const schema_table *root = schema_root_table(c->s, wt->t);
    if (!root || schema_table_disposition(c->s, root) != WD_APPEND) {
        c->early_stopped = true;
        LOG_DEBUG("loading while extracting stops at a file of %s (not appended to); the rest "
                  "is loaded after extract", wt->t->name);
        return;
    }
    pipe_ovl_push(c->early, c->s, wt->t, wt->path);
    c->ahead_files[c->nahead_files - 1].pushed = true;
}

static cdlt_status close_writer(nctx *c, wtable *wt)
{
    if (!wt->w)
        return CDLT_OK;
    uint64_t rows = 0;
    dest_writer *w = wt->w;
    if (wt->stat)
        wt->stat->bytes += wt->ops->bytes(w);
    wt->w = NULL;
    cdlt_status rc = wt->ops->close(w, &rows, c->err);
    if (rc == CDLT_OK && wt->path) {
        const char *slash = strrchr(wt->path, '/');
        buf_printf(&c->chunks, "%u\t%s\n", (unsigned)c->chunk, slash ? slash + 1 : wt->path);
        if (c->chunks.status != CDLT_OK)
            rc = err_nomem(c->err);
    }
    if (rc == CDLT_OK && c->ahead) {
        rc = remember_ahead_file(c, wt);
        if (rc == CDLT_OK)
            early_push(c, wt);
    } else if (rc == CDLT_OK)
        pipe_ovl_push(c->ovl, c->s, wt->t, wt->path);
    mem_free(wt->path);
    wt->path = NULL;
    return rc;
}

static wtable *get_wtable(nctx *c, const schema_table *t)
{
    if (c->last && c->last->t == t)
        return c->last;
    wtable *wt = map_get(&c->tables, t->name, strlen(t->name));
    if (!wt) {
        wt = mem_calloc(1, sizeof *wt);
        if (!wt)
            return NULL;
        wt->t = t;
        wt->stat = c->ahead ? &wt->own : info_table(c->p->cur, t->name);
        if (map_put(&c->tables, t->name, strlen(t->name), wt) != CDLT_OK) {
            mem_free(wt);
            return NULL;
        }
    }
    wt->t = t;
    c->last = wt;
    return wt;
}

static cdlt_status sink_schema_changed(void *self, const schema *s, const schema_table *t,
                                       uint32_t first_new)
{
    (void)s;
    nctx *c = self;
    wtable *wt = get_wtable(c, t);
    if (!wt)
        return err_nomem(c->err);
    wt->changed = true;
    /* the open file has the old columns: widen it where the format allows (dlt's jsonl),
     * else start a new one */
    if (first_new > 0 && wt->w && wt->ops->widen)
        return wt->ops->widen(wt->w, t);
    if (first_new > 0 && wt->w)
        return close_writer(c, wt);
    return CDLT_OK;
}

static cdlt_status sink_row(void *self, const schema_table *t, const tval *vals, uint32_t ncols)
{
    nctx *c = self;
    wtable *wt = get_wtable(c, t);
    if (!wt)
        return err_nomem(c->err);
    if (!wt->w) {
        const dest_writer_ops *ops = pipe_table_writer(c->p, c->s, t);
        const dest_writer_opts *wo = &c->p->wopts;
        char fid[11];
        store_new_file_id(fid);
        buf path = BUF_INIT;
        /* dlt's job file name: <table>.<file_id>.<retry>.<ext>[.gz] */
        buf_printf(&path, "%s/%s/%s.%s.0.%s%s", c->pkgdir, STORE_NEW_JOBS, t->name, fid,
                   ops->ext, ops->compressible && wo->compress ? ".gz" : "");
        if (path.status) {
            buf_free(&path);
            return err_nomem(c->err);
        }
        wt->ops = ops;
        cdlt_status rc = ops->open(t, path.data, wo, &wt->w, c->err);
        mem_free(wt->path);
        wt->path = rc == CDLT_OK ? mem_strdup(path.data) : NULL;
        buf_free(&path);
        if (rc != CDLT_OK)
            return rc;
        if (!wt->path) {
            ops->abort(wt->w);
            wt->w = NULL;
            return err_nomem(c->err);
        }
        wt->rows = 0;
        c->files++;
        ((schema_table *)t)->seen_data = true;
    }
    const dest_writer_ops *ops = wt->ops;
    uint64_t before = c->chunk_weight ? ops->bytes(wt->w) : 0;
    cdlt_status rc = ops->row(wt->w, vals, ncols);
    if (c->chunk_weight && rc == CDLT_OK)
        c->weight += ops->bytes(wt->w) - before + 8ull * t->ncolumns;
    if (rc != CDLT_OK) {
        /* the writer's own message has the cause (e.g. "No space left on device") */
        const char *why = ops->last_error ? ops->last_error(wt->w) : NULL;
        err_set(c->err, rc, "cannot write a row of table '%s' into its load file: %s", t->name,
                why ? why : cdlt_strerror(rc));
        err_set_table(c->err, t->name);
        if (rc == CDLT_IO)
            err_hint(c->err, "check free disk space, then run again: the extracted package is "
                             "kept and normalized again");
        return rc;
    }
    wt->rows++;
    if (wt->stat)
        wt->stat->rows++;
    if ((wt->rows & 1023) == 0 && ops->bytes(wt->w) >= c->max_bytes)
        return close_writer(c, wt);
    return CDLT_OK;
}

void pnorm_free_tables(nctx *c, bool abort_writers)
{
    for (size_t i = 0; i < c->tables.capacity; i++) {
        map_entry *e = &c->tables.slots[i];
        if (!e->key)
            continue;
        wtable *wt = e->value;
        if (wt->w && abort_writers)
            wt->ops->abort(wt->w);
        mem_free(wt->path);
        mem_free(wt);
    }
    map_free(&c->tables);
}

cdlt_status pnorm_close_all(nctx *c)
{
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; i < c->tables.capacity; i++) {
        map_entry *e = &c->tables.slots[i];
        if (!e->key)
            continue;
        wtable *wt = e->value;
        if (rc == CDLT_OK)
            rc = close_writer(c, wt);
        else if (wt->w) {
            wt->ops->abort(wt->w);
            wt->w = NULL;
            mem_free(wt->path);
            wt->path = NULL;
        }
    }
    return rc;
}

static bool is_data_error(cdlt_status rc)
{
    return rc == CDLT_PARSE || rc == CDLT_UTF8 || rc == CDLT_DEPTH || rc == CDLT_TOO_LARGE;
}

static const char *entry_str(const jv *e, const char *key)
{
    const jv *v = jv_get(e, key);
    return v && v->type == JV_STRING ? v->u.s : "?";
}

/* Where normalize_items takes its items from: an extracted items file (json_stream) or a
 * verbatim copy (src_files, the reader extract would have used). */
typedef struct item_src {
    json_stream *js;      /* items file, or NULL */
    jvb_stream *bs;       /* binary items file, or NULL */
    src_files *f;         /* verbatim copy, or NULL */
    const char *resource; /* copy: its resource; a data error then discards the package */
} item_src;

static uint64_t item_src_bytes(const item_src *in)
{
    return in->js ? json_stream_bytes_read(in->js)
           : in->bs ? jvb_stream_bytes_read(in->bs)
                    : src_files_done_bytes(in->f);
}

/* The discard of a package whose verbatim copy holds bad input (c->discard), with the
 * resource named as the parsing extract would have named it. */
static cdlt_status copy_data_error(nctx *c, const char *resource, cdlt_status rc)
{
    c->discard = true;
    err_prefix(c->err, "resource '%s': ", resource);
    err_set_resource(c->err, resource);
    return rc;
}

/* Every item of `in` into the normalizer, in batches (arena and row-id batch reset every
 * NORM_BATCH_ITEMS items); path names the job file in hints. */
/* End the chunk: close every open file (they go to the overlapped loader, then the cut). */
static cdlt_status cut_chunk(nctx *c)
{
    cdlt_status rc = pnorm_close_all(c);
    if (rc != CDLT_OK)
        return rc;
    pipe_ovl_cut(c->ovl);
    if (c->ahead && c->early && !c->early_stopped) {
        pipe_ovl_cut(c->early);
        c->early_cuts++;
    }
    LOG_DEBUG("normalize: chunk %u of the package ends (%llu bytes of data)", (unsigned)c->chunk,
              (unsigned long long)c->weight);
    c->chunk++;
    c->weight = 0;
    return CDLT_OK;
}

static cdlt_status normalize_items(nctx *c, normalizer *n, arena *a, item_src *in,
                                   const char *path, const char *table, uint64_t *bytes_base)
{
    norm_sink sink = {c, sink_schema_changed, sink_row};
    uint32_t batch = 0;
    cdlt_status rc;
    for (;;) {
        jv v;
        bool eof = false;
        rc = in->js ? json_stream_next(in->js, a, &v, &eof, c->err)
             : in->bs ? jvb_stream_next(in->bs, a, &v, &eof, c->err)
                      : src_files_next(in->f, a, &v, &eof, c->err);
        if (rc != CDLT_OK && in->resource && is_data_error(rc))
            copy_data_error(c, in->resource, rc);
        if (rc == CDLT_DEPTH)
            err_hint(c->err, "the limit is [extract] max_depth (env EXTRACT__MAX_DEPTH, "
                             "default 512): raise it, or flatten the data");
        if (rc != CDLT_OK || eof)
            break;
        rc = norm_item(n, &v, table, &sink, c->err); /* lists are split as extract splits them */
        /* a cut between items: every nested row stays in the chunk of its root row */
        if (rc == CDLT_OK && c->chunk_weight && c->weight >= c->chunk_weight)
            rc = cut_chunk(c);
        if (rc != CDLT_OK) {
            int64_t line = 0, off = 0;
            if (in->js)
                json_stream_position(in->js, &line, &off);
            else if (in->bs)
                line = jvb_stream_item(in->bs); /* the item's number */
            else
                line = src_files_line(in->f);
            /* the pending package keeps the schema (hints, contract) it was extracted with:
             * a fix in the definition only reaches data extracted again */
            buf cmd = BUF_INIT;
            pipe_cli_command(c->p, "drop-pending", &cmd);
            err_hint(c->err, "item at line %lld of %s; the package stays pending with the items "
                             "and hints it was extracted with, so running again repeats this "
                             "error: drop it with '%s', then fix the hints or the data and run "
                             "again (the data is extracted anew)",
                     (long long)line, path, buf_cstr(&cmd));
            buf_free(&cmd);
            break;
        }
        if (++batch == NORM_BATCH_ITEMS) {
            norm_batch_reset(n);
            arena_reset(a);
            batch = 0;
            if (!c->ahead)
                progress_tick(&c->p->progress, *bytes_base + item_src_bytes(in));
        }
    }
    norm_batch_reset(n);
    arena_reset(a);
    *bytes_base += item_src_bytes(in);
    return rc;
}

cdlt_status pnorm_file(nctx *c, normalizer *n, arena *a, const char *path, const char *table,
                       uint64_t *bytes_base)
{
    item_src in = {0};
    json_opts o = {c->p->json_max_depth, 0, path};
    size_t pl = strlen(path), el = strlen("." PIPE_BIN_ITEMS_EXT);
    bool bin = pl > el && strcmp(path + pl - el, "." PIPE_BIN_ITEMS_EXT) == 0;
    cdlt_status rc = bin ? jvb_stream_open_file(path, &o, &in.bs, c->err)
                         : json_stream_open_file(path, &o, &in.js, c->err);
    if (rc != CDLT_OK)
        return rc;
    rc = normalize_items(c, n, a, &in, path, table, bytes_base);
    json_stream_close(in.js);
    jvb_stream_close(in.bs);
    return rc;
}

cdlt_status pnorm_copy(nctx *c, normalizer *n, arena *a, const char *path, const char *table,
                       const char *resource, const char *source, src_files_follow_fn follow,
                       void *ud, uint64_t *bytes_base)
{
    item_src in = {0};
    in.resource = resource;
    cdlt_status rc = src_files_open_copy(path, source, 0, &in.f, c->err);
    if (rc != CDLT_OK)
        return is_data_error(rc) ? copy_data_error(c, resource, rc) : rc;
    src_files_set_max_depth(in.f, c->p->json_max_depth);
    if (follow)
        src_files_set_follow(in.f, follow, ud);
    rc = normalize_items(c, n, a, &in, path, table, bytes_base);
    src_files_close(in.f);
    return rc;
}

/* A verbatim copy, read with the file source's line reader: same items, and data errors name
 * the input file, line, column and byte. A hard link (opt-in) reads only the bytes extracted,
 * after checking they are unchanged (linkcheck.c). */
static cdlt_status normalize_copy(nctx *c, normalizer *n, arena *a, const char *path,
                                  const char *table, const jv *vb, uint64_t *bytes_base)
{
    item_src in = {0};
    in.resource = entry_str(vb, "resource");
    const char *source = entry_str(vb, "source");
    const jv *lb = jv_get(vb, "linked_bytes"), *h = jv_get(vb, "xxh3");
    const char *xxh3 = h && h->type == JV_STRING ? h->u.s : NULL;
    uint64_t limit = lb && lb->type == JV_INT && lb->u.i > 0 ? (uint64_t)lb->u.i : 0;
    if (!limit)
        return pnorm_copy(c, n, a, path, table, in.resource, source, NULL, NULL, bytes_base);
    pipe_link_stamp stamp = {0};
    cdlt_status rc = limit ? pipe_link_verify(path, source, limit, xxh3, &stamp, c->err) : CDLT_OK;
    if (rc == CDLT_OK)
        rc = src_files_open_copy(path, source, limit, &in.f, c->err);
    if (rc == CDLT_OK)
        src_files_set_max_depth(in.f, c->p->json_max_depth);
    if (rc != CDLT_OK) { /* the linked input changed: a data error, as a bad line */
        c->link_changed = limit && is_data_error(rc);
        return is_data_error(rc) ? copy_data_error(c, in.resource, rc) : rc;
    }
    rc = normalize_items(c, n, a, &in, path, table, bytes_base);
    src_files_close(in.f);
    if (rc == CDLT_OK && limit) { /* a write while normalize read: those rows are not kept */
        rc = pipe_link_recheck(path, source, limit, xxh3, &stamp, c->err);
        if (rc != CDLT_OK) {
            c->link_changed = is_data_error(rc);
            return is_data_error(rc) ? copy_data_error(c, in.resource, rc) : rc;
        }
    }
    return rc;
}

/* The package's verbatim copies (PIPE_VERBATIM_MANIFEST) into c->vb; none when absent. */
static cdlt_status read_verbatim(nctx *c, const char *ext, arena *mem, buf *tmp)
{
    if (store_path(tmp, ext, PIPE_VERBATIM_MANIFEST, NULL) != CDLT_OK)
        return err_nomem(c->err);
    if (!store_exists(tmp->data))
        return CDLT_OK;
    buf text = BUF_INIT;
    jv doc;
    json_opts o = {0, 0, PIPE_VERBATIM_MANIFEST};
    cdlt_status rc = store_read_file(tmp->data, 0, &text, c->err);
    if (rc == CDLT_OK)
        rc = json_parse(buf_cstr(&text), text.len, mem, &o, &doc, c->err);
    buf_free(&text);
    const jv *files = rc == CDLT_OK ? jv_get(&doc, "files") : NULL;
    for (uint32_t i = 0; files && files->type == JV_ARRAY && i < files->len; i++) {
        const jv *e = &files->u.items[i];
        const jv *job = jv_get(e, "job");
        if (job && job->type == JV_STRING && map_put(&c->vb, job->u.s, job->len, (void *)e))
            return err_nomem(c->err);
    }
    return rc;
}

/* Put `to` back as the package kept it in `from`: that copy, or no file when none was kept
 * (there was none before the extract). */
static cdlt_status restore_file(const char *from, const char *to, cdlt_error *e)
{
    return store_exists(from) ? store_copy_small(from, to, e) : store_rm_rf(to, e);
}

/* Bad input in a verbatim copy: put the pipeline's schema file and state back as they were
 * before the extract, then delete the package: the pipeline is left as a failed extract
 * leaves it and nothing stays pending. The package goes last, so a crash in between discards
 * it again on the next run. */
static void discard_package(cdlt_pipeline *p, const char *ext, const char *schema_name)
{
    buf from = BUF_INIT, to = BUF_INIT;
    cdlt_error e;
    cdlt_error_clear(&e);
    cdlt_status rc = store_path(&from, ext, PIPE_VERBATIM_SCHEMA, NULL) ||
                             buf_printf(&to, "%s/schemas/%s.schema.json", p->workdir, schema_name)
                         ? CDLT_NOMEM
                         : restore_file(from.data, to.data, &e);
    if (rc == CDLT_OK)
        rc = store_path(&from, ext, PIPE_VERBATIM_STATE, NULL) ||
                     pipe_path(p, &to, "state.json", NULL)
                 ? CDLT_NOMEM
                 : restore_file(from.data, to.data, &e);
    pipe_reload_state(p);
    if (rc == CDLT_OK)
        rc = store_rm_rf(ext, &e);
    if (rc != CDLT_OK)
        LOG_WARN("cannot discard the extracted package %s: %s", ext,
                 e.message[0] ? e.message : cdlt_strerror(rc));
    buf_free(&from);
    buf_free(&to);
}

static cdlt_status write_updates(nctx *c, const char *dir)
{
    buf b = BUF_INIT, path = BUF_INIT;
    buf_putc(&b, '{');
    bool first = true;
    for (size_t i = 0; i < c->tables.capacity; i++) {
        map_entry *e = &c->tables.slots[i];
        if (!e->key || !((wtable *)e->value)->changed)
            continue;
        const schema_table *t = ((wtable *)e->value)->t;
        if (!first)
            buf_putc(&b, ',');
        first = false;
        json_write_string(&b, t->name, strlen(t->name), 0);
        buf_puts(&b, ":[");
        for (uint32_t k = 0; k < t->ncolumns; k++) {
            if (k)
                buf_putc(&b, ',');
            json_write_string(&b, t->columns[k].name, t->columns[k].name_len, 0);
        }
        buf_putc(&b, ']');
    }
    buf_putc(&b, '}');
    store_path(&path, dir, "schema_updates.json", NULL);
    cdlt_status rc = b.status || path.status ? err_nomem(c->err)
                                             : store_write_atomic(path.data, b.data, b.len, c->err);
    buf_free(&b);
    buf_free(&path);
    return rc;
}

void pnorm_free_ahead_files(nctx *c)
{
    for (size_t i = 0; i < c->nahead_files; i++) {
        mem_free(c->ahead_files[i].path);
        mem_free(c->ahead_files[i].table);
        mem_free(c->ahead_files[i].snap);
    }
    mem_free(c->ahead_files);
    c->ahead_files = NULL;
    c->nahead_files = c->cap_ahead_files = 0;
}

/* The files normalize-ahead wrote go to the overlapped loader first, with their tables'
 * columns of then and the chunk cuts between them, as if this phase had just written them. */
static void replay_ahead_files(nctx *c)
{
    uint32_t chunk = c->early_cuts; /* the early loader got the files and cuts before */
    for (size_t i = 0; c->ovl && i < c->nahead_files; i++)
        if (!schema_get_table(c->s, c->ahead_files[i].table)) {
            /* cannot happen after adoption's checks; load after normalize rather than guess */
            pipe_ovl_abort(c->ovl);
            c->ovl = NULL;
        }
    for (size_t i = 0; c->ovl && i < c->nahead_files; i++) {
        ahead_file *f = &c->ahead_files[i];
        if (f->pushed)
            continue;
        for (; chunk < f->chunk; chunk++)
            pipe_ovl_cut(c->ovl);
        const schema_table *t = schema_get_table(c->s, f->table);
        pipe_ovl_push_snap(c->ovl, c->s, t, f->snap, f->path);
        f->snap = NULL;
    }
    for (; c->ovl && c->nahead_files && chunk < c->chunk; chunk++)
        pipe_ovl_cut(c->ovl);
}

static cdlt_status normalize_package(cdlt_pipeline *p, const char *load_id, bool overlap,
                                     cdlt_error *err)
{
    buf ext = BUF_INIT, dst = BUF_INIT, fin = BUF_INIT, tmp = BUF_INIT, tmp2 = BUF_INIT;
    store_names files = {0};
    schema *s = NULL;
    normalizer *n = NULL;
    nctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.err = err;
    map_init(&c.tables);
    map_init(&c.vb);
    arena a, vbmem;
    arena_init(&a, 1 << 20, 0);
    arena_init(&vbmem, 16384, 0);
    bool made = false;
    pipe_ahead *ah = NULL;
    pipe_ovl *early = NULL; /* ah's loader that ran while extracting, until taken over */
    strv skip = {0}; /* job files the ahead thread normalized */
    cdlt_status rc = CDLT_OK;
    pipe_path(p, &ext, STORE_EXTRACTED, load_id);
    pipe_path(p, &dst, STORE_LOAD_NEW, load_id);
    pipe_path(p, &fin, STORE_NORMALIZED, load_id);
    if (ext.status || dst.status || fin.status) {
        rc = err_nomem(err);
        goto done;
    }
    c.pkgdir = dst.data;
    /* the work normalize-ahead did on this package while extract ran, when it is exactly the
     * work this phase would do (ahead.c); else this phase does all of it */
    if (p->ahead && strcmp(pipe_ahead_load_id(p->ahead), load_id) == 0) {
        ah = p->ahead;
        p->ahead = NULL;
    }
    store_path(&tmp, ext.data, "schema.json", NULL);
    rc = tmp.status ? err_nomem(err) : pipe_read_schema_file(tmp.data, &s, err);
    pipe_schema_caps(p, s);
    store_path(&tmp, ext.data, STORE_NEW_JOBS, NULL);
    if (rc == CDLT_OK)
        rc = tmp.status ? err_nomem(err) : store_list(tmp.data, &files, err);
    uint32_t first_new = s ? s->ntables : 0; /* tables normalize makes come after these */
    bool adopted = rc == CDLT_OK && pipe_ahead_adopt(ah, &c, &s, &files, &skip);
    /* the load that ran while extracting goes on only with adopted work */
    early = adopted ? pipe_ahead_take_early(ah, &c.early_cuts) : NULL;
    if (!adopted) {
        pipe_ahead_free(ah); /* deletes its files in dst */
        ah = NULL;
        if (rc == CDLT_OK)
            rc = store_rm_rf(dst.data, err);
        if (rc == CDLT_OK)
            rc = store_init_package(dst.data, err);
    }
    if (rc != CDLT_OK)
        goto done;
    made = true;
    rc = norm_open(s, load_id, &n, err);
    if (rc != CDLT_OK)
        goto done;
    c.s = s;
    c.max_bytes = p->file_max_bytes;
    /* chunks need a destination that can undo an interrupted one */
    c.chunk_weight = p->dv->delete_load ? p->chunk_weight : 0;
    if (early && overlap) {
        strv et = {0}; /* the tables it loaded files of */
        bool ok = true;
        for (size_t i = 0; i < c.nahead_files && ok; i++)
            if (c.ahead_files[i].pushed && !strv_has(&et, c.ahead_files[i].table))
                ok = strv_add(&et, c.ahead_files[i].table) == CDLT_OK;
        if (ok)
            c.ovl = pipe_ovl_take_early(early, ext.data, s, &et);
        else
            pipe_ovl_abort(early);
        strv_free(&et);
        early = NULL;
    }
    pipe_ovl_abort(early); /* (no overlap for this package: roll it back) */
    early = NULL;
    if (!c.ovl) { /* every file goes to a new loader, or to the load phase */
        c.early_cuts = 0;
        for (size_t i = 0; i < c.nahead_files; i++)
            c.ahead_files[i].pushed = false;
    }
    if (overlap && !c.ovl)
        pipe_ovl_start(p, load_id, ext.data, s, &c.ovl);
    /* smaller files: the loader starts early and the tail after normalize is short */
    if (c.ovl && c.max_bytes > PIPE_OVERLAP_FILE_MAX)
        c.max_bytes = PIPE_OVERLAP_FILE_MAX;
    replay_ahead_files(&c);
    rc = read_verbatim(&c, ext.data, &vbmem, &tmp2);
    if (rc != CDLT_OK)
        goto done;
    uint64_t total = 0, base = 0;
    for (size_t i = 0; i < files.n; i++) {
        store_path(&tmp2, tmp.data, files.names[i], NULL);
        int64_t sz = store_file_size(buf_cstr(&tmp2));
        total += sz > 0 ? (uint64_t)sz : 0;
        if (sz > 0 && strv_has(&skip, files.names[i]))
            base += (uint64_t)sz;
    }
    progress_start(&p->progress, "normalize", total);
    for (size_t i = 0; rc == CDLT_OK && i < files.n; i++) {
        store_job_name jn;
        if (!store_parse_job_name(files.names[i], &jn) || strv_has(&skip, files.names[i]))
            continue;
        store_path(&tmp2, tmp.data, files.names[i], NULL);
        if (tmp2.status) {
            rc = err_nomem(err);
            break;
        }
        const jv *vb = map_get(&c.vb, files.names[i], strlen(files.names[i]));
        rc = vb ? normalize_copy(&c, n, &a, tmp2.data, jn.table, vb, &base)
                : pnorm_file(&c, n, &a, tmp2.data, jn.table, &base);
        if (rc == CDLT_OK)
            pipe_crash_point("normalize");
    }
    if (rc == CDLT_OK)
        rc = pnorm_close_all(&c);
    progress_end(&p->progress);
    if (rc == CDLT_OK && c.ovl) {
        double t0 = time_monotonic();
        pipe_ovl_drain(c.ovl); /* its files are in load/new until the rename below */
        LOG_DEBUG("normalize of %s done; waited %.3fs for the overlapped load", load_id,
                  time_monotonic() - t0);
    }
    if (rc == CDLT_OK && adopted)
        rc = pipe_ahead_order(s, first_new);
    if (rc != CDLT_OK)
        goto done;
    /* a column that saw no value keeps cdlt's x-cdlt-value-type: dlt's document has none */
    if (schema_drop_internal(s) != CDLT_OK) {
        rc = err_nomem(err);
        goto done;
    }
    bool changed = false;
    rc = schema_bump_version(s, &changed, err);
    if (rc != CDLT_OK)
        goto done;
    store_path(&tmp, dst.data, "schema.json", NULL);
    rc = tmp.status ? err_nomem(err) : pipe_save_schema_file(s, tmp.data, err);
    if (rc == CDLT_OK)
        rc = write_updates(&c, dst.data);
    if (rc == CDLT_OK && c.chunk > 0) { /* the load commits chunk by chunk */
        store_path(&tmp, dst.data, PIPE_CHUNKS_FILE, NULL);
        rc = tmp.status ? err_nomem(err)
                        : store_write_atomic(tmp.data, c.chunks.data, c.chunks.len, err);
    }
    if (rc == CDLT_OK) {
        store_path(&tmp, ext.data, "load_package_state.json", NULL);
        store_path(&tmp2, dst.data, "load_package_state.json", NULL);
        rc = tmp.status || tmp2.status ? err_nomem(err) : store_copy_small(tmp.data, tmp2.data, err);
    }
    if (rc != CDLT_OK)
        goto done;
    /* commit: one rename makes the normalized package visible; then drop the extracted one
     * (a crash in between is cleaned up by pipe_cleanup) */
    rc = store_rename(dst.data, fin.data, err);
    if (rc != CDLT_OK)
        goto done;
    made = false;
    buf_clear(&tmp);
    buf_printf(&tmp, "%s/schemas/%s.schema.json", p->workdir, s->name);
    rc = tmp.status ? err_nomem(err) : pipe_save_schema_file(s, tmp.data, err);
    if (rc == CDLT_OK)
        rc = pipe_export_schema(p, s, err);
    if (rc == CDLT_OK)
        rc = store_rm_rf(ext.data, err);
    LOG_INFO("normalized load package %s: %llu load files", load_id, (unsigned long long)c.files);
    if (rc == CDLT_OK && c.ovl) {
        bool loaded = false;
        pipe_ovl *o = c.ovl;
        c.ovl = NULL;
        rc = pipe_ovl_finish(o, s, fin.data, load_id, &loaded, err);
    }
done:
    pipe_ovl_abort(c.ovl); /* error paths: stop the loader, roll back */
    pipe_ovl_abort(early);
    if (rc != CDLT_OK) {
        pnorm_free_tables(&c, true);
        if (made)
            store_rm_rf(dst.data, NULL);
        if (c.discard) {
            discard_package(p, ext.data, s->name);
            /* chunks the overlapped loader committed before the bad line belong to a package
             * that no longer exists: take them back now, not at the next run */
            cdlt_error ue;
            cdlt_error_clear(&ue);
            if (!pipe_partial_undo_gone(p, load_id, &ue))
                err_hint(err, "part of this run's rows were committed before the bad input was "
                              "found and could not be removed now (%s): the next run removes "
                              "them; fix the input and run again",
                         ue.message[0] ? ue.message : "destination error");
            else if (!c.link_changed)
                err_hint(err, "nothing of this run was loaded; fix the input and run again");
        } else {
            err_prefix(err, "normalize of load package %s: ", load_id);
        }
    } else {
        pnorm_free_tables(&c, false);
    }
    norm_close(n);
    schema_free(s);
    pnorm_free_ahead_files(&c);
    pipe_ahead_free(ah); /* after the loader thread: its snapshots point into ah's schema */
    strv_free(&skip);
    arena_free(&a);
    map_free(&c.vb);
    arena_free(&vbmem);
    store_names_free(&files);
    buf_free(&c.chunks);
    buf_free(&ext);
    buf_free(&dst);
    buf_free(&fin);
    buf_free(&tmp);
    buf_free(&tmp2);
    return rc;
}

cdlt_status pipe_normalize(cdlt_pipeline *p, cdlt_error *err)
{
    buf dir = BUF_INIT;
    store_names ids = {0};
    cdlt_status rc = pipe_path(p, &dir, STORE_EXTRACTED, NULL) == CDLT_OK
                         ? store_list(dir.data, &ids, err)
                         : err_nomem(err);
    store_names norm = {0};
    for (size_t i = 0; rc == CDLT_OK && i < ids.n; i++) {
        /* overlap only keeps the package order when no older package waits in
         * load/normalized (e.g. one an overlapped load handed back to pipe_load) */
        bool overlap = p->overlap_now;
        if (overlap) {
            rc = pipe_path(p, &dir, STORE_NORMALIZED, NULL) == CDLT_OK
                     ? store_list(dir.data, &norm, err)
                     : err_nomem(err);
            overlap = rc == CDLT_OK && norm.n == 0;
            store_names_free(&norm);
        }
        if (rc == CDLT_OK)
            rc = normalize_package(p, ids.names[i], overlap, err);
    }
    store_names_free(&ids);
    buf_free(&dir);
    return rc;
}
