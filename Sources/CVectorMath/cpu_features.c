#include "cpu_features.h"

#if defined(__x86_64__)
#include <cpuid.h>

enum { has_avx2 = 1, has_f16c = 2, has_fma = 4 };

// AVX (and F16C, FMA) in CPUID leaf 1, YMM state enabled by the OS (OSXSAVE, XCR0 bits 1 and 2),
// AVX2 in leaf 7.
static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    int features = ((c & bit_F16C) ? has_f16c : 0) | ((c & bit_FMA) ? has_fma : 0);
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2)) features |= has_avx2;
    return features;
}

// Probed once; a race between first callers writes the same value.
static int state = -1;
static int features(void) {
    if (state < 0) state = detect();
    return state;
}

int uad_cpu_has_avx2(void) { return (features() & has_avx2) != 0; }
int uad_cpu_has_f16c(void) { return (features() & has_f16c) != 0; }
int uad_cpu_has_avx2_fma(void) { return (features() & (has_avx2 | has_fma)) == (has_avx2 | has_fma); }
#else
int uad_cpu_has_avx2(void) { return 0; }
int uad_cpu_has_f16c(void) { return 0; }
int uad_cpu_has_avx2_fma(void) { return 0; }
#endif
