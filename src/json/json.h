/* json.h: the value tree every reader produces (JSON, NDJSON, TOML, YAML all yield `jv`), the
 * strict RFC 8259 reader, the streaming NDJSON / JSON-array reader, and the writer.
 * Values live in an arena: no per-value malloc, one reset frees a whole batch. */
#ifndef CDLT_JSON_H
#define CDLT_JSON_H

#include "core/core.h"

typedef enum jv_type {
    JV_NULL = 0,
    JV_BOOL,      /* u.b */
    JV_INT,       /* u.i: fits int64 */
    JV_UINT,      /* u.u: integer in (INT64_MAX, UINT64_MAX] */
    JV_BIGNUM,    /* u.s/len: integer beyond 64 bits, kept as its exact source text */
    JV_DOUBLE,    /* u.d: number with fraction or exponent */
    JV_STRING,    /* u.s/len: UTF-8, unescaped, NUL-terminated (may contain \0 inside) */
    JV_ARRAY,     /* u.items/len */
    JV_OBJECT,    /* u.members/len, in source order; duplicate keys kept as they appear */
    /* TOML date/time kinds; u.s/len holds the canonical RFC 3339 text */
    JV_DATETIME,       /* offset date-time, e.g. 1979-05-27T07:32:00Z */
    JV_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
    JV_DATE_LOCAL,     /* 1979-05-27 */
    JV_TIME_LOCAL      /* 07:32:00 */
} jv_type;

typedef struct jv jv;
typedef struct jv_member jv_member;

/* 16 bytes: small enough that arrays of values stay cache-friendly. */
struct jv {
    uint8_t type;  /* jv_type */
    uint8_t flags; /* JV_F_* */
    uint16_t pad_;
    uint32_t len;  /* string/bignum/datetime bytes, array items, object members */
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        const char *s;
        jv *items;
        jv_member *members;
    } u;
};

struct jv_member {
    const char *key; /* NUL-terminated, unescaped */
    uint32_t klen;   /* bytes of key */
    uint32_t pad_;
    jv value;
};

#define JV_F_ESCAPED 0x01 /* string had escapes in the source (informational) */
/* A JV_STRING that stands for a typed value of a source, as Python's Decimal and bytes do in
 * dlt (read_parquet's rows): exact decimal text, or binary as base64 text. A new column made
 * from such a value is decimal / binary (types_detect); JSON text drops the mark (a plain
 * string), cdlt's binary items keep it when the resource keeps kinds (jvb_enc_keep_kinds). */
#define JV_F_DECIMAL 0x02
#define JV_F_BINARY 0x04
#define JV_F_TYPED (JV_F_DECIMAL | JV_F_BINARY)

/* ---- construction and access (value.c) ---- */
static inline bool jv_is_num(const jv *v)
{
    return v->type == JV_INT || v->type == JV_UINT || v->type == JV_BIGNUM || v->type == JV_DOUBLE;
}
static inline bool jv_is_datetime(const jv *v)
{
    return v->type >= JV_DATETIME && v->type <= JV_TIME_LOCAL;
}
const char *jv_type_name(jv_type t); /* "null", "bool", "integer", ... */

jv jv_null(void);
jv jv_bool(bool b);
jv jv_int(int64_t i);
jv jv_double(double d);
/* String values copy `s` into the arena; NULL result on out-of-memory is reported by a
 * JV_NULL with flags 0xFF (check with jv_failed). */
jv jv_str(arena *a, const char *s, size_t n);
jv jv_str_typed(arena *a, jv_type t, const char *s, size_t n); /* BIGNUM, DATETIME kinds */
static inline bool jv_failed(const jv *v) { return v->type == JV_NULL && v->flags == 0xFF; }

/* Growable arrays/objects built in an arena (used by TOML, YAML and config code; the JSON
 * reader builds its own contiguous arrays directly). `cap` lives in pad_ of the header jv is
 * not enough, so builders keep it beside the value. */
typedef struct jv_builder {
    jv value;     /* JV_ARRAY or JV_OBJECT being built */
    uint32_t cap; /* allocated items / members */
} jv_builder;
void jv_builder_init(jv_builder *b, jv_type t); /* t = JV_ARRAY or JV_OBJECT */
cdlt_status jv_builder_push(jv_builder *b, arena *a, jv item);
cdlt_status jv_builder_set(jv_builder *b, arena *a, const char *key, size_t klen, jv value);

/* Object lookup by key (last duplicate wins, like most JSON consumers); NULL when absent or
 * when obj is not an object. Linear scan: objects in configs and items are small. */
const jv *jv_get(const jv *obj, const char *key);
const jv *jv_getn(const jv *obj, const char *key, size_t klen);
/* Follow a dotted path "a.b.c" through nested objects. */
const jv *jv_get_path(const jv *root, const char *dotted);
/* Deep structural equality (objects compared as key sets, order-insensitive). */
bool jv_equal(const jv *a, const jv *b);
/* Deep copy into another arena. */
cdlt_status jv_copy(arena *a, const jv *src, jv *out);

/* ---- reader (reader.c) ---- */
typedef struct json_opts {
    uint32_t max_depth;     /* nesting limit; 0 = default 512 */
    size_t max_string;      /* longest string in bytes; 0 = no limit */
    const char *file;       /* name used in error messages; may be NULL */
} json_opts;

/* Parse one complete JSON text (RFC 8259, strict: no comments, no trailing commas, UTF-8
 * validated, surrogate pairs checked). The text is copied into the arena, so `text` may be
 * freed afterwards. Errors carry line, column and byte offset. */
cdlt_status json_parse(const char *text, size_t len, arena *a, const json_opts *opts,
                       jv *out, cdlt_error *err);

/* ---- streaming reader (stream.c): NDJSON files of any size, or one JSON array of items,
 * in bounded memory. The format is detected from the first non-blank byte ('[' = array).
 * Blank lines are skipped. Item values live in the arena passed to json_stream_next. ---- */
typedef struct json_stream json_stream;
cdlt_status json_stream_open_file(const char *path, const json_opts *opts, json_stream **out,
                                  cdlt_error *err);
/* Read through the caller's byte source (e.g. a decompressor): rd fills up to n bytes and
 * sets *got (0 = end); `name` is the file name errors give. */
typedef cdlt_status (*json_read_fn)(void *ud, char *b, size_t n, size_t *got, cdlt_error *err);
cdlt_status json_stream_open_reader(json_read_fn rd, void *ud, const char *name,
                                   const json_opts *opts, json_stream **out, cdlt_error *err);
/* Take the input as whole JSON values one after another (each may span lines: a
 * pretty-printed object) instead of detecting NDJSON / array. Call before the first next. */
void json_stream_set_values(json_stream *s);
/* Read from memory (not copied: must outlive the stream). */
cdlt_status json_stream_open_mem(const char *data, size_t len, const json_opts *opts,
                                 json_stream **out, cdlt_error *err);
/* Next item into *out. Returns CDLT_OK with *out_eof = true at the end. Errors name file,
 * line, column and byte offset of the bad item. */
cdlt_status json_stream_next(json_stream *s, arena *a, jv *out, bool *out_eof, cdlt_error *err);
/* Position of the last item returned: 1-based line and byte offset of its first byte. */
void json_stream_position(const json_stream *s, int64_t *out_line, int64_t *out_offset);
/* Bytes consumed so far (for progress). */
uint64_t json_stream_bytes_read(const json_stream *s);
void json_stream_close(json_stream *s);

/* ---- binary items (jvb.c): the same values as compact binary, for items files cdlt writes
 * and reads back itself (no shortest-double formatting, escaping or per-row keys). A file is
 * JVB_MAGIC followed by the items jvb_encode appends; keys are numbered per file, so one
 * encoder writes one file (jvb_enc_reset when a new file starts). ---- */
extern const char JVB_MAGIC[8];
typedef struct jvb_enc jvb_enc;
cdlt_status jvb_enc_new(jvb_enc **out);
void jvb_enc_reset(jvb_enc *e);
void jvb_enc_free(jvb_enc *e);
/* Append one item (length-prefixed) to out, as JSON text would carry it: non-finite doubles
 * become null, date/time kinds strings. CDLT_PARSE: a string or key is not valid UTF-8. */
cdlt_status jvb_encode(jvb_enc *e, const jv *v, buf *out);
/* Keep date/time kinds (JV_DATETIME, _LOCAL, JV_DATE_LOCAL, JV_TIME_LOCAL) as such instead of
 * strings, and the JV_F_TYPED marks of strings, for a source whose values are typed where
 * JSON text would lose it (read_parquet's dates, times, decimals and bytes, which dlt types
 * from pyarrow's values). Off by default; stays across jvb_enc_reset. */
void jvb_enc_keep_kinds(jvb_enc *e, bool keep);
typedef struct jvb_stream jvb_stream;
/* opts: max_depth and the file name for messages, as json_stream_open_file. */
cdlt_status jvb_stream_open_file(const char *path, const json_opts *opts, jvb_stream **out,
                                 cdlt_error *err);
/* Next item into the arena (*eof at the end); values outlive the stream's buffer. */
cdlt_status jvb_stream_next(jvb_stream *s, arena *a, jv *out, bool *eof, cdlt_error *err);
uint64_t jvb_stream_bytes_read(const jvb_stream *s);
int64_t jvb_stream_item(const jvb_stream *s); /* items read so far */
void jvb_stream_close(jvb_stream *s);

/* ---- writer (writer.c) ---- */
enum {
    JSON_W_SORT_KEYS = 1 << 0, /* canonical form: object keys sorted bytewise (for hashes) */
    JSON_W_PRETTY = 1 << 1,    /* 2-space indented */
    JSON_W_ASCII = 1 << 2      /* escape non-ASCII as \uXXXX */
};
/* Append the value to out. Compact by default: no spaces, like orjson. Doubles in shortest
 * round-trip form, always with a '.' or exponent so they read back as doubles ("3.0").
 * NaN/Infinity are not JSON: written as null. Datetime kinds are written as strings. */
cdlt_status json_write(buf *out, const jv *v, unsigned flags);
/* Append a JSON string literal (quotes, escapes) for s[0..n). */
cdlt_status json_write_string(buf *out, const char *s, size_t n, unsigned flags);
/* Shortest round-trip text of a double into out (>= 32 bytes); returns the length.
 * Integral values get ".0"; exponents as "1e+20"/"1e-05" only where JSON form needs them. */
size_t json_fmt_double(double d, char *out);

#endif /* CDLT_JSON_H */
