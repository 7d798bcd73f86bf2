/* hints.c: settings.default_hints and settings.preferred_types matched against new column
 * names: exact names, or "re:<regex>" compiled once per schema with POSIX regcomp (ERE). */
#include "schema/schema.h"
#include "schema/schema_int.h"

#include <regex.h>

/* One compiled pattern; lives in mem_alloc memory so regfree can run on schema_free. */
typedef struct schema_rx {
    regex_t re; /* compiled with REG_EXTENDED | REG_NOSUB */
    bool ok;    /* false: the pattern did not compile (never matches) */
} schema_rx;

/* Python syntax that POSIX ERE lacks is rewritten (outside bracket expressions):
 * \d -> [0-9], \D -> [^0-9], (?: -> ( ; a leading (?i) becomes REG_ICASE. glibc already
 * understands \w \W \s \S \b \B as extensions. */
static cdlt_status translate(const char *src, buf *out, int *io_flags)
{
    bool in_bracket = false;
    if (strncmp(src, "(?i)", 4) == 0) {
        *io_flags |= REG_ICASE;
        src += 4;
    }
    for (const char *p = src; *p; p++) {
        if (!in_bracket && strncmp(p, "(?:", 3) == 0) {
            buf_putc(out, '(');
            p += 2;
            continue;
        }
        if (!in_bracket && p[0] == '\\' && (p[1] == 'd' || p[1] == 'D')) {
            buf_puts(out, p[1] == 'd' ? "[0-9]" : "[^0-9]");
            p++;
            continue;
        }
        if (!in_bracket && p[0] == '\\' && p[1]) {
            buf_append(out, p, 2);
            p++;
            continue;
        }
        if (!in_bracket && *p == '[') {
            in_bracket = true;
            buf_putc(out, *p);
            /* a ']' right after '[' or '[^' is literal */
            if (p[1] == '^') {
                buf_putc(out, '^');
                p++;
            }
            if (p[1] == ']') {
                buf_putc(out, ']');
                p++;
            }
            continue;
        }
        if (in_bracket && *p == ']')
            in_bracket = false;
        buf_putc(out, *p);
    }
    return out->status;
}

const void *schema_regex_get(schema *s, const char *pattern, cdlt_error *err)
{
    size_t plen = strlen(pattern);
    schema_rx *rx = map_get(&s->regex_cache, pattern, plen);
    if (rx) {
        if (!rx->ok)
            err_set(err, CDLT_SCHEMA, "schema '%s': invalid regex in pattern '%s'", s->name,
                    pattern);
        return rx->ok ? &rx->re : NULL;
    }
    /* the key must outlive the map: keep a copy in the schema arena */
    char *key = arena_strndup(&s->mem, pattern, plen);
    rx = mem_calloc(1, sizeof *rx);
    if (!key || !rx) {
        mem_free(rx);
        err_nomem(err);
        return NULL;
    }
    buf tr = BUF_INIT;
    int flags = REG_EXTENDED | REG_NOSUB;
    if (translate(pattern + 3, &tr, &flags) != CDLT_OK) {
        buf_free(&tr);
        mem_free(rx);
        err_nomem(err);
        return NULL;
    }
    const char *why = rx_too_complex(buf_cstr(&tr));
    int rc = why ? REG_ESPACE : regcomp(&rx->re, buf_cstr(&tr), flags);
    buf_free(&tr);
    if (why) {
        err_set(err, CDLT_SCHEMA,
                "schema '%s': regex in pattern '%.200s' is refused: %s; what to do: simplify "
                "the pattern",
                s->name, pattern, why);
        rx->ok = false;
    } else if (rc != 0) {
        char msg[256];
        regerror(rc, &rx->re, msg, sizeof msg);
        err_set(err, CDLT_SCHEMA,
                "schema '%s': invalid regex in pattern '%s': %s; what to do: use POSIX extended "
                "regex syntax (no lookaround, lazy quantifiers or \\d inside brackets)",
                s->name, pattern, msg);
        rx->ok = false;
    } else {
        rx->ok = true;
    }
    if (map_put(&s->regex_cache, key, plen, rx) != CDLT_OK) {
        if (rx->ok)
            regfree(&rx->re);
        mem_free(rx);
        err_nomem(err);
        return NULL;
    }
    return rx->ok ? &rx->re : NULL;
}

void schema_regex_cache_free(schema *s)
{
    const map_entry *e;
    for (size_t it = 0; map_next(&s->regex_cache, &it, &e);) {
        schema_rx *rx = e->value;
        if (rx->ok)
            regfree(&rx->re);
        mem_free(rx);
    }
    map_free(&s->regex_cache);
}

bool schema_pattern_matches(schema *s, const char *pattern, const char *name, size_t len)
{
    if (strncmp(pattern, "re:", 3) != 0)
        return strlen(pattern) == len && memcmp(pattern, name, len) == 0;
    const regex_t *re = schema_regex_get(s, pattern, NULL);
    if (!re)
        return false;
    /* REG_STARTEND: match name[0..len) without needing a NUL terminator */
    regmatch_t m[1];
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)len;
    return regexec(re, name, 1, m, REG_STARTEND) == 0;
}

bool schema_hint_matches(schema *s, const char *hint, const char *name, size_t len)
{
    for (uint32_t i = 0; i < s->ndefault_hints; i++)
        if (strcmp(s->default_hints[i].hint, hint) == 0 &&
            schema_pattern_matches(s, s->default_hints[i].pattern, name, len))
            return true;
    return false;
}

/* Column hint name -> HINT_* bit (0 for not_null and unknown names). */
uint32_t schema_hint_bit(const char *hint)
{
    static const struct {
        const char *name; /* column key */
        uint32_t bit;     /* HINT_* */
    } k[] = {
        {"primary_key", HINT_PRIMARY_KEY}, {"merge_key", HINT_MERGE_KEY},
        {"unique", HINT_UNIQUE},           {"row_key", HINT_ROW_KEY},
        {"parent_key", HINT_PARENT_KEY},   {"root_key", HINT_ROOT_KEY},
        {"hard_delete", HINT_HARD_DELETE}, {"partition", HINT_PARTITION},
        {"cluster", HINT_CLUSTER},         {"sort", HINT_SORT},
        {"variant", HINT_VARIANT},         {"incremental", HINT_INCREMENTAL},
    };
    for (size_t i = 0; i < CDLT_ARRAY_LEN(k); i++)
        if (strcmp(k[i].name, hint) == 0)
            return k[i].bit;
    return 0;
}

cdlt_status schema_apply_default_hints(schema *s, schema_column *col)
{
    size_t len = col->name_len ? col->name_len : strlen(col->name);
    for (uint32_t i = 0; i < s->ndefault_hints; i++) {
        const schema_hint_rule *r = &s->default_hints[i];
        if (!schema_pattern_matches(s, r->pattern, col->name, len))
            continue;
        if (strcmp(r->hint, "not_null") == 0)
            col->nullable = false;
        else
            col->hints |= schema_hint_bit(r->hint);
    }
    return CDLT_OK;
}

dtype schema_preferred_type(schema *s, const char *name, size_t len)
{
    for (uint32_t i = 0; i < s->npreferred_types; i++)
        if (schema_pattern_matches(s, s->preferred_types[i].pattern, name, len))
            return s->preferred_types[i].type;
    return DT_NONE;
}

/* Room for one more item in an arena array of n items (in place when it is the arena's last
 * block). Always sized n+1: the arrays may also be filled by other code, so no hidden
 * capacity is assumed; the lists are a handful of entries. */
static void *grow_one(arena *a, void *arr, uint32_t n, size_t elem)
{
    return arena_grow(a, arr, n * elem, ((size_t)n + 1) * elem);
}

static cdlt_status check_pattern(schema *s, const char *pattern, cdlt_error *err)
{
    if (!pattern || !*pattern)
        return err_set(err, CDLT_SCHEMA, "schema '%s': empty column pattern in settings",
                       s->name);
    if (strncmp(pattern, "re:", 3) == 0) {
        cdlt_error e2;
        memset(&e2, 0, sizeof e2);
        if (!schema_regex_get(s, pattern, &e2)) {
            if (e2.code == CDLT_NOMEM)
                return err_nomem(err);
            return err_set(err, e2.code ? e2.code : CDLT_SCHEMA, "%s", e2.message);
        }
    }
    return CDLT_OK;
}

cdlt_status schema_add_default_hint(schema *s, const char *hint, const char *pattern,
                                    cdlt_error *err)
{
    cdlt_status st = check_pattern(s, pattern, err);
    if (st != CDLT_OK)
        return st;
    for (uint32_t i = 0; i < s->ndefault_hints; i++)
        if (strcmp(s->default_hints[i].hint, hint) == 0 &&
            strcmp(s->default_hints[i].pattern, pattern) == 0)
            return CDLT_OK; /* dlt merges hint lists without duplicates */
    schema_hint_rule *arr = grow_one(&s->mem, s->default_hints, s->ndefault_hints,
                                      sizeof *arr);
    if (!arr)
        return err_nomem(err);
    s->default_hints = arr;
    schema_hint_rule r = {schema_strdup(s, hint), schema_strdup(s, pattern)};
    if (!r.hint || !r.pattern)
        return err_nomem(err);
    s->default_hints[s->ndefault_hints++] = r;
    return CDLT_OK;
}

cdlt_status schema_add_preferred_type(schema *s, const char *pattern, dtype type,
                                      cdlt_error *err)
{
    cdlt_status st = check_pattern(s, pattern, err);
    if (st != CDLT_OK)
        return st;
    for (uint32_t i = 0; i < s->npreferred_types; i++)
        if (strcmp(s->preferred_types[i].pattern, pattern) == 0) {
            s->preferred_types[i].type = type; /* dict semantics: last one wins */
            return CDLT_OK;
        }
    schema_type_rule *arr = grow_one(&s->mem, s->preferred_types, s->npreferred_types,
                                      sizeof *arr);
    if (!arr)
        return err_nomem(err);
    s->preferred_types = arr;
    schema_type_rule r = {schema_strdup(s, pattern), type};
    if (!r.pattern)
        return err_nomem(err);
    s->preferred_types[s->npreferred_types++] = r;
    return CDLT_OK;
}
