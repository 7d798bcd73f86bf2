/* norm_internal.h: the normalizer's private state shared by its files: per-table contexts,
 * per-(table, raw key) caches and per-(table, column name) slots, so naming and schema
 * lookups run once per distinct key instead of once per value (see docs/normalizer.md). */
#ifndef CDLT_NORM_INTERNAL_H
#define CDLT_NORM_INTERNAL_H

#include "normalize/normalize.h"

#include <regex.h>
#include <stddef.h>

/* norm_fast_value writes a tval as two words: header (type, flags, pad, len) and payload. */
_Static_assert(sizeof(tval) == 16 && offsetof(tval, flags) == 1 && offsetof(tval, len) == 4 &&
                   offsetof(tval, u) == 8 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "tval layout assumed by norm_fast_value");

typedef struct norm_table norm_table;

/* One column name inside one table (data column, variant or system column). */
typedef struct norm_slot {
    const char *name;    /* normalized column name (normalizer's arena) */
    uint32_t len;        /* bytes of name */
    int32_t col;         /* cached schema column index, -1 unknown */
    uint32_t epoch;      /* table layout epoch the cached index belongs to */
    uint32_t miss_ncols; /* t->ncolumns when the name was last found absent (+1; 0 = none) */
    uint32_t miss_epoch; /* epoch of that miss */
    uint8_t ctype;       /* type of column col (valid with col; saves a load of the column) */
    int8_t ctz;          /* its timezone setting */
    uint32_t in_gen;     /* row generation that last put this slot in the flat row */
    uint32_t in_pos;     /* its position in the flat row (for "later key overwrites") */
    uint32_t new_gen;    /* row generation that made this a pending new column */
    uint32_t new_pos;    /* position among the pending new columns */
    bool rules_known;    /* hint_bits/not_null/preferred computed */
    bool not_null;       /* a not_null default hint matches */
    bool is_dlt;         /* name starts with "_dlt" (exempt from contracts) */
    dtype preferred;     /* preferred_types match, DT_NONE when none */
    uint32_t hint_bits;  /* HINT_* from default hints */
    struct norm_slot *variant[DT__COUNT]; /* variant slots by value base type */
} norm_slot;

typedef struct norm_key norm_key;

/* One predicted key: the key's compare words and slot copied next to each other, so the usual
 * hit reads one sequential array entry instead of chasing key -> slot pointers. */
typedef struct norm_seq {
    uint64_t kw[2];  /* norm_key_words of the raw key */
    uint32_t rawlen; /* bytes of the raw key */
    uint32_t pad_;   /* unused */
    norm_key *k;     /* the key */
    norm_slot *slot; /* k->slot */
} norm_seq;

/* The keys met in dicts at one path of one table: a map plus the key order of the last dict,
 * so items with the usual shape hit with two word compares instead of a hash and a probe. */
typedef struct norm_keyset {
    map m;          /* raw key -> norm_key */
    norm_seq *seq;  /* seq[i] = key seen at member position i last time */
    uint32_t nseq;  /* valid entries in seq */
    uint32_t cap;   /* allocated entries */
} norm_keyset;

/* A raw key at one dict path inside one table: caches its normalized forms. */
struct norm_key {
    const char *nk;      /* normalized key fragment (normalize_path or "_empty") */
    uint32_t nklen;      /* bytes of nk */
    const char *raw;     /* raw key (copy) */
    uint32_t rawlen;     /* bytes of raw */
    uint64_t kw[2];      /* raw key probe words (norm_key_words): compare without a byte loop */
    uint32_t depth;      /* dict path length including this key */
    const char **frags;  /* dict path fragments ending with nk (depth entries) */
    size_t *flens;       /* their lengths */
    norm_slot *slot;     /* column named shorten_fragments(*path, nk) */
    norm_keyset children;/* keys of dict values under this key */
    norm_table *list_tab;/* nested table for list values under this key (lazy) */
};

/* Per-table context, created on first sight of a table name in this normalizer. */
struct norm_table {
    const char *name;    /* shortened table name */
    uint32_t len;        /* bytes of name */
    const char **frags;  /* unshortened path fragments (root name, dict/list keys...) */
    size_t *flens;       /* their lengths */
    uint32_t nfrags;     /* number of fragments */
    norm_table *parent;  /* parent context, NULL for roots */
    norm_table *root;    /* root context (self for roots) */
    schema_table *t;     /* schema table, NULL while the table does not exist */
    map slots;           /* column name -> norm_slot */
    norm_keyset keys;    /* top-level keys */
    uint32_t epoch;      /* bumped when columns move (incomplete column completed) */
    uint32_t list_gen;   /* row generation that last collected a list into this table */
    uint32_t list_pos;   /* position of that list in the list stack */
    /* root tables only: settings derived from the schema (refreshed when columns change) */
    uint32_t root_ncols; /* t->ncolumns when the settings below were computed; ~0 = never */
    int id_mode;         /* NORM_ID_* */
    bool propagate;      /* copy _dlt_id to nested rows as _dlt_root_id */
    int32_t max_nesting; /* effective max nesting */
    norm_slot **pk;      /* primary key slots (key hash mode) */
    norm_slot *sys[5];   /* system column slots, NORM_SYS_* (looked up once) */
    uint32_t npk;        /* number of pk slots */
};

enum { NORM_ID_RANDOM = 0, NORM_ID_KEY_HASH, NORM_ID_ROW_HASH };
enum { NORM_SYS_ID = 0, NORM_SYS_LOAD, NORM_SYS_ROOT, NORM_SYS_PARENT, NORM_SYS_IDX };

/* Flat row entry before coercion. */
typedef struct norm_entry {
    norm_slot *slot; /* target column name */
    const jv *v;     /* raw value (item memory or a synthetic value in a caller frame) */
} norm_entry;

/* Coerced value for one column. */
typedef struct norm_out {
    norm_slot *slot; /* column (existing or pending new) */
    tval v;          /* typed value */
} norm_out;

/* A column to add when the row commits. */
typedef struct norm_newcol {
    norm_slot *slot;  /* its name */
    dtype type;       /* inferred (or preferred) type */
    bool variant;     /* a variant column (data_type contract entity) */
    bool dropped;     /* removed by a discard_value contract */
    const jv *value;  /* first value (for contract messages) */
} norm_newcol;

/* A list collected by flatten, normalized after the row is emitted. */
typedef struct norm_list {
    norm_table *tab; /* nested table for its rows */
    const jv *v;     /* the JV_ARRAY */
} norm_list;

/* Compiled default hint / preferred type rule. */
typedef struct norm_rule {
    const char *pattern; /* exact name (when !is_re) */
    bool is_re;          /* compiled regex in re */
    regex_t re;          /* "re:" pattern */
    uint32_t hint_bit;   /* HINT_* for hints (0 for not_null / preferred types) */
    bool not_null;       /* the not_null hint */
    dtype type;          /* preferred type */
} norm_rule;

struct normalizer {
    schema *s;             /* schema updated in place */
    char *load_id;         /* copy of the load id */
    uint32_t load_id_len;  /* bytes of load_id */
    arena perm;            /* caches: contexts, keys, slots, names (lives with the normalizer) */
    arena batch;           /* row values and ids (reset by norm_batch_reset) */
    map tables;            /* shortened table name -> norm_table */
    map roots;             /* raw root table name -> norm_table */
    buf nb;                /* naming scratch */
    buf tmp;               /* hashing / message scratch */
    uint32_t gen;          /* row generation counter */
    /* reusable work vectors (grown with mem_realloc, never shrunk) */
    norm_entry *ent; uint32_t nent, cap_ent;       /* flat row */
    norm_out *out; uint32_t nout, cap_out;         /* coerced row */
    int32_t out_maxcol;    /* largest slot->col in out (valid for emission when nnc == 0) */
    uint32_t nfast;        /* leading flat-row entries flatten already coerced into out */
    bool fast_redo;        /* a duplicate key overwrote a fast entry: coerce the row from 0 */
    norm_newcol *nc; uint32_t nnc, cap_nc;         /* pending new columns */
    norm_list *lists; uint32_t nlists, cap_lists;  /* list stack (nested descent) */
    struct norm_frame *stk; uint32_t nstk, cap_stk;/* flatten stack */
    /* compiled settings */
    norm_rule *hints; uint32_t nhints;             /* default hints */
    norm_rule *prefs; uint32_t nprefs;             /* preferred types */
    /* system column names after naming */
    const char *c_dlt_id, *c_load_id, *c_root_id, *c_parent_id, *c_list_idx, *c_value, *c_list;
    /* row ids */
    uint64_t rng[4];       /* xoshiro256** state, seeded once from getrandom */
    void *md_ctx;          /* EVP_MD_CTX for SHAKE128 */
    void *md;              /* EVP_MD SHAKE128, fetched once (implicit fetch per init is slow) */
    norm_stats stats;      /* counters */
};

/* flatten.c */
/* Two words that, with the length, identify a key of up to 16 bytes: the first and last 8 (or
 * 4) bytes by overlapping loads, never reading outside [p, p+n). Longer keys need a memcmp. */
static inline void norm_key_words(const char *p, size_t n, uint64_t w[2])
{
    if (n >= 8) {
        memcpy(&w[0], p, 8);
        memcpy(&w[1], p + n - 8, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        w[0] = a;
        w[1] = b;
    } else {
        w[0] = n ? (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
                       (uint64_t)(unsigned char)p[n - 1] << 16
                 : 0;
        w[1] = 0;
    }
}
/* Blank after Python's str.strip() (such keys become "_empty"). */
bool norm_is_blank(const char *s, size_t n);
typedef struct norm_frame {
    const jv *obj;    /* dict being flattened */
    norm_keyset *keys;/* key cache for this dict path */
    norm_key *parent; /* key node of this dict (NULL at the row's top level) */
    int lvl;          /* nesting level left */
} norm_frame;
void norm_keyset_free(norm_keyset *ks);
cdlt_status norm_flatten(normalizer *n, norm_table *nt, const jv *obj, int lvl, cdlt_error *err);
norm_slot *norm_slot_get(normalizer *n, norm_table *nt, const char *name, size_t len);
norm_table *norm_table_get(normalizer *n, const char *name, size_t len, const char *const *frags,
                           const size_t *flens, uint32_t nfrags, norm_table *parent);
cdlt_status norm_entries_grow(normalizer *n);
/* Put a value in the flat row; a later duplicate overwrites, keeping the first position. */
static inline cdlt_status norm_add_entry(normalizer *n, norm_slot *slot, const jv *v)
{
    if (slot->in_gen == n->gen) {
        n->ent[slot->in_pos].v = v;
        if (slot->in_pos < n->nfast)
            n->fast_redo = true;
        return CDLT_OK;
    }
    if (CDLT_UNLIKELY(n->nent == n->cap_ent) && norm_entries_grow(n) != CDLT_OK)
        return CDLT_NOMEM;
    slot->in_gen = n->gen;
    slot->in_pos = n->nent;
    n->ent[n->nent].slot = slot;
    n->ent[n->nent].v = v;
    n->nent++;
    return CDLT_OK;
}
/* The schema column of a slot (cached, also when absent: columns are only ever added), or NULL. */
schema_column *norm_slot_column_slow(norm_table *nt, norm_slot *slot);
static inline schema_column *norm_slot_column(norm_table *nt, norm_slot *slot)
{
    schema_table *t = nt->t;
    if (!t)
        return NULL;
    if (CDLT_LIKELY(slot->epoch == nt->epoch)) {
        if (slot->col >= 0 && (uint32_t)slot->col < t->ncolumns)
            return &t->columns[slot->col];
        if (slot->miss_ncols == t->ncolumns + 1 && slot->miss_epoch == nt->epoch)
            return NULL;
    }
    return norm_slot_column_slow(nt, slot);
}

/* coerce.c: "YYYY-MM-DDTHH:MM:SSZ" -> UTC micros as types_coerce gives them; false = other form. */
bool norm_iso_z_fast(const char *s, int64_t *us);
/* The steady-state path of one value: an existing complete column c of the value's own JSON kind
 * (type ctype, timezone setting ctz; or an ISO "...Z" string into a timestamp column) gets the value written straight into *tv
 * (same result as types_from_jv / types_coerce; no temporary: a byte store then a 16-byte reload
 * of a tval temporary stalled store forwarding, ~10% of the bench). false: take the general path
 * (nothing useful written). */
static inline bool norm_fast_value(int ctype, int ctz, const jv *v, tval *tv)
{
    uint64_t u;           /* the payload word */
    uint32_t len = 0;     /* tval.len */
    uint32_t flags = 0;   /* tval.flags */
    switch ((jv_type)v->type) {
    case JV_STRING:
        if (CDLT_LIKELY(ctype == DT_TEXT)) {
            u = (uint64_t)(uintptr_t)v->u.s;
            len = v->len;
            break;
        }
        if (ctype == DT_TIMESTAMP && v->len == 20) {
            int64_t ts;
            if (!norm_iso_z_fast(v->u.s, &ts))
                return false;
            u = (uint64_t)ts;
            flags = ctz == 0 ? TV_NAIVE : 0;
            break;
        }
        return false;
    case JV_INT:
        if (ctype != DT_BIGINT)
            return false;
        u = (uint64_t)v->u.i;
        break;
    case JV_DOUBLE:
        if (ctype != DT_DOUBLE)
            return false;
        memcpy(&u, &v->u.d, 8);
        break;
    case JV_BOOL:
        if (ctype != DT_BOOL)
            return false;
        u = v->u.b ? 1 : 0; /* u.b is the low byte */
        break;
    case JV_OBJECT:
    case JV_ARRAY:
        if (ctype != DT_JSON)
            return false;
        u = (uint64_t)(uintptr_t)v;
        break;
    default:
        return false;
    }
    /* one 16-byte store: the row's consumers copy tvals as 16-byte loads, which cannot be
     * forwarded from several smaller stores (that stall was half of norm_commit_row) */
    typedef uint64_t v2u64 __attribute__((vector_size(16)));
    v2u64 w = {(uint64_t)(uint8_t)ctype | (uint64_t)flags << 8 | (uint64_t)len << 32, u};
    memcpy(tv, &w, sizeof w);
    return true;
}

/* Type of the slot's column (DT_NONE for incomplete), or -1 when it has no column. */
static inline int norm_slot_type(norm_table *nt, norm_slot *slot)
{
    schema_table *t = nt->t;
    if (CDLT_LIKELY(t && slot->epoch == nt->epoch && slot->col >= 0 &&
                    (uint32_t)slot->col < t->ncolumns))
        return slot->ctype;
    schema_column *c = norm_slot_column(nt, slot);
    return c ? (int)c->type : -1;
}

/* hints.c */
cdlt_status norm_rules_compile(normalizer *n, cdlt_error *err);
void norm_rules_free(normalizer *n);
void norm_slot_rules(normalizer *n, norm_slot *slot);

/* rowid.c */
void norm_rng_seed(normalizer *n);
void norm_random_id(normalizer *n, char out[15]);
/* base64 (unpadded) of a 10-byte digest: 14 characters and a NUL. */
void norm_b64_id(const unsigned char md[10], char out[15]);
cdlt_status norm_digest_id(normalizer *n, const void *data, size_t len, char out[15]);

/* shake4.c: SHAKE128 (10 bytes) of four inputs shorter than 168 bytes; false otherwise.
 * Each in[l] must be readable up to len[l] rounded down to 8, plus 8 bytes (whole words are
 * loaded and masked). */
bool norm_shake4(const char *const in[4], const size_t len[4], unsigned char out[4][10]);

/* coerce.c */
cdlt_status norm_coerce_row(normalizer *n, norm_table *nt, cdlt_error *err);
/* Short JSON text of a value for messages (into n->tmp). */
const char *norm_value_text(normalizer *n, const jv *v);

/* commit.c: contracts, schema updates and emission. *out_emitted false = row discarded. */
cdlt_status norm_commit_row(normalizer *n, norm_table *nt, norm_sink *sink, bool *out_emitted,
                            cdlt_error *err);

#endif /* CDLT_NORM_INTERNAL_H */
