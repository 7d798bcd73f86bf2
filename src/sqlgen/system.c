/* system.c: the statements on dlt's system tables (_dlt_version, _dlt_loads,
 * _dlt_pipeline_state; spec core.md §4) shared by the SQL destinations: the rows dlt writes
 * and the queries dlt restores from (state_sync.py). Values are parameters ($1, $2, ...) the
 * destination binds, never spliced into the text. */
#include "sqlgen/sqlgen.h"

/* fmt with the qualified table for each %s (up to two) */
static cdlt_status with_table(const sqlgen_dialect *dl, const char *dataset, const char *fmt,
                              const char *t1, const char *t2, buf *out)
{
    buf a = BUF_INIT, b = BUF_INIT;
    sqlgen_qualified(dl, &a, dataset, t1);
    if (t2)
        sqlgen_qualified(dl, &b, dataset, t2);
    if (a.status == CDLT_OK && b.status == CDLT_OK)
        buf_printf(out, fmt, buf_cstr(&a), buf_cstr(&b));
    cdlt_status st = a.status != CDLT_OK ? a.status : b.status != CDLT_OK ? b.status : out->status;
    buf_free(&a);
    buf_free(&b);
    return st;
}

cdlt_status sqlgen_system_sql(const sqlgen_dialect *dl, const char *dataset, sqlgen_sys what,
                              const char *table, buf *out)
{
    switch (what) {
    case SQLGEN_VERSION_EXISTS: /* $1 version_hash */
        return with_table(dl, dataset, "SELECT 1 FROM %s WHERE version_hash = $1 LIMIT 1",
                          "_dlt_version", NULL, out);
    case SQLGEN_VERSION_INSERT: /* $1..$6 as listed */
        return with_table(dl, dataset,
                          "INSERT INTO %s (\"version\", \"engine_version\", \"inserted_at\", "
                          "\"schema_name\", \"version_hash\", \"schema\") VALUES ($1, $2, $3, "
                          "$4, $5, $6)",
                          "_dlt_version", NULL, out);
    case SQLGEN_VERSION_LATEST: /* no parameter: the newest schema of any name */
        return with_table(dl, dataset,
                          "SELECT \"schema\" FROM %s ORDER BY \"inserted_at\" DESC LIMIT 1",
                          "_dlt_version", NULL, out);
    case SQLGEN_VERSION_LATEST_OF: /* $1 schema_name */
        return with_table(dl, dataset,
                          "SELECT \"schema\" FROM %s WHERE \"schema_name\" = $1 ORDER BY "
                          "\"inserted_at\" DESC LIMIT 1",
                          "_dlt_version", NULL, out);
    case SQLGEN_VERSION_DELETE: /* $1 schema_name */
        return with_table(dl, dataset, "DELETE FROM %s WHERE \"schema_name\" = $1",
                          "_dlt_version", NULL, out);
    case SQLGEN_LOAD_INSERT: /* $1 load_id, $2 schema_name, $3 inserted_at, $4 hash */
        return with_table(dl, dataset,
                          "INSERT INTO %s (\"load_id\", \"schema_name\", \"status\", "
                          "\"inserted_at\", \"schema_version_hash\") VALUES ($1, $2, 0, $3, $4)",
                          "_dlt_loads", NULL, out);
    case SQLGEN_LOAD_EXISTS: /* $1 load_id */
        return with_table(dl, dataset, "SELECT 1 FROM %s WHERE load_id = $1 LIMIT 1",
                          "_dlt_loads", NULL, out);
    case SQLGEN_STATE_RESTORE:
        /* $1 pipeline_name; dlt's restore query: the newest state of a completed load (load
         * ids order as strings) */
        return with_table(dl, dataset,
                          "SELECT s.\"version\", s.\"engine_version\", s.\"pipeline_name\", "
                          "s.\"state\", s.\"created_at\", s.\"_dlt_load_id\" FROM %s AS s JOIN "
                          "%s AS l ON l.\"load_id\" = s.\"_dlt_load_id\" WHERE "
                          "s.\"pipeline_name\" = $1 AND l.\"status\" = 0 ORDER BY "
                          "l.\"load_id\" DESC LIMIT 1",
                          "_dlt_pipeline_state", "_dlt_loads", out);
    case SQLGEN_STATE_NEWEST_LOAD: /* $1 pipeline_name */
        return with_table(dl, dataset,
                          "SELECT max(l.\"load_id\") FROM %s AS s JOIN %s AS l ON "
                          "l.\"load_id\" = s.\"_dlt_load_id\" WHERE s.\"pipeline_name\" = $1 AND "
                          "l.\"status\" = 0",
                          "_dlt_pipeline_state", "_dlt_loads", out);
    case SQLGEN_ROW_COUNT:
        return with_table(dl, dataset, "SELECT count(*) FROM %s", table, NULL, out);
    }
    return CDLT_INVALID_ARG;
}

const char *sqlgen_state_datasets_sql(const sqlgen_dialect *dl)
{
    (void)dl; /* information_schema is the same in both engines */
    /* datasets holding both system tables the restore query joins */
    return "SELECT table_schema FROM information_schema.tables WHERE table_catalog = "
           "current_database() AND table_name IN ('_dlt_pipeline_state', '_dlt_loads') GROUP BY "
           "table_schema HAVING count(DISTINCT table_name) = 2 ORDER BY table_schema";
}
