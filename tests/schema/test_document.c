/* test_document.c: the stored schema document: JSON shape against an expected file (hash
 * computed independently by gen_expected.py), round trips, YAML export/import, version hash
 * and bumps, schema files, schema updates, and allocation failures while serializing. */
#include "testutil.h"

#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>

#define EXPECTED_HASH "aimC2+nmmJECtgOPitp9y0uPi4XnN2TD0rRljPwccbA="

static cdlt_status add(schema *s, schema_table *t, const char *name, dtype type, bool nullable,
                       uint32_t hints, bool defaults)
{
    schema_column c = schema_column_init(name, type);
    c.nullable = nullable;
    c.hints = hints;
    if (defaults)
        schema_apply_default_hints(s, &c);
    return table_add_column(s, t, &c, NULL, NULL);
}

/* The schema gen_expected.py describes, built through the API. */
static cdlt_status build_small(schema **out)
{
    *out = NULL;
    schema *s = NULL;
    cdlt_status st = schema_new("small", &s, NULL);
    if (st != CDLT_OK)
        return st;
    arena a;
    arena_init(&a, 1024, 0);
    schema_table *u = NULL, *n = NULL;
    st = schema_add_preferred_type(s, "re:^ts_", DT_TIMESTAMP, NULL);
    s->contract.columns = CM_DISCARD_VALUE;
    if (st == CDLT_OK)
        st = schema_add_table(s, "users", NULL, &u, NULL);
    if (st == CDLT_OK) {
        u->disposition = WD_MERGE;
        u->strategy = MS_DELETE_INSERT;
        u->contract = (schema_contract){CM_FREEZE, CM_FREEZE, CM_FREEZE};
        u->seen_data = true;
        st = add(s, u, "id", DT_BIGINT, false, HINT_PRIMARY_KEY, false);
    }
    if (st == CDLT_OK) {
        schema_column c = schema_column_init("name", DT_TEXT);
        jv_builder b;
        jv_builder_init(&b, JV_OBJECT);
        st = jv_builder_set(&b, &a, "x-annotation-pii", 16, jv_bool(true));
        c.extra = b.value;
        if (st == CDLT_OK)
            st = table_add_column(s, u, &c, NULL, NULL);
    }
    if (st == CDLT_OK) {
        schema_column c = schema_column_init("ts_seen", DT_TIMESTAMP);
        c.description = "Time: when # seen";
        st = table_add_column(s, u, &c, NULL, NULL);
    }
    if (st == CDLT_OK)
        st = add(s, u, "on", DT_BOOL, true, 0, true);
    if (st == CDLT_OK)
        st = add(s, u, "_dlt_load_id", DT_TEXT, true, 0, true);
    if (st == CDLT_OK)
        st = add(s, u, "_dlt_id", DT_TEXT, true, 0, true);
    if (st == CDLT_OK)
        st = schema_add_table(s, "users__tags", "users", &n, NULL);
    if (st == CDLT_OK) {
        n->seen_data = true;
        st = add(s, n, "value", DT_TEXT, true, 0, true);
    }
    if (st == CDLT_OK)
        st = add(s, n, "_dlt_parent_id", DT_TEXT, true, 0, true);
    if (st == CDLT_OK)
        st = add(s, n, "_dlt_list_idx", DT_BIGINT, true, 0, true);
    if (st == CDLT_OK)
        st = add(s, n, "_dlt_id", DT_TEXT, true, 0, true);
    arena_free(&a);
    if (st != CDLT_OK) {
        schema_free(s);
        return st;
    }
    *out = s;
    return CDLT_OK;
}

static schema *small(void)
{
    schema *s = NULL;
    assert_int_equal(build_small(&s), CDLT_OK);
    return s;
}

static char *read_data(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/schema/data/%s", name);
    char *text = tu_read_file(tu_source_path(rel), len);
    assert_non_null(text);
    return text;
}

/* Compact JSON of a JSON text (keys in source order). */
static char *compact(const char *text, size_t len)
{
    arena a;
    arena_init(&a, 4096, 0);
    jv v;
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(json_parse(text, len, &a, NULL, &v, &err), CDLT_OK);
    buf b = BUF_INIT;
    assert_int_equal(json_write(&b, &v, 0), CDLT_OK);
    arena_free(&a);
    char *out = strdup(buf_cstr(&b));
    buf_free(&b);
    return out;
}

static char *to_json(const schema *s, bool pretty)
{
    buf b = BUF_INIT;
    assert_int_equal(schema_to_json(s, pretty, &b), CDLT_OK);
    char *out = strdup(buf_cstr(&b));
    buf_free(&b);
    return out;
}

static void test_json_shape(void **state)
{
    (void)state;
    schema *s = small();
    size_t len;
    char *text = read_data("small_schema.json", &len);
    char *want = compact(text, len);
    char *got = to_json(s, false);
    if (strcmp(want, got) != 0)
        fprintf(stderr, "want: %s\ngot:  %s\n", want, got);
    assert_string_equal(got, want);
    char h[64];
    assert_int_equal(schema_compute_hash(s, h), CDLT_OK);
    assert_string_equal(h, EXPECTED_HASH);
    /* to_json does not change the schema (dlt's to_dict bumps only the written copy) */
    assert_null(s->version_hash);
    free(got);
    /* pretty output is the same document */
    got = to_json(s, true);
    assert_non_null(strstr(got, "\n  \"version\": 1"));
    char *again = compact(got, strlen(got));
    assert_string_equal(again, want);
    free(again);
    free(got);
    free(want);
    free(text);
    schema_free(s);
}

static void roundtrip(const schema *s)
{
    char *a = to_json(s, true);
    schema *s2 = NULL;
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_from_json(a, strlen(a), "rt.json", &s2, &err), CDLT_OK);
    char *b = to_json(s2, true);
    if (strcmp(a, b) != 0)
        fprintf(stderr, "first:\n%s\nsecond:\n%s\n", a, b);
    assert_string_equal(a, b);
    free(a);
    free(b);
    schema_free(s2);
}

static void test_round_trip(void **state)
{
    (void)state;
    schema *s = small();
    roundtrip(s);
    schema_free(s);
    /* the expected file itself loads to the same document */
    size_t len;
    char *text = read_data("small_schema.json", &len);
    schema *f = NULL;
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_from_json(text, len, "small_schema.json", &f, &err), CDLT_OK);
    assert_string_equal(f->version_hash, EXPECTED_HASH);
    assert_int_equal(f->version, 1);
    schema_table *u = schema_get_table(f, "users");
    assert_int_equal(u->disposition, WD_MERGE);
    assert_int_equal(u->strategy, MS_DELETE_INSERT);
    assert_int_equal(u->contract.data_type, CM_FREEZE);
    assert_true(u->seen_data);
    assert_int_equal(f->contract.columns, CM_DISCARD_VALUE);
    assert_int_equal(f->contract.tables, CM_UNSET);
    assert_int_equal(table_get_column(u, "id", 2)->hints, HINT_PRIMARY_KEY);
    char *want = compact(text, len);
    char *got = to_json(f, false);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(text);
    schema_free(f);

    /* everything the model keeps verbatim or in typed fields survives */
    const char *rich =
        "{\"version\":7,\"version_hash\":\"x\",\"engine_version\":11,\"name\":\"rich\","
        "\"tables\":{\"_dlt_version\":{\"name\":\"_dlt_version\",\"columns\":{}},"
        "\"_dlt_loads\":{\"name\":\"_dlt_loads\",\"columns\":{}},"
        "\"e\":{\"name\":\"e\",\"columns\":{\"_dlt_id\":{\"name\":\"_dlt_id\","
        "\"data_type\":\"text\",\"nullable\":false,\"unique\":false,\"row_key\":false,"
        "\"x-row-version\":true},\"d\":{\"name\":\"d\",\"data_type\":\"decimal\","
        "\"nullable\":true,\"precision\":38,\"scale\":9,\"timezone\":false,\"dedup_sort\":"
        "\"desc\",\"description\":\"money\"},\"j\":{\"name\":\"j\",\"data_type\":\"complex\","
        "\"nullable\":true},\"h\":{\"name\":\"h\",\"nullable\":false,\"merge_key\":true}},"
        "\"write_disposition\":\"merge\",\"resource\":\"res\",\"table_format\":\"iceberg\","
        "\"x-merge-strategy\":\"scd2\",\"x-normalizer\":{\"evolve-columns-once\":true,"
        "\"max_nesting\":2,\"other\":1},\"references\":[{\"columns\":[\"d\"],"
        "\"referenced_table\":\"x\",\"referenced_columns\":[\"id\"]}],"
        "\"x-stage-data-deduplicated\":true}},"
        "\"settings\":{\"detections\":[\"iso_timestamp\",\"large_integer\"],"
        "\"default_hints\":{\"not_null\":[\"re:^_dlt\"]},\"schema_contract\":\"discard_row\","
        "\"x-custom\":[1,2.5,null]},"
        "\"normalizers\":{\"names\":\"sql_cs_v1\",\"json\":{\"module\":"
        "\"dlt.common.normalizers.json.relational\",\"config\":{\"max_nesting\":1000,"
        "\"propagation\":{\"tables\":{\"e\":{\"_dlt_id\":\"_dlt_root_id\"}}},"
        "\"root_key_propagation\":true}},\"allow_identifier_change_on_table_with_data\":true},"
        "\"previous_hashes\":[\"p1\",\"p2\"],\"imported_version_hash\":\"imp\","
        "\"description\":\"rich one\"}";
    schema *r = NULL;
    assert_int_equal(schema_from_json(rich, strlen(rich), "rich.json", &r, &err), CDLT_OK);
    schema_table *e = schema_get_table(r, "e");
    assert_int_equal(e->strategy, MS_SCD2);
    assert_int_equal(e->max_nesting, 2);
    assert_int_equal(r->naming.kind, NAMING_SQL_CS_V1);
    assert_int_equal(r->root_key_propagation, 1);
    assert_true(r->max_nesting_set);
    assert_int_equal(table_get_column(e, "j", 1)->type, DT_JSON);
    assert_int_equal(table_get_column(e, "_dlt_id", 7)->hints, 0);
    assert_int_equal(table_get_column(e, "d", 1)->dedup_sort, -1);
    assert_int_equal(table_get_column(e, "h", 1)->type, DT_NONE);
    assert_int_equal(r->contract.tables, CM_DISCARD_ROW);
    assert_int_equal(r->detections, DETECT_ISO_TIMESTAMP | DETECT_LARGE_INTEGER);
    /* the relational normalizer's default hints were merged in after the document's */
    assert_string_equal(r->default_hints[0].pattern, "re:^_dlt");
    assert_true(r->ndefault_hints > 5);
    roundtrip(r);
    char *j = to_json(r, false);
    assert_non_null(strstr(j, "\"unique\":false,\"row_key\":false,\"x-row-version\":true"));
    assert_non_null(strstr(j, "\"x-custom\":[1,2.5,null]"));
    assert_non_null(strstr(j, "\"data_type\":\"json\""));
    assert_non_null(strstr(j, "\"imported_version_hash\":\"imp\""));
    /* the stored hash "x" is stale: the written document is bumped, like dlt's to_dict */
    assert_non_null(strstr(j, "\"version\":8,"));
    assert_non_null(strstr(j, "\"previous_hashes\":[\"x\",\"p1\",\"p2\"]"));
    free(j);
    schema_free(r);

    /* errors name what is wrong */
    const char *bad[] = {
        "[]",
        "{\"tables\":{}}",
        "{\"name\":\"b\",\"engine_version\":12}",
        "{\"name\":\"b\",\"tables\":{\"t\":{\"columns\":{\"c\":{\"data_type\":\"nope\"}}}}}",
        "{\"name\":\"b\",\"tables\":{\"t\":{\"parent\":\"missing\",\"columns\":{}}}}",
        "{\"name\":\"b\",\"tables\":{\"t\":{\"write_disposition\":\"upsert\"}}}",
        "{\"name\":\"b\",\"settings\":{\"preferred_types\":{\"re:(\":\"text\"}}}",
    };
    const char *msg[] = {"object", "name", "engine_version", "data type", "missing",
                         "write_disposition", "regex"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        schema *x = (schema *)1;
        assert_int_not_equal(schema_from_json(bad[i], strlen(bad[i]), "bad.json", &x, &err),
                             CDLT_OK);
        assert_null(x);
        if (!strstr(err.message, msg[i]))
            fprintf(stderr, "case %zu: %s\n", i, err.message);
        assert_non_null(strstr(err.message, msg[i]));
    }
}

/* A schema document printed by dlt itself (docs: "Review dlt schema", to_dict of
 * fruit_with_ref, version 2): our hash of its content must equal dlt's version_hash. */
static void test_dlt_document(void **state)
{
    (void)state;
    size_t len;
    char *text = read_data("dlt_fruit_with_ref.schema.json", &len);
    schema *s = NULL;
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_from_json(text, len, "dlt_fruit_with_ref.schema.json", &s, &err),
                     CDLT_OK);
    char h[64];
    assert_int_equal(schema_compute_hash(s, h), CDLT_OK);
    assert_string_equal(h, "iW0MtTw8NXm1r/amMiYpOF63Of44Mx5VfYOh5DM6/7s=");
    assert_string_equal(s->version_hash, h);
    assert_int_equal(s->version, 2);
    assert_int_equal(s->nprevious, 2);
    bool changed = true;
    assert_int_equal(schema_bump_version(s, &changed, NULL), CDLT_OK);
    assert_false(changed);
    schema_table *p = schema_get_table(s, "purchases");
    assert_non_null(jv_get(&p->extra, "references"));
    assert_string_equal(schema_get_table(s, "purchases__items")->parent, "purchases");
    /* the same content loaded, written and loaded again keeps the hash */
    char *j = to_json(s, true);
    assert_non_null(strstr(j, "\"version\": 2"));
    schema *s2 = NULL;
    assert_int_equal(schema_from_json(j, strlen(j), "again.json", &s2, &err), CDLT_OK);
    assert_int_equal(schema_compute_hash(s2, h), CDLT_OK);
    assert_string_equal(h, "iW0MtTw8NXm1r/amMiYpOF63Of44Mx5VfYOh5DM6/7s=");
    free(j);
    schema_free(s2);
    schema_free(s);
    free(text);
}

static void test_clone(void **state)
{
    (void)state;
    schema *s = small();
    assert_int_equal(schema_bump_version(s, NULL, NULL), CDLT_OK);
    uint32_t mark = schema_mark(s);
    schema *c = NULL;
    assert_int_equal(schema_clone(s, &c, NULL), CDLT_OK);
    char *a = to_json(s, false), *b = to_json(c, false);
    assert_string_equal(a, b);
    free(b);
    assert_int_equal(c->version, 1);
    assert_string_equal(c->version_hash, s->version_hash);
    assert_false(schema_has_updates(c, mark));
    assert_int_equal(add(c, schema_get_table(c, "users"), "more", DT_TEXT, true, 0, false),
                     CDLT_OK);
    assert_true(schema_has_updates(c, mark));
    b = to_json(s, false);
    assert_string_equal(a, b);
    free(a);
    free(b);
    schema_free(c);
    schema_free(s);
}

static void test_yaml(void **state)
{
    (void)state;
    schema *s = small();
    buf b = BUF_INIT;
    assert_int_equal(schema_to_yaml(s, true, &b), CDLT_OK);
    size_t len;
    char *want = read_data("small_schema.yaml", &len);
    if (strcmp(want, buf_cstr(&b)) != 0)
        fprintf(stderr, "got yaml:\n%s\n", buf_cstr(&b));
    assert_string_equal(buf_cstr(&b), want);

    /* import: names come back from the keys, the content hash is the same */
    arena a;
    arena_init(&a, 4096, 0);
    jv doc;
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_yaml_parse(want, len, "small_schema.yaml", &a, &doc, &err), CDLT_OK);
    schema *y = NULL;
    assert_int_equal(schema_from_jv(&doc, &y, &err), CDLT_OK);
    char h[64];
    assert_int_equal(schema_compute_hash(y, h), CDLT_OK);
    assert_string_equal(h, EXPECTED_HASH);
    assert_true(table_get_column(schema_get_table(y, "users"), "on", 2) != NULL);
    schema_free(y);
    arena_free(&a);
    free(want);

    /* scalars: quoting and YAML 1.1 resolution both ways */
    arena_init(&a, 4096, 0);
    jv_builder o;
    jv_builder_init(&o, JV_OBJECT);
    const char *strs[] = {"yes", "1.5", "007", "", " lead", "a: b", "#x", "-", "- x", "ok-x",
                          "it's", "line\nbreak", "null", "~", "0x1F", "2024-01-01", "plain text",
                          "ünïcode", "@at", "a #b", "a#b", ".inf", "1_000", "=", "x:y"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%zu", i);
        jv_builder_set(&o, &a, key, strlen(key), jv_str(&a, strs[i], strlen(strs[i])));
    }
    jv_builder_set(&o, &a, "int", 3, jv_int(-42));
    jv_builder_set(&o, &a, "dbl", 3, jv_double(2.5));
    jv_builder_set(&o, &a, "t", 1, jv_bool(true));
    jv_builder_set(&o, &a, "n", 1, jv_null());
    jv_builder l;
    jv_builder_init(&l, JV_ARRAY);
    jv_builder_push(&l, &a, jv_int(1));
    jv_builder inner;
    jv_builder_init(&inner, JV_OBJECT);
    jv_builder_set(&inner, &a, "a", 1, jv_int(1));
    jv_builder_set(&inner, &a, "b", 1, jv_str(&a, "x", 1));
    jv_builder_push(&l, &a, inner.value);
    jv_builder l2;
    jv_builder_init(&l2, JV_ARRAY);
    jv_builder_push(&l2, &a, jv_int(2));
    jv_builder_push(&l2, &a, jv_int(3));
    jv_builder_push(&l, &a, l2.value);
    jv_builder e;
    jv_builder_init(&e, JV_OBJECT);
    jv_builder_push(&l, &a, e.value);
    jv_builder_set(&o, &a, "list", 4, l.value);
    buf_clear(&b);
    assert_int_equal(schema_yaml_emit(&o.value, &b), CDLT_OK);
    const char *y2 = buf_cstr(&b);
    assert_non_null(strstr(y2, "k0: 'yes'\n"));
    assert_non_null(strstr(y2, "k1: '1.5'\n"));
    assert_non_null(strstr(y2, "k4: ' lead'\n"));
    assert_non_null(strstr(y2, "k5: 'a: b'\n"));
    assert_non_null(strstr(y2, "k9: ok-x\n"));
    assert_non_null(strstr(y2, "k10: it's\n"));
    assert_non_null(strstr(y2, "k11: \"line\\nbreak\"\n"));
    assert_non_null(strstr(y2, "k16: plain text\n"));
    assert_non_null(strstr(y2, "k17: ünïcode\n"));
    assert_non_null(strstr(y2, "k20: a#b\n"));
    assert_non_null(strstr(y2, "list:\n- 1\n- a: 1\n  b: x\n- - 2\n  - 3\n- {}\n"));
    jv back;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_yaml_parse(y2, strlen(y2), "x.yaml", &a, &back, &err), CDLT_OK);
    if (!jv_equal(&back, &o.value))
        fprintf(stderr, "yaml:\n%s\n", y2);
    assert_true(jv_equal(&back, &o.value));
    /* YAML 1.1 plain scalars */
    const char *src = "a: yes\nb: Off\nc: ~\nd: 0x10\ne: 1_000\nf: 1.5e+3\ng: 'yes'\nh: .inf\n";
    assert_int_equal(schema_yaml_parse(src, strlen(src), "y.yaml", &a, &back, &err), CDLT_OK);
    assert_true(jv_get(&back, "a")->u.b);
    assert_false(jv_get(&back, "b")->u.b);
    assert_int_equal(jv_get(&back, "c")->type, JV_NULL);
    assert_int_equal(jv_get(&back, "d")->u.i, 16);
    assert_int_equal(jv_get(&back, "e")->u.i, 1000);
    assert_true(jv_get(&back, "f")->u.d == 1500.0);
    assert_int_equal(jv_get(&back, "g")->type, JV_STRING);
    /* errors carry a position */
    memset(&err, 0, sizeof err);
    const char *broken = "a: [1, 2\nb: c\n";
    assert_int_equal(schema_yaml_parse(broken, strlen(broken), "z.yaml", &a, &back, &err),
                     CDLT_PARSE);
    assert_non_null(strstr(err.message, "z.yaml"));
    arena_free(&a);
    buf_free(&b);
    schema_free(s);
}

static void test_hash_and_versions(void **state)
{
    (void)state;
    schema *s = small();
    schema *s2 = small();
    char h1[64], h2[64];
    assert_int_equal(schema_compute_hash(s, h1), CDLT_OK);
    assert_int_equal(schema_compute_hash(s2, h2), CDLT_OK);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 44);
    assert_int_equal(h1[43], '=');

    /* reordering columns changes the hash even though the sorted content is equal */
    schema_table *t = schema_get_table(s2, "users__tags");
    schema_column tmp = t->columns[0];
    t->columns[0] = t->columns[1];
    t->columns[1] = tmp;
    map_put(&t->column_index, t->columns[0].name, t->columns[0].name_len, (void *)(uintptr_t)1);
    map_put(&t->column_index, t->columns[1].name, t->columns[1].name_len, (void *)(uintptr_t)2);
    assert_int_equal(schema_compute_hash(s2, h2), CDLT_OK);
    assert_string_not_equal(h1, h2);

    /* version bumps */
    bool changed = false;
    assert_int_equal(schema_bump_version(s, &changed, NULL), CDLT_OK);
    assert_true(changed);
    assert_int_equal(s->version, 1);
    assert_string_equal(s->version_hash, h1);
    assert_int_equal(s->nprevious, 0);
    assert_int_equal(schema_bump_version(s, &changed, NULL), CDLT_OK);
    assert_false(changed);
    assert_int_equal(s->version, 1);
    schema_table *u = schema_get_table(s, "users");
    for (int i = 0; i < 12; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        assert_int_equal(add(s, u, name, DT_TEXT, true, 0, false), CDLT_OK);
        const char *before = s->version_hash;
        assert_int_equal(schema_bump_version(s, &changed, NULL), CDLT_OK);
        assert_true(changed);
        assert_int_equal(s->version, 2 + i);
        assert_ptr_equal(s->previous_hashes[0], before);
    }
    assert_int_equal(s->nprevious, 10);
    /* a change of a property also changes the hash */
    char h3[64];
    assert_int_equal(schema_compute_hash(s, h3), CDLT_OK);
    u->seen_data = false;
    assert_int_equal(schema_compute_hash(s, h2), CDLT_OK);
    assert_string_not_equal(h2, h3);
    schema_free(s);
    schema_free(s2);
}

static void test_files(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("schema");
    char sub[1024], imp[1024];
    snprintf(sub, sizeof sub, "%s/schemas", dir);
    snprintf(imp, sizeof imp, "%s/import", dir);
    schema *s = small();
    cdlt_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_save(s, sub, &err), CDLT_OK);
    assert_int_equal(s->version, 1);
    schema *l = NULL;
    assert_int_equal(schema_load(sub, "small", &l, &err), CDLT_OK);
    assert_string_equal(l->version_hash, EXPECTED_HASH);
    char *a = to_json(s, true), *b = to_json(l, true);
    assert_string_equal(a, b);
    free(a);
    free(b);
    schema_free(l);
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_load(sub, "nope", &l, &err), CDLT_NOT_FOUND);

    /* tampering with the stored file is detected */
    char path[1200];
    snprintf(path, sizeof path, "%s/small.schema.json", sub);
    size_t len;
    char *text = tu_read_file(path, &len);
    char *p = strstr(text, "\"ts_seen\"");
    assert_non_null(p);
    memcpy(p, "\"ts_seex\"", 9);
    assert_int_equal(tu_write_file(path, text, len), 0);
    free(text);
    memset(&err, 0, sizeof err);
    assert_int_equal(schema_load(sub, "small", &l, &err), CDLT_SCHEMA);
    assert_non_null(strstr(err.message, "modified"));

    /* export -> import: unchanged file does not replace; an edited one does */
    assert_int_equal(schema_export(s, imp, SCHEMA_FMT_YAML, true, &err), CDLT_OK);
    snprintf(path, sizeof path, "%s/small.schema.yaml", imp);
    text = tu_read_file(path, &len);
    assert_non_null(text);
    assert_null(strstr(text, "x-normalizer"));
    assert_null(strstr(text, "name: id"));
    free(text);
    bool replaced = true;
    /* first import into a saved schema: hash of the file (no processing hints) differs */
    assert_int_equal(schema_import(&s, imp, SCHEMA_FMT_YAML, &replaced, &err), CDLT_OK);
    assert_true(replaced);
    assert_non_null(s->imported_version_hash);
    assert_false(schema_get_table(s, "users")->seen_data);
    assert_int_equal(s->version, 1);
    assert_int_equal(s->nprevious, 1);
    assert_int_equal(schema_save(s, sub, &err), CDLT_OK);
    assert_int_equal(s->version, 2);
    assert_int_equal(schema_import(&s, imp, SCHEMA_FMT_YAML, &replaced, &err), CDLT_OK);
    assert_false(replaced);
    /* edit the import file: add a column */
    text = tu_read_file(path, &len);
    const char *anchor = "      _dlt_load_id:\n";
    p = strstr(text, anchor);
    assert_non_null(p);
    buf nb = BUF_INIT;
    buf_append(&nb, text, (size_t)(p - text));
    buf_puts(&nb, "      added:\n        data_type: double\n        nullable: true\n");
    buf_puts(&nb, p);
    assert_int_equal(tu_write_file(path, nb.data, nb.len), 0);
    buf_free(&nb);
    free(text);
    assert_int_equal(schema_import(&s, imp, SCHEMA_FMT_YAML, &replaced, &err), CDLT_OK);
    assert_true(replaced);
    assert_non_null(table_get_column(schema_get_table(s, "users"), "added", 5));
    assert_int_equal(schema_save(s, sub, &err), CDLT_OK);
    assert_int_equal(s->version, 3);
    schema_free(s);

    /* json export format, and no import file -> nothing happens */
    s = small();
    assert_int_equal(schema_export(s, imp, SCHEMA_FMT_JSON, false, &err), CDLT_OK);
    snprintf(path, sizeof path, "%s/small.schema.json", imp);
    text = tu_read_file(path, &len);
    assert_non_null(strstr(text, "\"x-normalizer\""));
    free(text);
    snprintf(path, sizeof path, "%s/none", dir);
    assert_int_equal(schema_import(&s, path, SCHEMA_FMT_YAML, &replaced, &err), CDLT_OK);
    assert_false(replaced);
    schema_free(s);
    tu_rm_rf(dir);
    free(dir);
}

static void test_updates(void **state)
{
    (void)state;
    schema *s = small();
    uint32_t mark = schema_mark(s);
    buf b = BUF_INIT;
    assert_false(schema_has_updates(s, mark));
    assert_int_equal(schema_updates_to_json(s, mark, &b), CDLT_OK);
    assert_string_equal(buf_cstr(&b), "{}");
    schema_table *u = schema_get_table(s, "users__tags");
    assert_int_equal(add(s, u, "extra", DT_BIGINT, true, 0, false), CDLT_OK);
    schema_table *n = NULL;
    assert_int_equal(schema_add_table(s, "orders", NULL, &n, NULL), CDLT_OK);
    assert_int_equal(add(s, n, "id", DT_BIGINT, true, 0, false), CDLT_OK);
    assert_true(schema_has_updates(s, mark));
    buf_clear(&b);
    assert_int_equal(schema_updates_to_json(s, mark, &b), CDLT_OK);
    assert_string_equal(
        buf_cstr(&b),
        "{\"users__tags\":[{\"name\":\"users__tags\",\"columns\":{\"extra\":{\"name\":\"extra\","
        "\"data_type\":\"bigint\",\"nullable\":true}},\"parent\":\"users\"}],"
        "\"orders\":[{\"name\":\"orders\",\"columns\":{\"id\":{\"name\":\"id\",\"data_type\":"
        "\"bigint\",\"nullable\":true}},\"write_disposition\":\"append\",\"resource\":"
        "\"orders\"}]}");
    buf_free(&b);
    schema_free(s);
}

static void test_propagation(void **state)
{
    (void)state;
    schema *s = small();
    assert_null(schema_table_propagation(s, "users"));
    assert_int_equal(schema_add_propagation(s, "users", "_dlt_id", "_dlt_root_id"), CDLT_OK);
    char h1[64], h2[64];
    assert_int_equal(schema_compute_hash(s, h1), CDLT_OK);
    assert_int_equal(schema_add_propagation(s, "users", "_dlt_id", "_dlt_root_id"), CDLT_OK);
    assert_int_equal(schema_compute_hash(s, h2), CDLT_OK);
    assert_string_equal(h1, h2);
    assert_int_equal(schema_add_propagation(s, "other", "_dlt_id", "_dlt_root_id"), CDLT_OK);
    const jv *p = schema_table_propagation(s, "users");
    assert_non_null(p);
    assert_string_equal(jv_get(p, "_dlt_id")->u.s, "_dlt_root_id");
    char *j = to_json(s, false);
    assert_non_null(strstr(j, "\"json\":{\"module\":\"dlt.common.normalizers.json.relational\","
                              "\"config\":{\"propagation\":{\"tables\":{\"users\":{\"_dlt_id\":"
                              "\"_dlt_root_id\"},\"other\":{\"_dlt_id\":\"_dlt_root_id\"}}}}}"));
    free(j);
    roundtrip(s);
    /* max_nesting goes to the config when not the default */
    s->max_nesting = 2;
    j = to_json(s, false);
    assert_non_null(strstr(j, "\"config\":{\"max_nesting\":2,\"propagation\""));
    free(j);
    schema_free(s);
}

static cdlt_status sweep_serialize(void *ud)
{
    (void)ud;
    schema *s = NULL;
    cdlt_status st = build_small(&s);
    if (st != CDLT_OK)
        return st;
    buf b = BUF_INIT;
    st = schema_to_json(s, true, &b);
    schema *s2 = NULL;
    if (st == CDLT_OK)
        st = schema_from_json(b.data, b.len, "sweep.json", &s2, NULL);
    buf_clear(&b);
    if (st == CDLT_OK)
        st = schema_to_yaml(s2, true, &b);
    if (st == CDLT_OK)
        st = schema_bump_version(s2, NULL, NULL);
    buf_clear(&b);
    if (st == CDLT_OK)
        st = schema_updates_to_json(s2, 0, &b);
    buf_free(&b);
    schema_free(s2);
    schema_free(s);
    return st;
}

static void test_alloc_failures(void **state)
{
    (void)state;
    int points = tu_alloc_failure_sweep(sweep_serialize, NULL, 20000);
    assert_true(points > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_shape),   cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_dlt_document), cmocka_unit_test(test_clone),
        cmocka_unit_test(test_yaml),         cmocka_unit_test(test_hash_and_versions),
        cmocka_unit_test(test_files),        cmocka_unit_test(test_updates),
        cmocka_unit_test(test_propagation),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
