#include "attention.h"
#include "cpu_features.h"
#include "vector_kernels.h"

// Keys (and value columns) in panels of 16, two vectors; query rows in blocks of up to 6.
// The inner loops then hold 12 accumulators, the panel's two vectors and a broadcast: 15 of
// AVX2's 16 registers.
enum { panel = 16, block_rows = 6 };

INLINE f8 fma8(f8 a, f8 b, f8 c) { return __builtin_elementwise_fma(a, b, c); }

static size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

size_t uad_attention_scratch(size_t t, size_t w) {
    size_t tp = round_up(t, panel), wp = round_up(w, panel);
    return tp * w + t * wp + block_rows * tp;
}

// acc[r] = sum_{k < depth} a[r * lda + k] b[k] for r < R, in the order of k, where b's rows
// are 16 floats (two vectors): the 6 x 16 block product both of a head's products are made of.
INLINE void block_product(const float *a, size_t lda, const float *b, size_t depth, f8 acc[block_rows][2], int R) {
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = splat(0);
    for (size_t k = 0; k < depth; k++) {
        f8 b0 = load(b + k * panel), b1 = load(b + k * panel + 8);
        for (int r = 0; r < R; r++) {
            f8 x = splat(a[r * lda + k]);
            acc[r][0] = fma8(x, b0, acc[r][0]);
            acc[r][1] = fma8(x, b1, acc[r][1]);
        }
    }
}

// s[r, j] = scale * sum_c q[r, c] kp(c, j) for r < R and j < jmax (jmax a multiple of 16).
// kp: the keys panel-major, [tp/16][w][16]; s: rows of tp.
INLINE void scores(const float *q, size_t ld, const float *kp, size_t tp, size_t jmax, size_t w, float scale,
                   float *s, int R) {
    for (size_t p = 0; p < jmax; p += panel) {
        f8 acc[block_rows][2];
        block_product(q, ld, kp + p * w, w, acc, R);
        for (int r = 0; r < R; r++) {
            store(acc[r][0] * splat(scale), s + r * tp + p);
            store(acc[r][1] * splat(scale), s + r * tp + p + 8);
        }
    }
}

// out[r, c] = inverse[r] * sum_{j < jmax} s[r, j] vp(j, c) for r < R and c < w.
// vp: the values panel-major, [wp/16][t][16].
INLINE void weighted_values(const float *s, size_t tp, const float *vp, size_t t, size_t jmax, size_t w,
                            const float *inverse, float *out, size_t ldo, int R) {
    for (size_t p = 0; p < w; p += panel) {
        f8 acc[block_rows][2];
        block_product(s, tp, vp + p * t, jmax, acc, R);
        size_t left = w - p;
        for (int r = 0; r < R; r++) {
            f8 f = splat(inverse[r]), o0 = acc[r][0] * f, o1 = acc[r][1] * f;
            float *row = out + r * ldo + p;
            if (left >= panel) { store(o0, row); store(o1, row + 8); }
            else if (left > 8) { store(o0, row); store_part(o1, row + 8, left - 8); }
            else if (left == 8) store(o0, row);
            else store_part(o0, row, left);
        }
    }
}

INLINE void attention_head(const float *q, const float *k, const float *v, size_t ld, size_t t, size_t w,
                           float scale, int causal, float *out, size_t ldo, float *scratch) {
    if (t == 0 || w == 0) return;
    size_t tp = round_up(t, panel), wp = round_up(w, panel);
    float *kp = scratch, *vp = kp + tp * w, *s = vp + t * wp;
    // Keys past t are zero columns (their scores are never read); values past w zero lanes.
    // The rows of k and v are far apart (the other heads lie between): ask for rows a few
    // ahead so that their cache lines are on the way while this one is copied.
    enum { ahead = 8 };
    for (size_t j = 0; j < tp; j++) {
        float *dst = kp + (j / panel) * w * panel + j % panel;
        if (j >= t) { for (size_t c = 0; c < w; c++) dst[c * panel] = 0; continue; }
        if (j + ahead < t)
            for (size_t c = 0; c < w; c += 16) { __builtin_prefetch(k + (j + ahead) * ld + c); __builtin_prefetch(v + (j + ahead) * ld + c); }
        const float *key = k + j * ld, *value = v + j * ld;
        for (size_t c = 0; c < w; c++) dst[c * panel] = key[c];
        float *lanes = vp + j * panel;
        size_t c = 0;
        for (; c + panel <= w; c += panel) memcpy(lanes + c * t, value + c, panel * sizeof(float));
        if (c < w) {
            memset(lanes + c * t, 0, panel * sizeof(float));
            memcpy(lanes + c * t, value + c, (w - c) * sizeof(float));
        }
    }
    for (size_t i = 0; i < t; i += block_rows) {
        int rows = t - i < block_rows ? (int)(t - i) : block_rows;
        // A causal block needs the keys up to its last row only.
        size_t keys = causal ? i + rows : t;
        float inverse[block_rows];
        switch (rows) {
#define SCORES(R) case R: scores(q + i * ld, ld, kp, tp, round_up(keys, panel), w, scale, s, R); break;
            SCORES(1) SCORES(2) SCORES(3) SCORES(4) SCORES(5) SCORES(6)
#undef SCORES
        }
        for (int r = 0; r < rows; r++) inverse[r] = softmax_rows(s + r * tp, causal ? i + r + 1 : t, keys);
        switch (rows) {
#define VALUES(R) case R: weighted_values(s, tp, vp, t, keys, w, inverse, out + i * ldo, ldo, R); break;
            VALUES(1) VALUES(2) VALUES(3) VALUES(4) VALUES(5) VALUES(6)
#undef VALUES
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void attention_head_avx2(
    const float *q, const float *k, const float *v, size_t ld, size_t t, size_t w, float scale, int causal,
    float *out, size_t ldo, float *scratch) {
    attention_head(q, k, v, ld, t, w, scale, causal, out, ldo, scratch);
}
#endif

int uad_attention_uses_avx2(void) { return uad_cpu_has_avx2_fma(); }

void uad_attention_head(const float *q, const float *k, const float *v, size_t ld, size_t t, size_t w,
                        float scale, int causal, float *out, size_t ldo, float *scratch) {
#if defined(__x86_64__)
    if (uad_attention_uses_avx2()) { attention_head_avx2(q, k, v, ld, t, w, scale, causal, out, ldo, scratch); return; }
#endif
    uad_attention_head_baseline(q, k, v, ld, t, w, scale, causal, out, ldo, scratch);
}

void uad_attention_head_baseline(const float *q, const float *k, const float *v, size_t ld, size_t t, size_t w,
                                 float scale, int causal, float *out, size_t ldo, float *scratch) {
    attention_head(q, k, v, ld, t, w, scale, causal, out, ldo, scratch);
}
