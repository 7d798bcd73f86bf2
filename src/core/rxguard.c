/* rxguard.c: refuse user regexes (schema hints "re:...") that would make glibc's regcomp
 * blow up. regcomp copies a repeated sub-expression once per repetition, so nested counts
 * (`((a{100}){100}){100}`) or chains of quantifiers (`a++++...`, found by fuzz_schema_doc:
 * 80 '+' took 24 GB and a minute) grow its tree exponentially. Python's re (dlt) rejects a
 * quantifier on a quantifier ("multiple repeat") except the possessive forms, which POSIX ERE
 * does not have either. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

#define RX_MAX_LEN 4096     /* characters in a pattern */
#define RX_MAX_COUNT 1000   /* largest {n,m} bound */
#define RX_MAX_SIZE 100000  /* estimated tree nodes after repetition */

typedef struct rx_frame {
    double total; /* size of the closed alternatives and of this one so far */
    double last;  /* size of the last atom (what a quantifier repeats) */
} rx_frame;

/* A quantifier at p ("*", "+", "?", "{n}", "{n,}", "{n,m}"): its length, and the factor it
 * multiplies the repeated atom by. 0 = not a quantifier. */
static size_t quantifier(const char *p, double *factor, long *bound)
{
    *bound = 0;
    if (*p == '*' || *p == '+' || *p == '?') {
        *factor = 2;
        return 1;
    }
    if (*p != '{')
        return 0;
    char *end;
    long n = strtol(p + 1, &end, 10), m = n;
    if (end == p + 1)
        return 0; /* a literal '{' */
    if (*end == ',') {
        m = end[1] == '}' ? n + 1 : strtol(end + 1, &end, 10);
        if (end[0] == ',')
            end++;
    }
    if (*end != '}')
        return 0;
    *bound = n > m ? n : m;
    *factor = (double)(*bound ? *bound : 1);
    return (size_t)(end - p) + 1;
}

const char *rx_too_complex(const char *p)
{
    if (strlen(p) > RX_MAX_LEN)
        return "the pattern is longer than 4096 characters";
    rx_frame st[64];
    int depth = 0;
    memset(&st[0], 0, sizeof st[0]);
    bool after_quant = false, lazy = false, have_atom = false;
    while (*p) {
        double f;
        long bound;
        size_t q = quantifier(p, &f, &bound);
        if (q && have_atom) {
            /* Python's lazy form ('a+?'): the same names match, regcomp reads it as (a+)? */
            if (after_quant && *p == '?' && !lazy) {
                lazy = true;
                p++;
                continue;
            }
            if (after_quant)
                return "a quantifier follows another quantifier (e.g. 'a++' or 'a*{2}'); "
                       "Python's re refuses it too ('multiple repeat')";
            if (bound > RX_MAX_COUNT)
                return "a repetition count is above 1000";
            st[depth].total += st[depth].last * (f - 1);
            st[depth].last *= f;
            after_quant = true;
            p += q;
            continue;
        }
        after_quant = lazy = false;
        have_atom = true;
        if (*p == '\\' && p[1]) {
            p += 2;
            st[depth].last = 1;
            st[depth].total += 1;
            continue;
        }
        if (*p == '[') { /* a bracket expression is one atom */
            p++;
            if (*p == '^')
                p++;
            if (*p == ']')
                p++;
            while (*p && *p != ']')
                p += (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=') &&
                      strchr(p + 2, ']'))
                         ? (size_t)(strchr(p + 2, ']') - p) + 1
                         : 1;
            if (*p)
                p++;
            st[depth].last = 1;
            st[depth].total += 1;
            continue;
        }
        if (*p == '(') {
            if (depth == 63)
                return "groups are nested more than 63 deep";
            memset(&st[++depth], 0, sizeof st[0]);
            have_atom = false;
            p++;
            continue;
        }
        if (*p == ')' && depth > 0) {
            double inner = st[depth--].total + 1;
            st[depth].last = inner;
            st[depth].total += inner;
            p++;
            if (st[depth].total > RX_MAX_SIZE)
                return "repetitions make the pattern too large to compile";
            continue;
        }
        if (*p == '|' || *p == '^') {
            have_atom = false;
            p++;
            continue;
        }
        st[depth].last = 1;
        st[depth].total += 1;
        p++;
        if (st[depth].total > RX_MAX_SIZE)
            return "repetitions make the pattern too large to compile";
    }
    for (int d = 0; d <= depth; d++)
        if (st[d].total > RX_MAX_SIZE)
            return "repetitions make the pattern too large to compile";
    return NULL;
}
