/* glob.c: a user's file path or pattern to the list of paths it names. glob(3) does the
 * ordinary wildcards; '**' as a whole path segment (dlt's filesystem globs, fsspec style)
 * matches any number of folders, zero included, so the pattern sub, **, *.jsonl (joined by
 * slashes) also finds "sub/a.jsonl". The walk skips hidden folders (a '*' does not match a leading '.' either)
 * and does not follow symlinked folders, so a link loop cannot make it run forever. */
#include "input.h"
#include "sources.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WALK_DEPTH 64 /* folders deeper than this under a '**' are not searched */

char *src_expand_home(const char *path)
{
    if (path[0] != '~')
        return mem_strdup(path);
    const char *rest = path + 1;
    const char *slash = strchr(rest, '/');
    size_t ulen = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *home = NULL;
    if (ulen == 0) {
        home = getenv("HOME");
        if (!home || !*home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
    } else {
        char user[256];
        if (ulen >= sizeof user)
            return mem_strdup(path);
        memcpy(user, rest, ulen);
        user[ulen] = '\0';
        struct passwd *pw = getpwnam(user);
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home) /* no such user or no home: the path stays as written (and will not be found) */
        return mem_strdup(path);
    const char *tail = rest + ulen;
    size_t n = strlen(home) + strlen(tail) + 1;
    char *out = mem_alloc(n);
    if (out)
        snprintf(out, n, "%s%s", home, tail);
    return out;
}

static bool has_glob_chars(const char *s) { return strpbrk(s, "*?[") != NULL; }

/* Offset of the first "**" path segment in p, or -1. */
static ptrdiff_t star2_segment(const char *p)
{
    for (const char *s = p; (s = strstr(s, "**")); s++) {
        bool starts = s == p || s[-1] == '/';
        bool ends = s[2] == '\0' || s[2] == '/';
        if (starts && ends)
            return s - p;
    }
    return -1;
}

typedef struct expand_ctx {
    strv *out;      /* the results (unsorted until the end) */
    cdlt_error *err; /* where failures go */
} expand_ctx;

static cdlt_status expand_into(expand_ctx *c, const char *pattern, int depth);

/* Every regular file and folder under dir (hidden entries skipped), at any depth. */
static cdlt_status add_all_under(expand_ctx *c, const char *dir, int depth)
{
    if (depth > MAX_WALK_DEPTH)
        return CDLT_OK;
    DIR *d = opendir(*dir ? dir : ".");
    if (!d)
        return CDLT_OK; /* vanished or unreadable: nothing found there, as glob(3) does */
    cdlt_status st = CDLT_OK;
    struct dirent *e;
    while (st == CDLT_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = mem_alloc(n);
        if (!p) {
            st = err_nomem(c->err);
            break;
        }
        snprintf(p, n, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", e->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                st = add_all_under(c, p, depth + 1);
            else if (S_ISREG(sb.st_mode) || (S_ISLNK(sb.st_mode) && stat(p, &sb) == 0 &&
                                              S_ISREG(sb.st_mode)))
                st = strv_add(c->out, p) != CDLT_OK ? err_nomem(c->err) : CDLT_OK;
        }
        mem_free(p);
    }
    closedir(d);
    return st;
}

/* Apply `rest` (the pattern after a '**' segment) in dir and in every folder below it. */
static cdlt_status walk_rest(expand_ctx *c, const char *dir, const char *rest, int depth)
{
    if (depth > MAX_WALK_DEPTH)
        return CDLT_OK;
    size_t n = strlen(dir) + strlen(rest) + 2;
    char *p = mem_alloc(n);
    if (!p)
        return err_nomem(c->err);
    snprintf(p, n, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", rest);
    cdlt_status st = expand_into(c, p, depth + 1);
    mem_free(p);
    if (st != CDLT_OK)
        return st;
    DIR *d = opendir(*dir ? dir : ".");
    if (!d)
        return CDLT_OK;
    struct dirent *e;
    while (st == CDLT_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t m = strlen(dir) + strlen(e->d_name) + 2;
        char *sub = mem_alloc(m);
        if (!sub) {
            st = err_nomem(c->err);
            break;
        }
        snprintf(sub, m, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ? "/" : "", e->d_name);
        struct stat sb;
        if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            st = walk_rest(c, sub, rest, depth + 1);
        mem_free(sub);
    }
    closedir(d);
    return st;
}

static cdlt_status expand_into(expand_ctx *c, const char *pattern, int depth)
{
    ptrdiff_t k = star2_segment(pattern);
    if (k < 0) {
        if (!has_glob_chars(pattern)) {
            struct stat sb;
            if (lstat(pattern, &sb) == 0 && strv_add(c->out, pattern) != CDLT_OK)
                return err_nomem(c->err);
            return CDLT_OK;
        }
        glob_t g;
        memset(&g, 0, sizeof g);
        int rc = glob(pattern, GLOB_NOSORT, NULL, &g); /* no GLOB_ERR: missing folder = no match */
        cdlt_status st = CDLT_OK;
        if (rc == GLOB_NOSPACE)
            st = err_nomem(c->err);
        else if (rc != 0 && rc != GLOB_NOMATCH)
            st = err_set(c->err, CDLT_IO, "cannot expand '%s': read error", pattern);
        for (size_t i = 0; st == CDLT_OK && rc == 0 && i < g.gl_pathc; i++)
            if (strv_add(c->out, g.gl_pathv[i]) != CDLT_OK)
                st = err_nomem(c->err);
        globfree(&g);
        return st;
    }
    /* prefix = the folders before '**' (itself a pattern), rest = what follows it */
    char *prefix = mem_alloc((size_t)k + 1);
    if (!prefix)
        return err_nomem(c->err);
    memcpy(prefix, pattern, (size_t)k);
    prefix[k] = '\0';
    const char *rest = pattern + k + 2;
    while (*rest == '/')
        rest++;
    strv bases = {0};
    cdlt_status st = CDLT_OK;
    if (!*prefix || !has_glob_chars(prefix)) {
        st = strv_add(&bases, prefix) != CDLT_OK ? err_nomem(c->err) : CDLT_OK;
    } else {
        expand_ctx bc = {&bases, c->err};
        st = expand_into(&bc, prefix, depth + 1);
    }
    for (size_t i = 0; st == CDLT_OK && i < bases.n; i++) {
        struct stat sb;
        const char *b = bases.v[i];
        if (*b && (stat(b, &sb) != 0 || !S_ISDIR(sb.st_mode)))
            continue;
        st = *rest ? walk_rest(c, b, rest, depth) : add_all_under(c, b, depth);
    }
    strv_free(&bases);
    mem_free(prefix);
    return st;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

cdlt_status src_expand(const char *pattern, strv *out, bool *out_literal, cdlt_error *err)
{
    *out_literal = false;
    char *p = src_expand_home(pattern);
    if (!p)
        return err_nomem(err);
    struct stat sb;
    cdlt_status st = CDLT_OK;
    if (stat(p, &sb) == 0 || !has_glob_chars(p)) {
        /* taken as written: an existing "x[1].jsonl" is that file, not a character class */
        *out_literal = true;
        if (strv_add(out, p) != CDLT_OK)
            st = err_nomem(err);
    } else {
        expand_ctx c = {out, err};
        st = expand_into(&c, p, 0);
    }
    mem_free(p);
    if (st != CDLT_OK)
        return st;
    if (out->n > 1) {
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
        size_t w = 1; /* two '**' segments may reach a file along several routes */
        for (size_t r = 1; r < out->n; r++) {
            if (strcmp(out->v[r], out->v[w - 1]) == 0)
                mem_free(out->v[r]);
            else
                out->v[w++] = out->v[r];
        }
        out->n = w;
    }
    return out->n ? CDLT_OK : CDLT_NOT_FOUND;
}
