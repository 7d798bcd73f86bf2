/* registry.c: maps a destination name from config ("duckdb") to its function table, so the
 * pipeline never names a backend directly. Adding a destination adds one line here. */
#include "destinations/destination.h"
#include "destinations/duckdb/duck.h"
#include "destinations/postgres/pg.h"

#include <string.h>

const dest_vtable *dest_find(const char *name)
{
    if (!name)
        return NULL;
    if (strcmp(name, "duckdb") == 0)
        return &duck_vtable;
    if (strcmp(name, "postgres") == 0)
        return &pg_vtable;
    return NULL;
}
