/* parquet_load.c: loads Parquet load files (loader_file_format = "parquet", written by
 * src/destinations/writers/parquet.c or any other Parquet writer) with DuckDB's own reader:
 * `INSERT INTO t BY NAME SELECT * FROM read_parquet([...], union_by_name = true)`. By name,
 * because a file holds only the columns that were complete when it was written (dlt's header
 * rule) and the table may have more; DuckDB casts the Parquet types (dlt's arrow mapping) to
 * the table's. Staging and merge reach this through duck_load_file as well. */
#include "duck.h"
#include "sqlgen/sqltext.h"

#include <stdio.h>
#include <string.h>

/* A file name ends in ".parquet" (the pipeline names load files <table>.<id>.<ext>). */
bool duck_is_parquet_path(const char *path)
{
    size_t n = strlen(path);
    return n > 8 && strcmp(path + n - 8, ".parquet") == 0;
}


cdlt_status duck_load_parquet(destination *d, const schema_table *t, const char *const *paths,
                              size_t n, cdlt_error *err)
{
    if (n == 0)
        return CDLT_OK;
    buf sql = BUF_INIT;
    buf_puts(&sql, "INSERT INTO ");
    duck_qualified(d, &sql, t->name);
    buf_puts(&sql, " BY NAME SELECT * FROM read_parquet([");
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(&sql, ", ");
        sqlgen_string(&sql, paths[i], strlen(paths[i]));
    }
    buf_puts(&sql, "], union_by_name = true)");
    if (sql.status != CDLT_OK) {
        buf_free(&sql);
        return err_nomem(err);
    }
    double t0 = time_monotonic();
    duckdb_result res;
    cdlt_status st = CDLT_OK;
    if (duckdb_query(d->con, sql.data, &res) != DuckDBSuccess) {
        const char *e = duckdb_result_error(&res);
        err_set(err, CDLT_DESTINATION,
                "duckdb: loading Parquet file '%s'%s into table '%s' failed: %s", paths[0],
                n > 1 ? " (and the following files of the same table)" : "", t->name,
                e ? e : "unknown error");
        snprintf(err->file, sizeof err->file, "%s", paths[0]);
        err_set_table(err, t->name);
        if (duck_is_oom(e))
            duck_oom_hint(err);
        else
            err_hint(err, "each column of the file must exist in the table with a type DuckDB "
                          "can cast to; a NOT NULL or UNIQUE constraint may be violated");
        st = CDLT_DESTINATION;
    } else {
        LOG_DEBUG("duckdb: loaded %llu rows from %zu Parquet file(s) into %s.%s in %.3fs",
                  (unsigned long long)duckdb_rows_changed(&res), n, d->dataset, t->name,
                  time_monotonic() - t0);
    }
    duckdb_destroy_result(&res);
    buf_free(&sql);
    return st;
}
