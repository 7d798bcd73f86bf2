/* pipeline.c: the pipeline object: working dir, state and schema files, the destination
 * connection, cleanup of killed runs, and run() = pending work first, else extract ->
 * normalize -> load (dlt semantics, core.md §6.3). */
#include "pipeline.h"

#include <strings.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void cdlt_pipeline_options_init(cdlt_pipeline_options *o)
{
    memset(o, 0, sizeof *o);
    o->progress = CDLT_PROGRESS_NONE;
}

int cdlt_refresh_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "none") == 0 || !*name)
        return CDLT_REFRESH_NONE;
    if (strcmp(name, "drop_sources") == 0)
        return CDLT_REFRESH_DROP_SOURCES;
    if (strcmp(name, "drop_resources") == 0)
        return CDLT_REFRESH_DROP_RESOURCES;
    if (strcmp(name, "drop_data") == 0)
        return CDLT_REFRESH_DROP_DATA;
    return -1;
}

static bool valid_pipeline_name(const char *s)
{
    if (!s || !*s || strlen(s) > 200 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return false;
    return true;
}

cdlt_status pipe_default_pipelines_dir(buf *out)
{
    buf_clear(out);
    const char *e = getenv("CDLT_PIPELINES_DIR");
    if (e && *e)
        return buf_puts(out, e);
    const char *home = getenv("HOME");
    return buf_printf(out, "%s/.cdlt/pipelines", home && *home ? home : ".");
}

/* A path as one shell word: as is when it has only safe characters, else in single quotes. */
static void shell_word(buf *out, const char *s)
{
    bool plain = *s != '\0';
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("_-./+=:@,%~", *c)))
            plain = false;
    if (plain) {
        buf_puts(out, s);
        return;
    }
    buf_putc(out, '\'');
    for (const char *c = s; *c; c++) {
        if (*c == '\'')
            buf_puts(out, "'\\''");
        else
            buf_putc(out, *c);
    }
    buf_putc(out, '\'');
}

cdlt_status pipe_cli_command(const cdlt_pipeline *p, const char *cmd, buf *out)
{
    buf_clear(out);
    buf_printf(out, "cdlt pipeline %s %s", p->name, cmd);
    buf def = BUF_INIT;
    pipe_default_pipelines_dir(&def);
    if (!def.data || strcmp(def.data, p->pipelines_dir) != 0) {
        buf_puts(out, " --pipelines-dir ");
        shell_word(out, p->pipelines_dir);
    }
    buf_free(&def);
    return out->status;
}

cdlt_status pipe_path(const cdlt_pipeline *p, buf *out, const char *rel, const char *name)
{
    return store_path(out, p->workdir, rel, name);
}

void pipe_schema_caps(const cdlt_pipeline *p, schema *s)
{
    /* as dlt: the destination's identifier limit (postgres: 63 bytes) goes to the naming
     * convention, which shortens longer table and column names with a hash tag */
    if (s && p && p->dv && p->dv->max_identifier_length)
        s->naming.max_length = p->dv->max_identifier_length;
}

cdlt_status pipe_read_schema_file(const char *path, schema **out, cdlt_error *err)
{
    *out = NULL;
    buf b = BUF_INIT;
    cdlt_status rc = store_read_file(path, 0, &b, err);
    if (rc != CDLT_OK) {
        buf_free(&b);
        return rc;
    }
    arena a;
    arena_init(&a, 65536, 0);
    jv doc;
    json_opts o = {0, 0, path};
    rc = json_parse(buf_cstr(&b), b.len, &a, &o, &doc, err);
    if (rc == CDLT_OK)
        rc = schema_from_jv(&doc, out, err);
    if (rc != CDLT_OK && rc != CDLT_NOMEM)
        err_prefix(err, "schema file %s: ", path);
    arena_free(&a);
    buf_free(&b);
    return rc;
}

static cdlt_status save_schema(const schema *s, const char *path, bool internal, cdlt_error *err)
{
    buf b = BUF_INIT;
    schema_doc_opts o = {.drop_internal = !internal};
    cdlt_status rc = schema_to_json_opts(s, &o, true, &b);
    if (rc != CDLT_OK) {
        buf_free(&b);
        return err_set(err, rc, "cannot serialize schema '%s'", s->name);
    }
    rc = store_write_atomic(path, b.data, b.len, err);
    buf_free(&b);
    return rc;
}

cdlt_status pipe_save_schema_file(const schema *s, const char *path, cdlt_error *err)
{
    return save_schema(s, path, false, err);
}

cdlt_status pipe_save_package_schema_file(const schema *s, const char *path, cdlt_error *err)
{
    return save_schema(s, path, true, err);
}

cdlt_status pipe_load_schema(const cdlt_pipeline *p, const char *name, schema **out,
                             cdlt_error *err)
{
    *out = NULL;
    buf path = BUF_INIT;
    buf_printf(&path, "%s/schemas/%s.schema.json", p->workdir, name);
    if (path.status) {
        buf_free(&path);
        return err_nomem(err);
    }
    cdlt_status rc;
    if (!store_exists(path.data))
        rc = CDLT_NOT_FOUND;
    else
        rc = pipe_read_schema_file(path.data, out, err);
    buf_free(&path);
    return rc;
}

cdlt_status pipe_export_schema(const cdlt_pipeline *p, const schema *s, cdlt_error *err)
{
    if (!p->export_schema_path)
        return CDLT_OK;
    /* as dlt: processing hints (x-normalizer, x-loader) are kept out of a file that is also
     * imported */
    bool same = p->import_schema_path && strcmp(p->import_schema_path, p->export_schema_path) == 0;
    cdlt_status rc = schema_export(s, p->export_schema_path, SCHEMA_FMT_YAML, same, err);
    if (rc != CDLT_OK)
        err_prefix(err, "export_schema_path '%s': ", p->export_schema_path);
    return rc;
}

/* Has any data table of s been loaded (its names are in the destination)? */
static const char *table_with_data(const schema *s)
{
    for (uint32_t i = 0; i < s->ntables; i++)
        if (s->tables[i]->seen_data && !schema_is_dlt_table(s->tables[i]->name))
            return s->tables[i]->name;
    return NULL;
}

cdlt_status pipe_schema_settings(const cdlt_pipeline *p, schema **io_s, cdlt_error *err)
{
    cdlt_status rc = CDLT_OK;
    if (p->import_schema_path) {
        bool replaced = false;
        rc = schema_import(io_s, p->import_schema_path, SCHEMA_FMT_YAML, &replaced, err);
        if (rc != CDLT_OK) {
            err_prefix(err, "import_schema_path '%s': ", p->import_schema_path);
            return rc;
        }
        if (replaced)
            LOG_INFO("schema %s imported from %s/%s.schema.yaml", (*io_s)->name,
                     p->import_schema_path, (*io_s)->name);
    }
    schema *s = *io_s;
    pipe_schema_caps(p, s);
    /* dlt reads the schema settings per schema: [sources.<schema name>.schema] wins over the
     * [schema] values read when the pipeline opened */
    const char *want = p->naming;
    int32_t nesting = p->schema_max_nesting;
    char section[300];
    snprintf(section, sizeof section, "sources.%s", s->name);
    cdlt_config *cfg = NULL;
    rc = pipe_config_open(p->name, &cfg, err);
    const char *own = NULL;
    if (rc == CDLT_OK)
        rc = pipe_config_schema_naming(cfg, section, &own, err);
    int32_t own_nesting = -1;
    if (rc == CDLT_OK)
        rc = pipe_config_json_normalizer(cfg, section, &own_nesting, err);
    char own_copy[64] = "";
    if (own)
        snprintf(own_copy, sizeof own_copy, "%s", own);
    cdlt_config_free(cfg);
    if (rc != CDLT_OK)
        return rc;
    if (own)
        want = own_copy;
    if (own_nesting >= 0)
        nesting = own_nesting;
    /* as dlt: the configured json normalizer wins over the stored one (tables with their own
     * max_table_nesting keep it) */
    if (nesting >= 0) {
        s->max_nesting = nesting;
        s->max_nesting_set = true;
    }
    if (want && strcmp(naming_name(s->naming.kind), want) != 0) {
        naming nm;
        if (naming_init(&nm, want, s->naming.max_length) != CDLT_OK)
            return err_set(err, CDLT_CONFIG, "[schema] naming = '%s' is not a naming convention",
                           want);
        if (nm.kind != s->naming.kind) {
            const char *t = table_with_data(s);
            if (t) {
                err_set(err, CDLT_CONFIG,
                        "[schema] naming = '%s', but schema '%s' already loaded tables named "
                        "with '%s' (e.g. '%s')",
                        want, s->name, naming_name(s->naming.kind), t);
                return err_hint(err, "keep the naming, or load into a new dataset (another "
                                     "dataset_name, or refresh = \"drop_sources\" to drop "
                                     "the tables and start over)");
            }
            s->naming = nm;
            s->names_doc = NULL;
            s->names_set = true;
        }
    }
    return CDLT_OK;
}

cdlt_status pipe_save_state(cdlt_pipeline *p, cdlt_error *err)
{
    buf path = BUF_INIT;
    cdlt_status rc = pipe_path(p, &path, "state.json", NULL);
    if (rc == CDLT_OK)
        rc = state_save(&p->state, path.data, err);
    else
        rc = err_nomem(err);
    buf_free(&path);
    return rc;
}

cdlt_status pipe_open_destination(cdlt_pipeline *p, destination **out, cdlt_error *err)
{
    *out = NULL;
    /* As dlt's destination client (enable_dataset_name_normalization, on by default): the
     * dataset in the destination is the name normalized like a table name ("Sales Data 2024"
     * -> sales_data_2024); state, trace and load info keep the name as given. The staging
     * dataset and the dev-mode suffix follow since both are built from this name. */
    naming nm;
    buf ds = BUF_INIT;
    cdlt_status rc = naming_init(&nm, "snake_case", 0);
    if (rc == CDLT_OK)
        rc = naming_table_identifier(&nm, p->dataset, strlen(p->dataset), &ds);
    if (rc != CDLT_OK) {
        buf_free(&ds);
        return err_nomem(err);
    }
    dest_config cfg = {p->name, buf_cstr(&ds), p->credentials,
                       p->dest_opts.type == JV_OBJECT ? &p->dest_opts : NULL};
    rc = p->dv->open(&cfg, out, err);
    buf_free(&ds);
    if (rc != CDLT_OK)
        err_prefix(err, "destination %s: ", p->destination);
    return rc;
}

static cdlt_status scan_newest(const char *dir, char *best, cdlt_error *err)
{
    store_names n;
    cdlt_status rc = store_list(dir, &n, err);
    if (rc != CDLT_OK)
        return rc;
    for (size_t i = 0; i < n.n; i++)
        if (strtod(n.names[i], NULL) > strtod(best, NULL))
            snprintf(best, 40, "%s", n.names[i]);
    store_names_free(&n);
    return CDLT_OK;
}

cdlt_status pipe_newest_load_id(const cdlt_pipeline *p, char out[40], cdlt_error *err)
{
    static const char *const dirs[] = {STORE_EXTRACTED, STORE_NORMALIZED, STORE_LOADED};
    snprintf(out, 40, "0");
    buf path = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; rc == CDLT_OK && i < CDLT_ARRAY_LEN(dirs); i++) {
        if (pipe_path(p, &path, dirs[i], NULL) != CDLT_OK)
            rc = err_nomem(err);
        else
            rc = scan_newest(path.data, out, err);
    }
    buf_free(&path);
    return rc;
}

/* Empty a temp folder of killed runs. */
static cdlt_status clear_dir_but(cdlt_pipeline *p, const char *rel, const char *keep,
                                 cdlt_error *err)
{
    buf dir = BUF_INIT, item = BUF_INIT;
    store_names n = {0};
    cdlt_status rc = pipe_path(p, &dir, rel, NULL) == CDLT_OK ? store_list(dir.data, &n, err)
                                                              : err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < n.n; i++) {
        if (keep && strcmp(n.names[i], keep) == 0)
            continue;
        LOG_INFO("removing unfinished package %s/%s of an interrupted run", rel, n.names[i]);
        if (store_path(&item, dir.data, n.names[i], NULL) != CDLT_OK)
            rc = err_nomem(err);
        else
            rc = store_rm_rf(item.data, err);
    }
    store_names_free(&n);
    buf_free(&dir);
    buf_free(&item);
    return rc;
}

static cdlt_status clear_dir(cdlt_pipeline *p, const char *rel, cdlt_error *err)
{
    return clear_dir_but(p, rel, NULL, err);
}

cdlt_status pipe_cleanup(cdlt_pipeline *p, cdlt_error *err)
{
    cdlt_status rc = clear_dir(p, STORE_EXTRACT_NEW, err);
    /* this process's normalize-ahead work for the package it just extracted is not left over
     * from an interrupted run: the normalize phase takes it (ahead.c) */
    if (rc == CDLT_OK)
        rc = clear_dir_but(p, STORE_LOAD_NEW, pipe_ahead_load_id(p->ahead), err);
    if (rc != CDLT_OK)
        return rc;
    /* an extracted package whose normalized copy was committed (killed before the delete) */
    buf dir = BUF_INIT, other = BUF_INIT;
    store_names n = {0};
    rc = pipe_path(p, &dir, STORE_EXTRACTED, NULL) == CDLT_OK ? store_list(dir.data, &n, err)
                                                              : err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < n.n; i++) {
        bool done = false;
        if (pipe_path(p, &other, STORE_NORMALIZED, n.names[i]) == CDLT_OK &&
            store_exists(other.data))
            done = true;
        if (pipe_path(p, &other, STORE_LOADED, n.names[i]) == CDLT_OK && store_exists(other.data))
            done = true;
        if (done && store_path(&other, dir.data, n.names[i], NULL) == CDLT_OK)
            rc = store_rm_rf(other.data, err);
    }
    store_names_free(&n);
    buf_free(&dir);
    buf_free(&other);
    return rc;
}

/* Pending packages, read only: extracted ones not yet normalized (one whose normalized copy
 * was committed by a run killed before the delete is not pending twice) and normalized ones.
 * Other processes may be running: nothing is cleaned up here. */
static cdlt_status count_pending(cdlt_pipeline *p, size_t *out, cdlt_error *err)
{
    *out = 0;
    buf dir = BUF_INIT, other = BUF_INIT;
    store_names ex = {0}, no = {0};
    cdlt_status rc = pipe_path(p, &dir, STORE_EXTRACTED, NULL) == CDLT_OK
                         ? store_list(dir.data, &ex, err)
                         : err_nomem(err);
    if (rc == CDLT_OK)
        rc = pipe_path(p, &dir, STORE_NORMALIZED, NULL) == CDLT_OK
                 ? store_list(dir.data, &no, err)
                 : err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < ex.n; i++) {
        bool done = false;
        if (pipe_path(p, &other, STORE_NORMALIZED, ex.names[i]) == CDLT_OK &&
            store_exists(other.data))
            done = true;
        if (pipe_path(p, &other, STORE_LOADED, ex.names[i]) == CDLT_OK &&
            store_exists(other.data))
            done = true;
        if (!done)
            (*out)++;
    }
    if (rc == CDLT_OK)
        *out += no.n;
    store_names_free(&ex);
    store_names_free(&no);
    buf_free(&dir);
    buf_free(&other);
    return rc;
}

cdlt_status cdlt_pipeline_pending_count(cdlt_pipeline *p, size_t *out, cdlt_error *err)
{
    *out = 0;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    return count_pending(p, out, err);
}

cdlt_status pipe_lock_clean_pending(cdlt_pipeline *p, size_t *pending, cdlt_error *err)
{
    *pending = 0;
    cdlt_status rc = pipe_lock(p, err);
    if (rc == CDLT_OK)
        rc = pipe_cleanup(p, err);
    if (rc == CDLT_OK)
        rc = count_pending(p, pending, err);
    return rc;
}

cdlt_status cdlt_pipeline_drop_pending(cdlt_pipeline *p, cdlt_error *err)
{
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    cdlt_status rc = pipe_lock(p, err);
    if (rc == CDLT_OK)
        rc = clear_dir(p, STORE_EXTRACTED, err);
    if (rc == CDLT_OK)
        rc = clear_dir(p, STORE_NORMALIZED, err);
    if (rc == CDLT_OK)
        rc = pipe_cleanup(p, err);
    return rc;
}

/* ---- open / attach / free ---- */

static cdlt_status reload_state(cdlt_pipeline *p, cdlt_error *err);

cdlt_status pipe_lock(cdlt_pipeline *p, cdlt_error *err)
{
    if (p->lock_fd >= 0)
        return CDLT_OK;
    /* only the working dir itself may be made before the lock: a missing dir has no holder */
    cdlt_status rc = store_mkdirs(p->workdir, err);
    if (rc != CDLT_OK)
        return rc;
    buf path = BUF_INIT;
    if (pipe_path(p, &path, ".lock", NULL) != CDLT_OK) {
        buf_free(&path);
        return err_nomem(err);
    }
    int fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        cdlt_status st = err_set(err, CDLT_IO, "cannot open lock file '%s': %s", path.data,
                                 strerror(errno));
        buf_free(&path);
        return st;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[32] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\r\n")] = '\0'; /* the file holds "<pid>\n" */
        close(fd);
        err_set(err, CDLT_EXISTS, "pipeline %s is in use by another process (pid %s)", p->name,
                holder[0] ? holder : "?");
        buf_free(&path);
        return err_hint(err, "nothing was changed; wait until it has finished, then run the "
                             "command again (the lock is %s)", ".lock in the working dir");
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) < 0)
        LOG_DEBUG("cannot write the pid into the lock file");
    p->lock_fd = fd;
    buf_free(&path);
    rc = store_init_workdir(p->workdir, err);
    /* the state read at open may be older than what the last holder saved */
    if (rc == CDLT_OK && p->state_unlocked)
        rc = reload_state(p, err);
    if (rc != CDLT_OK) {
        close(p->lock_fd);
        p->lock_fd = -1;
    }
    return rc;
}

void cdlt_pipeline_free(cdlt_pipeline *p)
{
    if (!p)
        return;
    pipe_ahead_free(p->ahead); /* its files live in the working dir: under the lock */
    if (p->lock_fd >= 0)
        close(p->lock_fd);
    mem_free(p->name);
    mem_free(p->destination);
    mem_free(p->credentials);
    mem_free(p->dataset);
    mem_free(p->pipelines_dir);
    mem_free(p->import_schema_path);
    mem_free(p->export_schema_path);
    mem_free(p->naming);
    mem_free(p->workdir);
    state_free(&p->state);
    cdlt_load_info_free(p->cur);
    arena_free(&p->opts_mem);
    mem_free(p);
}

/* dlt's dev_mode suffix uses pendulum's "hh": the 12-hour clock (core.md §6.5). */
static void dev_suffix(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "_%Y%m%d%I%M%S", &tm);
}

static cdlt_status absolute_path(const char *path, buf *out)
{
    buf_clear(out);
    if (path[0] == '/' || strstr(path, "://") || strcmp(path, ":memory:") == 0)
        return buf_puts(out, path);
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return buf_puts(out, path);
    return buf_printf(out, "%s/%s", cwd, path);
}

/* dlt's [destination] replace_strategy (core.md §5.2), from the destination settings: the
 * definition's destination table / destination_options JSON merged with the config providers
 * (pipe_config_dest_options; `where` names the provider key when it came from there).
 * Default truncate-and-insert; staging-optimized is not offered by duckdb in dlt either. */
static cdlt_status resolve_replace_strategy(cdlt_pipeline *p, const char *where, cdlt_error *err)
{
    if (!where)
        where = "destination.replace_strategy";
    const jv *o = p->dest_opts.type == JV_OBJECT ? jv_get(&p->dest_opts, "replace_strategy")
                                                 : NULL;
    const char *v = NULL;
    if (o && o->type != JV_STRING) {
        err_set(err, CDLT_CONFIG, "%s must be a string", where);
        return err_hint(err, "allowed values: truncate-and-insert, insert-from-staging");
    }
    if (o)
        v = o->u.s;
    p->replace_staging = false;
    if (!v || strcmp(v, "truncate-and-insert") == 0)
        return CDLT_OK;
    /* staging-optimized: loads like insert-from-staging; the destination reads the strategy
     * from its options and swaps the staging tables in instead of copying rows */
    if (strcmp(v, "staging-optimized") == 0 && !p->dv->staging_optimized) {
        err_set(err, CDLT_CONFIG, "%s = staging-optimized: destination %s does not offer it "
                "(dlt neither)", where, p->destination);
        return err_hint(err, "use replace_strategy = insert-from-staging or "
                             "truncate-and-insert");
    }
    if (strcmp(v, "insert-from-staging") == 0 || strcmp(v, "staging-optimized") == 0) {
        if (!p->dv->replace_from_staging || !p->dv->migrate_staging ||
            !p->dv->truncate_staging || !p->dv->load_file_staging ||
            !p->dv->drop_staging_tables) {
            err_set(err, CDLT_CONFIG, "%s = insert-from-staging: destination %s has no staging "
                    "dataset", where, p->destination);
            return err_hint(err, "use replace_strategy = truncate-and-insert");
        }
        p->replace_staging = true;
        return CDLT_OK;
    }
    err_set(err, CDLT_CONFIG, "unknown replace strategy '%s' in %s", v, where);
    return err_hint(err, "allowed values for replace_strategy: truncate-and-insert (default), "
                         "insert-from-staging");
}

/* The state keys this open decides (dataset, destination, dev mode; a fresh state's first
 * run and initial cwd) over what state.json holds. */
static cdlt_status set_open_keys(cdlt_pipeline *p, bool fresh)
{
    pipe_state *st = &p->state;
    if (fresh) {
        st->first_run = true;
        char cwd[4096];
        if (getcwd(cwd, sizeof cwd) && state_set_str(&st->initial_cwd, cwd) != CDLT_OK)
            return CDLT_NOMEM;
    }
    st->dev_mode = p->dev_mode;
    if (strcmp(p->destination, "duckdb") == 0 && p->credentials &&
        state_set_str(&st->location, p->credentials) != CDLT_OK)
        return CDLT_NOMEM;
    buf b = BUF_INIT;
    buf_printf(&b, "dlt.destinations.%s", p->destination);
    cdlt_status rc = b.status;
    if (rc == CDLT_OK && (state_set_str(&st->pipeline_name, p->name) ||
                          state_set_str(&st->dataset_name, p->dataset) ||
                          state_set_str(&st->destination_type, b.data) ||
                          state_set_str(&st->destination_name, p->destination)))
        rc = CDLT_NOMEM;
    buf_free(&b);
    return rc;
}

/* pipe_lock of an object whose state was read without the lock: read it again, as the last
 * holder left it (a dev-mode run in between resets it, as an open would). */
static cdlt_status reload_state(cdlt_pipeline *p, cdlt_error *err)
{
    p->state_unlocked = false;
    buf path = BUF_INIT;
    if (pipe_path(p, &path, "state.json", NULL) != CDLT_OK) {
        buf_free(&path);
        return err_nomem(err);
    }
    pipe_state fresh;
    memset(&fresh, 0, sizeof fresh);
    bool exists = store_exists(path.data);
    cdlt_status rc = exists ? state_load(path.data, &fresh, err) : CDLT_OK;
    buf_free(&path);
    if (rc != CDLT_OK)
        return rc;
    if (exists && fresh.dev_mode && !p->dev_mode && !p->attached) {
        state_free(&fresh);
        exists = false;
    }
    state_free(&p->state);
    p->state = fresh;
    rc = set_open_keys(p, !exists);
    if (rc != CDLT_OK)
        return err_nomem(err);
    return exists ? CDLT_OK : pipe_save_state(p, err);
}

/* Dev mode's fresh working dir: remove everything but the lock file this process holds
 * (removing it would let another process lock a new file of the same name). */
static cdlt_status wipe_workdir(cdlt_pipeline *p, cdlt_error *err)
{
    store_names n = {0};
    buf item = BUF_INIT;
    cdlt_status rc = store_list(p->workdir, &n, err);
    for (size_t i = 0; rc == CDLT_OK && i < n.n; i++)
        rc = store_path(&item, p->workdir, n.names[i], NULL) != CDLT_OK
                 ? err_nomem(err)
                 : store_rm_rf(item.data, err);
    store_names_free(&n);
    buf_free(&item);
    if (rc == CDLT_OK)
        rc = store_init_workdir(p->workdir, err);
    return rc;
}

static cdlt_status pipeline_setup(cdlt_pipeline *p, const cdlt_pipeline_options *o,
                                  bool attach, cdlt_error *err)
{
    buf b = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    if (o->pipelines_dir && *o->pipelines_dir)
        buf_puts(&b, o->pipelines_dir);
    else
        pipe_default_pipelines_dir(&b);
    if (b.status || !(p->pipelines_dir = mem_strdup(b.data)))
        goto nomem;
    buf_clear(&b);
    buf_printf(&b, "%s/%s", p->pipelines_dir, p->name);
    if (b.status || !(p->workdir = mem_strdup(b.data)))
        goto nomem;
    buf_clear(&b);
    buf_printf(&b, "%s/state.json", p->workdir);
    if (b.status)
        goto nomem;
    bool exists = store_exists(b.data);
    if (attach && !exists) {
        buf_free(&b);
        err_set(err, CDLT_NOT_FOUND, "pipeline '%s' not found in %s", p->name, p->pipelines_dir);
        return err_hint(err, "run it first with 'cdlt run', or pass --pipelines-dir");
    }
    if (exists) {
        rc = state_load(b.data, &p->state, err);
        if (rc != CDLT_OK) {
            buf_free(&b);
            return rc;
        }
    }
    /* Opening changes nothing on disk, not even for a new pipeline: the first call that
     * changes something takes the lock, creates what is missing and reads the state again
     * (pipe_lock). Only dev mode, whose working dir is wiped at open, locks here. */
    if (!attach && o->dev_mode) {
        rc = pipe_lock(p, err);
        if (rc == CDLT_OK)
            rc = wipe_workdir(p, err);
        if (rc != CDLT_OK) {
            buf_free(&b);
            return rc;
        }
    } else {
        p->state_unlocked = true;
    }
    /* dev mode always starts afresh; leaving dev mode resets local state (core.md §6.5; the
     * reset is saved under the lock by reload_state) */
    if (!attach && exists && (o->dev_mode || p->state.dev_mode)) {
        state_free(&p->state);
        exists = false;
    }
    p->attached = attach;
    p->dev_mode = attach ? p->state.dev_mode : o->dev_mode;
    p->no_restore = o->no_restore;
    p->file_max_bytes = o->file_max_bytes ? o->file_max_bytes : PIPE_DEFAULT_FILE_MAX;
    p->overlap_load = o->overlap_load >= 0;
    p->progress.mode = o->progress;
    /* destination */
    const char *dest = o->destination && *o->destination ? o->destination
                       : p->state.destination_name      ? p->state.destination_name
                                                        : "duckdb";
    if (!(p->destination = mem_strdup(dest)))
        goto nomem;
    if (o->destination_options && *o->destination_options) {
        json_opts jo = {0, 0, "destination options"};
        rc = json_parse(o->destination_options, strlen(o->destination_options), &p->opts_mem,
                        &jo, &p->dest_opts, err);
        if (rc == CDLT_OK && p->dest_opts.type != JV_OBJECT)
            rc = err_set(err, CDLT_CONFIG, "destination options must be a JSON object");
        if (rc != CDLT_OK) {
            buf_free(&b);
            return rc == CDLT_NOMEM ? rc : CDLT_CONFIG;
        }
    }
    p->dv = dest_find(dest);
    if (!p->dv) {
        buf_free(&b);
        err_set(err, CDLT_CONFIG, "unknown destination '%s'", dest);
        return err_hint(err, "supported destinations: duckdb, postgres, filesystem");
    }
    /* dlt's providers (env, .dlt/secrets.toml, .dlt/config.toml): destination settings and
     * credentials the options do not give; environment variables win over the options */
    cdlt_config *cfg = NULL;
    const char *replace_where = NULL, *cfg_cred = NULL;
    bool cred_from_env = false;
    rc = pipe_config_open(p->name, &cfg, err);
    if (rc == CDLT_OK)
        rc = pipe_config_dest_options(cfg, dest, &p->opts_mem, &p->dest_opts, &replace_where,
                                      err);
    if (rc == CDLT_OK)
        rc = resolve_replace_strategy(p, replace_where, err);
    if (rc == CDLT_OK)
        rc = pipe_config_credentials(cfg, dest, &cfg_cred, &cred_from_env, err);
    /* dlt's [runtime] log_level from .dlt/config.toml (the environment and --log-level were
     * applied by the caller and win) */
    const char *lvl = NULL;
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "runtime", "log_level", NULL, &lvl, err);
    if (rc == CDLT_OK && lvl) {
        int l = cdlt_log_level_parse(lvl);
        if (l < 0)
            rc = err_set(err, CDLT_CONFIG,
                         "[runtime] log_level = '%s' is not a log level; use one of trace, "
                         "debug, info, warning, error",
                         lvl);
        else
            log_set_level_from_config((cdlt_log_level)l);
    }
    /* a misspelt setting in these sections would silently keep its default: refuse it */
    if (rc == CDLT_OK)
        rc = pipe_config_check_sections(cfg, err);
    if (rc == CDLT_OK)
        rc = pipe_choose_writer(p, cfg, o->loader_file_format, err);
    /* [load] overlap_normalize (env LOAD__OVERLAP_NORMALIZE) overrides the option */
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "load", "overlap_normalize", p->overlap_load,
                                     &p->overlap_load, err);
    /* [normalize] overlap_extract (env NORMALIZE__OVERLAP_EXTRACT): normalize closed items
     * files on a second thread while extract still runs (ahead.c) */
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "normalize", "overlap_extract", true,
                                     &p->overlap_extract, err);
    p->ahead_file_bytes = PIPE_AHEAD_FILE_BYTES;
    /* test hook: rotate items files at this size, so small test data makes several files */
    const char *rb = getenv("CDLT_TEST_EXTRACT_ROTATE_BYTES");
    if (rb && *rb)
        p->ahead_file_bytes = strtoull(rb, NULL, 10);
    /* test hook: a slow source (ms after each rotated items file), so tests can see what
     * happens while extract still runs */
    const char *rs = getenv("CDLT_TEST_EXTRACT_ROTATE_SLEEP_MS");
    if (rs && *rs)
        p->rotate_sleep_ms = (uint32_t)strtoul(rs, NULL, 10);
    /* [load] transaction_max_mb (env LOAD__TRANSACTION_MAX_MB): the data per destination
     * transaction when a package is loaded in several (0 = one transaction per package) */
    int64_t txmb = PIPE_DEFAULT_CHUNK_MB;
    if (rc == CDLT_OK)
        rc = cdlt_config_get_int_or(cfg, "load", "transaction_max_mb", txmb, &txmb, err);
    if (rc == CDLT_OK && txmb < 0)
        rc = err_set(err, CDLT_CONFIG,
                     "[load] transaction_max_mb = %lld: must be 0 (one transaction per "
                     "package) or a size in MB", (long long)txmb);
    p->chunk_weight = txmb > 0 ? (uint64_t)txmb << 20 : 0;
    /* test hook: a chunk size in bytes, so small test data makes several chunks */
    const char *tw = getenv("CDLT_TEST_TRANSACTION_MAX_BYTES");
    if (tw && *tw)
        p->chunk_weight = strtoull(tw, NULL, 10);
    /* [extract] verbatim_files (env EXTRACT__VERBATIM_FILES): copy plain NDJSON inputs of at
     * least verbatim_min_file_bytes (EXTRACT__VERBATIM_MIN_FILE_BYTES) instead of parsing them */
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "extract", "verbatim_files", true,
                                     &p->verbatim_files, err);
    /* [extract] verbatim_link (env EXTRACT__VERBATIM_LINK): opt-in, hard-link those inputs
     * into the package instead of copying them, where the file system allows. Off by default:
     * a package must own its data (a link sees the user's in-place rewrites) */
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "extract", "verbatim_link", false, &p->verbatim_link,
                                     err);
    int64_t vmin = PIPE_VERBATIM_MIN_FILE;
    if (rc == CDLT_OK)
        rc = cdlt_config_get_int_or(cfg, "extract", "verbatim_min_file_bytes", vmin, &vmin, err);
    p->verbatim_min_bytes = vmin > 0 ? (uint64_t)vmin : 0;
    if (rc == CDLT_OK && cfg_cred && !(cfg_cred = arena_strndup(&p->opts_mem, cfg_cred,
                                                                strlen(cfg_cred))))
        rc = err_nomem(err);
    /* dlt's [schema] naming (env SCHEMA__NAMING; also [sources.schema]): the naming
     * convention of new schemas; [sources.<schema>.schema] is read per schema (extract) */
    const char *cfg_naming = NULL;
    if (rc == CDLT_OK)
        rc = pipe_config_schema_naming(cfg, "sources", &cfg_naming, err);
    if (rc == CDLT_OK && cfg_naming && !(p->naming = mem_strdup(cfg_naming)))
        rc = err_nomem(err);
    /* dlt's [schema] json_normalizer: config.max_nesting, the depth of nested tables */
    p->schema_max_nesting = -1;
    if (rc == CDLT_OK)
        rc = pipe_config_json_normalizer(cfg, "sources", &p->schema_max_nesting, err);
    /* dlt's [load] delete_completed_jobs and truncate_staging_dataset (both default false) */
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "load", "delete_completed_jobs", false,
                                     &p->delete_completed_jobs, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "load", "truncate_staging_dataset", false,
                                     &p->truncate_staging, err);
    /* [extract] max_depth (env EXTRACT__MAX_DEPTH): how deep input JSON may nest */
    int64_t mdepth = 0;
    if (rc == CDLT_OK)
        rc = cdlt_config_get_int_or(cfg, "extract", "max_depth", 0, &mdepth, err);
    if (rc == CDLT_OK && (mdepth < 0 || mdepth > 100000))
        rc = err_set(err, CDLT_CONFIG,
                     "[extract] max_depth = %lld: use a nesting depth between 1 and 100000 "
                     "(0 = the default, 512)", (long long)mdepth);
    p->json_max_depth = (uint32_t)mdepth;
    /* dlt's pipeline settings import_schema_path / export_schema_path (options win) */
    const char *paths_key[2] = {"import_schema_path", "export_schema_path"};
    const char *paths_opt[2] = {o->import_schema_path, o->export_schema_path};
    char **paths_out[2] = {&p->import_schema_path, &p->export_schema_path};
    for (int k = 0; k < 2 && rc == CDLT_OK; k++) {
        const char *v = paths_opt[k];
        if (!v || !*v)
            rc = pipe_config_get_path(cfg, paths_key[k], &v, err);
        if (rc == CDLT_OK && v && *v && !(*paths_out[k] = mem_strdup(v)))
            rc = err_nomem(err);
    }
    /* dlt's pipeline setting dataset_name (env [<PIPELINE>__]DATASET_NAME, config.toml) */
    const char *cfg_ds = NULL;
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, NULL, "dataset_name", NULL, &cfg_ds, err);
    if (rc == CDLT_OK && cfg_ds && !*cfg_ds)
        cfg_ds = NULL;
    if (rc == CDLT_OK && cfg_ds && !(cfg_ds = arena_strndup(&p->opts_mem, cfg_ds,
                                                            strlen(cfg_ds))))
        rc = err_nomem(err);
    cdlt_config_free(cfg);
    if (rc != CDLT_OK) {
        buf_free(&b);
        return rc;
    }
    /* dataset */
    buf_clear(&b);
    p->dataset_given = true;
    if (o->dataset_name && *o->dataset_name)
        buf_puts(&b, o->dataset_name);
    else if (cfg_ds)
        buf_puts(&b, cfg_ds);
    else if (exists && p->state.dataset_name && !o->dev_mode)
        buf_puts(&b, p->state.dataset_name);
    else {
        buf_printf(&b, "%s_dataset", p->name); /* dlt's default */
        p->dataset_given = false;
    }
    if (o->dev_mode) {
        char suf[32];
        dev_suffix(suf, sizeof suf);
        buf_puts(&b, suf);
    }
    if (b.status || !(p->dataset = mem_strdup(b.data)))
        goto nomem;
    /* credentials: duckdb keeps its (non-secret) file location in _local */
    const char *cred = o->credentials && *o->credentials ? o->credentials : NULL;
    /* env beats the options (as in definition files); secrets.toml only fills a gap. An
     * attached pipeline keeps the location it recorded unless the environment says otherwise. */
    if (cfg_cred && (cred_from_env || (!cred && !(attach && p->state.location))))
        cred = cfg_cred;
    if (!cred && strcmp(dest, "duckdb") == 0) {
        if (p->state.location)
            cred = p->state.location;
        else {
            buf_clear(&b);
            buf_printf(&b, "%s.duckdb", p->name);
            cred = b.data;
        }
    }
    if (cred) {
        buf abs = BUF_INIT;
        /* a DuckDB file path is made absolute; a MotherDuck name (md:...) is not a path
         * (the destination refuses it with its own message) */
        if (strcmp(dest, "duckdb") == 0 && strncmp(cred, "md:", 3) != 0 &&
            strncmp(cred, "motherduck:", 11) != 0)
            absolute_path(cred, &abs);
        else
            buf_puts(&abs, cred);
        p->credentials = abs.status ? NULL : mem_strdup(abs.data);
        if (p->credentials && secret_register_credential(p->credentials) != CDLT_OK)
            rc = CDLT_NOMEM;
        if (rc == CDLT_OK && strcmp(dest, "duckdb") == 0 && p->credentials)
            rc = state_set_str(&p->state.location, p->credentials);
        buf_free(&abs);
        if (!p->credentials || rc != CDLT_OK)
            goto nomem;
    }
    buf_free(&b);
    rc = set_open_keys(p, !exists);
    if (rc == CDLT_OK && !exists && p->lock_fd >= 0)
        rc = pipe_save_state(p, err);
    return rc == CDLT_NOMEM ? err_nomem(err) : rc;
nomem:
    buf_free(&b);
    return err_nomem(err);
}

cdlt_status cdlt_pipeline_open(const cdlt_pipeline_options *o, cdlt_pipeline **out,
                               cdlt_error *err)
{
    *out = NULL;
    if (!o || !valid_pipeline_name(o->pipeline_name)) {
        err_set(err, CDLT_INVALID_ARG, "invalid pipeline name '%s'",
                o && o->pipeline_name ? o->pipeline_name : "");
        return err_hint(err, "use letters, digits, '_', '-' and '.'");
    }
    cdlt_pipeline *p = mem_calloc(1, sizeof *p);
    if (!p || !(p->name = mem_strdup(o->pipeline_name))) {
        mem_free(p);
        return err_nomem(err);
    }
    p->lock_fd = -1;
    arena_init(&p->opts_mem, 1024, 0);
    cdlt_status rc = pipeline_setup(p, o, false, err);
    if (rc != CDLT_OK) {
        cdlt_pipeline_free(p);
        return rc;
    }
    *out = p;
    return CDLT_OK;
}

cdlt_status cdlt_pipeline_attach(const char *pipeline_name, const char *pipelines_dir,
                                 cdlt_pipeline **out, cdlt_error *err)
{
    *out = NULL;
    if (!valid_pipeline_name(pipeline_name))
        return err_set(err, CDLT_INVALID_ARG, "invalid pipeline name '%s'",
                       pipeline_name ? pipeline_name : "");
    cdlt_pipeline *p = mem_calloc(1, sizeof *p);
    if (!p || !(p->name = mem_strdup(pipeline_name))) {
        mem_free(p);
        return err_nomem(err);
    }
    p->lock_fd = -1;
    arena_init(&p->opts_mem, 1024, 0);
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    o.pipeline_name = pipeline_name;
    o.pipelines_dir = pipelines_dir;
    cdlt_status rc = pipeline_setup(p, &o, true, err);
    if (rc != CDLT_OK) {
        cdlt_pipeline_free(p);
        return rc;
    }
    *out = p;
    return CDLT_OK;
}

const char *cdlt_pipeline_name(const cdlt_pipeline *p) { return p ? p->name : NULL; }
const char *cdlt_pipeline_dataset_name(const cdlt_pipeline *p) { return p ? p->dataset : NULL; }
const char *cdlt_pipeline_working_dir(const cdlt_pipeline *p) { return p ? p->workdir : NULL; }
void cdlt_pipeline_set_progress(cdlt_pipeline *p, cdlt_progress_mode mode)
{
    if (p)
        p->progress.mode = mode;
}

/* ---- phases and run ---- */

static cdlt_status begin_info(cdlt_pipeline *p)
{
    cdlt_load_info_free(p->cur);
    p->cur = info_new();
    if (!p->cur)
        return CDLT_NOMEM;
    cdlt_load_info *i = p->cur;
    i->pipeline_name = mem_strdup(p->name);
    i->dataset_name = mem_strdup(p->dataset);
    i->destination = mem_strdup(p->destination);
    if (p->state.location)
        i->location = mem_strdup(p->state.location);
    p->progress.info = i;
    return CDLT_OK;
}

static cdlt_status timed(cdlt_pipeline *p, cdlt_phase ph, cdlt_status (*fn)(cdlt_pipeline *, cdlt_error *),
                         cdlt_error *err)
{
    double t0 = time_monotonic();
    cdlt_status rc = fn(p, err);
    if (p->cur) {
        p->cur->phase_s[ph] += time_monotonic() - t0;
        p->cur->phase_ran[ph] = true;
    }
    return rc;
}

static void save_trace(cdlt_pipeline *p)
{
    buf b = BUF_INIT, path = BUF_INIT;
    if (info_to_json(p->cur, &b) == CDLT_OK && pipe_path(p, &path, "trace.json", NULL) == CDLT_OK)
        store_write_atomic(path.data, b.data, b.len, NULL);
    buf_free(&b);
    buf_free(&path);
}

static cdlt_status end_info(cdlt_pipeline *p, cdlt_status rc, cdlt_error *err,
                            cdlt_load_info **out_info)
{
    cdlt_load_info *i = p->cur;
    p->progress.info = NULL;
    if (!i)
        return rc;
    i->status = rc;
    i->peak_rss = proc_peak_rss();
    if (rc != CDLT_OK && err && err->message[0])
        i->error = mem_strdup(err->message);
    else if (rc != CDLT_OK)
        i->error = mem_strdup(cdlt_strerror(rc));
    save_trace(p);
    p->cur = NULL;
    if (out_info)
        *out_info = i;
    else
        cdlt_load_info_free(i);
    return rc;
}

/* dlt's restore_from_destination (on by default): before extracting, take a newer state from
 * the destination, or start afresh when the destination lost the dataset (core.md §6.4). */
static cdlt_status maybe_restore(cdlt_pipeline *p, cdlt_error *err)
{
    if (p->no_restore || p->dev_mode)
        return CDLT_OK;
    return pipe_sync(p, p->state.first_run, NULL, err);
}

static cdlt_status extract_bound(cdlt_pipeline *p, cdlt_source *src, cdlt_refresh refresh,
                                 cdlt_error *err)
{
    double t0 = time_monotonic();
    cdlt_status rc = pipe_extract(p, src, refresh, err);
    if (p->cur) {
        p->cur->phase_s[CDLT_PHASE_EXTRACT] += time_monotonic() - t0;
        p->cur->phase_ran[CDLT_PHASE_EXTRACT] = true;
    }
    return rc;
}

cdlt_status cdlt_pipeline_run(cdlt_pipeline *p, cdlt_source *src, cdlt_refresh refresh,
                              cdlt_load_info **out_info, cdlt_error *err)
{
    if (out_info)
        *out_info = NULL;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    cdlt_status rc = pipe_lock(p, err);
    if (rc != CDLT_OK)
        return rc;
    if (begin_info(p) != CDLT_OK)
        return err_nomem(err);
    size_t pending = 0;
    rc = pipe_lock_clean_pending(p, &pending, err);
    if (rc == CDLT_OK && pending == 0)
        rc = maybe_restore(p, err);
    if (rc == CDLT_OK && pending > 0) {
        if (src)
            LOG_WARN("pipeline %s: %zu pending load package(s) from an earlier run are "
                     "finished first; new data is not extracted in this run (run again)",
                     p->name, pending);
        p->cur->pending_only = src != NULL;
    } else if (rc == CDLT_OK && src) {
        p->ahead_now = p->overlap_extract;
        /* and load while extracting, when the destination gains by it; not with refresh
         * (drops and truncations come first, decided with the package state) */
        p->early_load_now = p->overlap_extract && p->overlap_load && refresh == CDLT_REFRESH_NONE;
        rc = extract_bound(p, src, refresh, err);
        p->ahead_now = false;
        p->early_load_now = false;
    }
    /* overlap: normalize also loads each package (second thread); load then only has the
     * packages it handed back */
    p->overlap_now = p->overlap_load;
    if (rc == CDLT_OK)
        rc = timed(p, CDLT_PHASE_NORMALIZE, pipe_normalize, err);
    p->overlap_now = false;
    pipe_ahead_free(p->ahead); /* not taken by normalize (it failed first): its files go */
    p->ahead = NULL;
    if (rc == CDLT_OK)
        rc = timed(p, CDLT_PHASE_LOAD, pipe_load, err);
    return end_info(p, rc, err, out_info);
}

cdlt_status cdlt_pipeline_extract(cdlt_pipeline *p, cdlt_source *src, cdlt_refresh refresh,
                                  cdlt_error *err)
{
    if (!p || !src)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline or source");
    size_t pending = 0;
    cdlt_status rc = pipe_lock_clean_pending(p, &pending, err);
    if (rc != CDLT_OK)
        return rc;
    if (pending) {
        err_set(err, CDLT_PENDING, "pipeline %s has %zu pending load package(s)", p->name,
                pending);
        return err_hint(err, "normalize and load them first (cdlt_pipeline_run with no source), "
                             "or drop them");
    }
    bool own = !p->cur;
    if (own && begin_info(p) != CDLT_OK)
        return err_nomem(err);
    rc = maybe_restore(p, err);
    if (rc == CDLT_OK) {
        /* a normalize call that follows adopts the work; else it goes at cdlt_pipeline_free */
        p->ahead_now = p->overlap_extract;
        rc = extract_bound(p, src, refresh, err);
        p->ahead_now = false;
    }
    return own ? end_info(p, rc, err, NULL) : rc;
}

/* One phase on its own (normalize or load): lock, clean up half-done work, run, report. */
static cdlt_status run_one_phase(cdlt_pipeline *p, cdlt_phase phase,
                                 cdlt_status (*fn)(cdlt_pipeline *, cdlt_error *), cdlt_error *err)
{
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    cdlt_status rc = pipe_lock(p, err);
    if (rc != CDLT_OK)
        return rc;
    bool own = !p->cur;
    if (own && begin_info(p) != CDLT_OK)
        return err_nomem(err);
    rc = pipe_cleanup(p, err);
    if (rc == CDLT_OK)
        rc = timed(p, phase, fn, err);
    return own ? end_info(p, rc, err, NULL) : rc;
}

cdlt_status cdlt_pipeline_normalize(cdlt_pipeline *p, cdlt_error *err)
{
    return run_one_phase(p, CDLT_PHASE_NORMALIZE, pipe_normalize, err);
}

cdlt_status cdlt_pipeline_load(cdlt_pipeline *p, cdlt_error *err)
{
    return run_one_phase(p, CDLT_PHASE_LOAD, pipe_load, err);
}

cdlt_status cdlt_pipeline_table_row_count(cdlt_pipeline *p, const char *table, int64_t *out,
                                          cdlt_error *err)
{
    *out = -1;
    destination *d = NULL;
    cdlt_status rc = pipe_open_destination(p, &d, err);
    if (rc == CDLT_OK)
        rc = p->dv->table_row_count(d, table, out, err);
    if (d)
        p->dv->close(d);
    return rc;
}

cdlt_status cdlt_pipeline_table_row_counts(cdlt_pipeline *p, const char *const *tables,
                                           size_t n, int64_t *out, cdlt_error *err)
{
    for (size_t i = 0; i < n; i++)
        out[i] = -1;
    if (!p)
        return err_set(err, CDLT_INVALID_ARG, "no pipeline");
    destination *d = NULL;
    cdlt_status rc = pipe_open_destination(p, &d, err);
    for (size_t i = 0; rc == CDLT_OK && i < n; i++)
        rc = p->dv->table_row_count(d, tables[i], &out[i], err);
    if (d)
        p->dv->close(d);
    return rc;
}
