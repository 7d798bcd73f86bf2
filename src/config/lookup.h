/* lookup.h: helpers shared by the files of src/config only (lookup, credentials, listing):
 * candidate paths, provider key syntax, and the missing-value message. */
#ifndef CDLT_CONFIG_LOOKUP_H
#define CDLT_CONFIG_LOOKUP_H

#include "config.h"

/* One section path tried during fallback. */
typedef struct cfg_variant {
    const char *parts[CFG_MAX_PARTS]; /* section names, outermost first */
    size_t n;                         /* used entries */
} cfg_variant;

/* Section paths from most specific to the root (out needs CFG_MAX_PARTS + 2 entries). */
size_t cfg_variants(const cfg_query *q, cfg_variant *out);
/* prefix (may be NULL) + variant + spec sections + key into out (2*CFG_MAX_PARTS+2 entries). */
size_t cfg_build_path(const cfg_query *q, const char *prefix, const cfg_variant *v, const char **out);
/* SOURCES__GITHUB__TOKEN */
void cfg_env_name(const char *const *parts, size_t n, char *out, size_t cap);
/* sources.github.token (parts that are not bare keys are quoted) */
void cfg_toml_name(const char *const *parts, size_t n, char *out, size_t cap);
/* Walk a tree by parts; NULL when absent. */
const jv *cfg_toml_get(const jv *root, const char *const *parts, size_t n);
/* The first loaded file of provider p (project before global) that has the path. */
const char *cfg_toml_file(const cdlt_config *cfg, cfg_prov p, const char *const *parts, size_t n);
/* dlt skips empty providers (and does not list them as tried). */
bool cfg_prov_empty(const cdlt_config *cfg, cfg_prov p);

/* One field that could not be resolved, with its trace: lines of "<prov digit><key>\n". */
typedef struct cfg_missing_field {
    const char *field; /* field label, e.g. "password" or "credentials.password" */
    const char *trace; /* lookups in order */
    bool also_tried;   /* not a missing field: a related lookup listed for context */
} cfg_missing_field;
/* Fill err with CDLT_CONFIG_MISSING in dlt's layout (compact when it would not fit), keep the
 * full text on the handle. `resolved` lists fields that did resolve (may be NULL). */
cdlt_status cfg_missing_error(cdlt_config *cfg, const char *section, const cfg_missing_field *fs,
                              size_t nf, const char *resolved, cdlt_error *err);

/* Resolve like cfg_resolve but also hand back the trace (lines as above) in *trace. */
cdlt_status cfg_resolve_traced(cdlt_config *cfg, const cfg_query *q, cfg_hit *out, buf *trace,
                               cdlt_error *err);

#endif /* CDLT_CONFIG_LOOKUP_H */
