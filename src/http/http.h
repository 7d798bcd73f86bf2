/* http.h: an HTTP client on libcurl. It owns connections (reuse, HTTP/1.1 and HTTP/2 where the
 * server offers it, gzip/deflate/br as libcurl offers them, TLS with the system CA store,
 * proxies from the environment as libcurl reads them), retries with exponential backoff and
 * Retry-After, and concurrency through one curl multi handle with a total and a per-host limit.
 * It knows nothing about dlt or REST APIs: rest_api/ puts paging, auth and selectors on top.
 * Depends on core only. Everything runs on the thread that calls http_run / http_do: the done
 * callbacks run there too, so callers need no locks. Behaviour decisions: docs/http.md. */
#ifndef CDLT_HTTP_H
#define CDLT_HTTP_H

#include "core/core.h"

/* Defaults follow dlt's [runtime] keys: request_timeout = 60, request_max_attempts = 5,
 * request_backoff_factor = 1, request_max_retry_delay = 300. */
typedef struct http_settings {
    double timeout_s;          /* whole request (connect + transfer); 0 = 60 */
    double connect_timeout_s;  /* 0 = min(timeout_s, 30) */
    int max_attempts;          /* tries per request incl. the first; 0 = 5; 1 = no retries */
    double backoff_factor;     /* wait before retry n (n = 1, 2, ...) = factor * 2^(n-1) s,
                                  capped by max_retry_delay_s; 0 = 1.0; < 0 = no wait (tests) */
    double max_retry_delay_s;  /* cap for backoff and Retry-After; 0 = 300 */
    bool no_retry_on_status;   /* true: 429/5xx are returned at once, not retried */
    bool ignore_retry_after;   /* true: the backoff alone sets the wait (dlt's
                                  respect_retry_after_header = false) */
    int max_connections;       /* transfers at the same time over all hosts; 0 = 16 */
    int max_host_connections;  /* per host; 0 = 8 */
    const char *user_agent;    /* NULL = "cdlt/<version>" */
    uint64_t max_body_bytes;   /* a larger body is an error (CDLT_TOO_LARGE); 0 = 1 GiB */
    bool raw_body;             /* true: no Accept-Encoding, bodies as stored (object storage:
                                  a gzip object must stay gzip, byte ranges must be raw) */
    bool borrow_bodies;        /* true: request bodies are not copied; each must stay valid
                                  until its request is done (http_do: until it returns).
                                  Large uploads skip a copy. */
} http_settings;

typedef struct http_request {
    const char *method;               /* "GET" (NULL), "POST", "PUT", "DELETE", "PATCH", "HEAD" */
    const char *url;                  /* absolute URL, query string included */
    const char *const *headers;       /* "Name: value" lines; may be NULL */
    size_t nheaders;
    const char *body;                 /* request body or NULL */
    size_t body_len;
} http_request;

typedef struct http_response {
    long status;          /* HTTP status of the last attempt; 0 when no response came */
    buf body;             /* body of the last attempt, decoded (gzip etc.), NUL-terminated */
    strv headers;         /* "Name: value" lines of the last attempt's final response */
    char *url;            /* effective URL (after redirects); mem_* string */
    int attempts;         /* tries made */
    double seconds;       /* wall time incl. retries and waits */
} http_response;

void http_response_init(http_response *r);
void http_response_free(http_response *r);
/* First header `name` (case-insensitive), value with surrounding blanks trimmed, written into
 * out (NUL-terminated, truncated to cap); false when absent. */
bool http_response_header(const http_response *r, const char *name, char *out, size_t cap);
/* Content-Type without parameters, lower-case ("application/json"), "" when absent. */
const char *http_response_content_type(const http_response *r, char *out, size_t cap);

typedef struct http_client http_client;

cdlt_status http_client_new(const http_settings *s, http_client **out, cdlt_error *err);
void http_client_free(http_client *c); /* aborts transfers still queued (callbacks not run) */

/* Called once per submitted request, after its last attempt, on the http_run thread.
 * rc == CDLT_OK: a response arrived (any status; resp->status says which). Otherwise a
 * transport failure after all attempts (connection refused, timeout, body cut short, body
 * too large): err says what and names the URL with secrets masked (err_set_url). The
 * callback owns nothing: resp is freed after it returns unless it takes resp->body with
 * buf_detach. It may submit more requests. Returning non-OK stops http_run, which returns
 * that status (transfers still running are aborted; their callbacks are not run). */
typedef cdlt_status (*http_done_fn)(void *ud, http_response *resp, cdlt_status rc,
                                    const cdlt_error *err);

/* Queue a request (copied: the caller's strings may go away). Starts when a slot is free:
 * requests start in submission order within the limits. */
cdlt_status http_submit(http_client *c, const http_request *req, http_done_fn done, void *ud,
                        cdlt_error *err);
/* Run until every submitted request (and those submitted by callbacks) is done, or a callback
 * fails. */
cdlt_status http_run(http_client *c, cdlt_error *err);
/* Run until at most max_pending submitted requests are not done yet (0 = http_run): a caller
 * with a fixed number of buffers in flight waits here for one to come back. On failure every
 * request still queued is dropped, as in http_run. */
cdlt_status http_wait(http_client *c, size_t max_pending, cdlt_error *err);
/* One pass without blocking: start queued requests, move the bytes that are there, run the
 * done callbacks of finished requests. Lets a caller keep a queued request moving between its
 * own work (read-ahead). Failure drops every queued request, as in http_run. */
cdlt_status http_progress(http_client *c, cdlt_error *err);
size_t http_pending(const http_client *c); /* submitted and not yet done */

/* One request, synchronously, with the same retries; other queued requests progress too.
 * rc as for http_done_fn; out is the caller's (http_response_init / _free). */
cdlt_status http_do(http_client *c, const http_request *req, http_response *out,
                    cdlt_error *err);

/* Percent-encode s for a query value or path segment (RFC 3986 unreserved kept). */
cdlt_status http_url_encode(buf *out, const char *s, size_t len);
/* Resolve a reference against a base URL (RFC 3986: "page=2", "/x?y", "https://h/p" ...). */
cdlt_status http_url_join(buf *out, const char *base, const char *ref);
/* Set (replace or add) query parameter `name` of url to value (encoded here). */
cdlt_status http_url_set_param(buf *out, const char *url, const char *name, const char *value);

#endif /* CDLT_HTTP_H */
