/* loader.c: loads one load file with COPY "ds"."t" (columns of the header) FROM STDIN: the
 * rows after the header line go to the server unchanged, 1 MiB at a time, inside the package
 * transaction. The end marker is checked first, so a file cut short by a crash is refused
 * before anything reaches the table. */
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

cdlt_status pg_load_file(destination *d, const schema *s, const schema_table *t,
                         const char *path, cdlt_error *err)
{
    (void)s;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_set(err, CDLT_IO, "postgres: cannot open load file '%s' for table '%s': %s", path,
                t->name, strerror(errno));
        err_set_table(err, t->name);
        return CDLT_IO;
    }
    struct stat stt;
    char *chunk = NULL;
    buf sql = BUF_INIT, name = BUF_INIT;
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
    if (!nl || (size_t)got < mlen + 1 || memcmp(chunk, PG_FILE_MAGIC, mlen) != 0 ||
        chunk[mlen] != '\t') {
        st = file_fail(err, t, path, "no CDLTPG1 header line (not a postgres load file)");
        goto out;
    }
    buf_puts(&sql, "COPY ");
    pg_qualified(d, &sql, t->name);
    buf_puts(&sql, " (");
    char *p = chunk + mlen + 1;
    char *tab = memchr(p, '\t', (size_t)(nl - p));
    unsigned ncols = 0;
    for (p = tab ? tab + 1 : nl; p < nl;) {
        char *e = memchr(p, '\t', (size_t)(nl - p));
        if (!e)
            e = nl;
        buf_clear(&name);
        unescape(p, (size_t)(e - p), &name);
        if (ncols++)
            buf_puts(&sql, ", ");
        pg_quote_ident(&sql, buf_cstr(&name));
        p = e + 1;
    }
    buf_puts(&sql, ") FROM STDIN");
    if (sql.status != CDLT_OK || name.status != CDLT_OK) {
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
    if (st != CDLT_OK)
        err_set_table(err, t->name);
out:
    close(fd);
    mem_free(chunk);
    buf_free(&sql);
    buf_free(&name);
    return st;
}
