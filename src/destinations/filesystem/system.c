/* system.c: reading dlt's system files back: the newest completed state of a pipeline (sync),
 * the newest stored schema, row counts, and which datasets of the bucket hold a pipeline's
 * state. File names follow dlt: <a>__<b>[__<c>].jsonl, each file one JSON document. */
#include "fs.h"

#include "destinations/writers/parquet.h"

#include "types/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

cdlt_status fs_hash_hex(const char *b64, buf *out)
{
    buf_clear(out);
    uint32_t acc = 0;
    int bits = 0;
    for (const char *p = b64; p && *p && *p != '='; p++) {
        const char *q = strchr(B64, *p);
        if (!q)
            continue;
        acc = (acc << 6) | (uint32_t)(q - B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_printf(out, "%02x", (acc >> bits) & 0xff);
        }
    }
    return out->status;
}

typedef struct sys_ctx {
    int nparts;
    fs_sys_fn fn;
    void *ud;
} sys_ctx;

static cdlt_status on_sys(void *ud, const os_object *o, cdlt_error *err)
{
    sys_ctx *c = ud;
    if (o->is_dir)
        return CDLT_OK;
    const char *base = strrchr(o->path, '/');
    base = base ? base + 1 : o->path;
    if (base[0] == '.')
        return CDLT_OK;
    /* os.path.splitext: the last extension goes */
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    fs_sysfile f;
    memset(&f, 0, sizeof f);
    f.path = o->path;
    /* rsplit("__", nparts - 1) */
    const char *end = base + n;
    const char *cut[2] = {NULL, NULL};
    int found = 0;
    for (const char *p = end - 2; p >= base && found < c->nparts - 1; p--)
        if (p[0] == '_' && p[1] == '_') {
            cut[found++] = p;
            p--; /* no overlapping match */
        }
    if (found != c->nparts - 1)
        return CDLT_OK; /* dlt skips names of another shape */
    const char *a_end = cut[found - 1];
    snprintf(f.a, sizeof f.a, "%.*s", (int)(a_end - base), base);
    if (c->nparts == 2) {
        snprintf(f.b, sizeof f.b, "%.*s", (int)(end - cut[0] - 2), cut[0] + 2);
    } else {
        snprintf(f.b, sizeof f.b, "%.*s", (int)(cut[0] - cut[1] - 2), cut[1] + 2);
        snprintf(f.c, sizeof f.c, "%.*s", (int)(end - cut[0] - 2), cut[0] + 2);
    }
    return c->fn(c->ud, &f, err);
}

cdlt_status fs_list_sys(destination *d, const char *dataset, const char *table, int nparts,
                        fs_sys_fn fn, void *ud, cdlt_error *err)
{
    buf dir = BUF_INIT;
    buf_printf(&dir, "%s/%s", dataset, table);
    sys_ctx c = {nparts, fn, ud};
    cdlt_status rc = dir.status ? err_nomem(err) : os_list(d->store, dir.data, false, on_sys,
                                                          &c, err);
    buf_free(&dir);
    return rc;
}

/* ---- state ---- */

typedef struct loads_ctx {
    strv ids;
} loads_ctx;

static cdlt_status on_loads(void *ud, const fs_sysfile *f, cdlt_error *err)
{
    loads_ctx *c = ud;
    return strv_add(&c->ids, f->b) == CDLT_OK ? CDLT_OK : err_nomem(err);
}

typedef struct newest_ctx {
    const char *name;  /* a part must equal this (NULL = any) */
    const strv *done;  /* load ids completed (NULL = no check) */
    char best[64];     /* the newest b part */
    char path[1024];
} newest_ctx;

static cdlt_status on_newest(void *ud, const fs_sysfile *f, cdlt_error *err)
{
    (void)err;
    newest_ctx *c = ud;
    if (c->name && strcmp(f->a, c->name) != 0)
        return CDLT_OK;
    if (c->done && !strv_has(c->done, f->b))
        return CDLT_OK;
    /* dlt compares the load ids as text */
    if (strcmp(f->b, c->best) > 0) {
        snprintf(c->best, sizeof c->best, "%s", f->b);
        snprintf(c->path, sizeof c->path, "%s", f->path);
    }
    return CDLT_OK;
}

/* A small JSON document into a (parsed). */
static cdlt_status read_doc(destination *d, const char *path, arena *a, jv *out,
                            cdlt_error *err)
{
    buf text = BUF_INIT;
    cdlt_status rc = os_get(d->store, path, &text, 256u << 20, err);
    json_opts o = {0, 0, path};
    if (rc == CDLT_OK)
        rc = json_parse(buf_cstr(&text), text.len, a, &o, out, err);
    buf_free(&text);
    if (rc == CDLT_OK && out->type != JV_OBJECT)
        rc = err_set(err, CDLT_DESTINATION, "%s is not a JSON object", path);
    return rc;
}

cdlt_status fs_get_stored_state(destination *d, const char *pipeline_name, buf *out_state,
                                int64_t *out_version, bool *out_found, cdlt_error *err)
{
    *out_found = false;
    if (out_version)
        *out_version = 0;
    /* only a state whose package completed (its _dlt_loads file exists): a package killed
     * before its completion mark is not restored from (dlt does not check this) */
    loads_ctx lc = {{0}};
    cdlt_status rc = fs_list_sys(d, d->dataset, "_dlt_loads", 2, on_loads, &lc, err);
    newest_ctx c;
    memset(&c, 0, sizeof c);
    c.name = pipeline_name;
    c.done = &lc.ids;
    if (rc == CDLT_OK)
        rc = fs_list_sys(d, d->dataset, "_dlt_pipeline_state", 3, on_newest, &c, err);
    strv_free(&lc.ids);
    if (rc != CDLT_OK || !c.path[0])
        return rc;
    arena a;
    arena_init(&a, 4096, 0);
    jv doc;
    rc = read_doc(d, c.path, &a, &doc, err);
    const jv *st = rc == CDLT_OK ? jv_get(&doc, "state") : NULL;
    const jv *ver = rc == CDLT_OK ? jv_get(&doc, "version") : NULL;
    if (rc == CDLT_OK && (!st || st->type != JV_STRING))
        rc = err_set(err, CDLT_DESTINATION, "state file %s has no 'state' text", c.path);
    if (rc == CDLT_OK) {
        buf_clear(out_state);
        if (buf_append(out_state, st->u.s, st->len) != CDLT_OK)
            rc = err_nomem(err);
        if (out_version && ver && ver->type == JV_INT)
            *out_version = ver->u.i;
        *out_found = rc == CDLT_OK;
    }
    arena_free(&a);
    return rc;
}

cdlt_status fs_get_stored_schema(destination *d, const char *schema_name, buf *out_json,
                                 bool *out_found, cdlt_error *err)
{
    *out_found = false;
    newest_ctx c;
    memset(&c, 0, sizeof c);
    c.name = schema_name;
    cdlt_status rc = fs_list_sys(d, d->dataset, "_dlt_version", 3, on_newest, &c, err);
    if (rc != CDLT_OK || !c.path[0])
        return rc;
    arena a;
    arena_init(&a, 1 << 16, 0);
    jv doc;
    rc = read_doc(d, c.path, &a, &doc, err);
    const jv *sj = rc == CDLT_OK ? jv_get(&doc, "schema") : NULL;
    if (rc == CDLT_OK && (!sj || sj->type != JV_STRING))
        rc = err_set(err, CDLT_DESTINATION, "schema file %s has no 'schema' text", c.path);
    if (rc == CDLT_OK) {
        buf_clear(out_json);
        rc = buf_append(out_json, sj->u.s, sj->len) == CDLT_OK ? CDLT_OK : err_nomem(err);
        *out_found = rc == CDLT_OK;
    }
    arena_free(&a);
    return rc;
}

/* ---- counts ---- */

/* Lines of one data file (jsonl rows; csv rows + its header line), gzip'd or not. */
static cdlt_status count_lines(destination *d, const char *path, int64_t *n, cdlt_error *err)
{
    os_reader *r = NULL;
    cdlt_status rc = os_reader_open(d->store, path, 0, UINT64_MAX, &r, err);
    if (rc != CDLT_OK)
        return rc;
    size_t pl = strlen(path);
    bool gz = pl > 3 && strcmp(path + pl - 3, ".gz") == 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (gz && inflateInit2(&z, 15 + 32) != Z_OK) {
        os_reader_close(r);
        return err_nomem(err);
    }
    static _Thread_local unsigned char in[65536], out[65536];
    for (;;) {
        size_t got = 0;
        rc = os_read(r, in, sizeof in, &got, err);
        if (rc != CDLT_OK || got == 0)
            break;
        if (!gz) {
            for (size_t i = 0; i < got; i++)
                *n += in[i] == '\n';
            continue;
        }
        z.next_in = in;
        z.avail_in = (uInt)got;
        while (z.avail_in) {
            z.next_out = out;
            z.avail_out = sizeof out;
            int zr = inflate(&z, Z_NO_FLUSH);
            for (size_t i = 0; i < sizeof out - z.avail_out; i++)
                *n += out[i] == '\n';
            if (zr == Z_STREAM_END) {
                inflateReset(&z);
                if (!z.avail_in)
                    break;
            } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                rc = err_set(err, CDLT_PARSE, "%s: broken gzip data", path);
                break;
            }
        }
        if (rc != CDLT_OK)
            break;
    }
    if (gz)
        inflateEnd(&z);
    os_reader_close(r);
    return rc;
}

/* length bytes at offset of a data file into out */
static cdlt_status read_range(destination *d, const char *path, uint64_t off, uint64_t len,
                              unsigned char *out, cdlt_error *err)
{
    os_reader *r = NULL;
    cdlt_status rc = os_reader_open(d->store, path, off, len, &r, err);
    uint64_t have = 0;
    while (rc == CDLT_OK && have < len) {
        size_t got = 0;
        rc = os_read(r, out + have, (size_t)(len - have), &got, err);
        if (rc == CDLT_OK && got == 0)
            rc = err_set(err, CDLT_IO, "%s: the file ended early while reading its Parquet "
                                       "footer", path);
        have += got;
    }
    os_reader_close(r);
    return rc;
}

/* Rows of one Parquet file: the num_rows of its footer (two small reads, whatever the file's
 * size). -1 when it is no readable Parquet file (e.g. cut short): the count is unknown. */
static cdlt_status count_parquet(destination *d, const char *path, uint64_t size, int64_t *n,
                                 cdlt_error *err)
{
    *n = -1;
    unsigned char tail[8];
    if (size < 12)
        return CDLT_OK;
    cdlt_status rc = read_range(d, path, size - 8, 8, tail, err);
    int64_t flen = rc == CDLT_OK ? pq_tail_footer_len(tail) : -1;
    if (rc != CDLT_OK || flen <= 0 || (uint64_t)flen > size - 12 || flen > (64 << 20))
        return rc;
    unsigned char *f = mem_alloc((size_t)flen);
    if (!f)
        return err_nomem(err);
    rc = read_range(d, path, size - 8 - (uint64_t)flen, (uint64_t)flen, f, err);
    int64_t rows = 0;
    if (rc == CDLT_OK && pq_footer_num_rows(f, (size_t)flen, &rows))
        *n = rows;
    mem_free(f);
    return rc;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t l = strlen(s), t = strlen(tail);
    return l > t && strcmp(s + l - t, tail) == 0;
}

cdlt_status fs_table_row_count(destination *d, const char *table, int64_t *out,
                               cdlt_error *err)
{
    *out = -1;
    strv files = {0};
    cdlt_status rc = fs_table_files(d, d->schema_name, table, &files, err);
    if (rc == CDLT_OK && files.n > 0)
        *out = 0;
    bool sys = strncmp(table, "_dlt", 4) == 0;
    /* counting text files reads them: only for small tables (the CLI shows counts after
     * each run; a lake of gigabytes must not be read for that). Larger: -1, not shown.
     * Parquet files are counted from their footers at any size (their row count is there) */
    uint64_t total = 0;
    uint64_t *sizes = files.n ? mem_calloc(files.n, sizeof *sizes) : NULL;
    if (rc == CDLT_OK && files.n && !sizes)
        rc = err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && !sys && i < files.n; i++) {
        rc = os_stat(d->store, files.v[i], &sizes[i], NULL, err);
        if (!ends_with(files.v[i], ".parquet"))
            total += sizes[i];
    }
    if (rc == CDLT_OK && total > FS_COUNT_MAX_BYTES) {
        mem_free(sizes);
        strv_free(&files);
        *out = -1;
        return CDLT_OK;
    }
    for (size_t i = 0; rc == CDLT_OK && i < files.n; i++) {
        if (sys) { /* one document per file */
            (*out)++;
            continue;
        }
        int64_t lines = 0;
        if (ends_with(files.v[i], ".parquet")) {
            rc = count_parquet(d, files.v[i], sizes[i], &lines, err);
            if (rc == CDLT_OK && lines < 0) { /* unreadable footer: the count is unknown */
                *out = -1;
                break;
            }
            *out += lines;
            continue;
        }
        rc = count_lines(d, files.v[i], &lines, err);
        bool csv = ends_with(files.v[i], ".csv") || ends_with(files.v[i], ".csv.gz");
        *out += csv && lines > 0 ? lines - 1 : lines;
    }
    mem_free(sizes);
    strv_free(&files);
    return rc;
}

/* ---- which datasets hold a pipeline's state ---- */

typedef struct ds_ctx {
    destination *d;
    const char *pipeline;
    strv names;  /* datasets */
    strv newest; /* their newest state load id */
} ds_ctx;

static cdlt_status on_dataset(void *ud, const os_object *o, cdlt_error *err)
{
    ds_ctx *c = ud;
    if (!o->is_dir)
        return CDLT_OK;
    char name[512];
    snprintf(name, sizeof name, "%s", o->path);
    size_t n = strlen(name);
    while (n && name[n - 1] == '/')
        name[--n] = '\0';
    if (!n || name[0] == '.')
        return CDLT_OK;
    newest_ctx nc;
    memset(&nc, 0, sizeof nc);
    nc.name = c->pipeline;
    cdlt_status rc = fs_list_sys(c->d, name, "_dlt_pipeline_state", 3, on_newest, &nc, err);
    if (rc != CDLT_OK || !nc.best[0])
        return rc;
    return strv_add(&c->names, name) == CDLT_OK && strv_add(&c->newest, nc.best) == CDLT_OK
               ? CDLT_OK
               : err_nomem(err);
}

cdlt_status fs_find_state_datasets(destination *d, const char *pipeline_name, strv *out,
                                   cdlt_error *err)
{
    ds_ctx c = {d, pipeline_name, {0}, {0}};
    cdlt_status rc = os_list(d->store, "", false, on_dataset, &c, err);
    /* newest load first */
    bool *used = rc == CDLT_OK && c.names.n ? mem_calloc(c.names.n, sizeof *used) : NULL;
    if (rc == CDLT_OK && c.names.n && !used)
        rc = err_nomem(err);
    for (size_t k = 0; rc == CDLT_OK && k < c.names.n; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < c.names.n; i++)
            if (!used[i] && (best == SIZE_MAX || strcmp(c.newest.v[i], c.newest.v[best]) > 0))
                best = i;
        used[best] = true;
        if (strv_add(out, c.names.v[best]) != CDLT_OK)
            rc = err_nomem(err);
    }
    mem_free(used);
    strv_free(&c.names);
    strv_free(&c.newest);
    return rc;
}

/* ---- dlt's max_state_files ---- */

typedef struct st_ctx {
    const char *pipeline;
    strv paths;
    double *ids;
    size_t cap;
} st_ctx;

static cdlt_status on_state(void *ud, const fs_sysfile *f, cdlt_error *err)
{
    st_ctx *c = ud;
    if (strcmp(f->a, c->pipeline) != 0)
        return CDLT_OK;
    if (c->paths.n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        double *v = mem_realloc(c->ids, cap * sizeof *v);
        if (!v)
            return err_nomem(err);
        c->ids = v;
        c->cap = cap;
    }
    c->ids[c->paths.n] = strtod(f->b, NULL); /* dlt compares load ids as floats here */
    return strv_add(&c->paths, f->path) == CDLT_OK ? CDLT_OK : err_nomem(err);
}

cdlt_status fs_cleanup_states(destination *d, const char *pipeline_name, cdlt_error *err)
{
    st_ctx c = {pipeline_name, {0}, NULL, 0};
    cdlt_status rc = fs_list_sys(d, d->dataset, "_dlt_pipeline_state", 3, on_state, &c, err);
    size_t n = c.paths.n, keep = (size_t)d->max_state_files;
    /* delete the oldest until `keep` are left (n is small: max_state_files + 1 usually) */
    while (rc == CDLT_OK && n > keep) {
        size_t old = SIZE_MAX;
        for (size_t i = 0; i < c.paths.n; i++)
            if (c.paths.v[i] && (old == SIZE_MAX || c.ids[i] < c.ids[old]))
                old = i;
        rc = os_delete(d->store, c.paths.v[old], err);
        mem_free(c.paths.v[old]);
        c.paths.v[old] = NULL;
        n--;
    }
    strv_free(&c.paths);
    mem_free(c.ids);
    return rc;
}
