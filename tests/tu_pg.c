/* tu_pg.c: checking PostgreSQL from a test in one call (connect, run, first value as text,
 * compare). A separate file of the test library so that only tests that use it need libpq. */
#include "testutil.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

PGconn *tu_pg_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    return c;
}

void tu_pg_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}

char *tu_pg_text(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    char *out = strdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "(no row)");
    PQclear(r);
    return out;
}

void tu_pg_expect(PGconn *c, const char *sql, const char *want)
{
    char *got = tu_pg_text(c, sql);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "%s:\n  want '%s'\n  got  '%s'\n", sql, want, got);
    assert_string_equal(got, want);
    free(got);
}

void tu_pg_drop_dataset(PGconn *c, const char *ds)
{
    char sql[600];
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \"%s\" "
             "CASCADE; DROP SCHEMA IF EXISTS \"%s_staging\" CASCADE", ds, ds);
    tu_pg_exec(c, sql);
}

int tu_pg_end_copy(PGconn *c, const char *ds, int pid)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
             "application_name = 'cdlt' AND query LIKE 'COPY \"%s\".%%' AND state = 'active'",
             ds);
    for (;;) {
        char *n = tu_pg_text(c, sql);
        int killed = atoi(n);
        free(n);
        siginfo_t si;
        memset(&si, 0, sizeof si);
        /* until a COPY was hit or the run ended (not reaped: the caller does that) */
        if (killed || (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                       si.si_pid == pid))
            return killed;
        usleep(1000);
    }
}
