/* fileformat.c: which load-file writer normalize uses. dlt's rule: the table's file_format
 * hint when the destination takes it, else the run's loader_file_format (checked against
 * the destination when the pipeline opens: an unknown or unsupported one is an error, as in
 * dlt's run()), else the destination's preferred format. Compression follows dlt's
 * [normalize.data_writer] disable_compression (also [data_writer], env
 * NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION); the csv writer dlt's delimiter and
 * include_header there. */
#include "pipeline.h"

#include <string.h>

cdlt_status pipe_choose_writer(cdlt_pipeline *p, cdlt_config *cfg, const char *format,
                               cdlt_error *err)
{
    const dest_vtable *dv = p->dv;
    p->wops = dv->formats ? dv->formats[0] : NULL;
    memset(&p->wopts, 0, sizeof p->wopts);
    if (!p->wops)
        return err_set(err, CDLT_ERROR, "destination '%s' lists no load-file format",
                       dv->name);
    if (format && *format) {
        const dest_writer_ops *w = dest_writer_find(dv, format);
        if (!w) {
            buf list = BUF_INIT;
            dest_format_list(dv, &list);
            if (!dest_is_loader_file_format(format))
                err_set(err, CDLT_CONFIG,
                        "loader_file_format '%s' is not a loader file format (dlt's are jsonl, "
                        "typed-jsonl, insert_values, parquet, csv, reference, model)",
                        format);
            else
                err_set(err, CDLT_CONFIG,
                        "loader_file_format '%s' is not supported by the %s destination", format,
                        dv->name);
            err_hint(err, "formats the %s destination takes: %s (the first is its default)",
                     dv->name, buf_cstr(&list));
            buf_free(&list);
            return CDLT_CONFIG;
        }
        p->wops = w;
    }
    bool off = false;
    cdlt_status rc = cdlt_config_get_bool_or(cfg, "normalize", "data_writer.disable_compression",
                                             false, &off, err);
    p->wopts.compress = !off;
    /* dlt's csv format settings (CsvFormatConfiguration, section data_writer) */
    const char *delim = ",", *quoting = "quote_needed", *eol = "\n";
    bool header = true;
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "normalize", "data_writer.delimiter", ",", &delim,
                                       err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "normalize", "data_writer.include_header", true,
                                     &header, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "normalize", "data_writer.quoting", "quote_needed",
                                       &quoting, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "normalize", "data_writer.lineterminator", "\n",
                                       &eol, err);
    if (rc == CDLT_OK && (strlen(delim) != 1 || delim[0] == '"' || delim[0] == '\n'))
        rc = err_set(err, CDLT_CONFIG, "[normalize.data_writer] delimiter '%s': use one "
                     "character other than '\"' and a line break, e.g. \",\" or \"|\"", delim);
    if (rc == CDLT_OK && strcmp(quoting, "quote_needed") != 0)
        rc = err_set(err, CDLT_CONFIG, "[normalize.data_writer] quoting '%s' is not supported "
                     "by cdlt's csv writer: only dlt's default quote_needed", quoting);
    if (rc == CDLT_OK && strcmp(eol, "\n") != 0)
        rc = err_set(err, CDLT_CONFIG, "[normalize.data_writer] lineterminator: cdlt's csv "
                     "writer ends lines with \\n only (dlt's default)");
    p->wopts.csv_delimiter = delim[0];
    p->wopts.csv_no_header = !header;
    return rc;
}

const dest_writer_ops *pipe_table_writer(const cdlt_pipeline *p, const schema *s,
                                         const schema_table *t)
{
    /* a nested table writes as its root does (dlt's file_format is a table hint inherited
     * down the chain) */
    const schema_table *r = t;
    for (int guard = 0; r && r->parent && guard < 256; guard++) {
        const schema_table *up = s ? schema_get_table(s, r->parent) : NULL;
        if (!up)
            break;
        r = up;
    }
    const char *f = r ? r->file_format : NULL;
    if (f && strcmp(f, "preferred") == 0)
        return p->dv->formats[0];
    const dest_writer_ops *w = f ? dest_writer_find(p->dv, f) : NULL;
    return w ? w : p->wops;
}
