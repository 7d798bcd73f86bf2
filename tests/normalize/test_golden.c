/* test_golden.c: runs every folder under tests/normalize/cases/ (input items, settings,
 * expected schema and rows) through the normalizer and prints which case failed, with a diff.
 * Adding a case adds files, not code. CDLT_GOLDEN_WRITE=1 writes the actual output instead
 * (review it against the spec before keeping it). */
#include "testutil.h"

#include "golden.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

typedef struct gcase {
    const char *name;  /* folder name */
    char dir[1024];    /* folder path */
    arena mem;         /* parsed json */
    jv settings;       /* settings.json or null */
    bool exact_ids;    /* regen: write ids literally */
    int failures;      /* mismatches found */
} gcase;

static char *read_rel(const gcase *c, const char *rel, size_t *len)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", c->dir, rel);
    return tu_read_file(p, len);
}

static bool parse(gcase *c, const char *text, size_t len, jv *out, const char *what)
{
    cdlt_error e;
    cdlt_error_clear(&e);
    json_opts o = {0, 0, what};
    if (json_parse(text, len, &c->mem, &o, out, &e) != CDLT_OK) {
        fprintf(stderr, "case %s: cannot parse %s: %s\n", c->name, what, e.message);
        c->failures++;
        return false;
    }
    return true;
}

/* Run all lines of a JSONL text through norm_item. Returns the first failing status. */
static cdlt_status run_lines(gcase *c, normalizer *n, const char *table, const char *text,
                             norm_sink *sink, cdlt_error *err)
{
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        bool blank = true;
        for (size_t i = 0; i < len; i++)
            if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
                blank = false;
        if (!blank) {
            jv item;
            if (!parse(c, p, len, &item, "input.jsonl"))
                return CDLT_PARSE;
            cdlt_status st = norm_item(n, &item, table, sink, err);
            if (st != CDLT_OK)
                return st;
        }
        p += len;
        if (*p)
            p++;
    }
    return CDLT_OK;
}

static bool jint(const jv *o, const char *key, int64_t *out)
{
    const jv *v = jv_get(o, key);
    if (!v || v->type != JV_INT)
        return false;
    *out = v->u.i;
    return true;
}

static bool is_b64_id(const jv *v)
{
    if (v->type != JV_STRING || v->len != 14)
        return false;
    for (uint32_t i = 0; i < 14; i++) {
        char ch = v->u.s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '/'))
            return false;
    }
    return true;
}

/* Actual _dlt_id of row N of table T (from the recorded lines), or NULL. */
static bool row_id_of(gcase *c, recorder *r, const char *table, long idx, jv *out)
{
    rec_table *t = rec_find(r, table);
    if (!t)
        return false;
    const char *p = buf_cstr(&t->rows);
    for (long i = 0; i < idx && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p || !*p)
        return false;
    const char *e = strchr(p, '\n');
    jv row;
    if (!parse(c, p, e ? (size_t)(e - p) : strlen(p), &row, "actual row"))
        return false;
    const jv *id = jv_get(&row, "_dlt_id");
    if (!id)
        return false;
    *out = *id;
    return true;
}

static bool value_matches(gcase *c, recorder *r, const jv *exp, const jv *act)
{
    if (exp->type == JV_STRING && exp->len > 2 && exp->u.s[0] == '<') {
        if (strcmp(exp->u.s, "<random>") == 0)
            return is_b64_id(act);
        char table[1024];
        long idx;
        if (sscanf(exp->u.s, "<id:%1023[^:]:%ld>", table, &idx) == 2) {
            jv id;
            return row_id_of(c, r, table, idx, &id) && jv_equal(&id, act);
        }
    }
    return jv_equal(exp, act);
}

static bool row_matches(gcase *c, recorder *r, const jv *exp, const jv *act)
{
    if (exp->type != JV_OBJECT || act->type != JV_OBJECT || exp->len != act->len)
        return false;
    for (uint32_t i = 0; i < exp->len; i++) {
        const jv_member *a = &act->u.members[i], *e = &exp->u.members[i];
        if (a->klen != e->klen || memcmp(a->key, e->key, a->klen) != 0)
            return false;
        if (!value_matches(c, r, &e->value, &a->value))
            return false;
    }
    return true;
}

static void split_lines(const char *text, const char ***out, int *n)
{
    *n = 0;
    *out = NULL;
    int cap = 0;
    const char *p = text;
    while (p && *p) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = realloc(*out, (size_t)cap * sizeof(char *));
        }
        if (*p != '\n')
            (*out)[(*n)++] = p;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
}

static size_t line_len(const char *p)
{
    const char *e = strchr(p, '\n');
    return e ? (size_t)(e - p) : strlen(p);
}

static void compare_table_rows(gcase *c, recorder *r, const char *table, const char *expected)
{
    rec_table *t = rec_find(r, table);
    const char *actual = t ? buf_cstr(&t->rows) : "";
    const char **el, **al;
    int ne, na;
    split_lines(expected, &el, &ne);
    split_lines(actual, &al, &na);
    int n = ne > na ? ne : na;
    for (int i = 0; i < n; i++) {
        jv e, a;
        bool ok = i < ne && i < na && parse(c, el[i], line_len(el[i]), &e, "expected row") &&
                  parse(c, al[i], line_len(al[i]), &a, "actual row") && row_matches(c, r, &e, &a);
        if (!ok) {
            fprintf(stderr, "case %s: table %s row %d differs\n  expected: %.*s\n  actual:   %.*s\n",
                    c->name, table, i, i < ne ? (int)line_len(el[i]) : 6, i < ne ? el[i] : "<none>",
                    i < na ? (int)line_len(al[i]) : 6, i < na ? al[i] : "<none>");
            c->failures++;
            break;
        }
    }
    free(el);
    free(al);
}

/* Regen: replace ids by placeholders unless the case asks for exact ids. */
static void write_rows(gcase *c, recorder *r)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/expected_rows", c->dir);
    mkdir(p, 0755);
    for (int i = 0; i < r->ntables; i++) {
        rec_table *t = &r->tables[i];
        buf out = BUF_INIT;
        const char **al;
        int na;
        split_lines(buf_cstr(&t->rows), &al, &na);
        for (int k = 0; k < na; k++) {
            jv row;
            if (!parse(c, al[k], line_len(al[k]), &row, "actual row"))
                break;
            buf_putc(&out, '{');
            for (uint32_t m = 0; m < row.len; m++) {
                jv_member *mm = &row.u.members[m];
                if (m)
                    buf_putc(&out, ',');
                json_write_string(&out, mm->key, mm->klen, 0);
                buf_putc(&out, ':');
                bool idcol = !strcmp(mm->key, "_dlt_id") || !strcmp(mm->key, "_dlt_parent_id") ||
                             !strcmp(mm->key, "_dlt_root_id");
                if (idcol && !c->exact_ids && is_b64_id(&mm->value)) {
                    if (!strcmp(mm->key, "_dlt_id")) {
                        buf_puts(&out, "\"<random>\"");
                        continue;
                    }
                    bool found = false;
                    for (int ti = 0; ti < r->ntables && !found; ti++) {
                        for (long ri = 0; ri < (long)r->tables[ti].nrows && !found; ri++) {
                            jv id;
                            if (row_id_of(c, r, r->tables[ti].name, ri, &id) &&
                                jv_equal(&id, &mm->value)) {
                                buf_printf(&out, "\"<id:%s:%ld>\"", r->tables[ti].name, ri);
                                found = true;
                            }
                        }
                    }
                    if (found)
                        continue;
                }
                json_write(&out, &mm->value, 0);
            }
            buf_puts(&out, "}\n");
        }
        free(al);
        snprintf(p, sizeof p, "%s/expected_rows/%s.jsonl", c->dir, t->name);
        tu_write_file(p, out.data, out.len);
        buf_free(&out);
    }
}

static void run_case(gcase *c)
{
    size_t len;
    char *text;
    c->settings = jv_null();
    if ((text = read_rel(c, "settings.json", &len))) {
        parse(c, text, len, &c->settings, "settings.json");
        free(text);
    }
    const jv *ex = jv_get(&c->settings, "exact_ids");
    c->exact_ids = ex && ex->type == JV_BOOL && ex->u.b;
    cdlt_error err;
    cdlt_error_clear(&err);
    schema *s = NULL;
    const char *table = NULL;
    if (golden_schema(c->settings.type == JV_OBJECT ? &c->settings : NULL, &s, &table, &err) !=
        CDLT_OK) {
        fprintf(stderr, "case %s: settings: %s\n", c->name, err.message);
        c->failures++;
        schema_free(s);
        return;
    }
    const jv *lid = jv_get(&c->settings, "load_id");
    normalizer *n = NULL;
    if (norm_open(s, lid && lid->type == JV_STRING ? lid->u.s : "1700000000.000001", &n, &err) !=
        CDLT_OK) {
        fprintf(stderr, "case %s: norm_open: %s\n", c->name, err.message);
        c->failures++;
        schema_free(s);
        return;
    }
    recorder rec;
    norm_sink sink;
    rec_init(&rec, &sink);
    const jv *first = jv_get(&c->settings, "first_load");
    if (first && first->type == JV_ARRAY) {
        rec.quiet = true;
        for (uint32_t i = 0; i < first->len; i++) {
            if (norm_item(n, &first->u.items[i], table, &sink, &err) != CDLT_OK) {
                fprintf(stderr, "case %s: first_load item %u: %s\n", c->name, i, err.message);
                c->failures++;
            }
        }
        rec.quiet = false;
        for (int i = 0; i < rec.ntables; i++)
            rec.tables[i].nrows = 0;
        const jv *tc = jv_get(&c->settings, "schema_contract");
        buf b = BUF_INIT;
        naming_tables_path(&s->naming, table, strlen(table), &b);
        schema_table *rt = schema_get_table(s, buf_cstr(&b));
        buf_free(&b);
        if (tc && (!rt || schema_contract_from_jv(tc, &rt->contract, &err) != CDLT_OK)) {
            fprintf(stderr, "case %s: cannot apply schema_contract after first_load\n", c->name);
            c->failures++;
        }
    }
    text = read_rel(c, "input.jsonl", &len);
    cdlt_status st = text ? run_lines(c, n, table, text, &sink, &err) : CDLT_IO;
    free(text);
    const jv *xe = jv_get(&c->settings, "expect_error");
    if (xe) {
        const char *code = jv_get(xe, "code") ? jv_get(xe, "code")->u.s : "";
        if (st == CDLT_OK || strcmp(cdlt_status_name(st), code) != 0) {
            fprintf(stderr, "case %s: expected error %s, got %s (%s)\n", c->name, code,
                    cdlt_status_name(st), err.message);
            c->failures++;
        }
        const jv *cont = jv_get(xe, "contains");
        for (uint32_t i = 0; cont && i < cont->len; i++) {
            if (!strstr(err.message, cont->u.items[i].u.s)) {
                fprintf(stderr, "case %s: error message lacks '%s': %s\n", c->name,
                            cont->u.items[i].u.s, err.message);
                c->failures++;
            }
        }
    } else if (st != CDLT_OK) {
        fprintf(stderr, "case %s: normalize failed: %s: %s\n", c->name, cdlt_status_name(st),
                err.message);
        c->failures++;
    }
    if (rec.contract_errors) {
        fprintf(stderr, "case %s: %d sink contract violations\n", c->name, rec.contract_errors);
        c->failures++;
    }
    const jv *xs = jv_get(&c->settings, "expect_stats");
    if (xs) {
        const norm_stats *ns = norm_get_stats(n);
        int64_t v;
        if ((jint(xs, "discarded_rows", &v) && (uint64_t)v != ns->discarded_rows) ||
            (jint(xs, "discarded_values", &v) && (uint64_t)v != ns->discarded_values)) {
            fprintf(stderr, "case %s: stats differ: discarded_rows=%llu discarded_values=%llu\n",
                    c->name, (unsigned long long)ns->discarded_rows,
                    (unsigned long long)ns->discarded_values);
            c->failures++;
        }
    }
    buf actual = BUF_INIT;
    golden_render_schema(s, &actual);
    const char *regen = getenv("CDLT_GOLDEN_WRITE");
    if (regen && *regen == '1') {
        jv tree;
        if (parse(c, actual.data, actual.len, &tree, "actual schema")) {
            buf pretty = BUF_INIT;
            json_write(&pretty, &tree, JSON_W_PRETTY);
            buf_putc(&pretty, '\n');
            char p[1200];
            snprintf(p, sizeof p, "%s/expected_schema.json", c->dir);
            tu_write_file(p, pretty.data, pretty.len);
            buf_free(&pretty);
        }
        write_rows(c, &rec);
    } else {
        if ((text = read_rel(c, "expected_schema.json", &len))) {
            jv e, a;
            if (parse(c, text, len, &e, "expected_schema.json") &&
                parse(c, actual.data, actual.len, &a, "actual schema") && !jv_equal(&e, &a)) {
                c->failures++;
                const jv *et = jv_get(&e, "tables"), *at = jv_get(&a, "tables");
                for (uint32_t i = 0; et && at && i < et->len; i++) {
                    const jv *x = jv_getn(at, et->u.members[i].key, et->u.members[i].klen);
                    if (x && jv_equal(x, &et->u.members[i].value))
                        continue;
                    buf eb = BUF_INIT, ab = BUF_INIT;
                    json_write(&eb, &et->u.members[i].value, 0);
                    if (x)
                        json_write(&ab, x, 0);
                    fprintf(stderr, "case %s: schema table %s differs\n  expected: %s\n  actual:   %s\n",
                            c->name, et->u.members[i].key, buf_cstr(&eb), x ? buf_cstr(&ab) : "<missing>");
                    buf_free(&eb);
                    buf_free(&ab);
                }
                if (et && at && et->len != at->len)
                    fprintf(stderr, "case %s: schema tables differ\n  actual: %s\n", c->name,
                            actual.data);
            }
            free(text);
        }
        /* every table with rows needs an expected file and vice versa */
        char p[1200];
        snprintf(p, sizeof p, "%s/expected_rows", c->dir);
        DIR *d = opendir(p);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            size_t l = strlen(de->d_name);
            if (l < 7 || strcmp(de->d_name + l - 6, ".jsonl") != 0)
                continue;
            char tname[256];
            snprintf(tname, sizeof tname, "%.*s", (int)(l - 6), de->d_name);
            char rel[600];
            snprintf(rel, sizeof rel, "expected_rows/%s", de->d_name);
            char *exp = read_rel(c, rel, &len);
            compare_table_rows(c, &rec, tname, exp ? exp : "");
            free(exp);
        }
        if (d)
            closedir(d);
        for (int i = 0; i < rec.ntables; i++) {
            if (!rec.tables[i].rows.len)
                continue;
            char rel[600];
            snprintf(rel, sizeof rel, "%s/expected_rows/%s.jsonl", c->dir, rec.tables[i].name);
            struct stat sb;
            if (stat(rel, &sb) != 0) {
                fprintf(stderr, "case %s: table %s has rows but no expected_rows/%s.jsonl:\n%s",
                        c->name, rec.tables[i].name, rec.tables[i].name,
                        buf_cstr(&rec.tables[i].rows));
                c->failures++;
            }
        }
    }
    buf_free(&actual);
    rec_free(&rec);
    norm_close(n);
    schema_free(s);
}

static void test_golden_cases(void **state)
{
    (void)state;
    const char *dir = tu_source_path("tests/normalize/cases");
    char root[1024];
    snprintf(root, sizeof root, "%s", dir);
    struct dirent **list;
    int nl = scandir(root, &list, NULL, alphasort);
    assert_true(nl > 0);
    int ran = 0, failed = 0;
    const char *only = getenv("CDLT_GOLDEN_CASE");
    for (int i = 0; i < nl; i++) {
        gcase c;
        memset(&c, 0, sizeof c);
        c.name = list[i]->d_name;
        snprintf(c.dir, sizeof c.dir, "%s/%s", root, c.name);
        struct stat sb;
        if (c.name[0] == '.' || stat(c.dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
            (only && strcmp(only, c.name) != 0)) {
            free(list[i]);
            continue;
        }
        arena_init(&c.mem, 64 * 1024, 0);
        run_case(&c);
        arena_free(&c.mem);
        ran++;
        if (c.failures) {
            failed++;
            fprintf(stderr, "FAILED case %s\n", c.name);
        }
        free(list[i]);
    }
    free(list);
    printf("golden: %d cases, %d failed\n", ran, failed);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
