/* osconfig.c: S3 credentials from dlt's configuration keys, so the filesystem source and
 * destination only name their section. */
#include "objstore_int.h"

#include <stdio.h>
#include <string.h>

#include "cdlt.h"
#include "config/config.h"

static const char *const KEYS[] = {"aws_access_key_id", "aws_secret_access_key",
                                   "aws_session_token", "endpoint_url", "region_name",
                                   "s3_url_style", "profile_name"};

cdlt_status os_options_from_config(cdlt_config *cfg, const char *section, os_options *out,
                                   cdlt_error *err)
{
    memset(out, 0, sizeof *out);
    char sub[512];
    snprintf(sub, sizeof sub, "%s.credentials", section);
    /* unknown keys are errors, not silently ignored */
    arena a;
    arena_init(&a, 4096, 0);
    jv tree;
    cdlt_status rc = cfg_subtree(cfg, sub, &a, &tree, NULL, err);
    if (rc == CDLT_OK && tree.type == JV_OBJECT) {
        for (uint32_t i = 0; i < tree.len; i++) {
            const char *k = tree.u.members[i].key;
            bool known = false;
            for (size_t j = 0; j < CDLT_ARRAY_LEN(KEYS); j++)
                known = known || strcmp(k, KEYS[j]) == 0;
            if (known)
                continue;
            err_set(err, CDLT_CONFIG, "unknown key %s.%s", sub, k);
            err_hint(err, "the S3 credential keys are aws_access_key_id, aws_secret_access_key, "
                          "aws_session_token, endpoint_url, region_name, s3_url_style, "
                          "profile_name");
            rc = CDLT_CONFIG;
            break;
        }
    }
    arena_free(&a);
    if (rc != CDLT_OK)
        return rc;
    const char *profile = NULL;
    const char **dst[] = {&out->aws_access_key_id, &out->aws_secret_access_key,
                          &out->aws_session_token, &out->endpoint_url, &out->region_name,
                          &out->s3_url_style, &profile};
    for (size_t j = 0; j < CDLT_ARRAY_LEN(KEYS); j++) {
        char key[64];
        snprintf(key, sizeof key, "credentials.%s", KEYS[j]);
        bool secret = j == 1 || j == 2;
        rc = secret ? cdlt_config_get_secret_or(cfg, section, key, NULL, dst[j], err)
                    : cdlt_config_get_string_or(cfg, section, key, NULL, dst[j], err);
        if (rc != CDLT_OK)
            return rc;
    }
    /* a misspelt style would otherwise only fail at open, without saying where it was set */
    const char *style = out->s3_url_style;
    if (style && *style && !os_s3_url_style_ok(style)) {
        cfg_hit hit;
        const char *origin = NULL;
        if (cfg_get(cfg, section, "credentials.s3_url_style", CFG_Q_OPTIONAL, &hit, err) ==
            CDLT_OK)
            origin = cfg_hit_origin(cfg, &hit);
        err_set(err, CDLT_CONFIG, "%s.credentials.s3_url_style = '%s'%s%s%s is not one of "
                "path, virtual, auto", section, style, origin ? " (from " : "",
                origin ? origin : "", origin ? ")" : "");
        return err_hint(err, "%s", OS_S3_URL_STYLE_HINT);
    }
    /* what is not configured comes from the AWS profile / environment, as in dlt */
    return os_aws_default_chain(cfg, section, profile, out, err);
}
