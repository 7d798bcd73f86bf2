/* sqlite.c: the SQLite reader of the sql_database source. Declared column types map to dlt
 * types the way dlt sees them through SQLAlchemy's SQLite dialect (known names first, then
 * SQLite's affinity rules), and values convert as SQLAlchemy's result processors do (dates
 * stored as text become dates, NUMERIC values become exact decimals with the column's scale).
 * The database is opened read-only: a source never writes. */
#include "sql.h"

#include "json/json.h"
#include "sqlgen/sqltext.h"

#include <sqlite3.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sql_conn {
    sqlite3 *db;
    char *masked; /* the URL for messages */
};

struct sql_cursor {
    sql_conn *c;
    sqlite3_stmt *st;
    const sql_column *cols;
    size_t ncols;
    char *what;   /* schema.table for messages */
    buf scratch;  /* decimal text of numeric values */
    bool done;
};

static bool lite_accepts(const char *driver)
{
    return strcmp(driver, "sqlite") == 0 || strncmp(driver, "sqlite+", 7) == 0;
}

static cdlt_status lite_open(const sql_url *u, sql_conn **out, cdlt_error *err)
{
    *out = NULL;
    const char *path = u->database && u->database[0] ? u->database : ":memory:";
    sql_conn *c = mem_calloc(1, sizeof *c);
    if (!c || !(c->masked = mem_strdup(u->masked))) {
        mem_free(c);
        return err_nomem(err);
    }
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        cdlt_status st = err_set(err, CDLT_IO,
                                 "cannot open the SQLite database '%s' (%s): %s; check that the "
                                 "file exists and is readable (sqlite:///relative/path.db is "
                                 "relative to the working folder, sqlite:////abs/path.db absolute)",
                                 path, u->masked, c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        mem_free(c->masked);
        mem_free(c);
        return st;
    }
    sqlite3_busy_timeout(c->db, 10000);
    *out = c;
    return CDLT_OK;
}

static void lite_close(sql_conn *c)
{
    if (!c)
        return;
    sqlite3_close(c->db);
    mem_free(c->masked);
    mem_free(c);
}

static void lite_quote_ident(buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(b, '"');
        buf_putc(b, *s);
    }
    buf_putc(b, '"');
}

static void lite_quote_literal(buf *b, const char *s, size_t n) { sqlgen_string(b, s, n); }

static cdlt_status prep(sql_conn *c, const char *sql, sqlite3_stmt **st, const char *what,
                        cdlt_error *err)
{
    if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
        return err_set(err, CDLT_SOURCE, "SQLite (%s): %s failed: %s", c->masked, what,
                       sqlite3_errmsg(c->db));
    return CDLT_OK;
}

static cdlt_status lite_list_tables(sql_conn *c, const char *schema, bool include_views, strv *out,
                                    cdlt_error *err)
{
    buf q = BUF_INIT;
    buf_puts(&q, "SELECT name FROM ");
    lite_quote_ident(&q, schema && *schema ? schema : "main");
    buf_printf(&q, ".sqlite_master WHERE type IN ('table'%s) AND name NOT LIKE 'sqlite~_%%' "
                   "ESCAPE '~' ORDER BY name",
               include_views ? ",'view'" : "");
    if (q.status) {
        buf_free(&q);
        return err_nomem(err);
    }
    sqlite3_stmt *st = NULL;
    cdlt_status rc = prep(c, buf_cstr(&q), &st, "listing tables", err);
    buf_free(&q);
    int s;
    while (rc == CDLT_OK && (s = sqlite3_step(st)) == SQLITE_ROW)
        if (strv_add(out, (const char *)sqlite3_column_text(st, 0)) != CDLT_OK)
            rc = err_nomem(err);
    if (rc == CDLT_OK && s != SQLITE_DONE)
        rc = err_set(err, CDLT_SOURCE, "SQLite (%s): listing tables failed: %s", c->masked,
                     sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    return rc;
}

/* SQLAlchemy's SQLite reflection: the declared type upper-cased, its leading words looked up
 * by name, else SQLite's affinity rules; numbers in parentheses are the type's arguments. */
void sql_sqlite_map_type(const char *decl, sql_column *c)
{
    char up[128];
    size_t n = 0;
    for (; decl[n] && n + 1 < sizeof up; n++)
        up[n] = (char)toupper((unsigned char)decl[n]);
    up[n] = 0;
    /* the name: word characters and spaces from the start */
    size_t k = 0;
    while (up[k] && (isalnum((unsigned char)up[k]) || up[k] == '_' || up[k] == ' '))
        k++;
    char name[128];
    memcpy(name, up, k);
    name[k] = 0;
    int args[2] = {-1, -1}, nargs = 0;
    if (up[k] == '(') {
        const char *p = up + k + 1;
        while (*p && *p != ')' && nargs < 2) {
            if (isdigit((unsigned char)*p)) {
                args[nargs++] = (int)strtol(p, (char **)&p, 10);
            } else {
                p++;
            }
        }
    }
    static const struct {
        const char *name;
        dtype t;
        int kind; /* 0 plain, 1 numeric (precision, scale), 2 length, 3 smallint, 4 json */
    } NAMES[] = {{"BIGINT", DT_BIGINT, 0},     {"BLOB", DT_BINARY, 2},
                 {"BOOL", DT_BOOL, 0},         {"BOOLEAN", DT_BOOL, 0},
                 {"CHAR", DT_TEXT, 2},         {"DATE", DT_DATE, 0},
                 {"DATE_CHAR", DT_DATE, 0},    {"DATETIME", DT_TIMESTAMP, 0},
                 {"DATETIME_CHAR", DT_TIMESTAMP, 0}, {"DOUBLE", DT_DOUBLE, 0},
                 {"DOUBLE_PRECISION", DT_DOUBLE, 0}, {"DECIMAL", DT_DECIMAL, 1},
                 {"FLOAT", DT_DOUBLE, 0},      {"INT", DT_BIGINT, 0},
                 {"INTEGER", DT_BIGINT, 0},    {"JSON", DT_JSON, 4},
                 {"NUMERIC", DT_DECIMAL, 1},   {"REAL", DT_DOUBLE, 0},
                 {"SMALLINT", DT_BIGINT, 3},   {"TEXT", DT_TEXT, 2},
                 {"TIME", DT_TIME, 0},         {"TIME_CHAR", DT_TIME, 0},
                 {"TIMESTAMP", DT_TIMESTAMP, 0}, {"VARCHAR", DT_TEXT, 2},
                 {"NVARCHAR", DT_TEXT, 2},     {"NCHAR", DT_TEXT, 2}};
    int kind = 0;
    dtype t = DT_NONE;
    bool found = false;
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0] && !found; i++)
        if (strcmp(name, NAMES[i].name) == 0) {
            t = NAMES[i].t;
            kind = NAMES[i].kind;
            found = true;
        }
    if (!found) {
        if (strstr(name, "INT"))
            t = DT_BIGINT;
        else if (strstr(name, "CHAR") || strstr(name, "CLOB") || strstr(name, "TEXT"))
            t = DT_TEXT, kind = 2;
        else if (strstr(name, "BLOB") || !name[0])
            t = DT_NONE; /* SQLAlchemy's NullType: dlt infers from the data */
        else if (strstr(name, "REAL") || strstr(name, "FLOA") || strstr(name, "DOUB"))
            t = DT_DOUBLE;
        else
            t = DT_DECIMAL, kind = 1; /* NUMERIC affinity */
    }
    c->type = t;
    c->timezone = false; /* SQLite DATETIME/TIMESTAMP reflect without time zone */
    if (kind == 1 && nargs >= 1) {
        c->precision = args[0];
        if (nargs >= 2)
            c->scale = args[1];
    } else if (kind == 2 && nargs >= 1 && args[0] > 0) {
        c->precision = args[0];
    } else if (kind == 3) {
        c->precision = 32;
    }
    c->nested = kind == 4;
}

static cdlt_status lite_reflect(sql_conn *c, const char *schema, const char *table, sql_table *t,
                                cdlt_error *err)
{
    buf q = BUF_INIT;
    buf_puts(&q, "PRAGMA ");
    lite_quote_ident(&q, schema && *schema ? schema : "main");
    buf_puts(&q, ".table_info(");
    lite_quote_ident(&q, table);
    buf_puts(&q, ")");
    if (q.status) {
        buf_free(&q);
        return err_nomem(err);
    }
    sqlite3_stmt *st = NULL;
    cdlt_status rc = prep(c, buf_cstr(&q), &st, "reflecting a table", err);
    buf_free(&q);
    if (rc == CDLT_OK && !(t->name = mem_strdup(table)))
        rc = err_nomem(err);
    int s = SQLITE_DONE;
    while (rc == CDLT_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *decl = (const char *)sqlite3_column_text(st, 2);
        sql_column *col = sql_table_add(t, name, decl ? decl : "");
        if (!col) {
            rc = err_nomem(err);
            break;
        }
        sql_sqlite_map_type(decl ? decl : "", col);
        col->nullable = sqlite3_column_int(st, 3) == 0;
        col->pk_pos = sqlite3_column_int(st, 5);
    }
    if (rc == CDLT_OK && s != SQLITE_DONE)
        rc = err_set(err, CDLT_SOURCE, "SQLite (%s): reflecting table '%s' failed: %s",
                     c->masked, table, sqlite3_errmsg(c->db));
    sqlite3_finalize(st);
    if (rc == CDLT_OK && t->ncols == 0)
        rc = err_set(err, CDLT_NOT_FOUND,
                     "table '%s' does not exist in schema '%s' of the SQLite database (%s); "
                     "check table_names (names are case-sensitive as stored)",
                     table, schema && *schema ? schema : "main", c->masked);
    return rc;
}

/* Primary key columns of `table` in key order (the referenced columns of a foreign key that
 * names none, as SQLAlchemy resolves it). */
static cdlt_status lite_pk(sql_conn *c, const char *schema, const char *table, strv *out,
                           cdlt_error *err)
{
    sqlite3_stmt *st = NULL;
    cdlt_status rc = prep(c, "SELECT name FROM pragma_table_info(?1, ?2) WHERE pk > 0 ORDER BY pk",
                          &st, "reflecting a primary key", err);
    if (rc != CDLT_OK)
        return rc;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, schema && *schema ? schema : "main", -1, SQLITE_STATIC);
    while (rc == CDLT_OK && sqlite3_step(st) == SQLITE_ROW)
        if (strv_add(out, (const char *)sqlite3_column_text(st, 0)) != CDLT_OK)
            rc = err_nomem(err);
    sqlite3_finalize(st);
    return rc;
}

/* SQLite numbers foreign keys from the last declared one: id DESC is the declaration order.
 * A key without referenced columns points at the referenced table's primary key. */
static cdlt_status lite_foreign_keys(sql_conn *c, const char *schema, sql_table *t,
                                     cdlt_error *err)
{
    sqlite3_stmt *st = NULL;
    cdlt_status rc = prep(c, "SELECT id, \"table\", \"from\", \"to\" FROM "
                             "pragma_foreign_key_list(?1, ?2) ORDER BY id DESC, seq",
                          &st, "reflecting foreign keys", err);
    if (rc != CDLT_OK)
        return rc;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, schema && *schema ? schema : "main", -1, SQLITE_STATIC);
    strv pk = {0};
    int cur_id = -1; /* key of the previous row (pk holds its referenced primary key) */
    size_t pos = 0;  /* column position within the key */
    int s = SQLITE_DONE;
    while (rc == CDLT_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        const char *rt = (const char *)sqlite3_column_text(st, 1);
        const char *from = (const char *)sqlite3_column_text(st, 2);
        const char *to = (const char *)sqlite3_column_text(st, 3);
        if (id != cur_id) {
            cur_id = id;
            pos = 0;
            strv_free(&pk);
            if (rt && !to)
                rc = lite_pk(c, schema, rt, &pk, err);
        } else {
            pos++;
        }
        if (rc != CDLT_OK || !rt || !from)
            continue;
        if (!to && pos >= pk.n) {
            LOG_WARN("SQLite (%s): table '%s': the foreign key on column '%s' names no column "
                     "and table '%s' has no matching primary key column (missing table?); "
                     "that reference is left out", c->masked, t->name, from, rt);
            continue;
        }
        if (sql_table_add_fk(t, rt, from, to ? to : pk.v[pos]) != CDLT_OK)
            rc = err_nomem(err);
    }
    if (rc == CDLT_OK && s != SQLITE_DONE)
        rc = err_set(err, CDLT_SOURCE, "SQLite (%s): reflecting foreign keys of '%s' failed: %s",
                     c->masked, t->name, sqlite3_errmsg(c->db));
    strv_free(&pk);
    sqlite3_finalize(st);
    return rc;
}

static cdlt_status lite_query(sql_conn *c, const char *sql, const char *what,
                              const sql_column *cols, size_t ncols, size_t chunk_size,
                              sql_cursor **out, cdlt_error *err)
{
    (void)chunk_size; /* sqlite3_step already streams row by row from the file */
    *out = NULL;
    sql_cursor *cur = mem_calloc(1, sizeof *cur);
    if (!cur || !(cur->what = mem_strdup(what ? what : "query"))) {
        mem_free(cur);
        return err_nomem(err);
    }
    cur->c = c;
    cur->cols = cols;
    cur->ncols = ncols;
    cdlt_status rc = CDLT_OK;
    if (sqlite3_prepare_v2(c->db, sql, -1, &cur->st, NULL) != SQLITE_OK)
        rc = err_set(err, CDLT_SOURCE, "SQLite (%s): the query of %s failed: %s (query: %s)",
                     c->masked, cur->what, sqlite3_errmsg(c->db), sql);
    else if ((size_t)sqlite3_column_count(cur->st) != ncols)
        rc = err_set(err, CDLT_SOURCE,
                     "SQLite (%s): the query of %s returns %d columns where %zu were reflected",
                     c->masked, cur->what, sqlite3_column_count(cur->st), ncols);
    if (rc != CDLT_OK) {
        sqlite3_finalize(cur->st);
        mem_free(cur->what);
        mem_free(cur);
        return rc;
    }
    *out = cur;
    return CDLT_OK;
}

static void set_text(tval *v, dtype t, const char *s, size_t n)
{
    v->type = (uint8_t)t;
    v->u.s = s ? s : "";
    v->len = (uint32_t)n;
}

/* A stored value as SQLAlchemy hands it to dlt for a column of type col->type. */
static cdlt_status convert(sql_cursor *cur, int i, const sql_column *col, arena *a, tval *v,
                           cdlt_error *err)
{
    sqlite3_stmt *st = cur->st;
    int k = sqlite3_column_type(st, i);
    memset(v, 0, sizeof *v);
    if (k == SQLITE_NULL)
        return CDLT_OK;
    const char *txt = NULL;
    size_t n = 0;
    if (k == SQLITE_TEXT) {
        txt = (const char *)sqlite3_column_text(st, i);
        n = (size_t)sqlite3_column_bytes(st, i);
    }
    switch (col->type) {
    case DT_BOOL:
        if (k == SQLITE_INTEGER || k == SQLITE_FLOAT) {
            v->type = DT_BOOL;
            v->u.b = sqlite3_column_double(st, i) != 0;
            return CDLT_OK;
        }
        break;
    case DT_DOUBLE:
        if (k == SQLITE_INTEGER || k == SQLITE_FLOAT) {
            v->type = DT_DOUBLE;
            v->u.d = sqlite3_column_double(st, i);
            return CDLT_OK;
        }
        break;
    case DT_DECIMAL:
        if (k == SQLITE_INTEGER || k == SQLITE_FLOAT) {
            /* SQLAlchemy: Decimal("%.<scale>f" % value), scale 10 when undeclared */
            int scale = col->scale >= 0 ? col->scale : 10;
            char tmp[512];
            int len;
            if (k == SQLITE_INTEGER && scale == 0)
                len = snprintf(tmp, sizeof tmp, "%lld", (long long)sqlite3_column_int64(st, i));
            else if (k == SQLITE_INTEGER)
                len = snprintf(tmp, sizeof tmp, "%lld.%0*d",
                               (long long)sqlite3_column_int64(st, i), scale, 0);
            else
                len = snprintf(tmp, sizeof tmp, "%.*f", scale, sqlite3_column_double(st, i));
            if (len < 0 || (size_t)len >= sizeof tmp)
                break; /* inf/huge: handed over as a double below */
            char *s = arena_strndup(a, tmp, (size_t)len);
            if (!s)
                return err_nomem(err);
            set_text(v, DT_DECIMAL, s, (size_t)len);
            return CDLT_OK;
        }
        break;
    case DT_TIMESTAMP:
    case DT_DATE:
    case DT_TIME:
        if (k == SQLITE_TEXT) {
            types_iso iso;
            if (types_parse_iso(txt, n, &iso)) {
                if (col->type == DT_TIMESTAMP && iso.kind == TYPES_ISO_DATETIME) {
                    /* SQLAlchemy keeps the written digits and drops any offset */
                    v->type = DT_TIMESTAMP;
                    v->flags = TV_NAIVE;
                    v->u.ts = iso.us + (int64_t)iso.offset_s * 1000000;
                    return CDLT_OK;
                }
                if (col->type == DT_TIMESTAMP && iso.kind == TYPES_ISO_DATE) {
                    v->type = DT_TIMESTAMP;
                    v->flags = TV_NAIVE;
                    v->u.ts = (int64_t)iso.days * 86400 * 1000000;
                    return CDLT_OK;
                }
                if (col->type == DT_DATE && iso.kind == TYPES_ISO_DATE) {
                    v->type = DT_DATE;
                    v->u.date = iso.days;
                    return CDLT_OK;
                }
                if (col->type == DT_DATE && iso.kind == TYPES_ISO_DATETIME) {
                    v->type = DT_DATE;
                    v->u.date = iso.days;
                    return CDLT_OK;
                }
                if (col->type == DT_TIME && iso.kind == TYPES_ISO_TIME) {
                    v->type = DT_TIME;
                    v->flags = TV_NAIVE;
                    v->u.time = iso.us + (int64_t)iso.offset_s * 1000000;
                    return CDLT_OK;
                }
            }
        }
        break; /* anything else goes as stored; the normalizer coerces or makes a variant */
    case DT_JSON:
        if (k == SQLITE_TEXT) {
            jv *j = arena_alloc(a, sizeof *j);
            if (!j)
                return err_nomem(err);
            cdlt_status rc = json_parse(txt, n, a, NULL, j, err);
            if (rc != CDLT_OK) {
                err_prefix(err, "SQLite (%s): %s, column '%s' holds invalid JSON: ",
                           cur->c->masked, cur->what, col->name);
                return rc == CDLT_NOMEM ? rc : CDLT_SOURCE;
            }
            v->type = DT_JSON;
            v->u.json = j;
            return CDLT_OK;
        }
        break;
    default:
        break;
    }
    switch (k) {
    case SQLITE_INTEGER:
        v->type = DT_BIGINT;
        v->u.i = sqlite3_column_int64(st, i);
        break;
    case SQLITE_FLOAT:
        v->type = DT_DOUBLE;
        v->u.d = sqlite3_column_double(st, i);
        break;
    case SQLITE_TEXT:
        set_text(v, DT_TEXT, txt, n);
        break;
    default: /* SQLITE_BLOB */
        set_text(v, DT_BINARY, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
        break;
    }
    return CDLT_OK;
}

static cdlt_status lite_next(sql_cursor *cur, arena *a, tval *row, bool *eof, cdlt_error *err)
{
    *eof = false;
    if (cur->done) {
        *eof = true;
        return CDLT_OK;
    }
    int s = sqlite3_step(cur->st);
    if (s == SQLITE_DONE) {
        cur->done = *eof = true;
        return CDLT_OK;
    }
    if (s != SQLITE_ROW)
        return err_set(err, CDLT_SOURCE, "SQLite (%s): reading %s failed: %s", cur->c->masked,
                       cur->what, sqlite3_errmsg(cur->c->db));
    for (size_t i = 0; i < cur->ncols; i++) {
        cdlt_status rc = convert(cur, (int)i, &cur->cols[i], a, &row[i], err);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

static void lite_cursor_close(sql_cursor *cur)
{
    if (!cur)
        return;
    sqlite3_finalize(cur->st);
    buf_free(&cur->scratch);
    mem_free(cur->what);
    mem_free(cur);
}

const sql_backend sql_backend_sqlite = {
    .name = "sqlite",
    .accepts = lite_accepts,
    .open = lite_open,
    .close = lite_close,
    .list_tables = lite_list_tables,
    .reflect = lite_reflect,
    .foreign_keys = lite_foreign_keys,
    .quote_ident = lite_quote_ident,
    .quote_literal = lite_quote_literal,
    .query = lite_query,
    .next = lite_next,
    .cursor_close = lite_cursor_close,
};
