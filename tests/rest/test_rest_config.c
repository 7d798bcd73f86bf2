/* test_rest_config.c: the rest_api dict is validated before any request, as dlt validates
 * it: unknown keys and wrong types name the config path, the allowed keys and the closest
 * one; unknown paginator and auth types list the allowed values; placeholder, parent and
 * resolve mistakes are explained; dlt configs of its documented shape are accepted (issue 12
 * #2). */
#include "testutil.h"

#include "config/config.h"
#include "sources/rest_api/rest_api.h"

#include <stdio.h>
#include <string.h>

static cdlt_status parse(const char *json, cdlt_error *err)
{
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    assert_int_equal(json_parse(json, strlen(json), &a, NULL, &v, NULL), CDLT_OK);
    rest_source *s = NULL;
    memset(err, 0, sizeof *err);
    cdlt_status rc = rest_source_parse(&v, "rest_api", "rest_api", NULL, &s, err);
    rest_source_free(s);
    arena_free(&a);
    return rc;
}

static void expect(const char *json, const char *const *needles)
{
    cdlt_error err;
    cdlt_status rc = parse(json, &err);
    if (rc == CDLT_OK)
        fprintf(stderr, "accepted: %s\n", json);
    assert_int_not_equal(rc, CDLT_OK);
    for (size_t i = 0; needles[i]; i++) {
        if (!strstr(err.message, needles[i]))
            fprintf(stderr, "missing '%s' in: %s\n", needles[i], err.message);
        assert_non_null(strstr(err.message, needles[i]));
    }
}

#define EXPECT(json, ...)                                                                      \
    do {                                                                                       \
        const char *const n_[] = {__VA_ARGS__, NULL};                                          \
        expect(json, n_);                                                                      \
    } while (0)

static void test_accepts_dlt_shapes(void **st)
{
    (void)st;
    cdlt_error err;
    /* the documented GitHub / Pokemon examples, in JSON */
    assert_int_equal(
        parse("{\"client\": {\"base_url\": \"https://api.github.com/repos/dlt-hub/dlt/\","
              "\"auth\": {\"token\": \"x\"}},"
              "\"resource_defaults\": {\"primary_key\": \"id\", \"write_disposition\": "
              "\"merge\", \"endpoint\": {\"params\": {\"per_page\": 100}}},"
              "\"resources\": [{\"name\": \"issues\", \"endpoint\": {\"path\": \"issues\","
              "\"params\": {\"sort\": \"updated\", \"direction\": \"desc\", \"state\": \"open\","
              "\"since\": \"{incremental.start_value}\"}, \"incremental\": {\"cursor_path\": "
              "\"updated_at\", \"initial_value\": \"2024-01-25T11:21:28Z\"}}},"
              "{\"name\": \"issue_comments\", \"endpoint\": {\"path\": "
              "\"issues/{resources.issues.number}/comments\"}, \"include_from_parent\": "
              "[\"id\"]}]}",
              &err),
        CDLT_OK);
    assert_int_equal(
        parse("{\"client\": {\"base_url\": \"https://pokeapi.co/api/v2/\", \"paginator\": "
              "{\"type\": \"offset\", \"limit\": 20, \"total_path\": \"count\"}},"
              "\"resource_defaults\": {\"endpoint\": {\"params\": {\"limit\": 1000}}},"
              "\"resources\": [\"pokemon\", \"berry\", {\"name\": \"location\", "
              "\"endpoint\": \"location\"}]}",
              &err),
        CDLT_OK);
    if (err.code)
        fprintf(stderr, "%s\n", err.message);
}

static void test_unknown_keys(void **st)
{
    (void)st;
    /* params at resource level instead of inside endpoint (dlt's own example) */
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"params\": {\"x\": 1}}]}",
           "rest_api.resources[0]", "unknown key 'params'");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [\"a\", {\"name\": "
           "\"b\", \"write_dispositon\": \"merge\"}]}",
           "rest_api.resources[1]", "write_dispositon", "did you mean 'write_disposition'");
    EXPECT("{\"client\": {\"base_url\": \"http://x\", \"paginatr\": \"auto\"}, \"resources\": "
           "[\"a\"]}",
           "rest_api.client", "paginatr", "did you mean 'paginator'");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"path\": \"a\", \"data_selecter\": \"x\"}}]}",
           "rest_api.resources[0].endpoint", "data_selecter", "data_selector");
    EXPECT("{\"clients\": {}, \"resources\": [\"a\"]}", "unknown key 'clients'", "client");
}

static void test_paginator_errors(void **st)
{
    (void)st;
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [\"a\", \"b\", {\"name\": "
           "\"c\", \"endpoint\": {\"paginator\": {\"type\": \"offest\", \"limit\": 1}}}]}",
           "rest_api.resources[2].endpoint.paginator.type", "offest", "page_number",
           "did you mean 'offset'");
    EXPECT("{\"client\": {\"base_url\": \"http://x\", \"paginator\": \"offset\"}, \"resources\": "
           "[\"a\"]}",
           "rest_api.client.paginator", "requires 'limit'");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"paginator\": {\"type\": \"cursor\", \"cursor_param\": \"c\", "
           "\"cursor_body_path\": \"d\"}}}]}",
           "either cursor_param or cursor_body_path");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"paginator\": {\"type\": \"page_number\", \"total_path\": null, "
           "\"stop_after_empty_page\": false}}}]}",
           "never stop");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"paginator\": {\"type\": \"json_link\", \"next_url_path\": "
           "\"$..next\"}}}]}",
           "next_url_path", "recursive descent");
}

static void test_auth_errors(void **st)
{
    (void)st;
    EXPECT("{\"client\": {\"base_url\": \"http://x\", \"auth\": {\"type\": \"beaer\", \"token\": "
           "\"t\"}}, \"resources\": [\"a\"]}",
           "rest_api.client.auth.type", "beaer", "oauth2_client_credentials", "bearer");
    EXPECT("{\"client\": {\"base_url\": \"http://x\", \"auth\": {\"type\": \"api_key\", "
           "\"api_key\": \"k\", \"location\": \"body\"}}, \"resources\": [\"a\"]}",
           "location", "body", "header, query");
    EXPECT("{\"client\": {\"base_url\": \"http://x\", \"auth\": {\"type\": \"http_basic\", "
           "\"username\": \"u\"}}, \"resources\": [\"a\"]}",
           "password", "SOURCES__REST_API__CREDENTIALS__PASSWORD");
}

static void test_placeholder_errors(void **st)
{
    (void)st;
    cdlt_error err;
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"params\": {\"q\": \"{foo}\"}}}]}",
           "rest_api.resources[0].endpoint.params.q", "{foo}", "{{");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"path\": \"x/{id}\"}}]}",
           "no param named 'id'");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"path\": \"x/{resources.nope.id}\"}}]}",
           "non existing parent resource 'nope'");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [\"p\", \"q\", {\"name\": "
           "\"a\", \"endpoint\": {\"path\": \"x/{resources.p.id}/{resources.q.id}\"}}]}",
           "multiple parent resources");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [\"p\", {\"name\": \"a\", "
           "\"endpoint\": {\"path\": \"x\", \"params\": {\"id\": {\"type\": \"resolve\", "
           "\"resource\": \"p\", \"field\": \"id\"}}}}]}",
           "not bound in the path");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"include_from_parent\": [\"id\"]}]}",
           "not dependent on another resource");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"params\": {\"since\": \"{incremental.start_value}\"}}}]}",
           "needs an 'incremental' block");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [\"a\", \"a\"]}",
           "'a' is already defined");
    /* dlt accepts a string status_code (it never matches): so does cdlt, with a warning */
    assert_int_equal(parse("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": "
                           "\"a\", \"endpoint\": {\"response_actions\": [{\"status_code\": "
                           "\"404\", \"action\": \"ignore\"}], \"params\": {\"k\": [1, 2]}}}]}",
                           &err),
                     CDLT_OK);
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"response_actions\": [{\"status_code\": 4.5, \"action\": "
           "\"ignore\"}]}}]}",
           "status_code", "integer");
    EXPECT("{\"client\": {\"base_url\": \"http://x\"}, \"resources\": [{\"name\": \"a\", "
           "\"endpoint\": {\"method\": \"PUT\"}}]}",
           "method", "GET, POST");
    EXPECT("{\"client\": {}, \"resources\": [\"a\"]}", "base_url", "required");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_dlt_shapes), cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_paginator_errors),   cmocka_unit_test(test_auth_errors),
        cmocka_unit_test(test_placeholder_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
