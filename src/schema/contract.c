/* contract.c: schema contracts (core.md §3.4): parsing the string/object forms, printing them
 * back, and resolving the effective contract of a table (run override -> table chain ->
 * schema settings -> evolve). */
#include "schema/schema.h"

static const char *const k_modes[] = {NULL, "evolve", "freeze", "discard_row", "discard_value"};

const char *contract_mode_name(contract_mode m)
{
    return (unsigned)m < CDLT_ARRAY_LEN(k_modes) ? k_modes[m] : NULL;
}

contract_mode contract_mode_parse(const char *s, size_t len)
{
    for (size_t i = 1; i < CDLT_ARRAY_LEN(k_modes); i++)
        if (strlen(k_modes[i]) == len && memcmp(k_modes[i], s, len) == 0)
            return (contract_mode)i;
    return CM_UNSET;
}

static cdlt_status parse_mode(const jv *v, const char *what, contract_mode *out, cdlt_error *err)
{
    if (v->type == JV_NULL) {
        *out = CM_UNSET;
        return CDLT_OK;
    }
    if (v->type == JV_STRING) {
        *out = contract_mode_parse(v->u.s, v->len);
        if (*out != CM_UNSET)
            return CDLT_OK;
    }
    return err_set(err, CDLT_SCHEMA,
                   "invalid schema contract mode for %s: expected one of evolve, freeze, "
                   "discard_row, discard_value",
                   what);
}

cdlt_status schema_contract_from_jv(const jv *v, schema_contract *out, cdlt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!v || v->type == JV_NULL)
        return CDLT_OK;
    if (v->type == JV_STRING) {
        contract_mode m;
        cdlt_status st = parse_mode(v, "schema_contract", &m, err);
        if (st != CDLT_OK)
            return st;
        out->tables = out->columns = out->data_type = m;
        return CDLT_OK;
    }
    if (v->type != JV_OBJECT)
        return err_set(err, CDLT_SCHEMA,
                       "schema_contract must be a mode string or an object with keys tables, "
                       "columns, data_type");
    for (uint32_t i = 0; i < v->len; i++) {
        const jv_member *m = &v->u.members[i];
        contract_mode *slot = NULL;
        if (strcmp(m->key, "tables") == 0)
            slot = &out->tables;
        else if (strcmp(m->key, "columns") == 0)
            slot = &out->columns;
        else if (strcmp(m->key, "data_type") == 0)
            slot = &out->data_type;
        else
            return err_set(err, CDLT_SCHEMA,
                           "unknown schema_contract entity '%s'; what to do: use tables, "
                           "columns or data_type",
                           m->key);
        cdlt_status st = parse_mode(&m->value, m->key, slot, err);
        if (st != CDLT_OK)
            return st;
    }
    return CDLT_OK;
}

cdlt_status schema_contract_to_jv(const schema_contract *c, arena *a, jv *out)
{
    *out = jv_null();
    if (!c || !contract_is_set(c))
        return CDLT_OK;
    if (c->tables == c->columns && c->columns == c->data_type) {
        const char *n = contract_mode_name(c->tables);
        *out = jv_str(a, n, strlen(n));
        return jv_failed(out) ? CDLT_NOMEM : CDLT_OK;
    }
    jv_builder b;
    jv_builder_init(&b, JV_OBJECT);
    const struct {
        const char *key;  /* entity name */
        contract_mode m;  /* its mode */
    } ents[] = {{"tables", c->tables}, {"columns", c->columns}, {"data_type", c->data_type}};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(ents); i++) {
        if (ents[i].m == CM_UNSET)
            continue;
        const char *n = contract_mode_name(ents[i].m);
        jv v = jv_str(a, n, strlen(n));
        if (jv_failed(&v) || jv_builder_set(&b, a, ents[i].key, strlen(ents[i].key), v) != CDLT_OK)
            return CDLT_NOMEM;
    }
    *out = b.value;
    return CDLT_OK;
}

/* Unset entities of a chosen level become evolve (dlt expands a partial dict over the
 * evolve defaults). */
static schema_contract expand(schema_contract c)
{
    if (c.tables == CM_UNSET)
        c.tables = CM_EVOLVE;
    if (c.columns == CM_UNSET)
        c.columns = CM_EVOLVE;
    if (c.data_type == CM_UNSET)
        c.data_type = CM_EVOLVE;
    return c;
}

schema_contract schema_resolve_contract(const schema *s, const schema_table *t,
                                        const schema_contract *run_override)
{
    if (run_override && contract_is_set(run_override))
        return expand(*run_override);
    /* the first table up the parent chain that declares a contract (nested tables inherit);
     * bounded so a parent cycle in a corrupt document cannot hang */
    const schema_table *cur = t;
    for (uint32_t guard = 0; cur && guard <= s->ntables; guard++) {
        if (contract_is_set(&cur->contract))
            return expand(cur->contract);
        if (!cur->parent)
            break;
        cur = schema_get_table(s, cur->parent);
    }
    return expand(s->contract);
}
