/* test_duckdb_bulk.c: the bulk path at a size where it matters (timing lives in
 * bench/case_duckdb_load.c): 20k rows of mixed types span many blocks, so DuckDB's threads
 * decode one file in parallel; sums must match. Errors found by a worker thread (a damaged
 * block in the middle, a bad decimal deep in the file) name file, table, column and row, and the
 * rollback leaves nothing behind; a load file of the previous format is refused clearly. */
#include "duck_testlib.h"

#include <unistd.h>

enum { NROWS = 20000 };

static schema_table *bulk_table(schema *s)
{
    schema_table *t = tl_table(s, "bulk");
    tl_col(s, t, "id", DT_BIGINT, false, -1, -1, -1);
    tl_col(s, t, "f", DT_DOUBLE, true, -1, -1, -1);
    tl_col(s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_col(s, t, "b", DT_BOOL, true, -1, -1, -1);
    tl_col(s, t, "ts", DT_TIMESTAMP, true, -1, -1, -1);
    tl_col(s, t, "d", DT_DECIMAL, true, -1, -1, -1);
    tl_col(s, t, "j", DT_JSON, true, -1, -1, -1);
    tl_col(s, t, "bin", DT_BINARY, true, -1, -1, -1);
    tl_dlt_cols(s, t);
    return t;
}

typedef struct fixture {
    char *dir;             /* temp folder */
    schema *s;             /* schema with the bulk table */
    schema_table *t;       /* the bulk table */
    const dest_vtable *v;  /* duckdb */
    char path[4200];       /* the load file */
} fixture;

/* Write NROWS rows; row `bad_dec_row` (1-based, 0 = none) gets an out-of-range decimal. */
static void write_bulk(fixture *f, long bad_dec_row)
{
    arena a;
    arena_init(&a, 4096, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_set(&ob, &a, "a", 1, jv_int(7));
    jv_builder_set(&ob, &a, "b", 1, jv_str(&a, "x", 1));
    cdlt_error err = {0};
    dest_writer *w = NULL;
    assert_int_equal(f->v->formats[0]->open(f->t, f->path, NULL, &w, &err), CDLT_OK);
    char sb[64], db[64], idb[32];
    tval row[10];
    for (long i = 0; i < NROWS; i++) {
        snprintf(sb, sizeof sb, "name \"%ld\", line\nx", i);
        snprintf(db, sizeof db, "%ld.%03ld", i, i % 1000);
        if (i + 1 == bad_dec_row)
            snprintf(db, sizeof db, "1e99");
        snprintf(idb, sizeof idb, "Gx%012ldAbCd", i);
        row[0] = tv_i(i);
        row[1] = i % 7 ? tv_d((double)i * 1.25 + 0.1) : tv_null();
        row[2] = tv_s(sb);
        row[3] = tv_b(i & 1);
        row[4] = tv_ts(1700000000000000LL + i * 1000003LL);
        row[5] = tv_sn(DT_DECIMAL, db, strlen(db));
        row[6] = tv_json(&ob.value);
        row[7] = tv_sn(DT_BINARY, "\x00\xff", 2);
        row[8] = tv_s("1795306641.4021535");
        row[9] = tv_s(idb);
        assert_int_equal(f->v->formats[0]->row(w, row, 10), CDLT_OK);
    }
    uint64_t rows = 0;
    assert_int_equal(f->v->formats[0]->close(w, &rows, &err), CDLT_OK);
    assert_int_equal(rows, NROWS);
    arena_free(&a);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp("duck_bulk");
    cdlt_error err = {0};
    if (schema_new("bulk", &f->s, &err) != CDLT_OK)
        return -1;
    f->t = bulk_table(f->s);
    f->v = dest_find("duckdb");
    snprintf(f->path, sizeof f->path, "%s/bulk.0.0.%s", f->dir, f->v->formats[0]->ext);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    schema_free(f->s);
    tu_rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static destination *open_migrated(fixture *f)
{
    destination *d = tl_open(f->dir, "ds");
    cdlt_error err = {0};
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    return d;
}

static void test_bulk_round_trip(void **state)
{
    fixture *f = *state;
    write_bulk(f, 0);
    destination *d = open_migrated(f);
    cdlt_error err = {0};
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    cdlt_status st = f->v->load_file(d, f->s, f->t, f->path, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    char want[64];
    snprintf(want, sizeof want, "%d", NROWS);
    tl_expect(d, "SELECT count(*) FROM ds.bulk", want);
    snprintf(want, sizeof want, "%lld", (long long)NROWS * (NROWS - 1) / 2);
    tl_expect(d, "SELECT sum(id) FROM ds.bulk", want);
    tl_expect(d, "SELECT count(DISTINCT _dlt_id) FROM ds.bulk", "20000");
    tl_expect(d, "SELECT count(*) FROM ds.bulk WHERE f IS NULL", "2858");
    tl_expect(d, "SELECT count(*) FROM ds.bulk WHERE f <> id * 1.25 + 0.1", "0");
    tl_expect(d, "SELECT d FROM ds.bulk WHERE id = 19999", "19999.999000000");
    tl_expect(d, "SELECT s FROM ds.bulk WHERE id = 4097", "name \"4097\", line\nx");
    tl_expect(d, "SELECT epoch_us(ts) FROM ds.bulk WHERE id = 2048", "1700002048006144");
    tl_expect(d, "SELECT j->>'b' FROM ds.bulk WHERE id = 12345", "x");
    tl_expect(d, "SELECT octet_length(bin) FROM ds.bulk WHERE id = 3", "2");
    tl_expect(d, "SELECT count(*) FROM ds.bulk WHERE b <> (id % 2 = 1)", "0");
    f->v->close(d);
}

/* The test database opened with load_threads = 2 (not migrated). */
static destination *open_two_threads(fixture *f)
{
    arena a;
    arena_init(&a, 1024, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_set(&ob, &a, "load_threads", 12, jv_int(2));
    char path[4300];
    snprintf(path, sizeof path, "%s/test.duckdb", f->dir);
    dest_config cfg = {.pipeline_name = "p", .dataset_name = "ds", .credentials = path,
                       .options = &ob.value};
    destination *d = NULL;
    cdlt_error err = {0};
    assert_int_equal(f->v->open(&cfg, &d, &err), CDLT_OK);
    arena_free(&a); /* open keeps nothing of the options */
    return d;
}

/* The parallel path: two DuckDB threads decode blocks of one file at once (insertion order
 * off); same rows, and an error found by either thread still names column and row. */
static void test_bulk_two_threads(void **state)
{
    fixture *f = *state;
    destination *d = open_two_threads(f);
    cdlt_error err = {0};
    tl_expect(d, "SELECT current_setting('threads')", "2");
    tl_expect(d, "SELECT current_setting('preserve_insertion_order')", "false");
    /* set_threads: the overlapped load's one thread, then all configured (0), never more */
    assert_int_equal(f->v->set_threads(d, 1, &err), CDLT_OK);
    tl_expect(d, "SELECT current_setting('threads')", "1");
    tl_expect(d, "SELECT current_setting('preserve_insertion_order')", "true");
    assert_int_equal(f->v->set_threads(d, 9, &err), CDLT_OK);
    tl_expect(d, "SELECT current_setting('threads')", "2");
    assert_int_equal(f->v->set_threads(d, 1, &err), CDLT_OK);
    assert_int_equal(f->v->set_threads(d, 0, &err), CDLT_OK);
    tl_expect(d, "SELECT current_setting('threads')", "2");
    tl_expect(d, "SELECT current_setting('preserve_insertion_order')", "false");
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    write_bulk(f, 0);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->t, f->path, &err), CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    char want[64];
    snprintf(want, sizeof want, "%lld", (long long)NROWS * (NROWS - 1) / 2);
    tl_expect(d, "SELECT sum(id) FROM ds.bulk", want);
    tl_expect(d, "SELECT count(DISTINCT _dlt_id) FROM ds.bulk", "20000");
    write_bulk(f, 9000);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->t, f->path, &err), CDLT_COERCE);
    assert_non_null(strstr(err.message, "row 9000"));
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "bulk"), NROWS);
    f->v->close(d);
}

/* destination.duckdb.compression: each mode stores the same strings (lengths 0..40 cross the
 * 12-byte inline limit of the direct string path) and they read back after a reopen; a bad
 * value is a config error naming the key. */
static void test_bulk_compression_modes(void **state)
{
    fixture *f = *state;
    static const char *const modes[] = {"fast", "auto", "none"};
    static const char *const setting[] = {"Dictionary", "", ""};
    schema_table *t = tl_table(f->s, "strs");
    tl_col(f->s, t, "n", DT_BIGINT, false, -1, -1, -1);
    tl_col(f->s, t, "s", DT_TEXT, true, -1, -1, -1);
    tl_dlt_cols(f->s, t);
    char path[4300], sp[4300];
    snprintf(path, sizeof path, "%s/test.duckdb", f->dir);
    snprintf(sp, sizeof sp, "%s/strs.0.0.%s", f->dir, f->v->formats[0]->ext);
    cdlt_error err = {0};
    dest_writer *w = NULL;
    assert_int_equal(f->v->formats[0]->open(t, sp, NULL, &w, &err), CDLT_OK);
    char text[64], idb[32];
    tval row[4];
    for (long i = 0; i < 5000; i++) {
        size_t n = (size_t)(i % 41);
        for (size_t k = 0; k < n; k++)
            text[k] = (char)('a' + (i + (long)k) % 26);
        text[n] = 0;
        snprintf(idb, sizeof idb, "id%012ld", i);
        row[0] = tv_i(i);
        row[1] = tv_s(text);
        row[2] = tv_s("1795306641.4021535");
        row[3] = tv_s(idb);
        assert_int_equal(f->v->formats[0]->row(w, row, 4), CDLT_OK);
    }
    uint64_t rows = 0;
    assert_int_equal(f->v->formats[0]->close(w, &rows, &err), CDLT_OK);
    char *want = NULL;
    for (size_t m = 0; m < 3; m++) {
        unlink(path);
        arena a;
        arena_init(&a, 1024, 0);
        jv_builder ob;
        jv_builder_init(&ob, JV_OBJECT);
        jv_builder_set(&ob, &a, "compression", 11, jv_str(&a, modes[m], strlen(modes[m])));
        dest_config cfg = {.pipeline_name = "p", .dataset_name = "ds", .credentials = path,
                           .options = &ob.value};
        destination *d = NULL;
        assert_int_equal(f->v->open(&cfg, &d, &err), CDLT_OK);
        tl_expect(d, "SELECT current_setting('disabled_compression_methods')", setting[m]);
        assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
        assert_int_equal(f->v->begin(d, &err), CDLT_OK);
        assert_int_equal(f->v->load_file(d, f->s, t, sp, &err), CDLT_OK);
        assert_int_equal(f->v->commit(d, &err), CDLT_OK);
        f->v->close(d);
        d = tl_open(f->dir, "ds"); /* read back from disk, not from the load's memory */
        char *got = tl_q(d, "SELECT md5(string_agg(s || ':' || _dlt_id, ',' ORDER BY n)) "
                            "FROM ds.strs");
        tl_expect(d, "SELECT s FROM ds.strs WHERE n = 12", "mnopqrstuvwx");
        tl_expect(d, "SELECT s FROM ds.strs WHERE n = 13", "nopqrstuvwxyz");
        tl_expect(d, "SELECT count(*) FROM ds.strs WHERE length(s) <> n % 41", "0");
        if (!want)
            want = got;
        else {
            assert_string_equal(got, want);
            free(got);
        }
        f->v->close(d);
        arena_free(&a);
    }
    free(want);
    arena a;
    arena_init(&a, 1024, 0);
    jv_builder ob;
    jv_builder_init(&ob, JV_OBJECT);
    jv_builder_set(&ob, &a, "compression", 11, jv_str(&a, "zip", 3));
    dest_config cfg = {.pipeline_name = "p", .dataset_name = "ds", .credentials = path,
                       .options = &ob.value};
    destination *d = NULL;
    assert_int_equal(f->v->open(&cfg, &d, &err), CDLT_CONFIG);
    assert_null(d);
    assert_non_null(strstr(err.message, "destination.duckdb.compression"));
    assert_non_null(strstr(err.message, "\"zip\""));
    assert_non_null(strstr(err.message, "DESTINATION__DUCKDB__COMPRESSION"));
    arena_free(&a);
}

static void test_bulk_errors_from_workers(void **state)
{
    fixture *f = *state;
    cdlt_error err = {0};
    /* a bad decimal deep in the file: column and row are named */
    write_bulk(f, 15000);
    destination *d = open_migrated(f);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->t, f->path, &err), CDLT_COERCE);
    assert_non_null(strstr(err.message, "'d'"));
    assert_non_null(strstr(err.message, "row 15000"));
    assert_non_null(strstr(err.message, "bulk.0.0"));
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "bulk"), 0);

    /* a damaged block in the middle (a row tag overwritten) */
    write_bulk(f, 0);
    size_t len = 0;
    char *data = tu_read_file(f->path, &len);
    assert_non_null(data);
    char *copy = malloc(len);
    memcpy(copy, data, len);
    /* walk the header and the blocks ('B' u32 rows u32 bytes) to one past the middle */
    uint32_t ncols, nl, nbytes;
    memcpy(&ncols, data + 8, 4);
    size_t o = 12;
    for (uint32_t k = 0; k < ncols; k++) {
        memcpy(&nl, data + o + 4, 4);
        o += 8 + nl;
    }
    int blocks = 0;
    while (o < len / 2) {
        assert_int_equal(data[o], 'B');
        memcpy(&nbytes, data + o + 5, 4);
        o += 9 + nbytes;
        blocks++;
    }
    assert_true(blocks >= 2);
    assert_int_equal(data[o], 'B');
    assert_int_equal(data[o + 9], 'R');
    data[o + 9] = 'X'; /* the first row tag of that block */
    assert_int_equal(tu_write_file(f->path, data, len), 0);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_file(d, f->s, f->t, f->path, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "damaged"));
    assert_non_null(strstr(err.message, "'bulk'"));
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "bulk"), 0);

    /* the previous format's magic: refused with what to do */
    memcpy(copy, "CDLTDUK1", 8);
    assert_int_equal(tu_write_file(f->path, copy, len), 0);
    assert_int_equal(f->v->load_file(d, f->s, f->t, f->path, &err), CDLT_PARSE);
    assert_non_null(strstr(err.message, "magic"));
    assert_non_null(strstr(err.message, "normalize"));
    free(copy);
    free(data);
    f->v->close(d);
}

/* load_files: several files in as few INSERTs as their columns allow (two DuckDB threads).
 * A, B and D have the table's first columns, C was written after a column was added: A+B go in
 * one statement, C and D in their own; every row arrives once. A bad value in B (the second
 * file of a statement) is reported with B's path and row, and the rollback keeps nothing. */
static void test_bulk_many_files(void **state)
{
    fixture *f = *state;
    char pa[4300], pb[4300], pc[4300], pd[4300];
    snprintf(pa, sizeof pa, "%s/bulk.a.0.%s", f->dir, f->v->formats[0]->ext);
    snprintf(pb, sizeof pb, "%s/bulk.b.0.%s", f->dir, f->v->formats[0]->ext);
    snprintf(pc, sizeof pc, "%s/bulk.c.0.%s", f->dir, f->v->formats[0]->ext);
    snprintf(pd, sizeof pd, "%s/bulk.d.0.%s", f->dir, f->v->formats[0]->ext);
    write_bulk(f, 0);
    assert_int_equal(rename(f->path, pa), 0);
    write_bulk(f, 15000);
    assert_int_equal(rename(f->path, pb), 0);
    write_bulk(f, 0);
    assert_int_equal(rename(f->path, pd), 0);
    /* C: one more column */
    tl_col(f->s, f->t, "extra", DT_BIGINT, true, -1, -1, -1);
    cdlt_error err = {0};
    dest_writer *w = NULL;
    assert_int_equal(f->v->formats[0]->open(f->t, pc, NULL, &w, &err), CDLT_OK);
    for (long i = 0; i < 5000; i++) {
        tval row[11] = {tv_i(1000000 + i), tv_null(), tv_s("c"),  tv_b(0),
                        tv_null(),         tv_null(), tv_null(), tv_null(),
                        tv_s("1795306641.4021535"), tv_s("c-row-id-000000"), tv_i(i)};
        assert_int_equal(f->v->formats[0]->row(w, row, 11), CDLT_OK);
    }
    assert_int_equal(f->v->formats[0]->close(w, NULL, &err), CDLT_OK);

    destination *d = open_two_threads(f);
    assert_int_equal(f->v->migrate(d, f->s, &err), CDLT_OK);
    const char *paths[4] = {pa, pb, pc, pd};
    /* the bad decimal in B: B is named, not A */
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    assert_int_equal(f->v->load_files(d, f->s, f->t, paths, 4, &err), CDLT_COERCE);
    assert_non_null(strstr(err.message, "bulk.b.0"));
    assert_non_null(strstr(err.message, "row 15000"));
    assert_int_equal(f->v->rollback(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "bulk"), 0);
    /* B mended: 3 x 20000 + 5000 rows */
    schema_table *t10 = f->t;
    t10->ncolumns--; /* write B with the first ten columns again */
    write_bulk(f, 0);
    t10->ncolumns++;
    assert_int_equal(rename(f->path, pb), 0);
    assert_int_equal(f->v->begin(d, &err), CDLT_OK);
    cdlt_status st = f->v->load_files(d, f->s, f->t, paths, 4, &err);
    if (st != CDLT_OK)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(st, CDLT_OK);
    assert_int_equal(f->v->commit(d, &err), CDLT_OK);
    assert_int_equal(tl_count(d, "bulk"), 3 * NROWS + 5000);
    char want[64];
    snprintf(want, sizeof want, "%lld",
             3LL * NROWS * (NROWS - 1) / 2 + 5000LL * 1000000 + 5000LL * 4999 / 2);
    tl_expect(d, "SELECT sum(id) FROM ds.bulk", want);
    tl_expect(d, "SELECT count(*) FROM ds.bulk WHERE extra IS NOT NULL", "5000");
    tl_expect(d, "SELECT sum(extra) FROM ds.bulk", "12497500");
    tl_expect(d, "SELECT count(DISTINCT _dlt_id) FROM ds.bulk", "20001");
    f->v->close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bulk_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_two_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_errors_from_workers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_compression_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_many_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
