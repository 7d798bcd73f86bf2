/* auth.c: dlt's auth schemes (spec §3): bearer, api_key (header, query or cookie),
 * http_basic and oauth2_client_credentials. Secrets were registered with the masker when the
 * config was read, so no message can show them. */
#include "rest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cdlt_status auth_apply(const rest_auth *au, rreq *q)
{
    if (!au)
        return CDLT_OK;
    buf v = BUF_INIT;
    cdlt_status rc = CDLT_OK;
    switch (au->kind) {
    case AUTH_NONE:
        break;
    case AUTH_BEARER:
        buf_printf(&v, "Bearer %s", au->token ? au->token : "");
        rc = v.status ? CDLT_NOMEM : rreq_set_header(q, "Authorization", v.data);
        break;
    case AUTH_API_KEY:
        if (strcmp(au->location, "query") == 0 || strcmp(au->location, "param") == 0) {
            rc = rreq_set_param(q, au->name, au->api_key);
        } else if (strcmp(au->location, "cookie") == 0) {
            /* dlt lists cookie but raises at request time; we send it as the issue asks */
            buf_printf(&v, "%s=%s", au->name, au->api_key);
            rc = v.status ? CDLT_NOMEM : rreq_set_header(q, "Cookie", v.data);
        } else {
            rc = rreq_set_header(q, au->name, au->api_key);
        }
        break;
    case AUTH_BASIC: {
        buf raw = BUF_INIT;
        buf_printf(&raw, "%s:%s", au->username ? au->username : "",
                   au->password ? au->password : "");
        char *enc = raw.status ? NULL : mem_alloc(raw.len * 4 / 3 + 8);
        if (!enc) {
            rc = CDLT_NOMEM;
        } else {
            size_t n = b64_encode(raw.data, raw.len, enc, true);
            enc[n] = 0;
            buf_printf(&v, "Basic %s", enc);
            rc = v.status ? CDLT_NOMEM : rreq_set_header(q, "Authorization", v.data);
            mem_free(enc);
        }
        buf_free(&raw);
        break;
    }
    case AUTH_OAUTH2:
        buf_printf(&v, "Bearer %s", au->access_token ? au->access_token : "");
        rc = v.status ? CDLT_NOMEM : rreq_set_header(q, "Authorization", v.data);
        break;
    }
    buf_free(&v);
    return rc;
}

bool auth_needs_token(const rest_auth *au)
{
    if (!au || au->kind != AUTH_OAUTH2)
        return false;
    if (!au->access_token)
        return true;
    /* refresh a little before expiry (10% of the lifetime, at most 60 s) so a request never
     * goes out with a token about to die on the way */
    double margin = au->ttl * 0.1;
    if (margin > 60)
        margin = 60;
    return time_monotonic() >= au->expires_at - margin;
}

static void form_pair(buf *b, const char *k, const char *v)
{
    if (b->len)
        buf_putc(b, '&');
    http_url_encode(b, k, strlen(k));
    buf_putc(b, '=');
    http_url_encode(b, v, strlen(v));
}

cdlt_status auth_token_request(const rest_auth *au, http_request *req, buf *url, buf *body,
                               strv *headers)
{
    buf_clear(url);
    buf_clear(body);
    buf_puts(url, au->access_token_url);
    /* access_token_request_data may override the three standard fields */
    const jv *d = au->request_data.type == JV_OBJECT ? &au->request_data : NULL;
    static const char *const STD[] = {"grant_type", "client_id", "client_secret"};
    const char *stdv[] = {"client_credentials", au->client_id ? au->client_id : "",
                          au->client_secret ? au->client_secret : ""};
    for (int i = 0; i < 3; i++)
        if (!d || !jv_get(d, STD[i]))
            form_pair(body, STD[i], stdv[i]);
    for (uint32_t i = 0; d && i < d->len; i++) {
        const jv *v = &d->u.members[i].value;
        buf t = BUF_INIT;
        if (v->type == JV_STRING)
            buf_append(&t, v->u.s, v->len);
        else
            json_write(&t, v, 0);
        form_pair(body, d->u.members[i].key, buf_cstr(&t));
        buf_free(&t);
    }
    strv_clear(headers);
    cdlt_status rc = strv_add(headers, "Content-Type: application/x-www-form-urlencoded");
    if (rc == CDLT_OK)
        rc = strv_add(headers, "Accept: application/json");
    memset(req, 0, sizeof *req);
    req->method = "POST";
    req->url = buf_cstr(url);
    req->headers = (const char *const *)headers->v;
    req->nheaders = headers->n;
    req->body = buf_cstr(body);
    req->body_len = body->len;
    return url->status || body->status ? CDLT_NOMEM : rc;
}

cdlt_status auth_token_reply(rest_auth *au, const http_response *resp, const char *resource,
                             cdlt_error *err)
{
    if (resp->status >= 400) {
        err_set(err, CDLT_SOURCE,
                "resource '%s': the OAuth2 token request to %s failed with HTTP %ld; check "
                "client_id, client_secret and access_token_url",
                resource, au->access_token_url, resp->status);
        err_set_resource(err, resource);
        return CDLT_SOURCE;
    }
    arena a;
    arena_init(&a, 4096, 0);
    jv body;
    cdlt_status rc = json_parse(buf_cstr(&resp->body), resp->body.len, &a, NULL, &body, err);
    if (rc != CDLT_OK) {
        err_prefix(err, "resource '%s': the OAuth2 token reply from %s is not JSON: ", resource,
                   au->access_token_url);
        arena_free(&a);
        return CDLT_SOURCE;
    }
    const jv *t = jv_get(&body, "access_token");
    buf tok = BUF_INIT;
    if (t && t->type == JV_STRING)
        buf_append(&tok, t->u.s, t->len);
    else
        buf_puts(&tok, "None"); /* dlt stringifies a missing token the same way */
    const jv *e = jv_get(&body, "expires_in");
    double ttl = (double)au->default_expiration;
    if (e && e->type == JV_INT)
        ttl = (double)e->u.i;
    else if (e && e->type == JV_DOUBLE)
        ttl = e->u.d;
    else if (e && e->type == JV_STRING)
        ttl = atof(e->u.s);
    mem_free(au->access_token);
    au->access_token = buf_detach(&tok, NULL);
    arena_free(&a);
    if (!au->access_token)
        return err_nomem(err);
    cdlt_secret_register(au->access_token);
    au->ttl = ttl;
    au->expires_at = time_monotonic() + ttl;
    au->generation++;
    return CDLT_OK;
}
