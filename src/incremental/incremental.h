/* incremental.h: dlt's incremental cursor on the items of a resource (spec sources.md §5):
 * the cursor value of each item (a dotted path or the simple JSONPath dlt users write),
 * compared as dlt compares them (numbers as numbers, ISO timestamps as instants, other
 * strings as text; mixed kinds are an error), the window [start, end), boundary
 * deduplication by primary key or a hash of the whole item, and the state kept between runs.
 * Owner: src/incremental. Depends on types, json and core; knows no pipeline. */
#ifndef CDLT_INCREMENTAL_H
#define CDLT_INCREMENTAL_H

#include "json/json.h"

typedef struct incr incr;

/* dlt's incremental arguments cdlt takes, NULL-terminated (definition files check them). */
extern const char *const incr_keys[];

/* Open a cursor. spec_json: dlt's incremental arguments as a JSON object (cursor_path,
 * initial_value, end_value, last_value_func "max"|"min", primary_key (name, list, or [] for
 * no dedup), on_cursor_value_missing "raise"|"include"|"exclude", lag (number), range_start
 * "closed"|"open", range_end "open"|"closed", row_order "asc"|"desc"). state_json: the state
 * object this cursor saved last time ({"initial_value", "last_value", "unique_hashes"}) or
 * NULL. res_pk: the resource's primary key (the default dedup key). Unknown keys and wrong
 * values are errors naming the resource. */
cdlt_status incr_open(const char *spec_json, const char *state_json, const char *const *res_pk,
                      size_t n_res_pk, const char *resource, incr **out, cdlt_error *err);
void incr_free(incr *in);
/* The cursor path (the state key). */
const char *incr_cursor_path(const incr *in);
/* The column the cursor reads when its path is one bare name (dlt marks that column with the
 * `incremental` hint), else NULL. */
const char *incr_cursor_column(const incr *in);
/* Should this item be kept? Updates the running last value. */
cdlt_status incr_filter(incr *in, const jv *item, bool *keep, cdlt_error *err);
/* The state to save for the cursor (JSON object) into out; *save = false when the state must
 * stay as it was (end_value given: a backfill window does not move the cursor). */
cdlt_status incr_state_json(const incr *in, buf *out, bool *save);
/* JSON text of the start value (the last value minus lag, or initial_value), the end value
 * and the last value seen; NULL when none. */
const char *incr_start_json(const incr *in);
const char *incr_end_json(const incr *in);
/* The last value as it stands now (the saved one, or this run's best once past it). */
const char *incr_last_json(incr *in);
/* row_order was given and an item fell outside the window on the side the order walks away
 * from (asc: past end_value; desc: before the start): the reader may stop, as dlt closes the
 * resource there. */
bool incr_can_close(const incr *in);

#endif /* CDLT_INCREMENTAL_H */
