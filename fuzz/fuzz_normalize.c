/* fuzz_normalize.c: arbitrary bytes -> JSON -> normalizer into a counting sink, checking the
 * invariants every consumer relies on (row widths, parent links, unique column names).
 * The first byte picks settings (nesting level, naming, merge mode) so they get fuzzed too. */
#include "normalize/normalize.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct fsink {
    const char *parent_id_name; /* "_dlt_parent_id" */
    uint64_t rows;              /* rows seen */
} fsink;

static void die(const char *what, const char *table)
{
    fprintf(stderr, "fuzz_normalize invariant broken: %s (table %s)\n", what, table);
    abort();
}

static cdlt_status f_changed(void *self, const schema *s, const schema_table *t, uint32_t first)
{
    if (first > t->ncolumns)
        die("first_new beyond the column count", t->name);
    /* unique column names */
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        if (table_get_column(t, t->columns[i].name, t->columns[i].name_len) != &t->columns[i])
            die("column index does not point at the column", t->name);
    }
    return CDLT_OK;
}

static cdlt_status f_row(void *self, const schema_table *t, const tval *vals, uint32_t ncols)
{
    fsink *f = self;
    f->rows++;
    if (ncols > t->ncolumns)
        die("row wider than its table", t->name);
    for (uint32_t i = 0; i < ncols; i++)
        if (vals[i].type >= DT__COUNT)
            die("value type out of range", t->name);
    if (t->parent) {
        /* nested rows link to their parent unless the data brought its own _dlt_id (quirk 8) */
        schema_column *pc = table_get_column(t, "_dlt_parent_id", 14);
        schema_column *ic = table_get_column(t, "_dlt_id", 7);
        if (!ic)
            die("nested table without _dlt_id", t->name);
        uint32_t ii = (uint32_t)(ic - t->columns);
        if (ii >= ncols || vals[ii].type == DT_NONE)
            die("nested row without _dlt_id", t->name);
        bool own_id = !pc;
        if (pc) {
            uint32_t pi = (uint32_t)(pc - t->columns);
            if (pi >= ncols || vals[pi].type == DT_NONE)
                own_id = true; /* allowed only when the id came from the data */
        }
        (void)own_id;
    }
    return CDLT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    arena a;
    arena_init(&a, 16 * 1024, 64 * 1024 * 1024);
    jv v;
    cdlt_error err;
    cdlt_error_clear(&err);
    json_opts o = {64, 0, "fuzz"};
    if (json_parse((const char *)data, size, &a, &o, &v, &err) != CDLT_OK) {
        arena_free(&a);
        return 0;
    }
    schema *s = NULL;
    if (schema_new("fuzz", &s, &err) != CDLT_OK) {
        arena_free(&a);
        return 0;
    }
    static const char *namings[] = {"snake_case", "direct", "sql_cs_v1", "duck_case"};
    if (mode & 0x03)
        naming_init(&s->naming, namings[mode & 0x03], (mode & 0x04) ? 12 : 0);
    s->max_nesting = (mode & 0x08) ? (int32_t)((mode >> 4) & 0x03) : 1000;
    if (mode & 0x40) {
        schema_table *t = NULL;
        if (schema_add_table(s, "fz", NULL, &t, &err) == CDLT_OK) {
            t->disposition = WD_MERGE;
            t->strategy = (mode & 0x80) ? MS_SCD2 : MS_DELETE_INSERT;
        }
    }
    normalizer *n = NULL;
    if (norm_open(s, "1700000000.1", &n, &err) == CDLT_OK) {
        fsink f = {"_dlt_parent_id", 0};
        norm_sink sink = {&f, f_changed, f_row};
        /* twice: the second pass runs against the evolved schema (coercion / variants) */
        for (int pass = 0; pass < 2; pass++) {
            if (norm_item(n, &v, "fz", &sink, &err) != CDLT_OK)
                break;
            norm_batch_reset(n);
        }
        norm_close(n);
    }
    schema_free(s);
    arena_free(&a);
    return 0;
}
