/* input.c: the bytes of one input file, decompressed on the fly when the file is gzip or zstd
 * (told by its magic bytes, whatever its name; a name ending in .gz/.zst whose bytes are not
 * that format is refused rather than read as text). Memory stays bounded: one raw buffer plus
 * the codec's own window, whatever the file's size. Readers above (line reader, JSON stream)
 * see plain bytes, so their line/byte positions are positions in the decompressed data. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define RAW_CHUNK (256u << 10) /* compressed bytes read per read(2) */

struct src_input {
    int fd;             /* the file, or -1 when bytes come from rd */
    src_read_fn rd;     /* src_input_open_fn: the caller's byte source (object storage) */
    void *rd_ud;        /* its argument */
    src_codec codec;    /* how its bytes are encoded */
    char *shown;        /* name for errors (a verbatim copy names the user's file) */
    char *raw;          /* compressed bytes read but not yet decompressed */
    size_t raw_pos;     /* first unused byte of raw */
    size_t raw_len;     /* valid bytes of raw */
    bool raw_eof;       /* read(2) returned 0 */
    uint64_t raw_total; /* compressed bytes read so far (progress, error offsets) */
    bool frame_open;    /* inside a gzip member / zstd frame that has not ended yet */
    bool done;          /* all output given */
    z_stream z;         /* gzip state (codec SRC_GZIP) */
    bool z_init;        /* inflateInit2 succeeded */
    ZSTD_DStream *zs;   /* zstd state (codec SRC_ZSTD) */
    src_files_follow_fn follow; /* a file still being written: asked at its end (plain only) */
    void *follow_ud;
};

void src_input_follow(src_input *in, src_files_follow_fn fn, void *ud)
{
    in->follow = fn;
    in->follow_ud = ud;
}

static void *z_alloc(void *op, uInt n, uInt size)
{
    (void)op;
    return mem_calloc(n, size);
}
static void z_free(void *op, void *p)
{
    (void)op;
    mem_free(p);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static src_codec codec_of_magic(const unsigned char *b, size_t n)
{
    if (n >= 2 && b[0] == 0x1F && b[1] == 0x8B)
        return SRC_GZIP;
    if (n >= 4 && b[0] == 0x28 && b[1] == 0xB5 && b[2] == 0x2F && b[3] == 0xFD)
        return SRC_ZSTD;
    return SRC_PLAIN;
}

static ssize_t read_full(int fd, void *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Up to n bytes from the caller's source, fewer only at its end. */
static cdlt_status fn_read_full(src_input *in, char *b, size_t n, size_t *got, cdlt_error *err)
{
    *got = 0;
    while (*got < n) {
        size_t k = 0;
        cdlt_status st = in->rd(in->rd_ud, b + *got, n - *got, &k, err);
        if (st != CDLT_OK)
            return st;
        if (k == 0)
            break;
        *got += k;
    }
    return CDLT_OK;
}

src_codec src_detect_codec(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SRC_PLAIN;
    unsigned char b[4];
    ssize_t r = read_full(fd, b, sizeof b);
    close(fd);
    return r > 0 ? codec_of_magic(b, (size_t)r) : SRC_PLAIN;
}

void src_input_close(src_input *in)
{
    if (!in)
        return;
    if (in->fd >= 0)
        close(in->fd);
    if (in->z_init)
        inflateEnd(&in->z);
    ZSTD_freeDStream(in->zs);
    mem_free(in->raw);
    mem_free(in->shown);
    mem_free(in);
}


/* A plain file named .gz/.zst (n bytes read at its start): an error naming its first byte
 * (fuzz_sources_read: data errors name their place). */
static bool misnamed(const src_input *in, size_t n, cdlt_error *err)
{
    const char *name = in->shown;
    if (in->codec != SRC_PLAIN || n == 0 || !(ends_with(name, ".gz") || ends_with(name, ".zst")))
        return false;
    err_set(err, CDLT_PARSE, "'%s' is named as %s data but does not start with its magic bytes",
            name, ends_with(name, ".gz") ? "gzip" : "zstd");
    err_at_file(err, name, 1, 1, 0);
    err_hint(err, "rename the file if it is plain text, or check that it was not damaged in "
                  "transfer");
    return true;
}

cdlt_status src_input_open(const char *path, const char *shown, src_input **out,
                           cdlt_error *err)
{
    *out = NULL;
    src_input *in = mem_calloc(1, sizeof *in);
    if (!in)
        return err_nomem(err);
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        err_set(err, CDLT_IO, "cannot open '%s': %s", path, strerror(errno));
        src_input_close(in);
        return err_hint(err, "check that the file exists and is readable");
    }
    if (!(in->shown = mem_strdup(shown ? shown : path))) {
        src_input_close(in);
        return err_nomem(err);
    }
    unsigned char magic[4];
    ssize_t r = read_full(in->fd, magic, sizeof magic);
    if (r < 0 || lseek(in->fd, 0, SEEK_SET) != 0) {
        err_set(err, CDLT_IO, "cannot read '%s': %s", path, strerror(errno));
        src_input_close(in);
        return CDLT_IO;
    }
    in->codec = codec_of_magic(magic, (size_t)r);
    if (misnamed(in, (size_t)r, err)) {
        src_input_close(in);
        return CDLT_PARSE;
    }
    if (in->codec == SRC_PLAIN) {
        *out = in;
        return CDLT_OK;
    }
    if (!(in->raw = mem_alloc(RAW_CHUNK))) {
        src_input_close(in);
        return err_nomem(err);
    }
    if (in->codec == SRC_GZIP) {
        in->z.zalloc = z_alloc;
        in->z.zfree = z_free;
        if (inflateInit2(&in->z, 15 + 16) != Z_OK) { /* gzip wrapper only */
            src_input_close(in);
            return err_nomem(err);
        }
        in->z_init = true;
    } else {
        /* libzstd's own allocator: its custom-allocator API is not in the stable ABI */
        if (!(in->zs = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(in->zs))) {
            src_input_close(in);
            return err_nomem(err);
        }
    }
    *out = in;
    return CDLT_OK;
}

/* The codec set-up shared by both openers (raw allocated). */
static cdlt_status codec_init(src_input *in, cdlt_error *err)
{
    if (in->codec == SRC_GZIP) {
        in->z.zalloc = z_alloc;
        in->z.zfree = z_free;
        if (inflateInit2(&in->z, 15 + 16) != Z_OK)
            return err_nomem(err);
        in->z_init = true;
    } else if (in->codec == SRC_ZSTD) {
        if (!(in->zs = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(in->zs)))
            return err_nomem(err);
    }
    return CDLT_OK;
}

cdlt_status src_input_open_fn(src_read_fn rd, void *ud, const char *shown, src_input **out,
                              cdlt_error *err)
{
    *out = NULL;
    src_input *in = mem_calloc(1, sizeof *in);
    if (!in)
        return err_nomem(err);
    in->fd = -1;
    in->rd = rd;
    in->rd_ud = ud;
    in->shown = mem_strdup(shown ? shown : "<input>");
    in->raw = mem_alloc(RAW_CHUNK);
    if (!in->shown || !in->raw) {
        src_input_close(in);
        return err_nomem(err);
    }
    /* the magic bytes stay in raw: the codec (or the plain reader) starts with them */
    size_t got = 0;
    cdlt_status st = fn_read_full(in, in->raw, 4, &got, err);
    if (st != CDLT_OK) {
        src_input_close(in);
        return st;
    }
    in->raw_len = got;
    in->raw_total = got;
    in->raw_eof = got < 4;
    in->codec = codec_of_magic((const unsigned char *)in->raw, got);
    if (misnamed(in, got, err)) {
        src_input_close(in);
        return CDLT_PARSE;
    }
    if ((st = codec_init(in, err)) != CDLT_OK) {
        src_input_close(in);
        return st;
    }
    *out = in;
    return CDLT_OK;
}

src_codec src_input_codec(const src_input *in) { return in->codec; }
uint64_t src_input_raw_bytes(const src_input *in) { return in->raw_total; }

static cdlt_status corrupt(src_input *in, cdlt_error *err, const char *why)
{
    err_set(err, CDLT_PARSE, "%s data in '%s' is damaged near compressed byte %llu: %s",
            in->codec == SRC_GZIP ? "gzip" : "zstd", in->shown,
            (unsigned long long)(in->raw_total - (in->raw_len - in->raw_pos)), why);
    return err_hint(err, "the file cannot be decompressed; fetch or compress it again");
}

/* Refill raw when it is used up; sets raw_eof at the end of the file. */
static cdlt_status raw_fill(src_input *in, cdlt_error *err)
{
    if (in->raw_pos < in->raw_len || in->raw_eof)
        return CDLT_OK;
    ssize_t r;
    if (in->fd >= 0) {
        r = read_full(in->fd, in->raw, RAW_CHUNK);
        if (r < 0)
            return err_set(err, CDLT_IO, "cannot read '%s': %s", in->shown, strerror(errno));
    } else {
        size_t got = 0;
        cdlt_status st = fn_read_full(in, in->raw, RAW_CHUNK, &got, err);
        if (st != CDLT_OK)
            return st;
        r = (ssize_t)got;
    }
    in->raw_pos = 0;
    in->raw_len = (size_t)r;
    in->raw_total += (uint64_t)r;
    if (r == 0)
        in->raw_eof = true;
    return CDLT_OK;
}

/* The input ended: fine between members/frames, damage inside one. */
static cdlt_status at_raw_end(src_input *in, size_t *got, cdlt_error *err)
{
    if (in->frame_open) {
        err_set(err, CDLT_PARSE, "%s data in '%s' ends in the middle of a %s (%llu compressed bytes)",
                in->codec == SRC_GZIP ? "gzip" : "zstd", in->shown,
                in->codec == SRC_GZIP ? "member" : "frame", (unsigned long long)in->raw_total);
        return err_hint(err, "the file is truncated; fetch or compress it again");
    }
    in->done = true;
    *got = 0;
    return CDLT_OK;
}

static cdlt_status read_gzip(src_input *in, char *b, size_t n, size_t *got, cdlt_error *err)
{
    for (;;) {
        cdlt_status st = raw_fill(in, err);
        if (st != CDLT_OK)
            return st;
        if (in->raw_pos == in->raw_len)
            return at_raw_end(in, got, err);
        if (!in->frame_open && in->raw[in->raw_pos] == 0) {
            /* zero bytes between or after members are padding (tape blocks, dd): gzip and
             * Python's gzip module (so dlt) skip them; anything else must be a member */
            while (in->raw_pos < in->raw_len && in->raw[in->raw_pos] == 0)
                in->raw_pos++;
            continue;
        }
        in->z.next_in = (Bytef *)in->raw + in->raw_pos;
        in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
        in->z.next_out = (Bytef *)b;
        in->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
        in->frame_open = true;
        int zr = inflate(&in->z, Z_NO_FLUSH);
        in->raw_pos = in->raw_len - in->z.avail_in;
        size_t out_n = (size_t)((char *)in->z.next_out - b);
        if (zr == Z_STREAM_END) {
            /* concatenated members (gzip -c a >> f) are one stream, as gunzip reads them */
            in->frame_open = false;
            if (inflateReset(&in->z) != Z_OK)
                return corrupt(in, err, "cannot restart after a member");
        } else if (zr == Z_MEM_ERROR) {
            return err_nomem(err);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return corrupt(in, err, in->z.msg ? in->z.msg : "invalid data");
        }
        if (out_n > 0) {
            *got = out_n;
            return CDLT_OK;
        }
    }
}

static cdlt_status read_zstd(src_input *in, char *b, size_t n, size_t *got, cdlt_error *err)
{
    for (;;) {
        cdlt_status st = raw_fill(in, err);
        if (st != CDLT_OK)
            return st;
        ZSTD_inBuffer ib = {in->raw, in->raw_len, in->raw_pos};
        ZSTD_outBuffer ob = {b, n, 0};
        if (in->raw_pos == in->raw_len && !in->frame_open)
            return at_raw_end(in, got, err);
        size_t zr = ZSTD_decompressStream(in->zs, &ob, &ib);
        in->raw_pos = ib.pos;
        if (ZSTD_isError(zr)) {
            if (ZSTD_getErrorCode(zr) == ZSTD_error_memory_allocation)
                return err_nomem(err);
            return corrupt(in, err, ZSTD_getErrorName(zr));
        }
        in->frame_open = zr != 0; /* 0: a frame just ended */
        if (ob.pos > 0) {
            *got = ob.pos;
            return CDLT_OK;
        }
        if (in->raw_pos == in->raw_len && in->raw_eof)
            return at_raw_end(in, got, err);
    }
}

cdlt_status src_input_read(src_input *in, char *b, size_t n, size_t *got, cdlt_error *err)
{
    *got = 0;
    if (n == 0 || in->done)
        return CDLT_OK;
    if (in->codec == SRC_PLAIN && in->fd < 0) {
        if (in->raw_pos < in->raw_len) { /* the magic bytes looked at by open */
            size_t k = in->raw_len - in->raw_pos < n ? in->raw_len - in->raw_pos : n;
            memcpy(b, in->raw + in->raw_pos, k);
            in->raw_pos += k;
            *got = k;
            return CDLT_OK;
        }
        cdlt_status st = in->rd(in->rd_ud, b, n, got, err);
        if (st == CDLT_OK) {
            in->raw_total += *got;
            in->done = *got == 0;
        }
        return st;
    }
    if (in->codec == SRC_PLAIN) {
        for (;;) {
            ssize_t r = read(in->fd, b, n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return err_set(err, CDLT_IO, "cannot read '%s': %s", in->shown, strerror(errno));
            if (r == 0 && in->follow) {
                bool more = false;
                cdlt_status st = in->follow(in->follow_ud, in->raw_total, &more, err);
                if (st != CDLT_OK)
                    return st;
                if (more)
                    continue;
            }
            in->raw_total += (uint64_t)r;
            *got = (size_t)r;
            in->done = r == 0;
            return CDLT_OK;
        }
    }
    return in->codec == SRC_GZIP ? read_gzip(in, b, n, got, err) : read_zstd(in, b, n, got, err);
}
