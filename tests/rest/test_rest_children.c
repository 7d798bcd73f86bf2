/* test_rest_children.c: parent/child resources through {resources.<parent>.<field>}
 * placeholders and the legacy resolve params; include_from_parent columns named as dlt names
 * them (_<parent>_<field>); a 404 for one parent ignored by response_actions while the others
 * load; without the action the run fails naming the resource and URL and loads nothing;
 * single-entity children; an unselected parent still feeds its child (issue 12 #6). */
#include "rtest.h"

static const char USERS[] =
    "[rest_api.client]\nbase_url = \"@URL@\"\n"
    "paginator = { type = \"json_link\", next_url_path = \"next\" }\n"
    "[[rest_api.resources]]\nname = \"users\"\nendpoint = { path = \"users\", data_selector = "
    "\"data\" }\n";

static void test_placeholder_child(void **st)
{
    (void)st;
    rt *t = rt_new("rest-child", NULL);
    char body[4096];
    snprintf(body, sizeof body,
             "%s[[rest_api.resources]]\nname = \"posts\"\ninclude_from_parent = [\"id\", "
             "\"login\"]\nendpoint = { path = \"users/{resources.users.id}/posts\", "
             "response_actions = [{ status_code = 404, action = \"ignore\" }] }\n",
             USERS);
    rt_def(t, "c_child", body);
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "users"), 5);
    assert_int_equal(rt_count(t, "posts"), 12); /* user 4's 404 ignored */
    assert_int_equal(rt_int(t, "SELECT count(*) FROM ds.posts WHERE _users_id = user_id"), 12);
    assert_int_equal(rt_int(t, "SELECT count(*) FROM ds.posts WHERE _users_login = 'user-' || "
                               "CAST(user_id AS VARCHAR)"),
                     12);
    assert_int_equal(rt_int(t, "SELECT count(*) FROM ds.posts WHERE _users_id = 4"), 0);
    assert_int_equal(apiserver_count_path(t->srv, "/users/4/posts"), 1);
    rt_free(t);
}

static void test_404_fails_run(void **st)
{
    (void)st;
    rt *t = rt_new("rest-child", NULL);
    char body[4096];
    snprintf(body, sizeof body,
             "%s[[rest_api.resources]]\nname = \"posts\"\n"
             "endpoint = { path = \"users/{resources.users.id}/posts\" }\n",
             USERS);
    rt_def(t, "c_404", body);
    cli_res r = rt_run(t, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "404"));
    assert_non_null(strstr(r.err, "posts"));
    assert_non_null(strstr(r.err, "/users/4/posts"));
    assert_non_null(strstr(r.err, "response_actions"));
    res_free(&r);
    assert_true(rt_count(t, "users") < 0); /* nothing of the run was loaded */
    assert_true(rt_count(t, "posts") < 0);
    rt_free(t);
}

static void test_resolve_and_single_entity(void **st)
{
    (void)st;
    rt *t = rt_new("rest-child", NULL);
    char body[4096];
    snprintf(body, sizeof body,
             "%s[[rest_api.resources]]\nname = \"user_posts\"\n"
             "endpoint = { path = \"users/{user_id}/posts\", params = { user_id = { type = "
             "\"resolve\", resource = \"users\", field = \"id\" } }, response_actions = [{ "
             "status_code = 404, action = \"ignore\" }] }\n"
             "[[rest_api.resources]]\nname = \"user_details\"\n"
             "endpoint = \"users/{resources.users.id}\"\n",
             USERS);
    rt_def(t, "c_resolve", body);
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "user_posts"), 12);
    assert_int_equal(rt_count(t, "user_details"), 5); /* one record per parent, no paging */
    assert_int_equal(rt_int(t, "SELECT count(*) FROM ds.user_details WHERE email LIKE "
                               "'%@example.com'"),
                     5);
    rt_free(t);
}

static void test_unselected_parent(void **st)
{
    (void)st;
    rt *t = rt_new("rest-child", NULL);
    rt_def(t, "c_unsel",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "[[rest_api.resources]]\nname = \"users\"\nselected = false\n"
           "endpoint = { path = \"users\", params = { total = 3 } }\n"
           "[[rest_api.resources]]\nname = \"posts\"\n"
           "endpoint = { path = \"users/{resources.users.id}/posts\" }\n");
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_true(rt_count(t, "users") < 0);
    assert_int_equal(rt_count(t, "posts"), 9);
    rt_free(t);
}

static void test_many_children(void **st)
{
    (void)st;
    /* 60 parents over 6 pages, children fetched while later parent pages arrive */
    rt *t = rt_new("rest-child", NULL);
    rt_def(t, "c_many",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "[[rest_api.resources]]\nname = \"users\"\n"
           "endpoint = { path = \"users\", params = { total = 60 } }\n"
           "[[rest_api.resources]]\nname = \"posts\"\n"
           "endpoint = { path = \"users/{resources.users.id}/posts\", response_actions = [{ "
           "content = \"not found\", action = \"ignore\" }] }\n");
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "users"), 60);
    assert_int_equal(rt_count(t, "posts"), 59 * 3);
    assert_int_equal(rt_count(t, "posts__body") < 0, 1); /* body is an object: flattened */
    assert_int_equal(rt_int(t, "SELECT count(*) FROM ds.posts WHERE body__text IS NOT NULL"),
                     59 * 3);
    rt_free(t);
}

static void test_backpressure(void **st)
{
    (void)st;
    /* 3,000 parents in pages of 200 with 5 ms per request: requests start in the order they
     * were queued, so a parent's next page queues behind the children of its last page and
     * the children in memory stay about one parent page (the debug log shows the count);
     * every child loads exactly once */
    apiserver_opts o = {0};
    o.latency_ms = 5;
    rt *t = rt_new("rest-child", &o);
    rt_def(t, "c_bp",
           "[rest_api.client]\nbase_url = \"@URL@\"\n"
           "[[rest_api.resources]]\nname = \"users\"\n"
           "endpoint = { path = \"users\", params = { total = 3000, page_size = 200 } }\n"
           "[[rest_api.resources]]\nname = \"posts\"\n"
           "endpoint = { path = \"users/{resources.users.id}/posts\", paginator = "
           "\"single_page\", response_actions = [{ status_code = 404, action = \"ignore\" }] }\n");
    cli_res r = rt_run_ok(t, NULL);
    res_free(&r);
    assert_int_equal(rt_count(t, "users"), 3000);
    assert_int_equal(rt_count(t, "posts"), 2999 * 3);
    assert_int_equal(rt_int(t, "SELECT count(DISTINCT id) FROM ds.posts"), 2999 * 3);
    assert_int_equal(apiserver_count_path(t->srv, "/users"), 15);
    rt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholder_child),
        cmocka_unit_test(test_404_fails_run),
        cmocka_unit_test(test_resolve_and_single_entity),
        cmocka_unit_test(test_unselected_parent),
        cmocka_unit_test(test_many_children),
        cmocka_unit_test(test_backpressure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
