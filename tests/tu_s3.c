/* tu_s3.c: an objstore handle on the S3 test server of the cdlt_s3 fixture, so a test puts,
 * lists and reads objects with the fixture's bucket and credentials in one call. A separate
 * file of the test library so that only tests that use it need objstore at link time. */
#include "testutil.h"

#include "objstore/objstore.h"

#include <stdio.h>

os_store *tu_s3_store(const char *prefix, char *url, size_t cap)
{
    char own[512];
    if (!url) {
        url = own;
        cap = sizeof own;
    }
    snprintf(url, cap, "s3://%s/%s", tu_s3_env("CDLT_TEST_S3_BUCKET"), prefix);
    os_options o = {0};
    o.aws_access_key_id = tu_s3_env("CDLT_TEST_S3_KEY_ID");
    o.aws_secret_access_key = tu_s3_env("CDLT_TEST_S3_SECRET");
    o.endpoint_url = tu_s3_env("CDLT_TEST_S3_ENDPOINT");
    o.region_name = tu_s3_env("CDLT_TEST_S3_REGION");
    os_store *s = NULL;
    cdlt_error err;
    cdlt_error_clear(&err);
    if (os_open(url, &o, &s, &err) != CDLT_OK)
        fail_msg("os_open %s: %s", url, err.message);
    return s;
}

static cdlt_status on_object(void *ud, const os_object *o, cdlt_error *err)
{
    (void)err;
    if (!o->is_dir)
        tu_list_add(ud, o->path);
    return CDLT_OK;
}

tu_list tu_s3_list(os_store *s)
{
    tu_list l = {NULL, 0};
    cdlt_error err;
    cdlt_error_clear(&err);
    if (os_list(s, "", true, on_object, &l, &err) != CDLT_OK)
        fail_msg("os_list: %s", err.message);
    return l;
}
