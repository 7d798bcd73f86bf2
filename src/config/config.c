/* config.c: opening the configuration: where the project and global settings folders are (as
 * dlt decides), reading secrets.toml/config.toml from both and deep-merging project over global. */
#include "config.h"

#include "toml/toml.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cfg_prov_name(cfg_prov p)
{
    static const char *names[] = {"Environment Variables", "secrets.toml", "config.toml"};
    return (unsigned)p < CFG_NPROV ? names[p] : "?";
}

bool cfg_name_is_secret(const char *name)
{
    /* Judged on the last part only: `credentials.host` is not secret, `credentials` is. */
    static const char *words[] = {"password", "passwd", "secret",  "token",     "credential",
                                  "private_key", "api_key", "apikey", "access_key"};
    if (!name)
        return false;
    const char *dot = strrchr(name, '.');
    const char *last = dot ? dot + 1 : name;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(words); i++) {
        size_t n = strlen(words[i]);
        for (const char *p = last; *p; p++)
            if (strncasecmp(p, words[i], n) == 0)
                return true;
    }
    return false;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

cdlt_status cfg_read_file(const char *path, char **out, size_t *out_len, cdlt_error *err)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return CDLT_NOT_FOUND;
        return err_set(err, CDLT_IO, "cannot open %s: %s; check the file's permissions", path,
                       strerror(errno));
    }
    buf b;
    buf_init(&b, CFG_MAX_FILE);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) != CDLT_OK)
            break;
    bool ioerr = ferror(f) != 0;
    fclose(f);
    if (b.status == CDLT_OK && !b.data)
        buf_reserve(&b, 1); /* empty file: still hand back "" */
    if (b.status == CDLT_TOO_LARGE) {
        buf_free(&b);
        return err_set(err, CDLT_TOO_LARGE, "%s is larger than %u bytes; a config file this big is "
                       "not supported", path, CFG_MAX_FILE);
    }
    if (b.status != CDLT_OK) {
        buf_free(&b);
        return err_nomem(err);
    }
    if (ioerr) {
        buf_free(&b);
        return err_set(err, CDLT_IO, "error reading %s", path);
    }
    *out = buf_detach(&b, out_len);
    return CDLT_OK;
}

cdlt_status cfg_merge(arena *a, const jv *base, const jv *over, jv *out)
{
    if (base->type != JV_OBJECT || over->type != JV_OBJECT) {
        *out = *over;
        return CDLT_OK;
    }
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    for (uint32_t i = 0; i < base->len; i++) {
        const jv_member *m = &base->u.members[i];
        const jv *o = jv_getn(over, m->key, m->klen);
        jv v = m->value;
        if (o) {
            cdlt_status st = cfg_merge(a, &m->value, o, &v);
            if (st != CDLT_OK)
                return st;
        }
        if (jv_builder_set(&b, a, m->key, m->klen, v) != CDLT_OK)
            return CDLT_NOMEM;
    }
    for (uint32_t i = 0; i < over->len; i++) {
        const jv_member *m = &over->u.members[i];
        if (jv_getn(base, m->key, m->klen))
            continue;
        if (jv_builder_set(&b, a, m->key, m->klen, m->value) != CDLT_OK)
            return CDLT_NOMEM;
    }
    *out = b.value;
    return CDLT_OK;
}

static const char *adup(cdlt_config *cfg, const char *s)
{
    return s ? arena_strndup(&cfg->mem, s, strlen(s)) : NULL;
}

static const char *ajoin(cdlt_config *cfg, const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = arena_alloc(&cfg->mem, n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, (*dir && dir[strlen(dir) - 1] == '/') ? "" : "/", name);
    return p;
}

/* dlt's global folder: DLT_DATA_DIR; /var/dlt for root; ~/.dlt; $XDG_DATA_HOME/dlt when ~/.dlt
 * does not exist; a temp folder without a home. */
static const char *global_dir(cdlt_config *cfg, const cdlt_config_opts *o)
{
    if (o && o->global_dir)
        return *o->global_dir ? adup(cfg, o->global_dir) : "";
    const char *e = getenv("DLT_DATA_DIR");
    if (e && *e)
        return adup(cfg, e);
    if (geteuid() == 0)
        return "/var/dlt";
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !*home)
        return ajoin(cfg, getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", "dlt");
    const char *dot = ajoin(cfg, home, ".dlt");
    const char *xdg = getenv("XDG_DATA_HOME");
    if (dot && !is_dir(dot) && xdg && *xdg)
        return ajoin(cfg, xdg, "dlt");
    return dot;
}

static cdlt_status load_file(cdlt_config *cfg, const char *dir, const char *name, cfg_prov prov,
                             bool global, cdlt_error *err)
{
    cfg_file *f = &cfg->files[cfg->nfiles];
    memset(f, 0, sizeof *f);
    f->prov = prov;
    f->global = global;
    f->tree.type = JV_OBJECT;
    f->path = ajoin(cfg, dir, name);
    if (!f->path)
        return err_nomem(err);
    cfg->nfiles++;
    char *text = NULL;
    size_t len = 0;
    cdlt_status st = cfg_read_file(f->path, &text, &len, err);
    if (st == CDLT_NOT_FOUND)
        return CDLT_OK;
    if (st != CDLT_OK)
        return st;
    st = toml_parse(text, len, f->path, &cfg->mem, &f->tree, err);
    mem_free(text);
    if (st != CDLT_OK) {
        if (st != CDLT_NOMEM)
            err_hint(err, "fix the TOML syntax in %s", f->path);
        return st;
    }
    f->loaded = true;
    LOG_DEBUG("config: %s loaded from %s", cfg_prov_name(prov), f->path);
    return CDLT_OK;
}

/* Same folder reached two ways (e.g. running from $HOME): read it once. */
static bool same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return a && b && strcmp(a, b) == 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static cdlt_status open_impl(cdlt_config *cfg, const cdlt_config_opts *o, cdlt_error *err)
{
    /* Project folder. */
    const char *pd = o && o->project_dir && *o->project_dir ? o->project_dir : getenv("DLT_PROJECT_DIR");
    char cwd[4096];
    if (!pd || !*pd) {
        if (!getcwd(cwd, sizeof cwd))
            return err_set(err, CDLT_IO, "cannot determine the current folder: %s; set "
                           "DLT_PROJECT_DIR", strerror(errno));
        pd = cwd;
    }
    /* Absolute, so messages name files a user can open from anywhere. */
    if (pd[0] != '/' && pd != cwd && getcwd(cwd, sizeof cwd)) {
        cfg->project_dir = strcmp(pd, ".") == 0 ? adup(cfg, cwd) : ajoin(cfg, cwd, pd);
    } else {
        cfg->project_dir = adup(cfg, pd);
    }
    if (!cfg->project_dir)
        return err_nomem(err);
    pd = cfg->project_dir;
    const char *folder = o && o->config_folder && *o->config_folder ? o->config_folder
                                                                    : getenv("DLT_CONFIG_FOLDER");
    if (!folder || !*folder)
        folder = ".dlt";
    cfg->settings_dir = folder[0] == '/' ? adup(cfg, folder) : ajoin(cfg, pd, folder);
    cfg->global_dir = global_dir(cfg, o); /* NULL = out of memory, "" = disabled */
    const char *sd = o && o->secrets_dir ? o->secrets_dir : "/run/secrets";
    cfg->secrets_dir = *sd ? adup(cfg, sd) : NULL;
    bool scoped = o && o->pipeline_name && *o->pipeline_name;
    if (scoped)
        cfg->pipeline_name = adup(cfg, o->pipeline_name);
    if (!cfg->project_dir || !cfg->settings_dir || !cfg->global_dir || (*sd && !cfg->secrets_dir) ||
        (scoped && !cfg->pipeline_name))
        return err_nomem(err);
    if (!*cfg->global_dir)
        cfg->global_dir = NULL;
    cfg->settings_exists = is_dir(cfg->settings_dir);
    bool use_global = cfg->global_dir && !same_dir(cfg->global_dir, cfg->settings_dir);

    static const struct {
        const char *name;
        cfg_prov prov;
    } kinds[] = {{"secrets.toml", CFG_SECRETS}, {"config.toml", CFG_CONFIG}};
    for (size_t k = 0; k < CDLT_ARRAY_LEN(kinds); k++) {
        cdlt_status st = load_file(cfg, cfg->settings_dir, kinds[k].name, kinds[k].prov, false, err);
        if (st == CDLT_OK && use_global)
            st = load_file(cfg, cfg->global_dir, kinds[k].name, kinds[k].prov, true, err);
        if (st != CDLT_OK)
            return st;
    }
    /* Project wins over global: merge global first, project over it. */
    for (cfg_prov p = CFG_SECRETS; p < CFG_NPROV; p++) {
        jv acc = {.type = JV_OBJECT};
        for (size_t i = cfg->nfiles; i-- > 0;) {
            if (cfg->files[i].prov != p || !cfg->files[i].loaded)
                continue;
            jv next;
            if (cfg_merge(&cfg->mem, &acc, &cfg->files[i].tree, &next) != CDLT_OK)
                return err_nomem(err);
            acc = next;
        }
        cfg->merged[p] = acc;
    }
    return CDLT_OK;
}

cdlt_status cdlt_config_open(const cdlt_config_opts *opts, cdlt_config **out, cdlt_error *err)
{
    if (!out)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_config_open: out is NULL");
    *out = NULL;
    cdlt_config *cfg = mem_calloc(1, sizeof *cfg);
    if (!cfg)
        return err_nomem(err);
    arena_init(&cfg->mem, 16384, 0);
    cdlt_status st = open_impl(cfg, opts, err);
    if (st != CDLT_OK) {
        cdlt_config_free(cfg);
        return st;
    }
    *out = cfg;
    return CDLT_OK;
}

void cdlt_config_free(cdlt_config *cfg)
{
    if (!cfg)
        return;
    arena_free(&cfg->mem);
    mem_free(cfg->last_message);
    mem_free(cfg);
}

void cfg_keep_message(cdlt_config *cfg, const char *text)
{
    if (!cfg)
        return;
    mem_free(cfg->last_message);
    cfg->last_message = NULL;
    if (!text)
        return;
    /* Masked like every error text: the full message must not leak more than the short one. */
    size_t n = strlen(text) * 2 + 64;
    char *m = mem_alloc(n);
    if (m)
        cdlt_secret_mask_text(text, m, n);
    cfg->last_message = m;
}

const char *cdlt_config_last_message(const cdlt_config *cfg)
{
    return cfg && cfg->last_message ? cfg->last_message : "";
}

bool cdlt_config_file_info(const cdlt_config *cfg, size_t i, const char **out_path,
                           const char **out_provider, bool *out_loaded)
{
    if (!cfg || i >= cfg->nfiles)
        return false;
    if (out_path)
        *out_path = cfg->files[i].path;
    if (out_provider)
        *out_provider = cfg_prov_name(cfg->files[i].prov);
    if (out_loaded)
        *out_loaded = cfg->files[i].loaded;
    return true;
}
