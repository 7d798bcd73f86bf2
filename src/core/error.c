/* error.c: error objects that say what happened, where, and what to do. Messages pass the
 * secret masker when they are written, so a secret can never reach a caller through an error. */
#include "core.h"

#include <stdio.h>

void cdlt_error_clear(cdlt_error *e)
{
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    e->offset = -1;
}

/* Re-mask the message after every change: context added later may contain a secret too. */
static void remask(cdlt_error *e)
{
    char tmp[CDLT_ERRMSG_MAX];
    cdlt_secret_mask_text(e->message, tmp, sizeof tmp);
    memcpy(e->message, tmp, sizeof tmp);
}

cdlt_status err_vset(cdlt_error *e, cdlt_status code, const char *fmt, va_list ap)
{
    if (!e)
        return code;
    cdlt_error_clear(e);
    e->code = code;
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    remask(e);
    return code;
}

cdlt_status err_set(cdlt_error *e, cdlt_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, code, fmt, ap);
    va_end(ap);
    return code;
}

static void append(cdlt_error *e, const char *s)
{
    size_t n = strlen(e->message);
    snprintf(e->message + n, sizeof e->message - n, "%s", s);
}

cdlt_status err_at_file(cdlt_error *e, const char *file, int64_t line, int64_t col,
                        int64_t offset)
{
    if (!e)
        return CDLT_ERROR;
    char where[700];
    int n = 0;
    if (file && *file) {
        snprintf(e->file, sizeof e->file, "%s", file);
        n = snprintf(where, sizeof where, " (at %s", file);
    } else {
        n = snprintf(where, sizeof where, " (at");
    }
    if (line > 0) {
        e->line = line;
        n += snprintf(where + n, sizeof where - (size_t)n, "%s%lld", file && *file ? ":" : " line ",
                      (long long)line);
        if (col > 0) {
            e->column = col;
            n += snprintf(where + n, sizeof where - (size_t)n, ":%lld", (long long)col);
        }
    }
    if (offset >= 0) {
        e->offset = offset;
        n += snprintf(where + n, sizeof where - (size_t)n, ", byte %lld", (long long)offset);
    }
    snprintf(where + n, sizeof where - (size_t)n, ")");
    append(e, where);
    remask(e);
    return e->code;
}

cdlt_status err_prefix(cdlt_error *e, const char *fmt, ...)
{
    if (!e)
        return CDLT_ERROR;
    char pre[1024], tmp[CDLT_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    snprintf(tmp, sizeof tmp, "%s%s", pre, e->message);
    memcpy(e->message, tmp, sizeof tmp);
    remask(e);
    return e->code;
}

cdlt_status err_hint(cdlt_error *e, const char *fmt, ...)
{
    if (!e)
        return CDLT_ERROR;
    char hint[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(hint, sizeof hint, fmt, ap);
    va_end(ap);
    append(e, "; ");
    append(e, hint);
    remask(e);
    return e->code;
}

static void set_field(char *dst, size_t cap, const char *v)
{
    char tmp[2048];
    cdlt_secret_mask_text(v ? v : "", tmp, sizeof tmp);
    snprintf(dst, cap, "%s", tmp);
}

void err_set_resource(cdlt_error *e, const char *r)
{
    if (e)
        set_field(e->resource, sizeof e->resource, r);
}
void err_set_table(cdlt_error *e, const char *t)
{
    if (e)
        set_field(e->table, sizeof e->table, t);
}
void err_set_column(cdlt_error *e, const char *c)
{
    if (e)
        set_field(e->column_name, sizeof e->column_name, c);
}

void err_set_url(cdlt_error *e, const char *url)
{
    if (!e || !url)
        return;
    /* Hide "user:password@" credentials even when the password was never registered. */
    char clean[1024];
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (at && (!slash || at < slash) && colon && colon < at)
        snprintf(clean, sizeof clean, "%.*s:*****%s", (int)(colon - url), url, at);
    else
        snprintf(clean, sizeof clean, "%s", url);
    set_field(e->url, sizeof e->url, clean);
}

cdlt_status err_nomem(cdlt_error *e) { return err_set(e, CDLT_NOMEM, "out of memory"); }
