/* srckinds.c: the declarative sources a definition file can name, as one table. Each kind is
 * a wiring that turns dlt's config dict into cdlt resources (rest.c, sqlsrc.c, fssrc.c);
 * from there every source is the same thing to extract: resources with a run callback. A new
 * kind is a row here plus its wiring, not another branch in definition.c. */
#include "pipeline.h"

#include <string.h>

static const pipe_source_kind KINDS[] = {
    /* top-level `rest_api = {...}`: dlt's rest_api_source dict */
    {"rest_api", "rest_api", "docs/rest_api.md", pipe_rest_add},
    /* `source = {type = ...}` */
    {"sql_database", "sql_database", "docs/sql_database.md", pipe_sql_add},
    {"sql_table", NULL, "docs/sql_database.md", pipe_sql_add}, /* source named as the pipeline */
    {"filesystem", "filesystem", "docs/filesystem_source.md", pipe_fs_add},
};

const pipe_source_kind *pipe_source_kind_find(const char *type, bool in_source)
{
    for (size_t i = 0; type && i < sizeof KINDS / sizeof *KINDS; i++)
        if (strcmp(KINDS[i].type, type) == 0 &&
            (!in_source || strcmp(KINDS[i].type, "rest_api") != 0))
            return &KINDS[i];
    return NULL;
}

void pipe_source_kinds_list(buf *out)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++) {
        if (strcmp(KINDS[i].type, "rest_api") == 0)
            continue;
        if (n++)
            buf_puts(out, ", ");
        buf_printf(out, "\"%s\" (%s)", KINDS[i].type, KINDS[i].doc);
    }
}
