/* linkcheck.c: the check of a hard-linked verbatim input before it is loaded.
 * With [extract] verbatim_link = true (opt-in) a package holds a hard link to the user's file,
 * not a copy: a rewrite in place (`>`, `cp`, open('w')) after extract changes the package's
 * data. Extract records the bytes it counted and their XXH3; normalize checks both before it
 * reads the link and, when the file was touched while it read, once more after: a change is a
 * data error naming the file (the package is then discarded), never the new bytes loaded as
 * the old package. An input that only grew (a log) still loads as it was extracted. */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void take_stamp(const struct stat *st, pipe_link_stamp *s)
{
    s->ino = (uint64_t)st->st_ino;
    s->size = (uint64_t)st->st_size;
    s->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    s->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

static cdlt_status changed(const char *job, const char *source, const char *what,
                           cdlt_error *err)
{
    err_set(err, CDLT_PARSE,
            "'%s' changed after it was extracted: %s (the load package holds a hard link to "
            "the file, '%s', not a copy: [extract] verbatim_link = true)",
            source, what, job);
    if (err) /* the file a user must look at (the message has no position to add) */
        snprintf(err->file, sizeof err->file, "%s", source);
    return err_hint(err, "the package was dropped and nothing of it was loaded; run again to "
                         "load the file as it is now (to load the extracted content instead, "
                         "put that content back first); keep [extract] verbatim_link = false "
                         "(the default) so that each package owns a copy of its inputs");
}

/* The first `limit` bytes of job against the recorded hash. */
static cdlt_status compare(const char *job, const char *source, uint64_t limit,
                           const char *xxh3, const char *when, cdlt_error *err)
{
    char hex[17], what[256];
    uint64_t got = 0;
    cdlt_status rc = store_hash_file(job, limit, hex, &got, err);
    if (rc != CDLT_OK)
        return rc;
    if (got < limit) {
        snprintf(what, sizeof what, "it now has %llu bytes, %llu were extracted%s",
                 (unsigned long long)got, (unsigned long long)limit, when);
        return changed(job, source, what, err);
    }
    if (strcmp(hex, xxh3) != 0) {
        snprintf(what, sizeof what,
                 "its first %llu bytes are not those extracted%s (XXH3 %s, was %s)",
                 (unsigned long long)limit, when, hex, xxh3);
        return changed(job, source, what, err);
    }
    return CDLT_OK;
}

cdlt_status pipe_link_verify(const char *job, const char *source, uint64_t limit,
                             const char *xxh3, pipe_link_stamp *stamp, cdlt_error *err)
{
    memset(stamp, 0, sizeof *stamp);
    if (!xxh3) {
        /* a package of a cdlt without the hash: only the length check of the reader */
        LOG_WARN("'%s' is hard-linked into a load package made without a content hash: a "
                 "rewrite of the file after extract cannot be detected", source);
        return CDLT_OK;
    }
    struct stat st;
    if (stat(job, &st) != 0)
        return err_set(err, CDLT_IO, "cannot read '%s' (hard link to '%s'): %s", job, source,
                       strerror(errno));
    take_stamp(&st, stamp); /* before hashing: a write during the hash changes it */
    stamp->checked = true;
    return compare(job, source, limit, xxh3, "", err);
}

cdlt_status pipe_link_recheck(const char *job, const char *source, uint64_t limit,
                              const char *xxh3, const pipe_link_stamp *stamp, cdlt_error *err)
{
    if (!stamp->checked)
        return CDLT_OK;
    struct stat st;
    pipe_link_stamp now;
    if (stat(job, &st) != 0)
        return err_set(err, CDLT_IO, "cannot read '%s' (hard link to '%s'): %s", job, source,
                       strerror(errno));
    take_stamp(&st, &now);
    if (now.ino == stamp->ino && now.size == stamp->size && now.mtime_ns == stamp->mtime_ns &&
        now.ctime_ns == stamp->ctime_ns)
        return CDLT_OK; /* untouched while normalize read it */
    return compare(job, source, limit, xxh3, " (while it was being normalized)", err);
}
