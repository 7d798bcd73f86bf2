/* sql.c: the backend-independent pieces of the SQL source: dlt connection strings split into
 * fields (password registered as a secret first, so no later message can show it), the
 * reflected-table helpers and the backend registry. */
#include "sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Known backends; a backend added later is one more line here. */
static const sql_backend *const BACKENDS[] = {&sql_backend_sqlite, &sql_backend_postgres,
                                              &sql_backend_mysql, NULL};

sql_column *sql_table_add(sql_table *t, const char *name, const char *db_type)
{
    sql_column *c = mem_grow(t->cols, t->ncols, &t->cap, sizeof *c, 16);
    if (!c)
        return NULL;
    t->cols = c;
    c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    c->precision = c->scale = -1;
    c->nullable = true;
    c->name = mem_strdup(name ? name : "");
    c->db_type = mem_strdup(db_type ? db_type : "");
    if (!c->name || !c->db_type) {
        mem_free(c->name);
        mem_free(c->db_type);
        return NULL;
    }
    t->ncols++;
    return c;
}

cdlt_status sql_table_add_fk(sql_table *t, const char *ref_table, const char *col,
                             const char *ref_col)
{
    sql_fkey *k = mem_grow(t->fks, t->nfks, &t->capfks, sizeof *k, 4);
    if (!k)
        return CDLT_NOMEM;
    t->fks = k;
    k = &t->fks[t->nfks];
    k->ref_table = mem_strdup(ref_table);
    k->col = mem_strdup(col);
    k->ref_col = mem_strdup(ref_col);
    if (!k->ref_table || !k->col || !k->ref_col) {
        mem_free(k->ref_table);
        mem_free(k->col);
        mem_free(k->ref_col);
        return CDLT_NOMEM;
    }
    t->nfks++;
    return CDLT_OK;
}

void sql_table_clear(sql_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nfks; i++) {
        mem_free(t->fks[i].ref_table);
        mem_free(t->fks[i].col);
        mem_free(t->fks[i].ref_col);
    }
    mem_free(t->fks);
    for (size_t i = 0; i < t->ncols; i++) {
        mem_free(t->cols[i].name);
        mem_free(t->cols[i].db_type);
    }
    mem_free(t->cols);
    mem_free(t->name);
    memset(t, 0, sizeof *t);
}

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

/* %-decoded copy of s[0..n) (mem_alloc); *bad on a broken escape. */
static char *pct_dup(const char *s, size_t n, bool *bad)
{
    char *o = mem_alloc(n + 1);
    if (!o)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && unhex(s[i + 1]) >= 0 && unhex(s[i + 2]) >= 0) {
            o[j++] = (char)(unhex(s[i + 1]) * 16 + unhex(s[i + 2]));
            i += 2;
        } else if (s[i] == '%') {
            *bad = true;
            mem_free(o);
            return NULL;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = 0;
    return o;
}

void sql_url_free(sql_url *u)
{
    if (!u)
        return;
    mem_free(u->raw);
    mem_free(u->drivername);
    mem_free(u->username);
    mem_free(u->password);
    mem_free(u->host);
    mem_free(u->database);
    mem_free(u->masked);
    strv_free(&u->query_keys);
    strv_free(&u->query_vals);
    memset(u, 0, sizeof *u);
}

/* The string with the password part of user:password@ replaced by "***". */
static char *mask_url(const char *s)
{
    const char *sep = strstr(s, "://");
    buf b = BUF_INIT;
    if (sep) {
        const char *auth = sep + 3;
        const char *end = auth + strcspn(auth, "/?#");
        const char *at = NULL;
        for (const char *p = auth; p < end; p++)
            if (*p == '@')
                at = p; /* the last '@' before the path ends the credentials */
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            buf_append(&b, s, (size_t)(colon + 1 - s));
            buf_puts(&b, "***");
            buf_puts(&b, at);
        } else {
            buf_puts(&b, s);
        }
    } else {
        buf_puts(&b, s);
    }
    if (b.status) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

cdlt_status sql_url_parse(const char *s, sql_url *u, cdlt_error *err)
{
    memset(u, 0, sizeof *u);
    if (!s)
        return err_set(err, CDLT_CONFIG_MISSING, "no credentials for the sql_database source");
    u->raw = mem_strdup(s);
    u->masked = mask_url(s);
    if (!u->raw || !u->masked) {
        sql_url_free(u);
        return err_nomem(err);
    }
    const char *sep = strstr(s, "://");
    if (!sep || sep == s) {
        cdlt_status rc = err_set(err, CDLT_CONFIG,
                                 "'%s' is not a connection string: expected "
                                 "dialect[+driver]://user:password@host:port/database "
                                 "(e.g. postgresql://loader:pw@localhost:5432/db or "
                                 "sqlite:///path/to/file.db)", u->masked);
        sql_url_free(u);
        return rc;
    }
    bool bad = false, nomem = false;
    u->drivername = mem_strndup(s, (size_t)(sep - s));
    const char *p = sep + 3;
    const char *q = strchr(p, '?');
    const char *end = q ? q : p + strlen(p);
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *auth_end = slash ? slash : end;
    const char *at = NULL;
    for (const char *x = p; x < auth_end; x++)
        if (*x == '@')
            at = x;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        u->username = pct_dup(p, (size_t)((colon ? colon : at) - p), &bad);
        if (colon && !bad)
            u->password = pct_dup(colon + 1, (size_t)(at - colon - 1), &bad);
        nomem |= !bad && (!u->username || (colon && !u->password));
        p = at + 1;
    }
    /* host[:port], IPv6 in brackets */
    const char *hp_end = auth_end;
    const char *port = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(hp_end - p));
        if (!rb)
            bad = true;
        else {
            u->host = mem_strndup(p + 1, (size_t)(rb - p - 1));
            if (rb + 1 < hp_end && rb[1] == ':')
                port = rb + 2;
        }
    } else if (p < hp_end) {
        const char *colon = memchr(p, ':', (size_t)(hp_end - p));
        if (colon)
            port = colon + 1;
        if ((colon ? colon : hp_end) > p)
            u->host = pct_dup(p, (size_t)((colon ? colon : hp_end) - p), &bad);
    }
    if (port && !bad) {
        char *e;
        long v = strtol(port, &e, 10);
        if (port == hp_end || e != hp_end || v <= 0 || v > 65535)
            bad = true;
        else
            u->port = (int)v;
    }
    if (slash && !bad)
        u->database = pct_dup(slash + 1, (size_t)(end - slash - 1), &bad);
    while (q && q[1] && !bad && !nomem) {
        q++;
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', n);
        size_t kn = eq ? (size_t)(eq - q) : n;
        char *k = pct_dup(q, kn, &bad);
        char *v = bad ? NULL : eq ? pct_dup(eq + 1, n - kn - 1, &bad) : mem_strdup("");
        if (k && v) {
            nomem |= strv_add(&u->query_keys, k) != CDLT_OK;
            nomem |= strv_add(&u->query_vals, v) != CDLT_OK;
        } else if (!bad) {
            nomem = true;
        }
        mem_free(k);
        mem_free(v);
        q = amp;
    }
    if (!u->drivername)
        nomem = true;
    if (!bad && !nomem && u->password && u->password[0] &&
        cdlt_secret_register(u->password) != CDLT_OK)
        nomem = true;
    if (bad || nomem) {
        cdlt_status rc = nomem ? err_nomem(err)
                               : err_set(err, CDLT_CONFIG,
                                         "cannot parse the connection string '%s': expected "
                                         "dialect[+driver]://user:password@host:port/database"
                                         "[?key=value] with %%-escapes for special characters "
                                         "and a port of 1..65535", u->masked);
        sql_url_free(u);
        return rc;
    }
    return CDLT_OK;
}

const sql_backend *sql_backend_for(const sql_url *u, cdlt_error *err)
{
    for (int i = 0; BACKENDS[i]; i++)
        if (BACKENDS[i]->accepts(u->drivername))
            return BACKENDS[i];
    buf known = BUF_INIT;
    for (int i = 0; BACKENDS[i]; i++)
        buf_printf(&known, "%s%s", i ? ", " : "", BACKENDS[i]->name);
    err_set(err, CDLT_UNSUPPORTED,
            "no reader for '%s' connection strings (%s); cdlt reads: %s", u->drivername,
            u->masked, buf_cstr(&known));
    buf_free(&known);
    return NULL;
}
