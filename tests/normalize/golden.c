/* golden.c: test support for the normalizer: schema from a case's settings.json, a sink that
 * records rows as JSON lines (and checks the sink contract), and schema rendering for diffs. */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- recording sink ---- */

rec_table *rec_find(recorder *r, const char *name)
{
    for (int i = 0; i < r->ntables; i++)
        if (strcmp(r->tables[i].name, name) == 0)
            return &r->tables[i];
    return NULL;
}

static rec_table *rec_get(recorder *r, const char *name)
{
    rec_table *t = rec_find(r, name);
    if (t || r->ntables == REC_MAX_TABLES)
        return t;
    t = &r->tables[r->ntables];
    r->announced[r->ntables] = 0;
    r->ntables++;
    snprintf(t->name, sizeof t->name, "%s", name);
    buf_init(&t->rows, 0);
    return t;
}

static cdlt_status rec_schema_changed(void *self, const schema *s, const schema_table *t,
                                      uint32_t first_new)
{
    recorder *r = self;
    rec_table *rt = rec_get(r, t->name);
    if (!rt)
        return CDLT_TOO_LARGE;
    if (first_new > t->ncolumns)
        r->contract_errors++;
    r->announced[rt - r->tables] = t->ncolumns;
    rt->changes++;
    return CDLT_OK;
}

static cdlt_status rec_row(void *self, const schema_table *t, const tval *vals, uint32_t ncols)
{
    recorder *r = self;
    rec_table *rt = rec_get(r, t->name);
    if (!rt)
        return CDLT_TOO_LARGE;
    if (ncols > t->ncolumns || ncols > r->announced[rt - r->tables])
        r->contract_errors++;
    rt->nrows++;
    if (r->quiet)
        return CDLT_OK;
    buf *b = &rt->rows;
    buf_putc(b, '{');
    bool first = true;
    for (uint32_t i = 0; i < ncols && i < t->ncolumns; i++) {
        if (vals[i].type == DT_NONE)
            continue;
        if (!first)
            buf_putc(b, ',');
        first = false;
        json_write_string(b, t->columns[i].name, t->columns[i].name_len, 0);
        buf_putc(b, ':');
        types_write_json(&vals[i], b);
    }
    buf_puts(b, "}\n");
    return b->status;
}

void rec_init(recorder *r, norm_sink *sink)
{
    memset(r, 0, sizeof *r);
    sink->self = r;
    sink->schema_changed = rec_schema_changed;
    sink->row = rec_row;
}

void rec_free(recorder *r)
{
    for (int i = 0; i < r->ntables; i++)
        buf_free(&r->tables[i].rows);
    r->ntables = 0;
}

/* ---- settings -> schema ---- */

static const char *jstr(const jv *o, const char *key)
{
    const jv *v = jv_get(o, key);
    return v && v->type == JV_STRING ? v->u.s : NULL;
}

static bool jint(const jv *o, const char *key, int64_t *out)
{
    const jv *v = jv_get(o, key);
    if (!v || v->type != JV_INT)
        return false;
    *out = v->u.i;
    return true;
}

static const struct {
    const char *name;
    uint32_t bit;
} HINTS[] = {
    {"primary_key", HINT_PRIMARY_KEY}, {"merge_key", HINT_MERGE_KEY},
    {"unique", HINT_UNIQUE},           {"row_key", HINT_ROW_KEY},
    {"parent_key", HINT_PARENT_KEY},   {"root_key", HINT_ROOT_KEY},
    {"hard_delete", HINT_HARD_DELETE}, {"partition", HINT_PARTITION},
    {"cluster", HINT_CLUSTER},         {"sort", HINT_SORT},
    {"variant", HINT_VARIANT},         {"incremental", HINT_INCREMENTAL},
};

static cdlt_status add_columns(schema *s, schema_table *t, const jv *cols, cdlt_error *err)
{
    for (uint32_t i = 0; i < cols->len; i++) {
        const jv_member *m = &cols->u.members[i];
        const jv *d = &m->value;
        const char *dt = jstr(d, "data_type");
        schema_column c = schema_column_init(m->key, dt ? dtype_parse(dt, strlen(dt)) : DT_NONE);
        const jv *v;
        if ((v = jv_get(d, "nullable")) && v->type == JV_BOOL)
            c.nullable = v->u.b;
        if ((v = jv_get(d, "timezone")) && v->type == JV_BOOL)
            c.timezone = v->u.b ? 1 : 0;
        for (size_t h = 0; h < CDLT_ARRAY_LEN(HINTS); h++)
            if ((v = jv_get(d, HINTS[h].name)) && v->type == JV_BOOL && v->u.b)
                c.hints |= HINTS[h].bit;
        if ((v = jv_get(d, "x-row-version")) && v->type == JV_OBJECT)
            c.extra = *v;
        cdlt_status st = table_add_column(s, t, &c, NULL, err);
        if (st != CDLT_OK)
            return st;
    }
    return CDLT_OK;
}

cdlt_status golden_schema(const jv *settings, schema **out, const char **out_table,
                          cdlt_error *err)
{
    schema *s = NULL;
    cdlt_status st = schema_new("golden", &s, err);
    if (st != CDLT_OK)
        return st;
    *out = s;
    const char *tn = settings ? jstr(settings, "table_name") : NULL;
    *out_table = tn ? tn : "items";
    if (!settings)
        return CDLT_OK;
    const char *nm = jstr(settings, "naming");
    int64_t maxlen = 0, nest;
    jint(settings, "max_length", &maxlen);
    if (nm || maxlen) {
        st = naming_init(&s->naming, nm ? nm : "snake_case", (size_t)maxlen);
        if (st != CDLT_OK)
            return err_set(err, st, "bad naming");
    }
    if (jint(settings, "max_table_nesting", &nest))
        s->max_nesting = (int32_t)nest;
    const jv *v;
    if ((v = jv_get(settings, "root_key")) && v->type == JV_BOOL)
        s->root_key_propagation = v->u.b ? 1 : 0;
    if ((v = jv_get(settings, "detections")) && v->type == JV_ARRAY) {
        s->detections = 0;
        for (uint32_t i = 0; i < v->len; i++) {
            const char *d = v->u.items[i].u.s;
            if (!strcmp(d, "iso_timestamp"))
                s->detections |= DETECT_ISO_TIMESTAMP;
            else if (!strcmp(d, "iso_date"))
                s->detections |= DETECT_ISO_DATE;
            else if (!strcmp(d, "timestamp"))
                s->detections |= DETECT_TIMESTAMP;
            else if (!strcmp(d, "large_integer"))
                s->detections |= DETECT_LARGE_INTEGER;
        }
    }
    if ((v = jv_get(settings, "preferred_types")) && v->type == JV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++) {
            const jv_member *m = &v->u.members[i];
            st = schema_add_preferred_type(s, m->key, dtype_parse(m->value.u.s, m->value.len), err);
            if (st != CDLT_OK)
                return st;
        }
    }
    if ((v = jv_get(settings, "default_hints")) && v->type == JV_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++) {
            const jv_member *m = &v->u.members[i];
            for (uint32_t j = 0; j < m->value.len; j++) {
                st = schema_add_default_hint(s, m->key, m->value.u.items[j].u.s, err);
                if (st != CDLT_OK)
                    return st;
            }
        }
    }
    if ((v = jv_get(settings, "schema_settings_contract"))) {
        st = schema_contract_from_jv(v, &s->contract, err);
        if (st != CDLT_OK)
            return st;
    }
    /* table-level hints go to the root table, created up front like extract does */
    const char *wd = jstr(settings, "write_disposition");
    const char *ms = jstr(settings, "merge_strategy");
    const jv *pk = jv_get(settings, "primary_key");
    const jv *cols = jv_get(settings, "columns");
    const jv *tc = jv_get(settings, "schema_contract");
    int64_t tnest;
    bool has_tnest = jint(settings, "table_max_nesting", &tnest);
    if (!wd && !ms && !pk && !cols && !tc && !has_tnest)
        return CDLT_OK;
    buf b = BUF_INIT;
    naming_tables_path(&s->naming, *out_table, strlen(*out_table), &b);
    schema_table *t = NULL;
    st = schema_add_table(s, buf_cstr(&b), NULL, &t, err);
    buf_free(&b);
    if (st != CDLT_OK)
        return st;
    if (wd)
        t->disposition = !strcmp(wd, "merge")     ? WD_MERGE
                         : !strcmp(wd, "replace") ? WD_REPLACE
                                                  : WD_APPEND;
    if (ms)
        t->strategy = !strcmp(ms, "upsert")        ? MS_UPSERT
                      : !strcmp(ms, "insert-only") ? MS_INSERT_ONLY
                      : !strcmp(ms, "scd2")        ? MS_SCD2
                                                   : MS_DELETE_INSERT;
    if (has_tnest)
        t->max_nesting = (int32_t)tnest;
    if (tc && !jv_get(settings, "first_load")) { /* else applied after the first load */
        st = schema_contract_from_jv(tc, &t->contract, err);
        if (st != CDLT_OK)
            return st;
    }
    if (cols && (st = add_columns(s, t, cols, err)) != CDLT_OK)
        return st;
    if (pk && pk->type == JV_ARRAY) {
        for (uint32_t i = 0; i < pk->len; i++) {
            const char *name = pk->u.items[i].u.s;
            schema_column *c = table_get_column(t, name, strlen(name));
            if (c) {
                c->hints |= HINT_PRIMARY_KEY;
                c->nullable = false;
                continue;
            }
            schema_column nc = schema_column_init(name, DT_NONE);
            nc.hints = HINT_PRIMARY_KEY;
            nc.nullable = false;
            if ((st = table_add_column(s, t, &nc, NULL, err)) != CDLT_OK)
                return st;
        }
    }
    return CDLT_OK;
}

/* ---- schema rendering ---- */

cdlt_status golden_render_schema(const schema *s, buf *out)
{
    buf_puts(out, "{\"tables\":{");
    bool firstt = true;
    for (uint32_t i = 0; i < s->ntables; i++) {
        const schema_table *t = s->tables[i];
        if (strncmp(t->name, "_dlt", 4) == 0)
            continue;
        if (!firstt)
            buf_putc(out, ',');
        firstt = false;
        json_write_string(out, t->name, strlen(t->name), 0);
        buf_puts(out, ":{");
        if (t->parent) {
            buf_puts(out, "\"parent\":");
            json_write_string(out, t->parent, strlen(t->parent), 0);
            buf_putc(out, ',');
        }
        buf_puts(out, "\"columns\":[");
        for (uint32_t j = 0; j < t->ncolumns; j++) {
            const schema_column *c = &t->columns[j];
            if (j)
                buf_putc(out, ',');
            buf_puts(out, "{\"name\":");
            json_write_string(out, c->name, c->name_len, 0);
            if (c->type != DT_NONE)
                buf_printf(out, ",\"data_type\":\"%s\"", dtype_name(c->type));
            buf_printf(out, ",\"nullable\":%s", c->nullable ? "true" : "false");
            if (c->timezone == 0)
                buf_puts(out, ",\"timezone\":false");
            if (c->hints) {
                buf_puts(out, ",\"hints\":[");
                bool fh = true;
                for (size_t h = 0; h < CDLT_ARRAY_LEN(HINTS); h++) {
                    if (!(c->hints & HINTS[h].bit))
                        continue;
                    buf_printf(out, "%s\"%s\"", fh ? "" : ",", HINTS[h].name);
                    fh = false;
                }
                buf_putc(out, ']');
            }
            buf_putc(out, '}');
        }
        buf_puts(out, "]}");
    }
    buf_puts(out, "}}");
    return out->status;
}
