/* golden.h: helpers shared by the normalizer tests: build a schema from a case's settings.json,
 * a recording sink that renders rows as JSON lines, and the schema rendering used to compare. */
#ifndef CDLT_TEST_NORM_GOLDEN_H
#define CDLT_TEST_NORM_GOLDEN_H

#include "normalize/normalize.h"

#define REC_MAX_TABLES 64

/* Rows of one table as JSON lines in emission order. */
typedef struct rec_table {
    char name[1024];  /* table name */
    buf rows;         /* one JSON object per line */
    uint64_t nrows;   /* rows recorded */
    uint64_t changes; /* schema_changed calls */
} rec_table;

/* Recording sink: checks the sink contract and renders every row. */
typedef struct recorder {
    rec_table tables[REC_MAX_TABLES]; /* tables in first-seen order */
    int ntables;                      /* used entries */
    int contract_errors;              /* rows that used columns never announced, ... */
    bool quiet;                       /* do not record rows (first_load phase) */
    uint32_t announced[REC_MAX_TABLES]; /* columns announced via schema_changed */
} recorder;

void rec_init(recorder *r, norm_sink *sink);
void rec_free(recorder *r);
rec_table *rec_find(recorder *r, const char *name);

/* Apply a settings object (see tests/normalize/cases/README.md) to a new schema. */
cdlt_status golden_schema(const jv *settings, schema **out, const char **out_table,
                          cdlt_error *err);
/* Render the data tables (not _dlt_*) as the expected_schema.json shape. */
cdlt_status golden_render_schema(const schema *s, buf *out);

#endif
