/* postgres.c: the PostgreSQL reader of the sql_database source (libpq). Reflection reads
 * pg_catalog and maps types as dlt sees them through SQLAlchemy's PostgreSQL dialect
 * (domains resolve to their base type). Rows stream with COPY (SELECT ...) TO STDOUT in binary
 * format: every column is cast in that SELECT to one wire type per dlt type (int8, float8,
 * bool, date, timestamp[tz], time, bytea, or text for decimals, strings, json and arrays via
 * to_json), so decoding is a fixed big-endian read per value and no text is parsed for
 * numbers and timestamps. docs/sql_database.md has the measurements behind the choice. */
#include "sql.h"

#include "json/json.h"
#include "sqlgen/sqltext.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sql_conn {
    PGconn *pg;
    char *masked; /* URL for messages */
};

struct sql_cursor {
    sql_conn *c;
    const sql_column *cols;
    size_t ncols;
    char *what;        /* schema.table for messages */
    char *msg;         /* current CopyData message (PQfreemem) */
    int msg_len;
    int pos;           /* read position in msg */
    bool header_done;  /* the binary COPY header was consumed */
    bool done;
};

#define PG_EPOCH_DAYS 10957                /* 2000-01-01 - 1970-01-01 */
#define PG_EPOCH_US 946684800000000LL      /* the same in microseconds */

static bool pg_accepts(const char *d)
{
    return strcmp(d, "postgresql") == 0 || strcmp(d, "postgres") == 0 ||
           strncmp(d, "postgresql+", 11) == 0 || strncmp(d, "postgres+", 9) == 0;
}

static cdlt_status pg_open(const sql_url *u, sql_conn **out, cdlt_error *err)
{
    *out = NULL;
    const char *keys[40], *vals[40];
    size_t n = 0;
    char port[16];
    if (u->host)
        keys[n] = "host", vals[n++] = u->host;
    if (u->port) {
        snprintf(port, sizeof port, "%d", u->port);
        keys[n] = "port", vals[n++] = port;
    }
    if (u->username)
        keys[n] = "user", vals[n++] = u->username;
    if (u->password)
        keys[n] = "password", vals[n++] = u->password;
    if (u->database && *u->database)
        keys[n] = "dbname", vals[n++] = u->database;
    bool has_timeout = false;
    for (size_t i = 0; i < u->query_keys.n && n < 34; i++) {
        /* query keys are libpq connection keywords (sslmode, connect_timeout, ...); libpq
         * rejects unknown ones with a message naming the keyword */
        keys[n] = u->query_keys.v[i], vals[n++] = u->query_vals.v[i];
        if (strcmp(u->query_keys.v[i], "connect_timeout") == 0)
            has_timeout = true;
    }
    if (!has_timeout)
        keys[n] = "connect_timeout", vals[n++] = "15";
    keys[n] = "client_encoding", vals[n++] = "UTF8";
    keys[n] = "application_name", vals[n++] = "cdlt";
    keys[n] = NULL, vals[n] = NULL;
    sql_conn *c = mem_calloc(1, sizeof *c);
    if (!c || !(c->masked = mem_strdup(u->masked))) {
        mem_free(c);
        return err_nomem(err);
    }
    c->pg = PQconnectdbParams(keys, vals, 0);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
        size_t l = strlen(msg);
        while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
            msg[--l] = 0;
        const char *what_to_do =
            strstr(msg, "password") ? "check the user name and password in the credentials"
            : strstr(msg, "does not exist") ? "check the database name in the credentials"
                                            : "check that the server runs and accepts TCP "
                                              "connections at that host and port";
        cdlt_status rc = err_set(err, CDLT_SOURCE, "cannot connect to PostgreSQL (%s): %s; %s",
                                 c->masked, msg, what_to_do);
        PQfinish(c->pg);
        mem_free(c->masked);
        mem_free(c);
        return rc;
    }
    *out = c;
    return CDLT_OK;
}

static void pg_close(sql_conn *c)
{
    if (!c)
        return;
    PQfinish(c->pg);
    mem_free(c->masked);
    mem_free(c);
}

static void pg_quote_ident(buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

static void pg_quote_literal(buf *b, const char *s, size_t n) { sqlgen_string(b, s, n); }

static cdlt_status pg_exec(sql_conn *c, const char *sql, int np, const char *const *params,
                           PGresult **out, const char *doing, cdlt_error *err)
{
    PGresult *r = PQexecParams(c->pg, sql, np, NULL, params, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        cdlt_status rc = err_set(err, CDLT_SOURCE, "PostgreSQL (%s): %s failed: %s", c->masked,
                                 doing, r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
        PQclear(r);
        return rc;
    }
    *out = r;
    return CDLT_OK;
}

static cdlt_status pg_list_tables(sql_conn *c, const char *schema, bool include_views, strv *out,
                                  cdlt_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
             "n.oid = c.relnamespace WHERE n.nspname = coalesce($1, current_schema()) AND "
             "c.relkind IN ('r', 'p', 'f'%s) AND NOT c.relispartition ORDER BY c.relname",
             include_views ? ", 'v', 'm'" : "");
    const char *p[1] = {schema};
    PGresult *r = NULL;
    cdlt_status rc = pg_exec(c, sql, 1, p, &r, "listing tables", err);
    for (int i = 0; rc == CDLT_OK && i < PQntuples(r); i++)
        if (strv_add(out, PQgetvalue(r, i, 0)) != CDLT_OK)
            rc = err_nomem(err);
    PQclear(r);
    return rc;
}

/* SQLAlchemy's PostgreSQL types -> dlt types (spec sources.md §7.3). */
void sql_pg_map_type(const char *typname, char typcategory, int typmod, bool is_array,
                     bool is_enum, sql_column *c)
{
    c->type = DT_NONE;
    c->timezone = false;
    if (is_array) {
        c->type = DT_JSON;
        c->nested = true;
        return;
    }
    if (is_enum) {
        c->type = DT_TEXT;
        return;
    }
    static const struct {
        const char *name;
        dtype t;
    } M[] = {{"int2", DT_BIGINT},       {"int4", DT_BIGINT},     {"int8", DT_BIGINT},
             {"oid", DT_BIGINT},        {"numeric", DT_DECIMAL}, {"float4", DT_DOUBLE},
             {"float8", DT_DOUBLE},     {"text", DT_TEXT},       {"varchar", DT_TEXT},
             {"bpchar", DT_TEXT},       {"char", DT_TEXT},       {"name", DT_TEXT},
             {"citext", DT_NONE},       {"bytea", DT_BINARY},    {"timestamp", DT_TIMESTAMP},
             {"timestamptz", DT_TIMESTAMP}, {"date", DT_DATE},   {"time", DT_TIME},
             {"timetz", DT_TIME},       {"bool", DT_BOOL},       {"json", DT_JSON},
             {"jsonb", DT_JSON},        {"uuid", DT_TEXT}};
    for (size_t i = 0; i < sizeof M / sizeof M[0]; i++)
        if (strcmp(typname, M[i].name) == 0) {
            c->type = M[i].t;
            break;
        }
    (void)typcategory;
    if (strcmp(typname, "int2") == 0)
        c->precision = 32; /* SmallInteger: kept at full_with_precision */
    if (strcmp(typname, "numeric") == 0 && typmod >= 4) {
        c->precision = ((typmod - 4) >> 16) & 0xffff;
        c->scale = (typmod - 4) & 0xffff;
    }
    if ((strcmp(typname, "varchar") == 0 || strcmp(typname, "bpchar") == 0) && typmod >= 4)
        c->precision = typmod - 4;
    if (strcmp(typname, "timestamptz") == 0)
        c->timezone = true;
    if (strcmp(typname, "json") == 0 || strcmp(typname, "jsonb") == 0)
        c->nested = true;
}

static cdlt_status pg_reflect(sql_conn *c, const char *schema, const char *table, sql_table *t,
                              cdlt_error *err)
{
    static const char SQL[] =
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "bt.typname, bt.typcategory, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE "
        "a.atttypmod END, bt.typtype = 'e', bt.typcategory = 'A', "
        "coalesce((SELECT array_position(string_to_array(i.indkey::text, ' ')::int2[], "
        "a.attnum) FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary), 0), "
        "(SELECT max(char_length(e.enumlabel)) FROM pg_catalog.pg_enum e WHERE "
        "e.enumtypid = bt.oid) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype "
        "ELSE t.oid END "
        "WHERE n.nspname = coalesce($1, current_schema()) AND c.relname = $2 AND "
        "c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum";
    const char *p[2] = {schema, table};
    PGresult *r = NULL;
    cdlt_status rc = pg_exec(c, SQL, 2, p, &r, "reflecting a table", err);
    if (rc == CDLT_OK && !(t->name = mem_strdup(table)))
        rc = err_nomem(err);
    for (int i = 0; rc == CDLT_OK && i < PQntuples(r); i++) {
        sql_column *col = sql_table_add(t, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        if (!col) {
            rc = err_nomem(err);
            break;
        }
        col->nullable = PQgetvalue(r, i, 2)[0] != 't';
        sql_pg_map_type(PQgetvalue(r, i, 3), PQgetvalue(r, i, 4)[0], atoi(PQgetvalue(r, i, 5)),
                        PQgetvalue(r, i, 7)[0] == 't', PQgetvalue(r, i, 6)[0] == 't', col);
        col->pk_pos = atoi(PQgetvalue(r, i, 8));
        /* SQLAlchemy's Enum is a String as long as its longest label (dlt: precision at
         * full_with_precision); an enum without labels has no length */
        if (PQgetvalue(r, i, 6)[0] == 't' && !PQgetisnull(r, i, 9) && atoi(PQgetvalue(r, i, 9)) > 0)
            col->precision = atoi(PQgetvalue(r, i, 9));
    }
    PQclear(r);
    if (rc == CDLT_OK && t->ncols == 0)
        rc = err_set(err, CDLT_NOT_FOUND,
                     "table '%s' does not exist in schema '%s' of the PostgreSQL database (%s) "
                     "or has no columns; check table_names and schema (names are case-sensitive)",
                     table, schema ? schema : "(the default)", c->masked);
    return rc;
}

/* Foreign keys whose referenced table lives in the same schema (SQLAlchemy resolves the
 * others into their own schema, and dlt drops those). */
static cdlt_status pg_foreign_keys(sql_conn *c, const char *schema, sql_table *t,
                                   cdlt_error *err)
{
    static const char SQL[] =
        "SELECT fc.relname, a.attname, fa.attname "
        "FROM pg_catalog.pg_constraint con "
        "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid "
        "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(att, fatt, ord) "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.att "
        "JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fatt "
        "WHERE con.contype = 'f' AND n.nspname = coalesce($1, current_schema()) AND "
        "c.relname = $2 AND fc.relnamespace = c.relnamespace "
        "ORDER BY con.conname, k.ord";
    const char *p[2] = {schema, t->name};
    PGresult *r = NULL;
    cdlt_status rc = pg_exec(c, SQL, 2, p, &r, "reflecting foreign keys", err);
    for (int i = 0; rc == CDLT_OK && i < PQntuples(r); i++)
        if (sql_table_add_fk(t, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                             PQgetvalue(r, i, 2)) != CDLT_OK)
            rc = err_nomem(err);
    PQclear(r);
    return rc;
}

/* The wire type each dlt type travels as. */
static void put_cast(buf *b, const sql_column *c)
{
    buf_puts(b, "t.");
    if (c->type == DT_JSON && c->db_type[0] && c->db_type[strlen(c->db_type) - 1] == ']') {
        b->len -= 2;
        buf_puts(b, "to_json(t.");
        pg_quote_ident(b, c->name);
        buf_puts(b, ")::text");
        return;
    }
    if (c->type == DT_NONE || strncmp(c->db_type, "character(", 10) == 0) {
        /* a type dlt cannot map: its output text as the driver would hand it over (concat
         * uses the output function: inet 10.0.0.1 where ::text gives 10.0.0.1/32; char(n)
         * keeps its padding, which ::text strips) */
        b->len -= 2;
        buf_puts(b, "CASE WHEN t.");
        pg_quote_ident(b, c->name);
        buf_puts(b, " IS NULL THEN NULL ELSE concat(t.");
        pg_quote_ident(b, c->name);
        buf_puts(b, ") END");
        return;
    }
    pg_quote_ident(b, c->name);
    switch (c->type) {
    case DT_BIGINT: buf_puts(b, "::int8"); break;
    case DT_DOUBLE: buf_puts(b, "::float8"); break;
    case DT_BOOL: buf_puts(b, "::bool"); break;
    case DT_DATE: buf_puts(b, "::date"); break;
    case DT_TIMESTAMP: buf_puts(b, c->timezone ? "::timestamptz" : "::timestamp"); break;
    case DT_TIME: buf_puts(b, "::time"); break;
    case DT_BINARY: buf_puts(b, "::bytea"); break;
    default: buf_puts(b, "::text"); break;
    }
}

static cdlt_status pg_query(sql_conn *c, const char *sql, const char *what,
                            const sql_column *cols, size_t ncols, size_t chunk_size,
                            sql_cursor **out, cdlt_error *err)
{
    (void)chunk_size; /* COPY streams; rows are read one message at a time */
    *out = NULL;
    buf q = BUF_INIT;
    buf_puts(&q, "COPY (SELECT ");
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            buf_puts(&q, ", ");
        put_cast(&q, &cols[i]);
    }
    buf_printf(&q, " FROM (%s) AS t) TO STDOUT (FORMAT binary)", sql);
    if (q.status) {
        buf_free(&q);
        return err_nomem(err);
    }
    PGresult *r = PQexec(c->pg, buf_cstr(&q));
    if (!r || PQresultStatus(r) != PGRES_COPY_OUT) {
        cdlt_status rc = err_set(err, CDLT_SOURCE, "PostgreSQL (%s): the query of %s failed: %s"
                                                   "(query: %s)",
                                 c->masked, what ? what : "a table",
                                 r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg), sql);
        PQclear(r);
        buf_free(&q);
        return rc;
    }
    PQclear(r);
    buf_free(&q);
    sql_cursor *cur = mem_calloc(1, sizeof *cur);
    if (!cur || !(cur->what = mem_strdup(what ? what : "query"))) {
        mem_free(cur);
        /* leave the connection usable: read the rest away */
        char *m;
        while (PQgetCopyData(c->pg, &m, 0) > 0)
            PQfreemem(m);
        while ((r = PQgetResult(c->pg)))
            PQclear(r);
        return err_nomem(err);
    }
    cur->c = c;
    cur->cols = cols;
    cur->ncols = ncols;
    *out = cur;
    return CDLT_OK;
}

static inline uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static cdlt_status bad_wire(sql_cursor *cur, const char *col, cdlt_error *err)
{
    return err_set(err, CDLT_SOURCE,
                   "PostgreSQL (%s): unexpected COPY data for %s%s%s; the server sent a value "
                   "of an unexpected size", cur->c->masked, cur->what, col ? ", column " : "",
                   col ? col : "");
}

/* The end of COPY: its final result tells whether the query failed on the way. */
static cdlt_status finish(sql_cursor *cur, cdlt_error *err)
{
    cdlt_status rc = CDLT_OK;
    PGresult *r;
    while ((r = PQgetResult(cur->c->pg))) {
        if (rc == CDLT_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = err_set(err, CDLT_SOURCE, "PostgreSQL (%s): reading %s failed: %s",
                         cur->c->masked, cur->what, PQresultErrorMessage(r));
        PQclear(r);
    }
    cur->done = true;
    return rc;
}

static cdlt_status decode(sql_cursor *cur, const sql_column *c, const unsigned char *p,
                          int32_t n, arena *a, tval *v, cdlt_error *err)
{
    memset(v, 0, sizeof *v);
    if (n < 0)
        return CDLT_OK; /* NULL */
    switch (c->type) {
    case DT_BIGINT:
        if (n != 8)
            return bad_wire(cur, c->name, err);
        v->type = DT_BIGINT;
        v->u.i = (int64_t)be64(p);
        return CDLT_OK;
    case DT_DOUBLE: {
        if (n != 8)
            return bad_wire(cur, c->name, err);
        uint64_t u = be64(p);
        v->type = DT_DOUBLE;
        memcpy(&v->u.d, &u, 8);
        return CDLT_OK;
    }
    case DT_BOOL:
        if (n != 1)
            return bad_wire(cur, c->name, err);
        v->type = DT_BOOL;
        v->u.b = p[0] != 0;
        return CDLT_OK;
    case DT_DATE: {
        if (n != 4)
            return bad_wire(cur, c->name, err);
        int32_t d = (int32_t)be32(p);
        if (d == INT32_MAX || d == INT32_MIN) { /* +-infinity: no date holds it */
            v->type = DT_TEXT;
            v->u.s = d > 0 ? "infinity" : "-infinity";
            v->len = (uint32_t)strlen(v->u.s);
            return CDLT_OK;
        }
        v->type = DT_DATE;
        v->u.date = d + PG_EPOCH_DAYS;
        return CDLT_OK;
    }
    case DT_TIMESTAMP: {
        if (n != 8)
            return bad_wire(cur, c->name, err);
        int64_t us = (int64_t)be64(p);
        if (us == INT64_MAX || us == INT64_MIN) {
            v->type = DT_TEXT;
            v->u.s = us > 0 ? "infinity" : "-infinity";
            v->len = (uint32_t)strlen(v->u.s);
            return CDLT_OK;
        }
        v->type = DT_TIMESTAMP;
        v->flags = c->timezone ? 0 : TV_NAIVE;
        v->u.ts = us + PG_EPOCH_US;
        return CDLT_OK;
    }
    case DT_TIME:
        if (n != 8)
            return bad_wire(cur, c->name, err);
        v->type = DT_TIME;
        v->flags = TV_NAIVE;
        v->u.time = (int64_t)be64(p);
        return CDLT_OK;
    case DT_BINARY:
        v->type = DT_BINARY;
        v->u.s = (const char *)p;
        v->len = (uint32_t)n;
        return CDLT_OK;
    case DT_JSON: {
        jv *j = arena_alloc(a, sizeof *j);
        if (!j)
            return err_nomem(err);
        /* jsonb as text, json as stored, arrays via to_json: all JSON text */
        cdlt_status rc = json_parse((const char *)p, (size_t)n, a, NULL, j, err);
        if (rc != CDLT_OK) {
            err_prefix(err, "PostgreSQL (%s): %s, column '%s': ", cur->c->masked, cur->what,
                       c->name);
            return rc;
        }
        v->type = DT_JSON;
        v->u.json = j;
        return CDLT_OK;
    }
    case DT_DECIMAL:
        /* numeric text is exact; NaN / Infinity are not decimals: text */
        v->type = (n > 0 && (p[0] == 'N' || p[0] == 'I' || (p[0] == '-' && n > 1 && p[1] == 'I')))
                      ? DT_TEXT
                      : DT_DECIMAL;
        v->u.s = (const char *)p;
        v->len = (uint32_t)n;
        return CDLT_OK;
    default:
        v->type = DT_TEXT;
        v->u.s = (const char *)p;
        v->len = (uint32_t)n;
        return CDLT_OK;
    }
}

static cdlt_status pg_next(sql_cursor *cur, arena *a, tval *row, bool *eof, cdlt_error *err)
{
    *eof = false;
    for (;;) {
        if (cur->done) {
            *eof = true;
            return CDLT_OK;
        }
        if (!cur->msg || cur->pos >= cur->msg_len) {
            if (cur->msg)
                PQfreemem(cur->msg);
            cur->msg = NULL;
            cur->pos = 0;
            int n = PQgetCopyData(cur->c->pg, &cur->msg, 0);
            if (n == -1) {
                cdlt_status rc = finish(cur, err);
                *eof = rc == CDLT_OK;
                return rc;
            }
            if (n < 0)
                return err_set(err, CDLT_SOURCE, "PostgreSQL (%s): reading %s failed: %s",
                               cur->c->masked, cur->what, PQerrorMessage(cur->c->pg));
            cur->msg_len = n;
        }
        const unsigned char *p = (const unsigned char *)cur->msg;
        int len = cur->msg_len;
        if (!cur->header_done) {
            /* PGCOPY\n\377\r\n\0, flags, header extension length, extension */
            if (len - cur->pos < 19 || memcmp(p + cur->pos, "PGCOPY\n\377\r\n\0", 11) != 0)
                return bad_wire(cur, NULL, err);
            uint32_t ext = be32(p + cur->pos + 15);
            if ((uint32_t)(len - cur->pos - 19) < ext)
                return bad_wire(cur, NULL, err);
            cur->pos += 19 + (int)ext;
            cur->header_done = true;
            continue;
        }
        if (len - cur->pos < 2)
            return bad_wire(cur, NULL, err);
        int16_t nf = (int16_t)((p[cur->pos] << 8) | p[cur->pos + 1]);
        cur->pos += 2;
        if (nf == -1) { /* trailer */
            cur->pos = len;
            continue;
        }
        if ((size_t)nf != cur->ncols)
            return bad_wire(cur, NULL, err);
        for (size_t i = 0; i < cur->ncols; i++) {
            if (len - cur->pos < 4)
                return bad_wire(cur, cur->cols[i].name, err);
            int32_t fl = (int32_t)be32(p + cur->pos);
            cur->pos += 4;
            if (fl > 0 && len - cur->pos < fl)
                return bad_wire(cur, cur->cols[i].name, err);
            cdlt_status rc = decode(cur, &cur->cols[i], p + cur->pos, fl, a, &row[i], err);
            if (rc != CDLT_OK)
                return rc;
            if (fl > 0)
                cur->pos += fl;
        }
        return CDLT_OK;
    }
}

static void pg_cursor_close(sql_cursor *cur)
{
    if (!cur)
        return;
    if (cur->msg)
        PQfreemem(cur->msg);
    if (!cur->done) {
        /* stopped early (limit, error): cancel the COPY and drain what is in flight, so the
         * connection could be reused */
        PGcancel *cn = PQgetCancel(cur->c->pg);
        char eb[256];
        if (cn) {
            PQcancel(cn, eb, sizeof eb);
            PQfreeCancel(cn);
        }
        char *m;
        while (PQgetCopyData(cur->c->pg, &m, 0) > 0)
            PQfreemem(m);
        PGresult *r;
        while ((r = PQgetResult(cur->c->pg)))
            PQclear(r);
    }
    mem_free(cur->what);
    mem_free(cur);
}

const sql_backend sql_backend_postgres = {
    .name = "postgres",
    .accepts = pg_accepts,
    .open = pg_open,
    .close = pg_close,
    .list_tables = pg_list_tables,
    .reflect = pg_reflect,
    .foreign_keys = pg_foreign_keys,
    .quote_ident = pg_quote_ident,
    .quote_literal = pg_quote_literal,
    .query = pg_query,
    .next = pg_next,
    .cursor_close = pg_cursor_close,
};
