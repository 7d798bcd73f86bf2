/* test_merge.c: dlt's merge strategies on real DuckDB files over two or three runs, final
 * tables compared with hand-checked rows (random ids aside): delete-insert with nested lists
 * and hard deletes, duplicate keys with dedup_sort, merge_key partitions, no keys (append),
 * schema evolution between runs, upsert with a shrinking nested list, insert-only; and the
 * validation errors at load start (issue 11). Old main loaded every merge as an append. */
#include "ptest.h"

typedef struct mopt {
    const char *strategy;  /* NULL = default */
    const char *pk;        /* primary key column or NULL */
    const char *mk;        /* merge key column or NULL */
    const char *hard;      /* hard_delete column or NULL */
    const char *hard_type; /* its data_type */
    const char *dedup;     /* dedup_sort column or NULL */
    const char *dedup_dir; /* "asc" / "desc" */
    const char *hard2;     /* a second hard_delete column (refused) */
    const char *dedup2;    /* a second dedup_sort column (refused) */
    bool deduplicated;     /* dlt's write_disposition deduplicated = true */
} mopt;

static cdlt_status run_merge(pt_env *e, const char *name, const char *rows, const mopt *m,
                             cdlt_error *err)
{
    char input[1200];
    snprintf(input, sizeof input, "%s/%s.jsonl", e->dir, name);
    assert_int_equal(tu_write_file(input, rows, strlen(rows)), 0);
    cdlt_pipeline *p = pt_open(e, name);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error_clear(err);
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", input, &r, err), CDLT_OK);
    assert_int_equal(cdlt_resource_set_write_disposition(r, CDLT_WD_MERGE), CDLT_OK);
    if (m->strategy)
        assert_int_equal(cdlt_resource_set_merge_strategy(r, m->strategy), CDLT_OK);
    if (m->pk)
        assert_int_equal(cdlt_resource_set_primary_key(r, &m->pk, 1), CDLT_OK);
    if (m->mk)
        assert_int_equal(cdlt_resource_set_merge_key(r, &m->mk, 1), CDLT_OK);
    if (m->hard) {
        assert_int_equal(cdlt_resource_add_column(r, m->hard, m->hard_type, true), CDLT_OK);
        assert_int_equal(cdlt_resource_set_column_hint(r, m->hard, "hard_delete", "true"),
                         CDLT_OK);
    }
    if (m->dedup)
        assert_int_equal(cdlt_resource_set_column_hint(r, m->dedup, "dedup_sort", m->dedup_dir),
                         CDLT_OK);
    if (m->deduplicated)
        assert_int_equal(cdlt_resource_set_merge_deduplicated(r, true), CDLT_OK);
    if (m->hard2)
        assert_int_equal(cdlt_resource_set_column_hint(r, m->hard2, "hard_delete", "true"),
                         CDLT_OK);
    if (m->dedup2)
        assert_int_equal(cdlt_resource_set_column_hint(r, m->dedup2, "dedup_sort", "desc"),
                         CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run %s: %s\n", name, err->message);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc;
}

static void expect(const pt_env *e, const char *sql, const char *want)
{
    char *got = pt_query_text(e->db, sql);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s\n  got:  %s\n  want: %s", sql, got ? got : "(null)", want);
    free(got);
}

#define ROOT_ROWS "SELECT string_agg(id || ':' || coalesce(name, '-'), ',' ORDER BY id) FROM ds.items"
#define TAG_ROWS                                                                                \
    "SELECT string_agg(i.id || ':' || t.value, ',' ORDER BY i.id, t._dlt_list_idx) FROM "      \
    "ds.items__tags t JOIN ds.items i ON t._dlt_root_id = i._dlt_id"

/* insert, then update (a list shrinks) and hard delete, then re-insert a deleted key */
static void test_delete_insert_nested_hard_delete(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-di");
    cdlt_error err;
    mopt m = {.pk = "id", .hard = "deleted", .hard_type = "bool"};
    assert_int_equal(run_merge(e, "di",
                               "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\",\"y\"]}\n"
                               "{\"id\":2,\"name\":\"b\",\"tags\":[\"z\"]}\n"
                               "{\"id\":3,\"name\":\"c\"}\n",
                               &m, &err),
                     CDLT_OK);
    expect(e, ROOT_ROWS, "1:a,2:b,3:c");
    expect(e, TAG_ROWS, "1:x,1:y,2:z");
    assert_int_equal(run_merge(e, "di",
                               "{\"id\":1,\"name\":\"a2\",\"tags\":[\"x\"]}\n"
                               "{\"id\":2,\"deleted\":true}\n"
                               "{\"id\":4,\"name\":\"d\",\"tags\":[\"q\"]}\n",
                               &m, &err),
                     CDLT_OK);
    expect(e, ROOT_ROWS, "1:a2,3:c,4:d");
    expect(e, TAG_ROWS, "1:x,4:q");
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 2); /* no orphans */
    assert_int_equal(run_merge(e, "di", "{\"id\":2,\"name\":\"b3\",\"deleted\":false}\n", &m, &err),
                     CDLT_OK);
    expect(e, ROOT_ROWS, "1:a2,2:b3,3:c,4:d");
    assert_int_equal(pt_count(e->db, "ds", "_dlt_loads"), 3);
    pt_env_free(e);
}

/* duplicate keys in one load: dedup_sort picks the survivor; without it one row per key */
static void test_dedup_sort(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-dedup");
    cdlt_error err;
    const char *rows = "{\"id\":1,\"v\":1,\"name\":\"one\"}\n{\"id\":1,\"v\":3,\"name\":\"three\"}\n"
                       "{\"id\":1,\"v\":2,\"name\":\"two\"}\n{\"id\":2,\"v\":1,\"name\":\"x\"}\n";
    mopt m = {.pk = "id", .dedup = "v", .dedup_dir = "desc"};
    assert_int_equal(run_merge(e, "dd", rows, &m, &err), CDLT_OK);
    expect(e, ROOT_ROWS, "1:three,2:x");
    m.dedup_dir = "asc";
    assert_int_equal(run_merge(e, "dd", rows, &m, &err), CDLT_OK);
    expect(e, ROOT_ROWS, "1:one,2:x");
    /* deduplicated = true (dlt): the staged rows are taken as they are, so the source's
     * duplicates all replace the key's rows */
    m.deduplicated = true;
    assert_int_equal(run_merge(e, "dd", rows, &m, &err), CDLT_OK);
    expect(e, "SELECT string_agg(id || ':' || name, ',' ORDER BY id, v) FROM ds.items",
           "1:one,1:two,1:three,2:x");
    pt_env_free(e);
}

/* merge_key only: every row of a partition present in the load is replaced */
static void test_merge_key_partitions(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-mk");
    cdlt_error err;
    mopt m = {.mk = "day"};
    assert_int_equal(run_merge(e, "mk",
                               "{\"id\":1,\"day\":\"d1\",\"name\":\"a\"}\n"
                               "{\"id\":2,\"day\":\"d1\",\"name\":\"b\"}\n"
                               "{\"id\":3,\"day\":\"d2\",\"name\":\"c\"}\n",
                               &m, &err),
                     CDLT_OK);
    assert_int_equal(run_merge(e, "mk", "{\"id\":4,\"day\":\"d1\",\"name\":\"e\"}\n", &m, &err),
                     CDLT_OK);
    expect(e, ROOT_ROWS, "3:c,4:e");
    pt_env_free(e);
}

/* no keys: merge behaves as append (through staging) */
static void test_no_keys_appends(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-nokeys");
    cdlt_error err;
    mopt m = {0};
    const char *rows = "{\"id\":1,\"name\":\"a\",\"tags\":[\"t\"]}\n";
    assert_int_equal(run_merge(e, "nk", rows, &m, &err), CDLT_OK);
    assert_int_equal(run_merge(e, "nk", rows, &m, &err), CDLT_OK);
    assert_int_equal(pt_count(e->db, "ds", "items"), 2);
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 2);
    pt_env_free(e);
}

/* a new column in run 2; a type change gives a variant column */
static void test_schema_evolution(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-evo");
    cdlt_error err;
    mopt m = {.pk = "id"};
    assert_int_equal(run_merge(e, "ev", "{\"id\":1,\"name\":\"a\",\"n\":1}\n", &m, &err), CDLT_OK);
    assert_int_equal(run_merge(e, "ev",
                               "{\"id\":1,\"name\":\"a2\",\"n\":\"text\",\"extra\":true}\n"
                               "{\"id\":2,\"name\":\"b\",\"n\":5}\n",
                               &m, &err),
                     CDLT_OK);
    expect(e, ROOT_ROWS, "1:a2,2:b");
    expect(e, "SELECT string_agg(coalesce(CAST(n AS VARCHAR), '-') || '/' || "
              "coalesce(n__v_text, '-') || '/' || coalesce(CAST(extra AS VARCHAR), '-'), ',' "
              "ORDER BY id) FROM ds.items",
           "-/text/true,5/-/-");
    pt_env_free(e);
}

/* upsert: root rows updated in place (key-hash _dlt_id), nested rows of an updated root that
 * are gone are deleted, hard deletes remove root and children; insert-only keeps the first */
static void test_upsert_and_insert_only(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-up");
    cdlt_error err;
    mopt m = {.strategy = "upsert", .pk = "id", .hard = "gone", .hard_type = "text"};
    assert_int_equal(run_merge(e, "up",
                               "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\",\"y\",\"w\"]}\n"
                               "{\"id\":2,\"name\":\"b\",\"tags\":[\"z\"]}\n",
                               &m, &err),
                     CDLT_OK);
    char *id1 = pt_query_text(e->db, "SELECT _dlt_id FROM ds.items WHERE id = 1");
    assert_int_equal(run_merge(e, "up",
                               "{\"id\":1,\"name\":\"a2\",\"tags\":[\"x\"]}\n"
                               "{\"id\":2,\"gone\":\"yes\"}\n{\"id\":3,\"name\":\"c\"}\n",
                               &m, &err),
                     CDLT_OK);
    expect(e, ROOT_ROWS, "1:a2,3:c");
    expect(e, TAG_ROWS, "1:x");
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 1);
    char *id1b = pt_query_text(e->db, "SELECT _dlt_id FROM ds.items WHERE id = 1");
    assert_string_equal(id1, id1b); /* the deterministic key hash */
    free(id1);
    free(id1b);
    pt_env_free(e);

    e = pt_env_new("merge-io");
    mopt io = {.strategy = "insert-only", .pk = "id"};
    assert_int_equal(run_merge(e, "io", "{\"id\":1,\"name\":\"a\"}\n", &io, &err), CDLT_OK);
    assert_int_equal(run_merge(e, "io", "{\"id\":1,\"name\":\"a2\"}\n{\"id\":2,\"name\":\"b\"}\n",
                               &io, &err),
                     CDLT_OK);
    expect(e, ROOT_ROWS, "1:a,2:b");
    pt_env_free(e);
}

/* scd2 over three runs with fixed boundaries: unchanged, changed, vanished and re-appearing
 * records; nested rows insert-only; then active_record_timestamp and merge_key scoping */
static cdlt_status run_scd2_hd(pt_env *e, const char *name, const char *rows,
                               const char *boundary, const char *active, const char *mk,
                               const char *hard, cdlt_error *err)
{
    char input[1200];
    snprintf(input, sizeof input, "%s/%s.jsonl", e->dir, name);
    assert_int_equal(tu_write_file(input, rows, strlen(rows)), 0);
    cdlt_pipeline *p = pt_open(e, name);
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error_clear(err);
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("items", input, &r, err), CDLT_OK);
    assert_int_equal(cdlt_resource_set_write_disposition(r, CDLT_WD_MERGE), CDLT_OK);
    assert_int_equal(cdlt_resource_set_scd2(r, NULL, NULL, active, boundary, NULL), CDLT_OK);
    if (mk)
        assert_int_equal(cdlt_resource_set_merge_key(r, &mk, 1), CDLT_OK);
    if (hard) {
        assert_int_equal(cdlt_resource_add_column(r, hard, "bool", true), CDLT_OK);
        assert_int_equal(cdlt_resource_set_column_hint(r, hard, "hard_delete", "true"), CDLT_OK);
    }
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run %s: %s\n", name, err->message);
    cdlt_source_free(s);
    cdlt_pipeline_free(p);
    return rc;
}

static cdlt_status run_scd2(pt_env *e, const char *name, const char *rows, const char *boundary,
                            const char *active, const char *mk, cdlt_error *err)
{
    return run_scd2_hd(e, name, rows, boundary, active, mk, NULL, err);
}

#define SCD2_ROWS                                                                               \
    "SELECT string_agg(id || ':' || name || ':' || strftime(_dlt_valid_from, '%Y-%m-%d') || "  \
    "':' || coalesce(strftime(_dlt_valid_to, '%Y-%m-%d'), '-'), ',' ORDER BY id, "            \
    "_dlt_valid_from) FROM ds.items"

static void test_scd2(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-scd2");
    cdlt_error err;
    assert_int_equal(run_scd2(e, "s",
                              "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"]}\n"
                              "{\"id\":2,\"name\":\"b\"}\n{\"id\":3,\"name\":\"c\"}\n",
                              "2024-01-01T00:00:00Z", NULL, NULL, &err),
                     CDLT_OK);
    assert_int_equal(run_scd2(e, "s",
                              "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"]}\n"
                              "{\"id\":2,\"name\":\"b2\"}\n{\"id\":4,\"name\":\"d\"}\n",
                              "2024-02-01T00:00:00Z", NULL, NULL, &err),
                     CDLT_OK);
    assert_int_equal(run_scd2(e, "s",
                              "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"]}\n"
                              "{\"id\":2,\"name\":\"b2\"}\n{\"id\":3,\"name\":\"c\"}\n"
                              "{\"id\":4,\"name\":\"d\"}\n",
                              "2024-03-01T00:00:00Z", NULL, NULL, &err),
                     CDLT_OK);
    expect(e, SCD2_ROWS,
           "1:a:2024-01-01:-,2:b:2024-01-01:2024-02-01,2:b2:2024-02-01:-,"
           "3:c:2024-01-01:2024-02-01,3:c:2024-03-01:-,4:d:2024-02-01:-");
    assert_int_equal(pt_count(e->db, "ds", "items__tags"), 1); /* unchanged child: once */
    pt_env_free(e);

    /* active records marked by a far-future valid_to */
    e = pt_env_new("merge-scd2-ar");
    assert_int_equal(run_scd2(e, "a", "{\"id\":1,\"name\":\"a\"}\n", "2024-01-01", "9999-12-31",
                              NULL, &err),
                     CDLT_OK);
    assert_int_equal(run_scd2(e, "a", "{\"id\":1,\"name\":\"a2\"}\n", "2024-02-01",
                              "9999-12-31", NULL, &err),
                     CDLT_OK);
    expect(e, SCD2_ROWS, "1:a:2024-01-01:2024-02-01,1:a2:2024-02-01:9999-12-31");
    pt_env_free(e);

    /* merge_key: only partitions in the load retire their absent records */
    e = pt_env_new("merge-scd2-mk");
    assert_int_equal(run_scd2(e, "m",
                              "{\"id\":1,\"day\":\"d1\",\"name\":\"a\"}\n"
                              "{\"id\":2,\"day\":\"d2\",\"name\":\"b\"}\n",
                              "2024-01-01", NULL, "day", &err),
                     CDLT_OK);
    assert_int_equal(run_scd2(e, "m", "{\"id\":3,\"day\":\"d1\",\"name\":\"c\"}\n",
                              "2024-02-01", NULL, "day", &err),
                     CDLT_OK);
    expect(e, SCD2_ROWS, "1:a:2024-01-01:2024-02-01,2:b:2024-01-01:-,3:c:2024-02-01:-");
    pt_env_free(e);

    /* hard_delete: dlt 1.26's scd2 ignores the hint (checked on PostgreSQL), the flag is an
     * ordinary column, so a row marked deleted is a new active version */
    e = pt_env_new("merge-scd2-hd");
    assert_int_equal(run_scd2_hd(e, "h",
                                 "{\"id\":1,\"name\":\"a\",\"del\":false}\n"
                                 "{\"id\":2,\"name\":\"b\",\"del\":false}\n",
                                 "2024-01-01", NULL, NULL, "del", &err),
                     CDLT_OK);
    assert_int_equal(run_scd2_hd(e, "h",
                                 "{\"id\":1,\"name\":\"a\",\"del\":true}\n"
                                 "{\"id\":2,\"name\":\"b\",\"del\":false}\n",
                                 "2024-02-01", NULL, NULL, "del", &err),
                     CDLT_OK);
    expect(e,
           "SELECT string_agg(id || ':' || del || ':' || strftime(_dlt_valid_from, '%Y-%m-%d') "
           "|| ':' || coalesce(strftime(_dlt_valid_to, '%Y-%m-%d'), '-'), ',' ORDER BY id, "
           "_dlt_valid_from) FROM ds.items",
           "1:false:2024-01-01:2024-02-01,1:true:2024-02-01:-,2:false:2024-01-01:-");
    pt_env_free(e);
}

/* refused at load start, nothing written to the final tables */
static void test_validation(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("merge-val");
    cdlt_error err;
    mopt up = {.strategy = "upsert"};
    assert_int_equal(run_merge(e, "v1", "{\"id\":1}\n", &up, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "needs a primary key"));
    assert_non_null(strstr(err.message, "'items'"));
    assert_int_equal(pt_count(e->db, "ds", "items"), -1);
    mopt hd2 = {.pk = "id", .hard = "del", .hard_type = "bool", .hard2 = "gone"};
    assert_int_equal(run_merge(e, "v2", "{\"id\":1,\"gone\":1}\n", &hd2, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "more than one column has the hard_delete hint"));
    assert_non_null(strstr(err.message, "'items'"));
    assert_int_equal(pt_count(e->db, "ds", "items"), -1);
    mopt ds2 = {.pk = "id", .dedup = "a", .dedup_dir = "asc", .dedup2 = "b"};
    assert_int_equal(run_merge(e, "v4", "{\"id\":1,\"a\":1,\"b\":2}\n", &ds2, &err),
                     CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "more than one column has the dedup_sort hint"));
    mopt badkey = {.pk = "nosuch"};
    assert_int_equal(run_merge(e, "v3", "{\"id\":1}\n", &badkey, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "nosuch"));
    cdlt_resource *r = NULL;
    assert_int_equal(cdlt_file_resource_open("x", "x.jsonl", &r, &err), CDLT_OK);
    assert_int_equal(cdlt_resource_set_merge_strategy(r, "sideways"), CDLT_INVALID_ARG);
    assert_int_equal(cdlt_resource_set_column_hint(r, "c", "dedup_sort", "up"), CDLT_INVALID_ARG);
    cdlt_resource_free(r);
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delete_insert_nested_hard_delete),
        cmocka_unit_test(test_dedup_sort),
        cmocka_unit_test(test_merge_key_partitions),
        cmocka_unit_test(test_no_keys_appends),
        cmocka_unit_test(test_schema_evolution),
        cmocka_unit_test(test_upsert_and_insert_only),
        cmocka_unit_test(test_scd2),
        cmocka_unit_test(test_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
