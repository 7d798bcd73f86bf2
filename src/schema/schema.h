/* schema.h: the schema engine's data model: tables, columns, hints, settings, contracts, and the
 * stored document in dlt's engine-11 shape (spec core.md §3). Owned by src/schema/; read by the
 * normalizer, the storage layer and destinations. All strings are owned by the schema's arena. */
#ifndef CDLT_SCHEMA_H
#define CDLT_SCHEMA_H

#include "naming/naming.h"
#include "types/types.h"

#define SCHEMA_ENGINE_VERSION 11

/* Column key of an incomplete column: the dlt type its values have (a source whose item values
 * carry the type as text, e.g. sql_database at reflection_level minimal). The normalizer
 * creates the column with it once data arrives and drops the key then. */
#define SCHEMA_X_VALUE_TYPE "x-cdlt-value-type"

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
    uint32_t seq;       /* schema change counter when added / last merged (schema_updates_*) */
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
    uint32_t seq;                  /* schema change counter when the table was added */
    jv x_normalizer_extra;         /* unknown x-normalizer keys (JV_OBJECT or JV_NULL) */
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
    /* ---- additions (schema engine) ---- */
    uint32_t seq;                /* change counter: bumped per added table/column (schema_mark) */
    bool max_nesting_set;        /* max_nesting written to the document even when 1000 */
    jv propagation;              /* normalizers.json.config.propagation {root?, tables?}; JV_NULL */
    jv json_config_extra;        /* other normalizers.json.config keys (JV_OBJECT or JV_NULL) */
    const char *json_module;     /* normalizers.json.module; NULL = relational */
    int8_t allow_identifier_change; /* normalizers.allow_identifier_change_on_table_with_data */
    bool break_path_set;         /* use_break_path_on_normalize present in the document */
    bool names_set;              /* normalizers.names present (always true for new schemas) */
    const char *names_doc;       /* normalizers.names as the document spelled it; NULL = from
                                    naming.kind */
    map regex_cache;             /* "re:" pattern text -> compiled regex (hints.c) */
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
/* Append a column (name, description and extra copied) and return its index. Default hints
 * are not applied here (schema_apply_default_hints on new columns). CDLT_EXISTS (with
 * *out_index set) when the name is taken. Growth may move t->columns: keep indexes, not
 * pointers, across additions. */
cdlt_status table_add_column(schema *s, schema_table *t, const schema_column *col,
                             uint32_t *out_index, cdlt_error *err);
/* The root table of a nested table (itself for a root). */
schema_table *schema_root_table(const schema *s, const schema_table *t);
/* Effective write disposition (nested tables inherit the root's). */
write_disposition schema_table_disposition(const schema *s, const schema_table *t);
/* True for _dlt_version, _dlt_loads, _dlt_pipeline_state (after naming). */
bool schema_is_dlt_table(const char *name);

/* schema_get_table for a name that is not NUL-terminated. */
schema_table *schema_get_table_n(const schema *s, const char *name, size_t len);
/* Add the _dlt_pipeline_state table as dlt's extract declares it (write_disposition append,
 * file_format preferred, resource _dlt_pipeline_state); with_dlt_id also adds the _dlt_id
 * column the normalizer creates (not_null, unique, row_key). Existing table: returned as is. */
cdlt_status schema_add_pipeline_state_table(schema *s, bool with_dlt_id, schema_table **out,
                                            cdlt_error *err);
/* Index of a column or -1. */
int32_t table_column_index(const schema_table *t, const char *name, size_t len);
/* A column value with every property unset (type DT_NONE, nullable true, no hints). */
schema_column schema_column_init(const char *name, dtype type);
/* Merge an inferred column into table t under `name` (core.md §3.3): absent -> appended;
 * incomplete (DT_NONE) -> explicit values of the incomplete column win, the result is moved
 * to the end of the column order; complete -> existing values win, unset properties are
 * filled from `inferred`, position kept. *out_index gets the final index. */
cdlt_status schema_merge_column(schema *s, schema_table *t, const char *name, size_t len,
                                const schema_column *inferred, uint32_t *out_index,
                                cdlt_error *err);
/* True when the table has no columns or only incomplete ones (dlt's "new table" test). */
bool table_is_new(const schema_table *t);
/* True when the column has a data type. */
static inline bool column_is_complete(const schema_column *c) { return c->type != DT_NONE; }
/* Change counter: take a mark before normalizing, pass it to schema_updates_to_json. */
static inline uint32_t schema_mark(const schema *s) { return s->seq; }

/* ---- root key propagation (propagation.c) ---- */
/* normalizers.json.config.propagation.tables.<root_table> ({from: to} object) or NULL. */
const jv *schema_table_propagation(const schema *s, const char *root_table);
/* Record that root_table propagates from_col into descendants as to_col (dlt's relational
 * normalizer adds {"_dlt_id": "_dlt_root_id"} for merge tables). No change when present. */
cdlt_status schema_add_propagation(schema *s, const char *root_table, const char *from_col,
                                   const char *to_col);

/* ---- hints and preferred types (hints.c) ---- */
/* Apply settings.default_hints to a NEW column (core.md §3.3): not_null -> nullable false,
 * other hints set true. Patterns are exact names or "re:<regex>" (POSIX ERE, unanchored
 * search like Python re.search; see docs/schema.md for the differences). */
cdlt_status schema_apply_default_hints(schema *s, schema_column *col);
/* True when hint `hint` (e.g. "not_null", "unique") matches column name. */
bool schema_hint_matches(schema *s, const char *hint, const char *name, size_t len);
/* settings.preferred_types for a new column name; DT_NONE when no rule matches. */
dtype schema_preferred_type(schema *s, const char *name, size_t len);
/* Add a rule (strings copied). "re:" patterns are compiled and checked here:
 * CDLT_SCHEMA with a message for a bad regex. */
cdlt_status schema_add_default_hint(schema *s, const char *hint, const char *pattern,
                                    cdlt_error *err);
cdlt_status schema_add_preferred_type(schema *s, const char *pattern, dtype type,
                                      cdlt_error *err);
/* Check one pattern (exact or "re:"): does it match name? Compiles and caches "re:". */
bool schema_pattern_matches(schema *s, const char *pattern, const char *name, size_t len);

/* ---- schema contracts (contract.c) ---- */
const char *contract_mode_name(contract_mode m); /* "evolve", ...; NULL for CM_UNSET */
contract_mode contract_mode_parse(const char *s, size_t len); /* CM_UNSET when unknown */
static inline bool contract_is_set(const schema_contract *c)
{
    return c->tables != CM_UNSET || c->columns != CM_UNSET || c->data_type != CM_UNSET;
}
/* Parse a contract: a mode string (expands to all three entities) or an object with keys
 * tables / columns / data_type. JV_NULL gives an unset contract. */
cdlt_status schema_contract_from_jv(const jv *v, schema_contract *out, cdlt_error *err);
/* Print back: a string when all three entities are set to one mode, else an object with the
 * set entities; JV_NULL for an unset contract. Allocated in `a`. */
cdlt_status schema_contract_to_jv(const schema_contract *c, arena *a, jv *out);
/* Effective contract for table t (NULL = a table not in the schema yet): run-level override
 * (when set) -> the first table in t's parent chain with a schema_contract -> schema
 * settings -> evolve. Entities missing in the chosen level are evolve (dlt expands a partial
 * dict with evolve defaults). Never returns CM_UNSET. */
schema_contract schema_resolve_contract(const schema *s, const schema_table *t,
                                        const schema_contract *run_override);

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

/* Options for schema_to_jv (all false = the full stored document). */
typedef struct schema_doc_opts {
    bool remove_defaults;        /* export: drop `name` keys of tables/columns and
                                    imported_version_hash (dlt's remove_defaults) */
    bool remove_processing_hints;/* drop x-normalizer, x-stage-data-deduplicated, ... */
    bool for_hash;               /* drop version, version_hash, imported_version_hash,
                                    previous_hashes (the hashed content) */
    bool stored_version;         /* write version/version_hash/previous_hashes as stored
                                    (default: bumped like dlt's to_dict when stale) */
    bool drop_internal;          /* leave out cdlt's own "x-cdlt-" keys (SCHEMA_X_VALUE_TYPE):
                                    they live only in the extracted package's schema; also
                                    implied by for_hash and remove_defaults */
} schema_doc_opts;
/* Remove cdlt's own "x-cdlt-" keys from every column (end of normalize: what is stored,
 * loaded and exported is dlt's document). */
cdlt_status schema_drop_internal(schema *s);
/* The document as a value tree allocated in `a` (keys in dlt's order). */
cdlt_status schema_to_jv(const schema *s, const schema_doc_opts *opts, arena *a, jv *out);
/* schema_to_json with options (pretty: 2-space indent as dlt's to_pretty_json). */
cdlt_status schema_to_json_opts(const schema *s, const schema_doc_opts *opts, bool pretty,
                                buf *out);
/* A deep copy (same document, version fields and change counters). */
cdlt_status schema_clone(const schema *s, schema **out, cdlt_error *err);
/* Parse JSON text and load (convenience for files). */
cdlt_status schema_from_json(const char *text, size_t len, const char *file, schema **out,
                             cdlt_error *err);
/* Parse YAML text (libyaml; block or flow style) into a value tree in `a`. Scalars follow YAML
 * 1.1 core resolution as PyYAML's safe loader does for the values dlt writes: null/~, true/
 * false (also yes/no/on/off), integers, floats; quoted scalars stay strings. */
cdlt_status schema_yaml_parse(const char *text, size_t len, const char *file, arena *a, jv *out,
                              cdlt_error *err);
/* Emit any value tree as block-style YAML the way PyYAML's dump (sort_keys=False) does. */
cdlt_status schema_yaml_emit(const jv *v, buf *out);

/* ---- schema updates (updates.c) ---- */
/* dlt's schema_updates.json: {table: [partial table]} with the tables added after `mark`
 * (full) and, for older tables, the columns added or merged after `mark`. Compact JSON; "{}"
 * when nothing changed. */
cdlt_status schema_updates_to_json(const schema *s, uint32_t mark, buf *out);
/* True when anything was added after `mark`. */
bool schema_has_updates(const schema *s, uint32_t mark);

/* ---- files (io.c) ---- */
/* Save <dir>/<name>.schema.json (pretty), bumping the version first. Creates dir. */
cdlt_status schema_save(schema *s, const char *dir, cdlt_error *err);
/* Load <dir>/<name>.schema.json; CDLT_NOT_FOUND when absent. The stored version_hash is
 * checked: a mismatch (file edited by hand) is logged and the version bumped on next save. */
cdlt_status schema_load(const char *dir, const char *name, schema **out, cdlt_error *err);
typedef enum schema_file_format { SCHEMA_FMT_YAML = 0, SCHEMA_FMT_JSON } schema_file_format;
/* Export <dir>/<name>.schema.<yaml|json> with defaults removed (processing hints removed when
 * remove_processing_hints). */
cdlt_status schema_export(const schema *s, const char *dir, schema_file_format fmt,
                          bool remove_processing_hints, cdlt_error *err);
/* Import from <dir>/<name>.schema.<yaml|json> (core.md §3.5): when the file exists and its
 * content hash differs from s->imported_version_hash, the file's content replaces the schema
 * (*io_s replaced, old freed; version/previous_hashes carried over and bumped on next save)
 * and *out_replaced = true. CDLT_OK with *out_replaced = false when there is no file or it is
 * unchanged. */
cdlt_status schema_import(schema **io_s, const char *dir, schema_file_format fmt,
                          bool *out_replaced, cdlt_error *err);

#endif /* CDLT_SCHEMA_H */
