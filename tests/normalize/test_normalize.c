/* test_normalize.c: unit tests of the normalizer beyond the golden cases: the sink contract,
 * stats, caches staying flat in steady state, error messages, ids, allocation failures. */
#include "testutil.h"

#include "golden.h"
#include "normalize/norm_internal.h"

#include <stdio.h>
#include <stdlib.h>

static jv parse_json(arena *a, const char *text)
{
    jv v;
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(json_parse(text, strlen(text), a, NULL, &v, &e), CDLT_OK);
    return v;
}

typedef struct fixture {
    schema *s;
    normalizer *n;
    arena a;
    recorder rec;
    norm_sink sink;
    cdlt_error err;
} fixture;

static void fx_open(fixture *f, const char *load_id)
{
    memset(f, 0, sizeof *f);
    cdlt_error_clear(&f->err);
    assert_int_equal(schema_new("unit", &f->s, &f->err), CDLT_OK);
    assert_int_equal(norm_open(f->s, load_id, &f->n, &f->err), CDLT_OK);
    arena_init(&f->a, 16 * 1024, 0);
    rec_init(&f->rec, &f->sink);
}

static void fx_close(fixture *f)
{
    rec_free(&f->rec);
    norm_close(f->n);
    schema_free(f->s);
    arena_free(&f->a);
}

static cdlt_status fx_item(fixture *f, const char *json, const char *table)
{
    jv v = parse_json(&f->a, json);
    return norm_item(f->n, &v, table, &f->sink, &f->err);
}

static void test_sink_contract_and_evolution(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    assert_int_equal(fx_item(&f, "{\"a\":1}", "t"), CDLT_OK);
    rec_table *t = rec_find(&f.rec, "t");
    assert_non_null(t);
    assert_int_equal(t->changes, 1);
    assert_int_equal(fx_item(&f, "{\"a\":2}", "t"), CDLT_OK);
    assert_int_equal(t->changes, 1); /* steady state: no schema change */
    assert_int_equal(fx_item(&f, "{\"a\":3,\"b\":\"x\"}", "t"), CDLT_OK);
    assert_int_equal(t->changes, 2);
    assert_int_equal(f.rec.contract_errors, 0);
    assert_int_equal(t->nrows, 3);
    assert_string_equal(buf_cstr(&t->rows) + strlen(buf_cstr(&t->rows)) -
                            strlen("\"b\":\"x\"}\n"),
                        "\"b\":\"x\"}\n");
    const norm_stats *st = norm_get_stats(f.n);
    assert_int_equal(st->items, 3);
    assert_int_equal(st->rows, 3);
    schema_table *st_t = schema_get_table(f.s, "t");
    assert_non_null(st_t);
    assert_true(st_t->seen_data);
    assert_int_equal(st_t->disposition, WD_APPEND);
    fx_close(&f);
}

static void test_null_sink_and_stats(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    jv v = parse_json(&f.a, "{\"a\":[1,2,{\"b\":[3]}]}");
    assert_int_equal(norm_item(f.n, &v, "t", NULL, &f.err), CDLT_OK);
    const norm_stats *st = norm_get_stats(f.n);
    assert_int_equal(st->items, 1);
    assert_int_equal(st->rows, 5); /* t, 3 x t__a, t__a__b */
    assert_non_null(schema_get_table(f.s, "t__a__b"));
    fx_close(&f);
}

static void test_steady_state_caches_flat(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    const char *item = "{\"id\":1,\"name\":\"x\",\"Nested Obj\":{\"k\":true},\"tags\":[\"a\",\"b\"]}";
    assert_int_equal(fx_item(&f, item, "Events"), CDLT_OK);
    size_t perm = f.n->perm.used_total;
    norm_batch_reset(f.n);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(fx_item(&f, item, "Events"), CDLT_OK);
        if (i % 100 == 0)
            norm_batch_reset(f.n);
    }
    /* naming and schema lookups were cached: no new permanent memory per item */
    assert_int_equal(f.n->perm.used_total, perm);
    assert_int_equal(f.rec.contract_errors, 0);
    fx_close(&f);
}

/* Sink that keeps the value of one column of the last row. */
typedef struct ts_sink {
    const char *col; /* column to capture */
    tval last;       /* its value in the last row (DT_NONE when absent) */
} ts_sink;

static cdlt_status ts_changed(void *self, const schema *s, const schema_table *t, uint32_t f)
{
    return CDLT_OK;
}

static cdlt_status ts_row(void *self, const schema_table *t, const tval *vals, uint32_t ncols)
{
    ts_sink *c = self;
    memset(&c->last, 0, sizeof c->last);
    for (uint32_t i = 0; i < ncols; i++)
        if (!strcmp(t->columns[i].name, c->col))
            c->last = vals[i];
    return CDLT_OK;
}

/* The inline "YYYY-MM-DDTHH:MM:SSZ" parse of existing timestamp columns gives exactly what
 * types_coerce gives (and leaves everything it rejects to it). */
static void test_timestamp_fast_path_matches_coerce(void **state)
{
    (void)state;
    static const char *years[] = {"0000", "0001", "1600", "1900", "1969", "1970", "2000", "2023", "2024", "2100", "9999"};
    static const char *months[] = {"00", "01", "02", "03", "04", "09", "11", "12", "13", "1a"};
    static const char *days[] = {"00", "01", "28", "29", "30", "31", "32"};
    static const char *hms[] = {"00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60", "07:05:09"};
    static const char *tails[] = {"Z", "z", "+00:00"};
    for (int naive = 0; naive < 2; naive++) {
        schema *s = NULL;
        normalizer *n = NULL;
        cdlt_error err;
        cdlt_error_clear(&err);
        assert_int_equal(schema_new("ts", &s, &err), CDLT_OK);
        if (naive) { /* declared before the normalizer opens: timezone false */
            schema_table *dt = NULL;
            assert_int_equal(schema_add_table(s, "t", NULL, &dt, &err), CDLT_OK);
            schema_column col = schema_column_init("ts", DT_TIMESTAMP);
            col.timezone = 0;
            uint32_t idx;
            assert_int_equal(table_add_column(s, dt, &col, &idx, &err), CDLT_OK);
        }
        assert_int_equal(norm_open(s, "1.0", &n, &err), CDLT_OK);
        ts_sink cap = {"ts", {0}};
        norm_sink sink = {&cap, ts_changed, ts_row};
        arena a;
        arena_init(&a, 64 * 1024, 0);
        jv first = parse_json(&a, "{\"ts\":\"2020-01-01T00:00:00Z\"}");
        assert_int_equal(norm_item(n, &first, "t", &sink, &err), CDLT_OK);
        schema_table *t = schema_get_table(s, "t");
        assert_non_null(t);
        assert_int_equal(t->columns[0].type, DT_TIMESTAMP);
        assert_int_equal(t->columns[0].timezone, naive ? 0 : -1);
        char text[64];
        for (size_t y = 0; y < sizeof years / sizeof *years; y++)
            for (size_t m = 0; m < sizeof months / sizeof *months; m++)
                for (size_t d = 0; d < sizeof days / sizeof *days; d++)
                    for (size_t h = 0; h < sizeof hms / sizeof *hms; h++)
                        for (size_t z = 0; z < sizeof tails / sizeof *tails; z++) {
                            snprintf(text, sizeof text, "%s-%s-%sT%s%s", years[y], months[m],
                                     days[d], hms[h], tails[z]);
                            jv item = parse_json(&a, "{\"ts\":\"x\"}");
                            jv *v = (jv *)&item.u.members[0].value;
                            v->u.s = text;
                            v->len = (uint32_t)strlen(text);
                            assert_int_equal(norm_item(n, &item, "t", &sink, &err), CDLT_OK);
                            tval want;
                            memset(&want, 0, sizeof want);
                            if (types_coerce(v, DT_TIMESTAMP, &a, &want) != CDLT_OK) {
                                assert_int_equal(cap.last.type, DT_NONE); /* went to a variant */
                                continue;
                            }
                            if (naive)
                                want.flags |= TV_NAIVE;
                            assert_int_equal(cap.last.type, DT_TIMESTAMP);
                            assert_int_equal(cap.last.flags, want.flags);
                            assert_true(cap.last.u.ts == want.u.ts);
                        }
        norm_batch_reset(n);
        arena_free(&a);
        norm_close(n);
        schema_free(s);
    }
}

static void test_random_ids_unique(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    char (*ids)[15] = calloc(5000, 15);
    for (int i = 0; i < 5000; i++) {
        norm_random_id(f.n, ids[i]);
        assert_int_equal(strlen(ids[i]), 14);
    }
    for (int i = 1; i < 5000; i++)
        assert_string_not_equal(ids[i], ids[i - 1]);
    free(ids);
    char d[15];
    const char *s = "0Qb4OPSRrBcm/A_users__tags_0";
    assert_int_equal(norm_digest_id(f.n, s, strlen(s), d), CDLT_OK);
    assert_string_equal(d, "HstmWn3T61zRiQ");
    fx_close(&f);
}

/* the 4-lane SHAKE128 must equal OpenSSL's for every single-block length */
static void test_shake4_matches_evp(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    char in[4][200];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 200; j++)
            in[i][j] = (char)(' ' + (i * 31 + j * 7) % 90);
    const char *ins[4] = {in[0], in[1], in[2], in[3]};
    for (size_t len = 0; len < 168; len++) {
        size_t lens[4] = {len, 167 - len, len / 2, (len * 13) % 168};
        unsigned char md[4][10];
        assert_true(norm_shake4(ins, lens, md));
        for (int l = 0; l < 4; l++) {
            char a[15], b64[24];
            assert_int_equal(norm_digest_id(f.n, in[l], lens[l], a), CDLT_OK);
            b64_encode(md[l], 10, b64, false);
            b64[14] = '\0';
            assert_string_equal(a, b64);
        }
    }
    size_t big[4] = {168, 1, 1, 1};
    unsigned char md[4][10];
    assert_false(norm_shake4(ins, big, md));
    fx_close(&f);
}

static void test_error_names_table_column_value(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    assert_int_equal(fx_item(&f, "{\"n\":1}", "t"), CDLT_OK);
    assert_int_equal(fx_item(&f, "{\"n\":\"2024-01-01T00:00:00Z\"}", "t"), CDLT_OK);
    assert_int_equal(fx_item(&f, "{\"n\":\"bad value\"}", "t"), CDLT_COERCE);
    assert_non_null(strstr(f.err.message, "'t'"));
    assert_non_null(strstr(f.err.message, "n__v_text"));
    assert_non_null(strstr(f.err.message, "bad value"));
    fx_close(&f);
}

/* Integers beyond int64 never reach a sink as a bigint value (18446744073709551615 used to
 * arrive as -1, a bignum as its text pointer): a variant made for one (a timestamp column
 * cannot take it, so dlt makes `ts__v_bigint`) is an error too, with the value cut short. */
static void test_int_beyond_bigint_variant_and_long_value(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    assert_int_equal(fx_item(&f, "{\"ts\":\"2024-01-01T00:00:00Z\"}", "t"), CDLT_OK);
    assert_int_equal(fx_item(&f, "{\"ts\":18446744073709551615}", "t"), CDLT_COERCE);
    assert_non_null(strstr(f.err.message, "table 't', column 'ts__v_bigint'"));
    assert_non_null(strstr(f.err.message, "integer 18446744073709551615 does not fit"));
    assert_non_null(strstr(f.err.message, "`large_integer`"));
    assert_string_equal(f.err.table, "t");
    assert_string_equal(f.err.column_name, "ts__v_bigint");
    assert_null(table_get_column(schema_get_table(f.s, "t"), "ts__v_bigint", 12));
    /* a 400-digit integer: the message shows the first 200 characters and "..." */
    char item[600];
    int o = snprintf(item, sizeof item, "{\"big\":");
    for (int i = 0; i < 400; i++)
        item[o++] = (char)('1' + i % 9);
    snprintf(item + o, sizeof item - (size_t)o, "}");
    assert_int_equal(fx_item(&f, item, "t"), CDLT_COERCE);
    assert_non_null(strstr(f.err.message, "column 'big'"));
    assert_non_null(strstr(f.err.message, "integer 123456789123456789"));
    assert_non_null(strstr(f.err.message, "..."));
    assert_true(strlen(f.err.message) < 800);
    /* with large_integer the same values load: wei (exact text) and text */
    f.s->detections |= DETECT_LARGE_INTEGER;
    assert_int_equal(fx_item(&f, item, "t"), CDLT_OK);
    assert_int_equal(fx_item(&f, "{\"w\":18446744073709551615}", "t"), CDLT_OK);
    schema_table *t = schema_get_table(f.s, "t");
    assert_int_equal(table_get_column(t, "big", 3)->type, DT_TEXT);
    assert_int_equal(table_get_column(t, "w", 1)->type, DT_WEI);
    rec_table *rt = rec_find(&f.rec, "t");
    assert_non_null(strstr(rt->rows.data, "\"w\":\"18446744073709551615\""));
    fx_close(&f);
}

static void test_schema_changed_first_new(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    assert_int_equal(fx_item(&f, "{\"a\":1,\"l\":[{\"x\":1}]}", "t"), CDLT_OK);
    schema_table *t = schema_get_table(f.s, "t");
    uint32_t before = t->ncolumns;
    assert_int_equal(fx_item(&f, "{\"a\":1,\"c\":2}", "t"), CDLT_OK);
    assert_int_equal(t->ncolumns, before + 1);
    assert_string_equal(t->columns[before].name, "c");
    assert_int_equal(f.rec.contract_errors, 0);
    fx_close(&f);
}

static void test_bad_table_name(void **state)
{
    (void)state;
    fixture f;
    fx_open(&f, "1.0");
    assert_int_equal(fx_item(&f, "{\"a\":1}", "   "), CDLT_INVALID_ARG);
    assert_int_equal(fx_item(&f, "{\"a\":1}", ""), CDLT_INVALID_ARG);
    fx_close(&f);
}

static void test_open_errors(void **state)
{
    (void)state;
    normalizer *n = (normalizer *)1;
    cdlt_error e;
    cdlt_error_clear(&e);
    assert_int_equal(norm_open(NULL, "1", &n, &e), CDLT_INVALID_ARG);
    assert_null(n);
    norm_close(NULL);
}

/* allocation-failure sweep over: schema + normalizer + one nested item + close */
static cdlt_status sweep_fn(void *ud)
{
    const jv *v = ud; /* parsed outside: the sweep covers schema + normalizer only */
    cdlt_error e;
    cdlt_error_clear(&e);
    schema *s = NULL;
    normalizer *n = NULL;
    cdlt_status st = schema_new("sweep", &s, &e);
    if (st == CDLT_OK)
        st = norm_open(s, "1.0", &n, &e);
    if (st == CDLT_OK)
        st = norm_item(n, v, "Sweep Table", NULL, &e);
    if (st == CDLT_OK)
        st = norm_item(n, v, "Sweep Table", NULL, &e);
    if (st == CDLT_OK) {
        const schema_table *t = schema_get_table(s, "sweep_table__d__e");
        if (!t || norm_get_stats(n)->rows != 14)
            st = CDLT_ERROR; /* a swallowed failure would show up as missing output */
    }
    norm_close(n);
    schema_free(s);
    return st;
}

static void test_alloc_failure_sweep(void **state)
{
    (void)state;
    arena a;
    arena_init(&a, 4096, 0);
    jv v = parse_json(&a, "{\"id\":1,\"Name\":\"x\",\"d\":{\"e\":[1,{\"f\":2}]},"
                          "\"l\":[[1],[2]],\"t\":\"2024-01-01T00:00:00Z\"}");
    uint64_t before = cdlt_alloc_count();
    assert_int_equal(sweep_fn(&v), CDLT_OK);
    uint64_t total = cdlt_alloc_count() - before;
    int points = tu_alloc_failure_sweep(sweep_fn, &v, 4000);
    arena_free(&a);
    fprintf(stderr, "alloc sweep: %d failure points of %llu allocations\n", points,
            (unsigned long long)total);
    assert_int_equal((uint64_t)points, total); /* every allocation's failure was reported */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_contract_and_evolution),
        cmocka_unit_test(test_null_sink_and_stats),
        cmocka_unit_test(test_steady_state_caches_flat),
        cmocka_unit_test(test_random_ids_unique),
        cmocka_unit_test(test_timestamp_fast_path_matches_coerce),
        cmocka_unit_test(test_shake4_matches_evp),
        cmocka_unit_test(test_error_names_table_column_value),
        cmocka_unit_test(test_int_beyond_bigint_variant_and_long_value),
        cmocka_unit_test(test_schema_changed_first_new),
        cmocka_unit_test(test_bad_table_name),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_alloc_failure_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
