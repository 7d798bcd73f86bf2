/* awschain.c: S3 credentials and region that the configuration does not give, found where
 * dlt finds them through botocore: a named profile (`credentials.profile_name`), else the
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN environment, else the profile
 * AWS_PROFILE or "default"; profiles from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
 * default ~/.aws/credentials) and then the config file (AWS_CONFIG_FILE, default ~/.aws/config,
 * sections "[profile NAME]" and "[default]"). Region: AWS_REGION / AWS_DEFAULT_REGION, else the
 * profile's `region` in the config file. Not done: instance/container metadata, SSO, assume-role
 * and credential_process profiles (such a profile is an error that says so). */
#include "objstore_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdlt.h"
#include "config/config.h"

typedef struct aws_prof {
    const char *key_id, *secret, *token, *region; /* cfg arena, NULL when absent */
    bool found;       /* the profile's section exists in a file read */
    const char *unsupported; /* a key this reader cannot follow (role_arn, sso_*, ...) */
} aws_prof;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

static const char *keep(cdlt_config *cfg, const char *v)
{
    size_t n = strlen(v);
    char *c = arena_alloc(&cfg->mem, n + 1);
    if (c)
        memcpy(c, v, n + 1);
    return c;
}

/* Read `section` of an INI file (AWS's format: [section], key = value, # and ; comments);
 * fills what p lacks. false on out-of-memory only. */
static bool read_ini(cdlt_config *cfg, const char *path, const char *section, aws_prof *p)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return true;
    char line[4096];
    bool in = false, ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (*s == '#' || *s == ';' || !*s)
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end)
                *end = '\0';
            in = strcmp(trim(s + 1), section) == 0;
            p->found = p->found || in;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!in || !eq)
            continue;
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        const char **dst = strcmp(k, "aws_access_key_id") == 0       ? &p->key_id
                           : strcmp(k, "aws_secret_access_key") == 0 ? &p->secret
                           : strcmp(k, "aws_session_token") == 0     ? &p->token
                           : strcmp(k, "region") == 0                ? &p->region
                                                                     : NULL;
        if (dst && !*dst && *v)
            ok = (*dst = keep(cfg, v)) != NULL;
        else if (!dst && !p->unsupported &&
                 (strcmp(k, "role_arn") == 0 || strcmp(k, "credential_process") == 0 ||
                  strncmp(k, "sso_", 4) == 0 || strcmp(k, "web_identity_token_file") == 0))
            ok = (p->unsupported = keep(cfg, k)) != NULL;
    }
    fclose(f);
    return ok;
}

/* $VAR, else $HOME/<rel> (cfg arena); NULL when neither is known */
static const char *aws_file(cdlt_config *cfg, const char *var, const char *rel)
{
    const char *v = getenv(var);
    if (v && *v)
        return v;
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", home, rel);
    return keep(cfg, path);
}

static cdlt_status read_profile(cdlt_config *cfg, const char *name, aws_prof *p, cdlt_error *err)
{
    memset(p, 0, sizeof *p);
    char sect[300];
    const char *creds = aws_file(cfg, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    const char *conf = aws_file(cfg, "AWS_CONFIG_FILE", ".aws/config");
    bool ok = read_ini(cfg, creds, name, p);
    /* the config file names profiles "profile NAME", except "default" */
    if (strcmp(name, "default") == 0)
        snprintf(sect, sizeof sect, "default");
    else
        snprintf(sect, sizeof sect, "profile %s", name);
    ok = ok && read_ini(cfg, conf, sect, p);
    return ok ? CDLT_OK : err_nomem(err);
}

cdlt_status os_aws_default_chain(cdlt_config *cfg, const char *section, const char *profile_name,
                                 os_options *o, cdlt_error *err)
{
    bool have_keys = o->aws_access_key_id && *o->aws_access_key_id &&
                     o->aws_secret_access_key && *o->aws_secret_access_key;
    aws_prof p;
    memset(&p, 0, sizeof p);
    cdlt_status rc = CDLT_OK;
    bool explicit_profile = profile_name && *profile_name;
    if (explicit_profile) {
        rc = read_profile(cfg, profile_name, &p, err);
        if (rc == CDLT_OK && !p.found) {
            err_set(err, CDLT_CONFIG, "%s.credentials.profile_name = '%s': no such profile in %s "
                                      "or %s", section, profile_name,
                    aws_file(cfg, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
                    aws_file(cfg, "AWS_CONFIG_FILE", ".aws/config"));
            return err_hint(err, "add [%s] with aws_access_key_id and aws_secret_access_key to "
                                 "the credentials file, or set the keys in the configuration",
                            profile_name);
        }
    } else if (!have_keys) {
        const char *id = getenv("AWS_ACCESS_KEY_ID"), *sec = getenv("AWS_SECRET_ACCESS_KEY");
        if (id && *id && sec && *sec) {
            p.key_id = id;
            p.secret = sec;
            p.token = getenv("AWS_SESSION_TOKEN");
            /* the region may still come from the default profile */
        }
        aws_prof dp;
        const char *name = getenv("AWS_PROFILE");
        rc = read_profile(cfg, name && *name ? name : "default", &dp, err);
        if (rc == CDLT_OK && !p.key_id) {
            p = dp;
        } else if (rc == CDLT_OK) {
            p.region = dp.region;
        }
    }
    if (rc != CDLT_OK)
        return rc;
    if (!have_keys && p.unsupported && !(p.key_id && p.secret)) {
        err_set(err, CDLT_CONFIG, "the AWS profile for %s uses %s, which cdlt does not follow",
                section, p.unsupported);
        return err_hint(err, "give aws_access_key_id and aws_secret_access_key (and "
                             "aws_session_token for temporary credentials) in the profile or in "
                             "the configuration");
    }
    if (!have_keys && p.key_id && p.secret) {
        o->aws_access_key_id = p.key_id;
        o->aws_secret_access_key = p.secret;
        o->aws_session_token = p.token && *p.token ? p.token : NULL;
    }
    if (!o->region_name || !*o->region_name) {
        const char *r = getenv("AWS_REGION");
        if (!r || !*r)
            r = getenv("AWS_DEFAULT_REGION");
        o->region_name = r && *r ? r : p.region;
    }
    return CDLT_OK;
}
