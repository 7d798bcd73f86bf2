/* testutil.c: see testutil.h. */
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tu_shared_path(const char *rel)
{
    static char path[4096];
    const char *base = getenv("CDLT_SHARED_DIR");
    snprintf(path, sizeof path, "%s/%s", base && *base ? base : CDLT_SHARED_DIR, rel);
    return path;
}

const char *tu_source_path(const char *rel)
{
    static char path[4096];
    const char *base = getenv("CDLT_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/%s", base && *base ? base : CDLT_SOURCE_DIR, rel);
    return path;
}

char *tu_mkdtemp(const char *tag)
{
    char tmpl[512];
    const char *t = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/cdlt-%s-XXXXXX", t && *t ? t : "/tmp", tag ? tag : "t");
    char *p = mkdtemp(tmpl);
    return p ? strdup(p) : NULL;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void tu_rm_rf(const char *path)
{
    if (path)
        nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

char *tu_read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    if (out_len)
        *out_len = got;
    return buf;
}

int tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = fwrite(data, 1, len, f);
    return fclose(f) == 0 && put == len ? 0 : -1;
}

int tu_alloc_failure_sweep(tu_alloc_fn fn, void *ud, int max_points)
{
    int points = 0;
    for (int n = 1; n <= max_points; n++) {
        int64_t live = cdlt_alloc_live();
        cdlt_alloc_fail_at((uint64_t)n, false);
        cdlt_status st = fn(ud);
        cdlt_alloc_fail_at(0, false);
        if (cdlt_alloc_live() != live) {
            fprintf(stderr, "alloc sweep: leak after failing allocation #%d (status %s)\n", n,
                    cdlt_status_name(st));
            fail();
        }
        if (st == CDLT_OK)
            return points;
        points++;
    }
    return points;
}

/* The fixture's env file, parsed once: KEY=value lines. */
#define TU_DB_MAX 32
static char *tu_db_keys[TU_DB_MAX], *tu_db_vals[TU_DB_MAX];
static int tu_db_n = -1;

static const char *tu_db_env_path(void)
{
    static char path[4096];
    const char *p = getenv("CDLT_TESTDB_ENV");
    if (p && *p)
        return p;
    const char *b = getenv("CDLT_BINARY_DIR");
    snprintf(path, sizeof path, "%s/testdb/testdb.env", b && *b ? b : CDLT_BINARY_DIR);
    return path;
}

static void tu_db_load(void)
{
    if (tu_db_n >= 0)
        return;
    tu_db_n = 0;
    char *text = tu_read_file(tu_db_env_path(), NULL);
    if (!text)
        return;
    for (char *line = strtok(text, "\n"); line && tu_db_n < TU_DB_MAX; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        tu_db_keys[tu_db_n] = strdup(line);
        tu_db_vals[tu_db_n] = strdup(eq + 1);
        tu_db_n++;
    }
    free(text);
}

const char *tu_db_env(const char *key)
{
    const char *v = getenv(key);
    if (v && *v)
        return v;
    tu_db_load();
    for (int i = 0; i < tu_db_n; i++)
        if (strcmp(tu_db_keys[i], key) == 0)
            return tu_db_vals[i];
    fail_msg("test database servers are not running: %s has no %s. Run the test through ctest "
             "(fixture cdlt_testdb starts them; re-run cmake if this test just started to need "
             "them) or start them by hand: scripts/testdb start %s/testdb",
             tu_db_env_path(), key, getenv("CDLT_BINARY_DIR") ? getenv("CDLT_BINARY_DIR") : CDLT_BINARY_DIR);
    return NULL;
}

const char *tu_db_url(const char *which)
{
    const char *key = strcmp(which, "postgres") == 0         ? "CDLT_TEST_PG_URL"
                      : strcmp(which, "postgres_super") == 0 ? "CDLT_TEST_PG_SUPER_URL"
                      : strcmp(which, "mysql") == 0          ? "CDLT_TEST_MYSQL_URL"
                      : strcmp(which, "mysql_super") == 0    ? "CDLT_TEST_MYSQL_SUPER_URL"
                                                             : NULL;
    if (!key)
        fail_msg("tu_db_url: unknown server '%s' (postgres, postgres_super, mysql, mysql_super)", which);
    return tu_db_env(key);
}

#define TU_S3_MAX 16
static int tu_s3_n = -1;
static char *tu_s3_keys[TU_S3_MAX], *tu_s3_vals[TU_S3_MAX];

static const char *tu_s3_env_path(void)
{
    static char path[4096];
    const char *p = getenv("CDLT_S3_ENV");
    if (p && *p)
        return p;
    const char *b = getenv("CDLT_BINARY_DIR");
    snprintf(path, sizeof path, "%s/s3server/s3server.env", b && *b ? b : CDLT_BINARY_DIR);
    return path;
}

const char *tu_s3_env(const char *key)
{
    const char *v = getenv(key);
    if (v && *v)
        return v;
    if (tu_s3_n < 0) {
        tu_s3_n = 0;
        char *text = tu_read_file(tu_s3_env_path(), NULL);
        for (char *line = text ? strtok(text, "\n") : NULL; line && tu_s3_n < TU_S3_MAX;
             line = strtok(NULL, "\n")) {
            char *eq = strchr(line, '=');
            if (!eq)
                continue;
            *eq = '\0';
            tu_s3_keys[tu_s3_n] = strdup(line);
            tu_s3_vals[tu_s3_n] = strdup(eq + 1);
            tu_s3_n++;
        }
        free(text);
    }
    for (int i = 0; i < tu_s3_n; i++)
        if (strcmp(tu_s3_keys[i], key) == 0)
            return tu_s3_vals[i];
    fail_msg("the S3 test server is not running: %s has no %s. Run the test through ctest "
             "(fixture cdlt_s3 starts it; re-run cmake if this test just started to need it) or "
             "start it by hand: scripts/s3server start %s/s3server",
             tu_s3_env_path(), key,
             getenv("CDLT_BINARY_DIR") ? getenv("CDLT_BINARY_DIR") : CDLT_BINARY_DIR);
    return NULL;
}

void tu_s3_creds_env(const char *section, tu_s3_creds *c)
{
    static const char *const names[4][2] = {{"AWS_ACCESS_KEY_ID", "CDLT_TEST_S3_KEY_ID"},
                                            {"AWS_SECRET_ACCESS_KEY", "CDLT_TEST_S3_SECRET"},
                                            {"ENDPOINT_URL", "CDLT_TEST_S3_ENDPOINT"},
                                            {"REGION_NAME", "CDLT_TEST_S3_REGION"}};
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 4; i++) {
        snprintf(c->kv[i], sizeof c->kv[i], "%s__CREDENTIALS__%s=%s", section, names[i][0],
                 tu_s3_env(names[i][1]));
        c->envs[i] = c->kv[i];
    }
}

int tu_private_db_start(const char *tag, tu_private_db *p)
{
    memset(p, 0, sizeof *p);
    p->dir = tu_mkdtemp(tag);
    char cmd[4096], path[4096];
    snprintf(cmd, sizeof cmd, "'%s/scripts/testdb' start '%s' >/dev/null", CDLT_SOURCE_DIR,
             p->dir);
    if (system(cmd) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/testdb.env", p->dir);
    p->env = tu_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/testdb.state", p->dir);
    char *state = tu_read_file(path, NULL);
    if (!p->env || !state) {
        free(state);
        return -1;
    }
    snprintf(p->tmp, sizeof p->tmp, "%.*s", (int)strcspn(state, "\n"), state);
    free(state);
    return 0;
}

const char *tu_private_db_env(tu_private_db *p, const char *key)
{
    size_t kl = strlen(key);
    for (const char *line = p->env; line && *line;) {
        if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
            size_t i = 0;
            while (i < TU_PRIVATE_KEPT && p->kept[i])
                i++;
            assert_true(i < TU_PRIVATE_KEPT);
            p->kept[i] = strndup(line + kl + 1, strcspn(line + kl + 1, "\n"));
            return p->kept[i];
        }
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    fail_msg("the private test servers in %s have no %s", p->dir, key);
    return NULL;
}

int tu_private_db_stop(tu_private_db *p)
{
    if (!p->dir)
        return 0;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s/scripts/testdb' stop '%s' >/dev/null", CDLT_SOURCE_DIR,
             p->dir);
    int rc = system(cmd);
    tu_rm_rf(p->dir);
    free(p->dir);
    free(p->env);
    for (size_t i = 0; i < TU_PRIVATE_KEPT; i++)
        free(p->kept[i]);
    memset(p, 0, sizeof *p);
    return rc == 0 ? 0 : -1;
}
