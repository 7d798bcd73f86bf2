/* cmd_config.c: 'cdlt config show [SECTION]': every resolved key under a section with its value
 * (secrets masked) and where it came from, so a user can see what dlt's lookup will find. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cdlt config show [SECTION] [--project-dir DIR] [--pipeline-name NAME]\n"
            "                        [--global-dir DIR]\n\n"
            "Print each configured key under SECTION (e.g. sources.github; default: everything)\n"
            "with its value and origin: an environment variable, or a TOML file and key.\n"
            "Lookup order: environment, secrets.toml, config.toml; project .dlt/ over ~/.dlt/.\n"
            "Secret values are masked.\n\n"
            "options:\n"
            "  --project-dir DIR     folder holding .dlt/ (default: $DLT_PROJECT_DIR or cwd)\n"
            "  --pipeline-name NAME  show NAME-scoped keys first, as a pipeline run sees them\n"
            "  --global-dir DIR      global settings folder (default: $DLT_DATA_DIR or ~/.dlt)\n");
}

typedef struct show_state {
    size_t count; /* items printed */
} show_state;

static int print_item(const cdlt_config_item *it, void *ud)
{
    show_state *s = ud;
    if (it->file)
        printf("%s = %s  # %s: %s [%s]\n", it->key, it->value, it->provider, it->file, it->name);
    else
        printf("%s = %s  # env %s\n", it->key, it->value, it->name);
    s->count++;
    return 0;
}

static int show(int argc, char **argv)
{
    cdlt_config_opts opts;
    memset(&opts, 0, sizeof opts);
    const char *section = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        }
        const char **dst = strcmp(a, "--project-dir") == 0     ? &opts.project_dir
                           : strcmp(a, "--pipeline-name") == 0 ? &opts.pipeline_name
                           : strcmp(a, "--global-dir") == 0    ? &opts.global_dir
                                                                : NULL;
        if (dst) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cdlt config show: %s needs a value\n", a);
                return CLI_USAGE;
            }
            *dst = argv[++i];
            continue;
        }
        if (a[0] == '-') {
            fprintf(stderr, "cdlt config show: unknown option '%s'\n", a);
            usage(stderr);
            return CLI_USAGE;
        }
        if (section) {
            fprintf(stderr, "cdlt config show: only one SECTION may be given\n");
            return CLI_USAGE;
        }
        section = a;
    }
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_config *cfg = NULL;
    if (cdlt_config_open(&opts, &cfg, &err) != CDLT_OK) {
        cli_print_error("cannot read configuration", &err);
        return err.code == CDLT_NOMEM ? CLI_FAILED : CLI_CONFIG;
    }
    printf("# cdlt config show %s%s%s\n", section ? section : "(all)",
           opts.pipeline_name ? " --pipeline-name " : "", opts.pipeline_name ? opts.pipeline_name : "");
    const char *path, *prov;
    bool loaded;
    for (size_t i = 0; cdlt_config_file_info(cfg, i, &path, &prov, &loaded); i++)
        printf("# %s %s: %s\n", prov, loaded ? "read" : "not found", path);
    show_state st = {0};
    cdlt_status rc = cdlt_config_list(cfg, section, print_item, &st, &err);
    if (rc != CDLT_OK) {
        cli_print_error("cannot list configuration", &err);
        cdlt_config_free(cfg);
        return rc == CDLT_NOMEM ? CLI_FAILED : CLI_CONFIG;
    }
    if (st.count == 0)
        printf("# no values are set under `%s`\n", section ? section : "(root)");
    cdlt_config_free(cfg);
    return CLI_OK;
}

int cmd_config(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "show") == 0)
        return show(argc - 1, argv + 1);
    fprintf(stderr, "cdlt config: unknown subcommand '%s'; try 'cdlt config show'\n", argv[1]);
    return CLI_USAGE;
}
