// SHA-256 with the x86 SHA extensions, for the verifier's hot loops: one call per hash of up to
// three concatenated parts, no allocation, no per-call set-up beyond the 32-byte state.
#ifndef CAUDIT_SHA256_H
#define CAUDIT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU has the SHA extensions (and SSSE3, SSE4.1) this code needs, else 0; on
/// other architectures always 0. Only when it returns 1 may `caudit_sha256` be called.
int caudit_sha256_available(void);

/// SHA-256 of `a ‖ b ‖ c` (any part may be empty, with a NULL pointer), written to `out`.
void caudit_sha256(const void *a, size_t a_length, const void *b, size_t b_length,
                   const void *c, size_t c_length, uint8_t out[32]);

#ifdef __cplusplus
}
#endif

#endif
