// SHA-256 (FIPS 180-4) over the x86 SHA extensions (SHA256RNDS2, SHA256MSG1, SHA256MSG2): the
// same instructions BoringSSL uses, called without the per-hash allocation, locking and zeroing
// of the Swift wrapper, which cost as much as the hashing itself for 300-byte events. Verified
// against swift-crypto and the FIPS 180-4 examples by the tests (SHA256Tests).
#include "CAuditSHA256.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

int caudit_sha256_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int ssse3 = (ecx >> 9) & 1, sse41 = (ecx >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    int sha = (ebx >> 29) & 1;
    return ssse3 && sse41 && sha;
}

// `blocks` 64-byte blocks of `data` into `state` (a…h).
__attribute__((target("sha,sse4.1,ssse3")))
static void compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i state1 = _mm_loadu_si128((const __m128i *)&state[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);           // CDAB
    state1 = _mm_shuffle_epi32(state1, 0x1B);     // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8); // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);  // CDGH
    while (blocks--) {
        const __m128i abef = state0, cdgh = state1;
        // Four rounds on the message words `x` (W[t…t+3]) with K[t…t+3].
#define ROUNDS(x, t) do { \
            __m128i message = _mm_add_epi32((x), _mm_loadu_si128((const __m128i *)&K[(t)])); \
            state1 = _mm_sha256rnds2_epu32(state1, state0, message); \
            message = _mm_shuffle_epi32(message, 0x0E); \
            state0 = _mm_sha256rnds2_epu32(state0, state1, message); \
        } while (0)
        // W[t…t+3] from W[t-16…t-1]: σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16].
#define SCHEDULE(w16, w12, w8, w4) \
        _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((w16), (w12)), _mm_alignr_epi8((w4), (w8), 4)), (w4))
        __m128i x0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), swap);
        __m128i x1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), swap);
        __m128i x2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), swap);
        __m128i x3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), swap);
        ROUNDS(x0, 0); ROUNDS(x1, 4); ROUNDS(x2, 8); ROUNDS(x3, 12);
        x0 = SCHEDULE(x0, x1, x2, x3); ROUNDS(x0, 16);
        x1 = SCHEDULE(x1, x2, x3, x0); ROUNDS(x1, 20);
        x2 = SCHEDULE(x2, x3, x0, x1); ROUNDS(x2, 24);
        x3 = SCHEDULE(x3, x0, x1, x2); ROUNDS(x3, 28);
        x0 = SCHEDULE(x0, x1, x2, x3); ROUNDS(x0, 32);
        x1 = SCHEDULE(x1, x2, x3, x0); ROUNDS(x1, 36);
        x2 = SCHEDULE(x2, x3, x0, x1); ROUNDS(x2, 40);
        x3 = SCHEDULE(x3, x0, x1, x2); ROUNDS(x3, 44);
        x0 = SCHEDULE(x0, x1, x2, x3); ROUNDS(x0, 48);
        x1 = SCHEDULE(x1, x2, x3, x0); ROUNDS(x1, 52);
        x2 = SCHEDULE(x2, x3, x0, x1); ROUNDS(x2, 56);
        x3 = SCHEDULE(x3, x0, x1, x2); ROUNDS(x3, 60);
#undef ROUNDS
#undef SCHEDULE
        state0 = _mm_add_epi32(state0, abef);
        state1 = _mm_add_epi32(state1, cdgh);
        data += 64;
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);        // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);     // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);  // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8);     // HGFE
    _mm_storeu_si128((__m128i *)&state[0], state0);
    _mm_storeu_si128((__m128i *)&state[4], state1);
}

typedef struct {
    uint32_t state[8];
    uint8_t buffer[64];
    size_t buffered;
    uint64_t length;
} context;

static void update(context *ctx, const uint8_t *data, size_t length) {
    ctx->length += length;
    if (ctx->buffered > 0) {
        size_t take = 64 - ctx->buffered < length ? 64 - ctx->buffered : length;
        memcpy(ctx->buffer + ctx->buffered, data, take);
        ctx->buffered += take;
        data += take;
        length -= take;
        if (ctx->buffered < 64) return;
        compress(ctx->state, ctx->buffer, 1);
        ctx->buffered = 0;
    }
    if (length >= 64) {
        compress(ctx->state, data, length / 64);
        data += length & ~(size_t)63;
        length &= 63;
    }
    if (length > 0) {
        memcpy(ctx->buffer, data, length);
        ctx->buffered = length;
    }
}

void caudit_sha256(const void *a, size_t a_length, const void *b, size_t b_length,
                   const void *c, size_t c_length, uint8_t out[32]) {
    context ctx = {
        {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19},
        {0}, 0, 0};
    if (a_length) update(&ctx, (const uint8_t *)a, a_length);
    if (b_length) update(&ctx, (const uint8_t *)b, b_length);
    if (c_length) update(&ctx, (const uint8_t *)c, c_length);
    // Padding: 0x80, zeros to 56 mod 64, the bit length big-endian.
    const uint64_t bits = ctx.length * 8;
    uint8_t pad[72] = {0x80};
    size_t padding = ctx.buffered < 56 ? 56 - ctx.buffered : 120 - ctx.buffered;
    for (int i = 0; i < 8; i++) pad[padding + i] = (uint8_t)(bits >> (56 - 8 * i));
    update(&ctx, pad, padding + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(ctx.state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(ctx.state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(ctx.state[i] >> 8);
        out[4 * i + 3] = (uint8_t)ctx.state[i];
    }
}

#else

int caudit_sha256_available(void) { return 0; }

void caudit_sha256(const void *a, size_t a_length, const void *b, size_t b_length,
                   const void *c, size_t c_length, uint8_t out[32]) {
    // Never called: callers check caudit_sha256_available() first.
    (void)a; (void)a_length; (void)b; (void)b_length; (void)c; (void)c_length;
    memset(out, 0, 32);
    __builtin_trap();
}

#endif
