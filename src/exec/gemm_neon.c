/*
 * The NEON float GEMM micro-kernel (see gemm.h for the operands). Built only
 * for aarch64 (cmake/deps.cmake: ARMv8.0 Advanced SIMD is baseline there, no
 * flag and no CPU check needed); gemm.c picks it when the active kernel set
 * is neon.
 *
 * 6 rows x 16 columns: 24 q-register accumulators, four panel loads and six
 * scalar-by-vector FMAs per row per k, which leaves 4 of aarch64's 32 vector
 * registers for the loads (the Cortex-A53 of the i.MX 8M Plus issues one
 * 128-bit FMA per cycle, so this is FMA-bound, as it should be). Fewer than
 * six live rows reuse row 0's pointer for the missing ones (always valid
 * memory) and store only the live rows: one code path, no spills. One row
 * (a batch-1 FULLY_CONNECTED) has its own loop: running the six-row kernel
 * would do six times the work.
 *
 * Each output is bias + the products in k order through fused multiply-adds,
 * the same sequence the AVX2 six-row kernel uses, so the two give the same
 * floats on the multi-row shapes.
 */
#include "exec/gemm.h"

#if NQ_HAVE_NEON
#include <arm_neon.h>
#include <string.h>

static inline float32x4_t clampq(float32x4_t v, float32x4_t lo, float32x4_t hi) {
  return vminq_f32(vmaxq_f32(v, lo), hi); /* FMAX/FMIN return NaN when either operand is NaN */
}

static inline void store_row(float *row, int nr, float32x4_t v0, float32x4_t v1, float32x4_t v2,
                             float32x4_t v3) {
  if (nr == NQ_GEMM_NR) {
    vst1q_f32(row, v0);
    vst1q_f32(row + 4, v1);
    vst1q_f32(row + 8, v2);
    vst1q_f32(row + 12, v3);
    return;
  }
  float tmp[NQ_GEMM_NR]; /* a last panel: only nr columns exist in c */
  vst1q_f32(tmp, v0);
  vst1q_f32(tmp + 4, v1);
  vst1q_f32(tmp + 8, v2);
  vst1q_f32(tmp + 12, v3);
  memcpy(row, tmp, (size_t)nr * sizeof(float));
}

static void ukernel_1row(int nr, int taps, int cin, const float *const *a, const float *panel,
                         const float *bias, float *c, float lo, float hi) {
  float32x4_t c0 = vld1q_f32(bias), c1 = vld1q_f32(bias + 4), c2 = vld1q_f32(bias + 8),
              c3 = vld1q_f32(bias + 12);
  const float *b = panel;
  for (int t = 0; t < taps; t++) {
    const float *p = a[t * NQ_GEMM_MR];
    for (int kk = 0; kk < cin; kk++, b += NQ_GEMM_NR) {
      const float av = p[kk];
      c0 = vfmaq_n_f32(c0, vld1q_f32(b), av);
      c1 = vfmaq_n_f32(c1, vld1q_f32(b + 4), av);
      c2 = vfmaq_n_f32(c2, vld1q_f32(b + 8), av);
      c3 = vfmaq_n_f32(c3, vld1q_f32(b + 12), av);
    }
  }
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  store_row(c, nr, clampq(c0, vlo, vhi), clampq(c1, vlo, vhi), clampq(c2, vlo, vhi), clampq(c3, vlo, vhi));
}

/* The accumulators of one row, and its FMA step, as macros so that they stay
 * named variables (registers) instead of an array GCC may keep in memory. */
#define ROW_INIT(r) float32x4_t r##0 = bias0, r##1 = bias1, r##2 = bias2, r##3 = bias3
#define ROW_FMA(r, av)                \
  do {                                \
    const float s_ = (av);            \
    r##0 = vfmaq_n_f32(r##0, b0, s_); \
    r##1 = vfmaq_n_f32(r##1, b1, s_); \
    r##2 = vfmaq_n_f32(r##2, b2, s_); \
    r##3 = vfmaq_n_f32(r##3, b3, s_); \
  } while (0)
#define ROW_STORE(r, i)                                                                                      \
  store_row(c + (size_t)(i)*ldc, nr, clampq(r##0, vlo, vhi), clampq(r##1, vlo, vhi), clampq(r##2, vlo, vhi), \
            clampq(r##3, vlo, vhi))

void nq_gemm_ukernel_neon(int mr, int nr, int taps, int cin, const float *const *a, const float *panel,
                          const float *bias, float *c, size_t ldc, float lo, float hi) {
  if (mr == 1) {
    ukernel_1row(nr, taps, cin, a, panel, bias, c, lo, hi);
    return;
  }
  const float32x4_t bias0 = vld1q_f32(bias), bias1 = vld1q_f32(bias + 4), bias2 = vld1q_f32(bias + 8),
                    bias3 = vld1q_f32(bias + 12);
  ROW_INIT(x);
  ROW_INIT(y);
  ROW_INIT(z);
  ROW_INIT(u);
  ROW_INIT(v);
  ROW_INIT(w);
  const float *b = panel;
  for (int t = 0; t < taps; t++) {
    const float *const *ap = a + t * NQ_GEMM_MR;
    const float *p0 = ap[0];
    const float *p1 = mr > 1 ? ap[1] : p0, *p2 = mr > 2 ? ap[2] : p0, *p3 = mr > 3 ? ap[3] : p0;
    const float *p4 = mr > 4 ? ap[4] : p0, *p5 = mr > 5 ? ap[5] : p0;
    for (int kk = 0; kk < cin; kk++, b += NQ_GEMM_NR) {
      const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8),
                        b3 = vld1q_f32(b + 12);
      ROW_FMA(x, p0[kk]);
      ROW_FMA(y, p1[kk]);
      ROW_FMA(z, p2[kk]);
      ROW_FMA(u, p3[kk]);
      ROW_FMA(v, p4[kk]);
      ROW_FMA(w, p5[kk]);
    }
  }
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  ROW_STORE(x, 0);
  if (mr > 1) ROW_STORE(y, 1);
  if (mr > 2) ROW_STORE(z, 2);
  if (mr > 3) ROW_STORE(u, 3);
  if (mr > 4) ROW_STORE(v, 4);
  if (mr > 5) ROW_STORE(w, 5);
}
#else
typedef int nq_gemm_neon_unused; /* ISO C forbids an empty translation unit */
#endif
