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

#endif
