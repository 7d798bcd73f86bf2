/* document.c: the stored schema document in dlt's engine-11 shape (core.md §3.5): the schema
 * as a value tree (for JSON, YAML and hashing alike) and back from a parsed document. */
#include "schema/schema.h"
#include "schema/schema_int.h"

#include <stdio.h>

/* ------------------------------------------------------------------------------------------
 * Writing: every builder call goes through a context with a sticky status, so the tree code
 * reads like the document and is checked once at the end.
 * ------------------------------------------------------------------------------------------ */
typedef struct doc_ctx {
    arena *a;                  /* where the tree is allocated */
    const schema_doc_opts *o;  /* what to leave out */
    cdlt_status st;            /* first failure */
} doc_ctx;

static jv str_n(doc_ctx *c, const char *s, size_t n)
{
    jv v = jv_str(c->a, s, n);
    if (jv_failed(&v) && c->st == CDLT_OK)
        c->st = CDLT_NOMEM;
    return v;
}
static jv str(doc_ctx *c, const char *s) { return str_n(c, s, strlen(s)); }

static void set(doc_ctx *c, jv_builder *b, const char *key, jv v)
{
    if (c->st == CDLT_OK)
        c->st = jv_builder_set(b, c->a, key, strlen(key), v);
}
static void set_n(doc_ctx *c, jv_builder *b, const char *key, size_t klen, jv v)
{
    if (c->st == CDLT_OK)
        c->st = jv_builder_set(b, c->a, key, klen, v);
}
static void push(doc_ctx *c, jv_builder *b, jv v)
{
    if (c->st == CDLT_OK)
        c->st = jv_builder_push(b, c->a, v);
}

/* Column boolean hints in the order dlt writes them on inferred columns (default-hint order
 * parent_key, root_key, unique, row_key), then the rest, then variant (added last by dlt). */
static const struct {
    const char *name; /* document key */
    uint32_t bit;     /* HINT_* */
} k_hint_order[] = {
    {"parent_key", HINT_PARENT_KEY}, {"root_key", HINT_ROOT_KEY},
    {"unique", HINT_UNIQUE},         {"row_key", HINT_ROW_KEY},
    {"primary_key", HINT_PRIMARY_KEY}, {"merge_key", HINT_MERGE_KEY},
    {"hard_delete", HINT_HARD_DELETE}, {"partition", HINT_PARTITION},
    {"cluster", HINT_CLUSTER},       {"sort", HINT_SORT},
    {"incremental", HINT_INCREMENTAL}, {"variant", HINT_VARIANT},
};

static const char *const k_wd_names[] = {NULL, "append", "replace", "merge", "skip"};
static const char *const k_ms_names[] = {NULL, "delete-insert", "upsert", "insert-only", "scd2"};

/* Processing hints removed from exports (dlt's TTableProcessingHints). */
static bool is_processing_hint(const char *key)
{
    return strcmp(key, "x-normalizer") == 0 || strcmp(key, "x-loader") == 0 ||
           strcmp(key, "x-extractor") == 0;
}

static bool has_key(const jv_builder *b, const char *key, size_t klen)
{
    for (uint32_t i = 0; i < b->value.len; i++)
        if (b->value.u.members[i].klen == klen && memcmp(b->value.u.members[i].key, key, klen) == 0)
            return true;
    return false;
}

static bool is_internal(const char *key) { return strncmp(key, "x-cdlt-", 7) == 0; }

/* Append members of `extra` not already present (a key written from a typed field wins). */
static void add_extra(doc_ctx *c, jv_builder *b, const jv *extra, bool drop_processing)
{
    if (extra->type != JV_OBJECT)
        return;
    bool drop_internal = c->o->drop_internal || c->o->for_hash || c->o->remove_defaults;
    for (uint32_t i = 0; i < extra->len; i++) {
        const jv_member *m = &extra->u.members[i];
        if (drop_processing && is_processing_hint(m->key))
            continue;
        if (drop_internal && is_internal(m->key))
            continue;
        if (has_key(b, m->key, m->klen))
            continue;
        set_n(c, b, m->key, m->klen, m->value);
    }
}

static jv column_to_jv(doc_ctx *c, const schema_column *col)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    if (!c->o->remove_defaults)
        set(c, &b, "name", str_n(c, col->name, col->name_len));
    if (col->type != DT_NONE)
        set(c, &b, "data_type", str(c, dtype_name(col->type)));
    set(c, &b, "nullable", jv_bool(col->nullable));
    for (size_t i = 0; i < CDLT_ARRAY_LEN(k_hint_order); i++)
        if (col->hints & k_hint_order[i].bit)
            set(c, &b, k_hint_order[i].name, jv_bool(true));
    if (col->precision >= 0)
        set(c, &b, "precision", jv_int(col->precision));
    if (col->scale >= 0)
        set(c, &b, "scale", jv_int(col->scale));
    if (col->timezone >= 0)
        set(c, &b, "timezone", jv_bool(col->timezone != 0));
    if (col->dedup_sort)
        set(c, &b, "dedup_sort", str(c, col->dedup_sort > 0 ? "asc" : "desc"));
    if (col->description)
        set(c, &b, "description", str(c, col->description));
    add_extra(c, &b, &col->extra, false);
    return b.value;
}

static jv x_normalizer_to_jv(doc_ctx *c, const schema_table *t)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    if (t->seen_data)
        set(c, &b, "seen-data", jv_bool(true));
    if (t->evolve_columns_once)
        set(c, &b, "evolve-columns-once", jv_bool(true));
    if (t->max_nesting >= 0)
        set(c, &b, "max_nesting", jv_int(t->max_nesting));
    add_extra(c, &b, &t->x_normalizer_extra, false);
    return b.value;
}

static jv table_to_jv(doc_ctx *c, const schema_table *t)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    if (!c->o->remove_defaults)
        set(c, &b, "name", str(c, t->name));
    jv_builder cols;
    jv_builder_init(&cols, JV_OBJECT);
    for (uint32_t i = 0; i < t->ncolumns; i++)
        set_n(c, &cols, t->columns[i].name, t->columns[i].name_len,
              column_to_jv(c, &t->columns[i]));
    set(c, &b, "columns", cols.value);
    if (t->disposition != WD_UNSET && (unsigned)t->disposition < CDLT_ARRAY_LEN(k_wd_names))
        set(c, &b, "write_disposition", str(c, k_wd_names[t->disposition]));
    if (t->parent)
        set(c, &b, "parent", str(c, t->parent));
    if (t->resource)
        set(c, &b, "resource", str(c, t->resource));
    if (t->description)
        set(c, &b, "description", str(c, t->description));
    if (contract_is_set(&t->contract)) {
        jv v;
        if (c->st == CDLT_OK)
            c->st = schema_contract_to_jv(&t->contract, c->a, &v);
        if (c->st == CDLT_OK)
            set(c, &b, "schema_contract", v);
    }
    if (t->table_format)
        set(c, &b, "table_format", str(c, t->table_format));
    if (t->file_format)
        set(c, &b, "file_format", str(c, t->file_format));
    if (t->strategy != MS_UNSET && (unsigned)t->strategy < CDLT_ARRAY_LEN(k_ms_names))
        set(c, &b, "x-merge-strategy", str(c, k_ms_names[t->strategy]));
    bool has_xn = t->seen_data || t->evolve_columns_once || t->max_nesting >= 0 ||
                  (t->x_normalizer_extra.type == JV_OBJECT && t->x_normalizer_extra.len);
    if (has_xn && !c->o->remove_processing_hints)
        set(c, &b, "x-normalizer", x_normalizer_to_jv(c, t));
    add_extra(c, &b, &t->extra, c->o->remove_processing_hints);
    return b.value;
}

static const struct {
    const char *name; /* settings.detections entry */
    unsigned bit;     /* DETECT_* */
} k_detections[] = {
    {"iso_timestamp", DETECT_ISO_TIMESTAMP},
    {"iso_date", DETECT_ISO_DATE},
    {"timestamp", DETECT_TIMESTAMP},
    {"large_integer", DETECT_LARGE_INTEGER},
};

static jv settings_to_jv(doc_ctx *c, const schema *s)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    if (s->detections) {
        jv_builder d;
        jv_builder_init(&d, JV_ARRAY);
        for (size_t i = 0; i < CDLT_ARRAY_LEN(k_detections); i++)
            if (s->detections & k_detections[i].bit)
                push(c, &d, str(c, k_detections[i].name));
        set(c, &b, "detections", d.value);
    }
    if (s->ndefault_hints) {
        /* {hint: [patterns]} with hints in order of first appearance */
        jv_builder h;
        jv_builder_init(&h, JV_OBJECT);
        for (uint32_t i = 0; i < s->ndefault_hints; i++) {
            const char *hint = s->default_hints[i].hint;
            bool seen = false;
            for (uint32_t j = 0; j < i && !seen; j++)
                seen = strcmp(s->default_hints[j].hint, hint) == 0;
            if (seen)
                continue;
            jv_builder l;
            jv_builder_init(&l, JV_ARRAY);
            for (uint32_t j = i; j < s->ndefault_hints; j++)
                if (strcmp(s->default_hints[j].hint, hint) == 0)
                    push(c, &l, str(c, s->default_hints[j].pattern));
            set(c, &h, hint, l.value);
        }
        set(c, &b, "default_hints", h.value);
    }
    if (s->npreferred_types) {
        jv_builder p;
        jv_builder_init(&p, JV_OBJECT);
        for (uint32_t i = 0; i < s->npreferred_types; i++) {
            const char *tn = dtype_name(s->preferred_types[i].type);
            set(c, &p, s->preferred_types[i].pattern, tn ? str(c, tn) : jv_null());
        }
        set(c, &b, "preferred_types", p.value);
    }
    if (contract_is_set(&s->contract)) {
        jv v;
        if (c->st == CDLT_OK)
            c->st = schema_contract_to_jv(&s->contract, c->a, &v);
        if (c->st == CDLT_OK)
            set(c, &b, "schema_contract", v);
    }
    add_extra(c, &b, &s->extra_settings, false);
    return b.value;
}

static jv normalizers_to_jv(doc_ctx *c, const schema *s)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    if (s->names_set)
        set(c, &b, "names", str(c, s->names_doc ? s->names_doc : naming_name(s->naming.kind)));
    jv_builder j;
    jv_builder_init(&j, JV_OBJECT);
    set(c, &j, "module", str(c, s->json_module ? s->json_module
                                                : "dlt.common.normalizers.json.relational"));
    jv_builder cfg;
    jv_builder_init(&cfg, JV_OBJECT);
    if (s->max_nesting_set || s->max_nesting != 1000)
        set(c, &cfg, "max_nesting", jv_int(s->max_nesting));
    if (s->propagation.type != JV_NULL)
        set(c, &cfg, "propagation", s->propagation);
    if (s->root_key_propagation >= 0)
        set(c, &cfg, "root_key_propagation", jv_bool(s->root_key_propagation != 0));
    add_extra(c, &cfg, &s->json_config_extra, false);
    if (cfg.value.len)
        set(c, &j, "config", cfg.value);
    set(c, &b, "json", j.value);
    if (s->break_path_set)
        set(c, &b, "use_break_path_on_normalize", jv_bool(s->use_break_path_on_normalize));
    if (s->allow_identifier_change >= 0)
        set(c, &b, "allow_identifier_change_on_table_with_data",
            jv_bool(s->allow_identifier_change != 0));
    return b.value;
}

cdlt_status schema_to_jv(const schema *s, const schema_doc_opts *opts, arena *a, jv *out)
{
    static const schema_doc_opts k_none = {false, false, false, false, false};
    doc_ctx c = {a, opts ? opts : &k_none, CDLT_OK};
    *out = jv_null();

    /* dlt's to_dict bumps the version in the written document when the content changed since
     * the stored hash (without changing the schema object): do the same here */
    int64_t version = s->version;
    const char *hash = s->version_hash;
    const char *prev[11];
    uint32_t nprev = 0;
    char fresh[64];
    if (!c.o->for_hash && !c.o->stored_version) {
        cdlt_status st = schema_compute_hash(s, fresh);
        if (st != CDLT_OK)
            return st;
        if (!s->version_hash) {
            version = version ? version : 1;
        } else if (strcmp(fresh, s->version_hash) != 0) {
            version++;
            prev[nprev++] = s->version_hash;
        }
        hash = fresh;
    }
    for (uint32_t i = 0; i < s->nprevious && nprev < 10; i++)
        if (!nprev || strcmp(prev[0], s->previous_hashes[i]) != 0)
            prev[nprev++] = s->previous_hashes[i];

    jv_builder d;
    jv_builder_init(&d, JV_OBJECT);
    if (!c.o->for_hash) {
        set(&c, &d, "version", jv_int(version));
        set(&c, &d, "version_hash", hash ? str(&c, hash) : jv_null());
    }
    set(&c, &d, "engine_version", jv_int(SCHEMA_ENGINE_VERSION));
    set(&c, &d, "name", str(&c, s->name));
    jv_builder tabs;
    jv_builder_init(&tabs, JV_OBJECT);
    for (uint32_t i = 0; i < s->ntables; i++)
        set(&c, &tabs, s->tables[i]->name, table_to_jv(&c, s->tables[i]));
    set(&c, &d, "tables", tabs.value);
    set(&c, &d, "settings", settings_to_jv(&c, s));
    set(&c, &d, "normalizers", normalizers_to_jv(&c, s));
    if (!c.o->for_hash) {
        jv_builder ph;
        jv_builder_init(&ph, JV_ARRAY);
        for (uint32_t i = 0; i < nprev; i++)
            push(&c, &ph, str(&c, prev[i]));
        set(&c, &d, "previous_hashes", ph.value);
        if (s->imported_version_hash && !c.o->remove_defaults)
            set(&c, &d, "imported_version_hash", str(&c, s->imported_version_hash));
    }
    if (s->description)
        set(&c, &d, "description", str(&c, s->description));
    if (c.st != CDLT_OK)
        return c.st;
    *out = d.value;
    return CDLT_OK;
}

cdlt_status schema_to_json_opts(const schema *s, const schema_doc_opts *opts, bool pretty,
                                buf *out)
{
    arena a;
    arena_init(&a, 64 * 1024, 0);
    jv doc;
    cdlt_status st = schema_to_jv(s, opts, &a, &doc);
    if (st == CDLT_OK)
        st = json_write(out, &doc, pretty ? JSON_W_PRETTY : 0);
    arena_free(&a);
    return st;
}

cdlt_status schema_to_json(const schema *s, bool pretty, buf *out)
{
    return schema_to_json_opts(s, NULL, pretty, out);
}

/* ------------------------------------------------------------------------------------------
 * Reading. Everything kept is copied into the schema arena (the document may be freed).
 * Errors name the table/column and the key.
 * ------------------------------------------------------------------------------------------ */
static cdlt_status bad(cdlt_error *err, const char *where, const char *key, const char *want)
{
    return err_set(err, CDLT_SCHEMA, "schema document: %s: key '%s' must be %s", where, key,
                   want);
}

static cdlt_status get_str(schema *s, const jv *v, const char *where, const char *key,
                           const char **out, cdlt_error *err)
{
    if (v->type == JV_NULL) {
        *out = NULL;
        return CDLT_OK;
    }
    if (v->type != JV_STRING)
        return bad(err, where, key, "a string");
    *out = arena_strndup(&s->mem, v->u.s, v->len);
    return *out ? CDLT_OK : err_nomem(err);
}

static bool get_int(const jv *v, int64_t *out)
{
    if (v->type == JV_INT) {
        *out = v->u.i;
        return true;
    }
    if (v->type == JV_DOUBLE && v->u.d == (double)(int64_t)v->u.d) {
        *out = (int64_t)v->u.d;
        return true;
    }
    return false;
}

/* Add key/value to an extra object kept in the schema arena. */
static cdlt_status extra_add(schema *s, jv *extra, const jv_member *m)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    if (extra->type == JV_OBJECT)
        for (uint32_t i = 0; i < extra->len; i++)
            if (jv_builder_set(&b, &s->mem, extra->u.members[i].key, extra->u.members[i].klen,
                               extra->u.members[i].value) != CDLT_OK)
                return CDLT_NOMEM;
    jv v;
    if (jv_copy(&s->mem, &m->value, &v) != CDLT_OK ||
        jv_builder_set(&b, &s->mem, m->key, m->klen, v) != CDLT_OK)
        return CDLT_NOMEM;
    *extra = b.value;
    return CDLT_OK;
}

static cdlt_status column_from_jv(schema *s, schema_table *t, const jv_member *cm,
                                  cdlt_error *err)
{
    char where[600];
    snprintf(where, sizeof where, "table '%s' column '%s'", t->name, cm->key);
    if (cm->value.type != JV_OBJECT)
        return err_set(err, CDLT_SCHEMA, "schema document: %s must be an object", where);
    schema_column col = schema_column_init(cm->key, DT_NONE);
    col.name_len = cm->klen;
    const jv *cv = &cm->value;
    cdlt_status st = CDLT_OK;
    for (uint32_t i = 0; i < cv->len && st == CDLT_OK; i++) {
        const jv_member *m = &cv->u.members[i];
        const jv *v = &m->value;
        const char *k = m->key;
        uint32_t bit = schema_hint_bit(k);
        int64_t n;
        if (strcmp(k, "name") == 0) {
            continue; /* the key is the name */
        } else if (strcmp(k, "data_type") == 0) {
            if (v->type == JV_NULL)
                continue;
            if (v->type != JV_STRING || (col.type = dtype_parse(v->u.s, v->len)) == DT_NONE)
                st = bad(err, where, k, "a dlt data type (text, double, bool, timestamp, "
                                        "bigint, binary, json, decimal, wei, date, time)");
        } else if (strcmp(k, "nullable") == 0) {
            if (v->type != JV_BOOL)
                st = bad(err, where, k, "true or false");
            else
                col.nullable = v->u.b;
        } else if (strcmp(k, "precision") == 0 || strcmp(k, "scale") == 0) {
            if (v->type == JV_NULL)
                continue;
            if (!get_int(v, &n) || n < 0 || n > INT32_MAX)
                st = bad(err, where, k, "a non-negative integer");
            else if (k[0] == 'p')
                col.precision = (int32_t)n;
            else
                col.scale = (int32_t)n;
        } else if (strcmp(k, "timezone") == 0 && v->type == JV_BOOL) {
            col.timezone = v->u.b ? 1 : 0;
        } else if (strcmp(k, "dedup_sort") == 0 && v->type == JV_STRING &&
                   (strcmp(v->u.s, "asc") == 0 || strcmp(v->u.s, "desc") == 0)) {
            col.dedup_sort = v->u.s[0] == 'a' ? 1 : -1;
        } else if (strcmp(k, "description") == 0 && v->type == JV_STRING) {
            st = get_str(s, v, where, k, &col.description, err);
        } else if (bit && v->type == JV_BOOL && v->u.b) {
            col.hints |= bit;
        } else {
            /* x- hints, explicit `false` hints (scd2 _dlt_id), anything newer: kept verbatim */
            if (extra_add(s, &col.extra, m) != CDLT_OK)
                st = err_nomem(err);
        }
    }
    if (st != CDLT_OK)
        return st;
    st = table_add_column(s, t, &col, NULL, err);
    if (st == CDLT_EXISTS)
        return err_set(err, CDLT_SCHEMA, "schema document: %s appears twice", where);
    return st;
}

static cdlt_status x_normalizer_from_jv(schema *s, schema_table *t, const jv *v,
                                        cdlt_error *err)
{
    if (v->type != JV_OBJECT)
        return bad(err, t->name, "x-normalizer", "an object");
    for (uint32_t i = 0; i < v->len; i++) {
        const jv_member *m = &v->u.members[i];
        int64_t n;
        if (strcmp(m->key, "seen-data") == 0 && m->value.type == JV_BOOL)
            t->seen_data = m->value.u.b;
        else if (strcmp(m->key, "evolve-columns-once") == 0 && m->value.type == JV_BOOL)
            t->evolve_columns_once = m->value.u.b;
        else if (strcmp(m->key, "max_nesting") == 0 && get_int(&m->value, &n) && n >= 0 &&
                 n <= INT32_MAX)
            t->max_nesting = (int32_t)n;
        else if (extra_add(s, &t->x_normalizer_extra, m) != CDLT_OK)
            return err_nomem(err);
    }
    return CDLT_OK;
}

static int find_name(const char *const *names, size_t n, const jv *v)
{
    if (v->type != JV_STRING)
        return -1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i], v->u.s) == 0)
            return (int)i;
    return -1;
}

static cdlt_status table_from_jv(schema *s, const jv_member *tm, cdlt_error *err)
{
    if (tm->value.type != JV_OBJECT)
        return err_set(err, CDLT_SCHEMA, "schema document: table '%s' must be an object",
                       tm->key);
    if (schema_get_table(s, tm->key))
        return err_set(err, CDLT_SCHEMA, "schema document: table '%s' appears twice", tm->key);
    const jv *tv = &tm->value;
    const jv *parent = jv_get(tv, "parent");
    if (parent && parent->type != JV_STRING && parent->type != JV_NULL)
        return bad(err, tm->key, "parent", "a table name");
    schema_table *t = NULL;
    cdlt_status st = schema_table_insert(
        s, tm->key, parent && parent->type == JV_STRING ? parent->u.s : NULL, &t, err);
    if (st != CDLT_OK)
        return st;
    for (uint32_t i = 0; i < tv->len && st == CDLT_OK; i++) {
        const jv_member *m = &tv->u.members[i];
        const jv *v = &m->value;
        const char *k = m->key;
        int idx;
        if (strcmp(k, "name") == 0 || strcmp(k, "parent") == 0) {
            continue;
        } else if (strcmp(k, "columns") == 0) {
            if (v->type != JV_OBJECT) {
                st = bad(err, tm->key, k, "an object");
                break;
            }
            for (uint32_t j = 0; j < v->len && st == CDLT_OK; j++)
                st = column_from_jv(s, t, &v->u.members[j], err);
        } else if (strcmp(k, "write_disposition") == 0) {
            if ((idx = find_name(k_wd_names, CDLT_ARRAY_LEN(k_wd_names), v)) < 0)
                st = bad(err, tm->key, k, "one of append, replace, merge, skip");
            else
                t->disposition = (write_disposition)idx;
        } else if (strcmp(k, "x-merge-strategy") == 0 &&
                   (idx = find_name(k_ms_names, CDLT_ARRAY_LEN(k_ms_names), v)) > 0) {
            t->strategy = (merge_strategy)idx;
        } else if (strcmp(k, "resource") == 0) {
            st = get_str(s, v, tm->key, k, &t->resource, err);
        } else if (strcmp(k, "description") == 0) {
            st = get_str(s, v, tm->key, k, &t->description, err);
        } else if (strcmp(k, "table_format") == 0) {
            st = get_str(s, v, tm->key, k, &t->table_format, err);
        } else if (strcmp(k, "file_format") == 0) {
            st = get_str(s, v, tm->key, k, &t->file_format, err);
        } else if (strcmp(k, "schema_contract") == 0) {
            st = schema_contract_from_jv(v, &t->contract, err);
            if (st != CDLT_OK)
                err_prefix(err, "schema document: table '%s': ", tm->key);
        } else if (strcmp(k, "x-normalizer") == 0) {
            st = x_normalizer_from_jv(s, t, v, err);
        } else if (extra_add(s, &t->extra, m) != CDLT_OK) {
            st = err_nomem(err);
        }
    }
    if (st != CDLT_OK)
        err_set_table(err, tm->key);
    return st;
}

static cdlt_status settings_from_jv(schema *s, const jv *v, cdlt_error *err)
{
    if (v->type != JV_OBJECT)
        return bad(err, "schema", "settings", "an object");
    cdlt_status st = CDLT_OK;
    for (uint32_t i = 0; i < v->len && st == CDLT_OK; i++) {
        const jv_member *m = &v->u.members[i];
        const jv *x = &m->value;
        if (strcmp(m->key, "detections") == 0 && x->type == JV_ARRAY) {
            for (uint32_t j = 0; j < x->len; j++) {
                const jv *d = &x->u.items[j];
                bool known = false;
                for (size_t k = 0; k < CDLT_ARRAY_LEN(k_detections) && d->type == JV_STRING; k++)
                    if (strcmp(k_detections[k].name, d->u.s) == 0) {
                        s->detections |= k_detections[k].bit;
                        known = true;
                    }
                if (!known)
                    LOG_WARN("schema '%s': detection '%s' is not supported by cdlt and is "
                             "ignored",
                             s->name, d->type == JV_STRING ? d->u.s : "?");
            }
        } else if (strcmp(m->key, "default_hints") == 0 && x->type == JV_OBJECT) {
            for (uint32_t j = 0; j < x->len && st == CDLT_OK; j++) {
                const jv_member *h = &x->u.members[j];
                if (h->value.type != JV_ARRAY) {
                    st = bad(err, "settings.default_hints", h->key, "a list of column patterns");
                    break;
                }
                for (uint32_t k = 0; k < h->value.len && st == CDLT_OK; k++) {
                    const jv *p = &h->value.u.items[k];
                    if (p->type != JV_STRING)
                        st = bad(err, "settings.default_hints", h->key,
                                 "a list of column patterns");
                    else
                        st = schema_add_default_hint(s, h->key, p->u.s, err);
                }
            }
        } else if (strcmp(m->key, "preferred_types") == 0 && x->type == JV_OBJECT) {
            for (uint32_t j = 0; j < x->len && st == CDLT_OK; j++) {
                const jv_member *p = &x->u.members[j];
                dtype t = p->value.type == JV_STRING ? dtype_parse(p->value.u.s, p->value.len)
                                                     : DT_NONE;
                if (t == DT_NONE)
                    st = bad(err, "settings.preferred_types", p->key, "a dlt data type");
                else
                    st = schema_add_preferred_type(s, p->key, t, err);
            }
        } else if (strcmp(m->key, "schema_contract") == 0) {
            st = schema_contract_from_jv(x, &s->contract, err);
        } else if (extra_add(s, &s->extra_settings, m) != CDLT_OK) {
            st = err_nomem(err);
        }
    }
    return st;
}

static cdlt_status normalizers_from_jv(schema *s, const jv *v, cdlt_error *err)
{
    if (v->type != JV_OBJECT)
        return bad(err, "schema", "normalizers", "an object");
    const jv *names = jv_get(v, "names");
    if (names && names->type == JV_STRING) {
        if (naming_init(&s->naming, names->u.s, 0) != CDLT_OK)
            return err_set(err, CDLT_SCHEMA,
                           "schema '%s': naming convention '%s' is not supported; what to do: "
                           "use snake_case, sql_cs_v1, sql_ci_v1, direct or duck_case",
                           s->name, names->u.s);
        s->names_set = true;
        if (strcmp(names->u.s, naming_name(s->naming.kind)) != 0) {
            s->names_doc = arena_strndup(&s->mem, names->u.s, names->len);
            if (!s->names_doc)
                return err_nomem(err);
        }
    }
    const jv *b = jv_get(v, "use_break_path_on_normalize");
    if (b && b->type == JV_BOOL) {
        s->break_path_set = true;
        s->use_break_path_on_normalize = b->u.b;
    }
    const jv *ai = jv_get(v, "allow_identifier_change_on_table_with_data");
    if (ai && ai->type == JV_BOOL)
        s->allow_identifier_change = ai->u.b ? 1 : 0;
    const jv *json = jv_get(v, "json");
    if (!json || json->type != JV_OBJECT)
        return CDLT_OK;
    const jv *mod = jv_get(json, "module");
    if (mod && mod->type == JV_STRING &&
        strcmp(mod->u.s, "dlt.common.normalizers.json.relational") != 0) {
        cdlt_status st = get_str(s, mod, "normalizers.json", "module", &s->json_module, err);
        if (st != CDLT_OK)
            return st;
    }
    const jv *cfg = jv_get(json, "config");
    if (!cfg || cfg->type != JV_OBJECT)
        return CDLT_OK;
    for (uint32_t i = 0; i < cfg->len; i++) {
        const jv_member *m = &cfg->u.members[i];
        int64_t n;
        if (strcmp(m->key, "max_nesting") == 0 && get_int(&m->value, &n) && n >= 0 &&
            n <= INT32_MAX) {
            s->max_nesting = (int32_t)n;
            s->max_nesting_set = true;
        } else if (strcmp(m->key, "propagation") == 0 && m->value.type == JV_OBJECT) {
            if (jv_copy(&s->mem, &m->value, &s->propagation) != CDLT_OK)
                return err_nomem(err);
        } else if (strcmp(m->key, "root_key_propagation") == 0 && m->value.type == JV_BOOL) {
            s->root_key_propagation = m->value.u.b ? 1 : 0;
        } else if (extra_add(s, &s->json_config_extra, m) != CDLT_OK) {
            return err_nomem(err);
        }
    }
    return CDLT_OK;
}

static cdlt_status load_doc(schema *s, const jv *doc, cdlt_error *err)
{
    cdlt_status st = CDLT_OK;
    const jv *v;
    int64_t n;
    if ((v = jv_get(doc, "engine_version")) && get_int(v, &n) && n > SCHEMA_ENGINE_VERSION)
        return err_set(err, CDLT_SCHEMA,
                       "schema '%s' has engine_version %lld, newer than %d supported by cdlt; "
                       "what to do: upgrade cdlt or export the schema with an older dlt",
                       s->name, (long long)n, SCHEMA_ENGINE_VERSION);
    if ((v = jv_get(doc, "version")) && v->type != JV_NULL) {
        if (!get_int(v, &n) || n < 0)
            return bad(err, "schema", "version", "a non-negative integer");
        s->version = n;
    }
    if ((v = jv_get(doc, "version_hash")) &&
        (st = get_str(s, v, "schema", "version_hash", &s->version_hash, err)) != CDLT_OK)
        return st;
    if ((v = jv_get(doc, "imported_version_hash")) &&
        (st = get_str(s, v, "schema", "imported_version_hash", &s->imported_version_hash,
                      err)) != CDLT_OK)
        return st;
    if ((v = jv_get(doc, "description")) &&
        (st = get_str(s, v, "schema", "description", &s->description, err)) != CDLT_OK)
        return st;
    if ((v = jv_get(doc, "previous_hashes")) && v->type == JV_ARRAY) {
        for (uint32_t i = 0; i < v->len && s->nprevious < 10; i++) {
            if (v->u.items[i].type != JV_STRING)
                return bad(err, "schema", "previous_hashes", "a list of strings");
            st = get_str(s, &v->u.items[i], "schema", "previous_hashes",
                         &s->previous_hashes[s->nprevious], err);
            if (st != CDLT_OK)
                return st;
            s->nprevious++;
        }
    }
    /* normalizers first: settings patterns and names depend on nothing, but the naming
     * convention is needed by anyone reading the tables afterwards */
    if ((v = jv_get(doc, "normalizers")) && (st = normalizers_from_jv(s, v, err)) != CDLT_OK)
        return st;
    if ((v = jv_get(doc, "settings")) && (st = settings_from_jv(s, v, err)) != CDLT_OK)
        return st;
    /* dlt's relational normalizer merges its default hints into every schema it loads */
    if (!s->json_module && (st = schema_add_normalizer_hints(s, err)) != CDLT_OK)
        return st;
    if ((v = jv_get(doc, "tables")) && v->type != JV_NULL) {
        if (v->type != JV_OBJECT)
            return bad(err, "schema", "tables", "an object");
        for (uint32_t i = 0; i < v->len && st == CDLT_OK; i++)
            st = table_from_jv(s, &v->u.members[i], err);
        if (st != CDLT_OK)
            return st;
    }
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (t->parent && !schema_get_table(s, t->parent)) {
            err_set(err, CDLT_SCHEMA,
                    "schema '%s': nested table '%s' names parent '%s', which is not in the "
                    "schema",
                    s->name, t->name, t->parent);
            err_set_table(err, t->name);
            return CDLT_SCHEMA;
        }
    }
    return schema_add_system_tables(s, err);
}

cdlt_status schema_from_jv(const jv *doc, schema **out, cdlt_error *err)
{
    *out = NULL;
    if (!doc || doc->type != JV_OBJECT)
        return err_set(err, CDLT_SCHEMA, "schema document must be an object");
    const jv *name = jv_get(doc, "name");
    if (!name || name->type != JV_STRING || !name->len)
        return err_set(err, CDLT_SCHEMA,
                       "schema document has no 'name'; what to do: add the schema name");
    schema *s = NULL;
    cdlt_status st = schema_alloc(name->u.s, &s, err);
    if (st != CDLT_OK)
        return st;
    st = load_doc(s, doc, err);
    if (st != CDLT_OK) {
        schema_free(s);
        return st;
    }
    *out = s;
    return CDLT_OK;
}

cdlt_status schema_drop_internal(schema *s)
{
    for (uint32_t i = 0; i < s->ntables; i++) {
        schema_table *t = s->tables[i];
        for (uint32_t j = 0; j < t->ncolumns; j++) {
            schema_column *col = &t->columns[j];
            if (col->extra.type != JV_OBJECT)
                continue;
            bool any = false;
            for (uint32_t k = 0; k < col->extra.len && !any; k++)
                any = is_internal(col->extra.u.members[k].key);
            if (!any)
                continue;
            jv_builder b;
            jv_builder_init(&b, JV_OBJECT);
            for (uint32_t k = 0; k < col->extra.len; k++) {
                const jv_member *m = &col->extra.u.members[k];
                if (!is_internal(m->key) &&
                    jv_builder_set(&b, &s->mem, m->key, m->klen, m->value) != CDLT_OK)
                    return CDLT_NOMEM;
            }
            col->extra = b.value.len ? b.value : jv_null();
        }
    }
    return CDLT_OK;
}

cdlt_status schema_clone(const schema *s, schema **out, cdlt_error *err)
{
    *out = NULL;
    arena a;
    arena_init(&a, 64 * 1024, 0);
    schema_doc_opts o = {false, false, false, true, false};
    jv doc;
    schema *c = NULL;
    cdlt_status st = schema_to_jv(s, &o, &a, &doc);
    if (st != CDLT_OK)
        st = st == CDLT_NOMEM ? err_nomem(err) : st;
    else
        st = schema_from_jv(&doc, &c, err);
    arena_free(&a);
    if (st != CDLT_OK)
        return st;
    /* the document does not carry what is not stored: copy it */
    c->version = s->version;
    c->max_nesting_set = s->max_nesting_set;
    c->seq = s->seq;
    for (uint32_t i = 0; i < s->ntables && i < c->ntables; i++) {
        schema_table *ct = c->tables[i];
        const schema_table *st_ = s->tables[i];
        ct->seq = st_->seq;
        for (uint32_t j = 0; j < ct->ncolumns && j < st_->ncolumns; j++)
            ct->columns[j].seq = st_->columns[j].seq;
    }
    *out = c;
    return CDLT_OK;
}

cdlt_status schema_from_json(const char *text, size_t len, const char *file, schema **out,
                             cdlt_error *err)
{
    *out = NULL;
    arena a;
    arena_init(&a, 64 * 1024, 0);
    json_opts jo = {0, 0, file};
    jv doc;
    cdlt_status st = json_parse(text, len, &a, &jo, &doc, err);
    if (st == CDLT_OK)
        st = schema_from_jv(&doc, out, err);
    arena_free(&a);
    return st;
}
