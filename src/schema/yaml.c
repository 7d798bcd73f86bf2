/* yaml.c: YAML for schema export/import over the shared reader and writer (src/yaml). Export
 * writes what PyYAML's yaml.dump writes; import types plain scalars as PyYAML's safe loader does
 * (YAML 1.1: yes/no booleans, ~ null, 0x/0o/1_000 ints), since dlt's schema files come from it. */
#include "schema/schema.h"
#include "schema/schema_int.h"
#include "yaml/yaml_io.h"

cdlt_status schema_yaml_emit(const jv *v, buf *out)
{
    return yaml_write(v, out);
}

cdlt_status schema_to_yaml(const schema *s, bool strip_defaults, buf *out)
{
    arena a;
    arena_init(&a, 64 * 1024, 0);
    schema_doc_opts o = {strip_defaults, false, false, false, strip_defaults};
    jv doc;
    cdlt_status st = schema_to_jv(s, &o, &a, &doc);
    if (st == CDLT_OK)
        st = yaml_write(&doc, out);
    arena_free(&a);
    return st;
}

cdlt_status schema_yaml_parse(const char *text, size_t len, const char *file, arena *a, jv *out,
                              cdlt_error *err)
{
    cdlt_status st = yaml_read_typed(text, len, file ? file : "<yaml>", YAML_TYPING_PYYAML, a,
                                     out, err);
    if (st == CDLT_PARSE)
        err_prefix(err, "invalid schema ");
    return st;
}
