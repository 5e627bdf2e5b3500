// IEEE half floats (binary16) to and from float32, for frozen features stored as float16
// (`fewshot.feature_dtype`). In C for the same reason as vector_math.h: with F16C the CPU
// converts 8 values an instruction, and Swift cannot compile one function for that CPU
// level alone (its own Float16 conversion calls a runtime function per value, about 20 ns).
// A portable build does the same conversions on the bits; both give the same results on
// every input (NaNs included), which a test checks for all 65536 halves.
#ifndef ULTRAAD_HALF_FLOAT_H
#define ULTRAAD_HALF_FLOAT_H

#include <stddef.h>
#include <stdint.h>

/// out[i] = the float32 of half h[i]; exact (every half is a float32). A NaN stays a NaN,
/// quieted, its payload kept.
void uad_half_to_float(const uint16_t *h, float *out, size_t n);

/// out[i] = x[i] rounded to the nearest half, ties to even; beyond 65504 (from 65520 on)
/// an infinity, below 2^-14 a subnormal or zero. A NaN becomes a quiet NaN with the top of
/// its payload.
void uad_float_to_half(const float *x, uint16_t *out, size_t n);

/// The portable builds of the two, on any CPU: to check that both builds agree.
void uad_half_to_float_portable(const uint16_t *h, float *out, size_t n);
void uad_float_to_half_portable(const float *x, uint16_t *out, size_t n);

/// 1 when this CPU converts with F16C (and AVX), 0 for the portable build.
int uad_half_float_uses_f16c(void);

#endif
