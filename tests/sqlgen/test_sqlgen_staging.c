/* test_sqlgen_staging.c: the table-maintenance text of each dialect, exactly: truncate (TRUNCATE
 * in postgres, DELETE ... WHERE 1=1 in duckdb as dlt's capabilities say), DROP TABLE (CASCADE
 * in postgres), insert-from-staging's copy (complete columns only), staging-optimized's swap
 * and the removal of an interrupted load's rows along the nested-table chain. */
#include "testutil.h"

#include "sqlgen/sqlgen.h"

#include <string.h>

static void test_truncate_drop(void **st)
{
    (void)st;
    buf b = BUF_INIT;
    assert_int_equal(sqlgen_truncate(&sqlgen_postgres, "d\"s", "t", &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "TRUNCATE TABLE \"d\"\"s\".\"t\"");
    buf_clear(&b);
    assert_int_equal(sqlgen_truncate(&sqlgen_duckdb, "ds", "t", &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "DELETE FROM \"ds\".\"t\" WHERE 1=1");
    buf_clear(&b);
    assert_int_equal(sqlgen_drop_table(&sqlgen_postgres, "ds", "t", &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "DROP TABLE IF EXISTS \"ds\".\"t\" CASCADE");
    buf_clear(&b);
    assert_int_equal(sqlgen_drop_table(&sqlgen_duckdb, "ds", "t", &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "DROP TABLE IF EXISTS \"ds\".\"t\"");
    buf_free(&b);
}

static void test_copy_and_swap(void **st)
{
    (void)st;
    schema *s = NULL;
    cdlt_error err = {0};
    assert_int_equal(schema_new("m", &s, &err), CDLT_OK);
    schema_table *t = NULL;
    assert_int_equal(schema_add_table(s, "us\"ers", NULL, &t, &err), CDLT_OK);
    const char *names[] = {"id", "hint_only", "na me"};
    dtype types[] = {DT_BIGINT, DT_NONE, DT_TEXT};
    for (int i = 0; i < 3; i++) {
        schema_column c = schema_column_init(names[i], types[i]);
        assert_int_equal(table_add_column(s, t, &c, NULL, &err), CDLT_OK);
    }
    sqlgen_target tg = {"ds", "ds_staging", NULL};
    buf b = BUF_INIT;
    bool any = false;
    const sqlgen_dialect *dls[2] = {&sqlgen_duckdb, &sqlgen_postgres};
    for (int k = 0; k < 2; k++) {
        buf_clear(&b);
        assert_int_equal(sqlgen_copy_from_staging(dls[k], &tg, t, &b, &any), CDLT_OK);
        assert_true(any);
        assert_string_equal(buf_cstr(&b),
                            "INSERT INTO \"ds\".\"us\"\"ers\"(\"id\", \"na me\") SELECT \"id\", "
                            "\"na me\" FROM \"ds_staging\".\"us\"\"ers\"");
    }
    buf_clear(&b);
    assert_true(sqlgen_column_list(&sqlgen_postgres, t, "s.", &b));
    assert_string_equal(buf_cstr(&b), "s.\"id\", s.\"na me\"");
    /* a table without complete columns: nothing to copy */
    schema_table *e = NULL;
    assert_int_equal(schema_add_table(s, "empty", NULL, &e, &err), CDLT_OK);
    buf_clear(&b);
    assert_int_equal(sqlgen_copy_from_staging(&sqlgen_postgres, &tg, e, &b, &any), CDLT_OK);
    assert_false(any);
    assert_int_equal(b.len, 0);
    strv v = {0};
    assert_int_equal(sqlgen_swap_from_staging(&sqlgen_postgres, &tg, "us\"ers", &v), CDLT_OK);
    assert_int_equal(v.n, 3);
    assert_string_equal(v.v[0], "DROP TABLE IF EXISTS \"ds\".\"us\"\"ers\" CASCADE");
    assert_string_equal(v.v[1], "ALTER TABLE \"ds_staging\".\"us\"\"ers\" SET SCHEMA \"ds\"");
    assert_string_equal(v.v[2], "CREATE TABLE \"ds_staging\".\"us\"\"ers\" (LIKE "
                                "\"ds\".\"us\"\"ers\" INCLUDING ALL)");
    strv_free(&v);
    buf_free(&b);
    schema_free(s);
}

static void test_delete_load(void **st)
{
    (void)st;
    const char *tables[] = {"a__b__c", "a", "a__b", "x"};
    const char *parents[] = {"a__b", NULL, "a", "missing"};
    assert_int_equal(sqlgen_chain_depth(tables, parents, 4, 0), 2);
    assert_int_equal(sqlgen_chain_depth(tables, parents, 4, 1), 0);
    assert_int_equal(sqlgen_chain_depth(tables, parents, 4, 2), 1);
    assert_int_equal(sqlgen_chain_depth(tables, parents, 4, 3), -1);
    buf b = BUF_INIT;
    assert_int_equal(sqlgen_delete_load(&sqlgen_postgres, "ds", "1712.5", tables, parents, 4, 1,
                                        &b),
                     CDLT_OK);
    assert_string_equal(buf_cstr(&b), "DELETE FROM \"ds\".\"a\" WHERE \"_dlt_load_id\" = '1712.5'");
    const sqlgen_dialect *dls[2] = {&sqlgen_duckdb, &sqlgen_postgres};
    for (int k = 0; k < 2; k++) {
        buf_clear(&b);
        assert_int_equal(sqlgen_delete_load(dls[k], "ds", "1712.5", tables, parents, 4, 0, &b),
                         CDLT_OK);
        assert_string_equal(buf_cstr(&b),
                            "DELETE FROM \"ds\".\"a__b__c\" WHERE \"_dlt_parent_id\" IN (SELECT "
                            "\"_dlt_id\" FROM \"ds\".\"a__b\" WHERE \"_dlt_parent_id\" IN "
                            "(SELECT \"_dlt_id\" FROM \"ds\".\"a\" WHERE \"_dlt_load_id\" = "
                            "'1712.5'))");
    }
    /* only load ids reach the text */
    buf_clear(&b);
    assert_false(sqlgen_is_load_id("1' OR '1'='1"));
    assert_false(sqlgen_is_load_id(""));
    assert_int_equal(sqlgen_delete_load(&sqlgen_duckdb, "ds", "1' OR 1=1 --", tables, parents, 4,
                                        1, &b),
                     CDLT_INVALID_ARG);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncate_drop),
        cmocka_unit_test(test_copy_and_swap),
        cmocka_unit_test(test_delete_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
