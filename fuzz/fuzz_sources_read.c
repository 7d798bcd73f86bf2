/* fuzz_sources_read.c: libFuzzer target for the file source's readers: the NDJSON line reader,
 * the JSON-array stream and whatever src_files_open picks by name or content (compressed files
 * included). The first input byte picks the file name's ending (.jsonl, .json, .jsonl.gz,
 * .jsonl.zst), the rest is the file. Properties: no crash, leak or hang; a data error names the
 * file and a line; and for an NDJSON file read without error, the item count of the verbatim
 * copy path (src_count_file, which parses only list lines) equals what the reader yields with
 * list lines split into their elements, as extract does. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp */
#endif
#include "sources/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INPUT (256 * 1024)
#define MAX_ITEMS 100000

static char g_dir[64];     /* private temp folder holding the input file */
static char g_path[4][96]; /* the file, one name per ending */

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
    snprintf(g_dir, sizeof g_dir, "/tmp/cdlt_fuzz_read_XXXXXX");
    if (!mkdtemp(g_dir))
        abort();
    static const char *const ext[4] = {".jsonl", ".json", ".jsonl.gz", ".jsonl.zst"};
    for (int i = 0; i < 4; i++)
        snprintf(g_path[i], sizeof g_path[i], "%s/in%s", g_dir, ext[i]);
    atexit(cleanup);
}

static void check_error(cdlt_status st, const cdlt_error *e, const char *path)
{
    if (st == CDLT_OK || e->code != st || !e->message[0] ||
        strnlen(e->message, sizeof e->message) == sizeof e->message)
        abort();
    if (st == CDLT_PARSE && (strcmp(e->file, path) != 0 || e->line < 1)) {
        fprintf(stderr, "parse error without its place: file '%s' line %lld: %s\n", e->file,
                (long long)e->line, e->message);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MAX_INPUT)
        return 0;
    init_once();
    const char *path = g_path[data[0] & 3];
    FILE *fp = fopen(path, "wb");
    if (!fp)
        abort();
    if (size > 1 && fwrite(data + 1, 1, size - 1, fp) != size - 1)
        abort();
    if (fclose(fp) != 0)
        abort();

    cdlt_error e;
    cdlt_error_clear(&e);
    src_files *f = NULL;
    cdlt_status st = src_files_open(path, &f, &e);
    if (st != CDLT_OK) {
        /* the file exists and is readable: only a refusal of its content is acceptable */
        if (f || st == CDLT_NOT_FOUND)
            abort();
        check_error(st, &e, path);
        unlink(path);
        return 0;
    }
    if (src_files_count(f) != 1 || strcmp(src_files_path(f, 0), path) != 0)
        abort();
    bool ndjson = src_files_is_ndjson(f, 0);
    arena a;
    arena_init(&a, 4096, 0);
    uint64_t items = 0;
    size_t n = 0;
    for (; n < MAX_ITEMS; n++) {
        jv v;
        const char *raw;
        size_t rawlen;
        bool eof = false;
        arena_reset(&a);
        st = src_files_next_raw(f, &a, &v, &raw, &rawlen, &eof, &e);
        if (st != CDLT_OK) {
            check_error(st, &e, path);
            break;
        }
        if (eof)
            break;
        if (raw && rawlen == 0)
            abort();
        items += v.type == JV_ARRAY ? v.len : 1;
    }
    if (st == CDLT_OK && n < MAX_ITEMS && ndjson) {
        uint64_t counted = 0;
        arena_reset(&a);
        cdlt_error_clear(&e);
        if (src_count_file(path, &a, NULL, NULL, &counted, NULL, &e) != CDLT_OK)
            abort();
        if (counted != items) {
            fprintf(stderr, "copy counts %llu items, the reader yields %llu\n",
                    (unsigned long long)counted, (unsigned long long)items);
            abort();
        }
    }
    arena_free(&a);
    src_files_close(f);
    unlink(path);
    return 0;
}
