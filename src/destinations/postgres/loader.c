/* loader.c: loads one load file with COPY "ds"."t" (columns of the header) FROM STDIN
 * (FORMAT binary): the bytes after the header line go to the server unchanged, 1 MiB at a time,
 * inside the package transaction. The end marker is checked first, so a file cut short by a
 * crash is refused before anything reaches the table. When a table column does not have the
 * type the file was written for (a table changed outside cdlt, a precision hint added after
 * the table was made), the rows go through a temporary table of the file's types and an
 * INSERT ... SELECT with casts instead. */
#include "pg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOAD_CHUNK (1u << 20)

static cdlt_status file_fail(cdlt_error *err, const schema_table *t, const char *path,
                             const char *what)
{
    err_set(err, CDLT_IO, "postgres: load file '%s' for table '%s': %s", path, t->name, what);
    err_set_table(err, t->name);
    return err_hint(err, "normalize the package again (the file was damaged or cut short)");
}

/* Unescape one header name (COPY text escapes) from s[0..n) into out. */
static void unescape(const char *s, size_t n, buf *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[++i];
            c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
        }
        buf_putc(out, c);
    }
}

/* Does a table column of type `typname` take the binary form w unchanged? */
static bool wire_fits(pg_wire w, const char *typname)
{
    if (w == PG_W_TEXT)
        return strcmp(typname, "varchar") == 0 || strcmp(typname, "text") == 0;
    return strcmp(typname, pg_wire_name(w)) == 0;
}

/* Compare the file's wire types with the table's column types. All fit: COPY into the table.
 * Else create the temporary table "_cdlt_copy" with the file's types and put into *post the
 * INSERT that moves its rows over with casts to the table's types. */
static cdlt_status check_types(destination *d, const schema_table *t, const buf *cols,
                               const buf *wires, bool *via_tmp, buf *post, cdlt_error *err)
{
    *via_tmp = false;
    static const char q[] =
        "SELECT a.attname, y.typname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_type y ON y.oid = a.atttypid WHERE a.attrelid = $1::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped";
    buf rel = BUF_INIT;
    pg_qualified(d, &rel, t->name);
    const char *p[1] = {buf_cstr(&rel)};
    PGresult *r = NULL;
    cdlt_status st = rel.status != CDLT_OK ? err_nomem(err)
                                          : pg_query(d, q, 1, p, "reading column types", &r, err);
    buf_free(&rel);
    if (st != CDLT_OK) {
        err_set_table(err, t->name);
        return st;
    }
    /* walk the file's columns: the quoted names in cols, the wire codes in wires */
    buf name = BUF_INIT, tmp = BUF_INIT, sel = BUF_INIT;
    const char *c = cols->data;
    bool fits = true;
    for (size_t k = 0; k < wires->len; k++) {
        /* one quoted identifier: "..." with "" inside */
        buf_clear(&name);
        c++;
        while (*c && !(c[0] == '"' && c[1] != '"')) {
            if (c[0] == '"')
                c++;
            buf_putc(&name, *c++);
        }
        c++;
        if (*c == ',')
            c += 2;
        pg_wire w = (pg_wire)(unsigned char)wires->data[k];
        const char *typname = NULL, *full = NULL;
        for (int i = 0; i < PQntuples(r); i++)
            if (strcmp(PQgetvalue(r, i, 0), buf_cstr(&name)) == 0) {
                typname = PQgetvalue(r, i, 1);
                full = PQgetvalue(r, i, 2);
            }
        if (!typname) {
            fits = true; /* a missing column: COPY names it in its error */
            break;
        }
        fits = fits && wire_fits(w, typname);
        buf_puts(&tmp, k ? ", " : "");
        pg_quote_ident(&tmp, buf_cstr(&name));
        buf_printf(&tmp, " %s", w == PG_W_TEXT ? "varchar" : pg_wire_name(w));
        buf_puts(&sel, k ? ", " : "");
        pg_quote_ident(&sel, buf_cstr(&name));
        buf_printf(&sel, "::%s", full);
    }
    PQclear(r);
    if (!fits && tmp.status == CDLT_OK && sel.status == CDLT_OK) {
        LOG_INFO("postgres: table %s.%s has columns of other types than load files are written "
                 "for; loading through a temporary table with casts", d->dataset, t->name);
        buf create = BUF_INIT;
        buf_printf(&create, "CREATE TEMPORARY TABLE \"_cdlt_copy\" (%s)", tmp.data);
        st = create.status != CDLT_OK ? err_nomem(err)
                                      : pg_exec(d, create.data, "creating a temporary table", err);
        buf_free(&create);
        buf_puts(post, "INSERT INTO ");
        pg_qualified(d, post, t->name);
        buf_printf(post, " (%s) SELECT %s FROM \"_cdlt_copy\"", cols->data, sel.data);
        if (st == CDLT_OK && post->status != CDLT_OK)
            st = err_nomem(err);
        *via_tmp = st == CDLT_OK;
    } else if (tmp.status != CDLT_OK || sel.status != CDLT_OK) {
        st = err_nomem(err);
    }
    buf_free(&name);
    buf_free(&tmp);
    buf_free(&sel);
    if (st != CDLT_OK)
        err_set_table(err, t->name);
    return st;
}

cdlt_status pg_open_load_file(const schema_table *t, const char *path, int *fd,
                              cdlt_error *err)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd >= 0)
        return CDLT_OK;
    err_set(err, CDLT_IO, "postgres: cannot open load file '%s' for table '%s': %s", path,
            t->name, strerror(errno));
    err_set_table(err, t->name);
    return CDLT_IO;
}

cdlt_status pg_load_file(destination *d, const schema *s, const schema_table *t,
                         const char *path, cdlt_error *err)
{
    (void)s;
    int fd;
    cdlt_status st = pg_open_load_file(t, path, &fd, err);
    if (st != CDLT_OK)
        return st;
    /* load_threads > 1: a worker loads it later; the open file survives the pipeline moving
     * the job once this returns */
    if (pg_pool_routes(d, t->name))
        return pg_pool_post(d, PG_T_LOAD, t, NULL, path, fd, err);
    return pg_load_fd(d, t, path, fd, err);
}

cdlt_status pg_load_fd(destination *d, const schema_table *t, const char *path, int fd,
                       cdlt_error *err)
{
    struct stat stt;
    char *chunk = NULL;
    buf sql = BUF_INIT, name = BUF_INIT, cols = BUF_INIT, wires = BUF_INIT, post = BUF_INIT;
    cdlt_status st = CDLT_OK;
    char tail[3];
    if (fstat(fd, &stt) != 0 || stt.st_size < 3 ||
        pread(fd, tail, 3, stt.st_size - 3) != 3 || memcmp(tail, PG_FILE_END, 3) != 0) {
        st = file_fail(err, t, path, "the end marker is missing");
        goto out;
    }
    chunk = mem_alloc(LOAD_CHUNK);
    if (!chunk) {
        st = err_nomem(err);
        goto out;
    }
    /* the header line: magic, column count, names */
    ssize_t got = read(fd, chunk, LOAD_CHUNK);
    char *nl = got > 0 ? memchr(chunk, '\n', (size_t)got) : NULL;
    size_t mlen = strlen(PG_FILE_MAGIC);
    if (!nl || (size_t)got < mlen + 1 ||
        (memcmp(chunk, PG_FILE_MAGIC, mlen) != 0 && memcmp(chunk, PG_FILE_MAGIC_TEXT, mlen) != 0) ||
        chunk[mlen] != '\t') {
        st = file_fail(err, t, path, "no CDLTPG header line (not a postgres load file)");
        goto out;
    }
    bool binary = memcmp(chunk, PG_FILE_MAGIC, mlen) == 0;
    char *p = chunk + mlen + 1;
    char *tab = memchr(p, '\t', (size_t)(nl - p));
    unsigned ncols = 0;
    for (p = tab ? tab + 1 : nl; p < nl && st == CDLT_OK;) {
        char *e = memchr(p, '\t', (size_t)(nl - p));
        if (!e)
            e = nl;
        pg_wire wt = PG_W_TEXT;
        if (binary) {
            char *colon = memchr(p, ':', (size_t)(e - p));
            wt = colon ? pg_wire_parse(p, (size_t)(colon - p)) : (pg_wire)0;
            if (!wt) {
                st = file_fail(err, t, path, "a header column has no known wire type");
                break;
            }
            p = colon + 1;
        }
        buf_clear(&name);
        unescape(p, (size_t)(e - p), &name);
        if (ncols++)
            buf_puts(&cols, ", ");
        pg_quote_ident(&cols, buf_cstr(&name));
        buf_putc(&wires, (char)wt);
        p = e + 1;
    }
    if (st != CDLT_OK)
        goto out;
    if (cols.status != CDLT_OK || name.status != CDLT_OK || wires.status != CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    /* the COPY target: the table itself, or a temporary table of the file's types */
    bool via_tmp = false;
    if (binary && ncols && (st = check_types(d, t, &cols, &wires, &via_tmp, &post, err)) != CDLT_OK)
        goto out;
    buf_puts(&sql, "COPY ");
    if (via_tmp)
        buf_puts(&sql, "\"_cdlt_copy\"");
    else
        pg_qualified(d, &sql, t->name);
    buf_printf(&sql, " (%s) FROM STDIN%s", buf_cstr(&cols), binary ? " (FORMAT binary)" : "");
    if (sql.status != CDLT_OK) {
        st = err_nomem(err);
        goto out;
    }
    uint64_t data_end = (uint64_t)stt.st_size - 3, pos = (uint64_t)(nl + 1 - chunk);
    if (ncols == 0 || pos >= data_end)
        goto out; /* no rows (or no columns): nothing to copy */
    PGresult *r = PQexec(d->conn, sql.data);
    if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
        st = pg_fail(d, err, "starting COPY", r, sql.data);
        PQclear(r);
        err_set_table(err, t->name);
        goto out;
    }
    PQclear(r);
    /* the rest of the first read, then the file in chunks, without the end marker */
    const char *ferr = NULL;
    uint64_t have = (uint64_t)got;
    size_t off = (size_t)pos;
    for (;;) {
        uint64_t upto = have < data_end ? have : data_end;
        if (upto > pos) {
            if (PQputCopyData(d->conn, chunk + off, (int)(upto - pos)) != 1) {
                ferr = "sending rows";
                break;
            }
            pos = upto;
        }
        if (pos >= data_end)
            break;
        got = read(fd, chunk, LOAD_CHUNK);
        if (got <= 0) {
            ferr = "reading the load file";
            break;
        }
        off = 0;
        have += (uint64_t)got;
    }
    if (PQputCopyEnd(d->conn, ferr ? ferr : NULL) != 1 && !ferr)
        ferr = "ending COPY";
    cdlt_status cst = CDLT_OK;
    while ((r = PQgetResult(d->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && cst == CDLT_OK) {
            cst = pg_fail(d, err, "loading rows with COPY", r, NULL);
            err_prefix(err, "table '%s', load file '%s' (COPY line N = file line N+1): ",
                       t->name, path);
        }
        PQclear(r);
    }
    if (cst != CDLT_OK)
        st = cst;
    else if (ferr)
        st = pg_fail(d, err, ferr, NULL, NULL);
    if (st == CDLT_OK && post.len) {
        st = pg_exec(d, post.data, "moving rows from the temporary table into the table", err);
        if (st == CDLT_OK)
            st = pg_exec(d, "DROP TABLE \"_cdlt_copy\"", "dropping the temporary table", err);
    }
    if (st != CDLT_OK)
        err_set_table(err, t->name);
out:
    close(fd);
    mem_free(chunk);
    buf_free(&sql);
    buf_free(&name);
    buf_free(&cols);
    buf_free(&wires);
    buf_free(&post);
    return st;
}
