/* apiserver.h: a real HTTP server (libmicrohttpd, loopback only) serving a small JSON API with
 * every pagination style, auth scheme and failure the REST source must handle. The tests start
 * it in-process on a free port (apiserver_start); the same code is the demo API binary
 * `cdlt-demo-api` (tools/apiserver/main.c) that the README's main job and the benchmark run.
 * Every response is deterministic: item i of a collection is the same on every request.
 *
 * ROUTES (all JSON, Content-Type: application/json unless said; unknown path -> 404 JSON
 * {"error":"not found"}; every route accepts GET, and POST where said):
 *
 * Items: item i (1-based) of a collection of `total` items is
 *   {"id": i, "name": "item-i", "value": i*10, "updated_at": T(i),
 *    "owner": {"id": i%7, "login": "user-<i%7>"}, "tags": ["t<i%3>", "x"]}
 *   T(i) = 2024-01-01T00:00:00Z + i hours, written "2024-01-01T05:00:00Z" (UTC, 'Z').
 * Common query params: total (default 25), page_size (default 10).
 *
 * Pagination, one route per style over the item collection:
 *  GET /json_link/items?page=P (P default 1)
 *      {"data":[page P], "next": "<absolute URL of page P+1, keeping other params>" | null}
 *  GET /json_link_nested/items?page=P   same but {"data":[...], "links":{"next": url|null}}
 *  GET /header_link/items?page=P   body: JSON array of page P; header
 *      Link: <absolute url of P+1>; rel="next"   (absent on the last page)
 *  GET /offset/items?offset=O&limit=L   (L default page_size)
 *      {"items":[items O+1..O+L], "total": total}
 *  GET /offset_has_more/items?offset=O&limit=L  {"items":[...], "has_more": true|false}
 *  GET /offset_no_total/items?offset=O&limit=L  {"items":[...]}  (empty list past the end)
 *  GET /page_number/items?page=P  (base 1; page=0 -> 400)
 *      {"results":[page P], "total_pages": ceil(total/page_size), "page": P}
 *  GET /page_number0/items?page=P  same with base 0
 *  GET /cursor/items?cursor=C    C is the id of the last item of the previous page (absent:
 *      start); {"items":[...], "next_cursor": "<id as string>" | null}
 *  POST /cursor_body/items   JSON body {"cursor": C | null, ...}; response as /cursor/items
 *  GET /header_cursor/items?cursor=C  body JSON array; header X-Next-Cursor: <C> (absent at
 *      the end)
 *  GET /single/items         body: one object {"id":1,"name":"item-1",...} (single entity)
 *  GET /array/items          body: JSON array of all `total` items (no paging)
 *  GET /wrapped/items        {"meta":{"count":n}, "data":{"records":[all items]}} (selector
 *      tests: data_selector "data.records")
 *
 * Parent/child:
 *  GET /users?page=P&page_size=S&total=N   (N default 5, S default 10)
 *      {"data":[{"id": u, "login": "user-u", "team": {"name":"team-<u%2>"}}...],
 *       "next": url|null}   (json_link style)
 *  GET /users/{u}/posts       JSON array of 3 posts {"id": u*100+k, "user_id": u,
 *      "title": "post-k", "body": {"text": "..."}} k=1..3; user id 4 -> 404 {"error":...};
 *      a user id > N -> 404.
 *  GET /users/{u}             {"id": u, "login": "user-u", "email": "u@example.com"}
 *
 * Incremental:
 *  GET /events?since=S&until=U&page=P&page_size=Z    events 1..events_total (option,
 *      settable at runtime) with updated_at T(i); only those with S <= updated_at (and
 *      updated_at < U when given; ISO strings compared as text); S/U absent = no bound;
 *      {"data":[...], "next": url|null}.
 *
 * Auth (each returns the item collection as /array/items when authorized, else 401
 *  {"error":"unauthorized"} with header WWW-Authenticate where natural):
 *  GET /auth/bearer           Authorization: Bearer <opts.token>
 *  GET /auth/api_key_header   X-API-Key: <opts.api_key>
 *  GET /auth/api_key_query    ?api_key=<opts.api_key>
 *  GET /auth/api_key_cookie   Cookie: api_key=<opts.api_key>
 *  GET /auth/basic            Authorization: Basic base64(opts.username:opts.password)
 *  POST /oauth/token          form body grant_type=client_credentials&client_id=..&
 *      client_secret=.. (or HTTP basic client_id:client_secret); wrong -> 401; right ->
 *      {"access_token":"tok-<n>", "token_type":"bearer", "expires_in": opts.token_ttl_s}
 *      (n counts tokens issued)
 *  GET /auth/oauth/items?page=P   json_link style over items; needs a live token: a token
 *      is dead after opts.token_ttl_s seconds or after opts.token_max_uses requests
 *      (0 = unlimited) -> 401.
 *
 * Faults (key=K separates counters between tests; counters are per key):
 *  GET /faults/429?key=K&times=N&retry_after=S  first N requests -> 429 with Retry-After: S
 *      (S may be 0); then 200 with the /array/items body
 *  GET /faults/500?key=K&times=N       first N -> 500 {"error":"boom"}; then as above
 *  GET /faults/503?key=K&times=N       same with 503
 *  GET /faults/slow?delay_ms=D         waits D ms, then the /array/items body
 *  GET /faults/hang                    never answers (until the server stops; max 120 s)
 *  GET /faults/truncated               200, Content-Length 1000, sends 100 bytes of a JSON
 *      array, then closes the connection
 *  GET /faults/malformed               200 application/json body '[{"id":1},{"id":2'
 *  GET /faults/html                    200 text/html "<html><body>hi</body></html>"
 *  GET /status/{code}                  that status, body {"status": code}
 *  GET /faults/gzip                    /array/items body gzip-encoded when the request says
 *      Accept-Encoding: gzip (Content-Encoding: gzip)
 *
 * Every request also: waits opts.latency_ms first (benchmarks); is recorded in the request
 * log (method, path with query, and the Authorization / X-API-Key / Cookie headers
 * replaced by "<set>" or "<unset>" so tests can assert on them without secrets). */
#ifndef CDLT_APISERVER_H
#define CDLT_APISERVER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct apiserver_opts {
    int port;                 /* 0 = a free port */
    int latency_ms;           /* added to every request */
    const char *token;        /* bearer token; NULL = "test-token" */
    const char *api_key;      /* NULL = "test-key" */
    const char *username;     /* NULL = "user" */
    const char *password;     /* NULL = "pass" */
    const char *client_id;    /* NULL = "client" */
    const char *client_secret; /* NULL = "secret" */
    int token_ttl_s;          /* 0 = 3600 */
    int token_max_uses;       /* 0 = unlimited */
    int events_total;         /* 0 = 50 */
    bool quiet;               /* no request lines on stderr (the binary prints them unless) */
} apiserver_opts;

typedef struct apiserver apiserver;

/* Start on 127.0.0.1 (thread per connection, so latency does not serialize requests).
 * NULL on failure (message on stderr). */
apiserver *apiserver_start(const apiserver_opts *opts);
int apiserver_port(const apiserver *s);
/* "http://127.0.0.1:<port>" (owned by the server). */
const char *apiserver_url(const apiserver *s);
void apiserver_set_events_total(apiserver *s, int n);
/* Requests served so far, and the i-th request line "GET /path?query auth=<set>" (owned by
 * the server, valid until the next call or stop; NULL past the end). Thread-safe. */
size_t apiserver_request_count(apiserver *s);
const char *apiserver_request(apiserver *s, size_t i);
/* Number of requests whose path (without query) equals `path`. */
size_t apiserver_count_path(apiserver *s, const char *path);
void apiserver_clear_log(apiserver *s);
void apiserver_stop(apiserver *s);

#endif /* CDLT_APISERVER_H */
