#include "half_float.h"
#include "cpu_features.h"

#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline uint32_t bits_of(float x) { uint32_t b; memcpy(&b, &x, 4); return b; }
static inline float float_of(uint32_t b) { float x; memcpy(&x, &b, 4); return x; }

static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    if (exponent == 0x1f)   // infinity, or a NaN (quieted, as F16C does)
        return float_of(sign | 0x7f800000 | (mantissa << 13) | (mantissa ? 0x400000 : 0));
    if (exponent == 0) {    // zero or subnormal: mantissa x 2^-24, exact in float32
        float magnitude = (float)mantissa * 0x1p-24f;
        return float_of(sign | bits_of(magnitude));
    }
    return float_of(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

static inline uint16_t float_to_half(float x) {
    uint32_t b = bits_of(x);
    uint16_t sign = (uint16_t)((b >> 16) & 0x8000);
    uint32_t magnitude = b & 0x7fffffff;
    if (magnitude > 0x7f800000)   // NaN: quiet, the payload's top 9 bits
        return sign | 0x7e00 | (uint16_t)((magnitude & 0x7fffff) >> 13);
    if (magnitude >= 0x477ff000)  // 65520 and above (the tie above 65504 rounds to even: up)
        return sign | 0x7c00;
    if (magnitude < 0x38800000) { // below 2^-14: a multiple of 2^-24, rounded to nearest even
        // x 2^24 is exact; adding and taking away 2^23 rounds it to an integer (ties to even).
        float units = float_of(magnitude) * 0x1p24f;
        float rounded = units + 0x1p23f;   // no fast-math: neither step is folded away
        return sign | (uint16_t)(rounded - 0x1p23f);   // 1024 is the smallest normal's bits
    }
    uint32_t h = ((magnitude >> 23) - 112) << 10 | (magnitude & 0x7fffff) >> 13;
    uint32_t rest = magnitude & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h += 1;   // a carry moves the exponent
    return sign | (uint16_t)h;
}

void uad_half_to_float_portable(const uint16_t *h, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = half_to_float(h[i]);
}

void uad_float_to_half_portable(const float *x, uint16_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = float_to_half(x[i]);
}

#if defined(__x86_64__)
__attribute__((target("avx,f16c"))) static void half_to_float_f16c(const uint16_t *h, float *out, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))));
    for (; i < n; i++) out[i] = half_to_float(h[i]);
}

__attribute__((target("avx,f16c"))) static void float_to_half_f16c(const float *x, uint16_t *out, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; i++) out[i] = float_to_half(x[i]);
}
#endif

int uad_half_float_uses_f16c(void) { return uad_cpu_has_f16c(); }

void uad_half_to_float(const uint16_t *h, float *out, size_t n) {
#if defined(__x86_64__)
    if (uad_half_float_uses_f16c()) { half_to_float_f16c(h, out, n); return; }
#endif
    uad_half_to_float_portable(h, out, n);
}

void uad_float_to_half(const float *x, uint16_t *out, size_t n) {
#if defined(__x86_64__)
    if (uad_half_float_uses_f16c()) { float_to_half_f16c(x, out, n); return; }
#endif
    uad_float_to_half_portable(x, out, n);
}
