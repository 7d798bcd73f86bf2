/* schema.c: schema lifecycle: a new schema carries dlt's defaults (snake_case naming,
 * iso_timestamp detection, the relational normalizer's default hints, the system tables). */
#include "schema/schema.h"
#include "schema/schema_int.h"

#include <regex.h>

/* The relational normalizer's default hints, in the order dlt merges them (the stored
 * document lists hints in this order and new columns receive them in this order). */
static const struct {
    const char *hint;    /* settings.default_hints key */
    const char *pattern; /* exact column name */
} k_default_hints[] = {
    {"not_null", "_dlt_id"},        {"not_null", "_dlt_root_id"},
    {"not_null", "_dlt_parent_id"}, {"not_null", "_dlt_list_idx"},
    {"not_null", "_dlt_load_id"},   {"parent_key", "_dlt_parent_id"},
    {"root_key", "_dlt_root_id"},   {"unique", "_dlt_id"},
    {"row_key", "_dlt_id"},
};

/* System table columns (core.md §4): order is part of the destination layout. */
typedef struct sys_col {
    const char *name; /* column name (already valid in every naming convention) */
    dtype type;       /* data type */
    bool nullable;    /* nullability as dlt declares it */
    int32_t precision;/* dlt's precision hint (load ids: 64), 0 = none */
} sys_col;

static const sys_col k_version_cols[] = {
    {"version", DT_BIGINT, false, 0},     {"engine_version", DT_BIGINT, false, 0},
    {"inserted_at", DT_TIMESTAMP, false, 0}, {"schema_name", DT_TEXT, false, 0},
    {"version_hash", DT_TEXT, false, 0},  {"schema", DT_TEXT, false, 0},
};
static const sys_col k_loads_cols[] = {
    {"load_id", DT_TEXT, false, 64},      {"schema_name", DT_TEXT, true, 0},
    {"status", DT_BIGINT, false, 0},         {"inserted_at", DT_TIMESTAMP, false, 0},
    {"schema_version_hash", DT_TEXT, true, 0},
};
static const sys_col k_state_cols[] = {
    {"version", DT_BIGINT, false, 0},       {"engine_version", DT_BIGINT, false, 0},
    {"pipeline_name", DT_TEXT, false, 0},   {"state", DT_TEXT, false, 0},
    {"created_at", DT_TIMESTAMP, false, 0}, {"version_hash", DT_TEXT, true, 0},
    {"_dlt_load_id", DT_TEXT, false, 64},
};

static cdlt_status add_sys_table(schema *s, const char *name, const sys_col *cols, size_t n,
                                 write_disposition wd, const char *description,
                                 schema_table **out, cdlt_error *err)
{
    schema_table *t = NULL;
    cdlt_status st = schema_add_table(s, name, NULL, &t, err);
    if (st != CDLT_OK)
        return st;
    if (out)
        *out = t;
    if (t->ncolumns)
        return CDLT_OK; /* already declared (e.g. loaded from a document) */
    t->disposition = wd;
    if (description) {
        t->description = schema_strdup(s, description);
        if (!t->description)
            return err_nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        schema_column c = schema_column_init(cols[i].name, cols[i].type);
        c.nullable = cols[i].nullable;
        if (cols[i].precision)
            c.precision = cols[i].precision; /* varchar(64) in SQL destinations, as dlt */
        st = table_add_column(s, t, &c, NULL, err);
        if (st != CDLT_OK)
            return st;
    }
    return CDLT_OK;
}

cdlt_status schema_add_system_tables(schema *s, cdlt_error *err)
{
    cdlt_status st = add_sys_table(s, "_dlt_version", k_version_cols,
                                   CDLT_ARRAY_LEN(k_version_cols), WD_SKIP,
                                   "Created by DLT. Tracks schema updates", NULL, err);
    if (st == CDLT_OK)
        st = add_sys_table(s, "_dlt_loads", k_loads_cols, CDLT_ARRAY_LEN(k_loads_cols), WD_SKIP,
                           "Created by DLT. Tracks completed loads", NULL, err);
    return st;
}

cdlt_status schema_add_pipeline_state_table(schema *s, bool with_dlt_id, schema_table **out,
                                            cdlt_error *err)
{
    if (out)
        *out = NULL;
    schema_table *t = schema_get_table(s, "_dlt_pipeline_state");
    bool existed = t && t->ncolumns;
    cdlt_status st = add_sys_table(s, "_dlt_pipeline_state", k_state_cols,
                                   CDLT_ARRAY_LEN(k_state_cols), WD_APPEND, NULL, &t, err);
    if (st != CDLT_OK)
        return st;
    if (!existed) {
        t->file_format = schema_strdup(s, "preferred");
        t->resource = schema_strdup(s, "_dlt_pipeline_state");
        if (!t->file_format || !t->resource)
            return err_nomem(err);
    }
    if (with_dlt_id && !table_get_column(t, "_dlt_id", 7)) {
        schema_column c = schema_column_init("_dlt_id", DT_TEXT);
        st = schema_apply_default_hints(s, &c);
        if (st == CDLT_OK)
            st = table_add_column(s, t, &c, NULL, err);
        if (st != CDLT_OK)
            return st == CDLT_NOMEM ? err_nomem(err) : st;
    }
    if (out)
        *out = t;
    return CDLT_OK;
}

cdlt_status schema_add_normalizer_hints(schema *s, cdlt_error *err)
{
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < CDLT_ARRAY_LEN(k_default_hints) && st == CDLT_OK; i++)
        st = schema_add_default_hint(s, k_default_hints[i].hint, k_default_hints[i].pattern, err);
    return st;
}

cdlt_status schema_alloc(const char *name, schema **out, cdlt_error *err)
{
    *out = NULL;
    schema *s = mem_calloc(1, sizeof *s);
    if (!s)
        return err_nomem(err);
    arena_init(&s->mem, 16 * 1024, 0);
    map_init(&s->table_index);
    map_init(&s->regex_cache);
    s->name = schema_strdup(s, name ? name : "");
    if (!s->name) {
        schema_free(s);
        return err_nomem(err);
    }
    /* naming set directly (not via naming_init) so the defaults need no naming code */
    s->naming.kind = NAMING_SNAKE_CASE;
    s->naming.max_length = 0;
    s->naming.separator = "__";
    s->naming.case_sensitive = false;
    s->max_nesting = 1000;
    s->root_key_propagation = -1;
    s->allow_identifier_change = -1;
    s->extra_settings = jv_null();
    s->propagation = jv_null();
    s->json_config_extra = jv_null();
    *out = s;
    return CDLT_OK;
}

cdlt_status schema_new(const char *name, schema **out, cdlt_error *err)
{
    *out = NULL;
    if (!name || !*name)
        return err_set(err, CDLT_INVALID_ARG, "schema name must not be empty");
    schema *s = NULL;
    cdlt_status st = schema_alloc(name, &s, err);
    if (st != CDLT_OK)
        return st;
    s->detections = DETECT_ISO_TIMESTAMP;
    s->use_break_path_on_normalize = true;
    s->break_path_set = true;
    s->names_set = true;
    st = schema_add_normalizer_hints(s, err);
    if (st == CDLT_OK)
        st = schema_add_system_tables(s, err);
    if (st != CDLT_OK) {
        schema_free(s);
        return st;
    }
    *out = s;
    return CDLT_OK;
}

void schema_free(schema *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ntables; i++)
        map_free(&s->tables[i]->column_index);
    map_free(&s->table_index);
    schema_regex_cache_free(s);
    arena_free(&s->mem);
    mem_free(s);
}

char *schema_strdup(schema *s, const char *str)
{
    return str ? arena_strndup(&s->mem, str, strlen(str)) : NULL;
}
