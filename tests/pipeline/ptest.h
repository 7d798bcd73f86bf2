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

/* A test's temp folder: the DuckDB file <dir>/test.duckdb and the pipelines dir <dir>/pipelines. */
typedef struct pt_env {
    char *dir;       /* temp dir (inputs, database, pipelines) */
    char db[1024];   /* duckdb file */
    char pdir[1024]; /* pipelines dir */
} pt_env;

static inline pt_env *pt_env_new(const char *tag)
{
    pt_env *e = calloc(1, sizeof *e);
    e->dir = tu_mkdtemp(tag);
    snprintf(e->db, sizeof e->db, "%s/test.duckdb", e->dir);
    snprintf(e->pdir, sizeof e->pdir, "%s/pipelines", e->dir);
    return e;
}

static inline void pt_env_free(pt_env *e)
{
    tu_rm_rf(e->dir);
    free(e->dir);
    free(e);
}

/* Options for pipeline `name` into `db` (duckdb, dataset "ds", pipelines in e->pdir). */
static inline void pt_options(const pt_env *e, const char *name, const char *db,
                              cdlt_pipeline_options *o)
{
    cdlt_pipeline_options_init(o);
    o->pipeline_name = name;
    o->destination = "duckdb";
    o->credentials = db;
    o->dataset_name = "ds";
    o->pipelines_dir = e->pdir;
}

/* Open pipeline `name` with options o; fails the test on error. */
static inline cdlt_pipeline *pt_open_opts(const cdlt_pipeline_options *o)
{
    cdlt_pipeline *p = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    cdlt_status rc = cdlt_pipeline_open(o, &p, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "open: %s\n", err.message);
    assert_int_equal(rc, CDLT_OK);
    return p;
}

/* Open pipeline `name` into `db`; fails the test on error. */
static inline cdlt_pipeline *pt_open_db(const pt_env *e, const char *name, const char *db)
{
    cdlt_pipeline_options o;
    pt_options(e, name, db, &o);
    return pt_open_opts(&o);
}

/* Open pipeline `name` into e->db, load files rotated above file_max_bytes. */
static inline cdlt_pipeline *pt_open_rotating(const pt_env *e, const char *name,
                                              uint64_t file_max_bytes)
{
    cdlt_pipeline_options o;
    pt_options(e, name, e->db, &o);
    o.file_max_bytes = file_max_bytes;
    return pt_open_opts(&o);
}

static inline cdlt_pipeline *pt_open(const pt_env *e, const char *name)
{
    return pt_open_db(e, name, e->db);
}

/* A source "files" with one file resource "items" over path (a file or a glob). */
static inline cdlt_source *pt_file_source(const char *path)
{
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_source_open("files", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", path, &r, &err), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    return s;
}

#endif
