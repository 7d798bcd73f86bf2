/* progress.c: progress display: on a TTY a redrawn block (rows and MB per table, ETA when the
 * input size is known); in log mode one line every few seconds; nothing in NONE mode. */
#include "pipeline.h"

#include <stdio.h>
#include <unistd.h>

#define PROGRESS_TTY_EVERY 0.2 /* seconds between TTY redraws */
#define PROGRESS_LOG_EVERY 5.0 /* seconds between log lines */

static void draw(pipe_progress *pr, bool final)
{
    double now = time_monotonic(), el = now - pr->t0;
    buf b = BUF_INIT;
    if (pr->mode == CDLT_PROGRESS_TTY && pr->lines > 0)
        buf_printf(&b, "\x1b[%dA", pr->lines);
    int lines = 0;
    buf_printf(&b, "\r\x1b[K%s: %.1f s", pr->phase, el);
    if (pr->total_bytes) {
        double frac = (double)pr->done_bytes / (double)pr->total_bytes;
        buf_printf(&b, ", %.1f/%.1f MB (%.0f%%)", (double)pr->done_bytes / 1048576.0,
                   (double)pr->total_bytes / 1048576.0, frac * 100.0);
        if (!final && frac > 0.01 && el > 0.5)
            buf_printf(&b, ", ETA %.0f s", el / frac - el);
        if (el > 0)
            buf_printf(&b, ", %.1f MB/s", (double)pr->done_bytes / 1048576.0 / el);
    }
    buf_putc(&b, '\n');
    lines++;
    /* per-table lines while data moves; the load phase shows files instead */
    if (pr->info && strcmp(pr->phase, "load") == 0)
        buf_printf(&b, "\r\x1b[K  %llu load files loaded\n", (unsigned long long)pr->info->files),
            lines++;
    else if (pr->info) {
        for (size_t i = 0; i < pr->info->ntables && i < 20; i++) {
            const pipe_table_stat *t = pr->info->tables[i];
            uint64_t n = t->rows ? t->rows : t->items;
            buf_printf(&b, "\r\x1b[K  %-36s %12llu rows", t->name, (unsigned long long)n);
            if (t->bytes)
                buf_printf(&b, " %9.1f MB", (double)t->bytes / 1048576.0);
            if (el > 0)
                buf_printf(&b, " %10.0f rows/s", (double)n / el);
            buf_putc(&b, '\n');
            lines++;
        }
    }
    if (pr->mode == CDLT_PROGRESS_TTY) {
        fputs(buf_cstr(&b), stderr);
        pr->lines = lines;
    } else {
        /* log mode: strip the escape codes: one plain line per table */
        const char *s = buf_cstr(&b);
        buf clean = BUF_INIT;
        for (; *s; s++) {
            if (*s == '\x1b') {
                while (*s && !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
                    s++;
                if (!*s)
                    break;
                continue;
            }
            if (*s != '\r')
                buf_putc(&clean, *s);
        }
        fputs(buf_cstr(&clean), stderr);
        buf_free(&clean);
    }
    fflush(stderr);
    buf_free(&b);
    pr->last = now;
}

void progress_start(pipe_progress *pr, const char *phase, uint64_t total_bytes)
{
    if (pr->mode == CDLT_PROGRESS_AUTO)
        pr->mode = isatty(2) ? CDLT_PROGRESS_TTY : CDLT_PROGRESS_LOG;
    pr->phase = phase;
    pr->t0 = pr->last = time_monotonic();
    pr->total_bytes = total_bytes;
    pr->done_bytes = 0;
    pr->counter = 0;
    pr->lines = 0;
}

void progress_tick(pipe_progress *pr, uint64_t done_bytes)
{
    if (CDLT_LIKELY(pr->mode == CDLT_PROGRESS_NONE))
        return;
    if (done_bytes)
        pr->done_bytes = done_bytes;
    if ((++pr->counter & 4095) != 0)
        return;
    double now = time_monotonic();
    double every = pr->mode == CDLT_PROGRESS_TTY ? PROGRESS_TTY_EVERY : PROGRESS_LOG_EVERY;
    if (now - pr->last >= every)
        draw(pr, false);
}

void progress_end(pipe_progress *pr)
{
    if (pr->mode == CDLT_PROGRESS_NONE || !pr->phase)
        return;
    if (pr->total_bytes)
        pr->done_bytes = pr->total_bytes;
    draw(pr, true);
    pr->lines = 0;
    pr->phase = NULL;
}
