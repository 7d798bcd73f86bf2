/* test_cli_incremental.c: an incremental resource from a definition file with the real
 * binary: the second run loads only new items, `cdlt pipeline NAME state` shows the cursor,
 * `drop RESOURCE --state-only` (dlt's form) and `reset-incremental RESOURCE` rewind it while
 * the table stays, and the reset reaches the destination (a fresh working dir restores it);
 * unknown incremental keys are errors naming the file (issue 11 #7, #8). */
#include "cli_run.h"

static void write_text(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static const char DEF[] =
    "pipeline_name = \"inc\"\ncredentials = \"i.duckdb\"\ndataset_name = \"ds\"\n"
    "[[resources]]\nname = \"events\"\npath = \"e.jsonl\"\nprimary_key = \"id\"\n"
    "incremental = { cursor_path = \"updated_at\", initial_value = \"2024-01-02T00:00:00Z\" }\n";

static const char ROWS[] = "{\"id\":1,\"updated_at\":\"2024-01-01T00:00:00Z\"}\n"
                           "{\"id\":2,\"updated_at\":\"2024-01-02T00:00:00Z\"}\n"
                           "{\"id\":3,\"updated_at\":\"2024-01-03T00:00:00Z\"}\n";

static void test_cursor_state_reset(void **st)
{
    (void)st;
    char *dir = tu_mkdtemp("cli-inc");
    char def[1200], data[1200], pdir[1200], db[1200];
    snprintf(def, sizeof def, "%s/i.toml", dir);
    snprintf(data, sizeof data, "%s/e.jsonl", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/i.duckdb", dir);
    write_text(def, DEF);
    write_text(data, ROWS);
    const char *run[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    cli_res r = run_cli(dir, run, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "ds", "events"), 2);
    r = run_cli(dir, run, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "ds", "events"), 2); /* nothing new */
    const char *state[] = {"pipeline", "inc", "state", "--pipelines-dir", pdir, NULL};
    r = run_cli(dir, state, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "\"last_value\": \"2024-01-03T00:00:00Z\""));
    res_free(&r);
    const char *reset[] = {"pipeline", "inc", "drop", "events", "--state-only", "--pipelines-dir",
                           pdir, NULL};
    r = run_cli(dir, reset, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "ds", "events"), 2); /* the table stays */
    /* the reset is in the destination: a new machine starts from initial_value again */
    tu_rm_rf(pdir);
    r = run_cli(dir, run, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "ds", "events"), 4);
    const char *reset2[] = {"pipeline", "inc", "reset-incremental", "events", "--pipelines-dir",
                            pdir, NULL};
    r = run_cli(dir, reset2, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    r = run_cli(dir, run, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(db, "ds", "events"), 6);
    /* a typo in the incremental table */
    write_text(def, "pipeline_name = \"inc2\"\n[[resources]]\nname = \"e\"\npath = \"e.jsonl\"\n"
                    "incremental = { cursor_path = \"id\", intial_value = 3 }\n");
    r = run_cli(dir, run, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "intial_value"));
    assert_non_null(strstr(r.err, "i.toml"));
    res_free(&r);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cursor_state_reset)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
