/* sqlt.h: helpers of the SQL source tests: make SQLite files with the sqlite3 API, run the
 * real `cdlt` binary on a definition, read results from the DuckDB file. */
#ifndef CDLT_SQLT_H
#define CDLT_SQLT_H

#include "../e2e/cli_run.h"

#include "json/json.h"

#include <sqlite3.h>

/* Run SQL (several statements) against a SQLite file, creating it. */
static inline void lite_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "sqlite: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

static inline void write_text(const char *path, const char *text)
{
    assert_int_equal(tu_write_file(path, text, strlen(text)), 0);
}

/* A test folder with a definition p.toml, DuckDB file out.duckdb and pipelines dir. */
typedef struct sqlt {
    char *dir;
    char def[1200], db[1200], pdir[1200], src[1200];
} sqlt;

static inline void sqlt_init(sqlt *t, const char *tag)
{
    t->dir = tu_mkdtemp(tag);
    snprintf(t->def, sizeof t->def, "%s/p.toml", t->dir);
    snprintf(t->db, sizeof t->db, "%s/out.duckdb", t->dir);
    snprintf(t->pdir, sizeof t->pdir, "%s/pipelines", t->dir);
    snprintf(t->src, sizeof t->src, "%s/src.db", t->dir);
}

static inline void sqlt_free(sqlt *t)
{
    tu_rm_rf(t->dir);
    free(t->dir);
}

/* Write a definition: pipeline `name` into out.duckdb, dataset "d", then `source` (TOML). */
static inline void sqlt_def(sqlt *t, const char *name, const char *source)
{
    char text[16384];
    snprintf(text, sizeof text,
             "pipeline_name = \"%s\"\ncredentials = \"%s\"\ndataset_name = \"d\"\n%s\n", name,
             t->db, source);
    write_text(t->def, text);
}

static inline cli_res sqlt_run(sqlt *t, const char *const *envs)
{
    const char *run[] = {"run", t->def, "--pipelines-dir", t->pdir, "--progress", "none", NULL};
    return run_cli(t->dir, run, envs);
}

/* Run and expect success (prints stderr otherwise). */
static inline void sqlt_run_ok(sqlt *t)
{
    cli_res r = sqlt_run(t, NULL);
    if (r.code != 0)
        fprintf(stderr, "cdlt failed:\n%s\n%s\n", r.out ? r.out : "", r.err ? r.err : "");
    assert_int_equal(r.code, 0);
    res_free(&r);
}

/* Write `source` as pipeline `name`'s definition and run it: it must fail, its stderr holding
 * `want` and, when not NULL, `want2` (stderr is printed otherwise). */
static inline void sqlt_expect_error(sqlt *t, const char *name, const char *source,
                                     const char *want, const char *want2)
{
    sqlt_def(t, name, source);
    cli_res r = sqlt_run(t, NULL);
    if (r.code == 0 || !strstr(r.err, want) || (want2 && !strstr(r.err, want2)))
        fprintf(stderr, "definition %s (%s): code %d, stderr: %s\n", name, source, r.code,
                r.err ? r.err : "");
    assert_int_not_equal(r.code, 0);
    assert_non_null(strstr(r.err, want));
    if (want2)
        assert_non_null(strstr(r.err, want2));
    res_free(&r);
}

/* A DuckDB text result must equal want (NULL = the query fails or returns no row). */
static inline void expect_text(const char *db, const char *sql, const char *want)
{
    char *got = pt_query_text(db, sql);
    if (!want) {
        assert_null(got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fprintf(stderr, "query: %s\n  got:  %s\n  want: %s\n", sql, got ? got : "(none)", want);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* The stored schema of pipeline `name` (schemas/sql_database.schema.json, the source's): tables.<table>.<key>, or
 * the top-level <key> when table is NULL, as compact JSON (malloc'd); NULL when absent. */
static inline char *sqlt_schema_key(const sqlt *t, const char *name, const char *table,
                                    const char *key)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/%s/schemas/sql_database.schema.json", t->pdir, name);
    size_t n = 0;
    char *text = tu_read_file(p, &n);
    assert_non_null(text);
    arena a;
    arena_init(&a, 65536, 0);
    jv doc;
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(json_parse(text, n, &a, NULL, &doc, &e), CDLT_OK);
    const jv *v = table ? jv_get(jv_get(&doc, "tables"), table) : &doc;
    for (const char *k = key; v && *k;) { /* a dotted path: "columns.c.precision" */
        size_t kn = strcspn(k, ".");
        char part[256];
        snprintf(part, sizeof part, "%.*s", (int)kn, k);
        v = jv_get(v, part);
        k += kn + (k[kn] == '.');
    }
    char *out = NULL;
    if (v) {
        buf b = BUF_INIT;
        json_write(&b, v, 0);
        out = strdup(buf_cstr(&b));
        buf_free(&b);
    }
    arena_free(&a);
    free(text);
    return out;
}

/* The stored schema's value must equal want (NULL = absent). */
static inline void expect_schema_key(const sqlt *t, const char *name, const char *table,
                                     const char *key, const char *want)
{
    char *got = sqlt_schema_key(t, name, table, key);
    if (!want || !got || strcmp(got, want) != 0)
        fprintf(stderr, "schema %s.%s: got %s, want %s\n", table ? table : "", key,
                got ? got : "(absent)", want ? want : "(absent)");
    if (!want)
        assert_null(got);
    else
        assert_string_equal(got ? got : "(absent)", want);
    free(got);
}

#endif
