/* schema_int.h: helpers shared between the schema engine's files (not for other subsystems);
 * kept out of schema.h so the public-to-the-project model stays small. */
#ifndef CDLT_SCHEMA_INT_H
#define CDLT_SCHEMA_INT_H

#include "schema/schema.h"

/* Copy a NUL-terminated string into the schema arena (NULL in -> NULL out). */
char *schema_strdup(schema *s, const char *str);
/* An empty schema: no tables, no settings, defaults of the struct only (document loading). */
cdlt_status schema_alloc(const char *name, schema **out, cdlt_error *err);
/* Add _dlt_version and _dlt_loads when missing (with their dlt columns). */
cdlt_status schema_add_system_tables(schema *s, cdlt_error *err);
/* Free the compiled regexes (hints.c). */
void schema_regex_cache_free(schema *s);
/* Compile (or fetch) the regex of a "re:" pattern; NULL + message in err when invalid. */
const void *schema_regex_get(schema *s, const char *pattern, cdlt_error *err);

/* Column hint name -> HINT_* bit (0 for not_null and unknown names). */
uint32_t schema_hint_bit(const char *hint);

/* Insert a new table without checks (the name must be absent; parent is not required to
 * exist: documents may list tables in any order). */
cdlt_status schema_table_insert(schema *s, const char *name, const char *parent,
                                schema_table **out, cdlt_error *err);

/* Merge the relational normalizer's default hints (no duplicates), as dlt does on every
 * schema load (extend_schema). */
cdlt_status schema_add_normalizer_hints(schema *s, cdlt_error *err);

/* Prepend a hash to previous_hashes (no duplicates, max 10). `hash` must live in s->mem. */
void schema_store_prev_hash(schema *s, const char *hash);

#endif
