/* read.c: the readers of dlt's filesystem source over one object: the object's bytes come from
 * the store (os_reader: a local file, or S3 ranges), are decompressed when they are gzip or
 * zstd (src_input, by magic bytes), and are read as CSV (our reader + dlt's read_csv typing,
 * chunk by chunk) or JSON lines (the JSON stream reader), a page of at most chunksize rows at a
 * time. Memory is bounded by one page plus the readers' buffers, whatever the object's size.
 * read_parquet and read_csv_duckdb are not read here: DuckDB reads them from a local file
 * (see src/pipeline/fssrc.c, parquet.h, csvduck.h). */
#include "fsrc.h"

#include "../input.h"

#include <string.h>

struct fs_reader {
    fs_read_args args;   /* reader and its options */
    os_reader *os;       /* the object's bytes */
    src_input *in;       /* decompressed */
    csv_reader *csv;     /* read_csv */
    csv_table *table;    /* read_csv: the chunk being typed */
    json_stream *js;     /* read_jsonl */
    arena names;         /* read_csv: header names */
    bool started;        /* read_csv: the header was read */
    bool done;           /* the end was reached */
    uint64_t bytes;      /* object bytes read */
    char *shown;         /* the object's URL, for errors */
};

static cdlt_status os_src(void *ud, char *b, size_t n, size_t *got, cdlt_error *err)
{
    fs_reader *r = ud;
    cdlt_status rc = os_read(r->os, b, n, got, err);
    if (rc == CDLT_OK)
        r->bytes += *got;
    return rc;
}

static cdlt_status in_src(void *ud, char *b, size_t n, size_t *got, cdlt_error *err)
{
    return src_input_read(((fs_reader *)ud)->in, b, n, got, err);
}

void fs_reader_close(fs_reader *r)
{
    if (!r)
        return;
    csv_table_close(r->table);
    csv_close(r->csv);
    json_stream_close(r->js);
    src_input_close(r->in);
    os_reader_close(r->os);
    arena_free(&r->names);
    mem_free(r->shown);
    mem_free(r);
}

uint64_t fs_reader_bytes(const fs_reader *r) { return r->bytes; }

cdlt_status fs_reader_open(os_store *s, const fs_item *it, const fs_read_args *args,
                           fs_reader **out, cdlt_error *err)
{
    *out = NULL;
    if (args->format != FS_CSV && args->format != FS_JSONL)
        return err_set(err, CDLT_INVALID_ARG, "fs_reader_open: reader %d reads no stream",
                       (int)args->format);
    fs_reader *r = mem_calloc(1, sizeof *r);
    if (!r)
        return err_nomem(err);
    r->args = *args;
    if (!r->args.chunksize)
        r->args.chunksize = args->format == FS_CSV ? 10000 : 1000;
    arena_init(&r->names, 4096, 0);
    r->shown = mem_strdup(it->url);
    cdlt_status rc = r->shown ? CDLT_OK : err_nomem(err);
    if (rc == CDLT_OK)
        rc = os_reader_open(s, it->rel, 0, UINT64_MAX, &r->os, err);
    if (rc == CDLT_OK)
        rc = src_input_open_fn(os_src, r, it->url, &r->in, err);
    if (rc == CDLT_OK && args->format == FS_CSV) {
        csv_opts o = {.delimiter = args->csv.delimiter,
                      .quote = args->csv.quote,
                      .no_quoting = args->csv.no_quoting,
                      .keep_blank_lines = args->csv.keep_blank_lines,
                      .encoding = args->csv.encoding,
                      .file = it->url};
        rc = csv_open(&o, in_src, r, &r->csv, err);
    } else if (rc == CDLT_OK) {
        json_opts jo = {.file = it->url};
        rc = json_stream_open_reader(in_src, r, it->url, &jo, &r->js, err);
    }
    if (rc != CDLT_OK) {
        fs_reader_close(r);
        return rc;
    }
    *out = r;
    return CDLT_OK;
}

static cdlt_status next_csv(fs_reader *r, arena *a, jv *page, bool *eof, cdlt_error *err)
{
    for (;;) {
        const csv_field *f;
        size_t n;
        bool end;
        cdlt_status rc = csv_next(r->csv, &f, &n, &end, err);
        if (rc != CDLT_OK)
            return rc;
        if (end) {
            r->done = true;
            if (r->table && csv_table_rows(r->table))
                return csv_table_flush(r->table, a, page, err);
            *eof = true;
            return CDLT_OK;
        }
        if (!r->started) {
            r->started = true;
            const char **names;
            size_t *lens;
            rc = csv_header_names(f, n, !r->args.csv.no_header, &r->names, &names, &lens, err);
            if (rc == CDLT_OK)
                rc = csv_table_open(names, lens, n, r->args.chunksize, &r->table, err);
            if (rc != CDLT_OK)
                return rc;
            csv_expect_fields(r->csv, n);
            if (!r->args.csv.no_header)
                continue;
        }
        bool full = false;
        rc = csv_table_add(r->table, f, n, &full, err);
        if (rc != CDLT_OK)
            return rc;
        if (full)
            return csv_table_flush(r->table, a, page, err);
    }
}

static cdlt_status next_jsonl(fs_reader *r, arena *a, jv *page, bool *eof, cdlt_error *err)
{
    jv_builder b;
    jv_builder_init(&b, JV_ARRAY);
    while (b.value.len < r->args.chunksize) {
        jv item;
        bool end = false;
        cdlt_status rc = json_stream_next(r->js, a, &item, &end, err);
        if (rc != CDLT_OK)
            return rc;
        if (end) {
            r->done = true;
            break;
        }
        if (jv_builder_push(&b, a, item) != CDLT_OK)
            return err_nomem(err);
    }
    if (b.value.len == 0)
        *eof = true;
    *page = b.value;
    return CDLT_OK;
}

cdlt_status fs_reader_next(fs_reader *r, arena *a, jv *page, bool *eof, cdlt_error *err)
{
    *eof = false;
    *page = (jv){.type = JV_ARRAY};
    if (r->done) {
        *eof = true;
        return CDLT_OK;
    }
    return r->args.format == FS_CSV ? next_csv(r, a, page, eof, err)
                                    : next_jsonl(r, a, page, eof, err);
}
