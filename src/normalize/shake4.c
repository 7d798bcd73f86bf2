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

static const uint64_t KECCAK_RC[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};

/* Generated straight-line rounds (theta, rho+pi, chi, iota); lanes a<x><y>. */
NORM_SHAKE4_TARGET static void keccak4(v4u64 *st)
{
    v4u64 a00 = st[0], a10 = st[1], a20 = st[2], a30 = st[3], a40 = st[4];
    v4u64 a01 = st[5], a11 = st[6], a21 = st[7], a31 = st[8], a41 = st[9];
    v4u64 a02 = st[10], a12 = st[11], a22 = st[12], a32 = st[13], a42 = st[14];
    v4u64 a03 = st[15], a13 = st[16], a23 = st[17], a33 = st[18], a43 = st[19];
    v4u64 a04 = st[20], a14 = st[21], a24 = st[22], a34 = st[23], a44 = st[24];
    for (int round = 0; round < 24; round++) {
        v4u64 c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
        v4u64 c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
        v4u64 c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
        v4u64 c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
        v4u64 c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
        v4u64 d0 = c4 ^ VROL(c1, 1);
        v4u64 d1 = c0 ^ VROL(c2, 1);
        v4u64 d2 = c1 ^ VROL(c3, 1);
        v4u64 d3 = c2 ^ VROL(c4, 1);
        v4u64 d4 = c3 ^ VROL(c0, 1);
        v4u64 b00 = (a00 ^ d0);
        v4u64 b13 = VROL((a01 ^ d0), 36);
        v4u64 b21 = VROL((a02 ^ d0), 3);
        v4u64 b34 = VROL((a03 ^ d0), 41);
        v4u64 b42 = VROL((a04 ^ d0), 18);
        v4u64 b02 = VROL((a10 ^ d1), 1);
        v4u64 b10 = VROL((a11 ^ d1), 44);
        v4u64 b23 = VROL((a12 ^ d1), 10);
        v4u64 b31 = VROL((a13 ^ d1), 45);
        v4u64 b44 = VROL((a14 ^ d1), 2);
        v4u64 b04 = VROL((a20 ^ d2), 62);
        v4u64 b12 = VROL((a21 ^ d2), 6);
        v4u64 b20 = VROL((a22 ^ d2), 43);
        v4u64 b33 = VROL((a23 ^ d2), 15);
        v4u64 b41 = VROL((a24 ^ d2), 61);
        v4u64 b01 = VROL((a30 ^ d3), 28);
        v4u64 b14 = VROL((a31 ^ d3), 55);
        v4u64 b22 = VROL((a32 ^ d3), 25);
        v4u64 b30 = VROL((a33 ^ d3), 21);
        v4u64 b43 = VROL((a34 ^ d3), 56);
        v4u64 b03 = VROL((a40 ^ d4), 27);
        v4u64 b11 = VROL((a41 ^ d4), 20);
        v4u64 b24 = VROL((a42 ^ d4), 39);
        v4u64 b32 = VROL((a43 ^ d4), 8);
        v4u64 b40 = VROL((a44 ^ d4), 14);
        a00 = b00 ^ (~b10 & b20);
        a01 = b01 ^ (~b11 & b21);
        a02 = b02 ^ (~b12 & b22);
        a03 = b03 ^ (~b13 & b23);
        a04 = b04 ^ (~b14 & b24);
        a10 = b10 ^ (~b20 & b30);
        a11 = b11 ^ (~b21 & b31);
        a12 = b12 ^ (~b22 & b32);
        a13 = b13 ^ (~b23 & b33);
        a14 = b14 ^ (~b24 & b34);
        a20 = b20 ^ (~b30 & b40);
        a21 = b21 ^ (~b31 & b41);
        a22 = b22 ^ (~b32 & b42);
        a23 = b23 ^ (~b33 & b43);
        a24 = b24 ^ (~b34 & b44);
        a30 = b30 ^ (~b40 & b00);
        a31 = b31 ^ (~b41 & b01);
        a32 = b32 ^ (~b42 & b02);
        a33 = b33 ^ (~b43 & b03);
        a34 = b34 ^ (~b44 & b04);
        a40 = b40 ^ (~b00 & b10);
        a41 = b41 ^ (~b01 & b11);
        a42 = b42 ^ (~b02 & b12);
        a43 = b43 ^ (~b03 & b13);
        a44 = b44 ^ (~b04 & b14);
        a00 ^= KECCAK_RC[round];
    }
    st[0] = a00; st[1] = a10; st[2] = a20; st[3] = a30; st[4] = a40;
    st[5] = a01; st[6] = a11; st[7] = a21; st[8] = a31; st[9] = a41;
    st[10] = a02; st[11] = a12; st[12] = a22; st[13] = a32; st[14] = a42;
    st[15] = a03; st[16] = a13; st[17] = a23; st[18] = a33; st[19] = a43;
    st[20] = a04; st[21] = a14; st[22] = a24; st[23] = a34; st[24] = a44;
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
    memset(&st, 0, sizeof st);
    for (int l = 0; l < 4; l++) {
        unsigned char blk[RATE];
        size_t n = len[l], words = n / 8 + 1; /* words holding input and the 0x1F byte */
        memset(blk, 0, words * 8);
        memcpy(blk, in[l], n);
        blk[n] = 0x1F; /* SHAKE domain bits + first pad bit */
        for (size_t i = 0; i < words; i++)
            memcpy(&st.w[i][l], blk + 8 * i, 8); /* little-endian lanes */
        st.w[20][l] ^= 0x8000000000000000ull; /* last pad bit: byte 167 */
    }
    keccak4(st.v);
    for (int l = 0; l < 4; l++) {
        memcpy(out[l], &st.w[0][l], 8);
        memcpy(out[l] + 8, &st.w[1][l], 2);
    }
    return true;
}
