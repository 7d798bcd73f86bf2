/* test_cli_filesystem.c: the filesystem destination with the real cdlt binary: dlt's layout and
 * system files checked file by file (names and contents), the dataset read back by DuckDB
 * (read_json / read_csv), replace removes the table's old files, append keeps them, csv and
 * uncompressed jsonl, custom layouts and their errors, merge loaded as append, sync restoring
 * a fresh working dir from the files, and a kill -9 during the load (before and after the
 * data files became visible) leaving no completed half package, the next run completing it
 * exactly once. */
#include "cli_run.h"

#include <dirent.h>
#include <sys/stat.h>

typedef struct fenv {
    char *dir;
    char def[1300];
    char pdir[1300];
    char bucket[1300];
} fenv;

/* A definition: pipeline fsp, dataset ds, bucket <dir>/bucket, resource users from
 * users.jsonl with `wd`, and `extra` lines added to the destination table. */
static void env_init(fenv *e, const char *tag, const char *wd, const char *dest_extra,
                     const char *top_extra)
{
    e->dir = tu_mkdtemp(tag);
    snprintf(e->def, sizeof e->def, "%s/p.toml", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    snprintf(e->bucket, sizeof e->bucket, "%s/bucket", e->dir);
    char text[4096];
    snprintf(text, sizeof text,
             "pipeline_name = \"fsp\"\ndataset_name = \"ds\"\n%s\n"
             "destination = { type = \"filesystem\", bucket_url = \"bucket\"%s }\n"
             "[[resources]]\nname = \"users\"\npath = \"users.jsonl\"\n"
             "write_disposition = %s\nprimary_key = \"id\"\n",
             top_extra ? top_extra : "", dest_extra ? dest_extra : "", wd);
    tu_put(e->dir, "p.toml", text);
}

static void env_free(fenv *e)
{
    tu_rm_rf(e->dir);
    free(e->dir);
}

static char *read_rel(const fenv *e, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", e->bucket, rel);
    char *t = tu_read_file(p, NULL);
    assert_non_null(t);
    return t;
}

static const char USERS[] =
    "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\",\"y\"],\"ts\":\"2024-01-01T10:00:00Z\"}\n"
    "{\"id\":2,\"name\":\"b\\\"q\",\"tags\":[],\"d\":1.5}\n";

static void test_layout_and_system_files(void **st)
{
    (void)st;
    fenv e;
    env_init(&e, "cli-fs-layout", "\"append\"", NULL, NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, NULL);
    tu_list f = tu_files_under(e.bucket);
    /* init, one load, one schema version, one state, users and users__tags data files (a new
     * column keeps writing the same jsonl file, as dlt's); nothing else (no temp files) */
    if (f.n != 6)
        for (size_t i = 0; i < f.n; i++)
            fprintf(stderr, "file: %s\n", f.v[i]);
    assert_int_equal(f.n, 6);
    char *init = read_rel(&e, "ds/init");
    assert_string_equal(init, "{\"initial_version\":2,\"current_version\":2}");
    free(init);
    const char *loads = tu_find_like(&f, "ds/_dlt_loads/fsp__", ".jsonl");
    assert_non_null(loads);
    char load_id[64];
    snprintf(load_id, sizeof load_id, "%s", loads + strlen("ds/_dlt_loads/fsp__"));
    load_id[strlen(load_id) - 6] = '\0';
    char *ld = read_rel(&e, loads);
    char want[512];
    snprintf(want, sizeof want, "{\"load_id\":\"%s\",\"schema_name\":\"fsp\",\"status\":0,"
             "\"inserted_at\":\"", load_id);
    assert_memory_equal(ld, want, strlen(want));
    assert_non_null(strstr(ld, "\",\"schema_version_hash\":\""));
    /* the state and version files are named with the hex of the schema hash */
    char hash_b64[128];
    const char *h = strstr(ld, "\"schema_version_hash\":\"") + 23;
    snprintf(hash_b64, sizeof hash_b64, "%.*s", (int)(strchr(h, '"') - h), h);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT lower(hex(from_base64('%s')))", hash_b64);
    char *hex = tu_duck_text(NULL, sql);
    char sname[512];
    snprintf(sname, sizeof sname, "ds/_dlt_pipeline_state/fsp__%s__%s.jsonl", load_id, hex);
    assert_non_null(tu_find_like(&f, sname, ""));
    snprintf(sname, sizeof sname, "__%s.jsonl", hex);
    assert_int_equal(tu_count_like(&f, "ds/_dlt_version/fsp__", sname), 1);
    char *state = read_rel(&e, tu_find_like(&f, "ds/_dlt_pipeline_state/", ""));
    const char *sh = "{\"version\":1,\"engine_version\":4,\"pipeline_name\":\"fsp\","
                     "\"state\":\"";
    assert_memory_equal(state, sh, strlen(sh));
    assert_non_null(strstr(state, "\",\"created_at\":\""));
    snprintf(want, sizeof want, "\"_dlt_load_id\":\"%s\"}", load_id);
    assert_non_null(strstr(state, want));
    assert_null(strstr(state, "_dlt_id"));
    free(state);
    char *ver = read_rel(&e, tu_find_like(&f, "ds/_dlt_version/", ""));
    snprintf(want, sizeof want, "{\"version_hash\":\"%s\",\"schema_name\":\"fsp\",\"version\":",
             hash_b64);
    assert_memory_equal(ver, want, strlen(want));
    assert_non_null(strstr(ver, ",\"engine_version\":11,\"inserted_at\":\""));
    assert_non_null(strstr(ver, "\",\"schema\":\"{\\\"version\\\":"));
    free(ver);
    /* data files: <table>/<load_id>.<file_id>.jsonl.gz (dlt's default layout, gzip'd) */
    snprintf(sname, sizeof sname, "ds/users/%s.", load_id);
    assert_int_equal(tu_count_like(&f, sname, ".jsonl.gz"), 1);
    snprintf(sname, sizeof sname, "ds/users__tags/%s.", load_id);
    assert_int_equal(tu_count_like(&f, sname, ".jsonl.gz"), 1);
    const char *df = tu_find_like(&f, sname, ".jsonl.gz");
    assert_int_equal(strlen(df), strlen(sname) + 10 + strlen(".jsonl.gz"));
    /* read back by DuckDB */
    snprintf(sql, sizeof sql,
             "SELECT string_agg(id || ':' || name || ':' || coalesce(ts::VARCHAR, '-') || ':' "
             "|| coalesce(d::VARCHAR, '-'), ' ' ORDER BY id) FROM read_json('%s/ds/users/*.jsonl.gz', "
             "union_by_name = true)", e.bucket);
    tu_duck_expect(NULL, sql, "1:a:2024-01-01T10:00:00+00:00:- 2:b\"q:-:1.5");
    snprintf(sql, sizeof sql, "SELECT string_agg(value, ',' ORDER BY value) FROM "
             "read_json('%s/ds/users__tags/*.jsonl.gz')", e.bucket);
    tu_duck_expect(NULL, sql, "x,y");
    free(ld);
    free(hex);
    tu_list_free(&f);
    env_free(&e);
}

static void test_replace_and_append(void **st)
{
    (void)st;
    fenv e;
    env_init(&e, "cli-fs-replace", "\"replace\"", NULL, NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, NULL);
    tu_put(e.dir, "users.jsonl", "{\"id\":3,\"name\":\"c\",\"tags\":[\"z\"]}\n");
    run_def_ok(e.dir, NULL);
    tu_list f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/users/", ".jsonl.gz"), 1);
    assert_int_equal(tu_count_like(&f, "ds/users__tags/", ".jsonl.gz"), 1);
    assert_int_equal(tu_count_like(&f, "ds/_dlt_loads/", ".jsonl"), 2);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM "
             "read_json('%s/ds/users/*.jsonl.gz')", e.bucket);
    tu_duck_expect(NULL, sql, "3");
    snprintf(sql, sizeof sql, "SELECT string_agg(value, ',') FROM "
             "read_json('%s/ds/users__tags/*.jsonl.gz')", e.bucket);
    tu_duck_expect(NULL, sql, "z");
    tu_list_free(&f);
    /* append keeps the files of every load; merge is loaded as append with a warning */
    env_free(&e);
    env_init(&e, "cli-fs-append", "\"merge\"", NULL, NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, NULL);
    tu_put(e.dir, "users.jsonl", "{\"id\":1,\"name\":\"a2\"}\n");
    cli_res r = run_def_in(e.dir, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.err, "merge, which destination filesystem loads as append"));
    res_free(&r);
    snprintf(sql, sizeof sql, "SELECT string_agg(id || name, ',' ORDER BY id, name) FROM "
             "read_json('%s/ds/users/*.jsonl.gz', union_by_name = true)", e.bucket);
    tu_duck_expect(NULL, sql, "1a,1a2,2b\"q");
    env_free(&e);
}

static void test_csv_and_uncompressed(void **st)
{
    (void)st;
    fenv e;
    env_init(&e, "cli-fs-csv", "\"append\"", NULL, "loader_file_format = \"csv\"");
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, NULL);
    tu_list f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/users/", ".csv.gz"), 2);
    /* the state is dlt's state file, whatever the format */
    assert_int_equal(tu_count_like(&f, "ds/_dlt_pipeline_state/fsp__", ".jsonl"), 1);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT string_agg(id || ':' || name, ' ' ORDER BY id) FROM "
             "read_csv('%s/ds/users/*.csv.gz', union_by_name = true)", e.bucket);
    tu_duck_expect(NULL, sql, "1:a 2:b\"q");
    tu_list_free(&f);
    env_free(&e);
    /* dlt's disable_compression: plain .jsonl files; and csv text as dlt writes it */
    env_init(&e, "cli-fs-plain", "\"append\"", NULL, "loader_file_format = \"csv\"");
    tu_put(e.dir, "users.jsonl", "{\"id\":1,\"name\":\"x,\\\"y\\\"\",\"ok\":true,\"ts\":"
           "\"2024-01-01T10:00:00.5Z\",\"n\":null,\"j\":{\"a\":[1]}}\n");
    const char *plain[] = {"NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION=true", NULL};
    run_def_ok(e.dir, plain);
    f = tu_files_under(e.bucket);
    const char *csv = tu_find_like(&f, "ds/users/", ".csv");
    assert_non_null(csv);
    char *text = read_rel(&e, csv);
    assert_memory_equal(text, "\"id\",\"name\",\"ok\",\"ts\",\"_dlt_load_id\",\"_dlt_id\"\n"
                              "1,\"x,\"\"y\"\"\",True,\"2024-01-01 10:00:00.500000+00:00\",\"",
                        strlen("\"id\",\"name\",\"ok\",\"ts\",\"_dlt_load_id\",\"_dlt_id\"\n"
                               "1,\"x,\"\"y\"\"\",True,\"2024-01-01 10:00:00.500000+00:00\",\""));
    free(text);
    tu_list_free(&f);
    env_free(&e);
    env_init(&e, "cli-fs-plain2", "\"append\"", NULL, NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, plain);
    f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/users/", ".jsonl"), 1);
    assert_int_equal(tu_count_like(&f, "ds/users/", ".gz"), 0);
    text = read_rel(&e, tu_find_like(&f, "ds/users__tags/", ".jsonl"));
    const char *th = "{\"value\":\"x\",\"_dlt_parent_id\":\"";
    assert_memory_equal(text, th, strlen(th));
    free(text);
    tu_list_free(&f);
    env_free(&e);
}

static void test_layouts(void **st)
{
    (void)st;
    fenv e;
    env_init(&e, "cli-fs-lay", "\"append\"",
             ", layout = \"{schema_name}/{table_name}/{YYYY}-{MM}-{DD}/{ddd}/{Q}/{HH}{mm}/"
             "{timestamp}.{load_id}.{file_id}.{ext}\", current_datetime = "
             "\"2024-03-07T09:05:03.045678Z\"",
             NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    cli_res r0 = run_def_in(e.dir, NULL);
    assert_int_equal(r0.code, 0);
    /* the run's row counts find the files through the {schema_name} prefix */
    const char *tabs = strstr(r0.out, "Tables in dataset ds:");
    assert_non_null(tabs);
    const char *cnt = strstr(tabs, "\n  users  ");
    assert_non_null(cnt);
    assert_true(strstr(cnt, " 2 rows") && strstr(cnt, " 2 rows") < strchr(cnt + 1, '\n'));
    res_free(&r0);
    tu_list f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/fsp/users/2024-03-07/thu/1/0905/1709802303.", ".jsonl.gz"),
                     1);
    /* dlt's own tables keep their folders */
    assert_int_equal(tu_count_like(&f, "ds/_dlt_loads/fsp__", ".jsonl"), 1);
    tu_list_free(&f);
    env_free(&e);
    /* extra_placeholders from the definition, and from .dlt/config.toml (a table there) */
    env_init(&e, "cli-fs-extra", "\"replace\"",
             ", layout = \"{table_name}/{team}/{load_id}.{file_id}.{ext}\", "
             "extra_placeholders = { team = \"red\" }",
             NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, NULL);
    f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/users/red/", ".jsonl.gz"), 1);
    tu_list_free(&f);
    env_free(&e);
    env_init(&e, "cli-fs-extra2", "\"replace\"",
             ", layout = \"{table_name}/{team}/{load_id}.{file_id}.{ext}\"", NULL);
    char dlt_dir[1400];
    snprintf(dlt_dir, sizeof dlt_dir, "%s/.dlt", e.dir);
    assert_int_equal(mkdir(dlt_dir, 0700), 0);
    tu_put(dlt_dir, "config.toml", "[destination.filesystem.extra_placeholders]\nteam = \"blue\"\n");
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, NULL);
    tu_put(e.dir, "users.jsonl", "{\"id\":7}\n"); /* replace finds the old files under {team} */
    run_def_ok(e.dir, NULL);
    f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/users/blue/", ".jsonl.gz"), 1);
    char q[512];
    snprintf(q, sizeof q, "SELECT count(*) FROM read_json('%s/ds/users/blue/*.jsonl.gz')",
             e.bucket);
    tu_duck_expect(NULL, q, "1");
    tu_list_free(&f);
    env_free(&e);
    /* errors: unknown placeholder, no {table_name} */
    env_init(&e, "cli-fs-lay-bad", "\"append\"", ", layout = \"{table_name}/{nope}.{ext}\"",
             NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    cli_res r = run_def_in(e.dir, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "unknown placeholder {nope}"));
    res_free(&r);
    env_free(&e);
    env_init(&e, "cli-fs-lay-bad2", "\"append\"", ", layout = \"{load_id}.{file_id}.{ext}\"",
             NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    r = run_def_in(e.dir, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "has no {table_name}"));
    res_free(&r);
    env_free(&e);
    /* an unknown setting is an error, as is a format the destination does not take */
    env_init(&e, "cli-fs-badkey", "\"append\"", ", bucket_ulr = \"x\"", NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    r = run_def_in(e.dir, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "bucket_ulr"));
    res_free(&r);
    env_free(&e);
    /* fsspec client arguments would change the connection: refused, not ignored */
    env_init(&e, "cli-fs-kwargs", "\"append\"", ", client_kwargs = { region_name = \"x\" }",
             NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    r = run_def_in(e.dir, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "client_kwargs"));
    res_free(&r);
    env_free(&e);
    env_init(&e, "cli-fs-badfmt", "\"append\"", NULL, "loader_file_format = \"insert_values\"");
    tu_put(e.dir, "users.jsonl", USERS);
    r = run_def_in(e.dir, NULL);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "not supported by the filesystem destination"));
    assert_non_null(strstr(r.err, "jsonl, csv"));
    res_free(&r);
    env_free(&e);
}

static void test_sync_restore(void **st)
{
    (void)st;
    fenv e;
    env_init(&e, "cli-fs-sync", "\"append\"", NULL, NULL);
    tu_put(e.dir, "users.jsonl", USERS);
    run_def_ok(e.dir, NULL);
    /* a fresh working dir: sync finds the dataset and restores state and schema */
    tu_rm_rf(e.pdir);
    const char *env[] = {"DESTINATION__FILESYSTEM__BUCKET_URL=bucket", NULL};
    const char *args[] = {"pipeline", "fsp", "sync", "--destination", "filesystem",
                          "--pipelines-dir", e.pdir, NULL};
    cli_res r = run_cli_in(e.dir, args, env);
    if (r.code != 0)
        fprintf(stderr, "sync: %s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    char p[1500];
    snprintf(p, sizeof p, "%s/fsp/state.json", e.pdir);
    char *state = tu_read_file(p, NULL);
    assert_non_null(state);
    assert_non_null(strstr(state, "\"dataset_name\": \"ds\""));
    assert_non_null(strstr(state, "\"destination_name\": \"filesystem\""));
    free(state);
    snprintf(p, sizeof p, "%s/fsp/schemas/fsp.schema.json", e.pdir);
    char *schema = tu_read_file(p, NULL);
    assert_non_null(schema);
    assert_non_null(strstr(schema, "\"users__tags\""));
    free(schema);
    /* the restored pipeline goes on: the next run appends */
    tu_put(e.dir, "users.jsonl", "{\"id\":3,\"name\":\"c\"}\n");
    run_def_ok(e.dir, NULL);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_json('%s/ds/users/*.jsonl.gz', "
             "union_by_name = true)", e.bucket);
    tu_duck_expect(NULL, sql, "3");
    env_free(&e);
}

/* dlt's max_state_files keeps the newest state files of the pipeline; dlt's csv settings
 * ([normalize.data_writer] delimiter, include_header) reach the csv writer */
static void test_state_files_and_csv_settings(void **st)
{
    (void)st;
    fenv e;
    env_init(&e, "cli-fs-states", "\"append\"", NULL, NULL);
    tu_put(e.dir, "p.toml",
           "pipeline_name = \"fsp\"\ndataset_name = \"ds\"\nloader_file_format = \"csv\"\n"
           "destination = { type = \"filesystem\", bucket_url = \"bucket\", max_state_files = 2 }\n"
           "[[resources]]\nname = \"users\"\npath = \"users.jsonl\"\n"
           "incremental = { cursor_path = \"id\" }\n");
    const char *envs[] = {"NORMALIZE__DATA_WRITER__DELIMITER=|",
                          "NORMALIZE__DATA_WRITER__INCLUDE_HEADER=false",
                          "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION=true", NULL};
    char line[128];
    for (int i = 1; i <= 3; i++) { /* a new cursor value each run: a new state each run */
        snprintf(line, sizeof line, "{\"id\":%d,\"name\":\"n%d\"}\n", i, i);
        tu_put(e.dir, "users.jsonl", line);
        run_def_ok(e.dir, envs);
    }
    tu_list f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/_dlt_loads/", ".jsonl"), 3);
    assert_int_equal(tu_count_like(&f, "ds/_dlt_pipeline_state/fsp__", ".jsonl"), 2);
    /* the oldest went: the two left are the two newest loads' */
    const char *first_state = tu_find_like(&f, "ds/_dlt_pipeline_state/", "");
    const char *first_load = tu_find_like(&f, "ds/_dlt_loads/", "");
    char lid[64];
    snprintf(lid, sizeof lid, "%s", first_load + strlen("ds/_dlt_loads/fsp__"));
    lid[strlen(lid) - 6] = '\0';
    assert_null(strstr(first_state, lid));
    /* csv: no header, '|' between fields */
    const char *csv = tu_find_like(&f, "ds/users/", ".csv");
    assert_non_null(csv);
    char *text = read_rel(&e, csv);
    assert_true(text[0] >= '1' && text[0] <= '3');
    assert_non_null(strstr(text, "|\"n"));
    free(text);
    tu_list_free(&f);
    /* an unsupported csv quoting is an error naming the key */
    const char *bad[] = {"NORMALIZE__DATA_WRITER__QUOTING=quote_all", NULL};
    cli_res r = run_def_in(e.dir, bad);
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "quoting 'quote_all'"));
    res_free(&r);
    env_free(&e);
}

/* kill -9 at `point`; nothing completed is visible, the next run completes exactly once */
static void kill_case(const char *point, bool files_visible)
{
    fenv e;
    env_init(&e, "cli-fs-kill", "\"append\"", NULL, NULL);
    char *text = calloc(3000, 48);
    size_t at = 0;
    for (int i = 0; i < 3000; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"sub\":[%d,%d]}\n", i, i, i + 1);
    tu_put(e.dir, "users.jsonl", text);
    free(text);
    char crash[128];
    snprintf(crash, sizeof crash, "CDLT_TEST_CRASH_AT=%s", point);
    const char *envs[] = {crash, NULL};
    cli_res r = run_def_in(e.dir, envs);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    tu_list f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/_dlt_loads/", ""), 0); /* not complete */
    assert_int_equal(tu_count_like(&f, "ds/_dlt_pipeline_state/", ""), 0);
    if (!files_visible)
        assert_int_equal(tu_count_like(&f, "ds/users/", ".jsonl.gz"), 0);
    else
        assert_true(tu_count_like(&f, "ds/users/", ".jsonl.gz") > 0);
    tu_list_free(&f);
    tu_put(e.dir, "users.jsonl", "");
    run_def_ok(e.dir, NULL);
    f = tu_files_under(e.bucket);
    assert_int_equal(tu_count_like(&f, "ds/_dlt_loads/", ""), 1);
    assert_int_equal(tu_count_like(&f, "ds/_dlt_pipeline_state/", ""), 1);
    for (size_t i = 0; i < f.n; i++) /* no temp file left */
        if (strstr(f.v[i], "/."))
            fail_msg("left over: %s", f.v[i]);
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) || ':' || count(DISTINCT id) FROM "
             "read_json('%s/ds/users/*.jsonl.gz')", e.bucket);
    tu_duck_expect(NULL, sql, "3000:3000");
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_json('%s/ds/users__sub/*.jsonl.gz')",
             e.bucket);
    tu_duck_expect(NULL, sql, "6000");
    tu_list_free(&f);
    env_free(&e);
}

static void test_kill_mid_load(void **st)
{
    (void)st;
    kill_case("load_file:2", false);
}

static void test_kill_files_visible(void **st)
{
    (void)st;
    kill_case("fs_files_visible", true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_system_files),
        cmocka_unit_test(test_replace_and_append),
        cmocka_unit_test(test_csv_and_uncompressed),
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_sync_restore),
        cmocka_unit_test(test_state_files_and_csv_settings),
        cmocka_unit_test(test_kill_mid_load),
        cmocka_unit_test(test_kill_files_visible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
