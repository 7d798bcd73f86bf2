/* credentials.c: dlt's connection-string credentials: parsing "driver://user:pass@host:port/db?k=v"
 * like SQLAlchemy's URL, rendering it back, and resolving it whole or field by field. */
#include "lookup.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

enum { F_DRIVER, F_USER, F_PASSWORD, F_HOST, F_PORT, F_DATABASE, F_QUERY, F_COUNT };
static const char *const FIELD_NAMES[F_COUNT] = {"drivername", "username", "password", "host",
                                                 "port",       "database", "query"};

/* Credentials being assembled (strings in an arena). */
typedef struct cred_tmp {
    const char *s[F_COUNT]; /* string fields (F_PORT/F_QUERY unused) */
    int port;               /* 0 = absent */
    bool have[F_COUNT];     /* field was given */
    const char **qk;        /* query keys (arena) */
    const char **qv;        /* query values (arena) */
    size_t nq;              /* query pairs */
    size_t qcap;            /* allocated pairs */
} cred_tmp;

/* Percent-decode s[0..n) into the arena; '+' becomes a space when plus_space (query strings).
 * Bad escapes are kept as written, like Python's unquote. */
static const char *decode(arena *a, const char *s, size_t n, bool plus_space)
{
    char *out = arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
            out[o++] = (char)(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
            i += 2;
        } else if (plus_space && s[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static cdlt_status add_query(arena *a, cred_tmp *t, const char *k, const char *v)
{
    if (t->nq == t->qcap) {
        size_t cap = t->qcap ? t->qcap * 2 : 4;
        const char **nk = arena_grow(a, (void *)t->qk, t->qcap * sizeof *nk, cap * sizeof *nk);
        if (!nk)
            return CDLT_NOMEM;
        t->qk = nk;
        const char **nv = arena_grow(a, (void *)t->qv, t->qcap * sizeof *nv, cap * sizeof *nv);
        if (!nv)
            return CDLT_NOMEM;
        t->qv = nv;
        t->qcap = cap;
    }
    t->qk[t->nq] = k;
    t->qv[t->nq] = v;
    t->nq++;
    t->have[F_QUERY] = true;
    return CDLT_OK;
}

/* "k=v&k2=v2" (Python parse_qsl: blank values dropped). */
static cdlt_status parse_query(arena *a, const char *s, size_t n, cred_tmp *t)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        const char *eq = memchr(s + i, '=', j - i);
        if (eq && (size_t)(eq - s) + 1 < j) {
            const char *k = decode(a, s + i, (size_t)(eq - (s + i)), true);
            const char *v = decode(a, eq + 1, (size_t)(s + j - eq - 1), true);
            if (!k || !v || add_query(a, t, k, v) != CDLT_OK)
                return CDLT_NOMEM;
        }
        i = j + 1;
    }
    return CDLT_OK;
}

/* The error for a malformed string: what is wrong and at which byte, never the string itself
 * (a misplaced character may belong to the password). */
static cdlt_status bad(cdlt_error *err, const char *where, const char *url, const char *at,
                       const char *why)
{
    return err_set(err, CDLT_CONFIG,
                   "connection string%s%s is not valid at byte %zu: %s; expected "
                   "driver://username:password@host:port/database?option=value (percent-encode "
                   "special characters in the password)",
                   where ? " from " : "", where ? where : "", (size_t)(at - url) + 1, why);
}

/* -1 when s[0..n) (the text between '[' and ']') is an IPv6 literal, else the offset of its
 * first bad byte. Accepted: hex digits, ':' and '.' (an embedded IPv4 tail),
 * at least one ':', then an optional zone "%name". Anything else in brackets would render to a
 * URL that means something else, so it is refused rather than guessed at. */
static ptrdiff_t ipv6_bad_at(const char *s, size_t n)
{
    size_t i = 0;
    bool colon = false;
    for (; i < n && s[i] != '%'; i++) {
        if (s[i] == ':')
            colon = true;
        else if (!isxdigit((unsigned char)s[i]) && s[i] != '.')
            return (ptrdiff_t)i;
    }
    if (!colon)
        return (ptrdiff_t)(i < n ? i : 0);
    if (i < n) {
        if (i + 1 == n)
            return (ptrdiff_t)i;
        for (i++; i < n; i++)
            if (!isalnum((unsigned char)s[i]) && !strchr("-._~%", s[i]))
                return (ptrdiff_t)i;
    }
    return -1;
}

/* Offset of the first "%00" in s[0..n), or -1. A decoded NUL would silently cut the field short
 * (and "user%00x" would read back as a different user), so such strings are refused. */
static ptrdiff_t nul_escape_at(const char *s, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] == '0')
            return (ptrdiff_t)i;
    return -1;
}

#define NUL_ESCAPE_WHY "\"%00\" (a NUL byte) cannot be part of a connection string"

/* Parse into t; `where` names the origin for errors (the string itself is never quoted). */
static cdlt_status parse_url(arena *a, const char *url, cred_tmp *t, const char *where,
                             cdlt_error *err)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url)
        return bad(err, where, url, url, "no \"driver://\" at the start");
    for (const char *p = url; p < sep; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '+' && *p != '-' && *p != '.')
            return bad(err, where, url, p,
                       "the driver name may hold only letters, digits, '_', '+', '-' and '.'");
    ptrdiff_t nul = nul_escape_at(url, strlen(url));
    if (nul >= 0)
        return bad(err, where, url, url + nul, NUL_ESCAPE_WHY);
    t->s[F_DRIVER] = arena_strndup(a, url, (size_t)(sep - url));
    if (!t->s[F_DRIVER])
        return CDLT_NOMEM;
    t->have[F_DRIVER] = true;
    const char *r = sep + 3;
    size_t auth_end = strcspn(r, "/?");
    /* The last '@' of the authority ends the user info: passwords may contain '@'. */
    const char *at = NULL;
    for (size_t i = 0; i < auth_end; i++)
        if (r[i] == '@')
            at = r + i;
    const char *hp = r;
    if (at) {
        const char *colon = memchr(r, ':', (size_t)(at - r));
        size_t ulen = colon ? (size_t)(colon - r) : (size_t)(at - r);
        if (ulen) {
            t->s[F_USER] = decode(a, r, ulen, false);
            if (!t->s[F_USER])
                return CDLT_NOMEM;
            t->have[F_USER] = true;
        }
        if (colon && colon + 1 < at) {
            t->s[F_PASSWORD] = decode(a, colon + 1, (size_t)(at - colon - 1), false);
            if (!t->s[F_PASSWORD])
                return CDLT_NOMEM;
            t->have[F_PASSWORD] = true;
        }
        hp = at + 1;
    }
    const char *hend = r + auth_end;
    const char *port = NULL;
    if (hp < hend && *hp == '[') {
        /* A bracketed host is an IPv6 literal, closed by the first ']' (as in RFC 3986). */
        const char *rb = memchr(hp, ']', (size_t)(hend - hp));
        if (!rb)
            return bad(err, where, url, hp, "an IPv6 host opened with '[' has no ']'");
        ptrdiff_t badat = ipv6_bad_at(hp + 1, (size_t)(rb - hp - 1));
        if (badat >= 0)
            return bad(err, where, url, hp + 1 + badat,
                       "the host in '[...]' is not an IPv6 address (hex digits, ':' and '.', "
                       "e.g. [::1]); write other host names without brackets");
        t->s[F_HOST] = arena_strndup(a, hp + 1, (size_t)(rb - hp - 1));
        if (!t->s[F_HOST])
            return CDLT_NOMEM;
        t->have[F_HOST] = true;
        if (rb + 1 < hend) {
            if (rb[1] != ':')
                return bad(err, where, url, rb + 1,
                           "unexpected text after the IPv6 host (only \":port\" may follow ']')");
            port = rb + 2;
        }
    } else if (hp < hend) {
        const char *colon = memchr(hp, ':', (size_t)(hend - hp));
        const char *he = colon ? colon : hend;
        if (he > hp) {
            t->s[F_HOST] = arena_strndup(a, hp, (size_t)(he - hp));
            if (!t->s[F_HOST])
                return CDLT_NOMEM;
            t->have[F_HOST] = true;
        }
        if (colon)
            port = colon + 1;
    }
    if (port && port < hend) {
        long v = 0;
        for (const char *p = port; p < hend; p++) {
            if (!isdigit((unsigned char)*p))
                return bad(err, where, url, p, "the port is not a number");
            v = v * 10 + (*p - '0');
            if (v > 65535)
                return bad(err, where, url, port, "the port is larger than 65535");
        }
        t->port = (int)v;
        t->have[F_PORT] = true;
    }
    const char *p = hend;
    if (*p == '/') {
        p++;
        size_t dl = strcspn(p, "?");
        if (dl) {
            t->s[F_DATABASE] = decode(a, p, dl, false);
            if (!t->s[F_DATABASE])
                return CDLT_NOMEM;
            t->have[F_DATABASE] = true;
        }
        p += dl;
    }
    if (*p == '?' && parse_query(a, p + 1, strlen(p + 1), t) != CDLT_OK)
        return CDLT_NOMEM;
    return CDLT_OK;
}

/* Pack into one allocation the caller frees with cdlt_credentials_free. */
static cdlt_status pack(const cred_tmp *t, cdlt_credentials **out)
{
    size_t need = sizeof(cdlt_credentials) + t->nq * sizeof(cdlt_kv);
    for (int f = 0; f < F_COUNT; f++)
        if (t->s[f])
            need += strlen(t->s[f]) + 1;
    for (size_t i = 0; i < t->nq; i++)
        need += strlen(t->qk[i]) + strlen(t->qv[i]) + 2;
    char *block = mem_calloc(1, need);
    if (!block)
        return CDLT_NOMEM;
    cdlt_credentials *c = (cdlt_credentials *)(void *)block;
    cdlt_kv *kv = (cdlt_kv *)(void *)(block + sizeof *c);
    char *s = (char *)(kv + t->nq);
#define PUT(dst, src)                                                                              \
    do {                                                                                           \
        size_t l_ = strlen(src) + 1;                                                               \
        memcpy(s, src, l_);                                                                        \
        (dst) = s;                                                                                 \
        s += l_;                                                                                   \
    } while (0)
    const char **dst[F_COUNT] = {&c->drivername, &c->username, &c->password, &c->host,
                                 NULL,           &c->database, NULL};
    for (int f = 0; f < F_COUNT; f++)
        if (dst[f] && t->s[f])
            PUT(*dst[f], t->s[f]);
    for (size_t i = 0; i < t->nq; i++) {
        PUT(kv[i].key, t->qk[i]);
        PUT(kv[i].value, t->qv[i]);
    }
#undef PUT
    c->port = t->port;
    c->query = t->nq ? kv : NULL;
    c->nquery = t->nq;
    *out = c;
    return CDLT_OK;
}

cdlt_status cdlt_credentials_parse(const char *url, cdlt_credentials **out, cdlt_error *err)
{
    if (!out)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_credentials_parse: out is NULL");
    *out = NULL;
    if (!url)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_credentials_parse: url is NULL");
    arena a;
    arena_init(&a, 1024, 0);
    cred_tmp t;
    memset(&t, 0, sizeof t);
    cdlt_status st = parse_url(&a, url, &t, NULL, err);
    if (st == CDLT_OK && t.s[F_PASSWORD] && cdlt_secret_register(t.s[F_PASSWORD]) != CDLT_OK)
        st = CDLT_NOMEM;
    if (st == CDLT_OK)
        st = pack(&t, out);
    if (st == CDLT_NOMEM)
        err_nomem(err);
    arena_free(&a);
    return st;
}

void cdlt_credentials_free(cdlt_credentials *c) { mem_free(c); }

/* ---- rendering ---- */

/* Percent-encode everything but unreserved characters and those in `safe`. */
static void put_enc(buf *b, const char *s, const char *safe)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' || strchr(safe, *p))
            buf_putc(b, (char)*p);
        else {
            buf_putc(b, '%');
            buf_putc(b, hex[*p >> 4]);
            buf_putc(b, hex[*p & 15]);
        }
    }
}

size_t cdlt_credentials_to_url(const cdlt_credentials *c, bool hide_password, char *out,
                               size_t out_cap)
{
    buf b = BUF_INIT;
    if (c) {
        buf_printf(&b, "%s://", c->drivername ? c->drivername : "");
        if (c->username || c->password) {
            if (c->username)
                put_enc(&b, c->username, "");
            if (c->password) {
                buf_putc(&b, ':');
                if (hide_password)
                    buf_puts(&b, "***");
                else
                    put_enc(&b, c->password, "");
            }
            buf_putc(&b, '@');
        }
        if (c->host)
            buf_printf(&b, strchr(c->host, ':') ? "[%s]" : "%s", c->host);
        if (c->port)
            buf_printf(&b, ":%d", c->port);
        if (c->database) {
            buf_putc(&b, '/');
            put_enc(&b, c->database, "/");
        }
        for (size_t i = 0; i < c->nquery; i++) {
            buf_putc(&b, i ? '&' : '?');
            put_enc(&b, c->query[i].key, "");
            buf_putc(&b, '=');
            put_enc(&b, c->query[i].value, ":/");
        }
    }
    size_t n = b.status == CDLT_OK ? b.len : 0;
    if (out_cap) {
        size_t w = n < out_cap ? n : out_cap - 1;
        if (w)
            memcpy(out, buf_cstr(&b), w);
        out[w] = '\0';
    }
    buf_free(&b);
    return n;
}

/* ---- resolution ---- */

static const char *scalar_text(arena *a, const jv *v)
{
    char tmp[64];
    switch ((jv_type)v->type) {
    case JV_STRING:
        return v->u.s;
    case JV_INT:
        snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
        break;
    case JV_UINT:
        snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v->u.u);
        break;
    case JV_BOOL:
        snprintf(tmp, sizeof tmp, "%s", v->u.b ? "true" : "false");
        break;
    case JV_DOUBLE:
        snprintf(tmp, sizeof tmp, "%.17g", v->u.d);
        break;
    default:
        return NULL;
    }
    return arena_strndup(a, tmp, strlen(tmp));
}

/* Apply one field value (from an env JSON object or a field lookup) to t. CDLT_CONFIG when the
 * value has the wrong shape. */
static cdlt_status set_field(arena *a, cred_tmp *t, int f, const jv *v, const char *origin,
                             cdlt_error *err)
{
    if (v->type == JV_NULL)
        return CDLT_OK;
    if (f == F_PORT) {
        int64_t port = -1;
        if (v->type == JV_INT)
            port = v->u.i;
        else if (v->type == JV_STRING) {
            char *end;
            long long x = strtoll(v->u.s, &end, 10);
            if (*v->u.s && *end == '\0')
                port = x;
        }
        if (port < 0 || port > 65535)
            return err_set(err, CDLT_CONFIG, "credentials field `port` from %s is not a port number "
                           "(0-65535); fix it there", origin);
        t->port = (int)port;
        t->have[f] = true;
        return CDLT_OK;
    }
    if (f == F_QUERY) {
        if (v->type == JV_OBJECT) {
            for (uint32_t i = 0; i < v->len; i++) {
                const char *val = scalar_text(a, &v->u.members[i].value);
                if (!val)
                    return err_set(err, CDLT_CONFIG, "credentials field `query.%s` from %s must be a "
                                   "string or number", v->u.members[i].key, origin);
                if (add_query(a, t, v->u.members[i].key, val) != CDLT_OK)
                    return err_nomem(err);
            }
            t->have[f] = true;
            return CDLT_OK;
        }
        if (v->type == JV_STRING) {
            ptrdiff_t nul = nul_escape_at(v->u.s, v->len);
            if (nul >= 0)
                return err_set(err, CDLT_CONFIG, "credentials field `query` from %s is not valid "
                               "at byte %zu: %s", origin, (size_t)nul + 1, NUL_ESCAPE_WHY);
            if (parse_query(a, v->u.s, v->len, t) != CDLT_OK)
                return err_nomem(err);
            t->have[f] = true;
            return CDLT_OK;
        }
        return err_set(err, CDLT_CONFIG, "credentials field `query` from %s must be a table of "
                       "options or \"k=v&k2=v2\"", origin);
    }
    const char *s = scalar_text(a, v);
    if (!s && (v->type == JV_OBJECT || v->type == JV_ARRAY))
        return err_set(err, CDLT_CONFIG, "credentials field `%s` from %s must be a string, not a "
                       "table or list", FIELD_NAMES[f], origin);
    if (!s)
        return err_nomem(err);
    t->s[f] = s;
    t->have[f] = true;
    return CDLT_OK;
}

static int field_index(const char *name, size_t n)
{
    for (int f = 0; f < F_COUNT; f++)
        if (strlen(FIELD_NAMES[f]) == n && memcmp(FIELD_NAMES[f], name, n) == 0)
            return f;
    return -1;
}

static cdlt_status resolve_creds(cdlt_config *cfg, arena *a, const char *section, const char *key,
                                 const char *const *required, cred_tmp *t, cdlt_error *err)
{
    cfg_query *q = mem_alloc(sizeof *q);
    buf trace = BUF_INIT;
    buf traces[F_COUNT];
    for (int f = 0; f < F_COUNT; f++)
        buf_init(&traces[f], 0);
    cdlt_status st = q ? cfg_query_init(q, section, key, CFG_Q_SECRET | CFG_Q_JSON, err) : err_nomem(err);
    /* 1. The whole value: a connection string, or a JSON object of fields (env). */
    cfg_hit hit;
    if (st == CDLT_OK)
        st = cfg_resolve_traced(cfg, q, &hit, &trace, err);
    if (st == CDLT_OK) {
        const char *origin = cfg_hit_origin(cfg, &hit);
        if (!origin)
            st = err_nomem(err);
        else if (hit.value->type == JV_STRING)
            st = parse_url(a, hit.value->u.s, t, origin, err);
        else if (hit.value->type == JV_OBJECT && hit.prov == CFG_ENV) {
            for (uint32_t i = 0; st == CDLT_OK && i < hit.value->len; i++) {
                const jv_member *m = &hit.value->u.members[i];
                int f = field_index(m->key, m->klen);
                if (f >= 0)
                    st = set_field(a, t, f, &m->value, origin, err);
            }
        }
        /* A TOML table here is read field by field below, so env fields can override it. */
        if (st == CDLT_NOMEM)
            err_nomem(err);
    } else if (st == CDLT_NOT_FOUND) {
        st = CDLT_OK;
    }
    /* 2. Field by field, each with its own section fallback. */
    for (int f = 0; st == CDLT_OK && f < F_COUNT; f++) {
        if (t->have[f])
            continue;
        char fkey[CFG_MAX_PATH + 32];
        snprintf(fkey, sizeof fkey, "%s.%s", key, FIELD_NAMES[f]);
        unsigned flags = CFG_Q_JSON | (f == F_PASSWORD ? CFG_Q_SECRET : 0);
        st = cfg_query_init(q, section, fkey, flags, err);
        if (st == CDLT_OK)
            st = cfg_resolve_traced(cfg, q, &hit, &traces[f], err);
        if (st == CDLT_OK) {
            const char *origin = cfg_hit_origin(cfg, &hit);
            st = origin ? set_field(a, t, f, hit.value, origin, err) : err_nomem(err);
        } else if (st == CDLT_NOT_FOUND) {
            st = CDLT_OK;
        }
    }
    if (st == CDLT_OK && t->s[F_PASSWORD]) {
        /* dlt trims the password after resolving. */
        const char *p = t->s[F_PASSWORD];
        size_t n = strlen(p);
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        while (n && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        t->s[F_PASSWORD] = arena_strndup(a, p, n);
        if (!t->s[F_PASSWORD] || cdlt_secret_register(t->s[F_PASSWORD]) != CDLT_OK)
            st = err_nomem(err);
    }
    /* 3. Required fields. */
    static const char *const default_required[] = {"drivername", NULL};
    if (!required)
        required = default_required;
    cfg_missing_field missing[F_COUNT];
    char labels[F_COUNT][CFG_MAX_PATH + 32];
    size_t nmissing = 0;
    for (size_t i = 0; st == CDLT_OK && required[i]; i++) {
        int f = field_index(required[i], strlen(required[i]));
        if (f < 0) {
            st = err_set(err, CDLT_INVALID_ARG, "unknown credentials field `%s` in the required "
                         "list; known: drivername, username, password, host, port, database, query",
                         required[i]);
            break;
        }
        if (t->have[f] || nmissing >= F_COUNT)
            continue;
        snprintf(labels[nmissing], sizeof labels[nmissing], "%s.%s", key, FIELD_NAMES[f]);
        missing[nmissing].field = labels[nmissing];
        missing[nmissing].trace = buf_cstr(&traces[f]);
        missing[nmissing].also_tried = false;
        nmissing++;
    }
    if (st == CDLT_OK && nmissing) {
        buf resolved = BUF_INIT;
        for (int f = 0; f < F_COUNT; f++)
            if (t->have[f])
                buf_printf(&resolved, "%s`%s`", resolved.len ? ", " : "", FIELD_NAMES[f]);
        /* The whole-value lookup is part of the story: say where a connection string could go. */
        buf whole = BUF_INIT;
        buf_printf(&whole, "%s (or the whole connection string)", key);
        cfg_missing_field all[F_COUNT + 1];
        memcpy(all, missing, nmissing * sizeof *missing);
        all[nmissing].field = buf_cstr(&whole);
        all[nmissing].trace = buf_cstr(&trace);
        all[nmissing].also_tried = true;
        char sec[CFG_MAX_PATH];
        snprintf(sec, sizeof sec, "%s", section && *section ? section : "(root)");
        if (resolved.status != CDLT_OK || whole.status != CDLT_OK)
            st = err_nomem(err);
        else
            st = cfg_missing_error(cfg, sec, all, nmissing + 1, buf_cstr(&resolved), err);
        buf_free(&resolved);
        buf_free(&whole);
    }
    if (st != CDLT_OK && st != CDLT_CONFIG_MISSING && err)
        cfg_keep_message(cfg, err->message);
    buf_free(&trace);
    for (int f = 0; f < F_COUNT; f++)
        buf_free(&traces[f]);
    mem_free(q);
    return st;
}

cdlt_status cdlt_config_get_credentials(cdlt_config *cfg, const char *section, const char *key,
                                        const char *const *required, cdlt_credentials **out,
                                        cdlt_error *err)
{
    if (!out)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_config_get_credentials: out is NULL");
    *out = NULL;
    if (!cfg)
        return err_set(err, CDLT_INVALID_ARG, "cdlt_config_get_credentials: NULL handle");
    if (!key || !*key)
        key = "credentials";
    arena a;
    arena_init(&a, 2048, 0);
    cred_tmp t;
    memset(&t, 0, sizeof t);
    cdlt_status st = resolve_creds(cfg, &a, section, key, required, &t, err);
    if (st == CDLT_OK && pack(&t, out) != CDLT_OK)
        st = err_nomem(err);
    arena_free(&a);
    return st;
}
