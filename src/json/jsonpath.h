/* jsonpath.h: the JSONPath subset dlt users write (rest_api's data_selector, next_url_path,
 * cursor_path, total_path and parent field references; reusable by any source): "$", "$.a.b", "a.b", "a[0]", "a[*]", "a.*",
 * "['@odata.nextLink']", "$..x" is refused with a clear error. Compiled once, evaluated per
 * response without allocating except in the caller's arena. */
#ifndef CDLT_JSONPATH_H
#define CDLT_JSONPATH_H

#include "json.h"

typedef struct jpath_seg {
    const char *key; /* member name, or NULL for an index / wildcard */
    int64_t idx;     /* array index (>= 0), or -1 = wildcard (every member or item) */
} jpath_seg;

typedef struct jpath {
    jpath_seg *segs;
    size_t n;        /* 0 = "$" (the whole document) */
    const char *text;
} jpath;

/* Compile `text` into segments living in `a`. CDLT_CONFIG with a message naming the path
 * when it uses a form cdlt does not read (filters, recursive descent, slices). */
cdlt_status jpath_compile(const char *text, arena *a, jpath *out, cdlt_error *err);
/* The first match, or NULL. */
const jv *jpath_first(const jpath *p, const jv *root);
/* Every match in document order, into out (an array value built in `a`); *out_n the count. */
cdlt_status jpath_all(const jpath *p, const jv *root, arena *a, jv *out);
/* True when the path has a wildcard (so it may match several values). */
bool jpath_has_wildcard(const jpath *p);

#endif
