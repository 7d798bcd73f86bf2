/* test_cli_advice.c: what `cdlt run` tells a user after a failure, and that doing exactly that
 * works (issue 10 point 7): a package refused by its own hints (not-null column, frozen
 * contract) names the exact drop-pending command, which the test runs before rerunning with
 * fixed hints; a full disk while normalizing says "No space left on device"; a folder given
 * as the definition exits 3. */
#include "cli_run.h"

typedef struct adv_env {
    char *dir;       /* test folder */
    char def[1200];  /* definition file */
    char data[1200]; /* input file */
    char pdir[1200]; /* pipelines dir */
    char db[1200];   /* duckdb file */
} adv_env;

static void adv_init(adv_env *e, const char *tag)
{
    e->dir = tu_mkdtemp(tag);
    snprintf(e->def, sizeof e->def, "%s/p.toml", e->dir);
    snprintf(e->data, sizeof e->data, "%s/items.jsonl", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    snprintf(e->db, sizeof e->db, "%s/adv.duckdb", e->dir);
}

static void adv_free(adv_env *e)
{
    tu_rm_rf(e->dir);
    free(e->dir);
}

static void write_text(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

/* The definition: pipeline "adv", resource "items" with the given extra resource keys. */
static void write_def(const adv_env *e, const char *resource_keys)
{
    char text[2048];
    snprintf(text, sizeof text,
             "pipeline_name = \"adv\"\ndestination = \"duckdb\"\ncredentials = \"adv.duckdb\"\n"
             "dataset_name = \"ads\"\n[[resources]]\nname = \"items\"\npath = \"items.jsonl\"\n%s\n",
             resource_keys);
    write_text(e->def, text);
}

static cli_res run_def(const adv_env *e, const char *const *envs)
{
    const char *args[] = {"run", e->def, "--pipelines-dir", e->pdir, "--progress", "none", NULL};
    return run_cli(e->dir, args, envs);
}

/* Run the command the message quotes after `lead` ('cdlt pipeline ...'), word by word. */
static void follow_advice(const adv_env *e, const char *msg, const char *lead)
{
    const char *at = strstr(msg, lead);
    assert_non_null(at);
    at += strlen(lead);
    const char *end = strchr(at, '\'');
    assert_non_null(end);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%.*s", (int)(end - at), at);
    char expect[1400];
    snprintf(expect, sizeof expect, "cdlt pipeline adv drop-pending --pipelines-dir %s", e->pdir);
    assert_string_equal(cmd, expect);
    const char *args[16];
    size_t n = 0;
    char *save = NULL;
    char *w = strtok_r(cmd, " ", &save); /* "cdlt" */
    while ((w = strtok_r(NULL, " ", &save)) && n < 15)
        args[n++] = w;
    args[n] = NULL;
    cli_res r = run_cli(e->dir, args, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s: %s\n", expect, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
}

/* Refused by its hints, fixed hints, run again: the same error (the package kept its hints);
 * the advice (drop the package, then run) loads everything. */
static void hints_case(const char *tag, const char *first_data, const char *bad_keys,
                       const char *good_keys, const char *expect_status, int64_t rows)
{
    adv_env e;
    adv_init(&e, tag);
    write_text(e.data, first_data);
    write_def(&e, bad_keys);
    cli_res r = run_def(&e, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, expect_status));
    assert_non_null(strstr(r.err, "fails the same way") || strstr(r.err, "running again repeats"));
    char *first_err = strdup(r.err);
    res_free(&r);
    write_def(&e, good_keys);
    r = run_def(&e, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, expect_status));
    res_free(&r);
    follow_advice(&e, first_err, "drop it with '");
    free(first_err);
    r = run_def(&e, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(e.db, "ads", "items"), rows);
    adv_free(&e);
}

/* An explicit null: normalize refuses the item. */
static void test_not_null_hint(void **st)
{
    (void)st;
    hints_case("adv-null",
               "{\"id\":1,\"v\":\"a\"}\n{\"id\":2,\"v\":null}\n{\"id\":3,\"v\":\"c\"}\n",
               "columns = { v = { data_type = \"text\", nullable = false } }",
               "columns = { v = { data_type = \"text\", nullable = true } }", "CDLT_COERCE", 3);
}

/* A missing value: the destination's NOT NULL constraint refuses the load. */
static void test_not_null_at_load(void **st)
{
    (void)st;
    hints_case("adv-null-load", "{\"id\":1,\"v\":\"a\"}\n{\"id\":2}\n{\"id\":3,\"v\":\"c\"}\n",
               "columns = { v = { data_type = \"text\", nullable = false } }",
               "columns = { v = { data_type = \"text\", nullable = true } }", "CDLT_DESTINATION",
               3);
}

static void test_frozen_contract(void **st)
{
    (void)st;
    /* the table exists with columns id, v; then an item brings a new column */
    adv_env e;
    adv_init(&e, "adv-freeze");
    write_text(e.data, "{\"id\":1,\"v\":\"a\"}\n");
    write_def(&e, "");
    cli_res r = run_def(&e, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    /* new data with a new column, and a frozen contract */
    write_text(e.data, "{\"id\":2,\"v\":\"b\",\"extra\":7}\n");
    write_def(&e, "schema_contract = { columns = \"freeze\" }");
    r = run_def(&e, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "CDLT_CONTRACT"));
    assert_non_null(strstr(r.err, "running again repeats"));
    char *first_err = strdup(r.err);
    res_free(&r);
    write_def(&e, "schema_contract = { columns = \"evolve\" }");
    r = run_def(&e, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "CDLT_CONTRACT"));
    res_free(&r);
    follow_advice(&e, first_err, "drop it with '");
    free(first_err);
    r = run_def(&e, NULL);
    if (r.code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(e.db, "ads", "items"), 2);
    assert_int_equal(pt_query_int(e.db, "SELECT count(*) FROM ads.items WHERE extra = 7"), 1);
    adv_free(&e);
}

/* The disk fills while normalize writes load files (extract finished in a killed run). */
static void test_disk_full_in_normalize(void **st)
{
    (void)st;
    adv_env e;
    adv_init(&e, "adv-full");
    FILE *f = fopen(e.data, "w");
    for (int i = 1; i <= 100000; i++)
        fprintf(f, "{\"id\":%d,\"name\":\"name %d\"}\n", i, i);
    fclose(f);
    write_def(&e, "");
    const char *crash[] = {"CDLT_TEST_CRASH_AT=extracted", NULL};
    cli_res r = run_def(&e, crash);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    const char *full[] = {"CDLT_TEST_DISK_FULL_AFTER=100000", NULL};
    r = run_def(&e, full);
    if (r.code != 1)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "normalize"));
    assert_non_null(strstr(r.err, "No space left on device"));
    assert_null(strstr(r.err, "input/output error"));
    assert_non_null(strstr(r.err, "free disk space"));
    res_free(&r);
    r = run_def(&e, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(pt_count(e.db, "ads", "items"), 100000);
    adv_free(&e);
}

/* docs: exit code 3 = missing or invalid definition; a folder is not a definition file. */
static void test_folder_as_definition(void **st)
{
    (void)st;
    adv_env e;
    adv_init(&e, "adv-dir");
    const char *args[] = {"run", e.dir, NULL};
    cli_res r = run_cli(e.dir, args, NULL);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.err, "is a folder"));
    res_free(&r);
    adv_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_null_hint),
        cmocka_unit_test(test_not_null_at_load),
        cmocka_unit_test(test_frozen_contract),
        cmocka_unit_test(test_disk_full_in_normalize),
        cmocka_unit_test(test_folder_as_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
