/* paginator.c: dlt's paginators (spec §2.2) as state machines over responses, and dlt's
 * auto-detection on the first response (§2.3). */
#include "rest_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

const char *pg_kind_name(pg_kind k)
{
    static const char *const N[] = {"auto",   "single_page", "json_link", "header_link",
                                    "offset", "page_number", "cursor",    "header_cursor"};
    return (unsigned)k < sizeof N / sizeof *N ? N[k] : "?";
}

static cdlt_status put_int_param(rreq *q, arena *a, const char *param, const char *body_path,
                                 int64_t v)
{
    if (body_path)
        return rreq_set_body(q, a, body_path, jv_int(v));
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)v);
    return rreq_set_param(q, param, t);
}

cdlt_status pg_write_range(const pg_state *st, rreq *q, arena *a, int64_t v)
{
    const pg_spec *s = &st->spec;
    cdlt_status rc = put_int_param(q, a, s->param, s->body_path, v);
    if (rc == CDLT_OK && s->kind == PG_OFFSET)
        rc = put_int_param(q, a, s->limit_param, s->limit_body_path, s->limit);
    return rc;
}

cdlt_status pg_init(pg_state *st, rreq *q, arena *a)
{
    st->has_next = true;
    if (st->spec.kind == PG_OFFSET || st->spec.kind == PG_PAGE_NUMBER) {
        st->current = st->spec.initial;
        return pg_write_range(st, q, a, st->current);
    }
    return CDLT_OK;
}

static bool falsy(const jv *v)
{
    return !v || v->type == JV_NULL || (v->type == JV_BOOL && !v->u.b) ||
           (v->type == JV_STRING && v->len == 0) || (v->type == JV_INT && v->u.i == 0) ||
           (v->type == JV_DOUBLE && v->u.d == 0);
}

static void value_text(const jv *v, buf *out)
{
    buf_clear(out);
    if (v->type == JV_STRING)
        buf_append(out, v->u.s, v->len);
    else if (v->type == JV_INT)
        buf_printf(out, "%lld", (long long)v->u.i);
    else
        json_write(out, v, 0);
}

/* RFC 8288: the URL of the link whose rel (one of its space-separated values) is `want`. */
static bool link_header(const http_response *resp, const char *want, buf *out)
{
    for (size_t h = 0; h < resp->headers.n; h++) {
        const char *line = resp->headers.v[h];
        if (strncasecmp(line, "link:", 5) != 0)
            continue;
        const char *p = line + 5;
        while (*p) {
            const char *lt = strchr(p, '<');
            if (!lt)
                break;
            const char *gt = strchr(lt, '>');
            if (!gt)
                break;
            const char *end = strchr(gt, ',');
            /* a ',' inside the next <...> belongs to the next link */
            size_t seg = end ? (size_t)(end - gt) : strlen(gt);
            const char *rel = NULL;
            for (const char *r = gt; r + 4 <= gt + seg; r++)
                if (strncasecmp(r, "rel=", 4) == 0) {
                    rel = r + 4;
                    break;
                }
            if (rel) {
                bool quoted = *rel == '"';
                if (quoted)
                    rel++;
                const char *re = rel;
                while (re < gt + seg && *re != '"' && *re != ';' && *re != ',' &&
                       !(!quoted && *re == ' '))
                    re++;
                /* rel may list several values separated by spaces */
                const char *w = rel;
                while (w < re) {
                    const char *we = w;
                    while (we < re && *we != ' ')
                        we++;
                    if ((size_t)(we - w) == strlen(want) && strncasecmp(w, want, strlen(want)) == 0) {
                        buf_clear(out);
                        buf_append(out, lt + 1, (size_t)(gt - lt - 1));
                        return true;
                    }
                    w = we + 1;
                }
            }
            p = gt + seg;
            if (*p == ',')
                p++;
        }
    }
    return false;
}

static cdlt_status go_to_url(pg_state *st, rreq *q, const char *ref)
{
    buf joined = BUF_INIT;
    cdlt_status rc = http_url_join(&joined, buf_cstr(&q->url), ref);
    if (rc == CDLT_OK) {
        buf_clear(&q->url);
        rc = buf_append(&q->url, joined.data, joined.len);
        rreq_clear_params(q); /* the next URL carries everything (dlt clears the params) */
    }
    buf_free(&joined);
    (void)st;
    return rc;
}

static bool str2bool(const jv *v, bool *out)
{
    if (v->type == JV_BOOL) {
        *out = v->u.b;
        return true;
    }
    if (v->type != JV_STRING)
        return false;
    static const char *const Y[] = {"yes", "true", "t", "y", "1", NULL};
    static const char *const N[] = {"no", "false", "f", "n", "0", NULL};
    for (int i = 0; Y[i]; i++)
        if (strcasecmp(v->u.s, Y[i]) == 0)
            return (*out = true);
    for (int i = 0; N[i]; i++)
        if (strcasecmp(v->u.s, N[i]) == 0) {
            *out = false;
            return true;
        }
    return false;
}

static cdlt_status has_more(const pg_state *st, const jv *body, bool *out, cdlt_error *err)
{
    const jv *v = jpath_first(&st->spec.has_more_path, body);
    if (!v)
        return err_set(err, CDLT_SOURCE,
                       "has_more value not found at '%s' in the response; check the "
                       "paginator's has_more_path",
                       st->spec.has_more_path.text);
    if (!str2bool(v, out))
        return err_set(err, CDLT_SOURCE,
                       "has_more value at '%s' is not a boolean (true/false, \"yes\"/\"no\", "
                       "\"1\"/\"0\")",
                       st->spec.has_more_path.text);
    return CDLT_OK;
}

static bool to_int(const jv *v, int64_t *out)
{
    if (v->type == JV_INT) {
        *out = v->u.i;
        return true;
    }
    if (v->type == JV_DOUBLE && v->u.d == (double)(int64_t)v->u.d) {
        *out = (int64_t)v->u.d;
        return true;
    }
    if (v->type == JV_STRING && v->len) {
        char *e;
        long long x = strtoll(v->u.s, &e, 10);
        if (*e == 0) {
            *out = x;
            return true;
        }
    }
    return false;
}

cdlt_status pg_update(pg_state *st, const http_response *resp, const jv *body,
                      const jv *records, rreq *q, arena *a, bool *out_next, cdlt_error *err)
{
    pg_spec *s = &st->spec;
    bool empty = !records || records->len == 0;
    cdlt_status rc = CDLT_OK;
    switch (s->kind) {
    case PG_AUTO:
    case PG_SINGLE:
        st->has_next = false;
        break;
    case PG_JSON_LINK: {
        const jv *v = jpath_first(&s->next_url_path, body);
        st->has_next = v && v->type != JV_NULL;
        if (st->has_next) {
            value_text(v, &st->next);
            rc = go_to_url(st, q, buf_cstr(&st->next));
        }
        break;
    }
    case PG_HEADER_LINK:
        st->has_next = link_header(resp, s->links_next_key, &st->next);
        if (st->has_next)
            rc = go_to_url(st, q, buf_cstr(&st->next));
        break;
    case PG_HEADER_CURSOR: {
        char v[4096];
        st->has_next = http_response_header(resp, s->cursor_key, v, sizeof v);
        if (st->has_next)
            rc = rreq_set_param(q, s->cursor_param, v);
        break;
    }
    case PG_CURSOR: {
        const jv *v = jpath_first(&s->cursor_path, body);
        st->has_next = !falsy(v);
        if (s->stop_after_empty_page && empty)
            st->has_next = false;
        if (s->has_more) {
            bool hm = false;
            rc = has_more(st, body, &hm, err);
            if (rc == CDLT_OK)
                st->has_next = hm;
        }
        if (rc == CDLT_OK && st->has_next && !falsy(v)) {
            if (s->cursor_body_path) {
                jv c;
                rc = jv_copy(a, v, &c);
                if (rc == CDLT_OK)
                    rc = rreq_set_body(q, a, s->cursor_body_path, c);
            } else {
                value_text(v, &st->next);
                rc = rreq_set_param(q, s->cursor_param, buf_cstr(&st->next));
            }
        } else if (rc == CDLT_OK && st->has_next) {
            st->has_next = false; /* has_more says yes but there is no cursor to send */
        }
        break;
    }
    case PG_OFFSET:
    case PG_PAGE_NUMBER: {
        if (s->stop_after_empty_page && empty) {
            st->has_next = false;
            break;
        }
        if (s->has_total) {
            const jv *t = jpath_first(&s->total_path, body);
            int64_t total = 0;
            if (!t || t->type == JV_NULL)
                return err_set(err, CDLT_SOURCE,
                               "total %s not found in the response at '%s'; set the "
                               "paginator's total_path (or total_path = null when the API "
                               "has none, with maximum_%s or stop_after_empty_page)",
                               s->kind == PG_OFFSET ? "items" : "pages", s->total_path.text,
                               s->kind == PG_OFFSET ? "offset" : "page");
            if (!to_int(t, &total))
                return err_set(err, CDLT_SOURCE, "total at '%s' is not an integer",
                               s->total_path.text);
            st->total_known = true;
            st->total = total;
        }
        st->current += s->step;
        st->has_next = true;
        if ((st->total_known && st->current >= st->total + s->base_index) ||
            (s->has_maximum && st->current >= s->maximum))
            st->has_next = false;
        if (s->has_more) {
            bool hm = false;
            rc = has_more(st, body, &hm, err);
            if (rc == CDLT_OK)
                st->has_next = hm;
        }
        if (rc == CDLT_OK && st->has_next)
            rc = pg_write_range(st, q, a, st->current);
        break;
    }
    }
    if (rc == CDLT_NOMEM)
        return err_nomem(err);
    *out_next = st->has_next;
    return rc;
}

bool pg_range_known(const pg_state *st, int64_t *out_first, int64_t *out_end)
{
    const pg_spec *s = &st->spec;
    if ((s->kind != PG_OFFSET && s->kind != PG_PAGE_NUMBER) || !st->total_known || s->has_more ||
        !st->has_next || s->step <= 0)
        return false;
    int64_t end = st->total + s->base_index;
    if (s->has_maximum && s->maximum < end)
        end = s->maximum;
    *out_first = st->current;
    *out_end = end;
    return st->current < end;
}

/* ---- auto-detection ---- */

typedef struct found {
    char path[512];
    const jv *v;
} found;

static bool starts_ci(const char *s, const char *pre)
{
    return strncasecmp(s, pre, strlen(pre)) == 0;
}

static bool scalar(const jv *v)
{
    return v->type == JV_STRING || v->type == JV_INT || v->type == JV_UINT ||
           v->type == JV_DOUBLE;
}

/* The first "next*" key (depth-first, key order, through objects) with a usable value. */
static bool find_next(const jv *o, const char *prefix, found *f, int depth)
{
    if (o->type != JV_OBJECT || depth > 16)
        return false;
    for (uint32_t i = 0; i < o->len; i++) {
        const jv_member *m = &o->u.members[i];
        char path[512];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", m->key);
        if (starts_ci(m->key, "next") && m->value.type != JV_NULL) {
            if (scalar(&m->value)) {
                snprintf(f->path, sizeof f->path, "%s", path);
                f->v = &m->value;
                return true;
            }
            if (m->value.type == JV_OBJECT)
                for (uint32_t k = 0; k < m->value.len; k++) {
                    const jv_member *h = &m->value.u.members[k];
                    if ((starts_ci(h->key, "href") || starts_ci(h->key, "url")) &&
                        scalar(&h->value)) {
                        snprintf(f->path, sizeof f->path, "%s.%s", path, h->key);
                        f->v = &h->value;
                        return true;
                    }
                }
        }
        if (m->value.type == JV_OBJECT && find_next(&m->value, path, f, depth + 1))
            return true;
    }
    return false;
}

static bool find_pages(const jv *o, const char *prefix, found *f, int depth)
{
    if (o->type != JV_OBJECT || depth > 16)
        return false;
    for (uint32_t i = 0; i < o->len; i++) {
        const jv_member *m = &o->u.members[i];
        char path[512];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", m->key);
        int64_t n;
        if ((strcasecmp(m->key, "total_pages") == 0 || strcasecmp(m->key, "pages") == 0 ||
             strcasecmp(m->key, "totalpages") == 0) &&
            to_int(&m->value, &n)) {
            snprintf(f->path, sizeof f->path, "%s", path);
            f->v = &m->value;
            return true;
        }
        if (m->value.type == JV_OBJECT && find_pages(&m->value, path, f, depth + 1))
            return true;
    }
    return false;
}

void pg_detect(pg_state *st, const http_response *resp, const jv *body, bool page_is_list,
               const char *resource, arena *a, bool quiet)
{
    pg_spec *s = &st->spec;
    buf tmp = BUF_INIT;
    found f = {{0}, NULL};
    st->has_next = true;
    if (link_header(resp, "next", &tmp)) {
        s->kind = PG_HEADER_LINK;
        s->links_next_key = "next";
        if (!quiet) LOG_INFO("resource '%s': detected paginator header_link (Link rel=\"next\")", resource);
    } else if (find_next(body, "", &f, 0) && f.v->type == JV_STRING &&
               (strncmp(f.v->u.s, "http", 4) == 0 || f.v->u.s[0] == '/') &&
               jpath_compile(arena_strndup(a, f.path, strlen(f.path)), a, &s->next_url_path,
                             NULL) == CDLT_OK) {
        s->kind = PG_JSON_LINK;
        if (!quiet) LOG_INFO("resource '%s': detected paginator json_link (next_url_path '%s')", resource,
                 f.path);
    } else if (find_pages(body, "", &f, 0) &&
               jpath_compile(arena_strndup(a, f.path, strlen(f.path)), a, &s->total_path,
                             NULL) == CDLT_OK) {
        s->kind = PG_PAGE_NUMBER;
        s->has_total = true;
        s->initial = 0;
        s->base_index = 0;
        s->step = 1;
        s->param = "page";
        s->stop_after_empty_page = true;
        if (!quiet) LOG_WARN("resource '%s': detected paginator page_number (total_path '%s', base_page "
                 "0, page param 'page'); configure the paginator explicitly to be sure",
                 resource, f.path);
    } else if (find_next(body, "", &f, 0) &&
               jpath_compile(arena_strndup(a, f.path, strlen(f.path)), a, &s->cursor_path,
                             NULL) == CDLT_OK) {
        s->kind = PG_CURSOR;
        s->cursor_param = "cursor";
        if (!quiet) LOG_WARN("resource '%s': detected paginator cursor (cursor_path '%s', param 'cursor'); "
                 "configure the paginator explicitly to be sure",
                 resource, f.path);
    } else {
        s->kind = PG_SINGLE;
        if (page_is_list && !quiet)
            LOG_WARN("resource '%s': no paginator found in the first response, so only one "
                     "page is read (fallback single_page); set the paginator when the API "
                     "pages",
                     resource);
        else if (!page_is_list && !quiet)
            LOG_INFO("resource '%s': detected paginator single_page", resource);
    }
    buf_free(&tmp);
}
