/* partial.c: the DuckDB side of packages loaded in several transactions (docs/pipeline.md
 * "Transactions per package"): undo the committed part of a package that was interrupted,
 * and hand the memory of committed data back between transactions. The DELETE text comes
 * from src/sqlgen. */
#include "duck.h"
#include "sqlgen/sqlgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cdlt_status duck_delete_load(destination *d, const char *load_id, const char *const *tables,
                             const char *const *parents, size_t n, cdlt_error *err)
{
    if (!sqlgen_is_load_id(load_id))
        return err_set(err, CDLT_INVALID_ARG, "duckdb: '%s' is not a load id", load_id);
    int maxd = 0;
    for (size_t i = 0; i < n; i++) {
        int dep = sqlgen_chain_depth(tables, parents, n, i);
        if (dep > maxd)
            maxd = dep;
    }
    buf sql = BUF_INIT;
    cdlt_status st = CDLT_OK;
    /* children first: their rows are found through the parents' rows */
    for (int depth = maxd; st == CDLT_OK && depth >= 0; depth--) {
        for (size_t i = 0; st == CDLT_OK && i < n; i++) {
            if (sqlgen_chain_depth(tables, parents, n, i) != depth)
                continue;
            /* a table (or a parent of it) the interrupted load never created holds nothing */
            bool all = true;
            for (size_t k = i; all;) {
                bool ex = false;
                if ((st = duck_table_exists(d, tables[k], &ex, err)) != CDLT_OK)
                    break;
                all = ex;
                if (!parents[k] || !*parents[k])
                    break;
                size_t j = 0;
                while (j < n && strcmp(tables[j], parents[k]) != 0)
                    j++;
                k = j;
            }
            if (st != CDLT_OK || !all)
                continue;
            buf_clear(&sql);
            if (sqlgen_delete_load(&sqlgen_duckdb, d->dataset, load_id, tables, parents, n, i,
                                   &sql) != CDLT_OK) {
                st = err_nomem(err);
                break;
            }
            LOG_DEBUG("duckdb: removing the committed rows of interrupted load %s from %s",
                      load_id, tables[i]);
            st = duck_exec(d, sql.data, "removing the rows of an interrupted load", err);
            if (st != CDLT_OK)
                err_set_table(err, tables[i]);
        }
    }
    buf_free(&sql);
    return st;
}

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
