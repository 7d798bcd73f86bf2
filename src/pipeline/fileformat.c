/* fileformat.c: which load-file writer normalize uses. dlt's rule: the table's file_format
 * hint when the destination takes it, else the run's loader_file_format (checked against
 * the destination when the pipeline opens: an unknown or unsupported one is an error, as in
 * dlt's run()), else the destination's preferred format. Compression follows dlt's
 * [normalize.data_writer] disable_compression (also [data_writer], env
 * NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION); the csv writer dlt's delimiter and
 * include_header there, the Parquet writer dlt's ParquetFormatConfiguration keys. */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* dlt's Parquet settings (ParquetFormatConfiguration; section data_writer, read by dlt only
 * when a Parquet file is written, so here only for destinations that take Parquet). Each is
 * either carried out by writers/parquet.c or refused by name: none is dropped silently. */
static cdlt_status parquet_settings(cdlt_config *cfg, dest_parquet_opts *po, cdlt_error *err)
{
    const char *flavor = "", *version = "2.4", *tz = "UTC", *coerce = "", *promote = "none";
    int64_t page = 0, rg = 0;
    bool trunc = false, compliant = true, page_index = false, cdc = false, dict = true;
    cdlt_status rc = cdlt_config_get_string_or(cfg, "normalize", "data_writer.flavor", "",
                                               &flavor, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "normalize", "data_writer.version", "2.4",
                                       &version, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_int_or(cfg, "normalize", "data_writer.data_page_size", 0, &page,
                                    err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "normalize", "data_writer.timestamp_timezone",
                                       "UTC", &tz, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_int_or(cfg, "normalize", "data_writer.row_group_size", 0, &rg,
                                    err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "normalize", "data_writer.coerce_timestamps", "",
                                       &coerce, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "normalize", "data_writer.allow_truncated_timestamps",
                                     false, &trunc, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "normalize", "data_writer.use_compliant_nested_type",
                                     true, &compliant, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "normalize", "data_writer.write_page_index", false,
                                     &page_index, err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "normalize",
                                     "data_writer.use_content_defined_chunking", false, &cdc,
                                     err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_bool_or(cfg, "normalize",
                                     "data_writer.supports_dictionary_encoding", true, &dict,
                                     err);
    if (rc == CDLT_OK)
        rc = cdlt_config_get_string_or(cfg, "normalize",
                                       "data_writer.arrow_concat_promote_options", "none",
                                       &promote, err);
    if (rc != CDLT_OK)
        return rc;
    (void)compliant; /* list layout only: load files are flat, so both values write the same */
    (void)dict;      /* both only shape arrow items, which cdlt has none of */
    const char *bad = NULL;
    char why[256] = "";
    if (*flavor && strcmp(flavor, "spark") != 0) {
        bad = "flavor";
        snprintf(why, sizeof why, "'%s': cdlt knows only \"spark\" (INT96 timestamps, "
                 "Spark-safe column names) or none", flavor);
    } else if (strcmp(version, "1.0") != 0 && strcmp(version, "2.4") != 0 &&
               strcmp(version, "2.6") != 0 && strcmp(version, "2.0") != 0) {
        bad = "version";
        snprintf(why, sizeof why, "'%s': use \"1.0\", \"2.4\" (dlt's default) or \"2.6\"",
                 version);
    } else if (page < 0 || page > (1 << 30)) {
        bad = "data_page_size";
        snprintf(why, sizeof why, "%lld: use a byte count from 1 to 1073741824",
                 (long long)page);
    } else if (rg < 0) {
        bad = "row_group_size";
        snprintf(why, sizeof why, "%lld: use a positive number of rows", (long long)rg);
    } else if (*tz && strcasecmp(tz, "UTC") != 0) {
        bad = "timestamp_timezone";
        snprintf(why, sizeof why, "'%s': cdlt writes UTC-adjusted (\"UTC\", the default) or "
                 "naive (\"\") timestamps; another zone's name would live only in pyarrow's "
                 "ARROW:schema metadata, which cdlt does not write", tz);
    } else if (*coerce && strcmp(coerce, "ms") != 0 && strcmp(coerce, "us") != 0) {
        bad = "coerce_timestamps";
        snprintf(why, sizeof why, "'%s': use \"ms\" or \"us\" (pyarrow's writer takes no "
                 "other unit)", coerce);
    } else if (page_index) {
        bad = "write_page_index";
        snprintf(why, sizeof why, "true: cdlt's Parquet writer writes no page index; leave it "
                 "false");
    } else if (cdc) {
        bad = "use_content_defined_chunking";
        snprintf(why, sizeof why, "true: cdlt's Parquet writer cuts pages by size only; leave "
                 "it false");
    } else if (strcmp(promote, "none") != 0 && strcmp(promote, "default") != 0 &&
               strcmp(promote, "permissive") != 0) {
        bad = "arrow_concat_promote_options";
        snprintf(why, sizeof why, "'%s': use \"none\", \"default\" or \"permissive\"",
                 promote);
    }
    if (bad) {
        err_set(err, CDLT_CONFIG, "[normalize.data_writer] %s %s", bad, why);
        err_hint(err, "this Parquet setting is not supported as given; see docs/parquet.md");
        return CDLT_CONFIG;
    }
    memset(po, 0, sizeof *po);
    po->spark = *flavor != 0;
    po->version = strcmp(version, "1.0") == 0   ? DEST_PQ_V1_0
                  : strcmp(version, "2.4") == 0 ? DEST_PQ_V2_4
                                                : DEST_PQ_V2_6;
    po->page_bytes = (uint32_t)page;
    po->row_group_rows = (uint64_t)rg;
    po->naive_timestamps = *tz == 0;
    po->coerce_unit = !*coerce ? 0 : strcmp(coerce, "ms") == 0 ? 1 : 2;
    po->allow_truncated = trunc;
    return CDLT_OK;
}

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
    if (rc == CDLT_OK && dest_writer_find(dv, "parquet"))
        rc = parquet_settings(cfg, &p->wopts.parquet, err);
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
