// The 8-float vector kernels shared by vector_math.c and attention.c, each compiled into
// the AVX2 and the baseline entry points of its file. Private to CVectorMath.
#ifndef ULTRAAD_VECTOR_KERNELS_H
#define ULTRAAD_VECTOR_KERNELS_H

#include <stddef.h>
#include <string.h>

// The same bits from both builds: no fused multiply-adds, and no reassociation.
#pragma clang fp contract(off)
// 8-float vectors passed between functions would change the calling convention without AVX;
// every function that takes or returns one is inlined into its entry point.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float f8 __attribute__((ext_vector_type(8)));
typedef int i8 __attribute__((ext_vector_type(8)));

#define INLINE static inline __attribute__((always_inline))

INLINE f8 splat(float v) { return (f8)v; }
INLINE f8 load(const float *p) { f8 v; memcpy(&v, p, sizeof v); return v; }
INLINE void store(f8 v, float *p) { memcpy(p, &v, sizeof v); }
// mask lanes are all ones (true) or zero (false), as vector comparisons give them.
INLINE f8 select(i8 mask, f8 yes, f8 no) { return (f8)(((i8)yes & mask) | ((i8)no & ~mask)); }

// Range reduction x = n ln2 + r with |r| <= ln2/2 (ln2 split in two parts so that n ln2 is
// exact), Cephes' degree-5 polynomial for e^r, and 2^n built in the exponent bits.
INLINE f8 exp8(f8 x) {
    x = select(x < splat(-87.3f), splat(-87.3f), x);
    x = select(x > splat(88.3f), splat(88.3f), x);
    // Round x / ln2 to an integer: adding 1.5 * 2^23 leaves it in the low mantissa bits.
    const f8 magic = splat(12582912.0f);
    f8 t = x * splat(1.4426950408889634f) + magic;
    f8 n = t - magic;
    f8 r = x - n * splat(0.693359375f);
    r = r - n * splat(-2.12194440e-4f);
    f8 p = splat(1.9875691500e-4f);
    p = p * r + splat(1.3981999507e-3f);
    p = p * r + splat(8.3334519073e-3f);
    p = p * r + splat(4.1665795894e-2f);
    p = p * r + splat(1.6666665459e-1f);
    p = p * r + splat(5.0000001201e-1f);
    p = p * (r * r) + r + splat(1.0f);
    i8 bits = (i8)t - 0x4B400000;
    f8 scale = (f8)((bits + 127) << 23);
    return p * scale;
}

INLINE f8 quick_gelu8(f8 x) { return x / (splat(1.0f) + exp8(x * splat(-1.702f))); }

// The lanes below `count` of p (0 <= count < 8) in a vector, `fill` elsewhere, and back.
INLINE f8 load_part(const float *p, size_t count, float fill) {
    float lanes[8] = {fill, fill, fill, fill, fill, fill, fill, fill};
    memcpy(lanes, p, count * sizeof(float));
    return load(lanes);
}
INLINE void store_part(f8 v, float *p, size_t count) {
    float lanes[8];
    store(v, lanes);
    memcpy(p, lanes, count * sizeof(float));
}

INLINE void exp_rows(float *x, size_t n) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) store(exp8(load(x + j)), x + j);
    if (j < n) store_part(exp8(load_part(x + j, n - j, 0)), x + j, n - j);
}

INLINE void quick_gelu_rows(float *x, size_t n) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8) store(quick_gelu8(load(x + j)), x + j);
    if (j < n) store_part(quick_gelu8(load_part(x + j, n - j, 0)), x + j, n - j);
}

INLINE float softmax_rows(float *row, size_t n, size_t total) {
    size_t full = n & ~(size_t)7, rest = n - full;
    // The tail as one vector whose lanes past n are -infinity (and add 0 to the sum below).
    f8 tail = load_part(row + full, rest, -__builtin_inff());
    f8 vmax = tail;
    for (size_t j = 0; j < full; j += 8) {
        f8 v = load(row + j);
        vmax = select(v > vmax, v, vmax);
    }
    float m = vmax[0];
    for (int k = 1; k < 8; k++) m = vmax[k] > m ? vmax[k] : m;
    const f8 vm = splat(m);
    f8 acc = splat(0);
    for (size_t j = 0; j < full; j += 8) {
        f8 e = exp8(load(row + j) - vm);
        store(e, row + j);
        acc += e;
    }
    if (rest > 0) {
        const i8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
        // The clamp in exp8 makes -infinity e^-87.3, not 0: masked lanes add 0.
        f8 e = select(lane < (i8)(int)rest, exp8(tail - vm), splat(0));
        acc += e;
        store_part(e, row + full, rest);
    }
    for (size_t k = n; k < total; k++) row[k] = 0;
    float sum = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
    return 1.0f / sum;
}

#endif
