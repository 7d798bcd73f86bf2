/* fuzz_pipeline_definition.c: libFuzzer target for pipeline definition files (TOML, YAML, JSON)
 * through the public loader: cdlt_definition_load, _options and _source. The first input byte
 * picks the file name's extension (.toml, .yaml, .json, or none: detect by content), the rest
 * is the file. Properties: no crash, leak or hang; a refused file gives a non-OK status, no
 * object and a non-empty message that names the file; an accepted one yields a pipeline name
 * and either a source whose resources all have names or a well-formed error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, setenv, strnlen */
#endif
#include "cdlt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INPUT (64 * 1024)

static char g_dir[64];   /* private temp folder holding the definition file */
static char g_path[4][96]; /* the file, one name per extension choice */

static void cleanup(void)
{
    for (int i = 0; i < 4; i++)
        unlink(g_path[i]);
    rmdir(g_dir);
}

/* Lazy, so the ctest replay program (which has no LLVMFuzzerInitialize) works the same. */
static void init_once(void)
{
    if (g_dir[0])
        return;
    snprintf(g_dir, sizeof g_dir, "/tmp/cdlt_fuzz_def_XXXXXX");
    if (!mkdtemp(g_dir))
        abort();
    static const char *const ext[4] = {".toml", ".yaml", ".json", ""};
    for (int i = 0; i < 4; i++)
        snprintf(g_path[i], sizeof g_path[i], "%s/pipeline%s", g_dir, ext[i]);
    /* No .dlt/ of the working folder or credentials from the caller's environment: each input
     * alone decides the outcome, so findings replay anywhere. */
    setenv("DLT_PROJECT_DIR", g_dir, 1);
    unsetenv("CREDENTIALS");
    unsetenv("DESTINATION__CREDENTIALS");
    unsetenv("DESTINATION__DUCKDB__CREDENTIALS");
    atexit(cleanup);
}

static void check_error(cdlt_status st, const cdlt_error *e, const char *path)
{
    if (st == CDLT_OK || e->code != st)
        abort();
    size_t n = strnlen(e->message, sizeof e->message);
    if (n == 0 || n == sizeof e->message)
        abort();
    /* Configuration and parse errors are about this file, so they must say which one. A
     * registered secret that happens to occur in the path is masked there too ("***"): the
     * masker cannot know the path is harmless, and hiding too much beats leaking. */
    if ((st == CDLT_CONFIG || st == CDLT_PARSE) && !strstr(e->message, path) &&
        strcmp(e->file, path) != 0 && !strstr(e->message, "***")) {
        fprintf(stderr, "error does not name the file: %s\n", e->message);
        abort();
    }
    if (st == CDLT_PARSE && (e->line < 1 || e->column < 1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MAX_INPUT)
        return 0;
    init_once();
    const char *path = g_path[data[0] & 3];
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1)
        abort();
    if (fclose(f) != 0)
        abort();

    cdlt_error e;
    cdlt_error_clear(&e);
    cdlt_definition *d = (cdlt_definition *)1;
    cdlt_status st = cdlt_definition_load(path, &d, &e);
    if (st != CDLT_OK) {
        if (d)
            abort();
        check_error(st, &e, path);
    } else {
        cdlt_pipeline_options o;
        memset(&o, 0, sizeof o);
        cdlt_definition_options(d, &o);
        if (!o.pipeline_name || !o.destination)
            abort();
        cdlt_source *s = (cdlt_source *)1;
        cdlt_error_clear(&e);
        st = cdlt_definition_source(d, &s, &e);
        if (st == CDLT_OK) {
            size_t n = cdlt_source_resource_count(s);
            if (n == 0)
                abort();
            for (size_t i = 0; i < n; i++)
                if (!cdlt_resource_name(cdlt_source_resource(s, i)))
                    abort();
            cdlt_source_free(s);
        } else {
            if (s)
                abort();
            check_error(st, &e, path);
        }
        cdlt_definition_free(d);
    }
    unlink(path);
    cdlt_secret_clear(); /* the loader registers credentials; keep the masker list short */
    return 0;
}
