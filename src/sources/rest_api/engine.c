/* engine.c: runs a rest_source: every fetch (a resource, or a child resource for one parent
 * record) pages through its endpoint; all fetches share one http_client, so their requests run
 * concurrently up to the client's limits, on this one thread. A fetch has at most one request
 * in flight (the next page depends on this one) except for range paginators whose total is
 * known after the first page: their remaining pages go out together, a window at a time, and
 * are handed over in page order. The next page is requested before the current one is handed
 * to the sink, so network and processing overlap. */
#include "rest_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fetch fetch;

/* One request on the wire (or waiting for an OAuth token), with what is needed to send it
 * again (401 with an expired token). */
typedef struct sendreq {
    fetch *f;
    uint64_t seq;       /* page number within the fetch */
    const char *method;
    buf url;            /* full URL without auth query params */
    strv headers;
    buf body;
    bool has_body;
    bool auth_retried;
    uint64_t auth_gen;  /* token generation it was sent with */
    struct sendreq *next_wait;
    struct sendreq *lprev, *lnext; /* the run's live list (freed at the end after an error) */
} sendreq;

typedef struct done_page {
    uint64_t seq;
    http_response resp;
    char *url;          /* as sent (for messages) */
} done_page;

struct fetch {
    rest_run *run;
    size_t res;
    arena mem;          /* parent record, request body pieces */
    jv parent;
    bool has_parent;
    rreq q;             /* the next request (sequential paging) */
    pg_state pg;
    bool pg_known;      /* paginator explicit, or detected */
    jpath sel;
    bool sel_known;
    uint64_t next_seq;  /* seq of the next request to send */
    uint64_t deliver;   /* seq of the next page to hand over */
    int inflight;
    bool more;          /* pages left to request (sequential) */
    bool stopped;       /* ignore, limit or error: drop what arrives */
    bool parallel;      /* range pages go out together */
    int64_t range_next, range_end;
    done_page *held;    /* pages that arrived before their turn */
    size_t nheld, capheld;
    tctx tc;            /* template context */
    const char *params_kv[2 * 16]; /* resolved path params (legacy resolve) */
    fetch *lprev, *lnext;          /* the run's live list */
};

struct rest_run {
    rest_source *s;
    http_client *http;
    rest_sink sink;
    cdlt_error *err;       /* set while running */
    arena parse;           /* one page's parsed body, reset after each page */
    bool *res_stopped;     /* per resource: a limit was reached */
    bool *detect_logged;   /* per resource: the detected paginator was logged */
    sendreq *waiting;      /* sends waiting for an OAuth token */
    bool token_busy;
    uint64_t requests, pages;
    int window;            /* parallel range pages in flight per fetch */
    buf scratch;
    rest_auth *token_for;  /* auth whose token request is in flight */
    fetch *fetches;        /* live fetches */
    sendreq *sends;        /* live requests */
};

static cdlt_status send_req(rest_run *r, sendreq *u);
static cdlt_status fetch_submit_next(fetch *f);

static const char *incr_value(void *ud, const char *attr)
{
    fetch *f = ud;
    return f->run->sink.incremental ? f->run->sink.incremental(f->run->sink.ud, f->res, attr)
                                    : NULL;
}

static void fetch_free(fetch *f)
{
    if (!f)
        return;
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        f->run->fetches = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    for (size_t i = 0; i < f->nheld; i++) {
        http_response_free(&f->held[i].resp);
        mem_free(f->held[i].url);
    }
    mem_free(f->held);
    rreq_free(&f->q);
    buf_free(&f->pg.next);
    arena_free(&f->mem);
    mem_free(f);
}

static void sendreq_free(sendreq *u)
{
    if (!u)
        return;
    rest_run *r = u->f->run;
    if (u->lprev)
        u->lprev->lnext = u->lnext;
    else
        r->sends = u->lnext;
    if (u->lnext)
        u->lnext->lprev = u->lprev;
    buf_free(&u->url);
    buf_free(&u->body);
    strv_free(&u->headers);
    mem_free(u);
}

static bool fetch_finished(const fetch *f)
{
    return f->inflight == 0 && f->nheld == 0 &&
           (f->stopped || (!f->more && (!f->parallel || f->range_next >= f->range_end)));
}

static void maybe_free(fetch *f)
{
    if (fetch_finished(f))
        fetch_free(f);
}

static const char *res_name(const fetch *f) { return f->run->s->res[f->res].name; }

/* JSON text of an incremental value as request text; NULL when None (the param is dropped). */
static cdlt_status incr_text(fetch *f, const char *attr, buf *out, bool *present)
{
    *present = false;
    const char *t = incr_value(f, attr);
    if (!t)
        return CDLT_OK;
    jv v;
    cdlt_status rc = json_parse(t, strlen(t), &f->run->parse, NULL, &v, f->run->err);
    if (rc != CDLT_OK || v.type == JV_NULL)
        return rc;
    buf_clear(out);
    if (v.type == JV_STRING)
        buf_append(out, v.u.s, v.len);
    else
        buf_puts(out, t);
    *present = true;
    return out->status;
}

/* Build the first request of a fetch from the resource's templates. */
static cdlt_status fetch_build(fetch *f)
{
    rest_run *r = f->run;
    const rest_res *res = &r->s->res[f->res];
    cdlt_error *err = r->err;
    f->tc = (tctx){f->has_parent ? &f->parent : NULL,
                   res->parent >= 0 ? r->s->res[res->parent].name : NULL,
                   incr_value, f, f->params_kv, 0};
    /* legacy resolve params: their values from the parent record go into the path */
    for (size_t i = 0; i < res->nresolve && i < 16; i++) {
        const jv *v = f->has_parent ? jpath_first(&res->resolve_fields[i], &f->parent) : NULL;
        if (!v) {
            err_set(err, CDLT_SOURCE,
                    "resource '%s': resolve field '%s' is not in the parent record of '%s'",
                    res->name, res->resolve_fields[i].text,
                    res->parent >= 0 ? r->s->res[res->parent].name : "?");
            err_set_resource(err, res->name);
            return CDLT_SOURCE;
        }
        buf t = BUF_INIT;
        if (v->type == JV_STRING)
            buf_append(&t, v->u.s, v->len);
        else
            json_write(&t, v, 0);
        f->params_kv[2 * i] = res->resolve_names[i];
        f->params_kv[2 * i + 1] = arena_strndup(&f->mem, buf_cstr(&t), t.len);
        buf_free(&t);
        f->tc.nparams = i + 1;
    }
    rreq *q = &f->q;
    q->method = res->method;
    buf path = BUF_INIT;
    cdlt_status rc = tmpl_expand(&res->path, &f->tc, &path, res->name, err);
    if (rc == CDLT_OK) {
        const char *p = buf_cstr(&path);
        if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0 || !*res->base_url) {
            buf_puts(&q->url, p);
        } else {
            /* dlt: base without trailing '/', one '/', path without leading '/' */
            size_t bl = strlen(res->base_url);
            while (bl && res->base_url[bl - 1] == '/')
                bl--;
            while (*p == '/')
                p++;
            buf_append(&q->url, res->base_url, bl);
            if (*p)
                buf_putc(&q->url, '/');
            buf_puts(&q->url, p);
        }
    }
    buf_free(&path);
    buf v = BUF_INIT;
    for (size_t i = 0; rc == CDLT_OK && i < res->nparams; i++) {
        buf_clear(&v);
        if (res->pval_incr[i]) {
            bool present;
            rc = incr_text(f, "start_value", &v, &present);
            if (rc == CDLT_OK && present)
                rc = rreq_set_param(q, res->pnames[i], buf_cstr(&v));
            continue;
        }
        rc = tmpl_expand(&res->pvals[i], &f->tc, &v, res->name, err);
        /* a repeated name is a list param: every value goes out */
        bool repeated = i > 0 && strcmp(res->pnames[i - 1], res->pnames[i]) == 0;
        if (rc == CDLT_OK)
            rc = repeated ? rreq_add_param(q, res->pnames[i], buf_cstr(&v))
                          : rreq_set_param(q, res->pnames[i], buf_cstr(&v));
    }
    static const char *const SE[2] = {"start_value", "end_value"};
    const char *sp[2] = {res->start_param, res->end_param};
    for (int k = 0; rc == CDLT_OK && k < 2; k++) {
        if (!sp[k])
            continue;
        bool present;
        rc = incr_text(f, SE[k], &v, &present);
        if (rc == CDLT_OK && present)
            rc = rreq_set_param(q, sp[k], buf_cstr(&v));
    }
    for (size_t i = 0; rc == CDLT_OK && i < res->nheaders; i++) {
        buf_clear(&v);
        rc = tmpl_expand(&res->hvals[i], &f->tc, &v, res->name, err);
        if (rc == CDLT_OK)
            rc = rreq_set_header(q, res->hnames[i], buf_cstr(&v));
    }
    if (rc == CDLT_OK && res->has_json) {
        rc = tmpl_expand_json(&res->json, &f->tc, &f->mem, &q->json, res->name, err);
        q->has_json = rc == CDLT_OK;
    }
    if (rc == CDLT_OK && res->has_data) {
        if (res->data_form) {
            for (size_t i = 0; rc == CDLT_OK && i < res->nform; i++) {
                buf_clear(&v);
                rc = tmpl_expand(&res->form_vals[i], &f->tc, &v, res->name, err);
                if (q->data.len)
                    buf_putc(&q->data, '&');
                http_url_encode(&q->data, res->form_names[i], strlen(res->form_names[i]));
                buf_putc(&q->data, '=');
                http_url_encode(&q->data, buf_cstr(&v), v.len);
            }
            if (rc == CDLT_OK)
                rc = rreq_set_header(q, "Content-Type", "application/x-www-form-urlencoded");
        } else {
            rc = tmpl_expand(&res->data, &f->tc, &q->data, res->name, err);
        }
        q->has_data = true;
    }
    buf_free(&v);
    if (rc == CDLT_OK && q->has_json)
        rc = rreq_set_header(q, "Content-Type", "application/json");
    if (rc == CDLT_OK)
        rc = rreq_set_header(q, "Accept", "application/json");
    f->pg.spec = res->pg;
    f->pg.has_next = true;
    f->pg_known = res->pg.kind != PG_AUTO;
    if (rc == CDLT_OK && f->pg_known)
        rc = pg_init(&f->pg, q, &f->mem);
    if (res->has_selector) {
        f->sel = res->selector;
        f->sel_known = true;
    }
    f->more = true;
    if (rc == CDLT_NOMEM)
        return err_nomem(err);
    return rc;
}

/* Snapshot q as a request to send. */
static cdlt_status make_send(fetch *f, const rreq *q, sendreq **out)
{
    sendreq *u = mem_calloc(1, sizeof *u);
    if (!u)
        return err_nomem(f->run->err);
    u->f = f;
    u->lnext = f->run->sends;
    if (u->lnext)
        u->lnext->lprev = u;
    f->run->sends = u;
    u->seq = f->next_seq++;
    u->method = q->method;
    buf_init(&u->url, 0);
    buf_init(&u->body, 0);
    cdlt_status rc = rreq_full_url(q, &u->url);
    for (size_t i = 0; rc == CDLT_OK && i < q->headers.n; i++)
        rc = strv_add(&u->headers, q->headers.v[i]);
    if (rc == CDLT_OK && q->has_json) {
        rc = json_write(&u->body, &q->json, 0);
        u->has_body = true;
    } else if (rc == CDLT_OK && q->has_data) {
        rc = buf_append(&u->body, q->data.data, q->data.len);
        u->has_body = true;
    }
    if (rc != CDLT_OK) {
        sendreq_free(u);
        return err_nomem(f->run->err);
    }
    *out = u;
    return CDLT_OK;
}

static cdlt_status on_response(void *ud, http_response *resp, cdlt_status rc,
                               const cdlt_error *herr);

static cdlt_status on_token(void *ud, http_response *resp, cdlt_status rc,
                            const cdlt_error *herr)
{
    rest_run *r = ud;
    rest_auth *au = r->token_for;
    r->token_busy = false;
    r->token_for = NULL;
    const char *rn = r->waiting ? res_name(r->waiting->f) : "?";
    if (rc != CDLT_OK) {
        *r->err = *herr;
        err_prefix(r->err, "resource '%s': OAuth2 token request failed: ", rn);
        return rc;
    }
    r->requests++;
    rc = auth_token_reply(au, resp, rn, r->err);
    if (rc != CDLT_OK)
        return rc;
    /* send what waited for this token (others wait for their own) */
    sendreq *w = r->waiting;
    r->waiting = NULL;
    while (w && rc == CDLT_OK) {
        sendreq *n = w->next_wait;
        w->next_wait = NULL;
        rc = send_req(r, w);
        w = n;
    }
    while (w) { /* after an error: drop the rest */
        sendreq *n = w->next_wait;
        w->f->inflight--;
        sendreq_free(w);
        w = n;
    }
    return rc;
}

/* Send u (its fetch counts it in flight from make_send on): wait for a token when needed. */
static cdlt_status send_req(rest_run *r, sendreq *u)
{
    const rest_res *res = &r->s->res[u->f->res];
    rest_auth *au = res->auth;
    if (auth_needs_token(au)) {
        u->next_wait = r->waiting;
        r->waiting = u;
        if (r->token_busy)
            return CDLT_OK;
        r->token_busy = true;
        r->token_for = au;
        http_request treq;
        buf url = BUF_INIT, body = BUF_INIT;
        strv hs = {0};
        cdlt_status rc = auth_token_request(au, &treq, &url, &body, &hs);
        if (rc == CDLT_OK)
            rc = http_submit(r->http, &treq, on_token, r, r->err);
        buf_free(&url);
        buf_free(&body);
        strv_free(&hs);
        return rc == CDLT_NOMEM ? err_nomem(r->err) : rc;
    }
    /* auth goes on at send time: a new token replaces the old one on a resend */
    rreq tmp;
    rreq_init(&tmp);
    cdlt_status rc = buf_append(&tmp.url, u->url.data, u->url.len);
    for (size_t i = 0; rc == CDLT_OK && i < u->headers.n; i++)
        rc = strv_add(&tmp.headers, u->headers.v[i]);
    if (rc == CDLT_OK)
        rc = auth_apply(au, &tmp);
    buf full = BUF_INIT;
    if (rc == CDLT_OK)
        rc = rreq_full_url(&tmp, &full);
    if (rc == CDLT_OK) {
        /* query values named like secrets (api_key=, token=, ...) in a path or a next link
         * the server sent are masked in every message, as dlt masks them */
        if (memchr(full.data, '?', full.len))
            secret_register_credential(full.data);
        u->auth_gen = au ? au->generation : 0;
        http_request hr = {u->method, buf_cstr(&full), (const char *const *)tmp.headers.v,
                           tmp.headers.n, u->has_body ? buf_cstr(&u->body) : NULL,
                           u->has_body ? u->body.len : 0};
        rc = http_submit(r->http, &hr, on_response, u, r->err);
    }
    buf_free(&full);
    rreq_free(&tmp);
    return rc == CDLT_NOMEM ? err_nomem(r->err) : rc;
}

static cdlt_status submit_q(fetch *f, const rreq *q)
{
    sendreq *u = NULL;
    cdlt_status rc = make_send(f, q, &u);
    if (rc != CDLT_OK)
        return rc;
    f->inflight++;
    rc = send_req(f->run, u);
    if (rc != CDLT_OK) {
        /* not queued anywhere: ours to free (send_req queues u only on success paths) */
        if (f->run->waiting != u) {
            f->inflight--;
            sendreq_free(u);
        }
    }
    return rc;
}

/* Parallel range pages: keep `window` requests in flight. */
static cdlt_status fill_window(fetch *f)
{
    rest_run *r = f->run;
    cdlt_status rc = CDLT_OK;
    while (rc == CDLT_OK && !f->stopped && f->range_next < f->range_end &&
           f->inflight + (int)f->nheld < r->window) {
        rc = pg_write_range(&f->pg, &f->q, &f->mem, f->range_next);
        if (rc != CDLT_OK)
            return err_nomem(r->err);
        f->range_next += f->pg.spec.step;
        rc = submit_q(f, &f->q);
    }
    return rc;
}

static cdlt_status fetch_submit_next(fetch *f)
{
    if (f->parallel)
        return fill_window(f);
    return submit_q(f, &f->q);
}

/* ---- handling one page ---- */

static bool action_ignores(const rest_res *res, const http_response *resp)
{
    for (size_t i = 0; i < res->nactions; i++) {
        const rest_action *a = &res->actions[i];
        bool ok = true;
        if (a->has_status)
            ok = a->status == resp->status;
        if (ok && a->content)
            ok = resp->body.data && strstr(resp->body.data, a->content) != NULL;
        if (ok)
            return true;
    }
    return false;
}

static const char *reason(long st)
{
    switch (st) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return st >= 500 ? "Server Error" : "Client Error";
    }
}

static cdlt_status http_error(fetch *f, const http_response *resp, const char *url)
{
    cdlt_error *err = f->run->err;
    const char *what = f->has_parent ? " (for one parent record)" : "";
    err_set(err, CDLT_SOURCE, "resource '%s'%s: %ld %s %s for url: %s", res_name(f), what,
            resp->status, resp->status >= 500 ? "Server Error:" : "Client Error:",
            reason(resp->status), url);
    err_set_resource(err, res_name(f));
    err_set_url(err, url);
    if (f->run->s->show_error_body && resp->body.len) {
        /* dlt's http_show_error_body: the body, cut at http_max_error_body_length */
        size_t max = f->run->s->max_error_body ? f->run->s->max_error_body : 8192;
        bool cut = resp->body.len > max;
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n, "\nResponse: %.*s%s",
                 (int)(cut ? max : resp->body.len), resp->body.data, cut ? "… (truncated)" : "");
        char copy[sizeof err->message];
        memcpy(copy, err->message, sizeof copy);
        err_set(err, err->code, "%s", copy); /* masks secrets in the body too */
        err_set_resource(err, res_name(f));
        err_set_url(err, url);
    }
    if (resp->status == 401 || resp->status == 403)
        err_hint(err, "check the auth credentials (sources.%s.credentials in .dlt/secrets.toml "
                      "or the environment)",
                 f->run->s->name);
    else if (resp->status == 404)
        err_hint(err, "check the endpoint path; to skip missing records add "
                      "response_actions = [{ status_code = 404, action = \"ignore\" }]");
    else if (resp->status == 429 || resp->status >= 500)
        err_hint(err, "the server kept failing after %d attempts; retry later or raise "
                      "[runtime] request_max_attempts",
                 resp->attempts);
    return CDLT_SOURCE;
}

static cdlt_status select_records(fetch *f, const jv *body, jv *out)
{
    rest_run *r = f->run;
    if (!f->sel_known) {
        /* dlt's detection (spec §1.7): lists up to 3 keys deep, known names first */
        f->sel_known = true;
        f->sel = (jpath){NULL, 0, "$"};
        if (body->type == JV_OBJECT) {
            static const char *const NAMES[] = {"data",    "items",    "results", "entries",
                                                "records", "rows",     "entities", "payload",
                                                "content", "objects",  "values",  NULL};
            const char *paths[64];
            size_t np = 0;
            /* depth-first, key order, through objects only */
            struct { const jv *o; uint32_t i; } st[3];
            const char *keys[3];
            int d = 0;
            st[0].o = body;
            st[0].i = 0;
            while (d >= 0 && np < 64) {
                if (st[d].i >= st[d].o->len) {
                    d--;
                    continue;
                }
                const jv_member *m = &st[d].o->u.members[st[d].i++];
                keys[d] = m->key;
                if (m->value.type == JV_ARRAY) {
                    buf p = BUF_INIT;
                    for (int k = 0; k <= d; k++)
                        buf_printf(&p, "%s%s", k ? "." : "", keys[k]);
                    paths[np++] = arena_strndup(&f->mem, buf_cstr(&p), p.len);
                    buf_free(&p);
                } else if (m->value.type == JV_OBJECT && d < 2) {
                    d++;
                    st[d].o = &m->value;
                    st[d].i = 0;
                }
            }
            const char *pick = NULL;
            for (size_t i = 0; i < np && !pick; i++) {
                const char *last = strrchr(paths[i], '.');
                last = last ? last + 1 : paths[i];
                for (int k = 0; NAMES[k] && !pick; k++)
                    if (strcmp(last, NAMES[k]) == 0)
                        pick = paths[i];
            }
            if (!pick && np)
                pick = paths[0];
            if (pick) {
                if (jpath_compile(pick, &f->mem, &f->sel, r->err) != CDLT_OK)
                    return r->err->code;
                if (!r->detect_logged[f->res])
                    LOG_INFO("resource '%s': data_selector detected: '%s'", res_name(f), pick);
            }
        }
    }
    if (f->sel.n == 0) {
        *out = *body;
    } else {
        jv all;
        if (jpath_all(&f->sel, body, &r->parse, &all) != CDLT_OK)
            return err_nomem(r->err);
        if (all.len == 1)
            *out = all.u.items[0];
        else if (all.len == 0)
            *out = (jv){.type = JV_ARRAY};
        else
            *out = all;
    }
    if (out->type == JV_NULL) {
        LOG_WARN("resource '%s': data_selector '%s' found null; treating the page as empty",
                 res_name(f), f->sel.text);
        *out = (jv){.type = JV_ARRAY};
    } else if (out->type != JV_ARRAY) {
        jv_builder b;
        jv_builder_init(&b, JV_ARRAY);
        if (jv_builder_push(&b, &r->parse, *out) != CDLT_OK)
            return err_nomem(r->err);
        *out = b.value;
    }
    return CDLT_OK;
}

static cdlt_status include_parent(fetch *f, jv *records)
{
    rest_run *r = f->run;
    const rest_res *res = &r->s->res[f->res];
    if (!res->ninclude || !f->has_parent)
        return CDLT_OK;
    const char *pname = r->s->res[res->parent].name;
    buf key = BUF_INIT;
    for (uint32_t i = 0; i < records->len; i++) {
        jv *rec = &records->u.items[i];
        if (rec->type != JV_OBJECT)
            continue;
        jv_builder b;
        jv_builder_init(&b, JV_OBJECT);
        for (uint32_t k = 0; k < rec->len; k++)
            if (jv_builder_set(&b, &r->parse, rec->u.members[k].key, rec->u.members[k].klen,
                               rec->u.members[k].value) != CDLT_OK)
                goto nomem;
        for (size_t k = 0; k < res->ninclude; k++) {
            const jv *v = jv_get(&f->parent, res->include[k]);
            if (!v) {
                buf keys = BUF_INIT;
                for (uint32_t m = 0; f->parent.type == JV_OBJECT && m < f->parent.len; m++)
                    buf_printf(&keys, "%s%s", m ? ", " : "", f->parent.u.members[m].key);
                err_set(r->err, CDLT_SOURCE,
                        "resource '%s': include_from_parent field '%s' is not in the record of "
                        "parent '%s' (its keys: %s)",
                        res->name, res->include[k], pname, buf_cstr(&keys));
                err_set_resource(r->err, res->name);
                buf_free(&keys);
                buf_free(&key);
                return CDLT_SOURCE;
            }
            buf_clear(&key);
            buf_printf(&key, "_%s_%s", pname, res->include[k]);
            if (key.status || jv_builder_set(&b, &r->parse, key.data, key.len, *v) != CDLT_OK)
                goto nomem;
        }
        *rec = b.value;
    }
    buf_free(&key);
    return CDLT_OK;
nomem:
    buf_free(&key);
    return err_nomem(r->err);
}

static cdlt_status handle_page(fetch *f, done_page *pg)
{
    rest_run *r = f->run;
    const rest_res *res = &r->s->res[f->res];
    http_response *resp = &pg->resp;
    if (f->stopped)
        return CDLT_OK;
    if (action_ignores(res, resp)) {
        LOG_INFO("resource '%s': response %ld ignored by response_actions", res->name,
                 resp->status);
        f->stopped = true;
        return CDLT_OK;
    }
    if (resp->status >= 400)
        return http_error(f, resp, pg->url);
    jv body;
    json_opts jo = {0};
    cdlt_status rc = json_parse(buf_cstr(&resp->body), resp->body.len, &r->parse, &jo, &body,
                                r->err);
    if (rc != CDLT_OK) {
        char ct[128];
        http_response_content_type(resp, ct, sizeof ct);
        err_prefix(r->err, "resource '%s': the response from %s (HTTP %ld, content type %s, %zu "
                           "bytes) is not valid JSON: ",
                   res->name, pg->url, resp->status, *ct ? ct : "none", resp->body.len);
        err_set_resource(r->err, res->name);
        err_set_url(r->err, pg->url);
        err_hint(r->err, "nothing of this run was loaded; check the URL and the API, then run "
                         "again");
        return CDLT_PARSE;
    }
    jv records;
    if ((rc = select_records(f, &body, &records)) != CDLT_OK)
        return rc;
    /* paginate first: the next request travels while this page is processed */
    if (!f->parallel) {
        if (!f->pg_known) {
            pg_detect(&f->pg, resp, &body, body.type == JV_ARRAY || f->sel.n > 0, res->name,
                      &f->mem, r->detect_logged[f->res]);
            r->detect_logged[f->res] = true;
            f->pg_known = true;
        }
        bool next = false;
        rc = pg_update(&f->pg, resp, &body, &records, &f->q, &f->mem, &next, r->err);
        if (rc != CDLT_OK) {
            err_prefix(r->err, "resource '%s': paginator %s: ", res->name,
                       pg_kind_name(f->pg.spec.kind));
            err_set_resource(r->err, res->name);
            return rc;
        }
        f->more = next && !r->res_stopped[f->res];
        int64_t first, end;
        if (f->more && r->window > 1 && pg_range_known(&f->pg, &first, &end)) {
            f->parallel = true;
            f->more = false;
            f->range_next = first;
            f->range_end = end;
        }
        if (f->more || f->parallel)
            if ((rc = fetch_submit_next(f)) != CDLT_OK)
                return rc;
    } else {
        bool empty = records.len == 0;
        if (empty && f->pg.spec.stop_after_empty_page) {
            f->stopped = true; /* the pages after an empty one are not used */
        } else if ((rc = fill_window(f)) != CDLT_OK) {
            return rc;
        }
    }
    if ((rc = include_parent(f, &records)) != CDLT_OK)
        return rc;
    r->pages++;
    rc = r->sink.page(r->sink.ud, f->res, &records, r->err);
    if (rc == CDLT_INTERRUPTED) {
        r->res_stopped[f->res] = true;
        f->stopped = true;
        return CDLT_OK;
    }
    return rc;
}

static int cmp_held(const void *a, const void *b)
{
    uint64_t x = ((const done_page *)a)->seq, y = ((const done_page *)b)->seq;
    return x < y ? -1 : x > y;
}

static cdlt_status on_response(void *ud, http_response *resp, cdlt_status rc,
                               const cdlt_error *herr)
{
    sendreq *u = ud;
    fetch *f = u->f;
    rest_run *r = f->run;
    r->requests++;
    const rest_res *res = &r->s->res[f->res];
    if (rc != CDLT_OK) {
        *r->err = *herr;
        err_prefix(r->err, "resource '%s': ", res->name);
        err_set_resource(r->err, res->name);
        err_hint(r->err, "nothing of this run was loaded; the next run starts this resource "
                         "again");
        f->inflight--;
        sendreq_free(u);
        return rc;
    }
    if (resp->status == 401 && res->auth && res->auth->kind == AUTH_OAUTH2 && !u->auth_retried) {
        /* the token died on the way (or early): get a new one and send this again, once */
        u->auth_retried = true;
        if (u->auth_gen == res->auth->generation) {
            mem_free(res->auth->access_token);
            res->auth->access_token = NULL;
        }
        LOG_INFO("resource '%s': 401 with an OAuth2 token; fetching a new token", res->name);
        return send_req(r, u);
    }
    f->inflight--;
    if (f->stopped || r->res_stopped[f->res]) {
        f->stopped = true;
        sendreq_free(u);
        maybe_free(f);
        return CDLT_OK;
    }
    /* keep the page until its turn */
    if (f->nheld == f->capheld) {
        size_t nc = f->capheld ? f->capheld * 2 : 4;
        done_page *n = mem_realloc(f->held, nc * sizeof *n);
        if (!n) {
            sendreq_free(u);
            return err_nomem(r->err);
        }
        f->held = n;
        f->capheld = nc;
    }
    done_page *dp = &f->held[f->nheld++];
    dp->seq = u->seq;
    dp->url = buf_detach(&u->url, NULL);
    http_response_init(&dp->resp);
    dp->resp.status = resp->status;
    dp->resp.attempts = resp->attempts;
    dp->resp.body = resp->body; /* take the body and headers */
    buf_init(&resp->body, 0);
    dp->resp.headers = resp->headers;
    memset(&resp->headers, 0, sizeof resp->headers);
    sendreq_free(u);
    if (f->nheld > 1)
        qsort(f->held, f->nheld, sizeof *f->held, cmp_held);
    rc = CDLT_OK;
    while (rc == CDLT_OK && f->nheld && f->held[0].seq == f->deliver) {
        done_page cur = f->held[0];
        memmove(f->held, f->held + 1, (f->nheld - 1) * sizeof *f->held);
        f->nheld--;
        f->deliver++;
        rc = handle_page(f, &cur);
        http_response_free(&cur.resp);
        mem_free(cur.url);
        arena_reset(&r->parse);
    }
    if (rc != CDLT_OK)
        return rc;
    if (f->stopped) {
        /* pages still held after a stop are not used */
        for (size_t i = 0; i < f->nheld; i++) {
            http_response_free(&f->held[i].resp);
            mem_free(f->held[i].url);
        }
        f->nheld = 0;
    }
    maybe_free(f);
    return CDLT_OK;
}

/* ---- public ---- */

cdlt_status rest_run_new(rest_source *s, const http_settings *hs, const rest_sink *sink,
                         rest_run **out, cdlt_error *err)
{
    *out = NULL;
    rest_run *r = mem_calloc(1, sizeof *r);
    if (!r)
        return err_nomem(err);
    r->s = s;
    r->sink = *sink;
    r->err = err;
    arena_init(&r->parse, 1 << 16, 1 << 22);
    r->res_stopped = mem_calloc(s->n ? s->n : 1, sizeof *r->res_stopped);
    r->detect_logged = mem_calloc(s->n ? s->n : 1, sizeof *r->detect_logged);
    if (!r->res_stopped || !r->detect_logged) {
        mem_free(r->res_stopped);
        mem_free(r->detect_logged);
        mem_free(r);
        return err_nomem(err);
    }
    http_settings h = hs ? *hs : (http_settings){0};
    int conns = h.max_connections > 0 ? h.max_connections : 16;
    r->window = conns;
    cdlt_status rc = http_client_new(&h, &r->http, err);
    if (rc != CDLT_OK) {
        rest_run_free(r);
        return rc;
    }
    *out = r;
    return CDLT_OK;
}

static cdlt_status start_fetch(rest_run *r, size_t res, const jv *parent, cdlt_error *err)
{
    r->err = err;
    if (r->res_stopped[res])
        return CDLT_OK;
    fetch *f = mem_calloc(1, sizeof *f);
    if (!f)
        return err_nomem(err);
    f->run = r;
    f->res = res;
    f->lnext = r->fetches;
    if (f->lnext)
        f->lnext->lprev = f;
    r->fetches = f;
    arena_init(&f->mem, 2048, 0);
    rreq_init(&f->q);
    buf_init(&f->pg.next, 0);
    cdlt_status rc = CDLT_OK;
    if (parent) {
        rc = jv_copy(&f->mem, parent, &f->parent);
        f->has_parent = true;
        if (rc != CDLT_OK)
            rc = err_nomem(err);
    }
    if (rc == CDLT_OK)
        rc = fetch_build(f);
    if (rc == CDLT_OK)
        rc = submit_q(f, &f->q);
    if (rc != CDLT_OK && f->inflight == 0)
        fetch_free(f);
    return rc;
}

cdlt_status rest_run_start(rest_run *r, size_t res, cdlt_error *err)
{
    return start_fetch(r, res, NULL, err);
}

cdlt_status rest_run_feed(rest_run *r, size_t res, const jv *records, cdlt_error *err)
{
    if (records->type != JV_ARRAY)
        return start_fetch(r, res, records, err);
    for (uint32_t i = 0; i < records->len; i++) {
        cdlt_status rc = start_fetch(r, res, &records->u.items[i], err);
        if (rc != CDLT_OK)
            return rc;
    }
    return CDLT_OK;
}

cdlt_status rest_run_wait(rest_run *r, cdlt_error *err)
{
    r->err = err;
    return http_run(r->http, err);
}

void rest_run_free(rest_run *r)
{
    if (!r)
        return;
    /* after an error, requests still queued or in flight never get their callback: the
     * live lists free them and their fetches */
    http_client_free(r->http);
    while (r->sends)
        sendreq_free(r->sends);
    while (r->fetches)
        fetch_free(r->fetches);
    arena_free(&r->parse);
    buf_free(&r->scratch);
    mem_free(r->res_stopped);
    mem_free(r->detect_logged);
    mem_free(r);
}

void rest_run_counts(const rest_run *r, uint64_t *requests, uint64_t *pages)
{
    if (requests)
        *requests = r->requests;
    if (pages)
        *pages = r->pages;
}
