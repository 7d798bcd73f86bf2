/* cmd_pipeline.c: `cdlt pipeline NAME info|schema|trace|load-package|failed-jobs|drop|sync|
 * drop-pending` and `cdlt pipeline --list`: inspection and management of a working dir.
 * dlt's operation names work too (show, drop-pending-packages, --list-pipelines, -l). Each
 * command takes only its own arguments and options: anything else is a usage error. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void pl_usage(FILE *out)
{
    fprintf(out,
            "usage: cdlt pipeline --list [--pipelines-dir DIR]   (also: list, --list-pipelines, -l)\n"
            "       cdlt pipeline NAME COMMAND [args] [--pipelines-dir DIR]\n\n"
            "commands (dlt's names in parentheses also work):\n"
            "  info [--json]              state, schemas, tables and packages (show)\n"
            "  schema [SCHEMA] [--format yaml|json]\n"
            "                             a schema (the default one unless named; yaml by default)\n"
            "  trace [--json]             the last run: timings, packages, rows per table\n"
            "  load-package [LOAD_ID]     a load package (newest by default) and its jobs\n"
            "  failed-jobs                failed jobs and their error messages\n"
            "  drop [RESOURCE...]         drop tables + state of resources (all when none);\n"
            "                             an unknown resource is an error listing the known ones\n"
            "  drop RESOURCE... --state-only\n"
            "                             forget the resources' state (incremental cursors); keep\n"
            "                             the tables (also: reset-incremental RESOURCE...)\n"
            "  state                      the pipeline state as JSON (secrets masked)\n"
            "  drop-pending               delete pending (extracted/normalized) packages\n"
            "                             (drop-pending-packages)\n"
            "  sync [--destination D] [--credentials C] [--dataset-name DS]\n"
            "                             restore state and schemas from the destination; with no\n"
            "                             working dir and no --dataset-name, the dataset holding\n"
            "                             the pipeline's state is looked up; nothing to restore is\n"
            "                             an error and creates nothing\n\n"
            "Commands that change the working dir (drop, reset-incremental, drop-pending, sync)\n"
            "wait for no one: "
            "while another command holds the pipeline they fail and change nothing.\n"
            "--json: the output, or on failure {\"error\": {...}}, as JSON on stdout.\n\n"
            "exit codes: 0 ok, 1 failed (also: pipeline in use), 2 usage, 3 unknown pipeline,\n"
            "resource or configuration, nothing to restore, 4 pending packages (drop refused)\n");
}

/* Options a command may take. */
enum {
    OPT_JSON = 1 << 0,   /* --json */
    OPT_FORMAT = 1 << 1, /* --format */
    OPT_SYNC = 1 << 2,   /* --destination, --credentials, --dataset-name */
    OPT_STATE_ONLY = 1 << 3 /* drop --state-only (dlt's) */
};

typedef struct pl_command {
    const char *name;  /* our name */
    const char *alias; /* dlt's name, or NULL */
    int max_args;      /* positional arguments after the command; -1 = any number */
    int opts;          /* OPT_* it accepts */
} pl_command;

static const pl_command COMMANDS[] = {
    {"info", "show", 0, OPT_JSON},
    {"schema", NULL, 1, OPT_FORMAT},
    {"trace", NULL, 0, OPT_JSON},
    {"load-package", NULL, 1, 0},
    {"failed-jobs", NULL, 0, 0},
    {"drop", NULL, -1, OPT_STATE_ONLY},
    {"state", NULL, 0, 0},
    {"reset-incremental", NULL, -1, 0},
    {"drop-pending", "drop-pending-packages", 0, 0},
    {"sync", NULL, 0, OPT_SYNC},
};

static const pl_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(name, COMMANDS[i].name) == 0 ||
            (COMMANDS[i].alias && strcmp(name, COMMANDS[i].alias) == 0))
            return &COMMANDS[i];
    return NULL;
}

static int code_for(cdlt_status st)
{
    switch (st) {
    case CDLT_OK: return CLI_OK;
    case CDLT_CONFIG:
    case CDLT_CONFIG_MISSING:
    case CDLT_NOT_FOUND: return CLI_CONFIG;
    case CDLT_PENDING: return CLI_PENDING;
    default: return CLI_FAILED;
    }
}

/* A failure: the message on stderr, and with --json the error object on stdout. */
static int fail(const char *what, const cdlt_error *err, bool json)
{
    int code = code_for(err->code);
    cli_print_error(what, err);
    if (json)
        cli_print_json_error(what, err, code);
    return code;
}

static int print_text(cdlt_status st, char *text, const cdlt_error *err, const char *what,
                      bool json)
{
    if (st != CDLT_OK)
        return fail(what, err, json);
    fputs(text, stdout);
    size_t n = strlen(text);
    if (n && text[n - 1] != '\n')
        fputc('\n', stdout);
    cdlt_string_free(text);
    return CLI_OK;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "cdlt pipeline: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see 'cdlt pipeline --help'\n");
    return CLI_USAGE;
}

int cmd_pipeline(int argc, char **argv)
{
    const char *dir = NULL, *format = NULL, *dest = NULL, *cred = NULL, *dataset = NULL;
    const char *pos[64];
    int npos = 0, used = 0;
    bool json = false, list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool nx = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            pl_usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--list") == 0 || strcmp(a, "--list-pipelines") == 0 ||
                   strcmp(a, "-l") == 0) {
            list = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
            used |= OPT_JSON;
        } else if (strcmp(a, "--pipelines-dir") == 0 && nx) {
            dir = argv[++i];
        } else if (strcmp(a, "--format") == 0 && nx) {
            format = argv[++i];
            used |= OPT_FORMAT;
        } else if (strcmp(a, "--destination") == 0 && nx) {
            dest = argv[++i];
            used |= OPT_SYNC;
        } else if (strcmp(a, "--credentials") == 0 && nx) {
            cred = argv[++i];
            used |= OPT_SYNC;
        } else if (strcmp(a, "--dataset-name") == 0 && nx) {
            dataset = argv[++i];
            used |= OPT_SYNC;
        } else if (strcmp(a, "--state-only") == 0) {
            used |= OPT_STATE_ONLY;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown or incomplete option '%s'", a);
        } else if (npos < 64) {
            pos[npos++] = a;
        } else {
            return usage_error("too many arguments (from '%s' on)", a);
        }
    }
    cdlt_error err;
    cdlt_error_clear(&err);
    char *text = NULL;
    if (list || (npos == 1 && strcmp(pos[0], "list") == 0)) {
        if (list && npos > 0)
            return usage_error("the list takes no arguments: unexpected '%s'", pos[0]);
        if (used)
            return usage_error("%s", "the list takes only --pipelines-dir");
        cdlt_status st = cdlt_pipelines_list(dir, &text, &err);
        return print_text(st, text, &err, "cannot list pipelines", false);
    }
    if (npos < 2) {
        pl_usage(stderr);
        return CLI_USAGE;
    }
    const char *name = pos[0];
    const pl_command *c = find_command(pos[1]);
    if (!c)
        return usage_error("unknown command '%s'", pos[1]);
    if (c->max_args >= 0 && npos - 2 > c->max_args) {
        fprintf(stderr, "cdlt pipeline %s: unexpected argument '%s'; see 'cdlt pipeline --help'\n",
                c->name, pos[2 + c->max_args]);
        return CLI_USAGE;
    }
    if (used & ~c->opts) {
        const char *opt = (used & ~c->opts & OPT_JSON)         ? "--json"
                          : (used & ~c->opts & OPT_FORMAT)     ? "--format"
                          : (used & ~c->opts & OPT_STATE_ONLY) ? "--state-only"
                                                               : "--destination/--credentials/--dataset-name";
        fprintf(stderr, "cdlt pipeline %s: %s does not apply here; see 'cdlt pipeline --help'\n",
                c->name, opt);
        return CLI_USAGE;
    }
    if (format && strcmp(format, "yaml") != 0 && strcmp(format, "json") != 0)
        return usage_error("--format must be yaml or json, not '%s'", format);
    const char *const *args = pos + 2;
    size_t nargs = (size_t)(npos - 2);
    cdlt_pipeline *p = NULL;
    cdlt_status st = cdlt_pipeline_attach(name, dir, &p, &err);
    if (st == CDLT_NOT_FOUND && strcmp(c->name, "sync") == 0) {
        /* a fresh machine: state and schemas come from the destination. Opening creates
         * nothing; sync creates the working dir only when there is something to restore */
        cdlt_pipeline_options o;
        cdlt_pipeline_options_init(&o);
        o.pipeline_name = name;
        o.pipelines_dir = dir;
        o.destination = dest;
        o.credentials = cred;
        o.dataset_name = dataset;
        cdlt_error_clear(&err);
        st = cdlt_pipeline_open(&o, &p, &err);
    }
    if (st != CDLT_OK)
        return fail("cannot open the pipeline", &err, json);
    int code = CLI_OK;
    if (strcmp(c->name, "info") == 0) {
        st = cdlt_pipeline_info(p, json, &text, &err);
        code = print_text(st, text, &err, "info failed", json);
    } else if (strcmp(c->name, "schema") == 0) {
        st = cdlt_pipeline_schema_text(p, nargs ? args[0] : NULL, format ? format : "yaml",
                                       &text, &err);
        code = print_text(st, text, &err, "schema failed", false);
    } else if (strcmp(c->name, "trace") == 0) {
        st = cdlt_pipeline_trace_text(p, json, &text, &err);
        code = print_text(st, text, &err, "trace failed", json);
    } else if (strcmp(c->name, "load-package") == 0) {
        st = cdlt_pipeline_package_text(p, nargs ? args[0] : NULL, &text, &err);
        code = print_text(st, text, &err, "load-package failed", false);
    } else if (strcmp(c->name, "failed-jobs") == 0) {
        st = cdlt_pipeline_failed_jobs_text(p, &text, &err);
        code = print_text(st, text, &err, "failed-jobs failed", false);
    } else if (strcmp(c->name, "state") == 0) {
        st = cdlt_pipeline_state_text(p, &text, &err);
        code = print_text(st, text, &err, "state failed", false);
    } else if (strcmp(c->name, "reset-incremental") == 0 ||
               (strcmp(c->name, "drop") == 0 && (used & OPT_STATE_ONLY))) {
        st = cdlt_pipeline_reset_state(p, args, nargs, &err);
        if (st != CDLT_OK)
            code = fail("resetting the state failed", &err, false);
        else
            printf("The state (incremental cursors included) of the given resources of pipeline "
                   "%s was reset; their tables stay\n", name);
    } else if (strcmp(c->name, "drop") == 0) {
        st = cdlt_pipeline_drop(p, args, nargs, &err);
        if (st != CDLT_OK)
            code = fail("drop failed", &err, false);
        else
            printf("Dropped %s of pipeline %s from dataset %s\n",
                   nargs ? "the tables and state of the given resources" : "all tables", name,
                   cdlt_pipeline_dataset_name(p));
    } else if (strcmp(c->name, "drop-pending") == 0) {
        st = cdlt_pipeline_drop_pending(p, &err);
        if (st != CDLT_OK)
            code = fail("drop-pending failed", &err, false);
        else
            printf("Pending load packages of pipeline %s deleted\n", name);
    } else { /* sync */
        st = cdlt_pipeline_sync(p, &err);
        if (st != CDLT_OK)
            code = fail("sync failed", &err, false);
        else
            printf("Pipeline %s synchronized with the destination (dataset %s)\n", name,
                   cdlt_pipeline_dataset_name(p));
    }
    cdlt_pipeline_free(p);
    return code;
}
