/* fuzz_csv.c: libFuzzer target for the CSV reader and the read_csv typing. The first byte
 * picks the options (delimiter, quote, encoding, header width check, read size); the rest is
 * the input. Any input must either give records or stop with an error that names a line, and
 * the records (or the error) must not depend on the read size: a tiny read size splits
 * quotes, CRLFs and UTF-8 sequences everywhere the big one does not. */
#include "csv/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* All records as bytes (fields and their flags), the typed pages, or the error message. */
static void run(const csv_opts *o, bool width, const uint8_t *data, size_t size, buf *out)
{
    csv_reader *r = NULL;
    cdlt_error err = {0};
    arena a;
    arena_init(&a, 1 << 16, 0);
    csv_table *t = NULL;
    cdlt_status rc = csv_open_mem(o, (const char *)data, size, &r, &err);
    bool first = true;
    while (rc == CDLT_OK) {
        const csv_field *f;
        size_t n;
        bool eof, full = false;
        rc = csv_next(r, &f, &n, &eof, &err);
        if (rc != CDLT_OK || eof)
            break;
        if (first) {
            const char **names;
            size_t *lens;
            if (width)
                csv_expect_fields(r, n);
            rc = csv_header_names(f, n, true, &a, &names, &lens, &err);
            if (rc == CDLT_OK && width)
                rc = csv_table_open(names, lens, n, 3, &t, &err);
            first = false;
        } else if (t) {
            rc = csv_table_add(t, f, n, &full, &err);
        }
        for (size_t i = 0; i < n; i++) {
            if (f[i].p[f[i].len] != 0)
                abort();
            buf_printf(out, "%u:%u:", f[i].len, f[i].flags);
            buf_append(out, f[i].p, f[i].len);
        }
        buf_puts(out, "\n");
        if (rc == CDLT_OK && full) {
            jv page;
            rc = csv_table_flush(t, &a, &page, &err);
            if (rc == CDLT_OK)
                json_write(out, &page, 0);
            arena_reset(&a);
        }
    }
    if (rc == CDLT_OK && t && csv_table_rows(t)) {
        jv page;
        rc = csv_table_flush(t, &a, &page, &err);
        if (rc == CDLT_OK)
            json_write(out, &page, 0);
    }
    if (rc != CDLT_OK) {
        if (rc == CDLT_PARSE && err.line < 1)
            abort(); /* a data error always names its line */
        buf_printf(out, "ERR %d %s", (int)rc, err.message);
    }
    csv_table_close(t);
    csv_close(r);
    arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t k = data[0];
    static const char delims[] = {',', ';', '\t', '|'};
    static const char quotes[] = {'"', '\'', '"', '~'};
    csv_opts o = {.delimiter = delims[k & 3],
                  .quote = quotes[(k >> 2) & 3],
                  .encoding = (k & 16) ? CSV_LATIN1 : CSV_UTF8,
                  .no_quoting = (k & 32) != 0,
                  .keep_blank_lines = (k & 64) != 0,
                  .max_record = 4096,
                  .file = "fuzz.csv"};
    bool width = (k & 128) != 0;
    buf big = BUF_INIT, small = BUF_INIT;
    run(&o, width, data + 1, size - 1, &big);
    o.chunk = 1 + (size & 7);
    run(&o, width, data + 1, size - 1, &small);
    /* the record-length limit is checked when the buffer must grow, which depends on the read
     * size: compare only when neither run hit it */
    bool limit = strstr(buf_cstr(&big), "longer than") || strstr(buf_cstr(&small), "longer than");
    if (!limit && (big.len != small.len || (big.len && memcmp(big.data, small.data, big.len) != 0)))
        abort();
    buf_free(&big);
    buf_free(&small);
    return 0;
}
