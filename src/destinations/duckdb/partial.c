/* partial.c: the DuckDB side of packages loaded in several transactions (docs/pipeline.md
 * "Transactions per package"): hand the memory of committed data back between transactions
 * (undoing an interrupted package's committed part is shared: sqlops.c, src/sqldest). */
#include "duck.h"
#include "sqlgen/sqlgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Committed blocks stay in DuckDB's buffer pool until it needs room (its limit is a large
 * share of the machine's memory), so a long load would grow the process by all it wrote.
 * Lowering the limit evicts what nothing pins; the limit is then restored. A failure only
 * means something is still pinned: nothing to report. */
void duck_trim_memory(destination *d)
{
    if (d->in_tx || getenv("XNOTRIM"))
        return;
    /* the limit in force (the user's, or DuckDB's default) as DuckDB prints it */
    duckdb_result res;
    char limit[64] = "";
    if (duckdb_query(d->con, "SELECT current_setting('memory_limit')", &res) == DuckDBSuccess) {
        char *v = duckdb_value_varchar(&res, 0, 0);
        if (v && strlen(v) < sizeof limit && !strchr(v, '\''))
            snprintf(limit, sizeof limit, "%s", v);
        duckdb_free(v);
    }
    duckdb_destroy_result(&res);
    if (!limit[0])
        return;
    if (duckdb_query(d->con, "SET memory_limit = '32MB'", &res) != DuckDBSuccess)
        LOG_DEBUG("duckdb: trimming the buffer pool: %s", duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    char sql[128];
    snprintf(sql, sizeof sql, "SET memory_limit = '%s'", limit);
    if (duckdb_query(d->con, sql, &res) != DuckDBSuccess)
        LOG_WARN("duckdb: restoring the memory limit %s failed: %s", limit,
                 duckdb_result_error(&res));
    duckdb_destroy_result(&res);
}
