/* test_schema.c: the schema model: dlt defaults of a new schema, tables and columns,
 * incomplete-column merges, default hints and preferred types, contract resolution. */
#include "testutil.h"

#include "schema/schema.h"

#include <stdio.h>

static schema *new_schema(const char *name)
{
    schema *s = NULL;
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_new(name, &s, &err), CDLT_OK);
    assert_non_null(s);
    return s;
}

static void add_col(schema *s, schema_table *t, const char *name, dtype type, bool hints)
{
    schema_column c = schema_column_init(name, type);
    if (hints)
        assert_int_equal(schema_apply_default_hints(s, &c), CDLT_OK);
    assert_int_equal(table_add_column(s, t, &c, NULL, NULL), CDLT_OK);
}

static void test_defaults(void **state)
{
    (void)state;
    schema *s = new_schema("defaults");
    assert_string_equal(s->name, "defaults");
    assert_int_equal(s->naming.kind, NAMING_SNAKE_CASE);
    assert_int_equal(s->naming.max_length, 0);
    assert_string_equal(s->naming.separator, "__");
    assert_int_equal(s->detections, DETECT_ISO_TIMESTAMP);
    assert_int_equal(s->max_nesting, 1000);
    assert_true(s->use_break_path_on_normalize);
    assert_int_equal(s->version, 0);
    assert_null(s->version_hash);
    assert_int_equal(s->ndefault_hints, 9);
    assert_string_equal(s->default_hints[0].hint, "not_null");
    assert_string_equal(s->default_hints[0].pattern, "_dlt_id");

    assert_int_equal(s->ntables, 2);
    schema_table *v = schema_get_table(s, "_dlt_version");
    schema_table *l = schema_get_table(s, "_dlt_loads");
    assert_non_null(v);
    assert_non_null(l);
    assert_ptr_equal(s->tables[0], v);
    assert_int_equal(v->disposition, WD_SKIP);
    assert_int_equal(l->disposition, WD_SKIP);
    assert_string_equal(v->resource, "_dlt_version");
    assert_string_equal(v->description, "Created by DLT. Tracks schema updates");
    assert_string_equal(l->description, "Created by DLT. Tracks completed loads");
    const char *vcols[] = {"version", "engine_version", "inserted_at", "schema_name",
                           "version_hash", "schema"};
    assert_int_equal(v->ncolumns, 6);
    for (int i = 0; i < 6; i++) {
        assert_string_equal(v->columns[i].name, vcols[i]);
        assert_false(v->columns[i].nullable);
    }
    assert_int_equal(v->columns[2].type, DT_TIMESTAMP);
    const char *lcols[] = {"load_id", "schema_name", "status", "inserted_at",
                           "schema_version_hash"};
    const bool lnull[] = {false, true, false, false, true};
    assert_int_equal(l->ncolumns, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(l->columns[i].name, lcols[i]);
        assert_int_equal(l->columns[i].nullable, lnull[i]);
    }
    assert_true(schema_is_dlt_table("_dlt_loads"));
    assert_true(schema_is_dlt_table("_dlt_pipeline_state"));
    assert_false(schema_is_dlt_table("_dlt_other"));

    schema_table *ps = NULL;
    assert_int_equal(schema_add_pipeline_state_table(s, false, &ps, NULL), CDLT_OK);
    assert_int_equal(ps->ncolumns, 7);
    assert_int_equal(ps->disposition, WD_APPEND);
    assert_string_equal(ps->file_format, "preferred");
    assert_string_equal(ps->resource, "_dlt_pipeline_state");
    assert_int_equal(schema_add_pipeline_state_table(s, true, &ps, NULL), CDLT_OK);
    assert_int_equal(ps->ncolumns, 8);
    const schema_column *id = table_get_column(ps, "_dlt_id", 7);
    assert_non_null(id);
    assert_false(id->nullable);
    assert_int_equal(id->hints, HINT_UNIQUE | HINT_ROW_KEY);
    assert_false(ps->columns[5].type == DT_NONE);
    assert_true(ps->columns[5].nullable); /* version_hash */
    schema_free(s);

    cdlt_error err;
    memset(&err, 0, sizeof err);
    schema *bad = (schema *)1;
    assert_int_equal(schema_new("", &bad, &err), CDLT_INVALID_ARG);
    assert_null(bad);
    schema_free(NULL);
}

static void test_tables_columns(void **state)
{
    (void)state;
    schema *s = new_schema("t");
    schema_table *t = NULL, *n = NULL, *n2 = NULL, *again = NULL;
    assert_int_equal(schema_add_table(s, "items", NULL, &t, NULL), CDLT_OK);
    assert_int_equal(t->disposition, WD_APPEND);
    assert_string_equal(t->resource, "items");
    assert_int_equal(schema_add_table(s, "items", NULL, &again, NULL), CDLT_OK);
    assert_ptr_equal(t, again);
    assert_ptr_equal(schema_get_table_n(s, "itemsXYZ", 5), t);
    assert_null(schema_get_table_n(s, "item", 4));
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_add_table(s, "x__y", "nope", &n, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "nope"));
    assert_int_equal(schema_add_table(s, "items__a", "items", &n, NULL), CDLT_OK);
    assert_int_equal(schema_add_table(s, "items__a__b", "items__a", &n2, NULL), CDLT_OK);
    assert_int_equal(n->disposition, WD_UNSET);
    assert_null(n->resource);
    assert_ptr_equal(schema_root_table(s, n2), t);
    assert_ptr_equal(schema_root_table(s, t), t);
    t->disposition = WD_MERGE;
    assert_int_equal(schema_table_disposition(s, n2), WD_MERGE);

    /* many columns keep order and stay findable across array growth */
    char name[32];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "c%d", i);
        uint32_t idx = 0;
        schema_column c = schema_column_init(name, DT_BIGINT);
        assert_int_equal(table_add_column(s, t, &c, &idx, NULL), CDLT_OK);
        assert_int_equal(idx, (uint32_t)i);
    }
    assert_int_equal(t->ncolumns, 100);
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "c%d", i);
        assert_string_equal(t->columns[i].name, name);
        assert_int_equal(table_column_index(t, name, strlen(name)), i);
    }
    /* the name is copied */
    char tmp[8] = "tmpcol";
    schema_column c = schema_column_init(tmp, DT_TEXT);
    assert_int_equal(table_add_column(s, t, &c, NULL, NULL), CDLT_OK);
    tmp[0] = 'X';
    assert_non_null(table_get_column(t, "tmpcol", 6));
    /* duplicates are refused and report the existing index */
    uint32_t idx = 999;
    c = schema_column_init("c5", DT_TEXT);
    assert_int_equal(table_add_column(s, t, &c, &idx, NULL), CDLT_EXISTS);
    assert_int_equal(idx, 5);
    schema_free(s);
}

static void test_incomplete_merge(void **state)
{
    (void)state;
    schema *s = new_schema("m");
    schema_table *t = NULL;
    assert_int_equal(schema_add_table(s, "t", NULL, &t, NULL), CDLT_OK);
    /* hint-only column declared first (like primary_key=... in a resource) */
    schema_column pk = schema_column_init("id", DT_NONE);
    pk.hints = HINT_PRIMARY_KEY;
    pk.nullable = false;
    assert_int_equal(table_add_column(s, t, &pk, NULL, NULL), CDLT_OK);
    schema_column d = schema_column_init("d", DT_NONE);
    d.precision = 10;
    d.scale = 2;
    assert_int_equal(table_add_column(s, t, &d, NULL, NULL), CDLT_OK);
    assert_true(table_is_new(t));
    add_col(s, t, "v", DT_TEXT, false);
    assert_false(table_is_new(t));
    uint32_t mark = schema_mark(s);

    /* data arrives for id: inferred bigint, nullable; explicit values win, moved to the end */
    schema_column inf = schema_column_init("id", DT_BIGINT);
    uint32_t idx = 0;
    assert_int_equal(schema_merge_column(s, t, "id", 2, &inf, &idx, NULL), CDLT_OK);
    assert_int_equal(idx, 2);
    assert_string_equal(t->columns[0].name, "d");
    assert_string_equal(t->columns[1].name, "v");
    assert_string_equal(t->columns[2].name, "id");
    const schema_column *id = table_get_column(t, "id", 2);
    assert_ptr_equal(id, &t->columns[2]);
    assert_int_equal(id->type, DT_BIGINT);
    assert_false(id->nullable);
    assert_int_equal(id->hints, HINT_PRIMARY_KEY);
    assert_int_equal(table_column_index(t, "d", 1), 0);
    assert_int_equal(table_column_index(t, "v", 1), 1);
    assert_true(id->seq > mark);

    /* incomplete decimal gets an inferred type but keeps its precision/scale */
    inf = schema_column_init("d", DT_DOUBLE);
    inf.precision = 5;
    assert_int_equal(schema_merge_column(s, t, "d", 1, &inf, &idx, NULL), CDLT_OK);
    assert_int_equal(idx, 2);
    assert_int_equal(t->columns[2].type, DT_DOUBLE);
    assert_int_equal(t->columns[2].precision, 10);
    assert_int_equal(t->columns[2].scale, 2);

    /* a complete column is not moved and keeps its type */
    inf = schema_column_init("v", DT_BIGINT);
    inf.hints = HINT_UNIQUE;
    assert_int_equal(schema_merge_column(s, t, "v", 1, &inf, &idx, NULL), CDLT_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(t->columns[0].type, DT_TEXT);
    assert_int_equal(t->columns[0].hints, HINT_UNIQUE);

    /* an absent column is appended */
    inf = schema_column_init("ignored", DT_BOOL);
    assert_int_equal(schema_merge_column(s, t, "new", 3, &inf, &idx, NULL), CDLT_OK);
    assert_int_equal(idx, 3);
    assert_string_equal(t->columns[3].name, "new");
    schema_free(s);
}

static void test_hints_and_types(void **state)
{
    (void)state;
    schema *s = new_schema("h");
    schema_column c = schema_column_init("_dlt_id", DT_TEXT);
    schema_apply_default_hints(s, &c);
    assert_false(c.nullable);
    assert_int_equal(c.hints, HINT_UNIQUE | HINT_ROW_KEY);
    c = schema_column_init("_dlt_parent_id", DT_TEXT);
    schema_apply_default_hints(s, &c);
    assert_false(c.nullable);
    assert_int_equal(c.hints, HINT_PARENT_KEY);
    c = schema_column_init("_dlt_root_id", DT_TEXT);
    schema_apply_default_hints(s, &c);
    assert_int_equal(c.hints, HINT_ROOT_KEY);
    /* exact names do not match as substrings */
    c = schema_column_init("x_dlt_id", DT_TEXT);
    schema_apply_default_hints(s, &c);
    assert_true(c.nullable);
    assert_int_equal(c.hints, 0);

    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_add_default_hint(s, "partition", "re:_at$", &err), CDLT_OK);
    assert_int_equal(schema_add_default_hint(s, "not_null", "re:^pk_", &err), CDLT_OK);
    assert_int_equal(schema_add_default_hint(s, "cluster", "re:\\d{4}", &err), CDLT_OK);
    c = schema_column_init("created_at", DT_TIMESTAMP);
    schema_apply_default_hints(s, &c);
    assert_int_equal(c.hints, HINT_PARTITION);
    assert_true(c.nullable);
    c = schema_column_init("pk_x", DT_TEXT);
    schema_apply_default_hints(s, &c);
    assert_false(c.nullable);
    c = schema_column_init("y2024", DT_TEXT);
    schema_apply_default_hints(s, &c);
    assert_int_equal(c.hints, HINT_CLUSTER);
    assert_true(schema_hint_matches(s, "partition", "updated_at", 10));
    /* Python syntax we translate */
    assert_true(schema_pattern_matches(s, "re:^(?:id|pk)$", "pk", 2));
    assert_false(schema_pattern_matches(s, "re:^(?:id|pk)$", "pkx", 3));
    assert_true(schema_pattern_matches(s, "re:(?i)^ID$", "id", 2));
    assert_false(schema_add_preferred_type(s, "re:a(?=b)", DT_TEXT, NULL) == CDLT_OK);
    /* search semantics: unanchored */
    assert_true(schema_pattern_matches(s, "re:dat", "updated_at", 10));
    /* length-bounded match (no NUL needed) */
    assert_true(schema_pattern_matches(s, "re:_at$", "updated_at_x", 10));
    assert_false(schema_pattern_matches(s, "re:_at$", "updated_at_x", 12));

    assert_int_equal(schema_preferred_type(s, "ts", 2), DT_NONE);
    assert_int_equal(schema_add_preferred_type(s, "re:^ts_", DT_TIMESTAMP, &err), CDLT_OK);
    assert_int_equal(schema_add_preferred_type(s, "amount", DT_DECIMAL, &err), CDLT_OK);
    assert_int_equal(schema_preferred_type(s, "ts_created", 10), DT_TIMESTAMP);
    assert_int_equal(schema_preferred_type(s, "my_ts_x", 7), DT_NONE);
    assert_int_equal(schema_preferred_type(s, "amount", 6), DT_DECIMAL);
    assert_int_equal(schema_preferred_type(s, "amounts", 7), DT_NONE);
    /* same pattern again replaces (dict semantics) */
    assert_int_equal(schema_add_preferred_type(s, "amount", DT_DOUBLE, &err), CDLT_OK);
    assert_int_equal(s->npreferred_types, 2);
    assert_int_equal(schema_preferred_type(s, "amount", 6), DT_DOUBLE);

    /* a bad regex is reported with the pattern */
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_add_preferred_type(s, "re:([a-", DT_TEXT, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "re:([a-"));
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_add_default_hint(s, "unique", "re:([a-", &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "invalid regex"));
    assert_int_equal(s->npreferred_types, 2);
    /* duplicate hint rules are merged */
    uint32_t n = s->ndefault_hints;
    assert_int_equal(schema_add_default_hint(s, "unique", "_dlt_id", NULL), CDLT_OK);
    assert_int_equal(s->ndefault_hints, n);
    schema_free(s);
}

static void test_contracts(void **state)
{
    (void)state;
    schema *s = new_schema("c");
    schema_table *r = NULL, *n = NULL, *other = NULL;
    schema_add_table(s, "r", NULL, &r, NULL);
    schema_add_table(s, "r__n", "r", &n, NULL);
    schema_add_table(s, "o", NULL, &other, NULL);

    schema_contract c = schema_resolve_contract(s, n, NULL);
    assert_int_equal(c.tables, CM_EVOLVE);
    assert_int_equal(c.columns, CM_EVOLVE);
    assert_int_equal(c.data_type, CM_EVOLVE);
    c = schema_resolve_contract(s, NULL, NULL);
    assert_int_equal(c.tables, CM_EVOLVE);

    /* schema settings */
    arena a;
    arena_init(&a, 1024, 0);
    jv str = jv_str(&a, "freeze", 6);
    assert_int_equal(schema_contract_from_jv(&str, &s->contract, NULL), CDLT_OK);
    c = schema_resolve_contract(s, other, NULL);
    assert_int_equal(c.tables, CM_FREEZE);
    assert_int_equal(c.columns, CM_FREEZE);
    assert_int_equal(c.data_type, CM_FREEZE);

    /* table contract on the root wins as a whole; nested inherit; missing entities evolve */
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    jv_builder_set(&b, &a, "columns", 7, jv_str(&a, "discard_row", 11));
    assert_int_equal(schema_contract_from_jv(&b.value, &r->contract, NULL), CDLT_OK);
    c = schema_resolve_contract(s, n, NULL);
    assert_int_equal(c.tables, CM_EVOLVE);
    assert_int_equal(c.columns, CM_DISCARD_ROW);
    assert_int_equal(c.data_type, CM_EVOLVE);
    c = schema_resolve_contract(s, other, NULL);
    assert_int_equal(c.columns, CM_FREEZE);

    /* run-level override beats everything */
    schema_contract ov = {CM_UNSET, CM_UNSET, CM_DISCARD_VALUE};
    c = schema_resolve_contract(s, n, &ov);
    assert_int_equal(c.tables, CM_EVOLVE);
    assert_int_equal(c.columns, CM_EVOLVE);
    assert_int_equal(c.data_type, CM_DISCARD_VALUE);
    schema_contract none = {CM_UNSET, CM_UNSET, CM_UNSET};
    c = schema_resolve_contract(s, n, &none);
    assert_int_equal(c.columns, CM_DISCARD_ROW);

    /* printing back */
    jv out;
    assert_int_equal(schema_contract_to_jv(&s->contract, &a, &out), CDLT_OK);
    assert_int_equal(out.type, JV_STRING);
    assert_string_equal(out.u.s, "freeze");
    assert_int_equal(schema_contract_to_jv(&r->contract, &a, &out), CDLT_OK);
    assert_int_equal(out.type, JV_OBJECT);
    assert_int_equal(out.len, 1);
    assert_string_equal(out.u.members[0].key, "columns");
    assert_string_equal(out.u.members[0].value.u.s, "discard_row");
    assert_int_equal(schema_contract_to_jv(&other->contract, &a, &out), CDLT_OK);
    assert_int_equal(out.type, JV_NULL);

    /* bad input */
    cdlt_error err;
    memset(&err, 0, sizeof err);
    jv badm = jv_str(&a, "grow", 4);
    schema_contract tmp;
    assert_int_equal(schema_contract_from_jv(&badm, &tmp, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "discard_value"));
    jv_builder_init(&b, JV_OBJECT);
    jv_builder_set(&b, &a, "rows", 4, jv_str(&a, "freeze", 6));
    assert_int_equal(schema_contract_from_jv(&b.value, &tmp, &err), CDLT_SCHEMA);
    assert_int_equal(contract_mode_parse("discard_value", 13), CM_DISCARD_VALUE);
    assert_string_equal(contract_mode_name(CM_EVOLVE), "evolve");
    arena_free(&a);
    schema_free(s);
}

static cdlt_status build_schema(void *ud)
{
    (void)ud;
    schema *s = NULL;
    cdlt_status st = schema_new("sweep", &s, NULL);
    if (st != CDLT_OK)
        return st;
    schema_table *t = NULL, *n = NULL;
    st = schema_add_table(s, "users", NULL, &t, NULL);
    if (st == CDLT_OK)
        st = schema_add_table(s, "users__tags", "users", &n, NULL);
    for (int i = 0; i < 20 && st == CDLT_OK; i++) {
        char name[16];
        snprintf(name, sizeof name, "col_%d", i);
        schema_column c = schema_column_init(name, i % 3 ? DT_TEXT : DT_NONE);
        st = table_add_column(s, t, &c, NULL, NULL);
    }
    if (st == CDLT_OK) {
        schema_column inf = schema_column_init("col_0", DT_BIGINT);
        st = schema_merge_column(s, t, "col_0", 5, &inf, NULL, NULL);
    }
    if (st == CDLT_OK)
        st = schema_add_preferred_type(s, "re:^ts_", DT_TIMESTAMP, NULL);
    if (st == CDLT_OK)
        st = schema_add_pipeline_state_table(s, true, NULL, NULL);
    schema_free(s);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    int points = tu_alloc_failure_sweep(build_schema, NULL, 5000);
    assert_true(points > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_tables_columns),
        cmocka_unit_test(test_incomplete_merge),
        cmocka_unit_test(test_hints_and_types),
        cmocka_unit_test(test_contracts),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
