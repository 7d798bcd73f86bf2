/* io.c: schema files: the stored schema <dir>/<name>.schema.json (pretty, hash-checked), and
 * export/import of <name>.schema.yaml|json with dlt's import rule (core.md §3.5). */
#include "schema/schema.h"
#include "schema/schema_int.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static cdlt_status mkdirs(const char *dir, cdlt_error *err)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return err_set(err, CDLT_INVALID_ARG, "schema folder path is empty or too long");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return err_set(err, CDLT_IO, "cannot create folder '%s': %s", path, strerror(errno));
        path[i] = c;
    }
    return CDLT_OK;
}

static void file_path(char *out, size_t cap, const char *dir, const char *name, const char *ext)
{
    snprintf(out, cap, "%s/%s.schema.%s", dir, name, ext);
}

/* Write via a temp file and rename, so a crash never leaves a half-written schema. */
static cdlt_status write_file(const char *path, const buf *b, cdlt_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return err_set(err, CDLT_IO, "cannot write '%s': %s", tmp, strerror(errno));
    size_t w = b->len ? fwrite(b->data, 1, b->len, f) : 0;
    int rc = fclose(f);
    if (w != b->len || rc != 0) {
        unlink(tmp);
        return err_set(err, CDLT_IO, "cannot write '%s': %s", tmp, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return err_set(err, CDLT_IO, "cannot rename '%s' to '%s': %s", tmp, path,
                       strerror(errno));
    }
    return CDLT_OK;
}

/* Read a whole file into b; CDLT_NOT_FOUND when it does not exist. */
static cdlt_status read_file(const char *path, buf *b, cdlt_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return CDLT_NOT_FOUND;
        return err_set(err, CDLT_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(b, chunk, n) != CDLT_OK)
            break;
    bool bad = ferror(f);
    fclose(f);
    if (b->status != CDLT_OK)
        return b->status == CDLT_NOMEM ? err_nomem(err)
                                       : err_set(err, b->status, "schema file '%s' too large", path);
    if (bad)
        return err_set(err, CDLT_IO, "cannot read '%s'", path);
    if (!b->data && buf_reserve(b, 1) != CDLT_OK)
        return err_nomem(err);
    return CDLT_OK;
}

cdlt_status schema_save(schema *s, const char *dir, cdlt_error *err)
{
    cdlt_status st = mkdirs(dir, err);
    if (st != CDLT_OK)
        return st;
    st = schema_bump_version(s, NULL, err);
    if (st != CDLT_OK)
        return st;
    buf b = BUF_INIT;
    st = schema_to_json(s, true, &b);
    if (st != CDLT_OK) {
        buf_free(&b);
        return st == CDLT_NOMEM ? err_nomem(err) : err_set(err, st, "cannot serialize schema '%s'", s->name);
    }
    char path[4200];
    file_path(path, sizeof path, dir, s->name, "json");
    st = write_file(path, &b, err);
    buf_free(&b);
    return st;
}

cdlt_status schema_load(const char *dir, const char *name, schema **out, cdlt_error *err)
{
    *out = NULL;
    char path[4200];
    file_path(path, sizeof path, dir, name, "json");
    buf b = BUF_INIT;
    cdlt_status st = read_file(path, &b, err);
    if (st == CDLT_NOT_FOUND) {
        buf_free(&b);
        return err_set(err, CDLT_NOT_FOUND, "schema '%s' not found at '%s'", name, path);
    }
    schema *s = NULL;
    if (st == CDLT_OK)
        st = schema_from_json(b.data, b.len, path, &s, err);
    buf_free(&b);
    if (st != CDLT_OK)
        return st;
    /* dlt refuses a stored schema whose content no longer matches its hash (edited by hand:
     * InStorageSchemaModified); edits belong in the import folder */
    if (s->version_hash) {
        char h[64];
        st = schema_compute_hash(s, h);
        if (st != CDLT_OK) {
            schema_free(s);
            return err_nomem(err);
        }
        if (strcmp(h, s->version_hash) != 0) {
            err_set(err, CDLT_SCHEMA,
                    "schema '%s' in '%s' was modified outside cdlt (its content does not match "
                    "version_hash); what to do: restore the file, or edit the schema in the "
                    "import folder (import_schema_path) instead",
                    name, path);
            schema_free(s);
            return CDLT_SCHEMA;
        }
    }
    *out = s;
    return CDLT_OK;
}

cdlt_status schema_export(const schema *s, const char *dir, schema_file_format fmt,
                          bool remove_processing_hints, cdlt_error *err)
{
    cdlt_status st = mkdirs(dir, err);
    if (st != CDLT_OK)
        return st;
    arena a;
    arena_init(&a, 64 * 1024, 0);
    buf b = BUF_INIT;
    schema_doc_opts o = {true, remove_processing_hints, false, false, true};
    jv doc;
    st = schema_to_jv(s, &o, &a, &doc);
    if (st == CDLT_OK)
        st = fmt == SCHEMA_FMT_JSON ? json_write(&b, &doc, JSON_W_PRETTY)
                                    : schema_yaml_emit(&doc, &b);
    arena_free(&a);
    if (st != CDLT_OK) {
        buf_free(&b);
        return st == CDLT_NOMEM ? err_nomem(err) : err_set(err, st, "cannot export schema '%s'", s->name);
    }
    char path[4200];
    file_path(path, sizeof path, dir, s->name, fmt == SCHEMA_FMT_JSON ? "json" : "yaml");
    st = write_file(path, &b, err);
    buf_free(&b);
    return st;
}

/* Carry version, hash history and import hash of the replaced schema into its replacement
 * (dlt's replace_schema_content(link_to_replaced_schema=True)). */
static cdlt_status link_replaced(schema *ns, const schema *old, const char *imported_hash,
                                 cdlt_error *err)
{
    char old_hash[64];
    if (schema_compute_hash(old, old_hash) != CDLT_OK)
        return err_nomem(err);
    ns->version = old->version;
    ns->nprevious = 0;
    /* the replaced content's hash becomes history unless the content is identical */
    if (strcmp(old_hash, imported_hash) != 0) {
        ns->previous_hashes[ns->nprevious] = schema_strdup(ns, old_hash);
        if (!ns->previous_hashes[ns->nprevious++])
            return err_nomem(err);
    }
    for (uint32_t i = 0; i < old->nprevious && ns->nprevious < 10; i++) {
        ns->previous_hashes[ns->nprevious] = schema_strdup(ns, old->previous_hashes[i]);
        if (!ns->previous_hashes[ns->nprevious++])
            return err_nomem(err);
    }
    ns->version_hash = old->version_hash ? schema_strdup(ns, old->version_hash) : NULL;
    if (old->version_hash && !ns->version_hash)
        return err_nomem(err);
    return CDLT_OK;
}

cdlt_status schema_import(schema **io_s, const char *dir, schema_file_format fmt,
                          bool *out_replaced, cdlt_error *err)
{
    *out_replaced = false;
    schema *cur = *io_s;
    const char *name = cur ? cur->name : NULL;
    if (!name)
        return err_set(err, CDLT_INVALID_ARG, "schema_import needs a schema (its name)");
    char path[4200];
    file_path(path, sizeof path, dir, name, fmt == SCHEMA_FMT_JSON ? "json" : "yaml");
    buf b = BUF_INIT;
    cdlt_status st = read_file(path, &b, err);
    if (st == CDLT_NOT_FOUND) {
        buf_free(&b);
        return CDLT_OK;
    }
    schema *ns = NULL;
    if (st == CDLT_OK) {
        if (fmt == SCHEMA_FMT_JSON) {
            st = schema_from_json(b.data, b.len, path, &ns, err);
        } else {
            arena a;
            arena_init(&a, 64 * 1024, 0);
            jv doc;
            st = schema_yaml_parse(b.data, b.len, path, &a, &doc, err);
            if (st == CDLT_OK)
                st = schema_from_jv(&doc, &ns, err);
            arena_free(&a);
        }
    }
    buf_free(&b);
    if (st != CDLT_OK)
        return st;
    if (strcmp(ns->name, name) != 0) {
        err_set(err, CDLT_SCHEMA,
                "import file '%s' holds schema '%s', expected '%s'; what to do: rename the "
                "schema in the file or the file itself",
                path, ns->name, name);
        schema_free(ns);
        return CDLT_SCHEMA;
    }
    char ih[64];
    if (schema_compute_hash(ns, ih) != CDLT_OK) {
        schema_free(ns);
        return err_nomem(err);
    }
    if (cur->imported_version_hash && strcmp(ih, cur->imported_version_hash) == 0) {
        schema_free(ns);
        return CDLT_OK; /* unchanged since the last import */
    }
    for (uint32_t i = 0; i < cur->ntables; i++)
        if (cur->tables[i]->seen_data) {
            LOG_WARN("schema '%s': import file '%s' changed and replaces the stored schema, "
                     "but table '%s' already holds data; the destination is not migrated "
                     "backwards",
                     name, path, cur->tables[i]->name);
            break;
        }
    /* a schema never saved (first run) is not linked: the import is the schema (dlt's
     * from_dict of the import file) */
    if (cur->version_hash)
        st = link_replaced(ns, cur, ih, err);
    if (st == CDLT_OK) {
        ns->imported_version_hash = schema_strdup(ns, ih);
        if (!ns->imported_version_hash)
            st = err_nomem(err);
    }
    if (st != CDLT_OK) {
        schema_free(ns);
        return st;
    }
    schema_free(cur);
    *io_s = ns;
    *out_replaced = true;
    return CDLT_OK;
}
