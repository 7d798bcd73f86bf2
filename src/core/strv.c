/* strv.c: a growable list of owned strings (table names, load ids, ...), so the places that
 * collect names share one add / find / free instead of each growing its own char **. */
#include "core.h"

#include <string.h>

bool strv_has(const strv *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return true;
    return false;
}

cdlt_status strv_add(strv *s, const char *x)
{
    char **v = mem_grow(s->v, s->n, &s->cap, sizeof *v, 8);
    if (!v)
        return CDLT_NOMEM;
    s->v = v;
    if (!(v[s->n] = mem_strdup(x)))
        return CDLT_NOMEM;
    s->n++;
    return CDLT_OK;
}

cdlt_status strv_add_unique(strv *s, const char *x)
{
    return strv_has(s, x) ? CDLT_OK : strv_add(s, x);
}

void strv_clear(strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        mem_free(s->v[i]);
    s->n = 0;
}

void strv_free(strv *s)
{
    strv_clear(s);
    mem_free(s->v);
    s->v = NULL;
    s->cap = 0;
}
