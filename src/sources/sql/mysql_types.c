/* mysql_types.c: MySQL/MariaDB column types -> dlt hints, as dlt's sql_database derives them
 * through SQLAlchemy's MySQL dialect (dlt/sources/sql_database/schema_types.py over
 * sqlalchemy/dialects/mysql/types.py). The dialect decides a few surprises that we keep:
 * TINYINT (also BOOL = tinyint(1)) is a plain Integer, not Boolean; DOUBLE/REAL return
 * decimals (asdecimal=True) so they map to decimal; YEAR and BIT have no SQLAlchemy family and
 * are left to inference. */
#include "sources/sql/mysql.h"

#include <stdlib.h>
#include <string.h>

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* Longest value of an ENUM('a','bc') / SET(...) COLUMN_TYPE: SQLAlchemy's length for them. */
static int32_t enum_max_len(const char *column_type)
{
    const char *p = strchr(column_type, '(');
    if (!p)
        return -1;
    int32_t best = 0;
    p++;
    while (*p == '\'') {
        int32_t n = 0;
        p++;
        for (; *p; p++) {
            if (*p == '\'' && p[1] == '\'') { /* doubled quote inside a value */
                p++;
            } else if (*p == '\'') {
                p++;
                break;
            }
            if ((*p & 0xC0) != 0x80) /* count characters, not UTF-8 continuation bytes */
                n++;
        }
        if (n > best)
            best = n;
        if (*p == ',')
            p++;
    }
    return best;
}

/* "double(10,2)" -> 10, 2; false when no (M,D) is declared. */
static bool declared_md(const char *column_type, int32_t *m, int32_t *d)
{
    const char *p = strchr(column_type, '(');
    if (!p)
        return false;
    char *end;
    long a = strtol(p + 1, &end, 10);
    if (end == p + 1)
        return false;
    *m = (int32_t)a;
    *d = -1;
    if (*end == ',')
        *d = (int32_t)strtol(end + 1, NULL, 10);
    return true;
}

void sqlmy_map_type(const char *data_type, const char *column_type, int64_t char_len,
                    int64_t num_prec, int64_t num_scale, sqlmy_level level, sqlmy_column *out)
{
    out->type = DT_NONE;
    out->precision = -1;
    out->scale = -1;
    out->has_timezone = false;
    out->skip_on_minimal = is(data_type, "json");
    if (level == SQLMY_MINIMAL)
        return;
    bool prec = level == SQLMY_FULL_PRECISION;
    const char *t = data_type;
    if (is(t, "tinyint") || is(t, "mediumint") || is(t, "int") || is(t, "integer") ||
        is(t, "bigint")) {
        out->type = DT_BIGINT;
    } else if (is(t, "smallint")) {
        out->type = DT_BIGINT;
        if (prec)
            out->precision = 32; /* dlt gives every SmallInteger precision 32 */
    } else if (is(t, "decimal") || is(t, "numeric")) {
        out->type = DT_DECIMAL; /* precision and scale at every level above minimal */
        if (num_prec >= 0) {
            out->precision = (int32_t)num_prec;
            if (num_scale >= 0)
                out->scale = (int32_t)num_scale;
        }
    } else if (is(t, "float")) {
        out->type = DT_DOUBLE;
    } else if (is(t, "double") || is(t, "real") || is(t, "double precision")) {
        /* SQLAlchemy's MySQL DOUBLE returns Decimal: dlt types it decimal, with precision and
         * scale only when the column declares (M,D) (information_schema's 22 is not declared). */
        out->type = DT_DECIMAL;
        int32_t m, d;
        if (declared_md(column_type, &m, &d)) {
            out->precision = m;
            out->scale = d;
        }
    } else if (is(t, "char") || is(t, "varchar")) {
        out->type = DT_TEXT;
        if (prec && char_len > 0)
            out->precision = (int32_t)char_len;
    } else if (is(t, "tinytext") || is(t, "text") || is(t, "mediumtext") || is(t, "longtext")) {
        out->type = DT_TEXT; /* reflected without a length */
    } else if (is(t, "enum")) {
        out->type = DT_TEXT;
        if (prec) {
            int32_t n = enum_max_len(column_type);
            if (n > 0)
                out->precision = n;
        }
    } else if (is(t, "set")) {
        /* dlt cannot load SET values at all (SQLAlchemy hands it a Python set, which its
         * JSON writer refuses); cdlt loads the server's "a,b" text, so the length is the
         * longest such text (the server's CHARACTER_MAXIMUM_LENGTH), not SQLAlchemy's
         * longest member, or a PostgreSQL varchar would refuse "a,bb" */
        out->type = DT_TEXT;
        if (prec && char_len > 0)
            out->precision = (int32_t)char_len;
    } else if (is(t, "binary") || is(t, "varbinary")) {
        out->type = DT_BINARY;
        if (prec && char_len > 0)
            out->precision = (int32_t)char_len;
    } else if (is(t, "tinyblob") || is(t, "blob") || is(t, "mediumblob") || is(t, "longblob")) {
        out->type = DT_BINARY;
    } else if (is(t, "date")) {
        out->type = DT_DATE;
    } else if (is(t, "datetime") || is(t, "timestamp")) {
        out->type = DT_TIMESTAMP;
        out->has_timezone = true; /* timezone=false: MySQL has no zoned timestamp type */
    } else if (is(t, "time")) {
        out->type = DT_TIME;
    } else if (is(t, "json")) {
        out->type = DT_JSON; /* MySQL's JSON; MariaDB's JSON is longtext -> text */
    }
    /* year, bit, geometry, uuid, inet4/6, ...: no hint, the values decide */
}
