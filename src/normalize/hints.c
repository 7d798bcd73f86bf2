/* hints.c: the schema's default_hints and preferred_types compiled once per normalizer and
 * evaluated once per column name (cached on the slot), never per value. */
#include "norm_internal.h"

static const struct {
    const char *name; /* hint name in settings.default_hints */
    uint32_t bit;     /* HINT_* (0 = not_null) */
} HINT_NAMES[] = {
    {"not_null", 0},
    {"primary_key", HINT_PRIMARY_KEY},
    {"merge_key", HINT_MERGE_KEY},
    {"unique", HINT_UNIQUE},
    {"row_key", HINT_ROW_KEY},
    {"parent_key", HINT_PARENT_KEY},
    {"root_key", HINT_ROOT_KEY},
    {"hard_delete", HINT_HARD_DELETE},
    {"partition", HINT_PARTITION},
    {"cluster", HINT_CLUSTER},
    {"sort", HINT_SORT},
    {"incremental", HINT_INCREMENTAL},
};

static cdlt_status compile_one(norm_rule *r, const char *pattern, cdlt_error *err)
{
    r->pattern = pattern;
    r->is_re = strncmp(pattern, "re:", 3) == 0;
    if (r->is_re) {
        const char *why = rx_too_complex(pattern + 3);
        if (why) {
            r->is_re = false;
            r->pattern = NULL;
            return err_set(err, CDLT_SCHEMA,
                           "schema setting: regex '%.200s' in default_hints/preferred_types is "
                           "refused: %s; what to do: simplify the pattern",
                           pattern, why);
        }
        int rc = regcomp(&r->re, pattern + 3, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            r->is_re = false;
            r->pattern = NULL;
            return err_set(err, CDLT_SCHEMA,
                           "schema setting: invalid regex '%s' in default_hints/preferred_types; "
                           "what to do: fix the pattern (POSIX extended syntax)",
                           pattern);
        }
    }
    return CDLT_OK;
}

static bool rule_matches(const norm_rule *r, const norm_slot *slot)
{
    if (!r->pattern)
        return false;
    if (r->is_re)
        return regexec(&r->re, slot->name, 0, NULL, 0) == 0;
    return strlen(r->pattern) == slot->len && memcmp(r->pattern, slot->name, slot->len) == 0;
}

cdlt_status norm_rules_compile(normalizer *n, cdlt_error *err)
{
    const schema *s = n->s;
    if (s->ndefault_hints) {
        n->hints = mem_calloc(s->ndefault_hints, sizeof(norm_rule));
        if (!n->hints)
            return err_nomem(err);
    }
    for (uint32_t i = 0; i < s->ndefault_hints; i++) {
        const schema_hint_rule *h = &s->default_hints[i];
        norm_rule *r = &n->hints[n->nhints];
        bool known = false;
        for (size_t j = 0; j < CDLT_ARRAY_LEN(HINT_NAMES); j++) {
            if (h->hint && strcmp(h->hint, HINT_NAMES[j].name) == 0) {
                r->hint_bit = HINT_NAMES[j].bit;
                r->not_null = HINT_NAMES[j].bit == 0;
                known = true;
            }
        }
        if (!known || !h->pattern)
            continue; /* hints we do not apply (e.g. x-... extensions) */
        if (compile_one(r, h->pattern, err) != CDLT_OK)
            return err->code;
        n->nhints++;
    }
    if (s->npreferred_types) {
        n->prefs = mem_calloc(s->npreferred_types, sizeof(norm_rule));
        if (!n->prefs)
            return err_nomem(err);
    }
    for (uint32_t i = 0; i < s->npreferred_types; i++) {
        const schema_type_rule *p = &s->preferred_types[i];
        if (!p->pattern)
            continue;
        norm_rule *r = &n->prefs[n->nprefs];
        r->type = p->type;
        if (compile_one(r, p->pattern, err) != CDLT_OK)
            return err->code;
        n->nprefs++;
    }
    return CDLT_OK;
}

void norm_rules_free(normalizer *n)
{
    for (uint32_t i = 0; i < n->nhints; i++)
        if (n->hints[i].is_re)
            regfree(&n->hints[i].re);
    for (uint32_t i = 0; i < n->nprefs; i++)
        if (n->prefs[i].is_re)
            regfree(&n->prefs[i].re);
    mem_free(n->hints);
    mem_free(n->prefs);
    n->hints = n->prefs = NULL;
    n->nhints = n->nprefs = 0;
}

void norm_slot_rules(normalizer *n, norm_slot *slot)
{
    if (slot->rules_known)
        return;
    slot->rules_known = true;
    for (uint32_t i = 0; i < n->nhints; i++) {
        const norm_rule *r = &n->hints[i];
        if (!rule_matches(r, slot))
            continue;
        if (r->not_null)
            slot->not_null = true;
        else
            slot->hint_bits |= r->hint_bit;
    }
    /* first matching preferred type wins (dlt iterates the settings dict in order) */
    for (uint32_t i = 0; i < n->nprefs; i++) {
        if (rule_matches(&n->prefs[i], slot)) {
            slot->preferred = n->prefs[i].type;
            break;
        }
    }
}
