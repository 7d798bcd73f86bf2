/* conn.c: DuckDB session lifecycle (open a database file, connect, one transaction per load
 * package) and the SQL helpers every other file uses: identifier quoting and statement
 * execution whose errors say what failed, DuckDB's reason, the SQL and what to do. */
#include "duck.h"

#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cdlt_status duck_quote_ident(buf *b, const char *ident)
{
    buf_putc(b, '"');
    for (const char *p = ident; *p; p++) {
        if (*p == '"')
            buf_putc(b, '"');
        buf_putc(b, *p);
    }
    return buf_putc(b, '"');
}

cdlt_status duck_qualified(const destination *d, buf *b, const char *table)
{
    buf_puts(b, d->qdataset);
    buf_putc(b, '.');
    return duck_quote_ident(b, table);
}

cdlt_status duck_fail(cdlt_error *err, const char *what, const char *dberr, const char *sql)
{
    /* long SQL (e.g. a big CREATE TABLE) is cut so the message keeps the hint */
    int sql_len = sql ? (int)strlen(sql) : 0;
    if (sql_len > 600)
        sql_len = 600;
    if (sql)
        err_set(err, CDLT_DESTINATION, "duckdb: %s failed: %s; SQL: %.*s%s", what,
                dberr ? dberr : "unknown error", sql_len, sql, strlen(sql) > 600 ? "..." : "");
    else
        err_set(err, CDLT_DESTINATION, "duckdb: %s failed: %s", what,
                dberr ? dberr : "unknown error");
    if (duck_is_oom(dberr))
        return duck_oom_hint(err);
    return err_hint(err, "check the message above; if the database file is locked by another "
                         "process close it, if a table was changed outside cdlt fix or drop it");
}

bool duck_is_oom(const char *dberr)
{
    return dberr && (strstr(dberr, "Out of Memory") || strstr(dberr, "failed to pin block") ||
                     strstr(dberr, "could not allocate"));
}

cdlt_status duck_oom_hint(cdlt_error *err)
{
    return err_hint(err, "DuckDB ran out of memory under its memory limit: raise "
                         "destination.duckdb.memory_limit_mb (env "
                         "DESTINATION__DUCKDB__MEMORY_LIMIT_MB), or remove it to get DuckDB's "
                         "default (80%% of the machine's memory)");
}

cdlt_status duck_exec(destination *d, const char *sql, const char *what, cdlt_error *err)
{
    duckdb_result res;
    if (duckdb_query(d->con, sql, &res) != DuckDBSuccess) {
        duck_fail(err, what, duckdb_result_error(&res), sql);
        duckdb_destroy_result(&res);
        return CDLT_DESTINATION;
    }
    duckdb_destroy_result(&res);
    return CDLT_OK;
}

cdlt_status duck_query_table_info(destination *d, const char *sql, const char *table,
                                  const char *what, duckdb_result *res, cdlt_error *err)
{
    duckdb_prepared_statement ps = NULL;
    if (duckdb_prepare(d->con, sql, &ps) != DuckDBSuccess) {
        duck_fail(err, what, duckdb_prepare_error(ps), sql);
        duckdb_destroy_prepare(&ps);
        return CDLT_DESTINATION;
    }
    duckdb_bind_varchar(ps, 1, d->dataset);
    duckdb_bind_varchar(ps, 2, table);
    cdlt_status st = CDLT_OK;
    if (duckdb_execute_prepared(ps, res) != DuckDBSuccess) {
        st = duck_fail(err, what, duckdb_result_error(res), sql);
        err_set_table(err, table);
        duckdb_destroy_result(res);
    }
    duckdb_destroy_prepare(&ps);
    return st;
}

cdlt_status duck_table_exists(destination *d, const char *table, bool *out, cdlt_error *err)
{
    *out = false;
    static const char sql[] = "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 "
                              "AND table_name = $2 LIMIT 1";
    duckdb_result res;
    cdlt_status st = duck_query_table_info(d, sql, table, "looking up a table", &res, err);
    if (st != CDLT_OK)
        return st;
    *out = duckdb_row_count(&res) > 0;
    duckdb_destroy_result(&res);
    return CDLT_OK;
}

/* destination.duckdb.<key> as bool (absent = dflt). */
static bool opt_bool(const jv *opts, const char *key, bool dflt)
{
    const jv *v = opts ? jv_get(opts, key) : NULL;
    if (!v)
        return dflt;
    if (v->type == JV_BOOL)
        return v->u.b;
    if (v->type == JV_STRING)
        return strcmp(v->u.s, "true") == 0 || strcmp(v->u.s, "1") == 0 ||
               strcmp(v->u.s, "True") == 0;
    return dflt;
}

/* destination.duckdb.compression: how hard DuckDB compresses what cdlt loads. DuckDB analyses
 * every string segment with each method before picking one; its dictionary analysis hashes
 * every value and costs the most on the unique strings loads are full of (_dlt_id,
 * _dlt_parent_id, hashes, URLs). Measured on 6.1M events rows (docs/duckdb.md):
 *   "fast" (default) no dictionary analysis; FSST and the others still run: 8.3 s, 431 MB file
 *   "auto"           DuckDB's own choice:                                        12.8 s, 378 MB
 *   "none"           no compression at all:                                       6.5 s, 1076 MB
 * The choice only affects how new blocks are stored; any DuckDB reads the file either way. */
static cdlt_status compression_setting(const jv *opts, const char **sql, cdlt_error *err)
{
    const jv *v = opts ? jv_get(opts, "compression") : NULL;
    const char *mode = v && v->type == JV_STRING ? v->u.s : v ? "?" : "fast";
    if (strcmp(mode, "fast") == 0)
        *sql = "SET disabled_compression_methods = 'dictionary'";
    else if (strcmp(mode, "auto") == 0)
        *sql = NULL;
    else if (strcmp(mode, "none") == 0)
        *sql = "SET force_compression = 'uncompressed'";
    else {
        err_set(err, CDLT_CONFIG,
                "destination.duckdb.compression must be \"fast\", \"auto\" or \"none\"%s%s%s",
                v && v->type == JV_STRING ? ", not \"" : "",
                v && v->type == JV_STRING ? v->u.s : "", v && v->type == JV_STRING ? "\"" : "");
        err_hint(err, "fix the value in .dlt/config.toml or DESTINATION__DUCKDB__COMPRESSION");
        return CDLT_CONFIG;
    }
    return CDLT_OK;
}

/* destination.duckdb.<key> as a non-negative integer (absent or invalid = dflt). */
static int64_t opt_int(const jv *opts, const char *key, int64_t dflt)
{
    const jv *v = opts ? jv_get(opts, key) : NULL;
    if (!v)
        return dflt;
    if (v->type == JV_INT)
        return v->u.i >= 0 ? v->u.i : dflt;
    if (v->type == JV_STRING) {
        char *end = NULL;
        long long x = strtoll(v->u.s, &end, 10);
        return end != v->u.s && *end == '\0' && x >= 0 ? x : dflt;
    }
    return dflt;
}

/* Loads run as INSERT ... SELECT FROM cdlt_load_scan(). DuckDB runs an insert on several
 * threads only without insertion order (dlt promises no row order); with one thread rows keep
 * the load file's order. Changing threads inside the package transaction is fine: it is a
 * session setting, not data. */
cdlt_status duck_set_threads(destination *d, uint32_t n, cdlt_error *err)
{
    if (n == 0 || n > d->load_threads)
        n = d->load_threads;
    if (n == d->threads)
        return CDLT_OK;
    char sql[128];
    snprintf(sql, sizeof sql, "SET threads = %u; SET preserve_insertion_order = %s", (unsigned)n,
             n > 1 ? "false" : "true");
    cdlt_status st = duck_exec(d, sql, "setting DuckDB's threads", err);
    if (st == CDLT_OK)
        d->threads = n;
    return st;
}

cdlt_status duck_set_memory_limit(destination *d, uint32_t mb, cdlt_error *err)
{
    if (mb == d->cur_limit_mb)
        return CDLT_OK;
    char sql[64];
    snprintf(sql, sizeof sql, "SET memory_limit = '%uMB'", (unsigned)mb);
    cdlt_status st = duck_exec(d, sql, "setting DuckDB's memory limit", err);
    if (st == CDLT_OK)
        d->cur_limit_mb = mb;
    return st;
}

void duck_close(destination *d)
{
    if (!d)
        return;
    if (d->in_tx && d->con) {
        duckdb_result res;
        duckdb_query(d->con, "ROLLBACK", &res); /* an unfinished package never half-commits */
        duckdb_destroy_result(&res);
    }
    if (d->con)
        duckdb_disconnect(&d->con);
    if (d->db)
        duckdb_close(&d->db);
    mem_free(d->dataset);
    mem_free(d->qdataset);
    mem_free(d->path_label);
    mem_free(d->staging);
    mem_free(d->qstaging);
    mem_free(d);
}

cdlt_status duck_open(const dest_config *cfg, destination **out, cdlt_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->dataset_name || !cfg->dataset_name[0])
        return err_set(err, CDLT_CONFIG, "duckdb: no dataset name given; set dataset_name in "
                                         "the pipeline config");
    /* the database path: credentials, "duckdb:///<path>" accepted like dlt, default
     * "<pipeline_name>.duckdb" in the working directory */
    buf path = BUF_INIT;
    const char *cred = cfg->credentials;
    if (cred && strncmp(cred, "duckdb:///", 10) == 0)
        cred += 10;
    /* MotherDuck ("md:db?motherduck_token=...") and query strings are not file names: DuckDB
     * would create a local file named after them, token included. Refuse both; the message
     * shows no part of the credential after the database name. */
    if (cred && (strncmp(cred, "md:", 3) == 0 || strncmp(cred, "motherduck:", 11) == 0)) {
        err_set(err, CDLT_CONFIG, "duckdb: credentials name a MotherDuck database (md:...), "
                                  "which cdlt's duckdb destination cannot reach");
        return err_hint(err, "give the path of a local DuckDB file as credentials");
    }
    if (cred && strchr(cred, '?')) {
        err_set(err, CDLT_CONFIG,
                "duckdb: credentials '%.*s?***' carry a query string; a DuckDB file path "
                "takes none (it would become part of the file name)",
                (int)(strchr(cred, '?') - cred), cred);
        return err_hint(err, "remove the '?...' part; DuckDB settings go under "
                             "[destination.duckdb] (memory_limit_mb, load_threads, ...)");
    }
    if (cred && cred[0])
        buf_puts(&path, cred);
    else
        buf_printf(&path, "%s.duckdb", cfg->pipeline_name ? cfg->pipeline_name : "cdlt");
    if (path.status != CDLT_OK) {
        buf_free(&path);
        return err_nomem(err);
    }

    destination *d = mem_calloc(1, sizeof *d);
    buf q = BUF_INIT;
    if (!d)
        goto nomem;
    const char *slash = strrchr(path.data, '/');
    d->path_label = mem_strdup(slash ? slash + 1 : path.data);
    d->dataset = mem_strdup(cfg->dataset_name);
    duck_quote_ident(&q, cfg->dataset_name);
    d->qdataset = buf_detach(&q, NULL);
    if (!d->path_label || !d->dataset || !d->qdataset)
        goto nomem;
    {
        /* dlt's staging_dataset_name_layout: "%s" stands for the dataset; a layout without
         * it is a fixed name shared by all datasets */
        const jv *lay = cfg->options ? jv_get(cfg->options, "staging_dataset_name_layout") : NULL;
        const char *layout = lay && lay->type == JV_STRING && lay->u.s[0] ? lay->u.s : "%s_staging";
        const char *pct = strstr(layout, "%s");
        buf sn = BUF_INIT;
        if (pct) {
            buf_append(&sn, layout, (size_t)(pct - layout));
            buf_puts(&sn, cfg->dataset_name);
            buf_puts(&sn, pct + 2);
        } else {
            buf_puts(&sn, layout);
        }
        if (sn.status == CDLT_OK)
            duck_quote_ident(&q, buf_cstr(&sn));
        if (sn.status != CDLT_OK || q.status != CDLT_OK) {
            buf_free(&sn);
            goto nomem;
        }
        d->staging = buf_detach(&sn, NULL);
        d->qstaging = buf_detach(&q, NULL);
        if (!d->staging || !d->qstaging)
            goto nomem;
    }
    d->create_indexes = opt_bool(cfg->options, "create_indexes", false);
    /* default: the machine's cores, at most 4. The pipeline keeps the overlapped load to one
     * thread while normalize holds a core and gives the files left all of them in one INSERT
     * per table: on 2 cores, 1M events 8.3-8.8 s -> 7.0-7.1 s (docs/duckdb.md) */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t dflt = cores < 1 ? 1 : cores > 4 ? 4 : cores;
    d->load_threads = (uint32_t)opt_int(cfg->options, "load_threads", dflt);
    if (d->load_threads == 0 || d->load_threads > 64)
        d->load_threads = (uint32_t)dflt;
    d->memory_limit_mb = (uint32_t)opt_int(cfg->options, "memory_limit_mb", 0);
    if (compression_setting(cfg->options, &d->compression_sql, err) != CDLT_OK) {
        buf_free(&path);
        duck_close(d);
        return CDLT_CONFIG;
    }

    char *dberr = NULL;
    if (duckdb_open_ext(path.data, &d->db, NULL, &dberr) != DuckDBSuccess) {
        /* DuckDB's message repeats the full path: show only the file name */
        buf msg = BUF_INIT;
        const char *e = dberr ? dberr : "unknown error";
        for (const char *hit; (hit = strstr(e, path.data)) != NULL; e = hit + path.len) {
            buf_append(&msg, e, (size_t)(hit - e));
            buf_puts(&msg, d->path_label);
        }
        buf_puts(&msg, e);
        err_set(err, CDLT_DESTINATION, "duckdb: cannot open database file '%s': %s",
                d->path_label, buf_cstr(&msg));
        buf_free(&msg);
        err_hint(err, "check that the folder exists and is writable and that no other "
                      "process holds the database open");
        if (dberr)
            duckdb_free(dberr);
        d->db = NULL;
        buf_free(&path);
        duck_close(d);
        return CDLT_DESTINATION;
    }
    if (duckdb_connect(d->db, &d->con) != DuckDBSuccess) {
        d->con = NULL;
        duck_close(d);
        buf_free(&path);
        return err_set(err, CDLT_DESTINATION, "duckdb: cannot connect to the database");
    }
    buf_free(&path);
    cdlt_status rst = duck_register_scan(d, err);
    if (rst == CDLT_OK)
        rst = duck_set_threads(d, 0, err);
    if (rst == CDLT_OK && d->compression_sql)
        rst = duck_exec(d, d->compression_sql, "setting destination.duckdb.compression", err);
    /* Only a limit the user set. cdlt used to size one per table (tens of MiB) to keep peak
     * RSS low, and valid data failed under it: 2,000 x 30 KB strings could not be pinned at
     * COMMIT, tables gaining hundreds of columns ran out. DuckDB's default (80% of RAM) does
     * not refuse data the machine can hold (docs/duckdb.md: memory). */
    if (rst == CDLT_OK && d->memory_limit_mb)
        rst = duck_set_memory_limit(d, d->memory_limit_mb, err);
    if (rst != CDLT_OK) {
        duck_close(d);
        return rst;
    }
    *out = d;
    return CDLT_OK;

nomem:
    buf_free(&path);
    buf_free(&q);
    duck_close(d);
    return err_nomem(err);
}

cdlt_status duck_begin(destination *d, cdlt_error *err)
{
    if (d->in_tx)
        return err_set(err, CDLT_STATE, "duckdb: begin called inside an open transaction; "
                                        "commit or roll back first");
    cdlt_status st = duck_exec(d, "BEGIN TRANSACTION", "starting a transaction", err);
    if (st == CDLT_OK)
        d->in_tx = true;
    return st;
}

cdlt_status duck_commit(destination *d, cdlt_error *err)
{
    if (!d->in_tx)
        return err_set(err, CDLT_STATE, "duckdb: commit without begin");
    cdlt_status st = duck_exec(d, "COMMIT", "committing the load transaction", err);
    if (st != CDLT_OK) {
        /* a failed COMMIT leaves DuckDB's transaction aborted: end it so the session lives on */
        duckdb_result res;
        duckdb_query(d->con, "ROLLBACK", &res);
        duckdb_destroy_result(&res);
    }
    d->in_tx = false;
    return st;
}

cdlt_status duck_rollback(destination *d, cdlt_error *err)
{
    if (!d->in_tx)
        return CDLT_OK; /* nothing to undo: rollback on an error path is always safe */
    d->in_tx = false;
    return duck_exec(d, "ROLLBACK", "rolling back the load transaction", err);
}

int64_t duck_now_us(void) { return (int64_t)(time_unix() * 1e6); }
