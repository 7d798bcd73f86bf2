/* incremental.c: see incremental.h. Per item the work is a path walk, one ISO parse of the
 * cursor value (the window's ends are parsed once), two or three comparisons and, only for
 * items on the boundary or a new best value, a hash. Nothing is allocated per item. */
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

/* A cursor value made ready to compare: an item's ISO text is parsed once per item, the
 * window's ends and the running best once per run (or per change). */
typedef struct ckey {
    int kind;         /* K_* */
    bool inst;        /* a K_STR that reads as an ISO timestamp or date */
    bool date;        /* a date without a time (lag counts days, as dlt) */
    long double num;  /* K_NUM */
    int64_t us;       /* inst: microseconds since the epoch, UTC */
    const char *s;    /* K_STR: the text */
    uint32_t len;     /* its bytes */
    bool b;           /* K_BOOL */
} ckey;

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
    int row_order;      /* 0 not given, 1 asc, -1 desc */
    bool can_close;     /* row_order says no later item can be in the window */
    char **pk;          /* dedup key columns; npk = 0 and dedup = true: the whole item */
    size_t npk;
    bool dedup;         /* false: primary_key = [] or lag (as dlt) */
    jv start;           /* JV_NULL: no start (the last value, or initial_value) */
    ckey start_k, end_k; /* start_k has lag applied */
    jv prev_last;       /* last_value of the state (JV_NULL none) */
    jv prev_start;      /* start_value of the state (JV_NULL none) */
    map prev_hashes;    /* unique_hashes of the state */
    strv prev_list;     /* same, in order */
    bool any_kept;      /* an item passed this run */
    jv best;            /* best cursor value kept this run (JV_NULL none) */
    ckey best_k;
    buf best_buf;       /* best's text when a string: overwritten, no allocation per item */
    arena hmem;         /* best's boundary hashes (reset when best moves) */
    map best_map;       /* hash -> itself: the boundary hashes of best, deduplicated */
    const char **best_list; /* same, in order */
    size_t nbest, cap_best;
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

/* An ISO timestamp or date as microseconds since the epoch (UTC); *date: no time part. */
static bool instant_of(const char *s, size_t n, int64_t *us, bool *date)
{
    *date = false;
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return false;
    int32_t days = 0;
    if (n == 10 && types_parse_iso_date(s, n, &days)) {
        *us = (int64_t)days * 86400000000LL;
        *date = true;
        return true;
    }
    bool tz = false;
    return types_parse_iso_timestamp(s, n, us, &tz);
}

static void key_of(const jv *v, ckey *k)
{
    memset(k, 0, sizeof *k);
    k->kind = kind_of(v);
    if (k->kind == K_NUM) {
        k->num = num_of(v);
    } else if (k->kind == K_BOOL) {
        k->b = v->u.b;
    } else if (k->kind == K_STR) {
        k->s = v->u.s;
        k->len = v->len;
        k->inst = instant_of(v->u.s, v->len, &k->us, &k->date);
    }
}

static int key_cmp(const ckey *a, const ckey *b)
{
    if (a->kind == K_BOOL)
        return (int)a->b - (int)b->b;
    if (a->kind == K_NUM)
        return a->num < b->num ? -1 : a->num > b->num ? 1 : 0;
    if (a->inst && b->inst)
        return a->us < b->us ? -1 : a->us > b->us ? 1 : 0;
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    return c ? (c < 0 ? -1 : 1) : a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

static void value_text(const jv *v, char *out, size_t cap)
{
    buf b = BUF_INIT;
    json_write(&b, v, 0);
    snprintf(out, cap, "%.80s", b.data ? b.data : "?");
    buf_free(&b);
}

/* a against ref (their keys ka, kr): <0, 0, >0; values of kinds that do not compare are an
 * error naming both (dlt raises there too). */
static cdlt_status compare(const incr *in, const jv *a, const ckey *ka, const jv *ref,
                           const ckey *kr, int *out, cdlt_error *err)
{
    if (ka->kind != kr->kind || ka->kind == K_OTHER) {
        char x[96], y[96];
        value_text(a, x, sizeof x);
        value_text(ref, y, sizeof y);
        err_set(err, CDLT_SOURCE, "resource '%s': incremental cursor '%s': value %s cannot be "
                                "compared with %s (%s)",
                in->resource, in->path, x, y,
                ka->kind == K_OTHER ? "a cursor value must be a number, a string or a timestamp"
                                    : "numbers and strings do not mix");
        err_set_resource(err, in->resource);
        err_hint(err, "make the cursor values one kind, or fix initial_value / end_value");
        return CDLT_SOURCE;
    }
    *out = key_cmp(ka, kr);
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

const char *const incr_keys[] = {"cursor_path", "initial_value", "end_value", "last_value_func",
                             "primary_key", "on_cursor_value_missing", "lag", "range_start",
                             "range_end", "row_order", NULL};

static const char *str_opt(const jv *o, const char *k) { const jv *v = jv_get(o, k); return v && v->type == JV_STRING ? v->u.s : NULL; }

/* Move the start back by lag from the last value (forward for min): numbers by that much (an
 * integer stays an integer: dlt truncates), timestamps by seconds, dates by days (dlt adds
 * days to a date). It never crosses initial_value. Sets start_k and start_txt. */
static cdlt_status apply_lag(incr *in, cdlt_error *err)
{
    ckey k = in->start_k;
    double step = -in->dir * in->lag;
    bool is_int = in->start.type == JV_INT || in->start.type == JV_UINT;
    if (k.kind == K_NUM) {
        k.num += step;
        if (is_int)
            k.num = truncl(k.num);
    } else if (k.kind == K_STR && k.inst) {
        k.us += (int64_t)llround(step * (k.date ? 86400e6 : 1e6));
    } else {
        return bad(err, in->resource,
                   "lag needs a number, timestamp or date cursor (the last value is %s)",
                   in->start_txt.data ? in->start_txt.data : "?");
    }
    if (in->initial.type != JV_NULL) {
        ckey ki;
        key_of(&in->initial, &ki);
        int r = 0;
        if (ki.kind == k.kind && (r = key_cmp(&ki, &k) * in->dir) >= 0) {
            in->start = in->initial; /* the lagged start is before initial_value: stay there */
            in->start_k = ki;
            buf_clear(&in->start_txt);
            json_write(&in->start_txt, &in->start, 0);
            return in->start_txt.status;
        }
    }
    in->start_k = k;
    buf_clear(&in->start_txt);
    if (k.kind == K_NUM && is_int) {
        buf_printf(&in->start_txt, "%lld", (long long)k.num);
    } else if (k.kind == K_NUM) {
        buf_printf(&in->start_txt, "%.17g", (double)k.num);
    } else {
        buf_putc(&in->start_txt, '"');
        if (k.date)
            types_fmt_date((int32_t)(k.us / 86400000000LL), &in->start_txt);
        else
            types_fmt_timestamp(k.us, false, &in->start_txt);
        buf_putc(&in->start_txt, '"');
    }
    return in->start_txt.status;
}

cdlt_status incr_open(const char *spec_json, const char *state_json, const char *const *res_pk,
                      size_t n_res_pk, const char *resource, incr **out, cdlt_error *err)
{
    *out = NULL;
    incr *in = mem_calloc(1, sizeof *in);
    if (!in)
        return err_nomem(err);
    arena_init(&in->mem, 4096, 0);
    map_init(&in->prev_hashes);
    map_init(&in->best_map);
    arena_init(&in->hmem, 4096, 0);
    in->dir = 1;
    in->dedup = true;
    in->initial = in->end = in->start = in->prev_last = in->prev_start = in->best = jv_null();
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
        for (size_t k = 0; incr_keys[k] && !known; k++)
            known = strcmp(spec.u.members[i].key, incr_keys[k]) == 0;
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
    if (in->end.type != JV_NULL && in->initial.type == JV_NULL) {
        rc = bad(err, resource, "%send_value needs an initial_value (the window's start), as "
                                "in dlt", "");
        goto out;
    }
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
    in->start_open = rs && !strcmp(rs, "open");
    in->end_closed = re && !strcmp(re, "closed");
    in->row_order = !ro ? 0 : !strcmp(ro, "asc") ? 1 : -1;
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
    /* the state of the last run: where this one starts. A run with end_value is a window of
     * its own (dlt gives it a throw-away state): it starts at initial_value, without lag. */
    if (state_json && in->end.type == JV_NULL) {
        jv st;
        if (json_parse(state_json, strlen(state_json), &in->mem, NULL, &st, NULL) == CDLT_OK &&
            st.type == JV_OBJECT) {
            const jv *lv = jv_get(&st, "last_value"), *uh = jv_get(&st, "unique_hashes"),
                     *sv = jv_get(&st, "start_value");
            if (lv && lv->type != JV_NULL)
                in->prev_last = copy_value(&in->mem, lv);
            if (sv && sv->type != JV_NULL)
                in->prev_start = copy_value(&in->mem, sv);
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
    if (in->end.type != JV_NULL)
        in->has_lag = false; /* dlt turns lag off when end_value is set */
    if (in->has_lag)
        in->dedup = false; /* dlt: lag re-reads a range, the destination deduplicates */
    in->start = in->prev_last.type != JV_NULL ? in->prev_last : in->initial;
    if (in->start.type != JV_NULL) {
        key_of(&in->start, &in->start_k);
        json_write(&in->start_txt, &in->start, 0);
        if (in->has_lag && in->prev_last.type != JV_NULL && (rc = apply_lag(in, err)) != CDLT_OK)
            goto out;
    }
    if (in->end.type != JV_NULL) {
        key_of(&in->end, &in->end_k);
        json_write(&in->end_txt, &in->end, 0);
    }
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
    map_free(&in->best_map);
    strv_free(&in->prev_list);
    mem_free(in->best_list);
    arena_free(&in->hmem);
    buf_free(&in->tmp);
    buf_free(&in->best_buf);
    buf_free(&in->start_txt);
    buf_free(&in->end_txt);
    buf_free(&in->last_txt);
    arena_free(&in->mem);
    mem_free(in);
}

const char *incr_cursor_path(const incr *in) { return in->path; }
const char *incr_cursor_column(const incr *in)
{
    /* dlt's extract_simple_field_name: a bare name only ("$.a" and "a.b" name no column) */
    return in->nsegs == 1 && in->segs[0].key && in->path[0] != '$' && !strchr(in->path, '[')
               ? in->segs[0].key
               : NULL;
}
const char *incr_start_json(const incr *in) { return in->start_txt.len ? in->start_txt.data : NULL; }
const char *incr_end_json(const incr *in) { return in->end_txt.len ? in->end_txt.data : NULL; }
bool incr_can_close(const incr *in) { return in->can_close; }

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

/* c becomes this run's best value (text copied into best_buf, reused); its hashes start over. */
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
    key_of(&in->best, &in->best_k);
    if (in->nbest) {
        map_clear(&in->best_map);
        arena_reset(&in->hmem);
        in->nbest = 0;
    }
    return CDLT_OK;
}

/* A hash of an item on best, once (a map: many items may share a low-resolution cursor). */
static cdlt_status add_best_hash(incr *in, const char h[17])
{
    if (map_get(&in->best_map, h, 16))
        return CDLT_OK;
    char *k = arena_strndup(&in->hmem, h, 16);
    const char **l = k ? mem_grow(in->best_list, in->nbest, &in->cap_best, sizeof *l, 16) : NULL;
    if (!l)
        return CDLT_NOMEM;
    in->best_list = l;
    if (map_put(&in->best_map, k, 16, k) != CDLT_OK)
        return CDLT_NOMEM;
    l[in->nbest++] = k;
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
    ckey k;
    key_of(c, &k);
    int r;
    cdlt_status rc;
    char h[17];
    bool hashed = false;
    /* the end first, as dlt: past it (or on it when range_end is open) is out */
    if (in->end.type != JV_NULL) {
        if ((rc = compare(in, c, &k, &in->end, &in->end_k, &r, err)) != CDLT_OK)
            return rc;
        r *= in->dir;
        if (r > 0 || (r == 0 && !in->end_closed)) {
            in->can_close = in->can_close || in->row_order == 1;
            return CDLT_OK;
        }
    }
    if (in->start.type != JV_NULL) {
        if ((rc = compare(in, c, &k, &in->start, &in->start_k, &r, err)) != CDLT_OK)
            return rc;
        r *= in->dir;
        bool out = r < 0 || (r == 0 && in->start_open);
        if (!out && r == 0 && in->dedup && in->prev_hashes.count) {
            if (item_hash(in, item, h) != CDLT_OK)
                return err_nomem(err);
            hashed = true;
            out = map_get(&in->prev_hashes, h, 16) != NULL; /* loaded by the last run */
        }
        if (out) { /* dlt counts a deduplicated boundary item as out of range too */
            in->can_close = in->can_close || in->row_order == -1;
            return CDLT_OK;
        }
    }
    *keep = true;
    in->any_kept = true;
    if (in->best.type != JV_NULL) {
        if ((rc = compare(in, c, &k, &in->best, &in->best_k, &r, err)) != CDLT_OK)
            return rc;
        r *= in->dir;
    } else {
        r = 1;
    }
    if (r < 0)
        return CDLT_OK;
    if (r > 0 && set_best(in, c) != CDLT_OK)
        return err_nomem(err);
    if (!in->dedup)
        return CDLT_OK;
    if (!hashed && item_hash(in, item, h) != CDLT_OK)
        return err_nomem(err);
    return add_best_hash(in, h) == CDLT_OK ? CDLT_OK : err_nomem(err);
}

/* The last value as it stands (as dlt: never behind the saved one, initial_value when nothing
 * was seen); *moved: this run's best is past the saved value, *same: equal to it. */
static const jv *current_last(const incr *in, bool *moved, bool *same)
{
    *moved = *same = false;
    if (in->best.type == JV_NULL)
        return in->prev_last.type != JV_NULL ? &in->prev_last
               : in->initial.type != JV_NULL ? &in->initial
                                             : NULL;
    if (in->prev_last.type == JV_NULL) {
        *moved = true;
        return &in->best;
    }
    ckey kp;
    key_of(&in->prev_last, &kp);
    int r = kp.kind == in->best_k.kind ? key_cmp(&in->best_k, &kp) * in->dir : 1;
    *moved = r > 0;
    *same = r == 0;
    return r > 0 ? &in->best : &in->prev_last;
}

const char *incr_last_json(incr *in)
{
    bool moved, same;
    const jv *l = current_last(in, &moved, &same);
    if (!l)
        return NULL;
    buf_clear(&in->last_txt);
    json_write(&in->last_txt, l, 0);
    return in->last_txt.status == CDLT_OK ? in->last_txt.data : NULL;
}

cdlt_status incr_state_json(const incr *in, buf *out, bool *save)
{
    *save = in->end.type == JV_NULL; /* a backfill window leaves the cursor where it was */
    buf_clear(out);
    jv nul = jv_null();
    bool moved, same;
    const jv *last = current_last(in, &moved, &same);
    buf_puts(out, "{\"initial_value\":");
    json_write(out, &in->initial, 0);
    buf_puts(out, ",\"last_value\":");
    json_write(out, last ? last : &nul, 0);
    buf_puts(out, ",\"unique_hashes\":[");
    size_t n = 0;
    if (in->dedup) {
        /* a new boundary: its items only; the same boundary: the saved ones and the new ones */
        for (size_t i = 0; !moved && i < in->prev_list.n; i++)
            buf_printf(out, "%s\"%s\"", n++ ? "," : "", in->prev_list.v[i]);
        for (size_t i = 0; (moved || same) && i < in->nbest; i++)
            if (moved || !map_get(&in->prev_hashes, in->best_list[i], 16))
                buf_printf(out, "%s\"%s\"", n++ ? "," : "", in->best_list[i]);
    }
    /* start_value as dlt keeps it: the last value a run that passed items started from */
    buf_puts(out, "],\"start_value\":");
    const jv *sv = in->any_kept ? (in->prev_last.type != JV_NULL ? &in->prev_last : &in->initial)
                   : in->prev_start.type != JV_NULL ? &in->prev_start
                                                    : &in->initial;
    json_write(out, sv, 0);
    buf_putc(out, '}');
    return out->status;
}
