/* rest_int.h: structures shared by the rest_api files (config.c builds them, template.c,
 * paginator.c, auth.c and engine.c use them). */
#ifndef CDLT_REST_INT_H
#define CDLT_REST_INT_H

#include "json/jsonpath.h"
#include "rest_api.h"

/* ---- templates: "{resources.p.f}", "{incremental.start_value}", "{param}", {{ }} ---- */
typedef enum tp_kind { TP_LIT, TP_PARENT, TP_INCR, TP_PARAM } tp_kind;
typedef struct tpart {
    tp_kind kind;
    const char *text; /* literal bytes (TP_LIT), the incremental attr or the param name */
    size_t len;
    jpath field;      /* TP_PARENT: path into the parent record */
} tpart;
typedef struct tmpl {
    tpart *parts;
    size_t n;
    bool dynamic;     /* has a placeholder */
    const char *src;  /* as written */
} tmpl;

/* Values a template reads. */
typedef struct tctx {
    const jv *parent;                 /* parent record or NULL */
    const char *parent_name;          /* for errors */
    const char *(*incr)(void *ud, const char *attr); /* JSON text or NULL */
    void *incr_ud;
    const char *const *params;        /* resolved path params: name, value pairs */
    size_t nparams;
} tctx;

typedef struct rest_res rest_res;
cdlt_status tmpl_parse(const char *s, arena *a, tmpl *out, bool path, const char *where,
                       cdlt_error *err);
/* Expand into out as text (strings as they are, numbers as written, null as "None", true as
 * "True" like Python's str()). */
cdlt_status tmpl_expand(const tmpl *t, const tctx *c, buf *out, const char *resource,
                        cdlt_error *err);
/* A JSON body: a string that is one whole placeholder keeps the value's type. */
cdlt_status tmpl_expand_json(const jv *in, const tctx *c, arena *a, jv *out,
                             const char *resource, cdlt_error *err);
/* Value of a single placeholder part (NULL = missing; *out_text for incremental text). */
cdlt_status tmpl_value(const tpart *p, const tctx *c, arena *a, jv *out, const char *resource,
                       cdlt_error *err);

/* ---- paginators (spec §2.2) ---- */
typedef enum pg_kind {
    PG_AUTO = 0, PG_SINGLE, PG_JSON_LINK, PG_HEADER_LINK, PG_OFFSET, PG_PAGE_NUMBER, PG_CURSOR,
    PG_HEADER_CURSOR
} pg_kind;

typedef struct pg_spec {
    pg_kind kind;
    bool set;                       /* given (not inherited from a default) */
    jpath next_url_path;            /* json_link */
    const char *links_next_key;     /* header_link */
    const char *cursor_key;         /* header_cursor: header name */
    jpath cursor_path;              /* cursor */
    const char *cursor_param;       /* cursor / header_cursor: query param */
    const char *cursor_body_path;   /* cursor: dotted path in the JSON body */
    /* range paginators (offset, page_number) */
    int64_t initial, step, base_index, limit;
    const char *param, *body_path;  /* offset_param/page_param, offset/page_body_path */
    const char *limit_param, *limit_body_path;
    bool has_total;
    jpath total_path;
    bool has_maximum;
    int64_t maximum;
    bool stop_after_empty_page;
    bool has_more;
    jpath has_more_path;
} pg_spec;

typedef struct pg_state {
    pg_spec spec;        /* own copy (auto-detection fills it in) */
    bool has_next;
    int64_t current;
    bool total_known;
    int64_t total;
    buf next;            /* next URL (links) or cursor text */
    jv cursor_jv;        /* cursor for a body path (in the fetch arena) */
} pg_state;

/* ---- a request being built: base URL, query params, headers, body ---- */
typedef struct rreq {
    const char *method;
    buf url;             /* without the params below */
    strv pnames, pvals;  /* query params in order (values already text) */
    strv headers;        /* "Name: value" */
    jv json;             /* body (JV_NULL = none) */
    bool has_json;
    buf data;            /* form/raw body when no json */
    bool has_data;
} rreq;

void rreq_init(rreq *q);
void rreq_free(rreq *q);
cdlt_status rreq_set_param(rreq *q, const char *name, const char *value);
/* Append (a repeated key of a list param). */
cdlt_status rreq_add_param(rreq *q, const char *name, const char *value);
void rreq_clear_params(rreq *q);
cdlt_status rreq_set_header(rreq *q, const char *name, const char *value);
/* Set a dotted path in the JSON body (objects created on the way). */
cdlt_status rreq_set_body(rreq *q, arena *a, const char *dotted, jv value);
/* Final URL with the params encoded. */
cdlt_status rreq_full_url(const rreq *q, buf *out);

/* Write the first request's page/offset/limit (init_request). */
cdlt_status pg_init(pg_state *st, rreq *q, arena *a);
/* Update state from a response and its page data; then write the next request. *out_next
 * false = no more pages. Errors (total/has_more not found) name the path. */
cdlt_status pg_update(pg_state *st, const http_response *resp, const jv *body,
                      const jv *records, rreq *q, arena *a, bool *out_next, cdlt_error *err);
/* dlt's detection on the first response; fills st->spec and logs the choice (unless quiet:
 * the children of one resource log it once). */
void pg_detect(pg_state *st, const http_response *resp, const jv *body, bool page_is_list,
               const char *resource, arena *a, bool quiet);
/* For range paginators with a known total: the page values still to fetch after the
 * current one (pg_update ran); *out_n 0 when not applicable. */
bool pg_range_known(const pg_state *st, int64_t *out_first, int64_t *out_end);
/* Write page value v into q (range paginators). */
cdlt_status pg_write_range(const pg_state *st, rreq *q, arena *a, int64_t v);
const char *pg_kind_name(pg_kind k);

/* ---- auth (spec §3) ---- */
typedef enum auth_kind { AUTH_NONE = 0, AUTH_BEARER, AUTH_API_KEY, AUTH_BASIC, AUTH_OAUTH2 } auth_kind;

typedef struct rest_auth {
    auth_kind kind;
    const char *token;                 /* bearer */
    const char *name, *api_key, *location; /* api_key: header|query|param|cookie */
    const char *username, *password;   /* http_basic */
    const char *access_token_url, *client_id, *client_secret; /* oauth2 */
    jv request_data;                   /* access_token_request_data (object or JV_NULL) */
    int64_t default_expiration;        /* s */
    /* oauth2 run state */
    char *access_token;                /* mem_* */
    double expires_at;                 /* monotonic */
    double ttl;                        /* last token's lifetime (s) */
    bool fetching;
    uint64_t generation;               /* bumps with each new token */
} rest_auth;

/* Add the auth to a request (headers or query). */
cdlt_status auth_apply(const rest_auth *au, rreq *q);
/* OAuth2: a token is needed before the next request (none, or near its expiry). */
bool auth_needs_token(const rest_auth *au);
cdlt_status auth_token_request(const rest_auth *au, http_request *req, buf *url, buf *body,
                               strv *headers);
cdlt_status auth_token_reply(rest_auth *au, const http_response *resp, const char *resource,
                             cdlt_error *err);

/* ---- response actions (spec §1.9) ---- */
typedef struct rest_action {
    bool has_status;
    long status;
    const char *content; /* substring, or NULL */
} rest_action;

/* ---- one resource, after resource_defaults are merged ---- */
struct rest_res {
    const char *name;
    const char *where;        /* "rest_api.resources[2]" */
    jv hints;                 /* table hint keys only */
    char *incr_json;          /* incremental spec for the cursor, or NULL */
    int parent;               /* -1 = none */
    const char *parent_name;
    const char *table_pattern; /* table_name with {field} parts, or NULL */
    rest_step *steps;          /* processing_steps */
    size_t nsteps;
    const char *method;       /* "GET" / "POST" */
    tmpl path;
    const char **pnames;      /* params in order */
    tmpl *pvals;
    bool *pval_incr;          /* a param bound to the incremental start (deprecated form B) */
    size_t nparams;
    const char **resolve_names; /* legacy resolve params (path only) */
    jpath *resolve_fields;
    size_t nresolve;
    const char **hnames;      /* headers: client's, overridden by the endpoint's */
    tmpl *hvals;
    size_t nheaders;
    jv json;                  /* body template (JV_NULL none) */
    bool has_json;
    tmpl data;                /* raw/form body template */
    bool has_data;
    bool data_form;           /* data was an object: form-encoded */
    const char **form_names;
    tmpl *form_vals;
    size_t nform;
    pg_spec pg;               /* PG_AUTO = detect */
    bool has_selector;
    jpath selector;
    rest_action *actions;
    size_t nactions;
    rest_auth *auth;          /* NULL = none */
    const char *start_param, *end_param; /* incremental request params */
    const char **include;     /* include_from_parent fields */
    size_t ninclude;
    const char *base_url;
};

struct rest_source {
    arena mem;
    bool show_error_body;     /* [runtime] http_show_error_body */
    http_settings session;    /* client.session options (win over [runtime]) */
    bool has_session;
    size_t max_error_body;    /* [runtime] http_max_error_body_length */
    const char *name;
    rest_res *res;
    size_t n;
};

cdlt_status rest_steps_parse(const jv *list, const char *where, arena *a, rest_step **out,
                             size_t *n, cdlt_error *err);

/* Edit distance for "did you mean" (definition.c has the same; defined in config.c). */
const char *rest_closest(const char *key, const char *const *allowed);

#endif /* CDLT_REST_INT_H */
