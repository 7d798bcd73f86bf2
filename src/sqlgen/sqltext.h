/* sqltext.h: SQL text helpers with no schema in them, for code that builds queries outside
 * the DDL generator (the SQL and file sources, DuckDB's read_parquet). */
#ifndef CDLT_SQLGEN_SQLTEXT_H
#define CDLT_SQLGEN_SQLTEXT_H

#include "core/core.h"

/* Append s (n bytes) as a standard SQL string literal: 'it''s' (PostgreSQL, DuckDB, SQLite). */
void sqlgen_string(buf *b, const char *s, size_t n);

#endif /* CDLT_SQLGEN_SQLTEXT_H */
