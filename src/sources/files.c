/* files.c: the file source: glob(3) expansion, then json_stream over each file in turn.
 * Progress is reported in bytes because the item count is unknown until the end. */
#include "sources.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <sys/stat.h>

struct src_files {
    char **paths;        /* matched files, sorted */
    uint64_t *sizes;     /* size of each file */
    size_t n;            /* entries of paths */
    size_t cur;          /* index of the file being read (n when done) */
    json_stream *js;     /* stream of paths[cur], NULL between files */
    uint64_t total;      /* sum of sizes */
    uint64_t done_prev;  /* bytes of the files already finished */
};

static bool has_glob_chars(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

void src_files_close(src_files *f)
{
    if (!f)
        return;
    json_stream_close(f->js);
    for (size_t i = 0; i < f->n; i++)
        mem_free(f->paths[i]);
    mem_free(f->paths);
    mem_free(f->sizes);
    mem_free(f);
}

cdlt_status src_files_open(const char *pattern, src_files **out, cdlt_error *err)
{
    *out = NULL;
    if (!pattern || !*pattern)
        return err_set(err, CDLT_INVALID_ARG, "file source: empty path");
    src_files *f = mem_calloc(1, sizeof *f);
    if (!f)
        return err_nomem(err);
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = 0;
    if (has_glob_chars(pattern)) {
        rc = glob(pattern, 0, NULL, &g); /* no GLOB_ERR: a missing folder is "no match" */
        if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
            globfree(&g);
            mem_free(f);
            err_set(err, CDLT_NOT_FOUND, "no file matches '%s'", pattern);
            return err_hint(err, "check the path (relative paths start at the definition "
                                 "file's folder)");
        }
        if (rc != 0) {
            globfree(&g);
            mem_free(f);
            return err_set(err, CDLT_IO, "cannot expand '%s': %s", pattern,
                           rc == GLOB_NOSPACE ? "out of memory" : "read error");
        }
    }
    size_t n = has_glob_chars(pattern) ? g.gl_pathc : 1;
    f->paths = mem_calloc(n, sizeof *f->paths);
    f->sizes = mem_calloc(n, sizeof *f->sizes);
    if (!f->paths || !f->sizes) {
        globfree(&g);
        src_files_close(f);
        return err_nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        const char *p = has_glob_chars(pattern) ? g.gl_pathv[i] : pattern;
        struct stat st;
        if (stat(p, &st) != 0) {
            int e = errno;
            globfree(&g);
            src_files_close(f);
            if (e == ENOENT) {
                err_set(err, CDLT_NOT_FOUND, "file '%s' does not exist", p);
                return err_hint(err, "check the path (relative paths start at the definition "
                                     "file's folder)");
            }
            return err_set(err, CDLT_IO, "cannot read '%s': %s", p, strerror(e));
        }
        if (S_ISDIR(st.st_mode)) {
            if (!has_glob_chars(pattern)) {
                globfree(&g);
                src_files_close(f);
                err_set(err, CDLT_INVALID_ARG, "'%s' is a folder", p);
                return err_hint(err, "use a glob such as '%s/*.jsonl'", p);
            }
            continue; /* globs only yield files, like dlt's filesystem source */
        }
        f->paths[f->n] = mem_strdup(p);
        if (!f->paths[f->n]) {
            globfree(&g);
            src_files_close(f);
            return err_nomem(err);
        }
        f->sizes[f->n] = (uint64_t)st.st_size;
        f->total += (uint64_t)st.st_size;
        f->n++;
    }
    globfree(&g);
    if (f->n == 0) {
        src_files_close(f);
        return err_set(err, CDLT_NOT_FOUND, "no file matches '%s'", pattern);
    }
    *out = f;
    return CDLT_OK;
}

cdlt_status src_files_next(src_files *f, arena *a, jv *out, bool *out_eof, cdlt_error *err)
{
    *out_eof = false;
    for (;;) {
        if (f->cur >= f->n) {
            *out_eof = true;
            return CDLT_OK;
        }
        if (!f->js) {
            json_opts o = {0, 0, f->paths[f->cur]};
            cdlt_status st = json_stream_open_file(f->paths[f->cur], &o, &f->js, err);
            if (st != CDLT_OK) {
                if (st == CDLT_IO)
                    err_hint(err, "check that the file exists and is readable");
                return st;
            }
        }
        bool eof = false;
        cdlt_status st = json_stream_next(f->js, a, out, &eof, err);
        if (st != CDLT_OK)
            return st;
        if (!eof)
            return CDLT_OK;
        json_stream_close(f->js);
        f->js = NULL;
        f->done_prev += f->sizes[f->cur];
        f->cur++;
    }
}

uint64_t src_files_total_bytes(const src_files *f) { return f->total; }

uint64_t src_files_done_bytes(const src_files *f)
{
    return f->done_prev + (f->js ? json_stream_bytes_read(f->js) : 0);
}

size_t src_files_count(const src_files *f) { return f->n; }

const char *src_files_current(const src_files *f)
{
    return f->cur < f->n ? f->paths[f->cur] : NULL;
}
