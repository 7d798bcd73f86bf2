/* cmd_run.c: 'cdlt run' (placeholder until its subsystem lands). */
#include "cli.h"

#include <stdio.h>

int cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cdlt: 'run' is not available in this build yet\n");
    return CLI_USAGE;
}
