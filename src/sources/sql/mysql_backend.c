/* mysql_backend.c: the MySQL/MariaDB backend of the sql_database source: sql.h's function
 * table over the libmariadb reader of mysql.h (types and values as dlt gets them through
 * SQLAlchemy's MySQL dialect; docs/sql_mysql.md). */
#include "sources/sql/mysql.h"
#include "sources/sql/sql.h"

#include <string.h>

static bool my_accepts(const char *drivername)
{
    return drivername && sqlmy_scheme_ok(drivername, strlen(drivername));
}

static cdlt_status dup_opt(char **slot, const char *s, cdlt_error *err)
{
    if (s && !(*slot = mem_strdup(s)))
        return err_nomem(err);
    return CDLT_OK;
}

static cdlt_status my_open(const sql_url *u, sql_conn **out, cdlt_error *err)
{
    *out = NULL;
    const char *shown = u->masked ? u->masked : "mysql://";
    sqlmy_opts o;
    memset(&o, 0, sizeof o);
    o.port = u->port > 0 ? (unsigned)u->port : 0;
    o.bad_dates_as_text = u->drivername && sqlmy_driver_bad_dates_as_text(u->drivername,
                                                                          strlen(u->drivername));
    cdlt_status rc = dup_opt(&o.user, u->username, err);
    if (rc == CDLT_OK)
        rc = dup_opt(&o.pw, u->password, err);
    if (rc == CDLT_OK)
        rc = dup_opt(&o.host, u->host, err);
    if (rc == CDLT_OK)
        rc = dup_opt(&o.db, u->database, err);
    for (size_t i = 0; rc == CDLT_OK && i < u->query_keys.n; i++)
        rc = sqlmy_opt_set(&o, u->query_keys.v[i], strlen(u->query_keys.v[i]),
                           u->query_vals.v[i], shown, err);
    sqlmy_conn *c = NULL;
    if (rc == CDLT_OK)
        rc = sqlmy_connect_opts(&o, shown, &c, err);
    else
        err_set_url(err, shown);
    sqlmy_opts_free(&o);
    *out = (sql_conn *)c;
    return rc;
}

static void my_close(sql_conn *c) { sqlmy_close((sqlmy_conn *)c); }

static cdlt_status my_list_tables(sql_conn *c, const char *schema, bool include_views, strv *out,
                                  cdlt_error *err)
{
    return sqlmy_list_tables((sqlmy_conn *)c, schema, include_views, out, err);
}

static cdlt_status my_reflect(sql_conn *c, const char *schema, const char *table, sql_table *t,
                              cdlt_error *err)
{
    sqlmy_table *mt = NULL;
    /* full_with_precision: the shared part drops what lower levels do not keep */
    cdlt_status rc = sqlmy_reflect((sqlmy_conn *)c, schema, table, SQLMY_FULL_PRECISION, &mt, err);
    if (rc != CDLT_OK)
        return rc;
    mem_free(t->name);
    if (!(t->name = mem_strdup(mt->name))) {
        sqlmy_table_free(mt);
        return err_nomem(err);
    }
    for (size_t i = 0; i < mt->ncols; i++) {
        const sqlmy_column *mc = &mt->cols[i];
        sql_column *sc = sql_table_add(t, mc->name, mc->sql_type);
        if (!sc) {
            sqlmy_table_free(mt);
            return err_nomem(err);
        }
        sc->type = mc->type;
        sc->precision = mc->precision;
        sc->scale = mc->scale;
        sc->timezone = false; /* MySQL has no zoned timestamp: dlt says timezone=false */
        sc->nullable = mc->nullable;
        sc->nested = mc->skip_on_minimal;
        for (size_t k = 0; k < mt->primary_key.n; k++)
            if (strcmp(mt->primary_key.v[k], mc->name) == 0)
                sc->pk_pos = (int)k + 1;
    }
    sqlmy_table_free(mt);
    return CDLT_OK;
}

static cdlt_status my_foreign_keys(sql_conn *c, const char *schema, sql_table *t,
                                   cdlt_error *err)
{
    strv v = {0};
    cdlt_status rc = sqlmy_foreign_keys((sqlmy_conn *)c, schema, t->name, &v, err);
    for (size_t i = 0; rc == CDLT_OK && i + 2 < v.n; i += 3)
        if (sql_table_add_fk(t, v.v[i], v.v[i + 1], v.v[i + 2]) != CDLT_OK)
            rc = err_nomem(err);
    strv_free(&v);
    return rc;
}

static void my_quote_ident(buf *b, const char *ident) { (void)sqlmy_quote_ident(b, ident); }

static void my_quote_literal(buf *b, const char *s, size_t n) { (void)sqlmy_quote_string(b, s, n); }

static cdlt_status my_query(sql_conn *c, const char *sql, const char *what,
                            const sql_column *cols, size_t ncols, size_t chunk_size,
                            sql_cursor **out, cdlt_error *err)
{
    (void)chunk_size; /* mysql_use_result streams row by row whatever the chunk */
    *out = NULL;
    sqlmy_column *hints = ncols ? mem_calloc(ncols, sizeof *hints) : NULL;
    if (ncols && !hints)
        return err_nomem(err);
    for (size_t i = 0; i < ncols; i++) {
        hints[i].type = cols[i].type;
        hints[i].precision = hints[i].scale = -1;
    }
    sqlmy_cursor *cur = NULL;
    cdlt_status rc = sqlmy_query((sqlmy_conn *)c, sql, hints, ncols, &cur, err);
    mem_free(hints);
    if (rc == CDLT_OK && what)
        sqlmy_cursor_set_table(cur, what);
    *out = (sql_cursor *)cur;
    return rc;
}

static cdlt_status my_next(sql_cursor *cur, arena *a, tval *row, bool *eof, cdlt_error *err)
{
    return sqlmy_next((sqlmy_cursor *)cur, a, row, eof, err);
}

static void my_cursor_close(sql_cursor *cur) { sqlmy_cursor_close((sqlmy_cursor *)cur); }

const sql_backend sql_backend_mysql = {
    .name = "mysql",
    .accepts = my_accepts,
    .open = my_open,
    .close = my_close,
    .list_tables = my_list_tables,
    .reflect = my_reflect,
    .foreign_keys = my_foreign_keys,
    .quote_ident = my_quote_ident,
    .quote_literal = my_quote_literal,
    .query = my_query,
    .next = my_next,
    .cursor_close = my_cursor_close,
};
