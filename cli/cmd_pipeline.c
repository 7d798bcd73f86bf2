/* cmd_pipeline.c: `cdlt pipeline NAME info|schema|trace|load-package|failed-jobs|drop|sync|
 * drop-pending` and `cdlt pipeline --list`: inspection and management of a working dir. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void pl_usage(FILE *out)
{
    fprintf(out,
            "usage: cdlt pipeline --list [--pipelines-dir DIR]\n"
            "       cdlt pipeline NAME COMMAND [args] [--pipelines-dir DIR]\n\n"
            "commands:\n"
            "  info [--json]              state, schemas, tables and packages\n"
            "  schema [--format yaml|json] the default schema (yaml by default)\n"
            "  trace [--json]             the last run: timings, packages, rows per table\n"
            "  load-package [LOAD_ID]     a load package (newest by default) and its jobs\n"
            "  failed-jobs                failed jobs and their error messages\n"
            "  drop [RESOURCE...]         drop tables + state of resources (all when none)\n"
            "  drop-pending               delete pending (extracted/normalized) packages\n"
            "  sync [--destination D] [--credentials C] [--dataset-name DS]\n"
            "                             restore state and schemas from the destination\n");
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

static int print_text(cdlt_status st, char *text, const cdlt_error *err, const char *what)
{
    if (st != CDLT_OK) {
        cli_print_error(what, err);
        return code_for(st);
    }
    fputs(text, stdout);
    size_t n = strlen(text);
    if (n && text[n - 1] != '\n')
        fputc('\n', stdout);
    cdlt_string_free(text);
    return CLI_OK;
}

int cmd_pipeline(int argc, char **argv)
{
    const char *dir = NULL, *format = NULL, *dest = NULL, *cred = NULL, *dataset = NULL;
    const char *pos[64];
    int npos = 0;
    bool json = false, list = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool nx = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            pl_usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--pipelines-dir") == 0 && nx) {
            dir = argv[++i];
        } else if (strcmp(a, "--format") == 0 && nx) {
            format = argv[++i];
        } else if (strcmp(a, "--destination") == 0 && nx) {
            dest = argv[++i];
        } else if (strcmp(a, "--credentials") == 0 && nx) {
            cred = argv[++i];
        } else if (strcmp(a, "--dataset-name") == 0 && nx) {
            dataset = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "cdlt pipeline: unknown or incomplete option '%s'\n", a);
            return CLI_USAGE;
        } else if (npos < 64) {
            pos[npos++] = a;
        }
    }
    cdlt_error err;
    cdlt_error_clear(&err);
    char *text = NULL;
    if (list || (npos == 1 && strcmp(pos[0], "list") == 0)) {
        cdlt_status st = cdlt_pipelines_list(dir, &text, &err);
        return print_text(st, text, &err, "cannot list pipelines");
    }
    if (npos < 2) {
        pl_usage(stderr);
        return CLI_USAGE;
    }
    const char *name = pos[0], *cmd = pos[1];
    if (format && strcmp(format, "yaml") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "cdlt pipeline: --format must be yaml or json\n");
        return CLI_USAGE;
    }
    cdlt_pipeline *p = NULL;
    cdlt_status st = cdlt_pipeline_attach(name, dir, &p, &err);
    if (st == CDLT_NOT_FOUND && strcmp(cmd, "sync") == 0) {
        /* a fresh machine: state and schemas come from the destination */
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
    if (st != CDLT_OK) {
        cli_print_error("cannot open the pipeline", &err);
        return code_for(st);
    }
    int code = CLI_OK;
    if (strcmp(cmd, "info") == 0 || strcmp(cmd, "show") == 0) {
        st = cdlt_pipeline_info(p, json, &text, &err);
        code = print_text(st, text, &err, "info failed");
    } else if (strcmp(cmd, "schema") == 0) {
        st = cdlt_pipeline_schema_text(p, npos > 2 ? pos[2] : NULL, format ? format : "yaml",
                                       &text, &err);
        code = print_text(st, text, &err, "schema failed");
    } else if (strcmp(cmd, "trace") == 0) {
        st = cdlt_pipeline_trace_text(p, json, &text, &err);
        code = print_text(st, text, &err, "trace failed");
    } else if (strcmp(cmd, "load-package") == 0) {
        st = cdlt_pipeline_package_text(p, npos > 2 ? pos[2] : NULL, &text, &err);
        code = print_text(st, text, &err, "load-package failed");
    } else if (strcmp(cmd, "failed-jobs") == 0) {
        st = cdlt_pipeline_failed_jobs_text(p, &text, &err);
        code = print_text(st, text, &err, "failed-jobs failed");
    } else if (strcmp(cmd, "drop") == 0) {
        st = cdlt_pipeline_drop(p, pos + 2, (size_t)(npos - 2), &err);
        if (st != CDLT_OK) {
            cli_print_error("drop failed", &err);
            code = code_for(st);
        } else {
            printf("Dropped %s of pipeline %s from dataset %s\n",
                   npos > 2 ? "the tables and state of the given resources" : "all tables",
                   name, cdlt_pipeline_dataset_name(p));
        }
    } else if (strcmp(cmd, "drop-pending") == 0) {
        st = cdlt_pipeline_drop_pending(p, &err);
        if (st != CDLT_OK) {
            cli_print_error("drop-pending failed", &err);
            code = code_for(st);
        } else {
            printf("Pending load packages of pipeline %s deleted\n", name);
        }
    } else if (strcmp(cmd, "sync") == 0) {
        st = cdlt_pipeline_sync(p, &err);
        if (st != CDLT_OK) {
            cli_print_error("sync failed", &err);
            code = code_for(st);
        } else {
            printf("Pipeline %s synchronized with the destination (dataset %s)\n", name,
                   cdlt_pipeline_dataset_name(p));
        }
    } else {
        fprintf(stderr, "cdlt pipeline: unknown command '%s'\n", cmd);
        pl_usage(stderr);
        code = CLI_USAGE;
    }
    cdlt_pipeline_free(p);
    return code;
}
