/* lexer.c: the TOML reader's low-level scanning: whitespace, comments, newlines, the UTF-8
 * check of the whole document, and error reporting with line/column/byte positions. */
#include "toml_internal.h"

#include <stdio.h>

int64_t toml_line_of(const toml_parser *p, size_t off)
{
    int64_t line = 1;
    const char *q = p->text, *stop = p->text + off;
    if (stop > p->end)
        stop = p->end;
    while (q < stop) {
        const char *nl = memchr(q, '\n', (size_t)(stop - q));
        if (!nl)
            break;
        line++;
        q = nl + 1;
    }
    return line;
}

static cdlt_status vfail(toml_parser *p, size_t off, const char *fmt, va_list ap)
{
    if (!p->err)
        return CDLT_PARSE;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    err_set(p->err, CDLT_PARSE, "invalid TOML: %s", msg);
    size_t size = (size_t)(p->end - p->text);
    if (off > size)
        off = size;
    /* Column in bytes from the start of the line, 1-based. */
    size_t ls = off;
    while (ls > 0 && p->text[ls - 1] != '\n')
        ls--;
    err_at_file(p->err, p->file, toml_line_of(p, off), (int64_t)(off - ls) + 1, (int64_t)off);
    return CDLT_PARSE;
}

cdlt_status toml_fail(toml_parser *p, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cdlt_status st = vfail(p, (size_t)(at - p->text), fmt, ap);
    va_end(ap);
    return st;
}

cdlt_status toml_fail_off(toml_parser *p, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cdlt_status st = vfail(p, off, fmt, ap);
    va_end(ap);
    return st;
}

cdlt_status toml_nomem(toml_parser *p) { return err_nomem(p->err); }

const char *toml_describe(const toml_parser *p, const char *q, char *tmp, size_t n)
{
    if (q >= p->end)
        return "end of file";
    unsigned char c = (unsigned char)*q;
    if (c == '\n' || (c == '\r' && q + 1 < p->end && q[1] == '\n'))
        return "end of line";
    if (c >= 0x21 && c < 0x7F)
        snprintf(tmp, n, "'%c'", c);
    else if (c == ' ')
        snprintf(tmp, n, "a space");
    else if (c < 0x80)
        snprintf(tmp, n, "control character U+%04X", c);
    else
        snprintf(tmp, n, "non-ASCII character");
    return tmp;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

cdlt_status toml_check_utf8(toml_parser *p)
{
    const unsigned char *s = (const unsigned char *)p->p, *e = (const unsigned char *)p->end;
    while (s < e) {
        if (*s < 0x80) {
            s++;
            continue;
        }
        size_t k = utf8_seq(s, (size_t)(e - s));
        if (!k)
            return toml_fail(p, (const char *)s,
                             "invalid UTF-8 byte 0x%02X; expected the file to be UTF-8 encoded "
                             "(re-save it as UTF-8)",
                             *s);
        s += k;
    }
    return CDLT_OK;
}

void toml_skip_ws(toml_parser *p)
{
    while (p->p < p->end && (*p->p == ' ' || *p->p == '\t'))
        p->p++;
}

cdlt_status toml_skip_comment(toml_parser *p)
{
    if (p->p >= p->end || *p->p != '#')
        return CDLT_OK;
    const char *q = p->p + 1;
    for (; q < p->end; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '\n')
            break;
        if (c == '\r' && q + 1 < p->end && q[1] == '\n')
            break;
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return toml_fail(p, q,
                             "control character U+%04X in a comment; comments may contain tabs "
                             "but no other control characters",
                             c);
    }
    p->p = q;
    return CDLT_OK;
}

/* Consume one newline (LF or CRLF) at the cursor; false when there is none. */
static bool eat_newline(toml_parser *p)
{
    if (p->p < p->end && *p->p == '\n') {
        p->p++;
        return true;
    }
    if (p->p + 1 < p->end && p->p[0] == '\r' && p->p[1] == '\n') {
        p->p += 2;
        return true;
    }
    return false;
}

cdlt_status toml_skip_ws_nl(toml_parser *p)
{
    for (;;) {
        toml_skip_ws(p);
        cdlt_status st = toml_skip_comment(p);
        if (st != CDLT_OK)
            return st;
        if (!eat_newline(p))
            return CDLT_OK;
    }
}

cdlt_status toml_expect_eol(toml_parser *p, const char *after)
{
    toml_skip_ws(p);
    cdlt_status st = toml_skip_comment(p);
    if (st != CDLT_OK)
        return st;
    if (p->p >= p->end || eat_newline(p))
        return CDLT_OK;
    char tmp[48];
    return toml_fail(p, p->p, "unexpected %s after %s; expected a newline or a # comment",
                     toml_describe(p, p->p, tmp, sizeof tmp), after);
}
