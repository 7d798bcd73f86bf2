/* formats.c: picking a destination's load-file writer by dlt's loader_file_format name or by
 * a load file's extension. */
#include "destinations/destination.h"

#include <string.h>

bool dest_is_loader_file_format(const char *name)
{
    /* dlt 1.26 LOADER_FILE_FORMATS */
    static const char *const ALL[] = {"jsonl",     "typed-jsonl", "insert_values", "parquet",
                                      "csv",       "reference",   "model"};
    for (size_t i = 0; name && i < CDLT_ARRAY_LEN(ALL); i++)
        if (strcmp(ALL[i], name) == 0)
            return true;
    return false;
}

const dest_writer_ops *dest_writer_find(const dest_vtable *v, const char *format)
{
    for (size_t i = 0; v && format && v->formats && v->formats[i]; i++)
        if (strcmp(v->formats[i]->format, format) == 0)
            return v->formats[i];
    return NULL;
}

const dest_writer_ops *dest_writer_for_file(const dest_vtable *v, const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    const char *name = slash ? slash + 1 : path;
    if (!name)
        return NULL;
    size_t n = strlen(name);
    if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
        n -= 3;
    for (size_t i = 0; v && v->formats && v->formats[i]; i++) {
        const char *e = v->formats[i]->ext;
        size_t el = strlen(e);
        if (n > el + 1 && name[n - el - 1] == '.' && memcmp(name + n - el, e, el) == 0)
            return v->formats[i];
    }
    return NULL;
}

void dest_format_list(const dest_vtable *v, buf *out)
{
    buf_clear(out);
    for (size_t i = 0; v && v->formats && v->formats[i]; i++)
        buf_printf(out, "%s%s", i ? ", " : "", v->formats[i]->format);
}
