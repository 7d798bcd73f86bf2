/* propagation.c: normalizers.json.config.propagation (core.md §2.4): which columns the
 * relational normalizer copies from a root row into all its descendants, per root table. */
#include "schema/schema.h"
#include "schema/schema_int.h"

const jv *schema_table_propagation(const schema *s, const char *root_table)
{
    const jv *tables = jv_get(&s->propagation, "tables");
    return tables ? jv_get(tables, root_table) : NULL;
}

/* Copy obj (an object or JV_NULL) with key set to value, into the schema arena. */
static cdlt_status with_key(schema *s, const jv *obj, const char *key, jv value, jv *out)
{
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    bool replaced = false;
    if (obj && obj->type == JV_OBJECT)
        for (uint32_t i = 0; i < obj->len; i++) {
            const jv_member *m = &obj->u.members[i];
            bool hit = strcmp(m->key, key) == 0;
            replaced |= hit;
            if (jv_builder_set(&b, &s->mem, m->key, m->klen, hit ? value : m->value) != CDLT_OK)
                return CDLT_NOMEM;
        }
    if (!replaced && jv_builder_set(&b, &s->mem, key, strlen(key), value) != CDLT_OK)
        return CDLT_NOMEM;
    *out = b.value;
    return CDLT_OK;
}

cdlt_status schema_add_propagation(schema *s, const char *root_table, const char *from_col,
                                   const char *to_col)
{
    const jv *tables = jv_get(&s->propagation, "tables");
    const jv *cur = tables ? jv_get(tables, root_table) : NULL;
    const jv *have = cur ? jv_get(cur, from_col) : NULL;
    if (have && have->type == JV_STRING && strcmp(have->u.s, to_col) == 0)
        return CDLT_OK; /* already there: keep the document (and its hash) unchanged */
    jv to = jv_str(&s->mem, to_col, strlen(to_col));
    if (jv_failed(&to))
        return CDLT_NOMEM;
    jv nt, ntables, nprop;
    cdlt_status st = with_key(s, cur, from_col, to, &nt);
    if (st == CDLT_OK)
        st = with_key(s, tables, root_table, nt, &ntables);
    if (st == CDLT_OK)
        st = with_key(s, &s->propagation, "tables", ntables, &nprop);
    if (st == CDLT_OK)
        s->propagation = nprop;
    return st;
}
