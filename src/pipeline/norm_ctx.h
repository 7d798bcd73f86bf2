/* norm_ctx.h: the normalize phase's per-package context, shared by normalize.c (the phase)
 * and ahead.c (the same work on a second thread while extract still runs). Private to
 * src/pipeline. */
#ifndef CDLT_NORM_CTX_H
#define CDLT_NORM_CTX_H

#include "pipeline.h"
#include "sources/sources.h"

#define NORM_BATCH_ITEMS 256 /* items per arena/batch reset: bounds memory, amortizes resets */

typedef struct wtable {
    const schema_table *t; /* table written */
    dest_writer *w;        /* open writer, NULL between files */
    const dest_writer_ops *ops; /* its format (pipe_table_writer), set when w opens */
    char *path;            /* its file (mem_strdup), handed to the overlapped loader */
    uint64_t rows;         /* rows written to the current file */
    pipe_table_stat *stat; /* run report (ahead: &own) */
    pipe_table_stat own;   /* ahead: counts kept here, added to the run report on adoption */
    bool changed;          /* got new columns in this package (schema_updates.json) */
} wtable;

typedef struct nctx {
    cdlt_pipeline *p;    /* pipeline */
    const char *pkgdir;  /* load/new/<id> */
    map tables;          /* table name -> wtable* (keys owned by the schema) */
    wtable *last;        /* last table written (fast path) */
    cdlt_error *err;     /* error sink */
    cdlt_status fail;    /* first sink failure */
    uint64_t files;      /* load files written */
    const schema *s;     /* the package schema (overlap: the loader gets table snapshots) */
    pipe_ovl *ovl;       /* overlapped loader of this package, NULL = load after normalize */
    uint64_t max_bytes;  /* rotation size */
    map vb;              /* verbatim copies: job file name -> its manifest entry (jv object) */
    uint64_t chunk_weight; /* cut the package into chunks of about this much (0 = never) */
    uint64_t weight;     /* data written since the last cut (load-file bytes + 8 per cell) */
    uint32_t chunk;      /* chunk being written (number of cuts so far) */
    buf chunks;          /* "<chunk>\t<job file>" per closed file (PIPE_CHUNKS_FILE) */
    bool discard;        /* bad input in a verbatim copy: drop the package, report the input */
    bool link_changed;   /* ...because a hard-linked input changed (its error says what to do) */
    /* ahead (normalizing while extract runs, ahead.c): no progress display, no run report,
     * and each closed file is remembered with a snapshot of its table for the loader */
    bool ahead;
    struct ahead_file *ahead_files;
    size_t nahead_files, cap_ahead_files;
    /* ahead, loading while extracting (destination's load_while_extracting): the loader that
     * gets each closed file at once, until a file of a table that is not appended to comes
     * (early_stopped; that file and the rest wait for adoption, as without it) */
    pipe_ovl *early;
    bool early_stopped;
    uint32_t early_cuts; /* chunk cuts given to it (phase: replay goes on from there) */
} nctx;

/* A file written while extract ran: its table's columns when it closed (the overlapped loader
 * needs them), and the chunk it belongs to. */
typedef struct ahead_file {
    char *path;         /* mem_strdup */
    char *table;        /* mem_strdup */
    schema_table *snap; /* pipe_ovl_snapshot of the table at close (strings in the ahead schema) */
    uint32_t chunk;
    bool pushed;        /* already given to the early loader (nctx.early) */
} ahead_file;

cdlt_status pnorm_close_all(nctx *c);
void pnorm_free_tables(nctx *c, bool abort_writers);
void pnorm_free_ahead_files(nctx *c);
cdlt_status pnorm_file(nctx *c, normalizer *n, arena *a, const char *path, const char *table,
                       uint64_t *bytes_base);
/* A verbatim copy of `source` made by resource `resource` (a data error in it discards the
 * package, c->discard); follow != NULL: the copy is still being written (ahead.c). */
cdlt_status pnorm_copy(nctx *c, normalizer *n, arena *a, const char *path, const char *table,
                       const char *resource, const char *source, src_files_follow_fn follow,
                       void *ud, uint64_t *bytes_base);

/* ---- ahead.c: the normalize phase's side ---- */
/* Take over the work of a (stopped) ahead thread for the package whose extracted schema is
 * *io_s and whose job files are `files` (sorted): true when it is exactly the phase's own
 * work; then *io_s is replaced by the schema with the thread's tables, c holds its writers'
 * bookkeeping, files, chunks and closed files, and `skip` the job files already done. False:
 * nothing changed; the caller frees a (which deletes its files) and starts from nothing. */
bool pipe_ahead_adopt(pipe_ahead *a, nctx *c, schema **io_s, const store_names *files,
                      strv *skip);
/* After an adopted package is normalized: tables made by normalize (from index first_new on)
 * in the order the phase alone would have made them. */
cdlt_status pipe_ahead_order(schema *s, uint32_t first_new);
/* After adoption: the loader that loaded while extracting (NULL if none), taken over with
 * the number of cuts it got (c->early_cuts). */
pipe_ovl *pipe_ahead_take_early(pipe_ahead *a, uint32_t *cuts);

#endif /* CDLT_NORM_CTX_H */
