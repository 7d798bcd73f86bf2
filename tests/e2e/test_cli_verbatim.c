/* test_cli_verbatim.c: `cdlt run` with extract's verbatim copies of NDJSON inputs, as a user
 * runs it (fork/exec of the built binary, real DuckDB files): a broken line prints the same
 * error with the fast path on and off and leaves nothing pending; SIGKILL after extract with a
 * broken line in the copied file: the next run names the input file, line and byte and
 * discards the package; SIGKILL after a good extract: the next run finishes it; a full disk
 * during the copy; killed after extract and the input rewritten in place (issue 10 point 2:
 * the package owns a copy; the hard-link opt-in refuses the changed file); the bundled samples
 * killed at every phase boundary with every input copied.
 * The inputs are small: EXTRACT__VERBATIM_MIN_FILE_BYTES=0 makes extract copy them all. */
#include "cli_run.h"

#include <sys/stat.h>

/* A test folder: data.jsonl, a definition def_<name>.json loading it into <name>.duckdb. */
typedef struct tcase {
    char *dir;         /* temp dir */
    char data[1200];   /* the input file */
    char pdir[1200];   /* pipelines dir */
} tcase;

static tcase tc_new(const char *tag)
{
    tcase t;
    t.dir = tu_mkdtemp(tag);
    snprintf(t.data, sizeof t.data, "%s/data.jsonl", t.dir);
    snprintf(t.pdir, sizeof t.pdir, "%s/pipelines", t.dir);
    return t;
}

static void tc_free(tcase *t)
{
    tu_rm_rf(t->dir);
    free(t->dir);
}

static void def_path(const tcase *t, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/def_%s.json", t->dir, name);
    char text[1200];
    snprintf(text, sizeof text,
             "{\"pipeline_name\":\"%s\",\"destination\":\"duckdb\",\"credentials\":"
             "\"%s.duckdb\",\"dataset_name\":\"ds\",\"resources\":[{\"name\":\"rows\","
             "\"path\":\"data.jsonl\"}]}\n", name, name);
    assert_int_equal(tu_write_file(out, text, strlen(text)), 0);
}

static int64_t count(const tcase *t, const char *name, const char *table)
{
    char db[1300];
    snprintf(db, sizeof db, "%s/%s.duckdb", t->dir, name);
    return pt_count(db, "ds", table);
}

/* n lines {"id":i,"x":[1,2]}, line `broken` (0 = none) with a syntax error. */
static void write_data(const tcase *t, int n, int broken)
{
    FILE *f = fopen(t->data, "w");
    assert_non_null(f);
    for (int i = 1; i <= n; i++)
        fprintf(f, i == broken ? "{\"id\":%d,\"x\":[1,2 x]}\n" : "{\"id\":%d,\"x\":[1,2]}\r\n", i);
    fclose(f);
}

/* The "run failed" line of stderr (malloc'd). */
static char *failed_line(const char *err)
{
    const char *p = err ? strstr(err, "run failed: ") : NULL;
    assert_non_null(p);
    const char *e = strchr(p, '\n');
    return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

static void assert_nothing_pending(const tcase *t, const char *name)
{
    const char *info[] = {"pipeline", name, "info", "--pipelines-dir", t->pdir, NULL};
    cli_res r = run_cli(t->dir, info, NULL);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "Pending extracted packages: 0"));
    assert_non_null(strstr(r.out, "Pending normalized packages: 0"));
    res_free(&r);
}

/* The same error text, exit code and outcome with the fast path on and off. */
static void test_broken_line_same_error(void **st)
{
    (void)st;
    tcase t = tc_new("vcli-broken");
    write_data(&t, 20000, 12345);
    char d_on[1300], d_off[1300];
    def_path(&t, "von", d_on, sizeof d_on);
    def_path(&t, "voff", d_off, sizeof d_off);
    const char *a_on[] = {"run", d_on, "--pipelines-dir", t.pdir, "--progress", "none", NULL};
    const char *a_off[] = {"run", d_off, "--pipelines-dir", t.pdir, "--progress", "none", NULL};
    const char *off_env[] = {"EXTRACT__VERBATIM_FILES=false", NULL};
    cli_res on = run_cli(t.dir, a_on, NULL);
    cli_res off = run_cli(t.dir, a_off, off_env);
    assert_int_equal(on.code, 1);
    assert_int_equal(off.code, 1);
    char *l_on = failed_line(on.err), *l_off = failed_line(off.err);
    assert_string_equal(l_on, l_off);
    assert_non_null(strstr(l_on, "resource 'rows': "));
    assert_non_null(strstr(l_on, "data.jsonl:12345:"));
    assert_non_null(strstr(l_on, ", byte "));
    assert_non_null(strstr(l_on, "nothing of this run was loaded; fix the input and run again"));
    assert_null(strstr(on.err, "pending")); /* no "packages are pending" advice */
    free(l_on);
    free(l_off);
    res_free(&on);
    res_free(&off);
    assert_nothing_pending(&t, "von");
    assert_int_equal(count(&t, "von", "rows"), -1);
    /* fixed: loads once, with the state row */
    write_data(&t, 20000, 0);
    on = run_cli(t.dir, a_on, NULL);
    assert_int_equal(on.code, 0);
    res_free(&on);
    assert_int_equal(count(&t, "von", "rows"), 20000);
    assert_int_equal(count(&t, "von", "rows__x"), 40000);
    assert_int_equal(count(&t, "von", "_dlt_pipeline_state"), 1);
    tc_free(&t);
}

/* Killed after extract committed a package whose copy holds a broken line: the next run
 * (which only finishes pending work) reports the input file, line and byte, and discards
 * the package, so the run after that extracts again. */
static void test_kill_after_extract_bad_copy(void **st)
{
    (void)st;
    tcase t = tc_new("vcli-kill");
    write_data(&t, 5000, 4321);
    char def[1300];
    def_path(&t, "vkill", def, sizeof def);
    const char *args[] = {"run", def, "--pipelines-dir", t.pdir, "--progress", "none", NULL};
    const char *crash[] = {"CDLT_TEST_CRASH_AT=extracted", NULL};
    cli_res r = run_cli(t.dir, args, crash);
    assert_int_equal(r.exited, 0);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    const char *info[] = {"pipeline", "vkill", "info", "--pipelines-dir", t.pdir, NULL};
    r = run_cli(t.dir, info, NULL);
    assert_non_null(strstr(r.out, "Pending extracted packages: 1"));
    res_free(&r);
    r = run_cli(t.dir, args, NULL);
    assert_int_equal(r.code, 1);
    char *l = failed_line(r.err);
    assert_non_null(strstr(l, "resource 'rows': "));
    assert_non_null(strstr(l, "data.jsonl:4321:"));
    assert_non_null(strstr(l, ", byte "));
    assert_null(strstr(l, "extracted/")); /* the input, not the package's copy */
    assert_non_null(strstr(l, "nothing of this run was loaded; fix the input and run again"));
    free(l);
    assert_null(strstr(r.err, "are pending"));
    res_free(&r);
    assert_nothing_pending(&t, "vkill");
    assert_int_equal(count(&t, "vkill", "rows"), -1);
    /* the same error again (the input is still broken), then fixed: loads once */
    r = run_cli(t.dir, args, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "data.jsonl:4321:"));
    res_free(&r);
    write_data(&t, 5000, 0);
    r = run_cli(t.dir, args, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(count(&t, "vkill", "rows"), 5000);
    assert_int_equal(count(&t, "vkill", "rows__x"), 10000);
    assert_int_equal(count(&t, "vkill", "_dlt_pipeline_state"), 1);
    assert_nothing_pending(&t, "vkill");
    tc_free(&t);
}

/* Killed after a good extract: the next run finishes the verbatim package (pending only),
 * also with the fast path switched off meanwhile. */
static void test_kill_after_extract_good(void **st)
{
    (void)st;
    tcase t = tc_new("vcli-good");
    write_data(&t, 3000, 0);
    char def[1300];
    def_path(&t, "vgood", def, sizeof def);
    const char *args[] = {"run", def, "--pipelines-dir", t.pdir, "--progress", "none", NULL};
    const char *crash[] = {"CDLT_TEST_CRASH_AT=extracted", NULL};
    cli_res r = run_cli(t.dir, args, crash);
    assert_int_equal(r.signo, SIGKILL);
    res_free(&r);
    const char *off_env[] = {"EXTRACT__VERBATIM_FILES=false", NULL};
    r = run_cli(t.dir, args, off_env);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "new data was not extracted"));
    res_free(&r);
    assert_int_equal(count(&t, "vgood", "rows"), 3000);
    assert_int_equal(count(&t, "vgood", "rows__x"), 6000);
    assert_int_equal(count(&t, "vgood", "_dlt_loads"), 1);
    assert_nothing_pending(&t, "vgood");
    tc_free(&t);
}

/* A full disk while copying: the run fails with the disk advice, nothing is pending, and the
 * next run loads everything once. */
static void test_disk_full_during_copy(void **st)
{
    (void)st;
    tcase t = tc_new("vcli-full");
    write_data(&t, 40000, 0); /* ~1 MB: the copy writes it in one piece */
    char def[1300];
    def_path(&t, "vfull", def, sizeof def);
    const char *args[] = {"run", def, "--pipelines-dir", t.pdir, "--progress", "none", NULL};
    const char *full[] = {"CDLT_TEST_DISK_FULL_AFTER=200000", NULL}; /* the copy (default) */
    cli_res r = run_cli(t.dir, args, full);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "No space left on device"));
    assert_non_null(strstr(r.err, "free disk space"));
    assert_non_null(strstr(r.err, "new_jobs/rows.")); /* failed writing the copy */
    res_free(&r);
    assert_nothing_pending(&t, "vfull");
    r = run_cli(t.dir, args, NULL);
    assert_int_equal(r.code, 0);
    res_free(&r);
    assert_int_equal(count(&t, "vfull", "rows"), 40000);
    assert_int_equal(count(&t, "vfull", "rows__x"), 80000);
    tc_free(&t);
}

/* ---- issue 10 point 2: a package owns its data ---- */

/* n lines {"id":i,"x":[a,b]} (a, b one digit: the length does not depend on them) into path. */
static void write_xs(const char *path, int n, int a, int b)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 1; i <= n; i++)
        fprintf(f, "{\"id\":%d,\"x\":[%d,%d]}\r\n", i, a, b);
    fclose(f);
}

static int64_t x_sum(const tcase *t, const char *name)
{
    char db[1300];
    snprintf(db, sizeof db, "%s/%s.duckdb", t->dir, name);
    return pt_query_int(db, "SELECT coalesce(sum(value), 0) FROM ds.rows__x");
}

/* How the user rewrites data.jsonl in place (same inode) while the package is pending. */
typedef enum { BY_SHELL, BY_CP, BY_OPEN_W } how_t;

static void rewrite(const tcase *t, how_t how, int n)
{
    char next[1300], cmd[3000];
    snprintf(next, sizeof next, "%s/next.txt", t->dir);
    struct stat a, b;
    assert_int_equal(stat(t->data, &a), 0);
    if (how == BY_OPEN_W) {
        write_xs(t->data, n, 3, 4); /* fopen("w"): truncate + write, as Python's open('w') */
    } else {
        write_xs(next, n, 3, 4);
        snprintf(cmd, sizeof cmd, how == BY_SHELL ? "cat '%s' > '%s'" : "cp '%s' '%s'", next,
                 t->data);
        assert_int_equal(system(cmd), 0);
    }
    assert_int_equal(stat(t->data, &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
}

/* Killed after extract, then the input rewritten in place: `>` with the same length, cp with
 * more lines, open('w') with fewer. Default (copy): the next run loads exactly the extracted
 * content (day 1), the one after the new content (day 2). Opt-in hard link
 * (EXTRACT__VERBATIM_LINK=true): the next run fails naming the file and saying it changed,
 * loads nothing, leaves nothing pending; the one after loads day 2 once. Old main linked by
 * default and loaded day 2 as day 1 (or dropped the package). */
static void test_kill_then_rewrite(void **st)
{
    (void)st;
    static const struct {
        how_t how; /* rewrite */
        int n;     /* day-2 lines (day 1: 3000) */
    } cases[] = {{BY_SHELL, 3000}, {BY_CP, 4000}, {BY_OPEN_W, 2000}};
    for (int link = 0; link < 2; link++) {
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            tcase t = tc_new("vcli-rewrite");
            write_xs(t.data, 3000, 1, 2);
            char def[1300], name[32];
            snprintf(name, sizeof name, "vrw%d%zu", link, k);
            def_path(&t, name, def, sizeof def);
            const char *args[] = {"run", def, "--pipelines-dir", t.pdir, "--progress", "none",
                                  NULL};
            const char *crash[] = {"CDLT_TEST_CRASH_AT=extracted",
                                   link ? "EXTRACT__VERBATIM_LINK=true" : NULL, NULL};
            const char *plain[] = {link ? "EXTRACT__VERBATIM_LINK=true" : NULL, NULL};
            cli_res r = run_cli(t.dir, args, crash);
            assert_int_equal(r.signo, SIGKILL);
            res_free(&r);
            rewrite(&t, cases[k].how, cases[k].n);
            r = run_cli(t.dir, args, plain);
            if (!link) {
                if (r.code != 0)
                    fprintf(stderr, "[%s] %s\n", name, r.err);
                assert_int_equal(r.code, 0);
                assert_non_null(strstr(r.out, "new data was not extracted"));
                assert_int_equal(count(&t, name, "rows"), 3000); /* day 1, exactly */
                assert_int_equal(x_sum(&t, name), 3000 * 3);
            } else {
                assert_int_equal(r.code, 1);
                char *l = failed_line(r.err);
                assert_non_null(strstr(l, "data.jsonl' changed after it was extracted"));
                assert_non_null(strstr(l, "hard link"));
                assert_non_null(strstr(l, "verbatim_link = false"));
                assert_non_null(strstr(l, "nothing of it was loaded"));
                free(l);
                assert_int_equal(count(&t, name, "rows"), -1); /* nothing loaded */
            }
            res_free(&r);
            assert_nothing_pending(&t, name);
            r = run_cli(t.dir, args, plain); /* day 2, once */
            assert_int_equal(r.code, 0);
            res_free(&r);
            assert_int_equal(count(&t, name, "rows"), (link ? 0 : 3000) + cases[k].n);
            assert_int_equal(x_sum(&t, name), (link ? 0 : 3000 * 3) + cases[k].n * 7);
            assert_int_equal(count(&t, name, "_dlt_loads"), link ? 1 : 2);
            assert_nothing_pending(&t, name);
            tc_free(&t);
        }
    }
}

/* ---- the bundled samples (customers and two event files are NDJSON: copied) ---- */

static const char *const TABLES[] = {"customers", "customers__tags", "orders", "orders__items",
                                     "web_events", "_dlt_loads", "_dlt_pipeline_state"};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

static void sample_counts(const char *db, int64_t *out)
{
    for (size_t i = 0; i < NTABLES; i++)
        out[i] = pt_count(db, "shop_data", TABLES[i]);
}

/* Kill the run at `point`, then run until nothing is pending: the tables hold exactly the
 * rows of one clean run (base), and the copies were made. */
static void sample_crash(const char *point, const int64_t *base)
{
    char *dir = tu_mkdtemp("vcli-crash");
    char cmd[4096], def[1200], pdir[1200], db[1200], envv[128];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/samples'", tu_source_path("samples"), dir);
    assert_int_equal(system(cmd), 0);
    snprintf(def, sizeof def, "%s/samples/shop.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/samples/shop.duckdb", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", "--json",
                          NULL};
    if (point) {
        snprintf(envv, sizeof envv, "CDLT_TEST_CRASH_AT=%s", point);
        const char *envs[] = {envv, NULL};
        cli_res r = run_cli(dir, args, envs);
        assert_int_equal(r.signo, SIGKILL);
        res_free(&r);
    }
    for (int i = 0; i < 2 && pt_count(db, "shop_data", "orders") <= 0; i++) {
        cli_res r = run_cli(dir, args, NULL);
        if (r.code != 0)
            fprintf(stderr, "[%s] %s\n", point ? point : "clean", r.err);
        assert_int_equal(r.code, 0);
        if (!point || strcmp(point, "extract") == 0)
            assert_non_null(strstr(r.out, "\"verbatim_files\":3")); /* the fast path ran */
        res_free(&r);
    }
    int64_t c[NTABLES];
    sample_counts(db, c);
    for (size_t i = 0; i < NTABLES; i++) {
        if (base && c[i] != base[i])
            fprintf(stderr, "[%s] table %s: %lld rows, expected %lld\n", point, TABLES[i],
                    (long long)c[i], (long long)base[i]);
        if (base)
            assert_int_equal(c[i], base[i]);
    }
    if (!base) {
        assert_int_equal(c[0], 50);
        assert_int_equal(c[4], 1000);
        assert_int_equal(c[6], 1);
    }
    tu_rm_rf(dir);
    free(dir);
}

static void test_samples_crash(void **st)
{
    (void)st;
    static const char *const points[] = {NULL, "extract", "extracted", "normalize",
                                         "load_file", "before_commit", "after_commit"};
    char *dir = tu_mkdtemp("vcli-base");
    char cmd[4096], def[1200], pdir[1200], db[1200];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/samples'", tu_source_path("samples"), dir);
    assert_int_equal(system(cmd), 0);
    snprintf(def, sizeof def, "%s/samples/shop.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    snprintf(db, sizeof db, "%s/samples/shop.duckdb", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    const char *off[] = {"EXTRACT__VERBATIM_FILES=false", NULL};
    cli_res r = run_cli(dir, args, off); /* the parsing extract gives the expected counts */
    assert_int_equal(r.code, 0);
    res_free(&r);
    int64_t base[NTABLES];
    sample_counts(db, base);
    tu_rm_rf(dir);
    free(dir);
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++)
        sample_crash(points[i], i ? base : NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken_line_same_error),
        cmocka_unit_test(test_kill_after_extract_bad_copy),
        cmocka_unit_test(test_kill_after_extract_good),
        cmocka_unit_test(test_disk_full_during_copy),
        cmocka_unit_test(test_kill_then_rewrite),
        cmocka_unit_test(test_samples_crash),
    };
    /* the children inherit the settings: overlapped load (default), then after normalize */
    setenv("EXTRACT__VERBATIM_MIN_FILE_BYTES", "0", 1);
    unsetenv("LOAD__OVERLAP_NORMALIZE");
    int failed = cmocka_run_group_tests_name("overlap on", tests, NULL, NULL);
    setenv("LOAD__OVERLAP_NORMALIZE", "false", 1);
    failed += cmocka_run_group_tests_name("overlap off", tests, NULL, NULL);
    return failed;
}
