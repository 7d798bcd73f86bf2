/* infer.c: dlt's read_csv typing. dlt hands each chunk of `chunksize` records to
 * pandas.read_csv and yields df.to_dict("records"), so a value's type depends on its whole
 * column within the chunk: all integers -> int64; integers and floats, or integers with a
 * missing value -> float64 (pandas has no NA integer there); all True/False -> bool; anything
 * else -> the texts as written. Missing values (NA) are the empty field and pandas' default
 * NA words; they reach dlt as NaN, which dlt writes as null. The records of a chunk are kept
 * in one byte buffer and one cell array (no allocation per value) and typed at flush.
 * Where we differ from pandas on purpose (docs/csv.md): a quoted field is always text, never
 * NA, so "" stays an empty string. */
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cell {
    size_t off;     /* bytes in t->data */
    uint32_t len;   /* length */
    uint32_t flags; /* CSV_F_* and C_* (what the typing pass found) */
    union {
        int64_t i;  /* C_INT: the value */
        double d;   /* C_FLOAT: the value */
    } v;
} cell;

/* Typing-pass results kept on the cell, so the build pass parses nothing again. */
#define C_NA 0x100u
#define C_INT 0x200u
#define C_FLOAT 0x400u

struct csv_table {
    char **names;     /* column names (owned) */
    size_t *lens;     /* their lengths */
    size_t ncols;     /* columns */
    size_t chunk;     /* records per chunk */
    cell *cells;      /* rows * ncols */
    size_t rows;      /* records kept */
    buf data;         /* field bytes, each NUL-terminated */
    uint8_t *kind;    /* per column: the type chosen at flush */
};

enum { K_INT, K_FLOAT, K_BOOL, K_TEXT };

cdlt_status csv_table_open(const char *const *names, const size_t *lens, size_t ncols,
                           size_t chunk_rows, csv_table **out, cdlt_error *err)
{
    *out = NULL;
    csv_table *t = mem_calloc(1, sizeof *t);
    if (!t)
        return err_nomem(err);
    t->ncols = ncols;
    t->chunk = chunk_rows ? chunk_rows : 10000;
    t->names = mem_calloc(ncols ? ncols : 1, sizeof *t->names);
    t->lens = mem_calloc(ncols ? ncols : 1, sizeof *t->lens);
    t->kind = mem_calloc(ncols ? ncols : 1, 1);
    t->cells = mem_calloc(t->chunk * (ncols ? ncols : 1), sizeof *t->cells);
    bool ok = t->names && t->lens && t->kind && t->cells;
    for (size_t i = 0; ok && i < ncols; i++) {
        t->names[i] = mem_strndup(names[i], lens[i]);
        t->lens[i] = lens[i];
        ok = t->names[i] != NULL;
    }
    if (!ok) {
        csv_table_close(t);
        return err_nomem(err);
    }
    *out = t;
    return CDLT_OK;
}

void csv_table_close(csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->names && i < t->ncols; i++)
        mem_free(t->names[i]);
    mem_free(t->names);
    mem_free(t->lens);
    mem_free(t->kind);
    mem_free(t->cells);
    buf_free(&t->data);
    mem_free(t);
}

size_t csv_table_cols(const csv_table *t) { return t->ncols; }
size_t csv_table_rows(const csv_table *t) { return t->rows; }

cdlt_status csv_table_add(csv_table *t, const csv_field *f, size_t n, bool *full,
                          cdlt_error *err)
{
    if (n != t->ncols)
        return err_set(err, CDLT_INVALID_ARG, "csv_table_add: %zu fields for %zu columns", n,
                       t->ncols);
    cell *row = t->cells + t->rows * t->ncols;
    size_t need = n;
    for (size_t i = 0; i < n; i++)
        need += f[i].len;
    if (buf_reserve(&t->data, need) != CDLT_OK)
        return err_nomem(err);
    char *w = t->data.data + t->data.len;
    for (size_t i = 0; i < n; i++) {
        row[i] = (cell){.off = (size_t)(w - t->data.data), .len = f[i].len, .flags = f[i].flags};
        memcpy(w, f[i].p, f[i].len);
        w += f[i].len;
        *w++ = 0;
    }
    t->data.len = (size_t)(w - t->data.data);
    t->rows++;
    *full = t->rows >= t->chunk;
    return CDLT_OK;
}

/* pandas' default NA words (na_values with keep_default_na=True), by length: a number cell
 * is rejected by its length or one byte compare. */
static bool is_na_word(const char *s, size_t n)
{
#define EQ(w) (memcmp(s, w, n) == 0)
    switch (n) {
    case 0:
        return true;
    case 2:
        return EQ("NA");
    case 3:
        return s[0] != '1' && s[0] != '-' ? (EQ("#NA") || EQ("N/A") || EQ("NaN") || EQ("n/a") ||
                                            EQ("nan"))
                                          : false;
    case 4:
        return s[0] == '-' ? (EQ("-NaN") || EQ("-nan"))
                           : (EQ("#N/A") || EQ("<NA>") || EQ("NULL") || EQ("None") ||
                              EQ("null"));
    case 6:
        return EQ("1.#IND");
    case 7:
        return EQ("-1.#IND") || EQ("1.#QNAN");
    case 8:
        return EQ("#N/A N/A") || EQ("-1.#QNAN");
    default:
        return false;
    }
#undef EQ
}

static bool is_na(const cell *c, const char *s)
{
    return !(c->flags & CSV_F_QUOTED) && is_na_word(s, c->len);
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* Trim the spaces pandas' number parsers skip. */
static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s))
        (*s)++, (*n)--;
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* A decimal integer ([+-]digits) in int64 range. */
static bool parse_int(const char *s, size_t n, int64_t *out)
{
    trim(&s, &n);
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return false;
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* A decimal float as pandas reads it: [+-](digits[.digits]|.digits)([eE][+-]digits), or
 * inf / infinity in any case. No hex, no nan(...) (strtod would take those). */
static bool parse_float(const char *s, size_t n, double *out)
{
    trim(&s, &n);
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    size_t rest = n - i;
    if (rest && (s[i] == 'i' || s[i] == 'I') &&
        ((rest == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
         (rest == 8 && strncasecmp(s + i, "infinity", 8) == 0))) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (!ed)
            return false;
    }
    if (i != n)
        return false;
    char tmp[64];
    const char *z = s;
    if (n < sizeof tmp) { /* the cell is NUL-terminated only before trimming */
        memcpy(tmp, s, n);
        tmp[n] = 0;
        z = tmp;
    } else if (s[n] != 0) {
        return false;
    }
    errno = 0;
    *out = strtod(z, NULL);
    return true; /* overflow gives +-inf, as pandas */
}

static int parse_bool(const char *s, size_t n)
{
    if ((n == 4 && (!memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4) || !memcmp(s, "true", 4))))
        return 1;
    if ((n == 5 && (!memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5) || !memcmp(s, "false", 5))))
        return 0;
    return -1;
}

/* The column's type over the chunk, as pandas' C parser settles it; each cell keeps what
 * was found (NA, its integer or float value). */
static uint8_t column_kind(csv_table *t, size_t col)
{
    bool all_int = true, all_num = true, all_bool = true, any = false, na = false;
    for (size_t r = 0; r < t->rows; r++) {
        cell *c = &t->cells[r * t->ncols + col];
        const char *s = t->data.data + c->off;
        if (is_na(c, s)) {
            c->flags |= C_NA;
            na = true;
            continue;
        }
        any = true;
        if (all_int) {
            if (parse_int(s, c->len, &c->v.i)) {
                c->flags |= C_INT;
            } else {
                all_int = false;
            }
        }
        if (!all_int && all_num && !(c->flags & C_INT)) {
            if (parse_float(s, c->len, &c->v.d))
                c->flags |= C_FLOAT;
            else
                all_num = false;
        }
        if (all_bool && parse_bool(s, c->len) < 0)
            all_bool = false;
        if (!all_num && !all_bool)
            return K_TEXT;
    }
    if (!any)
        return K_FLOAT; /* an all-NA column is float64 NaN: every value null */
    if (all_int)
        return na ? K_FLOAT : K_INT;
    if (all_num)
        return K_FLOAT;
    return all_bool ? K_BOOL : K_TEXT;
}

cdlt_status csv_table_flush(csv_table *t, arena *a, jv *out, cdlt_error *err)
{
    *out = (jv){.type = JV_ARRAY};
    if (!t->rows)
        return CDLT_OK;
    for (size_t c = 0; c < t->ncols; c++)
        t->kind[c] = column_kind(t, c);
    const char **keys = arena_alloc(a, (t->ncols ? t->ncols : 1) * sizeof *keys);
    jv *items = arena_alloc(a, t->rows * sizeof *items);
    size_t ncells = t->rows * t->ncols;
    jv_member *m = arena_alloc(a, (ncells ? ncells : 1) * sizeof *m);
    if (!keys || !items || !m)
        return err_nomem(err);
    for (size_t c = 0; c < t->ncols; c++)
        if (!(keys[c] = arena_strndup(a, t->names[c], t->lens[c])))
            return err_nomem(err);
    for (size_t r = 0; r < t->rows; r++) {
        jv_member *rm = m + r * t->ncols;
        for (size_t c = 0; c < t->ncols; c++) {
            const cell *ce = &t->cells[r * t->ncols + c];
            const char *s = t->data.data + ce->off;
            jv v = jv_null();
            uint8_t k = t->kind[c];
            if (k == K_TEXT ? !is_na(ce, s) : !(ce->flags & C_NA)) {
                switch (k) {
                case K_INT:
                    v = jv_int(ce->v.i);
                    break;
                case K_FLOAT: {
                    double dv = ce->v.d;
                    if (ce->flags & C_INT)
                        dv = (double)ce->v.i;
                    /* NaN and +-inf reach dlt as null (its JSON writer's rule) */
                    v = isfinite(dv) ? jv_double(dv) : jv_null();
                    break;
                }
                case K_BOOL:
                    v = jv_bool(parse_bool(s, ce->len) == 1);
                    break;
                default:
                    v = jv_str(a, s, ce->len);
                    if (jv_failed(&v))
                        return err_nomem(err);
                }
            }
            rm[c] = (jv_member){.key = keys[c], .klen = (uint32_t)t->lens[c], .value = v};
        }
        items[r] = (jv){.type = JV_OBJECT, .len = (uint32_t)t->ncols, .u.members = rm};
    }
    out->len = (uint32_t)t->rows;
    out->u.items = items;
    t->rows = 0;
    buf_clear(&t->data);
    return CDLT_OK;
}

cdlt_status csv_header_names(const csv_field *f, size_t n, bool header, arena *a,
                             const char ***names, size_t **lens, cdlt_error *err)
{
    const char **nm = arena_alloc(a, (n ? n : 1) * sizeof *nm);
    size_t *ln = arena_alloc(a, (n ? n : 1) * sizeof *ln);
    if (!nm || !ln)
        return err_nomem(err);
    char tmp[64];
    for (size_t i = 0; i < n; i++) {
        const char *s;
        size_t len;
        if (!header) { /* pandas numbers the columns 0, 1, ...; dlt turns them into names */
            len = (size_t)snprintf(tmp, sizeof tmp, "%zu", i);
            s = tmp;
        } else if (f[i].len == 0) {
            len = (size_t)snprintf(tmp, sizeof tmp, "Unnamed: %zu", i);
            s = tmp;
        } else {
            s = f[i].p;
            len = f[i].len;
        }
        /* repeats get ".1", ".2", ... (pandas' mangle_dupe_cols), skipping taken names */
        char *name = arena_strndup(a, s, len);
        if (!name)
            return err_nomem(err);
        for (unsigned k = 1;; k++) {
            bool taken = false;
            for (size_t j = 0; j < i && !taken; j++)
                taken = ln[j] == len && memcmp(nm[j], name, len) == 0;
            if (!taken)
                break;
            size_t cap = f && header && f[i].len ? f[i].len + 24 : len + 24;
            char *nn = arena_alloc(a, cap);
            if (!nn)
                return err_nomem(err);
            len = (size_t)snprintf(nn, cap, "%.*s.%u", (int)(header && f[i].len ? f[i].len : strlen(s)),
                                   header && f[i].len ? f[i].p : s, k);
            name = nn;
        }
        nm[i] = name;
        ln[i] = len;
    }
    *names = nm;
    *lens = ln;
    return CDLT_OK;
}
