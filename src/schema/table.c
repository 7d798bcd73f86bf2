/* table.c: tables and columns of a schema: insertion-ordered arrays plus name maps, and the
 * merge of an inferred column into an incomplete one (core.md §3.3). */
#include "schema/schema.h"
#include "schema/schema_int.h"

schema_table *schema_get_table(const schema *s, const char *name)
{
    if (!s || !name)
        return NULL;
    return map_get(&s->table_index, name, strlen(name));
}

schema_table *schema_get_table_n(const schema *s, const char *name, size_t len)
{
    if (!s || !name)
        return NULL;
    return map_get(&s->table_index, name, len);
}

bool schema_is_dlt_table(const char *name)
{
    return name && (strcmp(name, "_dlt_version") == 0 || strcmp(name, "_dlt_loads") == 0 ||
                    strcmp(name, "_dlt_pipeline_state") == 0);
}

schema_column schema_column_init(const char *name, dtype type)
{
    schema_column c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.name_len = name ? (uint32_t)strlen(name) : 0;
    c.type = type;
    c.nullable = true;
    c.timezone = -1;
    c.precision = -1;
    c.scale = -1;
    c.extra = jv_null();
    return c;
}

/* Append the table pointer to s->tables (arena array, doubled). */
static cdlt_status push_table(schema *s, schema_table *t)
{
    if (s->ntables == s->cap_tables) {
        uint32_t cap = s->cap_tables ? s->cap_tables * 2 : 8;
        schema_table **p = arena_grow(&s->mem, s->tables, s->cap_tables * sizeof *p,
                                      cap * sizeof *p);
        if (!p)
            return CDLT_NOMEM;
        s->tables = p;
        s->cap_tables = cap;
    }
    s->tables[s->ntables++] = t;
    return CDLT_OK;
}

cdlt_status schema_table_insert(schema *s, const char *name, const char *parent,
                                schema_table **out, cdlt_error *err)
{
    schema_table *t = arena_alloc_zero(&s->mem, sizeof *t);
    if (!t)
        return err_nomem(err);
    t->name = schema_strdup(s, name);
    t->parent = parent ? schema_strdup(s, parent) : NULL;
    if (!t->name || (parent && !t->parent))
        return err_nomem(err);
    t->max_nesting = -1;
    t->extra = jv_null();
    t->x_normalizer_extra = jv_null();
    map_init(&t->column_index);
    /* array slot first: it can be given back by decrementing; a map entry cannot be removed */
    if (push_table(s, t) != CDLT_OK)
        return err_nomem(err);
    if (map_put(&s->table_index, t->name, strlen(t->name), t) != CDLT_OK) {
        s->ntables--;
        return err_nomem(err);
    }
    t->seq = ++s->seq;
    *out = t;
    return CDLT_OK;
}

cdlt_status schema_add_table(schema *s, const char *name, const char *parent,
                             schema_table **out, cdlt_error *err)
{
    if (out)
        *out = NULL;
    if (!name || !*name)
        return err_set(err, CDLT_INVALID_ARG, "table name must not be empty");
    schema_table *t = schema_get_table(s, name);
    if (t) {
        if (out)
            *out = t;
        return CDLT_OK;
    }
    if (parent && !schema_get_table(s, parent)) {
        err_set(err, CDLT_SCHEMA,
                "cannot add nested table '%s': parent table '%s' is not in schema '%s'", name,
                parent, s->name);
        err_set_table(err, name);
        return CDLT_SCHEMA;
    }
    cdlt_status st = schema_table_insert(s, name, parent, &t, err);
    if (st != CDLT_OK)
        return st;
    if (!parent) {
        /* dlt's new_table gives every root table a write disposition; extract names the
         * resource after the table unless told otherwise */
        t->disposition = WD_APPEND;
        t->resource = t->name;
    }
    if (out)
        *out = t;
    return CDLT_OK;
}

int32_t table_column_index(const schema_table *t, const char *name, size_t len)
{
    uintptr_t i = (uintptr_t)map_get(&t->column_index, name, len);
    return i ? (int32_t)(i - 1) : -1;
}

/* Deep-copy the pointer members of a column into the schema arena. */
static cdlt_status copy_column(schema *s, const schema_column *src, const char *name,
                               size_t len, schema_column *dst)
{
    *dst = *src;
    dst->name = arena_strndup(&s->mem, name, len);
    dst->name_len = (uint32_t)len;
    if (!dst->name)
        return CDLT_NOMEM;
    if (src->description) {
        dst->description = schema_strdup(s, src->description);
        if (!dst->description)
            return CDLT_NOMEM;
    }
    if (src->extra.type == JV_OBJECT && src->extra.len) {
        if (jv_copy(&s->mem, &src->extra, &dst->extra) != CDLT_OK)
            return CDLT_NOMEM;
    } else {
        dst->extra = jv_null();
    }
    return CDLT_OK;
}

static cdlt_status reserve_columns(schema *s, schema_table *t)
{
    if (t->ncolumns < t->cap_columns)
        return CDLT_OK;
    uint32_t cap = t->cap_columns ? t->cap_columns * 2 : 8;
    schema_column *p = arena_grow(&s->mem, t->columns, t->cap_columns * sizeof *p,
                                  cap * sizeof *p);
    if (!p)
        return CDLT_NOMEM;
    t->columns = p;
    t->cap_columns = cap;
    return CDLT_OK;
}

cdlt_status table_add_column(schema *s, schema_table *t, const schema_column *col,
                             uint32_t *out_index, cdlt_error *err)
{
    size_t len = col->name_len ? col->name_len : (col->name ? strlen(col->name) : 0);
    if (!col->name || !len)
        return err_set(err, CDLT_INVALID_ARG, "table '%s': column name must not be empty",
                       t->name);
    int32_t ex = table_column_index(t, col->name, len);
    if (ex >= 0) {
        if (out_index)
            *out_index = (uint32_t)ex;
        err_set(err, CDLT_EXISTS, "table '%s' already has a column '%.*s'", t->name, (int)len,
                col->name);
        err_set_table(err, t->name);
        return CDLT_EXISTS;
    }
    if (reserve_columns(s, t) != CDLT_OK)
        return err_nomem(err);
    schema_column c;
    if (copy_column(s, col, col->name, len, &c) != CDLT_OK)
        return err_nomem(err);
    uint32_t idx = t->ncolumns;
    if (map_put(&t->column_index, c.name, len, (void *)(uintptr_t)(idx + 1)) != CDLT_OK)
        return err_nomem(err);
    c.seq = ++s->seq;
    t->columns[idx] = c;
    t->ncolumns++;
    if (out_index)
        *out_index = idx;
    return CDLT_OK;
}

schema_table *schema_root_table(const schema *s, const schema_table *t)
{
    /* bounded walk: a corrupt document with a parent cycle must not hang */
    const schema_table *cur = t;
    for (uint32_t guard = 0; cur && cur->parent && guard <= s->ntables; guard++) {
        schema_table *p = schema_get_table(s, cur->parent);
        if (!p)
            break;
        cur = p;
    }
    return (schema_table *)cur;
}

write_disposition schema_table_disposition(const schema *s, const schema_table *t)
{
    const schema_table *cur = t;
    for (uint32_t guard = 0; cur && guard <= s->ntables; guard++) {
        if (cur->disposition != WD_UNSET)
            return cur->disposition;
        if (!cur->parent)
            break;
        cur = schema_get_table(s, cur->parent);
    }
    return WD_APPEND;
}

bool table_is_new(const schema_table *t)
{
    for (uint32_t i = 0; i < t->ncolumns; i++)
        if (t->columns[i].type != DT_NONE)
            return false;
    return true;
}

/* Fill what `into` leaves unset from `from`; `into` (the explicit side) wins. */
static cdlt_status merge_props(schema *s, schema_column *into, const schema_column *from)
{
    if (into->type == DT_NONE)
        into->type = from->type;
    /* nullable false is the only non-default value: either side setting it wins */
    if (!from->nullable)
        into->nullable = false;
    into->hints |= from->hints;
    if (into->timezone < 0)
        into->timezone = from->timezone;
    if (into->dedup_sort == 0)
        into->dedup_sort = from->dedup_sort;
    if (into->precision < 0)
        into->precision = from->precision;
    if (into->scale < 0)
        into->scale = from->scale;
    if (!into->description && from->description) {
        into->description = schema_strdup(s, from->description);
        if (!into->description)
            return CDLT_NOMEM;
    }
    if (from->extra.type == JV_OBJECT && from->extra.len) {
        /* add keys of `from` that `into` lacks */
        jv_builder b;
        jv_builder_init(&b, JV_OBJECT);
        if (into->extra.type == JV_OBJECT)
            for (uint32_t i = 0; i < into->extra.len; i++) {
                const jv_member *m = &into->extra.u.members[i];
                if (jv_builder_set(&b, &s->mem, m->key, m->klen, m->value) != CDLT_OK)
                    return CDLT_NOMEM;
            }
        for (uint32_t i = 0; i < from->extra.len; i++) {
            const jv_member *m = &from->extra.u.members[i];
            if (jv_getn(&into->extra, m->key, m->klen))
                continue;
            jv v;
            if (jv_copy(&s->mem, &m->value, &v) != CDLT_OK ||
                jv_builder_set(&b, &s->mem, m->key, m->klen, v) != CDLT_OK)
                return CDLT_NOMEM;
        }
        into->extra = b.value;
    }
    return CDLT_OK;
}

cdlt_status schema_merge_column(schema *s, schema_table *t, const char *name, size_t len,
                                const schema_column *inferred, uint32_t *out_index,
                                cdlt_error *err)
{
    int32_t ex = table_column_index(t, name, len);
    if (ex < 0) {
        schema_column c = *inferred;
        c.name = name;
        c.name_len = (uint32_t)len;
        return table_add_column(s, t, &c, out_index, err);
    }
    schema_column merged = t->columns[ex];
    bool was_incomplete = merged.type == DT_NONE;
    if (merge_props(s, &merged, inferred) != CDLT_OK)
        return err_nomem(err);
    if (!was_incomplete) {
        t->columns[ex] = merged;
        if (out_index)
            *out_index = (uint32_t)ex;
        return CDLT_OK;
    }
    /* map_put checks its load factor before looking the key up, so even replacing a value
     * may grow the map. Re-put one key with its current value first: if that fails nothing
     * has changed; once it succeeded the count is unchanged and later puts cannot grow. */
    if (map_put(&t->column_index, name, len, (void *)(uintptr_t)(ex + 1)) != CDLT_OK)
        return err_nomem(err);
    uint32_t last = t->ncolumns - 1;
    for (uint32_t i = (uint32_t)ex; i < last; i++)
        t->columns[i] = t->columns[i + 1];
    merged.seq = ++s->seq;
    t->columns[last] = merged;
    for (uint32_t i = (uint32_t)ex; i <= last; i++) {
        if (map_put(&t->column_index, t->columns[i].name, t->columns[i].name_len,
                    (void *)(uintptr_t)(i + 1)) != CDLT_OK)
            return err_nomem(err);
    }
    if (out_index)
        *out_index = last;
    return CDLT_OK;
}
