/* test_naming.c: dlt's naming conventions as data: every row of core.md §1.2, the path rules of
 * §1.3, shortening (§1.1) and hostile keys. Rows are {convention, op, max_length, in, out}. */
#include "testutil.h"

#include "naming/naming.h"

#include <stdio.h>
#include <stdlib.h>

/* Operations under test. */
enum { ID, PATH, TPATH };

#define SN "snake_case"
#define CS "sql_cs_v1"
#define CI "sql_ci_v1"
#define DI "direct"
#define DU "duck_case"

typedef struct row {
    const char *conv; /* convention name */
    int op;           /* ID = naming_identifier, PATH = naming_path, TPATH = tables path */
    size_t max;       /* max_length, 0 = none */
    const char *in;   /* input (UTF-8, NUL-terminated) */
    const char *out;  /* expected name; NULL = expect `status` */
    cdlt_status status;
} row;

/* core.md §1.2: normalize_identifier per convention (the table, row by row). Expectations
 * cross-checked with tests/naming/dlt_reference.py (dlt's code transcribed). */
static const row IDENT_ROWS[] = {
    {SN, ID, 0, "CamelCase", "camel_case", CDLT_OK},
    {CS, ID, 0, "CamelCase", "CamelCase", CDLT_OK},
    {CI, ID, 0, "CamelCase", "camelcase", CDLT_OK},
    {DI, ID, 0, "CamelCase", "CamelCase", CDLT_OK},
    {DU, ID, 0, "CamelCase", "CamelCase", CDLT_OK},
    {SN, ID, 0, "HTTPResponseCode", "http_response_code", CDLT_OK},
    {CS, ID, 0, "HTTPResponseCode", "HTTPResponseCode", CDLT_OK},
    {CI, ID, 0, "HTTPResponseCode", "httpresponsecode", CDLT_OK},
    {DI, ID, 0, "HTTPResponseCode", "HTTPResponseCode", CDLT_OK},
    {DU, ID, 0, "HTTPResponseCode", "HTTPResponseCode", CDLT_OK},
    {SN, ID, 0, "getHTTP2Response", "get_http2_response", CDLT_OK},
    {CS, ID, 0, "getHTTP2Response", "getHTTP2Response", CDLT_OK},
    {CI, ID, 0, "getHTTP2Response", "gethttp2response", CDLT_OK},
    {DI, ID, 0, "getHTTP2Response", "getHTTP2Response", CDLT_OK},
    {DU, ID, 0, "getHTTP2Response", "getHTTP2Response", CDLT_OK},
    {SN, ID, 0, "aBC", "a_bc", CDLT_OK},
    {SN, ID, 0, "ABc", "a_bc", CDLT_OK},
    {SN, ID, 0, "a1B2", "a1_b2", CDLT_OK},
    {CS, ID, 0, "aBC", "aBC", CDLT_OK},
    {CS, ID, 0, "ABc", "ABc", CDLT_OK},
    {CS, ID, 0, "a1B2", "a1B2", CDLT_OK},
    {CI, ID, 0, "aBC", "abc", CDLT_OK},
    {CI, ID, 0, "ABc", "abc", CDLT_OK},
    {CI, ID, 0, "a1B2", "a1b2", CDLT_OK},
    {DI, ID, 0, "aBC", "aBC", CDLT_OK},
    {DU, ID, 0, "a1B2", "a1B2", CDLT_OK},
    {SN, ID, 0, "ÄpfelÜber", "_pfel_ber", CDLT_OK},
    {CS, ID, 0, "ÄpfelÜber", "_pfel_ber", CDLT_OK},
    {CI, ID, 0, "ÄpfelÜber", "_pfel_ber", CDLT_OK},
    {DI, ID, 0, "ÄpfelÜber", "ÄpfelÜber", CDLT_OK},
    {DU, ID, 0, "ÄpfelÜber", "ÄpfelÜber", CDLT_OK},
    {SN, ID, 0, "Straße", "stra_e", CDLT_OK},
    {CS, ID, 0, "Straße", "Stra_e", CDLT_OK},
    {CI, ID, 0, "Straße", "stra_e", CDLT_OK},
    {DI, ID, 0, "Straße", "Straße", CDLT_OK},
    {DU, ID, 0, "Straße", "Straße", CDLT_OK},
    {SN, ID, 0, "日本語", "x", CDLT_OK},
    {CS, ID, 0, "日本語", "_", CDLT_OK},
    {CI, ID, 0, "日本語", "_", CDLT_OK},
    {DI, ID, 0, "日本語", "日本語", CDLT_OK},
    {DU, ID, 0, "日本語", "日本語", CDLT_OK},
    {SN, ID, 0, "  spaced name  ", "spaced_name", CDLT_OK},
    {CS, ID, 0, "  spaced name  ", "spaced_name", CDLT_OK},
    {CI, ID, 0, "  spaced name  ", "spaced_name", CDLT_OK},
    {DI, ID, 0, "  spaced name  ", "spaced name", CDLT_OK},
    {DU, ID, 0, "  spaced name  ", "spaced name", CDLT_OK},
    {SN, ID, 0, "123abc", "_123abc", CDLT_OK},
    {SN, ID, 0, "1", "_1", CDLT_OK},
    {CS, ID, 0, "123abc", "_123abc", CDLT_OK},
    {CS, ID, 0, "1", "_1", CDLT_OK},
    {CI, ID, 0, "123abc", "_123abc", CDLT_OK},
    {CI, ID, 0, "1", "_1", CDLT_OK},
    {DI, ID, 0, "123abc", "123abc", CDLT_OK},
    {DI, ID, 0, "1", "1", CDLT_OK},
    {DU, ID, 0, "123abc", "123abc", CDLT_OK},
    {DU, ID, 0, "1", "1", CDLT_OK},
    {SN, ID, 0, "_id", "_id", CDLT_OK},
    {SN, ID, 0, "__id", "_id", CDLT_OK},
    {CS, ID, 0, "_id", "_id", CDLT_OK},
    {CS, ID, 0, "__id", "_id", CDLT_OK},
    {CI, ID, 0, "_id", "_id", CDLT_OK},
    {CI, ID, 0, "__id", "_id", CDLT_OK},
    {DI, ID, 0, "_id", "_id", CDLT_OK},
    {DI, ID, 0, "__id", "__id", CDLT_OK},
    {DU, ID, 0, "_id", "_id", CDLT_OK},
    {DU, ID, 0, "__id", "_id", CDLT_OK},
    {SN, ID, 0, "id_", "idx", CDLT_OK},
    {SN, ID, 0, "id__", "idxx", CDLT_OK},
    {CS, ID, 0, "id_", "id", CDLT_OK},
    {CS, ID, 0, "id__", "id", CDLT_OK},
    {CI, ID, 0, "id_", "id", CDLT_OK},
    {CI, ID, 0, "id__", "id", CDLT_OK},
    {DI, ID, 0, "id_", "id_", CDLT_OK},
    {DI, ID, 0, "id__", "id__", CDLT_OK},
    {DU, ID, 0, "id_", "id_", CDLT_OK},
    {DU, ID, 0, "id__", "id_", CDLT_OK},
    {SN, ID, 0, "a__b", "a_b", CDLT_OK},
    {SN, ID, 0, "a___b", "a_b", CDLT_OK},
    {CS, ID, 0, "a__b", "a_b", CDLT_OK},
    {CS, ID, 0, "a___b", "a_b", CDLT_OK},
    {CI, ID, 0, "a___b", "a_b", CDLT_OK},
    {DI, ID, 0, "a__b", "a__b", CDLT_OK},
    {DI, ID, 0, "a___b", "a___b", CDLT_OK},
    {DU, ID, 0, "a__b", "a_b", CDLT_OK},
    {DU, ID, 0, "a___b", "a_b", CDLT_OK},
    {SN, ID, 0, "a-b", "a_b", CDLT_OK},
    {SN, ID, 0, "a+b", "axb", CDLT_OK},
    {SN, ID, 0, "a*b", "axb", CDLT_OK},
    {SN, ID, 0, "a@b", "aab", CDLT_OK},
    {SN, ID, 0, "a|b", "alb", CDLT_OK},
    {CS, ID, 0, "a-b", "a_b", CDLT_OK},
    {CS, ID, 0, "a+b", "a_b", CDLT_OK},
    {CS, ID, 0, "a*b", "a_b", CDLT_OK},
    {CS, ID, 0, "a@b", "a_b", CDLT_OK},
    {CS, ID, 0, "a|b", "a_b", CDLT_OK},
    {CI, ID, 0, "a-b", "a_b", CDLT_OK},
    {CI, ID, 0, "a+b", "a_b", CDLT_OK},
    {CI, ID, 0, "a|b", "a_b", CDLT_OK},
    {DI, ID, 0, "a-b", "a-b", CDLT_OK},
    {DI, ID, 0, "a+b", "a+b", CDLT_OK},
    {DI, ID, 0, "a|b", "a|b", CDLT_OK},
    {DU, ID, 0, "a-b", "a-b", CDLT_OK},
    {DU, ID, 0, "a@b", "a@b", CDLT_OK},
    {DU, ID, 0, "a*b", "a*b", CDLT_OK},
    {SN, ID, 0, "a.b", "a_b", CDLT_OK},
    {SN, ID, 0, "$price", "_price", CDLT_OK},
    {SN, ID, 0, "€uro", "_uro", CDLT_OK},
    {CS, ID, 0, "a.b", "a_b", CDLT_OK},
    {CS, ID, 0, "$price", "_price", CDLT_OK},
    {CS, ID, 0, "€uro", "_uro", CDLT_OK},
    {CI, ID, 0, "a.b", "a_b", CDLT_OK},
    {CI, ID, 0, "$price", "_price", CDLT_OK},
    {CI, ID, 0, "€uro", "_uro", CDLT_OK},
    {DI, ID, 0, "a.b", "a.b", CDLT_OK},
    {DI, ID, 0, "$price", "$price", CDLT_OK},
    {DI, ID, 0, "€uro", "€uro", CDLT_OK},
    {DU, ID, 0, "a.b", "a.b", CDLT_OK},
    {DU, ID, 0, "$price", "$price", CDLT_OK},
    {DU, ID, 0, "€uro", "€uro", CDLT_OK},
    {SN, ID, 0, "value!", "valuex", CDLT_OK},
    {CS, ID, 0, "value!", "value", CDLT_OK},
    {CI, ID, 0, "value!", "value", CDLT_OK},
    {DI, ID, 0, "value!", "value!", CDLT_OK},
    {DU, ID, 0, "value!", "value!", CDLT_OK},
    {SN, ID, 0, "x\ny", "x_y", CDLT_OK},
    {SN, ID, 0, "quote\"s", "quote_s", CDLT_OK},
    {SN, ID, 0, "it's", "it_s", CDLT_OK},
    {CS, ID, 0, "x\ny", "x_y", CDLT_OK},
    {CS, ID, 0, "quote\"s", "quote_s", CDLT_OK},
    {CS, ID, 0, "it's", "it_s", CDLT_OK},
    {CI, ID, 0, "x\ny", "x_y", CDLT_OK},
    {CI, ID, 0, "quote\"s", "quote_s", CDLT_OK},
    {CI, ID, 0, "it's", "it_s", CDLT_OK},
    {DI, ID, 0, "x\ny", "x_y", CDLT_OK},
    {DI, ID, 0, "quote\"s", "quote_s", CDLT_OK},
    {DI, ID, 0, "it's", "it_s", CDLT_OK},
    {DU, ID, 0, "x\ny", "x_y", CDLT_OK},
    {DU, ID, 0, "quote\"s", "quote_s", CDLT_OK},
    {DU, ID, 0, "it's", "it's", CDLT_OK},
    {SN, ID, 0, "__", "xx", CDLT_OK},
    {SN, ID, 0, "_", "x", CDLT_OK},
    {CS, ID, 0, "__", "", CDLT_OK}, /* quirk 1: empty name, as dlt */
    {CS, ID, 0, "_", "_", CDLT_OK},
    {CI, ID, 0, "__", "", CDLT_OK},
    {CI, ID, 0, "_", "_", CDLT_OK},
    {DI, ID, 0, "__", "__", CDLT_OK},
    {DI, ID, 0, "_", "_", CDLT_OK},
    {DU, ID, 0, "__", "_", CDLT_OK},
    {DU, ID, 0, "_", "_", CDLT_OK},
    {SN, ID, 0, "٣abc", "_٣abc", CDLT_OK},
    {CS, ID, 0, "٣abc", "_٣abc", CDLT_OK},
    {CI, ID, 0, "٣abc", "_٣abc", CDLT_OK},
    {DI, ID, 0, "٣abc", "٣abc", CDLT_OK},
    {DU, ID, 0, "٣abc", "٣abc", CDLT_OK},
    /* more snake_case regex corners (dlt_reference.py) */
    {SN, ID, 0, "aBcDe", "a_bc_de", CDLT_OK},
    {SN, ID, 0, "ID", "id", CDLT_OK},
    {SN, ID, 0, "UserID", "user_id", CDLT_OK},
    {SN, ID, 0, "userIDs", "user_i_ds", CDLT_OK},
    {SN, ID, 0, "a_Bc", "a_bc", CDLT_OK},
    {SN, ID, 0, "_Abc", "_abc", CDLT_OK},
    {SN, ID, 0, "٣Abc", "_٣_abc", CDLT_OK},   /* Unicode digit is [^_] for BREAK_1 */
    {SN, ID, 0, "x٣B", "x٣b", CDLT_OK},       /* ...but not [a-z0-9] for BREAK_2 */
    {SN, ID, 0, "1_", "_1x", CDLT_OK},
    {SN, ID, 0, "a!!!b", "a_b", CDLT_OK},
    {SN, ID, 0, "a_!b", "a_b", CDLT_OK},
    {SN, ID, 0, "-", "x", CDLT_OK},
    {SN, ID, 0, "--a--", "_axx", CDLT_OK},
    {SN, ID, 0, "a\xc2\xa0" "b", "a_b", CDLT_OK},       /* NBSP inside: non-alnum */
    {SN, ID, 0, "\xe3\x80\x80" "a\xe2\x80\xa8", "a", CDLT_OK}, /* U+3000 / U+2028 stripped */
    {SN, ID, 0, "\x1c" "a\xc2\x85", "a", CDLT_OK},      /* \x1c and U+0085 are Python whitespace */
    {SN, ID, 0, "\xef\xbc\x91" "a", "_\xef\xbc\x91" "a", CDLT_OK}, /* fullwidth digit one */
    {SN, ID, 0, "𝟎x", "_𝟎x", CDLT_OK},                  /* mathematical bold digit zero */
    {CS, ID, 0, "a__", "a", CDLT_OK},
    {CS, ID, 0, "_1", "_1", CDLT_OK},
    {CS, ID, 0, "1_", "_1", CDLT_OK},
    {CS, ID, 0, "!", "_", CDLT_OK},
    {CS, ID, 0, "!!_!", "", CDLT_OK}, /* "___" is not exactly "_": stripped */
    {CS, ID, 0, "a▶b", "a_b", CDLT_OK},
    {DI, ID, 0, "a▶b", "a_b", CDLT_OK},
    {DI, ID, 0, "a\rb", "a_b", CDLT_OK},
    {DU, ID, 0, "a\r\n\"b", "a_b", CDLT_OK},
    /* empty after strip: dlt raises ValueError */
    {SN, ID, 0, "", NULL, CDLT_INVALID_ARG},
    {SN, ID, 0, "   \t\n", NULL, CDLT_INVALID_ARG},
    {DI, ID, 0, " ", NULL, CDLT_INVALID_ARG},
    {CS, ID, 0, "\xe3\x80\x80", NULL, CDLT_INVALID_ARG},
};

/* core.md §1.3: normalize_path / normalize_tables_path. */
static const row PATH_ROWS[] = {
    {SN, PATH, 0, "Ab__Cd", "ab__cd", CDLT_OK},
    {SN, PATH, 0, "a___b", "a___b", CDLT_OK},
    {SN, PATH, 0, "id__", "id", CDLT_OK},
    {SN, PATH, 0, "x__y__", "x__y", CDLT_OK},
    {SN, PATH, 0, "__a", "a", CDLT_OK},
    {SN, PATH, 0, "___", "x", CDLT_OK},
    {SN, PATH, 0, "__", "", CDLT_OK}, /* quirk 1: empty column name, as dlt */
    {SN, PATH, 0, "", "", CDLT_OK},
    {SN, PATH, 0, "   ", "", CDLT_OK},
    {SN, PATH, 0, "column__value", "column__value", CDLT_OK},
    {SN, PATH, 0, "a__ __b", "a__b", CDLT_OK},
    {SN, PATH, 0, "a____b", "a__b", CDLT_OK},
    {SN, PATH, 0, "a_____b", "a___b", CDLT_OK},
    {SN, PATH, 0, "Foo Bar__Baz-Qux", "foo_bar__baz_qux", CDLT_OK},
    {SN, TPATH, 0, "Users__Orders", "users__orders", CDLT_OK},
    {SN, TPATH, 0, "My Table", "my_table", CDLT_OK},
    {CS, PATH, 0, "__", "", CDLT_OK},
    {CS, PATH, 0, "a____b", "a__b", CDLT_OK},
    {CS, PATH, 0, "a__!!__b", "a_____b", CDLT_OK}, /* "!!" -> "_" is a non-blank part */
    {CS, PATH, 0, "a__ __b", "a__b", CDLT_OK},
    {CS, PATH, 0, "a_____b", "a___b", CDLT_OK},
    {CI, PATH, 0, "Ab__Cd", "ab__cd", CDLT_OK},
    {DI, PATH, 0, "a__b", "a__b", CDLT_OK},
    {DI, PATH, 0, "a▶b", "a▶b", CDLT_OK},
    {DI, PATH, 0, "a▶▶b", "a▶b", CDLT_OK},
    {DI, PATH, 0, "▶a b▶", "a b", CDLT_OK},
    {DI, TPATH, 0, "Parent▶Child", "Parent▶Child", CDLT_OK},
    {DU, PATH, 0, "A__B", "A__B", CDLT_OK},
    {DU, PATH, 0, "a___b", "a___b", CDLT_OK},
    {DU, PATH, 0, "a____b", "a__b", CDLT_OK},
    {SN, PATH, 0, "a__\xff", NULL, CDLT_UTF8},
};

/* Shortening (core.md §1.1). */
static const row SHORT_ROWS[] = {
    {SN, ID, 10, "very_long_identifier_name", "vemktiegme", CDLT_OK},
    {SN, ID, 10, "abcdefghijk", "abah6k9gjk", CDLT_OK},
    {SN, ID, 10, "abcdefghij", "abcdefghij", CDLT_OK}, /* exactly max: unchanged */
    {SN, PATH, 63, "ThisIsAVeryLongFieldNameThatExceedsThePostgresLimitOfSixtyThreeCharacters",
     "this_is_a_very_long_field_namvm7lagit_of_sixty_three_characters", CDLT_OK},
    {SN, TPATH, 63,
     "my_long_table_name_for_testing__nested_list_with_quite_a_long_name_xxxxxxxxxxxxxxx",
     "my_long_table_name_for_testinamegew_a_long_name_xxxxxxxxxxxxxxx", CDLT_OK},
    /* slices count code points, not bytes */
    {DI, ID, 10, "ÄÄÄÄÄÄÄÄÄÄÄÄ", "ÄÄuit4tgÄÄ", CDLT_OK},
    {DI, ID, 11, "日本語日本語日本語日本語", "日本語bmalqw本語", CDLT_OK},
    {SN, ID, 6, "abcdefg", "ezbbkg", CDLT_OK},
    {SN, ID, 7, "abcdefgh", "abwyg3q", CDLT_OK},
};

static const char *op_name(int op) { return op == ID ? "id" : op == PATH ? "path" : "tpath"; }

static void run_rows(const row *rows, size_t n)
{
    buf out = BUF_INIT;
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        naming nm;
        assert_int_equal(naming_init(&nm, r->conv, r->max), CDLT_OK);
        size_t len = strlen(r->in);
        cdlt_status st = r->op == ID     ? naming_identifier(&nm, r->in, len, &out)
                         : r->op == PATH ? naming_path(&nm, r->in, len, &out)
                                         : naming_tables_path(&nm, r->in, len, &out);
        cdlt_status want = r->out ? CDLT_OK : r->status;
        if (st != want || (r->out && strcmp(buf_cstr(&out), r->out) != 0)) {
            fprintf(stderr, "row %zu: %s %s(max %zu) [%s] -> [%s] %s, want [%s] %s\n", i,
                    r->conv, op_name(r->op), r->max, r->in, st == CDLT_OK ? buf_cstr(&out) : "",
                    cdlt_status_name(st), r->out ? r->out : "", cdlt_status_name(want));
            failures++;
        }
    }
    buf_free(&out);
    assert_int_equal(failures, 0);
}

static void test_identifier_table(void **state)
{
    (void)state;
    run_rows(IDENT_ROWS, CDLT_ARRAY_LEN(IDENT_ROWS));
}

static void test_paths(void **state)
{
    (void)state;
    run_rows(PATH_ROWS, CDLT_ARRAY_LEN(PATH_ROWS));
}

static void test_shortening(void **state)
{
    (void)state;
    run_rows(SHORT_ROWS, CDLT_ARRAY_LEN(SHORT_ROWS));
}

/* naming_join = shorten_fragments (variant columns, nested table names). */
static void test_join_and_shorten(void **state)
{
    (void)state;
    naming nm;
    buf out = BUF_INIT;
    assert_int_equal(naming_init(&nm, "snake_case", 0), CDLT_OK);
    const char *p1[] = {"id", "v_text"};
    assert_int_equal(naming_join(&nm, p1, NULL, 2, &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "id__v_text");
    const char *p2[] = {"a", "", "  ", "b"}; /* blank fragments are dropped */
    assert_int_equal(naming_join(&nm, p2, NULL, 4, &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "a__b");
    assert_int_equal(naming_join(&nm, p2, NULL, 0, &out), CDLT_INVALID_ARG);

    assert_int_equal(naming_init(&nm, "snake_case", 63), CDLT_OK);
    const char *p3[] = {"my_long_table_name_for_testing",
                        "nested_list_with_quite_a_long_name_xxxxxxxxxxxxxxx"};
    assert_int_equal(naming_join(&nm, p3, NULL, 2, &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out),
                        "my_long_table_name_for_testinamegew_a_long_name_xxxxxxxxxxxxxxx");
    size_t lens[] = {2, 6};
    const char *p4[] = {"idXXX", "v_textYYY"};
    assert_int_equal(naming_join(&nm, p4, lens, 2, &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "id__v_text");

    /* direct joins with U+25B6 */
    assert_int_equal(naming_init(&nm, "direct", 0), CDLT_OK);
    assert_int_equal(naming_join(&nm, p1, NULL, 2, &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "id\xE2\x96\xB6v_text");

    /* naming_shorten: tag from the source, not from the normalized text */
    assert_int_equal(naming_init(&nm, "snake_case", 63), CDLT_OK);
    const char *src = "ThisIsAVeryLongFieldNameThatExceedsThePostgresLimitOfSixtyThreeCharacters";
    const char *norm = "this_is_a_very_long_field_name_that_exceeds_the_postgres_limit_of_sixty_"
                       "three_characters";
    assert_int_equal(naming_shorten(&nm, norm, strlen(norm), src, strlen(src), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out),
                        "this_is_a_very_long_field_namvm7lagit_of_sixty_three_characters");
    assert_int_equal(naming_shorten(&nm, "short", 5, src, strlen(src), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "short");
    buf_free(&out);
}

static void test_init(void **state)
{
    (void)state;
    naming nm;
    assert_int_equal(naming_init(&nm, "snake_case", 0), CDLT_OK);
    assert_int_equal(nm.kind, NAMING_SNAKE_CASE);
    assert_false(nm.case_sensitive);
    assert_string_equal(nm.separator, "__");
    assert_int_equal(naming_init(&nm, NULL, 0), CDLT_OK);
    assert_int_equal(nm.kind, NAMING_SNAKE_CASE);
    assert_int_equal(naming_init(&nm, "dlt.common.normalizers.naming.sql_cs_v1", 0), CDLT_OK);
    assert_int_equal(nm.kind, NAMING_SQL_CS_V1);
    assert_true(nm.case_sensitive);
    assert_int_equal(naming_init(&nm, "sql_ci_v1", 0), CDLT_OK);
    assert_false(nm.case_sensitive);
    assert_int_equal(naming_init(&nm, "direct", 0), CDLT_OK);
    assert_true(nm.case_sensitive);
    assert_string_equal(nm.separator, "\xE2\x96\xB6");
    assert_int_equal(naming_init(&nm, "duck_case", 0), CDLT_OK);
    assert_true(nm.case_sensitive);
    assert_string_equal(nm.separator, "__");
    assert_int_equal(naming_init(&nm, "s3_tables", 0), CDLT_NOT_FOUND);
    assert_int_equal(naming_init(&nm, "SNAKE_CASE", 0), CDLT_NOT_FOUND);
    assert_int_equal(naming_init(&nm, "snake_case", 5), CDLT_INVALID_ARG);
    for (int k = NAMING_SNAKE_CASE; k <= NAMING_DUCK_CASE; k++) {
        assert_int_equal(naming_init(&nm, naming_name((naming_kind)k), 0), CDLT_OK);
        assert_int_equal(nm.kind, k);
    }
}

/* Hostile keys: SQL-ish punctuation, control chars, very long names, emoji, bad UTF-8. */
static void test_hostile(void **state)
{
    (void)state;
    naming sn, cs, di, du;
    assert_int_equal(naming_init(&sn, "snake_case", 0), CDLT_OK);
    assert_int_equal(naming_init(&cs, "sql_cs_v1", 0), CDLT_OK);
    assert_int_equal(naming_init(&di, "direct", 0), CDLT_OK);
    assert_int_equal(naming_init(&du, "duck_case", 0), CDLT_OK);
    buf out = BUF_INIT;
    const char *k1 = "x\"; DROP TABLE users; --";
    assert_int_equal(naming_path(&sn, k1, strlen(k1), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "x_drop_table_usersxxx");
    assert_int_equal(naming_path(&cs, k1, strlen(k1), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "x_DROP_TABLE_users");
    assert_int_equal(naming_path(&di, k1, strlen(k1), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "x_; DROP TABLE users; --");
    assert_int_equal(naming_path(&du, k1, strlen(k1), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "x_; DROP TABLE users; --");
    const char *k2 = "a'b\\c`d\te\0f";
    assert_int_equal(naming_identifier(&sn, k2, 11, &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "a_b_c_d_e_f");
    assert_int_equal(naming_identifier(&di, k2, 11, &out), CDLT_OK);
    assert_int_equal(out.len, 11); /* NUL kept by direct: the caller's quoting must cope */
    assert_memory_equal(out.data, "a_b\\c`d\te\0f", 11);

    /* emoji: 4-byte sequences are non-alnum runs */
    const char *k3 = "😀 smile 😀";
    assert_int_equal(naming_identifier(&sn, k3, strlen(k3), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), "_smilex");
    assert_int_equal(naming_identifier(&di, k3, strlen(k3), &out), CDLT_OK);
    assert_string_equal(buf_cstr(&out), k3);

    /* 300-char names: unchanged without a limit, shortened to 63 code points with one */
    char longk[301];
    for (int i = 0; i < 300; i++)
        longk[i] = (char)('a' + i % 26);
    longk[300] = '\0';
    assert_int_equal(naming_path(&sn, longk, 300, &out), CDLT_OK);
    assert_int_equal(out.len, 300);
    naming sn63;
    assert_int_equal(naming_init(&sn63, "snake_case", 63), CDLT_OK);
    assert_int_equal(naming_path(&sn63, longk, 300, &out), CDLT_OK);
    assert_int_equal(out.len, 63);
    assert_memory_equal(out.data, longk, 29);
    assert_memory_equal(out.data + 35, longk + 300 - 28, 28);
    /* 300 two-byte chars in direct: 63 code points, not 63 bytes */
    char wide[601];
    for (int i = 0; i < 300; i++)
        memcpy(wide + 2 * i, "\xc3\x84", 2);
    wide[600] = '\0';
    naming di63;
    assert_int_equal(naming_init(&di63, "direct", 63), CDLT_OK);
    assert_int_equal(naming_identifier(&di63, wide, 600, &out), CDLT_OK);
    assert_int_equal(out.len, 57 * 2 + 6);
    /* a long key (heap scratch path) */
    char *huge = malloc(5001);
    for (int i = 0; i < 5000; i++)
        huge[i] = i % 7 == 0 ? 'A' : 'b';
    huge[5000] = '\0';
    assert_int_equal(naming_identifier(&sn, huge, 5000, &out), CDLT_OK);
    assert_true(out.len > 5000);
    free(huge);

    /* invalid UTF-8 is rejected (Python never sees such a str): CDLT_UTF8 */
    static const char *bad[] = {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                "ab\x80"};
    for (size_t i = 0; i < CDLT_ARRAY_LEN(bad); i++) {
        assert_int_equal(naming_identifier(&sn, bad[i], strlen(bad[i]), &out), CDLT_UTF8);
        assert_int_equal(naming_path(&di, bad[i], strlen(bad[i]), &out), CDLT_UTF8);
        assert_int_equal(out.len, 0);
    }
    buf_free(&out);
}

/* A capped output buffer reports TOO_LARGE instead of overflowing. */
static void test_buffer_cap(void **state)
{
    (void)state;
    naming sn;
    assert_int_equal(naming_init(&sn, "snake_case", 0), CDLT_OK);
    buf out;
    buf_init(&out, 8);
    const char *k = "a_rather_long_key";
    cdlt_status st = naming_path(&sn, k, strlen(k), &out);
    assert_int_equal(st, CDLT_TOO_LARGE);
    buf_free(&out);
}

typedef struct sweep_ctx {
    naming nm;       /* convention under test */
    const char *key; /* input */
} sweep_ctx;

static cdlt_status sweep_path(void *ud)
{
    sweep_ctx *c = ud;
    buf out = BUF_INIT;
    cdlt_status st = naming_path(&c->nm, c->key, strlen(c->key), &out);
    buf_free(&out);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    sweep_ctx c;
    assert_int_equal(naming_init(&c.nm, "snake_case", 10), CDLT_OK);
    c.key = "very_long_identifier_name__and_more";
    assert_true(tu_alloc_failure_sweep(sweep_path, &c, 50) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identifier_table), cmocka_unit_test(test_paths),
        cmocka_unit_test(test_shortening),       cmocka_unit_test(test_join_and_shorten),
        cmocka_unit_test(test_init),             cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_buffer_cap),       cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
