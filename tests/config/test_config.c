/* test_config.c: dlt's provider order and section fallbacks, pipeline scoping, env JSON values,
 * typed coercion, secrets (config.toml ban, secret files, masking), the missing-value message,
 * listing with origins, and allocation failures. */
#include "cfgtest.h"

#include "config/config.h"

static const char *get_str(cdlt_config *cfg, const char *section, const char *key)
{
    const char *v = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status st = cdlt_config_get_string(cfg, section, key, &v, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "get %s.%s: %s\n", section ? section : "", key, err.message);
    assert_int_equal(st, CDLT_OK);
    return v;
}

/* Position of needle in hay (asserting it is there). */
static size_t pos(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (!p)
        fprintf(stderr, "expected to find <%s> in:\n%s\n", needle, hay);
    assert_non_null(p);
    return (size_t)(p - hay);
}

static void test_provider_order(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "[sources.github]\nrepo = \"from-config\"\nonly_config = 1\n");
    cf_write(f->settings, "secrets.toml", "[sources.github]\nrepo = \"from-secrets\"\n");
    cf_setenv(f, "SOURCES__GITHUB__REPO", "from-env");
    cdlt_config *cfg = cf_open(f, NULL);
    assert_string_equal(get_str(cfg, "sources.github", "repo"), "from-env");
    unsetenv("SOURCES__GITHUB__REPO");
    assert_string_equal(get_str(cfg, "sources.github", "repo"), "from-secrets");
    assert_string_equal(get_str(cfg, "sources.github", "only_config"), "1");
    cdlt_config_free(cfg);
    cf_free(f);
}

/* Provider order beats path specificity, as dlt does. */
static void test_generic_earlier_provider_wins(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml", "[sources.github]\npage_size = 100\n[sources]\nlevel = \"secrets-generic\"\n");
    cf_write(f->settings, "config.toml", "[sources.github]\nlevel = \"config-specific\"\n");
    cf_setenv(f, "PAGE_SIZE", "7");
    cdlt_config *cfg = cf_open(f, NULL);
    int64_t n = 0;
    cdlt_error err;
    assert_int_equal(cdlt_config_get_int(cfg, "sources.github", "page_size", &n, &err), CDLT_OK);
    assert_int_equal(n, 7);
    assert_string_equal(get_str(cfg, "sources.github", "level"), "secrets-generic");
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_source_fallbacks(void **state)
{
    (void)state;
    static const struct {
        const char *toml;
        const char *expect;
    } cases[] = {
        {"[sources.notion.notion_databases]\napi_key = \"a\"\n[sources.notion]\napi_key = \"b\"\n", "a"},
        {"[sources.notion]\napi_key = \"b\"\n[sources.notion_databases]\napi_key = \"c\"\n", "b"},
        {"[sources.notion_databases]\napi_key = \"c\"\n[sources]\napi_key = \"d\"\n", "c"},
        {"[sources]\napi_key = \"d\"\n", "d"},
        {"api_key = \"e\"\n", "e"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cfgfix *f = cf_new();
        cf_write(f->settings, "secrets.toml", cases[i].toml);
        cdlt_config *cfg = cf_open(f, NULL);
        const char *v = NULL;
        cdlt_error err;
        assert_int_equal(cdlt_config_get_secret(cfg, "sources.notion.notion_databases", "api_key", &v, &err),
                         CDLT_OK);
        assert_string_equal(v, cases[i].expect);
        cdlt_config_free(cfg);
        cf_free(f);
    }
    /* The trace shows the exact order, and no sources.<name> step when section == name. */
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml", "[other]\nx = 1\n");
    cdlt_config *cfg = cf_open(f, NULL);
    const char *v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.notion.notion_databases", "api_key", &v, &err),
                     CDLT_CONFIG_MISSING);
    size_t a = pos(err.message, "(Environment Variables, SOURCES__NOTION__NOTION_DATABASES__API_KEY)");
    size_t b = pos(err.message, "(Environment Variables, SOURCES__NOTION__API_KEY)");
    size_t c = pos(err.message, "(Environment Variables, SOURCES__NOTION_DATABASES__API_KEY)");
    size_t d = pos(err.message, "(Environment Variables, SOURCES__API_KEY)");
    size_t e = pos(err.message, "(Environment Variables, API_KEY)");
    size_t g = pos(err.message, "(secrets.toml, sources.notion.notion_databases.api_key)");
    size_t h = pos(err.message, "(secrets.toml, api_key)");
    assert_true(a < b && b < c && c < d && d < e && e < g && g < h);
    assert_null(strstr(err.message, "(config.toml,")); /* secrets skip config.toml */
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.rest_api.rest_api", "token", &v, &err),
                     CDLT_CONFIG_MISSING);
    size_t r1 = pos(err.message, "SOURCES__REST_API__REST_API__TOKEN)");
    size_t r2 = pos(err.message, "SOURCES__REST_API__TOKEN)");
    assert_true(r1 < r2);
    assert_null(strstr(err.message + r2 + 5, "SOURCES__REST_API__TOKEN)"));
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_destination_fallbacks(void **state)
{
    (void)state;
    static const char *tomls[] = {
        "[destination.postgres.credentials]\npassword = \"p1\"\n",
        "[destination.credentials]\npassword = \"p1\"\n",
        "[credentials]\npassword = \"p1\"\n",
    };
    for (size_t i = 0; i < 3; i++) {
        cfgfix *f = cf_new();
        cf_write(f->settings, "secrets.toml", tomls[i]);
        cdlt_config *cfg = cf_open(f, NULL);
        const char *v = NULL;
        cdlt_error err;
        assert_int_equal(cdlt_config_get_secret(cfg, "destination.postgres", "credentials.password", &v, &err),
                         CDLT_OK);
        assert_string_equal(v, "p1");
        cdlt_config_free(cfg);
        cf_free(f);
    }
    /* The spec's own section is never dropped: destination.postgres.password is not used. */
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml", "[destination.postgres]\npassword = \"wrong\"\n");
    cdlt_config *cfg = cf_open(f, NULL);
    const char *v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_secret(cfg, "destination.postgres", "credentials.password", &v, &err),
                     CDLT_CONFIG_MISSING);
    size_t a = pos(err.message, "(Environment Variables, DESTINATION__POSTGRES__CREDENTIALS__PASSWORD)");
    size_t b = pos(err.message, "(Environment Variables, DESTINATION__CREDENTIALS__PASSWORD)");
    size_t c = pos(err.message, "(Environment Variables, CREDENTIALS__PASSWORD)");
    size_t d = pos(err.message, "(secrets.toml, destination.postgres.credentials.password)");
    size_t e = pos(err.message, "(secrets.toml, credentials.password)");
    assert_true(a < b && b < c && c < d && d < e);
    assert_null(strstr(err.message, "(Environment Variables, PASSWORD)"));
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_pipeline_scope(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml",
             "[my_pipe.sources.github]\ntoken = \"scoped\"\n[sources.github]\ntoken = \"plain\"\nother = \"o\"\n");
    cdlt_config *cfg = cf_open(f, "my_pipe");
    assert_string_equal(get_str(cfg, "sources.github", "token"), "scoped");
    assert_string_equal(get_str(cfg, "sources.github", "other"), "o");
    /* Scoped keys in any provider come before unscoped keys in every provider. */
    cf_setenv(f, "SOURCES__GITHUB__TOKEN", "env-plain");
    assert_string_equal(get_str(cfg, "sources.github", "token"), "scoped");
    cf_setenv(f, "MY_PIPE__SOURCES__GITHUB__TOKEN", "env-scoped");
    assert_string_equal(get_str(cfg, "sources.github", "token"), "env-scoped");
    cdlt_config_free(cfg);
    cfg = cf_open(f, NULL);
    assert_string_equal(get_str(cfg, "sources.github", "token"), "env-plain");
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_env_json(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "[sources.x]\nbase_url = \"https://api\"\n[sources.x.headers]\nb = \"toml\"\n");
    cf_setenv(f, "SOURCES__X__HEADERS", "{\"a\": \"env\", \"n\": [1, 2]}");
    cf_setenv(f, "SOURCES__X__IDS", "[1,2,3]");
    cdlt_config *cfg = cf_open(f, NULL);
    const char *json = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_json(cfg, "sources.x.headers", false, &json, &err), CDLT_OK);
    assert_string_equal(json, "{\"a\":\"env\",\"n\":[1,2]}");
    assert_int_equal(cdlt_config_get_json(cfg, "sources.x.ids", false, &json, &err), CDLT_OK);
    assert_string_equal(json, "[1,2,3]");
    /* Exact path only: no fallback to the root. */
    assert_int_equal(cdlt_config_get_json(cfg, "sources.x.nope", false, &json, &err), CDLT_CONFIG_MISSING);
    /* Malformed JSON in env is an error naming the variable. */
    cf_setenv(f, "SOURCES__X__BAD", "{not json");
    assert_int_equal(cdlt_config_get_json(cfg, "sources.x.bad", false, &json, &err), CDLT_PARSE);
    pos(err.message, "SOURCES__X__BAD");
    /* The whole section merged: the env object is deep-merged over the TOML table. */
    assert_int_equal(cdlt_config_section_json(cfg, "sources.x", &json, &err), CDLT_OK);
    pos(json, "\"base_url\":\"https://api\"");
    pos(json, "\"headers\":{\"b\":\"toml\",\"a\":\"env\",\"n\":[1,2]}");
    pos(json, "\"ids\":[1,2,3]");
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_typed_values(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml",
             "[runtime]\nretries = 5\nratio = 0.5\nflag = true\nname = \"x\"\nbig = 1e3\n");
    cf_setenv(f, "RUNTIME__ENV_INT", " 42 ");
    cf_setenv(f, "RUNTIME__ENV_BOOL", "True");
    cf_setenv(f, "RUNTIME__ENV_DBL", "2.5");
    cdlt_config *cfg = cf_open(f, NULL);
    cdlt_error err;
    int64_t i = 0;
    bool b = false;
    double d = 0;
    assert_int_equal(cdlt_config_get_int(cfg, "runtime", "retries", &i, &err), CDLT_OK);
    assert_int_equal(i, 5);
    assert_int_equal(cdlt_config_get_int(cfg, "runtime", "env_int", &i, &err), CDLT_OK);
    assert_int_equal(i, 42);
    assert_int_equal(cdlt_config_get_int(cfg, "runtime", "big", &i, &err), CDLT_OK);
    assert_int_equal(i, 1000);
    assert_int_equal(cdlt_config_get_bool(cfg, "runtime", "flag", &b, &err), CDLT_OK);
    assert_true(b);
    b = false;
    assert_int_equal(cdlt_config_get_bool(cfg, "runtime", "env_bool", &b, &err), CDLT_OK);
    assert_true(b);
    assert_int_equal(cdlt_config_get_double(cfg, "runtime", "ratio", &d, &err), CDLT_OK);
    assert_true(d == 0.5);
    assert_int_equal(cdlt_config_get_double(cfg, "runtime", "env_dbl", &d, &err), CDLT_OK);
    assert_true(d == 2.5);
    /* Wrong type: CDLT_CONFIG naming key and origin. */
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_int(cfg, "runtime", "name", &i, &err), CDLT_CONFIG);
    pos(err.message, "runtime.name");
    pos(err.message, "config.toml: runtime.name");
    /* Optional variants. */
    assert_int_equal(cdlt_config_get_int_or(cfg, "runtime", "absent", 9, &i, &err), CDLT_OK);
    assert_int_equal(i, 9);
    const char *s = NULL;
    assert_int_equal(cdlt_config_get_string_or(cfg, "runtime", "absent", "dflt", &s, &err), CDLT_OK);
    assert_string_equal(s, "dflt");
    assert_int_equal(cdlt_config_get_secret_or(cfg, "runtime", "absent", NULL, &s, &err), CDLT_OK);
    assert_null(s);
    assert_int_equal(cdlt_config_get_bool_or(cfg, "runtime", "absent", true, &b, &err), CDLT_OK);
    assert_true(b);
    assert_int_equal(cdlt_config_get_double_or(cfg, "runtime", "absent", 1.5, &d, &err), CDLT_OK);
    assert_true(d == 1.5);
    /* Bad arguments. */
    assert_int_equal(cdlt_config_get_string(cfg, "a..b", "k", &s, &err), CDLT_INVALID_ARG);
    assert_int_equal(cdlt_config_get_string(cfg, "a", "", &s, &err), CDLT_INVALID_ARG);
    assert_int_equal(cdlt_config_get_string(NULL, "a", "k", &s, &err), CDLT_INVALID_ARG);
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_secret_in_config(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "[sources.github]\naccess_token = \"ghp_PLANTED_IN_CONFIG\"\n");
    cdlt_config *cfg = cf_open(f, NULL);
    const char *v = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.github", "access_token", &v, &err),
                     CDLT_SECRET_IN_CONFIG);
    pos(err.message, "sources.github.access_token");
    char path[2048];
    snprintf(path, sizeof path, "%s/config.toml", f->settings);
    pos(err.message, path);
    pos(err.message, "secrets.toml");
    pos(err.message, "SOURCES__GITHUB__ACCESS_TOKEN");
    assert_null(strstr(err.message, "PLANTED_IN_CONFIG"));
    assert_null(strstr(cdlt_config_last_message(cfg), "PLANTED_IN_CONFIG"));
    /* Even when also set in the right place, the copy in config.toml is refused. */
    cf_setenv(f, "SOURCES__GITHUB__ACCESS_TOKEN", "ghp_env_value_1");
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.github", "access_token", &v, &err),
                     CDLT_SECRET_IN_CONFIG);
    /* A non-secret lookup of the same key is allowed. */
    unsetenv("SOURCES__GITHUB__ACCESS_TOKEN");
    assert_int_equal(cdlt_config_get_string(cfg, "sources.github", "access_token", &v, &err), CDLT_OK);
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_secret_files(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->secrets, "sources--demo--api-key", "file-token-1\n");
    char k8s[1200];
    snprintf(k8s, sizeof k8s, "%s/destination--postgres--credentials--password", f->secrets);
    mkdir(k8s, 0700);
    cf_write(k8s, "destination--postgres--credentials--password", "k8s-pass");
    cdlt_config *cfg = cf_open(f, NULL);
    const char *v = NULL;
    cdlt_error err;
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.demo", "api_key", &v, &err), CDLT_OK);
    assert_string_equal(v, "file-token-1");
    assert_int_equal(cdlt_config_get_secret(cfg, "destination.postgres", "credentials.password", &v, &err),
                     CDLT_OK);
    assert_string_equal(v, "k8s-pass");
    /* Only secrets read secret files. */
    assert_int_equal(cdlt_config_get_string(cfg, "sources.demo", "api_key", &v, &err), CDLT_CONFIG_MISSING);
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_global_merge(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->global, "secrets.toml", "[sources.github]\ntoken = \"global\"\nother = \"g-other\"\n");
    cf_write(f->settings, "secrets.toml", "[sources.github]\ntoken = \"project\"\n");
    cdlt_config *cfg = cf_open(f, NULL);
    assert_string_equal(get_str(cfg, "sources.github", "token"), "project");
    assert_string_equal(get_str(cfg, "sources.github", "other"), "g-other");
    /* Provenance names the file each leaf came from. */
    cfg_hit hit;
    cdlt_error err;
    assert_int_equal(cfg_get(cfg, "sources.github", "other", 0, &hit, &err), CDLT_OK);
    char gpath[2048];
    snprintf(gpath, sizeof gpath, "%s/secrets.toml", f->global);
    assert_string_equal(hit.file, gpath);
    assert_int_equal(hit.prov, CFG_SECRETS);
    arena a;
    arena_init(&a, 1024, 0);
    jv tree, origin;
    assert_int_equal(cfg_subtree(cfg, "sources.github", &a, &tree, &origin, &err), CDLT_OK);
    const jv *tok = jv_get(&tree, "token");
    assert_non_null(tok);
    assert_string_equal(tok->u.s, "project");
    const jv *oo = jv_get(&origin, "other");
    assert_non_null(oo);
    pos(oo->u.s, gpath);
    pos(oo->u.s, "sources.github.other");
    arena_free(&a);
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_missing_message(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml", "[sources.other]\nx = 1\n");
    cdlt_config *cfg = cf_open(f, "pipe");
    const char *v = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.github", "access_token", &v, &err),
                     CDLT_CONFIG_MISSING);
    const char *m = err.message;
    size_t order[] = {
        pos(m, "Missing 1 field(s) in configuration `sources.github`: `access_token`"),
        pos(m, "(Environment Variables, PIPE__SOURCES__GITHUB__ACCESS_TOKEN)"),
        pos(m, "(Environment Variables, PIPE__ACCESS_TOKEN)"),
        pos(m, "(secrets.toml, pipe.sources.github.access_token)"),
        pos(m, "(secrets.toml, pipe.access_token)"),
        pos(m, "(Environment Variables, SOURCES__GITHUB__ACCESS_TOKEN)"),
        pos(m, "(Environment Variables, SOURCES__ACCESS_TOKEN)"),
        pos(m, "(Environment Variables, ACCESS_TOKEN)"),
        pos(m, "(secrets.toml, sources.github.access_token)"),
        pos(m, "(secrets.toml, sources.access_token)"),
        pos(m, "(secrets.toml, access_token)"),
        pos(m, "Provider `secrets.toml` loaded values from locations:"),
        pos(m, "Provider `secrets.toml` probed but not found the following locations:"),
        pos(m, "WARNING: provider `config.toml` is empty."),
    };
    for (size_t i = 1; i < sizeof order / sizeof order[0]; i++)
        assert_true(order[i - 1] < order[i]);
    char p1[2048], p2[2048];
    snprintf(p1, sizeof p1, "\t- %s/secrets.toml", f->settings);
    snprintf(p2, sizeof p2, "\t- %s/secrets.toml", f->global);
    assert_true(pos(m, p1) < pos(m, p2));
    assert_null(strstr(m, "(config.toml,"));
    assert_string_equal(cdlt_config_last_message(cfg), m);
    /* A non-secret lookup also tries config.toml (when it has content). */
    cdlt_config_free(cfg);
    cf_write(f->settings, "config.toml", "[sources.other]\ny = 2\n");
    cfg = cf_open(f, NULL);
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_string(cfg, "sources.github", "repo", &v, &err), CDLT_CONFIG_MISSING);
    assert_true(pos(err.message, "(secrets.toml, repo)") < pos(err.message, "(config.toml, sources.github.repo)"));
    assert_null(strstr(err.message, "PIPE__"));
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_missing_settings_hint(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    tu_rm_rf(f->settings);
    cdlt_config *cfg = cf_open(f, NULL);
    const char *v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_string(cfg, "sources.github", "repo", &v, &err), CDLT_CONFIG_MISSING);
    pos(err.message, f->settings);
    pos(err.message, "DLT_PROJECT_DIR");
    pos(err.message, "WARNING: provider `secrets.toml` is empty.");
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_long_missing_message_is_compacted(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "x = 1\n");
    cf_write(f->settings, "secrets.toml", "y = 1\n");
    cdlt_config *cfg = cf_open(f, "a_rather_long_pipeline_name_for_testing");
    const char *v;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_string(cfg, "sources.some_module.some_long_source_function_name.deeper.deepest",
                                            "some_long_field_name", &v, &err),
                     CDLT_CONFIG_MISSING);
    /* The full text is kept on the handle; the error holds a compact version that still ends
     * with the file report. */
    assert_true(strlen(cdlt_config_last_message(cfg)) >= CDLT_ERRMSG_MAX);
    pos(cdlt_config_last_message(cfg), "(config.toml, some_long_field_name)");
    pos(err.message, "for field `some_long_field_name` tried in order:");
    pos(err.message, "Provider `config.toml` loaded values from locations:");
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_toml_error(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "[sources\nx = 1\n");
    cdlt_config_opts o = {.project_dir = f->project, .global_dir = f->global, .secrets_dir = ""};
    cdlt_config *cfg = (cdlt_config *)1;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_not_equal(cdlt_config_open(&o, &cfg, &err), CDLT_OK);
    assert_null(cfg);
    pos(err.message, "config.toml");
    assert_true(err.line >= 1);
    cf_free(f);
}

static void test_locations_from_env(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    char custom[1200];
    snprintf(custom, sizeof custom, "%s/my_settings", f->project);
    mkdir(custom, 0700);
    cf_write(custom, "config.toml", "[sources.a]\nx = \"custom-folder\"\ny = \"project\"\n");
    cf_write(f->global, "config.toml", "[sources.a]\ny = \"global\"\nz = \"global-only\"\n");
    cf_setenv(f, "DLT_PROJECT_DIR", f->project);
    cf_setenv(f, "DLT_CONFIG_FOLDER", "my_settings");
    cf_setenv(f, "DLT_DATA_DIR", f->global);
    cdlt_config *cfg = NULL;
    cdlt_error err;
    assert_int_equal(cdlt_config_open(NULL, &cfg, &err), CDLT_OK);
    assert_string_equal(get_str(cfg, "sources.a", "x"), "custom-folder");
    assert_string_equal(get_str(cfg, "sources.a", "y"), "project");
    assert_string_equal(get_str(cfg, "sources.a", "z"), "global-only");
    cdlt_config_free(cfg);
    /* No global folder at all. */
    cdlt_config_opts o = {.global_dir = "", .secrets_dir = ""};
    assert_int_equal(cdlt_config_open(&o, &cfg, &err), CDLT_OK);
    const char *v;
    assert_int_equal(cdlt_config_get_string(cfg, "sources.a", "z", &v, &err), CDLT_CONFIG_MISSING);
    size_t n = 0;
    while (cdlt_config_file_info(cfg, n, NULL, NULL, NULL))
        n++;
    assert_int_equal(n, 2);
    cdlt_config_free(cfg);
    cf_free(f);
}

/* ---- masking ---- */

typedef struct capture {
    char text[65536]; /* every captured line, newline-separated */
    size_t len;       /* used */
    int lines;        /* count */
} capture;

static void sink(cdlt_log_level level, const char *line, void *ud)
{
    (void)level;
    capture *c = ud;
    int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof c->text - c->len)
        c->len += (size_t)n;
    c->lines++;
}

static int list_into(const cdlt_config_item *it, void *ud)
{
    capture *c = ud;
    int n = snprintf(c->text + c->len, sizeof c->text - c->len, "%s = %s (%s %s %s)\n", it->key,
                     it->value, it->provider, it->name, it->file ? it->file : "-");
    if (n > 0 && (size_t)n < sizeof c->text - c->len)
        c->len += (size_t)n;
    c->lines++;
    return 0;
}

static void test_secret_never_leaks(void **state)
{
    (void)state;
    const char *secret = "sk-PLANTED-0123456789";
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml", "[sources.demo]\napi_key = \"sk-PLANTED-0123456789\"\n");
    cf_write(f->settings, "config.toml", "[sources.demo]\npage_size = 10\n");
    static capture cap;
    memset(&cap, 0, sizeof cap);
    cdlt_log_level old = cdlt_log_get_level();
    cdlt_log_set_level(CDLT_LOG_TRACE);
    cdlt_log_set_sink(sink, &cap);
    cdlt_config *cfg = cf_open(f, "pipe");
    const char *v = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.demo", "api_key", &v, &err), CDLT_OK);
    assert_string_equal(v, secret);
    /* The resolution path was logged at debug level... */
    pos(cap.text, "config: `api_key` in `sources.demo` resolved from secrets.toml sources.demo.api_key");
    /* ...and an error that would include the value (a failed coercion) does not. */
    int64_t i;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_int(cfg, "sources.demo", "api_key", &i, &err), CDLT_CONFIG);
    assert_null(strstr(err.message, secret));
    assert_null(strstr(err.message, "PLANTED"));
    /* Any error or log line formatted with the value is masked by core. */
    cdlt_log(CDLT_LOG_ERROR, "request failed with key=%s", v);
    err_set(&err, CDLT_HTTP, "401 for token %s", v);
    assert_null(strstr(err.message, secret));
    /* Listing masks it too. */
    capture *lst = calloc(1, sizeof *lst);
    assert_int_equal(cdlt_config_list(cfg, "sources.demo", list_into, lst, &err), CDLT_OK);
    assert_int_equal(lst->lines, 2);
    pos(lst->text, "sources.demo.api_key = \"s*****9\" (secrets.toml sources.demo.api_key");
    pos(lst->text, "sources.demo.page_size = 10 (config.toml sources.demo.page_size");
    assert_null(strstr(lst->text, secret));
    /* A missing value's error never prints values either. */
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.demo", "absent_key", &v, &err), CDLT_CONFIG_MISSING);
    assert_null(strstr(err.message, secret));
    assert_null(strstr(cdlt_config_last_message(cfg), secret));
    cdlt_log_set_sink(NULL, NULL);
    cdlt_log_set_level(old);
    assert_true(cap.lines > 3);
    assert_null(strstr(cap.text, secret));
    assert_null(strstr(cap.text, "PLANTED"));
    free(lst);
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_placeholder_warning(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml", "[sources.github]\naccess_token = \"<configure me>\"\n");
    static capture cap;
    memset(&cap, 0, sizeof cap);
    cdlt_log_level old = cdlt_log_get_level();
    cdlt_log_set_level(CDLT_LOG_WARN);
    cdlt_log_set_sink(sink, &cap);
    cdlt_config *cfg = cf_open(f, NULL);
    const char *v;
    cdlt_error err;
    assert_int_equal(cdlt_config_get_secret(cfg, "sources.github", "access_token", &v, &err), CDLT_OK);
    assert_string_equal(v, "<configure me>"); /* used anyway, like dlt */
    cdlt_log_set_sink(NULL, NULL);
    cdlt_log_set_level(old);
    pos(cap.text, "`access_token` from secrets.toml sources.github.access_token");
    pos(cap.text, "placeholder");
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_list_origins(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "[sources.github]\nrepo = \"dlt-hub/dlt\"\npage_size = 100\n[sources.other]\nz = 1\n");
    cf_write(f->settings, "secrets.toml", "[sources.github]\naccess_token = \"ghp_abcdefghijkl\"\n");
    cf_setenv(f, "SOURCES__GITHUB__PAGE_SIZE", "50");
    cf_setenv(f, "SOURCES__GITHUB__NESTED__DEEP_KEY", "v");
    cdlt_config *cfg = cf_open(f, NULL);
    capture *c = calloc(1, sizeof *c);
    cdlt_error err;
    assert_int_equal(cdlt_config_list(cfg, "sources.github", list_into, c, &err), CDLT_OK);
    assert_int_equal(c->lines, 4);
    char cpath[2048];
    snprintf(cpath, sizeof cpath, "config.toml sources.github.repo %s/config.toml", f->settings);
    size_t a = pos(c->text, "sources.github.access_token = \"g*****l\" (secrets.toml sources.github.access_token");
    size_t b = pos(c->text, "sources.github.nested.deep_key = \"v\" (Environment Variables SOURCES__GITHUB__NESTED__DEEP_KEY -)");
    size_t d = pos(c->text, "sources.github.page_size = \"50\" (Environment Variables SOURCES__GITHUB__PAGE_SIZE -)");
    size_t e = pos(c->text, "sources.github.repo = \"dlt-hub/dlt\"");
    pos(c->text, cpath);
    assert_true(a < b && b < d && d < e);
    assert_null(strstr(c->text, "sources.other"));
    assert_null(strstr(c->text, "ghp_abcdefghijkl"));
    /* Everything, with a pipeline scope. */
    cdlt_config_free(cfg);
    cf_write(f->settings, "secrets.toml", "[pipe.sources.github]\naccess_token = \"scoped_token_1\"\n");
    cfg = cf_open(f, "pipe");
    memset(c, 0, sizeof *c);
    assert_int_equal(cdlt_config_list(cfg, NULL, list_into, c, &err), CDLT_OK);
    pos(c->text, "sources.github.access_token = \"s*****1\" (secrets.toml pipe.sources.github.access_token");
    pos(c->text, "sources.other.z = 1");
    assert_null(strstr(c->text, "pipe.sources.github.access_token ="));
    free(c);
    /* Files the providers looked at. */
    const char *path, *prov;
    bool loaded;
    size_t nfiles = 0, nloaded = 0;
    for (size_t i = 0; cdlt_config_file_info(cfg, i, &path, &prov, &loaded); i++) {
        nfiles++;
        nloaded += loaded;
    }
    assert_int_equal(nfiles, 4);
    assert_int_equal(nloaded, 2);
    cdlt_config_free(cfg);
    cf_free(f);
}

/* ---- allocation failures ---- */

typedef struct sweep_ud {
    cfgfix *f; /* fixture */
} sweep_ud;

static cdlt_status sweep_lookup(void *ud)
{
    sweep_ud *s = ud;
    cdlt_config_opts o = {.project_dir = s->f->project, .global_dir = s->f->global,
                          .pipeline_name = "pipe", .secrets_dir = s->f->secrets};
    cdlt_config *cfg = NULL;
    cdlt_error err;
    cdlt_status st = cdlt_config_open(&o, &cfg, &err);
    const char *v = NULL;
    if (st == CDLT_OK)
        st = cdlt_config_get_string(cfg, "sources.github", "repo", &v, &err);
    if (st == CDLT_OK)
        st = cdlt_config_get_secret(cfg, "sources.github", "access_token", &v, &err);
    if (st == CDLT_OK) {
        int64_t n;
        st = cdlt_config_get_int_or(cfg, "sources.github", "absent", 1, &n, &err);
    }
    if (st == CDLT_OK) {
        st = cdlt_config_get_string(cfg, "sources.github", "missing", &v, &err);
        st = st == CDLT_CONFIG_MISSING ? CDLT_OK : st;
    }
    if (st == CDLT_OK) {
        const char *json;
        st = cdlt_config_section_json(cfg, "sources", &json, &err);
    }
    cdlt_config_free(cfg);
    cdlt_secret_clear();
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "[sources.github]\nrepo = \"r\"\n");
    cf_write(f->settings, "secrets.toml", "[sources.github]\naccess_token = \"tok-123\"\n");
    cf_setenv(f, "SOURCES__GITHUB__X", "{\"a\": [1, 2]}");
    sweep_ud ud = {f};
    cdlt_secret_clear(); /* the sweep counts live allocations; start from none */
    int points = tu_alloc_failure_sweep(sweep_lookup, &ud, 5000);
    assert_true(points > 10);
    assert_int_equal(sweep_lookup(&ud), CDLT_OK);
    cf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provider_order),
        cmocka_unit_test(test_generic_earlier_provider_wins),
        cmocka_unit_test(test_source_fallbacks),
        cmocka_unit_test(test_destination_fallbacks),
        cmocka_unit_test(test_pipeline_scope),
        cmocka_unit_test(test_env_json),
        cmocka_unit_test(test_typed_values),
        cmocka_unit_test(test_secret_in_config),
        cmocka_unit_test(test_secret_files),
        cmocka_unit_test(test_global_merge),
        cmocka_unit_test(test_missing_message),
        cmocka_unit_test(test_missing_settings_hint),
        cmocka_unit_test(test_long_missing_message_is_compacted),
        cmocka_unit_test(test_toml_error),
        cmocka_unit_test(test_locations_from_env),
        cmocka_unit_test(test_secret_never_leaks),
        cmocka_unit_test(test_placeholder_warning),
        cmocka_unit_test(test_list_origins),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
