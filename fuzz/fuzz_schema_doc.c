/* fuzz_schema_doc.c: libFuzzer target for the stored schema document. Any JSON text that loads
 * as a schema must print back to JSON and YAML texts that load again to the very same document. */
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep single inputs cheap: schema documents are small, huge inputs only slow the fuzzer. */
#define MAX_INPUT (256u << 10)

static void die(const char *what, const buf *x, const buf *y)
{
    fprintf(stderr, "fuzz_schema_doc: %s\n", what);
    if (x)
        fprintf(stderr, "--- first\n%s\n", buf_cstr(x));
    if (y)
        fprintf(stderr, "--- second\n%s\n", buf_cstr(y));
    abort();
}

/* Load JSON text (written by us: must parse) into a schema; a printed schema must load. */
static schema *reload_json(const buf *text, const char *what)
{
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv doc;
    schema *s = NULL;
    cdlt_status st = json_parse(buf_cstr(text), text->len, &a, NULL, &doc, &e);
    if (st == CDLT_OK)
        st = schema_from_jv(&doc, &s, &e);
    arena_free(&a);
    if (st == CDLT_NOMEM)
        return NULL;
    if (st != CDLT_OK) {
        fprintf(stderr, "fuzz_schema_doc: %s does not load: %s\n", what, e.message);
        die("reload failed", text, NULL);
    }
    return s;
}

/* The same through the YAML export (strip_defaults false: the full document). */
static void check_yaml(const schema *s, const buf *json1)
{
    buf y = BUF_INIT;
    if (schema_to_yaml(s, false, &y) != CDLT_OK) {
        buf_free(&y);
        return;
    }
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv doc;
    schema *s2 = NULL;
    cdlt_status st = schema_yaml_parse(buf_cstr(&y), y.len, "fuzz.yaml", &a, &doc, &e);
    if (st == CDLT_OK)
        st = schema_from_jv(&doc, &s2, &e);
    arena_free(&a);
    if (st == CDLT_NOMEM) {
        buf_free(&y);
        return;
    }
    if (st != CDLT_OK) {
        fprintf(stderr, "fuzz_schema_doc: YAML export does not load: %s\n", e.message);
        die("yaml reload failed", &y, json1);
    }
    buf j = BUF_INIT;
    if (schema_to_json(s2, false, &j) == CDLT_OK && (j.len != json1->len ||
                                                     memcmp(j.data, json1->data, j.len) != 0))
        die("YAML round trip differs", json1, &j);
    buf_free(&j);
    buf_free(&y);
    schema_free(s2);
}

/* Warnings about odd documents are expected; the sink keeps the formatting path exercised
 * without flooding the fuzzer's output. */
static void quiet(cdlt_log_level level, const char *line, void *ud)
{
    (void)level;
    (void)ud;
    if (!line || strlen(line) > (1u << 20))
        abort();
}

/* A clone prints the same document; the export form (defaults stripped, as `schema export`
 * writes it) must import again. */
static void check_clone_and_export(const schema *s, const buf *json1)
{
    schema *c = NULL;
    cdlt_error e;
    cdlt_error_clear(&e);
    if (schema_clone(s, &c, &e) == CDLT_OK) {
        buf j = BUF_INIT;
        if (schema_to_json(c, false, &j) == CDLT_OK &&
            (j.len != json1->len || memcmp(j.data, json1->data, j.len) != 0))
            die("clone prints a different document", json1, &j);
        buf_free(&j);
        schema_free(c);
    }
    buf y = BUF_INIT;
    if (schema_to_yaml(s, true, &y) == CDLT_OK) {
        arena a;
        arena_init(&a, 4096, 0);
        jv doc;
        schema *s2 = NULL;
        cdlt_error_clear(&e);
        cdlt_status st = schema_yaml_parse(buf_cstr(&y), y.len, "export.yaml", &a, &doc, &e);
        if (st == CDLT_OK)
            st = schema_from_jv(&doc, &s2, &e);
        if (st != CDLT_OK && st != CDLT_NOMEM) {
            fprintf(stderr, "fuzz_schema_doc: export does not import: %s\n", e.message);
            die("export reload failed", &y, json1);
        }
        schema_free(s2);
        arena_free(&a);
    }
    buf_free(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    cdlt_log_set_sink(quiet, NULL);
    arena a;
    arena_init(&a, 4096, 0);
    cdlt_error e;
    cdlt_error_clear(&e);
    jv doc;
    schema *s = NULL, *s2 = NULL;
    buf j1 = BUF_INIT, j2 = BUF_INIT, j3 = BUF_INIT;
    char h1[64], h2[64];
    if (json_parse((const char *)data, size, &a, NULL, &doc, &e) != CDLT_OK ||
        schema_from_jv(&doc, &s, &e) != CDLT_OK) {
        if (!e.message[0] && e.code != CDLT_NOMEM)
            die("error without a message", NULL, NULL);
        arena_free(&a);
        return 0;
    }
    arena_free(&a); /* the schema owns copies of everything it keeps */

    if (schema_compute_hash(s, h1) != CDLT_OK)
        goto out;
    if (strlen(h1) != 44)
        die("hash is not 44 base64 characters", NULL, NULL);

    if (schema_to_json(s, false, &j1) != CDLT_OK)
        goto out;
    s2 = reload_json(&j1, "compact document");
    if (!s2)
        goto out;
    if (schema_to_json(s2, false, &j2) == CDLT_OK &&
        (j1.len != j2.len || memcmp(j1.data, j2.data, j1.len) != 0))
        die("JSON round trip differs", &j1, &j2);
    if (schema_compute_hash(s2, h2) == CDLT_OK && strcmp(h1, h2) != 0)
        die("hash changed over a round trip", &j1, &j2);
    /* the pretty form must load to the same document too */
    if (schema_to_json(s2, true, &j3) == CDLT_OK) {
        schema *s3 = reload_json(&j3, "pretty document");
        if (s3) {
            buf j4 = BUF_INIT;
            if (schema_to_json(s3, false, &j4) == CDLT_OK &&
                (j1.len != j4.len || memcmp(j1.data, j4.data, j1.len) != 0))
                die("pretty round trip differs", &j1, &j4);
            buf_free(&j4);
            schema_free(s3);
        }
    }
    check_yaml(s2, &j2);
    check_clone_and_export(s2, &j2);
out:
    schema_free(s2);
    buf_free(&j1);
    buf_free(&j2);
    buf_free(&j3);
    schema_free(s);
    return 0;
}
