/* main.c: `cdlt` entry point: global flags and dispatch to one command per file. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static int cmd_help(int argc, char **argv);

static const command COMMANDS[] = {
    {"run", cmd_run, "run a pipeline defined in a TOML, YAML or JSON file"},
    {"pipeline", cmd_pipeline, "inspect and manage a pipeline: info, show, schema, trace, drop, sync"},
    {"init", cmd_init, "start a project: cdlt init rest_api duckdb (definition + .dlt templates)"},
    {"config", cmd_config, "show resolved configuration and where each value came from"},
    {"help", cmd_help, "help on a command: cdlt help [COMMAND]"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "cdlt %s: a native data load tool with dlt's semantics\n\n"
            "usage: cdlt [--log-level LEVEL] COMMAND [ARGS]\n\n"
            "commands:\n",
            cdlt_version());
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "\noptions:\n"
                 "  --help           show this help\n"
                 "  --version        print the version\n"
                 "  --log-level L    trace|debug|info|warning|error (also RUNTIME__LOG_LEVEL)\n"
                 "\nRun 'cdlt COMMAND --help' for a command's options.\n");
}

void cli_print_error(const char *what, const cdlt_error *err)
{
    fprintf(stderr, "cdlt: %s: %s [%s]\n", what, err && err->message[0] ? err->message : "failed",
            cdlt_status_name(err ? err->code : CDLT_ERROR));
}

void cli_pipeline_command(cdlt_pipeline *p, const char *cmd, char *out, size_t cap)
{
    /* the pipelines dir is the working dir's parent */
    const char *wd = cdlt_pipeline_working_dir(p);
    size_t n = strlen(wd), nl = strlen(cdlt_pipeline_name(p));
    size_t dl = n > nl + 1 ? n - nl - 1 : n;
    char def[4096];
    const char *env = getenv("CDLT_PIPELINES_DIR"), *home = getenv("HOME");
    if (env && *env)
        snprintf(def, sizeof def, "%s", env);
    else
        snprintf(def, sizeof def, "%s/.cdlt/pipelines", home && *home ? home : ".");
    bool plain = strlen(def) == dl && strncmp(def, wd, dl) == 0;
    bool quote = strcspn(wd, " \t'\"$`\\*?[]()&;|<>!#") < dl;
    snprintf(out, cap, "cdlt pipeline %s %s%s%s%.*s%s", cdlt_pipeline_name(p), cmd,
             plain ? "" : " --pipelines-dir ", !plain && quote ? "'" : "", plain ? 0 : (int)dl,
             wd, !plain && quote ? "'" : "");
}

static void json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            printf("\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", stdout);
        else if (*c < 0x20)
            printf("\\u%04x", *c);
        else
            putchar(*c);
    }
    putchar('"');
}

void cli_print_json_error(const char *what, const cdlt_error *err, int exit_code)
{
    fputs("{\"error\": {\"status\": ", stdout);
    json_string(cdlt_status_name(err ? err->code : CDLT_ERROR));
    printf(", \"exit_code\": %d, \"what\": ", exit_code);
    json_string(what);
    fputs(", \"message\": ", stdout);
    json_string(err && err->message[0] ? err->message : "failed");
    fputs("}}\n", stdout);
}

/* `cdlt help [COMMAND]`: the overview, or a command's own --help. */
static int cmd_help(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "cdlt help: unexpected argument '%s'; usage: cdlt help [COMMAND]\n",
                argv[2]);
        return CLI_USAGE;
    }
    if (argc < 2) {
        usage(stdout);
        return CLI_OK;
    }
    for (size_t c = 0; c < sizeof COMMANDS / sizeof COMMANDS[0]; c++) {
        if (strcmp(argv[1], COMMANDS[c].name) != 0 || COMMANDS[c].fn == cmd_help)
            continue;
        char *sub[] = {argv[1], (char *)"--help", NULL};
        return COMMANDS[c].fn(2, sub);
    }
    fprintf(stderr, "cdlt help: unknown command '%s'; see 'cdlt --help'\n", argv[1]);
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    const char *lvl = getenv("RUNTIME__LOG_LEVEL");
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
            printf("cdlt %s\n", cdlt_version());
            return CLI_OK;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
            lvl = argv[++i];
            continue;
        }
        break;
    }
    if (lvl) {
        int l = cdlt_log_level_parse(lvl);
        if (l < 0) {
            fprintf(stderr, "cdlt: unknown log level '%s'\n", lvl);
            return CLI_USAGE;
        }
        cdlt_log_set_level((cdlt_log_level)l);
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    for (size_t c = 0; c < sizeof COMMANDS / sizeof COMMANDS[0]; c++)
        if (strcmp(argv[i], COMMANDS[c].name) == 0)
            return COMMANDS[c].fn(argc - i, argv + i);
    fprintf(stderr, "cdlt: unknown command '%s'; see 'cdlt --help'\n", argv[i]);
    return CLI_USAGE;
}
