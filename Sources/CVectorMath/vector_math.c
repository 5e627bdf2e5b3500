#include "vector_math.h"
#include "cpu_features.h"
#include "vector_kernels.h"

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void exp_avx2(float *x, size_t n) { exp_rows(x, n); }
__attribute__((target("avx2"))) static void quick_gelu_avx2(float *x, size_t n) { quick_gelu_rows(x, n); }
__attribute__((target("avx2"))) static float softmax_avx2(float *row, size_t n, size_t total) {
    return softmax_rows(row, n, total);
}
#endif

int uad_vector_math_uses_avx2(void) { return uad_cpu_has_avx2(); }

void uad_exp(float *x, size_t n) {
#if defined(__x86_64__)
    if (uad_vector_math_uses_avx2()) { exp_avx2(x, n); return; }
#endif
    uad_exp_baseline(x, n);
}

void uad_quick_gelu(float *x, size_t n) {
#if defined(__x86_64__)
    if (uad_vector_math_uses_avx2()) { quick_gelu_avx2(x, n); return; }
#endif
    uad_quick_gelu_baseline(x, n);
}

float uad_softmax_numerators(float *row, size_t n, size_t total) {
#if defined(__x86_64__)
    if (uad_vector_math_uses_avx2()) return softmax_avx2(row, n, total);
#endif
    return uad_softmax_numerators_baseline(row, n, total);
}

void uad_exp_baseline(float *x, size_t n) { exp_rows(x, n); }
void uad_quick_gelu_baseline(float *x, size_t n) { quick_gelu_rows(x, n); }
float uad_softmax_numerators_baseline(float *row, size_t n, size_t total) { return softmax_rows(row, n, total); }
