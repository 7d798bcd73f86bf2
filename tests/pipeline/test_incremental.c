/* test_incremental.c: dlt's incremental cursor over runs into real DuckDB files (issue 11):
 * the second run loads only newer items, items equal to the boundary are not loaded twice
 * while new ones on it are; end_value windows leave the cursor alone; each missing-cursor
 * mode; lag; last_value_func min; the cursor restored from the destination after the working
 * dir is deleted; refresh = drop_resources resets it; a callback reads the window; mixed
 * kinds and bad arguments are errors. */
#include "ptest.h"

static cdlt_status run_inc(pt_env *e, const char *name, const char *rows, const char *spec,
                           cdlt_refresh refresh, cdlt_error *err)
{
    char input[1200];
    snprintf(input, sizeof input, "%s/%s.jsonl", e->dir, name);
    assert_int_equal(tu_write_file(input, rows, strlen(rows)), 0);
    cdlt_pipeline *p = pt_open(e, name);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error_clear(err);
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", input, &r, err), CDLT_OK);
    const char *pk = "id";
    assert_int_equal(cdlt_resource_set_primary_key(r, &pk, 1), CDLT_OK);
    assert_int_equal(cdlt_resource_set_incremental(r, spec, err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_status rc = cdlt_pipeline_run(p, s, refresh, NULL, err);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc;
}

static void expect_ids(const pt_env *e, const char *want)
{
    char *got = pt_query_text(e->db, "SELECT string_agg(CAST(id AS VARCHAR), ',' ORDER BY id, "
                                     "_dlt_load_id) FROM ds.items");
    if (!got || strcmp(got, want) != 0)
        fail_msg("ids: got %s, want %s", got ? got : "(null)", want);
    free(got);
}

#define TS_SPEC "{\"cursor_path\":\"updated_at\",\"initial_value\":\"2024-01-02T00:00:00Z\"}"

static void test_newer_only_and_boundary(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-basic");
    cdlt_error err;
    const char *day1 = "{\"id\":1,\"updated_at\":\"2024-01-01T00:00:00Z\"}\n"
                       "{\"id\":2,\"updated_at\":\"2024-01-02T00:00:00Z\"}\n"
                       "{\"id\":3,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n";
    assert_int_equal(run_inc(e, "b", day1, TS_SPEC, CDLT_REFRESH_NONE, &err), CDLT_OK);
    expect_ids(e, "2,3");
    /* 3 is on the boundary and was loaded; 4 is on it and new; 5 is later (an instant with
     * an offset: 2024-01-03T22:00Z) */
    const char *day2 = "{\"id\":2,\"updated_at\":\"2024-01-02T00:00:00Z\"}\n"
                       "{\"id\":3,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n"
                       "{\"id\":4,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n"
                       "{\"id\":5,\"updated_at\":\"2024-01-04T00:00:00+02:00\"}\n";
    assert_int_equal(run_inc(e, "b", day2, TS_SPEC, CDLT_REFRESH_NONE, &err), CDLT_OK);
    expect_ids(e, "2,3,4,5");
    /* nothing new: nothing loaded */
    assert_int_equal(run_inc(e, "b", day2, TS_SPEC, CDLT_REFRESH_NONE, &err), CDLT_OK);
    expect_ids(e, "2,3,4,5");
    /* the state after deleting the working dir comes back from the destination */
    tu_rm_rf(e->pdir);
    assert_int_equal(run_inc(e, "b", day2, TS_SPEC, CDLT_REFRESH_NONE, &err), CDLT_OK);
    expect_ids(e, "2,3,4,5");
    /* refresh = drop_resources resets the cursor (and the table) */
    assert_int_equal(run_inc(e, "b", day2, TS_SPEC, CDLT_REFRESH_DROP_RESOURCES, &err), CDLT_OK);
    expect_ids(e, "2,3,4,5");
    assert_int_equal(pt_count(e->db, "ds", "items"), 4);
    pt_env_free(e);
}

static void test_end_value_window(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-end");
    cdlt_error err;
    const char *rows = "{\"id\":1,\"n\":1}\n{\"id\":2,\"n\":5}\n{\"id\":3,\"n\":10}\n";
    assert_int_equal(run_inc(e, "w", rows,
                             "{\"cursor_path\":\"n\",\"initial_value\":2,\"end_value\":10}",
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "2");
    /* the window did not move the cursor: a run without end_value starts at initial_value */
    assert_int_equal(run_inc(e, "w", rows, "{\"cursor_path\":\"n\",\"initial_value\":2}",
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "2,2,3");
    pt_env_free(e);
}

static void test_missing_cursor_modes(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-miss");
    cdlt_error err;
    const char *rows = "{\"id\":1,\"n\":1}\n{\"id\":2}\n{\"id\":3,\"n\":null}\n";
    assert_int_equal(run_inc(e, "m1", rows, "{\"cursor_path\":\"n\"}", CDLT_REFRESH_NONE, &err),
                     CDLT_SOURCE);
    assert_non_null(strstr(err.message, "cursor 'n' is missing"));
    assert_non_null(strstr(err.message, "on_cursor_value_missing"));
    pt_env_free(e);
    e = pt_env_new("inc-miss2");
    assert_int_equal(run_inc(e, "m2", rows,
                             "{\"cursor_path\":\"n\",\"on_cursor_value_missing\":\"include\"}",
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "1,2,3");
    pt_env_free(e);
    e = pt_env_new("inc-miss3");
    assert_int_equal(run_inc(e, "m3", rows,
                             "{\"cursor_path\":\"n\",\"on_cursor_value_missing\":\"exclude\"}",
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "1");
    pt_env_free(e);
}

/* lag re-reads the last `lag` units (no boundary dedup, as dlt); min walks downwards;
 * a nested cursor path */
static void test_lag_min_nested(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-lag");
    cdlt_error err;
    const char *spec = "{\"cursor_path\":\"n\",\"lag\":2}";
    assert_int_equal(run_inc(e, "l", "{\"id\":1,\"n\":1}\n{\"id\":5,\"n\":5}\n", spec,
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    assert_int_equal(run_inc(e, "l", "{\"id\":2,\"n\":2}\n{\"id\":4,\"n\":4}\n{\"id\":6,\"n\":6}\n",
                             spec, CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "1,4,5,6"); /* start = 5 - 2 */
    pt_env_free(e);

    e = pt_env_new("inc-min");
    const char *mspec = "{\"cursor_path\":\"$.meta.n\",\"last_value_func\":\"min\"}";
    assert_int_equal(run_inc(e, "mn", "{\"id\":5,\"meta\":{\"n\":5}}\n{\"id\":3,\"meta\":{\"n\":3}}\n",
                             mspec, CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    assert_int_equal(run_inc(e, "mn",
                             "{\"id\":4,\"meta\":{\"n\":4}}\n{\"id\":2,\"meta\":{\"n\":2}}\n"
                             "{\"id\":3,\"meta\":{\"n\":3}}\n",
                             mspec, CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "2,3,5");
    pt_env_free(e);
}

static void test_errors(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-err");
    cdlt_error err;
    assert_int_equal(run_inc(e, "x", "{\"id\":1,\"n\":\"abc\"}\n",
                             "{\"cursor_path\":\"n\",\"initial_value\":3}", CDLT_REFRESH_NONE,
                             &err),
                     CDLT_SOURCE);
    assert_non_null(strstr(err.message, "\"abc\""));
    cdlt_resource *r = NULL;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_file_resource_open("r", "x.jsonl", &r, &err), CDLT_OK);
    assert_int_equal(cdlt_resource_set_incremental(r, "{\"cursor_pth\":\"n\"}", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "cursor_pth"));
    assert_int_equal(cdlt_resource_set_incremental(r, "{\"cursor_path\":\"n\",\"row_order\":\"up\"}",
                                                   &err),
                     CDLT_CONFIG);
    assert_int_equal(cdlt_resource_set_incremental(r, "{\"initial_value\":1}", &err), CDLT_CONFIG);
    cdlt_resource_free(r);
    pt_env_free(e);
}

/* dlt gives a run with end_value a state of its own: the window starts at initial_value even
 * when an earlier run moved the cursor past it (a backfill), and lag is off there */
static void test_end_value_backfill_after_run(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-backfill");
    cdlt_error err;
    const char *rows = "{\"id\":1,\"n\":1}\n{\"id\":2,\"n\":5}\n{\"id\":3,\"n\":10}\n";
    assert_int_equal(run_inc(e, "bf", rows, "{\"cursor_path\":\"n\",\"initial_value\":2}",
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "2,3");
    assert_int_equal(run_inc(e, "bf", rows,
                             "{\"cursor_path\":\"n\",\"initial_value\":2,\"end_value\":10,"
                             "\"lag\":100}",
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "2,2,3");
    /* end_value without initial_value is refused, as dlt refuses it */
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_file_resource_open("r", "x.jsonl", &r, &err), CDLT_OK);
    assert_int_equal(cdlt_resource_set_incremental(r, "{\"cursor_path\":\"n\",\"end_value\":3}",
                                                   &err),
                     CDLT_CONFIG);
    assert_non_null(strstr(err.message, "initial_value"));
    cdlt_resource_free(r);
    pt_env_free(e);
}

/* lag on a date cursor counts days (dlt adds days to a date); the lagged start never goes
 * before initial_value; a run that finds nothing keeps last_value = initial_value (dlt) */
static void test_lag_dates_and_initial(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-lagdate");
    cdlt_error err;
    const char *spec = "{\"cursor_path\":\"d\",\"lag\":2}";
    assert_int_equal(run_inc(e, "ld", "{\"id\":1,\"d\":\"2024-01-05\"}\n", spec,
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    assert_int_equal(run_inc(e, "ld",
                             "{\"id\":2,\"d\":\"2024-01-02\"}\n{\"id\":3,\"d\":\"2024-01-03\"}\n"
                             "{\"id\":4,\"d\":\"2024-01-04\"}\n",
                             spec, CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "1,3,4"); /* start = 2024-01-05 - 2 days */
    pt_env_free(e);

    e = pt_env_new("inc-lagclamp");
    const char *cspec = "{\"cursor_path\":\"n\",\"initial_value\":4,\"lag\":3}";
    assert_int_equal(run_inc(e, "lc", "{\"id\":5,\"n\":5}\n", cspec, CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    assert_int_equal(run_inc(e, "lc", "{\"id\":3,\"n\":3}\n{\"id\":4,\"n\":4}\n", cspec,
                             CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    expect_ids(e, "4,5"); /* 5 - 3 = 2 stays at 4: 3 is out */
    pt_env_free(e);

    e = pt_env_new("inc-noitems");
    assert_int_equal(run_inc(e, "ni", "{\"id\":1,\"n\":1}\n",
                             "{\"cursor_path\":\"n\",\"initial_value\":4}", CDLT_REFRESH_NONE, &err),
                     CDLT_OK);
    cdlt_pipeline *p = pt_open(e, "ni");
    char *text = NULL;
    assert_int_equal(cdlt_pipeline_state_text(p, &text, &err), CDLT_OK);
    char *lv = strstr(text, "\"last_value\"");
    assert_non_null(lv);
    lv += strlen("\"last_value\"");
    while (*lv == ':' || *lv == ' ')
        lv++;
    if (strncmp(lv, "4", 1) != 0)
        fail_msg("last_value: %.40s", lv);
    cdlt_string_free(text);
    cdlt_pipeline_free(p);
    pt_env_free(e);
}

/* row_order: a callback resource is stopped once an item falls outside the window on the
 * side the order walks to (asc: past end_value; desc: before the start), as dlt closes it */
static int g_emitted;
static const char *g_order_items[6];
static cdlt_status ordered_fn(cdlt_emitter *em, void *ud)
{
    (void)ud;
    g_emitted = 0;
    for (int i = 0; g_order_items[i]; i++) {
        cdlt_status rc = cdlt_emit_json(em, g_order_items[i], strlen(g_order_items[i]));
        g_emitted++;
        if (rc != CDLT_OK)
            return rc;
        if (cdlt_emitter_stopped(em))
            break;
    }
    return CDLT_OK;
}

static int run_ordered(pt_env *e, const char *name, const char *spec)
{
    cdlt_error err;
    cdlt_pipeline *p = pt_open(e, name);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_resource_open("items", ordered_fn, NULL, &r), CDLT_OK);
    assert_int_equal(cdlt_resource_set_incremental(r, spec, &err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return g_emitted;
}

static void test_row_order_stops(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-order");
    const char *asc[] = {"{\"id\":1,\"n\":1}", "{\"id\":2,\"n\":2}", "{\"id\":3,\"n\":3}",
                         "{\"id\":4,\"n\":4}", "{\"id\":5,\"n\":5}", NULL};
    memcpy(g_order_items, asc, sizeof asc);
    assert_int_equal(run_ordered(e, "oa", "{\"cursor_path\":\"n\",\"initial_value\":1,"
                                          "\"end_value\":3,\"row_order\":\"asc\"}"),
                     3); /* 3 is past the open end: stop there */
    expect_ids(e, "1,2");
    /* without row_order every item is read */
    assert_int_equal(run_ordered(e, "oa", "{\"cursor_path\":\"n\",\"initial_value\":1,"
                                          "\"end_value\":3}"),
                     5);
    pt_env_free(e);

    e = pt_env_new("inc-order-desc");
    const char *desc[] = {"{\"id\":5,\"n\":5}", "{\"id\":4,\"n\":4}", "{\"id\":3,\"n\":3}",
                          "{\"id\":2,\"n\":2}", "{\"id\":1,\"n\":1}", NULL};
    memcpy(g_order_items, desc, sizeof desc);
    assert_int_equal(run_ordered(e, "od", "{\"cursor_path\":\"n\",\"initial_value\":3,"
                                          "\"range_start\":\"open\",\"row_order\":\"desc\"}"),
                     3);
    expect_ids(e, "4,5");
    pt_env_free(e);
}

/* a callback resource reads where its window starts, as an API source asks for "changes since" */
static char g_seen[128];
static cdlt_status since_fn(cdlt_emitter *em, void *ud)
{
    (void)ud;
    const char *s = cdlt_emitter_incremental_start(em);
    const char *l0 = cdlt_emitter_incremental_last(em);
    char before[32];
    snprintf(before, sizeof before, "%s", l0 ? l0 : "none");
    const char *items = "[{\"id\":1,\"n\":10},{\"id\":2,\"n\":20}]";
    cdlt_status rc = cdlt_emit_json(em, items, strlen(items));
    const char *l1 = cdlt_emitter_incremental_last(em);
    /* the start, the last value before and after emitting */
    snprintf(g_seen, sizeof g_seen, "%s %s %s", s ? s : "none", before, l1 ? l1 : "none");
    return rc;
}

static void test_callback_reads_start(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("inc-cb");
    cdlt_error err;
    for (int run = 0; run < 2; run++) {
        cdlt_pipeline *p = pt_open(e, "cb");
        cdlt_source *s = NULL;
        cdlt_resource *r = NULL;
        assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
        assert_int_equal(cdlt_resource_open("items", since_fn, NULL, &r), CDLT_OK);
        assert_int_equal(cdlt_resource_set_incremental(r, "{\"cursor_path\":\"n\",\"initial_value\":5}",
                                                       &err),
                         CDLT_OK);
        assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
        assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
        cdlt_source_free(s);
        cdlt_pipeline_free(p);
        assert_string_equal(g_seen, run == 0 ? "5 5 20" : "20 20 20");
    }
    assert_int_equal(pt_count(e->db, "ds", "items"), 2); /* 20 is not loaded twice */
    pt_env_free(e);
}

/* row_order: sorted items stop the resource once one leaves the window */
static int g_ok_emits;
static cdlt_status count_fn(cdlt_emitter *em, void *ud)
{
    (void)ud;
    g_ok_emits = 0;
    for (int i = 1; i <= 10; i++) {
        char item[64];
        int n = snprintf(item, sizeof item, "{\"id\":%d,\"n\":%d}", i, i);
        cdlt_status rc = cdlt_emit_json(em, item, (size_t)n);
        if (rc == CDLT_INTERRUPTED)
            return rc;
        if (rc != CDLT_OK)
            return rc;
        g_ok_emits++;
    }
    return CDLT_OK;
}

static void test_row_order_stops_emit(void **st)
{
    (void)st;
    const char *specs[2] = {"{\"cursor_path\":\"n\",\"initial_value\":1,\"end_value\":5}",
                            "{\"cursor_path\":\"n\",\"initial_value\":1,\"end_value\":5,"
                            "\"row_order\":\"asc\"}"};
    for (int k = 0; k < 2; k++) {
        pt_env *e = pt_env_new("inc-order");
        cdlt_error err;
        cdlt_pipeline *p = pt_open(e, "ro");
        cdlt_source *s = NULL;
        cdlt_resource *r = NULL;
        assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
        assert_int_equal(cdlt_resource_open("items", count_fn, NULL, &r), CDLT_OK);
        assert_int_equal(cdlt_resource_set_incremental(r, specs[k], &err), CDLT_OK);
        assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
        assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
        cdlt_source_free(s);
        cdlt_pipeline_free(p);
        assert_int_equal(pt_count(e->db, "ds", "items"), 4);  /* 1..4, end 5 open */
        assert_int_equal(g_ok_emits, k ? 5 : 10); /* asc: the 6th emit is refused */
        pt_env_free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newer_only_and_boundary),
        cmocka_unit_test(test_end_value_window),
        cmocka_unit_test(test_missing_cursor_modes),
        cmocka_unit_test(test_lag_min_nested),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_callback_reads_start),
        cmocka_unit_test(test_end_value_backfill_after_run),
        cmocka_unit_test(test_lag_dates_and_initial),
        cmocka_unit_test(test_row_order_stops),
        cmocka_unit_test(test_row_order_stops_emit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
