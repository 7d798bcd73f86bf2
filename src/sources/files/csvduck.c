/* csvduck.c: read_csv_duckdb's arguments and its DuckDB query. DuckDB's binder rejects named
 * parameters it does not know; the list here lets a definition fail before anything runs,
 * with a "did you mean", and maps the Python API's names (what dlt users write, since dlt calls
 * duckdb.from_csv_auto(file, **duckdb_kwargs)) to the SQL ones. */
#include "sources/files/csvduck.h"
#include "sqlgen/sqltext.h"

#include <stdio.h>
#include <string.h>

/* Python API name -> read_csv's SQL name (the rest are the same in both) */
static const char *const PY_NAMES[][2] = {
    {"delimiter", "delim"},         {"quotechar", "quote"},
    {"escapechar", "escape"},       {"dtype", "dtypes"},
    {"na_values", "nullstr"},       {"skiprows", "skip"},
    {"lineterminator", "new_line"}, {"date_format", "dateformat"},
    {"timestamp_format", "timestampformat"}, {"decimal", "decimal_separator"},
};

/* dlt's own arguments: not passed to DuckDB */
static const char *const DLT_KEYS[] = {"chunk_size", "use_pyarrow", "filename", NULL};

const char *const fs_csvduck_keys[] = {
    "chunk_size", "use_pyarrow", "filename",
    /* DuckDB 1.4 read_csv named parameters */
    "all_varchar", "allow_quoted_nulls", "auto_detect", "auto_type_candidates", "buffer_size",
    "column_names", "column_types", "columns", "comment", "compression", "dateformat",
    "decimal_separator", "delim", "dtypes", "encoding", "escape", "files_to_sniff",
    "force_not_null", "header", "hive_partitioning", "hive_types", "hive_types_autocast",
    "ignore_errors", "max_line_size", "maximum_line_size", "names", "new_line",
    "normalize_names", "null_padding", "nullstr", "parallel", "quote", "rejects_limit",
    "rejects_scan", "rejects_table", "sample_size", "sep", "skip", "store_rejects",
    "strict_mode", "thousands", "timestampformat", "types", "union_by_name",
    /* DuckDB's Python API names of some of them */
    "delimiter", "quotechar", "escapechar", "dtype", "na_values", "skiprows", "lineterminator",
    "date_format", "timestamp_format", "decimal", NULL};

static bool in_list(const char *k, const char *const *l)
{
    for (; *l; l++)
        if (strcmp(k, *l) == 0)
            return true;
    return false;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

const char *fs_csvduck_compression(const char *path, const char *shown, cdlt_error *err)
{
    unsigned char b[4] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(b, 1, sizeof b, f) : 0;
    if (f)
        fclose(f);
    const char *c = n >= 2 && b[0] == 0x1f && b[1] == 0x8b ? "gzip"
                    : n == 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd
                        ? "zstd"
                        : "none";
    const char *named = ends_with(shown, ".gz") ? "gzip" : ends_with(shown, ".zst") ? "zstd" : NULL;
    if (named && strcmp(named, c) != 0) {
        err_set(err, CDLT_PARSE, "read_csv_duckdb: '%s' is named as %s data but its bytes are "
                                 "not %s", shown, named, named);
        snprintf(err->file, sizeof err->file, "%s", shown);
        err_hint(err, "rename the file or fix its contents");
        return NULL;
    }
    return c;
}


/* A TOML/JSON value as a DuckDB literal. */
static void put_value(buf *b, const jv *v)
{
    switch (v->type) {
    case JV_NULL: buf_puts(b, "NULL"); break;
    case JV_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
    case JV_INT: buf_printf(b, "%lld", (long long)v->u.i); break;
    case JV_UINT: buf_printf(b, "%llu", (unsigned long long)v->u.u); break;
    case JV_DOUBLE: buf_printf(b, "%.17g", v->u.d); break;
    case JV_BIGNUM: buf_append(b, v->u.s, v->len); break;
    case JV_ARRAY:
        buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                buf_putc(b, ',');
            put_value(b, &v->u.items[i]);
        }
        buf_putc(b, ']');
        break;
    case JV_OBJECT:
        buf_putc(b, '{');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i)
                buf_putc(b, ',');
            sqlgen_string(b, v->u.members[i].key, v->u.members[i].klen);
            buf_putc(b, ':');
            put_value(b, &v->u.members[i].value);
        }
        buf_putc(b, '}');
        break;
    default: /* strings and TOML dates/times as their text */
        sqlgen_string(b, v->u.s, v->len);
        break;
    }
}

cdlt_status fs_csvduck_query(const char *path, const jv *args, const char *compression,
                             buf *out, cdlt_error *err)
{
    buf_clear(out);
    buf_puts(out, "SELECT * FROM read_csv(");
    sqlgen_string(out, path, strlen(path));
    bool have_compression = false;
    for (uint32_t i = 0; args && args->type == JV_OBJECT && i < args->len; i++) {
        const jv_member *m = &args->u.members[i];
        if (in_list(m->key, DLT_KEYS))
            continue;
        if (!in_list(m->key, fs_csvduck_keys))
            return err_set(err, CDLT_CONFIG, "read_csv_duckdb: unknown argument '%s'", m->key);
        const char *name = m->key;
        for (size_t k = 0; k < sizeof PY_NAMES / sizeof *PY_NAMES; k++)
            if (strcmp(name, PY_NAMES[k][0]) == 0)
                name = PY_NAMES[k][1];
        have_compression |= strcmp(name, "compression") == 0;
        buf_printf(out, ", %s = ", name);
        put_value(out, &m->value);
    }
    if (!have_compression && compression)
        buf_printf(out, ", compression = '%s'", compression);
    buf_putc(out, ')');
    return out->status == CDLT_OK ? CDLT_OK : err_nomem(err);
}
