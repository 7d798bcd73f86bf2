/* cfgtest.h: fixtures shared by the config tests: a temp project with .dlt/ and a separate
 * global folder, written per test, and env vars that are always cleaned up. */
#ifndef CDLT_CFGTEST_H
#define CDLT_CFGTEST_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct cfgfix {
    char *root;          /* temp folder (removed at teardown) */
    char project[1024];  /* <root>/project (holds .dlt) */
    char settings[1100]; /* <root>/project/.dlt */
    char global[1024];   /* <root>/global */
    char secrets[1024];  /* <root>/run_secrets */
    const char *env[32]; /* env names set by the test, unset at teardown */
    int nenv;            /* used entries */
} cfgfix;

static inline cfgfix *cf_new(void)
{
    cfgfix *f = calloc(1, sizeof *f);
    /* Secrets registered by earlier tests (e.g. "pass") would mask words in messages. */
    cdlt_secret_clear();
    f->root = tu_mkdtemp("cfg");
    snprintf(f->project, sizeof f->project, "%s/project", f->root);
    snprintf(f->settings, sizeof f->settings, "%s/.dlt", f->project);
    snprintf(f->global, sizeof f->global, "%s/global", f->root);
    snprintf(f->secrets, sizeof f->secrets, "%s/run_secrets", f->root);
    mkdir(f->project, 0700);
    mkdir(f->settings, 0700);
    mkdir(f->global, 0700);
    mkdir(f->secrets, 0700);
    return f;
}

static inline void cf_write(const char *dir, const char *name, const char *text)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(p, text, strlen(text)), 0);
}

static inline void cf_setenv(cfgfix *f, const char *name, const char *value)
{
    setenv(name, value, 1);
    f->env[f->nenv++] = name;
}

static inline void cf_free(cfgfix *f)
{
    for (int i = 0; i < f->nenv; i++)
        unsetenv(f->env[i]);
    tu_rm_rf(f->root);
    free(f->root);
    free(f);
}

/* Open with the fixture's folders (pipeline may be NULL). */
static inline cdlt_config *cf_open(cfgfix *f, const char *pipeline)
{
    cdlt_config_opts o = {.project_dir = f->project,
                          .global_dir = f->global,
                          .pipeline_name = pipeline,
                          .secrets_dir = f->secrets};
    cdlt_config *cfg = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status st = cdlt_config_open(&o, &cfg, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "cdlt_config_open: %s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return cfg;
}

#endif
