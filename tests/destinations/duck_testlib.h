/* duck_testlib.h: helpers shared by the DuckDB destination tests (not a test program itself):
 * small schemas, a destination in a temp folder, one-value queries, typed values. */
#ifndef CDLT_DUCK_TESTLIB_H
#define CDLT_DUCK_TESTLIB_H

#include "testutil.h"

#include "dest_testlib.h"
#include "destinations/duckdb/duck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline destination *tl_open(const char *dir, const char *dataset)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/test.duckdb", dir);
    dest_config cfg = {.pipeline_name = "p", .dataset_name = dataset, .credentials = path};
    destination *d = NULL;
    cdlt_error err = {0};
    cdlt_status st = dest_find("duckdb")->open(&cfg, &d, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "open: %s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    return d;
}

/* First value of the first row as text (malloc'd), NULL for SQL NULL or no row. */
static inline char *tl_q(destination *d, const char *sql)
{
    duckdb_result res;
    if (duckdb_query(d->con, sql, &res) != DuckDBSuccess) {
        fprintf(stderr, "query failed: %s: %s\n", sql, duckdb_result_error(&res));
        duckdb_destroy_result(&res);
        fail();
    }
    char *out = NULL;
    if (duckdb_row_count(&res) > 0 && !duckdb_value_is_null(&res, 0, 0)) {
        char *v = duckdb_value_varchar(&res, 0, 0);
        out = strdup(v);
        duckdb_free(v);
    }
    duckdb_destroy_result(&res);
    return out;
}

static inline void tl_expect(destination *d, const char *sql, const char *want)
{
    char *got = tl_q(d, sql);
    if (!want) {
        if (got)
            fprintf(stderr, "%s: want NULL, got '%s'\n", sql, got);
        assert_null(got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fprintf(stderr, "%s:\n  want '%s'\n  got  '%s'\n", sql, want, got ? got : "(NULL)");
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static inline int64_t tl_count(destination *d, const char *table)
{
    int64_t n = -2;
    cdlt_error err = {0};
    assert_int_equal(dest_find("duckdb")->table_row_count(d, table, &n, &err), CDLT_OK);
    return n;
}

#endif
