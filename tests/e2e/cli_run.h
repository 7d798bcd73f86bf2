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

#endif
