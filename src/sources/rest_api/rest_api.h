/* rest_api.h: dlt's declarative REST API source (spec sources.md §1-§5) on src/http: the
 * config dict a dlt user passes to rest_api_source (client, resource_defaults, resources),
 * validated before any request; paginators, data selectors, auth, parent/child resources,
 * response actions and incremental request parameters; and a run engine that fetches every
 * resource, every child and (for range paginators with a known total) every page
 * concurrently on one thread through the curl multi interface, handing each page's records to
 * a sink in page order. It knows nothing of the pipeline: src/pipeline/rest.c maps resources
 * to cdlt resources and the sink to their emitters. Behaviour decisions: docs/rest_api.md. */
#ifndef CDLT_REST_API_H
#define CDLT_REST_API_H

#include "config/config.h"
#include "http/http.h"
#include "json/json.h"
#include "json/jsonpath.h"

typedef struct rest_source rest_source;

/* One declarative processing step (steps.c): a filter or a map. */
typedef struct rest_step {
    bool filter;
    jv spec;       /* the filter's tests or the map's set/rename/drop */
    jpath path;    /* filter: the tested field */
} rest_step;
bool rest_step_keep(const rest_step *s, const jv *item);
cdlt_status rest_step_map(const rest_step *s, const jv *item, arena *a, jv *out);

/* Parse and validate `cfg` (the rest_api dict). `where` prefixes config paths in errors
 * ("rest_api" -> "rest_api.resources[2].endpoint.paginator.type"). Auth fields the dict
 * leaves out are looked up in `config` (may be NULL) as dlt does for source `name`:
 * sources.rest_api.<name>.credentials.<field>, sources.rest_api.credentials.<field>,
 * sources.<name>.credentials.<field>, sources.credentials.<field>, credentials.<field>.
 * Secret values are registered with the masker. */
cdlt_status rest_source_parse(const jv *cfg, const char *where, const char *name,
                              cdlt_config *config, rest_source **out, cdlt_error *err);
void rest_source_free(rest_source *s);
/* dlt's [runtime] http_show_error_body / http_max_error_body_length (default off / 8192). */
/* client.session = {request_timeout, request_max_attempts, ...}: dlt's Client options
 * written as a table; they override the settings read from [runtime]. */
void rest_source_http_settings(const rest_source *s, http_settings *hs);
void rest_source_show_error_body(rest_source *s, bool show, size_t max_len);

size_t rest_source_count(const rest_source *s);
const char *rest_resource_name(const rest_source *s, size_t i);
/* The resource's table hints after merging resource_defaults (an object holding only hint
 * keys: table_name, write_disposition, primary_key, merge_key, columns, max_table_nesting,
 * schema_contract, selected). */
const jv *rest_resource_hints(const rest_source *s, size_t i);
/* The incremental arguments for the cursor (JSON text without the request-only keys
 * start_param / end_param), or NULL. */
const char *rest_resource_incremental(const rest_source *s, size_t i);
int rest_resource_parent(const rest_source *s, size_t i); /* index, or -1 */
/* table_name written as a per-item pattern ("events_{type}", fields as JSONPath), or NULL;
 * rest_table_name expands it for one record. */
const char *rest_resource_table_pattern(const rest_source *s, size_t i);
cdlt_status rest_table_name(const char *pattern, const jv *item, buf *out, cdlt_error *err);
/* The resource's processing_steps in order (*out valid while the source lives). */
size_t rest_resource_steps(const rest_source *s, size_t i, const rest_step **out);

typedef struct rest_sink {
    void *ud;
    /* Records of one page of resource res (a JV_ARRAY living until the call returns), in
     * page order per fetch. CDLT_INTERRUPTED: the resource has what it needs (a limit);
     * stop fetching it. Other non-OK statuses end the run with that error. */
    cdlt_status (*page)(void *ud, size_t res, jv *records, cdlt_error *err);
    /* The incremental value `attr` (start_value, last_value, initial_value, end_value) of
     * resource res as JSON text, or NULL when none. */
    const char *(*incremental)(void *ud, size_t res, const char *attr);
} rest_sink;

typedef struct rest_run rest_run;

cdlt_status rest_run_new(rest_source *s, const http_settings *hs, const rest_sink *sink,
                         rest_run **out, cdlt_error *err);
/* Start fetching top-level resource res (no parent). */
cdlt_status rest_run_start(rest_run *r, size_t res, cdlt_error *err);
/* Child resource res: one fetch per parent record of `records` (a JV_ARRAY; copied). */
cdlt_status rest_run_feed(rest_run *r, size_t res, const jv *records, cdlt_error *err);
/* Fetch until every started fetch (and every child fed meanwhile) is done. */
cdlt_status rest_run_wait(rest_run *r, cdlt_error *err);
void rest_run_free(rest_run *r);
/* Requests made and pages delivered so far (for logs and benchmarks). */
void rest_run_counts(const rest_run *r, uint64_t *requests, uint64_t *pages);

#endif /* CDLT_REST_API_H */
