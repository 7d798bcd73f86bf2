#define _GNU_SOURCE
/* main.c: cdlt-demo-api, the project's demo API server (tools/apiserver) as a program: the
 * README's main job and the benchmark run their rest_api pipelines against it.
 *   cdlt-demo-api [--port N] [--latency-ms N] [--events N] [--token T] [--api-key K]
 *                 [--port-file PATH] [--quiet]
 * Serves on 127.0.0.1 until SIGINT or SIGTERM. */
#include "apiserver.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

int main(int argc, char **argv)
{
    apiserver_opts o = {0};
    const char *port_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) {
            o.quiet = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "cdlt-demo-api: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--port"))
            o.port = atoi(v);
        else if (!strcmp(a, "--latency-ms"))
            o.latency_ms = atoi(v);
        else if (!strcmp(a, "--events"))
            o.events_total = atoi(v);
        else if (!strcmp(a, "--token"))
            o.token = v;
        else if (!strcmp(a, "--api-key"))
            o.api_key = v;
        else if (!strcmp(a, "--port-file"))
            port_file = v;
        else {
            fprintf(stderr, "cdlt-demo-api: unknown option %s\n", a);
            return 2;
        }
    }
    apiserver *s = apiserver_start(&o);
    if (!s)
        return 1;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("listening on %s\n", apiserver_url(s));
    fflush(stdout);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f) {
            fprintf(f, "%d\n", apiserver_port(s));
            fclose(f);
        }
    }
    while (!g_stop)
        pause();
    apiserver_stop(s);
    return 0;
}
