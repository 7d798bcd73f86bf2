/* s3.c: the S3 backend (placeholder until the SigV4 client lands). */
#include "objstore_int.h"

static cdlt_status s3_open(os_store *s, const char *rest, const os_options *opt, cdlt_error *err)
{
    (void)s;
    (void)rest;
    (void)opt;
    return err_set(err, CDLT_UNSUPPORTED, "s3:// bucket URLs are not supported yet");
}

const os_ops os_s3_ops = {"s3", s3_open, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                          NULL, NULL, NULL};
