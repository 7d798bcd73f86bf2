/* case_s3.c: case 80 s3: objstore's S3 backend moving one large object (200 MB, or
 * CDLT_BENCH_S3_MB) to and from a local S3-compatible server, vs curl (--aws-sigv4) moving the
 * same bytes to the same server in the same run. The server is a private one started with
 * scripts/s3server (the test server: @20minutes/s3rver on node, loopback), so the figures say
 * how close the client comes to what the server can take; they are not S3's speeds.
 *   put: os_put_file with the defaults (multipart, 16 MiB parts, body SHA-256 signed over
 *        http) vs `curl -T` (one PUT, UNSIGNED-PAYLOAD); s3rver joins the parts on
 *        CompleteMultipartUpload by copying them, which curl's single PUT never pays, so
 *   put_single: the same with the threshold above the object size (one PUT, like curl)
 *   get: os_reader_open + os_read to nowhere (8 MiB ranged GETs) vs `curl -o /dev/null`
 * Checksum: the bytes read back hash equal to the file's. Best of --repeat runs. */
#include "bench.h"

#include "core/core.h"
#include "objstore/objstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_env[6][256]; /* endpoint, bucket, key id, secret, region, state dir */

/* the private server's settings (scripts/s3server writes them to <state>/s3server.env) */
static int read_env(const char *state)
{
    static const char *const keys[] = {"CDLT_TEST_S3_ENDPOINT", "CDLT_TEST_S3_BUCKET",
                                       "CDLT_TEST_S3_KEY_ID", "CDLT_TEST_S3_SECRET",
                                       "CDLT_TEST_S3_REGION"};
    for (int i = 0; i < 5; i++)
        bench_server_env("s3server", state, keys[i], g_env[i], sizeof g_env[i]);
    return g_env[0][0] && g_env[3][0] ? 0 : -1;
}

static double run_cmd(const char *cmd)
{
    double t0 = bench_now();
    if (system(cmd) != 0) {
        fprintf(stderr, "s3 bench: command failed: %s\n", cmd);
        return -1;
    }
    return bench_now() - t0;
}

static int run(bench_ctx *ctx)
{
    const char *mb_env = getenv("CDLT_BENCH_S3_MB");
    uint64_t mb = mb_env && atoi(mb_env) > 0 ? (uint64_t)atoi(mb_env) : 200;
    uint64_t n = mb * 1000 * 1000;
    char dir[512], file[600], cmd[2048];
    snprintf(dir, sizeof dir, "%s/s3bench", ctx->data_dir);
    snprintf(file, sizeof file, "%s/obj_%lluMB.bin", dir, (unsigned long long)mb);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd) != 0)
        return 1;
    /* input: deterministic, incompressible-ish bytes */
    FILE *f = fopen(file, "rb");
    if (f)
        fclose(f);
    else {
        f = fopen(file, "wb");
        if (!f)
            return 1;
        uint64_t x = 0x9E3779B97F4A7C15ull;
        static uint64_t blk[1 << 17];
        for (uint64_t done = 0; done < n;) {
            for (size_t i = 0; i < CDLT_ARRAY_LEN(blk); i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                blk[i] = x;
            }
            size_t k = n - done < sizeof blk ? (size_t)(n - done) : sizeof blk;
            fwrite(blk, 1, k, f);
            done += k;
        }
        fclose(f);
    }
    char state[700];
    snprintf(state, sizeof state, "%s/srv", dir);
    if (bench_server_start("s3 bench", "s3server", state) != 0) {
        fprintf(stderr, "s3 bench: cannot start the S3 test server (run scripts/setup)\n");
        return 1;
    }
    int rc = read_env(state);
    os_store *s = NULL;
    cdlt_error err = {0};
    char url[512];
    snprintf(url, sizeof url, "s3://%s/bench", g_env[1]);
    os_options o = {0};
    o.aws_access_key_id = g_env[2];
    o.aws_secret_access_key = g_env[3];
    o.endpoint_url = g_env[0];
    o.region_name = g_env[4];
    os_store *s1 = NULL; /* one PUT whatever the size */
    o.multipart_threshold = n + 1;
    if (rc == 0 && os_open(url, &o, &s1, &err) != CDLT_OK)
        rc = 1;
    o.multipart_threshold = 0;
    if (rc == 0 && os_open(url, &o, &s, &err) != CDLT_OK) {
        fprintf(stderr, "s3 bench: %s\n", err.message);
        rc = 1;
    }
    double best_put = 1e30, best_put1 = 1e30, best_get = 1e30, best_cput = 1e30, best_cget = 1e30;
    uint64_t h_file = 0, h_read = 0;
    char *b = malloc(1 << 20);
    /* hash of the file, for the checksum */
    f = fopen(file, "rb");
    for (size_t k; f && (k = fread(b, 1, 1 << 20, f)) > 0;)
        h_file = h_file * 31 + hash_bytes(b, k);
    if (f)
        fclose(f);
    for (int rep = 0; rc == 0 && rep < (ctx->repeat > 0 ? ctx->repeat : 1); rep++) {
        double t0 = bench_now();
        if (os_put_file(s, file, "obj.bin", &err) != CDLT_OK) {
            fprintf(stderr, "s3 bench: put: %s\n", err.message);
            rc = 1;
            break;
        }
        double t = bench_now() - t0;
        best_put = t < best_put ? t : best_put;
        t0 = bench_now();
        if (os_put_file(s1, file, "obj.bin", &err) != CDLT_OK) {
            fprintf(stderr, "s3 bench: put: %s\n", err.message);
            rc = 1;
            break;
        }
        t = bench_now() - t0;
        best_put1 = t < best_put1 ? t : best_put1;
        t0 = bench_now();
        os_reader *r;
        if (os_reader_open(s, "obj.bin", 0, UINT64_MAX, &r, &err) != CDLT_OK) {
            fprintf(stderr, "s3 bench: get: %s\n", err.message);
            rc = 1;
            break;
        }
        /* hash per 1 MiB block as the file hash does: os_read fills whole blocks */
        h_read = 0;
        size_t fill = 0, got;
        for (;;) {
            if (os_read(r, b + fill, (1 << 20) - fill, &got, &err) != CDLT_OK) {
                fprintf(stderr, "s3 bench: read: %s\n", err.message);
                rc = 1;
                break;
            }
            fill += got;
            if (fill == (1 << 20) || (got == 0 && fill)) {
                h_read = h_read * 31 + hash_bytes(b, fill);
                fill = 0;
            }
            if (got == 0)
                break;
        }
        os_reader_close(r);
        t = bench_now() - t0;
        best_get = t < best_get ? t : best_get;
        /* curl, same bytes, same server */
        snprintf(cmd, sizeof cmd,
                 "curl -sf -o /dev/null --aws-sigv4 'aws:amz:%s:s3' --user '%s:%s' "
                 "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T '%s' '%s/%s/bench/curl.bin'",
                 g_env[4], g_env[2], g_env[3], file, g_env[0], g_env[1]);
        t = run_cmd(cmd);
        if (t > 0 && t < best_cput)
            best_cput = t;
        snprintf(cmd, sizeof cmd,
                 "curl -sf -o /dev/null --aws-sigv4 'aws:amz:%s:s3' --user '%s:%s' "
                 "-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' '%s/%s/bench/curl.bin'",
                 g_env[4], g_env[2], g_env[3], g_env[0], g_env[1]);
        t = run_cmd(cmd);
        if (t > 0 && t < best_cget)
            best_cget = t;
    }
    if (rc == 0) {
        char extra[512];
        bool ok = h_read == h_file;
        snprintf(extra, sizeof extra, "curl_s=%.3f curl_mb_s=%.1f ratio=%.2f checksum=%s",
                 best_cput, n / 1e6 / best_cput, best_put / best_cput, ok ? "ok" : "MISMATCH");
        bench_report(ctx, "s3_put", 0, n, best_put, extra);
        snprintf(extra, sizeof extra, "curl_s=%.3f curl_mb_s=%.1f ratio=%.2f checksum=%s",
                 best_cput, n / 1e6 / best_cput, best_put1 / best_cput, ok ? "ok" : "MISMATCH");
        bench_report(ctx, "s3_put_single", 0, n, best_put1, extra);
        snprintf(extra, sizeof extra, "curl_s=%.3f curl_mb_s=%.1f ratio=%.2f checksum=%s",
                 best_cget, n / 1e6 / best_cget, best_get / best_cget, ok ? "ok" : "MISMATCH");
        bench_report(ctx, "s3_get", 0, n, best_get, extra);
        if (!ok)
            rc = 1;
    }
    free(b);
    os_close(s);
    os_close(s1);
    if (bench_server_stop("s3 bench", "s3server", state) != 0)
        rc = 1;
    return rc;
}

BENCH_CASE(80, "s3", "S3 put/get of one 200 MB object (objstore) vs curl --aws-sigv4, same local server", run)
