/* fuzz_sources_glob.c: libFuzzer target for the file source's path and glob handling
 * (src_files_open) over a small fixed tree in a private temp folder. The first byte picks a mode:
 *   0: the rest is a pattern under the tree. Whatever matches is a regular file inside the tree,
 *      listed once, in sorted order; a refusal is a non-OK status with a message and no object.
 *   1: the rest is a file name; the file is created and its exact path must match it (and only
 *      it): a literal name, even one holding '[', '*', '?' or '\', always names itself.
 *   2: a file of the tree is picked and part of one name component is replaced by '*' (or one
 *      byte by '?'); the pattern must still match that file.
 * Patterns that may match "." or ".." are skipped so a run never walks outside the tree. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, setenv, strnlen */
#endif
#include "sources/sources.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PATTERN 512

static char g_root[64]; /* the tree's root */

/* Relative paths of the tree's files; folders are made as needed. "dir.jsonl" is a folder. */
static const char *const TREE[] = {
    "a.jsonl",           "b.json",           "ab.jsonl",           "x1.jsonl",
    "x[1].jsonl",        ".hidden.jsonl",    "sp ace.jsonl",       "sub/c.jsonl",
    "sub/a.jsonl",       "sub/deep/d.jsonl", "sub/deep/e.json.gz", "sub/.h/f.jsonl",
    "other/g.ndjson",    "dir.jsonl/h.jsonl"};
#define NTREE (sizeof TREE / sizeof TREE[0])

static void rm_tree(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_sources_glob: could not remove %s\n", dir);
}

static void cleanup(void) { rm_tree(g_root); }

static void make_file(const char *rel)
{
    char p[MAX_PATTERN * 2];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    for (char *s = p + strlen(g_root) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(p, 0700);
        *s = '/';
    }
    FILE *f = fopen(p, "wb");
    if (!f || fputs("{\"id\": 1}\n", f) < 0 || fclose(f) != 0)
        abort();
}

/* Lazy, so the ctest replay program (which has no LLVMFuzzerInitialize) works the same. */
static void init_once(void)
{
    if (g_root[0])
        return;
    snprintf(g_root, sizeof g_root, "/tmp/cdlt_fuzz_glob_XXXXXX");
    if (!mkdtemp(g_root))
        abort();
    atexit(cleanup);
    for (size_t i = 0; i < NTREE; i++)
        make_file(TREE[i]);
    char lit[128];
    snprintf(lit, sizeof lit, "%s/lit", g_root);
    mkdir(lit, 0700);
}

static bool is_regular(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Open the pattern; check the result's invariants; return whether `want` (may be NULL) is among
 * the matches and set *n to their count (0 when refused). */
static bool open_check(const char *pattern, const char *want, size_t *n)
{
    src_files *f = (src_files *)1;
    cdlt_error e;
    cdlt_error_clear(&e);
    cdlt_status st = src_files_open(pattern, &f, &e);
    *n = 0;
    if (st != CDLT_OK) {
        if (f || !e.message[0] || strnlen(e.message, sizeof e.message) == sizeof e.message)
            abort();
        return false;
    }
    bool found = false;
    size_t rl = strlen(g_root);
    *n = src_files_count(f);
    if (*n == 0)
        abort();
    for (size_t i = 0; i < *n; i++) {
        const char *p = src_files_path(f, i);
        if (!p || strncmp(p, g_root, rl) != 0 || p[rl] != '/' || !is_regular(p))
            abort();
        if (i && strcmp(src_files_path(f, i - 1), p) >= 0)
            abort(); /* sorted, no duplicates */
        if (want && strcmp(p, want) == 0)
            found = true;
    }
    src_files_close(f);
    return found;
}

/* Whether some component of the pattern may match "." or "..": one starting with '.' (or "\\.")
 * whose next byte is not a letter or digit. glob(3) matches those entries with ".?" or ".*", and
 * a walk out of the tree meets other programs' files that come and go. */
static bool may_leave_tree(const char *p)
{
    for (const char *c = p; c; c = strchr(c, '/')) {
        while (*c == '/')
            c++;
        if (c[0] == '\\' && c[1] == '.')
            c++;
        if (c[0] == '.' && !isalnum((unsigned char)c[1]))
            return true;
    }
    return false;
}

static void mode_pattern(const char *rest, size_t n)
{
    char pat[MAX_PATTERN + 80];
    int w = snprintf(pat, sizeof pat, "%.*s", (int)n, rest);
    if (w < 0 || (size_t)w >= sizeof pat || strlen(pat) != (size_t)w || may_leave_tree(pat))
        return;
    w = snprintf(pat, sizeof pat, "%s/%.*s", g_root, (int)n, rest);
    if (w < 0 || (size_t)w >= sizeof pat)
        return;
    size_t cnt;
    open_check(pat, NULL, &cnt);
}

static void mode_literal(const char *rest, size_t n)
{
    char name[256];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof name - 1; i++)
        if (rest[i] != '/' && rest[i] != '\0')
            name[k++] = rest[i];
    name[k] = '\0';
    if (!k || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return;
    char rel[300], full[400];
    snprintf(rel, sizeof rel, "lit/%s", name);
    snprintf(full, sizeof full, "%s/%s", g_root, rel);
    make_file(rel);
    size_t cnt;
    bool found = open_check(full, full, &cnt);
    unlink(full);
    if (!found || cnt != 1) {
        fprintf(stderr, "literal name '%s' matched itself: %s, files matched: %zu\n", name,
                found ? "yes" : "no", cnt);
        abort();
    }
}

static void mode_wildcard(const uint8_t *d, size_t n)
{
    if (n < 3)
        return;
    const char *rel = TREE[d[0] % NTREE];
    if (strpbrk(rel, "[]*?\\") || strstr(rel, "dir.jsonl"))
        return; /* names with glob characters are mode 1's business */
    size_t len = strlen(rel);
    size_t i = d[1] % len, j = i + d[2] % 8;
    if (j > len)
        j = len;
    /* stay inside one component and keep a leading '.' (glob never lets a wildcard match it) */
    for (size_t k = i; k < j; k++)
        if (rel[k] == '/')
            return;
    if (rel[i] == '/' || (rel[i] == '.' && (i == 0 || rel[i - 1] == '/')))
        return;
    bool one = (d[2] & 0x80) != 0;
    if (one)
        j = i + 1;
    char pat[MAX_PATTERN], want[MAX_PATTERN];
    snprintf(pat, sizeof pat, "%s/%.*s%c%s", g_root, (int)i, rel, one ? '?' : '*', rel + j);
    snprintf(want, sizeof want, "%s/%s", g_root, rel);
    size_t cnt;
    if (!open_check(pat, want, &cnt)) {
        fprintf(stderr, "pattern '%s' does not match '%s'\n", pat, want);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > MAX_PATTERN)
        return 0;
    init_once();
    const char *rest = (const char *)data + 1;
    switch (data[0] % 3) {
    case 0:
        mode_pattern(rest, size - 1);
        break;
    case 1:
        mode_literal(rest, size - 1);
        break;
    default:
        mode_wildcard(data + 1, size - 1);
        break;
    }
    return 0;
}
