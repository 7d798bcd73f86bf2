#define _GNU_SOURCE
/* apiserver.c: the test and demo API server of apiserver.h on libmicrohttpd. Test tooling,
 * not part of libcdlt: plain malloc here. Every route answers from a generator, so any page
 * of any collection is the same on every request. */
#include "apiserver.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void sb_put(sb *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        while (nc < b->n + n + 1)
            nc *= 2;
        b->p = realloc(b->p, nc);
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_printf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

typedef struct fault {
    char key[64];
    int count;
} fault;

struct apiserver {
    struct MHD_Daemon *d;
    apiserver_opts o;
    int port;
    char url[64];
    pthread_mutex_t mu;
    volatile int stopping;
    int events_total;
    char **log;
    size_t nlog, caplog;
    char *last; /* returned by apiserver_request */
    fault faults[256];
    size_t nfaults;
    int tokens_issued;
    char live_token[64];
    double token_born;
    int token_uses;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void iso_time(int i, char *out, size_t cap)
{
    time_t t = 1704067200 + (time_t)i * 3600; /* 2024-01-01T00:00:00Z + i hours */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void item_json(sb *b, int i)
{
    char t[32];
    iso_time(i, t, sizeof t);
    sb_printf(b,
              "{\"id\":%d,\"name\":\"item-%d\",\"value\":%d,\"updated_at\":\"%s\","
              "\"owner\":{\"id\":%d,\"login\":\"user-%d\"},\"tags\":[\"t%d\",\"x\"]}",
              i, i, i * 10, t, i % 7, i % 7, i % 3);
}

static void items_range(sb *b, int from, int to) /* [from, to], 1-based, clipped by caller */
{
    sb_put(b, "[", 1);
    for (int i = from; i <= to; i++) {
        if (i > from)
            sb_put(b, ",", 1);
        item_json(b, i);
    }
    sb_put(b, "]", 1);
}

static const char *arg(struct MHD_Connection *c, const char *k)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static int iarg(struct MHD_Connection *c, const char *k, int dflt)
{
    const char *v = arg(c, k);
    return v && *v ? atoi(v) : dflt;
}

static const char *hdr(struct MHD_Connection *c, const char *k)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, k);
}

/* The request's URL (this server's base + path) with param `k` set to v, others kept. */
typedef struct qctx {
    sb *b;
    const char *skip;
    int first;
} qctx;

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    qctx *q = cls;
    if (q->skip && strcmp(key, q->skip) == 0)
        return MHD_YES;
    sb_put(q->b, q->first ? "?" : "&", 1);
    q->first = 0;
    /* values here are simple (digits, words); encode the few specials tests use */
    sb_put(q->b, key, strlen(key));
    sb_put(q->b, "=", 1);
    for (const char *p = value ? value : ""; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-_.~", *p))
            sb_put(q->b, p, 1);
        else
            sb_printf(q->b, "%%%02X", (unsigned char)*p);
    }
    return MHD_YES;
}

static void self_url(apiserver *s, struct MHD_Connection *c, const char *path, const char *k,
                     const char *v, sb *out)
{
    sb_printf(out, "%s%s", s->url, path);
    qctx q = {out, k, 1};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    sb_printf(out, "%s%s=%s", q.first ? "?" : "&", k, v);
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, const char *ctype,
                             const char *body, size_t n, const char *const *extra)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", ctype ? ctype : "application/json");
    for (size_t i = 0; extra && extra[i]; i += 2)
        MHD_add_response_header(r, extra[i], extra[i + 1]);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_sb(struct MHD_Connection *c, int status, sb *b,
                                const char *const *extra)
{
    enum MHD_Result r = reply(c, status, NULL, b->p ? b->p : "", b->n, extra);
    free(b->p);
    return r;
}

static enum MHD_Result error_json(struct MHD_Connection *c, int status, const char *msg)
{
    char t[256];
    int n = snprintf(t, sizeof t, "{\"error\":\"%s\"}", msg);
    return reply(c, status, NULL, t, (size_t)n, NULL);
}

static int fault_hit(apiserver *s, const char *key)
{
    pthread_mutex_lock(&s->mu);
    fault *f = NULL;
    for (size_t i = 0; i < s->nfaults && !f; i++)
        if (strcmp(s->faults[i].key, key) == 0)
            f = &s->faults[i];
    if (!f && s->nfaults < 256) {
        f = &s->faults[s->nfaults++];
        snprintf(f->key, sizeof f->key, "%s", key);
        f->count = 0;
    }
    int n = f ? ++f->count : 1;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* ---- auth ---- */
static const char *opt(const char *v, const char *d) { return v ? v : d; }

static int b64dec(const char *in, char *out, size_t cap)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    unsigned v = 0;
    int bits = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        const char *q = strchr(tbl, *p);
        if (!q)
            return -1;
        v = (v << 6) | (unsigned)(q - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= cap)
                return -1;
            out[n++] = (char)((v >> bits) & 0xFF);
        }
    }
    out[n] = 0;
    return (int)n;
}

static int authorized(apiserver *s, struct MHD_Connection *c, const char *kind)
{
    const char *a = hdr(c, "Authorization");
    if (strcmp(kind, "bearer") == 0) {
        char want[300];
        snprintf(want, sizeof want, "Bearer %s", opt(s->o.token, "test-token"));
        return a && strcmp(a, want) == 0;
    }
    if (strcmp(kind, "api_key_header") == 0) {
        const char *k = hdr(c, "X-API-Key");
        return k && strcmp(k, opt(s->o.api_key, "test-key")) == 0;
    }
    if (strcmp(kind, "api_key_query") == 0) {
        const char *k = arg(c, "api_key");
        return k && strcmp(k, opt(s->o.api_key, "test-key")) == 0;
    }
    if (strcmp(kind, "api_key_cookie") == 0) {
        const char *k = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "api_key");
        return k && strcmp(k, opt(s->o.api_key, "test-key")) == 0;
    }
    if (strcmp(kind, "basic") == 0) {
        if (!a || strncmp(a, "Basic ", 6) != 0)
            return 0;
        char dec[512], want[512];
        if (b64dec(a + 6, dec, sizeof dec) < 0)
            return 0;
        snprintf(want, sizeof want, "%s:%s", opt(s->o.username, "user"),
                 opt(s->o.password, "pass"));
        return strcmp(dec, want) == 0;
    }
    if (strcmp(kind, "oauth") == 0) {
        if (!a || strncmp(a, "Bearer ", 7) != 0)
            return 0;
        pthread_mutex_lock(&s->mu);
        int ttl = s->o.token_ttl_s > 0 ? s->o.token_ttl_s : 3600;
        int ok = s->live_token[0] && strcmp(a + 7, s->live_token) == 0 &&
                 now_s() - s->token_born < ttl &&
                 (s->o.token_max_uses <= 0 || s->token_uses < s->o.token_max_uses);
        if (ok)
            s->token_uses++;
        pthread_mutex_unlock(&s->mu);
        return ok;
    }
    return 0;
}

static enum MHD_Result unauthorized(struct MHD_Connection *c)
{
    static const char *const h[] = {"WWW-Authenticate", "Bearer", NULL};
    return reply(c, 401, NULL, "{\"error\":\"unauthorized\"}", 24, h);
}

/* form field k of an x-www-form-urlencoded body (decoded into out) */
static int form_field(const char *body, const char *k, char *out, size_t cap)
{
    size_t kl = strlen(k);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        if (seg > kl && strncmp(p, k, kl) == 0 && p[kl] == '=') {
            size_t n = 0;
            for (const char *q = p + kl + 1; q < p + seg && n + 1 < cap; q++) {
                if (*q == '%' && q + 2 < p + seg + 1) {
                    char hx[3] = {q[1], q[2], 0};
                    out[n++] = (char)strtol(hx, NULL, 16);
                    q += 2;
                } else {
                    out[n++] = *q == '+' ? ' ' : *q;
                }
            }
            out[n] = 0;
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

/* ---- truncated body ---- */
static ssize_t trunc_cb(void *cls, uint64_t pos, char *b, size_t max)
{
    (void)cls;
    static const char part[] = "[{\"id\":1,\"name\":\"item-1\"},{\"id\":2,\"name\":\"item-2\"},"
                               "{\"id\":3,\"name\":\"item-3\"},{\"id\":4,";
    if (pos >= 100)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = 100 - (size_t)pos;
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++)
        b[i] = (pos + i) < sizeof part - 1 ? part[pos + i] : ' ';
    return (ssize_t)n;
}

/* ---- the routes ---- */

typedef struct conn {
    sb body;
} conn;

static void log_request(apiserver *s, struct MHD_Connection *c, const char *method,
                        const char *url)
{
    sb line = {0};
    sb_printf(&line, "%s %s", method, url);
    qctx q = {&line, NULL, 1};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    int auth = hdr(c, "Authorization") || hdr(c, "X-API-Key") || hdr(c, "Cookie");
    sb_printf(&line, " auth=%s", auth ? "<set>" : "<unset>");
    pthread_mutex_lock(&s->mu);
    if (s->nlog == s->caplog) {
        s->caplog = s->caplog ? s->caplog * 2 : 256;
        s->log = realloc(s->log, s->caplog * sizeof *s->log);
    }
    s->log[s->nlog++] = line.p;
    pthread_mutex_unlock(&s->mu);
    if (!s->o.quiet)
        fprintf(stderr, "%s\n", line.p);
}

static enum MHD_Result page_of_items(apiserver *s, struct MHD_Connection *c, const char *style,
                                     const char *path, const char *post)
{
    int total = iarg(c, "total", 25), ps = iarg(c, "page_size", 10);
    if (ps <= 0)
        ps = 10;
    sb b = {0};
    if (!strcmp(style, "json_link") || !strcmp(style, "json_link_nested") ||
        !strcmp(style, "header_link") || !strcmp(style, "page_number") ||
        !strcmp(style, "page_number0")) {
        int base = !strcmp(style, "page_number0") ? 0 : 1;
        int page = iarg(c, "page", base);
        if (page < base)
            return error_json(c, 400, "bad page");
        int from = (page - base) * ps + 1, to = from + ps - 1;
        if (to > total)
            to = total;
        int last = to >= total;
        sb next = {0};
        char pv[16];
        snprintf(pv, sizeof pv, "%d", page + 1);
        if (!last)
            self_url(s, c, path, "page", pv, &next);
        if (!strcmp(style, "header_link")) {
            items_range(&b, from, to);
            char link[1200];
            snprintf(link, sizeof link, "<%s>; rel=\"next\"", next.p ? next.p : "");
            const char *h[] = {"Link", link, NULL};
            enum MHD_Result r = reply(c, 200, NULL, b.p, b.n, last ? NULL : h);
            free(b.p);
            free(next.p);
            return r;
        }
        if (!strncmp(style, "page_number", 11)) {
            sb_put(&b, "{\"results\":", 11);
            items_range(&b, from, to);
            sb_printf(&b, ",\"total_pages\":%d,\"page\":%d}", (total + ps - 1) / ps, page);
        } else if (!strcmp(style, "json_link")) {
            sb_put(&b, "{\"data\":", 8);
            items_range(&b, from, to);
            if (last)
                sb_printf(&b, ",\"next\":null}");
            else
                sb_printf(&b, ",\"next\":\"%s\"}", next.p);
        } else {
            sb_put(&b, "{\"data\":", 8);
            items_range(&b, from, to);
            if (last)
                sb_printf(&b, ",\"links\":{\"next\":null}}");
            else
                sb_printf(&b, ",\"links\":{\"next\":\"%s\"}}", next.p);
        }
        free(next.p);
        return reply_sb(c, 200, &b, NULL);
    }
    if (!strncmp(style, "offset", 6)) {
        int off = iarg(c, "offset", 0), lim = iarg(c, "limit", ps);
        int from = off + 1, to = off + lim;
        if (to > total)
            to = total;
        sb_put(&b, "{\"items\":", 9);
        items_range(&b, from, to);
        if (!strcmp(style, "offset"))
            sb_printf(&b, ",\"total\":%d}", total);
        else if (!strcmp(style, "offset_has_more"))
            sb_printf(&b, ",\"has_more\":%s}", to < total ? "true" : "false");
        else
            sb_put(&b, "}", 1);
        return reply_sb(c, 200, &b, NULL);
    }
    if (!strcmp(style, "cursor") || !strcmp(style, "cursor_body") ||
        !strcmp(style, "header_cursor")) {
        int cur = 0;
        if (!strcmp(style, "cursor_body")) {
            const char *p = post ? strstr(post, "\"cursor\"") : NULL;
            if (p) {
                p = strchr(p + 8, ':');
                while (p && (*p == ':' || *p == ' ' || *p == '"'))
                    p++;
                cur = p ? atoi(p) : 0;
            }
        } else {
            cur = iarg(c, "cursor", 0);
        }
        int from = cur + 1, to = cur + ps;
        if (to > total)
            to = total;
        char nc[16];
        snprintf(nc, sizeof nc, "%d", to);
        if (!strcmp(style, "header_cursor")) {
            items_range(&b, from, to);
            const char *h[] = {"X-Next-Cursor", nc, NULL};
            enum MHD_Result r = reply(c, 200, NULL, b.p, b.n, to < total ? h : NULL);
            free(b.p);
            return r;
        }
        sb_put(&b, "{\"items\":", 9);
        items_range(&b, from, to);
        if (to < total)
            sb_printf(&b, ",\"next_cursor\":\"%d\"}", to);
        else
            sb_printf(&b, ",\"next_cursor\":null}");
        return reply_sb(c, 200, &b, NULL);
    }
    if (!strcmp(style, "single")) {
        item_json(&b, 1);
        return reply_sb(c, 200, &b, NULL);
    }
    if (!strcmp(style, "array")) {
        items_range(&b, 1, total);
        return reply_sb(c, 200, &b, NULL);
    }
    if (!strcmp(style, "wrapped")) {
        sb_printf(&b, "{\"meta\":{\"count\":%d},\"data\":{\"records\":", total);
        items_range(&b, 1, total);
        sb_put(&b, "}}", 2);
        return reply_sb(c, 200, &b, NULL);
    }
    return error_json(c, 404, "not found");
}

static enum MHD_Result route(apiserver *s, struct MHD_Connection *c, const char *url,
                             const char *method, const char *post)
{
    char seg[4][128] = {{0}};
    int nseg = 0;
    for (const char *p = url; *p && nseg < 4;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, "/");
        snprintf(seg[nseg++], sizeof seg[0], "%.*s", (int)(n < 127 ? n : 127), p);
        p += n;
    }
    sb b = {0};
    if (nseg == 2 && !strcmp(seg[1], "items"))
        return page_of_items(s, c, seg[0], url, post);
    if (nseg == 1 && !strcmp(seg[0], "users")) {
        int total = iarg(c, "total", 5), ps = iarg(c, "page_size", 10), page = iarg(c, "page", 1);
        if (ps <= 0)
            ps = 10;
        int from = (page - 1) * ps + 1, to = from + ps - 1;
        if (to > total)
            to = total;
        sb_put(&b, "{\"data\":[", 9);
        for (int u = from; u <= to; u++)
            sb_printf(&b, "%s{\"id\":%d,\"login\":\"user-%d\",\"team\":{\"name\":\"team-%d\"}}",
                      u > from ? "," : "", u, u, u % 2);
        sb_put(&b, "]", 1);
        if (to < total) {
            sb next = {0};
            char pv[16];
            snprintf(pv, sizeof pv, "%d", page + 1);
            self_url(s, c, url, "page", pv, &next);
            sb_printf(&b, ",\"next\":\"%s\"}", next.p);
            free(next.p);
        } else {
            sb_printf(&b, ",\"next\":null}");
        }
        return reply_sb(c, 200, &b, NULL);
    }
    if (nseg >= 2 && !strcmp(seg[0], "users")) {
        int u = atoi(seg[1]);
        if (nseg == 3 && !strcmp(seg[2], "posts")) {
            if (u == 4 || u <= 0 || u > 100000)
                return error_json(c, 404, "not found");
            sb_put(&b, "[", 1);
            for (int k = 1; k <= 3; k++)
                sb_printf(&b,
                          "%s{\"id\":%d,\"user_id\":%d,\"title\":\"post-%d\",\"body\":{\"text\":"
                          "\"text of post %d by user %d\"}}",
                          k > 1 ? "," : "", u * 100 + k, u, k, k, u);
            sb_put(&b, "]", 1);
            return reply_sb(c, 200, &b, NULL);
        }
        if (nseg == 2) {
            sb_printf(&b, "{\"id\":%d,\"login\":\"user-%d\",\"email\":\"%d@example.com\"}", u, u,
                      u);
            return reply_sb(c, 200, &b, NULL);
        }
    }
    if (nseg == 1 && !strcmp(seg[0], "events")) {
        pthread_mutex_lock(&s->mu);
        int total = s->events_total;
        pthread_mutex_unlock(&s->mu);
        const char *since = arg(c, "since"), *until = arg(c, "until");
        int ps = iarg(c, "page_size", 20), page = iarg(c, "page", 1);
        if (ps <= 0)
            ps = 20;
        int skip = (page - 1) * ps, shown = 0, matched = 0, more = 0;
        sb_put(&b, "{\"data\":[", 9);
        for (int i = 1; i <= total; i++) {
            char t[32];
            iso_time(i, t, sizeof t);
            if (since && *since && strcmp(t, since) < 0)
                continue;
            if (until && *until && strcmp(t, until) >= 0)
                continue;
            if (matched++ < skip)
                continue;
            if (shown == ps) {
                more = 1;
                break;
            }
            if (shown++)
                sb_put(&b, ",", 1);
            item_json(&b, i);
        }
        sb_put(&b, "]", 1);
        if (more) {
            sb next = {0};
            char pv[16];
            snprintf(pv, sizeof pv, "%d", page + 1);
            self_url(s, c, url, "page", pv, &next);
            sb_printf(&b, ",\"next\":\"%s\"}", next.p);
            free(next.p);
        } else {
            sb_printf(&b, ",\"next\":null}");
        }
        return reply_sb(c, 200, &b, NULL);
    }
    if (nseg == 2 && !strcmp(seg[0], "oauth") && !strcmp(seg[1], "token")) {
        if (strcmp(method, "POST") != 0)
            return error_json(c, 405, "POST only");
        char id[256] = "", sec[256] = "", gt[64] = "";
        form_field(post, "client_id", id, sizeof id);
        form_field(post, "client_secret", sec, sizeof sec);
        form_field(post, "grant_type", gt, sizeof gt);
        const char *a = hdr(c, "Authorization");
        if (a && !strncmp(a, "Basic ", 6)) {
            char dec[512];
            if (b64dec(a + 6, dec, sizeof dec) > 0) {
                char *colon = strchr(dec, ':');
                if (colon) {
                    *colon = 0;
                    snprintf(id, sizeof id, "%s", dec);
                    snprintf(sec, sizeof sec, "%s", colon + 1);
                }
            }
        }
        if (strcmp(gt, "client_credentials") || strcmp(id, opt(s->o.client_id, "client")) ||
            strcmp(sec, opt(s->o.client_secret, "secret")))
            return unauthorized(c);
        pthread_mutex_lock(&s->mu);
        int n = ++s->tokens_issued;
        snprintf(s->live_token, sizeof s->live_token, "tok-%d", n);
        s->token_born = now_s();
        s->token_uses = 0;
        pthread_mutex_unlock(&s->mu);
        sb_printf(&b, "{\"access_token\":\"tok-%d\",\"token_type\":\"bearer\",\"expires_in\":%d}",
                  n, s->o.token_ttl_s > 0 ? s->o.token_ttl_s : 3600);
        return reply_sb(c, 200, &b, NULL);
    }
    if (nseg >= 2 && !strcmp(seg[0], "auth")) {
        const char *kind = seg[1];
        if (!authorized(s, c, kind))
            return unauthorized(c);
        if (!strcmp(kind, "oauth"))
            return page_of_items(s, c, "json_link", url, post);
        items_range(&b, 1, iarg(c, "total", 25));
        return reply_sb(c, 200, &b, NULL);
    }
    if (nseg == 2 && !strcmp(seg[0], "status"))
        return error_json(c, atoi(seg[1]) >= 100 ? atoi(seg[1]) : 500, seg[1]);
    if (nseg == 2 && !strcmp(seg[0], "faults")) {
        const char *f = seg[1];
        if (!strcmp(f, "429") || !strcmp(f, "500") || !strcmp(f, "503")) {
            char key[128];
            snprintf(key, sizeof key, "%s/%s", f, arg(c, "key") ? arg(c, "key") : "");
            int n = fault_hit(s, key);
            if (n <= iarg(c, "times", 1)) {
                if (!strcmp(f, "429")) {
                    const char *h[] = {"Retry-After", arg(c, "retry_after") ? arg(c, "retry_after")
                                                                            : "0",
                                       NULL};
                    return reply(c, 429, NULL, "{\"error\":\"slow down\"}", 21, h);
                }
                return error_json(c, atoi(f), "boom");
            }
            items_range(&b, 1, iarg(c, "total", 25));
            return reply_sb(c, 200, &b, NULL);
        }
        if (!strcmp(f, "slow")) {
            usleep((useconds_t)iarg(c, "delay_ms", 100) * 1000);
            items_range(&b, 1, iarg(c, "total", 25));
            return reply_sb(c, 200, &b, NULL);
        }
        if (!strcmp(f, "hang")) {
            for (int i = 0; i < 1200 && !s->stopping; i++)
                usleep(100000);
            return error_json(c, 503, "stopped");
        }
        if (!strcmp(f, "truncated")) {
            struct MHD_Response *r =
                MHD_create_response_from_callback(1000, 256, trunc_cb, NULL, NULL);
            MHD_add_response_header(r, "Content-Type", "application/json");
            enum MHD_Result ret = MHD_queue_response(c, 200, r);
            MHD_destroy_response(r);
            return ret;
        }
        if (!strcmp(f, "malformed"))
            return reply(c, 200, NULL, "[{\"id\":1},{\"id\":2", 17, NULL);
        if (!strcmp(f, "html"))
            return reply(c, 200, "text/html", "<html><body>hi</body></html>", 28, NULL);
        if (!strcmp(f, "gzip")) {
            items_range(&b, 1, iarg(c, "total", 25));
            const char *ae = hdr(c, "Accept-Encoding");
            if (!ae || !strstr(ae, "gzip"))
                return reply_sb(c, 200, &b, NULL);
            uLong cap = compressBound((uLong)b.n) + 64;
            unsigned char *z = malloc(cap);
            z_stream zs;
            memset(&zs, 0, sizeof zs);
            deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
            zs.next_in = (unsigned char *)b.p;
            zs.avail_in = (uInt)b.n;
            zs.next_out = z;
            zs.avail_out = (uInt)cap;
            deflate(&zs, Z_FINISH);
            size_t zn = zs.total_out;
            deflateEnd(&zs);
            const char *h[] = {"Content-Encoding", "gzip", NULL};
            enum MHD_Result r = reply(c, 200, NULL, (const char *)z, zn, h);
            free(z);
            free(b.p);
            return r;
        }
    }
    return error_json(c, 404, "not found");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    apiserver *s = cls;
    conn *cc = *con_cls;
    if (!cc) {
        cc = calloc(1, sizeof *cc);
        *con_cls = cc;
        return MHD_YES;
    }
    if (*upload_size) {
        sb_put(&cc->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    log_request(s, c, method, url);
    if (s->o.latency_ms > 0)
        usleep((useconds_t)s->o.latency_ms * 1000);
    return route(s, c, url, method, cc->body.p ? cc->body.p : "");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn *cc = *con_cls;
    if (cc) {
        free(cc->body.p);
        free(cc);
        *con_cls = NULL;
    }
}

apiserver *apiserver_start(const apiserver_opts *opts)
{
    apiserver *s = calloc(1, sizeof *s);
    if (opts)
        s->o = *opts;
    s->events_total = s->o.events_total > 0 ? s->o.events_total : 50;
    pthread_mutex_init(&s->mu, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)s->o.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                            (uint16_t)s->o.port, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, completed,
                            NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
    if (!s->d) {
        fprintf(stderr, "apiserver: cannot listen on 127.0.0.1:%d\n", s->o.port);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->o.port;
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    return s;
}

int apiserver_port(const apiserver *s) { return s->port; }
const char *apiserver_url(const apiserver *s) { return s->url; }

void apiserver_set_events_total(apiserver *s, int n)
{
    pthread_mutex_lock(&s->mu);
    s->events_total = n;
    pthread_mutex_unlock(&s->mu);
}

size_t apiserver_request_count(apiserver *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nlog;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const char *apiserver_request(apiserver *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    free(s->last);
    s->last = i < s->nlog ? strdup(s->log[i]) : NULL;
    const char *r = s->last;
    pthread_mutex_unlock(&s->mu);
    return r;
}

size_t apiserver_count_path(apiserver *s, const char *path)
{
    size_t pl = strlen(path), n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nlog; i++) {
        const char *sp = strchr(s->log[i], ' ');
        if (sp && strncmp(sp + 1, path, pl) == 0 && (sp[1 + pl] == ' ' || sp[1 + pl] == '?'))
            n++;
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

void apiserver_clear_log(apiserver *s)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nlog; i++)
        free(s->log[i]);
    s->nlog = 0;
    pthread_mutex_unlock(&s->mu);
}

void apiserver_stop(apiserver *s)
{
    if (!s)
        return;
    s->stopping = 1;
    MHD_stop_daemon(s->d);
    apiserver_clear_log(s);
    free(s->log);
    free(s->last);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
