/* pg_testlib.h: helpers of the PostgreSQL destination tests (not a test program itself): a
 * destination on the fixture server (docs/testing-databases.md) in a dataset named after the
 * test, and one-value queries on a separate libpq connection. */
#ifndef CDLT_PG_TESTLIB_H
#define CDLT_PG_TESTLIB_H

#include "dest_testlib.h"
#include "destinations/postgres/pg.h"

/* A separate connection for checks (sees only committed data). */
static inline PGconn *pl_conn(void)
{
    PGconn *c = PQconnectdb(tu_db_url("postgres"));
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect to the test server: %s", PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}

static inline void pl_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

/* Drop a dataset and its staging dataset (a killed earlier run may have left them). */
static inline void pl_drop(PGconn *c, const char *ds)
{
    char sql[512];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE; DROP SCHEMA IF EXISTS "
             "\"%s_staging\" CASCADE", ds, ds);
    pl_exec(c, sql);
}

/* First value of the first row (malloc'd); NULL for SQL NULL or no row. */
static inline char *pl_q(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    char *out = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return out;
}

static inline void pl_expect(PGconn *c, const char *sql, const char *want)
{
    char *got = pl_q(c, sql);
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

static inline destination *pl_open(const char *dataset, const char *opts_json)
{
    static arena a;
    static bool init;
    if (!init) {
        arena_init(&a, 4096, 0);
        init = true;
    }
    jv opts = jv_null();
    if (opts_json) {
        cdlt_error perr = {0};
        assert_int_equal(json_parse(opts_json, strlen(opts_json), &a, NULL, &opts, &perr), CDLT_OK);
    }
    dest_config cfg = {.pipeline_name = "p", .dataset_name = dataset,
                       .credentials = tu_db_url("postgres"),
                       .options = opts_json ? &opts : NULL};
    destination *d = NULL;
    cdlt_error err = {0};
    cdlt_status st = dest_find("postgres")->open(&cfg, &d, &err);
    if (st != CDLT_OK)
        fail_msg("open: %s", err.message);
    return d;
}

#endif
