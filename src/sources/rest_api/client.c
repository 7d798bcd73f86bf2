/* client.c: the programmatic REST client of include/cdlt.h (dlt's RESTClient): one endpoint
 * paged through the same engine as the declarative source, a page at a time to a callback. */
#include "rest_int.h"

#include "cdlt.h"

#include <string.h>

struct cdlt_rest_client {
    arena mem;
    jv client; /* the client dict */
};

cdlt_status cdlt_rest_client_open(const char *client_json, cdlt_rest_client **out,
                                  cdlt_error *err)
{
    if (!out || !client_json)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_rest_client_open: no client JSON");
    *out = NULL;
    cdlt_rest_client *c = mem_calloc(1, sizeof *c);
    if (!c)
        return err_nomem(err);
    arena_init(&c->mem, 4096, 0);
    cdlt_status rc = json_parse(client_json, strlen(client_json), &c->mem, NULL, &c->client, err);
    if (rc == CDLT_OK && c->client.type != JV_OBJECT)
        rc = err_set(err, CDLT_CONFIG, "client: expects a JSON object with base_url");
    if (rc != CDLT_OK) {
        err_prefix(err, "cdlt_rest_client_open: ");
        cdlt_rest_client_free(c);
        return rc;
    }
    *out = c;
    return CDLT_OK;
}

void cdlt_rest_client_free(cdlt_rest_client *c)
{
    if (!c)
        return;
    arena_free(&c->mem);
    mem_free(c);
}

typedef struct pg_call {
    cdlt_rest_page_fn fn;
    void *ud;
    buf text;
    bool stopped;
} pg_call;

static cdlt_status call_page(void *ud, size_t res, jv *records, cdlt_error *err)
{
    pg_call *p = ud;
    (void)res;
    buf_clear(&p->text);
    if (json_write(&p->text, records, 0) != CDLT_OK)
        return err_nomem(err);
    cdlt_status rc = p->fn(buf_cstr(&p->text), p->text.len, p->ud);
    if (rc == CDLT_INTERRUPTED) {
        p->stopped = true;
        return CDLT_INTERRUPTED;
    }
    if (rc != CDLT_OK && err && err->code == CDLT_OK)
        err_set(err, rc, "the page callback failed: %s", cdlt_strerror(rc));
    return rc;
}

cdlt_status cdlt_rest_paginate(cdlt_rest_client *c, const char *endpoint_json,
                               cdlt_rest_page_fn fn, void *ud, cdlt_error *err)
{
    if (!c || !endpoint_json || !fn)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_rest_paginate: client, endpoint and "
                                              "callback are required");
    arena a;
    arena_init(&a, 4096, 0);
    jv ep;
    cdlt_status rc = json_parse(endpoint_json, strlen(endpoint_json), &a, NULL, &ep, err);
    if (rc != CDLT_OK) {
        err_prefix(err, "cdlt_rest_paginate: endpoint: ");
        arena_free(&a);
        return rc;
    }
    /* {"client": ..., "resources": [{"name": "paginate", "endpoint": ...}]} */
    jv_builder res, list, cfg;
    jv_builder_init(&res, JV_OBJECT);
    jv_builder_init(&list, JV_ARRAY);
    jv_builder_init(&cfg, JV_OBJECT);
    if (jv_builder_set(&res, &a, "name", 4, jv_str(&a, "paginate", 8)) != CDLT_OK ||
        jv_builder_set(&res, &a, "endpoint", 8, ep) != CDLT_OK ||
        jv_builder_push(&list, &a, res.value) != CDLT_OK ||
        jv_builder_set(&cfg, &a, "client", 6, c->client) != CDLT_OK ||
        jv_builder_set(&cfg, &a, "resources", 9, list.value) != CDLT_OK) {
        arena_free(&a);
        return err_nomem(err);
    }
    rest_source *s = NULL;
    rc = rest_source_parse(&cfg.value, "rest_client", "rest_client", NULL, &s, err);
    pg_call p = {fn, ud, BUF_INIT, false};
    rest_run *run = NULL;
    if (rc == CDLT_OK) {
        rest_sink sink = {&p, call_page, NULL};
        http_settings hs = {0};
        rest_source_http_settings(s, &hs); /* client.session options */
        rc = rest_run_new(s, &hs, &sink, &run, err);
    }
    if (rc == CDLT_OK)
        rc = rest_run_start(run, 0, err);
    if (rc == CDLT_OK)
        rc = rest_run_wait(run, err);
    rest_run_free(run);
    rest_source_free(s);
    buf_free(&p.text);
    arena_free(&a);
    return rc;
}
