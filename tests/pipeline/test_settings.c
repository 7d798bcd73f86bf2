/* test_settings.c: settings a dlt user reaches through config/env (issue 10 #5), each into a
 * real DuckDB file: [schema] naming, import_schema_path (e.g. the large_integer detection the
 * coercion error points to), export_schema_path, [extract] max_depth (the JSON nesting error
 * points to it), [load] delete_completed_jobs and truncate_staging_dataset. Old main ignored
 * all of them. */
#include "ptest.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static void clear_env(void)
{
    unsetenv("SCHEMA__NAMING");
    unsetenv("EXTRACT__MAX_DEPTH");
    unsetenv("LOAD__DELETE_COMPLETED_JOBS");
    unsetenv("LOAD__TRUNCATE_STAGING_DATASET");
    unsetenv("SCHEMA__JSON_NORMALIZER");
    unsetenv("DATA_WRITER__ROW_GROUP_SZE");
    unsetenv("DATA_WRITER__ROW_GROUP_SIZE");
}

static cdlt_status run_text(pt_env *e, const char *name, const char *text,
                            const cdlt_pipeline_options *opts, cdlt_error *err)
{
    char input[1200];
    snprintf(input, sizeof input, "%s/%s.jsonl", e->dir, name);
    assert_int_equal(tu_write_file(input, text, strlen(text)), 0);
    cdlt_pipeline_options o;
    if (opts)
        o = *opts;
    else
        pt_options(e, name, e->db, &o);
    cdlt_pipeline *p = NULL;
    cdlt_error_clear(err);
    cdlt_status rc = cdlt_pipeline_open(&o, &p, err);
    if (rc != CDLT_OK)
        return rc;
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", input, &r, err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, err);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc;
}

static int64_t column_count(const char *db, const char *table, const char *column)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'ds' AND "
             "table_name = '%s' AND column_name = '%s'",
             table, column);
    return pt_query_int(db, sql);
}

static void test_naming(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-naming");
    cdlt_error err;
    setenv("SCHEMA__NAMING", "camelCase", 1);
    cdlt_pipeline_options o;
    pt_options(e, "bad", e->db, &o);
    cdlt_pipeline *p = NULL;
    assert_int_equal(cdlt_pipeline_open(&o, &p, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "camelCase"));
    assert_non_null(strstr(err.message, "sql_cs_v1"));

    setenv("SCHEMA__NAMING", "sql_cs_v1", 1);
    assert_int_equal(run_text(e, "cs", "{\"UserName\":1,\"Nested\":{\"InnerKey\":2}}\n", NULL,
                              &err),
                     CDLT_OK);
    assert_int_equal(column_count(e->db, "items", "UserName"), 1);
    assert_int_equal(column_count(e->db, "items", "Nested__InnerKey"), 1);
    assert_int_equal(column_count(e->db, "items", "user_name"), 0);
    /* the loaded tables keep their names: another naming for this pipeline is refused */
    setenv("SCHEMA__NAMING", "snake_case", 1);
    assert_int_equal(run_text(e, "cs", "{\"UserName\":2}\n", NULL, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "naming"));
    assert_non_null(strstr(err.message, "sql_cs_v1"));
    /* the default stays snake_case */
    clear_env();
    assert_int_equal(run_text(e, "sc", "{\"UserName\":1}\n", NULL, &err), CDLT_OK);
    assert_int_equal(column_count(e->db, "items", "user_name"), 1);
    pt_env_free(e);
}

/* export_schema_path writes <dir>/<schema>.schema.yaml; a schema file in import_schema_path
 * with settings.detections = [large_integer] makes an integer above 2^64 load as wei. */
static void test_import_export_schema(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-schema");
    cdlt_error err;
    const char *big = "{\"id\":1,\"big\":18446744073709551617}\n";
    assert_int_equal(run_text(e, "nodet", big, NULL, &err), CDLT_COERCE);
    assert_non_null(strstr(err.message, "import_schema_path"));

    char in[1200], out[1200], file[1300];
    snprintf(in, sizeof in, "%s/schemas_in", e->dir);
    snprintf(out, sizeof out, "%s/schemas_out", e->dir);
    mkdir(in, 0755);
    snprintf(file, sizeof file, "%s/src.schema.yaml", in);
    const char *yaml = "version: 1\nengine_version: 11\nname: src\ntables: {}\n"
                       "settings:\n  detections:\n  - iso_timestamp\n  - large_integer\n"
                       "normalizers:\n  names: snake_case\n  json:\n"
                       "    module: dlt.common.normalizers.json.relational\n";
    assert_int_equal(tu_write_file(file, yaml, strlen(yaml)), 0);
    cdlt_pipeline_options o;
    pt_options(e, "det", e->db, &o);
    o.import_schema_path = in;
    o.export_schema_path = out;
    assert_int_equal(run_text(e, "det", big, &o, &err), CDLT_OK);
    char *t = pt_query_text(e->db, "SELECT CAST(big AS VARCHAR) FROM ds.items");
    assert_string_equal(t, "18446744073709551617");
    free(t);
    snprintf(file, sizeof file, "%s/src.schema.yaml", out);
    size_t n = 0;
    char *exported = tu_read_file(file, &n);
    assert_non_null(exported);
    assert_non_null(strstr(exported, "large_integer"));
    assert_non_null(strstr(exported, "items:"));
    assert_non_null(strstr(exported, "data_type: wei"));
    free(exported);
    pt_env_free(e);
}

static void test_max_depth(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-depth");
    cdlt_error err;
    enum { DEPTH = 600 };
    char *text = malloc(DEPTH * 6 + 16);
    size_t k = 0;
    for (int i = 0; i < DEPTH; i++)
        k += (size_t)sprintf(text + k, "{\"a\":");
    k += (size_t)sprintf(text + k, "1");
    for (int i = 0; i < DEPTH; i++)
        text[k++] = '}';
    text[k++] = '\n';
    text[k] = '\0';
    assert_int_equal(run_text(e, "deep", text, NULL, &err), CDLT_DEPTH);
    assert_non_null(strstr(err.message, "max_depth"));
    assert_non_null(strstr(err.message, "EXTRACT__MAX_DEPTH"));
    setenv("EXTRACT__MAX_DEPTH", "1000", 1);
    assert_int_equal(run_text(e, "deep2", text, NULL, &err), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 1);
    setenv("EXTRACT__MAX_DEPTH", "-3", 1);
    cdlt_pipeline_options o;
    pt_options(e, "deep3", e->db, &o);
    cdlt_pipeline *p = NULL;
    assert_int_equal(cdlt_pipeline_open(&o, &p, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "max_depth"));
    clear_env();
    free(text);
    pt_env_free(e);
}

/* Files left in load/loaded/<id>/completed_jobs of pipeline `name`. */
static int completed_files(const pt_env *e, const char *name)
{
    char dir[1300];
    snprintf(dir, sizeof dir, "%s/%s/load/loaded", e->pdir, name);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[1700];
        snprintf(sub, sizeof sub, "%s/%s/completed_jobs", dir, de->d_name);
        DIR *s = opendir(sub);
        assert_non_null(s);
        struct dirent *f;
        while ((f = readdir(s)))
            n += f->d_name[0] != '.';
        closedir(s);
    }
    closedir(d);
    return n;
}

static void test_delete_completed_jobs(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-del");
    cdlt_error err;
    assert_int_equal(run_text(e, "keep", "{\"id\":1}\n", NULL, &err), CDLT_OK);
    assert_true(completed_files(e, "keep") > 0);
    setenv("LOAD__DELETE_COMPLETED_JOBS", "true", 1);
    assert_int_equal(run_text(e, "del", "{\"id\":1}\n", NULL, &err), CDLT_OK);
    assert_int_equal(completed_files(e, "del"), 0);
    assert_int_equal(pt_count(e->db, "ds", "items"), 2);
    clear_env();
    pt_env_free(e);
}

static void test_truncate_staging_dataset(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-trunc");
    cdlt_error err;
    cdlt_pipeline_options o;
    pt_options(e, "st", e->db, &o);
    o.destination_options = "{\"replace_strategy\":\"insert-from-staging\"}";
    char input[1200];
    snprintf(input, sizeof input, "%s/st.jsonl", e->dir);
    const char *rows = "{\"id\":1,\"l\":[1,2]}\n{\"id\":2,\"l\":[3]}\n";
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            setenv("LOAD__TRUNCATE_STAGING_DATASET", "true", 1);
        assert_int_equal(tu_write_file(input, rows, strlen(rows)), 0);
        cdlt_pipeline *p = pt_open_opts(&o);
        cdlt_source *s = NULL;
        cdlt_resource *r = NULL;
        assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
        assert_int_equal(cdlt_file_resource_open("items", input, &r, &err), CDLT_OK);
        assert_int_equal(cdlt_resource_set_write_disposition(r, CDLT_WD_REPLACE), CDLT_OK);
        assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
        assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err), CDLT_OK);
        cdlt_source_free(s);
        cdlt_pipeline_free(p);
        assert_int_equal(pt_count(e->db, "ds", "items"), 2);
        assert_int_equal(pt_count(e->db, "ds", "items__l"), 3);
        /* dlt's default keeps the staging rows; true empties them after the load */
        assert_int_equal(pt_count(e->db, "ds_staging", "items"), pass ? 0 : 2);
        assert_int_equal(pt_count(e->db, "ds_staging", "items__l"), pass ? 0 : 3);
    }
    clear_env();
    pt_env_free(e);
}

static void write_config(const pt_env *e, const char *text)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/.dlt", e->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/.dlt/config.toml", e->dir);
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
    setenv("DLT_PROJECT_DIR", e->dir, 1);
}

/* Open pipeline `name` with the project config; CDLT_OK or the error in *err. */
static cdlt_status try_open(const pt_env *e, const char *name, cdlt_error *err)
{
    cdlt_pipeline_options o;
    pt_options(e, name, e->db, &o);
    cdlt_pipeline *p = NULL;
    cdlt_error_clear(err);
    cdlt_status rc = cdlt_pipeline_open(&o, &p, err);
    cdlt_pipeline_free(p);
    return rc;
}

/* Unknown keys in [runtime]/[extract]/[normalize]/[load]/[schema] (config.toml, pipeline
 * scope, env) are errors naming the key, its origin and the closest key; values of the wrong
 * type are errors naming the key path; dlt's keys cdlt does not use are accepted. Old main
 * ignored all of these, so a typo silently kept the default. */
static void test_strict_sections(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-strict");
    cdlt_error err;
    write_config(e, "[load]\ndelete_completed_job = true\n");
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "load.delete_completed_job'"));
    assert_non_null(strstr(err.message, "did you mean 'delete_completed_jobs'"));
    assert_non_null(strstr(err.message, "config.toml"));

    write_config(e, "[runtime]\nlog_levl = \"debug\"\n");
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "did you mean 'log_level'"));

    write_config(e, "[p.schema]\nnamig = \"direct\"\n");
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "schema.namig"));
    assert_non_null(strstr(err.message, "did you mean 'naming'"));

    write_config(e, "[extract]\nmax_dept = 9\n");
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "did you mean 'max_depth'"));

    write_config(e, "");
    setenv("LOAD__TRUNCATE_STAGING", "true", 1);
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "LOAD__TRUNCATE_STAGING"));
    assert_non_null(strstr(err.message, "truncate_staging_dataset"));
    unsetenv("LOAD__TRUNCATE_STAGING");

    /* wrong types name the key path */
    static const char *const bad[][2] = {
        {"[load]\ndelete_completed_jobs = \"maybe\"\n", "delete_completed_jobs"},
        {"[load]\ntruncate_staging_dataset = 1.5\n", "truncate_staging_dataset"},
        {"[schema]\nnaming = 5\n", "naming"},
        {"[extract]\nmax_depth = \"deep\"\n", "max_depth"},
        {"import_schema_path = 7\n", "import_schema_path"},
        {"[runtime]\nlog_level = [1]\n", "log_level"},
        /* a typo inside data_writer is unknown too, with the closest key */
        {"[normalize.data_writer]\nrow_group_sze = 3\n",
         "'normalize.data_writer.row_group_sze' (from"},
        {"[normalize.data_writer]\nrow_group_sze = 3\n", "did you mean 'row_group_size'"},
        {"[extract.data_writer]\ndisable_compresion = true\n", "disable_compresion"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_config(e, bad[i][0]);
        cdlt_status rc = try_open(e, "p", &err);
        if (rc != CDLT_CONFIG || !strstr(err.message, bad[i][1]))
            fail_msg("case %zu: rc %d: %s", i, (int)rc, rc ? err.message : "");
    }

    /* dlt's own keys (and sub-tables) are accepted so a dlt project runs unchanged */
    write_config(e, "[runtime]\ndlthub_telemetry = false\n[load]\nworkers = 4\n"
                    "raise_on_failed_jobs = true\n[normalize]\nworkers = 2\n"
                    "[normalize.data_writer]\nbuffer_max_items = 100\n[extract]\nworkers = 3\n"
                    "[schema]\nallow_identifier_change_on_table_with_data = true\n");
    assert_int_equal(try_open(e, "p", &err), CDLT_OK);
    unsetenv("DLT_PROJECT_DIR");
    pt_env_free(e);
}

/* dlt's top-level [data_writer] (the fallback of [normalize.data_writer], from config.toml,
 * secrets.toml, pipeline scope and env DATA_WRITER__*) is checked like [normalize.data_writer]:
 * a typo is an error naming the key path, where it was set and the valid keys; dlt's keys are
 * accepted and the ones cdlt's writers read take effect. Old main ignored typos there. */
static void test_top_level_data_writer(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-dw");
    cdlt_error err;
    write_config(e, "[data_writer]\ndisable_compresion = true\n");
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "unknown setting 'data_writer.disable_compresion'"));
    assert_non_null(strstr(err.message, "config.toml"));
    assert_non_null(strstr(err.message, "did you mean 'disable_compression'"));
    /* the hint lists the keys cdlt reads there */
    assert_non_null(strstr(err.message, "[data_writer]: disable_compression, delimiter"));
    assert_non_null(strstr(err.message, "row_group_size"));

    write_config(e, "[p.data_writer]\nrow_group_sze = 2\n");
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "data_writer.row_group_sze"));
    assert_non_null(strstr(err.message, "did you mean 'row_group_size'"));

    /* secrets.toml is read for this section too */
    write_config(e, "");
    char sec[1200];
    snprintf(sec, sizeof sec, "%s/.dlt/secrets.toml", e->dir);
    const char *stext = "[data_writer]\nquotng = \"quote_all\"\n";
    assert_int_equal(tu_write_file(sec, stext, strlen(stext)), 0);
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "data_writer.quotng"));
    assert_non_null(strstr(err.message, "secrets.toml"));
    assert_int_equal(unlink(sec), 0);

    setenv("DATA_WRITER__ROW_GROUP_SZE", "2", 1);
    assert_int_equal(try_open(e, "p", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "DATA_WRITER__ROW_GROUP_SZE"));
    assert_non_null(strstr(err.message, "did you mean 'row_group_size'"));
    unsetenv("DATA_WRITER__ROW_GROUP_SZE");

    /* valid keys are accepted: dlt's own (no effect in cdlt) and the writers' */
    write_config(e, "[data_writer]\nbuffer_max_items = 100\nfile_max_items = 10\n"
                    "disable_compression = true\n");
    setenv("DATA_WRITER__ROW_GROUP_SIZE", "2", 1);
    assert_int_equal(try_open(e, "p", &err), CDLT_OK);

    /* ... and read: Parquet load files of 3 rows come in row groups of 2 */
    cdlt_pipeline_options o;
    pt_options(e, "dwp", e->db, &o);
    o.loader_file_format = "parquet";
    assert_int_equal(run_text(e, "dwp", "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n", &o, &err),
                     CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 3);
    char sql[2000];
    snprintf(sql, sizeof sql,
             "SELECT string_agg(n::VARCHAR, ',' ORDER BY g) FROM (SELECT DISTINCT row_group_id "
             "AS g, row_group_num_rows AS n FROM parquet_metadata('%s/dwp/load/loaded/*/"
             "completed_jobs/items.*.parquet'))",
             e->pdir);
    char *t = pt_query_text(e->db, sql);
    assert_string_equal(t, "2,1");
    free(t);
    clear_env();
    unsetenv("DLT_PROJECT_DIR");
    pt_env_free(e);
}

/* The same settings from .dlt/config.toml (global and pipeline-scoped keys), not only env:
 * [schema] naming, [<pipeline>.load] delete_completed_jobs, import/export_schema_path. */
static void test_settings_from_config_toml(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-toml");
    cdlt_error err;
    char in[1200], out[1200], file[1300], cfg[4000];
    snprintf(in, sizeof in, "%s/schemas_in", e->dir);
    snprintf(out, sizeof out, "%s/schemas_out", e->dir);
    mkdir(in, 0755);
    snprintf(file, sizeof file, "%s/src.schema.yaml", in);
    const char *yaml = "version: 1\nengine_version: 11\nname: src\ntables: {}\n"
                       "settings:\n  detections:\n  - large_integer\n"
                       "normalizers:\n  names: sql_cs_v1\n  json:\n"
                       "    module: dlt.common.normalizers.json.relational\n";
    assert_int_equal(tu_write_file(file, yaml, strlen(yaml)), 0);
    snprintf(cfg, sizeof cfg,
             "[schema]\nnaming = \"sql_cs_v1\"\n\n[tp]\nimport_schema_path = \"%s\"\n"
             "export_schema_path = \"%s\"\n\n[tp.load]\ndelete_completed_jobs = true\n",
             in, out);
    write_config(e, cfg);
    assert_int_equal(run_text(e, "tp", "{\"UserName\":1,\"Big\":18446744073709551617}\n", NULL,
                              &err),
                     CDLT_OK);
    assert_int_equal(column_count(e->db, "items", "UserName"), 1);
    char *t = pt_query_text(e->db, "SELECT CAST(\"Big\" AS VARCHAR) FROM ds.items");
    assert_string_equal(t, "18446744073709551617");
    free(t);
    assert_int_equal(completed_files(e, "tp"), 0);
    snprintf(file, sizeof file, "%s/src.schema.yaml", out);
    size_t n = 0;
    char *exported = tu_read_file(file, &n);
    assert_non_null(exported);
    assert_non_null(strstr(exported, "UserName"));
    free(exported);
    unsetenv("DLT_PROJECT_DIR");
    pt_env_free(e);
}

/* dlt's [schema] json_normalizer config.max_nesting (the depth of nested tables): 0 keeps a
 * list in its parent row as json instead of a child table; from config.toml and env. Old main
 * ignored it. */
static void test_json_normalizer_max_nesting(void **st)
{
    (void)st;
    clear_env();
    pt_env *e = pt_env_new("set-nest");
    cdlt_error err;
    write_config(e, "[schema.json_normalizer.config]\nmax_nesting = 0\n");
    assert_int_equal(run_text(e, "n0", "{\"id\":1,\"l\":[1,2]}\n", NULL, &err), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 1);
    assert_int_equal(column_count(e->db, "items", "l"), 1);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM information_schema.tables "
                                         "WHERE table_schema = 'ds' AND table_name = 'items__l'"),
                     0);
    write_config(e, "");
    setenv("SCHEMA__JSON_NORMALIZER", "{\"config\": {\"max_nesting\": \"deep\"}}", 1);
    assert_int_equal(try_open(e, "n1", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "schema.json_normalizer"));
    assert_non_null(strstr(err.message, "max_nesting"));
    /* an env value nested too deep: the error names no setting that does not exist (old
     * main said "raise max_depth" here, a key no config section has) */
    char deep[400] = "";
    for (int i = 0; i < 80; i++)
        strcat(deep, "[");
    setenv("SCHEMA__JSON_NORMALIZER", deep, 1);
    assert_int_equal(try_open(e, "n1", &err), CDLT_DEPTH);
    assert_non_null(strstr(err.message, "nesting deeper"));
    assert_null(strstr(err.message, "max_depth"));
    setenv("SCHEMA__JSON_NORMALIZER", "{\"config\": {\"max_nestin\": 1}}", 1);
    assert_int_equal(try_open(e, "n1", &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "max_nestin"));
    unsetenv("SCHEMA__JSON_NORMALIZER");

    /* dlt also reads them per schema, [sources.<schema name>.schema] (the source "src" here);
     * that wins over [schema] */
    write_config(e, "[schema]\nnaming = \"snake_case\"\n[sources.src.schema]\n"
                    "naming = \"direct\"\n[sources.src.schema.json_normalizer.config]\n"
                    "max_nesting = 0\n");
    assert_int_equal(run_text(e, "n2", "{\"Id X\":1,\"l\":[1,2]}\n", NULL, &err), CDLT_OK);
    assert_int_equal(column_count(e->db, "items", "Id X"), 1);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM information_schema.tables "
                                         "WHERE table_schema = 'ds' AND table_name = 'items__l'"),
                     0);
    write_config(e, "[sources.src.schema]\nnaming = \"kebab\"\n");
    assert_int_equal(run_text(e, "n3", "{\"id\":1}\n", NULL, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "sources.src.schema.naming"));
    assert_non_null(strstr(err.message, "sql_ci_v1"));
    unsetenv("DLT_PROJECT_DIR");
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_naming),
        cmocka_unit_test(test_import_export_schema),
        cmocka_unit_test(test_max_depth),
        cmocka_unit_test(test_delete_completed_jobs),
        cmocka_unit_test(test_truncate_staging_dataset),
        cmocka_unit_test(test_strict_sections),
        cmocka_unit_test(test_top_level_data_writer),
        cmocka_unit_test(test_settings_from_config_toml),
        cmocka_unit_test(test_json_normalizer_max_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
