/* rest_client.c: the programmatic REST client (dlt's RESTClient) inside a C resource: the
 * resource pages through an API with a paginator and emits each page's records itself, so a
 * program can add its own logic between the HTTP and the pipeline.
 *
 *   example_rest_client [BASE_URL] [DUCKDB_FILE] [PIPELINES_DIR]
 *
 * BASE_URL defaults to https://pokeapi.co/api/v2/ (needs the internet); against the bundled
 * demo server use `cdlt-demo-api --port 8089` and http://127.0.0.1:8089/. */
#include "cdlt.h"

#include <stdio.h>
#include <string.h>

typedef struct ctx {
    cdlt_rest_client *client;
    const char *endpoint;
    cdlt_emitter *em; /* valid during the resource callback */
} ctx;

/* One page of records: emit it as a page (one emit for many records, like dlt's yield). */
static cdlt_status on_page(const char *records, size_t len, void *ud)
{
    ctx *c = ud;
    cdlt_status rc = cdlt_emit_json(c->em, records, len);
    return rc == CDLT_INTERRUPTED ? CDLT_INTERRUPTED : rc; /* a limit ends the paging */
}

static cdlt_status pages(cdlt_emitter *em, void *ud)
{
    ctx *c = ud;
    c->em = em;
    cdlt_error err = {0};
    cdlt_status rc = cdlt_rest_paginate(c->client, c->endpoint, on_page, c, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "paginate: %s\n", err.message);
    return rc;
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : "https://pokeapi.co/api/v2/";
    const char *db = argc > 2 ? argv[2] : "rest_client.duckdb";
    const char *dir = argc > 3 ? argv[3] : NULL;
    cdlt_error err = {0};
    char client_json[1024];
    snprintf(client_json, sizeof client_json,
             "{\"base_url\": \"%s\", \"paginator\": {\"type\": \"json_link\", "
             "\"next_url_path\": \"next\"}}",
             base);
    ctx c = {NULL, NULL, NULL};
    if (cdlt_rest_client_open(client_json, &c.client, &err) != CDLT_OK) {
        fprintf(stderr, "client: %s\n", err.message);
        return 1;
    }
    /* pokeapi: {"results": [...], "next": url}; the demo server: {"data": [...], "next": url} */
    c.endpoint = strstr(base, "pokeapi")
                     ? "{\"path\": \"pokemon\", \"params\": {\"limit\": 200}, "
                       "\"data_selector\": \"results\"}"
                     : "{\"path\": \"json_link/items\", \"params\": {\"total\": 100}}";

    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    o.pipeline_name = "example_rest_client";
    o.destination = "duckdb";
    o.credentials = db;
    o.dataset_name = "example";
    o.pipelines_dir = dir;
    cdlt_pipeline *p = NULL;
    if (cdlt_pipeline_open(&o, &p, &err) != CDLT_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        cdlt_rest_client_free(c.client);
        return 1;
    }
    cdlt_source *src = NULL;
    cdlt_resource *r = NULL;
    cdlt_source_open("rest_client", &src);
    cdlt_resource_open("items", pages, &c, &r);
    cdlt_source_add(src, r);
    cdlt_load_info *info = NULL;
    cdlt_status rc = cdlt_pipeline_run(p, src, CDLT_REFRESH_NONE, &info, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run failed: %s\n", err.message);
    int64_t n = -1;
    if (rc == CDLT_OK && cdlt_pipeline_table_row_count(p, "items", &n, &err) == CDLT_OK)
        printf("items: %lld rows\n", (long long)n);
    cdlt_load_info_free(info);
    cdlt_source_free(src);
    cdlt_pipeline_free(p);
    cdlt_rest_client_free(c.client);
    return rc == CDLT_OK ? 0 : 1;
}
