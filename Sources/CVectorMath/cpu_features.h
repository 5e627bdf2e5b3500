// What this CPU can run, probed once (CPUID and the OS's saved register state): the C
// kernels' dispatch between their AVX2 / F16C builds and the baseline ones. Internal to
// CVectorMath (not under include/: Swift asks through the kernels' own `uses_*` calls).
#ifndef ULTRAAD_CPU_FEATURES_H
#define ULTRAAD_CPU_FEATURES_H

/// 1 when the CPU has AVX2 and the OS saves YMM registers.
int uad_cpu_has_avx2(void);

/// 1 when the CPU has F16C and AVX and the OS saves YMM registers.
int uad_cpu_has_f16c(void);

/// 1 when the CPU has AVX2 and FMA3 (every AVX2 CPU so far) and the OS saves YMM registers.
int uad_cpu_has_avx2_fma(void);

#endif
