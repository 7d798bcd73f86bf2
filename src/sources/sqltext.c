/* sqltext.c: SQL text shared by the sources that build queries (sql_database on PostgreSQL and
 * SQLite, read_csv_duckdb). */
#include "sources.h"

void src_sql_string(buf *b, const char *s, size_t n)
{
    /* standard SQL: only the quote doubles (PostgreSQL has standard_conforming_strings on
     * since 9.1, SQLite and DuckDB always); E'' forms are never written */
    buf_putc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'')
            buf_putc(b, '\'');
        buf_putc(b, s[i]);
    }
    buf_putc(b, '\'');
}
