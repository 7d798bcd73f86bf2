/* package.c: load ids, job file names and the package folder layout shared by the phases.
 * Names follow dlt so a working dir reads the same: <table>.<file_id>.<retry>.<ext>. */
#include "storage.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Python's str(float): the shortest %g text that reads back to the same double. */
static void fmt_shortest(double t, char *out, size_t cap)
{
    for (int p = 10; p <= 17; p++) {
        snprintf(out, cap, "%.*g", p, t);
        if (strtod(out, NULL) == t)
            break;
    }
    if (!strchr(out, '.'))
        strncat(out, ".0", cap - strlen(out) - 1);
}

void store_new_load_id(const char *floor, char out[40])
{
    static double last; /* newest id handed out by this process */
    double t = time_unix();
    double f = floor ? strtod(floor, NULL) : 0.0;
    if (f > last)
        last = f;
    if (t <= last)
        t = last + 1e-6;
    char tmp[64];
    fmt_shortest(t, tmp, sizeof tmp);
    /* the text must order after `last` too: the restore query sorts load ids as strings */
    last = strtod(tmp, NULL);
    snprintf(out, 40, "%s", tmp);
}

void store_new_file_id(char out[11])
{
    unsigned char b[5];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && read(fd, b, sizeof b) == (ssize_t)sizeof b;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        static uint64_t ctr; /* fallback when /dev/urandom is unavailable */
        uint64_t v = hash_bytes(&ctr, sizeof ctr) ^ (uint64_t)(time_unix() * 1e6);
        ctr++;
        memcpy(b, &v, sizeof b);
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 5; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[10] = '\0';
}

bool store_parse_job_name(const char *fname, store_job_name *out)
{
    memset(out, 0, sizeof *out);
    const char *end = fname + strlen(fname);
    /* a compressed file keeps ".gz" after its format, as dlt names it: "jsonl.gz" is the
     * ext; the dots counted below then start before the ".gz" */
    size_t n = strlen(fname);
    const char *stop = n > 3 && strcmp(fname + n - 3, ".gz") == 0 ? end - 3 : end;
    const char *dots[3] = {NULL, NULL, NULL}; /* last, second last, third last '.' */
    int found = 0;
    for (const char *p = stop; p > fname && found < 3;) {
        p--;
        if (*p == '.')
            dots[found++] = p;
    }
    if (found < 3)
        return false;
    size_t tl = (size_t)(dots[2] - fname), fl = (size_t)(dots[1] - dots[2] - 1),
           el = (size_t)(end - dots[0] - 1);
    if (tl == 0 || tl >= sizeof out->table || fl == 0 || fl >= sizeof out->file_id ||
        el == 0 || el >= sizeof out->ext)
        return false;
    memcpy(out->table, fname, tl);
    memcpy(out->file_id, dots[2] + 1, fl);
    memcpy(out->ext, dots[0] + 1, el);
    char *e;
    long r = strtol(dots[1] + 1, &e, 10);
    if (e != dots[0] || r < 0)
        return false;
    out->retry = (int)r;
    return true;
}

cdlt_status store_job_file_name(buf *out, const char *table, const char *file_id, int retry,
                                const char *ext)
{
    buf_clear(out);
    return buf_printf(out, "%s.%s.%d.%s", table, file_id, retry, ext);
}

cdlt_status store_init_workdir(const char *workdir, cdlt_error *err)
{
    static const char *const dirs[] = {STORE_EXTRACT_NEW, STORE_EXTRACTED, STORE_LOAD_NEW,
                                       STORE_NORMALIZED, STORE_LOADED, "schemas"};
    buf p = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; st == CDLT_OK && i < CDLT_ARRAY_LEN(dirs); i++) {
        if (store_path(&p, workdir, dirs[i], NULL) != CDLT_OK)
            st = err_nomem(err);
        else
            st = store_mkdirs(p.data, err);
    }
    if (st == CDLT_OK && store_path(&p, workdir, "normalize/.version", NULL) == CDLT_OK &&
        !store_exists(p.data))
        st = store_write_atomic(p.data, "1.0.1", 5, err);
    if (st == CDLT_OK && store_path(&p, workdir, "load/.version", NULL) == CDLT_OK &&
        !store_exists(p.data))
        st = store_write_atomic(p.data, "1.0.0", 5, err);
    buf_free(&p);
    return st;
}

cdlt_status store_init_package(const char *pkgdir, cdlt_error *err)
{
    static const char *const dirs[] = {STORE_NEW_JOBS, STORE_STARTED_JOBS, STORE_COMPLETED_JOBS,
                                       STORE_FAILED_JOBS};
    buf p = BUF_INIT;
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; st == CDLT_OK && i < CDLT_ARRAY_LEN(dirs); i++) {
        if (store_path(&p, pkgdir, dirs[i], NULL) != CDLT_OK)
            st = err_nomem(err);
        else
            st = store_mkdirs(p.data, err);
    }
    buf_free(&p);
    return st;
}

cdlt_status store_move_job(const char *pkgdir, const char *from_folder, const char *fname,
                           const char *to_folder, int new_retry, buf *out_name, cdlt_error *err)
{
    buf from = BUF_INIT, to = BUF_INIT, name = BUF_INIT;
    cdlt_status st = CDLT_OK;
    store_job_name jn;
    if (new_retry >= 0 && store_parse_job_name(fname, &jn))
        store_job_file_name(&name, jn.table, jn.file_id, new_retry, jn.ext);
    else
        buf_puts(&name, fname);
    store_path(&from, pkgdir, from_folder, fname);
    store_path(&to, pkgdir, to_folder, buf_cstr(&name));
    if (from.status || to.status || name.status)
        st = err_nomem(err);
    else
        st = store_rename(from.data, to.data, err);
    if (st == CDLT_OK && out_name) {
        buf_clear(out_name);
        if (buf_puts(out_name, name.data) != CDLT_OK)
            st = err_nomem(err);
    }
    buf_free(&from);
    buf_free(&to);
    buf_free(&name);
    return st;
}
