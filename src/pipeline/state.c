/* state.c: the pipeline state document: sources -> resources -> user keys plus dlt's top-level
 * keys and `_local`, its JSON form (state.json), and its version hash (core.md §4). */
#include "pipeline.h"

#include <openssl/evp.h>
#include <stdio.h>

cdlt_status state_set_str(char **slot, const char *v)
{
    char *c = NULL;
    if (v && !(c = mem_strdup(v)))
        return CDLT_NOMEM;
    mem_free(*slot);
    *slot = c;
    return CDLT_OK;
}

void state_kvs_clear(pipe_kvs *k)
{
    for (size_t i = 0; i < k->n; i++) {
        mem_free(k->v[i].key);
        mem_free(k->v[i].json);
    }
    mem_free(k->v);
    memset(k, 0, sizeof *k);
}

cdlt_status state_kvs_set(pipe_kvs *k, const char *key, const char *json)
{
    char *j = mem_strdup(json);
    if (!j)
        return CDLT_NOMEM;
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->v[i].key, key) == 0) {
            mem_free(k->v[i].json);
            k->v[i].json = j;
            return CDLT_OK;
        }
    pipe_kv *nv = mem_grow(k->v, k->n, &k->cap, sizeof *nv, 4);
    if (!nv) {
        mem_free(j);
        return CDLT_NOMEM;
    }
    k->v = nv;
    char *kk = mem_strdup(key);
    if (!kk) {
        mem_free(j);
        return CDLT_NOMEM;
    }
    k->v[k->n].key = kk;
    k->v[k->n].json = j;
    k->n++;
    return CDLT_OK;
}

static void src_free(pipe_src_state *s)
{
    mem_free(s->name);
    state_kvs_clear(&s->kv);
    for (size_t i = 0; i < s->nres; i++) {
        mem_free(s->res[i].name);
        state_kvs_clear(&s->res[i].kv);
    }
    mem_free(s->res);
}

void state_free(pipe_state *st)
{
    mem_free(st->version_hash);
    mem_free(st->pipeline_name);
    mem_free(st->dataset_name);
    mem_free(st->default_schema_name);
    strv_free(&st->schema_names);
    mem_free(st->destination_type);
    mem_free(st->destination_name);
    for (size_t i = 0; i < st->nsrc; i++)
        src_free(&st->src[i]);
    mem_free(st->src);
    mem_free(st->initial_cwd);
    mem_free(st->last_extracted_hash);
    mem_free(st->location);
    memset(st, 0, sizeof *st);
}

_Static_assert(offsetof(pipe_src_state, name) == 0, "named_entry needs name first");
_Static_assert(offsetof(pipe_res_state, name) == 0, "named_entry needs name first");

/* Find the entry called `name` in an array of structs whose first member is `char *name`
 * (sources and resources); with `create`, append a zeroed one with that name. */
static void *named_entry(void **arr, size_t *n, size_t *cap, size_t elem, const char *name,
                         bool create)
{
    for (size_t i = 0; i < *n; i++) {
        char *e = (char *)*arr + i * elem;
        if (strcmp(*(char **)e, name) == 0)
            return e;
    }
    if (!create)
        return NULL;
    char *grown = mem_grow(*arr, *n, cap, elem, 4);
    if (!grown)
        return NULL;
    *arr = grown;
    char *e = grown + *n * elem;
    memset(e, 0, elem);
    char *copy = mem_strdup(name);
    if (!copy)
        return NULL;
    memcpy(e, &copy, sizeof copy);
    (*n)++;
    return e;
}

pipe_src_state *state_source(pipe_state *st, const char *name, bool create)
{
    void *arr = st->src;
    pipe_src_state *s = named_entry(&arr, &st->nsrc, &st->capsrc, sizeof *s, name, create);
    st->src = arr;
    return s;
}

pipe_res_state *state_resource(pipe_src_state *s, const char *name, bool create)
{
    void *arr = s->res;
    pipe_res_state *r = named_entry(&arr, &s->nres, &s->capres, sizeof *r, name, create);
    s->res = arr;
    return r;
}

cdlt_status state_add_schema_name(pipe_state *st, const char *name)
{
    if (strv_has(&st->schema_names, name))
        return CDLT_OK;
    if (strv_add(&st->schema_names, name) != CDLT_OK)
        return CDLT_NOMEM;
    if (!st->default_schema_name)
        return state_set_str(&st->default_schema_name, name);
    return CDLT_OK;
}

/* ---- JSON form ---- */

static void put_str_or_null(buf *b, const char *s)
{
    if (s)
        json_write_string(b, s, strlen(s), 0);
    else
        buf_puts(b, "null");
}

static void put_kvs(buf *b, const pipe_kvs *k, bool *first)
{
    for (size_t i = 0; i < k->n; i++) {
        if (!*first)
            buf_putc(b, ',');
        *first = false;
        json_write_string(b, k->v[i].key, strlen(k->v[i].key), 0);
        buf_putc(b, ':');
        buf_puts(b, k->v[i].json);
    }
}

/* Compact document text; pretty printing is done by re-parsing. */
static cdlt_status state_to_text(const pipe_state *st, bool with_local, bool with_versions,
                                 buf *b)
{
    buf_putc(b, '{');
    if (with_versions) {
        buf_printf(b, "\"_state_version\":%lld,\"_state_engine_version\":%d,",
                   (long long)st->version, PIPE_STATE_ENGINE_VERSION);
    }
    buf_puts(b, "\"pipeline_name\":");
    put_str_or_null(b, st->pipeline_name);
    buf_puts(b, ",\"dataset_name\":");
    put_str_or_null(b, st->dataset_name);
    buf_puts(b, ",\"default_schema_name\":");
    put_str_or_null(b, st->default_schema_name);
    buf_puts(b, ",\"schema_names\":[");
    for (size_t i = 0; i < st->schema_names.n; i++) {
        if (i)
            buf_putc(b, ',');
        put_str_or_null(b, st->schema_names.v[i]);
    }
    buf_puts(b, "],\"destination_type\":");
    put_str_or_null(b, st->destination_type);
    buf_puts(b, ",\"destination_name\":");
    put_str_or_null(b, st->destination_name);
    if (st->nsrc) {
        buf_puts(b, ",\"sources\":{");
        for (size_t i = 0; i < st->nsrc; i++) {
            const pipe_src_state *s = &st->src[i];
            if (i)
                buf_putc(b, ',');
            json_write_string(b, s->name, strlen(s->name), 0);
            buf_putc(b, ':');
            buf_putc(b, '{');
            bool first = true;
            if (s->nres) {
                buf_puts(b, "\"resources\":{");
                for (size_t r = 0; r < s->nres; r++) {
                    if (r)
                        buf_putc(b, ',');
                    json_write_string(b, s->res[r].name, strlen(s->res[r].name), 0);
                    buf_putc(b, ':');
                    buf_putc(b, '{');
                    bool f2 = true;
                    put_kvs(b, &s->res[r].kv, &f2);
                    buf_putc(b, '}');
                }
                buf_putc(b, '}');
                first = false;
            }
            put_kvs(b, &s->kv, &first);
            buf_putc(b, '}');
        }
        buf_putc(b, '}');
    }
    if (with_versions && st->version_hash) {
        buf_puts(b, ",\"_version_hash\":");
        put_str_or_null(b, st->version_hash);
    }
    if (with_local) {
        buf_printf(b, ",\"_local\":{\"first_run\":%s,\"_dev_mode\":%s,\"initial_cwd\":",
                   st->first_run ? "true" : "false", st->dev_mode ? "true" : "false");
        put_str_or_null(b, st->initial_cwd);
        if (st->last_extracted_at > 0) {
            char d[40];
            json_fmt_double(st->last_extracted_at, d);
            buf_printf(b, ",\"_last_extracted_at\":%s", d);
        }
        if (st->last_extracted_hash) {
            buf_puts(b, ",\"_last_extracted_hash\":");
            put_str_or_null(b, st->last_extracted_hash);
        }
        if (st->location) {
            /* a location's token or password never reaches the file */
            char masked[4096];
            cdlt_secret_mask_text(st->location, masked, sizeof masked);
            buf_puts(b, ",\"destination_location\":");
            put_str_or_null(b, masked);
        }
        buf_putc(b, '}');
    }
    buf_putc(b, '}');
    return b->status;
}

cdlt_status state_to_json(const pipe_state *st, bool with_local, bool pretty, buf *out)
{
    if (!pretty)
        return state_to_text(st, with_local, true, out);
    buf tmp = BUF_INIT;
    cdlt_status rc = state_to_text(st, with_local, true, &tmp);
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    if (rc == CDLT_OK)
        rc = json_parse(tmp.data, tmp.len, &a, NULL, &v, NULL);
    if (rc == CDLT_OK)
        rc = json_write(out, &v, JSON_W_PRETTY);
    arena_free(&a);
    buf_free(&tmp);
    return rc;
}

cdlt_status state_hash(const pipe_state *st, char out[64])
{
    buf tmp = BUF_INIT, canon = BUF_INIT;
    cdlt_status rc = state_to_text(st, false, false, &tmp);
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    if (rc == CDLT_OK)
        rc = json_parse(tmp.data, tmp.len, &a, NULL, &v, NULL);
    if (rc == CDLT_OK)
        rc = json_write(&canon, &v, JSON_W_SORT_KEYS);
    if (rc == CDLT_OK) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        if (EVP_Digest(canon.data, canon.len, md, &mdlen, EVP_sha3_256(), NULL) != 1)
            rc = CDLT_ERROR;
        else
            b64_encode(md, mdlen, out, true);
    }
    arena_free(&a);
    buf_free(&tmp);
    buf_free(&canon);
    return rc;
}

cdlt_status state_bump(pipe_state *st, bool *out_changed)
{
    char h[64];
    cdlt_status rc = state_hash(st, h);
    if (rc != CDLT_OK)
        return rc;
    bool changed = !st->version_hash || strcmp(st->version_hash, h) != 0;
    if (changed) {
        if (state_set_str(&st->version_hash, h) != CDLT_OK)
            return CDLT_NOMEM;
        st->version++;
    }
    if (out_changed)
        *out_changed = changed;
    return CDLT_OK;
}

static cdlt_status jv_to_str(const jv *v, char **slot)
{
    if (!v || v->type == JV_NULL)
        return state_set_str(slot, NULL);
    if (v->type != JV_STRING)
        return CDLT_STATE;
    return state_set_str(slot, v->u.s);
}

static cdlt_status load_kvs(const jv *obj, pipe_kvs *k, const char *skip)
{
    buf b = BUF_INIT;
    for (uint32_t i = 0; i < obj->len; i++) {
        const jv_member *m = &obj->u.members[i];
        if (skip && strcmp(m->key, skip) == 0)
            continue;
        buf_clear(&b);
        if (json_write(&b, &m->value, 0) != CDLT_OK ||
            state_kvs_set(k, m->key, buf_cstr(&b)) != CDLT_OK) {
            buf_free(&b);
            return CDLT_NOMEM;
        }
    }
    buf_free(&b);
    return CDLT_OK;
}

cdlt_status state_from_json(const char *text, size_t len, pipe_state *st, cdlt_error *err)
{
    memset(st, 0, sizeof *st);
    arena a;
    arena_init(&a, 8192, 0);
    jv v;
    cdlt_status rc = json_parse(text, len, &a, NULL, &v, err);
    if (rc != CDLT_OK) {
        arena_free(&a);
        return rc;
    }
    if (v.type != JV_OBJECT) {
        arena_free(&a);
        return err_set(err, CDLT_STATE, "pipeline state is not a JSON object");
    }
    const jv *x;
    if ((x = jv_get(&v, "_state_version")) && x->type == JV_INT)
        st->version = x->u.i;
    rc = CDLT_OK;
    if (rc == CDLT_OK) rc = jv_to_str(jv_get(&v, "_version_hash"), &st->version_hash);
    if (rc == CDLT_OK) rc = jv_to_str(jv_get(&v, "pipeline_name"), &st->pipeline_name);
    if (rc == CDLT_OK) rc = jv_to_str(jv_get(&v, "dataset_name"), &st->dataset_name);
    if (rc == CDLT_OK) rc = jv_to_str(jv_get(&v, "default_schema_name"), &st->default_schema_name);
    if (rc == CDLT_OK) rc = jv_to_str(jv_get(&v, "destination_type"), &st->destination_type);
    if (rc == CDLT_OK) rc = jv_to_str(jv_get(&v, "destination_name"), &st->destination_name);
    if (rc == CDLT_OK && (x = jv_get(&v, "schema_names")) && x->type == JV_ARRAY) {
        for (uint32_t i = 0; rc == CDLT_OK && i < x->len; i++)
            if (x->u.items[i].type == JV_STRING)
                rc = strv_add(&st->schema_names, x->u.items[i].u.s);
    }
    if (rc == CDLT_OK && (x = jv_get(&v, "sources")) && x->type == JV_OBJECT) {
        for (uint32_t i = 0; rc == CDLT_OK && i < x->len; i++) {
            const jv_member *sm = &x->u.members[i];
            if (sm->value.type != JV_OBJECT)
                continue;
            pipe_src_state *s = state_source(st, sm->key, true);
            if (!s) {
                rc = CDLT_NOMEM;
                break;
            }
            rc = load_kvs(&sm->value, &s->kv, "resources");
            const jv *res = jv_get(&sm->value, "resources");
            for (uint32_t r = 0; rc == CDLT_OK && res && res->type == JV_OBJECT && r < res->len;
                 r++) {
                const jv_member *rm = &res->u.members[r];
                if (rm->value.type != JV_OBJECT)
                    continue;
                pipe_res_state *rs = state_resource(s, rm->key, true);
                rc = rs ? load_kvs(&rm->value, &rs->kv, NULL) : CDLT_NOMEM;
            }
        }
    }
    const jv *loc = jv_get(&v, "_local");
    if (rc == CDLT_OK && loc && loc->type == JV_OBJECT) {
        if ((x = jv_get(loc, "first_run")) && x->type == JV_BOOL)
            st->first_run = x->u.b;
        if ((x = jv_get(loc, "_dev_mode")) && x->type == JV_BOOL)
            st->dev_mode = x->u.b;
        if ((x = jv_get(loc, "_last_extracted_at")) && jv_is_num(x))
            st->last_extracted_at = x->type == JV_DOUBLE ? x->u.d : (double)x->u.i;
        rc = jv_to_str(jv_get(loc, "initial_cwd"), &st->initial_cwd);
        if (rc == CDLT_OK)
            rc = jv_to_str(jv_get(loc, "_last_extracted_hash"), &st->last_extracted_hash);
        if (rc == CDLT_OK)
            rc = jv_to_str(jv_get(loc, "destination_location"), &st->location);
    }
    arena_free(&a);
    if (rc != CDLT_OK) {
        state_free(st);
        if (rc == CDLT_NOMEM)
            return err_nomem(err);
        return err_set(err, CDLT_STATE, "pipeline state has a key of the wrong type");
    }
    return CDLT_OK;
}

cdlt_status state_load(const char *path, pipe_state *st, cdlt_error *err)
{
    buf b = BUF_INIT;
    cdlt_status rc = store_read_file(path, 0, &b, err);
    if (rc == CDLT_OK) {
        rc = state_from_json(buf_cstr(&b), b.len, st, err);
        if (rc != CDLT_OK && rc != CDLT_NOMEM) {
            err_prefix(err, "%s: ", path);
            err_hint(err, "delete the file to start the pipeline afresh, or run "
                          "'cdlt pipeline NAME sync' to restore it from the destination");
        }
    }
    buf_free(&b);
    return rc;
}

cdlt_status state_save(const pipe_state *st, const char *path, cdlt_error *err)
{
    buf b = BUF_INIT;
    cdlt_status rc = state_to_json(st, true, true, &b);
    if (rc != CDLT_OK) {
        buf_free(&b);
        return err_nomem(err);
    }
    rc = store_write_atomic(path, b.data, b.len, err);
    buf_free(&b);
    return rc;
}

/* ---- public state handle: entries are looked up per call (and created on set) because
 * creating them eagerly would change the state hash of resources that never use state ---- */

static pipe_kvs *handle_kvs(cdlt_state *h, bool create)
{
    pipe_src_state *s = state_source(h->st, h->source, create);
    if (!s)
        return NULL;
    if (!h->resource)
        return &s->kv;
    pipe_res_state *r = state_resource(s, h->resource, create);
    return r ? &r->kv : NULL;
}

cdlt_status cdlt_state_get(cdlt_state *st, const char *key, const char **out_json)
{
    *out_json = NULL;
    if (!st || !key)
        return CDLT_INVALID_ARG;
    pipe_kvs *k = handle_kvs(st, false);
    for (size_t i = 0; k && i < k->n; i++)
        if (strcmp(k->v[i].key, key) == 0) {
            *out_json = k->v[i].json;
            return CDLT_OK;
        }
    return CDLT_NOT_FOUND;
}

cdlt_status cdlt_state_set(cdlt_state *st, const char *key, const char *json)
{
    if (!st || !key || !*key || !json || (!st->resource && strcmp(key, "resources") == 0))
        return CDLT_INVALID_ARG;
    arena a;
    arena_init(&a, 1024, 0);
    jv v;
    buf b = BUF_INIT;
    cdlt_status rc = json_parse(json, strlen(json), &a, NULL, &v, NULL);
    if (rc == CDLT_OK)
        rc = json_write(&b, &v, 0);
    pipe_kvs *k = NULL;
    if (rc == CDLT_OK && !(k = handle_kvs(st, true)))
        rc = CDLT_NOMEM;
    if (rc == CDLT_OK)
        rc = state_kvs_set(k, key, buf_cstr(&b));
    if (rc == CDLT_OK)
        st->st->dirty = true;
    arena_free(&a);
    buf_free(&b);
    return rc == CDLT_PARSE || rc == CDLT_UTF8 || rc == CDLT_DEPTH ? CDLT_INVALID_ARG : rc;
}
