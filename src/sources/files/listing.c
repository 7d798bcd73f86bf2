/* listing.c: dlt's filesystem listing over an object store: the files whose relative path
 * matches file_glob, as FileItems. The store is listed from the glob's literal folder prefix,
 * recursively only when the glob needs it ('**' or a '/' after a wildcard), so the default
 * "*" reads one folder. Results are sorted by relative path (dlt's order is the OS's or the
 * store's; a sorted one makes runs repeatable). */
#include "fsrc.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static bool has_wild(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[')
            return true;
    return false;
}

/* Match glob segments [g, ge) against path segments [p, pe) ('/'-separated strings). */
static bool match_from(const char *g, const char *p, bool skip_hidden)
{
    const char *gs = strchr(g, '/');
    size_t gl = gs ? (size_t)(gs - g) : strlen(g);
    if (gl == 2 && g[0] == '*' && g[1] == '*') {
        const char *gnext = gs ? gs + 1 : NULL;
        /* zero folders: the rest of the glob against the same path */
        if (!gnext)
            return true; /* a final '**' matches everything below, files included */
        if (match_from(gnext, p, skip_hidden))
            return true;
        /* one more folder: consume a path segment (not the last: that is a file) */
        const char *ps = strchr(p, '/');
        if (!ps)
            return false;
        if (skip_hidden && p[0] == '.')
            return false;
        return match_from(g, ps + 1, skip_hidden);
    }
    const char *ps = strchr(p, '/');
    size_t pl = ps ? (size_t)(ps - p) : strlen(p);
    if ((gs == NULL) != (ps == NULL))
        return false;
    char gseg[1024], pseg[1024];
    if (gl >= sizeof gseg || pl >= sizeof pseg)
        return false;
    memcpy(gseg, g, gl);
    gseg[gl] = 0;
    memcpy(pseg, p, pl);
    pseg[pl] = 0;
    if (skip_hidden && pseg[0] == '.' && gseg[0] != '.')
        return false;
    if (fnmatch(gseg, pseg, 0) != 0)
        return false;
    return gs ? match_from(gs + 1, ps + 1, skip_hidden) : true;
}

bool fs_glob_match(const char *glob, const char *path, bool skip_hidden)
{
    return match_from(glob, path, skip_hidden);
}

/* Python's mimetypes (strict=False) for the endings people load; the rest falls back as
 * dlt does: "application/<ext>", or application/octet-stream without an extension. */
static const struct {
    const char *ext;
    const char *mime;
} MIMES[] = {{"csv", "text/csv"},          {"tsv", "text/tab-separated-values"},
             {"txt", "text/plain"},        {"json", "application/json"},
             {"xml", "application/xml"},   {"zst", "application/zstd"},
             {"html", "text/html"},        {"htm", "text/html"},
             {"md", "text/markdown"},      {"pdf", "application/pdf"},
             {"zip", "application/zip"},   {"tar", "application/x-tar"},
             {"png", "image/png"},         {"jpg", "image/jpeg"},
             {"jpeg", "image/jpeg"},       {"gif", "image/gif"},
             {"xls", "application/vnd.ms-excel"},
             {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
             {NULL, NULL}};
static const struct {
    const char *ext;
    const char *enc;
} ENCODINGS[] = {{"gz", "gzip"}, {"bz2", "bzip2"}, {"xz", "xz"}, {"br", "br"}, {"Z", "compress"},
                 {NULL, NULL}};

void fs_guess_mime(const char *name, char *mime, size_t cap, const char **encoding)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    *encoding = NULL;
    const char *dot = strrchr(base, '.');
    const char *first_ext = dot && dot != base ? dot + 1 : NULL; /* splitext of the name */
    size_t stem = strlen(base);
    if (first_ext) {
        for (size_t i = 0; ENCODINGS[i].ext; i++)
            if (strcmp(first_ext, ENCODINGS[i].ext) == 0) {
                *encoding = ENCODINGS[i].enc;
                stem = (size_t)(dot - base);
                break;
            }
    }
    /* the type comes from the extension before an encoding one ("a.csv.gz" -> text/csv) */
    const char *tdot = NULL;
    for (size_t i = stem; i > 0; i--)
        if (base[i - 1] == '.') {
            tdot = base + i - 1;
            break;
        }
    if (tdot && tdot != base) {
        size_t el = stem - (size_t)(tdot + 1 - base);
        for (size_t i = 0; MIMES[i].ext; i++)
            if (strlen(MIMES[i].ext) == el && strncasecmp(tdot + 1, MIMES[i].ext, el) == 0) {
                snprintf(mime, cap, "%s", MIMES[i].mime);
                return;
            }
    }
    if (first_ext && *first_ext)
        snprintf(mime, cap, "application/%s", first_ext);
    else
        snprintf(mime, cap, "application/octet-stream");
}

void fs_format_time(int64_t us, char *out, size_t cap)
{
    time_t secs = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    int64_t frac = us - (int64_t)secs * 1000000;
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
}

void fs_listing_free(fs_listing *l)
{
    for (size_t i = 0; i < l->n; i++) {
        mem_free(l->v[i].url);
        mem_free(l->v[i].name);
        mem_free(l->v[i].rel);
        mem_free(l->v[i].mime);
    }
    mem_free(l->v);
    *l = (fs_listing){0};
}

typedef struct list_ctx {
    fs_listing *out;   /* results */
    const char *glob;  /* file_glob */
    bool skip_hidden;  /* local store: Python glob's rule */
} list_ctx;

static cdlt_status on_object(void *ud, const os_object *o, cdlt_error *err)
{
    list_ctx *c = ud;
    if (o->is_dir || !fs_glob_match(c->glob, o->path, c->skip_hidden))
        return CDLT_OK;
    fs_listing *l = c->out;
    if (l->n == l->cap) {
        fs_item *nv = mem_grow(l->v, l->n, &l->cap, sizeof *nv, 64);
        if (!nv)
            return err_nomem(err);
        l->v = nv;
    }
    fs_item *it = &l->v[l->n];
    *it = (fs_item){0};
    const char *slash = strrchr(o->path, '/');
    char mime[128];
    fs_guess_mime(o->path, mime, sizeof mime, &it->encoding);
    it->url = mem_strdup(o->url);
    it->rel = mem_strdup(o->path);
    it->name = mem_strdup(slash ? slash + 1 : o->path);
    it->mime = mem_strdup(mime);
    it->mtime_us = o->mtime_us;
    it->size = o->size;
    l->n++;
    if (!it->url || !it->rel || !it->name || !it->mime)
        return err_nomem(err);
    return CDLT_OK;
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const fs_item *)a)->rel, ((const fs_item *)b)->rel);
}

cdlt_status fs_list(os_store *s, const char *glob, fs_listing *out, cdlt_error *err)
{
    *out = (fs_listing){0};
    /* the literal folder prefix of the glob is where the listing starts */
    size_t dir_end = 0;
    const char *p = glob;
    bool recursive = false;
    for (;;) {
        const char *sl = strchr(p, '/');
        if (!sl)
            break;
        if (has_wild(p, (size_t)(sl - p))) {
            recursive = true;
            break;
        }
        dir_end = (size_t)(sl - glob);
        p = sl + 1;
    }
    if (strstr(glob, "**"))
        recursive = true;
    char dir[1024];
    if (dir_end >= sizeof dir)
        return err_set(err, CDLT_CONFIG, "file_glob '%s' is too long", glob);
    memcpy(dir, glob, dir_end);
    dir[dir_end] = 0;
    list_ctx c = {out, glob, os_store_kind(s) == OS_LOCAL};
    cdlt_status rc = os_list(s, dir, recursive, on_object, &c, err);
    if (rc != CDLT_OK) {
        fs_listing_free(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_item);
    return CDLT_OK;
}

cdlt_status fs_item_add_content(os_store *s, const fs_item *it, jv *row, arena *a,
                                cdlt_error *err)
{
    buf raw = BUF_INIT;
    cdlt_status rc = os_get(s, it->rel, &raw, FS_CONTENT_MAX, err);
    if (rc == CDLT_TOO_LARGE) {
        err_set(err, CDLT_TOO_LARGE, "extract_content: '%s' is larger than %llu bytes, too "
                "large to load as a column value", it->url, (unsigned long long)FS_CONTENT_MAX);
        err_hint(err, "narrow file_glob so large files are not listed, or load them with a "
                      "reader (read_csv, read_jsonl, read_parquet) instead of their bytes");
    }
    size_t cap = 4 * ((raw.len + 2) / 3) + 1;
    char *text = rc == CDLT_OK ? arena_alloc(a, cap) : NULL;
    jv_member *m = rc == CDLT_OK ? arena_alloc(a, (row->len + 1) * sizeof *m) : NULL;
    if (rc == CDLT_OK && (!text || !m || raw.status != CDLT_OK))
        rc = err_nomem(err);
    if (rc == CDLT_OK) {
        size_t n = b64_encode(raw.data ? raw.data : "", raw.len, text, true);
        text[n] = 0;
        if (row->len)
            memcpy(m, row->u.members, row->len * sizeof *m);
        memset(&m[row->len], 0, sizeof *m);
        m[row->len].key = "file_content";
        m[row->len].klen = 12;
        m[row->len].value = (jv){.type = JV_STRING, .flags = JV_F_BINARY, .len = (uint32_t)n,
                                 .u.s = text};
        row->u.members = m;
        row->len++;
    }
    buf_free(&raw);
    return rc;
}

cdlt_status fs_item_row(const fs_item *it, arena *a, jv *out, cdlt_error *err)
{
    char ts[64];
    fs_format_time(it->mtime_us, ts, sizeof ts);
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    cdlt_status rc = CDLT_OK;
#define SET_STR(k, v)                                                                          \
    if (rc == CDLT_OK) {                                                                       \
        jv s_ = jv_str(a, (v), strlen(v));                                                     \
        rc = jv_failed(&s_) ? CDLT_NOMEM : jv_builder_set(&b, a, k, strlen(k), s_);            \
    }
    SET_STR("file_url", it->url);
    SET_STR("file_name", it->name);
    SET_STR("relative_path", it->rel);
    SET_STR("mime_type", it->mime);
    if (it->encoding)
        SET_STR("encoding", it->encoding);
    SET_STR("modification_date", ts);
#undef SET_STR
    if (rc == CDLT_OK)
        rc = jv_builder_set(&b, a, "size_in_bytes", 13, jv_int((int64_t)it->size));
    if (rc != CDLT_OK)
        return err_nomem(err);
    *out = b.value;
    return CDLT_OK;
}
