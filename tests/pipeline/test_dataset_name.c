/* test_dataset_name.c: the dataset in the destination is the dataset name normalized like a
 * table name, as dlt's destination client does by default (issue 10 #8): "Sales Data 2024"
 * loads into sales_data_2024, its staging dataset and the dev-mode name follow. */
#include "ptest.h"

static void run_one(cdlt_pipeline *p, const char *input)
{
    cdlt_source *s = NULL;
    cdlt_resource *r = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    assert_int_equal(cdlt_source_open("src", &s), CDLT_OK);
    assert_int_equal(cdlt_file_resource_open("Items", input, &r, &err), CDLT_OK);
    assert_int_equal(cdlt_resource_set_write_disposition(r, CDLT_WD_REPLACE), CDLT_OK);
    assert_int_equal(cdlt_source_add(s, r), CDLT_OK);
    cdlt_status rc = cdlt_pipeline_run(p, s, CDLT_REFRESH_NONE, NULL, &err);
    if (rc != CDLT_OK)
        fprintf(stderr, "run: %s\n", err.message);
    assert_int_equal(rc, CDLT_OK);
    cdlt_source_free(s);
}

static void test_normalized(void **st)
{
    (void)st;
    pt_env *e = pt_env_new("dsname");
    char input[1200];
    snprintf(input, sizeof input, "%s/in.jsonl", e->dir);
    const char *rows = "{\"id\": 1}\n{\"id\": 2}\n";
    assert_int_equal(tu_write_file(input, rows, strlen(rows)), 0);

    cdlt_pipeline_options o;
    pt_options(e, "p", e->db, &o);
    o.dataset_name = "Sales Data 2024";
    cdlt_pipeline *p = pt_open_opts(&o);
    run_one(p, input);
    run_one(p, input); /* again: the same dataset is found, replace keeps 2 rows */
    cdlt_pipeline_free(p);
    assert_int_equal(pt_count(e->db, "sales_data_2024", "items"), 2);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM information_schema.schemata "
                                         "WHERE schema_name = 'Sales Data 2024'"),
                     0);

    /* dev mode: the suffix is part of the normalized name */
    o.dev_mode = true;
    p = pt_open_opts(&o);
    run_one(p, input);
    cdlt_pipeline_free(p);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM information_schema.schemata "
                                         "WHERE schema_name LIKE 'sales_data_2024_2%'"),
                     1);
    assert_int_equal(pt_query_int(e->db, "SELECT count(*) FROM information_schema.schemata "
                                         "WHERE schema_name LIKE '% %'"),
                     0);
    pt_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_normalized)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
