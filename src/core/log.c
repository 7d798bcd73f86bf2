/* log.c: levelled logging through an optional sink, and the secret masker every line, error
 * message and written file passes through. Colour only on a TTY and when NO_COLOR is unset. */
#include "core.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

static cdlt_log_level g_level = CDLT_LOG_WARN;
static cdlt_log_sink g_sink;
static void *g_sink_ud;

/* Registered secrets: a small list, longest first so overlapping secrets mask fully. */
static pthread_mutex_t g_secret_lock = PTHREAD_MUTEX_INITIALIZER;
static char **g_secrets;
static size_t g_nsecrets, g_capsecrets;

/* set once a caller (the CLI's --log-level or RUNTIME__LOG_LEVEL, an API user) chose a level:
 * a config file's [runtime] log_level then does not override it */
static bool g_level_set;

void cdlt_log_set_level(cdlt_log_level level)
{
    g_level = level;
    g_level_set = true;
}

void log_set_level_from_config(cdlt_log_level level)
{
    if (!g_level_set)
        g_level = level;
}
cdlt_log_level cdlt_log_get_level(void) { return g_level; }
bool log_enabled(cdlt_log_level level) { return level >= g_level && level < CDLT_LOG_OFF; }

int cdlt_log_level_parse(const char *name)
{
    static const struct {
        const char *n;
        cdlt_log_level l;
    } names[] = {{"trace", CDLT_LOG_TRACE}, {"debug", CDLT_LOG_DEBUG}, {"info", CDLT_LOG_INFO},
                 {"warning", CDLT_LOG_WARN}, {"warn", CDLT_LOG_WARN},  {"error", CDLT_LOG_ERROR},
                 {"critical", CDLT_LOG_ERROR}, {"off", CDLT_LOG_OFF}};
    for (size_t i = 0; name && i < CDLT_ARRAY_LEN(names); i++)
        if (strcasecmp(name, names[i].n) == 0)
            return (int)names[i].l;
    return -1;
}

void cdlt_log_set_sink(cdlt_log_sink sink, void *ud)
{
    g_sink = sink;
    g_sink_ud = ud;
}

cdlt_status cdlt_secret_register(const char *value)
{
    if (!value || strlen(value) < 3)
        return CDLT_OK;
    pthread_mutex_lock(&g_secret_lock);
    cdlt_status st = CDLT_OK;
    for (size_t i = 0; i < g_nsecrets; i++)
        if (strcmp(g_secrets[i], value) == 0)
            goto out;
    if (g_nsecrets == g_capsecrets) {
        size_t cap = g_capsecrets ? g_capsecrets * 2 : 8;
        char **p = mem_realloc(g_secrets, cap * sizeof(char *));
        if (!p) {
            st = CDLT_NOMEM;
            goto out;
        }
        g_secrets = p;
        g_capsecrets = cap;
    }
    char *copy = mem_strdup(value);
    if (!copy) {
        st = CDLT_NOMEM;
        goto out;
    }
    /* Keep longest first: a secret that contains another is replaced whole. */
    size_t i = g_nsecrets;
    size_t len = strlen(copy);
    while (i > 0 && strlen(g_secrets[i - 1]) < len) {
        g_secrets[i] = g_secrets[i - 1];
        i--;
    }
    g_secrets[i] = copy;
    g_nsecrets++;
out:
    pthread_mutex_unlock(&g_secret_lock);
    return st;
}

void cdlt_secret_clear(void)
{
    pthread_mutex_lock(&g_secret_lock);
    for (size_t i = 0; i < g_nsecrets; i++)
        mem_free(g_secrets[i]);
    mem_free(g_secrets);
    g_secrets = NULL;
    g_nsecrets = g_capsecrets = 0;
    pthread_mutex_unlock(&g_secret_lock);
}

void cdlt_secret_mask_value(const char *value, char *out, size_t out_cap)
{
    if (!out_cap)
        return;
    size_t n = value ? strlen(value) : 0;
    /* Long values keep first and last character so a user can tell which secret it was;
     * short ones reveal nothing. */
    if (n >= 8)
        snprintf(out, out_cap, "%c*****%c", value[0], value[n - 1]);
    else
        snprintf(out, out_cap, "*****");
}

size_t cdlt_secret_mask_text(const char *in, char *out, size_t out_cap)
{
    if (!out_cap)
        return 0;
    size_t o = 0;
    pthread_mutex_lock(&g_secret_lock);
    const char *p = in ? in : "";
    while (*p && o + 1 < out_cap) {
        size_t matched = 0;
        const char *secret = NULL;
        for (size_t i = 0; i < g_nsecrets; i++) {
            size_t sl = strlen(g_secrets[i]);
            if (g_secrets[i][0] == *p && strncmp(p, g_secrets[i], sl) == 0) {
                matched = sl;
                secret = g_secrets[i];
                break;
            }
        }
        if (matched) {
            char mask[32];
            cdlt_secret_mask_value(secret, mask, sizeof mask);
            for (const char *m = mask; *m && o + 1 < out_cap; m++)
                out[o++] = *m;
            p += matched;
        } else {
            out[o++] = *p++;
        }
    }
    pthread_mutex_unlock(&g_secret_lock);
    out[o] = '\0';
    return o;
}

static const char *level_name(cdlt_log_level l)
{
    static const char *n[] = {"TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "OFF"};
    return l <= CDLT_LOG_OFF ? n[l] : "?";
}

static const char *level_color(cdlt_log_level l)
{
    static const char *c[] = {"\x1b[90m", "\x1b[36m", "\x1b[32m", "\x1b[33m", "\x1b[31m", ""};
    return l <= CDLT_LOG_OFF ? c[l] : "";
}

void log_vwrite(cdlt_log_level level, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    char raw[4096], masked[4096];
    vsnprintf(raw, sizeof raw, fmt, ap);
    cdlt_secret_mask_text(raw, masked, sizeof masked);
    if (g_sink) {
        g_sink(level, masked, g_sink_ud);
        return;
    }
    bool color = isatty(2) && !getenv("NO_COLOR");
    if (color)
        fprintf(stderr, "%s%s\x1b[0m %s\n", level_color(level), level_name(level), masked);
    else
        fprintf(stderr, "%s %s\n", level_name(level), masked);
}

void cdlt_log(cdlt_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, fmt, ap);
    va_end(ap);
}

/* Is a query parameter name one that carries a secret (motherduck_token, password, ...)? */
static bool secret_param(const char *name, size_t n)
{
    static const char *const words[] = {"token", "password", "passwd", "pwd", "secret", "key"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= n; i++)
            if (strncasecmp(name + i, words[w], wl) == 0)
                return true;
    }
    return false;
}

static cdlt_status register_part(const char *s, size_t n)
{
    char tmp[1024];
    if (n == 0 || n >= sizeof tmp)
        return CDLT_OK;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return cdlt_secret_register(tmp);
}

/* A credential string of any destination (a DuckDB path such as `md:db?motherduck_token=..`,
 * a URL with user:password@): its secret parts become registered secrets, so every error, log
 * line and file written through the maskers hides them; the rest (a path) stays readable. */
cdlt_status secret_register_credential(const char *cred)
{
    if (!cred)
        return CDLT_OK;
    const char *q = strchr(cred, '?');
    size_t head = q ? (size_t)(q - cred) : strlen(cred);
    /* user:password@ before the host */
    const char *at = memchr(cred, '@', head);
    if (at) {
        const char *start = strstr(cred, "://");
        start = start && start < at ? start + 3 : cred;
        const char *colon = memchr(start, ':', (size_t)(at - start));
        if (colon && register_part(colon + 1, (size_t)(at - colon - 1)) != CDLT_OK)
            return CDLT_NOMEM;
    }
    for (const char *p = q; p && *p;) {
        p++;
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq && secret_param(p, (size_t)(eq - p)) &&
            register_part(eq + 1, n - (size_t)(eq - p) - 1) != CDLT_OK)
            return CDLT_NOMEM;
        p = amp;
    }
    return CDLT_OK;
}
