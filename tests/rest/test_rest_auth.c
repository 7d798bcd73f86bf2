/* test_rest_auth.c: every auth scheme against a server that checks credentials: bearer,
 * api_key in a header, the query and a cookie, http_basic, and oauth2_client_credentials whose
 * token dies mid-run (a new one is fetched and the request sent again); secrets from the
 * definition, .dlt/secrets.toml and the environment in dlt's key layout; a wrong secret fails
 * with a clear error, and no secret ever appears in output or in any file cdlt writes
 * (issue 12 #5). */
#include "rtest.h"

#include <dirent.h>

static const char SECRET[] = "s3cr3t-Planted-Token-991";

/* Every file under dir (but the two the user wrote the secret into) must not contain s. */
static void assert_nowhere(const char *dir, const char *s, int depth)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth < 12)
                assert_nowhere(p, s, depth + 1);
            continue;
        }
        if (!strcmp(e->d_name, "secrets.toml") || !strcmp(e->d_name, "api.toml"))
            continue;
        size_t n = 0;
        char *text = tu_read_file(p, &n);
        if (!text)
            continue;
        bool found = memmem(text, n, s, strlen(s)) != NULL;
        if (found)
            fprintf(stderr, "secret found in %s\n", p);
        assert_false(found);
        free(text);
    }
    closedir(d);
}

static void run_auth(const char *pipeline, const char *path, const char *client_auth,
                     const char *const *envs, const char *secrets_toml, int64_t rows)
{
    apiserver_opts o = {0};
    o.token = SECRET;
    o.api_key = SECRET;
    o.password = SECRET;
    o.client_secret = SECRET;
    o.token_max_uses = 2;
    rt *t = rt_new("rest-auth", &o);
    if (secrets_toml)
        rt_write(t, ".dlt/secrets.toml", secrets_toml);
    char body[4096];
    snprintf(body, sizeof body,
             "[rest_api.client]\nbase_url = \"@URL@\"\n%s\n"
             "[[rest_api.resources]]\nname = \"items\"\nendpoint = { path = \"%s\" }\n",
             client_auth, path);
    rt_def(t, pipeline, body);
    char proj[1300];
    snprintf(proj, sizeof proj, "DLT_PROJECT_DIR=%s", t->dir);
    const char *env[8] = {proj, "RUNTIME__LOG_LEVEL=DEBUG"};
    size_t n = 2;
    for (size_t i = 0; envs && envs[i] && n < 7; i++)
        env[n++] = envs[i];
    env[n] = NULL;
    cli_res r = rt_run(t, env);
    if (r.code != 0)
        fprintf(stderr, "%s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_null(strstr(r.out, SECRET));
    assert_null(strstr(r.err, SECRET));
    res_free(&r);
    assert_int_equal(rt_count(t, "items"), rows);
    assert_nowhere(t->dir, SECRET, 0);
    rt_free(t);
}

static void test_bearer(void **st)
{
    (void)st;
    char a[256];
    snprintf(a, sizeof a, "auth = { type = \"bearer\", token = \"%s\" }", SECRET);
    run_auth("a_bearer", "auth/bearer", a, NULL, NULL, 25);
    /* dlt's shorthand: a dict without type is bearer; the token from secrets.toml */
    char sec[256];
    snprintf(sec, sizeof sec, "[sources.rest_api.credentials]\ntoken = \"%s\"\n", SECRET);
    run_auth("a_bearer_file", "auth/bearer", "auth = \"bearer\"", NULL, sec, 25);
    /* ... and from the environment */
    char env[256];
    snprintf(env, sizeof env, "SOURCES__REST_API__CREDENTIALS__TOKEN=%s", SECRET);
    const char *envs[] = {env, NULL};
    run_auth("a_bearer_env", "auth/bearer", "auth = { type = \"bearer\" }", envs, NULL, 25);
}

static void test_api_key(void **st)
{
    (void)st;
    char a[256];
    snprintf(a, sizeof a, "auth = { type = \"api_key\", name = \"X-API-Key\", api_key = \"%s\" }",
             SECRET);
    run_auth("a_key_header", "auth/api_key_header", a, NULL, NULL, 25);
    snprintf(a, sizeof a,
             "auth = { type = \"api_key\", name = \"api_key\", location = \"query\", api_key = "
             "\"%s\" }",
             SECRET);
    run_auth("a_key_query", "auth/api_key_query", a, NULL, NULL, 25);
    snprintf(a, sizeof a,
             "auth = { type = \"api_key\", name = \"api_key\", location = \"cookie\", api_key = "
             "\"%s\" }",
             SECRET);
    run_auth("a_key_cookie", "auth/api_key_cookie", a, NULL, NULL, 25);
}

static void test_basic(void **st)
{
    (void)st;
    char sec[256];
    snprintf(sec, sizeof sec,
             "[sources.rest_api.credentials]\nusername = \"user\"\npassword = \"%s\"\n", SECRET);
    run_auth("a_basic", "auth/basic", "auth = { type = \"http_basic\" }", NULL, sec, 25);
}

static void test_oauth_expiry(void **st)
{
    (void)st;
    /* the server kills a token after 2 uses; 3 pages need a second token */
    char sec[512];
    snprintf(sec, sizeof sec, "[sources.rest_api.credentials]\nclient_secret = \"%s\"\n", SECRET);
    run_auth("a_oauth", "auth/oauth/items",
             "auth = { type = \"oauth2_client_credentials\", access_token_url = "
             "\"@URL@/oauth/token\", client_id = \"client\" }",
             NULL, sec, 25);
}

static void test_oauth_refresh_before_expiry(void **st)
{
    (void)st;
    /* tokens live 3 s; 20 pages of 200 ms take 4 s: cdlt fetches a new token shortly before
     * the first one expires (10% of its life), so no request is refused and none repeated */
    apiserver_opts o = {0};
    o.token_ttl_s = 3;
    o.latency_ms = 200;
    rt *t = rt_new("rest-auth", &o);
    rt_def(t, "a_ttl",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "auth = { type = \"oauth2_client_credentials\", access_token_url = "
           "\"@URL@/oauth/token\", client_id = \"client\", client_secret = \"secret\" }\n"
           "[[rest_api.resources]]\nname = \"items\"\n"
           "endpoint = { path = \"auth/oauth/items\", params = { total = 40, page_size = 2 }, "
           "paginator = \"json_link\", data_selector = \"data\" }\n");
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "items"), 40);
    assert_int_equal(apiserver_count_path(t->srv, "/oauth/token"), 2);
    assert_int_equal(apiserver_count_path(t->srv, "/auth/oauth/items"), 20);
    rt_free(t);
}

static void test_wrong_secret(void **st)
{
    (void)st;
    apiserver_opts o = {0};
    o.token = "right-token";
    rt *t = rt_new("rest-auth", &o);
    char body[1024];
    snprintf(body, sizeof body,
             "[rest_api.client]\nbase_url = \"@URL@\"\nauth = { token = \"%s\" }\n"
             "[[rest_api.resources]]\nname = \"items\"\nendpoint = \"auth/bearer\"\n",
             SECRET);
    rt_def(t, "a_wrong", body);
    cli_res r = rt_run(t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "401"));
    assert_non_null(strstr(r.err, "items"));
    assert_non_null(strstr(r.err, "credentials"));
    assert_null(strstr(r.err, SECRET));
    assert_null(strstr(r.out, SECRET));
    res_free(&r);
    /* a missing secret names where to put it */
    rt_def(t, "a_missing",
           "[rest_api.client]\nbase_url = \"@URL@\"\nauth = { type = \"api_key\" }\n"
           "[[rest_api.resources]]\nname = \"items\"\nendpoint = \"auth/bearer\"\n");
    r = rt_run(t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "api_key"));
    assert_non_null(strstr(r.err, "SOURCES__REST_API__CREDENTIALS__API_KEY"));
    assert_int_equal(apiserver_count_path(t->srv, "/auth/bearer"), 1); /* no request made */
    res_free(&r);
    rt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bearer),       cmocka_unit_test(test_api_key),
        cmocka_unit_test(test_basic),        cmocka_unit_test(test_oauth_expiry),
        cmocka_unit_test(test_oauth_refresh_before_expiry),
        cmocka_unit_test(test_wrong_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
