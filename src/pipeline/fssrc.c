/* fssrc.c: dlt's filesystem source in a pipeline (spec sources.md §8). A definition's
 * `source = {type = "filesystem", bucket_url, file_glob, reader, reader_args, incremental,
 * ...}` (or several pipes in `resources = [...]` under it) is checked key by key; each pipe
 * becomes one resource whose callback lists the bucket (objstore), keeps the files the
 * incremental cursor lets through (dlt's `filesystem(..., incremental=incremental(
 * "modification_date"))`, deduplicated by file_url), and emits either the FileItems as rows or
 * the rows a reader makes of each file (`filesystem(...) | read_csv()`). The listing's cursor
 * runs over the file items, not the rows, so it is kept here and its state written under the
 * resource's own name (resources.<name>.incremental.<cursor_path>); `reader_incremental`, a
 * cursor on the rows, is the resource's ordinary cursor (extract.c), saved next to it. */
#include "pipeline.h"

#include "incremental/incremental.h"
#include "sources/files/fsrc.h"
#include "sources/sources.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if __has_include("sources/files/parquet.h")
#include "sources/files/csvduck.h"
#include "sources/files/parquet.h"
#define FS_HAVE_PARQUET 1
#endif

/* One pipe (resource). */
typedef struct fs_pipe {
    char *bucket_url;    /* normalized: absolute local path or scheme://... */
    char *glob;          /* file_glob */
    fs_read_args args;   /* reader and options (FS_FILES: the items themselves) */
    size_t per_page;     /* files_per_page (FileItem rows per page) */
    bool content;        /* extract_content: FileItem rows carry file_content (the bytes) */
    char *incr;          /* incremental arguments as JSON, NULL = none */
    jv duck_args;        /* read_csv_duckdb: reader_args (in duck_mem), JV_NULL = none */
    arena duck_mem;      /* holds duck_args */
    bool add_filename;   /* read_csv_duckdb filename = true: dlt's "filename" column */
    char *pipeline_name; /* for the S3 credentials lookup */
} fs_pipe;

static void pipe_free(void *ud)
{
    fs_pipe *fp = ud;
    if (!fp)
        return;
    mem_free(fp->bucket_url);
    mem_free(fp->glob);
    mem_free(fp->incr);
    mem_free(fp->pipeline_name);
    arena_free(&fp->duck_mem);
    mem_free(fp);
}

/* ---- the resource ---- */

static cdlt_status open_store(const fs_pipe *fp, os_store **out, cdlt_error *err)
{
    os_options o = {0};
    cdlt_config *cfg = NULL;
    cdlt_status rc = CDLT_OK;
    if (strncmp(fp->bucket_url, "s3://", 5) == 0) {
        rc = pipe_config_open(fp->pipeline_name, &cfg, err);
        if (rc == CDLT_OK)
            rc = os_options_from_config(cfg, "sources.filesystem", &o, err);
    }
    if (rc == CDLT_OK)
        rc = os_open(fp->bucket_url, &o, out, err);
    cdlt_config_free(cfg);
    return rc;
}

/* The saved state of the cursor (JSON object text, mem_alloc'ed) or NULL. */
static char *saved_cursor(cdlt_emitter *em, const char *path)
{
    const char *json = NULL;
    if (cdlt_state_get(cdlt_emitter_resource_state(em), "incremental", &json) != CDLT_OK)
        return NULL;
    return pipe_incr_pick(json, path);
}

static cdlt_status save_cursor(cdlt_emitter *em, incr *in, cdlt_error *err)
{
    buf st = BUF_INIT, obj = BUF_INIT;
    bool save = false;
    cdlt_status rc = incr_state_json(in, &st, &save);
    if (rc == CDLT_OK && save) {
        const char *old = NULL;
        if (cdlt_state_get(cdlt_emitter_resource_state(em), "incremental", &old) != CDLT_OK)
            old = NULL;
        rc = pipe_incr_merge(old, incr_cursor_path(in), st.data, st.len, &obj) != CDLT_OK
                 ? err_nomem(err)
                 : cdlt_state_set(cdlt_emitter_resource_state(em), "incremental", obj.data);
    }
    buf_free(&st);
    buf_free(&obj);
    return rc;
}

/* A page of FileItem rows (with their bytes when extract_content is set). */
static cdlt_status emit_items(cdlt_emitter *em, os_store *s, const fs_listing *l,
                              const bool *keep, const fs_pipe *fp, cdlt_error *err)
{
    size_t per_page = fp->per_page;
    arena *a = pipe_emitter_arena(em);
    jv *items = NULL;
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!keep[i])
            continue;
        if (!items && !(items = arena_alloc(a, per_page * sizeof *items)))
            return err_nomem(err);
        cdlt_status rc = fs_item_row(&l->v[i], a, &items[n], err);
        if (rc == CDLT_OK && fp->content)
            rc = fs_item_add_content(s, &l->v[i], &items[n], a, err);
        n++;
        if (rc != CDLT_OK)
            return rc;
        if (n == per_page) {
            jv page = {.type = JV_ARRAY, .len = (uint32_t)n, .u.items = items};
            rc = pipe_emit_jv(em, &page, NULL, 0);
            items = NULL;
            n = 0;
            if (rc == CDLT_INTERRUPTED || cdlt_emitter_stopped(em))
                return CDLT_OK;
            if (rc != CDLT_OK)
                return rc;
        }
    }
    if (n) {
        jv page = {.type = JV_ARRAY, .len = (uint32_t)n, .u.items = items};
        cdlt_status rc = pipe_emit_jv(em, &page, NULL, 0);
        if (rc != CDLT_INTERRUPTED && rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

#ifdef FS_HAVE_PARQUET
/* dlt's read_csv_duckdb(filename=True): each row gets the file's name (not DuckDB's path). */
static cdlt_status add_filename(jv *page, const fs_item *it, arena *a)
{
    jv name = jv_str(a, it->name, strlen(it->name));
    if (jv_failed(&name))
        return CDLT_NOMEM;
    for (uint32_t i = 0; i < page->len; i++) {
        jv *row = &page->u.items[i];
        jv_member *m = arena_alloc(a, (row->len + 1) * sizeof *m);
        if (!m)
            return CDLT_NOMEM;
        uint32_t n = 0;
        for (uint32_t k = 0; k < row->len; k++)
            if (strcmp(row->u.members[k].key, "filename") != 0)
                m[n++] = row->u.members[k];
        m[n] = (jv_member){.key = "filename", .klen = 8, .value = name};
        row->u.members = m;
        row->len = n + 1;
    }
    return CDLT_OK;
}

/* read_parquet and read_csv_duckdb (DuckDB) need a local file: a local store's own path, else
 * a temp copy. */
static cdlt_status read_parquet_item(cdlt_emitter *em, os_store *s, const fs_item *it,
                                     const fs_pipe *fp, bool *stop, cdlt_error *err)
{
    char tmp[64] = "";
    const char *path = NULL;
    buf full = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    if (os_store_local_root(s)) {
        buf_printf(&full, "%s/%s", os_store_local_root(s), it->rel);
        path = buf_cstr(&full);
    } else {
        snprintf(tmp, sizeof tmp, "/tmp/cdlt-parquet-XXXXXX");
        int fd = mkstemp(tmp);
        os_reader *r = NULL;
        if (fd < 0)
            rc = err_set(err, CDLT_IO, "cannot make a temp file for '%s'", it->url);
        if (rc == CDLT_OK)
            rc = os_reader_open(s, it->rel, 0, UINT64_MAX, &r, err);
        char *chunk = rc == CDLT_OK ? mem_alloc(1 << 20) : NULL;
        if (rc == CDLT_OK && !chunk)
            rc = err_nomem(err);
        while (rc == CDLT_OK) {
            size_t got = 0;
            rc = os_read(r, chunk, 1 << 20, &got, err);
            if (rc != CDLT_OK || got == 0)
                break;
            if (write(fd, chunk, got) != (ssize_t)got)
                rc = err_set(err, CDLT_IO, "cannot write the temp copy of '%s'", it->url);
        }
        mem_free(chunk);
        os_reader_close(r);
        if (fd >= 0)
            close(fd);
        path = tmp;
    }
    pqr_reader *pr = NULL;
    if (rc == CDLT_OK && fp->args.format == FS_CSV_DUCKDB) {
        const char *comp = fs_csvduck_compression(path, it->url, err);
        buf q = BUF_INIT;
        rc = comp ? fs_csvduck_query(path, &fp->duck_args, comp, &q, err) : CDLT_PARSE;
        if (rc == CDLT_OK)
            rc = pqr_open_sql(q.data, it->url, (uint32_t)fp->args.chunksize, "read_csv_duckdb",
                              &pr, err);
        buf_free(&q);
    } else if (rc == CDLT_OK) {
        rc = pqr_open(path, it->url, (uint32_t)fp->args.chunksize, &pr, err);
    }
    while (rc == CDLT_OK) {
        jv page;
        bool eof = false;
        rc = pqr_next(pr, pipe_emitter_arena(em), &page, &eof, err);
        if (rc != CDLT_OK || eof)
            break;
        if (fp->add_filename && add_filename(&page, it, pipe_emitter_arena(em)) != CDLT_OK)
            rc = err_nomem(err);
        if (rc == CDLT_OK)
            rc = pipe_emit_jv(em, &page, NULL, 0);
        if (rc == CDLT_INTERRUPTED || cdlt_emitter_stopped(em)) {
            *stop = true;
            rc = CDLT_OK;
            break;
        }
    }
    pqr_close(pr);
    if (tmp[0])
        unlink(tmp);
    buf_free(&full);
    return rc;
}
#endif

static cdlt_status fs_fn(cdlt_emitter *em, void *ud)
{
    fs_pipe *fp = ud;
    cdlt_error *err = pipe_emitter_error(em);
    const char *rname = cdlt_emitter_resource_name(em);
    os_store *s = NULL;
    fs_listing l = {0};
    incr *in = NULL;
    bool *keep = NULL;
    arena ia; /* item rows the cursor looks at */
    arena_init(&ia, 16384, 0);
    cdlt_status rc = open_store(fp, &s, err);
    if (rc == CDLT_OK)
        rc = fs_list(s, fp->glob, &l, err);
    if (rc == CDLT_OK && !(keep = mem_calloc(l.n ? l.n : 1, sizeof *keep)))
        rc = err_nomem(err);
    if (rc == CDLT_OK && fp->incr) {
        static const char *const PK[] = {"file_url"};
        incr *probe = NULL;
        rc = incr_open(fp->incr, NULL, PK, 1, rname, &probe, err);
        char *saved = rc == CDLT_OK ? saved_cursor(em, incr_cursor_path(probe)) : NULL;
        incr_free(probe);
        if (rc == CDLT_OK)
            rc = incr_open(fp->incr, saved, PK, 1, rname, &in, err);
        mem_free(saved);
    }
    uint64_t total = 0, done = 0;
    for (size_t i = 0; rc == CDLT_OK && i < l.n; i++) {
        keep[i] = true;
        if (in) {
            jv row;
            rc = fs_item_row(&l.v[i], &ia, &row, err);
            if (rc == CDLT_OK)
                rc = incr_filter(in, &row, &keep[i], err);
        }
        if (keep[i])
            total += l.v[i].size;
    }
    if (rc == CDLT_OK && fp->args.format == FS_FILES) {
        rc = emit_items(em, s, &l, keep, fp, err);
    } else {
        bool stop = false;
        for (size_t i = 0; rc == CDLT_OK && !stop && i < l.n; i++) {
            if (!keep[i])
                continue;
            if (fp->args.format == FS_PARQUET || fp->args.format == FS_CSV_DUCKDB) {
#ifdef FS_HAVE_PARQUET
                rc = read_parquet_item(em, s, &l.v[i], fp, &stop, err);
#else
                rc = err_set(err, CDLT_UNSUPPORTED, "read_parquet / read_csv_duckdb are not built "
                                                    "into this cdlt");
#endif
                done += l.v[i].size;
                continue;
            }
            fs_reader *r = NULL;
            rc = fs_reader_open(s, &l.v[i], &fp->args, &r, err);
            while (rc == CDLT_OK) {
                jv page;
                bool eof = false;
                rc = fs_reader_next(r, pipe_emitter_arena(em), &page, &eof, err);
                if (rc != CDLT_OK || eof)
                    break;
                if (page.len == 0)
                    continue;
                rc = pipe_emit_jv(em, &page, NULL, 0);
                pipe_emitter_progress(em, done + fs_reader_bytes(r), total);
                if (rc == CDLT_INTERRUPTED || cdlt_emitter_stopped(em)) {
                    stop = true;
                    rc = CDLT_OK;
                    break;
                }
            }
            done += l.v[i].size;
            fs_reader_close(r);
        }
    }
    if (rc == CDLT_OK && in)
        rc = save_cursor(em, in, err);
    if (rc != CDLT_OK && err && !err->resource[0])
        err_set_resource(err, rname);
    incr_free(in);
    mem_free(keep);
    fs_listing_free(&l);
    os_close(s);
    arena_free(&ia);
    return rc;
}

/* ---- the definition ---- */

static const char *const SRC_KEYS[] = {
    "type", "bucket_url", "file_glob", "files_per_page", "extract_content", "reader",
    "reader_args", "incremental", "reader_incremental", "name", "resources",
    "write_disposition", "primary_key", "merge_key", "columns", "table_name",
    "max_table_nesting", "schema_contract", "selected", "limit", NULL};
static const char *const PIPE_KEYS[] = {
    "bucket_url", "file_glob", "files_per_page", "extract_content", "reader", "reader_args",
    "incremental", "reader_incremental", "name", "write_disposition", "primary_key", "merge_key", "columns",
    "table_name", "max_table_nesting", "schema_contract", "selected", "limit", NULL};
static const char *const HINT_KEYS[] = {"write_disposition", "primary_key", "merge_key",
                                        "columns", "table_name", "max_table_nesting",
                                        "schema_contract", "selected", "limit", NULL};
/* read_csv's pandas keyword arguments we take; read_jsonl/read_parquet take chunksize only */
static const char *const CSV_ARGS[] = {"chunksize", "sep", "delimiter", "quotechar", "quoting",
                                       "header", "encoding", "skip_blank_lines", NULL};
static const char *const CHUNK_ARGS[] = {"chunksize", NULL};

static cdlt_status bad_value(const char *defpath, const char *place, const char *key,
                             const char *want, cdlt_error *err)
{
    return err_set(err, CDLT_CONFIG, "%s: %s.%s must be %s (see docs/filesystem_source.md)",
                   defpath, place, key, want);
}

/* key of the pipe entry, else of the source table */
static const jv *pick(const jv *entry, const jv *src, const char *key)
{
    const jv *v = entry ? jv_get(entry, key) : NULL;
    return v ? v : (src ? jv_get(src, key) : NULL);
}

/* One character option (sep, quotechar). */
static cdlt_status one_char(const jv *v, const char *defpath, const char *place, const char *key,
                            char *out, cdlt_error *err)
{
    if (!v)
        return CDLT_OK;
    if (v->type != JV_STRING || v->len != 1 || v->u.s[0] == '\n' || v->u.s[0] == '\r')
        return bad_value(defpath, place, key, "one character (not a line end)", err);
    *out = v->u.s[0];
    return CDLT_OK;
}

static cdlt_status parse_reader_args(const jv *ra, fs_read_args *a, const char *defpath,
                                     const char *place, cdlt_error *err)
{
    char where[300];
    snprintf(where, sizeof where, "%s.reader_args", place);
    if (!ra)
        return CDLT_OK;
    if (ra->type != JV_OBJECT)
        return bad_value(defpath, place, "reader_args",
                         "a table of the reader's keyword arguments (chunksize, sep, ...)", err);
    const char *const *allowed = a->format == FS_CSV           ? CSV_ARGS
                                 : a->format == FS_CSV_DUCKDB ? fs_csvduck_keys
                                                              : CHUNK_ARGS;
    cdlt_status rc = pipe_def_check_keys(ra, allowed, where, defpath,
                                         "docs/filesystem_source.md", err);
    if (rc != CDLT_OK)
        return rc;
    const jv *v;
    if (a->format == FS_CSV_DUCKDB) { /* the rest goes to DuckDB's read_csv as it is */
        if ((v = jv_get(ra, "chunk_size"))) {
            if (v->type != JV_INT || v->u.i < 1 || v->u.i > 10000000)
                return bad_value(defpath, where, "chunk_size", "a whole number (1..10000000)",
                                 err);
            a->chunksize = (size_t)v->u.i;
        }
        if ((v = jv_get(ra, "use_pyarrow")) && (v->type != JV_BOOL || v->u.b))
            return err_set(err, CDLT_UNSUPPORTED,
                           "%s: %s.use_pyarrow = true is not supported by cdlt (rows are read "
                           "as dlt reads them without pyarrow); remove it", defpath, where);
        return CDLT_OK;
    }
    if ((v = jv_get(ra, "chunksize"))) {
        if (v->type != JV_INT || v->u.i < 1 || v->u.i > 10000000)
            return bad_value(defpath, where, "chunksize", "a whole number (1..10000000)", err);
        a->chunksize = (size_t)v->u.i;
    }
    if (a->format != FS_CSV)
        return CDLT_OK;
    if ((rc = one_char(jv_get(ra, "sep"), defpath, where, "sep", &a->csv.delimiter, err)) ||
        (rc = one_char(jv_get(ra, "delimiter"), defpath, where, "delimiter", &a->csv.delimiter,
                       err)) ||
        (rc = one_char(jv_get(ra, "quotechar"), defpath, where, "quotechar", &a->csv.quote, err)))
        return rc;
    if ((v = jv_get(ra, "quoting"))) {
        if (v->type != JV_INT || (v->u.i != 0 && v->u.i != 3))
            return bad_value(defpath, where, "quoting",
                             "0 (csv.QUOTE_MINIMAL, the default) or 3 (csv.QUOTE_NONE)", err);
        a->csv.no_quoting = v->u.i == 3;
    }
    if ((v = jv_get(ra, "header"))) {
        if (v->type == JV_NULL || (v->type == JV_STRING && strcmp(v->u.s, "none") == 0))
            a->csv.no_header = true;
        else if (!((v->type == JV_STRING && strcmp(v->u.s, "infer") == 0) ||
                   (v->type == JV_INT && v->u.i == 0)))
            return bad_value(defpath, where, "header",
                             "\"infer\" or 0 (the first line names the columns) or \"none\" "
                             "(pandas header=None: columns 0, 1, ...)", err);
    }
    if ((v = jv_get(ra, "skip_blank_lines"))) {
        if (v->type != JV_BOOL)
            return bad_value(defpath, where, "skip_blank_lines", "true or false", err);
        a->csv.keep_blank_lines = !v->u.b;
    }
    if ((v = jv_get(ra, "encoding"))) {
        char e[32] = "";
        if (v->type == JV_STRING && v->len < sizeof e) {
            for (uint32_t i = 0; i < v->len; i++)
                e[i] = (char)(v->u.s[i] >= 'A' && v->u.s[i] <= 'Z' ? v->u.s[i] + 32 : v->u.s[i]);
        }
        /* Python's codec names and aliases for the two encodings we read */
        static const char *const UTF8[] = {"utf-8", "utf8", "utf_8", "u8", "utf-8-sig",
                                           "utf_8_sig", NULL};
        static const char *const LATIN1[] = {"latin-1", "latin1", "latin_1", "iso-8859-1",
                                             "iso8859-1", "iso_8859_1", "8859", "l1", "cp819",
                                             NULL};
        if (pipe_def_in_list(e, UTF8))
            a->csv.encoding = CSV_UTF8;
        else if (pipe_def_in_list(e, LATIN1))
            a->csv.encoding = CSV_LATIN1;
        else
            return bad_value(defpath, where, "encoding",
                             "\"utf-8\" or \"latin-1\" (or one of Python's aliases of them)",
                             err);
    }
    return CDLT_OK;
}

/* bucket_url as the store opens it: a relative local path is relative to the definition's
 * folder (as resource paths are), '~' is the home folder. */
static char *norm_bucket(const char *url, const char *defpath)
{
    if (strstr(url, "://"))
        return mem_strdup(url);
    char *home = src_expand_home(url);
    if (!home || home[0] == '/' || !defpath)
        return home;
    const char *sl = strrchr(defpath, '/');
    buf b = BUF_INIT;
    if (sl)
        buf_printf(&b, "%.*s/%s", (int)(sl - defpath), defpath, home);
    else
        buf_puts(&b, home);
    mem_free(home);
    char *out = b.status == CDLT_OK ? buf_detach(&b, NULL) : NULL;
    buf_free(&b);
    return out;
}

/* The hint keys of o (without incremental: the cursor runs over file items here). */
static cdlt_status hint_subset(const jv *o, arena *a, jv *out)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; o && o->type == JV_OBJECT && i < o->len; i++) {
        const jv_member *m = &o->u.members[i];
        if (pipe_def_in_list(m->key, HINT_KEYS) && jv_builder_set(&b, a, m->key, m->klen, m->value) != CDLT_OK)
            return CDLT_NOMEM;
    }
    *out = b.value;
    return CDLT_OK;
}

/* The FileItems table's cursor column gets dlt's `incremental` hint, as the table of any
 * resource with a cursor (extract.c marks those; this cursor is kept here). */
static cdlt_status mark_cursor_column(cdlt_resource *r, const char *spec)
{
    static const char *const PK[] = {"file_url"};
    incr *in = NULL;
    if (incr_open(spec, NULL, PK, 1, r->name, &in, NULL) != CDLT_OK)
        return CDLT_OK; /* checked when the pipe was read */
    const char *cc = incr_cursor_column(in);
    cdlt_status rc = CDLT_OK;
    size_t i = 0;
    while (cc && i < r->ncols && strcmp(r->cols[i].name, cc) != 0)
        i++;
    if (cc && i == r->ncols)
        rc = cdlt_resource_add_column(r, cc, NULL, true);
    if (cc && rc == CDLT_OK)
        r->cols[i].hints |= HINT_INCREMENTAL;
    incr_free(in);
    return rc;
}

/* reader_incremental: dlt's apply_hints(incremental=...) on the reader's pipe, a cursor on
 * the rows read (the resource's own cursor in extract.c: state, boundary dedup, row_order),
 * next to `incremental` on the file listing. Set after the hints: its default dedup key is the
 * resource's primary key. */
static cdlt_status rows_incremental(cdlt_resource *r, const jv *riv, const jv *iv,
                                    const char *reader, const char *defpath, const char *place,
                                    cdlt_error *err)
{
    if (!riv)
        return CDLT_OK;
    if (!reader)
        return err_set(err, CDLT_CONFIG, "%s: %s.reader_incremental filters the rows of a reader: "
                                         "set reader = \"read_csv\" (...), or use incremental = "
                                         "{...} for the file items", defpath, place);
    if (riv->type != JV_OBJECT)
        return bad_value(defpath, place, "reader_incremental",
                         "a table of dlt's incremental arguments (cursor_path = \"updated_at\", "
                         "initial_value = ...)", err);
    const jv *c1 = iv && iv->type == JV_OBJECT ? jv_get(iv, "cursor_path") : NULL;
    const jv *c2 = jv_get(riv, "cursor_path");
    if (c1 && c2 && c1->type == JV_STRING && c2->type == JV_STRING && strcmp(c1->u.s, c2->u.s) == 0)
        return err_set(err, CDLT_CONFIG, "%s: %s: incremental and reader_incremental both use "
                                         "cursor_path '%s': their states would share one place "
                                         "(resources.<name>.incremental.%s); the file listing's "
                                         "cursor is modification_date", defpath, place, c1->u.s,
                       c1->u.s);
    r->incr_keep_open = true;
    buf b = BUF_INIT;
    json_write(&b, riv, 0);
    cdlt_status rc = b.status != CDLT_OK ? err_nomem(err)
                                         : cdlt_resource_set_incremental(r, b.data, err);
    buf_free(&b);
    if (rc == CDLT_NOMEM)
        rc = err_nomem(err);
    else if (rc != CDLT_OK)
        err_prefix(err, "%s: %s.reader_incremental: ", defpath, place);
    return rc;
}

static cdlt_status add_pipe(cdlt_source *src, const jv *cfg, const jv *entry, const char *place,
                            const char *defpath, const char *pipeline_name, cdlt_error *err)
{
    const jv *v;
    const char *const STR[] = {"bucket_url", "file_glob", "reader", "name", NULL};
    for (size_t i = 0; STR[i]; i++)
        if ((v = pick(entry, cfg, STR[i])) && v->type != JV_STRING)
            return bad_value(defpath, place, STR[i], "a string", err);
    const jv *bu = pick(entry, cfg, "bucket_url");
    if (!bu || !bu->len)
        return err_set(err, CDLT_CONFIG, "%s: %s.bucket_url is missing: the folder or bucket to "
                                         "read (a local path, file:///..., s3://bucket/prefix)",
                       defpath, place);
    if ((v = pick(entry, cfg, "extract_content")) && v->type != JV_BOOL)
        return bad_value(defpath, place, "extract_content", "true or false", err);
    fs_pipe *fp = mem_calloc(1, sizeof *fp);
    if (!fp)
        return err_nomem(err);
    /* with a reader the rows are the file's records: dlt's readers then parse file_content
     * instead of opening the file again, which gives the same rows; so it only matters for
     * FileItem rows */
    fp->content = v && v->u.b;
    fp->per_page = 100;
    cdlt_status rc = CDLT_OK;
    if ((v = pick(entry, cfg, "files_per_page"))) {
        if (v->type != JV_INT || v->u.i < 1 || v->u.i > 1000000)
            rc = bad_value(defpath, place, "files_per_page", "a whole number (1..1000000)", err);
        else
            fp->per_page = (size_t)v->u.i;
    }
    const jv *rd = pick(entry, cfg, "reader");
    const char *rname = rd ? rd->u.s : NULL;
    if (rc == CDLT_OK && rname) {
        if (strcmp(rname, "read_csv") == 0)
            fp->args.format = FS_CSV;
        else if (strcmp(rname, "read_jsonl") == 0)
            fp->args.format = FS_JSONL;
        else if (strcmp(rname, "read_parquet") == 0)
            fp->args.format = FS_PARQUET;
        else if (strcmp(rname, "read_csv_duckdb") == 0)
            fp->args.format = FS_CSV_DUCKDB;
        else
            rc = bad_value(defpath, place, "reader",
                           "one of dlt's readers: read_csv, read_jsonl, read_parquet, "
                           "read_csv_duckdb (leave it "
                           "out to load the file items themselves)", err);
    }
    if (rc == CDLT_OK && !rname && pick(entry, cfg, "reader_args"))
        rc = err_set(err, CDLT_CONFIG, "%s: %s.reader_args needs a reader (reader = "
                                       "\"read_csv\", ...)", defpath, place);
    if (rc == CDLT_OK)
        rc = parse_reader_args(pick(entry, cfg, "reader_args"), &fp->args, defpath, place, err);
    arena_init(&fp->duck_mem, 1024, 0);
    fp->duck_args = jv_null();
    if (rc == CDLT_OK && fp->args.format == FS_CSV_DUCKDB) {
        const jv *ra = pick(entry, cfg, "reader_args");
        if (!fp->args.chunksize)
            fp->args.chunksize = 5000; /* dlt's read_csv_duckdb default */
        if (ra && jv_copy(&fp->duck_mem, ra, &fp->duck_args) != CDLT_OK)
            rc = err_nomem(err);
        /* dlt pops filename and adds the file's name to each row when it is truthy */
        const jv *fv = ra ? jv_get(ra, "filename") : NULL;
        fp->add_filename = fv && !(fv->type == JV_NULL || (fv->type == JV_BOOL && !fv->u.b) ||
                                   (fv->type == JV_INT && fv->u.i == 0) ||
                                   (fv->type == JV_STRING && fv->len == 0));
    }
    const jv *glob = pick(entry, cfg, "file_glob");
    if (rc == CDLT_OK) {
        fp->bucket_url = norm_bucket(bu->u.s, defpath);
        fp->glob = mem_strdup(glob ? glob->u.s : "*");
        fp->pipeline_name = mem_strdup(pipeline_name ? pipeline_name : "");
        if (!fp->bucket_url || !fp->glob || !fp->pipeline_name)
            rc = err_nomem(err);
    }
    /* file_glob = "": the bucket URL names one file: list its folder for its name */
    if (rc == CDLT_OK && !fp->glob[0]) {
        char *sl = strrchr(fp->bucket_url, '/');
        if (!sl || !sl[1]) {
            rc = err_set(err, CDLT_CONFIG, "%s: %s: file_glob = \"\" needs a bucket_url that "
                                           "names one file", defpath, place);
        } else {
            mem_free(fp->glob);
            fp->glob = mem_strdup(sl + 1);
            *sl = 0;
            if (!fp->glob)
                rc = err_nomem(err);
        }
    }
    const jv *iv = pick(entry, cfg, "incremental");
    if (rc == CDLT_OK && iv) {
        if (iv->type != JV_OBJECT) {
            rc = bad_value(defpath, place, "incremental",
                           "a table of dlt's incremental arguments (cursor_path = "
                           "\"modification_date\", ...)", err);
        } else {
            buf b = BUF_INIT;
            json_write(&b, iv, 0);
            fp->incr = b.status ? NULL : buf_detach(&b, NULL);
            buf_free(&b);
            if (!fp->incr)
                rc = err_nomem(err);
            static const char *const PK[] = {"file_url"};
            incr *probe = NULL;
            if (rc == CDLT_OK)
                rc = incr_open(fp->incr, NULL, PK, 1, place, &probe, err);
            incr_free(probe);
        }
    }
    /* the resource name: dlt's with_name, else the reader's name, else "filesystem" */
    const jv *nm = pick(entry, cfg, "name");
    const char *name = nm ? nm->u.s : rname ? rname : "filesystem";
    cdlt_resource *r = NULL;
    if (rc == CDLT_OK && cdlt_resource_open(name, fs_fn, fp, &r) != CDLT_OK)
        rc = err_set(err, CDLT_CONFIG, "%s: %s: '%s' cannot name a resource", defpath, place,
                     name);
    if (rc != CDLT_OK) {
        pipe_free(fp);
        return rc;
    }
    r->ud_free = pipe_free;
    /* read_parquet's (and read_csv_duckdb's, same reader) values keep their kinds (date,
     * time, naive/aware timestamps, decimal and bytes marks) up to the normalizer, as
     * pyarrow's / DuckDB's Python objects do in dlt: JSON text would turn them into strings
     * (text columns); cdlt's binary items keep them */
    if (fp->args.format == FS_PARQUET || fp->args.format == FS_CSV_DUCKDB)
        r->binary_items = r->typed_kinds = true;
    /* file_content is bytes in dlt (a binary column): its binary mark needs the same path */
    if (fp->args.format == FS_FILES && fp->content)
        r->binary_items = r->typed_kinds = true;
    if (fp->args.format == FS_FILES) {
        /* FileItem rows: dlt's primary key and the timestamp type of modification_date */
        const char *pk[] = {"file_url"};
        rc = cdlt_resource_set_primary_key(r, pk, 1);
        if (rc == CDLT_OK)
            rc = cdlt_resource_add_column(r, "modification_date", "timestamp", true);
        if (rc == CDLT_OK && fp->incr)
            rc = mark_cursor_column(r, fp->incr);
        if (rc != CDLT_OK)
            rc = err_nomem(err);
    }
    arena a;
    arena_init(&a, 4096, 0);
    jv dflt = jv_null(), own = jv_null();
    if (rc == CDLT_OK && (hint_subset(cfg, &a, &dflt) != CDLT_OK ||
                          hint_subset(entry, &a, &own) != CDLT_OK))
        rc = err_nomem(err);
    if (rc == CDLT_OK)
        rc = pipe_def_apply_hints(defpath, r, &dflt, entry ? &own : NULL, place, err);
    arena_free(&a);
    if (rc == CDLT_OK)
        rc = rows_incremental(r, pick(entry, cfg, "reader_incremental"), iv, rname, defpath,
                              place, err);
    if (rc == CDLT_OK) {
        rc = cdlt_source_add(src, r);
        if (rc == CDLT_EXISTS) {
            cdlt_resource_free(r);
            return err_set(err, CDLT_CONFIG, "%s: %s: two resources are named '%s'; give each "
                                             "pipe its own name = \"...\"", defpath, place, name);
        }
        if (rc != CDLT_OK) {
            cdlt_resource_free(r);
            return err_nomem(err);
        }
        return CDLT_OK;
    }
    cdlt_resource_free(r);
    return rc;
}

cdlt_status pipe_fs_add(cdlt_source *src, const jv *cfg, const char *where, const char *defpath,
                        const char *pipeline_name, cdlt_error *err)
{
    cdlt_status rc = pipe_def_check_keys(cfg, SRC_KEYS, where, defpath,
                                         "docs/filesystem_source.md", err);
    if (rc != CDLT_OK)
        return rc;
    const jv *res = jv_get(cfg, "resources");
    if (!res)
        return add_pipe(src, cfg, NULL, where, defpath, pipeline_name, err);
    if (res->type != JV_ARRAY || res->len == 0)
        return bad_value(defpath, where, "resources",
                         "a list of pipes ({name, file_glob, reader, ...}; the source's keys are "
                         "their defaults)", err);
    char place[256];
    for (uint32_t i = 0; rc == CDLT_OK && i < res->len; i++) {
        const jv *e = &res->u.items[i];
        snprintf(place, sizeof place, "%s.resources[%u]", where, i);
        if (e->type != JV_OBJECT)
            rc = bad_value(defpath, place, "", "a table", err);
        if (rc == CDLT_OK)
            rc = pipe_def_check_keys(e, PIPE_KEYS, place, defpath,
                                     "docs/filesystem_source.md", err);
        if (rc == CDLT_OK)
            rc = add_pipe(src, cfg, e, place, defpath, pipeline_name, err);
    }
    return rc;
}
