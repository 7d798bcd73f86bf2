/* load.c: the load phase: each normalized package (oldest first) is loaded in ONE destination
 * transaction: drop (refresh), migrate, truncate (replace), every job file, the _dlt_loads row,
 * commit. is_load_completed makes a crash between commit and the folder move harmless: the
 * next run only finishes the move, so nothing is loaded twice (core.md §6.1, §6.3).
 * Also the overlapped load (pipe_ovl_*): the same transaction, fed by the normalizer while it
 * runs, on a second thread (the machine's second core; docs/pipeline.md "Overlapped load"). */
#include "pipeline.h"
#include "sqlgen/sqlgen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct lpkg {
    strv tables;    /* root tables extracted into the package */
    strv dropped;   /* dropped_tables (refresh) */
    strv truncated; /* truncated_tables (refresh drop_data) */
} lpkg;

static void lpkg_free(lpkg *l)
{
    strv_free(&l->tables);
    strv_free(&l->dropped);
    strv_free(&l->truncated);
}

static cdlt_status read_names(const jv *doc, const char *key, strv *out)
{
    const jv *a = jv_get(doc, key);
    for (uint32_t i = 0; a && a->type == JV_ARRAY && i < a->len; i++)
        if (a->u.items[i].type == JV_STRING && strv_add(out, a->u.items[i].u.s) != CDLT_OK)
            return CDLT_NOMEM;
    return CDLT_OK;
}

static cdlt_status read_lpkg(const char *pkgdir, lpkg *l, cdlt_error *err)
{
    memset(l, 0, sizeof *l);
    buf path = BUF_INIT, text = BUF_INIT;
    arena a;
    arena_init(&a, 16384, 0);
    jv doc;
    cdlt_status rc = store_path(&path, pkgdir, "load_package_state.json", NULL) == CDLT_OK
                         ? store_read_file(path.data, 0, &text, err)
                         : err_nomem(err);
    if (rc == CDLT_OK)
        rc = json_parse(buf_cstr(&text), text.len, &a, NULL, &doc, err);
    if (rc == CDLT_OK && (read_names(&doc, "tables", &l->tables) ||
                          read_names(&doc, "dropped_tables", &l->dropped) ||
                          read_names(&doc, "truncated_tables", &l->truncated)))
        rc = err_nomem(err);
    arena_free(&a);
    buf_free(&path);
    buf_free(&text);
    return rc;
}

/* Move every job of a folder back to new_jobs (the transaction that used them rolled back). */
static cdlt_status requeue(const char *pkgdir, const char *folder, bool bump, cdlt_error *err)
{
    buf dir = BUF_INIT, ex = BUF_INIT;
    store_names n = {0};
    cdlt_status rc = store_path(&dir, pkgdir, folder, NULL) == CDLT_OK
                         ? store_list(dir.data, &n, err)
                         : err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < n.n; i++) {
        size_t len = strlen(n.names[i]);
        if (len > 10 && strcmp(n.names[i] + len - 10, ".exception") == 0) {
            store_path(&ex, dir.data, n.names[i], NULL);
            rc = store_rm_rf(buf_cstr(&ex), err);
            continue;
        }
        store_job_name jn;
        int retry = bump && store_parse_job_name(n.names[i], &jn) ? jn.retry + 1 : -1;
        rc = store_move_job(pkgdir, folder, n.names[i], STORE_NEW_JOBS, retry, NULL, err);
    }
    store_names_free(&n);
    buf_free(&dir);
    buf_free(&ex);
    return rc;
}

static cdlt_status finish_package(cdlt_pipeline *p, const char *pkgdir, const char *load_id,
                                  cdlt_error *err)
{
    buf path = BUF_INIT, to = BUF_INIT;
    cdlt_status rc = store_path(&path, pkgdir, "package_completed.json", NULL);
    if (rc == CDLT_OK)
        rc = store_write_atomic(path.data, "loaded", 6, err);
    else
        rc = err_nomem(err);
    if (rc == CDLT_OK)
        rc = pipe_path(p, &to, STORE_LOADED, load_id) == CDLT_OK
                 ? store_rename(pkgdir, to.data, err)
                 : err_nomem(err);
    /* dlt's [load] delete_completed_jobs: the loaded package keeps its records, not its data
     * (a package with failed jobs is never completed here) */
    if (rc == CDLT_OK && p->delete_completed_jobs) {
        buf dir = BUF_INIT, f = BUF_INIT;
        store_names n = {0};
        rc = store_path(&dir, to.data, STORE_COMPLETED_JOBS, NULL) == CDLT_OK
                 ? store_list(dir.data, &n, err)
                 : err_nomem(err);
        for (size_t i = 0; rc == CDLT_OK && i < n.n; i++)
            rc = store_path(&f, dir.data, n.names[i], NULL) == CDLT_OK
                     ? store_rm_rf(f.data, err)
                     : err_nomem(err);
        store_names_free(&n);
        buf_free(&dir);
        buf_free(&f);
    }
    if (rc == CDLT_OK && p->cur && info_add_package(p->cur, load_id) != CDLT_OK)
        rc = err_nomem(err);
    buf_free(&path);
    buf_free(&to);
    return rc;
}

static cdlt_status write_exception(const char *pkgdir, const char *job, const cdlt_error *err)
{
    buf path = BUF_INIT;
    buf_printf(&path, "%s/%s/%s.exception", pkgdir, STORE_FAILED_JOBS, job);
    const char *msg = err && err->message[0] ? err->message : "load failed";
    cdlt_status rc = path.status ? CDLT_NOMEM
                                 : store_write_atomic(path.data, msg, strlen(msg), NULL);
    buf_free(&path);
    return rc;
}

/* Truncate a root table and its nested tables that exist at the destination. */
static cdlt_status truncate_chain(cdlt_pipeline *p, destination *d, const schema *s,
                                  const schema_table *root, cdlt_error *err)
{
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (!t->seen_data || schema_root_table(s, t) != root)
            continue;
        LOG_DEBUG("truncating %s (replace)", t->name);
        cdlt_status rc = p->dv->truncate_table(d, t->name, err);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

/* insert-from-staging: add a replace root and its nested tables that have seen data (even
 * without rows this time, so they are emptied too; core.md §5) to the staged chain list. */
static cdlt_status add_staged_chain(const schema *s, const schema_table *root, strv *staged)
{
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (t->seen_data && schema_root_table(s, t) == root &&
            strv_add_unique(staged, t->name) != CDLT_OK)
            return CDLT_NOMEM;
    }
    return CDLT_OK;
}

/* Does table t load into the staging dataset (its root is a staged replace root)? */
static bool is_staged(const schema *s, const schema_table *t, const strv *staged)
{
    if (!staged->n)
        return false;
    const schema_table *root = schema_root_table(s, t);
    return root && strv_has(staged, root->name);
}

/* The package's chunks (PIPE_CHUNKS_FILE, written by normalize when it cut the package):
 * the job names of new_jobs reordered chunk by chunk (stable), with each one's chunk. No
 * file: one chunk. A job the file does not list (cannot happen) goes to the last chunk. */
static cdlt_status order_by_chunk(const char *pkgdir, const store_names *jobs,
                                  const char **names, uint32_t *chunk_of, uint32_t *nchunks,
                                  cdlt_error *err)
{
    buf path = BUF_INIT, text = BUF_INIT;
    map ids;
    map_init(&ids);
    *nchunks = 1;
    cdlt_status rc = store_path(&path, pkgdir, PIPE_CHUNKS_FILE, NULL) == CDLT_OK
                         ? CDLT_OK
                         : err_nomem(err);
    if (rc == CDLT_OK && store_exists(path.data))
        rc = store_read_file(path.data, 0, &text, err);
    /* "<chunk>\t<job file>": keyed by the file id (a retry renames the job, not the id) */
    for (char *line = text.data; rc == CDLT_OK && line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *tab = strchr(line, '\t');
        store_job_name jn;
        if (tab && store_parse_job_name(tab + 1, &jn)) {
            unsigned long k = strtoul(line, NULL, 10);
            char *id = strstr(tab + 1, jn.file_id); /* stays in text, which outlives ids */
            if (k + 1 > *nchunks)
                *nchunks = (uint32_t)(k + 1);
            if (id && map_put(&ids, id, strlen(jn.file_id), (void *)(uintptr_t)(k + 1)) != CDLT_OK)
                rc = err_nomem(err);
        }
        line = nl ? nl + 1 : NULL;
    }
    size_t at = 0;
    for (uint32_t k = 0; rc == CDLT_OK && k < *nchunks; k++)
        for (size_t i = 0; i < jobs->n; i++) {
            store_job_name jn;
            uintptr_t c = store_parse_job_name(jobs->names[i], &jn)
                              ? (uintptr_t)map_get(&ids, jn.file_id, strlen(jn.file_id))
                              : 0;
            uint32_t ck = c ? (uint32_t)(c - 1) : *nchunks - 1;
            if (ck != k)
                continue;
            chunk_of[at] = k;
            names[at++] = jobs->names[i];
        }
    map_free(&ids);
    buf_free(&path);
    buf_free(&text);
    return rc;
}

/* Before the first commit of part of a package: record the tables the load writes (once). */
static cdlt_status record_tables(cdlt_pipeline *p, const schema *s, const char *load_id,
                                 const strv *staged, bool *recorded, cdlt_error *err)
{
    if (*recorded)
        return CDLT_OK;
    strv tables = {0}, parents = {0};
    cdlt_status rc = pipe_partial_tables(s, staged, &tables, &parents) == CDLT_OK
                         ? pipe_partial_write(p, load_id, &tables, &parents, err)
                         : err_nomem(err);
    strv_free(&tables);
    strv_free(&parents);
    *recorded = rc == CDLT_OK;
    return rc;
}

/* Between two chunks: record the tables the load writes (first time), commit, give memory
 * back, open the next transaction. */
static cdlt_status commit_chunk(cdlt_pipeline *p, destination *d, const schema *s,
                                const char *load_id, const strv *staged, bool *recorded,
                                bool *in_tx, cdlt_error *err)
{
    const dest_vtable *dv = p->dv;
    cdlt_status rc = record_tables(p, s, load_id, staged, recorded, err);
    if (rc != CDLT_OK)
        return rc;
    pipe_crash_point("chunk_commit");
    rc = dv->commit(d, err);
    *in_tx = false;
    if (rc != CDLT_OK)
        return rc;
    if (dv->trim_memory)
        dv->trim_memory(d);
    pipe_crash_point("chunk_committed");
    rc = dv->begin(d, err);
    if (rc == CDLT_OK)
        *in_tx = true;
    return rc;
}

static cdlt_status load_package(cdlt_pipeline *p, destination *d, const char *load_id,
                                cdlt_error *err)
{
    strv staged = {0};          /* chain tables loaded into staging (replace from staging, merge) */
    strv repl = {0};            /* ...of those, the replaced ones (insert-from-staging) */
    strv merges = {0};          /* merge roots (merged from staging after the last file) */
    const dest_vtable *dv = p->dv;
    buf pkg = BUF_INIT, tmp = BUF_INIT, name = BUF_INIT;
    store_names jobs = {0};
    schema *s = NULL;
    lpkg l;
    memset(&l, 0, sizeof l);
    bool in_tx = false;
    size_t cur0 = 0, ncur = 0;  /* names[cur0 .. cur0+ncur) are in started_jobs */
    const char **paths = NULL;  /* their paths, for load_files */
    buf *pbufs = NULL;          /* storage of paths */
    const char **names = NULL;  /* job names in load order (chunk by chunk) */
    uint32_t *chunk_of = NULL;  /* chunk of names[i] */
    uint32_t nchunks = 1, committed = 0; /* chunks; chunks committed by this run */
    bool recorded = false;      /* load/partial/<load_id> written by this run */
    cdlt_status rc = pipe_path(p, &pkg, STORE_NORMALIZED, load_id) == CDLT_OK ? CDLT_OK
                                                                              : err_nomem(err);
    if (rc != CDLT_OK)
        goto done;
    bool completed = false;
    rc = dv->is_load_completed(d, load_id, &completed, err);
    if (rc != CDLT_OK)
        goto done;
    if (completed) {
        /* committed by a run killed before it moved the folder: only finish the move */
        LOG_INFO("load package %s was already loaded; completing it", load_id);
        rc = requeue(pkg.data, STORE_STARTED_JOBS, false, err);
        if (rc == CDLT_OK)
            rc = finish_package(p, pkg.data, load_id, err);
        if (rc == CDLT_OK)
            pipe_partial_clear(p, load_id);
        goto done;
    }
    rc = requeue(pkg.data, STORE_STARTED_JOBS, false, err);
    if (rc == CDLT_OK)
        rc = requeue(pkg.data, STORE_COMPLETED_JOBS, false, err);
    if (rc == CDLT_OK)
        rc = requeue(pkg.data, STORE_FAILED_JOBS, true, err);
    if (rc != CDLT_OK)
        goto done;
    store_path(&tmp, pkg.data, "schema.json", NULL);
    rc = tmp.status ? err_nomem(err) : pipe_read_schema_file(tmp.data, &s, err);
    if (rc == CDLT_OK)
        rc = read_lpkg(pkg.data, &l, err);
    if (rc != CDLT_OK)
        goto done;

    progress_start(&p->progress, "load", 0);
    /* an earlier run committed part of this package: remove it, the package loads whole */
    rc = pipe_partial_undo_tx(p, d, load_id, err);
    if (rc == CDLT_OK)
        rc = dv->begin(d, err);
    if (rc != CDLT_OK)
        goto done;
    in_tx = true;
    if (l.dropped.n) {
        rc = dv->drop_tables(d, (const char *const *)l.dropped.v, l.dropped.n, s->name, err);
        /* dlt drops them in the staging dataset too: a recreated table must not meet stale
         * staging columns */
        if (rc == CDLT_OK && p->replace_staging)
            rc = dv->drop_staging_tables(d, (const char *const *)l.dropped.v, l.dropped.n, err);
        if (rc != CDLT_OK)
            goto done;
    }
    rc = dv->migrate(d, s, err);
    if (rc != CDLT_OK)
        goto done;
    /* replace: truncate-and-insert empties the final tables now; insert-from-staging loads
     * into the (emptied) staging tables and copies them over after the last job, all in this
     * transaction (core.md §5.2) */
    for (size_t i = 0; rc == CDLT_OK && i < l.tables.n; i++) {
        const schema_table *t = schema_get_table(s, l.tables.v[i]);
        if (!t || t->parent)
            continue;
        write_disposition wd = schema_table_disposition(s, t);
        if (wd == WD_MERGE && dv->merge_as_append) {
            /* as dlt's filesystem destination: loaded as append, said out loud */
            LOG_WARN("table '%s' has write_disposition merge, which destination %s loads as "
                     "append (as dlt does for plain file tables)", t->name, dv->name);
            continue;
        }
        if (wd == WD_MERGE) {
            /* merge: checked before anything is written, then staged and merged at the end */
            rc = sqlgen_merge_validate(s, t, err);
            if (rc == CDLT_OK && !dv->merge_from_staging)
                rc = err_set(err, CDLT_DESTINATION,
                             "table '%s' has write_disposition merge, which destination %s "
                             "does not support", t->name, dv->name);
            if (rc == CDLT_OK && (add_staged_chain(s, t, &staged) != CDLT_OK ||
                                  strv_add(&merges, t->name) != CDLT_OK))
                rc = err_nomem(err);
            continue;
        }
        if (wd != WD_REPLACE)
            continue;
        if (p->replace_staging)
            rc = add_staged_chain(s, t, &staged) == CDLT_OK && add_staged_chain(s, t, &repl) == CDLT_OK
                     ? CDLT_OK
                     : err_nomem(err);
        else
            rc = truncate_chain(p, d, s, t, err);
    }
    if (rc == CDLT_OK && staged.n)
        rc = dv->migrate_staging(d, s, (const char *const *)staged.v, staged.n, err);
    for (size_t i = 0; rc == CDLT_OK && i < staged.n; i++)
        rc = dv->truncate_staging(d, staged.v[i], err);
    for (size_t i = 0; rc == CDLT_OK && i < l.truncated.n; i++) {
        const schema_table *t = schema_get_table(s, l.truncated.v[i]);
        if (t && t->seen_data && !strv_has(&l.dropped, t->name))
            rc = dv->truncate_table(d, t->name, err);
    }
    if (rc != CDLT_OK)
        goto done;

    store_path(&tmp, pkg.data, STORE_NEW_JOBS, NULL);
    rc = tmp.status ? err_nomem(err) : store_list(tmp.data, &jobs, err);
    if (rc == CDLT_OK && jobs.n && (!(paths = mem_calloc(jobs.n, sizeof *paths)) ||
                                    !(pbufs = mem_calloc(jobs.n, sizeof *pbufs)) ||
                                    !(names = mem_calloc(jobs.n, sizeof *names)) ||
                                    !(chunk_of = mem_calloc(jobs.n, sizeof *chunk_of))))
        rc = err_nomem(err);
    if (rc == CDLT_OK && jobs.n)
        rc = order_by_chunk(pkg.data, &jobs, names, chunk_of, &nchunks, err);
    if (rc == CDLT_OK && nchunks > 1 && !dv->delete_load)
        nchunks = 1; /* (cannot happen: normalize cuts only for such destinations) */
    /* the jobs of one table (adjacent: names start with the table) go to the destination in
     * one load_files call when it has one, so it can insert them on all its threads; a
     * chunk's jobs commit together, before the next chunk's */
    for (size_t i = 0; rc == CDLT_OK && i < jobs.n;) {
        if (i > 0 && chunk_of[i] != chunk_of[i - 1] && nchunks > 1) {
            rc = commit_chunk(p, d, s, load_id, &staged, &recorded, &in_tx, err);
            if (rc != CDLT_OK)
                break;
            committed++;
        }
        store_job_name jn;
        if (!store_parse_job_name(names[i], &jn)) {
            i++;
            continue;
        }
        const schema_table *t = schema_get_table(s, jn.table);
        if (!t) {
            rc = err_set(err, CDLT_SCHEMA, "job %s: table '%s' is not in the package schema",
                         names[i], jn.table);
            break;
        }
        bool to_staging = is_staged(s, t, &staged);
        size_t n = 1;
        while (dv->load_files && !to_staging && i + n < jobs.n && chunk_of[i + n] == chunk_of[i]) {
            store_job_name jn2;
            if (!store_parse_job_name(names[i + n], &jn2) || strcmp(jn2.table, jn.table))
                break;
            n++;
        }
        cur0 = i;
        for (size_t k = 0; rc == CDLT_OK && k < n; k++) {
            rc = store_move_job(pkg.data, STORE_NEW_JOBS, names[i + k], STORE_STARTED_JOBS,
                                -1, &name, err);
            if (rc != CDLT_OK)
                break;
            ncur = k + 1;
            buf_init(&pbufs[i + k], 0);
            store_path(&pbufs[i + k], pkg.data, STORE_STARTED_JOBS, name.data);
            if (pbufs[i + k].status)
                rc = err_nomem(err);
            paths[i + k] = pbufs[i + k].data;
        }
        if (rc != CDLT_OK)
            break;
        pipe_crash_point("load_file");
        if (to_staging)
            rc = dv->load_file_staging(d, s, t, paths[i], err);
        else if (n > 1)
            rc = dv->load_files(d, s, t, paths + i, n, err);
        else
            rc = dv->load_file(d, s, t, paths[i], err);
        if (rc != CDLT_OK) {
            err_set_table(err, t->name);
            break;
        }
        for (size_t k = 0; rc == CDLT_OK && k < n; k++)
            rc = store_move_job(pkg.data, STORE_STARTED_JOBS, names[i + k],
                                STORE_COMPLETED_JOBS, -1, NULL, err);
        ncur = 0;
        if (p->cur)
            p->cur->files += n;
        progress_tick(&p->progress, 0);
        i += n;
    }
    if (rc != CDLT_OK)
        goto done;
    /* a destination committing on several connections (from replace_from_staging on) may
     * leave part of the package committed: record its tables first, as for chunks */
    if (dv->commits_in_parts && dv->commits_in_parts(d))
        rc = record_tables(p, s, load_id, &staged, &recorded, err);
    if (rc != CDLT_OK)
        goto done;
    if (repl.n) {
        pipe_crash_point("replace_from_staging");
        rc = dv->replace_from_staging(d, s, (const char *const *)repl.v, repl.n, err);
        if (rc != CDLT_OK)
            goto done;
    }
    if (merges.n) {
        pipe_crash_point("merge_from_staging");
        rc = dv->merge_from_staging(d, s, (const char *const *)merges.v, merges.n, load_id, err);
        if (rc != CDLT_OK)
            goto done;
        pipe_crash_point("merged");
    }
    rc = dv->complete_load(d, s, load_id, err);
    if (rc != CDLT_OK)
        goto done;
    pipe_crash_point("before_commit");
    rc = dv->commit(d, err);
    in_tx = false;
    if (rc != CDLT_OK)
        goto done;
    pipe_crash_point("after_commit");
    progress_end(&p->progress);
    /* dlt's [load] truncate_staging_dataset: empty the staging tables this load used */
    if (p->truncate_staging && staged.n) {
        rc = dv->begin(d, err);
        for (size_t i = 0; rc == CDLT_OK && i < staged.n; i++)
            rc = dv->truncate_staging(d, staged.v[i], err);
        rc = rc == CDLT_OK ? dv->commit(d, err) : (dv->rollback(d, NULL), rc);
        if (rc != CDLT_OK) { /* the package is loaded: report, do not fail it */
            LOG_WARN("load package %s: truncating the staging dataset failed: %s", load_id,
                     err->message);
            cdlt_error_clear(err);
            rc = CDLT_OK;
        }
    }
    rc = finish_package(p, pkg.data, load_id, err);
    if (rc == CDLT_OK)
        pipe_partial_clear(p, load_id);
    LOG_INFO("loaded load package %s%s", load_id, nchunks > 1 ? " (in several transactions)" : "");
done:
    if (rc != CDLT_OK) {
        progress_end(&p->progress);
        if (in_tx)
            dv->rollback(d, NULL);
        /* keep the evidence: the failed job and the message (cdlt pipeline failed-jobs).
         * Several files in one statement: the one the error names (err->file) failed, the
         * others go back to new_jobs; a failure no file is blamed for fails them all */
        bool named = false;
        for (size_t k = 0; k < ncur && ncur > 1; k++)
            named = named || (err && strcmp(err->file, paths[cur0 + k]) == 0);
        for (size_t k = 0; k < ncur; k++) {
            bool failed = !named || strcmp(err->file, paths[cur0 + k]) == 0;
            if (store_move_job(pkg.data, STORE_STARTED_JOBS, names[cur0 + k],
                               failed ? STORE_FAILED_JOBS : STORE_NEW_JOBS, -1, NULL,
                               NULL) == CDLT_OK &&
                failed)
                write_exception(pkg.data, names[cur0 + k], err);
        }
        err_prefix(err, "load of package %s: ", load_id);
        /* a retry helps a passing failure; the package's rows and hints stay as they are */
        buf fj = BUF_INIT, dp = BUF_INIT;
        pipe_cli_command(p, "failed-jobs", &fj);
        pipe_cli_command(p, "drop-pending", &dp);
        if (committed || recorded)
            err_hint(err, "%u of the package's %u transactions were committed; the package "
                          "stays in load/normalized and the next run removes their rows and "
                          "loads it whole again (see '%s'); when its data or hints are at fault "
                          "(e.g. a NOT NULL or type constraint) a retry fails the same way: drop "
                          "it with '%s' (its committed rows are removed at the next load), then "
                          "fix the hints or the data and run again",
                     (unsigned)committed, (unsigned)nchunks, buf_cstr(&fj), buf_cstr(&dp));
        else
            err_hint(err, "nothing of this package was committed; it stays in load/normalized "
                          "and the next run retries it (see '%s'); when its data or hints are "
                          "at fault (e.g. a NOT NULL or type constraint) a retry fails the same "
                          "way: drop it with '%s', then fix the hints or the data and run again",
                     buf_cstr(&fj), buf_cstr(&dp));
        buf_free(&fj);
        buf_free(&dp);
    }
    for (size_t k = 0; pbufs && k < jobs.n; k++)
        buf_free(&pbufs[k]);
    mem_free(pbufs);
    mem_free(paths);
    mem_free(names);
    mem_free(chunk_of);
    strv_free(&staged);
    strv_free(&repl);
    strv_free(&merges);
    lpkg_free(&l);
    schema_free(s);
    store_names_free(&jobs);
    buf_free(&pkg);
    buf_free(&tmp);
    buf_free(&name);
    return rc;
}

cdlt_status pipe_load(cdlt_pipeline *p, cdlt_error *err)
{
    buf dir = BUF_INIT;
    store_names ids = {0};
    cdlt_status rc = pipe_path(p, &dir, STORE_NORMALIZED, NULL) == CDLT_OK
                         ? store_list(dir.data, &ids, err)
                         : err_nomem(err);
    buf_free(&dir);
    if (rc != CDLT_OK || (ids.n == 0 && !pipe_partial_any(p))) {
        store_names_free(&ids);
        return rc;
    }
    destination *d = NULL;
    rc = pipe_open_destination(p, &d, err);
    if (rc == CDLT_OK)
        rc = pipe_partial_orphans(p, d, err);
    for (size_t i = 0; rc == CDLT_OK && i < ids.n; i++)
        rc = load_package(p, d, ids.names[i], err);
    if (d)
        p->dv->close(d);
    store_names_free(&ids);
    return rc;
}

/* ---- overlapped load: a loader thread fed by the normalizer ---- */

#define OVL_QUEUE 1024 /* closed files waiting (on disk; an entry is a path and a column list) */

typedef struct ovl_item {
    char *path;         /* closed load file (mem_strdup); NULL = the producer ran out of memory */
    const char *table;  /* table name (the schema's arena: outlives the thread) */
    const char *parent; /* its parent table, NULL for a root (same arena) */
    bool cut;           /* not a file: the end of a chunk (commit what was loaded) */
    schema_table *snap; /* name + complete columns of the table when the file closed; NULL for
                           a deferred file whose table has a later snapshot */
    bool trunc;         /* truncate the table before its first file (replace, drop_data) */
} ovl_item;

/* After this many column changes of one table between its files, the rest of the table's
 * files wait for the tail: each change would be an ALTER TABLE inside the open transaction
 * and each small file its own INSERT, both costly in DuckDB (a table gaining 1,000 columns
 * over 200k rows took minutes and GBs); the tail loads them in one statement after one
 * ALTER. */
#define OVL_MAX_CHANGES 3

typedef struct ovl_tstate {
    uint32_t ncols;   /* columns of the table's last loaded snapshot */
    uint32_t changes; /* times a file came with other columns than the one before */
    bool deferred;    /* its files wait for the tail */
} ovl_tstate;

struct pipe_ovl {
    cdlt_pipeline *p;         /* pipeline (its fields are only touched by the main thread) */
    const dest_vtable *dv;    /* destination functions */
    destination *d;           /* open; in the package transaction while in_tx */
    bool in_tx;               /* BEGIN done, no COMMIT/ROLLBACK yet */
    lpkg l;                   /* package state (tables, dropped, truncated); read-only */
    pthread_t th;             /* loader thread */
    bool started;             /* th was created and not joined */
    pthread_mutex_t mu;       /* guards q, head, n, closing, failed */
    pthread_cond_t cv_item;   /* an item was queued, or closing */
    pthread_cond_t cv_space;  /* an item was taken */
    ovl_item q[OVL_QUEUE];    /* ring of closed files */
    size_t head, n;           /* first item and count */
    bool closing;             /* the normalizer queues nothing more */
    bool failed;              /* the loader gave up (rolled back); items are dropped */
    bool all_threads;         /* loader thread: set_threads(0) done (normalize finished) */
    bool hold;                /* test hook CDLT_TEST_OVL_HOLD: load nothing before the tail */
    strv done;                /* loader thread: tables that got a file (truncated if needed) */
    strv done_parents;        /* loader thread: their parents ("" for roots) */
    char load_id[64];         /* the package */
    bool recorded;            /* loader thread: load/partial/<load_id> written */
    uint32_t chunks;          /* loader thread: chunks committed (atomic for the test wait) */
    map tstate;               /* loader thread: table name -> ovl_tstate */
    ovl_item *def;            /* loader thread: files waiting for the tail (OVL_MAX_CHANGES) */
    size_t ndef, capdef;      /* entries used / allocated in def */
    uint64_t files;           /* files loaded (loader thread writes; atomic for the test wait) */
    cdlt_error err;           /* the loader thread's error (it never touches the run's) */
};

static void ovl_item_free(ovl_item *it)
{
    mem_free(it->path);
    mem_free(it->snap);
    memset(it, 0, sizeof *it);
}

/* A private copy of what migrate_table and load_file read (name, columns): the normalizer
 * keeps changing the live table. Names and column strings live in the schema's arena, which
 * only grows and outlives the thread. */
schema_table *pipe_ovl_snapshot(const schema_table *t)
{
    size_t ncols = t->ncolumns ? t->ncolumns : 1;
    schema_table *c = mem_alloc(sizeof *c + ncols * sizeof(schema_column));
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->name = t->name;
    c->parent = t->parent;
    c->columns = (schema_column *)(c + 1);
    c->ncolumns = t->ncolumns;
    if (t->ncolumns)
        memcpy(c->columns, t->columns, t->ncolumns * sizeof(schema_column));
    return c;
}

/* Before the first file of a table: truncate it when the package replaces it; remember it. */
static cdlt_status ovl_first_file(pipe_ovl *o, const ovl_item *it)
{
    const dest_vtable *dv = o->dv;
    cdlt_status rc = CDLT_OK;
    if (!strv_has(&o->done, it->table)) {
        if (it->trunc) {
            LOG_DEBUG("truncating %s (replace)", it->table);
            rc = dv->truncate_table(o->d, it->table, &o->err);
            if (rc != CDLT_OK)
                return rc;
        }
        if (strv_add(&o->done, it->table) != CDLT_OK ||
            strv_add(&o->done_parents, it->parent ? it->parent : "") != CDLT_OK)
            return err_nomem(&o->err);
    }
    return rc;
}

static cdlt_status ovl_load_one(pipe_ovl *o, const ovl_item *it)
{
    if (!it->path)
        return err_nomem(&o->err);
    cdlt_status rc = o->dv->migrate_table(o->d, it->snap, &o->err);
    if (rc == CDLT_OK)
        rc = ovl_first_file(o, it);
    if (rc != CDLT_OK)
        return rc;
    pipe_crash_point("load_file");
    rc = o->dv->load_file(o->d, NULL, it->snap, it->path, &o->err);
    if (rc == CDLT_OK)
        __atomic_add_fetch(&o->files, 1, __ATOMIC_RELAXED);
    return rc;
}

/* The tail (normalize is done, nothing more comes): every queued file of a table in one
 * load_files call, so the destination can insert them on all its threads at once. The last
 * snapshot of a table has every column of its earlier ones (columns are only added). */
static cdlt_status ovl_load_tail(pipe_ovl *o, ovl_item *items, size_t n)
{
    cdlt_status rc = CDLT_OK;
    const char **paths = mem_calloc(n ? n : 1, sizeof *paths);
    bool *taken = mem_calloc(n ? n : 1, sizeof *taken);
    if (!paths || !taken)
        rc = err_nomem(&o->err);
    for (size_t i = 0; rc == CDLT_OK && i < n; i++) {
        if (taken[i])
            continue;
        size_t np = 0, last = SIZE_MAX;
        for (size_t k = i; rc == CDLT_OK && k < n; k++) {
            if (taken[k] || strcmp(items[k].table ? items[k].table : "",
                                   items[i].table ? items[i].table : "") != 0)
                continue;
            if (!items[k].path)
                rc = err_nomem(&o->err);
            taken[k] = true;
            paths[np++] = items[k].path;
            /* the widest snapshot has every column of the others (columns are only added) */
            if (items[k].snap && (last == SIZE_MAX ||
                                  items[k].snap->ncolumns >= items[last].snap->ncolumns))
                last = k;
        }
        if (rc == CDLT_OK && last == SIZE_MAX)
            rc = err_nomem(&o->err); /* (a producer failure left no snapshot) */
        if (rc == CDLT_OK)
            rc = o->dv->migrate_table(o->d, items[last].snap, &o->err);
        if (rc == CDLT_OK)
            rc = ovl_first_file(o, &items[i]);
        if (rc != CDLT_OK)
            break;
        pipe_crash_point("load_file");
        LOG_DEBUG("tail: %zu file(s) of %s in one load", np, items[i].table);
        rc = o->dv->load_files(o->d, NULL, items[last].snap, paths, np, &o->err);
        if (rc == CDLT_OK)
            __atomic_add_fetch(&o->files, np, __ATOMIC_RELAXED);
    }
    mem_free(paths);
    mem_free(taken);
    return rc;
}

/* Should this file wait for the tail (its table changes columns often)? Loader thread. */
static bool ovl_should_defer(pipe_ovl *o, const ovl_item *it)
{
    if (!it->table || !it->snap)
        return false;
    ovl_tstate *ts = map_get(&o->tstate, it->table, strlen(it->table));
    if (!ts) {
        ts = mem_calloc(1, sizeof *ts);
        if (!ts || map_put(&o->tstate, it->table, strlen(it->table), ts) != CDLT_OK) {
            mem_free(ts);
            return false; /* (only the optimisation is lost) */
        }
    }
    if (!ts->deferred && ts->ncols && ts->ncols != it->snap->ncolumns &&
        ++ts->changes >= OVL_MAX_CHANGES) {
        ts->deferred = true;
        LOG_DEBUG("table %s changed columns %u times: its files wait for the end of normalize",
                  it->table, (unsigned)ts->changes);
    }
    ts->ncols = it->snap->ncolumns;
    return ts->deferred;
}

/* Keep a file for the tail; only the newest snapshot of its table is kept (it has all the
 * columns of the earlier ones). Takes over *it. */
static cdlt_status ovl_defer(pipe_ovl *o, ovl_item *it)
{
    if (o->ndef == o->capdef) {
        size_t cap = o->capdef ? o->capdef * 2 : 64;
        ovl_item *d = mem_realloc(o->def, cap * sizeof *d);
        if (!d)
            return err_nomem(&o->err);
        o->def = d;
        o->capdef = cap;
    }
    for (size_t i = o->ndef; i-- > 0;)
        if (o->def[i].snap && strcmp(o->def[i].table, it->table) == 0) {
            mem_free(o->def[i].snap);
            o->def[i].snap = NULL;
            break;
        }
    o->def[o->ndef++] = *it;
    memset(it, 0, sizeof *it);
    return CDLT_OK;
}

/* The tail: the deferred files first, then the queued ones, in load_files calls per table. */
static cdlt_status ovl_tail_with_deferred(pipe_ovl *o, ovl_item *its, size_t take)
{
    for (size_t i = 0; i < take; i++) {
        cdlt_status rc = ovl_defer(o, &its[i]);
        if (rc != CDLT_OK)
            return rc;
    }
    cdlt_status rc = ovl_load_tail(o, o->def, o->ndef);
    for (size_t i = 0; i < o->ndef; i++)
        ovl_item_free(&o->def[i]);
    o->ndef = 0;
    return rc;
}

/* A cut: the files before it are loaded (the deferred ones too); record the tables, commit,
 * give memory back, open the next transaction. */
static cdlt_status ovl_commit_chunk(pipe_ovl *o)
{
    cdlt_status rc = o->ndef ? ovl_tail_with_deferred(o, NULL, 0) : CDLT_OK;
    if (rc == CDLT_OK) {
        rc = pipe_partial_write(o->p, o->load_id, &o->done, &o->done_parents, &o->err);
        o->recorded = rc == CDLT_OK;
    }
    if (rc != CDLT_OK)
        return rc;
    pipe_crash_point("chunk_commit");
    rc = o->dv->commit(o->d, &o->err);
    o->in_tx = false;
    if (rc != CDLT_OK)
        return rc;
    __atomic_add_fetch(&o->chunks, 1, __ATOMIC_RELAXED);
    LOG_DEBUG("overlapped load: chunk %u committed", (unsigned)o->chunks);
    if (o->dv->trim_memory)
        o->dv->trim_memory(o->d);
    pipe_crash_point("chunk_committed");
    rc = o->dv->begin(o->d, &o->err);
    if (rc == CDLT_OK)
        o->in_tx = true;
    return rc;
}

/* Files its[0..n) (no cut among them): as one tail batch, or one file as it comes. */
static cdlt_status ovl_load_items(pipe_ovl *o, ovl_item *its, size_t n, bool tail)
{
    if (n == 0)
        return CDLT_OK;
    if (n > 1 || (tail && o->dv->load_files))
        return o->ndef ? ovl_tail_with_deferred(o, its, n) : ovl_load_tail(o, its, n);
    if (o->dv->load_files && ovl_should_defer(o, &its[0]))
        return ovl_defer(o, &its[0]);
    return ovl_load_one(o, &its[0]);
}

static void *ovl_main(void *arg)
{
    pipe_ovl *o = arg;
    for (;;) {
        pthread_mutex_lock(&o->mu);
        while (!o->closing && (o->n == 0 || (o->hold && o->n < OVL_QUEUE)))
            pthread_cond_wait(&o->cv_item, &o->mu);
        if (o->n == 0) {
            bool failed = o->failed;
            pthread_mutex_unlock(&o->mu);
            /* closing with files still deferred: they are the tail */
            if (!failed && o->ndef) {
                cdlt_status rc = o->dv->set_threads ? o->dv->set_threads(o->d, 0, &o->err)
                                                    : CDLT_OK;
                if (rc == CDLT_OK)
                    rc = ovl_tail_with_deferred(o, NULL, 0);
                if (rc != CDLT_OK) {
                    LOG_INFO("overlapped load stops (%s); the package is loaded after "
                             "normalize", o->err.message);
                    o->dv->rollback(o->d, NULL);
                    o->in_tx = false;
                    pthread_mutex_lock(&o->mu);
                    o->failed = true;
                    pthread_mutex_unlock(&o->mu);
                }
            }
            break;
        }
        /* at the tail (nothing more comes) take every queued file at once */
        bool failed = o->failed, tail = o->closing;
        size_t take = tail && o->dv->load_files ? o->n : 1;
        ovl_item its[OVL_QUEUE];
        for (size_t i = 0; i < take; i++) {
            its[i] = o->q[o->head];
            o->head = (o->head + 1) % OVL_QUEUE;
        }
        o->n -= take;
        pthread_cond_signal(&o->cv_space);
        pthread_mutex_unlock(&o->mu);
        cdlt_status rc = CDLT_OK;
        /* normalize is done: its core is free, so the files left get every load thread */
        if (!failed && tail && !o->all_threads && o->dv->set_threads) {
            o->all_threads = true;
            rc = o->dv->set_threads(o->d, 0, &o->err);
            LOG_DEBUG("normalize done: the files left load on all load threads");
        }
        /* the files between cuts, each cut a commit */
        for (size_t i = 0, seg = 0; rc == CDLT_OK && !failed && i <= take; i++) {
            if (i < take && !its[i].cut)
                continue;
            rc = ovl_load_items(o, its + seg, i - seg, tail);
            if (rc == CDLT_OK && i < take)
                rc = ovl_commit_chunk(o);
            seg = i + 1;
        }
        if (!failed && rc != CDLT_OK) {
            /* give up: the package is loaded after normalize, which reports the error */
            LOG_INFO("overlapped load stops (%s); the package is loaded after normalize",
                     o->err.message);
            o->dv->rollback(o->d, NULL);
            o->in_tx = false;
            pthread_mutex_lock(&o->mu);
            o->failed = true;
            pthread_mutex_unlock(&o->mu);
        }
        for (size_t i = 0; i < take; i++)
            ovl_item_free(&its[i]);
    }
    return NULL;
}

static void ovl_free(pipe_ovl *o)
{
    if (o->started) {
        pthread_mutex_lock(&o->mu);
        o->closing = true;
        o->failed = true; /* abort: drop what is queued, the transaction is rolled back */
        pthread_cond_signal(&o->cv_item);
        pthread_mutex_unlock(&o->mu);
        pthread_join(o->th, NULL);
        o->started = false;
    }
    if (o->in_tx)
        o->dv->rollback(o->d, NULL);
    if (o->d)
        o->dv->close(o->d);
    for (size_t i = 0; i < o->n; i++)
        ovl_item_free(&o->q[(o->head + i) % OVL_QUEUE]);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv_item);
    pthread_cond_destroy(&o->cv_space);
    strv_free(&o->done);
    strv_free(&o->done_parents);
    for (size_t i = 0; i < o->ndef; i++)
        ovl_item_free(&o->def[i]);
    mem_free(o->def);
    for (size_t i = 0; i < o->tstate.capacity; i++)
        if (o->tstate.slots && o->tstate.slots[i].key)
            mem_free(o->tstate.slots[i].value);
    map_free(&o->tstate);
    lpkg_free(&o->l);
    mem_free(o);
}

/* Does the package (its extracted root tables) merge into any table? */
static bool package_merges(const char *extracted_dir, const schema *s)
{
    lpkg l;
    cdlt_error e;
    bool merge = false;
    if (read_lpkg(extracted_dir, &l, &e) != CDLT_OK)
        return true; /* (unreadable: the sequential load reports it) */
    for (size_t i = 0; i < l.tables.n && !merge; i++) {
        const schema_table *t = schema_get_table(s, l.tables.v[i]);
        merge = t && !t->parent && schema_table_disposition(s, t) == WD_MERGE;
    }
    lpkg_free(&l);
    return merge;
}

/* The loader without the package's state: open the destination, check the package is not
 * loaded, undo an earlier partial load, BEGIN. NULL (and a log line) when it cannot. */
static pipe_ovl *ovl_open(cdlt_pipeline *p, const char *load_id, bool early)
{
    pipe_ovl *o = mem_calloc(1, sizeof *o);
    if (o)
        map_init(&o->tstate);
    if (!o)
        return NULL;
    o->p = p;
    o->dv = p->dv;
    snprintf(o->load_id, sizeof o->load_id, "%s", load_id);
    if (pthread_mutex_init(&o->mu, NULL) || pthread_cond_init(&o->cv_item, NULL) ||
        pthread_cond_init(&o->cv_space, NULL)) {
        mem_free(o); /* (init of these cannot fail on Linux) */
        return NULL;
    }
    pipe_crash_point(""); /* read the test hook's setting here, not in two threads at once */
    /* test hook: every file waits for the tail, so tests see it deterministically */
    o->hold = getenv("CDLT_TEST_OVL_HOLD") != NULL;
    bool completed = false;
    cdlt_status rc = pipe_open_destination(p, &o->d, &o->err);
    if (rc == CDLT_OK)
        rc = o->dv->is_load_completed(o->d, load_id, &completed, &o->err);
    if (rc == CDLT_OK && completed)
        rc = err_set(&o->err, CDLT_EXISTS, "package %s is already loaded", load_id);
    /* one load thread while normalize runs on the other core: measured on 2 cores, DuckDB's
     * threads competing with the normalizer cost ~40% more CPU for a slower run */
    if (rc == CDLT_OK && o->dv->set_threads)
        rc = o->dv->set_threads(o->d, 1, &o->err);
    /* loading while extracting: first remove what a killed earlier run committed of a
     * package that is gone (the load phase would, but only after this load added rows) */
    if (rc == CDLT_OK && early)
        rc = pipe_partial_orphans(p, o->d, &o->err);
    /* an earlier run committed part of this package: remove it, the package loads whole */
    if (rc == CDLT_OK)
        rc = pipe_partial_undo_tx(p, o->d, load_id, &o->err);
    if (rc == CDLT_OK && (rc = o->dv->begin(o->d, &o->err)) == CDLT_OK)
        o->in_tx = true;
    if (rc != CDLT_OK) {
        LOG_INFO("package %s is loaded after normalize: %s", load_id, o->err.message);
        ovl_free(o);
        return NULL;
    }
    return o;
}

static bool ovl_run(pipe_ovl *o)
{
    if (pthread_create(&o->th, NULL, ovl_main, o) == 0) {
        o->started = true;
        return true;
    }
    LOG_INFO("package %s is loaded after normalize: cannot start the loader thread",
             o->load_id);
    ovl_free(o);
    return false;
}

bool pipe_ovl_supported(const cdlt_pipeline *p) { return p->dv->migrate_table != NULL; }

void pipe_ovl_start(cdlt_pipeline *p, const char *load_id, const char *extracted_dir,
                    const schema *s, pipe_ovl **out)
{
    *out = NULL;
    const char *schema_name = s->name;
    if (!pipe_ovl_supported(p))
        return;
    /* merge loads into staging and merges after the last file: the sequential load's job */
    if (package_merges(extracted_dir, s)) {
        LOG_INFO("package %s is loaded after normalize (it merges)", load_id);
        return;
    }
    /* insert-from-staging is the sequential load's job (it needs the whole package's schema
     * for the staging chain and copies after the last file): no overlap then */
    if (p->replace_staging) {
        LOG_INFO("package %s is loaded after normalize (replace_strategy = "
                 "insert-from-staging)", load_id);
        return;
    }
    pipe_ovl *o = ovl_open(p, load_id, false);
    if (!o)
        return;
    cdlt_status rc = read_lpkg(extracted_dir, &o->l, &o->err);
    if (rc == CDLT_OK && o->l.dropped.n)
        rc = o->dv->drop_tables(o->d, (const char *const *)o->l.dropped.v, o->l.dropped.n,
                                schema_name, &o->err);
    if (rc != CDLT_OK) {
        LOG_INFO("package %s is loaded after normalize: %s", load_id, o->err.message);
        ovl_free(o);
        return;
    }
    if (ovl_run(o))
        *out = o;
}

pipe_ovl *pipe_ovl_start_early(cdlt_pipeline *p, const char *load_id)
{
    if (!pipe_ovl_supported(p) || !p->dv->load_while_extracting || p->replace_staging)
        return NULL;
    pipe_ovl *o = ovl_open(p, load_id, true);
    if (o && !ovl_run(o))
        o = NULL;
    if (o)
        LOG_DEBUG("loading package %s while it is extracted", load_id);
    return o;
}

void pipe_ovl_wait_loaded(pipe_ovl *o, bool commit, double max_seconds)
{
    double t0 = time_monotonic();
    while (o && time_monotonic() - t0 < max_seconds) {
        if (commit ? __atomic_load_n(&o->chunks, __ATOMIC_RELAXED) > 0
                   : __atomic_load_n(&o->files, __ATOMIC_RELAXED) > 0)
            break;
        pthread_mutex_lock(&o->mu);
        bool failed = o->failed;
        pthread_mutex_unlock(&o->mu);
        if (failed)
            break;
        usleep(5000);
    }
}

pipe_ovl *pipe_ovl_take_early(pipe_ovl *o, const char *extracted_dir, const schema *s,
                              const strv *early_tables)
{
    if (!o)
        return NULL;
    const char *why = NULL;
    cdlt_error e;
    cdlt_error_clear(&e);
    pthread_mutex_lock(&o->mu);
    bool failed = o->failed;
    pthread_mutex_unlock(&o->mu);
    lpkg l;
    if (failed)
        why = "it stopped";
    else if (read_lpkg(extracted_dir, &l, &e) != CDLT_OK)
        why = "the package state cannot be read";
    else {
        if (l.dropped.n)
            why = "the package drops tables";
        for (size_t i = 0; !why && i < l.tables.n; i++) {
            const schema_table *t = schema_get_table(s, l.tables.v[i]);
            if (t && !t->parent && schema_table_disposition(s, t) == WD_MERGE)
                why = "the package merges";
        }
        /* what was loaded early was loaded as appended rows: still true for the package */
        for (size_t i = 0; !why && i < early_tables->n; i++) {
            const schema_table *t = schema_get_table(s, early_tables->v[i]);
            const schema_table *root = t ? schema_root_table(s, t) : NULL;
            if (!root || schema_table_disposition(s, root) != WD_APPEND ||
                strv_has(&l.truncated, t->name))
                why = "a table loaded early is not appended to";
        }
        if (!why) {
            /* read by pushes from here on (this thread) and by pipe_ovl_finish; the early
             * pushes (ahead thread, stopped by now) saw no state: append rows, no truncation */
            o->l = l;
        } else {
            lpkg_free(&l);
        }
    }
    if (why) {
        LOG_INFO("the load started while extracting is rolled back (%s); package %s is "
                 "loaded from the start", why, o->load_id);
        ovl_free(o);
        return NULL;
    }
    return o;
}

void pipe_ovl_push(pipe_ovl *o, const schema *s, const schema_table *t, const char *path)
{
    pipe_ovl_push_snap(o, s, t, NULL, path);
}

void pipe_ovl_push_snap(pipe_ovl *o, const schema *s, const schema_table *t, schema_table *snap,
                        const char *path)
{
    if (!o) {
        mem_free(snap);
        return;
    }
    pthread_mutex_lock(&o->mu);
    bool failed = o->failed;
    pthread_mutex_unlock(&o->mu);
    if (failed) {
        mem_free(snap);
        return;
    }
    ovl_item it = {0};
    it.snap = snap ? snap : pipe_ovl_snapshot(t);
    it.table = t->name;
    it.parent = t->parent;
    it.path = it.snap ? mem_strdup(path) : NULL;
    if (!it.path)
        ovl_item_free(&it); /* queued as a failure: the loader rolls back */
    const schema_table *root = schema_root_table(s, t);
    it.trunc = (root && !root->parent && strv_has(&o->l.tables, root->name) &&
                schema_table_disposition(s, root) == WD_REPLACE) ||
               (strv_has(&o->l.truncated, t->name) && !strv_has(&o->l.dropped, t->name));
    pthread_mutex_lock(&o->mu);
    while (o->n == OVL_QUEUE)
        pthread_cond_wait(&o->cv_space, &o->mu);
    o->q[(o->head + o->n) % OVL_QUEUE] = it;
    o->n++;
    pthread_cond_signal(&o->cv_item);
    pthread_mutex_unlock(&o->mu);
}

void pipe_ovl_cut(pipe_ovl *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->mu);
    if (!o->failed) {
        while (o->n == OVL_QUEUE)
            pthread_cond_wait(&o->cv_space, &o->mu);
        ovl_item it = {0};
        it.cut = true;
        o->q[(o->head + o->n) % OVL_QUEUE] = it;
        o->n++;
        pthread_cond_signal(&o->cv_item);
    }
    pthread_mutex_unlock(&o->mu);
}

void pipe_ovl_drain(pipe_ovl *o)
{
    if (!o || !o->started)
        return;
    pthread_mutex_lock(&o->mu);
    o->closing = true;
    pthread_cond_signal(&o->cv_item);
    pthread_mutex_unlock(&o->mu);
    pthread_join(o->th, NULL);
    o->started = false;
}

void pipe_ovl_abort(pipe_ovl *o)
{
    if (o)
        ovl_free(o);
}

/* The sequential load's truncations (load_package) for the tables that got no file. */
static cdlt_status ovl_truncate_rest(pipe_ovl *o, const schema *s, cdlt_error *err)
{
    cdlt_status rc = CDLT_OK;
    for (size_t i = 0; rc == CDLT_OK && i < o->l.tables.n; i++) {
        const schema_table *root = schema_get_table(s, o->l.tables.v[i]);
        if (!root || root->parent || schema_table_disposition(s, root) != WD_REPLACE)
            continue;
        for (uint32_t k = 0; rc == CDLT_OK && k < s->ntables; k++) {
            const schema_table *t = s->tables[k];
            if (t->seen_data && schema_root_table(s, t) == root &&
                !strv_has(&o->done, t->name))
                rc = o->dv->truncate_table(o->d, t->name, err);
        }
    }
    for (size_t i = 0; rc == CDLT_OK && i < o->l.truncated.n; i++) {
        const schema_table *t = schema_get_table(s, o->l.truncated.v[i]);
        if (t && t->seen_data && !strv_has(&o->l.dropped, t->name) &&
            !strv_has(&o->done, t->name))
            rc = o->dv->truncate_table(o->d, t->name, err);
    }
    return rc;
}

cdlt_status pipe_ovl_finish(pipe_ovl *o, const schema *s, const char *pkgdir,
                            const char *load_id, bool *out_loaded, cdlt_error *err)
{
    *out_loaded = false;
    cdlt_pipeline *p = o->p;
    pipe_ovl_drain(o);
    double t0 = time_monotonic();
    cdlt_status rc = o->failed ? CDLT_DESTINATION : CDLT_OK;
    if (rc == CDLT_OK)
        rc = o->dv->migrate(o->d, s, &o->err);
    if (rc == CDLT_OK)
        rc = ovl_truncate_rest(o, s, &o->err);
    if (rc == CDLT_OK)
        rc = o->dv->complete_load(o->d, s, load_id, &o->err);
    /* commit on several connections: record the tables that got rows first (as a chunk) */
    if (rc == CDLT_OK && !o->recorded && o->dv->commits_in_parts &&
        o->dv->commits_in_parts(o->d)) {
        rc = pipe_partial_write(p, load_id, &o->done, &o->done_parents, &o->err);
        o->recorded = rc == CDLT_OK;
    }
    if (rc == CDLT_OK) {
        pipe_crash_point("before_commit");
        double t1 = time_monotonic();
        rc = o->dv->commit(o->d, &o->err);
        o->in_tx = false;
        LOG_DEBUG("overlapped load of %s: final migrate + _dlt_loads %.3fs, commit %.3fs",
                  load_id, t1 - t0, time_monotonic() - t1);
    }
    if (rc != CDLT_OK) {
        if (!o->failed)
            LOG_INFO("overlapped load of package %s stops (%s); it is loaded after normalize",
                     load_id, o->err.message);
        ovl_free(o); /* rolls back */
        return CDLT_OK;
    }
    pipe_crash_point("after_commit");
    uint64_t files = o->files;
    ovl_free(o);
    *out_loaded = true;
    /* as the sequential load leaves it: every job in completed_jobs, then load/loaded */
    buf dir = BUF_INIT;
    store_names jobs = {0};
    rc = store_path(&dir, pkgdir, STORE_NEW_JOBS, NULL) == CDLT_OK
             ? store_list(dir.data, &jobs, err)
             : err_nomem(err);
    for (size_t i = 0; rc == CDLT_OK && i < jobs.n; i++)
        rc = store_move_job(pkgdir, STORE_NEW_JOBS, jobs.names[i], STORE_COMPLETED_JOBS, -1,
                            NULL, err);
    store_names_free(&jobs);
    buf_free(&dir);
    if (rc == CDLT_OK && p->cur) {
        p->cur->files += files;
        p->cur->overlapped++;
    }
    if (rc == CDLT_OK)
        rc = finish_package(p, pkgdir, load_id, err);
    if (rc == CDLT_OK) {
        pipe_partial_clear(p, load_id);
        LOG_INFO("loaded load package %s (overlapped with normalize)", load_id);
    }
    else
        err_prefix(err, "load of package %s (committed; the next run completes it): ", load_id);
    return rc;
}
