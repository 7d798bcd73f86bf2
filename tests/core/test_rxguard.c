/* test_rxguard.c: user regexes that would make regcomp explode are refused before it runs;
 * the patterns dlt users write pass. */
#include "testutil.h"

#include "core/core.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

static void test_ordinary_patterns_pass(void **state)
{
    (void)state;
    const char *ok[] = {"^_dlt_id$", "^ts_", ".*_at$", "^(created|updated)_at$", "[0-9]+",
                        "^a{2,5}b$", "x+?", "(ab)*c", "[[:alpha:]]+_id", "\\.+", "a{2}|b{3}",
                        "^(?:x)$", "[]a]+", "{literal", "^((a|b)c)+$"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *why = rx_too_complex(ok[i]);
        if (why)
            fprintf(stderr, "%s: %s\n", ok[i], why);
        assert_null(why);
    }
}

static void test_explosive_patterns_refused(void **state)
{
    (void)state;
    char chain[200] = "^xxx";
    memset(chain + 4, '+', 80); /* fuzz_schema_doc: took 24 GB in regcomp */
    chain[84] = '\0';
    char longp[5000];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    const char *bad[] = {chain,          "a**",           "a+*",          "a{2}{3}",
                         "a{5000}",      "((a{100}){100}){100}", "(((((a{30}){30}){30}){30}){30})",
                         longp,          "a+??"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_non_null(rx_too_complex(bad[i]));
    /* and what passes the guard compiles quickly */
    regex_t re;
    assert_int_equal(regcomp(&re, "^((a|b){10}c){10}$", REG_EXTENDED | REG_NOSUB), 0);
    regfree(&re);
    assert_null(rx_too_complex("^((a|b){10}c){10}$"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_patterns_pass),
        cmocka_unit_test(test_explosive_patterns_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
