/* test_rest_samples.c: the shipped rest_api definitions (samples/rest_api/ (TOML) for GitHub,
 * PokeAPI and chess.com, and the README's demo) are valid: they load and build their
 * resources without a request (the APIs need the internet, which tests never use); `cdlt init
 * rest_api duckdb` writes a starter that runs against the demo server once its base_url points
 * there, a secrets template with mode 0600, and never overwrites; the C REST client pages
 * through an endpoint with the same paginators (issue 12 #8, #10). */
#include "rtest.h"

static void build(const char *rel, size_t resources)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", CDLT_SOURCE_DIR, rel);
    cdlt_error err = {0};
    cdlt_definition *d = NULL;
    cdlt_source *s = NULL;
    cdlt_status rc = cdlt_definition_load(path, &d, &err);
    if (rc == CDLT_OK)
        rc = cdlt_definition_source(d, &s, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "%s: %s\n", rel, err.message);
    assert_int_equal(rc, CDLT_OK);
    size_t n = 0;
    while (cdlt_source_resource(s, n))
        n++;
    assert_int_equal(n, resources);
    cdlt_source_free(s);
    cdlt_definition_free(d);
}

static void test_samples(void **st)
{
    (void)st;
    setenv("SOURCES__REST_API__CREDENTIALS__TOKEN", "ghp_sample_not_used", 1);
    build("samples/rest_api/github.toml", 2);
    build("samples/rest_api/pokemon.toml", 3);
    build("samples/rest_api/chess.toml", 2);
    build("samples/demo_api.toml", 4);
    unsetenv("SOURCES__REST_API__CREDENTIALS__TOKEN");
}

static void test_init(void **st)
{
    (void)st;
    rt *t = rt_new("rest-init", NULL);
    const char *init[] = {"init", "rest_api", "duckdb", "--dir", t->dir, NULL};
    cli_res r = run_cli(t->dir, init, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    char p[1400];
    snprintf(p, sizeof p, "%s/.dlt/secrets.toml", t->dir);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* a second init refuses to overwrite */
    r = run_cli(t->dir, init, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "exists"));
    res_free(&r);
    /* the starter runs once pointed at the demo server (pokemon and berry are json_link
     * lists there: /json_link/items) */
    snprintf(p, sizeof p, "%s/rest_api_pipeline.toml", t->dir);
    size_t n = 0;
    char *text = tu_read_file(p, &n);
    assert_non_null(text);
    assert_non_null(strstr(text, "https://pokeapi.co/api/v2/"));
    char *out = malloc(n + 4096);
    char *at = strstr(text, "https://pokeapi.co/api/v2/");
    *at = 0;
    char *rest = at + strlen("https://pokeapi.co/api/v2/");
    /* resources pokemon and berry -> paths under json_link/ on the demo server */
    char *pk = strstr(rest, "name = \"pokemon\"\n");
    assert_non_null(pk);
    *pk = 0;
    char *after = pk + strlen("name = \"pokemon\"\n");
    char *be = strstr(after, "name = \"berry\"\n");
    assert_non_null(be);
    *be = 0;
    char *after2 = be + strlen("name = \"berry\"\n");
    snprintf(out, n + 4096,
             "%s%s/%sname = \"pokemon\"\nendpoint = \"json_link/items\"\n%sname = \"berry\"\n"
             "endpoint = \"json_link/items\"\n%s",
             text, apiserver_url(t->srv), rest, after, after2);
    assert_int_equal(tu_write_file(p, out, strlen(out)), 0);
    free(out);
    free(text);
    /* items have "id", the starter's primary key is "name": both present */
    const char *run[] = {"run", p, "--pipelines-dir", t->pdir, NULL};
    char proj[1300];
    snprintf(proj, sizeof proj, "DLT_PROJECT_DIR=%s", t->dir);
    const char *env[] = {proj, NULL};
    r = run_cli(t->dir, run, env);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    rt_free(t);
}

typedef struct pages {
    int pages;
    int records;
} pages;

static cdlt_status on_page(const char *json, size_t len, void *ud)
{
    pages *p = ud;
    p->pages++;
    for (size_t i = 0; i + 5 < len; i++)
        if (!memcmp(json + i, "\"id\":", 5))
            p->records++;
    return CDLT_OK;
}

static void test_c_client(void **st)
{
    (void)st;
    rt *t = rt_new("rest-client", NULL);
    char cj[512];
    snprintf(cj, sizeof cj,
             "{\"base_url\": \"%s\", \"paginator\": {\"type\": \"offset\", \"limit\": 10}}",
             apiserver_url(t->srv));
    cdlt_rest_client *c = NULL;
    cdlt_error err = {0};
    assert_int_equal(cdlt_rest_client_open(cj, &c, &err), CDLT_OK);
    pages p = {0, 0};
    assert_int_equal(cdlt_rest_paginate(c, "{\"path\": \"offset/items\", \"params\": {\"total\": 95}}",
                                        on_page, &p, &err),
                     CDLT_OK);
    assert_int_equal(p.pages, 10);
    assert_int_equal(p.records, 95 * 2); /* item id + owner id */
    /* a plain path string, the endpoint's own paginator */
    p = (pages){0, 0};
    assert_int_equal(cdlt_rest_paginate(c,
                                        "{\"path\": \"json_link/items\", \"paginator\": "
                                        "\"json_link\", \"data_selector\": \"data\"}",
                                        on_page, &p, &err),
                     CDLT_OK);
    assert_int_equal(p.pages, 3);
    /* errors come back with the URL */
    assert_int_not_equal(cdlt_rest_paginate(c, "\"status/418\"", on_page, &p, &err), CDLT_OK);
    assert_non_null(strstr(err.message, "418"));
    cdlt_rest_client_free(c);
    rt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_c_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
