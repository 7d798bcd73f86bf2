/* cli_run.h: the e2e tests' way to run the built `cdlt` binary as a user does (fork/exec,
 * stdout/stderr captured to files in a test folder, exit code or killing signal). Test hooks
 * and switches set in the test's own environment are cleared first; pass them in envs. */
#ifndef CDLT_E2E_CLI_RUN_H
#define CDLT_E2E_CLI_RUN_H

#include "../pipeline/ptest.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct cli_res {
    int exited; /* 1 when exited normally */
    int code;   /* exit code */
    int signo;  /* signal that killed it */
    char *out;  /* stdout */
    char *err;  /* stderr */
} cli_res;

static const char *binary(void)
{
    static char path[2048];
    const char *b = getenv("CDLT_BINARY_DIR");
    snprintf(path, sizeof path, "%s/cdlt", b && *b ? b : CDLT_BINARY_DIR);
    return path;
}

/* Start cdlt with args (NULL-terminated) and extra "K=V" env entries (NULL-terminated),
 * stdout and stderr going to <dir>/<tag>stdout.txt and <dir>/<tag>stderr.txt. */
static pid_t spawn_cli(const char *dir, const char *tag, const char *const *args,
                       const char *const *envs)
{
    char outp[1200], errp[1200];
    snprintf(outp, sizeof outp, "%s/%sstdout.txt", dir, tag);
    snprintf(errp, sizeof errp, "%s/%sstderr.txt", dir, tag);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(outp, "w", stdout) || !freopen(errp, "w", stderr))
            _exit(126);
        unsetenv("CDLT_TEST_CRASH_AT");
        unsetenv("CDLT_TEST_DISK_FULL_AFTER");
        unsetenv("EXTRACT__VERBATIM_FILES");
        for (size_t i = 0; envs && envs[i]; i++)
            putenv((char *)envs[i]);
        char *argv[64];
        size_t n = 0;
        argv[n++] = (char *)binary();
        for (size_t i = 0; args[i] && n < 63; i++)
            argv[n++] = (char *)args[i];
        argv[n] = NULL;
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Wait for a spawn_cli process; its output is read from the files of `tag`. */
static cli_res wait_cli(const char *dir, const char *tag, pid_t pid)
{
    cli_res r = {0};
    char outp[1200], errp[1200];
    snprintf(outp, sizeof outp, "%s/%sstdout.txt", dir, tag);
    snprintf(errp, sizeof errp, "%s/%sstderr.txt", dir, tag);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
        r.exited = 1;
        r.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.signo = WTERMSIG(status);
    }
    r.out = tu_read_file(outp, NULL);
    r.err = tu_read_file(errp, NULL);
    return r;
}

/* Run cdlt with args (NULL-terminated) and extra "K=V" env entries (NULL-terminated). */
static cli_res run_cli(const char *dir, const char *const *args, const char *const *envs)
{
    return wait_cli(dir, "", spawn_cli(dir, "", args, envs));
}

static void res_free(cli_res *r)
{
    free(r->out);
    free(r->err);
}

/* cdlt with args run from the test folder `dir` (where its .dlt/ and relative inputs are). */
static inline cli_res run_cli_in(const char *dir, const char *const *args,
                                 const char *const *envs)
{
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    cli_res r = run_cli(dir, args, envs);
    assert_int_equal(chdir(cwd), 0);
    return r;
}

/* The tests' usual run: `cdlt run <dir>/p.toml --pipelines-dir <dir>/pipelines --progress
 * none`, from `dir`. */
static inline cli_res run_def_in(const char *dir, const char *const *envs)
{
    char def[1200], pdir[1200];
    snprintf(def, sizeof def, "%s/p.toml", dir);
    snprintf(pdir, sizeof pdir, "%s/pipelines", dir);
    const char *args[] = {"run", def, "--pipelines-dir", pdir, "--progress", "none", NULL};
    return run_cli_in(dir, args, envs);
}

/* run_def_in that must succeed (else its output is printed and the test fails); returns its
 * stdout (malloc'd). */
static inline char *run_def_ok_out(const char *dir, const char *const *envs)
{
    cli_res r = run_def_in(dir, envs);
    if (r.code != 0)
        fprintf(stderr, "cdlt run: exit %d\nstdout: %s\nstderr: %s\n", r.code, r.out, r.err);
    assert_int_equal(r.code, 0);
    char *out = strdup(r.out ? r.out : "");
    res_free(&r);
    return out;
}

static inline void run_def_ok(const char *dir, const char *const *envs)
{
    free(run_def_ok_out(dir, envs));
}

/* The resources of the PostgreSQL disposition series (test_cli_postgres, test_cli_pg_threads):
 * append, replace, merge by delete-insert (hard delete), upsert, scd2 and insert-only. */
#define PG_DISP_RESOURCES                                                                       \
    "[[resources]]\nname = \"events\"\npath = \"events.jsonl\"\nwrite_disposition = \"append\"\n" \
    "[[resources]]\nname = \"users\"\npath = \"users.jsonl\"\nwrite_disposition = \"replace\"\n" \
    "[[resources]]\nname = \"orders\"\npath = \"orders.jsonl\"\nprimary_key = \"id\"\n" \
    "write_disposition = { disposition = \"merge\", strategy = \"delete-insert\" }\n" \
    "columns = { deleted = { data_type = \"bool\", hard_delete = true } }\n" \
    "[[resources]]\nname = \"prices\"\npath = \"prices.jsonl\"\nprimary_key = \"sku\"\n" \
    "write_disposition = { disposition = \"merge\", strategy = \"upsert\" }\n" \
    "[[resources]]\nname = \"dims\"\npath = \"dims.jsonl\"\n" \
    "write_disposition = { disposition = \"merge\", strategy = \"scd2\" }\n" \
    "[[resources]]\nname = \"once\"\npath = \"once.jsonl\"\nprimary_key = \"k\"\n" \
    "write_disposition = { disposition = \"merge\", strategy = \"insert-only\" }\n"

/* A source server killed during extract (test_cli_pg_crash, test_cli_mariadb_crash, 400000
 * rows in crash_src.events): nothing of the failed run reached `db` (DuckDB, dataset d), and
 * the next run loads every row once. */
static inline void expect_extract_undone_then_loaded(const char *dir, const char *db,
                                                     const char *const *envs)
{
    char *n = pt_query_text(db, "SELECT count(*) FROM d.events");
    assert_true(n == NULL || strcmp(n, "0") == 0);
    free(n);
    run_def_ok(dir, envs);
    n = pt_query_text(db, "SELECT count(*) || ':' || count(DISTINCT id) || ':' || max(id) FROM "
                          "d.events");
    assert_string_equal(n, "400000:400000:400000");
    free(n);
}

#endif
