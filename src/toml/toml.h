/* toml.h: our TOML 1.0 reader. Produces the same `jv` tree as the JSON reader (tables ->
 * JV_OBJECT in key order, arrays -> JV_ARRAY) plus the date/time kinds, so the rest of cdlt
 * sees one config tree. Errors name file, line and column. */
#ifndef CDLT_TOML_H
#define CDLT_TOML_H

#include "json/json.h"

/* Parse a whole TOML document. `file` is used in error messages (may be NULL). All values are
 * allocated in `a`; *out is a JV_OBJECT. */
cdlt_status toml_parse(const char *text, size_t len, const char *file, arena *a, jv *out,
                       cdlt_error *err);

#endif /* CDLT_TOML_H */
