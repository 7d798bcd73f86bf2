/* shake4.c: SHAKE128 of four short inputs at once: a 4-lane Keccak-f[1600] on GCC/Clang vector
 * types. Nested-row ids (one digest per nested row) were ~42% of the normalizer's time on the
 * events bench with one OpenSSL call per row; siblings of one list are hashed 4 at a time. */
#include "norm_internal.h"

/* AVX2 clone picked at load time where the CPU has it (4 lanes in one register). */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && defined(__GNUC__) && !defined(__clang__)
#define NORM_SHAKE4_TARGET __attribute__((target_clones("avx2", "default")))
#else
#define NORM_SHAKE4_TARGET
#endif

typedef uint64_t v4u64 __attribute__((vector_size(32)));
#define VROL(v, k) (((v) << (k)) | ((v) >> (64 - (k))))
/* rotate by 1: the left shift as an add (adds issue on more ports than vector shifts) */
#define VROL1(v) (((v) + (v)) | ((v) >> 63))
typedef unsigned char v32u8 __attribute__((vector_size(32)));
/* rotate by 8 / 56: one byte shuffle instead of two shifts and an or */
#define ROT8_IDX 7, 0, 1, 2, 3, 4, 5, 6, 15, 8, 9, 10, 11, 12, 13, 14, 23, 16, 17, 18, 19, 20, \
                 21, 22, 31, 24, 25, 26, 27, 28, 29, 30
#define ROT56_IDX 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8, 17, 18, 19, 20, 21, 22, \
                  23, 16, 25, 26, 27, 28, 29, 30, 31, 24
#if defined(__clang__)
#define VROL8(v) ((v4u64)__builtin_shufflevector((v32u8)(v), (v32u8)(v), ROT8_IDX))
#define VROL56(v) ((v4u64)__builtin_shufflevector((v32u8)(v), (v32u8)(v), ROT56_IDX))
#else
#define VROL8(v) ((v4u64)__builtin_shuffle((v32u8)(v), (v32u8){ROT8_IDX}))
#define VROL56(v) ((v4u64)__builtin_shuffle((v32u8)(v), (v32u8){ROT56_IDX}))
#endif

static const uint64_t KECCAK_RC[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};

/* One round = theta, then rho+pi+chi+iota one output plane at a time from state A into state E
 * (then swap): 5 C + 5 D + 5 B registers fit the 16 ymm registers, so there are no spills; the
 * loads and stores of A and E are cheap. (A version holding all 25 lanes in variables spent 40%
 * of its instructions moving spilled registers.) Planes generated from the rho/pi tables. */
NORM_SHAKE4_TARGET static void keccak4(v4u64 *st)
{
    v4u64 tmp[25];
    v4u64 *A = st, *E = tmp;
    for (int round = 0; round < 24; round++) {
        v4u64 C0 = A[0] ^ A[5] ^ A[10] ^ A[15] ^ A[20];
        v4u64 C1 = A[1] ^ A[6] ^ A[11] ^ A[16] ^ A[21];
        v4u64 C2 = A[2] ^ A[7] ^ A[12] ^ A[17] ^ A[22];
        v4u64 C3 = A[3] ^ A[8] ^ A[13] ^ A[18] ^ A[23];
        v4u64 C4 = A[4] ^ A[9] ^ A[14] ^ A[19] ^ A[24];
        v4u64 D0 = C4 ^ VROL1(C1);
        v4u64 D1 = C0 ^ VROL1(C2);
        v4u64 D2 = C1 ^ VROL1(C3);
        v4u64 D3 = C2 ^ VROL1(C4);
        v4u64 D4 = C3 ^ VROL1(C0);
        const uint64_t rc = KECCAK_RC[round];
        {
            v4u64 b0 = A[0] ^ D0;
            v4u64 b1 = VROL((A[6] ^ D1), 44);
            v4u64 b2 = VROL((A[12] ^ D2), 43);
            v4u64 b3 = VROL((A[18] ^ D3), 21);
            v4u64 b4 = VROL((A[24] ^ D4), 14);
            E[0] = b0 ^ (~b1 & b2) ^ rc;
            E[1] = b1 ^ (~b2 & b3);
            E[2] = b2 ^ (~b3 & b4);
            E[3] = b3 ^ (~b4 & b0);
            E[4] = b4 ^ (~b0 & b1);
        }
        {
            v4u64 b0 = VROL((A[3] ^ D3), 28);
            v4u64 b1 = VROL((A[9] ^ D4), 20);
            v4u64 b2 = VROL((A[10] ^ D0), 3);
            v4u64 b3 = VROL((A[16] ^ D1), 45);
            v4u64 b4 = VROL((A[22] ^ D2), 61);
            E[5] = b0 ^ (~b1 & b2);
            E[6] = b1 ^ (~b2 & b3);
            E[7] = b2 ^ (~b3 & b4);
            E[8] = b3 ^ (~b4 & b0);
            E[9] = b4 ^ (~b0 & b1);
        }
        {
            v4u64 b0 = VROL1(A[1] ^ D1);
            v4u64 b1 = VROL((A[7] ^ D2), 6);
            v4u64 b2 = VROL((A[13] ^ D3), 25);
            v4u64 b3 = VROL8(A[19] ^ D4);
            v4u64 b4 = VROL((A[20] ^ D0), 18);
            E[10] = b0 ^ (~b1 & b2);
            E[11] = b1 ^ (~b2 & b3);
            E[12] = b2 ^ (~b3 & b4);
            E[13] = b3 ^ (~b4 & b0);
            E[14] = b4 ^ (~b0 & b1);
        }
        {
            v4u64 b0 = VROL((A[4] ^ D4), 27);
            v4u64 b1 = VROL((A[5] ^ D0), 36);
            v4u64 b2 = VROL((A[11] ^ D1), 10);
            v4u64 b3 = VROL((A[17] ^ D2), 15);
            v4u64 b4 = VROL56(A[23] ^ D3);
            E[15] = b0 ^ (~b1 & b2);
            E[16] = b1 ^ (~b2 & b3);
            E[17] = b2 ^ (~b3 & b4);
            E[18] = b3 ^ (~b4 & b0);
            E[19] = b4 ^ (~b0 & b1);
        }
        {
            v4u64 b0 = VROL((A[2] ^ D2), 62);
            v4u64 b1 = VROL((A[8] ^ D3), 55);
            v4u64 b2 = VROL((A[14] ^ D4), 39);
            v4u64 b3 = VROL((A[15] ^ D0), 41);
            v4u64 b4 = VROL((A[21] ^ D1), 2);
            E[20] = b0 ^ (~b1 & b2);
            E[21] = b1 ^ (~b2 & b3);
            E[22] = b2 ^ (~b3 & b4);
            E[23] = b3 ^ (~b4 & b0);
            E[24] = b4 ^ (~b0 & b1);
        }

        v4u64 *sw = A;
        A = E;
        E = sw;
    }
    /* 24 rounds: the result is back in st */
}

bool norm_shake4(const char *const in[4], const size_t len[4], unsigned char out[4][10])
{
    enum { RATE = 168 };
    for (int l = 0; l < 4; l++)
        if (len[l] >= RATE)
            return false; /* one absorb block only; longer inputs use the scalar path */
    /* lanes as plain words: word i of lane l is w[i][l] (no per-element vector inserts) */
    union {
        v4u64 v[25];
        uint64_t w[25][4];
    } st;
    /* 25 vector stores written out: a memset (or a loop, turned into one) became `rep stos`,
     * two thirds of this function's time */
    const v4u64 z = {0, 0, 0, 0};
    st.v[0] = z, st.v[1] = z, st.v[2] = z, st.v[3] = z, st.v[4] = z;
    st.v[5] = z, st.v[6] = z, st.v[7] = z, st.v[8] = z, st.v[9] = z;
    st.v[10] = z, st.v[11] = z, st.v[12] = z, st.v[13] = z, st.v[14] = z;
    st.v[15] = z, st.v[16] = z, st.v[17] = z, st.v[18] = z, st.v[19] = z;
    st.v[20] = z, st.v[21] = z, st.v[22] = z, st.v[23] = z, st.v[24] = z;
    for (int l = 0; l < 4; l++) {
        const char *p = in[l];
        size_t n = len[l], full = n / 8, rest = n % 8;
        for (size_t i = 0; i < full; i++)
            memcpy(&st.w[i][l], p + 8 * i, 8); /* little-endian lanes */
        uint64_t last;
        memcpy(&last, p + 8 * full, 8); /* readable: see norm_internal.h (no variable memcpy) */
        last = rest ? last & (~0ull >> (64 - 8 * rest)) : 0;
        st.w[full][l] = last | (uint64_t)0x1F << (8 * rest); /* SHAKE domain bits + pad bit */
        st.w[20][l] ^= 0x8000000000000000ull; /* last pad bit: byte 167 */
    }
    keccak4(st.v);
    for (int l = 0; l < 4; l++) {
        memcpy(out[l], &st.w[0][l], 8);
        memcpy(out[l] + 8, &st.w[1][l], 2);
    }
    return true;
}
