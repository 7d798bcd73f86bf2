/* merge.c: the follow-up SQL of dlt's merge strategies (core.md §5.3, §5.4), from the schema:
 * which columns, which keys, which hard-delete and dedup-sort columns. One generator; the
 * dialect struct holds what differs between SQL engines. */
#include "sqlgen/sqlgen.h"
#include "types/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void qtable(const sqlgen_dialect *dl, buf *b, const char *ds, const char *t)
{
    sqlgen_qualified(dl, b, ds, t);
}

/* The complete columns of t, comma separated, each with `prefix` (e.g. "s.") when given. */
static void col_list(const sqlgen_dialect *dl, buf *b, const schema_table *t, const char *prefix)
{
    (void)sqlgen_column_list(dl, t, prefix, b);
}

static const schema_column *find_hint(const schema_table *t, uint32_t hint)
{
    for (uint32_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].hints & hint)
            return &t->columns[i];
    return NULL;
}

static const schema_column *find_dedup(const schema_table *t)
{
    for (uint32_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].dedup_sort)
            return &t->columns[i];
    return NULL;
}

static uint32_t count_hint(const schema_table *t, uint32_t hint)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->ncolumns; i++)
        n += (t->columns[i].hints & hint) != 0;
    return n;
}

static merge_strategy strategy_of(const schema_table *root)
{
    return root->strategy == MS_UNSET ? MS_DELETE_INSERT : root->strategy;
}

static const char *strategy_name(merge_strategy m)
{
    switch (m) {
    case MS_UPSERT: return "upsert";
    case MS_INSERT_ONLY: return "insert-only";
    case MS_SCD2: return "scd2";
    default: return "delete-insert";
    }
}

static cdlt_status invalid(cdlt_error *err, const schema_table *root, const char *column,
                           const char *fmt, const char *arg, const char *todo)
{
    err_set(err, CDLT_SCHEMA, "resource '%s', table '%s'%s%s%s: ", root->resource ? root->resource : root->name,
            root->name, column ? ", column '" : "", column ? column : "", column ? "'" : "");
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, "%s", msg);
    err_set_table(err, root->name);
    if (column)
        err_set_column(err, column);
    return err_hint(err, "%s", todo);
}

cdlt_status sqlgen_merge_validate(const schema *s, const schema_table *root, cdlt_error *err)
{
    merge_strategy ms = strategy_of(root);
    if ((ms == MS_UPSERT || ms == MS_INSERT_ONLY) && count_hint(root, HINT_PRIMARY_KEY) == 0)
        return invalid(err, root, NULL, "merge strategy '%s' needs a primary key",
                       strategy_name(ms), "set primary_key on the resource (a column or a list)");
    if (count_hint(root, HINT_HARD_DELETE) > 1)
        return invalid(err, root, NULL, "%smore than one column has the hard_delete hint", NULL,
                       "keep hard_delete on one column");
    uint32_t nd = 0;
    for (uint32_t i = 0; i < root->ncolumns; i++)
        nd += root->columns[i].dedup_sort != 0;
    if (nd > 1)
        return invalid(err, root, NULL, "%smore than one column has the dedup_sort hint", NULL,
                       "keep dedup_sort on one column");
    /* every key must be a column the data has (a key named but never seen has no type) */
    for (uint32_t i = 0; i < root->ncolumns; i++) {
        const schema_column *c = &root->columns[i];
        if ((c->hints & (HINT_PRIMARY_KEY | HINT_MERGE_KEY)) && !column_is_complete(c))
            return invalid(err, root, c->name,
                           "the %s is not a column of the loaded data",
                           (c->hints & HINT_PRIMARY_KEY) ? "primary key" : "merge key",
                           "fix primary_key / merge_key to name columns the items have");
    }
    /* nested tables are matched through their root key */
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (t == root || !t->seen_data || schema_root_table(s, t) != root)
            continue;
        if (ms != MS_SCD2 && !table_get_column(t, "_dlt_root_id", 12))
            return invalid(err, root, NULL,
                           "nested table '%s' has no _dlt_root_id column, which merge needs",
                           t->name,
                           "drop the tables of this resource (refresh = \"drop_resources\") so "
                           "they are made again with root keys");
    }
    return CDLT_OK;
}

/* d.k1 = s.k1 AND d.k2 = s.k2 for the columns with `hint` into b; false when none. */
static bool key_match(const sqlgen_dialect *dl, buf *b, const schema_table *t, uint32_t hint)
{
    bool any = false;
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        if (!(t->columns[i].hints & hint) || !column_is_complete(&t->columns[i]))
            continue;
        buf_puts(b, any ? " AND d." : "d.");
        sqlgen_ident(dl, b, t->columns[i].name);
        buf_puts(b, " = s.");
        sqlgen_ident(dl, b, t->columns[i].name);
        any = true;
    }
    return any;
}

/* The staged row is a delete (hard_delete): bool column true, other types not NULL. */
static void deleted_cond(const sqlgen_dialect *dl, buf *b, const schema_column *hd, const char *p,
                         bool negate)
{
    buf_puts(b, "(");
    if (p)
        buf_puts(b, p);
    sqlgen_ident(dl, b, hd->name);
    if (hd->type == DT_BOOL) {
        buf_puts(b, negate ? " IS NULL OR " : " IS NOT NULL AND ");
        if (p)
            buf_puts(b, p);
        sqlgen_ident(dl, b, hd->name);
        buf_puts(b, negate ? " = FALSE" : " = TRUE");
    } else {
        buf_puts(b, negate ? " IS NULL" : " IS NOT NULL");
    }
    buf_puts(b, ")");
}

static cdlt_status add(strv *out, buf *b, cdlt_error *err)
{
    if (b->status != CDLT_OK || strv_add(out, buf_cstr(b)) != CDLT_OK)
        return err_nomem(err);
    buf_clear(b);
    return CDLT_OK;
}

/* ROW_NUMBER() OVER (partition BY <pk> ORDER BY <dedup_sort> | (SELECT NULL)) */
static void dedup_window(const sqlgen_dialect *dl, buf *b, const schema_table *root)
{
    buf_puts(b, "ROW_NUMBER() OVER (PARTITION BY ");
    bool first = true;
    for (uint32_t i = 0; i < root->ncolumns; i++) {
        if (!(root->columns[i].hints & HINT_PRIMARY_KEY) || !column_is_complete(&root->columns[i]))
            continue;
        if (!first)
            buf_puts(b, ", ");
        first = false;
        sqlgen_ident(dl, b, root->columns[i].name);
    }
    const schema_column *ds = find_dedup(root);
    if (ds && column_is_complete(ds)) {
        buf_puts(b, " ORDER BY ");
        sqlgen_ident(dl, b, ds->name);
        buf_puts(b, ds->dedup_sort > 0 ? " ASC" : " DESC");
    } else {
        buf_puts(b, " ORDER BY (SELECT NULL)");
    }
    buf_puts(b, ") AS _dlt_dedup_rn");
}

/* " FROM" the staged root rows to insert: one per primary key (when pk: there is one and the
 * rows were not declared deduplicated), none that is marked deleted. all_cols: the inner
 * query keeps every column, else _dlt_id and the hard-delete column (for the temporary table
 * of root ids). */
static void staged_rows(const sqlgen_dialect *dl, buf *b, const sqlgen_target *tg,
                        const schema_table *root, bool pk, const schema_column *hd,
                        bool all_cols)
{
    buf_puts(b, " FROM ");
    if (!pk) {
        qtable(dl, b, tg->staging, root->name);
        buf_puts(b, " WHERE ");
        if (hd)
            deleted_cond(dl, b, hd, NULL, true);
        else
            buf_puts(b, "1 = 1");
        return;
    }
    buf_puts(b, "(SELECT ");
    dedup_window(dl, b, root);
    if (all_cols) {
        buf_puts(b, ", ");
        col_list(dl, b, root, NULL);
    } else {
        buf_puts(b, ", \"_dlt_id\"");
        if (hd) {
            buf_puts(b, ", ");
            sqlgen_ident(dl, b, hd->name);
        }
    }
    buf_puts(b, " FROM ");
    qtable(dl, b, tg->staging, root->name);
    buf_puts(b, ") AS _dlt_dedup_numbered WHERE _dlt_dedup_rn = 1");
    if (hd) {
        buf_puts(b, " AND ");
        deleted_cond(dl, b, hd, NULL, true);
    }
}

static cdlt_status delete_insert(const sqlgen_dialect *dl, const sqlgen_target *tg,
                                 const schema *s, const schema_table *root, strv *out,
                                 cdlt_error *err)
{
    buf b = BUF_INIT, keys = BUF_INIT, tmpd = BUF_INIT, tmpi = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    bool pk = false, mk = false;
    {
        buf k1 = BUF_INIT, k2 = BUF_INIT;
        pk = key_match(dl, &k1, root, HINT_PRIMARY_KEY);
        mk = key_match(dl, &k2, root, HINT_MERGE_KEY);
        if (pk)
            buf_printf(&keys, "(%s)", buf_cstr(&k1));
        if (mk)
            buf_printf(&keys, "%s(%s)", pk ? " OR " : "", buf_cstr(&k2));
        buf_free(&k1);
        buf_free(&k2);
    }
    const schema_column *hd = find_hint(root, HINT_HARD_DELETE);
    if (hd && !column_is_complete(hd))
        hd = NULL;
    /* dlt's `deduplicated`: the source promised one row per key, staged rows go in as they are */
    const jv *sd = jv_get(&root->extra, "x-stage-data-deduplicated");
    bool dedup = pk && !(sd && sd->type == JV_BOOL && sd->u.b);
    bool nested = false;
    for (uint32_t i = 0; i < s->ntables; i++)
        nested = nested || (s->tables[i] != root && s->tables[i]->seen_data &&
                            schema_root_table(s, s->tables[i]) == root);
    buf_printf(&tmpd, "%s_delete_%s", root->name, tg->tag);
    buf_printf(&tmpi, "%s_insert_%s", root->name, tg->tag);
    for (char *p = tmpd.data; p && *p; p++)
        if (*p == '.')
            *p = '_';
    for (char *p = tmpi.data; p && *p; p++)
        if (*p == '.')
            *p = '_';

    if (!nested) {
        if (pk || mk) {
            buf_puts(&b, "DELETE FROM ");
            qtable(dl, &b, tg->dataset, root->name);
            buf_puts(&b, " AS d WHERE EXISTS (SELECT 1 FROM ");
            qtable(dl, &b, tg->staging, root->name);
            buf_printf(&b, " AS s WHERE %s)", buf_cstr(&keys));
            if ((rc = add(out, &b, err)) != CDLT_OK)
                goto out;
        }
        buf_puts(&b, "INSERT INTO ");
        qtable(dl, &b, tg->dataset, root->name);
        buf_puts(&b, " (");
        col_list(dl, &b, root, NULL);
        buf_puts(&b, ") SELECT ");
        col_list(dl, &b, root, NULL);
        staged_rows(dl, &b, tg, root, dedup, hd, true);
        rc = add(out, &b, err);
        goto out;
    }

    /* with nested tables: the root ids to delete and to insert, through temporary tables */
    if (pk || mk) {
        buf_puts(&b, "CREATE TEMPORARY TABLE ");
        sqlgen_ident(dl, &b, tmpd.data);
        buf_puts(&b, " AS SELECT d.\"_dlt_id\" FROM ");
        qtable(dl, &b, tg->dataset, root->name);
        buf_puts(&b, " AS d WHERE EXISTS (SELECT 1 FROM ");
        qtable(dl, &b, tg->staging, root->name);
        buf_printf(&b, " AS s WHERE %s)", buf_cstr(&keys));
        if ((rc = add(out, &b, err)) != CDLT_OK)
            goto out;
        for (uint32_t i = 0; i < s->ntables; i++) {
            const schema_table *t = s->tables[i];
            if (t == root || !t->seen_data || schema_root_table(s, t) != root)
                continue;
            buf_puts(&b, "DELETE FROM ");
            qtable(dl, &b, tg->dataset, t->name);
            buf_puts(&b, " WHERE \"_dlt_root_id\" IN (SELECT * FROM ");
            sqlgen_ident(dl, &b, tmpd.data);
            buf_puts(&b, ")");
            if ((rc = add(out, &b, err)) != CDLT_OK)
                goto out;
        }
        buf_puts(&b, "DELETE FROM ");
        qtable(dl, &b, tg->dataset, root->name);
        buf_puts(&b, " WHERE \"_dlt_id\" IN (SELECT * FROM ");
        sqlgen_ident(dl, &b, tmpd.data);
        buf_puts(&b, ")");
        if ((rc = add(out, &b, err)) != CDLT_OK)
            goto out;
    }
    buf_puts(&b, "CREATE TEMPORARY TABLE ");
    sqlgen_ident(dl, &b, tmpi.data);
    buf_puts(&b, " AS SELECT \"_dlt_id\"");
    staged_rows(dl, &b, tg, root, dedup, hd, false);
    if ((rc = add(out, &b, err)) != CDLT_OK)
        goto out;
    buf_puts(&b, "INSERT INTO ");
    qtable(dl, &b, tg->dataset, root->name);
    buf_puts(&b, " (");
    col_list(dl, &b, root, NULL);
    buf_puts(&b, ") SELECT ");
    col_list(dl, &b, root, NULL);
    buf_puts(&b, " FROM ");
    qtable(dl, &b, tg->staging, root->name);
    buf_puts(&b, " WHERE \"_dlt_id\" IN (SELECT * FROM ");
    sqlgen_ident(dl, &b, tmpi.data);
    buf_puts(&b, ")");
    if ((rc = add(out, &b, err)) != CDLT_OK)
        goto out;
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (t == root || !t->seen_data || schema_root_table(s, t) != root)
            continue;
        buf_puts(&b, "INSERT INTO ");
        qtable(dl, &b, tg->dataset, t->name);
        buf_puts(&b, " (");
        col_list(dl, &b, t, NULL);
        buf_puts(&b, ") SELECT ");
        col_list(dl, &b, t, NULL);
        buf_puts(&b, " FROM (SELECT ROW_NUMBER() OVER (PARTITION BY \"_dlt_id\" ORDER BY "
                     "(SELECT NULL)) AS _dlt_dedup_rn, ");
        col_list(dl, &b, t, NULL);
        buf_puts(&b, " FROM ");
        qtable(dl, &b, tg->staging, t->name);
        buf_puts(&b, ") AS _dlt_dedup_numbered WHERE _dlt_dedup_rn = 1 AND \"_dlt_root_id\" IN "
                     "(SELECT * FROM ");
        sqlgen_ident(dl, &b, tmpi.data);
        buf_puts(&b, ")");
        if ((rc = add(out, &b, err)) != CDLT_OK)
            goto out;
    }
    if (pk || mk) {
        buf_puts(&b, "DROP TABLE ");
        sqlgen_ident(dl, &b, tmpd.data);
        if ((rc = add(out, &b, err)) != CDLT_OK)
            goto out;
    }
    buf_puts(&b, "DROP TABLE ");
    sqlgen_ident(dl, &b, tmpi.data);
    rc = add(out, &b, err);
out:
    buf_free(&b);
    buf_free(&keys);
    buf_free(&tmpd);
    buf_free(&tmpi);
    return rc;
}

/* MERGE INTO final USING staging: upsert (update + insert, hard deletes delete) or insert-only
 * (only new keys, deletes filtered out first). */
static void merge_into(const sqlgen_dialect *dl, buf *b, const sqlgen_target *tg,
                       const schema_table *t, bool root, const schema_column *hd, bool update)
{
    buf_puts(b, "MERGE INTO ");
    qtable(dl, b, tg->dataset, t->name);
    buf_puts(b, " AS d USING ");
    if (root && hd && !update) {
        buf_puts(b, "(SELECT * FROM ");
        qtable(dl, b, tg->staging, t->name);
        buf_puts(b, " WHERE ");
        deleted_cond(dl, b, hd, NULL, true);
        buf_puts(b, ")");
    } else {
        qtable(dl, b, tg->staging, t->name);
    }
    buf_puts(b, " AS s ON ");
    if (root)
        key_match(dl, b, t, HINT_PRIMARY_KEY);
    else
        buf_puts(b, "d.\"_dlt_id\" = s.\"_dlt_id\"");
    if (update) {
        if (root && hd) {
            buf_puts(b, " WHEN MATCHED AND ");
            deleted_cond(dl, b, hd, "s.", false);
            buf_puts(b, " THEN DELETE");
        }
        buf_puts(b, " WHEN MATCHED THEN UPDATE SET ");
        bool first = true;
        for (uint32_t i = 0; i < t->ncolumns; i++) {
            if (!column_is_complete(&t->columns[i]))
                continue;
            if (!first)
                buf_puts(b, ", ");
            first = false;
            sqlgen_ident(dl, b, t->columns[i].name);
            buf_puts(b, " = s.");
            sqlgen_ident(dl, b, t->columns[i].name);
        }
    }
    /* as dlt: upsert inserts a new key's row even when it is marked deleted */
    buf_puts(b, " WHEN NOT MATCHED THEN INSERT (");
    col_list(dl, b, t, NULL);
    buf_puts(b, ") VALUES (");
    col_list(dl, b, t, "s.");
    buf_puts(b, ")");
}

static cdlt_status upsert(const sqlgen_dialect *dl, const sqlgen_target *tg, const schema *s,
                          const schema_table *root, bool update, strv *out, cdlt_error *err)
{
    buf b = BUF_INIT;
    const schema_column *hd = find_hint(root, HINT_HARD_DELETE);
    if (hd && !column_is_complete(hd))
        hd = NULL;
    merge_into(dl, &b, tg, root, true, hd, update);
    cdlt_status rc = add(out, &b, err);
    for (uint32_t i = 0; rc == CDLT_OK && i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (t == root || !t->seen_data || schema_root_table(s, t) != root)
            continue;
        merge_into(dl, &b, tg, t, false, NULL, update);
        rc = add(out, &b, err);
        if (rc != CDLT_OK || !update)
            continue;
        /* child rows a root in this load no longer has */
        buf_puts(&b, "DELETE FROM ");
        qtable(dl, &b, tg->dataset, t->name);
        buf_puts(&b, " WHERE \"_dlt_root_id\" IN (SELECT \"_dlt_id\" FROM ");
        qtable(dl, &b, tg->staging, root->name);
        buf_puts(&b, ") AND \"_dlt_id\" NOT IN (SELECT \"_dlt_id\" FROM ");
        qtable(dl, &b, tg->staging, t->name);
        buf_puts(&b, ")");
        rc = add(out, &b, err);
        if (rc == CDLT_OK && hd) {
            buf_puts(&b, "DELETE FROM ");
            qtable(dl, &b, tg->dataset, t->name);
            buf_puts(&b, " WHERE \"_dlt_root_id\" IN (SELECT \"_dlt_id\" FROM ");
            qtable(dl, &b, tg->staging, root->name);
            buf_puts(&b, " WHERE ");
            deleted_cond(dl, &b, hd, NULL, false);
            buf_puts(&b, ")");
            rc = add(out, &b, err);
        }
    }
    buf_free(&b);
    return rc;
}

static const schema_column *find_extra(const schema_table *t, const char *key)
{
    for (uint32_t i = 0; i < t->ncolumns; i++) {
        const jv *v = jv_get(&t->columns[i].extra, key);
        if (v && v->type == JV_BOOL && v->u.b)
            return &t->columns[i];
    }
    return NULL;
}

/* An instant as dlt writes timestamp literals: 'YYYY-MM-DD HH:MM:SS.ffffff+00:00'. */
static void ts_literal(buf *b, int64_t us)
{
    int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
    if (rem < 0) {
        rem += 86400000000LL;
        days--;
    }
    int64_t y;
    unsigned m, d;
    types_civil_from_days(days, &y, &m, &d);
    int64_t sec = rem / 1000000;
    buf_printf(b, "'%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld+00:00'", (long long)y, m, d,
               (long long)(sec / 3600), (long long)(sec / 60 % 60), (long long)(sec % 60),
               (long long)(rem % 1000000));
}

/* ISO text (or a load id: unix seconds with a fraction) as a literal; false when neither. */
static bool literal_of(buf *b, const char *text)
{
    int64_t us;
    bool tz;
    int32_t days;
    if (types_parse_iso_timestamp(text, strlen(text), &us, &tz)) {
        ts_literal(b, us);
        return true;
    }
    if (types_parse_iso_date(text, strlen(text), &days)) {
        ts_literal(b, (int64_t)days * 86400000000LL);
        return true;
    }
    char *end;
    double secs = strtod(text, &end);
    if (end != text && *end == '\0') {
        ts_literal(b, (int64_t)(secs * 1e6));
        return true;
    }
    return false;
}

/* scd2 (core.md §5.5): retire active versions whose row hash is not staged (within the merge
 * key values of the load), insert staged versions not active yet, nested tables insert-only. */
static cdlt_status scd2(const sqlgen_dialect *dl, const sqlgen_target *tg, const schema *s,
                        const schema_table *root, strv *out, cdlt_error *err)
{
    const schema_column *from = find_extra(root, "x-valid-from"),
                        *to = find_extra(root, "x-valid-to"),
                        *rv = find_extra(root, "x-row-version");
    if (!from || !to)
        return err_set(err, CDLT_SCHEMA, "table '%s': scd2 needs the validity columns "
                                         "(x-valid-from / x-valid-to)", root->name);
    const char *rvn = rv ? rv->name : "_dlt_id";
    buf b = BUF_INIT, boundary = BUF_INIT, active = BUF_INIT, cond = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    const jv *bt = jv_get(&root->extra, "x-boundary-timestamp");
    if (!literal_of(&boundary, bt && bt->type == JV_STRING ? bt->u.s : tg->tag)) {
        rc = err_set(err, CDLT_SCHEMA, "table '%s': boundary_timestamp '%s' is not a timestamp",
                     root->name, bt && bt->type == JV_STRING ? bt->u.s : tg->tag);
        goto out;
    }
    const jv *ar = jv_get(&to->extra, "x-active-record-timestamp");
    bool ar_set = ar && ar->type == JV_STRING && literal_of(&active, ar->u.s);
    /* the active test */
    sqlgen_ident(dl, &cond, to->name);
    if (ar_set)
        buf_printf(&cond, " = %s", buf_cstr(&active));
    else
        buf_puts(&cond, " IS NULL");
    buf_puts(&b, "UPDATE ");
    qtable(dl, &b, tg->dataset, root->name);
    buf_puts(&b, " SET ");
    sqlgen_ident(dl, &b, to->name);
    buf_printf(&b, " = %s WHERE %s AND ", buf_cstr(&boundary), buf_cstr(&cond));
    sqlgen_ident(dl, &b, rvn);
    buf_puts(&b, " NOT IN (SELECT ");
    sqlgen_ident(dl, &b, rvn);
    buf_puts(&b, " FROM ");
    qtable(dl, &b, tg->staging, root->name);
    buf_puts(&b, ")");
    /* merge_key: only partitions present in the load retire their absent records */
    bool first = true;
    for (uint32_t i = 0; i < root->ncolumns; i++) {
        const schema_column *c = &root->columns[i];
        if (!(c->hints & HINT_MERGE_KEY) || !column_is_complete(c))
            continue;
        buf_puts(&b, " AND ");
        sqlgen_ident(dl, &b, c->name);
        buf_puts(&b, " IN (SELECT ");
        sqlgen_ident(dl, &b, c->name);
        buf_puts(&b, " FROM ");
        qtable(dl, &b, tg->staging, root->name);
        buf_puts(&b, ")");
        first = false;
    }
    (void)first;
    if ((rc = add(out, &b, err)) != CDLT_OK)
        goto out;
    /* new versions: staged rows whose hash is not active */
    buf_puts(&b, "INSERT INTO ");
    qtable(dl, &b, tg->dataset, root->name);
    buf_puts(&b, " (");
    bool any = false;
    for (uint32_t i = 0; i < root->ncolumns; i++) {
        const schema_column *c = &root->columns[i];
        if (!column_is_complete(c) || c == from || c == to)
            continue;
        if (any)
            buf_puts(&b, ", ");
        any = true;
        sqlgen_ident(dl, &b, c->name);
    }
    buf_puts(&b, ", ");
    sqlgen_ident(dl, &b, from->name);
    buf_puts(&b, ", ");
    sqlgen_ident(dl, &b, to->name);
    buf_puts(&b, ") SELECT ");
    any = false;
    for (uint32_t i = 0; i < root->ncolumns; i++) {
        const schema_column *c = &root->columns[i];
        if (!column_is_complete(c) || c == from || c == to)
            continue;
        if (any)
            buf_puts(&b, ", ");
        any = true;
        sqlgen_ident(dl, &b, c->name);
    }
    buf_printf(&b, ", %s, %s FROM ", buf_cstr(&boundary), ar_set ? buf_cstr(&active) : "NULL");
    qtable(dl, &b, tg->staging, root->name);
    buf_puts(&b, " AS s WHERE ");
    sqlgen_ident(dl, &b, rvn);
    buf_puts(&b, " NOT IN (SELECT ");
    sqlgen_ident(dl, &b, rvn);
    buf_puts(&b, " FROM ");
    qtable(dl, &b, tg->dataset, root->name);
    buf_printf(&b, " WHERE %s)", buf_cstr(&cond));
    if ((rc = add(out, &b, err)) != CDLT_OK)
        goto out;
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (t == root || !t->seen_data || schema_root_table(s, t) != root)
            continue;
        buf_puts(&b, "INSERT INTO ");
        qtable(dl, &b, tg->dataset, t->name);
        buf_puts(&b, " (");
        col_list(dl, &b, t, NULL);
        buf_puts(&b, ") SELECT ");
        col_list(dl, &b, t, NULL);
        buf_puts(&b, " FROM ");
        qtable(dl, &b, tg->staging, t->name);
        buf_puts(&b, " WHERE \"_dlt_id\" NOT IN (SELECT \"_dlt_id\" FROM ");
        qtable(dl, &b, tg->dataset, t->name);
        buf_puts(&b, ")");
        if ((rc = add(out, &b, err)) != CDLT_OK)
            goto out;
    }
out:
    buf_free(&b);
    buf_free(&boundary);
    buf_free(&active);
    buf_free(&cond);
    return rc;
}

cdlt_status sqlgen_merge(const sqlgen_dialect *dl, const sqlgen_target *tg, const schema *s,
                         const schema_table *root, strv *out, cdlt_error *err)
{
    cdlt_status rc = sqlgen_merge_validate(s, root, err);
    if (rc != CDLT_OK)
        return rc;
    switch (strategy_of(root)) {
    case MS_SCD2:
        return scd2(dl, tg, s, root, out, err);
    case MS_UPSERT:
    case MS_INSERT_ONLY:
        if (!dl->has_merge_into)
            return err_set(err, CDLT_SCHEMA, "table '%s': %s needs MERGE INTO, which %s lacks",
                           root->name, strategy_name(strategy_of(root)), dl->name);
        return upsert(dl, tg, s, root, strategy_of(root) == MS_UPSERT, out, err);
    default:
        return delete_insert(dl, tg, s, root, out, err);
    }
}
