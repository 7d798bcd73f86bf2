/* toml_internal.h: state shared by the TOML reader's files (lexer, strings, numbers, date/time,
 * values, tables). Private to src/toml/ and its tests; the public entry point is toml.h. */
#ifndef CDLT_TOML_INTERNAL_H
#define CDLT_TOML_INTERNAL_H

#include "toml/toml.h"

/* Deepest nesting of arrays/inline tables inside one value, and deepest table nesting through
 * keys. Both bound the recursion of the parser and of the final tree conversion, so a hostile
 * file cannot exhaust the stack. Real config files stay below 10. */
#define TOML_MAX_NEST 128
#define TOML_MAX_DEPTH 256

/* Longest canonical date/time text: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+HH:MM" is 35 bytes. */
#define TOML_DT_MAX 40

typedef enum toml_node_kind {
    TN_TABLE = 0, /* a table: [header], implicit, dotted-key or inline-table root */
    TN_AOT,       /* array of tables made with [[header]]; elements are TN_TABLE nodes */
    TN_VALUE      /* a finished value (scalar, static array or inline table): immutable */
} toml_node_kind;

enum {
    TF_HEADER = 1 << 0, /* defined by its own [header] or [[header]]: no second definition */
    TF_DOTTED = 1 << 1  /* created or extended by dotted keys: no [header] may define it */
};

typedef struct toml_node toml_node;
struct toml_node {
    const char *key;    /* member name (NUL-terminated, in the output arena); NULL for AOT items */
    uint32_t klen;      /* bytes of key */
    uint32_t id;        /* this node's id: the parent half of its children's index keys */
    uint8_t kind;       /* toml_node_kind */
    uint8_t flags;      /* TF_* */
    uint16_t depth;     /* table nesting below the root it hangs from */
    uint32_t section;   /* section whose dotted keys created/extended this table */
    uint32_t count;     /* children (TN_TABLE) or elements (TN_AOT) */
    size_t defined_at;  /* byte offset of the key that created it, for "first defined at" */
    toml_node *first;   /* first child / element, in definition order */
    toml_node *last;    /* last child / element (appends are O(1)) */
    toml_node *next;    /* next sibling in the parent's list */
    jv value;           /* TN_VALUE: the value itself */
};

/* One part of a dotted key. */
typedef struct toml_key {
    const char *s; /* unescaped, NUL-terminated, in the output arena */
    uint32_t len;  /* bytes of s */
    size_t at;     /* byte offset of the part in the document, for messages */
} toml_key;

typedef struct toml_parser {
    const char *text;  /* the document (offsets and line numbers count from here) */
    const char *p;     /* cursor */
    const char *end;   /* one past the last byte; the text need not be NUL-terminated */
    const char *file;  /* name for messages; may be NULL */
    arena *out;        /* caller's arena: everything in the result lives here */
    arena scratch;     /* nodes, key lists and index keys; freed when parsing ends */
    map index;         /* (parent id, key) -> child node: O(1) duplicate checks */
    buf tmp;           /* text being unescaped / cleaned (strings, numbers) */
    buf ikey;          /* index lookup key being built */
    cdlt_error *err;   /* where failures are reported */
    toml_node *root;   /* the document table */
    toml_node *cur;    /* table that receives key/value lines (last [header]) */
    uint32_t section;  /* id of the current [header] section */
    uint32_t next_id;  /* next node / section id */
    uint32_t nest;     /* current array / inline table nesting */
} toml_parser;

/* ---- lexer.c ---- */
/* Report a syntax error at byte `at` (pointer into the text). Always returns CDLT_PARSE. */
cdlt_status toml_fail(toml_parser *p, const char *at, const char *fmt, ...) CDLT_PRINTF(3, 4);
/* Report a semantic error (e.g. redefinition) at byte offset `off`. */
cdlt_status toml_fail_off(toml_parser *p, size_t off, const char *fmt, ...) CDLT_PRINTF(3, 4);
cdlt_status toml_nomem(toml_parser *p);
/* 1-based line of byte offset `off`. */
int64_t toml_line_of(const toml_parser *p, size_t off);
/* Whole-document UTF-8 check (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
cdlt_status toml_check_utf8(toml_parser *p);
/* Skip spaces and tabs. */
void toml_skip_ws(toml_parser *p);
/* Skip a comment if one starts at the cursor (validating its characters). */
cdlt_status toml_skip_comment(toml_parser *p);
/* Skip whitespace, comments and newlines (inside arrays). */
cdlt_status toml_skip_ws_nl(toml_parser *p);
/* After a value or header: whitespace, optional comment, then newline or end of file. */
cdlt_status toml_expect_eol(toml_parser *p, const char *after);
/* Printable description of the byte at q for messages ("'x'", "end of file", "newline"). */
const char *toml_describe(const toml_parser *p, const char *q, char *tmp, size_t n);

static inline bool toml_eof(const toml_parser *p) { return p->p >= p->end; }
static inline bool toml_is_bare(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}
static inline bool toml_is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* ---- strings.c ---- */
/* Parse a string of any kind at the cursor (which is on a quote); the unescaped bytes are left
 * in p->tmp. Multi-line forms are refused when !multiline (keys). */
cdlt_status toml_parse_string(toml_parser *p, bool multiline);
/* Parse a (possibly dotted) key; parts are allocated in the scratch arena. */
cdlt_status toml_parse_key(toml_parser *p, toml_key **out_keys, uint32_t *out_n);
/* "a.b.\"c d\"" for messages, truncated to fit. */
void toml_key_text(const toml_key *keys, uint32_t n, char *out, size_t cap);

/* ---- numbers.c ---- */
/* Parse a bare token (integer, float, boolean, inf/nan) at the cursor. */
cdlt_status toml_parse_scalar(toml_parser *p, jv *out);

/* ---- datetime.c ---- */
typedef struct toml_dt {
    jv_type type;             /* JV_DATETIME, JV_DATETIME_LOCAL, JV_DATE_LOCAL, JV_TIME_LOCAL */
    uint32_t len;             /* bytes of text */
    char text[TOML_DT_MAX];   /* canonical text (see docs/toml.md), NUL-terminated */
} toml_dt;
/* Scan a date/time at s[0..n). Returns the bytes used, or 0 with *why (what is wrong and what
 * is expected) and *bad (offset of the offending byte). Does not look past the value. */
size_t toml_datetime_scan(const char *s, size_t n, toml_dt *out, const char **why, size_t *bad);
/* True when the text at s looks like the start of a date or time (YYYY- or HH:). */
bool toml_datetime_starts(const char *s, size_t n);

/* ---- values.c ---- */
/* Parse any value at the cursor into *out (arrays and inline tables recursively). */
cdlt_status toml_parse_value(toml_parser *p, jv *out);

/* ---- tables.c ---- */
cdlt_status toml_tables_init(toml_parser *p);
/* A fresh root for an inline table (not linked anywhere). */
toml_node *toml_node_root(toml_parser *p);
/* [header] (aot=false) or [[header]] (aot=true): make p->cur the named table. */
cdlt_status toml_open_table(toml_parser *p, const toml_key *keys, uint32_t n, bool aot,
                            const char *at);
/* key = value inside table t, created during `section`. */
cdlt_status toml_put(toml_parser *p, toml_node *t, const toml_key *keys, uint32_t n,
                     uint32_t section, jv value);
/* Convert a finished node tree into a jv (objects in definition order). */
cdlt_status toml_node_to_jv(toml_parser *p, const toml_node *n, jv *out);

#endif /* CDLT_TOML_INTERNAL_H */
