/* cli.h: the cdlt command-line tool's commands. The CLI is a client of include/cdlt.h only. */
#ifndef CDLT_CLI_H
#define CDLT_CLI_H

#include "cdlt.h"

/* Exit codes shared by all commands. */
enum {
    CLI_OK = 0,
    CLI_FAILED = 1,   /* the operation ran and failed (bad data, destination error, ...) */
    CLI_USAGE = 2,    /* bad command line */
    CLI_CONFIG = 3,   /* missing or invalid configuration */
    CLI_PENDING = 4   /* pending packages need attention */
};

/* Each command gets argv starting at its own name. */
int cmd_config(int argc, char **argv);   /* cli/cmd_config.c */
int cmd_run(int argc, char **argv);      /* cli/cmd_run.c */
int cmd_pipeline(int argc, char **argv); /* cli/cmd_pipeline.c */
int cmd_init(int argc, char **argv);     /* cli/cmd_init.c */

/* The exact command line for `cdlt pipeline NAME cmd` on p: with --pipelines-dir when its
 * pipelines dir is not the default one. */
void cli_pipeline_command(cdlt_pipeline *p, const char *cmd, char *out, size_t cap);
/* Print an error with its status name to stderr. */
void cli_print_error(const char *what, const cdlt_error *err);
/* --json on failure: one line on stdout,
 * {"error": {"status": "CDLT_X", "exit_code": N, "what": ..., "message": ...}}. */
void cli_print_json_error(const char *what, const cdlt_error *err, int exit_code);

#endif
