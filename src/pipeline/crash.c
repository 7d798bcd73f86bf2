/* crash.c: the crash-safety test hook. CDLT_TEST_CRASH_AT=<point>[:<n>] makes the process
 * SIGKILL itself at the n-th (default first) pass through that point, so tests can prove that
 * a killed run loses and doubles nothing. The env var is read once: no cost otherwise. */
#include "pipeline.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void pipe_crash_point(const char *point)
{
    static int inited;    /* 0 unread, 1 off, 2 armed */
    static char want[64]; /* point name to crash at */
    static long nth;      /* crash at this pass (1-based) */
    static long seen;     /* passes so far */
    if (CDLT_LIKELY(inited == 1))
        return;
    if (inited == 0) {
        const char *v = getenv("CDLT_TEST_CRASH_AT");
        if (!v || !*v) {
            inited = 1;
            return;
        }
        snprintf(want, sizeof want, "%s", v);
        char *colon = strchr(want, ':');
        nth = 1;
        if (colon) {
            *colon = '\0';
            nth = strtol(colon + 1, NULL, 10);
            if (nth < 1)
                nth = 1;
        }
        inited = 2;
    }
    if (strcmp(point, want) != 0)
        return;
    if (++seen < nth)
        return;
    fprintf(stderr, "cdlt: test hook: crashing at '%s'\n", point);
    fflush(stderr);
    raise(SIGKILL);
    _exit(137); /* not reached */
}
