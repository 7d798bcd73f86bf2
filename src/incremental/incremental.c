/* incremental.c: see incremental.h. Per item the work is a path walk, one or two comparisons
 * and, only for items on the boundary, a hash: no allocation unless an item becomes the new
 * last value (its cursor value is copied into the cursor's arena). */
#include "incremental/incremental.h"
#include "types/types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MISS_RAISE, MISS_INCLUDE, MISS_EXCLUDE };

typedef struct seg {
    const char *key; /* object key, NULL for an index */
    int64_t idx;     /* array index */
} seg;

struct incr {
    arena mem;          /* spec, state and copied values */
    const char *resource;
    const char *path;   /* cursor_path as given */
    seg *segs;          /* parsed path */
    size_t nsegs;
    jv initial, end;    /* JV_NULL when not given */
    double lag;         /* 0 = none */
    bool has_lag;
    int dir;            /* 1 = max, -1 = min */
    int missing;        /* MISS_* */
    bool start_open, end_closed;
    int row_order;      /* 1 asc, -1 desc, 0 not given */
    bool stop;          /* ordered items left the window: the rest would too */
    char **pk;          /* dedup key columns; npk = 0 and dedup = true: the whole item */
    size_t npk;
    bool dedup;         /* false: primary_key = [] */
    jv start;           /* JV_NULL: no start */
    jv prev_last;       /* last_value of the state (JV_NULL none) */
    map prev_hashes;    /* unique_hashes of the state */
    strv prev_list;     /* same, in order */
    jv best;            /* best cursor value kept this run (JV_NULL none) */
    buf best_buf;       /* its text (strings): overwritten, so a long run allocates nothing */
    buf best_hashes;    /* hashes (16 hex chars each, packed) of kept items whose cursor
                           equals best: reused, no allocation per item */
    buf tmp;            /* item text for hashing */
    buf start_txt, end_txt, last_txt;
};

static cdlt_status bad(cdlt_error *err, const char *resource, const char *fmt, const char *arg)
{
    err_set(err, CDLT_CONFIG, "resource '%s': incremental: ", resource);
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof err->message - n, fmt, arg);
    err_set_resource(err, resource);
    return CDLT_CONFIG;
}

/* "a.b", "$.a.b", "a[0].b", "$['a']" (the subset dlt users write) into segments. */
static cdlt_status parse_path(incr *in, const char *p, cdlt_error *err)
{
    size_t cap = 8;
    in->segs = arena_alloc(&in->mem, cap * sizeof *in->segs);
    if (!in->segs)
        return err_nomem(err);
    if (p[0] == '$')
        p += p[1] == '.' ? 2 : 1;
    while (*p) {
        if (in->nsegs == cap) {
            seg *n = arena_alloc(&in->mem, cap * 2 * sizeof *n);
            if (!n)
                return err_nomem(err);
            memcpy(n, in->segs, cap * sizeof *n);
            in->segs = n;
            cap *= 2;
        }
        seg *s = &in->segs[in->nsegs];
        if (*p == '[') {
            p++;
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                const char *e = strchr(p, q);
                if (!e || e[1] != ']')
                    return bad(err, in->resource, "cursor_path '%s' is not a path cdlt reads "
                                                  "(use a.b.c, a[0].b or $['a'])", in->path);
                s->key = arena_strndup(&in->mem, p, (size_t)(e - p));
                p = e + 2;
            } else {
                char *e;
                long v = strtol(p, &e, 10);
                if (e == p || *e != ']' || v < 0)
                    return bad(err, in->resource, "cursor_path '%s' is not a path cdlt reads "
                                                  "(use a.b.c, a[0].b or $['a'])", in->path);
                s->key = NULL;
                s->idx = v;
                p = e + 1;
            }
        } else {
            size_t n = strcspn(p, ".[");
            if (n == 0)
                return bad(err, in->resource, "cursor_path '%s' is not a path cdlt reads "
                                              "(use a.b.c, a[0].b or $['a'])", in->path);
            s->key = arena_strndup(&in->mem, p, n);
            p += n;
        }
        if (s->key == NULL && in->segs[in->nsegs].idx < 0)
            return err_nomem(err);
        in->nsegs++;
        if (*p == '.')
            p++;
    }
    if (in->nsegs == 0)
        return bad(err, in->resource, "cursor_path '%s' is empty", in->path);
    return CDLT_OK;
}

static const jv *cursor_of(const incr *in, const jv *item)
{
    const jv *v = item;
    for (size_t i = 0; v && i < in->nsegs; i++) {
        const seg *s = &in->segs[i];
        if (s->key)
            v = v->type == JV_OBJECT ? jv_get(v, s->key) : NULL;
        else
            v = v->type == JV_ARRAY && (uint32_t)s->idx < v->len ? &v->u.items[s->idx] : NULL;
    }
    return v;
}

/* Kinds that compare with each other. */
enum { K_NUM, K_STR, K_BOOL, K_OTHER };
static int kind_of(const jv *v)
{
    if (jv_is_num(v))
        return K_NUM;
    if (v->type == JV_STRING || jv_is_datetime(v))
        return K_STR;
    if (v->type == JV_BOOL)
        return K_BOOL;
    return K_OTHER;
}

static long double num_of(const jv *v)
{
    switch (v->type) {
    case JV_INT: return (long double)v->u.i;
    case JV_UINT: return (long double)v->u.u;
    case JV_DOUBLE: return (long double)v->u.d;
    default: return strtold(v->u.s, NULL); /* BIGNUM text */
    }
}

/* An ISO timestamp or date as microseconds since the epoch (UTC). */
static bool instant_of(const jv *v, int64_t *us)
{
    const char *s = v->u.s;
    size_t n = v->len;
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return false;
    bool tz = false;
    if (types_parse_iso_timestamp(s, n, us, &tz))
        return true;
    int32_t days = 0;
    if (types_parse_iso_date(s, n, &days)) {
        *us = (int64_t)days * 86400000000LL;
        return true;
    }
    return false;
}

static void value_text(const jv *v, char *out, size_t cap)
{
    buf b = BUF_INIT;
    json_write(&b, v, 0);
    snprintf(out, cap, "%.80s", b.data ? b.data : "?");
    buf_free(&b);
}

/* a compared with ref shifted by `off` (numbers: units, timestamps: seconds): <0, 0, >0. */
static cdlt_status compare(const incr *in, const jv *a, const jv *ref, double off, int *out,
                           cdlt_error *err)
{
    int ka = kind_of(a), kr = kind_of(ref);
    if (ka != kr || ka == K_OTHER) {
        char x[96], y[96];
        value_text(a, x, sizeof x);
        value_text(ref, y, sizeof y);
        err_set(err, CDLT_SOURCE, "resource '%s': incremental cursor '%s': value %s cannot be "
                                "compared with %s (%s)",
                in->resource, in->path, x, y,
                ka == K_OTHER ? "a cursor value must be a number, a string or a timestamp"
                              : "numbers and strings do not mix");
        err_set_resource(err, in->resource);
        err_hint(err, "make the cursor values one kind, or fix initial_value / end_value");
        return CDLT_SOURCE;
    }
    if (ka == K_BOOL) {
        *out = (int)a->u.b - (int)ref->u.b;
        return CDLT_OK;
    }
    if (ka == K_NUM) {
        long double x = num_of(a), y = num_of(ref) + (long double)off;
        *out = x < y ? -1 : x > y ? 1 : 0;
        return CDLT_OK;
    }
    int64_t ua, ur;
    if (instant_of(a, &ua) && instant_of(ref, &ur)) {
        long double x = (long double)ua, y = (long double)ur + (long double)off * 1e6L;
        *out = x < y ? -1 : x > y ? 1 : 0;
        return CDLT_OK;
    }
    size_t n = a->len < ref->len ? a->len : ref->len;
    int c = memcmp(a->u.s, ref->u.s, n);
    *out = c ? c : a->len < ref->len ? -1 : a->len > ref->len ? 1 : 0;
    return CDLT_OK;
}

static jv copy_value(arena *a, const jv *v)
{
    if (v->type == JV_STRING || v->type == JV_BIGNUM || jv_is_datetime(v))
        return jv_str_typed(a, v->type, v->u.s, v->len);
    return *v; /* numbers, bools: by value */
}

static jv parse_value(incr *in, const jv *v)
{
    return v ? copy_value(&in->mem, v) : jv_null();
}

static const char *KEYS[] = {"cursor_path", "initial_value", "end_value", "last_value_func",
                             "primary_key", "on_cursor_value_missing", "lag", "range_start",
                             "range_end", "row_order", NULL};

static const char *str_opt(const jv *o, const char *k) { const jv *v = jv_get(o, k); return v && v->type == JV_STRING ? v->u.s : NULL; }

cdlt_status incr_open(const char *spec_json, const char *state_json, const char *const *res_pk,
                      size_t n_res_pk, const char *resource, incr **out, cdlt_error *err)
{
    *out = NULL;
    incr *in = mem_calloc(1, sizeof *in);
    if (!in)
        return err_nomem(err);
    arena_init(&in->mem, 4096, 0);
    map_init(&in->prev_hashes);
    in->dir = 1;
    in->dedup = true;
    in->initial = in->end = in->start = in->prev_last = in->best = jv_null();
    cdlt_status rc = CDLT_OK;
    jv spec;
    in->resource = arena_strndup(&in->mem, resource, strlen(resource));
    if (!in->resource || json_parse(spec_json, strlen(spec_json), &in->mem, NULL, &spec, err) != CDLT_OK) {
        rc = in->resource ? CDLT_CONFIG : err_nomem(err);
        goto out;
    }
    if (spec.type != JV_OBJECT) {
        rc = bad(err, resource, "%sexpected a table of dlt's incremental arguments", "");
        goto out;
    }
    for (uint32_t i = 0; i < spec.len; i++) {
        bool known = false;
        for (size_t k = 0; KEYS[k] && !known; k++)
            known = strcmp(spec.u.members[i].key, KEYS[k]) == 0;
        if (!known) {
            rc = bad(err, resource, "unknown key '%s' (keys: cursor_path, initial_value, "
                                    "end_value, last_value_func, primary_key, "
                                    "on_cursor_value_missing, lag, range_start, range_end, "
                                    "row_order)", spec.u.members[i].key);
            goto out;
        }
    }
    in->path = str_opt(&spec, "cursor_path");
    if (!in->path || !*in->path) {
        rc = bad(err, resource, "%scursor_path (a string) is required", "");
        goto out;
    }
    if ((rc = parse_path(in, in->path, err)) != CDLT_OK)
        goto out;
    in->initial = parse_value(in, jv_get(&spec, "initial_value"));
    in->end = parse_value(in, jv_get(&spec, "end_value"));
    const char *f = str_opt(&spec, "last_value_func");
    if (jv_get(&spec, "last_value_func") && (!f || (strcmp(f, "max") && strcmp(f, "min")))) {
        rc = bad(err, resource, "%slast_value_func must be \"max\" or \"min\"", "");
        goto out;
    }
    in->dir = f && strcmp(f, "min") == 0 ? -1 : 1;
    const char *m = str_opt(&spec, "on_cursor_value_missing");
    if (jv_get(&spec, "on_cursor_value_missing") &&
        (!m || (strcmp(m, "raise") && strcmp(m, "include") && strcmp(m, "exclude")))) {
        rc = bad(err, resource, "%son_cursor_value_missing must be raise, include or exclude", "");
        goto out;
    }
    in->missing = !m || !strcmp(m, "raise") ? MISS_RAISE : !strcmp(m, "include") ? MISS_INCLUDE
                                                                               : MISS_EXCLUDE;
    const char *rs = str_opt(&spec, "range_start"), *re = str_opt(&spec, "range_end"),
               *ro = str_opt(&spec, "row_order");
    if ((jv_get(&spec, "range_start") && (!rs || (strcmp(rs, "open") && strcmp(rs, "closed")))) ||
        (jv_get(&spec, "range_end") && (!re || (strcmp(re, "open") && strcmp(re, "closed")))) ||
        (jv_get(&spec, "row_order") && (!ro || (strcmp(ro, "asc") && strcmp(ro, "desc"))))) {
        rc = bad(err, resource, "%srange_start / range_end are \"open\" or \"closed\", row_order "
                                "\"asc\" or \"desc\"", "");
        goto out;
    }
    in->row_order = !ro ? 0 : !strcmp(ro, "asc") ? 1 : -1;
    in->start_open = rs && !strcmp(rs, "open");
    in->end_closed = re && !strcmp(re, "closed");
    const jv *lag = jv_get(&spec, "lag");
    if (lag) {
        if (!jv_is_num(lag) || num_of(lag) < 0) {
            rc = bad(err, resource, "%slag must be a number >= 0 (seconds for timestamps)", "");
            goto out;
        }
        in->lag = (double)num_of(lag);
        in->has_lag = in->lag > 0;
    }
    const jv *pk = jv_get(&spec, "primary_key");
    strv keys = {0};
    if (pk && pk->type == JV_STRING) {
        rc = strv_add(&keys, pk->u.s);
    } else if (pk && pk->type == JV_ARRAY) {
        in->dedup = pk->len > 0; /* dlt: primary_key=() turns the boundary dedup off */
        for (uint32_t i = 0; rc == CDLT_OK && i < pk->len; i++)
            rc = pk->u.items[i].type == JV_STRING ? strv_add(&keys, pk->u.items[i].u.s)
                                                  : bad(err, resource, "%sprimary_key lists names", "");
    } else if (pk) {
        rc = bad(err, resource, "%sprimary_key must be a name or a list of names", "");
    } else {
        for (size_t i = 0; rc == CDLT_OK && i < n_res_pk; i++)
            rc = strv_add(&keys, res_pk[i]);
    }
    if (rc != CDLT_OK) {
        strv_free(&keys);
        goto out;
    }
    in->npk = keys.n;
    in->pk = arena_alloc(&in->mem, (keys.n ? keys.n : 1) * sizeof *in->pk);
    for (size_t i = 0; in->pk && i < keys.n; i++)
        in->pk[i] = arena_strndup(&in->mem, keys.v[i], strlen(keys.v[i]));
    strv_free(&keys);
    if (!in->pk) {
        rc = err_nomem(err);
        goto out;
    }
    /* the state of the last run: where this one starts */
    if (state_json) {
        jv st;
        if (json_parse(state_json, strlen(state_json), &in->mem, NULL, &st, NULL) == CDLT_OK &&
            st.type == JV_OBJECT) {
            const jv *lv = jv_get(&st, "last_value"), *uh = jv_get(&st, "unique_hashes");
            if (lv && lv->type != JV_NULL)
                in->prev_last = copy_value(&in->mem, lv);
            for (uint32_t i = 0; uh && uh->type == JV_ARRAY && i < uh->len; i++) {
                const jv *h = &uh->u.items[i];
                if (h->type != JV_STRING)
                    continue;
                char *k = arena_strndup(&in->mem, h->u.s, h->len);
                if (!k || map_put(&in->prev_hashes, k, h->len, k) != CDLT_OK ||
                    strv_add(&in->prev_list, k) != CDLT_OK) {
                    rc = err_nomem(err);
                    goto out;
                }
            }
        }
    }
    in->start = in->prev_last.type != JV_NULL ? in->prev_last : in->initial;
    if (in->start.type != JV_NULL)
        json_write(&in->start_txt, &in->start, 0);
    if (in->end.type != JV_NULL)
        json_write(&in->end_txt, &in->end, 0);
    *out = in;
    return CDLT_OK;
out:
    incr_free(in);
    return rc == CDLT_OK ? CDLT_CONFIG : rc;
}

void incr_free(incr *in)
{
    if (!in)
        return;
    map_free(&in->prev_hashes);
    strv_free(&in->prev_list);
    buf_free(&in->best_hashes);
    buf_free(&in->tmp);
    buf_free(&in->best_buf);
    buf_free(&in->start_txt);
    buf_free(&in->end_txt);
    buf_free(&in->last_txt);
    arena_free(&in->mem);
    mem_free(in);
}

const char *incr_cursor_path(const incr *in) { return in->path; }
bool incr_stop(const incr *in) { return in->stop; }
const char *incr_start_json(const incr *in) { return in->start_txt.len ? in->start_txt.data : NULL; }
const char *incr_end_json(const incr *in) { return in->end_txt.len ? in->end_txt.data : NULL; }
const char *incr_last_json(const incr *in) { return in->last_txt.len ? in->last_txt.data : NULL; }

/* The item's boundary identity: its primary key values, or the whole item (hex XXH3). */
static cdlt_status item_hash(incr *in, const jv *item, char out[17])
{
    buf_clear(&in->tmp);
    if (in->npk) {
        for (size_t i = 0; i < in->npk; i++) {
            const jv *v = item->type == JV_OBJECT ? jv_get(item, in->pk[i]) : NULL;
            jv nul = jv_null();
            json_write(&in->tmp, v ? v : &nul, 0);
            buf_putc(&in->tmp, '\x1f');
        }
    } else {
        json_write(&in->tmp, item, 0);
    }
    if (in->tmp.status != CDLT_OK)
        return CDLT_NOMEM;
    snprintf(out, 17, "%016llx", (unsigned long long)hash_bytes(in->tmp.data, in->tmp.len));
    return CDLT_OK;
}

/* best = c, reusing best_buf for text values */
static cdlt_status set_best(incr *in, const jv *c)
{
    in->best = *c;
    if (c->type == JV_STRING || c->type == JV_BIGNUM || jv_is_datetime(c)) {
        buf_clear(&in->best_buf);
        if (buf_append(&in->best_buf, c->u.s, c->len) != CDLT_OK ||
            buf_putc(&in->best_buf, '\0') != CDLT_OK)
            return CDLT_NOMEM;
        in->best.u.s = in->best_buf.data;
    }
    return CDLT_OK;
}

cdlt_status incr_filter(incr *in, const jv *item, bool *keep, cdlt_error *err)
{
    *keep = false;
    const jv *c = cursor_of(in, item);
    if (!c || c->type == JV_NULL) {
        if (in->missing == MISS_INCLUDE) {
            *keep = true;
            return CDLT_OK;
        }
        if (in->missing == MISS_EXCLUDE)
            return CDLT_OK;
        char x[96];
        value_text(item, x, sizeof x);
        err_set(err, CDLT_SOURCE, "resource '%s': incremental cursor '%s' is missing in item %s",
                in->resource, in->path, x);
        err_set_resource(err, in->resource);
        return err_hint(err, "fix cursor_path, or set on_cursor_value_missing = \"include\" or "
                             "\"exclude\"");
    }
    int r;
    cdlt_status rc;
    char h[17];
    bool hashed = false;
    if (in->start.type != JV_NULL) {
        /* lag moves the start back (max) or forward (min) from the last value */
        double off = in->has_lag && in->prev_last.type != JV_NULL ? -in->dir * in->lag : 0;
        if ((rc = compare(in, c, &in->start, off, &r, err)) != CDLT_OK)
            return rc;
        r *= in->dir;
        if (r < 0) {
            /* items come in the opposite order of last_value_func: all later ones are older */
            in->stop = in->row_order == -in->dir;
            return CDLT_OK;
        }
        if (r == 0 && in->start_open)
            return CDLT_OK;
        if (r == 0 && in->dedup && !in->has_lag && in->prev_hashes.count) {
            if (item_hash(in, item, h) != CDLT_OK)
                return err_nomem(err);
            hashed = true;
            if (map_get(&in->prev_hashes, h, 16))
                return CDLT_OK; /* loaded by the last run */
        }
    }
    if (in->end.type != JV_NULL) {
        if ((rc = compare(in, c, &in->end, 0, &r, err)) != CDLT_OK)
            return rc;
        r *= in->dir;
        if (r > 0 || (r == 0 && !in->end_closed)) {
            /* items come in last_value_func's order: all later ones are past the end too */
            in->stop = in->row_order == in->dir;
            return CDLT_OK;
        }
    }
    *keep = true;
    if (in->best.type != JV_NULL) {
        if ((rc = compare(in, c, &in->best, 0, &r, err)) != CDLT_OK)
            return rc;
        r *= in->dir;
    } else {
        r = 1;
    }
    if (r < 0 || !in->dedup)
        return r > 0 && set_best(in, c) != CDLT_OK ? err_nomem(err) : CDLT_OK;
    if (!hashed && item_hash(in, item, h) != CDLT_OK)
        return err_nomem(err);
    if (r > 0) {
        if (set_best(in, c) != CDLT_OK)
            return err_nomem(err);
        buf_clear(&in->best_hashes);
    }
    bool seen = false;
    for (size_t i = 0; i + 16 <= in->best_hashes.len && !seen; i += 16)
        seen = memcmp(in->best_hashes.data + i, h, 16) == 0;
    if (!seen && buf_append(&in->best_hashes, h, 16) != CDLT_OK)
        return err_nomem(err);
    return CDLT_OK;
}

cdlt_status incr_state_json(const incr *in, buf *out, bool *save)
{
    *save = in->end.type == JV_NULL; /* a backfill window leaves the cursor where it was */
    buf_clear(out);
    jv nul = jv_null();
    buf_puts(out, "{\"initial_value\":");
    json_write(out, &in->initial, 0);
    const jv *last = in->prev_last.type != JV_NULL ? &in->prev_last : &nul;
    const strv *hashes = &in->prev_list;
    strv merged = {0};
    if (in->best.type != JV_NULL) {
        int r = 1; /* no earlier last value: this run's best is it */
        cdlt_error e;
        if (in->prev_last.type != JV_NULL) {
            if (compare(in, &in->best, &in->prev_last, 0, &r, &e) != CDLT_OK)
                r = 1;
            r *= in->dir;
        }
        if (r >= 0) {
            /* same boundary: both runs' items are on it; a later one: this run's only */
            if (r == 0)
                for (size_t i = 0; i < in->prev_list.n; i++)
                    strv_add(&merged, in->prev_list.v[i]);
            for (size_t i = 0; i + 16 <= in->best_hashes.len; i += 16) {
                char h[17];
                memcpy(h, in->best_hashes.data + i, 16);
                h[16] = '\0';
                if (!strv_has(&merged, h))
                    strv_add(&merged, h);
            }
            if (r > 0)
                last = &in->best;
            hashes = &merged;
        }
    }
    buf_puts(out, ",\"last_value\":");
    json_write(out, last, 0);
    buf_puts(out, ",\"unique_hashes\":[");
    for (size_t i = 0; i < hashes->n; i++)
        buf_printf(out, "%s\"%s\"", i ? "," : "", hashes->v[i]);
    /* as dlt: where this run started (its last_value before, or initial_value) */
    buf_puts(out, "],\"start_value\":");
    json_write(out, &in->start, 0);
    buf_putc(out, '}');
    strv_free(&merged);
    ((incr *)in)->last_txt.len = 0;
    json_write(&((incr *)in)->last_txt, last, 0);
    return out->status;
}
