/* schema.h: the schema engine's data model: tables, columns, hints, settings, contracts, and the
 * stored document in dlt's engine-11 shape (spec core.md §3). Owned by src/schema/; read by the
 * normalizer, the storage layer and destinations. All strings are owned by the schema's arena. */
#ifndef CDLT_SCHEMA_H
#define CDLT_SCHEMA_H

#include "naming/naming.h"
#include "types/types.h"

#define SCHEMA_ENGINE_VERSION 11

/* Boolean column hints (bit set). */
enum {
    HINT_PRIMARY_KEY = 1u << 0,
    HINT_MERGE_KEY = 1u << 1,
    HINT_UNIQUE = 1u << 2,
    HINT_ROW_KEY = 1u << 3,
    HINT_PARENT_KEY = 1u << 4,
    HINT_ROOT_KEY = 1u << 5,
    HINT_HARD_DELETE = 1u << 6,
    HINT_PARTITION = 1u << 7,
    HINT_CLUSTER = 1u << 8,
    HINT_SORT = 1u << 9,
    HINT_VARIANT = 1u << 10,
    HINT_INCREMENTAL = 1u << 11
};

typedef enum write_disposition {
    WD_UNSET = 0, /* nested tables: inherited from the root */
    WD_APPEND,
    WD_REPLACE,
    WD_MERGE,
    WD_SKIP
} write_disposition;

typedef enum merge_strategy {
    MS_UNSET = 0,
    MS_DELETE_INSERT,
    MS_UPSERT,
    MS_INSERT_ONLY,
    MS_SCD2
} merge_strategy;

typedef enum contract_mode {
    CM_UNSET = 0, /* inherit */
    CM_EVOLVE,
    CM_FREEZE,
    CM_DISCARD_ROW,
    CM_DISCARD_VALUE
} contract_mode;

typedef struct schema_contract {
    contract_mode tables;    /* new tables */
    contract_mode columns;   /* new columns on existing tables */
    contract_mode data_type; /* variant columns / type changes */
} schema_contract;

typedef struct schema_column {
    const char *name;   /* normalized name */
    uint32_t name_len;
    dtype type;         /* DT_NONE = incomplete column (hints only) */
    bool nullable;      /* default true */
    int8_t timezone;    /* -1 unset (true), 0 false, 1 true */
    int8_t dedup_sort;  /* 0 none, 1 asc, -1 desc */
    uint32_t hints;     /* HINT_* */
    int32_t precision;  /* -1 unset */
    int32_t scale;      /* -1 unset */
    const char *description; /* NULL when absent */
    jv extra;           /* other keys (x-... hints), JV_OBJECT or JV_NULL; kept for round trips */
} schema_column;

typedef struct schema_table {
    const char *name;
    const char *parent;            /* NULL for root tables */
    const char *resource;          /* NULL = same as name */
    const char *description;
    write_disposition disposition; /* WD_UNSET on nested tables */
    merge_strategy strategy;       /* x-merge-strategy */
    schema_contract contract;      /* table schema_contract (CM_UNSET = inherit) */
    int32_t max_nesting;           /* x-normalizer.max_nesting, -1 unset */
    bool seen_data;                /* x-normalizer.seen-data */
    bool evolve_columns_once;      /* x-normalizer.evolve-columns-once */
    const char *file_format;       /* NULL unset */
    const char *table_format;      /* NULL unset */
    schema_column *columns;        /* in column order */
    uint32_t ncolumns;
    uint32_t cap_columns;
    map column_index;              /* name -> (void*)(uintptr_t)(index + 1) */
    jv extra;                      /* other keys (x-..., filters, references), kept verbatim */
} schema_table;

typedef struct schema_type_rule {
    const char *pattern; /* exact column name, or "re:<regex>" */
    dtype type;          /* preferred type (preferred_types) */
} schema_type_rule;

typedef struct schema_hint_rule {
    const char *hint;    /* "not_null", "unique", "row_key", "parent_key", "root_key", ... */
    const char *pattern; /* exact name or "re:<regex>" */
} schema_hint_rule;

typedef struct schema {
    arena mem;                   /* owns every string and array of the schema */
    const char *name;
    int64_t version;             /* 0 = never saved */
    const char *version_hash;    /* base64 SHA3-256, NULL before first save */
    const char *previous_hashes[10]; /* newest first */
    uint32_t nprevious;
    const char *imported_version_hash;
    const char *description;
    /* tables in insertion order; dlt system tables are always present */
    schema_table **tables;
    uint32_t ntables;
    uint32_t cap_tables;
    map table_index;             /* name -> schema_table* */
    /* settings */
    unsigned detections;         /* DETECT_* bit set */
    schema_type_rule *preferred_types;
    uint32_t npreferred_types;
    schema_hint_rule *default_hints;
    uint32_t ndefault_hints;
    schema_contract contract;    /* settings.schema_contract */
    /* normalizers */
    naming naming;               /* normalizers.names */
    int32_t max_nesting;         /* normalizers.json.config.max_nesting; default 1000 */
    int8_t root_key_propagation; /* -1 unset, 0 false, 1 true */
    bool use_break_path_on_normalize; /* default true for new schemas */
    jv extra_settings;           /* unknown settings keys kept for round trips */
} schema;

/* ---- lifecycle (schema.c) ---- */
/* A new empty schema with dlt's defaults (naming snake_case, detections iso_timestamp,
 * relational default hints, _dlt_version and _dlt_loads tables). */
cdlt_status schema_new(const char *name, schema **out, cdlt_error *err);
void schema_free(schema *s);

/* ---- tables and columns (table.c) ---- */
schema_table *schema_get_table(const schema *s, const char *name);
/* Add a table (name already normalized); parent NULL for root. Returns the existing one when
 * present. */
cdlt_status schema_add_table(schema *s, const char *name, const char *parent,
                             schema_table **out, cdlt_error *err);
static inline schema_column *table_get_column(const schema_table *t, const char *name,
                                              size_t len)
{
    uintptr_t i = (uintptr_t)map_get(&t->column_index, name, len);
    return i ? &t->columns[i - 1] : NULL;
}
/* Append a column (name copied) and return its index. */
cdlt_status table_add_column(schema *s, schema_table *t, const schema_column *col,
                             uint32_t *out_index, cdlt_error *err);
/* The root table of a nested table (itself for a root). */
schema_table *schema_root_table(const schema *s, const schema_table *t);
/* Effective write disposition (nested tables inherit the root's). */
write_disposition schema_table_disposition(const schema *s, const schema_table *t);
/* True for _dlt_version, _dlt_loads, _dlt_pipeline_state (after naming). */
bool schema_is_dlt_table(const char *name);

/* ---- stored document (document.c) ---- */
/* The schema as dlt's engine-11 JSON document (pretty or compact). */
cdlt_status schema_to_json(const schema *s, bool pretty, buf *out);
/* The same as YAML (export format). `strip_defaults` removes what dlt's export removes. */
cdlt_status schema_to_yaml(const schema *s, bool strip_defaults, buf *out);
/* Load from a parsed document (JSON or YAML tree). */
cdlt_status schema_from_jv(const jv *doc, schema **out, cdlt_error *err);
/* Recompute version_hash; when it differs from the stored one, bump version and shift the
 * old hash into previous_hashes (dlt's save semantics). Returns true via *out_changed. */
cdlt_status schema_bump_version(schema *s, bool *out_changed, cdlt_error *err);
/* Compute the version hash without changing the schema. out gets base64 (44 chars + NUL). */
cdlt_status schema_compute_hash(const schema *s, char out[64]);

#endif /* CDLT_SCHEMA_H */
