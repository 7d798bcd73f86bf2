/* test_cli_filesystem_s3.c: the filesystem destination on S3 (the fixture's s3rver, SigV4
 * checked) with the real cdlt binary: dlt's layout and system files as objects, replace
 * removing the table's old objects, sync from the bucket into a fresh working dir, a kill -9
 * during the load leaving no _dlt_loads object (the completion mark on S3) and the next run
 * completing the package exactly once, the secret never in the output, and Parquet tables'
 * row counts read from the objects' footers. */
#include "cli_run.h"

#include "objstore/objstore.h"

typedef struct senv {
    char *dir;
    char def[1300];
    char pdir[1300];
    char prefix[256];  /* key prefix of this test in the bucket */
    tu_s3_creds cr;    /* credentials for the child, dlt's env keys; cr.envs: the CLI's env */
} senv;

static void env_init(senv *e, const char *tag, const char *wd)
{
    e->dir = tu_mkdtemp(tag);
    snprintf(e->def, sizeof e->def, "%s/p.toml", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    snprintf(e->prefix, sizeof e->prefix, "fsd-%s-%d", tag, (int)getpid());
    char text[2048];
    snprintf(text, sizeof text,
             "pipeline_name = \"fss3\"\ndataset_name = \"ds\"\n"
             "destination = { type = \"filesystem\", bucket_url = \"s3://%s/%s\" }\n"
             "[[resources]]\nname = \"users\"\npath = \"users.jsonl\"\n"
             "write_disposition = \"%s\"\n",
             tu_s3_env("CDLT_TEST_S3_BUCKET"), e->prefix, wd);
    tu_put(e->dir, "p.toml", text);
    tu_s3_creds_env("DESTINATION__FILESYSTEM", &e->cr);
    e->cr.envs[4] = "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION=true";
}

static void env_free(senv *e)
{
    tu_rm_rf(e->dir);
    free(e->dir);
}

static cli_res cdlt_in(senv *e, const char *const *args, const char *extra)
{
    e->cr.envs[5] = extra;
    cli_res r = run_cli_in(e->dir, args, e->cr.envs);
    e->cr.envs[5] = NULL;
    return r;
}

static void run_ok(senv *e)
{
    const char *args[] = {"run", e->def, "--pipelines-dir", e->pdir, "--progress", "none", NULL};
    cli_res r = cdlt_in(e, args, NULL);
    if (r.code != 0)
        fprintf(stderr, "cdlt run: exit %d\nstdout: %s\nstderr: %s\n", r.code, r.out, r.err);
    assert_int_equal(r.code, 0);
    assert_null(strstr(r.out, tu_s3_env("CDLT_TEST_S3_SECRET")));
    assert_null(strstr(r.err, tu_s3_env("CDLT_TEST_S3_SECRET")));
    res_free(&r);
}

/* Lines of every object under prefix (uncompressed jsonl). */
static long lines_under(os_store *s, const tu_list *l, const char *prefix)
{
    long n = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (strncmp(l->v[i], prefix, strlen(prefix)) != 0)
            continue;
        buf b = BUF_INIT;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(os_get(s, l->v[i], &b, 1u << 30, &err), CDLT_OK);
        for (size_t k = 0; k < b.len; k++)
            n += b.data[k] == '\n';
        buf_free(&b);
    }
    return n;
}

static void test_s3_layout_replace_sync(void **st)
{
    (void)st;
    senv e;
    env_init(&e, "s3lay", "replace");
    tu_put(e.dir, "users.jsonl", "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"]}\n{\"id\":2}\n");
    run_ok(&e);
    os_store *s = tu_s3_store(e.prefix, NULL, 0);
    tu_list l = tu_s3_list(s);
    assert_int_equal(tu_count_like(&l, "ds/init", ""), 1);
    assert_int_equal(tu_count_like(&l, "ds/_dlt_loads/fss3__", ".jsonl"), 1);
    assert_int_equal(tu_count_like(&l, "ds/_dlt_version/fss3__", ".jsonl"), 1);
    assert_int_equal(tu_count_like(&l, "ds/_dlt_pipeline_state/fss3__", ".jsonl"), 1);
    assert_int_equal(tu_count_like(&l, "ds/users/", ".jsonl"), 1);
    assert_int_equal(tu_count_like(&l, "ds/users__tags/", ".jsonl"), 1);
    assert_int_equal(lines_under(s, &l, "ds/users/"), 2);
    buf b = BUF_INIT;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(os_get(s, "ds/init", &b, 1024, &err), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "{\"initial_version\":2,\"current_version\":2}");
    buf_free(&b);
    tu_list_free(&l);
    /* replace: the old objects go */
    tu_put(e.dir, "users.jsonl", "{\"id\":3,\"name\":\"c\",\"tags\":[\"y\",\"z\"]}\n");
    run_ok(&e);
    l = tu_s3_list(s);
    assert_int_equal(tu_count_like(&l, "ds/users/", ".jsonl"), 1);
    assert_int_equal(lines_under(s, &l, "ds/users/"), 1);
    assert_int_equal(lines_under(s, &l, "ds/users__tags/"), 2);
    assert_int_equal(tu_count_like(&l, "ds/_dlt_loads/", ".jsonl"), 2);
    tu_list_free(&l);
    /* sync into a fresh working dir from the bucket */
    tu_rm_rf(e.pdir);
    char bucket[512];
    snprintf(bucket, sizeof bucket, "DESTINATION__FILESYSTEM__BUCKET_URL=s3://%s/%s",
             tu_s3_env("CDLT_TEST_S3_BUCKET"), e.prefix);
    const char *args[] = {"pipeline", "fss3", "sync", "--destination", "filesystem",
                          "--pipelines-dir", e.pdir, NULL};
    cli_res r = cdlt_in(&e, args, bucket);
    if (r.code != 0)
        fprintf(stderr, "sync: %s\n%s\n", r.out, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    char p[1500];
    snprintf(p, sizeof p, "%s/fss3/schemas/fss3.schema.json", e.pdir);
    char *schema = tu_read_file(p, NULL);
    assert_non_null(schema);
    assert_non_null(strstr(schema, "\"users__tags\""));
    free(schema);
    os_close(s);
    env_free(&e);
}

static void test_s3_kill_then_complete(void **st)
{
    (void)st;
    senv e;
    env_init(&e, "s3kill", "append");
    char *text = calloc(2000, 48);
    size_t at = 0;
    for (int i = 0; i < 2000; i++)
        at += (size_t)sprintf(text + at, "{\"id\":%d,\"sub\":[%d,%d]}\n", i, i, i + 1);
    tu_put(e.dir, "users.jsonl", text);
    free(text);
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    cli_res r = cdlt_in(&e, args, "CDLT_TEST_CRASH_AT=load_file:2");
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    os_store *s = tu_s3_store(e.prefix, NULL, 0);
    tu_list l = tu_s3_list(s);
    assert_int_equal(tu_count_like(&l, "ds/_dlt_loads/", ""), 0); /* not complete */
    tu_list_free(&l);
    tu_put(e.dir, "users.jsonl", "");
    run_ok(&e);
    l = tu_s3_list(s);
    assert_int_equal(tu_count_like(&l, "ds/_dlt_loads/", ""), 1);
    assert_int_equal(lines_under(s, &l, "ds/users/"), 2000);
    assert_int_equal(lines_under(s, &l, "ds/users__sub/"), 4000);
    tu_list_free(&l);
    os_close(s);
    env_free(&e);
}

/* Parquet tables on S3: the row counts shown after a run come from the objects' footers
 * (ranged reads of the last bytes), two files of a table adding up. */
static void test_s3_parquet_counts(void **st)
{
    (void)st;
    senv e;
    env_init(&e, "s3pq", "append");
    char text[2048];
    snprintf(text, sizeof text,
             "pipeline_name = \"fss3\"\ndataset_name = \"ds\"\n"
             "destination = { type = \"filesystem\", bucket_url = \"s3://%s/%s\" }\n"
             "loader_file_format = \"parquet\"\n"
             "[[resources]]\nname = \"users\"\npath = \"users.jsonl\"\n",
             tu_s3_env("CDLT_TEST_S3_BUCKET"), e.prefix);
    tu_put(e.dir, "p.toml", text);
    tu_put(e.dir, "users.jsonl", "{\"id\":1,\"tags\":[\"x\",\"y\"]}\n{\"id\":2}\n{\"id\":3}\n");
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    for (int run = 1; run <= 2; run++) {
        cli_res r = cdlt_in(&e, args, NULL);
        if (r.code != 0)
            fail_msg("run %d: exit %d\n%s\n%s", run, r.code, r.out, r.err);
        const char *tables = strstr(r.out, "Tables in dataset");
        const char *users = tables ? strstr(tables, "  users ") : NULL;
        const char *tags = tables ? strstr(tables, "  users__tags ") : NULL;
        const char *want_u = run == 1 ? "3 rows" : "6 rows", *want_t = run == 1 ? "2 rows" : "4 rows";
        if (!users || !tags || strncmp(strchr(users + 2, '\n') - 6, want_u, 6) != 0 ||
            strncmp(strchr(tags + 2, '\n') - 6, want_t, 6) != 0)
            fail_msg("run %d: no Parquet row counts in:\n%s", run, r.out);
        res_free(&r);
    }
    os_store *s = tu_s3_store(e.prefix, NULL, 0);
    tu_list l = tu_s3_list(s);
    assert_int_equal(tu_count_like(&l, "ds/users/", ".parquet"), 2);
    tu_list_free(&l);
    cdlt_error err;
    cdlt_error_clear(&err);
    os_delete_tree(s, "", NULL, &err);
    os_close(s);
    env_free(&e);
}

/* dlt's credentials.s3_url_style = "virtual" from the environment: the whole load (layout,
 * system files, completion mark) goes through the bucket's virtual host on the test server
 * (endpoint_url http://s3.localhost:<port>, see docs/objstore.md); the objects are where
 * path-style addressing finds them. A misspelt style stops the run naming the key and the
 * variable that set it. */
static void test_s3_virtual_host(void **st)
{
    (void)st;
    senv e;
    env_init(&e, "s3vh", "append");
    const char *ep = tu_s3_env("CDLT_TEST_S3_ENDPOINT");
    snprintf(e.cr.kv[2], sizeof e.cr.kv[2],
             "DESTINATION__FILESYSTEM__CREDENTIALS__ENDPOINT_URL=http://s3.localhost%s",
             strrchr(ep, ':'));
    tu_put(e.dir, "users.jsonl", "{\"id\":1,\"name\":\"a\"}\n{\"id\":2}\n");
    const char *args[] = {"run", e.def, "--pipelines-dir", e.pdir, "--progress", "none", NULL};
    cli_res r = cdlt_in(&e, args, "DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE=virtual");
    if (r.code != 0)
        fprintf(stderr, "cdlt run: exit %d\nstdout: %s\nstderr: %s\n", r.code, r.out, r.err);
    assert_int_equal(r.code, 0);
    res_free(&r);
    os_store *s = tu_s3_store(e.prefix, NULL, 0);
    tu_list l = tu_s3_list(s);
    assert_int_equal(tu_count_like(&l, "ds/_dlt_loads/fss3__", ".jsonl"), 1);
    assert_int_equal(lines_under(s, &l, "ds/users/"), 2);
    tu_list_free(&l);
    os_close(s);

    r = cdlt_in(&e, args, "DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE=virtal");
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, "credentials.s3_url_style = 'virtal'"));
    assert_non_null(strstr(r.err, "DESTINATION__FILESYSTEM__CREDENTIALS__S3_URL_STYLE"));
    assert_null(strstr(r.err, tu_s3_env("CDLT_TEST_S3_SECRET")));
    res_free(&r);
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_layout_replace_sync),
        cmocka_unit_test(test_s3_kill_then_complete),
        cmocka_unit_test(test_s3_parquet_counts),
        cmocka_unit_test(test_s3_virtual_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
