/* config.h: internal API of the configuration subsystem: dlt's providers (environment,
 * secrets.toml, config.toml), its section-fallback lookup with traces, and definition files. */
#ifndef CDLT_CONFIG_H
#define CDLT_CONFIG_H

#include "json/json.h"

/* Providers in dlt's lookup order. */
typedef enum cfg_prov {
    CFG_ENV = 0,     /* environment variables (and /run/secrets files for secrets) */
    CFG_SECRETS = 1, /* secrets.toml, project over global */
    CFG_CONFIG = 2,  /* config.toml, project over global */
    CFG_NPROV = 3
} cfg_prov;

/* Deepest path we accept (sections + spec sections + key); dlt paths are 3-6 parts. */
#define CFG_MAX_PARTS 24
/* Longest dotted section or key text we accept. */
#define CFG_MAX_PATH 1024
/* Largest config/secrets/definition file we read (a config, not a data set). */
#define CFG_MAX_FILE (16u << 20)

/* One TOML file a provider reads (or looked for). */
typedef struct cfg_file {
    const char *path; /* absolute path (cfg arena) */
    cfg_prov prov;    /* CFG_SECRETS or CFG_CONFIG */
    bool global;      /* from the global folder (~/.dlt) rather than the project */
    bool loaded;      /* file exists and parsed (possibly empty) */
    jv tree;          /* parsed document (JV_OBJECT; empty object when not loaded) */
} cfg_file;

struct cdlt_config {
    arena mem;                 /* trees, resolved values, origin texts: live until free */
    const char *project_dir;   /* run dir (cwd or DLT_PROJECT_DIR) */
    const char *settings_dir;  /* project settings folder (<project>/.dlt) */
    bool settings_exists;      /* settings_dir is a directory */
    const char *global_dir;    /* global folder, NULL when disabled */
    const char *pipeline_name; /* scope tried first; NULL when none */
    const char *secrets_dir;   /* folder of secret files (/run/secrets); NULL when disabled */
    cfg_file files[4];         /* project secrets, global secrets, project config, global config */
    size_t nfiles;             /* used entries of files */
    jv merged[CFG_NPROV];      /* project deep-merged over global, per TOML provider */
    char *last_message;        /* full text of the last error (mem_alloc'd; may exceed cdlt_error) */
};

/* A parsed lookup: droppable sections, never-dropped spec sections, and the key. */
enum {
    CFG_Q_SECRET = 1 << 0,   /* secret field: skips config.toml, tries secret files, is masked */
    CFG_Q_EXACT = 1 << 1,    /* exact path only, no section fallback (dlt.config["a.b"]) */
    CFG_Q_OPTIONAL = 1 << 2, /* absence returns CDLT_NOT_FOUND without an error message */
    CFG_Q_JSON = 1 << 3,     /* env strings that look like JSON objects/arrays are parsed */
    CFG_Q_NO_SCOPE = 1 << 4  /* ignore the pipeline-name scope */
};

typedef struct cfg_query {
    const char *sections[CFG_MAX_PARTS]; /* droppable sections, most generic first */
    size_t nsections;                    /* used entries of sections */
    const char *spec[CFG_MAX_PARTS];     /* the key's own sections (e.g. "credentials") */
    size_t nspec;                        /* used entries of spec */
    const char *key;                     /* field name */
    unsigned flags;                      /* CFG_Q_* */
    char store[2 * CFG_MAX_PATH + 4];    /* backing text for the parts above */
} cfg_query;

/* Where a value came from. */
typedef struct cfg_hit {
    cfg_prov prov;    /* provider that had it */
    const jv *value;  /* the value (TOML node, or env string / parsed JSON in the cfg arena) */
    const char *name; /* env var name or dotted TOML key, incl. pipeline prefix (cfg arena) */
    const char *file; /* TOML file or secret file path; NULL for env vars (cfg arena) */
} cfg_hit;

/* Split "sources.github" (section, may be NULL/"") and "credentials.password" (key: the last
 * part is the field, earlier parts are spec sections never dropped) into a query. */
cdlt_status cfg_query_init(cfg_query *q, const char *section, const char *key, unsigned flags,
                           cdlt_error *err);

/* Resolve one query in dlt's order. CDLT_OK with *out filled; CDLT_CONFIG_MISSING with the
 * tried-list message (CDLT_NOT_FOUND and no message when CFG_Q_OPTIONAL);
 * CDLT_SECRET_IN_CONFIG; CDLT_NOMEM. Secret string values are registered with the masker. */
cdlt_status cfg_resolve(cdlt_config *cfg, const cfg_query *q, cfg_hit *out, cdlt_error *err);

/* Convenience: cfg_query_init + cfg_resolve. */
cdlt_status cfg_get(cdlt_config *cfg, const char *section, const char *key, unsigned flags,
                    cfg_hit *out, cdlt_error *err);

/* Provider display name as dlt prints it ("Environment Variables", "secrets.toml", ...). */
const char *cfg_prov_name(cfg_prov p);

/* Human origin text of a hit: "env SOURCES__X__Y" or "/abs/.dlt/secrets.toml: sources.x.y"
 * (cfg arena; NULL on out-of-memory). */
const char *cfg_hit_origin(cdlt_config *cfg, const cfg_hit *hit);

/* Merged view of a whole section as one tree with provenance: env over secrets.toml over
 * config.toml, pipeline-scoped keys over unscoped ones. *out is a JV_OBJECT (empty when nothing
 * is configured); *out_origin (may be NULL) has the same shape with each leaf replaced by its
 * origin text. Env strings that look like JSON objects/arrays are parsed. Values live in `a`. */
cdlt_status cfg_subtree(cdlt_config *cfg, const char *section, arena *a, jv *out, jv *out_origin,
                        cdlt_error *err);

/* Deep-merge `over` onto `base` into *out (objects merged key by key, anything else replaced). */
cdlt_status cfg_merge(arena *a, const jv *base, const jv *over, jv *out);

/* Keep the full text of an error on the handle (the cdlt_error copy may be truncated). */
void cfg_keep_message(cdlt_config *cfg, const char *text);

/* True when a key name looks like it holds a secret (password, token, secret, key, ...). */
bool cfg_name_is_secret(const char *name);

/* ---- definition.c: pipeline definitions in TOML, YAML or JSON ---- */
typedef enum cfg_format {
    CFG_FMT_AUTO = 0, /* by file extension, then by content */
    CFG_FMT_TOML,
    CFG_FMT_YAML,
    CFG_FMT_JSON
} cfg_format;

/* Parse text (name used for errors and extension detection; may be NULL) into a tree in `a`. */
cdlt_status cfg_definition_parse(const char *text, size_t len, const char *name, cfg_format fmt,
                                 arena *a, jv *out, cdlt_error *err);
/* Read and parse a definition file. */
cdlt_status cfg_definition_load(const char *path, cfg_format fmt, arena *a, jv *out,
                                cdlt_error *err);
/* YAML only (YAML 1.2 core schema typing, anchors/aliases, `<<` merge keys). */
cdlt_status cfg_yaml_parse(const char *text, size_t len, const char *name, arena *a, jv *out,
                           cdlt_error *err);

/* Read a whole file into a mem_alloc'd NUL-terminated buffer (capped at CFG_MAX_FILE).
 * CDLT_NOT_FOUND when it does not exist (no error message then). */
cdlt_status cfg_read_file(const char *path, char **out, size_t *out_len, cdlt_error *err);

#endif /* CDLT_CONFIG_H */
