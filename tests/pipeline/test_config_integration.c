/* test_config_integration.c: a pipeline opened without credentials takes its destination
 * settings from a dlt project (.dlt/secrets.toml, .dlt/config.toml, env): precedence of env over
 * files, options over files, pipeline-scoped keys first; secrets stay masked. */
#include "ptest.h"

#include "config/config.h"
#include "pipeline/pipeline.h"

#include <sys/stat.h>

typedef struct proj {
    char *dir;          /* temp project dir (DLT_PROJECT_DIR) */
    char pdir[1024];    /* pipelines dir */
    char secrets[1024]; /* .dlt/secrets.toml */
    char config[1024];  /* .dlt/config.toml */
} proj;

static void put(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

static proj *proj_new(void)
{
    proj *p = calloc(1, sizeof *p);
    p->dir = tu_mkdtemp("cfgint");
    char dlt[1100];
    snprintf(dlt, sizeof dlt, "%s/.dlt", p->dir);
    mkdir(dlt, 0755);
    snprintf(p->pdir, sizeof p->pdir, "%s/pipelines", p->dir);
    snprintf(p->secrets, sizeof p->secrets, "%s/secrets.toml", dlt);
    snprintf(p->config, sizeof p->config, "%s/config.toml", dlt);
    setenv("DLT_PROJECT_DIR", p->dir, 1);
    return p;
}

static void proj_free(proj *p)
{
    unsetenv("DLT_PROJECT_DIR");
    tu_rm_rf(p->dir);
    free(p->dir);
    free(p);
}

/* Run one replace load of 3 rows; returns the load info text (malloc'd by the library). */
static char *load_once(proj *pj, const char *name, const char *cred, const char *opts)
{
    char data[1100];
    snprintf(data, sizeof data, "%s/items.jsonl", pj->dir);
    put(data, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    o.pipeline_name = name;
    o.credentials = cred;
    o.dataset_name = "ds";
    o.pipelines_dir = pj->pdir;
    o.destination_options = opts;
    cdlt_pipeline *p = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_open(&o, &p, &err), CDLT_OK);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", data, &r, &err), CDLT_OK);
    assert_int_equal(cdlt_resource_set_write_disposition(r, CDLT_WD_REPLACE), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_load_info *info = NULL;
    assert_int_equal(cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, &info, &err), CDLT_OK);
    char *text = NULL;
    assert_int_equal(cdlt_load_info_to_string(info, false, &text), CDLT_OK);
    cdlt_load_info_free(info);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return text;
}

static bool has_staging(const char *db)
{
    return pt_query_int(db, "SELECT count(*) FROM information_schema.schemata "
                            "WHERE schema_name = 'ds_staging'") > 0;
}

/* secrets.toml gives the file, config.toml the strategy; env and scoped keys override */
static void test_project_settings(void **st)
{
    (void)st;
    proj *pj = proj_new();
    char db[1100], envdb[1100], scoped[1100], optdb[1100], text[4096];
    snprintf(db, sizeof db, "%s/x.duckdb", pj->dir);
    snprintf(envdb, sizeof envdb, "%s/env.duckdb", pj->dir);
    snprintf(scoped, sizeof scoped, "%s/scoped.duckdb", pj->dir);
    snprintf(optdb, sizeof optdb, "%s/opt.duckdb", pj->dir);
    snprintf(text, sizeof text, "[destination.duckdb]\ncredentials = \"%s\"\n", db);
    put(pj->secrets, text);
    put(pj->config, "[destination.duckdb]\nreplace_strategy = \"insert-from-staging\"\n"
                    "load_threads = 2\n");
    char *info = load_once(pj, "cp", NULL, NULL);
    assert_int_equal(pt_count(db, "ds", "items"), 3);
    assert_true(has_staging(db));
    free(info);

    /* the environment beats the files, for credentials and settings */
    setenv("DESTINATION__DUCKDB__CREDENTIALS", envdb, 1);
    setenv("DESTINATION__REPLACE_STRATEGY", "truncate-and-insert", 1);
    free(load_once(pj, "cp2", NULL, NULL));
    assert_int_equal(pt_count(envdb, "ds", "items"), 3);
    assert_false(has_staging(envdb));
    /* ... and the options too (as for definition files) */
    free(load_once(pj, "cp3", optdb, "{\"replace_strategy\":\"insert-from-staging\"}"));
    assert_int_equal(pt_count(envdb, "ds", "items"), 3);
    assert_int_equal(pt_count(optdb, "ds", "items"), -1);
    unsetenv("DESTINATION__DUCKDB__CREDENTIALS");
    unsetenv("DESTINATION__REPLACE_STRATEGY");

    /* options beat the files */
    free(load_once(pj, "cp4", optdb, "{\"replace_strategy\":\"truncate-and-insert\"}"));
    assert_int_equal(pt_count(optdb, "ds", "items"), 3);
    assert_false(has_staging(optdb));

    /* [destination] replace_strategy is the section fallback; pipeline-scoped keys win */
    snprintf(text, sizeof text,
             "[destination.duckdb]\ncredentials = \"%s\"\n"
             "[cp5.destination.duckdb]\ncredentials = \"%s\"\n", db, scoped);
    put(pj->secrets, text);
    put(pj->config, "[destination]\nreplace_strategy = \"insert-from-staging\"\n");
    free(load_once(pj, "cp5", NULL, NULL));
    assert_int_equal(pt_count(scoped, "ds", "items"), 3);
    assert_true(has_staging(scoped));

    /* a bad value names where it came from */
    put(pj->config, "[destination.duckdb]\nreplace_strategy = \"fast\"\n");
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    o.pipeline_name = "cp6";
    o.pipelines_dir = pj->pdir;
    cdlt_pipeline *p = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_pipeline_open(&o, &p, &err), CDLT_CONFIG);
    assert_non_null(strstr(err.message, "config.toml"));
    assert_non_null(strstr(err.message, "fast"));
    proj_free(pj);
}

/* a definition file's credentials lose to the environment, win over secrets.toml */
static void test_definition_and_project(void **st)
{
    (void)st;
    proj *pj = proj_new();
    char def[1100], db[1100], text[4096];
    snprintf(def, sizeof def, "%s/p.toml", pj->dir);
    snprintf(db, sizeof db, "%s/x.duckdb", pj->dir);
    snprintf(text, sizeof text, "[destination.duckdb]\ncredentials = \"%s\"\n", db);
    put(pj->secrets, text);
    put(def, "pipeline_name = \"dp\"\ncredentials = \"def.duckdb\"\n"
             "resources = [{name = \"r\", path = \"r.jsonl\"}]\n");
    cdlt_definition *d = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_definition_load(def, &d, &err), CDLT_OK);
    cdlt_pipeline_options o;
    cdlt_pipeline_options_init(&o);
    cdlt_definition_options(d, &o);
    assert_non_null(strstr(o.credentials, "def.duckdb"));
    cdlt_definition_free(d);
    setenv("DP__DESTINATION__DUCKDB__CREDENTIALS", "/tmp/scoped-env.duckdb", 1);
    assert_int_equal(cdlt_definition_load(def, &d, &err), CDLT_OK);
    cdlt_definition_options(d, &o);
    assert_string_equal(o.credentials, "/tmp/scoped-env.duckdb");
    cdlt_definition_free(d);
    unsetenv("DP__DESTINATION__DUCKDB__CREDENTIALS");
    proj_free(pj);
}

/* non-duckdb credentials are secrets: secrets.toml/env only, registered with the masker */
static void test_secret_credentials(void **st)
{
    (void)st;
    proj *pj = proj_new();
    static const char SECRET[] = "postgresql://loader:Sup3rS3cretPw@db/x";
    char text[512];
    snprintf(text, sizeof text, "[destination.postgres]\ncredentials = \"%s\"\n", SECRET);
    put(pj->secrets, text);
    cdlt_config *cfg = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(pipe_config_open("sp", &cfg, &err), CDLT_OK);
    const char *c = NULL;
    bool from_env = true;
    assert_int_equal(pipe_config_credentials(cfg, "postgres", &c, &from_env, &err), CDLT_OK);
    assert_string_equal(c, SECRET);
    assert_false(from_env);
    char masked[512];
    cdlt_secret_mask_text(SECRET, masked, sizeof masked);
    assert_null(strstr(masked, "Sup3rS3cretPw"));
    cdlt_config_free(cfg);
    /* config.toml cannot hold it (dlt's rule) */
    put(pj->secrets, "");
    put(pj->config, "[destination.postgres]\ncredentials = \"postgresql://u:OtherPw99@h/d\"\n");
    assert_int_equal(pipe_config_open("sp", &cfg, &err), CDLT_OK);
    assert_int_equal(pipe_config_credentials(cfg, "postgres", &c, &from_env, &err),
                     CDLT_SECRET_IN_CONFIG);
    assert_null(strstr(err.message, "OtherPw99"));
    cdlt_config_free(cfg);
    proj_free(pj);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_settings),
        cmocka_unit_test(test_definition_and_project),
        cmocka_unit_test(test_secret_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
