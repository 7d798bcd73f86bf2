/* rowid.c: `_dlt_id` values (core.md §2.2): random ids from a PRNG seeded once from getrandom
 * (no syscall per row) and deterministic ids = base64(SHAKE128(text, 10 bytes)) unpadded.
 * SHAKE128 via OpenSSL EVP with the digest fetched once (an implicit fetch per init took a
 * lock and a name lookup: 138 -> 192 MB/s on the events bench); a portable C Keccak was
 * tried and was 2.5x slower than OpenSSL's assembly. */
#include "norm_internal.h"

#include <openssl/evp.h>
#include <sys/random.h>

#define ID_BYTES 10 /* DLT_DLT_ID_LENGTH_BYTES default */

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256**: fast, and good enough for ids that only need to be unique. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t r = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

void norm_rng_seed(normalizer *n)
{
    uint64_t seed[4] = {0, 0, 0, 0};
    ssize_t got = getrandom(seed, sizeof seed, GRND_NONBLOCK);
    if (got != (ssize_t)sizeof seed) {
        /* no entropy source: fall back to time and address bits (ids stay unique per run) */
        seed[0] = (uint64_t)(time_unix() * 1e6);
        seed[1] = (uint64_t)(uintptr_t)n;
        seed[2] = (uint64_t)(time_monotonic() * 1e9);
        seed[3] = 0x9E3779B97F4A7C15ull;
    }
    /* splitmix the seed so an all-zero state is impossible */
    for (int i = 0; i < 4; i++) {
        uint64_t z = seed[i] + 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        n->rng[i] = z ^ (z >> 31);
    }
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Three bytes -> four base64 characters. */
static inline void b64_3(const unsigned char *p, char *o)
{
    uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    o[0] = B64[v >> 18];
    o[1] = B64[(v >> 12) & 63];
    o[2] = B64[(v >> 6) & 63];
    o[3] = B64[v & 63];
}

/* Same text as b64_encode(md, 10, out, false), straight-line (one id per row). */
void norm_b64_id(const unsigned char md[10], char out[15])
{
    b64_3(md, out);
    b64_3(md + 3, out + 4);
    b64_3(md + 6, out + 8);
    out[12] = B64[md[9] >> 2];
    out[13] = B64[(md[9] & 3) << 4];
    out[14] = '\0';
}

void norm_random_id(normalizer *n, char out[15])
{
    uint64_t a = rng_next(n->rng), b = rng_next(n->rng);
    unsigned char bytes[16];
    memcpy(bytes, &a, 8);
    memcpy(bytes + 8, &b, 8);
    norm_b64_id(bytes, out);
}

cdlt_status norm_digest_id(normalizer *n, const void *data, size_t len, char out[15])
{
    unsigned char md[ID_BYTES];
    EVP_MD_CTX *ctx = n->md_ctx;
    if (EVP_DigestInit_ex2(ctx, n->md, NULL) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
        EVP_DigestFinalXOF(ctx, md, ID_BYTES) != 1)
        return CDLT_ERROR;
    norm_b64_id(md, out);
    return CDLT_OK;
}
