/* cmd_run.c: `cdlt run PIPELINE_FILE`: load a pipeline definition (TOML/YAML/JSON), run it
 * (pending packages first, like dlt), print the load info and the destination's row counts. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: cdlt run PIPELINE_FILE [options]\n\n"
            "Run the pipeline defined in PIPELINE_FILE (.toml, .yaml/.yml or .json).\n"
            "Pending load packages of an interrupted run are finished first; new data is then\n"
            "extracted by the next run (dlt semantics).\n\n"
            "options:\n"
            "  --limit N            stop each resource after N items (pages)\n"
            "  --refresh MODE       drop_sources | drop_resources | drop_data\n"
            "  --dev-mode           fresh working dir, dataset with a _YYYYMMDDhhmmss suffix\n"
            "  --progress MODE      tty | log | none (default: tty on a terminal, else log)\n"
            "  --pipelines-dir DIR  working dirs (default $CDLT_PIPELINES_DIR or ~/.cdlt/pipelines)\n"
            "  --dataset-name NAME  override the dataset\n"
            "  --json               print the load info as JSON (on failure: {\"error\": {...}})\n"
            "  --no-tables          do not print the destination row counts\n"
            "\nexit codes: 0 ok, 1 failed (also: the pipeline is in use by another command,\n"
            "which then changed nothing), 2 usage, 3 configuration, 4 pending packages kept\n");
}

static int exit_code_for(cdlt_status st)
{
    switch (st) {
    case CDLT_OK: return CLI_OK;
    case CDLT_CONFIG:
    case CDLT_CONFIG_MISSING:
    case CDLT_SECRET_IN_CONFIG: return CLI_CONFIG;
    case CDLT_PENDING: return CLI_PENDING;
    default: return CLI_FAILED;
    }
}

/* A failure before the run: the message, and with --json the error object on stdout. */
static int fail(const char *what, const cdlt_error *err, int code, bool json)
{
    cli_print_error(what, err);
    if (json)
        cli_print_json_error(what, err, code);
    return code;
}

static void print_tables(cdlt_pipeline *p, const cdlt_load_info *info)
{
    static const char *const sys[] = {"_dlt_loads", "_dlt_version", "_dlt_pipeline_state"};
    const char *names[256];
    size_t n = 0;
    for (size_t i = 0; i < cdlt_load_info_table_count(info) && n < 250; i++) {
        const char *t = cdlt_load_info_table_name(info, i);
        bool is_sys = false;
        for (size_t k = 0; k < 3; k++)
            if (strcmp(t, sys[k]) == 0)
                is_sys = true;
        if (!is_sys)
            names[n++] = t;
    }
    for (size_t k = 0; k < 3; k++)
        names[n++] = sys[k];
    int64_t counts[256];
    cdlt_error err;
    cdlt_error_clear(&err);
    if (cdlt_pipeline_table_row_counts(p, names, n, counts, &err) != CDLT_OK) {
        cli_print_error("cannot count rows", &err);
        return;
    }
    printf("\nTables in dataset %s:\n", cdlt_pipeline_dataset_name(p));
    for (size_t i = 0; i < n; i++)
        if (counts[i] >= 0)
            printf("  %-44s %12lld rows\n", names[i], (long long)counts[i]);
}

int cmd_run(int argc, char **argv)
{
    const char *file = NULL, *refresh = NULL, *progress = NULL, *dir = NULL, *dataset = NULL;
    long long limit = -1;
    bool dev = false, json = false, tables = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_next = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            run_usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "--limit") == 0 && has_next) {
            char *end;
            limit = strtoll(argv[++i], &end, 10);
            if (*end || limit < 0) {
                fprintf(stderr, "cdlt run: --limit needs a number >= 0\n");
                return CLI_USAGE;
            }
        } else if (strcmp(a, "--refresh") == 0 && has_next) {
            refresh = argv[++i];
        } else if (strcmp(a, "--progress") == 0 && has_next) {
            progress = argv[++i];
        } else if (strcmp(a, "--pipelines-dir") == 0 && has_next) {
            dir = argv[++i];
        } else if (strcmp(a, "--dataset-name") == 0 && has_next) {
            dataset = argv[++i];
        } else if (strcmp(a, "--dev-mode") == 0) {
            dev = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--no-tables") == 0) {
            tables = false;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "cdlt run: unknown or incomplete option '%s'\n", a);
            run_usage(stderr);
            return CLI_USAGE;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "cdlt run: unexpected argument '%s'\n", a);
            return CLI_USAGE;
        }
    }
    if (!file) {
        run_usage(stderr);
        return CLI_USAGE;
    }
    int rmode = cdlt_refresh_parse(refresh ? refresh : "none");
    if (rmode < 0) {
        fprintf(stderr, "cdlt run: unknown refresh mode '%s' (drop_sources, drop_resources, "
                        "drop_data)\n", refresh);
        return CLI_USAGE;
    }
    cdlt_progress_mode pmode = CDLT_PROGRESS_AUTO;
    if (progress) {
        if (strcmp(progress, "tty") == 0)
            pmode = CDLT_PROGRESS_TTY;
        else if (strcmp(progress, "log") == 0)
            pmode = CDLT_PROGRESS_LOG;
        else if (strcmp(progress, "none") == 0)
            pmode = CDLT_PROGRESS_NONE;
        else {
            fprintf(stderr, "cdlt run: unknown progress mode '%s' (tty, log, none)\n", progress);
            return CLI_USAGE;
        }
    }

    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_definition *def = NULL;
    struct stat sb;
    if (stat(file, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cdlt_error_clear(&err);
        err.code = CDLT_CONFIG;
        snprintf(err.message, sizeof err.message, "'%s' is a folder; pass the definition file "
                 "(.toml, .yaml/.yml or .json)", file);
        return fail("cannot load the pipeline definition", &err, CLI_CONFIG, json);
    }
    cdlt_status st = cdlt_definition_load(file, &def, &err);
    if (st != CDLT_OK) {
        /* a definition that cannot be read or understood is a configuration problem */
        return fail("cannot load the pipeline definition", &err,
                    st == CDLT_NOMEM ? CLI_FAILED : CLI_CONFIG, json);
    }
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    o.progress = CDLT_PROGRESS_AUTO;
    cdlt_definition_options(def, &o);
    if (progress)
        o.progress = pmode;
    if (dir)
        o.pipelines_dir = dir;
    if (dataset)
        o.dataset_name = dataset;
    if (dev)
        o.dev_mode = true;
    /* AUTO: a live display on a terminal, log lines on stderr otherwise */

    cdlt_pipeline *p = NULL;
    st = cdlt_pipeline_open(&o, &p, &err);
    if (st != CDLT_OK) {
        cdlt_definition_free(def);
        /* in use by another process: a failure, not a configuration problem */
        return fail("cannot open the pipeline", &err,
                    st == CDLT_EXISTS || exit_code_for(st) != CLI_FAILED ? exit_code_for(st)
                                                                         : CLI_CONFIG,
                    json);
    }
    cdlt_source *src = NULL;
    st = cdlt_definition_source(def, &src, &err);
    if (st != CDLT_OK) {
        cdlt_pipeline_free(p);
        cdlt_definition_free(def);
        return fail("invalid pipeline definition", &err, CLI_CONFIG, json);
    }
    if (limit >= 0)
        cdlt_source_add_limit(src, limit, 0);

    cdlt_load_info *info = NULL;
    st = cdlt_pipeline_run(p, src, (cdlt_refresh)rmode, &info, &err);
    int code = exit_code_for(st);
    if (st != CDLT_OK) {
        cli_print_error("run failed", &err);
        size_t pending = 0;
        cdlt_error e2;
        cdlt_error_clear(&e2);
        /* another process holds the pipeline: its packages are not ours to talk about */
        if (st != CDLT_EXISTS && cdlt_pipeline_pending_count(p, &pending, &e2) == CDLT_OK &&
            pending) {
            char cmd[2048];
            cli_pipeline_command(p, "drop-pending", cmd, sizeof cmd);
            /* an item the package's own hints refuse fails the same way every time */
            if (st == CDLT_CONTRACT || st == CDLT_COERCE || st == CDLT_SCHEMA ||
                st == CDLT_DEPTH || st == CDLT_TOO_LARGE)
                fprintf(stderr,
                        "cdlt: %zu load package(s) are pending in %s with the items and hints "
                        "they were extracted with; running again repeats the error: drop them "
                        "with '%s', then fix the cause and run again\n",
                        pending, cdlt_pipeline_working_dir(p), cmd);
            else
                fprintf(stderr,
                        "cdlt: %zu load package(s) are pending in %s; fix the cause and run the "
                        "same command again to finish them, or discard them with '%s'\n",
                        pending, cdlt_pipeline_working_dir(p), cmd);
        }
        if (st == CDLT_PARSE || st == CDLT_UTF8 || st == CDLT_NOT_FOUND || st == CDLT_IO)
            code = CLI_FAILED;
        if (json)
            cli_print_json_error("run failed", &err, code);
    } else if (info) {
        char *text = NULL;
        if (cdlt_load_info_to_string(info, json, &text) == CDLT_OK) {
            fputs(text, stdout);
            if (json)
                fputc('\n', stdout);
            cdlt_string_free(text);
        }
        if (tables && !json)
            print_tables(p, info);
    }
    cdlt_load_info_free(info);
    cdlt_source_free(src);
    cdlt_pipeline_free(p);
    cdlt_definition_free(def);
    return code;
}
