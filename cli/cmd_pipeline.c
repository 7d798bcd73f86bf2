/* cmd_pipeline.c: 'cdlt pipeline' (placeholder until its subsystem lands). */
#include "cli.h"

#include <stdio.h>

int cmd_pipeline(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cdlt: 'pipeline' is not available in this build yet\n");
    return CLI_USAGE;
}
