/* request.c: a request being built for one page: URL, query params, headers, body. */
#include "rest_int.h"

#include <string.h>

void rreq_init(rreq *q)
{
    memset(q, 0, sizeof *q);
    q->method = "GET";
    buf_init(&q->url, 0);
    buf_init(&q->data, 0);
}

void rreq_free(rreq *q)
{
    buf_free(&q->url);
    buf_free(&q->data);
    strv_free(&q->pnames);
    strv_free(&q->pvals);
    strv_free(&q->headers);
}

cdlt_status rreq_add_param(rreq *q, const char *name, const char *value)
{
    cdlt_status rc = strv_add(&q->pnames, name);
    return rc == CDLT_OK ? strv_add(&q->pvals, value) : rc;
}

cdlt_status rreq_set_param(rreq *q, const char *name, const char *value)
{
    for (size_t i = 0; i < q->pnames.n; i++)
        if (strcmp(q->pnames.v[i], name) == 0) {
            char *v = mem_strdup(value);
            if (!v)
                return CDLT_NOMEM;
            mem_free(q->pvals.v[i]);
            q->pvals.v[i] = v;
            return CDLT_OK;
        }
    cdlt_status rc = strv_add(&q->pnames, name);
    return rc == CDLT_OK ? strv_add(&q->pvals, value) : rc;
}

void rreq_clear_params(rreq *q)
{
    strv_clear(&q->pnames);
    strv_clear(&q->pvals);
}

cdlt_status rreq_set_header(rreq *q, const char *name, const char *value)
{
    size_t nl = strlen(name);
    buf line = BUF_INIT;
    buf_printf(&line, "%s: %s", name, value);
    if (line.status) {
        buf_free(&line);
        return CDLT_NOMEM;
    }
    for (size_t i = 0; i < q->headers.n; i++)
        if (strncasecmp(q->headers.v[i], name, nl) == 0 && q->headers.v[i][nl] == ':') {
            mem_free(q->headers.v[i]);
            q->headers.v[i] = buf_detach(&line, NULL);
            return q->headers.v[i] ? CDLT_OK : CDLT_NOMEM;
        }
    cdlt_status rc = strv_add(&q->headers, line.data);
    buf_free(&line);
    return rc;
}

/* Replace or add member key of an object value built in a (copy-on-write: the body may share
 * nodes with the config template, which must not change). */
static cdlt_status obj_set(arena *a, jv *obj, const char *key, jv value)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    bool done = false;
    for (uint32_t i = 0; obj->type == JV_OBJECT && i < obj->len; i++) {
        const jv_member *m = &obj->u.members[i];
        bool same = strcmp(m->key, key) == 0;
        cdlt_status rc = jv_builder_set(&b, a, m->key, m->klen, same ? value : m->value);
        if (rc != CDLT_OK)
            return rc;
        done |= same;
    }
    if (!done && jv_builder_set(&b, a, key, strlen(key), value) != CDLT_OK)
        return CDLT_NOMEM;
    *obj = b.value;
    return CDLT_OK;
}

static cdlt_status set_path(arena *a, jv *obj, const char *dotted, jv value)
{
    const char *dot = strchr(dotted, '.');
    if (!dot)
        return obj_set(a, obj, dotted, value);
    char *head = arena_strndup(a, dotted, (size_t)(dot - dotted));
    if (!head)
        return CDLT_NOMEM;
    const jv *cur = obj->type == JV_OBJECT ? jv_get(obj, head) : NULL;
    jv child = cur && cur->type == JV_OBJECT ? *cur : (jv){.type = JV_OBJECT};
    cdlt_status rc = set_path(a, &child, dot + 1, value);
    return rc == CDLT_OK ? obj_set(a, obj, head, child) : rc;
}

cdlt_status rreq_set_body(rreq *q, arena *a, const char *dotted, jv value)
{
    if (!q->has_json || q->json.type != JV_OBJECT) {
        q->json = (jv){.type = JV_OBJECT};
        q->has_json = true;
    }
    return set_path(a, &q->json, dotted, value);
}

cdlt_status rreq_full_url(const rreq *q, buf *out)
{
    buf_clear(out);
    buf_append(out, q->url.data, q->url.len);
    bool has_q = q->url.len && memchr(q->url.data, '?', q->url.len);
    for (size_t i = 0; i < q->pnames.n; i++) {
        buf_putc(out, has_q ? '&' : '?');
        has_q = true;
        http_url_encode(out, q->pnames.v[i], strlen(q->pnames.v[i]));
        buf_putc(out, '=');
        http_url_encode(out, q->pvals.v[i], strlen(q->pvals.v[i]));
    }
    return out->status;
}
