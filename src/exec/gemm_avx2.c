/*
 * The AVX2 + FMA GEMM micro-kernels. This file alone is compiled with
 * -mavx2 -mfma (cmake/deps.cmake); it only runs when the CPU reports both
 * features (gemm.c checks at run time).
 *
 * 6 rows x 16 columns: 12 ymm accumulators, one broadcast of A and two
 * aligned loads of the packed panel per k. The accumulators are named
 * variables rather than an array because GCC keeps an array of vectors in
 * memory across the k loop, which doubles the stores per FMA.
 * 6 rows x 8 columns for a last panel with at most 8 live columns.
 * 1 row (FULLY_CONNECTED with batch 1, a GEMV): k unrolled by 4 into four
 * accumulator pairs so the FMA latency is hidden without wasted rows.
 */
#include "exec/gemm.h"

#ifdef NQ_GEMM_HAVE_AVX2
#include <immintrin.h>

static inline __m256 clampv(__m256 v, __m256 lo, __m256 hi) {
  /* Operand order keeps a NaN (max/min return their second operand then). */
  return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
}

/* Store 16 columns of one row, the first nr of them when nr < 16. */
static inline void store_row(float *row, int nr, __m256 v0, __m256 v1) {
  if (nr == NQ_GEMM_NR) {
    _mm256_storeu_ps(row, v0);
    _mm256_storeu_ps(row + 8, v1);
    return;
  }
  const __m256i vnr = _mm256_set1_epi32(nr);
  const __m256i m0 = _mm256_cmpgt_epi32(vnr, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256i m1 = _mm256_cmpgt_epi32(vnr, _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15));
  _mm256_maskstore_ps(row, m0, v0);
  _mm256_maskstore_ps(row + 8, m1, v1);
}

static void ukernel_1row(int nr, int taps, int cin, const float *const *a, const float *panel,
                         const float *bias, float *c, float lo, float hi) {
  __m256 x0 = _mm256_load_ps(bias), x1 = _mm256_load_ps(bias + 8);
  __m256 y0 = _mm256_setzero_ps(), y1 = y0, z0 = y0, z1 = y0, w0 = y0, w1 = y0;
  const float *b = panel;
  for (int t = 0; t < taps; t++) {
    const float *p = a[t * NQ_GEMM_MR];
    int kk = 0;
    for (; kk + 4 <= cin; kk += 4, b += 4 * NQ_GEMM_NR) {
      __m256 a0 = _mm256_broadcast_ss(p + kk), a1 = _mm256_broadcast_ss(p + kk + 1);
      __m256 a2 = _mm256_broadcast_ss(p + kk + 2), a3 = _mm256_broadcast_ss(p + kk + 3);
      x0 = _mm256_fmadd_ps(a0, _mm256_load_ps(b), x0);
      x1 = _mm256_fmadd_ps(a0, _mm256_load_ps(b + 8), x1);
      y0 = _mm256_fmadd_ps(a1, _mm256_load_ps(b + 16), y0);
      y1 = _mm256_fmadd_ps(a1, _mm256_load_ps(b + 24), y1);
      z0 = _mm256_fmadd_ps(a2, _mm256_load_ps(b + 32), z0);
      z1 = _mm256_fmadd_ps(a2, _mm256_load_ps(b + 40), z1);
      w0 = _mm256_fmadd_ps(a3, _mm256_load_ps(b + 48), w0);
      w1 = _mm256_fmadd_ps(a3, _mm256_load_ps(b + 56), w1);
    }
    for (; kk < cin; kk++, b += NQ_GEMM_NR) {
      __m256 a0 = _mm256_broadcast_ss(p + kk);
      x0 = _mm256_fmadd_ps(a0, _mm256_load_ps(b), x0);
      x1 = _mm256_fmadd_ps(a0, _mm256_load_ps(b + 8), x1);
    }
  }
  x0 = _mm256_add_ps(_mm256_add_ps(x0, y0), _mm256_add_ps(z0, w0));
  x1 = _mm256_add_ps(_mm256_add_ps(x1, y1), _mm256_add_ps(z1, w1));
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  store_row(c, nr, clampv(x0, vlo, vhi), clampv(x1, vlo, vhi));
}

/* Rows >= mr repeat row 0's pointers: computed, never stored. */
static void ukernel_6rows(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                          const float *bias, float *c, size_t ldc, float lo, float hi) {
  const __m256 bias0 = _mm256_load_ps(bias), bias1 = _mm256_load_ps(bias + 8);
  __m256 c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1, c20 = bias0, c21 = bias1;
  __m256 c30 = bias0, c31 = bias1, c40 = bias0, c41 = bias1, c50 = bias0, c51 = bias1;
  const float *b = panel;
  for (int t = 0; t < taps; t++) {
    const float *const *at = a + t * NQ_GEMM_MR;
    const float *p0 = at[0];
    const float *p1 = mr > 1 ? at[1] : p0, *p2 = mr > 2 ? at[2] : p0;
    const float *p3 = mr > 3 ? at[3] : p0, *p4 = mr > 4 ? at[4] : p0;
    const float *p5 = mr > 5 ? at[5] : p0;
    for (int kk = 0; kk < cin; kk++, b += NQ_GEMM_NR) {
      const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
      __m256 av;
      av = _mm256_broadcast_ss(p0 + kk);
      c00 = _mm256_fmadd_ps(av, b0, c00);
      c01 = _mm256_fmadd_ps(av, b1, c01);
      av = _mm256_broadcast_ss(p1 + kk);
      c10 = _mm256_fmadd_ps(av, b0, c10);
      c11 = _mm256_fmadd_ps(av, b1, c11);
      av = _mm256_broadcast_ss(p2 + kk);
      c20 = _mm256_fmadd_ps(av, b0, c20);
      c21 = _mm256_fmadd_ps(av, b1, c21);
      av = _mm256_broadcast_ss(p3 + kk);
      c30 = _mm256_fmadd_ps(av, b0, c30);
      c31 = _mm256_fmadd_ps(av, b1, c31);
      av = _mm256_broadcast_ss(p4 + kk);
      c40 = _mm256_fmadd_ps(av, b0, c40);
      c41 = _mm256_fmadd_ps(av, b1, c41);
      av = _mm256_broadcast_ss(p5 + kk);
      c50 = _mm256_fmadd_ps(av, b0, c50);
      c51 = _mm256_fmadd_ps(av, b1, c51);
    }
  }
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  store_row(c, nr, clampv(c00, vlo, vhi), clampv(c01, vlo, vhi));
  if (mr > 1) store_row(c + ldc, nr, clampv(c10, vlo, vhi), clampv(c11, vlo, vhi));
  if (mr > 2) store_row(c + 2 * ldc, nr, clampv(c20, vlo, vhi), clampv(c21, vlo, vhi));
  if (mr > 3) store_row(c + 3 * ldc, nr, clampv(c30, vlo, vhi), clampv(c31, vlo, vhi));
  if (mr > 4) store_row(c + 4 * ldc, nr, clampv(c40, vlo, vhi), clampv(c41, vlo, vhi));
  if (mr > 5) store_row(c + 5 * ldc, nr, clampv(c50, vlo, vhi), clampv(c51, vlo, vhi));
}

/* The last panel of an N that is 8 or less past a multiple of 16 (N = 8,
 * 21, 24, ...): only the first 8 columns of the panel, half the FMAs. */
static void ukernel_6rows_8cols(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                                const float *bias, float *c, size_t ldc, float lo, float hi) {
  const __m256 bias0 = _mm256_load_ps(bias);
  __m256 c0 = bias0, c1 = bias0, c2 = bias0, c3 = bias0, c4 = bias0, c5 = bias0;
  const float *b = panel;
  for (int t = 0; t < taps; t++) {
    const float *const *at = a + t * NQ_GEMM_MR;
    const float *p0 = at[0];
    const float *p1 = mr > 1 ? at[1] : p0, *p2 = mr > 2 ? at[2] : p0;
    const float *p3 = mr > 3 ? at[3] : p0, *p4 = mr > 4 ? at[4] : p0;
    const float *p5 = mr > 5 ? at[5] : p0;
    for (int kk = 0; kk < cin; kk++, b += NQ_GEMM_NR) {
      const __m256 b0 = _mm256_load_ps(b);
      c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(p0 + kk), b0, c0);
      c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(p1 + kk), b0, c1);
      c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(p2 + kk), b0, c2);
      c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(p3 + kk), b0, c3);
      c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(p4 + kk), b0, c4);
      c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(p5 + kk), b0, c5);
    }
  }
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi), z = _mm256_setzero_ps();
  store_row(c, nr, clampv(c0, vlo, vhi), z);
  if (mr > 1) store_row(c + ldc, nr, clampv(c1, vlo, vhi), z);
  if (mr > 2) store_row(c + 2 * ldc, nr, clampv(c2, vlo, vhi), z);
  if (mr > 3) store_row(c + 3 * ldc, nr, clampv(c3, vlo, vhi), z);
  if (mr > 4) store_row(c + 4 * ldc, nr, clampv(c4, vlo, vhi), z);
  if (mr > 5) store_row(c + 5 * ldc, nr, clampv(c5, vlo, vhi), z);
}

void nq_gemm_ukernel_avx2(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                          const float *bias, float *c, size_t ldc, float lo, float hi) {
  if (nr <= 8 && mr > 1)
    ukernel_6rows_8cols(mr, nr, taps, cin, a, panel, bias, c, ldc, lo, hi);
  else if (mr == 1)
    ukernel_1row(nr, taps, cin, a, panel, bias, c, lo, hi);
  else
    ukernel_6rows(mr, nr, taps, cin, a, panel, bias, c, ldc, lo, hi);
}
#else
/* ISO C forbids an empty translation unit. */
typedef int nq_gemm_avx2_unused;
#endif
