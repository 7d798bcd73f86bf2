/* test_cli_merge.c: a merge pipeline as a user writes it (definition file with dlt's hint
 * shapes: write_disposition table with strategy, primary_key, columns with hard_delete and
 * dedup_sort) run twice with the real binary, and killed (SIGKILL) before the merge SQL,
 * after it (before COMMIT) and after COMMIT: after the next run the final tables are exactly
 * right, nothing lost or doubled (issue 11). */
#include "cli_run.h"

static void write_text(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static const char DEF[] =
    "pipeline_name = \"mrg\"\ncredentials = \"m.duckdb\"\ndataset_name = \"ds\"\n"
    "[[resources]]\nname = \"users\"\npath = \"u.jsonl\"\n"
    "write_disposition = { disposition = \"merge\", strategy = \"delete-insert\" }\n"
    "primary_key = \"id\"\n"
    "columns = { deleted = { data_type = \"bool\", hard_delete = true }, "
    "v = { data_type = \"bigint\", dedup_sort = \"desc\" } }\n";

static const char DAY1[] = "{\"id\":1,\"v\":1,\"name\":\"a\",\"tags\":[\"x\",\"y\"]}\n"
                           "{\"id\":2,\"v\":1,\"name\":\"b\",\"tags\":[\"z\"]}\n"
                           "{\"id\":3,\"v\":1,\"name\":\"c\"}\n";
static const char DAY2[] = "{\"id\":1,\"v\":2,\"name\":\"a2\",\"tags\":[\"x\"]}\n"
                           "{\"id\":1,\"v\":3,\"name\":\"a3\",\"tags\":[\"w\"]}\n"
                           "{\"id\":2,\"v\":2,\"deleted\":true}\n"
                           "{\"id\":4,\"v\":1,\"name\":\"d\",\"tags\":[\"q\"]}\n";

static void check_final(const char *db)
{
    char *r = pt_query_text(db, "SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM "
                                "ds.users");
    assert_string_equal(r, "1:a3,3:c,4:d");
    free(r);
    r = pt_query_text(db, "SELECT string_agg(u.id || ':' || t.value, ',' ORDER BY u.id, "
                          "t._dlt_list_idx) FROM ds.users__tags t JOIN ds.users u ON "
                          "t._dlt_root_id = u._dlt_id");
    assert_string_equal(r, "1:w,4:q");
    free(r);
    assert_int_equal(pt_count(db, "ds", "users__tags"), 2);
    assert_int_equal(pt_count(db, "ds", "_dlt_loads"), 2);
}

static void merge_case(const char *crash_point)
{
    char *dir = tu_mkdtemp("cli-merge");
    char def[1200], data[1200], pdir[1200], db[1200], envv[128];
    snprintf(def, sizeof def, "%s/m.toml", dir);
    snprintf(data, sizeof data, "%s/u.jsonl", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/m.duckdb", dir);
    write_text(def, DEF);
    write_text(data, DAY1);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    cli_res r = run_cli(dir, args, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    write_text(data, DAY2);
    if (crash_point) {
        snprintf(envv, sizeof envv, "CDLT_TEST_CRASH_AT=%s", crash_point);
        const char *envs[] = {envv, NULL};
        r = run_cli(dir, args, envs);
        assert_int_equal(r.signo, SIGKILL);
        res_free(&r);
    }
    r = run_cli(dir, args, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    check_final(db);
    tu_rm_rf(dir);
    free(dir);
}

static void test_merge_two_runs(void **st) { (void)st; merge_case(NULL); }
static void test_kill_before_merge_sql(void **st) { (void)st; merge_case("merge_from_staging"); }
static void test_kill_after_merge_sql(void **st) { (void)st; merge_case("merged"); }
static void test_kill_after_commit(void **st) { (void)st; merge_case("after_commit"); }

/* A strategy dlt does not have, or a hint of the wrong shape: errors naming the key. */
static void test_bad_hints(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-merge-bad");
    char def[1200], pdir[1200];
    snprintf(def, sizeof def, "%s/m.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    write_text(def, "pipeline_name = \"b\"\n[[resources]]\nname = \"u\"\npath = \"u.jsonl\"\n"
                    "write_disposition = { disposition = \"merge\", strategy = \"sideways\" }\n");
    cli_res r = run_cli(dir, args, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "strategy"));
    assert_non_null(strstr(r.err, "m.toml"));
    res_free(&r);
    write_text(def, "pipeline_name = \"b\"\n[[resources]]\nname = \"u\"\npath = \"u.jsonl\"\n"
                    "columns = { d = { hard_delet = true } }\n");
    r = run_cli(dir, args, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "hard_delete"));
    res_free(&r);
    write_text(def, "pipeline_name = \"b\"\n[[resources]]\nname = \"u\"\npath = \"u.jsonl\"\n"
                    "columns = { d = { dedup_sort = \"up\" } }\n");
    r = run_cli(dir, args, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "dedup_sort"));
    res_free(&r);
    write_text(def, "pipeline_name = \"b\"\n[[resources]]\nname = \"u\"\npath = \"u.jsonl\"\n"
                    "write_disposition = { disposition = \"merge\", deduplicated = \"yes\" }\n");
    r = run_cli(dir, args, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "deduplicated"));
    res_free(&r);
    tu_rm_rf(dir);
    free(dir);
}

/* dlt's deduplicated = true in the write_disposition table: staged rows are not deduplicated */
static void test_deduplicated(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-merge-dd");
    char def[1200], data[1200], pdir[1200], db[1200];
    snprintf(def, sizeof def, "%s/m.toml", dir);
    snprintf(data, sizeof data, "%s/u.jsonl", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/m.duckdb", dir);
    write_text(def, "pipeline_name = \"dd\"\ncredentials = \"m.duckdb\"\ndataset_name = \"ds\"\n"
                    "[[resources]]\nname = \"users\"\npath = \"u.jsonl\"\nprimary_key = \"id\"\n"
                    "write_disposition = { disposition = \"merge\", deduplicated = true }\n");
    write_text(data, "{\"id\":1,\"name\":\"a\"}\n{\"id\":1,\"name\":\"b\"}\n");
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    for (int i = 0; i < 2; i++) {
        cli_res r = run_cli(dir, args, NULL);
        if (r.code != 0)
            fprintf(stderr, "%s\n", r.err);
        assert_int_equal(r.code, 0);
        res_free(&r);
    }
    char *q = pt_query_text(db, "SELECT string_agg(id || ':' || name, ',' ORDER BY name) FROM "
                                "ds.users");
    assert_string_equal(q, "1:a,1:b");
    free(q);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_two_runs),
        cmocka_unit_test(test_kill_before_merge_sql),
        cmocka_unit_test(test_kill_after_merge_sql),
        cmocka_unit_test(test_kill_after_commit),
        cmocka_unit_test(test_bad_hints),
        cmocka_unit_test(test_deduplicated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
