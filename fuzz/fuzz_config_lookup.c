/* fuzz_config_lookup.c: libFuzzer target for connection-string credentials. Any bytes must parse
 * or be refused cleanly; an accepted string must render to a URL that parses to equal fields. */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT 4096

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_creds(const cdlt_credentials *a, const cdlt_credentials *b)
{
    if (!same_str(a->drivername, b->drivername) || !same_str(a->username, b->username) ||
        !same_str(a->password, b->password) || !same_str(a->host, b->host) ||
        a->port != b->port || !same_str(a->database, b->database) || a->nquery != b->nquery)
        return false;
    for (size_t i = 0; i < a->nquery; i++)
        if (!same_str(a->query[i].key, b->query[i].key) ||
            !same_str(a->query[i].value, b->query[i].value))
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    char url[MAX_INPUT + 1];
    memcpy(url, data, size);
    url[size] = '\0';
    cdlt_error e;
    cdlt_error_clear(&e);
    cdlt_credentials *c = NULL;
    cdlt_status st = cdlt_credentials_parse(url, &c, &e);
    if (st != CDLT_OK) {
        if (c || (st != CDLT_CONFIG && st != CDLT_NOMEM) || !e.message[0])
            abort();
        cdlt_secret_clear();
        return 0;
    }
    if (!c || !c->drivername)
        abort();
    if (c->port < 0 || c->port > 65535)
        abort();
    /* size query, then render into an exact buffer */
    size_t n = cdlt_credentials_to_url(c, false, NULL, 0);
    char *out = malloc(n + 1);
    if (!out)
        abort();
    if (cdlt_credentials_to_url(c, false, out, n + 1) != n || strlen(out) != n)
        abort();
    cdlt_credentials *c2 = NULL;
    cdlt_error_clear(&e);
    if (cdlt_credentials_parse(out, &c2, &e) != CDLT_OK) {
        fprintf(stderr, "rendered URL does not parse: %s\n", e.message);
        abort();
    }
    if (!same_creds(c, c2)) {
        fprintf(stderr, "round trip changes fields: %s\n", out);
        abort();
    }
    /* a truncated render is still NUL-terminated and the password mask never leaks it */
    char small[8];
    cdlt_credentials_to_url(c, true, small, sizeof small);
    if (strlen(small) >= sizeof small)
        abort();
    free(out);
    cdlt_credentials_free(c);
    cdlt_credentials_free(c2);
    cdlt_secret_clear(); /* the parser registers every password; keep the masker list short */
    return 0;
}
