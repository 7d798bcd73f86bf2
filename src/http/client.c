/* client.c: http.h on one curl multi handle. Requests wait in a FIFO until a transfer slot is
 * free, overall and for their host; a finished transfer that should be retried (429, 5xx,
 * connection errors) goes to a timer list with its backoff and is started again when due,
 * without blocking the others. */
#include "http.h"

#include "cdlt.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct xfer xfer;
struct xfer {
    http_client *c;
    CURL *easy;
    struct curl_slist *hdrs;
    char *method, *url, *body;
    size_t body_len;
    bool body_borrowed; /* body is the caller's (http_settings.borrow_bodies): not freed */
    http_done_fn done;
    void *ud;
    http_response resp;
    double t0;        /* first attempt start */
    double due;       /* retry time (timer list) */
    bool too_large;
    bool *sync_flag;  /* http_do: set when done */
    size_t host;      /* index into http_client.hosts */
    xfer *next;       /* queue / timer / active list */
};

/* Transfers on the wire per scheme://authority. We hand a transfer to curl only when its host
 * has a free slot: curl's own per-host queue would start the request's timeout while it waits
 * there, so requests queued behind slow ones time out without ever being sent. */
typedef struct host_slot {
    char *key; /* URL prefix up to the end of the authority */
    size_t len;
    int active;
} host_slot;

struct http_client {
    CURLM *multi;
    http_settings s;
    char ua[64];
    xfer *queue_head, *queue_tail; /* waiting for a slot */
    xfer *timers;                  /* waiting for a retry */
    xfer *active;                  /* on the wire */
    int nactive;
    size_t pending;
    CURL **idle;                   /* reusable easy handles (keep their connections) */
    size_t nidle, capidle;
    host_slot *hosts;
    size_t nhosts, caphosts;
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

void http_response_init(http_response *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, 0);
}

void http_response_free(http_response *r)
{
    if (!r)
        return;
    buf_free(&r->body);
    strv_free(&r->headers);
    mem_free(r->url);
    r->url = NULL;
}

bool http_response_header(const http_response *r, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->headers.n; i++) {
        const char *h = r->headers.v[i];
        if (strncasecmp(h, name, n) != 0 || h[n] != ':')
            continue;
        const char *v = h + n + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t l = strlen(v);
        while (l && (v[l - 1] == ' ' || v[l - 1] == '\t' || v[l - 1] == '\r' || v[l - 1] == '\n'))
            l--;
        if (cap) {
            size_t k = l < cap - 1 ? l : cap - 1;
            memcpy(out, v, k);
            out[k] = 0;
        }
        return true;
    }
    return false;
}

const char *http_response_content_type(const http_response *r, char *out, size_t cap)
{
    if (!cap)
        return out;
    out[0] = 0;
    if (!http_response_header(r, "Content-Type", out, cap))
        return out;
    char *semi = strchr(out, ';');
    if (semi)
        *semi = 0;
    size_t l = strlen(out);
    while (l && out[l - 1] == ' ')
        out[--l] = 0;
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    return out;
}

cdlt_status http_client_new(const http_settings *s, http_client **out, cdlt_error *err)
{
    pthread_once(&g_once, global_init);
    *out = NULL;
    http_client *c = mem_calloc(1, sizeof *c);
    if (!c)
        return err_nomem(err);
    if (s)
        c->s = *s;
    if (c->s.timeout_s <= 0)
        c->s.timeout_s = 60;
    if (c->s.connect_timeout_s <= 0)
        c->s.connect_timeout_s = c->s.timeout_s < 30 ? c->s.timeout_s : 30;
    if (c->s.max_attempts <= 0)
        c->s.max_attempts = 5;
    if (c->s.backoff_factor == 0)
        c->s.backoff_factor = 1;
    if (c->s.max_retry_delay_s <= 0)
        c->s.max_retry_delay_s = 300;
    if (c->s.max_connections <= 0)
        c->s.max_connections = 16;
    if (c->s.max_host_connections <= 0)
        c->s.max_host_connections = 8;
    if (c->s.max_body_bytes == 0)
        c->s.max_body_bytes = 1ull << 30;
    snprintf(c->ua, sizeof c->ua, "cdlt/%s", CDLT_VERSION);
    c->multi = curl_multi_init();
    if (!c->multi) {
        mem_free(c);
        return err_set(err, CDLT_NOMEM, "cannot create an HTTP client (curl_multi_init)");
    }
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)c->s.max_connections);
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->s.max_host_connections);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    *out = c;
    return CDLT_OK;
}

static void xfer_free(xfer *x)
{
    if (!x)
        return;
    curl_slist_free_all(x->hdrs);
    mem_free(x->method);
    mem_free(x->url);
    if (!x->body_borrowed)
        mem_free(x->body);
    http_response_free(&x->resp);
    mem_free(x);
}

static void release_easy(http_client *c, CURL *e)
{
    if (!e)
        return;
    if (c->nidle == c->capidle) {
        size_t nc = c->capidle ? c->capidle * 2 : 8;
        CURL **n = mem_realloc(c->idle, nc * sizeof *n);
        if (!n) {
            curl_easy_cleanup(e);
            return;
        }
        c->idle = n;
        c->capidle = nc;
    }
    c->idle[c->nidle++] = e;
}

void http_client_free(http_client *c)
{
    if (!c)
        return;
    for (xfer *x = c->active, *n; x; x = n) {
        n = x->next;
        curl_multi_remove_handle(c->multi, x->easy);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
        xfer_free(x);
    }
    xfer *lists[2] = {c->queue_head, c->timers};
    for (int i = 0; i < 2; i++)
        for (xfer *x = lists[i], *n; x; x = n) {
            n = x->next;
            xfer_free(x);
        }
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    mem_free(c->idle);
    for (size_t i = 0; i < c->nhosts; i++)
        mem_free(c->hosts[i].key);
    mem_free(c->hosts);
    curl_multi_cleanup(c->multi);
    mem_free(c);
}

/* The host slot of url (scheme://authority, compared case-insensitively); SIZE_MAX when out
 * of memory. A URL without "://" is its own host: curl rejects it at once anyway. */
static size_t host_of(http_client *c, const char *url)
{
    const char *p = strstr(url, "://");
    size_t len = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);
    for (size_t i = 0; i < c->nhosts; i++)
        if (c->hosts[i].len == len && strncasecmp(c->hosts[i].key, url, len) == 0)
            return i;
    if (c->nhosts == c->caphosts) {
        size_t nc = c->caphosts ? c->caphosts * 2 : 4;
        host_slot *n = mem_realloc(c->hosts, nc * sizeof *n);
        if (!n)
            return SIZE_MAX;
        c->hosts = n;
        c->caphosts = nc;
    }
    char *key = mem_strndup(url, len);
    if (!key)
        return SIZE_MAX;
    c->hosts[c->nhosts] = (host_slot){key, len, 0};
    return c->nhosts++;
}

size_t http_pending(const http_client *c) { return c->pending; }

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    if (x->resp.body.len + len > x->c->s.max_body_bytes) {
        x->too_large = true;
        return 0;
    }
    return buf_append(&x->resp.body, p, len) == CDLT_OK ? len : 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = sz * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        strv_clear(&x->resp.headers); /* a new response (redirect, 100-continue) */
        return len;
    }
    size_t l = len;
    while (l && (p[l - 1] == '\r' || p[l - 1] == '\n'))
        l--;
    if (!l || !memchr(p, ':', l))
        return len;
    /* a known length: one allocation for the body instead of doublings (large objects) */
    if (l > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
        unsigned long long cl = strtoull(p + 15, NULL, 10);
        if (cl > x->resp.body.cap && cl <= x->c->s.max_body_bytes)
            (void)buf_reserve(&x->resp.body, (size_t)cl);
    }
    char *line = mem_strndup(p, l);
    if (!line)
        return 0;
    cdlt_status rc = strv_add(&x->resp.headers, line);
    mem_free(line);
    return rc == CDLT_OK ? len : 0;
}

static cdlt_status start(http_client *c, xfer *x, cdlt_error *err)
{
    CURL *e = c->nidle ? c->idle[--c->nidle] : curl_easy_init();
    if (!e)
        return err_set(err, CDLT_NOMEM, "cannot create an HTTP transfer (curl_easy_init)");
    curl_easy_reset(e);
    x->easy = e;
    buf_clear(&x->resp.body);
    x->resp.body.status = CDLT_OK;
    strv_clear(&x->resp.headers);
    x->too_large = false;
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->s.user_agent ? c->s.user_agent : c->ua);
    if (!c->s.raw_body)
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(c->s.timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->s.connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    if (strcmp(x->method, "GET") != 0) {
        if (strcmp(x->method, "HEAD") == 0)
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        else
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
        if (x->body || strcmp(x->method, "POST") == 0) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body ? x->body : "");
        }
    }
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        release_easy(c, e);
        x->easy = NULL;
        return err_set(err, CDLT_IO, "cannot start an HTTP transfer");
    }
    x->resp.attempts++;
    x->next = c->active;
    c->active = x;
    c->nactive++;
    c->hosts[x->host].active++;
    return CDLT_OK;
}

cdlt_status http_submit(http_client *c, const http_request *req, http_done_fn done, void *ud,
                        cdlt_error *err)
{
    xfer *x = mem_calloc(1, sizeof *x);
    if (!x)
        return err_nomem(err);
    x->c = c;
    x->done = done;
    x->ud = ud;
    http_response_init(&x->resp);
    x->method = mem_strdup(req->method ? req->method : "GET");
    x->url = mem_strdup(req->url);
    if (req->body && c->s.borrow_bodies) {
        x->body = (char *)req->body;
        x->body_len = req->body_len;
        x->body_borrowed = true;
    } else if (req->body) {
        x->body = mem_alloc(req->body_len + 1);
        if (x->body) {
            memcpy(x->body, req->body, req->body_len);
            x->body[req->body_len] = 0;
        }
        x->body_len = req->body_len;
    }
    bool ok = x->method && x->url && (!req->body || x->body);
    if (ok) {
        x->host = host_of(c, x->url);
        ok = x->host != SIZE_MAX;
    }
    for (size_t i = 0; ok && i < req->nheaders; i++) {
        struct curl_slist *n = curl_slist_append(x->hdrs, req->headers[i]);
        if (!n)
            ok = false;
        else
            x->hdrs = n;
    }
    /* libcurl adds "Expect: 100-continue" to larger POSTs; APIs rarely want the round trip */
    if (ok && x->body) {
        struct curl_slist *n = curl_slist_append(x->hdrs, "Expect:");
        ok = n != NULL;
        if (n)
            x->hdrs = n;
    }
    if (!ok) {
        xfer_free(x);
        return err_nomem(err);
    }
    x->t0 = time_monotonic();
    if (c->queue_tail)
        c->queue_tail->next = x;
    else
        c->queue_head = x;
    c->queue_tail = x;
    c->pending++;
    return CDLT_OK;
}

/* Retry-After as seconds or an HTTP date; < 0 when absent or unreadable. */
static double retry_after(const http_response *r)
{
    char v[128];
    if (!http_response_header(r, "Retry-After", v, sizeof v))
        return -1;
    char *e;
    double s = strtod(v, &e);
    if (e != v && *e == 0)
        return s < 0 ? 0 : s;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
        double d = (double)timegm(&tm) - time_unix();
        return d < 0 ? 0 : d;
    }
    return -1;
}

/* Transport failures worth another try, as dlt retries requests' ConnectionError, Timeout and
 * ChunkedEncodingError: no connection (refused, DNS, TLS handshake), timeouts, a reply cut
 * short or garbled. A bad URL, a redirect loop or a body we refused cannot get better. */
static bool transient(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* Before a URL goes into an error or log line: its password and the values of query params
 * named like secrets (api_key, token, ...) become registered secrets, so the maskers hide them
 * even when the caller did not register them. Only on these rare paths: paging tokens in every
 * URL must not pile up in the secret list. Out of memory leaves them unregistered. */
static void hide_url_secrets(const char *url) { (void)secret_register_credential(url); }

static void detach(http_client *c, xfer *x)
{
    xfer **pp = &c->active;
    while (*pp && *pp != x)
        pp = &(*pp)->next;
    if (*pp)
        *pp = x->next;
    x->next = NULL;
    c->nactive--;
    c->hosts[x->host].active--;
    curl_multi_remove_handle(c->multi, x->easy);
}

static cdlt_status finish(http_client *c, xfer *x, CURLcode cc, cdlt_error *err)
{
    long status = 0;
    char *eff = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
    mem_free(x->resp.url);
    x->resp.url = mem_strdup(eff ? eff : x->url);
    detach(c, x);
    release_easy(c, x->easy);
    x->easy = NULL;
    x->resp.status = cc == CURLE_OK ? status : 0;
    bool transport = cc != CURLE_OK && !x->too_large && transient(cc);
    bool retry_status = cc == CURLE_OK && !c->s.no_retry_on_status &&
                        (status == 429 || (status >= 500 && status <= 599));
    if ((transport || retry_status) && x->resp.attempts < c->s.max_attempts) {
        double wait = -1;
        if (retry_status && !c->s.ignore_retry_after)
            wait = retry_after(&x->resp);
        if (wait < 0)
            wait = c->s.backoff_factor < 0
                       ? 0
                       : c->s.backoff_factor * (double)(1u << (x->resp.attempts - 1 < 20
                                                                   ? x->resp.attempts - 1
                                                                   : 20));
        if (wait > c->s.max_retry_delay_s)
            wait = c->s.max_retry_delay_s;
        if (log_enabled(CDLT_LOG_DEBUG))
            hide_url_secrets(x->url);
        LOG_DEBUG("HTTP %s %s: %s; retry %d of %d in %.2f s", x->method, x->url,
                  transport ? curl_easy_strerror(cc) : "retryable status",
                  x->resp.attempts, c->s.max_attempts - 1, wait);
        x->due = time_monotonic() + wait;
        x->next = c->timers;
        c->timers = x;
        return CDLT_OK;
    }
    x->resp.seconds = time_monotonic() - x->t0;
    cdlt_status rc = CDLT_OK;
    cdlt_error local = {0};
    if (x->too_large || cc != CURLE_OK)
        hide_url_secrets(x->url);
    if (x->too_large) {
        err_set(&local, CDLT_TOO_LARGE,
                "the response from %s is larger than %llu bytes", x->url,
                (unsigned long long)c->s.max_body_bytes);
        rc = CDLT_TOO_LARGE;
    } else if (cc != CURLE_OK) {
        const char *tries = x->resp.attempts == 1 ? "attempt" : "attempts";
        if (cc == CURLE_OPERATION_TIMEDOUT)
            err_set(&local, CDLT_IO, "HTTP %s %s timed out after %g s (%d %s)", x->method,
                    x->url, c->s.timeout_s, x->resp.attempts, tries);
        else
            err_set(&local, CDLT_IO, "HTTP %s %s failed: %s (%d %s)", x->method, x->url,
                    curl_easy_strerror(cc), x->resp.attempts, tries);
        err_hint(&local, "%s",
                 cc == CURLE_OPERATION_TIMEDOUT
                     ? "check the server; raise [runtime] request_timeout if it is slow"
                 : transient(cc) ? "check the URL and that the server is reachable; [runtime] "
                                   "request_max_attempts sets the tries"
                                 : "check the URL (not retried: another try cannot help)");
        rc = CDLT_IO;
    }
    if (rc != CDLT_OK)
        err_set_url(&local, x->url);
    c->pending--;
    cdlt_status cb = CDLT_OK;
    if (x->sync_flag) {
        *x->sync_flag = true;
        cb = x->done(x->ud, &x->resp, rc, &local);
    } else if (x->done) {
        cb = x->done(x->ud, &x->resp, rc, &local);
    }
    xfer_free(x);
    if (cb != CDLT_OK && err && err->code == CDLT_OK)
        err_set(err, cb, "HTTP callback failed: %s", cdlt_strerror(cb));
    return cb;
}

static bool host_free(const http_client *c, const xfer *x)
{
    return c->hosts[x->host].active < c->s.max_host_connections;
}

/* Start due retries, then queued requests, into free slots: the first ones whose host has a
 * free slot, so a busy host does not hold up requests to others. */
static cdlt_status fill(http_client *c, cdlt_error *err)
{
    double now = time_monotonic();
    for (xfer **pp = &c->timers; *pp && c->nactive < c->s.max_connections;) {
        xfer *x = *pp;
        if (x->due <= now && host_free(c, x)) {
            *pp = x->next;
            cdlt_status rc = start(c, x, err);
            if (rc != CDLT_OK) {
                xfer_free(x);
                return rc;
            }
        } else {
            pp = &x->next;
        }
    }
    xfer *prev = NULL;
    for (xfer *x = c->queue_head; x && c->nactive < c->s.max_connections;) {
        xfer *next = x->next;
        if (!host_free(c, x)) {
            prev = x;
            x = next;
            continue;
        }
        if (prev)
            prev->next = next;
        else
            c->queue_head = next;
        if (c->queue_tail == x)
            c->queue_tail = prev;
        x->next = NULL;
        cdlt_status rc = start(c, x, err);
        if (rc != CDLT_OK) {
            xfer_free(x);
            return rc;
        }
        x = next;
    }
    return CDLT_OK;
}

/* After a failed callback or loop error: drop every request still queued, waiting for a retry
 * or on the wire, without their callbacks (http.h), so the client is empty and usable again
 * and no http_do request is left pointing at a returned caller's stack. */
static void abort_all(http_client *c)
{
    for (xfer *x = c->active, *n; x; x = n) {
        n = x->next;
        curl_multi_remove_handle(c->multi, x->easy);
        release_easy(c, x->easy);
        x->easy = NULL;
        xfer_free(x);
    }
    xfer *lists[2] = {c->queue_head, c->timers};
    for (int i = 0; i < 2; i++)
        for (xfer *x = lists[i], *n; x; x = n) {
            n = x->next;
            xfer_free(x);
        }
    c->active = c->queue_head = c->queue_tail = c->timers = NULL;
    c->nactive = 0;
    c->pending = 0;
    for (size_t i = 0; i < c->nhosts; i++)
        c->hosts[i].active = 0;
}

/* Start queued requests, move data, run done callbacks; never blocks. */
static cdlt_status pump(http_client *c, cdlt_error *err)
{
    cdlt_status rc = fill(c, err);
    if (rc != CDLT_OK)
        return rc;
    int running = 0;
    if (curl_multi_perform(c->multi, &running) != CURLM_OK)
        return err_set(err, CDLT_IO, "HTTP transfer loop failed");
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        rc = finish(c, x, m->data.result, err);
        if (rc != CDLT_OK)
            return rc;
    }
    return fill(c, err);
}

static cdlt_status step(http_client *c, cdlt_error *err)
{
    cdlt_status rc = pump(c, err);
    if (rc != CDLT_OK)
        return rc;
    if (c->nactive == 0 && !c->queue_head && !c->timers)
        return CDLT_OK;
    int timeout = 1000;
    if (c->timers) {
        double now = time_monotonic(), soonest = 1e18;
        for (xfer *x = c->timers; x; x = x->next)
            if (x->due < soonest)
                soonest = x->due;
        double ms = (soonest - now) * 1000;
        timeout = ms < 0 ? 0 : ms < 1000 ? (int)ms + 1 : 1000;
    }
    if (c->nactive > 0) {
        if (curl_multi_poll(c->multi, NULL, 0, timeout, NULL) != CURLM_OK)
            return err_set(err, CDLT_IO, "HTTP transfer loop failed (poll)");
    } else if (timeout > 0) {
        struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return CDLT_OK;
}

cdlt_status http_run(http_client *c, cdlt_error *err)
{
    while (c->pending > 0) {
        cdlt_status rc = step(c, err);
        if (rc != CDLT_OK) {
            abort_all(c);
            return rc;
        }
    }
    return CDLT_OK;
}

cdlt_status http_progress(http_client *c, cdlt_error *err)
{
    cdlt_status rc = pump(c, err);
    if (rc != CDLT_OK)
        abort_all(c);
    return rc;
}

cdlt_status http_wait(http_client *c, size_t max_pending, cdlt_error *err)
{
    while (c->pending > max_pending) {
        cdlt_status rc = step(c, err);
        if (rc != CDLT_OK) {
            abort_all(c);
            return rc;
        }
    }
    return CDLT_OK;
}

typedef struct sync_ud {
    http_response *out;
    cdlt_status rc;
    cdlt_error *err;
} sync_ud;

static cdlt_status sync_done(void *ud, http_response *resp, cdlt_status rc,
                             const cdlt_error *herr)
{
    sync_ud *s = ud;
    s->rc = rc;
    if (rc != CDLT_OK && s->err)
        *s->err = *herr;
    /* hand the response over */
    http_response_free(s->out);
    *s->out = *resp;
    http_response_init(resp);
    return CDLT_OK;
}

cdlt_status http_do(http_client *c, const http_request *req, http_response *out,
                    cdlt_error *err)
{
    sync_ud s = {out, CDLT_OK, err};
    bool flag = false;
    cdlt_status rc = http_submit(c, req, sync_done, &s, err);
    if (rc != CDLT_OK)
        return rc;
    c->queue_tail->sync_flag = &flag;
    while (!flag) {
        rc = step(c, err);
        if (rc != CDLT_OK) {
            abort_all(c);
            return rc;
        }
    }
    return s.rc;
}

/* ---- URLs ---- */

cdlt_status http_url_encode(buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            buf_putc(out, (char)ch);
        } else {
            buf_putc(out, '%');
            buf_putc(out, hex[ch >> 4]);
            buf_putc(out, hex[ch & 15]);
        }
    }
    return out->status;
}

cdlt_status http_url_join(buf *out, const char *base, const char *ref)
{
    buf_clear(out);
    CURLU *u = curl_url();
    if (!u)
        return CDLT_NOMEM;
    cdlt_status rc = CDLT_OK;
    if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        /* not resolvable: take the reference as it is */
        rc = buf_puts(out, ref);
    } else {
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK && s) {
            rc = buf_puts(out, s);
            curl_free(s);
        } else {
            rc = buf_puts(out, ref);
        }
    }
    curl_url_cleanup(u);
    return rc;
}

cdlt_status http_url_set_param(buf *out, const char *url, const char *name, const char *value)
{
    buf_clear(out);
    const char *q = strchr(url, '?');
    const char *frag = strchr(url, '#');
    if (q && frag && frag < q)
        q = NULL; /* "a#b?c": the '?' is part of the fragment, not a query */
    size_t base_len = q ? (size_t)(q - url) : frag ? (size_t)(frag - url) : strlen(url);
    buf_append(out, url, base_len);
    bool first = true, done = false;
    size_t nl = strlen(name);
    if (q) {
        const char *p = q + 1;
        const char *end = frag ? frag : url + strlen(url);
        while (p < end) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *pe = amp ? amp : end;
            bool same = (size_t)(pe - p) >= nl && strncmp(p, name, nl) == 0 &&
                        (p + nl == pe || p[nl] == '=');
            buf_putc(out, first ? '?' : '&');
            first = false;
            if (same && !done) {
                http_url_encode(out, name, nl);
                buf_putc(out, '=');
                http_url_encode(out, value, strlen(value));
                done = true;
            } else if (!same) {
                buf_append(out, p, (size_t)(pe - p));
            } else {
                out->len--; /* a repeated param: drop the later ones */
            }
            p = amp ? amp + 1 : end;
        }
    }
    if (!done) {
        buf_putc(out, first ? '?' : '&');
        http_url_encode(out, name, nl);
        buf_putc(out, '=');
        http_url_encode(out, value, strlen(value));
    }
    if (frag)
        buf_puts(out, frag);
    return out->status;
}
