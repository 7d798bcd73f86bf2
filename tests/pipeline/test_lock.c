/* test_lock.c: a second user of a working dir never damages the first (issue 10 point 1).
 * flock locks belong to the open file, so two pipeline objects in one process contend as two
 * processes do: a resource callback of the running pipeline tries every other command on a
 * second object while extract/new holds the half-written package, and the working dir must
 * come out byte-for-byte unchanged. Read-only commands change nothing either. */
#define _XOPEN_SOURCE 700
#include "ptest.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a listing of a working dir: every path with size and modification time ---- */
static char *g_snap;
static size_t g_snap_len, g_snap_cap;
static size_t g_root_len;

static int snap_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)ftw;
    char line[2048];
    int n = snprintf(line, sizeof line, "%s %c %lld %lld.%09ld\n", path + g_root_len,
                     type == FTW_D ? 'd' : 'f', (long long)(type == FTW_D ? 0 : sb->st_size),
                     (long long)sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec);
    if (g_snap_len + (size_t)n + 1 > g_snap_cap) {
        g_snap_cap = (g_snap_len + (size_t)n + 1) * 2;
        g_snap = realloc(g_snap, g_snap_cap);
    }
    memcpy(g_snap + g_snap_len, line, (size_t)n + 1);
    g_snap_len += (size_t)n;
    return 0;
}

/* The listing (malloc'd; nftw walks in directory order, which the tests do not change). */
static char *snapshot(const char *dir)
{
    g_snap = NULL;
    g_snap_len = g_snap_cap = 0;
    g_root_len = strlen(dir);
    nftw(dir, snap_one, 16, FTW_PHYS);
    return g_snap ? g_snap : strdup("");
}

static int mkdirs(const char *path)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    return system(cmd);
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static cdlt_status run_src(cdlt_pipeline *p, cdlt_source *s)
{
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run: %s\n", err.message);
    return rc;
}

/* ---- the running pipeline's resource: half its items, then the intruders, then the rest ---- */
typedef struct intruder {
    const pt_env *e;  /* test folder */
    const char *name; /* pipeline name */
    char wd[1200];    /* working dir */
    bool tried;       /* the intruders ran */
} intruder;

static void expect_busy(cdlt_status rc, const cdlt_error *err, const char *what)
{
    if (rc != CDLT_EXISTS)
        fprintf(stderr, "%s: %s (%s)\n", what, cdlt_status_name(rc), err->message);
    assert_int_equal(rc, CDLT_EXISTS);
    assert_non_null(strstr(err->message, "in use by another process"));
    assert_non_null(strstr(err->message, "nothing was changed"));
    assert_null(strchr(err->message, '\n'));
}

static void intrude(intruder *in)
{
    char *before = snapshot(in->wd);
    assert_non_null(strstr(before, "/extract/new/")); /* the package being extracted */
    cdlt_error err;
    cdlt_error_clear(&err);
    /* a second object of the same pipeline: attaching and opening change nothing */
    cdlt_pipeline *p2 = NULL;
    assert_int_equal(cdlt_pipeline_attach(in->name, in->e->pdir, &p2, &err), CDLT_OK);
    size_t pending = 99;
    assert_int_equal(cdlt_pipeline_pending_count(p2, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 0);
    char *text = NULL;
    assert_int_equal(cdlt_pipeline_info(p2, false, &text, &err), CDLT_OK);
    cdlt_string_free(text);
    expect_busy(cdlt_pipeline_run(p2, NULL, CDLT_REFRESH_NONE, NULL, &err), &err, "run");
    expect_busy(cdlt_pipeline_drop(p2, NULL, 0, &err), &err, "drop");
    expect_busy(cdlt_pipeline_drop_pending(p2, &err), &err, "drop_pending");
    expect_busy(cdlt_pipeline_sync(p2, &err), &err, "sync");
    expect_busy(cdlt_pipeline_normalize(p2, &err), &err, "normalize");
    expect_busy(cdlt_pipeline_load(p2, &err), &err, "load");
    cdlt_pipeline_free(p2);
    cdlt_pipeline_options o;
    pt_options(in->e, in->name, in->e->db, &o);
    assert_int_equal(cdlt_pipeline_open(&o, &p2, &err), CDLT_OK);
    expect_busy(cdlt_pipeline_run(p2, NULL, CDLT_REFRESH_NONE, NULL, &err), &err, "run (open)");
    cdlt_pipeline_free(p2);
    /* dev mode would wipe the working dir: refused before it touches anything */
    o.dev_mode = true;
    p2 = NULL;
    expect_busy(cdlt_pipeline_open(&o, &p2, &err), &err, "open dev mode");
    assert_null(p2);
    char *after = snapshot(in->wd);
    if (strcmp(before, after) != 0)
        fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
    assert_string_equal(before, after);
    free(before);
    free(after);
    in->tried = true;
}

static cdlt_status intruded_items(cdlt_emitter *em, void *ud)
{
    intruder *in = ud;
    char item[64];
    for (int i = 1; i <= 20000; i++) {
        int k = snprintf(item, sizeof item, "{\"id\":%d,\"v\":\"x%d\"}", i, i);
        cdlt_status rc = cdlt_emit_json(em, item, (size_t)k);
        if (rc != CDLT_OK)
            return rc;
        if (i == 10000) /* the first half is in the package's item file by now */
            intrude(in);
    }
    return CDLT_OK;
}

static cdlt_source *intruded_source(intruder *in)
{
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_resource_open("items", intruded_items, in, &r), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    return s;
}

static void test_second_user_changes_nothing(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("lock-second");
    intruder in = {e, "locked", "", false};
    snprintf(in.wd, sizeof in.wd, "%s/locked", e->pdir);
    /* twice: a new pipeline and an existing one (both locked by run) */
    for (int round = 1; round <= 2; round++) {
        cdlt_pipeline *p = pt_open(e, "locked");
        cdlt_source *s = intruded_source(&in);
        in.tried = false;
        assert_int_equal(run_src(p, s), CDLT_OK);
        assert_true(in.tried);
        cdlt_pipeline_free(p);
        cdlt_source_free(s);
        assert_int_equal(pt_count(e->db, "ds", "items"), 20000 * round);
        assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), round);
    }
    pt_env_free(e);
}

/* Read-only commands on a pipeline with a killed run's leftovers and a missing folder. */
static void test_read_only_changes_nothing(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("lock-ro");
    cdlt_pipeline *p = pt_open(e, "ro");
    intruder in = {e, "none", "", true};
    snprintf(in.wd, sizeof in.wd, "%s/ro", e->pdir);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open(
                         "items", tu_source_path("samples/shop/customers.jsonl"), &r, &err),
                     CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    assert_int_equal(run_src(p, s), CDLT_OK);
    cdlt_pipeline_free(p);
    cdlt_source_free(s);
    /* what a killed run leaves: an unfinished package in extract/new and in load/new */
    char path[1400];
    snprintf(path, sizeof path, "%s/extract/new/1.5/new_jobs", in.wd);
    assert_int_equal(mkdirs(path), 0);
    snprintf(path, sizeof path, "%s/extract/new/1.5/new_jobs/items.x.0.jsonl", in.wd);
    assert_int_equal(tu_write_file(path, "{\"id\":1}\n", 9), 0);
    snprintf(path, sizeof path, "%s/load/new/1.5", in.wd);
    assert_int_equal(mkdirs(path), 0);
    snprintf(path, sizeof path, "%s/load/loaded", in.wd);
    tu_rm_rf(path);
    char *before = snapshot(in.wd);
    assert_int_equal(cdlt_pipeline_attach("ro", e->pdir, &p, &err), CDLT_OK);
    size_t pending = 9;
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 0);
    char *text = NULL;
    assert_int_equal(cdlt_pipeline_info(p, false, &text, &err), CDLT_OK);
    cdlt_string_free(text);
    assert_int_equal(cdlt_pipeline_info(p, true, &text, &err), CDLT_OK);
    cdlt_string_free(text);
    assert_int_equal(cdlt_pipeline_schema_text(p, NULL, "yaml", &text, &err), CDLT_OK);
    cdlt_string_free(text);
    assert_int_equal(cdlt_pipeline_trace_text(p, false, &text, &err), CDLT_OK);
    cdlt_string_free(text);
    cdlt_pipeline_package_text(p, NULL, &text, &err);
    cdlt_string_free(text);
    assert_int_equal(cdlt_pipeline_failed_jobs_text(p, &text, &err), CDLT_OK);
    cdlt_string_free(text);
    assert_int_equal(cdlt_pipelines_list(e->pdir, &text, &err), CDLT_OK);
    cdlt_string_free(text);
    cdlt_pipeline_free(p);
    /* an open without dev mode of an existing pipeline changes nothing until it runs */
    p = pt_open(e, "ro");
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    cdlt_pipeline_free(p);
    char *after = snapshot(in.wd);
    if (strcmp(before, after) != 0)
        fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, after);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* a run takes the lock, then cleans up and restores the folders */
    p = pt_open(e, "ro");
    assert_int_equal(run_src(p, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    snprintf(path, sizeof path, "%s/extract/new/1.5", in.wd);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/load/loaded", in.wd);
    assert_true(exists(path));
    pt_env_free(e);
}

/* The holder's pid in the message, without the lock file's newline. */
static void test_busy_message_one_line(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("lock-msg");
    cdlt_pipeline *p1 = pt_open(e, "msg");
    cdlt_pipeline *p2 = pt_open(e, "msg");
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_drop_pending(p1, &err), CDLT_OK); /* p1 holds the lock */
    assert_int_equal(cdlt_pipeline_run(p2, NULL, CDLT_REFRESH_NONE, NULL, &err), CDLT_EXISTS);
    char pid[64];
    snprintf(pid, sizeof pid, "(pid %d)", (int)getpid());
    assert_non_null(strstr(err.message, pid));
    assert_null(strchr(err.message, '\n'));
    cdlt_pipeline_free(p1);
    assert_int_equal(run_src(p2, NULL), CDLT_OK);
    cdlt_pipeline_free(p2);
    pt_env_free(e);
}

/* Opening a new pipeline creates nothing; its first run creates the working dir. */
static void test_open_creates_nothing(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("lock-new");
    cdlt_pipeline *p = pt_open(e, "fresh");
    char wd[1200];
    snprintf(wd, sizeof wd, "%s/fresh", e->pdir);
    assert_false(exists(e->pdir));
    size_t pending = 1;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_pending_count(p, &pending, &err), CDLT_OK);
    assert_int_equal(pending, 0);
    cdlt_pipeline_free(p);
    assert_false(exists(e->pdir));
    p = pt_open(e, "fresh");
    assert_int_equal(run_src(p, NULL), CDLT_OK);
    cdlt_pipeline_free(p);
    char state[1300];
    snprintf(state, sizeof state, "%s/state.json", wd);
    assert_true(exists(state));
    pt_env_free(e);
}

/* Dev mode wipes the working dir but keeps its lock file: a second dev-mode open waits. */
static void test_dev_mode_keeps_lock(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("lock-dev");
    cdlt_pipeline_options o;
    pt_options(e, "dev", e->db, &o);
    o.dev_mode = true;
    cdlt_pipeline *p1 = pt_open_opts(&o);
    char lock[1200];
    snprintf(lock, sizeof lock, "%s/dev/.lock", e->pdir);
    struct stat a;
    assert_int_equal(stat(lock, &a), 0);
    cdlt_pipeline *p2 = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_open(&o, &p2, &err), CDLT_EXISTS);
    cdlt_pipeline_free(p1);
    p2 = pt_open_opts(&o); /* wipes again, under the same lock file */
    struct stat b;
    assert_int_equal(stat(lock, &b), 0);
    assert_true(a.st_ino == b.st_ino);
    cdlt_pipeline_free(p2);
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_user_changes_nothing),
        cmocka_unit_test(test_read_only_changes_nothing),
        cmocka_unit_test(test_busy_message_one_line),
        cmocka_unit_test(test_dev_mode_keeps_lock),
        cmocka_unit_test(test_open_creates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
