/* normalize.h: the relational normalizer: nested JSON items -> flat typed rows in root and
 * nested tables plus schema updates, exactly as dlt makes them (spec core.md §2-3).
 * Output goes to a sink: the storage layer plugs load-file writers in here. */
#ifndef CDLT_NORMALIZE_H
#define CDLT_NORMALIZE_H

#include "schema/schema.h"

/* Receives rows and schema changes. Called synchronously from norm_item. */
typedef struct norm_sink {
    void *self;
    /* Table t is new, or got new columns starting at index first_new (0 for a new table).
     * Called before the first row that uses them. The schema already contains them. */
    cdlt_status (*schema_changed)(void *self, const schema *s, const schema_table *t,
                                  uint32_t first_new);
    /* One row of table t: vals[i] is the value of column t->columns[i] for i < ncols
     * (type DT_NONE = NULL). ncols may be less than t->ncolumns (trailing NULLs).
     * Values live until the next norm_batch_reset. */
    cdlt_status (*row)(void *self, const schema_table *t, const tval *vals, uint32_t ncols);
} norm_sink;

/* Counters a run reports. */
typedef struct norm_stats {
    uint64_t items;            /* items normalized */
    uint64_t rows;             /* rows emitted, all tables */
    uint64_t discarded_rows;   /* rows dropped by discard_row contracts */
    uint64_t discarded_values; /* values dropped by discard_value contracts */
} norm_stats;

typedef struct normalizer normalizer;

/* A normalizer for one schema and one load id. The schema is updated in place as new tables
 * and columns appear. `load_id` is copied. */
cdlt_status norm_open(schema *s, const char *load_id, normalizer **out, cdlt_error *err);
void norm_close(normalizer *n);

/* Normalize one item into table `table_name` (not yet normalized: the root table name is
 * normalized here). Resource-level hints (disposition, keys, nesting) must already be in the
 * schema's table. On error the message names table, column and value. */
cdlt_status norm_item(normalizer *n, const jv *item, const char *table_name, norm_sink *sink,
                      cdlt_error *err);
/* Release per-batch memory (row values); call after the sink consumed a batch of items. */
void norm_batch_reset(normalizer *n);
const norm_stats *norm_get_stats(const normalizer *n);

#endif /* CDLT_NORMALIZE_H */
