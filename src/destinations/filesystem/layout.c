/* layout.c: dlt's filesystem layout: "{placeholder}" names expanded per data file (dlt
 * path_utils: table_name, load_id, file_id, ext, schema_name, curr_date, timestamp(_ms),
 * load_package_timestamp(_ms), pendulum's date tokens lower-cased, and extra_placeholders),
 * checked up front (unknown placeholder, no {table_name}, nothing but {schema_name} before it,
 * no separator after it: the errors dlt raises). */
#include "fs.h"

#include "types/types.h"

#include <stdio.h>
#include <string.h>

/* pendulum 3 format tokens dlt offers (DATETIME_PLACEHOLDERS) */
static const char *const DT_TOKENS[] = {"YYYY", "YY",  "Y",    "MMMM", "MMM", "MM", "M",
                                        "DD",   "D",   "HH",   "H",    "mm",  "m",  "dddd",
                                        "ddd",  "dd",  "d",    "ss",   "s",   "SSSS", "SSS",
                                        "SS",   "S",   "Q",    NULL};
static const char *const STD[] = {"schema_name", "table_name", "load_id", "file_id", "ext",
                                  "curr_date", "timestamp", "timestamp_ms",
                                  "load_package_timestamp", "load_package_timestamp_ms", NULL};

static bool in_list(const char *const *l, const char *s, size_t n)
{
    for (size_t i = 0; l[i]; i++)
        if (strlen(l[i]) == n && memcmp(l[i], s, n) == 0)
            return true;
    return false;
}

static const jv *extra_get(const jv *extra, const char *s, size_t n)
{
    if (!extra || extra->type != JV_OBJECT)
        return NULL;
    for (uint32_t i = 0; i < extra->len; i++) {
        const char *k = extra->u.members[i].key;
        if (strlen(k) == n && memcmp(k, s, n) == 0)
            return &extra->u.members[i].value;
    }
    return NULL;
}

cdlt_status fs_layout_check(const char *layout, const jv *extra, char **prefix,
                            cdlt_error *err)
{
    *prefix = NULL;
    buf bad = BUF_INIT;
    const char *tn = NULL;
    bool before_ok = true;
    for (const char *p = layout; (p = strchr(p, '{'));) {
        const char *e = strchr(p, '}');
        if (!e)
            break;
        size_t n = (size_t)(e - p - 1);
        if (!in_list(STD, p + 1, n) && !in_list(DT_TOKENS, p + 1, n) &&
            !extra_get(extra, p + 1, n))
            buf_printf(&bad, "%s{%.*s}", bad.len ? ", " : "", (int)n, p + 1);
        if (n == 10 && memcmp(p + 1, "table_name", 10) == 0) {
            if (!tn)
                tn = p;
        } else if (!tn && !(n == 11 && memcmp(p + 1, "schema_name", 11) == 0)) {
            before_ok = false;
        }
        p = e + 1;
    }
    cdlt_status rc = CDLT_OK;
    if (bad.len) {
        err_set(err, CDLT_CONFIG, "destination.filesystem.layout '%s': unknown placeholder %s",
                layout, bad.data);
        rc = err_hint(err, "dlt's placeholders: {table_name}, {load_id}, {file_id}, {ext}, "
                           "{schema_name}, {curr_date}, {timestamp}, {timestamp_ms}, "
                           "{load_package_timestamp}, {load_package_timestamp_ms}, date tokens "
                           "{YYYY} {MM} {DD} {HH} {mm} {Q} {ddd} ..., and the keys of "
                           "extra_placeholders");
    } else if (!tn) {
        err_set(err, CDLT_CONFIG, "destination.filesystem.layout '%s' has no {table_name}",
                layout);
        rc = err_hint(err, "files of each table must be found again (replace, sync): put "
                           "{table_name} in the layout, e.g. " FS_DEFAULT_LAYOUT);
    } else if (!before_ok) {
        err_set(err, CDLT_CONFIG, "destination.filesystem.layout '%s': only {schema_name} may "
                "come before {table_name}", layout);
        rc = err_hint(err, "as in dlt, a table's files are found by the layout's part up to "
                           "{table_name}; move the other placeholders after it");
    } else if (tn[12] == '\0' || tn[12] == '{') {
        err_set(err, CDLT_CONFIG, "destination.filesystem.layout '%s': {table_name} needs a "
                "separator after it", layout);
        rc = err_hint(err, "e.g. {table_name}/... or {table_name}.{load_id}...");
    } else {
        size_t n = (size_t)(tn - layout) + 13;
        *prefix = mem_alloc(n + 1);
        if (!*prefix)
            rc = err_nomem(err);
        else {
            memcpy(*prefix, layout, n);
            (*prefix)[n] = '\0';
        }
    }
    buf_free(&bad);
    return rc;
}

static const char *const MONTHS[] = {"january", "february", "march",     "april",
                                     "may",     "june",     "july",      "august",
                                     "september", "october", "november", "december"};
static const char *const DAYS[] = {"sunday",   "monday", "tuesday", "wednesday",
                                   "thursday", "friday", "saturday"};

/* One date token of pendulum's format, lower-cased as dlt does. */
static void put_token(buf *o, const char *t, size_t n, int64_t us)
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t sod = secs - days * 86400;
    int64_t y;
    unsigned mo, dd;
    types_civil_from_days(days, &y, &mo, &dd);
    int dow = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; Sunday = 0 */
    int hh = (int)(sod / 3600), mi = (int)(sod / 60 % 60), ss = (int)(sod % 60);
#define IS(s) (n == sizeof(s) - 1 && memcmp(t, s, n) == 0)
    if (IS("YYYY") || IS("Y"))
        buf_printf(o, "%lld", (long long)y);
    else if (IS("YY"))
        buf_printf(o, "%02d", (int)(y % 100));
    else if (IS("MMMM"))
        buf_puts(o, MONTHS[mo - 1]);
    else if (IS("MMM"))
        buf_printf(o, "%.3s", MONTHS[mo - 1]);
    else if (IS("MM"))
        buf_printf(o, "%02u", mo);
    else if (IS("M"))
        buf_printf(o, "%u", mo);
    else if (IS("DD"))
        buf_printf(o, "%02u", dd);
    else if (IS("D"))
        buf_printf(o, "%u", dd);
    else if (IS("HH"))
        buf_printf(o, "%02d", hh);
    else if (IS("H"))
        buf_printf(o, "%d", hh);
    else if (IS("mm"))
        buf_printf(o, "%02d", mi);
    else if (IS("m"))
        buf_printf(o, "%d", mi);
    else if (IS("dddd"))
        buf_puts(o, DAYS[dow]);
    else if (IS("ddd"))
        buf_printf(o, "%.3s", DAYS[dow]);
    else if (IS("dd"))
        buf_printf(o, "%.2s", DAYS[dow]);
    else if (IS("d"))
        buf_printf(o, "%d", dow);
    else if (IS("ss"))
        buf_printf(o, "%02d", ss);
    else if (IS("s"))
        buf_printf(o, "%d", ss);
    else if (IS("SSSS"))
        buf_printf(o, "%04d", (int)(frac / 100));
    else if (IS("SSS"))
        buf_printf(o, "%03d", (int)(frac / 1000));
    else if (IS("SS"))
        buf_printf(o, "%02d", (int)(frac / 10000));
    else if (IS("S"))
        buf_printf(o, "%d", (int)(frac / 100000));
    else if (IS("Q"))
        buf_printf(o, "%u", (mo - 1) / 3 + 1);
#undef IS
}

/* Whole seconds / milliseconds as dlt's datetime_to_timestamp(_ms): int(dt.timestamp()). */
static long long to_secs(int64_t us) { return (long long)(us / 1000000); }
static long long to_ms(int64_t us) { return (long long)(us / 1000); }

cdlt_status fs_layout_path(const char *layout, const jv *extra, const fs_job *j, buf *out,
                           cdlt_error *err)
{
    buf_clear(out);
    /* dlt: without current_datetime the package's timestamp, else now */
    int64_t now = j->now_us;
    bool has_ext = false;
    for (const char *p = layout; *p;) {
        const char *e = *p == '{' ? strchr(p, '}') : NULL;
        if (!e) {
            buf_putc(out, *p++);
            continue;
        }
        const char *t = p + 1;
        size_t n = (size_t)(e - t);
        const jv *x;
#define IS(s) (n == sizeof(s) - 1 && memcmp(t, s, n) == 0)
        if (IS("table_name"))
            buf_puts(out, j->table);
        else if (IS("schema_name"))
            buf_puts(out, j->schema_name);
        else if (IS("load_id"))
            buf_puts(out, j->load_id);
        else if (IS("file_id"))
            buf_puts(out, j->file_id);
        else if (IS("ext")) {
            buf_puts(out, j->ext);
            has_ext = true;
        } else if (IS("curr_date")) {
            buf tmp = BUF_INIT;
            int64_t d = now >= 0 ? now / 86400000000LL : -((-now + 86399999999LL) / 86400000000LL);
            types_fmt_date((int32_t)d, &tmp);
            buf_append(out, tmp.data, tmp.len);
            buf_free(&tmp);
        } else if (IS("timestamp"))
            buf_printf(out, "%lld", to_secs(now));
        else if (IS("timestamp_ms"))
            buf_printf(out, "%lld", to_ms(now));
        else if (IS("load_package_timestamp") || IS("load_package_timestamp_ms")) {
            int64_t pk = j->package_us != INT64_MIN ? j->package_us : now;
            buf_printf(out, "%lld", IS("load_package_timestamp") ? to_secs(pk) : to_ms(pk));
        } else if ((x = extra_get(extra, t, n))) {
            /* extra placeholders win over date tokens of the same name? dlt applies the
             * datetime params last, so the date token wins; only non-token names get here */
            if (in_list(DT_TOKENS, t, n))
                put_token(out, t, n, now);
            else if (x->type == JV_STRING)
                buf_append(out, x->u.s, x->len);
            else if (x->type == JV_INT)
                buf_printf(out, "%lld", (long long)x->u.i);
            else {
                err_set(err, CDLT_CONFIG, "extra_placeholders.%.*s must be a string", (int)n, t);
                return err_hint(err, "dlt's callable placeholders are Python; give the value "
                                     "as text");
            }
        } else if (in_list(DT_TOKENS, t, n))
            put_token(out, t, n, now);
        else
            buf_append(out, p, (size_t)(e - p + 1)); /* checked at open: cannot happen */
#undef IS
        p = e + 1;
    }
    /* dlt 1.26 replaces the whole path by the extension when the layout lacks {ext} (a
     * bug: every file would collide); we append it instead, so files stay distinct */
    if (!has_ext)
        buf_printf(out, ".%s", j->ext);
    return out->status ? err_nomem(err) : CDLT_OK;
}

cdlt_status fs_table_prefix(const destination *d, const char *schema_name, const char *table,
                            buf *out)
{
    buf_clear(out);
    if (strncmp(table, "_dlt", 4) == 0) /* dlt's own tables ignore the layout */
        return buf_printf(out, "%s/", table);
    for (const char *p = d->table_prefix; *p;) {
        if (strncmp(p, "{table_name}", 12) == 0) {
            buf_puts(out, table);
            p += 12;
        } else if (strncmp(p, "{schema_name}", 13) == 0) {
            buf_puts(out, schema_name);
            p += 13;
        } else {
            buf_putc(out, *p++);
        }
    }
    return out->status;
}
