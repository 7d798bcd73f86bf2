/* yaml_io.h: the one YAML reader (libyaml events -> `jv`) and writer (`jv` -> PyYAML-style block
 * YAML) shared by pipeline definitions (config) and schema files (schema). */
#ifndef CDLT_YAML_IO_H
#define CDLT_YAML_IO_H

#include "core/core.h"
#include "json/json.h"

/* How plain (unquoted, untagged) scalars are typed. Quoted scalars and `!!str` are always
 * strings; a quoted scalar with an explicit !!int/!!float/!!bool/!!null tag is typed as if it
 * were plain. Mapping keys are always the key's text. */
typedef enum yaml_typing {
    YAML_TYPING_CORE = 0, /* YAML 1.2 core schema: true/false, null/~, 42, 0x1F, 0o17, 1e3,
                             .inf/.nan; yes/no/on/off are strings (pipeline definitions) */
    YAML_TYPING_PYYAML    /* YAML 1.1 as PyYAML's safe loader resolves it: also yes/no/on/off
                             booleans, 1_000, 017 octal, 0b101; 1e3 is a string; timestamps and
                             sexagesimals stay strings (dlt's schema files) */
} yaml_typing;

/* Parse one YAML document (block or flow style) into a tree in `a`, YAML 1.2 core typing.
 * Anchors, aliases and `<<` merge keys are resolved; aliases may expand to at most the input's
 * length plus 2^20 values (billion-laughs guard); nesting is capped at 256 levels. Integers
 * beyond 64 bits become JV_BIGNUM in canonical decimal. An empty document is JV_NULL; a second
 * document is an error. Errors are CDLT_PARSE "YAML: ..." with file:line:col and byte offset
 * (`file` may be NULL), or CDLT_NOMEM. */
cdlt_status yaml_read(const char *text, size_t len, const char *file, arena *a, jv *out,
                      cdlt_error *err);
/* yaml_read with a choice of scalar typing. */
cdlt_status yaml_read_typed(const char *text, size_t len, const char *file, yaml_typing typing,
                            arena *a, jv *out, cdlt_error *err);

/* Append `v` as block-style YAML byte for byte as PyYAML's yaml.dump(v, sort_keys=False,
 * default_flow_style=False, allow_unicode=True) writes it: indentless lists, strings quoted
 * only when PyYAML's YAML 1.1 resolvers would read them back as something else. Returns the
 * buffer's sticky status. */
cdlt_status yaml_write(const jv *v, buf *out);

#endif
