/* definition.c: pipeline definition files in TOML, YAML or JSON, all read into one `jv` tree so
 * the rest of cdlt does not care which format the user wrote. YAML goes through the shared
 * reader (src/yaml) with YAML 1.2 core-schema typing, anchors, aliases and `<<`. */
#include "config.h"

#include "toml/toml.h"
#include "yaml/yaml_io.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* The YAML reader is shared with schema files (src/yaml); definitions use the YAML 1.2 core
 * schema so `yes`/`no` stay strings. */
cdlt_status cfg_yaml_parse(const char *text, size_t len, const char *name, arena *a, jv *out,
                           cdlt_error *err)
{
    return yaml_read(text, len, name, a, out, err);
}

/* ---- format detection and loading ---- */

static cfg_format by_extension(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot)
        return CFG_FMT_AUTO;
    if (strcasecmp(dot, ".toml") == 0)
        return CFG_FMT_TOML;
    if (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0)
        return CFG_FMT_YAML;
    if (strcasecmp(dot, ".json") == 0)
        return CFG_FMT_JSON;
    return CFG_FMT_AUTO;
}

cdlt_status cfg_definition_parse(const char *text, size_t len, const char *name, cfg_format fmt,
                                 arena *a, jv *out, cdlt_error *err)
{
    /* Editors on Windows write a UTF-8 byte order mark; it is not content in any format.
     * libyaml handles BOMs itself (also before later documents), so YAML gets the text as
     * it is: stripping one made "BOM BOM ..." parse differently (fuzz_config_yaml). */
    const char *raw = text;
    size_t rawlen = len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    if (fmt == CFG_FMT_AUTO)
        fmt = by_extension(name);
    json_opts jo = {.max_depth = 512, .file = name};
    switch (fmt) {
    case CFG_FMT_TOML:
        return toml_parse(text, len, name, a, out, err);
    case CFG_FMT_YAML:
        return cfg_yaml_parse(raw, rawlen, name, a, out, err);
    case CFG_FMT_JSON:
        return json_parse(text, len, a, &jo, out, err);
    case CFG_FMT_AUTO:
        break;
    }
    /* By content: JSON starts with '{' (or '[' when it parses); TOML next; YAML last. */
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && text[i] == '{')
        return json_parse(text, len, a, &jo, out, err);
    if (i < len && text[i] == '[' && json_parse(text, len, a, &jo, out, NULL) == CDLT_OK)
        return CDLT_OK;
    cdlt_error toml_err;
    cdlt_error_clear(&toml_err);
    cdlt_status st = toml_parse(text, len, name, a, out, &toml_err);
    if (st == CDLT_OK || st == CDLT_NOMEM) {
        if (st == CDLT_NOMEM)
            err_nomem(err);
        return st;
    }
    st = cfg_yaml_parse(raw, rawlen, name, a, out, err);
    if (st == CDLT_OK && out->type != JV_OBJECT) {
        /* Neither format gave a table: report what TOML said, it is the likelier intent. */
        if (err)
            *err = toml_err;
        return err_hint(err, "name the file .toml, .yaml or .json so its format is known");
    }
    return st;
}

cdlt_status cfg_definition_load(const char *path, cfg_format fmt, arena *a, jv *out,
                                cdlt_error *err)
{
    char *text = NULL;
    size_t len = 0;
    cdlt_status st = cfg_read_file(path, &text, &len, err);
    if (st == CDLT_NOT_FOUND)
        return err_set(err, CDLT_NOT_FOUND, "pipeline definition %s does not exist; check the path",
                       path);
    if (st != CDLT_OK)
        return st;
    st = cfg_definition_parse(text, len, path, fmt, a, out, err);
    mem_free(text);
    return st;
}
