// The encoder's transcendental row kernels: exp in the attention softmax and in QuickGELU.
// Written in C because these are the one place where the CPU's vector width matters and
// Swift cannot compile a single function for another CPU level: each kernel is written once
// on 8-float vectors and compiled twice, for AVX2 and for baseline x86-64 (SSE2), and the
// CPU picks at run time. Both builds do the same IEEE operations in the same order (no FMA,
// no contraction), so the results are the same bits on every x86-64 CPU.
#ifndef ULTRAAD_VECTOR_MATH_H
#define ULTRAAD_VECTOR_MATH_H

#include <stddef.h>

/// x[i] = exp(x[i]) for i < n, in place. Inputs are clamped to [-87.3, 88.3], so every
/// result is finite and normal (about 1 ulp from the true value inside that range).
void uad_exp(float *x, size_t n);

/// x[i] = x[i] / (1 + exp(-1.702 x[i])) (QuickGELU) for i < n, in place.
void uad_quick_gelu(float *x, size_t n);

/// The softmax numerators of row[0..<n] in place, exp(row[j] - max), and row[n..<total]
/// set to 0 (masked keys); returns 1 / their sum, which the caller applies.
float uad_softmax_numerators(float *row, size_t n, size_t total);

/// The baseline builds of the three kernels above, on any CPU: to check that both builds
/// give the same bits.
void uad_exp_baseline(float *x, size_t n);
void uad_quick_gelu_baseline(float *x, size_t n);
float uad_softmax_numerators_baseline(float *row, size_t n, size_t total);

/// 1 when the AVX2 build of the kernels runs on this CPU, 0 for the baseline build.
int uad_vector_math_uses_avx2(void);

#endif
