/* loader.c: a package into files: the dataset's init marker and _dlt_version file (migrate),
 * each data file copied to where the layout says (load_file; locally under a hidden temp name
 * renamed at commit), the replaced tables' old files (truncate_table: listed now, deleted at
 * commit), the pipeline state row as dlt's state file and the _dlt_loads file (complete_load;
 * both written at commit, the loads file last). */
#include "fs.h"

#include "storage/storage.h"
#include "types/types.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* dlt's `inserted_at` / `created_at` texts: pendulum.now().isoformat() */
static void now_iso(buf *out)
{
    types_fmt_timestamp((int64_t)(time_unix() * 1e6), false, out);
}

static const char *schema_hash(const schema *s, char tmp[64])
{
    if (s->version_hash)
        return s->version_hash;
    return schema_compute_hash(s, tmp) == CDLT_OK ? tmp : "";
}

/* ---- listing ---- */

typedef struct list_ctx {
    const char *prefix; /* relative to the bucket; files must start with it */
    size_t plen;
    strv *out;
} list_ctx;

static cdlt_status on_file(void *ud, const os_object *o, cdlt_error *err)
{
    list_ctx *c = ud;
    if (o->is_dir)
        return CDLT_OK;
    const char *base = strrchr(o->path, '/');
    base = base ? base + 1 : o->path;
    /* dlt skips the init marker; we also skip hidden names (our temp files) */
    if (strcmp(base, FS_INIT) == 0 || base[0] == '.')
        return CDLT_OK;
    if (strncmp(o->path, c->prefix, c->plen) != 0)
        return CDLT_OK;
    return strv_add(c->out, o->path) == CDLT_OK ? CDLT_OK : err_nomem(err);
}

cdlt_status fs_table_files(destination *d, const char *schema_name, const char *table,
                           strv *out, cdlt_error *err)
{
    buf pre = BUF_INIT, full = BUF_INIT, dir = BUF_INIT;
    cdlt_status rc = fs_table_prefix(d, schema_name ? schema_name : "", table, &pre);
    if (rc == CDLT_OK)
        rc = fs_path(d, &full, pre.data);
    if (rc != CDLT_OK) {
        buf_free(&pre);
        buf_free(&full);
        return err_nomem(err);
    }
    /* the folder holding the prefix; everything below it is matched against the prefix */
    const char *slash = strrchr(full.data, '/');
    buf_append(&dir, full.data, slash ? (size_t)(slash - full.data) : 0);
    list_ctx c = {full.data, full.len, out};
    rc = dir.status ? err_nomem(err) : os_list(d->store, buf_cstr(&dir), true, on_file, &c, err);
    buf_free(&pre);
    buf_free(&full);
    buf_free(&dir);
    return rc;
}

/* ---- migrate ---- */

static cdlt_status ensure_init(destination *d, cdlt_error *err)
{
    buf p = BUF_INIT, text = BUF_INIT;
    cdlt_status rc = fs_path(d, &p, FS_INIT) ? err_nomem(err) : CDLT_OK;
    if (rc == CDLT_OK)
        rc = os_get(d->store, p.data, &text, 1 << 16, err);
    if (rc == CDLT_NOT_FOUND) {
        cdlt_error_clear(err);
        static const char V[] = "{\"initial_version\":2,\"current_version\":2}";
        rc = os_put(d->store, p.data, V, sizeof V - 1, err);
    } else if (rc == CDLT_OK) {
        /* dlt's storage version 1 wrote an empty init and no ".gz" on compressed files;
         * dlt migrates it to 2 by rewriting the marker, which we do too */
        size_t i = 0;
        while (i < text.len && (text.data[i] == ' ' || text.data[i] == '\n'))
            i++;
        if (i == text.len) {
            static const char V[] = "{\"initial_version\":1,\"current_version\":2}";
            rc = os_put(d->store, p.data, V, sizeof V - 1, err);
        } else if (!strstr(buf_cstr(&text), "\"current_version\":2") &&
                   !strstr(buf_cstr(&text), "\"current_version\": 2")) {
            err_set(err, CDLT_DESTINATION, "dataset %s in %s has storage version marker '%s', "
                    "which cdlt does not know (it writes version 2, as dlt 1.26)", d->dataset,
                    os_store_url(d->store), buf_cstr(&text));
            rc = err_hint(err, "use a new dataset_name, or a dlt version that knows it");
        }
    }
    buf_free(&p);
    buf_free(&text);
    return rc;
}

typedef struct hash_ctx {
    const char *hex;
    bool found;
} hash_ctx;

static cdlt_status on_version(void *ud, const fs_sysfile *f, cdlt_error *err)
{
    (void)err;
    hash_ctx *h = ud;
    if (strcmp(f->c, h->hex) == 0)
        h->found = true;
    return CDLT_OK;
}

cdlt_status fs_migrate(destination *d, const schema *s, cdlt_error *err)
{
    mem_free(d->schema_name);
    d->schema_name = mem_strdup(s->name);
    if (!d->schema_name)
        return err_nomem(err);
    cdlt_status rc = ensure_init(d, err);
    if (rc != CDLT_OK)
        return rc;
    char tmp[64];
    const char *vh = schema_hash(s, tmp);
    buf hex = BUF_INIT, name = BUF_INIT, doc = BUF_INIT, sj = BUF_INIT;
    if (fs_hash_hex(vh, &hex) != CDLT_OK) {
        buf_free(&hex);
        return err_nomem(err);
    }
    hash_ctx h = {hex.data, false};
    rc = fs_list_sys(d, d->dataset, "_dlt_version", 3, on_version, &h, err);
    /* locally, dlt makes every table's folder when it stores a new schema version */
    const char *root = os_store_local_root(d->store);
    for (uint32_t i = 0; rc == CDLT_OK && !h.found && root && i < s->ntables; i++) {
        buf pre = BUF_INIT, dir = BUF_INIT;
        fs_table_prefix(d, s->name, s->tables[i]->name, &pre);
        const char *slash = strrchr(buf_cstr(&pre), '/');
        if (slash) {
            buf_printf(&dir, "%s/%s/%.*s", root, d->dataset, (int)(slash - pre.data), pre.data);
            rc = dir.status ? err_nomem(err) : store_mkdirs(dir.data, err);
        }
        buf_free(&pre);
        buf_free(&dir);
    }
    if (rc == CDLT_OK && !h.found) {
        char t[40];
        json_fmt_double(time_unix(), t);
        buf_printf(&name, "%s/_dlt_version/%s" FS_SEP "%s" FS_SEP "%s.jsonl", d->dataset,
                   s->name, t, hex.data);
        buf_puts(&doc, "{\"version_hash\":");
        json_write_string(&doc, vh, strlen(vh), 0);
        buf_puts(&doc, ",\"schema_name\":");
        json_write_string(&doc, s->name, strlen(s->name), 0);
        buf_printf(&doc, ",\"version\":%lld,\"engine_version\":%d,\"inserted_at\":\"",
                   (long long)s->version, SCHEMA_ENGINE_VERSION);
        now_iso(&doc);
        buf_puts(&doc, "\",\"schema\":");
        if (schema_to_json(s, false, &sj) != CDLT_OK)
            rc = err_nomem(err);
        json_write_string(&doc, sj.data, sj.len, 0);
        buf_putc(&doc, '}');
        if (rc == CDLT_OK)
            rc = name.status || doc.status ? err_nomem(err)
                                           : os_put(d->store, name.data, doc.data, doc.len, err);
    }
    buf_free(&hex);
    buf_free(&name);
    buf_free(&doc);
    buf_free(&sj);
    if (rc != CDLT_OK)
        err_set_table(err, "_dlt_version");
    return rc;
}

/* ---- replace / drop ---- */

cdlt_status fs_truncate_table(destination *d, const char *table, cdlt_error *err)
{
    /* listed now, deleted at commit: until then readers see the old files */
    return fs_table_files(d, d->schema_name, table, &d->doomed, err);
}

typedef struct drop_ctx {
    destination *d;
    const char *schema;
} drop_ctx;

static cdlt_status on_drop_version(void *ud, const fs_sysfile *f, cdlt_error *err)
{
    drop_ctx *c = ud;
    return strcmp(f->a, c->schema) == 0 ? os_delete(c->d->store, f->path, err) : CDLT_OK;
}

cdlt_status fs_drop_tables(destination *d, const char *const *tables, size_t n,
                           const char *schema_name, cdlt_error *err)
{
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; rc == CDLT_OK && i < n; i++) {
        strv files = {0};
        rc = fs_table_files(d, schema_name ? schema_name : d->schema_name, tables[i], &files,
                            err);
        for (size_t k = 0; rc == CDLT_OK && k < files.n; k++)
            rc = os_delete(d->store, files.v[k], err);
        strv_free(&files);
    }
    /* as dlt's drop_tables(delete_schema=True): the schema's stored versions go too */
    if (rc == CDLT_OK && schema_name) {
        drop_ctx c = {d, schema_name};
        rc = fs_list_sys(d, d->dataset, "_dlt_version", 3, on_drop_version, &c, err);
    }
    return rc;
}

/* ---- data files ---- */

/* created_at of the package holding job file `path` (<pkg>/<jobs folder>/<file>), once per
 * package: dlt's load_package_timestamp and the default current_datetime. */
static int64_t package_us(destination *d, const char *path)
{
    if (d->pkg_ts_read)
        return d->pkg_created_us;
    d->pkg_ts_read = true;
    d->pkg_created_us = INT64_MIN;
    const char *s1 = strrchr(path, '/');
    const char *s2 = s1 ? s1 - 1 : NULL;
    while (s2 && s2 > path && *s2 != '/')
        s2--;
    if (!s2 || *s2 != '/')
        return d->pkg_created_us;
    buf p = BUF_INIT, text = BUF_INIT;
    buf_printf(&p, "%.*s/load_package_state.json", (int)(s2 - path), path);
    arena a;
    arena_init(&a, 4096, 0);
    jv doc;
    json_opts o = {0, 0, "load_package_state.json"};
    if (!p.status && store_read_file(p.data, 1 << 24, &text, NULL) == CDLT_OK &&
        json_parse(text.data, text.len, &a, &o, &doc, NULL) == CDLT_OK) {
        const jv *c = jv_get(&doc, "created_at");
        if (c && c->type == JV_DOUBLE)
            d->pkg_created_us = (int64_t)(c->u.d * 1e6);
        else if (c && c->type == JV_INT)
            d->pkg_created_us = c->u.i * 1000000;
    }
    arena_free(&a);
    buf_free(&p);
    buf_free(&text);
    return d->pkg_created_us;
}

/* The state row of the package (a jsonl load file, maybe gzip'd) as dlt's state document:
 * the row without _dlt_id. */
static cdlt_status take_state(destination *d, const schema *s, const char *path,
                              cdlt_error *err)
{
    gzFile g = gzopen(path, "rb");
    if (!g) {
        err_set(err, CDLT_IO, "cannot read the state load file '%s': %s", path, strerror(errno));
        return err_set_table(err, "_dlt_pipeline_state"), CDLT_IO;
    }
    buf line = BUF_INIT;
    char chunk[16384];
    int n;
    while ((n = gzread(g, chunk, sizeof chunk)) > 0)
        buf_append(&line, chunk, (size_t)n);
    gzclose(g);
    /* the newest row is the last line (one per package in practice) */
    while (line.len && line.data[line.len - 1] == '\n')
        line.len--;
    const char *start = line.data ? line.data : "";
    for (size_t i = line.len; i > 0; i--)
        if (line.data[i - 1] == '\n') {
            start = line.data + i;
            break;
        }
    arena a;
    arena_init(&a, 4096, 0);
    jv row;
    json_opts o = {0, 0, path};
    cdlt_status rc = line.status ? CDLT_NOMEM
                                 : json_parse(start, line.len - (size_t)(start - line.data), &a,
                                              &o, &row, err);
    const jv *pn = rc == CDLT_OK ? jv_get(&row, "pipeline_name") : NULL;
    if (rc == CDLT_OK && (row.type != JV_OBJECT || !pn || pn->type != JV_STRING))
        rc = err_set(err, CDLT_DESTINATION, "the state load file '%s' holds no state row", path);
    buf doc = BUF_INIT, name = BUF_INIT, hex = BUF_INIT;
    if (rc == CDLT_OK) {
        buf_putc(&doc, '{');
        bool first = true;
        for (uint32_t i = 0; i < row.len; i++) {
            const char *k = row.u.members[i].key;
            if (strcmp(k, "_dlt_id") == 0)
                continue;
            if (!first)
                buf_putc(&doc, ',');
            first = false;
            json_write_string(&doc, k, strlen(k), 0);
            buf_putc(&doc, ':');
            json_write(&doc, &row.u.members[i].value, 0);
        }
        buf_putc(&doc, '}');
        char tmp[64];
        fs_hash_hex(schema_hash(s, tmp), &hex);
        buf_printf(&name, "%s/_dlt_pipeline_state/%s" FS_SEP "%s" FS_SEP "%s.jsonl", d->dataset,
                   pn->u.s, d->load_id, buf_cstr(&hex));
        mem_free(d->state_doc);
        mem_free(d->state_name);
        mem_free(d->state_pipeline);
        d->state_doc = doc.status ? NULL : mem_strdup(doc.data);
        d->state_name = name.status ? NULL : mem_strdup(name.data);
        d->state_pipeline = mem_strdup(pn->u.s);
        if (!d->state_doc || !d->state_name || !d->state_pipeline)
            rc = err_nomem(err);
    }
    if (rc == CDLT_NOMEM && !err->message[0])
        err_nomem(err);
    arena_free(&a);
    buf_free(&line);
    buf_free(&doc);
    buf_free(&name);
    buf_free(&hex);
    return rc;
}

static cdlt_status add_pending(destination *d, const char *final, const char *tmp,
                               cdlt_error *err)
{
    if (d->npend == d->cappend) {
        size_t cap = d->cappend ? 2 * d->cappend : 16;
        fs_pending *v = mem_realloc(d->pend, cap * sizeof *v);
        if (!v)
            return err_nomem(err);
        d->pend = v;
        d->cappend = cap;
    }
    fs_pending *p = &d->pend[d->npend];
    p->final = mem_strdup(final);
    p->tmp = tmp ? mem_strdup(tmp) : NULL;
    if (!p->final || (tmp && !p->tmp)) {
        mem_free(p->final);
        mem_free(p->tmp);
        return err_nomem(err);
    }
    d->npend++;
    return CDLT_OK;
}

/* Local: the job file under a hidden temp name next to its final place: a hard link when
 * the package and the bucket share a file system (no bytes copied), else a copy. */
static cdlt_status stage_local(destination *d, const char *root, const char *job,
                               const char *final, cdlt_error *err)
{
    buf abs = BUF_INIT, tmp = BUF_INIT;
    buf_printf(&abs, "%s/%s", root, final);
    const char *slash = strrchr(buf_cstr(&abs), '/');
    cdlt_status rc = abs.status ? err_nomem(err) : CDLT_OK;
    if (rc == CDLT_OK) {
        buf_printf(&tmp, "%.*s/.%s.cdlt-tmp", (int)(slash - abs.data), abs.data, slash + 1);
        buf dir = BUF_INIT;
        buf_append(&dir, abs.data, (size_t)(slash - abs.data));
        rc = tmp.status || dir.status ? err_nomem(err) : store_mkdirs(buf_cstr(&dir), err);
        buf_free(&dir);
    }
    if (rc == CDLT_OK) {
        unlink(tmp.data); /* a temp file of an interrupted run */
        if (link(job, tmp.data) != 0) {
            store_copy_result res;
            rc = store_copy_file(job, tmp.data, STORE_COPY_CLONE, NULL, NULL, &res, err);
        }
    }
    if (rc == CDLT_OK)
        rc = add_pending(d, final, tmp.data, err);
    buf_free(&abs);
    buf_free(&tmp);
    return rc;
}

cdlt_status fs_load_file(destination *d, const schema *s, const schema_table *t,
                         const char *path, cdlt_error *err)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    store_job_name jn;
    if (!store_parse_job_name(base, &jn))
        return err_set(err, CDLT_DESTINATION, "filesystem: '%s' is not a load job file name",
                       path);
    /* dlt writes the state in complete_load, from the package, not as a data file */
    if (strcmp(t->name, "_dlt_pipeline_state") == 0)
        return take_state(d, s, path, err);
    int64_t pk = package_us(d, path);
    fs_job j = {s ? s->name : (d->schema_name ? d->schema_name : ""),
                t->name,
                d->load_id,
                jn.file_id,
                jn.ext,
                d->current_us != INT64_MIN ? d->current_us
                : pk != INT64_MIN          ? pk
                                           : (int64_t)(time_unix() * 1e6),
                pk};
    buf rel = BUF_INIT, final = BUF_INIT;
    cdlt_status rc = strncmp(t->name, "_dlt", 4) == 0
                         ? buf_printf(&rel, "%s/%s.%s.%s", t->name, d->load_id, jn.file_id, jn.ext)
                         : fs_layout_path(d->layout, &d->extra, &j, &rel, err);
    if (rc == CDLT_OK)
        rc = fs_path(d, &final, rel.data) ? err_nomem(err) : CDLT_OK;
    const char *root = os_store_local_root(d->store);
    if (rc == CDLT_OK && root)
        rc = stage_local(d, root, path, final.data, err);
    else if (rc == CDLT_OK) /* S3: visible now; the _dlt_loads file marks it complete */
        rc = os_put_file(d->store, path, final.data, err) == CDLT_OK
                 ? add_pending(d, final.data, NULL, err)
                 : CDLT_IO;
    if (rc != CDLT_OK)
        err_set_table(err, t->name);
    buf_free(&rel);
    buf_free(&final);
    return rc;
}

/* ---- completion ---- */

cdlt_status fs_complete_load(destination *d, const schema *s, const char *load_id,
                             cdlt_error *err)
{
    char tmp[64];
    const char *vh = schema_hash(s, tmp);
    buf doc = BUF_INIT, name = BUF_INIT;
    buf_puts(&doc, "{\"load_id\":");
    json_write_string(&doc, load_id, strlen(load_id), 0);
    buf_puts(&doc, ",\"schema_name\":");
    json_write_string(&doc, s->name, strlen(s->name), 0);
    buf_puts(&doc, ",\"status\":0,\"inserted_at\":\"");
    now_iso(&doc);
    buf_puts(&doc, "\",\"schema_version_hash\":");
    json_write_string(&doc, vh, strlen(vh), 0);
    buf_putc(&doc, '}');
    buf_printf(&name, "%s/_dlt_loads/%s" FS_SEP "%s.jsonl", d->dataset, s->name, load_id);
    mem_free(d->loads_doc);
    mem_free(d->loads_name);
    d->loads_doc = doc.status ? NULL : mem_strdup(doc.data);
    d->loads_name = name.status ? NULL : mem_strdup(name.data);
    buf_free(&doc);
    buf_free(&name);
    return d->loads_doc && d->loads_name ? CDLT_OK : err_nomem(err);
}

typedef struct done_ctx {
    const char *load_id;
    bool found;
} done_ctx;

static cdlt_status on_load(void *ud, const fs_sysfile *f, cdlt_error *err)
{
    (void)err;
    done_ctx *c = ud;
    if (strcmp(f->b, c->load_id) == 0)
        c->found = true;
    return CDLT_OK;
}

cdlt_status fs_is_load_completed(destination *d, const char *load_id, bool *out,
                                 cdlt_error *err)
{
    /* the first call for every package: remember which one is open */
    snprintf(d->load_id, sizeof d->load_id, "%s", load_id);
    d->pkg_ts_read = false;
    done_ctx c = {load_id, false};
    cdlt_status rc = fs_list_sys(d, d->dataset, "_dlt_loads", 2, on_load, &c, err);
    *out = c.found;
    return rc;
}
