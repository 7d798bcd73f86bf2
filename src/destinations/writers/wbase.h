/* wbase.h: the shell every load-file writer shares (jsonl, csv, and the duckdb and postgres
 * native writers): the load file, one output buffer flushed past WBASE_FLUSH, optional gzip
 * (dlt's default compression), rows, the sticky failure and the last error message. Private to
 * src/destinations. */
#ifndef CDLT_DEST_WBASE_H
#define CDLT_DEST_WBASE_H

#include "destinations/writers/writer.h"

#include "core/relay.h"
#include <zlib.h>

/* Flush threshold: write(2) calls stay rare without holding much memory. */
#define WBASE_FLUSH (256 * 1024)

typedef struct wbase {
    int fd;             /* the load file, -1 when closed */
    buf out;            /* bytes not yet written (uncompressed) */
    uint64_t flushed;   /* uncompressed bytes already handed on */
    uint64_t rows;      /* rows written */
    bool gz;            /* gzip the stream */
    bool zinit;         /* z is initialized */
    z_stream z;         /* deflate state (gz) */
    unsigned char *zbuf;/* deflate output chunk (gz) */
    /* a thread of the writer's own: a full buffer is swapped into `job` and deflated (gz) or
     * written there while rows fill the other; see wbase.c */
    buf job;            /* the buffer with the writer thread */
    relay rl;           /* that thread (started by the first full buffer) */
    cdlt_status job_st; /* the thread's first failure */
    char job_msg[512];  /* its message */
    const char *fmt;    /* "jsonl", "duckdb", ...: the prefix of messages */
    char *path;         /* load file path (messages) */
    char *table;        /* table name (messages) */
    cdlt_status status; /* sticky I/O or memory failure */
    char msg[512];      /* last error message */
} wbase;

cdlt_status wbase_open(wbase *b, const char *fmt, const char *table, const char *path, bool gz,
                       cdlt_error *err);
void wbase_msg(wbase *b, const char *fmt, ...) CDLT_PRINTF(2, 3);
/* Flush when the buffer passed WBASE_FLUSH. */
cdlt_status wbase_maybe_flush(wbase *b);
uint64_t wbase_bytes(const wbase *b);
/* Flush everything, finish gzip, close the file; reports into err. Does not free b. */
cdlt_status wbase_close(wbase *b, uint64_t *out_rows, cdlt_error *err);
void wbase_free(wbase *b);

#endif /* CDLT_DEST_WBASE_H */
