/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tu_shared_path(const char *rel)
{
    static char path[4096];
    const char *base = getenv("CDLT_SHARED_DIR");
    snprintf(path, sizeof path, "%s/%s", base && *base ? base : CDLT_SHARED_DIR, rel);
    return path;
}

const char *tu_source_path(const char *rel)
{
    static char path[4096];
    const char *base = getenv("CDLT_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/%s", base && *base ? base : CDLT_SOURCE_DIR, rel);
    return path;
}

char *tu_mkdtemp(const char *tag)
{
    char tmpl[512];
    const char *t = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/cdlt-%s-XXXXXX", t && *t ? t : "/tmp", tag ? tag : "t");
    char *p = mkdtemp(tmpl);
    return p ? strdup(p) : NULL;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_rm_rf(const char *path)
{
    if (path)
        nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    if (out_len)
        *out_len = got;
    return buf;
}

int tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = fwrite(data, 1, len, f);
    return fclose(f) == 0 && put == len ? 0 : -1;
}

int tu_alloc_failure_sweep(tu_alloc_fn fn, void *ud, int max_points)
{
    int points = 0;
    for (int n = 1; n <= max_points; n++) {
        int64_t live = cdlt_alloc_live();
        cdlt_alloc_fail_at((uint64_t)n, false);
        cdlt_status st = fn(ud);
        cdlt_alloc_fail_at(0, false);
        if (cdlt_alloc_live() != live) {
            fprintf(stderr, "alloc sweep: leak after failing allocation #%d (status %s)\n", n,
                    cdlt_status_name(st));
            fail();
        }
        if (st == CDLT_OK)
            return points;
        points++;
    }
    return points;
}
