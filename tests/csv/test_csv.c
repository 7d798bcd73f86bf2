/* test_csv.c: the CSV tokenizer and dlt's read_csv typing: the csv-spectrum conformance
 * fixtures (third_party/csv-spectrum, installed by scripts/setup) each compared with its
 * expected JSON, golden inputs (quoted newlines, doubled quotes, BOM, CRLF, lone CR, empty
 * field vs "", Latin-1, options), every chunk size splitting records anywhere, and the errors
 * (ragged rows, unclosed quote, invalid UTF-8) with their file, line and byte. */
#include "testutil.h"

#include "csv/csv.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records as text: fields joined by '|', records by '\n'; a quoted field is marked with a
 * leading '=' so "" and an empty field differ. */
static cdlt_status dump(const csv_opts *o, const char *data, size_t n, buf *out, cdlt_error *err)
{
    csv_reader *r = NULL;
    cdlt_status rc = csv_open_mem(o, data, n, &r, err);
    while (rc == CDLT_OK) {
        const csv_field *f;
        size_t nf;
        bool eof;
        rc = csv_next(r, &f, &nf, &eof, err);
        if (rc != CDLT_OK || eof)
            break;
        for (size_t i = 0; i < nf; i++) {
            if (i)
                buf_append(out, "|", 1);
            if (f[i].flags & CSV_F_QUOTED)
                buf_append(out, "=", 1);
            buf_append(out, f[i].p, f[i].len);
            assert_int_equal(f[i].p[f[i].len], 0);
        }
        buf_append(out, "\n", 1);
    }
    csv_close(r);
    return rc;
}

static void expect_dump(const csv_opts *o, const char *in, const char *want)
{
    buf b = BUF_INIT;
    cdlt_error err = {0};
    cdlt_status rc = dump(o, in, strlen(in), &b, &err);
    if (rc != CDLT_OK)
        fail_msg("%s", err.message);
    if (strcmp(buf_cstr(&b), want) != 0)
        fail_msg("input %s\n got: [%s]\nwant: [%s]", in, buf_cstr(&b), want);
    /* every read size splits records, quotes and CRLFs at every place: same records */
    for (size_t chunk = 1; chunk <= 9; chunk++) {
        csv_opts oc = o ? *o : (csv_opts){0};
        oc.chunk = chunk;
        buf c = BUF_INIT;
        assert_int_equal(dump(&oc, in, strlen(in), &c, &err), CDLT_OK);
        if (strcmp(buf_cstr(&c), want) != 0)
            fail_msg("chunk %zu: got [%s] want [%s]", chunk, buf_cstr(&c), want);
        buf_free(&c);
    }
    buf_free(&b);
}

static void test_golden(void **st)
{
    (void)st;
    expect_dump(NULL, "a,b,c\n1,2,3\n", "a|b|c\n1|2|3\n");
    expect_dump(NULL, "a,b,c\r\n1,2,3\r\n", "a|b|c\n1|2|3\n");
    expect_dump(NULL, "a,b\r1,2\r", "a|b\n1|2\n"); /* lone CR line ends */
    expect_dump(NULL, "a,b\n1,2", "a|b\n1|2\n");   /* no final line end */
    expect_dump(NULL, "\xEF\xBB\xBF" "a,b\n1,2\n", "a|b\n1|2\n");
    expect_dump(NULL, "a,b\n\"x\ny\",2\n", "a|b\n=x\ny|2\n");
    expect_dump(NULL, "a,b\n\"x\r\ny\",2\r\n", "a|b\n=x\r\ny|2\n");
    expect_dump(NULL, "a\n\"say \"\"hi\"\"\"\n", "a\n=say \"hi\"\n");
    expect_dump(NULL, "a,b,c\n,\"\",x\n", "a|b|c\n|=|x\n"); /* empty vs "" */
    expect_dump(NULL, "a,b\n\n1,2\n\r\n3,4\n", "a|b\n1|2\n3|4\n"); /* blank lines skipped */
    expect_dump(NULL, "a\n\"x\"y\n", "a\n=xy\n");   /* text after the closing quote kept */
    expect_dump(NULL, "a\nx\"y\n", "a\nx\"y\n");    /* a quote inside a plain field is text */
    expect_dump(NULL, "a,b\n\"\",\"\"\"\"\n", "a|b\n=|=\"\n");
    csv_opts semi = {.delimiter = ';', .quote = '\''};
    expect_dump(&semi, "a;b\n'x;y';'it''s'\n", "a|b\n=x;y|=it's\n");
    csv_opts tab = {.delimiter = '\t'};
    expect_dump(&tab, "a\tb\n1,5\t\"q\"\n", "a|b\n1,5|=q\n");
    csv_opts noq = {.no_quoting = true};
    expect_dump(&noq, "a,b\n\"x,y\"\n", "a|b\n\"x|y\"\n");
    csv_opts keep = {.keep_blank_lines = true};
    expect_dump(&keep, "a\n\nb\n", "a\n\nb\n");
    /* Latin-1: each byte >= 0x80 becomes its code point in UTF-8 */
    csv_opts lat = {.encoding = CSV_LATIN1};
    expect_dump(&lat, "name\nJos\xE9,\xFC\n", "name\nJos\xC3\xA9|\xC3\xBC\n");
    /* a long field crossing many reads */
    buf big = BUF_INIT, want = BUF_INIT;
    buf_append(&big, "a\n\"", 3);
    for (int i = 0; i < 5000; i++)
        buf_append(&big, "xy\"\"\n", 5);
    buf_append(&big, "\"\n", 2);
    buf_append(&want, "a\n=", 3);
    for (int i = 0; i < 5000; i++)
        buf_append(&want, "xy\"\n", 4);
    buf_append(&want, "\n", 1);
    expect_dump(NULL, buf_cstr(&big), buf_cstr(&want));
    buf_free(&big);
    buf_free(&want);
}

static void expect_error(const csv_opts *o, const char *in, size_t expect, const char *msg_part,
                         int64_t line, int64_t offset)
{
    csv_reader *r = NULL;
    cdlt_error err = {0};
    csv_opts oo = o ? *o : (csv_opts){0};
    oo.file = "data.csv";
    assert_int_equal(csv_open_mem(&oo, in, strlen(in), &r, &err), CDLT_OK);
    cdlt_status rc = CDLT_OK;
    bool first = true;
    for (;;) {
        const csv_field *f;
        size_t n;
        bool eof;
        rc = csv_next(r, &f, &n, &eof, &err);
        if (rc != CDLT_OK || eof)
            break;
        if (first && expect)
            csv_expect_fields(r, expect);
        first = false;
    }
    assert_int_equal(rc, CDLT_PARSE);
    if (!strstr(err.message, msg_part) || !strstr(err.message, "data.csv"))
        fail_msg("message: %s (want '%s')", err.message, msg_part);
    assert_int_equal(err.line, line);
    assert_int_equal(err.offset, offset);
    assert_string_equal(err.file, "data.csv");
    /* the reader stays stopped with the same error */
    const csv_field *f;
    size_t n;
    bool eof;
    cdlt_error e2 = {0};
    assert_int_equal(csv_next(r, &f, &n, &eof, &e2), CDLT_PARSE);
    assert_string_equal(e2.message, err.message);
    csv_close(r);
}

static void test_errors(void **st)
{
    (void)st;
    expect_error(NULL, "a,b\n1,2\n3,4,5\n", 2, "record has 3 fields, the header has 2", 3, 8);
    expect_error(NULL, "a,b\n\"x\ny\",2\n3\n", 2, "record has 1 field, the header has 2", 4, 12);
    expect_error(NULL, "a,b\n1,\"open\n2,3\n", 0, "never closed", 2, 6);
    expect_error(NULL, "a\nok\nJos\xE9\n", 0, "invalid UTF-8 byte 0xE9", 3, 8);
    expect_error(NULL, "a\n\xC0\xAF\n", 0, "invalid UTF-8", 2, 2);  /* overlong */
    expect_error(NULL, "a\n\xED\xA0\x80\n", 0, "invalid UTF-8", 2, 2); /* surrogate */
    expect_error(NULL, "a\n\xE2\x82\n", 0, "invalid UTF-8", 2, 2); /* truncated */
    csv_opts small = {.max_record = 64, .chunk = 16};
    char longrec[1200] = "a\n\"";
    memset(longrec + 3, 'x', 1100);
    longrec[1103] = 0;
    expect_error(&small, longrec, 0, "longer than 64 bytes", 2, 2);
}

/* ---- csv-spectrum: every fixture, fields compared as strings with its expected JSON ---- */
/* csv-spectrum 2.0.0's location_coordinates.json does not match its own CSV: it is one object
 * instead of a list, and its phone number is 1234567890 where the CSV has 2095257564. The
 * expectation below is that file's list as the CSV says it (the quote characters inside the
 * unquoted field are text, as in every RFC 4180 reader). */
static const char *fixed_expectation(const char *name)
{
    if (strcmp(name, "location_coordinates.csv") == 0)
        return "[{\"Contact Phone Number\":\"2095257564\",\"Location Coordinates\":"
               "\"37\xEF\xBF\xBD" "36'37.8\\\"N 121\xEF\xBF\xBD" "2'17.9\\\"W\",\"Cities\":"
               "\"Modesto\",\"Counties\":\"Stanislaus\"}]";
    return NULL;
}

static void spectrum_one(const char *dir, const char *name)
{
    char path[1024], jpath[1024];
    snprintf(path, sizeof path, "%s/csvs/%s", dir, name);
    snprintf(jpath, sizeof jpath, "%s/json/%.*s.json", dir, (int)(strlen(name) - 4), name);
    size_t n = 0, jn = 0;
    char *data = tu_read_file(path, &n);
    char *jtext = tu_read_file(jpath, &jn);
    assert_non_null(data);
    assert_non_null(jtext);
    const char *fixed = fixed_expectation(name);
    if (fixed) {
        free(jtext);
        jtext = strdup(fixed);
        jn = strlen(fixed);
    }
    arena a;
    arena_init(&a, 1 << 16, 0);
    cdlt_error err = {0};
    jv want;
    assert_int_equal(json_parse(jtext, jn, &a, NULL, &want, &err), CDLT_OK);
    csv_opts o = {.file = path};
    csv_reader *r = NULL;
    assert_int_equal(csv_open_mem(&o, data, n, &r, &err), CDLT_OK);
    const csv_field *f;
    size_t nf, ncols = 0;
    bool eof;
    assert_int_equal(csv_next(r, &f, &nf, &eof, &err), CDLT_OK);
    const char **names = NULL;
    size_t *lens = NULL;
    assert_int_equal(csv_header_names(f, nf, true, &a, &names, &lens, &err), CDLT_OK);
    ncols = nf;
    csv_expect_fields(r, ncols);
    jv_builder rows;
    jv_builder_init(&rows, JV_ARRAY);
    for (;;) {
        cdlt_status rc = csv_next(r, &f, &nf, &eof, &err);
        if (rc != CDLT_OK)
            fail_msg("%s: %s", name, err.message);
        if (eof)
            break;
        jv_builder row;
        jv_builder_init(&row, JV_OBJECT);
        for (size_t i = 0; i < nf; i++)
            assert_int_equal(jv_builder_set(&row, &a, names[i], lens[i], jv_str(&a, f[i].p, f[i].len)),
                             CDLT_OK);
        assert_int_equal(jv_builder_push(&rows, &a, row.value), CDLT_OK);
    }
    if (!jv_equal(&rows.value, &want)) {
        buf got = BUF_INIT;
        json_write(&got, &rows.value, 0);
        fail_msg("%s: got %s", name, buf_cstr(&got));
    }
    csv_close(r);
    arena_free(&a);
    free(data);
    free(jtext);
}

static void test_csv_spectrum(void **st)
{
    (void)st;
    const char *dir = tu_source_path("third_party/csv-spectrum");
    char csvs[1024];
    snprintf(csvs, sizeof csvs, "%s/csvs", dir);
    DIR *d = opendir(csvs);
    if (!d)
        fail_msg("%s is missing: run scripts/setup (it fetches the csv-spectrum npm package)",
                 csvs);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".csv") != 0)
            continue;
        spectrum_one(dir, e->d_name);
        count++;
    }
    closedir(d);
    assert_true(count >= 12); /* csv-spectrum 2.0.0 has 12 fixtures */
}

/* ---- typing as dlt's read_csv (pandas) ---- */
static void typed(const char *in, size_t chunk, const char *want)
{
    arena a;
    arena_init(&a, 1 << 16, 0);
    cdlt_error err = {0};
    csv_reader *r = NULL;
    assert_int_equal(csv_open_mem(NULL, in, strlen(in), &r, &err), CDLT_OK);
    const csv_field *f;
    size_t nf;
    bool eof, full = false;
    assert_int_equal(csv_next(r, &f, &nf, &eof, &err), CDLT_OK);
    const char **names;
    size_t *lens;
    assert_int_equal(csv_header_names(f, nf, true, &a, &names, &lens, &err), CDLT_OK);
    csv_table *t = NULL;
    assert_int_equal(csv_table_open(names, lens, nf, chunk, &t, &err), CDLT_OK);
    buf got = BUF_INIT;
    for (;;) {
        assert_int_equal(csv_next(r, &f, &nf, &eof, &err), CDLT_OK);
        if (!eof)
            assert_int_equal(csv_table_add(t, f, nf, &full, &err), CDLT_OK);
        if (full || (eof && csv_table_rows(t))) {
            jv page;
            assert_int_equal(csv_table_flush(t, &a, &page, &err), CDLT_OK);
            json_write(&got, &page, 0);
        }
        if (eof)
            break;
    }
    if (strcmp(buf_cstr(&got), want) != 0)
        fail_msg("input %s\n got %s\nwant %s", in, buf_cstr(&got), want);
    buf_free(&got);
    csv_table_close(t);
    csv_close(r);
    arena_free(&a);
}

static void test_typing(void **st)
{
    (void)st;
    typed("i,f,b,t\n1,1.5,True,x\n-2,3,false,7\n", 100,
          "[{\"i\":1,\"f\":1.5,\"b\":true,\"t\":\"x\"},{\"i\":-2,\"f\":3.0,\"b\":false,\"t\":\"7\"}]");
    /* an integer column with a missing value is float64 in pandas, so dlt sees doubles */
    typed("i,j\n1,5\n,6\n", 100, "[{\"i\":1.0,\"j\":5},{\"i\":null,\"j\":6}]");
    /* NA words are null unquoted; quoted text is always text ("" is an empty string) */
    typed("a,b,c\nNA,\"NA\",\"\"\nx,y,z\n", 100,
          "[{\"a\":null,\"b\":\"NA\",\"c\":\"\"},{\"a\":\"x\",\"b\":\"y\",\"c\":\"z\"}]");
    /* every pandas NA word is null; near misses are text */
    typed("a,b\n#N/A,x\n#N/A N/A,x\n#NA,x\n-1.#IND,x\n-1.#QNAN,x\n-NaN,x\n-nan,x\n1.#IND,x\n"
          "1.#QNAN,x\n<NA>,x\nN/A,x\nNA,x\nNULL,x\nNaN,x\nNone,x\nn/a,x\nnan,x\nnull,x\n,x\n",
          100,
          "[{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},"
          "{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},"
          "{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},"
          "{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},"
          "{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},"
          "{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},{\"a\":null,\"b\":\"x\"},"
          "{\"a\":null,\"b\":\"x\"}]");
    typed("a\nNa\nnil\n-NA\n", 100, "[{\"a\":\"Na\"},{\"a\":\"nil\"},{\"a\":\"-NA\"}]");
    typed("a\nInf\nINFINITY\n+infinity\n2\n", 100,
          "[{\"a\":null},{\"a\":null},{\"a\":null},{\"a\":2.0}]");
    /* leading zeros, signs, spaces, exponents, inf */
    typed("a,b\n007,1e3\n+3, -inf\n", 100, "[{\"a\":7,\"b\":1000.0},{\"a\":3,\"b\":null}]");
    /* typing is per chunk: the same column is int in one chunk and text in the next */
    typed("a\n1\n2\nx\n", 2, "[{\"a\":1},{\"a\":2}][{\"a\":\"x\"}]");
    /* an all-NA column is null; mixed bool and number is text; 0x10 is not a number */
    typed("a,b,c\n,True,0x10\n,1,1\n", 100,
          "[{\"a\":null,\"b\":\"True\",\"c\":\"0x10\"},{\"a\":null,\"b\":\"1\",\"c\":\"1\"}]");
    /* int64 overflow is float64 */
    typed("a\n99999999999999999999\n", 100, "[{\"a\":1e+20}]");
    /* pandas' names: empty -> Unnamed: i, repeats -> x.1 */
    typed(",a,a,a.1\n1,2,3,4\n", 100, "[{\"Unnamed: 0\":1,\"a\":2,\"a.1\":3,\"a.1.1\":4}]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_csv_spectrum),
        cmocka_unit_test(test_typing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
