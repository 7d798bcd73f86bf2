/* tu_files.c: test helpers for files the tests write and the trees the code under test
 * writes: one call to put a definition or input file, and sorted path lists to check a
 * destination's layout file by file (local folders here; S3 listings fill a tu_list too). */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void tu_put(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (tu_write_file(path, text, strlen(text)) != 0)
        fail_msg("cannot write %s", path);
}

void tu_list_add(tu_list *l, const char *s)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *l->v);
    assert_non_null(v);
    l->v = v;
    l->v[l->n] = strdup(s);
    assert_non_null(l->v[l->n]);
    l->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tu_list_sort(tu_list *l)
{
    if (l->n)
        qsort(l->v, l->n, sizeof *l->v, cmp_str);
}

void tu_list_free(tu_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void walk(const char *root, const char *rel, tu_list *l)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char sub[4096], full[8200];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
            walk(root, sub, l);
        else
            tu_list_add(l, sub);
    }
    closedir(d);
}

tu_list tu_files_under(const char *root)
{
    tu_list l = {NULL, 0};
    walk(root, "", &l);
    tu_list_sort(&l);
    return l;
}

static int like(const char *s, const char *prefix, const char *suffix)
{
    size_t n = strlen(s), sl = strlen(suffix);
    return !strncmp(s, prefix, strlen(prefix)) && n >= sl && !strcmp(s + n - sl, suffix);
}

size_t tu_count_like(const tu_list *l, const char *prefix, const char *suffix)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++)
        k += like(l->v[i], prefix, suffix) ? 1 : 0;
    return k;
}

const char *tu_find_like(const tu_list *l, const char *prefix, const char *suffix)
{
    for (size_t i = 0; i < l->n; i++)
        if (like(l->v[i], prefix, suffix))
            return l->v[i];
    return NULL;
}
