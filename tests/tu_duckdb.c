/* tu_duckdb.c: reading what a test loaded into DuckDB (or asking DuckDB to make or read test
 * files) in one call: a statement, the first value as text, a comparison. A separate file of
 * the test library so that only tests that use it need DuckDB at link time. */
#include "testutil.h"

#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs sql; the test fails on an error. The caller destroys *r and closes *d / *c. */
static void run(const char *db, const char *sql, duckdb_database *d, duckdb_connection *c,
                duckdb_result *r)
{
    if (duckdb_open(db, d) != DuckDBSuccess)
        fail_msg("cannot open DuckDB %s", db ? db : "(memory)");
    if (duckdb_connect(*d, c) != DuckDBSuccess)
        fail_msg("cannot connect to DuckDB %s", db ? db : "(memory)");
    if (duckdb_query(*c, sql, r) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(r));
}

static void done(duckdb_database *d, duckdb_connection *c, duckdb_result *r)
{
    duckdb_destroy_result(r);
    duckdb_disconnect(c);
    duckdb_close(d);
}

void tu_duck_exec(const char *db, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    duckdb_result r;
    run(db, sql, &d, &c, &r);
    done(&d, &c, &r);
}

char *tu_duck_text(const char *db, const char *sql)
{
    duckdb_database d;
    duckdb_connection c;
    duckdb_result r;
    run(db, sql, &d, &c, &r);
    char *v = duckdb_value_varchar(&r, 0, 0);
    char *out = strdup(v ? v : "NULL");
    duckdb_free(v);
    done(&d, &c, &r);
    return out;
}

void tu_duck_expect(const char *db, const char *sql, const char *want)
{
    char *got = tu_duck_text(db, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", sql, got, want);
    free(got);
}
