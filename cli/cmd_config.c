/* cmd_config.c: 'cdlt config' (placeholder until its subsystem lands). */
#include "cli.h"

#include <stdio.h>

int cmd_config(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cdlt: 'config' is not available in this build yet\n");
    return CLI_USAGE;
}
