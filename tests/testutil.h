/* testutil.h: shared helpers for cmocka tests: paths to test data, temp folders, file reading,
 * and the allocation-failure sweep used to prove "fail the Nth allocation, never crash or leak". */
#ifndef CDLT_TESTUTIL_H
#define CDLT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cdlt.h"

/* Path inside ../shared (testdata lives there); static buffer, copy if you keep it. */
const char *tu_shared_path(const char *rel);
/* Path inside the source tree. */
const char *tu_source_path(const char *rel);
/* Make a fresh temp folder (removed by tu_rm_rf); returns a malloc'd path. */
char *tu_mkdtemp(const char *tag);
/* rm -rf path. */
void tu_rm_rf(const char *path);
/* Read a whole file (malloc'd, NUL-terminated); NULL on error. */
char *tu_read_file(const char *path, size_t *out_len);
/* Write a whole file; 0 on success. */
int tu_write_file(const char *path, const void *data, size_t len);
/* Write text to <dir>/<name> (a definition, an input file); the test fails if it cannot. */
void tu_put(const char *dir, const char *name, const char *text);

/* A list of malloc'd strings (paths, object keys). */
typedef struct tu_list {
    char **v;  /* the strings */
    size_t n;  /* how many */
} tu_list;
void tu_list_add(tu_list *l, const char *s);
void tu_list_sort(tu_list *l);
void tu_list_free(tu_list *l); /* l is empty again */
/* Every file below root, as sorted paths relative to root ("ds/users/1.jsonl"). */
tu_list tu_files_under(const char *root);
/* Entries that start with prefix and end with suffix: how many, and the first (NULL if none). */
size_t tu_count_like(const tu_list *l, const char *prefix, const char *suffix);
const char *tu_find_like(const tu_list *l, const char *prefix, const char *suffix);

/* DuckDB (tu_duckdb.c; link a library that has DuckDB): `db` is a database file or NULL (in
 * memory). A failing statement fails the test with DuckDB's message. */
void tu_duck_exec(const char *db, const char *sql);
/* The first value of the result as text, "NULL" for NULL (malloc'd). */
char *tu_duck_text(const char *db, const char *sql);
void tu_duck_expect(const char *db, const char *sql, const char *want);

/* PostgreSQL (tu_pg.c; libpq's PGconn is struct pg_conn). Failures fail the test. */
struct pg_conn;
struct pg_conn *tu_pg_connect(const char *url);
void tu_pg_exec(struct pg_conn *c, const char *sql);
/* The first value of the result as text ("" for NULL, "(no row)" without rows; malloc'd). */
char *tu_pg_text(struct pg_conn *c, const char *sql);
/* Compare with tu_pg_text; on a mismatch both are printed before the test fails. */
void tu_pg_expect(struct pg_conn *c, const char *sql, const char *want);
/* Drop dataset `ds` and its staging dataset <ds>_staging, quietly when absent. */
void tu_pg_drop_dataset(struct pg_conn *c, const char *ds);
/* Until the process `pid` (a cdlt run, not reaped) has an active COPY into `ds` or has ended:
 * end that COPY's connection from the server side (pg_terminate_backend, as a server restart or
 * an admin would). Only COPYs into ds: other tests share the server. Returns the connections
 * ended (0: the run ended first). */
int tu_pg_end_copy(struct pg_conn *c, const char *ds, int pid);

/* Allocation-failure sweep: calls fn(ud) with allocation #1, #2, ... failing until a call
 * succeeds (fn returns CDLT_OK). Each failing call must return an error status (not crash)
 * and must leave no live allocation behind. Returns the number of failure points checked. */
typedef cdlt_status (*tu_alloc_fn)(void *ud);
int tu_alloc_failure_sweep(tu_alloc_fn fn, void *ud, int max_points);

/* Test database servers (scripts/testdb, started by the ctest fixture cdlt_testdb; see
 * docs/testing-databases.md). tu_db_env(key) returns a value of the fixture's env file, e.g.
 * "CDLT_TEST_PG_PORT"; a variable of that name in the process environment wins (to point a test
 * run by hand at other servers). tu_db_url(which) is the connection URL of
 *   "postgres"        postgresql://cdlt:<pw>@127.0.0.1:<port>/cdlt_test  (CREATEDB, owns cdlt_test)
 *   "postgres_super"  the PostgreSQL superuser
 *   "mysql"           mysql://cdlt:<pw>@127.0.0.1:<port>/cdlt_test      (all privileges)
 *   "mysql_super"     a MariaDB user with all privileges and GRANT OPTION
 * When the servers are not running the calling test FAILS (never skips): a test that calls
 * tu_db_url() requires the fixture automatically (re-run cmake after adding the first call).
 * Returned strings stay valid until the process ends. */
const char *tu_db_env(const char *key);
const char *tu_db_url(const char *which);

/* The S3-compatible test server (scripts/s3server, ctest fixture cdlt_s3, signature checking
 * on): tu_s3_env(key) is a value of its env file, keys CDLT_TEST_S3_ENDPOINT
 * ("http://127.0.0.1:<port>"), CDLT_TEST_S3_BUCKET, CDLT_TEST_S3_KEY_ID, CDLT_TEST_S3_SECRET,
 * CDLT_TEST_S3_REGION; a process environment variable of that name wins. A test that calls
 * tu_s3_env( requires the fixture automatically (re-run cmake after adding the first call);
 * without the server the test FAILS. Returned strings live until the process ends. */
const char *tu_s3_env(const char *key);
/* dlt's credential variables for the fixture's server under `section` ("SOURCES__FILESYSTEM",
 * "DESTINATION__FILESYSTEM"): kv[0..3] = "<section>__CREDENTIALS__AWS_ACCESS_KEY_ID=...",
 * ...AWS_SECRET_ACCESS_KEY, ...ENDPOINT_URL, ...REGION_NAME; envs = kv[0..3] then NULLs (a
 * test may put more "K=V" entries in envs[4..6] before passing it to the CLI). Requires the
 * fixture as tu_s3_env( does. */
typedef struct tu_s3_creds {
    char kv[4][600];     /* the four "KEY=value" entries */
    const char *envs[8]; /* kv[0..3], then NULL-terminated room for more */
} tu_s3_creds;
void tu_s3_creds_env(const char *section, tu_s3_creds *c);
/* tu_s3.c (objstore): a store on s3://<fixture bucket>/<prefix> with the fixture's
 * credentials (the URL is written to url when given); the test fails if it cannot open.
 * tu_s3_list: every object below it (recursive, relative paths, sorted as listed). A test
 * calling tu_s3_store( requires the fixture as tu_s3_env( does. */
struct os_store;
struct os_store *tu_s3_store(const char *prefix, char *url, size_t cap);
tu_list tu_s3_list(struct os_store *s);

/* A PRIVATE scripts/testdb server pair (PostgreSQL + MariaDB) for a test that kills or stops
 * a server (the shared fixture servers are never stopped). tu_private_db_start makes a temp
 * folder and starts the servers in it (0, or -1 when they do not start);
 * tu_private_db_env(p, key) is a value of its env file (CDLT_TEST_PG_URL, CDLT_TEST_PG_PORT,
 * CDLT_TEST_MYSQL_URL, ...; the test fails when the key is missing; valid until stop); tmp is
 * the servers' data folder (PostgreSQL data in <tmp>/pg/data); stop stops them and removes
 * the folder. */
#define TU_PRIVATE_KEPT 16
typedef struct tu_private_db {
    char *dir;                    /* the folder given to scripts/testdb */
    char *env;                    /* its testdb.env text */
    char tmp[1024];               /* the servers' temp folder (from testdb.state) */
    char *kept[TU_PRIVATE_KEPT];  /* values handed out by tu_private_db_env (freed by stop) */
} tu_private_db;
int tu_private_db_start(const char *tag, tu_private_db *p);
const char *tu_private_db_env(tu_private_db *p, const char *key);
int tu_private_db_stop(tu_private_db *p);

#endif
