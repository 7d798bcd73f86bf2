/* test_cli_config.c: `cdlt config show` run as a user would: keys, masked secrets, origins,
 * pipeline scoping and exit codes, against a temp project. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

typedef struct run_result {
    char out[65536]; /* stdout and stderr together */
    int code;        /* exit code */
} run_result;

static const char *binary(void)
{
    static char path[4096];
    const char *b = getenv("CDLT_BINARY_DIR");
    snprintf(path, sizeof path, "%s/cdlt", b && *b ? b : CDLT_BINARY_DIR);
    return path;
}

static void run(const char *env, const char *args, run_result *r)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "env %s %s %s 2>&1", env ? env : "", binary(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(r->out, 1, sizeof r->out - 1, p);
    r->out[n] = '\0';
    int status = pclose(p);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(p, text, strlen(text)), 0);
}

static void test_config_show(void **state)
{
    (void)state;
    char *root = tu_mkdtemp("cli-cfg");
    char settings[4096], global[4096];
    snprintf(settings, sizeof settings, "%s/.dlt", root);
    snprintf(global, sizeof global, "%s/global", root);
    mkdir(settings, 0700);
    mkdir(global, 0700);
    write_file(settings, "config.toml", "[sources.github]\nrepo = \"dlt-hub/dlt\"\npage_size = 100\n[sources.other]\nx = 1\n");
    write_file(settings, "secrets.toml", "[sources.github]\naccess_token = \"ghp_SHOW_SECRET_9\"\n"
                                          "[pipe.sources.github]\nrepo = \"scoped/repo\"\n");
    run_result *r = calloc(1, sizeof *r);
    char args[8192];
    snprintf(args, sizeof args, "config show sources.github --project-dir %s --global-dir %s", root, global);
    run("SOURCES__GITHUB__PAGE_SIZE=50", args, r);
    if (r->code != 0)
        fprintf(stderr, "%s\n", r->out);
    assert_int_equal(r->code, 0);
    char line[8192];
    snprintf(line, sizeof line, "sources.github.repo = \"dlt-hub/dlt\"  # config.toml: %s/config.toml [sources.github.repo]", settings);
    assert_non_null(strstr(r->out, line));
    snprintf(line, sizeof line, "sources.github.access_token = \"g*****9\"  # secrets.toml: %s/secrets.toml [sources.github.access_token]", settings);
    assert_non_null(strstr(r->out, line));
    assert_non_null(strstr(r->out, "sources.github.page_size = \"50\"  # env SOURCES__GITHUB__PAGE_SIZE"));
    assert_null(strstr(r->out, "ghp_SHOW_SECRET_9"));
    assert_null(strstr(r->out, "sources.other"));
    snprintf(line, sizeof line, "# secrets.toml not found: %s/secrets.toml", global);
    assert_non_null(strstr(r->out, line));

    /* With a pipeline scope the scoped key wins and shows its scoped name (masked: it is in
     * secrets.toml). */
    snprintf(args, sizeof args, "config show sources.github --project-dir %s --global-dir %s --pipeline-name pipe",
             root, global);
    run(NULL, args, r);
    assert_int_equal(r->code, 0);
    assert_non_null(strstr(r->out, "sources.github.repo = \"s*****o\"  # secrets.toml:"));
    assert_non_null(strstr(r->out, "[pipe.sources.github.repo]"));

    /* DLT_PROJECT_DIR is honoured; an empty section says so. */
    snprintf(args, sizeof args, "config show sources.nothing --global-dir %s", global);
    char env[4200];
    snprintf(env, sizeof env, "DLT_PROJECT_DIR=%s", root);
    run(env, args, r);
    assert_int_equal(r->code, 0);
    assert_non_null(strstr(r->out, "# no values are set under `sources.nothing`"));

    /* Usage errors and broken TOML. */
    run(NULL, "config show --bogus", r);
    assert_int_equal(r->code, 2);
    run(NULL, "config frobnicate", r);
    assert_int_equal(r->code, 2);
    write_file(settings, "config.toml", "[sources\n");
    snprintf(args, sizeof args, "config show --project-dir %s --global-dir %s", root, global);
    run(NULL, args, r);
    assert_int_equal(r->code, 3);
    assert_non_null(strstr(r->out, "config.toml"));
    free(r);
    tu_rm_rf(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_show),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
