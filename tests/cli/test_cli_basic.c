/* test_cli_basic.c: the cdlt binary's global flags and exit codes, run as a user would. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int run(const char *args, char *out, size_t cap)
{
    char cmd[4096];
    const char *b = getenv("CDLT_BINARY_DIR");
    snprintf(cmd, sizeof cmd, "%s/cdlt %s 2>&1", b && *b ? b : CDLT_BINARY_DIR, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_version_and_help(void **state)
{
    (void)state;
    char out[16384];
    assert_int_equal(run("--version", out, sizeof out), 0);
    assert_non_null(strstr(out, "cdlt " CDLT_VERSION));
    assert_int_equal(run("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: cdlt"));
    assert_non_null(strstr(out, "run"));
    assert_non_null(strstr(out, "pipeline"));
    assert_non_null(strstr(out, "config"));
}

static void test_bad_usage(void **state)
{
    (void)state;
    char out[16384];
    assert_int_equal(run("frobnicate", out, sizeof out), 2);
    assert_non_null(strstr(out, "unknown command 'frobnicate'"));
    assert_int_equal(run("", out, sizeof out), 2);
    assert_int_equal(run("--log-level loud --version", out, sizeof out), 0);
    assert_int_equal(run("--log-level loud run", out, sizeof out), 2);
    assert_non_null(strstr(out, "unknown log level"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_bad_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
