/* registry.c: maps a destination name from config ("duckdb") to its function table, so the
 * pipeline never names a backend directly. Adding a destination adds one line here. */
#include "destinations/destination.h"

#include <string.h>

/* Each backend's vtable.c defines one; their internal headers cannot be included together
 * (each defines its own struct destination). */
extern const dest_vtable duck_vtable;
extern const dest_vtable pg_vtable;
extern const dest_vtable fs_vtable;

const dest_vtable *dest_find(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "duckdb") == 0)
        return &duck_vtable;
    if (strcmp(name, "postgres") == 0)
        return &pg_vtable;
    if (strcmp(name, "filesystem") == 0)
        return &fs_vtable;
    return NULL;
}
