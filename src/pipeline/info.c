/* info.c: the run report (load info / trace): per-phase timings, rows per table, packages,
 * files, the error; as text for people and JSON for programs (saved as trace.json). */
#include "pipeline.h"

#include <stdio.h>
#include <time.h>

static const char *const PHASES[3] = {"extract", "normalize", "load"};

cdlt_load_info *info_new(void)
{
    cdlt_load_info *i = mem_calloc(1, sizeof *i);
    if (i)
        i->started_at = time_unix();
    return i;
}

void cdlt_load_info_free(cdlt_load_info *info)
{
    if (!info)
        return;
    mem_free(info->error);
    mem_free(info->pipeline_name);
    mem_free(info->dataset_name);
    mem_free(info->destination);
    mem_free(info->location);
    strv_free(&info->packages);
    for (size_t i = 0; i < info->ntables; i++) {
        mem_free(info->tables[i]->name);
        mem_free(info->tables[i]);
    }
    mem_free(info->tables);
    mem_free(info);
}

pipe_table_stat *info_table(cdlt_load_info *info, const char *name)
{
    if (!info)
        return NULL;
    for (size_t i = 0; i < info->ntables; i++)
        if (strcmp(info->tables[i]->name, name) == 0)
            return info->tables[i];
    pipe_table_stat **nt = mem_realloc(info->tables, (info->ntables + 1) * sizeof *nt);
    if (!nt)
        return NULL;
    info->tables = nt;
    pipe_table_stat *t = mem_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (!(t->name = mem_strdup(name))) {
        mem_free(t);
        return NULL;
    }
    nt[info->ntables++] = t;
    return t;
}

cdlt_status info_add_package(cdlt_load_info *info, const char *load_id)
{
    return strv_add(&info->packages, load_id);
}

cdlt_status cdlt_load_info_status(const cdlt_load_info *info)
{
    return info ? info->status : CDLT_INVALID_ARG;
}
const char *cdlt_load_info_error(const cdlt_load_info *info)
{
    return info && info->error ? info->error : "";
}
double cdlt_load_info_phase_seconds(const cdlt_load_info *info, cdlt_phase phase)
{
    return info && (unsigned)phase < 3 ? info->phase_s[phase] : 0.0;
}
size_t cdlt_load_info_package_count(const cdlt_load_info *info)
{
    return info ? info->packages.n : 0;
}
const char *cdlt_load_info_package_id(const cdlt_load_info *info, size_t i)
{
    return info && i < info->packages.n ? info->packages.v[i] : NULL;
}
size_t cdlt_load_info_table_count(const cdlt_load_info *info) { return info ? info->ntables : 0; }
const char *cdlt_load_info_table_name(const cdlt_load_info *info, size_t i)
{
    return info && i < info->ntables ? info->tables[i]->name : NULL;
}
uint64_t cdlt_load_info_table_rows(const cdlt_load_info *info, size_t i)
{
    return info && i < info->ntables ? info->tables[i]->rows : 0;
}
uint64_t cdlt_load_info_files(const cdlt_load_info *info) { return info ? info->files : 0; }
uint64_t cdlt_load_info_items(const cdlt_load_info *info) { return info ? info->items : 0; }
bool cdlt_load_info_pending_only(const cdlt_load_info *info)
{
    return info && info->pending_only;
}

static void put_str(buf *b, const char *s)
{
    if (s)
        json_write_string(b, s, strlen(s), 0);
    else
        buf_puts(b, "null");
}

cdlt_status info_to_json(const cdlt_load_info *info, buf *out)
{
    char d[40];
    buf_puts(out, "{\"pipeline_name\":");
    put_str(out, info->pipeline_name);
    buf_puts(out, ",\"dataset_name\":");
    put_str(out, info->dataset_name);
    buf_puts(out, ",\"destination\":");
    put_str(out, info->destination);
    char masked[4096];
    cdlt_secret_mask_text(info->location, masked, sizeof masked);
    buf_puts(out, ",\"location\":");
    put_str(out, info->location ? masked : NULL);
    json_fmt_double(info->started_at, d);
    buf_printf(out, ",\"started_at\":%s,\"status\":", d);
    put_str(out, cdlt_status_name(info->status));
    buf_puts(out, ",\"error\":");
    put_str(out, info->error);
    buf_printf(out, ",\"pending_only\":%s,\"phases\":{", info->pending_only ? "true" : "false");
    bool first = true;
    for (int p = 0; p < 3; p++) {
        if (!info->phase_ran[p])
            continue;
        json_fmt_double(info->phase_s[p], d);
        buf_printf(out, "%s\"%s\":{\"seconds\":%s}", first ? "" : ",", PHASES[p], d);
        first = false;
    }
    buf_puts(out, "},\"load_ids\":[");
    for (size_t i = 0; i < info->packages.n; i++) {
        if (i)
            buf_putc(out, ',');
        put_str(out, info->packages.v[i]);
    }
    buf_puts(out, "],\"tables\":[");
    for (size_t i = 0; i < info->ntables; i++) {
        const pipe_table_stat *t = info->tables[i];
        buf_printf(out, "%s{\"name\":", i ? "," : "");
        put_str(out, t->name);
        buf_printf(out, ",\"items\":%llu,\"rows\":%llu,\"bytes\":%llu}",
                   (unsigned long long)t->items, (unsigned long long)t->rows,
                   (unsigned long long)t->bytes);
    }
    buf_printf(out,
               "],\"files\":%llu,\"items\":%llu,\"input_bytes\":%llu,\"verbatim_files\":%llu,"
               "\"overlapped_packages\":%llu,\"peak_rss_bytes\":%zu}",
               (unsigned long long)info->files, (unsigned long long)info->items,
               (unsigned long long)info->input_bytes, (unsigned long long)info->verbatim_files,
               (unsigned long long)info->overlapped, info->peak_rss);
    return out->status;
}

cdlt_status info_to_text(const cdlt_load_info *info, buf *out)
{
    char when[64] = "";
    time_t t = (time_t)info->started_at;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    double total = info->phase_s[0] + info->phase_s[1] + info->phase_s[2];
    buf_printf(out, "Pipeline %s %s at %s in %.2f s\n", info->pipeline_name ? info->pipeline_name : "?",
               info->status == CDLT_OK ? "load step completed" : "FAILED", when, total);
    if (info->pending_only)
        buf_puts(out, "Finished pending load packages of an earlier run; new data was not "
                      "extracted: run again to extract it.\n");
    buf_printf(out, "%zu load package(s) were loaded to destination %s and into dataset %s\n",
               info->packages.n, info->destination ? info->destination : "?",
               info->dataset_name ? info->dataset_name : "?");
    if (info->location) {
        char lm[4096];
        cdlt_secret_mask_text(info->location, lm, sizeof lm);
        buf_printf(out, "The %s destination used %s location to store data\n",
                   info->destination ? info->destination : "?", lm);
    }
    for (size_t i = 0; i < info->packages.n; i++)
        buf_printf(out, "Load package %s is LOADED and contains no failed jobs\n",
                   info->packages.v[i]);
    for (int p = 0; p < 3; p++) {
        if (!info->phase_ran[p])
            continue;
        buf_printf(out, "  %-9s %8.3f s", PHASES[p], info->phase_s[p]);
        if (p == 2 && info->overlapped)
            buf_printf(out, " (+ %llu package(s) loaded while normalizing: in normalize's time)",
                       (unsigned long long)info->overlapped);
        buf_putc(out, '\n');
    }
    if (info->ntables) {
        buf_puts(out, "Rows per table (this run):\n");
        for (size_t i = 0; i < info->ntables; i++)
            buf_printf(out, "  %-40s %12llu\n", info->tables[i]->name,
                       (unsigned long long)info->tables[i]->rows);
    }
    buf_printf(out, "Items extracted: %llu, load files: %llu, peak RSS: %.1f MB\n",
               (unsigned long long)info->items, (unsigned long long)info->files,
               (double)info->peak_rss / 1048576.0);
    if (info->status != CDLT_OK && info->error)
        buf_printf(out, "Error: %s\n", info->error);
    return out->status;
}

cdlt_status cdlt_load_info_to_string(const cdlt_load_info *info, bool json, char **out)
{
    *out = NULL;
    if (!info)
        return CDLT_INVALID_ARG;
    buf b = BUF_INIT;
    cdlt_status rc = json ? info_to_json(info, &b) : info_to_text(info, &b);
    if (rc == CDLT_OK && b.data == NULL)
        rc = buf_puts(&b, "");
    if (rc != CDLT_OK) {
        buf_free(&b);
        return rc;
    }
    *out = buf_detach(&b, NULL);
    return CDLT_OK;
}

void cdlt_string_free(char *s) { mem_free(s); }
