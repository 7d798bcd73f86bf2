/* ptest.h: helpers shared by the pipeline and e2e tests: query a DuckDB file directly (the
 * pipeline must have closed it), open pipelines in temp dirs, write generated input files. */
#ifndef CDLT_PTEST_H
#define CDLT_PTEST_H

#include "testutil.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scalar query result as int64; -1 when the query fails (e.g. missing table). */
static inline int64_t pt_query_int(const char *db, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    if (duckdb_open(db, &d) != DuckDBSuccess)
        return -2;
    if (duckdb_connect(d, &c) != DuckDBSuccess) {
        duckdb_close(&d);
        return -2;
    }
    duckdb_result r;
    int64_t v = -1;
    if (duckdb_query(c, sql, &r) == DuckDBSuccess) {
        if (duckdb_row_count(&r) > 0)
            v = duckdb_value_int64(&r, 0, 0);
    }
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return v;
}

/* Scalar query result as text (malloc'd; NULL on failure). */
static inline char *pt_query_text(const char *db, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    if (duckdb_open(db, &d) != DuckDBSuccess)
        return NULL;
    if (duckdb_connect(d, &c) != DuckDBSuccess) {
        duckdb_close(&d);
        return NULL;
    }
    duckdb_result r;
    char *out = NULL;
    if (duckdb_query(c, sql, &r) == DuckDBSuccess && duckdb_row_count(&r) > 0) {
        char *v = duckdb_value_varchar(&r, 0, 0);
        if (v) {
            out = strdup(v);
            duckdb_free(v);
        }
    }
    duckdb_destroy_result(&r);
    duckdb_disconnect(&c);
    duckdb_close(&d);
    return out;
}

/* Rows of dataset.table (-1 when missing). */
static inline int64_t pt_count(const char *db, const char *dataset, const char *table)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".\"%s\"", dataset, table);
    return pt_query_int(db, sql);
}

#endif
