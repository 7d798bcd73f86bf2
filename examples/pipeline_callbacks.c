/* pipeline_callbacks.c: the public pipeline API end to end, using only cdlt.h: a C callback
 * resource with resource state (an incremental cursor), a transformer, a map and a filter,
 * loaded into a DuckDB file.
 *
 *   example_pipeline_callbacks [DUCKDB_FILE] [PIPELINES_DIR]
 *
 * Run it twice: the second run continues after the cursor saved in the state. */
#include "cdlt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The resource: "users" 1..N after the last id seen (kept in the resource state). */
static cdlt_status users(cdlt_emitter *em, void *ud)
{
    int batch = *(const int *)ud;
    cdlt_state *st = cdlt_emitter_resource_state(em);
    const char *last = NULL;
    long start = 0;
    if (cdlt_state_get(st, "last_id", &last) == CDLT_OK)
        start = strtol(last, NULL, 10);
    char item[512];
    for (long id = start + 1; id <= start + batch; id++) {
        int n = snprintf(item, sizeof item,
                         "{\"id\":%ld,\"name\":\"user %ld\",\"score\":%ld,"
                         "\"address\":{\"city\":\"%s\"},\"roles\":[\"reader\"%s]}",
                         id, id, id * 7 % 100, id % 2 ? "Berlin" : "Lisbon",
                         id % 3 ? "" : ",\"admin\"");
        cdlt_status rc = cdlt_emit_json(em, item, (size_t)n);
        if (rc == CDLT_INTERRUPTED)
            return CDLT_OK; /* a limit was reached */
        if (rc != CDLT_OK)
            return rc;
    }
    char v[32];
    snprintf(v, sizeof v, "%ld", start + batch);
    return cdlt_state_set(st, "last_id", v);
}

/* The transformer: one "user_events" page per user (a JSON array is a page of items). */
static cdlt_status user_events(cdlt_emitter *em, const char *item, size_t len, void *ud)
{
    (void)ud;
    const char *p = strstr(item, "\"id\":");
    long id = p && p < item + len ? strtol(p + 5, NULL, 10) : 0;
    char page[512];
    int n = snprintf(page, sizeof page,
                     "[{\"user_id\":%ld,\"kind\":\"login\"},{\"user_id\":%ld,\"kind\":\"view\"}]",
                     id, id);
    return cdlt_emit_json(em, page, (size_t)n);
}

/* A filter: drop users with a score below 10. */
static bool keep_scored(const char *item, size_t len, void *ud)
{
    (void)ud;
    const char *p = strstr(item, "\"score\":");
    return !(p && p < item + len && strtol(p + 8, NULL, 10) < 10);
}

/* A map: add a constant "source" field. */
static cdlt_status tag_source(const char *item, size_t len, cdlt_text *out, void *ud)
{
    (void)ud;
    if (len < 2 || item[len - 1] != '}')
        return CDLT_OK; /* unchanged */
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%.*s,\"source\":\"example\"}", (int)(len - 1), item);
    if (n < 0 || (size_t)n >= sizeof buf)
        return CDLT_TOO_LARGE;
    return cdlt_text_set(out, buf, (size_t)n);
}

int main(int argc, char **argv)
{
    const char *db = argc > 1 ? argv[1] : "example_callbacks.duckdb";
    const char *dir = argc > 2 ? argv[2] : NULL;
    cdlt_error err;
    cdlt_error_clear(&err);

    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    o.pipeline_name = "example_callbacks";
    o.destination = "duckdb";
    o.credentials = db;
    o.dataset_name = "example";
    o.pipelines_dir = dir;
    cdlt_pipeline *p = NULL;
    if (cdlt_pipeline_open(&o, &p, &err) != CDLT_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }

    static int batch = 100;
    cdlt_source *src = NULL;
    cdlt_resource *r = NULL, *t = NULL;
    cdlt_source_open("example", &src);
    cdlt_resource_open("users", users, &batch, &r);
    const char *pk[] = {"id"};
    cdlt_resource_set_primary_key(r, pk, 1);
    cdlt_resource_add_column(r, "score", "bigint", false);
    cdlt_resource_add_filter(r, keep_scored, NULL);
    cdlt_resource_add_map(r, tag_source, NULL);
    cdlt_source_add(src, r);
    cdlt_transformer_open("user_events", r, user_events, NULL, &t);
    cdlt_source_add(src, t);

    cdlt_load_info *info = NULL;
    cdlt_status rc = cdlt_pipeline_run(p, src, CDLT_REFRESH_NONE, &info, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run failed: %s\n", err.message);
    char *text = NULL;
    if (info && cdlt_load_info_to_string(info, false, &text) == CDLT_OK) {
        fputs(text, stdout);
        cdlt_string_free(text);
    }
    const char *tables[] = {"users", "users__roles", "user_events", "_dlt_loads"};
    for (size_t i = 0; rc == CDLT_OK && i < 4; i++) {
        int64_t n = -1;
        if (cdlt_pipeline_table_row_count(p, tables[i], &n, &err) == CDLT_OK)
            printf("%-14s %lld rows\n", tables[i], (long long)n);
    }
    cdlt_load_info_free(info);
    cdlt_source_free(src);
    cdlt_pipeline_free(p);
    return rc == CDLT_OK ? 0 : 1;
}
