// One head of scaled dot-product attention for one sequence, fused: scores, softmax and the
// weighted values of a few query rows at a time, so the [T, T] scores never leave the cache.
// In C for the reason of vector_math.h (one function compiled for AVX2 + FMA and for
// baseline x86-64), and because its products have K = head width (64 in every CLIP), where
// OpenBLAS spends as long packing K and V per call as it does multiplying. Both builds do
// the same IEEE operations in the same order (the baseline build's fused multiply-adds are
// the C library's exact fmaf), so the results are the same bits on every x86-64 CPU, and a
// row's result does not depend on the other rows or on the thread that computes it.
#ifndef ULTRAAD_ATTENTION_H
#define ULTRAAD_ATTENTION_H

#include <stddef.h>

/// The floats of scratch space `uad_attention_head` needs for `tokens` tokens of `width`.
size_t uad_attention_scratch(size_t tokens, size_t width);

/// out[i, c] = sum_j softmax_j(scale * q_i . k_j) v_j[c] for i < tokens and c < width, with
/// keys j > i masked when `causal`. Row i of q, k, v starts at q + i*ld (and k + i*ld,
/// v + i*ld); row i of out at out + i*ldo. Each score is a dot product over c in order
/// (fused multiply-adds), times `scale`; each output a sum over j in order.
/// `scratch`: `uad_attention_scratch(tokens, width)` floats, 32-byte alignment not needed.
void uad_attention_head(const float *q, const float *k, const float *v, size_t ld, size_t tokens, size_t width,
                        float scale, int causal, float *out, size_t ldo, float *scratch);

/// The baseline build of the same, on any CPU: to check that both builds give the same bits.
void uad_attention_head_baseline(const float *q, const float *k, const float *v, size_t ld, size_t tokens,
                                 size_t width, float scale, int causal, float *out, size_t ldo, float *scratch);

/// 1 when the AVX2 + FMA build runs on this CPU, 0 for the baseline build.
int uad_attention_uses_avx2(void);

#endif
