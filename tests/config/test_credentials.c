/* test_credentials.c: connection strings (several forms, percent-decoding, IPv6, missing parts,
 * errors that never quote the string) and credentials resolved whole or field by field. */
#include "cfgtest.h"

#include "core/core.h"

static cdlt_credentials *parse_ok(const char *url)
{
    cdlt_credentials *c = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status st = cdlt_credentials_parse(url, &c, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "parse failed: %s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return c;
}

#define assert_str_or_null(a, b)                                                                   \
    do {                                                                                           \
        if ((b) == NULL)                                                                           \
            assert_null(a);                                                                        \
        else {                                                                                     \
            assert_non_null(a);                                                                    \
            assert_string_equal(a, b);                                                             \
        }                                                                                          \
    } while (0)

static void test_parse_forms(void **state)
{
    (void)state;
    static const struct {
        const char *url, *driver, *user, *pass, *host;
        int port;
        const char *db;
        size_t nq;
    } cases[] = {
        {"postgresql://loader:pass@localhost:5432/dlt_data", "postgresql", "loader", "pass", "localhost", 5432, "dlt_data", 0},
        {"postgresql://user:pass@host:5432/db?sslmode=require&connect_timeout=10", "postgresql", "user", "pass", "host", 5432, "db", 2},
        {"mysql+pymysql://rfamro@mysql-rfam-public.ebi.ac.uk:4497/Rfam", "mysql+pymysql", "rfamro", NULL, "mysql-rfam-public.ebi.ac.uk", 4497, "Rfam", 0},
        {"postgresql://u%40x:p%3Aa%2Fs%25s@h/db%20name", "postgresql", "u@x", "p:a/s%s", "h", 0, "db name", 0},
        {"postgresql://user:p@ss@host/db", "postgresql", "user", "p@ss", "host", 0, "db", 0},
        {"postgresql://user:pw@[::1]:5433/db", "postgresql", "user", "pw", "::1", 5433, "db", 0},
        {"postgresql://[2001:db8::7]/db", "postgresql", NULL, NULL, "2001:db8::7", 0, "db", 0},
        {"duckdb:///tmp/x.duckdb", "duckdb", NULL, NULL, NULL, 0, "tmp/x.duckdb", 0},
        {"snowflake://user@account", "snowflake", "user", NULL, "account", 0, NULL, 0},
        {"sqlite://", "sqlite", NULL, NULL, NULL, 0, NULL, 0},
        {"mssql+pyodbc://u:p@h:1433/db?driver=ODBC+Driver+18", "mssql+pyodbc", "u", "p", "h", 1433, "db", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cdlt_credentials *c = parse_ok(cases[i].url);
        assert_str_or_null(c->drivername, cases[i].driver);
        assert_str_or_null(c->username, cases[i].user);
        assert_str_or_null(c->password, cases[i].pass);
        assert_str_or_null(c->host, cases[i].host);
        assert_int_equal(c->port, cases[i].port);
        assert_str_or_null(c->database, cases[i].db);
        assert_int_equal(c->nquery, cases[i].nq);
        cdlt_credentials_free(c);
    }
    cdlt_credentials *c = parse_ok("postgresql://user:pass@host:5432/db?sslmode=require&connect_timeout=10");
    assert_string_equal(c->query[0].key, "sslmode");
    assert_string_equal(c->query[0].value, "require");
    assert_string_equal(c->query[1].key, "connect_timeout");
    assert_string_equal(c->query[1].value, "10");
    cdlt_credentials_free(c);
    c = parse_ok("mssql+pyodbc://u:p@h:1433/db?driver=ODBC+Driver+18");
    assert_string_equal(c->query[0].value, "ODBC Driver 18");
    cdlt_credentials_free(c);
}

static void test_to_url_roundtrip(void **state)
{
    (void)state;
    const char *urls[] = {"postgresql://u%40x:p%3Aa%2Fs@h:5432/db?sslmode=require",
                          "postgresql://user:pw@[::1]:5433/db", "duckdb:///tmp/x.duckdb"};
    for (size_t i = 0; i < 3; i++) {
        cdlt_credentials *c = parse_ok(urls[i]);
        char out[512];
        size_t n = cdlt_credentials_to_url(c, false, out, sizeof out);
        assert_int_equal(n, strlen(out));
        assert_string_equal(out, urls[i]);
        cdlt_credentials_free(c);
    }
    cdlt_credentials *c = parse_ok("postgresql://loader:secretpw@localhost:5432/dlt_data");
    char out[512];
    cdlt_credentials_to_url(c, true, out, sizeof out);
    assert_string_equal(out, "postgresql://loader:***@localhost:5432/dlt_data");
    /* Truncation still NUL-terminates and reports the needed length. */
    char small[10];
    size_t need = cdlt_credentials_to_url(c, true, small, sizeof small);
    assert_int_equal(need, strlen(out));
    assert_int_equal(strlen(small), 9);
    cdlt_credentials_free(c);
}

static void test_parse_errors(void **state)
{
    (void)state;
    const char *bad[] = {"not a url", "://host/db", "postgresql://u:SECRETPW1@host:notaport/db",
                         "postgresql://u:SECRETPW1@[::1/db", "postgresql://u:SECRETPW1@host:99999/db",
                         "post gres://h/db"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cdlt_credentials *c = (cdlt_credentials *)1;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(cdlt_credentials_parse(bad[i], &c, &err), CDLT_CONFIG);
        assert_null(c);
        assert_null(strstr(err.message, "SECRETPW1"));
        assert_non_null(strstr(err.message, "driver://"));
    }
}

/* Issue 10 (both found by fuzz_config_lookup): "l://[[]" parsed (host "[") but rendered to "l://[", which does not parse. Brackets
 * now hold only an IPv6 literal; anything else is an error naming the byte, never the string. */
static void test_bracket_host(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const char *byte; /* "at byte N" expected in the message */
    } bad[] = {
        {"l://[[]", "at byte 6"},
        {"postgresql://u:SECRETPW1@[abc]/db", "at byte 27"},
        {"postgresql://u:SECRETPW1@[]/db", "at byte 27"},
        {"postgresql://u:SECRETPW1@[::1]x/db", "at byte 31"},
        {"postgresql://u:SECRETPW1@[::1%]/db", "at byte 30"},
        {"postgresql://u:SECRETPW1@[::1]:x/db", "at byte 32"},
        /* a decoded NUL used to cut the user name to "", which renders back as no user */
        {"s://%000000051615:1d%%@\350", "at byte 5"},
        {"postgresql://u:SECRETPW1@h/db%00x", "at byte 30"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cdlt_credentials *c = (cdlt_credentials *)1;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(cdlt_credentials_parse(bad[i].url, &c, &err), CDLT_CONFIG);
        assert_null(c);
        if (!strstr(err.message, bad[i].byte))
            fail_msg("%s: %s", bad[i].url, err.message);
        assert_null(strstr(err.message, "SECRETPW1"));
    }
    /* Accepted bracket hosts render back to a URL that parses to the same host. */
    const char *good[] = {"l://[::1]", "pg://[::ffff:10.0.0.1]:5432/db", "pg://u:p@[fe80::1%eth0]/db",
                          "pg://[2001:DB8::7]"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cdlt_credentials *c = parse_ok(good[i]);
        char out[256];
        cdlt_credentials_to_url(c, false, out, sizeof out);
        assert_string_equal(out, good[i]);
        cdlt_credentials *c2 = parse_ok(out);
        assert_string_equal(c2->host, c->host);
        cdlt_credentials_free(c);
        cdlt_credentials_free(c2);
    }
}

static void test_resolve_whole_string(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "secrets.toml",
             "[sources.sql_database]\ncredentials = \"mysql+pymysql://rfamro:PWD_whole1@mysql-rfam-public.ebi.ac.uk:4497/Rfam\"\n");
    cdlt_config *cfg = cf_open(f, NULL);
    cdlt_credentials *c = NULL;
    cdlt_error err;
    const char *req[] = {"drivername", "username", "password", "host", "database", NULL};
    assert_int_equal(cdlt_config_get_credentials(cfg, "sources.sql_database", "credentials", req, &c, &err), CDLT_OK);
    assert_string_equal(c->drivername, "mysql+pymysql");
    assert_string_equal(c->password, "PWD_whole1");
    assert_int_equal(c->port, 4497);
    cdlt_credentials_free(c);
    /* The whole string is a secret: it is masked in errors. */
    err_set(&err, CDLT_DESTINATION, "connect to mysql+pymysql://rfamro:PWD_whole1@x failed");
    assert_null(strstr(err.message, "PWD_whole1"));
    /* Env beats TOML, generic env beats specific TOML (dlt's order). */
    cf_setenv(f, "CREDENTIALS", "postgresql://envuser:envpw@envhost/envdb");
    assert_int_equal(cdlt_config_get_credentials(cfg, "sources.sql_database", NULL, req, &c, &err), CDLT_OK);
    assert_string_equal(c->host, "envhost");
    cdlt_credentials_free(c);
    /* A bad string names where it came from, never the string. */
    cf_setenv(f, "SOURCES__SQL_DATABASE__CREDENTIALS", "postgresql://u:BADPW_1@h:port/db");
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_config_get_credentials(cfg, "sources.sql_database", NULL, req, &c, &err), CDLT_CONFIG);
    assert_null(c);
    assert_non_null(strstr(err.message, "SOURCES__SQL_DATABASE__CREDENTIALS"));
    assert_null(strstr(err.message, "BADPW_1"));
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_resolve_fields(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml",
             "[destination.postgres.credentials]\nhost = \"localhost\"\nport = 5432\ndatabase = \"dlt_data\"\n"
             "drivername = \"postgresql\"\n[destination.postgres.credentials.query]\nsslmode = \"disable\"\n");
    cf_write(f->settings, "secrets.toml",
             "[destination.postgres.credentials]\nusername = \"loader\"\npassword = \"  toml-pass-1 \"\n");
    cdlt_config *cfg = cf_open(f, NULL);
    cdlt_credentials *c = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    const char *req[] = {"drivername", "username", "password", "host", "database", NULL};
    assert_int_equal(cdlt_config_get_credentials(cfg, "destination.postgres", "credentials", req, &c, &err), CDLT_OK);
    assert_string_equal(c->drivername, "postgresql");
    assert_string_equal(c->username, "loader");
    assert_string_equal(c->password, "toml-pass-1"); /* trimmed */
    assert_string_equal(c->host, "localhost");
    assert_int_equal(c->port, 5432);
    assert_string_equal(c->database, "dlt_data");
    assert_int_equal(c->nquery, 1);
    assert_string_equal(c->query[0].key, "sslmode");
    cdlt_credentials_free(c);
    /* A field in env overrides the TOML table; the generic credentials.* paths also count. */
    cf_setenv(f, "DESTINATION__POSTGRES__CREDENTIALS__PASSWORD", "env-pass-1");
    cf_setenv(f, "CREDENTIALS__PORT", "6543");
    assert_int_equal(cdlt_config_get_credentials(cfg, "destination.postgres", "credentials", req, &c, &err), CDLT_OK);
    assert_string_equal(c->password, "env-pass-1");
    assert_int_equal(c->port, 6543);
    cdlt_credentials_free(c);
    /* Env JSON object for the whole group. */
    cf_setenv(f, "DESTINATION__POSTGRES__CREDENTIALS",
              "{\"drivername\":\"postgresql\",\"username\":\"j\",\"password\":\"json-pass-1\",\"host\":\"jh\",\"database\":\"jd\",\"port\":1234}");
    assert_int_equal(cdlt_config_get_credentials(cfg, "destination.postgres", "credentials", req, &c, &err), CDLT_OK);
    assert_string_equal(c->username, "j");
    assert_string_equal(c->password, "json-pass-1");
    assert_int_equal(c->port, 1234);
    assert_int_equal(c->nquery, 1); /* query still from config.toml */
    cdlt_credentials_free(c);
    /* A connection string without a password takes it from a field. */
    cf_setenv(f, "DESTINATION__POSTGRES__CREDENTIALS", "postgresql://loader@dbhost/dlt_data");
    assert_int_equal(cdlt_config_get_credentials(cfg, "destination.postgres", "credentials", req, &c, &err), CDLT_OK);
    assert_string_equal(c->host, "dbhost");
    assert_string_equal(c->password, "env-pass-1");
    cdlt_credentials_free(c);
    cdlt_config_free(cfg);
    cf_free(f);
}

static void test_missing_credentials(void **state)
{
    (void)state;
    cfgfix *f = cf_new();
    cf_write(f->settings, "config.toml", "[destination.postgres.credentials]\nhost = \"localhost\"\n");
    cdlt_config *cfg = cf_open(f, NULL);
    cdlt_credentials *c = (cdlt_credentials *)1;
    cdlt_error err;
    cdlt_error_clear(&err);
    const char *req[] = {"drivername", "username", "password", "host", "database", NULL};
    assert_int_equal(cdlt_config_get_credentials(cfg, "destination.postgres", "credentials", req, &c, &err),
                     CDLT_CONFIG_MISSING);
    assert_null(c);
    const char *m = cdlt_config_last_message(cfg);
    assert_non_null(strstr(m, "Missing 4 field(s) in configuration `destination.postgres`: `credentials.drivername`, "
                              "`credentials.username`, `credentials.password`, `credentials.database`"));
    assert_non_null(strstr(m, "(Environment Variables, DESTINATION__POSTGRES__CREDENTIALS__PASSWORD)"));
    assert_non_null(strstr(m, "(Environment Variables, CREDENTIALS__PASSWORD)"));
    assert_non_null(strstr(m, "(config.toml, destination.postgres.credentials.username)"));
    assert_non_null(strstr(m, "(Environment Variables, DESTINATION__POSTGRES__CREDENTIALS)"));
    assert_non_null(strstr(m, "NOTE: following fields in `destination.postgres` got resolved: `host`"));
    /* Unknown required field names are a caller bug. */
    const char *bad[] = {"hostname", NULL};
    assert_int_equal(cdlt_config_get_credentials(cfg, "destination.postgres", "credentials", bad, &c, &err),
                     CDLT_INVALID_ARG);
    cdlt_config_free(cfg);
    cf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_to_url_roundtrip),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_bracket_host),
        cmocka_unit_test(test_resolve_whole_string),
        cmocka_unit_test(test_resolve_fields),
        cmocka_unit_test(test_missing_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
