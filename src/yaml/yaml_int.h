/* yaml_int.h: plain-scalar resolution shared by the YAML reader and writer (resolve.c), so what
 * the writer leaves unquoted is exactly what the reader types back as a string. */
#ifndef CDLT_YAML_INT_H
#define CDLT_YAML_INT_H

#include "yaml/yaml_io.h"

/* The value of plain scalar s[0..n) under `typing` (strings are copied into `a`). Check the
 * result with jv_failed (out of memory). */
jv yaml_resolve(arena *a, const char *s, size_t n, yaml_typing typing);
/* True when PyYAML would read the NUL-terminated plain text `s` as something other than a
 * string (bool, null, int, float, timestamp, merge or value key): the writer quotes it. */
bool yaml_pyyaml_non_string(const char *s);

#endif
