/* s3.c: the S3 backend: ListObjectsV2 with continuation tokens, ranged GETs in bounded chunks,
 * single PUTs below the multipart threshold and multipart uploads above it (aborted on error),
 * HEAD and DELETE; every request signed with AWS Signature V4 (s3_sign.c) and sent through
 * http/ (connection reuse, retries with backoff on 5xx/429 and transport errors). Path-style
 * addressing for a custom endpoint_url, virtual-host style on AWS. */
#include "objstore_int.h"
#include "s3_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cdlt.h"
#include "http/http.h"

#define MiB (1024u * 1024u)
#define DEFAULT_PART (16u * MiB)
#define MIN_PART (5u * MiB)
#define READ_CHUNK (8u * MiB) /* bytes per ranged GET: the reader's memory bound */
/* Most parts uploading at the same time (os_options.parts_in_flight, default 2). Memory of a
 * large write is that many parts; several connections matter on real S3, where one
 * connection is far slower than the link. */
#define PART_SLOTS 8


typedef struct s3_store {
    http_client *http;   /* connections, retries */
    http_client *http1;  /* one attempt only: first range of a read (see fetch) */
    char *key_id;        /* aws_access_key_id */
    char *secret;        /* aws_secret_access_key (registered with the masker) */
    char *token;         /* aws_session_token or NULL */
    char *region;        /* signing region */
    char *base;          /* "http://127.0.0.1:9000/bucket" (path) or "https://b.s3.r.amazonaws.com" */
    char *host;          /* Host header as libcurl sends it ("127.0.0.1:9000") */
    char *uri_base;      /* path part of base ("/bucket" or "") for the canonical URI */
    char *bucket;        /* bucket name */
    char *prefix;        /* key prefix of the store: "" or "a/b/" (with the '/') */
    bool sign_payload;   /* http: sign the body's SHA-256; https: UNSIGNED-PAYLOAD (TLS) */
    uint64_t threshold;  /* multipart at or above */
    uint64_t part_size;  /* multipart part size */
    int max_keys;        /* ListObjectsV2 page size */
    int slots;           /* parts in flight + the one being filled, <= PART_SLOTS */
} s3_store;

/* ---------------------------------------------------------------- requests ---- */

typedef struct s3_call {
    const char *method;   /* "GET", "PUT", ... */
    const char *key;      /* full object key; NULL = the bucket */
    const char *query;    /* canonical query (sorted, encoded) or NULL */
    const char *body;     /* request body or NULL */
    size_t body_len;
    const char *extra[4]; /* unsigned extra header lines ("Range: bytes=0-9") */
    size_t nextra;
    bool once;            /* no retries (s3_store.http1) */
    http_done_fn done;    /* non-NULL: queue the request (http_submit), done(ud, ...) later */
    void *ud;
} s3_call;

/* The request URL ("<base>/<encoded key>?<query>") and its canonical URI. */
static cdlt_status call_url(const s3_store *s, const s3_call *c, buf *url, buf *uri)
{
    buf_clear(url);
    buf_clear(uri);
    buf_puts(uri, s->uri_base);
    /* a bucket request is "/bucket" path-style (no trailing '/', as SDKs send it), "/" on a
     * virtual host */
    if (c->key || !*s->uri_base)
        buf_putc(uri, '/');
    if (c->key)
        s3_uri_encode(uri, c->key, strlen(c->key), true);
    const char *b = s->base;
    const char *path_at = strstr(b, "://");
    path_at = path_at ? strchr(path_at + 3, '/') : NULL;
    buf_append(url, b, path_at ? (size_t)(path_at - b) : strlen(b));
    buf_append(url, buf_cstr(uri), uri->len);
    if (c->query && *c->query) {
        buf_putc(url, '?');
        buf_puts(url, c->query);
    }
    return url->status != CDLT_OK ? url->status : uri->status;
}

cdlt_status s3_request_target(const os_store *st, const char *key, buf *url, buf *host,
                              buf *uri)
{
    if (!st || st->kind != OS_S3)
        return CDLT_INVALID_ARG;
    const s3_store *s = st->impl;
    s3_call c = {.method = "GET", .key = key};
    cdlt_status rc = call_url(s, &c, url, uri);
    buf_clear(host);
    buf_puts(host, s->host);
    return rc != CDLT_OK ? rc : host->status;
}

/* "s3://bucket/key" for messages. */
static void obj_url(const s3_store *s, const char *key, buf *out)
{
    buf_clear(out);
    buf_printf(out, "s3://%s/%s", s->bucket, key ? key : "");
}

static cdlt_status s3_do(s3_store *s, const s3_call *c, http_response *resp, cdlt_error *err)
{
    buf url = BUF_INIT, uri = BUF_INIT, auth = BUF_INIT;
    cdlt_status rc = call_url(s, c, &url, &uri);
    char amz_date[17];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    char phash[65];
    if (s->sign_payload)
        s3_sha256_hex(c->body ? c->body : "", c->body ? c->body_len : 0, phash);
    else
        snprintf(phash, sizeof phash, "UNSIGNED-PAYLOAD");
    const char *names[4] = {"host", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"};
    const char *vals[4] = {s->host, phash, amz_date, s->token};
    s3_sig_req sr = {c->method, buf_cstr(&uri), c->query ? c->query : "", names, vals,
                     s->token ? 4u : 3u, phash, amz_date, s->region, "s3", s->key_id, s->secret};
    if (rc == CDLT_OK)
        rc = s3_sign(&sr, &auth);
    char h_sha[96], h_date[48], h_ctype[64];
    snprintf(h_sha, sizeof h_sha, "x-amz-content-sha256: %s", phash);
    snprintf(h_date, sizeof h_date, "x-amz-date: %s", amz_date);
    snprintf(h_ctype, sizeof h_ctype, "Content-Type: application/octet-stream");
    buf h_auth = BUF_INIT, h_tok = BUF_INIT;
    buf_printf(&h_auth, "Authorization: %s", buf_cstr(&auth));
    if (s->token)
        buf_printf(&h_tok, "x-amz-security-token: %s", s->token);
    if (rc == CDLT_OK && (h_auth.status != CDLT_OK || h_tok.status != CDLT_OK))
        rc = CDLT_NOMEM;
    if (rc != CDLT_OK) {
        buf_free(&url);
        buf_free(&uri);
        buf_free(&auth);
        buf_free(&h_auth);
        buf_free(&h_tok);
        return rc == CDLT_NOMEM ? err_nomem(err)
                                : err_set(err, rc, "cannot sign the S3 request (secret too long?)");
    }
    const char *hdrs[10];
    size_t nh = 0;
    hdrs[nh++] = buf_cstr(&h_auth);
    hdrs[nh++] = h_sha;
    hdrs[nh++] = h_date;
    if (s->token)
        hdrs[nh++] = buf_cstr(&h_tok);
    if (c->body) /* libcurl would label a body as a form post */
        hdrs[nh++] = h_ctype;
    for (size_t i = 0; i < c->nextra; i++)
        hdrs[nh++] = c->extra[i];
    http_request req = {c->method, buf_cstr(&url), hdrs, nh, c->body, c->body_len};
    if (c->done)
        rc = http_submit(s->http, &req, c->done, c->ud, err);
    else
        rc = http_do(c->once ? s->http1 : s->http, &req, resp, err);
    if (rc != CDLT_OK && !c->done) {
        buf u = BUF_INIT;
        obj_url(s, c->key, &u);
        err_prefix(err, "S3 %s %s: ", c->method, buf_cstr(&u));
        err_hint(err, "check endpoint_url and that the storage service is reachable");
        buf_free(&u);
    }
    buf_free(&url);
    buf_free(&uri);
    buf_free(&auth);
    buf_free(&h_auth);
    buf_free(&h_tok);
    return rc;
}

/* A failed S3 answer as an error: status, S3 code and message, the object, what to do. */
static cdlt_status s3_fail(const s3_store *s, const char *op, const char *key,
                           const http_response *resp, cdlt_error *err)
{
    buf code = BUF_INIT, msg = BUF_INIT, u = BUF_INIT;
    const char *body = buf_cstr(&resp->body);
    s3_xml_text(body, resp->body.len, "Code", &code);
    s3_xml_text(body, resp->body.len, "Message", &msg);
    const char *cd = buf_cstr(&code);
    if (!*cd) /* HEAD answers have no body */
        cd = resp->status == 404   ? "NotFound"
             : resp->status == 403 ? "Forbidden"
             : resp->status == 400 ? "BadRequest"
                                   : "";
    obj_url(s, key, &u);
    bool not_found = resp->status == 404 && strcmp(cd, "NoSuchBucket") != 0;
    cdlt_status st = not_found ? CDLT_NOT_FOUND : CDLT_HTTP;
    err_set(err, st, "S3 %s %s failed: HTTP %ld%s%s%s%s", op, buf_cstr(&u), resp->status,
            *cd ? " " : "", cd, msg.len ? ": " : "", buf_cstr(&msg));
    err_set_url(err, buf_cstr(&u));
    const char *hint =
        strcmp(cd, "SignatureDoesNotMatch") == 0
            ? "check aws_secret_access_key (and region_name: it must be the bucket's region)"
        : strcmp(cd, "InvalidAccessKeyId") == 0 ? "check aws_access_key_id"
        : strcmp(cd, "ExpiredToken") == 0 || strcmp(cd, "InvalidToken") == 0
            ? "refresh aws_session_token (temporary credentials expire)"
        : strcmp(cd, "NoSuchBucket") == 0 ? "check the bucket name in bucket_url"
        : strcmp(cd, "AccessDenied") == 0 || resp->status == 403
            ? "check aws_access_key_id / aws_secret_access_key and the key's permissions on "
              "this bucket"
        : strcmp(cd, "AuthorizationHeaderMalformed") == 0 ? "check region_name"
        : not_found ? "check bucket_url and the object path"
        : resp->status >= 500 ? "the storage service failed; retry later"
                              : NULL;
    if (hint)
        err_hint(err, "%s", hint);
    buf_free(&code);
    buf_free(&msg);
    buf_free(&u);
    return st;
}

/* Full key of a relative path. */
static cdlt_status full_key(const s3_store *s, const char *path, buf *out)
{
    buf_clear(out);
    buf_puts(out, s->prefix);
    buf_puts(out, path);
    return out->status;
}

/* ---------------------------------------------------------------- open ---- */

bool os_s3_url_style_ok(const char *style)
{
    return strcmp(style, "path") == 0 || strcmp(style, "virtual") == 0 ||
           strcmp(style, "auto") == 0;
}

static char *dup_or_null(const char *s) { return s && *s ? mem_strdup(s) : NULL; }

static cdlt_status s3_open(os_store *st, const char *rest, const os_options *opt,
                           cdlt_error *err)
{
    s3_store *s = mem_calloc(1, sizeof *s);
    if (!s)
        return err_nomem(err);
    st->impl = s;
    size_t blen = strcspn(rest, "/");
    if (blen == 0) {
        err_set(err, CDLT_CONFIG, "bucket_url 's3://%s' names no bucket", rest);
        err_hint(err, "write s3://<bucket>/<optional prefix>");
        return CDLT_CONFIG;
    }
    s->bucket = mem_strndup(rest, blen);
    const char *pfx = rest + blen;
    while (*pfx == '/')
        pfx++;
    buf b = BUF_INIT;
    buf_puts(&b, pfx);
    while (b.len && b.data[b.len - 1] == '/')
        b.data[--b.len] = 0;
    if (b.len)
        buf_putc(&b, '/');
    s->prefix = mem_strdup(buf_cstr(&b));
    buf_clear(&b);
    buf_printf(&b, "s3://%s%s%.*s", s->bucket ? s->bucket : "", s->prefix && *s->prefix ? "/" : "",
               s->prefix && *s->prefix ? (int)strlen(s->prefix) - 1 : 0, s->prefix ? s->prefix : "");
    st->url = mem_strdup(buf_cstr(&b));
    if (!s->bucket || !s->prefix || !st->url || b.status != CDLT_OK) {
        buf_free(&b);
        return err_nomem(err);
    }
    if (!opt->aws_access_key_id || !*opt->aws_access_key_id || !opt->aws_secret_access_key ||
        !*opt->aws_secret_access_key) {
        buf_free(&b);
        err_set(err, CDLT_CONFIG_MISSING, "bucket_url %s needs S3 credentials: %s is not set",
                st->url, !opt->aws_access_key_id || !*opt->aws_access_key_id
                             ? "aws_access_key_id"
                             : "aws_secret_access_key");
        err_hint(err, "set credentials.aws_access_key_id and credentials.aws_secret_access_key "
                      "(e.g. [destination.filesystem.credentials] in .dlt/secrets.toml or "
                      "DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID)");
        return CDLT_CONFIG_MISSING;
    }
    /* the masker must know the secrets before anything could print them */
    if (cdlt_secret_register(opt->aws_secret_access_key) != CDLT_OK ||
        (opt->aws_session_token && *opt->aws_session_token &&
         cdlt_secret_register(opt->aws_session_token) != CDLT_OK)) {
        buf_free(&b);
        return err_nomem(err);
    }
    s->key_id = mem_strdup(opt->aws_access_key_id);
    s->secret = mem_strdup(opt->aws_secret_access_key);
    s->token = dup_or_null(opt->aws_session_token);
    s->region = mem_strdup(opt->region_name && *opt->region_name ? opt->region_name : "us-east-1");
    const char *style = opt->s3_url_style && *opt->s3_url_style ? opt->s3_url_style : "auto";
    if (!os_s3_url_style_ok(style)) {
        buf_free(&b);
        err_set(err, CDLT_CONFIG, "credentials.s3_url_style = '%s' (bucket_url %s) is not one "
                                  "of path, virtual, auto", style, st->url);
        return err_hint(err, "%s", OS_S3_URL_STYLE_HINT);
    }
    const char *ep = opt->endpoint_url && *opt->endpoint_url ? opt->endpoint_url : NULL;
    bool path_style = strcmp(style, "path") == 0 || (strcmp(style, "auto") == 0 && ep);
    /* scheme://host[:port] of the endpoint */
    buf_clear(&b);
    const char *scheme, *hostport;
    size_t hlen;
    char aws_host[256];
    if (ep) {
        if (strncmp(ep, "http://", 7) == 0)
            scheme = "http";
        else if (strncmp(ep, "https://", 8) == 0)
            scheme = "https";
        else {
            buf_free(&b);
            err_set(err, CDLT_CONFIG, "credentials.endpoint_url '%s' is not an http:// or "
                                      "https:// URL", ep);
            return CDLT_CONFIG;
        }
        hostport = strstr(ep, "://") + 3;
        hlen = strcspn(hostport, "/?#");
        if (hostport[hlen] == '/' && hostport[hlen + 1] != 0) {
            buf_free(&b);
            err_set(err, CDLT_CONFIG, "credentials.endpoint_url '%s' has a path", ep);
            err_hint(err, "give the service root only (http://host:port); the bucket goes in "
                          "bucket_url");
            return CDLT_CONFIG;
        }
    } else {
        scheme = "https";
        snprintf(aws_host, sizeof aws_host, "s3.%s.amazonaws.com", s->region);
        hostport = aws_host;
        hlen = strlen(aws_host);
    }
    /* Host as libcurl sends it: the default port of the scheme is left out */
    size_t shown = hlen;
    if (strcmp(scheme, "http") == 0 && hlen > 3 && strncmp(hostport + hlen - 3, ":80", 3) == 0)
        shown -= 3;
    if (strcmp(scheme, "https") == 0 && hlen > 4 && strncmp(hostport + hlen - 4, ":443", 4) == 0)
        shown -= 4;
    buf h = BUF_INIT;
    if (!path_style)
        buf_printf(&h, "%s.", s->bucket);
    buf_append(&h, hostport, shown);
    s->host = mem_strdup(buf_cstr(&h));
    buf_free(&h);
    buf_printf(&b, "%s://%s", scheme, s->host ? s->host : "");
    if (path_style) {
        buf_printf(&b, "/%s", s->bucket);
        buf h2 = BUF_INIT;
        buf_putc(&h2, '/');
        s3_uri_encode(&h2, s->bucket, strlen(s->bucket), false);
        s->uri_base = mem_strdup(buf_cstr(&h2));
        buf_free(&h2);
    } else {
        s->uri_base = mem_strdup("");
    }
    s->base = mem_strdup(buf_cstr(&b));
    buf_free(&b);
    s->sign_payload = strcmp(scheme, "http") == 0;
    s->part_size = opt->part_size ? opt->part_size : DEFAULT_PART;
    if (s->part_size < MIN_PART)
        s->part_size = MIN_PART; /* S3's minimum for all parts but the last */
    s->threshold = opt->multipart_threshold ? opt->multipart_threshold : s->part_size;
    s->max_keys = opt->list_max_keys > 0 ? opt->list_max_keys : 1000;
    int inflight = opt->parts_in_flight > 0 ? opt->parts_in_flight : 2;
    s->slots = inflight + 1 > PART_SLOTS ? PART_SLOTS : inflight + 1;
    if (!s->key_id || !s->secret || (opt->aws_session_token && *opt->aws_session_token &&
                                     !s->token) ||
        !s->region || !s->host || !s->base || !s->uri_base)
        return err_nomem(err);
    http_settings hs = {0};
    hs.timeout_s = opt->timeout_s > 0 ? opt->timeout_s : 120;
    hs.max_attempts = opt->max_attempts > 0 ? opt->max_attempts : 5;
    hs.raw_body = true;
    hs.borrow_bodies = true; /* only http_do is used: a part's bytes need no copy */
    hs.max_body_bytes = 64ull * MiB; /* list pages, errors and read chunks only */
    cdlt_status rc = http_client_new(&hs, &s->http, err);
    hs.max_attempts = 1;
    if (rc == CDLT_OK)
        rc = http_client_new(&hs, &s->http1, err);
    return rc;
}

static void s3_close(os_store *st)
{
    s3_store *s = st->impl;
    if (!s)
        return;
    http_client_free(s->http);
    http_client_free(s->http1);
    if (s->secret)
        memset(s->secret, 0, strlen(s->secret));
    mem_free(s->key_id);
    mem_free(s->secret);
    mem_free(s->token);
    mem_free(s->region);
    mem_free(s->base);
    mem_free(s->host);
    mem_free(s->uri_base);
    mem_free(s->bucket);
    mem_free(s->prefix);
    mem_free(s);
}

/* ---------------------------------------------------------------- list ---- */

typedef struct list_ent {
    char *rel;     /* path relative to the store (mem_*) */
    uint64_t size; /* bytes */
    int64_t mtime; /* UTC microseconds */
    bool dir;      /* common prefix */
} list_ent;

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const list_ent *)a)->rel, ((const list_ent *)b)->rel);
}

static cdlt_status s3_list(os_store *st, const char *dir, bool recursive, os_list_fn fn,
                           void *ud, cdlt_error *err)
{
    s3_store *s = st->impl;
    buf pfx = BUF_INIT, q = BUF_INIT, token = BUF_INIT, t = BUF_INIT, u = BUF_INIT;
    buf_puts(&pfx, s->prefix);
    if (*dir) {
        buf_puts(&pfx, dir);
        buf_putc(&pfx, '/');
    }
    size_t strip = strlen(s->prefix);
    list_ent *ents = NULL;
    size_t nents = 0, cap = 0;
    cdlt_status rc = pfx.status == CDLT_OK ? CDLT_OK : err_nomem(err);
    bool more = true;
    while (rc == CDLT_OK && more) {
        buf_clear(&q);
        if (token.len) {
            buf_puts(&q, "continuation-token=");
            s3_uri_encode(&q, token.data, token.len, false);
            buf_putc(&q, '&');
        }
        if (!recursive)
            buf_puts(&q, "delimiter=%2F&");
        buf_printf(&q, "list-type=2&max-keys=%d&prefix=", s->max_keys);
        s3_uri_encode(&q, pfx.data ? pfx.data : "", pfx.len, false);
        if (q.status != CDLT_OK) {
            rc = err_nomem(err);
            break;
        }
        http_response resp;
        http_response_init(&resp);
        s3_call c = {"GET", NULL, buf_cstr(&q), NULL, 0, {0}, 0, false, NULL, NULL};
        rc = s3_do(s, &c, &resp, err);
        if (rc == CDLT_OK && resp.status != 200)
            rc = s3_fail(s, "ListObjectsV2 of", buf_cstr(&pfx), &resp, err);
        const char *xml = buf_cstr(&resp.body);
        size_t xlen = resp.body.len;
        nents = 0;
        for (int pass = 0; rc == CDLT_OK && pass < 2; pass++) {
            size_t pos = 0, n;
            const char *in;
            const char *tag = pass == 0 ? "Contents" : "CommonPrefixes";
            while (rc == CDLT_OK && s3_xml_next(xml, xlen, &pos, tag, &in, &n)) {
                list_ent e = {0};
                if (!s3_xml_text(in, n, pass == 0 ? "Key" : "Prefix", &t)) {
                    rc = err_set(err, CDLT_PARSE, "S3 ListObjectsV2 of s3://%s/%s: an entry "
                                                  "without a key", s->bucket, buf_cstr(&pfx));
                    break;
                }
                if (t.len <= strip || (pass == 0 && t.data[t.len - 1] == '/'))
                    continue; /* the prefix itself, or a "folder" marker object */
                e.rel = mem_strdup(t.data + strip);
                e.dir = pass == 1;
                if (pass == 0) {
                    if (s3_xml_text(in, n, "Size", &t))
                        e.size = strtoull(buf_cstr(&t), NULL, 10);
                    if (s3_xml_text(in, n, "LastModified", &t))
                        s3_parse_iso8601(buf_cstr(&t), &e.mtime);
                }
                list_ent *g = mem_grow(ents, nents, &cap, sizeof *ents, 64);
                if (!e.rel || !g) {
                    mem_free(e.rel);
                    rc = err_nomem(err);
                    break;
                }
                ents = g;
                ents[nents++] = e;
            }
        }
        more = false;
        if (rc == CDLT_OK && s3_xml_text(xml, xlen, "IsTruncated", &t) &&
            strcmp(buf_cstr(&t), "true") == 0) {
            if (!s3_xml_text(xml, xlen, "NextContinuationToken", &token) || !token.len)
                rc = err_set(err, CDLT_PARSE, "S3 ListObjectsV2 of s3://%s/%s: a truncated page "
                                              "without NextContinuationToken",
                             s->bucket, buf_cstr(&pfx));
            more = true;
        }
        http_response_free(&resp);
        /* S3 returns keys and common prefixes in key order, each in its own list */
        if (rc == CDLT_OK && nents > 1)
            qsort(ents, nents, sizeof *ents, cmp_ent);
        for (size_t i = 0; i < nents; i++) {
            if (rc == CDLT_OK) {
                buf_clear(&u);
                buf_printf(&u, "%s/%s", st->url, ents[i].rel);
                os_object o = {buf_cstr(&u), ents[i].rel, NULL, ents[i].size, ents[i].mtime,
                               ents[i].dir};
                rc = u.status == CDLT_OK ? fn(ud, &o, err) : err_nomem(err);
            }
            mem_free(ents[i].rel);
        }
        nents = 0;
    }
    mem_free(ents);
    buf_free(&pfx);
    buf_free(&q);
    buf_free(&token);
    buf_free(&t);
    buf_free(&u);
    return rc;
}

/* ---------------------------------------------------------------- stat / delete ---- */

static cdlt_status s3_stat(os_store *st, const char *path, uint64_t *size, int64_t *mt,
                           cdlt_error *err)
{
    s3_store *s = st->impl;
    buf key = BUF_INIT;
    if (full_key(s, path, &key) != CDLT_OK)
        return err_nomem(err);
    http_response resp;
    http_response_init(&resp);
    s3_call c = {"HEAD", buf_cstr(&key), NULL, NULL, 0, {0}, 0, false, NULL, NULL};
    cdlt_status rc = s3_do(s, &c, &resp, err);
    if (rc == CDLT_OK && resp.status != 200)
        rc = s3_fail(s, "HEAD", buf_cstr(&key), &resp, err);
    if (rc == CDLT_OK) {
        char v[128];
        *size = http_response_header(&resp, "Content-Length", v, sizeof v)
                    ? strtoull(v, NULL, 10)
                    : 0;
        *mt = 0;
        if (http_response_header(&resp, "Last-Modified", v, sizeof v))
            s3_parse_http_date(v, mt);
    }
    http_response_free(&resp);
    buf_free(&key);
    return rc;
}

static cdlt_status s3_del(os_store *st, const char *path, cdlt_error *err)
{
    s3_store *s = st->impl;
    buf key = BUF_INIT;
    if (full_key(s, path, &key) != CDLT_OK)
        return err_nomem(err);
    http_response resp;
    http_response_init(&resp);
    s3_call c = {"DELETE", buf_cstr(&key), NULL, NULL, 0, {0}, 0, false, NULL, NULL};
    cdlt_status rc = s3_do(s, &c, &resp, err);
    if (rc == CDLT_OK && resp.status != 204 && resp.status != 200 &&
        !(resp.status == 404 && !strstr(buf_cstr(&resp.body), "NoSuchBucket")))
        rc = s3_fail(s, "DELETE", buf_cstr(&key), &resp, err);
    http_response_free(&resp);
    buf_free(&key);
    return rc;
}

/* ---------------------------------------------------------------- reads ---- */

typedef struct s3_reader {
    char *key;      /* full key */
    uint64_t pos;   /* next byte to fetch (the read-ahead, when queued, starts here) */
    uint64_t end;   /* one past the last byte to read */
    buf chunk;      /* fetched bytes not yet handed out start at off */
    size_t off;
    size_t pumped;  /* off when the read-ahead was last moved along */
    char etag[160]; /* later ranges must come from the same object version */
    /* read-ahead: the next chunk, queued while the caller consumes this one (memory: two
     * chunks). Its answer lands in pre when pre_done. */
    bool pre_busy;        /* queued and not yet taken */
    bool pre_done;        /* its answer arrived */
    cdlt_status pre_rc;   /* transport status of that answer */
    cdlt_error pre_err;   /* its error when pre_rc != CDLT_OK */
    http_response pre;    /* the answer */
} s3_reader;

static cdlt_status take_chunk(os_reader *rd, bool first, http_response *respp, cdlt_status rc,
                              cdlt_error *err);

/* Fetch [r->pos, min(r->pos + READ_CHUNK, end)); first = also learn the size. */
static cdlt_status fetch(os_reader *rd, bool first, uint64_t want_len, cdlt_error *err)
{
    s3_store *s = rd->s->impl;
    s3_reader *r = rd->impl;
    uint64_t n = first ? (want_len < READ_CHUNK ? want_len : READ_CHUNK)
                       : (r->end - r->pos < READ_CHUNK ? r->end - r->pos : READ_CHUNK);
    if (n == 0)
        n = 1;
    char range[96], ifm[200];
    snprintf(range, sizeof range, "Range: bytes=%llu-%llu", (unsigned long long)r->pos,
             (unsigned long long)(r->pos + n - 1));
    s3_call c = {"GET", r->key, NULL, NULL, 0, {range}, 1, first, NULL, NULL};
    if (!first && r->etag[0]) {
        snprintf(ifm, sizeof ifm, "If-Match: %s", r->etag);
        c.extra[c.nextra++] = ifm;
    }
    http_response resp;
    http_response_init(&resp);
    cdlt_status rc = s3_do(s, &c, &resp, err);
    if (rc != CDLT_OK && rc != CDLT_NOMEM && first) {
        /* Some servers (s3rver) answer a range over an empty object with a body that never
         * comes instead of S3's 416: ask for the size, then retry with the retrying client. */
        uint64_t size;
        int64_t mt;
        cdlt_error e2 = {0};
        if (s3_stat(rd->s, r->key + strlen(s->prefix), &size, &mt, &e2) == CDLT_OK &&
            r->pos >= size) {
            rd->size = size;
            r->end = r->pos;
            http_response_free(&resp);
            cdlt_error_clear(err);
            return CDLT_OK;
        }
        cdlt_error_clear(err);
        c.once = false;
        http_response_free(&resp);
        http_response_init(&resp);
        rc = s3_do(s, &c, &resp, err);
    }
    rc = take_chunk(rd, first, &resp, rc, err);
    http_response_free(&resp);
    return rc;
}

/* Use the answer to the range starting at r->pos (rc: its transport status). */
static cdlt_status take_chunk(os_reader *rd, bool first, http_response *respp, cdlt_status rc,
                              cdlt_error *err)
{
    s3_store *s = rd->s->impl;
    s3_reader *r = rd->impl;
#define resp (*respp)
    char v[160];
    if (rc == CDLT_OK && resp.status == 416 && first) {
        /* the range starts at or past the end (or the object is empty) */
        uint64_t size = 0;
        if (http_response_header(&resp, "Content-Range", v, sizeof v) && strchr(v, '/'))
            size = strtoull(strchr(v, '/') + 1, NULL, 10);
        else {
            int64_t mt;
            r->end = r->pos;
            return s3_stat(rd->s, r->key + strlen(s->prefix), &rd->size, &mt, err);
        }
        rd->size = size;
        r->end = r->pos;
    } else if (rc == CDLT_OK && resp.status == 412) {
        buf u = BUF_INIT;
        obj_url(s, r->key, &u);
        rc = err_set(err, CDLT_IO, "%s changed while it was read (its ETag differs)",
                     buf_cstr(&u));
        err_hint(err, "read it again; avoid rewriting objects that are being read");
        buf_free(&u);
    } else if (rc == CDLT_OK && resp.status != 206 && resp.status != 200) {
        rc = s3_fail(s, "GET", r->key, &resp, err);
    } else if (rc == CDLT_OK) {
        if (first) {
            if (resp.status == 206 && http_response_header(&resp, "Content-Range", v, sizeof v) &&
                strchr(v, '/'))
                rd->size = strtoull(strchr(v, '/') + 1, NULL, 10);
            else
                rd->size = resp.body.len; /* the server sent the whole object */
            if (http_response_header(&resp, "ETag", v, sizeof v))
                snprintf(r->etag, sizeof r->etag, "%s", v);
            if (r->end > rd->size)
                r->end = rd->size;
        }
        buf_free(&r->chunk);
        r->chunk = resp.body; /* take the bytes without copying */
        buf_init(&resp.body, 0);
        r->off = 0;
        if (resp.status == 200 && r->pos > 0) /* whole object: skip to the range */
            r->off = r->pos < r->chunk.len ? (size_t)r->pos : r->chunk.len;
        uint64_t avail = r->chunk.len - r->off;
        if (avail > r->end - r->pos) { /* never hand out more than the range */
            avail = r->end - r->pos;
            r->chunk.len = r->off + (size_t)avail;
        }
        r->pos += avail;
        if (avail == 0 && r->pos < r->end)
            rc = err_set(err, CDLT_IO, "S3 GET s3://%s/%s returned no bytes at offset %llu",
                         s->bucket, r->key, (unsigned long long)r->pos);
    }
#undef resp
    return rc;
}

static cdlt_status pre_done_cb(void *ud, http_response *resp, cdlt_status rc,
                               const cdlt_error *herr)
{
    s3_reader *r = ud;
    r->pre_done = true;
    r->pre_rc = rc;
    if (rc != CDLT_OK)
        r->pre_err = *herr;
    http_response_free(&r->pre);
    r->pre = *resp; /* take the answer */
    http_response_init(resp);
    return CDLT_OK;
}

/* Queue the next chunk while the caller reads this one. A failure to queue is not an error:
 * the chunk is then fetched when needed. */
static void read_ahead(os_reader *rd)
{
    s3_store *s = rd->s->impl;
    s3_reader *r = rd->impl;
    if (r->pre_busy || r->pos >= r->end)
        return;
    uint64_t n = r->end - r->pos < READ_CHUNK ? r->end - r->pos : READ_CHUNK;
    char range[96], ifm[200];
    snprintf(range, sizeof range, "Range: bytes=%llu-%llu", (unsigned long long)r->pos,
             (unsigned long long)(r->pos + n - 1));
    s3_call c = {"GET", r->key, NULL, NULL, 0, {range}, 1, false, pre_done_cb, r};
    if (r->etag[0]) {
        snprintf(ifm, sizeof ifm, "If-Match: %s", r->etag);
        c.extra[c.nextra++] = ifm;
    }
    cdlt_error e = {0};
    r->pre_done = false;
    r->pre_busy = s3_do(s, &c, NULL, &e) == CDLT_OK;
    r->pumped = r->off;
    if (r->pre_busy && http_progress(s->http, &e) != CDLT_OK) /* send it now */
        r->pre_busy = false; /* dropped: fetched when needed */
}

/* Wait for the queued chunk. */
static cdlt_status wait_ahead(os_reader *rd, cdlt_error *err)
{
    s3_store *s = rd->s->impl;
    s3_reader *r = rd->impl;
    while (r->pre_busy && !r->pre_done) {
        if (http_pending(s->http) == 0) /* dropped by a failure elsewhere */
            return err_set(err, CDLT_IO, "S3 GET s3://%s/%s: the read-ahead request was "
                                         "dropped", s->bucket, r->key);
        cdlt_status rc = http_wait(s->http, http_pending(s->http) - 1, err);
        if (rc != CDLT_OK) {
            r->pre_busy = false;
            return rc;
        }
    }
    return CDLT_OK;
}

static cdlt_status s3_reader_open(os_reader *rd, const char *path, uint64_t offset,
                                  uint64_t length, cdlt_error *err)
{
    s3_store *s = rd->s->impl;
    s3_reader *r = mem_calloc(1, sizeof *r);
    buf key = BUF_INIT;
    if (!r || full_key(s, path, &key) != CDLT_OK) {
        mem_free(r);
        buf_free(&key);
        return err_nomem(err);
    }
    r->key = buf_detach(&key, NULL);
    http_response_init(&r->pre);
    r->pos = offset;
    r->end = length > UINT64_MAX - offset ? UINT64_MAX : offset + length;
    rd->impl = r;
    cdlt_status rc;
    if (length == 0) {
        int64_t mt;
        rc = s3_stat(rd->s, path, &rd->size, &mt, err);
        r->end = r->pos;
    } else {
        rc = fetch(rd, true, length, err);
        if (rc == CDLT_OK)
            read_ahead(rd);
    }
    if (rc != CDLT_OK) {
        buf_free(&r->chunk);
        mem_free(r->key);
        mem_free(r);
        rd->impl = NULL;
    }
    return rc;
}

static cdlt_status s3_read(os_reader *rd, void *b, size_t n, size_t *got, cdlt_error *err)
{
    s3_store *s = rd->s->impl;
    s3_reader *r = rd->impl;
    if (r->off >= r->chunk.len) {
        if (r->pos >= r->end) {
            *got = 0;
            return CDLT_OK;
        }
        cdlt_status rc;
        if (r->pre_busy) {
            rc = wait_ahead(rd, err);
            if (rc == CDLT_OK) {
                r->pre_busy = false;
                if (r->pre_rc != CDLT_OK && err)
                    *err = r->pre_err;
                rc = take_chunk(rd, false, &r->pre, r->pre_rc, err);
                http_response_free(&r->pre);
                http_response_init(&r->pre);
            }
        } else {
            rc = fetch(rd, false, 0, err);
        }
        if (rc != CDLT_OK)
            return rc;
        read_ahead(rd);
    } else if (r->pre_busy && !r->pre_done && r->off - r->pumped >= 256 * 1024) {
        /* keep the queued chunk moving while the caller works through this one */
        r->pumped = r->off;
        cdlt_error e = {0};
        if (http_progress(s->http, &e) != CDLT_OK)
            r->pre_busy = false; /* dropped: fetched again when needed */
    }
    size_t k = r->chunk.len - r->off;
    if (k > n)
        k = n;
    memcpy(b, r->chunk.data + r->off, k);
    r->off += k;
    *got = k;
    return CDLT_OK;
}

static void s3_reader_close(os_reader *rd)
{
    s3_reader *r = rd->impl;
    if (!r)
        return;
    cdlt_error e = {0};
    (void)wait_ahead(rd, &e); /* the queued request points at r */
    http_response_free(&r->pre);
    buf_free(&r->chunk);
    mem_free(r->key);
    mem_free(r);
}

/* ---------------------------------------------------------------- writes ---- */


struct s3_writer;
typedef struct part_slot {
    char *data;          /* part bytes (capacity cap) */
    size_t len, cap;
    bool busy;           /* uploading: the http client borrows data until done */
    int number;          /* part number being uploaded */
    struct s3_writer *x; /* owner (for the done callback) */
} part_slot;

typedef struct s3_writer {
    s3_store *s;                  /* the store */
    char *key;                    /* full key */
    part_slot slots[PART_SLOTS];  /* slot cur is being filled, busy ones are uploading */
    int cur;                      /* slot being filled */
    char *upload_id;              /* multipart upload in progress, or NULL */
    char **etags;                 /* ETag of part i+1 (mem_*), filled as parts finish */
    size_t etags_cap;             /* entries of etags */
    int nparts;                   /* part numbers handed out */
    cdlt_status failed;           /* first failure of a queued part, CDLT_OK while none */
    cdlt_error ferr;              /* its error */
} s3_writer;

static cdlt_status s3_writer_open(os_writer *w, const char *path, cdlt_error *err)
{
    s3_store *s = w->s->impl;
    s3_writer *x = mem_calloc(1, sizeof *x);
    buf key = BUF_INIT;
    if (!x || full_key(s, path, &key) != CDLT_OK) {
        mem_free(x);
        buf_free(&key);
        return err_nomem(err);
    }
    x->s = s;
    x->key = buf_detach(&key, NULL);
    for (int i = 0; i < PART_SLOTS; i++)
        x->slots[i].x = x;
    w->impl = x;
    return CDLT_OK;
}

static cdlt_status start_multipart(s3_store *s, s3_writer *x, cdlt_error *err)
{
    http_response resp;
    http_response_init(&resp);
    s3_call c = {"POST", x->key, "uploads=", NULL, 0, {0}, 0, false, NULL, NULL};
    cdlt_status rc = s3_do(s, &c, &resp, err);
    if (rc == CDLT_OK && resp.status != 200)
        rc = s3_fail(s, "CreateMultipartUpload", x->key, &resp, err);
    buf id = BUF_INIT;
    if (rc == CDLT_OK) {
        if (!s3_xml_text(buf_cstr(&resp.body), resp.body.len, "UploadId", &id) || !id.len)
            rc = err_set(err, CDLT_PARSE, "S3 CreateMultipartUpload of s3://%s/%s: no UploadId "
                                          "in the answer", s->bucket, x->key);
        else if (!(x->upload_id = buf_detach(&id, NULL)))
            rc = err_nomem(err);
    }
    buf_free(&id);
    http_response_free(&resp);
    return rc;
}

/* A part's answer (runs inside http_do / http_wait). Failures are kept for the writer. */
static cdlt_status part_done(void *ud, http_response *resp, cdlt_status rc,
                             const cdlt_error *herr)
{
    part_slot *p = ud;
    s3_writer *x = p->x;
    p->busy = false;
    p->len = 0;
    if (x->failed != CDLT_OK)
        return CDLT_OK;
    char etag[160];
    if (rc != CDLT_OK) {
        x->ferr = *herr;
        x->failed = rc;
        err_prefix(&x->ferr, "S3 UploadPart %d of s3://%s/%s: ", p->number, x->s->bucket,
                   x->key);
    } else if (resp->status != 200) {
        x->failed = s3_fail(x->s, "UploadPart of", x->key, resp, &x->ferr);
    } else if (!http_response_header(resp, "ETag", etag, sizeof etag)) {
        x->failed = err_set(&x->ferr, CDLT_PARSE, "S3 UploadPart %d of s3://%s/%s: no ETag in "
                                                  "the answer", p->number, x->s->bucket, x->key);
    } else if (!(x->etags[p->number - 1] = mem_strdup(etag))) {
        x->failed = err_nomem(&x->ferr);
    }
    return CDLT_OK;
}

/* Queue slot p as the next part. */
static cdlt_status submit_part(s3_writer *x, part_slot *p, cdlt_error *err)
{
    if ((size_t)x->nparts == x->etags_cap) {
        char **g = mem_grow(x->etags, (size_t)x->nparts, &x->etags_cap, sizeof *x->etags, 16);
        if (!g)
            return err_nomem(err);
        memset(g + x->nparts, 0, (x->etags_cap - (size_t)x->nparts) * sizeof *g);
        x->etags = g;
    }
    p->number = ++x->nparts;
    buf q = BUF_INIT;
    buf_printf(&q, "partNumber=%d&uploadId=", p->number);
    s3_uri_encode(&q, x->upload_id, strlen(x->upload_id), false);
    if (q.status != CDLT_OK)
        return err_nomem(err);
    s3_call c = {"PUT", x->key, buf_cstr(&q), p->data ? p->data : "", p->len, {0}, 0, false,
                 part_done, p};
    p->busy = true;
    cdlt_status rc = s3_do(x->s, &c, NULL, err);
    if (rc != CDLT_OK)
        p->busy = false;
    buf_free(&q);
    return rc;
}

/* The first failure of a queued part, as the caller's error. */
static cdlt_status take_failure(s3_writer *x, cdlt_error *err)
{
    if (x->failed != CDLT_OK && err)
        *err = x->ferr;
    return x->failed;
}

/* Wait until at most `busy` slots upload. */
static cdlt_status wait_parts(s3_writer *x, int busy, cdlt_error *err)
{
    for (;;) {
        int n = 0;
        for (int i = 0; i < PART_SLOTS; i++)
            n += x->slots[i].busy;
        if (n <= busy)
            return take_failure(x, err);
        if (http_pending(x->s->http) == 0) { /* cannot happen: a busy slot is a queued part */
            for (int i = 0; i < PART_SLOTS; i++)
                x->slots[i].busy = false;
            continue;
        }
        cdlt_status rc = http_wait(x->s->http, http_pending(x->s->http) - 1, err);
        if (rc != CDLT_OK) { /* every queued part was dropped: nothing borrows a slot now */
            for (int i = 0; i < PART_SLOTS; i++)
                x->slots[i].busy = false;
            return rc;
        }
    }
}

static cdlt_status s3_write(os_writer *w, const void *b, size_t n, cdlt_error *err)
{
    s3_store *s = w->s->impl;
    s3_writer *x = w->impl;
    const char *p = b;
    size_t first_cap = (size_t)(s->threshold > s->part_size ? s->threshold : s->part_size);
    while (n) {
        part_slot *sl = &x->slots[x->cur];
        size_t limit = (size_t)(x->upload_id ? s->part_size : s->threshold);
        if (sl->len >= limit) {
            /* full: the first time this starts the multipart upload; the first part may be
             * larger than the others (threshold vs part_size), which S3 allows */
            if (!x->upload_id) {
                cdlt_status rc = start_multipart(s, x, err);
                if (rc != CDLT_OK)
                    return rc;
            }
            cdlt_status rc = submit_part(x, sl, err);
            if (rc == CDLT_OK)
                rc = wait_parts(x, s->slots - 1, err);
            if (rc != CDLT_OK)
                return rc;
            for (int i = 0; i < s->slots; i++)
                if (!x->slots[i].busy) {
                    x->cur = i;
                    break;
                }
            continue;
        }
        if (!sl->data || sl->len == sl->cap) {
            size_t maxc = x->upload_id ? (size_t)s->part_size : first_cap;
            size_t nc = sl->cap ? sl->cap * 2 : (x->upload_id ? maxc : 65536);
            while (nc < sl->len + (n < limit - sl->len ? n : limit - sl->len))
                nc *= 2;
            if (nc > maxc)
                nc = maxc;
            if (nc > sl->cap) {
                char *g = mem_realloc(sl->data, nc);
                if (!g)
                    return err_nomem(err);
                sl->data = g;
                sl->cap = nc;
            }
        }
        size_t room = (limit < sl->cap ? limit : sl->cap) - sl->len;
        size_t k = n < room ? n : room;
        memcpy(sl->data + sl->len, p, k);
        sl->len += k;
        p += k;
        n -= k;
    }
    return CDLT_OK;
}

static void abort_upload(s3_store *s, s3_writer *x)
{
    cdlt_error e1 = {0};
    (void)wait_parts(x, 0, &e1); /* the slots must not be borrowed when freed */
    if (!x->upload_id)
        return;
    buf q = BUF_INIT;
    buf_puts(&q, "uploadId=");
    s3_uri_encode(&q, x->upload_id, strlen(x->upload_id), false);
    http_response resp;
    http_response_init(&resp);
    cdlt_error e2 = {0};
    s3_call c = {"DELETE", x->key, buf_cstr(&q), NULL, 0, {0}, 0, false, NULL, NULL};
    if (q.status == CDLT_OK && s3_do(s, &c, &resp, &e2) == CDLT_OK && resp.status >= 300)
        LOG_WARN("S3 AbortMultipartUpload of s3://%s/%s: HTTP %ld (the parts may stay billed "
                 "until a lifecycle rule removes them)", s->bucket, x->key, resp.status);
    http_response_free(&resp);
    buf_free(&q);
}

static void free_writer(s3_writer *x)
{
    mem_free(x->key);
    for (int i = 0; i < PART_SLOTS; i++)
        mem_free(x->slots[i].data);
    mem_free(x->upload_id);
    for (size_t i = 0; i < x->etags_cap; i++)
        mem_free(x->etags[i]);
    mem_free(x->etags);
    mem_free(x);
}

static cdlt_status s3_commit(os_writer *w, cdlt_error *err)
{
    s3_store *s = w->s->impl;
    s3_writer *x = w->impl;
    cdlt_status rc = CDLT_OK;
    http_response resp;
    http_response_init(&resp);
    part_slot *sl = &x->slots[x->cur];
    if (!x->upload_id) {
        s3_call c = {"PUT", x->key, NULL, sl->data ? sl->data : "", sl->len, {0}, 0, false,
                     NULL, NULL};
        rc = s3_do(s, &c, &resp, err);
        if (rc == CDLT_OK && resp.status != 200)
            rc = s3_fail(s, "PUT", x->key, &resp, err);
    } else {
        if (sl->len || x->nparts == 0)
            rc = submit_part(x, sl, err);
        if (rc == CDLT_OK)
            rc = wait_parts(x, 0, err);
        buf q = BUF_INIT, body = BUF_INIT;
        buf_puts(&q, "uploadId=");
        s3_uri_encode(&q, x->upload_id, strlen(x->upload_id), false);
        buf_puts(&body, "<CompleteMultipartUpload>");
        for (int i = 0; rc == CDLT_OK && i < x->nparts; i++)
            buf_printf(&body, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1,
                       x->etags[i] ? x->etags[i] : "");
        buf_puts(&body, "</CompleteMultipartUpload>");
        if (rc == CDLT_OK && (q.status != CDLT_OK || body.status != CDLT_OK))
            rc = err_nomem(err);
        if (rc == CDLT_OK) {
            s3_call c = {"POST", x->key, buf_cstr(&q), body.data, body.len, {0}, 0, false,
                         NULL, NULL};
            rc = s3_do(s, &c, &resp, err);
            /* S3 may answer 200 and still report an error in the body */
            if (rc == CDLT_OK &&
                (resp.status != 200 || strstr(buf_cstr(&resp.body), "<Error>")))
                rc = s3_fail(s, "CompleteMultipartUpload of", x->key, &resp, err);
        }
        buf_free(&q);
        buf_free(&body);
        if (rc != CDLT_OK)
            abort_upload(s, x);
    }
    http_response_free(&resp);
    free_writer(x);
    return rc;
}

static void s3_abort(os_writer *w)
{
    s3_writer *x = w->impl;
    abort_upload(w->s->impl, x);
    free_writer(x);
}

static cdlt_status s3_put_file(os_store *st, const char *local_path, const char *path,
                               cdlt_error *err)
{
    int fd = open(local_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return err_set(err, e == ENOENT ? CDLT_NOT_FOUND : CDLT_IO, "cannot open %s: %s",
                       local_path, strerror(e));
    }
    os_writer w = {st, NULL};
    cdlt_status rc = s3_writer_open(&w, path, err);
    char *b = rc == CDLT_OK ? mem_alloc(MiB) : NULL;
    if (rc == CDLT_OK && !b)
        rc = err_nomem(err);
    while (rc == CDLT_OK) {
        ssize_t k = read(fd, b, MiB);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rc = err_set(err, CDLT_IO, "cannot read %s: %s", local_path, strerror(errno));
        else if (k == 0)
            break;
        else
            rc = s3_write(&w, b, (size_t)k, err);
    }
    mem_free(b);
    close(fd);
    if (!w.impl)
        return rc;
    if (rc != CDLT_OK) {
        s3_abort(&w);
        return rc;
    }
    return s3_commit(&w, err);
}

const os_ops os_s3_ops = {
    "s3",          s3_open,         s3_close,  s3_list,  s3_stat,  s3_reader_open,
    s3_read,       s3_reader_close, s3_writer_open, s3_write, s3_commit, s3_abort,
    s3_put_file,   s3_del,
};
