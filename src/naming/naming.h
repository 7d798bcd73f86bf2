/* naming.h: dlt's naming conventions (snake_case, sql_cs_v1, sql_ci_v1, direct, duck_case),
 * path-aware normalization with the "__" separator, and identifier shortening with dlt's
 * 6-character SHAKE128 tag, so names match dlt's byte for byte (spec core.md §1). */
#ifndef CDLT_NAMING_H
#define CDLT_NAMING_H

#include "core/core.h"

typedef enum naming_kind {
    NAMING_SNAKE_CASE = 0, /* default */
    NAMING_SQL_CS_V1,
    NAMING_SQL_CI_V1,
    NAMING_DIRECT,
    NAMING_DUCK_CASE
} naming_kind;

typedef struct naming {
    naming_kind kind;
    size_t max_length;     /* 0 = no limit; else identifiers longer than this are shortened */
    const char *separator; /* "__" (direct: "▶") */
    bool case_sensitive;   /* sql_cs_v1, direct, duck_case */
} naming;

/* Set up a convention by name ("snake_case", ...); CDLT_NOT_FOUND for unknown names. */
cdlt_status naming_init(naming *n, const char *name, size_t max_length);
const char *naming_name(naming_kind kind);

/* All functions append the result to `out` (cleared first) and return CDLT_OK, or CDLT_NOMEM /
 * CDLT_TOO_LARGE from the buffer. Input is UTF-8 (s, len). */

/* normalize_identifier: one identifier (no path semantics). */
cdlt_status naming_identifier(const naming *n, const char *s, size_t len, buf *out);
/* normalize_table_identifier (same as identifier except in conventions not implemented here). */
cdlt_status naming_table_identifier(const naming *n, const char *s, size_t len, buf *out);
/* normalize_path: break on the separator, normalize each part, join, shorten (tag from the
 * original string). This is what the relational normalizer applies to JSON keys. */
cdlt_status naming_path(const naming *n, const char *s, size_t len, buf *out);
/* normalize_tables_path: as naming_path with table-identifier parts. */
cdlt_status naming_tables_path(const naming *n, const char *s, size_t len, buf *out);
/* shorten_fragments: join already-normalized parts with the separator, then shorten (tag
 * computed from the joined string). */
cdlt_status naming_join(const naming *n, const char *const *parts, const size_t *lens,
                        size_t nparts, buf *out);
/* shorten_identifier: normalized -> max_length with the tag computed from `source`. Appends
 * `normalized` unchanged when it fits. */
cdlt_status naming_shorten(const naming *n, const char *normalized, size_t nlen,
                           const char *source, size_t slen, buf *out);

#endif /* CDLT_NAMING_H */
