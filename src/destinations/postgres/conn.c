/* conn.c: PostgreSQL session lifecycle (connect with a libpq connection string, one
 * transaction per load package) and the SQL helpers every other file uses: identifier
 * quoting and statement execution whose errors say what failed, PostgreSQL's reason, the SQL
 * and what to do. The password never reaches a message: it is registered as a secret before
 * connecting and messages name only host, port and database. */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cdlt_status pg_quote_ident(buf *b, const char *ident)
{
    buf_putc(b, '"');
    for (const char *p = ident; *p; p++) {
        if (*p == '"')
            buf_putc(b, '"');
        buf_putc(b, *p);
    }
    return buf_putc(b, '"');
}

cdlt_status pg_qualified(const destination *d, buf *b, const char *table)
{
    buf_puts(b, d->qdataset);
    buf_putc(b, '.');
    return pg_quote_ident(b, table);
}

/* PostgreSQL's message without its trailing newline, in `out`. */
static void clean_msg(const char *m, char *out, size_t n)
{
    snprintf(out, n, "%s", m && *m ? m : "unknown error");
    size_t l = strlen(out);
    while (l && (out[l - 1] == '\n' || out[l - 1] == ' '))
        out[--l] = '\0';
    for (char *p = out; *p; p++)
        if (*p == '\n')
            *p = ' ';
}

cdlt_status pg_fail(destination *d, cdlt_error *err, const char *what, const PGresult *res,
                    const char *sql)
{
    char msg[1024];
    clean_msg(res ? PQresultErrorMessage(res) : d && d->conn ? PQerrorMessage(d->conn) : NULL,
              msg, sizeof msg);
    if (!res && d && d->conn && PQstatus(d->conn) != CONNECTION_OK)
        snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " (connection lost)");
    int sql_len = sql ? (int)strlen(sql) : 0;
    if (sql_len > 600)
        sql_len = 600;
    if (sql)
        err_set(err, CDLT_DESTINATION, "postgres: %s failed on %s: %s; SQL: %.*s%s", what,
                d && d->label ? d->label : "?", msg, sql_len, sql,
                strlen(sql) > 600 ? "..." : "");
    else
        err_set(err, CDLT_DESTINATION, "postgres: %s failed on %s: %s", what,
                d && d->label ? d->label : "?", msg);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "42501") == 0)
        return err_hint(err, "the user lacks a privilege: grant it CREATE on the database "
                             "and USAGE/CREATE on the dataset schema");
    if (state && strncmp(state, "08", 2) == 0)
        return err_hint(err, "the connection broke; the package transaction is rolled back "
                             "and the next run loads the package again");
    return err_hint(err, "check the message above; if a table was changed outside cdlt fix or "
                         "drop it");
}

cdlt_status pg_exec(destination *d, const char *sql, const char *what, cdlt_error *err)
{
    PGresult *r = PQexec(d->conn, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        pg_fail(d, err, what, r, sql);
        PQclear(r);
        return CDLT_DESTINATION;
    }
    PQclear(r);
    return CDLT_OK;
}

cdlt_status pg_query(destination *d, const char *sql, int nparams, const char *const *params,
                     const char *what, PGresult **out, cdlt_error *err)
{
    *out = NULL;
    PGresult *r = PQexecParams(d->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        pg_fail(d, err, what, r, sql);
        PQclear(r);
        return CDLT_DESTINATION;
    }
    *out = r;
    return CDLT_OK;
}

cdlt_status pg_table_exists(destination *d, const char *table, bool *out, cdlt_error *err)
{
    *out = false;
    static const char sql[] = "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 "
                              "AND table_name = $2 LIMIT 1";
    const char *p[2] = {d->dataset, table};
    PGresult *r;
    cdlt_status st = pg_query(d, sql, 2, p, "looking up a table", &r, err);
    if (st != CDLT_OK) {
        err_set_table(err, table);
        return st;
    }
    *out = PQntuples(r) > 0;
    PQclear(r);
    return CDLT_OK;
}

void pg_now_text(char *out, size_t n)
{
    buf b = BUF_INIT;
    int64_t us = (int64_t)(time_unix() * 1e6);
    int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
    int64_t y;
    unsigned m, dd;
    types_civil_from_days(days, &y, &m, &dd);
    int64_t sec = rem / 1000000;
    snprintf(out, n, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld+00", (long long)y, m, dd,
             (long long)(sec / 3600), (long long)(sec / 60 % 60), (long long)(sec % 60),
             (long long)(rem % 1000000));
    buf_free(&b);
}

/* NOTICEs (e.g. "schema already exists, skipping") go to the debug log, not stderr. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    char msg[512];
    clean_msg(message, msg, sizeof msg);
    LOG_DEBUG("postgres: %s", msg);
}

static bool opt_bool(const jv *opts, const char *key, bool dflt)
{
    const jv *v = opts ? jv_get(opts, key) : NULL;
    if (!v)
        return dflt;
    if (v->type == JV_BOOL)
        return v->u.b;
    if (v->type == JV_STRING)
        return strcmp(v->u.s, "true") == 0 || strcmp(v->u.s, "1") == 0 ||
               strcmp(v->u.s, "True") == 0;
    return dflt;
}

void pg_close(destination *d)
{
    if (!d)
        return;
    pg_pool_free(d); /* the workers roll back first: nothing half-commits */
    if (d->in_tx && d->conn && PQstatus(d->conn) == CONNECTION_OK)
        PQclear(PQexec(d->conn, "ROLLBACK")); /* an unfinished package never half-commits */
    strv_free(&d->deferred_unique);
    strv_free(&d->deferred_tables);
    if (d->conn)
        PQfinish(d->conn);
    mem_free(d->dataset);
    mem_free(d->qdataset);
    mem_free(d->staging);
    mem_free(d->qstaging);
    mem_free(d->label);
    if (d->conninfo) {
        memset(d->conninfo, 0, strlen(d->conninfo)); /* a secret: not left in freed memory */
        mem_free(d->conninfo);
    }
    mem_free(d);
}

/* The staging dataset name from dlt's staging_dataset_name_layout ("%s" = the dataset). */
static cdlt_status staging_name(const dest_config *cfg, buf *out)
{
    const jv *lay = cfg->options ? jv_get(cfg->options, "staging_dataset_name_layout") : NULL;
    const char *layout = lay && lay->type == JV_STRING && lay->u.s[0] ? lay->u.s : "%s_staging";
    const char *pct = strstr(layout, "%s");
    if (pct) {
        buf_append(out, layout, (size_t)(pct - layout));
        buf_puts(out, cfg->dataset_name);
        return buf_puts(out, pct + 2);
    }
    return buf_puts(out, layout);
}

/* Parse the credential (libpq URI or key=value string), register its password as a secret
 * and make the message label "host:port/database". */
static cdlt_status inspect_credentials(const char *cred, buf *label, cdlt_error *err)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(cred, &perr);
    if (!opts) {
        if (perr)
            PQfreemem(perr);
        /* never quote the string back: it may hold the password */
        err_set(err, CDLT_CONFIG, "postgres: the credentials are not a valid connection string");
        return err_hint(err, "give postgresql://user:password@host:port/database, or the "
                             "fields [destination.postgres.credentials] database, username, "
                             "password, host, port");
    }
    const char *host = NULL, *port = NULL, *db = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "password") == 0 && o->val[0])
            cdlt_secret_register(o->val);
        else if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
    }
    buf_printf(label, "%s:%s/%s", host && *host ? host : "localhost", port && *port ? port : "5432",
               db && *db ? db : "(default database)");
    PQconninfoFree(opts);
    return label->status == CDLT_OK ? CDLT_OK : err_nomem(err);
}

cdlt_status pg_open(const dest_config *cfg, destination **out, cdlt_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->dataset_name || !cfg->dataset_name[0])
        return err_set(err, CDLT_CONFIG, "postgres: no dataset name given; set dataset_name in "
                                         "the pipeline config");
    if (!cfg->credentials || !cfg->credentials[0]) {
        err_set(err, CDLT_CONFIG, "postgres: no credentials given");
        return err_hint(err, "set destination.postgres.credentials (a connection string "
                             "postgresql://user:password@host:port/database, or its fields) in "
                             ".dlt/secrets.toml, or env DESTINATION__POSTGRES__CREDENTIALS");
    }
    cdlt_status st = secret_register_credential(cfg->credentials);
    if (st != CDLT_OK)
        return err_nomem(err);
    destination *d = mem_calloc(1, sizeof *d);
    if (!d)
        return err_nomem(err);
    buf q = BUF_INIT, sn = BUF_INIT, label = BUF_INIT;
    if ((st = inspect_credentials(cfg->credentials, &label, err)) != CDLT_OK) {
        pg_close(d);
        return st;
    }
    d->label = buf_detach(&label, NULL);
    d->dataset = mem_strdup(cfg->dataset_name);
    pg_quote_ident(&q, cfg->dataset_name);
    d->qdataset = buf_detach(&q, NULL);
    staging_name(cfg, &sn);
    if (sn.status == CDLT_OK)
        pg_quote_ident(&q, buf_cstr(&sn));
    d->staging = buf_detach(&sn, NULL);
    d->qstaging = buf_detach(&q, NULL);
    if (!d->label || !d->dataset || !d->qdataset || !d->staging || !d->qstaging) {
        pg_close(d);
        return err_nomem(err);
    }
    if (strlen(d->dataset) > PG_MAX_IDENT || strlen(d->staging) > PG_MAX_IDENT) {
        err_set(err, CDLT_CONFIG, "postgres: dataset name '%s' (or its staging dataset '%s') is "
                "longer than PostgreSQL's %d-byte identifier limit", d->dataset, d->staging,
                PG_MAX_IDENT);
        pg_close(d);
        return err_hint(err, "choose a shorter dataset_name");
    }
    /* load_threads: tables loaded over that many connections at once (pool.c) */
    const jv *lt = cfg->options ? jv_get(cfg->options, "load_threads") : NULL;
    long long nt = PG_DEFAULT_LOAD_THREADS;
    if (lt) {
        char *end = NULL;
        nt = lt->type == JV_INT ? (long long)lt->u.i
             : lt->type == JV_STRING ? strtoll(lt->u.s, &end, 10) : -1;
        if (lt->type == JV_STRING && (!end || *end || end == lt->u.s))
            nt = -1;
    }
    if (nt < 1 || nt > PG_MAX_LOAD_THREADS) {
        err_set(err, CDLT_CONFIG, "postgres: destination.postgres.load_threads must be a whole "
                "number from 1 to %d", PG_MAX_LOAD_THREADS);
        pg_close(d);
        return err_hint(err, "set load_threads in [destination.postgres] to the number of "
                             "connections that load tables at once (see docs/postgres.md)");
    }
    d->load_threads = (uint32_t)nt;
    /* dlt's default for postgres is true: UNIQUE constraints for unique columns */
    d->create_indexes = opt_bool(cfg->options, "create_indexes", true);
    const jv *rs = cfg->options ? jv_get(cfg->options, "replace_strategy") : NULL;
    d->staging_optimized = rs && rs->type == JV_STRING && strcmp(rs->u.s, "staging-optimized") == 0;

    if (d->load_threads > 1 && !(d->conninfo = mem_strdup(cfg->credentials))) {
        pg_close(d);
        return err_nomem(err);
    }
    st = pg_connect(d, cfg->credentials, err);
    if (st != CDLT_OK) {
        pg_close(d);
        return st;
    }
    *out = d;
    return CDLT_OK;
}

cdlt_status pg_connect(destination *d, const char *conninfo, cdlt_error *err)
{
    /* dlt's connect_timeout default is 15 s; a value in the string wins (it comes later) */
    const char *keys[] = {"connect_timeout", "client_encoding", "application_name", "dbname",
                          NULL};
    const char *vals[] = {"15", "UTF8", "cdlt", conninfo, NULL};
    d->conn = PQconnectdbParams(keys, vals, 1);
    if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
        char msg[1024];
        clean_msg(d->conn ? PQerrorMessage(d->conn) : "out of memory", msg, sizeof msg);
        err_set(err, CDLT_DESTINATION, "postgres: cannot connect to %s: %s", d->label, msg);
        return err_hint(err, "check that the server runs and accepts TCP connections there, "
                             "and the user name, password and database in "
                             "destination.postgres.credentials (env "
                             "DESTINATION__POSTGRES__CREDENTIALS)");
    }
    PQsetNoticeProcessor(d->conn, on_notice, NULL);
    /* timestamps are written with an explicit offset; UTC keeps what the server prints
     * (and compares as text) independent of its configuration */
    return pg_exec(d, "SET TIME ZONE 'UTC'", "setting the session time zone", err);
}

cdlt_status pg_begin(destination *d, cdlt_error *err)
{
    if (d->in_tx)
        return err_set(err, CDLT_STATE, "postgres: begin called inside an open transaction; "
                                        "commit or roll back first");
    /* load_threads > 1: the workers create tables in the dataset in their own
     * transactions, so it must exist (committed) before: made here, outside the package */
    cdlt_status st = CDLT_OK;
    if (d->load_threads > 1 && !d->dataset_ready && (st = pg_create_dataset(d, err)) == CDLT_OK)
        d->dataset_ready = true;
    if (st == CDLT_OK)
        st = pg_exec(d, "BEGIN", "starting a transaction", err);
    if (st == CDLT_OK)
        d->in_tx = true;
    return st;
}

cdlt_status pg_commit(destination *d, cdlt_error *err)
{
    if (!d->in_tx)
        return err_set(err, CDLT_STATE, "postgres: commit without begin");
    /* the workers' transactions first (every COPY done and good), this one with _dlt_loads
     * last (pool.c) */
    cdlt_status pst = pg_pool_commit(d, err);
    if (pst != CDLT_OK) {
        pg_rollback(d, NULL);
        return pst;
    }
    if (d->deferred_unique.n) {
        cdlt_status ust = pg_add_deferred_unique(d, err);
        if (ust != CDLT_OK) {
            pg_rollback(d, NULL);
            return ust;
        }
    }
    d->in_tx = false;
    /* COMMIT of an aborted transaction reports success with a ROLLBACK tag: treat as failure */
    PGresult *r = PQexec(d->conn, "COMMIT");
    cdlt_status st = CDLT_OK;
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        st = pg_fail(d, err, "committing the load transaction", r, "COMMIT");
    } else if (strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
        err_set(err, CDLT_DESTINATION, "postgres: the load transaction on %s was rolled back "
                "at COMMIT because a statement in it had failed", d->label);
        st = CDLT_DESTINATION;
    }
    PQclear(r);
    return st;
}

cdlt_status pg_rollback(destination *d, cdlt_error *err)
{
    pg_pool_rollback(d);
    strv_clear(&d->deferred_unique); /* their tables are rolled back too */
    strv_clear(&d->deferred_tables);
    if (!d->in_tx)
        return CDLT_OK;
    d->in_tx = false;
    if (PQstatus(d->conn) != CONNECTION_OK)
        return CDLT_OK; /* the server dropped the transaction with the connection */
    return pg_exec(d, "ROLLBACK", "rolling back the load transaction", err);
}
