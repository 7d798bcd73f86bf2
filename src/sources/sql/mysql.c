/* mysql.c: MySQL/MariaDB connection, reflection and unbuffered row streaming (see mysql.h). */
#include "sources/sql/mysql.h"

#include <errno.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sqlmy_conn {
    MYSQL *m;
    char *database; /* from the URL, "" when none */
    char *shown;    /* the URL with the password masked, for messages */
    bool bad_dates_as_text; /* sqlmy_opts.bad_dates_as_text */
};

typedef enum vkind {
    VK_NULL,
    VK_INT,
    VK_UINT,
    VK_DECIMAL,
    VK_DOUBLE,
    VK_DOUBLE_DECIMAL, /* DOUBLE typed decimal (dlt): "%.10f" of the value, as SQLAlchemy */
    VK_TEXT,
    VK_BINARY,
    VK_DATE,
    VK_DATETIME,
    VK_TIME,
    VK_JSON,
    VK_BIT
} vkind;

struct sqlmy_cursor {
    sqlmy_conn *c;
    MYSQL_RES *res;
    unsigned nf;
    MYSQL_FIELD *fields;
    vkind *kinds;
    char *table; /* for messages */
    bool done;
};

/* ---------------------------------------------------------------- connection */

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_rc;
/* mysql_library_init is not thread-safe: tables read in parallel must not race on it. */
static void lib_init(void) { lib_rc = mysql_library_init(0, NULL, NULL); }

static int unhex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into a new string; NULL on bad escapes or out of memory. */
static char *pct_decode(const char *s, size_t n, bool *bad)
{
    char *o = mem_alloc(n + 1);
    if (!o)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n || unhex(s[i + 1]) < 0 || unhex(s[i + 2]) < 0) {
                *bad = true;
                mem_free(o);
                return NULL;
            }
            o[j++] = (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = '\0';
    return o;
}

void sqlmy_opts_free(sqlmy_opts *u)
{
    mem_free(u->user);
    mem_free(u->pw);
    mem_free(u->host);
    mem_free(u->db);
    mem_free(u->socket);
    mem_free(u->ssl_ca);
    mem_free(u->ssl_cert);
    mem_free(u->ssl_key);
    memset(u, 0, sizeof *u);
}

bool sqlmy_scheme_ok(const char *s, size_t n)
{
    static const char *const ok[] = {"mysql", "mysql+pymysql", "mysql+mysqldb",
                                     "mysql+mysqlconnector", "mysql+mariadbconnector",
                                     "mysql+asyncmy", "mysql+aiomysql", "mariadb",
                                     "mariadb+pymysql", "mariadb+mysqldb",
                                     "mariadb+mariadbconnector", "mariadb+mysqlconnector", NULL};
    for (int i = 0; ok[i]; i++)
        if (strlen(ok[i]) == n && memcmp(ok[i], s, n) == 0)
            return true;
    return false;
}

bool sqlmy_driver_bad_dates_as_text(const char *s, size_t n)
{
    const char *plus = memchr(s, '+', n);
    if (!plus)
        return false;
    size_t dn = n - (size_t)(plus + 1 - s);
    return (dn == 7 && memcmp(plus + 1, "pymysql", 7) == 0) ||
           (dn == 8 && memcmp(plus + 1, "aiomysql", 8) == 0);
}

#define URL_KEYS "charset, unix_socket, connect_timeout, ssl_ca, ssl_cert, ssl_key, ssl_disabled"

cdlt_status sqlmy_opt_set(sqlmy_opts *u, const char *key, size_t kn, const char *val,
                          const char *shown, cdlt_error *err)
{
#define KEY(k) (kn == strlen(k) && memcmp(key, k, kn) == 0)
    char **slot = NULL;
    if (KEY("charset")) {
        /* Rows are read as utf8mb4 always: any other charset would hand the normalizer
         * non-UTF-8 text. */
        if (strcmp(val, "utf8mb4") != 0 && strcmp(val, "utf8") != 0 && strcmp(val, "utf8mb3") != 0)
            return err_set(err, CDLT_CONFIG,
                           "charset=%s in %s is not supported: the MySQL reader always reads "
                           "utf8mb4; remove the key or use utf8mb4", val, shown);
    } else if (KEY("unix_socket")) {
        slot = &u->socket;
    } else if (KEY("ssl_ca")) {
        slot = &u->ssl_ca;
    } else if (KEY("ssl_cert")) {
        slot = &u->ssl_cert;
    } else if (KEY("ssl_key")) {
        slot = &u->ssl_key;
    } else if (KEY("connect_timeout")) {
        char *end;
        long v = strtol(val, &end, 10);
        if (*val == '\0' || *end || v <= 0 || v > 86400)
            return err_set(err, CDLT_CONFIG,
                           "connect_timeout=%s in %s: expected whole seconds (1..86400)", val,
                           shown);
        u->connect_timeout = (unsigned)v;
    } else if (KEY("ssl_disabled")) {
        u->ssl_disabled = strcmp(val, "true") == 0 || strcmp(val, "1") == 0 ||
                          strcmp(val, "True") == 0;
    } else {
        return err_set(err, CDLT_CONFIG,
                       "unknown key '%.*s' in the query of %s; the MySQL reader knows: " URL_KEYS,
                       (int)kn, key, shown);
    }
#undef KEY
    if (slot) {
        char *v = mem_strdup(val);
        if (!v)
            return err_nomem(err);
        mem_free(*slot);
        *slot = v;
    }
    return CDLT_OK;
}

static cdlt_status url_query(sqlmy_opts *u, const char *q, const char *shown, cdlt_error *err)
{
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', n);
        size_t kn = eq ? (size_t)(eq - q) : n;
        bool bad = false;
        char *val = eq ? pct_decode(eq + 1, n - kn - 1, &bad) : mem_strdup("");
        if (!val)
            return bad ? err_set(err, CDLT_CONFIG, "bad %%-escape in the query of %s", shown)
                       : err_nomem(err);
        cdlt_status rc = sqlmy_opt_set(u, q, kn, val, shown, err);
        mem_free(val);
        if (rc != CDLT_OK)
            return rc;
        q = amp ? amp + 1 : NULL;
    }
    return CDLT_OK;
}

/* mysql[+driver]://[user[:pw]@]host[:port][/db][?query] */
static cdlt_status url_parse(const char *url, const char *shown, sqlmy_opts *u, cdlt_error *err)
{
    memset(u, 0, sizeof *u);
    const char *sep = strstr(url, "://");
    if (!sep || !sqlmy_scheme_ok(url, (size_t)(sep - url)))
        return err_set(err, CDLT_CONFIG,
                       "%s is not a MySQL/MariaDB URL: expected "
                       "mysql://user:password@host:port/database (also mysql+pymysql://, "
                       "mariadb://)", shown);
    u->bad_dates_as_text = sqlmy_driver_bad_dates_as_text(url, (size_t)(sep - url));
    const char *p = sep + 3;
    const char *q = strchr(p, '?');
    const char *end = q ? q : p + strlen(p);
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *hend = slash ? slash : end;
    const char *at = NULL;
    for (const char *x = p; x < hend; x++)
        if (*x == '@')
            at = x; /* the last '@': a password may hold an unescaped one */
    bool bad = false;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *uend = colon ? colon : at;
        if (!(u->user = pct_decode(p, (size_t)(uend - p), &bad)))
            goto fail;
        if (colon && !(u->pw = pct_decode(colon + 1, (size_t)(at - colon - 1), &bad)))
            goto fail;
        p = at + 1;
    }
    const char *hs = p, *he = hend, *port = NULL;
    if (*hs == '[') { /* [ipv6] */
        const char *rb = memchr(hs, ']', (size_t)(hend - hs));
        if (!rb)
            return err_set(err, CDLT_CONFIG, "unclosed '[' in the host of %s", shown);
        hs++;
        he = rb;
        if (rb + 1 < hend && rb[1] == ':')
            port = rb + 2;
    } else {
        const char *colon = memchr(hs, ':', (size_t)(hend - hs));
        if (colon) {
            he = colon;
            port = colon + 1;
        }
    }
    if (!(u->host = pct_decode(hs, (size_t)(he - hs), &bad)))
        goto fail;
    u->port = 3306;
    if (port) {
        char *pe;
        long v = strtol(port, &pe, 10);
        if (pe != hend || v <= 0 || v > 65535)
            return err_set(err, CDLT_CONFIG, "bad port '%.*s' in %s (1..65535)",
                           (int)(hend - port), port, shown);
        u->port = (unsigned)v;
    }
    if (slash && !(u->db = pct_decode(slash + 1, (size_t)(end - slash - 1), &bad)))
        goto fail;
    if (!u->db && !(u->db = mem_strdup("")))
        goto fail;
    return url_query(u, q ? q + 1 : NULL, shown, err);
fail:
    return bad ? err_set(err, CDLT_CONFIG, "bad %%-escape in %s", shown) : err_nomem(err);
}

/* The URL with its password replaced by stars (messages never show it). */
static char *mask_url(const char *url)
{
    buf b = BUF_INIT;
    const char *sep = strstr(url, "://");
    const char *host_end = sep ? strpbrk(sep + 3, "/?") : NULL;
    const char *at = NULL;
    if (sep)
        for (const char *x = sep + 3; *x && (!host_end || x < host_end); x++)
            if (*x == '@')
                at = x;
    const char *colon = at ? memchr(sep + 3, ':', (size_t)(at - sep - 3)) : NULL;
    if (colon) {
        buf_append(&b, url, (size_t)(colon - url) + 1);
        buf_puts(&b, "*****");
        buf_puts(&b, at);
    } else {
        buf_puts(&b, url);
    }
    return buf_detach(&b, NULL);
}

static cdlt_status conn_error(sqlmy_conn *c, const char *what, cdlt_error *err)
{
    unsigned no = mysql_errno(c->m);
    cdlt_status rc = err_set(err, CDLT_SOURCE, "MySQL/MariaDB %s: %s (error %u)", what,
                             mysql_error(c->m), no);
    err_set_url(err, c->shown);
    return rc;
}

cdlt_status sqlmy_connect(const char *url, sqlmy_conn **out, cdlt_error *err)
{
    *out = NULL;
    if (secret_register_credential(url) != CDLT_OK)
        return err_nomem(err);
    char *shown = mask_url(url);
    if (!shown)
        return err_nomem(err);
    sqlmy_opts u;
    cdlt_status rc = url_parse(url, shown, &u, err);
    if (rc == CDLT_OK)
        rc = sqlmy_connect_opts(&u, shown, out, err);
    else
        err_set_url(err, shown);
    sqlmy_opts_free(&u);
    mem_free(shown);
    return rc;
}

cdlt_status sqlmy_connect_opts(const sqlmy_opts *u, const char *shown, sqlmy_conn **out,
                               cdlt_error *err)
{
    *out = NULL;
    pthread_once(&lib_once, lib_init);
    if (lib_rc)
        return err_set(err, CDLT_SOURCE, "libmariadb could not be initialized");
    if (u->pw && *u->pw && cdlt_secret_register(u->pw) != CDLT_OK)
        return err_nomem(err);
    sqlmy_conn *c = mem_calloc(1, sizeof *c);
    if (!c)
        return err_nomem(err);
    const char *db = u->db ? u->db : "";
    c->bad_dates_as_text = u->bad_dates_as_text;
    if (!(c->shown = mem_strdup(shown)) || !(c->database = mem_strdup(db)) ||
        !(c->m = mysql_init(NULL))) {
        sqlmy_close(c);
        return err_nomem(err);
    }
    mysql_options(c->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    unsigned timeout = u->connect_timeout ? u->connect_timeout : 10;
    mysql_options(c->m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (!u->socket) {
        /* "localhost" means TCP, as pymysql treats it (libmariadb would use its own socket). */
        enum mysql_protocol_type proto = MYSQL_PROTOCOL_TCP;
        mysql_options(c->m, MYSQL_OPT_PROTOCOL, &proto);
    }
    if (u->ssl_ca || u->ssl_cert || u->ssl_key)
        mysql_ssl_set(c->m, u->ssl_key, u->ssl_cert, u->ssl_ca, NULL, NULL);
    /* ssl_disabled: libmariadb uses TLS only when asked, nothing to switch off */
    const char *host = u->host && *u->host ? u->host : "localhost";
    unsigned port = u->port ? u->port : 3306;
    if (!mysql_real_connect(c->m, host, u->user && *u->user ? u->user : NULL,
                            u->pw ? u->pw : "", *db ? db : NULL, port, u->socket, 0)) {
        unsigned no = mysql_errno(c->m);
        cdlt_status rc = conn_error(c, "connection failed", err);
        if (no == 1045)
            err_hint(err, "check the user and password in sources.sql_database.credentials");
        else if (no == 1049)
            err_hint(err, "the database '%s' does not exist on that server", db);
        else if (no == 2002 || no == 2003 || no == 2005 || no == 2013)
            err_hint(err, "is the server running and reachable at %s port %u?", host, port);
        sqlmy_close(c);
        return rc;
    }
    /* TIMESTAMP columns come in UTC (they are stored in UTC; the session zone would shift
     * them); a slow consumer must not make the server drop a streaming result; string
     * literals we render use backslash escapes. */
    if (mysql_query(c->m, "SET time_zone = '+00:00', net_write_timeout = 3600, "
                          "net_read_timeout = 3600, "
                          "sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')")) {
        cdlt_status rc = conn_error(c, "session setup failed", err);
        sqlmy_close(c);
        return rc;
    }
    *out = c;
    return CDLT_OK;
}

void sqlmy_close(sqlmy_conn *c)
{
    if (!c)
        return;
    if (c->m)
        mysql_close(c->m);
    mem_free(c->database);
    mem_free(c->shown);
    mem_free(c);
}

const char *sqlmy_database(const sqlmy_conn *c) { return c->database; }

/* ---------------------------------------------------------------- SQL text helpers */

cdlt_status sqlmy_quote_ident(buf *out, const char *name)
{
    buf_putc(out, '`');
    for (const char *p = name; *p; p++) {
        if (*p == '`')
            buf_putc(out, '`');
        buf_putc(out, *p);
    }
    return buf_putc(out, '`');
}

static cdlt_status put_bytes_literal(sqlmy_conn *c, buf *out, const char *s, size_t n);
static cdlt_status put_literal(sqlmy_conn *c, buf *out, const char *s)
{
    return put_bytes_literal(c, out, s, strlen(s));
}

cdlt_status sqlmy_quote_string(buf *out, const char *s, size_t n)
{
    if (buf_reserve(out, 2 * n + 3) != CDLT_OK)
        return out->status;
    char *o = out->data + out->len;
    *o++ = '\'';
    for (size_t i = 0; i < n; i++) {
        char e = 0;
        switch (s[i]) {
        case '\0': e = '0'; break;
        case '\'': e = '\''; break;
        case '"': e = '"'; break;
        case '\\': e = '\\'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case 0x1a: e = 'Z'; break;
        default: break;
        }
        if (e) {
            *o++ = '\\';
            *o++ = e;
        } else {
            *o++ = s[i];
        }
    }
    *o++ = '\'';
    *o = '\0';
    out->len = (size_t)(o - out->data);
    return CDLT_OK;
}

static cdlt_status put_bytes_literal(sqlmy_conn *c, buf *out, const char *s, size_t n)
{
    (void)c;
    return sqlmy_quote_string(out, s, n);
}

cdlt_status sqlmy_literal(sqlmy_conn *c, const tval *v, buf *out)
{
    switch ((dtype)v->type) {
    case DT_NONE:
        return buf_puts(out, "NULL");
    case DT_BIGINT:
        return buf_printf(out, "%lld", (long long)v->u.i);
    case DT_DOUBLE:
        return buf_printf(out, "%.17g", v->u.d);
    case DT_BOOL:
        return buf_puts(out, v->u.b ? "1" : "0");
    case DT_DECIMAL:
    case DT_WEI:
        return buf_append(out, v->u.s, v->len);
    case DT_TEXT:
        return put_bytes_literal(c, out, v->u.s, v->len);
    case DT_BINARY:
        buf_puts(out, "X'");
        for (uint32_t i = 0; i < v->len; i++)
            buf_printf(out, "%02X", (unsigned char)v->u.s[i]);
        return buf_putc(out, '\'');
    case DT_JSON: {
        buf j = BUF_INIT;
        cdlt_status rc = json_write(&j, v->u.json, 0);
        if (rc == CDLT_OK)
            rc = put_bytes_literal(c, out, j.data ? j.data : "", j.len);
        buf_free(&j);
        return rc;
    }
    case DT_DATE:
        buf_putc(out, '\'');
        types_fmt_date(v->u.date, out);
        return buf_putc(out, '\'');
    case DT_TIME:
        buf_putc(out, '\'');
        types_fmt_time(v->u.time, out);
        return buf_putc(out, '\'');
    case DT_TIMESTAMP: {
        int64_t us = v->u.ts;
        int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
        int64_t rest = us - days * 86400000000LL;
        buf_putc(out, '\'');
        types_fmt_date((int32_t)days, out);
        buf_putc(out, ' ');
        types_fmt_time(rest, out);
        return buf_putc(out, '\'');
    }
    default:
        return buf_puts(out, "NULL");
    }
}

static const char *schema_or_db(const sqlmy_conn *c, const char *schema)
{
    return schema && *schema ? schema : c->database;
}

cdlt_status sqlmy_select_sql(const sqlmy_conn *c, const char *schema, const sqlmy_table *t,
                             buf *out)
{
    buf_puts(out, "SELECT ");
    for (size_t i = 0; i < t->ncols; i++) {
        if (i)
            buf_puts(out, ", ");
        sqlmy_quote_ident(out, t->cols[i].name);
    }
    buf_puts(out, " FROM ");
    const char *s = schema_or_db(c, schema);
    if (*s) {
        sqlmy_quote_ident(out, s);
        buf_putc(out, '.');
    }
    return sqlmy_quote_ident(out, t->name);
}

/* Run a small metadata query fully (store_result). */
static cdlt_status meta_query(sqlmy_conn *c, const buf *sql, MYSQL_RES **out, cdlt_error *err)
{
    if (sql->status != CDLT_OK)
        return err_set(err, sql->status, "building a MySQL metadata query ran out of memory");
    if (mysql_real_query(c->m, sql->data, (unsigned long)sql->len) ||
        !(*out = mysql_store_result(c->m)))
        return conn_error(c, "reflection query failed", err);
    return CDLT_OK;
}

cdlt_status sqlmy_list_tables(sqlmy_conn *c, const char *schema, bool include_views, strv *out,
                              cdlt_error *err)
{
    const char *s = schema_or_db(c, schema);
    if (!*s)
        return err_set(err, CDLT_CONFIG,
                       "no database to list tables from: put it in the URL "
                       "(mysql://user:password@host:port/DATABASE) or set `schema`");
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ");
    put_literal(c, &q, s);
    buf_puts(&q, include_views ? " AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')"
                               : " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')");
    buf_puts(&q, " ORDER BY BINARY TABLE_NAME");
    MYSQL_RES *r = NULL;
    cdlt_status rc = meta_query(c, &q, &r, err);
    buf_free(&q);
    if (rc != CDLT_OK)
        return rc;
    MYSQL_ROW row;
    while (rc == CDLT_OK && (row = mysql_fetch_row(r)))
        if (strv_add(out, row[0]) != CDLT_OK)
            rc = err_nomem(err);
    mysql_free_result(r);
    return rc;
}

static int64_t num_or(const char *s, int64_t dflt) { return s ? strtoll(s, NULL, 10) : dflt; }

void sqlmy_table_free(sqlmy_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++) {
        mem_free(t->cols[i].name);
        mem_free(t->cols[i].sql_type);
    }
    mem_free(t->cols);
    strv_free(&t->primary_key);
    mem_free(t->name);
    mem_free(t);
}

cdlt_status sqlmy_foreign_keys(sqlmy_conn *c, const char *schema, const char *table, strv *out,
                               cdlt_error *err)
{
    const char *s = schema_or_db(c, schema);
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT REFERENCED_TABLE_NAME, COLUMN_NAME, REFERENCED_COLUMN_NAME "
                 "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ");
    put_literal(c, &q, s);
    buf_puts(&q, " AND TABLE_NAME = ");
    put_literal(c, &q, table);
    buf_puts(&q, " AND BINARY TABLE_NAME = BINARY ");
    put_literal(c, &q, table);
    buf_puts(&q, " AND REFERENCED_TABLE_NAME IS NOT NULL AND REFERENCED_TABLE_SCHEMA = "
                 "TABLE_SCHEMA ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION");
    MYSQL_RES *r = NULL;
    cdlt_status rc = meta_query(c, &q, &r, err);
    buf_free(&q);
    if (rc != CDLT_OK) {
        err_set_table(err, table);
        return rc;
    }
    MYSQL_ROW row;
    while (rc == CDLT_OK && (row = mysql_fetch_row(r)))
        for (int i = 0; i < 3 && rc == CDLT_OK; i++)
            if (strv_add(out, row[i] ? row[i] : "") != CDLT_OK)
                rc = err_nomem(err);
    mysql_free_result(r);
    return rc;
}

cdlt_status sqlmy_reflect(sqlmy_conn *c, const char *schema, const char *table,
                          sqlmy_level level, sqlmy_table **out, cdlt_error *err)
{
    *out = NULL;
    const char *s = schema_or_db(c, schema);
    if (!*s)
        return err_set(err, CDLT_CONFIG,
                       "no database for table '%s': put it in the URL "
                       "(mysql://user:password@host:port/DATABASE) or set `schema`", table);
    sqlmy_table *t = mem_calloc(1, sizeof *t);
    if (!t || !(t->name = mem_strdup(table))) {
        mem_free(t);
        return err_nomem(err);
    }
    /* TABLE_SCHEMA/TABLE_NAME equalities let the server open only that table; the BINARY
     * compare makes the match case-exact (information_schema compares case-insensitively). */
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, "
                 "CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE "
                 "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ");
    put_literal(c, &q, s);
    buf_puts(&q, " AND TABLE_NAME = ");
    put_literal(c, &q, table);
    buf_puts(&q, " AND BINARY TABLE_NAME = BINARY ");
    put_literal(c, &q, table);
    buf_puts(&q, " ORDER BY ORDINAL_POSITION");
    MYSQL_RES *r = NULL;
    cdlt_status rc = meta_query(c, &q, &r, err);
    if (rc != CDLT_OK)
        goto done;
    size_t n = (size_t)mysql_num_rows(r);
    if (n == 0) {
        mysql_free_result(r);
        rc = err_set(err, CDLT_NOT_FOUND,
                     "table '%s' not found in MySQL database '%s' (names are case-sensitive)",
                     table, s);
        err_set_table(err, table);
        goto done;
    }
    t->cols = mem_calloc(n, sizeof *t->cols);
    if (!t->cols) {
        mysql_free_result(r);
        rc = err_nomem(err);
        goto done;
    }
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(r))) {
        sqlmy_column *col = &t->cols[t->ncols];
        if (!(col->name = mem_strdup(row[0])) || !(col->sql_type = mem_strdup(row[2]))) {
            mem_free(col->name);
            rc = err_nomem(err);
            break;
        }
        t->ncols++;
        col->nullable = row[3] && strcmp(row[3], "YES") == 0;
        sqlmy_map_type(row[1], row[2], num_or(row[4], -1), num_or(row[5], -1),
                       num_or(row[6], -1), level, col);
    }
    mysql_free_result(r);
    if (rc != CDLT_OK)
        goto done;
    buf_clear(&q);
    buf_puts(&q, "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ");
    put_literal(c, &q, s);
    buf_puts(&q, " AND TABLE_NAME = ");
    put_literal(c, &q, table);
    buf_puts(&q, " AND BINARY TABLE_NAME = BINARY ");
    put_literal(c, &q, table);
    buf_puts(&q, " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX");
    rc = meta_query(c, &q, &r, err);
    if (rc != CDLT_OK)
        goto done;
    while (rc == CDLT_OK && (row = mysql_fetch_row(r)))
        if (strv_add(&t->primary_key, row[0]) != CDLT_OK)
            rc = err_nomem(err);
    mysql_free_result(r);
done:
    buf_free(&q);
    if (rc != CDLT_OK) {
        err_set_table(err, table);
        sqlmy_table_free(t);
        return rc;
    }
    *out = t;
    return CDLT_OK;
}

/* ---------------------------------------------------------------- streaming */

static vkind kind_of(const MYSQL_FIELD *f, const sqlmy_column *hint)
{
    bool binary = f->charsetnr == 63;
    switch (f->type) {
    case MYSQL_TYPE_NULL:
        return VK_NULL;
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
        return (f->flags & UNSIGNED_FLAG) ? VK_UINT : VK_INT;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        return VK_DECIMAL;
    case MYSQL_TYPE_FLOAT:
        return VK_DOUBLE;
    case MYSQL_TYPE_DOUBLE:
        /* dlt reads a reflected DOUBLE column as Decimal (at every reflection level: the
         * SQLAlchemy type converts the values); an ad-hoc query without hints keeps a double */
        return hint ? VK_DOUBLE_DECIMAL : VK_DOUBLE;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        return VK_DATE;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIMESTAMP2:
        return VK_DATETIME;
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
        return VK_TIME;
    case MYSQL_TYPE_BIT:
        return VK_BIT;
    case MYSQL_TYPE_JSON:
        return VK_JSON;
    case MYSQL_TYPE_GEOMETRY:
        return VK_BINARY;
    default:
        if (hint && hint->type == DT_JSON)
            return VK_JSON;
        return binary ? VK_BINARY : VK_TEXT;
    }
}

cdlt_status sqlmy_query(sqlmy_conn *c, const char *sql, const sqlmy_column *hints, size_t nhints,
                        sqlmy_cursor **out, cdlt_error *err)
{
    *out = NULL;
    if (mysql_real_query(c->m, sql, (unsigned long)strlen(sql)))
        return conn_error(c, "query failed", err);
    MYSQL_RES *res = mysql_use_result(c->m);
    if (!res) {
        if (mysql_errno(c->m))
            return conn_error(c, "query failed", err);
        return err_set(err, CDLT_SOURCE, "the MySQL query returned no result set: %s", sql);
    }
    sqlmy_cursor *cur = mem_calloc(1, sizeof *cur);
    unsigned nf = mysql_num_fields(res);
    if (!cur || !(cur->kinds = mem_calloc(nf ? nf : 1, sizeof *cur->kinds))) {
        mem_free(cur);
        mysql_free_result(res);
        return err_nomem(err);
    }
    cur->c = c;
    cur->res = res;
    cur->nf = nf;
    cur->fields = mysql_fetch_fields(res);
    for (unsigned i = 0; i < nf; i++)
        cur->kinds[i] = kind_of(&cur->fields[i], hints && i < nhints ? &hints[i] : NULL);
    *out = cur;
    return CDLT_OK;
}

size_t sqlmy_cursor_ncols(const sqlmy_cursor *cur) { return cur->nf; }
const char *sqlmy_cursor_colname(const sqlmy_cursor *cur, size_t i) { return cur->fields[i].name; }

void sqlmy_cursor_set_table(sqlmy_cursor *cur, const char *table)
{
    mem_free(cur->table);
    cur->table = table ? mem_strdup(table) : NULL;
}

void sqlmy_cursor_close(sqlmy_cursor *cur)
{
    if (!cur)
        return;
    if (cur->res)
        mysql_free_result(cur->res); /* reads and drops what the server still sends */
    mem_free(cur->kinds);
    mem_free(cur->table);
    mem_free(cur);
}

/* Digits d[0..n) as an unsigned number; false on anything else. */
static bool dig(const char *d, size_t n, int64_t *out)
{
    int64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (d[i] < '0' || d[i] > '9')
            return false;
        v = v * 10 + (d[i] - '0');
    }
    *out = v;
    return true;
}

/* "[.ffffff]" at s[0..n) -> microseconds; false when malformed. */
static bool frac_us(const char *s, size_t n, int64_t *us)
{
    *us = 0;
    if (n == 0)
        return true;
    if (s[0] != '.' || n > 7)
        return false;
    int64_t f;
    if (!dig(s + 1, n - 1, &f))
        return false;
    for (size_t i = n - 1; i < 6; i++)
        f *= 10;
    *us = f;
    return true;
}

/* "YYYY-MM-DD": *zero when it is a zero date ("0000-00-00" or a 00 month/day). */
static bool parse_date(const char *s, size_t n, int32_t *days, bool *zero)
{
    int64_t y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-' || !dig(s, 4, &y) || !dig(s + 5, 2, &m) ||
        !dig(s + 8, 2, &d))
        return false;
    *zero = m == 0 || d == 0;
    if (*zero)
        return true;
    if (m > 12 || d > 31)
        return false;
    *days = (int32_t)types_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

static bool parse_hms(const char *s, size_t n, int64_t *us)
{
    int64_t h, mi, se, f;
    if (n < 8 || s[2] != ':' || s[5] != ':' || !dig(s, 2, &h) || !dig(s + 3, 2, &mi) ||
        !dig(s + 6, 2, &se) || !frac_us(s + 8, n - 8, &f) || h > 23 || mi > 59 || se > 59)
        return false;
    *us = ((h * 60 + mi) * 60 + se) * 1000000 + f;
    return true;
}

static cdlt_status bad_value(sqlmy_cursor *cur, unsigned i, const char *what, const char *v,
                             size_t n, cdlt_error *err)
{
    cdlt_status rc = err_set(err, CDLT_COERCE, "MySQL table '%s' column '%s': %s: '%.*s'",
                             cur->table ? cur->table : "?", cur->fields[i].name, what,
                             (int)(n > 64 ? 64 : n), v);
    if (cur->table)
        err_set_table(err, cur->table);
    err_set_column(err, cur->fields[i].name);
    return rc;
}

static cdlt_status convert(sqlmy_cursor *cur, unsigned i, const char *v, size_t n, arena *a,
                           tval *o, cdlt_error *err)
{
    memset(o, 0, sizeof *o);
    switch (cur->kinds[i]) {
    case VK_NULL:
        return CDLT_OK;
    case VK_INT:
    case VK_UINT: {
        char tmp[32];
        if (n == 0 || n >= sizeof tmp)
            return bad_value(cur, i, "not an integer", v, n, err);
        memcpy(tmp, v, n);
        tmp[n] = '\0';
        char *end;
        errno = 0;
        if (cur->kinds[i] == VK_UINT) {
            unsigned long long u = strtoull(tmp, &end, 10);
            if (*end || errno || u > INT64_MAX)
                return bad_value(cur, i, "unsigned value beyond the bigint range (int64)", v,
                                 n, err);
            o->u.i = (int64_t)u;
        } else {
            long long x = strtoll(tmp, &end, 10);
            if (*end || errno)
                return bad_value(cur, i, "not an integer", v, n, err);
            o->u.i = x;
        }
        o->type = DT_BIGINT;
        return CDLT_OK;
    }
    case VK_DECIMAL:
        o->type = DT_DECIMAL;
        o->u.s = v;
        o->len = (uint32_t)n;
        return CDLT_OK;
    case VK_DOUBLE:
    case VK_DOUBLE_DECIMAL: {
        char tmp[64];
        if (n == 0 || n >= sizeof tmp)
            return bad_value(cur, i, "not a number", v, n, err);
        memcpy(tmp, v, n);
        tmp[n] = '\0';
        char *end;
        double d = strtod(tmp, &end);
        if (*end)
            return bad_value(cur, i, "not a number", v, n, err);
        if (cur->kinds[i] == VK_DOUBLE) {
            o->type = DT_DOUBLE;
            o->u.d = d;
            return CDLT_OK;
        }
        /* SQLAlchemy: Decimal("%.10f" % value); the largest double needs 309 + 11 bytes */
        char fixed[400];
        int len = snprintf(fixed, sizeof fixed, "%.10f", d);
        if (len < 0 || (size_t)len >= sizeof fixed)
            return bad_value(cur, i, "not a finite number", v, n, err);
        char *s = arena_strndup(a, fixed, (size_t)len);
        if (!s)
            return err_nomem(err);
        o->type = DT_DECIMAL;
        o->u.s = s;
        o->len = (uint32_t)len;
        return CDLT_OK;
    }
    case VK_TEXT:
        o->type = DT_TEXT;
        o->u.s = v;
        o->len = (uint32_t)n;
        return CDLT_OK;
    case VK_BINARY:
        o->type = DT_BINARY;
        o->u.s = v;
        o->len = (uint32_t)n;
        return CDLT_OK;
    case VK_DATE: {
        bool zero = false;
        if (!parse_date(v, n, &o->u.date, &zero))
            return bad_value(cur, i, "not a date", v, n, err);
        o->type = zero ? DT_NONE : DT_DATE; /* a zero date reads as NULL ... */
        if (zero && cur->c->bad_dates_as_text) { /* ... or as its text (pymysql) */
            o->type = DT_TEXT;
            o->u.s = v;
            o->len = (uint32_t)n;
        }
        return CDLT_OK;
    }
    case VK_DATETIME: {
        bool zero = false;
        int32_t days = 0;
        int64_t us = 0;
        if (n < 19 || !parse_date(v, 10, &days, &zero) || (v[10] != ' ' && v[10] != 'T') ||
            !parse_hms(v + 11, n - 11, &us))
            return bad_value(cur, i, "not a datetime", v, n, err);
        if (zero && cur->c->bad_dates_as_text) { /* pymysql: the text as the server sent it */
            o->type = DT_TEXT;
            o->u.s = v;
            o->len = (uint32_t)n;
        }
        if (zero)
            return CDLT_OK; /* NULL (mysqlclient, the other drivers) */
        o->type = DT_TIMESTAMP;
        o->flags = TV_NAIVE;
        o->u.ts = (int64_t)days * 86400000000LL + us;
        return CDLT_OK;
    }
    case VK_TIME: {
        int64_t us;
        if (!parse_hms(v, n, &us))
            return bad_value(cur, i,
                             "TIME outside 00:00:00..23:59:59.999999 cannot be a dlt time", v,
                             n, err);
        o->type = DT_TIME;
        o->u.time = us;
        return CDLT_OK;
    }
    case VK_BIT: {
        if (n > 8)
            return bad_value(cur, i, "BIT wider than 64 bits", v, n, err);
        uint64_t x = 0;
        for (size_t k = 0; k < n; k++)
            x = (x << 8) | (unsigned char)v[k];
        if (x > INT64_MAX)
            return bad_value(cur, i, "BIT value beyond the bigint range (int64)", "", 0, err);
        o->type = DT_BIGINT;
        o->u.i = (int64_t)x;
        return CDLT_OK;
    }
    case VK_JSON: {
        jv *j = arena_alloc(a, sizeof *j);
        if (!j)
            return err_nomem(err);
        cdlt_error jerr;
        cdlt_error_clear(&jerr);
        if (json_parse(v, n, a, NULL, j, &jerr) != CDLT_OK)
            return bad_value(cur, i, "invalid JSON from the server", v, n, err);
        o->type = DT_JSON;
        o->u.json = j;
        return CDLT_OK;
    }
    }
    return CDLT_OK;
}

cdlt_status sqlmy_next(sqlmy_cursor *cur, arena *a, tval *row, bool *eof, cdlt_error *err)
{
    *eof = false;
    if (cur->done) {
        *eof = true;
        return CDLT_OK;
    }
    MYSQL_ROW r = mysql_fetch_row(cur->res);
    if (!r) {
        cur->done = true;
        if (mysql_errno(cur->c->m)) {
            cdlt_status rc = conn_error(cur->c, "reading rows failed", err);
            if (cur->table) {
                err_prefix(err, "table '%s': ", cur->table);
                err_set_table(err, cur->table);
            }
            return rc;
        }
        *eof = true;
        return CDLT_OK;
    }
    unsigned long *lens = mysql_fetch_lengths(cur->res);
    for (unsigned i = 0; i < cur->nf; i++) {
        if (!r[i]) {
            memset(&row[i], 0, sizeof row[i]);
            continue;
        }
        cdlt_status rc = convert(cur, i, r[i], lens[i], a, &row[i], err);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}
